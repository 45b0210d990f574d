/*
 * cron.h -- cron expressions in an IANA time zone: parse one, and compute
 *           the next firing after a UTC instant; never reads the clock.
 *
 * Use:     c = cron_parse("30 2 * * *", "Europe/Brussels", e)
 *          cron_next(c, after_utc, &next_utc, e)   next firing > after
 *          cron_text(c), cron_zone(c)              what was parsed
 *          cron_free(&c)
 * Syntax:  five fields separated by blanks: minute 0-59, hour 0-23, day of
 *          month 1-31, month 1-12 or jan-dec, day of week 0-7 or sun-sat
 *          (0 and 7 are Sunday); names in any case. Each field is a comma
 *          list of `*`, N, N-M, `*`/S or N-M/S (S from 1 up to the field's
 *          maximum). Or one of @yearly @annually (0 0 1 1 *), @monthly
 *          (0 0 1 * *), @weekly (0 0 * * 0), @daily @midnight (0 0 * * *),
 *          @hourly (0 * * * *). The zone is a separate argument, never part
 *          of the expression.
 * Rules:   as cronie (man 8 cron, "Daylight Saving Time and other time
 *          changes"; src/cron.c find_jobs, src/entry.c):
 *          - day of month and day of week: when both fields are restricted
 *            (neither starts with `*`) a day matches if EITHER matches;
 *            otherwise both must.
 *          - a schedule is "wildcard" when its minute or hour field starts
 *            with `*` (so @hourly is one); it follows elapsed time: it
 *            fires in both copies of a repeated hour, and times in a
 *            skipped hour simply do not exist.
 *          - every other ("fixed-time") schedule, for changes of the UTC
 *            offset shorter than 3 hours: a time skipped by a forward jump
 *            fires at the instant of the jump (several such times fire
 *            once), and a time repeated by a backward jump fires at its
 *            first occurrence only. Longer changes get no special care.
 * Owns:    struct cron (with its loaded zone); cron_free releases it and
 *          sets the pointer to NULL (accepts NULL). cron_text/cron_zone
 *          return borrowed strings valid until cron_free.
 * Errors:  cron_parse returns NULL and fills e with the position and the
 *          reason, e.g. "field 2 (hour): 25 is out of range 0-23", or
 *          "unknown time zone \"Mars/Olympus\"". cron_next returns -1 and
 *          fills e when nothing matches within CRON_HORIZON_YEARS (e.g.
 *          "0 0 30 2 *"), leaving *next_r unchanged; 0 otherwise.
 * Events:  none (pure: the result depends only on expression, zone data
 *          and `after`).
 * Tests:   tests/unit/test_cron.c;
 *          tests/fuzz/fuzz_cron.c, seeds in tests/data/cron/
 */
#ifndef ANKETA_CRON_H
#define ANKETA_CRON_H

#include <stdint.h>

#include "base/err.h"

/* How far cron_next looks: 8 years, so that "0 9 29 2 *" still finds the
 * next February 29 across 2100, which is no leap year. */
#define CRON_HORIZON_YEARS 8

struct cron;

struct cron *cron_parse(const char *expr, const char *zone, struct err *e);
/* The first firing strictly after `after` (UTC seconds) -> *next_r. */
int cron_next(const struct cron *c, int64_t after, int64_t *next_r,
	      struct err *e);
const char *cron_text(const struct cron *c);
const char *cron_zone(const struct cron *c);
void cron_free(struct cron **c);

#endif
