/*
 * tz.h -- UTC offsets of an IANA time zone, read from the system's
 *         zoneinfo (TZif) files; never touches TZ, tzset or localtime.
 *
 * Use:     tz_load(name, e)            "Europe/Sofia" -> struct tz
 *          tz_segment(tz, t, &seg)     the offset in force at UTC instant t,
 *                                      since when, until when, and the
 *                                      offset before it
 *          tz_free(&tz)
 *          tz_days_from_civil, tz_civil_from_days, tz_weekday,
 *          tz_month_days: calendar arithmetic (pure)
 * Owns:    struct tz holds the zone's transitions and its POSIX footer
 *          rule (used past the last transition, e.g. after 2037); tz_free
 *          releases it and sets the pointer to NULL (accepts NULL).
 * Errors:  tz_load returns NULL and fills e: an unknown or malformed name
 *          ("unknown time zone \"Mars/Olympus\"") or an unreadable file.
 *          tz_segment cannot fail.
 * Events:  none (pure once loaded).
 * Spec:    RFC 8536 (TZif versions 1-4, footer TZ string as POSIX TZ with
 *          the M-rule form of dates, hours -167..167).
 * Tests:   tests/unit/test_cron.c: every zone of zone1970.tab against
 *          glibc's localtime_r, 1970-2100; DST nights; zone names.
 */
#ifndef ANKETA_TZ_H
#define ANKETA_TZ_H

#include <stdint.h>

#include "base/err.h"

struct tz;

/* One stretch of constant offset: [start, end) in UTC seconds; start is
 * INT64_MIN before the first known change, end INT64_MAX after the last. */
struct tz_seg {
	int64_t start;
	int64_t end;
	int32_t off;      /* local = UTC + off, seconds */
	int32_t prev_off; /* offset before start (== off when none) */
};

struct tz *tz_load(const char *name, struct err *e);
void tz_segment(const struct tz *tz, int64_t t, struct tz_seg *seg);
const char *tz_name(const struct tz *tz);
void tz_free(struct tz **tz);

/* Calendar arithmetic shared with the modules that count local days:
 * days since 1970-01-01 in the proleptic Gregorian calendar, month 1-12,
 * weekday 0 = Sunday. */
int64_t tz_days_from_civil(int y, int m, int d);
void tz_civil_from_days(int64_t days, int *y_r, int *m_r, int *d_r);
int tz_weekday(int64_t days);
int tz_month_days(int y, int m);

#endif
