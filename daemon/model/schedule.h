/*
 * schedule.h -- a campaign's [schedule] section (waves, sending windows,
 *               reminders) and the pure time arithmetic its producers
 *               plan with; never reads the clock, never touches the store.
 *
 * Use:     sc = schedule_new()
 *          schedule_key(sc, "rate", "50/hour", &why)   one key of the file
 *          schedule_text(sc) -> "rate=50;window=..." (stored), and back:
 *          schedule_from_text(text, &sc, e)
 *          schedule_zone("BG", NULL) -> "Europe/Sofia"  a contact's zone
 *          schedule_in_window(sc, tz, t)      may a wave mail go at t?
 *          schedule_wave_at(sc, slot, prev)   not_before of a wave
 *          schedule_reminder_due(sc, k, tz, first_mail)  UTC instant
 *          schedule_local_to_utc(tz, local)   wall clock -> UTC instant
 *          schedule_deadline(text, &utc)      the campaign's deadline
 *          schedule_free(&sc)
 * Keys:    rate = N/hour (1..100000): a wave hands out at most N
 *          invitations in any hour; window = DAYS HH:MM-HH:MM[, ...]
 *          (DAYS: Mon, Mon-Fri, Sat-Sun; 24:00 allowed as an end), in the
 *          contact's own time zone; reminders = Nd HH:MM[, ...] (N 1..365
 *          days after the first mail, at that local time; at most
 *          SCHEDULE_REMINDERS_MAX, in increasing order of days).
 * Owns:    struct schedule; schedule_text's string is borrowed until the
 *          next change or schedule_free (which accepts NULL and clears
 *          the pointer).
 * Errors:  schedule_key returns -1 and sets *why to a static reason
 *          ("unknown key", "expected N/hour, e.g. 50/hour", ...) for the
 *          caller to put after FILE:LINE; schedule_from_text -1 with e.
 *          schedule_deadline -1 when the text is no date.
 * Events:  none (pure).
 * Spec:    docs/campaign-format.md ([schedule]), docs/schedule-times.md.
 * Tests:   tests/unit/test_schedule.c
 */
#ifndef ANKETA_SCHEDULE_H
#define ANKETA_SCHEDULE_H

#include <stdint.h>

#include "base/err.h"
#include "base/tz.h"

#define SCHEDULE_REMINDERS_MAX 8
#define SCHEDULE_WINDOWS_MAX 8

struct schedule;

struct schedule *schedule_new(void);
void schedule_free(struct schedule **sc);
int schedule_key(struct schedule *sc, const char *key, const char *value,
		 const char **why);
const char *schedule_text(struct schedule *sc);
int schedule_from_text(const char *text, struct schedule **sc_r,
		       struct err *e);

/* 0: no limit. 1 when the schedule has waves (a rate or a window). */
int schedule_rate(const struct schedule *sc);
int schedule_has_waves(const struct schedule *sc);
int schedule_reminders(const struct schedule *sc);

/* The IANA zone of a contact: its own (timezone column) when given, else
 * by country (BG Europe/Sofia, BE Europe/Brussels, CZ Europe/Prague, NL
 * Europe/Amsterdam), else "UTC". Borrowed (static or tzname). */
const char *schedule_zone(const char *country, const char *tzname);

/* 1 when UTC instant t lies in a sending window in zone tz (no window:
 * always 1). */
int schedule_in_window(const struct schedule *sc, const struct tz *tz,
		       int64_t t);
/* When the wave of slot may start: the slot, but never less than an hour
 * after the previous wave's start prev (0: none), so that no hour, clock
 * or rolling, holds more than rate mails. */
int64_t schedule_wave_at(int64_t slot, int64_t prev);
/* Reminder k (0-based): local date of first_mail in tz plus its days, at
 * its local time; a time skipped by a DST jump is the jump's instant, a
 * repeated one its first occurrence (as cron.h). */
int64_t schedule_reminder_due(const struct schedule *sc, int k,
			      const struct tz *tz, int64_t first_mail);
int64_t schedule_local_to_utc(const struct tz *tz, int64_t local);
/* The deadline text of a campaign (YYYY-MM-DD: the end of that day in
 * UTC; YYYY-MM-DDTHH:MM[:SS][Z]: that instant in UTC) -> *utc_r: the
 * first instant at which nothing may be enqueued any more. */
int schedule_deadline(const char *text, int64_t *utc_r);

#endif
