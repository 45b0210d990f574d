/*
 * digest.h -- the digest staff read every morning: for one staff member,
 * in their language, a text and an HTML part about every campaign and
 * what needs a person; and its producer, which puts one digest per staff
 * address and schedule slot into the outbox. Reads the store through the
 * report module's loader and aggregates (report_private.h); writes only
 * the outbox row and the slot (digest_fire, digest_enqueue).
 *
 * Use:     digest_build(s, cfg, lang, since, until, &d, &e)  one digest
 *          digest_out_free(&d)
 *          digest_fire(s, cfg, slot, &e)   every [staff] address, once
 *                                          per slot (the scheduler's
 *                                          producer)
 *          digest_enqueue(s, cfg, rcpt, lang, slot, &id, &e)  one
 *          digest_vars_parse(vars, &since, &until, lang)  a row's vars
 * Owns:    struct digest_out owns its three strings (digest_out_free).
 * Errors:  -1 with "what: why" in e (store error, a stored questionnaire
 *          unreadable); nothing enqueued then.
 * Events:  none; the caller wakes the daemon (daemon_wake) after an
 *          enqueue from another process.
 * Config:  [digest] schedule, timezone; [staff] ADDRESS = LANGUAGE.
 * Spec:    Sections per campaign: changes since the last digest
 *          (responses, sent invitations and reminders, mail for a
 *          person), the response rate overall, by country and by
 *          municipality, each question (counts and percentages; for
 *          scales and numbers n, mean, median, min, max and the
 *          distribution), the free-text answers recorded since, with
 *          their municipality. Then every message that needs a person
 *          with date, sender, subject, reason and the command that acts
 *          on it. Every list stops after DIGEST_CAP items with "and N
 *          more:" and the command that lists them all; a free-text answer
 *          is cut after DIGEST_TEXT_MAX characters; campaigns after
 *          DIGEST_CAMPAIGNS. Everything from the store is made safe:
 *          textcol (no control character, no escape sequence) in the
 *          text part, HTML-escaped in the HTML part.
 *          Meeting rosters: no roster API exists yet; section_meetings in
 *          digest.c is the hook where each meeting's seats and waiting
 *          list go once the meetings module offers one.
 * Tests:   tests/unit/test_digest.c (content, escaping, caps, a digest of
 *          a 100,000-contact campaign under 1 MB, once per slot),
 *          tests/integration/demo.sh (the demo prints one)
 */
#ifndef ANKETA_DIGEST_H
#define ANKETA_DIGEST_H

#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

#define DIGEST_KIND "digest"		/* the outbox kind */
#define DIGEST_CAP 50			/* items per list */
#define DIGEST_TEXT_MAX 300		/* characters of one free text */
#define DIGEST_CAMPAIGNS 20		/* campaigns in one digest */

struct digest_out {
	char *subject;		/* one line of UTF-8 */
	char *text;		/* text/plain part */
	char *html;		/* text/html part, a whole page */
};

/* lang: a code of lang.h (others read as English); since, until: unix
 * time of the previous digest (0: none) and of this one. */
int digest_build(struct store *s, const struct config *cfg,
		 const char *lang, int64_t since, int64_t until,
		 struct digest_out *d, struct err *e);
void digest_out_free(struct digest_out *d);

/* Enqueue one digest for rcpt in lang for slot (unix time): kind
 * DIGEST_KIND, no campaign, no contact, built now (digest_build since
 * rcpt's previous slot) and kept in the row's vars {"since", "until",
 * "language", "subject", "text", "html"}: the send path only wraps the
 * parts into MIME (render.h). 1 enqueued (*id_r), 0 this rcpt had this
 * slot already. Inside store_begin. */
int digest_enqueue(struct store *s, const struct config *cfg,
		   const char *rcpt, const char *lang, int64_t slot,
		   int64_t *id_r, struct err *e);
/* Every configured staff address ([staff]), once per slot, in one
 * transaction. */
int digest_fire(struct store *s, const struct config *cfg, int64_t slot,
		struct err *e);
/* An outbox row's vars back: 0, or -1 when they are not a digest's. */
int digest_vars_parse(const char *vars, int64_t *since_r, int64_t *until_r,
		      char lang[8]);

#endif
