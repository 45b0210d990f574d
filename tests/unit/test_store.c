/*
 * test_store.c -- the state store against a temporary SQLite file:
 * migrations, WAL, contacts and filters, questionnaires, campaigns,
 * deliveries (plan, claim, hand-over, outcome, lookups), mailboxes,
 * inbound, responses and reports, errors that name the file, a store
 * this process cannot write opened to read. Owners, claims between
 * processes and the rest of the outbox: test_outbox.c.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_private.h"	/* store_nmigrations: the newest */
#include "base/xmem.h"
#include "tfix.h"

/* The shared fixture (tfix.h) under the short names this file uses. */
#define OK(call) TFIX_OK(f, call)
#define sql_int tfix_sql_int

static int
fx_setup(void **state)
{
	return tfix_setup(state, "test_store");
}

/* ---- helpers ---- */

static int64_t
add_contact(struct tfix *f, const char *email, const char *country,
	    const char *groups, int *created_r)
{
	struct store_contact c = {
		.email = email, .name = "N", .country = country,
		.language = "en", .role = "teacher", .groups = groups,
	};
	int64_t id = 0;
	int created = -1;

	OK(store_begin(f->s, &f->e));
	OK(store_contact_upsert(f->s, &c, &id, &created, &f->e));
	OK(store_commit(f->s, &f->e));
	if (created_r)
		*created_r = created;
	assert_true(id > 0);
	return id;
}

struct copy {
	char email[128], token[32], groups[128], status[32];
	int64_t id;
	long n;
};

static int
copy_contact(void *arg, const struct store_contact *c)
{
	struct copy *k = arg;

	k->n++;
	k->id = c->id;
	snprintf(k->email, sizeof(k->email), "%s", c->email);
	snprintf(k->token, sizeof(k->token), "%s", c->token);
	snprintf(k->groups, sizeof(k->groups), "%s",
		 c->groups ? c->groups : "");
	snprintf(k->status, sizeof(k->status), "%s", c->status);
	return 0;
}

/* Comma-joined emails of the contacts a filter selects. */
struct joined {
	char s[512];
};

static int
join_email(void *arg, const struct store_contact *c)
{
	struct joined *j = arg;
	size_t n = strlen(j->s);

	snprintf(j->s + n, sizeof(j->s) - n, "%s%s", n ? "," : "", c->email);
	return 0;
}

/* ---- open and migrations ---- */

static void
test_open_migrate(void **state)
{
	struct tfix *f = *state;
	int v = store_schema_version(f->s);

	assert_true(v >= 1);
	assert_int_equal(sql_int(f, "PRAGMA user_version"), v);
	/* re-open: nothing to apply, same version, data kept */
	add_contact(f, "keep@example.org", "BG", NULL, NULL);
	store_free(&f->s);
	OK(store_open(f->path, &f->s, &f->e));
	assert_int_equal(store_schema_version(f->s), v);
	assert_int_equal(store_contact_find(f->s, "email", "keep@example.org",
					    NULL, NULL, &f->e), 1);
}

static void
test_wal(void **state)
{
	struct tfix *f = *state;
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1,
					    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
test_open_newer_schema(void **state)
{
	struct tfix *f = *state;
	struct store *s2 = NULL;
	sqlite3 *db;

	store_free(&f->s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &s2, &f->e), -1);
	assert_null(s2);
	assert_non_null(strstr(f->e.msg, "newer"));
	/* let teardown work on a store again */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	{
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu",
			 store_nmigrations);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	sqlite3_close(db);
	OK(store_open(f->path, &f->s, &f->e));
}

/* Two handles on one file (daemon and fetch child): a reader is never
 * blocked by an open write transaction and sees only committed data. */
static void
test_two_handles(void **state)
{
	struct tfix *f = *state;
	struct store_contact c = { .email = "w@x.org" };
	struct store *r = NULL;
	int64_t id;
	int created;

	OK(store_open(f->path, &r, &f->e));
	OK(store_begin(f->s, &f->e));
	OK(store_contact_upsert(f->s, &c, &id, &created, &f->e));
	assert_int_equal(store_contact_find(r, "email", "w@x.org", NULL, NULL,
					    &f->e), 0);
	OK(store_commit(f->s, &f->e));
	assert_int_equal(store_contact_find(r, "email", "w@x.org", NULL, NULL,
					    &f->e), 1);
	store_free(&r);
}

/* ---- contacts ---- */

static void
test_contact_upsert(void **state)
{
	struct tfix *f = *state;
	struct copy a = { 0 }, b = { 0 };
	int created;
	int64_t id1, id2;

	id1 = add_contact(f, "  Ivan.Petrov@Example.BG ", "BG", "a, b",
			  &created);
	assert_int_equal(created, 1);
	assert_int_equal(store_contact_find(f->s, "id", "1", copy_contact, &a,
					    &f->e), 1);
	assert_string_equal(a.email, "ivan.petrov@example.bg");
	assert_int_equal(strlen(a.token), 16);
	assert_int_equal(strspn(a.token, "abcdefghijklmnopqrstuvwxyz234567"),
			 16);
	assert_string_equal(a.groups, "a,b");
	assert_string_equal(a.status, "ok");

	id2 = add_contact(f, "IVAN.PETROV@example.bg", "BE", "c", &created);
	assert_int_equal(created, 0);
	assert_int_equal(id2, id1);
	assert_int_equal(store_contact_find(f->s, "token", a.token,
					    copy_contact, &b, &f->e), 1);
	assert_string_equal(b.token, a.token);	/* token never changes */
	assert_string_equal(b.groups, "c");	/* groups replaced */
	assert_int_equal(store_contact_find(f->s, "email", "Ivan.Petrov@"
					    "EXAMPLE.bg", NULL, NULL, &f->e),
			 1);
	assert_int_equal(store_contact_find(f->s, "token", "nosuchtoken",
					    NULL, NULL, &f->e), 0);
	assert_int_equal(store_contact_find(f->s, "name", "x", NULL, NULL,
					    &f->e), -1);

	/* a second contact gets a different token */
	add_contact(f, "other@example.bg", "BG", NULL, NULL);
	memset(&b, 0, sizeof(b));
	assert_int_equal(store_contact_find(f->s, "email", "other@example.bg",
					    copy_contact, &b, &f->e), 1);
	assert_string_not_equal(b.token, a.token);
}

static void
test_contact_status(void **state)
{
	struct tfix *f = *state;
	struct copy a = { 0 };
	int64_t id = add_contact(f, "x@example.cz", "CZ", NULL, NULL);

	OK(store_contact_set_status(f->s, id, "undeliverable",
				    "5.1.1 user unknown", &f->e));
	assert_int_equal(store_contact_find(f->s, "email", "x@example.cz",
					    copy_contact, &a, &f->e), 1);
	assert_string_equal(a.status, "undeliverable");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM contact_events "
				 "WHERE reason = '5.1.1 user unknown'"), 1);
	assert_int_equal(store_contact_set_status(f->s, 999, "ok", NULL,
						  &f->e), -1);
	assert_non_null(strstr(f->e.msg, "999"));
	/* an upsert keeps the status it was not given */
	add_contact(f, "x@example.cz", "CZ", NULL, NULL);
	memset(&a, 0, sizeof(a));
	store_contact_find(f->s, "email", "x@example.cz", copy_contact, &a,
			   &f->e);
	assert_string_equal(a.status, "undeliverable");
}

static void
test_contact_filters(void **state)
{
	static const struct {
		struct store_filter f;
		const char *want;
	} cases[] = {
		{ { 0 }, "a@x.org,b@x.org,c@x.org,d@x.org" },
		{ { .group = "board" }, "a@x.org,c@x.org" },
		{ { .group = "BOARD" }, "a@x.org,c@x.org" },
		{ { .group = "board, staff" }, "a@x.org,b@x.org,c@x.org" },
		{ { .country = "BG" }, "a@x.org,b@x.org" },
		{ { .country = "be,cz" }, "c@x.org,d@x.org" },
		{ { .country = "BG", .group = "board" }, "a@x.org" },
		{ { .country = " , CZ ," }, "d@x.org" },
		{ { .group = "nobody" }, "" },
		{ { .country = "BG", .role = "teacher" }, "a@x.org,b@x.org" },
		{ { .language = "nl" }, "" },
		/* a value that looks like SQL is just a value */
		{ { .country = "BG') OR 1=1 --" }, "" },
	};
	struct tfix *f = *state;

	add_contact(f, "c@x.org", "BE", "board", NULL);
	add_contact(f, "a@x.org", "BG", "board,staff", NULL);
	add_contact(f, "b@x.org", "BG", "staff", NULL);
	add_contact(f, "d@x.org", "CZ", "", NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct joined j = { "" };

		OK(store_contacts_each(f->s, &cases[i].f, join_email, &j,
				       &f->e));
		if (strcmp(j.s, cases[i].want) != 0)
			fail_msg("case %zu: got '%s' want '%s'", i, j.s,
				 cases[i].want);
	}
}

static int
stop_after_one(void *arg, const struct store_contact *c)
{
	(void)c;
	++*(int *)arg;
	return 7;
}

static void
test_contacts_stop(void **state)
{
	struct tfix *f = *state;
	int n = 0;

	add_contact(f, "a@x.org", "BG", NULL, NULL);
	add_contact(f, "b@x.org", "BG", NULL, NULL);
	assert_int_equal(store_contacts_each(f->s, NULL, stop_after_one, &n,
					     &f->e), 7);
	assert_int_equal(n, 1);
}

/* A failing statement inside a caller's transaction: after rollback
 * nothing of the transaction is left. */
static void
test_rollback_atomic(void **state)
{
	struct tfix *f = *state;
	struct store_contact ok = { .email = "first@x.org", .groups = "g1" };
	struct store_contact bad = { .email = " " };
	int64_t id;
	int created;

	OK(store_begin(f->s, &f->e));
	OK(store_contact_upsert(f->s, &ok, &id, &created, &f->e));
	assert_int_equal(store_contact_upsert(f->s, &bad, &id, &created,
					      &f->e), -1);
	store_rollback(f->s);
	assert_int_equal(store_contact_find(f->s, "email", "first@x.org",
					    NULL, NULL, &f->e), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM contact_groups"),
			 0);
	/* a failed self-contained call inside a caller's transaction undoes
	 * only itself; the caller decides about the rest */
	OK(store_begin(f->s, &f->e));
	OK(store_contact_upsert(f->s, &ok, &id, &created, &f->e));
	assert_int_equal(store_contact_set_status(f->s, 4242, "ok", NULL,
						  &f->e), -1);
	OK(store_commit(f->s, &f->e));
	assert_int_equal(store_contact_find(f->s, "email", "first@x.org",
					    NULL, NULL, &f->e), 1);
	assert_int_equal(store_begin(f->s, &f->e), 0);
	assert_int_equal(store_begin(f->s, &f->e), -1);	/* no nesting */
	store_rollback(f->s);
}

/* ---- questionnaires and campaigns ---- */

static void
test_questionnaire_versions(void **state)
{
	struct tfix *f = *state;
	int64_t id1, id2, id3, id4;
	int n1, n2, n3, n4;
	char *xml = NULL;

	OK(store_questionnaire_put(f->s, "fs", "h1", "a.xml", "<a/>", &id1,
				   &n1, &f->e));
	OK(store_questionnaire_put(f->s, "fs", "h1", "a.xml", "<a/>", &id2,
				   &n2, &f->e));
	OK(store_questionnaire_put(f->s, "fs", "h2", "a.xml", "<b/>", &id3,
				   &n3, &f->e));
	OK(store_questionnaire_put(f->s, "other", "h3", "o.xml", "<o/>",
				   &id4, &n4, &f->e));
	assert_int_equal(n1, 1);
	assert_int_equal(n2, 0);
	assert_int_equal(id2, id1);
	assert_int_equal(n3, 1);
	assert_true(id3 != id1);
	assert_int_equal(sql_int(f, "SELECT max(version) FROM questionnaires "
				 "WHERE survey_id = 'fs'"), 2);
	assert_int_equal(sql_int(f, "SELECT version FROM questionnaires "
				 "WHERE survey_id = 'other'"), 1);
	assert_int_equal(store_questionnaire_xml(f->s, id3, &xml, &f->e), 1);
	assert_string_equal(xml, "<b/>");
	free(xml);
	assert_int_equal(store_questionnaire_xml(f->s, 999, &xml, &f->e), 0);
	assert_null(xml);
}

struct camp {
	char name[64], kind[32], country[32], extra[64];
	int64_t id, qid;
	int n;
};

static int
copy_campaign(void *arg, const struct store_campaign *c)
{
	struct camp *k = arg;

	k->n++;
	k->id = c->id;
	k->qid = c->questionnaire_id;
	snprintf(k->name, sizeof(k->name), "%s", c->name);
	snprintf(k->kind, sizeof(k->kind), "%s", c->kind);
	snprintf(k->country, sizeof(k->country), "%s",
		 c->audience.country ? c->audience.country : "(null)");
	snprintf(k->extra, sizeof(k->extra), "%s",
		 c->extra ? c->extra : "(null)");
	return 0;
}

static int64_t
add_campaign(struct tfix *f, const char *name, const char *country,
	     const char *group)
{
	struct store_campaign c = {
		.name = name, .kind = "survey", .template = "default",
		.deadline = "2026-06-30", .reference = "FS26",
		.audience = { .country = country, .group = group },
		.file = "campaigns/x.ini", .extra = "{\"year\":2026}",
	};
	int64_t id = 0;

	OK(store_campaign_put(f->s, &c, &id, &f->e));
	assert_true(id > 0);
	return id;
}

static void
test_campaign_put_find(void **state)
{
	struct tfix *f = *state;
	struct camp k = { 0 };
	int64_t id, id2;

	id = add_campaign(f, "fs26", "BG,BE", NULL);
	assert_int_equal(store_campaign_find(f->s, "fs26", copy_campaign, &k,
					     &f->e), 1);
	assert_int_equal(k.id, id);
	assert_int_equal(k.qid, 0);
	assert_string_equal(k.kind, "survey");
	assert_string_equal(k.country, "BG,BE");
	assert_string_equal(k.extra, "{\"year\":2026}");
	assert_int_equal(store_campaign_find(f->s, "nope", copy_campaign, &k,
					     &f->e), 0);
	/* update before anything was sent: same id, new audience */
	id2 = add_campaign(f, "fs26", "CZ", NULL);
	assert_int_equal(id2, id);
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_campaign_by_id(f->s, id, copy_campaign, &k,
					      &f->e), 1);
	assert_string_equal(k.country, "CZ");
	add_campaign(f, "second", NULL, NULL);
	memset(&k, 0, sizeof(k));
	OK(store_campaigns_each(f->s, copy_campaign, &k, &f->e));
	assert_int_equal(k.n, 2);
	assert_string_equal(k.name, "second");
}

/* ---- deliveries ---- */

/* A fixed store clock for the tests that move it (deferred, feedback). */
#define T0 INT64_C(1800000000)

struct due {
	int64_t id[16];
	char msgid[16][64];
	int state[16];
	int n;
	int handover;	/* callback hands each row over as it comes */
	struct store *s;
};

static int
collect_due(void *arg, const struct store_outrow *r)
{
	struct due *u = arg;
	struct err e;

	assert_non_null(r->contact);
	assert_non_null(r->contact->email);
	assert_string_equal(r->rcpt, r->contact->email);
	assert_int_equal(strlen(r->token), 16);
	if (u->n < 16) {
		u->id[u->n] = r->id;
		u->state[u->n] = r->state;
		snprintf(u->msgid[u->n], sizeof(u->msgid[0]), "%s",
			 r->message_id ? r->message_id : "");
	}
	u->n++;
	if (u->handover) {
		char m[64];

		snprintf(m, sizeof(m), "<%lld@test>", (long long)r->id);
		if (store_outbox_handover(u->s, r->id, m, 600, &e) != 0)
			fail_msg("handover: %s", e.msg);
	}
	return 0;
}

/* Claim up to max due rows of campaign cid / kind for f->s (registered
 * as an owner on first use) into u, which is cleared first. Returns how
 * many the store says it claimed. */
static long
claim(struct tfix *f, struct due *u, int64_t cid, const char *kind, long max)
{
	struct store_outbox_filter flt = { .campaign_id = cid, .kind = kind };
	int handover = u->handover;
	long n = -1;

	memset(u, 0, sizeof(*u));
	u->s = f->s;
	u->handover = handover;
	OK(store_owner_register(f->s, "test", 0, &f->e));
	OK(store_outbox_claim(f->s, &flt, max, 600, collect_due, u, &n,
			      &f->e));
	assert_int_equal(n, u->n);	/* the callback saw what was claimed */
	return n;
}

/* Hand over with Message-ID msgid (NULL: keep the one it has) and
 * record outcome st. */
static void
send_one(struct tfix *f, int64_t id, const char *msgid, enum store_dstate st,
	 const char *reply)
{
	struct store_outcome o = { .state = st, .reply = reply };

	OK(store_outbox_handover(f->s, id, msgid, 600, &f->e));
	OK(store_outbox_complete(f->s, id, &o, &f->e));
}

/* Three contacts, one campaign to BG: a and b are in the audience. */
static int64_t
plan_setup(struct tfix *f, long *added)
{
	int64_t cid;

	add_contact(f, "a@x.org", "BG", NULL, NULL);
	add_contact(f, "b@x.org", "BG", NULL, NULL);
	add_contact(f, "c@x.org", "BE", NULL, NULL);
	cid = add_campaign(f, "fs26", "BG", NULL);
	OK(store_deliveries_plan(f->s, cid, "invite", added, &f->e));
	return cid;
}

static void
test_delivery_flow(void **state)
{
	struct tfix *f = *state;
	struct due u = { 0 };
	struct store_outcome sent = { .state = STORE_D_SENT, .reply = "250" };
	struct store_outcome later = {
		.state = STORE_D_DEFERRED, .reply = "451 4.7.1 try later",
		.next_attempt = T0 + 600,
	};
	struct store_outcome pend = { .state = STORE_D_PENDING };
	long added = -1, counts[STORE_D_N];
	int64_t cid, did, camp, cont, other;

	store_clock_set(f->s, T0);
	cid = plan_setup(f, &added);
	assert_int_equal(added, 2);
	OK(store_deliveries_plan(f->s, cid, "invite", &added, &f->e));
	assert_int_equal(added, 0);	/* a second plan adds nothing */
	assert_int_equal(claim(f, &u, cid, "invite", 100), 2);
	assert_int_equal(u.state[0], STORE_D_PENDING);
	assert_string_equal(u.msgid[0], "");
	did = u.id[0];

	send_one(f, did, "<m1@x>", STORE_D_SENT, "250 2.0.0 queued");
	assert_int_equal(store_delivery_by_ref(f->s, "<m1@x>", &did,
						      &camp, &cont, &f->e), 1);
	assert_int_equal(did, u.id[0]);
	assert_int_equal(camp, cid);
	assert_int_equal(store_delivery_by_ref(f->s, "<none@x>", NULL,
						      NULL, NULL, &f->e), 0);
	/* SENT is never claimed and never handed over again */
	OK(store_outbox_unclaim(f->s, 0, &f->e));
	assert_int_equal(claim(f, &u, cid, "invite", 100), 1);
	assert_true(u.id[0] != did);
	other = u.id[0];
	assert_int_equal(store_outbox_handover(f->s, did, "<m2@x>", 600,
					       &f->e), 1);
	assert_int_equal(store_outbox_complete(f->s, did, &sent, &f->e), 1);
	/* not handed over: it cannot have been accepted */
	assert_true(store_outbox_complete(f->s, other, &sent, &f->e) != 0);
	/* temporary failure: deferred, due again only when next_attempt has
	 * passed, with its Message-ID */
	OK(store_outbox_handover(f->s, other, "<m3@x>", 600, &f->e));
	OK(store_outbox_complete(f->s, other, &later, &f->e));
	assert_int_equal(claim(f, &u, cid, "invite", 100), 0);
	store_clock_set(f->s, T0 + 599);
	assert_int_equal(claim(f, &u, cid, "invite", 100), 0);
	store_clock_set(f->s, T0 + 600);
	assert_int_equal(claim(f, &u, cid, "invite", 100), 1);
	assert_int_equal(u.id[0], other);
	assert_int_equal(u.state[0], STORE_D_DEFERRED);
	assert_string_equal(u.msgid[0], "<m3@x>");
	OK(store_delivery_counts(f->s, cid, "invite", counts, &f->e));
	assert_int_equal(counts[STORE_D_SENT], 1);
	assert_int_equal(counts[STORE_D_DEFERRED], 1);
	assert_int_equal(counts[STORE_D_PENDING], 0);
	/* the retry keeps the Message-ID it was given at the first hand-over */
	OK(store_outbox_handover(f->s, other, NULL, 600, &f->e));
	assert_int_equal(store_delivery_by_ref(f->s, "<m3@x>", &did,
						      NULL, NULL, &f->e), 1);
	assert_int_equal(did, other);
	OK(store_outbox_complete(f->s, other, &later, &f->e));
	OK(store_deliveries_count_since(f->s, cont, "invite", 0, &added,
					&f->e));
	assert_int_equal(added, 1);
	OK(store_deliveries_count_since(f->s, cont, "invite", INT64_MAX,
					&added, &f->e));
	assert_int_equal(added, 0);
	assert_int_equal(store_outbox_complete(f->s, did, &pend, &f->e), -1);
}

/* A sender that stops while a row is handed over: the row is UNKNOWN
 * (the server may have it), due again with its Message-ID to re-use;
 * rows it had only claimed simply wait again. */
static void
test_delivery_interrupted(void **state)
{
	struct tfix *f = *state;
	struct due u = { 0 };
	int64_t cid, did;
	long added;
	int seen = 0;

	cid = plan_setup(f, &added);
	assert_int_equal(claim(f, &u, cid, "invite", 1), 1);	/* limit */
	did = u.id[0];
	OK(store_outbox_handover(f->s, did, "<keep@x>", 600, &f->e));
	/* in flight: not handed out again */
	assert_int_equal(claim(f, &u, cid, "invite", 100), 1);
	assert_true(u.id[0] != did);
	/* the run stops before the outcome is known; the next run gets it
	 * again with its Message-ID to re-use */
	store_free(&f->s);
	OK(store_open(f->path, &f->s, &f->e));
	assert_int_equal(claim(f, &u, cid, "invite", 100), 2);
	for (int i = 0; i < 2; i++)
		if (u.id[i] == did) {
			seen++;
			assert_int_equal(u.state[i], STORE_D_UNKNOWN);
			assert_string_equal(u.msgid[i], "<keep@x>");
		}
	assert_int_equal(seen, 1);
	send_one(f, did, NULL, STORE_D_SENT, "250");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "message_id = '<keep@x>' AND attempts = 2 "
				 "AND unknowns = 1 AND state = 'sent'"), 1);
	store_free(&f->s);
	OK(store_open(f->path, &f->s, &f->e));
	assert_int_equal(claim(f, &u, cid, "invite", 100), 1);
	assert_true(u.id[0] != did);
}

/* A contact's open campaigns are those whose mail reached them: a
 * campaign with its invitation only pending is not, and feedback never
 * makes one. */
static void
test_delivery_latest(void **state)
{
	struct tfix *f = *state;
	struct due u = { 0 };
	int64_t c1, c2, did = 0, camp = 0, a;
	long added, n = -1;

	store_clock_set(f->s, T0);
	c1 = plan_setup(f, &added);
	a = 1;	/* a@x.org */
	assert_int_equal(claim(f, &u, c1, "invite", 1), 1);
	send_one(f, u.id[0], "<l1@x>", STORE_D_SENT, "250");
	store_clock_set(f->s, T0 + 50);
	c2 = add_campaign(f, "later", "BG", NULL);
	OK(store_deliveries_plan(f->s, c2, "invite", &added, &f->e));
	/* feedback is enqueued one by one (planning it is refused), and
	 * even a newer SENT one is never what a reply answers */
	assert_int_equal(store_deliveries_plan(f->s, c2, "confirm", &added,
					       &f->e), -1);
	store_clock_set(f->s, T0 + 100);
	for (int i = 0; i < 2; i++) {
		struct store_enqueue q = {
			.campaign_id = c2, .contact_id = a,
			.kind = i ? "problem" : "confirm",
		};
		struct due v = { 0 };
		char m[32];

		OK(store_outbox_enqueue(f->s, &q, &did, &f->e));
		assert_int_equal(claim(f, &v, c2, q.kind, 10), 1);
		assert_int_equal(v.id[0], did);
		snprintf(m, sizeof(m), "<fb%d@x>", i);
		send_one(f, did, m, STORE_D_SENT, "250");
	}
	OK(store_contact_open_campaigns(f->s, a, "2026-01-01", &n, &camp,
					&did, &f->e));
	assert_int_equal(n, 1);
	assert_int_equal(did, u.id[0]);
	assert_int_equal(camp, c1);
	OK(store_contact_open_campaigns(f->s, 4242, "2026-01-01", &n, &camp,
					&did, &f->e));
	assert_int_equal(n, 0);
}

/* Feedback is one mail per reply: many rows per (campaign, contact,
 * kind), each with its own Message-ID, counted for the daily limit from
 * the moment it is enqueued unless it failed; campaign kinds stay one
 * per contact. */
static void
test_delivery_feedback(void **state)
{
	struct tfix *f = *state;
	int64_t cid, a, d[4] = { 0 }, camp, cont, did;
	const char *kinds[] = { "confirm", "confirm", "problem", "confirm" };
	const char *msgid[] = { "<c1@x>", "<c2@x>", "<p1@x>", "<c1@x>" };
	const enum store_dstate outcome[] = { STORE_D_SENT, STORE_D_FAILED,
					      STORE_D_SENT };
	struct store_enqueue q = { 0 };
	struct due u = { 0 };
	long added, n = -1;

	cid = plan_setup(f, &added);
	a = 1;	/* a@x.org */
	q.campaign_id = cid;
	q.contact_id = a;
	for (int i = 0; i < 3; i++) {
		q.kind = kinds[i];
		OK(store_outbox_enqueue(f->s, &q, &d[i], &f->e));
	}
	assert_true(d[0] > 0 && d[1] > d[0] && d[2] > d[1]);
	/* on its way: counted already */
	OK(store_deliveries_count_since(f->s, a, "confirm", 0, &n, &f->e));
	assert_int_equal(n, 2);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(claim(f, &u, cid, kinds[i], 1), 1);
		assert_int_equal(u.id[0], d[i]);
		send_one(f, d[i], msgid[i], outcome[i], "250 / 550");
	}
	OK(store_deliveries_count_since(f->s, a, "confirm", 0, &n, &f->e));
	assert_int_equal(n, 1);
	OK(store_deliveries_count_since(f->s, a, "problem", 0, &n, &f->e));
	assert_int_equal(n, 1);
	OK(store_deliveries_count_since(f->s, a, "confirm", INT64_MAX, &n,
					&f->e));
	assert_int_equal(n, 0);
	/* a reply to a confirmation is still matched to its campaign */
	assert_int_equal(store_delivery_by_ref(f->s, "<c2@x>", &did,
						      &camp, &cont, &f->e), 1);
	assert_int_equal(did, d[1]);
	assert_int_equal(camp, cid);
	assert_int_equal(cont, a);
	/* the same Message-ID twice is refused, and the row stays ours and
	 * waiting */
	q.kind = kinds[3];
	OK(store_outbox_enqueue(f->s, &q, &d[3], &f->e));
	assert_int_equal(claim(f, &u, cid, "confirm", 1), 1);
	assert_int_equal(store_outbox_handover(f->s, d[3], msgid[3], 600,
					       &f->e), -1);
	OK(store_outbox_handover(f->s, d[3], "<c3@x>", 600, &f->e));
	/* campaign kinds are not enqueued twice, nor feedback planned */
	q.kind = "invite";
	assert_int_equal(store_outbox_enqueue(f->s, &q, &did, &f->e), -1);
	assert_non_null(strstr(f->e.msg, "invite"));
	assert_int_equal(store_deliveries_plan(f->s, cid, "problem", &added,
					       &f->e), -1);
	/* invites: still one per contact */
	OK(store_deliveries_plan(f->s, cid, "invite", &added, &f->e));
	assert_int_equal(added, 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM deliveries WHERE "
				 "kind = 'invite'"), 2);
	/* a reminder needs the invitation to have gone out */
	OK(store_deliveries_plan(f->s, cid, "reminder", &added, &f->e));
	assert_int_equal(added, 0);
	sql_int(f, "UPDATE deliveries SET state = 'sent' WHERE kind = 'invite'");
	OK(store_deliveries_plan(f->s, cid, "reminder", &added, &f->e));
	assert_int_equal(added, 2);
	OK(store_deliveries_plan(f->s, cid, "reminder", &added, &f->e));
	assert_int_equal(added, 0);
}

/* A store written by the first release (migration 1 only) opens: the
 * deliveries table is rebuilt with its rows, ids and the inbound rows
 * that point at them; afterwards feedback may repeat. */
static void
test_migrate_feedback_kinds(void **state)
{
	struct tfix *f = *state;
	char path[160];
	struct store *s;
	int64_t id;
	long added;

	snprintf(path, sizeof(path), "%s/v1.db", f->dir);
	s = tfix_old_store(path, 1,
		"INSERT INTO contacts(id, email, token, created, updated) "
		"VALUES (3, 'a@x.org', 'tok', 0, 0);"
		"INSERT INTO campaigns(id, name, kind, created, updated) "
		"VALUES (5, 'fs26', 'survey', 0, 0);"
		"INSERT INTO deliveries(id, campaign_id, contact_id, kind, "
		"state, message_id, created, updated) VALUES (7, 5, 3, "
		"'invite', 'sent', '<m@x>', 0, 0), (8, 5, 3, 'confirm', "
		"'sent', '<c@x>', 0, 0);"
		"INSERT INTO inbound(id, src_key, kind, contact_id, "
		"campaign_id, delivery_id, created) VALUES (1, 'k', "
		"'answers', 3, 5, 7, 0);"
		"PRAGMA user_version = 1;");
	{
		struct store_enqueue q = { .campaign_id = 5, .contact_id = 3,
					   .kind = "confirm" };

		OK(store_outbox_enqueue(s, &q, &id, &f->e));
	}
	assert_true(id > 8);
	OK(store_deliveries_plan(s, 5, "invite", &added, &f->e));
	assert_int_equal(added, 0);	/* no second invite */
	store_free(&s);

	{
		const char *q[] = {
			"SELECT count(*) FROM deliveries WHERE id IN (7, 8) "
			"AND message_id IN ('<m@x>', '<c@x>')",
			"SELECT count(*) FROM inbound i JOIN deliveries d ON "
			"d.id = i.delivery_id WHERE d.kind = 'invite'",
			"SELECT count(*) FROM pragma_foreign_key_check",
			"SELECT count(*) FROM deliveries WHERE kind = "
			"'confirm'",
		};
		const int want[] = { 2, 1, 0, 2 };

		tfix_sql_expect(path, q, want, 4);
	}
}

/* Many rows, handed over by the callback as they come: every row exactly
 * once although the callback writes to the table being claimed from. */
static void
test_delivery_due_many(void **state)
{
	struct tfix *f = *state;
	struct due u = { .handover = 1 };
	long added, counts[STORE_D_N];
	int64_t cid, id;
	int created;

	OK(store_begin(f->s, &f->e));
	for (int i = 0; i < 600; i++) {
		char email[32];
		struct store_contact c = { .email = email, .country = "BG" };

		snprintf(email, sizeof(email), "u%03d@x.org", i);
		OK(store_contact_upsert(f->s, &c, &id, &created, &f->e));
	}
	OK(store_commit(f->s, &f->e));
	cid = add_campaign(f, "big", "BG", NULL);
	OK(store_deliveries_plan(f->s, cid, "invite", &added, &f->e));
	assert_int_equal(added, 600);
	assert_int_equal(claim(f, &u, cid, "invite", 1000), 600);
	OK(store_delivery_counts(f->s, cid, NULL, counts, &f->e));
	assert_int_equal(counts[STORE_D_SENDING], 600);
	assert_int_equal(sql_int(f, "SELECT count(DISTINCT message_id) "
				 "FROM deliveries"), 600);
}

static void
test_plan_skips_undeliverable(void **state)
{
	struct tfix *f = *state;
	struct due u = { 0 };
	int64_t cid, bad;
	long added, counts[STORE_D_N];

	add_contact(f, "a@x.org", "BG", "board", NULL);
	bad = add_contact(f, "b@x.org", "BG", "board", NULL);
	add_contact(f, "c@x.org", "BG", "staff", NULL);
	OK(store_contact_set_status(f->s, bad, "undeliverable", "bounced",
				    &f->e));
	cid = add_campaign(f, "fs26", "BG", "board");
	OK(store_deliveries_plan(f->s, cid, "invite", &added, &f->e));
	assert_int_equal(added, 1);
	/* (a reminder needs a sent invitation: pretend it went out) */
	sql_int(f, "UPDATE deliveries SET state = 'sent' WHERE kind = 'invite'");
	OK(store_deliveries_plan(f->s, cid, "reminder", &added, &f->e));
	assert_int_equal(added, 1);
	sql_int(f, "UPDATE deliveries SET state = 'pending' WHERE kind = 'invite'");
	/* a contact lost after planning: pending mail becomes skipped */
	add_contact(f, "b@x.org", "BG", "board", NULL);
	OK(store_contact_set_status(f->s, bad, "ok", "fixed", &f->e));
	OK(store_deliveries_plan(f->s, cid, "invite", &added, &f->e));
	assert_int_equal(added, 1);
	OK(store_contact_set_status(f->s, bad, "undeliverable", "5.1.1",
				    &f->e));
	OK(store_delivery_counts(f->s, cid, "invite", counts, &f->e));
	assert_int_equal(counts[STORE_D_SKIPPED], 1);
	assert_int_equal(counts[STORE_D_PENDING], 1);
	assert_int_equal(claim(f, &u, cid, "invite", 100), 1);
	assert_int_equal(store_deliveries_plan(f->s, 999, "invite", &added,
					       &f->e), -1);
}

/* A changed campaign after mail went out is refused; an unchanged
 * re-load is fine. */
static void
test_campaign_locked_after_send(void **state)
{
	struct tfix *f = *state;
	struct due u = { 0 };
	int64_t cid, id;
	long added;
	struct store_campaign c = { .name = "fs26", .kind = "survey",
				    .audience = { .country = "BE" } };

	cid = plan_setup(f, &added);
	assert_int_equal(claim(f, &u, cid, "invite", 1), 1);
	send_one(f, u.id[0], "<z@x>", STORE_D_SENT, "250");
	assert_int_equal(add_campaign(f, "fs26", "BG", NULL), cid);
	assert_int_equal(store_campaign_put(f->s, &c, &id, &f->e), -1);
	assert_non_null(strstr(f->e.msg, "already sent"));
}

/* ---- mailboxes and inbound ---- */

static void
test_mailbox(void **state)
{
	struct tfix *f = *state;
	uint32_t v = 0, u = 0;
	const char *src = "imap://127.0.0.1:143/INBOX";

	assert_int_equal(store_mailbox_get(f->s, src, &v, &u, &f->e), 0);
	OK(store_mailbox_set(f->s, src, 17, 5, &f->e));
	assert_int_equal(store_mailbox_get(f->s, src, &v, &u, &f->e), 1);
	assert_int_equal(v, 17);
	assert_int_equal(u, 5);
	OK(store_mailbox_set(f->s, src, 4000000000u, 4000000001u, &f->e));
	assert_int_equal(store_mailbox_get(f->s, src, &v, &u, &f->e), 1);
	assert_int_equal(v, 4000000000u);	/* full uint32 range */
	assert_int_equal(u, 4000000001u);
	assert_int_equal(store_mailbox_get(f->s, "maildir:/x", &v, &u,
					   &f->e), 0);
}

static void
test_ikind_names(void **state)
{
	static const char *const want[] = {
		"answers", "rsvp", "bounce", "auto-reply", "opt-out",
		"unmatched", "unreadable", "quarantine", "duplicate",
	};

	(void)state;
	for (int k = STORE_I_ANSWERS; k <= STORE_I_DUPLICATE; k++)
		assert_string_equal(store_ikind_name((enum store_ikind)k),
				    want[k]);
}

static int64_t
add_inbound(struct tfix *f, const char *key, const char *msgid,
	    enum store_ikind kind, int64_t contact, int64_t campaign,
	    const char *answered_by)
{
	static const char raw[] = "Subject: x\r\n\r\nbody\0with nul";
	struct store_inbound m = {
		.src_key = key, .message_id = msgid, .from_addr = "a@x.org",
		.subject = "Re: survey", .kind = kind, .reason = "test",
		.contact_id = contact, .campaign_id = campaign,
		.answered_by = answered_by, .raw = raw,
		.raw_len = sizeof(raw) - 1, .bounce_status = "5.1.1",
	};
	int64_t id = 0;

	OK(store_begin(f->s, &f->e));
	OK(store_inbound_add(f->s, &m, &id, &f->e));
	OK(store_commit(f->s, &f->e));
	assert_true(id > 0);
	return id;
}

struct inb {
	int n;
	int64_t first_id;
	int kind;
	char status[16], key[64];
	size_t raw_len;
	int raw_ok;
};

static int
copy_inbound(void *arg, int64_t id, const struct store_inbound *m)
{
	static const char raw[] = "Subject: x\r\n\r\nbody\0with nul";
	struct inb *k = arg;

	if (k->n++ == 0) {
		k->first_id = id;
		k->kind = (int)m->kind;
		snprintf(k->status, sizeof(k->status), "%s",
			 m->bounce_status ? m->bounce_status : "");
		snprintf(k->key, sizeof(k->key), "%s", m->src_key);
		k->raw_len = m->raw_len;
		k->raw_ok = m->raw_len == sizeof(raw) - 1 &&
			    memcmp(m->raw, raw, m->raw_len) == 0;
	}
	return 0;
}

static void
test_inbound(void **state)
{
	struct tfix *f = *state;
	struct inb k = { 0 };
	struct store_inbound dup = { .src_key = "imap://h/INBOX/1/1",
				     .kind = STORE_I_UNMATCHED };
	int64_t id1, id2;

	assert_int_equal(store_inbound_seen(f->s, "imap://h/INBOX/1/1",
					    "<a@x>", &f->e), 0);
	id1 = add_inbound(f, "imap://h/INBOX/1/1", "<a@x>", STORE_I_BOUNCE,
			  0, 0, NULL);
	assert_int_equal(store_inbound_seen(f->s, "imap://h/INBOX/1/1", NULL,
					    &f->e), 1);
	assert_int_equal(store_inbound_seen(f->s, "maildir:/m/new/x", "<a@x>",
					    &f->e), 1);
	assert_int_equal(store_inbound_seen(f->s, "maildir:/m/new/x", "",
					    &f->e), 0);
	id2 = add_inbound(f, "imap://h/INBOX/1/2", "", STORE_I_AUTOREPLY, 0,
			  0, NULL);
	/* an empty Message-ID never matches another empty one */
	assert_int_equal(store_inbound_seen(f->s, "imap://h/INBOX/1/3", "",
					    &f->e), 0);
	/* the same source key twice is refused, and rolled back */
	OK(store_begin(f->s, &f->e));
	assert_int_equal(store_inbound_add(f->s, &dup, NULL, &f->e), -1);
	assert_non_null(strstr(f->e.msg, "imap://h/INBOX/1/1"));
	store_rollback(f->s);

	OK(store_inbound_each(f->s, -1, 0, copy_inbound, &k, &f->e));
	assert_int_equal(k.n, 2);
	assert_int_equal(k.first_id, id2);	/* newest first */
	memset(&k, 0, sizeof(k));
	OK(store_inbound_each(f->s, STORE_I_BOUNCE, 0, copy_inbound, &k,
			      &f->e));
	assert_int_equal(k.n, 1);
	assert_int_equal(k.first_id, id1);
	assert_int_equal(k.kind, STORE_I_BOUNCE);
	assert_string_equal(k.status, "5.1.1");
	assert_string_equal(k.key, "imap://h/INBOX/1/1");
	assert_true(k.raw_ok);	/* raw bytes kept exactly, NUL included */
	memset(&k, 0, sizeof(k));
	OK(store_inbound_each(f->s, STORE_I_ANSWERS, 0, copy_inbound, &k,
			      &f->e));
	assert_int_equal(k.n, 0);
	assert_int_equal(store_inbound_each(f->s, 99, 0, copy_inbound, &k,
					    &f->e), -1);
}

static void
test_inbound_parsing_guard(void **state)
{
	struct tfix *f = *state;
	const char *key = "maildir:/m/cur/123.x";

	assert_int_equal(store_inbound_parsing_left(f->s, key, &f->e), 0);
	OK(store_inbound_parsing(f->s, key, &f->e));
	/* committed at once: visible to a fresh handle (the next run) */
	store_free(&f->s);
	OK(store_open(f->path, &f->s, &f->e));
	assert_int_equal(store_inbound_parsing_left(f->s, key, &f->e), 1);
	OK(store_inbound_parsing(f->s, key, &f->e));	/* again: fine */
	OK(store_inbound_parsing_clear(f->s, key, &f->e));
	assert_int_equal(store_inbound_parsing_left(f->s, key, &f->e), 0);
}

/* ---- responses and reports ---- */

struct ans {
	char s[512];
};

static int
join_answer(void *arg, const char *q, const char *v, int64_t contact)
{
	struct ans *a = arg;
	size_t n = strlen(a->s);

	snprintf(a->s + n, sizeof(a->s) - n, "%s%s=%s@%lld", n ? ";" : "", q,
		 v, (long long)contact);
	return 0;
}

static int64_t
respond(struct tfix *f, int64_t camp, int64_t contact, int64_t inbound,
	const struct store_answer *a, size_t n)
{
	int64_t rid = 0;

	OK(store_begin(f->s, &f->e));
	OK(store_response_add(f->s, camp, contact, inbound, a, n, &rid,
			      &f->e));
	OK(store_commit(f->s, &f->e));
	return rid;
}

/* Whether SQLite's plan for sql reads any table by a full scan. */
static int
plan_scans(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *q = xasprintf("EXPLAIN QUERY PLAN %s", sql);
	int scans = 0;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);

		print_message("# plan: %s\n", d);
		if (strncmp(d, "SCAN ", 5) == 0)	/* even through an index */
			scans = 1;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(q);
	return scans;
}

static void
test_responses(void **state)
{
	static const struct store_answer first[] = {
		{ "q1", "a" }, { "q2", "3" },
	};
	static const struct store_answer second[] = {
		{ "q1", "b,c" }, { "q3", "free text" }, { "q1", "c" },
	};
	static const struct store_answer other[] = { { "q2", "5" } };
	struct tfix *f = *state;
	struct ans a = { "" };
	int64_t camp, c1, c2, in1, in2, r1, r2;
	long added;

	camp = plan_setup(f, &added);
	c1 = 1;
	c2 = 2;
	in1 = add_inbound(f, "k/1", "<r1@x>", STORE_I_ANSWERS, c1, camp, NULL);
	in2 = add_inbound(f, "k/2", "<r2@x>", STORE_I_ANSWERS, c1, camp, NULL);
	r1 = respond(f, camp, c1, in1, first, 2);
	respond(f, camp, c2, 0, other, 1);
	r2 = respond(f, camp, c1, in2, second, 3);
	assert_true(r2 != r1);
	/* both on record, only the newest current, the old one points on */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM responses WHERE "
				 "contact_id = 1"), 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM responses WHERE "
				 "contact_id = 1 AND current = 1"), 1);
	assert_int_equal(sql_int(f, "SELECT superseded_by FROM responses "
				 "WHERE current = 0"), (int)r2);
	OK(store_answers_each(f->s, camp, join_answer, &a, &f->e));
	/* q1 answered twice in one reply: the later line wins; q2, left
	 * out of the later reply, is carried over (completes, replaces) */
	assert_string_equal(a.s, "q1=c@1;q2=3@1;q2=5@2;q3=free text@1");
	/* an unconfirmed answer is kept but out of every total, until a
	 * later reply answers the question again */
	OK(store_begin(f->s, &f->e));
	OK(store_answer_unconfirm(f->s, r2, "q2", &f->e));
	OK(store_commit(f->s, &f->e));
	memset(&a, 0, sizeof(a));
	OK(store_answers_each(f->s, camp, join_answer, &a, &f->e));
	assert_string_equal(a.s, "q1=c@1;q2=5@2;q3=free text@1");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM answers WHERE "
				 "unconfirmed = 1"), 1);
	r2 = respond(f, camp, c1, in2, other, 1);
	memset(&a, 0, sizeof(a));
	OK(store_answers_each(f->s, camp, join_answer, &a, &f->e));
	assert_string_equal(a.s, "q1=c@1;q2=5@1;q2=5@2;q3=free text@1");
	/* a failed response leaves nothing after rollback */
	OK(store_begin(f->s, &f->e));
	assert_int_equal(store_response_add(f->s, camp, 999, 0, first, 2,
					    NULL, &f->e), -1);
	store_rollback(f->s);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM responses"), 4);
	memset(&a, 0, sizeof(a));
	OK(store_answers_each(f->s, 4242, join_answer, &a, &f->e));
	assert_string_equal(a.s, "");
	/* the carry-over finds the response it supersedes through an index:
	 * a scan of every response for each reply made ingest quadratic */
	assert_false(plan_scans(f->path, "SELECT a.question FROM responses r "
				"JOIN answers a ON a.response_id = r.id "
				"WHERE r.superseded_by = 7"));
	/* answers are written several to a statement: a question repeated
	 * inside one statement and across two still ends with its later
	 * line, and every question is kept */
	static const struct store_answer many[] = {
		{ "q1", "a" }, { "q2", "b" }, { "q1", "c" }, { "q3", "d" },
		{ "q2", "e" }, { "q4", "f" },
	};
	r2 = respond(f, camp, c2, 0, many, 6);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM answers WHERE "
				 "response_id = %lld", (long long)r2), 4);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM answers WHERE "
				 "response_id = %lld AND ((question = 'q1' AND "
				 "value = 'c') OR (question = 'q2' AND value "
				 "= 'e') OR (question = 'q3' AND value = 'd') "
				 "OR (question = 'q4' AND value = 'f'))",
				 (long long)r2), 4);
}

struct rost {
	char s[512];
};

static int
join_roster(void *arg, const struct store_contact *c, int delivered,
	    int responded, const char *answered_by)
{
	struct rost *r = arg;
	size_t n = strlen(r->s);

	snprintf(r->s + n, sizeof(r->s) - n, "%s%s:%d:%d:%s", n ? ";" : "",
		 c->email, delivered, responded,
		 answered_by ? answered_by : "-");
	return 0;
}

static void
test_roster(void **state)
{
	static const struct store_answer one[] = { { "q1", "a" } };
	struct tfix *f = *state;
	struct due u = { 0 };
	struct rost r = { "" };
	int64_t camp, in;
	long added;

	/* a, b planned (BG); c (BE) only gets a confirm, so not listed */
	camp = plan_setup(f, &added);
	assert_int_equal(claim(f, &u, camp, "invite", 100), 2);
	send_one(f, u.id[0], "<a@x>", STORE_D_SENT, "250");
	send_one(f, u.id[1], "<b@x>", STORE_D_FAILED, "550");
	in = add_inbound(f, "k/9", "<f@x>", STORE_I_ANSWERS, 1, camp,
			 "secretary@x.org");
	respond(f, camp, 1, in, one, 1);
	OK(store_roster_each(f->s, camp, join_roster, &r, &f->e));
	assert_string_equal(r.s, "a@x.org:1:1:secretary@x.org;"
			    "b@x.org:0:0:-");
}

/* ANKETA_CRASH_AFTER=N: the process aborts right after the N-th commit,
 * and that commit is durable. Run in a child so the test survives. */
static void
test_crash_after(void **state)
{
	struct tfix *f = *state;
	int status;
	pid_t pid;

	store_free(&f->s);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *s;
		struct err e;

		setenv("ANKETA_CRASH_AFTER", "2", 1);
		if (store_open(f->path, &s, &e) != 0)
			_exit(3);
		for (int i = 0; i < 5; i++) {
			char src[32];

			snprintf(src, sizeof(src), "maildir:/m%d", i);
			store_mailbox_set(s, src, 1, 1, &e);
		}
		_exit(0);	/* not reached when the hook works */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	OK(store_open(f->path, &f->s, &f->e));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM mailboxes"), 2);
}

/* ---- errors and a store this process cannot write ---- */

/* Every store error names the store file, wherever it is shown. */
static void
test_errors_name_the_file(void **state)
{
	struct tfix *f = *state;
	struct store *s = NULL;
	char want[256], missing[192];

	OK(store_begin(f->s, &f->e));
	assert_int_equal(store_begin(f->s, &f->e), -1);
	snprintf(want, sizeof(want), "%s: begin: a transaction is already "
		 "open", f->path);
	assert_string_equal(f->e.msg, want);
	store_rollback(f->s);
	assert_int_equal(store_exec(f->s, "SELECT no_such_fn()", &f->e), -1);
	snprintf(want, sizeof(want), "%s: no such function: no_such_fn",
		 f->path);
	assert_string_equal(f->e.msg, want);
	/* no directory for it: the store and the directory named */
	snprintf(missing, sizeof(missing), "%s/gone/a.db", f->dir);
	assert_int_equal(store_open(missing, &s, &f->e), -1);
	assert_null(s);
	snprintf(want, sizeof(want), "%s: open: ", missing);
	if (strncmp(f->e.msg, want, strlen(want)) != 0 ||
	    strstr(f->e.msg, "/gone: No such file or directory") == NULL)
		fail_msg("%s", f->e.msg);
}

/* Make the store read-only for a reader: mode 0444 in a 0555 directory;
 * as root, whom modes do not stop, the reader is also 'nobody'. */
static void
ro_chmod(struct tfix *f, int ro)
{
	assert_int_equal(chmod(f->path, ro ? 0444 : 0644), 0);
	assert_int_equal(chmod(f->dir, ro ? 0555 : 0700), 0);
}

static int
exists(const char *path, const char *suffix)
{
	char p[200];

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return access(p, F_OK) == 0;
}

/* In a child process as the reader: store_open refuses naming the file;
 * store_open_reader reads contacts (want of them); a write fails naming
 * the file; no -wal or -shm is left that was not there. A message and
 * exit 1 on the first difference. */
static void
reader_child(struct tfix *f, int want, int had_wal)
{
	struct store *s = NULL;
	struct err e;
	char pre[200];
	sqlite3_stmt *st;
	int n = -1;

	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		_exit(2);
	snprintf(pre, sizeof(pre), "%s: ", f->path);
	if (store_open(f->path, &s, &e) == 0 || strncmp(e.msg, pre,
							 strlen(pre)) != 0) {
		fprintf(stderr, "# store_open: %s\n", s ? "opened" : e.msg);
		_exit(1);
	}
	if (store_open_reader(f->path, &s, &e) != 0) {
		fprintf(stderr, "# store_open_reader: %s\n", e.msg);
		_exit(1);
	}
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM contacts", -1,
			       &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (n != want) {
		fprintf(stderr, "# %d contacts, wanted %d\n", n, want);
		_exit(1);
	}
	if (store_exec(s, "DELETE FROM contacts", &e) == 0 ||
	    strncmp(e.msg, pre, strlen(pre)) ||
	    strstr(e.msg, "readonly") == NULL) {
		fprintf(stderr, "# a write: %s\n", e.msg);
		_exit(1);
	}
	store_free(&s);
	if (!had_wal && (exists(f->path, "-wal") || exists(f->path, "-shm"))) {
		fprintf(stderr, "# the reader left a -wal or -shm\n");
		_exit(1);
	}
	_exit(0);
}

static void
as_reader(struct tfix *f, int want, int had_wal)
{
	int status;
	pid_t pid;

	ro_chmod(f, 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		reader_child(f, want, had_wal);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	ro_chmod(f, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A store this process cannot write serves readers. Closed cleanly (no
 * -wal): read from the file alone, nothing created beside it. Held open
 * by a writer whose commit is still in the WAL: read through the
 * writer's -wal and -shm, the commit included. */
static void
test_open_reader(void **state)
{
	struct tfix *f = *state;
	struct store *s = NULL;

	/* a store that can be written: an ordinary handle */
	OK(store_open_reader(f->path, &s, &f->e));
	OK(store_begin(s, &f->e));
	store_rollback(s);
	store_free(&s);
	add_contact(f, "one@example.org", "BG", NULL, NULL);
	store_free(&f->s);
	assert_false(exists(f->path, "-wal"));
	as_reader(f, 1, 0);
	/* a writer holds it open; its last commit is in the WAL */
	OK(store_open(f->path, &f->s, &f->e));
	add_contact(f, "two@example.org", "BG", NULL, NULL);
	assert_true(exists(f->path, "-wal"));
	as_reader(f, 2, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, tfix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_migrate),
		T(test_wal),
		T(test_open_newer_schema),
		T(test_two_handles),
		T(test_contact_upsert),
		T(test_contact_status),
		T(test_contact_filters),
		T(test_contacts_stop),
		T(test_rollback_atomic),
		T(test_questionnaire_versions),
		T(test_campaign_put_find),
		T(test_delivery_flow),
		T(test_delivery_interrupted),
		T(test_delivery_latest),
		T(test_delivery_feedback),
		T(test_migrate_feedback_kinds),
		T(test_delivery_due_many),
		T(test_plan_skips_undeliverable),
		T(test_campaign_locked_after_send),
		T(test_mailbox),
		T(test_ikind_names),
		T(test_inbound),
		T(test_inbound_parsing_guard),
		T(test_responses),
		T(test_roster),
		T(test_crash_after),
		T(test_errors_name_the_file),
		T(test_open_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
