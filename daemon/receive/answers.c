/*
 * answers.c -- read a respondent's answers out of a reply; see answers.h.
 *
 * A reply is split into lines, and each line is classified: a question
 * header "Q<n>." (the form's own line), an answer line ("A<n>: ...",
 * "<n>: ...", "<n>) ...", "Q<n>: ..."), a form marker, or anything else.
 * An answer runs from its line to the next header, answer line or
 * marker. The new text is searched first, then the quoted form; ticks
 * ("[x] a) Education") inside a question's block count when no answer
 * line holds a value. Comparisons go through fold(): lower case, no
 * diacritics, Cyrillic included: "ОБРАЗОВАНИЕ" matches "Образование",
 * "vzdelavani" matches "Vzdělávání".
 */
#include "base/lang.h"
#include "receive/answers.h"
#include "receive/answers_private.h"

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

	if (*s == 'A' || *s == 'a' || *s == 'Q' || *s == 'q') {
		*sp += 1;
		return (char)toupper(*s);
	}
	if (s[0] == 0xD0 && (s[1] == 0x90 || s[1] == 0xB0)) {
		*sp += 2;
		return 'A';
	}
	return 0;
}

/* Classify one line; for an answer, *n_r is the question number and
 * *rest_r the text after the separator. */
static enum lkind
line_kind(const char *line, size_t nq, int *n_r, const char **rest_r,
	  int *bare_paren_r)
{
	const char *s = skip_ws(line), *d;
	char pre;
	long n = 0;

	*bare_paren_r = 0;
	if (strncmp(s, FORM_BEGIN_MARK, strlen(FORM_BEGIN_MARK)) == 0 ||
	    strcmp(s, FORM_END_MARK) == 0)
		return L_MARK;
	pre = line_prefix(&s);
	for (d = s; *d >= '0' && *d <= '9' && d - s < 4; d++)
		n = n * 10 + (*d - '0');
	if (d == s || (*d >= '0' && *d <= '9') || n < 1 || (size_t)n > nq)
		return L_OTHER;
	*n_r = (int)n;
	if (pre == 'Q' && *d == '.' && (d[1] == ' ' || d[1] == '\0'))
		return L_QHEAD;
	s = skip_ws(d);
	*bare_paren_r = !pre && *s == ')';
	if (*s == ':' || *s == ')' || (pre && *s == '-') ||
	    (pre == 'A' && *s == '.') || (pre == 'A' && *s == '=')) {
		*rest_r = skip_ws(s + 1);
		return L_ANSWER;
	}
	if (strncmp(s, "\xE2\x80\x93", 3) == 0 && pre) {	/* en dash */
		*rest_r = skip_ws(s + 3);
		return L_ANSWER;
	}
	if (pre == 'A' && (s != d || *s == '\0')) {	/* "A2 b", "A2" */
		*rest_r = s;
		return L_ANSWER;
	}
	return L_OTHER;
}

/* Split and classify. A bare "<n>)" counts as an answer only when n is
 * past the last question seen above it: numbered lists inside a free
 * text answer ("1) mediators") restart at 1 and must stay text. */
static void
lines_split(const char *text, size_t nq, struct lines *l)
{
	int last = 0;

	memset(l, 0, sizeof(*l));
	while (text && *text) {
		size_t n = strcspn(text, "\n"), m = n, i = l->n;
		int bare_paren = 0;

		while (m && (text[m - 1] == '\r' || text[m - 1] == ' ' ||
			     text[m - 1] == '\t'))
			m--;
		l->v = xreallocarray(l->v, i + 1, sizeof(*l->v));
		l->kind = xreallocarray(l->kind, i + 1, sizeof(*l->kind));
		l->num = xreallocarray(l->num, i + 1, sizeof(*l->num));
		l->rest = xreallocarray(l->rest, i + 1, sizeof(*l->rest));
		l->v[i] = xstrndup(text, m);
		l->num[i] = 0;
		l->rest[i] = NULL;
		l->kind[i] = (int)line_kind(l->v[i], nq, &l->num[i],
					    &l->rest[i], &bare_paren);
		if (bare_paren && l->num[i] <= last)
			l->kind[i] = L_OTHER;
		if (l->kind[i] == L_ANSWER || l->kind[i] == L_QHEAD)
			last = l->num[i];
		l->n++;
		text += n + (text[n] == '\n');
	}
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
add_answer(struct answers *a, const char *qid, char *value)
{
	a->a = xreallocarray(a->a, a->na + 1, sizeof(*a->a));
	a->a[a->na].qid = xstrdup(qid);
	a->a[a->na].value = value;
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


/* "10.3.2026", "10/03/26" -> "2026-03-10"; 0 if not such a date. */
static int
dmy_to_iso(const char *s, char *iso, size_t n)
{
	int d, m, y, used = 0;

	if (sscanf(s, "%2d.%2d.%4d%n", &d, &m, &y, &used) != 3 &&
	    sscanf(s, "%2d/%2d/%4d%n", &d, &m, &y, &used) != 3)
		return 0;
	if (s[used] != '\0' || d < 1 || d > 31 || m < 1 || m > 12)
		return 0;
	if (y < 100)
		y += 2000;	/* "17.3.26" */
	snprintf(iso, n, "%04d-%02d-%02d", y, m, d);
	return 1;
}

/* A folded label equals piece, or starts with it at a word boundary
 * ("health" for "health care"): 2 for equal, 1 for prefix, 0 else. */
static int
label_match(const char *label, const char *piece)
{
	char *f = fold(label);
	size_t n = strlen(piece);
	int r = 0;

	if (strcmp(f, piece) == 0)
		r = 2;
	else if (n >= 4 && strncmp(f, piece, n) == 0 && f[n] == ' ')
		r = 1;
	free(f);
	return r;
}

/* Option index for one folded piece, or -1. */
static int
match_one(const struct survey *sv, const struct survey_question *q,
	  const char *piece)
{
	char iso[16];
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
	if (q->type == SURVEY_DATE && dmy_to_iso(piece, iso, sizeof(iso)))
		piece = iso;
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

/* Mark the options one piece names: the whole piece, else each word
 * ("a c", "a and c"). 0, or -1 when something in it is not an option. */
static int
choose_piece(const struct survey *sv, const struct survey_question *q,
	     const char *piece, int *chosen)
{
	char *c = piece_clean(piece), *save = NULL, *w;
	int j, rc = 0;

	if (*c == '\0') {
		free(c);
		return 0;
	}
	if ((j = match_one(sv, q, c)) >= 0) {
		chosen[j] = 1;
		free(c);
		return 0;
	}
	for (w = strtok_r(c, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *cw = piece_clean(w);

		if (*cw && !is_conjunction(cw)) {
			if ((j = match_one(sv, q, cw)) >= 0)
				chosen[j] = 1;
			else
				rc = -1;
		}
		free(cw);
	}
	free(c);
	return rc;
}

/* raw -> option ids joined by ","; NULL after adding a problem. */
static char *
norm_choices(const struct survey *sv, const struct survey_question *q,
	     const char *raw, struct answers *a)
{
	int *chosen = xcalloc(q->noptions ? q->noptions : 1, sizeof(int));
	char *f = fold(raw), *save = NULL;
	int ok = 1, n = 0, whole;
	struct buf b;

	if ((whole = match_one(sv, q, f)) >= 0)
		chosen[whole] = 1;
	for (char *p = whole < 0 ? strtok_r(f, ",;/+&\n", &save) : NULL; p;
	     p = strtok_r(NULL, ",;/+&\n", &save))
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

/* 1 yes, 0 no, -1 neither. The word must stand alone or be followed by
 * punctuation: "Yes, since 2019" is yes, "no idea" is not an answer. */
static int
yesno_word(const char *folded)
{
	static const char *const yes[] = { "yes", "y", "ja", "j", "ano",
		"\xD0\xB4\xD0\xB0" /* да */ };
	static const char *const no[] = { "no", "n", "nee", "neen", "nein",
		"ne", "\xD0\xBD\xD0\xB5" /* не */ };
	size_t n = strcspn(folded, " ,.;:!-()");
	const char *after = skip_ws(folded + n);

	if (*after && !strchr(",.;:!-(", *after))
		return -1;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (strlen(yes[i]) == n && strncmp(folded, yes[i], n) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (strlen(no[i]) == n && strncmp(folded, no[i], n) == 0)
			return 0;
	return -1;
}

static char *
norm_yesno(const struct survey_question *q, const char *raw,
	   struct answers *a)
{
	char *f = fold(raw);
	int v = yesno_word(f);

	free(f);
	if (v >= 0)
		return xstrdup(v ? "yes" : "no");
	add_problem(a, q, ANSWERS_P_NOT_YESNO, raw, 0, 0, 0);
	return NULL;
}

/* Digit separators people use in amounts: "15 000", "15.000", "15,000",
 * "15'000", and the no-break spaces mail clients insert. */
static size_t
group_sep(const char *s)
{
	if (*s == ' ' || *s == '.' || *s == ',' || *s == '\'')
		return 1;
	if (strncmp(s, "\xC2\xA0", 2) == 0)
		return 2;
	if (strncmp(s, "\xE2\x80\xAF", 3) == 0)
		return 3;
	return 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Every whole number in s; *frac_r set if one has a decimal part.
 * Returns how many were found, the first in *v_r. */
static int
find_numbers(const char *s, long *v_r, int *frac_r)
{
	int count = 0;

	*frac_r = 0;
	for (const char *p = s; *p;) {
		int neg = *p == '-' && is_digit(p[1]) &&
			  (p == s || p[-1] == ' ');
		long v = 0;
		size_t lead = 0, k;

		if (!is_digit(*p) && !neg) {
			p++;
			continue;
		}
		p += neg;
		for (; is_digit(*p); p++, lead++)
			v = v < 100000000000L ? v * 10 + (*p - '0') : v;
		while (lead <= 3 && (k = group_sep(p)) && is_digit(p[k]) &&
		       is_digit(p[k + 1]) && is_digit(p[k + 2]) &&
		       !is_digit(p[k + 3])) {
			v = v * 1000 + (p[k] - '0') * 100 +
			    (p[k + 1] - '0') * 10 + (p[k + 2] - '0');
			p += k + 3;
		}
		if ((*p == '.' || *p == ',') && is_digit(p[1]))
			*frac_r = 1;
		while (*p == '.' || *p == ',' || is_digit(*p))
			p++;
		if (count++ == 0)
			*v_r = neg ? -v : v;
	}
	return count;
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

static char *
norm_number(const struct survey *sv, const struct survey_question *q,
	    const char *raw, struct answers *a)
{
	char *f = fold(raw), *r = NULL;
	long v = 0;
	int frac, n = find_numbers(f, &v, &frac);

	if (n == 0 && scale_label(sv, q, f, &v))
		n = 1;
	if (n == 0)
		add_problem(a, q, ANSWERS_P_NOT_NUMBER, raw, 0, 0, 0);
	else if (n > 1)
		add_problem(a, q, ANSWERS_P_MANY_NUMBERS, raw, 0, 0, 0);
	else if (frac)
		add_problem(a, q, ANSWERS_P_NOT_WHOLE, raw, 0, 0, 0);
	else if (q->has_min && q->has_max && (v < q->min || v > q->max))
		add_problem(a, q, ANSWERS_P_OUT_OF_BOUNDS, NULL, v, q->min,
			    q->max);
	else if (q->has_min && v < q->min)
		add_problem(a, q, ANSWERS_P_TOO_SMALL, NULL, v, q->min, 0);
	else if (q->has_max && v > q->max)
		add_problem(a, q, ANSWERS_P_TOO_LARGE, NULL, v, 0, q->max);
	else
		r = xasprintf("%ld", v);
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

/* "[x] b) Housing", "[X] Housing", "(x) b)": the text after the box. */
static const char *
tick_rest(const char *line)
{
	const char *s = skip_ws(line);
	char open = *s, close = open == '[' ? ']' : open == '(' ? ')' : 0;
	size_t n;

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

/* ---- extraction ----------------------------------------------------------- */

static char *
normalise(const struct survey *sv, const struct survey_question *q,
	  const char *raw, struct answers *a)
{
	switch (q->type) {
	case SURVEY_SINGLE:
	case SURVEY_MULTI:
	case SURVEY_DATE:
		return norm_choices(sv, q, raw, a);
	case SURVEY_YESNO:
		return norm_yesno(q, raw, a);
	case SURVEY_SCALE:
	case SURVEY_NUMBER:
		return norm_number(sv, q, raw, a);
	case SURVEY_TEXT:
		break;
	}
	return norm_text(raw);
}

/* The raw answer to q: an answer line in the new text wins over one in
 * the quoted form; ticks count only where no line holds a value. */
static char *
raw_answer(const struct survey_question *q, const struct lines *reply,
	   const struct lines *quoted, size_t qfrom)
{
	int text = q->type == SURVEY_TEXT;
	char *v = find_answer(reply, 0, q->number, text);

	if (v == NULL)
		v = find_answer(quoted, qfrom, q->number, text);
	if (v == NULL && q->noptions) {
		v = find_ticks(reply, 0, q->number);
		if (v == NULL)
			v = find_ticks(quoted, qfrom, q->number);
	}
	return v;
}

void
answers_extract(const struct survey *sv, const char *reply_text,
		const char *quoted_text, struct answers **a_r)
{
	struct answers *a = xcalloc(1, sizeof(*a));
	struct lines reply, quoted;
	size_t nq = survey_nquestions(sv), qfrom;

	lines_split(reply_text, nq, &reply);
	lines_split(quoted_text, nq, &quoted);
	qfrom = form_start(&quoted);
	for (size_t i = 0; i < nq; i++) {
		const struct survey_question *q = survey_question(sv, i);
		char *raw = raw_answer(q, &reply, &quoted, qfrom), *v;

		if (raw == NULL) {
			if (q->required)
				add_problem(a, q, ANSWERS_P_REQUIRED, NULL,
					    0, 0, 0);
			continue;
		}
		a->found = 1;
		if ((v = normalise(sv, q, raw, a)) != NULL)
			add_answer(a, q->id, v);
		free(raw);
	}
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
