/*
 * report_html.c -- the campaign report as one self-contained HTML5 page
 * for the research report: inline CSS, inline SVG charts, no scripts, no
 * external resources. Never computes a figure of its own: every number
 * comes from report_private.h, the same as text and JSON use.
 *
 * Escaping is by construction: text from respondents, contacts and the
 * questionnaire reaches the page only through esc_max(), which is safe
 * in element content and in quoted attributes alike. Markup literals are
 * written with buf_adds; buf_printf only ever formats numbers here.
 * The page is also well-formed XML (XHTML-compatible), so an XML parser
 * can read it. Each number the JSON report has is marked
 * data-key="questions.ID.options.OID.count" etc. (see report.h).
 */
#include "base/kind.h"
#include "report/report_private.h"

#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "model/survey.h"
#include "base/xmem.h"

#define REPL "\xef\xbf\xbd"	/* U+FFFD for bytes XML cannot carry */
#define LABEL_MAX 48		/* code points of a label inside a chart */
#define BAR_W 300		/* px of a 100 % bar */
#define HIST_MAXBINS 12

/* ---- escaping: the one writer for all text ---------------------------- */

/* Length of the valid UTF-8 sequence at p for a character XML 1.0 and
 * HTML both accept, or 0 (invalid, C0/C1 control, surrogate, U+FFFE/F). */
static size_t
utf8_ok(const unsigned char *p)
{
	unsigned long cp;
	size_t n;

	if (*p < 0x80)
		return *p >= 0x20 ? *p != 0x7f : *p == '\t' || *p == '\n';
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2, cp = *p & 0x1f;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3, cp = *p & 0x0f;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4, cp = *p & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp <= 0x9f || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* Appends s (NULL: nothing) with & < > " ' as references, at most max
 * characters and then an ellipsis. CR is dropped (answers keep CRLF);
 * what XML cannot carry becomes U+FFFD, so the page always parses. */
static void
esc_max(struct buf *b, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (size_t k = 0; p && *p; p += n ? n : 1) {
		n = utf8_ok(p);
		if (*p == '\r')
			continue;
		if (k++ == max) {
			buf_adds(b, "\xe2\x80\xa6");
			return;
		}
		switch (n ? *p : 0) {
		case 0: buf_adds(b, REPL); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_add(b, p, n);
		}
	}
}

void
report_html_esc(struct buf *b, const char *s, size_t max)
{
	esc_max(b, s, max);
}

static void
esc(struct buf *b, const char *s)
{
	esc_max(b, s, SIZE_MAX);
}

/* <tag>text</tag>; open is a literal start tag such as "<td>". */
static void
elem(struct buf *b, const char *open, const char *text, const char *close)
{
	buf_adds(b, open);
	esc(b, text);
	buf_adds(b, close);
}

/* <tag data-key="key">num</tag>: a figure the JSON report also has. */
static void
keyed(struct buf *b, const char *tag, const struct buf *key, const char *num)
{
	buf_printf(b, "<%s data-key=\"", tag);
	esc(b, key->data);
	buf_adds(b, "\">");
	esc(b, num);
	buf_printf(b, "</%s>", tag);
}

static void
keyed_long(struct buf *b, const char *tag, const struct buf *key, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	keyed(b, tag, key, num);
}

/* ---- page frame ------------------------------------------------------- */

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,"
	"'Noto Sans',sans-serif;color:#1b1b1b;max-width:60rem;"
	"margin:0 auto;padding:1rem;line-height:1.4}"
	"h1{font-size:1.6rem;margin-bottom:.2rem}"
	"h2{font-size:1.3rem;border-bottom:2px solid #2a6f97;"
	"margin-top:2rem}"
	"h3{font-size:1.05rem;margin-bottom:.3rem}"
	"table{border-collapse:collapse;margin:.5rem 0}"
	"th,td{border:1px solid #ccd;padding:.2rem .5rem;text-align:left;"
	"vertical-align:top}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"thead th,tfoot th{background:#eef3f7}"
	".meta{color:#555;margin:.2rem 0}"
	".q{break-inside:avoid;margin-bottom:1.5rem}"
	".chart{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}"
	"svg{max-width:100%;height:auto}"
	"svg text{font:12px system-ui,sans-serif;fill:#1b1b1b}"
	"svg .track{fill:#eef3f7}svg .bar{fill:#2a6f97}"
	"ul.answers{padding-left:1.2rem}"
	"ul.answers li{margin:.3rem 0;white-space:pre-line}"
	".who{font-weight:600}.who::after{content:': '}"
	".xtabs{display:flex;flex-wrap:wrap;gap:1rem}"
	/* wide tables scroll inside a narrow screen, never past it */
	"table.deliveries,table.xtab,table.roster{display:block;"
	"max-width:100%;overflow-x:auto}"
	"table.xtab caption{text-align:left;font-weight:600}"
	"svg text.lbl{font-size:11px}"
	"@media print{body{max-width:none}h2{break-after:avoid}}";

static void
page_head(struct report *r, struct buf *b)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		 "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" "
		 "content=\"width=device-width, initial-scale=1\"/>\n");
	elem(b, "<title>Campaign ", r->name, ": results</title>\n");
	buf_adds(b, "<style>");
	buf_adds(b, css);
	buf_adds(b, "</style>\n</head>\n<body>\n");
	elem(b, "<h1>Campaign ", r->name, "</h1>\n");
	if (r->sv) {
		elem(b, "<p class=\"meta\">Questionnaire: ",
		     survey_title(r->sv, REPORT_LANG), " (");
		esc(b, survey_id(r->sv));
		buf_adds(b, ")</p>\n");
	}
}

static void
fact(struct buf *b, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	elem(b, "<tr><th scope=\"row\">", name, "</th>");
	elem(b, "<td>", value, "</td></tr>\n");
}

static void
page_facts(struct report *r, struct buf *b)
{
	buf_adds(b, "<h2>Campaign</h2>\n<table class=\"facts\">\n");
	fact(b, "Name", r->name);
	fact(b, "Kind", r->kind);
	fact(b, "Reference", r->reference);
	fact(b, "Deadline", r->deadline);
	if (r->sv)
		fact(b, "Questionnaire", survey_id(r->sv));
	buf_adds(b, "</table>\n");
}

static void
page_deliveries(struct report *r, struct buf *b, struct buf *key)
{
	char pct[32];

	buf_adds(b, "<h2>Deliveries</h2>\n<table class=\"deliveries\">\n"
		 "<thead><tr><th scope=\"col\">Mail</th>");
	for (size_t i = 0; i < REPORT_NDSTATES; i++)
		elem(b, "<th scope=\"col\" class=\"n\">",
		     store_dstate_name(i), "</th>");
	buf_adds(b, "</tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < REPORT_NDKINDS; k++) {
		elem(b, "<tr><th scope=\"row\">", kind_name(k), "</th>");
		for (size_t i = 0; i < REPORT_NDSTATES; i++) {
			buf_reset(key);
			buf_printf(key, "deliveries.%s.%s", kind_name(k),
				   store_dstate_name(i));
			buf_adds(b, "<td class=\"n\">");
			keyed_long(b, "span", key, r->counts[k][i]);
			buf_adds(b, "</td>");
		}
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</tbody>\n</table>\n<h2>Responses</h2>\n<p>");
	buf_reset(key);
	buf_adds(key, "responses.responded");
	keyed_long(b, "strong", key, r->responded);
	buf_adds(b, " of ");
	buf_reset(key);
	buf_adds(key, "responses.delivered");
	keyed_long(b, "strong", key, r->delivered);
	buf_adds(b, " contacts who were sent the invitation answered (");
	report_fmt_percent(pct, r->responded, r->delivered);
	buf_reset(key);
	buf_adds(key, "responses.rate");
	keyed(b, "strong", key, pct);
	buf_adds(b, "%); the audience has ");
	buf_reset(key);
	buf_adds(key, "responses.contacts");
	keyed_long(b, "span", key, (long long)r->n);
	buf_adds(b, " contacts; ");
	buf_reset(key);
	buf_adds(key, "responses.late");
	keyed_long(b, "span", key, r->late);
	buf_adds(b, " answers came after the deadline.</p>\n");
}

/* ---- charts ----------------------------------------------------------- */

/* Opens an <svg> whose accessible name is its <title>: the caller
 * writes the title's text, then closes it with svg_title_end. */
static void
svg_open(struct buf *b, const char *id, const char *suffix, int w, int h)
{
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
		   "role=\"img\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" aria-labelledby=\"", w, h, w, h);
	esc(b, id);
	buf_adds(b, suffix);
	buf_adds(b, "\"><title id=\"");
	esc(b, id);
	buf_adds(b, suffix);
	buf_adds(b, "\">");
}

/* Horizontal bars, one per option: label above, count and percent of
 * those who answered beside the bar. */
static void
bar_chart(struct report *r, struct report_qstat *st, const char *id,
	  struct buf *b)
{
	const int row = 38;

	svg_open(b, id, "-chart", BAR_W + 110, (int)st->nopt * row + 4);
	buf_printf(b, "Q%d. ", st->q->number);
	esc(b, survey_qtext(r->sv, st->q, REPORT_LANG));
	for (size_t k = 0; k < st->nopt; k++) {
		char pct[32];

		report_fmt_percent(pct, st->count[k], st->answered);
		buf_adds(b, k ? "; " : ": ");
		esc(b, report_option_label(r, st, k));
		if (report_hide(r, st->count[k]))
			buf_printf(b, " fewer than %ld", r->opt.k);
		else
			buf_printf(b, " %ld (%s%%)", st->count[k], pct);
	}
	buf_adds(b, "</title>\n");
	for (size_t k = 0; k < st->nopt; k++) {
		int y = (int)k * row;
		long w = st->answered ?
			 (st->count[k] * BAR_W * 2 + st->answered) /
			 (2 * st->answered) : 0;
		char pct[32], num[64];

		report_fmt_percent(pct, st->count[k], st->answered);
		if (report_hide(r, st->count[k])) {
			w = 0;
			snprintf(num, sizeof(num), "<%ld", r->opt.k);
		} else {
			snprintf(num, sizeof(num), "%ld (%s%%)", st->count[k],
				 pct);
		}
		buf_printf(b, "<text x=\"0\" y=\"%d\">", y + 13);
		esc_max(b, report_option_label(r, st, k), LABEL_MAX);
		buf_printf(b, "</text><rect class=\"track\" x=\"0\" y=\"%d\" "
			   "width=\"%d\" height=\"16\"/><rect class=\"bar\" "
			   "x=\"0\" y=\"%d\" width=\"%ld\" height=\"16\"/>"
			   "<text x=\"%d\" y=\"%d\">", y + 18, BAR_W, y + 18, w,
			   BAR_W + 6, y + 31);
		esc(b, num);
		buf_adds(b, "</text>\n");
	}
	buf_adds(b, "</svg>\n");
}

/* A count of fewer than k respondents, not shown. */
static void
hidden_cell(struct report *r, struct buf *b)
{
	buf_printf(b, "<span class=\"hidden\" title=\"fewer than %ld\">"
		   "&lt;%ld</span>", r->opt.k, r->opt.k);
}

/* A count, or hidden. */
static void
count_cell(struct report *r, struct buf *b, long n)
{
	if (report_hide(r, n))
		hidden_cell(r, b);
	else
		buf_printf(b, "%ld", n);
}

/* The options by country or municipality: a row per group. */
static void
xtab_table(struct report *r, struct report_qstat *st, size_t qi,
	   enum report_by by, struct buf *b)
{
	struct report_xtab x;

	report_xtab_init(&x, r, st, qi, by);
	buf_adds(b, by == REPORT_BY_COUNTRY ?
		 "<table class=\"xtab\"><caption>By country</caption>" :
		 "<table class=\"xtab\"><caption>By municipality</caption>");
	buf_adds(b, "<thead><tr><th scope=\"col\"></th><th scope=\"col\" "
		 "class=\"n\">n</th>");
	for (size_t o = 0; o < x.nopt; o++)
		elem(b, "<th scope=\"col\" class=\"n\">",
		     report_option_label(r, st, o), "</th>");
	buf_adds(b, "</tr></thead>\n<tbody>\n");
	for (size_t g = 0; g < x.n; g++) {
		elem(b, "<tr><th scope=\"row\">", x.group[g],
		     "</th><td class=\"n\">");
		count_cell(r, b, x.resp[g]);
		buf_adds(b, "</td>");
		for (size_t o = 0; o < x.nopt; o++) {
			buf_adds(b, "<td class=\"n\">");
			count_cell(r, b, x.cell[g * x.nopt + o]);
			buf_adds(b, "</td>");
		}
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</tbody></table>\n");
	report_xtab_free(&x);
}

/* The chart's numbers as a table, each marked with its JSON path. */
static void
count_table(struct report *r, struct report_qstat *st, const char *id,
	    struct buf *b, struct buf *key)
{
	buf_adds(b, "<table class=\"counts\"><thead><tr><th scope=\"col\">"
		 "Answer</th><th scope=\"col\" class=\"n\">Count</th>"
		 "<th scope=\"col\" class=\"n\">Percent</th></tr></thead>"
		 "\n<tbody>\n");
	for (size_t k = 0; k < st->nopt; k++) {
		char pct[32];

		report_fmt_percent(pct, st->count[k], st->answered);
		elem(b, "<tr><th scope=\"row\">",
		     report_option_label(r, st, k), "</th><td class=\"n\">");
		buf_reset(key);
		buf_printf(key, "questions.%s.options.%s.count", id,
			   st->optid[k]);
		if (report_hide(r, st->count[k])) {
			hidden_cell(r, b);
			buf_adds(b, "</td><td class=\"n\">&#8212;</td></tr>\n");
			continue;
		}
		keyed_long(b, "span", key, st->count[k]);
		buf_adds(b, "</td><td class=\"n\">");
		buf_reset(key);
		buf_printf(key, "questions.%s.options.%s.percent", id,
			   st->optid[k]);
		keyed(b, "span", key, pct);
		buf_adds(b, "%</td></tr>\n");
	}
	buf_adds(b, "</tbody>\n<tfoot><tr><th scope=\"row\">Matching no "
		 "option</th><td class=\"n\">");
	buf_reset(key);
	buf_printf(key, "questions.%s.other", id);
	keyed_long(b, "span", key, st->other);
	buf_adds(b, "</td><td></td></tr></tfoot>\n</table>\n");
}

/* Bins of a histogram: one per value of a short scale, one per distinct
 * value when there are few, else HIST_MAXBINS equal ranges. */
struct hist {
	size_t n;
	long long lo[HIST_MAXBINS], hi[HIST_MAXBINS];
	long count[HIST_MAXBINS];
};

static void
hist_bins(const struct report_qstat *st, struct hist *h)
{
	const long long *v = st->vals;
	long long lo = v[0], hi = v[st->nvals - 1];
	unsigned long long range, step;	/* no overflow */
	size_t distinct = 1;

	if (st->q->type == SURVEY_SCALE && st->q->has_min && st->q->has_max &&
	    st->q->min <= lo && hi <= st->q->max &&
	    st->q->max - st->q->min < HIST_MAXBINS)
		lo = st->q->min, hi = st->q->max;
	for (size_t i = 1; i < st->nvals; i++)
		distinct += v[i] != v[i - 1];
	memset(h, 0, sizeof(*h));
	range = (unsigned long long)hi - (unsigned long long)lo;
	if (range < HIST_MAXBINS) {
		for (long long x = lo; x <= hi; x++, h->n++)
			h->lo[h->n] = h->hi[h->n] = x;
	} else if (distinct <= HIST_MAXBINS) {
		for (size_t i = 0; i < st->nvals; i++)
			if (i == 0 || v[i] != v[i - 1]) {
				h->lo[h->n] = h->hi[h->n] = v[i];
				h->n++;
			}
	} else {
		step = range / HIST_MAXBINS + 1;
		for (unsigned long long off = 0; h->n < HIST_MAXBINS;
		     h->n++, off += step) {
			h->lo[h->n] = (long long)((unsigned long long)lo + off);
			h->hi[h->n] = range - off < step ? hi :
				      (long long)((unsigned long long)lo + off +
						  step - 1);
			if (range - off < step) {
				h->n++;
				break;
			}
		}
	}
	for (size_t i = 0, k = 0; i < st->nvals; i++) {
		while (k + 1 < h->n && v[i] > h->hi[k])
			k++;
		h->count[k]++;
	}
}

static void
hist_label(char out[48], const struct hist *h, size_t k)
{
	if (h->lo[k] == h->hi[k])
		snprintf(out, 48, "%lld", h->lo[k]);
	else
		snprintf(out, 48, "%lld\xe2\x80\x93%lld", h->lo[k], h->hi[k]);
}

/* px of a histogram column: wide enough for its widest label at 12 px
 * (7 px a character, a range's dash included), so none overlap. */
static int
hist_col(const struct hist *h)
{
	size_t widest = 0;
	char lbl[48];

	for (size_t k = 0; k < h->n; k++) {
		size_t n = 0;

		hist_label(lbl, h, k);
		for (const char *p = lbl; *p; p++)
			n += ((unsigned char)*p & 0xc0) != 0x80;
		widest = n > widest ? n : widest;
	}
	return widest * 7 + 12 > 44 ? (int)widest * 7 + 12 : 44;
}

static void
histogram(struct report *r, struct report_qstat *st, const char *id,
	  struct buf *b)
{
	const int top = 16, hmax = 90;
	struct hist h;
	long most = 1;
	char lbl[48];
	int col;

	if (st->nvals == 0 || report_hide(r, (long)st->nvals)) {
		svg_open(b, id, "-hist", 240, 40);
		buf_printf(b, "Q%d: no answers to show</title>\n<text x=\"0\" "
			   "y=\"24\">%s</text></svg>\n", st->q->number,
			   st->nvals ? "Too few answers to show" :
			   "No answers yet");
		return;
	}
	hist_bins(st, &h);
	col = hist_col(&h);
	for (size_t k = 0; k < h.n; k++)
		most = h.count[k] > most ? h.count[k] : most;
	svg_open(b, id, "-hist", (int)h.n * col, top + hmax + 20);
	buf_printf(b, "Q%d. ", st->q->number);
	esc(b, survey_qtext(r->sv, st->q, REPORT_LANG));
	for (size_t k = 0; k < h.n; k++) {
		hist_label(lbl, &h, k);
		buf_printf(b, "%s%s: %ld", k ? "; " : ": ", lbl, h.count[k]);
	}
	buf_adds(b, "</title>\n");
	for (size_t k = 0; k < h.n; k++) {
		int x = (int)k * col, bh = (int)(h.count[k] * hmax / most);

		hist_label(lbl, &h, k);
		buf_printf(b, "<rect class=\"bar\" x=\"%d\" y=\"%d\" "
			   "width=\"%d\" height=\"%d\"/><text x=\"%d\" "
			   "y=\"%d\" text-anchor=\"middle\">%ld</text>"
			   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
			   "%s</text>\n", x + 4, top + hmax - bh, col - 8, bh,
			   x + col / 2, top + hmax - bh - 3, h.count[k],
			   x + col / 2, top + hmax + 15, lbl);
	}
	buf_adds(b, "</svg>\n");
}

/* n, mean, median, min, max as a table (and the histogram beside it). */
static void
numbers(struct report *r, struct report_qstat *st, const char *id,
	struct buf *b, struct buf *key)
{
	static const char *const names[] = { "n", "mean", "median", "min",
					     "max" };
	struct report_numstat ns;
	char v[5][32];

	report_numstat(st, &ns);
	snprintf(v[0], 32, "%zu", st->nvals);
	memcpy(v[1], ns.mean, 32);
	memcpy(v[2], ns.median, 32);
	snprintf(v[3], 32, "%lld", ns.min);
	snprintf(v[4], 32, "%lld", ns.max);
	buf_adds(b, "<div class=\"chart\">\n<table class=\"stats\"><tbody>\n");
	for (size_t i = 0; i < (st->nvals && !report_hide(r, (long)st->nvals) ? 5u : 1u); i++) {
		elem(b, "<tr><th scope=\"row\">", names[i],
		     "</th><td class=\"n\">");
		buf_reset(key);
		buf_printf(key, "questions.%s.%s", id, names[i]);
		keyed(b, "span", key, v[i]);
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</tbody></table>\n");
	histogram(r, st, id, b);
	buf_adds(b, "</div>\n");
}

static void
free_text(struct report *r, size_t qi, struct report_out *o)
{
	struct buf *b = &o->b, m;
	int any = 0;

	if (!report_text_shown(r, survey_question(r->sv, qi))) {
		buf_adds(b, "<p>Free text left out: not marked publishable."
			 "</p>\n");
		return;
	}
	buf_init(&m, 0);
	for (size_t i = 0; i < r->n; i++) {
		const struct report_contact *c = &r->c[i];
		const char *a = c->ans ? c->ans[qi] : NULL;

		if (a == NULL || *a == '\0')
			continue;
		buf_adds(b, any ? "<li>" : "<ul class=\"answers\">\n<li>");
		if (r->opt.anonymise) {
			report_mask(r, a, &m);
			a = buf_cstr(&m);
		} else {
			elem(b, "<span class=\"who\">", *report_town(c) ?
			     report_town(c) : "?", "</span>");
		}
		elem(b, "<span class=\"a\">", a, "</span></li>\n");
		any = 1;
		report_out_flush(o, 0);
	}
	buf_free(&m);
	buf_adds(b, any ? "</ul>\n" : "<p>No answers.</p>\n");
}

static void
question(struct report *r, size_t qi, struct report_out *o, struct buf *key)
{
	struct report_qstat st;
	struct buf *b = &o->b;
	const char *id;

	report_qstat_init(&st, r, qi);
	id = st.q->id;
	elem(b, "<div class=\"q\" id=\"q-", id, "\">\n<h3>Q");
	buf_reset(key);
	buf_printf(key, "questions.%s.number", id);
	keyed_long(b, "span", key, st.q->number);
	elem(b, ". ", survey_qtext(r->sv, st.q, REPORT_LANG), "</h3>\n");
	elem(b, "<p class=\"meta\">", survey_qtype_name(st.q->type), ", ");
	buf_reset(key);
	buf_printf(key, "questions.%s.answered", id);
	keyed_long(b, "span", key, st.answered);
	buf_adds(b, st.q->type == SURVEY_MULTI ?
		 " answered; percent of those who answered, several "
		 "choices each</p>\n" : " answered</p>\n");
	if (st.q->type == SURVEY_SCALE || st.q->type == SURVEY_NUMBER) {
		numbers(r, &st, id, b, key);
	} else if (st.q->type == SURVEY_TEXT) {
		free_text(r, qi, o);
	} else {
		buf_adds(b, "<div class=\"chart\">\n");
		bar_chart(r, &st, id, b);
		count_table(r, &st, id, b, key);
		buf_adds(b, "</div>\n<div class=\"xtabs\">\n");
		xtab_table(r, &st, qi, REPORT_BY_COUNTRY, b);
		xtab_table(r, &st, qi, REPORT_BY_TOWN, b);
		buf_adds(b, "</div>\n");
	}
	buf_adds(b, "</div>\n");
	report_qstat_free(&st);
}

/* ---- people and problems ---------------------------------------------- */

static void
roster(struct report *r, struct report_out *o)
{
	struct buf *b = &o->b;
	long n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += !r->c[i].responded;
	buf_printf(b, "<h2 id=\"not-answered\">Not answered (%ld)</h2>\n", n);
	if (n == 0 || r->opt.anonymise)
		return;
	buf_adds(b, "<table class=\"roster\"><thead><tr><th scope=\"col\">"
		 "E-mail</th><th scope=\"col\">Name</th><th scope=\"col\">"
		 "Municipality</th><th scope=\"col\">Invitation</th></tr>"
		 "</thead>\n<tbody>\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct report_contact *c = &r->c[i];

		if (c->responded)
			continue;
		elem(b, "<tr><td>", c->email, "</td>");
		elem(b, "<td>", c->name, "</td>");
		elem(b, "<td>", c->municipality, "</td>");
		buf_adds(b, c->delivered ? "<td>sent</td></tr>\n" :
			 "<td>not delivered</td></tr>\n");
		report_out_flush(o, 0);
	}
	buf_adds(b, "</tbody></table>\n");
}

static void
needs(struct report *r, struct buf *b, struct buf *key)
{
	buf_adds(b, "<h2 id=\"needs-a-person\">Needs a person</h2>\n");
	for (size_t i = 0; i < REPORT_NNEEDS; i++) {
		elem(b, "<h3>", report_needs[i].label, " (");
		buf_reset(key);
		buf_printf(key, "needs_person.%s", report_needs[i].key);
		keyed_long(b, "span", key, (long long)r->nmsgs[i]);
		buf_adds(b, ")</h3>\n");
		if (r->nmsgs[i] == 0 || r->opt.anonymise)
			continue;
		buf_adds(b, "<table><thead><tr><th scope=\"col\">Date</th>"
			 "<th scope=\"col\">From</th><th scope=\"col\">"
			 "Subject</th><th scope=\"col\">Reason</th></tr>"
			 "</thead>\n<tbody>\n");
		for (size_t k = 0; k < r->nmsgs[i]; k++) {
			const struct report_msg *m = &r->msgs[i][k];

			elem(b, "<tr><td>", m->date, "</td>");
			elem(b, "<td>", m->from, "</td>");
			elem(b, "<td>", m->subject, "</td>");
			elem(b, "<td>", m->reason, "</td></tr>\n");
		}
		buf_adds(b, "</tbody></table>\n");
	}
}

void
report_html(struct report *r, struct report_out *o)
{
	struct buf key;

	buf_init(&key, 0);
	page_head(r, &o->b);
	page_facts(r, &o->b);
	page_deliveries(r, &o->b, &key);
	if (r->nq)
		buf_adds(&o->b, "<h2>Questions</h2>\n");
	for (size_t q = 0; q < r->nq; q++) {
		question(r, q, o, &key);
		report_out_flush(o, 0);
	}
	roster(r, o);
	needs(r, &o->b, &key);
	buf_adds(&o->b, "<p class=\"meta\">Made by anketa. Percentages are "
		 "of the contacts who answered each question; the response "
		 "rate is of those sent the invitation.</p>\n</body>\n"
		 "</html>\n");
	buf_free(&key);
}
