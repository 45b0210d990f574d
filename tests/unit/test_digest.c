/* test_digest.c -- the staff digest and the aggregates it and the report
 * share, on stores filled through store.h: the store's counts against
 * the answers counted one by one (as the report did before it asked the
 * store), the choices migration giving the same counts as new rows, the
 * digest's content and escaping, its caps on a 100,000-contact campaign
 * (under 1 MB), and the producer's once-per-slot rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/config.h"
#include "base/json.h"
#include "base/xmem.h"
#include "model/survey.h"
#include "report/digest.h"
#include "report/report.h"
#include "send/render.h"
#include "store/store.h"
#include "store/store_private.h"
#include "tfix.h"

static const char survey_xml[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<survey id=\"dg\" fallback=\"en\">\n"
" <title xml:lang=\"en\">Digest test</title>\n"
" <question id=\"muni\" type=\"text\"><text xml:lang=\"en\">Your "
"work?</text><text xml:lang=\"bg\">Вашата работа?</text></question>\n"
" <question id=\"areas\" type=\"multi\"><text xml:lang=\"en\">Areas?"
"</text>\n"
"  <option id=\"edu\"><label xml:lang=\"en\">Education</label>"
"<label xml:lang=\"bg\">Образование</label></option>\n"
"  <option id=\"job\"><label xml:lang=\"en\">Employment</label></option>\n"
"  <option id=\"home\"><label xml:lang=\"en\">Housing</label></option>\n"
" </question>\n"
" <question id=\"staff\" type=\"number\" min=\"0\"><text xml:lang=\"en\">"
"Staff?</text></question>\n"
" <question id=\"fund\" type=\"single\"><text xml:lang=\"en\">Funds?"
"</text>\n"
"  <option id=\"eu\"><label xml:lang=\"en\">EU</label></option>\n"
"  <option id=\"own\"><label xml:lang=\"en\">Own</label></option>\n"
" </question>\n"
"</survey>\n";

struct fixture {
	char dir[TFIX_DIR_MAX];
	struct config cfg;
	struct store *s;
	int64_t cid;
	struct err e;
};

#define OK(f, call)                                                 \
	do {                                                        \
		if ((call) < 0)                                     \
			fail_msg("%s: %s", #call, (f)->e.msg);      \
	} while (0)

static void
campaign(struct fixture *f, const char *name)
{
	struct store_campaign c = {
		.name = name, .kind = "survey", .template = "survey",
		.deadline = "2026-12-15", .reference = "DG", .file = "dg",
		.extra = "{}",
	};
	struct errlist errs = { 0 };
	struct survey *sv;
	int isnew;

	assert_int_equal(survey_load_memory(survey_xml, strlen(survey_xml),
					    "dg.xml", f->cfg.schema_path, &sv,
					    &errs), 0);
	OK(f, store_questionnaire_put(f->s, survey_id(sv), survey_hash(sv),
				      "dg.xml", survey_xml,
				      &c.questionnaire_id, &isnew, &f->e));
	OK(f, store_campaign_put(f->s, &c, &f->cid, &f->e));
	survey_free(&sv);
}

/* n contacts c0..; municipality and country from i; all invited. */
static void
contacts(struct fixture *f, long n, long nmuni)
{
	long added;

	OK(f, store_begin(f->s, &f->e));
	for (long i = 0; i < n; i++) {
		char email[64], muni[64];
		struct store_contact c = {
			.email = email, .name = "N", .municipality = muni,
			.country = i % 3 ? "BG" : "CZ", .language = "bg",
			.groups = "g",
		};
		int64_t id;
		int created;

		snprintf(email, sizeof(email), "c%06ld@example.org", i);
		snprintf(muni, sizeof(muni), "Town %ld", i % nmuni);
		OK(f, store_contact_upsert(f->s, &c, &id, &created, &f->e));
	}
	OK(f, store_commit(f->s, &f->e));
	OK(f, store_deliveries_plan(f->s, f->cid, "invite", &added, &f->e));
	assert_int_equal(added, n);
}

static void
respond(struct fixture *f, int64_t contact, const struct store_answer *a,
	size_t n)
{
	struct store_inbound m = {
		.src_key = NULL, .from_addr = "x@example.org",
		.kind = STORE_I_ANSWERS, .contact_id = contact,
		.campaign_id = f->cid,
	};
	char key[32];
	int64_t in;

	snprintf(key, sizeof(key), "k/%lld/%zu", (long long)contact, n);
	m.src_key = key;
	OK(f, store_inbound_add(f->s, &m, &in, &f->e));
	OK(f, store_response_add(f->s, f->cid, contact, in, a, n, NULL,
				 &f->e));
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	if (tfix_open("test_digest", f->dir, &f->s) < 0)
		return -1;
	f->cfg.schema_path = xstrdup("surveys/survey.rng");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tfix_close(f->dir, &f->s);
	free(f->cfg.schema_path);
	free(f);
	return 0;
}

/* ---- the store's counts against the answers one by one ------------------- */

struct tally {
	const char *q;
	int split;
	char keys[64][32];
	long counts[64];
	size_t n;
	long answered;
};

static void
tally_add(struct tally *t, const char *v, size_t len, long n)
{
	for (size_t i = 0; i < t->n; i++)
		if (strlen(t->keys[i]) == len &&
		    strncmp(t->keys[i], v, len) == 0) {
			t->counts[i] += n;
			return;
		}
	assert_true(t->n < 64);
	snprintf(t->keys[t->n], 32, "%.*s", (int)len, v);
	t->counts[t->n++] = n;
}

/* What the report did before: every answer, split on commas in C. */
static int
one_by_one(void *arg, const char *question, const char *value,
	   int64_t contact_id)
{
	struct tally *t = arg;

	(void)contact_id;
	if (strcmp(question, t->q) != 0 || value == NULL || *value == '\0')
		return 0;
	t->answered++;
	while (t->split && *value) {
		size_t n = strcspn(value, ",");

		tally_add(t, value, n, 1);
		value += n + (value[n] == ',');
	}
	if (!t->split)
		tally_add(t, value, strlen(value), 1);
	return 0;
}

static int
grouped(void *arg, const char *value, long n)
{
	tally_add(arg, value, strlen(value), n);
	return 0;
}

static void
tally_same(const struct tally *a, const struct tally *b)
{
	assert_int_equal(a->answered, b->answered);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		size_t k = 0;

		while (k < b->n && strcmp(a->keys[i], b->keys[k]) != 0)
			k++;
		if (k == b->n)
			fail_msg("%s: %s missing", a->q, a->keys[i]);
		assert_int_equal(a->counts[i], b->counts[k]);
	}
}

static void
fill_varied(struct fixture *f)
{
	static const char *const areas[] = {
		"edu", "edu,job", "job,home,edu", "home", "edu,home", "zzz",
		"edu,zzz",
	};
	static const char *const staff[] = { "3", "10", "3", "x", "0" };
	static const char *const fund[] = { "eu", "own", "eu", "other" };

	campaign(f, "dg-2026");
	contacts(f, 40, 7);
	OK(f, store_begin(f->s, &f->e));
	for (int64_t c = 1; c <= 36; c++) {
		struct store_answer a[] = {
			{ "muni", c % 4 ? "free, text" : "" },
			{ "areas", areas[c % 7] },
			{ "staff", staff[c % 5] },
			{ "fund", fund[c % 4] },
		};

		respond(f, c, a, 4);
		if (c % 6 == 0) {	/* a later reply: carries over */
			struct store_answer b[] = { { "fund", "own" } };

			respond(f, c, b, 1);
		}
	}
	OK(f, store_commit(f->s, &f->e));
}

static void
compare_counts(struct fixture *f)
{
	static const char *const qs[] = { "muni", "areas", "staff", "fund" };

	for (size_t i = 0; i < 4; i++) {
		struct tally want = { .q = qs[i], .split = i == 1 };
		struct tally got = { .q = qs[i] };

		OK(f, store_answers_each(f->s, f->cid, one_by_one, &want,
					 &f->e));
		OK(f, store_answer_counts(f->s, f->cid, qs[i], i == 1, grouped,
					  &got, &got.answered, &f->e));
		assert_true(want.answered > 0);
		tally_same(&want, &got);
	}
}

static void
test_counts_as_one_by_one(void **state)
{
	struct fixture *f = *state;

	fill_varied(f);
	compare_counts(f);
}

/* The responses a report counts are picked once per state of the
 * database: a write through this handle, one through another
 * connection and a rollback each make the next counts see it. */
static void
test_counts_follow_writes(void **state)
{
	struct fixture *f = *state;
	struct store_answer a[] = { { "fund", "own" }, { "staff", "7" } };
	sqlite3 *db;

	fill_varied(f);
	compare_counts(f);
	assert_int_equal(sqlite3_open(store_path(f->s), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE responses SET current = 0 "
				      "WHERE contact_id = 2", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	compare_counts(f);
	OK(f, store_begin(f->s, &f->e));
	respond(f, 37, a, 2);
	OK(f, store_commit(f->s, &f->e));
	/* picked again inside a transaction that is then undone: the
	 * table goes back to its pick from before 37 answered */
	OK(f, store_begin(f->s, &f->e));
	respond(f, 38, a, 2);
	compare_counts(f);
	store_rollback(f->s);
	compare_counts(f);
}

/* Rows from before the choices table: the migration splits them, and
 * the counts and the whole JSON report stay the same. */
static void
test_migration_same_report(void **state)
{
	struct fixture *f = *state;
	char *before = NULL, *after = NULL;
	size_t n1 = 0, n2 = 0, mig = 0;
	FILE *out;
	sqlite3 *db;

	fill_varied(f);
	out = open_memstream(&before, &n1);
	OK(f, report_write(f->s, &f->cfg, "dg-2026", REPORT_JSON, out,
			   &f->e));
	fclose(out);
	while (mig < store_nmigrations &&
	       strstr(store_migrations[mig], "TABLE answer_choices") == NULL)
		mig++;
	assert_true(mig < store_nmigrations);
	assert_int_equal(sqlite3_open(store_path(f->s), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE answer_choices", NULL,
				      NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, store_migrations[mig], NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	out = open_memstream(&after, &n2);
	OK(f, report_write(f->s, &f->cfg, "dg-2026", REPORT_JSON, out,
			   &f->e));
	fclose(out);
	assert_non_null(strstr(before, "\"id\":\"job\",\"label\":"
			       "\"Employment\",\"count\":"));
	assert_string_equal(before, after);
	compare_counts(f);
	free(before);
	free(after);
}

/* ---- content and escaping --------------------------------------------------- */

static void
test_digest_content(void **state)
{
	struct fixture *f = *state;
	struct store_answer a[] = {
		{ "muni", "<script>alert(1)</script>\x1b[31mred" },
		{ "areas", "edu,job" }, { "staff", "4" }, { "fund", "eu" },
	};
	struct store_answer b[] = {
		{ "muni", "old news" }, { "areas", "edu" }, { "staff", "6" },
	};
	struct store_inbound m = {
		.src_key = "k/bad", .from_addr = "someone@example.net",
		.subject = "Re: \x1b]0;evil\x07", .kind = STORE_I_UNMATCHED,
		.reason = "no token",
	};
	struct digest_out d;
	int64_t in;

	campaign(f, "dg-2026");
	contacts(f, 6, 2);
	OK(f, store_begin(f->s, &f->e));
	respond(f, 2, b, 3);
	OK(f, store_commit(f->s, &f->e));
	/* recorded long before the last digest (at 1500) */
	OK(f, store_exec(f->s, "UPDATE responses SET created = 1000", &f->e));
	OK(f, store_begin(f->s, &f->e));
	respond(f, 1, a, 4);
	OK(f, store_inbound_add(f->s, &m, &in, &f->e));
	OK(f, store_commit(f->s, &f->e));
	OK(f, digest_build(f->s, &f->cfg, "bg", 1500, store_now(f->s), &d,
			   &f->e));
	/* the reader's language, the campaign, rates by country and town */
	assert_non_null(strstr(d.text, "Нови свободни отговори"));
	assert_non_null(strstr(d.text, "Вашата работа?"));
	assert_non_null(strstr(d.text, "Образование"));
	assert_non_null(strstr(d.text, "dg-2026"));
	assert_non_null(strstr(d.text, "CZ (0 "));	/* none sent */
	assert_non_null(strstr(d.text, "Town 1 (0 "));
	/* the number question: n, mean, median of 4 and 6 */
	assert_non_null(strstr(d.text, "n 2  средно 5.0  медиана 5.0"));
	/* only the free text recorded since the last digest */
	assert_null(strstr(d.text, "old news"));
	assert_non_null(strstr(d.text, "[Town 0] <script>"));
	assert_non_null(strstr(d.html, "&lt;script&gt;alert(1)"));
	assert_null(strstr(d.html, "<script>"));
	/* nothing a stranger wrote reaches a terminal as a control */
	assert_null(strchr(d.text, '\x1b'));
	assert_null(strchr(d.text, '\x07'));
	assert_null(strchr(d.html, '\x1b'));
	/* the needs-a-person item and the command that acts on it */
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "anketa review show %lld",
			 (long long)in);
		assert_non_null(strstr(d.text, cmd));
		assert_non_null(strstr(d.html, cmd));
	}
	assert_non_null(strstr(d.subject, "anketa"));
	digest_out_free(&d);
}

/* A campaign held by a person shows its state; an open one none. */
static void
test_digest_state(void **state)
{
	struct fixture *f = *state;
	struct digest_out d;

	campaign(f, "dg-2026");
	contacts(f, 2, 1);
	OK(f, digest_build(f->s, &f->cfg, "en", 0, store_now(f->s), &d,
			   &f->e));
	assert_null(strstr(d.text, "State:"));
	digest_out_free(&d);
	OK(f, store_exec(f->s, "UPDATE campaigns SET hold = 'paused'",
			 &f->e));
	OK(f, digest_build(f->s, &f->cfg, "en", 0, store_now(f->s), &d,
			   &f->e));
	assert_non_null(strstr(d.text, "State: paused"));
	assert_non_null(strstr(d.html, "<strong>paused</strong>"));
	digest_out_free(&d);
}

/* ---- a large campaign stays a readable mail ---------------------------------- */

static void
test_digest_large_capped(void **state)
{
	struct fixture *f = *state;
	const long n = 100000;
	struct digest_out d;
	size_t bytes;

	campaign(f, "dg-big");
	contacts(f, n, n);	/* a municipality each */
	OK(f, store_begin(f->s, &f->e));
	for (int64_t c = 1; c <= n; c++) {
		char staff[32], text[DIGEST_TEXT_MAX + 10];
		struct store_answer a[] = {
			{ "muni", text }, { "areas", "edu,home" },
			{ "staff", staff }, { "fund", "eu" },
		};

		snprintf(staff, sizeof(staff), "%lld", (long long)c);
		memset(text, 'w', sizeof(text) - 1);
		text[sizeof(text) - 1] = '\0';
		respond(f, c, a, 4);
	}
	for (int i = 0; i < 120; i++) {
		struct store_inbound m = {
			.from_addr = "someone@example.net",
			.kind = STORE_I_UNMATCHED, .reason = "no token",
		};
		char key[32];
		int64_t in;

		snprintf(key, sizeof(key), "k/u/%d", i);
		m.src_key = key;
		OK(f, store_inbound_add(f->s, &m, &in, &f->e));
	}
	OK(f, store_commit(f->s, &f->e));
	OK(f, digest_build(f->s, &f->cfg, "en", 0, 1, &d, &f->e));
	bytes = strlen(d.text) + strlen(d.html);
	print_message("digest of %ld contacts: %zu bytes\n", n, bytes);
	assert_true(bytes < 1024 * 1024);
	/* every list capped, with the command that shows the rest */
	assert_non_null(strstr(d.text, "and more 99950: anketa report "
			       "dg-big --format csv"));
	assert_non_null(strstr(d.text, "and more 99950: anketa report "
			       "dg-big --format json"));
	assert_non_null(strstr(d.text, "and more 99950: anketa report "
			       "dg-big\n"));
	assert_non_null(strstr(d.text, "and more 70: anketa review list"));
	assert_non_null(strstr(d.text, "n 100000  mean 50000.5"));
	digest_out_free(&d);
}

/* ---- the producer -------------------------------------------------------------- */

/* The row carries the digest built at enqueue time (its vars), and the
 * send path wraps exactly those parts into MIME, without the report. */
static void
check_row_rendered(struct fixture *f, const char *vars)
{
	struct store_outrow row = { .id = 1, .kind = DIGEST_KIND,
				    .rcpt = "jan@example.org",
				    .token = "tok", .vars = vars };
	struct digest_out d;
	struct render *rd;
	struct buf out, want;

	OK(f, digest_build(f->s, &f->cfg, "cs", 5000, 9000, &d, &f->e));
	buf_init(&want, 0);
	json_kv_str(&want, 1, "text", d.text);
	assert_non_null(strstr(vars, buf_cstr(&want)));
	f->cfg.from_address = "organiser@example.org";	/* [sender] */
	OK(f, render_open(f->s, &f->cfg, &rd, &f->e));
	buf_init(&out, 0);
	OK(f, render_row(rd, &row, "<d@example.org>", &out, &f->e));
	assert_string_equal(render_text(rd), d.text);
	assert_non_null(strstr(buf_cstr(&out), "Auto-Submitted: "
			       "auto-generated"));
	assert_non_null(strstr(buf_cstr(&out), "text/html"));
	/* a row without a campaign and without parts: that row fails */
	row.vars = "{\"since\":\"0\"}";
	assert_int_equal(render_row(rd, &row, "<e@example.org>", &out,
				    &f->e), RENDER_ROW_BAD);
	render_free(&rd);
	f->cfg.from_address = NULL;
	buf_free(&out);
	buf_free(&want);
	digest_out_free(&d);
}

static void
test_fire_once_per_slot(void **state)
{
	struct fixture *f = *state;
	struct config_staff staff[] = {
		{ "ana@example.org", "bg" }, { "jan@example.org", "cs" },
	};
	int64_t since, until;
	char lang[8], *vars;

	f->cfg.digest.staff = staff;
	f->cfg.digest.nstaff = 2;
	OK(f, digest_fire(f->s, &f->cfg, 5000, &f->e));
	OK(f, digest_fire(f->s, &f->cfg, 5000, &f->e));	/* again: none */
	assert_int_equal(tfix_path_int(store_path(f->s), "SELECT count(*) "
				       "FROM deliveries WHERE kind = 'digest' "
				       "AND contact_id IS NULL"), 2);
	OK(f, digest_fire(f->s, &f->cfg, 9000, &f->e));
	assert_int_equal(tfix_path_int(store_path(f->s), "SELECT count(*) "
				       "FROM deliveries WHERE kind = "
				       "'digest'"), 4);
	/* the second slot's digest starts where the first ended */
	vars = tfix_path_text(store_path(f->s), "SELECT vars FROM deliveries "
			      "WHERE rcpt = 'jan@example.org' ORDER BY id "
			      "DESC LIMIT 1");
	assert_non_null(vars);
	assert_int_equal(digest_vars_parse(vars, &since, &until, lang), 0);
	assert_int_equal(since, 5000);
	assert_int_equal(until, 9000);
	assert_string_equal(lang, "cs");
	check_row_rendered(f, vars);
	free(vars);
	f->cfg.digest.staff = NULL;
	f->cfg.digest.nstaff = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_follow_writes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_as_one_by_one,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_same_report,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_content, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_digest_state, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_digest_large_capped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fire_once_per_slot,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
