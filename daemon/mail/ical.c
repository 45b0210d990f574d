/*
 * ical.c -- iMIP REQUEST/CANCEL built with libical, REPLY/COUNTER read
 *           with it. Contract in ical.h.
 */
#include "mail/ical.h"

#include <ctype.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xmem.h"

#define PRODID "-//anketa//anketa calendar invitations//EN"

/* ---- small helpers ------------------------------------------------------ */

static int
set(const char *s)
{
	return s && *s;
}

/* dst = s, cut at size, lower-cased when lower, without "mailto:". */
static void
copy_field(char *dst, size_t size, const char *s, int lower)
{
	size_t n;

	dst[0] = '\0';
	if (!s)
		return;
	if (lower && strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	n = strlen(s);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	for (char *p = dst; lower && *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static char *
mailto(const char *addr)
{
	size_t n = strlen(addr) + 8;
	char *s = xmalloc(n);

	snprintf(s, n, "mailto:%s", addr);
	return s;
}

/* The zone of libical's built-in set (read from the system zoneinfo),
 * or NULL. Built-in zones live for the process: never freed. */
static icaltimezone *
zone_get(const char *tzid)
{
	if (!set(tzid))
		return NULL;
	return icaltimezone_get_builtin_timezone(tzid);
}

static struct icaltimetype
local_time(const struct ical_local *l, int all_day)
{
	struct icaltimetype t = icaltime_null_time();

	t.year = l->year;
	t.month = l->month;
	t.day = l->day;
	if (all_day) {
		t.is_date = 1;
	} else {
		t.hour = l->hour;
		t.minute = l->minute;
	}
	return t;
}

static int
local_valid(const struct ical_local *l, int all_day)
{
	if (l->year < 1970 || l->year > 9999 || l->month < 1 ||
	    l->month > 12 || l->day < 1 ||
	    l->day > icaltime_days_in_month(l->month, l->year))
		return 0;
	return all_day || (l->hour >= 0 && l->hour < 24 && l->minute >= 0 &&
			   l->minute < 60);
}

/* ---- RRULE -------------------------------------------------------------- */

int
ical_rrule_check(const char *rrule, struct err *e)
{
	struct icalrecurrencetype r;

	if (!set(rrule)) {
		err_set(e, "rrule: empty");
		return -1;
	}
	icalerror_clear_errno();
	r = icalrecurrencetype_from_string(rrule);
	if (r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
		icalerror_clear_errno();
		err_set(e, "bad rrule \"%s\"", rrule);
		return -1;
	}
	if (!icaltime_is_null_time(r.until) && !r.until.is_date &&
	    !icaltime_is_utc(r.until)) {
		err_set(e, "bad rrule \"%s\": UNTIL must be UTC (…Z)", rrule);
		return -1;
	}
	return 0;
}

/* ---- checking the event ------------------------------------------------- */

static int
event_check(const struct ical_event *ev, struct err *e)
{
	static const char *const what[] = { "uid", "summary", "tzid",
		"organizer", "attendee" };
	const char *val[] = { ev->uid, ev->summary, ev->tzid, ev->organizer,
		ev->attendee };
	struct icaltimetype s, t;

	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
		if (!set(val[i])) {
			err_set(e, "event: no %s", what[i]);
			return -1;
		}
	if (!zone_get(ev->tzid)) {
		err_set(e, "event: unknown time zone \"%s\"", ev->tzid);
		return -1;
	}
	if (!local_valid(&ev->start, ev->all_day) ||
	    !local_valid(&ev->end, ev->all_day)) {
		err_set(e, "event: start or end is not a valid date and time");
		return -1;
	}
	s = local_time(&ev->start, ev->all_day);
	t = local_time(&ev->end, ev->all_day);
	if (icaltime_compare(t, s) < (ev->all_day ? 0 : 1)) {
		err_set(e, "event: end is before start");
		return -1;
	}
	if (ev->sequence < 0) {
		err_set(e, "event: negative sequence");
		return -1;
	}
	if (set(ev->rrule) && ical_rrule_check(ev->rrule, e) < 0) {
		err_prefix(e, "event");
		return -1;
	}
	return 0;
}

/* ---- building ----------------------------------------------------------- */

/* A DTSTART/DTEND value: TZID=plain zone name (libical would give its
 * prefixed tzid if the zone were set on the time), or a DATE. */
static icalproperty *
time_prop(icalproperty *p, const char *tzid, int all_day)
{
	if (!all_day)
		icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
	return p;
}

static void
text_prop(icalcomponent *ev, icalproperty *p, const char *lang)
{
	if (set(lang))
		icalproperty_add_parameter(p, icalparameter_new_language(lang));
	icalcomponent_add_property(ev, p);
}

static icalproperty *
person(icalproperty *p, const char *name)
{
	if (set(name))
		icalproperty_add_parameter(p, icalparameter_new_cn(name));
	return p;
}

/* A copy of the zone's VTIMEZONE with TZID the plain zone name, trimmed
 * to start on 1 January of the event's first year (so the offset in
 * force before the start is described too). Its end is left open: with
 * an end, libical 3.0 writes the last transitions as RDATE in UTC and a
 * TZUNTIL, where RFC 5545 3.6.5 wants RDATE in local time; left open,
 * every observance stays an RRULE, which is all a client needs for the
 * later occurrences of a rule without end. */
static icalcomponent *
vtimezone(const struct ical_event *ev, icaltimezone *z)
{
	icalcomponent *vtz = icalcomponent_new_clone(
		icaltimezone_get_component(z));
	icalproperty *id = icalcomponent_get_first_property(
		vtz, ICAL_TZID_PROPERTY);
	struct icaltimetype from = local_time(&ev->start, 0);

	from.month = 1;
	from.day = 1;
	from.hour = from.minute = 0;
	from = icaltime_from_timet_with_zone(
		icaltime_as_timet_with_zone(from, z), 0,
		icaltimezone_get_utc_timezone());
	icaltimezone_truncate_vtimezone(vtz, from, icaltime_null_time(), 0);
	if (id)
		icalproperty_set_tzid(id, ev->tzid);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(ev->tzid));
	return vtz;
}

static icalcomponent *
vevent(const struct ical_event *ev, enum ical_method method)
{
	icalcomponent *c = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	struct icaltimetype s = local_time(&ev->start, ev->all_day);
	struct icaltimetype t = local_time(&ev->end, ev->all_day);
	char *org = mailto(ev->organizer), *att = mailto(ev->attendee);
	icalproperty *a;

	if (ev->all_day)
		icaltime_adjust(&t, 1, 0, 0, 0);
	icalcomponent_add_property(c, icalproperty_new_uid(ev->uid));
	icalcomponent_add_property(c, icalproperty_new_sequence(ev->sequence));
	icalcomponent_add_property(c, icalproperty_new_dtstamp(
		icaltime_from_timet_with_zone((time_t)ev->dtstamp, 0,
			icaltimezone_get_utc_timezone())));
	icalcomponent_add_property(c, time_prop(icalproperty_new_dtstart(s),
		ev->tzid, ev->all_day));
	icalcomponent_add_property(c, time_prop(icalproperty_new_dtend(t),
		ev->tzid, ev->all_day));
	if (set(ev->rrule))
		icalcomponent_add_property(c, icalproperty_new_rrule(
			icalrecurrencetype_from_string(ev->rrule)));
	text_prop(c, icalproperty_new_summary(ev->summary), ev->lang);
	if (set(ev->description))
		text_prop(c, icalproperty_new_description(ev->description),
			  ev->lang);
	if (set(ev->location))
		text_prop(c, icalproperty_new_location(ev->location), ev->lang);
	else if (set(ev->url))
		icalcomponent_add_property(c, icalproperty_new_location(ev->url));
	if (set(ev->url))
		icalcomponent_add_property(c, icalproperty_new_url(ev->url));
	icalcomponent_add_property(c, person(icalproperty_new_organizer(org),
		ev->organizer_name));
	a = person(icalproperty_new_attendee(att), ev->attendee_name);
	icalproperty_add_parameter(a, icalparameter_new_cutype(
		ICAL_CUTYPE_INDIVIDUAL));
	icalproperty_add_parameter(a, icalparameter_new_role(
		ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(a, icalparameter_new_partstat(
		ICAL_PARTSTAT_NEEDSACTION));
	icalproperty_add_parameter(a, icalparameter_new_rsvp(
		method == ICAL_REQUEST ? ICAL_RSVP_TRUE : ICAL_RSVP_FALSE));
	icalcomponent_add_property(c, a);
	icalcomponent_add_property(c, icalproperty_new_status(
		method == ICAL_REQUEST ? ICAL_STATUS_CONFIRMED
				       : ICAL_STATUS_CANCELLED));
	icalcomponent_add_property(c, icalproperty_new_transp(
		ICAL_TRANSP_OPAQUE));
	free(org);
	free(att);
	return c;
}

/* The X-LIC-ERROR texts icalrestriction_check left, joined into e. */
static void
restriction_errors(icalcomponent *c, struct err *e, const char *method)
{
	char msg[ERR_MAX] = "";
	size_t n = 0;

	for (icalcomponent *k = c; k;
	     k = k == c ? icalcomponent_get_first_real_component(c) : NULL)
		for (icalproperty *p = icalcomponent_get_first_property(
			     k, ICAL_XLICERROR_PROPERTY);
		     p; p = icalcomponent_get_next_property(
			     k, ICAL_XLICERROR_PROPERTY)) {
			const char *t = icalproperty_get_xlicerror(p);
			int w = snprintf(msg + n, sizeof(msg) - n, "%s%s",
					 n ? "; " : "", t ? t : "?");
			if (w < 0 || (size_t)w >= sizeof(msg) - n)
				break;
			n += (size_t)w;
		}
	err_set(e, "%s: icalrestriction_check: %s", method,
		n ? msg : "rejected");
}

char *
ical_build(const struct ical_event *ev, enum ical_method method,
	   struct err *e)
{
	const char *mname = method == ICAL_REQUEST ? "REQUEST" : "CANCEL";
	icalcomponent *cal;
	char *out;

	if (event_check(ev, e) < 0)
		return NULL;
	cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(
		method == ICAL_REQUEST ? ICAL_METHOD_REQUEST
				       : ICAL_METHOD_CANCEL));
	if (!ev->all_day)
		icalcomponent_add_component(cal,
			vtimezone(ev, zone_get(ev->tzid)));
	icalcomponent_add_component(cal, vevent(ev, method));
	if (!icalrestriction_check(cal)) {
		restriction_errors(cal, e, mname);
		icalcomponent_free(cal);
		return NULL;
	}
	out = xstrdup(icalcomponent_as_ical_string(cal));
	icalcomponent_free(cal);
	return out;
}

/* ---- MIME --------------------------------------------------------------- */

void
ical_mime_body(struct mime *m, const char *text, const char *html,
	       const char *ics, enum ical_method method)
{
	const char *ct = method == ICAL_REQUEST
				 ? "text/calendar; charset=utf-8; method=REQUEST"
				 : "text/calendar; charset=utf-8; method=CANCEL";
	size_t n = strlen(ics);

	mime_text(m, text);
	if (html)
		mime_html(m, html);
	mime_attach(m, ct, NULL, ics, n, 1);
	mime_attach(m, "application/ics; name=\"invite.ics\"", "invite.ics",
		    ics, n, 0);
}

/* ---- reading replies ---------------------------------------------------- */

static const char *const ps_names[] = {
	[ICAL_PS_NONE] = "", [ICAL_PS_NEEDS_ACTION] = "NEEDS-ACTION",
	[ICAL_PS_ACCEPTED] = "ACCEPTED", [ICAL_PS_DECLINED] = "DECLINED",
	[ICAL_PS_TENTATIVE] = "TENTATIVE", [ICAL_PS_DELEGATED] = "DELEGATED",
};

const char *
ical_partstat_name(enum ical_partstat ps)
{
	if ((unsigned)ps >= sizeof(ps_names) / sizeof(ps_names[0]))
		return "";
	return ps_names[ps];
}

enum ical_partstat
ical_partstat_from(const char *s)
{
	if (!set(s))
		return ICAL_PS_NONE;
	for (size_t i = 1; i < sizeof(ps_names) / sizeof(ps_names[0]); i++)
		if (strcasecmp(s, ps_names[i]) == 0)
			return (enum ical_partstat)i;
	return ICAL_PS_NONE;
}

static enum ical_partstat
attendee_ps(icalproperty *a)
{
	return ical_partstat_from(
		icalproperty_get_parameter_as_string(a, "PARTSTAT"));
}

/* The ATTENDEE that answers: the first whose PARTSTAT says something. */
static icalproperty *
answering_attendee(icalcomponent *ev)
{
	icalproperty *first = icalcomponent_get_first_property(
		ev, ICAL_ATTENDEE_PROPERTY);

	for (icalproperty *a = first; a; a = icalcomponent_get_next_property(
					     ev, ICAL_ATTENDEE_PROPERTY)) {
		enum ical_partstat ps = attendee_ps(a);

		if (ps != ICAL_PS_NONE && ps != ICAL_PS_NEEDS_ACTION)
			return a;
	}
	return first;
}

/* UTC seconds of a DTSTART-like time (TZID resolved by libical against
 * the calendar's own VTIMEZONEs or its built-in zones), 0 if null. */
static int64_t
utc_of(struct icaltimetype t)
{
	if (icaltime_is_null_time(t))
		return 0;
	if (t.zone)
		return (int64_t)icaltime_as_timet_with_zone(t, t.zone);
	return (int64_t)icaltime_as_timet(t);
}

static void
reply_fill(icalcomponent *ev, struct ical_reply *r)
{
	icalproperty *a = answering_attendee(ev);
	icalproperty *p;

	copy_field(r->uid, sizeof(r->uid), icalcomponent_get_uid(ev), 0);
	if (icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY))
		r->sequence = icalcomponent_get_sequence(ev);
	p = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
	if (p)
		copy_field(r->organizer, sizeof(r->organizer),
			   icalproperty_get_organizer(p), 1);
	p = icalcomponent_get_first_property(ev, ICAL_COMMENT_PROPERTY);
	if (p)
		copy_field(r->comment, sizeof(r->comment),
			   icalproperty_get_comment(p), 0);
	if (icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY))
		r->recurrence_id = utc_of(icalcomponent_get_recurrenceid(ev));
	if (a) {
		copy_field(r->attendee, sizeof(r->attendee),
			   icalproperty_get_attendee(a), 1);
		copy_field(r->attendee_name, sizeof(r->attendee_name),
			   icalproperty_get_parameter_as_string(a, "CN"), 0);
		copy_field(r->delegated_to, sizeof(r->delegated_to),
			   icalproperty_get_parameter_as_string(a,
				   "DELEGATED-TO"), 1);
		r->partstat = attendee_ps(a);
	}
	if (r->kind == ICAL_COUNTER) {
		r->counter_start = utc_of(icalcomponent_get_dtstart(ev));
		r->counter_end = utc_of(icalcomponent_get_dtend(ev));
	}
}

/* Some senders quote DELEGATED-TO's value: "mailto:x" -> mailto:x. */
static void
unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
		if (strncmp(s, "mailto:", 7) == 0)
			memmove(s, s + 7, strlen(s + 7) + 1);
	}
}

int
ical_reply_parse(const char *ics, struct ical_reply *r, struct err *e)
{
	icalcomponent *cal, *ev;
	icalproperty_method m;

	memset(r, 0, sizeof(*r));
	cal = set(ics) ? icalparser_parse_string(ics) : NULL;
	if (!cal) {
		err_set(e, "not an iCalendar object");
		return -1;
	}
	if (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		icalcomponent_free(cal);
		err_set(e, "not a VCALENDAR");
		return -1;
	}
	m = icalcomponent_get_method(cal);
	if (m != ICAL_METHOD_REPLY && m != ICAL_METHOD_COUNTER) {
		icalcomponent_free(cal);
		return 0;
	}
	r->kind = m == ICAL_METHOD_REPLY ? ICAL_REPLY : ICAL_COUNTER;
	ev = icalcomponent_get_first_real_component(cal);
	if (ev)
		reply_fill(ev, r);
	unquote(r->delegated_to);
	icalcomponent_free(cal);
	return 1;
}

/* ---- expansion ---------------------------------------------------------- */

long
ical_expand(const struct ical_event *ev, int64_t from, int64_t until,
	    int64_t *out, size_t max, struct err *e)
{
	icaltimezone *z = zone_get(ev->tzid);
	struct icaltimetype s = local_time(&ev->start, ev->all_day);
	struct icalrecurrencetype r;
	icalrecur_iterator *it;
	size_t n = 0;

	if (!z) {
		err_set(e, "unknown time zone \"%s\"", ev->tzid ? ev->tzid : "");
		return -1;
	}
	if (!set(ev->rrule)) {
		int64_t t = icaltime_as_timet_with_zone(s, z);

		if (t >= from && t < until && max > 0)
			out[n++] = t;
		return (long)n;
	}
	if (ical_rrule_check(ev->rrule, e) < 0)
		return -1;
	r = icalrecurrencetype_from_string(ev->rrule);
	s.zone = z;
	it = icalrecur_iterator_new(r, s);
	if (!it) {
		err_set(e, "bad rrule \"%s\" for this start", ev->rrule);
		return -1;
	}
	for (struct icaltimetype o = icalrecur_iterator_next(it);
	     !icaltime_is_null_time(o) && n < max;
	     o = icalrecur_iterator_next(it)) {
		int64_t t = icaltime_as_timet_with_zone(o, z);

		if (t >= until)
			break;
		if (t >= from)
			out[n++] = t;
	}
	icalrecur_iterator_free(it);
	return (long)n;
}
