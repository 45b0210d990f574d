/*
 * charset.h -- converts text in a declared (or missing, or wrong) charset
 * to UTF-8 with iconv, detecting the real charset when the label lies;
 * never fails and never returns invalid UTF-8.
 *
 * Use:     s = charset_to_utf8(label, bytes, len, &used, &guessed); free(s)
 *          cc = charset_cache_new()    iconv descriptors kept for a parse
 *          s = charset_convert(cc, label, bytes, len, &used, &guessed)
 *          charset_cache_free(&cc)     closes them
 *          charset_is_utf8(bytes, len)      strict UTF-8 validity
 *          charset_canonical(label)         "windows-1251" for "cp1251"...
 * Owns:    charset_to_utf8 returns a malloc'd NUL-terminated string (the
 *          caller frees it); *used_r points to a static name. A cache
 *          owns the descriptors it opened (at most 8; more are opened
 *          and closed per call); charset_cache_free closes them.
 * Errors:  none: an unknown label or bytes invalid in it trigger
 *          detection (valid UTF-8 wins; else the best-scoring of
 *          windows-1251, KOI8-R, windows-1250, ISO-8859-2, windows-1252);
 *          *guessed_r is then 1. NUL bytes are dropped.
 * Events:  none (pure).
 * Spec:    RFC 2978 names (IANA charset registry), WHATWG label aliases.
 * Tests:   tests/unit/test_parse.c (charset table, cache, invalid UTF-8)
 */
#ifndef ANKETA_CHARSET_H
#define ANKETA_CHARSET_H

#include <stddef.h>

char *charset_to_utf8(const char *label, const char *in, size_t len,
		      const char **used_r, int *guessed_r);

struct charset_cache;
struct charset_cache *charset_cache_new(void);
void charset_cache_free(struct charset_cache **cc);
/* charset_to_utf8 with the iconv descriptors taken from (and left in) cc;
 * the same result. cc may be NULL (nothing kept). */
char *charset_convert(struct charset_cache *cc, const char *label,
		      const char *in, size_t len, const char **used_r,
		      int *guessed_r);
/* 1 if the bytes are well-formed UTF-8 (no overlongs, no surrogates). */
int charset_is_utf8(const char *s, size_t len);
/* The canonical name of a supported label, or NULL if unsupported. */
const char *charset_canonical(const char *label);

#endif
