/*
 * cli_survey.c -- `anketa survey check|show` and `anketa inspect`:
 * questionnaires and messages looked at without the store.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "inspect.h"
#include "model/form.h"
#include "cli.h"

/* ---- questionnaires ---------------------------------------------------- */

static int
cmd_survey_check(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "schema", required_argument, NULL, 's' }, { 0 } };
	const char *schema = NULL;
	int ch, bad = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 's')
			return EX_USAGE;
		schema = optarg;
	}
	if (optind >= argc)
		return cli_usage_error("survey check", "%s", "expected FILE.xml");
	for (int i = optind; i < argc; i++) {
		struct errlist errs = { 0 };
		struct survey *sv = NULL;

		if (survey_load_file(argv[i], cli_schema_path(c, schema, argv[i]),
				         &sv, &errs) < 0) {
			cli_print_errs(&errs);
			bad = 1;
		} else {
			printf("%s: OK (%s, %zu questions)\n", argv[i],
			       survey_id(sv), survey_nquestions(sv));
		}
		errlist_free(&errs);
		survey_free(&sv);
	}
	return bad ? EX_DATAERR : EX_OK;
}

static int
cmd_survey_show(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "schema", required_argument, NULL, 's' },
		{ "lang", required_argument, NULL, 'l' },
		{ "html", no_argument, NULL, 'H' }, { 0 } };
	const char *schema = NULL, *lang = "en";
	struct errlist errs = { 0 };
	struct survey *sv = NULL;
	struct buf out;
	int ch, html = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's': schema = optarg; break;
		case 'l': lang = optarg; break;
		case 'H': html = 1; break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("survey show", "%s", "expected FILE.xml");
	if (survey_load_file(argv[optind],
			     cli_schema_path(c, schema, argv[optind]), &sv,
			     &errs) < 0) {
		cli_print_errs(&errs);
		errlist_free(&errs);
		return EX_DATAERR;
	}
	buf_init(&out, 0);
	if (html)
		form_render_html(sv, lang, &out);
	else
		form_render_text(sv, lang, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	survey_free(&sv);
	return EX_OK;
}

/* ---- inspect ------------------------------------------------------------- */

static int
cmd_inspect(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "survey", required_argument, NULL, 's' },
		{ "schema", required_argument, NULL, 'S' }, { 0 } };
	struct inspect_opts o = { 0 };
	const char *survey_file = NULL, *schema = NULL;
	struct survey *sv = NULL;
	struct buf out;
	int ch, bad = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'j': o.json = 1; break;
		case 's': survey_file = optarg; break;
		case 'S': schema = optarg; break;
		default: return EX_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error("inspect", "%s", "expected FILE.eml");
	if (survey_file != NULL) {
		struct errlist errs = { 0 };

		if (survey_load_file(survey_file,
				     cli_schema_path(c, schema, survey_file), &sv,
				     &errs) < 0) {
			cli_print_errs(&errs);
			errlist_free(&errs);
			return EX_DATAERR;
		}
	}
	o.survey = sv;
	if (c->config_given && cli_need_config(c) == EX_OK) {
		o.copts.reply_to = c->cfg->reply_to;
		o.copts.return_path = c->cfg->return_path;
		o.copts.from_address = c->cfg->from_address;
		o.copts.message_id_domain = c->cfg->message_id_domain;
	}
	o.limits.max_bytes = 64u << 20;
	o.limits.max_parts = 256;
	o.limits.max_depth = 16;
	buf_init(&out, 0);
	for (int i = optind; i < argc; i++) {
		struct err e = { "" };

		buf_reset(&out);
		if (inspect_file(argv[i], &o, &out, &e) < 0) {
			fprintf(stderr, "%s\n", e.msg);	/* names the file */
			bad = 1;
			continue;
		}
		fwrite(out.data, 1, out.len, stdout);
	}
	buf_free(&out);
	survey_free(&sv);
	return bad ? EX_NOINPUT : EX_OK;
}

const struct command cli_survey_commands[] = {
	{ "survey check", cmd_survey_check, "[--schema RNG] FILE.xml...",
	  "validate questionnaires; prints every FILE:LINE: reason" },
	{ "survey show", cmd_survey_show, "[--lang L] [--html] FILE.xml",
	  "preview a questionnaire as respondents will see it" },
	{ "inspect", cmd_inspect, "[--json] [--survey FILE.xml] FILE.eml...",
	  "show how anketa understands messages (touches no store)" },
};
const size_t cli_survey_ncommands =
	sizeof(cli_survey_commands) / sizeof(cli_survey_commands[0]);
