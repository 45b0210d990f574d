/*
 * bounce_private.h -- shared by bounce.c, bounce_dsn.c and bounce_prose.c
 * only: the context a report is read in and the two readers, of RFC 3464
 * delivery-status parts and of prose reports; neither decides whether a
 * message is a report (bounce_detect does).
 *
 * Use:     struct bounce_rd r = { p, o, c, region, end };
 *          bounce_dsn_read(p, &d); bounce_dsn_apply(&r, &d)
 *          bounce_prose_read(&r)       the prose, when no DSN said enough
 *          bounce_add(c, addr, status, class)   one failed recipient
 * Owns:    nothing: the context borrows p, o and c for one call.
 * Errors:  none: each reader returns whether it found a recipient.
 * Events:  none (pure).
 * Spec:    RFC 3464, 3463.
 * Tests:   tests/unit/test_bounce.c, tests/unit/test_classify.c
 */
#ifndef ANKETA_BOUNCE_PRIVATE_H
#define ANKETA_BOUNCE_PRIVATE_H

#include "mail/bounce.h"

/* A report being read. */
struct bounce_rd {
	const struct parsed *p;
	const struct classify_opts *o;
	struct classified *c;
	const char *region, *end;	/* the report's prose, before the
					 * returned copy */
};

/* One DSN: its recipient groups, read before any is used. */
struct dsn_rcpt {
	char final[CLASSIFY_ADDR_MAX];
	char original[CLASSIFY_ADDR_MAX];
	char action[16];
	char status[16];
	char diag[512];
};

#define DSN_MAX CLASSIFY_BOUNCES_MAX

struct dsn {
	struct dsn_rcpt g[DSN_MAX];	/* recipient groups, in order */
	size_t n;
	int delivered;			/* a group says delivered/relayed */
};

/* bounce.c: the helpers the readers share. */
/* An enhanced status code ("5.1.1") between s and end into out; returns
 * where it starts, NULL when none. */
const char *bounce_find_status(const char *s, const char *end, char *out,
			       size_t size);
/* A 4xx/5xx SMTP reply code between s and end, NULL when none. */
const char *bounce_find_reply_code(const char *s, const char *end);
int bounce_is_space_str(const char *s, size_t n);
void bounce_lower_str(char *s);
int bounce_addr_char(int ch);
/* Is a ours, the report's addressee, the returned mail's sender, or a
 * daemon's? None of those is a failed recipient. */
int bounce_addr_skip(const struct bounce_rd *r, const char *a);
/* Add one failed recipient unless it is there; the first one also fills
 * the single fields. Returns 1 when added. */
int bounce_add(struct classified *c, const char *addr, const char *status,
	       enum classify_bclass cl);

/* bounce_dsn.c */
void bounce_dsn_read(const struct parsed *p, struct dsn *d);
/* The failed (then delayed) groups of d into r->c; 1 when one was. */
int bounce_dsn_apply(struct bounce_rd *r, struct dsn *d);

/* bounce_prose.c */
/* Where the report's prose ends: the start of the returned copy. */
const char *bounce_prose_end(const char *text);
void bounce_prose_read(struct bounce_rd *r);

#endif
