/*
 * send_private.h -- shared by send.c, render.c and send_text.c only: the pure text
 * helpers of the send pipeline; nothing here reads files or the store.
 * Campaign and feedback vars are JSON read with jansson.
 *
 * Use:     send_vars_json(json, map, &e)    campaign [vars] into a map
 *          send_json_each(json, cb, arg, &e)   each key of such vars,
 *                                              in order
 *          send_deadline(iso, lang)         "15 March 2026", "15. března"
 *          send_answer_text(sv, q, lang, value, &out)   labels, yes/no
 *          send_problem_text(q, lang, reason, &out)     the reason
 *                                              in the reader's language
 * Owns:    send_deadline returns a string the caller frees.
 * Errors:  send_vars_json, send_json_each: 0, or -1 with e: "vars: line
 *          L column C: <jansson's reason>" for text that is not JSON or
 *          repeats a key, "vars: \"KEY\": an object (vars are flat: ...)"
 *          for a nested value, "vars: an array, not an object". The
 *          whole object is read and checked before the first key is
 *          set, so on these errors the map is left unchanged.
 * Events:  none (pure).
 * Tests:   tests/unit/test_send.c
 */
#ifndef ANKETA_SEND_PRIVATE_H
#define ANKETA_SEND_PRIVATE_H

#include "base/buf.h"
#include "base/err.h"
#include "model/survey.h"
#include "base/tmpl.h"

/* A flat JSON object (strings, numbers as text, true/false, null) into
 * map m; nested objects and arrays, duplicate keys, \u0000 and bytes
 * that are not UTF-8 are refused. "" (or only blanks) is no vars.
 * Numbers: an integer keeps its text ("-0" is "0"; beyond 64 bits is an
 * error); a real becomes the shortest text for the same double, with
 * ".0" on a whole one (1.50 -> "1.5", 2.0 -> "2.0"). */
int send_vars_json(const char *json, struct tmpl_val *m, struct err *e);
/* Each key of a flat JSON object in the order written: cb(arg, key,
 * type, text) with type 's' string, 'n' number (its text, as above), 'b'
 * bool ("true", "false"), 'z' null (""). key and text are valid during
 * the call only. A non-zero cb return stops with -1 and e = "vars:
 * \"KEY\": refused". Other errors as send_vars_json; cb is not called
 * at all then. */
typedef int (*send_json_cb)(void *arg, const char *key, char type,
			    const char *value);
int send_json_each(const char *json, send_json_cb cb, void *arg,
		   struct err *e);
/* Set one such value into map m with its type. */
void send_json_set(struct tmpl_val *m, const char *key, char type,
		   const char *value);
/* "YYYY-MM-DD[THH:MM]" in lang (bg, en, nl, cs; others get English);
 * anything else is returned as given. Caller frees. */
char *send_deadline(const char *iso, const char *lang);
/* value (answers_get's normal form) as the reader of lang reads it:
 * option ids become labels joined by "; ", yes/no translated. q may be
 * NULL (value as is). out is reset first. */
void send_answer_text(const struct survey *sv,
		      const struct survey_question *q, const char *lang,
		      const char *value, struct buf *out);
/* A problem reason as answers writes it for staff ("Q5: 'lots' is not a
 * number") as the reader of lang reads it, with what q accepts ("'lots'
 * не е число. Напишете едно цяло число, не по-малко от 0."); a reason
 * answers does not write is kept as given. q may be NULL. out is reset
 * first. */
void send_problem_text(const struct survey_question *q, const char *lang,
		       const char *reason, struct buf *out);

#endif
