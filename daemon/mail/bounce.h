/*
 * bounce.h -- recognises a non-delivery report (RFC 3464 DSN or one of
 * the common text formats of Postfix, Sendmail, Exim, qmail, Exchange,
 * Gmail, ...) and reads the failed recipient, status and class out of
 * it; part of classify, never touches the store.
 *
 * Use:     bounce_detect(p, c)          fills the bounce fields of c
 *          bounce_class_of(status, text)  class of one status + wording
 *          bounce_casefold(s)           lower-cased copy for keyword lists
 *          bounce_contains_any(hay, list)  keyword list match, any case
 *          bounce_copy(dst, size, s, n)  bounded copy into a field
 * Owns:    nothing.
 * Errors:  none: a report that cannot be read is still a bounce, with
 *          what is missing said in c->reason.
 * Events:  none (pure).
 * Spec:    RFC 3464 (DSN), 3463 (enhanced status codes), 6522
 *          (multipart/report), 5965 (ARF feedback reports).
 * Tests:   tests/unit/test_classify.c, tests/data/bounces/ (sisimai)
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
 * c->bclass, c->bounce_recipient, c->bounce_status, c->bounce_diag and
 * c->reason. Other fields of c are left unchanged. */
enum bounce_result bounce_detect(const struct parsed *p, struct classified *c);

/* Class of an enhanced status ("5.1.1", may be "" when unknown) given the
 * diagnostic wording (may be ""): 4.x.x temporary, 5.x.x permanent
 * unless the wording says spam / policy / blocklist / reputation. */
enum classify_bclass bounce_class_of(const char *status, const char *text);

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
