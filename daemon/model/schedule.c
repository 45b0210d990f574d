/*
 * schedule.c -- see schedule.h. Keys are parsed into a small struct and
 * written back as one canonical line, which is what the store keeps: the
 * daemon reads the same text it validated at `campaign add`.
 */
#include "model/schedule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xmem.h"

struct window {
	unsigned days;		/* bit 0 Sunday .. bit 6 Saturday */
	int from, to;		/* minutes of the local day, from < to */
};

struct reminder {
	int days;
	int minute;		/* of the local day */
};

struct schedule {
	int rate;
	size_t nwin, nrem;
	struct window win[SCHEDULE_WINDOWS_MAX];
	struct reminder rem[SCHEDULE_REMINDERS_MAX];
	int set[3];		/* rate, window, reminders seen */
	char *text;
};

static const char *const wdays[] = { "sun", "mon", "tue", "wed", "thu",
				     "fri", "sat" };

struct schedule *
schedule_new(void)
{
	return xcalloc(1, sizeof(struct schedule));
}

void
schedule_free(struct schedule **sc)
{
	if (*sc == NULL)
		return;
	free((*sc)->text);
	free(*sc);
	*sc = NULL;
}

/* ---- parsing --------------------------------------------------------------- */

static const char *
skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A decimal number of at most 6 digits at *pp; -1 if none. */
static long
number(const char **pp)
{
	const char *p = *pp;
	long n = 0;
	int k = 0;

	while (isdigit((unsigned char)*p) && k < 7) {
		n = n * 10 + (*p++ - '0');
		k++;
	}
	if (k == 0 || k == 7)
		return -1;
	*pp = p;
	return n;
}

/* HH:MM -> minutes; allow_24: 24:00 as the end of a day. */
static int
clock_time(const char **pp, int allow_24)
{
	const char *p = *pp;
	long h = number(&p), m;

	if (h < 0 || *p++ != ':' || (m = number(&p)) < 0 || p - *pp != 5)
		return -1;
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
		return -1;
	*pp = p;
	return (int)(h * 60 + m);
}

static int
weekday(const char **pp)
{
	for (int i = 0; i < 7; i++)
		if (strncasecmp(*pp, wdays[i], 3) == 0) {
			*pp += 3;
			return i;
		}
	return -1;
}

static int
parse_rate(struct schedule *sc, const char *v, const char **why)
{
	const char *p = v;
	long n = number(&p);

	if (n < 1 || n > 100000 || strcmp(p, "/hour") != 0) {
		*why = "expected N/hour with N from 1 to 100000, e.g. "
		       "50/hour";
		return -1;
	}
	sc->rate = (int)n;
	return 0;
}

/* One "Mon-Fri 09:00-17:00". */
static int
parse_window(struct window *w, const char **pp)
{
	const char *p = *pp;
	int a = weekday(&p), b = a;

	if (a < 0)
		return -1;
	if (*p == '-' && (p++, b = weekday(&p)) < 0)
		return -1;
	w->days = 0;
	for (int d = a;; d = (d + 1) % 7) {
		w->days |= 1u << d;
		if (d == b)
			break;
	}
	p = skip_blank(p);
	if ((w->from = clock_time(&p, 0)) < 0 || *p++ != '-' ||
	    (w->to = clock_time(&p, 1)) < 0 || w->to <= w->from)
		return -1;
	*pp = p;
	return 0;
}

/* One "3d 09:00". */
static int
parse_reminder(struct reminder *r, const char **pp)
{
	const char *p = *pp;
	long d = number(&p);

	if (d < 1 || d > 365 || *p++ != 'd')
		return -1;
	p = skip_blank(p);
	if ((r->minute = clock_time(&p, 0)) < 0)
		return -1;
	r->days = (int)d;
	*pp = p;
	return 0;
}

/* A comma list of items; n_r gets their number. */
static int
parse_list(void *v, size_t size, size_t max, size_t *n_r, const char *s,
	   int (*item)(void *, const char **))
{
	const char *p = skip_blank(s);

	*n_r = 0;
	for (;;) {
		if (*n_r == max ||
		    item((char *)v + *n_r * size, &p) < 0)
			return -1;
		(*n_r)++;
		p = skip_blank(p);
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			return -1;
		p = skip_blank(p);
	}
}

static int
win_item(void *w, const char **pp)
{
	return parse_window(w, pp);
}

static int
rem_item(void *r, const char **pp)
{
	return parse_reminder(r, pp);
}

int
schedule_key(struct schedule *sc, const char *key, const char *value,
	     const char **why)
{
	static const char *const keys[] = { "rate", "window", "reminders" };
	int k = -1;

	for (int i = 0; i < 3; i++)
		if (strcmp(key, keys[i]) == 0)
			k = i;
	if (k < 0) {
		*why = "unknown key (known: rate, window, reminders)";
		return -1;
	}
	if (sc->set[k]) {
		*why = "set twice";
		return -1;
	}
	sc->set[k] = 1;
	if (k == 0)
		return parse_rate(sc, value, why);
	if (k == 1) {
		*why = "expected DAYS HH:MM-HH:MM[, ...], e.g. "
		       "Mon-Fri 09:00-17:00";
		return parse_list(sc->win, sizeof(*sc->win),
				  SCHEDULE_WINDOWS_MAX, &sc->nwin, value,
				  win_item);
	}
	*why = "expected Nd HH:MM[, ...] with N from 1 to 365 in "
	       "increasing order, at most 8, e.g. 3d 09:00, 7d 09:00";
	if (parse_list(sc->rem, sizeof(*sc->rem), SCHEDULE_REMINDERS_MAX,
		       &sc->nrem, value, rem_item) < 0)
		return -1;
	for (size_t i = 1; i < sc->nrem; i++)
		if (sc->rem[i].days <= sc->rem[i - 1].days)
			return -1;
	return 0;
}

/* ---- the stored text ------------------------------------------------------- */

static void
text_days(struct buf *b, unsigned days)
{
	int first = -1, last = -1;

	/* a window's days are one run a-b, possibly across Sunday */
	for (int d = 0; d < 7; d++)
		if ((days & (1u << d)) && !(days & (1u << ((d + 6) % 7))))
			first = d;
	if (first < 0)
		first = 1;	/* every day: start on Monday */
	for (last = first; (days & (1u << ((last + 1) % 7))) &&
	     (last + 1) % 7 != first; last = (last + 1) % 7)
		;
	buf_printf(b, "%c%s", toupper((unsigned char)wdays[first][0]),
		   wdays[first] + 1);
	if (last != first)
		buf_printf(b, "-%c%s", toupper((unsigned char)wdays[last][0]),
			   wdays[last] + 1);
}

const char *
schedule_text(struct schedule *sc)
{
	struct buf b;

	buf_init(&b, 4096);
	if (sc->rate > 0)
		buf_printf(&b, "rate=%d/hour;", sc->rate);
	for (size_t i = 0; i < sc->nwin; i++) {
		buf_adds(&b, i == 0 ? "window=" : ", ");
		text_days(&b, sc->win[i].days);
		buf_printf(&b, " %02d:%02d-%02d:%02d", sc->win[i].from / 60,
			   sc->win[i].from % 60, sc->win[i].to / 60,
			   sc->win[i].to % 60);
		if (i + 1 == sc->nwin)
			buf_adds(&b, ";");
	}
	for (size_t i = 0; i < sc->nrem; i++)
		buf_printf(&b, "%s%dd %02d:%02d%s", i == 0 ? "reminders=" :
			   ", ", sc->rem[i].days, sc->rem[i].minute / 60,
			   sc->rem[i].minute % 60, i + 1 == sc->nrem ? ";" : "");
	free(sc->text);
	sc->text = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return sc->text;
}

int
schedule_from_text(const char *text, struct schedule **sc_r, struct err *e)
{
	struct schedule *sc = schedule_new();
	char *copy = xstrdup(text), *save = NULL;
	const char *why = "no key=value";
	int rc = 0;

	for (char *kv = strtok_r(copy, ";", &save); kv != NULL && rc == 0;
	     kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '=');

		if (eq == NULL)
			rc = -1;
		else {
			*eq = '\0';
			rc = schedule_key(sc, kv, eq + 1, &why);
		}
	}
	free(copy);
	if (rc < 0) {
		err_set(e, "schedule \"%s\": %s", text, why);
		schedule_free(&sc);
		return -1;
	}
	*sc_r = sc;
	return 0;
}

int
schedule_rate(const struct schedule *sc)
{
	return sc->rate;
}

int
schedule_has_waves(const struct schedule *sc)
{
	return sc->rate > 0 || sc->nwin > 0;
}

int
schedule_reminders(const struct schedule *sc)
{
	return (int)sc->nrem;
}

/* ---- time ------------------------------------------------------------------ */

const char *
schedule_zone(const char *country, const char *tzname)
{
	static const char *const zones[][2] = {
		{ "BG", "Europe/Sofia" }, { "BE", "Europe/Brussels" },
		{ "CZ", "Europe/Prague" }, { "NL", "Europe/Amsterdam" },
	};

	if (tzname != NULL && *tzname != '\0')
		return tzname;
	for (size_t i = 0; country && i < sizeof(zones) / sizeof(*zones); i++)
		if (strcasecmp(country, zones[i][0]) == 0)
			return zones[i][1];
	return "UTC";
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int
schedule_in_window(const struct schedule *sc, const struct tz *tz, int64_t t)
{
	struct tz_seg seg;
	int64_t local, day;
	int minute, wd;

	if (sc->nwin == 0)
		return 1;
	tz_segment(tz, t, &seg);
	local = t + seg.off;
	day = floor_div(local, 86400);
	minute = (int)((local - day * 86400) / 60);
	wd = tz_weekday(day);
	for (size_t i = 0; i < sc->nwin; i++)
		if ((sc->win[i].days & (1u << wd)) &&
		    minute >= sc->win[i].from && minute < sc->win[i].to)
			return 1;
	return 0;
}

int64_t
schedule_wave_at(int64_t slot, int64_t prev)
{
	return prev > 0 && prev + 3600 > slot ? prev + 3600 : slot;
}

/* The wall-clock time `local` (seconds as if UTC) in tz: its first
 * occurrence, or, inside a forward jump, the jump's instant. */
int64_t
schedule_local_to_utc(const struct tz *tz, int64_t local)
{
	struct tz_seg seg;
	int64_t t = local - 2 * 86400, best = INT64_MAX;

	/* walk the segments around local (offsets stay within +-26 h) */
	for (int i = 0; i < 8 && t < local + 2 * 86400; i++) {
		tz_segment(tz, t, &seg);
		if (seg.start <= local - seg.off && local - seg.off < seg.end &&
		    local - seg.off < best)
			best = local - seg.off;
		if (best == INT64_MAX && seg.start > local - 2 * 86400 &&
		    local - seg.prev_off >= seg.start &&
		    local - seg.off < seg.start)
			return seg.start;	/* skipped: the jump */
		if (seg.end == INT64_MAX)
			break;
		t = seg.end;
	}
	return best != INT64_MAX ? best : local;
}

int64_t
schedule_reminder_due(const struct schedule *sc, int k, const struct tz *tz,
		      int64_t first_mail)
{
	struct tz_seg seg;
	int64_t day;

	tz_segment(tz, first_mail, &seg);
	day = floor_div(first_mail + seg.off, 86400) + sc->rem[k].days;
	return schedule_local_to_utc(tz, day * 86400 +
				     (int64_t)sc->rem[k].minute * 60);
}

int
schedule_deadline(const char *text, int64_t *utc_r)
{
	int y, m, d, hh = 0, mm = 0, ss = 0, n = 0;

	if (text == NULL ||
	    sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    m < 1 || m > 12 || d < 1 || d > tz_month_days(y, m))
		return -1;
	if (text[10] == '\0') {
		*utc_r = (tz_days_from_civil(y, m, d) + 1) * 86400;
		return 0;
	}
	if ((text[10] != 'T' && text[10] != ' ') ||
	    sscanf(text + 11, "%2d:%2d%n", &hh, &mm, &n) != 2 || hh > 23 ||
	    mm > 59)
		return -1;
	if (text[11 + n] == ':')
		sscanf(text + 12 + n, "%2d", &ss);
	*utc_r = tz_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 +
		 ss;
	return 0;
}
