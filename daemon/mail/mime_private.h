/*
 * mime_private.h -- shared by mime.c, mime_header.c and mime_body.c only:
 * the message being built and the two writers of its bytes, headers
 * (folding, RFC 2047) and bodies (transfer encodings, multipart).
 *
 * Use:     mime_header_add(b, h)       one header, folded, into b
 *          mime_blk_put(k, p, n) ...   the body bytes through a block
 *          mime_leaf_make / mime_leaf_write / mime_leaf_free
 *          mime_multipart_write(k, sub, bnd, ...)
 * Owns:    a leaf owns its encoded header text until mime_leaf_free;
 *          a block owns nothing (it writes into the caller's buf).
 * Errors:  none returned: a block that cannot append (out->max) sets
 *          full and mime_build reports it.
 * Events:  none (pure).
 * Spec:    as mime.h.
 * Tests:   tests/unit/test_mime.c
 */
#ifndef ANKETA_MIME_PRIVATE_H
#define ANKETA_MIME_PRIVATE_H

#include <stdint.h>
#include <string.h>

#include "mail/mime.h"

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

/* Eight bytes at a time: the words of a body that need no closer look. */
#define W_ONES 0x0101010101010101ULL
#define W_HIGH 0x8080808080808080ULL

static inline uint64_t
mime_word_at(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return w;
}

/* An ASCII word with a byte below 0x20 (line breaks, tabs, controls) or
 * a DEL: exact, as the bit tricks of "hasless" and "haszero" are. */
static inline int
mime_word_special(uint64_t w)
{
	uint64_t del = w ^ (0x7f * W_ONES);

	return ((((w - 0x20 * W_ONES) & ~w) | ((del - W_ONES) & ~del)) &
	    W_HIGH) != 0;
}

/* mime.c: the small helpers all three use. */
/* The length of the valid UTF-8 sequence at s, 0 when none. */
size_t mime_utf8_len(const unsigned char *s);
int mime_is_ascii_text(const char *s);
/* The one pass over a body: its shape (see struct shape). */
void mime_shape_of(const char *p, size_t n, struct shape *sh);

/* mime_header.c */
extern const char mime_b64[];			/* the base64 alphabet */
extern const char mime_b64pair[2 * 4096];	/* two letters per 12 bits */
/* Header h, folded (RFC 2047 where needed), with its CRLF, into b. */
void mime_header_add(struct buf *b, const struct hdr *h);

/* mime_body.c */
void mime_blk_out(struct blk *k, const char *p, size_t n);
void mime_blk_flush(struct blk *k);
void mime_blk_put(struct blk *k, const char *p, size_t n);
void mime_leaf_make(struct leaf *l, const char *ctype, const char *data,
    size_t len, const struct shape *known, const char *disposition,
    const char *filename);
void mime_leaf_write(struct blk *k, const struct leaf *l);
void mime_leaf_free(struct leaf *l);
/* Does s occur in any of the nl leaves (a boundary candidate)? */
int mime_found_in(const struct leaf *l, size_t nl, const char *s);
void mime_multipart_write(struct blk *k, const char *sub, const char *bnd,
    const struct leaf *kids, size_t n, void (*first)(struct blk *,
    const void *), const void *arg);

#endif
