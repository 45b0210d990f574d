/*
 * mime.h -- builds one outgoing RFC 5322 / MIME message as CRLF bytes from
 * UTF-8 headers, text, HTML and attachments; never sends, never touches
 * the store.
 *
 * Use:     m = mime_new()
 *          mime_addr(m, "From", "Jana Nováková", "jana@example.org")
 *          mime_addr(m, "To", ...)           again with "To": appended
 *          mime_header(m, "Subject", utf8)   unstructured, RFC 2047
 *          mime_header_raw(m, "Message-ID", "<id@host>")   ASCII as is
 *          mime_text(m, text) / mime_html(m, html)
 *          mime_attach(m, "text/calendar; method=REQUEST", NULL, d, n, 0)
 *          mime_set_date(m, t)               optional, default: now
 *          mime_build(m, &out, &e)
 *          mime_free(&m)
 *          mime_message_id("example.org")    "<time.random@domain>"
 *          mime_encode_word(utf8)            RFC 2047 encoded-words
 * Owns:    struct mime copies every string and datum given; mime_free
 *          releases them. mime_message_id and mime_encode_word return
 *          strings the caller frees with free().
 * Errors:  setters never fail: a bad argument (CR/LF in a raw header, an
 *          address with spaces or <>, a header name that is not a token)
 *          is remembered and mime_build returns -1 with the first such
 *          reason in e ("To: bad address 'x y'"). mime_build also fails
 *          with no body, a raw header line over 998 that cannot fold, or
 *          when out->max is reached; on failure out is left exactly as it
 *          was.
 * Events:  none (pure; reads getrandom() for boundaries and ids).
 * Config:  none.
 * Spec:    RFC 5322 (headers, folding at 78; a word of a display name or
 *          an unstructured value that would not fit on a line is
 *          encoded, so no name, however long, makes a line past 78),
 *          RFC 2045 (QP, base64, lines
 *          <= 76), RFC 2046 (multipart, boundaries), RFC 2047 (encoded-
 *          words <= 75, B or Q, whole UTF-8 sequences), RFC 2231
 *          (non-ASCII filenames), RFC 6047 (iMIP: text/calendar inside
 *          multipart/alternative).
 * Tests:   tests/unit/test_mime.c (decoded back with libetpan)
 */
#ifndef ANKETA_MIME_H
#define ANKETA_MIME_H

#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"

struct mime;

struct mime *mime_new(void);
void mime_free(struct mime **m);

/* Unstructured header (Subject, X-...): encoded-words only where the value
 * is not ASCII, folded at 78 columns. CR/LF in value become one space.
 * A second call with the same name replaces the first. */
void mime_header(struct mime *m, const char *name, const char *utf8_value);
/* Structured ASCII header passed verbatim apart from folding at spaces
 * (Message-ID, In-Reply-To, References, List-Unsubscribe, Auto-Submitted).
 * Non-ASCII or CR/LF in value is an error at build. Replaces. */
void mime_header_raw(struct mime *m, const char *name, const char *value);
/* Address header: "display <addr>". display may be NULL or "". Calling it
 * again with the same name appends to that header's list (To: a, b). */
void mime_addr(struct mime *m, const char *name, const char *display_utf8,
    const char *addr);

/* Bodies, UTF-8. Text and HTML together become multipart/alternative with
 * the text first. A second call replaces. */
void mime_text(struct mime *m, const char *text_utf8);
void mime_html(struct mime *m, const char *html_utf8);
/*
 * An extra part. content_type carries its parameters. A content type that
 * starts with "text/calendar" goes inside multipart/alternative after the
 * text and HTML (iMIP); anything else makes the message multipart/mixed
 * around the body. A text type without a charset gets "; charset=utf-8".
 * filename (UTF-8, may be NULL) goes into Content-Disposition; inline_flag
 * picks "inline" over "attachment".
 */
void mime_attach(struct mime *m, const char *content_type,
    const char *filename, const void *data, size_t len, int inline_flag);
/* Date header time; default is the time of mime_build. */
void mime_set_date(struct mime *m, time_t t);

/* Append the whole message (CRLF line endings) to out: the headers in the
 * order set, then Date (unless set as a header), MIME-Version and the
 * body. Returns 0, or -1 with e set and out unchanged. */
int mime_build(struct mime *m, struct buf *out, struct err *e);

/* "<seconds.random@domain>" with 96 random bits; caller frees. */
char *mime_message_id(const char *domain);
/* utf8 as one or more RFC 2047 encoded-words separated by a space, each
 * <= 75 chars, safe in a phrase; ASCII-only input is encoded too. Caller
 * frees. */
char *mime_encode_word(const char *utf8);

#endif
