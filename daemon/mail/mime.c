/*
 * mime.c -- builds outgoing RFC 5322 / MIME messages; see mime.h. Pure:
 * no network, no store. RFC 5322, 2045, 2046, 2047, 2231, 6047.
 *
 * A body is looked at once, when it is set: one pass checks its UTF-8
 * and finds its shape (can it travel as 7bit, how much of it is 8-bit,
 * any CR). The build then picks each leaf's transfer encoding from that
 * shape, draws boundaries until none occurs in a 7bit leaf (the only
 * encoding whose output could hold one), and writes the whole tree
 * straight into the caller's buffer: each body is read once more, as it
 * is encoded, and copied nowhere else. Every message sent goes through
 * here, so the encoders work a line at a time into a local block.
 */
#include "mail/mime.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "base/xmem.h"

#define MIME_HDR_WIDTH 78	/* RFC 5322 2.1.1 SHOULD */
#define MIME_BODY_WIDTH 76	/* RFC 2045 6.7 / 6.8 MUST */
#define MIME_WORD_MAX 75	/* RFC 2047 2 */
#define MIME_WORD_OVERHEAD 12	/* "=?UTF-8?B?" + "?=" */

enum hdr_kind {
	H_TEXT,		/* unstructured, RFC 2047 where needed */
	H_RAW,		/* ASCII, folded only */
	H_ADDR,		/* address list */
};

struct addr {
	char *display;	/* UTF-8, may be "" */
	char *spec;	/* local@domain */
};

struct hdr {
	char *name;
	enum hdr_kind kind;
	char *value;
	struct addr *addrs;
	size_t naddr;
};

struct part {
	char *ctype;
	char *filename;
	char *data;
	size_t len;
	int inline_flag;
};

/* What the one pass over a body found. */
struct shape {
	size_t high;		/* bytes >= 0x80 */
	int seven_bit;		/* can travel as 7bit unchanged */
	int has_cr;		/* a CR somewhere: line breaks of every kind */
	int valid;		/* UTF-8 */
};

struct body {
	char *s;		/* NULL: not set */
	size_t len;
	struct shape sh;
};

struct mime {
	struct hdr *h;
	size_t nh;
	struct body text, html;
	struct part *parts;
	size_t np;
	time_t date;
	int have_date;
	int bad;		/* a setter refused something */
	struct err first;	/* ... and this is why */
};

/* ---- small helpers --------------------------------------------------- */

static void
fill_random(void *p, size_t n)
{
	unsigned char *c = p;

	while (n > 0) {
		ssize_t got = getrandom(c, n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			abort();	/* no kernel randomness: cannot go on */
		c += got;
		n -= (size_t)got;
	}
}

static void
hex(char *dst, const unsigned char *src, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 15];
	}
	dst[2 * n] = '\0';
}

/* Length of the UTF-8 sequence at s, or 0 when it is not valid UTF-8. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static int
utf8_valid(const char *s)
{
	for (size_t n; *s; s += n)
		if ((n = utf8_len((const unsigned char *)s)) == 0)
			return 0;
	return 1;
}

static int
is_ascii_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x7f ||
		    ((unsigned char)*s < 0x20 && *s != '\t'))
			return 0;
	return 1;
}

static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Eight bytes at a time: the words of a body that need no closer look. */
#define W_ONES 0x0101010101010101ULL
#define W_HIGH 0x8080808080808080ULL

static uint64_t
word_at(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return w;
}

/* An ASCII word with a byte below 0x20 (line breaks, tabs, controls) or
 * a DEL: exact, as the bit tricks of "hasless" and "haszero" are. */
static int
word_special(uint64_t w)
{
	uint64_t del = w ^ (0x7f * W_ONES);

	return ((((w - 0x20 * W_ONES) & ~w) | ((del - W_ONES) & ~del)) &
	    W_HIGH) != 0;
}

/* Four two-byte UTF-8 characters (Cyrillic, most 8-bit Czech): leads
 * 110xxxxx but not the overlong C0 and C1, each followed by a 10xxxxxx.
 * The word is read in memory order, so on a little-endian machine the
 * leads are the low byte of each 16-bit lane. */
static int
word_utf8_2x4(uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t t = w & 0x001e001e001e001eULL;

	t |= t >> 1 | t >> 2 | t >> 3;
	return (w & 0xc0e0c0e0c0e0c0e0ULL) == 0x80c080c080c080c0ULL &&
	    (t & 0x0002000200020002ULL) == 0x0002000200020002ULL;
#else
	(void)w;
	return 0;
#endif
}

/* One line of a body, checked for 7bit: at most 76 bytes, no whitespace
 * at its end (transports strip it). Controls were checked byte by byte. */
static int
line_7bit(const unsigned char *line, const unsigned char *end)
{
	return end - line <= MIME_BODY_WIDTH &&
	    (end == line || (end[-1] != ' ' && end[-1] != '\t'));
}

/*
 * The lines of a body without CR that can travel as 7bit, from s: where
 * the first that cannot starts (end: all can). A line is found with
 * memchr and looked at a word at a time; only a word with a tab or a
 * control is looked at byte by byte.
 */
static const unsigned char *
seven_bit_lines(const unsigned char *s, const unsigned char *end)
{
	while (s < end) {
		const unsigned char *e = memchr(s, '\n', (size_t)(end - s));
		const unsigned char *q = s;

		if (e == NULL)
			e = end;
		if (!line_7bit(s, e))
			return s;
		for (; e - q >= 8; q += 8) {
			uint64_t w = word_at(q);

			if (w & W_HIGH)
				return s;
			if (!word_special(w))
				continue;
			for (int i = 0; i < 8; i++)
				if (q[i] == 0x7f || (q[i] < 0x20 && q[i] != '\t'))
					return s;
		}
		for (; q < e; q++)
			if (*q >= 0x7f || (*q < 0x20 && *q != '\t'))
				return s;
		if (e == end)
			break;
		s = e + 1;
	}
	return end;
}

/*
 * The one pass over a body: UTF-8 validity, bytes >= 0x80, whether it can
 * travel as 7bit unchanged (printable ASCII and tabs, lines of at most 76
 * between breaks of any kind: CRLF, LF or a lone CR, no whitespace at a
 * line end) and whether it has a CR. Without a CR, the lines fit for 7bit
 * are checked first (seven_bit_lines); from the first that is not, only
 * the 8-bit bytes are looked at: ASCII goes by a word at a time, two-byte
 * characters four at a time.
 */
static void
shape_of(const char *p, size_t n, struct shape *sh)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	const unsigned char *line = s;
	int seven = 1, valid = 1;
	size_t high = 0;

	sh->has_cr = memchr(p, '\r', n) != NULL;
	if (!sh->has_cr) {
		line = s = seven_bit_lines(s, end);
		seven = s == end;
	}
	while (s < end) {
		while (end - s >= 8) {
			uint64_t w = word_at(s);

			if ((w & W_HIGH) || (seven && word_special(w)))
				break;
			s += 8;
		}
		if (s == end)
			break;
		if (*s < 0x80) {
			if (!seven) {
				s++;
				continue;
			}
			if (*s == '\n' || *s == '\r') {
				seven = line_7bit(line, s);
				if (*s == '\r' && s + 1 < end && s[1] == '\n')
					s++;
				line = s + 1;
			} else if (*s == 0x7f || (*s < 0x20 && *s != '\t'))
				seven = 0;
			s++;
			continue;
		}
		seven = 0;
		/* two-byte characters (Cyrillic, most 8-bit Czech) inline,
		 * four at a time while they last */
		while (end - s >= 8 && word_utf8_2x4(word_at(s))) {
			high += 8;
			s += 8;
		}
		while (end - s >= 2 && s[0] >= 0xc2 && s[0] <= 0xdf &&
		    (s[1] & 0xc0) == 0x80) {
			high += 2;
			s += 2;
		}
		if (s == end || *s < 0x80)
			continue;
		size_t k = (size_t)(end - s) >= 4 ? utf8_len(s) : 0;

		if (k == 0) {
			/* near the end, or not UTF-8: the careful way */
			unsigned char q[4] = { 0 };

			memcpy(q, s, (size_t)(end - s) < 4 ?
			    (size_t)(end - s) : 4);
			k = utf8_len(q);
			if (k == 0 || k > (size_t)(end - s)) {
				valid = 0;
				k = 1;
			}
		}
		high += k;
		s += k;
	}
	sh->seven_bit = seven && line_7bit(line, end);
	sh->high = high;
	sh->valid = valid;
}

/* Remember the first refusal; mime_build reports it. */
static void
refuse(struct mime *m, const char *name, const char *why)
{
	if (m->bad)
		return;
	m->bad = 1;
	err_set(&m->first, "%s: %s", name, why);
}

/* ---- setters --------------------------------------------------------- */

struct mime *
mime_new(void)
{
	return xcalloc(1, sizeof(struct mime));
}

static void
hdr_clear(struct hdr *h)
{
	for (size_t i = 0; i < h->naddr; i++) {
		free(h->addrs[i].display);
		free(h->addrs[i].spec);
	}
	free(h->addrs);
	free(h->value);
	h->addrs = NULL;
	h->naddr = 0;
	h->value = NULL;
}

void
mime_free(struct mime **mp)
{
	struct mime *m;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	for (size_t i = 0; i < m->nh; i++) {
		hdr_clear(&m->h[i]);
		free(m->h[i].name);
	}
	for (size_t i = 0; i < m->np; i++) {
		free(m->parts[i].ctype);
		free(m->parts[i].filename);
		free(m->parts[i].data);
	}
	free(m->h);
	free(m->parts);
	free(m->text.s);
	free(m->html.s);
	free(m);
	*mp = NULL;
}

static int
name_ok(struct mime *m, const char *name)
{
	static const char *const ours[] = { "MIME-Version", "Content-Type",
		"Content-Transfer-Encoding" };
	size_t n = strlen(name);

	if (n == 0 || n > 70 || strpbrk(name, ": ") || !is_ascii_text(name)
	    || strchr(name, '\t')) {
		refuse(m, name, "not a header name");
		return 0;
	}
	for (size_t i = 0; i < sizeof(ours) / sizeof(*ours); i++)
		if (strcasecmp(name, ours[i]) == 0) {
			refuse(m, name, "set by mime_build");
			return 0;
		}
	return 1;
}

/* The header called name, created at the end when new; emptied when it
 * exists with another kind or when replace is set. */
static struct hdr *
hdr_get(struct mime *m, const char *name, enum hdr_kind kind, int replace)
{
	struct hdr *h;

	for (size_t i = 0; i < m->nh; i++) {
		h = &m->h[i];
		if (strcasecmp(h->name, name) != 0)
			continue;
		if (replace || h->kind != kind)
			hdr_clear(h);
		h->kind = kind;
		return h;
	}
	m->h = xreallocarray(m->h, m->nh + 1, sizeof(*m->h));
	h = &m->h[m->nh++];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(name);
	h->kind = kind;
	return h;
}

void
mime_header(struct mime *m, const char *name, const char *utf8_value)
{
	struct hdr *h;

	if (!name_ok(m, name))
		return;
	if (!utf8_valid(utf8_value)) {
		refuse(m, name, "not valid UTF-8");
		return;
	}
	h = hdr_get(m, name, H_TEXT, 1);
	/* A line break in a value is one space (as unfolding would make
	 * it), never the start of another header. */
	h->value = xmalloc(strlen(utf8_value) + 1);
	for (char *d = h->value;; d++) {
		size_t nl = strspn(utf8_value, "\r\n");

		*d = nl ? ' ' : *utf8_value;
		utf8_value += nl ? nl : 1;
		if (*d == '\0')
			break;
	}
}

void
mime_header_raw(struct mime *m, const char *name, const char *value)
{
	if (!name_ok(m, name))
		return;
	if (!is_ascii_text(value)) {
		refuse(m, name, "not printable ASCII on one line");
		return;
	}
	hdr_get(m, name, H_RAW, 1)->value = xstrdup(value);
}

/* addr-spec sanity: printable ASCII, one '@', nothing that would let the
 * value escape its angle brackets. */
static int
spec_ok(const char *a)
{
	const char *at = strchr(a, '@');

	return *a && is_ascii_text(a) && at && at != a && at[1] &&
	    strchr(at + 1, '@') == NULL && strpbrk(a, " \t<>()[],;:\\\"") ==
	    NULL;
}

void
mime_addr(struct mime *m, const char *name, const char *display_utf8,
    const char *addr)
{
	struct hdr *h;
	struct addr *a;

	if (!name_ok(m, name))
		return;
	if (display_utf8 == NULL)
		display_utf8 = "";
	if (!spec_ok(addr)) {
		char *why = xasprintf("bad address '%s'", addr);

		refuse(m, name, why);
		free(why);
		return;
	}
	if (!utf8_valid(display_utf8) || strpbrk(display_utf8, "\r\n")) {
		refuse(m, name, "display name is not one line of UTF-8");
		return;
	}
	h = hdr_get(m, name, H_ADDR, 0);
	h->addrs = xreallocarray(h->addrs, h->naddr + 1, sizeof(*h->addrs));
	a = &h->addrs[h->naddr++];
	a->display = xstrdup(display_utf8);
	a->spec = xstrdup(addr);
}

static void
set_body(struct mime *m, struct body *b, const char *what, const char *s)
{
	size_t n = strlen(s);
	struct shape sh;

	shape_of(s, n, &sh);
	if (!sh.valid) {
		refuse(m, what, "not valid UTF-8");
		return;
	}
	free(b->s);
	b->s = xmalloc(n + 1);
	memcpy(b->s, s, n + 1);
	b->len = n;
	b->sh = sh;
}

void
mime_text(struct mime *m, const char *text_utf8)
{
	set_body(m, &m->text, "text body", text_utf8);
}

void
mime_html(struct mime *m, const char *html_utf8)
{
	set_body(m, &m->html, "HTML body", html_utf8);
}

void
mime_attach(struct mime *m, const char *content_type, const char *filename,
    const void *data, size_t len, int inline_flag)
{
	struct part *p;

	if (!is_ascii_text(content_type) || strchr(content_type, '/') ==
	    NULL) {
		refuse(m, "attachment", "bad content type");
		return;
	}
	if (filename && (!utf8_valid(filename) || has_ctl(filename))) {
		refuse(m, "attachment", "bad file name");
		return;
	}
	m->parts = xreallocarray(m->parts, m->np + 1, sizeof(*m->parts));
	p = &m->parts[m->np++];
	p->ctype = xstrdup(content_type);
	p->filename = filename ? xstrdup(filename) : NULL;
	p->data = xmalloc(len + 1);
	if (len)
		memcpy(p->data, data, len);
	p->data[len] = '\0';
	p->len = len;
	p->inline_flag = inline_flag;
}

void
mime_set_date(struct mime *m, time_t t)
{
	m->date = t;
	m->have_date = 1;
}

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

static const char b64[] =
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
static const char b64pair[2 * 4096] = { B64P1024(0), B64P1024(1024),
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
		q[k++] = b64[v >> 18 & 63];
		q[k++] = b64[v >> 12 & 63];
		q[k++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		q[k++] = i + 2 < n ? b64[v & 63] : '=';
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
		c = utf8_len(s + n);
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

	if (!is_ascii_text(name) || strstr(name, "=?")) {
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

static void
header_add(struct buf *b, const struct hdr *h)
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

/* ---- bodies ---------------------------------------------------------- */

/*
 * The message goes out through one block on the stack, appended to the
 * caller's buffer whenever it fills, so the encoders store bytes instead
 * of making a call per byte. Once an append fails (out->max), no later
 * one is tried; total goes on counting, for the error message.
 */
struct blk {
	struct buf *b;
	int full;		/* an append failed */
	size_t total;		/* bytes of the message so far */
	char last[2];		/* its last two bytes */
	size_t n;
	char d[8192];
};

static void
blk_out(struct blk *k, const char *p, size_t n)
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

static void
blk_flush(struct blk *k)
{
	blk_out(k, k->d, k->n);
	k->n = 0;
}

/* Room for need (at most sizeof(k->d)) bytes at k->d + k->n. */
static char *
blk_room(struct blk *k, size_t need)
{
	if (k->n + need > sizeof(k->d))
		blk_flush(k);
	return k->d + k->n;
}

static void
blk_put(struct blk *k, const char *p, size_t n)
{
	if (k->n + n > sizeof(k->d)) {
		blk_flush(k);
		if (n >= sizeof(k->d) / 2) {
			blk_out(k, p, n);
			return;
		}
	}
	memcpy(k->d + k->n, p, n);
	k->n += n;
}

static void
blk_puts(struct blk *k, const char *s)
{
	blk_put(k, s, strlen(s));
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

		blk_put(k, s, (size_t)(e - s));
		if (e == end)
			break;
		blk_put(k, "\r\n", 2);
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

		memcpy(d, b64pair + 2 * (v >> 12), 2);
		memcpy(d + 2, b64pair + 2 * (v & 0xfff), 2);
		d += 4;
	}
	if (i < n) {
		unsigned long v = (unsigned long)s[i] << 16 |
		    (i + 1 < n ? (unsigned long)s[i + 1] << 8 : 0);

		d[0] = b64[v >> 18];
		d[1] = b64[v >> 12 & 63];
		d[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
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
 * tab (word_special stops at it; qp_esc lets it through). */
static int
qp_plain8(uint64_t w)
{
	uint64_t eq = w ^ ('=' * W_ONES);

	return !(w & W_HIGH) && !word_special(w) &&
	    !((eq - W_ONES) & ~eq & W_HIGH);
}

/* Where the run of bytes from s[i] that go out as they are ends, at lim
 * at the latest. */
static size_t
qp_run(const unsigned char *s, size_t i, size_t lim)
{
	while (lim - i >= 8 && qp_plain8(word_at(s + i)))
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
			blk_put(k, "\r\n", 2);
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
	if (is_ascii_text(name) && !strpbrk(name, "\"\\")) {
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

enum cte {
	CTE_7BIT,		/* as it is, line breaks made CRLF */
	CTE_QP,
	CTE_B64_TEXT,		/* base64 of the text in CRLF form */
	CTE_B64,		/* base64 of the bytes */
};

/* A leaf: its Content-* header lines, and its body as given (borrowed
 * from struct mime), encoded only as the message is written. */
struct leaf {
	struct buf h;
	const char *data;
	size_t len;
	enum cte cte;
	int has_cr;
};

static void
leaf_make(struct leaf *l, const char *ctype, const char *data, size_t len,
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
		shape_of(data, len, &sh);
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
	header_add(&l->h, &h);
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
		header_add(&l->h, &h);
	}
	buf_free(&v);
}

static void
leaf_free(struct leaf *l)
{
	buf_free(&l->h);
}

/* Only a 7bit leaf can hold a boundary: QP and base64 never contain "=_".
 * Its output is its text with other line breaks, and a boundary has no
 * CR or LF, so looking in the text is enough. */
static int
found_in(const struct leaf *l, size_t nl, const char *s)
{
	for (size_t i = 0; i < nl; i++)
		if (l[i].cte == CTE_7BIT &&
		    memmem(l[i].data, l[i].len, s, strlen(s)))
			return 1;
	return 0;
}

static void
leaf_write(struct blk *k, const struct leaf *l)
{
	blk_put(k, l->h.data, l->h.len);
	blk_put(k, "\r\n", 2);
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
	blk_put(k, "--", 2);
	blk_puts(k, bnd);
	blk_puts(k, close ? "--\r\n" : "\r\n");
}

/* kids as multipart/sub; a NULL first kid stands for the alternative. */
static void
multipart_write(struct blk *k, const char *sub, const char *bnd,
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
		blk_put(k, "\r\n", 2);
	}
	for (size_t i = 0; i < n; i++) {
		delimiter(k, bnd, 0);
		leaf_write(k, &kids[i]);
		blk_put(k, "\r\n", 2);
	}
	delimiter(k, bnd, 1);
}

struct layout {
	struct leaf *alt;	/* text, html, text/calendar: in order */
	size_t nalt;
	struct leaf *mix;	/* other attachments */
	size_t nmix;
	char alt_bnd[64], mix_bnd[64];
};

static void
alt_write(struct blk *k, const void *arg)
{
	const struct layout *lo = arg;

	if (lo->nalt == 1)
		leaf_write(k, &lo->alt[0]);
	else
		multipart_write(k, "alternative", lo->alt_bnd, lo->alt,
		    lo->nalt, NULL, NULL);
}

/* dst: "=_anketa_TAG_" and 24 hex digits of r. */
static void
boundary_make(char *dst, size_t size, const char *tag,
    const unsigned char r[12])
{
	char hx[2 * 12 + 1];

	hex(hx, r, 12);
	snprintf(dst, size, "=_anketa_%s_%s", tag, hx);
}

/* A boundary found in no leaf, drawn again until it is. The tags keep
 * the two boundaries from being prefixes of each other (RFC 2046 5.1).
 * Only the boundaries the message uses are drawn, with one getrandom. */
static void
boundaries_pick(struct layout *lo)
{
	int need_alt = lo->nalt > 1, need_mix = lo->nmix > 0;
	unsigned char r[24];

	if (!need_alt && !need_mix)
		return;
	fill_random(r, (size_t)(need_alt + need_mix) * 12);
	if (need_alt)
		boundary_make(lo->alt_bnd, sizeof(lo->alt_bnd), "alt", r);
	if (need_mix)
		boundary_make(lo->mix_bnd, sizeof(lo->mix_bnd), "mix",
		    r + 12 * need_alt);
	while (need_alt && (found_in(lo->alt, lo->nalt, lo->alt_bnd) ||
	    found_in(lo->mix, lo->nmix, lo->alt_bnd))) {
		fill_random(r, 12);
		boundary_make(lo->alt_bnd, sizeof(lo->alt_bnd), "alt", r);
	}
	while (need_mix && (found_in(lo->alt, lo->nalt, lo->mix_bnd) ||
	    found_in(lo->mix, lo->nmix, lo->mix_bnd))) {
		fill_random(r, 12);
		boundary_make(lo->mix_bnd, sizeof(lo->mix_bnd), "mix", r);
	}
}

static void
layout_make(const struct mime *m, struct layout *lo)
{
	memset(lo, 0, sizeof(*lo));
	lo->alt = xcalloc(m->np + 2, sizeof(*lo->alt));
	lo->mix = xcalloc(m->np + 1, sizeof(*lo->mix));
	if (m->text.s)
		leaf_make(&lo->alt[lo->nalt++], "text/plain", m->text.s,
		    m->text.len, &m->text.sh, NULL, NULL);
	if (m->html.s)
		leaf_make(&lo->alt[lo->nalt++], "text/html", m->html.s,
		    m->html.len, &m->html.sh, NULL, NULL);
	for (size_t i = 0; i < m->np; i++) {
		const struct part *p = &m->parts[i];

		if (strncasecmp(p->ctype, "text/calendar", 13) == 0)
			leaf_make(&lo->alt[lo->nalt++], p->ctype, p->data,
			    p->len, NULL, NULL, NULL);
		else
			leaf_make(&lo->mix[lo->nmix++], p->ctype, p->data,
			    p->len, NULL, p->inline_flag ? "inline" :
			    "attachment", p->filename);
	}
	boundaries_pick(lo);
}

static void
layout_free(struct layout *lo)
{
	for (size_t i = 0; i < lo->nalt; i++)
		leaf_free(&lo->alt[i]);
	for (size_t i = 0; i < lo->nmix; i++)
		leaf_free(&lo->mix[i]);
	free(lo->alt);
	free(lo->mix);
}

/* RFC 5322 3.3 date in local time, English names whatever the locale. */
static void
date_add(struct buf *b, time_t t)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	buf_printf(b, "Date: %s, %d %s %d %02d:%02d:%02d %c%02ld%02ld\r\n",
	    day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	    labs(off) / 60, labs(off) % 60);
}

/* RFC 5322 2.1.1 MUST: no line over 998. Only a raw value without
 * spaces can get there, since everything else folds. */
static const char *
long_line(const char *s, size_t n)
{
	const char *end = s + n, *line = s;

	for (; s + 1 < end; s++)
		if (s[0] == '\r' && s[1] == '\n') {
			if (s - line > 998)
				return line;
			line = s + 2;
		}
	return NULL;
}

static void
headers_write(const struct mime *m, struct buf *b)
{
	int have_date = 0;

	for (size_t i = 0; i < m->nh; i++) {
		if (m->h[i].kind == H_ADDR && m->h[i].naddr == 0)
			continue;
		header_add(b, &m->h[i]);
		have_date |= strcasecmp(m->h[i].name, "Date") == 0;
	}
	if (!have_date)
		date_add(b, m->have_date ? m->date : time(NULL));
	buf_adds(b, "MIME-Version: 1.0\r\n");
}

int
mime_build(struct mime *m, struct buf *out, struct err *e)
{
	struct layout lo;
	struct buf hdr;
	struct blk k;
	const char *bad;
	size_t keep = out->len;
	int rc = 0;

	if (m->bad) {
		err_set(e, "%s", m->first.msg);
		return -1;
	}
	if (!m->text.s && !m->html.s && m->np == 0) {
		err_set(e, "message: no body");
		return -1;
	}
	buf_init(&hdr, 0);
	headers_write(m, &hdr);
	if ((bad = long_line(hdr.data, hdr.len)) != NULL) {
		err_set(e, "%.*s: header line longer than 998",
		    (int)strcspn(bad, ":"), bad);
		buf_free(&hdr);
		return -1;
	}
	layout_make(m, &lo);
	k.b = out;
	k.full = 0;
	k.total = 0;
	k.n = 0;
	k.last[0] = k.last[1] = '\0';
	blk_put(&k, hdr.data, hdr.len);
	if (lo.nmix > 0)
		multipart_write(&k, "mixed", lo.mix_bnd, lo.mix, lo.nmix,
		    lo.nalt ? alt_write : NULL, &lo);
	else
		alt_write(&k, &lo);
	blk_flush(&k);
	/* A single-part body must still end in CRLF. */
	if (memcmp(k.last, "\r\n", 2) != 0)
		blk_out(&k, "\r\n", 2);
	if (k.full) {
		err_set(e, "message: %zu bytes exceed the limit of %zu",
		    k.total, out->max);
		out->len = keep;
		if (out->data != NULL)
			out->data[keep] = '\0';
		rc = -1;
	}
	buf_free(&hdr);
	layout_free(&lo);
	return rc;
}

char *
mime_message_id(const char *domain)
{
	unsigned char r[12];
	char hx[2 * sizeof(r) + 1];

	fill_random(r, sizeof(r));
	hex(hx, r, sizeof(r));
	return xasprintf("<%lld.%s@%s>", (long long)time(NULL), hx, domain);
}
