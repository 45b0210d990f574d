/* test_datefmt.c -- dates as readers of bg, cs, nl and en write them,
 * names read from templates/_dates/LANG/dates.txt, times in a zone read
 * through base/tz (the machine's locale and zone are never used: main()
 * sets LC_ALL=C and TZ to a far-away zone).
 *
 * 2026-10-15 is a Thursday; 2026-10-25 01:00 UTC ends summer time in the
 * EU (Sofia 04:00 -> 03:00, Prague 03:00 -> 02:00).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/datefmt.h"
#include "base/xmem.h"

static char *
tdir(void)
{
	const char *s = getenv("ANKETA_SRCDIR");

	return xasprintf("%s/templates", s && *s ? s : ".");
}

static struct datefmt *
load(const char *lang)
{
	struct err e = { { 0 } };
	char *dir = tdir();
	struct datefmt *d = datefmt_load(dir, lang, &e);

	free(dir);
	if (!d)
		fail_msg("%s: %s", lang, e.msg);
	return d;
}

static struct tz *
zone(const char *name)
{
	struct err e = { { 0 } };
	struct tz *z = tz_load(name, &e);

	if (!z)
		fail_msg("%s", e.msg);
	return z;
}

/* 2026-10-15 07:00 UTC: 10:00 in Sofia, 09:00 in Prague and Brussels */
#define T0 ((int64_t)1792047600)

static void
check_instant(const char *lang, const char *zname, int64_t t,
	      const char *want)
{
	struct datefmt *d = load(lang);
	struct tz *z = zone(zname);
	char *s = datefmt_instant(d, t, z);

	assert_string_equal(s, want);
	free(s);
	tz_free(&z);
	datefmt_free(&d);
}

static void
test_instant_each_language(void **state)
{
	(void)state;
	check_instant("bg", "Europe/Sofia", T0,
		"четвъртък, 15 октомври 2026 г., 10:00 (Europe/Sofia)");
	check_instant("cs", "Europe/Prague", T0,
		"čtvrtek 15. října 2026, 9:00 (Europe/Prague)");
	check_instant("nl", "Europe/Brussels", T0,
		"donderdag 15 oktober 2026, 09:00 (Europe/Brussels)");
	check_instant("en", "Europe/Brussels", T0,
		"Thursday, 15 October 2026, 09:00 (Europe/Brussels)");
}

/* The same instant on either side of midnight in two zones, and either
 * side of the end of summer time: the offset comes from the zone. */
static void
test_zone_decides_day_and_hour(void **state)
{
	(void)state;
	/* 2026-10-15 22:30 UTC: Friday 01:30 in Sofia, Thursday in NY */
	check_instant("en", "Europe/Sofia", T0 + 15 * 3600 + 1800,
		"Friday, 16 October 2026, 01:30 (Europe/Sofia)");
	check_instant("en", "America/New_York", T0 + 15 * 3600 + 1800,
		"Thursday, 15 October 2026, 18:30 (America/New_York)");
	/* 2026-10-24 07:00 UTC = 10:00 EEST; 2026-10-26 07:00 UTC = 09:00 EET */
	check_instant("bg", "Europe/Sofia", T0 + 9 * 86400,
		"събота, 24 октомври 2026 г., 10:00 (Europe/Sofia)");
	check_instant("bg", "Europe/Sofia", T0 + 11 * 86400,
		"понеделник, 26 октомври 2026 г., 09:00 (Europe/Sofia)");
}

static void
test_range(void **state)
{
	struct datefmt *d = load("bg");
	struct tz *z = zone("Europe/Sofia");
	char *s = datefmt_range(d, T0, T0 + 2 * 3600, z);

	(void)state;
	assert_string_equal(s, "четвъртък, 15 октомври 2026 г., "
		"10:00–12:00 (Europe/Sofia)");
	free(s);
	/* a three-day visit */
	s = datefmt_range(d, T0, T0 + 2 * 86400 + 6 * 3600, z);
	assert_string_equal(s, "четвъртък, 15 октомври 2026 г., 10:00 – "
		"събота, 17 октомври 2026 г., 16:00 (Europe/Sofia)");
	free(s);
	tz_free(&z);
	datefmt_free(&d);
}

static void
test_day_every_month_and_weekday(void **state)
{
	static const char *const cs_months[] = { "ledna", "února", "března",
		"dubna", "května", "června", "července", "srpna", "září",
		"října", "listopadu", "prosince" };
	struct datefmt *d = load("cs");

	(void)state;
	for (int m = 1; m <= 12; m++) {
		char *s = datefmt_day(d, 2027, m, 1);

		assert_non_null(strstr(s, cs_months[m - 1]));
		free(s);
	}
	datefmt_free(&d);
	d = load("nl");
	/* 2026-01-04 is a Sunday, so the 4th..10th are every weekday */
	static const char *const nl_days[] = { "zondag 4", "maandag 5",
		"dinsdag 6", "woensdag 7", "donderdag 8", "vrijdag 9",
		"zaterdag 10" };
	for (int i = 0; i < 7; i++) {
		char *s = datefmt_day(d, 2026, 1, 4 + i);

		assert_true(strncmp(s, nl_days[i], strlen(nl_days[i])) == 0);
		free(s);
	}
	datefmt_free(&d);
}

static void
test_bad_files(void **state)
{
	char dir[] = "/tmp/ak-ical-datefmt-XXXXXX";
	struct err e = { { 0 } };
	char *p;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = xasprintf("mkdir -p %s/_dates/xx", dir);
	assert_int_equal(system(p), 0);
	free(p);
	p = xasprintf("%s/_dates/xx/dates.txt", dir);
	f = fopen(p, "w");
	fputs("# too few\nmonths = a b c\n", f);
	fclose(f);
	assert_null(datefmt_load(dir, "xx", &e));
	assert_non_null(strstr(e.msg, "dates.txt:2: months needs 12 names"));
	f = fopen(p, "w");
	fputs("months = a b c d e f g h i j k l\ndays = 1 2 3 4 5 6 7\n", f);
	fclose(f);
	assert_null(datefmt_load(dir, "xx", &e));
	assert_non_null(strstr(e.msg, "no \"date\" pattern"));
	assert_null(datefmt_load(dir, "zz", &e));
	assert_non_null(strstr(e.msg, "zz/dates.txt"));
	unlink(p);
	free(p);
	p = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(p), 0);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instant_each_language),
		cmocka_unit_test(test_zone_decides_day_and_hour),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_day_every_month_and_weekday),
		cmocka_unit_test(test_bad_files),
	};

	setenv("LC_ALL", "C", 1);
	setenv("TZ", "Pacific/Kiritimati", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
