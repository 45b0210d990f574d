/*
 * store_delivery.c -- deliveries: one row per (campaign, contact, kind)
 * for campaign kinds (invite, reminder), any number for the one-off
 * feedback kinds (confirm, problem), and the state machine of each row
 * (see enum store_dstate in store.h):
 *
 *   pending --sending--> sending --done--> sent | failed | deferred
 *   deferred --sending--> sending          pending/deferred --> skipped
 *
 * A SENDING row is stamped with the claiming store handle (claim = the
 * handle's random run id). Rows SENDING under another run were cut off by
 * a crash or stop and are due again; the sender then re-uses the stored
 * Message-ID so the receiver can recognise a duplicate. Rows SENDING
 * under this run are in flight and never handed out twice.
 */
#include "store/store_private.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

static const char *const store_dstates[] = {
	[STORE_D_PENDING] = "pending",	 [STORE_D_SENDING] = "sending",
	[STORE_D_SENT] = "sent",	 [STORE_D_FAILED] = "failed",
	[STORE_D_DEFERRED] = "deferred", [STORE_D_SKIPPED] = "skipped",
};
#define STORE_NDSTATES (sizeof(store_dstates) / sizeof(store_dstates[0]))

/* Rows copied per round trip of store_deliveries_due: bounds memory and
 * lets callbacks write to deliveries while no statement is reading it. */
#define STORE_DUE_BATCH 256

const char *
store_dstate_name(enum store_dstate st)
{
	return store_name_of(store_dstates, STORE_NDSTATES, (size_t)st);
}

int
store_dstate_parse(const char *name, enum store_dstate *st_r)
{
	size_t i;

	if (store_name_index(store_dstates, STORE_NDSTATES, name, &i) == -1)
		return -1;
	*st_r = (enum store_dstate)i;
	return 0;
}

/* Feedback kinds: added one by one (store_delivery_add), never planned;
 * migration 2's unique index leaves exactly these out. */
static int
store_kind_oneoff(const char *kind)
{
	return strcmp(kind, "confirm") == 0 || strcmp(kind, "problem") == 0;
}

/* ---- plan ------------------------------------------------------------------ */

/* Copy the stored audience of a campaign into f (strings owned, free with
 * store_filter_clear). 1 found, 0 no such campaign, -1. */
static int
store_audience(struct store *s, int64_t campaign_id, struct store_filter *f,
	       struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(f, 0, sizeof(*f));
	if (store_prepare(s, "SELECT aud_group, aud_country, "
			  "aud_municipality, aud_language, aud_role "
			  "FROM campaigns WHERE id = ?1", &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	rc = store_step_row(s, st, "campaign", e);
	if (rc == 1) {
		const char **v[] = { &f->group, &f->country, &f->municipality,
				     &f->language, &f->role };
		for (int i = 0; i < 5; i++)
			if (store_col_text(st, i))
				*v[i] = xstrdup(store_col_text(st, i));
	}
	store_done(s, st);
	return rc;
}

static void
store_filter_clear(struct store_filter *f)
{
	free((char *)f->group);
	free((char *)f->country);
	free((char *)f->municipality);
	free((char *)f->language);
	free((char *)f->role);
	memset(f, 0, sizeof(*f));
}

static int
store_plan_insert(struct store *s, int64_t campaign_id, const char *kind,
		  const struct store_filter *f, long *added_r, struct err *e)
{
	struct store_where w;
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;

	/* ?1 ?2 come first in the text, so the filter's plain "?" are
	 * numbered from 3 on. */
	store_where_build(&w, f);
	/* A reminder goes only to those the invitation reached and who have
	 * not answered yet. */
	sql = xasprintf("INSERT INTO deliveries(campaign_id, contact_id, "
			"kind, state, created, updated) SELECT ?1, c.id, ?2, "
			"'pending', unixepoch(), unixepoch() FROM contacts c "
			"WHERE c.status = 'ok'%s AND (?2 <> 'reminder' OR ("
			"EXISTS (SELECT 1 FROM deliveries i WHERE "
			"i.campaign_id = ?1 AND i.contact_id = c.id AND "
			"i.kind = 'invite' AND i.state = 'sent') AND "
			"NOT EXISTS (SELECT 1 FROM responses r WHERE "
			"r.campaign_id = ?1 AND r.contact_id = c.id))) "
			"ORDER BY c.id "
			"ON CONFLICT (campaign_id, contact_id, kind) "
			"WHERE kind NOT IN ('confirm', 'problem') "
			"DO NOTHING", buf_cstr(&w.sql));
	rc = store_prepare(s, sql, &st, e);
	free(sql);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, campaign_id);
		store_bind_text(st, 2, kind);
		if (store_where_bind(st, &w, 3) == -1)
			rc = store_fail(s, e, "plan");
	}
	if (rc == 0)
		rc = store_step_done(s, st, "plan", e);
	if (rc == 0)
		*added_r = (long)sqlite3_changes(s->db);
	store_done(s, st);
	store_where_free(&w);
	return rc;
}

int
store_deliveries_plan(struct store *s, int64_t campaign_id, const char *kind,
		      long *added_r, struct err *e)
{
	struct store_filter f;
	long added = 0;
	int outer, rc;

	if (kind == NULL || *kind == '\0') {
		err_set(e, "campaign %lld: plan: no delivery kind",
			(long long)campaign_id);
		return -1;
	}
	if (store_kind_oneoff(kind)) {
		/* not unique per contact: each plan would add another */
		err_set(e, "campaign %lld: plan %s: a feedback kind is sent "
			"one by one, not planned", (long long)campaign_id,
			kind);
		return -1;
	}
	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	rc = store_audience(s, campaign_id, &f, e);
	if (rc == 0) {
		err_set(e, "no such campaign");
		rc = -1;
	} else if (rc == 1)
		rc = store_plan_insert(s, campaign_id, kind, &f, &added, e);
	store_filter_clear(&f);
	if (rc == -1)
		err_prefix(e, "campaign %lld: plan %s", (long long)campaign_id,
			   kind);
	if (store_tx_close(s, outer, rc, e) == -1)
		return -1;
	if (added_r)
		*added_r = added;
	return 0;
}

/* ---- due ------------------------------------------------------------------- */

struct store_due_row {
	struct store_delivery d;
	struct store_contact c;
	char *str[13];		/* owned copies behind d's and c's strings */
};

#define STORE_DUE_COLS \
	"d.id, d.campaign_id, d.contact_id, d.kind, d.state, d.message_id, " \
	"d.attempts, d.last_reply, " STORE_CONTACT_COLS

static char *
store_dup_col(sqlite3_stmt *st, int i)
{
	const char *v = store_col_text(st, i);

	return v ? xstrdup(v) : NULL;
}

static void
store_due_copy(sqlite3_stmt *st, struct store_due_row *r)
{
	struct store_contact c;
	const char **cs[] = { &c.email, &c.name, &c.municipality, &c.country,
			      &c.language, &c.role, &c.groups, &c.token,
			      &c.status };
	size_t k = 0;

	memset(r, 0, sizeof(*r));
	r->d.id = sqlite3_column_int64(st, 0);
	r->d.campaign_id = sqlite3_column_int64(st, 1);
	r->d.contact_id = sqlite3_column_int64(st, 2);
	r->d.kind = r->str[k++] = store_dup_col(st, 3);
	if (store_dstate_parse(store_col_text(st, 4), &r->d.state) == -1)
		r->d.state = STORE_D_PENDING;
	r->d.message_id = r->str[k++] = store_dup_col(st, 5);
	r->d.attempts = sqlite3_column_int(st, 6);
	r->d.last_reply = r->str[k++] = store_dup_col(st, 7);
	store_contact_row(st, 8, &c);
	r->c.id = c.id;
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		r->str[k] = *cs[i] ? xstrdup(*cs[i]) : NULL;
		*cs[i] = r->str[k++];
	}
	r->c.email = c.email;
	r->c.name = c.name;
	r->c.municipality = c.municipality;
	r->c.country = c.country;
	r->c.language = c.language;
	r->c.role = c.role;
	r->c.groups = c.groups;
	r->c.token = c.token;
	r->c.status = c.status;
}

static void
store_due_clear(struct store_due_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof(rows[i].str) /
				 sizeof(rows[i].str[0]); k++)
			free(rows[i].str[k]);
}

/* One batch of one state after id *after: copies up to max rows. */
static int
store_due_batch(struct store *s, sqlite3_stmt *st, int64_t campaign_id,
		const char *kind, enum store_dstate state, int64_t after,
		long max, struct store_due_row *rows, size_t *n_r,
		struct err *e)
{
	int rc;

	*n_r = 0;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, campaign_id);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, store_dstate_name(state));
	sqlite3_bind_int64(st, 4, after);
	sqlite3_bind_int64(st, 5, s->run);
	sqlite3_bind_int64(st, 6, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_due_copy(st, &rows[(*n_r)++]);
	sqlite3_reset(st);	/* end the read before the callbacks write */
	if (rc != SQLITE_DONE)
		return store_fail(s, e, "deliveries due");
	return 0;
}

/* Stream one state in id order, a batch at a time. *left counts down the
 * caller's limit (-1: no limit). */
static int
store_due_state(struct store *s, sqlite3_stmt *st, int64_t campaign_id,
		const char *kind, enum store_dstate state, long *left,
		store_delivery_cb cb, void *arg, struct err *e)
{
	struct store_due_row *rows;
	int64_t after = 0;
	size_t n;
	int rc = 0;

	rows = xcalloc(STORE_DUE_BATCH, sizeof(*rows));
	do {
		long max = STORE_DUE_BATCH;

		if (*left >= 0 && *left < max)
			max = *left;
		if (max == 0)
			break;
		rc = store_due_batch(s, st, campaign_id, kind, state, after,
				     max, rows, &n, e);
		for (size_t i = 0; rc == 0 && i < n; i++) {
			after = rows[i].d.id;
			if (*left > 0)
				(*left)--;
			rc = cb(arg, &rows[i].d, &rows[i].c);
		}
		store_due_clear(rows, n);
	} while (rc == 0 && n == STORE_DUE_BATCH);
	free(rows);
	return rc;
}

int
store_deliveries_due(struct store *s, int64_t campaign_id, const char *kind,
		     long limit, store_delivery_cb cb, void *arg,
		     struct err *e)
{
	/* Interrupted sends first (they are the oldest promises), then
	 * retries, then new ones. Rows a callback moves to SENDING land in
	 * a state already walked, or before the id cursor, so no row is
	 * handed out twice in one call. */
	static const enum store_dstate order[] = {
		STORE_D_SENDING, STORE_D_DEFERRED, STORE_D_PENDING,
	};
	sqlite3_stmt *st;
	long left = limit > 0 ? limit : -1;
	int rc = 0;

	if (store_prepare(s, "SELECT " STORE_DUE_COLS " FROM deliveries d "
			  "JOIN contacts c ON c.id = d.contact_id "
			  "WHERE d.campaign_id = ?1 AND d.kind = ?2 AND "
			  "d.state = ?3 AND d.id > ?4 AND "
			  "(d.state <> 'sending' OR d.claim IS NULL OR "
			  "d.claim <> ?5) AND c.status = 'ok' "
			  "ORDER BY d.id LIMIT ?6", &st, e) == -1)
		return -1;
	for (size_t i = 0; rc == 0 && i < 3; i++)
		rc = store_due_state(s, st, campaign_id, kind, order[i],
				     &left, cb, arg, e);
	store_done(s, st);
	return rc;
}

/* ---- state changes (hot path: cached statements) ---------------------------- */

/* Why a state change matched no row: the row's state, or its absence. */
static void
store_delivery_why(struct store *s, int64_t id, const char *change,
		   struct err *e)
{
	sqlite3_stmt *st;
	struct err ignore;

	if (store_stmt(s, "SELECT state FROM deliveries WHERE id = ?1", &st,
		       &ignore) == -1) {
		err_set(e, "delivery %lld: %s: not allowed", (long long)id,
			change);
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		err_set(e, "delivery %lld: %s: not allowed in state %s",
			(long long)id, change, store_col_text(st, 0));
	else
		err_set(e, "delivery %lld: no such delivery", (long long)id);
	store_done(s, st);
}

/* Run one cached UPDATE as its own transaction (or savepoint) with
 * ?1 id, ?2 t2, ?3 t3, ?4 this run; a statement ignores the ones it does
 * not name. A change that matched no row is an error. */
static int
store_delivery_update(struct store *s, int64_t id, const char *sql,
		      const char *change, const char *t2, const char *t3,
		      struct err *e)
{
	sqlite3_stmt *st;
	int outer, rc;

	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, t2);
	store_bind_opt_text(st, 3, t3);
	sqlite3_bind_int64(st, 4, s->run);
	rc = store_step_done(s, st, change, e);
	if (rc == -1)
		err_prefix(e, "delivery %lld", (long long)id);
	else if (sqlite3_changes(s->db) == 0) {
		store_delivery_why(s, id, change, e);
		rc = -1;
	}
	return store_tx_stmt_close(s, st, outer, rc, e);
}

int
store_delivery_sending(struct store *s, int64_t id, const char *message_id,
		       struct err *e)
{
	/* ?3 the Message-ID (kept when NULL), ?4 this run */
	static const char sql[] =
		"UPDATE deliveries SET state = 'sending', message_id = "
		"coalesce(?3, message_id), attempts = attempts + 1, "
		"claim = ?4, updated = unixepoch() WHERE id = ?1 AND "
		"state IN ('pending', 'deferred', 'sending')";

	return store_delivery_update(s, id, sql, "sending", NULL, message_id,
				     e);
}

/* Name the delivery a failed add was for; returns -1. */
static int
store_delivery_add_fail(int64_t campaign_id, int64_t contact_id,
			const char *kind, struct err *e)
{
	err_prefix(e, "campaign %lld, contact %lld, %s",
		   (long long)campaign_id, (long long)contact_id, kind);
	return -1;
}

int
store_delivery_add(struct store *s, int64_t campaign_id, int64_t contact_id,
		   const char *kind, const char *message_id, int64_t *id_r,
		   struct err *e)
{
	static const char sql[] =
		"INSERT INTO deliveries(campaign_id, contact_id, kind, state, "
		"message_id, attempts, claim, created, updated) VALUES (?1, "
		"?2, ?3, 'sending', ?4, 1, ?5, unixepoch(), unixepoch())";
	sqlite3_stmt *st;
	int outer, rc;

	if (kind == NULL || !store_kind_oneoff(kind)) {
		err_set(e, "delivery: add %s: only feedback (confirm, "
			"problem) is added one by one", kind ? kind : "(none)");
		return -1;
	}
	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return store_delivery_add_fail(campaign_id, contact_id, kind,
					       e);
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, contact_id);
	store_bind_text(st, 3, kind);
	store_bind_opt_text(st, 4, message_id);
	sqlite3_bind_int64(st, 5, s->run);
	rc = store_step_done(s, st, "delivery: add", e);
	if (rc == 0 && id_r)
		*id_r = sqlite3_last_insert_rowid(s->db);
	if (rc == -1)
		store_delivery_add_fail(campaign_id, contact_id, kind, e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

int
store_delivery_done(struct store *s, int64_t id, enum store_dstate st,
		    const char *reply, struct err *e)
{
	/* SENT only after SENDING: a message never handed to the transport
	 * cannot have been accepted. The others may also end a row that
	 * failed before the hand-over (rendering, opt-out). */
	static const char sql[] =
		"UPDATE deliveries SET state = ?2, last_reply = ?3, "
		"claim = NULL, updated = unixepoch() WHERE id = ?1 AND "
		"(state = 'sending' OR (?2 <> 'sent' "
		"AND state IN ('pending', 'deferred')))";

	if (st != STORE_D_SENT && st != STORE_D_FAILED &&
	    st != STORE_D_DEFERRED && st != STORE_D_SKIPPED) {
		err_set(e, "delivery %lld: done: %s is not an outcome",
			(long long)id, store_dstate_name(st));
		return -1;
	}
	return store_delivery_update(s, id, sql, store_dstate_name(st),
				     store_dstate_name(st), reply, e);
}

/* ---- lookups ----------------------------------------------------------------- */

/* Run a cached one-row query with ?1 k1, ?2 k2, ?3 k3 (each used or
 * not by the statement); copy up to three int64 columns. 1/0/-1. */
static int
store_lookup(struct store *s, const char *sql, int64_t k1, const char *k2,
	      int64_t k3, int64_t *a_r, int64_t *b_r, int64_t *c_r,
	      struct err *e)
{
	int64_t *const out[] = { a_r, b_r, c_r };
	sqlite3_stmt *st;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, k1);
	store_bind_text(st, 2, k2);
	sqlite3_bind_int64(st, 3, k3);
	return store_one_int64(s, st, "deliveries", out, 3, e);
}

int
store_delivery_by_message_id(struct store *s, const char *msgid,
			     int64_t *delivery_id_r, int64_t *campaign_id_r,
			     int64_t *contact_id_r, struct err *e)
{
	if (msgid == NULL || *msgid == '\0')
		return 0;
	return store_lookup(s, "SELECT id, campaign_id, contact_id FROM "
			     "deliveries WHERE message_id = ?2",
			     0, msgid, 0, delivery_id_r, campaign_id_r,
			     contact_id_r, e);
}

int
store_delivery_latest(struct store *s, int64_t contact_id,
		      int64_t *delivery_id_r, int64_t *campaign_id_r,
		      struct err *e)
{
	/* A reply answers mail the contact received: prefer SENT, then the
	 * newest. Feedback is our reply, never what is answered. */
	return store_lookup(s, "SELECT id, campaign_id FROM deliveries "
			     "WHERE contact_id = ?1 AND kind NOT IN "
			     "('confirm', 'problem') "
			     "ORDER BY state = 'sent' DESC, updated DESC, "
			     "id DESC LIMIT 1",
			     contact_id, NULL, 0, delivery_id_r,
			     campaign_id_r, NULL, e);
}

int
store_deliveries_count_since(struct store *s, int64_t contact_id,
			     const char *kind, int64_t since, long *n_r,
			     struct err *e)
{
	int64_t n = 0;
	int rc;

	rc = store_lookup(s, "SELECT count(*) FROM deliveries WHERE "
			   "contact_id = ?1 AND kind = ?2 AND state = 'sent' "
			   "AND updated >= ?3", contact_id, kind, since, &n,
			   NULL, NULL, e);
	if (rc == -1)
		return -1;
	*n_r = (long)n;
	return 0;
}

int
store_delivery_counts(struct store *s, int64_t campaign_id, const char *kind,
		      long counts[6], struct err *e)
{
	sqlite3_stmt *st;
	enum store_dstate ds;
	int rc;

	for (int i = 0; i < 6; i++)
		counts[i] = 0;
	if (store_prepare(s, "SELECT state, count(*) FROM deliveries WHERE "
			  "campaign_id = ?1 AND (?2 IS NULL OR kind = ?2) "
			  "GROUP BY state", &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	store_bind_opt_text(st, 2, kind);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (store_dstate_parse(store_col_text(st, 0), &ds) == 0)
			counts[ds] = sqlite3_column_int64(st, 1);
	if (rc != SQLITE_DONE)
		store_fail(s, e, "delivery counts");
	store_done(s, st);
	return rc == SQLITE_DONE ? 0 : -1;
}
