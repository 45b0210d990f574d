/*
 * store_preview.c -- `send --dry-run`: the rows a send would hand out,
 * read without writing anything (no plan, no claim), so a preview never
 * changes what a later send does.
 */
#include "store/store_private.h"

#include <stdlib.h>

#include "base/xmem.h"

struct store_pv {
	store_outrow_cb cb;
	void *arg;
	long left;		/* -1: no limit */
};

static int
store_pv_row(void *ctx, sqlite3_stmt *st)
{
	struct store_pv *p = ctx;
	struct store_outrow r = { 0 };
	struct store_contact c;

	if (p->left == 0)
		return 1;
	if (p->left > 0)
		p->left--;
	r.id = sqlite3_column_int64(st, 0);
	r.campaign_id = sqlite3_column_int64(st, 1);
	r.kind = store_col_text(st, 2);
	r.state = STORE_D_PENDING;
	r.rcpt = store_col_text(st, 3);
	r.token = store_col_text(st, 4);
	r.message_id = store_col_text(st, 5);
	store_contact_row(st, 6, &c);
	r.contact = &c;
	return p->cb(p->arg, &r);
}

int
store_deliveries_preview(struct store *s, int64_t campaign_id,
			 const char *kind, long limit, store_outrow_cb cb,
			 void *arg, struct err *e)
{
	struct store_pv p = { cb, arg, limit > 0 ? limit : -1 };
	struct store_filter f;
	struct store_where w;
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc = store_audience(s, campaign_id, &f, e);

	if (rc == 0)
		err_set(e, "campaign %lld: not in the store",
			(long long)campaign_id);
	if (rc != 1)
		return -1;
	store_where_build(&w, &f);
	sql = xasprintf("SELECT d.id, d.campaign_id, d.kind, c.email, "
			"d.token, d.message_id, " STORE_CONTACT_COLS
			" FROM deliveries d JOIN contacts c ON "
			"c.id = d.contact_id WHERE d.campaign_id = ?1 AND "
			"d.kind = ?2 AND d.state IN ('pending', 'deferred', "
			"'unknown') AND c.status = 'ok' AND ?3 = ?3 "
			"UNION ALL "
			"SELECT 0, ?1, ?2, c.email, 'preview', NULL, "
			STORE_CONTACT_COLS " FROM contacts c WHERE "
			STORE_PLAN_WHERE " AND NOT EXISTS (SELECT 1 FROM "
			"deliveries x WHERE x.campaign_id = ?1 AND "
			"x.contact_id = c.id AND x.kind = ?2)",
			buf_cstr(&w.sql));
	rc = store_prepare(s, sql, &st, e);
	free(sql);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, campaign_id);
		store_bind_text(st, 2, kind);
		sqlite3_bind_int64(st, 3, 0);
		if (store_where_bind(st, &w, 4) == -1)
			rc = store_fail(s, e, "preview");
	}
	if (rc == 0) {
		rc = store_rows(s, st, store_pv_row, &p, NULL, "preview", e);
		if (rc == 1)
			rc = 0;		/* the limit */
	}
	store_done(s, st);
	store_where_free(&w);
	store_filter_clear(&f);
	return rc;
}
