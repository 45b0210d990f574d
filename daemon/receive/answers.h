/*
 * answers.h -- reads a respondent's answers out of the reply text and
 * validates them against the questionnaire; never touches the store.
 *
 * The reply format does not depend on the language: the form lists each
 * question as "Q<n>." with an answer line "A<n>:" (see form.h). Answers
 * are taken from the new text first (top-posted "A2: b, c", "2: yes",
 * "2) yes"), then from answer lines filled in inside the quoted form
 * ("> A2: b", or the line after a quoted "A2:"). Loose forms are
 * accepted: answers numbered "1.", "1 -", "Въпрос 1 –", "Otázka 1:",
 * "Vraag 1:", "Question 1", table rows ("1<TAB>yes"); option letter
 * (Cyrillic too) or number, option text in any of the survey's languages
 * (case and diacritics ignored) joined by and/и/en/a, [x] and ☒ ticks;
 * dates, scales and amounts as people write them (answers_values.h);
 * corrections ("no, sorry: yes", "P.S. Q3 should be c"); multi-line free
 * text without the signature.
 *
 * Use:     answers_extract(sv, reply_text, quoted_text, &a)
 *          answers_count / answers_get / answers_nproblems /
 *          answers_problem ... answers_free(&a)
 *          answers_problem_info(a, i)       the same problem as data
 *          answers_reason_parse(reason, &p) an English reason read back
 *          answers_problem_text(&p, q, "bg", &out)  for the respondent
 * Owns:    struct answers and its strings; borrowed until answers_free.
 *          A struct answers_pinfo filled by answers_reason_parse owns its
 *          strings until answers_pinfo_clear.
 * Errors:  extraction never fails: unreadable answers become problems,
 *          every readable answer is kept beside them,
 *          each naming the question and why ("Q3: 'maybe' is not one of
 *          a, b, c"); a required question left empty is a problem too.
 *          That English reason is what staff see (store, reports,
 *          inspect); the respondent's problem note gets the same problem
 *          rendered in their language with what is accepted ("'maybe' не
 *          е сред възможните отговори. Напишете една буква от a до f.").
 * Events:  none (pure).
 * Tests:   tests/unit/test_answers.c
 */
#ifndef ANKETA_ANSWERS_H
#define ANKETA_ANSWERS_H

#include <stddef.h>

#include "base/buf.h"
#include "model/survey.h"

struct answers;

void answers_extract(const struct survey *sv, const char *reply_text,
		     const char *quoted_text, struct answers **a_r);
size_t answers_count(const struct answers *a);
/* i-th valid answer: question id and normalised value (option ids joined
 * by ",", integers in decimal, "yes"/"no", text trimmed). */
void answers_get(const struct answers *a, size_t i, const char **qid_r,
		 const char **value_r);
/* 1 if the i-th answer is only the likeliest reading ("the Thursday",
 * "в" that may be b or c, "15 000 BGN" to a question in euro, two
 * different answers): it is kept unconfirmed, out of totals, and a
 * problem (ANSWERS_P_UNSURE or _CONFLICT) names it to be asked back. */
int answers_unconfirmed(const struct answers *a, size_t i);
size_t answers_nproblems(const struct answers *a);
void answers_problem(const struct answers *a, size_t i, const char **qid_r,
		     const char **reason_r);

/* What was wrong with one answer, as data. The English reason is
 * "Q<number>: " followed by the text shown with each code. */
enum answers_pcode {
	ANSWERS_P_NONE,		/* not a reason answers wrote */
	ANSWERS_P_REQUIRED,	/* "required, no answer found" */
	ANSWERS_P_NOT_OPTION,	/* "'VALUE' is not one of KEYS" */
	ANSWERS_P_ONLY_ONE,	/* "'VALUE': choose only one of KEYS" */
	ANSWERS_P_NOT_YESNO,	/* "'VALUE' is not yes or no" */
	ANSWERS_P_NOT_NUMBER,	/* "'VALUE' is not a number" */
	ANSWERS_P_MANY_NUMBERS,	/* "'VALUE': write one number only" */
	ANSWERS_P_NOT_WHOLE,	/* "'VALUE' is not a whole number" */
	ANSWERS_P_OUT_OF_BOUNDS,/* "N is not between MIN and MAX" */
	ANSWERS_P_TOO_SMALL,	/* "N is less than MIN" */
	ANSWERS_P_TOO_LARGE,	/* "N is more than MAX" */
	ANSWERS_P_UNSURE,	/* "'VALUE' is uncertain, kept unconfirmed" */
	ANSWERS_P_CONFLICT,	/* "'VALUE': two different answers" */
};

struct answers_pinfo {
	enum answers_pcode code;
	int number;		/* the question's Q<n> */
	char *value;		/* the respondent's words as quoted back
				 * (cut to about 40 bytes), or "" */
	char *keys;		/* the option keys "a, b, c", or "" */
	long n, min, max;	/* the number read and the bounds it broke */
};

/* i-th problem as data; borrowed until answers_free. NULL past the end. */
const struct answers_pinfo *answers_problem_info(const struct answers *a,
						 size_t i);
/* An English reason (answers_problem's, as the store keeps it) read back
 * into p: 0, or -1 when it is not one answers writes (p->code NONE).
 * Either way p owns its strings: answers_pinfo_clear(p). */
int answers_reason_parse(const char *reason, struct answers_pinfo *p);
void answers_pinfo_clear(struct answers_pinfo *p);
/* The problem as the respondent reads it in lang (bg, en, nl, cs; others
 * get English): what is wrong, then what is accepted, from q's type,
 * option keys and bounds ("Write one letter from a to f."); q may be
 * NULL (no hint). No "Q<n>:" prefix: the note shows the question above
 * it. out is reset first. */
void answers_problem_text(const struct answers_pinfo *p,
			  const struct survey_question *q, const char *lang,
			  struct buf *out);
/* 1 if no answer line was found at all (not a form reply). */
int answers_none_found(const struct answers *a);
void answers_free(struct answers **a);

#endif
