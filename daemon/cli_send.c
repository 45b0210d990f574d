/*
 * cli_send.c -- `anketa send` and `anketa queue`: the outbox from the
 * command line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <time.h>
#include <string.h>
#include <sysexits.h>

#include "base/progress.h"
#include "daemon.h"
#include "send/send.h"
#include "cli.h"

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
	struct progress *pg = NULL;
	struct err e = { "" };
	int ch, rc, all = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'n': o.dry_run = 1; break;
		case 'p': o.preview_dir = optarg; break;
		case 'k': o.kind = optarg; break;
		case 'a': all = 1; break;
		case 'l':
			if (cli_opt_limit("send", optarg, &o.limit) != EX_OK)
				return EX_USAGE;
			break;
		default: return EX_USAGE;
		}
	}
	if (all ? optind != argc : optind != argc - 1)
		return cli_usage_error("send", "%s", "expected CAMPAIGN or --all");
	if (all && (o.dry_run || o.kind || o.preview_dir || o.limit))
		return cli_usage_error("send", "%s", "--all takes no other option");
	if (o.kind != NULL && !send_kind_ok(o.kind))
		return cli_usage_error("send", "--kind '%s': not a kind of "
				       "campaign mail (invite, reminder)", o.kind);
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	if (!o.dry_run) {
		pg = progress_new(stdout, PROGRESS_AUTO, "sending", NULL, NULL);
		o.progress = progress_cb;
		o.progress_arg = pg;
	}
	rc = all ? send_outbox_opts(c->store, c->cfg, &o, &st, &e) :
	     send_campaign(c->store, c->cfg, argv[optind], &o, &st, &e);
	progress_end(&pg);
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
		   (long long)q->id, cli_or_dash(q->campaign), cli_or_dash(q->kind),
		   store_dstate_name(q->state), q->attempts,
		   q->owner ? q->owner : when, q->rcpt ? q->rcpt : "");
	cli_put_line(&b);
	/* the server's words, or a reason with a contact's data in it */
	if (q->last_reply != NULL && *q->last_reply) {
		buf_printf(&b, "         %s", q->last_reply);
		cli_put_line(&b);
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
	cli_put_line(&b);
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
		return cli_usage_error("queue", "unknown action '%s' (list, retry, "
				       "cancel)", action);
	if (optind < argc) {
		char *end;

		id = strtoll(argv[optind], &end, 10);
		if (*argv[optind] == '\0' || *end != '\0' || id <= 0)
			return cli_usage_error("queue", "'%s' is not a queue id",
					       argv[optind]);
		optind++;
	}
	if (optind != argc)
		return cli_usage_error("queue", "unexpected argument '%s'",
				       argv[optind]);
	if (strcmp(action, "list") != 0 && id == 0 && camp == NULL && !all)
		return cli_usage_error("queue", "%s: name an ID, --campaign NAME "
				       "or --all", action);
	rc = strcmp(action, "list") == 0 ? cli_need_store_to_read(c) :
	     cli_need_store(c);
	if (rc != EX_OK)
		return rc;
	if (camp != NULL) {
		rc = store_campaign_find(c->store, camp, cli_campaign_id_of, &cid,
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

const struct command cli_send_commands[] = {
	{ "send", cmd_send,
	  "[--dry-run] [--preview DIR] [--limit N] [--kind invite|reminder] "
	  "CAMPAIGN | --all",
	  "enqueue a campaign's mail and send what is due (--all: the whole "
	  "outbox)" },
	{ "queue", cmd_queue, "[list|retry|cancel] [ID | --campaign NAME | "
	  "--all]", "what waits in the outbox and why; retry now or cancel" },
};
const size_t cli_send_ncommands =
	sizeof(cli_send_commands) / sizeof(cli_send_commands[0]);
