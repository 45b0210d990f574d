/*
 * store_campaign.c -- questionnaires (versioned by content hash) and
 * campaigns in the state store. See store.h; the shared statement and
 * transaction helpers are in store.c (store_private.h).
 */
#include "store/store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

/* ---- questionnaires -------------------------------------------------------- */

static int
store_questionnaire_insert(struct store *s, const char *survey_id,
			   const char *hash, const char *path,
			   const char *xml, int64_t *id_r, int *new_r,
			   struct err *e)
{
	static const char find[] =
		"SELECT id FROM questionnaires WHERE hash = ?1";
	static const char ins[] =
		"INSERT INTO questionnaires(survey_id, version, hash, path, "
		"xml, created) SELECT ?1, coalesce(max(version), 0) + 1, ?2, "
		"?3, ?4, unixepoch() FROM questionnaires WHERE survey_id = ?1";
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, find, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id_r = sqlite3_column_int64(st, 0);
	store_done(s, st);
	if (rc == SQLITE_ROW) {
		*new_r = 0;
		return 0;
	}
	if (rc != SQLITE_DONE)
		return store_fail(s, e, "questionnaire");
	if (store_prepare(s, ins, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, survey_id);
	store_bind_text(st, 2, hash);
	store_bind_opt_text(st, 3, path);
	store_bind_text(st, 4, xml);
	rc = store_step_done(s, st, "questionnaire", e);
	store_done(s, st);
	*id_r = sqlite3_last_insert_rowid(s->db);
	*new_r = 1;
	return rc;
}

int
store_questionnaire_put(struct store *s, const char *survey_id,
			const char *hash, const char *path, const char *xml,
			int64_t *id_r, int *new_r, struct err *e)
{
	int64_t id = 0;
	int isnew = 0, outer, rc;

	if (survey_id == NULL || hash == NULL || xml == NULL) {
		err_set(e, "questionnaire %s: survey id, hash and XML needed",
			path ? path : "?");
		return -1;
	}
	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	rc = store_questionnaire_insert(s, survey_id, hash, path, xml, &id,
					&isnew, e);
	if (rc == -1)
		err_prefix(e, "questionnaire %s", survey_id);
	if (store_tx_close(s, outer, rc, e) == -1)
		return -1;
	if (id_r)
		*id_r = id;
	if (new_r)
		*new_r = isnew;
	return 0;
}

int
store_questionnaire_xml(struct store *s, int64_t id, char **xml_r,
			struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*xml_r = NULL;
	if (store_prepare(s, "SELECT xml FROM questionnaires WHERE id = ?1",
			  &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_step_row(s, st, "questionnaire", e);
	if (rc == 1)
		*xml_r = xstrdup(store_col_text(st, 0) ? store_col_text(st, 0)
				 : "");
	store_done(s, st);
	return rc;
}

/* ---- campaigns ------------------------------------------------------------- */

/* Column order shared by the reader, the insert and the update: ?2..?18
 * of the write statements are these columns after the id (hold is read
 * only: store_campaign_hold). */
#define STORE_CAMPAIGN_COLS \
	"id, name, questionnaire_id, kind, template, deadline, subject, " \
	"reference, aud_group, aud_country, aud_municipality, " \
	"aud_language, aud_role, file, extra, start_at, deadline_at, " \
	"timezone, hold"

static void
store_campaign_row(sqlite3_stmt *st, struct store_campaign *c)
{
	c->id = sqlite3_column_int64(st, 0);
	c->name = store_col_text(st, 1);
	c->questionnaire_id = sqlite3_column_int64(st, 2);
	c->kind = store_col_text(st, 3);
	c->template = store_col_text(st, 4);
	c->deadline = store_col_text(st, 5);
	c->subject = store_col_text(st, 6);
	c->reference = store_col_text(st, 7);
	c->audience.group = store_col_text(st, 8);
	c->audience.country = store_col_text(st, 9);
	c->audience.municipality = store_col_text(st, 10);
	c->audience.language = store_col_text(st, 11);
	c->audience.role = store_col_text(st, 12);
	c->file = store_col_text(st, 13);
	c->extra = store_col_text(st, 14);
	c->start_at = sqlite3_column_int64(st, 15);
	c->deadline_at = sqlite3_column_int64(st, 16);
	c->timezone = store_col_text(st, 17);
	c->hold = store_col_text(st, 18);
}

static void
store_campaign_bind(sqlite3_stmt *st, const struct store_campaign *c)
{
	const char *v[] = {
		c->kind, c->template, c->deadline, c->subject, c->reference,
		c->audience.group, c->audience.country,
		c->audience.municipality, c->audience.language,
		c->audience.role, c->file, c->extra,
	};

	store_bind_text(st, 2, c->name);
	store_bind_id(st, 3, c->questionnaire_id);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		store_bind_opt_text(st, 4 + (int)i, v[i]);
	store_bind_id(st, 16, c->start_at);
	store_bind_id(st, 17, c->deadline_at);
	store_bind_opt_text(st, 18, c->timezone);
}

/* What the file may say differently once mail went out: the deadline
 * (its text, its instant, its zone) and where the file lies. */
#define STORE_CAMPAIGN_LATE_OK(i) ((i) == 3 || (i) == 11 || (i) >= 14)

/* The settings of row id that differ from c (NULL and "" compare equal,
 * as they are stored alike), as a bit per column ?3..?18 of the write
 * statements: bit 0 questionnaire ... bit 15 timezone. -1 error. */
static int
store_campaign_diff(struct store *s, int64_t id,
		    const struct store_campaign *c, unsigned *diff_r,
		    struct err *e)
{
	static const char cmp[] = "SELECT questionnaire_id IS ?3, kind IS ?4,"
		" template IS ?5, deadline IS ?6, subject IS ?7, reference "
		"IS ?8, aud_group IS ?9, aud_country IS ?10, aud_municipality"
		" IS ?11, aud_language IS ?12, aud_role IS ?13, file IS ?14, "
		"extra IS ?15, start_at IS ?16, deadline_at IS ?17, timezone "
		"IS ?18 FROM campaigns WHERE id = ?1 AND name = ?2";
	sqlite3_stmt *st;
	int rc;

	*diff_r = 0;
	if (store_prepare(s, cmp, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_campaign_bind(st, c);
	rc = store_step_row(s, st, "campaign", e);
	for (int i = 0; rc == 1 && i < 16; i++)
		if (!sqlite3_column_int(st, i))
			*diff_r |= 1u << i;
	store_done(s, st);
	return rc == -1 ? -1 : 0;
}

/* Existing row id of c->name: 1 found, 0 not, -1. */
static int
store_campaign_id(struct store *s, const char *name, int64_t *id_r,
		  struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, "SELECT id FROM campaigns WHERE name = ?1", &st,
			  e) == -1)
		return -1;
	store_bind_text(st, 1, name);
	rc = store_step_row(s, st, "campaign", e);
	if (rc == 1)
		*id_r = sqlite3_column_int64(st, 0);
	store_done(s, st);
	return rc;
}

/* How many of campaign id's mails went out (or may have): -1 error. */
static int
store_campaign_sent(struct store *s, int64_t id, long *n_r, struct err *e)
{
	static const char sent[] = "SELECT count(*) FROM deliveries WHERE "
		"campaign_id = ?1 AND (state = 'sending' OR state = 'sent' OR "
		"state = 'unknown')";
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, sent, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_step_row(s, st, "campaign", e);
	*n_r = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	store_done(s, st);
	return rc == -1 ? -1 : 0;
}

/* Refuse changes other than the deadline once mail went out: they would
 * make the record lie about what was sent. */
static int
store_campaign_may_change(struct store *s, int64_t id, unsigned diff,
			  struct err *e)
{
	static const char *const what[] = { "questionnaire", "kind",
		"template", "deadline", "subject", "reference", "group",
		"country", "municipality", "language", "role", "file", "vars",
		"start", "deadline", "timezone" };
	char list[256] = "";
	size_t at = 0;
	long sent = 0;

	for (int i = 0; i < 16; i++)
		if ((diff & (1u << i)) && !STORE_CAMPAIGN_LATE_OK(i) &&
		    at < sizeof(list))
			at += (size_t)snprintf(list + at, sizeof(list) - at,
					       "%s%s", at ? ", " : "",
					       what[i]);
	if (at == 0)
		return 0;
	if (store_campaign_sent(s, id, &sent, e) == -1)
		return -1;
	if (sent == 0)
		return 0;
	err_set(e, "already sent to %ld contacts; cannot change %s (only the "
		"deadline can move now: make a new campaign for the rest)",
		sent, list);
	return -1;
}

static int
store_campaign_write(struct store *s, const struct store_campaign *c,
		     int64_t *id_r, struct err *e)
{
	static const char ins[] = "INSERT INTO campaigns(" STORE_CAMPAIGN_COLS
		", created, updated) VALUES (NULL, ?2, ?3, ?4, ?5, ?6, ?7, "
		"?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, NULL, "
		"unixepoch(), unixepoch())";
	static const char upd[] = "UPDATE campaigns SET questionnaire_id = ?3,"
		" kind = ?4, template = ?5, deadline = ?6, subject = ?7, "
		"reference = ?8, aud_group = ?9, aud_country = ?10, "
		"aud_municipality = ?11, aud_language = ?12, aud_role = ?13, "
		"file = ?14, extra = ?15, start_at = ?16, deadline_at = ?17, "
		"timezone = ?18, updated = unixepoch() "
		"WHERE id = ?1 AND name = ?2";
	sqlite3_stmt *st;
	int64_t id = 0;
	unsigned diff = 0;
	int found, rc;

	if ((found = store_campaign_id(s, c->name, &id, e)) == -1)
		return -1;
	*id_r = id;
	if (found && store_campaign_diff(s, id, c, &diff, e) == -1)
		return -1;
	if (found && diff == 0)
		return 0;	/* re-loading an unchanged campaign file */
	if (found && store_campaign_may_change(s, id, diff, e) == -1)
		return -1;
	if (store_prepare(s, id ? upd : ins, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_campaign_bind(st, c);
	rc = store_step_done(s, st, "campaign", e);
	store_done(s, st);
	if (rc == 0 && id == 0)
		*id_r = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int
store_campaign_put(struct store *s, const struct store_campaign *c,
		   int64_t *id_r, struct err *e)
{
	int64_t id = 0;
	int outer, rc;

	if (c->name == NULL || *c->name == '\0' || c->kind == NULL) {
		err_set(e, "campaign: name and kind needed");
		return -1;
	}
	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	rc = store_campaign_write(s, c, &id, e);
	if (rc == -1)
		err_prefix(e, "campaign %s", c->name);
	if (store_tx_close(s, outer, rc, e) == -1)
		return -1;
	if (id_r)
		*id_r = id;
	return 0;
}

struct store_campaign_ctx {
	store_campaign_cb cb;
	void *arg;
};

static int
store_campaign_cb_row(void *ctx, sqlite3_stmt *st)
{
	struct store_campaign_ctx *x = ctx;
	struct store_campaign c;

	if (x->cb == NULL)
		return 0;
	store_campaign_row(st, &c);
	return x->cb(x->arg, &c);
}

#define STORE_CAMPAIGN_SQL(tail) \
	"SELECT " STORE_CAMPAIGN_COLS " FROM campaigns " tail

/* sql: one of the whole statements below (store_stmt keeps each one
 * prepared: ingest looks a campaign up for every reply), with at most
 * one parameter ?1 (text or id). Returns the callback's stop value, 0
 * or -1; *n_r counts the rows. */
static int
store_campaign_query(struct store *s, const char *sql, const char *key,
		     int64_t id, store_campaign_cb cb, void *arg, long *n_r,
		     struct err *e)
{
	struct store_campaign_ctx x = { cb, arg };
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	if (key)
		store_bind_text(st, 1, key);
	else if (id)
		sqlite3_bind_int64(st, 1, id);
	rc = store_rows(s, st, store_campaign_cb_row, &x, n_r, "campaign", e);
	store_done(s, st);
	return rc;
}

int
store_campaign_find(struct store *s, const char *name, store_campaign_cb cb,
		    void *arg, struct err *e)
{
	long n;
	int rc = store_campaign_query(s, STORE_CAMPAIGN_SQL("WHERE name = ?1"),
				      name ? name : "", 0, cb, arg, &n, e);

	return rc != 0 ? rc : n > 0;
}

int
store_campaign_by_id(struct store *s, int64_t id, store_campaign_cb cb,
		     void *arg, struct err *e)
{
	long n;
	int rc = store_campaign_query(s, STORE_CAMPAIGN_SQL("WHERE id = ?1"),
				      NULL, id, cb, arg, &n, e);

	return rc != 0 ? rc : n > 0;
}

int
store_campaigns_each(struct store *s, store_campaign_cb cb, void *arg,
		     struct err *e)
{
	return store_campaign_query(s, STORE_CAMPAIGN_SQL("ORDER BY id"), NULL,
				    0, cb, arg, NULL, e);
}

/* Stopping takes back every row that waits, claimed ones too: a
 * sender's hand-over of one then finds it gone (not waiting). */
static int
store_campaign_hold_tx(struct store *s, int64_t id, const char *hold,
		       long *cancelled_r, struct err *e)
{
	static const char set[] = "UPDATE campaigns SET hold = ?2, updated = "
		"?3 WHERE id = ?1";
	static const char cancel[] = "UPDATE deliveries SET state = "
		"'cancelled', last_reply = 'cancelled: the campaign was "
		"stopped', owner = NULL, lease_until = NULL, updated = ?3 "
		"WHERE campaign_id = ?1 AND (state = 'pending' OR state = "
		"'deferred' OR state = 'unknown') AND ?2 = 'stopped'";
	const char *sqls[] = { set, cancel };
	sqlite3_stmt *st;
	int rc = 0, found = 0;

	for (size_t i = 0; rc == 0 && i < 2; i++) {
		if ((rc = store_prepare(s, sqls[i], &st, e)) == -1)
			break;
		sqlite3_bind_int64(st, 1, id);
		store_bind_opt_text(st, 2, hold);
		sqlite3_bind_int64(st, 3, store_now(s));
		rc = store_step_done(s, st, "campaign: hold", e);
		if (rc == 0 && i == 0)
			found = sqlite3_changes(s->db) > 0;
		else if (rc == 0 && cancelled_r != NULL)
			*cancelled_r = sqlite3_changes(s->db);
		store_done(s, st);
	}
	return rc == -1 ? -1 : found;
}

int
store_campaign_hold(struct store *s, int64_t id, const char *hold,
		    long *cancelled_r, struct err *e)
{
	int outer, rc;

	if (cancelled_r != NULL)
		*cancelled_r = 0;
	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	rc = store_campaign_hold_tx(s, id, hold, cancelled_r, e);
	if (store_tx_close(s, outer, rc == -1 ? -1 : 0, e) == -1)
		return -1;
	return rc;
}

int
store_deadline_notice(struct store *s, int64_t id, int64_t deadline_at,
		      long *n_r, struct err *e)
{
	static const char sql[] =
		"INSERT INTO deliveries(campaign_id, contact_id, kind, state, "
		"token, round, queued, created, updated) SELECT d.campaign_id, "
		"d.contact_id, 'deadline', 'pending', anketa_token(), ?2, ?3, "
		"?3, ?3 FROM deliveries d JOIN contacts c ON c.id = "
		"d.contact_id WHERE d.campaign_id = ?1 AND d.kind = 'invite' "
		"AND d.state = 'sent' AND c.status = 'ok' AND NOT EXISTS "
		"(SELECT 1 FROM responses r WHERE r.campaign_id = ?1 AND "
		"r.contact_id = d.contact_id) "
		"ON CONFLICT (campaign_id, contact_id, kind, round) WHERE kind "
		"NOT IN ('confirm', 'problem', 'update', 'cancel', 'seat') "
		"DO NOTHING";
	sqlite3_stmt *st;
	int outer, rc;

	*n_r = 0;
	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, deadline_at);
	sqlite3_bind_int64(st, 3, store_now(s));
	rc = store_step_done(s, st, "deadline notice", e);
	if (rc == 0)
		*n_r = sqlite3_changes(s->db);
	return store_tx_stmt_close(s, st, outer, rc, e);
}
