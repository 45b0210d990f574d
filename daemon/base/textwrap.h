/*
 * textwrap.h -- breaks lines of plain text longer than a width (in
 * characters, UTF-8 code points) at spaces, for text parts of mail and
 * text reports (RFC 5322 2.1.1: at most 78 characters a line).
 *
 * Use:     textwrap(in, width, &out)   appends the wrapped text to out
 *          textwrap_buf(&b, width)     wraps b in place
 *          textwrap_longest(text, &line)   widest line, for tests
 * Owns:    nothing.
 * Errors:  none (buf caps: what buf.h does).
 * Events:  none (pure).
 * Spec:    A line that fits is left as it is, byte for byte. A longer
 *          one is broken at spaces; continuation lines repeat its
 *          indentation and, for a list item ("- ", "* ", "1. ") or a
 *          labelled line ("Q3. "), line up under the text after the
 *          marker. A word that does not fit even alone (a URL) stays
 *          whole, alone on its line. Quoted lines ("> ") and the
 *          signature separator are never touched. CRLF is kept as LF.
 * Tests:   tests/unit/test_textwrap.c, tests/unit/test_send.c (every
 *          template set and language within 78)
 */
#ifndef ANKETA_TEXTWRAP_H
#define ANKETA_TEXTWRAP_H

#include <stddef.h>

#include "base/buf.h"

#define TEXTWRAP_MAIL 78

void textwrap(const char *in, size_t len, size_t width, struct buf *out);
void textwrap_buf(struct buf *b, size_t width);
/* Characters of the widest line of text that is not one unbreakable
 * word after its indentation (0 if none); *line_r (may be NULL) its
 * 1-based number. */
size_t textwrap_longest(const char *text, size_t *line_r);

#endif
