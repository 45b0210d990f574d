/*
 * event.c -- event files: reading, validation, storing; see event.h and
 * docs/event-format.md. The reader is a small line-based INI reader of
 * its own (sections, "key = value", ';' or '#' comments), so every
 * problem names FILE:LINE and every problem is collected before giving
 * up, as campaign files do. Changes, RSVPs and seats: event_rsvp.c.
 */
#include "model/event.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libical/ical.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/lang.h"
#include "base/textcol.h"
#include "base/tz.h"
#include "base/xmem.h"
#include "model/contacts.h"
#include "model/event_private.h"
#include "model/survey.h"
#include "store/store_event.h"

#define EVENT_LINE_MAX 4096
#define EVENT_OPTS_MAX 20

enum ekey {
	K_NAME, K_UID, K_CAMPAIGN, K_ORGANIZER, K_TIMEZONE, K_START, K_END,
	K_RRULE, K_VENUE, K_ONLINE, K_QUESTIONNAIRE, K_TOTAL, K_PER_TOWN,
	K_QUESTION, NKEYS
};

static const struct {
	const char *section, *key;
	enum ekey k;
} ekeys[] = {
	{ "event", "name", K_NAME },
	{ "event", "uid", K_UID },
	{ "event", "campaign", K_CAMPAIGN },
	{ "event", "organizer", K_ORGANIZER },
	{ "event", "timezone", K_TIMEZONE },
	{ "event", "start", K_START },
	{ "event", "end", K_END },
	{ "event", "rrule", K_RRULE },
	{ "event", "venue", K_VENUE },
	{ "event", "online", K_ONLINE },
	{ "event", "questionnaire", K_QUESTIONNAIRE },
	{ "seats", "total", K_TOTAL },
	{ "seats", "per_municipality", K_PER_TOWN },
	{ "dates", "question", K_QUESTION },
};
#define NEKEYS (sizeof(ekeys) / sizeof(ekeys[0]))

static const char *const esections[] = {
	"event", "title", "description", "seats", "dates",
};
#define NSECTIONS (sizeof(esections) / sizeof(esections[0]))

struct eopt {
	char *id, *start, *end;
	int line;
};

struct evf {
	const char *path;
	struct errlist *errs;
	size_t nerr0;
	int line;
	char section[32];	/* "" before the first, "?" unknown */
	char *v[NKEYS];
	int at[NKEYS];
	char *title[LANG_N], *desc[LANG_N];
	int title_at[LANG_N], desc_at[LANG_N];
	struct eopt opt[EVENT_OPTS_MAX];
	size_t nopt;
	/* validated */
	char *start, *end;	/* normalised YYYY-MM-DDTHH:MM or YYYY-MM-DD */
	long total, per_town;
};

static void
ev_err(struct evf *f, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
ev_err(struct evf *f, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errlist_vadd_at(f->errs, f->path, line, fmt, ap);
	va_end(ap);
}

/* ---- reading ------------------------------------------------------------- */

static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void
set_once(struct evf *f, char **slot, int *at, const char *name,
	 const char *value)
{
	if (*slot != NULL) {
		ev_err(f, f->line, "[%s] %s set twice (first on line %d)",
		       f->section, name, *at);
		return;
	}
	*slot = xstrdup(value);
	*at = f->line;
}

static void
ev_lang_text(struct evf *f, char **v, int *at, const char *name,
	     const char *value)
{
	const char *lang = lang_find(name);

	if (lang == NULL) {
		ev_err(f, f->line, "[%s] \"%s\": a language code is bg, en, "
		       "nl or cs", f->section, name);
		return;
	}
	for (size_t i = 0; i < LANG_N; i++)
		if (strcmp(lang_code[i], lang) == 0)
			set_once(f, &v[i], &at[i], name, value);
}

static void
ev_option(struct evf *f, const char *name, const char *value)
{
	struct eopt *o;

	for (size_t i = 0; i < f->nopt; i++)
		if (strcmp(f->opt[i].id, name) == 0) {
			ev_err(f, f->line, "[dates] option %s set twice "
			       "(first on line %d)", name, f->opt[i].line);
			return;
		}
	if (f->nopt == EVENT_OPTS_MAX) {
		ev_err(f, f->line, "[dates] more than %d options",
		       EVENT_OPTS_MAX);
		return;
	}
	o = &f->opt[f->nopt++];
	o->id = xstrdup(name);
	o->line = f->line;
	{
		const char *slash = strchr(value, '/');
		char *a = xstrndup(value, slash ? (size_t)(slash - value)
						: strlen(value));

		o->start = xstrdup(trim(a));
		free(a);
		o->end = slash ? xstrdup(slash + 1) : NULL;
		if (o->end) {
			char *t = xstrdup(trim(o->end));

			free(o->end);
			o->end = t;
		}
	}
}

static void
ev_key(struct evf *f, const char *name, const char *value)
{
	if (strcmp(f->section, "title") == 0) {
		ev_lang_text(f, f->title, f->title_at, name, value);
		return;
	}
	if (strcmp(f->section, "description") == 0) {
		ev_lang_text(f, f->desc, f->desc_at, name, value);
		return;
	}
	for (size_t i = 0; i < NEKEYS; i++)
		if (strcmp(ekeys[i].section, f->section) == 0 &&
		    strcmp(ekeys[i].key, name) == 0) {
			set_once(f, &f->v[ekeys[i].k], &f->at[ekeys[i].k],
				 name, value);
			return;
		}
	if (strcmp(f->section, "dates") == 0) {
		ev_option(f, name, value);
		return;
	}
	ev_err(f, f->line, "unknown key \"%s\" in [%s]", name, f->section);
}

static void
ev_section(struct evf *f, char *s)
{
	char *end = strchr(s, ']');

	if (end == NULL || *trim(end + 1) != '\0') {
		ev_err(f, f->line, "syntax error: a section is [name] alone "
		       "on its line");
		snprintf(f->section, sizeof(f->section), "?");
		return;
	}
	*end = '\0';
	s = trim(s + 1);
	for (size_t i = 0; i < NSECTIONS; i++)
		if (strcmp(s, esections[i]) == 0) {
			snprintf(f->section, sizeof(f->section), "%s", s);
			return;
		}
	ev_err(f, f->line, "unknown section [%s] (known: [event], [title], "
	       "[description], [seats], [dates])", s);
	snprintf(f->section, sizeof(f->section), "?");
}

static void
ev_line(struct evf *f, char *raw, size_t n)
{
	long cp = textcol_unsafe(raw, n, "\t\r\n");
	char *s, *eq;

	if (cp >= 0) {
		ev_err(f, f->line, "%s", cp == 0 ? "a NUL byte (the file is "
		       "not plain text)" : cp == TEXTCOL_BAD_UTF8 ?
		       "invalid UTF-8 (save the file as UTF-8)" :
		       "a control character");
		return;
	}
	if (raw[0] == ' ' || raw[0] == '\t') {
		if (*trim(raw) != '\0')
			ev_err(f, f->line, "indented line: keys start at the "
			       "beginning of a line");
		return;
	}
	s = trim(raw);
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		ev_section(f, s);
		return;
	}
	if ((eq = strchr(s, '=')) == NULL) {
		ev_err(f, f->line, "syntax error (expected [section] or "
		       "key = value)");
		return;
	}
	*eq = '\0';
	if (f->section[0] == '\0')
		ev_err(f, f->line, "\"%s\" before any [section]", trim(s));
	else if (strcmp(f->section, "?") != 0)
		ev_key(f, trim(s), trim(eq + 1));
}

static int
ev_read(struct evf *f)
{
	FILE *fp = fopen(f->path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (fp == NULL) {
		errlist_add(f->errs, "%s: %s", f->path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) >= 0) {
		f->line++;
		if (n > EVENT_LINE_MAX)
			ev_err(f, f->line, "line longer than %d bytes",
			       EVENT_LINE_MAX);
		else
			ev_line(f, line, (size_t)n);
	}
	free(line);
	fclose(fp);
	return 0;
}

/* ---- validation ---------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM" (a space for T is fine) or "YYYY-MM-DD" (a whole
 * day), local time in the event's zone: a normalised copy, or NULL. */
char *
event_parse_when(const char *s)
{
	int y, m, d, hh = -1, mm = -1, used = 0;
	char sep = 0;

	if (!(strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d,
					&used) == 3 && used == 10) &&
	    !(strlen(s) == 16 && sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &y,
					&m, &d, &sep, &hh, &mm,
					&used) == 6 && used == 16 &&
	      (sep == 'T' || sep == ' ') && hh < 24 && mm < 60 &&
	      s[11] >= '0' && s[14] >= '0'))
		return NULL;
	if (y < 2000 || y > 2200 || m < 1 || m > 12 || d < 1 ||
	    d > tz_month_days(y, m) || s[4] != '-' || s[7] != '-')
		return NULL;
	if (hh < 0)
		return xasprintf("%04d-%02d-%02d", y, m, d);
	return xasprintf("%04d-%02d-%02dT%02d:%02d", y, m, d, hh, mm);
}

static int
is_token(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("-_.", *s)))
			return 0;
	return 1;
}

static void
check_when(struct evf *f)
{
	const char *st = f->v[K_START], *en = f->v[K_END];

	if (st == NULL && f->nopt == 0) {
		ev_err(f, f->at[K_START], "[event] start is missing (or "
		       "offer dates in [dates])");
		return;
	}
	if (st != NULL && (f->start = event_parse_when(st)) == NULL)
		ev_err(f, f->at[K_START], "[event] start \"%s\": write "
		       "YYYY-MM-DDTHH:MM (local time in the event's time "
		       "zone) or YYYY-MM-DD for a whole day", st);
	if (en != NULL && (f->end = event_parse_when(en)) == NULL)
		ev_err(f, f->at[K_END], "[event] end \"%s\": write "
		       "YYYY-MM-DDTHH:MM or YYYY-MM-DD", en);
	if (f->start && f->end && (strlen(f->start) != strlen(f->end) ||
				   strcmp(f->end, f->start) < 0 ||
				   (strlen(f->start) > 10 &&
				    strcmp(f->end, f->start) == 0)))
		ev_err(f, f->at[K_END], "[event] end %s: not after start "
		       "%s (both with a time, or both whole days)", f->end,
		       f->start);
	for (size_t i = 0; i < f->nopt; i++) {
		char *a = event_parse_when(f->opt[i].start);
		char *b = f->opt[i].end ? event_parse_when(f->opt[i].end)
					: NULL;

		if (a == NULL || (f->opt[i].end && b == NULL))
			ev_err(f, f->opt[i].line, "[dates] %s: write START "
			       "or START / END, each YYYY-MM-DDTHH:MM or "
			       "YYYY-MM-DD", f->opt[i].id);
		else if (b && (strlen(a) != strlen(b) || strcmp(b, a) <= 0))
			ev_err(f, f->opt[i].line, "[dates] %s: the end is "
			       "not after the start", f->opt[i].id);
		else if (!is_token(f->opt[i].id, 16))
			ev_err(f, f->opt[i].line, "[dates] option \"%s\": "
			       "an option id is letters, digits, '-', '_'",
			       f->opt[i].id);
		if (a) {
			free(f->opt[i].start);
			f->opt[i].start = a;
		}
		if (b) {
			free(f->opt[i].end);
			f->opt[i].end = b;
		}
	}
	if (f->nopt > 0 && f->v[K_QUESTION] == NULL)
		ev_err(f, f->opt[0].line, "[dates] question is missing (the "
		       "question of the invitation's questionnaire whose "
		       "answers are the options' ids)");
}

static void
check_zone_rrule(struct evf *f)
{
	const char *z = f->v[K_TIMEZONE], *r = f->v[K_RRULE];
	struct err e;
	struct tz *tz;

	if (z == NULL)
		ev_err(f, f->at[K_TIMEZONE], "[event] timezone is missing "
		       "(a zone name such as Europe/Brussels)");
	else if (strchr(z, '/') == NULL || (tz = tz_load(z, &e)) == NULL)
		ev_err(f, f->at[K_TIMEZONE], "[event] timezone \"%s\": not a "
		       "time zone name (write e.g. Europe/Sofia, "
		       "Europe/Brussels, Europe/Prague)", z);
	else
		tz_free(&tz);
	if (r != NULL) {
		struct icalrecurrencetype rt;

		icalerror_clear_errno();
		rt = icalrecurrencetype_from_string(r);
		if (rt.freq == ICAL_NO_RECURRENCE ||
		    icalerrno != ICAL_NO_ERROR || strncmp(r, "FREQ=", 5) != 0)
			ev_err(f, f->at[K_RRULE], "[event] rrule \"%s\": not "
			       "an RFC 5545 RRULE (e.g. FREQ=WEEKLY;"
			       "INTERVAL=2;BYDAY=TU)", r);
		icalerror_clear_errno();
	}
}

static void
check_keys(struct evf *f)
{
	const char *why;

	if (f->v[K_NAME] == NULL)
		ev_err(f, 0, "[event] name is missing");
	else if (!is_token(f->v[K_NAME], 64))
		ev_err(f, f->at[K_NAME], "[event] name \"%s\": use letters, "
		       "digits, '-', '_' and '.' (at most 64)", f->v[K_NAME]);
	if (f->v[K_UID] && !is_token(f->v[K_UID], 200) &&
	    strchr(f->v[K_UID], '@') == NULL)
		ev_err(f, f->at[K_UID], "[event] uid \"%s\": letters, digits, "
		       "'-', '_', '.' and '@'", f->v[K_UID]);
	if (f->v[K_CAMPAIGN] && !is_token(f->v[K_CAMPAIGN], 64))
		ev_err(f, f->at[K_CAMPAIGN], "[event] campaign \"%s\": not a "
		       "campaign name", f->v[K_CAMPAIGN]);
	if (f->v[K_ORGANIZER] == NULL)
		ev_err(f, 0, "[event] organizer is missing (Name "
		       "<address>): calendar clients answer to it");
	else {
		const char *lt = strrchr(f->v[K_ORGANIZER], '<');
		char *addr = lt ? xstrndup(lt + 1, strcspn(lt + 1, ">"))
				: xstrdup(f->v[K_ORGANIZER]);

		if (contacts_check_email(addr, &why) < 0)
			ev_err(f, f->at[K_ORGANIZER], "[event] organizer "
			       "\"%s\": %s", f->v[K_ORGANIZER], why);
		free(addr);
	}
	if (f->v[K_VENUE] == NULL && f->v[K_ONLINE] == NULL)
		ev_err(f, 0, "[event] venue or online is missing (where the "
		       "event is, or its link)");
	if (f->v[K_ONLINE] && strncmp(f->v[K_ONLINE], "https://", 8) != 0 &&
	    strncmp(f->v[K_ONLINE], "http://", 7) != 0)
		ev_err(f, f->at[K_ONLINE], "[event] online \"%s\": a link "
		       "starting with https://", f->v[K_ONLINE]);
}

static long
seats_number(struct evf *f, enum ekey k, const char *what)
{
	char *end;
	long v;

	if (f->v[k] == NULL)
		return 0;
	errno = 0;
	v = strtol(f->v[k], &end, 10);
	if (errno || end == f->v[k] || *end || v < 0 || v > 100000) {
		ev_err(f, f->at[k], "[seats] %s \"%s\": a whole number, 0 "
		       "for no limit", what, f->v[k]);
		return 0;
	}
	return v;
}

static void
check_texts_seats(struct evf *f)
{
	int any = 0;

	for (size_t i = 0; i < LANG_N; i++)
		any |= f->title[i] != NULL;
	if (!any)
		ev_err(f, 0, "[title] is missing: a title in at least one "
		       "language (en = ..., bg = ...)");
	else if (f->title[event_lang_index(LANG_DEFAULT)] == NULL)
		ev_err(f, 0, "[title] en is missing: English is the fallback "
		       "for contacts of other languages");
	f->total = seats_number(f, K_TOTAL, "total");
	f->per_town = seats_number(f, K_PER_TOWN, "per_municipality");
	if (f->total > 0 && f->per_town > f->total)
		ev_err(f, f->at[K_PER_TOWN], "[seats] per_municipality %ld "
		       "is more than total %ld", f->per_town, f->total);
}

/* Relative to the event file first, then paths.surveys. */
static void
check_questionnaire(struct evf *f, const struct config *cfg)
{
	const char *q = f->v[K_QUESTIONNAIRE];
	const char *slash = strrchr(f->path, '/');
	struct survey *sv = NULL;
	char *p;

	if (q == NULL)
		return;
	p = q[0] == '/' ? xstrdup(q) : slash ?
	    xasprintf("%.*s/%s", (int)(slash - f->path), f->path, q) :
	    xstrdup(q);
	if (access(p, R_OK) != 0) {
		free(p);
		p = xasprintf("%s/%s", cfg->surveys_dir, q);
	}
	if (access(p, R_OK) != 0)
		ev_err(f, f->at[K_QUESTIONNAIRE], "[event] questionnaire "
		       "\"%s\" not found (looked next to this file and in "
		       "%s)", q, cfg->surveys_dir);
	else if (survey_load_file(p, cfg->schema_path, &sv, f->errs) < 0)
		ev_err(f, f->at[K_QUESTIONNAIRE], "[event] questionnaire %s "
		       "is not valid (see the problems above)", p);
	survey_free(&sv);
	free(p);
}

static void
evf_free(struct evf *f)
{
	for (size_t k = 0; k < NKEYS; k++)
		free(f->v[k]);
	for (size_t i = 0; i < LANG_N; i++) {
		free(f->title[i]);
		free(f->desc[i]);
	}
	for (size_t i = 0; i < f->nopt; i++) {
		free(f->opt[i].id);
		free(f->opt[i].start);
		free(f->opt[i].end);
	}
	free(f->start);
	free(f->end);
}

static int
evf_load(struct evf *f, const struct config *cfg, const char *path,
	 struct errlist *errs)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->errs = errs;
	f->nerr0 = errs->n;
	if (ev_read(f) < 0)
		return -1;
	check_keys(f);
	check_when(f);
	check_zone_rrule(f);
	check_texts_seats(f);
	check_questionnaire(f, cfg);
	return errs->n > f->nerr0 ? -1 : 0;
}

int
event_check(const struct config *cfg, const char *path,
	    struct errlist *errs)
{
	struct evf f;
	int rc = evf_load(&f, cfg, path, errs);

	evf_free(&f);
	return rc;
}

/* ---- storing ------------------------------------------------------------- */

/* titles, descriptions, options: what the renderer needs besides the
 * columns. */
static char *
evf_spec(const struct evf *f)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "{\"title\":{");
	for (size_t i = 0, n = 0; i < LANG_N; i++)
		if (f->title[i])
			json_kv_str(&b, n++ == 0, lang_code[i], f->title[i]);
	buf_adds(&b, "},\"description\":{");
	for (size_t i = 0, n = 0; i < LANG_N; i++)
		if (f->desc[i])
			json_kv_str(&b, n++ == 0, lang_code[i], f->desc[i]);
	buf_adds(&b, "},\"options\":[");
	for (size_t i = 0; i < f->nopt; i++) {
		buf_adds(&b, i ? ",{" : "{");
		json_kv_str(&b, 1, "id", f->opt[i].id);
		json_kv_str(&b, 0, "start", f->opt[i].start);
		if (f->opt[i].end)
			json_kv_str(&b, 0, "end", f->opt[i].end);
		buf_addc(&b, '}');
	}
	buf_adds(&b, "]}");
	return buf_steal(&b);
}

static int
exists_cb(void *arg, const struct store_event *ev)
{
	*(int64_t *)arg = ev->id;
	return 0;
}

/* A new event's UID: random, so two stores never make the same one, and
 * never derived from anything that may change. */
static char *
new_uid(const char *name)
{
	unsigned char r[12];
	FILE *fp = fopen("/dev/urandom", "rb");
	struct buf b;

	if (fp == NULL || fread(r, 1, sizeof(r), fp) != sizeof(r)) {
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(rand() ^ time(NULL) >> i);
	}
	if (fp)
		fclose(fp);
	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(r); i++)
		buf_printf(&b, "%02x", r[i]);
	buf_printf(&b, "-%s@anketa", name);
	return buf_steal(&b);
}

static int
evf_store(struct evf *f, struct store *s, enum event_add_mode mode,
	  long *n_r, struct err *e)
{
	struct store_event ev = { 0 };
	int64_t id = 0, existing = 0, cid = 0;
	char *uid = NULL, *spec = evf_spec(f);
	int changed = 0, rc = -1;

	if (store_event_find(s, "name", f->v[K_NAME], exists_cb, &existing,
			     e) < 0)
		goto out;
	if (mode == EVENT_ADD && existing) {
		err_set(e, "event %s exists (to change it: anketa event "
			"update FILE)", f->v[K_NAME]);
		goto out;
	}
	if (mode == EVENT_UPDATE && !existing) {
		err_set(e, "event %s is not in the store (anketa event add "
			"FILE first)", f->v[K_NAME]);
		goto out;
	}
	if (f->v[K_CAMPAIGN] &&
	    store_campaign_find(s, f->v[K_CAMPAIGN], event_campaign_id_cb,
				&cid, e) < 1) {
		if (cid == 0)
			err_set(e, "line %d: [event] campaign %s is not in the "
				"store (anketa campaign add FILE first)",
				f->at[K_CAMPAIGN], f->v[K_CAMPAIGN]);
		goto out;
	}
	uid = f->v[K_UID] ? xstrdup(f->v[K_UID]) : new_uid(f->v[K_NAME]);
	ev.name = f->v[K_NAME];
	ev.uid = uid;
	ev.campaign_id = cid;
	ev.status = f->start ? "confirmed" : "poll";
	ev.tzid = f->v[K_TIMEZONE];
	ev.dtstart = f->start;
	ev.dtend = f->end;
	ev.rrule = f->v[K_RRULE];
	ev.venue = f->v[K_VENUE];
	ev.online = f->v[K_ONLINE];
	ev.organizer = f->v[K_ORGANIZER];
	ev.seats_total = f->total;
	ev.seats_per_town = f->per_town;
	ev.poll_question = f->v[K_QUESTION];
	ev.file = f->path;
	ev.spec = spec;
	if (store_event_put(s, &ev, &id, &changed, e) < 0 ||
	    store_event_options_clear(s, id, e) < 0)
		goto out;
	for (size_t i = 0; i < f->nopt; i++)
		if (store_event_option_put(s, id, f->opt[i].id,
					   f->opt[i].start, f->opt[i].end,
					   e) < 0)
			goto out;
	rc = changed ? event_enqueue_all(s, id, "update", "changed", n_r, e)
		     : 0;
out:
	free(uid);
	free(spec);
	return rc;
}

int
event_add(struct store *s, const struct config *cfg, const char *path,
	  enum event_add_mode mode, char **name_r, long *n_r,
	  struct errlist *errs)
{
	struct evf f;
	struct err e;
	int rc = evf_load(&f, cfg, path, errs);

	if (n_r)
		*n_r = 0;
	if (rc == 0 && store_begin(s, &e) < 0)
		rc = -1, errlist_add(errs, "%s: %s", path, e.msg);
	else if (rc == 0) {
		if (evf_store(&f, s, mode, n_r, &e) < 0 ||
		    store_commit(s, &e) < 0) {
			store_rollback(s);
			errlist_add(errs, "%s: %s", path, e.msg);
			rc = -1;
		}
	}
	if (rc == 0 && name_r != NULL)
		*name_r = xstrdup(f.v[K_NAME]);
	evf_free(&f);
	return rc;
}
