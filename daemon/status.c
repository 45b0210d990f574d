/*
 * status.c -- see status.h. Reads the store into one JSON object
 * (jansson), then writes that object as it is (--json) or as aligned
 * text lines, so both outputs say the same thing. Every string that came
 * from mail, contacts or a server passes through textcol before it
 * reaches a terminal.
 */
#include "status.h"
#include "store/store_event.h"

#include <jansson.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/cron.h"
#include "base/textcol.h"
#include "model/campaign.h"
#include "model/schedule.h"
#include "daemon.h"
#include "store/store_status.h"

struct status_ctx {
	struct store *s;
	json_t *obj;		/* what the current walk fills */
	int64_t paused;		/* a running pause's end, 0: none */
	int64_t last;		/* the newest inbound message */
	struct err *e;
};

/* ---- the picture -------------------------------------------------------- */

static json_t *
status_time(int64_t t)
{
	char iso[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(iso);
}

/* A string from the store, which never holds bytes that are not UTF-8
 * on purpose; json_string refuses those, so they become null. */
static json_t *
status_str(const char *s)
{
	json_t *v = s != NULL ? json_string(s) : NULL;

	return v != NULL ? v : json_null();
}

static json_t *
status_counts(const long counts[STORE_D_N])
{
	json_t *o = json_object();

	for (int i = 0; i < STORE_D_N; i++)
		json_object_set_new(o, store_dstate_name((enum store_dstate)i),
				    json_integer(counts[i]));
	return o;
}

const char *
status_campaign_state(const struct store_campaign *c,
		      const long counts[STORE_D_N], int64_t now, int paused)
{
	long all = 0, waiting = counts[STORE_D_PENDING] +
		counts[STORE_D_DEFERRED] + counts[STORE_D_UNKNOWN];
	enum campaign_state st;

	for (int i = 0; i < STORE_D_N; i++)
		all += counts[i];
	st = campaign_state(c, now, all > 0);
	if (st == CAMPAIGN_OPEN && paused && waiting > 0)
		return "paused";
	return campaign_state_name(st);
}

static int
status_owner(void *arg, const struct store_sowner *o)
{
	struct status_ctx *x = arg;

	if (o->alive == 0 || json_is_true(json_object_get(x->obj,
							  "running")))
		return 0;
	json_object_set_new(x->obj, "running", json_true());
	json_object_set_new(x->obj, "pid", json_integer(o->pid));
	json_object_set_new(x->obj, "host", status_str(o->host));
	json_object_set_new(x->obj, "started", status_time(o->started));
	json_object_set_new(x->obj, "uptime_s", json_integer(
		o->started > 0 && store_now(x->s) > o->started ?
		store_now(x->s) - o->started : 0));
	return 0;
}

static int
status_pause(void *arg, const char *site, int64_t until, const char *reason)
{
	struct status_ctx *x = arg;
	json_t *p = json_object();

	json_object_set_new(p, "site", status_str(site));
	json_object_set_new(p, "until", status_time(until));
	json_object_set_new(p, "reason", status_str(reason));
	json_array_append_new(x->obj, p);
	if (until > x->paused)
		x->paused = until;
	return 0;
}

static int
status_group(void *arg, const struct store_sdeferred *g)
{
	struct status_ctx *x = arg;
	json_t *o = json_object();

	json_object_set_new(o, "domain", status_str(g->domain));
	json_object_set_new(o, "count", json_integer(g->n));
	json_object_set_new(o, "next_attempt", status_time(g->next_attempt));
	json_object_set_new(o, "reason", status_str(g->reason));
	json_array_append_new(x->obj, o);
	return 0;
}

/* "next_due": when the first waiting row may go (null: none waits). */
static int
status_due(struct status_ctx *x, json_t *o, int64_t campaign_id)
{
	int64_t t = 0;
	int rc = store_status_due(x->s, campaign_id, &t, x->e);

	if (rc < 0)
		return -1;
	/* a row due since long ago is due now; nothing goes while sending
	 * is paused (pauses are per site, and one site sends it all) */
	if (rc == 1 && t < store_now(x->s))
		t = store_now(x->s);
	if (rc == 1 && t < x->paused)
		t = x->paused;
	json_object_set_new(o, "next_due", status_time(rc ? t : 0));
	return 0;
}

static int
status_queue(struct status_ctx *x, json_t *q)
{
	long n[STORE_D_N];

	x->obj = json_array();
	json_object_set_new(q, "paused", x->obj);
	if (store_pauses_each(x->s, status_pause, x, x->e) < 0 ||
	    store_status_counts(x->s, n, x->e) < 0 || status_due(x, q, 0) < 0)
		return -1;
	json_object_set_new(q, "deliveries", status_counts(n));
	x->obj = json_array();
	json_object_set_new(q, "deferred", x->obj);
	return store_status_deferred(x->s, STATUS_GROUPS, status_group, x,
				     x->e);
}

static int
status_error(void *arg, const struct store_serror *r)
{
	struct status_ctx *x = arg;
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "rcpt", status_str(r->rcpt));
	json_object_set_new(o, "kind", status_str(r->kind));
	json_object_set_new(o, "state",
			    json_string(store_dstate_name(r->state)));
	json_object_set_new(o, "attempts", json_integer(r->attempts));
	json_object_set_new(o, "when", status_time(r->when));
	json_object_set_new(o, "reply", status_str(r->reply));
	json_array_append_new(x->obj, o);
	return 0;
}

/* The campaign's [schedule] text (store_schedules_each walks them all:
 * a store holds tens of campaigns, not thousands). */
struct status_sched {
	int64_t campaign_id;
	struct schedule *sc;
};

static int
status_sched_find(void *arg, const struct store_sched *q)
{
	struct status_sched *f = arg;
	struct err e;

	if (q->campaign_id == f->campaign_id && q->text && *q->text &&
	    schedule_from_text(q->text, &f->sc, &e) < 0)
		f->sc = NULL;	/* unreadable: shown as no schedule */
	return 0;
}

/* When the producer named job fires next after now, before the deadline:
 * a one-element array, or an empty one. */
static json_t *
status_next_firing(const char *job, int64_t now, int64_t deadline)
{
	size_t n;
	const struct sched_job *j = daemon_sched_jobs(&n);
	json_t *a = json_array();
	struct err e;

	for (size_t i = 0; i < n; i++) {
		struct cron *c;
		int64_t next;

		if (strcmp(j[i].name, job) != 0 ||
		    (c = cron_parse(j[i].cron, j[i].zone, &e)) == NULL)
			continue;
		if (cron_next(c, now, &next, &e) == 0 &&
		    (deadline == 0 || next < deadline))
			json_array_append_new(a, status_time(next));
		cron_free(&c);
	}
	return a;
}

/* "schedule": what the campaign's schedule does next: the next firing
 * of the waves and of the reminders while the campaign may still mail
 * (not paused, stopped or closed), and when it
 * closes (its deadline, UTC). */
static int
status_schedule(struct status_ctx *x, json_t *o,
		const struct store_campaign *c, const char *state)
{
	struct status_sched f = { c->id, NULL };
	json_t *sch = json_object();
	int64_t now = store_now(x->s);
	int live = strcmp(state, "paused") != 0 &&
		   strcmp(state, "stopped") != 0 &&
		   strcmp(state, "closed") != 0;

	json_object_set_new(o, "schedule", sch);
	if (store_schedules_each(x->s, status_sched_find, &f, x->e) < 0)
		return -1;
	json_object_set_new(sch, "next_waves",
			    live && f.sc && schedule_has_waves(f.sc) ?
			    status_next_firing("waves", now, c->deadline_at) :
			    json_array());
	json_object_set_new(sch, "next_reminders",
			    live && f.sc && schedule_reminders(f.sc) > 0 ?
			    status_next_firing("reminders", now,
					       c->deadline_at) :
			    json_array());
	json_object_set_new(sch, "closes", c->deadline_at > 0 ?
			    status_time(c->deadline_at) : json_null());
	schedule_free(&f.sc);
	return 0;
}

/* An event's campaign: its RSVPs ("rsvp": counts), else nothing. */
static int
status_rsvp(struct status_ctx *x, json_t *o, int64_t campaign_id)
{
	static const char *const names[STORE_RSVP_N] = {
		"accepted", "tentative", "declined", "waiting" };
	long n[STORE_RSVP_N];
	json_t *r;
	int rc = store_event_rsvp_counts(x->s, campaign_id, n, x->e);

	if (rc <= 0)
		return rc;
	r = json_object();
	for (int i = 0; i < STORE_RSVP_N; i++)
		json_object_set_new(r, names[i], json_integer(n[i]));
	json_object_set_new(o, "rsvp", r);
	return 0;
}

static int
status_campaign(void *arg, const struct store_campaign *c)
{
	struct status_ctx *x = arg;
	json_t *list = x->obj, *o = json_object(), *errs = json_array();
	long n[STORE_D_N];
	const char *state;
	int rc;

	json_array_append_new(list, o);
	json_object_set_new(o, "name", status_str(c->name));
	json_object_set_new(o, "kind", status_str(c->kind));
	json_object_set_new(o, "deadline", c->deadline && *c->deadline ?
			    status_str(c->deadline) : json_null());
	json_object_set_new(o, "errors", errs);
	if (store_delivery_counts(x->s, c->id, NULL, n, x->e) < 0 ||
	    status_due(x, o, c->id) < 0)
		return -1;
	state = status_campaign_state(c, n, store_now(x->s), x->paused != 0);
	json_object_set_new(o, "state", json_string(state));
	if (status_schedule(x, o, c, state) < 0)
		return -1;
	json_object_set_new(o, "start_utc", status_time(c->start_at));
	json_object_set_new(o, "deadline_utc", status_time(c->deadline_at));
	json_object_set_new(o, "timezone", status_str(c->timezone));
	json_object_set_new(o, "deliveries", status_counts(n));
	if (status_rsvp(x, o, c->id) < 0)
		return -1;
	x->obj = errs;
	rc = store_status_errors(x->s, c->id, STATUS_ERRORS, status_error, x,
				 x->e);
	x->obj = list;
	return rc;
}

static int
status_kind(void *arg, const char *kind, long n, int64_t last)
{
	struct status_ctx *x = arg;

	json_object_set_new(x->obj, kind, json_integer(n));
	if (last > x->last)
		x->last = last;
	return 0;
}

static int
status_position(void *arg, const char *source, int64_t uidvalidity,
		int64_t last_uid, int64_t updated)
{
	struct status_ctx *x = arg;
	json_t *o = json_object();

	json_object_set_new(o, "source", status_str(source));
	json_object_set_new(o, "uidvalidity", json_integer(uidvalidity));
	json_object_set_new(o, "last_uid", json_integer(last_uid));
	json_object_set_new(o, "updated", status_time(updated));
	json_array_append_new(x->obj, o);
	return 0;
}

/* "connection": the configured source's last pass through and last
 * failure; "state" "failing" while the failure is the newer. */
static int
status_health(void *arg, const char *source, int64_t ok_at,
	      int64_t failed_at, const char *error)
{
	struct status_ctx *x = arg;
	json_t *o = json_object();

	json_object_set_new(o, "source", status_str(source));
	json_object_set_new(o, "state", json_string(
		failed_at > ok_at ? "failing" : "ok"));
	json_object_set_new(o, "last_ok", status_time(ok_at));
	json_object_set_new(o, "last_failure", status_time(failed_at));
	json_object_set_new(o, "error", failed_at ? status_str(error) :
			    json_null());
	json_array_append_new(x->obj, o);
	return 0;
}

static int
status_mailbox(struct status_ctx *x, const struct config *cfg, json_t *m)
{
	json_t *in = json_object(), *pos = json_array(), *conn = json_array();

	json_object_set_new(m, "source", status_str(cfg->imap.url));
	if (strncmp(cfg->imap.url, "imap", 4) == 0)
		json_object_set_new(m, "mailbox", status_str(cfg->imap.mailbox));
	json_object_set_new(m, "inbound", in);
	json_object_set_new(m, "positions", pos);
	x->obj = in;
	x->last = 0;
	if (store_status_inbound(x->s, status_kind, x, x->e) < 0)
		return -1;
	json_object_set_new(m, "last_received", status_time(x->last));
	json_object_set_new(m, "connection", conn);
	x->obj = conn;
	if (store_status_health(x->s, status_health, x, x->e) < 0)
		return -1;
	x->obj = pos;
	return store_status_mailboxes(x->s, status_position, x, x->e);
}

/* The whole picture; the queue first, so campaigns know of pauses. */
static json_t *
status_build(struct store *s, const struct config *cfg, struct err *e)
{
	struct status_ctx x = { .s = s, .e = e };
	json_t *root = json_object(), *d = json_object(), *q = json_object();
	json_t *c = json_array(), *m = json_object();
	int rc;

	json_object_set_new(root, "now", status_time(store_now(s)));
	json_object_set_new(root, "daemon", d);
	json_object_set_new(root, "campaigns", c);
	json_object_set_new(root, "queue", q);
	json_object_set_new(root, "mailbox", m);
	json_object_set_new(d, "running", json_false());
	x.obj = d;
	rc = store_status_owners(s, "daemon", status_owner, &x, e);
	if (rc == 0)
		rc = status_queue(&x, q);
	x.obj = c;
	if (rc == 0)
		rc = store_campaigns_each(s, status_campaign, &x, e);
	if (rc == 0)
		rc = status_mailbox(&x, cfg, m);
	if (rc != 0)
		json_decref(root);
	return rc == 0 ? root : NULL;
}

/* ---- text ---------------------------------------------------------------- */

static const char *
status_get(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "-";
}

static long
status_int(const json_t *o, const char *key)
{
	return (long)json_integer_value(json_object_get(o, key));
}

/* One line: its data made safe for a terminal, then the newline. */
static void
status_eol(struct buf *b, size_t *at)
{
	textcol_clean(b, *at, "");
	buf_addc(b, '\n');
	*at = b->len;
}

static void
status_text_daemon(struct buf *b, size_t *at, const json_t *d)
{
	if (json_is_true(json_object_get(d, "running")))
		buf_printf(b, "daemon    running, pid %ld on %s since %s "
			   "(up %lds)", status_int(d, "pid"),
			   status_get(d, "host"), status_get(d, "started"),
			   status_int(d, "uptime_s"));
	else
		buf_printf(b, "daemon    not running");
	status_eol(b, at);
}

/* The delivery states as columns, in the store's order. */
static void
status_text_counts(struct buf *b, const json_t *n)
{
	for (int i = 0; i < STORE_D_N; i++)
		buf_printf(b, " %9ld", status_int(n, store_dstate_name(
			(enum store_dstate)i)));
}

static void
status_text_campaigns(struct buf *b, size_t *at, const json_t *list)
{
	size_t w = strlen("campaign"), i;
	const json_t *c, *r;

	json_array_foreach(list, i, c)
		if (textcol_width(status_get(c, "name")) > w)
			w = textcol_width(status_get(c, "name"));
	textcol_pad(b, "campaign", w);
	buf_printf(b, " %-9s %-10s", "state", "deadline");
	for (int k = 0; k < STORE_D_N; k++)
		buf_printf(b, " %9s", store_dstate_name((enum store_dstate)k));
	buf_printf(b, "  next due");
	status_eol(b, at);
	json_array_foreach(list, i, c) {
		size_t j;

		textcol_pad(b, status_get(c, "name"), w);
		buf_printf(b, " %-9s %-10s", status_get(c, "state"),
			   status_get(c, "deadline"));
		status_text_counts(b, json_object_get(c, "deliveries"));
		buf_printf(b, "  %s", status_get(c, "next_due"));
		status_eol(b, at);
		if ((r = json_object_get(c, "rsvp")) != NULL) {
			buf_printf(b, "  rsvp: %ld accepted, %ld tentative, "
				   "%ld declined, %ld waiting",
				   status_int(r, "accepted"),
				   status_int(r, "tentative"),
				   status_int(r, "declined"),
				   status_int(r, "waiting"));
			status_eol(b, at);
		}
		json_array_foreach(json_object_get(c, "errors"), j, r) {
			buf_printf(b, "  %-8s %s %s, attempts %ld: %s",
				   status_get(r, "state"), status_get(r, "when"),
				   status_get(r, "rcpt"),
				   status_int(r, "attempts"),
				   status_get(r, "reply"));
			status_eol(b, at);
		}
	}
}

static void
status_text_queue(struct buf *b, size_t *at, const json_t *q)
{
	const json_t *n = json_object_get(q, "deliveries"), *p;
	size_t i;

	buf_printf(b, "queue     %ld waiting, %ld sending, next due %s",
		   status_int(n, "pending") + status_int(n, "deferred") +
		   status_int(n, "unknown"), status_int(n, "sending"),
		   status_get(q, "next_due"));
	status_eol(b, at);
	json_array_foreach(json_object_get(q, "paused"), i, p) {
		buf_printf(b, "  paused   %s until %s: %s", status_get(p, "site"),
			   status_get(p, "until"), status_get(p, "reason"));
		status_eol(b, at);
	}
	json_array_foreach(json_object_get(q, "deferred"), i, p) {
		buf_printf(b, "  deferred %6ld %s next %s: %s",
			   status_int(p, "count"), status_get(p, "domain"),
			   status_get(p, "next_attempt"),
			   status_get(p, "reason"));
		status_eol(b, at);
	}
}

static void
status_text_mailbox(struct buf *b, size_t *at, const json_t *m)
{
	const char *k;
	const json_t *v;
	size_t i;

	buf_printf(b, "mailbox   %s, last message %s", status_get(m, "source"),
		   status_get(m, "last_received"));
	status_eol(b, at);
	json_array_foreach(json_object_get(m, "connection"), i, v) {
		buf_printf(b, "  %-8s %s: last ok %s, last failure %s",
			   status_get(v, "state"), status_get(v, "source"),
			   status_get(v, "last_ok"),
			   status_get(v, "last_failure"));
		if (json_is_string(json_object_get(v, "error")))
			buf_printf(b, ": %s", status_get(v, "error"));
		status_eol(b, at);
	}
	buf_printf(b, "  inbound");
	json_object_foreach((json_t *)json_object_get(m, "inbound"), k, v) {
		buf_printf(b, " %s %ld", k, (long)json_integer_value(v));
	}
	status_eol(b, at);
	json_array_foreach(json_object_get(m, "positions"), i, v) {
		buf_printf(b, "  position %s uid %ld at %s",
			   status_get(v, "source"), status_int(v, "last_uid"),
			   status_get(v, "updated"));
		status_eol(b, at);
	}
}

int
status_write(struct store *s, const struct config *cfg, int json, FILE *out,
	     struct err *e)
{
	json_t *root = status_build(s, cfg, e);
	struct buf b;
	size_t at = 0;

	if (root == NULL)
		return -1;
	if (json) {
		json_dumpf(root, out, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', out);
		json_decref(root);
		return 0;
	}
	buf_init(&b, 0);
	status_text_daemon(&b, &at, json_object_get(root, "daemon"));
	status_text_mailbox(&b, &at, json_object_get(root, "mailbox"));
	status_text_queue(&b, &at, json_object_get(root, "queue"));
	status_text_campaigns(&b, &at, json_object_get(root, "campaigns"));
	fwrite(b.data, 1, b.len, out);
	buf_free(&b);
	json_decref(root);
	return 0;
}
