/*
 * cli_report.c -- `anketa report` and `anketa status`.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "report/report.h"
#include "status.h"
#include "cli.h"

/* ---- report -------------------------------------------------------------- */

static int
report_opt(int ch, const char *arg, enum report_format *fmt,
	   struct report_opts *o)
{
	char *end;

	switch (ch) {
	case 'f':
		if (report_format_parse(arg, fmt) < 0)
			return cli_usage_error("report", "unknown format '%s' "
					       "(text, csv, json or html)",
					       arg);
		return EX_OK;
	case 'a': o->anonymise = 1; return EX_OK;
	case 'b': o->bom = 1; return EX_OK;
	case 'k':
		o->k = strtol(arg, &end, 10);
		if (*arg == '\0' || *end || o->k < 1 || o->k > 1000000)
			return cli_usage_error("report", "--k '%s': a number "
					       "of respondents, 1 or more",
					       arg);
		return EX_OK;
	}
	return EX_USAGE;
}

static int
cmd_report(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "anonymise", no_argument, NULL, 'a' },
		{ "k", required_argument, NULL, 'k' },
		{ "bom", no_argument, NULL, 'b' }, { 0 } };
	struct report_opts o = { .k = REPORT_K_DEFAULT };
	enum report_format fmt = REPORT_TEXT;
	struct err e = { "" };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1)
		if ((rc = report_opt(ch, optarg, &fmt, &o)) != EX_OK)
			return rc;
	if (optind != argc - 1)
		return cli_usage_error("report", "%s", "expected CAMPAIGN");
	if ((rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	if (report_write_opts(c->store, c->cfg, argv[optind], fmt, &o, stdout,
			      &e) < 0) {
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
	{ "report", cmd_report, "[--format text|csv|json|html] [--anonymise "
	  "[--k N]] [--bom] CAMPAIGN",
	  "answers and response rate of a campaign" },
	{ "status", cmd_status, "[--json]",
	  "what each campaign, the queue, the daemon and the mailbox do" },
};
const size_t cli_report_ncommands =
	sizeof(cli_report_commands) / sizeof(cli_report_commands[0]);
