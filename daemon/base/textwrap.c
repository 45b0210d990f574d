/*
 * textwrap.c -- see textwrap.h. Greedy: each continuation line takes as
 * many words as fit.
 */
#include "base/textwrap.h"

#include <ctype.h>
#include <string.h>

/* Code points in s[0..n). */
static size_t
chars(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

/* Bytes of the hanging indent of line s[0..n): its leading blanks and a
 * list marker or label after them ("- ", "1. ", "Q12. ", "A3: "). */
static size_t
hang(const char *s, size_t n, size_t *lead_r)
{
	size_t i = 0, j;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	*lead_r = i;
	if (i + 1 < n && (s[i] == '-' || s[i] == '*') && s[i + 1] == ' ')
		return i + 2;
	j = i + (i < n && (s[i] == 'Q' || s[i] == 'A'));
	if (j < n && isdigit((unsigned char)s[j])) {
		while (j < n && isdigit((unsigned char)s[j]))
			j++;
		if (j + 1 < n && (s[j] == '.' || s[j] == ':' || s[j] == ')') &&
		    s[j + 1] == ' ')
			return j + 2;
	}
	return i;
}

static void
wrap_line(const char *s, size_t n, size_t width, struct buf *out)
{
	size_t lead, h = hang(s, n, &lead), col, i, hw;

	if (chars(s, n) <= width || (n >= 1 && s[0] == '>') ||
	    (n == 3 && memcmp(s, "-- ", 3) == 0)) {
		buf_add(out, s, n);
		buf_addc(out, '\n');
		return;
	}
	hw = chars(s, h);
	if (hw + 20 > width)	/* a silly indent: do not hang on it */
		h = lead, hw = chars(s, lead);
	buf_add(out, s, h);
	col = hw;
	i = h;
	for (int first = 1; i < n; first = 0) {
		size_t w0 = i, w1, wc;

		while (w0 < n && s[w0] == ' ')
			w0++;
		if (w0 == n)
			break;
		w1 = w0;
		while (w1 < n && s[w1] != ' ')
			w1++;
		wc = chars(s + w0, w1 - w0);
		if (!first && col + (w0 - i) + wc > width) {
			buf_addc(out, '\n');
			buf_add(out, s, lead);
			for (size_t k = chars(s, lead); k < hw; k++)
				buf_addc(out, ' ');
			col = hw;
			first = 1;
		}
		if (!first) {	/* the spacing the line had */
			buf_add(out, s + i, w0 - i);
			col += w0 - i;
		}
		buf_add(out, s + w0, w1 - w0);
		col += wc;
		i = w1;
	}
	buf_addc(out, '\n');
}

void
textwrap(const char *in, size_t len, size_t width, struct buf *out)
{
	const char *end = in + len;

	while (in && in < end) {
		const char *nl = memchr(in, '\n', (size_t)(end - in));
		size_t n = nl ? (size_t)(nl - in) : (size_t)(end - in), m = n;

		if (m && in[m - 1] == '\r')
			m--;
		wrap_line(in, m, width, out);
		in += n;
		if (in < end)
			in++;		/* the newline */
		else if (out->len)	/* no newline at the end: keep none */
			out->data[--out->len] = '\0';
	}
}

void
textwrap_buf(struct buf *b, size_t width)
{
	struct buf t;

	if (b->len == 0)
		return;
	buf_init(&t, 0);
	textwrap(b->data, b->len, width, &t);
	buf_reset(b);
	buf_add(b, t.data, t.len);
	buf_free(&t);
}

size_t
textwrap_longest(const char *text, size_t *line_r)
{
	size_t best = 0, no = 0;

	while (text && *text) {
		size_t n = strcspn(text, "\n"), lead = 0, w;

		no++;
		while (lead < n && text[lead] == ' ')
			lead++;
		w = chars(text, n - (n && text[n - 1] == '\r'));
		if (w > best && memchr(text + lead, ' ', n - lead) != NULL) {
			best = w;
			if (line_r)
				*line_r = no;
		}
		text += n + (text[n] == '\n');
	}
	return best;
}
