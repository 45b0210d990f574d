/*
 * store.c -- the state store (SQLite, WAL): open and migrate, statement
 * cache, transactions, contacts. See store.h; questionnaires and
 * campaigns live in store_campaign.c, deliveries in store_delivery.c,
 * inbound and responses in store_inbound.c, the read-only report queries
 * in store_report.c.
 *
 * Every value reaches SQL as a bound parameter; the only SQL assembled at
 * run time is the audience filter, whose text is fixed placeholders.
 */
#include "store/store_private.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/xmem.h"

/* How long a write waits for another process's transaction: longer than
 * any one transaction of ours (a large contacts import), so no "database
 * is locked" reaches anyone while the store is merely busy. */
#define STORE_BUSY_MS 60000

/* The SQL uses unixepoch() (3.38), RETURNING (3.35) and window functions
 * (3.25). configure refuses an older SQLite; store_open checks the
 * library loaded at run time too, so one swapped for an older copy after
 * the build is named at open instead of failing every write. */
#define STORE_SQLITE_MIN 3038000
#if SQLITE_VERSION_NUMBER < STORE_SQLITE_MIN
#error "SQLite 3.38 or later is needed (unixepoch(), RETURNING)"
#endif

/* ---- helpers shared by the store files ---------------------------------- */

/* The directory of path ("." for a bare name); the caller frees it. */
static char *
store_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	return xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* Why this process cannot write the store at path, into buf: the file
 * itself ("not writable: Permission denied", or a read-only file system)
 * or its directory, where SQLite creates PATH-wal and PATH-shm
 * ("directory D: Permission denied (...)"). NULL when both look
 * writable, or the file does not exist yet in a writable directory. */
static const char *
store_unwritable(const char *path, char *buf, size_t n)
{
	char *dir;

	buf[0] = '\0';
	if (access(path, W_OK) != 0 && errno != ENOENT) {
		snprintf(buf, n, "not writable: %s", strerror(errno));
		return buf;
	}
	dir = store_dir_of(path);
	if (access(dir, W_OK) != 0)
		snprintf(buf, n, "directory %s: %s%s", dir, strerror(errno),
			 errno == ENOENT ? "" : " (SQLite keeps the store's "
			 "-wal and -shm files there)");
	free(dir);
	return buf[0] ? buf : NULL;
}

/* e = "PATH: what: msg", with why the store cannot be written when
 * SQLite says so: every store error names the file wherever it is
 * shown. A "store: " that what starts with is dropped (the path says
 * it); what may be NULL. Always -1. */
static int
store_error(struct store *s, struct err *e, const char *what,
	    const char *msg)
{
	char buf[512];
	const char *hint = NULL;
	int code = s->db != NULL ? sqlite3_extended_errcode(s->db) & 0xff :
	    SQLITE_CANTOPEN;

	if (what != NULL && strncmp(what, "store: ", 7) == 0)
		what += 7;
	if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN ||
	    code == SQLITE_PERM)
		hint = store_unwritable(s->path, buf, sizeof(buf));
	err_set(e, "%s: %s%s%s%s%s%s", s->path, what ? what : "",
		what ? ": " : "", msg, hint ? " (" : "", hint ? hint : "",
		hint ? ")" : "");
	return -1;
}

int
store_fail(struct store *s, struct err *e, const char *what)
{
	return store_error(s, e, what, s->db != NULL ?
			   sqlite3_errmsg(s->db) : "cannot open");
}

int
store_prepare(struct store *s, const char *sql, sqlite3_stmt **st_r,
	      struct err *e)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st_r, NULL) != SQLITE_OK)
		return store_fail(s, e, "store: prepare");
	return 0;
}

int
store_stmt(struct store *s, const char *sql, sqlite3_stmt **st_r,
	   struct err *e)
{
	struct store_cached *c;

	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql) {
			*st_r = s->cache[i].st;
			return 0;
		}
	/* The set of static statements is fixed: a full cache is a bug. */
	if (s->ncache == STORE_CACHE_MAX)
		abort();
	c = &s->cache[s->ncache];
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &c->st, NULL) != SQLITE_OK)
		return store_fail(s, e, "store: prepare");
	c->sql = sql;
	s->ncache++;
	*st_r = c->st;
	return 0;
}

void
store_done(struct store *s, sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	sqlite3_finalize(st);
}

int
store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
		struct err *e)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		return store_fail(s, e, what);
	return 0;
}

int
store_run(struct store *s, const char *sql, const char *what, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): store_stmt sets st when it returns 0 */
	rc = store_step_done(s, st, what, e);
	store_done(s, st);
	return rc;
}

int
store_step_row(struct store *s, sqlite3_stmt *st, const char *what,
	       struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return store_fail(s, e, what);
	return 0;
}

int
store_one_int64(struct store *s, sqlite3_stmt *st, const char *what,
		int64_t *const out[], size_t n, struct err *e)
{
	int rc = store_step_row(s, st, what, e);

	for (size_t i = 0; rc == 1 && i < n; i++)
		if (out[i] != NULL)
			*out[i] = sqlite3_column_int64(st, (int)i);
	store_done(s, st);
	return rc;
}

const char *
store_name_of(const char *const names[], size_t n, size_t i)
{
	return i < n ? names[i] : "?";
}

int
store_name_index(const char *const names[], size_t n, const char *name,
		 size_t *i_r)
{
	for (size_t i = 0; name != NULL && i < n; i++)
		if (strcmp(name, names[i]) == 0) {
			*i_r = i;
			return 0;
		}
	return -1;
}

int
store_rows(struct store *s, sqlite3_stmt *st,
	   int (*row)(void *ctx, sqlite3_stmt *st), void *ctx, long *n_r,
	   const char *what, struct err *e)
{
	int rc;

	if (n_r)
		*n_r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n_r)
			(*n_r)++;
		if ((rc = row(ctx, st)) != 0)
			return rc;
	}
	if (rc != SQLITE_DONE)
		return store_fail(s, e, what);
	return 0;
}

int
store_rows_sql(struct store *s, const char *sql, int64_t p1, int64_t p2,
	       int (*row)(void *ctx, sqlite3_stmt *st), void *ctx,
	       const char *what, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, sql, &st, e) == -1)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, p1);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, p2);
	rc = store_rows(s, st, row, ctx, NULL, what, e);
	store_done(s, st);
	return rc;
}

int
store_exec(struct store *s, const char *sql, struct err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_error(s, e, NULL, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

int
store_bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
	return store_bind_text(st, i, v && *v ? v : NULL);
}

int
store_bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id <= 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_int64(st, i, id);
}

const char *
store_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

void
store_committed(struct store *s)
{
	s->commits++;
	if (s->crash_after > 0 && s->commits == s->crash_after)
		abort();	/* debug hook: crash-resume tests */
}

/* ---- transactions -------------------------------------------------------- */

int
store_begin(struct store *s, struct err *e)
{
	if (!sqlite3_get_autocommit(s->db)) {
		err_set(e, "%s: begin: a transaction is already open",
			s->path);
		return -1;
	}
	/* IMMEDIATE: take the write lock now, so two processes (daemon and
	 * fetch child) wait on busy_timeout instead of deadlocking. */
	return store_run(s, "BEGIN IMMEDIATE", "store: begin", e);
}

int
store_commit(struct store *s, struct err *e)
{
	int rc = store_run(s, "COMMIT", "store: commit", e);

	if (rc == 0)
		store_committed(s);
	return rc;
}

void
store_rollback(struct store *s)
{
	if (s != NULL && !sqlite3_get_autocommit(s->db)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->pick_campaign = 0;	/* report_pick may be undone */
	}
}

int
store_tx_open(struct store *s, int *outer_r, struct err *e)
{
	*outer_r = sqlite3_get_autocommit(s->db);
	if (*outer_r)
		return store_begin(s, e);
	return store_run(s, "SAVEPOINT store_call", "store: savepoint", e);
}

int
store_tx_close(struct store *s, int outer, int rc, struct err *e)
{
	struct err ignore;

	if (rc == 0) {
		/* A failed COMMIT (disk full, I/O error) leaves the
		 * transaction open: roll back so the call changed nothing. */
		if (outer) {
			if (store_commit(s, e) == 0)
				return 0;
			store_rollback(s);
			return -1;
		}
		if (store_run(s, "RELEASE store_call", "store: release",
			      e) == 0)
			return 0;
		/* fall through: undo what this call did */
	}
	if (outer) {
		store_rollback(s);
		return -1;
	}
	/* ROLLBACK TO keeps the savepoint open; RELEASE drops it. The
	 * caller's own transaction stays as it was before this call. */
	store_run(s, "ROLLBACK TO store_call", "store: rollback to",
		  &ignore);
	s->pick_campaign = 0;	/* report_pick may be undone */
	store_run(s, "RELEASE store_call", "store: release", &ignore);
	return -1;
}

int
store_tx_stmt(struct store *s, const char *sql, sqlite3_stmt **st_r,
	      int *outer_r, struct err *e)
{
	if (store_tx_open(s, outer_r, e) == -1)
		return -1;
	if (store_stmt(s, sql, st_r, e) == -1)
		return store_tx_close(s, *outer_r, -1, e);
	return 0;
}

int
store_tx_stmt_close(struct store *s, sqlite3_stmt *st, int outer, int rc,
		    struct err *e)
{
	store_done(s, st);
	return store_tx_close(s, outer, rc, e);
}

/* ---- open, migrate, free ------------------------------------------------- */

static int
store_pragma_int(struct store *s, const char *sql, int *v_r, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, sql, &st, e) == -1)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v_r = sqlite3_column_int(st, 0);
	else if (rc != SQLITE_DONE)
		store_fail(s, e, "store: pragma");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Apply the missing migrations, each in one transaction. The version is
 * re-read inside the write lock, so two processes opening a new file at
 * once cannot both apply the same migration. */
static int
store_migrate(struct store *s, struct err *e)
{
	char sql[64];
	int v;

	for (;;) {
		if (store_exec(s, "BEGIN IMMEDIATE", e) == -1)
			return -1;
		if (store_pragma_int(s, "PRAGMA user_version", &v, e) == -1)
			goto fail;
		if ((size_t)v > store_nmigrations) {
			err_set(e, "%s: schema version %d is newer than this "
				"anketa knows (%zu)", s->path, v,
				store_nmigrations);
			goto fail;
		}
		if ((size_t)v == store_nmigrations)
			break;
		if (store_exec(s, store_migrations[v], e) == -1) {
			err_prefix(e, "%s: migration %d", s->path, v + 1);
			goto fail;
		}
		/* A pragma takes no parameters; v is our own integer. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store_exec(s, sql, e) == -1 ||
		    store_exec(s, "COMMIT", e) == -1)
			goto fail;
	}
	s->version = v;
	return store_exec(s, "COMMIT", e);
fail:
	store_rollback(s);
	return -1;
}

static void
store_sql_token(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char tok[17];
	struct err e;

	if (store_token(tok, &e) == -1) {
		sqlite3_result_error(ctx, e.msg, -1);
		return;
	}
	sqlite3_result_text(ctx, tok, 16, SQLITE_TRANSIENT);
}

/*
 * SQLite's own busy_timeout sleeps 1, 2, 5, 10, ... 100 ms between tries;
 * with several senders committing a few hundred times a second each, a
 * waiter then sleeps long after the lock is free. Short sleeps that grow
 * slowly keep the lock busy instead of idle, for the same bound.
 */
static int
store_busy(void *arg, int n)
{
	struct store *s = arg;
	struct timespec now, ts;
	long us = n < 12 ? 50L << (n / 2) : 3200;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (n == 0)
		s->busy_since = now;
	else if ((now.tv_sec - s->busy_since.tv_sec) * 1000L +
		 (now.tv_nsec - s->busy_since.tv_nsec) / 1000000L >
		 STORE_BUSY_MS)
		return 0;
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000;
	nanosleep(&ts, NULL);
	return 1;
}

static int
store_settings(struct store *s, struct err *e)
{
	sqlite3_stmt *st;
	const char *mode;
	int rc, ok;

	sqlite3_busy_handler(s->db, store_busy, s);
	sqlite3_extended_result_codes(s->db, 1);
	if (store_prepare(s, "PRAGMA journal_mode = WAL", &st, e) == -1)
		return -1;
	rc = sqlite3_step(st);
	mode = rc == SQLITE_ROW ? store_col_text(st, 0) : NULL;
	ok = mode && (strcasecmp(mode, "wal") == 0 ||
		      strcmp(s->path, ":memory:") == 0);
	if (!ok) {
		if (rc == SQLITE_ROW)
			err_set(e, "%s: cannot use WAL (journal mode %s)",
				s->path, mode ? mode : "?");
		else
			store_fail(s, e, "journal mode");
	}
	sqlite3_finalize(st);
	if (!ok)
		return -1;
	/* anketa_token(): migration 3 and the planner give every delivery
	 * a token of its own inside one INSERT ... SELECT */
	if (sqlite3_create_function(s->db, "anketa_token", 0, SQLITE_UTF8,
				    NULL, store_sql_token, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(s, e, "store: anketa_token");
	/* secure_delete: a deleted or replaced value is overwritten with
	 * zeros in its page, and a freed page is zeroed, so what
	 * `contacts forget` and the retention sweep remove (and every
	 * earlier version of an updated row) leaves the file, not only
	 * the tables. Debian's SQLite is built with it on; this makes every
	 * build the same. */
	return store_exec(s, "PRAGMA synchronous = NORMAL;"
			  "PRAGMA foreign_keys = ON;"
			  "PRAGMA secure_delete = ON;"
			  "PRAGMA trusted_schema = OFF;", e);
}

int
store_random(void *p, size_t n, struct err *e)
{
	unsigned char *b = p;
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(e, "getrandom: %s", strerror(errno));
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static struct store *
store_new(const char *path)
{
	struct store *s = xcalloc(1, sizeof(*s));
	const char *crash = getenv("ANKETA_CRASH_AFTER");
	const char *now = getenv("ANKETA_NOW");

	s->path = xstrdup(path);
	s->owner_fd = -1;
	if (crash != NULL)
		s->crash_after = strtol(crash, NULL, 10);
	/* tests only: the store's clock (store_now), for deadlines and
	 * schedules without waiting for them */
	if (now != NULL)
		s->clock = strtoll(now, NULL, 10);
	return s;
}

static int
store_sqlite_ok(const char *path, struct err *e)
{
	if (sqlite3_libversion_number() >= STORE_SQLITE_MIN)
		return 0;
	err_set(e, "%s: SQLite %s is older than 3.38.0, which anketa needs "
		"(unixepoch(), RETURNING)", path, sqlite3_libversion());
	return -1;
}

int
store_open(const char *path, struct store **s_r, struct err *e)
{
	struct store *s;
	char why[512];

	*s_r = NULL;
	if (store_sqlite_ok(path, e) == -1)
		return -1;
	s = store_new(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		store_fail(s, e, "open");
		goto fail;
	}
	/* SQLite falls back to reading a file it cannot write. Say so now,
	 * before the first statement: reading would create PATH-wal and
	 * PATH-shm owned by this user, which could lock the store's owner
	 * out of its own store. */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		err_set(e, "%s: %s", path, store_unwritable(path, why,
			sizeof(why)) ? why : "opened read-only by SQLite");
		goto fail;
	}
	if (store_settings(s, e) == -1 || store_migrate(s, e) == -1)
		goto fail;
	*s_r = s;
	return 0;
fail:
	store_free(&s);
	return -1;
}

/* "file:" URI of path for sqlite3_open_v2 with SQLITE_OPEN_URI: every
 * byte but [A-Za-z0-9/._~-] percent-escaped, then query. Caller frees. */
static char *
store_uri(const char *path, const char *query)
{
	struct buf b;
	char *uri;

	buf_init(&b, 0);
	buf_adds(&b, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		char hex[4];

		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._~-", *p) != NULL) {
			buf_add(&b, p, 1);
			continue;
		}
		snprintf(hex, sizeof(hex), "%%%02X", *p);
		buf_adds(&b, hex);
	}
	buf_adds(&b, query);
	uri = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return uri;
}

/*
 * A store this process cannot write, opened to read. SQLite in WAL mode
 * needs the -shm index to read, and would create PATH-wal and PATH-shm if
 * the directory allows: files owned by this user that could lock the
 * store's owner out. So nothing is created:
 * - PATH-wal or PATH-shm exists (a writer has the store open, or did not
 *   close cleanly): SQLITE_OPEN_READONLY, which (SQLite 3.22+) reads
 *   through the existing files without writing them, commits still in
 *   the WAL included;
 * - neither exists: the last writer closed cleanly and every commit is in
 *   the main file. immutable=1 reads that file alone, with no -shm and no
 *   locks. That is exact unless a writer starts during this one command
 *   and checkpoints into the file while it reads (nolock=1 would not do:
 *   it still wants the -shm); SQLite then reports corruption or a count
 *   is off, and running the command again gives the true figures.
 * Migrations need writing, so an older schema is refused with the reason.
 */
static int
store_open_ro(const char *path, const char *unwritable, struct store **s_r,
	      struct err *e)
{
	struct store *s = store_new(path);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	int live = access(wal, F_OK) == 0 || access(shm, F_OK) == 0, rc, v;
	char *uri = live ? xstrdup(path) : store_uri(path, "?immutable=1");

	free(wal);
	free(shm);
	rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY |
			     (live ? 0 : SQLITE_OPEN_URI), NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		store_fail(s, e, "open read-only");
		goto fail;
	}
	sqlite3_busy_handler(s->db, store_busy, s);
	sqlite3_extended_result_codes(s->db, 1);
	if (store_pragma_int(s, "PRAGMA user_version", &v, e) == -1)
		goto fail;
	if ((size_t)v != store_nmigrations) {
		if ((size_t)v > store_nmigrations)
			err_set(e, "%s: schema version %d is newer than this "
				"anketa knows (%zu)", path, v,
				store_nmigrations);
		else
			err_set(e, "%s: schema version %d needs migrating to "
				"%zu, which needs writing (%s): run anketa "
				"once with write access", path, v,
				store_nmigrations, unwritable);
		goto fail;
	}
	if (store_exec(s, "PRAGMA trusted_schema = OFF;", e) == -1)
		goto fail;
	s->version = v;
	*s_r = s;
	return 0;
fail:
	store_free(&s);
	return -1;
}

int
store_open_reader(const char *path, struct store **s_r, struct err *e)
{
	char why[512];

	if (store_open(path, s_r, e) == 0)
		return 0;
	/* a store that does not exist or cannot be read: store_open's
	 * reason stands; one that cannot be written is read as it is */
	if (access(path, R_OK) != 0 ||
	    store_unwritable(path, why, sizeof(why)) == NULL)
		return -1;
	return store_open_ro(path, why, s_r, e);
}

void
store_shrink(struct store *s)
{
	if (s != NULL && s->db != NULL)
		sqlite3_db_release_memory(s->db);
}

void
store_free(struct store **sp)
{
	struct store *s = *sp;

	if (s == NULL)
		return;
	if (s->db != NULL) {
		store_rollback(s);
		store_owner_end(s);
		for (size_t i = 0; i < s->ncache; i++)
			sqlite3_finalize(s->cache[i].st);
		sqlite3_close(s->db);
	}
	free(s->path);
	free(s);
	*sp = NULL;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

int
store_schema_version(struct store *s)
{
	return s->version;
}

/* ---- contacts ------------------------------------------------------------ */

void
store_contact_row(sqlite3_stmt *st, int col, struct store_contact *c)
{
	c->id = sqlite3_column_int64(st, col);
	c->email = store_col_text(st, col + 1);
	c->name = store_col_text(st, col + 2);
	c->municipality = store_col_text(st, col + 3);
	c->country = store_col_text(st, col + 4);
	c->language = store_col_text(st, col + 5);
	c->role = store_col_text(st, col + 6);
	c->groups = store_col_text(st, col + 7);
	c->token = store_col_text(st, col + 8);
	c->status = store_col_text(st, col + 9);
	c->timezone = store_col_text(st, col + 10);
}

/* 16 characters of RFC 4648 base32 (lower case) from 80 random bits:
 * unguessable, and safe in a local part and a URL. */
int
store_token(char tok[17], struct err *e)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char r[10];
	unsigned acc = 0, bits = 0;
	size_t n = 0;

	if (store_random(r, sizeof(r), e) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(r); i++) {
		acc = (acc << 8) | r[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			tok[n++] = b32[(acc >> bits) & 31];
		}
	}
	tok[n] = '\0';
	return 0;
}

/* Trimmed, lower-case copy of an address (ASCII folding; the UTF-8 bytes
 * of an internationalised local part are kept as they are). */
static char *
store_email_norm(const char *email)
{
	const char *end;
	char *p;

	while (*email == ' ' || *email == '\t')
		email++;
	end = email + strlen(email);
	while (end > email && (end[-1] == ' ' || end[-1] == '\t' ||
			       end[-1] == '\r' || end[-1] == '\n'))
		end--;
	p = xstrndup(email, (size_t)(end - email));
	for (char *q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

/* Next trimmed, non-empty item of a comma-separated list, or NULL. *pp
 * advances past it. The item is copied to the caller (free()). */
static char *
store_list_next(const char **pp)
{
	const char *p = *pp, *start, *end;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0') {
			*pp = p;
			return NULL;
		}
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end > start) {
			*pp = p;
			return xstrndup(start, (size_t)(end - start));
		}
	}
}

static int
store_contact_groups(struct store *s, int64_t id, const char *groups,
		     struct err *e)
{
	static const char del[] =
		"DELETE FROM contact_groups WHERE contact_id = ?1";
	static const char addg[] =
		"INSERT INTO groups(name) VALUES (?1) ON CONFLICT DO NOTHING";
	static const char link[] =
		"INSERT INTO contact_groups(contact_id, group_id) "
		"SELECT ?1, id FROM groups WHERE name = ?2 "
		"ON CONFLICT DO NOTHING";
	sqlite3_stmt *st;
	const char *p = groups ? groups : "";
	char *g;
	int rc;

	if (store_stmt(s, del, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_step_done(s, st, "contact groups", e);
	store_done(s, st);
	while (rc == 0 && (g = store_list_next(&p)) != NULL) {
		if ((rc = store_stmt(s, addg, &st, e)) == 0) {
			store_bind_text(st, 1, g);
			rc = store_step_done(s, st, "contact groups", e);
			store_done(s, st);
		}
		if (rc == 0 && (rc = store_stmt(s, link, &st, e)) == 0) {
			sqlite3_bind_int64(st, 1, id);
			store_bind_text(st, 2, g);
			rc = store_step_done(s, st, "contact groups", e);
			store_done(s, st);
		}
		free(g);
	}
	return rc;
}

/* Binds the fields an import may change: ?2 name .. ?6 role, ?7 status
 * (NULL keeps the stored status: an import does not undo a bounce). */
static void
store_bind_contact(sqlite3_stmt *st, const struct store_contact *c)
{
	store_bind_opt_text(st, 2, c->name);
	store_bind_opt_text(st, 3, c->municipality);
	store_bind_opt_text(st, 4, c->country);
	store_bind_opt_text(st, 5, c->language);
	store_bind_opt_text(st, 6, c->role);
	store_bind_opt_text(st, 7, c->status);
}

static int
store_contact_write(struct store *s, const struct store_contact *c,
		    const char *email, int64_t *id_r, int *created_r,
		    struct err *e)
{
	static const char find[] =
		"SELECT id FROM contacts WHERE email = ?1";
	static const char upd[] =
		"UPDATE contacts SET name = ?2, municipality = ?3, "
		"country = ?4, language = ?5, role = ?6, "
		"status = coalesce(?7, status), updated = unixepoch() "
		"WHERE id = ?1";
	static const char ins[] =
		"INSERT INTO contacts(email, name, municipality, country, "
		"language, role, status, token, created, updated) VALUES "
		"(?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, 'ok'), ?8, "
		"unixepoch(), unixepoch())";
	sqlite3_stmt *st;
	char tok[17];
	int rc;

	if (store_stmt(s, find, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, email);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id_r = sqlite3_column_int64(st, 0);
	store_done(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, e, email);
	*created_r = rc == SQLITE_DONE;
	if (*created_r && store_token(tok, e) == -1)
		return -1;
	if (store_stmt(s, *created_r ? ins : upd, &st, e) == -1)
		return -1;
	if (*created_r) {
		store_bind_text(st, 1, email);
		store_bind_text(st, 8, tok);
	} else
		sqlite3_bind_int64(st, 1, *id_r);
	store_bind_contact(st, c);
	rc = store_step_done(s, st, email, e);
	store_done(s, st);
	if (rc == 0 && *created_r)
		*id_r = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int
store_contact_upsert(struct store *s, const struct store_contact *c,
		     int64_t *id_r, int *created_r, struct err *e)
{
	char *email;
	int64_t id = 0;
	int created = 0, rc;

	if (c->email == NULL) {
		err_set(e, "contact: no email address");
		return -1;
	}
	email = store_email_norm(c->email);
	if (*email == '\0') {
		err_set(e, "contact: empty email address");
		free(email);
		return -1;
	}
	rc = store_contact_write(s, c, email, &id, &created, e);
	if (rc == 0)
		rc = store_contact_groups(s, id, c->groups, e);
	if (rc == -1)
		err_prefix(e, "contact %s", email);
	free(email);
	if (rc == 0) {
		if (id_r)
			*id_r = id;
		if (created_r)
			*created_r = created;
	}
	return rc;
}

/* ---- audience filters ------------------------------------------------------ */

/* One field of struct store_filter and the SQL test it becomes; the
 * values are bound, "%s" receives only the "?, ?" placeholder list. */
static const struct {
	size_t off;
	const char *sql;
} store_filter_fields[] = {
	{ offsetof(struct store_filter, group),
	  " AND EXISTS (SELECT 1 FROM contact_groups cg JOIN groups g "
	  "ON g.id = cg.group_id WHERE cg.contact_id = c.id AND "
	  "g.name IN (%s))" },
	{ offsetof(struct store_filter, country),
	  " AND c.country COLLATE NOCASE IN (%s)" },
	{ offsetof(struct store_filter, municipality),
	  " AND c.municipality COLLATE NOCASE IN (%s)" },
	{ offsetof(struct store_filter, language),
	  " AND c.language COLLATE NOCASE IN (%s)" },
	{ offsetof(struct store_filter, role),
	  " AND c.role COLLATE NOCASE IN (%s)" },
};

void
store_where_free(struct store_where *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->vals[i]);
	free(w->vals);
	buf_free(&w->sql);
	memset(w, 0, sizeof(*w));
}

void
store_where_build(struct store_where *w, const struct store_filter *f)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->sql, 0);	/* trusted: fixed text and placeholders */
	buf_adds(&w->sql, "");
	for (size_t i = 0; f && i < sizeof(store_filter_fields) /
			 sizeof(store_filter_fields[0]); i++) {
		const char *list = *(const char *const *)(const void *)
			((const char *)f + store_filter_fields[i].off);
		struct buf ph;
		char *v;

		if (list == NULL)
			continue;
		buf_init(&ph, 0);
		while ((v = store_list_next(&list)) != NULL) {
			w->vals = xreallocarray(w->vals, w->n + 1,
						sizeof(*w->vals));
			w->vals[w->n++] = v;
			buf_adds(&ph, ph.len ? ", ?" : "?");
		}
		if (ph.len)
			buf_printf(&w->sql, store_filter_fields[i].sql,
				   buf_cstr(&ph));
		buf_free(&ph);
	}
}

int
store_where_bind(sqlite3_stmt *st, const struct store_where *w, int first)
{
	for (size_t i = 0; i < w->n; i++)
		if (store_bind_text(st, first + (int)i, w->vals[i]) !=
		    SQLITE_OK)
			return -1;
	return 0;
}

struct store_contact_ctx {
	store_contact_cb cb;
	void *arg;
};

static int
store_contact_cb_row(void *ctx, sqlite3_stmt *st)
{
	struct store_contact_ctx *x = ctx;
	struct store_contact c;

	if (x->cb == NULL)
		return 0;
	store_contact_row(st, 0, &c);
	return x->cb(x->arg, &c);
}

int
store_contacts_each(struct store *s, const struct store_filter *f,
		    store_contact_cb cb, void *arg, struct err *e)
{
	struct store_contact_ctx x = { cb, arg };
	struct store_where w;
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;

	store_where_build(&w, f);
	sql = xasprintf("SELECT " STORE_CONTACT_COLS " FROM contacts c "
			"WHERE 1%s ORDER BY c.email", buf_cstr(&w.sql));
	rc = store_prepare(s, sql, &st, e);
	free(sql);
	if (rc == 0 && store_where_bind(st, &w, 1) == -1)
		rc = store_fail(s, e, "contacts");
	if (rc == 0)
		rc = store_rows(s, st, store_contact_cb_row, &x, NULL,
				"contacts", e);
	store_done(s, st);
	store_where_free(&w);
	return rc;
}

int
store_contact_find(struct store *s, const char *by, const char *key,
		   store_contact_cb cb, void *arg, struct err *e)
{
	/* whole statements, so store_stmt keeps each one prepared: ingest
	 * looks contacts up for every message */
#define STORE_CONTACT_BY(where) \
	"SELECT " STORE_CONTACT_COLS " FROM contacts c WHERE " where
	static const struct store_key keys[] = {
		{ "id", STORE_CONTACT_BY("c.id = ?1") },
		{ "email", STORE_CONTACT_BY("c.email = trim(?1)") },
		{ "token", STORE_CONTACT_BY("c.token = lower(trim(?1))") },
	};
#undef STORE_CONTACT_BY
	struct store_contact_ctx x = { cb, arg };

	return store_find_by(s, keys, sizeof(keys) / sizeof(keys[0]), by, key,
			     store_contact_cb_row, &x, "contact", e);
}

int
store_find_by(struct store *s, const struct store_key *keys, size_t n,
	      const char *by, const char *key,
	      int (*row)(void *ctx, sqlite3_stmt *st), void *ctx,
	      const char *what, struct err *e)
{
	sqlite3_stmt *st;
	const char *sql = NULL;
	long found = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (strcmp(by, keys[i].by) == 0)
			sql = keys[i].sql;
	if (sql == NULL) {
		err_set(e, "%s: cannot look up by '%s'", what, by);
		return -1;
	}
	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, key);
	rc = store_rows(s, st, row, ctx, &found, what, e);
	store_done(s, st);
	if (rc != 0)
		return rc;
	return found > 0;
}

int
store_contact_set_status(struct store *s, int64_t contact_id,
			 const char *status, const char *reason,
			 struct err *e)
{
	static const char upd[] =
		"UPDATE contacts SET status = ?2, updated = unixepoch() "
		"WHERE id = ?1";
	static const char ev[] =
		"INSERT INTO contact_events(contact_id, status, reason, "
		"created) VALUES (?1, ?2, ?3, unixepoch())";
	/* Waiting mail to a contact that can no longer get it is skipped,
	 * with the reason, so the due list and counts stay truthful.
	 * UNKNOWN waits too (it is retried): left out, a mail whose first
	 * hand-over went unanswered went again to an address known dead,
	 * or to someone who had opted out. SENDING is in flight: its
	 * sender records the outcome. */
	static const char skip[] =
		"UPDATE deliveries SET state = 'skipped', last_reply = ?3, "
		"updated = unixepoch() WHERE contact_id = ?1 AND ?2 <> 'ok' "
		"AND state IN ('pending', 'deferred', 'unknown')";
	const char *sqls[] = { upd, ev, skip };
	sqlite3_stmt *st;
	int outer, rc;

	if (status == NULL || *status == '\0') {
		err_set(e, "contact %lld: empty status", (long long)contact_id);
		return -1;
	}
	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	rc = 0;
	for (size_t i = 0; rc == 0 && i < 3; i++) {
		if ((rc = store_stmt(s, sqls[i], &st, e)) == -1)
			break;
		sqlite3_bind_int64(st, 1, contact_id);
		store_bind_text(st, 2, status);
		if (i > 0)
			store_bind_opt_text(st, 3, reason);
		rc = store_step_done(s, st, "contact status", e);
		if (rc == 0 && i == 0 && sqlite3_changes(s->db) == 0) {
			err_set(e, "no such contact");
			rc = -1;
		}
		store_done(s, st);
	}
	if (rc == -1)
		err_prefix(e, "contact %lld", (long long)contact_id);
	return store_tx_close(s, outer, rc, e);
}
