/*
 * status.h -- the engine of `anketa status [--json]`: what each campaign,
 * the outbox, the daemon and the mailbox are doing, read from the store
 * (opened read-only by the caller); never writes to it.
 *
 * Use:     status_write(store, cfg, json, stdout, &e)
 * Owns:    nothing kept: the picture is built (jansson), written, freed.
 * Errors:  0 written; -1 when the store cannot be read ("what: why" in
 *          e), in which case nothing was written.
 * Events:  none.
 * Config:  imap.url and imap.mailbox (the mailbox shown).
 * Spec:    a campaign that sends an event also shows its RSVPs to the
 *          event's current SEQUENCE ("rsvp": accepted, tentative,
 *          declined, waiting; store_event.h).
 * Tests:   tests/integration/status.sh, tests/unit/test_status.c,
 *          tests/integration/events.sh (rsvp)
 */
#ifndef ANKETA_STATUS_H
#define ANKETA_STATUS_H

#include <stdio.h>

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

/* The last errors shown per campaign, and the deferred groups. */
#define STATUS_ERRORS 5
#define STATUS_GROUPS 10

/* A campaign's state (model/campaign.h's campaign_state at unix time
 * now; draft while no mail of it was ever enqueued and it has no
 * start), but "paused" also for an open one whose mail waits while
 * sending is paused (a site pause). Pure. */
const char *status_campaign_state(const struct store_campaign *c,
				  const long counts[STORE_D_N], int64_t now,
				  int paused);
int status_write(struct store *s, const struct config *cfg, int json,
		 FILE *out, struct err *e);

#endif
