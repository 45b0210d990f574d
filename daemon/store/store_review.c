/*
 * store_review.c -- see store_review.h: the open items are one query
 * over inbound (kinds that need a person) less those an action closed
 * or a later message superseded; actions are rows of review_actions.
 */
#include "store/store_private.h"
#include "store/store_review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

#define REVIEW_KINDS "('unmatched', 'unreadable', 'quarantine', 'bounce')"

/* Columns of an item; ?9 is the last action or NULL. */
#define REVIEW_COLS \
	"i.id, i.kind, CASE WHEN i.kind = 'bounce' AND " \
	"i.bounce_recipient IS NOT NULL THEN i.bounce_recipient ELSE " \
	"i.from_addr END, i.subject, i.date, CASE WHEN i.kind = 'bounce' " \
	"AND i.bounce_diag IS NOT NULL THEN i.bounce_diag ELSE i.reason " \
	"END, i.charset, i.message_id, i.contact_id, i.campaign_id, " \
	"i.created, (SELECT a.action FROM review_actions a WHERE " \
	"a.inbound_id = i.id ORDER BY a.id DESC LIMIT 1)"

/* A later answer or RSVP of the same contact (and campaign), or from
 * the same sender unless a bounce; for a bounce, a reset to ok. */
#define REVIEW_SUPERSEDED \
	"EXISTS (SELECT 1 FROM inbound j WHERE j.contact_id = " \
	"i.contact_id AND j.id > i.id AND j.kind IN ('answers', 'rsvp') " \
	"AND (i.campaign_id IS NULL OR j.campaign_id = i.campaign_id)) " \
	"OR (i.kind <> 'bounce' AND i.from_addr IS NOT NULL AND " \
	"EXISTS (SELECT 1 FROM inbound j WHERE j.from_addr = i.from_addr " \
	"COLLATE NOCASE AND j.id > i.id AND j.kind IN ('answers', " \
	"'rsvp'))) OR (i.kind = 'bounce' AND EXISTS (SELECT 1 FROM " \
	"contact_events ev WHERE ev.contact_id = i.contact_id AND " \
	"ev.status = 'ok' AND ev.created >= i.created))"

static const char *const review_actions[] = {
	"assigned", "reprocessed", "resolved", "dismissed",
};

struct review_ctx {
	store_review_cb cb;
	store_review_action_cb acb;
	void *arg;
};

static int
review_row(void *ctx, sqlite3_stmt *st)
{
	struct review_ctx *x = ctx;
	struct store_review_item it = { 0 };
	const char **t[] = { &it.from, &it.subject, &it.date, &it.reason,
			     &it.charset, &it.message_id };

	it.id = sqlite3_column_int64(st, 0);
	if (store_ikind_parse(store_col_text(st, 1), &it.kind) == -1)
		it.kind = STORE_I_UNREADABLE;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		*t[i] = store_col_text(st, (int)i + 2);
	it.contact_id = sqlite3_column_int64(st, 8);
	it.campaign_id = sqlite3_column_int64(st, 9);
	it.created = sqlite3_column_int64(st, 10);
	it.closed = store_col_text(st, 11);
	return x->cb(x->arg, &it);
}

int
store_review_each(struct store *s, int64_t campaign_id, store_review_cb cb,
		  void *arg, struct err *e)
{
	static const char sql[] =
		"SELECT " REVIEW_COLS " FROM inbound i WHERE i.kind IN "
		REVIEW_KINDS " AND (?1 = 0 OR i.campaign_id IS NULL OR "
		"i.campaign_id = ?1) AND NOT EXISTS (SELECT 1 FROM "
		"review_actions a WHERE a.inbound_id = i.id) AND NOT ("
		REVIEW_SUPERSEDED ") ORDER BY i.id";
	struct review_ctx x = { .cb = cb, .arg = arg };

	return store_rows_sql(s, sql, campaign_id, 0, review_row, &x,
			      "review", e);
}

int
store_review_get(struct store *s, int64_t id, store_review_cb cb, void *arg,
		 struct err *e)
{
	static const char sql[] =
		"SELECT " REVIEW_COLS " FROM inbound i WHERE i.id = ?1 AND "
		"i.kind IN " REVIEW_KINDS;
	struct review_ctx x = { .cb = cb, .arg = arg };
	sqlite3_stmt *st;
	long n = 0;
	int rc;

	if (store_prepare(s, sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_rows(s, st, review_row, &x, &n, "review item", e);
	store_done(s, st);
	return rc != 0 ? rc : n > 0;
}

int
store_review_raw(struct store *s, int64_t id, char **raw_r, size_t *len_r,
		 struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*raw_r = NULL;
	*len_r = 0;
	if (store_prepare(s, "SELECT raw FROM inbound WHERE id = ?1 AND "
			  "raw IS NOT NULL", &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_step_row(s, st, "review raw", e);
	if (rc == 1) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		const void *p = sqlite3_column_blob(st, 0);

		*raw_r = xmalloc(n + 1);
		if (n)
			memcpy(*raw_r, p, n);
		(*raw_r)[n] = '\0';
		*len_r = n;
	}
	store_done(s, st);
	return rc;
}

int
store_review_close(struct store *s, int64_t id, const char *action,
		   const char *note, int64_t new_id, struct err *e)
{
	static const char sql[] =
		"INSERT INTO review_actions(inbound_id, action, note, "
		"new_inbound_id, created) SELECT id, ?2, ?3, ?4, unixepoch() "
		"FROM inbound WHERE id = ?1 AND kind IN " REVIEW_KINDS;
	sqlite3_stmt *st;
	size_t k;
	int outer, rc;

	if (action == NULL || store_name_index(review_actions,
	    sizeof(review_actions) / sizeof(review_actions[0]), action,
	    &k) == -1) {
		err_set(e, "review: unknown action '%s'",
			action ? action : "");
		return -1;
	}
	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, review_actions[k]);
	store_bind_opt_text(st, 3, note);
	store_bind_id(st, 4, new_id);
	rc = store_step_done(s, st, "review action", e);
	if (rc == 0 && sqlite3_changes(s->db) == 0) {
		err_set(e, "review: no item %lld", (long long)id);
		rc = -1;
	}
	return store_tx_stmt_close(s, st, outer, rc, e);
}

static int
action_row(void *ctx, sqlite3_stmt *st)
{
	struct review_ctx *x = ctx;
	struct store_review_action a = {
		.action = store_col_text(st, 0),
		.note = store_col_text(st, 1),
		.new_id = sqlite3_column_int64(st, 2),
		.created = sqlite3_column_int64(st, 3),
	};

	return x->acb(x->arg, &a);
}

int
store_review_actions_each(struct store *s, int64_t id,
			  store_review_action_cb cb, void *arg, struct err *e)
{
	struct review_ctx x = { .acb = cb, .arg = arg };

	return store_rows_sql(s, "SELECT action, note, new_inbound_id, "
			      "created FROM review_actions WHERE "
			      "inbound_id = ?1 ORDER BY id", id, 0,
			      action_row, &x, "review actions", e);
}

int
store_review_inbound_id(struct store *s, const char *src_key, int64_t *id_r,
			char kind_r[16], struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, "SELECT id, kind FROM inbound WHERE src_key = ?1",
			  &st, e) == -1)
		return -1;
	store_bind_text(st, 1, src_key);
	rc = store_step_row(s, st, "inbound key", e);
	if (rc == 1) {
		*id_r = sqlite3_column_int64(st, 0);
		snprintf(kind_r, 16, "%s", store_col_text(st, 1));
	}
	store_done(s, st);
	return rc;
}
