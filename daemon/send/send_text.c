/*
 * send_text.c -- the pure text helpers of the send pipeline (see
 * send_private.h): campaign [vars] from their stored JSON (read by
 * jansson), dates as a reader of each language writes them, answers and
 * problem reasons as the respondent reads them. No store, no network,
 * no allocation that outlives a call.
 */
#include "send/send_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "receive/answers.h"
#include "base/xmem.h"

/* ---- flat JSON object of campaign variables ------------------------------ */

/* The text of a number. Integers come out exactly as written (jansson
 * keeps them as json_int_t, 64 bits, and refuses bigger ones at parse
 * time); "-0" becomes "0". A real's digits are gone once jansson has
 * read it, so it is written as the shortest text that reads back as the
 * same double, keeping ".0" on a whole value as jansson's own writer
 * does, so a real still looks like one: 1.50 -> "1.5", 2.0 -> "2.0",
 * 1E3 -> "1000.0", 0.1 -> "0.1". */
static void number_text(const json_t *v, char *out, size_t n)
{
	double d;
	int prec;

	if (json_is_integer(v)) {
		snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	}
	/* 15 significant digits (DBL_DIG) print any decimal of up to 15
	 * digits as written, %g dropping the trailing zeros; 17 always
	 * read back as the same double */
	d = json_real_value(v);
	for (prec = 15;; prec++) {
		snprintf(out, n, "%.*g", prec, d);
		if (prec == 17 || strtod(out, NULL) == d)
			break;
	}
	if (strpbrk(out, ".e") == NULL)	/* JSON has no inf or nan */
		strncat(out, ".0", n - strlen(out) - 1);
}

/* The type letter and text of a scalar (see send_json_cb); num is the
 * room a number's text is written to. -1 for an object or an array,
 * which are set as null. */
static int scalar(const json_t *v, char *type_r, const char **text_r,
		  char *num, size_t n)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		*type_r = 's';
		*text_r = json_string_value(v);
		return 0;
	case JSON_INTEGER:
	case JSON_REAL:
		number_text(v, num, n);
		*type_r = 'n';
		*text_r = num;
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		*type_r = 'b';
		*text_r = json_is_true(v) ? "true" : "false";
		return 0;
	default:
		*type_r = 'z';
		*text_r = "";
		return json_is_null(v) ? 0 : -1;
	}
}

/* The object in json, or NULL with e. Duplicate keys are refused: a
 * second "venue" would otherwise silently win. NUL inside a string
 * (\u0000) and bytes that are not UTF-8 are refused by jansson's
 * defaults. */
static json_t *vars_load(const char *json, struct err *e)
{
	json_error_t je;
	json_t *root, *v;
	const char *key;

	root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		err_set(e, "vars: line %d column %d: %s", je.line, je.column,
			je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		err_set(e, "vars: an array, not an object");
		json_decref(root);
		return NULL;
	}
	json_object_foreach(root, key, v) {
		if (json_is_object(v) || json_is_array(v)) {
			err_set(e, "vars: \"%s\": an %s (vars are flat: a "
				"string, number, true, false or null)", key,
				json_is_object(v) ? "object" : "array");
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

void send_json_set(struct tmpl_val *m, const char *key, char type,
		   const char *value)
{
	if (type == 'b')
		tmpl_map_set_bool(m, key, strcmp(value, "true") == 0);
	else if (type == 'z')
		tmpl_map_set_null(m, key);
	else
		tmpl_map_set_str(m, key, value);
}

int send_json_each(const char *json, send_json_cb cb, void *arg,
		   struct err *e)
{
	json_t *root, *v;
	const char *key, *text;
	char type, num[40];
	int rc = 0;

	if (json[strspn(json, " \t\r\n")] == '\0')
		return 0;		/* no vars at all */
	if ((root = vars_load(json, e)) == NULL)
		return -1;
	/* jansson >= 2.8 iterates in the order the keys were written */
	json_object_foreach(root, key, v) {
		(void)scalar(v, &type, &text, num, sizeof(num));
		if (cb(arg, key, type, text) != 0) {
			err_set(e, "vars: \"%s\": refused", key);
			rc = -1;
			break;
		}
	}
	json_decref(root);
	return rc;
}

static int vars_pair(void *arg, const char *key, char type, const char *value)
{
	send_json_set(arg, key, type, value);
	return 0;
}

/* Campaign [vars] (a flat JSON object) into map m. */
int send_vars_json(const char *json, struct tmpl_val *m, struct err *e)
{
	return send_json_each(json, vars_pair, m, e);
}

/* ---- dates --------------------------------------------------------------- */

/* "2026-03-15" or "2026-03-15T17:00" written the way a reader of lang
 * writes dates; anything else is shown as given. */
char *send_deadline(const char *iso, const char *lang)
{
	static const char *const en[] = { "January", "February", "March",
		"April", "May", "June", "July", "August", "September",
		"October", "November", "December" };
	static const char *const bg[] = { "януари", "февруари", "март",
		"април", "май", "юни", "юли", "август", "септември",
		"октомври", "ноември", "декември" };
	static const char *const nl[] = { "januari", "februari", "maart",
		"april", "mei", "juni", "juli", "augustus", "september",
		"oktober", "november", "december" };
	/* Czech dates use the genitive: 15. března */
	static const char *const cs[] = { "ledna", "února", "března",
		"dubna", "května", "června", "července", "srpna", "září",
		"října", "listopadu", "prosince" };
	int y, mo, d, h = -1, mi = -1, n = 0;
	char tm[32] = "";

	if (sscanf(iso, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31)
		return xstrdup(iso);
	if ((iso[n] == 'T' || iso[n] == ' ') &&
	    sscanf(iso + n + 1, "%2d:%2d", &h, &mi) == 2)
		snprintf(tm, sizeof(tm), "%02d:%02d", h, mi);
	/* no "г." after the year: a sentence ending in it would get a
	 * second full stop from the template */
	if (strcmp(lang, "bg") == 0)
		return xasprintf("%d %s %d%s%s", d, bg[mo - 1], y,
				 tm[0] ? ", " : "", tm);
	if (strcmp(lang, "nl") == 0)
		return xasprintf("%d %s %d%s%s%s", d, nl[mo - 1], y,
				 tm[0] ? ", " : "", tm, tm[0] ? " uur" : "");
	if (strcmp(lang, "cs") == 0)
		return xasprintf("%d. %s %d%s%s", d, cs[mo - 1], y,
				 tm[0] ? " v " : "", tm);
	return xasprintf("%d %s %d%s%s", d, en[mo - 1], y,
			 tm[0] ? ", " : "", tm);
}

/* "yes"/"no" (answers_get's normal form) in the reader's language. */
static const char *yesno_word(const char *value, const char *lang)
{
	static const struct {
		const char *lang, *yes, *no;
	} w[] = {
		{ "bg", "да", "не" }, { "nl", "ja", "nee" },
		{ "cs", "ano", "ne" }, { "en", "yes", "no" },
	};
	size_t i;
	int yes = strcmp(value, "yes") == 0;

	if (!yes && strcmp(value, "no") != 0)
		return value;
	for (i = 0; i < sizeof(w) / sizeof(w[0]) - 1; i++)
		if (strcmp(lang, w[i].lang) == 0)
			break;
	return yes ? w[i].yes : w[i].no;
}

/* An answer as the respondent reads it: option ids become their labels
 * in lang ("a,c" -> "Education; Health care"); other values stay. */
void send_answer_text(const struct survey *sv,
		      const struct survey_question *q, const char *lang,
		      const char *value, struct buf *out)
{
	const char *p = value, *end, *label;
	char *oid;

	buf_reset(out);
	if (q != NULL && q->type == SURVEY_YESNO) {
		buf_adds(out, yesno_word(value, lang));
		return;
	}
	if (q == NULL || q->noptions == 0) {
		buf_adds(out, value);
		return;
	}
	while (*p != '\0') {
		end = p + strcspn(p, ",");
		oid = xstrndup(p, (size_t)(end - p));
		label = survey_otext(sv, q, oid, lang);
		if (out->len > 0)
			buf_adds(out, "; ");
		buf_adds(out, label != NULL ? label : oid);
		free(oid);
		p = *end != '\0' ? end + 1 : end;
	}
}

/* The reason comes to send_one as the English text ingest stores; the
 * problem's data is read back from it rather than carried alongside, so
 * the store, inspect and this note all start from the same string. */
void send_problem_text(const struct survey_question *q, const char *lang,
		       const char *reason, struct buf *out)
{
	struct answers_pinfo p;

	if (answers_reason_parse(reason, &p) == 0) {
		answers_problem_text(&p, q, lang, out);
	} else {
		buf_reset(out);
		buf_adds(out, reason != NULL ? reason : "");
	}
	answers_pinfo_clear(&p);
}
