/*
 * quote.c -- see quote.h. One pass over the lines; each line is new text,
 * quoted text, a quote header (attribution, "Original Message", a header
 * block), the start of a forwarded message, or signature. A header that is
 * not followed by '>' lines starts an unquoted original (Outlook style):
 * everything after it is quoted. Text between quote blocks is kept in
 * order (interleaved and bottom-posted replies).
 *
 * Headers are recognised by shape first, in any language: an attribution
 * ends with ':' and names a date and an address ("2014-03-20 8:48 GMT+01:00
 * Name <addr>:"), a header block is consecutive "Label: value" lines whose
 * values hold an address and a date; quote_lang.c's words are extra
 * evidence. Every detector looks at no more than a few lines of at most
 * QUOTE_HDR_MAX bytes, so the pass stays linear even on megabyte lines.
 * Where a signature starts is quote_sig.c's.
 */
#include "mail/quote.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xmem.h"
#include "mail/quote_lang.h"
#include "mail/quote_private.h"

#define QUOTE_SPAN_MAX 5	/* an attribution wrapped over <= 5 lines */
#define QUOTE_FIELDS_AHEAD 7	/* From: block fields within 7 lines */
#define QUOTE_LABEL_MAX 32	/* "Label" of a "Label: value" field */

static int
starts_with_any(const char *s, enum quote_wordlist w)
{
	size_t n;
	const char *const *v = quote_words(w, &n);

	for (size_t i = 0; i < n; i++)
		if (quote_first_byte_may(s, v[i]) &&
		    strncmp(s, v[i], strlen(v[i])) == 0)
			return 1;
	return 0;
}

int
quote_contains_any(const char *s, enum quote_wordlist w)
{
	size_t n;
	const char *const *v = quote_words(w, &n);

	for (size_t i = 0; i < n; i++)
		if (strstr(s, v[i]) != NULL)
			return 1;
	return 0;
}

int
quote_equals_any(const char *s, enum quote_wordlist w)
{
	size_t n;
	const char *const *v = quote_words(w, &n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return 1;
	return 0;
}

int
quote_blank(const struct qline *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!isspace((unsigned char)l->s[i]))
			return 0;
	return 1;
}

/* Bytes to skip to remove one level of '>' or '|' (leading blanks, the
 * mark, one space); 0 if the line is not quoted. A ">>> banner <<<" is not
 * a quote, nor is a "| table | row |". */
static size_t
quote_prefix(const struct qline *l)
{
	size_t i = 0;

	while (i < l->len && i < 4 && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	if (i >= l->len || (l->s[i] != '>' && l->s[i] != '|'))
		return 0;
	size_t e = l->len;
	while (e > 0 && isspace((unsigned char)l->s[e - 1]))
		e--;
	if (e > i + 1 && l->s[e - 1] == (l->s[i] == '>' ? '<' : '|'))
		return 0;
	if (l->s[i] == '|' && i + 1 < l->len && l->s[i + 1] != ' ')
		return 0;
	i++;
	if (i < l->len && l->s[i] == ' ')
		i++;
	return i;
}

/* Copy of a line for matching: bold '*' removed, leading blanks and
 * dashes removed, trailing blanks and dashes removed, ASCII and Cyrillic
 * lower-cased, " :" and the full-width colon folded to ":". "" if the line
 * is too long to be a header. */
static void norm_into(const struct qline *l, char *out, size_t outsz);

void
quote_norm(const struct qline *l, char *out, size_t outsz)
{
	out[0] = '\0';
	if (l->len > QUOTE_HDR_MAX || outsz < QUOTE_HDR_MAX + 1)
		return;
	norm_into(l, out, outsz);
}

/* The form never grows: out needs l->len + 1 bytes. */
static void
norm_into(const struct qline *l, char *out, size_t outsz)
{
	size_t o = 0, i = 0, len = l->len;

	while (i < len && (isspace((unsigned char)l->s[i]) || l->s[i] == '-' ||
	    l->s[i] == '*'))
		i++;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)l->s[i];
		if (c == '*')
			continue;
		if (c == 0xef && i + 2 < len && (unsigned char)l->s[i + 1] == 0xbc &&
		    (unsigned char)l->s[i + 2] == 0x9a) {
			c = ':';	/* full-width colon (zh, ja) */
			i += 2;
		}
		if (c == ':' && o > 0 && out[o - 1] == ' ')
			o--;
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)l->s[i + 1] == 0xa0) {
			c = ' ';	/* no-break space */
			i++;
		}
		if (c == 0xd0 && i + 1 < len && o + 2 < outsz) {
			/* Cyrillic А-Я to а-я: "От:", "На ..." */
			unsigned char d = (unsigned char)l->s[i + 1];
			if (d >= 0x90 && d <= 0x9f)
				d += 0x20;
			else if (d >= 0xa0 && d <= 0xaf) {
				c = 0xd1;
				d -= 0x20;
			}
			out[o++] = (char)c;
			out[o++] = (char)d;
			i++;
			continue;
		}
		out[o++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	while (o > 0 && (isspace((unsigned char)out[o - 1]) || out[o - 1] == '-'))
		o--;
	out[o] = '\0';
}

const char *
quote_norm_at(const struct qtext *t, size_t i)
{
	const struct qline *l = &t->v[i];
	char *out = t->norm + t->noff[i];

	if (!t->done[i]) {
		out[0] = '\0';
		if (l->len <= QUOTE_HDR_MAX)
			norm_into(l, out, l->len + 1);
		t->done[i] = 1;
	}
	return out;
}

static int
has_digit_or_at(const char *s)
{
	for (; *s; s++)
		if (isdigit((unsigned char)*s) || *s == '@')
			return 1;
	return 0;
}

/* An e-mail address: "x@y.z" or "mailto:". */
static int
has_addr(const char *s)
{
	for (const char *p = strchr(s, '@'); p; p = strchr(p + 1, '@'))
		if (p > s && (isalnum((unsigned char)p[-1]) || strchr("._-+", p[-1])) &&
		    isalnum((unsigned char)p[1]))
			return 1;
	return strstr(s, "mailto:") != NULL;
}

/* A date or time: "12:30", "2014-03-20", "3.1.2025", "20/7", a year. */
static int
has_date(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p) || (p > s && isdigit((unsigned char)p[-1])))
			continue;
		size_t d = strspn(p, "0123456789");
		if (d == 4 && (p[0] == '1' || p[0] == '2') &&
		    !isalnum((unsigned char)p[4]))
			return 1;	/* a year */
		if (d <= 4 && strchr(":./-", p[d]) && p[d] != '\0' &&
		    isdigit((unsigned char)p[d + 1]))
			return 1;
		if (d <= 4 && strncmp(p + d, "年", strlen("年")) == 0)
			return 1;
	}
	return 0;
}

static size_t
next_nonblank(const struct qtext *t, size_t i)
{
	while (i < t->n && quote_blank(&t->v[i]))
		i++;
	return i;
}

int
quote_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Is the joined text an attribution ("On <date>, <who> wrote:")? By its
 * words, or by its shape: a date and an address before the final ':'. */
static int
attribution_text(const char *j, int dashed)
{
	int opener = starts_with_any(j, QW_ON);

	if (quote_ends_with(j, ":") && strlen(j) < 300 && has_addr(j) && has_date(j))
		return 1;
	/* the cheap test first: most joined lines end in neither */
	if (!quote_ends_with(j, ":") && !quote_ends_with(j, "wrote") && !quote_ends_with(j, "sent"))
		return 0;
	if (!quote_contains_any(j, QW_WROTE))
		return 0;
	return opener || dashed || has_digit_or_at(j);
}

/* A Gmail-old / Yandex / mail.ru attribution "<date> <who> <addr>:" is
 * only taken as one when a '>' block follows. */
static int
date_addr_text(const char *j)
{
	return strchr(j, '@') && has_digit_or_at(j) && strlen(j) < 300 &&
	       (quote_ends_with(j, ":") || quote_ends_with(j, ">"));
}

/* Lines spanned by an attribution starting at line i (0 if none);
 * *block_r is set when a '>' block follows it. */
static size_t
attribution_at(const struct qtext *t, size_t i, int *block_r)
{
	const char *one = quote_norm_at(t, i);
	struct buf j;
	size_t span = 0;

	if (one[0] == '\0')
		return 0;
	int dashed = t->v[i].len > 2 && strncmp(t->v[i].s + (t->v[i].s[0] == ' '),
						"--", 2) == 0;
	int opener = starts_with_any(one, QW_ON);
	if (!opener && !has_digit_or_at(one) && !dashed &&
	    !quote_contains_any(one, QW_WROTE))
		return 0;
	int quoted = quote_prefix(&t->v[i]) > 0;
	buf_init(&j, 0);
	for (size_t k = 0; k < QUOTE_SPAN_MAX && i + k < t->n; k++) {
		char rbuf[QUOTE_HDR_MAX + 1];
		const char *part = rbuf;
		const struct qline *l = &t->v[i + k];
		size_t skip = k > 0 ? quote_prefix(l) : 0;
		/* A finished sentence ("On Thursday.") does not run into
		 * the quote below it. */
		if (k > 0 && skip > 0 && !quoted && j.len &&
		    strchr(".!?", j.data[j.len - 1]))
			break;
		struct qline rest = { l->s + skip, l->len - skip };
		if (skip == 0)
			part = quote_norm_at(t, i + k);
		else
			quote_norm(&rest, rbuf, sizeof(rbuf));
		/* Only an attribution that opens like one ("On <date>",
		 * Polymail wraps it around blank lines) continues past a
		 * blank line; otherwise new text with a digit ("A1:
		 * Ostrava") would be swallowed into the "On ... wrote:"
		 * paragraph below it. */
		if (part[0] == '\0' && (!quote_blank(l) || !opener))
			break;
		/* Nor does a line that does not open like one run into an
		 * "On ... wrote:" below it: the attribution starts there. */
		if (k > 0 && !dashed && starts_with_any(part, QW_ON) &&
		    ((!opener && attribution_text(part, 0)) ||
		     (!has_date(buf_cstr(&j)) && has_date(part))))
			break;
		if (part[0] != '\0') {
			if (j.len)
				buf_addc(&j, ' ');
			buf_adds(&j, part);
		}
		if (j.len > 2 * QUOTE_HDR_MAX)
			break;
		const char *js = buf_cstr(&j);
		size_t after = next_nonblank(t, i + k + 1);
		int block = after < t->n && quote_prefix(&t->v[after]) > 0;
		/* Right above a '>' block less evidence is needed: a date or
		 * a verb of writing before the ':' ("John Smith wrote:"). */
		if (attribution_text(js, dashed) ||
		    (k < 2 && block && (date_addr_text(js) ||
		     (quote_ends_with(js, ":") && (has_date(js) ||
		      quote_contains_any(js, QW_WROTE)))))) {
			span = k + 1;
			*block_r = block;
			break;
		}
		/* Only a line that is clearly not finished continues. */
		if (k == 0 && quote_ends_with(js, ":") && !block)
			break;
	}
	buf_free(&j);
	return span;
}

static int contact_label(const char *n, size_t v);
static int is_divider(const struct qline *l);
static size_t field_value(const char *n);
static int field_label(const char *n, enum quote_wordlist w, char *seen,
		       size_t seensz);

/* A rule with a title: "-----Original Message-----", "-------- X --------",
 * "________ X". The title (lower-cased, no dashes) into n, or 0. */
static int
titled_rule(const struct qline *l, char n[QUOTE_HDR_MAX + 1])
{
	size_t k = 0;

	while (k < l->len && l->s[k] == ' ')
		k++;
	if (l->len - k < 3 || (strncmp(l->s + k, "---", 3) != 0 &&
	    strncmp(l->s + k, "___", 3) != 0 && strncmp(l->s + k, "===", 3) != 0))
		return 0;
	quote_norm(l, n, QUOTE_HDR_MAX + 1);
	size_t s = strspn(n, "_= "), e = strlen(n);
	while (e > s && strchr("_= ", n[e - 1]))
		e--;
	memmove(n, n + s, e - s);
	n[e - s] = '\0';
	return n[0] != '\0';
}

/* Is line i a header field of a known label, or one naming an address? */
static int
header_field_at(const struct qtext *t, size_t i)
{
	const char *n = quote_norm_at(t, i);
	size_t v = field_value(n);
	return v > 0 && !contact_label(n, v) && (has_addr(n + v) ||
	       field_label(n, QW_FROM, NULL, 0) || field_label(n, QW_FIELD, NULL, 0));
}

/* "-----Original Message-----" in a known language, or any short titled
 * rule with a header field right below it. */
static int
original_message_at(const struct qtext *t, size_t i)
{
	char n[QUOTE_HDR_MAX + 1];

	if (!titled_rule(&t->v[i], n))
		return 0;
	if (quote_equals_any(n, QW_ORIGINAL) || (has_addr(n) && has_date(n)))
		return 1;	/* or "----- Цитат от X (addr), на <date> -----" */
	size_t k = next_nonblank(t, i + 1);
	return quote_count_words(n) <= 5 && k < t->n && k <= i + 2 &&
	       header_field_at(t, k);
}

/* "Label: value" with a label of 1-4 words and no digits (answers are
 * "A1:"); the value's offset in n, or 0. */
static size_t
field_value(const char *n)
{
	const char *c = strchr(n, ':');
	size_t words = 1;

	if (c == NULL || c == n || (size_t)(c - n) > QUOTE_LABEL_MAX ||
	    (c[1] != ' ' && c[1] != '\0' && c[1] != '\t'))
		return 0;
	if (isdigit((unsigned char)n[0]) || ispunct((unsigned char)n[0]))
		return 0;
	for (const char *p = n; p < c; p++) {
		/* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.ArraySubscript): p is before c = strchr(n, ':'), inside the string */
		if (isdigit((unsigned char)*p) || strchr("@<>()[]\"/", *p))
			return 0;
		if (*p == ' ')
			words++;
	}
	return words <= 4 ? (size_t)(c - n) + 1 : 0;
}

static int
field_label(const char *n, enum quote_wordlist w, char *seen, size_t seensz)
{
	size_t nv;
	const char *const *v = quote_words(w, &nv);

	for (size_t i = 0; i < nv; i++)
		if (quote_first_byte_may(n, v[i]) &&
		    strncmp(n, v[i], strlen(v[i])) == 0) {
			if (seen)
				snprintf(seen, seensz, "%s", v[i]);
			return 1;
		}
	return 0;
}

/* "From: ... / Sent: ... / To: ... / Subject: ..." with localized labels,
 * the unquoted original of Outlook and many webmails. */
static int
from_block_at(const struct qtext *t, size_t i)
{
	char seen[QUOTE_LABEL_MAX + 1], f[QUOTE_LABEL_MAX + 1];
	int others = 0;

	if (!field_label(quote_norm_at(t, i), QW_FROM, seen, sizeof(seen)))
		return 0;
	for (size_t k = 1; k <= QUOTE_FIELDS_AHEAD && i + k < t->n; k++) {
		const char *n = quote_norm_at(t, i + k);
		if (field_label(n, QW_FIELD, f, sizeof(f)) && strcmp(f, seen) != 0)
			others++;
	}
	return others >= 1;
}

/* Is the label of field n ("phone: ...") one of a contact block? */
static int
contact_label(const char *n, size_t v)
{
	char label[QUOTE_LABEL_MAX + 1];

	if (v < 2 || v - 1 > QUOTE_LABEL_MAX)
		return 0;
	memcpy(label, n, v - 1);
	label[v - 1] = '\0';
	return quote_equals_any(label, QW_CONTACT);
}

/* A block of three or more "Label: value" lines in any language, one
 * value an address and one a date: the header of an unquoted original.
 * It starts a paragraph or follows a rule. A contact block ("Phone:", "E-mail:"), which a
 * respondent may type, is none. */
static int
header_block_at(const struct qtext *t, size_t i)
{
	int fields = 0, addr = 0, date = 0, loose = 0, known = 0;
	int rule = i > 0 && is_divider(&t->v[i - 1]);

	if (i > 0 && !quote_blank(&t->v[i - 1]) && !rule)
		return 0;
	for (size_t k = 0; k <= QUOTE_FIELDS_AHEAD && i + k < t->n; k++) {
		const char *n = quote_norm_at(t, i + k);
		size_t v = field_value(n);
		if (n[0] == '\0')
			break;
		if (v == 0) {
			/* a wrapped value ("Name\n<addr>") */
			if (k == 0 || ++loose > 1)
				break;
			addr |= has_addr(n);
			continue;
		}
		if (contact_label(n, v))
			return 0;
		if (k == 0)	/* "From: <a name>", not "Date: <a date>" */
			known = field_label(n, QW_FROM, NULL, 0) &&
				!has_date(n + v);
		fields++;
		addr |= has_addr(n + v);
		date |= has_date(n + v);
	}
	/* Outlook names the sender without an address ("Od: Jan Novák"):
	 * then a known first label or the rule above it stands in */
	return fields >= 3 && date && (addr || known || rule);
}

/* "---------- Forwarded message ---------", "Begin forwarded message:",
 * a titled rule followed by a header block: a forwarded message. */
static int
forward_at(const struct qtext *t, size_t i)
{
	char n[QUOTE_HDR_MAX + 1];

	if (titled_rule(&t->v[i], n))
		return quote_contains_any(n, QW_FORWARD);
	const char *m = quote_norm_at(t, i);
	if (!quote_ends_with(m, ":") || !starts_with_any(m, QW_FORWARD))
		return 0;
	return strlen(m) < 60;
}

static int
is_divider(const struct qline *l)
{
	size_t marks = 0;

	for (size_t i = 0; i < l->len; i++) {
		char c = l->s[i];
		if (c == '-' || c == '_' || c == '=')
			marks++;
		else if (!isspace((unsigned char)c) && c != '*')
			return 0;
	}
	return marks >= 3;
}

size_t
quote_count_words(const char *s)
{
	size_t n = 0;
	int in = 0;

	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* A quote or a header at line i: the signature's tail ends there. */
int
quote_header_at(const struct qtext *t, size_t i)
{
	int block = 0;

	return quote_prefix(&t->v[i]) || original_message_at(t, i) ||
	       forward_at(t, i) || from_block_at(t, i) ||
	       header_block_at(t, i) || attribution_at(t, i, &block);
}

/* "reply On <date>, <who> wrote:" with a '>' block below: the length of
 * the new text before the attribution, or 0. */
static size_t
shared_line_split(const struct qtext *t, size_t i)
{
	const struct qline *l = &t->v[i];
	char n[QUOTE_HDR_MAX + 1];

	if (l->len > QUOTE_HDR_MAX || i + 1 >= t->n ||
	    quote_prefix(&t->v[i + 1]) == 0)
		return 0;
	quote_norm(l, n, sizeof(n));
	if (!quote_ends_with(n, "wrote:"))
		return 0;
	for (size_t p = 1; p + 3 < l->len; p++) {
		if (strncmp(l->s + p, "On ", 3) == 0 &&
		    (l->s[p - 1] == ' ' || l->s[p - 1] == '-')) {
			struct qline rest = { l->s + p, l->len - p };
			char r[QUOTE_HDR_MAX + 1];
			quote_norm(&rest, r, sizeof(r));
			size_t e = p;
			while (e > 0 && (l->s[e - 1] == ' ' || l->s[e - 1] == '-'))
				e--;
			if (e > 0 && attribution_text(r, 0))
				return e;	/* the text before it is new */
		}
	}
	return 0;
}

static void
split_lines(char *s, struct qtext *t)
{
	size_t cap = 64;

	t->v = xreallocarray(NULL, cap, sizeof(*t->v));
	t->n = 0;
	for (char *p = s;;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (t->n == cap) {
			cap *= 2;
			t->v = xreallocarray(t->v, cap, sizeof(*t->v));
		}
		t->v[t->n].s = p;
		t->v[t->n].len = len;
		t->n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	/* every normalised line fits in its own length + 1 */
	t->noff = xreallocarray(NULL, t->n, sizeof(*t->noff));
	t->done = xcalloc(t->n, 1);
	size_t off = 0;
	for (size_t i = 0; i < t->n; i++) {
		t->noff[i] = off;
		off += t->v[i].len + 1;
	}
	t->norm = xmalloc(off);
}

/* CRLF and lone CR become LF. */
static char *
normalize_newlines(const char *text)
{
	size_t n = strlen(text);
	char *s = xmalloc(n + 1), *o = s;

	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\r') {
			*o++ = '\n';
			if (text[i + 1] == '\n')
				i++;
		} else
			*o++ = text[i];
	}
	*o = '\0';
	return s;
}

static void
add_line(struct buf *b, const char *s, size_t len)
{
	buf_add(b, s, len);
	buf_addc(b, '\n');
}

/* The start of the last line of b (after trailing blanks are cut). */
static size_t
last_line(struct buf *b)
{
	while (b->len && (b->data[b->len - 1] == '\n' ||
	       b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t'))
		b->len--;
	size_t st = b->len;
	while (st > 0 && b->data[st - 1] != '\n')
		st--;
	return st;
}

/* Drop trailing divider and blank lines already emitted as new text: they
 * belong to the header that follows; so does an intro without its ':'
 * ("Am 20.06.24 um 16:20 schrieb X"). */
static void
drop_trailing_dividers(struct buf *b)
{
	char n[QUOTE_HDR_MAX + 1];

	if (b->data == NULL)
		return;	/* nothing emitted yet (NULL + 0 is undefined) */
	for (int intro = 1;; intro = 0) {
		size_t st = last_line(b);
		struct qline l = { b->data + st, b->len - st };
		if (b->len == 0)
			break;
		quote_norm(&l, n, sizeof(n));
		if (!is_divider(&l) && !(intro && starts_with_any(n, QW_ON) &&
		    quote_contains_any(n, QW_WROTE) && has_date(n)))
			break;
		b->len = st;
	}
	b->data[b->len] = '\0';
}

static char *
trimmed(struct buf *b)
{
	const char *s = buf_cstr(b);
	size_t st = 0, e = b->len;

	while (st < e && isspace((unsigned char)s[st]))
		st++;
	/* Keep the indentation of the first line: only blank lines go. */
	while (st > 0 && s[st - 1] != '\n')
		st--;
	while (e > st && isspace((unsigned char)s[e - 1]))
		e--;
	return xstrndup(s + st, e - st);
}

struct qstate {
	struct buf out;		/* new text */
	struct buf quoted;
	struct buf sig;
	struct buf fwd;
	int after_quote;	/* skip blank lines after a quote block */
	int in_sig;		/* drop lines until the next quote block */
	int has_text;		/* a non-blank line of new text came */
};

static void
emit_quoted(struct buf *b, const struct qline *l)
{
	size_t skip = quote_prefix(l);
	add_line(b, l->s + skip, l->len - skip);
}

/* The unquoted original or the forwarded message runs to the end. */
static void
quote_rest(struct qstate *st, const struct qtext *t, size_t from,
	   struct buf *to)
{
	drop_trailing_dividers(&st->out);
	for (size_t k = from; k < t->n; k++)
		emit_quoted(to, &t->v[k]);
}

static int
continues_quote(const struct qtext *t, size_t i)
{
	return i > 0 && i + 1 < t->n && !quote_blank(&t->v[i]) &&
	       quote_prefix(&t->v[i - 1]) && quote_prefix(&t->v[i + 1]);
}

/* One line of new text, or of the signature it starts. */
static void
text_line(struct qstate *st, const struct qtext *t, size_t i)
{
	const struct qline *l = &t->v[i];

	int sig = 0;

	if (st->in_sig && quote_postscript_at(l))
		st->in_sig = 0;
	else if (!st->in_sig)
		sig = quote_signature_at(t, i, st->has_text);
	if (sig > 0)
		st->in_sig = 1;
	if (!st->in_sig && !sig && !quote_blank(l))
		st->has_text = 1;
	add_line(st->in_sig || sig ? &st->sig : &st->out, l->s, l->len);
}

static void
split_text(const struct qtext *t, struct qstate *st)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct qline *l = &t->v[i];
		int block = 0;
		size_t span, cut;

		if (quote_prefix(l) || continues_quote(t, i)) {
			emit_quoted(&st->quoted, l);
			st->after_quote = 1;
			st->in_sig = 0;
			continue;
		}
		if (forward_at(t, i)) {
			quote_rest(st, t, i, &st->fwd);
			return;
		}
		if (original_message_at(t, i) || from_block_at(t, i) ||
		    header_block_at(t, i)) {
			quote_rest(st, t, i, &st->quoted);
			return;
		}
		if ((cut = shared_line_split(t, i)) > 0) {
			add_line(&st->out, l->s, cut);
			st->after_quote = 1;
			continue;
		}
		if ((span = attribution_at(t, i, &block)) > 0) {
			if (!block) {
				quote_rest(st, t, i + span, &st->quoted);
				return;
			}
			i += span - 1;
			st->after_quote = 1;	/* blank lines up to the '>' */
			continue;
		}
		if (quote_blank(l) && st->after_quote)
			continue;
		st->after_quote = 0;
		text_line(st, t, i);
	}
}

void
quote_parts_split(const char *text, struct quote_parts *p)
{
	char *s = normalize_newlines(text ? text : "");
	struct qtext t;
	struct qstate st = { .after_quote = 0 };

	split_lines(s, &t);
	buf_init(&st.out, 0);
	buf_init(&st.quoted, 0);
	buf_init(&st.sig, 0);
	buf_init(&st.fwd, 0);
	split_text(&t, &st);
	p->reply = trimmed(&st.out);
	p->quoted = trimmed(&st.quoted);
	p->signature = trimmed(&st.sig);
	p->forward = trimmed(&st.fwd);
	buf_free(&st.out);
	buf_free(&st.quoted);
	buf_free(&st.sig);
	buf_free(&st.fwd);
	free(t.v);
	free(t.noff);
	free(t.done);
	free(t.norm);
	free(s);
}

void
quote_parts_free(struct quote_parts *p)
{
	free(p->reply);
	free(p->quoted);
	free(p->signature);
	free(p->forward);
	memset(p, 0, sizeof(*p));
}

void
quote_split(const char *text, char **new_r, char **quoted_r)
{
	struct quote_parts p;

	quote_parts_split(text, &p);
	*new_r = p.reply;
	if (*p.forward == '\0')
		*quoted_r = p.quoted;
	else {
		*quoted_r = *p.quoted ? xasprintf("%s\n%s", p.quoted, p.forward) :
					xstrdup(p.forward);
		free(p.quoted);
	}
	free(p.signature);
	free(p.forward);
}
