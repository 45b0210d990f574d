/*
 * daemon.h -- `anketa run`: the long-running daemon. Owns the one libev
 * loop and the signals; does no mail work itself: it hands due work to
 * child processes (ingest, send) that share nothing with it but the
 * store, so a blocking IMAP call or a hostile message never stalls the
 * loop and a crash costs one child, restarted with back-off.
 *
 * Use:     daemon_run(config_path, &e)   returns when SIGTERM/SIGINT ends
 *                                       the loop and the children are done
 * Owns:    the loop, its watchers, the loaded config (swapped on SIGHUP
 *          only when the new one validates; otherwise the old one stays
 *          and the reason is logged).
 * Errors:  -1 with e when the config cannot be loaded at start; 0 after a
 *          clean stop.
 * Events:  ev_signal (HUP, TERM, INT), ev_timer (send and fetch passes,
 *          restarts), ev_child (children). daemon_run stops them all.
 * Config:  [daemon] send_interval, fetch_interval; the rest via children.
 * Tests:   tests/integration/daemon.sh
 */
#ifndef ANKETA_DAEMON_H
#define ANKETA_DAEMON_H

#include "base/err.h"

int daemon_run(const char *config_path, struct err *e);

#endif
