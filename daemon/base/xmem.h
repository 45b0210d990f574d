/*
 * xmem.h -- allocators that never return NULL: out of memory aborts.
 *
 * Use:     xmalloc, xcalloc, xreallocarray, xstrdup, xstrndup, xasprintf
 * Owns:    every returned pointer belongs to the caller, freed with free().
 * Errors:  none returned; on allocation failure the process aborts, which
 *          is safe because every step of anketa is stored and idempotent.
 * Events:  none (pure).
 */
#ifndef ANKETA_XMEM_H
#define ANKETA_XMEM_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);
/* Overwrite then free: for passwords and tokens. Accepts NULL. */
void xfree_secret(char *s);

#endif
