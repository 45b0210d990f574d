/*
 * ingest.h -- the receive pipeline: fetch -> parse -> classify -> record,
 * in windows of up to 256 messages read with one UID FETCH (bytes
 * capped), recorded per batch in one transaction (each message atomic
 * with its effects), disposed with one STORE/MOVE per folder, advancing
 * the stored mailbox position only after all of that. The receive
 * module that logs (the Maildir driver adds one debug line per listing,
 * fetch.h, which tests/integration/wake.sh counts).
 *
 * Use:     ingest_run(store, cfg, &opts, &stats, &e)   one pass, or IDLE
 *                                                     until SIGTERM/SIGINT
 *          (for tests) ingest_result_pack / _unpack / _clear,
 *          ingest_resolve / ingest_match_clear
 * Owns:    nothing after return: every connection, worker process and
 *          cache is released. All work on a message's bytes runs in a
 *          forked worker process (one per run, restarted after a crash)
 *          so hostile mail costs one message, never the run: stage 1
 *          parses and classifies; this process resolves the delivery and
 *          hands back its fingerprint (deliveries.fprint) and the
 *          campaign's questionnaire; stage 2 splits off the quoted
 *          original (through the fingerprint, else the quote patterns)
 *          and reads the answers.
 * Errors:  ingest_run: 0 ok (every message handled or recorded with a
 *          reason), -1 connection or store error: reason in e; nothing
 *          after the last committed message is lost, the next run resumes.
 *          Per-message trouble is never an error: it is recorded
 *          (unreadable, quarantine) and counted. A crash between a
 *          commit and the disposal leaves recorded messages in the
 *          mailbox; the next run skips them (src_key recorded).
 * Events:  none: blocking; runs as `anketa fetch`, a child of the daemon.
 *          With o->idle it installs SIGTERM/SIGINT handlers that set a
 *          flag and restores the old ones before returning.
 * Config:  imap.* (fetch.h), imap.folder_processed, folder_bounces,
 *          folder_autoreplies, folder_review; reply_to, return_path,
 *          from_address, message_id_domain, imap.authserv_id (classify);
 *          max_message_bytes; surveys via the store; feedback,
 *          feedback_max_per_day.
 * Tests:   tests/unit/test_ingest.c, tests/integration/fetch.sh,
 *          trust.sh, bench/ingest.
 *
 * Trust (anketa(1), TRUST): a message changes a contact (answers, RSVP,
 * opt-out, undeliverable) only when it proves it concerns a delivery we
 * made (ingest_trusted); short of that, answers may rest on a From domain
 * our MTA verified, marked "domain-verified" in the reason. Anything else
 * is recorded "unmatched" with the reason and goes to review, and earns
 * no feedback.
 *
 * Poison guard: before a batch is parsed, each of its src_keys is marked
 * "batch:SRC_KEY" in the store (store_inbound_parsing, one commit); the
 * batch's record commit clears the marks. The worker aborts itself after
 * INGEST_PARSE_TIMEOUT_S seconds (alarm); a message it dies or hangs on
 * is recorded as "quarantine" with its raw bytes ("parser crashed or
 * hung" in stage 1, "reading crashed or hung" in stage 2) and the run
 * goes on. If
 * the run itself dies, the next run finds batch marks and takes that
 * batch one message at a time, each under a mark on its plain src_key
 * committed before parsing; a message found with such a mark is
 * quarantined unparsed. So poison costs one message, at the price of at
 * most one more dead run.
 * Test hook: ANKETA_TEST_CRASH_MSGID=<id> (no <>) makes the worker abort()
 * on the message with that Message-ID; ANKETA_TEST_HANG_MSGID=<id> makes
 * it spin until the alarm fires.
 */
#ifndef ANKETA_INGEST_H
#define ANKETA_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "mail/classify.h"
#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

#define INGEST_PARSE_TIMEOUT_S 10

struct ingest_opts {
	const char *source;	/* override cfg imap url, e.g. "maildir:/p" */
	int idle;		/* keep running with IDLE */
	long limit;		/* at most this many messages (0: all) */
	int no_feedback;
	/* after each window of messages: handled so far in this run, and
	 * those the pass found new (0: not known); may be NULL */
	void (*progress)(void *arg, long done, long total);
	void *progress_arg;
	/* anketa review: a stored message taken again. again: its
	 * Message-ID recorded before makes it no duplicate. contact_id and
	 * campaign_id (both > 0): a person matched it, so it is that
	 * contact's reply to that campaign, trusted as a delivery key. */
	int again;
	int64_t contact_id, campaign_id;
};

struct ingest_stats {
	long seen, answers, rsvp, bounces, autoreplies, optouts, unmatched,
	     unreadable, quarantined, duplicates, errors;
};

int ingest_run(struct store *s, const struct config *cfg,
	       const struct ingest_opts *o, struct ingest_stats *st,
	       struct err *e);

/* ---- the worker's answer, exposed for tests ----------------------------
 * What the parse worker sends back, in two stages (ingest_worker.h).
 * Stage 1, the keys: the parsed fields ingest needs to find the delivery,
 * the classification and the whole text. Stage 2, the reading: the text
 * split into new and quoted (through the delivery's fingerprint when it
 * has one, else the quote patterns) and, when a questionnaire applies,
 * the answers read against it. Strings are owned (ingest_result_clear
 * frees them) and never NULL after a successful unpack. */
struct ingest_result {
	int parsed;		/* 0: parse_message failed, why in c.reason */
	char *message_id, *from_addr, *subject, *date, *charset;
	char *reply_text, *quoted_text, *notes;	/* reply/quoted: stage 2 */
	char *text;		/* stage 1: the whole text part */
	int charset_guessed, html_only, forwarded;
	/* stage 2 */
	int read;		/* 1: stage 2 answered */
	int by_fprint;		/* the quote was found by the fingerprint */
	int form;		/* answers were read against a questionnaire */
	int none_found;		/* ... and no answer line was found */
	char *form_error;	/* "": the questionnaire loaded; else why not */
	size_t nanswers, nproblems;
	char **answers;		/* 2 x nanswers: question id, value */
	char **problems;	/* 2 x nproblems: question id, reason */
	char *unsure;		/* nanswers of '0'/'1': '1' the answer is
				 * kept unconfirmed (answers_unconfirmed) */
	struct classified c;
};

/* Append r to out as length-prefixed fields; -1 if out's cap is hit. */
int ingest_result_pack(const struct ingest_result *r, struct buf *out);
/* Read what pack wrote; -1 with a reason on any truncated, oversized or
 * malformed field (a damaged worker must not damage the parent). */
int ingest_result_unpack(const char *p, size_t n, struct ingest_result *r,
			 struct err *e);
void ingest_result_clear(struct ingest_result *r);

/* Which delivery a message answers, in the order of trust:
 *  a. a Message-ID we sent in In-Reply-To / References (every one of
 *     them, until one is a delivery to a contact) -> that delivery;
 *  b. the token of our reply / VERP address (To, Cc, Delivered-To,
 *     X-Original-To; a bounce's returned copy): a delivery's token ->
 *     that delivery; else a contact's token (mail sent before per-
 *     delivery tokens) -> the contact, and its campaign only when
 *     exactly one campaign is open for it (store_contact_open_campaigns
 *     on the store's today);
 *  c. the subject's [ref:TOKEN]: as b;
 *  d. the sender's address (a bounce: the failed recipient; an iMIP
 *     reply: its attendee) -> a contact, campaign as in b.
 * A bounce tries a delivery token before the thread. The thread wins
 * over a token that names another delivery; note says so. A token or
 * thread of a contact used by another sender sets answered_by. Tokens
 * are compared without regard to case.
 *
 * Trust: what the match proves. A token or Message-ID of ours was only in
 * the mail we sent, so whoever holds it got that mail; the sender's
 * address, a delivery report's Final-Recipient and an iMIP ATTENDEE are
 * whatever the writer typed. */
enum ingest_trust {
	INGEST_TRUST_NONE,	/* d.: only an address names the contact */
	INGEST_TRUST_DOMAIN,	/* d. by From, and our MTA verified its
				 * domain (classify: auth pass): a domain
				 * is not a mailbox, so answers only */
	INGEST_TRUST_DELIVERY,	/* a., b. or c.: a key of ours, a
				 * contact's own token (older mail)
				 * included */
};

struct ingest_match {
	int64_t contact_id, campaign_id, delivery_id;	/* 0: unknown */
	char *contact_email;	/* owned; NULL when unknown */
	char *answered_by;	/* owned; NULL unless forwarded/colleague */
	char *note;		/* owned; NULL, or what a person should know
				 * about the match (a key set aside, why
				 * no campaign): for the inbound reason */
	const char *how;	/* "message-id", "delivery-token",
				 * "contact-token", "subject-token",
				 * "sender", "none" */
	enum ingest_trust trust;
};

/* 1 matched a contact, 0 none, -1 store error. */
int ingest_resolve(struct store *s, const struct ingest_result *r,
		   struct ingest_match *m, struct err *e);
void ingest_match_clear(struct ingest_match *m);

/* May r change the contact m names? 1 yes; 0 no, with the reason for the
 * person who decides in why (the message goes to review, and nothing
 * changes). Answers need INGEST_TRUST_DOMAIN at least; an opt-out, an
 * RSVP and a bounce INGEST_TRUST_DELIVERY. An Authentication-Results
 * field claiming our authserv-id below a Received (classify: forged)
 * voids the domain. Auto-replies change nothing, and a message that
 * names no contact has nothing to change: both 1. Pure. */
int ingest_trusted(const struct ingest_result *r, const struct ingest_match *m,
		   char *why, size_t size);

#endif
