/* test_util.c -- buf, err, json, log, xmem: the shared utilities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/xmem.h"

static void
test_buf_grows_and_caps(void **state)
{
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_adds(&b, "12345"), 0);
	assert_int_equal(buf_printf(&b, "%d", 6789), 0);
	assert_string_equal(buf_cstr(&b), "123456789");
	/* past the cap: refused, content unchanged */
	assert_int_equal(buf_adds(&b, "ab"), -1);
	assert_string_equal(buf_cstr(&b), "123456789");
	assert_int_equal(buf_addc(&b, '0'), 0);
	assert_int_equal(b.len, 10);
	buf_free(&b);
	assert_null(b.data);
}

static void
test_buf_unlimited_and_steal(void **state)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_addc(&b, 'x'), 0);
	assert_int_equal(strlen(buf_cstr(&b)), 10000);
	s = buf_steal(&b);
	assert_int_equal(strlen(s), 10000);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	free(s);
	buf_free(&b);
}

static void
test_err_and_errlist(void **state)
{
	struct err e;
	struct errlist l = { 0 };

	err_set(&e, "%s: %s", "127.0.0.1:25", "connection refused");
	err_prefix(&e, "send %s", "camp");
	assert_string_equal(e.msg, "send camp: 127.0.0.1:25: connection refused");
	for (int i = 0; i < 20; i++)
		errlist_add(&l, "f.csv:%d: bad", i + 1);
	assert_int_equal(l.n, 20);
	assert_string_equal(l.v[19], "f.csv:20: bad");
	errlist_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static void
test_json_escapes(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "line\nnext\ttab\r", "\"line\\nnext\\ttab\\r\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ "Кавърна</script>", "\"Кавърна</script>\"" },
		{ NULL, "null" },
	};
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		assert_int_equal(json_str(&b, cases[i].in), 0);
		assert_string_equal(buf_cstr(&b), cases[i].out);
	}
	buf_reset(&b);
	buf_addc(&b, '{');
	json_kv_str(&b, 1, "k", "v");
	json_kv_int(&b, 0, "n", -3);
	json_kv_num(&b, 0, "x", 2.5);
	buf_addc(&b, '}');
	assert_string_equal(buf_cstr(&b), "{\"k\":\"v\",\"n\":-3,\"x\":2.5}");
	buf_free(&b);
}

/* A logged reason may quote anyone's mail: one line, no control
 * character reaches the terminal or the log file. */
static void
test_log_one_safe_line(void **state)
{
	char path[] = "/tmp/test_util.XXXXXX", got[256];
	int fd = mkstemp(path);
	FILE *fp;
	size_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	log_init(LOG_INFO, path);
	log_warnx("m/1: quarantined: %s", "\x1b]0;owned\x07\nanketa: "
		  "error: forged\xc2\x9b" "2J");
	log_close();
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(got, 1, sizeof(got) - 1, fp);
	got[n] = '\0';
	fclose(fp);
	unlink(path);
	assert_non_null(strstr(got, "anketa: warning: m/1: quarantined: "
			       "\xef\xbf\xbd]0;owned\xef\xbf\xbd\xef\xbf\xbd"
			       "anketa: error: forged\xef\xbf\xbd" "2J\n"));
	assert_null(strchr(got, '\x1b'));
	assert_int_equal(strchr(got, '\n') - got + 1, (long)strlen(got));
}

static void
test_xmem(void **state)
{
	char *s = xasprintf("%s-%03d", "ref", 7);

	assert_string_equal(s, "ref-007");
	free(s);
	s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	xfree_secret(s);
	xfree_secret(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_caps),
		cmocka_unit_test(test_buf_unlimited_and_steal),
		cmocka_unit_test(test_err_and_errlist),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_log_one_safe_line),
		cmocka_unit_test(test_xmem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
