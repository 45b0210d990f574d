/*
 * quote_private.h -- what quote.c and quote_sig.c share: a text as lines,
 * the line helpers, and the signature test. Not for other modules.
 *
 * Use:     quote_norm(&line, buf, sizeof(buf)); quote_norm_at(t, i);
 *          quote_signature_at(t, i, 1)
 * Owns:    nothing; lines point into the caller's text.
 * Errors:  none.
 * Events:  none (pure).
 * Tests:   tests/unit/test_parse.c (through quote.h).
 */
#ifndef ANKETA_QUOTE_PRIVATE_H
#define ANKETA_QUOTE_PRIVATE_H

#include <stddef.h>

#include "mail/quote_lang.h"

#define QUOTE_HDR_MAX 480	/* longer lines are never headers */

struct qline {
	const char *s;
	size_t len;
};

/* The lines of a text and, filled on first use, each line's quote_norm
 * form (norm + noff[i]; done[i] once computed): every detector looks at
 * the same few lines again, so each is normalised once per text. */
struct qtext {
	struct qline *v;
	size_t n;
	char *norm;
	size_t *noff;
	unsigned char *done;
};

/* Line l lower-cased for matching into out (QUOTE_HDR_MAX + 1 bytes):
 * bold '*', leading and trailing blanks and dashes removed, " :" and the
 * full-width colon folded to ":"; "" when l is longer than QUOTE_HDR_MAX. */
void quote_norm(const struct qline *l, char *out, size_t outsz);
/* quote_norm of line i of t, computed once per text; valid while t is */
const char *quote_norm_at(const struct qtext *t, size_t i);
int quote_blank(const struct qline *l);
size_t quote_count_words(const char *s);
int quote_ends_with(const char *s, const char *suffix);
/* Can s start with word w? A one-byte test before the strncmp: most
 * lines are tested against dozens of words. */
static inline int
quote_first_byte_may(const char *s, const char *w)
{
	return w[0] == '\0' || s[0] == w[0];
}
/* s contains / equals one of the words of list w */
int quote_contains_any(const char *s, enum quote_wordlist w);
int quote_equals_any(const char *s, enum quote_wordlist w);
/* line i of t starts a quote or a quote header (attribution, header
 * block, "Original Message" or forward separator) */
int quote_header_at(const struct qtext *t, size_t i);

/* Does a signature start at line i? 1: it runs to the next quote block;
 * -1: only line i is signature; 0: no. has_text: new text came before. */
int quote_signature_at(const struct qtext *t, size_t i, int has_text);
/* "P.S." after a signature: the respondent writes again. */
int quote_postscript_at(const struct qline *l);

#endif
