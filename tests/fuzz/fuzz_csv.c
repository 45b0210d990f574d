/*
 * fuzz_csv.c -- the CSV reader on arbitrary bytes (contact imports are
 * whatever a spreadsheet or a person saved). The first byte picks how the
 * rest is fed: all at once (csv_new_memory) or pushed in chunks of 1..255
 * bytes, with small caps so "too many fields" and "record too long" are
 * reached. Every record read is written back with csv_quote and read
 * again: the writer and reader must agree (abort otherwise); and with
 * csv_cell, whose guard csv_unguard must take off exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/err.h"
#include "fuzz.h"

#define FUZZ_MAX_RECORD 4096
#define FUZZ_MAX_FIELDS 16

static struct csv_reader *
open_reader(const uint8_t *data, size_t size)
{
	struct csv_reader *r;
	size_t chunk;

	if (size == 0 || data[0] == 0)
		return csv_new_memory(size ? data + 1 : data,
				      size ? size - 1 : 0, "fuzz.csv",
				      FUZZ_MAX_RECORD, FUZZ_MAX_FIELDS);
	chunk = data[0];
	r = csv_new("fuzz.csv", FUZZ_MAX_RECORD, FUZZ_MAX_FIELDS);
	for (size_t off = 1; off < size; off += chunk)
		csv_feed(r, data + off,
			 size - off < chunk ? size - off : chunk);
	csv_feed_end(r);
	return r;
}

/* Write the current record with the writer's quoting and read it back. */
static void
round_trip(const struct csv_reader *r)
{
	size_t n = csv_nfields(r);
	struct csv_reader *back;
	struct buf b;
	struct err e;

	/* A record of one empty field is written as an empty line, and the
	 * reader skips blank lines on purpose (spreadsheets end with them). */
	if (n == 1 && csv_field(r, 0)[0] == '\0')
		return;
	/* A leading U+FEFF in the first field would be read back as a BOM. */
	if (n && strncmp(csv_field(r, 0), "\xef\xbb\xbf", 3) == 0)
		return;
	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		if (i && buf_addc(&b, ',') < 0)
			abort();
		if (csv_quote(&b, csv_field(r, i)) < 0)
			abort();
	}
	buf_adds(&b, "\r\n");
	back = csv_new_memory(b.data, b.len, "back.csv", FUZZ_MAX_RECORD,
			      FUZZ_MAX_FIELDS);
	if (csv_next(back, &e) != 1 || csv_nfields(back) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strcmp(csv_field(back, i), csv_field(r, i)) != 0)
			abort();
	if (csv_next(back, &e) != 0)
		abort();
	csv_free(&back);
	/* the spreadsheet writer: what it guards, csv_unguard gives back */
	buf_reset(&b);
	for (size_t i = 0; i < n; i++) {
		if (i && buf_addc(&b, ',') < 0)
			abort();
		if (csv_cell(&b, csv_field(r, i)) < 0)
			abort();
	}
	buf_adds(&b, "\r\n");
	back = csv_new_memory(b.data, b.len, "back.csv", 2 * FUZZ_MAX_RECORD,
			      FUZZ_MAX_FIELDS);
	if (csv_next(back, &e) != 1 || csv_nfields(back) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strcmp(csv_unguard(csv_field(back, i)),
			   csv_field(r, i)) != 0)
			abort();
	csv_free(&back);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader *r = open_reader(data, size);
	struct err e;
	int rc;

	/* Each call consumes at least one byte or ends, so this terminates;
	 * the bound only turns a reader that stops advancing into a finding
	 * instead of a hang. */
	for (size_t guard = 0; (rc = csv_next(r, &e)) != 0; guard++) {
		if (guard > size + 2)
			abort();
		if (rc < 0) {
			fuzz_touch(e.msg);
			continue;
		}
		if (csv_nfields(r) > FUZZ_MAX_FIELDS || csv_line(r) < 1)
			abort();
		for (size_t i = 0; i <= csv_nfields(r); i++)
			fuzz_touch(csv_field(r, i));
		round_trip(r);
	}
	fuzz_touch(csv_name(r));
	csv_free(&r);
	return 0;
}
