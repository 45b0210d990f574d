/*
 * sender_pool.c -- see sender.h (send_pool_run) and sender_private.h: the
 * pool's parent, which forks the sender processes, claims and commits for
 * them over their links (sender_link.c) and cleans up after one that died.
 */
#include "send/sender_private.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/xmem.h"

/* The reason a row handed over by a sender that died gets, as the reaper
 * gives it (store_outbox.c) when a dead owner's row was SENDING. */
#define DIED_REPLY "handed over by a sender that died or hung before the " \
	"server's answer was recorded: the server may have it"

/* ---- the pool --------------------------------------------------------------------- */

/* What a sender reports to the pool at its end ('D'). */
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

static void set_handlers(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: the pool's poll must wake up to pass it on */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* A sender process: its own store handle, only read (to render), and its
 * link to the parent. */
static void child(struct store *parent, const struct config *cfg,
		  const struct sender_opts *o, int link)
{
	struct sender_opts co = *o;
	struct child_report rep;
	struct store *s = NULL;
	struct err e = { "" };
	struct buf m;

	/* the parent's handle and lock are not this process's */
	store_forget_in_child(parent);
	memset(&rep, 0, sizeof(rep));
	co.stop = &pool_stop;
	co.progress = NULL;	/* the parent counts what it commits */
	rep.rc = store_open(store_path(parent), &s, &e);
	if (rep.rc == 0)
		rep.rc = sender_go(s, link, cfg, &co, &rep.st, &e);
	snprintf(rep.msg, sizeof(rep.msg), "%s", rep.rc != 0 ? e.msg : "");
	store_free(&s);
	buf_init(&m, 0);
	sender_msg_start(&m, 'D');
	buf_add(&m, &rep, sizeof(rep));
	if (sender_link_send(link, &m) != 0)
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

/* A sender process as its parent sees it. */
struct kid {
	pid_t pid;
	int fd;			/* the link; -1 once it ended */
	struct buf in;		/* bytes read from the link */
	size_t used;		/* ... of which handled this round */
	int64_t *held;		/* rows claimed for it, not yet handed over */
	size_t nheld, capheld;
	int64_t sending;	/* handed over, no outcome yet; 0: none */
	int reported;		/* its 'D' came */
	struct child_report rep;
};

struct pool {
	struct store *s;
	const struct config *cfg;
	const struct sender_opts *o;
	struct kid *k;
	int n;
	struct buf out;		/* an answer being built */
	int rc;			/* the first error */
	struct err *e;
	long handed;		/* hand-overs committed, for o->progress */
};

static void held_add(struct kid *k, int64_t id)
{
	if (k->nheld == k->capheld) {
		k->capheld = k->capheld ? k->capheld * 2 : SENDER_CLAIM;
		k->held = xreallocarray(k->held, k->capheld,
					sizeof(*k->held));
	}
	k->held[k->nheld++] = id;
}

/* Row id leaves k's hands (handed over, recorded, given back). */
static void held_drop(struct kid *k, int64_t id)
{
	for (size_t i = 0; i < k->nheld; i++)
		if (k->held[i] == id) {
			k->held[i] = k->held[--k->nheld];
			return;
		}
}

/* A sender that cannot be answered has died: its end of the link says
 * so at the next poll, and kid_close cleans up after it. */
static void answer(struct pool *p, struct kid *k)
{
	if (k->fd >= 0)
		(void)sender_link_send(k->fd, &p->out);
}

/* 'A' rc [err], the common answer. */
static void answer_rc(struct pool *p, struct kid *k, int rc,
		      const struct err *e)
{
	sender_msg_start(&p->out, 'A');
	sender_put_i64(&p->out, rc);
	if (rc == -1)
		sender_put_str(&p->out, e->msg);
	answer(p, k);
}

struct claim_ctx {
	struct pool *p;
	struct kid *k;
	long n;
};

static int claim_row(void *arg, const struct store_outrow *r)
{
	struct claim_ctx *c = arg;

	held_add(c->k, r->id);
	sender_msg_start(&c->p->out, 'R');
	sender_put_row(&c->p->out, r);
	answer(c->p, c->k);
	c->n++;
	return 0;
}

static void do_claim(struct pool *p, struct kid *k, struct sender_rd *r)
{
	struct claim_ctx c = { p, k, 0 };
	long max = (long)sender_get_i64(r), n = 0;
	struct err e = { "" };
	int rc;

	if (max < 0 || max > 1024)
		max = SENDER_CLAIM;
	rc = store_outbox_claim(p->s, &p->o->f, max, SENDER_LEASE_S,
				claim_row, &c, &n, &e);
	sender_msg_start(&p->out, 'E');
	sender_put_i64(&p->out, rc);
	sender_put_i64(&p->out, c.n);
	sender_put_str(&p->out, e.msg);
	answer(p, k);
}

static void do_paused(struct pool *p, struct kid *k, struct sender_rd *r)
{
	const char *site = sender_get_str(r);
	int64_t until = 0;
	char *why = NULL;
	struct err e = { "" };
	int rc = store_outbox_paused(p->s, site != NULL ? site : "", &until,
				     &why, &e);

	sender_msg_start(&p->out, 'A');
	sender_put_i64(&p->out, rc);
	sender_put_i64(&p->out, until);
	sender_put_str(&p->out, rc == 1 ? why : rc == -1 ? e.msg : "");
	answer(p, k);
	free(why);
}

static void do_pause(struct pool *p, struct kid *k, struct sender_rd *r)
{
	const char *site = sender_get_str(r);
	int64_t until = sender_get_i64(r);
	const char *why = sender_get_str(r);
	struct err e = { "" };

	answer_rc(p, k, store_outbox_pause(p->s, site != NULL ? site : "",
					   until, why, &e), &e);
}

/* Give back the rows k holds (it is done, or dead). */
static int give_back(struct pool *p, struct kid *k, struct err *e)
{
	int rc = 0;

	while (rc == 0 && k->nheld > 0) {
		rc = store_outbox_unclaim(p->s, k->held[k->nheld - 1], e);
		if (rc == 0)
			k->nheld--;
	}
	return rc;
}

/* One 'H' of a round: what it asks, and what came of it. */
struct commit_req {
	struct kid *k;
	int has_prev, has_this;
	int64_t prev, id;
	struct store_outcome o;
	const char *msgid;
	const unsigned char *fp;
	size_t fpn;
	int prc, rc;
};

/*
 * Every commit request that came in this round, in one transaction: each
 * sender waits for its answer, so each still gets its hand-over
 * committed before it sends and its outcome before its next message.
 * A store error undoes them all, and each sender stops with it.
 */
static void do_commits(struct pool *p, struct commit_req *q, int n)
{
	struct err e = { "" };
	int ok, i, j;

	/* a sender whose link broke in this round is not answered: its
	 * rows are already back (kid_close) */
	for (i = j = 0; i < n; i++)
		if (q[i].k->fd >= 0)
			q[j++] = q[i];
	if ((n = j) == 0)
		return;
	ok = store_begin(p->s, &e) == 0;
	for (i = 0; ok && i < n; i++) {
		q[i].prc = q[i].has_prev ? store_outbox_complete(p->s, q[i].prev,
					   &q[i].o, &e) : 0;
		q[i].rc = q[i].prc != -1 && q[i].has_this ?
			  sender_handover_fp(p->s, q[i].id, q[i].msgid, q[i].fp,
				      q[i].fpn, &e) : 0;
		ok = q[i].prc != -1 && q[i].rc != -1;
	}
	if (ok && store_commit(p->s, &e) != 0)
		ok = 0;
	if (!ok)
		store_rollback(p->s);
	for (i = 0; i < n; i++) {
		struct kid *k = q[i].k;

		sender_msg_start(&p->out, 'A');
		sender_put_i64(&p->out, ok ? 0 : -1);
		sender_put_i64(&p->out, q[i].prc);
		sender_put_i64(&p->out, q[i].rc);
		if (!ok)
			sender_put_str(&p->out, e.msg);
		if (ok && q[i].has_prev) {
			held_drop(k, q[i].prev);
			if (k->sending == q[i].prev)
				k->sending = 0;
		}
		if (ok && q[i].has_this) {
			held_drop(k, q[i].id);
			if (q[i].rc == 0) {
				k->sending = q[i].id;
				p->handed++;
			}
		}
		answer(p, k);
	}
	if (ok && p->o->progress != NULL)
		p->o->progress(p->o->progress_arg, p->handed,
			       p->o->progress_total);
}

static int get_commit(struct sender_rd *r, struct commit_req *q)
{
	q->has_prev = (int)sender_get_i64(r);
	if (q->has_prev) {
		q->prev = sender_get_i64(r);
		q->o.state = (enum store_dstate)sender_get_i64(r);
		q->o.reply = sender_get_str(r);
		q->o.next_attempt = sender_get_i64(r);
		q->o.rcpt_dead = (int)sender_get_i64(r);
	}
	q->has_this = (int)sender_get_i64(r);
	if (q->has_this) {
		q->id = sender_get_i64(r);
		q->msgid = sender_get_str(r);
		q->fp = (const unsigned char *)sender_get_bytes(r, &q->fpn);
	}
	return r->bad ? -1 : 0;
}

/* A sender that ended without its report (killed, crashed): the message
 * it handed over may be at the server (UNKNOWN, sent again), the rows it
 * held go back, as the reaper does for a dead owner. */
static void kid_dead(struct pool *p, struct kid *k)
{
	struct store_outcome o = { STORE_D_UNKNOWN, DIED_REPLY, 0, 0 };
	struct err e;

	if (k->sending != 0) {
		o.next_attempt = store_now(p->s);
		if (store_outbox_complete(p->s, k->sending, &o, &e) == -1)
			log_warnx("%s", e.msg);
		k->sending = 0;
	}
	if (give_back(p, k, &e) != 0)
		log_warnx("%s", e.msg);
}

static void kid_close(struct pool *p, struct kid *k)
{
	if (k->fd < 0)
		return;
	close(k->fd);
	k->fd = -1;
	if (!k->reported || k->sending != 0 || k->nheld > 0)
		kid_dead(p, k);
}

/* Read what k has sent; a whole message is handled at once except a
 * commit, which waits in q for the round's transaction. */
static void kid_read(struct pool *p, struct kid *k, struct commit_req *q,
		     int *nq)
{
	char chunk[16384];
	ssize_t got = read(k->fd, chunk, sizeof(chunk));
	size_t off = 0;

	if (got < 0 && errno == EINTR)
		return;
	if (got <= 0) {
		kid_close(p, k);
		return;
	}
	buf_add(&k->in, chunk, (size_t)got);
	off = k->used;
	for (;;) {
		uint32_t n;
		struct sender_rd r;
		char type;
		struct err e = { "" };

		if (k->in.len - off < sizeof(n))
			break;
		memcpy(&n, k->in.data + off, sizeof(n));
		if (n == 0 || n > SENDER_LINK_MSG_MAX) {
			kid_close(p, k);
			return;
		}
		if (k->in.len - off - sizeof(n) < n)
			break;
		r.p = k->in.data + off + sizeof(n);
		r.end = r.p + n;
		r.bad = 0;
		off += sizeof(n) + n;
		type = *r.p++;
		switch (type) {
		case 'C':
			do_claim(p, k, &r);
			break;
		case 'P':
			do_paused(p, k, &r);
			break;
		case 'K':
			do_pause(p, k, &r);
			break;
		case 'U':
			answer_rc(p, k, give_back(p, k, &e), &e);
			break;
		case 'H':
			/* a sender has one request out at a time: its
			 * message stays in k->in until the round ends */
			q[*nq].k = k;
			if (get_commit(&r, &q[*nq]) == 0)
				(*nq)++;
			break;
		case 'D':
			if ((size_t)(r.end - r.p) == sizeof(k->rep)) {
				memcpy(&k->rep, r.p, sizeof(k->rep));
				k->reported = 1;
			}
			break;
		default:
			break;
		}
	}
	k->used = off;	/* dropped by kid_compact after the round */
}

static void kid_compact(struct kid *k)
{
	if (k->used == 0)
		return;
	memmove(k->in.data, k->in.data + k->used, k->in.len - k->used);
	k->in.len -= k->used;
	k->in.data[k->in.len] = '\0';
	k->used = 0;
}

/* Wait for every sender, serving what they ask; pass a stop on once,
 * kill after the drain. The others go on when one dies: killing them
 * would turn their messages in flight into repeats. Returns the signal
 * a sender died of, or 0. */
static int pool_serve(struct pool *p)
{
	struct pollfd *pf = xcalloc((size_t)p->n, sizeof(*pf));
	struct commit_req *q = xcalloc((size_t)p->n, sizeof(*q));
	int *map = xcalloc((size_t)p->n, sizeof(*map));
	int left = p->n, passed = 0, sig = 0, status;
	time_t deadline = 0;

	for (;;) {
		int nfd = 0, nq = 0, ready, i;
		pid_t pid;

		for (i = 0; i < p->n; i++)
			if (p->k[i].fd >= 0) {
				pf[nfd].fd = p->k[i].fd;
				pf[nfd].events = POLLIN;
				pf[nfd].revents = 0;
				map[nfd++] = i;
			}
		if (left == 0 && nfd == 0)
			break;
		if (pool_stop && !passed) {
			for (i = 0; i < p->n; i++)
				if (p->k[i].pid > 0)
					kill(p->k[i].pid, SIGTERM);
			passed = 1;
			deadline = time(NULL) + SENDER_DRAIN_S;
		} else if (passed && time(NULL) >= deadline) {
			for (i = 0; i < p->n; i++)
				if (p->k[i].pid > 0)
					kill(p->k[i].pid, SIGKILL);
		}
		ready = poll(pf, (nfds_t)nfd, nfd > 0 ? 1000 : 100);
		for (i = 0; ready > 0 && i < nfd; i++)
			if (pf[i].revents != 0)
				kid_read(p, &p->k[map[i]], q, &nq);
		if (nq > 0)
			do_commits(p, q, nq);
		for (i = 0; i < p->n; i++)
			kid_compact(&p->k[i]);
		/* a sender exits after its link ends, or was killed */
		if (ready > 0 && nfd >= left)
			continue;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < p->n; i++) {
				if (p->k[i].pid != pid)
					continue;
				p->k[i].pid = 0;
				left--;
				if (WIFSIGNALED(status) && sig == 0 &&
				    WTERMSIG(status) != SIGTERM)
					sig = WTERMSIG(status);
			}
		if (pid < 0 && errno == ECHILD)
			left = 0;
	}
	free(pf);
	free(q);
	free(map);
	return sig;
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

/* Start procs senders, serve them, sum their reports. */
static int pool_run(struct store *s, const struct config *cfg,
		    const struct sender_opts *o, int procs,
		    struct sender_stats *st, struct err *e)
{
	struct pool p = { s, cfg, o, NULL, 0, { 0 }, 0, e, 0 };
	struct err ue;
	int started = 0, sig, i;

	if (store_owner_register(s, "send", 0, e) != 0)
		return -1;
	buf_init(&p.out, SENDER_LINK_MSG_MAX);
	p.k = xcalloc((size_t)procs, sizeof(*p.k));
	for (i = 0; i < procs; i++) {
		int sv[2];
		pid_t pid;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
			       sv) != 0) {
			err_set(e, "send: socketpair: %s", strerror(errno));
			p.rc = -1;
			break;
		}
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			for (int j = 0; j < started; j++)
				close(p.k[j].fd);
			child(s, cfg, o, sv[1]);
		}
		close(sv[1]);
		if (pid < 0) {
			close(sv[0]);
			err_set(e, "send: fork: %s", strerror(errno));
			p.rc = -1;
			break;
		}
		p.k[started].pid = pid;
		p.k[started].fd = sv[0];
		buf_init(&p.k[started].in, SENDER_LINK_MSG_MAX);
		started++;
	}
	p.n = started;
	sig = pool_serve(&p);
	for (i = 0; i < p.n; i++) {
		struct kid *k = &p.k[i];

		if (k->reported) {
			stats_add(st, &k->rep.st);
			if (k->rep.rc != 0 && p.rc == 0) {
				err_set(e, "%s", k->rep.msg);
				p.rc = -1;
			}
		}
		buf_free(&k->in);
		free(k->held);
	}
	/* nothing of ours is left claimed, whatever happened above */
	if (store_outbox_unclaim(s, 0, &ue) == -1 && p.rc == 0) {
		err_set(e, "%s", ue.msg);
		p.rc = -1;
	}
	if (sig != 0) {
		st->signal = sig;
		if (p.rc == 0)
			err_set(e, "a sender process was killed by signal %d",
				sig);
		p.rc = -1;
	}
	free(p.k);
	buf_free(&p.out);
	return p.rc;
}

int send_pool_run(struct store *s, const struct config *cfg,
		  const struct sender_opts *o, int procs,
		  struct sender_stats *st, struct err *e)
{
	struct sigaction old[3];
	int rc;

	memset(st, 0, sizeof(*st));
	/* a limit is one sender's count; a Maildir is no server to share */
	if (procs < 1 || o->limit > 0 ||
	    strncmp(cfg->smtp.url, "maildir:", 8) == 0)
		procs = 1;
	pool_stop = 0;
	sigaction(SIGTERM, NULL, &old[0]);
	sigaction(SIGINT, NULL, &old[1]);
	sigaction(SIGHUP, NULL, &old[2]);
	set_handlers(on_stop);
	if (procs == 1)
		rc = pool_one(s, cfg, o, st, e);
	else
		rc = pool_run(s, cfg, o, procs, st, e);
	sigaction(SIGTERM, &old[0], NULL);
	sigaction(SIGINT, &old[1], NULL);
	sigaction(SIGHUP, &old[2], NULL);
	return rc;
}
