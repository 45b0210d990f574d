/*
 * town.c -- see town.h. The name is folded code point by code point into
 * lower-case ASCII (Cyrillic by the Bulgarian official system, Latin
 * diacritics to their base letter), separators collapsed, and then an
 * administrative prefix or suffix is taken off the folded form, so one
 * list of them serves every script.
 */
#include "model/town.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* а..я (U+0430..U+044F), by the Transliteration Act 2009; ы and э are
 * not Bulgarian letters and get their usual Latin. */
static const char *const cyr[32] = {
	"a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m",
	"n", "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht",
	"a", "y", "y", "e", "yu", "ya",
};

/* U+00C0..U+00FF and U+0100..U+017F to a base letter ('*': none). */
static const char lat1[] =
	"aaaaaaaceeeeiiiidnooooo*ouuuuytsaaaaaaaceeeeiiiidnooooo*ouuuuyty";
static const char latA[] =
	"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllllll"
	"lnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

static const char *const prefixes[] = {
	"obshtina ", "grad ", "gr ", "statutarni mesto ", "mesto ", "obec ",
	"gemeente ", "stad ", "ville de ", "commune de ", "municipality of ",
	"town of ", "city of ",
};
static const char *const suffixes[] = {
	" municipality", " obshtina",
};

/* One code point from s (advanced), or -1 for invalid UTF-8. */
static long
utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	long cp;
	int n;

	if (p[0] < 0x80)
		n = 0, cp = p[0];
	else if ((p[0] & 0xE0) == 0xC0 && p[0] >= 0xC2)
		n = 1, cp = p[0] & 0x1F;
	else if ((p[0] & 0xF0) == 0xE0)
		n = 2, cp = p[0] & 0x0F;
	else if ((p[0] & 0xF8) == 0xF0 && p[0] <= 0xF4)
		n = 3, cp = p[0] & 0x07;
	else
		return -1;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	*s = p + n + 1;
	return cp;
}

/* The folded form of one code point into b; separators as ' '. */
static void
fold_cp(struct buf *b, long cp, const unsigned char *from, size_t len)
{
	if (cp >= 'A' && cp <= 'Z')
		buf_addc(b, (char)(cp - 'A' + 'a'));
	else if (cp == ' ' || cp == '\t' || cp == '-' || cp == '.' ||
		 cp == ',' || cp == 0xA0)
		buf_addc(b, ' ');
	else if (cp < 0x80)
		buf_addc(b, (char)cp);
	else if (cp >= 0x410 && cp <= 0x42F)
		buf_adds(b, cyr[cp - 0x410]);
	else if (cp >= 0x430 && cp <= 0x44F)
		buf_adds(b, cyr[cp - 0x430]);
	else if (cp == 0x45D || cp == 0x40D || cp == 0x456 || cp == 0x406)
		buf_addc(b, 'i');	/* ѝ, і */
	else if (cp == 0x451 || cp == 0x401)
		buf_addc(b, 'e');	/* ё */
	else if (cp >= 0xC0 && cp <= 0xFF && lat1[cp - 0xC0] != '*')
		buf_addc(b, lat1[cp - 0xC0]);
	else if (cp >= 0x100 && cp <= 0x17F)
		buf_addc(b, latA[cp - 0x100]);
	else
		buf_add(b, from, len);	/* another script: kept as it is */
}

/* Collapse runs of ' ' and trim them; in place. */
static void
squeeze(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++)
		if (*r != ' ' || (w > s && w[-1] != ' '))
			*w++ = *r;
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

static void
strip_affixes(char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		size_t pl = strlen(prefixes[i]);

		if (n > pl && strncmp(s, prefixes[i], pl) == 0) {
			memmove(s, s + pl, n - pl + 1);
			n -= pl;
			break;
		}
	}
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		size_t sl = strlen(suffixes[i]);

		if (n > sl && strcmp(s + n - sl, suffixes[i]) == 0) {
			s[n - sl] = '\0';
			break;
		}
	}
}

int
town_key(const char *name, char *key, size_t size)
{
	const unsigned char *p = (const unsigned char *)name;
	struct buf b;
	int rc = 0;

	if (size == 0)
		return -1;
	key[0] = '\0';
	buf_init(&b, 0);
	while (*p) {
		const unsigned char *from = p;
		long cp = utf8_next(&p);

		if (cp < 0) {
			buf_free(&b);
			return -1;
		}
		fold_cp(&b, cp, from, (size_t)(p - from));
	}
	if (b.len > 0) {
		char *s = buf_steal(&b);

		squeeze(s);
		strip_affixes(s);
		if (strlen(s) < size)
			memcpy(key, s, strlen(s) + 1);
		else
			rc = -1;
		buf_free(&b);
		free(s);
		return rc;
	}
	buf_free(&b);
	return 0;
}

/* Levenshtein distance, stopping early above max (short keys only). */
static size_t
distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), row[65];

	if (la > 64 || lb > 64)
		return max + 1;
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], lo;

		row[0] = i;
		lo = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] !=
							  b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
			if (best < lo)
				lo = best;
		}
		if (lo > max)
			return max + 1;
	}
	return row[lb];
}

int
town_near(const char *a, const char *b)
{
	size_t max = strlen(a) > 8 && strlen(b) > 8 ? 2 : 1;
	size_t d;

	if (*a == '\0' || *b == '\0' || strcmp(a, b) == 0)
		return 0;
	d = distance(a, b, max);
	return d <= max;
}
