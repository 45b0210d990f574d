/*
 * fprint.c -- see fprint.h. Two passes over the reply: one hashes its
 * words (a ring of the last FPRINT_K) and counts per line how many of
 * them lie in a run we sent; one decides each line and writes the two
 * texts. Per line only counters are kept (12 bytes), so a reply of
 * blank lines costs 12 bytes a line, never a copy of itself per line.
 *
 * Blob: "AFP" FPRINT_K (4 bytes), bound (u32 LE: hashes above it are
 * unknown), n (u32 LE), n sorted distinct hashes (u32 LE).
 */
#include "mail/fprint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/xmem.h"
#include "mail/parse.h"

#define FP_HDR 12
#define FP_MAXN ((FPRINT_MAX_BYTES - FP_HDR) / 4)
#define FP_ATTR_LINES 8		/* an attribution or header block */
#define FP_MIN_WORDS 8		/* fewer words found: no quote */
#define FP_ATTR_WRAP 3		/* an attribution over <= 3 lines */
#define FP_LABEL_MAX 30		/* "Word words:" of a header field */

/* ---- words --------------------------------------------------------------- */

/* One code point at s[*i] (n bytes left in all); a malformed byte is
 * taken as itself, so any input advances. */
static uint32_t
utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	uint32_t c = s[*i];
	size_t need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (c < 0x80 || need == 0 || *i + need >= n) {
		(*i)++;
		return c;
	}
	uint32_t v = c & (0x3fu >> need);
	for (size_t k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return c;
		}
		v = (v << 6) | (s[*i + k] & 0x3f);
	}
	*i += need + 1;
	return v;
}

/* Letters and digits make words; ASCII punctuation, Latin-1 signs and
 * the general punctuation, currency and symbol blocks do not. */
static int
is_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
						  (c | 0x20) <= 'z');
	if (c < 0xc0)
		return c == 0xaa || c == 0xb5 || c == 0xba;
	if (c == 0xd7 || c == 0xf7)
		return 0;
	return !(c >= 0x2000 && c <= 0x2bff) && !(c >= 0x3000 && c <= 0x303f)
	    && c != 0xfeff && c != 0xfffd;
}

static uint32_t
fold(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 0x20;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return c | 1;
	if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) &&
	    (c & 1))
		return c + 1;
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	return c;
}

#define FNV_INIT 2166136261u
#define FNV_PRIME 16777619u

/* FNV-1a over whole code points (one step each, not four bytes): words
 * are short, and the run hash is mixed once more (mix32). */
static uint32_t
fnv(uint32_t h, uint32_t v)
{
	return (h ^ v) * FNV_PRIME;
}

/* murmur3's finaliser: every bit of a run's hash depends on every word */
static uint32_t
mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

/* The next word in s[*i..end): its hash, *i past it. 0 when none. */
static int
next_word(const unsigned char *s, size_t end, size_t *i, uint32_t *h_r)
{
	while (*i < end) {
		uint32_t c = utf8_next(s, end, i);
		if (!is_word(c))
			continue;
		uint32_t h = fnv(FNV_INIT, fold(c));
		for (;;) {
			size_t at = *i;
			if (at >= end)
				break;
			c = utf8_next(s, end, i);
			if (!is_word(c)) {
				*i = at;
				break;
			}
			h = fnv(h, fold(c));
		}
		*h_r = h;
		return 1;
	}
	return 0;
}

/* The hash of the run ending at ring[(pos) % K], oldest first. */
static uint32_t
run_hash(const uint32_t *w, size_t pos)
{
	uint32_t h = FNV_INIT;
	for (size_t k = 0; k < FPRINT_K; k++)
		h = fnv(h, mix32(w[(pos + 1 + k) % FPRINT_K]));
	return mix32(h);
}

/* ---- the fingerprint ------------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (unsigned char)(v >> (8 * k));
}

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

void
fprint_make(const char *text, unsigned char **blob_r, size_t *len_r)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t end = strlen(text), i = 0, nw = 0, n = 0, cap = 64;
	uint32_t ring[FPRINT_K], h, *v = xreallocarray(NULL, cap, sizeof(*v));
	while (next_word(s, end, &i, &h)) {
		ring[nw % FPRINT_K] = h;
		if (++nw < FPRINT_K)
			continue;
		if (n == cap) {
			cap *= 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = run_hash(ring, nw - 1);
	}
	qsort(v, n, sizeof(*v), cmp_u32);
	size_t u = 0;
	for (size_t k = 0; k < n; k++)
		if (u == 0 || v[u - 1] != v[k])
			v[u++] = v[k];
	/* too many: the smallest hashes, a sample that any later reading
	 * of the same words draws the same way */
	uint32_t bound = UINT32_MAX;
	if (u > FP_MAXN) {
		u = FP_MAXN;
		bound = v[u - 1];
	}
	unsigned char *b = xmalloc(FP_HDR + 4 * u);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): a 3-byte magic, not a string */
	memcpy(b, "AFP", 3);
	b[3] = FPRINT_K;
	put_le32(b + 4, bound);
	put_le32(b + 8, (uint32_t)u);
	for (size_t k = 0; k < u; k++)
		put_le32(b + FP_HDR + 4 * k, v[k]);
	free(v);
	*blob_r = b;
	*len_r = FP_HDR + 4 * u;
}

int
fprint_of_message(const char *raw, size_t len, unsigned char **blob_r,
		  size_t *len_r)
{
	struct parse_limits lim = { .max_bytes = 0, .max_parts = 20,
				    .max_depth = 4 };
	struct parsed *p = NULL;
	struct err e;
	if (parse_message(raw, len, &lim, &p, &e) < 0)
		return -1;
	fprint_make(p->text, blob_r, len_r);
	parse_free(&p);
	return 0;
}

struct fpset {
	const unsigned char *v;
	size_t n;
	uint32_t bound;
};

static int
fpset_open(const unsigned char *blob, size_t len, struct fpset *f)
{
	if (blob == NULL || len < FP_HDR || len > FPRINT_MAX_BYTES ||
	    memcmp(blob, "AFP", 3) != 0 || blob[3] != FPRINT_K)
		return -1;
	f->bound = get_le32(blob + 4);
	f->n = get_le32(blob + 8);
	f->v = blob + FP_HDR;
	return len == FP_HDR + 4 * f->n && f->n > 0 ? 0 : -1;
}

static int
fpset_has(const struct fpset *f, uint32_t h)
{
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t x = get_le32(f->v + 4 * mid);
		if (x == h)
			return 1;
		if (x < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- lines of the reply ---------------------------------------------------- */

enum { L_NEW, L_QUOTED, L_EMPTY, L_DROP };
enum { F_GT = 1, F_FIRST = 2 };

struct fline {
	uint32_t known;		/* words in a run the fingerprint can know */
	uint32_t covered;	/* words in a run it has */
	uint8_t state, flags;
};

struct reply {
	const unsigned char *s;
	size_t len;
	struct fline *l;
	size_t n;
};

/* The line starting at *at: its end (before '\n' and a '\r'), *at moves
 * past the '\n'. */
static size_t
line_next(const struct reply *r, size_t *at, size_t *start_r)
{
	const unsigned char *nl = memchr(r->s + *at, '\n', r->len - *at);
	size_t e = nl ? (size_t)(nl - r->s) : r->len;
	*start_r = *at;
	*at = nl ? e + 1 : r->len;
	if (e > *start_r && r->s[e - 1] == '\r')
		e--;
	return e;
}

/* Length of the quote prefix: blanks, '>' and '|'. */
static size_t
prefix_len(const unsigned char *s, size_t n, int *gt_r)
{
	size_t i = 0;
	*gt_r = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '>' ||
			 s[i] == '|')) {
		*gt_r |= s[i] == '>';
		i++;
	}
	return i;
}

/* A ring of the last FPRINT_K words: each word's line, and whether a run
 * through it was known or found. */
struct wring {
	uint32_t h[FPRINT_K];
	size_t line[FPRINT_K];
	uint8_t known[FPRINT_K], cov[FPRINT_K], first[FPRINT_K];
	size_t nw;
};

/* Charge the word leaving the ring to its line. */
static void
ring_retire(struct reply *r, struct wring *w, size_t slot)
{
	struct fline *l = &r->l[w->line[slot]];
	l->known += w->known[slot];
	l->covered += w->cov[slot];
	if (w->first[slot] && w->cov[slot])
		l->flags |= F_FIRST;
}

static void
ring_push(struct reply *r, struct wring *w, const struct fpset *f,
	  uint32_t h, size_t line, int first)
{
	size_t slot = w->nw % FPRINT_K;
	if (w->nw >= FPRINT_K)
		ring_retire(r, w, slot);
	w->h[slot] = h;
	w->line[slot] = line;
	w->known[slot] = w->cov[slot] = 0;
	w->first[slot] = (uint8_t)first;
	if (++w->nw < FPRINT_K)
		return;
	uint32_t rh = run_hash(w->h, slot);
	if (rh > f->bound)
		return;
	int has = fpset_has(f, rh);
	for (size_t k = 0; k < FPRINT_K; k++) {
		w->known[k] = 1;
		w->cov[k] |= (uint8_t)has;
	}
}

/* First pass: lines counted, words hashed and charged to their lines. */
static void
reply_scan(struct reply *r, const struct fpset *f)
{
	size_t at = 0, start, n = 0;
	for (size_t i = 0; i < r->len; i++)
		n += r->s[i] == '\n';
	r->l = xcalloc(n + 1, sizeof(*r->l));
	struct wring w = { .nw = 0 };
	for (r->n = 0; at < r->len; r->n++) {
		size_t e = line_next(r, &at, &start), i, p;
		int gt;
		uint32_t h;
		p = prefix_len(r->s + start, e - start, &gt);
		r->l[r->n].flags = gt ? F_GT : 0;
		i = start + p;
		for (int first = 1; next_word(r->s, e, &i, &h); first = 0)
			ring_push(r, &w, f, h, r->n, first);
	}
	for (size_t k = w.nw > FPRINT_K ? w.nw - FPRINT_K : 0; k < w.nw; k++)
		ring_retire(r, &w, k % FPRINT_K);
}

/* Quoted by what we sent, by '>', new, or to be decided by its
 * neighbours. 1 if any line matched the fingerprint. */
static int
line_matches(const struct fline *l)
{
	return l->covered > 0 && (l->covered * 2 >= l->known ||
				  (l->flags & F_FIRST));
}

/* When most lines found in the fingerprint are under '>', the client
 * quotes with '>': a line without it is the respondent's, even one that
 * repeats three or more of our words (an option's name typed between
 * quoted lines). */
static int
reply_judge(struct reply *r)
{
	size_t gt = 0, plain = 0, words = 0;
	for (size_t i = 0; i < r->n; i++)
		if (line_matches(&r->l[i])) {
			*((r->l[i].flags & F_GT) ? &gt : &plain) += 1;
			words += r->l[i].covered;
		}
	if (words < FP_MIN_WORDS)
		return 0;	/* a phrase of ours, not a quote */
	for (size_t i = 0; i < r->n; i++) {
		struct fline *l = &r->l[i];
		if ((l->flags & F_GT) || (line_matches(l) && plain >= gt))
			l->state = L_QUOTED;
		else
			l->state = l->known ? L_NEW : L_EMPTY;
	}
	return 1;
}

/* A line without words goes with its block: quoted between two quoted
 * lines, new otherwise. */
static void
reply_inherit(struct reply *r)
{
	uint8_t prev = L_NEW;
	for (size_t i = 0; i < r->n; i++) {
		if (r->l[i].state != L_EMPTY) {
			prev = r->l[i].state;
			continue;
		}
		size_t j = i;
		while (j < r->n && r->l[j].state == L_EMPTY)
			j++;
		uint8_t next = j < r->n ? r->l[j].state : L_NEW;
		uint8_t st = prev == L_QUOTED && next == L_QUOTED ? L_QUOTED :
		    L_NEW;
		for (; i < j; i++)
			r->l[i].state = st;
		i--;
	}
}

/* ---- the attribution ------------------------------------------------------- */

enum { A_NO, A_SEP, A_LABEL, A_ATTR };

static int
has_date(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			continue;
		size_t j = i;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j - i == 4 && (s[i] == '1' || s[i] == '2'))
			return 1;	/* a year */
		if (j - i <= 2 && j + 1 < n && (s[j] == '.' || s[j] == '/' ||
		    s[j] == ':' || s[j] == '-') && s[j + 1] >= '0' &&
		    s[j + 1] <= '9')
			return 1;	/* 3.3. 3/3 10:00 */
		i = j;
	}
	return 0;
}

/* "Da:", "Předmět:", "Изпратено:", "Sent Date:": letters and spaces, then
 * ':'. */
static int
is_label(const unsigned char *s, size_t n)
{
	size_t i = 0, letters = 0;
	for (; i < n && i < FP_LABEL_MAX; i++) {
		if (s[i] == ':')
			return letters >= 2;
		if (s[i] >= '0' && s[i] <= '9')
			return 0;
		if (s[i] >= 0x80 || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20)
				     <= 'z'))
			letters++;
		else if (s[i] != ' ' && s[i] != '-')
			return 0;
	}
	return 0;
}

/* "A3:", "3.", "3)": the start of an answer, never an attribution. */
static int
is_answerish(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] != ' ' && s[i] != ':' && s[i] != '.' &&
	       s[i] != ')')
		i++;
	if (i >= n || s[i] == ' ')
		return 0;
	for (size_t k = 0; k < i; k++)
		if (s[k] >= '0' && s[k] <= '9')
			return 1;
	return 0;
}

static int
attr_kind(const unsigned char *s, size_t n)
{
	int gt;
	size_t p = prefix_len(s, n, &gt);
	s += p;
	n -= p;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return A_NO;
	size_t i = 0;
	uint32_t h;
	if (!next_word(s, n, &i, &h) || (n >= 3 && (memcmp(s, "---", 3) == 0
	    || memcmp(s, "___", 3) == 0)))
		return A_SEP;
	if (is_answerish(s, n))
		return A_NO;
	if (s[n - 1] == ':')
		return A_ATTR;
	if (is_label(s, n))
		return A_LABEL;
	return memchr(s, '@', n) != NULL || has_date(s, n) ? A_ATTR : A_NO;
}

/* Blank, or nothing but a quote prefix. */
static int
is_blank(const unsigned char *s, size_t n)
{
	int gt;
	return prefix_len(s, n, &gt) == n;
}

/* Drop the attribution or header block right above the first quoted
 * line (blank lines between allowed): its bottom line an attribution,
 * or two or more header fields. Looks at no more than FP_ATTR_LINES + 2
 * lines, found in one walk from the top. */
static void
reply_drop_attribution(struct reply *r)
{
	enum { W = FP_ATTR_LINES + 2 };
	int kind[W];		/* A_*, or -1: blank */
	size_t q = 0, at = 0, start;
	while (q < r->n && r->l[q].state != L_QUOTED) {
		size_t e = line_next(r, &at, &start);
		const unsigned char *s = r->s + start;
		kind[q % W] = is_blank(s, e - start) ? -1 :
		    attr_kind(s, e - start);
		q++;
	}
	if (q == r->n || q == 0)
		return;
	size_t lo = q > W ? q - W : 0, i = q, nlabel = 0;
	while (i > lo && kind[(i - 1) % W] == -1)
		i--;
	int ok = i > lo && kind[(i - 1) % W] == A_ATTR, nattr = 0;
	/* an attribution wraps over at most FP_ATTR_WRAP lines; fields
	 * and separators above it belong to the same block */
	while (i > lo && kind[(i - 1) % W] > A_NO &&
	       (kind[(i - 1) % W] != A_ATTR || nattr++ < FP_ATTR_WRAP)) {
		nlabel += kind[(i - 1) % W] == A_LABEL;
		i--;
	}
	if (!ok && nlabel < 2)
		return;
	for (size_t k = i; k < q; k++)
		r->l[k].state = L_DROP;
}

/* ---- writing the two texts ------------------------------------------------- */

static char *
trimmed(struct buf *b)
{
	size_t s = 0, e = b->len;
	while (s < e && (b->data[s] == ' ' || b->data[s] == '\n' ||
			 b->data[s] == '\t'))
		s++;
	while (e > s && (b->data[e - 1] == ' ' || b->data[e - 1] == '\n' ||
			 b->data[e - 1] == '\t'))
		e--;
	char *out = xstrndup(b->data ? b->data + s : "", e - s);
	buf_free(b);
	return out;
}

static int
is_sig_separator(const unsigned char *s, size_t n)
{
	return (n == 3 && memcmp(s, "-- ", 3) == 0) ||
	    (n == 2 && memcmp(s, "--", 2) == 0);
}

static void
reply_write(struct reply *r, char **new_r, char **quoted_r)
{
	struct buf nb, qb;
	buf_init(&nb, 0);
	buf_init(&qb, 0);
	size_t at = 0, start;
	int sig = 0;
	for (size_t i = 0; i < r->n; i++) {
		size_t e = line_next(r, &at, &start), p;
		const unsigned char *s = r->s + start;
		int gt;
		switch (r->l[i].state) {
		case L_QUOTED:
			sig = 0;
			p = prefix_len(s, e - start, &gt);
			buf_add(&qb, s + p, e - start - p);
			buf_addc(&qb, '\n');
			break;
		case L_NEW:
			sig |= is_sig_separator(s, e - start);
			if (sig)
				break;
			buf_add(&nb, s, e - start);
			buf_addc(&nb, '\n');
			break;
		default:
			break;
		}
	}
	*new_r = trimmed(&nb);
	*quoted_r = trimmed(&qb);
}

int
fprint_split(const char *text, const unsigned char *blob, size_t len,
	     char **new_r, char **quoted_r)
{
	struct fpset f;
	if (fpset_open(blob, len, &f) < 0)
		return 0;
	struct reply r = { (const unsigned char *)text, strlen(text), NULL, 0 };
	reply_scan(&r, &f);
	if (!reply_judge(&r)) {
		free(r.l);
		return 0;
	}
	reply_inherit(&r);
	reply_drop_attribution(&r);
	reply_write(&r, new_r, quoted_r);
	free(r.l);
	return 1;
}
