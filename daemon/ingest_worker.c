/*
 * ingest_worker.c -- the parse worker (see ingest_worker.h) and the
 * packing of its answer (ingest.h). Wire format, both directions over one
 * AF_UNIX stream socket: request = u64 length + raw bytes; answer = u32
 * length + packed result. Packed result = magic, four u32 flags, eight
 * u32-length-prefixed strings, u32 sizeof(struct classified) + its bytes
 * (the worker is a fork of the same binary, so the layout matches; every
 * field is still checked on unpack).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ingest_worker.h"
#include "parse.h"
#include "xmem.h"

#define PACK_MAGIC 0x414b5231u	/* "AKR1" */
#define PACK_MAX (64u << 20)	/* an answer larger than this is garbage */

struct ingest_worker {
	pid_t pid;
	int fd;
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

#define NSTR 8
static char **
result_strings(struct ingest_result *r, char **v[NSTR])
{
	char **f[NSTR] = { &r->message_id, &r->from_addr, &r->subject,
			   &r->date, &r->charset, &r->reply_text,
			   &r->quoted_text, &r->notes };
	memcpy(v, f, sizeof(f));
	return v[0];
}

int
ingest_result_pack(const struct ingest_result *r, struct buf *out)
{
	char **v[NSTR];
	result_strings((struct ingest_result *)r, v);
	if (put_u32(out, PACK_MAGIC) < 0 || put_u32(out, (uint32_t)r->parsed)
	    < 0 || put_u32(out, (uint32_t)r->charset_guessed) < 0 ||
	    put_u32(out, (uint32_t)r->html_only) < 0 ||
	    put_u32(out, (uint32_t)r->forwarded) < 0)
		return -1;
	for (size_t i = 0; i < NSTR; i++)
		if (put_str(out, *v[i]) < 0)
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

static int
get_str(struct cursor *c, char **s)
{
	uint32_t n;
	if (get_u32(c, &n) < 0 || n > c->n)
		return -1;
	*s = xstrndup(c->p, n);
	c->p += n;
	c->n -= n;
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
	TERMINATE(k->bounce_recipient);
	TERMINATE(k->bounce_status);
	TERMINATE(k->bounce_diag);
	TERMINATE(k->rsvp_attendee);
	TERMINATE(k->rsvp_partstat);
	TERMINATE(k->rsvp_uid);
	TERMINATE(k->reason);
#undef TERMINATE
	return (unsigned)k->kind <= CLASSIFY_OPTOUT &&
	    (unsigned)k->bclass <= CLASSIFY_B_POLICY;
}

int
ingest_result_unpack(const char *p, size_t n, struct ingest_result *r,
		     struct err *e)
{
	struct cursor c = { p, n };
	uint32_t magic, flags[4], csize;
	char **v[NSTR];
	memset(r, 0, sizeof(*r));
	result_strings(r, v);
	if (get_u32(&c, &magic) < 0 || magic != PACK_MAGIC)
		goto bad;
	for (size_t i = 0; i < 4; i++)
		if (get_u32(&c, &flags[i]) < 0 || flags[i] > 1)
			goto bad;
	for (size_t i = 0; i < NSTR; i++)
		if (get_str(&c, v[i]) < 0)
			goto bad;
	if (get_u32(&c, &csize) < 0 || csize != sizeof(r->c) || c.n != csize)
		goto bad;
	memcpy(&r->c, c.p, csize);
	if (!sane_classified(&r->c))
		goto bad;
	r->parsed = (int)flags[0];
	r->charset_guessed = (int)flags[1];
	r->html_only = (int)flags[2];
	r->forwarded = (int)flags[3];
	return 0;
bad:
	ingest_result_clear(r);
	err_set(e, "worker answer: malformed (%zu bytes)", n);
	return -1;
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
	memset(r, 0, sizeof(*r));
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
	r->reply_text = xstrdup(p->reply_text);
	r->quoted_text = xstrdup(p->quoted_text);
	r->notes = xstrdup(p->notes);
	r->charset_guessed = p->charset_guessed != 0;
	r->html_only = p->html_only != 0;
	r->forwarded = p->forwarded != 0;
	classify_message(p, co, &r->c);
}

static void
test_hooks(const char *msgid)
{
	const char *crash = getenv("ANKETA_TEST_CRASH_MSGID");
	const char *hang = getenv("ANKETA_TEST_HANG_MSGID");
	if (crash && *crash && strcmp(crash, msgid) == 0)
		abort();
	if (hang && *hang && strcmp(hang, msgid) == 0)
		for (volatile unsigned long i = 0;; i++)
			;
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
	if (ingest_result_pack(&r, out) < 0) {
		buf_reset(out);
		ingest_result_clear(&r);
		snprintf(r.c.reason, sizeof(r.c.reason),
			 "parsed text over %u bytes", PACK_MAX);
		ingest_result_pack(&r, out);
	}
	ingest_result_clear(&r);
}

static void __attribute__((noreturn))
worker_main(int fd, const struct config *cfg)
{
	struct buf out;
	buf_init(&out, PACK_MAX);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);	/* the parent decides when to stop */
	for (;;) {
		uint64_t len;
		if (read_all(fd, &len, sizeof(len), -1) < 0 || len > SIZE_MAX - 1)
			_exit(0);
		char *raw = xmalloc((size_t)len + 1);
		if (read_all(fd, raw, (size_t)len, -1) < 0)
			_exit(0);
		raw[len] = '\0';
		/* SIGALRM's default action ends a parse that hangs */
		alarm(INGEST_PARSE_TIMEOUT_S);
		buf_reset(&out);
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

int
ingest_worker_parse(struct ingest_worker **w, const struct config *cfg,
		    const char *raw, size_t len, struct ingest_result *r,
		    char *why, size_t why_size)
{
	memset(r, 0, sizeof(*r));
	if (*w == NULL && !worker_start(w, cfg, why, why_size))
		return 0;
	uint64_t n64 = len;
	uint32_t n = 0;
	int rr = -1;
	if (write_all((*w)->fd, &n64, sizeof(n64)) == 0 &&
	    write_all((*w)->fd, raw, len) == 0)
		rr = read_all((*w)->fd, &n, sizeof(n),
			      (INGEST_PARSE_TIMEOUT_S + 5) * 1000L);
	if (rr == 0 && n > PACK_MAX)
		rr = -3;
	char *ans = NULL;
	if (rr == 0) {
		ans = xmalloc(n ? n : 1);
		rr = read_all((*w)->fd, ans, n, 5000);
	}
	if (rr < 0) {
		free(ans);
		worker_reap(w, rr != -1, why, why_size);
		if (rr == -3)
			snprintf(why, why_size, "answer too large");
		return 0;
	}
	struct err e;
	int u = ingest_result_unpack(ans, n, r, &e);
	free(ans);
	if (u < 0) {
		worker_reap(w, 1, NULL, 0);
		snprintf(why, why_size, "%s", e.msg);
		return 0;
	}
	return 1;
}

void
ingest_worker_free(struct ingest_worker **w)
{
	if (w == NULL || *w == NULL)
		return;
	/* closing the socket ends its loop; it exits on EOF */
	worker_reap(w, 0, NULL, 0);
}
