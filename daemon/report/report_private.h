/*
 * report_private.h -- what the report module's files share: the campaign
 * read into memory, per-question statistics and number formatting, so
 * each output format (report.c: text, CSV, JSON; report_html.c: HTML)
 * writes the same figures; never included outside daemon/report/report*.c.
 *
 * Use:     report_write (report.c) loads a struct report, then calls one
 *          writer; writers call report_qstat_init/_free per question,
 *          report_numstat for scales and numbers, report_texts for
 *          free text, report_fmt_percent, report_option_label and
 *          report_out_flush. digest.c loads a report the same way.
 * Owns:    struct report owns every string in it (report.c frees it).
 *          A report_qstat owns count/vals; free with report_qstat_free.
 *          Its q and optid point into r->sv: valid while r is.
 * Errors:  none here; a failed write sets report_out.failed.
 * Events:  none.
 * Config:  none.       Spec: see report.h (rounding, percent bases).
 * Tests:   tests/unit/test_report.c
 * Files:   report_anon.c: cross-tables, k-anonymity, masking.
 */
#ifndef ANKETA_REPORT_PRIVATE_H
#define ANKETA_REPORT_PRIVATE_H

#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/kind.h"
#include "report/report.h"
#include "store/store.h"
#include "model/survey.h"

#define REPORT_LANG "en"

/* Delivery states in store order, and the two kinds of mail counted. */
/* Delivery states a report shows: the store's, pending .. unknown (a
 * cancelled row is nobody's business but the queue's). */
#define REPORT_NDSTATES (STORE_D_UNKNOWN + 1)
#define REPORT_NDKINDS KIND_NCAMPAIGN	/* campaign mail: invite, reminder */

/* What needs a person, and where to look: the campaign's own messages,
 * or (any_campaign) also those no campaign could be found for. */
struct report_need {
	enum store_ikind kind;
	const char *key, *label;
	int any_campaign;
};
#define REPORT_NNEEDS 4
extern const struct report_need report_needs[REPORT_NNEEDS];

struct report_contact {
	int64_t id;
	char *email, *name, *municipality, *country, *language, *answered_by;
	int delivered, responded;
	char **ans;		/* [nq] current answer values, or NULL */
};

struct report_msg {
	char *from, *subject, *date, *reason;
};

struct report {
	struct store *s;
	struct report_opts opt;
	const char **mask;	/* report_mask's sorted names, addresses */
	size_t nmask;
	/* campaign */
	int64_t cid, qid;
	char *name, *kind, *reference, *deadline;
	const char *state;	/* campaign_state_name() at the store's clock */
	struct survey *sv;
	size_t nq;
	long counts[REPORT_NDKINDS][STORE_D_N];
	/* roster in email order, and an index by contact id */
	struct report_contact *c;
	size_t n, cap;
	struct report_contact **byid;
	long delivered, responded;
	long late;		/* responses recorded after the deadline */
	/* needs a person */
	struct report_msg *msgs[REPORT_NNEEDS];
	size_t nmsgs[REPORT_NNEEDS];
	/* each contact's answers in c[].ans: only a format that writes a
	 * row per contact (CSV) loads them; the figures come from the
	 * store's aggregates (report_qstat_init, report_texts) */
	int with_answers;
	/* the first store error met while writing (aggregates, texts) */
	int failed;
	struct err err;
};

/* One question's figures over the roster's current answers. */
struct report_qstat {
	const struct survey_question *q;
	long answered;
	size_t nopt;
	const char *const *optid;	/* nopt ids */
	long *count;			/* per option */
	long other;			/* values matching no option */
	long long *vals;		/* scale, number: sorted */
	size_t nvals;
};

/* mean, median ("3.5"), min, max of the sorted values. */
struct report_numstat {
	char mean[32], median[32];	/* rounded to tenths, for text */
	double mean_v;			/* exact, for JSON */
	long long min, max;
};

/* Text goes to b and is handed to fp every 64 KiB. */
struct report_out {
	struct buf b;
	FILE *fp;
	int failed;
	int wrap;	/* text: lines wrapped to 78 characters (textwrap.h) */
};

/* num/den with one decimal, rounded half away from zero: "66.7";
 * a zero den gives "0.0". */
void report_fmt_tenths(char out[32], long long num, long long den);
void report_fmt_percent(char out[32], long count, long n);

/* Counted by the store (store_answer_counts); a store error leaves the
 * figures empty and sets r->failed. */
void report_qstat_init(struct report_qstat *st, struct report *r,
		       size_t qi);
/* The non-empty free-text answers to question qi in roster order,
 * recorded at or after since (0: all), streamed from the store: cb gets
 * the contact's municipality and the text. A store error sets
 * r->failed. */
typedef void (*report_text_cb)(void *arg, const char *municipality,
			       const char *text);
void report_texts(struct report *r, size_t qi, int64_t since,
		  report_text_cb cb, void *arg);
/* Load campaign name into r (r->s set, r->with_answers chosen);
 * report_free releases it (also after a failed load). */
int report_load(struct report *r, const struct config *cfg,
		const char *name, struct err *e);
void report_free(struct report *r);
void report_qstat_free(struct report_qstat *st);
/* The option's English label, its id when it has none ("Yes"/"No"). */
const char *report_option_label(const struct report *r,
				const struct report_qstat *st, size_t k);
void report_numstat(const struct report_qstat *st,
		    struct report_numstat *ns);
/* Writes the buffer out once it is large (force: always). */
void report_out_flush(struct report_out *o, int force);

/* ---- report_anon.c: cross-tables and publication ---- */

/* The municipality key of a contact (the one place it is read). */
const char *report_town(const struct report_contact *c);
/* 1: a count to hide (anonymise, 0 < n < k). */
int report_hide(const struct report *r, long n);
/* n flags (caller frees): 1 where a contact's municipality may be shown,
 * i.e. not anonymised, or k contacts of the roster share it. */
unsigned char *report_town_shared(const struct report *r);
/* 1: a closed question (options to count: yes/no, single, multi, date). */
int report_closed(const struct survey_question *q);
/* 1: the answers to a text question may be shown (not anonymised, or
 * the questionnaire marks it publishable). */
int report_text_shown(const struct report *r, const struct survey_question *q);
/* text into out (emptied first), every name and address of the roster
 * and every telephone number in it replaced by "[removed]". */
void report_mask(struct report *r, const char *text, struct buf *out);

enum report_by { REPORT_BY_COUNTRY, REPORT_BY_TOWN };
/* Respondents of one closed question by group (sorted; "?" unknown):
 * resp[g] answered, cell[g * nopt + o] chose option o. */
struct report_xtab {
	size_t n, nopt;
	const char **group;	/* borrowed from the roster */
	long *resp, *cell;
};
void report_xtab_init(struct report_xtab *x, const struct report *r,
		      const struct report_qstat *st, size_t qi,
		      enum report_by by);
void report_xtab_free(struct report_xtab *x);

/* report_html.c: the whole page. */
void report_html(struct report *r, struct report_out *o);
/* s HTML-escaped into b (NULL: nothing), at most max characters and then
 * an ellipsis; what XML cannot carry becomes U+FFFD. */
void report_html_esc(struct buf *b, const char *s, size_t max);

#endif
