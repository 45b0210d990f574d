/*
 * cli_store.c -- `anketa store sweep|backup`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "cli.h"

static int
cmd_store_sweep(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	long n = 0;
	int rc;

	if (argc != 1)
		return cli_usage_error("store sweep", "unexpected argument '%s'",
				       argv[1]);
	if ((rc = cli_need_store(c)) != EX_OK)
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
		return cli_usage_error("store backup", "%s", "expected one FILE");
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	if (store_backup(c->store, argv[1], &e) < 0) {
		fprintf(stderr, "anketa store backup: %s\n", e.msg);
		return EX_CANTCREAT;
	}
	printf("%s: copy of %s written\n", argv[1], c->cfg->store_path);
	return EX_OK;
}

const struct command cli_store_commands[] = {
	{ "store sweep", cmd_store_sweep, "",
	  "drop raw mail older than [retention] raw_mail_days now" },
	{ "store backup", cmd_store_backup, "FILE",
	  "copy the live store into the new FILE, safely while it is used" },
};
const size_t cli_store_ncommands =
	sizeof(cli_store_commands) / sizeof(cli_store_commands[0]);
