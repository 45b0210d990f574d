/*
 * quote.h -- splits a plain-text reply into the text written now, the
 * quoted original, the signature and a forwarded message, when the
 * original we sent is not known (patterns, no fingerprint); knows no MIME
 * and no charsets.
 *
 * Use:     quote_split(text, &new_text, &quoted); free(new_text);
 *          free(quoted)
 *          quote_parts_split(text, &parts); ... quote_parts_free(&parts)
 * Owns:    every result is a malloc'd NUL-terminated string (caller frees;
 *          quote_parts_free frees all four).
 * Errors:  none: any text gives a result (possibly "").
 * Events:  none (pure).
 * Spec:    '>' and '|' quoting (RFC 3676 4.5); attribution lines and
 *          header blocks recognised by shape (a date and an address before
 *          a closing ':'; three "Label: value" lines with an address and a
 *          date) in any language, with the words of quote_lang.h as
 *          extra evidence; "-----Original Message-----" and forwarded-
 *          message separators; "-- " signature separator (RFC 3676 4.3),
 *          footer rules, "Sent from my ..." lines and closings ("Kind
 *          regards," + name) in the languages of quote_lang.h.
 * Tests:   tests/unit/test_parse.c with tests/data/replies/ corpora.
 */
#ifndef ANKETA_QUOTE_H
#define ANKETA_QUOTE_H

/* The parts of a reply, each trimmed: reply is what the respondent wrote
 * now, in order (interleaved answers kept), without signature; quoted the
 * quoted lines with one level of '>' removed and any unquoted original
 * below a quote header; signature the lines from a signature start to the
 * next quote block (a "P.S." line ends it); forward a forwarded or
 * embedded message with its separator and header lines. */
struct quote_parts {
	char *reply;
	char *quoted;
	char *signature;
	char *forward;
};

/* Fills *p; runs in time linear in the text (every detector looks at a
 * bounded number of lines of bounded length). */
void quote_parts_split(const char *text, struct quote_parts *p);

/* Frees the four strings and zeroes *p. */
void quote_parts_free(struct quote_parts *p);

/* new_r: quote_parts' reply; quoted_r: its quoted part followed by the
 * forwarded message (both are "not written now"). */
void quote_split(const char *text, char **new_r, char **quoted_r);

#endif
