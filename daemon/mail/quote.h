/*
 * quote.h -- splits a plain-text reply into the text written now and the
 * quoted original, dropping quote headers and the signature; knows no
 * MIME and no charsets.
 *
 * Use:     quote_split(text, &new_text, &quoted); free(new_text);
 *          free(quoted)
 * Owns:    both results are malloc'd NUL-terminated strings (caller frees).
 * Errors:  none: any text gives a result (possibly "").
 * Events:  none (pure).
 * Spec:    '>' quoting (RFC 3676 4.5); quote headers of Gmail, Outlook,
 *          Apple Mail, Thunderbird in en/bg/cs/nl/de/fr; "-- " signature
 *          separator (RFC 3676 4.3) and mobile "Sent from" lines.
 * Tests:   tests/unit/test_parse.c with tests/data/replies/ corpora.
 */
#ifndef ANKETA_QUOTE_H
#define ANKETA_QUOTE_H

/* new_r: the respondent's text in order (interleaved answers kept), trimmed;
 * quoted_r: the quoted lines with one level of '>' removed. Runs in time
 * linear in the text (quote header detection looks at most 3 lines). */
void quote_split(const char *text, char **new_r, char **quoted_r);

#endif
