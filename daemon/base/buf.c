/* buf.c -- see buf.h. */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

static int
buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (b->max && need > b->max + 1)
		return -1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	/* never past the cap: buf_add's fast path relies on it */
	if (b->max && cap > b->max + 1)
		cap = b->max + 1;
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	/* the common case, room already there, without a call */
	if (b->len + n + 1 > b->cap && buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap && buf_grow(b, 1) < 0)
		return -1;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list ap;
	int n;

	/* format in place when it fits (the usual case: one pass, not
	 * two); the room ends at the cap, which never passes max + 1 */
	va_start(ap, fmt);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		b->len += (size_t)n;
		return 0;
	}
	if (b->data)
		b->data[b->len] = '\0';	/* a cut-off attempt is undone */
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
buf_cstr(struct buf *b)
{
	if (b->data == NULL && buf_grow(b, 0) == 0)
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): data is NULL only while cap is 0, so buf_grow allocated */
		b->data[0] = '\0';
	return b->data ? b->data : "";
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *
buf_steal(struct buf *b)
{
	char *p;

	buf_cstr(b);
	p = b->data;
	buf_init(b, b->max);
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}
