/* jsonmini.c -- see jsonmini.h. A recursive-descent reader, tests only. */
#include "jsonmini.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xmem.h"

#define JSONMINI_DEPTH 64

struct rd {
	const char *s;
	size_t i;
	struct err *e;
	int depth;
};

static struct tmpl_val *value(struct rd *r);

static void
ws(struct rd *r)
{
	while (r->s[r->i] && strchr(" \t\r\n", r->s[r->i]))
		r->i++;
}

static struct tmpl_val *
fail(struct rd *r, const char *why)
{
	err_set(r->e, "offset %zu: %s", r->i, why);
	return NULL;
}

static void
utf8_put(struct buf *b, unsigned long c)
{
	if (c < 0x80)
		buf_addc(b, (char)c);
	else if (c < 0x800) {
		buf_addc(b, (char)(0xc0 | c >> 6));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addc(b, (char)(0xe0 | c >> 12));
		buf_addc(b, (char)(0x80 | (c >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | c >> 18));
		buf_addc(b, (char)(0x80 | (c >> 12 & 0x3f)));
		buf_addc(b, (char)(0x80 | (c >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
}

static int
hex4(struct rd *r, unsigned long *c)
{
	char h[5];
	char *end;

	if (strlen(r->s + r->i) < 4)
		return -1;
	memcpy(h, r->s + r->i, 4);
	h[4] = '\0';
	*c = strtoul(h, &end, 16);
	r->i += 4;
	return *end ? -1 : 0;
}

/* A JSON string at r->i (the opening quote); caller frees. */
static char *
string(struct rd *r)
{
	struct buf b;
	unsigned long c, lo;

	buf_init(&b, 0);
	for (r->i++; r->s[r->i] != '"'; ) {
		char ch = r->s[r->i++];

		if (ch == '\0')
			goto bad;
		if (ch != '\\') {
			buf_addc(&b, ch);
			continue;
		}
		ch = r->s[r->i++];
		switch (ch) {
		case 'n': buf_addc(&b, '\n'); break;
		case 't': buf_addc(&b, '\t'); break;
		case 'r': buf_addc(&b, '\r'); break;
		case 'b': buf_addc(&b, '\b'); break;
		case 'f': buf_addc(&b, '\f'); break;
		case '"': case '\\': case '/': buf_addc(&b, ch); break;
		case 'u':
			if (hex4(r, &c) < 0)
				goto bad;
			if (c >= 0xd800 && c < 0xdc00 && r->s[r->i] == '\\' &&
			    r->s[r->i + 1] == 'u') {
				r->i += 2;
				if (hex4(r, &lo) < 0)
					goto bad;
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			utf8_put(&b, c);
			break;
		default:
			goto bad;
		}
	}
	r->i++;
	return buf_steal(&b);
bad:
	buf_free(&b);
	fail(r, "bad string");
	return NULL;
}

static struct tmpl_val *
container(struct rd *r, int is_map)
{
	struct tmpl_val *v = is_map ? tmpl_map_new() : tmpl_list_new();
	char close = is_map ? '}' : ']';

	if (++r->depth > JSONMINI_DEPTH)
		goto bad;
	r->i++;
	ws(r);
	if (r->s[r->i] == close) {
		r->i++;
		r->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct tmpl_val *item;

		ws(r);
		if (is_map) {
			if (r->s[r->i] != '"' || (key = string(r)) == NULL)
				goto bad;
			ws(r);
			if (r->s[r->i++] != ':') {
				free(key);
				goto bad;
			}
		}
		if ((item = value(r)) == NULL) {
			free(key);
			goto bad;
		}
		if (is_map)
			tmpl_map_put(v, key, item);
		else
			tmpl_list_push(v, item);
		free(key);
		ws(r);
		if (r->s[r->i] == close)
			break;
		if (r->s[r->i++] != ',')
			goto bad;
	}
	r->i++;
	r->depth--;
	return v;
bad:
	tmpl_val_free(&v);
	return fail(r, is_map ? "bad object" : "bad array");
}

static struct tmpl_val *
value(struct rd *r)
{
	const char *p;
	char *end, *s;
	double d;

	ws(r);
	p = r->s + r->i;
	switch (*p) {
	case '{':
	case '[':
		return container(r, *p == '{');
	case '"':
		if ((s = string(r)) == NULL)
			return NULL;
		struct tmpl_val *v = tmpl_str_new(s);
		free(s);
		return v;
	}
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
		r->i += *p == 't' ? 4 : 5;
		return tmpl_bool_new(*p == 't');
	}
	if (strncmp(p, "null", 4) == 0) {
		r->i += 4;
		return tmpl_null_new();
	}
	d = strtod(p, &end);
	if (end == p)
		return fail(r, "unexpected character");
	r->i += (size_t)(end - p);
	return tmpl_num_new(d);
}

struct tmpl_val *
jsonmini_parse(const char *text, struct err *e)
{
	struct rd r = { text, 0, e, 0 };
	struct tmpl_val *v = value(&r);

	if (v == NULL)
		return NULL;
	ws(&r);
	if (r.s[r.i] != '\0') {
		tmpl_val_free(&v);
		return fail(&r, "trailing bytes");
	}
	return v;
}
