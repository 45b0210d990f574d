/*
 * test_ingest.c -- the receive path's pure and store-backed parts: the
 * worker answer's packing, the parse worker (crash -> restart, its
 * memory limit), key
 * resolution order on a temporary store, record's dedup and effects, the
 * Maildir fetch backend, the reconnect back-off, and the IMAP backend's
 * pure helpers (imap:// URLs, modified UTF-7 mailbox names).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/config.h"
#include "mail/classify.h"
#include "mail/parse.h"
#include "receive/fetch.h"
#include "receive/fetch_private.h"
#include "receive/ingest.h"
#include "receive/ingest_worker.h"
#include "receive/record.h"
#include "store/store.h"
#include "base/xmem.h"
#include "mail/fprint.h"
#include "model/form.h"
#include "model/survey.h"

/* ---- packing ------------------------------------------------------------- */

static void
sample_result(struct ingest_result *r)
{
	memset(r, 0, sizeof(*r));
	r->parsed = 1;
	r->message_id = xstrdup("abc@example.net");
	r->from_addr = xstrdup("ivan@kavarna.bg");
	r->subject = xstrdup("Re: Анкета");
	r->date = xstrdup("Mon, 23 Nov 2026 10:00:00 +0200");
	r->charset = xstrdup("windows-1251");
	r->reply_text = xstrdup("A1: b\nA2: yes\n");
	r->quoted_text = xstrdup("");
	r->notes = xstrdup("charset guessed");
	r->charset_guessed = 1;
	r->read = r->form = 1;
	r->form_error = xstrdup("");
	r->nanswers = 2;
	r->answers = xcalloc(5, sizeof(char *));
	r->answers[0] = xstrdup("q1");
	r->answers[1] = xstrdup("b");
	r->answers[2] = xstrdup("q2");
	r->answers[3] = xstrdup("yes");
	r->nproblems = 1;
	r->problems = xcalloc(3, sizeof(char *));
	r->problems[0] = xstrdup("q3");
	r->problems[1] = xstrdup("Q3: required, no answer found");
	r->c.kind = CLASSIFY_BOUNCE;
	r->c.bclass = CLASSIFY_B_PERMANENT;
	snprintf(r->c.token, sizeof(r->c.token), "tok123");
	snprintf(r->c.bounce_status, sizeof(r->c.bounce_status), "5.1.1");
}

static void
test_pack_roundtrip(void **state)
{
	(void)state;
	struct ingest_result a, b;
	struct buf out;
	struct err e;
	sample_result(&a);
	buf_init(&out, 0);
	assert_int_equal(ingest_result_pack(&a, &out), 0);
	assert_int_equal(ingest_result_unpack(out.data, out.len, &b, &e), 0);
	assert_int_equal(b.parsed, 1);
	assert_int_equal(b.charset_guessed, 1);
	assert_int_equal(b.html_only, 0);
	assert_string_equal(b.message_id, "abc@example.net");
	assert_string_equal(b.subject, "Re: Анкета");
	assert_string_equal(b.reply_text, "A1: b\nA2: yes\n");
	assert_string_equal(b.quoted_text, "");
	assert_string_equal(b.notes, "charset guessed");
	assert_int_equal(b.read, 1);
	assert_int_equal(b.form, 1);
	assert_int_equal(b.by_fprint, 0);
	assert_int_equal(b.nanswers, 2);
	assert_string_equal(b.answers[2], "q2");
	assert_string_equal(b.answers[3], "yes");
	assert_int_equal(b.nproblems, 1);
	assert_string_equal(b.problems[1], "Q3: required, no answer found");
	assert_string_equal(b.text, "");
	assert_int_equal(b.c.kind, CLASSIFY_BOUNCE);
	assert_int_equal(b.c.bclass, CLASSIFY_B_PERMANENT);
	assert_string_equal(b.c.token, "tok123");
	assert_string_equal(b.c.bounce_status, "5.1.1");
	ingest_result_clear(&b);
	ingest_result_clear(&a);
	buf_free(&out);
}

/* Every truncation and a few corruptions are refused, never trusted. */
static void
test_unpack_damaged(void **state)
{
	(void)state;
	struct ingest_result a, b;
	struct buf out;
	struct err e;
	sample_result(&a);
	buf_init(&out, 0);
	assert_int_equal(ingest_result_pack(&a, &out), 0);
	for (size_t n = 0; n < out.len; n++)
		assert_int_equal(ingest_result_unpack(out.data, n, &b, &e), -1);
	char *bad = xmalloc(out.len + 1);
	memcpy(bad, out.data, out.len);
	bad[0] ^= 1;			/* magic */
	assert_int_equal(ingest_result_unpack(bad, out.len, &b, &e), -1);
	memcpy(bad, out.data, out.len);
	bad[4] = 7;			/* a flag that is not 0/1 */
	assert_int_equal(ingest_result_unpack(bad, out.len, &b, &e), -1);
	memcpy(bad, out.data, out.len);
	memset(bad + 36, 0xff, 4);	/* first string length: huge */
	assert_int_equal(ingest_result_unpack(bad, out.len, &b, &e), -1);
	/* unterminated fixed buffers come back terminated */
	memset(a.c.token, 'x', sizeof(a.c.token));
	buf_reset(&out);
	assert_int_equal(ingest_result_pack(&a, &out), 0);
	assert_int_equal(ingest_result_unpack(out.data, out.len, &b, &e), 0);
	assert_int_equal(strlen(b.c.token), sizeof(b.c.token) - 1);
	ingest_result_clear(&b);
	/* a kind out of range */
	a.c.kind = (enum classify_kind)99;
	buf_reset(&out);
	assert_int_equal(ingest_result_pack(&a, &out), 0);
	assert_int_equal(ingest_result_unpack(out.data, out.len, &b, &e), -1);
	free(bad);
	ingest_result_clear(&a);
	buf_free(&out);
}

/* ---- the worker ------------------------------------------------------------ */

static const char msg_ok[] =
	"From: Ivan <ivan@kavarna.bg>\r\nTo: organiser@example.org\r\n"
	"Subject: Re: survey\r\nMessage-ID: <ok-1@kavarna.bg>\r\n"
	"Date: Mon, 23 Nov 2026 10:00:00 +0200\r\n\r\nA1: b\r\n";
static const char msg_poison[] =
	"From: x@y.org\r\nSubject: boom\r\nMessage-ID: <poison@y.org>\r\n"
	"\r\nhello\r\n";

static void
test_worker_crash_restart(void **state)
{
	(void)state;
	struct config cfg = { 0 };
	cfg.max_message_bytes = 1 << 20;
	cfg.from_address = "organiser@example.org";
	cfg.reply_to = "organiser+{token}@example.org";
	cfg.return_path = "bounces+{token}@example.org";
	cfg.message_id_domain = "anketa.example.org";
	struct ingest_worker *w = NULL;
	struct ingest_result r;
	char why[256];
	setenv("ANKETA_TEST_CRASH_MSGID", "poison@y.org", 1);
	assert_int_equal(ingest_worker_parse(&w, &cfg, msg_ok,
					     strlen(msg_ok), &r, why,
					     sizeof(why)), 1);
	assert_int_equal(r.parsed, 1);
	assert_string_equal(r.message_id, "ok-1@kavarna.bg");
	assert_string_equal(r.from_addr, "ivan@kavarna.bg");
	ingest_result_clear(&r);
	assert_int_equal(ingest_worker_parse(&w, &cfg, msg_poison,
					     strlen(msg_poison), &r, why,
					     sizeof(why)), 0);
	assert_non_null(strstr(why, "signal 6"));
	assert_null(w);
	/* the next message gets a fresh worker */
	assert_int_equal(ingest_worker_parse(&w, &cfg, msg_ok,
					     strlen(msg_ok), &r, why,
					     sizeof(why)), 1);
	assert_string_equal(r.message_id, "ok-1@kavarna.bg");
	ingest_result_clear(&r);
	ingest_worker_free(&w);
	assert_null(w);
	unsetenv("ANKETA_TEST_CRASH_MSGID");
}

/* A streamed batch: the worker dies on the third of six messages; that
 * one (and only that one) is charged, a new worker parses the rest. Big
 * messages make the requests outrun the socket buffer. */
static void
test_worker_batch(void **state)
{
	(void)state;
	struct config cfg = { 0 };
	cfg.max_message_bytes = 4 << 20;
	struct buf big;
	buf_init(&big, 0);
	buf_adds(&big, "From: ivan@kavarna.bg\r\nSubject: big\r\n"
		 "Message-ID: <big@kavarna.bg>\r\n\r\n");
	for (int i = 0; i < 20000; i++)
		buf_adds(&big, "A1: a line of a long answer to fill it up\r\n");
	const char *raw[6] = { msg_ok, buf_cstr(&big), msg_poison, msg_ok,
			       buf_cstr(&big), msg_ok };
	struct ingest_worker_job jobs[6];
	for (size_t i = 0; i < 6; i++)
		jobs[i] = (struct ingest_worker_job){ .raw = raw[i],
						      .len = strlen(raw[i]) };
	struct ingest_worker *w = NULL;
	setenv("ANKETA_TEST_CRASH_MSGID", "poison@y.org", 1);
	assert_int_equal(ingest_worker_parse_many(&w, &cfg, jobs, 6), 0);
	static const char *const ids[6] = { "ok-1@kavarna.bg",
		"big@kavarna.bg", NULL, "ok-1@kavarna.bg", "big@kavarna.bg",
		"ok-1@kavarna.bg" };
	for (size_t i = 0; i < 6; i++) {
		if (ids[i] == NULL) {
			assert_int_equal(jobs[i].ok, 0);
			assert_non_null(strstr(jobs[i].why, "signal 6"));
			continue;
		}
		assert_int_equal(jobs[i].ok, 1);
		assert_string_equal(jobs[i].r.message_id, ids[i]);
		ingest_result_clear(&jobs[i].r);
	}
	assert_non_null(w);	/* the second worker lives on */
	ingest_worker_free(&w);
	unsetenv("ANKETA_TEST_CRASH_MSGID");
	buf_free(&big);
}

/* A message the parser would take all memory on (test hook): the
 * worker's memory limit ends it, that message alone is charged with a
 * reason that says memory, the messages around it parse (the one after
 * it in a new worker). max_message_bytes 1 KB: a limit of 64 MB + 64 KB
 * over the worker's size at start, which ordinary mail stays within. */
static void
test_worker_memory_limit(void **state)
{
	(void)state;
	struct config cfg = { 0 };
	cfg.max_message_bytes = 1024;
	const char *raw[3] = { msg_ok, msg_poison, msg_ok };
	struct ingest_worker_job jobs[3];
	for (size_t i = 0; i < 3; i++)
		jobs[i] = (struct ingest_worker_job){ .raw = raw[i],
						      .len = strlen(raw[i]) };
	struct ingest_worker *w = NULL;
	setenv("ANKETA_TEST_ALLOC_MSGID", "poison@y.org", 1);
	assert_int_equal(ingest_worker_parse_many(&w, &cfg, jobs, 3), 0);
	unsetenv("ANKETA_TEST_ALLOC_MSGID");
	assert_int_equal(jobs[0].ok, 1);
	assert_string_equal(jobs[0].r.message_id, "ok-1@kavarna.bg");
	assert_int_equal(jobs[1].ok, 0);
	if (strstr(jobs[1].why, "out of memory") == NULL)
		fail_msg("why: %s", jobs[1].why);
	assert_non_null(strstr(jobs[1].why, "max_message_bytes"));
	assert_int_equal(jobs[2].ok, 1);
	assert_string_equal(jobs[2].r.message_id, "ok-1@kavarna.bg");
	ingest_result_clear(&jobs[0].r);
	ingest_result_clear(&jobs[2].r);
	ingest_worker_free(&w);
}

/* ---- a temporary store --------------------------------------------------- */

/* 2026-11-20 12:00 UTC: every campaign below is open but "ct25" */
#define TEST_NOW 1795176000

/* One delivery sent through the outbox, as the sender leaves it. */
struct sent {
	int64_t id, campaign_id, contact_id;
	char kind[16];
	char token[32];
	char msgid[80];		/* as stored: with <> */
};

struct fixture {
	char dir[64];
	struct store *s;
	int64_t camp, ca, cb;
	struct sent sent[32];
	size_t nsent;
};

static int
take_row(void *arg, const struct store_outrow *r)
{
	struct fixture *fx = arg;
	struct err e;
	assert_true(fx->nsent < sizeof(fx->sent) / sizeof(fx->sent[0]));
	struct sent *x = &fx->sent[fx->nsent++];
	x->id = r->id;
	x->campaign_id = r->campaign_id;
	assert_non_null(r->contact);
	x->contact_id = r->contact->id;
	snprintf(x->kind, sizeof(x->kind), "%s", r->kind);
	snprintf(x->token, sizeof(x->token), "%s", r->token);
	snprintf(x->msgid, sizeof(x->msgid), "<d%lld.%s@anketa.example.org>",
		 (long long)r->id, r->kind);
	assert_int_equal(store_outbox_handover(fx->s, r->id, x->msgid, 3600,
					       &e), 0);
	assert_int_equal(store_outbox_complete(fx->s, r->id,
		&(struct store_outcome){ .state = STORE_D_SENT,
					 .reply = "250 ok" }, &e), 0);
	return 0;
}

/* Send every due row of campaign (0: any) and kind through the outbox;
 * the clock moves a minute so "newest" means something. */
static void
send_due(struct fixture *fx, int64_t campaign_id, const char *kind)
{
	struct store_outbox_filter f = { .campaign_id = campaign_id,
					 .kind = kind };
	struct err e;
	long n = 0;
	assert_int_equal(store_outbox_claim(fx->s, &f, 32, 3600, take_row, fx,
					    &n, &e), 0);
	assert_true(n > 0);
	store_clock_set(fx->s, store_now(fx->s) + 60);
}

/* A campaign planned for its audience (country filter or all) and, when
 * send, sent. */
static int64_t
campaign(struct fixture *fx, const char *name, const char *deadline,
	 const char *country, int send)
{
	struct store_campaign c = { .name = name, .kind = "invitation",
				    .template = "invite",
				    .deadline = deadline,
				    .audience = { .country = country } };
	struct err e;
	int64_t id;
	long added = 0;
	assert_int_equal(store_campaign_put(fx->s, &c, &id, &e), 0);
	assert_int_equal(store_deliveries_plan(fx->s, id, "invite", &added,
					       &e), 0);
	assert_true(added > 0);
	if (send)
		send_due(fx, id, "invite");
	return id;
}

static const struct sent *
sent_of(const struct fixture *fx, int64_t campaign_id, int64_t contact_id,
	const char *kind)
{
	for (size_t i = 0; i < fx->nsent; i++)
		if (fx->sent[i].campaign_id == campaign_id &&
		    fx->sent[i].contact_id == contact_id &&
		    strcmp(fx->sent[i].kind, kind) == 0)
			return &fx->sent[i];
	fail_msg("nothing sent of campaign %lld to contact %lld",
		 (long long)campaign_id, (long long)contact_id);
	return NULL;
}

static int
setup_store(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	struct err e;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_ingest.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	char *path = xasprintf("%s/store.db", fx->dir);
	assert_int_equal(store_open(path, &fx->s, &e), 0);
	free(path);
	store_clock_set(fx->s, TEST_NOW);
	assert_int_equal(store_owner_register(fx->s, "send", 0, &e), 0);
	struct store_contact a = { .email = "a@kavarna.bg", .name = "A",
				   .country = "BG", .language = "bg" };
	struct store_contact b = { .email = "b@ghent.be", .name = "B",
				   .country = "BE", .language = "nl" };
	int created;
	assert_int_equal(store_begin(fx->s, &e), 0);
	assert_int_equal(store_contact_upsert(fx->s, &a, &fx->ca, &created,
					      &e), 0);
	assert_int_equal(store_contact_upsert(fx->s, &b, &fx->cb, &created,
					      &e), 0);
	assert_int_equal(store_commit(fx->s, &e), 0);
	fx->camp = campaign(fx, "fs26", "2026-12-31", NULL, 1);
	assert_int_equal(fx->nsent, 2);
	*state = fx;
	return 0;
}

static int
teardown_store(void **state)
{
	struct fixture *fx = *state;
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);
	store_free(&fx->s);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(fx);
	return 0;
}

static int
take_token(void *arg, const struct store_contact *c)
{
	snprintf(arg, CLASSIFY_TOKEN_MAX, "%s", c->token);
	return 0;
}

static void
token_of(struct fixture *fx, int64_t id, char *out)
{
	char key[32];
	struct err e;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	assert_int_equal(store_contact_find(fx->s, "id", key, take_token, out,
					    &e), 1);
}

/* The id as a reply quotes it: no <>. */
static const char *
bare(const struct sent *x, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)strlen(x->msgid) - 2, x->msgid + 1);
	return out;
}

/* What classify hands ingest, field by field. */
struct keys {
	const char *token;		/* c.token */
	const char *source;		/* c.token_source */
	const char *subject_token;
	const char *refs;		/* c.ref_message_ids */
	const char *from;
	enum classify_kind kind;
	const char *bounce_rcpt;
};

static int
resolve(struct fixture *fx, const struct keys *k, struct ingest_match *m)
{
	struct ingest_result r = { 0 };
	struct err e;
	r.from_addr = (char *)(k->from ? k->from : "");
	r.c.kind = k->kind;
	snprintf(r.c.token, sizeof(r.c.token), "%s", k->token ? k->token : "");
	snprintf(r.c.token_source, sizeof(r.c.token_source), "%s",
		 k->source ? k->source : (k->token ? "reply-to" : ""));
	snprintf(r.c.subject_token, sizeof(r.c.subject_token), "%s",
		 k->subject_token ? k->subject_token : "");
	snprintf(r.c.ref_message_ids, sizeof(r.c.ref_message_ids), "%s",
		 k->refs ? k->refs : "");
	snprintf(r.c.ref_message_id, sizeof(r.c.ref_message_id), "%.*s",
		 (int)strcspn(r.c.ref_message_ids, " "), r.c.ref_message_ids);
	snprintf(r.c.bounce_recipient, sizeof(r.c.bounce_recipient), "%s",
		 k->bounce_rcpt ? k->bounce_rcpt : "");
	int got = ingest_resolve(fx->s, &r, m, &e);
	assert_int_not_equal(got, -1);
	return got;
}

/* The basic order with one campaign: the thread, then the tokens, then
 * the sender; a key of a contact from another sender is a colleague's
 * answer. */
struct resolve_case {
	const char *name;
	int token_of;	/* 0 none, 1/2 contact a/b, 3 bogus, 4/5 delivery a/b */
	int ref_of;	/* 0 none, 1/2 delivery a/b, 3 a foreign id */
	const char *from;
	enum classify_kind kind;
	const char *bounce_rcpt;
	int want;		/* 1 a, 2 b, 0 none */
	const char *how;
	const char *answered_by;
	const char *note;	/* a part of m.note, or NULL for none */
};

static const struct resolve_case resolve_cases[] = {
	{ "delivery token beats sender", 4, 0, "b@ghent.be", CLASSIFY_REPLY,
	  "", 1, "delivery-token", "b@ghent.be", NULL },
	{ "contact token beats sender", 1, 0, "b@ghent.be", CLASSIFY_REPLY,
	  "", 1, "contact-token", "b@ghent.be", NULL },
	{ "thread beats a contact token", 1, 2, "a@kavarna.bg",
	  CLASSIFY_REPLY, "", 2, "message-id", "a@kavarna.bg",
	  "reply token names contact 1 (a@kavarna.bg), thread names "
	  "delivery 2 (campaign fs26): thread kept" },
	{ "thread beats a delivery token", 4, 2, "a@kavarna.bg",
	  CLASSIFY_REPLY, "", 2, "message-id", "a@kavarna.bg",
	  "campaign fs26), thread names delivery " },
	{ "thread when no token", 0, 2, "a@kavarna.bg", CLASSIFY_REPLY, "",
	  2, "message-id", "a@kavarna.bg", NULL },
	{ "bogus token falls to sender", 3, 0, "B@Ghent.be",
	  CLASSIFY_REPLY, "", 2, "sender", NULL, NULL },
	{ "unknown everything", 3, 3, "z@z.org", CLASSIFY_REPLY,
	  "", 0, "none", NULL, "token bogus names no delivery or contact" },
	{ "bounce names the recipient", 0, 0, "mailer-daemon@ghent.be",
	  CLASSIFY_BOUNCE, "a@kavarna.bg", 1, "sender", NULL, NULL },
	{ "bounce: the VERP delivery token beats the returned id", 4, 2,
	  "mailer-daemon@ghent.be", CLASSIFY_BOUNCE, "b@ghent.be", 1,
	  "delivery-token", NULL, "thread names delivery " },
};

static void
test_resolve_order(void **state)
{
	struct fixture *fx = *state;
	const struct sent *da = sent_of(fx, fx->camp, fx->ca, "invite");
	const struct sent *db = sent_of(fx, fx->camp, fx->cb, "invite");
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(*resolve_cases);
	     i++) {
		const struct resolve_case *tc = &resolve_cases[i];
		char tok[CLASSIFY_TOKEN_MAX] = "", ref[128] = "";
		struct ingest_match m;
		if (tc->token_of == 1 || tc->token_of == 2)
			token_of(fx, tc->token_of == 1 ? fx->ca : fx->cb, tok);
		else if (tc->token_of == 3)
			snprintf(tok, sizeof(tok), "bogus");
		else if (tc->token_of)
			snprintf(tok, sizeof(tok), "%s",
				 (tc->token_of == 4 ? da : db)->token);
		if (tc->ref_of == 1 || tc->ref_of == 2)
			bare(tc->ref_of == 1 ? da : db, ref, sizeof(ref));
		else if (tc->ref_of == 3)
			snprintf(ref, sizeof(ref), "nope@else");
		struct keys k = { .token = tok[0] ? tok : NULL, .refs = ref,
				  .from = tc->from, .kind = tc->kind,
				  .bounce_rcpt = tc->bounce_rcpt,
				  .source = tc->kind == CLASSIFY_BOUNCE &&
					    tok[0] ? "verp" : NULL };
		print_message("# case: %s\n", tc->name);
		int got = resolve(fx, &k, &m);
		assert_int_equal(got, tc->want ? 1 : 0);
		assert_string_equal(m.how, tc->how);
		assert_int_equal(m.contact_id, tc->want == 1 ? fx->ca :
				 tc->want == 2 ? fx->cb : 0);
		assert_int_equal(m.campaign_id, tc->want ? fx->camp : 0);
		if (tc->want)
			assert_int_equal(m.delivery_id,
					 (tc->want == 1 ? da : db)->id);
		if (tc->answered_by)
			assert_string_equal(m.answered_by, tc->answered_by);
		else
			assert_null(m.answered_by);
		if (tc->note) {
			assert_non_null(m.note);
			print_message("#   note: %s\n", m.note);
			assert_non_null(strstr(m.note, tc->note));
		} else
			assert_null(m.note);
		ingest_match_clear(&m);
	}
}

/* Contact a has three open campaigns (fs26 oldest, then mi25, ws27),
 * one closed (ct25: deadline passed) and one planned but not sent
 * (zz28); contact b has fs26 only. Each reply finds its own. */
struct three {
	struct fixture *fx;
	int64_t fs, mi, ws, ct, zz;
	const struct sent *a_fs, *a_mi, *a_ws, *b_fs;
};

static void
three_setup(struct fixture *fx, struct three *t)
{
	t->fx = fx;
	t->fs = fx->camp;
	t->ct = campaign(fx, "ct25", "2026-11-19", "BG", 1);
	t->mi = campaign(fx, "mi25", "", "BG", 1);
	t->ws = campaign(fx, "ws27", "2026-11-20T18:00:00+02:00", "BG", 1);
	t->zz = campaign(fx, "zz28", "2027-01-31", "BG", 0);
	t->a_fs = sent_of(fx, t->fs, fx->ca, "invite");
	t->a_mi = sent_of(fx, t->mi, fx->ca, "invite");
	t->a_ws = sent_of(fx, t->ws, fx->ca, "invite");
	t->b_fs = sent_of(fx, t->fs, fx->cb, "invite");
}

static void
expect(const struct ingest_match *m, int64_t contact, const struct sent *d,
       const char *how)
{
	assert_string_equal(m->how, how);
	assert_int_equal(m->contact_id, contact);
	assert_int_equal(m->campaign_id, d ? d->campaign_id : 0);
	assert_int_equal(m->delivery_id, d ? d->id : 0);
}

static void
test_resolve_three_open(void **state)
{
	struct fixture *fx = *state;
	struct three t;
	struct ingest_match m;
	char ref[128];
	three_setup(fx, &t);
	const struct sent *each[] = { t.a_fs, t.a_mi, t.a_ws };
	for (size_t i = 0; i < 3; i++) {
		const struct sent *d = each[i];
		print_message("# campaign %lld by delivery token in To\n",
			      (long long)d->campaign_id);
		resolve(fx, &(struct keys){ .token = d->token,
					    .from = "a@kavarna.bg" }, &m);
		expect(&m, fx->ca, d, "delivery-token");
		assert_null(m.note);
		ingest_match_clear(&m);
		print_message("# by In-Reply-To only\n");
		resolve(fx, &(struct keys){ .refs = bare(d, ref, sizeof(ref)),
					    .from = "a@kavarna.bg" }, &m);
		expect(&m, fx->ca, d, "message-id");
		assert_null(m.note);
		ingest_match_clear(&m);
		print_message("# by the subject's [ref:] only\n");
		resolve(fx, &(struct keys){ .token = d->token,
					    .source = "subject",
					    .subject_token = d->token,
					    .from = "a@kavarna.bg" }, &m);
		expect(&m, fx->ca, d, "subject-token");
		ingest_match_clear(&m);
		print_message("# a bounce by its VERP token\n");
		resolve(fx, &(struct keys){ .token = d->token,
					    .source = "verp",
					    .kind = CLASSIFY_BOUNCE,
					    .bounce_rcpt = "a@kavarna.bg",
					    .from = "mailer-daemon@x.bg" }, &m);
		expect(&m, fx->ca, d, "delivery-token");
		ingest_match_clear(&m);
	}
	/* a reply to the OLDEST campaign while newer ones are open, from
	 * a client that kept only References (its id not the first) */
	char refs[300];
	snprintf(refs, sizeof(refs), "p9@anketa.example.org %s",
		 bare(t.a_fs, ref, sizeof(ref)));
	resolve(fx, &(struct keys){ .refs = refs, .from = "a@kavarna.bg" },
		&m);
	expect(&m, fx->ca, t.a_fs, "message-id");
	ingest_match_clear(&m);
	/* the subject's reference when the reply address was lost in an
	 * unknown token */
	resolve(fx, &(struct keys){ .token = "zzzzzzzzzzzzzzzz",
				    .subject_token = t.a_mi->token,
				    .from = "a@kavarna.bg" }, &m);
	expect(&m, fx->ca, t.a_mi, "subject-token");
	ingest_match_clear(&m);
}

static void
test_resolve_legacy_token(void **state)
{
	struct fixture *fx = *state;
	struct three t;
	struct ingest_match m;
	char ta[CLASSIFY_TOKEN_MAX], tb[CLASSIFY_TOKEN_MAX], ref[128];
	three_setup(fx, &t);
	token_of(fx, fx->ca, ta);
	token_of(fx, fx->cb, tb);
	/* a: fs26, mi25, ws27 open (ct25 closed, zz28 not sent) */
	assert_int_equal(resolve(fx, &(struct keys){ .token = ta,
				 .from = "a@kavarna.bg" }, &m), 1);
	expect(&m, fx->ca, NULL, "contact-token");
	assert_non_null(m.note);
	print_message("# note: %s\n", m.note);
	assert_non_null(strstr(m.note, "reply token names a contact with 3 "
			       "open campaigns and no thread: which one is "
			       "unclear"));
	ingest_match_clear(&m);
	/* the same by the subject reference, and by the sender alone */
	resolve(fx, &(struct keys){ .token = ta, .source = "subject",
				    .from = "a@kavarna.bg" }, &m);
	expect(&m, fx->ca, NULL, "subject-token");
	assert_non_null(m.note);
	assert_non_null(strstr(m.note, "3 open campaigns"));
	ingest_match_clear(&m);
	resolve(fx, &(struct keys){ .from = "a@kavarna.bg" }, &m);
	expect(&m, fx->ca, NULL, "sender");
	assert_non_null(m.note);
	assert_non_null(strstr(m.note, "the sender is a contact with 3 open"));
	ingest_match_clear(&m);
	/* b: fs26 only */
	resolve(fx, &(struct keys){ .token = tb, .from = "b@ghent.be" }, &m);
	expect(&m, fx->cb, t.b_fs, "contact-token");
	assert_null(m.note);
	ingest_match_clear(&m);
	/* a legacy token with a thread: the thread decides, silently */
	resolve(fx, &(struct keys){ .token = ta,
				    .refs = bare(t.a_mi, ref, sizeof(ref)),
				    .from = "a@kavarna.bg" }, &m);
	expect(&m, fx->ca, t.a_mi, "message-id");
	assert_null(m.note);
	ingest_match_clear(&m);
	/* in capitals */
	for (char *p = ta; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	resolve(fx, &(struct keys){ .token = ta, .from = "b@ghent.be" }, &m);
	expect(&m, fx->ca, NULL, "contact-token");
	assert_string_equal(m.answered_by, "b@ghent.be");
	ingest_match_clear(&m);
}

static void
test_resolve_disagreement(void **state)
{
	struct fixture *fx = *state;
	struct three t;
	struct ingest_match m;
	char ref[128], want[256];
	three_setup(fx, &t);
	/* the reply address names ws27, the thread fs26: the thread wins */
	resolve(fx, &(struct keys){ .token = t.a_ws->token,
				    .refs = bare(t.a_fs, ref, sizeof(ref)),
				    .from = "a@kavarna.bg" }, &m);
	expect(&m, fx->ca, t.a_fs, "message-id");
	assert_non_null(m.note);
	print_message("# note: %s\n", m.note);
	snprintf(want, sizeof(want), "reply token names delivery %lld "
		 "(campaign ws27), thread names delivery %lld (campaign "
		 "fs26): thread kept", (long long)t.a_ws->id,
		 (long long)t.a_fs->id);
	assert_string_equal(m.note, want);
	ingest_match_clear(&m);
}

static void
test_resolve_upper_case(void **state)
{
	struct fixture *fx = *state;
	struct three t;
	struct ingest_match m;
	char up[CLASSIFY_TOKEN_MAX];
	three_setup(fx, &t);
	snprintf(up, sizeof(up), "%s", t.a_mi->token);
	for (char *p = up; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	assert_string_not_equal(up, t.a_mi->token);
	resolve(fx, &(struct keys){ .token = up, .from = "a@kavarna.bg" },
		&m);
	expect(&m, fx->ca, t.a_mi, "delivery-token");
	ingest_match_clear(&m);
	resolve(fx, &(struct keys){ .token = up, .source = "subject",
				    .from = "a@kavarna.bg" }, &m);
	expect(&m, fx->ca, t.a_mi, "subject-token");
	ingest_match_clear(&m);
}

/* Our confirmation is a delivery too: a reply to it (its Message-ID in
 * In-Reply-To, its own token in the reply address) is its campaign's. */
static void
test_resolve_reply_to_feedback(void **state)
{
	struct fixture *fx = *state;
	struct three t;
	struct ingest_match m;
	struct err e;
	char ref[128];
	int64_t id;
	three_setup(fx, &t);
	struct store_enqueue q = { .campaign_id = t.mi,
				   .contact_id = fx->ca, .kind = "confirm",
				   .in_reply_to = "<r1@client.example>" };
	assert_int_equal(store_outbox_enqueue(fx->s, &q, &id, &e), 0);
	send_due(fx, t.mi, "confirm");
	const struct sent *fb = sent_of(fx, t.mi, fx->ca, "confirm");
	assert_int_equal(fb->id, id);
	resolve(fx, &(struct keys){ .refs = bare(fb, ref, sizeof(ref)),
				    .from = "a@kavarna.bg" }, &m);
	expect(&m, fx->ca, fb, "message-id");
	assert_int_equal(m.campaign_id, t.mi);
	ingest_match_clear(&m);
	resolve(fx, &(struct keys){ .token = fb->token,
				    .from = "a@kavarna.bg" }, &m);
	expect(&m, fx->ca, fb, "delivery-token");
	ingest_match_clear(&m);
	/* feedback is no campaign of its own: still three open */
	resolve(fx, &(struct keys){ .from = "a@kavarna.bg" }, &m);
	assert_non_null(m.note);
	assert_non_null(strstr(m.note, "3 open campaigns"));
	ingest_match_clear(&m);
}

/* The whole way from raw mail: parse, classify (into *r, from_addr
 * borrowed from raw's parse: do not keep it), resolve. */
static void
resolve_raw_r(struct fixture *fx, const char *raw, struct ingest_match *m,
	      struct ingest_result *r)
{
	static const struct classify_opts co = {
		.reply_to = "organiser+{token}@example.org",
		.return_path = "bounces+{token}@example.org",
		.from_address = "organiser@example.org",
		.message_id_domain = "anketa.example.org",
		.authserv_id = "mx.example.org",
	};
	static const struct parse_limits lim = { 1 << 20, 100, 10 };
	struct parsed *p = NULL;
	struct err e;
	memset(r, 0, sizeof(*r));
	assert_int_equal(parse_message(raw, strlen(raw), &lim, &p, &e), 0);
	classify_message(p, &co, &r->c);
	r->from_addr = (char *)p->from_addr;
	assert_int_not_equal(ingest_resolve(fx->s, r, m, &e), -1);
	r->from_addr = NULL;
	parse_free(&p);
}

static void
resolve_raw(struct fixture *fx, const char *raw, struct ingest_match *m)
{
	struct ingest_result r;
	resolve_raw_r(fx, raw, m, &r);
}

static void
test_resolve_raw(void **state)
{
	struct fixture *fx = *state;
	struct three t;
	struct ingest_match m;
	char up[CLASSIFY_TOKEN_MAX], *raw;
	three_setup(fx, &t);
	snprintf(up, sizeof(up), "%s", t.a_fs->token);
	for (char *p = up; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	/* the oldest campaign's reply address in capitals, in Cc */
	raw = xasprintf("From: a@kavarna.bg\r\nTo: board@kavarna.bg\r\n"
			"Cc: ORGANISER+%s@EXAMPLE.ORG\r\nSubject: Re: x\r\n"
			"\r\nA1: yes\r\n", up);
	resolve_raw(fx, raw, &m);
	expect(&m, fx->ca, t.a_fs, "delivery-token");
	ingest_match_clear(&m);
	free(raw);
	/* References only, as stored by the sender (with <>) */
	raw = xasprintf("From: a@kavarna.bg\r\nTo: organiser@example.org\r\n"
			"Subject: Re: x\r\nReferences: %s\r\n"
			"\t<x.1@client.example>\r\n\r\nA1: yes\r\n",
			t.a_mi->msgid);
	resolve_raw(fx, raw, &m);
	expect(&m, fx->ca, t.a_mi, "message-id");
	ingest_match_clear(&m);
	free(raw);
	/* a subject reference only */
	raw = xasprintf("From: a@kavarna.bg\r\nTo: organiser@example.org\r\n"
			"Subject: Re: Workshop [ref:%s]\r\n\r\nA1: yes\r\n",
			up);
	resolve_raw(fx, raw, &m);
	expect(&m, fx->ca, t.a_fs, "subject-token");
	ingest_match_clear(&m);
	free(raw);
}

/* ---- trust: forgeries ---------------------------------------------------- */

/* Header lines of the forgeries below. Contact a is a@kavarna.bg. */
#define T_RCVD "Received: from mail.kavarna.bg (mail.kavarna.bg " \
	"[192.0.2.7])\r\n\tby mx.example.org (Postfix) with ESMTPS " \
	"id 4Xyz\r\n" \
	"\tfor <organiser@example.org>; Mon, 23 Nov 2026 10:00:01 +0200\r\n"
#define T_AR "Authentication-Results: mx.example.org; dmarc=pass " \
	"(p=none dis=none) header.from=kavarna.bg\r\n"
#define T_FROM_A "From: Ana <a@kavarna.bg>\r\n"
#define T_TAIL "Date: Mon, 23 Nov 2026 10:00:00 +0200\r\n" \
	"Message-ID: <t1@kavarna.bg>\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\n\r\n"
#define T_REPLY "To: organiser@example.org\r\nSubject: Re: Survey\r\n" \
	T_TAIL "A1: yes\r\n"
#define T_UNSUB "To: organiser@example.org\r\nSubject: unsubscribe\r\n" \
	T_TAIL "\r\n"
/* A Postfix-like delivery report to TO for RCPT, returning a copy whose
 * Message-ID is ID */
#define T_DSN(to, rcpt, id) \
	"From: MAILER-DAEMON@mx.elsewhere.example (Mail Delivery System)\r\n" \
	"To: " to "\r\nSubject: Undelivered Mail Returned to Sender\r\n" \
	"Date: Mon, 23 Nov 2026 10:00:00 +0200\r\n" \
	"Message-ID: <dsn." rcpt ">\r\n" \
	"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: multipart/report; report-type=delivery-status; " \
	"boundary=\"B1\"\r\n\r\n--B1\r\nContent-Type: text/plain\r\n\r\n" \
	"Your message could not be delivered.\r\n\r\n--B1\r\n" \
	"Content-Type: message/delivery-status\r\n\r\n" \
	"Reporting-MTA: dns; mx.elsewhere.example\r\n\r\n" \
	"Final-Recipient: rfc822; " rcpt "\r\nAction: failed\r\n" \
	"Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n" \
	"\r\n--B1\r\nContent-Type: text/rfc822-headers\r\n\r\n" \
	"From: organiser@example.org\r\nTo: " rcpt "\r\nSubject: Survey\r\n" \
	"Message-ID: " id "\r\n\r\n--B1--\r\n"
#define T_IMIP "To: organiser@example.org\r\n" T_IMIP_BODY
#define T_IMIP_BODY "Subject: Accepted: Meeting\r\n" \
	"Date: Mon, 23 Nov 2026 10:00:00 +0200\r\n" \
	"Message-ID: <t2@kavarna.bg>\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n" \
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" \
	"METHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:ev1@anketa.example.org\r\n" \
	"DTSTAMP:20261123T080000Z\r\n" \
	"ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@kavarna.bg\r\n" \
	"END:VEVENT\r\nEND:VCALENDAR\r\n"

/* {TOK} a's delivery token, {BTOK} b's, {CTOK} a's own (contact) token,
 * {MSGID} the Message-ID of our mail to a, with <>. */
struct trust_case {
	const char *name;
	const char *raw;
	enum classify_kind kind;
	const char *how;
	int contact;		/* 1 a, 2 b */
	enum ingest_trust trust;
	int trusted;		/* ingest_trusted */
	const char *why;	/* a part of its reason, when 0 */
};

static const struct trust_case trust_cases[] = {
	{ "forged From:, no token or thread: not trusted",
	  T_FROM_A T_REPLY, CLASSIFY_REPLY, "sender", 1, INGEST_TRUST_NONE,
	  0, "From: a contact, but no token, thread or verified domain: "
	  "not trusted" },
	{ "forged unsubscribe: not trusted",
	  T_FROM_A T_UNSUB, CLASSIFY_OPTOUT, "sender", 1, INGEST_TRUST_NONE,
	  0, "an opt-out with From: a contact, but no token or thread: "
	  "not trusted" },
	{ "a fake delivery report naming a contact: not trusted",
	  T_DSN("organiser@example.org", "a@kavarna.bg",
		"<x9@mx.elsewhere.example>"), CLASSIFY_BOUNCE, "sender", 1,
	  INGEST_TRUST_NONE, 0, "a delivery report naming a contact, but no "
	  "token or Message-ID of a delivery of ours: not trusted" },
	{ "a delivery report to our VERP address",
	  T_DSN("bounces+{TOK}@example.org", "a@kavarna.bg",
		"<x9@mx.elsewhere.example>"), CLASSIFY_BOUNCE,
	  "delivery-token", 1, INGEST_TRUST_DELIVERY, 1, NULL },
	{ "a delivery report returning our Message-ID",
	  T_DSN("organiser@example.org", "a@kavarna.bg", "{MSGID}"),
	  CLASSIFY_BOUNCE, "message-id", 1, INGEST_TRUST_DELIVERY, 1, NULL },
	{ "a report with b's VERP token naming a: only b's delivery counts",
	  T_DSN("bounces+{BTOK}@example.org", "a@kavarna.bg",
		"<x9@mx.elsewhere.example>"), CLASSIFY_BOUNCE,
	  "delivery-token", 2, INGEST_TRUST_DELIVERY, 1, NULL },
	{ "DMARC pass from our MTA on top: answers, domain-verified",
	  T_AR T_RCVD T_FROM_A T_REPLY, CLASSIFY_REPLY, "sender", 1,
	  INGEST_TRUST_DOMAIN, 1, NULL },
	{ "DMARC pass from our MTA: still no opt-out",
	  T_AR T_RCVD T_FROM_A T_UNSUB, CLASSIFY_OPTOUT, "sender", 1,
	  INGEST_TRUST_DOMAIN, 0, "a domain is not a mailbox" },
	{ "our authserv-id below the Received line: review",
	  T_RCVD T_AR T_FROM_A T_REPLY, CLASSIFY_REPLY, "sender", 1,
	  INGEST_TRUST_NONE, 0, "Authentication-Results claiming "
	  "mx.example.org below a Received field: forged upstream, or the "
	  "MTA does not remove them; not trusted" },
	{ "ours on top and a second one claiming the id lower down: review",
	  T_AR T_RCVD T_AR T_FROM_A T_REPLY, CLASSIFY_REPLY, "sender", 1,
	  INGEST_TRUST_NONE, 0, "claiming mx.example.org below a Received" },
	{ "a foreign authserv-id is ignored",
	  "Authentication-Results: mail.kavarna.bg; dmarc=pass "
	  "header.from=kavarna.bg\r\n" T_RCVD T_FROM_A T_REPLY,
	  CLASSIFY_REPLY, "sender", 1, INGEST_TRUST_NONE, 0,
	  "From: a contact, but no token, thread or verified domain: "
	  "not trusted" },
	{ "our MTA says DMARC fail: the reason says so",
	  "Authentication-Results: mx.example.org; dmarc=fail "
	  "header.from=kavarna.bg\r\n" T_RCVD T_FROM_A T_REPLY,
	  CLASSIFY_REPLY, "sender", 1, INGEST_TRUST_NONE, 0,
	  "not trusted (no DMARC or aligned DKIM pass for kavarna.bg)" },
	{ "an iMIP REPLY whose attendee is a contact: not trusted",
	  "From: a@kavarna.bg\r\n" T_IMIP, CLASSIFY_RSVP, "sender", 1,
	  INGEST_TRUST_NONE, 0, "an RSVP naming a contact (attendee or "
	  "From:), but no token or thread: not trusted" },
	{ "an iMIP REPLY to the organizer address with a delivery's token",
	  "From: a@kavarna.bg\r\nTo: organiser+{TOK}@example.org\r\n"
	  T_IMIP_BODY, CLASSIFY_RSVP, "delivery-token", 1,
	  INGEST_TRUST_DELIVERY, 1, NULL },
	{ "a contact's own token (older mail) proves the contact",
	  T_FROM_A "To: organiser+{CTOK}@example.org\r\nSubject: Re: x\r\n"
	  T_TAIL "A1: yes\r\n", CLASSIFY_REPLY, "contact-token", 1,
	  INGEST_TRUST_DELIVERY, 1, NULL },
	{ "an unsubscribe in the thread of our mail",
	  T_FROM_A "To: organiser@example.org\r\nSubject: unsubscribe\r\n"
	  "In-Reply-To: {MSGID}\r\n" T_TAIL "\r\n", CLASSIFY_OPTOUT,
	  "message-id", 1, INGEST_TRUST_DELIVERY, 1, NULL },
	{ "a token wins over a forged Authentication-Results",
	  T_RCVD T_AR T_FROM_A "To: organiser+{TOK}@example.org\r\n"
	  "Subject: Re: x\r\n" T_TAIL "A1: yes\r\n", CLASSIFY_REPLY,
	  "delivery-token", 1, INGEST_TRUST_DELIVERY, 1, NULL },
};

/* s with every {KEY} replaced by its value (keys[i], vals[i]). */
static char *
fill_in(const char *s, const char *const *keys, const char *const *vals,
	size_t n)
{
	struct buf b;
	buf_init(&b, 0);
	while (*s) {
		size_t i = 0;
		while (i < n && strncmp(s, keys[i], strlen(keys[i])) != 0)
			i++;
		if (i < n) {
			buf_adds(&b, vals[i]);
			s += strlen(keys[i]);
		} else
			buf_addc(&b, *s++);
	}
	char *r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

static void
test_trust_forgeries(void **state)
{
	struct fixture *fx = *state;
	const struct sent *da = sent_of(fx, fx->camp, fx->ca, "invite");
	const struct sent *db = sent_of(fx, fx->camp, fx->cb, "invite");
	char ctok[CLASSIFY_TOKEN_MAX];
	token_of(fx, fx->ca, ctok);
	const char *const keys[] = { "{TOK}", "{BTOK}", "{CTOK}", "{MSGID}" };
	const char *const vals[] = { da->token, db->token, ctok, da->msgid };
	for (size_t i = 0; i < sizeof(trust_cases) / sizeof(*trust_cases);
	     i++) {
		const struct trust_case *tc = &trust_cases[i];
		char *raw = fill_in(tc->raw, keys, vals, 4);
		struct ingest_match m;
		struct ingest_result r;
		char why[512] = "";
		print_message("# %s\n", tc->name);
		resolve_raw_r(fx, raw, &m, &r);
		assert_string_equal(classify_kind_name(r.c.kind),
				    classify_kind_name(tc->kind));
		assert_string_equal(m.how, tc->how);
		assert_int_equal(m.contact_id, tc->contact == 1 ? fx->ca :
				 fx->cb);
		assert_int_equal(m.trust, tc->trust);
		int t = ingest_trusted(&r, &m, why, sizeof(why));
		if (!t)
			print_message("#   %s\n", why);
		assert_int_equal(t, tc->trusted);
		if (tc->why)
			assert_non_null(strstr(why, tc->why));
		ingest_match_clear(&m);
		free(raw);
	}
}

/* The same forgeries through ingest_run from a Maildir: what is recorded,
 * and what happens to the contacts. The fixture's campaign has no form,
 * so a trusted reply would be "unreadable"; an untrusted one is
 * "unmatched" (review). */
static void
put_msg(const char *dir, const char *name, const char *raw)
{
	char *p = xasprintf("%s/new/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(raw, f);
	fclose(f);
	free(p);
}

struct row_want {
	const char *name;	/* the Maildir file */
	const char *kind;
	const char *reason;	/* a part of it */
};

static int
take_row_of(void *arg, int64_t id, const struct store_inbound *in)
{
	const struct row_want *w = arg;
	(void)id;
	size_t n = strlen(in->src_key), k = strlen(w->name);
	if (n <= k || strcmp(in->src_key + n - k, w->name) != 0 ||
	    in->src_key[n - k - 1] != '/')
		return 0;
	print_message("# %s: %s: %s\n", w->name, store_ikind_name(in->kind),
		      in->reason);
	assert_string_equal(store_ikind_name(in->kind), w->kind);
	assert_non_null(strstr(in->reason, w->reason));
	return 1;
}

static int
take_status(void *arg, const struct store_contact *c)
{
	snprintf(arg, 32, "%s", c->status);
	return 0;
}

static void
status_is(struct fixture *fx, int64_t id, const char *want)
{
	char key[32], status[32] = "";
	struct err e;
	snprintf(key, sizeof(key), "%lld", (long long)id);
	assert_int_equal(store_contact_find(fx->s, "id", key, take_status,
					    status, &e), 1);
	assert_string_equal(status, want);
}

static void
test_trust_ingest(void **state)
{
	struct fixture *fx = *state;
	const struct sent *db = sent_of(fx, fx->camp, fx->cb, "invite");
	char md[128];
	snprintf(md, sizeof(md), "%s/in", fx->dir);
	const char *subs[] = { "", "/new", "/cur", "/tmp" };
	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s%s", md, subs[i]);
		assert_int_equal(mkdir(p, 0700), 0);
		free(p);
	}
	put_msg(md, "1-forged", T_FROM_A T_REPLY);
	put_msg(md, "2-unsub", T_FROM_A "Message-ID: <t3@kavarna.bg>\r\n"
		"To: organiser@example.org\r\nSubject: unsubscribe\r\n"
		"\r\n\r\n");
	put_msg(md, "3-fakedsn", T_DSN("organiser@example.org",
				       "a@kavarna.bg", "<x9@else.example>"));
	put_msg(md, "4-dmarcunsub", T_AR T_RCVD T_FROM_A
		"Message-ID: <t4@kavarna.bg>\r\nTo: organiser@example.org\r\n"
		"Subject: unsubscribe\r\n\r\n\r\n");
	put_msg(md, "5-dmarc", T_AR T_RCVD "From: a@kavarna.bg\r\n"
		"Message-ID: <t5@kavarna.bg>\r\nTo: organiser@example.org\r\n"
		"Subject: Re: Survey\r\n\r\nA1: yes\r\n");
	char *dsn = fill_in(T_DSN("bounces+{BTOK}@example.org", "b@ghent.be",
				  "<x8@else.example>"),
			    (const char *const[]){ "{BTOK}" },
			    (const char *const[]){ db->token }, 1);
	put_msg(md, "6-realdsn", dsn);
	free(dsn);
	struct config cfg = { 0 };
	cfg.max_message_bytes = 1 << 20;
	cfg.from_address = "organiser@example.org";
	cfg.reply_to = "organiser+{token}@example.org";
	cfg.return_path = "bounces+{token}@example.org";
	cfg.message_id_domain = "anketa.example.org";
	cfg.imap.authserv_id = "mx.example.org";
	cfg.feedback = 1;
	cfg.feedback_max_per_day = 3;
	char *url = xasprintf("maildir:%s", md);
	struct ingest_opts o = { .source = url };
	struct ingest_stats st = { 0 };
	struct err e;
	assert_int_equal(ingest_run(fx->s, &cfg, &o, &st, &e), 0);
	assert_int_equal(st.seen, 6);
	static const struct row_want want[] = {
		{ "1-forged", "unmatched", "From: a contact, but no token, "
		  "thread or verified domain: not trusted" },
		{ "2-unsub", "unmatched", "an opt-out with From: a contact" },
		{ "3-fakedsn", "unmatched", "a delivery report naming a "
		  "contact, but no token or Message-ID" },
		{ "4-dmarcunsub", "unmatched", "a domain is not a mailbox" },
		/* trusted, read against the form: this campaign has none */
		{ "5-dmarc", "unreadable", "domain-verified (dmarc=pass "
		  "header.from=kavarna.bg by mx.example.org)" },
		{ "6-realdsn", "bounce", "" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		assert_int_equal(store_inbound_each(fx->s, -1, 0, take_row_of,
						    (void *)&want[i], &e), 1);
	status_is(fx, fx->ca, "ok");
	status_is(fx, fx->cb, "undeliverable");
	free(url);
}

/* ---- record ---------------------------------------------------------------- */

struct counts {
	long n[STORE_I_DUPLICATE + 1];
};

static int
count_inbound(void *arg, int64_t id, const struct store_inbound *m)
{
	struct counts *c = arg;
	(void)id;
	c->n[m->kind]++;
	return 0;
}

static int
count_answer(void *arg, const char *q, const char *v, int64_t cid)
{
	(void)q;
	(void)v;
	(void)cid;
	(*(long *)arg)++;
	return 0;
}

/* A reply with one unreadable and one uncertain answer: the readable
 * ones are recorded, the uncertain one unconfirmed and out of totals,
 * the message stays listed for staff ("unreadable", with the reasons). */
static void
test_record_partial(void **state)
{
	struct fixture *fx = *state;
	struct err e;
	struct store_answer av[] = { { "q1", "b" }, { "q2", "yes" },
				     { "q3", "2026-03-12" } };
	const char *unsure[] = { "q3" };
	struct record_msg m = { .in = {
		.src_key = "imap://h:1/INBOX/9/1", .message_id = "p1@y",
		.from_addr = "a@kavarna.bg", .kind = STORE_I_UNREADABLE,
		.contact_id = fx->ca, .campaign_id = fx->camp,
		.reason = "Q4: 'maybe' is not yes or no; Q3: 'the Thursday' "
			  "is uncertain, kept unconfirmed" },
		.answers = av, .nanswers = 3, .unconfirmed = unsure,
		.nunconfirmed = 1 };
	int64_t id = 0;
	assert_int_equal(record_message(fx->s, &m, &id, &e), 1);
	long answers = 0;
	assert_int_equal(store_answers_each(fx->s, fx->camp, count_answer,
					    &answers, &e), 0);
	assert_int_equal(answers, 2);
	struct counts c = { 0 };
	assert_int_equal(store_inbound_each(fx->s, -1, 0, count_inbound, &c,
					    &e), 0);
	assert_int_equal(c.n[STORE_I_UNREADABLE], 1);
	/* the later reply answers the asked question: now all three */
	struct store_answer later[] = { { "q3", "2026-03-12" } };
	struct record_msg m2 = { .in = {
		.src_key = "imap://h:1/INBOX/9/2", .message_id = "p2@y",
		.from_addr = "a@kavarna.bg", .kind = STORE_I_ANSWERS,
		.contact_id = fx->ca, .campaign_id = fx->camp,
		.reason = "" }, .answers = later, .nanswers = 1 };
	assert_int_equal(record_message(fx->s, &m2, &id, &e), 1);
	answers = 0;
	assert_int_equal(store_answers_each(fx->s, fx->camp, count_answer,
					    &answers, &e), 0);
	assert_int_equal(answers, 3);
}

/* ---- stage 2: quotes through the fingerprint, answers in the worker ------- */

static const char *
srcdir(void)
{
	const char *s = getenv("ANKETA_SRCDIR");
	return s && *s ? s : ".";
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;
	assert_non_null(f);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_steal(&b);
}

/* A campaign with the exchange-visit questionnaire, sent to every
 * contact; *sent_text_r is the text part as we would have sent it to
 * contact ca (greeting, the form in English, a closing), and its
 * fingerprint is kept on that delivery when keep. */
static int64_t
form_campaign(struct fixture *fx, int keep, char **sent_text_r)
{
	struct err e;
	char *path = xasprintf("%s/surveys/exchange-visit-feedback.xml",
			       srcdir());
	char *schema = xasprintf("%s/surveys/survey.rng", srcdir());
	char *xml = slurp(path);
	int64_t qid, id;
	int created;
	long added = 0;
	assert_int_equal(store_questionnaire_put(fx->s, "exchange-visit",
						 "h1", path, xml, &qid,
						 &created, &e), 0);
	struct store_campaign c = { .name = "ev26", .kind = "survey",
				    .template = "survey",
				    .deadline = "2026-12-31",
				    .questionnaire_id = qid };
	assert_int_equal(store_campaign_put(fx->s, &c, &id, &e), 0);
	assert_int_equal(store_deliveries_plan(fx->s, id, "invite", &added,
					       &e), 0);
	send_due(fx, id, "invite");
	struct survey *sv = NULL;
	struct errlist errs = { 0 };
	assert_int_equal(survey_load_memory(xml, strlen(xml), "ev", schema,
					    &sv, &errs), 0);
	struct buf t;
	buf_init(&t, 0);
	buf_adds(&t, "Dear Ana,\n\nthank you for taking part in the "
		 "exchange visit. Please answer the questions below by "
		 "replying to this message.\n\n");
	assert_int_equal(form_render_text(sv, "en", &t), 0);
	buf_adds(&t, "\nKind regards,\nThe organisers\n");
	*sent_text_r = buf_steal(&t);
	if (keep) {
		unsigned char *fp;
		size_t n;
		fprint_make(*sent_text_r, &fp, &n);
		assert_int_equal(store_delivery_fprint_set(fx->s,
			sent_of(fx, id, fx->ca, "invite")->id, fp, n, &e), 0);
		free(fp);
	}
	survey_free(&sv);
	errlist_free(&errs);
	free(xml);
	free(schema);
	free(path);
	return id;
}

static void
maildir_make(const char *md)
{
	const char *subs[] = { "", "/new", "/cur", "/tmp" };
	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s%s", md, subs[i]);
		assert_int_equal(mkdir(p, 0700), 0);
		free(p);
	}
}

/* ingest_run over Maildir md with the questionnaire's schema; no
 * feedback. */
static void
ingest_form_maildir(struct fixture *fx, const char *md,
		    struct ingest_stats *st)
{
	char *schema = xasprintf("%s/surveys/survey.rng", srcdir());
	struct config cfg = { 0 };
	cfg.max_message_bytes = 30 << 20;
	cfg.from_address = "organiser@example.org";
	cfg.reply_to = "organiser+{token}@example.org";
	cfg.return_path = "bounces+{token}@example.org";
	cfg.message_id_domain = "anketa.example.org";
	cfg.schema_path = schema;
	char *url = xasprintf("maildir:%s", md);
	struct ingest_opts o = { .source = url, .no_feedback = 1 };
	struct err e;
	memset(st, 0, sizeof(*st));
	if (ingest_run(fx->s, &cfg, &o, st, &e) != 0)
		fail_msg("ingest_run: %s", e.msg);
	free(url);
	free(schema);
}

/* Ana answers on top and leaves the form below an Outlook header block
 * in Finnish, which no quote pattern knows: unprefixed, its lines look
 * like her own. Only the fingerprint of what we sent tells them apart.
 * keep: whether that fingerprint was kept. */
/* Stage 2 alone: the fingerprint finds the original below a header
 * block no pattern knows, and the patterns still take off what only they
 * know (a phone's "Sent from" line) from the new text. */
static void
test_worker_read_stage(void **state)
{
	(void)state;
	static const char sent[] =
		"Dear Ana,\n\nplease answer the questions below by replying "
		"to this message.\n\nQ1. How would you rate the visit "
		"overall?\nA1:\n\nQ2. What was the most useful part of the "
		"programme?\nA2:\n\nKind regards,\nThe organisers\n";
	unsigned char *fp;
	size_t fl;
	fprint_make(sent, &fp, &fl);
	char *text = xasprintf("A1: 4\n\nSent from my iPhone\n\n"
			       "Lähettäjä: Organiser <organiser@example.org>\n"
			       "Lähetetty: 3.3.2025\nAihe: Visit\n\n%s", sent);
	struct ingest_read_req q = { .text = text, .fprint = fp,
				     .fprint_len = fl };
	struct buf req;
	buf_init(&req, 0);
	assert_int_equal(ingest_read_pack(&q, &req), 0);
	struct config cfg = { 0 };
	cfg.max_message_bytes = 1 << 20;
	struct ingest_worker *w = NULL;
	struct ingest_worker_job j = { .raw = req.data, .len = req.len,
				       .read = 1 };
	assert_int_equal(ingest_worker_parse_many(&w, &cfg, &j, 1), 1);
	assert_int_equal(j.r.read, 1);
	assert_int_equal(j.r.by_fprint, 1);
	assert_string_equal(j.r.reply_text, "A1: 4");
	assert_non_null(strstr(j.r.quoted_text, "Q2. What was the most"));
	assert_null(strstr(j.r.quoted_text, "Lähettäjä"));
	ingest_result_clear(&j.r);
	ingest_worker_free(&w);
	buf_free(&req);
	free(text);
	free(fp);
}

struct comments {
	long n;
	char value[256];
};

static int
take_comments(void *arg, const char *q, const char *v, int64_t cid)
{
	struct comments *c = arg;
	(void)cid;
	c->n++;
	if (strcmp(q, "comments") == 0)
		snprintf(c->value, sizeof(c->value), "%s", v);
	return 0;
}

#define ANSWERS_5 "A1: 4\nA4: the job shadowing\nA5: in my classes\n" \
	"A10: yes\nA11: a well prepared week\n"

/* Ana's reply to the form campaign (its fingerprint kept when keep):
 * her answer lines, a blank line, then the text we sent appended with
 * no quote mark and no header line; what the store then holds is
 * counted into c and answers. */
static void
reply_with_original(struct fixture *fx, int keep, const char *her_lines,
		    struct counts *c, struct comments *answers)
{
	char *sent;
	int64_t camp = form_campaign(fx, keep, &sent);
	const struct sent *d = sent_of(fx, camp, fx->ca, "invite");
	char md[128];
	snprintf(md, sizeof(md), "%s/in%d", fx->dir, keep);
	maildir_make(md);
	char *raw = xasprintf(
		"From: Ana <a@kavarna.bg>\r\nTo: organiser+%s@example.org\r\n"
		"Message-ID: <fi1@kavarna.bg>\r\nIn-Reply-To: %s\r\n"
		"Subject: VS: Exchange visit\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"%s\n%s", d->token, d->msgid, her_lines, sent);
	put_msg(md, "1-fi", raw);
	struct ingest_stats st;
	struct err e;
	ingest_form_maildir(fx, md, &st);
	assert_int_equal(st.seen, 1);
	assert_int_equal(store_inbound_each(fx->s, -1, 0, count_inbound, c,
					    &e), 0);
	assert_int_equal(store_answers_each(fx->s, camp, take_comments,
					    answers, &e), 0);
	free(raw);
	free(sent);
}

static void
test_read_quote_by_fprint(void **state)
{
	struct fixture *fx = *state;
	struct counts c = { 0 };
	struct comments a = { 0 };
	reply_with_original(fx, 1, ANSWERS_5, &c, &a);
	assert_int_equal(c.n[STORE_I_ANSWERS], 1);
	assert_int_equal(c.n[STORE_I_UNREADABLE], 0);
	assert_int_equal(a.n, 5);
	assert_string_equal(a.value, "a well prepared week");
}

/* An uncertain answer read in the worker (stage 2) reaches the store
 * unconfirmed: out of the totals, the message listed for staff, the
 * other answers kept. */
static void
test_read_unconfirmed_in_worker(void **state)
{
	struct fixture *fx = *state;
	struct counts c = { 0 };
	struct comments a = { 0 };
	reply_with_original(fx, 1, "A1: 4\nA4: the job shadowing\n"
			    "A5: in my classes\nA9: the Thursday\nA10: yes\n",
			    &c, &a);
	assert_int_equal(c.n[STORE_I_UNREADABLE], 1);	/* listed for staff */
	assert_int_equal(a.n, 4);	/* the date is not counted */
}

/* The same without the fingerprint: with no quote marks and no header
 * line at all, the patterns take the form for her text, and her last
 * answer runs on into it. */
static void
test_read_quote_without_fprint(void **state)
{
	struct fixture *fx = *state;
	struct counts c = { 0 };
	struct comments a = { 0 };
	reply_with_original(fx, 0, ANSWERS_5, &c, &a);
	print_message("# without fingerprint: answers rows %ld, unreadable "
		      "%ld, answers %ld, comments '%.60s'\n",
		      c.n[STORE_I_ANSWERS], c.n[STORE_I_UNREADABLE], a.n,
		      a.value);
	assert_string_not_equal(a.value, "a well prepared week");
}

struct row_seen {
	const char *name;	/* the Maildir file */
	char kind[32], reason[512];
};

static int
take_seen(void *arg, int64_t id, const struct store_inbound *in)
{
	struct row_seen *w = arg;
	(void)id;
	size_t n = strlen(in->src_key), k = strlen(w->name);
	if (n <= k || strcmp(in->src_key + n - k, w->name) != 0)
		return 0;
	snprintf(w->kind, sizeof(w->kind), "%s", store_ikind_name(in->kind));
	snprintf(w->reason, sizeof(w->reason), "%s",
		 in->reason ? in->reason : "");
	return 1;
}

/* Stage 2 runs in the worker, under its limits: a 24.5 MB reply of
 * answer-like lines is read or refused there, a reading that crashes
 * costs its message (quarantined), and the run goes on to the next. */
static void
test_read_bounded_in_worker(void **state)
{
	struct fixture *fx = *state;
	char *sent;
	int64_t camp = form_campaign(fx, 1, &sent);
	const struct sent *d = sent_of(fx, camp, fx->ca, "invite");
	char md[128];
	snprintf(md, sizeof(md), "%s/big", fx->dir);
	maildir_make(md);
	char *hdr = xasprintf("From: Ana <a@kavarna.bg>\r\n"
			      "To: organiser+%s@example.org\r\n"
			      "In-Reply-To: %s\r\nSubject: Re: visit\r\n"
			      "Content-Type: text/plain; charset=utf-8\r\n",
			      d->token, d->msgid);
	struct buf big;
	buf_init(&big, 0);
	buf_printf(&big, "%sMessage-ID: <big@kavarna.bg>\r\n\r\n", hdr);
	while (big.len < 24500u * 1024)
		buf_adds(&big, "A4: more\nA11: and more\n> A5: quoted\n3) x\n");
	put_msg(md, "1-big", big.data);
	buf_free(&big);
	char *crash = xasprintf("%sMessage-ID: <crash@kavarna.bg>\r\n\r\n"
				"A1: 4\nREAD-CRASH-MARK\n", hdr);
	put_msg(md, "2-crash", crash);
	char *ok = xasprintf("%sMessage-ID: <ok@kavarna.bg>\r\n\r\nA1: 4\n"
			     "A4: the visit\nA5: in class\nA10: yes\n", hdr);
	put_msg(md, "3-ok", ok);
	struct ingest_stats st;
	struct err e;
	setenv("ANKETA_TEST_CRASH_READ", "READ-CRASH-MARK", 1);
	ingest_form_maildir(fx, md, &st);
	unsetenv("ANKETA_TEST_CRASH_READ");
	assert_int_equal(st.seen, 3);
	/* read (a verdict) or refused by a limit, whichever the machine's
	 * load makes of the worker's 10 s */
	struct row_seen seen = { .name = "1-big" };
	assert_int_equal(store_inbound_each(fx->s, -1, 0, take_seen, &seen,
					    &e), 1);
	print_message("# 1-big: %s: %.100s\n", seen.kind, seen.reason);
	assert_true(strcmp(seen.kind, "unreadable") == 0 ||
		    strcmp(seen.kind, "answers") == 0 ||
		    (strcmp(seen.kind, "quarantine") == 0 &&
		     (strstr(seen.reason, "timed out") ||
		      strstr(seen.reason, "out of memory"))));
	static const struct row_want want[] = {
		{ "2-crash", "quarantine", "reading crashed or hung on this "
		  "message: killed by signal 6" },
	};
	assert_int_equal(store_inbound_each(fx->s, -1, 0, take_row_of,
					    (void *)&want[0], &e), 1);
	struct row_seen next = { .name = "3-ok" };
	assert_int_equal(store_inbound_each(fx->s, -1, 0, take_seen, &next,
					    &e), 1);
	assert_string_equal(next.kind, "answers");
	free(ok);
	free(crash);
	free(hdr);
	free(sent);
}

static void
test_record_dedup_and_effects(void **state)
{
	struct fixture *fx = *state;
	struct err e;
	struct store_answer av[] = { { "q1", "b" }, { "q2", "yes" } };
	struct record_msg m = { .in = {
		.src_key = "imap://h:1/INBOX/7/1", .message_id = "x1@y",
		.from_addr = "a@kavarna.bg", .kind = STORE_I_ANSWERS,
		.contact_id = fx->ca, .campaign_id = fx->camp,
		.reason = "" }, .answers = av, .nanswers = 2 };
	int64_t id = 0;
	assert_int_equal(record_message(fx->s, &m, &id, &e), 1);
	assert_true(id > 0);
	/* the same src_key again: nothing written */
	assert_int_equal(record_message(fx->s, &m, &id, &e), 0);
	/* the same Message-ID under another key: one duplicate, no effect */
	m.in.src_key = "imap://h:1/INBOX/8/1";
	assert_int_equal(record_message(fx->s, &m, &id, &e), 1);
	assert_int_equal(m.in.kind, STORE_I_DUPLICATE);
	/* a permanent bounce marks the contact */
	struct record_msg b = { .in = {
		.src_key = "imap://h:1/INBOX/7/2", .message_id = "dsn@mx",
		.kind = STORE_I_BOUNCE, .contact_id = fx->cb,
		.campaign_id = fx->camp, .bounce_class = "permanent",
		.bounce_status = "5.1.1", .reason = "" },
		.undeliverable_reason = "bounce 5.1.1: user unknown" };
	assert_int_equal(record_message(fx->s, &b, &id, &e), 1);

	struct counts c = { 0 };
	assert_int_equal(store_inbound_each(fx->s, -1, 0, count_inbound, &c,
					    &e), 0);
	assert_int_equal(c.n[STORE_I_ANSWERS], 1);
	assert_int_equal(c.n[STORE_I_DUPLICATE], 1);
	assert_int_equal(c.n[STORE_I_BOUNCE], 1);
	long answers = 0;
	assert_int_equal(store_answers_each(fx->s, fx->camp, count_answer,
					    &answers, &e), 0);
	assert_int_equal(answers, 2);
	char status[32] = "";
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)fx->cb);
	assert_int_equal(store_contact_find(fx->s, "id", key, take_status,
					    status, &e), 1);
	assert_string_equal(status, "undeliverable");
}

/* The poison marks go in the record's own commit; a skipped record
 * clears nothing; in a caller's transaction (group commit) records and
 * mark clearing stand or fall together. */
static void
test_record_marks(void **state)
{
	struct fixture *fx = *state;
	struct err e;
	const char *k1 = "imap://h:1/INBOX/9/1", *b1 = "batch:imap://h:1/INBOX/9/1";
	const char *k2 = "imap://h:1/INBOX/9/2", *k3 = "imap://h:1/INBOX/9/3";
	assert_int_equal(store_inbound_parsing(fx->s, k1, &e), 0);
	assert_int_equal(store_inbound_parsing(fx->s, b1, &e), 0);
	struct record_msg m = { .in = { .src_key = k1, .message_id = "m1@y",
		.kind = STORE_I_UNMATCHED, .reason = "" },
		.clear_marks = { k1, b1 } };
	assert_int_equal(record_message(fx->s, &m, NULL, &e), 1);
	assert_int_equal(store_inbound_parsing_left(fx->s, k1, &e), 0);
	assert_int_equal(store_inbound_parsing_left(fx->s, b1, &e), 0);
	/* k1 again: skipped, the mark set meanwhile stays */
	assert_int_equal(store_inbound_parsing(fx->s, k1, &e), 0);
	assert_int_equal(record_message(fx->s, &m, NULL, &e), 0);
	assert_int_equal(store_inbound_parsing_left(fx->s, k1, &e), 1);
	/* a group rolled back: neither record nor the cleared marks */
	assert_int_equal(store_inbound_parsing(fx->s, k2, &e), 0);
	struct record_msg g[2] = {
		{ .in = { .src_key = k2, .message_id = "m2@y",
			  .kind = STORE_I_UNMATCHED, .reason = "" },
		  .clear_marks = { k2, NULL }, .in_tx = 1 },
		{ .in = { .src_key = k3, .message_id = "m2@y",
			  .kind = STORE_I_UNMATCHED, .reason = "" },
		  .in_tx = 1 },
	};
	assert_int_equal(store_begin(fx->s, &e), 0);
	assert_int_equal(record_message(fx->s, &g[0], NULL, &e), 1);
	store_rollback(fx->s);
	assert_int_equal(store_inbound_seen(fx->s, k2, NULL, &e), 0);
	assert_int_equal(store_inbound_parsing_left(fx->s, k2, &e), 1);
	/* committed: both, the second a duplicate of the first (same
	 * Message-ID, seen inside the same transaction) */
	assert_int_equal(store_begin(fx->s, &e), 0);
	assert_int_equal(record_message(fx->s, &g[0], NULL, &e), 1);
	assert_int_equal(record_message(fx->s, &g[1], NULL, &e), 1);
	assert_int_equal(store_commit(fx->s, &e), 0);
	assert_int_equal(g[1].in.kind, STORE_I_DUPLICATE);
	assert_int_equal(store_inbound_seen(fx->s, k3, NULL, &e), 1);
	assert_int_equal(store_inbound_parsing_left(fx->s, k2, &e), 0);
}

/* ---- Maildir source ----------------------------------------------------- */

static void
put_file(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void
test_maildir_source(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_ingest_md.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *md = xasprintf("%s/Maildir", dir);
	char *url = xasprintf("maildir:%s", md);
	const char *subs[] = { "", "/new", "/cur", "/tmp" };
	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s%s", md, subs[i]);
		assert_int_equal(mkdir(p, 0700), 0);
		free(p);
	}
	char *newd = xasprintf("%s/new", md), *curd = xasprintf("%s/cur", md);
	put_file(newd, "200.M1.host", "Subject: two\r\n\r\nbody two\r\n");
	put_file(curd, "100.M1.host:2,F", "Subject: one\r\n\r\none\r\n");
	struct config_imap c = { 0 };
	struct fetch *f = NULL;
	struct err e;
	assert_int_equal(fetch_open(url, &c, &f, &e), 1);
	assert_string_equal(fetch_source(f), url);
	assert_int_equal(fetch_uidvalidity(f), 0);
	struct fetch_item *it = NULL;
	size_t n = 0;
	assert_int_equal(fetch_list(f, 0, &it, &n, &e), 1);
	assert_int_equal(n, 2);
	char *k0 = xasprintf("%s/100.M1.host", url);
	char *k1 = xasprintf("%s/200.M1.host", url);
	assert_string_equal(it[0].key, k0);
	assert_string_equal(it[1].key, k1);
	char *raw = NULL;
	size_t len = 0;
	assert_int_equal(fetch_get(f, &it[1], 0, &raw, &len, &e), 1);
	assert_string_equal(raw, "Subject: two\r\n\r\nbody two\r\n");
	assert_int_equal(len, strlen(raw));
	free(raw);
	/* over the cap: permanent, named */
	assert_int_equal(fetch_get(f, &it[1], 10, &raw, &len, &e), 0);
	assert_non_null(strstr(e.msg, "too large"));
	/* a batch: a budget of 1 byte still reads one message; a larger
	 * one reads both; a message over max is a reason, not an error */
	struct fetch_body bodies[2];
	size_t got = 0;
	assert_int_equal(fetch_get_many(f, it, 2, 0, 1, bodies, &got, &e), 1);
	assert_int_equal(got, 1);
	assert_string_equal(bodies[0].raw, "Subject: one\r\n\r\none\r\n");
	assert_null(bodies[0].why);
	fetch_bodies_clear(bodies, got);
	assert_null(bodies[0].raw);
	assert_int_equal(fetch_get_many(f, it, 2, 22, 1 << 20, bodies, &got,
					&e), 1);
	assert_int_equal(got, 2);
	assert_int_equal(bodies[0].len, strlen("Subject: one\r\n\r\none\r\n"));
	assert_null(bodies[1].raw);
	assert_non_null(strstr(bodies[1].why, "too large"));
	fetch_bodies_clear(bodies, got);
	/* done in place: cur/ with S added to the flags; folder: moved */
	assert_int_equal(fetch_dispose_many(f, &it[0], 1, "", &e), 1);
	assert_int_equal(fetch_dispose_many(f, &it[1], 1, "Processed", &e), 1);
	/* gone from the listing now: the batch says which stayed */
	assert_int_equal(fetch_dispose_many(f, it, 2, "Processed", &e), 0);
	assert_non_null(strstr(e.msg, "2 of 2 messages stay"));
	char *p0 = xasprintf("%s/100.M1.host:2,FS", curd);
	char *p1 = xasprintf("%s/.Processed/cur/200.M1.host:2,S", md);
	assert_int_equal(access(p0, F_OK), 0);
	assert_int_equal(access(p1, F_OK), 0);
	fetch_items_free(&it, n);
	/* the same fetch lists again only what arrived since: its own
	 * renames are no arrival */
	assert_int_equal(fetch_list(f, 0, &it, &n, &e), 1);
	assert_int_equal(n, 0);
	fetch_items_free(&it, n);
	/* a message a mail client put into cur/ meanwhile is an arrival:
	 * fetch_idle says so at once, and the next listing holds it alone */
	put_file(curd, "300.M1.host:2,S", "Subject: three\r\n\r\n3\r\n");
	assert_int_equal(fetch_idle(f, 5, &e), 1);
	assert_int_equal(fetch_list(f, 0, &it, &n, &e), 1);
	assert_int_equal(n, 1);
	assert_non_null(strstr(it[0].key, "/300.M1.host"));
	fetch_items_free(&it, n);
	char *p3 = xasprintf("%s/300.M1.host:2,S", curd);
	assert_int_equal(unlink(p3), 0);
	free(p3);
	fetch_close(&f);
	/* a new one lists in full: the key survives the rename; the moved
	 * one left the listing */
	assert_int_equal(fetch_open(url, &c, &f, &e), 1);
	assert_int_equal(fetch_list(f, 0, &it, &n, &e), 1);
	assert_int_equal(n, 1);
	assert_string_equal(it[0].key, k0);
	fetch_items_free(&it, n);
	fetch_close(&f);
	assert_null(f);
	/* not a Maildir: permanent */
	char *bad = xasprintf("maildir:%s/none", dir);
	assert_int_equal(fetch_open(bad, &c, &f, &e), 0);
	assert_non_null(strstr(e.msg, "not a Maildir"));
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(bad);
	free(p0);
	free(p1);
	free(k0);
	free(k1);
	free(newd);
	free(curd);
	free(url);
	free(md);
}

static void
test_imap_unreachable(void **state)
{
	(void)state;
	/* port 1 on loopback: nothing listens; refused at once */
	struct config_imap c = { .timeout = 5 };
	struct fetch *f = NULL;
	struct err e;
	assert_int_equal(fetch_open("imap://127.0.0.1:1", &c, &f, &e), -1);
	assert_non_null(strstr(e.msg, "127.0.0.1:1: "));
	assert_null(f);
	assert_int_equal(fetch_open("pop3://x", &c, &f, &e), 0);
	assert_int_equal(fetch_open("imap://127.0.0.1:99999", &c, &f, &e), 0);
}

/* RFC 3501 5.1.3: both directions of known encodings (RFC 3501's own
 * example among them), then what neither direction accepts. */
static void
test_mutf7(void **state)
{
	(void)state;
	static const struct {
		const char *utf8, *wire;
	} both[] = {
		{ "INBOX", "INBOX" },
		{ "", "" },
		{ "Обработени", "&BB4EMQRABDAEMQQ+BEIENQQ9BDg-" },
		{ "&", "&-" },
		{ "A&B&&", "A&-B&-&-" },
		{ "Entwürfe", "Entw&APw-rfe" },
		{ "Входящи/Отговори", "&BBIERQQ+BDQETwRJBDg-/&BB4EQgQzBD4EMgQ+BEAEOA-" },
		{ "~peter/mail/台北/日本語",
		  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
		{ "😀 ok", "&2D3eAA- ok" },		/* a surrogate pair */
		{ "tab\there", "tab&AAk-here" },	/* control: encoded */
		{ "a~b", "a~b" },
	};
	for (size_t i = 0; i < sizeof(both) / sizeof(*both); i++) {
		char *w = fetch_mutf7_encode(both[i].utf8);
		char *u = fetch_mutf7_decode(both[i].wire);
		assert_non_null(w);
		assert_non_null(u);
		assert_string_equal(w, both[i].wire);
		assert_string_equal(u, both[i].utf8);
		free(w);
		free(u);
	}
	static const char *bad_utf8[] = {
		"\xff", "caf\xc3", "\xc0\xaf" /* overlong '/' */,
		"\xed\xa0\x80" /* a surrogate */, "\xf4\x90\x80\x80",
	};
	for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(*bad_utf8); i++)
		assert_null(fetch_mutf7_encode(bad_utf8[i]));
	static const char *bad_wire[] = {
		"&", "&BB4", "&BB4EMQ", "&-&", "a&AGE-" /* 'a' encoded */,
		"&2D0-" /* a high half alone */, "&3gA-" /* a low half alone */,
		"&BB5-" /* leftover bits not zero */, "&Jjo!-", "caf\xc3\xa9",
		"tab\there", "&-" "&AAAA-" /* 3 bytes: half a unit */,
	};
	for (size_t i = 0; i < sizeof(bad_wire) / sizeof(*bad_wire); i++)
		assert_null(fetch_mutf7_decode(bad_wire[i]));
}

/* imap:// URLs through curl_url(): ports, IPv6 literals, escapes. */
static void
test_imap_url(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		int tls;
		const char *host, *hostport;
		unsigned port;
		const char *mailbox;	/* NULL: none */
	} good[] = {
		{ "imap://127.0.0.1:12143", 0, "127.0.0.1", "127.0.0.1:12143",
		  12143, NULL },
		{ "imap://mail.example.org/", 0, "mail.example.org",
		  "mail.example.org:143", 143, NULL },
		{ "imaps://mail.example.org", 1, "mail.example.org",
		  "mail.example.org:993", 993, NULL },
		{ "imap://[::1]:143/", 0, "::1", "[::1]:143", 143, NULL },
		{ "imaps://[2001:db8::5]/INBOX", 1, "2001:db8::5",
		  "[2001:db8::5]:993", 993, "INBOX" },
		{ "imap://h:1/%D0%9E%D0%B1%D1%80%D0%B0%D0%B1%D0%BE%D1%82%D0%B5"
		  "%D0%BD%D0%B8", 0, "h", "h:1", 1, "Обработени" },
		{ "imap://h/My%20Box", 0, "h", "h:143", 143, "My Box" },
		{ "imap://h/a%2Fb/c", 0, "h", "h:143", 143, "a/b/c" },
		{ "imap://h/Archive/../INBOX", 0, "h", "h:143", 143,
		  "Archive/../INBOX" },
		{ "imap://h/Q%3F%23%25", 0, "h", "h:143", 143, "Q?#%" },
	};
	struct fetch_url u;
	struct err e;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		assert_int_equal(fetch_url_parse(good[i].url, &u, &e), 0);
		assert_int_equal(u.tls, good[i].tls);
		assert_string_equal(u.host, good[i].host);
		assert_string_equal(u.hostport, good[i].hostport);
		assert_int_equal(u.port, good[i].port);
		if (good[i].mailbox == NULL)
			assert_null(u.mailbox);
		else
			assert_string_equal(u.mailbox, good[i].mailbox);
		fetch_url_clear(&u);
	}
	static const struct {
		const char *url, *why;
	} bad[] = {
		{ "imap://127.0.0.1:99999", "bad port" },
		{ "imap://127.0.0.1:0/", "bad port" },
		{ "imap://h:x/", "bad port" },
		{ "imap:///INBOX", "no host" },
		{ "imap://user:secret@h/", "password_file" },
		{ "imap://h/a?b", "percent-escaped" },
		{ "imap://h/a#b", "percent-escaped" },
		{ "imap://h/a%00b", "bad percent-escape" },
		{ "imap://h/My Box", "percent-escaped (%20)" },
		{ "pop3://h/", "expected imap://" },
		{ "imap://[::1/", "" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(fetch_url_parse(bad[i].url, &u, &e), -1);
		assert_null(u.host);
		assert_non_null(strstr(e.msg, bad[i].url));
		if (strstr(e.msg, bad[i].why) == NULL)
			fail_msg("%s: %s", bad[i].url, e.msg);
	}
}

static void
test_backoff(void **state)
{
	(void)state;
	static const unsigned want[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256,
					 300, 300 };
	unsigned d = 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		d = fetch_backoff_next(d);
		assert_int_equal(d, want[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_roundtrip),
		cmocka_unit_test(test_unpack_damaged),
		cmocka_unit_test(test_worker_crash_restart),
		cmocka_unit_test(test_worker_batch),
		cmocka_unit_test(test_worker_memory_limit),
		cmocka_unit_test(test_worker_read_stage),
		cmocka_unit_test_setup_teardown(test_read_unconfirmed_in_worker,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_read_quote_by_fprint,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_read_quote_without_fprint,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_read_bounded_in_worker,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_resolve_order,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_resolve_three_open,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_resolve_legacy_token,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_resolve_disagreement,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_resolve_upper_case,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_resolve_reply_to_feedback,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_resolve_raw,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_trust_forgeries,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_trust_ingest,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_record_marks,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_record_dedup_and_effects,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_record_partial,
						setup_store, teardown_store),
		cmocka_unit_test(test_maildir_source),
		cmocka_unit_test(test_imap_unreachable),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_mutf7),
		cmocka_unit_test(test_imap_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
