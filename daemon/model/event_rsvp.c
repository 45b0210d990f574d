/*
 * event_rsvp.c -- what changes an event after it was stored: updates and
 * cancellations to every invitee, RSVPs with the seat allocation
 * (seats.h), and date polls; see event.h. Every change is one store
 * transaction, the mail it causes enqueued in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/lang.h"
#include "base/xmem.h"
#include "model/event.h"
#include "model/event_private.h"
#include "model/seats.h"
#include "store/store_event.h"

size_t
event_lang_index(const char *code)
{
	for (size_t i = 0; i < LANG_N; i++)
		if (strcmp(lang_code[i], code) == 0)
			return i;
	return 0;
}

int
event_campaign_id_cb(void *arg, const struct store_campaign *c)
{
	*(int64_t *)arg = c->id;
	return 0;
}

/* The stored event, copied out of the callback. */
struct ev {
	int64_t id, campaign_id;
	int sequence;
	long total, per_town;
	char *name, *uid, *status, *poll_question;
	char *start, *tzid, *where, *spec;	/* for the mail's text */
};

static int
ev_copy_cb(void *arg, const struct store_event *se)
{
	struct ev *v = arg;

	v->id = se->id;
	v->campaign_id = se->campaign_id;
	v->sequence = se->sequence;
	v->total = se->seats_total;
	v->per_town = se->seats_per_town;
	v->name = xstrdup(se->name);
	v->uid = xstrdup(se->uid);
	v->status = xstrdup(se->status);
	v->poll_question = se->poll_question ? xstrdup(se->poll_question)
					     : NULL;
	v->start = xstrdup(se->dtstart ? se->dtstart : "");
	v->tzid = xstrdup(se->tzid ? se->tzid : "");
	v->where = xstrdup(se->venue ? se->venue : se->online ? se->online
							       : "");
	v->spec = xstrdup(se->spec ? se->spec : "{}");
	return 0;
}

static void
ev_free(struct ev *v)
{
	free(v->name);
	free(v->uid);
	free(v->status);
	free(v->poll_question);
	free(v->start);
	free(v->tzid);
	free(v->where);
	free(v->spec);
	memset(v, 0, sizeof(*v));
}

/* 1 found, 0 not (e says so), -1. */
static int
ev_get(struct store *s, const char *by, const char *key, struct ev *v,
       struct err *e)
{
	int rc;

	memset(v, 0, sizeof(*v));
	rc = store_event_find(s, by, key, ev_copy_cb, v, e);
	if (rc == 0)
		err_set(e, "event %s: not in the store", key);
	return rc;
}

/* ---- the people of an event ---------------------------------------------- */

struct person {
	int64_t contact_id, delegated_from;
	char *town, *partstat, *seat;
	int64_t arrival, order;
};

struct people {
	struct person *v;
	size_t n;
};

static int
people_cb(void *arg, const struct store_event_person *p)
{
	struct people *pp = arg;
	struct person *q;

	pp->v = xreallocarray(pp->v, pp->n + 1, sizeof(*pp->v));
	q = &pp->v[pp->n++];
	q->contact_id = p->c->id;
	q->delegated_from = p->delegated_from;
	q->town = xstrdup(p->town_key);
	q->partstat = p->partstat ? xstrdup(p->partstat) : NULL;
	q->seat = p->seat ? xstrdup(p->seat) : NULL;
	q->arrival = p->arrival;
	q->order = p->arrival_order;
	return 0;
}

static void
people_free(struct people *pp)
{
	for (size_t i = 0; i < pp->n; i++) {
		free(pp->v[i].town);
		free(pp->v[i].partstat);
		free(pp->v[i].seat);
	}
	free(pp->v);
	memset(pp, 0, sizeof(*pp));
}

static int
people_load(struct store *s, const struct ev *v, struct people *pp,
	    struct err *e)
{
	struct store_event se = { .id = v->id, .campaign_id = v->campaign_id };

	memset(pp, 0, sizeof(*pp));
	return store_event_people_each(s, &se, people_cb, pp, e);
}

static const struct person *
person_of(const struct people *pp, int64_t contact_id)
{
	for (size_t i = 0; i < pp->n; i++)
		if (pp->v[i].contact_id == contact_id)
			return &pp->v[i];
	return NULL;
}

/* ---- mail ---------------------------------------------------------------- */

/* Why a mail of the event goes out; each is a template flag of its own
 * (templates/update, cancel, seat: Mustache has no comparison). */
static const char *const whys[] = {
	"changed", "fixed", "confirm-again", "cancelled", "removed",
	"seated", "waiting",
};

/* The row's values: the event, its SEQUENCE, why, each why as a flag,
 * the title in every language (English where there is none), when and
 * where. */
static void
mail_vars(struct buf *b, const struct ev *v, const char *why)
{
	json_t *spec = json_loads(v->spec ? v->spec : "{}", 0, NULL);
	json_t *titles = json_object_get(spec, "title");
	const char *en = json_string_value(json_object_get(titles, "en"));

	buf_addc(b, '{');
	json_kv_str(b, 1, "event", v->name);
	json_kv_str(b, 0, "uid", v->uid);
	json_kv_int(b, 0, "sequence", v->sequence);
	json_kv_str(b, 0, "change", why);
	for (size_t i = 0; i < sizeof(whys) / sizeof(*whys); i++) {
		char key[32];

		snprintf(key, sizeof(key), "is_%s", whys[i]);
		for (char *p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		buf_printf(b, ",\"%s\":%s", key,
			   strcmp(why, whys[i]) == 0 ? "true" : "false");
	}
	for (size_t i = 0; i < LANG_N; i++) {
		const char *t = json_string_value(json_object_get(titles,
								  lang_code[i]));
		char key[16];

		snprintf(key, sizeof(key), "title_%s", lang_code[i]);
		json_kv_str(b, 0, key, t ? t : en ? en : v->name);
	}
	json_kv_str(b, 0, "start", v->start);
	json_kv_str(b, 0, "timezone", v->tzid);
	json_kv_str(b, 0, "where", v->where);
	buf_addc(b, '}');
	json_decref(spec);
}

static int
enqueue_one(struct store *s, const struct ev *v, int64_t contact_id,
	    const char *kind, const char *why, int64_t inbound_id,
	    struct err *e)
{
	struct store_enqueue q = { 0 };
	struct buf b;
	int rc;

	buf_init(&b, 0);
	mail_vars(&b, v, why);
	q.campaign_id = v->campaign_id;
	q.contact_id = contact_id;
	q.kind = kind;
	q.vars = buf_cstr(&b);
	q.inbound_id = inbound_id;
	rc = store_outbox_enqueue(s, &q, NULL, e);
	buf_free(&b);
	return rc;
}

static int
enqueue_people(struct store *s, const struct ev *v, const char *kind,
	       const char *why, long *n_r, struct err *e)
{
	struct people pp;
	long n = 0;
	int rc = people_load(s, v, &pp, e);

	for (size_t i = 0; rc == 0 && i < pp.n; i++)
		if ((rc = enqueue_one(s, v, pp.v[i].contact_id, kind, why, 0,
				      e)) == 0)
			n++;
	people_free(&pp);
	if (n_r)
		*n_r = n;
	return rc;
}

int
event_enqueue_all(struct store *s, int64_t event_id, const char *kind,
		  const char *why, long *n_r, struct err *e)
{
	char key[32];
	struct ev v;
	int rc;

	snprintf(key, sizeof(key), "%lld", (long long)event_id);
	if (ev_get(s, "id", key, &v, e) == 1)
		rc = enqueue_people(s, &v, kind, why, n_r, e);
	else
		rc = -1;
	ev_free(&v);
	return rc;
}

/* ---- seats --------------------------------------------------------------- */

/* Whether p holds (or waits for) a place: an acceptance, or a delegate
 * who has not declined (the delegator's place is held for them). */
static int
wants_seat(const struct person *p)
{
	if (p->partstat == NULL)
		return p->delegated_from != 0;
	return strcmp(p->partstat, "ACCEPTED") == 0;
}

/* Recompute the allocation, write what changed and tell those whose
 * seat changed (promoted, or put on the waiting list). Returns the
 * number told; *seat_r gets contact's new state (static). */
static int
reallocate(struct store *s, const struct ev *v, int64_t contact,
	   const char **seat_r, long *told_r, struct err *e)
{
	struct seats_caps caps = { v->total, v->per_town };
	struct people pp;
	struct seats_cand *c;
	int rc = people_load(s, v, &pp, e);

	if (rc < 0)
		return -1;
	c = xcalloc(pp.n + 1, sizeof(*c));
	for (size_t i = 0; i < pp.n; i++) {
		const struct person *p = &pp.v[i];
		const struct person *from = p->delegated_from ?
			person_of(&pp, p->delegated_from) : NULL;

		/* a delegate takes the delegator's town and place */
		c[i].contact_id = p->contact_id;
		c[i].town = from ? from->town : p->town;
		c[i].arrival = from ? from->arrival : p->arrival;
		c[i].order = from ? from->order : p->order;
		c[i].accepted = wants_seat(p);
	}
	seats_allocate(&caps, c, pp.n);
	for (size_t i = 0; rc == 0 && i < pp.n; i++) {
		const struct person *p = person_of(&pp, c[i].contact_id);
		const char *now = c[i].state == SEATS_NONE ? NULL :
				  seats_state_name(c[i].state);
		const char *was = p->seat;

		if (c[i].contact_id == contact && seat_r)
			*seat_r = now;
		if ((now == NULL && was == NULL) ||
		    (now && was && strcmp(now, was) == 0))
			continue;
		rc = store_event_seat_set(s, v->id, c[i].contact_id, now, e);
		/* told only where places are limited: a seat or a wait */
		if (rc == 0 && now && (v->total > 0 || v->per_town > 0)) {
			rc = enqueue_one(s, v, c[i].contact_id, "seat", now, 0,
					 e);
			(*told_r)++;
		}
	}
	free(c);
	people_free(&pp);
	return rc;
}

/* ---- RSVPs --------------------------------------------------------------- */

static int
rsvp_event(struct store *s, const struct event_rsvp *r, struct ev *v,
	   struct err *e)
{
	char key[32];

	if (r->uid && *r->uid)
		return store_event_find(s, "uid", r->uid, ev_copy_cb, v, e);
	if (r->campaign_id <= 0)
		return 0;
	snprintf(key, sizeof(key), "%lld", (long long)r->campaign_id);
	return store_event_find(s, "campaign", key, ev_copy_cb, v, e);
}

static int
contact_id_cb(void *arg, const struct store_contact *c)
{
	*(int64_t *)arg = c->id;
	return 0;
}

static int
rsvp_store(struct store *s, const struct event_rsvp *r, const struct ev *v,
	   struct err *e)
{
	struct store_rsvp sr = { 0 };
	int64_t delegate = r->delegate_id;

	/* a delegate named by address: a contact of ours, or nobody */
	if (delegate <= 0 && r->delegate_email && *r->delegate_email &&
	    store_contact_find(s, "email", r->delegate_email, contact_id_cb,
			       &delegate, e) < 0)
		return -1;
	sr.event_id = v->id;
	sr.contact_id = r->contact_id;
	sr.partstat = r->partstat;
	sr.sequence = r->sequence < 0 ? v->sequence : r->sequence;
	sr.source = r->source;
	sr.arrival = r->arrival;
	sr.arrival_order = r->arrival_order ? r->arrival_order
					    : r->inbound_id;
	sr.inbound_id = r->inbound_id;
	if (store_event_rsvp_put(s, &sr, e) < 0)
		return -1;
	if (strcmp(r->partstat, "DELEGATED") == 0 && delegate > 0 &&
	    store_event_attendee_set(s, v->id, delegate, 0, r->contact_id,
				     e) < 0)
		return -1;
	return 0;
}

int
event_rsvp(struct store *s, const struct event_rsvp *r,
	   struct event_rsvp_result *res, struct err *e)
{
	struct ev v;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&v, 0, sizeof(v));
	if ((rc = rsvp_event(s, r, &v, e)) <= 0) {
		res->outcome = EVENT_RSVP_NO_EVENT;
		ev_free(&v);
		return rc;
	}
	if (r->sequence >= 0 && r->sequence < v.sequence) {
		/* an answer to the old time is no answer to the new one */
		res->outcome = EVENT_RSVP_STALE;
		rc = enqueue_one(s, &v, r->contact_id, "update",
				 "confirm-again", r->inbound_id, e);
	} else {
		res->outcome = EVENT_RSVP_RECORDED;
		rc = rsvp_store(s, r, &v, e);
		if (rc == 0)
			rc = reallocate(s, &v, r->contact_id, &res->seat,
					&res->told, e);
	}
	ev_free(&v);
	return rc;
}

/* ---- changes ------------------------------------------------------------- */

/* Run fn inside one transaction on the named event. */
static int
ev_tx(struct store *s, const char *name,
      int (*fn)(struct store *, struct ev *, const void *, long *,
		struct err *), const void *arg, long *n_r, struct err *e)
{
	struct ev v;
	long n = 0;
	int rc;

	if (store_begin(s, e) < 0)
		return -1;
	rc = ev_get(s, "name", name, &v, e);
	if (rc == 1)
		rc = fn(s, &v, arg, &n, e);
	else
		rc = -1;
	ev_free(&v);
	if (rc < 0 || store_commit(s, e) < 0) {
		store_rollback(s);
		return -1;
	}
	if (n_r)
		*n_r = n;
	return rc;
}

static int
do_cancel(struct store *s, struct ev *v, const void *arg, long *n_r,
	  struct err *e)
{
	(void)arg;
	if (strcmp(v->status, "cancelled") == 0) {
		err_set(e, "event %s: already cancelled", v->name);
		return -1;
	}
	if (store_event_cancel(s, v->id, e) < 0)
		return -1;
	v->sequence++;
	return enqueue_people(s, v, "cancel", "cancelled", n_r, e);
}

int
event_cancel(struct store *s, const char *name, long *n_r, struct err *e)
{
	return ev_tx(s, name, do_cancel, NULL, n_r, e);
}

static int
do_uninvite(struct store *s, struct ev *v, const void *arg, long *n_r,
	    struct err *e)
{
	const char *email = arg;
	int64_t cid = 0;
	long told = 0;
	int rc = store_contact_find(s, "email", email, contact_id_cb, &cid, e);

	if (rc == 0)
		err_set(e, "%s: not a contact", email);
	if (rc < 1)
		return -1;
	/* the CANCEL first: the person is still among the invitees */
	if (enqueue_one(s, v, cid, "cancel", "removed", 0, e) < 0 ||
	    store_event_attendee_set(s, v->id, cid, 1, 0, e) < 0 ||
	    store_event_seat_set(s, v->id, cid, NULL, e) < 0 ||
	    reallocate(s, v, cid, NULL, &told, e) < 0)
		return -1;
	*n_r = 1 + told;
	return 0;
}

int
event_uninvite(struct store *s, const char *name, const char *email,
	       struct err *e)
{
	return ev_tx(s, name, do_uninvite, email, NULL, e);
}

static int
do_fix(struct store *s, struct ev *v, const void *arg, long *n_r,
       struct err *e)
{
	int rc = store_event_fix(s, v->id, arg, e);

	if (rc < 1)
		return rc;
	if (enqueue_people(s, v, "update", "fixed", n_r, e) < 0)
		return -1;
	return 1;
}

int
event_fix(struct store *s, const char *name, const char *option, long *n_r,
	  struct err *e)
{
	return ev_tx(s, name, do_fix, option, n_r, e);
}

/* ---- date polls ---------------------------------------------------------- */

struct tally {
	const char *question;
	char **opt, **start;
	long *votes;
	size_t n;
};

static int
tally_opt_cb(void *arg, const char *opt, const char *dtstart,
	     const char *dtend)
{
	struct tally *t = arg;

	(void)dtend;
	t->opt = xreallocarray(t->opt, t->n + 1, sizeof(*t->opt));
	t->start = xreallocarray(t->start, t->n + 1, sizeof(*t->start));
	t->votes = xreallocarray(t->votes, t->n + 1, sizeof(*t->votes));
	t->opt[t->n] = xstrdup(opt);
	t->start[t->n] = xstrdup(dtstart);
	t->votes[t->n++] = 0;
	return 0;
}

/* A `date` answer holds one or more option ids, comma-separated. */
static int
tally_answer_cb(void *arg, const char *question, const char *value,
		int64_t contact_id)
{
	struct tally *t = arg;

	(void)contact_id;
	if (t->question == NULL || strcmp(question, t->question) != 0)
		return 0;
	for (const char *p = value; p && *p;) {
		size_t len = strcspn(p, ",");

		for (size_t i = 0; i < t->n; i++)
			if (strlen(t->opt[i]) == len &&
			    strncmp(t->opt[i], p, len) == 0)
				t->votes[i]++;
		p += len + (p[len] == ',');
	}
	return 0;
}

int
event_votes(struct store *s, const char *name, event_vote_cb cb, void *arg,
	    struct err *e)
{
	struct tally t = { 0 };
	struct ev v;
	int rc = ev_get(s, "name", name, &v, e);

	if (rc < 1) {
		ev_free(&v);
		return -1;
	}
	t.question = v.poll_question;
	rc = store_event_options_each(s, v.id, tally_opt_cb, &t, e);
	if (rc == 0 && v.campaign_id > 0 && t.question)
		rc = store_answers_each(s, v.campaign_id, tally_answer_cb, &t,
					e);
	for (size_t i = 0; i < t.n; i++) {
		if (rc == 0)
			rc = cb(arg, t.opt[i], t.start[i], t.votes[i]);
		free(t.opt[i]);
		free(t.start[i]);
	}
	free(t.opt);
	free(t.start);
	free(t.votes);
	ev_free(&v);
	return rc;
}
