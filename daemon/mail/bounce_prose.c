/*
 * bounce_prose.c -- see bounce_private.h: reads the reports that are only
 * prose (qmail, Exim, Exchange, Domino, AOL, ...): X-Failed-Recipients
 * and the addresses that start a line before the returned copy, each
 * with the status code of its own block.
 */
#include "mail/bounce_private.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

/* Wording of a delay notice: the reporting server still retries, so
 * whatever code it quotes from the last attempt, nothing failed yet. */
static const char *const delay_words[] = {
	"will retry", "will be retried", "will continue to try",
	"still trying", "delivery incomplete", "not yet been delivered",
	"warning only", "do not need to resend",
	"delivery attempts will continue", "will keep trying", "will try again",
	"has been delayed",
	"delivery is delayed", "delivery has been delayed", NULL,
};

/* Subjects of delay notices (Gmail, Exchange, Sendmail). */
static const char *const delay_subjects[] = {
	"(delay)", "delayed mail", "delivery delayed",
	"warning: could not send message for past",
	"delivery status notification (delay)",
	NULL,
};

/* Lines that start the returned original: the diagnostic ends there.
 * Matched at the start of a line after its dashes and spaces. */
static const char *const returned_markers[] = {
	"below this line is a copy", "this is a copy of the message",
	"original message follows", "original message ---",
	"original message-", "original message headers", "returned message",
	"message headers follow", "unsent message follows", NULL,
};

/* ---- prose bounces ----------------------------------------------- */

/* Does the line at s (up to eol) start, after spaces, dashes and
 * asterisks, with one of the markers of a returned copy? */
static int
returned_marker_line(const char *s, const char *eol)
{
	while (s < eol && strchr(" \t-=*_>", *s))
		s++;
	for (size_t i = 0; returned_markers[i]; i++) {
		size_t k = strlen(returned_markers[i]);
		if ((size_t)(eol - s) >= k &&
		    strncasecmp(s, returned_markers[i], k) == 0)
			return 1;
	}
	return 0;
}

/* End of the diagnostic prose: the first line that starts the returned
 * original (a marker line or its header block). */
const char *
bounce_prose_end(const char *text)
{
	static const char *const hdrs[] = { "Return-Path:", "Received: from",
					    "Message-ID:", NULL };
	for (const char *s = text; *s;) {
		const char *eol = strchr(s, '\n');
		if (!eol)
			eol = s + strlen(s);
		if (returned_marker_line(s, eol))
			return s;
		for (size_t i = 0; hdrs[i] && s > text; i++)
			if (strncasecmp(s, hdrs[i], strlen(hdrs[i])) == 0)
				return s;
		s = *eol ? eol + 1 : eol;
	}
	return text + strlen(text);
}

/* The address around the '@' at q in [s, end), normalised into out;
 * *b_r is set past it. 1 when it is one. */
static int
addr_at(const char *s, const char *end, const char *q, const char **a_r,
	const char **b_r, char *out, size_t size)
{
	/* bounded as RFC 5321 bounds a local part and a domain, so that a
	 * hostile run of "a@a@a@..." costs linear time */
	const char *a = q, *b = q + 1;
	while (a > s && q - a < 128 && bounce_addr_char((unsigned char)a[-1]))
		a--;
	while (b < end && b - q < 256 && bounce_addr_char((unsigned char)*b) &&
	       *b != '/')
		b++;
	while (b > q + 1 && b[-1] == '.')
		b--;
	*a_r = a;
	*b_r = b;
	if (a == q || b == q + 1 || !memchr(q, '.', (size_t)(b - q)))
		return 0;
	return bounce_addr(a, (size_t)(b - a), out, size);
}

/* Is [a, b) the first thing on its line, after white space, quotes,
 * '<', '*' or "mailto:", or alone on it after a display name ("Jan
 * Novak <a@b>", "Jan Novak (a@b)")? Reports list the failed addresses
 * so. */
static int
line_leading(const char *start, const char *end, const char *a,
	     const char *b)
{
	const char *s = a;
	if (s - start >= 7 && strncasecmp(s - 7, "mailto:", 7) == 0)
		s -= 7;
	int bracket = s > start && (s[-1] == '<' || s[-1] == '(');
	while (s > start && strchr(" \t\"'<*(", s[-1]))
		s--;
	if (s == start || s[-1] == '\n')
		return 1;
	const char *ls = s;
	while (ls > start && ls[-1] != '\n' && s - ls <= 64)
		ls--;
	if (!bracket || s - ls > 64)
		return 0;
	for (const char *q = ls; q < s; q++)
		if (!isalpha((unsigned char)*q) && (unsigned char)*q < 0x80 &&
		    !strchr(" .,'\"-", *q))
			return 0;
	while (b < end && strchr(">)\"' \t:", *b))
		b++;
	return b == end || *b == '\n' || *b == '\r';
}

/* Is the line around pos a header-like "To: ..." or "Sent: ..." line
 * (Exchange and GroupWise repeat the original's headers there)? */
static int
header_line(const char *start, const char *pos)
{
	const char *s = pos;
	while (s > start && s[-1] != '\n' && pos - s < 200)
		s--;
	if (s > start && s[-1] != '\n')
		return 0;	/* far into a long line: no header's */
	while (*s == ' ' || *s == '\t')
		s++;
	const char *w = s;
	while (isalpha((unsigned char)*w) || *w == '-')
		w++;
	return w > s && *w == ':' && w < pos;
}

struct hit {
	const char *at;			/* where it stands in the region */
	char addr[CLASSIFY_ADDR_MAX];
};

/* Addresses of the region into h (at most max): the line-leading ones
 * when there are any (every failed recipient of the report), else the
 * first one that is not on a header-like line. */
static size_t
prose_hits(const struct bounce_rd *r, struct hit *h, size_t max)
{
	size_t n = 0;
	for (int leading = 1; leading >= 0 && n == 0; leading--) {
		int seen = 0;	/* a report names a few: hostile text many */
		for (const char *q = r->region; q < r->end && n < max &&
		     seen < 256; q++) {
			const char *a, *b;
			if (*q != '@' || q == r->region)
				continue;
			int ok = addr_at(r->region, r->end, q, &a, &b,
					 h[n].addr, sizeof(h[n].addr));
			q = b > q ? b - 1 : q;
			seen += ok;
			if (!ok || bounce_addr_skip(r, h[n].addr))
				continue;
			if (leading ? !line_leading(r->region, r->end, a, b)
				    : header_line(r->region, a))
				continue;
			int dup = 0;
			for (size_t i = 0; i < n && !dup; i++)
				dup = strcmp(h[i].addr, h[n].addr) == 0;
			if (dup)
				continue;
			h[n++].at = a;
			if (!leading)
				return n;
		}
	}
	return n;
}

/* AOL-style reports list bare local parts under a line that ends in
 * ':' and speaks of the "following" recipients: those are addresses of
 * the reporting system's own domain (its From). */
static void
prose_bare_locals(const struct bounce_rd *r)
{
	const char *at = strrchr(r->p->from_addr, '@');
	int listing = 0;
	for (const char *s = r->region; at && s < r->end;) {
		const char *eol = memchr(s, '\n', (size_t)(r->end - s));
		if (!eol)
			eol = r->end;
		const char *a = s, *b = eol;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a && b[-1] == ':') {
			char *line = xstrndup(a, (size_t)(b - a));
			listing = strcasestr(line, "following") != NULL;
			free(line);
		} else if (listing && b > a) {
			const char *q = a;
			while (q < b && bounce_addr_char((unsigned char)*q))
				q++;
			char raw[CLASSIFY_ADDR_MAX], addr[CLASSIFY_ADDR_MAX];
			int n = snprintf(raw, sizeof(raw), "%.*s%s",
					 (int)(b - a), a, at);
			if (q == b && n > 0 && (size_t)n < sizeof(raw) &&
			    bounce_addr(raw, (size_t)n, addr, sizeof(addr)) &&
			    !bounce_addr_skip(r, addr))
				bounce_add(r->c, addr, r->c->bounce_status,
					   r->c->bclass);
			else
				listing = 0;
		}
		s = eol + 1;
	}
}

/* The line around pos, trimmed, as the diagnostic text. */
static void
line_around(const char *start, const char *pos, char *out, size_t size)
{
	const char *a = pos, *b = pos;
	while (a > start && a[-1] != '\n')
		a--;
	while (*b && *b != '\n')
		b++;
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	bounce_copy(out, size, a, (size_t)(b - a));
}

/* Status of [s, end): the enhanced code, else the SMTP reply code as
 * "c.0.0" (RFC 3463's "other or undefined" of that class); the line
 * it stands on into diag. 1 when found. */
static int
block_status(const char *s, const char *end, char *st, size_t stsize,
	     char *diag, size_t dsize)
{
	const char *at = bounce_find_status(s, end, st, stsize);
	const char *code = bounce_find_reply_code(s, end);
	if (at) {
		line_around(s, code && code < at && at - code < 8 ? code : at,
			    diag, dsize);
		return 1;
	}
	if (code) {
		snprintf(st, stsize, "%c.0.0", *code);
		line_around(s, code, diag, dsize);
		return 1;
	}
	st[0] = '\0';
	return 0;
}

/* The class of one block of prose: a delay notice is temporary whatever
 * code it quotes from the last attempt. */
static enum classify_bclass
prose_class(const char *status, const char *s, const char *end, int delay)
{
	char *text = xstrndup(s, (size_t)(end - s));
	enum classify_bclass cl = delay ? CLASSIFY_B_TEMPORARY
					: bounce_class_of(status, text);
	free(text);
	return cl;
}

/* A report that names nobody: the one recipient of the returned copy
 * (its To: line, when it holds a single address) is the failed one. */
static void
returned_to(struct bounce_rd *r, const char *status, enum classify_bclass cl)
{
	const char *texts[] = { r->p->returned_headers, r->end };
	for (size_t i = 0; i < 2; i++) {
		for (const char *s = texts[i]; s && *s;) {
			const char *eol = s + strcspn(s, "\r\n");
			const char *at = memchr(s, '@', (size_t)(eol - s));
			char a[CLASSIFY_ADDR_MAX];
			if (strncasecmp(s, "To:", 3) == 0 && at &&
			    !memchr(at + 1, '@', (size_t)(eol - at - 1)) &&
			    bounce_addr(s + 3, (size_t)(eol - s - 3), a,
					sizeof(a)) &&
			    !bounce_addr_skip(r, a)) {
				bounce_add(r->c, a, status, cl);
				return;
			}
			s = eol + strspn(eol, "\r\n");
		}
	}
}

void
bounce_prose_read(struct bounce_rd *r)
{
	struct classified *c = r->c;
	const char *failed = parse_header(r->p, "X-Failed-Recipients");
	char st[16], diag[512];
	char *region = xstrndup(r->region, (size_t)(r->end - r->region));
	int delay = bounce_contains_any(region, delay_words) ||
		    bounce_contains_any(r->p->subject, delay_subjects);
	free(region);

	/* the region's own first code: for recipients whose block has none */
	block_status(r->region, r->end, st, sizeof(st), diag, sizeof(diag));
	enum classify_bclass whole = prose_class(st, r->region, r->end, delay);
	for (const char *s = failed; *s;) {
		size_t n = strcspn(s, ",");
		char a[CLASSIFY_ADDR_MAX];
		if (bounce_addr(s, n, a, sizeof(a)) && !bounce_addr_skip(r, a))
			bounce_add(c, a, st, whole);
		s += n;
		s += *s == ',';
	}
	struct hit *h = xcalloc(CLASSIFY_BOUNCES_MAX, sizeof(*h));
	size_t n = prose_hits(r, h, CLASSIFY_BOUNCES_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *bend = i + 1 < n ? h[i + 1].at : r->end;
		char bst[16], bdiag[512];
		int own = block_status(h[i].at, bend, bst, sizeof(bst), bdiag,
				       sizeof(bdiag));
		/* one recipient: the whole report speaks of it; several:
		 * each its own block, the report's code where it has none */
		enum classify_bclass cl =
			n == 1 && !own ? whole
				       : prose_class(own ? bst : st, h[i].at,
						     bend, delay);
		if (bounce_add(c, h[i].addr, own ? bst : st, cl) && own &&
		    c->nbounces == 1)
			memcpy(diag, bdiag, sizeof(diag));
	}
	free(h);
	if (c->nbounces == 0) {
		memcpy(c->bounce_status, st, sizeof(st));
		c->bclass = whole;
		prose_bare_locals(r);
	}
	if (c->nbounces == 0)
		returned_to(r, st, whole);
	memcpy(c->bounce_diag, diag, sizeof(c->bounce_diag));
}

