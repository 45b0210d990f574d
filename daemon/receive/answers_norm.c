/*
 * answers_norm.c -- see answers_private.h: one raw answer made a value
 * of its question: a choice (by key, label or words of a label), yes/no,
 * a number or scale point, a date, or free text; what cannot be read
 * becomes a problem for the reply that asks back.
 */
#include "receive/answers_private.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/lang.h"
#include "base/xmem.h"
#include "model/form.h"
#include "receive/answers_values.h"

/* ---- choices ------------------------------------------------------------ */


/* A folded label equals piece, or holds it as whole words ("health"
 * for "health care", "училища и детски градини" for "Посещения в
 * училища и детски градини"): 2 for equal, 1 for words of it, 0 else. */
static int
label_match(const char *label, const char *piece)
{
	char *f = answers_fold(label);
	size_t n = strlen(piece);
	int r = 0;

	if (strcmp(f, piece) == 0)
		r = 2;
	for (const char *h = f; !r && n >= 4 && (h = strstr(h, piece));
	     h++)
		if ((h == f || h[-1] == ' ') &&
		    (h[n] == ' ' || h[n] == '\0'))
			r = 1;
	free(f);
	return r;
}

/* Option index for one folded piece, or -1. */
static int
match_one(const struct survey *sv, const struct survey_question *q,
	  const char *piece)
{
	int prefix = -1, nprefix = 0;
	char *end;
	long num;

	/* "b" alone, or "b) Housing" as the form shows it (a ticked line) */
	if (piece[0] >= 'a' && piece[0] <= 'z' &&
	    (piece[1] == '\0' || (piece[1] == ')' && (piece[2] == ' ' ||
						       piece[2] == '\0'))))
		for (size_t j = 0; j < q->noptions; j++)
			if (q->options[j].key[0] == piece[0] &&
			    q->options[j].key[1] == '\0' &&
			    (piece[1] == '\0' || piece[2] == '\0' ||
			     match_one(sv, q, piece + 3) == (int)j))
				return (int)j;
	errno = 0;
	num = strtol(piece, &end, 10);
	if (end != piece && *end == '\0' && errno == 0 && num >= 1 &&
	    (size_t)num <= q->noptions && q->type != SURVEY_DATE)
		return (int)num - 1;
	for (size_t j = 0; j < q->noptions; j++) {
		if (strcmp(q->options[j].id, piece) == 0)
			return (int)j;
		for (size_t k = 0; k < LANG_N; k++) {
			int m = label_match(survey_otext(sv, q,
				q->options[j].id, lang_code[k]), piece);

			if (m == 2)
				return (int)j;
			if (m == 1 && prefix != (int)j) {
				prefix = (int)j;
				nprefix++;
			}
		}
	}
	return nprefix == 1 ? prefix : -1;
}

/* Trim what people put around a choice: "(b)", "b.", "'b'", "[x] b". */
static char *
piece_clean(const char *s)
{
	char *p = xstrdup(answers_skip_ws(s)), *b = p;
	size_t n;

	if (b[0] == '[' && b[1] && b[2] == ']')
		b = (char *)answers_skip_ws(b + 3);
	while (*b == '(' || *b == '"' || *b == '\'' || *b == '-' ||
	       *b == '*')
		b = (char *)answers_skip_ws(b + 1);
	n = strlen(b);
	while (n && strchr(".:!\"') ", b[n - 1]))
		b[--n] = '\0';
	memmove(p, b, n + 1);
	return p;
}

static int
is_conjunction(const char *w)
{
	static const char *const words[] = { "and", "or", "en", "of", "und",
		"oder", "nebo", "\xD0\xB8", "\xD0\xB8\xD0\xBB\xD0\xB8" };

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strcmp(w, words[i]) == 0)
			return 1;
	return 0;
}

/* Mark the options one phrase names: the whole phrase, else each of
 * its words ("a c"). 0, or -1 when something in it is not an option;
 * the first such word ends the reading (the answer is asked back
 * anyway), so a long unreadable answer costs little. */
static int
choose_phrase(const struct survey *sv, const struct survey_question *q,
	      char *phrase, int *chosen)
{
	char *save = NULL, *w;
	int j, rc = 0;

	if ((j = match_one(sv, q, phrase)) >= 0) {
		chosen[j] = 1;
		return 0;
	}
	for (w = strtok_r(phrase, " ", &save); w && rc == 0;
	     w = strtok_r(NULL, " ", &save)) {
		char *cw = piece_clean(w);

		if (*cw) {
			if ((j = match_one(sv, q, cw)) >= 0)
				chosen[j] = 1;
			else
				rc = -1;
		}
		free(cw);
	}
	return rc;
}

/* A word joining options: "and", "en", "и", "nebo"...; Czech "a" only
 * between longer words ("bydlení a zdravotní péče"), where it cannot
 * be option a. */
static int
joins(char *const *w, size_t i, size_t n)
{
	return is_conjunction(w[i]) ||
	       (strcmp(w[i], "a") == 0 && i > 0 && i + 1 < n &&
		strlen(w[i - 1]) > 1 && strlen(w[i + 1]) > 1);
}

/* Mark the options one piece names: the whole piece, else each phrase
 * between joining words ("education and health care"). */
static int
choose_piece(const struct survey *sv, const struct survey_question *q,
	     const char *piece, int *chosen)
{
	char *c = piece_clean(piece), *save = NULL, **w = NULL, *t;
	size_t n = 0;
	int rc = 0;
	struct buf ph;

	int j = *c ? match_one(sv, q, c) : -1;

	if (j >= 0 || *c == '\0') {
		if (j >= 0)
			chosen[j] = 1;
		free(c);
		return 0;
	}
	for (t = strtok_r(c, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		w = xreallocarray(w, n + 1, sizeof(*w));
		w[n++] = t;
	}
	buf_init(&ph, 0);
	for (size_t i = 0; i <= n && rc == 0; i++) {
		if (i < n && !joins(w, i, n)) {
			buf_printf(&ph, "%s%s", ph.len ? " " : "", w[i]);
			continue;
		}
		if (ph.len) {
			char *pc = piece_clean(buf_cstr(&ph));

			if (*pc && choose_phrase(sv, q, pc, chosen) < 0)
				rc = -1;
			free(pc);
		}
		buf_reset(&ph);
	}
	buf_free(&ph);
	free(w);
	free(c);
	return rc;
}

/* A date question answered with a date rather than a letter: "12 март",
 * "10.3.", "June 9", "úterý 16. června". The option that fits, or -1;
 * *unsure_r when only a weekday is named ("the Thursday") or the
 * weekday contradicts the day. */
static int
date_choice(const struct survey_question *q, const char *folded,
	    int *unsure_r)
{
	struct av_date d;
	int found = -1, nfit = 0, nday = 0, dayfit = -1;

	if (q->type != SURVEY_DATE || !av_date(folded, &d))
		return -1;
	for (size_t j = 0; j < q->noptions; j++) {
		int fit = av_date_fits(&d, q->options[j].id);

		if (fit == 2) {
			found = (int)j;
			nfit++;
		}
		if (fit >= 1) {
			dayfit = (int)j;
			nday++;
		}
	}
	if (nfit == 1 && (d.day || d.month)) {
		return found;
	}
	if (nfit == 1 || (nfit == 0 && nday == 1 && d.day)) {
		*unsure_r = 1;		/* a weekday alone, or a contradiction */
		return nfit == 1 ? found : dayfit;
	}
	return -1;
}

/* raw -> option ids joined by ","; NULL after adding a problem. */
static char *
norm_choices(const struct survey *sv, const struct survey_question *q,
	     const char *raw, struct answers *a, int *unsure_r)
{
	int *chosen = xcalloc(q->noptions ? q->noptions : 1, sizeof(int));
	char *f = answers_fold(raw), *save = NULL, *cyr;
	int ok = 1, n = 0, whole, amb = 0;
	struct buf b;

	if ((cyr = av_cyrillic_keys(f, &amb)) != NULL) {
		free(f);
		f = cyr;		/* "а, в, г" is a, c, d */
		*unsure_r |= amb;
	}
	if ((whole = date_choice(q, f, unsure_r)) >= 0 ||
	    (whole = match_one(sv, q, f)) >= 0)
		chosen[whole] = 1;
	for (char *p = whole < 0 ? strtok_r(f, ",;/+&\n", &save) : NULL;
	     p && ok; p = strtok_r(NULL, ",;/+&\n", &save))
		if (choose_piece(sv, q, p, chosen) < 0)
			ok = 0;
	free(f);
	buf_init(&b, 0);
	for (size_t j = 0; j < q->noptions; j++)
		if (chosen[j])
			buf_printf(&b, "%s%s", n++ ? "," : "",
				   q->options[j].id);
	free(chosen);
	if (!ok || n == 0)
		answers_add_problem(a, q, ANSWERS_P_NOT_OPTION, raw, 0, 0, 0);
	else if (n > 1 && q->type != SURVEY_MULTI)
		answers_add_problem(a, q, ANSWERS_P_ONLY_ONE, raw, 0, 0, 0);
	if (!ok || n == 0 || (n > 1 && q->type != SURVEY_MULTI)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- yes/no, numbers, text ---------------------------------------------- */

static char *
norm_yesno(const struct survey_question *q, const char *raw,
	   struct answers *a)
{
	char *f = answers_fold(raw);
	int corrected, v = av_yesno(f, &corrected);

	free(f);
	if (v >= 0)
		return xstrdup(v ? "yes" : "no");
	answers_add_problem(a, q, ANSWERS_P_NOT_YESNO, raw, 0, 0, 0);
	return NULL;
}

/* A question about money: its text names the euro in some language. */
static int
asks_euro(const struct survey *sv, const struct survey_question *q)
{
	int r = 0;

	for (size_t k = 0; k < LANG_N && !r; k++) {
		char *t = answers_fold(survey_qtext(sv, q, lang_code[k]));

		r = strstr(t, "euro") != NULL || strstr(t, "\xD0\xB5\xD0\xB2"
			"\xD1\x80\xD0\xBE") != NULL;	/* евро */
		free(t);
	}
	return r;
}

/* A scale may also be answered with its end labels ("very well"). */
static int
scale_label(const struct survey *sv, const struct survey_question *q,
	    const char *folded, long *v)
{
	for (size_t k = 0; q->type == SURVEY_SCALE &&
	     k < LANG_N; k++) {
		if (label_match(survey_otext(sv, q, "min", lang_code[k]),
				folded) == 2) {
			*v = q->min;
			return 1;
		}
		if (label_match(survey_otext(sv, q, "max", lang_code[k]),
				folded) == 2) {
			*v = q->max;
			return 1;
		}
	}
	return 0;
}

/* An amount whose unit is unclear: another currency than the one asked
 * for, or a bare number under a thousand where thousands may be meant
 * ("asi 30" to a question about a budget in euro). */
static int
unclear_amount(const struct survey *sv, const struct survey_question *q,
	       const struct av_num *n)
{
	if (q->type != SURVEY_NUMBER || !asks_euro(sv, q))
		return 0;
	return n->foreign || (!n->euro && !n->scaled && n->v > 0 &&
			      n->v < 1000);
}

static char *
norm_number(const struct survey *sv, const struct survey_question *q,
	    const char *raw, struct answers *a, int *unsure_r)
{
	char *f = answers_fold(raw), *r = NULL;
	struct av_num n;
	long v = 0;

	av_number(f, &n);
	v = n.v;
	/* "4 от 5", "3/5", "3 out of 5", or an end label ("very well") */
	if ((q->type == SURVEY_SCALE && q->has_max &&
	     av_scale(f, q->max, &v)) ||
	    (n.count == 0 && scale_label(sv, q, f, &v)))
		n.count = 1;
	if (n.count == 0)
		answers_add_problem(a, q, ANSWERS_P_NOT_NUMBER, raw, 0, 0, 0);
	else if (n.count > 1)
		answers_add_problem(a, q, ANSWERS_P_MANY_NUMBERS, raw, 0, 0, 0);
	else if (n.frac)
		answers_add_problem(a, q, ANSWERS_P_NOT_WHOLE, raw, 0, 0, 0);
	else if (q->has_min && q->has_max && (v < q->min || v > q->max))
		answers_add_problem(a, q, ANSWERS_P_OUT_OF_BOUNDS, NULL, v, q->min,
			    q->max);
	else if (q->has_min && v < q->min)
		answers_add_problem(a, q, ANSWERS_P_TOO_SMALL, NULL, v, q->min, 0);
	else if (q->has_max && v > q->max)
		answers_add_problem(a, q, ANSWERS_P_TOO_LARGE, NULL, v, 0, q->max);
	else {
		r = xasprintf("%ld", v);
		*unsure_r |= unclear_amount(sv, q, &n);
	}
	free(f);
	return r;
}

/* Free text: trimmed, lines kept. */
static char *
norm_text(const char *raw)
{
	const char *s = raw;
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	return xstrndup(s, n);
}

/* ---- normalising ----------------------------------------------------------- */

char *
answers_normalise(const struct survey *sv, const struct survey_question *q,
	  const char *raw, struct answers *a, int *unsure_r)
{
	switch (q->type) {
	case SURVEY_SINGLE:
	case SURVEY_MULTI:
	case SURVEY_DATE:
		return norm_choices(sv, q, raw, a, unsure_r);
	case SURVEY_YESNO:
		return norm_yesno(q, raw, a);
	case SURVEY_SCALE:
	case SURVEY_NUMBER:
		return norm_number(sv, q, raw, a, unsure_r);
	case SURVEY_TEXT:
		break;
	}
	return norm_text(raw);
}

