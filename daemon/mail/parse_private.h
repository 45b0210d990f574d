/*
 * parse_private.h -- shared by parse.c (the MIME walk), parse_header.c
 * (the header block) and parse_decode.c (the body decodings); not for
 * other modules.
 *
 * Use:     parse_headers_split(pi, raw, n); parse_set_headers(pi)
 *          parse_header_decode(cc, raw, notes)   one value as UTF-8
 *          parse_qp_decode / parse_b64_decode / parse_flowed_unwrap
 *          parse_keep(pi, s)       s lives until parse_free
 * Owns:    a parse_impl owns every string it keeps; the other returned
 *          strings are the caller's (free()).
 * Errors:  none: damaged input is read leniently and a note says so.
 * Events:  none (pure).
 * Tests:   tests/unit/test_parse.c
 */
#ifndef ANKETA_PARSE_PRIVATE_H
#define ANKETA_PARSE_PRIVATE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/charset.h"
#include "mail/parse.h"

#define PARSE_MAX_HEADERS 500
/* Addresses kept per list (To + Cc; Delivered-To and its kin). */
#define PARSE_MAX_ADDRS 1000
#define PARSE_MAX_ADDRS_S "1000"

struct parse_hdr {
	char *name;
	char *value;	/* unfolded, decoded UTF-8; raw itself when there
			 * was nothing to decode (freed only when not) */
	char *raw;	/* unfolded, undecoded (for address parsing) */
};

/* A parse in progress: what parse_message returns, and what it owns. */
struct parse_impl {
	struct parsed pub;	/* first: parsed * and parse_impl * alias */
	char **strs;		/* every string handed out, freed together */
	size_t nstrs, capstrs;
	struct parse_hdr *hdrs;
	size_t nhdrs;
	struct buf notes;
	struct charset_cache *cc;	/* iconv descriptors of this parse */
};

/* 0-15 for a hex digit of either case, else -1. */
int parse_hexval(int c);
/* Quoted-printable: "=XX" and soft breaks; a bad escape stays literal.
 * *out_len gets the length (the result is also NUL-terminated). */
char *parse_qp_decode(const char *s, size_t len, size_t *out_len);
/* base64, skipping anything outside the alphabet; *damaged_r is set
 * when the data was cut short or mangled. */
char *parse_b64_decode(const char *s, size_t len, size_t *out_len,
		       int *damaged_r);
/* format=flowed text unwrapped into paragraphs; delsp removes the space
 * before each soft break. */
char *parse_flowed_unwrap(const char *s, int delsp);

/* parse.c */
/* Keep s (malloc'ed) until parse_free; returns it. */
const char *parse_keep(struct parse_impl *pi, char *s);
/* Add what to the notes, once per kind of recovery. */
void parse_note(struct buf *notes, const char *what);

/* parse_header.c */
/* Where the header block of s ends (the blank line, or len). */
size_t parse_header_block_end(const char *s, size_t len);
/* An unfolded raw header value as UTF-8 (RFC 2047 words decoded, 8-bit
 * bytes guessed as an unlabelled body is); the caller frees it. */
char *parse_header_decode(struct charset_cache *cc, const char *raw,
			  struct buf *notes);
/* Split "Name: value" fields, unfolding continuation lines. */
void parse_headers_split(struct parse_impl *pi, const char *s, size_t len);
void parse_lower(char *s);
/* The header fields of pi->pub (from, to, message_id, ...). */
void parse_set_headers(struct parse_impl *pi);

#endif
