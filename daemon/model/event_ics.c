/*
 * event_ics.c -- see event_ics.h.
 */
#include "model/event_ics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/xmem.h"
#include "mail/ical.h"
#include "store/store_event.h"

struct evcopy {
	int found;
	int sequence;
	char *uid, *status, *tzid, *dtstart, *dtend, *rrule, *venue, *online;
	char *organizer, *spec;
};

static char *
dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static int
copy_cb(void *arg, const struct store_event *ev)
{
	struct evcopy *c = arg;

	c->found = 1;
	c->sequence = ev->sequence;
	c->uid = dup_or_null(ev->uid);
	c->status = dup_or_null(ev->status);
	c->tzid = dup_or_null(ev->tzid);
	c->dtstart = dup_or_null(ev->dtstart);
	c->dtend = dup_or_null(ev->dtend);
	c->rrule = dup_or_null(ev->rrule);
	c->venue = dup_or_null(ev->venue);
	c->online = dup_or_null(ev->online);
	c->organizer = dup_or_null(ev->organizer);
	c->spec = dup_or_null(ev->spec);
	return 0;
}

static void
evcopy_free(struct evcopy *c)
{
	free(c->uid), free(c->status), free(c->tzid), free(c->dtstart);
	free(c->dtend), free(c->rrule), free(c->venue), free(c->online);
	free(c->organizer), free(c->spec);
}

/* "YYYY-MM-DD[THH:MM]" (event.c made it) into t; 1 with a time. */
static int
local_of(const char *s, struct ical_local *t)
{
	memset(t, 0, sizeof(*t));
	sscanf(s, "%d-%d-%d", &t->year, &t->month, &t->day);
	if (strlen(s) > 10) {
		sscanf(s + 11, "%d:%d", &t->hour, &t->minute);
		return 1;
	}
	return 0;
}

/* spec.KEY.lang, else spec.KEY.en, else NULL (borrowed from root). */
static const char *
spec_text(json_t *root, const char *key, const char *lang)
{
	json_t *o = json_object_get(root, key);
	json_t *v = json_object_get(o, lang ? lang : "en");

	if (!json_is_string(v))
		v = json_object_get(o, "en");
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The organiser's name: "Name <addr>" -> "Name" (a copy), or NULL. */
static char *
organizer_name(const char *org)
{
	const char *lt = org ? strchr(org, '<') : NULL;
	size_t n = lt ? (size_t)(lt - org) : 0;

	while (n > 0 && org[n - 1] == ' ')
		n--;
	return n ? xstrndup(org, n) : NULL;
}

static int
wants_calendar(const struct store_outrow *row)
{
	return row->campaign_id > 0 && row->kind != NULL &&
	       (strcmp(row->kind, "invite") == 0 ||
		strcmp(row->kind, "update") == 0 ||
		strcmp(row->kind, "cancel") == 0);
}

static char *
build(const struct config *cfg, const struct store_outrow *row,
      const struct evcopy *c, int64_t now, int cancel, struct err *e)
{
	const struct store_contact *k = row->contact;
	const char *lang = k && k->language ? k->language : "en";
	struct ical_event ev = { 0 };
	json_t *spec = json_loads(c->spec ? c->spec : "{}", 0, NULL);
	char *org = config_expand_token(cfg->reply_to && *cfg->reply_to ?
					cfg->reply_to : cfg->from_address,
					k && k->token ? k->token : row->token);
	char *oname = organizer_name(c->organizer), *ics;

	ev.uid = c->uid;
	ev.sequence = c->sequence;
	ev.summary = spec_text(spec, "title", lang);
	ev.description = spec_text(spec, "description", lang);
	ev.location = c->venue;
	ev.url = c->online;
	ev.lang = lang;
	ev.tzid = c->tzid;
	ev.all_day = !local_of(c->dtstart, &ev.start);
	local_of(c->dtend ? c->dtend : c->dtstart, &ev.end);
	if (!ev.all_day && c->dtend == NULL)
		ev.end.hour = ev.start.hour < 23 ? ev.start.hour + 1 : 23,
		ev.end.minute = ev.start.hour < 23 ? ev.start.minute : 59;
	ev.rrule = c->rrule;
	ev.organizer = org;
	ev.organizer_name = oname;
	ev.attendee = row->rcpt;
	ev.attendee_name = k ? k->name : NULL;
	ev.dtstamp = now;
	ics = ical_build(&ev, cancel ? ICAL_CANCEL : ICAL_REQUEST, e);
	json_decref(spec);
	free(org);
	free(oname);
	return ics;
}

int
event_ics(struct store *s, const struct config *cfg,
	  const struct store_outrow *row, char **ics_r, int *cancel_r,
	  struct err *e)
{
	struct evcopy c = { 0 };
	char key[32];
	int rc;

	*ics_r = NULL;
	if (!wants_calendar(row))
		return 0;
	snprintf(key, sizeof(key), "%lld", (long long)row->campaign_id);
	rc = store_event_find(s, "campaign", key, copy_cb, &c, e);
	if (rc == 1 && (c.dtstart == NULL || c.uid == NULL ||
			strcmp(c.status, "poll") == 0))
		rc = 0;	/* a poll: plain mail until a date is fixed */
	if (rc == 1) {
		*cancel_r = strcmp(row->kind, "cancel") == 0 ||
			    strcmp(c.status, "cancelled") == 0;
		*ics_r = build(cfg, row, &c, store_now(s), *cancel_r, e);
		rc = *ics_r ? 1 : -1;
	}
	evcopy_free(&c);
	return rc;
}
