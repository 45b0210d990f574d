/*
 * store_resolve.c -- the lookups ingest makes to find the exact delivery
 * a reply answers: by the delivery's own token, by a Message-ID we sent
 * as a reply quotes it, and the campaigns still open for a contact (for
 * keys that name only the contact: a legacy contact token, the sender).
 * Reads only.
 */
#include "store/store_private.h"

#include <string.h>

/* Campaign mail a reply may answer: feedback is our reply, never what is
 * answered, and only mail that (may have) reached the contact counts. */
#define STORE_OPEN_ROW \
	"d.kind NOT IN ('confirm', 'problem') AND " \
	"d.state IN ('sent', 'unknown', 'sending')"

static int
store_resolve_row(struct store *s, sqlite3_stmt *st, int64_t *delivery_id_r,
		  int64_t *campaign_id_r, int64_t *contact_id_r,
		  struct err *e)
{
	int64_t d = 0, camp = 0, contact = 0;
	int64_t *const out[] = { &d, &camp, &contact };
	int rc = st != NULL ? store_one_int64(s, st, "deliveries", out, 3,
					      e) : 0;	/* no key */

	if (rc != 1)
		d = camp = contact = 0;
	if (delivery_id_r)
		*delivery_id_r = d;
	if (campaign_id_r)
		*campaign_id_r = camp;
	if (contact_id_r)
		*contact_id_r = contact;
	return rc;
}

int
store_delivery_by_token(struct store *s, const char *token,
			int64_t *delivery_id_r, int64_t *campaign_id_r,
			int64_t *contact_id_r, struct err *e)
{
	sqlite3_stmt *st;

	if (token == NULL || *token == '\0')
		return store_resolve_row(s, NULL, delivery_id_r,
					 campaign_id_r, contact_id_r, e);
	/* tokens are stored in lower case: the unique index still serves */
	if (store_stmt(s, "SELECT id, coalesce(campaign_id, 0), "
		       "coalesce(contact_id, 0) FROM deliveries "
		       "WHERE token = lower(trim(?1))", &st, e) == -1)
		return -1;
	store_bind_text(st, 1, token);
	return store_resolve_row(s, st, delivery_id_r, campaign_id_r,
				 contact_id_r, e);
}

int
store_delivery_by_ref(struct store *s, const char *id,
		      int64_t *delivery_id_r, int64_t *campaign_id_r,
		      int64_t *contact_id_r, struct err *e)
{
	sqlite3_stmt *st;
	size_t n = id != NULL ? strlen(id) : 0;

	if (n >= 2 && id[0] == '<' && id[n - 1] == '>')
		id++, n -= 2;
	if (n == 0)
		return store_resolve_row(s, NULL, delivery_id_r,
					 campaign_id_r, contact_id_r, e);
	/* the sender keeps the header's form, "<...>"; older rows and
	 * tests may hold the bare id: both are looked up by the index.
	 * min(id) of those two rows, not ORDER BY: a sort would build a
	 * temporary b-tree for every message ingest resolves. */
	if (store_stmt(s, "SELECT id, coalesce(campaign_id, 0), "
		       "coalesce(contact_id, 0) FROM deliveries WHERE id = "
		       "(SELECT min(id) FROM deliveries "
		       "WHERE message_id IN (?1, '<' || ?1 || '>'))", &st,
		       e) == -1)
		return -1;
	if (sqlite3_bind_text(st, 1, id, (int)n, SQLITE_TRANSIENT) !=
	    SQLITE_OK) {
		store_done(s, st);
		return store_fail(s, e, "deliveries: message-id");
	}
	return store_resolve_row(s, st, delivery_id_r, campaign_id_r,
				 contact_id_r, e);
}

int
store_contact_open_campaigns(struct store *s, int64_t contact_id,
			     const char *today_iso, long *n_r,
			     int64_t *campaign_id_r, int64_t *delivery_id_r,
			     struct err *e)
{
	/* deadline: an ISO date or date-time; its date part is compared,
	 * so a campaign is open through the whole day of its deadline */
	static const char count_sql[] =
		"SELECT count(DISTINCT d.campaign_id), min(d.campaign_id) "
		"FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id "
		"WHERE d.contact_id = ?1 AND " STORE_OPEN_ROW " AND "
		"(c.deadline IS NULL OR trim(c.deadline) = '' OR "
		"substr(trim(c.deadline), 1, 10) >= ?2)";
	static const char one_sql[] =
		"SELECT d.id FROM deliveries d WHERE d.contact_id = ?1 AND "
		"d.campaign_id = ?2 AND " STORE_OPEN_ROW " "
		"ORDER BY d.state = 'sent' DESC, d.updated DESC, d.id DESC "
		"LIMIT 1";
	int64_t n = 0, camp = 0, d = 0;
	int64_t *const cnt[] = { &n, &camp };
	int64_t *const one[] = { &d };
	sqlite3_stmt *st;
	int rc;

	*n_r = 0;
	*campaign_id_r = *delivery_id_r = 0;
	if (today_iso == NULL || strlen(today_iso) != 10) {
		err_set(e, "open campaigns: today is not a date: '%s'",
			today_iso != NULL ? today_iso : "");
		return -1;
	}
	if (store_stmt(s, count_sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	store_bind_text(st, 2, today_iso);
	rc = store_one_int64(s, st, "open campaigns", cnt, 2, e);
	if (rc == -1)
		return -1;
	*n_r = (long)n;
	if (n != 1)
		return 0;
	if (store_stmt(s, one_sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	sqlite3_bind_int64(st, 2, camp);
	rc = store_one_int64(s, st, "open campaigns", one, 1, e);
	if (rc == -1)
		return -1;
	*campaign_id_r = camp;
	*delivery_id_r = d;
	return 0;
}
