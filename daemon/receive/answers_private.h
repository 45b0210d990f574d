/*
 * answers_private.h -- shared by answers.c (extraction and results),
 * answers_lines.c (a reply as classified lines), answers_norm.c (one raw
 * answer made a value) and answers_text.c (the problems' texts); not for
 * other modules.
 *
 * Use:     answers_lines_split(text, nq, &l) ... answers_lines_free(&l)
 *          answers_find_answer / answers_find_ticks / answers_ps_collect
 *          answers_normalise(sv, q, raw, a, &unsure)
 * Owns:    struct lines owns its lines until answers_lines_free; every
 *          returned char * is the caller's (free()).
 * Errors:  none: an answer that cannot be read is a problem in a.
 * Events:  none (pure).
 * Tests:   tests/unit/test_answers.c
 */
#ifndef ANKETA_ANSWERS_PRIVATE_H
#define ANKETA_ANSWERS_PRIVATE_H

#include "receive/answers.h"
#include "base/buf.h"

#define ANSWERS_MAX_QUOTE 40	/* bytes of a bad answer quoted back */

/* A problem: its English reason (for staff) and the same as data. */
struct problem {
	char *qid;
	char *reason;
	struct answers_pinfo info;
};

struct answers {
	struct answer *a;
	size_t na;
	struct problem *p;
	size_t np;
	int found;		/* any answer line with a value, or a tick */
};

/* A text split into lines, each classified once (see line_kind). */
struct lines {
	char **v;
	size_t n;
	int *kind;		/* enum lkind */
	int *num;		/* question number of a header or answer */
	const char **rest;	/* an answer's text after the separator */
};

enum lkind {
	L_OTHER,
	L_MARK,		/* form begin/end marker */
	L_QHEAD,	/* "Q<n>." the question as the form shows it */
	L_ANSWER,	/* "A<n>: value" and the loose forms */
	L_END,		/* a signature starts: "-- ", "Best regards," + name */
	L_PS,		/* "P.S. Q3 should be c" */
};


/* The English staff reason of p, "Q3: 'maybe' is not one of a, b, c",
 * appended to out. */
void answers_reason_en(const struct answers_pinfo *p, struct buf *out);

/* answers.c */
/* s lower-cased, without diacritics (Latin and Cyrillic); caller frees. */
char *answers_fold(const char *s);
const char *answers_skip_ws(const char *s);
/* A problem with q's answer raw (what it is, and the bounds n, min,
 * max where they matter), for the reply that asks back. */
void answers_add_problem(struct answers *a, const struct survey_question *q,
			 enum answers_pcode code, const char *raw, long n,
			 long min, long max);

/* answers_lines.c */
/* text (nq: where the quoted part starts) as classified lines. */
void answers_lines_split(const char *text, size_t nq, struct lines *l);
void answers_lines_free(struct lines *l);
/* The first line of the quoted form, or l->n. */
size_t answers_form_start(const struct lines *l);
/* The value of question n from line from on (free_text: a text
 * question's whole span); NULL when none. Caller frees. */
char *answers_find_answer(const struct lines *l, size_t from, int n,
			  int free_text);
/* The ticked options in question n's block as one value, or NULL. */
char *answers_find_ticks(const struct lines *l, size_t from, int n);
/* The corrections of the postscripts, indexed by question number (nq
 * of them), or NULL when none. */
char **answers_ps_collect(const struct lines *l, size_t nq);

/* answers_norm.c */
/* raw made a value of q, or NULL with a problem added to a; *unsure_r
 * set when the value was guessed. Caller frees. */
char *answers_normalise(const struct survey *sv,
			const struct survey_question *q, const char *raw,
			struct answers *a, int *unsure_r);

#endif
