/*
 * charset.c -- see charset.h. Labels are mapped through one alias table to
 * iconv names; when the label is missing or the bytes are not valid in it,
 * candidates are decoded and scored by how much the result looks like
 * natural text (letter case inside words, common letters, no controls).
 * Text that is already UTF-8 or ASCII is copied, never run through
 * iconv; descriptors are kept in a charset_cache for one parse, as
 * opening one costs more than converting a short part.
 */
#include "base/charset.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/xmem.h"

struct charset_alias {
	const char *label;
	const char *name;	/* canonical, also the iconv name */
};

/* Lower-case labels; the first entry for a name is its canonical spelling. */
static const struct charset_alias charset_aliases[] = {
	{ "utf-8", "UTF-8" }, { "utf8", "UTF-8" }, { "unicode-1-1-utf-8", "UTF-8" },
	{ "us-ascii", "US-ASCII" }, { "ascii", "US-ASCII" },
	{ "ansi_x3.4-1968", "US-ASCII" }, { "iso646-us", "US-ASCII" },
	{ "iso-8859-1", "ISO-8859-1" }, { "iso8859-1", "ISO-8859-1" },
	{ "iso_8859-1", "ISO-8859-1" }, { "latin1", "ISO-8859-1" },
	{ "l1", "ISO-8859-1" }, { "iso-ir-100", "ISO-8859-1" },
	{ "iso-8859-2", "ISO-8859-2" }, { "iso8859-2", "ISO-8859-2" },
	{ "iso_8859-2", "ISO-8859-2" }, { "latin2", "ISO-8859-2" },
	{ "l2", "ISO-8859-2" },
	{ "iso-8859-5", "ISO-8859-5" }, { "iso-8859-15", "ISO-8859-15" },
	{ "latin9", "ISO-8859-15" }, { "iso8859-15", "ISO-8859-15" },
	{ "windows-1250", "WINDOWS-1250" }, { "cp1250", "WINDOWS-1250" },
	{ "x-cp1250", "WINDOWS-1250" },
	{ "windows-1251", "WINDOWS-1251" }, { "cp1251", "WINDOWS-1251" },
	{ "x-cp1251", "WINDOWS-1251" },
	{ "windows-1252", "WINDOWS-1252" }, { "cp1252", "WINDOWS-1252" },
	{ "x-cp1252", "WINDOWS-1252" },
	{ "koi8-r", "KOI8-R" }, { "koi8r", "KOI8-R" }, { "koi8", "KOI8-R" },
	{ "koi8-u", "KOI8-U" },
	{ "utf-16", "UTF-16" }, { "utf-16le", "UTF-16LE" },
	{ "utf-16be", "UTF-16BE" },
	{ "iso-2022-jp", "ISO-2022-JP" }, { "shift_jis", "SHIFT_JIS" },
	{ "euc-jp", "EUC-JP" }, { "gb2312", "GB2312" }, { "gbk", "GBK" },
	{ "gb18030", "GB18030" }, { "big5", "BIG5" }, { "euc-kr", "EUC-KR" },
};

/* Single-byte candidates tried when the label cannot be trusted. */
/* Ties go to the earlier one: windows-1252 decodes the letters shared by
 * Western and Central European text (ü, ö, ß, á, é) like the others. */
static const char *const charset_candidates[] = {
	"WINDOWS-1252", "WINDOWS-1251", "KOI8-R", "WINDOWS-1250", "ISO-8859-2",
};

const char *
charset_canonical(const char *label)
{
	char low[40];
	size_t n = 0;

	if (label == NULL)
		return NULL;
	while (isspace((unsigned char)*label) || *label == '"')
		label++;
	for (; label[n] && label[n] != '"' && !isspace((unsigned char)label[n]);
	     n++) {
		if (n + 1 >= sizeof(low))
			return NULL;
		low[n] = (char)tolower((unsigned char)label[n]);
	}
	low[n] = '\0';
	for (size_t i = 0; i < sizeof(charset_aliases) / sizeof(*charset_aliases);
	     i++)
		if (strcmp(low, charset_aliases[i].label) == 0)
			return charset_aliases[i].name;
	return NULL;
}

/* Length of the UTF-8 sequence at s (1..4), 0 if malformed; *cp_r set. */
static size_t
utf8_seq(const unsigned char *s, size_t len, uint32_t *cp_r)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
	    || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

int
charset_is_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	for (size_t i = 0; i < len;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = utf8_seq(p + i, len - i, &cp);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

static int
has_8bit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* Descriptors opened during one parse, by canonical name (the names are
 * the static strings of the tables above, so a pointer compares). */
#define CHARSET_CACHE_SLOTS 8

struct charset_cache {
	const char *name[CHARSET_CACHE_SLOTS];
	iconv_t cd[CHARSET_CACHE_SLOTS];
	size_t n;
};

struct charset_cache *
charset_cache_new(void)
{
	return xcalloc(1, sizeof(struct charset_cache));
}

void
charset_cache_free(struct charset_cache **cc)
{
	if (cc == NULL || *cc == NULL)
		return;
	for (size_t i = 0; i < (*cc)->n; i++)
		iconv_close((*cc)->cd[i]);
	free(*cc);
	*cc = NULL;
}

/* A descriptor to UTF-8 in its initial state; *owned_r set when the
 * caller must close it (no cache, or the cache is full). */
static iconv_t
cache_open(struct charset_cache *cc, const char *name, int *owned_r)
{
	iconv_t cd;

	*owned_r = 0;
	for (size_t i = 0; cc && i < cc->n; i++)
		if (cc->name[i] == name || strcmp(cc->name[i], name) == 0) {
			iconv(cc->cd[i], NULL, NULL, NULL, NULL);
			return cc->cd[i];
		}
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return cd;
	if (cc && cc->n < CHARSET_CACHE_SLOTS) {
		cc->name[cc->n] = name;
		cc->cd[cc->n++] = cd;
	} else
		*owned_r = 1;
	return cd;
}

/* Append n bytes without their NULs. */
static void
add_no_nul(struct buf *out, const char *s, size_t n)
{
	const char *end = s + n, *z;

	while (s < end && (z = memchr(s, '\0', (size_t)(end - s))) != NULL) {
		buf_add(out, s, (size_t)(z - s));
		s = z + 1;
	}
	buf_add(out, s, (size_t)(end - s));
}

/* Text that is already UTF-8 (or ASCII): copied, NULs dropped. */
static char *
copy_utf8(const char *in, size_t len)
{
	struct buf out;

	if (memchr(in, '\0', len) == NULL) {
		char *s = xmalloc(len + 1);
		memcpy(s, in, len);
		s[len] = '\0';
		return s;
	}
	buf_init(&out, 0);
	add_no_nul(&out, in, len);
	buf_cstr(&out);
	return buf_steal(&out);
}

/* iconv the whole input; NULL if the charset is unknown or a byte is
 * invalid in it (the caller then detects). NUL bytes are dropped. */
static char *
convert_strict(struct charset_cache *cc, const char *name, const char *in,
	       size_t len)
{
	int owned;
	iconv_t cd = cache_open(cc, name, &owned);
	struct buf out;
	char chunk[4096];
	char *ip = (char *)in;
	size_t il = len, r = 0;

	if (cd == (iconv_t)-1)
		return NULL;
	buf_init(&out, 0);
	while (il > 0) {
		char *op = chunk;
		size_t ol = sizeof(chunk);
		r = iconv(cd, &ip, &il, &op, &ol);
		add_no_nul(&out, chunk, (size_t)(op - chunk));
		if (r == (size_t)-1 && errno != E2BIG)
			break;
	}
	if (owned)
		iconv_close(cd);
	if (r == (size_t)-1 && il > 0) {
		buf_free(&out);
		return NULL;
	}
	buf_cstr(&out);
	return buf_steal(&out);
}

static int
is_cyr_lower(uint32_t c)
{
	return (c >= 0x430 && c <= 0x45f);
}

static int
is_letter(uint32_t c)
{
	return (c < 0x80 && isalpha((int)c)) || (c >= 0xc0 && c <= 0x24f &&
	    c != 0xd7 && c != 0xf7) || (c >= 0x400 && c <= 0x45f);
}

static int
is_lower(uint32_t c)
{
	if (c < 0x80)
		return islower((int)c);
	if (is_cyr_lower(c))
		return 1;
	if (c >= 0xdf && c <= 0xff)
		return 1;
	return c >= 0x100 && c <= 0x17f && (c & 1);
}

/* Letters that are frequent in the languages each script is used for. */
static int
common_letter(uint32_t c)
{
	static const uint32_t common[] = {
		0x43e, 0x435, 0x430, 0x438, 0x43d, 0x442, 0x441, 0x440, 0x432,
		0x43b, 0x43a, 0x43c, 0x434, 0x43f, 0x443, 0x44f,	/* Cyrillic */
		0x10d, 0x159, 0x11b, 0x16f, 0x17e, 0x161, 0xed, 0xe1, 0xe9,
		0xfd, 0x148, 0x165, 0x10f, 0x105, 0x119, 0x142, 0x15b, 0x17a,
		0x17c, 0x151, 0x171, 0xf3,		/* Central European */
		0xe8, 0xe0, 0xe7, 0xfc, 0xf6, 0xe4, 0xdf, 0xf1, 0xea, 0xe2,
		0xee, 0xf4, 0xfb, 0xeb, 0xef, 0xf8, 0xe5, 0xfa,	/* Western */
	};
	for (size_t i = 0; i < sizeof(common) / sizeof(*common); i++)
		if (common[i] == c)
			return 1;
	return 0;
}

/* How natural the decoded text looks: higher is better. */
static long
score_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	uint32_t c, prev = ' ';
	long score = 0;
	int run8 = 0;	/* consecutive non-ASCII Latin letters */

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i, &c);
		if (n == 0)
			return -1000000;
		i += n;
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    (c >= 0x7f && c < 0xa0) || c == 0xfffd)
			score -= 20;
		else if (c >= 0x2500 && c <= 0x25ff)
			score -= 8;	/* KOI8 box drawing */
		if (c >= 0x80 && is_letter(c)) {
			score += common_letter(c) ? 3 : 1;
			if (is_lower(c))
				score += 1;
			if (is_lower(prev) && !is_lower(c) && is_letter(prev))
				score -= 4;	/* "прИВЕТ": upper inside a word */
			if (c < 0x400)
				run8++;
			else
				run8 = 0;
			if (run8 > 2)
				score -= 4;	/* "Ïðèâåò" */
			if (prev < 0x80 && isalpha((int)prev) &&
			    (c >= 0x400) != 0)
				score -= 6;	/* Cyrillic glued to ASCII */
		} else {
			run8 = 0;
			if (c < 0x80 && isalpha((int)c) && prev >= 0x400 &&
			    prev <= 0x45f)
				score -= 6;
		}
		if (c >= 0x80 && !is_letter(c) && !(c >= 0x2010 && c <= 0x203a)
		    && c != 0xa0 && c != 0xab && c != 0xbb && c != 0x2116 &&
		    c != 0x20ac && c != 0xa9 && c != 0xb0)
			score -= 2;	/* odd symbol where a letter belongs */
		prev = c;
	}
	return score;
}

/* Best single-byte candidate; never NULL (WINDOWS-1252 decodes all but
 * five bytes, ISO-8859-1 everything). */
static char *
detect(struct charset_cache *cc, const char *in, size_t len,
       const char **used_r)
{
	char *best = NULL;
	long best_score = 0;

	for (size_t i = 0;
	     i < sizeof(charset_candidates) / sizeof(*charset_candidates); i++) {
		char *t = convert_strict(cc, charset_candidates[i], in, len);
		if (t == NULL)
			continue;
		long sc = score_text(t);
		if (best == NULL || sc > best_score) {
			free(best);
			best = t;
			best_score = sc;
			*used_r = charset_candidates[i];
		} else
			free(t);
	}
	if (best == NULL) {
		best = convert_strict(cc, "ISO-8859-1", in, len);
		*used_r = "ISO-8859-1";
	}
	return best;
}

/* A Latin single-byte label on text whose 8-bit letters outnumber its
 * ASCII letters is Cyrillic (or other) text mislabelled. */
static int
latin_label_suspect(const char *name, const char *in, size_t len)
{
	size_t hi = 0, ascii = 0;

	if (strcmp(name, "ISO-8859-1") && strcmp(name, "WINDOWS-1252") &&
	    strcmp(name, "ISO-8859-15") && strcmp(name, "ISO-8859-2") &&
	    strcmp(name, "WINDOWS-1250"))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0xc0)
			hi++;
		else if (isalpha(c))
			ascii++;
	}
	return hi > 8 && hi > ascii;
}

/* Mostly valid UTF-8 (a damaged or truncated part): invalid bytes become
 * U+FFFD, a sequence cut off at the very end is dropped. NULL when the
 * text does not look like UTF-8 at all. */
static char *
utf8_lenient(const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t good = 0, bad = 0;
	struct buf o;
	uint32_t cp;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i, &cp);
		if (n == 0) {
			bad++;
			i++;
		} else {
			good += n > 1;
			i += n;
		}
	}
	if (good == 0 || bad * 10 > good)
		return NULL;
	buf_init(&o, 0);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i, &cp);
		if (n > 0) {
			if (cp != 0)
				buf_add(&o, p + i, n);
			i += n;
			continue;
		}
		/* a lead byte whose sequence the end of the data cut off */
		size_t k = 1;
		while (i + k < len && (p[i + k] & 0xc0) == 0x80)
			k++;
		if (!(p[i] >= 0xc2 && i + k == len && k < 4))
			buf_adds(&o, "\xef\xbf\xbd");
		i += (i + k == len) ? k : 1;
	}
	buf_cstr(&o);
	return buf_steal(&o);
}

/* UTF-16 and ISO-2022-JP are meaningful without any 8-bit byte. */
static int
multibyte_7bit(const char *name)
{
	return name && (strncmp(name, "UTF-16", 6) == 0 ||
			strcmp(name, "ISO-2022-JP") == 0);
}

static int
single_byte(const char *name)
{
	return strncmp(name, "ISO-8859", 8) == 0 ||
	       strncmp(name, "WINDOWS", 7) == 0 || strncmp(name, "KOI8", 4) == 0;
}

/* A label is trusted unless the bytes contradict it: valid UTF-8 (which
 * real single-byte text almost never is) or Cyrillic-looking bytes under
 * a Latin label. */
static int
label_trusted(const char *name, const char *in, size_t len)
{
	if (name == NULL || strcmp(name, "US-ASCII") == 0 ||
	    strcmp(name, "UTF-8") == 0)
		return 0;
	if (single_byte(name) && (charset_is_utf8(in, len) ||
	    latin_label_suspect(name, in, len)))
		return 0;
	return 1;
}

char *
charset_convert(struct charset_cache *cc, const char *label, const char *in,
		size_t len, const char **used_r, int *guessed_r)
{
	const char *name = charset_canonical(label);
	const char *dummy;
	char *out;

	if (used_r == NULL)
		used_r = &dummy;
	*guessed_r = 0;
	if (!has_8bit(in, len) && !multibyte_7bit(name)) {
		*used_r = name ? name : "US-ASCII";
		return copy_utf8(in, len);
	}
	if (label_trusted(name, in, len) &&
	    (out = convert_strict(cc, name, in, len)) != NULL) {
		*used_r = name;
		return out;
	}
	/* Label missing, unknown, lying, or ASCII with 8-bit bytes. */
	if (charset_is_utf8(in, len)) {
		*guessed_r = !(name && strcmp(name, "UTF-8") == 0);
		*used_r = "UTF-8";
		return copy_utf8(in, len);
	}
	if ((name == NULL || strcmp(name, "UTF-8") == 0) &&
	    (out = utf8_lenient(in, len)) != NULL) {
		*guessed_r = name == NULL;
		*used_r = "UTF-8";
		return out;
	}
	*guessed_r = 1;
	return detect(cc, in, len, used_r);
}

char *
charset_to_utf8(const char *label, const char *in, size_t len,
		const char **used_r, int *guessed_r)
{
	return charset_convert(NULL, label, in, len, used_r, guessed_r);
}
