/*
 * send.h -- the send pipeline: plans a campaign's deliveries, renders each
 * one (tmpl + form + mime), submits it and records the outcome in the
 * store (what a submission result means is trouble.c's to decide).
 *
 * Use:     send_campaign(store, cfg, "fs26", &opts, &stats, &e)
 *          send_one(store, cfg, &msg, &e)      one mail outside a campaign
 *                                              run (ingest's "confirm" and
 *                                              "problem" feedback)
 * Owns:    nothing beyond a call: templates, the questionnaire and one
 *          batch of rendered messages live during the call only.
 * Errors:  send_campaign returns 0 when the run went through, even when
 *          some deliveries failed (each failure is recorded with the
 *          server's reply). It returns -1 with e set when the run stops:
 *          unknown campaign, unreadable questionnaire or template, a
 *          template variable missing for some contact ("templates/survey/
 *          bg/body.txt: line 3: unknown variable 'deadline'"), or the
 *          transport failing ("127.0.0.1:2525: Couldn't connect to
 *          server"): when trouble_classify says the submission server
 *          is paused, the deliveries of the batch still in hand are
 *          recorded DEFERRED with that reason, nothing is marked failed,
 *          and a later run retries them. A recipient that does not exist
 *          (5.1.x at RCPT) fails its delivery and makes the contact
 *          undeliverable.
 *          A dry run renders every due delivery with the same checks,
 *          writes previews when asked, and changes nothing in the store
 *          except planning (so the preview shows the real audience).
 * Events:  none (submit_send blocks, one message at a time).
 * Config:  sender.*, smtp.*, paths.templates, paths.schema.
 * Spec:    RFC 5321 reply codes, RFC 3463 enhanced status codes.
 * Tests:   tests/unit/test_send.c, tests/integration/send_errors.sh,
 *          tests/integration/demo.sh, tests/integration/mailstack.sh,
 *          bench/send.
 */
#ifndef ANKETA_SEND_H
#define ANKETA_SEND_H

#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"
#include "send/submit.h"
#include "base/tmpl.h"

struct send_opts {
	int dry_run;		/* render and preview, send nothing */
	long limit;		/* at most this many deliveries; 0: all due */
	const char *preview_dir;/* write one .eml per delivery here; NULL: no */
	const char *kind;	/* "invite" (default when NULL), "reminder" */
};

struct send_stats {
	long planned;		/* deliveries newly planned by this run */
	long rendered;
	long sent;
	long failed;
	long deferred;
	long skipped;
};

int send_campaign(struct store *s, const struct config *cfg,
		  const char *campaign, const struct send_opts *o,
		  struct send_stats *st, struct err *e);

/* One feedback mail to one contact about one campaign, sent at once.
 * kind names the template set (templates/KIND/LANG/...): "confirm" or
 * "problem". send_one sets these variables (see templates/README.md):
 * the contact's and the campaign's (name, survey_title, deadline, ...),
 * "answers" (list of number, question, answer: the question's text and
 * the chosen options' labels in the contact's language), "problems"
 * (list of number, question, reason), "recorded" (answers not empty) and
 * "updated" (false unless vars sets it). in_reply_to, if not NULL,
 * threads the mail under the respondent's message and marks it
 * Auto-Submitted: auto-replied (RFC 3834). */
struct send_msg {
	int64_t contact_id;
	int64_t campaign_id;
	const char *kind;
	/* extra variables, or NULL; borrowed: send_one adds its own keys
	 * to this map, the caller still frees it */
	struct tmpl_val *vars;
	const char *in_reply_to;	/* Message-ID with <>, or NULL */
	/* by question id: the answers recorded (normalised values, as
	 * answers_get gives them) and the problems found (value = reason) */
	const struct store_answer *answers;
	size_t nanswers;
	const struct store_answer *problems;
	size_t nproblems;
};
/* The mail is a delivery row of kind m->kind (store_delivery_add: made
 * SENDING with its Message-ID before the hand-over, then SENT, FAILED or
 * DEFERRED with the server's reply), so store_deliveries_count_since
 * counts it for [feedback] max_per_day. Feedback is never retried: a
 * DEFERRED row stays as the record. To: the contact's address only (a
 * colleague who answered from another address is not copied). A contact
 * that is not "ok" gets nothing (0, no row).
 * Returns 1 sent, 0 permanently refused, -1 temporary failure or error;
 * e holds the reason (server reply verbatim) whenever it is not 1. */
int send_one(struct store *s, const struct config *cfg,
	     const struct send_msg *m, struct err *e);

#endif
