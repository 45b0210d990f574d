/*
 * submit.c -- one SMTP connection through libcurl's easy interface, and
 * dispatch to the Maildir transport (submit_maildir.c). Reports facts:
 * what trouble.c needs to judge a result, nothing more (see submit.h).
 *
 * RFCs: 5321 (SMTP, timeouts 4.5.3.2), 1047 (duplicate messages when the
 * dot's reply is lost), 3463 (enhanced status codes), 3207 (STARTTLS),
 * 4954 (AUTH), 8314 (implicit TLS).
 *
 * Shape: one easy handle for the life of the submit. Its connection cache
 * keeps the one connection between calls, so one SMTP session carries
 * many messages (MAIL FROM / RCPT TO / DATA again and again, as
 * smtp-source -d does); after a failure curl closes it and the next call
 * connects again. The caller wanting N connections runs N processes: a
 * slow server then stalls one of them, not all (libcurl blocks while it
 * waits for the reply to the final dot, even inside a multi handle).
 *
 * curl reports a number for a failed command and nothing about where a
 * transfer stopped, so three callbacks keep the facts:
 *  - debug_cb: each command curl writes (CURLINFO_HEADER_OUT) starts a
 *    stage; the server lines that follow (CURLINFO_HEADER_IN) are that
 *    stage's reply, kept verbatim. A new stage forgets the old reply, so
 *    a result never quotes an earlier line.
 *  - read_cb: curl asks for the body only after the 354, and asks again
 *    only once everything it was given went out; so a 0 return means the
 *    next bytes on the wire are the final dot (curl writes it itself).
 *  - progress_cb: curl calls it at least once a second in every state,
 *    also while it blocks for the dot's reply; it stops the transfer when
 *    the stage has run longer than its own limit (RFC 5321 4.5.3.2). The
 *    body's limit runs from the last byte that moved, as a "data block"
 *    timeout; there is no low-speed limit that could cut a slow reply.
 */
#include "send/submit.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "base/xmem.h"

struct submit {
	const struct config_smtp *c;
	char *url;
	char where[512];	/* "host:port" or "maildir:PATH" */
	char *maildir;		/* maildir:PATH: the path; NULL: SMTP */
	struct submit_maildir *md;	/* opened at the first send */
	CURL *h;		/* NULL for Maildir */
	/* the message in hand */
	const char *data;
	size_t len, off;
	enum submit_stage stage;
	int64_t since;		/* ms: stage began, or the body moved */
	curl_off_t sent;	/* body bytes out, to see the body move */
	size_t out;		/* body bytes out as curl wrote them */
	long timed_out;		/* progress_cb stopped the transfer after
				 * this many seconds; 0: it did not */
	int quitting;		/* QUIT sent: its 221 is not news */
	/* the stage's reply, lines joined; cut at the result's size */
	char reply[sizeof(((struct submit_result *)0)->reply)];
	size_t rlen;
	int reply_done;		/* the reply in .reply is complete */
	int code;		/* its code */
	char errbuf[CURL_ERROR_SIZE];
};

static const char *const stage_names[] = {
	[SUBMIT_S_CONNECT] = "connect",
	[SUBMIT_S_GREETING] = "the greeting",
	[SUBMIT_S_EHLO] = "EHLO",
	[SUBMIT_S_TLS] = "STARTTLS",
	[SUBMIT_S_AUTH] = "AUTH",
	[SUBMIT_S_MAIL] = "MAIL FROM",
	[SUBMIT_S_RCPT] = "RCPT TO",
	[SUBMIT_S_DATA] = "DATA",
	[SUBMIT_S_BODY] = "the message body",
	[SUBMIT_S_DOT] = "the final dot",
	[SUBMIT_S_DONE] = "done",
};

const char *submit_stage_name(enum submit_stage st)
{
	if ((unsigned)st >= sizeof(stage_names) / sizeof(stage_names[0]))
		return "?";
	return stage_names[st];
}

const char *submit_where(const struct submit *s)
{
	return s->where;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The one place the stage changes: its clock restarts and the previous
 * stage's reply is forgotten. */
static void stage_set(struct submit *s, enum submit_stage st)
{
	s->stage = st;
	s->since = now_ms();
	s->reply[0] = '\0';
	s->rlen = 0;
	s->reply_done = 0;
	s->code = 0;
}

/* Seconds: a configured limit, or RFC 5321 4.5.3.2's when it is 0 (a
 * config_smtp built by hand). */
static long limit_or(int configured, long rfc)
{
	return configured > 0 ? configured : rfc;
}

/* Seconds the current stage may take. */
static long stage_limit(const struct submit *s)
{
	if (s->quitting)
		return limit_or(s->c->timeout, 300);
	switch (s->stage) {
	case SUBMIT_S_BODY:
		return limit_or(s->c->data_timeout, 180);
	case SUBMIT_S_DOT:
		return limit_or(s->c->dot_timeout, 600);
	default:
		return limit_or(s->c->timeout, 300);
	}
}

/* ---- curl callbacks --------------------------------------------------- */

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct submit *s = arg;
	size_t n = size * nmemb, left = s->len - s->off;

	if (s->stage < SUBMIT_S_BODY)
		stage_set(s, SUBMIT_S_BODY);	/* the 354 came */
	if (left == 0) {
		/* all given went out: curl writes the dot next */
		if (s->stage == SUBMIT_S_BODY)
			stage_set(s, SUBMIT_S_DOT);
		return 0;
	}
	if (n > left)
		n = left;
	memcpy(ptr, s->data + s->off, n);
	s->off += n;
	return n;
}

/* A command curl wrote: which stage it starts. An AUTH continuation
 * (a base64 line) is a new exchange within AUTH. */
static void command_out(struct submit *s, const char *p, size_t n)
{
	static const struct {
		const char *verb;
		enum submit_stage st;
	} cmd[] = {
		{ "EHLO ", SUBMIT_S_EHLO }, { "HELO ", SUBMIT_S_EHLO },
		{ "STARTTLS", SUBMIT_S_TLS }, { "AUTH ", SUBMIT_S_AUTH },
		{ "MAIL FROM:", SUBMIT_S_MAIL }, { "RCPT TO:", SUBMIT_S_RCPT },
		{ "DATA", SUBMIT_S_DATA },
	};
	size_t i, k;

	if (n >= 4 && strncasecmp(p, "QUIT", 4) == 0) {
		s->quitting = 1;
		s->since = now_ms();
		return;
	}
	for (i = 0; i < sizeof(cmd) / sizeof(cmd[0]); i++) {
		k = strlen(cmd[i].verb);
		if (n >= k && strncasecmp(p, cmd[i].verb, k) == 0) {
			stage_set(s, cmd[i].st);
			return;
		}
	}
	if (s->stage == SUBMIT_S_AUTH)
		stage_set(s, SUBMIT_S_AUTH);
}

/* Body bytes went out. curl ends the body either when the read callback
 * has nothing more (read_cb) or, with no dot to stuff, as soon as the
 * bytes written reach the size it was told: then the dot is next. */
static void body_out(struct submit *s, size_t n)
{
	s->out += n;
	if (s->stage == SUBMIT_S_BODY && s->off == s->len && s->out == s->len)
		stage_set(s, SUBMIT_S_DOT);
}

/* Append to the reply, cut where the result's buffer ends. */
static void reply_add(struct submit *s, const char *p, size_t n)
{
	size_t room = sizeof(s->reply) - 1 - s->rlen;

	if (n > room)
		n = room;
	memcpy(s->reply + s->rlen, p, n);
	s->rlen += n;
	s->reply[s->rlen] = '\0';
}

/* "NNN" at the start of a line as a number; 0 if it is not a code. */
static int reply_code(const char *p, size_t n)
{
	if (n < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9')
		return 0;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* Keep one server line: "NNN-" continues a reply, "NNN " ends it, and
 * the first line after an ended reply starts a new one. */
static void reply_line(struct submit *s, const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (n == 0)
		return;
	/* the greeting came before progress_cb saw the connection; any
	 * line after the body is the reply to the final dot */
	if (s->stage == SUBMIT_S_CONNECT)
		stage_set(s, SUBMIT_S_GREETING);
	else if (s->stage == SUBMIT_S_BODY)
		stage_set(s, SUBMIT_S_DOT);
	if (s->reply_done) {
		s->rlen = 0;
		s->reply_done = 0;
	}
	if (s->rlen > 0)
		reply_add(s, " ", 1);
	reply_add(s, p, n);
	s->reply_done = !(n >= 4 && p[3] == '-');
	if (s->reply_done)
		s->code = reply_code(p, n);
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
		    void *arg)
{
	struct submit *s = arg;
	size_t i, start = 0;

	(void)h;
	if (s->quitting)
		return 0;
	if (type == CURLINFO_HEADER_OUT) {
		command_out(s, data, size);
		return 0;
	}
	if (type == CURLINFO_DATA_OUT) {
		body_out(s, size);
		return 0;
	}
	if (type != CURLINFO_HEADER_IN)
		return 0;
	for (i = 0; i < size; i++) {
		if (data[i] == '\n') {
			reply_line(s, data + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start < size)
		reply_line(s, data + start, size - start);
	return 0;
}

/* Connected (and, for smtps://, TLS up): the greeting is next. */
static int connected(struct submit *s)
{
	curl_off_t t = 0;

	curl_easy_getinfo(s->h, strncasecmp(s->url, "smtps:", 6) == 0 ?
			  CURLINFO_APPCONNECT_TIME_T : CURLINFO_CONNECT_TIME_T,
			  &t);
	return t > 0;
}

static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct submit *s = arg;
	int64_t now = now_ms();

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	if (s->stage == SUBMIT_S_CONNECT && !s->quitting && connected(s))
		stage_set(s, SUBMIT_S_GREETING);
	if (s->stage == SUBMIT_S_BODY && ulnow != s->sent) {
		s->sent = ulnow;
		s->since = now;
	}
	if (now - s->since < stage_limit(s) * 1000L)
		return 0;
	if (!s->quitting)
		s->timed_out = stage_limit(s);
	return 1;	/* CURLE_ABORTED_BY_CALLBACK */
}

/* ---- the result ------------------------------------------------------- */

/* RFC 3463 "class.subject.detail" after the reply code, or "". */
static void enhanced_code(const char *reply, char out[16])
{
	const char *p = reply + 4;
	size_t n, part;

	out[0] = '\0';
	if (strlen(reply) < 9 || (reply[3] != ' ' && reply[3] != '-') ||
	    (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
		return;
	for (n = 2, part = 0; part < 2; part++) {
		size_t d = 0;

		while (d < 4 && p[n + d] >= '0' && p[n + d] <= '9')
			d++;
		if (d == 0 || d > 3)
			return;
		n += d;
		if (part == 0 && p[n++] != '.')
			return;
	}
	if (p[n] != '\0' && p[n] != ' ')
		return;
	snprintf(out, 16, "%.*s", (int)n, p);
}

static int lost(CURLcode rc)
{
	return rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	       rc == CURLE_GOT_NOTHING;
}

/* Why there is no reply to quote, as "host:port: what happened". */
static void no_reply(struct submit *s, CURLcode rc, struct submit_result *r)
{
	const char *stage = submit_stage_name(r->stage);
	char *msg;
	long os = 0;

	if (s->timed_out && r->stage == SUBMIT_S_CONNECT)
		msg = xasprintf("%s: no connection in %ld s", s->where,
				s->timed_out);
	else if (s->timed_out && r->stage == SUBMIT_S_BODY)
		msg = xasprintf("%s: no progress in %ld s sending the message "
				"body", s->where, s->timed_out);
	else if (s->timed_out)
		msg = xasprintf("%s: no reply in %ld s to %s", s->where,
				s->timed_out, stage);
	else if (rc == CURLE_COULDNT_CONNECT &&
		 curl_easy_getinfo(s->h, CURLINFO_OS_ERRNO, &os) == CURLE_OK &&
		 os == ECONNREFUSED)
		msg = xasprintf("%s: connection refused", s->where);
	else if (rc == CURLE_USE_SSL_FAILED)
		/* curl's "Requested SSL level failed" does not tell an
		 * organiser what to change */
		msg = xasprintf("%s: the server does not offer STARTTLS, "
				"and require_tls = yes refuses to send in the "
				"clear", s->where);
	else if (lost(rc) && r->dot_sent)
		msg = xasprintf("%s: connection lost after the final dot",
				s->where);
	else if (lost(rc))
		msg = xasprintf("%s: connection lost during %s", s->where,
				stage);
	else
		msg = xasprintf("%s: %s", s->where, s->errbuf[0] ? s->errbuf :
				curl_easy_strerror(rc));
	snprintf(r->reply, sizeof(r->reply), "%s", msg);
	free(msg);
}

static void smtp_result(struct submit *s, CURLcode rc,
			struct submit_result *r)
{
	r->stage = s->stage;
	r->curl_code = s->timed_out ? CURLE_OPERATION_TIMEDOUT : (int)rc;
	if (rc == CURLE_OK) {
		r->stage = SUBMIT_S_DONE;
		r->dot_sent = 1;
	} else if (r->stage == SUBMIT_S_DOT && !s->reply_done &&
		   rc == CURLE_SEND_ERROR) {
		r->stage = SUBMIT_S_BODY;	/* the dot's write failed */
	} else if (rc == CURLE_USE_SSL_FAILED) {
		r->stage = SUBMIT_S_TLS;	/* required, not offered */
	} else if ((rc == CURLE_LOGIN_DENIED || rc == CURLE_AUTH_ERROR) &&
		   r->stage < SUBMIT_S_AUTH) {
		r->stage = SUBMIT_S_AUTH;	/* no mechanism in common */
	}
	if (r->stage == SUBMIT_S_DOT)
		r->dot_sent = 1;
	/* the server's answer to this stage, or a positive reply followed
	 * by a failure of ours or the connection's: no answer at all */
	if (s->reply_done && s->code > 0 &&
	    (rc == CURLE_OK || r->stage == s->stage) &&
	    (s->code >= 400 || r->stage >= SUBMIT_S_DOT)) {
		r->smtp_code = s->code;
		memcpy(r->reply, s->reply, sizeof(r->reply));
		enhanced_code(r->reply, r->enhanced);
		return;
	}
	no_reply(s, rc, r);
}

/* ---- sending ---------------------------------------------------------- */

/* A connection without the reply to its last command is out of step: a
 * late reply would answer the next command. curl keeps some of those in
 * its cache (a failure while it waits for the dot's reply), so cut it:
 * the next call then finds it dead and connects again, and no QUIT waits
 * on a server that stopped reading. */
static void drop_connection(struct submit *s)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (curl_easy_getinfo(s->h, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
	    fd != CURL_SOCKET_BAD)
		shutdown(fd, SHUT_RDWR);
}

static void smtp_send(struct submit *s, const char *env_from,
		      const char *rcpt, const char *data, size_t len,
		      struct submit_result *r)
{
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	CURLcode rc;

	if (rcpts == NULL)
		abort();	/* only out of memory makes this fail */
	s->data = data;
	s->len = len;
	s->off = 0;
	s->sent = 0;
	s->out = 0;
	s->timed_out = 0;
	s->quitting = 0;
	s->errbuf[0] = '\0';
	/* a reused connection starts at MAIL FROM, a new one connects */
	stage_set(s, SUBMIT_S_CONNECT);
	curl_easy_setopt(s->h, CURLOPT_MAIL_FROM, env_from);
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(s->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(s->h);
	smtp_result(s, rc, r);
	if (rc != CURLE_OK && r->smtp_code == 0)
		drop_connection(s);
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	s->data = NULL;
}

static void maildir_send(struct submit *s, const char *env_from,
			 const char *rcpt, const char *data, size_t len,
			 struct submit_result *r)
{
	struct err e;
	char *name = NULL;

	/* an unwritable Maildir is this transport's refused connection */
	if ((s->md == NULL &&
	     submit_maildir_open(s->maildir, &s->md, &e) != 0) ||
	    submit_maildir_put(s->md, env_from, rcpt, data, len, &name,
			       &e) != 0) {
		r->stage = SUBMIT_S_CONNECT;
		snprintf(r->reply, sizeof(r->reply), "%s", e.msg);
		return;
	}
	r->stage = SUBMIT_S_DONE;
	r->smtp_code = 250;
	r->dot_sent = 1;
	snprintf(r->reply, sizeof(r->reply), "250 saved as %s", name);
	free(name);
}

int submit_send(struct submit *s, const char *env_from, const char *rcpt,
		const char *data, size_t len, struct submit_result *r)
{
	memset(r, 0, sizeof(*r));
	if (s->maildir != NULL)
		maildir_send(s, env_from, rcpt, data, len, r);
	else
		smtp_send(s, env_from, rcpt, data, len, r);
	return 0;
}

/* ---- open / free ------------------------------------------------------ */

/* "host:port" from the URL, port defaulted by scheme (25 / 465). */
static int parse_where(struct submit *s, struct err *e)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	int rc = -1;

	if (u == NULL)
		abort();
	if (curl_url_set(u, CURLUPART_URL, s->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		err_set(e, "smtp url: cannot parse '%s'", s->url);
	} else {
		snprintf(s->where, sizeof(s->where), "%s:%s", host, port);
		rc = 0;
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* Options that stay for the handle's life: transport, TLS, login, the
 * callbacks and the timeouts curl enforces itself. Those are only a
 * backstop, longer than any stage: progress_cb, which knows the stage,
 * fires first and says which limit it was. */
static void smtp_setup(struct submit *s)
{
	const struct config_smtp *c = s->c;
	long cmd = limit_or(c->timeout, 300), dot = limit_or(c->dot_timeout,
							     600);
	CURL *h = curl_easy_init();

	if (h == NULL)
		abort();	/* only out of memory makes this fail */
	s->h = h;
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
	/* the debug callback runs only in verbose mode; it writes nothing */
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);
	curl_easy_setopt(h, CURLOPT_USE_SSL, c->require_tls ?
			 (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	/* curl's connect phase takes in greeting, EHLO, STARTTLS and AUTH */
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 8 * cmd + 5);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT,
			 (cmd > dot ? cmd : dot) + 5);
	if (c->ca_file != NULL && c->ca_file[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->username != NULL && c->username[0] != '\0') {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
		curl_easy_setopt(h, CURLOPT_PASSWORD,
				 c->password != NULL ? c->password : "");
	}
}

int submit_open(const struct config_smtp *c, struct submit **s_r,
		struct err *e)
{
	struct submit *s = xcalloc(1, sizeof(*s));
	int rc = 0;

	s->c = c;
	s->url = xstrdup(c->url != NULL ? c->url : "");
	if (strncasecmp(s->url, "maildir:", 8) == 0) {
		snprintf(s->where, sizeof(s->where), "%s", s->url);
		s->maildir = xstrdup(s->url + 8);
		if (s->maildir[0] == '\0') {
			err_set(e, "smtp url: maildir: needs a path "
				"(maildir:PATH)");
			rc = -1;
		}
	} else if (strncasecmp(s->url, "smtp://", 7) == 0 ||
		   strncasecmp(s->url, "smtps://", 8) == 0) {
		rc = parse_where(s, e);
		if (rc == 0)
			smtp_setup(s);
	} else {
		err_set(e, "smtp url: '%s' is not smtp://, smtps:// or "
			"maildir:PATH", s->url);
		rc = -1;
	}
	if (rc != 0) {
		submit_free(&s);
		return -1;
	}
	*s_r = s;
	return 0;
}

void submit_free(struct submit **sp)
{
	struct submit *s = *sp;

	if (s == NULL)
		return;
	if (s->h != NULL) {
		/* QUIT on the cached connection; its reply is no news */
		s->quitting = 1;
		s->since = now_ms();
		curl_easy_cleanup(s->h);
	}
	submit_maildir_free(&s->md);
	free(s->maildir);
	free(s->url);
	free(s);
	*sp = NULL;
}
