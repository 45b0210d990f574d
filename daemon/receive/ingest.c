/*
 * ingest.c -- the receive pipeline: fetch -> parse (in a worker process)
 * -> classify -> resolve -> trust -> record -> dispose -> feedback. See
 * ingest.h.
 * The mailbox position moves only after a message's transaction commits,
 * so a crash costs at most the message in hand, and the poison mark makes
 * sure that one is quarantined instead of crashing every later run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/kind.h"
#include "receive/answers.h"
#include "receive/fetch.h"
#include "receive/ingest.h"
#include "receive/ingest_worker.h"
#include "base/log.h"
#include "base/mem.h"
#include "receive/record.h"
#include "model/event.h"
#include "receive/rsvp_text.h"
#include "base/json.h"
#include "model/survey.h"
#include "base/tmpl.h"
#include "base/xmem.h"

#define INGEST_IDLE_S 600	/* re-issue IDLE well inside RFC 2177's 29 min */
/* A window: UIDs read with one UID FETCH and disposed with one STORE or
 * MOVE per folder once every one of them is committed. Bodies held at
 * once stay under INGEST_WINDOW_BYTES (plus one message up to
 * max_message_bytes), so memory does not grow with the mailbox. */
#define INGEST_WINDOW 256
#define INGEST_WINDOW_BYTES (4u << 20)

/* Set by the SIGTERM/SIGINT/SIGHUP handler while ingest_run is in idle
 * mode. */
static volatile sig_atomic_t ingest_stop;
/* ... and a byte into this pipe (its read end given to the fetcher's
 * wait), so a signal between the flag's test and the wait still ends
 * the wait at once: the classic lost wake-up of a flag and poll(). */
static int ingest_wake[2] = { -1, -1 };

static void
on_stop(int sig)
{
	int saved = errno;

	(void)sig;
	ingest_stop = 1;
	if (ingest_wake[1] >= 0) {
		ssize_t n = write(ingest_wake[1], "", 1);

		(void)n;	/* full: a byte is already waiting */
	}
	errno = saved;
}

/* Questionnaires' XML read during one run, by store row id: the worker
 * loads them (stage 2). */
struct qcache {
	int64_t *ids;
	char **xml;
	size_t n;
};

struct run {
	struct store *s;
	const struct config *cfg;
	const struct ingest_opts *o;
	struct ingest_stats *st;
	struct fetch *f;
	struct ingest_worker *w;
	struct qcache qc;
	long handled;
	/* the window's committed messages waiting for disposal */
	struct fetch_item *disp;	/* shallow copies: keys borrowed */
	const char **disp_folder;	/* config strings or NULL */
	size_t ndisp;
	int64_t health_ok;	/* when a success was last recorded */
};

/* ---- questionnaires ------------------------------------------------------ */

struct campaign_info {
	int64_t questionnaire_id;
};

static int
take_campaign(void *arg, const struct store_campaign *c)
{
	struct campaign_info *ci = arg;
	ci->questionnaire_id = c->questionnaire_id;
	return 0;
}

/* The questionnaire of a campaign: its row id and XML (borrowed from the
 * run's cache). 1 found, 0 the campaign has none, -1 store error. */
static int
campaign_form(struct run *rn, int64_t campaign_id, int64_t *qid_r,
	      const char **xml_r, struct err *e)
{
	struct campaign_info ci = { 0 };
	if (store_campaign_by_id(rn->s, campaign_id, take_campaign, &ci,
				 e) < 0)
		return -1;
	int64_t qid = ci.questionnaire_id;
	if (qid <= 0)
		return 0;
	for (size_t i = 0; i < rn->qc.n; i++)
		if (rn->qc.ids[i] == qid) {
			*qid_r = qid;
			*xml_r = rn->qc.xml[i];
			return 1;
		}
	char *xml = NULL;
	int r = store_questionnaire_xml(rn->s, qid, &xml, e);
	if (r <= 0)
		return r;
	rn->qc.ids = xreallocarray(rn->qc.ids, rn->qc.n + 1, sizeof(int64_t));
	rn->qc.xml = xreallocarray(rn->qc.xml, rn->qc.n + 1,
				   sizeof(*rn->qc.xml));
	rn->qc.ids[rn->qc.n] = qid;
	rn->qc.xml[rn->qc.n++] = xml;
	*qid_r = qid;
	*xml_r = xml;
	return 1;
}

static void
qcache_free(struct qcache *qc)
{
	for (size_t i = 0; i < qc->n; i++)
		free(qc->xml[i]);
	free(qc->ids);
	free(qc->xml);
	memset(qc, 0, sizeof(*qc));
}

/* ---- deciding the kind --------------------------------------------------- */

/* What one message becomes: the row, its answers and its feedback. */
struct verdict {
	struct record_msg rm;
	struct store_answer *av;	/* owned array, strings borrowed */
	const char **unsure;		/* owned array: unconfirmed qids */
	size_t nunsure;
	struct buf reason;
	char undeliverable[700];
	const char *feedback;		/* "confirm", "problem" or NULL */
	struct event_rsvp rsvp;		/* kind RSVP: rm.rsvp points here */
};

static void
verdict_free(struct verdict *v)
{
	free(v->av);
	free(v->unsure);
	buf_free(&v->reason);
}

static void
reason_add(struct verdict *v, const char *s)
{
	if (s == NULL || *s == '\0')
		return;
	if (v->reason.len)
		buf_adds(&v->reason, "; ");
	buf_adds(&v->reason, s);
}

/* A reply from a matched contact: the answers the worker read against
 * the campaign's questionnaire (stage 2). */
/* A reply to an invitation without a form: a one-click mailto answer
 * (its subject) or a written one ("Да, ще присъствам") is an RSVP to the
 * campaign's event (receive/rsvp_text.h). 1 when it was one. */
static int
written_rsvp(const struct ingest_result *r, struct verdict *v)
{
	enum ical_partstat ps = rsvp_mailto_read(r->subject);
	const char *source = "mailto";

	if (ps == ICAL_PS_NONE) {
		ps = rsvp_text_read(r->reply_text ? r->reply_text : "");
		source = "text";
	}
	if (ps == ICAL_PS_NONE)
		return 0;
	v->rm.in.kind = STORE_I_RSVP;
	v->rm.in.rsvp_partstat = ical_partstat_name(ps);
	v->rsvp.partstat = ical_partstat_name(ps);
	v->rsvp.sequence = -1;	/* answers the time it was sent now */
	v->rsvp.source = source;
	v->rm.rsvp = &v->rsvp;
	v->feedback = kind_name(KIND_CONFIRM);
	return 1;
}

static void
decide_reply(const struct ingest_result *r, struct verdict *v)
{
	struct store_inbound *in = &v->rm.in;
	if (r->form_error[0]) {
		log_warnx("%s: %s", in->src_key, r->form_error);
		in->kind = STORE_I_UNREADABLE;
		reason_add(v, r->form_error);
	} else if (!r->form && written_rsvp(r, v)) {
		return;
	} else if (!r->form) {
		in->kind = STORE_I_UNREADABLE;
		reason_add(v, "a written reply to a campaign without a form");
	} else if (r->none_found) {
		in->kind = STORE_I_UNREADABLE;
		reason_add(v, "no answer lines found");
	} else {
		/* every readable answer is kept; with problems the reply is
		 * listed for staff and the respondent is asked only about
		 * those (unconfirmed ones included) */
		size_t n = r->nanswers;
		in->kind = r->nproblems > 0 ? STORE_I_UNREADABLE :
		    STORE_I_ANSWERS;
		for (size_t i = 0; i < r->nproblems; i++)
			reason_add(v, r->problems[2 * i + 1]);
		v->av = xcalloc(n ? n : 1, sizeof(*v->av));
		v->unsure = xcalloc(n ? n : 1, sizeof(*v->unsure));
		for (size_t i = 0; i < n; i++) {
			v->av[i].question = r->answers[2 * i];
			v->av[i].value = r->answers[2 * i + 1];
			if (r->unsure && r->unsure[i] == '1')
				v->unsure[v->nunsure++] = v->av[i].question;
		}
		v->rm.answers = v->av;
		v->rm.nanswers = n;
		v->rm.unconfirmed = v->unsure;
		v->rm.nunconfirmed = v->nunsure;
		v->feedback = kind_name(r->nproblems > 0 ? KIND_PROBLEM :
					KIND_CONFIRM);
	}
}

static void
decide_bounce(const struct ingest_result *r, struct verdict *v)
{
	struct store_inbound *in = &v->rm.in;
	in->kind = STORE_I_BOUNCE;
	in->bounce_recipient = r->c.bounce_recipient;
	in->bounce_class = r->c.bclass == CLASSIFY_B_NONE ? "" :
	    classify_bclass_name(r->c.bclass);
	in->bounce_status = r->c.bounce_status;
	in->bounce_diag = r->c.bounce_diag;
	if (r->c.bclass == CLASSIFY_B_PERMANENT && in->contact_id > 0) {
		snprintf(v->undeliverable, sizeof(v->undeliverable),
			 "bounce %s: %s", r->c.bounce_status,
			 r->c.bounce_diag);
		v->rm.undeliverable_reason = v->undeliverable;
	}
}

static void
decide(const struct ingest_result *r, const struct ingest_match *m,
       struct verdict *v)
{
	struct store_inbound *in = &v->rm.in;
	char why[512];
	reason_add(v, r->c.reason);
	if (!ingest_trusted(r, m, why, sizeof(why))) {
		/* a person decides; nothing changes the contact, nobody is
		 * answered. A report keeps its fields for that person. */
		if (r->c.kind == CLASSIFY_BOUNCE)
			decide_bounce(r, v);
		v->rm.undeliverable_reason = NULL;
		in->kind = STORE_I_UNMATCHED;
		reason_add(v, why);
		return;
	}
	switch (r->c.kind) {
	case CLASSIFY_BOUNCE:
		decide_bounce(r, v);
		return;
	case CLASSIFY_AUTOREPLY:
		in->kind = STORE_I_AUTOREPLY;
		return;
	case CLASSIFY_OPTOUT:
		/* record.c stops mail to the contact (List-Unsubscribe) */
		in->kind = STORE_I_OPTOUT;
		return;
	case CLASSIFY_RSVP:
		in->kind = STORE_I_RSVP;
		in->rsvp_attendee = r->c.rsvp_attendee;
		in->rsvp_partstat = r->c.rsvp_partstat;
		/* the event by its UID and the SEQUENCE answered; arrival
		 * order: the inbound row's (fetch order). A COUNTER is kept
		 * for the organiser, no answer. */
		if (r->c.rsvp.kind == ICAL_COUNTER) {
			reason_add(v, "COUNTER: the attendee proposes "
				   "another time");
			return;
		}
		v->rsvp.uid = r->c.rsvp_uid;
		v->rsvp.partstat = r->c.rsvp_partstat;
		v->rsvp.sequence = r->c.rsvp.sequence;
		v->rsvp.source = "imip";
		v->rsvp.delegate_email = r->c.rsvp.delegated_to;
		v->rm.rsvp = &v->rsvp;
		return;
	case CLASSIFY_REPLY:
		break;
	}
	if (m->trust == INGEST_TRUST_DOMAIN) {
		char dv[300];
		snprintf(dv, sizeof(dv), "domain-verified (%.*s)",
			 (int)strnlen(r->c.auth_note, sizeof(r->c.auth_note)),
			 r->c.auth_note);
		reason_add(v, dv);
	}
	if (m->campaign_id <= 0) {
		in->kind = STORE_I_UNMATCHED;
		/* the match's note says why when several were open */
		if (m->note == NULL)
			reason_add(v, m->contact_id ? "sender known, but no "
				   "campaign was sent to them" : "no token, "
				   "thread or known sender");
		return;
	}
	decide_reply(r, v);
}

/* ---- feedback ------------------------------------------------------------ */

/* Never answer machines, lists or ourselves; at most feedback_max_per_day
 * confirmations and problem notes per contact. */
static int
feedback_allowed(struct run *rn, const struct ingest_result *r,
		 const struct verdict *v)
{
	const struct config *cfg = rn->cfg;
	if (!cfg->feedback || rn->o->no_feedback || v->feedback == NULL)
		return 0;
	if (r->c.is_list || r->c.from_us || v->rm.in.contact_id <= 0 ||
	    v->rm.in.campaign_id <= 0)
		return 0;
	if (cfg->from_address && strcasecmp(r->from_addr, cfg->from_address)
	    == 0)
		return 0;
	long n = 0, total = 0;
	struct err e;
	int64_t since = (int64_t)time(NULL) - 86400;
	for (int k = KIND_NCAMPAIGN; k < KIND_NFEEDBACK; k++) {
		if (store_deliveries_count_since(rn->s, v->rm.in.contact_id,
						 kind_name(k), since, &n,
						 &e) < 0) {
			log_warnx("feedback: %s", e.msg);
			return 0;
		}
		total += n;
	}
	return total < cfg->feedback_max_per_day;
}

/* The confirmation or problem note a reply earns, as an outbox row with
 * what it will list (answers "a:QID", problems "p:QID"; see render.h),
 * enqueued by record_message in the reply's own transaction: a crash
 * loses both or neither, and SMTP being down delays only the mail. */
static struct store_enqueue *
feedback_row(struct run *rn, const struct ingest_result *r,
	     const struct verdict *v, struct store_enqueue *q, struct buf *js)
{
	size_t np = v->feedback ? r->nproblems : 0;
	if (!feedback_allowed(rn, r, v))
		return NULL;
	buf_adds(js, "{");
	int first = 1;
	for (size_t i = 0; i < v->rm.nanswers + np; i++) {
		const char *qid, *val;
		char key[256];
		int ans = i < v->rm.nanswers;
		/* an unconfirmed answer is asked back, not listed as kept */
		if (ans && r->unsure && r->unsure[i] == '1')
			continue;
		if (ans) {
			qid = v->rm.answers[i].question;
			val = v->rm.answers[i].value;
		} else {
			qid = r->problems[2 * (i - v->rm.nanswers)];
			val = r->problems[2 * (i - v->rm.nanswers) + 1];
		}
		snprintf(key, sizeof(key), "%s:%s", ans ? "a" : "p", qid);
		json_kv_str(js, first, key, val);
		first = 0;
	}
	buf_adds(js, "}");
	*q = (struct store_enqueue){
		.campaign_id = v->rm.in.campaign_id,
		.contact_id = v->rm.in.contact_id,
		.kind = v->feedback,
		.in_reply_to = r->message_id[0] ?
		    xasprintf("<%s>", r->message_id) : NULL,
		.vars = buf_cstr(js),
	};
	return q;
}

/* ---- one message ----------------------------------------------------------- */

static const char *
folder_for(const struct config_imap *c, enum store_ikind k)
{
	switch (k) {
	case STORE_I_BOUNCE:
		return c->folder_bounces;
	case STORE_I_AUTOREPLY:
		return c->folder_autoreplies;
	case STORE_I_OPTOUT:
	case STORE_I_UNMATCHED:
	case STORE_I_UNREADABLE:
	case STORE_I_QUARANTINE:
		return c->folder_review;
	default:
		return c->folder_processed;
	}
}

static void
count(struct ingest_stats *st, enum store_ikind k)
{
	long *c[] = {
		[STORE_I_ANSWERS] = &st->answers, [STORE_I_RSVP] = &st->rsvp,
		[STORE_I_BOUNCE] = &st->bounces,
		[STORE_I_AUTOREPLY] = &st->autoreplies,
		[STORE_I_OPTOUT] = &st->optouts,
		[STORE_I_UNMATCHED] = &st->unmatched,
		[STORE_I_UNREADABLE] = &st->unreadable,
		[STORE_I_QUARANTINE] = &st->quarantined,
		[STORE_I_DUPLICATE] = &st->duplicates,
	};
	if ((size_t)k < sizeof(c) / sizeof(c[0]) && c[k])
		(*c[k])++;
}

/* Kinds a person must look at keep their raw bytes. */
static int
keeps_raw(enum store_ikind k)
{
	return k == STORE_I_UNMATCHED || k == STORE_I_UNREADABLE ||
	    k == STORE_I_QUARANTINE || k == STORE_I_OPTOUT;
}

/* Fill the row from the worker's answer and the match. */
static void
verdict_fill(struct verdict *v, const char *key, const struct ingest_result *r,
	     const struct ingest_match *m)
{
	struct store_inbound *in = &v->rm.in;
	in->src_key = key;
	in->message_id = r->message_id;
	in->from_addr = r->from_addr;
	in->subject = r->subject;
	in->date = r->date;
	in->charset = r->charset;
	in->contact_id = m->contact_id;
	in->campaign_id = m->campaign_id;
	in->delivery_id = m->delivery_id;
	in->answered_by = m->answered_by;
	in->reply_text = r->reply_text;
	reason_add(v, m->note);	/* a key set aside, and why */
	if (r->charset_guessed)
		reason_add(v, "charset (guessed)");
	reason_add(v, r->notes);
}

/* ---- one message: verdict, record, after the commit ---------------------- */

/* One message between reading and recording; everything a verdict
 * borrows lives here until its commit and feedback are done. */
struct handled {
	const struct fetch_item *it;
	struct ingest_result r;
	int have_r, have_m, recorded;
	struct ingest_match m;
	struct verdict v;
	char *batch_mark;	/* "batch:KEY" (owned) */
};

#define BATCH_MARK_PREFIX "batch:"

/* Drop what the worker and the match gave h (also when it is
 * quarantined after stage 1). */
static void
handled_forget(struct handled *h)
{
	if (h->have_r)
		ingest_result_clear(&h->r);
	if (h->have_m)
		ingest_match_clear(&h->m);
	h->have_r = h->have_m = 0;
}

static void
handled_clear(struct handled *h)
{
	handled_forget(h);
	verdict_free(&h->v);
	free(h->batch_mark);
	/* no pointer left dangling; the worker's result (tens of KB, one
	 * per message) is not zeroed again: handled_forget emptied it */
	h->batch_mark = NULL;
	h->v = (struct verdict){ 0 };
}

static void
verdict_quarantine(struct handled *h, const char *why)
{
	buf_init(&h->v.reason, 4096);
	h->v.rm.in.src_key = h->it->key;
	h->v.rm.in.kind = STORE_I_QUARANTINE;
	reason_add(&h->v, why);
	log_warnx("%s: quarantined: %s", h->it->key, why);
}

/* A person said whose reply this is (anketa review assign). */
static void
match_assigned(struct ingest_match *m, const struct ingest_opts *o)
{
	if (m->contact_id != o->contact_id ||
	    m->campaign_id != o->campaign_id) {
		m->delivery_id = 0;
		free(m->answered_by);
		m->answered_by = NULL;
	}
	m->contact_id = o->contact_id;
	m->campaign_id = o->campaign_id;
	m->how = "review";
	m->trust = INGEST_TRUST_DELIVERY;
}

static int
resolve_once(struct run *rn, struct handled *h, struct err *e)
{
	if (h->have_m)
		return 0;
	if (ingest_resolve(rn->s, &h->r, &h->m, e) < 0)
		return -1;
	h->have_m = 1;
	if (rn->o->contact_id > 0 && rn->o->campaign_id > 0)
		match_assigned(&h->m, rn->o);
	return 0;
}

/* The verdict on a parsed (and read) message. -1 store error. */
static int
verdict_parsed(struct run *rn, struct handled *h, struct err *e)
{
	if (resolve_once(rn, h, e) < 0)
		return -1;
	buf_init(&h->v.reason, 8192);
	verdict_fill(&h->v, h->it->key, &h->r, &h->m);
	if (h->r.parsed) {
		decide(&h->r, &h->m, &h->v);
		return 0;
	}
	h->v.rm.in.kind = STORE_I_UNREADABLE;
	reason_add(&h->v, h->r.c.reason);
	return 0;
}

/* ---- stage 2: reading with what the store knows ---------------------------- */

/* Stage 2's request for h, resolved first: its text, the fingerprint of
 * the delivery it answers, and the questionnaire when it is a reply to
 * a campaign that has one. 0, -1 store error. */
static int
read_request(struct run *rn, struct handled *h, struct buf *req,
	     struct err *e)
{
	struct ingest_read_req q = { .text = h->r.text };
	unsigned char *fp = NULL;
	if (resolve_once(rn, h, e) < 0)
		return -1;
	if (h->m.delivery_id > 0 && store_delivery_fprint(rn->s,
	    h->m.delivery_id, &fp, &q.fprint_len, e) < 0)
		return -1;
	q.fprint = fp;
	if (h->r.c.kind == CLASSIFY_REPLY && h->m.campaign_id > 0 &&
	    campaign_form(rn, h->m.campaign_id, &q.form_id, &q.form_xml,
			  e) < 0) {
		free(fp);
		return -1;
	}
	buf_init(req, 0);	/* text and XML are bounded already */
	ingest_read_pack(&q, req);
	free(fp);
	return 0;
}

/* Take stage 2's answer into h: the split and the answers; a worker that
 * died or hung on it quarantines the message, as in stage 1. */
static void
read_taken(struct handled *h, struct ingest_worker_job *jb)
{
	struct ingest_result *a = &jb->r, *r = &h->r;
	if (!jb->ok) {
		char reason[600];
		snprintf(reason, sizeof(reason), "reading crashed or hung on "
			 "this message: %s", jb->why);
		handled_forget(h);
		verdict_quarantine(h, reason);
		return;
	}
	if (!a->parsed) {	/* too large to answer */
		r->parsed = 0;
		snprintf(r->c.reason, sizeof(r->c.reason), "%s", a->c.reason);
	} else {
		char **mv[] = { &r->reply_text, &r->quoted_text,
				&r->form_error, &r->unsure };
		char **from[] = { &a->reply_text, &a->quoted_text,
				  &a->form_error, &a->unsure };
		for (size_t i = 0; i < 4; i++) {
			free(*mv[i]);
			*mv[i] = *from[i];
			*from[i] = NULL;
		}
		r->read = 1;
		r->by_fprint = a->by_fprint;
		r->form = a->form;
		r->none_found = a->none_found;
		/* swapped: a's clear frees stage 1's empty lists */
		struct ingest_result t = *r;
		r->answers = a->answers;
		r->nanswers = a->nanswers;
		r->problems = a->problems;
		r->nproblems = a->nproblems;
		a->answers = t.answers;
		a->nanswers = t.nanswers;
		a->problems = t.problems;
		a->nproblems = t.nproblems;
	}
	free(r->text);		/* read: no longer needed */
	r->text = xstrdup("");
	ingest_result_clear(a);
}

/* Stage 2 for every message of h[0..n) stage 1 parsed, streamed through
 * the worker like stage 1. Resolving reads the store under one lock.
 * 0, -1 store error. */
static int
read_batch(struct run *rn, struct handled *h, size_t n, struct err *e)
{
	struct ingest_worker_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	struct buf *req = xcalloc(n ? n : 1, sizeof(*req));
	size_t *of = xcalloc(n ? n : 1, sizeof(*of)), nj = 0;
	int begun = store_begin(rn->s, e) == 0, ret = begun ? 0 : -1;
	for (size_t j = 0; j < n && ret == 0; j++) {
		if (!h[j].have_r || !h[j].r.parsed)
			continue;
		if (read_request(rn, &h[j], &req[nj], e) < 0) {
			ret = -1;
			break;
		}
		jobs[nj] = (struct ingest_worker_job){ .raw = req[nj].data,
			.len = req[nj].len, .read = 1 };
		of[nj++] = j;
	}
	if (begun)
		store_rollback(rn->s);	/* read only */
	if (ret == 0)
		ingest_worker_parse_many(&rn->w, rn->cfg, jobs, nj);
	for (size_t k = 0; k < nj; k++) {
		if (ret == 0)
			read_taken(&h[of[k]], &jobs[k]);
		buf_free(&req[k]);
	}
	free(of);
	free(req);
	free(jobs);
	return ret;
}

/* Parse in the worker; a worker that dies or hangs quarantines the
 * message. The caller has made the poison mark durable. */
static void
parse_in_worker(struct run *rn, struct handled *h, const char *raw,
		size_t len)
{
	char why[512];
	if (ingest_worker_parse(&rn->w, rn->cfg, raw, len, &h->r, why,
				sizeof(why)) == 1) {
		h->have_r = 1;
		return;
	}
	char reason[600];
	snprintf(reason, sizeof(reason), "parser crashed or hung on this "
		 "message: %s", why);
	verdict_quarantine(h, reason);
}

/* Record h with its marks cleared in the same transaction (the caller's
 * when in_tx). 0 (h->recorded says whether it was new), -1 store error. */
static int
record_handled(struct run *rn, struct handled *h, const char *raw,
	       size_t len, int in_tx, struct err *e)
{
	struct store_inbound *in = &h->v.rm.in;
	if (keeps_raw(in->kind)) {
		in->raw = raw;
		in->raw_len = len;
	}
	in->reason = buf_cstr(&h->v.reason);
	h->v.rm.clear_marks[0] = h->it->key;
	h->v.rm.clear_marks[1] = h->batch_mark;
	h->v.rm.in_tx = in_tx;
	h->v.rm.again = rn->o->again;
	struct store_enqueue q = {0};
	struct buf js;
	buf_init(&js, 1024 * 1024);
	h->v.rm.feedback = h->have_r && in->kind != STORE_I_DUPLICATE ?
	    feedback_row(rn, &h->r, &h->v, &q, &js) : NULL;
	int rec = record_message(rn->s, &h->v.rm, NULL, e);
	if (h->v.rm.feedback)
		free((char *)q.in_reply_to);
	h->v.rm.feedback = NULL;
	buf_free(&js);
	if (rec < 0)
		return -1;
	h->recorded = rec == 1;
	/* recorded meanwhile: only the marks are left to clear */
	for (size_t i = 0; rec == 0 && i < 2; i++)
		if (h->v.rm.clear_marks[i] && store_inbound_parsing_clear(
		    rn->s, h->v.rm.clear_marks[i], e) < 0)
			return -1;
	return 0;
}

/* Once committed: count, log, queue the disposal for the end of the
 * window (the feedback is in the outbox already). */
static void
after_commit(struct run *rn, struct handled *h)
{
	const struct store_inbound *in = &h->v.rm.in;
	if (!h->recorded)
		return;
	rn->st->seen++;
	count(rn->st, in->kind);
	log_info("%s: %s%s%s", h->it->key, store_ikind_name(in->kind),
		 in->reason[0] ? ": " : "", in->reason);
	rn->disp[rn->ndisp] = *h->it;
	rn->disp_folder[rn->ndisp++] = folder_for(&rn->cfg->imap, in->kind);
}

/* ---- a batch of messages --------------------------------------------------- */

/* Marks a dead run left on a message (classify_window). */
enum { MARK_EXACT = 1, MARK_BATCH = 2 };

/* One message alone under its own mark, in its own commit: the careful
 * way for a batch in which a run died. A message with its own mark left
 * is quarantined unparsed (the run died on it); one with only the batch
 * mark gets its own mark, so dying again names it. -1 store error. */
static int
handle_alone(struct run *rn, const struct fetch_item *it, int marks,
	     const struct fetch_body *b, struct err *e)
{
	struct handled h = { .it = it };
	h.batch_mark = xasprintf(BATCH_MARK_PREFIX "%s", it->key);
	int ret = 0;
	if (b->raw == NULL)
		verdict_quarantine(&h, b->why);
	else if (marks & MARK_EXACT)
		verdict_quarantine(&h, "parser crashed or hung on this message "
				   "(an earlier run died on it)");
	else if (store_inbound_parsing(rn->s, it->key, e) < 0)
		ret = -1;
	else {
		parse_in_worker(rn, &h, b->raw, b->len);
		if (h.have_r && (read_batch(rn, &h, 1, e) < 0 ||
				 verdict_parsed(rn, &h, e) < 0))
			ret = -1;
	}
	if (ret == 0)
		ret = record_handled(rn, &h, b->raw, b->len, 0, e);
	if (ret == 0)
		after_commit(rn, &h);
	handled_clear(&h);
	return ret;
}

/* Set the batch marks of every message about to be parsed: one commit. */
static int
mark_batch(struct run *rn, struct handled *h, const struct fetch_body *b,
	   size_t n, struct err *e)
{
	if (store_begin(rn->s, e) < 0)
		return -1;
	for (size_t j = 0; j < n; j++)
		if (b[j].raw != NULL &&
		    store_inbound_parsing(rn->s, h[j].batch_mark, e) < 0) {
			store_rollback(rn->s);
			return -1;
		}
	return store_commit(rn->s, e) < 0 ? -1 : 0;
}

/* Record every message of the batch in one transaction: each record
 * with its effects and its marks, all or none; nothing is disposed or
 * answered before the commit. -1 store error (rolled back). */
static int
record_group(struct run *rn, struct handled *h, const struct fetch_body *b,
	     size_t n, struct err *e)
{
	if (store_begin(rn->s, e) < 0)
		return -1;
	for (size_t j = 0; j < n; j++)
		if ((h[j].have_r && verdict_parsed(rn, &h[j], e) < 0) ||
		    record_handled(rn, &h[j], b[j].raw, b[j].len, 1, e) < 0) {
			store_rollback(rn->s);
			return -1;
		}
	if (store_commit(rn->s, e) < 0)
		return -1;
	for (size_t j = 0; j < n; j++)
		after_commit(rn, &h[j]);
	return 0;
}

/* Parse the batch's messages, streamed through the worker; a message
 * it died or hung on is quarantined, one too large or gone as well. */
static void
parse_batch(struct run *rn, struct handled *h, const struct fetch_body *b,
	    size_t n)
{
	struct ingest_worker_job *jobs = xcalloc(n, sizeof(*jobs));
	size_t nj = 0;
	for (size_t j = 0; j < n; j++)
		if (b[j].raw != NULL)
			jobs[nj++] = (struct ingest_worker_job){
				.raw = b[j].raw, .len = b[j].len };
	ingest_worker_parse_many(&rn->w, rn->cfg, jobs, nj);
	for (size_t j = 0, k = 0; j < n; j++) {
		if (b[j].raw == NULL) {	/* too large or gone: a person */
			verdict_quarantine(&h[j], b[j].why);
			continue;
		}
		struct ingest_worker_job *jb = &jobs[k++];
		if (jb->ok) {
			h[j].r = jb->r;	/* moved */
			h[j].have_r = 1;
		} else {
			char reason[600];
			snprintf(reason, sizeof(reason), "parser crashed or "
				 "hung on this message: %s", jb->why);
			verdict_quarantine(&h[j], reason);
		}
	}
	free(jobs);
}

/* A batch read in one command: one commit marks the messages to parse
 * (durable before any parse, as the poison guard needs), the worker
 * parses them one by one, one commit records them all. A run that dies
 * in between leaves batch marks, and the next run takes that batch one
 * message at a time (handle_alone), so the poison still costs one
 * message. 0 or -2 (store error). */
static int
record_batch(struct run *rn, const struct fetch_item *todo,
	     const unsigned char *marks, const struct fetch_body *b, size_t n,
	     struct err *e)
{
	int careful = 0, ret = 0;
	for (size_t j = 0; j < n; j++)
		careful |= marks[j] != 0;
	if (careful) {
		for (size_t j = 0; j < n && ret == 0; j++)
			ret = handle_alone(rn, &todo[j], marks[j], &b[j], e);
		return ret < 0 ? -2 : 0;
	}
	struct handled *h = xcalloc(n, sizeof(*h));
	for (size_t j = 0; j < n; j++) {
		h[j].it = &todo[j];
		h[j].batch_mark = xasprintf(BATCH_MARK_PREFIX "%s",
					    todo[j].key);
	}
	if (mark_batch(rn, h, b, n, e) < 0)
		ret = -2;
	if (ret == 0)
		parse_batch(rn, h, b, n);
	if (ret == 0 && read_batch(rn, h, n, e) < 0)
		ret = -2;
	if (ret == 0 && record_group(rn, h, b, n, e) < 0)
		ret = -2;
	for (size_t j = 0; j < n; j++)
		handled_clear(&h[j]);
	free(h);
	return ret;
}

/* ---- a window of messages ------------------------------------------------ */

/* Read bodies from todo[i] on: a batch within the byte budget, or, when
 * the server refuses the batch, todo[i] alone (a refusal of that one
 * becomes its reason). 1 (*got_r bodies), -1 connection lost. */
static int
read_bodies(struct run *rn, const struct fetch_item *todo, size_t n,
	    struct fetch_body *out, size_t *got_r, struct err *e)
{
	size_t max = rn->cfg->max_message_bytes > 0 ?
	    (size_t)rn->cfg->max_message_bytes : 0;
	struct err ge;
	int g = fetch_get_many(rn->f, todo, n, max, INGEST_WINDOW_BYTES, out,
			       got_r, &ge);
	if (g == 0 && n > 1)
		g = fetch_get_many(rn->f, todo, 1, max, 0, out, got_r, &ge);
	if (g == 0) {
		/* too large or gone: a person decides; nothing to parse */
		out[0].why = xstrdup(ge.msg);
		*got_r = 1;
		g = 1;
	}
	if (g < 0)
		*e = ge;
	return g;
}

/* Dispose the window's committed messages: one batch per folder. 0 done
 * (a message the server would not move is a warning), -1 connection
 * lost. */
static int
dispose_window(struct run *rn, struct err *e)
{
	struct fetch_item *batch = xcalloc(rn->ndisp ? rn->ndisp : 1,
					   sizeof(*batch));
	int ret = 0;
	for (size_t i = 0; i < rn->ndisp && ret == 0; i++) {
		const char *folder = rn->disp_folder[i];
		if (rn->disp[i].key == NULL)
			continue;	/* taken by an earlier folder's batch */
		size_t nb = 0;
		for (size_t j = i; j < rn->ndisp; j++) {
			const char *fj = rn->disp_folder[j];
			if (rn->disp[j].key == NULL || (fj != folder &&
			    (fj == NULL || folder == NULL ||
			     strcmp(fj, folder) != 0)))
				continue;
			batch[nb++] = rn->disp[j];
			rn->disp[j].key = NULL;
		}
		struct err de;
		int d = fetch_dispose_many(rn->f, batch, nb, folder, &de);
		if (d < 0) {
			*e = de;
			ret = -1;
		} else if (d == 0) {
			log_warnx("%s", de.msg);
			rn->st->errors++;
		}
	}
	free(batch);
	rn->ndisp = 0;
	return ret;
}

/* Parse and record todo[0..n), reading bodies in byte-bounded batches.
 * 0, -1 connection lost, -2 store error. */
static int
record_window(struct run *rn, const struct fetch_item *todo,
	      const unsigned char *marks, size_t n, struct err *e)
{
	struct fetch_body *b = xcalloc(n ? n : 1, sizeof(*b));
	int ret = 0;
	for (size_t i = 0; i < n && ret == 0;) {
		size_t got = 0;
		if (read_bodies(rn, todo + i, n - i, b + i, &got, e) < 0)
			return free(b), -1;
		ret = record_batch(rn, todo + i, marks + i, b + i, got, e);
		fetch_bodies_clear(b + i, got);	/* memory stays flat */
		i += got;
	}
	free(b);
	return ret;
}

/* Which of the window's messages are new (into todo) and which of those
 * a dead run left marked (marks[]): lookups under one lock, not three
 * per message. 0 or -2 (store error). */
static int
classify_window(struct run *rn, const struct fetch_item *items, size_t n,
		struct fetch_item *todo, unsigned char *marks, size_t *ntodo_r,
		struct err *e)
{
	if (store_begin(rn->s, e) < 0)
		return -2;
	int ret = 0;
	for (size_t i = 0; i < n && ret == 0; i++) {
		int seen = store_inbound_seen(rn->s, items[i].key, NULL, e);
		if (seen != 0) {
			ret = seen < 0 ? -2 : 0;
			continue;
		}
		char *bk = xasprintf(BATCH_MARK_PREFIX "%s", items[i].key);
		int x = store_inbound_parsing_left(rn->s, items[i].key, e);
		int y = x < 0 ? -1 : store_inbound_parsing_left(rn->s, bk, e);
		free(bk);
		if (x < 0 || y < 0)
			ret = -2;
		marks[*ntodo_r] = (unsigned char)((x > 0 ? MARK_EXACT : 0) |
						  (y > 0 ? MARK_BATCH : 0));
		todo[(*ntodo_r)++] = items[i];
	}
	store_rollback(rn->s);	/* read only */
	return ret;
}

/* One window: skip what is recorded, record the rest batch by batch
 * (record_batch), then dispose of them, one command per folder. Whatever stops the
 * window, committed messages are still disposed unless the connection is
 * gone; a crash before that leaves them in place, and the next run skips
 * them as recorded. 0, -1 connection lost, -2 store error. */
static int
ingest_window(struct run *rn, const struct fetch_item *items, size_t n,
	      struct err *e)
{
	struct fetch_item *todo = xcalloc(n, sizeof(*todo));
	unsigned char *marks = xcalloc(n, 1);
	size_t ntodo = 0;
	int ret = classify_window(rn, items, n, todo, marks, &ntodo, e);
	rn->disp = xcalloc(n, sizeof(*rn->disp));
	rn->disp_folder = xcalloc(n, sizeof(*rn->disp_folder));
	rn->ndisp = 0;
	if (ret == 0)
		ret = record_window(rn, todo, marks, ntodo, e);
	if (ret != -1) {
		struct err de;
		if (dispose_window(rn, &de) < 0) {
			if (ret == 0)
				*e = de;
			ret = ret == 0 ? -1 : ret;
		}
	}
	free(rn->disp);
	free(rn->disp_folder);
	rn->disp = NULL;
	rn->disp_folder = NULL;
	rn->ndisp = 0;
	free(todo);
	free(marks);
	return ret;
}

/* ---- passes and the run ------------------------------------------------- */

static int
position(struct run *rn, uint32_t *last_r, struct err *e)
{
	uint32_t uv = fetch_uidvalidity(rn->f), stored_uv = 0, last = 0;
	*last_r = 0;
	if (uv == 0)
		return 0;
	int r = store_mailbox_get(rn->s, fetch_source(rn->f), &stored_uv,
				  &last, e);
	if (r < 0)
		return -1;
	if (r == 1 && stored_uv != uv) {
		/* the server renumbered: start over; Message-IDs catch what
		 * was recorded under the old numbers */
		log_notice("%s: UIDVALIDITY %u -> %u: reading the mailbox "
			   "again", fetch_source(rn->f), stored_uv, uv);
		last = 0;
	}
	*last_r = r == 1 && stored_uv == uv ? last : 0;
	return 0;
}

/* One pass over what is new. 0 done, -1 connection lost (retry),
 * -2 store error or permanent refusal (stop); e set. */
static int
ingest_pass(struct run *rn, struct err *e)
{
	uint32_t last;
	if (position(rn, &last, e) < 0)
		return -2;
	struct fetch_item *items = NULL;
	size_t n = 0;
	int r = fetch_list(rn->f, last, &items, &n, e);
	if (r != 1)
		return r < 0 ? -1 : -2;
	int ret = 0;
	uint32_t uv = fetch_uidvalidity(rn->f);
	long total = rn->handled + (long)n;
	if (rn->o->limit > 0 && total > rn->o->limit)
		total = rn->o->limit;
	for (size_t i = 0; i < n && !ingest_stop;) {
		size_t w = n - i < INGEST_WINDOW ? n - i : INGEST_WINDOW;
		if (rn->o->limit > 0) {
			if (rn->handled >= rn->o->limit)
				break;
			if ((long)w > rn->o->limit - rn->handled)
				w = (size_t)(rn->o->limit - rn->handled);
		}
		if ((ret = ingest_window(rn, items + i, w, e)) < 0)
			break;
		rn->handled += (long)w;
		i += w;
		if (rn->o->progress != NULL)
			rn->o->progress(rn->o->progress_arg, rn->handled,
					total);
		/* the position moves past a window only when all of it is
		 * committed and disposed */
		if (uv != 0 && store_mailbox_set(rn->s, fetch_source(rn->f),
						 uv, items[i - 1].uid, e) < 0) {
			ret = -2;
			break;
		}
	}
	fetch_items_free(&items, n);
	return ret;
}

/* How long a recorded success stands before a pass records it again:
 * an idle fetcher's store stays still between messages. */
#define INGEST_HEALTH_S 60

/* Say in the store how the pass went (why NULL: it went through) for
 * `anketa status`; a failure is always recorded, a success when the
 * last thing said was a failure or INGEST_HEALTH_S ago. Trouble writing
 * it is logged: the fetch itself goes on. */
static void
health(struct run *rn, const char *why)
{
	const char *src = rn->o->source ? rn->o->source : rn->cfg->imap.url;
	int64_t now = store_now(rn->s);
	struct err he;

	if (why == NULL && rn->health_ok != 0 &&
	    now - rn->health_ok < INGEST_HEALTH_S)
		return;
	if (store_mailbox_health(rn->s, src, why, &he) < 0)
		log_warnx("%s", he.msg);
	else
		rn->health_ok = why == NULL ? now : 0;
}

static int
connect_source(struct run *rn, struct err *e)
{
	int r = fetch_open(rn->o->source, &rn->cfg->imap, &rn->f, e);
	if (r == 1)
		fetch_set_wake(rn->f, ingest_wake[0]);
	if (r == 1)
		log_debug("%s: open, UIDVALIDITY %u", fetch_source(rn->f),
			  fetch_uidvalidity(rn->f));
	return r;
}

/* Wait delay_s seconds unless asked to stop. */
static void
pause_s(unsigned delay_s)
{
	struct timespec ts = { .tv_sec = delay_s, .tv_nsec = 0 };
	while (!ingest_stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* IDLE mode: pass, wait, pass ... reconnecting with back-off on
 * temporary trouble; a refused login or a store error ends it. */
static int
ingest_idle_loop(struct run *rn, struct err *e)
{
	unsigned backoff = 0;
	while (!ingest_stop) {
		int r = rn->f ? 1 : connect_source(rn, e);
		if (r == 0) {
			health(rn, e->msg);
			return -1;	/* a person must fix the config */
		}
		if (r == 1) {
			r = ingest_pass(rn, e);
			health(rn, r == 0 ? NULL : e->msg);
			if (r == -2)
				return -1;
			if (r == 0) {
				backoff = 0;
				/* what the pass read is not needed while
				 * waiting: the page cache, the free heap */
				store_shrink(rn->s);
				mem_idle(MEM_TRIM);
				if (fetch_idle(rn->f, INGEST_IDLE_S, e) >= 0)
					continue;
			}
		} else
			health(rn, e->msg);
		fetch_close(&rn->f);
		backoff = fetch_backoff_next(backoff);
		log_warnx("%s; retrying in %u s", e->msg, backoff);
		pause_s(backoff);
	}
	return 0;
}

int
ingest_run(struct store *s, const struct config *cfg,
	   const struct ingest_opts *o, struct ingest_stats *st,
	   struct err *e)
{
	struct run rn = { .s = s, .cfg = cfg, .o = o, .st = st };
	struct sigaction sa = { .sa_handler = on_stop }, old_term, old_int,
	    old_hup;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	int ret;
	ingest_stop = 0;
	/* libetpan writes to a plain (non-TLS) socket without MSG_NOSIGNAL:
	 * a server gone away would kill the run with SIGPIPE instead of
	 * failing the write (EPIPE -> reconnect). The worker's socket
	 * writes use MSG_NOSIGNAL, so nothing relies on the signal. */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	if (o->idle) {
		if (pipe2(ingest_wake, O_NONBLOCK | O_CLOEXEC) < 0)
			ingest_wake[0] = ingest_wake[1] = -1;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, &old_term);
		sigaction(SIGINT, &sa, &old_int);
		/* SIGHUP: the daemon reloaded its configuration and starts
		 * this fetcher again with it */
		sigaction(SIGHUP, &sa, &old_hup);
		ret = ingest_idle_loop(&rn, e);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		for (int i = 0; i < 2; i++)
			if (ingest_wake[i] >= 0) {
				close(ingest_wake[i]);
				ingest_wake[i] = -1;
			}
	} else {
		ret = connect_source(&rn, e);
		ret = ret == 1 && ingest_pass(&rn, e) == 0 ? 0 : -1;
		health(&rn, ret == 0 ? NULL : e->msg);
	}
	fetch_close(&rn.f);	/* LOGOUT may still write to a dead socket */
	ingest_worker_free(&rn.w);
	qcache_free(&rn.qc);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return ret;
}
