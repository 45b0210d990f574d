/*
 * progress.h -- the progress of long foreground work (send, contacts
 * import, fetch) for a person watching: on a terminal one line that
 * rewrites itself ("\r", the line, clear to its end) at most every
 * PROGRESS_TTY_MS; elsewhere (a log, a pipe) a plain line at most every
 * PROGRESS_PLAIN_MS, so a long run never floods its log (and a run
 * shorter than that adds no line at all). The work's
 * modules never print: they call a callback in their opts struct, and
 * the cli_*.c file that started them hands progress_cb over.
 *
 * Use:     p = progress_new(stdout, PROGRESS_AUTO, "sending", NULL, NULL)
 *          opts.progress = progress_cb; opts.progress_arg = p;
 *          ... progress_end(&p)    the last figures, then a newline
 *          progress_format(buf, n, "sending", done, total, elapsed_ms)
 * Line:    "WHAT: DONE" then, once the total is known, " of TOTAL (P%)",
 *          then, once time has passed, ", R/s" and, with a total,
 *          ", Xm Ys left" (rate from DONE over the elapsed time).
 * Owns:    struct progress (opaque); out stays the caller's.
 * Errors:  none: a write that fails is the terminal's business.
 * Events:  none.
 * Test hook: ANKETA_PROGRESS_MS=N sets the time between lines (both
 *          modes; 0: a line at every call).
 * Clock:   milliseconds from clock(arg); NULL: CLOCK_MONOTONIC. The tests
 *          set their own, so nothing waits on wall time.
 * Tests:   tests/unit/test_progress.c, tests/integration/progress.sh.
 */
#ifndef ANKETA_PROGRESS_H
#define ANKETA_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_TTY_MS 200
#define PROGRESS_PLAIN_MS 5000

enum progress_mode {
	PROGRESS_AUTO,		/* a terminal when isatty(out) */
	PROGRESS_TTY,		/* one line rewritten */
	PROGRESS_PLAIN,		/* whole lines, seldom */
};

typedef int64_t (*progress_clock_fn)(void *arg);

struct progress;

struct progress *progress_new(FILE *out, enum progress_mode mode,
			      const char *what, progress_clock_fn clock,
			      void *clock_arg);
/* done items so far of total (0: not known); prints when a line is due.
 * The signature every opts struct's progress member has. */
void progress_cb(void *p, long done, long total);
/* The last figures (when a line was shown), then a newline; frees
 * *p and sets it to NULL. NULL is fine. */
void progress_end(struct progress **p);
/* The line without "\r" or newline; returns its length (as snprintf). */
int progress_format(char *buf, size_t n, const char *what, long done,
		    long total, int64_t elapsed_ms);

#endif
