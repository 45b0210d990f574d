/*
 * parse.h -- turns one raw RFC 5322 message into a normalised reply: the
 * headers decoded to UTF-8, the chosen text in UTF-8 (HTML converted to
 * text with libxml2), the new text separated from the quoted original
 * and signature, and the machine parts classify needs (DSN, returned
 * headers, text/calendar). Never touches the store or the network.
 *
 * Use:     parse_message(raw, len, &limits, &p, &e) ... read p->fields ...
 *          parse_header(p, "Auto-Submitted")   first value, decoded
 *          parse_header_at(p, i, &name)   every field in message order
 *          parse_free(&p)
 *          parse_split_reply(text, &new, &quoted)   on a plain text alone
 * Owns:    struct parsed and every string in it (one arena); all pointers
 *          are borrowed until parse_free. Fields absent are "" not NULL.
 * Errors:  0 ok; -1 only when nothing can be read at all (reason in e).
 *          A damaged part or unknown charset is recovered and noted in
 *          p->notes, not an error.
 * Events:  none (pure).
 * Spec:    RFC 5322, 2045-2049, 2047, 2231, 3676 (format=flowed), 3464,
 *          3462 / 6522, 5545 / 6047 (text/calendar).
 * Tests:   tests/unit/test_parse.c (test_big_cc: 300,000 addresses),
 *          tests/data/replies/ (corpora)
 */
#ifndef ANKETA_PARSE_H
#define ANKETA_PARSE_H

#include <stddef.h>

#include "base/err.h"

struct parse_limits {
	size_t max_bytes;	/* larger messages: -1 */
	int max_parts;		/* MIME parts visited */
	int max_depth;		/* multipart / message nesting */
};

/* Transparent read-only view; every string is UTF-8 and non-NULL. */
struct parsed {
	const char *message_id;		/* without <> */
	const char *in_reply_to;	/* without <> */
	const char *references;		/* space-separated ids, no <> */
	const char *subject;
	const char *from_addr;		/* lower-cased addr-spec */
	const char *from_name;
	const char *to;			/* all To/Cc addr-specs, space-sep.,
					 * each once, the first 1000 (more:
					 * a note) */
	const char *delivered_to;	/* Delivered-To, X-Original-To,
					 * Envelope-To addrs, space-sep.,
					 * as to */
	const char *return_path;
	const char *date;
	const char *content_type;	/* top-level type/subtype */

	const char *text;	/* whole chosen body as text */
	const char *reply_text;	/* new text only: quote, quote header and
				 * signature removed */
	const char *quoted_text;/* the quoted original, '>' markers removed */
	const char *charset;	/* charset of the chosen part, as decoded */
	int charset_guessed;	/* label missing or wrong: detected */
	int html_only;		/* text came from HTML */
	int forwarded;		/* reply text came from a message/rfc822 */

	const char *delivery_status;	/* message/delivery-status body */
	const char *returned_headers;	/* text/rfc822-headers part, or the
					 * header block of a returned
					 * message/rfc822 */
	const char *report_type;	/* multipart/report report-type */
	const char *calendar;		/* first text/calendar part */
	const char *notes;		/* recoveries made, "; "-separated */
};

int parse_message(const char *raw, size_t len,
		  const struct parse_limits *lim, struct parsed **p_r,
		  struct err *e);
/* First header field of that name, unfolded and RFC 2047 decoded; "" if
 * absent. */
const char *parse_header(const struct parsed *p, const char *name);
/* The header field at position n of the top-level block, counted from
 * the top (0), unfolded and RFC 2047 decoded, its name in *name_r; NULL
 * past the last one. For rules that depend on where a field stands: an
 * Authentication-Results field counts only above the first Received
 * (RFC 8601 section 5). */
const char *parse_header_at(const struct parsed *p, size_t n,
			    const char **name_r);
void parse_free(struct parsed **p);

/* Split a plain reply text into what was written now and the quoted
 * original; both are the caller's (free()). Used by parse_message and by
 * tests over the reply corpora. */
void parse_split_reply(const char *text, char **new_r, char **quoted_r);

#endif
