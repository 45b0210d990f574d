/*
 * cli.h -- what the commands of `anketa` share: the context a command
 * runs in, the table row that names it, and the helpers every group of
 * commands (cli_GROUP.c) uses to load the configuration, open the store
 * and report a usage error. main.c parses the global options, finds the
 * command in the groups' tables and runs it.
 *
 * Use:     a group defines `const struct command cli_GROUP_commands[]`
 *          and `cli_GROUP_ncommands`; main.c lists the group once.
 *          A command returns a sysexits(3) code; only main() exits.
 * Owns:    struct ctx owns cfg and store: main() frees both after the
 *          command; a command never frees them.
 * Errors:  the helpers print their reason to stderr and return the exit
 *          code the command should return (EX_OK when all is well).
 * Tests:   tests/integration/cli.sh and every test that runs anketa.
 */
#ifndef ANKETA_CLI_H
#define ANKETA_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "report/report.h"
#include "store/store.h"

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

/* Each "FILE:LINE: reason" on its own line to stderr, made safe for the
 * terminal (a reason may quote the bad value itself). */
void cli_print_errs(const struct errlist *errs);
/* Load the configuration once (and start logging as it says). */
int cli_need_config(struct ctx *c);
/* The store for a writing command, or one that only reads: a store this
 * user cannot write is then opened read-only rather than refused. */
int cli_need_store(struct ctx *c);
int cli_need_store_to_read(struct ctx *c);
/* "anketa NAME: <fmt with arg>" and a pointer to --help: EX_USAGE. */
int cli_usage_error(const char *name, const char *fmt, const char *arg);
/* --limit N: a count, 0 or more. */
int cli_opt_limit(const char *name, const char *arg, long *limit_r);
/* The RELAX NG schema for a questionnaire (see cli.c for the order). */
const char *cli_schema_path(struct ctx *c, const char *given,
			    const char *survey_file);
/* One line of a listing to stdout, made safe for the terminal; b is
 * emptied. */
void cli_put_line(struct buf *b);
/* An optional field as a listing shows it: "-" for NULL or "". */
const char *cli_or_dash(const char *s);
/* `NAME FILE`: check (campaign_check, event_check ...) the file, print
 * its problems or "FILE: OK". */
int cli_check_file(struct ctx *c, int argc, char **argv, const char *name,
		   int (*check)(const struct config *, const char *,
				struct errlist *));
/* --format text|csv|json|html (getopt_long: optind is left after the
 * options); EX_OK, or the usage error's code. */
int cli_opt_format(const char *name, int argc, char **argv,
		   enum report_format *fmt_r);
/* store_campaign_find callback: the campaign's id into *(int64_t *)arg. */
int cli_campaign_id_of(void *arg, const struct store_campaign *cp);

#define CLI_GROUP(g) \
	extern const struct command cli_##g##_commands[]; \
	extern const size_t cli_##g##_ncommands
CLI_GROUP(contacts);
CLI_GROUP(survey);
CLI_GROUP(campaign);
CLI_GROUP(send);
CLI_GROUP(receive);
CLI_GROUP(report);
CLI_GROUP(store);
CLI_GROUP(event);
CLI_GROUP(review);
CLI_GROUP(digest);

#endif
