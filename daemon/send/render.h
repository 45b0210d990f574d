/*
 * render.h -- the render stage of the send path: one outbox row becomes
 * a finished message (the kind's template set in the recipient's
 * language, the campaign's values and form, the feedback lists the row
 * carries, MIME with the delivery's own reply address and Message-ID).
 * Reads templates from disk and campaigns and questionnaires from the
 * store; writes nothing, submits nothing.
 *
 * Use:     render_open(store, cfg, &r, &e)
 *          render_check(r, campaign_id, kind, &e)   every language once,
 *                                     with sample values, before sending
 *          render_row(r, row, msgid, &out, &e)      one message
 *          render_text(r)          the text part of the last render_row
 *                                  (borrowed until the next render)
 *          render_return_path(cfg, token)           the envelope sender
 *          render_msgid(r)                          a new Message-ID
 *          render_free(&r)
 * Owns:    a small cache of campaign contexts (templates per language,
 *          the questionnaire), so a sender that claims rows of several
 *          campaigns loads each once. Strings returned are the caller's.
 * Errors:  -1 with e naming the file and line ("templates/survey/bg/
 *          body.txt: line 3: unknown variable 'deadline'"), the campaign
 *          ("campaign 7: not in the store") or MIME's reason: the
 *          organiser's to fix, the caller stops its run. render_row
 *          returns RENDER_ROW_BAD instead when the same templates render
 *          for an ordinary contact: only this row's data cannot make a
 *          message ("message to a@x.org: To: display name is not one
 *          line of UTF-8"); the caller fails that row and goes on.
 * Kinds:   a campaign kind (invite, reminder) uses the campaign's template
 *          set; feedback (confirm, problem) the set of its own name, with
 *          the row's vars: a flat JSON object whose "a:QID" keys are the
 *          recorded answers, "p:QID" the problems (question id, reason),
 *          and any other key a template variable. The event kinds
 *          (update, cancel, seat) render as feedback does, with their
 *          own sets; invite, update and cancel of a campaign that sends
 *          an event also carry its calendar part (model/event_ics.h,
 *          mail/ical.h).
 *          and any other key a template variable. A row without a
 *          campaign (the staff digest) was rendered by its producer:
 *          its vars carry the strings "subject", "text" and "html",
 *          which are only wrapped into MIME to the row's rcpt; without
 *          them the row fails (RENDER_ROW_BAD).
 * Tests:   tests/unit/test_send.c, tests/integration/hostile.sh
 */
#ifndef ANKETA_RENDER_H
#define ANKETA_RENDER_H

#include <stdint.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

#define RENDER_MSG_MAX (10L * 1024 * 1024)	/* one outgoing message */

struct render;

int render_open(struct store *s, const struct config *cfg,
		struct render **r_r, struct err *e);
int render_check(struct render *r, int64_t campaign_id, const char *kind,
		 struct err *e);
/* out is the caller's, initialised (RENDER_MSG_MAX cap). 0 built, -1
 * stop, RENDER_ROW_BAD this row only (see Errors). */
#define RENDER_ROW_BAD 1
int render_row(struct render *r, const struct store_outrow *row,
	       const char *msgid, struct buf *out, struct err *e);
const char *render_text(const struct render *r);
char *render_return_path(const struct config *cfg, const char *token);
char *render_msgid(const struct render *r);
void render_free(struct render **r);

#endif
