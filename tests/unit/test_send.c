/* test_send.c -- the send pipeline without a network (the reply policy
 * is tests/unit/test_trouble.c's): campaign and feedback vars (JSON:
 * types, numbers, key order, refusals with line and column), the
 * Maildir transport, whole campaign
 * runs into a Maildir: dry run with previews, real run, no second send,
 * per-language dates, a template error stopping the run before anything
 * is sent, one contact's unbuildable message failing alone, an unknown
 * campaign, feedback mail through the outbox, and the fingerprint each
 * delivery keeps of its text. */
#include <dirent.h>
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
#include <sqlite3.h>

#include "model/campaign.h"
#include "base/config.h"
#include "model/contacts.h"
#include "send/send.h"
#include "send/send_private.h"
#include "store/store.h"
#include "tfix.h"
#include "send/submit.h"
#include "base/tmpl.h"
#include "base/xmem.h"
#include "mail/fprint.h"
#include "mail/parse.h"

/* ---- the pure text helpers ----------------------------------------------- */

static void test_deadline(void **state)
{
	static const struct {
		const char *iso, *lang, *want;
	} t[] = {
		{ "2026-03-15", "en", "15 March 2026" },
		{ "2026-03-15", "bg", "15 март 2026" },
		{ "2026-03-15", "nl", "15 maart 2026" },
		{ "2026-03-15", "cs", "15. března 2026" },
		{ "2026-10-05T17:00", "en", "5 October 2026, 17:00" },
		{ "2026-10-05T17:00", "cs", "5. října 2026 v 17:00" },
		{ "2026-10-05 09:30", "nl", "5 oktober 2026, 09:30 uur" },
		{ "2026-01-01", "xx", "1 January 2026" },
		{ "", "en", "" },
		{ "end of May", "en", "end of May" },
		{ "2026-13-01", "en", "2026-13-01" },
	};
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = send_deadline(t[i].iso, t[i].lang);
		if (strcmp(got, t[i].want) != 0)
			fail_msg("%s/%s: got '%s' want '%s'", t[i].iso,
				 t[i].lang, got, t[i].want);
		free(got);
	}
}

/* Render "{{{k}}}" with the map send_vars_json built; a row with err
 * expects -1 and that text at the start of the message. */
static void test_vars_json(void **state)
{
	static const struct {
		const char *json, *key, *want, *err;
	} t[] = {
		{ "{\"venue\":\"Gent\"}", "venue", "Gent", NULL },
		{ " { \"a\" : \"x\" , \"n\" : 12.5 } ", "n", "12.5", NULL },
		{ "{\"q\":\"say \\\"hi\\\"\\n\"}", "q", "say \"hi\"\n", NULL },
		{ "{\"u\":\"\\u041a\\u0430\"}", "u", "Ка", NULL },
		{ "{\"e\":\"\\ud83d\\ude00\"}", "e", "\xf0\x9f\x98\x80", NULL },
		{ "{\"b\":true}", "b", "true", NULL },
		{ "{\"z\":null,\"k\":\"v\"}", "k", "v", NULL },
		{ "{\"z\":null}", "z", "", NULL },
		{ "", "k", "", NULL },	/* no vars: k unknown, rendered empty */
		{ " \n\t", "k", "", NULL },
		{ "{}", "k", "", NULL },
		/* integers exactly, even past a double's 53 bits */
		{ "{\"i\":-42}", "i", "-42", NULL },
		{ "{\"i\":9007199254740993}", "i", "9007199254740993", NULL },
		{ "{\"i\":-9223372036854775808}", "i", "-9223372036854775808",
		  NULL },
		/* reals: the shortest text for the same double, still a real */
		{ "{\"r\":1.50}", "r", "1.5", NULL },
		{ "{\"r\":2.0}", "r", "2.0", NULL },
		{ "{\"r\":0.1}", "r", "0.1", NULL },
		{ "{\"r\":1E3}", "r", "1000.0", NULL },
		{ "{\"r\":-2.5e-7}", "r", "-2.5e-07", NULL },
		{ "{\"r\":0.30000000000000004}", "r", "0.30000000000000004",
		  NULL },
		/* refused, with where and why */
		{ "{\"k\":[1]}", "k", NULL,
		  "vars: \"k\": an array (vars are flat" },
		{ "{\"k\":{\"x\":1}}", "k", NULL,
		  "vars: \"k\": an object (vars are flat" },
		{ "[\"k\"]", "k", NULL, "vars: an array, not an object" },
		{ "\"k\"", "k", NULL,
		  "vars: line 1 column 3: '[' or '{' expected" },
		{ "{\"k\":\"unterminated}", "k", NULL,
		  "vars: line 1 column 19: premature end of input" },
		{ "{\"k\":\"a\",\"k\":\"b\"}", "k", NULL,
		  "vars: line 1 column 12: duplicate object key near '\"k\"'" },
		{ "{\"a\":\"x\",\n \"b\" 2}", "a", NULL,
		  "vars: line 2 column 6: ':' expected near '2'" },
		{ "{\"k\":\"v\"} x", "k", NULL,
		  "vars: line 1 column 11: end of file expected" },
		{ "{\"k\":\"v\",}", "k", NULL, "vars: line 1 column 10: " },
		{ "{\"k\":\"a\\u0000b\"}", "k", NULL,
		  "vars: line 1 column 15: \\u0000 is not allowed" },
		{ "{\"k\":\"\xff\"}", "k", NULL,
		  "vars: line 1 column 6: unable to decode byte 0xff" },
		{ "{\"k\":99999999999999999999}", "k", NULL,
		  "vars: line 1 column 25: too big integer" },
		{ "{\"k\":01}", "k", NULL, "vars: line 1 column 6: invalid token" },
		{ "{\"k\":1e999}", "k", NULL,
		  "vars: line 1 column 10: real number overflow" },
	};
	struct tmpl_val *m;
	struct buf out;
	struct err e;
	char tpl[32];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = tmpl_map_new();
		rc = send_vars_json(t[i].json, m, &e);
		if (t[i].err != NULL) {
			if (rc != -1 ||
			    strncmp(e.msg, t[i].err, strlen(t[i].err)) != 0)
				fail_msg("case %zu: rc %d, '%s'", i, rc,
					 rc ? e.msg : "");
			tmpl_val_free(&m);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu: %s", i, e.msg);
		snprintf(tpl, sizeof(tpl), "{{{%s}}}", t[i].key);
		buf_init(&out, 0);
		assert_int_equal(tmpl_render(tpl, m, NULL, 0, &out, &e), 0);
		if (strcmp(buf_cstr(&out), t[i].want) != 0)
			fail_msg("case %zu: got '%s'", i, buf_cstr(&out));
		buf_free(&out);
		tmpl_val_free(&m);
	}
}

/* A refused object sets nothing: a good key before the bad one does not
 * reach the map (render.c lays campaign vars over its defaults). */
static void test_vars_all_or_nothing(void **state)
{
	static const char *const bad[] = {
		"{\"venue\":\"new\",\"k\":[1]}",
		"{\"venue\":\"new\",\"venue\":\"newer\"}",
		"{\"venue\":\"new\",\"k\":",
	};
	struct tmpl_val *m = tmpl_map_new();
	struct buf out;
	struct err e;
	size_t i;

	(void)state;
	tmpl_map_set_str(m, "venue", "old");
	buf_init(&out, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(send_vars_json(bad[i], m, &e), -1);
		buf_reset(&out);
		assert_int_equal(tmpl_render("{{venue}}", m, NULL, 0, &out, &e),
				 0);
		assert_string_equal(buf_cstr(&out), "old");
	}
	buf_free(&out);
	tmpl_val_free(&m);
}

struct each_log {
	struct buf b;
	int stop_at;	/* cb refuses its n-th call (1-based); 0 never */
	int calls;
};

static int each_cb(void *arg, const char *key, char type, const char *text)
{
	struct each_log *l = arg;

	buf_printf(&l->b, "%s=%c:%s;", key, type, text);
	return ++l->calls == l->stop_at;
}

/* Keys come in the order written, not sorted or hashed: a feedback row
 * lists answers "a:QID" in the order they were recorded. Enough keys
 * that a hash table's order would show. */
static void test_json_each_order(void **state)
{
	static const char json[] =
		"{\"z\":1,\"a:q10\":\"x\",\"p:q2\":\"'lots' is not a number\","
		"\"m\":true,\"b\":null,\"a:q1\":\"y\",\"y\":2.5,\"c\":false,"
		"\"x\":\"\",\"a:q9\":\"c,a\",\"d\":-0,\"w\":\"w\"}";
	static const char want[] =
		"z=n:1;a:q10=s:x;p:q2=s:'lots' is not a number;m=b:true;"
		"b=z:;a:q1=s:y;y=n:2.5;c=b:false;x=s:;a:q9=s:c,a;d=n:0;"
		"w=s:w;";
	struct each_log l = { .stop_at = 0 };
	struct err e;

	(void)state;
	buf_init(&l.b, 0);
	assert_int_equal(send_json_each(json, each_cb, &l, &e), 0);
	assert_string_equal(buf_cstr(&l.b), want);
	/* a callback's refusal stops the walk and names the key */
	buf_reset(&l.b);
	l.calls = 0;
	l.stop_at = 2;
	assert_int_equal(send_json_each(json, each_cb, &l, &e), -1);
	assert_int_equal(l.calls, 2);
	assert_string_equal(e.msg, "vars: \"a:q10\": refused");
	/* nothing is called for an object that is refused */
	buf_reset(&l.b);
	l.calls = 0;
	l.stop_at = 0;
	assert_int_equal(send_json_each("{\"a\":1,\"b\":[]}", each_cb, &l, &e),
			 -1);
	assert_int_equal(l.calls, 0);
	buf_free(&l.b);
}

/* ---- helpers ------------------------------------------------------------ */

struct fixture {
	char dir[64];
	char *outbox;
	struct config cfg;
	struct store *s;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = xmalloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	return p;
}

/* Files in dir (not . and ..), or -1 when it does not exist. */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Concatenation of every file in dir, for "some message says X". */
static char *slurp_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct buf b;
	char *p, *t;

	assert_non_null(d);
	buf_init(&b, 0);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		t = read_all(p);
		buf_adds(&b, t);
		buf_adds(&b, "\n\001\n");
		free(t);
		free(p);
	}
	closedir(d);
	return buf_steal(&b);
}

static const char contacts_csv[] =
	"email,name,municipality,country,language,groups,role\n"
	"ivan@example.org,Иван Петров,Каварна,BG,bg,fs,mayor's office\n"
	"jana@example.org,Jana Nováková,Ostrava,CZ,cs,fs,coordinator\n"
	"pieter@example.org,Pieter De Vos,Gent,BE,nl,fs,officer\n"
	"anna@example.org,Anna Smith & Co,Brussels,BE,en,fs,officer\n"
	"other@example.org,Nobody,Elsewhere,BE,en,other,officer\n";

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct contacts_stats cst;
	struct errlist errs = { 0 };
	char *p;

	/* the campaigns here close on 2026-03-15: every store handle,
	 * the sender processes' too, runs on 2026-03-01 */
	setenv("ANKETA_NOW", "1772323200", 1);
	if (tfix_open("test_send", f->dir, &f->s) < 0)
		return -1;
	f->outbox = xasprintf("%s/outbox", f->dir);
	f->cfg.templates_dir = xstrdup("templates");
	f->cfg.surveys_dir = xstrdup("surveys");
	f->cfg.schema_path = xstrdup("surveys/survey.rng");
	f->cfg.from_address = xstrdup("organiser@example.org");
	f->cfg.from_name = xstrdup("Programme team");
	f->cfg.reply_to = xstrdup("organiser+{token}@example.org");
	f->cfg.return_path = xstrdup("bounces+{token}@example.org");
	f->cfg.message_id_domain = xstrdup("example.org");
	f->cfg.smtp.url = xasprintf("maildir:%s", f->outbox);
	f->cfg.smtp.concurrency = 2;
	f->cfg.smtp.timeout = 5;
	p = xasprintf("%s/c.csv", f->dir);
	write_file(p, contacts_csv);
	if (contacts_import(f->s, p, 0, &cst, &errs) != 0) {
		print_error("%s\n", errs.n ? errs.v[0] : "import");
		return -1;
	}
	free(p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tfix_close(f->dir, &f->s);
	free(f->outbox);
	tfix_cfg_free(&f->cfg);
	free(f);
	return 0;
}

/* Store a campaign; extra is appended to the file (e.g. [vars]). */
static void add_campaign(struct fixture *f, const char *name,
			 const char *tmpl, const char *subject,
			 const char *extra)
{
	struct errlist errs = { 0 };
	char *path = xasprintf("%s/%s.campaign", f->dir, name);
	char *text = xasprintf("[campaign]\nname = %s\nkind = survey\n"
			       "questionnaire = field-study.xml\n"
			       "template = %s\nreference = FS26\n"
			       "deadline = 2026-03-15\n%s%s\n"
			       "[audience]\ngroup = fs\n%s", name, tmpl,
			       subject ? "subject = " : "",
			       subject ? subject : "", extra ? extra : "");
	char *got = NULL;

	write_file(path, text);
	if (campaign_add(f->s, &f->cfg, path, &got, &errs) != 0)
		fail_msg("campaign_add: %s", errs.n ? errs.v[0] : "?");
	free(got);
	free(text);
	free(path);
}

/* ---- the Maildir transport ---------------------------------------------- */

/* Maildir behind the SMTP API: each message DONE with 250, and a
 * Maildir that cannot be written is a failure at CONNECT with its reason
 * (the directory is made at the first send, not at open). */
static void test_maildir_transport(void **state)
{
	struct fixture *f = *state;
	struct config_smtp bad = { 0 };
	struct submit_result r;
	struct submit *s = NULL;
	struct err e;
	char *new = xasprintf("%s/new", f->outbox), *all;
	static const char *const msg[2] = { "Subject: one\r\n\r\nbody\r\n",
					    "Subject: two\r\n\r\nbody\r\n" };
	static const char *const to[2] = { "a@example.org", "c@example.org" };
	static const char *const from[2] = { "b+t1@example.org",
					     "b+t2@example.org" };

	assert_int_equal(submit_open(&f->cfg.smtp, &s, &e), 0);
	assert_string_equal(submit_where(s), f->cfg.smtp.url);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(submit_send(s, from[i], to[i], msg[i],
					     strlen(msg[i]), &r), 0);
		assert_int_equal(r.stage, SUBMIT_S_DONE);
		assert_int_equal(r.smtp_code, 250);
		assert_int_equal(r.dot_sent, 1);
		assert_non_null(strstr(r.reply, "250 saved as "));
	}
	submit_free(&s);
	assert_null(s);
	assert_int_equal(count_files(new), 2);
	all = slurp_dir(new);
	assert_non_null(strstr(all, "Return-Path: <b+t1@example.org>\r\n"
			       "Delivered-To: a@example.org\r\nSubject: one"));
	assert_non_null(strstr(all, "Delivered-To: c@example.org\r\n"));
	free(all);
	free(new);

	bad.url = "maildir:/proc/no/such/dir";
	assert_int_equal(submit_open(&bad, &s, &e), 0);
	assert_int_equal(submit_send(s, from[0], to[0], msg[0],
				     strlen(msg[0]), &r), 0);
	assert_int_equal(r.stage, SUBMIT_S_CONNECT);
	assert_int_equal(r.smtp_code, 0);
	assert_int_equal(r.dot_sent, 0);
	assert_non_null(strstr(r.reply, "maildir:/proc/no/such/dir"));
	submit_free(&s);
}

static void test_bad_url(void **state)
{
	struct config_smtp c = { 0 };
	struct submit *s = NULL;
	struct err e;

	(void)state;
	c.url = "ftp://example.org";
	c.concurrency = 1;
	assert_int_equal(submit_open(&c, &s, &e), -1);
	assert_null(s);
	assert_string_equal(e.msg, "smtp url: 'ftp://example.org' is not "
			    "smtp://, smtps:// or maildir:PATH");
	c.url = "maildir:";
	assert_int_equal(submit_open(&c, &s, &e), -1);
	assert_null(s);
	assert_string_equal(e.msg, "smtp url: maildir: needs a path "
			    "(maildir:PATH)");
}

/* ---- whole campaigns -------------------------------------------------- */

static void test_campaign_run(void **state)
{
	struct fixture *f = *state;
	struct send_opts o = { 0 };
	struct send_stats st;
	struct err e;
	char *prev = xasprintf("%s/preview", f->dir);
	char *new = xasprintf("%s/new", f->outbox), *all;

	add_campaign(f, "fs26", "survey", "Due {{deadline}}",
		     "[vars]\nextra_note = x\n");
	/* dry run: previews for the 4 of group fs, nothing sent, nothing
	 * planned */
	o.dry_run = 1;
	o.preview_dir = prev;
	if (send_campaign(f->s, &f->cfg, "fs26", &o, &st, &e) != 0)
		fail_msg("dry run: %s", e.msg);
	assert_int_equal(st.planned, 0);
	assert_int_equal(st.rendered, 4);
	assert_int_equal(st.sent, 0);
	assert_int_equal(count_files(prev), 4);
	assert_true(count_files(new) <= 0);

	/* the real run sends those 4 */
	o.dry_run = 0;
	o.preview_dir = NULL;
	if (send_campaign(f->s, &f->cfg, "fs26", &o, &st, &e) != 0)
		fail_msg("send: %s", e.msg);
	assert_int_equal(st.planned, 4);
	assert_int_equal(st.sent, 4);
	assert_int_equal(st.failed + st.deferred + st.skipped, 0);
	assert_int_equal(count_files(new), 4);
	all = slurp_dir(new);
	/* the deadline as each language writes it (ASCII subjects stay
	 * readable in the header) and the reference token */
	assert_non_null(strstr(all, "Subject: Due 15 March 2026 [ref:"));
	assert_non_null(strstr(all, "Subject: Due 15 maart 2026 [ref:"));
	assert_non_null(strstr(all, "Return-Path: <bounces+"));
	assert_non_null(strstr(all, "Reply-To: organiser+"));
	assert_non_null(strstr(all, "List-Unsubscribe: <mailto:organiser+"));
	assert_non_null(strstr(all, "multipart/alternative"));
	assert_null(strstr(all, "other@example.org"));
	/* "&" in a name is not HTML-escaped in the text part's To: */
	assert_null(strstr(all, "&amp; Co <anna"));
	free(all);

	/* a second run sends nothing twice */
	if (send_campaign(f->s, &f->cfg, "fs26", &o, &st, &e) != 0)
		fail_msg("second run: %s", e.msg);
	assert_int_equal(st.sent + st.rendered, 0);
	assert_int_equal(count_files(new), 4);
	free(new);
	free(prev);
}

static void test_template_error(void **state)
{
	struct fixture *f = *state;
	struct send_opts o = { 0 };
	struct send_stats st;
	struct err e;
	char *p, *new = xasprintf("%s/new", f->outbox);
	char *tdir = xasprintf("%s/tpl", f->dir);

	/* a set whose en body uses a variable nobody provides */
	p = xasprintf("mkdir -p '%s/broken/en' && cp -r templates/survey "
		      "'%s/'", tdir, tdir);
	assert_int_equal(system(p), 0);
	free(p);
	p = xasprintf("%s/broken/en/subject.txt", tdir);
	write_file(p, "Hello\n");
	free(p);
	p = xasprintf("%s/broken/en/body.txt", tdir);
	write_file(p, "Dear {{{name}}},\n\nsee you on {{meeting_day}}\n");
	free(p);
	free(f->cfg.templates_dir);
	f->cfg.templates_dir = tdir;
	add_campaign(f, "broken", "broken", NULL, NULL);
	for (o.dry_run = 1; o.dry_run >= 0; o.dry_run--) {
		assert_int_equal(send_campaign(f->s, &f->cfg, "broken", &o,
					       &st, &e), -1);
		p = xasprintf("%s/broken/en/body.txt: line 3: unknown "
			      "variable 'meeting_day'", tdir);
		if (strstr(e.msg, p) == NULL)
			fail_msg("got: %s", e.msg);
		free(p);
		assert_int_equal(st.sent, 0);
	}
	assert_true(count_files(new) <= 0);
	free(new);
}

/* The state and last reply of the delivery to email, read straight from
 * the store file (the store API lists only waiting rows). */
static void delivery_of(struct fixture *f, const char *email, char *state,
			size_t n, char *reply, size_t rn)
{
	char *db = xasprintf("%s/anketa.db", f->dir);
	sqlite3_stmt *st;
	sqlite3 *h;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT d.state, "
		"coalesce(d.last_reply, '') FROM deliveries d JOIN contacts c "
		"ON c.id = d.contact_id WHERE c.email = ?1", -1, &st, NULL),
		SQLITE_OK);
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(state, n, "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(reply, rn, "%s", (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(db);
}

/* One contact whose message cannot be built (a line break in the name,
 * from a store older than the import's checks) fails alone with the
 * reason; a 1,000-letter name is sent; the others are sent. A dry run
 * says the same without writing. */
static void test_bad_contact_alone(void **state)
{
	struct fixture *f = *state;
	struct send_opts o = { 0 };
	struct send_stats st;
	struct err e;
	char *new = xasprintf("%s/new", f->outbox), *all, longname[1001];
	char dstate[32], reply[512];
	struct store_contact k[2] = {
		{ .email = "evil@example.org",
		  .name = "Evil\r\nBcc: victim@example.org", .country = "BE",
		  .language = "en", .groups = "fs" },
		{ .email = "long@example.org", .name = longname,
		  .country = "BE", .language = "en", .groups = "fs" },
	};
	int64_t id;
	int created;

	memset(longname, 'L', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (int i = 0; i < 2; i++)
		assert_int_equal(store_contact_upsert(f->s, &k[i], &id,
						      &created, &e), 0);
	add_campaign(f, "hostile", "survey", NULL, NULL);
	o.dry_run = 1;
	if (send_campaign(f->s, &f->cfg, "hostile", &o, &st, &e) != 0)
		fail_msg("dry run: %s", e.msg);
	assert_int_equal(st.rendered, 5);
	assert_int_equal(st.failed, 1);
	o.dry_run = 0;
	if (send_campaign(f->s, &f->cfg, "hostile", &o, &st, &e) != 0)
		fail_msg("send: %s", e.msg);
	assert_int_equal(st.planned, 6);
	assert_int_equal(st.sent, 5);
	assert_int_equal(st.failed, 1);
	assert_int_equal(count_files(new), 5);
	all = slurp_dir(new);
	assert_null(strstr(all, "victim@"));
	assert_non_null(strstr(all, "<long@example.org>"));
	free(all);
	delivery_of(f, "evil@example.org", dstate, sizeof(dstate), reply,
		    sizeof(reply));
	assert_string_equal(dstate, "failed");
	assert_string_equal(reply, "message to evil@example.org: To: display "
			    "name is not one line of UTF-8");
	delivery_of(f, "long@example.org", dstate, sizeof(dstate), reply,
		    sizeof(reply));
	assert_string_equal(dstate, "sent");
	free(new);
}

/* A template broken after the mail was enqueued (the daemon's sender,
 * send --all): the sample contact fails too, so it is the organiser's
 * error: the run stops, no row is failed for it, all wait. */
static void test_template_error_later(void **state)
{
	struct fixture *f = *state;
	struct send_stats st;
	struct err e;
	char *p, *tdir = xasprintf("%s/tpl", f->dir);
	char *new = xasprintf("%s/new", f->outbox);
	long planned;
	int rc;

	p = xasprintf("mkdir -p '%s' && cp -r templates/survey '%s/later' && "
		      "cp -r templates/_partials '%s/'", tdir, tdir, tdir);
	assert_int_equal(system(p), 0);
	free(p);
	free(f->cfg.templates_dir);
	f->cfg.templates_dir = tdir;
	add_campaign(f, "later", "later", NULL, NULL);
	rc = send_enqueue(f->s, &f->cfg, 1, "invite", &planned, &e);
	if (rc != 0)
		fail_msg("enqueue: %s", e.msg);
	assert_int_equal(planned, 4);
	for (size_t i = 0; i < 4; i++) {
		static const char *const lang[] = { "bg", "cs", "en", "nl" };

		p = xasprintf("%s/later/%s/body.txt", tdir, lang[i]);
		write_file(p, "Dear {{{name}}},\n{{meeting_day}}\n");
		free(p);
	}
	assert_int_equal(send_outbox(f->s, &f->cfg, &st, &e), -1);
	assert_non_null(strstr(e.msg, "unknown variable 'meeting_day'"));
	assert_int_equal(st.sent + st.failed, 0);
	assert_true(count_files(new) <= 0);
	free(new);
}

static void test_unknown_campaign(void **state)
{
	struct fixture *f = *state;
	struct send_opts o = { 0 };
	struct send_stats st;
	struct err e;

	assert_int_equal(send_campaign(f->s, &f->cfg, "nope", &o, &st, &e),
			 -1);
	assert_non_null(strstr(e.msg, "campaign 'nope': no such campaign"));
}

static int contact_id_cb(void *arg, const struct store_contact *c)
{
	*(int64_t *)arg = c->id;
	return 0;
}

/* Decoded text of the only message in dir: the test's own minimal
 * quoted-printable reader (the text part is QP in UTF-8). */
static char *qp_decoded(const char *all)
{
	struct buf b;
	const char *p;
	unsigned v;

	buf_init(&b, 0);
	for (p = all; *p != '\0'; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
		} else if (p[0] == '=' && p[1] && p[2] &&
			   sscanf(p + 1, "%2X", &v) == 1) {
			buf_addc(&b, (char)v);
			p += 2;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_steal(&b);
}

/* The base64 bodies of a maildir's messages decoded, one after the
 * other (Cyrillic text parts are base64, see mime.c). */
static char *b64_decoded(const char *all)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				"qrstuvwxyz0123456789+/";
	const char *p = all, *c;
	unsigned acc = 0, bits = 0;
	struct buf b;

	buf_init(&b, 0);
	while ((p = strstr(p, "Content-Transfer-Encoding: base64")) != NULL &&
	       (p = strstr(p, "\r\n\r\n")) != NULL) {
		for (p += 4; *p != '\0' && *p != '-' &&
		     !(p[0] == '\r' && p[1] == '\n' && p[2] == '\r'); p++) {
			if ((c = strchr(a, *p)) == NULL)
				continue;
			acc = (acc << 6) | (unsigned)(c - a);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				buf_addc(&b, (char)((acc >> bits) & 0xFF));
			}
		}
		acc = bits = 0;
		buf_addc(&b, '\n');
	}
	return buf_steal(&b);
}

/* Enqueue one feedback row as ingest does (vars: "a:QID" answers,
 * "p:QID" problems, other keys template variables) and send the outbox.
 * Returns send_outbox's result. */
static int feedback(struct fixture *f, int64_t contact, const char *kind,
		    const char *vars, struct send_stats *st, struct err *e)
{
	struct store_enqueue q = { 0 };

	q.campaign_id = 1;	/* the only campaign of these fixtures */
	q.contact_id = contact;
	q.kind = kind;
	q.vars = vars;
	q.in_reply_to = "<reply.1@example.net>";
	if (store_outbox_enqueue(f->s, &q, NULL, e) != 0)
		return -1;
	return send_outbox(f->s, &f->cfg, st, e);
}

static void test_feedback(void **state)
{
	struct fixture *f = *state;
	struct send_stats st;
	struct err e;
	int64_t cid = 0;
	char *new = xasprintf("%s/new", f->outbox), *all, *txt;

	add_campaign(f, "fs-one", "survey", NULL, NULL);
	assert_int_equal(store_contact_find(f->s, "email",
					    "anna@example.org",
					    contact_id_cb, &cid, &e), 1);
	if (feedback(f, cid, "confirm", "{\"a:strategy\":\"yes\","
		     "\"a:areas\":\"education,health\",\"updated\":true}",
		     &st, &e) != 0 || st.sent != 1)
		fail_msg("confirm: %s", e.msg);
	/* a note may list answers beside the problems (the renderer shows
	 * both; ingest's notes carry problems only) */
	if (feedback(f, cid, "problem", "{\"a:strategy\":\"yes\","
		     "\"p:budget\":\"Q5: 'lots' is not a number\"}", &st,
		     &e) != 0 || st.sent != 1)
		fail_msg("problem: %s", e.msg);
	assert_int_equal(count_files(new), 2);
	all = slurp_dir(new);
	txt = qp_decoded(all);
	assert_non_null(strstr(all, "Delivered-To: anna@example.org"));
	assert_non_null(strstr(all, "In-Reply-To: <reply.1@example.net>"));
	assert_non_null(strstr(all, "Auto-Submitted: auto-replied"));
	assert_non_null(strstr(all, "[ref:"));
	/* answers by number, question text and option labels */
	assert_non_null(strstr(txt, "  Q2. "));
	assert_non_null(strstr(txt, "      yes\r\n"));
	assert_non_null(strstr(txt, "      Education; Health"));
	assert_non_null(strstr(txt, "replace the ones you sent"));
	/* the problem note names the question and gives the reason for
	 * the respondent: what was wrong and what the question accepts */
	assert_non_null(strstr(txt, "  Q5. "));
	assert_non_null(strstr(txt, "      'lots' is not a number. Write one "
			       "whole number, at least 0.\r\n"));
	assert_null(strstr(txt, "Q5: 'lots'"));	/* staff form */
	assert_non_null(strstr(txt, "These answers were recorded:"));
	free(txt);
	free(all);

	/* a Bulgarian contact reads the reason in Bulgarian */
	assert_int_equal(store_contact_find(f->s, "email",
					    "ivan@example.org",
					    contact_id_cb, &cid, &e), 1);
	if (feedback(f, cid, "problem", "{\"p:budget\":\"Q5: 'lots' is not "
		     "a number\"}", &st, &e) != 0 || st.sent != 1)
		fail_msg("problem bg: %s", e.msg);
	assert_int_equal(count_files(new), 3);
	all = slurp_dir(new);
	txt = b64_decoded(all);
	assert_non_null(strstr(txt, "не успяхме да прочетем следните "
			       "отговори"));
	assert_non_null(strstr(txt, "      'lots' не е число. Напишете едно "
			       "цяло число, не по-малко от 0.\r\n"));
	assert_null(strstr(txt, "is not a number"));
	free(txt);
	free(all);
	free(new);
}

/* Every feedback mail is an outbox row (many per campaign and contact),
 * counted for the daily limit from the moment it is enqueued unless it
 * failed; with the server down it waits (deferred) and still counts;
 * an undeliverable contact gets nothing, and its waiting row is skipped.
 */
static void test_feedback_records(void **state)
{
	struct fixture *f = *state;
	static const char vars[] = "{\"a:strategy\":\"no\"}";
	struct send_stats st;
	struct err e;
	int64_t cid = 0;
	long n = -1, counts[STORE_D_N];
	char *new = xasprintf("%s/new", f->outbox), *url = f->cfg.smtp.url;

	add_campaign(f, "fs-rec", "survey", NULL, NULL);
	assert_int_equal(store_contact_find(f->s, "email", "jana@example.org",
					    contact_id_cb, &cid, &e), 1);
	for (int i = 0; i < 2; i++)
		if (feedback(f, cid, "confirm", vars, &st, &e) != 0)
			fail_msg("confirm %d: %s", i, e.msg);
	assert_int_equal(count_files(new), 2);
	if (store_deliveries_count_since(f->s, cid, "confirm", 0, &n, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(n, 2);
	assert_int_equal(store_delivery_counts(f->s, 1, "confirm", counts,
					       &e), 0);
	assert_int_equal(counts[STORE_D_SENT], 2);
	assert_int_equal(counts[STORE_D_SENDING], 0);

	/* nobody listens on port 1: the server is paused, the row waits */
	f->cfg.smtp.url = "smtp://127.0.0.1:1";
	f->cfg.smtp.require_tls = 0;
	assert_int_equal(feedback(f, cid, "confirm", vars, &st, &e), -1);
	assert_non_null(strstr(e.msg, "127.0.0.1:1: sending paused until"));
	f->cfg.smtp.url = url;
	assert_int_equal(store_delivery_counts(f->s, 1, "confirm", counts,
					       &e), 0);
	assert_int_equal(counts[STORE_D_DEFERRED], 1);
	assert_int_equal(store_deliveries_count_since(f->s, cid, "confirm",
						      0, &n, &e), 0);
	assert_int_equal(n, 3);

	/* undeliverable: nothing more, the waiting row is skipped */
	assert_int_equal(store_contact_set_status(f->s, cid, "undeliverable",
						  "test", &e), 0);
	if (feedback(f, cid, "confirm", vars, &st, &e) != 0)
		fail_msg("undeliverable: %s", e.msg);
	assert_int_equal(st.sent, 0);
	assert_int_equal(count_files(new), 2);
	assert_int_equal(store_delivery_counts(f->s, 1, "confirm", counts,
					       &e), 0);
	assert_int_equal(counts[STORE_D_SENT], 2);
	assert_int_equal(counts[STORE_D_SKIPPED], 2);
	free(new);
}

/* Every delivery keeps the fingerprint of the text it sent: the text as
 * the recipient's client shows it, quoted back, is found through the
 * fingerprint of the delivery its Message-ID names. */
static void test_fprint_kept(void **state)
{
	struct fixture *f = *state;
	struct send_opts o = { 0 };
	struct send_stats st;
	struct err e;
	char *new = xasprintf("%s/new", f->outbox);
	struct parse_limits lim = { .max_parts = 20, .max_depth = 4 };
	int found = 0;

	add_campaign(f, "fs26", "survey", "Due {{deadline}}", "");
	if (send_campaign(f->s, &f->cfg, "fs26", &o, &st, &e) != 0)
		fail_msg("send: %s", e.msg);
	DIR *d = opendir(new);
	struct dirent *de;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s", new, de->d_name), *raw, *q,
		    *n, *qt;
		struct parsed *p;
		int64_t did = 0, cid, kid;
		unsigned char *fp;
		size_t len;
		raw = read_all(path);
		assert_int_equal(parse_message(raw, strlen(raw), &lim, &p,
					       &e), 0);
		assert_int_equal(store_delivery_by_ref(f->s, p->message_id,
						       &did, &cid, &kid, &e),
				 1);
		assert_int_equal(store_delivery_fprint(f->s, did, &fp, &len,
						       &e), 1);
		assert_true(len > 12 && len <= FPRINT_MAX_BYTES);
		struct buf b;
		buf_init(&b, 0);
		buf_adds(&b, "Yes.\n\nSomeone wrote:\n> ");
		for (const char *c = p->text; *c; c++) {
			buf_addc(&b, *c);
			if (*c == '\n')
				buf_adds(&b, "> ");
		}
		q = buf_steal(&b);
		assert_int_equal(fprint_split(q, fp, len, &n, &qt), 1);
		assert_string_equal(n, "Yes.");
		found++;
		free(n);
		free(qt);
		free(q);
		free(fp);
		parse_free(&p);
		free(raw);
		free(path);
	}
	closedir(d);
	assert_int_equal(found, 4);
	free(new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_vars_json),
		cmocka_unit_test(test_vars_all_or_nothing),
		cmocka_unit_test(test_json_each_order),
		cmocka_unit_test(test_bad_url),
		cmocka_unit_test_setup_teardown(test_maildir_transport, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_campaign_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fprint_kept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_template_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_contact_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_template_error_later,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_campaign, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_feedback_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_feedback, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
