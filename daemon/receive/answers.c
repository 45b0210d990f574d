/*
 * answers.c -- read a respondent's answers out of a reply; see answers.h.
 *
 * A reply is split into lines, and each line is classified: a question
 * header "Q<n>." (the form's own line), an answer line ("A<n>: ...",
 * "<n>: ...", "<n>) ...", "Q<n>: ...", "Vraag <n>: ...", "<n>. ...",
 * a table row), a form marker, where a signature starts, a postscript,
 * or anything else. An answer runs from its line to the next header,
 * answer line, marker or signature. An answer in both the new text and
 * the quoted form that differs is kept unconfirmed; a postscript naming
 * a question replaces its answer. The new text is searched first, then the quoted form; ticks
 * ("[x] a) Education") inside a question's block count when no answer
 * line holds a value. Comparisons go through fold(): lower case, no
 * diacritics, Cyrillic included: "ОБРАЗОВАНИЕ" matches "Образование",
 * "vzdelavani" matches "Vzdělávání".
 */
#include "base/lang.h"
#include "receive/answers.h"
#include "receive/answers_private.h"
#include "receive/answers_values.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "model/form.h"
#include "base/xmem.h"

#define ANSWERS_MAX_QUOTE 40	/* bytes of a bad answer quoted back */

struct answer {
	char *qid;
	char *value;
	int unconfirmed;	/* read, but not sure: asked back */
};

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

/* ---- folding ----------------------------------------------------------- */

/* Base letters for U+00C0..U+00FF and U+0100..U+017F; '?' keeps the
 * character (multiplication and division signs). */
static const char fold_latin1[] =
	"aaaaaaaceeeeiiiidnooooo?ouuuuyts"
	"aaaaaaaceeeeiiiidnooooo?ouuuuyty";
static const char fold_latin_a[] =
	"aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh"
	"iiiiiiiiii" "ii" "jj" "kkk" "llllllllll" "nnnnnnnnn" "oooooo" "oo"
	"rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy" "zzzzzz" "s";
_Static_assert(sizeof(fold_latin1) == 65, "Latin-1 fold table");
_Static_assert(sizeof(fold_latin_a) == 129, "Latin Extended-A fold table");

/* Decode one UTF-8 sequence; invalid bytes decode as themselves so that
 * broken input still compares (and never reads past the end). */
static unsigned
u8dec(const unsigned char *p, size_t *len)
{
	unsigned c = p[0];
	size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 :
		   (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;

	if (n == 0) {
		*len = 1;
		return c;
	}
	c &= n == 1 ? 0x7F : 0x7F >> n;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*len = 1;
			return p[0];
		}
		c = (c << 6) | (p[i] & 0x3F);
	}
	*len = n;
	return c;
}

static void
u8enc(struct buf *b, unsigned c)
{
	char s[4];

	if (c < 0x80) {
		s[0] = (char)c;
		buf_add(b, s, 1);
	} else if (c < 0x800) {
		s[0] = (char)(0xC0 | (c >> 6));
		s[1] = (char)(0x80 | (c & 0x3F));
		buf_add(b, s, 2);
	} else if (c < 0x10000) {
		s[0] = (char)(0xE0 | (c >> 12));
		s[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[2] = (char)(0x80 | (c & 0x3F));
		buf_add(b, s, 3);
	} else {
		s[0] = (char)(0xF0 | (c >> 18));
		s[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[3] = (char)(0x80 | (c & 0x3F));
		buf_add(b, s, 4);
	}
}

/* One code point folded; 0 means "drop it" (combining marks). */
static unsigned
fold_cp(unsigned c)
{
	if (c < 0x80)
		return (unsigned)tolower((int)c);
	if (c == 0xA0 || c == 0x202F || c == 0x2007)
		return ' ';
	if (c >= 0xC0 && c <= 0xFF && fold_latin1[c - 0xC0] != '?')
		return (unsigned char)fold_latin1[c - 0xC0];
	if (c >= 0x100 && c <= 0x17F)
		return (unsigned char)fold_latin_a[c - 0x100];
	if (c >= 0x300 && c <= 0x36F)
		return 0;		/* decomposed accents (Apple Mail) */
	if (c >= 0x400 && c <= 0x40F)
		c += 0x50;
	else if (c >= 0x410 && c <= 0x42F)
		c += 0x20;
	if (c == 0x451)
		return 0x435;		/* ё -> е */
	if (c == 0x439 || c == 0x45D)
		return 0x438;		/* й, ѝ -> и */
	if (c >= 0x2010 && c <= 0x2015)
		return '-';
	if (c == 0x2018 || c == 0x2019)
		return '\'';
	if (c >= 0x201C && c <= 0x201E)
		return '"';
	return c;
}

/* Folded, white space collapsed, trimmed; the caller frees. */
static char *
fold(const char *s)
{
	struct buf b;
	int space = 0;

	buf_init(&b, 0);
	while (*s) {
		size_t n;
		unsigned c = fold_cp(u8dec((const unsigned char *)s, &n));

		s += n;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = b.len > 0;
			continue;
		}
		if (c == 0)
			continue;
		if (space)
			buf_addc(&b, ' ');
		space = 0;
		u8enc(&b, c);
	}
	return buf_steal(&b);
}

/* ---- lines ------------------------------------------------------------- */

static const char *
skip_ws(const char *s)
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
	f = fold(head);
	for (size_t i = 0; words[i] && !hit; i++)
		hit = strcmp(f, words[i]) == 0;
	free(f);
	if (!hit)
		return 0;
	s = skip_ws(s + n);
	if (strncmp(s, "c.", 2) == 0 || strncmp(s, "\xC4\x8D.", 3) == 0)
		s = skip_ws(s + (s[0] == 'c' ? 2 : 3));
	else if (strncmp(s, "nr.", 3) == 0 ||
		 strncmp(s, "\xE2\x84\x96", 3) == 0)	/* № */
		s = skip_ws(s + 3);
	else if (*s == '#')
		s = skip_ws(s + 1);
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
		if (*skip_ws(p + 1))
			last = skip_ws(p + 1);
	return last ? last : "";
}

/* After a question number: the separator people write and where the
 * answer starts, or NULL. A bare number needs ":", ")", ".", "-" or an
 * en dash followed by a space; "A2 b" needs the "A". */
static const char *
after_sep(const char *d, char pre)
{
	const char *s = skip_ws(d);

	if (*s == ':' || *s == ')' || (pre && *s == '=') ||
	    ((*s == '.' || *s == '-') && (pre || s[1] == ' ' ||
					  s[1] == '\t' || s[1] == '\0')))
		return skip_ws(s + 1);
	if (strncmp(s, "\xE2\x80\x93", 3) == 0 ||
	    strncmp(s, "\xE2\x80\x94", 3) == 0)		/* en, em dash */
		return skip_ws(s + 3);
	if ((pre == 'A' && s != d) || (pre && *s == '\0'))	/* "A2 b", "A2" */
		return s;
	return NULL;
}

/* Classify one line; for an answer, *n_r is the question number and
 * *rest_r the text after the separator. *bare_r: no prefix, so it only
 * counts in order (see lines_split); 2 for the loose separators (".",
 * "-", a dash), which count only when more than one line
 * uses them. */
static enum lkind
line_kind(const char *line, size_t nq, int *n_r, const char **rest_r,
	  int *bare_r)
{
	const char *s = skip_ws(line), *d, *tab;
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
	*bare_r = pre ? 0 : *skip_ws(d) == ':' || *skip_ws(d) == ')' ? 1 : 2;
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
		const char *t = skip_ws(l->v[i]);
		char *f;

		if (l->kind[i] != L_OTHER || *t == '\0')
			continue;
		if (strcmp(t, "--") == 0 || strncmp(t, "___", 3) == 0) {
			l->kind[i] = L_END;
			continue;
		}
		f = fold(t);
		if (starts_with_any(f, ps_marks, 0))
			l->kind[i] = L_PS;
		else if (starts_with_any(f, sent_from, 0))
			l->kind[i] = L_END;
		else if (strlen(t) <= ANSWERS_SIG_WIDTH && is_closing(f)) {
			size_t j, k = 0;

			for (j = i + 1; j < l->n && l->kind[j] == L_OTHER &&
			     k <= ANSWERS_SIG_LINES && j - i < 4 *
			     ANSWERS_SIG_LINES; j++)
				if (*skip_ws(l->v[j])) {
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
static void
lines_split(const char *text, size_t nq, struct lines *l)
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

static void
lines_free(struct lines *l)
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
		if (*skip_ws(l->v[j]) == '\0') {
			blank++;	/* keep inner blank lines only */
			continue;
		}
		if (!free_text) {
			buf_adds(&b, skip_ws(l->v[j]));
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
static char *
find_answer(const struct lines *l, size_t from, int n, int free_text)
{
	for (size_t i = from; i < l->n; i++) {
		char *v;

		if (l->kind[i] != L_ANSWER || l->num[i] != n)
			continue;
		v = span_value(l, i, free_text);
		if (*skip_ws(v))
			return v;
		free(v);
	}
	return NULL;
}

/* Where the form starts in the quoted text: answers are read only after
 * the begin marker, so the instruction's "A2: b" example never counts. */
static size_t
form_start(const struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->kind[i] == L_MARK && strncmp(skip_ws(l->v[i]),
			FORM_BEGIN_MARK, strlen(FORM_BEGIN_MARK)) == 0)
			return i + 1;
	return 0;
}

/* ---- results ------------------------------------------------------------ */

static void
add_answer(struct answers *a, const char *qid, char *value, int unsure)
{
	a->a = xreallocarray(a->a, a->na + 1, sizeof(*a->a));
	a->a[a->na].qid = xstrdup(qid);
	a->a[a->na].value = value;
	a->a[a->na].unconfirmed = unsure;
	a->na++;
}

/* The respondent's words, cut short and on one line, to quote back. */
static char *
quote_back(const char *raw)
{
	struct buf b;
	size_t n = 0;

	buf_init(&b, 0);
	for (const char *s = skip_ws(raw); *s && n < ANSWERS_MAX_QUOTE;) {
		size_t len;

		u8dec((const unsigned char *)s, &len);
		if (*s == '\n' || *s == '\r')
			buf_addc(&b, ' ');
		else
			buf_add(&b, s, len);
		s += len;
		n += len;
		if (n >= ANSWERS_MAX_QUOTE && *s)
			buf_adds(&b, "...");
	}
	return buf_steal(&b);
}

/* "a, b, c" for the problem texts */
static char *
keys_list(const struct survey_question *q)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t j = 0; j < q->noptions; j++)
		buf_printf(&b, "%s%s", j ? ", " : "", q->options[j].key);
	return buf_steal(&b);
}

/* Record a problem with q: raw is the respondent's answer (NULL for
 * "required"), n/min/max the number and bounds of a range problem. The
 * English reason is rendered from the same data answers_problem_text
 * renders for the respondent, so the two never disagree. */
static void
add_problem(struct answers *a, const struct survey_question *q,
	    enum answers_pcode code, const char *raw, long n, long min,
	    long max)
{
	struct problem *p;
	struct buf b;

	a->p = xreallocarray(a->p, a->np + 1, sizeof(*a->p));
	p = &a->p[a->np++];
	p->qid = xstrdup(q->id);
	p->info.code = code;
	p->info.number = q->number;
	p->info.value = raw ? quote_back(raw) : xstrdup("");
	p->info.keys = code == ANSWERS_P_NOT_OPTION ||
		       code == ANSWERS_P_ONLY_ONE ? keys_list(q) : xstrdup("");
	p->info.n = n;
	p->info.min = min;
	p->info.max = max;
	buf_init(&b, 0);
	answers_reason_en(&p->info, &b);
	p->reason = buf_steal(&b);
}

static void
problem_free(struct problem *p)
{
	free(p->qid);
	free(p->reason);
	answers_pinfo_clear(&p->info);
}

/* ---- choices ------------------------------------------------------------ */


/* A folded label equals piece, or holds it as whole words ("health"
 * for "health care", "училища и детски градини" for "Посещения в
 * училища и детски градини"): 2 for equal, 1 for words of it, 0 else. */
static int
label_match(const char *label, const char *piece)
{
	char *f = fold(label);
	size_t n = strlen(piece);
	int r = 0;

	if (strcmp(f, piece) == 0)
		r = 2;
	for (const char *h = f; !r && n >= 4 && (h = strstr(h, piece));
	     h++)
		if ((h == f || h[-1] == ' ') &&
		    (h[n] == ' ' || h[n] == '\0'))
			r = 1;
	free(f);
	return r;
}

/* Option index for one folded piece, or -1. */
static int
match_one(const struct survey *sv, const struct survey_question *q,
	  const char *piece)
{
	int prefix = -1, nprefix = 0;
	char *end;
	long num;

	/* "b" alone, or "b) Housing" as the form shows it (a ticked line) */
	if (piece[0] >= 'a' && piece[0] <= 'z' &&
	    (piece[1] == '\0' || (piece[1] == ')' && (piece[2] == ' ' ||
						       piece[2] == '\0'))))
		for (size_t j = 0; j < q->noptions; j++)
			if (q->options[j].key[0] == piece[0] &&
			    q->options[j].key[1] == '\0' &&
			    (piece[1] == '\0' || piece[2] == '\0' ||
			     match_one(sv, q, piece + 3) == (int)j))
				return (int)j;
	errno = 0;
	num = strtol(piece, &end, 10);
	if (end != piece && *end == '\0' && errno == 0 && num >= 1 &&
	    (size_t)num <= q->noptions && q->type != SURVEY_DATE)
		return (int)num - 1;
	for (size_t j = 0; j < q->noptions; j++) {
		if (strcmp(q->options[j].id, piece) == 0)
			return (int)j;
		for (size_t k = 0; k < LANG_N; k++) {
			int m = label_match(survey_otext(sv, q,
				q->options[j].id, lang_code[k]), piece);

			if (m == 2)
				return (int)j;
			if (m == 1 && prefix != (int)j) {
				prefix = (int)j;
				nprefix++;
			}
		}
	}
	return nprefix == 1 ? prefix : -1;
}

/* Trim what people put around a choice: "(b)", "b.", "'b'", "[x] b". */
static char *
piece_clean(const char *s)
{
	char *p = xstrdup(skip_ws(s)), *b = p;
	size_t n;

	if (b[0] == '[' && b[1] && b[2] == ']')
		b = (char *)skip_ws(b + 3);
	while (*b == '(' || *b == '"' || *b == '\'' || *b == '-' ||
	       *b == '*')
		b = (char *)skip_ws(b + 1);
	n = strlen(b);
	while (n && strchr(".:!\"') ", b[n - 1]))
		b[--n] = '\0';
	memmove(p, b, n + 1);
	return p;
}

static int
is_conjunction(const char *w)
{
	static const char *const words[] = { "and", "or", "en", "of", "und",
		"oder", "nebo", "\xD0\xB8", "\xD0\xB8\xD0\xBB\xD0\xB8" };

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strcmp(w, words[i]) == 0)
			return 1;
	return 0;
}

/* Mark the options one phrase names: the whole phrase, else each of
 * its words ("a c"). 0, or -1 when something in it is not an option;
 * the first such word ends the reading (the answer is asked back
 * anyway), so a long unreadable answer costs little. */
static int
choose_phrase(const struct survey *sv, const struct survey_question *q,
	      char *phrase, int *chosen)
{
	char *save = NULL, *w;
	int j, rc = 0;

	if ((j = match_one(sv, q, phrase)) >= 0) {
		chosen[j] = 1;
		return 0;
	}
	for (w = strtok_r(phrase, " ", &save); w && rc == 0;
	     w = strtok_r(NULL, " ", &save)) {
		char *cw = piece_clean(w);

		if (*cw) {
			if ((j = match_one(sv, q, cw)) >= 0)
				chosen[j] = 1;
			else
				rc = -1;
		}
		free(cw);
	}
	return rc;
}

/* A word joining options: "and", "en", "и", "nebo"...; Czech "a" only
 * between longer words ("bydlení a zdravotní péče"), where it cannot
 * be option a. */
static int
joins(char *const *w, size_t i, size_t n)
{
	return is_conjunction(w[i]) ||
	       (strcmp(w[i], "a") == 0 && i > 0 && i + 1 < n &&
		strlen(w[i - 1]) > 1 && strlen(w[i + 1]) > 1);
}

/* Mark the options one piece names: the whole piece, else each phrase
 * between joining words ("education and health care"). */
static int
choose_piece(const struct survey *sv, const struct survey_question *q,
	     const char *piece, int *chosen)
{
	char *c = piece_clean(piece), *save = NULL, **w = NULL, *t;
	size_t n = 0;
	int rc = 0;
	struct buf ph;

	int j = *c ? match_one(sv, q, c) : -1;

	if (j >= 0 || *c == '\0') {
		if (j >= 0)
			chosen[j] = 1;
		free(c);
		return 0;
	}
	for (t = strtok_r(c, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		w = xreallocarray(w, n + 1, sizeof(*w));
		w[n++] = t;
	}
	buf_init(&ph, 0);
	for (size_t i = 0; i <= n && rc == 0; i++) {
		if (i < n && !joins(w, i, n)) {
			buf_printf(&ph, "%s%s", ph.len ? " " : "", w[i]);
			continue;
		}
		if (ph.len) {
			char *pc = piece_clean(buf_cstr(&ph));

			if (*pc && choose_phrase(sv, q, pc, chosen) < 0)
				rc = -1;
			free(pc);
		}
		buf_reset(&ph);
	}
	buf_free(&ph);
	free(w);
	free(c);
	return rc;
}

/* A date question answered with a date rather than a letter: "12 март",
 * "10.3.", "June 9", "úterý 16. června". The option that fits, or -1;
 * *unsure_r when only a weekday is named ("the Thursday") or the
 * weekday contradicts the day. */
static int
date_choice(const struct survey_question *q, const char *folded,
	    int *unsure_r)
{
	struct av_date d;
	int found = -1, nfit = 0, nday = 0, dayfit = -1;

	if (q->type != SURVEY_DATE || !av_date(folded, &d))
		return -1;
	for (size_t j = 0; j < q->noptions; j++) {
		int fit = av_date_fits(&d, q->options[j].id);

		if (fit == 2) {
			found = (int)j;
			nfit++;
		}
		if (fit >= 1) {
			dayfit = (int)j;
			nday++;
		}
	}
	if (nfit == 1 && (d.day || d.month)) {
		return found;
	}
	if (nfit == 1 || (nfit == 0 && nday == 1 && d.day)) {
		*unsure_r = 1;		/* a weekday alone, or a contradiction */
		return nfit == 1 ? found : dayfit;
	}
	return -1;
}

/* raw -> option ids joined by ","; NULL after adding a problem. */
static char *
norm_choices(const struct survey *sv, const struct survey_question *q,
	     const char *raw, struct answers *a, int *unsure_r)
{
	int *chosen = xcalloc(q->noptions ? q->noptions : 1, sizeof(int));
	char *f = fold(raw), *save = NULL, *cyr;
	int ok = 1, n = 0, whole, amb = 0;
	struct buf b;

	if ((cyr = av_cyrillic_keys(f, &amb)) != NULL) {
		free(f);
		f = cyr;		/* "а, в, г" is a, c, d */
		*unsure_r |= amb;
	}
	if ((whole = date_choice(q, f, unsure_r)) >= 0 ||
	    (whole = match_one(sv, q, f)) >= 0)
		chosen[whole] = 1;
	for (char *p = whole < 0 ? strtok_r(f, ",;/+&\n", &save) : NULL;
	     p && ok; p = strtok_r(NULL, ",;/+&\n", &save))
		if (choose_piece(sv, q, p, chosen) < 0)
			ok = 0;
	free(f);
	buf_init(&b, 0);
	for (size_t j = 0; j < q->noptions; j++)
		if (chosen[j])
			buf_printf(&b, "%s%s", n++ ? "," : "",
				   q->options[j].id);
	free(chosen);
	if (!ok || n == 0)
		add_problem(a, q, ANSWERS_P_NOT_OPTION, raw, 0, 0, 0);
	else if (n > 1 && q->type != SURVEY_MULTI)
		add_problem(a, q, ANSWERS_P_ONLY_ONE, raw, 0, 0, 0);
	if (!ok || n == 0 || (n > 1 && q->type != SURVEY_MULTI)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- yes/no, numbers, text ---------------------------------------------- */

static char *
norm_yesno(const struct survey_question *q, const char *raw,
	   struct answers *a)
{
	char *f = fold(raw);
	int corrected, v = av_yesno(f, &corrected);

	free(f);
	if (v >= 0)
		return xstrdup(v ? "yes" : "no");
	add_problem(a, q, ANSWERS_P_NOT_YESNO, raw, 0, 0, 0);
	return NULL;
}

/* A question about money: its text names the euro in some language. */
static int
asks_euro(const struct survey *sv, const struct survey_question *q)
{
	int r = 0;

	for (size_t k = 0; k < LANG_N && !r; k++) {
		char *t = fold(survey_qtext(sv, q, lang_code[k]));

		r = strstr(t, "euro") != NULL || strstr(t, "\xD0\xB5\xD0\xB2"
			"\xD1\x80\xD0\xBE") != NULL;	/* евро */
		free(t);
	}
	return r;
}

/* A scale may also be answered with its end labels ("very well"). */
static int
scale_label(const struct survey *sv, const struct survey_question *q,
	    const char *folded, long *v)
{
	for (size_t k = 0; q->type == SURVEY_SCALE &&
	     k < LANG_N; k++) {
		if (label_match(survey_otext(sv, q, "min", lang_code[k]),
				folded) == 2) {
			*v = q->min;
			return 1;
		}
		if (label_match(survey_otext(sv, q, "max", lang_code[k]),
				folded) == 2) {
			*v = q->max;
			return 1;
		}
	}
	return 0;
}

/* An amount whose unit is unclear: another currency than the one asked
 * for, or a bare number under a thousand where thousands may be meant
 * ("asi 30" to a question about a budget in euro). */
static int
unclear_amount(const struct survey *sv, const struct survey_question *q,
	       const struct av_num *n)
{
	if (q->type != SURVEY_NUMBER || !asks_euro(sv, q))
		return 0;
	return n->foreign || (!n->euro && !n->scaled && n->v > 0 &&
			      n->v < 1000);
}

static char *
norm_number(const struct survey *sv, const struct survey_question *q,
	    const char *raw, struct answers *a, int *unsure_r)
{
	char *f = fold(raw), *r = NULL;
	struct av_num n;
	long v = 0;

	av_number(f, &n);
	v = n.v;
	/* "4 от 5", "3/5", "3 out of 5", or an end label ("very well") */
	if ((q->type == SURVEY_SCALE && q->has_max &&
	     av_scale(f, q->max, &v)) ||
	    (n.count == 0 && scale_label(sv, q, f, &v)))
		n.count = 1;
	if (n.count == 0)
		add_problem(a, q, ANSWERS_P_NOT_NUMBER, raw, 0, 0, 0);
	else if (n.count > 1)
		add_problem(a, q, ANSWERS_P_MANY_NUMBERS, raw, 0, 0, 0);
	else if (n.frac)
		add_problem(a, q, ANSWERS_P_NOT_WHOLE, raw, 0, 0, 0);
	else if (q->has_min && q->has_max && (v < q->min || v > q->max))
		add_problem(a, q, ANSWERS_P_OUT_OF_BOUNDS, NULL, v, q->min,
			    q->max);
	else if (q->has_min && v < q->min)
		add_problem(a, q, ANSWERS_P_TOO_SMALL, NULL, v, q->min, 0);
	else if (q->has_max && v > q->max)
		add_problem(a, q, ANSWERS_P_TOO_LARGE, NULL, v, 0, q->max);
	else {
		r = xasprintf("%ld", v);
		*unsure_r |= unclear_amount(sv, q, &n);
	}
	free(f);
	return r;
}

/* Free text: trimmed, lines kept. */
static char *
norm_text(const char *raw)
{
	const char *s = raw;
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	return xstrndup(s, n);
}

/* ---- ticks ---------------------------------------------------------------- */

/* "[x] b) Housing", "[X] Housing", "(x) b)", "☒ b)": the text after
 * the box. */
static const char *
tick_rest(const char *line)
{
	static const char *const boxes[] = { "\xE2\x98\x92", /* ☒ */
		"\xE2\x98\x91", "\xE2\x9C\x85", "\xE2\x96\xA0", NULL };
	const char *s = skip_ws(line);
	char open = *s, close = open == '[' ? ']' : open == '(' ? ')' : 0;
	size_t n;

	for (size_t i = 0; boxes[i]; i++)
		if (strncmp(s, boxes[i], strlen(boxes[i])) == 0)
			return skip_ws(s + strlen(boxes[i]));
	if (!close)
		return NULL;
	s = skip_ws(s + 1);
	n = strcspn(s, "] )");
	/* x, X, v, *, +, a check mark, or a Cyrillic х */
	if (!((n == 1 && strchr("xXvV*+", *s)) ||
	      (n == 2 && strncmp(s, "\xD1\x85", 2) == 0) ||
	      (n == 2 && strncmp(s, "\xD0\xA5", 2) == 0) ||
	      (n == 3 && (strncmp(s, "\xE2\x9C\x93", 3) == 0 ||
			  strncmp(s, "\xE2\x9C\x94", 3) == 0))))
		return NULL;
	s = skip_ws(s + n);
	return *s == close ? skip_ws(s + 1) : NULL;
}

/* Ticked options in question n's block (its header to the next header
 * or marker), as "text\n" pieces for norm_choices; NULL if none. */
static char *
find_ticks(const struct lines *l, size_t from, int n)
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

/* ---- normalising ----------------------------------------------------------- */

static char *
normalise(const struct survey *sv, const struct survey_question *q,
	  const char *raw, struct answers *a, int *unsure_r)
{
	switch (q->type) {
	case SURVEY_SINGLE:
	case SURVEY_MULTI:
	case SURVEY_DATE:
		return norm_choices(sv, q, raw, a, unsure_r);
	case SURVEY_YESNO:
		return norm_yesno(q, raw, a);
	case SURVEY_SCALE:
	case SURVEY_NUMBER:
		return norm_number(sv, q, raw, a, unsure_r);
	case SURVEY_TEXT:
		break;
	}
	return norm_text(raw);
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
	char *f = fold(line), *r = NULL;

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
		d = skip_ws(d);
		for (size_t k = 0; ps_verbs[k]; k++) {
			size_t m = strlen(ps_verbs[k]);

			if (strncmp(d, ps_verbs[k], m) == 0 ||
			    (d[0] == ps_verbs[k][0] && strchr(":=", d[0]) &&
			     (m = 1))) {
				const char *v = skip_ws(d + m);
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
static char **
ps_collect(const struct lines *l, size_t nq)
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

/* ---- extraction ------------------------------------------------------------ */

/* Ticked options for q, in the new text or else the quoted form; they
 * count only where no answer line holds a value. */
static char *
ticks_in(const struct survey_question *q, const struct lines *reply,
	 const struct lines *quoted, size_t qfrom)
{
	char *v = NULL;

	if (q->noptions && (v = find_ticks(reply, 0, q->number)) == NULL)
		v = find_ticks(quoted, qfrom, q->number);
	return v;
}

/* Record raw as q's answer: a value (unconfirmed when uncertain, then
 * asked back too), or the problem normalise found. */
static void
take(struct answers *a, const struct survey *sv,
     const struct survey_question *q, const char *raw)
{
	int unsure = 0;
	char *v = normalise(sv, q, raw, a, &unsure);

	if (v == NULL)
		return;
	add_answer(a, q->id, v, unsure);
	if (unsure)
		add_problem(a, q, ANSWERS_P_UNSURE, raw, 0, 0, 0);
}

/* The new text and the quoted form both answer q. The same value, or a
 * free text: the new text's. Different values: the new text's, kept
 * unconfirmed and asked back. */
static void
take_both(struct answers *a, const struct survey *sv,
	  const struct survey_question *q, const char *raw_r,
	  const char *raw_q)
{
	struct answers scratch = { 0 };
	int u1 = 0, u2 = 0;
	char *v1, *v2, *both;

	if (q->type == SURVEY_TEXT) {
		take(a, sv, q, raw_r);
		return;
	}
	v1 = normalise(sv, q, raw_r, &scratch, &u1);
	v2 = normalise(sv, q, raw_q, &scratch, &u2);
	if (v1 == NULL || v2 == NULL || strcmp(v1, v2) == 0) {
		take(a, sv, q, v1 || v2 == NULL ? raw_r : raw_q);
	} else {
		add_answer(a, q->id, v1, 1);
		v1 = NULL;
		both = xasprintf("%s / %s", raw_r, raw_q);
		add_problem(a, q, ANSWERS_P_CONFLICT, both, 0, 0, 0);
		free(both);
	}
	free(v1);
	free(v2);
	for (size_t i = 0; i < scratch.np; i++)
		problem_free(&scratch.p[i]);
	free(scratch.p);
}

void
answers_extract(const struct survey *sv, const char *reply_text,
		const char *quoted_text, struct answers **a_r)
{
	struct answers *a = xcalloc(1, sizeof(*a));
	struct lines reply, quoted;
	size_t nq = survey_nquestions(sv), qfrom;
	char **pss;

	lines_split(reply_text, nq, &reply);
	lines_split(quoted_text, nq, &quoted);
	qfrom = form_start(&quoted);
	pss = ps_collect(&reply, nq);
	for (size_t i = 0; i < nq; i++) {
		const struct survey_question *q = survey_question(sv, i);
		int qn = q->number >= 1 && (size_t)q->number <= nq ?
			 q->number : 0;
		char *ps = q->type == SURVEY_TEXT ? NULL : pss[qn];
		int text = q->type == SURVEY_TEXT;
		char *raw_r = find_answer(&reply, 0, q->number, text);
		char *raw_q = find_answer(&quoted, qfrom, q->number, text);

		if (raw_r == NULL && raw_q == NULL)
			raw_q = ticks_in(q, &reply, &quoted, qfrom);

		if (ps == NULL && raw_r == NULL && raw_q == NULL) {
			if (q->required)
				add_problem(a, q, ANSWERS_P_REQUIRED, NULL,
					    0, 0, 0);
			continue;
		}
		a->found = 1;
		if (ps)			/* "P.S. Q3 should be c" */
			take(a, sv, q, ps);
		else if (raw_r && raw_q)
			take_both(a, sv, q, raw_r, raw_q);
		else
			take(a, sv, q, raw_r ? raw_r : raw_q);
		free(raw_r);
		free(raw_q);
	}
	for (size_t i = 0; i <= nq; i++)
		free(pss[i]);
	free(pss);
	/* not a form reply: "required" would only confuse the caller */
	if (!a->found) {
		for (size_t i = 0; i < a->np; i++)
			problem_free(&a->p[i]);
		a->np = 0;
	}
	lines_free(&reply);
	lines_free(&quoted);
	*a_r = a;
}

size_t
answers_count(const struct answers *a)
{
	return a->na;
}

void
answers_get(const struct answers *a, size_t i, const char **qid_r,
	    const char **value_r)
{
	*qid_r = i < a->na ? a->a[i].qid : NULL;
	*value_r = i < a->na ? a->a[i].value : NULL;
}

int
answers_unconfirmed(const struct answers *a, size_t i)
{
	return i < a->na && a->a[i].unconfirmed;
}

size_t
answers_nproblems(const struct answers *a)
{
	return a->np;
}

void
answers_problem(const struct answers *a, size_t i, const char **qid_r,
		const char **reason_r)
{
	*qid_r = i < a->np ? a->p[i].qid : NULL;
	*reason_r = i < a->np ? a->p[i].reason : NULL;
}

const struct answers_pinfo *
answers_problem_info(const struct answers *a, size_t i)
{
	return i < a->np ? &a->p[i].info : NULL;
}

int
answers_none_found(const struct answers *a)
{
	return !a->found;
}

void
answers_free(struct answers **ap)
{
	struct answers *a;

	if (ap == NULL || (a = *ap) == NULL)
		return;
	for (size_t i = 0; i < a->na; i++) {
		free(a->a[i].qid);
		free(a->a[i].value);
	}
	for (size_t i = 0; i < a->np; i++)
		problem_free(&a->p[i]);
	free(a->a);
	free(a->p);
	free(a);
	*ap = NULL;
}
