/*
 * answers.h -- reads a respondent's answers out of the reply text and
 * validates them against the questionnaire; never touches the store.
 *
 * The reply format does not depend on the language: the form lists each
 * question as "Q<n>." with an answer line "A<n>:" (see form.h). Answers
 * are taken from the new text first (top-posted "A2: b, c", "2: yes",
 * "2) yes"), then from answer lines filled in inside the quoted form
 * ("> A2: b"). Loose forms are accepted: option letter or number, option
 * text (case and diacritics ignored), [x] ticks, several choices "a, c",
 * multi-line free text.
 *
 * Use:     answers_extract(sv, reply_text, quoted_text, &a)
 *          answers_count / answers_get / answers_nproblems /
 *          answers_problem ... answers_free(&a)
 * Owns:    struct answers and its strings; borrowed until answers_free.
 * Errors:  extraction never fails: unreadable answers become problems,
 *          each naming the question and why ("Q3: 'maybe' is not one of
 *          a, b, c"); a required question left empty is a problem too.
 * Events:  none (pure).
 * Tests:   tests/unit/test_answers.c
 */
#ifndef ANKETA_ANSWERS_H
#define ANKETA_ANSWERS_H

#include <stddef.h>

#include "survey.h"

struct answers;

void answers_extract(const struct survey *sv, const char *reply_text,
		     const char *quoted_text, struct answers **a_r);
size_t answers_count(const struct answers *a);
/* i-th valid answer: question id and normalised value (option ids joined
 * by ",", integers in decimal, "yes"/"no", text trimmed). */
void answers_get(const struct answers *a, size_t i, const char **qid_r,
		 const char **value_r);
size_t answers_nproblems(const struct answers *a);
void answers_problem(const struct answers *a, size_t i, const char **qid_r,
		     const char **reason_r);
/* 1 if no answer line was found at all (not a form reply). */
int answers_none_found(const struct answers *a);
void answers_free(struct answers **a);

#endif
