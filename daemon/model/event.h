/*
 * event.h -- meetings, exchange visits and recurring sessions: reads
 * event files (INI, docs/event-format.md), validates and stores them,
 * turns changes into outbox rows (update, cancel, seat) and records
 * RSVPs with the seat allocation; never renders or sends (the calendar
 * part is built at render time from the stored event: mail/ical.h).
 *
 * Use:     event_check(cfg, path, &errs)             validation only
 *          event_add(s, cfg, path, EVENT_ADD, &name, &n, &errs)
 *          event_add(s, cfg, path, EVENT_UPDATE, ...)  SEQUENCE+1 and an
 *                                   update to every invitee on a change
 *          event_cancel(s, name, &n, &e)   METHOD:CANCEL to every invitee
 *          event_uninvite(s, name, email, &e)   a CANCEL to that one
 *          event_fix(s, name, option, &n, &e)   a poll's date chosen
 *          event_rsvp(s, &rsvp, &res, &e)  inside the caller's transaction
 *          event_votes(s, name, cb, arg, &e)   poll counts per option
 * Owns:    *name_r is the caller's (free()).
 * Errors:  event_check/event_add: 0 ok; -1 with every problem as
 *          "FILE:LINE: reason" in errs (the store unchanged on -1). The
 *          others 0 ok (or 1/0 as stated), -1 with "what: why" in e.
 * Events:  none.
 * Config:  paths.surveys (questionnaire lookup), paths.schema.
 * Spec:    docs/event-format.md
 * Tests:   tests/unit/test_event.c, tests/data/events/
 */
#ifndef ANKETA_EVENT_H
#define ANKETA_EVENT_H

#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

enum event_add_mode { EVENT_ADD, EVENT_UPDATE };

int event_check(const struct config *cfg, const char *path,
		struct errlist *errs);
/* *n_r (may be NULL): update mails enqueued (EVENT_UPDATE). */
int event_add(struct store *s, const struct config *cfg, const char *path,
	      enum event_add_mode mode, char **name_r, long *n_r,
	      struct errlist *errs);
int event_cancel(struct store *s, const char *name, long *n_r,
		 struct err *e);
int event_uninvite(struct store *s, const char *name, const char *email,
		   struct err *e);
/* 1 fixed and *n_r invitations enqueued, 0 no such option, -1. */
int event_fix(struct store *s, const char *name, const char *option,
	      long *n_r, struct err *e);

/* An RSVP in any form, as the receive path read it. */
struct event_rsvp {
	const char *uid;	/* the event's UID (iMIP), or NULL */
	int64_t campaign_id;	/* else: the event of this campaign */
	int64_t contact_id;
	const char *partstat;	/* ACCEPTED, DECLINED, TENTATIVE, DELEGATED */
	int sequence;		/* iMIP SEQUENCE; -1: a written or mailto
				 * answer, which answers the current one */
	const char *source;	/* imip, text, mailto */
	int64_t delegate_id;	/* DELEGATED: the contact delegated to */
	const char *delegate_email;	/* or their address (DELEGATED-TO) */
	int64_t arrival;	/* INTERNALDATE (0: unknown) */
	int64_t arrival_order;	/* UID, else the inbound row id */
	int64_t inbound_id;
};
enum event_rsvp_outcome {
	EVENT_RSVP_RECORDED,	/* stored; seats recomputed */
	EVENT_RSVP_STALE,	/* answered an older SEQUENCE: not stored,
				 * the attendee is asked again (an update
				 * row enqueued) */
	EVENT_RSVP_NO_EVENT,	/* no event for that UID or campaign */
};
struct event_rsvp_result {
	enum event_rsvp_outcome outcome;
	const char *seat;	/* for the sender: seated, waiting, NULL */
	long told;		/* seat rows enqueued (promotions, waits) */
};
/* Must run inside store_begin: the RSVP, the new allocation and its
 * seat mail are one transaction (two processes cannot over-allocate). */
int event_rsvp(struct store *s, const struct event_rsvp *r,
	       struct event_rsvp_result *res, struct err *e);

typedef int (*event_vote_cb)(void *arg, const char *option,
			     const char *start, long votes);
int event_votes(struct store *s, const char *name, event_vote_cb cb,
		void *arg, struct err *e);

#endif
