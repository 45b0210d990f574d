/*
 * mem.h -- gives memory a long-lived, mostly idle process holds and will
 * not need soon back to the system: the free heap (malloc_trim) and the
 * pages of its read-only file mappings (MADV_DONTNEED on those that hold
 * nothing written: the relocation tables, constructors and start-up code
 * every process of a 48-library binary touches once, about 10 MB of its
 * resident set). A page needed again is read back on use, from the page
 * cache (a minor fault) or the disk; pages other processes map stay in
 * memory for them. Nothing written is ever dropped.
 *
 * Use:     mem_idle(MEM_TRIM)                  after a burst of work
 *          mem_idle(MEM_TRIM | MEM_PAGE_OUT)   once start-up is over
 *                                  (not while another thread runs)
 * Owns:    nothing.
 * Errors:  returns the bytes of mappings dropped (0 with MEM_TRIM
 *          alone), -1 when /proc/self/smaps cannot be read.
 * Events:  none.
 * Tests:   tests/unit/test_mem.c (a mapping's Rss before and after, a
 *          relocated-like written mapping kept); bench/idle.
 */
#ifndef ANKETA_MEM_H
#define ANKETA_MEM_H

enum {
	MEM_TRIM = 1,		/* malloc_trim(0) */
	MEM_PAGE_OUT = 2,	/* drop unwritten read-only file mappings */
};

long mem_idle(int what);

#endif
