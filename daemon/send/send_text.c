/*
 * send_text.c -- the pure text helpers of the send pipeline (see
 * send_private.h): campaign [vars] from their stored JSON, dates as a
 * reader of each language writes them, answers and problem reasons as
 * the respondent reads them. No store, no network, no allocation that outlives a call.
 */
#include "send/send_private.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receive/answers.h"
#include "base/xmem.h"

/* ---- flat JSON object of campaign variables ------------------------------ */

struct jp {
	const char *p, *end;
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && isspace((unsigned char)*j->p))
		j->p++;
}

static int jp_hex4(struct jp *j, unsigned *v)
{
	unsigned i, c;

	if (j->end - j->p < 4)
		return -1;
	for (*v = 0, i = 0; i < 4; i++) {
		c = (unsigned char)j->p[i];
		if (!isxdigit(c))
			return -1;
		*v = *v * 16 + (isdigit(c) ? c - '0' : (c | 32) - 'a' + 10);
	}
	j->p += 4;
	return 0;
}

static void utf8_put(struct buf *b, unsigned cp)
{
	char u[4];

	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 4);
	}
}

/* A JSON string at j->p (after the quote) into b; -1 if malformed. */
static int jp_string(struct jp *j, struct buf *b)
{
	static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	unsigned cp, lo;
	const char *x;

	buf_reset(b);
	while (j->p < j->end && *j->p != '"') {
		if (*j->p != '\\') {
			buf_addc(b, *j->p++);
			continue;
		}
		if (++j->p >= j->end)
			return -1;
		if (*j->p == 'u') {
			j->p++;
			if (jp_hex4(j, &cp) != 0)
				return -1;
			if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->p >= 6 &&
			    j->p[0] == '\\' && j->p[1] == 'u') {
				j->p += 2;
				if (jp_hex4(j, &lo) != 0)
					return -1;
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
			}
			utf8_put(b, cp);
			continue;
		}
		for (x = esc; *x != '\0' && *x != *j->p; x += 2)
			;
		if (*x == '\0')
			return -1;
		buf_addc(b, x[1]);
		j->p++;
	}
	if (j->p >= j->end)
		return -1;
	j->p++;
	return 0;
}

/* One value: its text into tmp and its type ('s' string, 'n' number kept
 * as its text, 'b' true/false, 'z' null). Nested objects and arrays are
 * refused. */
static int jp_value(struct jp *j, struct buf *tmp, char *type_r)
{
	const char *s = j->p;

	buf_reset(tmp);
	if (j->p < j->end && *j->p == '"') {
		j->p++;
		*type_r = 's';
		return jp_string(j, tmp);
	}
	if (j->end - j->p >= 4 && strncmp(j->p, "true", 4) == 0) {
		j->p += 4;
		*type_r = 'b';
		buf_adds(tmp, "true");
	} else if (j->end - j->p >= 5 && strncmp(j->p, "false", 5) == 0) {
		j->p += 5;
		*type_r = 'b';
		buf_adds(tmp, "false");
	} else if (j->end - j->p >= 4 && strncmp(j->p, "null", 4) == 0) {
		j->p += 4;
		*type_r = 'z';
	} else {
		while (j->p < j->end && strchr("+-.0123456789eE", *j->p))
			j->p++;
		if (j->p == s)
			return -1;
		*type_r = 'n';
		buf_add(tmp, s, (size_t)(j->p - s));
	}
	return 0;
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
	struct jp j = { json, json + strlen(json) };
	struct buf key, tmp;
	char type;
	int rc = -1;

	buf_init(&key, 0);
	buf_init(&tmp, 0);
	jp_ws(&j);
	if (j.p == j.end) {
		rc = 0;		/* no vars at all */
		goto out;
	}
	if (*j.p++ != '{')
		goto out;
	for (jp_ws(&j); j.p < j.end && *j.p != '}'; jp_ws(&j)) {
		if (*j.p++ != '"' || jp_string(&j, &key) != 0)
			goto out;
		jp_ws(&j);
		if (j.p >= j.end || *j.p++ != ':')
			goto out;
		jp_ws(&j);
		if (jp_value(&j, &tmp, &type) != 0 ||
		    cb(arg, buf_cstr(&key), type, buf_cstr(&tmp)) != 0)
			goto out;
		jp_ws(&j);
		if (j.p < j.end && *j.p == ',')
			j.p++;
	}
	rc = j.p < j.end ? 0 : -1;
out:
	if (rc != 0)
		err_set(e, "vars: not a flat JSON object (at byte %ld)",
			(long)(j.p - json));
	buf_free(&key);
	buf_free(&tmp);
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
