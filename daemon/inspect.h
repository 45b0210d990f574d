/*
 * inspect.h -- the engine of `anketa inspect FILE.eml...`: parses and
 * classifies one message file and describes what anketa would make of
 * it, as JSON or readable text; never touches the store.
 *
 * Use:     struct inspect_opts o = { .json = 1, .survey = sv, ... };
 *          inspect_file(path, &o, &out, &e)   appends one description
 * Owns:    nothing kept; the description is appended to the caller's buf.
 * Errors:  0 described (even when the message is unreadable: kind
 *          "unreadable" with a reason); -1 when the file cannot be read
 *          or the output buffer is full ("path: why" in e), out unchanged
 *          beyond what was appended before the failure.
 * Events:  none (reads one file).
 * Config:  classify patterns and parse limits come in through opts.
 * Tests:   tests/integration/cli.sh (anketa inspect), test_classify.c
 */
#ifndef ANKETA_INSPECT_H
#define ANKETA_INSPECT_H

#include "base/buf.h"
#include "mail/classify.h"
#include "base/err.h"
#include "mail/parse.h"
#include "model/survey.h"

struct inspect_opts {
	int json;			/* 1: one JSON object + "\n" per file;
					 * 0: a few readable lines */
	const struct survey *survey;	/* may be NULL: no answers read */
	struct classify_opts copts;
	struct parse_limits limits;
};

int inspect_file(const char *path, const struct inspect_opts *o,
		 struct buf *out, struct err *e);

#endif
