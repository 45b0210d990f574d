/*
 * town.h -- one canonical key per municipality, so "Kavarna", "Каварна"
 * and "Община Каварна" are one town for seats and every
 * cross-tabulation; pure functions, no store, no I/O.
 *
 * Use:     town_key("Община Каварна", key, sizeof(key))   -> "kavarna"
 *          town_near("kavarna", "kavarma")                  -> 1
 * Owns:    nothing; the caller's buffers.
 * Errors:  town_key: 0, or -1 when the name is not valid UTF-8 or the key
 *          does not fit (key is then ""). An empty name gives "".
 * Events:  none.
 * Spec:    the key is the name with an administrative prefix or suffix
 *          taken off (Община, Obec, Město, Statutární město, Gemeente,
 *          Stad, Ville de, Commune de, Municipality of, Municipality,
 *          Town of, City of, гр./град), Bulgarian Cyrillic transliterated
 *          by the official Bulgarian system (Transliteration Act 2009:
 *          ж zh, ц ts, ч ch, ш sh, щ sht, ъ a, ь y, ю yu, я ya; also the
 *          other Cyrillic letters of that table), Latin letters with
 *          diacritics folded to their base letter (Plzeň -> plzen),
 *          lower case, runs of spaces, '-' and '.' one space.
 *          town_near: two different keys at edit distance 1 (2 when both
 *          are longer than 8 bytes): a likely typo, to be warned about.
 * Tests:   tests/unit/test_town.c
 */
#ifndef ANKETA_TOWN_H
#define ANKETA_TOWN_H

#include <stddef.h>

int town_key(const char *name, char *key, size_t size);
int town_near(const char *a, const char *b);

#endif
