/*
 * store_review.h -- the work queue of what needs a person: inbound mail
 * recorded unmatched, unreadable, quarantined or as a bounce, and what
 * staff did with each (assigned, reprocessed, resolved, dismissed, with
 * a note). Only reads inbound rows and writes review_actions.
 *
 * Use:     store_review_each(s, campaign, cb, arg, &e)   open items
 *          store_review_get(s, id, cb, arg, &e)          one item, any state
 *          store_review_raw(s, id, &raw, &len, &e)       its bytes (owned)
 *          store_review_close(s, id, action, note, new_id, &e)
 *          store_review_actions_each(s, id, cb, arg, &e) its history
 *          store_review_inbound_id(s, src_key, &id, kind, &e)
 * Owns:    items handed to a callback are borrowed for the call; the raw
 *          bytes of store_review_raw are the caller's (free).
 * Errors:  0 ok (get/raw: 1 found, 0 no such item), -1 with "what: why"
 *          in e; a callback's non-zero return stops the walk and is
 *          returned.
 * Events:  none.
 * Spec:    An item is open until an action closes it, or until a later
 *          message supersedes it: a later answer or RSVP from its contact
 *          (for the same campaign when it has one) or, unless it is a
 *          bounce, from its sender's address; for a bounce also a later
 *          reset of its contact to "ok" (contacts set-status).
 * Tests:   tests/unit/test_review.c, tests/integration/review.sh
 */
#ifndef ANKETA_STORE_REVIEW_H
#define ANKETA_STORE_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_review_item {
	int64_t id;		/* the inbound row */
	enum store_ikind kind;
	const char *from;	/* a bounce: the failed recipient */
	const char *subject, *date, *reason, *charset, *message_id;
	int64_t contact_id, campaign_id;	/* 0: unknown */
	int64_t created;	/* unix time it was recorded */
	const char *closed;	/* NULL: open; else the last action */
};
typedef int (*store_review_cb)(void *arg, const struct store_review_item *it);

/* Open items, oldest first; campaign 0: every campaign and none, else
 * that campaign's and those of no campaign. */
int store_review_each(struct store *s, int64_t campaign_id,
		      store_review_cb cb, void *arg, struct err *e);
/* One item needing a person (any kind above), open or closed. */
int store_review_get(struct store *s, int64_t id, store_review_cb cb,
		     void *arg, struct err *e);
/* The message as received; 0 when the item has no raw bytes left. */
int store_review_raw(struct store *s, int64_t id, char **raw_r,
		     size_t *len_r, struct err *e);

/* action: "assigned", "reprocessed", "resolved" or "dismissed"; new_id
 * the inbound row the message became (0: none). -1 for an unknown action
 * or an id that is no item. */
int store_review_close(struct store *s, int64_t id, const char *action,
		       const char *note, int64_t new_id, struct err *e);

/* The inbound row recorded under src_key: 1 with its id and kind name,
 * 0 none (what a reprocess became). */
int store_review_inbound_id(struct store *s, const char *src_key,
			    int64_t *id_r, char kind_r[16], struct err *e);

struct store_review_action {
	const char *action, *note;
	int64_t new_id, created;
};
typedef int (*store_review_action_cb)(void *arg,
				      const struct store_review_action *a);
int store_review_actions_each(struct store *s, int64_t id,
			      store_review_action_cb cb, void *arg,
			      struct err *e);

#endif
