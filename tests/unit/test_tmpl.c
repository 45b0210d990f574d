/*
 * test_tmpl.c -- Mustache spec (every case of the six core files, read
 * with jansson, one TAP line each, rendered non-strict and compared byte
 * for byte), strict mode
 * errors naming variable and line, syntax errors, and the output buffer
 * left unchanged on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/tmpl.h"
#include "base/xmem.h"

static const char *const spec_files[] = {
	"interpolation", "sections", "inverted", "comments", "partials",
	"delimiters",
};
#define NSPEC (sizeof(spec_files) / sizeof(spec_files[0]))

struct spec_count {
	int passed;
	int total;
};

/* One spec case: borrowed from the loaded JSON trees. */
struct spec_case {
	const struct tmpl_val *t;	/* {name, data, template, ...} */
	struct spec_count *count;
	char *label;			/* "file: name", owned */
};

/* A JSON value as template data: objects keep their keys (jansson keeps
 * them in file order), numbers become doubles, as the spec's data are
 * meant (its "1.210" renders as "1.21"). */
static struct tmpl_val *
from_json(const json_t *j)
{
	struct tmpl_val *v;
	const json_t *item;
	const char *key;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		v = tmpl_map_new();
		json_object_foreach((json_t *)j, key, item)
			tmpl_map_put(v, key, from_json(item));
		return v;
	case JSON_ARRAY:
		v = tmpl_list_new();
		json_array_foreach(j, i, item)
			tmpl_list_push(v, from_json(item));
		return v;
	case JSON_STRING:
		return tmpl_str_new(json_string_value(j));
	case JSON_INTEGER:
	case JSON_REAL:
		return tmpl_num_new(json_number_value(j));
	case JSON_TRUE:
	case JSON_FALSE:
		return tmpl_bool_new(json_is_true(j));
	default:
		return tmpl_null_new();
	}
}

static struct tmpl_val *
load_spec(const char *name)
{
	const char *top = getenv("ANKETA_SRCDIR");
	char *path = xasprintf("%s/tests/data/mustache/%s.json",
	    top ? top : ".", name);
	struct tmpl_val *v = NULL;
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	if (j == NULL) {
		fprintf(stderr, "# %s: line %d column %d: %s\n", path, je.line,
		    je.column, je.text);
	} else {
		v = from_json(j);
		json_decref(j);
	}
	free(path);
	return v;
}

static const char *
field(const struct tmpl_val *t, const char *key)
{
	const char *s = tmpl_val_str(tmpl_map_get(t, key));

	return s ? s : "";
}

static void
test_spec_case(void **state)
{
	struct spec_case *c = *state;
	const struct tmpl_val *partials = tmpl_map_get(c->t, "partials");
	struct tmpl_partials p = { tmpl_partial_from_map, (void *)partials };
	struct buf out;
	struct err e = { "" };
	int rc;

	if (c->t == NULL)
		fail_msg("%s", c->label);
	buf_init(&out, 1 << 20);
	rc = tmpl_render(field(c->t, "template"), tmpl_map_get(c->t, "data"),
	    partials ? &p : NULL, 0, &out, &e);
	if (rc != 0)
		fail_msg("%s: %s", c->label, e.msg);
	assert_string_equal(buf_cstr(&out), field(c->t, "expected"));
	/* compiled: the same, twice (the second from the kept trees) */
	struct tmpl *t = NULL;

	if (tmpl_compile(field(c->t, "template"), &t, &e) != 0)
		fail_msg("%s: compile: %s", c->label, e.msg);
	for (int round = 0; round < 2; round++) {
		buf_reset(&out);
		if (tmpl_render_compiled(t, tmpl_map_get(c->t, "data"),
		    partials ? &p : NULL, 0, &out, &e) != 0)
			fail_msg("%s: compiled: %s", c->label, e.msg);
		assert_string_equal(buf_cstr(&out),
		    field(c->t, "expected"));
	}
	tmpl_free(&t);
	assert_null(t);
	buf_free(&out);
	c->count->passed++;
}

/* ---- strict mode and errors ------------------------------------------ */

static struct tmpl_val *
sample_data(void)
{
	struct tmpl_val *d = tmpl_map_new(), *who, *list;

	tmpl_map_set_str(d, "name", "Jana <Nováková>");
	tmpl_map_set_num(d, "count", 3);
	tmpl_map_set_bool(d, "late", 0);
	tmpl_map_set_null(d, "nothing");
	tmpl_map_set_list(d, "empty");
	who = tmpl_map_set_map(d, "survey");
	tmpl_map_set_str(who, "title", "Výměna 2026");
	list = tmpl_map_set_list(d, "items");
	tmpl_map_set_str(tmpl_list_add_map(list), "q", "one");
	tmpl_map_set_str(tmpl_list_add_map(list), "q", "two");
	return d;
}

struct strict_row {
	const char *tpl;
	const char *want;	/* output, or NULL when an error is expected */
	const char *err;	/* expected error text */
};

static const struct strict_row strict_rows[] = {
	{ "Hi {{name}}", "Hi Jana &lt;Nováková&gt;", NULL },
	{ "Hi {{{name}}}, {{&name}}", "Hi Jana <Nováková>, Jana <Nováková>",
	    NULL },
	{ "{{survey.title}} x{{count}}", "Výměna 2026 x3", NULL },
	{ "{{#items}}[{{q}}]{{/items}}", "[one][two]", NULL },
	{ "{{#late}}late{{/late}}{{^late}}on time{{/late}}", "on time", NULL },
	{ "{{#empty}}x{{/empty}}{{^nothing}}none{{/nothing}}", "none", NULL },
	{ "[{{nothing}}]", "[]", NULL },
	{ "a\nb\nc\nDue {{deadline}}", NULL,
	    "line 4: unknown variable 'deadline'" },
	{ "{{survey.deadline}}", NULL,
	    "line 1: unknown variable 'survey.deadline'" },
	{ "x\n{{#reminder}}r{{/reminder}}", NULL,
	    "line 2: unknown section 'reminder'" },
	{ "{{^reminder}}r{{/reminder}}", NULL,
	    "line 1: unknown section 'reminder'" },
	{ "{{#items}}{{nope}}{{/items}}", NULL,
	    "line 1: unknown variable 'nope'" },
	{ "{{>footer}}", NULL, "line 1: unknown partial 'footer'" },
	{ "{{>sig}}", NULL, "partial 'sig': line 2: unknown variable 'who'" },
	{ "{{items}}", NULL, "line 1: 'items' is a list, not a value" },
};

static const char *
strict_partial(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "sig") == 0 ? "--\n{{who}}\n" : NULL;
}

static void
test_strict(void **state)
{
	struct tmpl_val *d = sample_data();
	struct tmpl_partials p = { strict_partial, NULL };

	(void)state;
	for (size_t i = 0; i < sizeof(strict_rows) / sizeof(*strict_rows);
	    i++) {
		const struct strict_row *r = &strict_rows[i];
		struct buf out;
		struct err e = { "" };
		int rc;

		struct tmpl *t = NULL;

		buf_init(&out, 0);
		buf_adds(&out, "keep:");
		rc = tmpl_render(r->tpl, d, &p, 1, &out, &e);
		if (r->want) {
			if (rc != 0)
				fail_msg("row %zu: %s", i, e.msg);
			assert_string_equal(buf_cstr(&out) + 5, r->want);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(e.msg, r->err);
			/* failure leaves out exactly as it was */
			assert_string_equal(buf_cstr(&out), "keep:");
		}
		/* compiled (when it parses): the same, twice */
		for (int round = 0; round < 2 &&
		    (round > 0 || tmpl_compile(r->tpl, &t, &e) == 0); round++) {
			buf_reset(&out);
			buf_adds(&out, "keep:");
			rc = tmpl_render_compiled(t, d, &p, 1, &out, &e);
			if (r->want) {
				assert_int_equal(rc, 0);
				assert_string_equal(buf_cstr(&out) + 5,
				    r->want);
			} else {
				assert_int_equal(rc, -1);
				assert_string_equal(e.msg, r->err);
				assert_string_equal(buf_cstr(&out), "keep:");
			}
		}
		tmpl_free(&t);
		buf_free(&out);
	}
	tmpl_val_free(&d);
	assert_null(d);
	tmpl_val_free(&d);	/* NULL is fine */
}

/* Non-strict renders the same missing names empty, per the spec. */
static void
test_lenient(void **state)
{
	struct tmpl_val *d = sample_data();
	struct buf out;
	struct err e;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(tmpl_render("[{{deadline}}{{#r}}x{{/r}}{{>f}}]", d,
	    NULL, 0, &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "[]");
	buf_free(&out);
	tmpl_val_free(&d);
}

/* TMPL_RAW: a plain-text body or Subject keeps "&" and "<" as they are. */
static void
test_raw(void **state)
{
	struct tmpl_val *d = sample_data();
	struct buf out;
	struct err e;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(tmpl_render("Q&A: {{name}} {{{name}}}", d, NULL,
	    TMPL_STRICT | TMPL_RAW, &out, &e), 0);
	assert_string_equal(buf_cstr(&out),
	    "Q&A: Jana <Nováková> Jana <Nováková>");
	assert_int_equal(tmpl_render("{{deadline}}", d, NULL,
	    TMPL_STRICT | TMPL_RAW, &out, &e), -1);
	assert_string_equal(e.msg, "line 1: unknown variable 'deadline'");
	buf_free(&out);
	tmpl_val_free(&d);
}

static const struct strict_row syntax_rows[] = {
	{ "ok {{#a}}{{/a}} {{! c }} {{=<% %>=}}<%x%>", "", NULL },
	{ "a\n{{#s}}\nb\n", NULL, "line 2: section 's' is not closed" },
	{ "{{#a}}\n{{#b}}\n{{/a}}", NULL,
	    "line 3: '/a' closes section 'b' of line 2" },
	{ "\n\n{{/a}}", NULL, "line 3: '/a' closes no section" },
	{ "x\n{{name", NULL, "line 2: unclosed tag '{{name'" },
	{ "{{{name}}", NULL, "line 1: unclosed tag '{{{name}}'" },
	{ "{{=<%>=}}", NULL, "line 1: bad delimiter change" },
	{ "{{ }}", NULL, "line 1: empty tag" },
};

static void
test_syntax(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(syntax_rows) / sizeof(*syntax_rows);
	    i++) {
		struct err e = { "" };
		int rc = tmpl_check(syntax_rows[i].tpl, &e);

		if (syntax_rows[i].want) {
			if (rc != 0)
				fail_msg("row %zu: %s", i, e.msg);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(e.msg, syntax_rows[i].err);
		}
	}
}

/* A capped buffer: hitting the cap is an error, not silent truncation. */
static void
test_cap(void **state)
{
	struct tmpl_val *d = tmpl_map_new();
	struct buf out;
	struct err e;

	(void)state;
	tmpl_map_set_str(d, "x", "0123456789");
	buf_init(&out, 15);
	assert_int_equal(tmpl_render("{{x}}{{x}}", d, NULL, 1, &out, &e), -1);
	assert_string_equal(e.msg, "output exceeds 15 bytes");
	assert_int_equal(out.len, 0);
	buf_free(&out);
	tmpl_val_free(&d);
}

/* Recursion through a partial that never ends stops at the depth cap. */
static const char *
loop_partial(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return "x{{>again}}";
}

static void
test_partial_depth(void **state)
{
	struct tmpl_partials p = { loop_partial, NULL };
	struct buf out;
	struct err e;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(tmpl_render("{{>again}}", NULL, &p, 0, &out, &e), -1);
	assert_non_null(strstr(e.msg, "partials nested deeper than 64"));
	assert_int_equal(out.len, 0);

	struct tmpl *t = NULL;

	assert_int_equal(tmpl_compile("{{>again}}", &t, &e), 0);
	assert_int_equal(tmpl_render_compiled(t, NULL, &p, 0, &out, &e), -1);
	assert_non_null(strstr(e.msg, "partials nested deeper than 64"));
	assert_int_equal(out.len, 0);
	tmpl_free(&t);
	buf_free(&out);
}

/* A lookup whose text changes: between renders (the kept tree is
 * parsed again) and inside one (the entry in use is left alone). */
struct moving {
	int calls;
	const char *texts[8];
};

static const char *
moving_partial(void *arg, const char *name)
{
	struct moving *m = arg;

	(void)name;
	return m->texts[m->calls++ % 8];
}

static void
test_compiled_partials(void **state)
{
	struct moving m = { 0, { "a{{>p}}", "b{{>p}}", "c", "[{{x}}]",
	    "  {{y}}\n", "e", "f", "g" } };
	struct tmpl_partials p = { moving_partial, &m };
	struct tmpl_val *d = tmpl_map_new();
	struct tmpl *t = NULL;
	struct buf out;
	struct err e = { "" };

	(void)state;
	tmpl_map_set_str(d, "x", "X");
	tmpl_map_set_str(d, "y", "Y");
	buf_init(&out, 0);
	assert_int_equal(tmpl_compile("<{{>p}}>", &t, &e), 0);
	/* "a" includes p again, which now says "b", which includes "c" */
	assert_int_equal(tmpl_render_compiled(t, d, &p, 1, &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "<abc>");
	buf_reset(&out);
	assert_int_equal(tmpl_render_compiled(t, d, &p, 1, &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "<[X]>");
	/* standalone: the indentation is part of the key */
	tmpl_free(&t);
	assert_int_equal(tmpl_compile("  {{>p}}\n{{>p}}|", &t, &e), 0);
	buf_reset(&out);
	m.calls = 4;
	assert_int_equal(tmpl_render_compiled(t, d, &p, 1, &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "    Y\ne|");
	/* a partial that stops parsing is named, out is kept */
	m.texts[6] = "{{#open}}";
	buf_reset(&out);
	buf_adds(&out, "k");
	assert_int_equal(tmpl_render_compiled(t, d, &p, 1, &out, &e), -1);
	assert_string_equal(e.msg, "partial 'p': line 1: section 'open' is "
	    "not closed");
	assert_string_equal(buf_cstr(&out), "k");
	tmpl_free(&t);
	tmpl_free(&t);		/* NULL is fine */
	tmpl_val_free(&d);
	buf_free(&out);
}

/*
 * Templates are edited by people: random soup of Mustache punctuation
 * must end in 0 or in -1 with a "line N" reason and out untouched, never
 * in a crash (run under ASan/valgrind in CI). A fixed LCG keeps it
 * reproducible.
 */
static void
test_garbage(void **state)
{
	static const char alphabet[] = "{{}}#^/!>=&.ab \n\r\t<%";
	struct tmpl_val *d = sample_data();
	unsigned long seed = 12345;
	char tpl[64];
	int nok = 0, nfail = 0;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		struct buf out;
		struct err e = { "" }, e2 = { "" };
		size_t n;
		int rc;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		n = (seed >> 33) % (sizeof(tpl) - 1);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 6364136223846793005UL + 1;
			tpl[i] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
		}
		tpl[n] = '\0';
		buf_init(&out, 256);
		buf_adds(&out, "k");
		rc = tmpl_render(tpl, d, NULL, round & 3, &out, &e);
		nok += rc == 0;
		nfail += rc != 0;
		if (rc != 0) {
			assert_int_equal(rc, -1);
			if (strncmp(e.msg, "line ", 5) != 0 &&
			    strncmp(e.msg, "output exceeds", 14) != 0)
				fail_msg("'%s': odd error '%s'", tpl, e.msg);
			assert_string_equal(buf_cstr(&out), "k");
		}
		/* a syntax error fails the render with the same reason */
		if (tmpl_check(tpl, &e2) != 0) {
			assert_int_equal(rc, -1);
			assert_string_equal(e2.msg, e.msg);
		} else {
			/* compiled, the same result */
			struct tmpl *t = NULL;
			struct buf o2;

			assert_int_equal(tmpl_compile(tpl, &t, &e2), 0);
			buf_init(&o2, 256);
			buf_adds(&o2, "k");
			assert_int_equal(tmpl_render_compiled(t, d, NULL,
			    round & 3, &o2, &e2), rc);
			assert_string_equal(buf_cstr(&o2), buf_cstr(&out));
			if (rc != 0)
				assert_string_equal(e2.msg, e.msg);
			buf_free(&o2);
			tmpl_free(&t);
		}
		buf_free(&out);
	}
	/* the soup exercised both paths */
	assert_true(nok > 1000 && nfail > 1000);
	tmpl_val_free(&d);
}

static void
test_numbers(void **state)
{
	struct tmpl_val *d = tmpl_map_new();
	struct buf out;
	struct err e;

	(void)state;
	tmpl_map_set_num(d, "a", 85);
	tmpl_map_set_num(d, "b", 1.21);
	tmpl_map_set_num(d, "c", -0.5);
	tmpl_map_set_bool(d, "t", 1);
	buf_init(&out, 0);
	assert_int_equal(tmpl_render("{{a}} {{b}} {{c}} {{t}}", d, NULL, 1,
	    &out, &e), 0);
	assert_string_equal(buf_cstr(&out), "85 1.21 -0.5 true");
	buf_free(&out);
	tmpl_val_free(&d);
}

int
main(void)
{
	struct tmpl_val *specs[NSPEC];
	struct spec_count count = { 0, 0 };
	size_t ncase = 0, k = 0;
	int rc;

	for (size_t f = 0; f < NSPEC; f++) {
		specs[f] = load_spec(spec_files[f]);
		ncase += tmpl_list_len(tmpl_map_get(specs[f], "tests"));
	}
	/* A missing spec file leaves a failing row, not a silent pass. */
	for (size_t f = 0; f < NSPEC; f++)
		if (specs[f] == NULL)
			ncase++;

	struct spec_case cases[ncase > 0 ? ncase : 1];
	struct CMUnitTest tests[ncase + 9];

	for (size_t f = 0; f < NSPEC; f++) {
		const struct tmpl_val *list = tmpl_map_get(specs[f], "tests");

		if (specs[f] == NULL) {
			cases[k].t = NULL;
			cases[k].count = &count;
			cases[k].label = xasprintf("%s: unreadable",
			    spec_files[f]);
			tests[k] = (struct CMUnitTest)cmocka_unit_test_prestate(
			    test_spec_case, &cases[k]);
			tests[k].name = cases[k].label;
			k++;
			continue;
		}
		for (size_t i = 0; i < tmpl_list_len(list); i++, k++) {
			cases[k].t = tmpl_list_get(list, i);
			cases[k].count = &count;
			cases[k].label = xasprintf("%s: %s", spec_files[f],
			    field(cases[k].t, "name"));
			tests[k] = (struct CMUnitTest)cmocka_unit_test_prestate(
			    test_spec_case, &cases[k]);
			tests[k].name = cases[k].label;
		}
	}
	count.total = (int)ncase;
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_strict);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_lenient);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_raw);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_syntax);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_cap);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_partial_depth);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(
	    test_compiled_partials);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_numbers);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_garbage);

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	printf("# mustache spec: %d/%d\n", count.passed, count.total);
	for (size_t i = 0; i < ncase; i++)
		free(cases[i].label);
	for (size_t f = 0; f < NSPEC; f++)
		tmpl_val_free(&specs[f]);
	return rc;
}
