/*
 * textcol.c -- see textcol.h. A small wcwidth() that needs no locale:
 * setlocale is process-global state, which anketa does not touch. And the
 * one place that says which characters a terminal must not get, so the
 * listings and the input checks agree on it.
 */
#include "base/textcol.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

#define TEXTCOL_REPL "\xef\xbf\xbd"	/* U+FFFD */

/* The code point at s[0..n) and its length in *len_r, strictly (RFC 3629:
 * no overlongs, no surrogates, nothing past U+10FFFF), or TEXTCOL_BAD_UTF8
 * for one bad byte. n > 0. */
static long
textcol_decode(const unsigned char *s, size_t n, size_t *len_r)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need;
	long cp;

	*len_r = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 1, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 2, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 3, cp = s[0] & 0x07;
	else
		return TEXTCOL_BAD_UTF8;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (n <= need)
		return TEXTCOL_BAD_UTF8;
	for (size_t i = 1; i <= need; i++) {
		if (s[i] < lo || s[i] > hi)
			return TEXTCOL_BAD_UTF8;
		lo = 0x80, hi = 0xBF;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*len_r = need + 1;
	return cp;
}

/* What a terminal would act on (or cannot show): C0 but keep, DEL, C1. */
static int
textcol_bad(long cp, const char *keep)
{
	if (cp == TEXTCOL_BAD_UTF8 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
		return 1;
	return cp < 0x20 && (cp == 0 || strchr(keep, (int)cp) == NULL);
}

static int
textcol_cp_width(uint32_t cp)
{
	static const uint32_t zero[][2] = {
		{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x200B, 0x200F },
		{ 0x20D0, 0x20FF }, { 0xFE00, 0xFE0F }, { 0xFEFF, 0xFEFF },
	};
	static const uint32_t wide[][2] = {
		{ 0x1100, 0x115F }, { 0x2E80, 0xA4CF }, { 0xAC00, 0xD7A3 },
		{ 0xF900, 0xFAFF }, { 0xFE30, 0xFE4F }, { 0xFF00, 0xFF60 },
		{ 0xFFE0, 0xFFE6 }, { 0x1F300, 0x1F64F }, { 0x1F900, 0x1F9FF },
		{ 0x20000, 0x3FFFD },
	};

	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 0;
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (cp >= zero[i][0] && cp <= zero[i][1])
			return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 2;
	return 1;
}

size_t
textcol_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), w = 0, len;

	for (; n > 0; p += len, n -= len) {
		long cp = textcol_decode(p, n, &len);

		w += textcol_bad(cp, "") ? 1 :
		     (size_t)textcol_cp_width((uint32_t)cp);
	}
	return w;
}

int
textcol_add(struct buf *b, const char *s, const char *keep)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), len, run = 0;
	int rc = 0;

	/* clean runs are copied in one go: most text has nothing to fix */
	for (; n > 0; p += len, n -= len) {
		long cp = textcol_decode(p, n, &len);

		if (!textcol_bad(cp, keep)) {
			run += len;
			continue;
		}
		rc |= buf_add(b, p - run, run);
		rc |= buf_adds(b, TEXTCOL_REPL);
		run = 0;
	}
	rc |= buf_add(b, p - run, run);
	return rc ? -1 : 0;
}

int
textcol_clean(struct buf *b, size_t from, const char *keep)
{
	char *tail;
	int rc;

	if (from >= b->len)
		return 0;
	if (textcol_unsafe(b->data + from, b->len - from, keep) < 0)
		return 0;	/* the usual case: nothing to copy */
	tail = xstrndup(b->data + from, b->len - from);
	b->len = from;
	b->data[from] = '\0';
	rc = textcol_add(b, tail, keep);
	free(tail);
	return rc;
}

long
textcol_unsafe(const char *s, size_t n, const char *keep)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	for (; n > 0; p += len, n -= len) {
		long cp = textcol_decode(p, n, &len);

		if (textcol_bad(cp, keep))
			return cp;
	}
	return -1;
}

int
textcol_pad(struct buf *b, const char *s, size_t width)
{
	size_t w = textcol_width(s);
	int rc = textcol_add(b, s, "");

	for (; w < width; w++)
		rc |= buf_addc(b, ' ');
	return rc ? -1 : 0;
}
