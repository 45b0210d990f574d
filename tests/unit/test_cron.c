/* test_cron.c -- cron expressions in time zones, with a clock the test
 * sets (every "after" below is a literal instant; nothing sleeps or reads
 * the time of day).
 *
 * The DST cases follow cronie's documented behaviour, man 8 cron
 * (cronie 1.7), section "Daylight Saving Time and other time changes":
 *   "Local time changes of less than three hours, such as those caused by
 *    the Daylight Saving Time changes, are handled in a special way. This
 *    only applies to jobs that run at a specific time and jobs that run
 *    with a granularity greater than one hour. Jobs that run more
 *    frequently are scheduled normally.
 *    If time was adjusted one hour forward, those jobs that would have run
 *    in the interval that has been skipped will be run immediately.
 *    Conversely, if time was adjusted backward, running the same job twice
 *    is avoided."
 * and its code: src/entry.c sets MIN_STAR/HR_STAR when the minute/hour
 * field starts with '*', and src/cron.c find_jobs() runs such "wildcard"
 * jobs by the clock only; DOM_STAR/DOW_STAR select AND, else OR.
 *
 * EU rule (2026): summer time from the last Sunday of March (29th) to the
 * last Sunday of October (25th), both changes at 01:00 UTC: Brussels and
 * Prague 02:00 -> 03:00 and 03:00 -> 02:00 local, Sofia 03:00 -> 04:00 and
 * 04:00 -> 03:00. US rule: second Sunday of March (8th), first Sunday of
 * November (1st), at 02:00 local.
 *
 * The machine's zone is set to America/New_York in main(), so a test that
 * passes there and for Europe/... proves the process zone is not used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/cron.h"
#include "base/tz.h"

/* "YYYY-MM-DD HH:MM" UTC -> seconds, by libc (independent of cron.c). */
static int64_t U(const char *s)
{
	struct tm tm = {0};
	int n = sscanf(s, "%d-%d-%d %d:%d", &tm.tm_year, &tm.tm_mon,
		       &tm.tm_mday, &tm.tm_hour, &tm.tm_min);
	assert_int_equal(n, 5);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

static const char *show(int64_t t)
{
	static char buf[4][32];
	static int i;
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	i = (i + 1) % 4;
	strftime(buf[i], sizeof buf[i], "%Y-%m-%d %H:%M", &tm);
	return buf[i];
}

static struct cron *parse_ok(const char *expr, const char *zone)
{
	struct err e = {{0}};
	struct cron *c = cron_parse(expr, zone, &e);
	if (c == NULL)
		fail_msg("%s in %s: %s", expr, zone, e.msg);
	return c;
}

static int64_t next_of(const struct cron *c, int64_t after)
{
	struct err e = {{0}};
	int64_t t = 0;
	if (cron_next(c, after, &t, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(t > after);
	return t;
}

/* Firings of expr in zone after `from`, in UTC, compared as text. */
static void expect_seq(const char *expr, const char *zone, const char *from,
		       const char *const *want)
{
	struct cron *c = parse_ok(expr, zone);
	int64_t t = U(from);
	for (int i = 0; want[i] != NULL; i++) {
		t = next_of(c, t);
		if (strcmp(show(t), want[i]) != 0)
			fail_msg("%s in %s, firing %d after %s: got %s, want %s",
				 expr, zone, i + 1, from, show(t), want[i]);
	}
	cron_free(&c);
}

#define SEQ(expr, zone, from, ...)                                           \
	expect_seq(expr, zone, from, (const char *const[]){__VA_ARGS__, NULL})

/* --- parsing --- */

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *expr, *zone, *msg;
	} cases[] = {
		{"0 25 * * *", "UTC", "field 2 (hour): 25 is out of range 0-23"},
		{"60 * * * *", "UTC", "field 1 (minute): 60 is out of range 0-59"},
		{"123456 * * * *", "UTC",
		 "field 1 (minute): 123456 is out of range 0-59"},
		{"* * 0 * *", "UTC",
		 "field 3 (day of month): 0 is out of range 1-31"},
		{"* * 32 * *", "UTC",
		 "field 3 (day of month): 32 is out of range 1-31"},
		{"* * * 13 *", "UTC", "field 4 (month): 13 is out of range 1-12"},
		{"* * * * 8", "UTC",
		 "field 5 (day of week): 8 is out of range 0-7"},
		{"* * * foo *", "UTC",
		 "field 4 (month): \"foo\" is not a number or a name"},
		{"* * * * mon-fry", "UTC",
		 "field 5 (day of week): \"fry\" is not a number or a name"},
		{"* * * * fri-mon", "UTC",
		 "field 5 (day of week): range 5-1 runs backwards"},
		{"x * * * *", "UTC", "field 1 (minute): \"x\" is not a number"},
		{"5-1 * * * *", "UTC", "field 1 (minute): range 5-1 runs backwards"},
		{"*/0 * * * *", "UTC",
		 "field 1 (minute): step \"0\" is not a number from 1 to 59"},
		{"0 */24 * * *", "UTC",
		 "field 2 (hour): step \"24\" is not a number from 1 to 23"},
		{"0 1-5/ * * *", "UTC",
		 "field 2 (hour): step \"\" is not a number from 1 to 23"},
		{"5/10 * * * *", "UTC",
		 "field 1 (minute): a step needs * or a range before it"},
		{"1,,2 * * * *", "UTC", "field 1 (minute): empty item in the list"},
		{"1, * * * *", "UTC", "field 1 (minute): empty item in the list"},
		/* no spaces inside a list */
		{"0 9 1, 15 * *", "UTC", "expected 5 fields (minute hour "
					 "day-of-month month day-of-week), found "
					 "more than 5"},
		{"0 9 1, * *", "UTC",
		 "field 3 (day of month): empty item in the list"},
		{"1-2x * * * *", "UTC", "field 1 (minute): unexpected \"x\""},
		{"* * * *", "UTC", "expected 5 fields (minute hour day-of-month "
				   "month day-of-week), found 4"},
		{"* * * * * *", "UTC", "expected 5 fields (minute hour "
				       "day-of-month month day-of-week), found "
				       "more than 5"},
		{"", "UTC", "expected 5 fields (minute hour day-of-month month "
			    "day-of-week), found 0"},
		{"@reboot", "UTC", "unknown shorthand \"@reboot\" (use @yearly, "
				   "@annually, @monthly, @weekly, @daily, "
				   "@midnight or @hourly)"},
		{"@daily 5", "UTC", "unknown shorthand \"@daily\" (use @yearly, "
				    "@annually, @monthly, @weekly, @daily, "
				    "@midnight or @hourly)"},
		{"0 9 * * *", "Europe/Atlantis",
		 "unknown time zone \"Europe/Atlantis\""},
		{"0 9 * * *", "../../etc/passwd",
		 "unknown time zone \"../../etc/passwd\""},
		{"0 9 * * *", "/etc/localtime", "unknown time zone \"/etc/localtime\""},
		{"0 9 * * *", "", "unknown time zone \"\""},
		{"0 9 * * *", "Europe", "unknown time zone \"Europe\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct err e = {{0}};
		struct cron *c = cron_parse(cases[i].expr, cases[i].zone, &e);
		if (c != NULL)
			fail_msg("\"%s\" parsed", cases[i].expr);
		if (strcmp(e.msg, cases[i].msg) != 0)
			fail_msg("\"%s\": got \"%s\", want \"%s\"",
				 cases[i].expr, e.msg, cases[i].msg);
	}
}

static void test_parse_keeps_text(void **state)
{
	(void)state;
	struct cron *c = parse_ok("  30 2 * * *", "Europe/Prague");
	assert_string_equal(cron_text(c), "  30 2 * * *");
	assert_string_equal(cron_zone(c), "Europe/Prague");
	cron_free(&c);
	assert_null(c);
	cron_free(&c); /* twice is harmless */
}

/* --- ranges, steps, lists, names (UTC) --- */

static void test_steps_ranges_lists(void **state)
{
	(void)state;
	SEQ("*/15 * * * *", "UTC", "2026-05-04 10:07", "2026-05-04 10:15",
	    "2026-05-04 10:30", "2026-05-04 10:45", "2026-05-04 11:00");
	SEQ("1-30/7 9 * * *", "UTC", "2026-05-04 08:00", "2026-05-04 09:01",
	    "2026-05-04 09:08", "2026-05-04 09:15", "2026-05-04 09:22",
	    "2026-05-04 09:29", "2026-05-05 09:01");
	SEQ("0 8,12-13,20 * * *", "UTC", "2026-05-04 12:00",
	    "2026-05-04 13:00", "2026-05-04 20:00", "2026-05-05 08:00",
	    "2026-05-05 12:00");
	/* names in any case; mon-fri skips the weekend (2026-05-08 Friday) */
	SEQ("0 9 * * MON-fri", "UTC", "2026-05-08 09:00", "2026-05-11 09:00",
	    "2026-05-12 09:00");
	SEQ("0 0 1 jan,Jul *", "UTC", "2026-05-04 00:00", "2026-07-01 00:00",
	    "2027-01-01 00:00");
	SEQ("0 0 1 feb-apr/2 *", "UTC", "2026-05-04 00:00",
	    "2027-02-01 00:00", "2027-04-01 00:00", "2028-02-01 00:00");
	/* Sunday is 0, 7 and sun (2026-05-10 is a Sunday) */
	SEQ("0 6 * * 7", "UTC", "2026-05-04 00:00", "2026-05-10 06:00",
	    "2026-05-17 06:00");
	SEQ("0 6 * * 0", "UTC", "2026-05-04 00:00", "2026-05-10 06:00",
	    "2026-05-17 06:00");
	SEQ("0 6 * * Sun", "UTC", "2026-05-04 00:00", "2026-05-10 06:00",
	    "2026-05-17 06:00");
	SEQ("0 6 * * 5-7", "UTC", "2026-05-04 00:00", "2026-05-08 06:00",
	    "2026-05-09 06:00", "2026-05-10 06:00", "2026-05-15 06:00");
	/* the examples of docs/schedule-times.md; 2026-05-08 is a Friday */
	SEQ("0 9-17/2 * * 1-5", "UTC", "2026-05-08 16:00", "2026-05-08 17:00",
	    "2026-05-11 09:00", "2026-05-11 11:00");
	SEQ("30 8 1,15 * *", "UTC", "2026-05-08 16:00", "2026-05-15 08:30",
	    "2026-06-01 08:30");
	/* strictly after: an instant on a firing gives the next one */
	SEQ("0 9 * * *", "UTC", "2026-05-04 09:00", "2026-05-05 09:00");
}

/* Day of month and day of week: OR when both are restricted, AND when
 * either starts with '*' (cronie find_jobs). 2026-06-01 is a Monday. */
static void test_dom_dow_rule(void **state)
{
	(void)state;
	SEQ("0 12 1,15 * mon", "UTC", "2026-05-31 00:00", "2026-06-01 12:00",
	    "2026-06-08 12:00", "2026-06-15 12:00", "2026-06-22 12:00",
	    "2026-06-29 12:00", "2026-07-01 12:00", "2026-07-06 12:00");
	SEQ("0 12 13 * fri", "UTC", "2026-02-01 00:00", "2026-02-06 12:00",
	    "2026-02-13 12:00", "2026-02-20 12:00");
	SEQ("0 12 * * mon", "UTC", "2026-05-31 00:00", "2026-06-01 12:00",
	    "2026-06-08 12:00", "2026-06-15 12:00");
	SEQ("0 12 1,15 * *", "UTC", "2026-05-31 00:00", "2026-06-01 12:00",
	    "2026-06-15 12:00", "2026-07-01 12:00");
	/* "*" + step still counts as '*': AND, odd days that are Mondays */
	SEQ("0 12 */2 * mon", "UTC", "2026-05-31 00:00", "2026-06-01 12:00",
	    "2026-06-15 12:00", "2026-06-29 12:00", "2026-07-13 12:00");
	/* a range with a step is restricted: OR (31st, then Monday 1st) */
	SEQ("0 12 1-31/2 * mon", "UTC", "2026-05-31 00:00",
	    "2026-05-31 12:00", "2026-06-01 12:00", "2026-06-03 12:00",
	    "2026-06-05 12:00", "2026-06-07 12:00", "2026-06-08 12:00");
}

static void test_shorthands(void **state)
{
	(void)state;
	/* 2026-11-29 is a Sunday; Sofia is UTC+2 in winter */
	SEQ("@weekly", "Europe/Sofia", "2026-11-29 12:00", "2026-12-05 22:00",
	    "2026-12-12 22:00");
	SEQ("@daily", "Europe/Sofia", "2026-11-29 12:00", "2026-11-29 22:00",
	    "2026-11-30 22:00");
	SEQ("@midnight", "Europe/Sofia", "2026-11-29 12:00",
	    "2026-11-29 22:00");
	SEQ("@monthly", "Europe/Sofia", "2026-11-29 12:00",
	    "2026-11-30 22:00", "2026-12-31 22:00");
	SEQ("@yearly", "Europe/Sofia", "2026-11-29 12:00", "2026-12-31 22:00",
	    "2027-12-31 22:00");
	SEQ("@annually", "Europe/Sofia", "2026-11-29 12:00",
	    "2026-12-31 22:00");
	SEQ("@hourly", "Europe/Sofia", "2026-11-29 12:10", "2026-11-29 13:00",
	    "2026-11-29 14:00");
	/* each is the same schedule as its expansion, 50 firings on */
	static const char *pairs[][2] = {
		{"@weekly", "0 0 * * 0"}, {"@monthly", "0 0 1 * *"},
		{"@daily", "0 0 * * *"}, {"@hourly", "0 * * * *"},
		{"@yearly", "0 0 1 1 *"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
		struct cron *a = parse_ok(pairs[i][0], "Europe/Brussels");
		struct cron *b = parse_ok(pairs[i][1], "Europe/Brussels");
		int64_t ta = U("2026-01-01 00:00"), tb = ta;
		for (int k = 0; k < 50; k++) {
			ta = next_of(a, ta);
			tb = next_of(b, tb);
			assert_int_equal(ta, tb);
		}
		cron_free(&a);
		cron_free(&b);
	}
}

/* --- February 29 and the horizon --- */

static void test_february_29(void **state)
{
	(void)state;
	/* 09:00 in Sofia in winter is 07:00 UTC */
	SEQ("0 9 29 2 *", "Europe/Sofia", "2026-01-01 00:00",
	    "2028-02-29 07:00", "2032-02-29 07:00");
	/* 2100 is no leap year: 2096 -> 2104, inside the 8-year horizon,
	 * and past the zone's table (the footer rule gives the offset) */
	SEQ("0 9 29 2 *", "Europe/Sofia", "2096-03-01 00:00",
	    "2104-02-29 07:00");
	struct cron *c = parse_ok("0 0 30 2 *", "UTC");
	struct err e = {{0}};
	int64_t t = 42;
	assert_int_equal(cron_next(c, U("2026-01-01 00:00"), &t, &e), -1);
	assert_int_equal(t, 42);
	assert_string_equal(e.msg, "\"0 0 30 2 *\" in UTC: no time matches "
				   "within 8 years");
	cron_free(&c);
}

/* --- DST: fixed times --- */

static void test_dst_spring_fixed(void **state)
{
	(void)state;
	/* 02:30 does not exist on 2026-03-29 in Brussels and Prague: it
	 * fires at the jump (03:00 CEST = 01:00 UTC), then normally */
	const char *z[] = {"Europe/Brussels", "Europe/Prague"};
	for (int i = 0; i < 2; i++) {
		SEQ("30 2 * * *", z[i], "2026-03-27 12:00", "2026-03-28 01:30",
		    "2026-03-29 01:00", "2026-03-30 00:30");
		/* several skipped times fire once, at the jump */
		SEQ("0,30,59 2 * * *", z[i], "2026-03-28 12:00",
		    "2026-03-29 01:00", "2026-03-30 00:00");
		/* 03:00 itself is no skipped time: also at 01:00 UTC */
		SEQ("0 3 * * *", z[i], "2026-03-28 12:00", "2026-03-29 01:00",
		    "2026-03-30 01:00");
		/* 01:59 is before the jump */
		SEQ("59 1 * * *", z[i], "2026-03-28 12:00",
		    "2026-03-29 00:59", "2026-03-29 23:59");
	}
	/* 03:30 does not exist on 2026-03-29 in Sofia (03:00 -> 04:00) */
	SEQ("30 3 * * *", "Europe/Sofia", "2026-03-27 12:00",
	    "2026-03-28 01:30", "2026-03-29 01:00", "2026-03-30 00:30");
	/* New York: 02:30 on 2026-03-08 fires at 03:00 EDT = 07:00 UTC */
	SEQ("30 2 * * *", "America/New_York", "2026-03-07 12:00",
	    "2026-03-08 07:00", "2026-03-09 06:30");
	/* past 2037 the offsets come from the zone's footer rule */
	SEQ("30 2 * * *", "Europe/Brussels", "2040-03-24 12:00",
	    "2040-03-25 01:00", "2040-03-26 00:30");
}

static void test_dst_autumn_fixed(void **state)
{
	(void)state;
	/* 02:30 happens twice on 2026-10-25 in Brussels and Prague: at
	 * 00:30 UTC (CEST) and 01:30 UTC (CET); only the first fires */
	const char *z[] = {"Europe/Brussels", "Europe/Prague"};
	for (int i = 0; i < 2; i++) {
		SEQ("30 2 * * *", z[i], "2026-10-24 12:00", "2026-10-25 00:30",
		    "2026-10-26 01:30");
		/* from inside the repeated hour, the copy is still skipped */
		SEQ("30 2 * * *", z[i], "2026-10-25 01:10", "2026-10-26 01:30");
		SEQ("0 2 * * *", z[i], "2026-10-25 00:00", "2026-10-26 01:00");
		/* 03:00 comes once, after the repeated hour */
		SEQ("0 3 * * *", z[i], "2026-10-24 12:00", "2026-10-25 02:00");
	}
	/* 03:30 twice in Sofia: 00:30 UTC (EEST) and 01:30 UTC (EET) */
	SEQ("30 3 * * *", "Europe/Sofia", "2026-10-24 12:00",
	    "2026-10-25 00:30", "2026-10-26 01:30");
	/* New York 01:30 twice on 2026-11-01: 05:30 UTC (EDT) only */
	SEQ("30 1 * * *", "America/New_York", "2026-10-31 12:00",
	    "2026-11-01 05:30", "2026-11-02 06:30");
	SEQ("30 3 * * *", "Europe/Sofia", "2040-10-27 12:00",
	    "2040-10-28 00:30", "2040-10-29 01:30");
}

/* Changes other than one hour: Lord Howe moves by 30 minutes; cronie's
 * care stops at changes of "less than three hours", so Casey's 3-hour
 * changes (+08 <-> +11) and Apia's skipped day (2011-12-30, -10 -> +14)
 * get none: a skipped time is simply missed, a repeated one fires again. */
static void test_dst_other_changes(void **state)
{
	(void)state;
	/* 2026-10-04 02:00 -> 02:30 local (+10:30 -> +11) */
	SEQ("15 2 * * *", "Australia/Lord_Howe", "2026-10-02 12:00",
	    "2026-10-02 15:45", "2026-10-03 15:30", "2026-10-04 15:15");
	/* 2026-04-05 02:00 -> 01:30 local: 01:45 twice, fires once */
	SEQ("45 1 * * *", "Australia/Lord_Howe", "2026-04-04 12:00",
	    "2026-04-04 14:45", "2026-04-05 15:15");
	/* but a wildcard minute fires in both copies of 01:30 */
	SEQ("*/30 1 * * *", "Australia/Lord_Howe", "2026-04-04 14:10",
	    "2026-04-04 14:30", "2026-04-04 15:00", "2026-04-05 14:30");
	/* Casey 2009-10-18 02:00 -> 05:00: 03:30 is missed that day */
	SEQ("30 3 * * *", "Antarctica/Casey", "2009-10-17 12:00",
	    "2009-10-18 16:30");
	/* Casey 2010-03-05 02:00 -> 2010-03-04 23:00: 23:30 twice */
	SEQ("30 23 * * *", "Antarctica/Casey", "2010-03-04 00:00",
	    "2010-03-04 12:30", "2010-03-04 15:30", "2010-03-05 15:30");
	/* Apia had no 2011-12-30 */
	SEQ("0 12 30 12 *", "Pacific/Apia", "2011-12-01 00:00",
	    "2012-12-29 22:00");
}

/* --- DST: wildcard schedules follow elapsed time --- */

static int count_between(const char *expr, const char *zone, int64_t from,
			 int64_t to, int64_t step_r[1])
{
	struct cron *c = parse_ok(expr, zone);
	int n = 0;
	int64_t t = from, prev = from;
	for (;;) {
		t = next_of(c, t);
		if (t > to)
			break;
		if (n > 0 && t - prev != step_r[0])
			fail_msg("%s in %s: %s after %s, not %lld s later", expr,
				 zone, show(t), show(prev), (long long)step_r[0]);
		prev = t;
		n++;
	}
	cron_free(&c);
	return n;
}

static void test_dst_wildcard(void **state)
{
	(void)state;
	/* 22:00-04:00 UTC around both 2026 changes: six hours of elapsed
	 * time are 12 half hours and 6 hours, in every zone, whatever the
	 * wall clock did (no 02:xx in March, two in October) */
	static const char *nights[] = {"2026-03-28 22:00", "2026-10-24 22:00"};
	static const char *zones[] = {"Europe/Brussels", "Europe/Prague",
				      "Europe/Sofia"};
	for (int n = 0; n < 2; n++) {
		for (int z = 0; z < 3; z++) {
			int64_t from = U(nights[n]), to = from + 6 * 3600;
			int64_t half = 1800, hour = 3600;
			assert_int_equal(count_between("*/30 * * * *", zones[z],
						       from, to, &half), 12);
			assert_int_equal(count_between("0 * * * *", zones[z],
						       from, to, &hour), 6);
			assert_int_equal(count_between("@hourly", zones[z],
						       from, to, &hour), 6);
		}
	}
	/* the stepped hour in Brussels: 00:00 02:00 04:00 local; on the
	 * March night 02:00 does not exist, so 00:00 (23:00 UTC) is followed
	 * by 04:00 CEST (02:00 UTC) */
	SEQ("0 */2 * * *", "Europe/Brussels", "2026-03-28 22:30",
	    "2026-03-28 23:00", "2026-03-29 02:00", "2026-03-29 04:00");
	/* October: 02:00 CEST and 02:00 CET both fire */
	SEQ("0 */2 * * *", "Europe/Brussels", "2026-10-24 21:30",
	    "2026-10-24 22:00", "2026-10-25 00:00", "2026-10-25 01:00",
	    "2026-10-25 03:00");
	/* a wildcard minute in a fixed hour is wildcard too (cronie's
	 * MIN_STAR): both copies of 02:xx in October, none in March */
	SEQ("*/20 2 * * *", "Europe/Brussels", "2026-10-24 12:00",
	    "2026-10-25 00:00", "2026-10-25 00:20", "2026-10-25 00:40",
	    "2026-10-25 01:00", "2026-10-25 01:20", "2026-10-25 01:40",
	    "2026-10-26 01:00");
	SEQ("*/20 2 * * *", "Europe/Brussels", "2026-03-28 12:00",
	    "2026-03-30 00:00");
}

/* --- the machine's zone plays no part --- */

static void test_machine_zone_ignored(void **state)
{
	(void)state;
	/* main() set TZ=America/New_York; make sure it took effect, so the
	 * Europe and UTC cases above really ran in a different zone */
	time_t t = (time_t)U("2026-07-01 12:00");
	struct tm tm;
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_hour, 8);
	SEQ("0 9 * * *", "Europe/Sofia", "2026-07-01 00:00",
	    "2026-07-01 06:00");
	SEQ("0 9 * * *", "UTC", "2026-07-01 00:00", "2026-07-01 09:00");
	SEQ("0 9 * * *", "Asia/Kolkata", "2026-07-01 00:00",
	    "2026-07-01 03:30");
	SEQ("0 9 * * *", "America/New_York", "2026-07-01 00:00",
	    "2026-07-01 13:00");
}

/* --- the zone reader against the C library ---
 *
 * For every zone of zone1970.tab, walk tz_segment's stretches from 1970 to
 * 2100 and check the offset just before, at, and just before the end of
 * each against glibc's localtime_r (its own TZif and footer code): the
 * test may set TZ, cron.c and tz.c never do. */

static long libc_off(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	return tm.tm_gmtoff;
}

static int check_zone(const char *zone, int64_t from, int64_t to)
{
	struct err e = {{0}};
	struct tz *tz = tz_load(zone, &e);
	if (tz == NULL)
		fail_msg("%s", e.msg);
	setenv("TZ", zone, 1);
	tzset();
	int segs = 0;
	struct tz_seg s;
	for (int64_t t = from; t < to; t = s.end, segs++) {
		tz_segment(tz, t, &s);
		assert_true(s.start <= t && t < s.end);
		/* both ends, and every 29 days between: a change the reader
		 * missed (e.g. a footer rule ignored) shows up inside */
		int64_t at[8] = {t, s.end - 1};
		for (int i = 2; i < 8; i++)
			at[i] = t + (int64_t)(i - 1) * 29 * 86400;
		for (int i = 0; i < 8; i++) {
			if (at[i] >= s.end && i >= 2)
				break;
			if (at[i] >= to)
				continue;
			if (libc_off(at[i]) != s.off)
				fail_msg("%s at %s: offset %d, libc %ld", zone,
					 show(at[i]), s.off,
					 libc_off(at[i]));
		}
		if (s.start != INT64_MIN && s.start > from &&
		    libc_off(s.start - 1) != s.prev_off)
			fail_msg("%s before %s: previous offset %d, libc %ld",
				 zone, show(s.start), s.prev_off,
				 libc_off(s.start - 1));
	}
	tz_free(&tz);
	return segs;
}

static void test_tz_against_libc(void **state)
{
	(void)state;
	FILE *f = fopen("/usr/share/zoneinfo/zone1970.tab", "r");
	assert_non_null(f);
	char line[512];
	int zones = 0, segs = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#')
			continue;
		char *tab1 = strchr(line, '\t');
		char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (tab2 == NULL)
			continue;
		char *zone = tab2 + 1;
		zone[strcspn(zone, "\t\n")] = '\0';
		segs += check_zone(zone, U("1970-01-01 00:00"),
				   U("2100-01-01 00:00"));
		zones++;
	}
	fclose(f);
	setenv("TZ", "America/New_York", 1);
	tzset();
	print_message("# %d zones, %d stretches of constant offset agree "
		      "with libc, 1970-2100\n", zones, segs);
	assert_true(zones > 300);
	assert_true(segs > 10000);
}

/* --- random expressions against a brute-force minute scan (UTC) --- */

struct rnd {
	uint64_t s;
};

static unsigned rnd(struct rnd *r, unsigned n)
{
	r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(r->s >> 33) % n;
}

/* One random field: text and the set it stands for, built separately
 * from cron.c's parser. Returns whether the text starts with '*'. */
static int gen_field(struct rnd *r, int lo, int hi, int star_pct,
		     const char *const *names, char *out, size_t cap,
		     uint64_t *set)
{
	*set = 0;
	out[0] = '\0';
	if ((int)rnd(r, 100) < star_pct) {
		int step = rnd(r, 3) == 0 ? 1 + (int)rnd(r, (unsigned)(hi - lo)) : 1;
		for (int v = lo; v <= hi; v += step)
			*set |= 1ULL << v;
		if (step > 1)
			snprintf(out, cap, "*/%d", step);
		else
			snprintf(out, cap, "*");
		return 1;
	}
	int items = 1 + (int)rnd(r, 3);
	for (int i = 0; i < items; i++) {
		int a = lo + (int)rnd(r, (unsigned)(hi - lo + 1));
		int b = a + (int)rnd(r, (unsigned)(hi - a + 1));
		int step = rnd(r, 2) == 0 ? 1 : 1 + (int)rnd(r, 5);
		char item[32];
		if (rnd(r, 3) == 0)
			b = a, step = 1;
		for (int v = a; v <= b; v += step)
			*set |= 1ULL << v;
		/* names[i] may be NULL: 7 has no name of its own ("sun" is 0) */
		const char *an = names && rnd(r, 2) ? names[a - lo] : NULL;
		const char *bn = names && rnd(r, 2) ? names[b - lo] : NULL;
		char as[8], bs[8];
		snprintf(as, sizeof as, "%d", a);
		snprintf(bs, sizeof bs, "%d", b);
		if (a == b)
			snprintf(item, sizeof item, "%s", an ? an : as);
		else if (step == 1)
			snprintf(item, sizeof item, "%s-%s", an ? an : as,
				 bn ? bn : bs);
		else
			snprintf(item, sizeof item, "%s-%s/%d", an ? an : as,
				 bn ? bn : bs, step);
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%s", i ? "," : "", item);
	}
	return 0;
}

static const char *const mon_names[] = {"Jan", "feb", "MAR", "apr", "may",
	"jun", "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const dow_names[] = {"sun", "Mon", "tue", "wed", "thu",
	"fri", "sat", NULL};

static void test_random_vs_brute_force(void **state)
{
	(void)state;
	struct rnd r = {20261129};
	int found = 0, cases = 600, or_rule = 0;
	for (int k = 0; k < cases; k++) {
		char f[5][96], expr[512];
		uint64_t set[5];
		int star[5];
		star[0] = gen_field(&r, 0, 59, 30, NULL, f[0], 96, &set[0]);
		star[1] = gen_field(&r, 0, 23, 40, NULL, f[1], 96, &set[1]);
		star[2] = gen_field(&r, 1, 31, 70, NULL, f[2], 96, &set[2]);
		star[3] = gen_field(&r, 1, 12, 90, mon_names, f[3], 96, &set[3]);
		star[4] = gen_field(&r, 0, 7, 50, dow_names, f[4], 96, &set[4]);
		if (set[4] & (1ULL << 7))
			set[4] |= 1;
		snprintf(expr, sizeof expr, "%s %s %s %s %s", f[0], f[1], f[2],
			 f[3], f[4]);
		int64_t after = U("2024-01-01 00:00") +
				(int64_t)rnd(&r, 7 * 365 * 1440) * 60 +
				(int64_t)rnd(&r, 60);
		struct cron *c = parse_ok(expr, "UTC");
		/* the reference: every minute for 4 days */
		int64_t want = -1;
		int or_day = !star[2] && !star[4];
		for (int64_t t = (after / 60 + 1) * 60;
		     t <= after + 4 * 86400; t += 60) {
			time_t tt = (time_t)t;
			struct tm tm;
			gmtime_r(&tt, &tm);
			int dom = (set[2] >> tm.tm_mday) & 1;
			int dow = (set[4] >> tm.tm_wday) & 1;
			if (((set[0] >> tm.tm_min) & 1) &&
			    ((set[1] >> tm.tm_hour) & 1) &&
			    ((set[3] >> (tm.tm_mon + 1)) & 1) &&
			    (or_day ? dom || dow : dom && dow)) {
				want = t;
				break;
			}
		}
		struct err e = {{0}};
		int64_t got = 0;
		int rc = cron_next(c, after, &got, &e);
		if (want >= 0) {
			found++;
			or_rule += or_day;
			if (rc != 0 || got != want)
				fail_msg("\"%s\" after %s: got %s (%s), want %s",
					 expr, show(after), show(got), e.msg,
					 show(want));
		} else if (rc == 0 && got <= after + 4 * 86400) {
			fail_msg("\"%s\" after %s: got %s, brute force none",
				 expr, show(after), show(got));
		}
		cron_free(&c);
	}
	/* the comparison must have had something to compare; the rest prove
	 * that nothing fires in the 4 days the scan found empty */
	print_message("# %d of %d random cases fired within 4 days "
		      "(%d under the OR rule)\n", found, cases, or_rule);
	assert_true(found >= cases / 3);
	assert_true(or_rule >= 10);
}

int main(void)
{
	setenv("TZ", "America/New_York", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_keeps_text),
		cmocka_unit_test(test_steps_ranges_lists),
		cmocka_unit_test(test_dom_dow_rule),
		cmocka_unit_test(test_shorthands),
		cmocka_unit_test(test_february_29),
		cmocka_unit_test(test_dst_spring_fixed),
		cmocka_unit_test(test_dst_autumn_fixed),
		cmocka_unit_test(test_dst_other_changes),
		cmocka_unit_test(test_dst_wildcard),
		cmocka_unit_test(test_machine_zone_ignored),
		cmocka_unit_test(test_random_vs_brute_force),
		cmocka_unit_test(test_tz_against_libc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
