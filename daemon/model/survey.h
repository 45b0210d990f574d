/*
 * survey.h -- questionnaires: load and validate survey XML (libxml2 +
 * the RELAX NG schema surveys/survey.rng) into an immutable model; never
 * touches the store or renders mail.
 *
 * Use:     survey_load_file(path, schema, &sv, &errs)  or survey_load_memory
 *          survey_id / survey_hash / survey_title / survey_nquestions /
 *          survey_question(sv, i) / survey_find(sv, qid) / survey_qtext
 *          survey_free(&sv)
 * Owns:    struct survey and everything reachable from it; pointers
 *          returned by accessors are borrowed until survey_free.
 * Errors:  load returns 0, or -1 with every problem as "FILE:LINE: reason"
 *          in errs (schema errors and semantic ones: duplicate ids, a
 *          fallback language missing, bounds min > max, ...).
 * Events:  none (pure).
 * Spec:    RELAX NG (ISO/IEC 19757-2), surveys/survey.rng.
 * Tests:   tests/unit/test_survey.c, tests/data/survey/
 */
#ifndef ANKETA_SURVEY_H
#define ANKETA_SURVEY_H

#include <stddef.h>

#include "base/err.h"

enum survey_qtype {
	SURVEY_SINGLE,	/* one option */
	SURVEY_MULTI,	/* one or more options */
	SURVEY_SCALE,	/* integer min..max with labelled ends */
	SURVEY_NUMBER,	/* integer within optional bounds */
	SURVEY_YESNO,
	SURVEY_TEXT,	/* free text, may span lines */
	SURVEY_DATE,	/* one of the offered dates (an option list) */
};

struct survey;

struct survey_option {
	const char *id;		/* stable id, stored as the answer value */
	const char *key;	/* letter shown in the form: a, b, c ... */
};

struct survey_question {
	const char *id;		/* stable id, e.g. "strategy" */
	int number;		/* 1-based position: the form's Q1/A1 */
	enum survey_qtype type;
	int required;
	long min, max;		/* scale and number bounds */
	int has_min, has_max;
	size_t noptions;
	const struct survey_option *options;
	int publishable;	/* text: answers may be published */
};

int survey_load_file(const char *path, const char *schema_path,
		     struct survey **sv_r, struct errlist *errs);
/* name is used in error messages in place of a file name. */
int survey_load_memory(const char *xml, size_t len, const char *name,
		       const char *schema_path, struct survey **sv_r,
		       struct errlist *errs);
void survey_free(struct survey **sv);

const char *survey_id(const struct survey *sv);
/* sha256 hex of the canonical XML bytes: a new hash is a new version */
const char *survey_hash(const struct survey *sv);
const char *survey_fallback_lang(const struct survey *sv);
/* Texts in lang, falling back to the survey's fallback language. */
const char *survey_title(const struct survey *sv, const char *lang);
const char *survey_intro(const struct survey *sv, const char *lang);
size_t survey_nquestions(const struct survey *sv);
const struct survey_question *survey_question(const struct survey *sv,
					      size_t i);
const struct survey_question *survey_find(const struct survey *sv,
					  const char *qid);
const char *survey_qtext(const struct survey *sv,
			 const struct survey_question *q, const char *lang);
/* Option label, or the scale end labels ("min"/"max" as option id). */
const char *survey_otext(const struct survey *sv,
			 const struct survey_question *q, const char *oid,
			 const char *lang);
const char *survey_qtype_name(enum survey_qtype t);

#endif
