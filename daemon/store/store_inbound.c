/*
 * store_inbound.c -- the receiving side of the store: mailbox positions,
 * inbound messages (with the poison guard for parsing) and responses
 * with their history. See store.h.
 *
 * Hot paths (inbound_seen, inbound_add, mailbox positions) use cached
 * statements: a catch-up of 100,000 messages prepares each one once.
 */
#include "store/store_private.h"

#include <string.h>

static const char *const store_ikinds[] = {
	[STORE_I_ANSWERS] = "answers",	   [STORE_I_RSVP] = "rsvp",
	[STORE_I_BOUNCE] = "bounce",	   [STORE_I_AUTOREPLY] = "auto-reply",
	[STORE_I_OPTOUT] = "opt-out",	   [STORE_I_UNMATCHED] = "unmatched",
	[STORE_I_UNREADABLE] = "unreadable",
	[STORE_I_QUARANTINE] = "quarantine",
	[STORE_I_DUPLICATE] = "duplicate",
};
#define STORE_NIKINDS (sizeof(store_ikinds) / sizeof(store_ikinds[0]))

const char *
store_ikind_name(enum store_ikind k)
{
	return store_name_of(store_ikinds, STORE_NIKINDS, (size_t)k);
}

int
store_ikind_parse(const char *name, enum store_ikind *k_r)
{
	size_t i;

	if (store_name_index(store_ikinds, STORE_NIKINDS, name, &i) == -1)
		return -1;
	*k_r = (enum store_ikind)i;
	return 0;
}

/* One cached write with up to two text parameters, as its own
 * transaction (or savepoint inside the caller's). */
static int
store_write_text(struct store *s, const char *sql, const char *what,
		 const char *t1, const char *t2, struct err *e)
{
	sqlite3_stmt *st;
	int outer, rc;

	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	store_bind_text(st, 1, t1);
	store_bind_text(st, 2, t2);
	rc = store_step_done(s, st, what, e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

/* A cached query with up to two text parameters: 1 if it returns a row
 * (first two columns copied as int64 when asked), 0 if not, -1. */
static int
store_exists(struct store *s, const char *sql, const char *what,
	     const char *t1, const char *t2, int64_t *a_r, int64_t *b_r,
	     struct err *e)
{
	int64_t *const out[] = { a_r, b_r };
	sqlite3_stmt *st;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, t1);
	store_bind_text(st, 2, t2);
	return store_one_int64(s, st, what, out, 2, e);
}

/* ---- mailbox positions ------------------------------------------------------- */

int
store_mailbox_get(struct store *s, const char *source,
		  uint32_t *uidvalidity_r, uint32_t *last_uid_r,
		  struct err *e)
{
	int64_t v = 0, u = 0;
	int rc;

	rc = store_exists(s, "SELECT uidvalidity, last_uid FROM mailboxes "
			  "WHERE source = ?1", source, source, NULL, &v, &u,
			  e);
	if (rc == 1) {
		if (uidvalidity_r)
			*uidvalidity_r = (uint32_t)v;
		if (last_uid_r)
			*last_uid_r = (uint32_t)u;
	}
	return rc;
}

int
store_mailbox_set(struct store *s, const char *source, uint32_t uidvalidity,
		  uint32_t last_uid, struct err *e)
{
	static const char sql[] =
		"INSERT INTO mailboxes(source, uidvalidity, last_uid, "
		"updated) VALUES (?1, ?2, ?3, unixepoch()) ON CONFLICT "
		"(source) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
		"last_uid = excluded.last_uid, updated = excluded.updated";
	sqlite3_stmt *st;
	int outer, rc;

	if (source == NULL || *source == '\0') {
		err_set(e, "mailbox: empty source");
		return -1;
	}
	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	store_bind_text(st, 1, source);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, last_uid);
	rc = store_step_done(s, st, source, e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

int
store_mailbox_health(struct store *s, const char *source, const char *why,
		     struct err *e)
{
	static const char sql[] =
		"INSERT INTO fetch_health(source, ok_at, failed_at, error) "
		"VALUES (?1, CASE WHEN ?2 IS NULL THEN ?3 END, "
		"CASE WHEN ?2 IS NOT NULL THEN ?3 END, ?2) ON CONFLICT "
		"(source) DO UPDATE SET "
		"ok_at = coalesce(excluded.ok_at, ok_at), "
		"failed_at = coalesce(excluded.failed_at, failed_at), "
		"error = coalesce(excluded.error, error)";
	sqlite3_stmt *st;
	int outer, rc;

	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	store_bind_text(st, 1, source != NULL ? source : "");
	store_bind_text(st, 2, why);
	sqlite3_bind_int64(st, 3, store_now(s));
	rc = store_step_done(s, st, "mailbox health", e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

/* ---- inbound ----------------------------------------------------------------- */

int
store_inbound_seen(struct store *s, const char *src_key,
		   const char *message_id, struct err *e)
{
	/* Two index lookups; an empty Message-ID identifies nothing. */
	return store_exists(s, "SELECT 1 FROM inbound WHERE src_key = ?1 "
			    "UNION ALL SELECT 1 FROM inbound WHERE "
			    "?2 <> '' AND message_id = ?2 LIMIT 1",
			    "inbound seen", src_key ? src_key : "",
			    message_id ? message_id : "", NULL, NULL, e);
}

int
store_inbound_parsing(struct store *s, const char *src_key, struct err *e)
{
	return store_write_text(s, "INSERT INTO inbound_parsing(src_key, "
				"started) VALUES (?1, unixepoch()) ON "
				"CONFLICT (src_key) DO UPDATE SET started = "
				"excluded.started", src_key, src_key, NULL,
				e);
}

int
store_inbound_parsing_clear(struct store *s, const char *src_key,
			    struct err *e)
{
	return store_write_text(s, "DELETE FROM inbound_parsing WHERE "
				"src_key = ?1", src_key, src_key, NULL, e);
}

int
store_inbound_parsing_left(struct store *s, const char *src_key,
			   struct err *e)
{
	return store_exists(s, "SELECT 1 FROM inbound_parsing WHERE "
			    "src_key = ?1", src_key, src_key, NULL, NULL,
			    NULL, e);
}

int
store_inbound_add(struct store *s, const struct store_inbound *m,
		  int64_t *id_r, struct err *e)
{
	static const char sql[] =
		"INSERT INTO inbound(src_key, message_id, from_addr, subject, "
		"date, kind, reason, charset, answered_by, reply_text, "
		"bounce_recipient, bounce_class, bounce_status, bounce_diag, "
		"rsvp_attendee, rsvp_partstat, contact_id, campaign_id, "
		"delivery_id, raw, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		"?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
		"?19, ?20, unixepoch())";
	const char *t[] = {
		m->src_key, m->message_id, m->from_addr, m->subject, m->date,
		store_ikind_name(m->kind), m->reason, m->charset,
		m->answered_by, m->reply_text, m->bounce_recipient,
		m->bounce_class, m->bounce_status, m->bounce_diag,
		m->rsvp_attendee, m->rsvp_partstat,
	};
	sqlite3_stmt *st;
	int rc;

	if (m->src_key == NULL || *m->src_key == '\0' ||
	    (size_t)m->kind >= STORE_NIKINDS) {
		err_set(e, "inbound: no source key or unknown kind");
		return -1;
	}
	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		store_bind_opt_text(st, (int)i + 1, t[i]);
	store_bind_text(st, 1, m->src_key);
	store_bind_id(st, 17, m->contact_id);
	store_bind_id(st, 18, m->campaign_id);
	store_bind_id(st, 19, m->delivery_id);
	if (m->raw != NULL)
		sqlite3_bind_blob64(st, 20, m->raw, m->raw_len,
				    SQLITE_STATIC);
	rc = store_step_done(s, st, "inbound", e);
	store_done(s, st);
	if (rc == -1) {
		err_prefix(e, "%s", m->src_key);
		return -1;
	}
	if (id_r)
		*id_r = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* ---- responses ---------------------------------------------------------------- */

/* *superseded_r: whether an earlier current response was retired. */
static int
store_response_row(struct store *s, int64_t campaign_id, int64_t contact_id,
		   int64_t inbound_id, int64_t *id_r, int *superseded_r,
		   struct err *e)
{
	/* Inserted as not current first: the unique index allows one
	 * current row per (campaign, contact), so the old one is retired
	 * before the new one takes over. Late: recorded after the
	 * campaign's deadline (store clock), kept all the same. */
	static const char ins[] =
		"INSERT INTO responses(campaign_id, contact_id, inbound_id, "
		"current, created, late) VALUES (?1, ?2, ?3, 0, unixepoch(), "
		"coalesce((SELECT deadline_at <= ?4 FROM campaigns "
		"WHERE id = ?1), 0))";
	static const char old[] =
		"UPDATE responses SET current = 0, superseded_by = ?3 "
		"WHERE campaign_id = ?1 AND contact_id = ?2 AND current = 1";
	static const char cur[] =
		"UPDATE responses SET current = 1 WHERE id = ?3";
	const char *sqls[] = { ins, old, cur };
	sqlite3_stmt *st;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < 3; i++) {
		if ((rc = store_stmt(s, sqls[i], &st, e)) == -1)
			break;
		sqlite3_bind_int64(st, 1, campaign_id);
		sqlite3_bind_int64(st, 2, contact_id);
		if (i == 0) {
			store_bind_id(st, 3, inbound_id);
			sqlite3_bind_int64(st, 4, store_now(s));
		} else
			sqlite3_bind_int64(st, 3, *id_r);
		rc = store_step_done(s, st, "response", e);
		store_done(s, st);
		if (rc == 0 && i == 0)
			*id_r = sqlite3_last_insert_rowid(s->db);
		if (rc == 0 && i == 1)
			*superseded_r = sqlite3_changes(s->db) > 0;
	}
	return rc;
}

/* Answers go STORE_ANS_ROWS to a statement (a reply carries a dozen:
 * one step writes four, where each statement's own work, not the rows,
 * cost most), the rest one by one. Rows are written in the order given,
 * so a question answered twice in one reply still ends with the later
 * line. */
#define STORE_ANS_ROWS 4
#define STORE_ANS_UPSERT \
	" ON CONFLICT (response_id, question) DO UPDATE SET value = " \
	"excluded.value, unconfirmed = 0"

static int
store_answers_put(struct store *s, int64_t id, const struct store_answer *a,
		  size_t n, struct err *e)
{
	static const char one[] =
		"INSERT INTO answers(response_id, question, value) VALUES "
		"(?1, ?2, ?3)" STORE_ANS_UPSERT;
	static const char four[] =
		"INSERT INTO answers(response_id, question, value) VALUES "
		"(?1, ?2, ?3), (?1, ?4, ?5), (?1, ?6, ?7), (?1, ?8, ?9)"
		STORE_ANS_UPSERT;
	sqlite3_stmt *st;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (a[i].question == NULL || *a[i].question == '\0') {
			err_set(e, "answer %zu: no question id", i + 1);
			return -1;
		}
	for (size_t i = 0; rc == 0 && i < n;) {
		size_t k = n - i >= STORE_ANS_ROWS ? STORE_ANS_ROWS : 1;
		if (store_stmt(s, k == 1 ? one : four, &st, e) == -1)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		for (size_t j = 0; j < k; j++) {
			store_bind_text(st, 2 + 2 * (int)j, a[i + j].question);
			store_bind_text(st, 3 + 2 * (int)j, a[i + j].value ?
					a[i + j].value : "");
		}
		rc = store_step_done(s, st, a[i].question, e);
		store_done(s, st);
		i += k;
	}
	return rc;
}

/* A value with a comma made of ids only (store.h: struct store_answer);
 * the same rule as migration 9's GLOB. */
int
store_is_choice_list(const char *v)
{
	if (v == NULL || strchr(v, ',') == NULL)
		return 0;
	return v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
			"wxyz0123456789_.,-")] == '\0';
}

/* The answer's choices, one row each, replacing what a repeated question
 * of the same reply left. */
static int
store_choices_add(struct store *s, int64_t response_id,
		  const struct store_answer *a, struct err *e)
{
	static const char del[] =
		"DELETE FROM answer_choices WHERE response_id = ?1 AND "
		"question = ?2";
	static const char ins[] =
		"WITH RECURSIVE split(rest, choice) AS (SELECT ?3 || ',', "
		"NULL UNION ALL SELECT substr(rest, instr(rest, ',') + 1), "
		"substr(rest, 1, instr(rest, ',') - 1) FROM split "
		"WHERE rest <> '') INSERT OR IGNORE INTO answer_choices("
		"response_id, question, choice) SELECT ?1, ?2, choice "
		"FROM split WHERE choice <> ''";
	int list = store_is_choice_list(a->value);
	sqlite3_stmt *st;
	int rc = 0;

	for (int i = 0; rc == 0 && i < 1 + list; i++) {
		if ((rc = store_stmt(s, i ? ins : del, &st, e)) == -1)
			break;
		sqlite3_bind_int64(st, 1, response_id);
		store_bind_text(st, 2, a->question);
		if (i)
			store_bind_text(st, 3, a->value);
		rc = store_step_done(s, st, a->question, e);
		store_done(s, st);
	}
	return rc;
}

int
store_response_add(struct store *s, int64_t campaign_id, int64_t contact_id,
		   int64_t inbound_id, const struct store_answer *a, size_t n,
		   int64_t *response_id_r, struct err *e)
{
	/* what the response it supersedes read and this one does not */
	static const char keep[] =
		"INSERT OR IGNORE INTO answers(response_id, question, value, "
		"unconfirmed) SELECT ?1, a.question, a.value, a.unconfirmed "
		"FROM responses r JOIN answers a ON a.response_id = r.id "
		"WHERE r.superseded_by = ?1";
	/* and the choices of what was carried over (the same value) */
	static const char keep_choices[] =
		"INSERT OR IGNORE INTO answer_choices(response_id, question, "
		"choice) SELECT ?1, ch.question, ch.choice FROM responses r "
		"JOIN answer_choices ch ON ch.response_id = r.id "
		"JOIN answers o ON o.response_id = r.id AND "
		"o.question = ch.question JOIN answers n ON "
		"n.response_id = ?1 AND n.question = ch.question AND "
		"n.value = o.value WHERE r.superseded_by = ?1";
	sqlite3_stmt *st;
	int64_t id = 0;
	int superseded = 0, rc;

	rc = store_response_row(s, campaign_id, contact_id, inbound_id, &id,
				&superseded, e);
	if (rc == 0)
		rc = store_answers_put(s, id, a, n, e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = store_choices_add(s, id, &a[i], e);
	/* a first response has nothing to carry over */
	for (size_t i = 0; i < 2 && rc == 0 && superseded; i++) {
		if ((rc = store_stmt(s, i ? keep_choices : keep, &st, e)) == -1)
			break;
		sqlite3_bind_int64(st, 1, id);
		rc = store_step_done(s, st, "earlier answers", e);
		store_done(s, st);
	}
	if (rc == -1) {
		err_prefix(e, "campaign %lld contact %lld: response",
			   (long long)campaign_id, (long long)contact_id);
		return -1;
	}
	if (response_id_r)
		*response_id_r = id;
	return 0;
}

int
store_answer_unconfirm(struct store *s, int64_t response_id,
		       const char *question, struct err *e)
{
	static const char sql[] =
		"UPDATE answers SET unconfirmed = 1 WHERE response_id = ?1 "
		"AND question = ?2";
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, response_id);
	store_bind_text(st, 2, question);
	rc = store_step_done(s, st, question, e);
	store_done(s, st);
	return rc;
}
