/*
 * err.h -- error reports that travel back to the caller; never prints.
 *
 * Use:     err_set(e, fmt, ...)        one "what: why" reason, fixed buffer
 *          errlist_add(l, fmt, ...)    collect every problem (checkers)
 *          errlist_free(l)
 * Owns:    struct err is a caller-owned fixed buffer: nothing to free.
 *          struct errlist owns its strings; errlist_free releases them.
 * Errors:  none (formatting truncates at ERR_MAX).
 * Events:  none (pure).
 * Tests:   covered by every module test that checks error texts.
 */
#ifndef ANKETA_ERR_H
#define ANKETA_ERR_H

#include <stdarg.h>

#include <stddef.h>

#define ERR_MAX 1024

struct err {
	char msg[ERR_MAX];
};

/* A list of problems, each "FILE:LINE: reason"; checkers fill it and go on. */
struct errlist {
	char **v;
	size_t n;
	size_t cap;
};

void err_set(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefix the existing message: "prefix: old message". */
void err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void errlist_add(struct errlist *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "PATH:LINE: why" (line > 0) or "PATH: why": a file's problem, as
 * every file checker reports it. */
void errlist_vadd_at(struct errlist *l, const char *path, int line,
		     const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
void errlist_free(struct errlist *l);

#endif
