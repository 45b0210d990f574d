/*
 * textcol.h -- text for a terminal: the display width of UTF-8 text for
 * aligned columns (Cyrillic and Czech letters are one column, combining
 * marks none, East Asian wide characters two), and what must never reach
 * a terminal as is (control characters, escape sequences, broken UTF-8);
 * never prints.
 *
 * Use:     textcol_width(s)            columns s takes on a terminal
 *          textcol_pad(b, s, width)    append s made safe, then spaces
 *          textcol_add(b, s, keep)     append s made safe
 *          textcol_clean(b, from, keep)  make b's text from offset from
 *                                      safe (a line built with buf_printf)
 *          textcol_unsafe(s, n, keep)  the first character that is not
 * Owns:    nothing.
 * Errors:  textcol_pad and textcol_add return -1 when b's cap is reached,
 *          else 0. Invalid UTF-8 never fails: it is replaced.
 * Events:  none (pure).     Spec: Unicode UAX #11 (approximated); ECMA-48
 *          (C0 and C1 control sets: ESC, CSI U+009B, OSC U+009D ... start
 *          the sequences a terminal obeys); RFC 3629 (UTF-8).
 * Tests:   tests/unit/test_report.c (terminal escapes in a text report),
 *          tests/unit/test_contacts.c (aligned contact lists, controls
 *          refused on import), tests/unit/test_campaign.c (bad bytes in a
 *          campaign file), tests/unit/test_util.c (log lines)
 */
#ifndef ANKETA_TEXTCOL_H
#define ANKETA_TEXTCOL_H

#include <stddef.h>

#include "base/buf.h"

/* textcol_unsafe's answer for bytes that are not UTF-8. */
#define TEXTCOL_BAD_UTF8 0x110000L

/* Columns s takes once made safe (a replaced character takes one). */
size_t textcol_width(const char *s);
/* s as textcol_add(b, s, "") writes it, then spaces up to width columns:
 * inside a column even a newline or a tab would break the table. */
int textcol_pad(struct buf *b, const char *s, size_t width);
/*
 * Append s (NULL: nothing) with every character a terminal would act on
 * replaced by U+FFFD: C0 controls except those listed in keep (e.g.
 * "\n\t" for multi-line text, where they are layout), DEL, C1 controls
 * (U+0080..U+009F: some terminals take U+009B as CSI), and each byte
 * that is not part of well-formed UTF-8. So ESC never arrives, and no
 * escape sequence can start.
 */
int textcol_add(struct buf *b, const char *s, const char *keep);
/* b's text from offset from on, as textcol_add would have written it:
 * for a line built with buf_printf from data, before its own newline is
 * added. -1 when b's cap is reached (b then ends at from). */
int textcol_clean(struct buf *b, size_t from, const char *keep);
/* The first character of s[0..n) textcol_add would replace (a NUL byte
 * counts: 0), as its code point, TEXTCOL_BAD_UTF8 for bytes that are not
 * UTF-8, or -1 when s is clean: for input checks naming what is wrong. */
long textcol_unsafe(const char *s, size_t n, const char *keep);

#endif
