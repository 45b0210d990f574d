/* test_survey.c -- survey loading and validation (the shipped
 * questionnaires, every case under tests/data/survey/invalid/) and the
 * form rendering (text and HTML). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "model/form.h"
#include "model/survey.h"
#include "base/xmem.h"

static const char *
srcdir(void)
{
	const char *s = getenv("ANKETA_SRCDIR");

	return s && *s ? s : ".";
}

static char *
schema(void)
{
	return xasprintf("%s/surveys/survey.rng", srcdir());
}

/* Load a file under the source dir; fails the test on any problem. */
static struct survey *
load_ok(const char *rel)
{
	char *path = xasprintf("%s/%s", srcdir(), rel), *rng = schema();
	struct errlist e = { 0 };
	struct survey *sv = NULL;
	int rc = survey_load_file(path, rng, &sv, &e);

	for (size_t i = 0; i < e.n; i++)
		print_error("%s\n", e.v[i]);
	assert_int_equal(rc, 0);
	assert_int_equal(e.n, 0);
	assert_non_null(sv);
	errlist_free(&e);
	free(path);
	free(rng);
	return sv;
}

static const char *const langs[] = { "bg", "en", "nl", "cs" };

/* Every text exists in all four languages: no language falls back. */
static void
check_translated(const struct survey *sv)
{
	for (size_t l = 1; l < 4; l++) {
		assert_string_not_equal(survey_title(sv, langs[0]),
					survey_title(sv, langs[l]));
		assert_string_not_equal(survey_intro(sv, langs[0]),
					survey_intro(sv, langs[l]));
	}
	for (size_t i = 0; i < survey_nquestions(sv); i++) {
		const struct survey_question *q = survey_question(sv, i);

		assert_int_equal(q->number, (int)i + 1);
		assert_ptr_equal(survey_find(sv, q->id), q);
		for (size_t l = 1; l < 4; l++) {
			assert_string_not_equal(survey_qtext(sv, q, "bg"),
						survey_qtext(sv, q, langs[l]));
			for (size_t j = 0; j < q->noptions; j++)
				assert_non_null(survey_otext(sv, q,
					q->options[j].id, langs[l]));
		}
		for (size_t j = 0; j < q->noptions; j++)
			assert_int_equal(q->options[j].key[0], 'a' + (int)j);
		if (q->type == SURVEY_SCALE) {
			assert_non_null(survey_otext(sv, q, "min", "bg"));
			assert_non_null(survey_otext(sv, q, "max", "cs"));
		}
	}
}

static void
test_field_study_loads(void **state)
{
	struct survey *sv = load_ok("surveys/field-study.xml");
	const struct survey_question *q;
	int types = 0;

	assert_string_equal(survey_id(sv), "field-study-2026");
	assert_string_equal(survey_fallback_lang(sv), "en");
	assert_int_equal(strlen(survey_hash(sv)), 64);
	check_translated(sv);
	/* the six policy areas, in order */
	q = survey_find(sv, "areas");
	assert_non_null(q);
	assert_int_equal(q->type, SURVEY_MULTI);
	assert_int_equal(q->noptions, 6);
	assert_string_equal(q->options[0].id, "education");
	assert_string_equal(q->options[5].id, "participation");
	assert_string_equal(survey_otext(sv, q, "housing", "bg"),
			    "Жилищни условия");
	/* every question type is used */
	for (size_t i = 0; i < survey_nquestions(sv); i++)
		types |= 1 << survey_question(sv, i)->type;
	assert_int_equal(types, (1 << (SURVEY_DATE + 1)) - 1);
	/* unknown language: the fallback */
	assert_string_equal(survey_title(sv, "de"), survey_title(sv, "en"));
	assert_null(survey_find(sv, "nope"));
	survey_free(&sv);
	assert_null(sv);
	survey_free(&sv);
}

static void
test_feedback_loads(void **state)
{
	struct survey *sv = load_ok("surveys/exchange-visit-feedback.xml");
	const struct survey_question *q;

	assert_string_equal(survey_id(sv), "exchange-visit-feedback-2026");
	check_translated(sv);
	q = survey_find(sv, "overall");
	assert_int_equal(q->type, SURVEY_SCALE);
	assert_true(q->required);
	assert_int_equal(q->min, 1);
	assert_int_equal(q->max, 5);
	assert_string_equal(survey_otext(sv, q, "max", "nl"), "Uitstekend");
	survey_free(&sv);
}

/* Fallback to bg, escaped text collapsed, hash of the bytes. */
static void
test_minimal_and_hash(void **state)
{
	struct survey *sv = load_ok("tests/data/survey/valid/minimal.xml");
	const struct survey_question *q = survey_question(sv, 0);

	assert_string_equal(survey_hash(sv), "4deff335926eb7c18a4dcf65b2a002"
			    "22383f4d2263b9b4975092eba0a8be747e");
	assert_string_equal(survey_qtext(sv, q, "en"),
			    "Is everything \"fine\" & OK?");
	assert_string_equal(survey_qtext(sv, q, "cs"),
			    "Всичко наред ли е? <да>");
	assert_null(survey_intro(sv, "en"));
	assert_false(survey_question(sv, 1)->has_min);
	assert_null(survey_question(sv, 2));
	assert_string_equal(survey_qtype_name(SURVEY_YESNO), "yesno");
	survey_free(&sv);
}

static const struct bad {
	const char *file;
	const char *expect;	/* one of the reported "FILE:LINE: reason" */
	size_t nerr;		/* how many problems, 0: don't check */
} bad[] = {
	{ "0001-not-well-formed.xml", "0001-not-well-formed.xml:5: Opening "
	  "and ending tag mismatch", 0 },
	{ "0002-unknown-type.xml", "0002-unknown-type.xml:4: question 'q': "
	  "unknown type 'rating'", 0 },
	{ "0003-duplicate-question.xml", "0003-duplicate-question.xml:7: "
	  "question id 'strategy' used twice (first on line 4)", 1 },
	{ "0004-duplicate-option.xml", "0004-duplicate-option.xml:7: question "
	  "'areas': option id 'education' used twice", 1 },
	{ "0005-fallback-missing.xml", "0005-fallback-missing.xml:6: question "
	  "'q' option 'x' label: no text in the fallback language 'en'", 1 },
	{ "0006-min-greater-than-max.xml", "0006-min-greater-than-max.xml:4: "
	  "question 'staff': min 10 is greater than max 2", 1 },
	{ "0007-unsupported-language.xml", "0007-unsupported-language.xml:3: "
	  "title: language 'de' is not supported", 1 },
	{ "0008-scale-without-label.xml", "0008-scale-without-label.xml:4: "
	  "question 'rate': a scale needs both <min-label> and <max-label>",
	  0 },
	{ "0009-bad-fallback.xml", "0009-bad-fallback.xml:2: fallback "
	  "language 'fr' is not supported", 3 },
	{ "0010-external-entity.xml", "0010-external-entity.xml:2: a DOCTYPE "
	  "is not allowed", 0 },
	{ "0010-external-entity.xml", "0010-external-entity.xml:6: entity "
	  "'&secret;' is not allowed", 0 },
	{ "0011-too-many-options.xml", "0011-too-many-options.xml:4: question "
	  "'many': 27 options, at most 26", 1 },
	{ "0012-bad-id.xml", "0012-bad-id.xml:4: id 'My Question': use "
	  "lower-case letters", 0 },
	{ "0013-several-problems.xml", "0013-several-problems.xml:2: title: "
	  "no text in the fallback language 'en'", 4 },
	{ "0013-several-problems.xml", "0013-several-problems.xml:4: question "
	  "'a': min 5 is greater than max 1", 4 },
	{ "0013-several-problems.xml", "0013-several-problems.xml:9: question "
	  "id 'a' used twice", 4 },
	{ "0013-several-problems.xml", "0013-several-problems.xml:10: "
	  "question 'a' text: language 'en' given twice", 4 },
	{ "0014-date-option-not-a-date.xml", "0014-date-option-not-a-date.xml"
	  ":6: Type date doesn't allow value '2026-02-30'", 0 },
	{ "0015-billion-laughs.xml", "0015-billion-laughs.xml:3: Detected an "
	  "entity reference loop", 0 },
	{ "no-such-file.xml", "no-such-file.xml:0: cannot open", 1 },
};

static void
test_invalid_cases(void **state)
{
	char *rng = schema();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = xasprintf("%s/tests/data/survey/invalid/%s",
				       srcdir(), bad[i].file);
		struct errlist e = { 0 };
		struct survey *sv = (struct survey *)1;
		int found = 0;

		assert_int_equal(survey_load_file(path, rng, &sv, &e), -1);
		assert_null(sv);
		for (size_t j = 0; j < e.n; j++)
			found |= strstr(e.v[j], bad[i].expect) != NULL;
		if (!found || (bad[i].nerr && e.n != bad[i].nerr)) {
			for (size_t j = 0; j < e.n; j++)
				print_error("  got: %s\n", e.v[j]);
			fail_msg("%s: expected '%s' (%zu problems)",
				 bad[i].file, bad[i].expect, bad[i].nerr);
		}
		errlist_free(&e);
		free(path);
	}
	free(rng);
}

/* Untrusted bytes from memory: garbage, empty, a missing schema. */
static void
test_load_memory_errors(void **state)
{
	static const char ok[] = "<survey id=\"m\" fallback=\"en\">"
		"<title xml:lang=\"en\">T</title><question id=\"q\" "
		"type=\"text\"><text xml:lang=\"en\">Why?</text></question>"
		"</survey>";
	char *rng = schema();
	struct errlist e = { 0 };
	struct survey *sv;

	assert_int_equal(survey_load_memory("\x01\x02<<", 4, "junk", rng, &sv,
					    &e), -1);
	assert_true(e.n >= 1);
	assert_non_null(strstr(e.v[0], "junk:1: "));
	errlist_free(&e);
	assert_int_equal(survey_load_memory("", 0, "empty", rng, &sv, &e), -1);
	assert_true(e.n >= 1);
	errlist_free(&e);
	assert_int_equal(survey_load_memory(ok, strlen(ok), "mem",
					    "/nonexistent.rng", &sv, &e), -1);
	assert_non_null(strstr(e.v[e.n - 1], "cannot load the RELAX NG"));
	errlist_free(&e);
	assert_int_equal(survey_load_memory(ok, strlen(ok), "mem", rng, &sv,
					    &e), 0);
	assert_string_equal(survey_id(sv), "m");
	survey_free(&sv);
	free(rng);
}

/* publishable="true" on a text question reaches the model; absent, a
 * question is not publishable; another value is invalid. */
static void
test_publishable(void **state)
{
	static const char xml[] = "<survey id=\"p\" fallback=\"en\">"
		"<title xml:lang=\"en\">T</title><question id=\"a\" "
		"type=\"text\" publishable=\"true\"><text xml:lang=\"en\">"
		"A?</text></question><question id=\"b\" type=\"text\">"
		"<text xml:lang=\"en\">B?</text></question></survey>";
	static const char invalid[] = "<survey id=\"p\" fallback=\"en\">"
		"<title xml:lang=\"en\">T</title><question id=\"a\" "
		"type=\"text\" publishable=\"maybe\"><text xml:lang=\"en\">"
		"A?</text></question></survey>";
	char *rng = schema();
	struct errlist e = { 0 };
	struct survey *sv;

	(void)state;
	assert_int_equal(survey_load_memory(xml, strlen(xml), "mem", rng, &sv,
					    &e), 0);
	assert_true(survey_question(sv, 0)->publishable);
	assert_false(survey_question(sv, 1)->publishable);
	survey_free(&sv);
	assert_int_equal(survey_load_memory(invalid, strlen(invalid), "mem",
					    rng, &sv, &e), -1);
	errlist_free(&e);
	free(rng);
}

/* The language-free skeleton of every rendered form. */
static void
check_skeleton(const struct survey *sv, const char *out)
{
	char line[32];

	assert_non_null(strstr(out, FORM_BEGIN_MARK));
	assert_non_null(strstr(out, FORM_END_MARK));
	for (size_t i = 0; i < survey_nquestions(sv); i++) {
		snprintf(line, sizeof(line), "Q%zu. ", i + 1);
		assert_non_null(strstr(out, line));
		snprintf(line, sizeof(line), "A%zu:", i + 1);
		assert_non_null(strstr(out, line));
	}
}

static void
test_form_text(void **state)
{
	struct survey *sv = load_ok("surveys/field-study.xml");
	struct buf b;

	for (size_t l = 0; l < 4; l++) {
		buf_init(&b, 0);
		assert_int_equal(form_render_text(sv, langs[l], &b), 0);
		check_skeleton(sv, buf_cstr(&b));
		/* the instruction comes first, in that language */
		assert_memory_equal(b.data, form_instruction(langs[l]), 12);
		/* no line longer than the wrap width (in characters) */
		for (const char *s = buf_cstr(&b); *s;) {
			size_t n = strcspn(s, "\n"), chars = 0;

			for (size_t k = 0; k < n; k++)
				chars += ((unsigned char)s[k] & 0xC0) != 0x80;
			assert_true(chars <= 72);
			s += n + (s[n] == '\n');
		}
		buf_free(&b);
	}
	buf_init(&b, 0);
	form_render_text(sv, "bg", &b);
	assert_non_null(strstr(b.data, "\nA3:\n"));
	assert_non_null(strstr(b.data, "    [ ] a) Образование\n"));
	assert_non_null(strstr(b.data, "(една или повече букви) *\n"));
	assert_non_null(strstr(b.data, "1 = Изобщо не, 5 = Много добре"));
	assert_non_null(strstr(b.data, "=== ANKETA FORM field-study-2026 ===\n"));
	buf_free(&b);
	/* an unknown language renders the fallback (English) */
	buf_init(&b, 0);
	form_render_text(sv, "fr", &b);
	assert_non_null(strstr(b.data, "[ ] f) Political and civic"));
	assert_non_null(strstr(b.data, "Reply to this message"));
	buf_free(&b);
	/* a cap too small: -1, never a silently cut form */
	buf_init(&b, 200);
	assert_int_equal(form_render_text(sv, "en", &b), -1);
	buf_free(&b);
	survey_free(&sv);
}

static void
test_form_html(void **state)
{
	struct survey *sv = load_ok("tests/data/survey/valid/minimal.xml");
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(form_render_html(sv, "en", &b), 0);
	check_skeleton(sv, b.data);
	assert_non_null(strstr(b.data, "Is everything &quot;fine&quot; "
			       "&amp; OK?"));
	assert_non_null(strstr(b.data, "Кратка анкета &amp; тест"));
	assert_non_null(strstr(b.data, ">A1:</td></tr>"));
	assert_null(strstr(b.data, "<form"));
	assert_null(strstr(b.data, "<script"));
	assert_null(strstr(b.data, "\"fine\""));
	buf_free(&b);
	buf_init(&b, 0);
	form_render_html(sv, "bg", &b);
	assert_non_null(strstr(b.data, "Всичко наред ли е? &lt;да&gt;"));
	assert_non_null(strstr(b.data, "(да или не)"));
	buf_free(&b);
	survey_free(&sv);
	sv = load_ok("surveys/exchange-visit-feedback.xml");
	buf_init(&b, 0);
	assert_int_equal(form_render_html(sv, "nl", &b), 0);
	check_skeleton(sv, b.data);
	assert_non_null(strstr(b.data, "[ ] b) Precies goed"));
	assert_non_null(strstr(b.data, "collega&#39;s"));
	buf_free(&b);
	survey_free(&sv);
}

/* Every truncation of a real questionnaire is refused with a reason,
 * never a crash (the bytes come from organisers' editors). */
static void
test_truncated_inputs(void **state)
{
	char *path = xasprintf("%s/surveys/field-study.xml", srcdir());
	char *rng = schema();
	FILE *fp = fopen(path, "rb");
	char data[65536];
	size_t len;

	assert_non_null(fp);
	len = fread(data, 1, sizeof(data), fp);
	fclose(fp);
	assert_true(len > 1000 && len < sizeof(data));
	for (size_t n = 0; n < len - 10; n += 211) {
		struct errlist e = { 0 };
		struct survey *sv;

		assert_int_equal(survey_load_memory(data, n, "cut", rng, &sv,
						    &e), -1);
		assert_true(e.n >= 1);
		assert_non_null(strstr(e.v[0], "cut:"));
		errlist_free(&e);
	}
	free(path);
	free(rng);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_study_loads),
		cmocka_unit_test(test_feedback_loads),
		cmocka_unit_test(test_minimal_and_hash),
		cmocka_unit_test(test_invalid_cases),
		cmocka_unit_test(test_load_memory_errors),
		cmocka_unit_test(test_publishable),
		cmocka_unit_test(test_form_text),
		cmocka_unit_test(test_form_html),
		cmocka_unit_test(test_truncated_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
