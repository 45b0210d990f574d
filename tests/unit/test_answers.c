/* test_answers.c -- answers: reading replies against the shipped
 * questionnaires, table-driven, plus round trips through the rendered
 * text and HTML forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answers.h"
#include "buf.h"
#include "form.h"
#include "html.h"
#include "parse.h"
#include "survey.h"
#include "xmem.h"

enum { FIELD, FEEDBACK, NSURVEYS };

struct fixture {
	struct survey *sv[NSURVEYS];
};

static const char *
srcdir(void)
{
	const char *s = getenv("ANKETA_SRCDIR");

	return s && *s ? s : ".";
}

static int
setup(void **state)
{
	static const char *const files[NSURVEYS] = {
		"surveys/field-study.xml", "surveys/exchange-visit-feedback.xml"
	};
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *schema = xasprintf("%s/surveys/survey.rng", srcdir());

	for (int i = 0; i < NSURVEYS; i++) {
		struct errlist e = { 0 };
		char *path = xasprintf("%s/%s", srcdir(), files[i]);

		if (survey_load_file(path, schema, &f->sv[i], &e) != 0) {
			for (size_t j = 0; j < e.n; j++)
				fprintf(stderr, "# %s\n", e.v[j]);
			return -1;
		}
		errlist_free(&e);
		free(path);
	}
	free(schema);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < NSURVEYS; i++)
		survey_free(&f->sv[i]);
	free(f);
	return 0;
}

static const char *
value_of(const struct answers *a, const char *qid)
{
	for (size_t i = 0; i < answers_count(a); i++) {
		const char *q, *v;

		answers_get(a, i, &q, &v);
		if (strcmp(q, qid) == 0)
			return v;
	}
	return NULL;
}

static const char *
problem_of(const struct answers *a, const char *qid)
{
	for (size_t i = 0; i < answers_nproblems(a); i++) {
		const char *q, *r;

		answers_problem(a, i, &q, &r);
		if (strcmp(q, qid) == 0)
			return r;
	}
	return NULL;
}

/* A quoted form with the field study's Q3 block, as a reply client
 * leaves it once the '>' markers are gone. */
#define FORM_Q3(ticks_a, ticks_d) \
	"=== ANKETA FORM field-study-2026 ===\n\n" \
	"Q2. Does your municipality have a local strategy? (yes or no) *\n" \
	"A2:\n\n" \
	"Q3. In which policy areas ...? (one or more letters) *\n" \
	"    [" ticks_a "] a) Education\n" \
	"    [ ] b) Employment\n" \
	"    [ ] c) Health care\n" \
	"    [" ticks_d "] d) Housing\n" \
	"A3:\n\n" \
	"=== END OF FORM ===\n"

static const struct acase {
	int survey;
	const char *reply, *quoted;
	const char *qid;
	const char *value;	/* expected value, or NULL: no answer */
	const char *problem;	/* expected problem substring, or NULL */
} acases[] = {
	/* yes/no in every language, every line form */
	{ FIELD, "A2: yes", "", "strategy", "yes", NULL },
	{ FIELD, "2: да", "", "strategy", "yes", NULL },
	{ FIELD, "2) Ne", "", "strategy", "no", NULL },
	{ FIELD, "A2 - nee", "", "strategy", "no", NULL },
	{ FIELD, "Q2: ANO", "", "strategy", "yes", NULL },
	{ FIELD, "a2: Ja.", "", "strategy", "yes", NULL },
	{ FIELD, "A2: Yes, adopted in 2021.", "", "strategy", "yes", NULL },
	{ FIELD, "А2: НЕ", "", "strategy", "no", NULL },	/* Cyrillic А */
	{ FIELD, "A2: maybe", "", "strategy", NULL,
	  "Q2: 'maybe' is not yes or no" },
	{ FIELD, "A2: no idea", "", "strategy", NULL, "is not yes or no" },
	{ FIELD, "A2:\n  yes\n", "", "strategy", "yes", NULL },
	/* several choices: letters, numbers, labels in any language */
	{ FIELD, "A3: a, c", "", "areas", "education,health", NULL },
	{ FIELD, "A3: a c", "", "areas", "education,health", NULL },
	{ FIELD, "A3: a and f", "", "areas", "education,participation", NULL },
	{ FIELD, "A3: 1, 4", "", "areas", "education,housing", NULL },
	{ FIELD, "A3: Образование, ЖИЛИЩНИ УСЛОВИЯ", "", "areas",
	  "education,housing", NULL },
	{ FIELD, "A3: vzdelavani; Bydlení", "", "areas", "education,housing",
	  NULL },
	{ FIELD, "A3: Health, housing", "", "areas", "health,housing", NULL },
	{ FIELD, "A3: Political and civic participation", "", "areas",
	  "participation", NULL },
	{ FIELD, "A3: (b) and (e).", "", "areas", "employment,discrimination",
	  NULL },
	{ FIELD, "A3: z", "", "areas", NULL,
	  "Q3: 'z' is not one of a, b, c, d, e, f" },
	{ FIELD, "A3: a, sports", "", "areas", NULL, "is not one of" },
	/* single choice */
	{ FIELD, "A6: b", "", "funding", "national", NULL },
	{ FIELD, "6) EU-fondsen", "", "funding", "eu", NULL },
	{ FIELD, "A6: Rozpoc\xcc\x8c" "et obce", "", "funding", "municipal",
	  NULL },	/* decomposed č (NFD, as Apple Mail sends it) */
	{ FIELD, "A6: a, b", "", "funding", NULL, "choose only one of" },
	/* numbers and bounds */
	{ FIELD, "A5: 15 000 EUR", "", "budget", "15000", NULL },
	{ FIELD, "A5: 15.000", "", "budget", "15000", NULL },
	{ FIELD, "A5: 1\xc2\xa0" "250\xc2\xa0" "000 €", "", "budget",
	  "1250000", NULL },
	{ FIELD, "A5: 12,5", "", "budget", NULL, "not a whole number" },
	{ FIELD, "A5: a lot", "", "budget", NULL, "'a lot' is not a number" },
	{ FIELD, "A5: -3", "", "budget", NULL, "-3 is less than 0" },
	{ FIELD, "A7: 600", "", "staff", NULL, "600 is not between 0 and 500" },
	{ FIELD, "A7: 2 or 3", "", "staff", NULL, "one number only" },
	{ FIELD, "A9: 4", "", "coordination", "4", NULL },
	{ FIELD, "A9: 7", "", "coordination", NULL,
	  "Q9: 7 is not between 1 and 5" },
	{ FIELD, "A9: Много добре", "", "coordination", "5", NULL },
	/* dates: letter, ISO date, day.month.year */
	{ FIELD, "A13: b", "", "interview", "2026-03-12", NULL },
	{ FIELD, "A13: 17.3.2026", "", "interview", "2026-03-17", NULL },
	{ FIELD, "A13: 2026-03-10", "", "interview", "2026-03-10", NULL },
	{ FIELD, "A13: 12/03/26", "", "interview", "2026-03-12", NULL },
	{ FIELD, "A13: 11.3.2026", "", "interview", NULL,
	  "'11.3.2026' is not one of a, b, c" },
	/* free text spans lines up to the next answer line */
	{ FIELD, "A4: Two school mediators.\nA health mediator since 2019.\n"
	  "\nA5: 0", "", "measures",
	  "Two school mediators.\nA health mediator since 2019.", NULL },
	{ FIELD, "A4: Two school mediators.\nA5: 0", "", "budget", "0", NULL },
	/* a numbered list inside free text is text, not answers to Q1, Q2 */
	{ FIELD, "A4: Our measures:\n1) school mediators\n2) a health "
	  "mediator\nA5: 0", "", "measures", "Our measures:\n1) school "
	  "mediators\n2) a health mediator", NULL },
	{ FIELD, "A4: Our measures:\n1) school mediators\n2) a health "
	  "mediator\nA5: 0", "", "strategy", NULL,
	  "Q2: required, no answer found" },
	{ FIELD, "1) Kavarna\n2) yes\n3) a", "", "areas", "education", NULL },
	{ FIELD, "A1:\nKavarna\nMayor's office, deputy mayor\n", "",
	  "municipality", "Kavarna\nMayor's office, deputy mayor", NULL },
	/* inline in the quoted form; the new text wins */
	{ FIELD, "", "=== ANKETA FORM field-study-2026 ===\nQ2. Plan?\n"
	  "A2: yes\n\nQ3. Areas?\nA3:\n", "strategy", "yes", NULL },
	{ FIELD, "A2: no", "=== ANKETA FORM field-study-2026 ===\nQ2. Plan?\n"
	  "A2: yes\n", "strategy", "no", NULL },
	/* a problem in the new text stands: the quoted form's empty A10
	 * line must not turn it into "no answer found" */
	{ FIELD, "A1: Ostrava\nA10: 9", "=== ANKETA FORM field-study-2026 "
	  "===\nQ1. Municipality? *\nA1:\n\nQ10. Results? (1-5) *\nA10:\n\n"
	  "=== END OF FORM ===\n", "results", NULL,
	  "Q10: 9 is not between 1 and 5" },
	/* the instruction's example before the marker is not an answer */
	{ FIELD, "A1: Ostrava", "write your answer after each A-line\n"
	  "A2: b\n=== ANKETA FORM field-study-2026 ===\nQ2. Plan?\nA2:\n",
	  "strategy", NULL, "Q2: required, no answer found" },
	/* ticks inside the question's block */
	{ FIELD, "", FORM_Q3("x", "X"), "areas", "education,housing", NULL },
	{ FIELD, "", FORM_Q3("✓", " "), "areas", "education", NULL },
	{ FIELD, "", "Q3. Areas?\n[x] Housing\n[ ] Education\nA3:\n", "areas",
	  "housing", NULL },
	{ FIELD, "A3: b", FORM_Q3("x", " "), "areas", "employment", NULL },
	/* required questions, only once something was answered */
	{ FIELD, "A2: yes", "", "municipality", NULL,
	  "Q1: required, no answer found" },
	{ FIELD, "A2: yes", "", "measures", NULL, NULL },
	/* the feedback form */
	{ FEEDBACK, "1: 5", "", "overall", "5", NULL },
	{ FEEDBACK, "A8: precies goed", "", "length", "right", NULL },
	{ FEEDBACK, "A8: Твърде кратка", "", "length", "short", NULL },
	{ FEEDBACK, "A10: n", "", "recommend", "no", NULL },
	{ FEEDBACK, "A9: c", "", "follow-up", "2026-06-16", NULL },
	{ FEEDBACK, "A3: a, g", "", "sessions", "city,ngos", NULL },
	{ FEEDBACK, "A7: 12", "", "contacts", "12", NULL },
};

static void
test_answer_table(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		const struct acase *c = &acases[i];
		struct answers *a = NULL;
		const char *v, *p;

		answers_extract(f->sv[c->survey], c->reply, c->quoted, &a);
		v = value_of(a, c->qid);
		p = problem_of(a, c->qid);
		if ((c->value == NULL) != (v == NULL) ||
		    (v && strcmp(v, c->value) != 0) ||
		    (c->problem == NULL) != (p == NULL) ||
		    (p && strstr(p, c->problem) == NULL))
			fail_msg("case %zu (%s): got value '%s' problem '%s'",
				 i, c->reply, v ? v : "(none)",
				 p ? p : "(none)");
		assert_false(answers_none_found(a));
		answers_free(&a);
		assert_null(a);
	}
}

static void
test_not_a_form_reply(void **state)
{
	struct fixture *f = *state;
	struct answers *a;
	struct buf form;

	buf_init(&form, 0);
	assert_int_equal(form_render_text(f->sv[FIELD], "en", &form), 0);
	/* a person writing back without filling anything in */
	answers_extract(f->sv[FIELD], "Thanks, I will answer next week.\n",
			buf_cstr(&form), &a);
	assert_true(answers_none_found(a));
	assert_int_equal(answers_count(a), 0);
	assert_int_equal(answers_nproblems(a), 0);
	answers_free(&a);
	answers_extract(f->sv[FIELD], NULL, NULL, &a);
	assert_true(answers_none_found(a));
	answers_free(&a);
	answers_free(&a);	/* NULL is fine */
	buf_free(&form);
}

/* Answers a person types into the field study, by question number. */
static const struct fill {
	int n;
	const char *typed, *qid, *value;
} fills[] = {
	{ 1, "Община Каварна, заместник-кмет", "municipality",
	  "Община Каварна, заместник-кмет" },
	{ 2, "да", "strategy", "yes" },
	{ 3, "a, c, f", "areas", "education,health,participation" },
	{ 4, "Образователни медиатори в 3 училища.\nЗдравен медиатор.",
	  "measures", "Образователни медиатори в 3 училища.\nЗдравен медиатор." },
	{ 5, "25 000", "budget", "25000" },
	{ 6, "c", "funding", "eu" },
	{ 7, "6", "staff", "6" },
	{ 8, "не", "mediators", "no" },
	{ 9, "3", "coordination", "3" },
	{ 10, "4", "results", "4" },
	{ 11, "Липса на финансиране, e", "obstacles", "funding,data" },
	{ 12, "Училищни медиатори: по-малко отпаднали ученици.", "practice",
	  "Училищни медиатори: по-малко отпаднали ученици." },
	{ 13, "a", "interview", "2026-03-10" },
};

/* Type each answer after its "A<n>:" line, as a person would. */
static char *
fill_in(const char *form)
{
	struct buf out;
	const char *s = form;

	buf_init(&out, 0);
	while (*s) {
		size_t n = strcspn(s, "\n");
		int q = 0;

		buf_add(&out, s, n);
		if (sscanf(s, "A%d:", &q) == 1 && n < 6)
			for (size_t i = 0; i < sizeof(fills) / sizeof(*fills);
			     i++)
				if (fills[i].n == q)
					buf_printf(&out, " %s", fills[i].typed);
		buf_addc(&out, '\n');
		s += n + (s[n] == '\n');
	}
	return buf_steal(&out);
}

static void
check_fills(const struct answers *a)
{
	for (size_t i = 0; i < answers_nproblems(a); i++) {
		const char *q, *r;

		answers_problem(a, i, &q, &r);
		fail_msg("unexpected problem %s", r);
	}
	assert_int_equal(answers_count(a), sizeof(fills) / sizeof(*fills));
	for (size_t i = 0; i < sizeof(fills) / sizeof(*fills); i++) {
		const char *v = value_of(a, fills[i].qid);

		assert_non_null(v);
		assert_string_equal(v, fills[i].value);
	}
}

static void
test_round_trip_text(void **state)
{
	struct fixture *f = *state;
	struct answers *a;
	struct buf form;
	char *filled;

	buf_init(&form, 0);
	assert_int_equal(form_render_text(f->sv[FIELD], "bg", &form), 0);
	filled = fill_in(buf_cstr(&form));
	answers_extract(f->sv[FIELD], "", filled, &a);
	check_fills(a);
	answers_free(&a);
	free(filled);
	buf_free(&form);
}

/* A crude HTML -> text conversion like a reply client's: each row,
 * paragraph and heading ends a line, tags go, entities are decoded. */
static char *
crude_html_to_text(const char *html)
{
	static const struct { const char *ent, *ch; } ents[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&#39;", "'" },
	};
	struct buf b;

	buf_init(&b, 0);
	for (const char *s = html; *s;) {
		if (*s == '<') {
			if (!strncmp(s, "</tr>", 5) || !strncmp(s, "</p>", 4) ||
			    !strncmp(s, "</h2>", 5))
				buf_addc(&b, '\n');
			s += strcspn(s, ">");
			s += *s == '>';
			continue;
		}
		if (*s == '\n') {
			s++;
			continue;
		}
		size_t i;

		for (i = 0; i < sizeof(ents) / sizeof(*ents); i++)
			if (!strncmp(s, ents[i].ent, strlen(ents[i].ent)))
				break;
		if (i < sizeof(ents) / sizeof(*ents)) {
			buf_adds(&b, ents[i].ch);
			s += strlen(ents[i].ent);
		} else
			buf_addc(&b, *s++);
	}
	return buf_steal(&b);
}

static void
test_round_trip_html(void **state)
{
	struct fixture *f = *state;
	struct answers *a;
	struct buf form;
	char *text, *filled;

	buf_init(&form, 0);
	assert_int_equal(form_render_html(f->sv[FIELD], "cs", &form), 0);
	text = crude_html_to_text(buf_cstr(&form));
	filled = fill_in(text);
	answers_extract(f->sv[FIELD], "", filled, &a);
	check_fills(a);
	answers_free(&a);
	free(text);
	free(filled);
	buf_free(&form);
}

/* Type each answer into the HTML form itself, right after "A<n>:", as
 * a person does in the quoted original of an HTML reply. */
static char *
fill_in_html(const char *form)
{
	struct buf out;
	const char *s = form;

	buf_init(&out, 0);
	while (*s) {
		int q = 0, len = 0;
		const char *typed = NULL;

		if (sscanf(s, ">A%d:%n", &q, &len) == 1 && len > 0 &&
		    strncmp(s + len, "</td>", 5) == 0)
			for (size_t i = 0; i < sizeof(fills) / sizeof(*fills);
			     i++)
				if (fills[i].n == q)
					typed = fills[i].typed;
		if (typed == NULL) {
			buf_addc(&out, *s++);
			continue;
		}
		buf_add(&out, s, (size_t)len);
		buf_addc(&out, ' ');
		for (const char *t = typed; *t; t++)	/* a typed line break */
			*t == '\n' ? buf_adds(&out, "<br>") : buf_addc(&out, *t);
		s += len;
	}
	return buf_steal(&out);
}

/* End to end through the parse module: an HTML reply quoting the HTML
 * form with the answers typed inside the quote. */
static void
test_round_trip_html_reply(void **state)
{
	struct fixture *f = *state;
	struct answers *a;
	struct buf form, mail;
	char *filled, *text, *fresh, *quoted;

	buf_init(&form, 0);
	buf_init(&mail, 0);
	assert_int_equal(form_render_html(f->sv[FIELD], "bg", &form), 0);
	filled = fill_in_html(buf_cstr(&form));
	buf_printf(&mail, "<html><body><div>Answers below.</div><br>"
		   "<blockquote type=\"cite\">%s</blockquote></body></html>",
		   filled);
	text = html_to_text(mail.data, mail.len);
	parse_split_reply(text, &fresh, &quoted);
	answers_extract(f->sv[FIELD], fresh, quoted, &a);
	check_fills(a);
	answers_free(&a);
	free(filled);
	free(text);
	free(fresh);
	free(quoted);
	buf_free(&form);
	buf_free(&mail);
}

/* End to end through the reply splitter: answers typed on top of an
 * "On <date>, <who> wrote:" attribution and the quoted, empty form. A
 * digit in the new text once let the attribution swallow it, and the
 * quoted form's empty "A10:" then said "required, no answer found"
 * instead of the problem in what was written. */
static void
test_top_posted_reply(void **state)
{
	struct fixture *f = *state;
	/* with and without a blank line above the attribution */
	static const char *const tops[] = {
		"A1: Ostrava\nA10: 9\n\nOn Mon, 2 Mar 2026 at 09:14, "
		"organiser@example.org wrote:\n",
		"A1: Ostrava\nA10: 9\nOn Mon, 2 Mar 2026 at 09:14, Organiser "
		"<organiser@example.org> wrote:\n",
	};
	struct buf form;

	buf_init(&form, 0);
	assert_int_equal(form_render_text(f->sv[FIELD], "en", &form), 0);
	for (size_t t = 0; t < sizeof(tops) / sizeof(*tops); t++) {
		struct answers *a;
		struct buf mail;
		char *fresh, *quoted;

		buf_init(&mail, 0);
		buf_adds(&mail, tops[t]);
		for (const char *s = buf_cstr(&form); *s;) {
			size_t n = strcspn(s, "\n");
			buf_printf(&mail, "> %.*s\n", (int)n, s);
			s += n + (s[n] == '\n');
		}
		parse_split_reply(buf_cstr(&mail), &fresh, &quoted);
		assert_string_equal(fresh, "A1: Ostrava\nA10: 9");
		answers_extract(f->sv[FIELD], fresh, quoted, &a);
		assert_string_equal(value_of(a, "municipality"), "Ostrava");
		assert_null(value_of(a, "results"));
		for (size_t i = 0, n10 = 0; i < answers_nproblems(a); i++) {
			const char *q, *r;

			answers_problem(a, i, &q, &r);
			if (strcmp(q, "results") != 0)
				continue;
			assert_int_equal(n10++, 0);	/* only the real one */
			assert_string_equal(r, "Q10: 9 is not between 1 and 5");
		}
		assert_non_null(problem_of(a, "results"));
		answers_free(&a);
		free(fresh);
		free(quoted);
		buf_free(&mail);
	}
	buf_free(&form);
}

/* Every cut of a filled form (as a broken client might send it) reads
 * without a crash, and every value read back is non-empty. */
static void
test_truncated_replies(void **state)
{
	struct fixture *f = *state;
	struct buf form;
	char *filled;
	size_t len;

	buf_init(&form, 0);
	assert_int_equal(form_render_text(f->sv[FIELD], "en", &form), 0);
	filled = fill_in(buf_cstr(&form));
	len = strlen(filled);
	for (size_t n = 0; n < len; n += 7) {
		char *cut = xstrndup(filled, n);
		struct answers *a;

		answers_extract(f->sv[FIELD], cut, cut, &a);
		for (size_t i = 0; i < answers_count(a); i++) {
			const char *q, *v;

			answers_get(a, i, &q, &v);
			assert_non_null(v);
			assert_true(*v != '\0');
		}
		answers_free(&a);
		free(cut);
	}
	free(filled);
	buf_free(&form);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_table),
		cmocka_unit_test(test_not_a_form_reply),
		cmocka_unit_test(test_round_trip_text),
		cmocka_unit_test(test_round_trip_html),
		cmocka_unit_test(test_round_trip_html_reply),
		cmocka_unit_test(test_top_posted_reply),
		cmocka_unit_test(test_truncated_replies),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
