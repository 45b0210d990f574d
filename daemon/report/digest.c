/*
 * digest.c -- see digest.h. Each campaign is loaded as a report without
 * per-contact answers (report_load), its figures come from the store's
 * aggregates (report_qstat_init, report_texts), and every section is
 * written twice as it goes: to the text part (through textcol, so nothing
 * a respondent wrote reaches a terminal as a control) and to the HTML
 * part (escaped). Lists stop at DIGEST_CAP with the command that shows
 * all, so a digest stays a readable mail whatever the campaign's size.
 */
#include "report/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/lang.h"
#include "base/textcol.h"
#include "base/xmem.h"
#include "model/survey.h"
#include "report/report_private.h"

/* ---- words ----------------------------------------------------------------- */

enum dw {
	W_SUBJECT, W_TITLE, W_SINCE, W_FIRST, W_CHANGES, W_RESPONSES,
	W_SENT, W_NEEDS, W_RATE, W_BY_COUNTRY, W_BY_MUNI, W_QUESTIONS,
	W_ANSWERED, W_NEW_TEXTS, W_NONE, W_NEEDS_PERSON, W_MORE, W_ACT,
	W_MEAN, W_MEDIAN, W_OTHER, W_DELIVERED, W_CAMPAIGNS, W_STATE, W_N
};

/* In lang_code's order: bg, en, nl, cs. */
static const char *const words[LANG_N][W_N] = {
	{ "Преглед anketa", "Преглед за персонала", "от", "първи преглед",
	  "Ново от последния преглед", "отговори", "изпратени покани",
	  "писма за човек", "Отговорили", "По държави", "По общини",
	  "Въпроси", "отговорили", "Нови свободни отговори", "няма",
	  "Нужда от човек", "и още", "команда", "средно", "медиана",
	  "други", "доставени", "Кампании", "Състояние" },
	{ "anketa digest", "Digest for staff", "since", "first digest",
	  "New since the last digest", "responses", "invitations sent",
	  "messages for a person", "Responded", "By country",
	  "By municipality", "Questions", "answered", "New free-text answers",
	  "none", "Needs a person", "and more", "command", "mean", "median",
	  "other", "delivered", "Campaigns", "State" },
	{ "anketa-overzicht", "Overzicht voor medewerkers", "sinds",
	  "eerste overzicht", "Nieuw sinds het vorige overzicht",
	  "antwoorden", "uitnodigingen verstuurd", "berichten voor een mens",
	  "Geantwoord", "Per land", "Per gemeente", "Vragen",
	  "beantwoord", "Nieuwe open antwoorden", "geen",
	  "Vraagt een mens", "en meer", "opdracht", "gemiddelde", "mediaan",
	  "overig", "bezorgd", "Campagnes", "Status" },
	{ "Přehled anketa", "Přehled pro pracovníky", "od", "první přehled",
	  "Nové od posledního přehledu", "odpovědi", "odeslané pozvánky",
	  "zprávy pro člověka", "Odpověděli", "Podle země", "Podle obce",
	  "Otázky", "odpovědělo", "Nové volné odpovědi", "žádné",
	  "Potřebuje člověka", "a další", "příkaz", "průměr", "medián",
	  "jiné", "doručeno", "Kampaně", "Stav" },
};

/* ---- the two parts ----------------------------------------------------------- */

struct dg {
	struct store *s;
	const struct config *cfg;
	const char *const *w;	/* words in the reader's language */
	const char *lang;	/* its code */
	int64_t since, until;
	struct buf t, h;	/* text, HTML */
	struct err *e;
};

/* Data into the text part, made safe for a terminal and a mail. */
static void
t_data(struct dg *d, const char *s)
{
	textcol_add(&d->t, s ? s : "", "");
}

static void
h_data(struct dg *d, const char *s)
{
	report_html_esc(&d->h, s ? s : "", SIZE_MAX);
}

/* A heading in both parts; level 2 or 3. */
static void
heading(struct dg *d, int level, const char *text, const char *data)
{
	size_t at, n;

	buf_addc(&d->t, '\n');
	at = d->t.len;
	buf_adds(&d->t, text);
	if (data != NULL) {
		buf_adds(&d->t, ": ");
		t_data(d, data);
	}
	n = textcol_width(d->t.data + at);
	buf_addc(&d->t, '\n');
	for (; n > 0; n--)
		buf_addc(&d->t, level == 2 ? '=' : '-');
	buf_addc(&d->t, '\n');
	buf_printf(&d->h, "<h%d>", level);
	h_data(d, text);
	if (data != NULL) {
		buf_adds(&d->h, ": ");
		h_data(d, data);
	}
	buf_printf(&d->h, "</h%d>\n", level);
}

/* "and N more: COMMAND" after a capped list. */
static void
more(struct dg *d, long n, const char *cmd)
{
	size_t at = d->t.len;

	if (n <= 0)
		return;
	buf_printf(&d->t, "  ... %s %ld: %s", d->w[W_MORE], n, cmd);
	textcol_clean(&d->t, at, "");
	buf_addc(&d->t, '\n');
	buf_printf(&d->h, "<p class=\"more\">%s %ld: <code>", d->w[W_MORE],
		   n);
	h_data(d, cmd);
	buf_adds(&d->h, "</code></p>\n");
}

/* One row "  label  count  pct%" in the text and a table row. */
static void
count_row(struct dg *d, const char *label, long count, long of)
{
	char pct[32];

	report_fmt_percent(pct, count, of);
	buf_printf(&d->t, "  %7ld %6s%%  ", count, pct);
	t_data(d, label);
	buf_addc(&d->t, '\n');
	buf_adds(&d->h, "<tr><td>");
	h_data(d, label);
	buf_printf(&d->h, "</td><td>%ld</td><td>%s%%</td></tr>\n", count,
		   pct);
}

/* ---- response rate by a contact field -------------------------------------- */

struct group {
	const char *key;
	long delivered, responded;
};

static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* Contacts grouped by country (field 0) or municipality (1), in key
 * order, each with delivered and responded. */
static void
rate_by(struct dg *d, struct report *r, int field, const char *title)
{
	struct group *g = xcalloc(r->n ? r->n : 1, sizeof(*g));
	size_t ng = 0, shown = 0;
	char *cmd;

	for (size_t i = 0; i < r->n; i++) {
		g[i].key = field ? r->c[i].municipality : r->c[i].country;
		g[i].delivered = r->c[i].delivered != 0;
		g[i].responded = r->c[i].responded != 0;
	}
	qsort(g, r->n, sizeof(*g), group_cmp);
	for (size_t i = 0; i < r->n; i++) {
		if (ng > 0 && strcmp(g[ng - 1].key, g[i].key) == 0) {
			g[ng - 1].delivered += g[i].delivered;
			g[ng - 1].responded += g[i].responded;
		} else
			g[ng++] = g[i];
	}
	heading(d, 4, title, NULL);
	buf_adds(&d->h, "<table>\n");
	for (size_t i = 0; i < ng && shown < DIGEST_CAP; i++, shown++) {
		char label[512];

		snprintf(label, sizeof(label), "%s (%ld %s)",
			 *g[i].key ? g[i].key : "?", g[i].delivered,
			 d->w[W_DELIVERED]);
		count_row(d, label, g[i].responded, g[i].delivered);
	}
	buf_adds(&d->h, "</table>\n");
	cmd = xasprintf("anketa report %s --format csv", r->name);
	more(d, (long)(ng - shown), cmd);
	free(cmd);
	free(g);
}

/* ---- questions --------------------------------------------------------------- */

/* Scales and numbers: n, mean, median, min, max, then each value. */
static void
numbers(struct dg *d, struct report *r, const struct report_qstat *st)
{
	struct report_numstat ns;
	size_t shown = 0, i = 0;
	long rest = 0;
	char *cmd;

	report_numstat(st, &ns);
	if (st->nvals == 0)
		return;
	buf_printf(&d->t, "  n %zu  %s %s  %s %s  min %lld  max %lld\n",
		   st->nvals, d->w[W_MEAN], ns.mean, d->w[W_MEDIAN],
		   ns.median, ns.min, ns.max);
	buf_printf(&d->h, "<p>n %zu, %s %s, %s %s, min %lld, max %lld</p>\n"
		   "<table>\n", st->nvals, d->w[W_MEAN], ns.mean,
		   d->w[W_MEDIAN], ns.median, ns.min, ns.max);
	while (i < st->nvals) {
		size_t j = i;
		char label[32];

		while (j < st->nvals && st->vals[j] == st->vals[i])
			j++;
		if (shown++ < DIGEST_CAP) {
			snprintf(label, sizeof(label), "%lld", st->vals[i]);
			count_row(d, label, (long)(j - i), st->answered);
		} else
			rest++;
		i = j;
	}
	buf_adds(&d->h, "</table>\n");
	cmd = xasprintf("anketa report %s --format json", r->name);
	more(d, rest, cmd);
	free(cmd);
}

static void
options(struct dg *d, struct report *r, const struct report_qstat *st)
{
	buf_adds(&d->h, "<table>\n");
	for (size_t k = 0; k < st->nopt && k < DIGEST_CAP; k++) {
		const char *l = st->q->type == SURVEY_YESNO ? NULL :
				survey_otext(r->sv, st->q, st->optid[k],
					     d->lang);

		count_row(d, l && *l ? l : report_option_label(r, st, k),
			  st->count[k], st->answered);
	}
	if (st->other)
		count_row(d, d->w[W_OTHER], st->other, st->answered);
	buf_adds(&d->h, "</table>\n");
}

struct texts {
	struct dg *d;
	long n;
};

/* One new free-text answer: "  [municipality] text", cut. */
static void
text_cb(void *arg, const char *municipality, const char *text)
{
	struct texts *x = arg;
	struct dg *d = x->d;
	size_t at;
	const char *p;

	if (x->n++ >= DIGEST_CAP)
		return;
	at = d->t.len;
	buf_adds(&d->t, "  [");
	t_data(d, *municipality ? municipality : "?");
	buf_adds(&d->t, "] ");
	/* bytes up to the cut, then to the end of that character */
	for (p = text; *p && ((size_t)(p - text) < DIGEST_TEXT_MAX ||
			      ((unsigned char)*p & 0xc0) == 0x80); p++)
		buf_addc(&d->t, *p == '\n' || *p == '\r' ? ' ' : *p);
	if (*p)
		buf_adds(&d->t, "...");
	textcol_clean(&d->t, at, "");
	buf_addc(&d->t, '\n');
	buf_adds(&d->h, "<li><b>");
	h_data(d, *municipality ? municipality : "?");
	buf_adds(&d->h, "</b> ");
	report_html_esc(&d->h, text, DIGEST_TEXT_MAX);
	buf_adds(&d->h, "</li>\n");
}

static void
question(struct dg *d, struct report *r, size_t qi)
{
	struct report_qstat st;
	size_t at = d->t.len;
	char *cmd;

	report_qstat_init(&st, r, qi);
	buf_printf(&d->t, "\nQ%d. ", st.q->number);
	t_data(d, survey_qtext(r->sv, st.q, d->lang));
	buf_printf(&d->t, " (%ld %s)\n", st.answered, d->w[W_ANSWERED]);
	textcol_clean(&d->t, at, "\n");
	buf_printf(&d->h, "<h4>Q%d. ", st.q->number);
	h_data(d, survey_qtext(r->sv, st.q, d->lang));
	buf_printf(&d->h, " <small>(%ld %s)</small></h4>\n", st.answered,
		   d->w[W_ANSWERED]);
	if (st.q->type == SURVEY_SCALE || st.q->type == SURVEY_NUMBER) {
		numbers(d, r, &st);
	} else if (st.q->type == SURVEY_TEXT) {
		struct texts x = { d, 0 };

		buf_printf(&d->t, "  %s:\n", d->w[W_NEW_TEXTS]);
		buf_printf(&d->h, "<p>%s:</p>\n<ul>\n", d->w[W_NEW_TEXTS]);
		report_texts(r, qi, d->since, text_cb, &x);
		buf_adds(&d->h, "</ul>\n");
		if (x.n == 0)
			buf_printf(&d->t, "  (%s)\n", d->w[W_NONE]);
		cmd = xasprintf("anketa report %s", r->name);
		more(d, x.n - DIGEST_CAP, cmd);
		free(cmd);
	} else
		options(d, r, &st);
	report_qstat_free(&st);
}

/* ---- one campaign ------------------------------------------------------------ */

/* Hook: the meetings module has no roster API yet. When it offers one
 * (each meeting's seats, those who took one and the waiting list), the
 * rosters of campaign r go here, capped as every list. */
static void
section_meetings(struct dg *d, struct report *r)
{
	(void)d;
	(void)r;
}

static int
campaign(struct dg *d, const char *name)
{
	struct report r = { .s = d->s };
	struct store_changes ch;
	char pct[32];
	int rc = -1;

	if (report_load(&r, d->cfg, name, d->e) < 0 ||
	    store_campaign_changes(d->s, r.cid, d->since, &ch, d->e) < 0)
		goto out;
	heading(d, 2, r.kind, r.name);
	/* staff must see a campaign that no longer sends (anketa status
	 * names the states: paused, stopped, closed) */
	if (strcmp(r.state, "open") != 0) {
		buf_printf(&d->t, "%s: %s\n", d->w[W_STATE], r.state);
		buf_printf(&d->h, "<p>%s: <strong>%s</strong></p>\n",
			   d->w[W_STATE], r.state);
	}
	buf_printf(&d->t, "%s: %ld %s, %ld %s, %ld %s\n", d->w[W_CHANGES],
		   ch.responses, d->w[W_RESPONSES], ch.sent, d->w[W_SENT],
		   ch.needs, d->w[W_NEEDS]);
	buf_printf(&d->h, "<p>%s: %ld %s, %ld %s, %ld %s</p>\n",
		   d->w[W_CHANGES], ch.responses, d->w[W_RESPONSES], ch.sent,
		   d->w[W_SENT], ch.needs, d->w[W_NEEDS]);
	report_fmt_percent(pct, r.responded, r.delivered);
	buf_printf(&d->t, "%s: %ld / %ld %s (%s%%)\n", d->w[W_RATE],
		   r.responded, r.delivered, d->w[W_DELIVERED], pct);
	buf_printf(&d->h, "<p>%s: %ld / %ld %s (%s%%)</p>\n", d->w[W_RATE],
		   r.responded, r.delivered, d->w[W_DELIVERED], pct);
	rate_by(d, &r, 0, d->w[W_BY_COUNTRY]);
	rate_by(d, &r, 1, d->w[W_BY_MUNI]);
	section_meetings(d, &r);
	if (r.nq > 0)
		heading(d, 3, d->w[W_QUESTIONS], NULL);
	for (size_t q = 0; q < r.nq && !r.failed; q++)
		question(d, &r, q);
	if (r.failed) {
		err_set(d->e, "digest: campaign %s: %s", name, r.err.msg);
		goto out;
	}
	rc = 0;
out:
	report_free(&r);
	return rc;
}

/* ---- needs a person ---------------------------------------------------------- */

struct needs {
	struct dg *d;
	long n;
};

static int
need_cb(void *arg, int64_t id, const struct store_inbound *m)
{
	struct needs *x = arg;
	struct dg *d = x->d;
	const char *from = m->kind == STORE_I_BOUNCE && m->bounce_recipient ?
			   m->bounce_recipient : m->from_addr;
	const char *why = m->kind == STORE_I_BOUNCE && m->bounce_diag ?
			  m->bounce_diag : m->reason;

	if (x->n++ >= DIGEST_CAP)
		return 0;
	buf_printf(&d->t, "  #%lld  ", (long long)id);
	t_data(d, m->date);
	buf_adds(&d->t, "\n    ");
	t_data(d, from);
	if (m->subject && *m->subject) {
		buf_adds(&d->t, "\n    \"");
		t_data(d, m->subject);
		buf_adds(&d->t, "\"");
	}
	if (why && *why) {
		buf_adds(&d->t, "\n    ");
		t_data(d, why);
	}
	buf_printf(&d->t, "\n    %s: anketa review show %lld\n",
		   d->w[W_ACT], (long long)id);
	buf_printf(&d->h, "<li>#%lld ", (long long)id);
	h_data(d, m->date);
	buf_adds(&d->h, " <b>");
	h_data(d, from);
	buf_adds(&d->h, "</b> ");
	if (m->subject && *m->subject) {
		buf_adds(&d->h, "&#8220;");
		h_data(d, m->subject);
		buf_adds(&d->h, "&#8221; ");
	}
	h_data(d, why);
	buf_printf(&d->h, "<br><code>anketa review show %lld</code></li>\n",
		   (long long)id);
	return 0;
}

static int
needs_person(struct dg *d)
{
	heading(d, 2, d->w[W_NEEDS_PERSON], NULL);
	for (size_t i = 0; i < REPORT_NNEEDS; i++) {
		struct needs x = { d, 0 };

		buf_printf(&d->t, "\n%s\n", report_needs[i].label);
		buf_printf(&d->h, "<h3>%s</h3>\n<ul>\n",
			   report_needs[i].label);
		if (store_inbound_each(d->s, (int)report_needs[i].kind, 0,
				       need_cb, &x, d->e) < 0)
			return -1;
		buf_adds(&d->h, "</ul>\n");
		if (x.n == 0)
			buf_printf(&d->t, "  (%s)\n", d->w[W_NONE]);
		more(d, x.n - DIGEST_CAP, "anketa review list");
	}
	return 0;
}

/* ---- the whole digest -------------------------------------------------------- */

struct names {
	char **v;
	size_t n;
};

static int
name_cb(void *arg, const struct store_campaign *c)
{
	struct names *x = arg;

	x->v = xreallocarray(x->v, x->n + 1, sizeof(*x->v));
	x->v[x->n++] = xstrdup(c->name);
	return 0;
}

static void
utc_date(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

static void
head(struct dg *d, const char *lang)
{
	char until[32], since[32];

	utc_date(until, d->until);
	utc_date(since, d->since);
	buf_printf(&d->t, "%s, %s\n(%s%s%s)\n", d->w[W_TITLE], until,
		   d->since ? d->w[W_SINCE] : d->w[W_FIRST],
		   d->since ? " " : "", d->since ? since : "");
	buf_printf(&d->h, "<!DOCTYPE html>\n<html lang=\"%s\"><head>"
		   "<meta charset=\"utf-8\"><meta name=\"viewport\" "
		   "content=\"width=device-width\"><title>%s</title>"
		   "<style>body{font-family:system-ui,sans-serif;"
		   "max-width:50rem;margin:auto;padding:0 1rem}"
		   "td{padding:0 .5rem}code{white-space:pre-wrap}"
		   "</style></head><body>\n<h1>%s, %s</h1>\n<p>%s %s</p>\n",
		   lang, d->w[W_SUBJECT], d->w[W_TITLE], until,
		   d->since ? d->w[W_SINCE] : d->w[W_FIRST],
		   d->since ? since : "");
}

int
digest_build(struct store *s, const struct config *cfg, const char *lang,
	     int64_t since, int64_t until, struct digest_out *out,
	     struct err *e)
{
	struct dg d = { .s = s, .cfg = cfg, .since = since, .until = until,
			.e = e };
	struct names names = { NULL, 0 };
	const char *code = lang ? lang_find(lang) : NULL;
	char date[32];
	int rc = -1;
	size_t li = 1;	/* English */

	for (size_t i = 0; code && i < LANG_N; i++)
		if (strcmp(lang_code[i], code) == 0)
			li = i;
	d.w = words[li];
	d.lang = lang_code[li];
	memset(out, 0, sizeof(*out));
	buf_init(&d.t, 0);
	buf_init(&d.h, 0);
	head(&d, lang_code[li]);
	if (store_campaigns_each(s, name_cb, &names, e) < 0)
		goto done;
	heading(&d, 2, d.w[W_CAMPAIGNS], NULL);
	for (size_t i = 0; i < names.n && i < DIGEST_CAMPAIGNS; i++)
		if (campaign(&d, names.v[i]) < 0)
			goto done;
	more(&d, (long)names.n - DIGEST_CAMPAIGNS, "anketa campaign list");
	if (needs_person(&d) < 0)
		goto done;
	buf_adds(&d.h, "</body></html>\n");
	utc_date(date, until);
	out->subject = xasprintf("%s %.10s", d.w[W_SUBJECT], date);
	out->text = buf_steal(&d.t);
	out->html = buf_steal(&d.h);
	rc = 0;
done:
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	free(names.v);
	buf_free(&d.t);
	buf_free(&d.h);
	return rc;
}

void
digest_out_free(struct digest_out *d)
{
	free(d->subject);
	free(d->text);
	free(d->html);
	memset(d, 0, sizeof(*d));
}

/* ---- the producer ------------------------------------------------------------ */

/* The row's vars: the period and language, then the digest itself
 * (render.h: a row without a campaign carries its parts). */
static void
digest_vars(struct buf *vars, int64_t since, int64_t slot, const char *lang,
	    const struct digest_out *d)
{
	char num[32];

	buf_addc(vars, '{');
	snprintf(num, sizeof(num), "%lld", (long long)since);
	json_kv_str(vars, 1, "since", num);
	snprintf(num, sizeof(num), "%lld", (long long)slot);
	json_kv_str(vars, 0, "until", num);
	json_kv_str(vars, 0, "language", lang);
	json_kv_str(vars, 0, "subject", d->subject);
	json_kv_str(vars, 0, "text", d->text);
	json_kv_str(vars, 0, "html", d->html);
	buf_addc(vars, '}');
}

int
digest_enqueue(struct store *s, const struct config *cfg, const char *rcpt,
	       const char *lang, int64_t slot, int64_t *id_r, struct err *e)
{
	struct store_enqueue q = { .rcpt = rcpt, .kind = DIGEST_KIND };
	int64_t since = 0, id = 0;
	struct digest_out d;
	struct buf vars;
	int rc;

	rc = store_digest_mark(s, rcpt, slot, &since, e);
	if (rc != 1)
		return rc;
	if (digest_build(s, cfg, lang, since, slot, &d, e) < 0)
		return -1;
	buf_init(&vars, 0);
	digest_vars(&vars, since, slot, lang, &d);
	digest_out_free(&d);
	q.vars = buf_cstr(&vars);
	rc = store_outbox_enqueue(s, &q, &id, e);
	buf_free(&vars);
	if (rc < 0)
		return -1;
	if (id_r != NULL)
		*id_r = id;
	return 1;
}

int
digest_fire(struct store *s, const struct config *cfg, int64_t slot,
	    struct err *e)
{
	const struct config_digest *dc = &cfg->digest;

	if (store_begin(s, e) < 0)
		return -1;
	for (size_t i = 0; i < dc->nstaff; i++)
		if (digest_enqueue(s, cfg, dc->staff[i].address,
				   dc->staff[i].language, slot, NULL, e) < 0) {
			store_rollback(s);
			return -1;
		}
	return store_commit(s, e);
}

/* Reads a value of {"since":"N","until":"N","language":"xx"} as written
 * above: flat, in that order, strings without escapes. */
static const char *
vars_value(const char *vars, const char *key, char *out, size_t outlen)
{
	char pat[32];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(vars, pat);
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	end = strchr(p, '"');
	if (end == NULL || (size_t)(end - p) >= outlen)
		return NULL;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return out;
}

int
digest_vars_parse(const char *vars, int64_t *since_r, int64_t *until_r,
		  char lang[8])
{
	char since[32], until[32];
	char *end1, *end2;

	if (vars == NULL || vars_value(vars, "since", since, 32) == NULL ||
	    vars_value(vars, "until", until, 32) == NULL ||
	    vars_value(vars, "language", lang, 8) == NULL)
		return -1;
	*since_r = strtoll(since, &end1, 10);
	*until_r = strtoll(until, &end2, 10);
	return *end1 == '\0' && *end2 == '\0' ? 0 : -1;
}
