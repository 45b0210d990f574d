/*
 * store_outbox.c -- the outbox: owners and their claims, hand-over and
 * outcome, one-off enqueues, pauses, and the queue as `anketa queue`
 * shows it. The state machine and the contract are in store.h.
 *
 * Why owners hold an flock: a claim must outlive neither its process
 * nor a crash. The kernel drops an flock the moment its process dies
 * (kill -9 included), so any other process can tell a dead owner from a
 * live one by trying the lock, and take its rows back at once instead of
 * waiting for a lease. The lease stays for the owner that is alive but
 * stuck (SIGSTOP, a hung disk): its rows go back when it runs out, and
 * every later write of that owner checks `owner = me` and finds the row
 * gone, so it cannot record an outcome it no longer holds.
 *
 * No statement stays open across a write: rows are copied out of the
 * SELECT before any callback runs, and every write opens with BEGIN
 * IMMEDIATE, which waits on the busy timeout (SQLITE_BUSY_SNAPSHOT, the
 * error a read transaction turned write gets at once, cannot happen).
 */
#include "store/store_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/xmem.h"

#define STORE_OWNERS_MAX 256	/* owners examined per reap */

/*
 * The states a row waits in, spelled as in deliveries_queue's WHERE
 * (the migration that rebuilds deliveries): an OR, not an IN. SQLite
 * builds a temporary b-tree for an IN list of three or more constants
 * every time a statement runs, and this test is in every claim, hand-over and outcome. The planner
 * uses a partial index only for a query that says what its WHERE says,
 * so a query that wants deliveries_queue (the rows nobody holds) must
 * say STORE_WAITING and owner IS NULL. P is the table's prefix ("" or
 * "d.").
 */
#define STORE_WAITING(p) "(" p "state = 'pending' OR " p "state = " \
	"'deferred' OR " p "state = 'unknown')"

/*
 * Rows of a campaign on hold (paused, stopped: every kind) or closed at
 * its deadline (now: its campaign mail; replies to late answers still
 * go) are not handed out. A probe of the campaign's row by its id for
 * each row looked at: no temporary table, and the claim still walks
 * deliveries_queue in due order.
 */
#define STORE_CAMPAIGN_GOES(now) \
	"NOT EXISTS (SELECT 1 FROM campaigns WHERE campaigns.id = " \
	"deliveries.campaign_id AND (hold IS NOT NULL OR (deadline_at <= " \
	now " AND (deliveries.kind = 'invite' OR deliveries.kind = " \
	"'reminder'))))"

int64_t
store_now(const struct store *s)
{
	return s->clock != 0 ? s->clock : (int64_t)time(NULL);
}

void
store_clock_set(struct store *s, int64_t t)
{
	s->clock = t;
}

/* ---- owners ----------------------------------------------------------------- */

static void
store_hostname(char *h, size_t n)
{
	if (gethostname(h, n) != 0)
		snprintf(h, n, "localhost");
	h[n - 1] = '\0';
}

/* 1 alive, 0 dead, -1 cannot tell (another host: only the lease can). */
int
store_owner_alive(const char *host, const char *lock)
{
	char me[256];
	int fd, alive;

	store_hostname(me, sizeof(me));
	if (strcmp(host, me) != 0)
		return -1;
	fd = open(lock, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	alive = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return alive;
}

/* Free the rows of owner `id` (or, id 0, of every owner whose lease ran
 * out before now). */
static int
store_free_rows(struct store *s, int64_t id, int64_t now, long *n_r,
		struct err *e)
{
	static const char sql[] =
		"UPDATE deliveries SET "
		"unknowns = unknowns + (state = 'sending'), "
		"last_reply = CASE state WHEN 'sending' THEN "
		"'handed over by a sender that died or hung before the "
		"server''s answer was recorded: the server may have it' "
		"ELSE last_reply END, "
		"next_attempt = CASE state WHEN 'sending' THEN ?2 "
		"ELSE next_attempt END, "
		"state = CASE state WHEN 'sending' THEN 'unknown' "
		"ELSE state END, "
		"owner = NULL, lease_until = NULL, updated = ?2 "
		"WHERE owner IS NOT NULL AND "
		"((?1 <> 0 AND owner = ?1) OR (?1 = 0 AND lease_until < ?2))";
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	rc = store_step_done(s, st, "outbox: free rows", e);
	if (rc == 0)
		*n_r += sqlite3_changes(s->db);
	store_done(s, st);
	return rc;
}

struct store_dead {
	int64_t id;
	char *lock;
};

/* The owners other than this handle whose lock is free. */
static int
store_dead_owners(struct store *s, struct store_dead *dead, size_t *n_r,
		  struct err *e)
{
	static const char sql[] =
		"SELECT id, host, lock FROM owners WHERE id <> ?1 "
		"ORDER BY id LIMIT ?2";
	sqlite3_stmt *st;
	int rc;

	*n_r = 0;
	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, s->owner);
	sqlite3_bind_int(st, 2, STORE_OWNERS_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (store_owner_alive(store_col_text(st, 1),
				      store_col_text(st, 2)) == 0) {
			dead[*n_r].id = sqlite3_column_int64(st, 0);
			dead[(*n_r)++].lock = xstrdup(store_col_text(st, 2));
		}
	if (rc != SQLITE_DONE)
		store_fail(s, e, "outbox: owners");
	store_done(s, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
store_owner_delete(struct store *s, int64_t id, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, "DELETE FROM owners WHERE id = ?1", &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_step_done(s, st, "outbox: owner", e);
	store_done(s, st);
	return rc;
}

/* Inside a transaction: free what dead and hung owners hold. */
static int
store_reap_tx(struct store *s, long *freed_r, struct err *e)
{
	struct store_dead *dead = xcalloc(STORE_OWNERS_MAX, sizeof(*dead));
	int64_t now = store_now(s);
	size_t n = 0;
	long freed = 0;
	int rc = store_dead_owners(s, dead, &n, e);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = store_free_rows(s, dead[i].id, now, &freed, e);
		if (rc == 0)
			rc = store_owner_delete(s, dead[i].id, e);
		if (rc == 0)
			unlink(dead[i].lock);	/* a late reaper sees ENOENT */
	}
	if (rc == 0)
		rc = store_free_rows(s, 0, now, &freed, e);
	for (size_t i = 0; i < n; i++)
		free(dead[i].lock);
	free(dead);
	if (freed_r != NULL)
		*freed_r = freed;
	return rc;
}

int
store_outbox_reap(struct store *s, long *freed_r, struct err *e)
{
	int outer, rc;

	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	rc = store_reap_tx(s, freed_r, e);
	return store_tx_close(s, outer, rc, e);
}

/* Another live owner of role: e names it. 1 found, 0 none, -1 error. */
static int
store_owner_other(struct store *s, const char *role, struct err *e)
{
	static const char sql[] =
		"SELECT pid, host, started FROM owners WHERE role = ?1 "
		"AND id <> ?2 ORDER BY id LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, role);
	sqlite3_bind_int64(st, 2, s->owner);
	rc = store_step_row(s, st, "outbox: owners", e);
	if (rc == 1) {
		time_t t = (time_t)sqlite3_column_int64(st, 2);
		char when[32];
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
			 gmtime_r(&t, &tm));
		err_set(e, "%s: anketa %s pid %lld on %s (since %s) already "
			"uses this store", s->path, role,
			(long long)sqlite3_column_int64(st, 0),
			store_col_text(st, 1), when);
	}
	store_done(s, st);
	return rc;
}

static int
store_owner_insert(struct store *s, const char *role, const char *host,
		   struct err *e)
{
	static const char sql[] =
		"INSERT INTO owners(role, host, pid, started, lock, seen) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?4)";
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, sql, &st, e) == -1)
		return -1;
	store_bind_text(st, 1, role);
	store_bind_text(st, 2, host);
	sqlite3_bind_int64(st, 3, (int64_t)getpid());
	sqlite3_bind_int64(st, 4, store_now(s));
	store_bind_text(st, 5, s->owner_lock);
	rc = store_step_done(s, st, "outbox: register", e);
	if (rc == 0)
		s->owner = sqlite3_last_insert_rowid(s->db);
	store_done(s, st);
	return rc;
}

/* Create and lock this handle's own lock file in STORE.owners/. */
static int
store_lock_file(struct store *s, const char *host, struct err *e)
{
	char *dir = xasprintf("%s.owners", s->path);
	uint64_t r;

	if (store_random(&r, sizeof(r), e) == -1) {
		free(dir);
		return -1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		err_set(e, "%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	s->owner_lock = xasprintf("%s/%s.%ld.%016llx.lock", dir, host,
				  (long)getpid(), (unsigned long long)r);
	free(dir);
	s->owner_fd = open(s->owner_lock, O_RDWR | O_CREAT | O_EXCL |
			   O_CLOEXEC, 0600);
	if (s->owner_fd < 0 || flock(s->owner_fd, LOCK_EX | LOCK_NB) != 0) {
		err_set(e, "%s: %s", s->owner_lock, strerror(errno));
		return -1;
	}
	return 0;
}

static void
store_lock_drop(struct store *s)
{
	if (s->owner_fd >= 0) {
		unlink(s->owner_lock);
		close(s->owner_fd);
	}
	s->owner_fd = -1;
	free(s->owner_lock);
	s->owner_lock = NULL;
}

int
store_owner_register(struct store *s, const char *role, int exclusive,
		     struct err *e)
{
	char host[256];
	int outer, rc;

	if (s->owner != 0)
		return 0;
	store_hostname(host, sizeof(host));
	if (store_lock_file(s, host, e) == -1) {
		store_lock_drop(s);
		return -1;
	}
	if (store_tx_open(s, &outer, e) == -1) {
		store_lock_drop(s);
		return -1;
	}
	rc = store_reap_tx(s, NULL, e);
	if (rc == 0 && exclusive && store_owner_other(s, role, e) != 0)
		rc = -1;
	if (rc == 0)
		rc = store_owner_insert(s, role, host, e);
	if (store_tx_close(s, outer, rc, e) == -1) {
		s->owner = 0;
		store_lock_drop(s);
		return -1;
	}
	return 0;
}

void
store_owner_end(struct store *s)
{
	struct err e;
	long n = 0;
	int outer;

	if (s->owner == 0)
		return;
	if (store_tx_open(s, &outer, &e) == 0) {
		int rc = store_outbox_unclaim(s, 0, &e);

		/* what we hand over and never completed is unknown, as if
		 * we had died: free_rows says so */
		if (rc == 0)
			rc = store_free_rows(s, s->owner, store_now(s), &n,
					     &e);
		if (rc == 0)
			rc = store_owner_delete(s, s->owner, &e);
		store_tx_close(s, outer, rc, &e);
	}
	s->owner = 0;
	store_lock_drop(s);
}

/* ---- claim -------------------------------------------------------------------- */

/* One claimed row with owned copies of its strings. */
struct store_claimed {
	struct store_outrow r;
	struct store_contact c;
	int has_contact;
	char *str[17];
};

/* The contact's columns as STORE_CONTACT_COLS has them, but for its
 * groups (NULL): no sender reads them, and their subquery, a sort for
 * each row, cost more than the rest of a claimed row's read. */
#define STORE_OUTROW_CONTACT_COLS \
	"c.id, c.email, c.name, c.municipality, c.country, c.language, " \
	"c.role, NULL, c.token, c.status, c.timezone"
#define STORE_OUTROW_COLS \
	"d.id, coalesce(d.campaign_id, 0), d.kind, d.state, " \
	"coalesce(c.email, d.rcpt), d.token, d.message_id, d.in_reply_to, " \
	"d.vars, d.attempts, d.queued, " STORE_OUTROW_CONTACT_COLS
#define STORE_OUTROW_NCOLS 11

static char *
store_dup_text(sqlite3_stmt *st, int i)
{
	const char *v = store_col_text(st, i);

	return v != NULL ? xstrdup(v) : NULL;
}

static void
store_claimed_copy(sqlite3_stmt *st, struct store_claimed *x)
{
	struct store_contact c;
	const char **cs[] = { &x->c.email, &x->c.name, &x->c.municipality,
			      &x->c.country, &x->c.language, &x->c.role,
			      &x->c.groups, &x->c.token, &x->c.status,
			      &x->c.timezone };
	const char **rs[] = { &x->r.kind, NULL, &x->r.rcpt, &x->r.token,
			      &x->r.message_id, &x->r.in_reply_to,
			      &x->r.vars };
	size_t k = 0;

	memset(x, 0, sizeof(*x));
	x->r.id = sqlite3_column_int64(st, 0);
	x->r.campaign_id = sqlite3_column_int64(st, 1);
	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		if (rs[i] != NULL)
			*rs[i] = x->str[k++] = store_dup_text(st, 2 + (int)i);
	if (store_dstate_parse(store_col_text(st, 3), &x->r.state) == -1)
		x->r.state = STORE_D_PENDING;
	x->r.attempts = sqlite3_column_int(st, 9);
	x->r.queued = sqlite3_column_int64(st, 10);
	if (sqlite3_column_type(st, STORE_OUTROW_NCOLS) == SQLITE_NULL)
		return;
	x->has_contact = 1;
	store_contact_row(st, STORE_OUTROW_NCOLS, &c);
	x->c = c;
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
		*cs[i] = x->str[k++] = *cs[i] ? xstrdup(*cs[i]) : NULL;
	x->r.contact = &x->c;
}

static void
store_claimed_clear(struct store_claimed *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof(x[i].str) / sizeof(x[i].str[0]);
		     k++)
			free(x[i].str[k]);
}

/* One row a claim took, read back by id in due order. */
struct store_took {
	int64_t next_attempt, id;
};

static int
store_took_cmp(const void *a, const void *b)
{
	const struct store_took *x = a, *y = b;

	if (x->next_attempt != y->next_attempt)
		return x->next_attempt < y->next_attempt ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Claim up to max rows; took[] gets exactly the rows this claim set
 * (RETURNING), *n_r how many. Rows this owner claimed before and still
 * holds are not among them: reading back "every waiting row of mine"
 * handed the callback those again, ahead of (and instead of) the rows
 * just claimed, which then waited unseen until the lease ran out. */
static int
store_claim_tx(struct store *s, const struct store_outbox_filter *f,
	       long max, long lease_s, struct store_took *took, long *n_r,
	       struct err *e)
{
	static const char sql[] =
		"UPDATE deliveries SET owner = ?1, lease_until = ?2 "
		"WHERE id IN (SELECT id FROM deliveries "
		"WHERE " STORE_WAITING("") " AND "
		"owner IS NULL AND next_attempt <= ?3 AND not_before <= ?3 "
		"AND (?4 = 0 OR campaign_id = ?4) AND "
		"(?5 IS NULL OR kind = ?5) AND " STORE_CAMPAIGN_GOES("?3") " "
		"ORDER BY next_attempt, id "
		"LIMIT ?6) RETURNING next_attempt, id";
	sqlite3_stmt *st;
	int64_t now = store_now(s);
	int rc = store_reap_tx(s, NULL, e);

	*n_r = 0;
	if (rc == 0)
		rc = store_stmt(s, sql, &st, e);
	if (rc == -1)
		return -1;
	/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): store_stmt sets st when it returns 0 */
	sqlite3_bind_int64(st, 1, s->owner);
	sqlite3_bind_int64(st, 2, now + lease_s);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, f != NULL ? f->campaign_id : 0);
	store_bind_text(st, 5, f != NULL ? f->kind : NULL);
	sqlite3_bind_int64(st, 6, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (*n_r < max) {
			took[*n_r].next_attempt = sqlite3_column_int64(st, 0);
			took[(*n_r)++].id = sqlite3_column_int64(st, 1);
		}
	if (rc != SQLITE_DONE)
		store_fail(s, e, "outbox: claim");
	store_done(s, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Copy the rows this claim took out of the store, inside the claim's
 * transaction (a row not ours in the end would be left out). */
static int
store_claimed_read(struct store *s, const struct store_took *took, long n,
		   struct store_claimed *x, size_t *n_r, struct err *e)
{
	static const char sql[] =
		"SELECT " STORE_OUTROW_COLS " FROM deliveries d "
		"LEFT JOIN contacts c ON c.id = d.contact_id "
		"WHERE d.id = ?1 AND d.owner = ?2 AND " STORE_WAITING("d.");
	sqlite3_stmt *st;
	int rc = 0;

	*n_r = 0;
	for (long i = 0; rc != -1 && i < n; i++) {
		if (store_stmt(s, sql, &st, e) == -1)
			return -1;
		sqlite3_bind_int64(st, 1, took[i].id);
		sqlite3_bind_int64(st, 2, s->owner);
		rc = store_step_row(s, st, "outbox: claimed rows", e);
		if (rc == 1)
			store_claimed_copy(st, &x[(*n_r)++]);
		store_done(s, st);	/* ended before any callback writes */
	}
	return rc == -1 ? -1 : 0;
}

int
store_outbox_claim(struct store *s, const struct store_outbox_filter *f,
		   long max, long lease_s, store_outrow_cb cb, void *arg,
		   long *n_r, struct err *e)
{
	struct store_claimed *x;
	struct store_took *took;
	size_t n = 0;
	int outer, rc;

	*n_r = 0;
	if (s->owner == 0) {
		err_set(e, "%s: outbox: claim without an owner", s->path);
		return -1;
	}
	if (max <= 0)
		return 0;
	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	took = xcalloc((size_t)max, sizeof(*took));
	x = xcalloc((size_t)max, sizeof(*x));
	rc = store_claim_tx(s, f, max, lease_s, took, n_r, e);
	/* read in the claim's own transaction: a read outside one is a
	 * transaction of its own, and sixteen of them cost more than the
	 * claim */
	if (rc == 0) {
		qsort(took, (size_t)*n_r, sizeof(*took), store_took_cmp);
		rc = store_claimed_read(s, took, *n_r, x, &n, e);
	}
	if (store_tx_close(s, outer, rc, e) == -1) {
		*n_r = 0;
		store_claimed_clear(x, n);
		free(x);
		free(took);
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = cb(arg, &x[i].r);
	store_claimed_clear(x, n);
	free(x);
	free(took);
	return rc;
}

/* ---- hand-over and outcome ------------------------------------------------ */

/* Step one cached write that must match a row of ours: 0 it did, 1 it
 * matched nothing (the claim is gone), -1 error. Resets st. */
static int
store_owned_step(struct store *s, sqlite3_stmt *st, const char *what,
		 int64_t id, struct err *e)
{
	int rc = store_step_done(s, st, what, e);

	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = 1;
	if (rc == -1)
		err_prefix(e, "delivery %lld", (long long)id);
	store_done(s, st);
	return rc;
}

/* Close a self-contained call whose write may have found the claim gone
 * (rc 1: nothing changed, commit as success). */
static int
store_owned_close(struct store *s, int outer, int rc, struct err *e)
{
	return store_tx_close(s, outer, rc == -1 ? -1 : 0, e) == -1 ? -1 : rc;
}

/*
 * A call that writes one statement opens BEGIN IMMEDIATE when no
 * transaction is open (*outer_r 1), and nothing inside the caller's: a
 * statement that fails is undone by SQLite on its own, so a savepoint
 * (store_tx_open) adds nothing but its cost, a third of the hand-over's
 * when the sender pool commits hand-overs and outcomes together.
 */
static int
store_one_open(struct store *s, int *outer_r, struct err *e)
{
	*outer_r = sqlite3_get_autocommit(s->db);
	return *outer_r ? store_begin(s, e) : 0;
}

static int
store_one_close(struct store *s, int outer, int rc, struct err *e)
{
	return outer ? store_owned_close(s, outer, rc, e) : rc;
}

int
store_outbox_handover(struct store *s, int64_t id, const char *message_id,
		      long lease_s, struct err *e)
{
	static const char sql[] =
		"UPDATE deliveries SET state = 'sending', message_id = "
		"coalesce(?2, message_id), attempts = attempts + 1, "
		"lease_until = ?3, updated = ?4 WHERE id = ?1 AND owner = ?5 "
		"AND " STORE_WAITING("") " AND " STORE_CAMPAIGN_GOES("?4");
	sqlite3_stmt *st;
	int64_t now = store_now(s);
	int outer, rc;

	if (store_one_open(s, &outer, e) == -1)
		return -1;
	if (store_stmt(s, sql, &st, e) == -1)
		return store_one_close(s, outer, -1, e);
	sqlite3_bind_int64(st, 1, id);
	store_bind_opt_text(st, 2, message_id);
	sqlite3_bind_int64(st, 3, now + lease_s);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, s->owner);
	rc = store_owned_step(s, st, "outbox: hand-over", id, e);
	/* a row of a campaign paused since the claim goes back, so that
	 * resume frees it at once, not when the lease runs out */
	if (rc == 1)
		rc = store_outbox_unclaim(s, id, e) == -1 ? -1 : 1;
	return store_one_close(s, outer, rc, e);
}

static int
store_rcpt_dead(struct store *s, int64_t id, const char *reply,
		struct err *e)
{
	int64_t contact = 0;
	int64_t *out[] = { &contact };
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(s, "SELECT coalesce(contact_id, 0) FROM deliveries "
		       "WHERE id = ?1", &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = store_one_int64(s, st, "outbox: contact", out, 1, e);
	if (rc != 1 || contact == 0)
		return rc < 0 ? -1 : 0;
	return store_contact_set_status(s, contact, "undeliverable", reply, e);
}

int
store_outbox_complete(struct store *s, int64_t id,
		      const struct store_outcome *o, struct err *e)
{
	/* SENT and UNKNOWN only after SENDING: a message never handed
	 * over cannot have been accepted. The others may end a claimed row
	 * that failed before the hand-over (rendering, opt-out). */
	static const char sql[] =
		"UPDATE deliveries SET state = ?2, last_reply = ?3, "
		"next_attempt = ?4, unknowns = unknowns + (?2 = 'unknown'), "
		"owner = NULL, lease_until = NULL, updated = ?5 "
		"WHERE id = ?1 AND owner = ?6 AND (state = 'sending' OR "
		"(?2 NOT IN ('sent', 'unknown') AND "
		STORE_WAITING("") "))";
	sqlite3_stmt *st;
	int outer, rc;

	switch (o->state) {
	case STORE_D_SENT: case STORE_D_FAILED: case STORE_D_DEFERRED:
	case STORE_D_UNKNOWN: case STORE_D_SKIPPED:
		break;
	default:
		err_set(e, "delivery %lld: complete: %s is not an outcome",
			(long long)id, store_dstate_name(o->state));
		return -1;
	}
	/* a dead recipient's contact changes too: then a savepoint keeps
	 * the call whole inside the caller's transaction */
	if ((o->rcpt_dead ? store_tx_open(s, &outer, e) :
	     store_one_open(s, &outer, e)) == -1)
		return -1;
	rc = store_stmt(s, sql, &st, e);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		store_bind_text(st, 2, store_dstate_name(o->state));
		store_bind_opt_text(st, 3, o->reply);
		sqlite3_bind_int64(st, 4, o->next_attempt);
		sqlite3_bind_int64(st, 5, store_now(s));
		sqlite3_bind_int64(st, 6, s->owner);
		rc = store_owned_step(s, st, "outbox: complete", id, e);
	}
	if (rc == 0 && o->rcpt_dead)
		rc = store_rcpt_dead(s, id, o->reply, e);
	return o->rcpt_dead ? store_owned_close(s, outer, rc, e) :
	       store_one_close(s, outer, rc, e);
}

int
store_outbox_unclaim(struct store *s, int64_t id, struct err *e)
{
	static const char sql[] =
		"UPDATE deliveries SET owner = NULL, lease_until = NULL "
		"WHERE owner = ?1 AND (?2 = 0 OR id = ?2) AND "
		STORE_WAITING("");
	sqlite3_stmt *st;
	int outer, rc;

	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, s->owner);
	sqlite3_bind_int64(st, 2, id);
	rc = store_step_done(s, st, "outbox: unclaim", e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

/* ---- enqueue ------------------------------------------------------------------ */

int
store_outbox_enqueue(struct store *s, const struct store_enqueue *q,
		     int64_t *id_r, struct err *e)
{
	static const char sql[] =
		"INSERT INTO deliveries(campaign_id, contact_id, rcpt, kind, "
		"state, token, in_reply_to, vars, inbound_id, not_before, "
		"queued, created, updated) VALUES (?1, ?2, ?3, ?4, 'pending', "
		"anketa_token(), ?5, ?6, ?7, ?8, ?9, ?9, ?9)";
	sqlite3_stmt *st;
	int outer, rc;

	if (q->kind == NULL || (q->contact_id == 0 &&
				(q->rcpt == NULL || q->rcpt[0] == '\0'))) {
		err_set(e, "outbox: enqueue: a kind and a recipient are "
			"needed");
		return -1;
	}
	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	store_bind_id(st, 1, q->campaign_id);
	store_bind_id(st, 2, q->contact_id);
	store_bind_opt_text(st, 3, q->contact_id ? NULL : q->rcpt);
	store_bind_text(st, 4, q->kind);
	store_bind_opt_text(st, 5, q->in_reply_to);
	store_bind_opt_text(st, 6, q->vars);
	store_bind_id(st, 7, q->inbound_id);
	sqlite3_bind_int64(st, 8, q->not_before);
	sqlite3_bind_int64(st, 9, store_now(s));
	rc = store_step_done(s, st, "outbox: enqueue", e);
	if (rc == 0 && id_r != NULL)
		*id_r = sqlite3_last_insert_rowid(s->db);
	if (rc == -1)
		err_prefix(e, "%s to contact %lld", q->kind,
			   (long long)q->contact_id);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

/* ---- pauses ------------------------------------------------------------------- */

int
store_outbox_pause(struct store *s, const char *site, int64_t until,
		   const char *reason, struct err *e)
{
	static const char sql[] =
		"INSERT INTO pauses(site, since, until, reason) "
		"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (site) DO UPDATE SET "
		"until = excluded.until, reason = excluded.reason";
	sqlite3_stmt *st;
	int outer, rc;

	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	store_bind_text(st, 1, site);
	sqlite3_bind_int64(st, 2, store_now(s));
	sqlite3_bind_int64(st, 3, until);
	store_bind_text(st, 4, reason != NULL ? reason : "");
	rc = store_step_done(s, st, "outbox: pause", e);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

/* The pause of site has ended: the waiting rows get the paused time
 * back, and the pause row goes. The pause is read again inside the
 * write transaction: two processes that both saw it over (the daemon
 * and a sender, two senders) each lifted it, so the waiting rows got
 * the paused time back twice. Now the second finds no ended pause and
 * changes nothing (*lifted_r 0). */
static int
store_pause_lift(struct store *s, const char *site, int *lifted_r,
		 struct err *e)
{
	static const char get[] =
		"SELECT until - since FROM pauses WHERE site = ?1 AND "
		"until <= ?2";
	static const char move[] =
		"UPDATE deliveries SET queued = queued + ?1 "
		"WHERE " STORE_WAITING("");
	static const char del[] = "DELETE FROM pauses WHERE site = ?1";
	int64_t paused = 0;
	int64_t *out[] = { &paused };
	sqlite3_stmt *st;
	int outer, rc;

	*lifted_r = 0;
	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	rc = store_stmt(s, get, &st, e);
	if (rc == 0) {
		store_bind_text(st, 1, site);
		sqlite3_bind_int64(st, 2, store_now(s));
		rc = store_one_int64(s, st, "outbox: resume", out, 1, e);
		*lifted_r = rc == 1;
		rc = rc == -1 ? -1 : 0;
	}
	if (rc == 0 && *lifted_r)
		rc = store_stmt(s, move, &st, e);
	if (rc == 0 && *lifted_r) {
		sqlite3_bind_int64(st, 1, paused > 0 ? paused : 0);
		rc = store_step_done(s, st, "outbox: resume", e);
		store_done(s, st);
	}
	if (rc == 0 && *lifted_r)
		rc = store_stmt(s, del, &st, e);
	if (rc == 0 && *lifted_r) {
		store_bind_text(st, 1, site);
		rc = store_step_done(s, st, "outbox: resume", e);
		store_done(s, st);
	}
	if (rc == -1)
		*lifted_r = 0;
	return store_tx_close(s, outer, rc, e);
}

int
store_outbox_paused(struct store *s, const char *site, int64_t *until_r,
		    char **reason_r, struct err *e)
{
	static const char sql[] =
		"SELECT until, reason FROM pauses WHERE site = ?1";
	sqlite3_stmt *st;
	int64_t until;
	int lifted, rc;

	for (;;) {
		if (store_stmt(s, sql, &st, e) == -1)
			return -1;
		store_bind_text(st, 1, site);
		rc = store_step_row(s, st, "outbox: pauses", e);
		if (rc == 1) {
			until = sqlite3_column_int64(st, 0);
			if (until_r != NULL)
				*until_r = until;
			if (reason_r != NULL)
				*reason_r = xstrdup(store_col_text(st, 1) ?
						    store_col_text(st, 1) :
						    "");
		}
		store_done(s, st);
		if (rc != 1)
			return rc;
		if (until > store_now(s))
			return 1;
		if (reason_r != NULL) {
			free(*reason_r);
			*reason_r = NULL;
		}
		if (store_pause_lift(s, site, &lifted, e) == -1)
			return -1;
		if (lifted)
			return 0;
		/* lifted by another process meanwhile, or made longer:
		 * look again */
	}
}

static int
store_pause_row(void *ctx, sqlite3_stmt *st)
{
	void **a = ctx;
	store_pause_cb cb = (store_pause_cb)(uintptr_t)a[0];

	return cb(a[1], store_col_text(st, 0), sqlite3_column_int64(st, 1),
		  store_col_text(st, 2));
}

int
store_pauses_each(struct store *s, store_pause_cb cb, void *arg,
		  struct err *e)
{
	void *ctx[2] = { (void *)(uintptr_t)cb, arg };
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, "SELECT site, until, reason FROM pauses "
			  "WHERE until > ?1 ORDER BY site", &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, store_now(s));
	rc = store_rows(s, st, store_pause_row, ctx, NULL, "pauses", e);
	store_done(s, st);
	return rc;
}

/* ---- the queue for people ---------------------------------------------------- */

static int
store_qrow_each(void *ctx, sqlite3_stmt *st)
{
	void **a = ctx;
	store_qrow_cb cb = (store_qrow_cb)(uintptr_t)a[0];
	struct store_qrow q;

	memset(&q, 0, sizeof(q));
	q.id = sqlite3_column_int64(st, 0);
	q.campaign = store_col_text(st, 1);
	q.kind = store_col_text(st, 2);
	q.rcpt = store_col_text(st, 3);
	if (store_dstate_parse(store_col_text(st, 4), &q.state) == -1)
		q.state = STORE_D_PENDING;
	q.attempts = sqlite3_column_int(st, 5);
	q.unknowns = sqlite3_column_int(st, 6);
	q.next_attempt = sqlite3_column_int64(st, 7);
	q.queued = sqlite3_column_int64(st, 8);
	q.owner = store_col_text(st, 9);
	q.last_reply = store_col_text(st, 10);
	return cb(a[1], &q);
}

int
store_queue_each(struct store *s, int64_t campaign_id, store_qrow_cb cb,
		 void *arg, struct err *e)
{
	sqlite3_stmt *st;
	void *ctx[2] = { (void *)(uintptr_t)cb, arg };
	int rc;

	if (store_prepare(s, "SELECT d.id, p.name, d.kind, "
			  "coalesce(c.email, d.rcpt), d.state, d.attempts, "
			  "d.unknowns, max(d.next_attempt, d.not_before), "
			  "d.queued, "
			  "CASE WHEN o.id IS NULL THEN NULL ELSE 'pid ' || "
			  "o.pid || ' on ' || o.host END, d.last_reply "
			  "FROM deliveries d "
			  "LEFT JOIN campaigns p ON p.id = d.campaign_id "
			  "LEFT JOIN contacts c ON c.id = d.contact_id "
			  "LEFT JOIN owners o ON o.id = d.owner "
			  "WHERE d.state IN ('pending', 'deferred', "
			  "'unknown', 'sending') AND "
			  "(?1 = 0 OR d.campaign_id = ?1) ORDER BY d.id",
			  &st, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	rc = store_rows(s, st, store_qrow_each, ctx, NULL, "queue", e);
	store_done(s, st);
	return rc;
}

/* One UPDATE over waiting rows chosen by id / campaign / all. */
static int
store_queue_change(struct store *s, const char *sql, int64_t id,
		   int64_t campaign_id, long *n_r, struct err *e)
{
	sqlite3_stmt *st;
	int outer, rc;

	if (store_tx_stmt(s, sql, &st, &outer, e) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, campaign_id);
	sqlite3_bind_int64(st, 3, store_now(s));
	rc = store_step_done(s, st, "queue", e);
	if (rc == 0 && n_r != NULL)
		*n_r = sqlite3_changes(s->db);
	return store_tx_stmt_close(s, st, outer, rc, e);
}

#define STORE_QUEUE_PICK \
	STORE_WAITING("") " AND owner IS NULL " \
	"AND ((?1 <> 0 AND id = ?1) OR (?1 = 0 AND ?2 <> 0 AND " \
	"campaign_id = ?2) OR (?1 = 0 AND ?2 = 0))"

int
store_queue_retry(struct store *s, int64_t id, int64_t campaign_id,
		  long *n_r, struct err *e)
{
	static const char sql[] =
		"UPDATE deliveries SET next_attempt = ?3, not_before = "
		"min(not_before, ?3), updated = ?3 WHERE " STORE_QUEUE_PICK;
	sqlite3_stmt *st;
	int outer, rc;

	/* "now" means now: a paused server is tried again too (as
	 * postqueue -f), the paused time given back as when it ends */
	if (store_tx_open(s, &outer, e) == -1)
		return -1;
	rc = store_stmt(s, "UPDATE pauses SET until = min(until, ?1)", &st,
			e);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, store_now(s));
		rc = store_step_done(s, st, "queue: retry", e);
		store_done(s, st);
	}
	if (rc == 0)
		rc = store_queue_change(s, sql, id, campaign_id, n_r, e);
	return store_tx_close(s, outer, rc, e);
}

int
store_queue_cancel(struct store *s, int64_t id, int64_t campaign_id,
		   long *n_r, struct err *e)
{
	static const char sql[] =
		"UPDATE deliveries SET state = 'cancelled', last_reply = "
		"'cancelled by anketa queue cancel', updated = ?3 WHERE "
		STORE_QUEUE_PICK;

	return store_queue_change(s, sql, id, campaign_id, n_r, e);
}

void
store_forget_in_child(struct store *s)
{
	if (s != NULL && s->owner_fd >= 0)
		close(s->owner_fd);
}
