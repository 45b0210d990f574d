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
#include "model/survey.h"
#include "base/textcol.h"
#include "base/xmem.h"


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

struct needs_ctx {
	struct report *r;
	size_t i;
};

static int
inbound_cb(void *arg, int64_t id, const struct store_inbound *m)
{
	struct needs_ctx *x = arg;
	struct report *r = x->r;
	struct report_msg *msg;

	(void)id;
	if (report_needs[x->i].any_campaign && m->campaign_id != 0 &&
	    m->campaign_id != r->cid)
		return 0;	/* another campaign's problem */
	r->msgs[x->i] = xreallocarray(r->msgs[x->i], r->nmsgs[x->i] + 1,
				      sizeof(**r->msgs));
	msg = &r->msgs[x->i][r->nmsgs[x->i]++];
	msg->from = dup0(m->kind == STORE_I_BOUNCE && m->bounce_recipient ?
			 m->bounce_recipient : m->from_addr);
	msg->subject = dup0(m->subject);
	msg->date = dup0(m->date);
	msg->reason = dup0(m->kind == STORE_I_BOUNCE && m->bounce_diag ?
			   m->bounce_diag : m->reason);
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
	for (size_t i = 0; i < REPORT_NNEEDS; i++) {
		struct needs_ctx x = { r, i };

		if (store_inbound_each(r->s, (int)report_needs[i].kind,
				       report_needs[i].any_campaign ? 0 :
				       r->cid,
				       inbound_cb, &x, e) < 0)
			return -1;
	}
	return 0;
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

/* Keep memory flat for 100,000 contacts: hand text to stdio often. */
void
report_out_flush(struct report_out *o, int force)
{
	if (!force && o->b.len < 65536)
		return;
	if (o->b.len && fwrite(o->b.data, 1, o->b.len, o->fp) != o->b.len)
		o->failed = 1;
	buf_reset(&o->b);
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
	buf_printf(b, "\nResponses: %ld of %ld delivered (%s%%)\n",
		   r->responded, r->delivered, pct);
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

static void
text_answer_cb(void *arg, const char *municipality, const char *text)
{
	struct report_out *o = arg;

	text_answer(&o->b, *municipality ? municipality : "?", text);
	report_out_flush(o, 0);
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
		buf_printf(b, "  %*ld  %5s%%\n", (int)cw, st->count[k], pct);
	}
	if (st->other)
		buf_printf(b, "  (%ld answers match no option)\n", st->other);
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
		if (st.nvals > 0)
			buf_printf(b, "  n %zu  mean %s  median %s  min %lld  "
				   "max %lld\n", st.nvals, ns.mean,
				   ns.median, ns.min, ns.max);
		break;
	case SURVEY_TEXT:
		report_texts(r, qi, 0, text_answer_cb, o);
		break;
	default:
		text_options(r, &st, b);
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
	for (size_t i = 0; i < r->n; i++) {
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
		for (size_t k = 0; k < r->nmsgs[i]; k++) {
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

static void
report_csv(struct report *r, struct report_out *o)
{
	static const char *const fixed[] = {
		"email", "name", "municipality", "country", "language",
		"delivered", "responded", "answered_by",
	};
	const size_t nf = sizeof(fixed) / sizeof(fixed[0]);
	const char **row = xcalloc(nf + r->nq, sizeof(*row));

	for (size_t k = 0; k < nf; k++)
		row[k] = fixed[k];
	for (size_t q = 0; q < r->nq; q++)
		row[nf + q] = survey_question(r->sv, q)->id;
	report_out_flush(o, 1);
	if (csv_write_row(o->fp, row, nf + r->nq) < 0)
		o->failed = 1;
	for (size_t i = 0; i < r->n && !o->failed; i++) {
		struct report_contact *c = &r->c[i];

		row[0] = c->email;
		row[1] = c->name;
		row[2] = c->municipality;
		row[3] = c->country;
		row[4] = c->language;
		row[5] = c->delivered ? "yes" : "no";
		row[6] = c->responded ? "yes" : "no";
		row[7] = c->answered_by;
		for (size_t q = 0; q < r->nq; q++)
			row[nf + q] = c->ans[q];
		if (csv_write_row(o->fp, row, nf + r->nq) < 0)
			o->failed = 1;
	}
	free(row);
}

/* ---- JSON: one object, stable keys ------------------------------------ */

static void
json_tenths(struct buf *b, const char *key, const char *num)
{
	buf_printf(b, ",\"%s\":%s", key, num);
}

struct json_texts {
	struct report_out *o;
	int first;
};

static void
json_text_cb(void *arg, const char *municipality, const char *text)
{
	struct json_texts *x = arg;
	struct buf *b = &x->o->b;

	buf_adds(b, x->first ? "{" : ",{");
	json_kv_str(b, 1, "municipality", municipality);
	json_kv_str(b, 0, "text", text);
	buf_addc(b, '}');
	x->first = 0;
	report_out_flush(x->o, 0);
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
		if (st.nvals > 0) {
			json_kv_num(b, 0, "mean", ns.mean_v);
			json_tenths(b, "median", ns.median);
			json_kv_int(b, 0, "min", ns.min);
			json_kv_int(b, 0, "max", ns.max);
		}
	} else if (st.q->type == SURVEY_TEXT) {
		struct json_texts x = { o, 1 };

		buf_adds(b, ",\"answers\":[");
		report_texts(r, qi, 0, json_text_cb, &x);
		buf_addc(b, ']');
	} else {
		buf_adds(b, ",\"options\":[");
		for (size_t k = 0; k < st.nopt; k++) {
			char pct[32];

			report_fmt_percent(pct, st.count[k], st.answered);
			buf_adds(b, k ? ",{" : "{");
			json_kv_str(b, 1, "id", st.optid[k]);
			json_kv_str(b, 0, "label",
				    report_option_label(r, &st, k));
			json_kv_int(b, 0, "count", st.count[k]);
			json_tenths(b, "percent", pct);
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
	for (size_t i = 0; i < r->n; i++) {
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
	struct report r = { .s = s };
	struct report_out o = { .fp = out };
	int rc = -1;

	buf_init(&o.b, 0);	/* flushed every 64 KiB by report_out_flush */
	r.with_answers = fmt == REPORT_CSV;
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
