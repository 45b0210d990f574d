/* test_schedule.c -- campaign schedules with clocks the tests set (never
 * the wall clock, never a sleep): the [schedule] keys and their errors,
 * a contact's zone, sending windows and reminder times in contact zones
 * across the March and October DST changes, and the producers on a real
 * store: waves never over their rate in any hour and only inside
 * windows, reminders exactly to those who have not answered (bounced and
 * opted-out left out, an unreadable reply getting its problem note
 * again) at their local time, nothing at or after the deadline, each
 * slot firing once even with a second connection racing it, and missed
 * slots merged into one firing. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/config.h"
#include "base/cron.h"
#include "base/kind.h"
#include "base/xmem.h"
#include "model/campaign.h"
#include "model/contacts.h"
#include "model/schedule.h"
#include "send/producer.h"
#include "store/store.h"
#include "tfix.h"

/* UTC seconds of a civil UTC date and time */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static struct schedule *
sched(const char *rate, const char *window, const char *reminders)
{
	struct schedule *sc = schedule_new();
	const char *why = NULL;

	if ((rate && schedule_key(sc, "rate", rate, &why) < 0) ||
	    (window && schedule_key(sc, "window", window, &why) < 0) ||
	    (reminders && schedule_key(sc, "reminders", reminders, &why) < 0))
		fail_msg("schedule: %s", why);
	return sc;
}

/* ---- pure ------------------------------------------------------------------ */

static void
test_keys(void **state)
{
	static const struct {
		const char *key, *value;
	} bad[] = {
		{ "rate", "50" }, { "rate", "0/hour" }, { "rate", "50/day" },
		{ "window", "Mon-Fri 9:00-17:00" },
		{ "window", "Mon-Fri 17:00-09:00" },
		{ "window", "Funday 09:00-17:00" },
		{ "window", "Mon 09:00-25:00" },
		{ "reminders", "3 09:00" }, { "reminders", "7d 09:00, 3d 09:00" },
		{ "reminders", "0d 09:00" }, { "wave", "1/hour" },
	};
	struct schedule *sc = sched("50/hour", "sat-sun 10:00-12:00, "
				    "Mon-Fri 09:00-24:00", "3d 09:00,7d 18:30");
	struct schedule *back = NULL;
	const char *why;
	struct err e;

	assert_string_equal(schedule_text(sc), "rate=50/hour;window=Sat-Sun "
			    "10:00-12:00, Mon-Fri 09:00-24:00;reminders=3d "
			    "09:00, 7d 18:30;");
	assert_int_equal(schedule_rate(sc), 50);
	assert_int_equal(schedule_reminders(sc), 2);
	assert_int_equal(schedule_from_text(schedule_text(sc), &back, &e), 0);
	assert_string_equal(schedule_text(back), schedule_text(sc));
	schedule_free(&back);
	assert_int_equal(schedule_key(sc, "rate", "10/hour", &why), -1);
	assert_string_equal(why, "set twice");
	schedule_free(&sc);
	assert_null(sc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		sc = schedule_new();
		why = NULL;
		if (schedule_key(sc, bad[i].key, bad[i].value, &why) != -1)
			fail_msg("accepted %s = %s", bad[i].key, bad[i].value);
		assert_non_null(why);
		schedule_free(&sc);
	}
	assert_int_equal(schedule_from_text("rate=5", &back, &e), -1);
}

static void
test_zone(void **state)
{
	assert_string_equal(schedule_zone("BG", NULL), "Europe/Sofia");
	assert_string_equal(schedule_zone("be", ""), "Europe/Brussels");
	assert_string_equal(schedule_zone("CZ", NULL), "Europe/Prague");
	assert_string_equal(schedule_zone("NL", NULL), "Europe/Amsterdam");
	assert_string_equal(schedule_zone("FR", NULL), "UTC");
	assert_string_equal(schedule_zone(NULL, NULL), "UTC");
	assert_string_equal(schedule_zone("BG", "America/Toronto"),
			    "America/Toronto");
}

static struct tz *
zone(const char *name)
{
	struct err e;
	struct tz *tz = tz_load(name, &e);

	if (tz == NULL)
		fail_msg("%s", e.msg);
	return tz;
}

/* Weekdays 09:00-17:00 local: Sofia moves from +2 to +3 on Sunday
 * 2026-03-29 (03:00 -> 04:00), Brussels from +1 to +2 (02:00 -> 03:00);
 * back on 2026-10-25. */
static void
test_window_dst(void **state)
{
	struct schedule *sc = sched(NULL, "Mon-Fri 09:00-17:00", NULL);
	struct tz *sofia = zone("Europe/Sofia"), *bxl = zone("Europe/Brussels");
	static const struct {
		int d, h, mi;	/* UTC on 2026-03-d */
		int sofia, bxl;
	} cases[] = {
		{ 27, 6, 59, 0, 0 }, { 27, 7, 0, 1, 0 },   /* Fri, winter */
		{ 27, 8, 0, 1, 1 }, { 27, 14, 59, 1, 1 },
		{ 27, 15, 0, 0, 1 }, { 27, 16, 0, 0, 0 },
		{ 28, 10, 0, 0, 0 }, { 29, 10, 0, 0, 0 },   /* weekend */
		{ 30, 5, 59, 0, 0 }, { 30, 6, 0, 1, 0 },   /* Mon, summer */
		{ 30, 7, 0, 1, 1 }, { 30, 13, 59, 1, 1 },
		{ 30, 14, 0, 0, 1 }, { 30, 15, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int64_t t = utc(2026, 3, cases[i].d, cases[i].h, cases[i].mi);

		if (schedule_in_window(sc, sofia, t) != cases[i].sofia ||
		    schedule_in_window(sc, bxl, t) != cases[i].bxl)
			fail_msg("case %zu: 2026-03-%02d %02d:%02dZ", i,
				 cases[i].d, cases[i].h, cases[i].mi);
	}
	/* October: Monday 2026-10-26, back on winter time */
	assert_int_equal(schedule_in_window(sc, bxl, utc(2026, 10, 26, 7, 59)),
			 0);
	assert_int_equal(schedule_in_window(sc, bxl, utc(2026, 10, 26, 8, 0)),
			 1);
	tz_free(&sofia);
	tz_free(&bxl);
	schedule_free(&sc);
}

/* N days after the first mail's local date, at the local time: across
 * the change, a skipped time at the jump, a repeated one at its first
 * occurrence. */
static void
test_reminder_due(void **state)
{
	struct schedule *sc = sched(NULL, NULL, "1d 02:30, 3d 09:00");
	struct schedule *s3 = sched(NULL, NULL, "1d 03:30");
	struct tz *bxl = zone("Europe/Brussels"), *sofia = zone("Europe/Sofia");
	struct tz *prg = zone("Europe/Prague");

	/* Thursday 2026-03-26 16:00 Brussels (+1) -> Sunday 09:00 (+2) */
	assert_int_equal(schedule_reminder_due(sc, 1, bxl,
			 utc(2026, 3, 26, 15, 0)), utc(2026, 3, 29, 7, 0));
	/* the first mail late in the local evening: its local date counts
	 * (23:30 UTC on the 25th is the 26th in Sofia) */
	assert_int_equal(schedule_reminder_due(sc, 1, sofia,
			 utc(2026, 3, 25, 23, 30)), utc(2026, 3, 29, 6, 0));
	/* 02:30 on 2026-03-29 does not exist in Brussels or Prague: 03:00
	 * local, 01:00 UTC */
	assert_int_equal(schedule_reminder_due(sc, 0, bxl,
			 utc(2026, 3, 28, 10, 0)), utc(2026, 3, 29, 1, 0));
	assert_int_equal(schedule_reminder_due(sc, 0, prg,
			 utc(2026, 3, 28, 10, 0)), utc(2026, 3, 29, 1, 0));
	/* 03:30 in Sofia neither (03:00 -> 04:00): 01:00 UTC */
	assert_int_equal(schedule_reminder_due(s3, 0, sofia,
			 utc(2026, 3, 28, 10, 0)), utc(2026, 3, 29, 1, 0));
	/* 02:30 on 2026-10-25 happens twice in Brussels: the first, +2 */
	assert_int_equal(schedule_reminder_due(sc, 0, bxl,
			 utc(2026, 10, 24, 10, 0)), utc(2026, 10, 25, 0, 30));
	assert_int_equal(schedule_reminder_due(s3, 0, sofia,
			 utc(2026, 10, 24, 10, 0)), utc(2026, 10, 25, 0, 30));
	/* February 29 counts as a day */
	assert_int_equal(schedule_reminder_due(sc, 1, bxl,
			 utc(2028, 2, 27, 12, 0)), utc(2028, 3, 1, 8, 0));
	tz_free(&bxl);
	tz_free(&sofia);
	tz_free(&prg);
	schedule_free(&sc);
	schedule_free(&s3);
}

static void
test_deadline_wave_at(void **state)
{
	int64_t t = 0;

	assert_int_equal(schedule_deadline("2026-12-20", &t), 0);
	assert_int_equal(t, utc(2026, 12, 21, 0, 0));
	assert_int_equal(schedule_deadline("2026-12-20T17:30", &t), 0);
	assert_int_equal(t, utc(2026, 12, 20, 17, 30));
	assert_int_equal(schedule_deadline("2026-02-30", &t), -1);
	assert_int_equal(schedule_deadline(NULL, &t), -1);
	assert_int_equal(schedule_wave_at(7200, 0), 7200);
	assert_int_equal(schedule_wave_at(7200, 5000), 8600);
	assert_int_equal(schedule_wave_at(7200, 3600), 7200);
}

/* ---- producers on a store ------------------------------------------------- */

struct fixture {
	char dir[TFIX_DIR_MAX];
	char *db;
	struct store *s;
	struct config cfg;
	int64_t cid;
};

static const char contacts_csv[] =
	"email,name,municipality,country,language,groups,role,timezone\n"
	"ivan@example.org,Ivan,Kavarna,BG,bg,fs,mayor,\n"
	"jana@example.org,Jana,Ostrava,CZ,cs,fs,coordinator,\n"
	"pieter@example.org,Pieter,Gent,BE,nl,fs,officer,\n"
	"anna@example.org,Anna,Brussels,BE,en,fs,officer,\n"
	"other@example.org,Nobody,Elsewhere,BE,en,other,officer,\n";

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct contacts_stats cst;
	struct errlist errs = { 0 };
	char *p;

	if (tfix_open("test_schedule", f->dir, &f->s) < 0)
		return -1;
	f->db = xasprintf("%s/anketa.db", f->dir);
	f->cfg.templates_dir = xstrdup("templates");
	f->cfg.surveys_dir = xstrdup("surveys");
	f->cfg.schema_path = xstrdup("surveys/survey.rng");
	f->cfg.from_address = xstrdup("organiser@example.org");
	f->cfg.reply_to = xstrdup("organiser+{token}@example.org");
	f->cfg.return_path = xstrdup("bounces+{token}@example.org");
	f->cfg.message_id_domain = xstrdup("example.org");
	p = xasprintf("%s/c.csv", f->dir);
	write_file(p, contacts_csv);
	if (contacts_import(f->s, p, 0, &cst, &errs) != 0) {
		print_error("%s\n", errs.n ? errs.v[0] : "import");
		return -1;
	}
	free(p);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tfix_close(f->dir, &f->s);
	free(f->db);
	tfix_cfg_free(&f->cfg);
	free(f);
	return 0;
}

static int
id_cb(void *arg, const struct store_campaign *c)
{
	*(int64_t *)arg = c->id;
	return 0;
}

/* Campaign fs26 (group fs, deadline 2026-03-15) with this [schedule]. */
static void
add_campaign(struct fixture *f, const char *schedule)
{
	struct errlist errs = { 0 };
	char *path = xasprintf("%s/fs26.campaign", f->dir);
	char *text = xasprintf("[campaign]\nname = fs26\nkind = survey\n"
			       "questionnaire = field-study.xml\n"
			       "template = survey\ndeadline = 2026-03-15\n"
			       "[audience]\ngroup = fs\n[schedule]\n%s",
			       schedule);
	struct err e;

	write_file(path, text);
	if (campaign_add(f->s, &f->cfg, path, NULL, &errs) != 0)
		fail_msg("campaign_add: %s", errs.n ? errs.v[0] : "?");
	assert_int_equal(store_campaign_find(f->s, "fs26", id_cb, &f->cid, &e),
			 1);
	free(text);
	free(path);
}

/* Run SQL on a connection of its own (what another process would do). */
static void
sql(struct fixture *f, const char *q)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
	sqlite3_close(db);
}

static long long
count(struct fixture *f, const char *where)
{
	char *q = xasprintf("SELECT count(*) FROM deliveries d JOIN contacts "
			    "c ON c.id = d.contact_id WHERE %s", where);
	long long n = tfix_path_int(f->db, q);

	free(q);
	return n;
}

static void
waves(struct fixture *f, int64_t slot)
{
	struct err e;

	store_clock_set(f->s, slot);
	if (producer_waves(f->s, &f->cfg, slot, &e) != 0)
		fail_msg("waves at %lld: %s", (long long)slot, e.msg);
}

/* Monday 2026-03-02, winter time: 09:00 is 07:00Z in Sofia, 08:00Z in
 * Prague and Brussels. Two an hour, each in its own window. */
static void
test_waves_windows(void **state)
{
	struct fixture *f = *state;

	add_campaign(f, "rate = 2/hour\nwindow = Mon-Fri 09:00-17:00\n");
	waves(f, utc(2026, 3, 2, 6, 0));	/* nobody's window is open */
	assert_int_equal(count(f, "1"), 0);
	waves(f, utc(2026, 3, 2, 7, 0));	/* only Sofia's */
	assert_int_equal(count(f, "1"), 1);
	assert_int_equal(count(f, "c.email = 'ivan@example.org' AND "
			 "d.kind = 'invite'"), 1);
	waves(f, utc(2026, 3, 2, 8, 0));	/* all: two of the three */
	assert_int_equal(count(f, "1"), 3);
	assert_int_equal(count(f, "d.not_before = strftime('%s', "
			 "'2026-03-02 08:00')"), 2);
	waves(f, utc(2026, 3, 2, 9, 0));
	assert_int_equal(count(f, "1"), 4);
	assert_int_equal(count(f, "c.email = 'other@example.org'"), 0);
	/* the same slot again: nothing more, one firing per slot */
	waves(f, utc(2026, 3, 2, 9, 0));
	assert_int_equal(tfix_path_int(f->db, "SELECT count(*) FROM firings"),
			 3);
}

/* Firings every ten minutes for a day, at one an hour: no hour, clock
 * or rolling, ever holds two, and every mail is inside its window. */
static void
test_waves_limit(void **state)
{
	struct fixture *f = *state;
	int64_t t0 = utc(2026, 3, 6, 5, 10);	/* Friday */

	add_campaign(f, "rate = 1/hour\nwindow = Mon-Fri 09:00-11:30\n");
	for (int64_t t = t0; t < t0 + 86400; t += 600)
		waves(f, t);
	assert_int_equal(count(f, "d.kind = 'invite'"), 4);
	assert_int_equal(count(f, "EXISTS (SELECT 1 FROM deliveries y WHERE "
			 "y.id <> d.id AND y.not_before >= d.not_before AND "
			 "y.not_before < d.not_before + 3600)"), 0);
	/* local start 09:00..10:30 in each zone (+2 Sofia, +1 others) */
	assert_int_equal(count(f, "(d.not_before - strftime('%s', "
			 "'2026-03-06')) / 60 + CASE c.country WHEN 'BG' THEN "
			 "120 ELSE 60 END BETWEEN 540 AND 689"), 4);
	/* Sofia's window opens first */
	assert_int_equal(count(f, "c.country = 'BG' AND d.not_before = "
			 "strftime('%s', '2026-03-06 07:00')"), 1);
}

/* docs/campaign-format.md's field study: 300 contacts, 100 each in
 * Bulgaria, Belgium and the Czech Republic, 100/hour on working days
 * 09:00-17:00 local. Added on Monday 2026-03-02 before 07:00Z: three
 * waves, 07:00Z (Sofia's 09:00: its 100), 08:00Z and 09:00Z. */
static void
test_field_study(void **state)
{
	struct fixture *f = *state;
	static const char *const cc[] = { "BG", "BE", "CZ" };
	struct contacts_stats cst;
	struct errlist errs = { 0 };
	char *p = xasprintf("%s/fs.csv", f->dir);
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	fputs("email,country,language,groups\n", fp);
	for (int i = 0; i < 300; i++)
		fprintf(fp, "p%03d@example.org,%s,en,fs\n", i, cc[i % 3]);
	fclose(fp);
	if (contacts_import(f->s, p, 0, &cst, &errs) != 0)
		fail_msg("import: %s", errs.n ? errs.v[0] : "?");
	free(p);
	add_campaign(f, "rate = 100/hour\nwindow = Mon-Fri 09:00-17:00\n"
		     "reminders = 3d 09:00, 7d 09:00\n");
	/* the 4 fixture contacts of group fs are in too: 304, so a fourth
	 * wave of 4 at 10:00Z */
	for (int h = 5; h < 24; h++)
		waves(f, utc(2026, 3, 2, h, 0));
	assert_int_equal(count(f, "1"), 304);
	assert_int_equal(tfix_path_int(f->db, "SELECT count(*) FROM firings"),
			 4);
	/* 07:00Z: a full wave, Bulgarians only (101 of them: one waits) */
	assert_int_equal(count(f, "c.country = 'BG' AND d.not_before = "
			 "strftime('%s', '2026-03-02 07:00')"), 100);
	assert_int_equal(count(f, "d.not_before = strftime('%s', "
			 "'2026-03-02 07:00')"), 100);
	assert_int_equal(count(f, "d.not_before = strftime('%s', "
			 "'2026-03-02 08:00')"), 100);
	assert_int_equal(count(f, "d.not_before = strftime('%s', "
			 "'2026-03-02 09:00')"), 100);
	assert_int_equal(count(f, "d.not_before = strftime('%s', "
			 "'2026-03-02 10:00')"), 4);
}

/* The contacts file's timezone column: a zone the system knows, or the
 * row is refused with FILE:LINE; waves use it over the country's. */
static void
test_contact_zone(void **state)
{
	struct fixture *f = *state;
	struct contacts_stats cst;
	struct errlist errs = { 0 };
	char *p = xasprintf("%s/z.csv", f->dir);

	write_file(p, "email,country,timezone\nivan@example.org,BG,"
		   "America/Toronto\nzed@example.org,BG,Mars/Olympus\n");
	assert_int_equal(contacts_import(f->s, p, 0, &cst, &errs), -1);
	assert_true(errs.n >= 1);
	assert_non_null(strstr(errs.v[0], "z.csv:3: unknown time zone "
			       "\"Mars/Olympus\""));
	errlist_free(&errs);
	write_file(p, "email,country,groups,timezone\nivan@example.org,BG,"
		   "fs,America/Toronto\n");
	assert_int_equal(contacts_import(f->s, p, 0, &cst, &errs), 0);
	free(p);
	add_campaign(f, "rate = 10/hour\nwindow = Mon 09:00-10:00\n");
	/* 07:00Z is 09:00 in Sofia but 02:00 in Toronto: not Ivan */
	waves(f, utc(2026, 3, 2, 7, 0));
	assert_int_equal(count(f, "1"), 0);
	/* 14:00Z is 09:00 in Toronto (EST, -5) */
	waves(f, utc(2026, 3, 2, 14, 0));
	assert_int_equal(count(f, "c.email = 'ivan@example.org'"), 1);
}

struct racer {
	const char *path;
	const struct config *cfg;
	int64_t slot;
	int rc;
	struct err e;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct store *s = NULL;

	r->rc = store_open(r->path, &s, &r->e);
	if (r->rc == 0) {
		store_clock_set(s, r->slot);
		r->rc = producer_waves(s, r->cfg, r->slot, &r->e);
	}
	store_free(&s);
	return NULL;
}

/* Two connections (as two processes) fire the same slot at once: the
 * wave goes out once. */
static void
test_once_racing(void **state)
{
	struct fixture *f = *state;
	struct racer r[4];
	pthread_t th[4];

	add_campaign(f, "rate = 3/hour\n");
	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){ f->db, &f->cfg, utc(2026, 3, 2, 10, 0),
				       -2, { "" } };
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (r[i].rc != 0)
			fail_msg("racer %d: %s", i, r[i].e.msg);
	}
	assert_int_equal(count(f, "1"), 3);
	assert_int_equal(tfix_path_int(f->db, "SELECT count(*) FROM firings"),
			 1);
	assert_int_equal(tfix_path_int(f->db, "SELECT enqueued FROM firings"),
			 3);
}

static void
reminders(struct fixture *f, int64_t slot)
{
	struct err e;

	store_clock_set(f->s, slot);
	if (producer_reminders(f->s, &f->cfg, slot, &e) != 0)
		fail_msg("reminders at %lld: %s", (long long)slot, e.msg);
}

/* Invited on Monday 2026-03-02 10:00Z; Pieter answered, Anna opted out,
 * Jana's reply could not be read (her problem note went out), Ivan said
 * nothing. */
static void
reminder_fixture(struct fixture *f)
{
	struct err e;

	add_campaign(f, "reminders = 3d 09:00, 7d 09:00\n");
	store_clock_set(f->s, utc(2026, 3, 2, 10, 0));
	if (producer_invites(f->s, &f->cfg, utc(2026, 3, 2, 10, 0), &e) != 0)
		fail_msg("invites: %s", e.msg);
	sql(f, "UPDATE deliveries SET state = 'sent', updated = "
	    "strftime('%s', '2026-03-02 10:00');"
	    "UPDATE contacts SET status = 'opted-out' WHERE email = "
	    "'anna@example.org';"
	    "INSERT INTO inbound(id, src_key, kind, contact_id, campaign_id, "
	    "created) SELECT 1, 'k1', 'answers', id, 1, 0 FROM contacts WHERE "
	    "email = 'pieter@example.org';"
	    "INSERT INTO responses(campaign_id, contact_id, inbound_id, "
	    "created) SELECT 1, id, 1, 0 FROM contacts WHERE email = "
	    "'pieter@example.org';"
	    "INSERT INTO inbound(id, src_key, kind, contact_id, campaign_id, "
	    "created) SELECT 2, 'k2', 'unreadable', id, 1, 0 FROM contacts "
	    "WHERE email = 'jana@example.org';"
	    "INSERT INTO responses(campaign_id, contact_id, inbound_id, "
	    "created) SELECT 1, id, 2, 0 FROM contacts WHERE email = "
	    "'jana@example.org';"
	    "INSERT INTO deliveries(campaign_id, contact_id, kind, state, "
	    "token, vars, inbound_id, queued, created, updated) SELECT 1, id, "
	    "'problem', 'sent', 'tok-p', '{\"p:q1\":\"not a number\"}', 2, 0, "
	    "0, 0 FROM contacts WHERE email = 'jana@example.org';");
}

static void
test_reminders_who_when(void **state)
{
	struct fixture *f = *state;

	reminder_fixture(f);
	/* 3 days on, 09:00 local: 07:00Z in Sofia, 08:00Z in Prague */
	reminders(f, utc(2026, 3, 5, 6, 45));
	assert_int_equal(count(f, "d.round > 0"), 0);
	reminders(f, utc(2026, 3, 5, 7, 0));
	assert_int_equal(count(f, "d.round > 0"), 1);
	assert_int_equal(count(f, "d.round = 1 AND d.kind = 'reminder' AND "
			 "c.email = 'ivan@example.org' AND d.not_before = "
			 "strftime('%s', '2026-03-05 07:00')"), 1);
	reminders(f, utc(2026, 3, 5, 7, 45));
	assert_int_equal(count(f, "d.round > 0"), 1);
	reminders(f, utc(2026, 3, 5, 8, 0));
	/* Jana: her problem note again, with what it listed; no reminder */
	assert_int_equal(count(f, "d.round = 1 AND d.kind = 'problem' AND "
			 "c.email = 'jana@example.org' AND d.vars LIKE "
			 "'%not a number%' AND d.inbound_id = 2"), 1);
	assert_int_equal(count(f, "d.kind = 'reminder' AND c.email <> "
			 "'ivan@example.org'"), 0);
	/* the same slots again add nothing */
	reminders(f, utc(2026, 3, 5, 8, 0));
	reminders(f, utc(2026, 3, 5, 7, 0));
	assert_int_equal(count(f, "d.round > 0"), 2);
	/* 7 days on: the second round, the same two */
	reminders(f, utc(2026, 3, 9, 8, 0));
	assert_int_equal(count(f, "d.round = 2"), 2);
	/* after the deadline (end of 2026-03-15): nothing, ever */
	sql(f, "DELETE FROM deliveries WHERE round = 2");
	reminders(f, utc(2026, 3, 16, 0, 0));
	assert_int_equal(count(f, "d.round = 2"), 0);
}

/* The daemon was down through both reminders: the slot at start fires
 * once, each contact gets one mail (the later round), not two. */
static void
test_reminders_missed_merged(void **state)
{
	struct fixture *f = *state;
	struct cron *c;
	int64_t slot;
	struct err e;

	reminder_fixture(f);
	c = cron_parse("*/15 * * * *", "UTC", &e);
	assert_non_null(c);
	assert_int_equal(producer_prev_slot(c, utc(2026, 3, 10, 12, 7),
					    &slot, &e), 0);
	assert_int_equal(slot, utc(2026, 3, 10, 12, 0));
	cron_free(&c);
	reminders(f, slot);
	assert_int_equal(count(f, "d.round > 0"), 2);
	assert_int_equal(count(f, "d.round = 2 AND d.not_before = "
			 "strftime('%s', '2026-03-10 12:00')"), 2);
	assert_int_equal(tfix_path_int(f->db, "SELECT count(*) FROM firings"),
			 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_window_dst),
		cmocka_unit_test(test_reminder_due),
		cmocka_unit_test(test_deadline_wave_at),
		cmocka_unit_test_setup_teardown(test_waves_windows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_waves_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_field_study, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_contact_zone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_once_racing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reminders_who_when, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reminders_missed_merged,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
