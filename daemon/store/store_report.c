/*
 * store_report.c -- read-only queries for reports: current answers, the
 * roster of a campaign and the inbound messages by kind. See store.h.
 * Each streams from one statement; callbacks get borrowed rows and must
 * not write to the store while the walk is running.
 */
#include "store/store_private.h"

#include <string.h>

struct store_report_ctx {
	union {
		store_answer_cb answer;
		store_roster_cb roster;
		store_inbound_cb inbound;
	} cb;
	void *arg;
};

/* Prepare sql, bind ?1 campaign_id, stream rows through row(x). */
static int
store_report_run(struct store *s, const char *sql, int64_t campaign_id,
		 int (*row)(void *, sqlite3_stmt *),
		 struct store_report_ctx *x, const char *what, struct err *e)
{
	return store_rows_sql(s, sql, campaign_id, 0, row, x, what, e);
}

static int
store_answer_row(void *ctx, sqlite3_stmt *st)
{
	struct store_report_ctx *x = ctx;

	return x->cb.answer(x->arg, store_col_text(st, 0),
			    store_col_text(st, 1),
			    sqlite3_column_int64(st, 2));
}

int
store_answers_each(struct store *s, int64_t campaign_id, store_answer_cb cb,
		   void *arg, struct err *e)
{
	struct store_report_ctx x = { .cb.answer = cb, .arg = arg };

	return store_report_run(s, "SELECT a.question, a.value, "
				"r.contact_id FROM responses r JOIN answers a "
				"ON a.response_id = r.id WHERE "
				"r.campaign_id = ?1 AND r.current = 1 "
				"AND a.unconfirmed = 0 "
				"ORDER BY a.question, r.contact_id",
				campaign_id, store_answer_row, &x,
				"answers", e);
}

static int
store_roster_row(void *ctx, sqlite3_stmt *st)
{
	struct store_report_ctx *x = ctx;
	struct store_contact c;
	const char *by;

	store_contact_row(st, 0, &c);
	by = store_col_text(st, STORE_CONTACT_NCOLS + 2);
	return x->cb.roster(x->arg, &c,
			    sqlite3_column_int(st, STORE_CONTACT_NCOLS),
			    sqlite3_column_int(st, STORE_CONTACT_NCOLS + 1),
			    by && *by ? by : NULL);
}

int
store_roster_each(struct store *s, int64_t campaign_id, store_roster_cb cb,
		  void *arg, struct err *e)
{
	struct store_report_ctx x = { .cb.roster = cb, .arg = arg };

	/* A forgotten contact (store_contact_forget) has no responses left;
	 * counted as delivered it would read as one who never answered, so
	 * it leaves the roster and the response rate, as a participant who
	 * withdrew leaves a study's sample. */
	return store_report_run(s, "SELECT " STORE_CONTACT_COLS ", "
				"EXISTS (SELECT 1 FROM deliveries d WHERE "
				"d.campaign_id = ?1 AND d.contact_id = c.id "
				"AND d.state = 'sent'), CASE WHEN r.id IS NULL "
				/* an RSVP is an answer (a calendar's Accept
				 * carries no questionnaire answers) */
				"THEN EXISTS (SELECT 1 FROM inbound v WHERE "
				"v.campaign_id = ?1 AND v.contact_id = c.id "
				"AND v.kind = 'rsvp') "
				"WHEN r.late THEN 2 ELSE 1 END, "
				"i.answered_by FROM contacts c "
				"LEFT JOIN responses r ON r.campaign_id = ?1 "
				"AND r.contact_id = c.id AND r.current = 1 "
				"LEFT JOIN inbound i ON i.id = r.inbound_id "
				"WHERE c.status <> 'forgotten' AND "
				"c.id IN (SELECT contact_id FROM "
				"deliveries WHERE campaign_id = ?1 AND "
				"kind <> 'confirm') ORDER BY c.email",
				campaign_id, store_roster_row, &x,
				"roster", e);
}

static int
store_inbound_row(void *ctx, sqlite3_stmt *st)
{
	struct store_report_ctx *x = ctx;
	struct store_inbound m;
	const char **t[] = {
		/* cppcheck-suppress uninitvar ; addresses only, m is zeroed before any read */
		&m.src_key, &m.message_id, &m.from_addr, &m.subject, &m.date,
		NULL, &m.reason, &m.charset, &m.answered_by, &m.reply_text,
		&m.bounce_recipient, &m.bounce_class, &m.bounce_status,
		&m.bounce_diag, &m.rsvp_attendee, &m.rsvp_partstat,
	};

	memset(&m, 0, sizeof(m));
	for (int i = 0; i < (int)(sizeof(t) / sizeof(t[0])); i++)
		if (t[i] != NULL)
			*t[i] = store_col_text(st, i + 1);
	if (store_ikind_parse(store_col_text(st, 6), &m.kind) == -1)
		m.kind = STORE_I_UNREADABLE;
	m.contact_id = sqlite3_column_int64(st, 17);
	m.campaign_id = sqlite3_column_int64(st, 18);
	m.delivery_id = sqlite3_column_int64(st, 19);
	m.raw = sqlite3_column_blob(st, 20);
	m.raw_len = (size_t)sqlite3_column_bytes(st, 20);
	return x->cb.inbound(x->arg, sqlite3_column_int64(st, 0), &m);
}

int
store_inbound_each(struct store *s, int kind, int64_t campaign_id,
		   store_inbound_cb cb, void *arg, struct err *e)
{
	/* Column order matches the INSERT of store_inbound_add, after id. */
	static const char sql[] =
		"SELECT id, src_key, message_id, from_addr, subject, date, "
		"kind, reason, charset, answered_by, reply_text, "
		"bounce_recipient, bounce_class, bounce_status, bounce_diag, "
		"rsvp_attendee, rsvp_partstat, contact_id, campaign_id, "
		"delivery_id, raw FROM inbound WHERE (?1 = 0 OR "
		"campaign_id = ?1) AND (?2 IS NULL OR kind = ?2) "
		"ORDER BY id DESC";
	struct store_report_ctx x = { .cb.inbound = cb, .arg = arg };
	const char *name = NULL;
	sqlite3_stmt *st;
	int rc;

	if (kind >= 0) {
		name = store_ikind_name((enum store_ikind)kind);
		if (*name == '?') {
			err_set(e, "inbound: unknown kind %d", kind);
			return -1;
		}
	}
	if (store_prepare(s, sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	store_bind_text(st, 2, name);
	rc = store_rows(s, st, store_inbound_row, &x, NULL, "inbound", e);
	store_done(s, st);
	return rc;
}

/* ---- aggregates in SQL (report_qstat, the digest) ---------------------- */

/* The responses a report counts: current, of the campaign's roster (as
 * store_roster_each: not forgotten, in the audience of a campaign mail).
 * Picked once into TEMP report_pick by store_pick, not joined again for
 * every question. */
static const char store_pick_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS report_pick("
	"  id INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL);"
	"DELETE FROM temp.report_pick;";
static const char store_pick_fill[] =
	"INSERT INTO temp.report_pick(id, contact_id) SELECT r.id, "
	"r.contact_id FROM responses r JOIN contacts c ON c.id = "
	"r.contact_id WHERE r.campaign_id = ?1 AND r.current = 1 AND "
	"c.status <> 'forgotten' AND r.contact_id IN (SELECT contact_id "
	"FROM deliveries WHERE campaign_id = ?1 AND kind <> 'confirm')";

/* Their answers to ?2 that count: confirmed, not empty. */
#define STORE_PICKED \
	"FROM temp.report_pick p JOIN answers a ON a.response_id = p.id " \
	"AND a.question = ?2 "
#define STORE_COUNTED "a.unconfirmed = 0 AND a.value <> ''"
#define STORE_ANSWERED STORE_PICKED "WHERE " STORE_COUNTED

/* The database's version as seen by this connection: another
 * connection's commit changes data_version, one of ours total_changes. */
static int
store_pick_version(struct store *s, int64_t *version_r, struct err *e)
{
	int64_t *const out[1] = { version_r };
	sqlite3_stmt *st;

	if (store_prepare(s, "PRAGMA data_version", &st, e) == -1)
		return -1;
	return store_one_int64(s, st, "data_version", out, 1, e) < 0 ? -1 : 0;
}

/* Fill report_pick for campaign_id unless it holds that campaign's
 * responses already and nothing was written since. A rollback clears
 * pick_campaign (store.c). */
static int
store_pick(struct store *s, int64_t campaign_id, struct err *e)
{
	sqlite3_stmt *st;
	int64_t version;
	int rc;

	if (store_pick_version(s, &version, e) == -1)
		return -1;
	if (s->pick_campaign == campaign_id && s->pick_version == version &&
	    s->pick_changes == sqlite3_total_changes(s->db))
		return 0;
	s->pick_campaign = 0;
	if (store_exec(s, store_pick_sql, e) == -1 ||
	    store_prepare(s, store_pick_fill, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	rc = store_step_done(s, st, "report_pick", e);
	store_done(s, st);
	if (rc == -1)
		return -1;
	s->pick_campaign = campaign_id;
	s->pick_version = version;
	s->pick_changes = sqlite3_total_changes(s->db);
	return 0;
}

struct store_count_ctx {
	store_count_cb cb;
	void *arg;
	long sum;
	int lists;	/* 1: pass on only values that are no choice list */
};

static int
store_count_row(void *ctx, sqlite3_stmt *st)
{
	struct store_count_ctx *x = ctx;
	const char *v = store_col_text(st, 0);
	long n = (long)sqlite3_column_int64(st, 1);

	x->sum += n;
	if (x->cb == NULL || (x->lists && store_is_choice_list(v)))
		return 0;
	return x->cb(x->arg, v, n);
}

/* Prepare sql, bind campaign and question, stream rows through row. */
static int
store_question_rows(struct store *s, const char *sql, int64_t campaign_id,
		    const char *question, int64_t since,
		    int (*row)(void *, sqlite3_stmt *), void *ctx,
		    struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (store_pick(s, campaign_id, e) == -1 ||
	    store_prepare(s, sql, &st, e) == -1)
		return -1;
	store_bind_text(st, 2, question);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, since);
	rc = store_rows(s, st, row, ctx, NULL, question, e);
	store_done(s, st);
	return rc;
}

int
store_answer_counts(struct store *s, int64_t campaign_id,
		    const char *question, int choices, store_count_cb cb,
		    void *arg, long *answered_r, struct err *e)
{
	static const char values[] =
		"SELECT a.value, count(*) " STORE_ANSWERED
		" GROUP BY a.value";
	/* only how many (free text): no grouping of every text */
	static const char answered[] =
		"SELECT '', count(*) " STORE_ANSWERED;
	/* the lists' choices (migration 9), of the same answers */
	static const char chosen[] =
		"SELECT ch.choice, count(*) FROM answer_choices ch WHERE "
		"ch.question = ?2 AND ch.response_id IN (SELECT p.id "
		STORE_ANSWERED ") GROUP BY ch.choice";
	struct store_count_ctx x = { cb, arg, 0, choices };
	struct store_count_ctx y = { cb, arg, 0, 0 };
	int rc;

	/* a value that is no list (one choice, or no id) counts as it is */
	rc = store_question_rows(s, cb ? values : answered, campaign_id,
				 question, 0, store_count_row, &x, e);
	if (rc == 0 && choices)
		rc = store_question_rows(s, chosen, campaign_id, question, 0,
					 store_count_row, &y, e);
	if (rc == 0 && answered_r != NULL)
		*answered_r = x.sum;
	return rc;
}

struct store_text_ctx {
	store_text_cb cb;
	void *arg;
};

static int
store_text_row(void *ctx, sqlite3_stmt *st)
{
	struct store_text_ctx *x = ctx;

	return x->cb(x->arg, sqlite3_column_int64(st, 0),
		     store_col_text(st, 1), store_col_text(st, 2));
}

int
store_answer_texts(struct store *s, int64_t campaign_id,
		   const char *question, int64_t since, store_text_cb cb,
		   void *arg, struct err *e)
{
	static const char sql[] =
		"SELECT c.id, c.municipality, a.value " STORE_PICKED
		"JOIN contacts c ON c.id = p.contact_id JOIN responses r ON "
		"r.id = p.id WHERE " STORE_COUNTED " AND r.created >= ?3 "
		"ORDER BY c.email";
	struct store_text_ctx x = { cb, arg };

	return store_question_rows(s, sql, campaign_id, question, since,
				   store_text_row, &x, e);
}

int
store_campaign_changes(struct store *s, int64_t campaign_id, int64_t since,
		       struct store_changes *c, struct err *e)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM responses WHERE campaign_id = ?1 "
		"AND current = 1 AND created >= ?2), (SELECT count(*) FROM "
		"deliveries WHERE campaign_id = ?1 AND kind IN ('invite', "
		"'reminder') AND state = 'sent' AND updated >= ?2), "
		"(SELECT count(*) FROM inbound WHERE campaign_id = ?1 AND "
		"kind IN ('unmatched', 'unreadable', 'quarantine', 'bounce') "
		"AND created >= ?2)";
	int64_t v[3] = { 0, 0, 0 };
	int64_t *const out[3] = { &v[0], &v[1], &v[2] };
	sqlite3_stmt *st;

	if (store_prepare(s, sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, since);
	if (store_one_int64(s, st, "changes", out, 3, e) < 0)
		return -1;
	c->responses = (long)v[0];
	c->sent = (long)v[1];
	c->needs = (long)v[2];
	return 0;
}

int
store_digest_last(struct store *s, const char *rcpt, int64_t *slot_r,
		  struct err *e)
{
	static const char sql[] =
		"SELECT coalesce(max(slot), 0) FROM digests WHERE rcpt = ?1";
	int64_t *const out[1] = { slot_r };
	sqlite3_stmt *st;

	*slot_r = 0;
	if (store_prepare(s, sql, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, rcpt);
	return store_one_int64(s, st, "digests", out, 1, e) < 0 ? -1 : 0;
}

int
store_digest_mark(struct store *s, const char *rcpt, int64_t slot,
		  int64_t *since_r, struct err *e)
{
	static const char ins[] =
		"INSERT OR IGNORE INTO digests(rcpt, slot) VALUES (?1, ?2)";
	sqlite3_stmt *st;
	int rc;

	if (store_digest_last(s, rcpt, since_r, e) == -1 ||
	    store_prepare(s, ins, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, rcpt);
	sqlite3_bind_int64(st, 2, slot);
	rc = store_step_done(s, st, "digests", e);
	store_done(s, st);
	if (rc == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}
