/*
 * send.h -- the send path's entry: a campaign's mail is enqueued for its
 * audience (the producer) and the outbox is worked off by sender
 * processes (sender.h), or a dry run renders what would go, writing
 * nothing.
 *
 * Use:     send_campaign(store, cfg, "fs26", &opts, &stats, &e)
 *          send_outbox(store, cfg, &stats, &e)   every due row, any campaign
 *                                          (confirmations, retries)
 *          send_outbox_opts(store, cfg, &opts, &stats, &e)  the same with
 *                                          opts.progress (the rest unused)
 *          send_enqueue(store, cfg, id, kind, &n, &e)   the producer only
 *                                          (the daemon's send pass)
 *          send_kind_ok("reminder")        the kinds send --kind takes
 * Owns:    nothing beyond a call.
 * Errors:  0 when the run went through, even when some deliveries failed
 *          (each failure is recorded with the server's reply); -1 with e
 *          when it stopped: unknown campaign or kind, unreadable
 *          questionnaire or template, a template variable missing
 *          ("templates/survey/bg/body.txt: line 3: unknown variable
 *          'deadline'"), the store failing, or the submission server
 *          refusing the session (paused: "127.0.0.1:2525: sending paused
 *          until ...: 554 ..."). What was not handed over stays queued.
 *          A dry run renders every row a send would hand out now, with
 *          the same checks, writes previews when asked, and writes
 *          nothing to the store. A row whose own data cannot make a
 *          message fails alone, with its reason (render.h); in a dry run
 *          it is counted in failed and logged.
 * Config:  sender.*, smtp.* (concurrency: sender processes), queue.*,
 *          paths.templates, paths.schema.
 * Tests:   tests/unit/test_send.c, tests/integration/send_errors.sh,
 *          tests/integration/outbox.sh, tests/integration/demo.sh,
 *          tests/integration/mailstack.sh, bench/send, bench/kill.
 */
#ifndef ANKETA_SEND_H
#define ANKETA_SEND_H

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

struct send_opts {
	int dry_run;		/* render and preview, write nothing */
	long limit;		/* at most this many messages; 0: all due */
	const char *preview_dir;/* dry run: one .eml per message here */
	const char *kind;	/* "invite" (default when NULL), "reminder" */
	/* called in this process after each hand-over with the count so
	 * far and the rows that were due (0: not known); may be NULL */
	void (*progress)(void *arg, long done, long total);
	void *progress_arg;
};

struct send_stats {
	long planned;		/* deliveries newly enqueued by this run */
	long rendered;		/* dry run: messages rendered (failed:
				 * those that could not be built) */
	long handed;		/* messages handed to the server */
	long sent, failed, deferred, unknown, skipped;
	int signal;		/* a sender process died of it; 0: none */
};

/* 1 when send --kind accepts kind (a campaign kind). */
int send_kind_ok(const char *kind);

int send_campaign(struct store *s, const struct config *cfg,
		  const char *campaign, const struct send_opts *o,
		  struct send_stats *st, struct err *e);
int send_outbox(struct store *s, const struct config *cfg,
		struct send_stats *st, struct err *e);
int send_outbox_opts(struct store *s, const struct config *cfg,
		     const struct send_opts *o, struct send_stats *st,
		     struct err *e);
/* The producer alone: check the templates of campaign_id for kind,
 * then enqueue kind for its audience (*planned_r counts the new rows).
 * A campaign that may not get mail now (closed, stopped, paused,
 * scheduled: campaign_may_enqueue) gets none: 0 with *planned_r 0 and
 * the reason in e. send_campaign refuses such a one (-1). */
int send_enqueue(struct store *s, const struct config *cfg,
		 int64_t campaign_id, const char *kind, long *planned_r,
		 struct err *e);

#endif
