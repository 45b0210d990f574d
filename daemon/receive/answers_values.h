/*
 * answers_values.h -- reads the values people type for dates, scales,
 * amounts and yes/no in bg, cs, nl and en; shared by answers.c only.
 * Every input is already folded (lower case, no diacritics, see
 * answers.c fold()): "12 март", "10.3.", "june 9", "12. brezna",
 * "4 от 5", "3/5", "8 хил.", "25k", "€ 22.500,00", "не – всъщност да".
 *
 * Use:     av_number(folded, &n)      numbers with multipliers and units
 *          av_scale(folded, max, &v)  "4 of 5" when 5 is the scale's top
 *          av_date(folded, &d)        day, month, weekday named
 *          av_date_fits(&d, iso)      does option "2026-03-12" fit d
 *          av_yesno(folded, &corr)    1 yes, 0 no, -1 neither
 *          av_cyrillic_keys(folded, &ambiguous)  "а, в, г" -> "a, c, d"
 * Owns:    nothing but av_cyrillic_keys's result (caller frees).
 * Errors:  none: what cannot be read is reported as "not found".
 * Events:  none (pure).
 * Tests:   tests/unit/test_answers.c (test_answer_table,
 *          test_realistic_replies)
 */
#ifndef ANKETA_ANSWERS_VALUES_H
#define ANKETA_ANSWERS_VALUES_H

/* A number as people write it. */
struct av_num {
	int count;	/* numbers found */
	long v;		/* the first, multiplier applied ("8 хил." 8000) */
	int frac;	/* it has a non-zero fractional part */
	int euro;	/* a euro sign or word is present */
	int foreign;	/* another currency (лв, BGN, Kč, $, ...) */
	int scaled;	/* a multiplier word was applied */
};

void av_number(const char *folded, struct av_num *n);
/* 1 and *v_r = N for "N of MAX" forms ("4 от 5", "3/5", "4 z 5"). */
int av_scale(const char *folded, long max, long *v_r);

struct av_date {
	int day;	/* 1..31 or 0 */
	int month;	/* 1..12 or 0 */
	int wday;	/* 0 Monday .. 6 Sunday, or -1 */
	int relative;	/* "the", "ten", "de", articled bg form: "the Thursday" */
};

/* 1 if folded names a date part at all. */
int av_date(const char *folded, struct av_date *d);
/* 2 if iso ("YYYY-MM-DD") fits every part of d, 1 if it fits the day and
 * month but not the weekday, 0 if not. */
int av_date_fits(const struct av_date *d, const char *iso);

/* yes/no with a correction honoured: the first word decides, unless a
 * word like "actually", "sorry", "всъщност", "pardon" follows and a yes
 * or no after it says otherwise (*corrected_r set). */
int av_yesno(const char *folded, int *corrected_r);

/* An answer made only of single Cyrillic letters ("а, в, г", "а и б")
 * rewritten with the Latin keys in alphabet order (а b в... = a b c);
 * NULL if folded is not such an answer. *ambiguous_r is set when only
 * letters that also look like other Latin keys appear ("в" looks like
 * b, "е" is e): the reading must be confirmed. */
char *av_cyrillic_keys(const char *folded, int *ambiguous_r);

#endif
