/*
 * tmpl.c -- Mustache rendering; see tmpl.h. Pure: no files, no store.
 *
 * A template is parsed into a small tree (text, variable, section,
 * partial) with the standalone-line rules applied at parse time, then the
 * tree is rendered against a stack of contexts. Partials are parsed when
 * they are included, after their standalone indentation is applied to
 * the partial's text, as the spec asks.
 *
 * A compiled template (tmpl_compile) keeps its tree, and the trees of the
 * partials it included, keyed by name and indentation and checked
 * against the partial's text each time: the send path renders the same
 * templates for every recipient, and parsing them again each time cost
 * more than rendering them.
 */
#include "base/tmpl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

#define TMPL_MAX_NEST 64	/* sections inside sections */
#define TMPL_MAX_DELIM 15	/* bytes of a custom delimiter */

/* ---- values ---------------------------------------------------------- */

struct tmpl_val {
	enum tmpl_type type;
	int b;
	double num;
	char *str;
	char **keys;		/* TMPL_MAP: keys[i] -> items[i] */
	struct tmpl_val **items;/* TMPL_MAP and TMPL_LIST */
	size_t n, cap;
};

static struct tmpl_val *
val_new(enum tmpl_type t)
{
	struct tmpl_val *v = xcalloc(1, sizeof(*v));

	v->type = t;
	return v;
}

struct tmpl_val *tmpl_map_new(void) { return val_new(TMPL_MAP); }
struct tmpl_val *tmpl_list_new(void) { return val_new(TMPL_LIST); }
struct tmpl_val *tmpl_null_new(void) { return val_new(TMPL_NULL); }

struct tmpl_val *
tmpl_str_new(const char *s)
{
	struct tmpl_val *v = val_new(TMPL_STR);

	v->str = xstrdup(s ? s : "");
	return v;
}

struct tmpl_val *
tmpl_num_new(double d)
{
	struct tmpl_val *v = val_new(TMPL_NUM);

	v->num = d;
	return v;
}

struct tmpl_val *
tmpl_bool_new(int b)
{
	struct tmpl_val *v = val_new(TMPL_BOOL);

	v->b = b != 0;
	return v;
}

void
tmpl_val_free(struct tmpl_val **vp)
{
	struct tmpl_val *v;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		tmpl_val_free(&v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
	free(v);
	*vp = NULL;
}

enum tmpl_type
tmpl_val_type(const struct tmpl_val *v)
{
	return v ? v->type : TMPL_NULL;
}

/* Room for one more item (and key, for maps). */
static void
val_reserve(struct tmpl_val *v)
{
	if (v->n < v->cap)
		return;
	v->cap = v->cap ? v->cap * 2 : 8;
	v->items = xreallocarray(v->items, v->cap, sizeof(*v->items));
	if (v->type == TMPL_MAP)
		v->keys = xreallocarray(v->keys, v->cap, sizeof(*v->keys));
}

static void
must_be(const struct tmpl_val *v, enum tmpl_type t)
{
	/* Building a tree with the wrong shape is a programmer error. */
	if (v == NULL || v->type != t)
		abort();
}

void
tmpl_map_put(struct tmpl_val *m, const char *key, struct tmpl_val *v)
{
	must_be(m, TMPL_MAP);
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->keys[i], key) == 0) {
			tmpl_val_free(&m->items[i]);
			m->items[i] = v;
			return;
		}
	}
	val_reserve(m);
	m->keys[m->n] = xstrdup(key);
	m->items[m->n++] = v;
}

/* The value under the first len bytes of key in map m, or NULL. */
static const struct tmpl_val *
map_find(const struct tmpl_val *m, const char *key, size_t len)
{
	if (m == NULL || m->type != TMPL_MAP)
		return NULL;
	for (size_t k = 0; k < m->n; k++)
		if (strncmp(m->keys[k], key, len) == 0 &&
		    m->keys[k][len] == '\0')
			return m->items[k];
	return NULL;
}

const struct tmpl_val *
tmpl_map_get(const struct tmpl_val *m, const char *key)
{
	return map_find(m, key, strlen(key));
}

size_t
tmpl_list_len(const struct tmpl_val *l)
{
	return l && l->type == TMPL_LIST ? l->n : 0;
}

const struct tmpl_val *
tmpl_list_get(const struct tmpl_val *l, size_t i)
{
	return i < tmpl_list_len(l) ? l->items[i] : NULL;
}

const char *
tmpl_val_str(const struct tmpl_val *v)
{
	return v && v->type == TMPL_STR ? v->str : NULL;
}

void
tmpl_map_set_str(struct tmpl_val *m, const char *key, const char *s)
{
	tmpl_map_put(m, key, tmpl_str_new(s));
}

void
tmpl_map_set_num(struct tmpl_val *m, const char *key, double d)
{
	tmpl_map_put(m, key, tmpl_num_new(d));
}

void
tmpl_map_set_bool(struct tmpl_val *m, const char *key, int b)
{
	tmpl_map_put(m, key, tmpl_bool_new(b));
}

void
tmpl_map_set_null(struct tmpl_val *m, const char *key)
{
	tmpl_map_put(m, key, tmpl_null_new());
}

struct tmpl_val *
tmpl_map_set_map(struct tmpl_val *m, const char *key)
{
	struct tmpl_val *c = tmpl_map_new();

	tmpl_map_put(m, key, c);
	return c;
}

struct tmpl_val *
tmpl_map_set_list(struct tmpl_val *m, const char *key)
{
	struct tmpl_val *c = tmpl_list_new();

	tmpl_map_put(m, key, c);
	return c;
}

void
tmpl_list_push(struct tmpl_val *l, struct tmpl_val *v)
{
	must_be(l, TMPL_LIST);
	val_reserve(l);
	l->items[l->n++] = v;
}

void
tmpl_list_add_str(struct tmpl_val *l, const char *s)
{
	tmpl_list_push(l, tmpl_str_new(s));
}

struct tmpl_val *
tmpl_list_add_map(struct tmpl_val *l)
{
	struct tmpl_val *c = tmpl_map_new();

	tmpl_list_push(l, c);
	return c;
}

struct tmpl_val *
tmpl_list_add_list(struct tmpl_val *l)
{
	struct tmpl_val *c = tmpl_list_new();

	tmpl_list_push(l, c);
	return c;
}

const char *
tmpl_partial_from_map(void *arg, const char *name)
{
	return tmpl_val_str(tmpl_map_get(arg, name));
}

/* ---- parse tree ------------------------------------------------------ */

enum node_kind {
	N_TEXT,		/* literal bytes s[0..len) */
	N_VAR,		/* {{x}} (escape) or {{{x}}} / {{&x}} */
	N_SECTION,	/* {{#x}} ... {{/x}}, or the root */
	N_INVERTED,	/* {{^x}} ... {{/x}} */
	N_PARTIAL,	/* {{>x}}, indent when standalone */
};

struct node {
	enum node_kind kind;
	const char *s;		/* N_TEXT: borrowed from the template */
	size_t len;
	char *name;		/* owned; NULL for text and root */
	char *indent;		/* N_PARTIAL: owned, "" when none */
	int escape;
	int line;
	struct node *kids;	/* sections: children in order */
	size_t nkids, capkids;
};

static struct node *
node_add(struct node *parent, enum node_kind kind, int line)
{
	struct node *n;

	if (parent->nkids == parent->capkids) {
		parent->capkids = parent->capkids ? parent->capkids * 2 : 8;
		parent->kids = xreallocarray(parent->kids, parent->capkids,
		    sizeof(*parent->kids));
	}
	n = &parent->kids[parent->nkids++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = line;
	return n;
}

static void
node_clear(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		node_clear(&n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->indent);
	memset(n, 0, sizeof(*n));
}

struct parser {
	const char *tpl;
	size_t pos;		/* next byte to scan */
	int line;		/* line number at counted */
	size_t counted;		/* newlines counted up to here */
	char otag[TMPL_MAX_DELIM + 1], ctag[TMPL_MAX_DELIM + 1];
	size_t olen, clen;
	struct node *open[TMPL_MAX_NEST + 1];	/* open[0] is the root */
	int depth;
	struct err *e;
};

static int
line_at(struct parser *ps, size_t at)
{
	for (; ps->counted < at; ps->counted++)
		if (ps->tpl[ps->counted] == '\n')
			ps->line++;
	return ps->line;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Tags that vanish with their line when alone on it. */
static int
may_stand_alone(char type)
{
	return type && strchr("#^/!>=", type) != NULL;
}

/*
 * If the tag [start, end) is alone on its line, return 1 with *ls the
 * start of the line's indentation and *next just past the line end.
 */
static int
standalone(const struct parser *ps, size_t start, size_t end, size_t *ls,
    size_t *next)
{
	const char *t = ps->tpl;
	size_t i = start;

	while (i > ps->pos && is_blank(t[i - 1]))
		i--;
	if (i > 0 && t[i - 1] != '\n')
		return 0;	/* text or another tag before it */
	*ls = i;
	for (i = end; is_blank(t[i]); i++)
		;
	if (t[i] == '\r' && t[i + 1] == '\n')
		i += 2;
	else if (t[i] == '\n')
		i++;
	else if (t[i] != '\0')
		return 0;
	*next = i;
	return 1;
}

static char *
trimmed(const char *s, size_t n)
{
	while (n && (is_blank(*s) || *s == '\n' || *s == '\r'))
		s++, n--;
	while (n && (is_blank(s[n - 1]) || s[n - 1] == '\n' ||
	    s[n - 1] == '\r'))
		n--;
	return xstrndup(s, n);
}

/* "{{=<% %>=}}": body is "<% %>" between the two '='. */
static int
set_delims(struct parser *ps, const char *body, size_t n, int line)
{
	char *d = xstrndup(body, n);
	char *o = d, *c, *end;
	size_t ol, cl;
	int rc = -1;

	while (is_blank(*o))
		o++;
	for (end = o; *end && !is_blank(*end); end++)
		;
	ol = (size_t)(end - o);
	for (c = end; is_blank(*c); c++)
		;
	for (end = c; *end && !is_blank(*end); end++)
		;
	cl = (size_t)(end - c);
	while (is_blank(*end))
		end++;
	if (ol == 0 || cl == 0 || *end != '\0' || ol > TMPL_MAX_DELIM ||
	    cl > TMPL_MAX_DELIM || memchr(o, '=', ol) || memchr(c, '=', cl)) {
		err_set(ps->e, "line %d: bad delimiter change", line);
		goto out;
	}
	memcpy(ps->otag, o, ol);
	ps->otag[ol] = '\0';
	ps->olen = ol;
	memcpy(ps->ctag, c, cl);
	ps->ctag[cl] = '\0';
	ps->clen = cl;
	rc = 0;
out:
	free(d);
	return rc;
}

static void
add_text(struct parser *ps, size_t from, size_t to)
{
	struct node *n;

	if (to <= from)
		return;
	n = node_add(ps->open[ps->depth], N_TEXT, 0);
	n->s = ps->tpl + from;
	n->len = to - from;
}

static int
open_section(struct parser *ps, enum node_kind kind, char *name, int line)
{
	struct node *n;

	if (ps->depth == TMPL_MAX_NEST) {
		err_set(ps->e, "line %d: sections nested deeper than %d",
		    line, TMPL_MAX_NEST);
		free(name);
		return -1;
	}
	n = node_add(ps->open[ps->depth], kind, line);
	n->name = name;
	ps->open[++ps->depth] = n;
	return 0;
}

static int
close_section(struct parser *ps, char *name, int line)
{
	int rc = 0;

	if (ps->depth == 0) {
		err_set(ps->e, "line %d: '/%s' closes no section", line,
		    name);
		rc = -1;
	} else if (strcmp(ps->open[ps->depth]->name, name) != 0) {
		err_set(ps->e, "line %d: '/%s' closes section '%s' of line %d",
		    line, name, ps->open[ps->depth]->name,
		    ps->open[ps->depth]->line);
		rc = -1;
	} else
		ps->depth--;
	free(name);
	return rc;
}

/* Turn one tag into a node. body is what lies between sigil and ctag. */
static int
add_tag(struct parser *ps, char type, const char *body, size_t n, int line,
    const char *indent, size_t ilen)
{
	struct node *nd;
	char *name;

	if (type == '!')
		return 0;
	if (type == '=')
		return set_delims(ps, body, n, line);
	name = trimmed(body, n);
	if (*name == '\0') {
		free(name);
		err_set(ps->e, "line %d: empty tag", line);
		return -1;
	}
	switch (type) {
	case '#':
		return open_section(ps, N_SECTION, name, line);
	case '^':
		return open_section(ps, N_INVERTED, name, line);
	case '/':
		return close_section(ps, name, line);
	case '>':
		nd = node_add(ps->open[ps->depth], N_PARTIAL, line);
		nd->indent = xstrndup(indent, ilen);
		break;
	default:
		nd = node_add(ps->open[ps->depth], N_VAR, line);
		nd->escape = type == 0;
		break;
	}
	nd->name = name;
	return 0;
}

/*
 * Parse one tag starting at start (the opening delimiter). On success the
 * scan position moves past the tag, or past its whole line when the tag
 * stands alone.
 */
static int
parse_tag(struct parser *ps, size_t start)
{
	const char *t = ps->tpl, *body, *close;
	size_t after = start + ps->olen, end, ls = 0, next = 0;
	int line = line_at(ps, start);
	char type = t[after];
	char closer[TMPL_MAX_DELIM + 2];

	if (type && strchr("#^/>{&!=", type))
		after++;
	else
		type = 0;
	/* {{{x}}} and {{=a b=}} end with their sigil before the ctag. */
	snprintf(closer, sizeof(closer), "%s%s",
	    type == '{' ? "}" : type == '=' ? "=" : "", ps->ctag);
	body = t + after;
	if ((close = strstr(body, closer)) == NULL) {
		err_set(ps->e, "line %d: unclosed tag '%.*s'", line,
		    (int)(ps->olen + 10), t + start);
		return -1;
	}
	end = (size_t)(close - t) + strlen(closer);
	if (may_stand_alone(type) && standalone(ps, start, end, &ls, &next)) {
		add_text(ps, ps->pos, ls);
		ps->pos = next;
	} else {
		add_text(ps, ps->pos, start);
		ps->pos = end;
		ls = start;
	}
	return add_tag(ps, type == '{' ? '&' : type, body,
	    (size_t)(close - body), line, t + ls, start - ls);
}

/* Parse tpl into root; on error root is cleared and e says why. */
static int
parse(const char *tpl, struct node *root, struct err *e)
{
	struct parser ps;
	const char *hit;

	memset(&ps, 0, sizeof(ps));
	memset(root, 0, sizeof(*root));
	root->kind = N_SECTION;
	ps.tpl = tpl;
	ps.line = 1;
	ps.e = e;
	memcpy(ps.otag, "{{", 3);
	memcpy(ps.ctag, "}}", 3);
	ps.olen = ps.clen = 2;
	ps.open[0] = root;
	while ((hit = strstr(tpl + ps.pos, ps.otag)) != NULL) {
		if (parse_tag(&ps, (size_t)(hit - tpl)) < 0)
			goto fail;
	}
	add_text(&ps, ps.pos, strlen(tpl));
	if (ps.depth > 0) {
		err_set(e, "line %d: section '%s' is not closed",
		    ps.open[ps.depth]->line, ps.open[ps.depth]->name);
		goto fail;
	}
	return 0;
fail:
	node_clear(root);
	return -1;
}

int
tmpl_check(const char *tpl, struct err *e)
{
	struct node root;

	if (parse(tpl, &root, e) < 0)
		return -1;
	node_clear(&root);
	return 0;
}

/* ---- compiled templates ---------------------------------------------- */

/* One partial as it was parsed: the tree borrows from src. */
struct pcache {
	char *name;
	char *indent;
	char *text;		/* the text the lookup gave */
	char *src;		/* text with indent applied: what was parsed */
	struct node root;
	int busy;		/* rendering further up the stack */
};

struct tmpl {
	char *src;		/* the template's own copy */
	struct node root;
	struct pcache *pc;
	size_t npc, cap;
	const struct tmpl_val **ctx;	/* the context stack, reused */
	size_t nctx;
};

int
tmpl_compile(const char *tpl, struct tmpl **t_r, struct err *e)
{
	struct tmpl *t = xcalloc(1, sizeof(*t));

	t->src = xstrdup(tpl);
	if (parse(t->src, &t->root, e) < 0) {
		free(t->src);
		free(t);
		return -1;
	}
	*t_r = t;
	return 0;
}

static void
pcache_clear(struct pcache *c)
{
	node_clear(&c->root);
	free(c->name);
	free(c->indent);
	free(c->text);
	free(c->src);
}

void
tmpl_free(struct tmpl **tp)
{
	struct tmpl *t;

	if (tp == NULL || (t = *tp) == NULL)
		return;
	for (size_t i = 0; i < t->npc; i++)
		pcache_clear(&t->pc[i]);
	free(t->pc);
	node_clear(&t->root);
	free(t->src);
	free(t->ctx);
	free(t);
	*tp = NULL;
}

/* ---- rendering ------------------------------------------------------- */

struct render {
	struct tmpl *t;			/* compiled: partial trees kept */
	const struct tmpl_partials *p;
	int strict;
	int raw;			/* TMPL_RAW: no escaping at all */
	struct buf *out;
	struct err *e;
	const struct tmpl_val **ctx;	/* context stack, top = ctx[n-1] */
	size_t n, cap;
	int pdepth;			/* partials being rendered */
};

static void
ctx_push(struct render *r, const struct tmpl_val *v)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->ctx = xreallocarray(r->ctx, r->cap, sizeof(*r->ctx));
	}
	r->ctx[r->n++] = v;
}

/*
 * Resolve a (dotted) name: the first segment is searched from the top of
 * the context stack down; the rest only inside what it found, so a broken
 * chain is "missing" rather than found further down (spec). Returns 1
 * when found (*v may still be a TMPL_NULL), 0 when missing.
 */
static int
lookup(const struct render *r, const char *name, const struct tmpl_val **v)
{
	const struct tmpl_val *cur = NULL;
	const char *seg = name, *dot = strchr(name, '.');
	size_t len = dot ? (size_t)(dot - seg) : strlen(seg);

	if (strcmp(name, ".") == 0) {
		*v = r->ctx[r->n - 1];
		return *v != NULL;
	}
	for (size_t i = r->n; i > 0 && cur == NULL; i--)
		cur = map_find(r->ctx[i - 1], seg, len);
	while (cur && dot) {
		seg = dot + 1;
		dot = strchr(seg, '.');
		len = dot ? (size_t)(dot - seg) : strlen(seg);
		cur = map_find(cur, seg, len);
	}
	*v = cur;
	return cur != NULL;
}

static int
truthy(const struct tmpl_val *v)
{
	switch (v ? v->type : TMPL_NULL) {
	case TMPL_NULL:
		return 0;
	case TMPL_BOOL:
		return v->b;
	case TMPL_STR:
		return v->str[0] != '\0';
	case TMPL_LIST:
		return v->n > 0;
	default:
		return 1;
	}
}

static int
out_add(struct render *r, const char *s, size_t n)
{
	if (buf_add(r->out, s, n) == 0)
		return 0;
	err_set(r->e, "output exceeds %zu bytes", r->out->max);
	return -1;
}

static int
out_escaped(struct render *r, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if (out_add(r, run, (size_t)(s - run)) < 0 ||
		    out_add(r, rep, strlen(rep)) < 0)
			return -1;
		run = s + 1;
	}
	return out_add(r, run, (size_t)(s - run));
}

/* Shortest text that reads back as the same double: 1.21, not 1.2100...1 */
static void
format_num(double d, char *s, size_t n)
{
	snprintf(s, n, "%.15g", d);
	if (strtod(s, NULL) != d)
		snprintf(s, n, "%.17g", d);
}

static int
render_var(struct render *r, const struct node *nd)
{
	const struct tmpl_val *v;
	char num[40];
	const char *s;

	if (!lookup(r, nd->name, &v)) {
		if (!r->strict)
			return 0;
		err_set(r->e, "line %d: unknown variable '%s'", nd->line,
		    nd->name);
		return -1;
	}
	switch (v->type) {
	case TMPL_STR:
		s = v->str;
		break;
	case TMPL_NUM:
		format_num(v->num, num, sizeof(num));
		s = num;
		break;
	case TMPL_BOOL:
		s = v->b ? "true" : "false";
		break;
	case TMPL_NULL:
		return 0;
	default:
		if (!r->strict)
			return 0;
		err_set(r->e, "line %d: '%s' is a %s, not a value", nd->line,
		    nd->name, v->type == TMPL_LIST ? "list" : "map");
		return -1;
	}
	return nd->escape && !r->raw ? out_escaped(r, s) :
	    out_add(r, s, strlen(s));
}

static int render_nodes(struct render *, const struct node *);

static int
render_section(struct render *r, const struct node *nd)
{
	const struct tmpl_val *v;
	int found = lookup(r, nd->name, &v), rc = 0;

	if (!found && r->strict) {
		err_set(r->e, "line %d: unknown section '%s'", nd->line,
		    nd->name);
		return -1;
	}
	if (nd->kind == N_INVERTED)
		return truthy(v) ? 0 : render_nodes(r, nd);
	if (!truthy(v))
		return 0;
	if (v->type != TMPL_LIST) {
		ctx_push(r, v);
		rc = render_nodes(r, nd);
		r->n--;
		return rc;
	}
	for (size_t i = 0; i < v->n && rc == 0; i++) {
		ctx_push(r, v->items[i]);
		rc = render_nodes(r, nd);
		r->n--;
	}
	return rc;
}

/* The partial's text with indent put before every line that has text. */
static char *
indent_text(const char *text, const char *indent)
{
	struct buf b;

	buf_init(&b, 0);
	for (const char *s = text; *s; ) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);

		buf_adds(&b, indent);
		buf_add(&b, s, n);
		s += n;
	}
	return buf_steal(&b);
}

static void partial_error(struct render *r, const struct node *nd);

/*
 * The partial of nd, whose text is text, from the compiled template's
 * cache: parsed the first time, and again when the lookup gives another
 * text. A tree is rendered from a copy of its root: a nested partial may
 * move the array. An entry rendering further up (a lookup that gives
 * another text for the same name inside itself) is left alone and the
 * partial parsed for this once.
 */
static int
render_cached(struct render *r, const struct node *nd, const char *text)
{
	struct tmpl *t = r->t;
	struct pcache *c;
	struct node root;
	char *src;
	size_t i;
	int rc;

	for (i = 0; i < t->npc; i++)
		if (strcmp(t->pc[i].name, nd->name) == 0 &&
		    strcmp(t->pc[i].indent, nd->indent) == 0)
			break;
	if (i == t->npc || strcmp(t->pc[i].text, text) != 0) {
		src = nd->indent[0] ? indent_text(text, nd->indent) :
		    xstrdup(text);
		if (parse(src, &root, r->e) < 0) {
			free(src);
			partial_error(r, nd);
			return -1;
		}
		if (i < t->npc && t->pc[i].busy) {
			r->pdepth++;
			rc = render_nodes(r, &root);
			r->pdepth--;
			node_clear(&root);
			free(src);
			if (rc < 0)
				partial_error(r, nd);
			return rc;
		}
		if (i == t->npc) {
			if (t->npc == t->cap) {
				t->cap = t->cap ? t->cap * 2 : 4;
				t->pc = xreallocarray(t->pc, t->cap,
				    sizeof(*t->pc));
			}
			c = &t->pc[t->npc++];
			memset(c, 0, sizeof(*c));
			c->name = xstrdup(nd->name);
			c->indent = xstrdup(nd->indent);
		} else {
			c = &t->pc[i];
			node_clear(&c->root);
			free(c->text);
			free(c->src);
		}
		c->text = xstrdup(text);
		c->src = src;
		c->root = root;
	}
	root = t->pc[i].root;
	t->pc[i].busy++;
	r->pdepth++;
	rc = render_nodes(r, &root);
	r->pdepth--;
	t->pc[i].busy--;
	if (rc < 0)
		partial_error(r, nd);
	return rc;
}

static int
render_partial(struct render *r, const struct node *nd)
{
	const char *text = r->p ? r->p->lookup(r->p->arg, nd->name) : NULL;
	char *own = NULL;
	struct node root;
	int rc;

	if (text == NULL) {
		if (!r->strict)
			return 0;
		err_set(r->e, "line %d: unknown partial '%s'", nd->line,
		    nd->name);
		return -1;
	}
	if (r->pdepth >= TMPL_MAX_DEPTH) {
		err_set(r->e, "line %d: partials nested deeper than %d",
		    nd->line, TMPL_MAX_DEPTH);
		return -1;
	}
	if (r->t != NULL)
		return render_cached(r, nd, text);
	if (nd->indent[0])
		text = own = indent_text(text, nd->indent);
	rc = parse(text, &root, r->e);
	if (rc == 0) {
		r->pdepth++;
		rc = render_nodes(r, &root);
		r->pdepth--;
		node_clear(&root);
	}
	free(own);
	if (rc < 0)
		partial_error(r, nd);
	return rc;
}

/* Name only the innermost partial: its line numbers are the ones that
 * mean something, and a deep chain would overflow the err. */
static void
partial_error(struct render *r, const struct node *nd)
{
	if (strncmp(r->e->msg, "partial '", 9) != 0)
		err_prefix(r->e, "partial '%s'", nd->name);
}

static int
render_nodes(struct render *r, const struct node *parent)
{
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): parent is never NULL; the analyzer pairs tmpl_render_compiled's &t->root with render_root's t == NULL */
	for (size_t i = 0; i < parent->nkids; i++) {
		const struct node *nd = &parent->kids[i];
		int rc;

		switch (nd->kind) {
		case N_TEXT:
			rc = out_add(r, nd->s, nd->len);
			break;
		case N_VAR:
			rc = render_var(r, nd);
			break;
		case N_PARTIAL:
			rc = render_partial(r, nd);
			break;
		default:
			rc = render_section(r, nd);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Render root; t, when given, keeps the partials' trees and the
 * context stack for the next call. */
static int
render_root(struct tmpl *t, const struct node *root,
    const struct tmpl_val *data, const struct tmpl_partials *p, int flags,
    struct buf *out, struct err *e)
{
	struct render r;
	size_t keep = out->len;
	int rc;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.p = p;
	r.strict = (flags & TMPL_STRICT) != 0;
	r.raw = (flags & TMPL_RAW) != 0;
	r.out = out;
	r.e = e;
	if (t != NULL) {
		r.ctx = t->ctx;
		r.cap = t->nctx;
	}
	ctx_push(&r, data);
	rc = render_nodes(&r, root);
	if (t != NULL) {
		t->ctx = r.ctx;
		t->nctx = r.cap;
	} else
		free(r.ctx);
	if (rc < 0 && out->data) {
		out->len = keep;
		out->data[keep] = '\0';
	}
	return rc;
}

int
tmpl_render(const char *tpl, const struct tmpl_val *data,
    const struct tmpl_partials *p, int flags, struct buf *out,
    struct err *e)
{
	struct node root;
	int rc;

	if (parse(tpl, &root, e) < 0)
		return -1;
	rc = render_root(NULL, &root, data, p, flags, out, e);
	node_clear(&root);
	return rc;
}

int
tmpl_render_compiled(struct tmpl *t, const struct tmpl_val *data,
    const struct tmpl_partials *p, int flags, struct buf *out,
    struct err *e)
{
	return render_root(t, &t->root, data, p, flags, out, e);
}
