/*
 * campaign_life.c -- a campaign's life (see campaign.h): its times in
 * their IANA zone, the state they give at a clock the caller passes, and
 * the hold a person puts on it. Zones come from base/tz (the system's
 * zoneinfo); TZ, tzset and localtime are never used, and nothing here
 * reads the clock.
 */
#include "model/campaign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/tz.h"
#include "base/xmem.h"

static const char *const campaign_states[] = {
	"draft", "scheduled", "open", "paused", "stopped", "closed",
};

const char *
campaign_state_name(enum campaign_state st)
{
	return (unsigned)st < sizeof(campaign_states) /
	       sizeof(campaign_states[0]) ? campaign_states[st] : "?";
}

/* The order matters: a stop is final, a deadline ends everything else,
 * a pause holds a campaign that would otherwise go. */
enum campaign_state
campaign_state(const struct store_campaign *c, int64_t now, int enqueued)
{
	if (c->hold != NULL && strcmp(c->hold, "stopped") == 0)
		return CAMPAIGN_STOPPED;
	if (c->deadline_at != 0 && now >= c->deadline_at)
		return CAMPAIGN_CLOSED;
	if (c->hold != NULL && strcmp(c->hold, "paused") == 0)
		return CAMPAIGN_PAUSED;
	if (c->start_at != 0 && now < c->start_at)
		return CAMPAIGN_SCHEDULED;
	if (c->start_at != 0 || enqueued)
		return CAMPAIGN_OPEN;
	return CAMPAIGN_DRAFT;
}

/* ---- times ---------------------------------------------------------------- */

/* Digits at s[0..n-1] as a number, or -1. */
static long
digits(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "HH:MM[:SS]" of exactly n bytes -> seconds of the day, or -1. */
static long
clock_secs(const char *t, size_t n)
{
	long h, m, sec = 0;

	if ((n != 5 && n != 8) || t[2] != ':')
		return -1;
	h = digits(t, 2), m = digits(t + 3, 2);
	if (n == 8 && (t[5] != ':' || (sec = digits(t + 6, 2)) < 0 ||
		       sec > 59))
		return -1;
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 3600 + m * 60 + sec;
}

/* "Z" or "+HH:MM"/"-HH:MM" at the end of t[0..*n-1]: *n shortened,
 * *off_r the offset in seconds; 0 none there, 1 found. */
static int
utc_offset(const char *t, size_t *n, long *off_r)
{
	size_t k = *n;

	if (k >= 1 && t[k - 1] == 'Z') {
		*off_r = 0;
		*n = k - 1;
		return 1;
	}
	if (k > 6 && (t[k - 6] == '+' || t[k - 6] == '-') &&
	    t[k - 3] == ':' && digits(t + k - 5, 2) >= 0 &&
	    digits(t + k - 2, 2) >= 0 && digits(t + k - 5, 2) < 24) {
		*off_r = (digits(t + k - 5, 2) * 3600 +
			  digits(t + k - 2, 2) * 60) *
			 (t[k - 6] == '-' ? -1 : 1);
		*n = k - 6;
		return 1;
	}
	return 0;
}

/*
 * Local wall-clock seconds (since 1970-01-01 00:00 local) in zone z ->
 * UTC. Of a time a fall-back repeats, the first; a time a spring-forward
 * skips is the instant of the jump (the first instant that exists after
 * it), as cron does for fixed times.
 */
int64_t
campaign_utc_of_local(const struct tz *z, int64_t local)
{
	int64_t probe[] = { local - 2 * 86400, local, local + 2 * 86400 };
	int64_t best = INT64_MAX, last = INT64_MIN;
	struct tz_seg g;

	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		int64_t t;

		tz_segment(z, probe[i], &g);
		t = local - g.off;
		tz_segment(z, t, &g);
		if (local - g.off == t && t < best)
			best = t;
		if (t > last)
			last = t;
	}
	if (best != INT64_MAX)
		return best;
	/* skipped: with the offset before the jump the time lies after it,
	 * in the stretch that begins with the jump */
	tz_segment(z, last, &g);
	return g.start;
}

int
campaign_time(const char *text, const char *zone, int end_of_day,
	      int64_t *utc_r, const char **why)
{
	size_t n = strlen(text), tn;
	long y, m, d, secs = end_of_day ? 86399 : 0, off = 0;
	int has_off = 0;
	struct tz *z;
	struct err e;

	*why = "not a date: write YYYY-MM-DD, e.g. 2026-12-15, or "
	       "YYYY-MM-DDTHH:MM";
	if (n < 10 || text[4] != '-' || text[7] != '-')
		return -1;
	y = digits(text, 4), m = digits(text + 5, 2), d = digits(text + 8, 2);
	if (y < 2000 || m < 1 || m > 12 || d < 1)
		return -1;
	if (d > tz_month_days((int)y, (int)m)) {
		*why = "no such day in that month";
		return -1;
	}
	if (n > 10) {
		if (text[10] != 'T' && text[10] != ' ')
			return -1;
		tn = n - 11;
		has_off = utc_offset(text + 11, &tn, &off);
		if ((secs = clock_secs(text + 11, tn)) < 0)
			return -1;
	}
	*utc_r = tz_days_from_civil((int)y, (int)m, (int)d) * 86400 + secs;
	if (has_off) {
		*utc_r -= off;
		return 0;
	}
	if ((z = tz_load(zone != NULL && *zone ? zone : "UTC", &e)) == NULL) {
		*why = "its time zone cannot be read";
		return -1;
	}
	*utc_r = campaign_utc_of_local(z, *utc_r);
	tz_free(&z);
	return 0;
}

int
campaign_local_text(int64_t utc, const struct tz *z, char out[20])
{
	struct tz_seg g;
	int64_t local, days;
	int y, m, d;

	tz_segment(z, utc, &g);
	local = utc + g.off;
	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	tz_civil_from_days(days, &y, &m, &d);
	local -= days * 86400;
	return snprintf(out, 20, "%04d-%02d-%02dT%02d:%02d", y, m, d,
			(int)(local / 3600), (int)(local % 3600 / 60)) < 20 ?
	       0 : -1;
}

/* ---- holds ---------------------------------------------------------------- */

struct life_find {
	int64_t id, start_at, deadline_at;
	char hold[16];
};

static int
life_find_cb(void *arg, const struct store_campaign *c)
{
	struct life_find *f = arg;

	f->id = c->id;
	f->start_at = c->start_at;
	f->deadline_at = c->deadline_at;
	snprintf(f->hold, sizeof(f->hold), "%s", c->hold ? c->hold : "");
	return 0;
}

/* The state as campaign_state gives it; enqueued does not matter to
 * any hold, so it is taken as 1 (draft and open alike may be held). */
static enum campaign_state
life_state(const struct life_find *f, int64_t now)
{
	struct store_campaign c = { 0 };

	c.start_at = f->start_at;
	c.deadline_at = f->deadline_at;
	c.hold = *f->hold ? f->hold : NULL;
	return campaign_state(&c, now, 1);
}

int
campaign_hold(struct store *s, const char *name, enum campaign_act act,
	      int64_t now, long *cancelled_r, struct err *e)
{
	struct life_find f = { 0 };
	enum campaign_state st;
	const char *to = act == CAMPAIGN_PAUSE ? "paused" :
			 act == CAMPAIGN_STOP ? "stopped" : NULL;
	int rc = store_campaign_find(s, name, life_find_cb, &f, e);

	if (rc == 0)
		err_set(e, "campaign '%s': no such campaign", name);
	if (rc != 1)
		return -1;
	st = life_state(&f, now);
	if (st == CAMPAIGN_STOPPED) {
		err_set(e, "campaign '%s' is stopped: a stop is final (make "
			"a new campaign)", name);
		return -1;
	}
	if (act == CAMPAIGN_RESUME && strcmp(f.hold, "paused") != 0) {
		err_set(e, "campaign '%s' is not paused (it is %s)", name,
			campaign_state_name(st));
		return -1;
	}
	if (act == CAMPAIGN_PAUSE && st == CAMPAIGN_CLOSED) {
		err_set(e, "campaign '%s' is closed: its deadline passed and "
			"nothing more of it is sent", name);
		return -1;
	}
	rc = store_campaign_hold(s, f.id, to, cancelled_r, e);
	if (rc == 0)
		err_set(e, "campaign '%s': no such campaign", name);
	return rc == 1 ? 0 : -1;
}

int
campaign_may_enqueue(struct store *s, int64_t id, int64_t now,
		     struct err *e)
{
	struct life_find f = { 0 };
	char when[20] = "";
	struct tz *z;
	int rc = store_campaign_by_id(s, id, life_find_cb, &f, e);

	if (rc != 1)
		return rc == 0 ? 1 : -1;
	switch (life_state(&f, now)) {
	case CAMPAIGN_CLOSED:
		err_set(e, "closed: its deadline passed (update the campaign "
			"file's deadline to send more)");
		return 0;
	case CAMPAIGN_STOPPED:
		err_set(e, "stopped: nothing more of it is sent");
		return 0;
	case CAMPAIGN_PAUSED:
		err_set(e, "paused (anketa campaign resume NAME lets it go "
			"on)");
		return 0;
	case CAMPAIGN_SCHEDULED:
		if ((z = tz_load("UTC", e)) != NULL)
			campaign_local_text(f.start_at, z, when);
		tz_free(&z);
		err_set(e, "scheduled: it starts at %sZ", when);
		return 0;
	default:
		return 1;
	}
}

/* ---- the deadline as a reader sees it ---------------------------------- */

#define CAMPAIGN_ZONES_MAX 16	/* zones kept loaded; more are loaded anew */

struct campaign_zones {
	struct tz *tz[CAMPAIGN_ZONES_MAX];
	size_t n;
};

struct campaign_zones *
campaign_zones_new(void)
{
	return xcalloc(1, sizeof(struct campaign_zones));
}

void
campaign_zones_free(struct campaign_zones **zp)
{
	struct campaign_zones *z = *zp;

	if (z == NULL)
		return;
	for (size_t i = 0; i < z->n; i++)
		tz_free(&z->tz[i]);
	free(z);
	*zp = NULL;
}

/* Zone name, loaded once; NULL when it cannot be read. */
static const struct tz *
zones_get(struct campaign_zones *z, const char *name)
{
	struct err e;
	struct tz *t;

	for (size_t i = 0; i < z->n; i++)
		if (strcmp(tz_name(z->tz[i]), name) == 0)
			return z->tz[i];
	if (z->n == CAMPAIGN_ZONES_MAX || (t = tz_load(name, &e)) == NULL)
		return NULL;
	z->tz[z->n++] = t;
	return t;
}

const char *
campaign_zone_of(const char *zone, const char *country)
{
	static const struct {
		const char *country, *zone;
	} by_country[] = {
		{ "BG", "Europe/Sofia" },
		{ "BE", "Europe/Brussels" },
		{ "CZ", "Europe/Prague" },
	};

	if (zone != NULL && *zone)
		return zone;
	for (size_t i = 0; country != NULL && i < sizeof(by_country) /
	     sizeof(by_country[0]); i++)
		if (strcasecmp(country, by_country[i].country) == 0)
			return by_country[i].zone;
	return "UTC";
}

char *
campaign_deadline_for(struct campaign_zones *z,
		      const struct store_campaign *c, const char *reader_zone)
{
	const struct tz *own, *reader;
	char mine[20], theirs[20];

	if (c->deadline == NULL || *c->deadline == '\0')
		return NULL;
	if (c->timezone == NULL || *c->timezone == '\0' || c->deadline_at == 0 ||
	    (own = zones_get(z, c->timezone)) == NULL ||
	    (reader = zones_get(z, reader_zone)) == NULL ||
	    campaign_local_text(c->deadline_at, own, mine) < 0 ||
	    campaign_local_text(c->deadline_at, reader, theirs) < 0 ||
	    strcmp(mine, theirs) == 0)
		return xstrdup(c->deadline);	/* as the file wrote it */
	return xstrdup(theirs);
}

struct notify_find {
	int64_t id, deadline_at;
};

static int
notify_found(void *arg, const struct store_campaign *c)
{
	struct notify_find *f = arg;

	f->id = c->id;
	f->deadline_at = c->deadline_at;
	return 0;
}

int
campaign_notify_deadline(struct store *s, const char *name, long *n_r,
			 struct err *e)
{
	struct notify_find f = { 0, 0 };
	int rc = store_campaign_find(s, name, notify_found, &f, e);

	*n_r = 0;
	if (rc == 0)
		err_set(e, "campaign '%s': no such campaign", name);
	else if (rc == 1 && f.deadline_at == 0)
		err_set(e, "campaign '%s': it has no deadline to tell about",
			name);
	if (rc != 1 || f.deadline_at == 0)
		return -1;
	return store_deadline_notice(s, f.id, f.deadline_at, n_r, e);
}
