/*
 * tmpl.h -- Mustache rendering of a template and a caller-built value tree
 * into UTF-8 text; never reads files, the store or the network (partials
 * come through a caller's lookup function).
 *
 * Use:     v = tmpl_map_new(); tmpl_map_set_str(v, "name", "Jana"); ...
 *          tmpl_render(tpl, v, &partials_or_NULL, TMPL_STRICT [| TMPL_RAW],
 *                      &out, &e)
 *          tmpl_check(tpl, &e)            syntax only (sections, tags)
 *          tmpl_val_free(&v)
 *          tmpl_compile(tpl, &t, &e) once, then
 *          tmpl_render_compiled(t, v, &partials_or_NULL, flags, &out, &e)
 *          for each recipient; tmpl_free(&t)
 * Owns:    a struct tmpl_val owns its whole subtree: keys, strings and
 *          children. Pointers returned by tmpl_map_set_map/_list and
 *          tmpl_list_add_map/_list are borrowed: they live as long as
 *          the root and are freed with it. tmpl_map_put/tmpl_list_push
 *          take ownership of the value given. Templates and partial
 *          texts are borrowed for the duration of one call; a struct
 *          tmpl keeps a copy of its template and of each partial text
 *          it has parsed.
 * Errors:  tmpl_render/tmpl_check return 0, or -1 with e = "line N: why"
 *          (inside a partial: "partial 'p': line N: why",
 *          naming the innermost partial); on failure
 *          the output buffer is left exactly as it was. Errors: unclosed
 *          or mismatched section, unclosed tag, bad delimiter, partial
 *          nesting deeper than TMPL_MAX_DEPTH, output over out->max, and
 *          in strict mode: "line 4: unknown variable 'deadline'", a
 *          section on a missing key, a missing partial.
 * Events:  none (pure).
 * Config:  none.       Spec: Mustache spec v1.x (interpolation, sections,
 *          inverted, comments, partials, delimiters); lambdas, dynamic
 *          names and inheritance are not supported.
 * Tests:   tests/unit/test_tmpl.c, tests/data/mustache/ (the spec JSON)
 */
#ifndef ANKETA_TMPL_H
#define ANKETA_TMPL_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* Partial nesting limit: recursion through data is legal Mustache. */
#define TMPL_MAX_DEPTH 64

/* tmpl_render flags; 1 is plain strict, 0 the spec behaviour. */
#define TMPL_STRICT 1	/* missing names are errors */
#define TMPL_RAW 2	/* {{x}} is not HTML-escaped either: for text/plain
			 * bodies and Subject lines, where "&amp;" is wrong */

enum tmpl_type {
	TMPL_NULL,
	TMPL_BOOL,
	TMPL_NUM,
	TMPL_STR,
	TMPL_LIST,
	TMPL_MAP,
};

struct tmpl_val;

/* Partials: lookup returns the partial's template text, or NULL when
 * there is none (non-strict: renders empty; strict: an error). */
struct tmpl_partials {
	const char *(*lookup)(void *arg, const char *name);
	void *arg;
};

/* Constructors: a new, unattached value; free with tmpl_val_free. */
struct tmpl_val *tmpl_map_new(void);
struct tmpl_val *tmpl_list_new(void);
struct tmpl_val *tmpl_str_new(const char *s);	/* copies s */
struct tmpl_val *tmpl_num_new(double d);	/* 85 -> "85", 1.5 -> "1.5" */
struct tmpl_val *tmpl_bool_new(int b);
struct tmpl_val *tmpl_null_new(void);
void tmpl_val_free(struct tmpl_val **v);

/* Maps: setting an existing key replaces its value. The map must be a
 * TMPL_MAP (programmer error otherwise: abort). */
void tmpl_map_put(struct tmpl_val *m, const char *key, struct tmpl_val *v);
void tmpl_map_set_str(struct tmpl_val *m, const char *key, const char *s);
void tmpl_map_set_num(struct tmpl_val *m, const char *key, double d);
void tmpl_map_set_bool(struct tmpl_val *m, const char *key, int b);
void tmpl_map_set_null(struct tmpl_val *m, const char *key);
struct tmpl_val *tmpl_map_set_map(struct tmpl_val *m, const char *key);
struct tmpl_val *tmpl_map_set_list(struct tmpl_val *m, const char *key);
/* The value under key, or NULL; borrowed. */
const struct tmpl_val *tmpl_map_get(const struct tmpl_val *m,
    const char *key);

/* Lists keep insertion order. */
void tmpl_list_push(struct tmpl_val *l, struct tmpl_val *v);
void tmpl_list_add_str(struct tmpl_val *l, const char *s);
struct tmpl_val *tmpl_list_add_map(struct tmpl_val *l);
struct tmpl_val *tmpl_list_add_list(struct tmpl_val *l);

/* Readers (borrowed results): number of items and item i (NULL past the
 * end or when l is not a list); the text of a TMPL_STR, else NULL. */
size_t tmpl_list_len(const struct tmpl_val *l);
const struct tmpl_val *tmpl_list_get(const struct tmpl_val *l, size_t i);
const char *tmpl_val_str(const struct tmpl_val *v);
enum tmpl_type tmpl_val_type(const struct tmpl_val *v);

/* A ready-made lookup: arg is a TMPL_MAP of name -> TMPL_STR template. */
const char *tmpl_partial_from_map(void *arg, const char *name);

/*
 * Render tpl with data as the root context and append the UTF-8 result to
 * out. {{x}} is HTML-escaped (& < > " ') unless TMPL_RAW is given;
 * {{{x}}} and {{&x}} are always raw.
 * TMPL_STRICT (1): every variable, section key and partial the template
 * uses must exist (a section key present as false, null or [] is fine).
 * Without it: missing names render empty, as the Mustache spec wants.
 * p may be NULL (no partials). Returns 0, or -1 with e set and out
 * unchanged.
 */
int tmpl_render(const char *tpl, const struct tmpl_val *data,
    const struct tmpl_partials *p, int flags, struct buf *out,
    struct err *e);

/*
 * A template parsed once for many renders (the send path renders the same
 * templates for every recipient). tmpl_compile copies tpl and fails as
 * tmpl_check does. tmpl_render_compiled renders as tmpl_render would
 * render the same text, with the same errors; the partials it includes
 * are parsed once too, keyed by name and indentation, and parsed again
 * when the lookup gives a different text. t is not const: it keeps those
 * trees. tmpl_free accepts NULL and clears *t.
 */
struct tmpl;
int tmpl_compile(const char *tpl, struct tmpl **t_r, struct err *e);
int tmpl_render_compiled(struct tmpl *t, const struct tmpl_val *data,
    const struct tmpl_partials *p, int flags, struct buf *out,
    struct err *e);
void tmpl_free(struct tmpl **t);

/* Syntax check only: tags closed, sections balanced, delimiters valid.
 * Returns 0, or -1 with e = "line N: why". */
int tmpl_check(const char *tpl, struct err *e);

#endif
