/*
 * answers_values.c -- dates, scales, amounts and yes/no as people type
 * them in bg, cs, nl and en; see answers_values.h. Input is folded, so
 * the word lists below are lower case without diacritics ("brezna" for
 * "března"); Cyrillic stays Cyrillic.
 */
#include "receive/answers_values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xmem.h"

/* ---- words ------------------------------------------------------------ */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A letter: ASCII a-z or any multi-byte character but the euro sign. */
static size_t
letter_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (*u >= 'a' && *u <= 'z')
		return 1;
	if (strncmp(s, "\xE2\x82\xAC", 3) == 0)	/* € */
		return 0;
	if (*u >= 0xC0)
		return (*u & 0xE0) == 0xC0 ? 2 : (*u & 0xF0) == 0xE0 ? 3 : 4;
	return 0;
}

/* Length of the word at s (0 if s is no letter). */
static size_t
word_len(const char *s)
{
	size_t n = 0, k;

	while (s[n] && (k = letter_len(s + n)) > 0)
		n += k;
	return n;
}

/* Index of the word [s, s+n) in list (NULL-terminated), or -1; with
 * prefix set, a list entry that starts the word counts too. */
static int
word_in(const char *s, size_t n, const char *const *list, int prefix)
{
	for (int i = 0; list[i]; i++) {
		size_t m = strlen(list[i]);

		if ((m == n || (prefix && m < n)) &&
		    strncmp(s, list[i], m) == 0)
			return i;
	}
	return -1;
}

/* ---- numbers ------------------------------------------------------------ */

static const char *const thousand_words[] = { "k", "hil", "hiljadi",
	"\xD1\x85\xD0\xB8\xD0\xBB",				/* хил */
	"\xD1\x85\xD0\xB8\xD0\xBB\xD1\x8F\xD0\xB4\xD0\xB8",	/* хиляди */
	"\xD1\x85\xD0\xB8\xD0\xBB\xD1\x8F\xD0\xB4\xD0\xB0",	/* хиляда */
	"tis", "tisic", "tisice", "tisicu", "duizend", "thousand",
	"thousands", NULL };
static const char *const million_words[] = { "mln", "mio",
	"million", "millions", "miljoen", "milion", "miliony", "milionu",
	"\xD0\xBC\xD0\xBB\xD0\xBD",				/* млн */
	"\xD0\xBC\xD0\xB8\xD0\xBB\xD0\xB8\xD0\xBE\xD0\xBD",	/* милион */
	"\xD0\xBC\xD0\xB8\xD0\xBB\xD0\xB8\xD0\xBE\xD0\xBD\xD0\xB0", NULL };
static const char *const euro_words[] = { "eur", "euro", "euros", "eura",
	"eurech", "\xD0\xB5\xD0\xB2\xD1\x80\xD0\xBE", NULL };	/* евро */
static const char *const foreign_words[] = { "lv", "leva", "lev", "bgn",
	"kc", "czk", "korun", "koruny", "usd", "dollar", "dollars", "gbp",
	"\xD0\xBB\xD0\xB2",					/* лв */
	"\xD0\xBB\xD0\xB5\xD0\xB2\xD0\xB0",			/* лева */
	"\xD0\xBB\xD0\xB5\xD0\xB2", NULL };			/* лев */

/* Digit group separators: "15 000", "15.000", "15,000", "15'000". */
static size_t
group_sep(const char *s)
{
	if (*s == ' ' || *s == '.' || *s == ',' || *s == '\'')
		return 1;
	if (strncmp(s, "\xE2\x80\xAF", 3) == 0)
		return 3;
	return 0;
}

/* The multiplier a word right after a number stands for (1 if none);
 * *end_r past it. "25k", "8 хил.", "20 tisíc", "1,5 mln". */
static long
multiplier(const char *s, const char **end_r)
{
	const char *w = s;
	size_t n;

	while (*w == ' ')
		w++;
	n = word_len(w);
	*end_r = s;
	if (n == 0)
		return 1;
	if (word_in(w, n, thousand_words, 0) >= 0) {
		*end_r = w + n;
		return 1000;
	}
	if (word_in(w, n, million_words, 0) >= 0) {
		*end_r = w + n;
		return 1000000;
	}
	return 1;
}

/* One number at p (digits first): whole part with groups, a fraction,
 * a multiplier. Returns the end. */
static const char *
one_number(const char *p, long *v_r, int *frac_r, int *scaled_r)
{
	long v = 0, f = 0, fdiv = 1, mul;
	size_t lead = 0, k;
	const char *end;

	for (; is_digit(*p); p++, lead++)
		v = v < 100000000000L ? v * 10 + (*p - '0') : v;
	while (lead <= 3 && (k = group_sep(p)) && is_digit(p[k]) &&
	       is_digit(p[k + 1]) && is_digit(p[k + 2]) &&
	       !is_digit(p[k + 3]) && v < 100000000000L) {
		v = v * 1000 + (p[k] - '0') * 100 + (p[k + 1] - '0') * 10 +
		    (p[k + 2] - '0');
		p += k + 3;
	}
	if ((*p == '.' || *p == ',') && is_digit(p[1])) {
		for (p++; is_digit(*p); p++)
			if (fdiv < 1000000) {
				f = f * 10 + (*p - '0');
				fdiv *= 10;
			}
	}
	mul = multiplier(p, &end);
	*scaled_r = mul > 1;
	if (mul > 1 && v < 100000000L) {
		v = v * mul + f * mul / fdiv;
		f = (f * mul) % fdiv;
		p = end;
	}
	*frac_r = f != 0;
	*v_r = v;
	return p;
}

void
av_number(const char *s, struct av_num *n)
{
	memset(n, 0, sizeof(*n));
	for (const char *p = s; *p;) {
		size_t wl = word_len(p);
		int neg, frac, scaled;
		long v;

		if (wl) {
			if (word_in(p, wl, euro_words, 0) >= 0)
				n->euro = 1;
			else if (word_in(p, wl, foreign_words, 0) >= 0)
				n->foreign = 1;
			p += wl;
			continue;
		}
		if (strncmp(p, "\xE2\x82\xAC", 3) == 0) {
			n->euro = 1;
			p += 3;
			continue;
		}
		if (*p == '$' || strncmp(p, "\xC2\xA3", 2) == 0)
			n->foreign = 1;
		neg = *p == '-' && is_digit(p[1]) && (p == s || p[-1] == ' ');
		if (!is_digit(*p) && !neg) {
			p++;
			continue;
		}
		p = one_number(p + neg, &v, &frac, &scaled);
		if (n->count++ == 0) {
			n->v = neg ? -v : v;
			n->frac = frac;
			n->scaled = scaled;
		}
		/* "10.3." and the like: a trailing dot ends the number */
		while (*p == '.' || *p == ',')
			p++;
	}
}

/* ---- scales --------------------------------------------------------------- */

static const char *const of_words[] = { "of", "out of", "from", "z", "ze",
	"van", "uit", "op", "\xD0\xBE\xD1\x82",			/* от */
	"\xD0\xB8\xD0\xB7", NULL };				/* из */

int
av_scale(const char *s, long max, long *v_r)
{
	long a = 0, b = 0;
	const char *p = s;
	int n = 0;

	while (*p == ' ')
		p++;
	if (!is_digit(*p))
		return 0;
	for (; is_digit(*p) && n < 6; p++, n++)
		a = a * 10 + (*p - '0');
	while (*p == ' ')
		p++;
	if (*p == '/') {
		p++;
	} else {
		size_t wl = word_len(p), m = wl;

		if (wl == 3 && strncmp(p, "out", 3) == 0 &&
		    strncmp(p + 3, " of", 3) == 0)
			m = 6;
		if (wl == 0 || (m == wl && word_in(p, wl, of_words, 0) < 0))
			return 0;
		p += m;
	}
	while (*p == ' ')
		p++;
	for (n = 0; is_digit(*p) && n < 6; p++, n++)
		b = b * 10 + (*p - '0');
	while (*p == ' ' || *p == '.' || *p == '!')
		p++;
	if (n == 0 || *p != '\0' || b != max)
		return 0;
	*v_r = a;
	return 1;
}

/* ---- dates ------------------------------------------------------------------ */

/* Month names and short forms per language, folded; index % 12 is the
 * month. Czech has the genitive ("brezna") people write after a day. */
static const char *const month_words[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
	"nov", "dec",
	"januari", "februari", "maart", "april", "mei", "juni", "juli",
	"augustus", "september", "oktober", "november", "december",
	"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sept", "okt",
	"nov", "dec",
	"leden", "unor", "brezen", "duben", "kveten", "cerven", "cervenec",
	"srpen", "zari", "rijen", "listopad", "prosinec",
	"ledna", "unora", "brezna", "dubna", "kvetna", "cervna", "cervence",
	"srpna", "zari", "rijna", "listopadu", "prosince",
	"\xD1\x8F\xD0\xBD\xD1\x83\xD0\xB0\xD1\x80\xD0\xB8",	/* януари */
	"\xD1\x84\xD0\xB5\xD0\xB2\xD1\x80\xD1\x83\xD0\xB0\xD1\x80\xD0\xB8",
	"\xD0\xBC\xD0\xB0\xD1\x80\xD1\x82",			/* март */
	"\xD0\xB0\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBB",		/* април */
	"\xD0\xBC\xD0\xB0\xD0\xB8",				/* май */
	"\xD1\x8E\xD0\xBD\xD0\xB8",				/* юни */
	"\xD1\x8E\xD0\xBB\xD0\xB8",				/* юли */
	"\xD0\xB0\xD0\xB2\xD0\xB3\xD1\x83\xD1\x81\xD1\x82",	/* август */
	"\xD1\x81\xD0\xB5\xD0\xBF\xD1\x82\xD0\xB5\xD0\xBC\xD0\xB2\xD1\x80\xD0\xB8",
	"\xD0\xBE\xD0\xBA\xD1\x82\xD0\xBE\xD0\xBC\xD0\xB2\xD1\x80\xD0\xB8",
	"\xD0\xBD\xD0\xBE\xD0\xB5\xD0\xBC\xD0\xB2\xD1\x80\xD0\xB8",
	"\xD0\xB4\xD0\xB5\xD0\xBA\xD0\xB5\xD0\xBC\xD0\xB2\xD1\x80\xD0\xB8",
	NULL };

/* Weekday stems, Monday first; a word starting with the stem counts
 * ("ctvrtku", "четвъртъка", "thursday"). */
static const char *const wday_stems[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
	"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag",
	"zondag",
	"pondel", "uter", "stred", "ctvrt", "patek", "sobot", "nedel",
	"\xD0\xBF\xD0\xBE\xD0\xBD\xD0\xB5\xD0\xB4",		/* понед */
	"\xD0\xB2\xD1\x82\xD0\xBE\xD1\x80\xD0\xBD",		/* вторн */
	"\xD1\x81\xD1\x80\xD1\x8F\xD0\xB4",			/* сряд */
	"\xD1\x87\xD0\xB5\xD1\x82\xD0\xB2",			/* четв */
	"\xD0\xBF\xD0\xB5\xD1\x82\xD1\x8A",			/* петъ */
	"\xD1\x81\xD1\x8A\xD0\xB1",				/* съб */
	"\xD0\xBD\xD0\xB5\xD0\xB4\xD0\xB5\xD0\xBB",		/* недел */
	NULL };

/* Words that make a weekday relative ("the Thursday", "ten čtvrtek",
 * "de donderdag", "next Tuesday"); a Bulgarian articled weekday
 * ("четвъртъка") is relative too. */
static const char *const rel_words[] = { "the", "this", "next", "that",
	"ten", "tu", "pristi", "pristi", "tento", "de", "die", "deze",
	"volgende", "komende", "\xD1\x82\xD0\xBE\xD0\xB7\xD0\xB8", /* този */
	"\xD1\x81\xD0\xBB\xD0\xB5\xD0\xB4\xD0\xB2\xD0\xB0\xD1\x89",
	NULL };

/* Ordinal suffixes after a day: "16th", "1st", "9-ти". */
static const char *const ord_words[] = { "st", "nd", "rd", "th", "g",
	"r", "\xD0\xB3",						/* г. */
	"\xD1\x82\xD0\xB8", "\xD0\xB2\xD0\xB8", "\xD0\xBC\xD0\xB8", NULL };

static int
articled_bg(const char *s, size_t n)
{
	/* "...ъка", "...ника": a Bulgarian noun with its article */
	return n > 4 && (strncmp(s + n - 4, "\xD0\xBA\xD0\xB0", 4) == 0 ||
			 strncmp(s + n - 4, "\xD1\x82\xD0\xB0", 4) == 0);
}

/* A day or month number at p; returns its end, 0 in *v_r if none. */
static const char *
small_num(const char *p, int *v_r)
{
	int v = 0, n = 0;

	for (; is_digit(*p) && n < 5; p++, n++)
		v = v * 10 + (*p - '0');
	*v_r = v;
	return p;
}

int
av_date(const char *s, struct av_date *d)
{
	int found = 0;

	memset(d, 0, sizeof(*d));
	d->wday = -1;
	for (const char *p = s; *p;) {
		size_t wl = word_len(p);
		int k, v;

		if (wl) {
			if ((k = word_in(p, wl, month_words, 0)) >= 0) {
				d->month = k % 12 + 1;
				found = 1;
			} else if ((k = word_in(p, wl, wday_stems, 1)) >= 0) {
				d->wday = k % 7;
				d->relative |= k >= 21 && articled_bg(p, wl);
				found = 1;
			} else if (word_in(p, wl, rel_words, 0) >= 0) {
				d->relative = 1;
			} else if (word_in(p, wl, ord_words, 0) < 0) {
				return 0;	/* other words: not a date */
			}
			p += wl;
			continue;
		}
		if (!is_digit(*p)) {
			p++;
			continue;
		}
		p = small_num(p, &v);
		if (v >= 1000)
			continue;		/* the year */
		if ((*p == '.' || *p == '/' || *p == '-') && is_digit(p[1]) &&
		    d->day == 0) {
			int m;
			const char *q = small_num(p + 1, &m);

			if (v >= 1 && v <= 31 && m >= 1 && m <= 12) {
				d->day = v;
				d->month = m;
				found = 1;
				p = q;
				/* "12/03/26", "10.3.2026": the year */
				if ((*p == '.' || *p == '/' || *p == '-') &&
				    is_digit(p[1]))
					p = small_num(p + 1, &m);
				continue;
			}
		}
		if (v < 1 || v > 31 || d->day)
			return 0;
		d->day = v;
		found = 1;
	}
	return found;
}

/* Monday 0 .. Sunday 6 of a civil date (days from 1970-01-01, which was
 * a Thursday). */
static int
weekday(int y, int m, int dd)
{
	long era, yoe, doy, doe, days;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return (int)(((days % 7) + 7 + 3) % 7);
}

int
av_date_fits(const struct av_date *d, const char *iso)
{
	int y, m, dd, used = 0;

	if (sscanf(iso, "%4d-%2d-%2d%n", &y, &m, &dd, &used) != 3 ||
	    iso[used] != '\0')
		return 0;
	if ((d->day && d->day != dd) || (d->month && d->month != m))
		return 0;
	if (d->wday >= 0 && d->wday != weekday(y, m, dd))
		return 1;
	return 2;
}

/* ---- yes / no ------------------------------------------------------------- */

static const char *const yes_words[] = { "yes", "y", "ja", "j", "ano",
	"\xD0\xB4\xD0\xB0", NULL };				/* да */
static const char *const no_words[] = { "no", "n", "nee", "neen", "nein",
	"ne", "\xD0\xBD\xD0\xB5", NULL };			/* не */
static const char *const correction_words[] = { "actually", "sorry",
	"correction", "mean", "eigenlijk", "sorry", "pardon", "oeps",
	"vlastne", "oprava", "promin", "omlouvam",
	"\xD0\xB2\xD1\x81\xD1\x8A\xD1\x89\xD0\xBD\xD0\xBE\xD1\x81\xD1\x82",
	"\xD0\xB8\xD0\xB7\xD0\xB2\xD0\xB8\xD0\xBD\xD0\xB5\xD1\x82\xD0\xB5",
	"\xD0\xBF\xD0\xBE\xD0\xBF\xD1\x80\xD0\xB0\xD0\xB2\xD0\xBA\xD0\xB0",
	"\xD1\x81\xD0\xBE\xD1\x80\xD0\xB8", NULL };

static int
yn_word(const char *p, size_t n)
{
	if (word_in(p, n, yes_words, 0) >= 0)
		return 1;
	if (word_in(p, n, no_words, 0) >= 0)
		return 0;
	return -1;
}

int
av_yesno(const char *s, int *corrected_r)
{
	size_t n = word_len(s);
	const char *after;
	int first = n ? yn_word(s, n) : -1, corr = 0, last = -1, since = 0;

	*corrected_r = 0;
	if (first < 0)
		return -1;
	/* the word must stand alone or be followed by punctuation:
	 * "Yes, since 2019" is yes, "no idea" is not an answer */
	after = s + n;
	while (*after == ' ')
		after++;
	if (*after && !strchr(",.;:!-(", *after))
		return -1;
	for (const char *p = after; *p;) {
		size_t wl = word_len(p);

		if (wl == 0) {
			p++;
			continue;
		}
		/* the yes or no right after the correction word counts */
		if (word_in(p, wl, correction_words, 0) >= 0)
			corr = 1, since = 0;
		else if (corr && since < 2 && yn_word(p, wl) >= 0 && last < 0)
			last = yn_word(p, wl);
		else
			since++;
		p += wl;
	}
	if (last >= 0 && last != first) {
		*corrected_r = 1;
		return last;
	}
	return first;
}

/* ---- Cyrillic option letters ------------------------------------------------ */

/* а б в г д е ж з: the Bulgarian alphabet's first letters, as keys a-h.
 * в and е also look like Latin b and e. */
static const char *const cyr_keys[] = {
	"\xD0\xB0", "\xD0\xB1", "\xD0\xB2", "\xD0\xB3", "\xD0\xB4",
	"\xD0\xB5", "\xD0\xB6", "\xD0\xB7", NULL };

char *
av_cyrillic_keys(const char *s, int *ambiguous_r)
{
	struct buf b;
	int any = 0, sure = 0, look = 0;

	*ambiguous_r = 0;
	buf_init(&b, 0);
	for (const char *p = s; *p;) {
		size_t wl = word_len(p);
		int k;

		if (wl == 0) {
			buf_addc(&b, *p == '-' ? ',' : *p);
			p++;
			continue;
		}
		if ((k = word_in(p, wl, cyr_keys, 0)) >= 0) {
			buf_addc(&b, (char)('a' + k));
			any = 1;
			sure |= k == 1 || k == 3 || k == 4 || k == 6 || k == 7;
			look |= k == 2 || k == 5;
		} else if (wl == 2 && strncmp(p, "\xD0\xB8", 2) == 0) {
			buf_addc(&b, ',');		/* и: and */
		} else if (wl == 1 && *p >= 'a' && *p <= 'h') {
			buf_addc(&b, *p);
		} else {
			buf_free(&b);
			return NULL;
		}
		p += wl;
	}
	if (!any) {
		buf_free(&b);
		return NULL;
	}
	*ambiguous_r = look && !sure;
	return buf_steal(&b);
}
