/* xmem.c -- see xmem.h. */
#include "base/xmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef XMEM_SANITIZER
/* From <sanitizer/allocator_interface.h>, which not every compiler
 * installation ships; every sanitizer runtime with an allocator has it. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

static void (*oom_handler)(size_t);
static size_t heap_max;		/* 0: no limit (sanitizer builds only) */

static void __attribute__((noreturn))
oom(size_t n)
{
	if (oom_handler != NULL)
		oom_handler(n);
	fprintf(stderr, "anketa: out of memory (%zu bytes)\n", n);
	abort();
}

/* Would n more bytes take the heap past xmem_heap_limit? Always 0
 * outside a sanitizer build. */
static int
over_limit(size_t n)
{
#ifdef XMEM_SANITIZER
	return heap_max != 0 && (n > heap_max ||
	    __sanitizer_get_current_allocated_bytes() > heap_max - n);
#else
	(void)n;
	return 0;
#endif
}

void
xmem_on_oom(void (*fn)(size_t n))
{
	oom_handler = fn;
}

int
xmem_heap_limit(size_t bytes)
{
#ifdef XMEM_SANITIZER
	size_t now = __sanitizer_get_current_allocated_bytes();
	heap_max = bytes > SIZE_MAX - now ? SIZE_MAX : now + bytes;
	return 1;
#else
	(void)bytes;
	(void)heap_max;
	return 0;
#endif
}

void *
xmalloc(size_t n)
{
	void *p = over_limit(n) ? NULL : malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = NULL;

	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	if (!over_limit(n * size))
		p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	/* counts the whole new size, not the growth: a little early */
	if (over_limit(n * size))
		oom(n * size);
	p = realloc(p, (n * size) != 0 ? n * size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		oom(0);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
xfree_secret(char *s)
{
	if (s == NULL)
		return;
	/* volatile so the compiler cannot drop the wipe before free */
	for (volatile char *v = s; *v; v++)
		*v = 0;
	free(s);
}
