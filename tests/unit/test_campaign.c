/* test_campaign.c -- campaign files: a good survey and invitation stored
 * with their questionnaire, and every problem of the bad files reported
 * with its exact FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/campaign.h"
#include "base/config.h"
#include "store/store.h"
#include "tfix.h"
#include "base/xmem.h"

#define DIR "tests/data/campaigns/"

struct fixture {
	char dir[64];
	struct config cfg;
	struct store *s;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	if (tfix_open("test_campaign", f->dir, &f->s) < 0)
		return -1;
	if (tfix_campaign_cfg(&f->cfg, f->dir) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tfix_close(f->dir, &f->s);
	tfix_campaign_cfg_free(&f->cfg);
	free(f);
	return 0;
}

/* A copy of the stored campaign, taken inside the callback. */
struct got {
	int64_t qid;
	char *kind, *template, *deadline, *subject, *reference, *file, *extra;
	char *group, *country, *language, *municipality, *role;
};

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int
got_cb(void *arg, const struct store_campaign *c)
{
	struct got *g = arg;

	g->qid = c->questionnaire_id;
	g->kind = dup_or_null(c->kind);
	g->template = dup_or_null(c->template);
	g->deadline = dup_or_null(c->deadline);
	g->subject = dup_or_null(c->subject);
	g->reference = dup_or_null(c->reference);
	g->file = dup_or_null(c->file);
	g->extra = dup_or_null(c->extra);
	g->group = dup_or_null(c->audience.group);
	g->country = dup_or_null(c->audience.country);
	g->language = dup_or_null(c->audience.language);
	g->municipality = dup_or_null(c->audience.municipality);
	g->role = dup_or_null(c->audience.role);
	return 0;
}

static void
got_free(struct got *g)
{
	char *v[] = { g->kind, g->template, g->deadline, g->subject,
		      g->reference, g->file, g->extra, g->group, g->country,
		      g->language, g->municipality, g->role };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		free(v[i]);
}

static void
assert_null_or_empty(const char *s)
{
	if (s != NULL)
		assert_string_equal(s, "");
}

static void
test_good_survey(void **state)
{
	struct fixture *f = *state;
	struct errlist errs = { 0 };
	struct got g = { 0 };
	struct err e;
	char *name = NULL, *xml = NULL;

	assert_int_equal(campaign_check(&f->cfg, DIR "good.campaign", &errs),
			 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(campaign_add(f->s, &f->cfg, DIR "good.campaign",
				      &name, &errs), 0);
	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.v[i]);
	assert_int_equal(errs.n, 0);
	assert_string_equal(name, "field-study-2026");
	assert_int_equal(store_campaign_find(f->s, name, got_cb, &g, &e), 1);
	assert_true(g.qid > 0);
	assert_string_equal(g.kind, "survey");
	assert_string_equal(g.template, "survey");
	assert_string_equal(g.reference, "FS26");
	assert_string_equal(g.subject, "Field study on local Roma "
			    "integration practice");
	assert_string_equal(g.deadline, "2026-12-15");
	assert_string_equal(g.group, "partners,platform");
	assert_string_equal(g.country, "BG,BE");
	assert_null_or_empty(g.language);
	assert_null_or_empty(g.municipality);
	assert_null_or_empty(g.role);
	assert_string_equal(g.file, DIR "good.campaign");
	assert_string_equal(g.extra, "{\"contact_person\":\"Мария Иванова\","
			    "\"phone\":\"+359 2 000 0000\"}");
	/* the questionnaire is stored byte for byte, for reports later */
	assert_int_equal(store_questionnaire_xml(f->s, g.qid, &xml, &e), 1);
	assert_non_null(strstr(xml, "<survey id=\"field-study-2026\""));
	free(xml);
	/* adding it again (nothing sent yet) updates, not duplicates */
	free(name);
	assert_int_equal(campaign_add(f->s, &f->cfg, DIR "good.campaign",
				      &name, &errs), 0);
	free(name);
	got_free(&g);
	errlist_free(&errs);
}

static void
test_invitation(void **state)
{
	struct fixture *f = *state;
	struct errlist errs = { 0 };
	struct got g = { 0 };
	struct err e;
	char *name = NULL;

	assert_int_equal(campaign_add(f->s, &f->cfg,
				      DIR "invitation.campaign", &name, &errs),
			 0);
	assert_int_equal(store_campaign_find(f->s, name, got_cb, &g, &e), 1);
	assert_int_equal(g.qid, 0);
	assert_string_equal(g.kind, "invitation");
	assert_string_equal(g.deadline, "2026-10-05T14:30");
	assert_string_equal(g.group, "platform");
	assert_null_or_empty(g.country);
	assert_string_equal(g.extra, "{}");
	free(name);
	got_free(&g);
	errlist_free(&errs);
}

static int
count_cb(void *arg, const struct store_campaign *c)
{
	(void)c;
	(*(int *)arg)++;
	return 0;
}

static void
test_bad_every_line(void **state)
{
	struct fixture *f = *state;
	struct errlist errs = { 0 };
	char *tmpl = xasprintf(DIR "bad.campaign: [campaign] template is "
			       "missing (the name of a template set in %s)",
			       f->cfg.templates_dir);
	const char *want[] = {
		DIR "bad.campaign:8: unknown key \"colour\" in [campaign]",
		DIR "bad.campaign:9: [campaign] name set twice (first on "
		"line 3)",
		DIR "bad.campaign:14: indented line: keys start at the "
		"beginning of a line (an indented line would continue the "
		"value of \"language\")",
		DIR "bad.campaign:16: unknown section [extras] (known: "
		"[campaign], [audience], [vars], [schedule])",
		DIR "bad.campaign:20: [vars] \"9lives\": a variable name is "
		"letters, digits and _ (not starting with a digit)",
		DIR "bad.campaign:21: syntax error (expected [section] or "
		"key = value)",
		DIR "bad.campaign:22: syntax error: no ] after the section "
		"name",
		DIR "bad.campaign:3: [campaign] name \"field study 2026\": use "
		"letters, digits, '-', '_' and '.' (at most 64)",
		DIR "bad.campaign:4: [campaign] kind \"poll\": use survey or "
		"invitation",
		DIR "bad.campaign:6: [campaign] reference \"FIELD STUDY "
		"2026\": use at most 16 letters, digits, '-' or '_' (it is "
		"shown in every subject)",
		DIR "bad.campaign:7: [campaign] deadline \"2026-02-30\": no "
		"such day in that month",
		tmpl,
		DIR "bad.campaign:5: [campaign] questionnaire "
		"\"no-such-questionnaire.xml\" not found (looked next to this "
		"file and in surveys)",
		DIR "bad.campaign:12: [audience] country: unknown country (use "
		"an ISO 3166 code such as BG, BE, CZ): \"Narnia\"",
		DIR "bad.campaign:12: [audience] country: unknown country code "
		"(use ISO 3166 codes such as BG, BE, CZ): \"xx\"",
		DIR "bad.campaign:13: [audience] language: unknown language "
		"(use bg, en, nl or cs): \"de\"",
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	int count = 0;
	struct err e;

	assert_int_equal(campaign_add(f->s, &f->cfg, DIR "bad.campaign", NULL,
				      &errs), -1);
	for (size_t i = 0; i < errs.n && i < n; i++)
		assert_string_equal(errs.v[i], want[i]);
	assert_int_equal(errs.n, n);
	/* nothing stored */
	assert_int_equal(store_campaigns_each(f->s, count_cb, &count, &e), 0);
	assert_int_equal(count, 0);
	free(tmpl);
	errlist_free(&errs);
}

/* The survey loader's own FILE:LINE messages reach the organiser, then
 * ours says which campaign line named the file. */
static void
test_broken_questionnaire(void **state)
{
	struct fixture *f = *state;
	struct errlist errs = { 0 };
	char *tmpl = xasprintf(DIR "broken-survey.campaign:4: [campaign] "
			       "template \"no-such-set\": no template set "
			       "directory %s/no-such-set/",
			       f->cfg.templates_dir);

	assert_int_equal(campaign_check(&f->cfg, DIR "broken-survey.campaign",
					&errs), -1);
	assert_true(errs.n >= 4);
	assert_string_equal(errs.v[0], DIR "broken-survey.campaign:5: "
			    "[campaign] deadline \"2026-13-01\": not a date: "
			    "write YYYY-MM-DD, e.g. 2026-12-15, or "
			    "YYYY-MM-DDTHH:MM");
	assert_string_equal(errs.v[1], tmpl);
	for (size_t i = 2; i + 1 < errs.n; i++)
		assert_true(strncmp(errs.v[i], DIR "broken.xml:",
				    strlen(DIR "broken.xml:")) == 0);
	assert_string_equal(errs.v[errs.n - 1], DIR "broken-survey.campaign:3: "
			    "[campaign] questionnaire " DIR "broken.xml is not "
			    "valid (see the problems above)");
	free(tmpl);
	errlist_free(&errs);
}

static void
test_deadline_forms(void **state)
{
	static const struct { const char *in, *out; } t[] = {
		{ "2028-02-29", "2028-02-29" },
		{ "2026-10-05T09:00", "2026-10-05T09:00" },
		{ "2026-10-05 09:00:30", "2026-10-05T09:00:30" },
		{ "2026-10-05T09:00+02:00", "2026-10-05T09:00+02:00" },
		{ "2026-10-05T09:00Z", "2026-10-05T09:00Z" },
		{ "2027-02-29", NULL }, { "15.12.2026", NULL },
		{ "2026-12-15T25:00", NULL }, { "2026-12-15T10", NULL },
		{ "2026-1-5", NULL },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *path = xasprintf("%s/d.campaign", f->dir);
		FILE *fp = fopen(path, "w");
		struct errlist errs = { 0 };
		struct got g = { 0 };
		struct err e;
		char *name = NULL;
		int rc;

		fprintf(fp, "[campaign]\nname = d%zu\nkind = invitation\n"
			"template = survey\ndeadline = %s\n", i, t[i].in);
		fclose(fp);
		rc = campaign_add(f->s, &f->cfg, path, &name, &errs);
		if (t[i].out == NULL) {
			assert_int_equal(rc, -1);
			assert_int_equal(errs.n, 1);
			assert_non_null(strstr(errs.v[0], ":5: [campaign] "
					       "deadline"));
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(store_campaign_find(f->s, name,
							     got_cb, &g, &e),
					 1);
			assert_string_equal(g.deadline, t[i].out);
			got_free(&g);
		}
		free(name);
		free(path);
		errlist_free(&errs);
	}
}

/* Bytes that are not clean text are refused line by line, with FILE:LINE:
 * a NUL (fgets would end the line there), invalid UTF-8, ESC; a tab and
 * CRLF line ends are fine. */
static void
test_hostile_bytes(void **state)
{
	static const char text[] =
		"[campaign]\r\n"
		"name = h1\n"
		"kind = invitation\n"
		"template = survey\n"
		"reference = AB\0CD\n"
		"subject = Caf\xe9\n"
		"[vars]\n"
		"note = \x1b[2Jhi\n"
		"greeting = hello\tthere\n"
		"c1 = \xc2\x9dx\n";
	static const char *const want[] = {
		":5: a NUL byte (the file is not plain text)",
		":6: invalid UTF-8 (save the file as UTF-8)",
		":8: a control character (U+001B)",
		":10: a control character (U+009D)",
	};
	struct fixture *f = *state;
	char *path = xasprintf("%s/h.campaign", f->dir);
	FILE *fp = fopen(path, "wb");
	struct errlist errs = { 0 };

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, fp),
			 sizeof(text) - 1);
	fclose(fp);
	assert_int_equal(campaign_check(&f->cfg, path, &errs), -1);
	assert_int_equal(errs.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < errs.n; i++) {
		char *w = xasprintf("%s%s", path, want[i]);

		assert_string_equal(errs.v[i], w);
		free(w);
	}
	errlist_free(&errs);
	free(path);
}

static void
test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct errlist errs = { 0 };

	assert_int_equal(campaign_check(&f->cfg, DIR "nope.campaign", &errs),
			 -1);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0], DIR "nope.campaign: No such file or "
			    "directory");
	errlist_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_survey, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invitation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_every_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_broken_questionnaire,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_forms, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hostile_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
