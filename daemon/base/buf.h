/*
 * buf.h -- a growable byte buffer with a hard cap; always NUL-terminated.
 *
 * Use:     buf_init(&b, max) ... buf_add / buf_adds / buf_printf ...
 *          buf_cstr(&b), buf_reset(&b), buf_free(&b)
 * Owns:    the buffer owns b.data; buf_free releases it. buf_steal hands
 *          the bytes to the caller (free()) and leaves the buffer empty.
 * Errors:  appending past max returns -1 and leaves the content unchanged;
 *          max 0 means "no cap" (only for trusted, bounded input).
 * Events:  none (pure).
 * Tests:   tests/unit/test_util.c
 */
#ifndef ANKETA_BUF_H
#define ANKETA_BUF_H

#include <stddef.h>

/* Transparent on purpose: a value type used by every module. */
struct buf {
	char *data;	/* NUL-terminated after every successful call */
	size_t len;
	size_t cap;
	size_t max;	/* 0: unlimited */
};

void buf_init(struct buf *b, size_t max);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *buf_cstr(struct buf *b);
void buf_reset(struct buf *b);
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
