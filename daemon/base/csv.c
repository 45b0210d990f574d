/*
 * csv.c -- see csv.h. RFC 4180 reader as a byte-at-a-time state machine,
 * so push feeding in any chunk size gives the same records and lines as
 * reading a file; and the matching writer.
 */
#include "base/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

#define CSV_CHUNK 65536

enum csv_state {
	CSV_REC_START,	/* between records: blank lines are skipped here */
	CSV_FIELD_START,/* a field begins: '"' makes it quoted */
	CSV_UNQUOTED,	/* inside a plain field */
	CSV_QUOTED,	/* inside quotes: ',' CR LF are content */
	CSV_QUOTE_SEEN,	/* '"' inside quotes: an escape or the closing one */
	CSV_SKIP,	/* after an error: drop bytes until the line ends */
};

struct csv_reader {
	char *name;
	FILE *fp;		/* pull mode source, borrowed; NULL: push */
	int ended;		/* no more input will come */
	int bom_checked;
	struct buf in;		/* unconsumed input from in.data + pos */
	size_t pos;
	enum csv_state state;
	size_t max_record, max_fields;
	/* line accounting: the physical line of the next byte */
	long line;
	int prev_cr;
	long rec_line;		/* where the current record starts */
	long quote_line;	/* where the open quote was */
	/* UTF-8 validation across chunk boundaries (RFC 3629 table 3-7) */
	int u8_need;
	unsigned char u8_lo, u8_hi;
	/* the record: fields NUL-separated in rec, starts in off[] */
	struct buf rec;
	size_t content;		/* field bytes, for max_record */
	size_t *off;
	size_t nfields, offcap;
};

static struct csv_reader *
csv_alloc(const char *name, size_t max_record, size_t max_fields)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));

	r->name = xstrdup(name ? name : "(csv)");
	r->max_record = max_record ? max_record : CSV_MAX_RECORD;
	r->max_fields = max_fields ? max_fields : CSV_MAX_FIELDS;
	r->line = 1;
	buf_init(&r->in, 0);	/* bounded by the caller's feeding/CHUNK */
	buf_init(&r->rec, 0);	/* bounded by max_record + max_fields */
	return r;
}

struct csv_reader *
csv_new(const char *name, size_t max_record, size_t max_fields)
{
	return csv_alloc(name, max_record, max_fields);
}

struct csv_reader *
csv_new_file(FILE *fp, const char *name, size_t max_record,
	     size_t max_fields)
{
	struct csv_reader *r = csv_alloc(name, max_record, max_fields);

	r->fp = fp;
	return r;
}

struct csv_reader *
csv_new_memory(const void *p, size_t n, const char *name, size_t max_record,
	       size_t max_fields)
{
	struct csv_reader *r = csv_alloc(name, max_record, max_fields);

	csv_feed(r, p, n);
	csv_feed_end(r);
	return r;
}

/* Drop consumed input so the buffer only holds what is still to read. */
static void
csv_compact(struct csv_reader *r)
{
	if (r->pos == 0)
		return;
	memmove(r->in.data, r->in.data + r->pos, r->in.len - r->pos);
	r->in.len -= r->pos;
	r->in.data[r->in.len] = '\0';
	r->pos = 0;
}

void
csv_feed(struct csv_reader *r, const void *p, size_t n)
{
	csv_compact(r);
	buf_add(&r->in, p, n);	/* uncapped: cannot fail */
}

void
csv_feed_end(struct csv_reader *r)
{
	r->ended = 1;
}

/* Get more input: 1 bytes added, 0 none now (push mode) or ever. */
static int
csv_fill(struct csv_reader *r, struct err *e, int *failed)
{
	char chunk[4096];
	size_t n;

	if (r->ended || r->fp == NULL)
		return 0;
	csv_compact(r);
	n = fread(chunk, 1, sizeof(chunk), r->fp);
	if (n > 0) {
		buf_add(&r->in, chunk, n);
		return 1;
	}
	r->ended = 1;
	if (ferror(r->fp)) {
		err_set(e, "%s: read error: %s", r->name, strerror(errno));
		*failed = 1;
	}
	return 0;
}

static int
csv_fail(struct csv_reader *r, struct err *e, long line, const char *fmt,
	 ...) __attribute__((format(printf, 4, 5)));

/* Report a bad record and drop the rest of its physical line. */
static int
csv_fail(struct csv_reader *r, struct err *e, long line, const char *fmt,
	 ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	err_set(e, "%s:%ld: %s", r->name, line, why);
	r->state = CSV_SKIP;
	return -1;
}

/* 0 if byte c continues valid UTF-8, -1 if not. */
static int
csv_utf8(struct csv_reader *r, unsigned char c)
{
	if (r->u8_need > 0) {
		if (c < r->u8_lo || c > r->u8_hi)
			return -1;
		r->u8_need--;
		r->u8_lo = 0x80;
		r->u8_hi = 0xBF;
		return 0;
	}
	r->u8_lo = 0x80;
	r->u8_hi = 0xBF;
	if (c < 0x80)
		return 0;
	if (c >= 0xC2 && c <= 0xDF)
		r->u8_need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		r->u8_need = 2;
	else if (c >= 0xF0 && c <= 0xF4)
		r->u8_need = 3;
	else
		return -1;
	if (c == 0xE0)
		r->u8_lo = 0xA0;	/* overlong */
	else if (c == 0xED)
		r->u8_hi = 0x9F;	/* surrogates */
	else if (c == 0xF0)
		r->u8_lo = 0x90;	/* overlong */
	else if (c == 0xF4)
		r->u8_hi = 0x8F;	/* past U+10FFFF */
	return 0;
}

static void
csv_record_start(struct csv_reader *r, long line)
{
	buf_reset(&r->rec);
	r->nfields = 0;
	r->content = 0;
	r->rec_line = line;
}

static int
csv_field_start(struct csv_reader *r, struct err *e)
{
	if (r->nfields == r->max_fields)
		return csv_fail(r, e, r->rec_line, "more than %zu fields",
				r->max_fields);
	if (r->nfields == r->offcap) {
		r->offcap = r->offcap ? 2 * r->offcap : 16;
		r->off = xreallocarray(r->off, r->offcap, sizeof(*r->off));
	}
	r->off[r->nfields++] = r->rec.len;
	return 0;
}

static void
csv_field_end(struct csv_reader *r)
{
	buf_addc(&r->rec, '\0');
}

static int
csv_add(struct csv_reader *r, struct err *e, char c)
{
	if (++r->content > r->max_record)
		return csv_fail(r, e, r->rec_line,
				"record longer than %zu bytes",
				r->max_record);
	buf_addc(&r->rec, c);
	return 0;
}

static int
is_eol(char c)
{
	return c == '\n' || c == '\r';
}

/* One byte through the machine: 1 a record is complete, -1 an error,
 * 0 go on. line is the physical line of c. */
static int
csv_step(struct csv_reader *r, char c, long line, struct err *e)
{
	switch (r->state) {
	case CSV_SKIP:
		if (is_eol(c))
			r->state = CSV_REC_START;
		return 0;
	case CSV_REC_START:
		if (is_eol(c))
			return 0;	/* blank line, or the LF of CRLF */
		csv_record_start(r, line);
		r->state = CSV_FIELD_START;
		if (csv_field_start(r, e) < 0)
			return -1;
		return csv_step(r, c, line, e);
	case CSV_FIELD_START:
		if (c == '"') {
			r->quote_line = line;
			r->state = CSV_QUOTED;
			return 0;
		}
		r->state = CSV_UNQUOTED;
		return csv_step(r, c, line, e);
	case CSV_UNQUOTED:
	case CSV_QUOTE_SEEN:
		if (c == ',') {
			csv_field_end(r);
			r->state = CSV_FIELD_START;
			return csv_field_start(r, e);
		}
		if (is_eol(c)) {
			csv_field_end(r);
			r->state = CSV_REC_START;
			return 1;
		}
		if (r->state == CSV_QUOTE_SEEN) {
			if (c != '"')
				return csv_fail(r, e, line, "text after the "
						"closing quote of field %zu "
						"(a quote inside a quoted "
						"field is written \"\")",
						r->nfields);
			r->state = CSV_QUOTED;
			return csv_add(r, e, '"');
		}
		if (c == '"')
			return csv_fail(r, e, line, "stray quote in unquoted "
					"field %zu (quote the whole field "
					"and write \"\" for a quote)",
					r->nfields);
		return csv_add(r, e, c);
	case CSV_QUOTED:
		if (c == '"') {
			r->state = CSV_QUOTE_SEEN;
			return 0;
		}
		return csv_add(r, e, c);
	}
	return 0;
}

/* Input ended: finish the record in progress, if any. */
static int
csv_at_end(struct csv_reader *r, struct err *e)
{
	enum csv_state st = r->state;

	r->state = CSV_REC_START;
	if (r->u8_need > 0 && st != CSV_SKIP && st != CSV_REC_START) {
		r->u8_need = 0;
		return csv_fail(r, e, r->line, "invalid UTF-8 (the file "
				"ends inside a character)");
	}
	switch (st) {
	case CSV_QUOTED:
		r->state = CSV_REC_START;
		return csv_fail(r, e, r->quote_line, "unterminated quote: the "
				"quoted field opened on this line is never "
				"closed");
	case CSV_FIELD_START:
	case CSV_UNQUOTED:
	case CSV_QUOTE_SEEN:
		csv_field_end(r);
		return 1;
	default:
		return 0;
	}
}

/* A UTF-8 BOM (from spreadsheets' "CSV UTF-8") is not data. 1 decided,
 * 0 need more input to decide. */
static int
csv_bom(struct csv_reader *r)
{
	static const char bom[3] = { '\xEF', '\xBB', '\xBF' };
	size_t avail = r->in.len - r->pos;

	if (avail < 3 && !r->ended &&
	    (avail == 0 || memcmp(r->in.data + r->pos, bom, avail) == 0))
		return 0;
	if (avail >= 3 && memcmp(r->in.data + r->pos, bom, 3) == 0)
		r->pos += 3;
	r->bom_checked = 1;
	return 1;
}

int
csv_next(struct csv_reader *r, struct err *e)
{
	for (;;) {
		int failed = 0, rc;
		long line;
		char c;

		if (!r->bom_checked && !csv_bom(r)) {
			if (csv_fill(r, e, &failed))
				continue;
			if (failed)
				return -1;
			if (!r->ended)
				return 0;
			continue;
		}
		if (r->pos == r->in.len) {
			if (csv_fill(r, e, &failed))
				continue;
			if (failed)
				return -1;
			return r->ended ? csv_at_end(r, e) : 0;
		}
		c = r->in.data[r->pos++];
		line = r->line;
		if (c == '\r' || (c == '\n' && !r->prev_cr))
			r->line++;
		r->prev_cr = c == '\r';
		if (r->state == CSV_SKIP || r->state == CSV_REC_START)
			r->u8_need = 0;
		if (r->state != CSV_SKIP && csv_utf8(r, (unsigned char)c) < 0) {
			r->u8_need = 0;
			rc = csv_fail(r, e, line, "invalid UTF-8 (save the "
				      "file as \"CSV UTF-8\")");
			if (is_eol(c))
				r->state = CSV_REC_START;
			return rc;
		}
		if (c == '\0' && r->state != CSV_SKIP) {
			/* a C string would end here: the field would be cut
			 * short and the rest of it lost without a word */
			rc = csv_fail(r, e, line, "a NUL byte in field %zu "
				      "(the file is not plain text: save it "
				      "as \"CSV UTF-8\")",
				      r->state == CSV_REC_START ? 1 :
				      r->nfields);
			return rc;
		}
		rc = csv_step(r, c, line, e);
		if (rc != 0)
			return rc;
	}
}

size_t
csv_nfields(const struct csv_reader *r)
{
	return r->nfields;
}

const char *
csv_field(const struct csv_reader *r, size_t i)
{
	if (i >= r->nfields)
		return "";
	return r->rec.data + r->off[i];
}

long
csv_line(const struct csv_reader *r)
{
	return r->rec_line;
}

const char *
csv_name(const struct csv_reader *r)
{
	return r->name;
}

void
csv_free(struct csv_reader **rp)
{
	struct csv_reader *r;

	if (rp == NULL || *rp == NULL)
		return;
	r = *rp;
	buf_free(&r->in);
	buf_free(&r->rec);
	free(r->off);
	free(r->name);
	free(r);
	*rp = NULL;
}

/* ---- writer ------------------------------------------------------------ */

static int
csv_needs_quotes(const char *s)
{
	size_t n = strlen(s);

	/* ';' and TAB too: a spreadsheet whose list separator is one of
	 * them would split the cell there, and the second half could be a
	 * formula again */
	return strpbrk(s, ",\"\r\n;\t") != NULL ||
	       (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
}

int
csv_quote(struct buf *b, const char *s)
{
	int rc = 0;

	if (s == NULL || !csv_needs_quotes(s))
		return buf_adds(b, s ? s : "");
	rc |= buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			rc |= buf_addc(b, '"');
		rc |= buf_addc(b, *s);
	}
	rc |= buf_addc(b, '"');
	return rc ? -1 : 0;
}

static int
csv_digits(const char **p)
{
	const char *s = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

/* A plain decimal number a spreadsheet reads as such: [+-]digits[.digits]
 * [e[+-]digits]. "-5" must stay a number a column can sum. */
static int
csv_is_number(const char *s)
{
	int whole, frac = 0;

	if (*s == '+' || *s == '-')
		s++;
	whole = csv_digits(&s);
	if (*s == '.') {
		s++;
		frac = csv_digits(&s);
	}
	if (!whole && !frac)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!csv_digits(&s))
			return 0;
	}
	return *s == '\0';
}

int
csv_needs_guard(const char *s)
{
	const char *t;

	if (s == NULL)
		return 0;
	/* a cell that already starts with the guard keeps its own, and
	 * gets one more: csv_unguard then gives back exactly s */
	s += strspn(s, "'");
	if (*s == '\t' || *s == '\r')
		return 1;	/* OWASP: some readers drop them first */
	t = s + strspn(s, " \t\r\n");
	return strchr("=+-@", *t) != NULL && *t != '\0' &&
	       !csv_is_number(t);
}

int
csv_cell(struct buf *b, const char *s)
{
	struct buf g;
	int rc;

	if (!csv_needs_guard(s))
		return csv_quote(b, s);
	buf_init(&g, 0);
	buf_addc(&g, '\'');
	buf_adds(&g, s);
	rc = csv_quote(b, buf_cstr(&g));
	buf_free(&g);
	return rc;
}

const char *
csv_unguard(const char *s)
{
	return s[0] == '\'' && csv_needs_guard(s + 1) ? s + 1 : s;
}

int
csv_write_row(FILE *out, const char *const *v, size_t n)
{
	struct buf b;
	int rc = 0;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			rc |= buf_addc(&b, ',');
		rc |= csv_cell(&b, v[i]);
	}
	rc |= buf_adds(&b, "\r\n");
	if (fwrite(b.data, 1, b.len, out) != b.len)
		rc = -1;
	buf_free(&b);
	return rc ? -1 : 0;
}
