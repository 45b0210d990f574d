/*
 * store_privacy.c -- personal data in the store: forgetting one person
 * (store_contact_forget), the retention sweep of raw mail
 * (store_raw_sweep) and a consistent copy of a live store
 * (store_backup). See store.h; what forget keeps and why is in
 * anketa(1), PERSONAL DATA.
 *
 * Every handle runs with PRAGMA secure_delete on (store.c): a dropped
 * value is overwritten with zeros in its page and a freed page is
 * zeroed, so the bytes leave the file and not only the tables. Forget
 * then empties the WAL (a checkpoint with TRUNCATE), which still holds
 * the pages as they were before. These are rare or small operations,
 * so their statements are one-off (store_prepare), not cached.
 */
#include "store/store_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xmem.h"

/* ---- mentions of an address ---------------------------------------------- */

/* Bytes that may continue the local part before a match (RFC 5322 atext
 * and the dot) or the domain after it; UTF-8 bytes count as letters, so
 * "ann@x.org" is not found inside "joann@x.org" or "ann@x.org.uk". */
static int
privacy_local_ch(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch >= 0x80 ||
	       (ch != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", ch) != NULL);
}

static int
privacy_domain_ch(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch >= 0x80 || ch == '-';
}

static int
privacy_same(const unsigned char *p, const char *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)a[i])
			return 0;
	}
	return 1;
}

/* The offset of the first mention of addr (lower case, one '@') in
 * p[from, len), compared without regard to ASCII case and bounded on
 * both sides; len when there is none. Only the '@'s are looked at. */
static size_t
privacy_find(const unsigned char *p, size_t len, size_t from,
	     const char *addr)
{
	const char *at = strchr(addr, '@');
	size_t nl = (size_t)(at - addr), nd = strlen(at + 1);
	const unsigned char *q = p + from + nl;

	while (q < p + len &&
	       (q = memchr(q, '@', (size_t)(p + len - q))) != NULL) {
		size_t j = (size_t)(q - p), end = j + 1 + nd;

		q++;
		if (j < from + nl || end > len ||
		    !privacy_same(p + j - nl, addr, nl) ||
		    !privacy_same(p + j + 1, at + 1, nd))
			continue;
		if (j - nl > 0 && privacy_local_ch(p[j - nl - 1]))
			continue;
		if (end < len && (privacy_domain_ch(p[end]) ||
				  (p[end] == '.' && end + 1 < len &&
				   privacy_domain_ch(p[end + 1]))))
			continue;
		return j - nl;
	}
	return len;
}

/* A text or blob argument as bytes; NULL for SQL NULL. */
static const unsigned char *
privacy_bytes(sqlite3_value *v, size_t *len_r)
{
	const unsigned char *p;

	if (sqlite3_value_type(v) == SQLITE_NULL)
		return NULL;
	p = sqlite3_value_type(v) == SQLITE_BLOB ? sqlite3_value_blob(v) :
	    sqlite3_value_text(v);
	*len_r = (size_t)sqlite3_value_bytes(v);
	return p != NULL ? p : (const unsigned char *)"";
}

/* anketa_mentions(X, ADDR): 1 if text or blob X names ADDR, else 0. */
static void
privacy_sql_mentions(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *addr = (const char *)sqlite3_value_text(argv[1]);
	const unsigned char *p;
	size_t len = 0;

	(void)argc;
	p = privacy_bytes(argv[0], &len);
	sqlite3_result_int(ctx, p != NULL && addr != NULL &&
			   privacy_find(p, len, 0, addr) < len);
}

/* anketa_redact(X, ADDR): X as text with every mention of ADDR replaced
 * by "[forgotten]". */
static void
privacy_sql_redact(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *addr = (const char *)sqlite3_value_text(argv[1]);
	size_t len = 0, from = 0, at, n;
	const unsigned char *p;
	struct buf b;

	(void)argc;
	p = privacy_bytes(argv[0], &len);
	if (p == NULL || addr == NULL) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	n = strlen(addr);
	buf_init(&b, 0);
	while ((at = privacy_find(p, len, from, addr)) < len) {
		buf_add(&b, p + from, at - from);
		buf_adds(&b, "[forgotten]");
		from = at + n;
	}
	buf_add(&b, p + from, len - from);
	sqlite3_result_text(ctx, (const char *)b.data, (int)b.len,
			    SQLITE_TRANSIENT);
	buf_free(&b);
}

static int
privacy_functions(struct store *s, struct err *e)
{
	if (sqlite3_create_function(s->db, "anketa_mentions", 2,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				    privacy_sql_mentions, NULL, NULL) !=
	    SQLITE_OK ||
	    sqlite3_create_function(s->db, "anketa_redact", 2,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				    privacy_sql_redact, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(s, e, "store: forget functions");
	return 0;
}

/* A trimmed, lower-case copy of an address with one '@' and something on
 * each side of it, or NULL: anything shorter would match words. */
static char *
privacy_addr(const char *addr)
{
	const char *end, *at;
	char *a;

	while (*addr == ' ' || *addr == '\t')
		addr++;
	end = addr + strlen(addr);
	while (end > addr && (end[-1] == ' ' || end[-1] == '\t' ||
			      end[-1] == '\r' || end[-1] == '\n'))
		end--;
	at = memchr(addr, '@', (size_t)(end - addr));
	if (at == NULL || at == addr || at + 1 == end ||
	    memchr(at + 1, '@', (size_t)(end - at - 1)) != NULL ||
	    strcspn(addr, " \t\r\n<>\"") < (size_t)(end - addr))
		return NULL;
	a = xstrndup(addr, (size_t)(end - addr));
	for (char *q = a; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return a;
}

/* ---- forget ------------------------------------------------------------------ */

/* Every statement of a forget binds the same three values: ?1 the
 * contact's id (0: none), ?2 the address, ?3 the store's clock. */
struct privacy_args {
	int64_t contact_id;
	const char *addr;
	int64_t now;
};

static int
privacy_bind(struct store *s, const char *sql, const struct privacy_args *a,
	     sqlite3_stmt **st_r, struct err *e)
{
	sqlite3_stmt *st;
	int n;

	if (store_prepare(s, sql, &st, e) == -1)
		return -1;
	n = sqlite3_bind_parameter_count(st);
	if (n >= 1)
		sqlite3_bind_int64(st, 1, a->contact_id);
	if (n >= 2)
		store_bind_text(st, 2, a->addr);
	if (n >= 3)
		sqlite3_bind_int64(st, 3, a->now);
	*st_r = st;
	return 0;
}

/* Run one write; *n_r (may be NULL) gains the rows it changed. */
static int
privacy_write(struct store *s, const char *sql, const struct privacy_args *a,
	      long *n_r, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (privacy_bind(s, sql, a, &st, e) == -1)
		return -1;
	rc = store_step_done(s, st, "forget", e);
	store_done(s, st);
	if (rc == 0 && n_r != NULL)
		*n_r += sqlite3_changes(s->db);
	return rc;
}

/* One int64 from a query (0 when there is no row). */
static int
privacy_query(struct store *s, const char *sql, const struct privacy_args *a,
	      int64_t *v_r, struct err *e)
{
	int64_t *const out[] = { v_r };
	sqlite3_stmt *st;

	*v_r = 0;
	if (privacy_bind(s, sql, a, &st, e) == -1)
		return -1;
	return store_one_int64(s, st, "forget", out, 1, e) < 0 ? -1 : 0;
}

/* Which rows are the person's, found before anything is changed (after
 * the changes nothing would find them): their inbound messages (their
 * contact, or their address as sender, as the one who answered for a
 * contact, as a bounce's or an RSVP's recipient), and every outbox row
 * to them or caused by one of those messages. */
static const char privacy_find_in[] =
	"INSERT INTO temp.forget_in SELECT id FROM inbound WHERE "
	"contact_id = ?1 OR anketa_mentions(from_addr, ?2) OR "
	"anketa_mentions(answered_by, ?2) OR "
	"anketa_mentions(bounce_recipient, ?2) OR "
	"anketa_mentions(rsvp_attendee, ?2)";
static const char privacy_find_out[] =
	"INSERT INTO temp.forget_out SELECT id FROM deliveries WHERE "
	"contact_id = ?1 OR anketa_mentions(rcpt, ?2) OR "
	"inbound_id IN (SELECT id FROM temp.forget_in)";
/* A row SENDING is in the hands of a live sender (dead ones' rows were
 * reaped to UNKNOWN first): the message is already rendered and on its
 * way, and the sender records the server's reply when it comes. */
static const char privacy_in_flight[] =
	"SELECT id FROM deliveries WHERE state = 'sending' AND "
	"id IN (SELECT id FROM temp.forget_out) ORDER BY id LIMIT 1";

/* What forget changes, in order, and which count each adds to. A claim
 * that a sender holds on a waiting row ends with the cancel: its
 * hand-over then finds the row no longer its own, and sends nothing. */
#define FORGET_N(field) offsetof(struct store_forget, field)
#define FORGET_NONE ((size_t)-1)
/* the mentions of the address in rows that are not the person's */
#define REDACT(t, c) \
	"UPDATE " t " SET " c " = anketa_redact(" c ", ?2) WHERE " \
	"anketa_mentions(" c ", ?2)"
static const struct {
	const char *sql;
	size_t count;	/* the long in struct store_forget it adds to */
	int contact;	/* only when the address is a contact's */
} privacy_steps[] = {
	{ "UPDATE deliveries SET state = 'cancelled', owner = NULL, "
	  "lease_until = NULL WHERE state IN ('pending', 'deferred', "
	  "'unknown') AND id IN (SELECT id FROM temp.forget_out)",
	  FORGET_N(cancelled), 0 },
	/* new tokens and no Message-ID: a later reply to an old mail can
	 * no longer be tied to the tombstone */
	{ "UPDATE deliveries SET rcpt = CASE WHEN anketa_mentions(rcpt, ?2) "
	  "THEN 'forgotten' ELSE rcpt END, token = anketa_token(), "
	  "message_id = NULL, in_reply_to = NULL, vars = NULL, "
	  "last_reply = 'contact forgotten', updated = ?3 "
	  "WHERE id IN (SELECT id FROM temp.forget_out)",
	  FORGET_N(deliveries), 0 },
	/* answers go with their responses (ON DELETE CASCADE) */
	{ "DELETE FROM responses WHERE contact_id = ?1",
	  FORGET_N(responses), 1 },
	/* kind, campaign, dates and src_key stay: a fetch must not record
	 * the same message again, and the counts by kind stay true */
	{ "UPDATE inbound SET message_id = NULL, from_addr = NULL, "
	  "subject = NULL, date = NULL, reason = 'contact forgotten', "
	  "answered_by = CASE WHEN answered_by IS NULL THEN NULL "
	  "ELSE 'forgotten' END, reply_text = NULL, raw = NULL, "
	  "bounce_recipient = NULL, bounce_diag = NULL, "
	  "rsvp_attendee = NULL WHERE id IN (SELECT id FROM temp.forget_in)",
	  FORGET_N(messages), 0 },
	/* whether they came to an event is theirs too (store_event.h) */
	{ "DELETE FROM event_rsvps WHERE contact_id = ?1", FORGET_NONE, 1 },
	{ "DELETE FROM event_seats WHERE contact_id = ?1", FORGET_NONE, 1 },
	{ "DELETE FROM event_attendees WHERE contact_id = ?1", FORGET_NONE,
	  1 },
	{ "UPDATE event_attendees SET delegated_from = NULL WHERE "
	  "delegated_from = ?1", FORGET_NONE, 1 },
	/* the tombstone: that a contact existed and when it was forgotten */
	{ "DELETE FROM contact_groups WHERE contact_id = ?1", FORGET_NONE,
	  1 },
	{ "DELETE FROM contact_events WHERE contact_id = ?1", FORGET_NONE,
	  1 },
	{ "INSERT INTO contact_events(contact_id, status, reason, created) "
	  "VALUES (?1, 'forgotten', NULL, ?3)", FORGET_NONE, 1 },
	{ "UPDATE contacts SET email = 'forgotten-' || id, name = NULL, "
	  "municipality = NULL, town_key = NULL, country = NULL, "
	  "language = NULL, role = NULL, token = anketa_token(), status = 'forgotten', "
	  "updated = ?3 WHERE id = ?1", FORGET_NONE, 1 },
	/* what is left that names the address is others' mail: their
	 * raw copies go, their text keeps its sense without it */
	{ "UPDATE inbound SET raw = NULL WHERE raw IS NOT NULL AND "
	  "anketa_mentions(raw, ?2)", FORGET_N(mentions), 0 },
	{ REDACT("inbound", "message_id"), FORGET_N(mentions), 0 },
	{ REDACT("inbound", "subject"), FORGET_N(mentions), 0 },
	{ REDACT("inbound", "reason"), FORGET_N(mentions), 0 },
	{ REDACT("inbound", "reply_text"), FORGET_N(mentions), 0 },
	{ REDACT("inbound", "bounce_diag"), FORGET_N(mentions), 0 },
	{ REDACT("answers", "value"), FORGET_N(mentions), 0 },
	{ REDACT("deliveries", "last_reply"), FORGET_N(mentions), 0 },
	{ REDACT("deliveries", "vars"), FORGET_N(mentions), 0 },
	{ REDACT("deliveries", "in_reply_to"), FORGET_N(mentions), 0 },
	{ REDACT("contact_events", "reason"), FORGET_N(mentions), 0 },
};
#undef REDACT

/* Inside the transaction: 1 something of the person's was found and
 * forgotten, 0 nothing was found (the caller rolls back), -1 error. */
static int
privacy_forget_tx(struct store *s, const struct privacy_args *a,
		  struct store_forget *f, struct err *e)
{
	long in = 0, out = 0;

	if (store_outbox_reap(s, NULL, e) == -1 ||
	    store_exec(s, "CREATE TEMP TABLE forget_in(id INTEGER PRIMARY "
		       "KEY); CREATE TEMP TABLE forget_out(id INTEGER "
		       "PRIMARY KEY);", e) == -1 ||
	    privacy_write(s, privacy_find_in, a, &in, e) == -1 ||
	    privacy_write(s, privacy_find_out, a, &out, e) == -1 ||
	    privacy_query(s, privacy_in_flight, a, &f->in_flight, e) == -1)
		return -1;
	if (f->in_flight != 0) {
		err_set(e, "delivery %lld to %s is being handed to the "
			"server now: nothing changed; forget again when its "
			"sender is done", (long long)f->in_flight, a->addr);
		return -1;
	}
	for (size_t i = 0; i < sizeof(privacy_steps) /
			 sizeof(privacy_steps[0]); i++) {
		size_t off = privacy_steps[i].count;
		long *n = off == FORGET_NONE ? NULL :
			  (long *)(void *)((char *)f + off);

		if (privacy_steps[i].contact && a->contact_id == 0)
			continue;
		if (privacy_write(s, privacy_steps[i].sql, a, n, e) == -1)
			return -1;
	}
	if (store_exec(s, "DROP TABLE temp.forget_in; "
		       "DROP TABLE temp.forget_out;", e) == -1)
		return -1;
	return a->contact_id != 0 || in > 0 || out > 0 || f->mentions > 0;
}

/* The WAL still holds earlier versions of the pages: copy what it has
 * into the file and cut it to nothing. Waits (busy handler) for readers
 * on an older snapshot; 1 if the WAL could not be emptied. */
static int
privacy_checkpoint(struct store *s)
{
	int log = 0, done = 0;

	if (sqlite3_wal_checkpoint_v2(s->db, NULL,
				      SQLITE_CHECKPOINT_TRUNCATE, &log,
				      &done) != SQLITE_OK)
		return 1;
	return log > 0 && done < log;
}

int
store_contact_forget(struct store *s, const char *addr,
		     struct store_forget *f, struct err *e)
{
	static const char find[] =
		"SELECT id FROM contacts WHERE email = ?2";
	struct privacy_args a = { 0 };
	int outer, rc;
	char *norm;

	memset(f, 0, sizeof(*f));
	if ((norm = privacy_addr(addr)) == NULL) {
		err_set(e, "%s: not an e-mail address", addr);
		return -1;
	}
	a.addr = norm;
	a.now = store_now(s);
	rc = privacy_functions(s, e);
	if (rc == 0)
		rc = store_tx_open(s, &outer, e);
	if (rc == 0) {
		rc = privacy_query(s, find, &a, &a.contact_id, e);
		if (rc == 0)
			rc = privacy_forget_tx(s, &a, f, e);
		f->contact_id = a.contact_id;
		if (rc == -1)
			err_prefix(e, "forget");
		/* found nothing (0): roll back, the store stays as it was */
		if (store_tx_close(s, outer, rc == 1 ? 0 : -1, e) == -1 &&
		    rc == 1)
			rc = -1;
		if (rc == 1 && outer)
			f->wal_kept = privacy_checkpoint(s);
	}
	free(norm);
	return rc;
}

/* ---- retention --------------------------------------------------------------- */

/* Rows per transaction. The first sweep after an upgrade may meet months
 * of raw mail, and with secure_delete every freed page is written: in
 * one transaction that would hold the write lock long enough to make a
 * fetch wait out its busy timeout. Batches let other writers in. */
#define PRIVACY_SWEEP_BATCH 500

int
store_raw_sweep(struct store *s, int days, long *n_r, struct err *e)
{
	/* the partial index inbound_raw_created (migration 4) finds the
	 * batch: see test_privacy.c, which asks the planner */
	static const char sql[] =
		"UPDATE inbound SET raw = NULL WHERE id IN (SELECT id FROM "
		"inbound WHERE raw IS NOT NULL AND created < ?1 LIMIT ?2)";
	int64_t before = store_now(s) - (int64_t)days * 86400;
	sqlite3_stmt *st;
	int outer, rc, n;

	*n_r = 0;
	if (days <= 0)
		return 0;
	do {
		n = 0;
		if (store_tx_open(s, &outer, e) == -1)
			return -1;
		rc = store_prepare(s, sql, &st, e);
		if (rc == 0) {
			sqlite3_bind_int64(st, 1, before);
			sqlite3_bind_int(st, 2, PRIVACY_SWEEP_BATCH);
			rc = store_step_done(s, st, "retention sweep", e);
			n = sqlite3_changes(s->db);
			store_done(s, st);
		}
		if (store_tx_close(s, outer, rc, e) == -1)
			return -1;	/* the batches before stay done */
		*n_r += n;
	} while (n == PRIVACY_SWEEP_BATCH);
	return 0;
}

/* ---- backup ------------------------------------------------------------------ */

/* The copy opens and SQLite finds nothing wrong in it. */
static int
privacy_check_copy(const char *tmp, const char *path, struct err *e)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *v;
	int ok = 0;

	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(st, 0);
		ok = v != NULL && strcmp(v, "ok") == 0;
		if (!ok)
			err_set(e, "%s: the copy does not check: %s", path,
				v ? v : "?");
	} else
		err_set(e, "%s: the copy does not open: %s", path,
			db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok ? 0 : -1;
}

/* fsync the directory that holds path, so the new name is durable. */
static void
privacy_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") :
		    xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int
store_backup(struct store *s, const char *path, struct err *e)
{
	struct stat sb;
	sqlite3_stmt *st;
	char *tmp;
	int fd, rc;

	if (lstat(path, &sb) == 0) {
		err_set(e, "%s: exists; a backup never replaces a file", path);
		return -1;
	}
	if (errno != ENOENT) {
		err_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Written beside FILE under a temporary name, checked, synced, then
	 * linked to FILE, which link(2) never replaces: FILE appears whole
	 * or not at all, and a name taken meanwhile is left alone. */
	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		err_set(e, "%s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	/* VACUUM INTO reads one snapshot (one read transaction, which in
	 * WAL mode blocks no writer) and writes it compacted, free pages
	 * left out, into an empty file. */
	rc = store_prepare(s, "VACUUM INTO ?1", &st, e);
	if (rc == 0) {
		store_bind_text(st, 1, tmp);
		rc = store_step_done(s, st, path, e);
		store_done(s, st);
	}
	if (rc == 0)
		rc = privacy_check_copy(tmp, path, e);
	if (rc == 0 && fsync(fd) != 0) {
		err_set(e, "%s: fsync: %s", path, strerror(errno));
		rc = -1;
	}
	close(fd);
	if (rc == 0 && link(tmp, path) != 0) {
		err_set(e, "%s: %s", path, errno == EEXIST ?
			"exists; a backup never replaces a file" :
			strerror(errno));
		rc = -1;
	}
	unlink(tmp);
	free(tmp);
	if (rc == 0)
		privacy_sync_dir(path);
	return rc;
}
