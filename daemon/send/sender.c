/*
 * sender.c -- see sender.h: one sender (claim -> render -> hand over ->
 * record) and the pool of sender processes; the pool's parent is in
 * sender_pool.c, the link between them in sender_link.c.
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
#include "send/sender_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/xmem.h"
#include "mail/fprint.h"
#include "send/render.h"
#include "send/submit.h"
#include "send/trouble.h"

enum { CRASH_CLAIM, CRASH_HANDOVER, CRASH_OUTCOME, CRASH_N };

struct sender {
	struct store *s;	/* for rendering; the outbox's when direct */
	int link;		/* -1: writes s itself; else the socket to
				 * the pool's parent, which writes for it */
	struct buf lm;		/* a message on the link */
	struct sender_lin lin;		/* what came on it */
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
	struct sender_rd r;

	if (sender_link_send(sd->link, &sd->lm) != 0 ||
	    sender_link_recv(sd->link, &sd->lin, &sd->lm, &r) != 0 || *r.p++ != 'A')
		return link_lost(sd);
	for (int i = 0; i < n; i++)
		v[i] = sender_get_i64(&r);
	if (n > 0 && v[0] == -1)
		err_set(e, "%s", sender_get_str(&r));
	if (r.bad)
		return link_lost(sd);
	return 0;
}

/* 1 and the pause's end and reason (caller frees) when site is paused,
 * 0 when not, -1 error; as store_outbox_paused. */
static int out_paused(struct sender *sd, const char *site, int64_t *until,
		      char **why)
{
	struct sender_rd r;
	int64_t rc;

	if (sd->link < 0)
		return store_outbox_paused(sd->s, site, until, why, sd->e);
	sender_msg_start(&sd->lm, 'P');
	sender_put_str(&sd->lm, site);
	if (sender_link_send(sd->link, &sd->lm) != 0 ||
	    sender_link_recv(sd->link, &sd->lin, &sd->lm, &r) != 0 || *r.p++ != 'A')
		return link_lost(sd);
	rc = sender_get_i64(&r);
	*until = sender_get_i64(&r);
	if (rc == 1)
		*why = xstrdup(sender_get_str(&r));
	else if (rc == -1)
		err_set(sd->e, "%s", sender_get_str(&r));
	return r.bad ? link_lost(sd) : (int)rc;
}

static int out_pause(struct sender *sd, const char *site, int64_t until,
		     const char *reason, struct err *e)
{
	int64_t rc;

	if (sd->link < 0)
		return store_outbox_pause(sd->s, site, until, reason, e);
	sender_msg_start(&sd->lm, 'K');
	sender_put_str(&sd->lm, site);
	sender_put_i64(&sd->lm, until);
	sender_put_str(&sd->lm, reason);
	if (link_ask(sd, &rc, 1, e) != 0)
		return -1;
	return (int)rc;
}

static void put_outcome(struct buf *b, int64_t id,
			const struct store_outcome *o)
{
	sender_put_i64(b, id);
	sender_put_i64(b, o->state);
	sender_put_str(b, o->reply);
	sender_put_i64(b, o->next_attempt);
	sender_put_i64(b, o->rcpt_dead);
}

/*
 * One transaction: the outcome o of row prev (o NULL: none) and the
 * hand-over of row id with msgid (id 0: none). *prc and the result: 0
 * done, 1 the row is no longer ours, -1 error (nothing recorded).
 */
/* The hand-over of id with its Message-ID and fingerprint, in the
 * caller's transaction. */
int sender_handover_fp(struct store *s, int64_t id, const char *msgid,
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
		rc = *prc == -1 ? -1 : sender_handover_fp(sd->s, id, msgid, sd->fp,
						   sd->fpn, sd->e);
		if (rc != -1 && store_commit(sd->s, sd->e) != 0)
			rc = -1;
		if (rc == -1)
			store_rollback(sd->s);
		return rc;
	}
	sender_msg_start(&sd->lm, 'H');
	sender_put_i64(&sd->lm, o != NULL);
	if (o != NULL)
		put_outcome(&sd->lm, prev, o);
	sender_put_i64(&sd->lm, id != 0);
	if (id != 0) {
		sender_put_i64(&sd->lm, id);
		sender_put_str(&sd->lm, msgid);
		sender_put_i64(&sd->lm, (int64_t)sd->fpn);
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

/* Claim up to max rows and hand each to sender_row, as
 * store_outbox_claim: the rows are all read before the first is sent
 * (each sends requests of its own on the link). */
static int out_claim(struct sender *sd, long max, long *n_r)
{
	struct buf *rows = NULL;
	size_t n = 0, i;
	struct sender_rd r;
	int rc = 0;

	*n_r = 0;
	if (sd->link < 0)
		return store_outbox_claim(sd->s, &sd->o->f, max,
					  SENDER_LEASE_S, sender_row, sd, n_r,
					  sd->e);
	sender_msg_start(&sd->lm, 'C');
	sender_put_i64(&sd->lm, max);
	if (sender_link_send(sd->link, &sd->lm) != 0)
		return link_lost(sd);
	rows = xcalloc((size_t)max + 1, sizeof(*rows));
	for (;;) {
		if (sender_link_recv(sd->link, &sd->lin, &sd->lm, &r) != 0) {
			rc = link_lost(sd);
			break;
		}
		if (*r.p != 'R' || n == (size_t)max)
			break;
		rows[n++] = sd->lm;	/* kept: the rows point into it */
		buf_init(&sd->lm, SENDER_LINK_MSG_MAX);
	}
	if (rc == 0 && *r.p++ == 'E') {
		rc = (int)sender_get_i64(&r);
		*n_r = (long)sender_get_i64(&r);
		if (rc == -1)
			err_set(sd->e, "%s", sender_get_str(&r));
		if (r.bad || (rc == 0 && *n_r != (long)n))
			rc = link_lost(sd);
	} else if (rc == 0)
		rc = link_lost(sd);
	for (i = 0; rc == 0 && i < n; i++) {
		struct store_outrow row;
		struct store_contact c;
		struct sender_rd rr = { rows[i].data + 1, rows[i].data + rows[i].len,
				 0 };

		if (sender_get_row(&rr, &row, &c) != 0)
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
	sender_msg_start(&sd->lm, 'U');
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
int sender_go(struct store *s, int link, const struct config *cfg,
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
	buf_init(&sd.lm, SENDER_LINK_MSG_MAX);
	buf_init(&sd.lin.b, SENDER_LINK_MSG_MAX);
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
