/*
 * bounce.h -- recognises a non-delivery report (RFC 3464 DSN or one of
 * the common text formats of Postfix, Sendmail, Exim, qmail, Exchange,
 * Gmail, ...) and reads the failed recipient, status and class out of
 * it; part of classify, never touches the store.
 *
 * Use:     bounce_detect(p, o, c)       fills the bounce fields of c
 *          bounce_class_of(status, text)  class of one status + wording
 *          bounce_addr(v, n, out, size)  an address as reports write it,
 *                                       normalised
 *          bounce_casefold(s)           lower-cased copy for keyword lists
 *          bounce_contains_any(hay, list)  keyword list match, any case
 *          bounce_copy(dst, size, s, n)  bounded copy into a field
 * Owns:    nothing.
 * Errors:  none: a report that cannot be read is still a bounce, with
 *          what is missing said in c->reason.
 * Events:  none (pure).
 * Spec:    RFC 3464 (DSN), 3463 (enhanced status codes), 6522
 *          (multipart/report), 5965 (ARF feedback reports).
 * Tests:   tests/unit/test_bounce.c (hand-made reports; the BounceParser,
 *          Crisp and bounce_email corpora in tests/data/bounces_NAME with a
 *          held-out part), tests/unit/test_classify.c, tests/data/bounces/
 *          (sisimai)
 */
#ifndef ANKETA_BOUNCE_H
#define ANKETA_BOUNCE_H

#include "mail/classify.h"
#include "mail/parse.h"

enum bounce_result {
	BOUNCE_NOT,		/* not a delivery report */
	BOUNCE_FAILED,		/* delivery failed or delayed: bclass set */
	BOUNCE_DELIVERED,	/* a DSN that reports success (2.x.x) */
	BOUNCE_FEEDBACK,	/* an ARF abuse/feedback report */
};

/* Decide whether p is a delivery report; on BOUNCE_FAILED fill
 * c->bounces (every failed recipient: a DSN's failed groups, then its
 * delayed ones, each with Original-Recipient preferred to
 * Final-Recipient; in prose X-Failed-Recipients and the addresses that
 * start a line of the report), c->bclass, c->bounce_recipient,
 * c->bounce_status (the first of them), c->bounce_diag and c->reason.
 * Our own addresses (o: from_address, reply_to and return_path
 * patterns; may be NULL), the report's addressee, the returned mail's
 * sender and daemons are never taken for a failed recipient. A DSN or
 * an MTA's report text decides whatever the headers say. Other fields
 * of c are left unchanged. */
enum bounce_result bounce_detect(const struct parsed *p,
				 const struct classify_opts *o,
				 struct classified *c);

/* Class of an enhanced status ("5.1.1", may be "" when unknown: then
 * an SMTP reply code made "5.0.0") given the diagnostic wording (may be
 * ""): a full mailbox (X.2.2 or its wording) temporary; 4.x.x
 * temporary; 5.1.x and 5.2.1 permanent; other 5.x.x policy when the
 * wording says spam / policy / blocklist / reputation / authentication,
 * else permanent; without a status the wording alone decides. */
enum classify_bclass bounce_class_of(const char *status, const char *text);

/* Normalise the address in v (n bytes) as reports write it -- "rfc822;"
 * type, "Name <a@b>", quotes, (), [], "mailto:", trailing dots and
 * punctuation -- lower-cased into out. 1 when it is local@domain, else
 * 0 with out "". */
int bounce_addr(const char *v, size_t n, char *out, size_t size);

/* A lower-cased copy of UTF-8 text (ASCII, Latin-1, Latin Extended-A,
 * Cyrillic), for matching the keyword lists of bounce.c and classify.c
 * in any letter case. The caller frees it with free(). */
char *bounce_casefold(const char *s);

/* Does hay (NULL or "" never) contain one of the lower-case needles of
 * the NULL-terminated list, in any letter case (bounce_casefold)? */
int bounce_contains_any(const char *hay, const char *const *list);

/* Copy n bytes of s into the fixed field dst of size bytes, cut to fit
 * and NUL-terminated: how bounce.c and classify.c fill struct
 * classified. */
void bounce_copy(char *dst, size_t size, const char *s, size_t n);

#endif
