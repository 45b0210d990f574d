/*
 * test_privacy.c -- personal data in the store (store_privacy.c):
 * forgetting a contact leaves nothing of them in any table nor in the
 * file's bytes, keeps exactly the tombstone and the counts anketa(1)
 * promises, and waits for a message in flight; a stranger known only
 * from inbound mail is forgotten too; the retention sweep drops raw mail
 * by the store's clock through its index; a backup taken while another
 * process writes opens as a consistent store with the same counts.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>
#include <sqlite3.h>

#include "base/config.h"
#include "base/xmem.h"
#include "store/store.h"
#include "tfix.h"

#define ANN "ann@x.org"
#define ANN_NAME "Zwirbelhuber"	/* her surname, found nowhere else */
#define DAY 86400

struct fx {
	char dir[TFIX_DIR_MAX];
	char path[TFIX_DIR_MAX + 16];
	struct store *s;
	struct err e;
	/* the world made by world() */
	int64_t camp, ann, bob, ann_invite, bob_invite, ann_reply, confirm;
	char ann_token[32], ann_invite_token[32];
};

#define OK(call)                                                    \
	do {                                                        \
		if ((call) != 0)                                    \
			fail_msg("%s: %s", #call, f->e.msg);        \
	} while (0)

static int
fx_setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	if (tfix_open("test_privacy", f->dir, &f->s) != 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/anketa.db", f->dir);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	tfix_close(f->dir, &f->s);
	free(f);
	return 0;
}

/* ---- a world with two contacts, a stranger, and mail between them ---- */

static int64_t
add_contact(struct fx *f, const char *email, const char *name,
	    const char *muni, const char *role)
{
	struct store_contact c = {
		.email = email, .name = name, .municipality = muni,
		.country = "BE", .language = "en", .role = role,
		.groups = "board",
	};
	int64_t id = 0;

	OK(store_begin(f->s, &f->e));
	OK(store_contact_upsert(f->s, &c, &id, NULL, &f->e));
	OK(store_commit(f->s, &f->e));
	return id;
}

static int64_t
add_inbound(struct fx *f, const struct store_inbound *m)
{
	int64_t id = 0;

	OK(store_begin(f->s, &f->e));
	OK(store_inbound_add(f->s, m, &id, &f->e));
	OK(store_commit(f->s, &f->e));
	return id;
}

static void
add_response(struct fx *f, int64_t contact, int64_t inbound,
	     const struct store_answer *a, size_t n)
{
	OK(store_begin(f->s, &f->e));
	OK(store_response_add(f->s, f->camp, contact, inbound, a, n, NULL,
			      &f->e));
	OK(store_commit(f->s, &f->e));
}

static int
copy_token(void *arg, const struct store_contact *c)
{
	snprintf(arg, 32, "%s", c->token);
	return 0;
}

struct due {
	int64_t id[8];
	char token[8][32];
	char rcpt[8][64];
	int n;
};

static int
collect_due(void *arg, const struct store_outrow *r)
{
	struct due *u = arg;

	if (u->n < 8) {
		u->id[u->n] = r->id;
		snprintf(u->token[u->n], 32, "%s", r->token);
		snprintf(u->rcpt[u->n], 64, "%s", r->rcpt);
		u->n++;
	}
	return 0;
}

static long
claim(struct fx *f, struct due *u, const char *kind)
{
	struct store_outbox_filter flt = { .campaign_id = f->camp,
					   .kind = kind };
	long n = 0;

	memset(u, 0, sizeof(*u));
	OK(store_owner_register(f->s, "test", 0, &f->e));
	OK(store_outbox_claim(f->s, &flt, 10, 600, collect_due, u, &n,
			      &f->e));
	return n;
}

static void
send_one(struct fx *f, int64_t id, const char *msgid)
{
	struct store_outcome o = { .state = STORE_D_SENT,
				   .reply = "250 2.0.0 Ok: queued as 7F1" };

	OK(store_outbox_handover(f->s, id, msgid, 600, &f->e));
	OK(store_outbox_complete(f->s, id, &o, &f->e));
}

/*
 * ann: a contact who was invited, bounced once, answered, and has a
 * confirmation waiting; bob: a contact whose answer names ann; eve: a
 * stranger who wrote once. Every value that is ann's carries her
 * address or her surname, so a scan for either finds what is left;
 * addresses that merely contain hers are in test_forget_bounds.
 */
static void
world(struct fx *f)
{
	static const char ann_raw[] =
		"From: Anna " ANN_NAME " <Ann@X.org>\r\nSubject: Re: FS26\r\n"
		"\r\nA1: yes\r\nA2: more visits\r\n";
	static const char bob_raw[] =
		"From: Bob <bob@x.org>\r\nCc: ann@x.org\r\n\r\nA1: no\r\n";
	static const char bob_raw2[] =
		"From: Bob <bob@x.org>\r\nCc: jo@x.org\r\n\r\nA1: no\r\n";
	static const char eve_raw[] =
		"From: eve@y.org\r\nSubject: who are you\r\n\r\nhello\r\n";
	struct store_campaign c = {
		.name = "fs26", .kind = "survey", .template = "survey",
		.deadline = "2026-12-31", .reference = "FS26",
		.audience = { .country = "BE" }, .file = "fs26.campaign",
	};
	struct store_answer ann_ans[] = {
		{ "Q1", "yes" }, { "Q2", "more visits, says " ANN_NAME },
	};
	struct store_answer bob_ans[] = {
		{ "Q1", "no" }, { "Q2", "ask my colleague ANN@x.org" },
	};
	struct store_inbound m;
	struct store_enqueue q;
	struct due u;
	long n = 0;

	f->ann = add_contact(f, ANN, "Anna " ANN_NAME, "Kortrijk", "mayor");
	f->bob = add_contact(f, "bob@x.org", "Bob", "Gent", "official");
	OK(store_contact_set_status(f->s, f->ann, "undeliverable",
				    "550 5.1.1 <ann@x.org>: mailbox full",
				    &f->e));
	OK(store_contact_set_status(f->s, f->ann, "ok", "re-imported",
				    &f->e));
	OK(store_campaign_put(f->s, &c, &f->camp, &f->e));
	OK(store_deliveries_plan(f->s, f->camp, "invite", &n, &f->e));
	assert_int_equal(n, 2);
	assert_int_equal(claim(f, &u, "invite"), 2);
	f->ann_invite = strcmp(u.rcpt[0], ANN) == 0 ? u.id[0] : u.id[1];
	f->bob_invite = f->ann_invite == u.id[0] ? u.id[1] : u.id[0];
	snprintf(f->ann_invite_token, 32, "%s",
		 u.token[f->ann_invite == u.id[0] ? 0 : 1]);
	send_one(f, f->ann_invite, "<inv-ann@org.example>");
	send_one(f, f->bob_invite, "<inv-bob@org.example>");
	assert_int_equal(store_contact_find(f->s, "email", ANN, copy_token,
					    f->ann_token, &f->e), 1);

	/* ann's answer, a bounce about her, her confirmation waiting */
	m = (struct store_inbound){
		.src_key = "maildir:/in/cur/1", .message_id =
		"<reply-ann@x.org>", .from_addr = "Ann@X.org", .subject =
		"Re: FS26 " ANN_NAME, .date = "Mon, 2 Nov 2026 10:00:00 +0100",
		.kind = STORE_I_ANSWERS, .contact_id = f->ann,
		.campaign_id = f->camp, .delivery_id = f->ann_invite,
		.reply_text = "A1: yes\nA2: more visits, says " ANN_NAME,
		.raw = ann_raw, .raw_len = sizeof(ann_raw) - 1,
	};
	f->ann_reply = add_inbound(f, &m);
	add_response(f, f->ann, f->ann_reply, ann_ans, 2);
	m = (struct store_inbound){
		.src_key = "maildir:/in/cur/2", .message_id = "<dsn1@mx>",
		.from_addr = "MAILER-DAEMON@mx.x.org", .kind = STORE_I_BOUNCE,
		.contact_id = f->ann, .bounce_recipient = "ann@x.org",
		.bounce_status = "4.2.2", .bounce_class = "temporary",
		.bounce_diag = "452 4.2.2 <ann@x.org>: mailbox full",
		.raw = ann_raw, .raw_len = sizeof(ann_raw) - 1,
	};
	add_inbound(f, &m);
	q = (struct store_enqueue){
		.campaign_id = f->camp, .contact_id = f->ann, .kind = "confirm",
		.in_reply_to = "<reply-ann@x.org>", .inbound_id = f->ann_reply,
		.vars = "{\"a:Q2\":\"more visits, says " ANN_NAME "\"}",
	};
	OK(store_outbox_enqueue(f->s, &q, &f->confirm, &f->e));

	/* bob names ann; his second message does not */
	m = (struct store_inbound){
		.src_key = "maildir:/in/cur/3", .message_id = "<reply-bob@x>",
		.from_addr = "bob@x.org", .subject = "Re: FS26",
		.kind = STORE_I_ANSWERS, .contact_id = f->bob,
		.campaign_id = f->camp, .reply_text =
		"A1: no\nA2: ask my colleague ANN@x.org",
		.raw = bob_raw, .raw_len = sizeof(bob_raw) - 1,
	};
	add_response(f, f->bob, add_inbound(f, &m), bob_ans, 2);
	m.src_key = "maildir:/in/cur/4";
	m.message_id = "<reply-bob-2@x>";
	m.reply_text = "A1: no";
	m.raw = bob_raw2;
	m.raw_len = sizeof(bob_raw2) - 1;
	m.contact_id = 0;
	m.kind = STORE_I_UNMATCHED;
	add_inbound(f, &m);
	m = (struct store_inbound){
		.src_key = "maildir:/in/cur/5", .message_id = "<e1@y.org>",
		.from_addr = "eve@y.org", .subject = "who are you",
		.kind = STORE_I_UNMATCHED, .reason = "eve@y.org: not a contact",
		.raw = eve_raw, .raw_len = sizeof(eve_raw) - 1,
	};
	add_inbound(f, &m);
}

/* ---- looking for what is left ---- */

static int
has_ci(const void *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	const char *h = hay;

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (strncasecmp(h + i, needle, k) == 0)
			return 1;
	return 0;
}

/* "table.column" of every value in every table that holds needle (any
 * case, text or blob), appended to where; the count. */
static int
grep_tables(struct fx *f, const char *needle, char *where, size_t n)
{
	sqlite3 *db;
	sqlite3_stmt *t, *st;
	int found = 0;

	where[0] = '\0';
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
					    "sqlite_master WHERE type = "
					    "'table'", -1, &t, NULL),
			 SQLITE_OK);
	while (sqlite3_step(t) == SQLITE_ROW) {
		char *sql = xasprintf("SELECT * FROM \"%s\"",
				      sqlite3_column_text(t, 0));

		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
				 SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW)
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				const void *v = sqlite3_column_blob(st, i);
				size_t len = (size_t)
					sqlite3_column_bytes(st, i);
				size_t w = strlen(where);

				if (v == NULL || !has_ci(v, len, needle))
					continue;
				found++;
				snprintf(where + w, n - w, " %s.%s",
					 sqlite3_column_text(t, 0),
					 sqlite3_column_name(st, i));
			}
		sqlite3_finalize(st);
		free(sql);
	}
	sqlite3_finalize(t);
	sqlite3_close(db);
	return found;
}

/* Whether the bytes of the store's file or its WAL hold needle. */
static int
grep_files(struct fx *f, const char *needle)
{
	const char *suffix[] = { "", "-wal" };
	int found = 0;

	for (size_t i = 0; i < 2; i++) {
		char *p = xasprintf("%s%s", f->path, suffix[i]);
		FILE *fp = fopen(p, "rb");
		char *data;
		long len;

		free(p);
		if (fp == NULL)
			continue;
		fseek(fp, 0, SEEK_END);
		len = ftell(fp);
		rewind(fp);
		data = xmalloc((size_t)len + 1);
		assert_int_equal(fread(data, 1, (size_t)len, fp), (size_t)len);
		fclose(fp);
		found |= has_ci(data, (size_t)len, needle);
		free(data);
	}
	return found;
}

static long
sql_long(struct fx *f, const char *sql)
{
	return (long)tfix_path_int(f->path, sql);
}

static char *
sql_text(struct fx *f, const char *sql)
{
	return tfix_path_text(f->path, sql);
}

static int
count_roster(void *arg, const struct store_contact *c, int delivered,
	     int responded, const char *answered_by)
{
	(void)c, (void)delivered, (void)responded, (void)answered_by;
	(*(int *)arg)++;
	return 0;
}

/* ---- forget ---- */

static void
test_forget_contact(void **state)
{
	struct fx *f = *state;
	struct store_forget r;
	char where[1024], *v;
	long counts[STORE_D_N];
	int64_t t = 1767225600;	/* 2026-01-01 */
	int n = 0;

	world(f);
	/* the scans do see her before */
	assert_true(grep_tables(f, ANN, where, sizeof(where)) >= 10);
	assert_true(grep_tables(f, ANN_NAME, where, sizeof(where)) >= 5);
	assert_true(grep_files(f, ANN) && grep_files(f, ANN_NAME));

	store_clock_set(f->s, t);
	assert_int_equal(store_contact_forget(f->s, " Ann@X.ORG ", &r, &f->e),
			 1);
	assert_int_equal(r.contact_id, f->ann);
	assert_int_equal(r.responses, 1);
	assert_int_equal(r.messages, 2);	/* her answer, the bounce */
	assert_int_equal(r.cancelled, 1);	/* the confirmation */
	assert_int_equal(r.deliveries, 2);	/* invite and confirmation */
	assert_int_equal(r.mentions, 3);	/* bob's raw, text, answer */
	assert_int_equal(r.wal_kept, 0);

	/* nothing of her in any table, nor in the file or its WAL */
	if (grep_tables(f, ANN, where, sizeof(where)) != 0)
		fail_msg("%s still in:%s", ANN, where);
	if (grep_tables(f, ANN_NAME, where, sizeof(where)) != 0)
		fail_msg("%s still in:%s", ANN_NAME, where);
	assert_false(grep_files(f, ANN));
	assert_false(grep_files(f, ANN_NAME));
	assert_false(grep_files(f, f->ann_token));
	assert_int_equal(store_contact_find(f->s, "email", ANN, NULL, NULL,
					    &f->e), 0);
	assert_int_equal(store_contact_find(f->s, "token", f->ann_token, NULL,
					    NULL, &f->e), 0);
	/* a later reply to her old mail finds nothing to attach to */
	assert_int_equal(store_delivery_by_token(f->s, f->ann_invite_token,
						 NULL, NULL, NULL, &f->e), 0);
	assert_int_equal(store_delivery_by_ref(f->s, "<inv-ann@org.example>",
					       NULL, NULL, NULL, &f->e), 0);

	/* kept: the tombstone, the date, what was sent, the messages'
	 * kinds and source keys (no second recording by a fetch) */
	v = xasprintf("forgotten-%lld", (long long)f->ann);
	assert_int_equal(store_contact_find(f->s, "email", v, NULL, NULL,
					    &f->e), 1);
	free(v);
	v = sql_text(f, "SELECT status || ',' || coalesce(name, '-') || ',' "
		     "|| coalesce(municipality, '-') || ',' || "
		     "coalesce(country, '-') || ',' || coalesce(role, '-') "
		     "FROM contacts WHERE status = 'forgotten'");
	assert_string_equal(v, "forgotten,-,-,-,-");
	free(v);
	assert_int_equal(sql_long(f, "SELECT created FROM contact_events "
				  "WHERE status = 'forgotten'"), t);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM contact_events "
				  "e JOIN contacts c ON c.id = e.contact_id "
				  "WHERE c.status = 'forgotten'"), 1);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM contact_groups "
				  "g JOIN contacts c ON c.id = g.contact_id "
				  "WHERE c.status = 'forgotten'"), 0);
	OK(store_delivery_counts(f->s, f->camp, "invite", counts, &f->e));
	assert_int_equal(counts[STORE_D_SENT], 2);
	OK(store_delivery_counts(f->s, f->camp, "confirm", counts, &f->e));
	assert_int_equal(counts[STORE_D_CANCELLED], 1);
	assert_int_equal(counts[STORE_D_PENDING], 0);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM inbound WHERE "
				  "src_key IN ('maildir:/in/cur/1', "
				  "'maildir:/in/cur/2') AND raw IS NULL AND "
				  "from_addr IS NULL AND kind IN ('answers', "
				  "'bounce')"), 2);
	assert_int_equal(store_inbound_seen(f->s, "maildir:/in/cur/1", NULL,
					    &f->e), 1);
	/* her answers are gone from every aggregate, bob's stay, with the
	 * address he wrote replaced; his mail naming only others is kept */
	assert_int_equal(sql_long(f, "SELECT count(*) FROM answers"), 2);
	v = sql_text(f, "SELECT value FROM answers WHERE question = 'Q2'");
	assert_string_equal(v, "ask my colleague [forgotten]");
	free(v);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM inbound WHERE "
				  "src_key = 'maildir:/in/cur/3' AND raw IS "
				  "NULL"), 1);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM inbound WHERE "
				  "raw IS NOT NULL"), 2);	/* bob 2, eve */
	/* the report leaves her out of roster and rate: bob alone */
	OK(store_roster_each(f->s, f->camp, count_roster, &n, &f->e));
	assert_int_equal(n, 1);

	/* again: the address is nowhere now, and nothing changes */
	assert_int_equal(store_contact_forget(f->s, ANN, &r, &f->e), 0);
	assert_int_equal(store_contact_forget(f->s, "nobody@x.org", &r,
					      &f->e), 0);
	assert_int_equal(store_contact_forget(f->s, "ann", &r, &f->e), -1);
	assert_non_null(strstr(f->e.msg, "ann: not an e-mail address"));
}

/* An address known only from inbound mail: forget empties its messages
 * and touches no contact. */
static void
test_forget_stranger(void **state)
{
	struct fx *f = *state;
	struct store_forget r;
	char where[1024];

	world(f);
	assert_int_equal(store_contact_forget(f->s, "EVE@y.org", &r, &f->e),
			 1);
	assert_int_equal(r.contact_id, 0);
	assert_int_equal(r.messages, 1);
	assert_int_equal(r.responses + r.cancelled + r.deliveries, 0);
	if (grep_tables(f, "eve@y.org", where, sizeof(where)) != 0)
		fail_msg("eve@y.org still in:%s", where);
	assert_false(grep_files(f, "eve@y.org"));
	assert_int_equal(sql_long(f, "SELECT count(*) FROM contacts WHERE "
				  "status = 'ok'"), 2);
	assert_true(grep_tables(f, ANN, where, sizeof(where)) > 0);
}

/* Only the address itself is a mention: addresses that contain it are
 * other people's, and their mail stays; every spelling of it in a text
 * becomes "[forgotten]" and the rest of the text stays. */
static void
test_forget_bounds(void **state)
{
	struct fx *f = *state;
	static const char raw[] =
		"From: Bob <bob@x.org>\r\nCc: joann@x.org, ann@x.org.uk, "
		"ann@x.org-mail.net, ann.b@x.org\r\n\r\nA1: no\r\n";
	struct store_answer a[] = {
		{ "Q2", "mail <Ann@X.org>, or ann@x.org. Not joann@x.org." },
	};
	struct store_inbound m = {
		.src_key = "k/1", .from_addr = "bob@x.org",
		.kind = STORE_I_ANSWERS, .raw = raw, .raw_len = sizeof(raw) - 1,
	};
	struct store_forget r;
	struct store_campaign c = { .name = "fs26", .kind = "survey" };
	char *v;

	f->ann = add_contact(f, ANN, "Anna", NULL, NULL);
	f->bob = add_contact(f, "bob@x.org", "Bob", NULL, NULL);
	OK(store_campaign_put(f->s, &c, &f->camp, &f->e));
	m.contact_id = f->bob;
	add_response(f, f->bob, add_inbound(f, &m), a, 1);
	assert_int_equal(store_contact_forget(f->s, ANN, &r, &f->e), 1);
	assert_int_equal(r.mentions, 1);
	assert_int_equal(sql_long(f, "SELECT length(raw) FROM inbound"),
			 (long)sizeof(raw) - 1);
	v = sql_text(f, "SELECT value FROM answers");
	assert_string_equal(v, "mail <[forgotten]>, or [forgotten]. Not "
			    "joann@x.org.");
	free(v);
}

/* A message of hers in a sender's hands cannot be called back: forget
 * changes nothing and names it; once the sender is done, it works. A
 * row only claimed is cancelled, and its hand-over then sends nothing. */
static void
test_forget_in_flight(void **state)
{
	struct fx *f = *state;
	struct store_forget r;
	struct store_contact c = { .email = ANN, .name = "Anna",
				   .country = "BE" };
	struct store_campaign k = {
		.name = "fs27", .kind = "survey", .template = "survey",
		.audience = { .country = "BE" },
	};
	struct due u;
	long n;

	OK(store_begin(f->s, &f->e));
	OK(store_contact_upsert(f->s, &c, &f->ann, NULL, &f->e));
	OK(store_commit(f->s, &f->e));
	OK(store_campaign_put(f->s, &k, &f->camp, &f->e));
	OK(store_deliveries_plan(f->s, f->camp, "invite", &n, &f->e));
	assert_int_equal(claim(f, &u, "invite"), 1);
	OK(store_outbox_handover(f->s, u.id[0], "<m@org>", 600, &f->e));

	assert_int_equal(store_contact_forget(f->s, ANN, &r, &f->e), -1);
	assert_int_equal(r.in_flight, u.id[0]);
	assert_non_null(strstr(f->e.msg, "is being handed to the server"));
	assert_int_equal(store_contact_find(f->s, "email", ANN, NULL, NULL,
					    &f->e), 1);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM deliveries WHERE "
				  "state = 'sending' AND message_id = "
				  "'<m@org>'"), 1);

	OK(store_outbox_complete(f->s, u.id[0], &(struct store_outcome){
		.state = STORE_D_DEFERRED, .reply = "451 later",
		.next_attempt = 1 }, &f->e));
	assert_int_equal(claim(f, &u, "invite"), 1);	/* claimed again */
	assert_int_equal(store_contact_forget(f->s, ANN, &r, &f->e), 1);
	assert_int_equal(r.cancelled, 1);
	assert_int_equal(store_outbox_handover(f->s, u.id[0], NULL, 600,
					       &f->e), 1);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM deliveries WHERE "
				  "state = 'cancelled' AND owner IS NULL"),
			 1);
}

/* ---- retention ---- */

static int64_t
add_raw(struct fx *f, const char *key, const char *raw, size_t len)
{
	struct store_inbound m = {
		.src_key = key, .kind = STORE_I_UNMATCHED,
		.from_addr = "x@y.org", .raw = raw, .raw_len = len,
	};

	return add_inbound(f, &m);
}

static void
test_retention_sweep(void **state)
{
	struct fx *f = *state;
	int64_t now = (int64_t)time(NULL);
	size_t big_len = 3 * 4096;	/* overflow pages, freed by the sweep */
	char *big = xmalloc(big_len);
	long n = -1;
	int indexed = 0;

	for (size_t i = 0; i < big_len; i++)
		big[i] = "RETAINED-BYTES "[i % 15];
	add_raw(f, "k/1", "Subject: small\r\n\r\nSMALL-MARKER", 30);
	add_raw(f, "k/2", big, big_len);
	add_inbound(f, &(struct store_inbound){ .src_key = "k/3",
		    .kind = STORE_I_BOUNCE });	/* no raw: not counted */
	free(big);

	OK(store_raw_sweep(f->s, 180, &n, &f->e));	/* all are new */
	assert_int_equal(n, 0);
	store_clock_set(f->s, now + 179 * DAY);
	OK(store_raw_sweep(f->s, 180, &n, &f->e));
	assert_int_equal(n, 0);
	store_clock_set(f->s, now + 181 * DAY);
	OK(store_raw_sweep(f->s, 0, &n, &f->e));	/* 0: kept for ever */
	assert_int_equal(n, 0);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM inbound WHERE "
				  "raw IS NOT NULL"), 2);
	OK(store_raw_sweep(f->s, 180, &n, &f->e));
	assert_int_equal(n, 2);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM inbound WHERE "
				  "raw IS NULL AND kind = 'unmatched' AND "
				  "from_addr = 'x@y.org'"), 2);
	OK(store_raw_sweep(f->s, 180, &n, &f->e));	/* nothing left */
	assert_int_equal(n, 0);
	/* more than one batch: the sweep goes on until none is left */
	store_clock_set(f->s, 0);
	OK(store_begin(f->s, &f->e));
	for (int i = 0; i < 1201; i++) {
		char key[32];
		struct store_inbound m = {
			.src_key = key, .kind = STORE_I_UNREADABLE,
			.raw = "x", .raw_len = 1,
		};

		snprintf(key, sizeof(key), "b/%d", i);
		OK(store_inbound_add(f->s, &m, NULL, &f->e));
	}
	OK(store_commit(f->s, &f->e));
	store_clock_set(f->s, now + 181 * DAY);
	OK(store_raw_sweep(f->s, 180, &n, &f->e));
	assert_int_equal(n, 1201);
	assert_int_equal(sql_long(f, "SELECT count(*) FROM inbound WHERE "
				  "raw IS NOT NULL"), 0);
	/* the bytes left the file, not only the table (secure_delete):
	 * closing the last handle moves the WAL into it */
	store_free(&f->s);
	assert_false(grep_files(f, "SMALL-MARKER"));
	assert_false(grep_files(f, "RETAINED-BYTES"));
	/* one UPDATE on the partial index, no scan of the table */
	{
		sqlite3 *db;
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN "
						    "UPDATE inbound SET raw = "
						    "NULL WHERE id IN (SELECT "
						    "id FROM inbound WHERE "
						    "raw IS NOT NULL AND "
						    "created < 1 LIMIT 500)",
						    -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)
				sqlite3_column_text(st, 3);

			/* each step a search, never a scan */
			if (strncmp(d, "SEARCH", 6) != 0 &&
			    strncmp(d, "LIST", 4) != 0)
				fail_msg("plan: %s", d);
			if (strstr(d, "USING INDEX inbound_raw_created"))
				indexed = 1;
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	assert_true(indexed);
	assert_int_equal(store_open(f->path, &f->s, &f->e), 0);
}

/* [retention] raw_mail_days: 180 unless set, 0 allowed, never negative. */
static void
test_retention_config(void **state)
{
	struct fx *f = *state;
	static const char *const cases[][2] = {
		{ "", "180" }, { "[retention]\nraw_mail_days = 0\n", "0" },
		{ "[retention]\nraw_mail_days = 30\n", "30" },
		{ "[retention]\nraw_mail_days = -1\n", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = xasprintf("%s/c%zu.conf", f->dir, i);
		FILE *fp = fopen(p, "w");
		struct errlist errs = { 0 };
		struct config *cfg = NULL;
		int rc;

		assert_non_null(fp);
		fprintf(fp, "[store]\npath = %s\n[sender]\naddress = "
			"o@x.org\nreply_to = o+{token}@x.org\n[smtp]\nurl = "
			"maildir:%s\n%s", f->path, f->dir, cases[i][0]);
		fclose(fp);
		rc = config_load(p, &cfg, &errs);
		if (cases[i][1] == NULL) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(errs.v[0], "raw_mail_days"));
		} else {
			if (rc != 0)
				fail_msg("%s", errs.v[0]);
			assert_int_equal(cfg->raw_mail_days,
					 atoi(cases[i][1]));
		}
		errlist_free(&errs);
		config_free(&cfg);
		free(p);
	}
}

/* ---- backup ---- */

/* Every table's row count, in one string. */
static char *
counts_of(const char *path)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM contacts) || ' ' || (SELECT "
		"count(*) FROM contact_groups) || ' ' || (SELECT count(*) "
		"FROM contact_events) || ' ' || (SELECT count(*) FROM "
		"campaigns) || ' ' || (SELECT count(*) FROM deliveries) || "
		"' ' || (SELECT count(*) FROM inbound) || ' ' || (SELECT "
		"count(*) FROM responses) || ' ' || (SELECT count(*) FROM "
		"answers) || ' ' || (SELECT sum(length(raw)) FROM inbound)";
	sqlite3 *db;
	sqlite3_stmt *st;
	char *v = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* In a child: write to the store in a loop, one contact with its group
 * per transaction, until killed. */
static void
writer(const char *path)
{
	struct store *s = NULL;
	struct err e;

	if (store_open(path, &s, &e) != 0)
		_exit(2);
	for (long i = 0;; i++) {
		char email[64];
		struct store_contact c = { .email = email, .groups = "w" };

		snprintf(email, sizeof(email), "w%ld@x.org", i);
		if (store_begin(s, &e) != 0 ||
		    store_contact_upsert(s, &c, NULL, NULL, &e) != 0 ||
		    store_commit(s, &e) != 0)
			_exit(3);
	}
}

static void
test_backup(void **state)
{
	struct fx *f = *state;
	char *copy = xasprintf("%s/copy.db", f->dir);
	char *live = xasprintf("%s/live.db", f->dir);
	char *a, *b;
	struct store *c = NULL;
	struct dirent *de;
	DIR *d;
	pid_t pid;
	int st;
	long w, g;

	world(f);
	OK(store_backup(f->s, copy, &f->e));
	/* the copy opens as a store, with the same rows */
	a = counts_of(f->path);
	b = counts_of(copy);
	assert_string_equal(a, b);
	free(a);
	free(b);
	OK(store_open(copy, &c, &f->e));
	assert_int_equal(store_contact_find(c, "email", ANN, NULL, NULL,
					    &f->e), 1);
	store_free(&c);

	/* never over an existing file: it stays as it was */
	assert_int_equal(store_backup(f->s, copy, &f->e), -1);
	assert_non_null(strstr(f->e.msg, "copy.db: exists"));
	a = counts_of(copy);
	assert_non_null(a);
	free(a);

	/* while another process writes */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		writer(f->path);
	for (int i = 0; sql_long(f, "SELECT count(*) FROM contacts") < 200;
	     i++) {
		assert_true(i < 10000);	/* 10 s */
		assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
		usleep(1000);
	}
	OK(store_backup(f->s, live, &f->e));
	w = sql_long(f, "SELECT count(*) FROM contacts");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_true(WIFSIGNALED(st));	/* it was still writing */
	OK(store_open(live, &c, &f->e));
	store_free(&c);
	/* one snapshot: each contact with its group, none half-written */
	{
		sqlite3 *db;
		sqlite3_stmt *q;

		assert_int_equal(sqlite3_open(live, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT "
						    "count(*) FROM contacts "
						    "WHERE email LIKE 'w%'), "
						    "(SELECT count(*) FROM "
						    "contact_groups cg JOIN "
						    "groups g ON g.id = "
						    "cg.group_id WHERE g.name "
						    "= 'w')", -1, &q, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		g = sqlite3_column_int64(q, 1);
		assert_int_equal(sqlite3_column_int64(q, 0), g);
		assert_true(g >= 198 && g + 2 <= w);
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	/* no temporary file left beside the copies ("FILE.XXXXXX") */
	assert_non_null(d = opendir(f->dir));
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "copy.db.", 8) == 0 ||
		    strncmp(de->d_name, "live.db.", 8) == 0)
			fail_msg("left behind: %s", de->d_name);
	closedir(d);
	free(copy);
	free(live);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_forget_contact),
		T(test_forget_stranger),
		T(test_forget_bounds),
		T(test_forget_in_flight),
		T(test_retention_sweep),
		T(test_retention_config),
		T(test_backup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
