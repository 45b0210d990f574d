/*
 * test_status.c -- what `anketa status` reads (store_status.c) and how it
 * names a campaign's state (status.c): counts by state, the next due
 * time, the last errors newest first, deferred mail grouped by domain
 * and reason, owners alive and dead, inbound counts by kind, and the
 * JSON picture as a whole. Times come from the store's clock (T0), never
 * from the wall clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "status.h"
#include "store/store_status.h"
#include "tfix.h"

#define T0 INT64_C(1800000000)	/* 2027-01-15 08:00 UTC */
#define OK(call) TFIX_OK(f, call)

static int
fx_setup(void **state)
{
	int rc = tfix_setup(state, "test_status");

	if (rc == 0)
		store_clock_set(((struct tfix *)*state)->s, T0);
	return rc;
}

/* Contacts a@one.org, b@one.org, c@two.org, d@two.org and a campaign
 * "fs" to all of them with its invitations planned. */
static int64_t
planned(struct tfix *f, const char *deadline)
{
	const char *mail[] = { "a@one.org", "b@one.org", "c@Two.org",
			       "d@two.org" };
	struct store_campaign c = { .name = "fs", .kind = "survey",
				    .deadline = deadline,
				    .audience = { .country = "BG" } };
	int64_t cid = 0, id;
	long added = 0;
	int created;

	OK(store_begin(f->s, &f->e));
	for (size_t i = 0; i < 4; i++) {
		struct store_contact k = { .email = mail[i], .country = "BG" };
		OK(store_contact_upsert(f->s, &k, &id, &created, &f->e));
	}
	OK(store_commit(f->s, &f->e));
	OK(store_campaign_put(f->s, &c, &cid, &f->e));
	OK(store_deliveries_plan(f->s, cid, "invite", &added, &f->e));
	assert_int_equal(added, 4);
	return cid;
}

struct ids {
	int64_t id[8];
	char rcpt[8][32];
	int n;
};

static int
got(void *arg, const struct store_outrow *r)
{
	struct ids *g = arg;

	g->id[g->n] = r->id;
	snprintf(g->rcpt[g->n++], sizeof(g->rcpt[0]), "%s", r->rcpt);
	return 0;
}

/* Claim every row, hand each over and give row i outcome o[i]; the
 * clock moves one second per outcome so "newest" means something. */
static void
outcomes(struct tfix *f, const struct store_outcome o[], int n)
{
	struct ids g = { 0 };
	long claimed = 0;

	OK(store_owner_register(f->s, "send", 0, &f->e));
	OK(store_outbox_claim(f->s, NULL, 8, 60, got, &g, &claimed, &f->e));
	assert_int_equal(claimed, n);
	for (int i = 0; i < n; i++) {
		store_clock_set(f->s, T0 + i);
		OK(store_outbox_handover(f->s, g.id[i], NULL, 60, &f->e));
		OK(store_outbox_complete(f->s, g.id[i], &o[i], &f->e));
	}
}

/* Rows: a sent, b deferred (451, due at T0+600), c deferred (451, due
 * at T0+300), d failed (550). */
static const struct store_outcome four[] = {
	{ .state = STORE_D_SENT, .reply = "250 ok" },
	{ .state = STORE_D_DEFERRED, .reply = "451 4.3.0 try later",
	  .next_attempt = T0 + 600 },
	{ .state = STORE_D_DEFERRED, .reply = "451 4.3.0 try later",
	  .next_attempt = T0 + 300 },
	{ .state = STORE_D_FAILED, .reply = "550 5.1.1 no such user" },
};

static void
test_counts_and_due(void **state)
{
	struct tfix *f = *state;
	long n[STORE_D_N];
	int64_t t = -1;
	int64_t cid = planned(f, NULL);

	OK(store_status_counts(f->s, n, &f->e));
	assert_int_equal(n[STORE_D_PENDING], 4);
	/* every row waits since its enqueue: due at once */
	assert_int_equal(store_status_due(f->s, cid, &t, &f->e), 1);
	assert_true(t <= T0);
	outcomes(f, four, 4);
	OK(store_status_counts(f->s, n, &f->e));
	assert_int_equal(n[STORE_D_PENDING], 0);
	assert_int_equal(n[STORE_D_SENT], 1);
	assert_int_equal(n[STORE_D_DEFERRED], 2);
	assert_int_equal(n[STORE_D_FAILED], 1);
	/* the earlier of the two deferred rows */
	assert_int_equal(store_status_due(f->s, cid, &t, &f->e), 1);
	assert_int_equal(t, T0 + 300);
	assert_int_equal(store_status_due(f->s, 0, &t, &f->e), 1);
	assert_int_equal(t, T0 + 300);
	/* a row that may not go before its time is due then, not before */
	{
		struct store_enqueue q = { .campaign_id = cid,
					   .rcpt = "staff@one.org",
					   .kind = "problem",
					   .not_before = T0 + 100 };
		int64_t id;

		OK(store_outbox_enqueue(f->s, &q, &id, &f->e));
	}
	assert_int_equal(store_status_due(f->s, cid, &t, &f->e), 1);
	assert_int_equal(t, T0 + 100);
	/* another campaign's rows are not this one's */
	assert_int_equal(store_status_due(f->s, cid + 1, &t, &f->e), 0);
}

struct errs {
	char line[8][96];
	int n;
};

static int
err_row(void *arg, const struct store_serror *r)
{
	struct errs *x = arg;

	snprintf(x->line[x->n++], sizeof(x->line[0]), "%s %s %d %lld %s",
		 store_dstate_name(r->state), r->rcpt, r->attempts,
		 (long long)(r->when - T0), r->reply);
	return 0;
}

static void
test_errors_newest_first(void **state)
{
	struct tfix *f = *state;
	struct errs x = { 0 };
	int64_t cid = planned(f, NULL);

	outcomes(f, four, 4);
	OK(store_status_errors(f->s, cid, 5, err_row, &x, &f->e));
	/* the sent row's 250 is no error; the address as the contact has
	 * it, stored lower case */
	assert_int_equal(x.n, 3);
	assert_string_equal(x.line[0], "failed d@two.org 1 3 "
			    "550 5.1.1 no such user");
	assert_string_equal(x.line[1], "deferred c@two.org 1 2 "
			    "451 4.3.0 try later");
	assert_string_equal(x.line[2], "deferred b@one.org 1 1 "
			    "451 4.3.0 try later");
	memset(&x, 0, sizeof(x));
	OK(store_status_errors(f->s, cid, 1, err_row, &x, &f->e));
	assert_int_equal(x.n, 1);
	memset(&x, 0, sizeof(x));
	OK(store_status_errors(f->s, cid + 1, 5, err_row, &x, &f->e));
	assert_int_equal(x.n, 0);
}

static int
group_row(void *arg, const struct store_sdeferred *g)
{
	struct errs *x = arg;

	snprintf(x->line[x->n++], sizeof(x->line[0]), "%ld %s %lld %s",
		 g->n, g->domain, (long long)(g->next_attempt - T0),
		 g->reason);
	return 0;
}

static void
test_deferred_groups(void **state)
{
	struct tfix *f = *state;
	struct errs x = { 0 };
	const struct store_outcome o[] = {
		{ .state = STORE_D_DEFERRED, .reply = "421 busy",
		  .next_attempt = T0 + 60 },
		four[1], four[2],
		{ .state = STORE_D_DEFERRED, .reply = "451 4.3.0 try later",
		  .next_attempt = T0 + 900 },
	};

	planned(f, NULL);
	outcomes(f, o, 4);
	OK(store_status_deferred(f->s, 10, group_row, &x, &f->e));
	/* two.org's two rows share a reply; one.org's two differ */
	assert_int_equal(x.n, 3);
	assert_string_equal(x.line[0], "2 two.org 300 451 4.3.0 try later");
	assert_string_equal(x.line[1], "1 one.org 60 421 busy");
	assert_string_equal(x.line[2], "1 one.org 600 451 4.3.0 try later");
	memset(&x, 0, sizeof(x));
	OK(store_status_deferred(f->s, 1, group_row, &x, &f->e));
	assert_int_equal(x.n, 1);
}

static int
owner_row(void *arg, const struct store_sowner *o)
{
	struct errs *x = arg;

	snprintf(x->line[x->n++], sizeof(x->line[0]), "%s %lld %d %lld",
		 o->role, (long long)o->pid, o->alive,
		 (long long)(o->started - T0));
	return 0;
}

/* A child registers as "daemon" and exits without store_free: its row
 * stays, its lock goes with the process. */
static void
dead_daemon(const char *path)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *s = NULL;
		struct err e;

		if (store_open(path, &s, &e) != 0)
			_exit(1);
		store_clock_set(s, T0 + 5);
		_exit(store_owner_register(s, "daemon", 1, &e) == 0 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
test_owners(void **state)
{
	struct tfix *f = *state;
	struct errs x = { 0 };
	struct store *r = NULL;
	char want[96];

	OK(store_owner_register(f->s, "daemon", 1, &f->e));
	OK(store_open_reader(f->path, &r, &f->e));
	OK(store_status_owners(r, "daemon", owner_row, &x, &f->e));
	snprintf(want, sizeof(want), "daemon %ld 1 0", (long)getpid());
	assert_int_equal(x.n, 1);
	assert_string_equal(x.line[0], want);
	/* ended cleanly: no row at all */
	store_free(&f->s);
	memset(&x, 0, sizeof(x));
	OK(store_status_owners(r, NULL, owner_row, &x, &f->e));
	assert_int_equal(x.n, 0);
	/* died: the row says pid, the lock says dead */
	store_free(&r);
	dead_daemon(f->path);
	OK(store_open_reader(f->path, &r, &f->e));
	OK(store_status_owners(r, "daemon", owner_row, &x, &f->e));
	assert_int_equal(x.n, 1);
	assert_int_equal(strncmp(x.line[0], "daemon ", 7), 0);
	assert_non_null(strstr(x.line[0], " 0 5"));
	store_free(&r);
}

static int
kind_row(void *arg, const char *kind, long n, int64_t last)
{
	struct errs *x = arg;

	snprintf(x->line[x->n++], sizeof(x->line[0]), "%s %ld %lld", kind, n,
		 (long long)(last - T0));
	return 0;
}

static void
test_inbound_kinds(void **state)
{
	struct tfix *f = *state;
	struct errs x = { 0 };
	char want[2][96];
	const enum store_ikind k[] = { STORE_I_BOUNCE, STORE_I_ANSWERS,
				       STORE_I_BOUNCE };

	for (int i = 0; i < 3; i++) {
		char key[32];
		struct store_inbound m = { .src_key = key, .kind = k[i] };

		snprintf(key, sizeof(key), "maildir:/x/%d", i);
		OK(store_begin(f->s, &f->e));
		OK(store_inbound_add(f->s, &m, NULL, &f->e));
		OK(store_commit(f->s, &f->e));
	}
	OK(store_status_inbound(f->s, kind_row, &x, &f->e));
	/* an inbound row's time is when it was recorded (the wall clock,
	 * not the store's): the file says which is the newest */
	snprintf(want[0], sizeof(want[0]), "answers 1 %lld", tfix_sql_int(f,
		 "SELECT created FROM inbound WHERE kind = 'answers'") - T0);
	snprintf(want[1], sizeof(want[1]), "bounce 2 %lld", tfix_sql_int(f,
		 "SELECT max(created) FROM inbound WHERE kind = 'bounce'") -
		 T0);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.line[0], want[0]);
	assert_string_equal(x.line[1], want[1]);
}

static int
mailbox_row(void *arg, const char *source, int64_t uidvalidity,
	    int64_t last_uid, int64_t updated)
{
	struct errs *x = arg;

	snprintf(x->line[x->n++], sizeof(x->line[0]), "%s %lld %lld %d",
		 source, (long long)uidvalidity, (long long)last_uid,
		 updated > 0);
	return 0;
}

static void
test_mailboxes(void **state)
{
	struct tfix *f = *state;
	struct errs x = { 0 };

	OK(store_status_mailboxes(f->s, mailbox_row, &x, &f->e));
	assert_int_equal(x.n, 0);
	OK(store_mailbox_set(f->s, "imap://h:143/INBOX", 7, 42, &f->e));
	OK(store_mailbox_set(f->s, "imap://a:143/INBOX", 1, 3, &f->e));
	OK(store_status_mailboxes(f->s, mailbox_row, &x, &f->e));
	assert_int_equal(x.n, 2);
	assert_string_equal(x.line[0], "imap://a:143/INBOX 1 3 1");
	assert_string_equal(x.line[1], "imap://h:143/INBOX 7 42 1");
}

static void
test_campaign_state(void **state)
{
	long none[STORE_D_N] = { 0 }, waiting[STORE_D_N] = { 0 };
	long done[STORE_D_N] = { 0 };

	(void)state;
	waiting[STORE_D_DEFERRED] = 1;
	done[STORE_D_SENT] = 3;
	/* the deadline is an instant (UTC): closed from it on */
	struct store_campaign c = { .deadline_at = T0 + 1 };

	assert_string_equal(status_campaign_state(&c, none, T0, 0), "draft");
	assert_string_equal(status_campaign_state(&c, waiting, T0, 0),
			    "open");
	assert_string_equal(status_campaign_state(&c, waiting, T0 + 1, 0),
			    "closed");
	assert_string_equal(status_campaign_state(&c, none, T0 + 1, 0),
			    "closed");
	assert_string_equal(status_campaign_state(&c, waiting, T0, 1),
			    "paused");
	/* nothing waits: a pause holds nothing of it back */
	assert_string_equal(status_campaign_state(&c, done, T0, 1), "open");
	/* a person's pause holds it even with nothing waiting */
	c.hold = "paused";
	assert_string_equal(status_campaign_state(&c, done, T0, 0),
			    "paused");
}

/* The whole picture as --json writes it. */
static void
test_json(void **state)
{
	struct tfix *f = *state;
	struct config cfg;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	json_t *root, *c;
	json_error_t je;

	planned(f, "2027-02-01");
	outcomes(f, four, 4);
	memset(&cfg, 0, sizeof(cfg));
	cfg.imap.url = "maildir:/srv/in";
	OK(store_outbox_pause(f->s, "mx:25", T0 + 3600, "421 closing",
			      &f->e));
	OK(status_write(f->s, &cfg, 1, out, &f->e));
	fclose(out);
	root = json_loads(text, 0, &je);
	assert_non_null(root);
	c = json_array_get(json_object_get(root, "campaigns"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "state")),
			    "paused");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		c, "deliveries"), "deferred")), 2);
	assert_int_equal(json_array_size(json_object_get(c, "errors")), 3);
	/* nothing goes before the pause ends */
	assert_string_equal(json_string_value(json_object_get(c, "next_due")),
			    "2027-01-15T09:00:00Z");
	assert_true(json_is_false(json_object_get(json_object_get(root,
		"daemon"), "running")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		root, "mailbox"), "source")), "maildir:/srv/in");
	json_decref(root);
	free(text);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, tfix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_counts_and_due),
		T(test_errors_newest_first),
		T(test_deferred_groups),
		T(test_owners),
		T(test_inbound_kinds),
		T(test_mailboxes),
		cmocka_unit_test(test_campaign_state),
		T(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
