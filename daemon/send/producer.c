/*
 * producer.c -- see producer.h. Each firing: read the campaigns and their
 * schedules (closed before any write), then per campaign one transaction
 * that claims the firing first (BEGIN IMMEDIATE: a second process waits,
 * then finds the slot taken), collects its candidates, and enqueues.
 */
#include "send/producer.h"

#include <stdlib.h>
#include <string.h>

#include "base/kind.h"
#include "base/log.h"
#include "base/xmem.h"
#include "model/schedule.h"
#include "send/render.h"
#include "send/send.h"

/* ---- the campaigns, read before any write -------------------------------- */

struct pcamp {
	int64_t id;
	char *name;
	int64_t deadline;	/* INT64_MAX: none */
	struct schedule *sc;	/* NULL: no schedule */
};

struct pcamps {
	struct pcamp *v;
	size_t n;
};

static int
pcamp_add(void *arg, const struct store_sched *row)
{
	struct pcamps *cs = arg;
	struct pcamp *c;
	struct err e;

	cs->v = xreallocarray(cs->v, cs->n + 1, sizeof(*cs->v));
	c = &cs->v[cs->n++];
	c->id = row->campaign_id;
	c->name = xstrdup(row->campaign);
	if (schedule_deadline(row->deadline, &c->deadline) < 0)
		c->deadline = INT64_MAX;
	c->sc = NULL;
	if (*row->text != '\0' && schedule_from_text(row->text, &c->sc, &e))
		log_warnx("campaign %s: %s", row->campaign, e.msg);
	return 0;
}

static void
pcamps_free(struct pcamps *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->v[i].name);
		schedule_free(&cs->v[i].sc);
	}
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

/* ---- zones: loaded once per firing --------------------------------------- */

struct zones {
	char **names;
	struct tz **tz;
	size_t n;
};

static const struct tz *
zone_of(struct zones *z, const struct store_cand *c)
{
	const char *name = schedule_zone(c->country, c->timezone);
	struct err e;
	struct tz *tz;

	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->names[i], name) == 0)
			return z->tz[i];
	if ((tz = tz_load(name, &e)) == NULL) {
		log_warnx("contact %lld: %s: UTC used", (long long)c->contact_id,
			  e.msg);
		tz = tz_load("UTC", &e);
	}
	z->names = xreallocarray(z->names, z->n + 1, sizeof(*z->names));
	z->tz = xreallocarray(z->tz, z->n + 1, sizeof(*z->tz));
	z->names[z->n] = xstrdup(name);
	z->tz[z->n] = tz;
	return z->tz[z->n++];
}

static void
zones_free(struct zones *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->names[i]);
		tz_free(&z->tz[i]);
	}
	free(z->names);
	free(z->tz);
}

/* ---- one firing ---------------------------------------------------------- */

/* What one campaign's firing decides: the rows, collected while the
 * candidates' SELECT is open and written after it. */
struct firing {
	const struct pcamp *c;
	int64_t slot, at;
	int round;		/* reminders: k + 1 */
	struct zones zones;
	struct store_sched_row *rows;
	size_t n;
};

static void
firing_add(struct firing *f, int64_t contact, const char *kind,
	   int64_t not_before)
{
	struct store_sched_row *r;

	f->rows = xreallocarray(f->rows, f->n + 1, sizeof(*f->rows));
	r = &f->rows[f->n++];
	r->campaign_id = f->c->id;
	r->contact_id = contact;
	r->kind = kind;
	r->round = f->round;
	r->not_before = not_before;
}

static int
wave_cand(void *arg, const struct store_cand *c)
{
	struct firing *f = arg;
	int rate = schedule_rate(f->c->sc);

	if (rate > 0 && f->n >= (size_t)rate)
		return 1;	/* the wave is full */
	if (schedule_in_window(f->c->sc, zone_of(&f->zones, c), f->at))
		firing_add(f, c->contact_id, kind_name(KIND_INVITE), f->at);
	return 0;
}

static int
reminder_cand(void *arg, const struct store_cand *c)
{
	struct firing *f = arg;
	const struct tz *tz = zone_of(&f->zones, c);
	int k = f->round - 1;
	int64_t due = schedule_reminder_due(f->c->sc, k, tz, c->first_mail);

	if (due > f->slot || due >= f->c->deadline)
		return 0;
	/* missed while down: the later reminder, also due, goes alone */
	if (k + 1 < schedule_reminders(f->c->sc) &&
	    schedule_reminder_due(f->c->sc, k + 1, tz, c->first_mail) <=
	    f->slot)
		return 0;
	firing_add(f, c->contact_id, kind_name(c->unreadable ? KIND_PROBLEM :
					       KIND_REMINDER), f->slot);
	return 0;
}

/* Claim (name, slot), collect, enqueue, record: one transaction. */
static int
fire_one(struct store *s, struct firing *f, const char *name,
	 int (*collect)(struct store *, struct firing *, struct err *),
	 long *added_r, struct err *e)
{
	int rc;

	*added_r = 0;
	if (store_begin(s, e) < 0)
		return -1;
	rc = store_firing_claim(s, name, f->slot, f->at, e);
	if (rc == 1)
		rc = collect(s, f, e);
	for (size_t i = 0; rc == 0 && i < f->n; i++)
		rc = store_schedule_enqueue(s, &f->rows[i], added_r, e);
	if (rc == 0 && *added_r > 0)
		rc = store_firing_done(s, name, f->slot, *added_r, e);
	if (rc == 0 && *added_r > 0)
		return store_commit(s, e);
	store_rollback(s);	/* fired before, nothing to do, or failed */
	return rc < 0 ? -1 : 0;
}

static int
collect_wave(struct store *s, struct firing *f, struct err *e)
{
	int rc = store_wave_each(s, f->c->id, wave_cand, f, e);

	return rc == 1 ? 0 : rc;
}

static int
collect_reminder(struct store *s, struct firing *f, struct err *e)
{
	return store_reminder_each(s, f->c->id, f->round, reminder_cand, f,
				   e);
}

/* The templates of kind must render before anything is enqueued. */
static int
templates_ok(struct store *s, const struct config *cfg,
	     const struct pcamp *c, const char *kind, struct err *e)
{
	struct render *r = NULL;
	int rc = render_open(s, cfg, &r, e);

	if (rc == 0)
		rc = render_check(r, c->id, kind, e);
	render_free(&r);
	if (rc < 0)
		err_prefix(e, "campaign %s", c->name);
	return rc;
}

static void
firing_clear(struct firing *f)
{
	zones_free(&f->zones);
	free(f->rows);
	memset(f, 0, sizeof(*f));
}

static int
load_campaigns(struct store *s, struct pcamps *cs, struct err *e)
{
	memset(cs, 0, sizeof(*cs));
	if (store_schedules_each(s, pcamp_add, cs, e) < 0) {
		pcamps_free(cs);
		return -1;
	}
	return 0;
}

static int
wave_fire(struct store *s, const struct pcamp *c, int64_t slot,
	  struct err *e)
{
	struct firing f = { c, slot, slot, 0, { 0 }, NULL, 0 };
	char *name = xasprintf("wave:%lld", (long long)c->id);
	int64_t last = 0, prev = 0;
	long added = 0;
	int rc = store_firing_last(s, name, 1, &last, &prev, e);

	f.at = schedule_wave_at(slot, rc == 1 ? prev : 0);
	if (rc >= 0 && f.at < c->deadline)
		rc = fire_one(s, &f, name, collect_wave, &added, e);
	if (added > 0)
		log_info("campaign %s: wave of %ld invitations from %lld",
			 c->name, added, (long long)f.at);
	firing_clear(&f);
	free(name);
	return rc < 0 ? -1 : 0;
}

int
producer_waves(struct store *s, const struct config *cfg, int64_t slot,
	       struct err *e)
{
	struct pcamps cs;
	int rc = 0;

	if (load_campaigns(s, &cs, e) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < cs.n; i++) {
		const struct pcamp *c = &cs.v[i];

		if (c->sc == NULL || !schedule_has_waves(c->sc) ||
		    slot >= c->deadline)
			continue;
		rc = templates_ok(s, cfg, c, kind_name(KIND_INVITE), e);
		if (rc == 0)
			rc = wave_fire(s, c, slot, e);
	}
	pcamps_free(&cs);
	return rc;
}

static int
reminder_fire(struct store *s, const struct pcamp *c, int k, int64_t slot,
	      struct err *e)
{
	struct firing f = { c, slot, slot, k + 1, { 0 }, NULL, 0 };
	char *name = xasprintf("reminder:%lld:%d", (long long)c->id, k + 1);
	long added = 0;
	int rc = fire_one(s, &f, name, collect_reminder, &added, e);

	if (added > 0)
		log_info("campaign %s: reminder %d to %ld contacts", c->name,
			 k + 1, added);
	firing_clear(&f);
	free(name);
	return rc;
}

int
producer_reminders(struct store *s, const struct config *cfg, int64_t slot,
		   struct err *e)
{
	struct pcamps cs;
	int rc = 0;

	if (load_campaigns(s, &cs, e) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < cs.n; i++) {
		const struct pcamp *c = &cs.v[i];
		int n = c->sc != NULL ? schedule_reminders(c->sc) : 0;

		if (n == 0 || slot >= c->deadline)
			continue;
		rc = templates_ok(s, cfg, c, kind_name(KIND_REMINDER), e);
		for (int k = 0; rc == 0 && k < n; k++)
			rc = reminder_fire(s, c, k, slot, e);
	}
	pcamps_free(&cs);
	return rc;
}

int
producer_invites(struct store *s, const struct config *cfg, int64_t now,
		 struct err *e)
{
	struct pcamps cs;
	int rc = 0;

	if (load_campaigns(s, &cs, e) < 0)
		return -1;
	for (size_t i = 0; i < cs.n; i++) {
		const struct pcamp *c = &cs.v[i];
		long planned = 0;

		if ((c->sc != NULL && schedule_has_waves(c->sc)) ||
		    now >= c->deadline)
			continue;
		if (send_enqueue(s, cfg, c->id, kind_name(KIND_INVITE),
				 &planned, e) < 0) {
			log_warnx("send: %s", e->msg);
			rc = -1;
		}
	}
	pcamps_free(&cs);
	return rc;
}

int
producer_prev_slot(const struct cron *c, int64_t now, int64_t *slot_r,
		   struct err *e)
{
	int64_t t = now - 2 * 86400, next;

	*slot_r = 0;
	while (cron_next(c, t, &next, e) == 0 && next <= now)
		*slot_r = t = next;
	if (*slot_r == 0)
		err_set(e, "\"%s\": no firing in the two days before now",
			cron_text(c));
	return *slot_r == 0 ? -1 : 0;
}
