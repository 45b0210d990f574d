/*
 * cli_digest.c -- `anketa digest`: the staff digest on demand. --now puts
 * one into the outbox for every [staff] address (or --to ADDR) and wakes
 * the daemon; --stdout prints what that address would receive instead
 * (the text part, or with --html the HTML part), writing nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "base/lang.h"
#include "daemon.h"
#include "report/digest.h"
#include "cli.h"

struct digest_opts {
	int now, to_stdout, html;
	const char *to, *lang;
};

/* The reader's language: --language, else the [staff] line, else en. */
static const char *
staff_lang(const struct config *cfg, const struct digest_opts *o)
{
	if (o->lang != NULL)
		return o->lang;
	for (size_t i = 0; o->to && i < cfg->digest.nstaff; i++)
		if (strcasecmp(cfg->digest.staff[i].address, o->to) == 0)
			return cfg->digest.staff[i].language;
	if (o->to == NULL && cfg->digest.nstaff > 0)
		return cfg->digest.staff[0].language;
	return LANG_DEFAULT;
}

static int
digest_print(struct ctx *c, const struct digest_opts *o)
{
	const char *rcpt = o->to;
	struct digest_out d;
	struct err e = { "" };
	int64_t since = 0;

	if (rcpt == NULL && c->cfg->digest.nstaff > 0)
		rcpt = c->cfg->digest.staff[0].address;
	if ((rcpt != NULL && store_digest_last(c->store, rcpt, &since,
					       &e) < 0) ||
	    digest_build(c->store, c->cfg, staff_lang(c->cfg, o), since,
			 store_now(c->store), &d, &e) < 0) {
		fprintf(stderr, "anketa digest: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	printf("Subject: %s\n\n%s", d.subject, o->html ? d.html : d.text);
	digest_out_free(&d);
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}

static int
digest_now(struct ctx *c, const struct digest_opts *o)
{
	struct err e = { "" };
	int64_t slot = store_now(c->store), id;
	long n = 0;
	int rc;

	if (o->to == NULL && c->cfg->digest.nstaff == 0)
		return cli_usage_error("digest", "%s", "no [staff] address in "
				       "the configuration: give --to ADDR");
	if (store_begin(c->store, &e) < 0)
		goto fail;
	for (size_t i = 0; i < (o->to ? 1 : c->cfg->digest.nstaff); i++) {
		const struct config_staff *st = &c->cfg->digest.staff[i];

		rc = o->to ? digest_enqueue(c->store, c->cfg, o->to,
					    staff_lang(c->cfg, o), slot, &id,
					    &e) :
		     digest_enqueue(c->store, c->cfg, st->address,
				    st->language, slot, &id, &e);
		if (rc < 0) {
			store_rollback(c->store);
			goto fail;
		}
		n += rc;
	}
	if (store_commit(c->store, &e) < 0)
		goto fail;
	if (n > 0)
		daemon_wake(c->cfg);	/* a running daemon sends at once */
	printf("digest: %ld queued\n", n);
	return EX_OK;
fail:
	fprintf(stderr, "anketa digest: %s\n", e.msg);
	return EX_SOFTWARE;
}

static int
cmd_digest(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "now", no_argument, NULL, 'n' },
		{ "stdout", no_argument, NULL, 's' },
		{ "html", no_argument, NULL, 'h' },
		{ "to", required_argument, NULL, 't' },
		{ "language", required_argument, NULL, 'l' }, { 0 } };
	struct digest_opts o = { 0 };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'n': o.now = 1; break;
		case 's': o.to_stdout = 1; break;
		case 'h': o.html = 1; break;
		case 't': o.to = optarg; break;
		case 'l':
			if ((o.lang = lang_find(optarg)) == NULL)
				return cli_usage_error("digest", "unknown "
					"language '%s' (bg, en, nl or cs)",
					optarg);
			break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc || o.now == o.to_stdout)
		return cli_usage_error("digest", "%s", "expected --now or "
				       "--stdout");
	if (o.to_stdout) {
		if ((rc = cli_need_store_to_read(c)) != EX_OK)
			return rc;
		return digest_print(c, &o);
	}
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	return digest_now(c, &o);
}

const struct command cli_digest_commands[] = {
	{ "digest", cmd_digest, "--now | --stdout [--html] [--to ADDR] "
	  "[--language LANG]", "the staff digest: send one now, or print it" },
};
const size_t cli_digest_ncommands =
	sizeof(cli_digest_commands) / sizeof(cli_digest_commands[0]);
