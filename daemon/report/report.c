/*
 * report.c -- see report.h. Reads one campaign from the store into memory
 * (the roster with each contact's current answers, delivery counts, the
 * stored questionnaire, what needs a person), then writes it as text, CSV
 * or JSON here, or as HTML in report_html.c (through report_private.h).
 * Read-only: only store_*_each/find/counts/xml are called.
 *
 * Numbers are formatted from integers (round half away from zero), so the
 * same store always gives byte-identical reports.
 */
#include "base/kind.h"
#include "report/report.h"
#include "report/report_private.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/json.h"
#include "model/campaign.h"
#include "model/survey.h"
#include "base/textcol.h"
#include "base/textwrap.h"
#include "base/xmem.h"
#include "store/store_review.h"


const struct report_need report_needs[REPORT_NNEEDS] = {
	{ STORE_I_UNMATCHED, "unmatched", "replies not matched to a contact",
	  1 },
	{ STORE_I_UNREADABLE, "unreadable", "answers that could not be read",
	  0 },
	{ STORE_I_QUARANTINE, "quarantine", "messages quarantined", 1 },
	{ STORE_I_BOUNCE, "bounces", "bounces", 0 },
};

static char *
dup0(const char *s)
{
	return xstrdup(s ? s : "");
}

/* ---- reading ----------------------------------------------------------- */

static int
campaign_cb(void *arg, const struct store_campaign *c)
{
	struct report *r = arg;

	r->cid = c->id;
	r->qid = c->questionnaire_id;
	r->kind = dup0(c->kind);
	r->reference = dup0(c->reference);
	r->deadline = dup0(c->deadline);
	/* a report is read once mail went out: never a draft */
	r->state = campaign_state_name(campaign_state(c, store_now(r->s), 1));
	return 0;
}

static int
roster_cb(void *arg, const struct store_contact *c, int delivered,
	  int responded, const char *answered_by)
{
	struct report *r = arg;
	struct report_contact *rc;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->c = xreallocarray(r->c, r->cap, sizeof(*r->c));
	}
	rc = &r->c[r->n++];
	memset(rc, 0, sizeof(*rc));
	rc->id = c->id;
	rc->email = dup0(c->email);
	rc->name = dup0(c->name);
	rc->municipality = dup0(c->municipality);
	rc->country = dup0(c->country);
	rc->language = dup0(c->language);
	rc->answered_by = answered_by ? xstrdup(answered_by) : NULL;
	rc->delivered = delivered;
	rc->responded = responded;
	r->delivered += delivered != 0;
	r->responded += responded != 0;
	r->late += responded == 2;
	if (r->nq > 0)
		rc->ans = xcalloc(r->nq, sizeof(*rc->ans));
	return 0;
}

static int
byid_cmp(const void *a, const void *b)
{
	const struct report_contact *x = *(struct report_contact *const *)a;
	const struct report_contact *y = *(struct report_contact *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static struct report_contact *
find_contact(struct report *r, int64_t id)
{
	struct report_contact key = { .id = id }, *kp = &key, **hit;

	hit = bsearch(&kp, r->byid, r->n, sizeof(*r->byid), byid_cmp);
	return hit ? *hit : NULL;
}

/* Answers to questions the stored version does not have, or from
 * contacts outside the roster, cannot be placed and are left out. */
static int
answer_cb(void *arg, const char *question, const char *value,
	  int64_t contact_id)
{
	struct report *r = arg;
	const struct survey_question *q = survey_find(r->sv, question);
	struct report_contact *c = find_contact(r, contact_id);

	if (q == NULL || c == NULL || q->number < 1 ||
	    (size_t)q->number > r->nq)
		return 0;
	free(c->ans[q->number - 1]);
	c->ans[q->number - 1] = dup0(value);
	return 0;
}

/* An open item of anketa review: unmatched and quarantined mail of this
 * campaign or of none, unreadable answers and bounces of this one. */
static int
review_cb(void *arg, const struct store_review_item *it)
{
	struct report *r = arg;
	struct report_msg *msg;
	size_t i = 0;

	while (i < REPORT_NNEEDS && report_needs[i].kind != it->kind)
		i++;
	if (i == REPORT_NNEEDS ||
	    (!report_needs[i].any_campaign && it->campaign_id != r->cid))
		return 0;
	r->msgs[i] = xreallocarray(r->msgs[i], r->nmsgs[i] + 1,
				   sizeof(**r->msgs));
	msg = &r->msgs[i][r->nmsgs[i]++];
	msg->from = dup0(it->from);
	msg->subject = dup0(it->subject);
	msg->date = dup0(it->date);
	msg->reason = dup0(it->reason);
	return 0;
}

static int
load_survey(struct report *r, const struct config *cfg, struct err *e)
{
	struct errlist errs = { 0 };
	char *xml = NULL, *what;
	int rc;

	if (r->qid == 0)
		return 0;
	rc = store_questionnaire_xml(r->s, r->qid, &xml, e);
	if (rc <= 0) {
		if (rc == 0)
			err_set(e, "report %s: questionnaire %lld is not in "
				"the store", r->name, (long long)r->qid);
		return -1;
	}
	what = xasprintf("campaign %s questionnaire", r->name);
	rc = survey_load_memory(xml, strlen(xml), what, cfg->schema_path,
				&r->sv, &errs);
	if (rc < 0)
		err_set(e, "report %s: %s", r->name,
			errs.n ? errs.v[0] : "questionnaire not valid");
	else
		r->nq = survey_nquestions(r->sv);
	errlist_free(&errs);
	free(what);
	free(xml);
	return rc;
}

int
report_load(struct report *r, const struct config *cfg, const char *name,
	    struct err *e)
{
	int rc = store_campaign_find(r->s, name, campaign_cb, r, e);

	r->name = xstrdup(name);
	if (rc <= 0) {
		if (rc == 0)
			err_set(e, "report: no campaign \"%s\" (anketa "
				"campaign list shows them)", name);
		return -1;
	}
	if (load_survey(r, cfg, e) < 0)
		return -1;
	for (size_t k = 0; k < REPORT_NDKINDS; k++)
		if (store_delivery_counts(r->s, r->cid, kind_name(k),
					  r->counts[k], e) < 0)
			return -1;
	if (store_roster_each(r->s, r->cid, roster_cb, r, e) < 0)
		return -1;
	r->byid = xcalloc(r->n ? r->n : 1, sizeof(*r->byid));
	for (size_t i = 0; i < r->n; i++)
		r->byid[i] = &r->c[i];
	qsort(r->byid, r->n, sizeof(*r->byid), byid_cmp);
	if (r->sv && r->with_answers &&
	    store_answers_each(r->s, r->cid, answer_cb, r, e) < 0)
		return -1;
	/* open items only: closed by staff or superseded, they are done */
	return store_review_each(r->s, r->cid, review_cb, r, e) < 0 ? -1 : 0;
}

void
report_free(struct report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct report_contact *c = &r->c[i];

		for (size_t q = 0; c->ans && q < r->nq; q++)
			free(c->ans[q]);
		free(c->ans);
		free(c->email);
		free(c->name);
		free(c->municipality);
		free(c->country);
		free(c->language);
		free(c->answered_by);
	}
	free(r->c);
	free(r->byid);
	free(r->mask);
	for (size_t i = 0; i < REPORT_NNEEDS; i++) {
		for (size_t k = 0; k < r->nmsgs[i]; k++) {
			free(r->msgs[i][k].from);
			free(r->msgs[i][k].subject);
			free(r->msgs[i][k].date);
			free(r->msgs[i][k].reason);
		}
		free(r->msgs[i]);
	}
	survey_free(&r->sv);
	free(r->name);
	free(r->kind);
	free(r->reference);
	free(r->deadline);
}

/* ---- numbers ----------------------------------------------------------- */

/* num/den with one decimal, rounded half away from zero: "66.7". */
void
report_fmt_tenths(char out[32], long long num, long long den)
{
	int neg = (num < 0) != (den < 0) && num != 0;
	unsigned long long n = (unsigned long long)llabs(num);
	unsigned long long d = (unsigned long long)llabs(den);
	unsigned long long t;

	if (d == 0) {
		snprintf(out, 32, "0.0");
		return;
	}
	t = (n * 20 + d) / (2 * d);
	snprintf(out, 32, "%s%llu.%llu", neg && t ? "-" : "", t / 10, t % 10);
}

void
report_fmt_percent(char out[32], long count, long n)
{
	report_fmt_tenths(out, (long long)count * 100, n);
}

/* ---- per-question statistics ------------------------------------------ */

static const char *const yesno_ids[] = { "yes", "no" };

static int
ll_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void
count_option(struct report_qstat *st, const char *v, long n)
{
	for (size_t k = 0; k < st->nopt; k++)
		if (strcmp(st->optid[k], v) == 0) {
			st->count[k] += n;
			return;
		}
	st->other += n;
}

struct qstat_ctx {
	struct report_qstat *st;
	size_t cap;
};

/* One distinct value (or choice) and how many gave it. */
static int
qstat_add(void *arg, const char *v, long n)
{
	struct qstat_ctx *x = arg;
	struct report_qstat *st = x->st;
	char *end;
	long long val;

	if (st->q->type != SURVEY_SCALE && st->q->type != SURVEY_NUMBER) {
		count_option(st, v, n);
		return 0;
	}
	errno = 0;
	val = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0') {
		st->other += n;
		return 0;
	}
	if (st->nvals + (size_t)n > x->cap) {
		while (st->nvals + (size_t)n > x->cap)
			x->cap = x->cap ? 2 * x->cap : 64;
		st->vals = xreallocarray(st->vals, x->cap, sizeof(*st->vals));
	}
	for (long i = 0; i < n; i++)
		st->vals[st->nvals++] = val;
	return 0;
}

void
report_qstat_init(struct report_qstat *st, struct report *r, size_t qi)
{
	static const char *const none[1] = { NULL };
	struct qstat_ctx x = { st, 0 };
	const char **ids;
	struct err e;

	memset(st, 0, sizeof(*st));
	st->q = survey_question(r->sv, qi);
	st->optid = none;
	if (st->q->type == SURVEY_YESNO) {
		st->nopt = 2;
		st->optid = yesno_ids;
	} else if (st->q->noptions > 0) {
		st->nopt = st->q->noptions;
		ids = xcalloc(st->nopt, sizeof(*ids));
		for (size_t k = 0; k < st->nopt; k++)
			ids[k] = st->q->options[k].id;
		st->optid = ids;
	}
	st->count = xcalloc(st->nopt + 1, sizeof(*st->count));
	st->vals = xcalloc(1, sizeof(*st->vals));
	if (store_answer_counts(r->s, r->cid, st->q->id,
				st->q->type == SURVEY_MULTI,
				st->q->type == SURVEY_TEXT ? NULL : qstat_add,
				&x, &st->answered, &e) < 0 && !r->failed) {
		r->failed = 1;
		r->err = e;
	}
	qsort(st->vals, st->nvals, sizeof(*st->vals), ll_cmp);
}

struct texts_ctx {
	report_text_cb cb;
	void *arg;
};

static int
texts_row(void *arg, int64_t contact_id, const char *municipality,
	  const char *text)
{
	struct texts_ctx *x = arg;

	(void)contact_id;
	x->cb(x->arg, municipality ? municipality : "", text);
	return 0;
}

void
report_texts(struct report *r, size_t qi, int64_t since, report_text_cb cb,
	     void *arg)
{
	struct texts_ctx x = { cb, arg };
	struct err e;

	if (store_answer_texts(r->s, r->cid, survey_question(r->sv, qi)->id,
			       since, texts_row, &x, &e) < 0 && !r->failed) {
		r->failed = 1;
		r->err = e;
	}
}

void
report_qstat_free(struct report_qstat *st)
{
	if (st->optid != yesno_ids && st->nopt > 0)
		free((void *)st->optid);
	free(st->count);
	free(st->vals);
}

const char *
report_option_label(const struct report *r, const struct report_qstat *st,
		    size_t k)
{
	const char *l;

	if (st->q->type == SURVEY_YESNO)
		return k == 0 ? "Yes" : "No";
	l = survey_otext(r->sv, st->q, st->optid[k], REPORT_LANG);
	return l && *l ? l : st->optid[k];	/* dates may have no label */
}

void
report_numstat(const struct report_qstat *st, struct report_numstat *ns)
{
	long long sum = 0;
	size_t n = st->nvals;

	for (size_t i = 0; i < n; i++)
		sum += st->vals[i];
	report_fmt_tenths(ns->mean, sum, (long long)n);
	ns->mean_v = n ? (double)sum / (double)n : 0;
	if (n == 0)
		report_fmt_tenths(ns->median, 0, 1);
	else if (n % 2)
		report_fmt_tenths(ns->median, st->vals[n / 2], 1);
	else
		report_fmt_tenths(ns->median,
				  st->vals[n / 2 - 1] + st->vals[n / 2],
			   2);
	ns->min = n ? st->vals[0] : 0;
	ns->max = n ? st->vals[n - 1] : 0;
}

/* ---- output plumbing --------------------------------------------------- */

static void
report_out_write(struct report_out *o, const char *p, size_t n)
{
	if (n && fwrite(p, 1, n, o->fp) != n)
		o->failed = 1;
}

/* Keep memory flat for 100,000 contacts: hand text to stdio often. */
void
report_out_flush(struct report_out *o, int force)
{
	const char *nl;
	size_t n;

	if (!force && o->b.len < 65536)
		return;
	if (!o->wrap) {
		report_out_write(o, o->b.data, o->b.len);
		buf_reset(&o->b);
		return;
	}
	/* whole lines only: the rest waits for its newline */
	nl = o->b.len ? memrchr(o->b.data, '\n', o->b.len) : NULL;
	n = force ? o->b.len : nl ? (size_t)(nl - o->b.data) + 1 : 0;
	if (n > 0) {
		struct buf w;

		buf_init(&w, 0);
		textwrap(o->b.data, n, TEXTWRAP_MAIL, &w);
		report_out_write(o, w.data, w.len);
		buf_free(&w);
		memmove(o->b.data, o->b.data + n, o->b.len - n);
		o->b.len -= n;
		o->b.data[o->b.len] = '\0';
	}
}

/* ---- text -------------------------------------------------------------- */

/*
 * Text goes to a terminal: every line that carries data from the store
 * (answers, names, subjects of strangers' mail) is made safe before its
 * newline is added (textcol.h), so no escape sequence can reach it.
 */
static void
text_eol(struct buf *b, size_t line_start)
{
	textcol_clean(b, line_start, "");
	buf_addc(b, '\n');
}

static void
text_header(struct report *r, struct report_out *o)
{
	struct buf *b = &o->b;
	size_t at = b->len;
	char pct[32];

	buf_printf(b, "Campaign %s (%s", r->name, r->kind);
	if (*r->reference)
		buf_printf(b, ", %s", r->reference);
	buf_adds(b, ")");
	if (*r->deadline)
		buf_printf(b, ", deadline %s", r->deadline);
	text_eol(b, at);
	if (r->sv) {
		at = b->len;
		buf_printf(b, "Questionnaire: %s (%s)",
			   survey_title(r->sv, REPORT_LANG), survey_id(r->sv));
		text_eol(b, at);
	}
	buf_adds(b, "\nDeliveries\n");
	for (size_t k = 0; k < REPORT_NDKINDS; k++) {
		buf_printf(b, "  %-9s", kind_name(k));
		for (size_t i = 0; i < REPORT_NDSTATES; i++)
			buf_printf(b, "  %s %ld", store_dstate_name(i),
				   r->counts[k][i]);
		buf_addc(b, '\n');
	}
	report_fmt_percent(pct, r->responded, r->delivered);
	buf_printf(b, "\nResponses: %ld of %ld delivered (%s%%)",
		   r->responded, r->delivered, pct);
	if (r->late > 0)
		buf_printf(b, ", %ld late (after the deadline)", r->late);
	buf_addc(b, '\n');
}

/* Each line of a possibly multi-line answer, indented under the first;
 * its newlines and tabs are layout, any other control is replaced. */
static void
text_answer(struct buf *b, const char *who, const char *text)
{
	size_t at = b->len;

	buf_printf(b, "  [%s] ", who);
	textcol_clean(b, at, "");
	at = b->len;
	for (; *text; text++) {
		if (*text == '\r')
			continue;
		buf_addc(b, *text);
		if (*text == '\n' && text[1])
			buf_adds(b, "      ");
	}
	textcol_clean(b, at, "\n\t");
	buf_addc(b, '\n');
}

/* Free text with its municipality; anonymised: only a publishable
 * question's, masked, and said by nobody in particular. */
static void
text_answers(struct report *r, size_t qi, struct report_out *o)
{
	const struct survey_question *q = survey_question(r->sv, qi);
	struct buf m;

	if (!report_text_shown(r, q)) {
		buf_adds(&o->b, "  (free text left out: not publishable)\n");
		return;
	}
	buf_init(&m, 0);
	for (size_t i = 0; i < r->n; i++) {
		const char *a = r->c[i].ans ? r->c[i].ans[qi] : NULL;

		if (a == NULL || *a == '\0')
			continue;
		if (r->opt.anonymise) {
			report_mask(r, a, &m);
			text_answer(&o->b, "-", buf_cstr(&m));
		} else {
			text_answer(&o->b, *report_town(&r->c[i]) ?
				    report_town(&r->c[i]) : "?", a);
		}
		report_out_flush(o, 0);
	}
	buf_free(&m);
}

static void
text_options(struct report *r, struct report_qstat *st, struct buf *b)
{
	size_t lw = 0, cw = 1;
	char digits[32];

	for (size_t k = 0; k < st->nopt; k++) {
		size_t w = textcol_width(report_option_label(r, st, k));

		lw = w > lw ? w : lw;
		snprintf(digits, sizeof(digits), "%ld", st->count[k]);
		cw = strlen(digits) > cw ? strlen(digits) : cw;
	}
	for (size_t k = 0; k < st->nopt; k++) {
		char pct[32];

		report_fmt_percent(pct, st->count[k], st->answered);
		buf_adds(b, "  ");
		textcol_pad(b, report_option_label(r, st, k), lw);
		if (report_hide(r, st->count[k]))
			buf_adds(b, "  (hidden)\n");
		else
			buf_printf(b, "  %*ld  %5s%%\n", (int)cw, st->count[k],
				   pct);
	}
	if (st->other)
		buf_printf(b, "  (%ld answers match no option)\n", st->other);
}

/* A count, or "<k" when it is hidden (report_hide). */
static void
text_count(struct report *r, struct buf *b, int w, long n)
{
	char lt[32];

	snprintf(lt, sizeof(lt), "<%ld", r->opt.k);
	if (report_hide(r, n))
		buf_printf(b, "%*s", w, lt);
	else
		buf_printf(b, "%*ld", w, n);
}

/* The options by country or municipality: a row per group, a column
 * per option in the order listed above (8 to a block). */
static void
text_xtab(struct report *r, struct report_qstat *st, size_t qi,
	  enum report_by by, struct buf *b)
{
	struct report_xtab x;
	size_t gw = 13;	/* "By municipality" over it and its indent */

	report_xtab_init(&x, r, st, qi, by);
	for (size_t g = 0; g < x.n; g++)
		gw = textcol_width(x.group[g]) > gw ?
		     textcol_width(x.group[g]) : gw;
	gw = gw > 24 ? 24 : gw;
	for (size_t o0 = 0; o0 < x.nopt; o0 += 8) {
		size_t o1 = o0 + 8 < x.nopt ? o0 + 8 : x.nopt;

		buf_adds(b, "  ");
		textcol_pad(b, by == REPORT_BY_COUNTRY ? "By country" :
			    "By municipality", gw + 2);
		buf_printf(b, "%6s", "n");
		for (size_t o = o0; o < o1; o++) {
			char h[16];

			snprintf(h, sizeof(h), "opt%zu", o + 1);
			buf_printf(b, " %6s", h);
		}
		buf_addc(b, '\n');
		for (size_t g = 0; g < x.n; g++) {
			size_t at = b->len;

			buf_adds(b, "    ");
			textcol_pad(b, x.group[g], gw);
			text_count(r, b, 6, x.resp[g]);
			for (size_t o = o0; o < o1; o++) {
				buf_adds(b, " ");
				text_count(r, b, 6, x.cell[g * x.nopt + o]);
			}
			text_eol(b, at);
		}
	}
	report_xtab_free(&x);
}

static void
text_question(struct report *r, size_t qi, struct report_out *o)
{
	struct report_qstat st;
	struct buf *b = &o->b;
	struct report_numstat ns;
	size_t at;

	report_qstat_init(&st, r, qi);
	buf_addc(b, '\n');
	at = b->len;
	buf_printf(b, "Q%d. %s", st.q->number,
		   survey_qtext(r->sv, st.q, REPORT_LANG));
	text_eol(b, at);
	buf_printf(b, "  (%s, %ld answered", survey_qtype_name(st.q->type),
		   st.answered);
	if (st.q->type == SURVEY_MULTI)
		buf_adds(b, "; percent of those who answered, several "
			 "choices each");
	buf_adds(b, ")\n");
	switch (st.q->type) {
	case SURVEY_SCALE:
	case SURVEY_NUMBER:
		report_numstat(&st, &ns);
		if (report_hide(r, (long)st.nvals))
			buf_printf(b, "  (fewer than %ld: hidden)\n", r->opt.k);
		else if (st.nvals > 0)
			buf_printf(b, "  n %zu  mean %s  median %s  min %lld  "
				   "max %lld\n", st.nvals, ns.mean,
				   ns.median, ns.min, ns.max);
		break;
	case SURVEY_TEXT:
		text_answers(r, qi, o);
		break;
	default:
		text_options(r, &st, b);
		if (report_closed(st.q)) {
			text_xtab(r, &st, qi, REPORT_BY_COUNTRY, b);
			text_xtab(r, &st, qi, REPORT_BY_TOWN, b);
		}
	}
	report_qstat_free(&st);
}

static void
text_roster(struct report *r, struct report_out *o)
{
	size_t w[3] = { 0, 0, 0 };
	long n = 0;

	for (size_t i = 0; i < r->n; i++) {
		const char *v[3] = { r->c[i].email, r->c[i].name,
				     r->c[i].municipality };

		if (r->c[i].responded)
			continue;
		n++;
		for (size_t k = 0; k < 3; k++)
			if (textcol_width(v[k]) > w[k])
				w[k] = textcol_width(v[k]);
	}
	buf_printf(&o->b, "\nNot answered (%ld)\n", n);
	for (size_t i = 0; i < r->n && !r->opt.anonymise; i++) {
		struct buf *b = &o->b;
		size_t start = b->len;

		if (r->c[i].responded)
			continue;
		buf_adds(b, "  ");
		textcol_pad(b, r->c[i].email, w[0]);
		buf_adds(b, "  ");
		textcol_pad(b, r->c[i].name, w[1]);
		buf_adds(b, "  ");
		textcol_pad(b, r->c[i].municipality, w[2]);
		if (!r->c[i].delivered)
			buf_adds(b, "  (not delivered)");
		while (b->len > start && b->data[b->len - 1] == ' ')
			b->data[--b->len] = '\0';
		buf_addc(b, '\n');
		report_out_flush(o, 0);
	}
}

static void
text_needs(struct report *r, struct report_out *o)
{
	struct buf *b = &o->b;

	buf_adds(b, "\nNeeds a person\n");
	for (size_t i = 0; i < REPORT_NNEEDS; i++) {
		buf_printf(b, "  %-32s %zu\n", report_needs[i].label,
			   r->nmsgs[i]);
		for (size_t k = 0; k < r->nmsgs[i] && !r->opt.anonymise;
		     k++) {
			struct report_msg *m = &r->msgs[i][k];
			size_t at = b->len;

			/* anyone's mail: the subject is a stranger's text */
			buf_adds(b, "   ");
			if (*m->date)
				buf_printf(b, " %s ", m->date);
			buf_printf(b, " %s", m->from);
			if (*m->subject)
				buf_printf(b, "  \"%s\"", m->subject);
			if (*m->reason)
				buf_printf(b, ": %s", m->reason);
			text_eol(b, at);
		}
	}
}

static void
report_text(struct report *r, struct report_out *o)
{
	text_header(r, o);
	for (size_t q = 0; q < r->nq; q++)
		text_question(r, q, o);
	text_roster(r, o);
	text_needs(r, o);
}

/* ---- CSV: one row per contact, a column per question -------------------- */

static const char *const csv_fixed[] = {
	"email", "name", "municipality", "country", "language",
	"delivered", "responded", "answered_by",
};
#define CSV_NFIXED (sizeof(csv_fixed) / sizeof(csv_fixed[0]))
/* anonymised: no email, name or answered_by */
#define CSV_PERSONAL(k) ((k) == 0 || (k) == 1 || (k) == 7)

/* A column's name: the question id, or "qN_ID" when the id is taken by
 * a fixed column or an earlier question (names[0..n) so far). */
static char *
csv_qname(const struct survey_question *q, char **names, size_t n)
{
	for (size_t k = 0; k < CSV_NFIXED; k++)
		if (strcmp(q->id, csv_fixed[k]) == 0)
			return xasprintf("q%d_%s", q->number, q->id);
	for (size_t k = 0; k < n; k++)
		if (names[k] && strcmp(q->id, names[k]) == 0)
			return xasprintf("q%d_%s", q->number, q->id);
	return xstrdup(q->id);
}

/* The columns written, as indexes: fixed ones, then questions
 * (CSV_NFIXED + q); anonymised ones leave out people and free text. */
static size_t
csv_columns(struct report *r, size_t *col)
{
	size_t n = 0;

	for (size_t k = 0; k < CSV_NFIXED; k++)
		if (!(r->opt.anonymise && CSV_PERSONAL(k)))
			col[n++] = k;
	for (size_t q = 0; q < r->nq; q++) {
		const struct survey_question *sq = survey_question(r->sv, q);

		if (sq->type != SURVEY_TEXT || report_text_shown(r, sq))
			col[n++] = CSV_NFIXED + q;
	}
	return n;
}

static void
csv_row(struct report *r, size_t i, const size_t *col, size_t ncol,
	const char **row, struct buf *m, const unsigned char *town_ok)
{
	struct report_contact *c = &r->c[i];
	const char *v[CSV_NFIXED] = {
		c->email, c->name, town_ok[i] ? report_town(c) : "",
		c->country, c->language,
		c->delivered ? "yes" : "no", c->responded ? "yes" : "no",
		c->answered_by,
	};

	buf_reset(m);
	for (size_t k = 0; k < ncol; k++) {
		size_t q = col[k] - CSV_NFIXED;

		if (col[k] < CSV_NFIXED) {
			row[k] = v[col[k]];
		} else if (r->opt.anonymise && c->ans[q] &&
			   survey_question(r->sv, q)->type == SURVEY_TEXT) {
			report_mask(r, c->ans[q], m);
			row[k] = xstrdup(buf_cstr(m));
		} else {
			row[k] = c->ans[q];
		}
	}
}

static void
csv_row_free(struct report *r, const size_t *col, size_t ncol,
	     const char **row)
{
	for (size_t k = 0; k < ncol; k++)
		if (r->opt.anonymise && col[k] >= CSV_NFIXED && row[k] &&
		    survey_question(r->sv, col[k] - CSV_NFIXED)->type ==
		    SURVEY_TEXT)
			free((char *)row[k]);
}

static void
report_csv(struct report *r, struct report_out *o)
{
	size_t *col = xcalloc(CSV_NFIXED + r->nq, sizeof(*col));
	size_t ncol = csv_columns(r, col);
	const char **row = xcalloc(ncol + 1, sizeof(*row));
	char **names = xcalloc(r->nq + 1, sizeof(*names));
	unsigned char *town_ok = report_town_shared(r);
	struct buf m;

	buf_init(&m, 0);
	for (size_t q = 0; q < r->nq; q++)
		names[q] = csv_qname(survey_question(r->sv, q), names, q);
	for (size_t k = 0; k < ncol; k++)
		row[k] = col[k] < CSV_NFIXED ? csv_fixed[col[k]] :
			 names[col[k] - CSV_NFIXED];
	if (r->opt.bom)
		buf_adds(&o->b, "\xef\xbb\xbf");
	report_out_flush(o, 1);
	if (csv_write_row(o->fp, row, ncol) < 0)
		o->failed = 1;
	for (size_t i = 0; i < r->n && !o->failed; i++) {
		if (r->opt.anonymise && !r->c[i].delivered)
			continue;	/* not in the sample */
		csv_row(r, i, col, ncol, row, &m, town_ok);
		if (csv_write_row(o->fp, row, ncol) < 0)
			o->failed = 1;
		csv_row_free(r, col, ncol, row);
	}
	for (size_t q = 0; q < r->nq; q++)
		free(names[q]);
	free(names);
	free(row);
	free(col);
	free(town_ok);
	buf_free(&m);
}

/* ---- JSON: one object, stable keys ------------------------------------ */

static void
json_tenths(struct buf *b, const char *key, const char *num)
{
	buf_printf(b, ",\"%s\":%s", key, num);
}

static void
json_question(struct report *r, size_t qi, struct report_out *o)
{
	struct buf *b = &o->b;
	struct report_qstat st;
	struct report_numstat ns;

	report_qstat_init(&st, r, qi);
	buf_addc(b, '{');
	json_kv_str(b, 1, "id", st.q->id);
	json_kv_int(b, 0, "number", st.q->number);
	json_kv_str(b, 0, "type", survey_qtype_name(st.q->type));
	json_kv_str(b, 0, "text", survey_qtext(r->sv, st.q, REPORT_LANG));
	json_kv_int(b, 0, "answered", st.answered);
	if (st.q->type == SURVEY_SCALE || st.q->type == SURVEY_NUMBER) {
		report_numstat(&st, &ns);
		json_kv_int(b, 0, "n", (long long)st.nvals);
		if (st.nvals > 0 && !report_hide(r, (long)st.nvals)) {
			json_kv_num(b, 0, "mean", ns.mean_v);
			json_tenths(b, "median", ns.median);
			json_kv_int(b, 0, "min", ns.min);
			json_kv_int(b, 0, "max", ns.max);
		}
	} else if (st.q->type == SURVEY_TEXT) {
		struct buf m;
		int first = 1;

		buf_init(&m, 0);
		buf_adds(b, ",\"answers\":[");
		for (size_t i = 0; i < r->n && report_text_shown(r, st.q);
		     i++) {
			const char *a = r->c[i].ans ? r->c[i].ans[qi] : NULL;

			if (a == NULL || *a == '\0')
				continue;
			buf_adds(b, first ? "{" : ",{");
			if (r->opt.anonymise)
				report_mask(r, a, &m);
			json_kv_str(b, 1, "municipality", r->opt.anonymise ?
				    NULL : report_town(&r->c[i]));
			json_kv_str(b, 0, "text", r->opt.anonymise ?
				    buf_cstr(&m) : a);
			buf_addc(b, '}');
			first = 0;
		}
		buf_addc(b, ']');
		buf_free(&m);
	} else {
		buf_adds(b, ",\"options\":[");
		for (size_t k = 0; k < st.nopt; k++) {
			char pct[32];

			report_fmt_percent(pct, st.count[k], st.answered);
			buf_adds(b, k ? ",{" : "{");
			json_kv_str(b, 1, "id", st.optid[k]);
			json_kv_str(b, 0, "label",
				    report_option_label(r, &st, k));
			if (report_hide(r, st.count[k])) {
				buf_adds(b, ",\"count\":null,\"percent\":null");
			} else {
				json_kv_int(b, 0, "count", st.count[k]);
				json_tenths(b, "percent", pct);
			}
			buf_addc(b, '}');
		}
		buf_addc(b, ']');
		json_kv_int(b, 0, "other", st.other);
	}
	buf_addc(b, '}');
	report_qstat_free(&st);
}

static void
json_head(struct report *r, struct buf *b)
{
	char pct[32];

	buf_adds(b, "{\"campaign\":{");
	json_kv_str(b, 1, "name", r->name);
	json_kv_str(b, 0, "kind", r->kind);
	json_kv_str(b, 0, "reference", r->reference);
	json_kv_str(b, 0, "deadline", r->deadline);
	json_kv_str(b, 0, "questionnaire", r->sv ? survey_id(r->sv) : NULL);
	buf_adds(b, "},\"deliveries\":{");
	for (size_t k = 0; k < REPORT_NDKINDS; k++) {
		buf_printf(b, "%s\"%s\":{", k ? "," : "", kind_name(k));
		for (size_t i = 0; i < REPORT_NDSTATES; i++)
			json_kv_int(b, i == 0, store_dstate_name(i),
				    r->counts[k][i]);
		buf_addc(b, '}');
	}
	report_fmt_percent(pct, r->responded, r->delivered);
	buf_adds(b, "},\"responses\":{");
	json_kv_int(b, 1, "contacts", (long long)r->n);
	json_kv_int(b, 0, "delivered", r->delivered);
	json_kv_int(b, 0, "responded", r->responded);
	json_kv_int(b, 0, "late", r->late);
	json_tenths(b, "rate", pct);
	buf_addc(b, '}');
}

static void
report_json(struct report *r, struct report_out *o)
{
	struct buf *b = &o->b;
	int first = 1;

	json_head(r, b);
	buf_adds(b, ",\"questions\":[");
	for (size_t q = 0; q < r->nq; q++) {
		if (q)
			buf_addc(b, ',');
		json_question(r, q, o);
		report_out_flush(o, 0);
	}
	buf_adds(b, "],\"not_answered\":[");
	for (size_t i = 0; i < r->n && !r->opt.anonymise; i++) {
		if (r->c[i].responded)
			continue;
		buf_adds(b, first ? "{" : ",{");
		json_kv_str(b, 1, "email", r->c[i].email);
		json_kv_str(b, 0, "name", r->c[i].name);
		json_kv_str(b, 0, "municipality", r->c[i].municipality);
		buf_printf(b, ",\"delivered\":%s}",
			   r->c[i].delivered ? "true" : "false");
		first = 0;
		report_out_flush(o, 0);
	}
	buf_adds(b, "],\"needs_person\":{");
	for (size_t i = 0; i < REPORT_NNEEDS; i++)
		json_kv_int(b, i == 0, report_needs[i].key,
			    (long long)r->nmsgs[i]);
	buf_adds(b, "}}\n");
}

/* ---- entry points ------------------------------------------------------ */

int
report_format_parse(const char *name, enum report_format *fmt_r)
{
	static const char *const names[] = { "text", "csv", "json", "html" };

	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			*fmt_r = (enum report_format)i;
			return 0;
		}
	return -1;
}

int
report_write(struct store *s, const struct config *cfg, const char *campaign,
	     enum report_format fmt, FILE *out, struct err *e)
{
	static const struct report_opts plain = { .k = REPORT_K_DEFAULT };

	return report_write_opts(s, cfg, campaign, fmt, &plain, out, e);
}

int
report_write_opts(struct store *s, const struct config *cfg,
		  const char *campaign, enum report_format fmt,
		  const struct report_opts *opt, FILE *out, struct err *e)
{
	struct report r = { .s = s, .opt = *opt };
	struct report_out o = { .fp = out, .wrap = fmt == REPORT_TEXT };
	int rc = -1;

	if (r.opt.k < 1)
		r.opt.k = REPORT_K_DEFAULT;
	buf_init(&o.b, 0);	/* flushed every 64 KiB by report_out_flush */
	/* each contact's answers: the CSV's rows, the cross-tables and
	 * the free text (masked when anonymised) read them */
	r.with_answers = 1;
	if (report_load(&r, cfg, campaign, e) < 0)
		goto done;
	if (fmt == REPORT_CSV)
		report_csv(&r, &o);
	else if (fmt == REPORT_JSON)
		report_json(&r, &o);
	else if (fmt == REPORT_HTML)
		report_html(&r, &o);
	else
		report_text(&r, &o);
	report_out_flush(&o, 1);
	if (r.failed) {
		err_set(e, "report %s: %s", campaign, r.err.msg);
		goto done;
	}
	if (o.failed || fflush(out) != 0 || ferror(out)) {
		err_set(e, "report %s: write error: %s", campaign,
			strerror(errno));
		goto done;
	}
	rc = 0;
done:
	buf_free(&o.b);
	report_free(&r);
	return rc;
}
