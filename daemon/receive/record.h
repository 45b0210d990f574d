/*
 * record.h -- writes one classified inbound message and its effects
 * (answers, bounce status, the feedback mail it causes, enqueued in the
 * outbox) in ONE store transaction; never parses, classifies, fetches or
 * sends.
 *
 * Use:     struct record_msg m = { .in = {...}, .answers = a, ... };
 *          record_message(s, &m, &inbound_id, &e)
 *          group commit: store_begin, record_message with .in_tx = 1
 *          for each message, store_commit
 * Owns:    nothing: every pointer in m is borrowed for the call.
 * Errors:  1 recorded (m->in.kind may have become STORE_I_DUPLICATE),
 *          0 skipped because src_key was recorded before (nothing
 *          written, no mark cleared), -1 store error with "src_key: why"
 *          in e; the transaction is rolled back (by the caller when
 *          in_tx) and nothing is left half-written.
 * Events:  none.
 * Tests:   tests/unit/test_ingest.c (temporary store),
 *          tests/unit/test_event.c (RSVPs).
 *
 * Dedup: a src_key recorded before is skipped (the same message fetched
 * again after a crash between commit and the mailbox position). A new
 * src_key whose non-empty Message-ID was recorded before is stored once
 * as kind "duplicate" with no effects (no answers, no status change): a
 * mailbox whose UIDVALIDITY changed, or the same mail in two folders.
 */
#ifndef ANKETA_RECORD_H
#define ANKETA_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

struct event_rsvp;	/* model/event.h */

struct record_msg {
	struct store_inbound in;	/* the row; in.kind decides effects */
	const struct store_answer *answers;	/* kind ANSWERS/RSVP, or
						 * UNREADABLE: the readable
						 * ones of a partial reply */
	size_t nanswers;
	const char *const *unconfirmed;	/* question ids among answers read
					 * uncertainly: stored unconfirmed */
	size_t nunconfirmed;
	/* kind BOUNCE, permanent: set in.contact_id "undeliverable" with
	 * this reason (NULL: no status change) */
	const char *undeliverable_reason;
	/* poison marks (store_inbound_parsing) deleted in the same
	 * transaction, so a message and its marks change together (NULL:
	 * none) */
	const char *clear_marks[2];
	/* feedback to enqueue in the same transaction (a confirmation or
	 * problem note; its inbound_id is set here), or NULL. Never for a
	 * duplicate: the first copy had its own. */
	struct store_enqueue *feedback;
	/* kind RSVP (an iMIP REPLY, a written or a mailto answer to an
	 * event's invitation): recorded through event_rsvp in the same
	 * transaction (contact and inbound id filled in here), or NULL */
	const struct event_rsvp *rsvp;
	/* the caller holds the transaction (store_begin .. store_commit
	 * around a group of messages): record neither begins, commits nor
	 * rolls back, and on -1 the caller rolls back */
	int in_tx;
	/* a message taken again on purpose (anketa review): its Message-ID
	 * recorded before does not make it a duplicate */
	int again;
};

int record_message(struct store *s, struct record_msg *m,
		   int64_t *inbound_id_r, struct err *e);

#endif
