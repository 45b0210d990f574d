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
 *
 * Headers are folded and encoded in mime_header.c, bodies written in
 * mime_body.c; this file keeps the setters and the build.
 */
#include "mail/mime_private.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "base/xmem.h"

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
size_t
mime_utf8_len(const unsigned char *s)
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
		if ((n = mime_utf8_len((const unsigned char *)s)) == 0)
			return 0;
	return 1;
}

int
mime_is_ascii_text(const char *s)
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
			uint64_t w = mime_word_at(q);

			if (w & W_HIGH)
				return s;
			if (!mime_word_special(w))
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
void
mime_shape_of(const char *p, size_t n, struct shape *sh)
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
			uint64_t w = mime_word_at(s);

			if ((w & W_HIGH) || (seven && mime_word_special(w)))
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
		while (end - s >= 8 && word_utf8_2x4(mime_word_at(s))) {
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
		size_t k = (size_t)(end - s) >= 4 ? mime_utf8_len(s) : 0;

		if (k == 0) {
			/* near the end, or not UTF-8: the careful way */
			unsigned char q[4] = { 0 };

			memcpy(q, s, (size_t)(end - s) < 4 ?
			    (size_t)(end - s) : 4);
			k = mime_utf8_len(q);
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

	if (n == 0 || n > 70 || strpbrk(name, ": ") || !mime_is_ascii_text(name)
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
	if (!mime_is_ascii_text(value)) {
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

	return *a && mime_is_ascii_text(a) && at && at != a && at[1] &&
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

	mime_shape_of(s, n, &sh);
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

	if (!mime_is_ascii_text(content_type) || strchr(content_type, '/') ==
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
		mime_leaf_write(k, &lo->alt[0]);
	else
		mime_multipart_write(k, "alternative", lo->alt_bnd, lo->alt,
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
	while (need_alt && (mime_found_in(lo->alt, lo->nalt, lo->alt_bnd) ||
	    mime_found_in(lo->mix, lo->nmix, lo->alt_bnd))) {
		fill_random(r, 12);
		boundary_make(lo->alt_bnd, sizeof(lo->alt_bnd), "alt", r);
	}
	while (need_mix && (mime_found_in(lo->alt, lo->nalt, lo->mix_bnd) ||
	    mime_found_in(lo->mix, lo->nmix, lo->mix_bnd))) {
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
		mime_leaf_make(&lo->alt[lo->nalt++], "text/plain", m->text.s,
		    m->text.len, &m->text.sh, NULL, NULL);
	if (m->html.s)
		mime_leaf_make(&lo->alt[lo->nalt++], "text/html", m->html.s,
		    m->html.len, &m->html.sh, NULL, NULL);
	for (size_t i = 0; i < m->np; i++) {
		const struct part *p = &m->parts[i];

		if (strncasecmp(p->ctype, "text/calendar", 13) == 0)
			mime_leaf_make(&lo->alt[lo->nalt++], p->ctype, p->data,
			    p->len, NULL, NULL, NULL);
		else
			mime_leaf_make(&lo->mix[lo->nmix++], p->ctype, p->data,
			    p->len, NULL, p->inline_flag ? "inline" :
			    "attachment", p->filename);
	}
	boundaries_pick(lo);
}

static void
layout_free(struct layout *lo)
{
	for (size_t i = 0; i < lo->nalt; i++)
		mime_leaf_free(&lo->alt[i]);
	for (size_t i = 0; i < lo->nmix; i++)
		mime_leaf_free(&lo->mix[i]);
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
		mime_header_add(b, &m->h[i]);
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
	mime_blk_put(&k, hdr.data, hdr.len);
	if (lo.nmix > 0)
		mime_multipart_write(&k, "mixed", lo.mix_bnd, lo.mix, lo.nmix,
		    lo.nalt ? alt_write : NULL, &lo);
	else
		alt_write(&k, &lo);
	mime_blk_flush(&k);
	/* A single-part body must still end in CRLF. */
	if (memcmp(k.last, "\r\n", 2) != 0)
		mime_blk_out(&k, "\r\n", 2);
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
