/*
 * progress.c -- see progress.h. The line is built by progress_format
 * (pure), so the tests read exactly what a terminal would show.
 */
#include "base/progress.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "base/xmem.h"

struct progress {
	FILE *out;
	int tty;
	const char *what;
	progress_clock_fn clock;
	void *clock_arg;
	int64_t start, last;	/* ms: the first call, the last line */
	long done, total;
	long shown_done;	/* done in the last line written */
	int64_t every;		/* ms between lines */
	int shown;		/* a line was written */
};

static int64_t
progress_monotonic(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct progress *
progress_new(FILE *out, enum progress_mode mode, const char *what,
	     progress_clock_fn clock, void *clock_arg)
{
	struct progress *p = xcalloc(1, sizeof(*p));
	const char *ms;

	p->out = out;
	p->tty = mode == PROGRESS_TTY ||
		 (mode == PROGRESS_AUTO && isatty(fileno(out)));
	p->what = what;
	p->clock = clock != NULL ? clock : progress_monotonic;
	p->clock_arg = clock_arg;
	p->start = p->clock(p->clock_arg);
	p->every = p->tty ? PROGRESS_TTY_MS : PROGRESS_PLAIN_MS;
	if ((ms = getenv("ANKETA_PROGRESS_MS")) != NULL)
		p->every = strtol(ms, NULL, 10);
	return p;
}

/* "1h02m", "3m07s", "12s" */
static int
progress_span(char *buf, size_t n, long s)
{
	if (s >= 3600)
		return snprintf(buf, n, "%ldh%02ldm", s / 3600, s / 60 % 60);
	if (s >= 60)
		return snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
	return snprintf(buf, n, "%lds", s);
}

int
progress_format(char *buf, size_t n, const char *what, long done,
		long total, int64_t elapsed_ms)
{
	char left[32];
	int len = snprintf(buf, n, "%s: %ld", what, done);
	double rate;

	if (total > 0)
		len += snprintf(buf + len, n > (size_t)len ? n - len : 0,
				" of %ld (%ld%%)", total,
				(long)((double)done * 100.0 / (double)total));
	if (elapsed_ms <= 0 || done <= 0)
		return len;
	rate = (double)done * 1000.0 / (double)elapsed_ms;
	len += snprintf(buf + len, n > (size_t)len ? n - len : 0, ", %.1f/s",
			rate);
	if (total > done) {
		progress_span(left, sizeof(left),
			      (long)((double)(total - done) / rate + 0.5));
		len += snprintf(buf + len, n > (size_t)len ? n - len : 0,
				", %s left", left);
	}
	return len;
}

static void
progress_show(struct progress *p, int64_t now)
{
	char line[256];

	progress_format(line, sizeof(line), p->what, p->done, p->total,
			now - p->start);
	/* \033[K: erase what a longer earlier line left on the right */
	fprintf(p->out, p->tty ? "\r%s\033[K" : "%s\n", line);
	fflush(p->out);
	p->last = now;
	p->shown = 1;
	p->shown_done = p->done;
}

void
progress_cb(void *arg, long done, long total)
{
	struct progress *p = arg;
	int64_t now = p->clock(p->clock_arg);

	p->done = done;
	p->total = total;
	/* a terminal shows the first figures at once */
	if ((p->tty && !p->shown) ||
	    now - (p->shown ? p->last : p->start) >= p->every)
		progress_show(p, now);
}

void
progress_end(struct progress **pp)
{
	struct progress *p = *pp;

	if (p == NULL)
		return;
	/* a short run in a log adds no line to it */
	if (p->shown) {
		if (p->done != p->shown_done)
			progress_show(p, p->clock(p->clock_arg));
		if (p->tty)
			fputc('\n', p->out);
		fflush(p->out);
	}
	free(p);
	*pp = NULL;
}
