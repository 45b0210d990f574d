/*
 * store_status.h -- what `anketa status` reads from the store: when the
 * queue is next due, the last errors, deferred mail by domain and
 * reason, the owners (a running daemon), inbound counts and mailbox
 * positions. Read-only: nothing here writes, renders or prints.
 *
 * Use:     store_status_counts(s, counts)         every row, by state
 *          store_status_due(s, campaign, &t)       next time a row may go
 *          store_status_errors(s, campaign, max, cb, arg)   newest first
 *          store_status_deferred(s, max, cb, arg)  by domain and reason
 *          store_status_owners(s, role, cb, arg)   with alive 1/0/-1
 *          store_status_inbound(s, cb, arg)        by kind
 *          store_status_mailboxes(s, cb, arg)      stored positions
 * Owns:    nothing; rows handed to a callback are borrowed for the call.
 * Errors:  0 ok, -1 with "PATH: what: why" in e (store.h); a callback's
 *          non-zero return stops the walk and is returned.
 * Events:  none.
 * Tests:   tests/unit/test_status.c, tests/integration/status.sh
 */
#ifndef ANKETA_STORE_STATUS_H
#define ANKETA_STORE_STATUS_H

#include "store/store.h"

/* Rows of every campaign and none (feedback, staff) by state. */
int store_status_counts(struct store *s, long counts[STORE_D_N],
			struct err *e);
/* The earliest time (unix) a waiting row (pending, deferred, unknown) of
 * campaign (0: of any) may be claimed: its next attempt or its
 * not-before, whichever is later. 1 and *t_r, 0 nothing waits, -1. */
int store_status_due(struct store *s, int64_t campaign_id, int64_t *t_r,
		     struct err *e);

/* A row that did not go (deferred, unknown or failed) with the reply
 * that said why; rcpt is the contact's address when it has one. */
struct store_serror {
	int64_t id;
	const char *rcpt;
	const char *kind;
	enum store_dstate state;
	int attempts;
	int64_t when;		/* the row's last change, unix time */
	const char *reply;
};
typedef int (*store_serror_cb)(void *arg, const struct store_serror *r);
/* At most max rows of campaign (0: any) with a reply, newest first. */
int store_status_errors(struct store *s, int64_t campaign_id, long max,
			store_serror_cb cb, void *arg, struct err *e);

/* Deferred rows of one recipient domain with one reply (NULL: none). */
struct store_sdeferred {
	const char *domain;	/* lower case */
	const char *reason;
	long n;
	int64_t next_attempt;	/* the group's earliest */
};
typedef int (*store_sdeferred_cb)(void *arg,
				  const struct store_sdeferred *g);
/* At most max groups, the largest first. */
int store_status_deferred(struct store *s, long max, store_sdeferred_cb cb,
			  void *arg, struct err *e);

struct store_sowner {
	const char *role, *host;
	int64_t pid, started;
	int alive;	/* 1 its lock is held, 0 dead (not yet reaped), -1
			 * cannot tell (another host, a lock not readable) */
};
typedef int (*store_sowner_cb)(void *arg, const struct store_sowner *o);
/* The registered owners of role (NULL: all), oldest first. */
int store_status_owners(struct store *s, const char *role,
			store_sowner_cb cb, void *arg, struct err *e);

/* Inbound messages of one kind (store_ikind_name) and the newest's
 * record time. */
typedef int (*store_skind_cb)(void *arg, const char *kind, long n,
			      int64_t last);
int store_status_inbound(struct store *s, store_skind_cb cb, void *arg,
			 struct err *e);
/* Stored IMAP positions: source, uidvalidity, last UID, when set. */
typedef int (*store_smailbox_cb)(void *arg, const char *source,
				 int64_t uidvalidity, int64_t last_uid,
				 int64_t updated);
int store_status_mailboxes(struct store *s, store_smailbox_cb cb, void *arg,
			   struct err *e);
/* How the fetcher last fared per source (store_mailbox_health): the
 * last pass through and the last failure (0: never) with its reason. */
typedef int (*store_shealth_cb)(void *arg, const char *source,
				int64_t ok_at, int64_t failed_at,
				const char *error);
int store_status_health(struct store *s, store_shealth_cb cb, void *arg,
			struct err *e);

#endif
