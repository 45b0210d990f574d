/*
 * ingest_worker.c -- the parse worker (see ingest_worker.h) and the
 * packing of its answer (ingest.h). Wire format, both directions over one
 * AF_UNIX stream socket: request = u64 length (top bit set: a stage 2
 * request) + bytes; answer = u32 length + packed result. Packed result =
 * magic, eight u32 flags, ten u32-length-prefixed strings, u32 count +
 * 2 x count strings (answers), the same for problems, u32
 * sizeof(struct classified) + its bytes (the worker is a fork of the same
 * binary, so the layout matches; every field is still checked on
 * unpack). Stage 2 request = magic, text, fingerprint, u32 x 2 form id,
 * form XML (strings u32-length-prefixed).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "receive/ingest_worker.h"
#include "mail/fprint.h"
#include "mail/parse.h"
#include "mail/quote.h"
#include "model/survey.h"
#include "receive/answers.h"
#include "base/xmem.h"

#define PACK_MAGIC 0x414b5232u	/* "AKR2" */
#define READ_MAGIC 0x414b5131u	/* "AKQ1": a stage 2 request */
#define REQ_READ ((uint64_t)1 << 63)	/* in a request's length */
#define WORKER_FORMS 8		/* questionnaires a worker keeps loaded */
#define PACK_MAX (64u << 20)	/* an answer larger than this is garbage */

/* The worker's memory limit: its address space at start (a fork: the
 * parent's mappings are its floor) plus WORKER_MEM_FACTOR times
 * max_message_bytes plus WORKER_MEM_FIXED. The factor is measured, as
 * VmPeak over VmSize at the start of parse + classify of a 20-25 MB
 * message: Latin-1 text 7x, windows-1251 text 11x (UTF-8 doubles it),
 * dense HTML 35-46x (libxml2's tree, some 200 bytes per "<p>x</p>").
 * The fixed part is for what libraries map on first use (gconv modules,
 * libxml2) and the stack. */
#define WORKER_MEM_FACTOR 64
#define WORKER_MEM_FIXED ((size_t)64 << 20)
/* The worker's exit status when an allocation failed (xmem_on_oom), so
 * the parent can say "out of memory" rather than "signal 6". */
#define WORKER_EXIT_NOMEM 3

struct ingest_worker {
	pid_t pid;
	int fd;
	size_t mem_room;	/* its memory limit over its size at start,
				 * 0: none */
};

/* ---- packing ------------------------------------------------------------- */

static int
put_u32(struct buf *b, uint32_t v)
{
	return buf_add(b, &v, sizeof(v));
}

static int
put_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > UINT32_MAX || put_u32(b, (uint32_t)n) < 0)
		return -1;
	return buf_add(b, s ? s : "", n);
}

#define NSTR 11
static char **
result_strings(struct ingest_result *r, char **v[NSTR])
{
	char **f[NSTR] = { &r->message_id, &r->from_addr, &r->subject,
			   &r->date, &r->charset, &r->reply_text,
			   &r->quoted_text, &r->notes, &r->text,
			   &r->form_error, &r->unsure };
	memcpy(v, f, sizeof(f));
	return v[0];
}

#define NFLAG 8
static void
result_flags(struct ingest_result *r, int *v[NFLAG])
{
	int *f[NFLAG] = { &r->parsed, &r->charset_guessed, &r->html_only,
			  &r->forwarded, &r->read, &r->by_fprint, &r->form,
			  &r->none_found };
	memcpy(v, f, sizeof(f));
}

static int
put_list(struct buf *b, char **v, size_t pairs)
{
	if (pairs > UINT32_MAX / 2 || put_u32(b, (uint32_t)pairs) < 0)
		return -1;
	for (size_t i = 0; i < 2 * pairs; i++)
		if (put_str(b, v[i]) < 0)
			return -1;
	return 0;
}

int
ingest_result_pack(const struct ingest_result *r, struct buf *out)
{
	char **v[NSTR];
	int *f[NFLAG];
	result_strings((struct ingest_result *)r, v);
	result_flags((struct ingest_result *)r, f);
	if (put_u32(out, PACK_MAGIC) < 0)
		return -1;
	for (size_t i = 0; i < NFLAG; i++)
		if (put_u32(out, (uint32_t)(*f[i] != 0)) < 0)
			return -1;
	for (size_t i = 0; i < NSTR; i++)
		if (put_str(out, *v[i]) < 0)
			return -1;
	if (put_list(out, r->answers, r->nanswers) < 0 ||
	    put_list(out, r->problems, r->nproblems) < 0)
		return -1;
	if (put_u32(out, (uint32_t)sizeof(r->c)) < 0)
		return -1;
	return buf_add(out, &r->c, sizeof(r->c));
}

struct cursor {
	const char *p;
	size_t n;
};

static int
get_u32(struct cursor *c, uint32_t *v)
{
	if (c->n < sizeof(*v))
		return -1;
	memcpy(v, c->p, sizeof(*v));
	c->p += sizeof(*v);
	c->n -= sizeof(*v);
	return 0;
}

/* A borrowed view of a string (may hold NULs: a fingerprint). */
static int
get_view(struct cursor *c, const char **s, size_t *len)
{
	uint32_t n;
	if (get_u32(c, &n) < 0 || n > c->n)
		return -1;
	*s = c->p;
	*len = n;
	c->p += n;
	c->n -= n;
	return 0;
}

static int
get_str(struct cursor *c, char **s)
{
	const char *v;
	size_t n;
	if (get_view(c, &v, &n) < 0)
		return -1;
	*s = xstrndup(v, n);
	return 0;
}

/* pairs of strings; a count the bytes left cannot hold is refused
 * before anything is allocated for it */
static int
get_list(struct cursor *c, char ***v, size_t *pairs)
{
	uint32_t n;
	if (get_u32(c, &n) < 0 || n > c->n / 8)
		return -1;
	*v = xcalloc(2 * (size_t)n + 1, sizeof(**v));
	*pairs = n;
	for (size_t i = 0; i < 2 * (size_t)n; i++)
		if (get_str(c, &(*v)[i]) < 0)
			return -1;
	return 0;
}

/* Every fixed buffer NUL-terminated, every enum in range. */
static int
sane_classified(struct classified *k)
{
#define TERMINATE(a) ((a)[sizeof(a) - 1] = '\0')
	TERMINATE(k->token);
	TERMINATE(k->token_source);
	TERMINATE(k->ref_message_id);
	TERMINATE(k->subject_token);
	TERMINATE(k->ref_message_ids);
	TERMINATE(k->bounce_recipient);
	TERMINATE(k->bounce_status);
	TERMINATE(k->bounce_diag);
	TERMINATE(k->rsvp_attendee);
	TERMINATE(k->rsvp_partstat);
	TERMINATE(k->rsvp_uid);
	TERMINATE(k->rsvp.uid);
	TERMINATE(k->rsvp.attendee);
	TERMINATE(k->rsvp.attendee_name);
	TERMINATE(k->rsvp.delegated_to);
	TERMINATE(k->rsvp.organizer);
	TERMINATE(k->rsvp.comment);
	if ((unsigned)k->rsvp.partstat > ICAL_PS_DELEGATED ||
	    (unsigned)k->rsvp.kind > ICAL_COUNTER)
		return 0;
	TERMINATE(k->auth_note);
	TERMINATE(k->reason);
	if (k->nbounces > CLASSIFY_BOUNCES_MAX)
		return 0;
	for (unsigned i = 0; i < k->nbounces; i++) {
		TERMINATE(k->bounces[i].address);
		TERMINATE(k->bounces[i].status);
		if ((unsigned)k->bounces[i].bclass > CLASSIFY_B_POLICY)
			return 0;
	}
#undef TERMINATE
	return (unsigned)k->kind <= CLASSIFY_OPTOUT &&
	    (unsigned)k->bclass <= CLASSIFY_B_POLICY &&
	    (unsigned)k->auth <= CLASSIFY_AUTH_FORGED;
}

int
ingest_result_unpack(const char *p, size_t n, struct ingest_result *r,
		     struct err *e)
{
	struct cursor c = { p, n };
	uint32_t magic, flag, csize;
	char **v[NSTR];
	int *f[NFLAG];
	memset(r, 0, sizeof(*r));
	result_strings(r, v);
	result_flags(r, f);
	if (get_u32(&c, &magic) < 0 || magic != PACK_MAGIC)
		goto bad;
	for (size_t i = 0; i < NFLAG; i++) {
		if (get_u32(&c, &flag) < 0 || flag > 1)
			goto bad;
		*f[i] = (int)flag;
	}
	for (size_t i = 0; i < NSTR; i++)
		if (get_str(&c, v[i]) < 0)
			goto bad;
	if (get_list(&c, &r->answers, &r->nanswers) < 0 ||
	    get_list(&c, &r->problems, &r->nproblems) < 0)
		goto bad;
	/* a flag per answer, or none: all certain */
	if (r->unsure[0] == '\0' && r->nanswers > 0) {
		free(r->unsure);
		r->unsure = xcalloc(r->nanswers + 1, 1);
		memset(r->unsure, '0', r->nanswers);
	}
	if (strlen(r->unsure) != r->nanswers)
		goto bad;
	if (get_u32(&c, &csize) < 0 || csize != sizeof(r->c) || c.n != csize)
		goto bad;
	memcpy(&r->c, c.p, csize);
	if (!sane_classified(&r->c))
		goto bad;
	return 0;
bad:
	ingest_result_clear(r);
	err_set(e, "worker answer: malformed (%zu bytes)", n);
	return -1;
}

static void
free_list(char ***v, size_t *pairs)
{
	for (size_t i = 0; *v != NULL && i < 2 * *pairs; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*pairs = 0;
}

void
ingest_result_clear(struct ingest_result *r)
{
	char **v[NSTR];
	result_strings(r, v);
	for (size_t i = 0; i < NSTR; i++) {
		free(*v[i]);
		*v[i] = NULL;
	}
	free_list(&r->answers, &r->nanswers);
	free_list(&r->problems, &r->nproblems);
	memset(r, 0, sizeof(*r));
}

int
ingest_read_pack(const struct ingest_read_req *q, struct buf *out)
{
	size_t tl = q->text ? strlen(q->text) : 0;
	uint64_t id = q->form_id > 0 ? (uint64_t)q->form_id : 0;
	if (tl > UINT32_MAX || q->fprint_len > UINT32_MAX ||
	    put_u32(out, READ_MAGIC) < 0 || put_u32(out, (uint32_t)tl) < 0 ||
	    buf_add(out, q->text ? q->text : "", tl) < 0 ||
	    put_u32(out, (uint32_t)q->fprint_len) < 0 ||
	    buf_add(out, q->fprint ? (const void *)q->fprint : "",
		    q->fprint_len) < 0 ||
	    put_u32(out, (uint32_t)id) < 0 ||
	    put_u32(out, (uint32_t)(id >> 32)) < 0)
		return -1;
	return put_str(out, id ? q->form_xml : "");
}

/* ---- I/O helpers ----------------------------------------------------------- */

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read n bytes; deadline_ms < 0 waits forever. -1 EOF/error, -2 timeout. */
static int
read_all(int fd, void *p, size_t n, long deadline_ms)
{
	char *c = p;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (n > 0) {
		if (deadline_ms >= 0) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			long used = (t.tv_sec - t0.tv_sec) * 1000 +
			    (t.tv_nsec - t0.tv_nsec) / 1000000;
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int pr = used >= deadline_ms ? 0 :
			    poll(&pfd, 1, (int)(deadline_ms - used));
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr == 0)
				return -2;
			if (pr < 0)
				return -1;
		}
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* ---- the worker process ---------------------------------------------------- */

static void
fill_result(const struct parsed *p, const struct classify_opts *co,
	    struct ingest_result *r)
{
	r->parsed = 1;
	r->message_id = xstrdup(p->message_id);
	r->from_addr = xstrdup(p->from_addr);
	r->subject = xstrdup(p->subject);
	r->date = xstrdup(p->date);
	r->charset = xstrdup(p->charset);
	r->text = xstrdup(p->text);	/* stage 2 splits it */
	r->notes = xstrdup(p->notes);
	r->charset_guessed = p->charset_guessed != 0;
	r->html_only = p->html_only != 0;
	r->forwarded = p->forwarded != 0;
	classify_message(p, co, &r->c);
}

static int
hook_is(const char *name, const char *msgid)
{
	const char *v = getenv(name);
	return v != NULL && *v && strcmp(v, msgid) == 0;
}

static void
test_hooks(const char *msgid)
{
	if (hook_is("ANKETA_TEST_CRASH_MSGID", msgid))
		abort();
	if (hook_is("ANKETA_TEST_HANG_MSGID", msgid))
		for (volatile unsigned long i = 0;; i++)
			;
	if (hook_is("ANKETA_TEST_ALLOC_MSGID", msgid)) {
		/* 1 MB blocks until the memory limit ends the worker. The
		 * stop at 1 GB turns a missing limit into a message parsed
		 * (a failing test), not a machine out of memory. */
		void **list = NULL;
		for (int i = 0; i < 1024; i++) {
			void **b = xmalloc((size_t)1 << 20);
			*b = list;
			list = b;
		}
		while (list != NULL) {
			void **next = *list;
			free(list);
			list = next;
		}
	}
}

/* Pack r into out, or, when it is over PACK_MAX, a result that says so;
 * r is cleared. */
static void
pack_or_refuse(struct ingest_result *r, struct buf *out)
{
	if (ingest_result_pack(r, out) < 0) {
		buf_reset(out);
		ingest_result_clear(r);
		snprintf(r->c.reason, sizeof(r->c.reason),
			 "parsed text over %u bytes", PACK_MAX);
		ingest_result_pack(r, out);
	}
	ingest_result_clear(r);
}

static void
parse_one(const struct config *cfg, const char *raw, size_t len,
	  struct buf *out)
{
	struct parse_limits lim = {
		.max_bytes = cfg->max_message_bytes > 0 ?
		    (size_t)cfg->max_message_bytes : 0,
		.max_parts = 200,
		.max_depth = 12,
	};
	struct classify_opts co = {
		.reply_to = cfg->reply_to,
		.return_path = cfg->return_path,
		.from_address = cfg->from_address,
		.message_id_domain = cfg->message_id_domain,
		.authserv_id = cfg->imap.authserv_id,
	};
	struct ingest_result r = { 0 };
	struct parsed *p = NULL;
	struct err e;
	if (parse_message(raw, len, &lim, &p, &e) < 0) {
		r.parsed = 0;
		snprintf(r.c.reason, sizeof(r.c.reason), "%s", e.msg);
	} else {
		test_hooks(p->message_id);
		fill_result(p, &co, &r);
		parse_free(&p);
	}
	pack_or_refuse(&r, out);
}

/* ---- stage 2 ------------------------------------------------------------- */

/* The questionnaires this worker has loaded, by store row id. */
struct forms {
	int64_t id[WORKER_FORMS];
	struct survey *sv[WORKER_FORMS];
	size_t n, next;
};

/* Questionnaire id (XML xml), loaded once per worker; NULL with why. */
static const struct survey *
form_get(struct forms *fm, const struct config *cfg, int64_t id,
	 const char *xml, size_t xl, char **why_r)
{
	for (size_t i = 0; i < fm->n; i++)
		if (fm->id[i] == id)
			return fm->sv[i];
	char name[64];
	snprintf(name, sizeof(name), "questionnaire #%lld", (long long)id);
	struct survey *sv = NULL;
	struct errlist errs = { 0 };
	if (survey_load_memory(xml, xl, name, cfg->schema_path, &sv,
			       &errs) < 0) {
		*why_r = xstrdup(errs.n ? errs.v[0] : name);
		errlist_free(&errs);
		return NULL;
	}
	errlist_free(&errs);
	size_t k = fm->n < WORKER_FORMS ? fm->n++ : fm->next++ % WORKER_FORMS;
	if (fm->sv[k] != NULL)
		survey_free(&fm->sv[k]);
	fm->id[k] = id;
	fm->sv[k] = sv;
	return sv;
}

/* Answers and problems as owned pairs of strings. */
static void
read_answers(const struct survey *sv, struct ingest_result *r)
{
	struct answers *a = NULL;
	answers_extract(sv, r->reply_text, r->quoted_text, &a);
	r->form = 1;
	r->none_found = answers_none_found(a) != 0;
	r->nanswers = answers_count(a);
	r->nproblems = answers_nproblems(a);
	r->answers = xcalloc(2 * r->nanswers + 1, sizeof(*r->answers));
	r->problems = xcalloc(2 * r->nproblems + 1, sizeof(*r->problems));
	r->unsure = xcalloc(r->nanswers + 1, 1);
	for (size_t i = 0; i < r->nanswers; i++)
		r->unsure[i] = answers_unconfirmed(a, i) ? '1' : '0';
	for (size_t i = 0; i < r->nanswers + r->nproblems; i++) {
		const char *q, *v;
		int ans = i < r->nanswers;
		size_t k = ans ? i : i - r->nanswers;
		if (ans)
			answers_get(a, k, &q, &v);
		else
			answers_problem(a, k, &q, &v);
		char **out = ans ? r->answers : r->problems;
		out[2 * k] = xstrdup(q);
		out[2 * k + 1] = xstrdup(v);
	}
	answers_free(&a);
}

/* The quoted original found through the fingerprint fp (fl bytes) of
 * what we sent, else by the patterns. The fingerprint knows our text,
 * not the respondent's: what only the patterns know (a signature, "Kind
 * regards", a quote of some other mail) is then taken out of the new
 * text by quote_split, anything it finds quoted added to the quoted
 * text. */
static void
split_text(struct ingest_result *r, const char *t, const unsigned char *fp,
	   size_t fl)
{
	char *n, *q;
	r->by_fprint = fl > 0 && fprint_split(t, fp, fl, &r->reply_text,
					      &r->quoted_text);
	if (!r->by_fprint) {
		quote_split(t, &r->reply_text, &r->quoted_text);
		return;
	}
	quote_split(r->reply_text, &n, &q);
	free(r->reply_text);
	r->reply_text = n;
	if (*q) {
		char *both = xasprintf("%s\n%s", r->quoted_text, q);
		free(r->quoted_text);
		r->quoted_text = both;
	}
	free(q);
}

/* Stage 2 on one request (ingest_read_pack): the split, then the
 * answers when a questionnaire came with it. */
static void
read_one(const struct config *cfg, struct forms *fm, const char *req,
	 size_t len, struct buf *out)
{
	struct cursor c = { req, len };
	struct ingest_result r = { 0 };
	uint32_t magic, lo, hi;
	const char *text, *fp, *xml;
	size_t tl, fl, xl;
	if (get_u32(&c, &magic) < 0 || magic != READ_MAGIC ||
	    get_view(&c, &text, &tl) < 0 || get_view(&c, &fp, &fl) < 0 ||
	    get_u32(&c, &lo) < 0 || get_u32(&c, &hi) < 0 ||
	    get_view(&c, &xml, &xl) < 0 || c.n != 0) {
		snprintf(r.c.reason, sizeof(r.c.reason), "stage 2 request "
			 "malformed (%zu bytes)", len);
		pack_or_refuse(&r, out);
		return;
	}
	char *t = xstrndup(text, tl);
	const char *hook = getenv("ANKETA_TEST_CRASH_READ");
	if (hook != NULL && *hook && strstr(t, hook) != NULL)
		abort();
	r.parsed = r.read = 1;
	split_text(&r, t, (const unsigned char *)fp, fl);
	free(t);
	int64_t id = (int64_t)((uint64_t)hi << 32 | lo);
	if (id > 0) {
		char *x = xstrndup(xml, xl);
		const struct survey *sv = form_get(fm, cfg, id, x, xl,
						   &r.form_error);
		if (sv != NULL)
			read_answers(sv, &r);
		free(x);
	}
	pack_or_refuse(&r, out);
}

/* The memory a worker may add to its size at start (see
 * WORKER_MEM_FACTOR); 0, no limit, when messages have none. */
static size_t
worker_mem_room(const struct config *cfg)
{
	size_t m = cfg->max_message_bytes > 0 ?
	    (size_t)cfg->max_message_bytes : 0;
	if (m == 0 || m > (SIZE_MAX - WORKER_MEM_FIXED) / WORKER_MEM_FACTOR)
		return 0;
	return m * WORKER_MEM_FACTOR + WORKER_MEM_FIXED;
}

static void __attribute__((noreturn))
worker_oom(size_t n)
{
	(void)n;
	_exit(WORKER_EXIT_NOMEM);
}

/* This process's address space now (VmSize): 0, or -1 without /proc. */
static int
vm_size(size_t *bytes_r)
{
	unsigned long pages = 0;
	FILE *fp = fopen("/proc/self/statm", "r");
	int ok = fp != NULL && fscanf(fp, "%lu", &pages) == 1;
	if (fp != NULL)
		fclose(fp);
	if (!ok)
		return -1;
	*bytes_r = (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
	return 0;
}

/* Cap the worker's memory at its size now plus room. An allocation past
 * it fails: xmem's ends the worker with WORKER_EXIT_NOMEM, a library's
 * gets NULL (and reports an error the parse notes, or crashes the worker:
 * either way the message is charged, never the run). Without /proc, or
 * if setrlimit fails, only the time limit holds; the worker cannot log,
 * and a parse works as it always did. */
static void
worker_limit_memory(size_t room)
{
	struct rlimit rl;
	size_t now;

	xmem_on_oom(worker_oom);
	if (room == 0)
		return;
	/* A sanitizer build reserves terabytes of shadow address space:
	 * RLIMIT_AS would fail its first allocation. xmem counts the heap
	 * there instead (its own allocations only; see xmem.h). */
	if (xmem_heap_limit(room))
		return;
	if (vm_size(&now) < 0 || getrlimit(RLIMIT_AS, &rl) < 0)
		return;
	rlim_t want = (rlim_t)now + (rlim_t)room;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= want)
		return;		/* a lower limit is set already: keep it */
	/* the hard limit too: nothing the parser runs can raise it again */
	rl.rlim_cur = rl.rlim_max = want;
	setrlimit(RLIMIT_AS, &rl);
}

static void __attribute__((noreturn))
worker_main(int fd, const struct config *cfg)
{
	struct buf out;
	struct forms fm = { .n = 0 };
	worker_limit_memory(worker_mem_room(cfg));
	buf_init(&out, PACK_MAX);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);	/* the parent decides when to stop */
	for (;;) {
		uint64_t len;
		if (read_all(fd, &len, sizeof(len), -1) < 0)
			_exit(0);
		int stage2 = (len & REQ_READ) != 0;
		len &= ~REQ_READ;
		if (len > SIZE_MAX - 1)
			_exit(0);
		char *raw = xmalloc((size_t)len + 1);
		if (read_all(fd, raw, (size_t)len, -1) < 0)
			_exit(0);
		raw[len] = '\0';
		/* SIGALRM's default action ends a parse that hangs */
		alarm(INGEST_PARSE_TIMEOUT_S);
		buf_reset(&out);
		if (stage2)
			read_one(cfg, &fm, raw, (size_t)len, &out);
		else
			parse_one(cfg, raw, (size_t)len, &out);
		alarm(0);
		free(raw);
		uint32_t n = (uint32_t)out.len;
		if (write_all(fd, &n, sizeof(n)) < 0 ||
		    write_all(fd, out.data, out.len) < 0)
			_exit(0);
	}
}

static int
worker_start(struct ingest_worker **w, const struct config *cfg,
	     char *why, size_t why_size)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(why, why_size, "socketpair: %s", strerror(errno));
		return 0;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, why_size, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	if (pid == 0) {
		close(sv[0]);
		worker_main(sv[1], cfg);
	}
	close(sv[1]);
	*w = xcalloc(1, sizeof(**w));
	(*w)->pid = pid;
	(*w)->fd = sv[0];
	(*w)->mem_room = worker_mem_room(cfg);
	return 1;
}

/* Kill and reap; say how it ended. */
static void
worker_reap(struct ingest_worker **w, int kill_it, char *why, size_t why_size)
{
	int st = 0;
	close((*w)->fd);
	if (kill_it)
		kill((*w)->pid, SIGKILL);
	while (waitpid((*w)->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (why != NULL) {
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
			snprintf(why, why_size, "timed out after %d s",
				 INGEST_PARSE_TIMEOUT_S);
		else if (WIFEXITED(st) && WEXITSTATUS(st) ==
			 WORKER_EXIT_NOMEM)
			snprintf(why, why_size, "out of memory: over %zu MB "
				 "above the parse worker's size at start (%d x "
				 "[limits] max_message_bytes + %zu MB)",
				 (*w)->mem_room >> 20, WORKER_MEM_FACTOR,
				 WORKER_MEM_FIXED >> 20);
		else if (WIFSIGNALED(st) && !kill_it)
			snprintf(why, why_size, "killed by signal %d (%s)",
				 WTERMSIG(st), strsignal(WTERMSIG(st)));
		else if (kill_it)
			snprintf(why, why_size, "no answer within %d s",
				 INGEST_PARSE_TIMEOUT_S + 5);
		else
			snprintf(why, why_size, "exited with status %d",
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	free(*w);
	*w = NULL;
}

/* ---- streaming requests -------------------------------------------------- */

/* Requests go out while answers come back, so the worker parses message
 * k+1 while this process reads the answer to k: no turn taking (two
 * context switches) per message. The worker answers in order, so when it
 * dies the first unanswered job is the one it died on. */
struct stream {
	struct ingest_worker_job *jobs;
	size_t n;
	size_t sent;	/* jobs fully written */
	size_t off;	/* bytes of jobs[sent] written, length prefix included */
	int broken;	/* the worker stopped reading: wait for its end */
	char *in;	/* answers read, not yet taken */
	size_t inlen, incap;
};

/* Write what the socket takes now. */
static void
stream_send(int fd, struct stream *s)
{
	while (!s->broken && s->sent < s->n) {
		const struct ingest_worker_job *j = &s->jobs[s->sent];
		uint64_t len = j->len | (j->read ? REQ_READ : 0);
		const size_t hl = sizeof(len);
		struct iovec iov[2];
		int cnt = 1;
		if (s->off < hl) {
			iov[0] = (struct iovec){ (char *)&len + s->off,
						 hl - s->off };
			iov[1] = (struct iovec){ (char *)j->raw, j->len };
			cnt = 2;
		} else
			iov[0] = (struct iovec){ (char *)j->raw + (s->off - hl),
						 j->len - (s->off - hl) };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
		ssize_t w = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w < 0) {
			s->broken = 1;
			return;
		}
		s->off += (size_t)w;
		if (s->off == hl + j->len) {
			s->sent++;
			s->off = 0;
		}
	}
}

/* The answer at the front of s->in: 1 complete (*n_r bytes after the
 * length), 0 not yet, -1 announced over PACK_MAX. */
static int
answer_ready(const struct stream *s, uint32_t *n_r)
{
	*n_r = 0;
	if (s->inlen < sizeof(*n_r))
		return 0;
	memcpy(n_r, s->in, sizeof(*n_r));
	if (*n_r > PACK_MAX)
		return -1;
	return s->inlen >= sizeof(*n_r) + *n_r;
}

/* Unpack the complete answer at the front of s->in into j and drop it
 * from the buffer. 1, or 0 when it is garbage (worker killed). */
static int
take_answer(struct ingest_worker **w, struct stream *s, uint32_t n,
	    struct ingest_worker_job *j)
{
	struct err e;
	int u = ingest_result_unpack(s->in + sizeof(n), n, &j->r, &e);
	s->inlen -= sizeof(n) + n;
	memmove(s->in, s->in + sizeof(n) + n, s->inlen);
	if (u == 0)
		return 1;
	worker_reap(w, 1, NULL, 0);
	snprintf(j->why, sizeof(j->why), "%s", e.msg);
	return 0;
}

/* Room for what the worker sends next: at least 64 KB free, and the
 * whole of an announced answer. */
static void
stream_room(struct stream *s, uint32_t announced)
{
	size_t want = s->inlen + 65536;
	if (want < sizeof(announced) + (size_t)announced)
		want = sizeof(announced) + (size_t)announced;
	if (s->incap < want) {
		s->in = xreallocarray(s->in, want, 1);
		s->incap = want;
	}
}

/* The answer to j, sending meanwhile and reading whatever has arrived
 * (several answers per read when the worker is ahead). 1 r filled, 0 the
 * worker is gone (reaped, j->why says how); no answer within
 * INGEST_PARSE_TIMEOUT_S + 5 s kills it. */
static int
next_answer(struct ingest_worker **w, struct stream *s,
	    struct ingest_worker_job *j)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const long limit = (INGEST_PARSE_TIMEOUT_S + 5) * 1000L;
	for (;;) {
		uint32_t n;
		int ready = answer_ready(s, &n);
		if (ready > 0)
			return take_answer(w, s, n, j);
		if (ready < 0) {
			worker_reap(w, 1, NULL, 0);
			snprintf(j->why, sizeof(j->why), "answer too large");
			return 0;
		}
		stream_send((*w)->fd, s);
		int out = !s->broken && s->sent < s->n;
		struct pollfd pfd = { .fd = (*w)->fd,
				      .events = (short)(POLLIN |
							(out ? POLLOUT : 0)) };
		clock_gettime(CLOCK_MONOTONIC, &t);
		long used = (t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000;
		int pr = used >= limit ? 0 : poll(&pfd, 1, (int)(limit - used));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			worker_reap(w, 1, j->why, sizeof(j->why));
			return 0;
		}
		if (pr < 0 || pfd.revents == POLLOUT)
			continue;
		stream_room(s, n);
		ssize_t r = read((*w)->fd, s->in + s->inlen, s->incap - s->inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {	/* it ended: say how */
			worker_reap(w, 0, j->why, sizeof(j->why));
			return 0;
		}
		s->inlen += (size_t)r;
	}
}

int
ingest_worker_parse_many(struct ingest_worker **w, const struct config *cfg,
			 struct ingest_worker_job *jobs, size_t n)
{
	int all = 1;
	for (size_t i = 0; i < n; i++) {
		jobs[i].ok = 0;
		jobs[i].why[0] = '\0';
		memset(&jobs[i].r, 0, sizeof(jobs[i].r));
	}
	size_t recv = 0;
	while (recv < n) {
		struct ingest_worker_job *j = &jobs[recv];
		if (*w == NULL &&
		    !worker_start(w, cfg, j->why, sizeof(j->why))) {
			all = 0;
			recv++;
			continue;
		}
		/* a fresh worker (or the one that answered so far) gets
		 * every job from here on */
		struct stream s = { .jobs = jobs, .n = n, .sent = recv };
		while (recv < n && *w != NULL) {
			j = &jobs[recv++];
			j->ok = next_answer(w, &s, j);
			all &= j->ok;
		}
		free(s.in);	/* a dead worker's half answer is garbage */
	}
	return all;
}

int
ingest_worker_parse(struct ingest_worker **w, const struct config *cfg,
		    const char *raw, size_t len, struct ingest_result *r,
		    char *why, size_t why_size)
{
	struct ingest_worker_job j = { .raw = raw, .len = len };
	ingest_worker_parse_many(w, cfg, &j, 1);
	*r = j.r;
	if (!j.ok)
		snprintf(why, why_size, "%s", j.why);
	return j.ok;
}

void
ingest_worker_free(struct ingest_worker **w)
{
	if (w == NULL || *w == NULL)
		return;
	/* closing the socket ends its loop; it exits on EOF */
	worker_reap(w, 0, NULL, 0);
}
