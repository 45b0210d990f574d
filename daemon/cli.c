/*
 * cli.c -- see cli.h: what every command of the command line shares.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sysexits.h>

#include "base/log.h"
#include "base/textcol.h"
#include "cli.h"

/* ---- helpers --------------------------------------------------------- */

/* Each "FILE:LINE: reason" on its own line. A reason may quote the bad
 * value itself, so it is made safe for the terminal (textcol.h). */
void
cli_print_errs(const struct errlist *errs)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < errs->n; i++) {
		textcol_add(&b, errs->v[i], "");
		buf_addc(&b, '\n');
	}
	if (b.len)
		fwrite(b.data, 1, b.len, stderr);
	buf_free(&b);
}

int
cli_need_config(struct ctx *c)
{
	struct errlist errs = { 0 };

	if (c->cfg != NULL)
		return EX_OK;
	if (config_load(c->config_path, &c->cfg, &errs) < 0) {
		cli_print_errs(&errs);
		errlist_free(&errs);
		return EX_CONFIG;
	}
	log_close();
	log_init(c->verbose ? LOG_DEBUG : (enum log_level)c->cfg->log_level,
		 *c->cfg->log_file ? c->cfg->log_file : NULL);
	return EX_OK;
}

/* The store for a command. reading: the command only reads (report,
 * the lists), so a store this user cannot write is opened read-only
 * rather than refused: an operator may read what the daemon's user
 * writes. A writing command on such a store fails naming the file. */
static int
cli_open_store(struct ctx *c, int reading)
{
	struct err e = { "" };
	int rc;

	if ((rc = cli_need_config(c)) != EX_OK)
		return rc;
	if (c->store != NULL)
		return EX_OK;
	rc = reading ? store_open_reader(c->cfg->store_path, &c->store, &e) :
	     store_open(c->cfg->store_path, &c->store, &e);
	if (rc < 0) {
		fprintf(stderr, "anketa: %s\n", e.msg);
		return EX_CANTCREAT;
	}
	return EX_OK;
}

int
cli_need_store(struct ctx *c)
{
	return cli_open_store(c, 0);
}

int
cli_need_store_to_read(struct ctx *c)
{
	return cli_open_store(c, 1);
}

int
cli_usage_error(const char *name, const char *fmt, const char *arg)
{
	fprintf(stderr, "anketa %s: ", name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see 'anketa %s --help')\n", name);
	return EX_USAGE;
}

/* --limit N of send and fetch: a count, 0 or more. */
int
cli_opt_limit(const char *name, const char *arg, long *limit_r)
{
	char *end;

	*limit_r = strtol(arg, &end, 10);
	if (*end || *limit_r < 0)
		return cli_usage_error(name, "bad --limit '%s'", arg);
	return EX_OK;
}

/* The RELAX NG schema: --schema, the config's, $ANKETA_SCHEMA, the
 * installed one, or else the survey.rng beside the questionnaire (as in
 * the source tree's surveys/), so a check works before installing. */
const char *
cli_schema_path(struct ctx *c, const char *given, const char *survey_file)
{
	const char *slash;

	if (given != NULL)
		return given;
	if (c->config_given && cli_need_config(c) == EX_OK)
		return c->cfg->schema_path;
	if (getenv("ANKETA_SCHEMA") != NULL)
		return getenv("ANKETA_SCHEMA");
	if (access(PKGDATADIR "/surveys/survey.rng", R_OK) == 0 ||
	    survey_file == NULL)
		return PKGDATADIR "/surveys/survey.rng";
	slash = strrchr(survey_file, '/');
	snprintf(c->schema_buf, sizeof(c->schema_buf), "%.*ssurvey.rng",
		 slash ? (int)(slash - survey_file + 1) : 0, survey_file);
	if (access(c->schema_buf, R_OK) == 0)
		return c->schema_buf;
	return PKGDATADIR "/surveys/survey.rng";
}

/* One line of a listing to stdout: what came from the store may hold
 * anything, so it is made safe for the terminal (textcol.h) first. */
void
cli_put_line(struct buf *b)
{
	textcol_clean(b, 0, "");
	buf_addc(b, '\n');
	fwrite(b->data, 1, b->len, stdout);
	buf_reset(b);
}

/* An optional field as a listing shows it: the store gives NULL for a
 * key the campaign file left out (reference, deadline are optional). */
const char *
cli_or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

int
cli_campaign_id_of(void *arg, const struct store_campaign *cp)
{
	*(int64_t *)arg = cp->id;
	return 0;
}

int
cli_check_file(struct ctx *c, int argc, char **argv, const char *name,
	       int (*check)(const struct config *, const char *,
			    struct errlist *))
{
	struct errlist errs = { 0 };
	int rc;

	if (argc != 2)
		return cli_usage_error(name, "%s", "expected FILE");
	if ((rc = cli_need_config(c)) != EX_OK)
		return rc;
	rc = check(c->cfg, argv[1], &errs);
	cli_print_errs(&errs);
	errlist_free(&errs);
	if (rc < 0)
		return EX_DATAERR;
	printf("%s: OK\n", argv[1]);
	return EX_OK;
}

int
cli_opt_format(const char *name, int argc, char **argv,
	       enum report_format *fmt_r)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' }, { 0 } };
	int ch;

	*fmt_r = REPORT_TEXT;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 'f')
			return EX_USAGE;
		if (report_format_parse(optarg, fmt_r) < 0)
			return cli_usage_error(name, "unknown format '%s' "
					       "(text, csv, json or html)",
					       optarg);
	}
	return EX_OK;
}
