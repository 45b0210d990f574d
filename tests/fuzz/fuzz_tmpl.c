/*
 * fuzz_tmpl.c -- the Mustache renderer on arbitrary templates against a
 * fixed value tree that has every value type (strings that need escaping,
 * numbers, booleans, null, empty and filled lists, nested maps, a
 * recursive tree) and a few partials, one of them recursive through the
 * data. Renders strict and non-strict, with and without partials, and
 * checks the documented contract: on failure the output is untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "fuzz.h"
#include "base/tmpl.h"

#define FUZZ_OUT_MAX (256u << 10)

struct world {
	struct tmpl_val *data;
	struct tmpl_val *partials;
};

/* Every list with more than one item holds maps that shadow the names of
 * all multi-item lists with false, so nested sections cannot reach a list
 * again from inside its own items: rendering stays polynomial in the
 * template (Mustache itself would allow 2^depth work, and templates are
 * the organiser's, not untrusted input). */
static void
shadow(struct tmpl_val *m)
{
	tmpl_map_set_bool(m, "people", 0);
	tmpl_map_set_bool(m, "tree", 0);
}

static void
add_tree(struct tmpl_val *m, int depth)
{
	struct tmpl_val *kids;

	tmpl_map_set_str(m, "name", depth ? "child" : "leaf");
	kids = tmpl_map_set_list(m, "kids");
	for (int i = 0; depth && i < 2; i++) {
		struct tmpl_val *k = tmpl_list_add_map(kids);

		shadow(k);
		add_tree(k, depth - 1);
	}
}

static struct tmpl_val *
make_data(void)
{
	struct tmpl_val *d = tmpl_map_new(), *l, *m;

	tmpl_map_set_str(d, "name", "Jana <b>&\"'</b> Nováková");
	tmpl_map_set_str(d, "empty", "");
	tmpl_map_set_str(d, "tag", "{{name}}");
	tmpl_map_set_num(d, "n", 85);
	tmpl_map_set_num(d, "half", 1.5);
	tmpl_map_set_num(d, "neg", -1e300);
	tmpl_map_set_bool(d, "yes", 1);
	tmpl_map_set_bool(d, "no", 0);
	tmpl_map_set_null(d, "nil");
	tmpl_map_set_list(d, "none");
	tmpl_list_add_str(tmpl_map_set_list(d, "list"), "б");
	l = tmpl_map_set_list(d, "people");
	for (int i = 0; i < 3; i++) {
		m = tmpl_list_add_map(l);
		shadow(m);
		tmpl_map_set_str(m, "name", i ? "Petr" : "Мария");
		tmpl_map_set_num(m, "n", i);
	}
	tmpl_list_add_list(tmpl_map_set_list(d, "nested"));
	m = tmpl_map_set_map(tmpl_map_set_map(d, "a"), "b");
	tmpl_map_set_str(m, "c", "deep");
	add_tree(tmpl_map_set_map(d, "tree"), 3);
	return d;
}

static struct tmpl_val *
make_partials(void)
{
	struct tmpl_val *p = tmpl_map_new();

	tmpl_map_set_str(p, "p", "Hello {{name}}!\n");
	tmpl_map_set_str(p, "rec", "{{name}}{{#kids}}[{{>rec}}]{{/kids}}");
	tmpl_map_set_str(p, "bad", "{{#open}}");
	tmpl_map_set_str(p, "indent", "  {{{tag}}}\n  {{n}}\n");
	tmpl_map_set_str(p, "delim", "{{=<% %>=}}<% name %>");
	return p;
}

static struct world *
world(void)
{
	static struct world w;	/* libFuzzer gives no context pointer:
				 * built once, read-only afterwards */

	if (w.data == NULL) {
		w.data = make_data();
		w.partials = make_partials();
	}
	return &w;
}

static void
render(const char *tpl, const struct world *w, int strict, int with_p)
{
	struct tmpl_partials p = { tmpl_partial_from_map, w->partials };
	struct buf out;
	struct err e;

	buf_init(&out, FUZZ_OUT_MAX);
	buf_adds(&out, "prefix");
	if (tmpl_render(tpl, w->data, with_p ? &p : NULL, strict, &out,
			&e) < 0) {
		fuzz_touch(e.msg);
		if (out.len != 6 || memcmp(out.data, "prefix", 7) != 0)
			abort();	/* failure must leave out as it was */
	} else {
		fuzz_touch(buf_cstr(&out));
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct world *w = world();
	char *tpl = fuzz_cstr(data, size);
	struct err e;
	int syntax_ok = tmpl_check(tpl, &e) == 0;

	if (!syntax_ok)
		fuzz_touch(e.msg);
	render(tpl, w, 0, 0);
	render(tpl, w, 1, 1);
	render(tpl, w, 0, 1);
	free(tpl);
	return 0;
}
