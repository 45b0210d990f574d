/*
 * form.h -- renders a questionnaire for one language as a fill-in form
 * for the body of a mail (plain text and mail-client HTML); never reads
 * replies (answers.c does) and never builds MIME (mime.c does).
 *
 * The reply format does not depend on the language. Every form is:
 *
 *     <language-specific instruction, a few lines>
 *     === ANKETA FORM <survey-id> ===          (FORM_BEGIN_MARK + id)
 *     Q1. <question text> (<how to answer>) *     ('*' = required)
 *         a) <option>   b) <option> ...
 *     A1:
 *     ...
 *     === END OF FORM ===                      (FORM_END_MARK)
 *
 * The respondent writes after each "A<n>:" line; answers.c reads that.
 * The HTML variant uses tables and inline styles only (no <form>, no
 * scripts, no external resources); every text is HTML-escaped, and each
 * "A<n>:" stands alone in its own block, so an HTML->text conversion of
 * a quoted reply gives the same "A<n>:" lines as the text variant.
 *
 * Use:     form_render_text(sv, lang, &out)   append the text form
 *          form_render_html(sv, lang, &out)   append an HTML fragment
 *                                             (a <div>, no <html>/<body>)
 *          form_instruction(lang)              the instruction alone
 * Owns:    nothing; output is appended to the caller's struct buf.
 * Errors:  0, or -1 when out's cap was reached (out then holds a
 *          truncated form that must not be sent). An unknown lang falls
 *          back to the survey's fallback language.
 * Events:  none (pure).
 * Tests:   tests/unit/test_survey.c (form cases), tests/unit/test_answers.c
 *          (round trip: render, fill in, extract)
 */
#ifndef ANKETA_FORM_H
#define ANKETA_FORM_H

#include "base/buf.h"
#include "model/survey.h"

/* Marker lines (no language in them): begin line is the mark, a space,
 * the survey id, a space and "===". */
#define FORM_BEGIN_MARK "=== ANKETA FORM"
#define FORM_END_MARK "=== END OF FORM ==="

int form_render_text(const struct survey *sv, const char *lang,
		     struct buf *out);
int form_render_html(const struct survey *sv, const char *lang,
		     struct buf *out);
/* Static text: "Reply to this message and write ..." in lang (bg, en,
 * nl, cs; anything else gets English). Never NULL. */
const char *form_instruction(const char *lang);

#endif
