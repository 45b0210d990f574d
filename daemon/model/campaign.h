/*
 * campaign.h -- reads campaign files (INI, see docs/campaign-format.md),
 * validates them against the config, the questionnaire and the template
 * sets, and stores them; never plans or sends deliveries.
 *
 * Use:     campaign_check(cfg, path, &errs)           validation only
 *          campaign_add(s, cfg, path, &name, &errs)   validate + store
 *          campaign_update(s, cfg, path, &name, &errs) the same, for a
 *                                  stored campaign only
 *          campaign_state(c, now, enqueued)   its state at clock now
 *          campaign_hold(s, name, act, now, &n, e)  pause/resume/stop
 *          campaign_may_enqueue(s, id, now, e)      may mail be planned
 *          campaign_time(text, zone, eod, &utc, &why)   file time -> UTC
 *          campaign_local_text(utc, tz, out)   UTC -> local YYYY-MM-DDTHH:MM
 *          campaign_deadline_for(zones, c, zone)  the deadline a reader
 *                                  in zone sees (campaign_zone_of)
 * Life:    draft (no start, nothing enqueued) -> scheduled (start ahead)
 *          -> open (started, or mail enqueued) -> closed (deadline
 *          passed); paused (a person holds it; resume undoes it) and
 *          stopped (final; its waiting mail is cancelled). The state is
 *          a pure function of the stored campaign and the clock passed
 *          in: nothing here reads the clock. Times are kept in UTC with
 *          the IANA zone they were written in (base/tz: never TZ).
 * Owns:    *name_r from campaign_add/update is the caller's (free()).
 * Errors:  0 ok; -1 with every problem as "FILE:LINE: reason" in errs
 *          (unknown section or key, missing name/template, bad deadline,
 *          unknown country or language, a [schedule] key that
 *          model/schedule.h refuses, questionnaire missing or invalid
 *          with the survey loader's own messages, template set missing).
 *          campaign_add stores the questionnaire version, the campaign
 *          and its [schedule] text in one transaction: on -1 the store
 *          is unchanged (a store error is added as "FILE: reason").
 *          campaign_update also refuses
 *          a campaign not stored yet, and once mail went out any change
 *          but the deadline (the store's reason names what differs).
 *          campaign_hold: 0 done; -1 with the reason (no such campaign,
 *          stopped is final, resume of one not paused, pause of a
 *          closed one). campaign_may_enqueue: 1 yes, 0 no with the
 *          reason in e (closed, stopped, paused, scheduled), -1 error.
 * Events:  none.
 * Config:  paths.templates (template set NAME/), paths.surveys (fallback
 *          questionnaire directory), paths.schema.
 * Spec:    docs/campaign-format.md
 * Tests:   tests/unit/test_campaign.c, tests/data/campaigns/,
 *          tests/unit/test_life.c, tests/integration/life.sh
 */
#ifndef ANKETA_CAMPAIGN_H
#define ANKETA_CAMPAIGN_H

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

int campaign_check(const struct config *cfg, const char *path,
		   struct errlist *errs);
int campaign_add(struct store *s, const struct config *cfg, const char *path,
		 char **name_r, struct errlist *errs);
int campaign_update(struct store *s, const struct config *cfg,
		    const char *path, char **name_r, struct errlist *errs);

enum campaign_state {
	CAMPAIGN_DRAFT,		/* no start time and nothing enqueued */
	CAMPAIGN_SCHEDULED,	/* its start time is still ahead */
	CAMPAIGN_OPEN,		/* started, or mail of it was enqueued */
	CAMPAIGN_PAUSED,	/* held by a person: nothing is handed out */
	CAMPAIGN_STOPPED,	/* ended by a person: final */
	CAMPAIGN_CLOSED,	/* its deadline passed */
};
const char *campaign_state_name(enum campaign_state st);
/* c's state at unix time now; enqueued: mail of it was ever enqueued. */
enum campaign_state campaign_state(const struct store_campaign *c,
				   int64_t now, int enqueued);

enum campaign_act { CAMPAIGN_PAUSE, CAMPAIGN_RESUME, CAMPAIGN_STOP };
/* Pause, resume or stop campaign name at clock now; a stop cancels the
 * mail of it that waits (*cancelled_r counts it, may be NULL). */
/* After the deadline of campaign name moved: tell those who have not
 * answered (store_deadline_notice); -1 with the reason (no such
 * campaign, no deadline). */
int campaign_notify_deadline(struct store *s, const char *name, long *n_r,
			     struct err *e);
int campaign_hold(struct store *s, const char *name, enum campaign_act act,
		  int64_t now, long *cancelled_r, struct err *e);
/* Whether campaign mail (invitations, reminders) of campaign id may be
 * enqueued at clock now: 1 yes (also for an unknown id), 0 no with the
 * reason in e ("closed: ..."), -1 store error. */
int campaign_may_enqueue(struct store *s, int64_t id, int64_t now,
			 struct err *e);

struct tz;
/* text as the file writes a time: YYYY-MM-DD, optionally with
 * [T ]HH:MM[:SS] and Z or +HH:MM; without Z or an offset it is wall
 * time in zone (NULL: UTC). A bare date is its first second, or with
 * end_of_day its last (23:59:59). A wall time a spring-forward skips
 * is the instant of the jump, one a fall-back repeats its first
 * occurrence. 0 and *utc_r, or -1 with *why (static text). */
int campaign_time(const char *text, const char *zone, int end_of_day,
		  int64_t *utc_r, const char **why);
/* Local wall seconds in zone z -> UTC instant, by the rule above. */
int64_t campaign_utc_of_local(const struct tz *z, int64_t local);
/* utc as wall time in z: "YYYY-MM-DDTHH:MM" into out. 0, or -1. */
int campaign_local_text(int64_t utc, const struct tz *z, char out[20]);

/* The deadline as a reader sees it. A renderer keeps one
 * campaign_zones (the zones it loaded) for all its messages. */
struct campaign_zones;
struct campaign_zones *campaign_zones_new(void);
void campaign_zones_free(struct campaign_zones **z);	/* NULL ok */
/* A reader's zone: its own (zone) when given, else by its country (BG
 * Europe/Sofia, BE Europe/Brussels, CZ Europe/Prague), else UTC. */
const char *campaign_zone_of(const char *zone, const char *country);
/* c's deadline as wall time "YYYY-MM-DDTHH:MM" in reader_zone, or as
 * the file wrote it when the campaign has no timezone or the reader's
 * wall time is the campaign's (a bare date stays a date). NULL when it
 * has no deadline; else the caller frees. */
char *campaign_deadline_for(struct campaign_zones *z,
			    const struct store_campaign *c,
			    const char *reader_zone);

#endif
