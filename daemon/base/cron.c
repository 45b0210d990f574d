/*
 * cron.c -- cron expressions in an IANA time zone (contract in cron.h).
 *
 * Matching works on local wall-clock minutes (minutes since 1970-01-01
 * 00:00 local, no zone), stepping month, day, hour and minute as the
 * fields allow; the zone then maps local minutes to UTC one stretch of
 * constant offset at a time (tz_segment), which is where cronie's DST
 * rules apply. Nothing loops minute by minute.
 */
#include "base/cron.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/tz.h"
#include "base/xmem.h"

#define CRON_TEXT_MAX 256
/* cronie treats offset changes of 3 hours or more as a reset clock. */
#define CRON_DST_MAX (3 * 3600)

struct cron {
	uint64_t field[5]; /* bit i set: value i matches */
	int min_star, hour_star, dom_star, dow_star;
	struct tz *tz;
	char text[CRON_TEXT_MAX];
};

enum { F_MIN, F_HOUR, F_DOM, F_MON, F_DOW };

struct field_def {
	const char *name;
	int lo, hi;
	const char *const *names; /* names[i] stands for lo + i */
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr",
	"may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu",
	"fri", "sat", NULL};

static const struct field_def fields[5] = {
	{"minute", 0, 59, NULL},
	{"hour", 0, 23, NULL},
	{"day of month", 1, 31, NULL},
	{"month", 1, 12, month_names},
	{"day of week", 0, 7, day_names},
};

static const struct {
	const char *name, *expansion;
} shorthands[] = {
	{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"},
	{"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
	{"@daily", "0 0 * * *"}, {"@midnight", "0 0 * * *"},
	{"@hourly", "0 * * * *"},
};

/* --- parsing --- */

/* One value: a number or (where the field has them) a three-letter name.
 * Returns the rest of the text, or NULL with the reason in e. */
static const char *parse_value(const char *s, int f, int *v_r,
			       struct err *e)
{
	const struct field_def *d = &fields[f];
	if (*s >= '0' && *s <= '9') {
		const char *p = s;
		long v = 0;
		for (; *s >= '0' && *s <= '9'; s++)
			v = v < 1000 ? v * 10 + (*s - '0') : v;
		if (v < d->lo || v > d->hi) {
			err_set(e, "%.*s is out of range %d-%d",
				(int)(s - p > 20 ? 20 : s - p), p, d->lo, d->hi);
			return NULL;
		}
		*v_r = (int)v;
		return s;
	}
	for (int i = 0; d->names != NULL && d->names[i] != NULL; i++) {
		if (strncasecmp(s, d->names[i], 3) == 0) {
			*v_r = d->lo + i;
			return s + 3;
		}
	}
	size_t n = strcspn(s, ",-/");
	err_set(e, "\"%.*s\" is not a number%s", (int)(n > 40 ? 40 : n), s,
		d->names != NULL ? " or a name" : "");
	return NULL;
}

/* One list item: `*`, N, N-M, each optionally /STEP. */
static const char *parse_item(const char *s, int f, uint64_t *bits,
			      struct err *e)
{
	const struct field_def *d = &fields[f];
	int lo = d->lo, hi = d->hi, step = 1, ranged = 1;
	if (*s == '*') {
		s++;
	} else {
		if ((s = parse_value(s, f, &lo, e)) == NULL)
			return NULL;
		hi = lo;
		ranged = *s == '-';
		if (ranged && (s = parse_value(s + 1, f, &hi, e)) == NULL)
			return NULL;
		if (hi < lo) {
			err_set(e, "range %d-%d runs backwards", lo, hi);
			return NULL;
		}
	}
	if (*s == '/') {
		if (!ranged) {
			err_set(e, "a step needs * or a range before it");
			return NULL;
		}
		long v = 0;
		const char *p = ++s;
		while (*s >= '0' && *s <= '9' && v < 1000)
			v = v * 10 + (*s++ - '0');
		if (s == p || v < 1 || v > d->hi) {
			err_set(e, "step \"%.*s\" is not a number from 1 to %d",
				(int)strcspn(p, ","), p, d->hi);
			return NULL;
		}
		step = (int)v;
	}
	for (int v = lo; v <= hi; v += step)
		*bits |= 1ULL << v;
	return s;
}

static int parse_field(const char *s, int f, uint64_t *bits, struct err *e)
{
	*bits = 0;
	for (;;) {
		if (*s == ',' || *s == '\0') {
			err_set(e, "empty item in the list");
			return -1;
		}
		if ((s = parse_item(s, f, bits, e)) == NULL)
			return -1;
		if (*s == '\0')
			break;
		if (*s != ',') {
			err_set(e, "unexpected \"%c\"", *s);
			return -1;
		}
		s++;
	}
	if (f == F_DOW && (*bits & (1ULL << 7)))
		*bits = (*bits | 1) & ~(1ULL << 7); /* 7 is Sunday too */
	return 0;
}

static int parse_fields(struct cron *c, const char *expr, struct err *e)
{
	char buf[CRON_TEXT_MAX];
	char *tok[6], *save = NULL;
	int n = 0;
	snprintf(buf, sizeof buf, "%s", expr);
	for (char *t = strtok_r(buf, " \t", &save); t != NULL && n < 6;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n != 5) {
		err_set(e, "expected 5 fields (minute hour day-of-month month "
			   "day-of-week), found %s%d", n == 6 ? "more than " : "",
			n == 6 ? 5 : n);
		return -1;
	}
	for (int f = 0; f < 5; f++) {
		if (parse_field(tok[f], f, &c->field[f], e) < 0) {
			err_prefix(e, "field %d (%s)", f + 1, fields[f].name);
			return -1;
		}
	}
	c->min_star = tok[F_MIN][0] == '*';
	c->hour_star = tok[F_HOUR][0] == '*';
	c->dom_star = tok[F_DOM][0] == '*';
	c->dow_star = tok[F_DOW][0] == '*';
	return 0;
}

static const char *expand_shorthand(const char *expr, struct err *e)
{
	while (*expr == ' ' || *expr == '\t')
		expr++;
	if (*expr != '@')
		return expr;
	size_t n = strcspn(expr, " \t");
	if (expr[n + strspn(expr + n, " \t")] == '\0') {
		for (size_t i = 0; i < sizeof shorthands / sizeof *shorthands;
		     i++) {
			if (strlen(shorthands[i].name) == n &&
			    strncmp(expr, shorthands[i].name, n) == 0)
				return shorthands[i].expansion;
		}
	}
	err_set(e, "unknown shorthand \"%.*s\" (use @yearly, @annually, "
		   "@monthly, @weekly, @daily, @midnight or @hourly)",
		(int)(n > 40 ? 40 : n), expr);
	return NULL;
}

struct cron *cron_parse(const char *expr, const char *zone, struct err *e)
{
	if (strlen(expr) >= CRON_TEXT_MAX) {
		err_set(e, "expression longer than %d characters",
			CRON_TEXT_MAX - 1);
		return NULL;
	}
	const char *fields_text = expand_shorthand(expr, e);
	if (fields_text == NULL)
		return NULL;
	struct cron *c = xcalloc(1, sizeof *c);
	snprintf(c->text, sizeof c->text, "%s", expr);
	if (parse_fields(c, fields_text, e) < 0 ||
	    (c->tz = tz_load(zone, e)) == NULL)
		cron_free(&c);
	return c;
}

const char *cron_text(const struct cron *c)
{
	return c->text;
}

const char *cron_zone(const struct cron *c)
{
	return tz_name(c->tz);
}

void cron_free(struct cron **c)
{
	if (*c == NULL)
		return;
	tz_free(&(*c)->tz);
	free(*c);
	*c = NULL;
}

/* --- local wall-clock search --- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Lowest set bit >= from, or -1. */
static int next_bit(uint64_t bits, int from)
{
	uint64_t x = from >= 64 ? 0 : bits & (~0ULL << from);
	return x == 0 ? -1 : __builtin_ctzll(x);
}

static int day_matches(const struct cron *c, int64_t days, int d)
{
	int dom = (c->field[F_DOM] >> d) & 1;
	int dow = (c->field[F_DOW] >> tz_weekday(days)) & 1;
	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow;
}

/* The first local minute >= from that matches, looking no further than
 * the day of local minute `until`. */
static int next_local(const struct cron *c, int64_t from, int64_t until,
		      int64_t *lm_r)
{
	int64_t days = floor_div(from, 1440);
	int64_t limit = floor_div(until, 1440);
	int hour = (int)(from - days * 1440) / 60, min = (int)(from % 60);
	int y, m, d;
	if (min < 0)
		min += 60;
	while (days <= limit) {
		tz_civil_from_days(days, &y, &m, &d);
		int h = -1, mm = -1;
		if (!((c->field[F_MON] >> m) & 1)) {
			days += tz_month_days(y, m) - d + 1; /* next month */
		} else if (!day_matches(c, days, d) ||
			   (h = next_bit(c->field[F_HOUR], hour)) < 0) {
			days++;
		} else if ((mm = next_bit(c->field[F_MIN],
					  h == hour ? min : 0)) < 0) {
			hour = h + 1, min = 0;
			continue;
		} else {
			*lm_r = days * 1440 + h * 60 + mm;
			return 0;
		}
		hour = min = 0;
	}
	return -1;
}

/* --- the zone: cronie's rules at changes of the UTC offset --- */

static int64_t ceil_min(int64_t local_secs)
{
	return -floor_div(-local_secs, 60);
}

static int is_wildcard(const struct cron *c)
{
	return c->min_star || c->hour_star;
}

/* A fixed-time schedule whose time falls in the local minutes a forward
 * jump skipped fires at the jump itself. */
static int skipped_fires(const struct cron *c, const struct tz_seg *s)
{
	int64_t jump = s->off - s->prev_off, lm;
	if (is_wildcard(c) || jump <= 0 || jump >= CRON_DST_MAX)
		return 0;
	int64_t to = ceil_min(s->start + s->off);
	return next_local(c, ceil_min(s->start + s->prev_off), to, &lm) == 0 &&
	       lm < to;
}

int cron_next(const struct cron *c, int64_t after, int64_t *next_r,
	      struct err *e)
{
	int64_t limit = after + (int64_t)CRON_HORIZON_YEARS * 366 * 86400;
	struct tz_seg s;
	for (int64_t lo = after + 1; lo <= limit; lo = s.end) {
		tz_segment(c->tz, lo, &s);
		if (s.start == lo && skipped_fires(c, &s)) {
			*next_r = lo;
			return 0;
		}
		int64_t from = ceil_min(lo + s.off), lm;
		int64_t back = (int64_t)s.prev_off - s.off;
		/* a fixed time repeated by a backward jump already fired */
		if (!is_wildcard(c) && back > 0 && back < CRON_DST_MAX &&
		    s.start != INT64_MIN && ceil_min(s.start + s.prev_off) > from)
			from = ceil_min(s.start + s.prev_off);
		if (next_local(c, from, from + CRON_HORIZON_YEARS * 366 * 1440,
			       &lm) < 0)
			break;
		if (lm * 60 - s.off < s.end) {
			*next_r = lm * 60 - s.off;
			return 0;
		}
	}
	err_set(e, "\"%s\" in %s: no time matches within %d years", c->text,
		tz_name(c->tz), CRON_HORIZON_YEARS);
	return -1;
}
