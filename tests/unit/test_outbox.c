/*
 * test_outbox.c -- the outbox (store_outbox.c) between owners and
 * processes: claims need an owner and never overlap, a dead owner's rows
 * come back at once and a hung one's when its lease runs out, outcomes
 * only while the claim holds, registration, enqueue, pauses, the queue
 * as a person changes it, migration from version 2, and several sender
 * processes on one file with a writer beside them.
 *
 * Children (fork) open their own store after the fork and never touch
 * the parent's handle: an SQLite connection must not cross a fork, so
 * the parent closes its own before forking. Children report through
 * pipes and their exit status, never through cmocka.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_private.h"	/* the statement cache: what the hot statements cost */
#include "base/xmem.h"
#include "tfix.h"

#define T0 INT64_C(1800000000)

/* The shared fixture (tfix.h) under the short names this file uses. */
#define OK(call) TFIX_OK(f, call)
#define sql_int tfix_sql_int

static int
fx_setup(void **state)
{
	return tfix_setup(state, "test_outbox");
}

/* ---- helpers ---- */

/* n contacts u000@x.org ... in BG, one transaction. */
static void
add_contacts(struct tfix *f, int n)
{
	OK(store_begin(f->s, &f->e));
	for (int i = 0; i < n; i++) {
		char email[32];
		struct store_contact c = { .email = email, .country = "BG" };
		int64_t id;
		int created;

		snprintf(email, sizeof(email), "u%03d@x.org", i);
		OK(store_contact_upsert(f->s, &c, &id, &created, &f->e));
	}
	OK(store_commit(f->s, &f->e));
}

/* A campaign to BG with invites planned for n new contacts. */
static int64_t
planned(struct tfix *f, int n)
{
	struct store_campaign c = { .name = "fs26", .kind = "survey",
				    .audience = { .country = "BG" } };
	int64_t cid = 0;
	long added = -1;

	add_contacts(f, n);
	OK(store_campaign_put(f->s, &c, &cid, &f->e));
	OK(store_deliveries_plan(f->s, cid, "invite", &added, &f->e));
	assert_int_equal(added, n);
	return cid;
}

static struct store *
open2(struct tfix *f)
{
	struct store *s = NULL;

	OK(store_open(f->path, &s, &f->e));
	return s;
}

/* What a claim handed to its callback. */
#define GOT_MAX 64
struct got {
	int64_t id[GOT_MAX];
	int state[GOT_MAX];
	char msgid[GOT_MAX][32];
	char rcpt[GOT_MAX][32];
	char extra[GOT_MAX][64];	/* in_reply_to|vars|campaign */
	int has_contact[GOT_MAX];
	int n;
};

static int
got_row(void *arg, const struct store_outrow *r)
{
	struct got *g = arg;

	if (g->n >= GOT_MAX)
		return 0;
	g->id[g->n] = r->id;
	g->state[g->n] = r->state;
	snprintf(g->msgid[g->n], sizeof(g->msgid[0]), "%s",
		 r->message_id ? r->message_id : "");
	snprintf(g->rcpt[g->n], sizeof(g->rcpt[0]), "%s", r->rcpt);
	snprintf(g->extra[g->n], sizeof(g->extra[0]), "%s|%s|%lld",
		 r->in_reply_to ? r->in_reply_to : "",
		 r->vars ? r->vars : "", (long long)r->campaign_id);
	g->has_contact[g->n] = r->contact != NULL;
	if (r->contact != NULL)
		assert_string_equal(r->contact->email, r->rcpt);
	g->n++;
	return 0;
}

/* Claim up to max (lease 60 s) for s into g (cleared); the callback must
 * see exactly the rows the store says it claimed. */
static long
claim(struct tfix *f, struct store *s, long max, struct got *g)
{
	long n = -1;

	memset(g, 0, sizeof(*g));
	OK(store_outbox_claim(s, NULL, max, 60, got_row, g, &n, &f->e));
	assert_int_equal(n, g->n);
	return n;
}

static int
has_id(const struct got *g, int64_t id)
{
	for (int i = 0; i < g->n; i++)
		if (g->id[i] == id)
			return i + 1;
	return 0;
}

static int
lock_files(struct tfix *f)
{
	char owners[160];	/* PATH.owners/: the owners' lock files */
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(owners, sizeof(owners), "%s.owners", f->path);
	d = opendir(owners);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A child process on f's file: fn(path, to_parent, from_parent), which
 * never returns. *up_r reads what it writes, *down_r writes to it; the
 * caller closes both and reaps the child. The caller's own handle must
 * be closed first: no connection crosses a fork. */
static pid_t
child_start(struct tfix *f, void (*fn)(const char *, int, int), int *up_r,
	    int *down_r)
{
	int up[2], down[2];
	pid_t pid;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		fn(f->path, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	*up_r = up[0];
	*down_r = down[1];
	return pid;
}

static const struct store_outcome o_sent = { .state = STORE_D_SENT,
					     .reply = "250 2.0.0 ok" };

/* ---- claims and owners ---- */

/* Two owners on one file claim by turns, keeping what they claimed: no
 * row is handed to both, no row is handed twice, and together they get
 * every due row. A handle that is no owner cannot claim. */
static void
test_claim_disjoint(void **state)
{
	struct tfix *f = *state;
	struct store *s[2] = { f->s, NULL };
	int64_t seen[10];
	int nseen = 0, per[2] = { 0, 0 }, idle = 0;
	struct got g;
	long n;

	planned(f, 10);
	s[1] = open2(f);
	assert_int_equal(store_outbox_claim(f->s, NULL, 2, 60, got_row, &g,
					    &n, &f->e), -1);
	assert_non_null(strstr(f->e.msg, "owner"));
	OK(store_owner_register(s[0], "send", 0, &f->e));
	OK(store_owner_register(s[1], "send", 0, &f->e));
	for (int turn = 0; idle < 2 && turn < 40; turn++) {
		int k = turn % 2;

		n = claim(f, s[k], 2, &g);
		assert_true(n <= 2);
		idle = n == 0 ? idle + 1 : 0;
		for (int i = 0; i < g.n; i++) {
			for (int j = 0; j < nseen; j++)
				if (seen[j] == g.id[i])
					fail_msg("row %lld handed out twice",
						 (long long)g.id[i]);
			assert_true(nseen < 10);
			seen[nseen++] = g.id[i];
			per[k]++;
		}
	}
	assert_int_equal(nseen, 10);
	assert_int_equal(per[0], 6);	/* claims 1, 3, 5 */
	assert_int_equal(per[1], 4);
	assert_int_equal(sql_int(f, "SELECT count(DISTINCT owner) FROM "
				 "deliveries WHERE owner IS NOT NULL"), 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "owner IS NULL"), 0);
	store_free(&s[1]);
}

/* The child of test_dead_owner: register, claim 3, hand the first over,
 * tell the parent the ids, then wait to be killed (or leave without any
 * cleanup when told to). */
static void
dead_owner_child(const char *path, int to_parent, int from_parent)
{
	struct store *s;
	struct err e;
	struct got g = { 0 };
	long n = 0;
	char c;

	if (store_open(path, &s, &e) != 0 ||
	    store_owner_register(s, "send", 0, &e) != 0 ||
	    store_outbox_claim(s, NULL, 3, 3600, got_row, &g, &n, &e) != 0 ||
	    n != 3 || g.n != 3 ||
	    store_outbox_handover(s, g.id[0], "<dead@x>", 3600, &e) != 0)
		_exit(2);
	if (write(to_parent, g.id, sizeof(g.id[0]) * 3) !=
	    (ssize_t)sizeof(g.id[0]) * 3)
		_exit(3);
	(void)!read(from_parent, &c, 1);	/* 'x': leave now */
	_exit(0);	/* no store_free: the claims stay in the file */
}

static void
dead_owner(void **state, int sigkill)
{
	struct tfix *f = *state;
	int up, down, status;
	int64_t ids[3];
	struct got g;
	pid_t pid;

	planned(f, 6);
	store_free(&f->s);	/* no connection across the fork */
	pid = child_start(f, dead_owner_child, &up, &down);
	assert_int_equal(read(up, ids, sizeof(ids)), (ssize_t)sizeof(ids));
	/* the child is alive: its rows are its own */
	OK(store_open(f->path, &f->s, &f->e));
	OK(store_owner_register(f->s, "send", 0, &f->e));
	assert_int_equal(claim(f, f->s, 100, &g), 3);
	for (int i = 0; i < 3; i++)
		assert_false(has_id(&g, ids[i]));
	OK(store_outbox_unclaim(f->s, 0, &f->e));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM owners"), 2);
	assert_int_equal(lock_files(f), 2);

	if (sigkill)
		kill(pid, SIGKILL);
	else
		assert_int_equal(write(down, "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (sigkill)
		assert_true(WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGKILL);
	else
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up);
	close(down);
	/* nothing was reaped yet: the row still says SENDING */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "id = %lld AND state = 'sending'",
				 (long long)ids[0]), 1);

	/* the next claim frees them at once, no lease waited for: the
	 * handed-over row is UNKNOWN and due now, the others wait again */
	assert_int_equal(claim(f, f->s, 100, &g), 6);
	for (int i = 0; i < 3; i++) {
		int k = has_id(&g, ids[i]);

		assert_true(k > 0);
		assert_int_equal(g.state[k - 1], i == 0 ? STORE_D_UNKNOWN :
				 STORE_D_PENDING);
	}
	assert_string_equal(g.msgid[has_id(&g, ids[0]) - 1], "<dead@x>");
	assert_int_equal(sql_int(f, "SELECT unknowns FROM deliveries WHERE "
				 "id = %lld", (long long)ids[0]), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "unknowns > 0"), 1);
	/* the dead owner is gone, with its lock file */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM owners"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM owners WHERE "
				 "pid = %ld", (long)pid), 0);
	assert_int_equal(lock_files(f), 1);
}

static void
test_dead_owner_exit(void **state)
{
	dead_owner(state, 0);
}

static void
test_dead_owner_killed(void **state)
{
	dead_owner(state, 1);
}

/* Two handles of one process: the one that holds its lock is alive, so
 * the other's claim and reap leave its rows alone. */
static void
test_live_owner_kept(void **state)
{
	struct tfix *f = *state;
	struct store *s2;
	struct got g, g2;
	long freed = -1;

	planned(f, 5);
	OK(store_owner_register(f->s, "send", 0, &f->e));
	assert_int_equal(claim(f, f->s, 3, &g), 3);
	OK(store_outbox_handover(f->s, g.id[0], "<live@x>", 60, &f->e));
	s2 = open2(f);
	OK(store_owner_register(s2, "send", 0, &f->e));
	OK(store_outbox_reap(s2, &freed, &f->e));
	assert_int_equal(freed, 0);
	assert_int_equal(claim(f, s2, 100, &g2), 2);
	for (int i = 0; i < 3; i++)
		assert_false(has_id(&g2, g.id[i]));
	OK(store_outbox_complete(f->s, g.id[0], &o_sent, &f->e));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "state = 'sending' OR state = 'unknown'"), 0);
	store_free(&s2);
}

/* An owner that lives but hangs: once its lease is over, any other
 * owner's reap frees its rows; what it then tries to record is refused
 * (1) and changes nothing, also after another owner claimed them. */
static void
test_hung_owner_lease(void **state)
{
	struct tfix *f = *state;
	struct store_outcome fail = { .state = STORE_D_FAILED,
				      .reply = "550" };
	struct store *s2;
	struct got g, g2;
	int64_t r1, r2;
	long freed = -1;

	planned(f, 4);
	store_clock_set(f->s, T0);
	OK(store_owner_register(f->s, "send", 0, &f->e));
	assert_int_equal(claim(f, f->s, 2, &g), 2);	/* lease T0 + 60 */
	r1 = g.id[0];
	r2 = g.id[1];
	OK(store_outbox_handover(f->s, r1, "<hung@x>", 60, &f->e));
	s2 = open2(f);
	store_clock_set(s2, T0);
	OK(store_owner_register(s2, "send", 0, &f->e));
	store_clock_set(s2, T0 + 60);	/* lease not over yet */
	OK(store_outbox_reap(s2, &freed, &f->e));
	assert_int_equal(freed, 0);
	store_clock_set(s2, T0 + 61);
	OK(store_outbox_reap(s2, &freed, &f->e));
	assert_int_equal(freed, 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "id = %lld AND state = 'unknown' AND "
				 "unknowns = 1 AND owner IS NULL",
				 (long long)r1), 1);
	/* the hung owner wakes up: its claim is lost */
	assert_int_equal(store_outbox_complete(f->s, r1, &o_sent, &f->e), 1);
	assert_int_equal(store_outbox_handover(f->s, r2, "<late@x>", 60,
					       &f->e), 1);
	assert_int_equal(store_outbox_complete(f->s, r2, &fail, &f->e), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "state = 'unknown'"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "state = 'pending' AND attempts = 0 AND "
				 "message_id IS NULL"), 3);
	/* and it stays lost once another owner holds the rows */
	assert_int_equal(claim(f, s2, 100, &g2), 4);
	assert_true(has_id(&g2, r1) && has_id(&g2, r2));
	assert_int_equal(store_outbox_handover(f->s, r2, "<late@x>", 60,
					       &f->e), 1);
	assert_int_equal(store_outbox_complete(f->s, r1, &o_sent, &f->e), 1);
	OK(store_outbox_handover(s2, r1, NULL, 60, &f->e));
	OK(store_outbox_complete(s2, r1, &o_sent, &f->e));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "id = %lld AND state = 'sent' AND attempts = 2 "
				 "AND message_id = '<hung@x>'", (long long)r1),
			 1);
	store_free(&s2);
}

/* ---- outcomes ---- */

struct status {
	char s[32];
};

static int
copy_status(void *arg, const struct store_contact *c)
{
	snprintf(((struct status *)arg)->s, sizeof(struct status), "%s",
		 c->status);
	return 0;
}

/* An outcome only for a row of ours; SENT and UNKNOWN only after the
 * hand-over; a dead recipient makes the contact undeliverable, its
 * other waiting mail skipped, and later plans leave it out. */
static void
test_complete_rules(void **state)
{
	struct tfix *f = *state;
	struct store_outcome skip = { .state = STORE_D_SKIPPED,
				      .reply = "opted out" };
	struct store_outcome unk = { .state = STORE_D_UNKNOWN,
				     .reply = "timeout after DATA",
				     .next_attempt = T0 + 3600 };
	struct store_outcome dead = { .state = STORE_D_FAILED,
				      .reply = "550 5.1.1 no such user",
				      .rcpt_dead = 1 };
	struct store_outcome bad = { .state = STORE_D_SENDING };
	struct store_campaign c2 = { .name = "later", .kind = "survey",
				     .audience = { .country = "BG" } };
	struct store *s2;
	struct status st = { "" };
	struct got g;
	int64_t cid, cid2 = 0, x;
	long added = -1;

	store_clock_set(f->s, T0);
	cid = planned(f, 3);
	OK(store_owner_register(f->s, "send", 0, &f->e));
	s2 = open2(f);
	OK(store_owner_register(s2, "send", 0, &f->e));
	assert_int_equal(claim(f, f->s, 3, &g), 3);
	/* not ours */
	assert_int_equal(store_outbox_complete(s2, g.id[0], &skip, &f->e), 1);
	assert_int_equal(store_outbox_handover(s2, g.id[0], NULL, 60, &f->e),
			 1);
	/* never handed over: neither sent nor unknown, and nothing changed */
	assert_true(store_outbox_complete(f->s, g.id[0], &o_sent, &f->e) != 0);
	assert_true(store_outbox_complete(f->s, g.id[0], &unk, &f->e) != 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "state = 'pending' AND owner IS NOT NULL"), 3);
	assert_int_equal(store_outbox_complete(f->s, g.id[0], &bad, &f->e),
			 -1);
	/* skipped before the hand-over (opt-out, rendering) is fine */
	OK(store_outbox_complete(f->s, g.id[0], &skip, &f->e));
	assert_int_equal(store_outbox_complete(f->s, g.id[0], &skip, &f->e),
			 1);	/* once */
	/* unknown after the hand-over: waits for next_attempt, counted */
	OK(store_outbox_handover(f->s, g.id[1], "<u@x>", 60, &f->e));
	OK(store_outbox_complete(f->s, g.id[1], &unk, &f->e));
	assert_int_equal(sql_int(f, "SELECT unknowns FROM deliveries WHERE "
				 "id = %lld", (long long)g.id[1]), 1);

	/* the recipient of the third does not exist; its contact also has
	 * a pending invite of another campaign and, moved to it, the
	 * unknown row (as a confirm: one invite per campaign) */
	x = sql_int(f, "SELECT contact_id FROM deliveries WHERE id = %lld",
		    (long long)g.id[2]);
	OK(store_campaign_put(f->s, &c2, &cid2, &f->e));
	OK(store_deliveries_plan(f->s, cid2, "invite", &added, &f->e));
	assert_int_equal(added, 3);
	sql_int(f, "UPDATE deliveries SET contact_id = %lld, kind = 'confirm' "
		"WHERE id = %lld", (long long)x, (long long)g.id[1]);
	OK(store_outbox_handover(f->s, g.id[2], "<d@x>", 60, &f->e));
	OK(store_outbox_complete(f->s, g.id[2], &dead, &f->e));
	{
		char key[24];

		snprintf(key, sizeof(key), "%lld", (long long)x);
		assert_int_equal(store_contact_find(f->s, "id", key,
						    copy_status, &st, &f->e),
				 1);
	}
	assert_string_equal(st.s, "undeliverable");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM contact_events "
				 "WHERE contact_id = %lld AND reason = "
				 "'550 5.1.1 no such user'", (long long)x), 1);
	/* its other waiting mail will not go out: not the pending invite,
	 * and not the unknown one either (retrying it would write to an
	 * address that does not exist, or to someone who opted out) */
	if (sql_int(f, "SELECT count(*) FROM deliveries WHERE contact_id = "
		    "%lld AND state IN ('pending', 'deferred', 'unknown')",
		    (long long)x) != 0)
		fail_msg("still waiting for an undeliverable contact: %lld "
			 "pending, %lld unknown",
			 sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "contact_id = %lld AND state = 'pending'",
				 (long long)x),
			 sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "contact_id = %lld AND state = 'unknown'",
				 (long long)x));
	store_clock_set(f->s, T0 + 3600);
	assert_int_equal(claim(f, f->s, 100, &g), 2);	/* cid2's others */
	for (int i = 0; i < g.n; i++)
		assert_int_equal(sql_int(f, "SELECT contact_id = %lld FROM "
					 "deliveries WHERE id = %lld",
					 (long long)x, (long long)g.id[i]), 0);
	/* a later plan leaves it out */
	sql_int(f, "UPDATE deliveries SET state = 'sent' WHERE kind = "
		"'invite' AND campaign_id = %lld", (long long)cid);
	OK(store_deliveries_plan(f->s, cid, "reminder", &added, &f->e));
	assert_int_equal(added, 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "contact_id = %lld AND kind = 'reminder'",
				 (long long)x), 0);
	store_free(&s2);
}

/* Unclaim gives rows back (one or all, never one handed over);
 * store_free of an owner gives back what it holds, makes what it handed
 * over unknown, and removes its registration and lock file. */
static void
test_unclaim_and_free(void **state)
{
	struct tfix *f = *state;
	struct store *s2;
	struct got g, g2;

	planned(f, 5);
	s2 = open2(f);
	OK(store_owner_register(s2, "send", 0, &f->e));
	OK(store_owner_register(f->s, "send", 0, &f->e));
	assert_int_equal(lock_files(f), 2);
	assert_int_equal(claim(f, s2, 4, &g), 4);
	OK(store_outbox_handover(s2, g.id[0], "<h@x>", 60, &f->e));
	OK(store_outbox_unclaim(s2, g.id[1], &f->e));
	assert_int_equal(claim(f, f->s, 100, &g2), 2);	/* g.id[1] + 5th */
	assert_true(has_id(&g2, g.id[1]));
	OK(store_outbox_unclaim(f->s, 0, &f->e));
	OK(store_outbox_unclaim(s2, g.id[0], &f->e));	/* handed over */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "state = 'sending' AND owner IS NOT NULL"), 1);
	/* s2 ends with g.id[0] handed over, g.id[2], g.id[3] claimed */
	store_free(&s2);
	assert_int_equal(lock_files(f), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM owners"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "owner IS NOT NULL"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "id = %lld AND state = 'unknown' AND "
				 "unknowns = 1", (long long)g.id[0]), 1);
	assert_int_equal(claim(f, f->s, 100, &g2), 5);
	store_free(&f->s);
	assert_int_equal(lock_files(f), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM owners"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "owner IS NOT NULL"), 0);
	OK(store_open(f->path, &f->s, &f->e));
}

/* ---- registration ---- */

static void
exclusive_child(const char *path, int to_parent, int from_parent)
{
	struct store *s;
	struct err e;
	char c;

	if (store_open(path, &s, &e) != 0 ||
	    store_owner_register(s, "daemon", 1, &e) != 0)
		_exit(2);
	if (write(to_parent, "r", 1) != 1)
		_exit(3);
	(void)!read(from_parent, &c, 1);
	_exit(0);	/* dies holding its registration */
}

/* One exclusive "daemon": a second is refused with a message naming the
 * first one's pid, until the first dies or is freed. */
static void
test_exclusive(void **state)
{
	struct tfix *f = *state;
	struct store *d2, *d3, *snd;
	int up, down, status;
	char want[64], c;
	pid_t pid;

	store_free(&f->s);
	pid = child_start(f, exclusive_child, &up, &down);
	assert_int_equal(read(up, &c, 1), 1);
	OK(store_open(f->path, &f->s, &f->e));
	d2 = open2(f);
	snd = open2(f);
	assert_int_equal(store_owner_register(d2, "daemon", 1, &f->e), -1);
	snprintf(want, sizeof(want), "pid %ld ", (long)pid);
	if (strstr(f->e.msg, want) == NULL)
		fail_msg("'%s' does not name %s", f->e.msg, want);
	assert_int_equal(lock_files(f), 1);	/* the refused one's is gone */
	/* another role is not affected; a refused handle may try again */
	OK(store_owner_register(snd, "send", 1, &f->e));
	assert_int_equal(store_owner_register(d2, "daemon", 1, &f->e), -1);
	/* the first daemon dies without a word */
	assert_int_equal(write(down, "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up);
	close(down);
	OK(store_owner_register(d2, "daemon", 1, &f->e));
	/* in one process: refused while d2 lives, fine once it is freed */
	d3 = open2(f);
	assert_int_equal(store_owner_register(d3, "daemon", 1, &f->e), -1);
	snprintf(want, sizeof(want), "pid %ld ", (long)getpid());
	assert_non_null(strstr(f->e.msg, want));
	store_free(&d2);
	OK(store_owner_register(d3, "daemon", 1, &f->e));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM owners"), 2);
	store_free(&d3);
	store_free(&snd);
}

/* ---- enqueue ---- */

static void
test_enqueue(void **state)
{
	struct tfix *f = *state;
	struct store_enqueue one = {
		.contact_id = 1, .kind = "confirm", .in_reply_to = "<r@x>",
		.vars = "{\"n\":1}",
	};
	struct store_enqueue staff = {
		.rcpt = "staff@x.org", .kind = "problem",
		.not_before = T0 + 100,
	};
	struct store_enqueue nobody = { .kind = "problem" };
	struct got g;
	int64_t cid, id1 = 0, id2 = 0, id;

	store_clock_set(f->s, T0);
	cid = planned(f, 40);
	OK(store_owner_register(f->s, "send", 0, &f->e));
	one.campaign_id = cid;
	OK(store_outbox_enqueue(f->s, &one, &id1, &f->e));
	OK(store_outbox_enqueue(f->s, &staff, &id2, &f->e));
	assert_true(id1 > 0 && id2 > id1);
	assert_int_equal(store_outbox_enqueue(f->s, &nobody, &id, &f->e), -1);
	nobody.rcpt = "";
	assert_int_equal(store_outbox_enqueue(f->s, &nobody, &id, &f->e), -1);
	/* the contact's row now; the staff row only from not_before on */
	assert_int_equal(claim(f, f->s, 100, &g), 41);
	assert_false(has_id(&g, id2));
	{
		int k = has_id(&g, id1) - 1;
		char want[64];

		assert_true(k >= 0);
		assert_true(g.has_contact[k]);
		assert_string_equal(g.rcpt[k], "u000@x.org");
		snprintf(want, sizeof(want), "<r@x>|{\"n\":1}|%lld",
			 (long long)cid);
		assert_string_equal(g.extra[k], want);
	}
	for (int i = 0; i < g.n; i++) {
		struct store_outcome skip = { .state = STORE_D_SKIPPED };

		OK(store_outbox_complete(f->s, g.id[i], &skip, &f->e));
	}
	store_clock_set(f->s, T0 + 99);
	assert_int_equal(claim(f, f->s, 100, &g), 0);
	store_clock_set(f->s, T0 + 100);
	assert_int_equal(claim(f, f->s, 100, &g), 1);
	assert_int_equal(g.id[0], id2);
	assert_false(g.has_contact[0]);
	assert_string_equal(g.rcpt[0], "staff@x.org");
	assert_string_equal(g.extra[0], "||0");
	/* every row its own token: 16 characters of lower-case base32 */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries"), 42);
	assert_int_equal(sql_int(f, "SELECT count(DISTINCT token) FROM "
				 "deliveries"), 42);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "length(token) <> 16 OR token GLOB "
				 "'*[^a-z2-7]*'"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries d JOIN "
				 "contacts c ON c.token = d.token"), 0);
}

/* ---- pauses ---- */

static void
test_pause(void **state)
{
	struct tfix *f = *state;
	const char *site = "smtp.example.org:587";
	int64_t until = 0;
	char *reason = NULL;
	struct got g;

	store_clock_set(f->s, T0);
	planned(f, 3);
	OK(store_owner_register(f->s, "send", 0, &f->e));
	assert_int_equal(claim(f, f->s, 1, &g), 1);
	OK(store_outbox_handover(f->s, g.id[0], "<p@x>", 60, &f->e));
	OK(store_outbox_complete(f->s, g.id[0], &o_sent, &f->e));

	assert_int_equal(store_outbox_paused(f->s, site, &until, &reason,
					     &f->e), 0);
	assert_null(reason);
	OK(store_outbox_pause(f->s, site, T0 + 100, "421 4.7.0 slow down",
			      &f->e));
	assert_int_equal(store_outbox_paused(f->s, site, &until, &reason,
					     &f->e), 1);
	assert_int_equal(until, T0 + 100);
	assert_string_equal(reason, "421 4.7.0 slow down");
	free(reason);
	reason = NULL;
	assert_int_equal(store_outbox_paused(f->s, "other:25", NULL, NULL,
					     &f->e), 0);
	store_clock_set(f->s, T0 + 99);
	assert_int_equal(store_outbox_paused(f->s, site, NULL, NULL, &f->e),
			 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "queued <> %lld", (long long)T0), 0);
	/* over at `until`: the waiting rows get the 100 paused seconds
	 * back, once */
	store_clock_set(f->s, T0 + 100);
	assert_int_equal(store_outbox_paused(f->s, site, &until, &reason,
					     &f->e), 0);
	assert_null(reason);
	assert_int_equal(store_outbox_paused(f->s, site, NULL, NULL, &f->e),
			 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "state = 'pending' AND queued = %lld",
				 (long long)(T0 + 100)), 2);
	/* paused again for 50 s, noticed 200 s later: 50 s back, not 200 */
	OK(store_outbox_pause(f->s, site, T0 + 150, "421", &f->e));
	store_clock_set(f->s, T0 + 350);
	assert_int_equal(store_outbox_paused(f->s, site, NULL, NULL, &f->e),
			 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "state = 'pending' AND queued = %lld",
				 (long long)(T0 + 150)), 2);
	assert_int_equal(sql_int(f, "SELECT queued FROM deliveries WHERE "
				 "state = 'sent'"), T0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM pauses"), 0);
}

struct lifter {
	struct store *s;
	const char *site;
	int rc;
	struct err e;
};

static void *
lift_thread(void *arg)
{
	struct lifter *l = arg;

	l->rc = store_outbox_paused(l->s, l->site, NULL, NULL, &l->e);
	return NULL;
}

/* Two processes that find the same pause over at the same time: the
 * paused time is given back once, not once per process. Handle a reads
 * the ended pause while b holds the write lock; b lifts it and commits;
 * then a gets the lock. */
static void
test_pause_lift_once(void **state)
{
	struct tfix *f = *state;
	const char *site = "smtp.example.org:587";
	struct store *a = open2(f), *b = open2(f);
	struct lifter l = { .s = a, .site = site, .rc = -2 };
	struct timespec ts = { 0, 500 * 1000 * 1000 };
	pthread_t th;

	store_clock_set(f->s, T0);
	planned(f, 2);
	OK(store_outbox_pause(f->s, site, T0 + 100, "421", &f->e));
	store_clock_set(a, T0 + 200);
	store_clock_set(b, T0 + 200);
	OK(store_begin(b, &f->e));
	assert_int_equal(pthread_create(&th, NULL, lift_thread, &l), 0);
	nanosleep(&ts, NULL);	/* a has read the pause, waits for b */
	assert_int_equal(store_outbox_paused(b, site, NULL, NULL, &f->e), 0);
	OK(store_commit(b, &f->e));
	assert_int_equal(pthread_join(th, NULL), 0);
	if (l.rc != 0)
		fail_msg("a: %d %s", l.rc, l.e.msg);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "queued = %lld", (long long)(T0 + 100)), 2);
	store_free(&a);
	store_free(&b);
}

/* ---- the queue for people ---- */

struct qlist {
	int n, owned;
	int64_t id[16];
	int state[16];
};

static int
qrow(void *arg, const struct store_qrow *q)
{
	struct qlist *l = arg;

	if (l->n < 16) {
		l->id[l->n] = q->id;
		l->state[l->n] = q->state;
	}
	l->n++;
	if (q->owner != NULL) {
		char want[32];

		snprintf(want, sizeof(want), "pid %ld on ", (long)getpid());
		assert_non_null(strstr(q->owner, want));
		l->owned++;
	}
	return 0;
}

static void
test_queue(void **state)
{
	struct tfix *f = *state;
	struct store_campaign c2 = { .name = "other", .kind = "survey",
				     .audience = { .country = "BG" } };
	struct store_outcome later = { .state = STORE_D_DEFERRED,
				       .reply = "451",
				       .next_attempt = T0 + 3600 };
	struct qlist q = { 0 };
	long n = -1, counts[STORE_D_N];
	int64_t cid, cid2 = 0, def;
	struct got g;

	store_clock_set(f->s, T0);
	cid = planned(f, 4);
	OK(store_campaign_put(f->s, &c2, &cid2, &f->e));
	OK(store_deliveries_plan(f->s, cid2, "invite", &n, &f->e));
	assert_int_equal(n, 4);
	OK(store_owner_register(f->s, "send", 0, &f->e));
	assert_int_equal(claim(f, f->s, 2, &g), 2);
	def = g.id[0];
	OK(store_outbox_handover(f->s, def, "<q@x>", 60, &f->e));
	OK(store_outbox_complete(f->s, def, &later, &f->e));
	OK(store_queue_each(f->s, cid, qrow, &q, &f->e));
	assert_int_equal(q.n, 4);
	assert_int_equal(q.owned, 1);	/* g.id[1], still claimed */
	memset(&q, 0, sizeof(q));
	OK(store_queue_each(f->s, 0, qrow, &q, &f->e));
	assert_int_equal(q.n, 8);
	/* a claimed row is the sender's: neither retried nor cancelled */
	OK(store_queue_cancel(f->s, g.id[1], 0, &n, &f->e));
	assert_int_equal(n, 0);
	OK(store_outbox_unclaim(f->s, 0, &f->e));

	/* retry: the deferred row is due now */
	assert_int_equal(claim(f, f->s, 100, &g), 7);
	assert_false(has_id(&g, def));
	OK(store_outbox_unclaim(f->s, 0, &f->e));
	OK(store_queue_retry(f->s, def, 0, &n, &f->e));
	assert_int_equal(n, 1);
	assert_int_equal(claim(f, f->s, 100, &g), 8);
	assert_true(has_id(&g, def));
	OK(store_outbox_unclaim(f->s, 0, &f->e));

	/* cancel one, then the rest of the campaign */
	OK(store_queue_cancel(f->s, def, 0, &n, &f->e));
	assert_int_equal(n, 1);
	OK(store_queue_cancel(f->s, def, 0, &n, &f->e));
	assert_int_equal(n, 0);
	OK(store_queue_cancel(f->s, 0, cid, &n, &f->e));
	assert_int_equal(n, 3);
	OK(store_delivery_counts(f->s, cid, NULL, counts, &f->e));
	assert_int_equal(counts[STORE_D_CANCELLED], 4);
	OK(store_queue_retry(f->s, 0, cid, &n, &f->e));
	assert_int_equal(n, 0);	/* cancelled rows do not come back */
	store_clock_set(f->s, T0 + 86400 * 30);
	assert_int_equal(claim(f, f->s, 100, &g), 4);	/* cid2's only */
	for (int i = 0; i < g.n; i++)
		assert_int_equal(sql_int(f, "SELECT campaign_id FROM "
					 "deliveries WHERE id = %lld",
					 (long long)g.id[i]), cid2);
	memset(&q, 0, sizeof(q));
	OK(store_queue_each(f->s, cid, qrow, &q, &f->e));
	assert_int_equal(q.n, 0);
}

/* ---- migration from version 2 ---- */

static void
test_migrate_v2(void **state)
{
	struct tfix *f = *state;
	char path[160];
	struct store *s;
	struct got g;
	long n = -1;

	snprintf(path, sizeof(path), "%s/v2.db", f->dir);
	s = tfix_old_store(path, 2,
		"INSERT INTO contacts(id, email, token, created, updated) "
		"VALUES (3, 'a@x.org', 'tokena', 0, 0), "
		"(4, 'b@x.org', 'tokenb', 0, 0);"
		"INSERT INTO campaigns(id, name, kind, created, updated) "
		"VALUES (5, 'fs26', 'survey', 0, 0);"
		"INSERT INTO deliveries(id, campaign_id, contact_id, kind, "
		"state, message_id, attempts, claim, created, updated) VALUES "
		"(7, 5, 3, 'invite', 'sent', '<m@x>', 1, NULL, 10, 11), "
		"(8, 5, 4, 'invite', 'sending', '<s@x>', 1, 42, 12, 13), "
		"(9, 5, 3, 'reminder', 'pending', NULL, 0, NULL, 14, 14), "
		"(10, 5, 3, 'confirm', 'sent', '<c@x>', 1, NULL, 15, 15), "
		"(11, 5, 4, 'reminder', 'deferred', '<d@x>', 1, NULL, 16, "
		"17);"
		"INSERT INTO inbound(id, src_key, kind, contact_id, "
		"campaign_id, delivery_id, created) VALUES "
		"(1, 'k1', 'answers', 3, 5, 7, 0), "
		"(2, 'k2', 'bounce', 4, 5, 8, 0), "
		"(3, 'k3', 'answers', 3, 5, 10, 0);"
		"PRAGMA user_version = 2;");
	{
		const char *q[] = {
			/* rows kept with their ids and Message-IDs */
			"SELECT count(*) FROM deliveries WHERE "
			"(id, coalesce(message_id, '')) IN (VALUES (7, '<m@x>'),"
			" (8, '<s@x>'), (9, ''), (10, '<c@x>'), (11, '<d@x>'))",
			/* SENDING was cut off: unknown, counted, due */
			"SELECT count(*) FROM deliveries WHERE id = 8 AND "
			"state = 'unknown' AND unknowns = 1 AND attempts = 1 "
			"AND owner IS NULL AND next_attempt = 0",
			"SELECT count(*) FROM deliveries WHERE unknowns = 0 "
			"AND state = CASE id WHEN 7 THEN 'sent' WHEN 9 THEN "
			"'pending' WHEN 10 THEN 'sent' ELSE 'deferred' END",
			"SELECT count(DISTINCT token) FROM deliveries WHERE "
			"length(token) = 16 AND token NOT GLOB '*[^a-z2-7]*'",
			"SELECT count(*) FROM deliveries WHERE queued = created",
			"SELECT count(*) FROM inbound i JOIN deliveries d ON "
			"d.id = i.delivery_id AND d.contact_id = i.contact_id",
			"SELECT count(*) FROM pragma_foreign_key_check",
			"SELECT count(*) FROM pragma_table_info('deliveries') "
			"WHERE name = 'claim'",
		};
		const int want[] = { 5, 1, 4, 5, 5, 3, 0, 0 };

		tfix_sql_expect(path, q, want, sizeof(want) / sizeof(want[0]));
	}
	/* the unknown row goes again with its Message-ID */
	OK(store_owner_register(s, "send", 0, &f->e));
	memset(&g, 0, sizeof(g));
	OK(store_outbox_claim(s, NULL, 100, 60, got_row, &g, &n, &f->e));
	assert_int_equal(n, 3);	/* 8 unknown, 9 pending, 11 deferred */
	assert_true(has_id(&g, 8) && has_id(&g, 9) && has_id(&g, 11));
	assert_string_equal(g.msgid[has_id(&g, 8) - 1], "<s@x>");
	assert_int_equal(g.state[has_id(&g, 8) - 1], STORE_D_UNKNOWN);
	store_free(&s);
}

/* ---- several senders, one file ---- */

#define CONC_ROWS 500
#define CONC_KIDS 3

/* One sender process: claim 8, hand over, record SENT, until nothing is
 * due. Writes "count|error" to fd; exit status 0 only without error. */
static void
sender_child(const char *path, int fd, int k)
{
	struct store *s = NULL;
	struct err e;
	char out[ERR_MAX + 32];
	long done = 0, n;
	int rc = 0;

	e.msg[0] = '\0';
	if (store_open(path, &s, &e) != 0 ||
	    store_owner_register(s, "send", 0, &e) != 0)
		rc = -1;
	while (rc == 0) {
		struct got g = { 0 };

		rc = store_outbox_claim(s, NULL, 8, 600, got_row, &g, &n, &e);
		if (rc != 0 || n == 0)
			break;
		if (n != g.n) {
			snprintf(e.msg, sizeof(e.msg), "claimed %ld, got %d",
				 n, g.n);
			rc = -1;
		}
		for (int i = 0; rc == 0 && i < g.n; i++) {
			char m[48];

			snprintf(m, sizeof(m), "<%lld.%d@t>",
				 (long long)g.id[i], k);
			rc = store_outbox_handover(s, g.id[i], m, 600, &e);
			if (rc == 0)
				rc = store_outbox_complete(s, g.id[i], &o_sent,
							   &e);
			if (rc == 1)
				snprintf(e.msg, sizeof(e.msg), "row %lld: "
					 "claim lost", (long long)g.id[i]);
			done += rc == 0;
		}
	}
	if (rc == 0)
		e.msg[0] = '\0';
	store_free(&s);
	snprintf(out, sizeof(out), "%ld|%s", done, e.msg);
	if (write(fd, out, strlen(out)) < 0)
		rc = -1;
	_exit(rc == 0 ? 0 : 1);
}

/* Three sender processes over one file of 500 rows while this process
 * keeps committing other writes: every row sent exactly once (one
 * hand-over each), and no error reaches anyone ("database is locked"
 * included). */
static void
test_concurrent_senders(void **state)
{
	struct tfix *f = *state;
	pid_t pid[CONC_KIDS];
	int fd[CONC_KIDS], live = CONC_KIDS;
	long total = 0, writes = 0;

	planned(f, CONC_ROWS);
	store_free(&f->s);	/* no connection across the fork */
	for (int k = 0; k < CONC_KIDS; k++) {
		int p[2];

		assert_int_equal(pipe(p), 0);
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0) {
			close(p[0]);
			sender_child(f->path, p[1], k);
		}
		close(p[1]);
		fd[k] = p[0];
	}
	OK(store_open(f->path, &f->s, &f->e));
	while (live > 0) {
		struct store_contact c = { .country = "CZ" };
		char email[32];
		int64_t id;
		int created, status;

		snprintf(email, sizeof(email), "w%ld@x.org", writes % 50);
		c.email = email;
		OK(store_begin(f->s, &f->e));
		OK(store_contact_upsert(f->s, &c, &id, &created, &f->e));
		OK(store_commit(f->s, &f->e));
		writes++;
		for (int k = 0; k < CONC_KIDS; k++) {
			if (pid[k] <= 0 || waitpid(pid[k], &status,
						   WNOHANG) != pid[k])
				continue;
			{
				char buf[ERR_MAX + 64] = "";
				ssize_t r = read(fd[k], buf, sizeof(buf) - 1);
				char *bar = strchr(buf, '|');

				if (r <= 0 || bar == NULL)
					fail_msg("sender %d: no report", k);
				if (bar[1] != '\0')
					fail_msg("sender %d: %s", k, bar + 1);
				if (!WIFEXITED(status) ||
				    WEXITSTATUS(status) != 0)
					fail_msg("sender %d: status %d", k,
						 status);
				total += strtol(buf, NULL, 10);
			}
			close(fd[k]);
			pid[k] = 0;
			live--;
		}
	}
	assert_true(writes > 0);
	assert_int_equal(total, CONC_ROWS);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "state = 'sent' AND attempts = 1"),
			 CONC_ROWS);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries"),
			 CONC_ROWS);
	assert_int_equal(sql_int(f, "SELECT count(DISTINCT message_id) FROM "
				 "deliveries"), CONC_ROWS);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM owners"), 0);
	assert_int_equal(lock_files(f), 0);
}

/* ---- the cost of the hot statements (the migration that rebuilds deliveries) ---- */

/* The cached statement of s whose SQL contains what, or NULL. */
static sqlite3_stmt *
cached(struct store *s, const char *what)
{
	for (size_t i = 0; i < s->ncache; i++)
		if (strstr(s->cache[i].sql, what) != NULL)
			return s->cache[i].st;
	return NULL;
}

/* Temporary b-trees the statement opens (EXPLAIN's OpenEphemeral). */
static int
ephemeral(struct store *s, sqlite3_stmt *st)
{
	char *sql = xasprintf("EXPLAIN %s", sqlite3_sql(st));
	sqlite3_stmt *x;
	int n = 0;

	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &x, NULL),
			 SQLITE_OK);
	while (sqlite3_step(x) == SQLITE_ROW)
		n += strcmp((const char *)sqlite3_column_text(x, 1),
			    "OpenEphemeral") == 0;
	sqlite3_finalize(x);
	free(sql);
	return n;
}

/* A claim finds due rows through deliveries_queue (the waiting rows
 * nobody holds), never by a scan of the table; the hand-over, the
 * outcome and reading a claimed row build
 * no temporary b-tree (the IN lists of the waiting states, of the
 * index's WHERE and of the table's CHECK on state did, each time). A
 * state change no longer moves an entry of an index on state. */
static void
test_hot_statements(void **state)
{
	struct tfix *f = *state;
	struct got g;
	sqlite3_stmt *st;

	planned(f, 40);
	OK(store_owner_register(f->s, "send", 0, &f->e));
	assert_int_equal(claim(f, f->s, 16, &g), 16);
	for (int i = 0; i < 2; i++) {
		char msgid[32];

		snprintf(msgid, sizeof(msgid), "<m%d@x>", i);
		OK(store_outbox_handover(f->s, g.id[i], msgid, 60, &f->e));
		OK(store_outbox_complete(f->s, g.id[i], &o_sent, &f->e));
	}
	assert_int_equal(claim(f, f->s, 16, &g), 16);
	assert_non_null(st = cached(f->s, "SET owner = ?1, lease_until"));
	assert_int_equal(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP,
					     0), 0);
	assert_non_null(st = cached(f->s, "SET state = 'sending'"));
	assert_int_equal(ephemeral(f->s, st), 0);
	assert_non_null(st = cached(f->s, "SET state = ?2, last_reply"));
	assert_int_equal(ephemeral(f->s, st), 0);
	assert_non_null(st = cached(f->s, "LEFT JOIN contacts c ON"));
	assert_int_equal(ephemeral(f->s, st), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sqlite_master WHERE "
				 "name = 'deliveries_due'"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM "
				 "pragma_index_info('deliveries_campaign')"),
			 3);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sqlite_master WHERE "
				 "name = 'deliveries_queue' AND sql LIKE "
				 "'%%WHERE (state = ''pending'' OR%%) AND "
				 "owner IS NULL'"), 1);
	/* the CHECK still refuses a state that is none */
	assert_int_equal(sqlite3_exec(f->s->db, "UPDATE deliveries SET state "
				      "= 'lost' WHERE id = 1", NULL, NULL,
				      NULL), SQLITE_CONSTRAINT_CHECK);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, tfix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_claim_disjoint),
		T(test_dead_owner_exit),
		T(test_dead_owner_killed),
		T(test_live_owner_kept),
		T(test_hung_owner_lease),
		T(test_complete_rules),
		T(test_unclaim_and_free),
		T(test_exclusive),
		T(test_enqueue),
		T(test_pause),
		T(test_pause_lift_once),
		T(test_queue),
		T(test_migrate_v2),
		T(test_hot_statements),
		T(test_concurrent_senders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
