/*
 * mime_body.c -- see mime_private.h: bodies written into the message:
 * the output block, the transfer encodings (7bit, quoted-printable,
 * base64), leaves and multipart bodies with their boundaries. Pure.
 */
#include "mail/mime_private.h"

#include <string.h>

#include "base/xmem.h"

/* ---- bodies ---------------------------------------------------------- */


void
mime_blk_out(struct blk *k, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (!k->full && buf_add(k->b, p, n) < 0)
		k->full = 1;
	k->total += n;
	if (n >= 2)
		memcpy(k->last, p + n - 2, 2);
	else {
		k->last[0] = k->last[1];
		k->last[1] = p[0];
	}
}

void
mime_blk_flush(struct blk *k)
{
	mime_blk_out(k, k->d, k->n);
	k->n = 0;
}

/* Room for need (at most sizeof(k->d)) bytes at k->d + k->n. */
static char *
blk_room(struct blk *k, size_t need)
{
	if (k->n + need > sizeof(k->d))
		mime_blk_flush(k);
	return k->d + k->n;
}

void
mime_blk_put(struct blk *k, const char *p, size_t n)
{
	if (k->n + n > sizeof(k->d)) {
		mime_blk_flush(k);
		if (n >= sizeof(k->d) / 2) {
			mime_blk_out(k, p, n);
			return;
		}
	}
	memcpy(k->d + k->n, p, n);
	k->n += n;
}

static void
blk_puts(struct blk *k, const char *s)
{
	mime_blk_put(k, s, strlen(s));
}

static int
is_text_type(const char *ctype)
{
	return strncasecmp(ctype, "text/", 5) == 0;
}

/* Length of the line break at s: CRLF, LF or a lone CR; 0 if none. */
static size_t
eol_len(const char *s, const char *end)
{
	if (s < end && *s == '\r')
		return s + 1 < end && s[1] == '\n' ? 2 : 1;
	return s < end && *s == '\n' ? 1 : 0;
}

/* Where the line at s ends: its CR or LF, or end. Without a CR in the
 * body (has_cr 0) memchr finds it. */
static const char *
line_end(const char *s, const char *end, int has_cr)
{
	const char *e;

	if (!has_cr) {
		e = memchr(s, '\n', (size_t)(end - s));
		return e != NULL ? e : end;
	}
	for (e = s; e < end && *e != '\r' && *e != '\n'; e++)
		;
	return e;
}

/* Every line break in s as CRLF (7bit bodies). */
static void
crlf_put(struct blk *k, const char *s, size_t n, int has_cr)
{
	const char *end = s + n;

	while (s < end) {
		const char *e = line_end(s, end, has_cr);

		mime_blk_put(k, s, (size_t)(e - s));
		if (e == end)
			break;
		mime_blk_put(k, "\r\n", 2);
		s = e + eol_len(e, end);
	}
}

/* A third or more of the bytes need encoding (Cyrillic text): base64 is
 * shorter than QP. Short texts stay QP so they remain readable. */
static int
mostly_8bit(const struct shape *sh, size_t n)
{
	return n >= 64 && sh->high * 3 >= n;
}

/* Base64 body lines of 76 (57 bytes each), CRLF between them, fed in
 * pieces of any size. */
struct b64w {
	struct blk *k;
	int lines;		/* written so far */
	size_t n;
	unsigned char in[57];	/* the next line's bytes so far */
};

static void
b64w_line(struct b64w *w, const unsigned char *s, size_t n)
{
	char *d = blk_room(w->k, 2 + MIME_BODY_WIDTH), *d0 = d;
	size_t i;

	if (w->lines++ > 0) {
		*d++ = '\r';
		*d++ = '\n';
	}
	for (i = 0; i + 3 <= n; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16 |
		    (unsigned long)s[i + 1] << 8 | s[i + 2];

		memcpy(d, mime_b64pair + 2 * (v >> 12), 2);
		memcpy(d + 2, mime_b64pair + 2 * (v & 0xfff), 2);
		d += 4;
	}
	if (i < n) {
		unsigned long v = (unsigned long)s[i] << 16 |
		    (i + 1 < n ? (unsigned long)s[i + 1] << 8 : 0);

		d[0] = mime_b64[v >> 18];
		d[1] = mime_b64[v >> 12 & 63];
		d[2] = i + 1 < n ? mime_b64[v >> 6 & 63] : '=';
		d[3] = '=';
		d += 4;
	}
	w->k->n += (size_t)(d - d0);
}

static void
b64w_put(struct b64w *w, const unsigned char *s, size_t n)
{
	size_t take;

	if (w->n > 0) {
		take = sizeof(w->in) - w->n < n ? sizeof(w->in) - w->n : n;
		memcpy(w->in + w->n, s, take);
		w->n += take;
		s += take;
		n -= take;
		if (w->n < sizeof(w->in))
			return;
		b64w_line(w, w->in, w->n);
		w->n = 0;
	}
	for (; n >= sizeof(w->in); s += sizeof(w->in), n -= sizeof(w->in))
		b64w_line(w, s, sizeof(w->in));
	memcpy(w->in, s, n);
	w->n = n;
}

static void
b64w_end(struct b64w *w)
{
	if (w->n > 0)
		b64w_line(w, w->in, w->n);
	w->n = 0;
}

/* Text as base64: put in canonical CRLF form on the way. */
static void
base64_text(struct blk *k, const char *s, size_t n, int has_cr)
{
	struct b64w w = { k, 0, 0, { 0 } };
	const char *end = s + n;

	while (s < end) {
		const char *e = line_end(s, end, has_cr);

		b64w_put(&w, (const unsigned char *)s, (size_t)(e - s));
		if (e == end)
			break;
		b64w_put(&w, (const unsigned char *)"\r\n", 2);
		s = e + eol_len(e, end);
	}
	b64w_end(&w);
}

static void
base64_body(struct blk *k, const unsigned char *s, size_t n)
{
	struct b64w w = { k, 0, 0, { 0 } };

	b64w_put(&w, s, n);
	b64w_end(&w);
}

/* QP must encode '=', controls but the tab, DEL and 8-bit bytes (and
 * whitespace that ends a line, which qp_line sees to). */
static const unsigned char qp_esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Eight bytes that go out as they are: printable ASCII, no '=', no
 * tab (mime_word_special stops at it; qp_esc lets it through). */
static int
qp_plain8(uint64_t w)
{
	uint64_t eq = w ^ ('=' * W_ONES);

	return !(w & W_HIGH) && !mime_word_special(w) &&
	    !((eq - W_ONES) & ~eq & W_HIGH);
}

/* Where the run of bytes from s[i] that go out as they are ends, at lim
 * at the latest. */
static size_t
qp_run(const unsigned char *s, size_t i, size_t lim)
{
	while (lim - i >= 8 && qp_plain8(mime_word_at(s + i)))
		i += 8;
	while (i < lim && !qp_esc[s[i]])
		i++;
	return i;
}

/* "=\r\n" at d; room for the next output line. */
static char *
qp_soft(struct blk *k, char *d)
{
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): body bytes, k->n is the length */
	memcpy(d, "=\r\n", 3);
	k->n = (size_t)(d + 3 - k->d);
	return blk_room(k, MIME_BODY_WIDTH + 3);
}

/*
 * One line of quoted-printable (RFC 2045 6.7): soft breaks keep every
 * line at 76 including the '=', an escape is never split, whitespace at
 * the line end is encoded. Runs of plain bytes are copied whole up to the
 * next escape or soft break; only the line's last byte, which may reach
 * column 76, is looked at on its own.
 */
static void
qp_line(struct blk *k, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *d = blk_room(k, MIME_BODY_WIDTH + 3);
	size_t col = 0, i = 0, lim = n > 0 ? n - 1 : 0;

	while (i < lim) {
		size_t j = qp_run(s, i, lim), take;

		for (; i < j; i += take) {
			if (col == MIME_BODY_WIDTH - 1) {
				d = qp_soft(k, d);
				col = 0;
			}
			take = j - i;
			if (take > MIME_BODY_WIDTH - 1 - col)
				take = MIME_BODY_WIDTH - 1 - col;
			memcpy(d, s + i, take);
			d += take;
			col += take;
		}
		if (i == lim)
			break;
		if (col + 3 > MIME_BODY_WIDTH - 1) {
			d = qp_soft(k, d);
			col = 0;
		}
		d[0] = '=';
		d[1] = hex[s[i] >> 4];
		d[2] = hex[s[i] & 15];
		d += 3;
		col += 3;
		i++;
	}
	if (n > 0) {
		unsigned char c = s[lim];
		int enc = qp_esc[c] || c == ' ' || c == '\t';

		if (col + (enc ? 3 : 1) > MIME_BODY_WIDTH)
			d = qp_soft(k, d);
		if (enc) {
			d[0] = '=';
			d[1] = hex[c >> 4];
			d[2] = hex[c & 15];
			d += 3;
		} else
			*d++ = (char)c;
	}
	k->n = (size_t)(d - k->d);
}

static void
qp_put(struct blk *k, const char *s, size_t n, int has_cr)
{
	const char *end = s + n;

	while (s < end) {
		const char *e = line_end(s, end, has_cr);
		size_t el;

		qp_line(k, (const unsigned char *)s, (size_t)(e - s));
		el = eol_len(e, end);
		if (el)
			mime_blk_put(k, "\r\n", 2);
		s = e + el;
	}
}

/* RFC 2231 attribute-char: no CTLs, space, '*', '\'', '%' or tspecials. */
static int
attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$&+-.^_`|~", c));
}

/* "; filename=..." quoted when ASCII, RFC 2231 UTF-8 otherwise. */
static void
filename_add(struct buf *v, const char *name)
{
	if (mime_is_ascii_text(name) && !strpbrk(name, "\"\\")) {
		buf_printf(v, "; filename=\"%s\"", name);
		return;
	}
	buf_adds(v, "; filename*=utf-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (attr_char(*p))
			buf_addc(v, (char)*p);
		else
			buf_printf(v, "%%%02X", *p);
}


void
mime_leaf_make(struct leaf *l, const char *ctype, const char *data, size_t len,
    const struct shape *known, const char *disposition,
    const char *filename)
{
	static const char *const cte_name[] = { "7bit", "quoted-printable",
		"base64", "base64" };
	int text = is_text_type(ctype);
	struct hdr h = { "Content-Type", H_RAW, NULL, NULL, 0 };
	struct shape sh;
	struct buf v;

	buf_init(&l->h, 0);
	l->data = data;
	l->len = len;
	l->has_cr = 0;
	if (text && known == NULL) {
		mime_shape_of(data, len, &sh);
		known = &sh;
	}
	if (!text)
		l->cte = CTE_B64;
	else if (known->seven_bit)
		l->cte = CTE_7BIT;
	else if (mostly_8bit(known, len))
		/* Cyrillic text: QP would triple it, base64 adds a third.
		 * Text is put in canonical CRLF form before encoding. */
		l->cte = CTE_B64_TEXT;
	else
		l->cte = CTE_QP;
	if (text)
		l->has_cr = known->has_cr;
	buf_init(&v, 0);
	buf_adds(&v, ctype);
	if (text && strcasestr(ctype, "charset=") == NULL)
		buf_adds(&v, "; charset=utf-8");
	h.value = v.data;
	mime_header_add(&l->h, &h);
	buf_adds(&l->h, "Content-Transfer-Encoding: ");
	buf_adds(&l->h, cte_name[l->cte]);
	buf_adds(&l->h, "\r\n");
	if (disposition) {
		buf_reset(&v);
		buf_adds(&v, disposition);
		if (filename)
			filename_add(&v, filename);
		h.name = "Content-Disposition";
		h.value = v.data;
		mime_header_add(&l->h, &h);
	}
	buf_free(&v);
}

void
mime_leaf_free(struct leaf *l)
{
	buf_free(&l->h);
}

/* Only a 7bit leaf can hold a boundary: QP and base64 never contain "=_".
 * Its output is its text with other line breaks, and a boundary has no
 * CR or LF, so looking in the text is enough. */
int
mime_found_in(const struct leaf *l, size_t nl, const char *s)
{
	for (size_t i = 0; i < nl; i++)
		if (l[i].cte == CTE_7BIT &&
		    memmem(l[i].data, l[i].len, s, strlen(s)))
			return 1;
	return 0;
}

void
mime_leaf_write(struct blk *k, const struct leaf *l)
{
	mime_blk_put(k, l->h.data, l->h.len);
	mime_blk_put(k, "\r\n", 2);
	switch (l->cte) {
	case CTE_7BIT:
		crlf_put(k, l->data, l->len, l->has_cr);
		break;
	case CTE_QP:
		qp_put(k, l->data, l->len, l->has_cr);
		break;
	case CTE_B64_TEXT:
		base64_text(k, l->data, l->len, l->has_cr);
		break;
	case CTE_B64:
		base64_body(k, (const unsigned char *)l->data, l->len);
		break;
	}
}

static void
delimiter(struct blk *k, const char *bnd, int close)
{
	mime_blk_put(k, "--", 2);
	blk_puts(k, bnd);
	blk_puts(k, close ? "--\r\n" : "\r\n");
}

/* kids as multipart/sub; a NULL first kid stands for the alternative. */
void
mime_multipart_write(struct blk *k, const char *sub, const char *bnd,
    const struct leaf *kids, size_t n, void (*first)(struct blk *,
    const void *), const void *arg)
{
	blk_puts(k, "Content-Type: multipart/");
	blk_puts(k, sub);
	blk_puts(k, ";\r\n boundary=\"");
	blk_puts(k, bnd);
	blk_puts(k, "\"\r\n\r\n");
	if (first) {
		delimiter(k, bnd, 0);
		first(k, arg);
		mime_blk_put(k, "\r\n", 2);
	}
	for (size_t i = 0; i < n; i++) {
		delimiter(k, bnd, 0);
		mime_leaf_write(k, &kids[i]);
		mime_blk_put(k, "\r\n", 2);
	}
	delimiter(k, bnd, 1);
}

