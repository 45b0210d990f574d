/*
 * cli_report.c -- `anketa report` and `anketa status`.
 */
#include <getopt.h>
#include <string.h>
#include <sysexits.h>

#include "report/report.h"
#include "status.h"
#include "cli.h"

/* ---- report -------------------------------------------------------------- */

static int
cmd_report(struct ctx *c, int argc, char **argv)
{
	enum report_format fmt;
	struct err e = { "" };
	int rc;

	if ((rc = cli_opt_format("report", argc, argv, &fmt)) != EX_OK)
		return rc;
	if (optind != argc - 1)
		return cli_usage_error("report", "%s", "expected CAMPAIGN");
	if ((rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	if (report_write(c->store, c->cfg, argv[optind], fmt, stdout, &e) < 0) {
		fprintf(stderr, "anketa report: %s\n", e.msg);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* ---- status --------------------------------------------------------------- */

static int
cmd_status(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc, json = argc == 2 && strcmp(argv[1], "--json") == 0;

	if (argc != 1 && !json)
		return cli_usage_error("status", "unexpected argument '%s'", argv[1]);
	if ((rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	if (status_write(c->store, c->cfg, json, stdout, &e) < 0) {
		fprintf(stderr, "anketa status: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	return EX_OK;
}

const struct command cli_report_commands[] = {
	{ "report", cmd_report, "[--format text|csv|json|html] CAMPAIGN",
	  "answers and response rate of a campaign" },
	{ "status", cmd_status, "[--json]",
	  "what each campaign, the queue, the daemon and the mailbox do" },
};
const size_t cli_report_ncommands =
	sizeof(cli_report_commands) / sizeof(cli_report_commands[0]);
