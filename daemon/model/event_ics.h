/*
 * event_ics.h -- the calendar part of one event mail: the stored event
 * and one outbox row become the iMIP object (mail/ical.h) for that one
 * invitee. The render stage calls it; nothing is written.
 *
 * Use:     rc = event_ics(s, cfg, row, &ics, &cancel, &e)
 * Owns:    *ics_r is the caller's (free()).
 * Errors:  1 built (*cancel_r 1: METHOD:CANCEL, else REQUEST); 0 the row
 *          carries no calendar (not invite/update/cancel, no event for
 *          its campaign, or a date poll not fixed yet); -1 with e (store
 *          error, or ical_build's reason).
 * Events:  none.
 * Spec:    UID and SEQUENCE the stored event's; SUMMARY and DESCRIPTION
 *          in the contact's language (English when none); ORGANIZER the
 *          reply address with the contact's own token (fixed for the
 *          life of the UID, whatever delivery carries it), its name the
 *          event's organiser; the only ATTENDEE the recipient.
 * Tests:   tests/unit/test_event.c
 */
#ifndef ANKETA_EVENT_ICS_H
#define ANKETA_EVENT_ICS_H

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

int event_ics(struct store *s, const struct config *cfg,
	      const struct store_outrow *row, char **ics_r, int *cancel_r,
	      struct err *e);

#endif
