/*
 * daemon.c -- see daemon.h. One libev loop; two kinds of child process:
 * a fetcher (`ingest_run`, with IMAP IDLE when the source is IMAP, so it
 * lives long and is restarted with back-off when it exits) and a sender
 * (one pass: the schedule's producers fire their latest slot, then the
 * outbox is worked off). A sender starts when a producer's ev_periodic
 * fires (its next time from cron_next, in a reschedule callback), when
 * the outbox's next row falls due (one ev_timer, armed after each pass
 * from the store), and when woken; never on a fixed interval. Children
 * open their own store connection: SQLite handles must not cross fork().
 * A Maildir fetcher lives long too: it sleeps on inotify (fetch.h) and
 * reads only what arrived. Another process that enqueued work writes a
 * byte into the wake FIFO (STORE.wake, daemon_wake): an ev_io on it, or
 * SIGUSR1, starts a send pass at once. Between due timers and wake-ups
 * the loop sleeps in the kernel: no polling, no sleep().
 */
#include "base/kind.h"
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "base/config.h"
#include "base/cron.h"
#include "receive/ingest.h"
#include "base/log.h"
#include "report/digest.h"
#include "send/producer.h"
#include "base/mem.h"
#include "send/send.h"
#include "store/store.h"
#include "base/xmem.h"

enum { JOB_FETCH, JOB_SEND, JOB_N };

/* The producers, each on its cron times (cron.h) in its zone: one line
 * adds one. Each firing stands for its slot: the latest cron time at or
 * before the pass (producer.h), so a pass after a wake or a restart
 * fires what is due, once. */
static void
digest_times(const struct config *cfg, const char **cron, const char **zone)
{
	*cron = cfg->digest.schedule;
	*zone = cfg->digest.timezone;
}

static const struct sched_job sched_jobs[] = {
	{ "waves", "0 * * * *", "UTC", producer_waves, NULL },
	{ "reminders", "*/15 * * * *", "UTC", producer_reminders, NULL },
	{ "digest", NULL, NULL, digest_fire, digest_times },
};
#define NSCHED (sizeof(sched_jobs) / sizeof(sched_jobs[0]))

const struct sched_job *
daemon_sched_jobs(size_t *n)
{
	*n = NSCHED;
	return sched_jobs;
}

/* A pass that leaves due rows behind (a paused site, rows claimed by a
 * hung sender) looks again this much later, not at once. */
#define SEND_RECHECK 60.0

struct sched_watch {
	ev_periodic w;
	struct cron *cron;	/* parsed once at start */
	const struct sched_job *job;
	struct daemon *d;
};

struct job {
	const char *name;
	pid_t pid;		/* 0: not running */
	int reload;		/* told to stop for a reload: start again at
				 * once with the new configuration */
	int again;		/* woken while running: run again at once */
	double backoff;		/* seconds before the next restart */
	ev_child child;
	ev_timer timer;
	struct daemon *d;
	int kind;
};

struct daemon {
	struct ev_loop *loop;
	const char *config_path;
	struct config *cfg;	/* swapped on SIGHUP */
	struct store *store;	/* holds the store's "daemon" ownership;
				 * never used by a child */
	int stopping;
	ev_signal sig_hup, sig_term, sig_int, sig_usr1;
	int wake_fd;		/* the wake FIFO, read end; -1: none */
	ev_io wake;
	struct job jobs[JOB_N];
	struct sched_watch sched[NSCHED];
};

static int
child_fetch(const struct config *cfg, struct store *s, struct err *e)
{
	struct ingest_opts o = { 0 };
	struct ingest_stats st = { 0 };

	/* IMAP waits in IDLE, a Maildir on inotify: both live long */
	o.idle = strncmp(cfg->imap.url, "imap", 4) == 0 ||
		 strncmp(cfg->imap.url, "maildir:", 8) == 0;
	return ingest_run(s, cfg, &o, &st, e);
}

/* [retention] raw_mail_days at every send pass: one UPDATE on a partial
 * index that holds only the rows with raw mail, so a pass with nothing
 * old enough reads next to nothing. */
static void
retention_sweep(const struct config *cfg, struct store *s)
{
	struct err e = { "" };
	long n = 0;

	if (store_raw_sweep(s, cfg->raw_mail_days, &n, &e) < 0)
		log_warnx("retention: %s", e.msg);
	else if (n > 0)
		log_info("retention: raw mail of %ld messages older than %d "
			 "days dropped", n, cfg->raw_mail_days);
}

/* Every producer fires its latest slot (a slot fired before is a no-op,
 * so a wake or a restart costs nothing and misses nothing); campaigns
 * without waves are enqueued whole. A producer's failure is logged and
 * the others go on. */
static void
produce(const struct daemon *d, struct store *s)
{
	int64_t now = store_now(s), slot;
	struct err e = { "" };

	for (size_t i = 0; i < NSCHED; i++) {
		const struct sched_watch *sw = &d->sched[i];

		if (sw->cron == NULL)
			continue;
		if (producer_prev_slot(sw->cron, now, &slot, &e) < 0 ||
		    sw->job->fire(s, d->cfg, slot, &e) < 0)
			log_warnx("%s: %s", sw->job->name, e.msg);
	}
	if (producer_invites(s, d->cfg, now, &e) < 0)
		log_warnx("send: %s", e.msg);
}

/* One send pass: the producers, then the sender processes work the whole
 * outbox off. */
static int
child_send(const struct daemon *d, struct store *s, struct err *e)
{
	struct send_stats st;
	int rc;

	retention_sweep(d->cfg, s);
	produce(d, s);
	rc = send_outbox(s, d->cfg, &st, e);
	if (st.handed || st.skipped)
		log_info("send: %ld sent, %ld failed, %ld deferred, %ld "
			 "unknown, %ld skipped", st.sent, st.failed,
			 st.deferred, st.unknown, st.skipped);
	return rc;
}

/* In the child: restore default signals, open the store, do the job. */
static void
child_main(struct daemon *d, int kind)
{
	struct store *s = NULL;
	struct err e = { "" };
	int rc;

	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	store_forget_in_child(d->store);
	if (store_open(d->cfg->store_path, &s, &e) < 0) {
		log_error("%s", e.msg);
		_exit(75);
	}
	rc = kind == JOB_FETCH ? child_fetch(d->cfg, s, &e)
			       : child_send(d, s, &e);
	if (rc < 0)
		log_warnx("%s: %s", d->jobs[kind].name, e.msg);
	store_free(&s);
	_exit(rc < 0 ? 75 : 0);
}

static void
job_start(struct daemon *d, struct job *j)
{
	pid_t pid;

	if (j->pid != 0 || d->stopping)
		return;
	if ((pid = fork()) < 0) {
		log_warn("%s: fork", j->name);
		return;
	}
	if (pid == 0) {
		ev_loop_fork(d->loop);
		child_main(d, j->kind);
	}
	j->pid = pid;
	log_debug("%s: started pid %d", j->name, (int)pid);
	ev_child_set(&j->child, pid, 0);
	ev_child_start(d->loop, &j->child);
}

/* After a clean send pass: sleep until the outbox's next row is due
 * (none: until a producer fires or someone wakes us). */
static double
send_next(struct daemon *d)
{
	struct err e = { "" };
	int64_t due = 0;
	int rc = store_outbox_next_due(d->store, &due, &e);

	if (rc < 0) {
		log_warnx("send: %s", e.msg);
		return SEND_RECHECK;
	}
	if (rc == 0)
		return -1;
	log_debug("send: next row due at %lld", (long long)due);
	return (double)due > ev_now(d->loop) ? (double)due - ev_now(d->loop) :
	       SEND_RECHECK;
}

/* Seconds until the job's next start; -1: none (wait for an event). */
static double
job_interval(struct daemon *d, const struct job *j)
{
	return j->kind == JOB_FETCH ? d->cfg->fetch_interval : send_next(d);
}

static void
on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j = w->data;

	job_start(j->d, j);
}

/* A child ended: a clean end resets the back-off, a failure doubles it
 * (up to 5 minutes); the next start is armed either way. */
static void
on_child(struct ev_loop *loop, ev_child *w, int revents)
{
	struct job *j = w->data;
	struct daemon *d = j->d;
	int ok = WIFEXITED(w->rstatus) && WEXITSTATUS(w->rstatus) == 0;
	double next;

	ev_child_stop(loop, w);
	j->pid = 0;
	if (!ok)
		log_warnx("%s: child ended with status %d", j->name,
			  w->rstatus);
	if (d->stopping) {
		int busy = 0;

		for (int i = 0; i < JOB_N; i++)
			busy |= d->jobs[i].pid != 0;
		if (!busy)
			ev_break(loop, EVBREAK_ALL);
		return;
	}
	j->backoff = ok ? 1 : (j->backoff * 2 > 300 ? 300 : j->backoff * 2);
	next = ok ? job_interval(d, j) : j->backoff;
	if (j->reload || j->again)
		next = 0.1;
	j->reload = j->again = 0;
	ev_timer_stop(loop, &j->timer);
	if (next < 0)
		return;
	ev_timer_set(&j->timer, next, 0);
	ev_timer_start(loop, &j->timer);
}

/* Work was enqueued elsewhere: a send pass now, or right after the
 * running one. */
static void
wake_send(struct daemon *d)
{
	struct job *j = &d->jobs[JOB_SEND];

	if (d->stopping)
		return;
	log_debug("woken: send pass now");
	if (j->pid != 0) {
		j->again = 1;
		return;
	}
	ev_timer_stop(d->loop, &j->timer);
	job_start(d, j);
}

static void
on_usr1(struct ev_loop *loop, ev_signal *w, int revents)
{
	wake_send(w->data);
}

static void
on_wake(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	char buf[64];

	while (read(d->wake_fd, buf, sizeof(buf)) > 0)
		;	/* many wake-ups before we look are one */
	wake_send(d);
}

/* ---- the producers' timers ----------------------------------------------- */

/* libev asks for the next time after now: the cron's next firing. */
static ev_tstamp
sched_reschedule(ev_periodic *w, ev_tstamp now)
{
	struct sched_watch *sw = w->data;
	struct err e = { "" };
	int64_t next;

	if (cron_next(sw->cron, (int64_t)now, &next, &e) < 0) {
		log_warnx("%s: %s", sw->job->name, e.msg);
		return now + 1e9;	/* never, in practice */
	}
	return (ev_tstamp)next;
}

static void
on_periodic(struct ev_loop *loop, ev_periodic *w, int revents)
{
	struct sched_watch *sw = w->data;

	log_debug("%s: slot %lld", sw->job->name, (long long)ev_now(loop));
	wake_send(sw->d);
}

static void
sched_start(struct daemon *d)
{
	for (size_t i = 0; i < NSCHED; i++) {
		struct sched_watch *sw = &d->sched[i];
		struct err e = { "" };

		const char *cron = sched_jobs[i].cron;
		const char *zone = sched_jobs[i].zone;

		sw->job = &sched_jobs[i];
		sw->d = d;
		sw->cron = NULL;
		if (sw->job->times != NULL)
			sw->job->times(d->cfg, &cron, &zone);
		if (cron == NULL || *cron == '\0')
			continue;	/* this producer is off */
		sw->cron = cron_parse(cron, zone && *zone ? zone : "UTC", &e);
		if (sw->cron == NULL) {
			log_warnx("%s: %s", sw->job->name, e.msg);
			continue;
		}
		ev_periodic_init(&sw->w, on_periodic, 0, 0, sched_reschedule);
		sw->w.data = sw;
		ev_periodic_start(d->loop, &sw->w);
	}
}

static void
sched_stop(struct daemon *d)
{
	for (size_t i = 0; i < NSCHED; i++)
		if (d->sched[i].cron != NULL) {
			ev_periodic_stop(d->loop, &d->sched[i].w);
			cron_free(&d->sched[i].cron);
		}
}

static void
utc_text(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%MZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

/* What each campaign's schedule is now and when its producers look next:
 * at start and after SIGHUP, so a changed schedule shows in the log. */
static int
sched_log_one(void *arg, const struct store_sched *sc)
{
	struct daemon *d = arg;
	char next[NSCHED * 64] = "", at[32];
	size_t n = 0;

	if (*sc->text == '\0')
		return 0;
	for (size_t i = 0; i < NSCHED && n < sizeof(next); i++) {
		if (d->sched[i].cron == NULL)
			continue;
		utc_text((int64_t)ev_periodic_at(&d->sched[i].w), at);
		n += (size_t)snprintf(next + n, sizeof(next) - n, " next %s "
				      "at %s", sched_jobs[i].name, at);
	}
	log_notice("schedule %s: %s%s", sc->campaign, sc->text, next);
	return 0;
}

static void
sched_log(struct daemon *d)
{
	struct err e = { "" };

	if (store_schedules_each(d->store, sched_log_one, d, &e) < 0)
		log_warnx("schedules: %s", e.msg);
}

char *
daemon_wake_path(const struct config *cfg)
{
	return xasprintf("%s.wake", cfg->store_path);
}

/* Open for reading and writing: the daemon then always counts as a
 * writer, so the FIFO never reports end-of-file to the loop, and a
 * writer's open succeeds only while the daemon lives. */
static void
wake_open(struct daemon *d)
{
	char *p = daemon_wake_path(d->cfg);
	struct stat st;

	d->wake_fd = -1;
	if (mkfifo(p, 0600) != 0 && errno != EEXIST)
		log_warn("%s: mkfifo", p);
	else if (lstat(p, &st) != 0 || !S_ISFIFO(st.st_mode))
		log_warnx("%s: not a FIFO: other commands cannot wake the "
			  "daemon", p);
	else if ((d->wake_fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
		log_warn("%s", p);
	free(p);
	if (d->wake_fd < 0)
		return;
	ev_io_init(&d->wake, on_wake, d->wake_fd, EV_READ);
	d->wake.data = d;
	ev_io_start(d->loop, &d->wake);
}

static void
wake_close(struct daemon *d)
{
	char *p = daemon_wake_path(d->cfg);

	if (d->wake_fd >= 0) {
		ev_io_stop(d->loop, &d->wake);
		close(d->wake_fd);
		unlink(p);
	}
	free(p);
}

void
daemon_wake(const struct config *cfg)
{
	char *p = daemon_wake_path(cfg);
	/* ENXIO: no daemon reads it; nothing to do */
	int fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	free(p);
	if (fd < 0)
		return;
	if (write(fd, "w", 1) < 0 && errno != EAGAIN)
		log_debug("wake: %s", strerror(errno));
	close(fd);
}

/* SIGHUP: load the file again; keep the old config unless the new one is
 * valid in full. Children started later see the new one. */
static void
on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	struct errlist errs = { 0 };
	struct config *cfg = NULL;

	if (config_load(d->config_path, &cfg, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_warnx("reload refused: %s", errs.v[i]);
		errlist_free(&errs);
		return;
	}
	config_free(&d->cfg);
	d->cfg = cfg;
	log_notice("%s: configuration reloaded", d->config_path);
	/* every child finishes what it holds (a sender its message, the
	 * fetcher its batch) and is started again with the new one */
	for (int i = 0; i < JOB_N; i++)
		if (d->jobs[i].pid != 0) {
			d->jobs[i].reload = 1;
			kill(d->jobs[i].pid, SIGHUP);
		}
	/* schedules may have changed too (after the children were told:
	 * a sender started here must not get that SIGHUP): every
	 * producer's next time again, and a pass now fires what a new
	 * schedule makes due (a running one restarts for the reload) */
	sched_stop(d);
	sched_start(d);	/* times the configuration sets may have moved */
	sched_log(d);
	if (d->jobs[JOB_SEND].pid == 0)
		wake_send(d);
}

/* SIGTERM/SIGINT: start nothing new, let the children finish (the fetcher
 * in IDLE is told to stop), then leave the loop. */
static void
on_term(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	int busy = 0;

	d->stopping = 1;
	log_notice("stopping: waiting for running children");
	sched_stop(d);
	for (int i = 0; i < JOB_N; i++) {
		ev_timer_stop(loop, &d->jobs[i].timer);
		if (d->jobs[i].pid != 0) {
			kill(d->jobs[i].pid, SIGTERM);
			busy = 1;
		}
	}
	if (!busy)
		ev_break(loop, EVBREAK_ALL);
}

static void
daemon_watchers(struct daemon *d)
{
	static const char *names[JOB_N] = { "fetch", "send" };

	ev_signal_init(&d->sig_hup, on_hup, SIGHUP);
	ev_signal_init(&d->sig_term, on_term, SIGTERM);
	ev_signal_init(&d->sig_int, on_term, SIGINT);
	ev_signal_init(&d->sig_usr1, on_usr1, SIGUSR1);
	d->sig_hup.data = d->sig_term.data = d->sig_int.data = d;
	d->sig_usr1.data = d;
	ev_signal_start(d->loop, &d->sig_usr1);
	ev_signal_start(d->loop, &d->sig_hup);
	ev_signal_start(d->loop, &d->sig_term);
	ev_signal_start(d->loop, &d->sig_int);
	for (int i = 0; i < JOB_N; i++) {
		struct job *j = &d->jobs[i];

		j->name = names[i];
		j->kind = i;
		j->d = d;
		j->backoff = 1;
		ev_init(&j->child, on_child);
		j->child.data = j;
		/* first passes at once: send a moment after fetch */
		ev_timer_init(&j->timer, on_timer, 0.1 * (i + 1), 0);
		j->timer.data = j;
		if (i == JOB_FETCH && *d->cfg->imap.url == '\0')
			continue;	/* no mailbox configured */
		ev_timer_start(d->loop, &j->timer);
	}
}

int
daemon_run(const char *config_path, struct err *e)
{
	struct daemon d = { 0 };
	struct errlist errs = { 0 };

	if (config_load(config_path, &d.cfg, &errs) < 0) {
		err_set(e, "%s", errs.n ? errs.v[0] : config_path);
		errlist_free(&errs);
		return -1;
	}
	d.config_path = config_path;
	/* on SQLite one daemon per store: a second one is refused, named */
	if (store_open(d.cfg->store_path, &d.store, e) < 0 ||
	    store_owner_register(d.store, "daemon", 1, e) < 0) {
		store_free(&d.store);
		config_free(&d.cfg);
		return -1;
	}
	d.loop = ev_default_loop(EVFLAG_AUTO);
	daemon_watchers(&d);
	sched_start(&d);
	wake_open(&d);
	log_notice("running (send when due, fetch %s)",
		   strncmp(d.cfg->imap.url, "imap", 4) == 0 ? "with IDLE"
		   : strncmp(d.cfg->imap.url, "maildir:", 8) == 0 ?
		   "on inotify" : "periodically");
	sched_log(&d);
	/* start-up is over: its pages go back (the loop refaults the few
	 * it runs); each child faults in only what it uses */
	mem_idle(MEM_TRIM | MEM_PAGE_OUT);
	ev_run(d.loop, 0);
	sched_stop(&d);
	wake_close(&d);
	ev_signal_stop(d.loop, &d.sig_usr1);
	ev_signal_stop(d.loop, &d.sig_hup);
	ev_signal_stop(d.loop, &d.sig_term);
	ev_signal_stop(d.loop, &d.sig_int);
	store_free(&d.store);
	config_free(&d.cfg);
	log_notice("stopped");
	return 0;
}
