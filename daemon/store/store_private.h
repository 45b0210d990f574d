/*
 * store_private.h -- shared by store.c, store_schema.c, store_inbound.c and
 * store_report.c: the handle, the statement cache and the helpers that
 * keep SQL bound, transactions balanced and errors worded alike.
 *
 * Use:     store_stmt (cached, hot paths) / store_prepare (one-off)
 *          store_done (reset or finalize), store_tx_open / store_tx_close
 *          (self-contained writes; nest inside a caller's store_begin),
 *          store_tx_stmt / store_tx_stmt_close (one-statement writes),
 *          store_fail (SQLite's message into e), store_step_row /
 *          store_one_int64 (one-row queries), store_name_of /
 *          store_name_index (enums stored by name), store_contact_row
 * Owns:    struct store owns the sqlite3 handle and every cached statement
 *          (finalized by store_free).
 * Errors:  helpers return 0 / -1 with "what: why" in e.
 * Events:  none.
 * Tests:   tests/unit/test_store.c
 */
#ifndef ANKETA_STORE_PRIVATE_H
#define ANKETA_STORE_PRIVATE_H

#include <sqlite3.h>
#include <time.h>

#include "base/buf.h"
#include "store/store.h"

#define STORE_CACHE_MAX 128	/* every static statement, with room */

struct store_cached {
	const char *sql;	/* identity: the static string's address */
	sqlite3_stmt *st;
};

struct store {
	sqlite3 *db;
	char *path;
	int version;		/* schema version after migrations */
	long crash_after;	/* ANKETA_CRASH_AFTER, 0: off */
	long commits;		/* successful commits so far */
	int64_t clock;		/* fixed unix time (tests), 0: real */
	struct timespec busy_since;	/* when the current wait began */
	int64_t owner;		/* owners.id once registered, 0: none */
	int owner_fd;		/* its flock'ed lock file, -1: none */
	char *owner_lock;	/* that file's path */
	struct store_cached cache[STORE_CACHE_MAX];
	size_t ncache;
	/* the responses a report counts, in TEMP report_pick
	 * (store_report.c): for this campaign (0: none), picked when the
	 * database was at these data_version and total_changes */
	int64_t pick_campaign;
	int64_t pick_version;
	int64_t pick_changes;
};

/* ---- migrations (store_schema.c) ---- */
extern const char *const store_migrations[];
extern const size_t store_nmigrations;

/* ---- statements ---- */

/* A cached statement for a static SQL string (looked up by address).
 * Never use a cached statement across a user callback: streams that call
 * back use store_prepare so a callback may call the store again. */
int store_stmt(struct store *s, const char *sql, sqlite3_stmt **st_r,
	       struct err *e);
/* A one-off statement (dynamic SQL or a stream); store_done finalizes. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st_r,
		  struct err *e);
/* Reset a cached statement, finalize a one-off one. Accepts NULL. */
void store_done(struct store *s, sqlite3_stmt *st);
/* Step a statement that returns no rows (or ignores them). */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
		    struct err *e);
/* A cached statement without parameters, stepped to its end
 * (transaction control: BEGIN, COMMIT, SAVEPOINT, RELEASE). */
int store_run(struct store *s, const char *sql, const char *what,
	      struct err *e);
/* Run SQL without parameters (pragmas, transactions, migrations). */
int store_exec(struct store *s, const char *sql, struct err *e);
/* e = "what: <sqlite message>"; always returns -1. */
int store_fail(struct store *s, struct err *e, const char *what);

/* Bind a C string (NULL as SQL NULL); the _opt form also maps "" to
 * NULL, for optional fields that readers test with IS NULL. */
int store_bind_text(sqlite3_stmt *st, int i, const char *v);
int store_bind_opt_text(sqlite3_stmt *st, int i, const char *v);
/* Bind an id; 0 (unknown) becomes NULL so foreign keys are not violated. */
int store_bind_id(sqlite3_stmt *st, int i, int64_t id);
const char *store_col_text(sqlite3_stmt *st, int i);

/* Step a statement that yields at most one row: 1 on a row (read its
 * columns, then store_done), 0 on none, -1 with e = "what: why". */
int store_step_row(struct store *s, sqlite3_stmt *st, const char *what,
		   struct err *e);
/* A bound one-row query of int64 columns: column i goes to *out[i] where
 * out[i] is not NULL; always ends with store_done. 1 / 0 / -1 as above. */
int store_one_int64(struct store *s, sqlite3_stmt *st, const char *what,
		    int64_t *const out[], size_t n, struct err *e);

/* Step a stream: row(ctx, st) per row; a non-zero return stops and is
 * returned. *n_r (may be NULL) counts the rows seen. -1 on SQL error. */
int store_rows(struct store *s, sqlite3_stmt *st,
	       int (*row)(void *ctx, sqlite3_stmt *st), void *ctx,
	       long *n_r, const char *what, struct err *e);

/* Prepare sql, bind ?1 = p1 and ?2 = p2 when sql has them, stream its
 * rows through row(ctx) as store_rows does; the statement is done after. */
int store_rows_sql(struct store *s, const char *sql, int64_t p1, int64_t p2,
		   int (*row)(void *ctx, sqlite3_stmt *st), void *ctx,
		   const char *what, struct err *e);

/* A lookup by one of several keys: keys[i].by names it, keys[i].sql
 * (a static string, cached) selects with ?1 = key. 1 found (row(ctx)
 * per row), 0 none, -1 (an unknown by: "WHAT: cannot look up by"). */
struct store_key {
	const char *by, *sql;
};
int store_find_by(struct store *s, const struct store_key *keys, size_t n,
		  const char *by, const char *key,
		  int (*row)(void *ctx, sqlite3_stmt *st), void *ctx,
		  const char *what, struct err *e);
/* A comma-separated list of ids (letters, digits, _ . -), kept split in
 * answer_choices (store_inbound.c). */
int store_is_choice_list(const char *v);

/* ---- audience filters (store.c) ---- */

/* WHERE fragment (" AND ..." clauses over contacts c) with its values in
 * bind order; placeholders only, never the values themselves. */
struct store_where {
	struct buf sql;
	char **vals;
	size_t n;
};
void store_where_build(struct store_where *w, const struct store_filter *f);
/* Binds the values to ?first, ?first+1, ... */
int store_where_bind(sqlite3_stmt *st, const struct store_where *w,
		     int first);
void store_where_free(struct store_where *w);

/* The stored audience of a campaign into f (strings owned: free with
 * store_filter_clear). 1 found, 0 no such campaign, -1. */
int store_audience(struct store *s, int64_t campaign_id,
		   struct store_filter *f, struct err *e);
void store_filter_clear(struct store_filter *f);
/* Who a plan of kind ?2 for campaign ?1 reaches, over contacts c, with
 * the audience filter's " AND ..." as its one %s: "ok" contacts only,
 * and a reminder only those the invitation reached who have not
 * answered yet. Shared by the plan and its dry run. */
#define STORE_PLAN_WHERE \
	"c.status = 'ok'%s AND (?2 <> 'reminder' OR (" \
	"EXISTS (SELECT 1 FROM deliveries i WHERE " \
	"i.campaign_id = ?1 AND i.contact_id = c.id AND " \
	"i.kind = 'invite' AND i.state = 'sent') AND " \
	"NOT EXISTS (SELECT 1 FROM responses r WHERE " \
	"r.campaign_id = ?1 AND r.contact_id = c.id)))"

/* ---- transactions for self-contained calls ---- */

/* Opens BEGIN IMMEDIATE when no transaction is open, else a SAVEPOINT
 * inside the caller's. *outer_r tells store_tx_close which one. */
int store_tx_open(struct store *s, int *outer_r, struct err *e);
/* rc 0: commit / release; else roll back what this call did. Returns rc
 * when rc != 0, else the commit's result. */
int store_tx_close(struct store *s, int outer, int rc, struct err *e);
/* A self-contained one-statement write: store_tx_open, then the cached
 * statement for sql (on -1 nothing is left open). The caller binds and
 * steps, then store_tx_stmt_close resets st and closes as store_tx_close
 * does with rc. */
int store_tx_stmt(struct store *s, const char *sql, sqlite3_stmt **st_r,
		  int *outer_r, struct err *e);
int store_tx_stmt_close(struct store *s, sqlite3_stmt *st, int outer,
			int rc, struct err *e);
/* Counts a commit and honours ANKETA_CRASH_AFTER. */
void store_committed(struct store *s);
/* n bytes from getrandom(2). */
int store_random(void *p, size_t n, struct err *e);
/* 80 random bits as 16 lower-case base32 characters (a token). */
int store_token(char tok[17], struct err *e);
/* Ends this handle's owner registration (store_free calls it). */
void store_owner_end(struct store *s);
/* Whether the owner with this host and lock file lives: 1 its flock is
 * held, 0 dead, -1 cannot tell (another host: only the lease can). */
int store_owner_alive(const char *host, const char *lock);

/* ---- shared row readers ---- */

/* Columns of a contact, prefix "c." (12 columns incl. groups). */
#define STORE_CONTACT_COLS \
	"c.id, c.email, c.name, c.municipality, c.country, c.language, " \
	"c.role, (SELECT group_concat(name, ',') FROM (SELECT g.name " \
	"FROM contact_groups cg JOIN groups g ON g.id = cg.group_id " \
	"WHERE cg.contact_id = c.id ORDER BY g.name)), c.token, c.status, " \
	"c.timezone"
#define STORE_CONTACT_NCOLS 11
void store_contact_row(sqlite3_stmt *st, int col,
		       struct store_contact *c);

/* Enums stored by name (delivery states, inbound kinds): a table indexed
 * by the enum. store_name_of gives "?" past the end; store_name_index
 * finds a name (NULL: not found), 0 / -1. */
const char *store_name_of(const char *const names[], size_t n, size_t i);
int store_name_index(const char *const names[], size_t n, const char *name,
		     size_t *i_r);
/* Inbound kinds are stored by name too (store_ikind_name). */
int store_ikind_parse(const char *name, enum store_ikind *k_r);

#endif
