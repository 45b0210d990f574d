/*
 * test_parse.c -- parse, charset, html and quote: the reply corpora copied
 * under tests/data/replies/ (accuracy printed as TAP comments, target 99%)
 * and table-driven MIME, charset and robustness cases written here.
 *
 * Corpus expectations anketa disagrees with are listed in the
 * disagreements tables below, each with the reason; those fixtures are
 * checked against anketa's own expectation instead and reported apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ctype.h>
#include <regex.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/charset.h"
#include "mail/html.h"
#include "mail/parse.h"
#include "mail/quote.h"
#include "base/xmem.h"

#define TARGET 0.99

static char *
slurp(const char *rel, size_t *len_r)
{
	const char *top = getenv("ANKETA_SRCDIR");
	char *path = xasprintf("%s/tests/data/replies/%s", top ? top : ".", rel);
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	free(path);
	if (len_r)
		*len_r = b.len;
	buf_cstr(&b);
	return buf_steal(&b);
}

/* Only trailing whitespace is normalised: of each line and of the end. */
static char *
rtrim_lines(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (const char *p = s; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		buf_add(&b, p, len);
		if (!nl)
			break;
		buf_addc(&b, '\n');
		p = nl + 1;
	}
	while (b.len && isspace((unsigned char)b.data[b.len - 1]))
		b.len--;
	buf_cstr(&b);
	b.data[b.len] = '\0';
	return buf_steal(&b);
}

static int
same_text(const char *got, const char *want)
{
	char *g = rtrim_lines(got), *w = rtrim_lines(want);
	int r = strcmp(g, w) == 0;

	free(g);
	free(w);
	return r;
}

static int
same_nows(const char *got, const char *want)
{
	struct buf g, w;
	int r;

	buf_init(&g, 0);
	buf_init(&w, 0);
	for (; *got; got++)
		if (!isspace((unsigned char)*got))
			buf_addc(&g, *got);
	for (; *want; want++)
		if (!isspace((unsigned char)*want))
			buf_addc(&w, *want);
	r = strcmp(buf_cstr(&g), buf_cstr(&w)) == 0;
	buf_free(&g);
	buf_free(&w);
	return r;
}

/* ---- the corpora's JSON expectation files, read with jansson ---------- */

/* tests/data/replies/REL as parsed JSON; the test fails, naming line and
 * column, if it does not parse. Caller json_decref()s. */
static json_t *
load_json(const char *rel)
{
	const char *top = getenv("ANKETA_SRCDIR");
	char *path = xasprintf("%s/tests/data/replies/%s", top ? top : ".", rel);
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	if (j == NULL)
		fail_msg("%s: line %d column %d: %s", path, je.line, je.column,
			 je.text);
	free(path);
	return j;
}

/* The string member key of object o; NULL when absent, null or not a
 * string. Borrowed from o. */
static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The array member key of object o, or fail. */
static const json_t *
jarray(const json_t *o, const char *key)
{
	const json_t *a = json_object_get(o, key);

	if (!json_is_array(a))
		fail_msg("no array \"%s\"", key);
	return a;
}

/* ---- corpus: github/email_reply_parser ------------------------------- */

/* TSV values write a newline as the two characters "\n". */
static char *
tsv_unescape(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			buf_addc(&b, '\n');
			s++;
		} else
			buf_addc(&b, *s);
	}
	buf_cstr(&b);
	return buf_steal(&b);
}

struct erp_fixture {
	char name[80];
	int flags_known;
	int hidden[16], quoted[16], sig[16];
	int nfrag_checks;
	struct {
		int idx;
		char op[16];
		char *value;
	} checks[16];
	char *visible;
	int fragment_count;
};

static void
flag_list(const char *v, int *out)
{
	for (int i = 0; i < 16 && *v; i++) {
		out[i] = *v == '1';
		v = strchr(v, ',');
		if (!v)
			break;
		v++;
	}
}

/* A fragment is the respondent's visible text when the source says it is
 * neither quoted, nor a signature, nor hidden; without flags only the
 * first fragment is. */
static int
frag_visible(const struct erp_fixture *f, int i)
{
	if (!f->flags_known)
		return i == 0;
	return !f->hidden[i] && !f->quoted[i] && !f->sig[i];
}

/* Does POSIX regex pat (freed here) match text? -1 if it does not
 * compile. */
static int
regex_match(char *pat, int flags, const char *text)
{
	regex_t re;
	int r = -1;

	if (regcomp(&re, pat, flags) == 0) {
		r = regexec(&re, text, 0, NULL, 0) == 0;
		regfree(&re);
	}
	free(pat);
	return r;
}

static int
regex_found(const char *rx, const char *text)
{
	return regex_match(tsv_unescape(rx), REG_EXTENDED | REG_NEWLINE, text);
}

static int erp_check_trimmed(const struct erp_fixture *f, const char *body,
			     const char *reply);

/* Every check the source makes, turned into one about reply_text (with
 * trailing blanks of lines removed, as in the source's fragments). */
static int
erp_check(const struct erp_fixture *f, const char *body, const char *reply)
{
	char *r = rtrim_lines(reply);
	int ok = erp_check_trimmed(f, body, r);

	free(r);
	return ok;
}

static int
erp_check_trimmed(const struct erp_fixture *f, const char *body,
		  const char *reply)
{
	if (f->visible)
		return same_text(reply, f->visible);
	if (f->nfrag_checks == 0 && f->fragment_count == 1)
		return same_text(reply, body);
	for (int i = 0; i < f->nfrag_checks; i++) {
		const char *op = f->checks[i].op;
		int vis = frag_visible(f, f->checks[i].idx), found;
		char *v = rtrim_lines(f->checks[i].value);
		if (strcmp(op, "regex") == 0)
			found = regex_found(f->checks[i].value, reply);
		else if (*v == '\0')
			found = vis;	/* an empty fragment says nothing */
		else
			found = strstr(reply, v) != NULL;
		free(v);
		if (found != vis)
			return 0;
	}
	return 1;
}

static int
erp_load(struct erp_fixture *fx, int max)
{
	char *tsv = slurp("email_reply_parser/expected.tsv", NULL);
	int n = 0;

	for (char *line = tsv, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		char *c1 = strchr(line, '\t'), *c2 = c1 ? strchr(c1 + 1, '\t') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		struct erp_fixture *f = NULL;
		for (int i = 0; i < n; i++)
			if (strcmp(fx[i].name, line) == 0)
				f = &fx[i];
		if (f == NULL) {
			assert_true(n < max);
			f = &fx[n++];
			memset(f, 0, sizeof(*f));
			snprintf(f->name, sizeof(f->name), "%s", line);
		}
		const char *key = c1 + 1, *val = c2 + 1;
		if (strcmp(key, "hidden") == 0)
			flag_list(val, f->hidden), f->flags_known = 1;
		else if (strcmp(key, "quoted") == 0)
			flag_list(val, f->quoted);
		else if (strcmp(key, "signature") == 0)
			flag_list(val, f->sig);
		else if (strcmp(key, "fragment_count") == 0)
			f->fragment_count = (int)strtol(val, NULL, 10);
		else if (strcmp(key, "visible_text.equals") == 0)
			f->visible = tsv_unescape(val);
		else if (strncmp(key, "fragment[", 9) == 0 && f->nfrag_checks < 16) {
			int k = f->nfrag_checks++;
			f->checks[k].idx = (int)strtol(key + 9, NULL, 10);
			snprintf(f->checks[k].op, sizeof(f->checks[k].op), "%s",
				 strchr(key, '.') + 1);
			f->checks[k].value = strcmp(f->checks[k].op, "regex") ?
			    tsv_unescape(val) : xstrdup(val);
		}
	}
	free(tsv);
	return n;
}

static void
report(const char *corpus, int ok, int total, int dis)
{
	double acc = total ? (double)ok / total : 1.0;

	printf("# corpus %s: %d/%d (%.1f%%)", corpus, ok, total, 100.0 * acc);
	if (dis)
		printf(", %d documented disagreement%s checked against anketa's "
		       "expectation", dis, dis == 1 ? "" : "s");
	printf("\n");
	assert_true(acc >= TARGET);
}

static void
test_corpus_email_reply_parser(void **state)
{
	struct erp_fixture fx[40];
	int n = erp_load(fx, 40), ok = 0;
	(void)state;

	assert_true(n >= 21);
	for (int i = 0; i <= n; i++) {
		/* pathological.txt has no text check: only its time limit */
		const char *name = i < n ? fx[i].name : "pathological.txt";
		char *rel = xasprintf("email_reply_parser/emails/%s", name);
		char *body = slurp(rel, NULL), *reply, *quoted;
		clock_t t0 = clock();
		quote_split(body, &reply, &quoted);
		double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		int pass = secs < 1.0 && (i == n || erp_check(&fx[i], body, reply));
		if (pass)
			ok++;
		else
			printf("# email_reply_parser %s: FAIL (%.2fs) reply=[%s]\n",
			       name, secs, reply);
		free(rel);
		free(body);
		free(reply);
		free(quoted);
	}
	for (int i = 0; i < n; i++) {
		free(fx[i].visible);
		for (int k = 0; k < fx[i].nfrag_checks; k++)
			free(fx[i].checks[k].value);
	}
	report("email_reply_parser", ok, n + 1, 0);
}

/* ---- corpus: mailgun/talon ------------------------------------------- */

struct disagreement {
	const char *fixture;
	const char *anketa;	/* what anketa returns instead */
	const char *why;
};

/* talon keeps "Thanks,\nAlex" below the reply; anketa moves a closing
 * and the name under it to the signature, so that it does not run into
 * the last free-text answer (issue 10) */
#define CLOSING_WHY "talon keeps the closing \"Thanks,\\nAlex\"; anketa " \
	"moves a closing and the name below it to the signature"

static const struct disagreement talon_disagree[] = {
	{ "fixtures/standard_replies/iphone.eml", "Hello",
	  "talon keeps \"Sent from my iPhone\"; anketa removes mobile "
	  "signatures from reply_text by design" },
	{ "fixtures/standard_replies/sparrow.eml", "Hello",
	  "talon keeps the \"-- \" signature; anketa removes it by design" },
	{ "fixtures/reply-separated-by-hr.html", "Hi\nthere\nBob",
	  "talon drops \"Bob\", written above the <hr>; a reader sees it as "
	  "part of the reply, so anketa keeps it" },
	{ "fixtures/html_replies/gmail.html", "Hi. I am fine.", CLOSING_WHY },
	{ "fixtures/html_replies/hotmail.html", "Hi. I am fine.", CLOSING_WHY },
	{ "fixtures/html_replies/mail_ru.html", "Hi. I am fine.", CLOSING_WHY },
	{ "fixtures/html_replies/ms_outlook_2003.html", "Hi. I am fine.", CLOSING_WHY },
	{ "fixtures/html_replies/ms_outlook_2007.html", "Hi. I am fine.", CLOSING_WHY },
	{ "fixtures/html_replies/ms_outlook_2010.html", "Hi. I am fine.", CLOSING_WHY },
	{ "fixtures/html_replies/thunderbird.html", "Hi. I am fine.", CLOSING_WHY },
	{ "fixtures/html_replies/windows_mail.html", "Hi. I am fine.", CLOSING_WHY },
	{ "fixtures/html_replies/yandex_ru.html", "Hi. I am fine.", CLOSING_WHY },
	{ "test_dont_parse_quotations_for_forwarded_messages", "FYI",
	  "talon keeps a forwarded message in the reply; anketa separates it "
	  "(quote_parts.forward): it is not what the respondent wrote" },
	{ "test_too_many_lines",
	  "Test reply\nHi",
	  "expectation depends on talon's MAX_LINES_COUNT patched to 1" },
};

static const struct disagreement *
disagreement_of(const char *fixture)
{
	for (size_t i = 0; i < sizeof(talon_disagree) / sizeof(*talon_disagree);
	     i++)
		if (strcmp(talon_disagree[i].fixture, fixture) == 0)
			return &talon_disagree[i];
	return NULL;
}

/* reply text of one talon fixture file, as anketa computes it */
static char *
talon_reply(const char *fixture)
{
	char *rel = xasprintf("talon/%s", fixture);
	size_t len;
	char *raw = slurp(rel, &len), *reply, *quoted;

	free(rel);
	if (strstr(fixture, ".html")) {
		char *text = html_to_text(raw, len);
		quote_split(text, &reply, &quoted);
		free(text);
	} else {
		struct parsed *p = NULL;
		struct err e;
		assert_int_equal(parse_message(raw, len, NULL, &p, &e), 0);
		reply = xstrdup(p->reply_text);
		quoted = NULL;
		parse_free(&p);
	}
	free(quoted);
	free(raw);
	return reply;
}

static int
talon_check(const char *fixture, const char *check, const char *want,
	    const char *reply)
{
	if (strstr(check, "does not contain"))	/* share-block .eml */
		return *reply && strstr(reply, "From") == NULL;
	if (strstr(check, "ALL whitespace"))
		return same_nows(reply, want);
	if (strstr(fixture, ".html")) {	/* expected is stripped HTML */
		char *t = html_to_text(want, strlen(want));
		int r = same_nows(reply, t);
		free(t);
		return r;
	}
	return same_text(reply, want);
}

static void
test_corpus_talon(void **state)
{
	json_t *json = load_json("talon/expected.json");
	const json_t *fixtures = json_object_get(json, "fixtures"), *f;
	const char *fixture;
	int ok = 0, total = 0, dis = 0;
	(void)state;

	assert_true(json_is_object(fixtures));
	/* each entry: "fixtures/...": { "check": ..., "expected": ... } */
	json_object_foreach((json_t *)fixtures, fixture, f) {
		const char *check = jstr(f, "check");
		const char *want = jstr(f, "expected");
		/* signature triples and classifier samples: talon's ML
		 * signature detector, which anketa does not have (it removes
		 * only marked signatures); not counted */
		if (strstr(fixture, "signature/") || check == NULL ||
		    (want == NULL && strstr(check, "does not contain") == NULL))
			continue;
		char *reply = talon_reply(fixture);
		const struct disagreement *d = disagreement_of(fixture);
		if (d) {
			printf("# talon %s: disagree: %s\n", fixture, d->why);
			assert_true(same_text(reply, d->anketa));
			dis++;
		} else {
			total++;
			if (talon_check(fixture, check, want ? want : "", reply))
				ok++;
			else
				printf("# talon %s: FAIL reply=[%s]\n", fixture, reply);
		}
		free(reply);
	}
	json_decref(json);
	report("talon", ok, total, dis);
}

static void
test_corpus_talon_inline(void **state)
{
	json_t *json = load_json("talon/inline_cases.json");
	const json_t *c;
	size_t i;
	int ok = 0, total = 0, dis = 0;
	(void)state;

	json_array_foreach(jarray(json, "quotation_cases"), i, c) {
		const char *name = jstr(c, "test"), *in = jstr(c, "input");
		const char *want = jstr(c, "expected_reply");
		char *reply, *quoted;

		assert_non_null(name);
		assert_non_null(in);
		assert_non_null(want);
		quote_split(in, &reply, &quoted);
		const struct disagreement *d = disagreement_of(name);
		if (d) {
			printf("# talon_inline %s: disagree: %s\n", name, d->why);
			assert_true(same_text(reply, d->anketa));
			dis++;
		} else {
			total++;
			if (same_text(reply, want))
				ok++;
			else
				printf("# talon_inline %s: FAIL reply=[%s]\n", name,
				       reply);
		}
		free(reply), free(quoted);
	}
	json_decref(json);
	report("talon_inline", ok, total, dis);
}

/* ---- corpora: multilingual reply parsers (willdurand, crisp, edgetier,
 * mail-parser-reply, quotequail) ---------------------------------------- */

/*
 * Each source checks its own notion (fragments, replies, cut-offs); only
 * the checks that speak about the respondent's text are turned into checks
 * of quote_split's reply text. A target is either the visible reply text
 * itself (REPLY) or the source's first fragment (FIRST), which is the
 * reply text only when the case has no REPLY check and does not say that
 * fragment is quoted, hidden or a signature. Other targets (fragment
 * counts, quoted parts, signatures) are not scored here. A case counts
 * when at least one check applies; it passes when all of them hold.
 *
 * Held out (never looked at while tuning quote.c): every case whose id in
 * the source's expected.json is a multiple of 4. The tuned part must reach
 * ML_TUNED_FLOOR, the held-out part ML_HELD_FLOOR (lower: it measures how
 * the mechanisms generalise, honestly, not a target met by tuning).
 */
#define ML_TUNED_FLOOR 0.97
#define ML_HELD_FLOOR 0.88

/* ML_START: the reply text, checked only by startswith / contains /
 * not_contains */
enum ml_kind { ML_SKIP, ML_REPLY, ML_START, ML_FIRST, ML_FIRST_HIDDEN };

/* Each corpus names its targets, in NULL-terminated lists: the reply
 * text (REPLY), the reply text checked only at its start (START), the
 * first fragment (FIRST), and the flags that say the first fragment is
 * not the respondent's (equal to true). */
struct ml_corpus {
	const char *dir;
	const char *const *reply, *const *start, *const *first, *const *flag;
};

/* Cases whose expectation anketa does not share: not scored; the reason
 * is printed, and when anketa's own result is given it is asserted. */
static const struct ml_disagreement {
	const char *dir;
	int id;
	const char *anketa;	/* what anketa's reply starts with */
	const char *why;
} ml_disagree[] = {
	{ "willdurand", 5, "Hi,\nYou can list the keys for the bucket",
	  "the source checks only the first fragment \"Hi,\"; the text typed "
	  "between the quotes is the reply too (interleaved answers)" },
	{ "crisp", 45, "Hi folks\n\nWhat is the best way",
	  "Crisp keeps \"-Abhishek Kona\" in the reply; anketa takes a "
	  "\"-Name\" line after a blank line as the signature, as "
	  "willdurand's and GitHub's tests of the same text do" },
	{ "crisp", 50, "Hi folks\n\nWhat is the best way",
	  "Crisp keeps \"-Abhishek Kona\" (see case 45)" },
	{ "crisp", 51, "Oh thanks.\n\nHaving the function would be great.",
	  "Crisp keeps \"-Abhishek Kona\" (see case 45)" },
	{ "edgetier", 25, "Boa tarde,",
	  "EdgeTier keeps \"Obrigado.\\n\\nCumprimentos\\nPedro Mota\" even "
	  "with include=False; anketa takes that closing and name as the "
	  "signature" },
	{ "mailparser_reply", 10, "Outlook with a reply",
	  "mail-parser-reply keeps the Outlook rule \"------\" above the "
	  "quoted header in the body; anketa drops it with the header" },
	{ "mailparser_reply", 22, "Outlook met een antwoord",
	  "as case 10, in Dutch" },
	{ "mailparser_reply", 23, "",
	  "the text opens with a header block (Od:/Wysłano:/Temat:): for "
	  "anketa a quoted message with no new text above it; "
	  "mail-parser-reply takes the block as the reply's own header" },
};

static const struct ml_disagreement *
ml_disagreement_of(const char *dir, int id)
{
	for (size_t i = 0; i < sizeof(ml_disagree) / sizeof(*ml_disagree); i++)
		if (ml_disagree[i].dir && strcmp(ml_disagree[i].dir, dir) == 0 &&
		    ml_disagree[i].id == id)
			return &ml_disagree[i];
	return NULL;
}

static int
is_target(const char *t, const char *const *v)
{
	for (; v && *v; v++)
		if (strcmp(t, *v) == 0)
			return 1;
	return 0;
}

static enum ml_kind
ml_kind_of(const struct ml_corpus *co, const char *t, const json_t *value)
{
	if (is_target(t, co->reply))
		return ML_REPLY;
	if (is_target(t, co->start))
		return ML_START;
	if (is_target(t, co->first))
		return ML_FIRST;
	return is_target(t, co->flag) && json_is_true(value) ? ML_FIRST_HIDDEN :
	       ML_SKIP;
}

static const char *const wd_reply[] = { "visible_text", "parse_reply", NULL };
static const char *const wd_first[] = { "fragment[0]", "trim(fragment[0])",
	NULL };
static const char *const wd_flag[] = { "fragment[0].hidden",
	"fragment[0].quoted", "fragment[0].signature", NULL };

static const char *const cr_reply[] = { "email.getVisibleText()",
	"email.getVisibleText().trim()", "parseReply(TEXT)", NULL };
static const char *const cr_first[] = { "fragments[0]",
	"fragments[0].toString()", "fragments[0].toString().trim()",
	"email.fragments[0].toString()", NULL };
static const char *const cr_flag[] = { "fragments[0].isHidden()",
	"fragments[0].isQuoted()", "fragments[0].isSignature()", NULL };

/* EdgeTier's cut_off_at_signature keeps the closing and the name below
 * it ("Kind regards,\nName") by default and with include=True; anketa
 * moves them to the signature (quote.h), as include=False does. So
 * include=False is scored with every op, the default and include=True
 * only where the end of the text does not matter (startswith, contains,
 * not_contains). A word_limit other than 100 (the default) truncates:
 * that library's feature, not scored. */
static const char *const et_reply[] = { "EmailReplyParser.parse_reply(MSG.text)",
	"EmailReplyParser.parse_reply(TEXT)", "reply", "reply.strip()",
	"EmailReplyParser.cut_off_at_signature(MSG.text, include=False, word_limit=100)",
	"EmailReplyParser.cut_off_at_signature(MSG.text, include=False, word_limit=None).strip()",
	NULL };
static const char *const et_start[] = {
	"EmailReplyParser.cut_off_at_signature(MSG.text)",
	"EmailReplyParser.cut_off_at_signature(MSG.text, include=True)",
	"EmailReplyParser.cut_off_at_signature(MSG.text, include=True, word_limit=None)",
	NULL };
static const char *const et_first[] = { "fragments[0].content", NULL };

static const char *const mp_reply[] = { "replies[0].body", NULL };

/* PHP and JavaScript regex literals "/.../flags" as a POSIX ERE; -1 when
 * POSIX cannot express it (the check is then not applied). */
static int
ml_regex(const char *lit, const char *text)
{
	const char *end = strrchr(lit, '/');
	int flags = REG_EXTENDED | REG_NEWLINE;

	if (lit[0] != '/' || end == lit)
		return -1;
	char *pat = xstrndup(lit + 1, (size_t)(end - lit - 1));
	if (strchr(end, 'i'))
		flags |= REG_ICASE;
	if (strchr(end, 's') || strchr(end, 'm') == NULL)
		flags &= ~REG_NEWLINE;
	if (strstr(pat, "\\s") || strstr(pat, "\\d") || strstr(pat, "\\w") ||
	    strstr(pat, "(?")) {
		free(pat);
		return -1;
	}
	return regex_match(pat, flags, text);
}

static int
starts_trimmed(const char *got, const char *want, int at_end)
{
	char *g = rtrim_lines(got), *w = rtrim_lines(want);
	const char *gs = g, *ws = w;
	int r;

	while (isspace((unsigned char)*gs))
		gs++;
	while (isspace((unsigned char)*ws))
		ws++;
	size_t gl = strlen(gs), wl = strlen(ws);
	r = gl >= wl && strncmp(at_end ? gs + gl - wl : gs, ws, wl) == 0;
	free(g);
	free(w);
	return r;
}

static int
contains_text(const char *got, const char *want)
{
	char *g = rtrim_lines(got), *w = rtrim_lines(want);
	int found = strstr(g, w) != NULL;

	free(g), free(w);
	return found;
}

/* One check on the reply text: 1 holds, 0 fails, -1 does not apply. */
static int
ml_check(const char *op, const json_t *value, const char *reply,
	 const char *input)
{
	const char *v = json_string_value(value);

	if (strcmp(op, "equals_input_text") == 0)
		return same_text(reply, input);
	if (v == NULL)
		return -1;
	if (strcmp(op, "equals") == 0)
		return same_text(reply, v);
	if (strcmp(op, "not_equals") == 0)
		return !same_text(reply, v);
	if (strcmp(op, "contains") == 0 || strcmp(op, "not_contains") == 0) {
		int found = contains_text(reply, v);
		return op[0] == 'c' ? found : !found;
	}
	if (strcmp(op, "startswith") == 0 || strcmp(op, "endswith") == 0)
		return starts_trimmed(reply, v, op[0] == 'e');
	if (strcmp(op, "regex") == 0 || strcmp(op, "not_regex") == 0) {
		int r = ml_regex(v, reply);
		return r < 0 ? -1 : op[0] == 'r' ? r : !r;
	}
	return -1;
}

/* A PHP str_replace(from, to, text) the willdurand tests apply first. */
static char *
str_replace_all(const char *s, const char *from, const char *to)
{
	struct buf b;
	size_t fl = strlen(from);

	buf_init(&b, 0);
	while (fl && *s) {
		const char *p = strstr(s, from);
		if (p == NULL)
			break;
		buf_add(&b, s, (size_t)(p - s));
		buf_adds(&b, to);
		s = p + fl;
	}
	buf_adds(&b, s);
	buf_cstr(&b);
	return buf_steal(&b);
}

static char *
ml_input(const char *dir, const json_t *c)
{
	const json_t *tr = json_object_get(json_object_get(c, "input_transform"),
					   "str_replace");
	const char *fixture = jstr(c, "fixture");
	char *in;

	if (fixture) {
		char *rel = xasprintf("%s/%s", dir, fixture);
		in = slurp(rel, NULL);
		free(rel);
	} else
		in = xstrdup(jstr(c, "inline_input") ? jstr(c, "inline_input") : "");
	if (json_is_array(tr)) {
		char *t = str_replace_all(in,
		    json_string_value(json_array_get(tr, 0)),
		    json_string_value(json_array_get(tr, 1)));
		free(in);
		in = t;
	}
	return in;
}

struct ml_score {
	int ok[2], total[2], dis;	/* [0] tuned, [1] held out */
};

/* 1 pass, 0 fail, -1 no check applies */
static int
ml_case(const struct ml_corpus *co, const json_t *c, const char *reply,
	const char *input)
{
	const json_t *ck;
	size_t k;
	int has_reply = 0, first_hidden = 0, applied = 0, pass = 1;

	json_array_foreach(json_object_get(c, "checks"), k, ck) {
		enum ml_kind kd = ml_kind_of(co, jstr(ck, "target"),
					     json_object_get(ck, "value"));
		has_reply |= kd == ML_REPLY;
		first_hidden |= kd == ML_FIRST_HIDDEN;
	}
	json_array_foreach(json_object_get(c, "checks"), k, ck) {
		enum ml_kind kd = ml_kind_of(co, jstr(ck, "target"),
					     json_object_get(ck, "value"));
		const char *op = jstr(ck, "op");
		if (kd == ML_START && (strcmp(op, "startswith") == 0 ||
		    strstr(op, "contains")))
			kd = ML_REPLY;
		if (kd != ML_REPLY && (kd != ML_FIRST || has_reply || first_hidden))
			continue;
		int r = ml_check(op, json_object_get(ck, "value"), reply, input);
		if (r < 0)
			continue;
		applied++;
		pass &= r;
	}
	return applied ? pass : -1;
}

static void
ml_run(const struct ml_corpus *co, struct ml_score *sc)
{
	char *rel = xasprintf("%s/expected.json", co->dir);
	json_t *json = load_json(rel);
	const json_t *c;
	size_t i;

	free(rel);
	json_array_foreach(jarray(json, "cases"), i, c) {
		int id = (int)json_integer_value(json_object_get(c, "id"));
		int held = id % 4 == 0;
		const struct ml_disagreement *d = ml_disagreement_of(co->dir, id);
		char *in, *reply, *quoted;

		if (json_object_get(c, "parser_config") || json_object_get(c, "options"))
			continue;	/* needs a non-default parser */
		in = ml_input(co->dir, c);
		quote_split(in, &reply, &quoted);
		if (d) {
			printf("# %s %d: disagree: %s\n", co->dir, id, d->why);
			if (!starts_trimmed(reply, d->anketa, 0) ||
			    (!*d->anketa && *reply))
				fail_msg("%s %d: reply [%s]", co->dir, id, reply);
			sc->dis++;
		} else {
			int r = ml_case(co, c, reply, in);
			if (r >= 0) {
				sc->total[held]++;
				sc->ok[held] += r;
				if (!r && !held)
					printf("# %s %d %s: FAIL reply=[%s]\n", co->dir, id,
					       jstr(c, "fixture") ? jstr(c, "fixture") : "-",
					       reply);
			}
		}
		free(in), free(reply), free(quoted);
	}
	json_decref(json);
}

/* quotequail: quote(text, quote_intro_line=True) shows the pieces marked
 * true (the intro line goes with the hidden part, as in anketa); the
 * default quote(text) keeps "On ... wrote:" in the shown part, which anketa
 * drops, so only the quote_intro_line=True twin of each input is scored.
 * unwrap(text): the text above the quoted or forwarded message (text_top)
 * is the reply; below it (text_bottom) only a signature occurs, which
 * quotequail keeps and anketa drops, so then the reply must start with
 * text_top; the inner message (text) must be in the quoted part. HTML
 * cases belong to html.c's tests (quotequail's HTML files are not copied). */
static int
quotequail_case(const json_t *c, const char *in, const char *reply,
		const char *quoted)
{
	const char *fn = jstr(c, "function");
	const json_t *exp = json_object_get(c, "expected");

	if (strcmp(fn, "quote(text, quote_intro_line=True)") == 0 &&
	    json_is_array(exp)) {
		struct buf b;
		const json_t *piece;
		size_t k;
		int r;
		buf_init(&b, 0);
		json_array_foreach(exp, k, piece)
			if (json_is_true(json_array_get(piece, 0)))
				buf_adds(&b, json_string_value(json_array_get(piece, 1)));
		r = same_text(reply, buf_cstr(&b));
		buf_free(&b);
		return r;
	}
	if (strcmp(fn, "unwrap(text)") != 0 || !json_object_get(c, "expected"))
		return -1;
	if (json_is_null(exp))
		return same_text(reply, in);
	const char *top = jstr(exp, "text_top") ? jstr(exp, "text_top") : "";
	/* the inner message is what quote_split calls quoted */
	if (jstr(exp, "text") && !contains_text(quoted, jstr(exp, "text")))
		return 0;
	if (jstr(exp, "text_bottom"))
		return starts_trimmed(reply, top, 0);
	return same_text(reply, top);
}

static void
quotequail_run(struct ml_score *sc)
{
	json_t *json = load_json("quotequail/expected.json");
	const json_t *c;
	size_t i;

	json_array_foreach(jarray(json, "cases"), i, c) {
		int id = (int)json_integer_value(json_object_get(c, "id"));
		int held = id % 4 == 0;
		const char *in = jstr(c, "input");
		char *reply, *quoted;

		if (in == NULL)
			continue;
		quote_split(in, &reply, &quoted);
		int r = quotequail_case(c, in, reply, quoted);
		if (r >= 0) {
			sc->total[held]++;
			sc->ok[held] += r;
			if (!r && !held)
				printf("# quotequail %d: FAIL reply=[%s]\n", id, reply);
		}
		free(reply), free(quoted);
	}
	json_decref(json);
}

static void
test_corpus_multilingual(void **state)
{
	static const struct ml_corpus corpora[] = {
		{ "willdurand", wd_reply, NULL, wd_first, wd_flag },
		{ "crisp", cr_reply, NULL, cr_first, cr_flag },
		{ "edgetier", et_reply, et_start, et_first, NULL },
		{ "mailparser_reply", mp_reply, NULL, NULL, NULL },
	};
	struct ml_score all = { { 0, 0 }, { 0, 0 }, 0 };
	(void)state;

	for (size_t i = 0; i < sizeof(corpora) / sizeof(*corpora); i++) {
		struct ml_score sc = { { 0, 0 }, { 0, 0 }, 0 };
		ml_run(&corpora[i], &sc);
		printf("# corpus %s: tuned %d/%d, held out %d/%d, %d disagreements\n",
		       corpora[i].dir, sc.ok[0], sc.total[0], sc.ok[1], sc.total[1],
		       sc.dis);
		for (int h = 0; h < 2; h++)
			all.ok[h] += sc.ok[h], all.total[h] += sc.total[h];
		all.dis += sc.dis;
	}
	struct ml_score qq = { { 0, 0 }, { 0, 0 }, 0 };
	quotequail_run(&qq);
	printf("# corpus quotequail: tuned %d/%d, held out %d/%d\n", qq.ok[0],
	       qq.total[0], qq.ok[1], qq.total[1]);
	for (int h = 0; h < 2; h++)
		all.ok[h] += qq.ok[h], all.total[h] += qq.total[h];
	double tuned = (double)all.ok[0] / all.total[0];
	double held = (double)all.ok[1] / all.total[1];
	printf("# multilingual reply text: tuned %d/%d (%.1f%%), held out %d/%d "
	       "(%.1f%%)\n", all.ok[0], all.total[0], 100 * tuned, all.ok[1],
	       all.total[1], 100 * held);
	assert_true(all.total[0] >= 140 && all.total[1] >= 45);
	assert_true(tuned >= ML_TUNED_FLOOR);
	assert_true(held >= ML_HELD_FLOOR);
}

/* ---- charset ---------------------------------------------------------- */

#define BG_CP1251 "\xc7\xe4\xf0\xe0\xe2\xe5\xe9\xf2\xe5, \xe4\xe0, \xf9\xe5 \xe4\xee\xe9\xe4\xe0 \xed\xe0 \xf1\xf0\xe5\xf9\xe0\xf2\xe0 \xe2 \xef\xe5\xf2\xfa\xea."
#define RU_KOI8 "\xf3\xd0\xc1\xd3\xc9\xc2\xcf, \xd1 \xd0\xd2\xc9\xc4\xd5 \xce\xc1 \xd7\xd3\xd4\xd2\xc5\xde\xd5 \xd7 \xd0\xd1\xd4\xce\xc9\xc3\xd5."
#define CZ_L2 "Dobr\xfd den, p\xf8\xedli\xb9 \xbelu\xbbou\xe8k\xfd k\xf9\xf2 \xfap\xecl \xef\xe1" "belsk\xe9 \xf3" "dy."
#define CZ_1250 "Dobr\xfd den, p\xf8\xedli\x9a \x9elu\x9dou\xe8k\xfd k\xf9\xf2 \xfap\xecl \xef\xe1" "belsk\xe9 \xf3" "dy."
#define DE_1252 "Gr\xfc\xdf" "e aus M\xfcnchen, ich komme gerne. Sch\xf6ne Woche!"
#define BG "Здравейте, да, ще дойда на срещата в петък."
#define RU "Спасибо, я приду на встречу в пятницу."
#define CZ "Dobrý den, příliš žluťoučký kůň úpěl ďábelské ódy."
#define DE "Grüße aus München, ich komme gerne. Schöne Woche!"

static const struct charset_case {
	const char *label, *in, *want, *used;
	int guessed;
} charset_cases[] = {
	/* labelled correctly */
	{ "windows-1251", BG_CP1251, BG, "WINDOWS-1251", 0 },
	{ "cp1251", BG_CP1251, BG, "WINDOWS-1251", 0 },
	{ "KOI8-R", RU_KOI8, RU, "KOI8-R", 0 },
	{ "iso-8859-2", CZ_L2, CZ, "ISO-8859-2", 0 },
	{ "Windows-1250", CZ_1250, CZ, "WINDOWS-1250", 0 },
	{ "windows-1252", DE_1252, DE, "WINDOWS-1252", 0 },
	{ "latin1", DE_1252, DE, "ISO-8859-1", 0 },
	{ "\"utf-8\"", BG, BG, "UTF-8", 0 },
	{ "us-ascii", "plain text", "plain text", "US-ASCII", 0 },
	/* missing label: detected */
	{ NULL, BG_CP1251, BG, "WINDOWS-1251", 1 },
	{ NULL, RU_KOI8, RU, "KOI8-R", 1 },
	{ NULL, CZ_1250, CZ, "WINDOWS-1250", 1 },
	{ NULL, DE_1252, DE, "WINDOWS-1252", 1 },
	{ NULL, BG, BG, "UTF-8", 1 },
	{ "x-unknown-charset", BG_CP1251, BG, "WINDOWS-1251", 1 },
	/* wrong label: the bytes are not valid (or not plausible) in it */
	{ "utf-8", BG_CP1251, BG, "WINDOWS-1251", 1 },
	{ "iso-8859-1", BG, BG, "UTF-8", 1 },
	{ "iso-8859-1", BG_CP1251, BG, "WINDOWS-1251", 1 },
	{ "us-ascii", CZ_1250, CZ, "WINDOWS-1250", 1 },
	{ "utf-8", DE_1252, DE, "WINDOWS-1252", 1 },
};

static void
test_charset_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(charset_cases) / sizeof(*charset_cases);
	     i++) {
		const struct charset_case *c = &charset_cases[i];
		const char *used = NULL;
		int guessed = -1;
		char *out = charset_to_utf8(c->label, c->in, strlen(c->in), &used,
					    &guessed);
		if (strcmp(out, c->want) || strcmp(used, c->used) ||
		    guessed != c->guessed)
			fail_msg("case %zu (%s): got [%s] as %s guessed=%d", i,
				 c->label ? c->label : "none", out, used, guessed);
		assert_true(charset_is_utf8(out, strlen(out)));
		free(out);
	}
	/* NUL bytes never reach the text */
	const char *used;
	int g;
	char *out = charset_to_utf8("utf-8", "a\0b", 3, &used, &g);
	assert_string_equal(out, "ab");
	free(out);
	assert_string_equal(charset_canonical("CP1251"), "WINDOWS-1251");
	assert_null(charset_canonical("no-such"));
}

/* The fast path (text already UTF-8 or ASCII is copied, not converted)
 * and the descriptors a cache keeps must give what a fresh conversion
 * gives: every case of the table through one cache, twice, in an order
 * that switches charsets (and UTF-16, which has a byte-order state). */
static void
test_charset_cache(void **state)
{
	(void)state;
	struct charset_cache *cc = charset_cache_new();
	static const char u16[] = "\xff\xfeH\0i\0";	/* LE BOM, "Hi" */

	for (int round = 0; round < 2; round++) {
		for (size_t i = 0;
		     i < sizeof(charset_cases) / sizeof(*charset_cases); i++) {
			const struct charset_case *c = &charset_cases[i];
			const char *used = NULL;
			int guessed = -1;
			char *out = charset_convert(cc, c->label, c->in,
						    strlen(c->in), &used, &guessed);
			if (strcmp(out, c->want) || strcmp(used, c->used) ||
			    guessed != c->guessed)
				fail_msg("round %d case %zu: got [%s] as %s", round,
					 i, out, used);
			free(out);
		}
		const char *used;
		int g;
		char *out = charset_convert(cc, "utf-16", u16, sizeof(u16) - 1,
					    &used, &g);
		assert_string_equal(out, "Hi");
		free(out);
	}
	charset_cache_free(&cc);
	assert_null(cc);
	charset_cache_free(&cc);	/* a second free does nothing */
}

/* Damaged UTF-8 is still read as before the fast path: a stray byte
 * becomes U+FFFD, a sequence cut off at the end is dropped, NULs go,
 * and mostly-invalid bytes under a UTF-8 label are detected. */
#define DA5 "\xd0\x94\xd0\xb0 \xd0\xb4\xd0\xb0 \xd0\xb4\xd0\xb0 \xd0\xb4\xd0\xb0 " \
	"\xd0\xb4\xd0\xb0"	/* "Да да да да да" */

static void
test_charset_invalid_utf8(void **state)
{
	(void)state;
	static const struct {
		const char *label, *in;
		size_t len;
		const char *want, *used;
		int guessed;
	} cases[] = {
#define C(label, in, want, used, g) { label, in, sizeof(in) - 1, want, used, g }
		C("utf-8", DA5 " \xff " DA5, DA5 " \xef\xbf\xbd " DA5, "UTF-8", 0),
		C("utf-8", DA5 " \xd0", DA5 " ", "UTF-8", 0),
		C(NULL, DA5 " \xd0", DA5 " ", "UTF-8", 1),
		C("utf-8", "a\0\xd0\x94\0b", "aДb", "UTF-8", 0),
		C(NULL, "ascii\0only", "asciionly", "US-ASCII", 0),
		/* an overlong "/" and a surrogate are not UTF-8 */
		C("utf-8", "\xc0\xaf", NULL, NULL, 1),
		C("utf-8", "\xed\xa0\x80", NULL, NULL, 1),
#undef C
	};
	struct charset_cache *cc = charset_cache_new();

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		for (int cached = 0; cached < 2; cached++) {
			const char *used = NULL;
			int g = -1;
			char *out = cached ?
			    charset_convert(cc, cases[i].label, cases[i].in,
					    cases[i].len, &used, &g) :
			    charset_to_utf8(cases[i].label, cases[i].in,
					    cases[i].len, &used, &g);
			if ((cases[i].want && strcmp(out, cases[i].want)) ||
			    (cases[i].used && strcmp(used, cases[i].used)) ||
			    g != cases[i].guessed)
				fail_msg("case %zu cached=%d: got [%s] as %s "
					 "guessed=%d", i, cached, out, used, g);
			assert_true(charset_is_utf8(out, strlen(out)));
			assert_null(memchr(out, '\xed', strlen(out)));
			free(out);
		}
	}
	charset_cache_free(&cc);
}

/* A Cc of 300,000 addresses: each kept once, at most 1000, with a note.
 * The old duplicate check searched the whole list for every address
 * (21.7 s for 200,000); this size would take minutes if the work per
 * address grew with the list again. */
static void
test_big_cc(void **state)
{
	(void)state;
	enum { N = 300000 };
	struct buf m;
	struct parsed *p = NULL;
	struct err e = { "" };

	buf_init(&m, 0);
	buf_adds(&m, "From: a@example.net\r\n"
		 "To: survey+tok9@example.org, P0@Example.NET\r\nCc: ");
	for (int i = 0; i < N; i++)
		buf_printf(&m, "%sPerson %d <p%d@example.net>", i ? ", " : "",
			   i, i % (N / 2));	/* each address twice */
	buf_adds(&m, "\r\nSubject: Re: x\r\n\r\nyes\r\n");
	assert_int_equal(parse_message(m.data, m.len, NULL, &p, &e), 0);
	size_t words = 1;
	for (const char *s = p->to; *s; s++)
		words += *s == ' ';
	assert_int_equal(words, 1000);
	const char *head = "survey+tok9@example.org p0@example.net "
			   "p1@example.net p2@example.net ";
	assert_true(strncmp(p->to, head, strlen(head)) == 0);
	assert_non_null(strstr(p->to, " p997@example.net p998@example.net"));
	assert_null(strstr(p->to, "p999@"));
	assert_non_null(strstr(p->notes, "more than 1000 addresses"));
	parse_free(&p);

	/* one address repeated: kept once, nothing dropped */
	buf_reset(&m);
	buf_adds(&m, "From: a@example.net\r\nCc: ");
	for (int i = 0; i < N; i++)
		buf_adds(&m, i ? ", x@example.net" : "X@example.net");
	buf_adds(&m, "\r\n\r\nyes\r\n");
	assert_int_equal(parse_message(m.data, m.len, NULL, &p, &e), 0);
	assert_string_equal(p->to, "x@example.net");
	assert_null(strstr(p->notes, "addresses"));
	parse_free(&p);
	buf_free(&m);
}

/* ---- quote headers and signatures (written from the clients' formats;
 * no public corpus covers bg/cs/nl/de) ------------------------------------ */

static const struct quote_case {
	const char *name, *in, *reply, *quoted;
} quote_cases[] = {
	{ "gmail bg",
	  "Да, ще дойда.\n\nНа пт, 3.01.2025 г. в 10:00 Иван Петров <ivan@example.bg> написа:\n> Ще дойдете ли?\n",
	  "Да, ще дойда.", "Ще дойдете ли?" },
	{ "thunderbird cs",
	  "Ano, přijdu.\n\nDne 3. 1. 2025 v 10:00 Jan Novák napsal(a):\n> Přijdete?\n",
	  "Ano, přijdu.", "Přijdete?" },
	{ "gmail nl wrapped",
	  "Ja.\n\nOp vr 3 jan. 2025 om 10:00 schreef Jan de Vries <\njan@example.nl>:\n\n> Kom je?\n",
	  "Ja.", "Kom je?" },
	{ "gmail de",
	  "Ja, gerne.\n\nAm Fr., 3. Jan. 2025 um 10:00 Uhr schrieb Max Muster <max@example.de>:\n> Kommen Sie?\n",
	  "Ja, gerne.", "Kommen Sie?" },
	{ "french",
	  "Oui.\n\nLe ven. 3 janv. 2025 à 10:00, Jean <jean@example.fr> a écrit :\n> Venez-vous ?\n",
	  "Oui.", "Venez-vous ?" },
	{ "outlook bg",
	  "Потвърждавам.\n\nОт: Иван Петров <ivan@example.bg>\nИзпратено: петък, 3 януари 2025 г. 10:00\nДо: Мария\nОтносно: Среща\n\nЩе дойдете ли?\n",
	  "Потвърждавам.", NULL },
	{ "outlook cs",
	  "Souhlasím.\n\nOd: Jan Novák <jan@example.cz>\nOdesláno: pátek 3. ledna 2025 10:00\nKomu: Eva\nPředmět: Schůzka\n\nPřijdete?\n",
	  "Souhlasím.", NULL },
	{ "outlook nl",
	  "Akkoord.\n________________________________\nVan: Jan <jan@example.nl>\nVerzonden: vrijdag 3 januari 2025 10:00\nAan: Eva\nOnderwerp: Afspraak\n\nKom je?\n",
	  "Akkoord.", NULL },
	{ "outlook de bold",
	  "Einverstanden.\n\n*Von:* Max <max@example.de>\n*Gesendet:* Freitag, 3. Januar 2025 10:00\n*An:* Eva\n*Betreff:* Termin\n",
	  "Einverstanden.", NULL },
	{ "original message",
	  "Yes.\n\n-----Original Message-----\nFrom: a@example.com\n\nQuestion?\n",
	  "Yes.", NULL },
	{ "sig bg", "Ще дойда.\n\nИзпратено от моя iPhone\n", "Ще дойда.", "" },
	{ "sig cs", "Přijdu.\n\nOdesláno z iPhonu\n", "Přijdu.", "" },
	{ "sig nl", "Ik kom.\n\nVerzonden vanaf mijn iPhone\n", "Ik kom.", "" },
	{ "sig de", "Ich komme.\n\nVon meinem iPhone gesendet\n", "Ich komme.", "" },
	{ "sig dashes", "Yes.\n-- \nJohn Smith\nACME\n", "Yes.", "" },
	{ "interleaved",
	  "On Fri, Jan 3, 2025 at 10:00 AM Ann <ann@example.com> wrote:\n> Q1: will you come?\n\nYes.\n\n> Q2: how many guests?\n\nTwo.\n",
	  "Yes.\n\nTwo.", "Q1: will you come?\nQ2: how many guests?" },
	{ "nested quote one level removed",
	  "Fine.\n\n> > deep\n> shallow\n", "Fine.", "> deep\nshallow" },
	/* a forwarded message is not the respondent's text: quote_split
	 * returns it with the quoted part, quote_parts_split apart */
	{ "forward apart",
	  "FYI\n\n---------- Forwarded message ---------\nFrom: a@example.com\nDate: Fri, 3 Jan 2025\nSubject: x\nTo: b@example.com\n\nText\n",
	  "FYI", "---------- Forwarded message ---------\nFrom: a@example.com\nDate: Fri, 3 Jan 2025\nSubject: x\nTo: b@example.com\n\nText" },
	/* written from the clients' documented formats (no corpus has them
	 * in these languages); the shapes they test are language-free */
	{ "outlook it",
	  "Va bene.\n\nDa: Mario Rossi <mario@example.it>\nInviato: venerdì 3 gennaio 2025 10:00\nA: Eva\nOggetto: Riunione\n\nViene?\n",
	  "Va bene.", NULL },
	{ "header block by shape (lt)",
	  "Taip.\n\nNuo: Jonas <jonas@example.lt>\nIšsiųsta: 2025 m. sausio 3 d. 10:00\nKam: Eva\nTema: Susitikimas\n\nAr ateisite?\n",
	  "Taip.", NULL },
	{ "outlook sl, sender without address, under a rule",
	  "Pridem.\n________________________________\nOd: Janez Novak\nPoslano: petek, 3. januar 2025 10:00\nZa: Eva\nZadeva: Sestanek\n\nPridete?\n",
	  "Pridem.", NULL },
	{ "contact answers are not a header block",
	  "Jméno: Jan Novák\nE-mail: jan@novak.cz\nDatum: 12. 3. 2025\n\nA1: ano\n",
	  "Jméno: Jan Novák\nE-mail: jan@novak.cz\nDatum: 12. 3. 2025\n\nA1: ano", NULL },
	{ "an event's details are not a header block",
	  "Datum: 12. 3. 2025 10:00\nMísto: Ostrava\nPočet osob: 5\n\nTěšíme se.\n",
	  "Datum: 12. 3. 2025 10:00\nMísto: Ostrava\nPočet osob: 5\n\nTěšíme se.", NULL },
	{ "answers with dates and addresses stay",
	  "A1: Ano\nA2: 12.3.2025 10:00\nA3: jan@novak.cz\n",
	  "A1: Ano\nA2: 12.3.2025 10:00\nA3: jan@novak.cz", NULL },
	{ "gmail old date form",
	  "Yes.\n\n2013/7/20 Ann Smith <ann@example.com>\n\n> Will you come?\n",
	  "Yes.", "Will you come?" },
	{ "attribution by shape, unquoted original (ro)",
	  "Da.\n\nvin., 3 ian. 2025, 10:00 Ion Popescu <ion@example.ro> a scris:\n\nVeniți?\n",
	  "Da.", "Veniți?" },
	{ "attribution wrapped over three lines (cs)",
	  "Ano.\n\nDne 3. 1. 2025 v 10:00\nJan Novák <jan@example.cz>\nnapsal(a):\n> Přijdete?\n",
	  "Ano.", "Přijdete?" },
	{ "name wrote above a quote",
	  "Ok.\n\nJohn Smith wrote:\n> Will you come?\n", "Ok.", "Will you come?" },
	{ "thunderbird ru",
	  "Да.\n\n03.01.2025 10:00, Иван пишет:\n> Придёте?\n", "Да.", "Придёте?" },
	{ "pipe quote",
	  "Ano.\n\n| Přijdete?\n| Jan\n", "Ano.", "Přijdete?\nJan" },
	{ "markdown table is text",
	  "| a | b |\n|---|---|\n| 1 | 2 |\n", "| a | b |\n|---|---|\n| 1 | 2 |", "" },
	{ "original message cs",
	  "Souhlasím.\n\n-------- Původní zpráva --------\nOd: Jan <jan@example.cz>\nDatum: 3. 1. 2025\nKomu: Eva\nPředmět: Schůzka\n\nPřijdete?\n",
	  "Souhlasím.", NULL },
	{ "original message bg",
	  "Да.\n\n-------- Оригинално писмо --------\nОт: Иван <ivan@example.bg>\nДата: 3.01.2025\nОтносно: Среща\n\nЩе дойдете ли?\n",
	  "Да.", NULL },
	{ "titled rule naming the sender and date (mail.bg)",
	  "Да.\n\n----- Цитат от Иван Петров (ivan@example.bg), на 03.01.2025 в 10:00 -----\n\nЩе дойдете ли?\n",
	  "Да.", NULL },
	{ "seznam.cz",
	  "Ano.\n\n---------- Původní e-mail ----------\nOd: Jan Novák <jan@example.cz>\nKomu: eva@example.cz\nDatum: 3. 1. 2025 10:00:00\nPředmět: Schůzka\n\nPřijdete?\n",
	  "Ano.", NULL },
	{ "gmx de",
	  "Ja.\n\nGesendet: Freitag, 03. Januar 2025 um 10:00 Uhr\nVon: \"Max\" <max@example.de>\nAn: eva@example.de\nBetreff: Termin\n\nKommen Sie?\n",
	  "Ja.", NULL },
	{ "titled rule above a header, any title",
	  "Sí.\n\n------ Mensaje de origen ------\nDe: Ana <ana@example.es>\n\n¿Viene?\n",
	  "Sí.", NULL },
	{ "forward bg",
	  "Виж долу.\n\n---------- Препратено писмо ---------\nОт: Иван <ivan@example.bg>\nДата: 3.01.2025\n\nТекст\n",
	  "Виж долу.", NULL },
	{ "sent from cs", "Přijdu.\n\nOdesláno z mého Samsung Galaxy\n", "Přijdu.", "" },
	{ "get outlook nl", "Ja.\n\nOutlook voor iOS downloaden\n", "Ja.", "" },
	{ "sent from above the text",
	  "Sent from my iPhone\n\nYes, I will come.\n", "Yes, I will come.", "" },
	{ "footer rule", "Yes.\n\n___\nlist mailing list\nlist@example.org\n", "Yes.", "" },
	{ "closing and name are the signature (nl)",
	  "Ik kom.\n\nMet vriendelijke groet,\nJan de Vries\nACME B.V.\n", "Ik kom.", "" },
	{ "closing bg", "Ще дойда.\n\nПоздрави,\nИван\n", "Ще дойда.", "" },
	{ "a P.S. after the signature is text again",
	  "Ano.\n\nS pozdravem\nJan\n\nP.S. A3: 5\n", "Ano.\n\nP.S. A3: 5", "" },
	{ "closing followed by more writing stays",
	  "Ano.\n\nDěkuji\nA ještě jedna věc: na schůzku přijdu až po obědě, protože dopoledne mám jinou schůzku v centru.\n",
	  "Ano.\n\nDěkuji\nA ještě jedna věc: na schůzku přijdu až po obědě, protože dopoledne mám jinou schůzku v centru.", "" },
	{ "answers after a closing stay",
	  "Posílám odpovědi.\nDíky\n\nA1: ano\nA2: 3\n",
	  "Posílám odpovědi.\nDíky\n\nA1: ano\nA2: 3", "" },
	{ "a rule between answers is no footer",
	  "A1: ano\n***\nA2: ne\nA3: 5\n", "A1: ano\n***\nA2: ne\nA3: 5", "" },
	{ "a rule above more writing is no footer",
	  "Yes.\n***\nThe venue is fine too.\n", "Yes.\n***\nThe venue is fine too.", "" },
	{ "a closing alone is the reply", "Thanks!\n", "Thanks!", "" },
	{ "only a quote", "> Přijdete?\n> Jan\n", "", "Přijdete?\nJan" },
	{ "external banner", "CAUTION: This email originated from outside of the organization. Do not click links.\n\nYes.\n", "Yes.", "" },
	{ "empty", "", "", "" },
	{ "crlf", "Yes\r\n\r\nOn Fri, Jan 3, 2025, Ann wrote:\r\n> q\r\n", "Yes", "q" },
};

static void
test_quote_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(quote_cases) / sizeof(*quote_cases); i++) {
		const struct quote_case *c = &quote_cases[i];
		char *reply, *quoted;
		parse_split_reply(c->in, &reply, &quoted);
		if (strcmp(reply, c->reply))
			fail_msg("%s: reply [%s]", c->name, reply);
		if (c->quoted && strcmp(quoted, c->quoted))
			fail_msg("%s: quoted [%s]", c->name, quoted);
		free(reply);
		free(quoted);
	}
}

/* quote_parts_split keeps what quote_split leaves out, each apart */
static void
test_quote_parts(void **state)
{
	struct quote_parts p;
	(void)state;

	quote_parts_split("Ano.\n\nS pozdravem\nJan Novák\n\n"
	    "---------- Forwarded message ---------\nFrom: a@example.com\n"
	    "Date: Fri, 3 Jan 2025\n\nText\n", &p);
	assert_string_equal(p.reply, "Ano.");
	assert_string_equal(p.signature, "S pozdravem\nJan Novák");
	assert_string_equal(p.forward, "---------- Forwarded message ---------\n"
	    "From: a@example.com\nDate: Fri, 3 Jan 2025\n\nText");
	assert_string_equal(p.quoted, "");
	quote_parts_free(&p);
	assert_null(p.reply);
	quote_parts_split("Yes\n-- \nJohn\n\nOn Fri, Jan 3, 2025, Ann wrote:\n"
	    "> q\n", &p);
	assert_string_equal(p.reply, "Yes");
	assert_string_equal(p.signature, "-- \nJohn");
	assert_string_equal(p.quoted, "q");
	assert_string_equal(p.forward, "");
	quote_parts_free(&p);
}

/* ---- whole messages ---------------------------------------------------- */

static struct parsed *
parse_ok(const char *raw)
{
	struct parsed *p = NULL;
	struct err e = { "" };

	if (parse_message(raw, strlen(raw), NULL, &p, &e) != 0)
		fail_msg("parse failed: %s", e.msg);
	assert_non_null(p);
	return p;
}

#define HDRS "From: =?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <Ivan.Petrov@Example.BG>\r\n" \
	"To: survey+tok123@example.org, \"Maria\" <maria@example.org>\r\n" \
	"Cc: Group: a@example.org, b@example.org;\r\n" \
	"Subject: =?UTF-8?B?0KLQtdC80LA6INCw0L3QutC10YLQsCDQt9CwINC+0LHQvNC10L3QsA==?=\r\n" \
	"Message-ID: <abc.123@mail.example.bg>\r\n" \
	"In-Reply-To: <orig.1@anketa.example.org>\r\n" \
	"References: <root@x.org>\r\n <orig.1@anketa.example.org>\r\n" \
	"Delivered-To: survey+tok123@example.org\r\n" \
	"X-Original-To: Survey+Tok123@example.org\r\n" \
	"Return-Path: <Bounce@Example.BG>\r\n" \
	"Date: Fri, 3 Jan 2025 10:00:00 +0200\r\n" \
	"Auto-Submitted: no\r\n" \
	"MIME-Version: 1.0\r\n"

static void
test_headers(void **state)
{
	(void)state;
	struct parsed *p = parse_ok(HDRS "Content-Type: text/plain; charset=utf-8\r\n\r\nYes\r\n");

	assert_string_equal(p->from_addr, "ivan.petrov@example.bg");
	assert_string_equal(p->from_name, "Иван Петров");
	assert_string_equal(p->subject, "Тема: анкета за обмена");
	assert_string_equal(p->message_id, "abc.123@mail.example.bg");
	assert_string_equal(p->in_reply_to, "orig.1@anketa.example.org");
	assert_string_equal(p->references, "root@x.org orig.1@anketa.example.org");
	assert_string_equal(p->to, "survey+tok123@example.org maria@example.org a@example.org b@example.org");
	assert_string_equal(p->delivered_to, "survey+tok123@example.org");
	assert_string_equal(p->return_path, "bounce@example.bg");
	assert_string_equal(p->date, "Fri, 3 Jan 2025 10:00:00 +0200");
	assert_string_equal(p->content_type, "text/plain");
	assert_string_equal(parse_header(p, "auto-submitted"), "no");
	assert_string_equal(parse_header(p, "X-Absent"), "");
	assert_string_equal(p->reply_text, "Yes");
	assert_string_equal(p->calendar, "");
	parse_free(&p);
	assert_null(p);
	parse_free(&p);	/* NULL accepted */
}

struct msg_case {
	const char *name, *raw;
	const char *text;	/* expected reply_text */
	const char *charset;
	int guessed, html_only, forwarded;
	const char *note;	/* substring of notes, or NULL */
};

static const struct msg_case msg_cases[] = {
	{ "cp1251 labelled",
	  "Content-Type: text/plain; charset=windows-1251\n"
	  "Content-Transfer-Encoding: 8bit\n\n" BG_CP1251 "\n",
	  BG, "WINDOWS-1251", 0, 0, 0, NULL },
	{ "cp1251 unlabelled",
	  "Content-Type: text/plain\n\n" BG_CP1251 "\n",
	  BG, "WINDOWS-1251", 1, 0, 0, "charset: labelled (none), decoded as WINDOWS-1251" },
	{ "cp1251 labelled utf-8",
	  "Content-Type: text/plain; charset=\"utf-8\"\n\n" BG_CP1251 "\n",
	  BG, "WINDOWS-1251", 1, 0, 0, "charset: labelled utf-8, decoded as WINDOWS-1251" },
	{ "koi8-r quoted-printable",
	  "Content-Type: text/plain; charset=koi8-r\n"
	  "Content-Transfer-Encoding: quoted-printable\n\n"
	  "=F3=D0=C1=D3=C9=C2=CF, =D1 =D0=D2=C9=C4=D5 =CE=C1 =D7=D3=D4=D2=C5=DE=D5 =\n"
	  "=D7 =D0=D1=D4=CE=C9=C3=D5.\n",
	  RU, "KOI8-R", 0, 0, 0, NULL },
	{ "iso-8859-2 czech",
	  "Content-Type: text/plain; charset=ISO-8859-2\n\n" CZ_L2 "\n",
	  CZ, "ISO-8859-2", 0, 0, 0, NULL },
	{ "utf-8 labelled latin1",
	  "Content-Type: text/plain; charset=iso-8859-1\n\n" CZ "\n",
	  CZ, "UTF-8", 1, 0, 0, "labelled iso-8859-1, decoded as UTF-8" },
	{ "quoted-printable soft breaks",
	  "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: quoted-printable\n\n"
	  "Gr=C3=BC=C3=9Fe, this line is soft=\n"
	  "ly broken and   =\r\n"
	  "joined; a=3Db; bad =ZZ kept.\n",
	  "Grüße, this line is softly broken and   joined; a=b; bad =ZZ kept.",
	  "UTF-8", 0, 0, 0, NULL },
	{ "base64",
	  "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: base64\n\n"
	  "0KnQtSDQtNC+0LnQtNCwLgrQn9C+0LfQtNGA0LDQstC4\nLArQmNCy0LDQvQo=\n",
	  /* the closing and the name are the signature (quote.h) */
	  "Ще дойда.", "UTF-8", 0, 0, 0, NULL },
	{ "truncated base64",
	  "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: base64\n\n"
	  "0KnQtSDQtNC+0LnQtNCwLgrQn9C+0LfQtNGA0LDQstC4LArQmNCy0LDQ0",
	  "Ще дойда.", "UTF-8", 0, 0, 0, "base64: damaged" },
	{ "format=flowed delsp",
	  "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\n"
	  "This is one long para \ngraph that was wrap \nped.\n"
	  " From the stuffed line.\n\n> quoted  \n> text\n",
	  "This is one long paragraph that was wrapped.\nFrom the stuffed line.",
	  "UTF-8", 0, 0, 0, NULL },
	{ "format=flowed",
	  "Content-Type: text/plain; charset=utf-8; format=flowed\n\n"
	  "Yes, I will \ncome to the \nmeeting.\n-- \nIvan\n",
	  "Yes, I will come to the meeting.", "UTF-8", 0, 0, 0, NULL },
	{ "html only with gmail_quote",
	  "Content-Type: text/html; charset=utf-8\n\n"
	  "<div dir=\"ltr\">Yes,&nbsp;I <b>will</b> come.<br><br>Ivan</div>"
	  "<div class=\"gmail_quote\"><div class=\"gmail_attr\">On Fri, Jan 3, 2025 at 10:00 AM Ann &lt;"
	  "<a href=\"mailto:ann@example.com\">ann@example.com</a>&gt; wrote:<br></div>"
	  "<blockquote class=\"gmail_quote\">Will you come?</blockquote></div>",
	  "Yes, I will come.\n\nIvan", "UTF-8", 0, 1, 0, NULL },
	{ "html outlook divider",
	  "Content-Type: text/html; charset=utf-8\n\n"
	  "<html><head><style>p{}</style></head><body><p>Agreed.</p>"
	  "<div id=\"divRplyFwdMsg\"><b>From:</b> Ann<br><b>Sent:</b> Friday<br>"
	  "<b>To:</b> Ivan<br><b>Subject:</b> Meeting</div>"
	  "<div>Will you come?</div><script>x()</script></body></html>",
	  "Agreed.", "UTF-8", 0, 1, 0, NULL },
	{ "html table and list",
	  "Content-Type: text/html\n\n"
	  "<table><tr><td>Q1</td><td>yes</td></tr><tr><td>Q2</td><td>no</td></tr></table>"
	  "<ul><li>one</li><li>two &amp; three</li></ul>",
	  "Q1\tyes\nQ2\tno\n- one\n- two & three", "US-ASCII", 0, 1, 0, NULL },
	{ "nested multipart with attachment",
	  "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
	  "--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n\n"
	  "--inner\nContent-Type: text/html; charset=utf-8\n\n<p>HTML version</p>\n"
	  "--inner\nContent-Type: text/plain; charset=utf-8\n\nPlain version\n"
	  "--inner--\n"
	  "--outer\nContent-Type: text/plain; name=\"notes.txt\"\n"
	  "Content-Disposition: attachment;\n"
	  " filename*0*=UTF-8''%D0%BE%D1%82%D1%87%D0%B5%D1%82;\n"
	  " filename*1*=%20%D0%B7%D0%B0%202025.txt\n\nattached text\n"
	  "--outer\nContent-Type: application/pdf\n"
	  "Content-Disposition: attachment; filename*=utf-8''%D0%B0.pdf\n"
	  "Content-Transfer-Encoding: base64\n\nJVBERi0=\n--outer--\n",
	  "Plain version", "UTF-8", 0, 0, 0,
	  "attachment skipped: text/plain отчет за 2025.txt; attachment skipped: application/pdf а.pdf" },
	{ "forwarded message/rfc822",
	  "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	  "--b\nContent-Type: text/plain\n\n\n"
	  "--b\nContent-Type: message/rfc822\n\n"
	  "From: ann@example.com\nSubject: answers\n"
	  "Content-Type: text/plain; charset=utf-8\n\nQ1: yes\n--b--\n",
	  "Q1: yes", "UTF-8", 0, 0, 1, NULL },
	{ "missing boundary",
	  "Content-Type: multipart/alternative; boundary=\"nowhere\"\n\nJust text.\n",
	  "Just text.", "US-ASCII", 0, 0, 0, NULL },
};

static void
test_message_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(msg_cases) / sizeof(*msg_cases); i++) {
		const struct msg_case *c = &msg_cases[i];
		struct parsed *p = parse_ok(c->raw);
		if (c->text && strcmp(p->reply_text, c->text))
			fail_msg("%s: reply_text [%s] text [%s] notes [%s]", c->name,
				 p->reply_text, p->text, p->notes);
		if (c->charset && strcmp(p->charset, c->charset))
			fail_msg("%s: charset %s", c->name, p->charset);
		if (c->text && (p->charset_guessed != c->guessed ||
		    p->html_only != c->html_only || p->forwarded != c->forwarded))
			fail_msg("%s: guessed %d html %d fwd %d", c->name,
				 p->charset_guessed, p->html_only, p->forwarded);
		if (c->note && strstr(p->notes, c->note) == NULL)
			fail_msg("%s: notes [%s]", c->name, p->notes);
		assert_true(charset_is_utf8(p->text, strlen(p->text)));
		parse_free(&p);
	}
}

static void
test_dsn_and_calendar(void **state)
{
	(void)state;
	size_t len;
	char *raw = slurp("local/dsn-5.1.1.eml", &len);
	struct parsed *p = NULL;
	struct err e;

	assert_int_equal(parse_message(raw, len, NULL, &p, &e), 0);
	assert_string_equal(p->report_type, "delivery-status");
	assert_string_equal(p->content_type, "multipart/report");
	assert_non_null(strstr(p->delivery_status, "Status: 5.1.1"));
	assert_non_null(strstr(p->delivery_status,
			       "Final-Recipient: rfc822; nobody@example.net"));
	assert_non_null(strstr(p->returned_headers,
			       "Message-ID: <inv.42@anketa.example.org>"));
	/* the header block only, not the returned body */
	assert_null(strstr(p->returned_headers, "Dear respondent"));
	assert_non_null(strstr(p->text, "could not be delivered"));
	assert_string_equal(p->return_path, "");
	parse_free(&p);
	free(raw);

	raw = slurp("local/rsvp-reply.eml", &len);
	assert_int_equal(parse_message(raw, len, NULL, &p, &e), 0);
	assert_non_null(strstr(p->calendar, "METHOD:REPLY"));
	assert_non_null(strstr(p->calendar, "PARTSTAT=ACCEPTED"));
	assert_non_null(strstr(p->calendar, "Иван"));
	assert_string_equal(p->reply_text, "Accepted.");
	parse_free(&p);
	free(raw);
}

/* Hostile input: every prefix of a multipart message, garbage, NUL bytes,
 * a 1 MB line, 8-bit headers, limits. Nothing may crash; all parse. */
static void
test_robustness(void **state)
{
	(void)state;
	const char *m = msg_cases[14].raw;	/* nested multipart */
	size_t n = strlen(m);
	struct parsed *p = NULL;
	struct err e;

	for (size_t k = 1; k <= n; k++) {
		assert_int_equal(parse_message(m, k, NULL, &p, &e), 0);
		assert_true(charset_is_utf8(p->reply_text, strlen(p->reply_text)));
		parse_free(&p);
	}
	static const char nul[] = "Subject: a\0b\n\nbody\0with NUL\n";
	assert_int_equal(parse_message(nul, sizeof(nul) - 1, NULL, &p, &e), 0);
	assert_string_equal(p->reply_text, "body with NUL");
	assert_non_null(strstr(p->notes, "NUL"));
	parse_free(&p);

	p = parse_ok("Subject: " BG_CP1251 "\nFrom: \xc8\xe2\xe0\xed <ivan@example.bg>\n\nx\n");
	assert_string_equal(p->subject, BG);
	assert_string_equal(p->from_name, "Иван");
	parse_free(&p);

	size_t big = 1024 * 1024 + 100;
	char *s = xmalloc(big + 1);
	memcpy(s, "Content-Type: text/plain\n\n", 26);
	memset(s + 26, 'x', big - 26);
	s[big] = '\0';
	assert_int_equal(parse_message(s, big, NULL, &p, &e), 0);
	assert_int_equal(strlen(p->text), big - 26);
	parse_free(&p);
	for (size_t i = 0; i < big; i++)	/* pseudo-random garbage */
		s[i] = (char)((i * 2654435761u) >> 13);
	assert_int_equal(parse_message(s, big, NULL, &p, &e), 0);
	parse_free(&p);
	free(s);

	struct parse_limits lim = { 100, 10, 5 };
	assert_int_equal(parse_message(m, n, &lim, &p, &e), -1);
	assert_non_null(strstr(e.msg, "limit"));
	assert_null(p);
	assert_int_equal(parse_message("", 0, NULL, &p, &e), -1);
	lim.max_bytes = 1 << 20;
	lim.max_parts = 2;
	assert_int_equal(parse_message(m, n, &lim, &p, &e), 0);
	assert_non_null(strstr(p->notes, "limit"));
	parse_free(&p);
}

/* talon's signature cases (inline_cases.json "signature_cases") test its
 * brute-force valediction heuristic ("Thanks!\nRoman" is a signature).
 * anketa keeps valedictions and names: talon's own HTML expectations keep
 * "Thanks,\nAlex" too, and a survey answer may end with such words. So the
 * score is printed for information only; it is not a target. */
static void
test_talon_signatures_info(void **state)
{
	json_t *json = load_json("talon/inline_cases.json");
	const json_t *c;
	size_t i;
	int ok = 0, total = 0;
	(void)state;

	json_array_foreach(jarray(json, "signature_cases"), i, c) {
		const char *in = jstr(c, "input");
		const char *want = jstr(c, "expected_text");
		char *reply, *quoted;

		assert_non_null(in);
		assert_non_null(want);
		quote_split(in, &reply, &quoted);
		total++;
		ok += same_text(reply, want);
		free(reply), free(quoted);
	}
	json_decref(json);
	printf("# corpus talon_signature (information, not a target): %d/%d\n",
	       ok, total);
	assert_int_equal(total, 20);
}

static int
setup(void **state)
{
	(void)state;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_email_reply_parser),
		cmocka_unit_test(test_corpus_talon),
		cmocka_unit_test(test_corpus_talon_inline),
		cmocka_unit_test(test_corpus_multilingual),
		cmocka_unit_test(test_talon_signatures_info),
		cmocka_unit_test(test_charset_table),
		cmocka_unit_test(test_charset_cache),
		cmocka_unit_test(test_charset_invalid_utf8),
		cmocka_unit_test(test_quote_table),
		cmocka_unit_test(test_quote_parts),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_big_cc),
		cmocka_unit_test(test_message_table),
		cmocka_unit_test(test_dsn_and_calendar),
		cmocka_unit_test(test_robustness),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
