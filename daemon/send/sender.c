/*
 * sender.c -- see sender.h: one sender (claim -> render -> hand over ->
 * record) and the pool of sender processes.
 *
 * Why one connection per process and not many in one libcurl multi
 * handle: libcurl waits for the reply to the final dot in a blocking
 * call, so one slow relay (content filters take seconds) stalled every
 * connection of the handle. Processes also render in parallel.
 *
 * Why the pool's parent writes the store for its senders: with every
 * sender process writing its own commits, each message's commit waited
 * for the others' (one writer at a time, with sleeps in between) and
 * threw away the page cache of every other process, which read the same
 * pages back from the disk at its next commit: with 8 senders on 2 cores
 * a message cost 70% more CPU than with one. Now the parent is the one
 * owner of the pool's claims and the only writer, as Postfix's queue
 * manager is for its smtp processes: a sender asks it over a socket to
 * claim rows, to commit an outcome and the next hand-over, to pause a
 * server; the requests that arrive together are committed together, in
 * one transaction, and each sender waits for its answer, so a hand-over
 * is still committed before its message goes out and an outcome before
 * the next message goes on that connection. The senders read the store
 * only to render (campaigns, questionnaires). One sender (procs 1, a
 * limit, a Maildir) still runs in the caller's process on its store.
 *
 * A sender that dies leaves its rows with the parent: the message it had
 * handed over becomes UNKNOWN (the server may have it) and is sent again,
 * the rows it held are given back, as the reaper does for a dead owner.
 */
#include "send/sender.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
#define LINK_MSG_MAX (64L * 1024 * 1024)	/* one message on a link */

/* The reason a row handed over by a sender that died gets, as the reaper
 * gives it (store_outbox.c) when a dead owner's row was SENDING. */
#define DIED_REPLY "handed over by a sender that died or hung before the " \
	"server's answer was recorded: the server may have it"

enum { CRASH_CLAIM, CRASH_HANDOVER, CRASH_OUTCOME, CRASH_N };

/* What a sender has read from its link and not yet taken. */
struct lin {
	struct buf b;
	size_t off;
};

struct sender {
	struct store *s;	/* for rendering; the outbox's when direct */
	int link;		/* -1: writes s itself; else the socket to
				 * the pool's parent, which writes for it */
	struct buf lm;		/* a message on the link */
	struct lin lin;		/* what came on it */
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
	/* the fingerprint of the message about to be handed over
	 * (mail/fprint.h), kept with its hand-over */
	unsigned char *fp;
	size_t fpn;
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

/* ---- links: messages between a sender and the pool's parent ------------------ */

/*
 * A message is its length (4 bytes) and its bytes: a type letter, then
 * fields, each a 64-bit integer or a string (its length, -1 for NULL,
 * then its bytes and a NUL, so a decoded string points into the message).
 * Sender to parent, each answered before the next is sent:
 *   'P'                       paused?  -> 'A' rc until why
 *   'C' max                   claim    -> 'R' row ... then 'E' rc n err
 *   'H' prev? [id state reply next rcpt_dead] this? [id msgid fprint]
 *                             commit   -> 'A' ok prev_rc rc (ok -1: err)
 *   'K' site until reason     pause    -> 'A' rc err
 *   'U'                       give back what I hold -> 'A' rc err
 *   'D' report                done (no answer)
 */
struct rd {
	const char *p, *end;
	int bad;
};

static void put_i64(struct buf *b, int64_t v)
{
	buf_add(b, &v, sizeof(v));
}

static void put_str(struct buf *b, const char *s)
{
	if (s == NULL) {
		put_i64(b, -1);
		return;
	}
	put_i64(b, (int64_t)strlen(s));
	buf_add(b, s, strlen(s) + 1);
}

static void msg_start(struct buf *b, char type)
{
	uint32_t n = 0;

	buf_reset(b);
	buf_add(b, &n, sizeof(n));
	buf_addc(b, type);
}

static int64_t get_i64(struct rd *r)
{
	int64_t v = 0;

	if (r->end - r->p < (ptrdiff_t)sizeof(v)) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

static const char *get_str(struct rd *r)
{
	int64_t n = get_i64(r);
	const char *s = r->p;

	if (n < 0)
		return NULL;
	if (r->end - r->p < n + 1 || s[n] != '\0') {
		r->bad = 1;
		return "";
	}
	r->p += n + 1;
	return s;
}

/* n bytes (length first), pointing into the message. */
static const char *get_bytes(struct rd *r, size_t *n_r)
{
	int64_t n = get_i64(r);
	const char *s = r->p;

	*n_r = 0;
	if (n < 0 || r->end - r->p < n) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	*n_r = (size_t)n;
	return s;
}

/* Send the message in b (its length filled in here). */
static int link_send(int fd, struct buf *b)
{
	uint32_t n = (uint32_t)(b->len - sizeof(n));
	size_t off = 0;

	memcpy(b->data, &n, sizeof(n));
	while (off < b->len) {
		ssize_t k = send(fd, b->data + off, b->len - off,
				 MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

/* Wait for one message, copied into m; r reads it (type letter first).
 * The link is read in large pieces: an answer takes one read. */
static int link_recv(int fd, struct lin *in, struct buf *m, struct rd *r)
{
	char chunk[16384];
	uint32_t n = 0;

	for (;;) {
		size_t have = in->b.len - in->off;
		ssize_t k;

		if (have >= sizeof(n)) {
			memcpy(&n, in->b.data + in->off, sizeof(n));
			if (n == 0 || n > LINK_MSG_MAX)
				return -1;
			if (have - sizeof(n) >= n)
				break;
		}
		if (in->off > 0) {
			memmove(in->b.data, in->b.data + in->off, have);
			in->b.len = have;
			in->off = 0;
		}
		k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || buf_add(&in->b, chunk, (size_t)k) != 0)
			return -1;
	}
	buf_reset(m);
	if (buf_add(m, in->b.data + in->off + sizeof(n), n) != 0)
		return -1;
	in->off += sizeof(n) + n;
	r->p = m->data;
	r->end = m->data + m->len;
	r->bad = 0;
	return 0;
}

/* ---- what a sender asks of the outbox: itself, or through its link ---------- */

static int link_lost(struct sender *sd)
{
	err_set(sd->e, "send: the sender pool is gone");
	return -1;
}

/* Send the request in sd->lm and read its answer 'A': its integers into
 * v[0..n); when v[0] is -1 the error that follows goes into e. */
static int link_ask(struct sender *sd, int64_t *v, int n, struct err *e)
{
	struct rd r;

	if (link_send(sd->link, &sd->lm) != 0 ||
	    link_recv(sd->link, &sd->lin, &sd->lm, &r) != 0 || *r.p++ != 'A')
		return link_lost(sd);
	for (int i = 0; i < n; i++)
		v[i] = get_i64(&r);
	if (n > 0 && v[0] == -1)
		err_set(e, "%s", get_str(&r));
	if (r.bad)
		return link_lost(sd);
	return 0;
}

/* 1 and the pause's end and reason (caller frees) when site is paused,
 * 0 when not, -1 error; as store_outbox_paused. */
static int out_paused(struct sender *sd, const char *site, int64_t *until,
		      char **why)
{
	struct rd r;
	int64_t rc;

	if (sd->link < 0)
		return store_outbox_paused(sd->s, site, until, why, sd->e);
	msg_start(&sd->lm, 'P');
	put_str(&sd->lm, site);
	if (link_send(sd->link, &sd->lm) != 0 ||
	    link_recv(sd->link, &sd->lin, &sd->lm, &r) != 0 || *r.p++ != 'A')
		return link_lost(sd);
	rc = get_i64(&r);
	*until = get_i64(&r);
	if (rc == 1)
		*why = xstrdup(get_str(&r));
	else if (rc == -1)
		err_set(sd->e, "%s", get_str(&r));
	return r.bad ? link_lost(sd) : (int)rc;
}

static int out_pause(struct sender *sd, const char *site, int64_t until,
		     const char *reason, struct err *e)
{
	int64_t rc;

	if (sd->link < 0)
		return store_outbox_pause(sd->s, site, until, reason, e);
	msg_start(&sd->lm, 'K');
	put_str(&sd->lm, site);
	put_i64(&sd->lm, until);
	put_str(&sd->lm, reason);
	if (link_ask(sd, &rc, 1, e) != 0)
		return -1;
	return (int)rc;
}

static void put_outcome(struct buf *b, int64_t id,
			const struct store_outcome *o)
{
	put_i64(b, id);
	put_i64(b, o->state);
	put_str(b, o->reply);
	put_i64(b, o->next_attempt);
	put_i64(b, o->rcpt_dead);
}

/*
 * One transaction: the outcome o of row prev (o NULL: none) and the
 * hand-over of row id with msgid (id 0: none). *prc and the result: 0
 * done, 1 the row is no longer ours, -1 error (nothing recorded).
 */
/* The hand-over of id with its Message-ID and fingerprint, in the
 * caller's transaction. */
static int handover_fp(struct store *s, int64_t id, const char *msgid,
		       const unsigned char *fp, size_t fpn, struct err *e)
{
	int rc = store_outbox_handover(s, id, msgid, SENDER_LEASE_S, e);

	if (rc == 0 && fpn > 0 &&
	    store_delivery_fprint_set(s, id, fp, fpn, e) != 0)
		rc = -1;
	return rc;
}

static int out_commit(struct sender *sd, int64_t prev,
		      const struct store_outcome *o, int64_t id,
		      const char *msgid, int *prc)
{
	int64_t v[3];
	int rc = 0;

	*prc = 0;
	if (sd->link < 0) {
		if (id == 0) {
			*prc = store_outbox_complete(sd->s, prev, o, sd->e);
			return *prc == -1 ? -1 : 0;
		}
		if (store_begin(sd->s, sd->e) != 0)
			return -1;
		if (o != NULL)
			*prc = store_outbox_complete(sd->s, prev, o, sd->e);
		rc = *prc == -1 ? -1 : handover_fp(sd->s, id, msgid, sd->fp,
						   sd->fpn, sd->e);
		if (rc != -1 && store_commit(sd->s, sd->e) != 0)
			rc = -1;
		if (rc == -1)
			store_rollback(sd->s);
		return rc;
	}
	msg_start(&sd->lm, 'H');
	put_i64(&sd->lm, o != NULL);
	if (o != NULL)
		put_outcome(&sd->lm, prev, o);
	put_i64(&sd->lm, id != 0);
	if (id != 0) {
		put_i64(&sd->lm, id);
		put_str(&sd->lm, msgid);
		put_i64(&sd->lm, (int64_t)sd->fpn);
		buf_add(&sd->lm, sd->fp, sd->fpn);
	}
	if (link_ask(sd, v, 3, sd->e) != 0 || v[0] == -1) {
		*prc = -1;
		return -1;
	}
	*prc = (int)v[1];
	return (int)v[2];
}

/* ---- one row ------------------------------------------------------------------ */

static int stopping(const struct sender *sd)
{
	return sd->halt || (sd->o->stop != NULL && *sd->o->stop) ||
	       (sd->o->limit > 0 && sd->st->handed >= sd->o->limit);
}

/* A row no longer ours is counted, not an error. */
static int lost_check(struct sender *sd, int64_t id,
		      const struct store_outcome *o, int rc)
{
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

/* Record o for row id on its own. */
static int record(struct sender *sd, int64_t id, const struct store_outcome *o)
{
	int prc;

	out_commit(sd, id, o, 0, NULL, &prc);
	return lost_check(sd, id, o, prc);
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

	if (out_pause(sd, submit_where(sd->sub), until, reply, &pe) == -1)
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
	int prc, rc;

	rc = out_commit(sd, sd->pending_id, sd->pending ? &sd->pending_o :
			NULL, row->id, msgid, &prc);
	if (rc == -1 || prc == -1) {
		/* neither is recorded: hand nothing over, and say which
		 * answer was lost (lost_check halts) */
		if (sd->pending)
			lost_check(sd, sd->pending_id, &sd->pending_o, -1);
		sd->pending = 0;
		sd->halt = 1;
		return -1;
	}
	if (sd->pending)
		pending_done(sd, lost_check(sd, sd->pending_id,
					    &sd->pending_o, prc));
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
	if (sd->o->progress != NULL)
		sd->o->progress(sd->o->progress_arg, sd->st->handed,
				sd->o->progress_total);
	crash_point(sd, CRASH_HANDOVER);
	outcome(sd, row, &res, &o);
	hold(sd, row, &o);
	if (sd->halt)
		flush(sd);	/* paused: say so in the store at once */
}

/* What ingest needs to find this message quoted in a reply
 * (mail/fprint.h): the fingerprint of its text part, committed with the
 * hand-over. */
static void take_fprint(struct sender *sd)
{
	free(sd->fp);
	fprint_make(render_text(sd->r), &sd->fp, &sd->fpn);
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
	if (rc == 0) {
		take_fprint(sd);
		hand_over(sd, row, msgid);
	}
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

/* ---- rows on a link ------------------------------------------------------------ */

static void put_row(struct buf *b, const struct store_outrow *r)
{
	const struct store_contact *c = r->contact;

	put_i64(b, r->id);
	put_i64(b, r->campaign_id);
	put_i64(b, r->state);
	put_i64(b, r->attempts);
	put_i64(b, r->queued);
	put_str(b, r->kind);
	put_str(b, r->rcpt);
	put_str(b, r->token);
	put_str(b, r->message_id);
	put_str(b, r->in_reply_to);
	put_str(b, r->vars);
	put_i64(b, c != NULL);
	if (c == NULL)
		return;
	put_i64(b, c->id);
	put_str(b, c->email);
	put_str(b, c->name);
	put_str(b, c->municipality);
	put_str(b, c->country);
	put_str(b, c->language);
	put_str(b, c->role);
	put_str(b, c->groups);
	put_str(b, c->token);
	put_str(b, c->status);
}

/* A row from put_row; its strings point into the message r reads. */
static int get_row(struct rd *r, struct store_outrow *row,
		   struct store_contact *c)
{
	memset(row, 0, sizeof(*row));
	memset(c, 0, sizeof(*c));
	row->id = get_i64(r);
	row->campaign_id = get_i64(r);
	row->state = (enum store_dstate)get_i64(r);
	row->attempts = (int)get_i64(r);
	row->queued = get_i64(r);
	row->kind = get_str(r);
	row->rcpt = get_str(r);
	row->token = get_str(r);
	row->message_id = get_str(r);
	row->in_reply_to = get_str(r);
	row->vars = get_str(r);
	if (get_i64(r)) {
		c->id = get_i64(r);
		c->email = get_str(r);
		c->name = get_str(r);
		c->municipality = get_str(r);
		c->country = get_str(r);
		c->language = get_str(r);
		c->role = get_str(r);
		c->groups = get_str(r);
		c->token = get_str(r);
		c->status = get_str(r);
		row->contact = c;
	}
	return r->bad || row->kind == NULL || row->rcpt == NULL ||
	       row->token == NULL ? -1 : 0;
}

/* Claim up to max rows and hand each to sender_row, as
 * store_outbox_claim: the rows are all read before the first is sent
 * (each sends requests of its own on the link). */
static int out_claim(struct sender *sd, long max, long *n_r)
{
	struct buf *rows = NULL;
	size_t n = 0, i;
	struct rd r;
	int rc = 0;

	*n_r = 0;
	if (sd->link < 0)
		return store_outbox_claim(sd->s, &sd->o->f, max,
					  SENDER_LEASE_S, sender_row, sd, n_r,
					  sd->e);
	msg_start(&sd->lm, 'C');
	put_i64(&sd->lm, max);
	if (link_send(sd->link, &sd->lm) != 0)
		return link_lost(sd);
	rows = xcalloc((size_t)max + 1, sizeof(*rows));
	for (;;) {
		if (link_recv(sd->link, &sd->lin, &sd->lm, &r) != 0) {
			rc = link_lost(sd);
			break;
		}
		if (*r.p != 'R' || n == (size_t)max)
			break;
		rows[n++] = sd->lm;	/* kept: the rows point into it */
		buf_init(&sd->lm, LINK_MSG_MAX);
	}
	if (rc == 0 && *r.p++ == 'E') {
		rc = (int)get_i64(&r);
		*n_r = (long)get_i64(&r);
		if (rc == -1)
			err_set(sd->e, "%s", get_str(&r));
		if (r.bad || (rc == 0 && *n_r != (long)n))
			rc = link_lost(sd);
	} else if (rc == 0)
		rc = link_lost(sd);
	for (i = 0; rc == 0 && i < n; i++) {
		struct store_outrow row;
		struct store_contact c;
		struct rd rr = { rows[i].data + 1, rows[i].data + rows[i].len,
				 0 };

		if (get_row(&rr, &row, &c) != 0)
			rc = link_lost(sd);
		else
			rc = sender_row(sd, &row);
	}
	for (i = 0; i < n; i++)
		buf_free(&rows[i]);
	free(rows);
	return rc;
}

/* Give back the rows claimed and never handed over. */
static int out_unclaim(struct sender *sd, struct err *e)
{
	int64_t rc;

	if (sd->link < 0)
		return store_outbox_unclaim(sd->s, 0, e);
	msg_start(&sd->lm, 'U');
	if (link_ask(sd, &rc, 1, e) != 0) {
		err_set(e, "%s", sd->e->msg);
		return -1;
	}
	return (int)rc;
}

/* ---- one sender ---------------------------------------------------------------- */

static int sender_paused(struct sender *sd)
{
	int64_t until = 0;
	char *why = NULL;
	int rc = out_paused(sd, submit_where(sd->sub), &until, &why);

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
		rc = out_claim(sd, max, &n);
		flush(sd);
		if (rc != 0)
			return -1;
		if (n == 0)
			break;
	}
	return sd->halt ? -1 : 0;
}

/* A sender on s, writing the outbox itself (link -1) or through the
 * pool's parent on link. */
static int sender_go(struct store *s, int link, const struct config *cfg,
		     const struct sender_opts *o, struct sender_stats *st,
		     struct err *e)
{
	struct sender sd = { 0 };
	struct err ue;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	sd.s = s;
	sd.link = link;
	sd.cfg = cfg;
	sd.o = o;
	sd.st = st;
	sd.e = e;
	crash_parse(&sd);
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	buf_init(&sd.msg, RENDER_MSG_MAX);
	buf_init(&sd.lm, LINK_MSG_MAX);
	buf_init(&sd.lin.b, LINK_MSG_MAX);
	if (link < 0)
		rc = store_owner_register(s, "send", 0, e);
	if (rc == 0)
		rc = render_open(s, cfg, &sd.r, e);
	if (rc == 0)
		rc = submit_open(&cfg->smtp, &sd.sub, e);
	if (rc == 0)
		rc = sender_loop(&sd);
	/* rows claimed and never handed over wait for the next sender */
	if (out_unclaim(&sd, &ue) == -1 && rc == 0) {
		err_set(e, "%s", ue.msg);
		rc = -1;
	}
	submit_free(&sd.sub);
	render_free(&sd.r);
	buf_free(&sd.msg);
	free(sd.fp);
	buf_free(&sd.lm);
	buf_free(&sd.lin.b);
	return rc;
}

int sender_run(struct store *s, const struct config *cfg,
	       const struct sender_opts *o, struct sender_stats *st,
	       struct err *e)
{
	return sender_go(s, -1, cfg, o, st, e);
}

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
	msg_start(&m, 'D');
	buf_add(&m, &rep, sizeof(rep));
	if (link_send(link, &m) != 0)
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
		(void)link_send(k->fd, &p->out);
}

/* 'A' rc [err], the common answer. */
static void answer_rc(struct pool *p, struct kid *k, int rc,
		      const struct err *e)
{
	msg_start(&p->out, 'A');
	put_i64(&p->out, rc);
	if (rc == -1)
		put_str(&p->out, e->msg);
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
	msg_start(&c->p->out, 'R');
	put_row(&c->p->out, r);
	answer(c->p, c->k);
	c->n++;
	return 0;
}

static void do_claim(struct pool *p, struct kid *k, struct rd *r)
{
	struct claim_ctx c = { p, k, 0 };
	long max = (long)get_i64(r), n = 0;
	struct err e = { "" };
	int rc;

	if (max < 0 || max > 1024)
		max = SENDER_CLAIM;
	rc = store_outbox_claim(p->s, &p->o->f, max, SENDER_LEASE_S,
				claim_row, &c, &n, &e);
	msg_start(&p->out, 'E');
	put_i64(&p->out, rc);
	put_i64(&p->out, c.n);
	put_str(&p->out, e.msg);
	answer(p, k);
}

static void do_paused(struct pool *p, struct kid *k, struct rd *r)
{
	const char *site = get_str(r);
	int64_t until = 0;
	char *why = NULL;
	struct err e = { "" };
	int rc = store_outbox_paused(p->s, site != NULL ? site : "", &until,
				     &why, &e);

	msg_start(&p->out, 'A');
	put_i64(&p->out, rc);
	put_i64(&p->out, until);
	put_str(&p->out, rc == 1 ? why : rc == -1 ? e.msg : "");
	answer(p, k);
	free(why);
}

static void do_pause(struct pool *p, struct kid *k, struct rd *r)
{
	const char *site = get_str(r);
	int64_t until = get_i64(r);
	const char *why = get_str(r);
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
			  handover_fp(p->s, q[i].id, q[i].msgid, q[i].fp,
				      q[i].fpn, &e) : 0;
		ok = q[i].prc != -1 && q[i].rc != -1;
	}
	if (ok && store_commit(p->s, &e) != 0)
		ok = 0;
	if (!ok)
		store_rollback(p->s);
	for (i = 0; i < n; i++) {
		struct kid *k = q[i].k;

		msg_start(&p->out, 'A');
		put_i64(&p->out, ok ? 0 : -1);
		put_i64(&p->out, q[i].prc);
		put_i64(&p->out, q[i].rc);
		if (!ok)
			put_str(&p->out, e.msg);
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

static int get_commit(struct rd *r, struct commit_req *q)
{
	q->has_prev = (int)get_i64(r);
	if (q->has_prev) {
		q->prev = get_i64(r);
		q->o.state = (enum store_dstate)get_i64(r);
		q->o.reply = get_str(r);
		q->o.next_attempt = get_i64(r);
		q->o.rcpt_dead = (int)get_i64(r);
	}
	q->has_this = (int)get_i64(r);
	if (q->has_this) {
		q->id = get_i64(r);
		q->msgid = get_str(r);
		q->fp = (const unsigned char *)get_bytes(r, &q->fpn);
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
		struct rd r;
		char type;
		struct err e = { "" };

		if (k->in.len - off < sizeof(n))
			break;
		memcpy(&n, k->in.data + off, sizeof(n));
		if (n == 0 || n > LINK_MSG_MAX) {
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
	buf_init(&p.out, LINK_MSG_MAX);
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
		buf_init(&p.k[started].in, LINK_MSG_MAX);
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
