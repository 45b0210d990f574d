/*
 * xmem.h -- allocators that never return NULL: out of memory aborts.
 *
 * Use:     xmalloc, xcalloc, xreallocarray, xstrdup, xstrndup, xasprintf
 *          xmem_on_oom(fn), xmem_heap_limit(bytes)   a process with a
 *          memory limit of its own (the parse worker)
 * Owns:    every returned pointer belongs to the caller, freed with free().
 * Errors:  none returned; on allocation failure the process aborts (or
 *          calls the xmem_on_oom handler), which is safe because every
 *          step of anketa is stored and idempotent.
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

/* Sanitizer builds (AddressSanitizer, ThreadSanitizer, MemorySanitizer)
 * reserve terabytes of address space for their shadow memory, so an
 * RLIMIT_AS limit would stop them at once: xmem_heap_limit counts the
 * heap itself there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define XMEM_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define XMEM_SANITIZER 1
#endif
#endif

/* What to do instead of abort() when an allocation fails, for a process
 * that must say why it died (the parse worker exits with a status that
 * means "out of memory"). fn must not return. NULL: abort() again.
 * Process-wide: set it in a child process, never in the daemon. */
void xmem_on_oom(void (*fn)(size_t n));
/* Fail (as out of memory) every x-allocation that would take the heap
 * more than bytes past what it holds now. Enforced only in a sanitizer
 * build (returns 1), where RLIMIT_AS cannot be used and the sanitizer's
 * allocator counts the heap; it sees xmem's allocations only, not the
 * libraries' own malloc. Elsewhere it returns 0 and does nothing: limit
 * the address space with setrlimit(RLIMIT_AS), which covers every
 * allocation. */
int xmem_heap_limit(size_t bytes);

#endif
