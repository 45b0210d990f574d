/*
 * datefmt.h -- dates and times as a reader of bg, cs, nl or en writes
 *              them, with month and day names from the template set's
 *              data files (a fresh machine has only the C locale: no
 *              strftime %B, no setlocale).
 *
 * Use:     d = datefmt_load("templates", "bg", &e)
 *                          reads templates/_dates/bg/dates.txt
 *          s = datefmt_instant(d, t, tz)
 *                "четвъртък, 15 октомври 2026 г., 10:00 (Europe/Sofia)"
 *          s = datefmt_range(d, start, end, tz)
 *                same day:  "четвъртък, 15 октомври 2026 г., 10:00–12:00
 *                            (Europe/Sofia)"
 *                else:      "<start date, time> – <end date, time> (zone)"
 *          s = datefmt_day(d, 2026, 10, 15)   "четвъртък, 15 октомври 2026 г."
 *          datefmt_free(&d)
 * Owns:    struct datefmt holds the names; strings returned are the
 *          caller's (free()). datefmt_free accepts NULL and clears *d.
 * Errors:  datefmt_load returns NULL with e: a missing file, or
 *          "FILE:LINE: months needs 12 names" and the like.
 * Events:  none (pure once loaded).
 * Format:  dates.txt: "key = value" lines, '#' comments. months (12
 *          names, genitive where the language needs it: "října"),
 *          days (7 names, Sunday first, separated by spaces), date
 *          (pattern with {weekday} {day} {month} {monthnum} {year}),
 *          time ({hour} {hour12} {minute} {ampm}), datetime ({date}
 *          {time}), zone ({text} {zone}), range ("{a}" "{b}" joiner).
 * Tests:   tests/unit/test_datefmt.c
 */
#ifndef ANKETA_DATEFMT_H
#define ANKETA_DATEFMT_H

#include <stdint.h>

#include "base/err.h"
#include "base/tz.h"

struct datefmt;

struct datefmt *datefmt_load(const char *templates_dir, const char *lang,
			     struct err *e);
void datefmt_free(struct datefmt **d);

/* The instant t (UTC seconds) in zone tz: date, time and the zone name. */
char *datefmt_instant(const struct datefmt *d, int64_t t,
		      const struct tz *tz);
/* start..end in tz: one date when both fall on the same local day. */
char *datefmt_range(const struct datefmt *d, int64_t start, int64_t end,
		    const struct tz *tz);
/* A calendar day (all-day events): weekday and date, no time, no zone. */
char *datefmt_day(const struct datefmt *d, int year, int month, int day);

#endif
