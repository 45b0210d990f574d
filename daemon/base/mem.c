/*
 * mem.c -- see mem.h. The mappings are read from /proc/self/smaps: a
 * file mapping that is not writable and holds no anonymous page (no
 * relocated RELRO, no breakpoint) has exactly the file's bytes, so
 * MADV_DONTNEED drops its pages from this process and the next use reads
 * the same bytes again. Anything written is left alone.
 */
#include "base/mem.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

struct mem_map {
	unsigned long lo, hi;
	int candidate;		/* a read-only file mapping */
};

/* A mapping's first line: "lo-hi perms offset dev inode   path". */
static int
mem_head(const char *line, struct mem_map *m)
{
	char perms[8];
	int path = 0;

	if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &m->lo, &m->hi,
		   perms, &path) < 3 || path == 0)
		return -1;
	m->candidate = line[path] == '/' && perms[1] != 'w';
	return 0;
}

long
mem_idle(int what)
{
	struct mem_map m = { 0 };
	char line[4096 + 128];
	long n = 0, anon;
	FILE *fp;

	if (what & MEM_TRIM)
		malloc_trim(0);
	if (!(what & MEM_PAGE_OUT))
		return 0;
	if ((fp = fopen("/proc/self/smaps", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strchr(line, '\n') == NULL)
			continue;	/* a path too long for line: not ours */
		if (sscanf(line, "Anonymous: %ld kB", &anon) == 1) {
			if (m.candidate && anon == 0 &&
			    madvise((void *)m.lo, m.hi - m.lo,
				    MADV_DONTNEED) == 0)
				n += (long)(m.hi - m.lo);
			m.candidate = 0;
		} else if (strchr(line, '-') != NULL &&
			   strchr(line, '-') < strchr(line, ' '))
			mem_head(line, &m);
	}
	fclose(fp);
	return n;
}
