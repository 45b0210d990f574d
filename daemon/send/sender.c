/*
 * sender.c -- see sender.h: one sender (claim -> render -> hand over ->
 * record) and the pool of sender processes.
 *
 * Why one connection per process and not many in one libcurl multi
 * handle: libcurl waits for the reply to the final dot in a blocking
 * call, so one slow relay (content filters take seconds) stalled every
 * connection of the handle. Processes also render in parallel.
 */
#include "send/sender.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/xmem.h"
#include "mail/fprint.h"
#include "send/render.h"
#include "send/submit.h"
#include "send/trouble.h"

#define SENDER_CLAIM 16		/* rows per claim: small, so several
				 * senders share a campaign evenly */

enum { CRASH_CLAIM, CRASH_HANDOVER, CRASH_OUTCOME, CRASH_N };

struct sender {
	struct store *s;
	const struct config *cfg;
	const struct sender_opts *o;
	struct sender_stats *st;
	struct render *r;
	struct submit *sub;
	struct buf msg;
	struct err *e;
	int halt;		/* stop handing over; e says why */
	/* the last message's outcome, committed together with the next
	 * hand-over (one commit a message) or on its own by flush */
	int pending;
	int64_t pending_id;
	char pending_rcpt[512];
	char pending_reply[1024];
	struct store_outcome pending_o;
	int fresh_claim;	/* the first row of a new claim */
	long crash_at[CRASH_N];	/* ANKETA_CRASH_AT, 0: off */
	long crash_n[CRASH_N];
};

/* ---- the test hook ---------------------------------------------------------- */

static void crash_parse(struct sender *sd)
{
	static const char *const names[CRASH_N] = { "claim", "handover",
						    "outcome" };
	const char *v = getenv("ANKETA_CRASH_AT"), *colon;

	if (v == NULL || (colon = strchr(v, ':')) == NULL)
		return;
	for (int i = 0; i < CRASH_N; i++)
		if (strlen(names[i]) == (size_t)(colon - v) &&
		    strncmp(v, names[i], (size_t)(colon - v)) == 0)
			sd->crash_at[i] = strtol(colon + 1, NULL, 10);
}

static void crash_point(struct sender *sd, int which)
{
	if (sd->crash_at[which] > 0 &&
	    ++sd->crash_n[which] == sd->crash_at[which])
		abort();
}

/* ---- one row ------------------------------------------------------------------ */

static int stopping(const struct sender *sd)
{
	return sd->halt || (sd->o->stop != NULL && *sd->o->stop) ||
	       (sd->o->limit > 0 && sd->st->handed >= sd->o->limit);
}

/* Record o for row id; a row no longer ours is counted, not an error. */
static int record(struct sender *sd, int64_t id, const struct store_outcome *o)
{
	int rc = store_outbox_complete(sd->s, id, o, sd->e);

	if (rc == -1) {
		/* never hand over more than we can account for; the row
		 * stays SENDING and becomes unknown: say what is known */
		sd->halt = 1;
		log_error("delivery %lld: the server's answer '%s' could not "
			  "be recorded (%s): it will be sent again",
			  (long long)id, o->reply != NULL ? o->reply : "",
			  sd->e->msg);
		return -1;
	}
	if (rc == 1) {
		sd->st->lost++;
		log_warnx("delivery %lld: claim lost (held past its lease): "
			  "outcome '%s' not recorded", (long long)id,
			  o->reply != NULL ? o->reply : "");
	}
	return rc;
}

static void count(struct sender *sd, const struct store_outrow *row,
		  const struct store_outcome *o)
{
	switch (o->state) {
	case STORE_D_SENT:
		sd->st->sent++;
		break;
	case STORE_D_FAILED:
		sd->st->failed++;
		log_notice("delivery %lld to %s failed: %s",
			   (long long)row->id, row->rcpt, o->reply);
		break;
	case STORE_D_UNKNOWN:
		sd->st->unknown++;
		log_info("delivery %lld to %s unknown: %s",
			 (long long)row->id, row->rcpt, o->reply);
		break;
	case STORE_D_SKIPPED:
		sd->st->skipped++;
		break;
	default:
		sd->st->deferred++;
		log_info("delivery %lld to %s deferred: %s",
			 (long long)row->id, row->rcpt, o->reply);
		break;
	}
}

/* "host:port: sending paused until T: why" into e; why's own
 * "host:port: " is not said twice. */
static void paused_err(struct err *e, const char *where, int64_t until,
		       const char *why)
{
	time_t t = (time_t)until;
	size_t n = strlen(where);
	char when[32];
	struct tm tm;

	strftime(when, sizeof(when), "%H:%M:%S UTC", gmtime_r(&t, &tm));
	if (strncmp(why, where, n) == 0 && strncmp(why + n, ": ", 2) == 0)
		why += n + 2;
	err_set(e, "%s: sending paused until %s: %s", where, when, why);
}

/* The sender's own session failed: nothing is due on this server for a
 * while, and the run stops with the reason. */
static void pause_site(struct sender *sd, const char *reply)
{
	int64_t until = store_now(sd->s) + sd->cfg->queue.pause;
	struct err pe;

	if (store_outbox_pause(sd->s, submit_where(sd->sub), until, reply,
			       &pe) == -1)
		log_warnx("%s", pe.msg);
	paused_err(sd->e, submit_where(sd->sub), until, reply);
	sd->halt = 1;
}

/* What the verdict on res means for the row. */
static void outcome(struct sender *sd, const struct store_outrow *row,
		    const struct submit_result *res, struct store_outcome *o)
{
	const struct config_queue *q = &sd->cfg->queue;
	enum trouble_verdict v = trouble_classify(res);
	int64_t now = store_now(sd->s);
	uint32_t rnd = (uint32_t)random();

	memset(o, 0, sizeof(*o));
	o->reply = res->reply;
	switch (v) {
	case TROUBLE_SENT:
		o->state = STORE_D_SENT;
		return;
	case TROUBLE_FAIL_RCPT:
		o->rcpt_dead = 1;
		/* fall through */
	case TROUBLE_FAIL_MSG:
		o->state = STORE_D_FAILED;
		return;
	case TROUBLE_PAUSE:
		/* not this message's fault: due again once the pause ends */
		o->state = STORE_D_DEFERRED;
		o->next_attempt = now;
		pause_site(sd, res->reply);
		return;
	case TROUBLE_UNKNOWN:
		o->state = STORE_D_UNKNOWN;
		break;
	case TROUBLE_DEFER:
		o->state = STORE_D_DEFERRED;
		break;
	}
	o->next_attempt = now + trouble_backoff(row->attempts + 1,
						q->min_backoff,
						q->max_backoff, rnd);
	if (now - row->queued >= q->lifetime) {
		/* as Postfix's maximal_queue_lifetime */
		o->state = STORE_D_FAILED;
		o->next_attempt = 0;
	}
}

/* Skip a row whose contact is no longer "ok" (opted out, bounced). */
static int skip_row(struct sender *sd, const struct store_outrow *row)
{
	struct store_outcome o = { STORE_D_SKIPPED, NULL, 0, 0 };
	char why[64];

	snprintf(why, sizeof(why), "contact is %s", row->contact->status);
	o.reply = why;
	if (record(sd, row->id, &o) == 0)
		count(sd, row, &o);
	return 0;
}

/* This row's own data cannot make a message (render.h): it fails with
 * the reason, never handed over, and the run goes on with the others. */
static int fail_row(struct sender *sd, const struct store_outrow *row,
		    const char *why)
{
	struct store_outcome o = { STORE_D_FAILED, why, 0, 0 };

	if (record(sd, row->id, &o) == 0)
		count(sd, row, &o);
	return 0;
}

/* The held outcome is committed: count it, honour the test hook. */
static void pending_done(struct sender *sd, int rc)
{
	struct store_outrow r = { 0 };

	if (rc == 0) {
		r.id = sd->pending_id;
		r.rcpt = sd->pending_rcpt;
		count(sd, &r, &sd->pending_o);
	}
	sd->pending = 0;
	crash_point(sd, CRASH_OUTCOME);
}

/* Commit the held outcome on its own (end of a claim, a stop). */
static void flush(struct sender *sd)
{
	if (sd->pending)
		pending_done(sd, record(sd, sd->pending_id, &sd->pending_o));
}

static void hold(struct sender *sd, const struct store_outrow *row,
		 const struct store_outcome *o)
{
	sd->pending = 1;
	sd->pending_id = row->id;
	sd->pending_o = *o;
	snprintf(sd->pending_rcpt, sizeof(sd->pending_rcpt), "%s",
		 row->rcpt);
	snprintf(sd->pending_reply, sizeof(sd->pending_reply), "%s",
		 o->reply != NULL ? o->reply : "");
	sd->pending_o.reply = sd->pending_reply;
}

/* One transaction: the previous message's outcome and this message's
 * hand-over. 0 go on, 1 the row is no longer ours, -1 stop. */
static int commit_handover(struct sender *sd, const struct store_outrow *row,
			   const char *msgid)
{
	int prc = 0, rc;

	if (!sd->pending)
		return store_outbox_handover(sd->s, row->id, msgid,
					     SENDER_LEASE_S, sd->e);
	if (store_begin(sd->s, sd->e) != 0)
		return -1;
	prc = record(sd, sd->pending_id, &sd->pending_o);
	rc = prc == -1 ? -1 : store_outbox_handover(sd->s, row->id, msgid,
						    SENDER_LEASE_S, sd->e);
	if (rc != -1 && store_commit(sd->s, sd->e) != 0)
		rc = -1;
	if (rc == -1) {
		store_rollback(sd->s);
		sd->halt = 1;	/* neither is recorded: hand nothing over */
		return -1;
	}
	pending_done(sd, prc);
	return rc;
}

static void hand_over(struct sender *sd, const struct store_outrow *row,
		      const char *msgid)
{
	struct submit_result res;
	struct store_outcome o;
	char *from;
	int rc;

	rc = commit_handover(sd, row, msgid);
	if (rc != 0) {
		if (rc == 1)
			sd->st->lost++;
		else
			sd->halt = 1;
		return;
	}
	from = render_return_path(sd->cfg, row->token);
	submit_send(sd->sub, from, row->rcpt, sd->msg.data, sd->msg.len, &res);
	free(from);
	sd->st->handed++;
	crash_point(sd, CRASH_HANDOVER);
	outcome(sd, row, &res, &o);
	hold(sd, row, &o);
	if (sd->halt)
		flush(sd);	/* paused: say so in the store at once */
}

/* What ingest needs to find this message quoted in a reply
 * (mail/fprint.h), kept before it leaves: 0, -1 store error (stop). */
static int keep_fprint(struct sender *sd, const struct store_outrow *row)
{
	unsigned char *fp;
	size_t n;
	int rc;

	if (fprint_of_message(sd->msg.data, sd->msg.len, &fp, &n) != 0)
		return 0;	/* replies fall back on the patterns */
	rc = store_delivery_fprint_set(sd->s, row->id, fp, n, sd->e);
	free(fp);
	if (rc != 0)
		sd->halt = 1;
	return rc;
}

static int sender_row(void *arg, const struct store_outrow *row)
{
	struct sender *sd = arg;
	struct err re;
	char *msgid;
	int rc;

	if (sd->fresh_claim) {
		sd->fresh_claim = 0;
		crash_point(sd, CRASH_CLAIM);
	}
	if (stopping(sd))
		return 0;	/* given back by sender_run */
	if (row->contact != NULL && row->contact->status != NULL &&
	    strcmp(row->contact->status, "ok") != 0) {
		flush(sd);
		return skip_row(sd, row);
	}
	/* a retry keeps its Message-ID, so a duplicate is recognisable */
	msgid = row->message_id != NULL ? xstrdup(row->message_id) :
		render_msgid(sd->r);
	buf_reset(&sd->msg);
	rc = render_row(sd->r, row, msgid, &sd->msg, &re);
	if (rc == 0 && keep_fprint(sd, row) == 0)
		hand_over(sd, row, msgid);
	else if (rc == RENDER_ROW_BAD) {
		flush(sd);
		fail_row(sd, row, re.msg);
	} else {
		err_set(sd->e, "%s", re.msg);
		sd->halt = 1;	/* the organiser's to fix: stop */
	}
	free(msgid);
	return 0;
}

/* ---- one sender ---------------------------------------------------------------- */

static int sender_paused(struct sender *sd)
{
	int64_t until = 0;
	char *why = NULL;
	int rc = store_outbox_paused(sd->s, submit_where(sd->sub), &until,
				     &why, sd->e);

	if (rc == 1)
		paused_err(sd->e, submit_where(sd->sub), until, why);
	free(why);
	return rc;
}

static int sender_loop(struct sender *sd)
{
	long n;
	int rc;

	while (!stopping(sd)) {
		long max = SENDER_CLAIM;

		if (sender_paused(sd) != 0)
			return -1;
		if (sd->o->limit > 0 && sd->o->limit - sd->st->handed < max)
			max = sd->o->limit - sd->st->handed;
		sd->fresh_claim = 1;
		rc = store_outbox_claim(sd->s, &sd->o->f, max, SENDER_LEASE_S,
					sender_row, sd, &n, sd->e);
		flush(sd);
		if (rc != 0)
			return -1;
		if (n == 0)
			break;
	}
	return sd->halt ? -1 : 0;
}

int sender_run(struct store *s, const struct config *cfg,
	       const struct sender_opts *o, struct sender_stats *st,
	       struct err *e)
{
	struct sender sd = { 0 };
	struct err ue;
	int rc;

	memset(st, 0, sizeof(*st));
	sd.s = s;
	sd.cfg = cfg;
	sd.o = o;
	sd.st = st;
	sd.e = e;
	crash_parse(&sd);
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	buf_init(&sd.msg, RENDER_MSG_MAX);
	rc = store_owner_register(s, "send", 0, e);
	if (rc == 0)
		rc = render_open(s, cfg, &sd.r, e);
	if (rc == 0)
		rc = submit_open(&cfg->smtp, &sd.sub, e);
	if (rc == 0)
		rc = sender_loop(&sd);
	/* rows claimed and never handed over wait for the next sender */
	if (store_outbox_unclaim(s, 0, &ue) == -1 && rc == 0) {
		err_set(e, "%s", ue.msg);
		rc = -1;
	}
	submit_free(&sd.sub);
	render_free(&sd.r);
	buf_free(&sd.msg);
	return rc;
}

/* ---- the pool --------------------------------------------------------------------- */

/* What a child reports to the pool through its pipe. */
struct child_report {
	struct sender_stats st;
	int rc;
	char msg[sizeof(((struct err *)0)->msg)];
};

static volatile sig_atomic_t pool_stop;

static void on_stop(int sig)
{
	(void)sig;
	pool_stop = 1;
}

/* SIGALRM only ends the pool's wait for the drain (its default action
 * would end the pool itself). */
static void on_alarm(int sig)
{
	(void)sig;
}

static void set_handlers(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: the pool's waitpid must wake up to pass it on */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
}

static void child(const char *path, const struct config *cfg,
		  const struct sender_opts *o, int fd)
{
	struct sender_opts co = *o;
	struct child_report rep;
	struct store *s = NULL;
	struct err e = { "" };

	memset(&rep, 0, sizeof(rep));
	co.stop = &pool_stop;
	rep.rc = store_open(path, &s, &e);
	if (rep.rc == 0)
		rep.rc = sender_run(s, cfg, &co, &rep.st, &e);
	snprintf(rep.msg, sizeof(rep.msg), "%s", rep.rc != 0 ? e.msg : "");
	store_free(&s);
	if (write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(71);
	_exit(rep.rc == 0 ? 0 : 75);
}

static void stats_add(struct sender_stats *a, const struct sender_stats *b)
{
	a->handed += b->handed;
	a->sent += b->sent;
	a->failed += b->failed;
	a->deferred += b->deferred;
	a->unknown += b->unknown;
	a->skipped += b->skipped;
	a->lost += b->lost;
}

/* Wait for every child; pass a stop on once, kill after the drain. The
 * others go on when one dies: killing them would turn their messages in
 * flight into repeats. Returns the signal a child died of, or 0. */
static int pool_wait(pid_t *pids, int n)
{
	int left = n, passed = 0, sig = 0, status;
	time_t deadline = 0;

	while (left > 0) {
		pid_t p = waitpid(-1, &status, 0);

		if (p > 0 && WIFSIGNALED(status) && sig == 0 &&
		    WTERMSIG(status) != SIGTERM)
			sig = WTERMSIG(status);
		if (p > 0) {
			for (int i = 0; i < n; i++)
				if (pids[i] == p)
					pids[i] = 0, left--;
			continue;
		}
		if (errno == ECHILD)
			break;
		if (pool_stop && !passed) {
			for (int i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGTERM);
			passed = 1;
			deadline = time(NULL) + SENDER_DRAIN_S;
			alarm(SENDER_DRAIN_S);
		} else if (passed && time(NULL) >= deadline) {
			for (int i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
		}
	}
	alarm(0);
	return sig;
}

static void pool_collect(int fd, struct sender_stats *st, struct err *e,
			 int *rc)
{
	struct child_report rep;

	while (read(fd, &rep, sizeof(rep)) == (ssize_t)sizeof(rep)) {
		stats_add(st, &rep.st);
		if (rep.rc != 0 && *rc == 0) {
			err_set(e, "%s", rep.msg);
			*rc = -1;
		}
	}
}

/* One sender in this process, on the caller's store handle. */
static int pool_one(struct store *s, const struct config *cfg,
		    const struct sender_opts *o, struct sender_stats *st,
		    struct err *e)
{
	struct sender_opts co = *o;

	co.stop = &pool_stop;
	return sender_run(s, cfg, &co, st, e);
}

int send_pool_run(struct store *s, const struct config *cfg,
		  const struct sender_opts *o, int procs,
		  struct sender_stats *st, struct err *e)
{
	struct sigaction old[4];
	pid_t *pids;
	int fds[2], rc = 0, started = 0, sig;

	memset(st, 0, sizeof(*st));
	/* a limit is one sender's count; a Maildir is no server to share */
	if (procs < 1 || o->limit > 0 ||
	    strncmp(cfg->smtp.url, "maildir:", 8) == 0)
		procs = 1;
	pool_stop = 0;
	sigaction(SIGTERM, NULL, &old[0]);
	sigaction(SIGINT, NULL, &old[1]);
	sigaction(SIGHUP, NULL, &old[2]);
	sigaction(SIGALRM, NULL, &old[3]);
	set_handlers(on_stop);
	if (procs == 1) {
		rc = pool_one(s, cfg, o, st, e);
		goto out;
	}
	if (pipe(fds) != 0) {
		err_set(e, "send: pipe: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	pids = xcalloc((size_t)procs, sizeof(*pids));
	for (int i = 0; i < procs; i++) {
		pid_t p = fork();

		if (p == 0) {
			close(fds[0]);
			child(store_path(s), cfg, o, fds[1]);
		}
		if (p < 0) {
			err_set(e, "send: fork: %s", strerror(errno));
			rc = -1;
			break;
		}
		pids[started++] = p;
	}
	close(fds[1]);
	sig = pool_wait(pids, started);
	pool_collect(fds[0], st, e, &rc);
	if (sig != 0) {
		st->signal = sig;
		if (rc == 0)
			err_set(e, "a sender process was killed by signal %d",
				sig);
		rc = -1;
	}
	close(fds[0]);
	free(pids);
	if (rc == 0 && started < procs)
		rc = -1;
out:
	sigaction(SIGTERM, &old[0], NULL);
	sigaction(SIGINT, &old[1], NULL);
	sigaction(SIGHUP, &old[2], NULL);
	sigaction(SIGALRM, &old[3], NULL);
	return rc;
}
