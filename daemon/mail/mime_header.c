/*
 * mime_header.c -- see mime_private.h: header lines, folded at 78 columns,
 * with RFC 2047 encoded-words where a value is not plain ASCII. Pure.
 */
#include "mail/mime_private.h"

#include <string.h>

#include "base/xmem.h"

/* ---- header folding and RFC 2047 ------------------------------------- */

/* Writes one header line by line, breaking before whitespace so that no
 * line passes width; oneline turns breaks into plain separators. */
struct fold {
	struct buf *b;
	size_t col;
	size_t width;
	int oneline;
	int fresh;	/* nothing but the header name on this line yet */
};

/* ws (wl bytes of whitespace, may be 0), then atom, breaking the line
 * before ws when they would pass the width. */
static void
fold_put(struct fold *f, const char *ws, size_t wl, const char *atom,
    size_t n)
{
	if (f->col + wl + n > f->width && !f->fresh && !f->oneline) {
		buf_adds(f->b, "\r\n");
		f->col = 0;
		if (wl == 0)
			ws = " ", wl = 1;
	}
	buf_add(f->b, ws, wl);
	buf_add(f->b, atom, n);
	f->col += wl + n;
	f->fresh = 0;
}

/* RFC 2047 5(3): the Q letters that are safe even inside a phrase. */
static int
q_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!*+-/", c) != NULL;
}

static size_t
q_size(const unsigned char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += q_plain(s[i]) || s[i] == ' ' ? 1 : 3;
	return k;
}

static size_t
b_size(size_t n)
{
	return (n + 2) / 3 * 4;
}

const char mime_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The two base64 characters of each 12-bit value, made by the compiler:
 * a body's three bytes take two lookups instead of four. */
#define B64C(x) ((x) < 26 ? 'A' + (x) : (x) < 52 ? 'a' + (x) - 26 : \
    (x) < 62 ? '0' + (x) - 52 : (x) == 62 ? '+' : '/')
#define B64P1(i) B64C((i) >> 6), B64C((i) & 63)
#define B64P4(i) B64P1(i), B64P1((i) + 1), B64P1((i) + 2), B64P1((i) + 3)
#define B64P16(i) B64P4(i), B64P4((i) + 4), B64P4((i) + 8), \
    B64P4((i) + 12)
#define B64P64(i) B64P16(i), B64P16((i) + 16), B64P16((i) + 32), \
    B64P16((i) + 48)
#define B64P256(i) B64P64(i), B64P64((i) + 64), B64P64((i) + 128), \
    B64P64((i) + 192)
#define B64P1024(i) B64P256(i), B64P256((i) + 256), B64P256((i) + 512), \
    B64P256((i) + 768)
const char mime_b64pair[2 * 4096] = { B64P1024(0), B64P1024(1024),
    B64P1024(2048), B64P1024(3072) };

static void
b64_add(struct buf *b, const unsigned char *s, size_t n)
{
	/* encode into a small local block, append once per block: this
	 * runs over every byte of every Cyrillic message */
	char q[4 * 64];
	size_t k = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[k++] = mime_b64[v >> 18 & 63];
		q[k++] = mime_b64[v >> 12 & 63];
		q[k++] = i + 1 < n ? mime_b64[v >> 6 & 63] : '=';
		q[k++] = i + 2 < n ? mime_b64[v & 63] : '=';
		if (k == sizeof(q)) {
			buf_add(b, q, k);
			k = 0;
		}
	}
	buf_add(b, q, k);
}

/* One encoded-word for s[0..n) in b ('B' or 'Q'). */
static void
word_add(struct buf *b, const unsigned char *s, size_t n, char mode)
{
	static const char hex[] = "0123456789ABCDEF";
	char q[3] = { '=', 0, 0 };

	buf_adds(b, "=?UTF-8?");
	buf_addc(b, mode);
	buf_addc(b, '?');
	if (mode == 'B')
		b64_add(b, s, n);
	else
		for (size_t i = 0; i < n; i++) {
			if (q_plain(s[i]))
				buf_addc(b, (char)s[i]);
			else if (s[i] == ' ')
				buf_addc(b, '_');
			else {
				q[1] = hex[s[i] >> 4];
				q[2] = hex[s[i] & 15];
				buf_add(b, q, 3);
			}
		}
	buf_adds(b, "?=");
}

/* Bytes of s[0..len) (whole UTF-8 characters, at least one) whose
 * encoding fits in room characters. */
static size_t
word_take(const unsigned char *s, size_t len, size_t room, char mode)
{
	size_t n = 0, c;

	while (n < len) {
		c = mime_utf8_len(s + n);
		if (c == 0 || n + c > len)
			c = 1;	/* validated earlier; cannot happen */
		if (n > 0 && (mode == 'B' ? b_size(n + c) :
		    q_size(s, n + c)) > room)
			break;
		n += c;
	}
	return n;
}

/* s as encoded-words: the first after ws, the others after one space
 * (which the decoder drops between adjacent encoded-words). */
static void
fold_encoded(struct fold *f, const char *ws, size_t wl, const char *str,
    size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	char mode = b_size(len) < q_size(s, len) ? 'B' : 'Q';
	struct buf w;

	buf_init(&w, 0);
	while (len > 0) {
		size_t used = f->col + wl;
		size_t room = used < f->width ? f->width - used : 0;
		size_t n;

		/* Too little room for even one 4-byte character: the word
		 * goes to a new line (fold_put breaks there). */
		if (f->oneline || (room < MIME_WORD_OVERHEAD + 12 && !f->fresh))
			room = f->oneline ? MIME_WORD_MAX : f->width - 1;
		if (room > MIME_WORD_MAX)
			room = MIME_WORD_MAX;
		n = word_take(s, len, room - MIME_WORD_OVERHEAD, mode);
		buf_reset(&w);
		word_add(&w, s, n, mode);
		fold_put(f, ws, wl, w.data, w.len);
		ws = " ";
		wl = 1;
		s += n;
		len -= n;
	}
	buf_free(&w);
}

static int
needs_word(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x7f || (unsigned char)s[i] < 0x20)
			return 1;
	/* ASCII that looks like an encoded-word must not be decoded. */
	return memmem(s, n, "=?", 2) != NULL;
}

/*
 * Whether n characters that cannot be broken fit after wsl characters of
 * white space: on this line while nothing else is on it (fold_put never
 * breaks there), else on a new one. What does not fit is encoded instead,
 * because encoded-words can be split between any two characters: so a
 * contact's 1,000-letter name still gives lines within 78 (the 998 of
 * RFC 5322 2.1.1 is a MUST), where a plain word would overflow.
 */
static int
fits(const struct fold *f, int fresh, size_t wsl, size_t n)
{
	return (fresh ? f->col : 0) + (wsl ? wsl : 1) + n <= f->width;
}

/* A word that can stay as it is: plain ASCII that fits. */
static int
plain_word(const struct fold *f, int fresh, size_t wsl, const char *w,
    size_t n)
{
	return !needs_word(w, n) && fits(f, fresh, wsl, n);
}

/*
 * Unstructured text: words that are plain ASCII stay readable; each run
 * of words that need encoding becomes encoded-words, the spaces between
 * those words travelling inside the encoded text.
 */
static void
fold_text(struct fold *f, const char *s, int encode)
{
	int first = 1;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s) {
		const char *ws = s, *w, *end, *run_end;
		size_t wsl;

		while (*s == ' ' || *s == '\t')
			s++;
		wsl = (size_t)(s - ws);
		if (*s == '\0')
			break;	/* trailing whitespace is dropped */
		w = s;
		end = w + strcspn(w, " \t");
		/* The first word follows the "Name:" with one space. */
		if (first)
			ws = " ", wsl = 1;
		first = 0;
		if (!encode || plain_word(f, f->fresh, wsl, w,
		    (size_t)(end - w))) {
			fold_put(f, ws, wsl, w, (size_t)(end - w));
			s = end;
			continue;
		}
		/* Extend the run over following words that need encoding. */
		for (run_end = end;;) {
			const char *nw = run_end + strspn(run_end, " \t");
			const char *ne = nw + strcspn(nw, " \t");

			if (nw == ne || plain_word(f, 0, (size_t)(nw - run_end),
			    nw, (size_t)(ne - nw)))
				break;
			run_end = ne;
		}
		fold_encoded(f, ws, wsl, w, (size_t)(run_end - w));
		s = run_end;
	}
}

static int
is_atext_phrase(const char *s)
{
	for (; *s; s++)
		if (!q_plain((unsigned char)*s) && !strchr(" #$%&'=?^_`{|}~",
		    *s))
			return 0;
	return 1;
}

/* Every word of an atom phrase (single spaces) fits on a line. */
static int
atoms_fit(const struct fold *f, const char *s)
{
	for (int fresh = f->fresh; *s; fresh = 0) {
		size_t n = strcspn(s, " ");

		if (!fits(f, fresh, 1, n))
			return 0;
		s += n + (s[n] == ' ');
	}
	return 1;
}

/* A display name as a phrase: atoms, a quoted-string, or encoded-words
 * (which also take what would not fit on a line as an atom or a
 * quoted-string: a name is whatever a contact list holds). */
static void
fold_phrase(struct fold *f, const char *name)
{
	struct buf q;

	if (!mime_is_ascii_text(name) || strstr(name, "=?")) {
		fold_encoded(f, " ", 1, name, strlen(name));
		return;
	}
	if (is_atext_phrase(name) && !strstr(name, "  ") && name[0] != ' ' &&
	    name[strlen(name) - 1] != ' ') {
		if (atoms_fit(f, name))
			fold_text(f, name, 0);
		else
			fold_encoded(f, " ", 1, name, strlen(name));
		return;
	}
	buf_init(&q, 0);
	buf_addc(&q, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addc(&q, '\\');
		buf_addc(&q, *p);
	}
	buf_addc(&q, '"');
	if (fits(f, f->fresh, 1, q.len))
		fold_put(f, " ", 1, q.data, q.len);
	else
		fold_encoded(f, " ", 1, name, strlen(name));
	buf_free(&q);
}

static void
fold_addrs(struct fold *f, const struct hdr *h)
{
	struct buf atom;

	buf_init(&atom, 0);
	for (size_t i = 0; i < h->naddr; i++) {
		const struct addr *a = &h->addrs[i];

		if (a->display[0])
			fold_phrase(f, a->display);
		buf_reset(&atom);
		if (a->display[0])
			buf_addc(&atom, '<');
		buf_adds(&atom, a->spec);
		if (a->display[0])
			buf_addc(&atom, '>');
		if (i + 1 < h->naddr)
			buf_addc(&atom, ',');
		fold_put(f, " ", 1, atom.data, atom.len);
	}
	buf_free(&atom);
}

void
mime_header_add(struct buf *b, const struct hdr *h)
{
	struct fold f = { b, strlen(h->name) + 1, MIME_HDR_WIDTH, 0, 1 };

	buf_adds(b, h->name);
	buf_addc(b, ':');
	if (h->kind == H_ADDR)
		fold_addrs(&f, h);
	else
		fold_text(&f, h->value, h->kind == H_TEXT);
	buf_adds(b, "\r\n");
}

char *
mime_encode_word(const char *utf8)
{
	struct buf b;
	struct fold f;

	buf_init(&b, 0);
	f.b = &b;
	f.col = 0;
	f.width = MIME_WORD_MAX;
	f.oneline = 1;
	f.fresh = 1;
	fold_encoded(&f, "", 0, utf8, strlen(utf8));
	return buf_steal(&b);
}

