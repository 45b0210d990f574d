/*
 * store_status.c -- read-only queries for `anketa status`. See
 * store_status.h. Each walk streams from one one-off statement, so a
 * callback may read the store again; none of them writes.
 */
#include "store/store_private.h"
#include "store/store_status.h"

#include <stdint.h>
#include <string.h>

/* The states whose rows still wait for the claim. */
#define STORE_WAITING "('pending', 'deferred', 'unknown')"

struct store_status_ctx {
	union {
		store_serror_cb error;
		store_sdeferred_cb deferred;
		store_sowner_cb owner;
		store_skind_cb kind;
		store_smailbox_cb mailbox;
		store_shealth_cb health;
	} cb;
	void *arg;
};

/* Prepare sql, bind ?1 and ?2 (int64), stream rows through row(x). */
static int
store_status_run(struct store *s, const char *sql, int64_t p1, int64_t p2,
		 int (*row)(void *, sqlite3_stmt *),
		 struct store_status_ctx *x, const char *what, struct err *e)
{
	return store_rows_sql(s, sql, p1, p2, row, x, what, e);
}

static int
store_count_row(void *ctx, sqlite3_stmt *st)
{
	long *counts = ctx;
	enum store_dstate ds;

	if (store_dstate_parse(store_col_text(st, 0), &ds) == 0)
		counts[ds] = (long)sqlite3_column_int64(st, 1);
	return 0;
}

int
store_status_counts(struct store *s, long counts[STORE_D_N], struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	for (int i = 0; i < STORE_D_N; i++)
		counts[i] = 0;
	if (store_prepare(s, "SELECT state, count(*) FROM deliveries "
			  "GROUP BY state", &st, e) == -1)
		return -1;
	rc = store_rows(s, st, store_count_row, counts, NULL,
			"status: counts", e);
	store_done(s, st);
	return rc;
}

int
store_status_due(struct store *s, int64_t campaign_id, int64_t *t_r,
		 struct err *e)
{
	/* min() over an empty set is NULL: no row waits */
	static const char sql[] =
		"SELECT min(max(next_attempt, not_before)) IS NOT NULL, "
		"coalesce(min(max(next_attempt, not_before)), 0) "
		"FROM deliveries WHERE state IN " STORE_WAITING " AND "
		"(?1 = 0 OR campaign_id = ?1)";
	int64_t found = 0;
	int64_t *const out[] = { &found, t_r };
	sqlite3_stmt *st;

	if (store_prepare(s, sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	if (store_one_int64(s, st, "status: next due", out, 2, e) == -1)
		return -1;
	return found ? 1 : 0;
}

static int
store_error_row(void *ctx, sqlite3_stmt *st)
{
	struct store_status_ctx *x = ctx;
	struct store_serror r = {
		.id = sqlite3_column_int64(st, 0),
		.rcpt = store_col_text(st, 1),
		.kind = store_col_text(st, 2),
		.attempts = sqlite3_column_int(st, 4),
		.when = sqlite3_column_int64(st, 5),
		.reply = store_col_text(st, 6),
	};

	if (store_dstate_parse(store_col_text(st, 3), &r.state) == -1)
		r.state = STORE_D_FAILED;
	return x->cb.error(x->arg, &r);
}

int
store_status_errors(struct store *s, int64_t campaign_id, long max,
		    store_serror_cb cb, void *arg, struct err *e)
{
	struct store_status_ctx x = { .cb.error = cb, .arg = arg };

	return store_status_run(s, "SELECT d.id, coalesce(c.email, d.rcpt), "
				"d.kind, d.state, d.attempts, d.updated, "
				"d.last_reply FROM deliveries d LEFT JOIN "
				"contacts c ON c.id = d.contact_id WHERE "
				"(?1 = 0 OR d.campaign_id = ?1) AND d.state IN "
				"('deferred', 'unknown', 'failed') AND "
				"d.last_reply IS NOT NULL AND "
				"d.last_reply <> '' "
				"ORDER BY d.updated DESC, d.id DESC LIMIT ?2",
				campaign_id, max, store_error_row, &x,
				"status: errors", e);
}

static int
store_deferred_row(void *ctx, sqlite3_stmt *st)
{
	struct store_status_ctx *x = ctx;
	struct store_sdeferred g = {
		.domain = store_col_text(st, 0),
		.reason = store_col_text(st, 1),
		.n = (long)sqlite3_column_int64(st, 2),
		.next_attempt = sqlite3_column_int64(st, 3),
	};

	return x->cb.deferred(x->arg, &g);
}

int
store_status_deferred(struct store *s, long max, store_sdeferred_cb cb,
		      void *arg, struct err *e)
{
	struct store_status_ctx x = { .cb.deferred = cb, .arg = arg };

	/* the domain: what follows the last '@' is what follows the first
	 * one in any address anketa accepts (one '@', none in the domain) */
	return store_status_run(s, "SELECT lower(substr(a, instr(a, '@') + "
				"1)) AS dom, r, count(*), min(n) FROM (SELECT "
				"coalesce(c.email, d.rcpt) AS a, d.last_reply "
				"AS r, max(d.next_attempt, d.not_before) AS n "
				"FROM deliveries d LEFT JOIN contacts c ON "
				"c.id = d.contact_id WHERE d.state = "
				"'deferred') GROUP BY dom, r "
				"ORDER BY count(*) DESC, dom, r LIMIT ?1",
				max, 0, store_deferred_row, &x,
				"status: deferred", e);
}

static int
store_owner_row(void *ctx, sqlite3_stmt *st)
{
	struct store_status_ctx *x = ctx;
	struct store_sowner o = {
		.role = store_col_text(st, 0),
		.host = store_col_text(st, 1),
		.pid = sqlite3_column_int64(st, 2),
		.started = sqlite3_column_int64(st, 3),
	};

	o.alive = store_owner_alive(o.host, store_col_text(st, 4));
	return x->cb.owner(x->arg, &o);
}

int
store_status_owners(struct store *s, const char *role, store_sowner_cb cb,
		    void *arg, struct err *e)
{
	struct store_status_ctx x = { .cb.owner = cb, .arg = arg };
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, "SELECT role, host, pid, started, lock FROM "
			  "owners WHERE ?1 IS NULL OR role = ?1 ORDER BY id",
			  &st, e) == -1)
		return -1;
	store_bind_text(st, 1, role);
	rc = store_rows(s, st, store_owner_row, &x, NULL, "status: owners",
			e);
	store_done(s, st);
	return rc;
}

static int
store_kind_row(void *ctx, sqlite3_stmt *st)
{
	struct store_status_ctx *x = ctx;

	return x->cb.kind(x->arg, store_col_text(st, 0),
			  (long)sqlite3_column_int64(st, 1),
			  sqlite3_column_int64(st, 2));
}

int
store_status_inbound(struct store *s, store_skind_cb cb, void *arg,
		     struct err *e)
{
	struct store_status_ctx x = { .cb.kind = cb, .arg = arg };

	/* inbound_kind covers the grouping; the max reads each row, which
	 * is what counting them costs anyway */
	return store_status_run(s, "SELECT kind, count(*), max(created) "
				"FROM inbound GROUP BY kind ORDER BY kind",
				0, 0, store_kind_row, &x, "status: inbound",
				e);
}

static int
store_mailbox_row(void *ctx, sqlite3_stmt *st)
{
	struct store_status_ctx *x = ctx;

	return x->cb.mailbox(x->arg, store_col_text(st, 0),
			     sqlite3_column_int64(st, 1),
			     sqlite3_column_int64(st, 2),
			     sqlite3_column_int64(st, 3));
}

int
store_status_mailboxes(struct store *s, store_smailbox_cb cb, void *arg,
		       struct err *e)
{
	struct store_status_ctx x = { .cb.mailbox = cb, .arg = arg };

	return store_status_run(s, "SELECT source, uidvalidity, last_uid, "
				"updated FROM mailboxes ORDER BY source",
				0, 0, store_mailbox_row, &x,
				"status: mailboxes", e);
}

static int
store_health_row(void *ctx, sqlite3_stmt *st)
{
	struct store_status_ctx *x = ctx;

	return x->cb.health(x->arg, store_col_text(st, 0),
			    sqlite3_column_int64(st, 1),
			    sqlite3_column_int64(st, 2),
			    store_col_text(st, 3));
}

int
store_status_health(struct store *s, store_shealth_cb cb, void *arg,
		    struct err *e)
{
	struct store_status_ctx x = { .cb.health = cb, .arg = arg };

	return store_status_run(s, "SELECT source, coalesce(ok_at, 0), "
				"coalesce(failed_at, 0), error FROM "
				"fetch_health ORDER BY source", 0, 0,
				store_health_row, &x, "status: connection",
				e);
}
