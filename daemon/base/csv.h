/*
 * csv.h -- RFC 4180 CSV: a streaming reader that names the physical line
 * of every record and every problem, and a writer that quotes only when a
 * field needs it; never touches the store or interprets columns.
 *
 * Use:     csv_new(name, max_record, max_fields)     push: csv_feed ... csv_feed_end
 *          csv_new_file(fp, name, ...) / csv_new_memory(p, n, name, ...)
 *          while ((rc = csv_next(r, &e)) != 0) { rc < 0: e.msg; else
 *              csv_nfields(r), csv_field(r, i), csv_line(r) }
 *          csv_free(&r)
 *          csv_cell(b, s) / csv_write_row(out, v, n)    the writer, for
 *              a spreadsheet; csv_quote(b, s) RFC 4180 quoting only
 *          csv_unguard(field)     a field without the guard csv_cell added
 * Owns:    the reader owns its input copy and the current record; the
 *          strings from csv_field are borrowed until the next csv_next or
 *          csv_free. csv_new_file borrows fp (the caller closes it).
 * Errors:  csv_next returns 1 (a record), 0 (end of input, or in push mode
 *          "feed me more" until csv_feed_end), -1 (a bad record: the
 *          reason as "NAME:LINE: reason" in e). After -1 the reader has
 *          skipped to the next physical line, so calling csv_next again
 *          goes on (skip-invalid imports); an unterminated quote consumes
 *          the rest of the input, so the next call returns 0.
 *          Reasons: unterminated quote (the line it opened on), stray quote
 *          in an unquoted field, text after a closing quote, invalid UTF-8,
 *          a NUL byte (fields are C strings: it would cut one short),
 *          too many fields, record too long, read error.
 *          Writer: -1 when the buffer cap is reached / the stream fails.
 * Events:  none (pure).
 * Spec:    RFC 4180, with LF or CRLF records, a UTF-8 BOM skipped, blank
 *          lines skipped (spreadsheets end files with them), CR/LF kept
 *          inside quoted fields, input required to be UTF-8 (RFC 3629).
 *          Writer: OWASP "CSV injection": a cell a spreadsheet would
 *          evaluate (starting with = + - @, TAB or CR, also after blanks)
 *          gets a leading ' so it shows as text; a plain number such as
 *          -5 or -3.5 stays a number. Fields with ; or TAB are quoted too.
 * Tests:   tests/unit/test_csv.c (table-driven, and byte-at-a-time feeding;
 *          the spreadsheet guard), tests/fuzz/fuzz_csv.c
 */
#ifndef ANKETA_CSV_H
#define ANKETA_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"

/* Defaults that keep 100k contacts cheap and a hostile file bounded. */
#define CSV_MAX_RECORD	65536	/* bytes of field content per record */
#define CSV_MAX_FIELDS	64

struct csv_reader;

/* Push mode: the caller feeds bytes in any chunks (even one at a time). */
struct csv_reader *csv_new(const char *name, size_t max_record,
			   size_t max_fields);
void csv_feed(struct csv_reader *r, const void *p, size_t n);
void csv_feed_end(struct csv_reader *r);
/* Pull mode: csv_next reads fp as needed; fp stays open (borrowed). */
struct csv_reader *csv_new_file(FILE *fp, const char *name,
				size_t max_record, size_t max_fields);
/* The bytes are copied; ended already. */
struct csv_reader *csv_new_memory(const void *p, size_t n, const char *name,
				  size_t max_record, size_t max_fields);

int csv_next(struct csv_reader *r, struct err *e);
size_t csv_nfields(const struct csv_reader *r);
/* NUL-terminated field i (< csv_nfields); "" past the end. */
const char *csv_field(const struct csv_reader *r, size_t i);
/* Physical line (1-based) where the current record starts. */
long csv_line(const struct csv_reader *r);
const char *csv_name(const struct csv_reader *r);
void csv_free(struct csv_reader **r);

/* Append s to b as one CSV field, quoted when it holds a comma, quote, CR,
 * LF, semicolon or TAB or starts/ends with a space; NULL is the empty
 * field. Exactly what the reader gives back. */
int csv_quote(struct buf *b, const char *s);
/* 1 when a spreadsheet would take s as a formula (after any leading '). */
int csv_needs_guard(const char *s);
/* csv_quote of s, with a leading ' when csv_needs_guard(s): what every
 * CSV anketa writes for people to open holds. */
int csv_cell(struct buf *b, const char *s);
/* A field read back: without the ' csv_cell put before it, so a list
 * written and imported again is unchanged ("'-info@x.org" was
 * "-info@x.org"). Points into s. */
const char *csv_unguard(const char *s);
/* One record of n fields (NULL entries empty) with csv_cell,
 * CRLF-terminated. */
int csv_write_row(FILE *out, const char *const *v, size_t n);

#endif
