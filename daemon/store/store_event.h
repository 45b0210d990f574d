/*
 * store_event.h -- events, their attendees, RSVPs and seats in the state
 * store (store_event.c; the tables of the events migration). Part of the
 * store module: the only SQL is here; nothing renders or sends.
 *
 * Use:     store_event_put(s, &ev, &id, &changed, &e)   by name
 *          store_event_find(s, "name"|"uid"|"id", key, cb, arg, &e)
 *          store_event_rsvp_put / store_event_seat_set / store_event_
 *          people_each: the RSVP path and the roster (model/event.c)
 * Owns:    rows handed to callbacks are borrowed for the callback.
 * Errors:  as store.h: 0 ok, -1 with "what: why" in e; lookups 1/0/-1.
 *          Writes nest in the caller's store_begin (a savepoint) or are
 *          a transaction of their own.
 * Events:  none.
 * Tests:   tests/unit/test_event.c
 */
#ifndef ANKETA_STORE_EVENT_H
#define ANKETA_STORE_EVENT_H

#include <stdint.h>

#include "store/store.h"

struct store_event {
	int64_t id;
	const char *name;	/* unique, the command line's handle */
	const char *uid;	/* iCalendar UID, made once, never changed */
	int sequence;		/* iCalendar SEQUENCE */
	int64_t campaign_id;	/* the invitation campaign that sends it */
	const char *status;	/* "poll", "confirmed", "cancelled" */
	const char *tzid;	/* IANA zone name */
	const char *dtstart;	/* local time in tzid: YYYY-MM-DDTHH:MM */
	const char *dtend;
	const char *rrule;	/* RFC 5545 RRULE value, or NULL */
	const char *venue;
	const char *online;	/* a URL */
	const char *organizer;	/* "Name <addr>" */
	long seats_total;	/* 0: no limit */
	long seats_per_town;	/* 0: no limit */
	const char *poll_question;	/* question id of the date poll */
	const char *file;
	const char *spec;	/* JSON: titles, descriptions, options */
};
typedef int (*store_event_cb)(void *arg, const struct store_event *ev);

/* Insert, or update by name. A new event gets ev->uid and SEQUENCE 0;
 * an existing one keeps its uid, and its sequence rises by one when the
 * time, zone, recurrence, venue or link changed (*changed_r 1). A
 * cancelled event is not updated (-1). */
int store_event_put(struct store *s, const struct store_event *ev,
		    int64_t *id_r, int *changed_r, struct err *e);
/* The poll options of an event are replaced by each call of
 * store_event_options_clear + store_event_option_put. */
int store_event_options_clear(struct store *s, int64_t event_id,
			      struct err *e);
int store_event_option_put(struct store *s, int64_t event_id,
			   const char *opt, const char *dtstart,
			   const char *dtend, struct err *e);
typedef int (*store_event_option_cb)(void *arg, const char *opt,
				     const char *dtstart, const char *dtend);
/* In start order. */
int store_event_options_each(struct store *s, int64_t event_id,
			     store_event_option_cb cb, void *arg,
			     struct err *e);
/* by: "name", "uid", "id" (decimal) or "campaign" (a campaign id in
 * decimal: its newest event). 1/0/-1. */
int store_event_find(struct store *s, const char *by, const char *key,
		     store_event_cb cb, void *arg, struct err *e);
int store_events_each(struct store *s, store_event_cb cb, void *arg,
		      struct err *e);
/* Fix poll option opt: its start and end become the event's, status
 * confirmed. 1 done, 0 no such option, -1. */
int store_event_fix(struct store *s, int64_t event_id, const char *opt,
		    struct err *e);
/* status cancelled, SEQUENCE + 1. */
int store_event_cancel(struct store *s, int64_t event_id, struct err *e);

/* ---- attendees ---- */

/* contact is no longer invited (removed 1), or is invited again. */
int store_event_attendee_set(struct store *s, int64_t event_id,
			     int64_t contact_id, int removed,
			     int64_t delegated_from, struct err *e);

/* ---- RSVPs and seats ---- */

struct store_rsvp {
	int64_t event_id, contact_id;
	const char *partstat;	/* ACCEPTED, DECLINED, TENTATIVE, DELEGATED */
	int sequence;		/* the SEQUENCE it answered */
	const char *source;	/* imip, text, mailto */
	int64_t arrival;	/* INTERNALDATE, unix time */
	int64_t arrival_order;	/* UID */
	int64_t inbound_id;
};
/* Replace contact's RSVP to the event. An ACCEPTED (or DELEGATED) that
 * follows an ACCEPTED keeps the first one's arrival (a confirmation again, or the
 * same mail processed twice, keeps the place in line). */
int store_event_rsvp_put(struct store *s, const struct store_rsvp *r,
			 struct err *e);
/* One RSVP: 1 (partstat and sequence copied, partstat up to size-1
 * bytes), 0 none, -1. */
int store_event_rsvp_get(struct store *s, int64_t event_id,
			 int64_t contact_id, char *partstat, size_t size,
			 int *sequence_r, struct err *e);
/* seat: "seated", "waiting", or NULL (none). */
int store_event_seat_set(struct store *s, int64_t event_id,
			 int64_t contact_id, const char *seat,
			 struct err *e);

/* One person of an event: an invitee (an invite of the campaign that was
 * not cancelled, or a delegate), or anyone who answered; minus those
 * removed. */
struct store_event_person {
	const struct store_contact *c;
	const char *town_key;		/* "" when none */
	const char *partstat;		/* NULL: no answer */
	int sequence;			/* the SEQUENCE answered */
	const char *source;
	int64_t arrival, arrival_order;
	const char *seat;		/* "seated", "waiting" or NULL */
	int64_t delegated_from;		/* 0: none */
};
typedef int (*store_event_person_cb)(void *arg,
				     const struct store_event_person *p);
/* By town key, then e-mail. */
int store_event_people_each(struct store *s, const struct store_event *ev,
			    store_event_person_cb cb, void *arg,
			    struct err *e);

/* RSVPs to the current SEQUENCE of a campaign's events: accepted
 * (seated or no seat limit), tentative, declined (or delegated),
 * waiting. 1 with n filled when the campaign has an RSVP, 0 none, -1. */
enum { STORE_RSVP_ACCEPTED, STORE_RSVP_TENTATIVE, STORE_RSVP_DECLINED,
       STORE_RSVP_WAITING, STORE_RSVP_N };
int store_event_rsvp_counts(struct store *s, int64_t campaign_id,
			    long n[STORE_RSVP_N], struct err *e);

/* The municipality key of a contact (model/town.h), set at import. */
int store_contact_set_town(struct store *s, int64_t contact_id,
			   const char *key, struct err *e);

#endif
