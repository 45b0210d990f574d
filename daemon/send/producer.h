/*
 * producer.h -- the schedule's producers: they only ENQUEUE, each row
 * with its not_before; the senders (sender.h) work the outbox off. Every
 * firing is one transaction that records (schedule, slot) in the store
 * together with what it enqueues, so a slot fires once even when two
 * processes try it; a firing that finds nothing to enqueue records
 * nothing. The slot is the time the firing stands for: a daemon that was
 * down fires only the latest slot at start, and since a firing covers
 * everything due up to its slot, the missed ones are merged into it.
 *
 * Use:     producer_waves(store, cfg, slot, &e)      each campaign with
 *              waves: at most rate invitations, not_before the slot (or
 *              an hour after the previous wave), only to contacts whose
 *              window is open then in their own zone
 *          producer_reminders(store, cfg, slot, &e)  each reminder k of
 *              each campaign, due (local time in the contact's zone) at
 *              or before slot: to those the invitation reached who have
 *              not answered, bounced or opted out; someone whose replies
 *              could not be read gets their problem note again instead
 *          producer_invites(store, cfg, now, &e)     campaigns without
 *              waves: the whole audience at once (as before schedules)
 *          producer_prev_slot(cron, now, &slot, &e)  the latest firing
 *              of cron at or before now
 * Schedules: "wave:CID", "reminder:CID:K" (K from 1) in the firings table.
 * Owns:    nothing beyond a call.
 * Errors:  -1 with e when the store fails or a template is broken (that
 *          campaign's error; the others were done). Nothing is enqueued
 *          at or after a campaign's deadline (schedule_deadline).
 * Events:  none: the daemon calls them from its send child.
 * Tests:   tests/unit/test_schedule.c, tests/integration/schedule.sh
 */
#ifndef ANKETA_PRODUCER_H
#define ANKETA_PRODUCER_H

#include <stdint.h>

#include "base/config.h"
#include "base/cron.h"
#include "base/err.h"
#include "store/store.h"

int producer_waves(struct store *s, const struct config *cfg, int64_t slot,
		   struct err *e);
int producer_reminders(struct store *s, const struct config *cfg,
		       int64_t slot, struct err *e);
int producer_invites(struct store *s, const struct config *cfg, int64_t now,
		     struct err *e);
int producer_prev_slot(const struct cron *c, int64_t now, int64_t *slot_r,
		       struct err *e);

#endif
