/*
 * daemon.h -- `anketa run`: the long-running daemon. Owns the one libev
 * loop and the signals; does no mail work itself: it hands due work to
 * child processes (ingest, send) that share nothing with it but the
 * store, so a blocking IMAP call or a hostile message never stalls the
 * loop and a crash costs one child, restarted with back-off.
 *
 * Use:     daemon_run(config_path, &e)   returns when SIGTERM/SIGINT ends
 *                                       the loop and the children are done
 *          daemon_wake(cfg)   (another process, after enqueueing work)
 *                             a running daemon starts a send pass now;
 *                             no daemon: nothing happens
 *          struct sched_job   one line of daemon.c's sched_jobs[] adds a
 *                             producer: its cron times, and what it
 *                             enqueues for a slot (producer.h)
 * Owns:    the loop, its watchers, the loaded config (swapped on SIGHUP
 *          only when the new one validates; otherwise the old one stays
 *          and the reason is logged).
 * Errors:  -1 with e when the config cannot be loaded at start; 0 after a
 *          clean stop.
 * Events:  ev_signal (HUP, TERM, INT, USR1: wake), ev_periodic per
 *          producer (the next time from cron_next in its reschedule
 *          callback; it starts a send pass whose child fires the slot),
 *          ev_timer (the outbox's next due row, read from the store after
 *          each pass; fetch passes; restarts), ev_child (children), ev_io
 *          on the
 *          wake FIFO STORE.wake (created at start, removed at stop; a
 *          writer's open fails with ENXIO when no daemon reads it, so a
 *          stale file never wakes a stranger). daemon_run stops them all.
 *          SIGHUP also recomputes every producer's next time and runs a
 *          pass, and logs each campaign's schedule with those times.
 * Config:  [daemon] fetch_interval; the rest via children (send_interval
 *          is no longer used: sending follows the outbox's due times).
 * Tests:   tests/integration/daemon.sh, wake.sh, schedule.sh
 */
#ifndef ANKETA_DAEMON_H
#define ANKETA_DAEMON_H

#include "base/config.h"
#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct sched_job {
	const char *name;	/* in the log */
	const char *cron;	/* cron.h expression ... */
	const char *zone;	/* ... in this IANA zone */
	/* enqueue what slot (UTC seconds, a cron time) stands for, once:
	 * record the firing in the same transaction (store_firing_claim) */
	int (*fire)(struct store *s, const struct config *cfg, int64_t slot,
		    struct err *e);
	/* a producer whose times the configuration sets (cron and zone
	 * NULL): they are read from it at start and at each reload; an
	 * empty expression turns the producer off */
	void (*times)(const struct config *cfg, const char **cron,
		      const char **zone);
};

int daemon_run(const char *config_path, struct err *e);
/* The producers the daemon fires, with their times (status shows when
 * each fires next). */
const struct sched_job *daemon_sched_jobs(size_t *n);
/* The wake FIFO's path beside the store: "STORE.wake" (caller frees). */
char *daemon_wake_path(const struct config *cfg);
void daemon_wake(const struct config *cfg);

#endif
