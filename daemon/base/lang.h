/*
 * lang.h -- the languages anketa writes and reads: one table, so a new
 * language is added in one place (then its templates, survey texts and
 * the words of answers_text.c and send_text.c).
 *
 * Use:     for (i = 0; i < LANG_N; i++) lang_code[i]
 *          lang_find("BG")        "bg" (static), or NULL if not ours
 * Owns:    nothing; every string is static.
 * Tests:   tests/unit/test_util.c
 */
#ifndef ANKETA_LANG_H
#define ANKETA_LANG_H

#define LANG_N 4
#define LANG_DEFAULT "en"	/* for a contact without one, and fallback */

extern const char *const lang_code[LANG_N];	/* "bg", "en", "nl", "cs" */

/* The code of ours equal to s ignoring case, or NULL. */
const char *lang_find(const char *s);

#endif
