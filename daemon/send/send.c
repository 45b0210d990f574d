/*
 * send.c -- the send path's entry (see send.h): check the templates,
 * enqueue the campaign's mail for its audience, and let the sender
 * processes work the outbox off; or, in a dry run, render what a send
 * would hand out now without writing anything.
 */
#include "base/kind.h"
#include "send/send.h"

#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/xmem.h"
#include "model/campaign.h"
#include "send/render.h"
#include "send/sender.h"

int send_kind_ok(const char *kind)
{
	return kind_is_campaign(kind);
}

/* ---- previews ------------------------------------------------------------ */

static int write_preview(const char *dir, int64_t contact_id,
			 const char *email, const struct buf *msg,
			 struct err *e)
{
	char *name, *p;
	FILE *f;
	int rc = 0;

	/* the address, made safe as a file name */
	name = xasprintf("%s/%06lld-%s.eml", dir, (long long)contact_id,
			 email);
	for (p = name + strlen(dir) + 1; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && !strchr("@.-_+", *p))
			*p = '_';
	f = fopen(name, "wb");
	if (f == NULL || fwrite(msg->data, 1, msg->len, f) != msg->len) {
		err_set(e, "%s: %s", name, strerror(errno));
		rc = -1;
	}
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		err_set(e, "%s: %s", name, strerror(errno));
		rc = -1;
	}
	free(name);
	return rc;
}

/* ---- dry run --------------------------------------------------------------- */

struct dry {
	struct render *r;
	const struct send_opts *o;
	struct send_stats *st;
	struct err *e;
};

static int dry_cb(void *arg, const struct store_outrow *row)
{
	struct dry *d = arg;
	struct buf msg;
	char *msgid = row->message_id != NULL ? xstrdup(row->message_id) :
		      render_msgid(d->r);
	int rc;

	if (row->contact != NULL && strcmp(row->contact->status, "ok") != 0) {
		d->st->skipped++;
		free(msgid);
		return 0;
	}
	buf_init(&msg, RENDER_MSG_MAX);
	rc = render_row(d->r, row, msgid, &msg, d->e);
	if (rc == RENDER_ROW_BAD) {
		/* as a send would: this one fails, the others go on */
		log_warnx("delivery %lld to %s would fail: %s",
			  (long long)row->id, row->rcpt, d->e->msg);
		d->st->failed++;
		rc = 0;
	} else if (rc == 0)
		d->st->rendered++;
	if (rc == 0 && d->o->preview_dir != NULL)
		rc = write_preview(d->o->preview_dir, row->contact != NULL ?
				   row->contact->id : 0, row->rcpt, &msg,
				   d->e);
	buf_free(&msg);
	free(msgid);
	return rc;
}

/* ---- runs ------------------------------------------------------------------- */

/*
 * Every message allocates and frees a few hundred KB (parts, MIME). By
 * default glibc hands that back to the kernel after each message (brk
 * shrink, a TLB shootdown on every CPU), which took a quarter of a
 * 10,000-message run. Keeping up to 8 MB of freed heap costs nothing the
 * memory budget cannot spare.
 */
static void send_tune_malloc(void)
{
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
}

static void stats_from(struct send_stats *st, const struct sender_stats *ss)
{
	st->handed = ss->handed;
	st->sent = ss->sent;
	st->failed = ss->failed;
	st->deferred = ss->deferred;
	st->unknown = ss->unknown;
	st->skipped += ss->skipped;
	st->signal = ss->signal;
}

/* The producer's one write: kind for the campaign's audience, paced per
 * recipient domain as [queue] domain_per_hour says. */
static int plan(struct store *s, const struct config *cfg, int64_t cid,
		const char *kind, long *planned_r, struct err *e)
{
	return store_deliveries_plan_paced(s, cid, kind,
					   cfg->queue.domain_per_hour,
					   planned_r, e);
}

static int campaign_id_cb(void *arg, const struct store_campaign *c)
{
	*(int64_t *)arg = c->id;
	return 0;
}

/* The rows of campaign_id (0: any) that wait: what a run may hand out
 * now, for the progress line (0 when the store cannot say). */
static long send_waiting(struct store *s, int64_t campaign_id,
			 const char *kind, long limit)
{
	long n[STORE_D_N], all = 0;
	struct err e;

	if (campaign_id != 0 &&
	    store_delivery_counts(s, campaign_id, kind, n, &e) == 0)
		all = n[STORE_D_PENDING] + n[STORE_D_UNKNOWN] +
		      n[STORE_D_DEFERRED];
	return limit > 0 && limit < all ? limit : all;
}

static int send_pool(struct store *s, const struct config *cfg,
		     int64_t campaign_id, const char *kind,
		     const struct send_opts *o, struct send_stats *st,
		     struct err *e)
{
	long limit = o != NULL ? o->limit : 0;
	struct sender_opts so = { { campaign_id, kind }, limit, NULL,
				  NULL, NULL, 0 };
	struct sender_stats ss;
	int rc;

	if (o != NULL && o->progress != NULL) {
		so.progress = o->progress;
		so.progress_arg = o->progress_arg;
		so.progress_total = send_waiting(s, campaign_id, kind, limit);
	}
	send_tune_malloc();
	rc = send_pool_run(s, cfg, &so, cfg->smtp.concurrency, &ss, e);
	stats_from(st, &ss);
	return rc;
}

int send_campaign(struct store *s, const struct config *cfg,
		  const char *campaign, const struct send_opts *o,
		  struct send_stats *st, struct err *e)
{
	const char *kind = o->kind != NULL ? o->kind : kind_name(KIND_INVITE);
	struct render *r = NULL;
	struct dry d = { NULL, o, st, e };
	int64_t cid = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!send_kind_ok(kind)) {
		err_set(e, "--kind %s: not a kind of campaign mail (invite, "
			"reminder)", kind);
		return -1;
	}
	rc = store_campaign_find(s, campaign, campaign_id_cb, &cid, e);
	if (rc == 0)
		err_set(e, "campaign '%s': no such campaign (add it with: "
			"anketa campaign add FILE)", campaign);
	if (rc != 1)
		return -1;
	/* nothing new of a closed, stopped, paused or scheduled campaign */
	if (!o->dry_run &&
	    (rc = campaign_may_enqueue(s, cid, store_now(s), e)) != 1) {
		if (rc == 0)
			err_prefix(e, "campaign '%s'", campaign);
		return -1;
	}
	/* a template error stops the run before anything is enqueued */
	rc = render_open(s, cfg, &r, e);
	if (rc == 0)
		rc = render_check(r, cid, kind, e);
	if (rc == 0 && o->preview_dir != NULL &&
	    mkdir(o->preview_dir, 0755) != 0 && errno != EEXIST) {
		err_set(e, "%s: %s", o->preview_dir, strerror(errno));
		rc = -1;
	}
	d.r = r;
	if (rc == 0 && o->dry_run)
		rc = store_deliveries_preview(s, cid, kind, o->limit, dry_cb,
					      &d, e);
	render_free(&r);
	if (rc != 0 || o->dry_run)
		return rc;
	if (plan(s, cfg, cid, kind, &st->planned, e) != 0)
		return -1;
	return send_pool(s, cfg, cid, kind, o, st, e);
}

int send_enqueue(struct store *s, const struct config *cfg,
		 int64_t campaign_id, const char *kind, long *planned_r,
		 struct err *e)
{
	struct render *r = NULL;
	int rc = campaign_may_enqueue(s, campaign_id, store_now(s), e);

	*planned_r = 0;
	if (rc != 1)
		return rc;	/* 0: not now, and that is no error */
	rc = render_open(s, cfg, &r, e);
	if (rc == 0)
		rc = render_check(r, campaign_id, kind, e);
	render_free(&r);
	if (rc == 0)
		rc = plan(s, cfg, campaign_id, kind, planned_r, e);
	return rc;
}

int send_outbox_opts(struct store *s, const struct config *cfg,
		     const struct send_opts *o, struct send_stats *st,
		     struct err *e)
{
	struct send_opts all = { 0 };

	memset(st, 0, sizeof(*st));
	if (o != NULL) {	/* every due row: no limit, no kind */
		all.progress = o->progress;
		all.progress_arg = o->progress_arg;
	}
	return send_pool(s, cfg, 0, NULL, &all, st, e);
}

int send_outbox(struct store *s, const struct config *cfg,
		struct send_stats *st, struct err *e)
{
	return send_outbox_opts(s, cfg, NULL, st, e);
}
