/*
 * main.c -- anketa: the command line. Parses arguments, loads the
 * configuration, opens the store, calls one pipeline, maps the outcome to
 * a sysexits(3) exit code. The only file (with daemon.c) that exits.
 *
 *   anketa [-c FILE] [-v] COMMAND [ARGS]     anketa --help, COMMAND --help
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/kind.h"
#include "model/campaign.h"
#include "base/config.h"
#include "model/contacts.h"
#include "daemon.h"
#include "receive/ingest.h"
#include "inspect.h"
#include "base/log.h"
#include "report/report.h"
#include "send/send.h"
#include "status.h"
#include "store/store.h"
#include "model/survey.h"
#include "model/form.h"
#include "base/textcol.h"
#include "base/xmem.h"

struct ctx {
	char schema_buf[4096];	/* a schema found beside a survey file */
	const char *config_path;
	int config_given;
	int verbose;
	struct config *cfg;
	struct store *store;
};

struct command {
	const char *name;	/* "contacts import" */
	int (*fn)(struct ctx *, int, char **);
	const char *usage;
	const char *help;
};

static const struct command *commands_table(size_t *n);

/* ---- helpers --------------------------------------------------------- */

/* Each "FILE:LINE: reason" on its own line. A reason may quote the bad
 * value itself, so it is made safe for the terminal (textcol.h). */
static void
print_errs(const struct errlist *errs)
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

static int
need_config(struct ctx *c)
{
	struct errlist errs = { 0 };

	if (c->cfg != NULL)
		return EX_OK;
	if (config_load(c->config_path, &c->cfg, &errs) < 0) {
		print_errs(&errs);
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
open_store(struct ctx *c, int reading)
{
	struct err e = { "" };
	int rc;

	if ((rc = need_config(c)) != EX_OK)
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

static int
need_store(struct ctx *c)
{
	return open_store(c, 0);
}

static int
need_store_to_read(struct ctx *c)
{
	return open_store(c, 1);
}

/* getopt_long over a subcommand's own options; "help" is always there. */
static int
want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static int
usage_error(const char *name, const char *fmt, const char *arg)
{
	fprintf(stderr, "anketa %s: ", name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see 'anketa %s --help')\n", name);
	return EX_USAGE;
}

/* --limit N of send and fetch: a count, 0 or more. */
static int
opt_limit(const char *name, const char *arg, long *limit_r)
{
	char *end;

	*limit_r = strtol(arg, &end, 10);
	if (*end || *limit_r < 0)
		return usage_error(name, "bad --limit '%s'", arg);
	return EX_OK;
}

/* The RELAX NG schema: --schema, the config's, $ANKETA_SCHEMA, the
 * installed one, or else the survey.rng beside the questionnaire (as in
 * the source tree's surveys/), so a check works before installing. */
static const char *
schema_path(struct ctx *c, const char *given, const char *survey_file)
{
	const char *slash;

	if (given != NULL)
		return given;
	if (c->config_given && need_config(c) == EX_OK)
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

/* ---- config ------------------------------------------------------------ */

static int
cmd_config_check(struct ctx *c, int argc, char **argv)
{
	int rc = need_config(c);

	if (rc == EX_OK)
		printf("%s: configuration OK\n", c->config_path);
	return rc;
}

/* ---- contacts ---------------------------------------------------------- */

static int
cmd_contacts_import(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "skip-invalid", no_argument, NULL, 's' }, { 0 } };
	struct contacts_stats st = { 0 };
	struct errlist errs = { 0 };
	int skip = 0, ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 's')
			return EX_USAGE;
		skip = 1;
	}
	if (optind != argc - 1)
		return usage_error("contacts import", "%s", "expected one FILE.csv");
	if ((rc = need_store(c)) != EX_OK)
		return rc;
	rc = contacts_import(c->store, argv[optind], skip, &st, &errs);
	print_errs(&errs);
	errlist_free(&errs);
	if (rc < 0) {
		fprintf(stderr, "%s: nothing imported (fix the rows above, "
			"or use --skip-invalid to import the valid ones)\n",
			argv[optind]);
		return EX_DATAERR;
	}
	printf("%s: %ld rows, %ld added, %ld updated, %ld skipped\n",
	       argv[optind], st.rows, st.added, st.updated, st.skipped);
	return st.skipped ? EX_DATAERR : EX_OK;
}

static int
cmd_contacts_list(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "country", required_argument, NULL, 'C' },
		{ "municipality", required_argument, NULL, 'm' },
		{ "language", required_argument, NULL, 'l' },
		{ "role", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' }, { 0 } };
	struct store_filter f = { 0 };
	const char *format = "text";
	struct err e = { "" };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'g': f.group = optarg; break;
		case 'C': f.country = optarg; break;
		case 'm': f.municipality = optarg; break;
		case 'l': f.language = optarg; break;
		case 'r': f.role = optarg; break;
		case 'f': format = optarg; break;
		default: return EX_USAGE;
		}
	}
	if (strcmp(format, "text") && strcmp(format, "csv") &&
	    strcmp(format, "json"))
		return usage_error("contacts list", "unknown format '%s'", format);
	if ((rc = need_store_to_read(c)) != EX_OK)
		return rc;
	if (contacts_list(c->store, &f, format, stdout, &e) < 0) {
		fprintf(stderr, "anketa: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	return EX_OK;
}

/* ---- questionnaires ---------------------------------------------------- */

static int
cmd_survey_check(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "schema", required_argument, NULL, 's' }, { 0 } };
	const char *schema = NULL;
	int ch, bad = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 's')
			return EX_USAGE;
		schema = optarg;
	}
	if (optind >= argc)
		return usage_error("survey check", "%s", "expected FILE.xml");
	for (int i = optind; i < argc; i++) {
		struct errlist errs = { 0 };
		struct survey *sv = NULL;

		if (survey_load_file(argv[i], schema_path(c, schema, argv[i]),
				     &sv, &errs) < 0) {
			print_errs(&errs);
			bad = 1;
		} else {
			printf("%s: OK (%s, %zu questions)\n", argv[i],
			       survey_id(sv), survey_nquestions(sv));
		}
		errlist_free(&errs);
		survey_free(&sv);
	}
	return bad ? EX_DATAERR : EX_OK;
}

static int
cmd_survey_show(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "schema", required_argument, NULL, 's' },
		{ "lang", required_argument, NULL, 'l' },
		{ "html", no_argument, NULL, 'H' }, { 0 } };
	const char *schema = NULL, *lang = "en";
	struct errlist errs = { 0 };
	struct survey *sv = NULL;
	struct buf out;
	int ch, html = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's': schema = optarg; break;
		case 'l': lang = optarg; break;
		case 'H': html = 1; break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error("survey show", "%s", "expected FILE.xml");
	if (survey_load_file(argv[optind],
			     schema_path(c, schema, argv[optind]), &sv,
			     &errs) < 0) {
		print_errs(&errs);
		errlist_free(&errs);
		return EX_DATAERR;
	}
	buf_init(&out, 0);
	if (html)
		form_render_html(sv, lang, &out);
	else
		form_render_text(sv, lang, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	survey_free(&sv);
	return EX_OK;
}

/* ---- campaigns ----------------------------------------------------------- */

static int
cmd_campaign_add(struct ctx *c, int argc, char **argv)
{
	struct errlist errs = { 0 };
	char *name = NULL;
	int rc;

	if (argc != 2)
		return usage_error("campaign add", "%s", "expected FILE");
	if ((rc = need_store(c)) != EX_OK)
		return rc;
	rc = campaign_add(c->store, c->cfg, argv[1], &name, &errs);
	print_errs(&errs);
	errlist_free(&errs);
	if (rc < 0)
		return EX_DATAERR;
	printf("campaign %s: stored\n", name);
	free(name);
	daemon_wake(c->cfg);	/* a running daemon invites at once */
	return EX_OK;
}

static int
cmd_campaign_check(struct ctx *c, int argc, char **argv)
{
	struct errlist errs = { 0 };
	int rc;

	if (argc != 2)
		return usage_error("campaign check", "%s", "expected FILE");
	if ((rc = need_config(c)) != EX_OK)
		return rc;
	rc = campaign_check(c->cfg, argv[1], &errs);
	print_errs(&errs);
	errlist_free(&errs);
	if (rc < 0)
		return EX_DATAERR;
	printf("%s: OK\n", argv[1]);
	return EX_OK;
}

/* One line of a listing to stdout: what came from the store may hold
 * anything, so it is made safe for the terminal (textcol.h) first. */
static void
put_line(struct buf *b)
{
	textcol_clean(b, 0, "");
	buf_addc(b, '\n');
	fwrite(b->data, 1, b->len, stdout);
	buf_reset(b);
}

/* An optional field as a listing shows it: the store gives NULL for a
 * key the campaign file left out (reference, deadline are optional). */
static const char *
or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

static int
campaign_row(void *arg, const struct store_campaign *cp)
{
	struct ctx *c = arg;
	struct err e = { "" };
	long n[STORE_D_N] = { 0 };
	struct buf b;

	if (store_delivery_counts(c->store, cp->id, kind_name(KIND_INVITE),
				  n, &e) < 0)
		return -1;
	buf_init(&b, 0);
	buf_printf(&b, "%-24s %-10s %-8s %-12s %6ld sent %5ld failed %5ld to "
		   "go", or_dash(cp->name), or_dash(cp->kind),
		   or_dash(cp->reference), or_dash(cp->deadline),
		   n[STORE_D_SENT], n[STORE_D_FAILED], n[STORE_D_PENDING] +
		   n[STORE_D_DEFERRED] + n[STORE_D_SENDING] +
		   n[STORE_D_UNKNOWN]);
	put_line(&b);
	buf_free(&b);
	return 0;
}

static int
cmd_campaign_list(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc;

	if (argc != 1)
		return usage_error("campaign list", "unexpected argument '%s'",
				   argv[1]);
	if ((rc = need_store_to_read(c)) != EX_OK)
		return rc;
	if (store_campaigns_each(c->store, campaign_row, c, &e) < 0) {
		fprintf(stderr, "anketa: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	return EX_OK;
}

static int
campaign_id_of(void *arg, const struct store_campaign *cp)
{
	*(int64_t *)arg = cp->id;
	return 0;
}

/* ---- send ---------------------------------------------------------------- */

static void
send_summary(const char *what, int dry_run, const struct send_stats *st)
{
	if (dry_run) {
		printf("%s (dry run): %ld rendered, %ld skipped", what,
		       st->rendered, st->skipped);
		if (st->failed)
			printf(", %ld cannot be built", st->failed);
		putchar('\n');
	} else
		printf("%s: %ld planned, %ld handed over, %ld sent, %ld "
		       "failed, %ld deferred, %ld unknown, %ld skipped\n",
		       what, st->planned, st->handed, st->sent, st->failed,
		       st->deferred, st->unknown, st->skipped);
}

static int
cmd_send(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "preview", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'l' },
		{ "kind", required_argument, NULL, 'k' },
		{ "all", no_argument, NULL, 'a' }, { 0 } };
	struct send_opts o = { 0 };
	struct send_stats st = { 0 };
	struct err e = { "" };
	int ch, rc, all = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'n': o.dry_run = 1; break;
		case 'p': o.preview_dir = optarg; break;
		case 'k': o.kind = optarg; break;
		case 'a': all = 1; break;
		case 'l':
			if (opt_limit("send", optarg, &o.limit) != EX_OK)
				return EX_USAGE;
			break;
		default: return EX_USAGE;
		}
	}
	if (all ? optind != argc : optind != argc - 1)
		return usage_error("send", "%s", "expected CAMPAIGN or --all");
	if (all && (o.dry_run || o.kind || o.preview_dir || o.limit))
		return usage_error("send", "%s", "--all takes no other option");
	if (o.kind != NULL && !send_kind_ok(o.kind))
		return usage_error("send", "--kind '%s': not a kind of "
				   "campaign mail (invite, reminder)", o.kind);
	if ((rc = need_store(c)) != EX_OK)
		return rc;
	rc = all ? send_outbox(c->store, c->cfg, &st, &e) :
	     send_campaign(c->store, c->cfg, argv[optind], &o, &st, &e);
	if (rc == 0 || st.planned || st.handed || st.rendered)
		send_summary(all ? "outbox" : argv[optind], o.dry_run, &st);
	if (rc < 0) {
		fprintf(stderr, "anketa send: %s\n", e.msg);
		if (st.signal != 0) {
			/* a sender crashed: so does this run, as one process
			 * would (crash tests see the same exit either way) */
			signal(st.signal, SIG_DFL);
			raise(st.signal);
		}
		return EX_UNAVAILABLE;
	}
	return (st.failed || st.deferred || st.unknown) ? EX_TEMPFAIL : EX_OK;
}

/* ---- queue ---------------------------------------------------------------- */

static int
queue_row(void *arg, const struct store_qrow *q)
{
	char when[32] = "now";
	time_t t = (time_t)q->next_attempt;
	struct tm tm;
	struct buf b;

	(void)arg;
	if (q->next_attempt > time(NULL))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC",
			 gmtime_r(&t, &tm));
	buf_init(&b, 0);
	buf_printf(&b, "%-8lld %-16s %-9s %-9s %2d %-20s %s",
		   (long long)q->id, or_dash(q->campaign), or_dash(q->kind),
		   store_dstate_name(q->state), q->attempts,
		   q->owner ? q->owner : when, q->rcpt ? q->rcpt : "");
	put_line(&b);
	/* the server's words, or a reason with a contact's data in it */
	if (q->last_reply != NULL && *q->last_reply) {
		buf_printf(&b, "         %s", q->last_reply);
		put_line(&b);
	}
	buf_free(&b);
	return 0;
}

static int
pause_row(void *arg, const char *site, int64_t until, const char *reason)
{
	char when[32];
	time_t t = (time_t)until;
	struct tm tm;
	struct buf b;

	(void)arg;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
		 gmtime_r(&t, &tm));
	buf_init(&b, 0);
	buf_printf(&b, "sending through %s paused until %s: %s", site, when,
		   reason);
	put_line(&b);
	buf_free(&b);
	return 0;
}

static int
cmd_queue(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "campaign", required_argument, NULL, 'C' },
		{ "all", no_argument, NULL, 'a' }, { 0 } };
	const char *action = "list", *camp = NULL;
	int64_t cid = 0, id = 0;
	long n = 0;
	struct err e = { "" };
	int ch, rc, all = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'C': camp = optarg; break;
		case 'a': all = 1; break;
		default: return EX_USAGE;
		}
	}
	if (optind < argc)
		action = argv[optind++];
	if (strcmp(action, "list") && strcmp(action, "retry") &&
	    strcmp(action, "cancel"))
		return usage_error("queue", "unknown action '%s' (list, retry, "
				   "cancel)", action);
	if (optind < argc) {
		char *end;

		id = strtoll(argv[optind], &end, 10);
		if (*argv[optind] == '\0' || *end != '\0' || id <= 0)
			return usage_error("queue", "'%s' is not a queue id",
					   argv[optind]);
		optind++;
	}
	if (optind != argc)
		return usage_error("queue", "unexpected argument '%s'",
				   argv[optind]);
	if (strcmp(action, "list") != 0 && id == 0 && camp == NULL && !all)
		return usage_error("queue", "%s: name an ID, --campaign NAME "
				   "or --all", action);
	if ((rc = open_store(c, strcmp(action, "list") == 0)) != EX_OK)
		return rc;
	if (camp != NULL) {
		rc = store_campaign_find(c->store, camp, campaign_id_of, &cid,
					 &e);
		if (rc == 0) {
			fprintf(stderr, "anketa queue: campaign '%s': no such "
				"campaign\n", camp);
			return EX_DATAERR;
		}
		if (rc < 0)
			goto fail;
	}
	if (strcmp(action, "list") == 0) {
		rc = store_pauses_each(c->store, pause_row, NULL, &e);
		if (rc == 0)
			rc = store_queue_each(c->store, cid, queue_row, NULL,
					      &e);
	}
	else if (strcmp(action, "retry") == 0)
		rc = store_queue_retry(c->store, id, cid, &n, &e);
	else
		rc = store_queue_cancel(c->store, id, cid, &n, &e);
	if (rc < 0)
		goto fail;
	if (strcmp(action, "retry") == 0 && n > 0)
		daemon_wake(c->cfg);	/* a running daemon sends at once */
	if (strcmp(action, "list") != 0)
		printf("%s: %ld message%s\n", action, n, n == 1 ? "" : "s");
	return strcmp(action, "list") != 0 && n == 0 && id != 0 ?
	       EX_DATAERR : EX_OK;
fail:
	fprintf(stderr, "anketa queue: %s\n", e.msg);
	return EX_SOFTWARE;
}

/* ---- fetch --------------------------------------------------------------- */

static int
cmd_fetch(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "source", required_argument, NULL, 's' },
		{ "idle", no_argument, NULL, 'i' },
		{ "limit", required_argument, NULL, 'l' },
		{ "no-feedback", no_argument, NULL, 'F' }, { 0 } };
	struct ingest_opts o = { 0 };
	struct ingest_stats st = { 0 };
	struct err e = { "" };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o.source = optarg; break;
		case 'i': o.idle = 1; break;
		case 'F': o.no_feedback = 1; break;
		case 'l':
			if (opt_limit("fetch", optarg, &o.limit) != EX_OK)
				return EX_USAGE;
			break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc)
		return usage_error("fetch", "unexpected argument '%s'",
				   argv[optind]);
	if ((rc = need_store(c)) != EX_OK)
		return rc;
	rc = ingest_run(c->store, c->cfg, &o, &st, &e);
	printf("fetched %ld: %ld answers, %ld rsvp, %ld bounces, "
	       "%ld auto-replies, %ld opt-outs, %ld unmatched, "
	       "%ld unreadable, %ld quarantined, %ld duplicates\n",
	       st.seen, st.answers, st.rsvp, st.bounces, st.autoreplies,
	       st.optouts, st.unmatched, st.unreadable, st.quarantined,
	       st.duplicates);
	if (rc < 0) {
		fprintf(stderr, "anketa fetch: %s\n", e.msg);
		return EX_UNAVAILABLE;
	}
	return EX_OK;
}

/* ---- report -------------------------------------------------------------- */

static int
cmd_report(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' }, { 0 } };
	enum report_format fmt = REPORT_TEXT;
	struct err e = { "" };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 'f')
			return EX_USAGE;
		if (report_format_parse(optarg, &fmt) < 0)
			return usage_error("report", "unknown format '%s' "
					   "(text, csv, json or html)",
					   optarg);
	}
	if (optind != argc - 1)
		return usage_error("report", "%s", "expected CAMPAIGN");
	if ((rc = need_store_to_read(c)) != EX_OK)
		return rc;
	if (report_write(c->store, c->cfg, argv[optind], fmt, stdout, &e) < 0) {
		fprintf(stderr, "anketa report: %s\n", e.msg);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* ---- inspect ------------------------------------------------------------- */

static int
cmd_inspect(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "survey", required_argument, NULL, 's' },
		{ "schema", required_argument, NULL, 'S' }, { 0 } };
	struct inspect_opts o = { 0 };
	const char *survey_file = NULL, *schema = NULL;
	struct survey *sv = NULL;
	struct buf out;
	int ch, bad = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'j': o.json = 1; break;
		case 's': survey_file = optarg; break;
		case 'S': schema = optarg; break;
		default: return EX_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("inspect", "%s", "expected FILE.eml");
	if (survey_file != NULL) {
		struct errlist errs = { 0 };

		if (survey_load_file(survey_file,
				     schema_path(c, schema, survey_file), &sv,
				     &errs) < 0) {
			print_errs(&errs);
			errlist_free(&errs);
			return EX_DATAERR;
		}
	}
	o.survey = sv;
	if (c->config_given && need_config(c) == EX_OK) {
		o.copts.reply_to = c->cfg->reply_to;
		o.copts.return_path = c->cfg->return_path;
		o.copts.from_address = c->cfg->from_address;
		o.copts.message_id_domain = c->cfg->message_id_domain;
	}
	o.limits.max_bytes = 64u << 20;
	o.limits.max_parts = 256;
	o.limits.max_depth = 16;
	buf_init(&out, 0);
	for (int i = optind; i < argc; i++) {
		struct err e = { "" };

		buf_reset(&out);
		if (inspect_file(argv[i], &o, &out, &e) < 0) {
			fprintf(stderr, "%s\n", e.msg);	/* names the file */
			bad = 1;
			continue;
		}
		fwrite(out.data, 1, out.len, stdout);
	}
	buf_free(&out);
	survey_free(&sv);
	return bad ? EX_NOINPUT : EX_OK;
}

/* ---- personal data ------------------------------------------------------- */

static int
cmd_contacts_forget(struct ctx *c, int argc, char **argv)
{
	struct store_forget f;
	struct err e = { "" };
	int rc;

	if (argc != 2)
		return usage_error("contacts forget", "%s",
				   "expected one ADDRESS");
	if ((rc = need_store(c)) != EX_OK)
		return rc;
	rc = store_contact_forget(c->store, argv[1], &f, &e);
	if (rc < 0) {
		fprintf(stderr, "anketa contacts forget: %s\n", e.msg);
		return f.in_flight ? EX_TEMPFAIL : EX_DATAERR;
	}
	if (rc == 0) {
		fprintf(stderr, "anketa contacts forget: %s: no contact, "
			"message or mail in the store has this address\n",
			argv[1]);
		return EX_DATAERR;
	}
	if (f.contact_id)
		printf("contact %lld: forgotten (now forgotten-%lld)\n",
		       (long long)f.contact_id, (long long)f.contact_id);
	else
		printf("no contact had this address: its mail forgotten\n");
	printf("%ld responses deleted, %ld messages emptied, %ld queued "
	       "mail cancelled, %ld outbox rows emptied, %ld mentions "
	       "elsewhere removed\n", f.responses, f.messages, f.cancelled,
	       f.deliveries, f.mentions);
	if (f.wal_kept)
		fprintf(stderr, "anketa contacts forget: another process "
			"reads an older snapshot: the write-ahead log keeps "
			"the old pages until its next checkpoint\n");
	return EX_OK;
}

static int
cmd_store_sweep(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	long n = 0;
	int rc;

	if (argc != 1)
		return usage_error("store sweep", "unexpected argument '%s'",
				   argv[1]);
	if ((rc = need_store(c)) != EX_OK)
		return rc;
	if (c->cfg->raw_mail_days == 0) {
		printf("sweep: [retention] raw_mail_days = 0: raw mail is "
		       "kept\n");
		return EX_OK;
	}
	if (store_raw_sweep(c->store, c->cfg->raw_mail_days, &n, &e) < 0) {
		fprintf(stderr, "anketa store sweep: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	printf("sweep: raw mail of %ld message%s older than %d days "
	       "dropped\n", n, n == 1 ? "" : "s", c->cfg->raw_mail_days);
	return EX_OK;
}

static int
cmd_store_backup(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc;

	if (argc != 2)
		return usage_error("store backup", "%s", "expected one FILE");
	if ((rc = need_store(c)) != EX_OK)
		return rc;
	if (store_backup(c->store, argv[1], &e) < 0) {
		fprintf(stderr, "anketa store backup: %s\n", e.msg);
		return EX_CANTCREAT;
	}
	printf("%s: copy of %s written\n", argv[1], c->cfg->store_path);
	return EX_OK;
}

/* ---- status --------------------------------------------------------------- */

static int
cmd_status(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc, json = argc == 2 && strcmp(argv[1], "--json") == 0;

	if (argc != 1 && !json)
		return usage_error("status", "unexpected argument '%s'", argv[1]);
	if ((rc = need_store_to_read(c)) != EX_OK)
		return rc;
	if (status_write(c->store, c->cfg, json, stdout, &e) < 0) {
		fprintf(stderr, "anketa status: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	return EX_OK;
}

/* ---- run ------------------------------------------------------------------ */

static int
cmd_run(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc;

	if (argc != 1)
		return usage_error("run", "unexpected argument '%s'", argv[1]);
	if ((rc = need_config(c)) != EX_OK)
		return rc;
	if (daemon_run(c->config_path, &e) < 0) {
		fprintf(stderr, "anketa run: %s\n", e.msg);
		return EX_CONFIG;
	}
	return EX_OK;
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct command commands[] = {
	{ "config check", cmd_config_check, "",
	  "check the configuration file; prints every FILE:LINE: reason" },
	{ "contacts import", cmd_contacts_import, "[--skip-invalid] FILE.csv",
	  "import or update contacts from an RFC 4180 CSV (all or nothing)" },
	{ "contacts list", cmd_contacts_list,
	  "[--group G] [--country C] [--municipality M] [--language L] "
	  "[--role R] [--format text|csv|json]", "list contacts" },
	{ "contacts forget", cmd_contacts_forget, "ADDRESS",
	  "remove a person's answers, mail and queued mail; keep a "
	  "tombstone" },
	{ "survey check", cmd_survey_check, "[--schema RNG] FILE.xml...",
	  "validate questionnaires; prints every FILE:LINE: reason" },
	{ "survey show", cmd_survey_show, "[--lang L] [--html] FILE.xml",
	  "preview a questionnaire as respondents will see it" },
	{ "campaign check", cmd_campaign_check, "FILE",
	  "validate a campaign file without storing it" },
	{ "campaign list", cmd_campaign_list, "",
	  "the stored campaigns and how far their sending is" },
	{ "campaign add", cmd_campaign_add, "FILE",
	  "validate and store a campaign and its questionnaire version" },
	{ "send", cmd_send,
	  "[--dry-run] [--preview DIR] [--limit N] [--kind invite|reminder] "
	  "CAMPAIGN | --all",
	  "enqueue a campaign's mail and send what is due (--all: the whole "
	  "outbox)" },
	{ "queue", cmd_queue, "[list|retry|cancel] [ID | --campaign NAME | "
	  "--all]", "what waits in the outbox and why; retry now or cancel" },
	{ "fetch", cmd_fetch, "[--source URL] [--idle] [--limit N] "
	  "[--no-feedback]", "ingest replies from IMAP or a Maildir" },
	{ "report", cmd_report, "[--format text|csv|json|html] CAMPAIGN",
	  "answers and response rate of a campaign" },
	{ "status", cmd_status, "[--json]",
	  "what each campaign, the queue, the daemon and the mailbox do" },
	{ "run", cmd_run, "",
	  "the daemon: sends due deliveries, ingests replies (IMAP IDLE)" },
	{ "inspect", cmd_inspect, "[--json] [--survey FILE.xml] FILE.eml...",
	  "show how anketa understands messages (touches no store)" },
	{ "store sweep", cmd_store_sweep, "",
	  "drop raw mail older than [retention] raw_mail_days now" },
	{ "store backup", cmd_store_backup, "FILE",
	  "copy the live store into the new FILE, safely while it is used" },
};

static const struct command *
commands_table(size_t *n)
{
	*n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

static void
usage(FILE *fp)
{
	size_t n;
	const struct command *t = commands_table(&n);

	fprintf(fp, "usage: anketa [-c FILE] [-v] COMMAND [ARGS]\n"
		"       anketa --version | --help | COMMAND --help\n\n"
		"Invitations and questionnaires by e-mail; replies read "
		"back and reported.\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "  %-16s %s\n", t[i].name, t[i].help);
	fprintf(fp, "\n  -c FILE   configuration (default %s)\n"
		"  -v        verbose: log debug messages\n",
		CONFIG_DEFAULT_PATH);
}

/* Match "contacts import ..." or "send ..." against the table; *used_r
 * gets the number of words the command name took. */
static const struct command *
find_command(int argc, char **argv, int *used_r)
{
	size_t n;
	const struct command *t = commands_table(&n);

	for (size_t i = 0; i < n; i++) {
		const char *sp = strchr(t[i].name, ' ');
		size_t l1 = sp ? (size_t)(sp - t[i].name) : strlen(t[i].name);

		if (strlen(argv[0]) != l1 || strncmp(argv[0], t[i].name, l1))
			continue;
		if (sp == NULL)
			return *used_r = 1, &t[i];
		if (argc > 1 && strcmp(argv[1], sp + 1) == 0)
			return *used_r = 2, &t[i];
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct ctx c = { 0 };
	const struct command *cmd;
	int ch, used, rc;

	c.config_path = getenv("ANKETA_CONFIG") ? getenv("ANKETA_CONFIG")
						: CONFIG_DEFAULT_PATH;
	c.config_given = getenv("ANKETA_CONFIG") != NULL;
	log_init(LOG_INFO, NULL);
	/* jansson too never returns for want of memory (xmem's rule) */
	json_set_alloc_funcs(xmalloc, free);
	while (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "--version") == 0) {
			printf("anketa %s\n", PACKAGE_VERSION);
			return EX_OK;
		}
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			usage(stdout);
			return EX_OK;
		}
		ch = (unsigned char)argv[1][1];
		if (ch == 'v' && argv[1][2] == '\0') {
			c.verbose = 1;
			argv++, argc--;
		} else if (ch == 'c' && argv[1][2] == '\0' && argc > 2) {
			c.config_path = argv[2];
			c.config_given = 1;
			argv += 2, argc -= 2;
		} else {
			fprintf(stderr, "anketa: unknown option '%s'\n", argv[1]);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if ((cmd = find_command(argc - 1, argv + 1, &used)) == NULL) {
		fprintf(stderr, "anketa: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return EX_USAGE;
	}
	argc -= used;
	argv += used;
	if (want_help(argc, argv)) {
		printf("usage: anketa [-c FILE] %s %s\n\n%s\n", cmd->name,
		       cmd->usage, cmd->help);
		return EX_OK;
	}
	optind = 1;
	if (c.verbose)
		log_init(LOG_DEBUG, NULL);
	rc = cmd->fn(&c, argc, argv);
	store_free(&c.store);
	config_free(&c.cfg);
	log_close();
	return rc;
}
