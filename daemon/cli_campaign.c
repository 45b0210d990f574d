/*
 * cli_campaign.c -- `anketa campaign check|list|add`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "base/kind.h"
#include "model/campaign.h"
#include "daemon.h"
#include "cli.h"

/* ---- campaigns ----------------------------------------------------------- */

static int
cmd_campaign_add(struct ctx *c, int argc, char **argv)
{
	struct errlist errs = { 0 };
	char *name = NULL;
	int rc;

	if (argc != 2)
		return cli_usage_error("campaign add", "%s", "expected FILE");
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	rc = campaign_add(c->store, c->cfg, argv[1], &name, &errs);
	cli_print_errs(&errs);
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
	return cli_check_file(c, argc, argv, "campaign check",
			      campaign_check);
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
		   "go", cli_or_dash(cp->name), cli_or_dash(cp->kind),
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
};
const size_t cli_campaign_ncommands =
	sizeof(cli_campaign_commands) / sizeof(cli_campaign_commands[0]);
