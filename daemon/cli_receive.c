/*
 * cli_receive.c -- `anketa fetch`: one ingest pass (or IDLE) in the
 * foreground.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "base/progress.h"
#include "receive/ingest.h"
#include "cli.h"

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
	struct progress *pg = NULL;
	struct err e = { "" };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o.source = optarg; break;
		case 'i': o.idle = 1; break;
		case 'F': o.no_feedback = 1; break;
		case 'l':
			if (cli_opt_limit("fetch", optarg, &o.limit) != EX_OK)
				return EX_USAGE;
			break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error("fetch", "unexpected argument '%s'",
				       argv[optind]);
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	if (!o.idle) {	/* --idle runs for ever: its log says enough */
		pg = progress_new(stdout, PROGRESS_AUTO, "fetching", NULL,
				  NULL);
		o.progress = progress_cb;
		o.progress_arg = pg;
	}
	rc = ingest_run(c->store, c->cfg, &o, &st, &e);
	progress_end(&pg);
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

const struct command cli_receive_commands[] = {
	{ "fetch", cmd_fetch, "[--source URL] [--idle] [--limit N] "
	  "[--no-feedback]", "ingest replies from IMAP or a Maildir" },
};
const size_t cli_receive_ncommands =
	sizeof(cli_receive_commands) / sizeof(cli_receive_commands[0]);
