/*
 * tmail.h -- what the mail-reading unit tests share: files of the source
 * tree read whole, expected.tsv lines cut into fields, and one message
 * parsed and classified with the options the tests use.
 *
 * Use:     tmail_path("tests/data/x")      path under $ANKETA_SRCDIR
 *          tmail_slurp(path, &len)         whole file, NUL-terminated
 *          tmail_tsv_split(line, f, max)   fields of one TSV line
 *          tmail_classify(raw, len, &c)    parse + classify_message
 *          tmail_classify_file(rel, &c)    the same for a file
 *          tmail_inspect(raw, survey)      `anketa inspect --json` of it
 * Owns:    nothing: the strings returned are the caller's (free()).
 * Errors:  tmail_slurp returns NULL, the classify calls -1 when the
 *          file cannot be read or the message not parsed.
 */
#ifndef ANKETA_TMAIL_H
#define ANKETA_TMAIL_H

#include <stddef.h>

#include "mail/classify.h"

/* The options every classify test uses: our addresses at example.org,
 * our Message-IDs at anketa.example.org. */
extern const struct classify_opts tmail_opts;

char *tmail_path(const char *rel);
char *tmail_slurp(const char *path, size_t *len_r);
int tmail_tsv_split(char *line, char **f, int max);
int tmail_classify(const char *raw, size_t len, struct classified *c);
int tmail_classify_file(const char *rel, struct classified *c);

struct survey;

/* The JSON line inspect_file gives for the message raw (written to a
 * temporary file), with the survey (may be NULL); the caller frees it.
 * A failure fails the running test. */
char *tmail_inspect(const char *raw, const struct survey *sv);

#endif
