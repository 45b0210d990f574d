/*
 * ingest.c -- the receive pipeline: fetch -> parse (in a worker process)
 * -> classify -> resolve -> record -> dispose -> feedback. See ingest.h.
 * The mailbox position moves only after a message's transaction commits,
 * so a crash costs at most the message in hand, and the poison mark makes
 * sure that one is quarantined instead of crashing every later run.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "answers.h"
#include "fetch.h"
#include "ingest.h"
#include "ingest_worker.h"
#include "log.h"
#include "record.h"
#include "send.h"
#include "survey.h"
#include "tmpl.h"
#include "xmem.h"

#define INGEST_IDLE_S 600	/* re-issue IDLE well inside RFC 2177's 29 min */

/* Set by the SIGTERM/SIGINT handler while ingest_run is in idle mode. */
static volatile sig_atomic_t ingest_stop;

static void
on_stop(int sig)
{
	(void)sig;
	ingest_stop = 1;
}

/* Questionnaires loaded during one run, by store row id. */
struct qcache {
	int64_t *ids;
	struct survey **sv;
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
	int dispose_failed;	/* the last -1 came from the server */
};

/* ---- questionnaires ------------------------------------------------------ */

struct campaign_info {
	int64_t questionnaire_id;
	char *name;
};

static int
take_campaign(void *arg, const struct store_campaign *c)
{
	struct campaign_info *ci = arg;
	ci->questionnaire_id = c->questionnaire_id;
	ci->name = xstrdup(c->name);
	return 0;
}

/* The questionnaire of a campaign, loaded once per run. 1 found, 0 the
 * campaign has none, -1 error (store, or stored XML no longer valid). */
static int
qcache_get(struct run *rn, int64_t qid, const struct survey **sv_r,
	   struct err *e)
{
	for (size_t i = 0; i < rn->qc.n; i++)
		if (rn->qc.ids[i] == qid) {
			*sv_r = rn->qc.sv[i];
			return 1;
		}
	char *xml = NULL;
	int r = store_questionnaire_xml(rn->s, qid, &xml, e);
	if (r <= 0)
		return r;
	char name[64];
	snprintf(name, sizeof(name), "questionnaire #%lld", (long long)qid);
	struct survey *sv = NULL;
	struct errlist errs = { 0 };
	r = survey_load_memory(xml, strlen(xml), name, rn->cfg->schema_path,
			       &sv, &errs);
	free(xml);
	if (r < 0) {
		err_set(e, "%s", errs.n ? errs.v[0] : name);
		errlist_free(&errs);
		return -1;
	}
	errlist_free(&errs);
	rn->qc.ids = xreallocarray(rn->qc.ids, rn->qc.n + 1, sizeof(int64_t));
	rn->qc.sv = xreallocarray(rn->qc.sv, rn->qc.n + 1, sizeof(*rn->qc.sv));
	rn->qc.ids[rn->qc.n] = qid;
	rn->qc.sv[rn->qc.n++] = sv;
	*sv_r = sv;
	return 1;
}

static void
qcache_free(struct qcache *qc)
{
	for (size_t i = 0; i < qc->n; i++)
		survey_free(&qc->sv[i]);
	free(qc->ids);
	free(qc->sv);
	memset(qc, 0, sizeof(*qc));
}

/* ---- deciding the kind --------------------------------------------------- */

/* What one message becomes: the row, its answers and its feedback. */
struct verdict {
	struct record_msg rm;
	struct answers *ans;		/* owned */
	struct store_answer *av;	/* owned array, strings borrowed */
	struct buf reason;
	char undeliverable[700];
	const char *feedback;		/* "confirm", "problem" or NULL */
};

static void
verdict_free(struct verdict *v)
{
	answers_free(&v->ans);
	free(v->av);
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

/* A reply from a matched contact: read the answers against the
 * campaign's questionnaire. -1 only on store trouble. */
static int
decide_reply(struct run *rn, const struct ingest_result *r,
	     const struct ingest_match *m, struct verdict *v, struct err *e)
{
	struct store_inbound *in = &v->rm.in;
	struct campaign_info ci = { 0 };
	if (store_campaign_by_id(rn->s, m->campaign_id, take_campaign, &ci,
				 e) < 0)
		return -1;
	const struct survey *sv = NULL;
	int q = ci.questionnaire_id > 0 ?
	    qcache_get(rn, ci.questionnaire_id, &sv, e) : 0;
	if (q < 0) {
		log_warnx("%s: %s", in->src_key, e->msg);
		in->kind = STORE_I_UNREADABLE;
		reason_add(v, e->msg);
	} else if (q == 0) {
		in->kind = STORE_I_UNREADABLE;
		reason_add(v, "a written reply to a campaign without a form");
	} else {
		answers_extract(sv, r->reply_text, r->quoted_text, &v->ans);
		size_t n = answers_count(v->ans), np = answers_nproblems(v->ans);
		if (answers_none_found(v->ans)) {
			in->kind = STORE_I_UNREADABLE;
			reason_add(v, "no answer lines found");
		} else if (np > 0) {
			in->kind = STORE_I_UNREADABLE;
			for (size_t i = 0; i < np; i++) {
				const char *qid, *why;
				answers_problem(v->ans, i, &qid, &why);
				reason_add(v, why);
			}
			v->feedback = "problem";
		} else {
			in->kind = STORE_I_ANSWERS;
			v->av = xcalloc(n ? n : 1, sizeof(*v->av));
			for (size_t i = 0; i < n; i++)
				answers_get(v->ans, i, &v->av[i].question,
					    &v->av[i].value);
			v->rm.answers = v->av;
			v->rm.nanswers = n;
			v->feedback = "confirm";
		}
	}
	free(ci.name);
	return 0;
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

static int
decide(struct run *rn, const struct ingest_result *r,
       const struct ingest_match *m, struct verdict *v, struct err *e)
{
	struct store_inbound *in = &v->rm.in;
	reason_add(v, r->c.reason);
	switch (r->c.kind) {
	case CLASSIFY_BOUNCE:
		decide_bounce(r, v);
		return 0;
	case CLASSIFY_AUTOREPLY:
		in->kind = STORE_I_AUTOREPLY;
		return 0;
	case CLASSIFY_OPTOUT:
		/* stopping mail to a contact is a person's decision */
		in->kind = STORE_I_OPTOUT;
		return 0;
	case CLASSIFY_RSVP:
		in->kind = STORE_I_RSVP;
		in->rsvp_attendee = r->c.rsvp_attendee;
		in->rsvp_partstat = r->c.rsvp_partstat;
		return 0;
	case CLASSIFY_REPLY:
		break;
	}
	if (m->campaign_id <= 0) {
		in->kind = STORE_I_UNMATCHED;
		reason_add(v, m->contact_id ? "sender known, but no campaign "
			   "was sent to them" : "no token, thread or known "
			   "sender");
		return 0;
	}
	return decide_reply(rn, r, m, v, e);
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
	static const char *const kinds[] = { "confirm", "problem" };
	for (size_t i = 0; i < 2; i++) {
		if (store_deliveries_count_since(rn->s, v->rm.in.contact_id,
						 kinds[i], since, &n, &e) < 0) {
			log_warnx("feedback: %s", e.msg);
			return 0;
		}
		total += n;
	}
	return total < cfg->feedback_max_per_day;
}

static struct tmpl_val *
feedback_vars(const struct verdict *v)
{
	struct tmpl_val *vars = tmpl_map_new();
	struct tmpl_val *rec = tmpl_map_set_list(vars, "recorded");
	struct tmpl_val *pro = tmpl_map_set_list(vars, "problems");
	for (size_t i = 0; i < v->rm.nanswers; i++) {
		struct tmpl_val *it = tmpl_list_add_map(rec);
		tmpl_map_set_str(it, "question", v->rm.answers[i].question);
		tmpl_map_set_str(it, "value", v->rm.answers[i].value);
	}
	for (size_t i = 0; v->ans && i < answers_nproblems(v->ans); i++) {
		const char *qid, *why;
		answers_problem(v->ans, i, &qid, &why);
		struct tmpl_val *it = tmpl_list_add_map(pro);
		tmpl_map_set_str(it, "question", qid ? qid : "");
		tmpl_map_set_str(it, "reason", why);
	}
	return vars;
}

static void
feedback_send(struct run *rn, const struct ingest_result *r,
	      const struct verdict *v)
{
	if (!feedback_allowed(rn, r, v))
		return;
	struct tmpl_val *vars = feedback_vars(v);
	char *irt = r->message_id[0] ? xasprintf("<%s>", r->message_id) : NULL;
	struct send_msg sm = {
		.contact_id = v->rm.in.contact_id,
		.campaign_id = v->rm.in.campaign_id,
		.kind = v->feedback,
		.vars = vars,
		.in_reply_to = irt,
	};
	struct err e;
	if (send_one(rn->s, rn->cfg, &sm, &e) != 1)
		log_warnx("%s: %s feedback not sent: %s", v->rm.in.src_key,
			  v->feedback, e.msg);
	free(irt);
	tmpl_val_free(&vars);
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
	if (r->charset_guessed)
		reason_add(v, "charset (guessed)");
	reason_add(v, r->notes);
}

/* Record, clear the mark, dispose, give feedback. 1 done, -1 store or
 * connection error (e set). */
static int
finish(struct run *rn, const struct fetch_item *it,
       const struct ingest_result *r, struct verdict *v, const char *raw,
       size_t len, struct err *e)
{
	struct store_inbound *in = &v->rm.in;
	if (keeps_raw(in->kind)) {
		in->raw = raw;
		in->raw_len = len;
	}
	in->reason = buf_cstr(&v->reason);
	int rec = record_message(rn->s, &v->rm, NULL, e);
	if (rec < 0)
		return -1;
	if (store_inbound_parsing_clear(rn->s, it->key, e) < 0)
		return -1;
	if (rec == 0)
		return 1;
	rn->st->seen++;
	count(rn->st, in->kind);
	log_info("%s: %s%s%s", it->key, store_ikind_name(in->kind),
		 in->reason[0] ? ": " : "", in->reason);
	struct err de;
	int d = fetch_dispose(rn->f, it, folder_for(&rn->cfg->imap, in->kind),
			      &de);
	if (d < 0) {
		*e = de;
		rn->dispose_failed = 1;
		return -1;
	}
	if (d == 0) {
		log_warnx("%s: %s", it->key, de.msg);
		rn->st->errors++;
	}
	if (r != NULL && in->kind != STORE_I_DUPLICATE)
		feedback_send(rn, r, v);
	return 1;
}

static int
quarantine(struct run *rn, const struct fetch_item *it, const char *why,
	   const char *raw, size_t len, struct err *e)
{
	struct verdict v = { 0 };
	buf_init(&v.reason, 4096);
	v.rm.in.src_key = it->key;
	v.rm.in.kind = STORE_I_QUARANTINE;
	reason_add(&v, why);
	log_warnx("%s: quarantined: %s", it->key, why);
	int r = finish(rn, it, NULL, &v, raw, len, e);
	verdict_free(&v);
	return r;
}

static int
classified(struct run *rn, const struct fetch_item *it,
	   const struct ingest_result *r, const char *raw, size_t len,
	   struct err *e)
{
	struct ingest_match m;
	if (ingest_resolve(rn->s, r, &m, e) < 0)
		return -1;
	struct verdict v = { 0 };
	buf_init(&v.reason, 8192);
	verdict_fill(&v, it->key, r, &m);
	int ret = -1;
	if (!r->parsed) {
		v.rm.in.kind = STORE_I_UNREADABLE;
		reason_add(&v, r->c.reason);
		ret = finish(rn, it, r, &v, raw, len, e);
	} else if (decide(rn, r, &m, &v, e) == 0)
		ret = finish(rn, it, r, &v, raw, len, e);
	verdict_free(&v);
	ingest_match_clear(&m);
	return ret;
}

/* Parse in the worker under the poison mark. */
static int
parse_guarded(struct run *rn, const struct fetch_item *it, const char *raw,
	      size_t len, struct err *e)
{
	int left = store_inbound_parsing_left(rn->s, it->key, e);
	if (left < 0)
		return -1;
	if (left)
		return quarantine(rn, it, "parser crashed or hung on this "
				  "message (an earlier run died on it)", raw,
				  len, e);
	if (store_inbound_parsing(rn->s, it->key, e) < 0)
		return -1;
	struct ingest_result r;
	char why[512];
	int w = ingest_worker_parse(&rn->w, rn->cfg, raw, len, &r, why,
				    sizeof(why));
	if (w == 0) {
		char reason[600];
		snprintf(reason, sizeof(reason), "parser crashed or hung on "
			 "this message: %s", why);
		return quarantine(rn, it, reason, raw, len, e);
	}
	int ret = classified(rn, it, &r, raw, len, e);
	ingest_result_clear(&r);
	return ret;
}

/* 1 handled (or skipped), -1 connection lost, -2 store error: stop. */
static int
ingest_one(struct run *rn, const struct fetch_item *it, struct err *e)
{
	int seen = store_inbound_seen(rn->s, it->key, NULL, e);
	if (seen != 0)
		return seen < 0 ? -2 : 1;
	char *raw = NULL;
	size_t len = 0;
	size_t max = rn->cfg->max_message_bytes > 0 ?
	    (size_t)rn->cfg->max_message_bytes : 0;
	struct err ge;
	int g = fetch_get(rn->f, it, max, &raw, &len, &ge);
	if (g < 0) {
		*e = ge;
		return -1;
	}
	int ret;
	if (g == 0) {
		/* too large or gone: a person decides; nothing to parse */
		ret = quarantine(rn, it, ge.msg, NULL, 0, e);
	} else
		ret = parse_guarded(rn, it, raw, len, e);
	free(raw);
	if (ret == -1 && rn->dispose_failed)
		return -1;
	return ret < 0 ? -2 : 1;
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
	for (size_t i = 0; i < n && !ingest_stop; i++) {
		if (rn->o->limit > 0 && rn->handled >= rn->o->limit)
			break;
		rn->dispose_failed = 0;
		if ((ret = ingest_one(rn, &items[i], e)) < 0)
			break;
		ret = 0;
		rn->handled++;
		if (uv != 0 && store_mailbox_set(rn->s, fetch_source(rn->f),
						 uv, items[i].uid, e) < 0) {
			ret = -2;
			break;
		}
	}
	fetch_items_free(&items, n);
	return ret;
}

static int
connect_source(struct run *rn, struct err *e)
{
	int r = fetch_open(rn->o->source, &rn->cfg->imap, &rn->f, e);
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
		if (r == 0)
			return -1;	/* a person must fix the config */
		if (r == 1) {
			r = ingest_pass(rn, e);
			if (r == -2)
				return -1;
			if (r == 0) {
				backoff = 0;
				if (fetch_idle(rn->f, INGEST_IDLE_S, e) >= 0)
					continue;
			}
		}
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
	struct sigaction sa = { .sa_handler = on_stop }, old_term, old_int;
	int ret;
	ingest_stop = 0;
	if (o->idle) {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, &old_term);
		sigaction(SIGINT, &sa, &old_int);
		ret = ingest_idle_loop(&rn, e);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGINT, &old_int, NULL);
	} else {
		ret = connect_source(&rn, e);
		ret = ret == 1 && ingest_pass(&rn, e) == 0 ? 0 : -1;
	}
	fetch_close(&rn.f);
	ingest_worker_free(&rn.w);
	qcache_free(&rn.qc);
	return ret;
}
