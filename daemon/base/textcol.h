/*
 * textcol.h -- column alignment for plain-text tables: the display width
 * of UTF-8 text (Cyrillic and Czech letters are one column, combining
 * marks none, East Asian wide characters two); never prints.
 *
 * Use:     textcol_width(s)            columns s takes on a terminal
 *          textcol_pad(b, s, width)    append s, then spaces up to width
 * Owns:    nothing.
 * Errors:  textcol_pad returns -1 when b's cap is reached, else 0.
 *          Invalid UTF-8 bytes count one column each (never fails).
 * Events:  none (pure).     Spec: Unicode UAX #11 (approximated).
 * Tests:   tests/unit/test_contacts.c (aligned contact lists),
 *          tests/unit/test_report.c
 */
#ifndef ANKETA_TEXTCOL_H
#define ANKETA_TEXTCOL_H

#include <stddef.h>

#include "base/buf.h"

size_t textcol_width(const char *s);
int textcol_pad(struct buf *b, const char *s, size_t width);

#endif
