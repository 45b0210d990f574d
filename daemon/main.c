/*
 * main.c -- anketa: the command line. Parses arguments, loads the
 * configuration, opens the store, calls one pipeline, maps the outcome to
 * a sysexits(3) exit code. The only file (with daemon.c) that exits.
 *
 *   anketa [-c FILE] [-v] COMMAND [ARGS]     anketa --help, COMMAND --help
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>
#include <sysexits.h>

#include "daemon.h"
#include "base/log.h"
#include "base/xmem.h"
#include "cli.h"

/* ---- config ------------------------------------------------------------ */

static int
cmd_config_check(struct ctx *c, int argc, char **argv)
{
	int rc = cli_need_config(c);

	if (rc == EX_OK)
		printf("%s: configuration OK\n", c->config_path);
	return rc;
}

/* ---- run ------------------------------------------------------------------ */

static int
cmd_run(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc;

	if (argc != 1)
		return cli_usage_error("run", "unexpected argument '%s'", argv[1]);
	if ((rc = cli_need_config(c)) != EX_OK)
		return rc;
	if (daemon_run(c->config_path, &e) < 0) {
		fprintf(stderr, "anketa run: %s\n", e.msg);
		return EX_CONFIG;
	}
	return EX_OK;
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct command main_commands[] = {
	{ "config check", cmd_config_check, "",
	  "check the configuration file; prints every FILE:LINE: reason" },
	{ "run", cmd_run, "",
	  "the daemon: sends due deliveries, ingests replies (IMAP IDLE)" },
};
static const size_t main_ncommands =
	sizeof(main_commands) / sizeof(main_commands[0]);

/* Every command group in the order `anketa --help` lists them; a new
 * group (cli_NAME.c) adds one line here. */
struct group {
	const struct command *v;
	const size_t *n;
};

static const struct group groups[] = {
	{ main_commands, &main_ncommands },
	{ cli_contacts_commands, &cli_contacts_ncommands },
	{ cli_survey_commands, &cli_survey_ncommands },
	{ cli_campaign_commands, &cli_campaign_ncommands },
	{ cli_send_commands, &cli_send_ncommands },
	{ cli_receive_commands, &cli_receive_ncommands },
	{ cli_report_commands, &cli_report_ncommands },
	{ cli_event_commands, &cli_event_ncommands },
	{ cli_store_commands, &cli_store_ncommands },
	{ cli_review_commands, &cli_review_ncommands },
	{ cli_digest_commands, &cli_digest_ncommands },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: anketa [-c FILE] [-v] COMMAND [ARGS]\n"
		"       anketa --version | --help | COMMAND --help\n\n"
		"Invitations and questionnaires by e-mail; replies read "
		"back and reported.\n\ncommands:\n");
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (size_t i = 0; i < *groups[g].n; i++)
			fprintf(fp, "  %-16s %s\n", groups[g].v[i].name,
				groups[g].v[i].help);
	fprintf(fp, "\n  -c FILE   configuration (default %s)\n"
		"  -v        verbose: log debug messages\n",
		CONFIG_DEFAULT_PATH);
}

/* Does argv name the command t? *used_r gets the words its name took. */
static int
command_is(const struct command *t, int argc, char **argv, int *used_r)
{
	const char *sp = strchr(t->name, ' ');
	size_t l1 = sp ? (size_t)(sp - t->name) : strlen(t->name);

	if (strlen(argv[0]) != l1 || strncmp(argv[0], t->name, l1))
		return 0;
	if (sp == NULL)
		return *used_r = 1;
	if (argc > 1 && strcmp(argv[1], sp + 1) == 0)
		return *used_r = 2;
	return 0;
}

/* Match "contacts import ..." or "send ..." against the groups. */
static const struct command *
find_command(int argc, char **argv, int *used_r)
{
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (size_t i = 0; i < *groups[g].n; i++)
			if (command_is(&groups[g].v[i], argc, argv, used_r))
				return &groups[g].v[i];
	return NULL;
}

/* "help" is always an option of a command, whatever its own are. */
static int
want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
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