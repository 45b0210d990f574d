/*
 * report.h -- read-only campaign reports from the store: delivery states,
 * response rate, per-question results, free text, who has not answered,
 * what needs a person; never writes to the store.
 *
 * Use:     report_format_parse("text"|"csv"|"json"|"html", &fmt)
 *          report_write(s, cfg, campaign, fmt, out, &e)
 * Owns:    nothing kept; everything is released before returning.
 * Errors:  0 written; -1 with "what: why" in e (unknown campaign, store
 *          error, stored questionnaire unreadable, write error). Output
 *          may be partial on -1.
 * Events:  none.
 * Config:  paths.schema (to read the stored questionnaire XML).
 * Spec:    TEXT: aligned sections for a person, control characters from
 *          the data shown as U+FFFD (textcol.h). CSV (RFC 4180): one row
 *          per contact of the audience, a column per question, for a
 *          spreadsheet, formulas guarded (csv.h). JSON (RFC 8259): one
 *          object with stable keys.
 *          HTML: one self-contained HTML5 page (inline CSS and SVG bar
 *          charts, no scripts, nothing fetched), also well-formed XML;
 *          every number the JSON has carries data-key="json.path"
 *          (array items by their "id"); all text HTML-escaped.
 *          Percentages with one decimal (rounded half away from zero);
 *          a question's percentages are of the contacts who answered it
 *          (multi-choice ones add up to more than 100); response rate =
 *          responded / delivered (a sent invite); late counts the
 *          current responses recorded after the deadline (they count as
 *          responded too). Texts in English.
 *          Needs a person: unmatched and quarantined messages of this
 *          campaign or of none, unreadable answers and bounces of it.
 * Tests:   tests/unit/test_report.c (also CSV formulas guarded, no
 *          escape sequence in text), tests/integration/hostile.sh
 * Files:   report.c (load, text, CSV, JSON), report_html.c,
 *          report_private.h (what they share).
 */
#ifndef ANKETA_REPORT_H
#define ANKETA_REPORT_H

#include <stdio.h>

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_JSON, REPORT_HTML };

/* Options: anonymise for publication (names, addresses and the list
 * of who did not answer left out, free text only where the questionnaire
 * marks the question publishable and then with names, addresses and
 * telephone numbers masked, every count of 1..k-1 respondents hidden);
 * k (default 5); bom: CSV starts with a UTF-8 byte order mark. */
struct report_opts {
	int anonymise;
	long k;
	int bom;
};
#define REPORT_K_DEFAULT 5

/* 0 and *fmt_r set, or -1 for an unknown name. */
int report_format_parse(const char *name, enum report_format *fmt_r);
int report_write(struct store *s, const struct config *cfg,
		 const char *campaign, enum report_format fmt, FILE *out,
		 struct err *e);
int report_write_opts(struct store *s, const struct config *cfg,
		      const char *campaign, enum report_format fmt,
		      const struct report_opts *o, FILE *out, struct err *e);

#endif
