/* test_mem.c -- mem_idle: the pages of an unwritten read-only file
 * mapping leave this process's resident set; a private mapping written
 * and then made read-only (as the loader does with RELRO) keeps its
 * written bytes; MEM_TRIM alone drops nothing. The resident sizes are
 * read from /proc/self/smaps, per mapping. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/mem.h"

#define MAP_BYTES (4L << 20)

/* Rss in kB of the mapping that starts at p, -1: none. */
static long
rss_kb(const void *p)
{
	char line[512];
	unsigned long lo, hi;
	long kb = -1;
	int in = 0;
	FILE *fp = fopen("/proc/self/smaps", "r");

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, ' ') > strchr(line, '-'))
			in = lo == (unsigned long)p;
		else if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	fclose(fp);
	return kb;
}

/* A file of MAP_BYTES, mapped with prot and flags, every page read. */
static char *
map_file(int prot, int flags)
{
	char path[] = "/tmp/anketa-mem-XXXXXX", *p;
	volatile char sum = 0;
	char *block = calloc(1, MAP_BYTES);
	int fd = mkstemp(path);

	assert_true(fd >= 0 && block != NULL);
	memset(block, 'x', MAP_BYTES);
	assert_int_equal(write(fd, block, MAP_BYTES), MAP_BYTES);
	free(block);
	p = mmap(NULL, MAP_BYTES, prot, flags, fd, 0);
	close(fd);
	unlink(path);
	assert_true(p != MAP_FAILED);
	for (long i = 0; i < MAP_BYTES; i += 4096)
		sum += p[i];
	(void)sum;
	return p;
}

static void
test_read_only_paged_out(void **state)
{
	char *p = map_file(PROT_READ, MAP_PRIVATE);

	assert_true(rss_kb(p) >= MAP_BYTES / 1024 * 9 / 10);
	assert_int_equal(mem_idle(MEM_TRIM), 0);
	assert_true(rss_kb(p) >= MAP_BYTES / 1024 * 9 / 10);
	assert_true(mem_idle(MEM_TRIM | MEM_PAGE_OUT) >= MAP_BYTES);
	assert_true(rss_kb(p) < MAP_BYTES / 1024 / 10);
	assert_int_equal(p[MAP_BYTES / 2], 'x');	/* read back */
	munmap(p, MAP_BYTES);
}

static void
test_written_stays(void **state)
{
	char *p = map_file(PROT_READ | PROT_WRITE, MAP_PRIVATE);

	memset(p, 'y', MAP_BYTES);	/* every page private and dirty */
	assert_int_equal(mprotect(p, MAP_BYTES, PROT_READ), 0);
	mem_idle(MEM_PAGE_OUT);
	assert_true(rss_kb(p) >= MAP_BYTES / 1024 * 9 / 10);
	assert_int_equal(p[MAP_BYTES - 1], 'y');
	munmap(p, MAP_BYTES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_only_paged_out),
		cmocka_unit_test(test_written_stays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
