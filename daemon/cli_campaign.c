/*
 * cli_campaign.c -- `anketa campaign check|list|add|update|pause|resume|
 * stop`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/kind.h"
#include "model/campaign.h"
#include "daemon.h"
#include "cli.h"

/* ---- campaigns ----------------------------------------------------------- */

/* add and update: the same file, the same checks; update only for a
 * stored campaign, and once mail went out only its deadline. */
static int
campaign_put(struct ctx *c, int argc, char **argv, int update)
{
	const char *what = update ? "campaign update" : "campaign add";
	struct errlist errs = { 0 };
	struct err e = { "" };
	char *name = NULL;
	const char *file;
	long told = 0;
	int rc, notify = update && argc == 3 &&
			 (strcmp(argv[1], "--notify") == 0 ||
			  strcmp(argv[2], "--notify") == 0);

	if (argc != 2 && !notify)
		return cli_usage_error(what, "%s", update ?
				       "expected [--notify] FILE" :
				       "expected FILE");
	file = notify && strcmp(argv[1], "--notify") == 0 ? argv[2] :
	       argv[1];
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	rc = (update ? campaign_update : campaign_add)(c->store, c->cfg,
						      file, &name, &errs);
	cli_print_errs(&errs);
	errlist_free(&errs);
	if (rc < 0)
		return EX_DATAERR;
	printf("campaign %s: %s\n", name, update ? "updated" : "stored");
	if (notify && campaign_notify_deadline(c->store, name, &told, &e) < 0) {
		fprintf(stderr, "anketa %s: %s\n", what, e.msg);
		free(name);
		return EX_DATAERR;
	}
	if (notify)
		printf("campaign %s: %ld who have not answered are told the "
		       "new deadline\n", name, told);
	free(name);
	daemon_wake(c->cfg);	/* a running daemon invites at once */
	return EX_OK;
}

static int
cmd_campaign_add(struct ctx *c, int argc, char **argv)
{
	return campaign_put(c, argc, argv, 0);
}

static int
cmd_campaign_update(struct ctx *c, int argc, char **argv)
{
	return campaign_put(c, argc, argv, 1);
}

/* pause, resume, stop NAME: the claim of every sender sees it at once. */
static int
campaign_act(struct ctx *c, int argc, char **argv, enum campaign_act act)
{
	static const char *const cmd[] = { "campaign pause",
		"campaign resume", "campaign stop" };
	static const char *const done[] = { "paused", "resumed", "stopped" };
	struct err e = { "" };
	long cancelled = 0;
	int rc;

	if (argc != 2)
		return cli_usage_error(cmd[act], "%s", "expected NAME");
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	if (campaign_hold(c->store, argv[1], act, store_now(c->store),
			  &cancelled, &e) < 0) {
		fprintf(stderr, "anketa: %s\n", e.msg);
		return EX_DATAERR;
	}
	if (act == CAMPAIGN_STOP)
		printf("campaign %s: stopped, %ld waiting mails cancelled\n",
		       argv[1], cancelled);
	else
		printf("campaign %s: %s\n", argv[1], done[act]);
	if (act == CAMPAIGN_RESUME)
		daemon_wake(c->cfg);
	return EX_OK;
}

static int
cmd_campaign_pause(struct ctx *c, int argc, char **argv)
{
	return campaign_act(c, argc, argv, CAMPAIGN_PAUSE);
}

static int
cmd_campaign_resume(struct ctx *c, int argc, char **argv)
{
	return campaign_act(c, argc, argv, CAMPAIGN_RESUME);
}

static int
cmd_campaign_stop(struct ctx *c, int argc, char **argv)
{
	return campaign_act(c, argc, argv, CAMPAIGN_STOP);
}

static int
cmd_campaign_check(struct ctx *c, int argc, char **argv)
{
	return cli_check_file(c, argc, argv, "campaign check",
			      campaign_check);
}

static int
campaign_row(void *arg, const struct store_campaign *cp)
{
	struct ctx *c = arg;
	struct err e = { "" };
	long n[STORE_D_N] = { 0 }, all = 0;
	struct buf b;

	if (store_delivery_counts(c->store, cp->id, kind_name(KIND_INVITE),
				  n, &e) < 0)
		return -1;
	for (int i = 0; i < STORE_D_N; i++)
		all += n[i];
	buf_init(&b, 0);
	buf_printf(&b, "%-24s %-10s %-9s %-8s %-16s %6ld sent %5ld failed "
		   "%5ld to go", cli_or_dash(cp->name), cli_or_dash(cp->kind),
		   campaign_state_name(campaign_state(cp, store_now(c->store),
						      all > 0)),
		   cli_or_dash(cp->reference), cli_or_dash(cp->deadline),
		   n[STORE_D_SENT], n[STORE_D_FAILED], n[STORE_D_PENDING] +
		   n[STORE_D_DEFERRED] + n[STORE_D_SENDING] +
		   n[STORE_D_UNKNOWN]);
	cli_put_line(&b);
	buf_free(&b);
	return 0;
}

static int
cmd_campaign_list(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc;

	if (argc != 1)
		return cli_usage_error("campaign list", "unexpected argument '%s'",
				       argv[1]);
	if ((rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	if (store_campaigns_each(c->store, campaign_row, c, &e) < 0) {
		fprintf(stderr, "anketa: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	return EX_OK;
}

const struct command cli_campaign_commands[] = {
	{ "campaign check", cmd_campaign_check, "FILE",
	  "validate a campaign file without storing it" },
	{ "campaign list", cmd_campaign_list, "",
	  "the stored campaigns and how far their sending is" },
	{ "campaign add", cmd_campaign_add, "FILE",
	  "validate and store a campaign and its questionnaire version" },
	{ "campaign update", cmd_campaign_update, "[--notify] FILE",
	  "change a stored campaign (once sent: only its deadline)" },
	{ "campaign pause", cmd_campaign_pause, "NAME",
	  "hold every mail of a campaign until resume" },
	{ "campaign resume", cmd_campaign_resume, "NAME",
	  "let a paused campaign's mail go again" },
	{ "campaign stop", cmd_campaign_stop, "NAME",
	  "end a campaign for good and cancel its waiting mail" },
};
const size_t cli_campaign_ncommands =
	sizeof(cli_campaign_commands) / sizeof(cli_campaign_commands[0]);
