/*
 * ical.h -- iMIP calendar objects (RFC 5545, 5546, 6047) built and read
 *           with libical: one REQUEST or CANCEL per invitee, its place in
 *           a MIME message, and the REPLY or COUNTER a calendar client
 *           sends back. Pure: no store, no network, no clock of its own.
 *
 * Use:     struct ical_event ev = { .uid = ..., .tzid = "Europe/Sofia",
 *                                   .start = {2026,10,15,10,0}, ... };
 *          ics = ical_build(&ev, ICAL_REQUEST, &e)   VCALENDAR text, CRLF
 *          ical_mime_body(m, text, html, ics, ICAL_REQUEST)
 *                          text + HTML + text/calendar into a struct mime
 *          ical_reply_parse(ics, &reply, &e)         REPLY / COUNTER
 *          ical_rrule_check("FREQ=MONTHLY;BYDAY=2TU", &e)
 *          n = ical_expand(&ev, from, until, out, max, &e)
 *                          UTC instants of each occurrence's start
 *          ical_partstat_name(ICAL_PS_ACCEPTED)      "ACCEPTED"
 * Owns:    struct ical_event is the caller's (only read). ical_build
 *          returns a string the caller frees with free(). struct
 *          ical_reply is a caller-owned fixed-size value: nothing to free.
 * Errors:  ical_build returns NULL with e naming the field or the iTIP
 *          rule broken ("event: no uid", "event: unknown time zone
 *          \"Mars/Olympus\"", "event: bad rrule \"FREQ=SOMETIMES\"",
 *          "REQUEST: icalrestriction_check: ..."). ical_reply_parse
 *          returns -1 with e when the text is not a calendar at all, 0
 *          when it is a calendar but not a REPLY or COUNTER (a REQUEST
 *          forwarded back, a CANCEL), 1 for a REPLY or COUNTER (even one
 *          missing its ATTENDEE: attendee[] is then ""). Over-long fields
 *          are cut at their array size, never overflow.
 * Events:  none (pure). Reads the zoneinfo through libical's built-in
 *          zones (cached by libical for the process); libical's global
 *          TZID prefix is left alone: the TZIDs we write are set by hand.
 * Layout:  docs/imip.md says which MIME layout ical_mime_body makes and
 *          why (Gmail and Outlook RSVP buttons).
 * Spec:    RFC 5545 (VEVENT, VTIMEZONE, RRULE), RFC 5546 (iTIP REQUEST,
 *          CANCEL, REPLY, COUNTER), RFC 6047 (iMIP: text/calendar with
 *          method= in multipart/alternative).
 * Tests:   tests/unit/test_ical.c (round-trip, icalrestriction_check,
 *          structure compared with the real invitations of
 *          tests/data/ical/, RRULE across DST, replies of Outlook,
 *          Gmail, Apple Calendar and Thunderbird)
 */
#ifndef ANKETA_ICAL_H
#define ANKETA_ICAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "mail/mime.h"

#define ICAL_ADDR_MAX 320	/* an address, as classify's */
#define ICAL_UID_MAX 256

enum ical_method {
	ICAL_REQUEST,	/* invitation or update (higher sequence) */
	ICAL_CANCEL,	/* event cancelled, or this attendee removed */
};

/* A wall-clock time in the event's zone (tzid); seconds are always 0. */
struct ical_local {
	int year, month, day;	/* 1..12, 1..31 */
	int hour, minute;	/* ignored for all_day events */
};

/* One invitee's copy of an event. Strings are UTF-8; NULL or "" leaves
 * the property out (uid, summary, tzid and both addresses are required). */
struct ical_event {
	const char *uid;	  /* stable for the life of the event */
	int sequence;		  /* 0 first, +1 for each significant change */
	const char *summary;	  /* in the attendee's language */
	const char *description;
	const char *location;	  /* venue */
	const char *url;	  /* online link (URL property; also appended
				     to LOCATION when there is no venue) */
	const char *lang;	  /* LANGUAGE= on SUMMARY etc. ("bg"), or NULL */
	const char *tzid;	  /* IANA zone name, e.g. "Europe/Sofia" */
	struct ical_local start;
	struct ical_local end;	  /* after start; for all_day the last day
				     (inclusive): DTEND is the day after */
	int all_day;		  /* DATE values, e.g. a 3-day visit */
	const char *rrule;	  /* "FREQ=MONTHLY;BYDAY=2TU" or NULL */
	const char *organizer;	  /* tokenised address, no "mailto:" */
	const char *organizer_name;
	const char *attendee;	  /* the recipient: the only ATTENDEE */
	const char *attendee_name;
	int64_t dtstamp;	  /* UTC seconds: the caller's clock */
};

/* The VCALENDAR (PRODID, VERSION, METHOD, one VTIMEZONE from 1 January
 * of the start year on (see ical.c for why not also cut at the end; none
 * for all_day), one VEVENT) as CRLF text. REQUEST: ATTENDEE
 * with ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE, STATUS:
 * CONFIRMED. CANCEL: STATUS:CANCELLED, same UID, the caller's sequence
 * (higher than the last REQUEST). TZID is the plain zone name. Checked
 * with icalrestriction_check() before it is returned. Caller frees. */
char *ical_build(const struct ical_event *ev, enum ical_method method,
		 struct err *e);

/* Set text, html (may be NULL) and the calendar ics on m in Google
 * Calendar's layout (docs/imip.md): multipart/mixed of
 * multipart/alternative (text/plain, text/html, text/calendar;
 * charset=utf-8; method=REQUEST|CANCEL) and the same object again as an
 * application/ics attachment "invite.ics". Headers are the caller's
 * (mime_header etc.); encoding is mime.c's. */
void ical_mime_body(struct mime *m, const char *text, const char *html,
		    const char *ics, enum ical_method method);

enum ical_partstat {
	ICAL_PS_NONE,		/* no or unknown PARTSTAT */
	ICAL_PS_NEEDS_ACTION,
	ICAL_PS_ACCEPTED,
	ICAL_PS_DECLINED,
	ICAL_PS_TENTATIVE,
	ICAL_PS_DELEGATED,	/* see delegated_to */
};

enum ical_reply_kind {
	ICAL_REPLY,		/* METHOD:REPLY */
	ICAL_COUNTER,		/* METHOD:COUNTER: attendee proposes a time */
};

struct ical_reply {
	enum ical_reply_kind kind;
	char uid[ICAL_UID_MAX];
	int sequence;			/* 0 when absent */
	char attendee[ICAL_ADDR_MAX];	/* lower case, no "mailto:" */
	char attendee_name[128];	/* CN, may be "" */
	enum ical_partstat partstat;
	char delegated_to[ICAL_ADDR_MAX]; /* DELEGATED-TO, lower case, "" */
	char organizer[ICAL_ADDR_MAX];	/* as sent, lower case, "" if none */
	char comment[512];		/* COMMENT, may be "" */
	int64_t recurrence_id;		/* UTC; 0 = the whole series */
	/* COUNTER: the proposed time (UTC seconds), 0 when absent */
	int64_t counter_start;
	int64_t counter_end;
};

/* Read the first VEVENT of an iMIP REPLY or COUNTER (see Errors). When
 * several ATTENDEE lines are present (Exchange repeats the organiser's
 * list in some forms), the one with a PARTSTAT other than NEEDS-ACTION
 * wins, else the first. r is zeroed first. */
int ical_reply_parse(const char *ics, struct ical_reply *r, struct err *e);

/* 0 when rrule is a valid RFC 5545 RRULE value, else -1 with e. */
int ical_rrule_check(const char *rrule, struct err *e);

/* The start of each occurrence of ev (its RRULE, or the single start)
 * as UTC seconds, in order, those in [from, until). Writes at most max;
 * returns how many it wrote, or -1 with e (bad zone or rule). */
long ical_expand(const struct ical_event *ev, int64_t from, int64_t until,
		 int64_t *out, size_t max, struct err *e);

/* "ACCEPTED", ..., "" for ICAL_PS_NONE; static. */
const char *ical_partstat_name(enum ical_partstat ps);
/* The inverse, ignoring case; ICAL_PS_NONE when unknown or NULL. */
enum ical_partstat ical_partstat_from(const char *s);

#endif
