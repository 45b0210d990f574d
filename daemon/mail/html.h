/*
 * html.h -- renders an HTML mail body as plain text the way a reader sees
 * it, turning quoted blocks into '>' lines; never fetches anything.
 *
 * Use:     text = html_to_text(html, len); ... free(text)
 * Owns:    returns a malloc'd NUL-terminated UTF-8 string (caller frees).
 * Errors:  none: libxml2's HTML parser recovers from any input; input
 *          it cannot parse at all yields "".
 * Events:  none (pure).
 * Spec:    HTML 4/5 block vs inline elements; quote markers of Gmail
 *          (div.gmail_quote), Thunderbird (blockquote type=cite), Outlook
 *          (divRplyFwdMsg, border-top divider, OLK_SRC_BODY_SECTION), Yahoo.
 * Tests:   tests/unit/test_parse.c, tests/data/replies/talon/fixtures/
 */
#ifndef ANKETA_HTML_H
#define ANKETA_HTML_H

#include <stddef.h>

/* html must be UTF-8 (parse.c converts the part first). Block elements
 * end lines, table cells are separated by a tab, whitespace collapses as
 * in a browser, script/style/head are skipped; blockquote and the client
 * quote containers become lines prefixed with "> ". */
char *html_to_text(const char *html, size_t len);

#endif
