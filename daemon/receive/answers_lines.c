/*
 * answers_lines.c -- see answers_private.h: a reply as classified lines
 * (question header, answer line, form marker, signature, postscript),
 * where an answer ends, the ticked boxes of a question and the
 * corrections a postscript makes.
 */
#include "receive/answers_private.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"
#include "model/form.h"

/* ---- lines ------------------------------------------------------------- */

const char *
answers_skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Question number prefix: Latin "A"/"a" or the Cyrillic look-alike a
 * Bulgarian keyboard types (U+0410/U+0430), "Q"/"q", or nothing. */
static char
line_prefix(const char **sp)
{
	const unsigned char *s = (const unsigned char *)*sp;

	if ((*s == 'A' || *s == 'a' || *s == 'Q' || *s == 'q') &&
	    s[1] >= '0' && s[1] <= '9') {
		*sp += 1;
		return (char)toupper(*s);
	}
	if (s[0] == 0xD0 && (s[1] == 0x90 || s[1] == 0xB0) &&
	    s[2] >= '0' && s[2] <= '9') {
		*sp += 2;
		return 'A';
	}
	return 0;
}

/* "Question 3", "Vraag 3", "Otázka 3", "Въпрос 3", "Answer 3", ...: the
 * word people put before a number instead of "A3"; *sp past the word,
 * its spaces and a "č."/"nr."/"#"/"№". 'W', or 0. */
static char
word_prefix(const char **sp)
{
	static const char *const words[] = { "question", "vraag", "otazka",
		"answer", "antwoord", "odpoved",
		"\xD0\xB2\xD1\x8A\xD0\xBF\xD1\x80\xD0\xBE\xD1\x81", /* въпрос */
		"\xD0\xBE\xD1\x82\xD0\xB3\xD0\xBE\xD0\xB2\xD0\xBE\xD1\x80",
		NULL };
	const char *s = *sp;
	size_t n = 0;
	char head[32], *f;
	int hit = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '#' &&
	       !(s[n] >= '0' && s[n] <= '9') && n < sizeof(head) - 1)
		n++;
	if (n == 0 || n >= sizeof(head) - 1)
		return 0;
	memcpy(head, s, n);
	head[n] = '\0';
	f = answers_fold(head);
	for (size_t i = 0; words[i] && !hit; i++)
		hit = strcmp(f, words[i]) == 0;
	free(f);
	if (!hit)
		return 0;
	s = answers_skip_ws(s + n);
	if (strncmp(s, "c.", 2) == 0 || strncmp(s, "\xC4\x8D.", 3) == 0)
		s = answers_skip_ws(s + (s[0] == 'c' ? 2 : 3));
	else if (strncmp(s, "nr.", 3) == 0 ||
		 strncmp(s, "\xE2\x84\x96", 3) == 0)	/* № */
		s = answers_skip_ws(s + 3);
	else if (*s == '#')
		s = answers_skip_ws(s + 1);
	*sp = s;
	return 'W';
}

/* A table row as the html module writes it ("3. Areas<TAB>a, c"): the
 * last non-empty cell, or NULL if the line has no tab. */
static const char *
table_answer(const char *line)
{
	const char *tab = strrchr(line, '\t'), *last = NULL;

	if (tab == NULL)
		return NULL;
	for (const char *p = line; (p = strchr(p, '\t')) != NULL; p++)
		if (*answers_skip_ws(p + 1))
			last = answers_skip_ws(p + 1);
	return last ? last : "";
}

/* After a question number: the separator people write and where the
 * answer starts, or NULL. A bare number needs ":", ")", ".", "-" or an
 * en dash followed by a space; "A2 b" needs the "A". */
static const char *
after_sep(const char *d, char pre)
{
	const char *s = answers_skip_ws(d);

	if (*s == ':' || *s == ')' || (pre && *s == '=') ||
	    ((*s == '.' || *s == '-') && (pre || s[1] == ' ' ||
					  s[1] == '\t' || s[1] == '\0')))
		return answers_skip_ws(s + 1);
	if (strncmp(s, "\xE2\x80\x93", 3) == 0 ||
	    strncmp(s, "\xE2\x80\x94", 3) == 0)		/* en, em dash */
		return answers_skip_ws(s + 3);
	if ((pre == 'A' && s != d) || (pre && *s == '\0'))	/* "A2 b", "A2" */
		return s;
	return NULL;
}

/* Classify one line; for an answer, *n_r is the question number and
 * *rest_r the text after the separator. *bare_r: no prefix, so it only
 * counts in order (see answers_lines_split); 2 for the loose separators (".",
 * "-", a dash), which count only when more than one line
 * uses them. */
static enum lkind
line_kind(const char *line, size_t nq, int *n_r, const char **rest_r,
	  int *bare_r)
{
	const char *s = answers_skip_ws(line), *d, *tab;
	char pre;
	long n = 0;

	*bare_r = 0;
	if (strncmp(s, FORM_BEGIN_MARK, strlen(FORM_BEGIN_MARK)) == 0 ||
	    strcmp(s, FORM_END_MARK) == 0)
		return L_MARK;
	pre = line_prefix(&s);
	if (!pre)
		pre = word_prefix(&s);
	for (d = s; *d >= '0' && *d <= '9' && d - s < 4; d++)
		n = n * 10 + (*d - '0');
	if (d == s || (*d >= '0' && *d <= '9') || n < 1 || (size_t)n > nq)
		return L_OTHER;
	*n_r = (int)n;
	tab = table_answer(d);
	if (tab != NULL) {
		*bare_r = !pre;
		*rest_r = tab;
		return L_ANSWER;
	}
	*bare_r = pre ? 0 :
	    *answers_skip_ws(d) == ':' || *answers_skip_ws(d) == ')' ? 1 : 2;
	if (pre == 'Q' && *d == '.' && (d[1] == ' ' || d[1] == '\0'))
		return L_QHEAD;
	if (pre == 'Q' && *d == '.')
		return L_OTHER;
	if ((*rest_r = after_sep(d, pre == 'Q' ? 0 : pre)) != NULL)
		return L_ANSWER;
	return L_OTHER;
}

/* ---- where an answer ends ------------------------------------------------ */

#define ANSWERS_SIG_LINES 6	/* a name block after a closing line */
#define ANSWERS_SIG_WIDTH 60

/* Closing lines, folded, without the trailing comma. */
static const char *const closings[] = { "regards", "best regards",
	"kind regards", "warm regards", "best", "best wishes", "thanks",
	"thank you", "many thanks", "cheers", "sincerely", "yours sincerely",
	"met vriendelijke groet", "met vriendelijke groeten",
	"vriendelijke groet", "vriendelijke groeten", "groet", "groeten",
	"hartelijke groet", "mvg", "s pozdravem", "s pratelskym pozdravem",
	"zdravim", "zdravi", "diky", "dekuji", "s uctou", "pozdrav",
	"\xD0\xBF\xD0\xBE\xD0\xB7\xD0\xB4\xD1\x80\xD0\xB0\xD0\xB2\xD0\xB8",
	"\xD0\xBF\xD0\xBE\xD0\xB7\xD0\xB4\xD1\x80\xD0\xB0\xD0\xB2",
	"\xD1\x81 \xD1\x83\xD0\xB2\xD0\xB0\xD0\xB6\xD0\xB5\xD0\xBD\xD0\xB8\xD0\xB5",
	"\xD0\xB1\xD0\xBB\xD0\xB0\xD0\xB3\xD0\xBE\xD0\xB4\xD0\xB0\xD1\x80\xD1\x8F",
	NULL };
/* Lines a client adds under the text: "Sent from my iPhone". */
static const char *const sent_from[] = { "sent from", "get outlook",
	"verzonden vanaf", "verstuurd vanaf", "verzonden met",
	"odeslano z", "odeslano ze",
	"\xD0\xB8\xD0\xB7\xD0\xBF\xD1\x80\xD0\xB0\xD1\x82\xD0\xB5\xD0\xBD\xD0\xBE \xD0\xBE\xD1\x82",
	NULL };
/* "P.S.", "PS:", "P.P.S.", "П.П.", "П.С.": a postscript. */
static const char *const ps_marks[] = { "p.s.", "ps:", "ps ", "p.p.s.",
	"pps", "\xD0\xBF.\xD0\xBF.", "\xD0\xBF.\xD1\x81.", NULL };

static int
starts_with_any(const char *f, const char *const *list, int whole)
{
	for (size_t i = 0; list[i]; i++) {
		size_t n = strlen(list[i]);

		if (strncmp(f, list[i], n) == 0 && (!whole || f[n] == '\0'))
			return 1;
	}
	return 0;
}

/* A closing line alone ("Best regards,", "Поздрави,") or followed by a
 * name on the same line ("Thanks, Nikolay"). */
static int
is_closing(const char *folded)
{
	char *c = xstrdup(folded), *comma;
	size_t n = strlen(c);
	int r;

	while (n && strchr(",.!-", c[n - 1]))
		c[--n] = '\0';
	r = starts_with_any(c, closings, 1);
	if (!r && (comma = strchr(c, ',')) != NULL && strlen(comma) < 30 &&
	    strchr(comma + 1, ',') == NULL) {
		*comma = '\0';
		r = starts_with_any(c, closings, 1);
	}
	free(c);
	return r;
}

/* Mark where signatures and postscripts start: "-- ", a "Sent from"
 * line, a closing line with at most a short name block under it. */
static void
lines_mark_ends(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *t = answers_skip_ws(l->v[i]);
		char *f;

		if (l->kind[i] != L_OTHER || *t == '\0')
			continue;
		if (strcmp(t, "--") == 0 || strncmp(t, "___", 3) == 0) {
			l->kind[i] = L_END;
			continue;
		}
		f = answers_fold(t);
		if (starts_with_any(f, ps_marks, 0))
			l->kind[i] = L_PS;
		else if (starts_with_any(f, sent_from, 0))
			l->kind[i] = L_END;
		else if (strlen(t) <= ANSWERS_SIG_WIDTH && is_closing(f)) {
			size_t j, k = 0;

			for (j = i + 1; j < l->n && l->kind[j] == L_OTHER &&
			     k <= ANSWERS_SIG_LINES && j - i < 4 *
			     ANSWERS_SIG_LINES; j++)
				if (*answers_skip_ws(l->v[j])) {
					k++;
					if (strlen(l->v[j]) > ANSWERS_SIG_WIDTH)
						k = ANSWERS_SIG_LINES + 1;
				}
			if (k <= ANSWERS_SIG_LINES)
				l->kind[i] = L_END;
		}
		free(f);
	}
}

/* Split and classify. A bare "<n>)", "<n>." or "<n> -" counts as an
 * answer only when n is past the last question seen above it: numbered
 * lists inside a free text answer ("1) mediators") restart at 1 and a
 * date typed below "A13:" ("12. března") must stay text. A lone "1."
 * line ("1. I will answer next week") is no list of answers either. */
void
answers_lines_split(const char *text, size_t nq, struct lines *l)
{
	int last = 0;
	size_t nloose = 0, loose = 0, cap = 0;

	memset(l, 0, sizeof(*l));
	while (text && *text) {
		size_t n = strcspn(text, "\n"), m = n, i = l->n;
		int bare = 0;

		while (m && (text[m - 1] == '\r' || text[m - 1] == ' ' ||
			     text[m - 1] == '\t'))
			m--;
		if (i == cap) {	/* doubling: one realloc per line was slow */
			cap = cap ? 2 * cap : 32;
			l->v = xreallocarray(l->v, cap, sizeof(*l->v));
			l->kind = xreallocarray(l->kind, cap, sizeof(*l->kind));
			l->num = xreallocarray(l->num, cap, sizeof(*l->num));
			l->rest = xreallocarray(l->rest, cap, sizeof(*l->rest));
		}
		l->v[i] = xstrndup(text, m);
		l->num[i] = 0;
		l->rest[i] = NULL;
		l->kind[i] = (int)line_kind(l->v[i], nq, &l->num[i],
					    &l->rest[i], &bare);
		if (bare && l->num[i] <= last)
			l->kind[i] = L_OTHER;
		if (l->kind[i] == L_ANSWER || l->kind[i] == L_QHEAD)
			last = l->num[i];
		if (l->kind[i] == L_ANSWER && bare == 2 && nloose++ == 0)
			loose = i;
		l->n++;
		text += n + (text[n] == '\n');
	}
	if (nloose == 1)
		l->kind[loose] = L_OTHER;
	lines_mark_ends(l);
}

void
answers_lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->kind);
	free(l->num);
	free(l->rest);
}

/* The text of the answer starting at line i: the rest of its line and
 * the lines up to the next header, answer line or marker. Free text
 * keeps its lines; other types take the first non-empty line. */
static char *
span_value(const struct lines *l, size_t i, int free_text)
{
	struct buf b;
	size_t blank = 0;

	buf_init(&b, 0);
	buf_adds(&b, l->rest[i]);
	for (size_t j = i + 1; j < l->n; j++) {
		if (l->kind[j] != L_OTHER)
			break;
		if (!free_text && b.len)
			break;
		if (*answers_skip_ws(l->v[j]) == '\0') {
			blank++;	/* keep inner blank lines only */
			continue;
		}
		if (!free_text) {
			buf_adds(&b, answers_skip_ws(l->v[j]));
			continue;
		}
		for (; blank && b.len; blank--)
			buf_addc(&b, '\n');
		blank = 0;
		if (b.len)
			buf_addc(&b, '\n');
		buf_adds(&b, l->v[j]);
	}
	return buf_steal(&b);
}

/* First non-empty answer to question n in l, from line `from` on. */
char *
answers_find_answer(const struct lines *l, size_t from, int n, int free_text)
{
	for (size_t i = from; i < l->n; i++) {
		char *v;

		if (l->kind[i] != L_ANSWER || l->num[i] != n)
			continue;
		v = span_value(l, i, free_text);
		if (*answers_skip_ws(v))
			return v;
		free(v);
	}
	return NULL;
}

/* Where the form starts in the quoted text: answers are read only after
 * the begin marker, so the instruction's "A2: b" example never counts. */
size_t
answers_form_start(const struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->kind[i] == L_MARK && strncmp(answers_skip_ws(l->v[i]),
			FORM_BEGIN_MARK, strlen(FORM_BEGIN_MARK)) == 0)
			return i + 1;
	return 0;
}

/* ---- ticks ---------------------------------------------------------------- */

/* "[x] b) Housing", "[X] Housing", "(x) b)", "☒ b)": the text after
 * the box. */
static const char *
tick_rest(const char *line)
{
	static const char *const boxes[] = { "\xE2\x98\x92", /* ☒ */
		"\xE2\x98\x91", "\xE2\x9C\x85", "\xE2\x96\xA0", NULL };
	const char *s = answers_skip_ws(line);
	char open = *s, close = open == '[' ? ']' : open == '(' ? ')' : 0;
	size_t n;

	for (size_t i = 0; boxes[i]; i++)
		if (strncmp(s, boxes[i], strlen(boxes[i])) == 0)
			return answers_skip_ws(s + strlen(boxes[i]));
	if (!close)
		return NULL;
	s = answers_skip_ws(s + 1);
	n = strcspn(s, "] )");
	/* x, X, v, *, +, a check mark, or a Cyrillic х */
	if (!((n == 1 && strchr("xXvV*+", *s)) ||
	      (n == 2 && strncmp(s, "\xD1\x85", 2) == 0) ||
	      (n == 2 && strncmp(s, "\xD0\xA5", 2) == 0) ||
	      (n == 3 && (strncmp(s, "\xE2\x9C\x93", 3) == 0 ||
			  strncmp(s, "\xE2\x9C\x94", 3) == 0))))
		return NULL;
	s = answers_skip_ws(s + n);
	return *s == close ? answers_skip_ws(s + 1) : NULL;
}

/* Ticked options in question n's block (its header to the next header
 * or marker), as "text\n" pieces for norm_choices; NULL if none. */
char *
answers_find_ticks(const struct lines *l, size_t from, int n)
{
	struct buf b;
	int in = 0;

	buf_init(&b, 0);
	for (size_t i = from; i < l->n; i++) {
		const char *t;

		if (l->kind[i] == L_MARK || l->kind[i] == L_QHEAD)
			in = l->kind[i] == L_QHEAD && l->num[i] == n;
		else if (in && (t = tick_rest(l->v[i])) != NULL && *t)
			buf_printf(&b, "%s\n", t);
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- postscripts ----------------------------------------------------------- */

/* Words between a question and its corrected value in a postscript:
 * "Q3 should be c", "otázka 6 má být c", "въпрос 8 трябва да е в". */
/* NOLINTBEGIN(bugprone-suspicious-missing-comma): each Cyrillic verb is one text split over lines */
static const char *const ps_verbs[] = { "should be ", "must be ",
	"is ", "ma byt ", "musi byt ", "je ", "moet zijn ", "moet ",
	"wordt ", "= ", ": ", "-> ",
	"\xD1\x82\xD1\x80\xD1\x8F\xD0\xB1\xD0\xB2\xD0\xB0 \xD0\xB4\xD0\xB0 "
	"\xD0\xB5 ",						/* трябва да е */
	"\xD1\x82\xD1\x80\xD1\x8F\xD0\xB1\xD0\xB2\xD0\xB0 \xD0\xB4\xD0\xB0 "
	"\xD0\xB1\xD1\x8A\xD0\xB4\xD0\xB5 ",			/* трябва да бъде */
	"\xD0\xB5 ", NULL };					/* е */
/* NOLINTEND(bugprone-suspicious-missing-comma) */

/* The value a postscript line gives a question ("P.S. Q3 should be c"
 * -> "c", *n_r 3), or NULL. The question is named as the reply forms
 * name it: "Q3", "A3", "question 3", "otázka 3", "въпрос 3". */
static char *
ps_value(const char *line, size_t nq, int *n_r)
{
	char *f = answers_fold(line), *r = NULL;

	for (const char *p = f; *p && r == NULL; p++) {
		const char *d = p;
		long num = 0;

		if (p != f && p[-1] != ' ')
			continue;
		if ((*d == 'q' || *d == 'a') && d[1] >= '0' && d[1] <= '9')
			d++;
		else if (!word_prefix(&d))
			continue;
		for (; *d >= '0' && *d <= '9' && num < 10000; d++)
			num = num * 10 + (*d - '0');
		if (num < 1 || (size_t)num > nq || (*d >= '0' && *d <= '9'))
			continue;
		*n_r = (int)num;
		d = answers_skip_ws(d);
		for (size_t k = 0; ps_verbs[k]; k++) {
			size_t m = strlen(ps_verbs[k]);

			if (strncmp(d, ps_verbs[k], m) == 0 ||
			    (d[0] == ps_verbs[k][0] && strchr(":=", d[0]) &&
			     (m = 1))) {
				const char *v = answers_skip_ws(d + m);
				size_t len = strcspn(v, ",;!(");
				const char *dash = strstr(v, " -");

				if (dash && (size_t)(dash - v) < len)
					len = (size_t)(dash - v);
				while (len && strchr(". ", v[len - 1]))
					len--;
				if (len)
					r = xstrndup(v, len);
				break;
			}
		}
	}
	free(f);
	return r;
}

/* What the postscripts in l correct: ps[n] the last value given to
 * question n (1..nq), or NULL; the caller frees each and ps. */
char **
answers_ps_collect(const struct lines *l, size_t nq)
{
	char **ps = xcalloc(nq + 1, sizeof(*ps));

	for (size_t i = 0; i < l->n; i++) {
		int n = 0;
		char *v;

		if (l->kind[i] != L_PS ||
		    (v = ps_value(l->v[i], nq, &n)) == NULL)
			continue;
		free(ps[n]);
		ps[n] = v;
	}
	return ps;
}

