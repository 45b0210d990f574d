/*
 * answers.c -- read a respondent's answers out of a reply; see answers.h.
 *
 * A reply is split into lines, and each line is classified: a question
 * header "Q<n>." (the form's own line), an answer line ("A<n>: ...",
 * "<n>: ...", "<n>) ...", "Q<n>: ...", "Vraag <n>: ...", "<n>. ...",
 * a table row), a form marker, where a signature starts, a postscript,
 * or anything else. An answer runs from its line to the next header,
 * answer line, marker or signature. An answer in both the new text and
 * the quoted form that differs is kept unconfirmed; a postscript naming
 * a question replaces its answer. The new text is searched first, then the quoted form; ticks
 * ("[x] a) Education") inside a question's block count when no answer
 * line holds a value. Comparisons go through answers_fold(): lower case,
 * no diacritics, Cyrillic included: "ОБРАЗОВАНИЕ" matches "Образование",
 * "vzdelavani" matches "Vzdělávání". The lines are read in
 * answers_lines.c, each raw answer made a value in answers_norm.c.
 */
#include "base/lang.h"
#include "receive/answers.h"
#include "receive/answers_private.h"
#include "receive/answers_values.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "model/form.h"
#include "base/xmem.h"

struct answer {
	char *qid;
	char *value;
	int unconfirmed;	/* read, but not sure: asked back */
};

/* ---- folding ----------------------------------------------------------- */

/* Base letters for U+00C0..U+00FF and U+0100..U+017F; '?' keeps the
 * character (multiplication and division signs). */
static const char fold_latin1[] =
	"aaaaaaaceeeeiiiidnooooo?ouuuuyts"
	"aaaaaaaceeeeiiiidnooooo?ouuuuyty";
static const char fold_latin_a[] =
	"aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh"
	"iiiiiiiiii" "ii" "jj" "kkk" "llllllllll" "nnnnnnnnn" "oooooo" "oo"
	"rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy" "zzzzzz" "s";
_Static_assert(sizeof(fold_latin1) == 65, "Latin-1 fold table");
_Static_assert(sizeof(fold_latin_a) == 129, "Latin Extended-A fold table");

/* Decode one UTF-8 sequence; invalid bytes decode as themselves so that
 * broken input still compares (and never reads past the end). */
static unsigned
u8dec(const unsigned char *p, size_t *len)
{
	unsigned c = p[0];
	size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 :
		   (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;

	if (n == 0) {
		*len = 1;
		return c;
	}
	c &= n == 1 ? 0x7F : 0x7F >> n;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*len = 1;
			return p[0];
		}
		c = (c << 6) | (p[i] & 0x3F);
	}
	*len = n;
	return c;
}

static void
u8enc(struct buf *b, unsigned c)
{
	char s[4];

	if (c < 0x80) {
		s[0] = (char)c;
		buf_add(b, s, 1);
	} else if (c < 0x800) {
		s[0] = (char)(0xC0 | (c >> 6));
		s[1] = (char)(0x80 | (c & 0x3F));
		buf_add(b, s, 2);
	} else if (c < 0x10000) {
		s[0] = (char)(0xE0 | (c >> 12));
		s[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[2] = (char)(0x80 | (c & 0x3F));
		buf_add(b, s, 3);
	} else {
		s[0] = (char)(0xF0 | (c >> 18));
		s[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[3] = (char)(0x80 | (c & 0x3F));
		buf_add(b, s, 4);
	}
}

/* One code point folded; 0 means "drop it" (combining marks). */
static unsigned
fold_cp(unsigned c)
{
	if (c < 0x80)
		return (unsigned)tolower((int)c);
	if (c == 0xA0 || c == 0x202F || c == 0x2007)
		return ' ';
	if (c >= 0xC0 && c <= 0xFF && fold_latin1[c - 0xC0] != '?')
		return (unsigned char)fold_latin1[c - 0xC0];
	if (c >= 0x100 && c <= 0x17F)
		return (unsigned char)fold_latin_a[c - 0x100];
	if (c >= 0x300 && c <= 0x36F)
		return 0;		/* decomposed accents (Apple Mail) */
	if (c >= 0x400 && c <= 0x40F)
		c += 0x50;
	else if (c >= 0x410 && c <= 0x42F)
		c += 0x20;
	if (c == 0x451)
		return 0x435;		/* ё -> е */
	if (c == 0x439 || c == 0x45D)
		return 0x438;		/* й, ѝ -> и */
	if (c >= 0x2010 && c <= 0x2015)
		return '-';
	if (c == 0x2018 || c == 0x2019)
		return '\'';
	if (c >= 0x201C && c <= 0x201E)
		return '"';
	return c;
}

/* Folded, white space collapsed, trimmed; the caller frees. */
char *
answers_fold(const char *s)
{
	struct buf b;
	int space = 0;

	buf_init(&b, 0);
	while (*s) {
		size_t n;
		unsigned c = fold_cp(u8dec((const unsigned char *)s, &n));

		s += n;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = b.len > 0;
			continue;
		}
		if (c == 0)
			continue;
		if (space)
			buf_addc(&b, ' ');
		space = 0;
		u8enc(&b, c);
	}
	return buf_steal(&b);
}

/* ---- results ------------------------------------------------------------ */

static void
add_answer(struct answers *a, const char *qid, char *value, int unsure)
{
	a->a = xreallocarray(a->a, a->na + 1, sizeof(*a->a));
	a->a[a->na].qid = xstrdup(qid);
	a->a[a->na].value = value;
	a->a[a->na].unconfirmed = unsure;
	a->na++;
}

/* The respondent's words, cut short and on one line, to quote back. */
static char *
quote_back(const char *raw)
{
	struct buf b;
	size_t n = 0;

	buf_init(&b, 0);
	for (const char *s = answers_skip_ws(raw);
	     *s && n < ANSWERS_MAX_QUOTE;) {
		size_t len;

		u8dec((const unsigned char *)s, &len);
		if (*s == '\n' || *s == '\r')
			buf_addc(&b, ' ');
		else
			buf_add(&b, s, len);
		s += len;
		n += len;
		if (n >= ANSWERS_MAX_QUOTE && *s)
			buf_adds(&b, "...");
	}
	return buf_steal(&b);
}

/* "a, b, c" for the problem texts */
static char *
keys_list(const struct survey_question *q)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t j = 0; j < q->noptions; j++)
		buf_printf(&b, "%s%s", j ? ", " : "", q->options[j].key);
	return buf_steal(&b);
}

/* Record a problem with q: raw is the respondent's answer (NULL for
 * "required"), n/min/max the number and bounds of a range problem. The
 * English reason is rendered from the same data answers_problem_text
 * renders for the respondent, so the two never disagree. */
void
answers_add_problem(struct answers *a, const struct survey_question *q,
	    enum answers_pcode code, const char *raw, long n, long min,
	    long max)
{
	struct problem *p;
	struct buf b;

	a->p = xreallocarray(a->p, a->np + 1, sizeof(*a->p));
	p = &a->p[a->np++];
	p->qid = xstrdup(q->id);
	p->info.code = code;
	p->info.number = q->number;
	p->info.value = raw ? quote_back(raw) : xstrdup("");
	p->info.keys = code == ANSWERS_P_NOT_OPTION ||
		       code == ANSWERS_P_ONLY_ONE ? keys_list(q) : xstrdup("");
	p->info.n = n;
	p->info.min = min;
	p->info.max = max;
	buf_init(&b, 0);
	answers_reason_en(&p->info, &b);
	p->reason = buf_steal(&b);
}

static void
problem_free(struct problem *p)
{
	free(p->qid);
	free(p->reason);
	answers_pinfo_clear(&p->info);
}

/* ---- extraction ------------------------------------------------------------ */

/* Ticked options for q, in the new text or else the quoted form; they
 * count only where no answer line holds a value. */
static char *
ticks_in(const struct survey_question *q, const struct lines *reply,
	 const struct lines *quoted, size_t qfrom)
{
	char *v = NULL;

	if (q->noptions &&
	    (v = answers_find_ticks(reply, 0, q->number)) == NULL)
		v = answers_find_ticks(quoted, qfrom, q->number);
	return v;
}

/* Record raw as q's answer: a value (unconfirmed when uncertain, then
 * asked back too), or the problem answers_normalise found. */
static void
take(struct answers *a, const struct survey *sv,
     const struct survey_question *q, const char *raw)
{
	int unsure = 0;
	char *v = answers_normalise(sv, q, raw, a, &unsure);

	if (v == NULL)
		return;
	add_answer(a, q->id, v, unsure);
	if (unsure)
		answers_add_problem(a, q, ANSWERS_P_UNSURE, raw, 0, 0, 0);
}

/* The new text and the quoted form both answer q. The same value, or a
 * free text: the new text's. Different values: the new text's, kept
 * unconfirmed and asked back. */
static void
take_both(struct answers *a, const struct survey *sv,
	  const struct survey_question *q, const char *raw_r,
	  const char *raw_q)
{
	struct answers scratch = { 0 };
	int u1 = 0, u2 = 0;
	char *v1, *v2, *both;

	if (q->type == SURVEY_TEXT) {
		take(a, sv, q, raw_r);
		return;
	}
	v1 = answers_normalise(sv, q, raw_r, &scratch, &u1);
	v2 = answers_normalise(sv, q, raw_q, &scratch, &u2);
	if (v1 == NULL || v2 == NULL || strcmp(v1, v2) == 0) {
		take(a, sv, q, v1 || v2 == NULL ? raw_r : raw_q);
	} else {
		add_answer(a, q->id, v1, 1);
		v1 = NULL;
		both = xasprintf("%s / %s", raw_r, raw_q);
		answers_add_problem(a, q, ANSWERS_P_CONFLICT, both, 0, 0, 0);
		free(both);
	}
	free(v1);
	free(v2);
	for (size_t i = 0; i < scratch.np; i++)
		problem_free(&scratch.p[i]);
	free(scratch.p);
}

void
answers_extract(const struct survey *sv, const char *reply_text,
		const char *quoted_text, struct answers **a_r)
{
	struct answers *a = xcalloc(1, sizeof(*a));
	struct lines reply, quoted;
	size_t nq = survey_nquestions(sv), qfrom;
	char **pss;

	answers_lines_split(reply_text, nq, &reply);
	answers_lines_split(quoted_text, nq, &quoted);
	qfrom = answers_form_start(&quoted);
	pss = answers_ps_collect(&reply, nq);
	for (size_t i = 0; i < nq; i++) {
		const struct survey_question *q = survey_question(sv, i);
		int qn = q->number >= 1 && (size_t)q->number <= nq ?
			 q->number : 0;
		char *ps = q->type == SURVEY_TEXT ? NULL : pss[qn];
		int text = q->type == SURVEY_TEXT;
		char *raw_r = answers_find_answer(&reply, 0, q->number, text);
		char *raw_q = answers_find_answer(&quoted, qfrom, q->number,
						  text);

		if (raw_r == NULL && raw_q == NULL)
			raw_q = ticks_in(q, &reply, &quoted, qfrom);

		if (ps == NULL && raw_r == NULL && raw_q == NULL) {
			if (q->required)
				answers_add_problem(a, q, ANSWERS_P_REQUIRED, NULL,
					    0, 0, 0);
			continue;
		}
		a->found = 1;
		if (ps)			/* "P.S. Q3 should be c" */
			take(a, sv, q, ps);
		else if (raw_r && raw_q)
			take_both(a, sv, q, raw_r, raw_q);
		else
			take(a, sv, q, raw_r ? raw_r : raw_q);
		free(raw_r);
		free(raw_q);
	}
	for (size_t i = 0; i <= nq; i++)
		free(pss[i]);
	free(pss);
	/* not a form reply: "required" would only confuse the caller */
	if (!a->found) {
		for (size_t i = 0; i < a->np; i++)
			problem_free(&a->p[i]);
		a->np = 0;
	}
	answers_lines_free(&reply);
	answers_lines_free(&quoted);
	*a_r = a;
}

size_t
answers_count(const struct answers *a)
{
	return a->na;
}

void
answers_get(const struct answers *a, size_t i, const char **qid_r,
	    const char **value_r)
{
	*qid_r = i < a->na ? a->a[i].qid : NULL;
	*value_r = i < a->na ? a->a[i].value : NULL;
}

int
answers_unconfirmed(const struct answers *a, size_t i)
{
	return i < a->na && a->a[i].unconfirmed;
}

size_t
answers_nproblems(const struct answers *a)
{
	return a->np;
}

void
answers_problem(const struct answers *a, size_t i, const char **qid_r,
		const char **reason_r)
{
	*qid_r = i < a->np ? a->p[i].qid : NULL;
	*reason_r = i < a->np ? a->p[i].reason : NULL;
}

const struct answers_pinfo *
answers_problem_info(const struct answers *a, size_t i)
{
	return i < a->np ? &a->p[i].info : NULL;
}

int
answers_none_found(const struct answers *a)
{
	return !a->found;
}

void
answers_free(struct answers **ap)
{
	struct answers *a;

	if (ap == NULL || (a = *ap) == NULL)
		return;
	for (size_t i = 0; i < a->na; i++) {
		free(a->a[i].qid);
		free(a->a[i].value);
	}
	for (size_t i = 0; i < a->np; i++)
		problem_free(&a->p[i]);
	free(a->a);
	free(a->p);
	free(a);
	*ap = NULL;
}
