/*
 * store_schedule.c -- what the schedule producers read and write: each
 * campaign's [schedule] text, the firings (one row per schedule and
 * slot, inserted in the transaction of what the firing enqueues, so a
 * slot fires once whatever the number of processes), the contacts a wave
 * or a reminder may go to, and the next instant the outbox has work.
 */
#include "store/store_private.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

int
store_schedule_put(struct store *s, int64_t campaign_id, const char *text,
		   struct err *e)
{
	static const char del[] =
		"DELETE FROM campaign_schedules WHERE campaign_id = ?1";
	static const char put[] =
		"INSERT INTO campaign_schedules(campaign_id, text) VALUES "
		"(?1, ?2) ON CONFLICT (campaign_id) DO UPDATE SET text = ?2";
	sqlite3_stmt *st;
	int outer, rc;
	int none = text == NULL || *text == '\0';

	if (store_tx_stmt(s, none ? del : put, &st, &outer, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	if (!none)
		store_bind_text(st, 2, text);
	rc = store_step_done(s, st, "schedule", e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

int
store_contact_set_zone(struct store *s, int64_t contact_id, const char *zone,
		       struct err *e)
{
	static const char sql[] =
		"UPDATE contacts SET timezone = ?2 WHERE id = ?1";
	sqlite3_stmt *st;
	int outer, rc;

	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	store_bind_opt_text(st, 2, zone != NULL && *zone ? zone : NULL);
	rc = store_step_done(s, st, "contact zone", e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

struct sched_rows {
	store_sched_cb cb;
	void *arg;
};

static int
store_sched_row(void *ctx, sqlite3_stmt *st)
{
	struct sched_rows *r = ctx;
	struct store_sched sc;

	sc.campaign_id = sqlite3_column_int64(st, 0);
	sc.campaign = store_col_text(st, 1);
	sc.deadline = store_col_text(st, 2);
	sc.text = store_col_text(st, 3);
	return r->cb(r->arg, &sc);
}

int
store_schedules_each(struct store *s, store_sched_cb cb, void *arg,
		     struct err *e)
{
	struct sched_rows r = { cb, arg };

	return store_rows_sql(s, "SELECT c.id, c.name, c.deadline, "
			      "coalesce(x.text, '') FROM campaigns c LEFT "
			      "JOIN campaign_schedules x ON x.campaign_id = "
			      "c.id ORDER BY c.id", 0, 0, store_sched_row, &r,
			      "schedules", e);
}

/* ---- firings ---------------------------------------------------------------- */

int
store_firing_claim(struct store *s, const char *schedule, int64_t slot,
		   int64_t at, struct err *e)
{
	static const char sql[] =
		"INSERT INTO firings(schedule, slot, at, fired) VALUES "
		"(?1, ?2, ?3, ?4) ON CONFLICT (schedule, slot) DO NOTHING";
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, schedule);
	sqlite3_bind_int64(st, 2, slot);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_int64(st, 4, store_now(s));
	rc = store_step_done(s, st, "firing", e);
	store_done(s, st);
	return rc == -1 ? -1 : sqlite3_changes(s->db) > 0;
}

int
store_firing_done(struct store *s, const char *schedule, int64_t slot,
		  long enqueued, struct err *e)
{
	static const char sql[] =
		"UPDATE firings SET enqueued = ?3 WHERE schedule = ?1 AND "
		"slot = ?2";
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, schedule);
	sqlite3_bind_int64(st, 2, slot);
	sqlite3_bind_int64(st, 3, enqueued);
	rc = store_step_done(s, st, "firing", e);
	store_done(s, st);
	return rc;
}

int
store_firing_last(struct store *s, const char *schedule, int busy_only,
		  int64_t *slot_r, int64_t *at_r, struct err *e)
{
	static const char sql[] =
		"SELECT slot, at FROM firings WHERE schedule = ?1 AND "
		"(?2 = 0 OR enqueued > 0) ORDER BY slot DESC LIMIT 1";
	int64_t *const out[] = { slot_r, at_r };
	sqlite3_stmt *st;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, schedule);
	sqlite3_bind_int(st, 2, busy_only);
	return store_one_int64(s, st, "firings", out, 2, e);
}

/* ---- who a wave or a reminder may go to ------------------------------------- */

struct cand_rows {
	store_cand_cb cb;
	void *arg;
};

static int
store_cand_row(void *ctx, sqlite3_stmt *st)
{
	struct cand_rows *r = ctx;
	struct store_cand c;

	c.contact_id = sqlite3_column_int64(st, 0);
	c.country = store_col_text(st, 1);
	c.timezone = store_col_text(st, 2);
	c.first_mail = sqlite3_column_int64(st, 3);
	c.unreadable = sqlite3_column_int(st, 4);
	return r->cb(r->arg, &c);
}

/* Rows of sql (?1 campaign, ?2 round, then the audience's "?") to cb. */
static int
store_cands(struct store *s, const char *fmt, int64_t campaign_id,
	    int round, store_cand_cb cb, void *arg, struct err *e)
{
	struct cand_rows r = { cb, arg };
	struct store_filter f;
	struct store_where w;
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc = store_audience(s, campaign_id, &f, e);

	if (rc != 1)
		return rc == 0 ? 0 : -1;
	store_where_build(&w, &f);
	sql = xasprintf(fmt, buf_cstr(&w.sql));
	rc = store_prepare(s, sql, &st, e);
	free(sql);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, campaign_id);
		sqlite3_bind_int(st, 2, round);
		if (store_where_bind(st, &w, 3) == -1)
			rc = store_fail(s, e, "candidates");
	}
	if (rc == 0)
		rc = store_rows(s, st, store_cand_row, &r, NULL,
				"candidates", e);
	store_done(s, st);
	store_where_free(&w);
	store_filter_clear(&f);
	return rc;
}

int
store_wave_each(struct store *s, int64_t campaign_id, store_cand_cb cb,
		void *arg, struct err *e)
{
	return store_cands(s, "SELECT c.id, c.country, c.timezone, 0, 0 "
			   "FROM contacts c WHERE c.status = 'ok' AND ?2 = 0"
			   "%s AND NOT EXISTS (SELECT 1 FROM deliveries x "
			   "WHERE x.campaign_id = ?1 AND x.contact_id = c.id "
			   "AND x.kind = 'invite') ORDER BY c.id",
			   campaign_id, 0, cb, arg, e);
}

/* The invitation reached them (its hand-over time is the first mail),
 * they are still reachable, have no round-th reminder or note yet, and
 * either never answered or their only replies could not be read. */
#define STORE_UNREADABLE \
	"(EXISTS (SELECT 1 FROM inbound u WHERE u.campaign_id = ?1 AND " \
	"u.contact_id = c.id AND u.kind = 'unreadable') AND NOT EXISTS " \
	"(SELECT 1 FROM inbound g WHERE g.campaign_id = ?1 AND " \
	"g.contact_id = c.id AND g.kind = 'answers'))"

int
store_reminder_each(struct store *s, int64_t campaign_id, int round,
		    store_cand_cb cb, void *arg, struct err *e)
{
	return store_cands(s, "SELECT c.id, c.country, c.timezone, "
			   "i.updated, " STORE_UNREADABLE " FROM contacts c "
			   "JOIN deliveries i ON i.campaign_id = ?1 AND "
			   "i.contact_id = c.id AND i.kind = 'invite' AND "
			   "i.state = 'sent' WHERE ?2 > 0 AND c.status = 'ok'%s "
			   "AND "
			   "NOT EXISTS (SELECT 1 FROM deliveries x WHERE "
			   "x.campaign_id = ?1 AND x.contact_id = c.id AND "
			   "x.kind IN ('reminder', 'problem') AND x.round = "
			   "?2) AND (" STORE_UNREADABLE " OR NOT EXISTS "
			   "(SELECT 1 FROM responses r WHERE r.campaign_id = "
			   "?1 AND r.contact_id = c.id)) ORDER BY c.id",
			   campaign_id, round, cb, arg, e);
}

int
store_schedule_enqueue(struct store *s, const struct store_sched_row *q,
		       long *added_r, struct err *e)
{
	/* a campaign mail is new; a note is the contact's last one again */
	static const char mail[] =
		"INSERT INTO deliveries(campaign_id, contact_id, kind, state, "
		"token, round, not_before, queued, created, updated) VALUES "
		"(?1, ?2, ?3, 'pending', anketa_token(), ?4, ?5, ?6, ?6, ?6) "
		"ON CONFLICT (campaign_id, contact_id, kind, round) WHERE kind "
		"NOT IN ('confirm', 'problem', 'update', 'cancel', 'seat') "
		"DO NOTHING";
	static const char note[] =
		"INSERT INTO deliveries(campaign_id, contact_id, kind, state, "
		"token, in_reply_to, vars, inbound_id, round, not_before, "
		"queued, created, updated) SELECT ?1, ?2, ?3, 'pending', "
		"anketa_token(), in_reply_to, vars, inbound_id, ?4, ?5, ?6, "
		"?6, ?6 FROM deliveries WHERE campaign_id = ?1 AND "
		"contact_id = ?2 AND kind = ?3 ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, strcmp(q->kind, "problem") == 0 ? note : mail, &st,
		       e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, q->campaign_id);
	sqlite3_bind_int64(st, 2, q->contact_id);
	store_bind_text(st, 3, q->kind);
	sqlite3_bind_int(st, 4, q->round);
	sqlite3_bind_int64(st, 5, q->not_before);
	sqlite3_bind_int64(st, 6, store_now(s));
	rc = store_step_done(s, st, "schedule: enqueue", e);
	if (rc == 0)
		*added_r += sqlite3_changes(s->db);
	store_done(s, st);
	return rc;
}

int
store_outbox_next_due(struct store *s, int64_t *due_r, struct err *e)
{
	static const char sql[] =
		"SELECT max(not_before, next_attempt) AS t FROM deliveries "
		"WHERE (state = 'pending' OR state = 'deferred' OR "
		"state = 'unknown') AND owner IS NULL ORDER BY t LIMIT 1";
	int64_t *const out[] = { due_r };
	sqlite3_stmt *st;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	return store_one_int64(s, st, "outbox", out, 1, e);
}
