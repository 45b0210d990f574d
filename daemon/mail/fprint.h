/*
 * fprint.h -- the fingerprint of a text anketa sent, and the split of a
 * reply into new text and the quoted original found through it: whatever
 * the quote prefix, the language of the attribution, the client's
 * re-wrapping or an HTML-to-text conversion. Knows no MIME, no charsets
 * (UTF-8 in) and no store.
 *
 * Use:     fprint_make(sent_text, &blob, &len); ... store the blob ...
 *          fprint_of_message(raw, n, &blob, &len)   of a message we built
 *          fprint_split(reply_text, blob, len, &new_text, &quoted)
 *          free(blob); free(new_text); free(quoted)
 * Owns:    every result is malloc'd and the caller's.
 * Errors:  fprint_make cannot fail (a text without words gives an empty
 *          fingerprint, which matches nothing). fprint_split returns 1
 *          split, 0 nothing of the original found or a blob it cannot
 *          read (nothing set: use quote_split).
 * Events:  none (pure).
 * Tests:   tests/unit/test_fprint.c
 *
 * The fingerprint is the set of 32-bit hashes of every run of
 * FPRINT_K words of the text, words case-folded (ASCII, Latin-1,
 * Latin Extended-A, Cyrillic) and everything that is not a letter or a
 * digit dropped, line ends included: re-wrapping, '>' or '|' prefixes and
 * indentation change no hash. Sorted, at most FPRINT_MAX_BYTES: a longer
 * text keeps its smallest hashes and the bound above which a hash is not
 * known (so a sample still judges a line by the hashes it can know).
 *
 * A reply in which fewer than 8 words lie in runs we sent quotes
 * nothing of ours (it repeats a phrase). Otherwise a reply line is
 * quoted when at least half its words lie in runs found
 * in the fingerprint, or when it begins with a found run and goes on
 * with words we did not send (our "A2:" filled in as "A2: b": kept in
 * the quoted text, where answers_extract reads filled-in forms). A line
 * under '>' is quoted as in RFC 3676; when most matching lines are under
 * '>', a line without it is new text whatever words it repeats. Lines without words (blank,
 * "> ", "-----") inside a quoted block are quoted. The non-blank lines
 * right above the first quoted block that look like an attribution
 * (end with ':', carry an address or a date) or a header block (two or
 * more "Word:" fields, separator lines) are dropped, whatever their
 * language. New text: the remaining lines in order, up to a "-- "
 * signature separator, trimmed; quoted: the quoted lines without their
 * prefix.
 */
#ifndef ANKETA_FPRINT_H
#define ANKETA_FPRINT_H

#include <stddef.h>

#define FPRINT_K 3		/* words per hashed run */
#define FPRINT_MAX_BYTES 4096	/* a blob never exceeds this */

void fprint_make(const char *text, unsigned char **blob_r, size_t *len_r);
/* The fingerprint of the text a reader of message raw sees: its text
 * part as parse.h decodes it, the same way ingest reads the reply. */
int fprint_of_message(const char *raw, size_t len, unsigned char **blob_r,
		      size_t *len_r);
/* Linear in the length of text (each hash is looked up in the blob's
 * sorted array of at most ~1,000 entries). */
int fprint_split(const char *text, const unsigned char *blob, size_t len,
		 char **new_r, char **quoted_r);

#endif
