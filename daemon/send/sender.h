/*
 * sender.h -- the outbox's consumer: one sender process with one SMTP
 * connection claims due rows, renders each, hands it over and records
 * the outcome, as a Postfix smtp process does for its queue manager.
 *
 * Use:     sender_run(store, cfg, &opts, &stats, &e)   until nothing is
 *                                     due, the limit, or *opts.stop
 *          send_pool_run(cfg, &opts, procs, &stats, &e)  procs sender
 *                                     processes at once (fork), waits
 * Order:   per message: hand-over committed (SENDING, Message-ID) ->
 *          the server's answer -> the outcome committed, before the next
 *          message goes on that connection. A sender that cannot commit
 *          stops handing messages over; one whose claim was taken (it
 *          hung past its lease) records nothing. A crash between the
 *          server's answer and the outcome's commit leaves that one row
 *          SENDING; the reaper makes it UNKNOWN and it is sent again.
 * Policy:  trouble_classify (trouble.h) says what a result means; the
 *          back-off comes from [queue] min_backoff/max_backoff; a row
 *          waiting longer than [queue] lifetime (paused time not counted)
 *          fails with its last reply; a failure of the sender's own
 *          session (5xx greeting, EHLO, AUTH, TLS, MAIL FROM, refused
 *          connection) pauses the submission server for [queue] pause
 *          seconds and stops the run with the reason.
 * Owns:    its store owner registration, its connection and its render
 *          cache, all released before sender_run returns.
 * Errors:  0 the run went through (each outcome recorded, whatever the
 *          server said; a row whose own data cannot make a message fails
 *          with the reason, see render.h); -1 with e when it stopped
 *          early: a template error, the store failing, the server paused
 *          ("127.0.0.1:25: sending paused until 10:42:07 UTC: 554 ...").
 * Signals: *stop (set by a signal handler) is read between messages: the
 *          message in hand is finished, claimed rows are given back.
 * Test hook: ANKETA_CRASH_AT=POINT:N aborts at the N-th POINT: "claim"
 *          (after a claim's commit), "handover" (after the server's
 *          answer, before the outcome's commit), "outcome" (after the
 *          outcome's commit).
 * Tests:   tests/unit/test_send.c, tests/integration/outbox.sh,
 *          tests/integration/send_errors.sh, tests/integration/hostile.sh
 *          (one unbuildable row fails alone), bench/kill, bench/send.
 */
#ifndef ANKETA_SENDER_H
#define ANKETA_SENDER_H

#include <signal.h>

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

/* A claim must outlive the longest legal SMTP transaction (RFC 5321
 * §4.5.3.2: 5 + 5 + 5 + 2 + 10 minutes and the data blocks): only then
 * does an expired lease mean a hung sender and never a slow server. */
#define SENDER_LEASE_S 3600

struct sender_opts {
	struct store_outbox_filter f;	/* which rows */
	long limit;			/* hand-overs at most; 0: no limit */
	volatile sig_atomic_t *stop;	/* may be NULL */
	/* after each hand-over, in the calling process (a pool counts its
	 * senders' hand-overs as it commits them); may be NULL */
	void (*progress)(void *arg, long done, long total);
	void *progress_arg;
	long progress_total;		/* passed on; 0: not known */
};

struct sender_stats {
	long handed;		/* messages handed to the server */
	long sent, failed, deferred, unknown, skipped;
	long lost;		/* claims taken away (hung past the lease) */
	int signal;		/* a sender process was killed by this
				 * signal (the pool's caller may die the
				 * same way); 0: none */
};

int sender_run(struct store *s, const struct config *cfg,
	       const struct sender_opts *o, struct sender_stats *st,
	       struct err *e);

/* procs sender processes, each with its own store handle and connection
 * on the file s has open (so both cores render and the relay sees procs
 * sessions); one sender runs in this process on s (procs 1, a limit, a
 * Maildir). SIGTERM or
 * SIGINT to the caller is passed on: in-flight transactions finish, then
 * the children exit; after SENDER_DRAIN_S seconds they are killed. The
 * stats are summed; e holds the first child's error. */
#define SENDER_DRAIN_S 660
int send_pool_run(struct store *s, const struct config *cfg,
		  const struct sender_opts *o, int procs,
		  struct sender_stats *st, struct err *e);

#endif
