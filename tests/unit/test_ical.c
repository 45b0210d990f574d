/* test_ical.c -- iMIP objects built by ical.c, checked three ways:
 * parsed back by libical (round-trip, icalrestriction_check), compared
 * with the real invitations of tests/data/imip/ (libical parses almost
 * anything, so every property and ATTENDEE parameter that all the real
 * REQUESTs carry must be in ours too, and our MIME tree must be Google
 * Calendar's), and expanded across DST changes against instants worked
 * out by hand. Replies: the real Apple one of ccs_calendarserver and the
 * client forms written by us in tests/data/ical/ (see its SOURCE.md).
 *
 * Instants: EU summer time 2026 ends Sun 25 Oct 01:00 UTC and 2027 starts
 * Sun 28 Mar 01:00 UTC; Sofia is UTC+3 in summer, +2 in winter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <libetpan/libetpan.h>
#include <libical/ical.h>

#include "base/buf.h"
#include "base/xmem.h"
#include "mail/ical.h"
#include "mail/mime.h"
#include "mail/parse.h"

/* ---- helpers ------------------------------------------------------------ */

static char *
path(const char *rel)
{
	const char *s = getenv("ANKETA_SRCDIR");

	return xasprintf("%s/%s", s && *s ? s : ".", rel);
}

static char *
slurp(const char *rel, size_t *len_r)
{
	char *p = path(rel);
	FILE *f = fopen(p, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (!f)
		fail_msg("cannot read %s", p);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	free(p);
	if (len_r)
		*len_r = b.len;
	buf_cstr(&b);
	return buf_steal(&b);
}

/* The first text/calendar part of a message file, decoded; caller frees. */
static char *
calendar_of(const char *rel)
{
	static const struct parse_limits lim = { 10 * 1024 * 1024, 200, 10 };
	struct parsed *p = NULL;
	struct err e;
	size_t n;
	char *raw = slurp(rel, &n), *cal;

	if (parse_message(raw, n, &lim, &p, &e) != 0)
		fail_msg("%s: %s", rel, e.msg);
	cal = xstrdup(p->calendar);
	parse_free(&p);
	free(raw);
	return cal;
}

static const struct ical_event sample = {
	.uid = "ev-7f3a2@anketa.example.org",
	.sequence = 2,
	.summary = "Обмен на опит: Каварна – Гент, първа среща; вечеря",
	.description = "Програма:\n1. посещение на общината\n2. вечеря",
	.location = "Kavarna town hall, pl. Dr. Chomakov 1",
	.url = "https://meet.example.org/platform-1",
	.lang = "bg",
	.tzid = "Europe/Sofia",
	.start = { 2026, 10, 15, 10, 0 },
	.end = { 2026, 10, 15, 12, 0 },
	.organizer = "rsvp+k7Qm2x@anketa.example.org",
	.organizer_name = "Платформа на общините",
	.attendee = "ivan.petrov@kavarna.example",
	.attendee_name = "Иван Петров",
	.dtstamp = 1790000000,	/* 2026-09-21 14:13:20 UTC */
};

static char *
build_ok(const struct ical_event *ev, enum ical_method m)
{
	struct err e = { { 0 } };
	char *s = ical_build(ev, m, &e);

	if (!s)
		fail_msg("ical_build: %s", e.msg);
	return s;
}

static icalcomponent *
parse_ok(const char *s)
{
	icalcomponent *c = icalparser_parse_string(s);

	assert_non_null(c);
	assert_int_equal(icalcomponent_isa(c), ICAL_VCALENDAR_COMPONENT);
	return c;
}

static const char *
param(icalproperty *p, const char *name)
{
	const char *v = icalproperty_get_parameter_as_string(p, name);

	return v ? v : "";
}

/* Lines end in CRLF, are at most 75 octets, and a fold never splits a
 * UTF-8 sequence (a continuation line never starts with 10xxxxxx). */
static void
assert_ical_lines(const char *s)
{
	while (*s) {
		const char *nl = strstr(s, "\r\n");

		assert_non_null(nl);
		if (nl - s > 75)
			fail_msg("line over 75 octets: %.*s", (int)(nl - s), s);
		if (*s == ' ')
			assert_false(((unsigned char)s[1] & 0xC0) == 0x80);
		s = nl + 2;
	}
}

/* ---- building ----------------------------------------------------------- */

static void
test_request_roundtrip(void **state)
{
	char *s = build_ok(&sample, ICAL_REQUEST);
	icalcomponent *cal, *ev, *tz;
	icalproperty *a;
	struct icaltimetype t;
	int n = 0;

	(void)state;
	assert_ical_lines(s);
	assert_null(strstr(s, "freeassociation"));
	cal = parse_ok(s);
	assert_int_equal(icalrestriction_check(cal), 1);
	assert_int_equal(icalcomponent_get_method(cal), ICAL_METHOD_REQUEST);
	tz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	assert_non_null(tz);
	assert_string_equal(icalproperty_get_tzid(
		icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY)),
		"Europe/Sofia");
	ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_string_equal(icalcomponent_get_uid(ev), sample.uid);
	assert_int_equal(icalcomponent_get_sequence(ev), 2);
	assert_string_equal(icalcomponent_get_summary(ev), sample.summary);
	assert_string_equal(icalcomponent_get_description(ev),
		sample.description);
	assert_string_equal(icalcomponent_get_location(ev), sample.location);
	assert_string_equal(param(icalcomponent_get_first_property(ev,
		ICAL_DTSTART_PROPERTY), "TZID"), "Europe/Sofia");
	/* 10:00 EEST is 07:00 UTC, resolved through our own VTIMEZONE */
	t = icalcomponent_get_dtstart(ev);
	assert_non_null(t.zone);
	assert_int_equal(icaltime_as_timet_with_zone(t, t.zone), 1792047600);
	t = icalcomponent_get_dtstamp(ev);
	assert_int_equal(icaltime_as_timet(t), sample.dtstamp);
	assert_string_equal(icalproperty_get_organizer(
		icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY)),
		"mailto:rsvp+k7Qm2x@anketa.example.org");
	for (a = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	     a; a = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
		n++;
		assert_string_equal(icalproperty_get_attendee(a),
			"mailto:ivan.petrov@kavarna.example");
		assert_string_equal(param(a, "RSVP"), "TRUE");
		assert_string_equal(param(a, "PARTSTAT"), "NEEDS-ACTION");
		assert_string_equal(param(a, "CN"), "Иван Петров");
	}
	assert_int_equal(n, 1);
	icalcomponent_free(cal);
	free(s);
}

/* The VTIMEZONE starts in the event's year: nothing from 1880 on. */
static void
test_vtimezone_trimmed(void **state)
{
	char *s = build_ok(&sample, ICAL_REQUEST);
	icalcomponent *cal = parse_ok(s);
	icalcomponent *tz = icalcomponent_get_first_component(cal,
		ICAL_VTIMEZONE_COMPONENT);
	int n = 0, before = 0;

	(void)state;
	for (icalcomponent *o = icalcomponent_get_first_component(tz,
		     ICAL_ANY_COMPONENT);
	     o; o = icalcomponent_get_next_component(tz, ICAL_ANY_COMPONENT)) {
		n++;
		before += icalcomponent_get_dtstart(o).year < 2026;
	}
	assert_int_equal(before, 0);
	assert_in_range(n, 2, 6);
	icalcomponent_free(cal);
	free(s);
}

static void
test_cancel(void **state)
{
	struct ical_event ev = sample;
	char *s;
	icalcomponent *cal, *vev;

	(void)state;
	ev.sequence = 3;
	s = build_ok(&ev, ICAL_CANCEL);
	cal = parse_ok(s);
	assert_int_equal(icalrestriction_check(cal), 1);
	assert_int_equal(icalcomponent_get_method(cal), ICAL_METHOD_CANCEL);
	vev = icalcomponent_get_first_real_component(cal);
	assert_int_equal(icalcomponent_get_status(vev), ICAL_STATUS_CANCELLED);
	assert_string_equal(icalcomponent_get_uid(vev), sample.uid);
	assert_int_equal(icalcomponent_get_sequence(vev), 3);
	icalcomponent_free(cal);
	free(s);
}

/* A three-day visit: DATE values, DTEND the day after the last day. */
static void
test_all_day(void **state)
{
	struct ical_event ev = sample;
	char *s;

	(void)state;
	ev.all_day = 1;
	ev.end = (struct ical_local){ 2026, 10, 17, 0, 0 };
	s = build_ok(&ev, ICAL_REQUEST);
	assert_non_null(strstr(s, "DTSTART;VALUE=DATE:20261015\r\n"));
	assert_non_null(strstr(s, "DTEND;VALUE=DATE:20261018\r\n"));
	free(s);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *field, *value, *want;
	} rows[] = {
		{ "uid", "", "event: no uid" },
		{ "tzid", "Mars/Olympus",
		  "event: unknown time zone \"Mars/Olympus\"" },
		{ "rrule", "FREQ=SOMETIMES", "bad rrule \"FREQ=SOMETIMES\"" },
		{ "rrule", "FREQ=WEEKLY;UNTIL=20261231T100000",
		  "UNTIL must be UTC" },
		{ "attendee", NULL, "event: no attendee" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ical_event ev = sample;
		struct err e = { { 0 } };

		if (strcmp(rows[i].field, "uid") == 0)
			ev.uid = rows[i].value;
		else if (strcmp(rows[i].field, "tzid") == 0)
			ev.tzid = rows[i].value;
		else if (strcmp(rows[i].field, "rrule") == 0)
			ev.rrule = rows[i].value;
		else
			ev.attendee = rows[i].value;
		assert_null(ical_build(&ev, ICAL_REQUEST, &e));
		if (!strstr(e.msg, rows[i].want))
			fail_msg("row %zu: got \"%s\"", i, e.msg);
	}
	struct ical_event ev = sample;
	struct err e = { { 0 } };

	ev.end = (struct ical_local){ 2026, 10, 15, 9, 0 };
	assert_null(ical_build(&ev, ICAL_REQUEST, &e));
	assert_string_equal(e.msg, "event: end is before start");
	ev = sample;
	ev.start.day = 31;	/* 31 October is fine, 31 November not */
	ev.start.month = 11;
	assert_null(ical_build(&ev, ICAL_REQUEST, &e));
}

/* ---- against the real invitations -------------------------------------- */

static const char *const real_requests[] = {
	"tests/data/imip/thunderbird/invitations/outlook-test-invite.eml",
	"tests/data/imip/thunderbird/invitations/teams-meeting-invite.eml",
	"tests/data/imip/thunderbird/invitations/meet-meeting-invite.eml",
	"tests/data/imip/thunderbird/invitations/repeat-event.eml",
	"tests/data/imip/thunderbird/invitations/single-event.eml",
	"tests/data/imip/thunderbird/invitations/update-major.eml",
};

static int
has_prop(icalcomponent *c, const char *name)
{
	for (icalproperty *p = icalcomponent_get_first_property(c,
		     ICAL_ANY_PROPERTY);
	     p; p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY))
		if (strcmp(icalproperty_get_property_name(p), name) == 0)
			return 1;
	return 0;
}

/* Every property of VCALENDAR and VEVENT, and every parameter of the
 * answering ATTENDEE (RSVP=TRUE), that all the real REQUESTs have, ours
 * has too. Candidate names are taken from the first sample. */
static void
test_structure_like_real_requests(void **state)
{
	const size_t nreal = sizeof(real_requests) / sizeof(*real_requests);
	icalcomponent *cals[sizeof(real_requests) / sizeof(*real_requests)];
	char *ours = build_ok(&sample, ICAL_REQUEST);
	icalcomponent *mine = parse_ok(ours);
	icalcomponent *myev = icalcomponent_get_first_real_component(mine);
	int common = 0;

	(void)state;
	for (size_t i = 0; i < nreal; i++) {
		char *s = calendar_of(real_requests[i]);

		cals[i] = parse_ok(s);
		assert_int_equal(icalcomponent_get_method(cals[i]),
			ICAL_METHOD_REQUEST);
		free(s);
	}
	for (int level = 0; level < 2; level++) {
		icalcomponent *first = level ? icalcomponent_get_first_real_component(
			cals[0]) : cals[0];

		for (icalproperty *p = icalcomponent_get_first_property(first,
			     ICAL_ANY_PROPERTY);
		     p; p = icalcomponent_get_next_property(first,
			     ICAL_ANY_PROPERTY)) {
			const char *name = icalproperty_get_property_name(p);
			int all = 1;

			for (size_t i = 1; i < nreal && all; i++)
				all = has_prop(level ? icalcomponent_get_first_real_component(
					cals[i]) : cals[i], name);
			if (!all)
				continue;
			common++;
			if (!has_prop(level ? myev : mine, name))
				fail_msg("every real REQUEST has %s, ours not",
					 name);
		}
	}
	/* VERSION PRODID METHOD; UID DTSTAMP DTSTART DTEND ORGANIZER
	 * ATTENDEE SUMMARY SEQUENCE ... at least these */
	assert_true(common >= 10);
	/* the invitee's ATTENDEE parameters every sample uses */
	static const char *const params[] = { "PARTSTAT", "RSVP", "CN" };
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < nreal; i++) {
			icalcomponent *ev = icalcomponent_get_first_real_component(
				cals[i]);
			int found = 0;

			for (icalproperty *a = icalcomponent_get_first_property(
				     ev, ICAL_ATTENDEE_PROPERTY);
			     a; a = icalcomponent_get_next_property(ev,
				     ICAL_ATTENDEE_PROPERTY))
				found |= strcmp(param(a, "RSVP"), "TRUE") == 0 &&
					 *param(a, params[k]);
			assert_true(found);
			assert_true(*param(icalcomponent_get_first_property(
				myev, ICAL_ATTENDEE_PROPERTY), params[k]));
		}
	for (size_t i = 0; i < nreal; i++)
		icalcomponent_free(cals[i]);
	icalcomponent_free(mine);
	free(ours);
}

/* ---- MIME layout -------------------------------------------------------- */

static const char *
ctype_name(struct mailmime_content *ct, char *buf, size_t size)
{
	const char *top = "?";
	struct mailmime_type *t = ct->ct_type;

	if (t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE)
		top = t->tp_data.tp_composite_type->ct_type ==
		      MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart" : "message";
	else
		switch (t->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT: top = "text"; break;
		case MAILMIME_DISCRETE_TYPE_APPLICATION: top = "application"; break;
		default: top = "other"; break;
		}
	snprintf(buf, size, "%s/%s", top, ct->ct_subtype);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return buf;
}

static int
is_attachment(struct mailmime *m)
{
	if (!m->mm_mime_fields)
		return 0;
	for (clistiter *it = clist_begin(m->mm_mime_fields->fld_list); it;
	     it = clist_next(it)) {
		struct mailmime_field *f = clist_content(it);

		if (f->fld_type == MAILMIME_FIELD_DISPOSITION &&
		    f->fld_data.fld_disposition->dsp_type->dsp_type ==
			    MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
			return 1;
	}
	return 0;
}

/* "multipart/mixed(multipart/alternative(text/plain,...),...)" with a
 * calendar's method and "[att]" for attachments. */
static void
tree(struct mailmime *m, struct buf *b)
{
	char name[128];

	if (m->mm_type == MAILMIME_MESSAGE) {
		tree(m->mm_data.mm_message.mm_msg_mime, b);
		return;
	}
	buf_adds(b, ctype_name(m->mm_content_type, name, sizeof(name)));
	if (strcmp(name, "text/calendar") == 0)
		for (clistiter *it = clist_begin(
			     m->mm_content_type->ct_parameters);
		     it; it = clist_next(it)) {
			struct mailmime_parameter *p = clist_content(it);

			if (strcasecmp(p->pa_name, "method") == 0)
				buf_printf(b, ";method=%s", p->pa_value);
		}
	if (is_attachment(m))
		buf_adds(b, "[att]");
	if (m->mm_type == MAILMIME_MULTIPLE) {
		int first = 1;

		buf_addc(b, '(');
		for (clistiter *it = clist_begin(
			     m->mm_data.mm_multipart.mm_mp_list);
		     it; it = clist_next(it)) {
			if (!first)
				buf_addc(b, ',');
			first = 0;
			tree(clist_content(it), b);
		}
		buf_addc(b, ')');
	}
}

static char *
tree_of(const char *msg, size_t len)
{
	struct mailmime *mm = NULL;
	size_t idx = 0;
	struct buf b;

	assert_int_equal(mailmime_parse(msg, len, &idx, &mm),
		MAILIMF_NO_ERROR);
	buf_init(&b, 0);
	tree(mm, &b);
	mailmime_free(mm);
	buf_cstr(&b);
	return buf_steal(&b);
}

/* Our invitation has the tree of Google Calendar's own invitation (the
 * layout Gmail shows its RSVP buttons for); Exchange's is the same less
 * the invite.ics attachment (docs/imip.md). */
static void
test_mime_layout_is_googles(void **state)
{
	char *ics = build_ok(&sample, ICAL_REQUEST);
	struct mime *m = mime_new();
	struct buf out;
	struct err e;
	size_t n;
	char *google = slurp(real_requests[2], &n);
	char *want = tree_of(google, n), *got, *exch;
	char *outlook = slurp(real_requests[0], &n);

	(void)state;
	mime_addr(m, "From", "Платформа", "rsvp+k7Qm2x@anketa.example.org");
	mime_addr(m, "To", "Иван Петров", "ivan.petrov@kavarna.example");
	mime_header(m, "Subject", "Покана: обмен на опит");
	ical_mime_body(m, "Текст", "<p>Текст</p>", ics, ICAL_REQUEST);
	buf_init(&out, 0);
	if (mime_build(m, &out, &e) != 0)
		fail_msg("%s", e.msg);
	got = tree_of(buf_cstr(&out), out.len);
	assert_string_equal(want, "multipart/mixed(multipart/alternative("
		"text/plain,text/html,text/calendar;method=REQUEST),"
		"application/ics[att])");
	assert_string_equal(got, want);
	exch = tree_of(outlook, n);
	assert_non_null(strstr(want, exch));
	/* the calendar part is the object, byte for byte */
	assert_non_null(strstr(buf_cstr(&out), "method=REQUEST"));
	free(exch);
	free(got);
	free(want);
	free(google);
	free(outlook);
	buf_free(&out);
	mime_free(&m);
	free(ics);
}

/* ---- RRULE across DST --------------------------------------------------- */

static void
expand_check(const char *rrule, struct ical_local start, const char *tzid,
	     const int64_t *want, size_t nwant)
{
	struct ical_event ev = sample;
	struct err e = { { 0 } };
	int64_t got[32];
	long n;

	ev.rrule = rrule;
	ev.start = start;
	ev.end = start;
	ev.end.hour += 2;
	ev.tzid = tzid;
	n = ical_expand(&ev, 0, INT64_MAX, got, 32, &e);
	if (n < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(n, (long)nwant);
	for (size_t i = 0; i < nwant; i++)
		if (got[i] != want[i])
			fail_msg("%s #%zu: got %lld want %lld", rrule, i,
				 (long long)got[i], (long long)want[i]);
}

static void
test_rrule_across_dst(void **state)
{
	/* every second Tuesday at 10:00 Sofia: 13 Oct is summer (07:00Z),
	 * 10 Nov and 8 Dec winter (08:00Z), 13 Apr 2027 summer again */
	static const int64_t sofia[] = {
		1791874800,	/* Tue 13 Oct 2026 07:00Z (EEST) */
		1794297600,	/* Tue 10 Nov 2026 08:00Z (EET) */
		1796716800,	/* Tue  8 Dec 2026 08:00Z */
		1799740800,	/* Tue 12 Jan 2027 08:00Z */
		1802160000,	/* Tue  9 Feb 2027 08:00Z */
		1804579200,	/* Tue  9 Mar 2027 08:00Z */
		1807599600,	/* Tue 13 Apr 2027 07:00Z (EEST) */
	};
	/* weekly, Brussels 09:30, the week of the autumn change */
	static const int64_t brussels[] = {
		1792567800,		/* Wed 21 Oct 2026 07:30Z (CEST) */
		1793176200,		/* Wed 28 Oct 2026 08:30Z (CET) */
	};
	(void)state;
	expand_check("FREQ=MONTHLY;BYDAY=2TU;COUNT=7",
		(struct ical_local){ 2026, 10, 13, 10, 0 }, "Europe/Sofia",
		sofia, 7);
	expand_check("FREQ=WEEKLY;COUNT=2",
		(struct ical_local){ 2026, 10, 21, 9, 30 }, "Europe/Brussels",
		brussels, 2);
}

/* ---- replies ------------------------------------------------------------ */

static char *
field(char **line)
{
	char *f = strsep(line, "\t");

	return f && strcmp(f, "-") == 0 ? "" : f;
}

static void
test_replies_of_every_client(void **state)
{
	char *tsv = slurp("tests/data/ical/expected.tsv", NULL);
	char *save = NULL;
	int n = 0;

	(void)state;
	for (char *line = strtok_r(tsv, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct ical_reply r;
		struct err e;
		char *file, *rel, *cal;

		if (line[0] == '#')
			continue;
		file = field(&line);
		rel = xasprintf("tests/data/ical/%s", file);
		cal = calendar_of(rel);
		assert_int_equal(ical_reply_parse(cal, &r, &e), 1);
		assert_string_equal(r.kind == ICAL_REPLY ? "REPLY" : "COUNTER",
			field(&line));
		assert_string_equal(r.uid, field(&line));
		assert_int_equal(r.sequence, atoi(field(&line)));
		assert_string_equal(r.attendee, field(&line));
		assert_string_equal(ical_partstat_name(r.partstat),
			field(&line));
		assert_string_equal(r.delegated_to, field(&line));
		assert_int_equal(r.counter_start, atoll(field(&line)));
		assert_int_equal(r.counter_end, atoll(field(&line)));
		n++;
		free(cal);
		free(rel);
	}
	assert_int_equal(n, 7);
	free(tsv);
}

/* The one real client REPLY (Apple iCal 3.0), its time in a TZID of the
 * sender's own VTIMEZONE, and the non-replies of the corpus. */
static void
test_real_apple_reply_and_non_replies(void **state)
{
	struct ical_reply r;
	struct err e;
	char *cal = calendar_of(
		"tests/data/imip/ccs_calendarserver/data/good_reply");

	(void)state;
	assert_int_equal(ical_reply_parse(cal, &r, &e), 1);
	assert_int_equal(r.kind, ICAL_REPLY);
	assert_string_equal(r.uid, "1E71F9C8-AEDA-48EB-98D0-76E898F6BB5C");
	assert_int_equal(r.sequence, 7);
	assert_string_equal(r.attendee, "xyzzy@example.com");
	assert_int_equal(r.partstat, ICAL_PS_ACCEPTED);
	assert_string_equal(r.organizer, "ical-living-on+d7cdf68d-8b73-4df1-"
		"ad3b-f08002fb285f@example.com");
	free(cal);
	cal = calendar_of(real_requests[0]);
	assert_int_equal(ical_reply_parse(cal, &r, &e), 0);
	free(cal);
	cal = calendar_of(
		"tests/data/imip/thunderbird/invitations/cancel-single-event.eml");
	assert_int_equal(ical_reply_parse(cal, &r, &e), 0);
	free(cal);
	assert_int_equal(ical_reply_parse("hello", &r, &e), -1);
	assert_int_equal(ical_reply_parse("", &r, &e), -1);
}

/* Our own REQUEST, turned into a REPLY the way a client does (METHOD and
 * PARTSTAT changed), reads back as that answer. */
static void
test_reply_to_our_request(void **state)
{
	static const char *const ps[] = { "ACCEPTED", "DECLINED",
		"TENTATIVE" };
	char *s = build_ok(&sample, ICAL_REQUEST);

	(void)state;
	for (int i = 0; i < 3; i++) {
		icalcomponent *cal = parse_ok(s);
		icalcomponent *ev = icalcomponent_get_first_real_component(cal);
		icalproperty *a = icalcomponent_get_first_property(ev,
			ICAL_ATTENDEE_PROPERTY);
		struct ical_reply r;
		struct err e;

		icalcomponent_set_method(cal, ICAL_METHOD_REPLY);
		icalproperty_set_parameter_from_string(a, "PARTSTAT", ps[i]);
		assert_int_equal(ical_reply_parse(
			icalcomponent_as_ical_string(cal), &r, &e), 1);
		assert_string_equal(ical_partstat_name(r.partstat), ps[i]);
		assert_string_equal(r.attendee, "ivan.petrov@kavarna.example");
		assert_string_equal(r.organizer,
			"rsvp+k7qm2x@anketa.example.org");
		assert_int_equal(r.sequence, 2);
		icalcomponent_free(cal);
	}
	free(s);
}

/* The answering ATTENDEE is the one with an answer, wherever it stands:
 * here the delegate (NEEDS-ACTION) comes first. */
static void
test_answering_attendee_not_first(void **state)
{
	static const char ics[] =
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n"
		"METHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:u1\r\nSEQUENCE:4\r\n"
		"DTSTAMP:20261002T081000Z\r\n"
		"ATTENDEE;PARTSTAT=NEEDS-ACTION;DELEGATED-FROM=\"mailto:a@x.ex"
		"ample\":mailto:b@x.example\r\n"
		"ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO=\"mailto:B@x.exampl"
		"e\":mailto:A@X.example\r\n"
		"END:VEVENT\r\nEND:VCALENDAR\r\n";
	struct ical_reply r;
	struct err e;

	(void)state;
	assert_int_equal(ical_reply_parse(ics, &r, &e), 1);
	assert_string_equal(r.attendee, "a@x.example");
	assert_int_equal(r.partstat, ICAL_PS_DELEGATED);
	assert_string_equal(r.delegated_to, "b@x.example");
	assert_int_equal(r.sequence, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_roundtrip),
		cmocka_unit_test(test_vtimezone_trimmed),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_all_day),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_structure_like_real_requests),
		cmocka_unit_test(test_mime_layout_is_googles),
		cmocka_unit_test(test_rrule_across_dst),
		cmocka_unit_test(test_replies_of_every_client),
		cmocka_unit_test(test_real_apple_reply_and_non_replies),
		cmocka_unit_test(test_reply_to_our_request),
		cmocka_unit_test(test_answering_attendee_not_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
