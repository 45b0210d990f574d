/* test_progress.c -- the progress line: its figures (count, total,
 * percentage, rate, time left) from a clock the test sets, a terminal's
 * line rewritten in place at most every PROGRESS_TTY_MS, and plain lines
 * in a log at most every PROGRESS_PLAIN_MS, none for a short run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/progress.h"

static int64_t
fake_clock(void *arg)
{
	return *(int64_t *)arg;
}

static void
test_format(void **state)
{
	char b[128];

	progress_format(b, sizeof(b), "sending", 0, 0, 0);
	assert_string_equal(b, "sending: 0");
	progress_format(b, sizeof(b), "fetching", 120, 0, 4000);
	assert_string_equal(b, "fetching: 120, 30.0/s");
	/* 250 of 1000 in 10 s: 25/s, 750 left take 30 s */
	progress_format(b, sizeof(b), "sending", 250, 1000, 10000);
	assert_string_equal(b, "sending: 250 of 1000 (25%), 25.0/s, 30s left");
	/* 10 of 4000 in 20 s: 0.5/s, 3990 left take 7980 s = 2h13m */
	progress_format(b, sizeof(b), "importing", 10, 4000, 20000);
	assert_string_equal(b, "importing: 10 of 4000 (0%), 0.5/s, "
			    "2h13m left");
	/* 100 of 400 in 50 s: 2/s, 150 s left */
	progress_format(b, sizeof(b), "x", 100, 400, 50000);
	assert_string_equal(b, "x: 100 of 400 (25%), 2.0/s, 2m30s left");
	/* done: no time left shown */
	progress_format(b, sizeof(b), "x", 400, 400, 50000);
	assert_string_equal(b, "x: 400 of 400 (100%), 8.0/s");
	/* a short buffer is cut, the length says what was wanted */
	assert_int_equal(progress_format(b, 8, "x", 400, 400, 50000),
			 (int)strlen("x: 400 of 400 (100%), 8.0/s"));
	assert_string_equal(b, "x: 400 ");
}

/* What a run wrote into a memory stream. */
static char *
run(enum progress_mode mode, const int64_t *at, const long *done, size_t n,
    long total)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int64_t now = 0;
	struct progress *p;

	assert_non_null(out);
	p = progress_new(out, mode, "sending", fake_clock, &now);
	for (size_t i = 0; i < n; i++) {
		now = at[i];
		progress_cb(p, done[i], total);
	}
	progress_end(&p);
	assert_null(p);
	fclose(out);
	return text;
}

static void
test_tty_rewrites(void **state)
{
	/* the first call shows at once; 100 ms later is too soon; 300 ms
	 * is due; the end shows the last figures and ends the line */
	static const int64_t at[] = { 0, 100, 300, 1000 };
	static const long done[] = { 1, 2, 6, 20 };
	char *t = run(PROGRESS_TTY, at, done, 4, 20);

	assert_string_equal(t,
		"\rsending: 1 of 20 (5%)\033[K"
		"\rsending: 6 of 20 (30%), 20.0/s, 1s left\033[K"
		"\rsending: 20 of 20 (100%), 20.0/s\033[K\n");
	free(t);
}

static void
test_plain_lines(void **state)
{
	static const int64_t at[] = { 1000, 4999, 5000, 6000, 10000, 12000 };
	static const long done[] = { 1, 2, 5, 6, 10, 12 };
	static const int64_t quick[] = { 10, 20 };
	char *t = run(PROGRESS_PLAIN, at, done, 6, 0);

	/* every 5 s a whole line, no \r; the last figures at the end */
	assert_string_equal(t, "sending: 5, 1.0/s\n"
			    "sending: 10, 1.0/s\n"
			    "sending: 12, 1.0/s\n");
	free(t);
	/* a run shorter than the interval adds nothing to a log */
	t = run(PROGRESS_PLAIN, quick, done, 2, 2);
	assert_string_equal(t, "");
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_tty_rewrites),
		cmocka_unit_test(test_plain_lines),
	};

	unsetenv("ANKETA_PROGRESS_MS");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
