/*
 * parse_decode.c -- the body decodings parse.c applies to a part:
 * quoted-printable (RFC 2045 6.7), base64, and format=flowed (RFC 3676, with
 * DelSp). Pure; see parse_private.h. Split from parse.c, which walks the
 * MIME tree and chooses the text.
 */
#include "mail/parse_private.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xmem.h"

/* ---- transfer decodings ---------------------------------------------- */

int
parse_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Quoted-printable: "=XX", soft breaks "=\r\n" / "=\n" (with trailing
 * blanks before the break); a bad escape is kept literally. */
char *
parse_qp_decode(const char *s, size_t len, size_t *out_len)
{
	char *o = xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '=') {
			o[n++] = s[i];
			continue;
		}
		size_t j = i + 1;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j < len && (s[j] == '\n' || s[j] == '\r')) {
			if (s[j] == '\r' && j + 1 < len && s[j + 1] == '\n')
				j++;
			i = j;
			continue;
		}
		if (j == len) {
			i = j;
			continue;
		}
		if (i + 2 < len + 0 && parse_hexval((unsigned char)s[i + 1]) >= 0 &&
		    parse_hexval((unsigned char)s[i + 2]) >= 0) {
			o[n++] = (char)(parse_hexval((unsigned char)s[i + 1]) * 16 +
					parse_hexval((unsigned char)s[i + 2]));
			i += 2;
		} else
			o[n++] = '=';
	}
	o[n] = '\0';
	*out_len = n;
	return o;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Base64: characters outside the alphabet are skipped, '=' ends the data,
 * a truncated final group yields its complete bytes. */
char *
parse_b64_decode(const char *s, size_t len, size_t *out_len, int *damaged)
{
	char *o = xmalloc(len / 4 * 3 + 4);
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;

	size_t i, chars = 0;

	for (i = 0; i < len && s[i] != '='; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0) {
			if (!isspace((unsigned char)s[i]))
				*damaged = 1;
			continue;
		}
		chars++;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (i == len && chars % 4 != 0)
		*damaged = 1;	/* cut off: no padding, incomplete group */
	o[n] = '\0';
	*out_len = n;
	return o;
}

/* ---- format=flowed (RFC 3676) ---------------------------------------- */

static void
flowed_line(const char *l, size_t len, int *depth_r, const char **text_r,
	    size_t *tlen_r)
{
	size_t i = 0;

	while (i < len && l[i] == '>')
		i++;
	*depth_r = (int)i;
	if (i < len && l[i] == ' ')
		i++;	/* space-stuffing, or the space after quote marks */
	*text_r = l + i;
	*tlen_r = len - i;
}

char *
parse_flowed_unwrap(const char *s, int delsp)
{
	struct buf o;
	int open = 0, open_depth = 0;

	buf_init(&o, 0);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		const char *t;
		size_t tl;
		int depth;

		if (len && s[len - 1] == '\r')
			len--;
		flowed_line(s, len, &depth, &t, &tl);
		int sig = tl == 3 && strncmp(t, "-- ", 3) == 0;
		if (open && depth != open_depth)
			buf_addc(&o, '\n');	/* quote depth changed */
		if (!open || depth != open_depth) {
			for (int i = 0; i < depth; i++)
				buf_addc(&o, '>');
			if (depth)
				buf_addc(&o, ' ');
		}
		int flows = !sig && tl > 0 && t[tl - 1] == ' ';
		buf_add(&o, t, flows && delsp ? tl - 1 : tl);
		open = flows;
		open_depth = depth;
		if (!flows)
			buf_addc(&o, '\n');
		if (!nl)
			break;
		s = nl + 1;
	}
	buf_cstr(&o);
	return buf_steal(&o);
}
