/* test_textwrap.c -- lines broken at 78 characters (UTF-8 counted as
 * characters), indentation and list markers kept, a URL whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/textwrap.h"

static char *
wrapped(const char *in, size_t width, struct buf *b)
{
	buf_reset(b);
	textwrap(in, strlen(in), width, b);
	return (char *)buf_cstr(b);
}

static void
test_fits_unchanged(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_string_equal(wrapped("short  line\n\n> quoted\n", 20, &b),
			    "short  line\n\n> quoted\n");
	/* 10 Cyrillic letters are 10 characters, not 20 bytes */
	assert_string_equal(wrapped("ЖЖЖЖЖ ЖЖЖЖ\n", 10, &b), "ЖЖЖЖЖ ЖЖЖЖ\n");
	assert_string_equal(wrapped("no newline at the end", 30, &b),
			    "no newline at the end");
	buf_free(&b);
}

static void
test_breaks_and_hangs(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_string_equal(wrapped("one two three four five\n", 10, &b),
			    "one two\nthree four\nfive\n");
	assert_string_equal(wrapped("  - item with words that wrap around\n",
				    24, &b),
			    "  - item with words that\n    wrap around\n");
	assert_string_equal(wrapped("Q12. What is your answer to this?\n", 26,
				    &b),
			    "Q12. What is your answer\n     to this?\n");
	assert_string_equal(wrapped("ЖЖЖЖЖ ЖЖЖЖЖ\r\n", 10, &b),
			    "ЖЖЖЖЖ\nЖЖЖЖЖ\n");
	buf_free(&b);
}

static void
test_url_whole(void **state)
{
	struct buf b;
	size_t line = 0;
	const char *w;

	(void)state;
	buf_init(&b, 0);
	w = wrapped("see https://example.org/a/very/long/path/that/never/"
		    "ends/here and more\n", 20, &b);
	assert_string_equal(w, "see\nhttps://example.org/a/very/long/path/"
			    "that/never/ends/here\nand more\n");
	/* the URL line is one word: not counted as too wide */
	assert_int_equal(textwrap_longest(w, &line), 8);
	assert_int_equal(line, 3);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_unchanged),
		cmocka_unit_test(test_breaks_and_hangs),
		cmocka_unit_test(test_url_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
