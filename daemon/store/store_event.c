/*
 * store_event.c -- events, attendees, RSVPs and seats; see store_event.h.
 * The shared statement and transaction helpers are in store.c
 * (store_private.h).
 */
#include "store/store_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"
#include "store/store_private.h"

#define EVENT_COLS \
	"id, name, uid, sequence, campaign_id, status, tzid, dtstart, " \
	"dtend, rrule, venue, online, organizer, seats_total, " \
	"seats_per_town, poll_question, file, spec"

struct store_event_ctx {
	store_event_cb cb;
	store_event_person_cb pcb;
	void *arg;
};

static int
store_event_row(void *ctx, sqlite3_stmt *st)
{
	struct store_event_ctx *x = ctx;
	struct store_event ev = { 0 };

	ev.id = sqlite3_column_int64(st, 0);
	ev.name = store_col_text(st, 1);
	ev.uid = store_col_text(st, 2);
	ev.sequence = sqlite3_column_int(st, 3);
	ev.campaign_id = sqlite3_column_int64(st, 4);
	ev.status = store_col_text(st, 5);
	ev.tzid = store_col_text(st, 6);
	ev.dtstart = store_col_text(st, 7);
	ev.dtend = store_col_text(st, 8);
	ev.rrule = store_col_text(st, 9);
	ev.venue = store_col_text(st, 10);
	ev.online = store_col_text(st, 11);
	ev.organizer = store_col_text(st, 12);
	ev.seats_total = (long)sqlite3_column_int64(st, 13);
	ev.seats_per_town = (long)sqlite3_column_int64(st, 14);
	ev.poll_question = store_col_text(st, 15);
	ev.file = store_col_text(st, 16);
	ev.spec = store_col_text(st, 17);
	return x->cb(x->arg, &ev);
}

/* What a change of makes the event a new version (RFC 5546 2.1.4). */
#define EVENT_CHANGED \
	"(tzid IS NOT ?3 OR dtstart IS NOT ?4 OR dtend IS NOT ?5 OR " \
	"rrule IS NOT ?6 OR venue IS NOT ?7 OR online IS NOT ?8)"

static void
store_event_bind(sqlite3_stmt *st, const struct store_event *ev, int64_t now)
{
	store_bind_text(st, 1, ev->name);
	store_bind_text(st, 2, ev->uid);
	store_bind_opt_text(st, 3, ev->tzid);
	store_bind_opt_text(st, 4, ev->dtstart);
	store_bind_opt_text(st, 5, ev->dtend);
	store_bind_opt_text(st, 6, ev->rrule);
	store_bind_opt_text(st, 7, ev->venue);
	store_bind_opt_text(st, 8, ev->online);
	store_bind_opt_text(st, 9, ev->organizer);
	sqlite3_bind_int64(st, 10, ev->seats_total);
	sqlite3_bind_int64(st, 11, ev->seats_per_town);
	store_bind_opt_text(st, 12, ev->poll_question);
	store_bind_opt_text(st, 13, ev->file);
	store_bind_opt_text(st, 14, ev->spec);
	store_bind_id(st, 15, ev->campaign_id);
	store_bind_text(st, 16, ev->status ? ev->status : "confirmed");
	sqlite3_bind_int64(st, 17, now);
}

static int
store_event_upsert(struct store *s, const struct store_event *ev,
		   int64_t *id_r, int *changed_r, struct err *e)
{
	static const char find[] =
		"SELECT id, status = 'cancelled', " EVENT_CHANGED
		" FROM events WHERE name = ?1";
	static const char ins[] =
		"INSERT INTO events(name, uid, tzid, dtstart, dtend, rrule, "
		"venue, online, organizer, seats_total, seats_per_town, "
		"poll_question, file, spec, campaign_id, status, created, "
		"updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
		"?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)";
	static const char upd[] =
		"UPDATE events SET sequence = sequence + " EVENT_CHANGED ", "
		"tzid = ?3, dtstart = ?4, dtend = ?5, rrule = ?6, venue = ?7,"
		" online = ?8, organizer = ?9, seats_total = ?10, "
		"seats_per_town = ?11, poll_question = ?12, file = ?13, "
		"spec = ?14, campaign_id = ?15, status = CASE WHEN status = "
		"'poll' THEN ?16 ELSE status END, updated = ?17 "
		"WHERE name = ?1 AND ?2 IS NOT NULL";
	sqlite3_stmt *st;
	int64_t id = 0, cancelled = 0, changed = 0;
	int64_t *const out[] = { &id, &cancelled, &changed };
	int rc;

	if (store_prepare(s, find, &st, e) == -1)
		return -1;
	store_event_bind(st, ev, store_now(s));
	if ((rc = store_one_int64(s, st, "event", out, 3, e)) < 0)
		return -1;
	if (rc == 1 && cancelled) {
		err_set(e, "event %s: cancelled (a cancelled event stays "
			"cancelled: add a new one under another name)",
			ev->name);
		return -1;
	}
	if (store_prepare(s, rc == 1 ? upd : ins, &st, e) == -1)
		return -1;
	store_event_bind(st, ev, store_now(s));
	rc = store_step_done(s, st, "event", e);
	store_done(s, st);
	if (rc == 0 && id == 0)
		id = sqlite3_last_insert_rowid(s->db);
	*id_r = id;
	*changed_r = (int)changed;
	return rc;
}

int
store_event_put(struct store *s, const struct store_event *ev,
		int64_t *id_r, int *changed_r, struct err *e)
{
	int64_t id = 0;
	int changed = 0, outer, rc;

	if (ev->name == NULL || ev->uid == NULL) {
		err_set(e, "event: a name and a uid are needed");
		return -1;
	}
	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	rc = store_event_upsert(s, ev, &id, &changed, e);
	if (store_tx_close(s, outer, rc, e) == -1)
		return -1;
	if (id_r)
		*id_r = id;
	if (changed_r)
		*changed_r = changed;
	return 0;
}

/* One bound write of its own: ?1 ?2 integers, ?3 ?4 ?5 texts (NULL:
 * NULL), ?6 the store's clock; the SQL uses those it needs (binding a
 * parameter the statement lacks is a no-op). */
static int
store_event_write(struct store *s, const char *sql, int64_t a, int64_t b,
		  const char *t3, const char *t4, const char *t5,
		  const char *what, struct err *e)
{
	sqlite3_stmt *st;
	int outer, rc;

	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	store_bind_text(st, 3, t3);
	store_bind_text(st, 4, t4);
	store_bind_text(st, 5, t5);
	sqlite3_bind_int64(st, 6, store_now(s));
	rc = store_step_done(s, st, what, e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

int
store_event_options_clear(struct store *s, int64_t event_id, struct err *e)
{
	return store_event_write(s, "DELETE FROM event_options WHERE "
				 "event_id = ?1",
				 event_id, 0, NULL, NULL, NULL,
				 "event options", e);
}

int
store_event_option_put(struct store *s, int64_t event_id, const char *opt,
		       const char *dtstart, const char *dtend, struct err *e)
{
	return store_event_write(s, "INSERT OR REPLACE INTO event_options("
				 "event_id, opt, dtstart, dtend) SELECT ?1, "
				 "?3, ?4, ?5",
				 event_id, 0, opt, dtstart, dtend,
				 "event option", e);
}

int
store_event_find(struct store *s, const char *by, const char *key,
		 store_event_cb cb, void *arg, struct err *e)
{
	static const struct store_key keys[] = {
		{ "name", "SELECT " EVENT_COLS " FROM events WHERE name = ?1" },
		{ "uid", "SELECT " EVENT_COLS " FROM events WHERE uid = ?1" },
		{ "id", "SELECT " EVENT_COLS " FROM events WHERE id = ?1" },
		{ "campaign", "SELECT " EVENT_COLS " FROM events WHERE "
		  "campaign_id = ?1 ORDER BY id DESC LIMIT 1" },
	};
	struct store_event_ctx x = { .cb = cb, .arg = arg };

	return store_find_by(s, keys, sizeof(keys) / sizeof(keys[0]), by, key,
			     store_event_row, &x, "event", e);
}

int
store_events_each(struct store *s, store_event_cb cb, void *arg,
		  struct err *e)
{
	struct store_event_ctx x = { .cb = cb, .arg = arg };

	return store_rows_sql(s, "SELECT " EVENT_COLS " FROM events ORDER BY "
			      "name", 0, 0, store_event_row, &x, "events", e);
}

int
store_event_fix(struct store *s, int64_t event_id, const char *opt,
		struct err *e)
{
	int rc = store_event_write(s, "UPDATE events SET (dtstart, dtend, "
				   "status, updated) = (SELECT o.dtstart, "
				   "o.dtend, 'confirmed', ?6 FROM "
				   "event_options o WHERE o.event_id = ?1 "
				   "AND o.opt = ?3) WHERE id = ?1 AND status <> "
				   "'cancelled' AND EXISTS (SELECT 1 FROM "
				   "event_options o WHERE o.event_id = ?1 AND "
				   "o.opt = ?3)", event_id, 0, opt, NULL, NULL,
				   "event fix", e);

	if (rc < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
store_event_cancel(struct store *s, int64_t event_id, struct err *e)
{
	return store_event_write(s, "UPDATE events SET status = 'cancelled',"
				 " sequence = sequence + 1, updated = ?6 "
				 "WHERE id = ?1 AND status <> "
				 "'cancelled'", event_id, 0, NULL, NULL, NULL,
				 "event cancel", e);
}

int
store_event_attendee_set(struct store *s, int64_t event_id,
			 int64_t contact_id, int removed,
			 int64_t delegated_from, struct err *e)
{
	sqlite3_stmt *st;
	int outer, rc;

	if (store_tx_stmt(s, "INSERT INTO event_attendees(event_id, "
			  "contact_id, removed, delegated_from) VALUES (?1, "
			  "?2, ?3, ?4) ON CONFLICT (event_id, contact_id) DO "
			  "UPDATE SET removed = ?3, delegated_from = "
			  "coalesce(?4, delegated_from)", &st, &outer, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, event_id);
	sqlite3_bind_int64(st, 2, contact_id);
	sqlite3_bind_int(st, 3, removed != 0);
	store_bind_id(st, 4, delegated_from);
	rc = store_step_done(s, st, "event attendee", e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

int
store_event_rsvp_put(struct store *s, const struct store_rsvp *r,
		     struct err *e)
{
	sqlite3_stmt *st;
	int outer, rc;

	/* arrival stays when an acceptance follows an acceptance */
	if (store_tx_stmt(s, "INSERT INTO event_rsvps(event_id, contact_id, "
			  "partstat, sequence, source, arrival, "
			  "arrival_order, inbound_id, updated) VALUES (?1, "
			  "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT "
			  "(event_id, contact_id) DO UPDATE SET "
			  "arrival = CASE WHEN partstat = 'ACCEPTED' AND ?3 IN "
			  "('ACCEPTED', 'DELEGATED') THEN arrival ELSE ?6 END, "
			  "arrival_order = CASE WHEN partstat = 'ACCEPTED' "
			  "AND ?3 IN ('ACCEPTED', 'DELEGATED') THEN "
			  "arrival_order ELSE ?7 END, partstat = ?3, sequence = ?4, source = ?5, "
			  "inbound_id = ?8, updated = ?9", &st, &outer,
			  e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, r->event_id);
	sqlite3_bind_int64(st, 2, r->contact_id);
	store_bind_text(st, 3, r->partstat);
	sqlite3_bind_int(st, 4, r->sequence);
	store_bind_text(st, 5, r->source ? r->source : "imip");
	sqlite3_bind_int64(st, 6, r->arrival);
	sqlite3_bind_int64(st, 7, r->arrival_order);
	store_bind_id(st, 8, r->inbound_id);
	sqlite3_bind_int64(st, 9, store_now(s));
	rc = store_step_done(s, st, "rsvp", e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

int
store_event_rsvp_get(struct store *s, int64_t event_id, int64_t contact_id,
		     char *partstat, size_t size, int *sequence_r,
		     struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, "SELECT partstat, sequence FROM event_rsvps WHERE "
		       "event_id = ?1 AND contact_id = ?2", &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, event_id);
	sqlite3_bind_int64(st, 2, contact_id);
	rc = store_step_row(s, st, "rsvp", e);
	if (rc == 1) {
		snprintf(partstat, size, "%s", store_col_text(st, 0));
		*sequence_r = sqlite3_column_int(st, 1);
	}
	store_done(s, st);
	return rc;
}

int
store_event_seat_set(struct store *s, int64_t event_id, int64_t contact_id,
		     const char *seat, struct err *e)
{
	if (seat == NULL)
		return store_event_write(s, "DELETE FROM event_seats WHERE "
					 "event_id = ?1 AND contact_id = ?2 "
					 "", event_id,
					 contact_id, NULL, NULL, NULL, "seat",
					 e);
	return store_event_write(s, "INSERT INTO event_seats(event_id, "
				 "contact_id, state) VALUES (?1, ?2, ?3) ON "
				 "CONFLICT (event_id, contact_id) DO UPDATE "
				 "SET state = ?3", event_id, contact_id, seat,
				 NULL, NULL, "seat", e);
}

static int
store_person_row(void *ctx, sqlite3_stmt *st)
{
	struct store_event_ctx *x = ctx;
	struct store_event_person p = { 0 };
	struct store_contact c;
	int k = STORE_CONTACT_NCOLS;
	const char *town = store_col_text(st, k);

	store_contact_row(st, 0, &c);
	p.c = &c;
	p.town_key = town ? town : "";
	p.partstat = store_col_text(st, k + 1);
	p.sequence = sqlite3_column_int(st, k + 2);
	p.source = store_col_text(st, k + 3);
	p.arrival = sqlite3_column_int64(st, k + 4);
	p.arrival_order = sqlite3_column_int64(st, k + 5);
	p.seat = store_col_text(st, k + 6);
	p.delegated_from = sqlite3_column_int64(st, k + 7);
	return x->pcb(x->arg, &p);
}

int
store_event_people_each(struct store *s, const struct store_event *ev,
			store_event_person_cb cb, void *arg, struct err *e)
{
	struct store_event_ctx x = { .pcb = cb, .arg = arg };

	/* ?1 event, ?2 its campaign (NULL: attendees and answers only) */
	return store_rows_sql(s, "WITH inv(cid) AS ("
			      "SELECT contact_id FROM deliveries WHERE "
			      "campaign_id = ?2 AND kind = 'invite' AND "
			      "state <> 'cancelled' AND contact_id IS NOT NULL"
			      " UNION SELECT contact_id FROM event_attendees "
			      "WHERE event_id = ?1 AND removed = 0 "
			      "UNION SELECT contact_id FROM event_rsvps WHERE "
			      "event_id = ?1) "
			      "SELECT " STORE_CONTACT_COLS ", c.town_key, "
			      "r.partstat, r.sequence, r.source, r.arrival, "
			      "r.arrival_order, t.state, a.delegated_from "
			      "FROM inv JOIN contacts c ON c.id = inv.cid "
			      "LEFT JOIN event_rsvps r ON r.event_id = ?1 AND "
			      "r.contact_id = c.id LEFT JOIN event_seats t ON "
			      "t.event_id = ?1 AND t.contact_id = c.id "
			      "LEFT JOIN event_attendees a ON a.event_id = ?1 "
			      "AND a.contact_id = c.id "
			      "WHERE c.status <> 'forgotten' AND "
			      "coalesce(a.removed, 0) = 0 "
			      "ORDER BY coalesce(c.town_key, ''), c.email",
			      ev->id, ev->campaign_id, store_person_row, &x,
			      "event people", e);
}

int
store_contact_set_town(struct store *s, int64_t contact_id, const char *key,
		       struct err *e)
{
	return store_event_write(s, "UPDATE contacts SET town_key = ?3 WHERE "
				 "id = ?1", contact_id, 0,
				 key && *key ? key : NULL, NULL, NULL,
				 "contact town", e);
}

struct store_option_ctx {
	store_event_option_cb cb;
	void *arg;
};

static int
store_option_row(void *ctx, sqlite3_stmt *st)
{
	struct store_option_ctx *x = ctx;

	return x->cb(x->arg, store_col_text(st, 0), store_col_text(st, 1),
		     store_col_text(st, 2));
}

int
store_event_options_each(struct store *s, int64_t event_id,
			 store_event_option_cb cb, void *arg, struct err *e)
{
	struct store_option_ctx x = { cb, arg };

	return store_rows_sql(s, "SELECT opt, dtstart, dtend FROM "
			      "event_options WHERE event_id = ?1 ORDER BY "
			      "dtstart, opt", event_id, 0, store_option_row,
			      &x, "event options", e);
}

int
store_event_rsvp_counts(struct store *s, int64_t campaign_id,
			long n[STORE_RSVP_N], struct err *e)
{
	sqlite3_stmt *st;
	int64_t v[STORE_RSVP_N + 1] = { 0 };
	int64_t *const out[] = { &v[0], &v[1], &v[2], &v[3], &v[4] };
	int rc;

	/* answers to the current SEQUENCE of the campaign's events */
	if (store_stmt(s, "SELECT count(*), "
		       "coalesce(sum(r.partstat = 'ACCEPTED' AND "
		       "coalesce(t.state, '') <> 'waiting'), 0), "
		       "coalesce(sum(r.partstat = 'TENTATIVE'), 0), "
		       "coalesce(sum(r.partstat IN ('DECLINED', 'DELEGATED')), "
		       "0), coalesce(sum(t.state = 'waiting'), 0) "
		       "FROM events e LEFT JOIN event_rsvps r ON "
		       "r.event_id = e.id AND r.sequence = e.sequence "
		       "LEFT JOIN event_seats t ON t.event_id = e.id AND "
		       "t.contact_id = r.contact_id WHERE e.campaign_id = ?1",
		       &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	rc = store_one_int64(s, st, "rsvp counts", out, 5, e);
	for (int i = 0; i < STORE_RSVP_N; i++)
		n[i] = (long)v[i + 1];
	return rc < 0 ? -1 : v[0] > 0;
}
