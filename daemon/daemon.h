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
 * Owns:    the loop, its watchers, the loaded config (swapped on SIGHUP
 *          only when the new one validates; otherwise the old one stays
 *          and the reason is logged).
 * Errors:  -1 with e when the config cannot be loaded at start; 0 after a
 *          clean stop.
 * Events:  ev_signal (HUP, TERM, INT, USR1: wake), ev_timer (send and
 *          fetch passes, restarts), ev_child (children), ev_io on the
 *          wake FIFO STORE.wake (created at start, removed at stop; a
 *          writer's open fails with ENXIO when no daemon reads it, so a
 *          stale file never wakes a stranger). daemon_run stops them all.
 * Config:  [daemon] send_interval, fetch_interval; the rest via children.
 * Tests:   tests/integration/daemon.sh, wake.sh
 */
#ifndef ANKETA_DAEMON_H
#define ANKETA_DAEMON_H

#include "base/config.h"
#include "base/err.h"

int daemon_run(const char *config_path, struct err *e);
/* The wake FIFO's path beside the store: "STORE.wake" (caller frees). */
char *daemon_wake_path(const struct config *cfg);
void daemon_wake(const struct config *cfg);

#endif
