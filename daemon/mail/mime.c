/*
 * mime.c -- builds outgoing RFC 5322 / MIME messages; see mime.h. Pure:
 * no network, no store. RFC 5322, 2045, 2046, 2047, 2231, 6047.
 *
 * The build runs in three steps: every leaf part is encoded on its own
 * (7bit, quoted-printable or base64), then boundaries are drawn until
 * none occurs in any encoded leaf, then the tree is written out.
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

struct mime {
	struct hdr *h;
	size_t nh;
	char *text, *html;
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
	free(m->text);
	free(m->html);
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
set_body(struct mime *m, char **slot, const char *what, const char *s)
{
	if (!utf8_valid(s)) {
		refuse(m, what, "not valid UTF-8");
		return;
	}
	free(*slot);
	*slot = xstrdup(s);
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

static void
fold_put(struct fold *f, const char *ws, const char *atom, size_t n)
{
	size_t wl = strlen(ws);

	if (f->col + wl + n > f->width && !f->fresh && !f->oneline) {
		buf_adds(f->b, "\r\n");
		f->col = 0;
		if (wl == 0)
			ws = " ", wl = 1;
	}
	buf_adds(f->b, ws);
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
	buf_printf(b, "=?UTF-8?%c?", mode);
	if (mode == 'B')
		b64_add(b, s, n);
	else
		for (size_t i = 0; i < n; i++) {
			if (q_plain(s[i]))
				buf_addc(b, (char)s[i]);
			else if (s[i] == ' ')
				buf_addc(b, '_');
			else
				buf_printf(b, "=%02X", s[i]);
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
fold_encoded(struct fold *f, const char *ws, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	char mode = b_size(len) < q_size(s, len) ? 'B' : 'Q';
	struct buf w;

	buf_init(&w, 0);
	while (len > 0) {
		size_t used = f->col + strlen(ws);
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
		fold_put(f, ws, w.data, w.len);
		ws = " ";
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
		char *sep = first ? xstrdup(" ") : xstrndup(ws, wsl);

		if (!encode || plain_word(f, f->fresh, first ? 1 : wsl, w,
		    (size_t)(end - w))) {
			first = 0;
			fold_put(f, sep, w, (size_t)(end - w));
			free(sep);
			s = end;
			continue;
		}
		first = 0;
		/* Extend the run over following words that need encoding. */
		for (run_end = end;;) {
			const char *nw = run_end + strspn(run_end, " \t");
			const char *ne = nw + strcspn(nw, " \t");

			if (nw == ne || plain_word(f, 0, (size_t)(nw - run_end),
			    nw, (size_t)(ne - nw)))
				break;
			run_end = ne;
		}
		fold_encoded(f, sep, w, (size_t)(run_end - w));
		free(sep);
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
		fold_encoded(f, " ", name, strlen(name));
		return;
	}
	if (is_atext_phrase(name) && !strstr(name, "  ") && name[0] != ' ' &&
	    name[strlen(name) - 1] != ' ') {
		if (atoms_fit(f, name))
			fold_text(f, name, 0);
		else
			fold_encoded(f, " ", name, strlen(name));
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
		fold_put(f, " ", q.data, q.len);
	else
		fold_encoded(f, " ", name, strlen(name));
	buf_free(&q);
}

static void
fold_addrs(struct fold *f, const struct hdr *h)
{
	for (size_t i = 0; i < h->naddr; i++) {
		const struct addr *a = &h->addrs[i];
		char *atom;

		if (a->display[0])
			fold_phrase(f, a->display);
		atom = xasprintf(a->display[0] ? "<%s>%s" : "%s%s", a->spec,
		    i + 1 < h->naddr ? "," : "");
		fold_put(f, " ", atom, strlen(atom));
		free(atom);
	}
}

static void
header_add(struct buf *b, const struct hdr *h)
{
	struct fold f = { b, strlen(h->name) + 1, MIME_HDR_WIDTH, 0, 1 };

	buf_printf(b, "%s:", h->name);
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
	fold_encoded(&f, "", utf8, strlen(utf8));
	return buf_steal(&b);
}

/* ---- bodies ---------------------------------------------------------- */

/* An encoded leaf: its Content-* header lines and its encoded body. */
struct leaf {
	struct buf h;
	struct buf body;
};

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

/* Can the text travel as 7bit unchanged: printable ASCII, lines of at
 * most 76, no whitespace at a line end (transports strip it)? */
static int
seven_bit_ok(const char *s, size_t n)
{
	const char *end = s + n;
	size_t col = 0;

	for (; s < end; s++) {
		unsigned char c = (unsigned char)*s;
		size_t el = eol_len(s, end);

		if (el) {
			if (col > 0 && (s[-1] == ' ' || s[-1] == '\t'))
				return 0;
			col = 0;
			s += el - 1;
			continue;
		}
		if (c >= 0x7f || (c < 0x20 && c != '\t') ||
		    ++col > MIME_BODY_WIDTH)
			return 0;
	}
	return col == 0 || (end[-1] != ' ' && end[-1] != '\t');
}

/* Every line break in s as CRLF (7bit bodies). */
static void
crlf_add(struct buf *b, const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		const char *e = s;
		size_t el;

		/* copy each line in one piece, then its break as CRLF */
		while (e < end && *e != '\r' && *e != '\n')
			e++;
		buf_add(b, s, (size_t)(e - s));
		if (e == end)
			break;
		el = eol_len(e, end);
		buf_adds(b, "\r\n");
		s = e + el;
	}
}

/* A third or more of the bytes need encoding (Cyrillic text): base64 is
 * shorter than QP. Short texts stay QP so they remain readable. */
static int
mostly_8bit(const char *s, size_t n)
{
	size_t high = 0;

	for (size_t i = 0; i < n; i++)
		high += (unsigned char)s[i] >= 0x80;
	return n >= 64 && high * 3 >= n;
}

/* One line of quoted-printable (RFC 2045 6.7): soft breaks keep every
 * line at 76 including the '='; whitespace at the line end is encoded. */
static void
qp_line(struct buf *b, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	/* one output line at a time in a local block, appended once: this
	 * runs over every byte of every message sent */
	char line[MIME_BODY_WIDTH + 4];
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		int last = i + 1 == n;
		int enc = s[i] == '=' || s[i] >= 0x7f ||
		    (s[i] < 0x20 && s[i] != '\t') ||
		    (last && (s[i] == ' ' || s[i] == '\t'));
		size_t tl = enc ? 3 : 1;

		if (col + tl > (last ? MIME_BODY_WIDTH : MIME_BODY_WIDTH - 1)) {
			buf_add(b, line, col);
			buf_adds(b, "=\r\n");
			col = 0;
		}
		if (enc) {
			line[col++] = '=';
			line[col++] = hex[s[i] >> 4];
			line[col++] = hex[s[i] & 15];
		} else {
			line[col++] = (char)s[i];
		}
	}
	buf_add(b, line, col);
}

static void
qp_add(struct buf *b, const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		const char *e = s;
		size_t el;

		while (e < end && eol_len(e, end) == 0)
			e++;
		qp_line(b, (const unsigned char *)s, (size_t)(e - s));
		el = eol_len(e, end);
		if (el)
			buf_adds(b, "\r\n");
		s = e + el;
	}
}

static void
base64_body(struct buf *b, const unsigned char *s, size_t n)
{
	/* 57 bytes make one 76-character line. */
	for (size_t i = 0; i < n; i += 57) {
		if (i)
			buf_adds(b, "\r\n");
		b64_add(b, s + i, n - i < 57 ? n - i : 57);
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

static void
leaf_make(struct leaf *l, const char *ctype, const char *data, size_t len,
    const char *disposition, const char *filename)
{
	int text = is_text_type(ctype);
	struct hdr h = { "Content-Type", H_RAW, NULL, NULL, 0 };
	struct buf v;
	const char *cte;

	buf_init(&l->h, 0);
	buf_init(&l->body, 0);
	buf_init(&v, 0);
	buf_adds(&v, ctype);
	if (text && strcasestr(ctype, "charset=") == NULL)
		buf_adds(&v, "; charset=utf-8");
	h.value = v.data;
	header_add(&l->h, &h);
	if (!text) {
		cte = "base64";
		base64_body(&l->body, (const unsigned char *)data, len);
	} else if (seven_bit_ok(data, len)) {
		cte = "7bit";
		crlf_add(&l->body, data, len);
	} else if (mostly_8bit(data, len)) {
		/* Cyrillic text: QP would triple it, base64 adds a third.
		 * Text is put in canonical CRLF form before encoding. */
		struct buf crlf;

		buf_init(&crlf, 0);
		crlf_add(&crlf, data, len);
		cte = "base64";
		base64_body(&l->body, (const unsigned char *)crlf.data,
			    crlf.len);
		buf_free(&crlf);
	} else {
		cte = "quoted-printable";
		qp_add(&l->body, data, len);
	}
	buf_printf(&l->h, "Content-Transfer-Encoding: %s\r\n", cte);
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
	buf_free(&l->body);
}

static int
found_in(const struct leaf *l, size_t nl, const char *s)
{
	for (size_t i = 0; i < nl; i++)
		if (memmem(l[i].body.data, l[i].body.len, s, strlen(s)))
			return 1;
	return 0;
}

static void
leaf_write(struct buf *b, const struct leaf *l)
{
	buf_add(b, l->h.data, l->h.len);
	buf_adds(b, "\r\n");
	buf_add(b, l->body.data, l->body.len);
}

/* kids as multipart/sub; a NULL first kid stands for the alternative. */
static void
multipart_write(struct buf *b, const char *sub, const char *bnd,
    const struct leaf *kids, size_t n, void (*first)(struct buf *,
    const void *), const void *arg)
{
	buf_printf(b, "Content-Type: multipart/%s;\r\n boundary=\"%s\"\r\n"
	    "\r\n", sub, bnd);
	if (first) {
		buf_printf(b, "--%s\r\n", bnd);
		first(b, arg);
		buf_adds(b, "\r\n");
	}
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "--%s\r\n", bnd);
		leaf_write(b, &kids[i]);
		buf_adds(b, "\r\n");
	}
	buf_printf(b, "--%s--\r\n", bnd);
}

struct layout {
	struct leaf *alt;	/* text, html, text/calendar: in order */
	size_t nalt;
	struct leaf *mix;	/* other attachments */
	size_t nmix;
	char alt_bnd[64], mix_bnd[64];
};

static void
alt_write(struct buf *b, const void *arg)
{
	const struct layout *lo = arg;

	if (lo->nalt == 1)
		leaf_write(b, &lo->alt[0]);
	else
		multipart_write(b, "alternative", lo->alt_bnd, lo->alt,
		    lo->nalt, NULL, NULL);
}

/* A boundary found in no leaf. QP and base64 can never contain "=_", so
 * only a 7bit text could, and then another draw follows. The tags keep
 * the two boundaries from being prefixes of each other (RFC 2046 5.1). */
static void
boundary_pick(const struct layout *lo, char *dst, const char *tag)
{
	unsigned char r[12];
	char hx[2 * sizeof(r) + 1];

	do {
		fill_random(r, sizeof(r));
		hex(hx, r, sizeof(r));
		snprintf(dst, sizeof(lo->alt_bnd), "=_anketa_%s_%s", tag, hx);
	} while (found_in(lo->alt, lo->nalt, dst) ||
	    found_in(lo->mix, lo->nmix, dst));
}

static void
layout_make(const struct mime *m, struct layout *lo)
{
	memset(lo, 0, sizeof(*lo));
	lo->alt = xcalloc(m->np + 2, sizeof(*lo->alt));
	lo->mix = xcalloc(m->np + 1, sizeof(*lo->mix));
	if (m->text)
		leaf_make(&lo->alt[lo->nalt++], "text/plain", m->text,
		    strlen(m->text), NULL, NULL);
	if (m->html)
		leaf_make(&lo->alt[lo->nalt++], "text/html", m->html,
		    strlen(m->html), NULL, NULL);
	for (size_t i = 0; i < m->np; i++) {
		const struct part *p = &m->parts[i];

		if (strncasecmp(p->ctype, "text/calendar", 13) == 0)
			leaf_make(&lo->alt[lo->nalt++], p->ctype, p->data,
			    p->len, NULL, NULL);
		else
			leaf_make(&lo->mix[lo->nmix++], p->ctype, p->data,
			    p->len, p->inline_flag ? "inline" : "attachment",
			    p->filename);
	}
	boundary_pick(lo, lo->alt_bnd, "alt");
	boundary_pick(lo, lo->mix_bnd, "mix");
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
	struct buf msg;
	const char *bad;
	int rc = 0;

	if (m->bad) {
		err_set(e, "%s", m->first.msg);
		return -1;
	}
	if (!m->text && !m->html && m->np == 0) {
		err_set(e, "message: no body");
		return -1;
	}
	layout_make(m, &lo);
	buf_init(&msg, 0);
	headers_write(m, &msg);
	if ((bad = long_line(msg.data, msg.len)) != NULL) {
		err_set(e, "%.*s: header line longer than 998",
		    (int)strcspn(bad, ":"), bad);
		rc = -1;
		goto out;
	}
	if (lo.nmix > 0)
		multipart_write(&msg, "mixed", lo.mix_bnd, lo.mix, lo.nmix,
		    lo.nalt ? alt_write : NULL, &lo);
	else
		alt_write(&msg, &lo);
	/* A single-part body must still end in CRLF. */
	if (msg.len < 2 || memcmp(msg.data + msg.len - 2, "\r\n", 2) != 0)
		buf_adds(&msg, "\r\n");
	if (buf_add(out, msg.data, msg.len) < 0) {
		err_set(e, "message: %zu bytes exceed the limit of %zu",
		    msg.len, out->max);
		rc = -1;
	}
out:
	buf_free(&msg);
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
