/* test_life.c -- a campaign's life (model/campaign.h): its times read in
 * their IANA zone across DST nights, its state at clocks the tests set,
 * holds (pause, resume, stop) and the deadline as every claim and
 * hand-over sees them, what an update may change once mail went out,
 * and late replies. No test reads the wall clock: every store handle
 * runs on store_clock_set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/config.h"
#include "base/kind.h"
#include "base/tz.h"
#include "base/xmem.h"
#include "model/campaign.h"
#include "store/store.h"
#include "store/store_private.h"
#include "tfix.h"

/* 2026-12-01 00:00 UTC: before every deadline below */
#define T0 INT64_C(1796083200)

/* ---- times ------------------------------------------------------------ */

static const struct {
	const char *text, *zone;
	int eod;
	int64_t utc;	/* expected, computed with Python's calendar.timegm */
} times[] = {
	/* a bare date deadline: the last second of that day in its zone */
	{ "2026-12-15", "Europe/Sofia", 1, INT64_C(1797371999) },
	/* 02:30 does not exist in Brussels that night (02:00 -> 03:00):
	 * the instant of the jump, 01:00Z */
	{ "2026-03-29 02:30", "Europe/Brussels", 0, INT64_C(1774746000) },
	{ "2026-03-29T02:30", "Europe/Prague", 0, INT64_C(1774746000) },
	/* Sofia jumps 03:00 -> 04:00, at the same instant */
	{ "2026-03-29 03:30", "Europe/Sofia", 0, INT64_C(1774746000) },
	/* 02:30 happens twice in October: the first, still summer time */
	{ "2026-10-25 02:30", "Europe/Brussels", 0, INT64_C(1792888200) },
	/* Sofia repeats 03:00-04:00: 03:30 EEST is 00:30Z */
	{ "2026-10-25 03:30", "Europe/Sofia", 0, INT64_C(1792888200) },
	/* an explicit offset wins over the zone */
	{ "2026-06-01T12:00+03:00", "Europe/Brussels", 0,
	  INT64_C(1780304400) },
	{ "2026-06-01 09:00Z", "Europe/Sofia", 0, INT64_C(1780304400) },
	/* a bare date start: its first second */
	{ "2026-12-02", "Europe/Sofia", 0, INT64_C(1796162400) },
	/* February 29 of a leap year, no zone: UTC */
	{ "2028-02-29 10:00", NULL, 0, INT64_C(1835431200) },
};

static void
test_times(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		const char *why = NULL;
		int64_t t = 0;

		if (campaign_time(times[i].text, times[i].zone, times[i].eod,
				  &t, &why) != 0)
			fail_msg("%s: %s", times[i].text, why);
		if (t != times[i].utc)
			fail_msg("%s in %s: %lld, want %lld", times[i].text,
				 times[i].zone ? times[i].zone : "UTC",
				 (long long)t, (long long)times[i].utc);
	}
}

static void
test_bad_times(void **state)
{
	static const char *const bad[] = { "2027-02-29", "2026-13-01",
		"2026-12-15 24:00", "2026-12-15T10", "15.12.2026",
		"2026-12-15 10:00+2" };
	const char *why;
	int64_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (campaign_time(bad[i], "UTC", 0, &t, &why) == 0)
			fail_msg("%s accepted", bad[i]);
	assert_int_equal(campaign_time("2027-02-29", "UTC", 0, &t, &why), -1);
	assert_string_equal(why, "no such day in that month");
}

/* The deadline in a reader's zone: the same instant, another wall time. */
static void
test_local_text(void **state)
{
	struct err e;
	struct tz *sofia = tz_load("Europe/Sofia", &e);
	struct tz *brussels = tz_load("Europe/Brussels", &e);
	char out[20];

	(void)state;
	assert_non_null(sofia);
	assert_non_null(brussels);
	assert_int_equal(campaign_local_text(INT64_C(1797371999), sofia, out),
			 0);
	assert_string_equal(out, "2026-12-15T23:59");
	assert_int_equal(campaign_local_text(INT64_C(1797371999), brussels,
					     out), 0);
	assert_string_equal(out, "2026-12-15T22:59");
	tz_free(&sofia);
	tz_free(&brussels);
}

/* The deadline a reader sees: in the reader's zone, by country unless
 * given; as written in the campaign's own zone or with no zone. */
static void
test_deadline_for(void **state)
{
	struct campaign_zones *z = campaign_zones_new();
	struct store_campaign c = { .deadline = "2026-12-15",
				    .deadline_at = INT64_C(1797371999),
				    .timezone = "Europe/Sofia" };
	static const struct {
		const char *zone, *country, *want;
	} t[] = {
		{ NULL, "BG", "2026-12-15" },
		{ NULL, "be", "2026-12-15T22:59" },
		{ NULL, "CZ", "2026-12-15T22:59" },
		{ NULL, "NL", "2026-12-15T21:59" },
		{ NULL, NULL, "2026-12-15T21:59" },
		{ "America/New_York", "BG", "2026-12-15T16:59" },
	};
	char *got;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = campaign_deadline_for(z, &c, campaign_zone_of(
			t[i].zone, t[i].country));
		if (got == NULL || strcmp(got, t[i].want) != 0)
			fail_msg("case %zu: %s, want %s", i,
				 got ? got : "NULL", t[i].want);
		free(got);
	}
	c.timezone = NULL;
	got = campaign_deadline_for(z, &c, "Europe/Brussels");
	assert_string_equal(got, "2026-12-15");
	free(got);
	c.deadline = NULL;
	assert_null(campaign_deadline_for(z, &c, "Europe/Brussels"));
	campaign_zones_free(&z);
	assert_null(z);
}

/* ---- states ----------------------------------------------------------- */

static void
test_states(void **state)
{
	static const struct {
		int64_t start, deadline;
		const char *hold;
		int enqueued;
		int64_t now;
		enum campaign_state want;
	} t[] = {
		{ 0, 0, NULL, 0, T0, CAMPAIGN_DRAFT },
		{ 0, 0, NULL, 1, T0, CAMPAIGN_OPEN },
		{ T0 + 60, 0, NULL, 0, T0, CAMPAIGN_SCHEDULED },
		{ T0 + 60, 0, NULL, 0, T0 + 60, CAMPAIGN_OPEN },
		{ T0, T0 + 60, NULL, 1, T0 + 59, CAMPAIGN_OPEN },
		{ T0, T0 + 60, NULL, 1, T0 + 60, CAMPAIGN_CLOSED },
		{ 0, T0 + 60, NULL, 0, T0 + 61, CAMPAIGN_CLOSED },
		{ T0, T0 + 60, "paused", 1, T0 + 1, CAMPAIGN_PAUSED },
		{ T0 + 9, 0, "paused", 0, T0, CAMPAIGN_PAUSED },
		/* a deadline ends a pause; a stop is final */
		{ T0, T0 + 60, "paused", 1, T0 + 60, CAMPAIGN_CLOSED },
		{ T0, T0 + 60, "stopped", 1, T0 + 61, CAMPAIGN_STOPPED },
		{ 0, 0, "stopped", 0, T0, CAMPAIGN_STOPPED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct store_campaign c = { .start_at = t[i].start,
					    .deadline_at = t[i].deadline,
					    .hold = t[i].hold };
		enum campaign_state got = campaign_state(&c, t[i].now,
							 t[i].enqueued);

		if (got != t[i].want)
			fail_msg("case %zu: %s, want %s", i,
				 campaign_state_name(got),
				 campaign_state_name(t[i].want));
	}
}

/* ---- the store ---------------------------------------------------------- */

struct fx {
	struct tfix t;		/* first: tfix_teardown frees it */
	struct config cfg;
	int64_t cid;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	if (tfix_open("test_life", f->t.dir, &f->t.s) < 0)
		return -1;
	snprintf(f->t.path, sizeof(f->t.path), "%s/anketa.db", f->t.dir);
	store_clock_set(f->t.s, T0);
	if (tfix_campaign_cfg(&f->cfg, f->t.dir) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tfix_campaign_cfg_free(&f->cfg);
	tfix_close(f->t.dir, &f->t.s);
	free(f);
	return 0;
}

static char *
write_campaign(struct fx *f, const char *name, const char *body)
{
	char *path = xasprintf("%s/%s.campaign", f->t.dir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fprintf(fp, "[campaign]\nname = %s\nkind = invitation\n"
		"template = survey\n%s", name, body);
	fclose(fp);
	return path;
}

static int
find_cb(void *arg, const struct store_campaign *c)
{
	struct store_campaign *out = arg;

	out->id = c->id;
	out->start_at = c->start_at;
	out->deadline_at = c->deadline_at;
	out->hold = c->hold != NULL ? "held" : NULL;
	return 0;
}

/* add (update 0) or update the file body as campaign name; 0 or -1 with
 * the first message in *msg_r (caller frees). */
static int
put(struct fx *f, const char *name, const char *body, int update,
    char **msg_r)
{
	char *path = write_campaign(f, name, body);
	struct errlist errs = { 0 };
	int rc = (update ? campaign_update : campaign_add)(
		f->t.s, &f->cfg, path, NULL, &errs);

	if (msg_r != NULL)
		*msg_r = errs.n > 0 ? xstrdup(errs.v[0]) : NULL;
	errlist_free(&errs);
	free(path);
	return rc;
}

static void
test_file_keys(void **state)
{
	struct fx *f = *state;
	struct store_campaign c = { 0 };
	char *msg;

	assert_int_equal(put(f, "fs", "timezone = Europe/Sofia\n"
			     "start = 2026-12-02 09:00\n"
			     "deadline = 2026-12-15\n", 0, NULL), 0);
	assert_int_equal(store_campaign_find(f->t.s, "fs", find_cb, &c,
					     &f->t.e), 1);
	/* 09:00 in Sofia (UTC+2) is 07:00Z */
	assert_int_equal(c.start_at, T0 + 86400 + 7 * 3600);
	assert_int_equal(c.deadline_at, INT64_C(1797371999));
	assert_int_equal(campaign_state(&c, T0, 0), CAMPAIGN_SCHEDULED);
	assert_int_equal(campaign_may_enqueue(f->t.s, c.id, T0, &f->t.e), 0);
	assert_string_equal(f->t.e.msg, "scheduled: it starts at "
			    "2026-12-02T07:00Z");
	assert_int_equal(campaign_may_enqueue(f->t.s, c.id, c.start_at,
					      &f->t.e), 1);

	assert_int_equal(put(f, "bad", "timezone = Mars/Olympus\n", 0, &msg),
			 -1);
	assert_non_null(strstr(msg, "bad.campaign:5: [campaign] timezone: "));
	assert_non_null(strstr(msg, "Mars/Olympus"));
	free(msg);
	assert_int_equal(put(f, "bad", "deadline = 2026-12-01\n"
			     "start = 2026-12-02\n", 0, &msg), -1);
	assert_non_null(strstr(msg, "bad.campaign:6: [campaign] start "
			       "\"2026-12-02\" is not before the deadline"));
	free(msg);
	assert_int_equal(put(f, "bad", "deadline = 2026-11-31 10:00\n", 0,
			     &msg), -1);
	assert_non_null(strstr(msg, "bad.campaign:5: [campaign] deadline "
			       "\"2026-11-31 10:00\": no such day"));
	free(msg);
}

/* n contacts, each with a pending invitation of campaign cid, and one
 * confirmation (feedback) for the first. */
static void
plan(struct fx *f, int n)
{
	struct store_enqueue q = { 0 };
	long added = 0;

	TFIX_OK(&f->t, store_begin(f->t.s, &f->t.e));
	for (int i = 0; i < n; i++) {
		char email[32];
		struct store_contact c = { .email = email, .country = "BG",
					   .language = "bg" };
		int64_t id;
		int created;

		snprintf(email, sizeof(email), "c%d@example.org", i);
		TFIX_OK(&f->t, store_contact_upsert(f->t.s, &c, &id, &created,
						    &f->t.e));
	}
	TFIX_OK(&f->t, store_commit(f->t.s, &f->t.e));
	TFIX_OK(&f->t, store_deliveries_plan(f->t.s, f->cid, "invite",
					     &added, &f->t.e));
	assert_int_equal(added, n);
	q.campaign_id = f->cid;
	q.contact_id = 1;
	q.kind = "confirm";
	TFIX_OK(&f->t, store_outbox_enqueue(f->t.s, &q, NULL, &f->t.e));
}

static void
campaign_open(struct fx *f, const char *body)
{
	struct store_campaign c = { 0 };

	assert_int_equal(put(f, "fs", body, 0, NULL), 0);
	assert_int_equal(store_campaign_find(f->t.s, "fs", find_cb, &c,
					     &f->t.e), 1);
	f->cid = c.id;
	TFIX_OK(&f->t, store_owner_register(f->t.s, "send", 0, &f->t.e));
}

struct claimed {
	long n, invites;
	int64_t id[64];
};

static int
claimed_cb(void *arg, const struct store_outrow *r)
{
	struct claimed *x = arg;

	x->invites += strcmp(r->kind, "invite") == 0;
	x->id[x->n++] = r->id;
	return 0;
}

/* Claim up to max, give them all back; how many there were. */
static long
claim(struct fx *f, long max, struct claimed *x)
{
	long n = 0;

	memset(x, 0, sizeof(*x));
	TFIX_OK(&f->t, store_outbox_claim(f->t.s, NULL, max, 60, claimed_cb,
					  x, &n, &f->t.e));
	assert_int_equal(n, x->n);
	TFIX_OK(&f->t, store_outbox_unclaim(f->t.s, 0, &f->t.e));
	return n;
}

static void
test_pause_resume_stop(void **state)
{
	struct fx *f = *state;
	struct claimed x;
	long cancelled = -1;

	campaign_open(f, "deadline = 2026-12-15\n");
	plan(f, 5);
	assert_int_equal(claim(f, 64, &x), 6);
	TFIX_OK(&f->t, campaign_hold(f->t.s, "fs", CAMPAIGN_PAUSE, T0, NULL,
				     &f->t.e));
	assert_int_equal(claim(f, 64, &x), 0);
	assert_int_equal(campaign_may_enqueue(f->t.s, f->cid, T0, &f->t.e), 0);
	assert_non_null(strstr(f->t.e.msg, "paused"));
	/* pausing twice is fine; resuming what is not paused is not */
	TFIX_OK(&f->t, campaign_hold(f->t.s, "fs", CAMPAIGN_PAUSE, T0, NULL,
				     &f->t.e));
	TFIX_OK(&f->t, campaign_hold(f->t.s, "fs", CAMPAIGN_RESUME, T0, NULL,
				     &f->t.e));
	assert_int_equal(claim(f, 64, &x), 6);
	assert_int_equal(campaign_hold(f->t.s, "fs", CAMPAIGN_RESUME, T0,
				       NULL, &f->t.e), -1);
	assert_string_equal(f->t.e.msg, "campaign 'fs' is not paused (it is "
			    "open)");
	TFIX_OK(&f->t, campaign_hold(f->t.s, "fs", CAMPAIGN_STOP, T0,
				     &cancelled, &f->t.e));
	assert_int_equal(cancelled, 6);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM deliveries "
				      "WHERE state = 'cancelled'"), 6);
	assert_int_equal(claim(f, 64, &x), 0);
	assert_int_equal(campaign_hold(f->t.s, "fs", CAMPAIGN_RESUME, T0,
				       NULL, &f->t.e), -1);
	assert_non_null(strstr(f->t.e.msg, "a stop is final"));
	assert_int_equal(campaign_hold(f->t.s, "nope", CAMPAIGN_PAUSE, T0,
				       NULL, &f->t.e), -1);
}

/* A sender that claimed before the pause hands nothing more over: the
 * hand-over finds the campaign held and gives the row back, so that a
 * resume frees it at once. */
static void
test_pause_after_claim(void **state)
{
	struct fx *f = *state;
	struct claimed x = { 0 };
	long n = 0;

	campaign_open(f, "");
	plan(f, 3);
	TFIX_OK(&f->t, store_outbox_claim(f->t.s, NULL, 2, 60, claimed_cb, &x,
					  &n, &f->t.e));
	assert_int_equal(n, 2);
	TFIX_OK(&f->t, store_outbox_handover(f->t.s, x.id[0], "<a@x>", 60,
					     &f->t.e));
	TFIX_OK(&f->t, campaign_hold(f->t.s, "fs", CAMPAIGN_PAUSE, T0, NULL,
				     &f->t.e));
	assert_int_equal(store_outbox_handover(f->t.s, x.id[1], "<b@x>", 60,
					       &f->t.e), 1);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM deliveries "
				      "WHERE owner IS NOT NULL AND state <> "
				      "'sending'"), 0);
	TFIX_OK(&f->t, campaign_hold(f->t.s, "fs", CAMPAIGN_RESUME, T0, NULL,
				     &f->t.e));
	/* the two never handed over and the confirmation */
	assert_int_equal(claim(f, 64, &x), 3);
}

/* At its deadline the campaign's own mail stops; the reply to a late
 * answer still goes. */
static void
test_deadline_claim(void **state)
{
	struct fx *f = *state;
	struct claimed x;
	char err[256];
	struct store_campaign c = { 0 };

	campaign_open(f, "deadline = 2026-12-15\n");
	plan(f, 4);
	assert_int_equal(store_campaign_find(f->t.s, "fs", find_cb, &c,
					     &f->t.e), 1);
	store_clock_set(f->t.s, c.deadline_at - 1);
	assert_int_equal(claim(f, 64, &x), 5);
	assert_int_equal(campaign_may_enqueue(f->t.s, f->cid, c.deadline_at - 1,
					      &f->t.e), 1);
	store_clock_set(f->t.s, c.deadline_at);
	assert_int_equal(claim(f, 64, &x), 1);
	assert_int_equal(x.invites, 0);
	assert_int_equal(campaign_may_enqueue(f->t.s, f->cid, c.deadline_at,
					      &f->t.e), 0);
	snprintf(err, sizeof(err), "%s", f->t.e.msg);
	assert_non_null(strstr(err, "closed: its deadline passed"));
	assert_int_equal(campaign_hold(f->t.s, "fs", CAMPAIGN_PAUSE,
				       c.deadline_at, NULL, &f->t.e), -1);
	assert_non_null(strstr(f->t.e.msg, "is closed"));
	/* moved while it runs: open again */
	assert_int_equal(put(f, "fs", "deadline = 2026-12-20\n", 1, NULL), 0);
	assert_int_equal(claim(f, 64, &x), 5);
}

/* The claim still walks deliveries_queue: no full scan, and the
 * campaign check builds no temporary table in claim or hand-over. */
static void
test_claim_plan(void **state)
{
	struct fx *f = *state;
	struct claimed x;
	sqlite3_stmt *st = NULL, *q;
	char *sql;
	int queue = 0;

	campaign_open(f, "deadline = 2026-12-15\n");
	plan(f, 20);
	assert_int_equal(claim(f, 8, &x), 8);
	for (size_t i = 0; i < f->t.s->ncache; i++)
		if (strstr(f->t.s->cache[i].sql, "SET owner = ?1, lease_until"))
			st = f->t.s->cache[i].st;
	assert_non_null(st);
	assert_int_equal(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP,
					     0), 0);
	sql = xasprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(st));
	assert_int_equal(sqlite3_prepare_v2(f->t.s->db, sql, -1, &q, NULL),
			 SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(q, 3);

		queue += strstr(d, "USING INDEX deliveries_queue") != NULL;
		if (strstr(d, "SCAN deliveries") != NULL &&
		    strstr(d, "INDEX") == NULL)
			fail_msg("the claim scans deliveries: %s", d);
	}
	sqlite3_finalize(q);
	free(sql);
	assert_int_equal(queue, 1);
}

static void
test_update_after_send(void **state)
{
	struct fx *f = *state;
	struct store_outcome sent = { .state = STORE_D_SENT, .reply = "250" };
	struct claimed x = { 0 };
	long n = 0;
	char *msg;

	campaign_open(f, "deadline = 2026-12-15\nsubject = Hello\n");
	plan(f, 2);
	/* before anything went out everything may change */
	assert_int_equal(put(f, "fs", "deadline = 2026-12-15\n"
			     "subject = Hi\n", 1, NULL), 0);
	TFIX_OK(&f->t, store_outbox_claim(f->t.s, NULL, 1, 60, claimed_cb, &x,
					  &n, &f->t.e));
	TFIX_OK(&f->t, store_outbox_handover(f->t.s, x.id[0], "<a@x>", 60,
					     &f->t.e));
	TFIX_OK(&f->t, store_outbox_complete(f->t.s, x.id[0], &sent,
					     &f->t.e));
	assert_int_equal(put(f, "fs", "deadline = 2026-12-15\n"
			     "subject = Hello again\nreference = X\n", 1, &msg),
			 -1);
	assert_non_null(strstr(msg, "already sent to 1 contacts; cannot "
			       "change subject, reference (only the deadline "
			       "can move now"));
	free(msg);
	assert_int_equal(put(f, "fs", "deadline = 2027-01-10 12:00\n"
			     "timezone = Europe/Prague\nsubject = Hi\n", 1,
			     NULL), 0);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT deadline_at FROM "
				      "campaigns WHERE name = 'fs'"),
			 INT64_C(1799578800));	/* 11:00Z */
	assert_int_equal(put(f, "other", "", 1, &msg), -1);
	assert_non_null(strstr(msg, "no campaign 'other' to update"));
	free(msg);
}

static void
test_late(void **state)
{
	struct fx *f = *state;
	struct store_campaign c = { 0 };
	struct store_answer a = { "q1", "yes" };

	campaign_open(f, "deadline = 2026-12-15\n");
	plan(f, 2);
	assert_int_equal(store_campaign_find(f->t.s, "fs", find_cb, &c,
					     &f->t.e), 1);
	store_clock_set(f->t.s, c.deadline_at - 1);
	TFIX_OK(&f->t, store_begin(f->t.s, &f->t.e));
	TFIX_OK(&f->t, store_response_add(f->t.s, f->cid, 1, 0, &a, 1, NULL,
					  &f->t.e));
	TFIX_OK(&f->t, store_commit(f->t.s, &f->t.e));
	store_clock_set(f->t.s, c.deadline_at);
	TFIX_OK(&f->t, store_begin(f->t.s, &f->t.e));
	TFIX_OK(&f->t, store_response_add(f->t.s, f->cid, 2, 0, &a, 1, NULL,
					  &f->t.e));
	TFIX_OK(&f->t, store_commit(f->t.s, &f->t.e));
	assert_int_equal(tfix_sql_int(&f->t, "SELECT group_concat(contact_id "
				      "|| ':' || late) = '1:0,2:1' FROM "
				      "(SELECT * FROM responses ORDER BY id)"),
			 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_bad_times),
		cmocka_unit_test(test_local_text),
		cmocka_unit_test(test_deadline_for),
		cmocka_unit_test(test_states),
		cmocka_unit_test_setup_teardown(test_file_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pause_resume_stop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pause_after_claim, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deadline_claim, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_claim_plan, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_update_after_send, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_late, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
