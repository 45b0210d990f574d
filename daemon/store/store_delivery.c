/*
 * store_delivery.c -- the delivery states, planning a campaign's mail
 * (the producer for its audience) and the lookups ingest and reports
 * make. The queue itself (claims, hand-over, outcomes) is in
 * store_outbox.c; see the state machine in store.h.
 */
#include "base/kind.h"
#include "store/store_private.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

static const char *const store_dstates[] = {
	[STORE_D_PENDING] = "pending",	 [STORE_D_SENDING] = "sending",
	[STORE_D_SENT] = "sent",	 [STORE_D_FAILED] = "failed",
	[STORE_D_DEFERRED] = "deferred", [STORE_D_SKIPPED] = "skipped",
	[STORE_D_UNKNOWN] = "unknown",	 [STORE_D_CANCELLED] = "cancelled",
};
#define STORE_NDSTATES (sizeof(store_dstates) / sizeof(store_dstates[0]))

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
	return kind_is_feedback(kind);
}

/* ---- plan ------------------------------------------------------------------ */

/* Copy the stored audience of a campaign into f (strings owned, free with
 * store_filter_clear). 1 found, 0 no such campaign, -1. */
int
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

void
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
		  int per_hour, const struct store_filter *f, long *added_r,
		  struct err *e)
{
	struct store_where w;
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;

	/* With per_hour (?4) the n-th new row of a recipient domain may go
	 * n / per_hour hours from now. The window function that numbers
	 * them sorts the whole audience in memory (3.5 MB more at 100,000
	 * contacts), so without pacing not_before is 0 and ?4 is not in
	 * the text. ?1 ?2 ?3 (?4) come first in the text, so the filter's
	 * plain "?" are numbered from the next one on. */
	store_where_build(&w, f);
	sql = xasprintf("INSERT INTO deliveries(campaign_id, contact_id, "
			"kind, state, token, not_before, queued, created, "
			"updated) "
			"SELECT ?1, c.id, ?2, 'pending', anketa_token(), %s, "
			"?3, ?3, ?3 FROM contacts c WHERE " STORE_PLAN_WHERE
			" AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE "
			"x.campaign_id = ?1 AND x.contact_id = c.id AND "
			"x.kind = ?2) ORDER BY c.id "
			"ON CONFLICT (campaign_id, contact_id, kind, round) "
			"WHERE kind NOT IN ('confirm', 'problem', 'update', "
			"'cancel', 'seat') DO NOTHING", per_hour > 0 ?
			"?3 + (row_number() OVER ("
			"PARTITION BY substr(c.email, instr(c.email, '@')) "
			"ORDER BY c.id) - 1) / ?4 * 3600" : "0",
			buf_cstr(&w.sql));
	rc = store_prepare(s, sql, &st, e);
	free(sql);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, campaign_id);
		store_bind_text(st, 2, kind);
		sqlite3_bind_int64(st, 3, store_now(s));
		if (per_hour > 0)
			sqlite3_bind_int(st, 4, per_hour);
		if (store_where_bind(st, &w, per_hour > 0 ? 5 : 4) == -1)
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
	return store_deliveries_plan_paced(s, campaign_id, kind, 0, added_r,
					   e);
}

int
store_deliveries_plan_paced(struct store *s, int64_t campaign_id,
			    const char *kind, int per_hour, long *added_r,
			    struct err *e)
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
		rc = store_plan_insert(s, campaign_id, kind, per_hour, &f,
				       &added, e);
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
store_deliveries_count_since(struct store *s, int64_t contact_id,
			     const char *kind, int64_t since, long *n_r,
			     struct err *e)
{
	int64_t n = 0;
	int rc;

	rc = store_lookup(s, "SELECT count(*) FROM deliveries WHERE "
			   "contact_id = ?1 AND kind = ?2 AND state NOT IN "
			   "('failed', 'skipped', 'cancelled') "
			   "AND created >= ?3", contact_id, kind, since, &n,
			   NULL, NULL, e);
	if (rc == -1)
		return -1;
	*n_r = (long)n;
	return 0;
}

int
store_delivery_counts(struct store *s, int64_t campaign_id, const char *kind,
		      long counts[STORE_D_N], struct err *e)
{
	sqlite3_stmt *st;
	enum store_dstate ds;
	int rc;

	for (int i = 0; i < STORE_D_N; i++)
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

/* ---- fingerprints ---------------------------------------------------------- */

#define STORE_FPRINT_MAX (64u << 10)

int
store_delivery_fprint_set(struct store *s, int64_t id, const void *blob,
			  size_t len, struct err *e)
{
	sqlite3_stmt *st;

	if (len > STORE_FPRINT_MAX) {
		err_set(e, "delivery %lld: fingerprint of %zu bytes",
			(long long)id, len);
		return -1;
	}
	if (store_stmt(s, "UPDATE deliveries SET fprint = ?2 WHERE id = ?1",
		       &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, blob, (int)len, SQLITE_TRANSIENT);
	int rc = store_step_done(s, st, "delivery: fingerprint", e);
	store_done(s, st);
	return rc;
}

int
store_delivery_fprint(struct store *s, int64_t id, unsigned char **blob_r,
		      size_t *len_r, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*blob_r = NULL;
	*len_r = 0;
	if (store_stmt(s, "SELECT fprint FROM deliveries WHERE id = ?1 AND "
		       "fprint IS NOT NULL", &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_step_row(s, st, "delivery: fingerprint", e);
	if (rc == 1) {
		int n = sqlite3_column_bytes(st, 0);
		const void *b = sqlite3_column_blob(st, 0);
		*blob_r = xmalloc(n > 0 ? (size_t)n : 1);
		if (n > 0)
			memcpy(*blob_r, b, (size_t)n);
		*len_r = (size_t)n;
	}
	store_done(s, st);
	return rc;
}
