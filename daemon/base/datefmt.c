/*
 * datefmt.c -- localised dates from the template set's dates.txt.
 * Contract in datefmt.h.
 */
#include "base/datefmt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xmem.h"

#define DATEFMT_LINE 1024

enum key { K_DATE, K_TIME, K_DATETIME, K_SPAN, K_RANGE, K_ZONE, K_N };

static const char *const key_name[K_N] = { "date", "time", "datetime",
	"span", "range", "zone" };

struct datefmt {
	char *months[12];
	char *days[7];
	char *pat[K_N];
};

void
datefmt_free(struct datefmt **dp)
{
	struct datefmt *d = dp ? *dp : NULL;

	if (!d)
		return;
	for (int i = 0; i < 12; i++)
		free(d->months[i]);
	for (int i = 0; i < 7; i++)
		free(d->days[i]);
	for (int i = 0; i < K_N; i++)
		free(d->pat[i]);
	free(d);
	*dp = NULL;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Split a space-separated list into exactly n names. */
static int
names(char *v, char **dst, int n)
{
	char *save = NULL;
	int i = 0;

	for (char *w = strtok_r(v, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (i == n)
			return -1;
		free(dst[i]);
		dst[i++] = xstrdup(w);
	}
	return i == n ? 0 : -1;
}

/* One "key = value" line; -1 with e naming the problem. */
static int
line_read(struct datefmt *d, char *line, const char *where, struct err *e)
{
	char *eq = strchr(line, '='), *k, *v;

	if (!eq) {
		err_set(e, "%s: expected \"key = value\"", where);
		return -1;
	}
	*eq = '\0';
	k = trim(line);
	v = trim(eq + 1);
	if (strcmp(k, "months") == 0) {
		if (names(v, d->months, 12) < 0) {
			err_set(e, "%s: months needs 12 names", where);
			return -1;
		}
		return 0;
	}
	if (strcmp(k, "days") == 0) {
		if (names(v, d->days, 7) < 0) {
			err_set(e, "%s: days needs 7 names, Sunday first",
				where);
			return -1;
		}
		return 0;
	}
	for (int i = 0; i < K_N; i++)
		if (strcmp(k, key_name[i]) == 0) {
			free(d->pat[i]);
			d->pat[i] = xstrdup(v);
			return 0;
		}
	err_set(e, "%s: unknown key \"%s\"", where, k);
	return -1;
}

static int
complete(const struct datefmt *d, const char *path, struct err *e)
{
	if (!d->months[0] || !d->days[0]) {
		err_set(e, "%s: needs months and days", path);
		return -1;
	}
	for (int i = 0; i < K_N; i++)
		if (!d->pat[i]) {
			err_set(e, "%s: no \"%s\" pattern", path, key_name[i]);
			return -1;
		}
	return 0;
}

struct datefmt *
datefmt_load(const char *templates_dir, const char *lang, struct err *e)
{
	char *path = xasprintf("%s/_dates/%s/dates.txt", templates_dir, lang);
	struct datefmt *d = xcalloc(1, sizeof(*d));
	char line[DATEFMT_LINE];
	int lineno = 0, bad = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		err_set(e, "%s: %s", path, strerror(errno));
		bad = 1;
	}
	while (!bad && fgets(line, sizeof(line), f)) {
		char where[DATEFMT_LINE];
		char *s = trim(line);

		lineno++;
		if (!*s || *s == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		bad = line_read(d, s, where, e) < 0;
	}
	if (f)
		fclose(f);
	if (!bad)
		bad = complete(d, path, e) < 0;
	free(path);
	if (bad)
		datefmt_free(&d);
	return d;
}

/* pattern with each "{name}" replaced by its value; unknown names are
 * kept as written, so a typo shows in the output. */
static char *
fill(const char *pat, const char *const *name, const char *const *val,
     int n)
{
	struct buf b;

	buf_init(&b, 4096);
	for (const char *p = pat; *p;) {
		int hit = 0;

		if (*p == '{')
			for (int i = 0; i < n && !hit; i++) {
				size_t k = strlen(name[i]);

				if (strncmp(p + 1, name[i], k) == 0 &&
				    p[1 + k] == '}') {
					buf_adds(&b, val[i]);
					p += k + 2;
					hit = 1;
				}
			}
		if (!hit)
			buf_addc(&b, *p++);
	}
	buf_cstr(&b);
	return buf_steal(&b);
}

static char *
fill2(const char *pat, const char *n1, const char *v1, const char *n2,
      const char *v2)
{
	const char *name[] = { n1, n2 }, *val[] = { v1, v2 };

	return fill(pat, name, val, 2);
}

char *
datefmt_day(const struct datefmt *d, int year, int month, int day)
{
	static const char *const name[] = { "weekday", "day", "month",
		"monthnum", "year" };
	char sday[16], smon[16], syear[16];
	int64_t days = tz_days_from_civil(year, month, day);
	const char *val[] = { d->days[tz_weekday(days)], sday,
		d->months[(month - 1) % 12], smon, syear };

	snprintf(sday, sizeof(sday), "%d", day);
	snprintf(smon, sizeof(smon), "%d", month);
	snprintf(syear, sizeof(syear), "%d", year);
	return fill(d->pat[K_DATE], name, val, 5);
}

/* Local civil time of t in tz. */
struct civil {
	int y, m, d, hh, mm;
};

static struct civil
civil_of(int64_t t, const struct tz *tz)
{
	struct tz_seg seg;
	struct civil c;
	int64_t local, days, secs;

	tz_segment(tz, t, &seg);
	local = t + seg.off;
	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	secs = local - days * 86400;
	tz_civil_from_days(days, &c.y, &c.m, &c.d);
	c.hh = (int)(secs / 3600);
	c.mm = (int)(secs % 3600 / 60);
	return c;
}

static char *
time_of(const struct datefmt *d, const struct civil *c)
{
	static const char *const name[] = { "hour2", "hour", "minute" };
	char h2[8], h[8], m[8];
	const char *val[] = { h2, h, m };

	snprintf(h2, sizeof(h2), "%02d", c->hh);
	snprintf(h, sizeof(h), "%d", c->hh);
	snprintf(m, sizeof(m), "%02d", c->mm);
	return fill(d->pat[K_TIME], name, val, 3);
}

static char *
datetime_of(const struct datefmt *d, const struct civil *c)
{
	char *date = datefmt_day(d, c->y, c->m, c->d);
	char *time = time_of(d, c);
	char *s = fill2(d->pat[K_DATETIME], "date", date, "time", time);

	free(date);
	free(time);
	return s;
}

static char *
with_zone(const struct datefmt *d, char *text, const struct tz *tz)
{
	char *s = fill2(d->pat[K_ZONE], "text", text, "zone", tz_name(tz));

	free(text);
	return s;
}

char *
datefmt_instant(const struct datefmt *d, int64_t t, const struct tz *tz)
{
	struct civil c = civil_of(t, tz);

	return with_zone(d, datetime_of(d, &c), tz);
}

char *
datefmt_range(const struct datefmt *d, int64_t start, int64_t end,
	      const struct tz *tz)
{
	struct civil a = civil_of(start, tz), b = civil_of(end, tz);
	char *s;

	if (a.y == b.y && a.m == b.m && a.d == b.d) {
		static const char *const name[] = { "date", "start", "end" };
		char *date = datefmt_day(d, a.y, a.m, a.d);
		char *t1 = time_of(d, &a), *t2 = time_of(d, &b);
		const char *val[] = { date, t1, t2 };

		s = fill(d->pat[K_SPAN], name, val, 3);
		free(date);
		free(t1);
		free(t2);
	} else {
		char *x = datetime_of(d, &a), *y = datetime_of(d, &b);

		s = fill2(d->pat[K_RANGE], "a", x, "b", y);
		free(x);
		free(y);
	}
	return with_zone(d, s, tz);
}
