/*
 * submit.c -- message submission over SMTP with libcurl's multi interface
 * (and dispatch to the Maildir transport in submit_maildir.c).
 *
 * RFCs: 5321 (SMTP), 3207 (STARTTLS), 4954 (AUTH), 8314 (implicit TLS).
 *
 * Shape: cfg.concurrency "slots", each one curl easy handle kept for the
 * whole run. A finished slot takes the next queued message; because the
 * handle stays in the same multi handle, curl reuses its connection (its
 * cache is per multi), so one SMTP session carries many messages:
 * MAIL FROM / RCPT TO / DATA, again and again, as smtp-source -d does.
 *
 * curl reports only a number for a failed command ("RCPT failed: 550"),
 * so a debug callback keeps the server's last reply line(s) verbatim:
 * that text is what the organiser sees in the report.
 */
#include "send/submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/buf.h"
#include "base/xmem.h"

#define SUBMIT_REPLY_MAX 2048

/* One queued message; owned by the queue, then by a slot. */
struct job {
	char *from;
	char *rcpt;
	char *data;
	size_t len;
	submit_cb cb;
	void *arg;
	struct job *next;
};

/* One easy handle, one SMTP connection (reused), one message at a time. */
struct slot {
	struct submit *s;
	CURL *h;
	struct job *job;	/* NULL: idle */
	size_t off;		/* upload position in job->data */
	struct curl_slist *rcpts;
	struct buf reply;	/* last server reply, lines joined */
	int reply_done;		/* the reply in .reply is complete */
	int quitting;		/* QUIT sent: its "221 Bye" is not news */
	char errbuf[CURL_ERROR_SIZE];
};

struct submit {
	const struct config_smtp *c;
	char *url;
	char where[512];	/* "host:port" or "maildir:PATH" */
	struct submit_maildir *md;	/* non-NULL: Maildir transport */
	CURLM *multi;
	struct slot *slots;
	int nslots;
	struct job *head, *tail;
	size_t pending;		/* queued + running */
	int stopped;		/* a site failure: start nothing new */
	struct err site;	/* why */
};

/* ---- queue ------------------------------------------------------------ */

static void job_free(struct job *j)
{
	free(j->from);
	free(j->rcpt);
	free(j->data);
	free(j);
}

/* Hand a result to the job's owner and forget the job. */
static void job_finish(struct submit *s, struct job *j,
		       const struct submit_result *r)
{
	s->pending--;
	j->cb(j->arg, r);
	job_free(j);
}

static struct job *queue_pop(struct submit *s)
{
	struct job *j = s->head;

	if (j != NULL) {
		s->head = j->next;
		if (s->head == NULL)
			s->tail = NULL;
		j->next = NULL;
	}
	return j;
}

/* Every message not yet handed over gets its one callback. */
static void queue_drain(struct submit *s, const char *why)
{
	struct submit_result r = { 0, 1, 0, 0, why };
	struct job *j;

	while ((j = queue_pop(s)) != NULL)
		job_finish(s, j, &r);
}

void submit_enqueue(struct submit *s, const char *env_from, const char *rcpt,
		    const char *data, size_t len, submit_cb cb, void *arg)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->from = xstrdup(env_from);
	j->rcpt = xstrdup(rcpt);
	j->data = xmalloc(len + 1);
	memcpy(j->data, data, len);
	j->data[len] = '\0';
	j->len = len;
	j->cb = cb;
	j->arg = arg;
	if (s->tail != NULL)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	s->pending++;
}

size_t submit_pending(const struct submit *s)
{
	return s->pending;
}

const char *submit_where(const struct submit *s)
{
	return s->where;
}

/* ---- curl callbacks --------------------------------------------------- */

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct slot *sl = arg;
	size_t n = size * nmemb, left = sl->job->len - sl->off;

	if (n > left)
		n = left;
	memcpy(ptr, sl->job->data + sl->off, n);
	sl->off += n;
	return n;
}

/* Keep one server line: a line "NNN-" continues a reply, "NNN " ends it,
 * and the first line after an ended reply starts a new one. */
static void reply_line(struct slot *sl, const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (n == 0)
		return;
	if (sl->reply_done) {
		buf_reset(&sl->reply);
		sl->reply_done = 0;
	}
	if (sl->reply.len > 0)
		(void)buf_addc(&sl->reply, ' ');
	/* past the cap the reply is cut, which is fine for a record */
	(void)buf_add(&sl->reply, p, n);
	sl->reply_done = !(n >= 4 && p[3] == '-');
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
		    void *arg)
{
	struct slot *sl = arg;
	size_t i, start = 0;

	(void)h;
	/* curl closes a connection after a failed command with QUIT; keep
	 * the reply that explains the failure, not the goodbye */
	if (type == CURLINFO_HEADER_OUT && size >= 4 &&
	    strncasecmp(data, "QUIT", 4) == 0)
		sl->quitting = 1;
	if (type != CURLINFO_HEADER_IN || sl->quitting)
		return 0;
	for (i = 0; i < size; i++) {
		if (data[i] == '\n') {
			reply_line(sl, data + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start < size)
		reply_line(sl, data + start, size - start);
	return 0;
}

/* ---- slots ------------------------------------------------------------ */

/* Options that stay for the handle's life: transport, TLS, login. */
static void slot_setup(struct submit *s, struct slot *sl)
{
	const struct config_smtp *c = s->c;
	CURL *h = curl_easy_init();

	if (h == NULL)
		abort();	/* only out of memory makes this fail */
	sl->s = s;
	sl->h = h;
	buf_init(&sl->reply, SUBMIT_REPLY_MAX);
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, sl);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, sl->errbuf);
	/* the debug callback runs only in verbose mode; it writes nothing */
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, sl);
	curl_easy_setopt(h, CURLOPT_PRIVATE, sl);
	curl_easy_setopt(h, CURLOPT_USE_SSL, c->require_tls ?
			 (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->timeout);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)c->timeout);
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

static void slot_start(struct submit *s, struct slot *sl, struct job *j)
{
	sl->job = j;
	sl->off = 0;
	sl->errbuf[0] = '\0';
	buf_reset(&sl->reply);
	sl->reply_done = 0;
	sl->quitting = 0;
	sl->rcpts = curl_slist_append(NULL, j->rcpt);
	if (sl->rcpts == NULL)
		abort();
	curl_easy_setopt(sl->h, CURLOPT_MAIL_FROM, j->from);
	curl_easy_setopt(sl->h, CURLOPT_MAIL_RCPT, sl->rcpts);
	curl_easy_setopt(sl->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->len);
	curl_multi_add_handle(s->multi, sl->h);
}

/* Failures that say nothing about the message: the server could not be
 * reached, would not do TLS, or refused our login. The run stops. */
static int is_site_failure(CURLcode rc, long code)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_USE_SSL_FAILED:
	case CURLE_LOGIN_DENIED:
	case CURLE_AUTH_ERROR:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ENGINE_NOTFOUND:
		return 1;
	case CURLE_OPERATION_TIMEDOUT:
		return code == 0;	/* no greeting: nobody answered */
	default:
		return 0;
	}
}

/* "host:port: Couldn't connect to server (Failed to connect to ...)" and
 * the server's reply when it gave one (a refused login). */
static void site_reason(struct submit *s, struct slot *sl, CURLcode rc)
{
	const char *why = curl_easy_strerror(rc);

	/* curl's "Requested SSL level failed" does not tell an organiser
	 * what to change */
	if (rc == CURLE_USE_SSL_FAILED)
		why = "the server does not offer STARTTLS, and require_tls = "
		      "yes refuses to send in the clear";
	if (sl->reply.len > 0)
		err_set(&s->site, "%s: %s: %s", s->where, why,
			buf_cstr(&sl->reply));
	else if (sl->errbuf[0] != '\0')	/* says more than strerror */
		err_set(&s->site, "%s: %s", s->where, sl->errbuf);
	else
		err_set(&s->site, "%s: %s", s->where, why);
}

static void slot_done(struct submit *s, struct slot *sl, CURLcode rc)
{
	struct submit_result r = { 1, 0, 0, (int)rc, NULL };
	struct job *j = sl->job;
	long code = 0;
	char tmp[ERR_MAX];

	curl_easy_getinfo(sl->h, CURLINFO_RESPONSE_CODE, &code);
	curl_multi_remove_handle(s->multi, sl->h);
	curl_slist_free_all(sl->rcpts);
	sl->rcpts = NULL;
	sl->job = NULL;
	r.smtp_code = (int)code;
	if (rc != CURLE_OK && is_site_failure(rc, code)) {
		site_reason(s, sl, rc);
		s->stopped = 1;
		r.site_failure = 1;
		r.reply = s->site.msg;
	} else if (sl->reply.len > 0 && (rc == CURLE_OK || code != 0)) {
		r.reply = buf_cstr(&sl->reply);
	} else {
		/* no reply to quote: a timeout or a dropped connection */
		snprintf(tmp, sizeof(tmp), "%s: %s", s->where,
			 sl->errbuf[0] ? sl->errbuf : curl_easy_strerror(rc));
		r.reply = tmp;
	}
	job_finish(s, j, &r);
}

/* ---- running ---------------------------------------------------------- */

/* Give every idle slot a message; 1 if any started. */
static int fill_slots(struct submit *s)
{
	int i, started = 0;
	struct job *j;

	for (i = 0; i < s->nslots && !s->stopped; i++) {
		if (s->slots[i].job != NULL)
			continue;
		j = queue_pop(s);
		if (j == NULL)
			break;
		slot_start(s, &s->slots[i], j);
		started = 1;
	}
	return started;
}

/* Finish every transfer curl reports done; the number finished. */
static int reap(struct submit *s)
{
	CURLMsg *m;
	int left, n = 0;
	struct slot *sl;

	while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				  (char **)&sl);
		slot_done(s, sl, m->data.result);
		n++;
	}
	return n;
}

/* The multi handle itself failed (out of sockets...): every message in
 * a slot ends now, its outcome unknown, so it stays due for a retry. */
static int multi_failed(struct submit *s, CURLMcode mc, struct err *e)
{
	struct submit_result r = { 1, 1, 0, 0, NULL };
	struct job *j;
	int i;

	err_set(e, "%s: %s", s->where, curl_multi_strerror(mc));
	r.reply = e->msg;
	for (i = 0; i < s->nslots; i++) {
		if ((j = s->slots[i].job) == NULL)
			continue;
		curl_multi_remove_handle(s->multi, s->slots[i].h);
		curl_slist_free_all(s->slots[i].rcpts);
		s->slots[i].rcpts = NULL;
		s->slots[i].job = NULL;
		job_finish(s, j, &r);
	}
	return -1;
}

static int run_smtp(struct submit *s, struct err *e)
{
	int running = 0;
	CURLMcode mc;

	for (;;) {
		fill_slots(s);
		mc = curl_multi_perform(s->multi, &running);
		if (mc != CURLM_OK)
			return multi_failed(s, mc, e);
		if (reap(s) > 0)
			continue;	/* free slots: refill before waiting */
		if (running == 0 && (s->head == NULL || s->stopped))
			break;
		mc = curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK)
			return multi_failed(s, mc, e);
	}
	return 0;
}

/* Maildir: one message after the other; an I/O error stops the run. */
static int run_maildir(struct submit *s)
{
	struct submit_result r = { 1, 0, 250, 0, NULL };
	struct job *j;
	char *name = NULL, *ok;

	while (!s->stopped && (j = queue_pop(s)) != NULL) {
		if (submit_maildir_put(s->md, j->from, j->rcpt, j->data, j->len,
				       &name, &s->site) != 0) {
			s->stopped = 1;
			r.site_failure = 1;
			r.smtp_code = 0;
			r.reply = s->site.msg;
			job_finish(s, j, &r);
			break;
		}
		ok = xasprintf("250 saved as %s", name);
		r.reply = ok;
		job_finish(s, j, &r);
		free(ok);
		free(name);
		name = NULL;
	}
	return 0;
}

int submit_run(struct submit *s, struct err *e)
{
	int rc;

	rc = s->md != NULL ? run_maildir(s) : run_smtp(s, e);
	if (rc != 0) {
		s->stopped = 1;
		err_set(&s->site, "%s", e->msg);
	}
	if (s->stopped) {
		queue_drain(s, s->site.msg);
		s->stopped = 0;	/* a later run may try again */
		err_set(e, "%s", s->site.msg);
		return -1;
	}
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

static int open_smtp(struct submit *s, struct err *e)
{
	int i;

	if (parse_where(s, e) != 0)
		return -1;
	s->multi = curl_multi_init();
	if (s->multi == NULL)
		abort();
	s->nslots = s->c->concurrency > 0 ? s->c->concurrency : 1;
	curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)s->nslots);
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)s->nslots);
	s->slots = xcalloc((size_t)s->nslots, sizeof(*s->slots));
	for (i = 0; i < s->nslots; i++)
		slot_setup(s, &s->slots[i]);
	return 0;
}

int submit_open(const struct config_smtp *c, struct submit **s_r,
		struct err *e)
{
	struct submit *s = xcalloc(1, sizeof(*s));
	int rc;

	s->c = c;
	s->url = xstrdup(c->url != NULL ? c->url : "");
	if (strncasecmp(s->url, "maildir:", 8) == 0) {
		snprintf(s->where, sizeof(s->where), "%s", s->url);
		rc = submit_maildir_open(s->url + 8, &s->md, e);
	} else if (strncasecmp(s->url, "smtp://", 7) == 0 ||
		   strncasecmp(s->url, "smtps://", 8) == 0) {
		rc = open_smtp(s, e);
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
	static const struct submit_result closed = { 0, 1, 0, 0,
		"not sent: transport closed" };
	struct submit *s = *sp;
	int i;

	if (s == NULL)
		return;
	queue_drain(s, closed.reply);
	for (i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];

		if (sl->job != NULL) {
			struct job *j = sl->job;

			curl_multi_remove_handle(s->multi, sl->h);
			sl->job = NULL;
			job_finish(s, j, &closed);
		}
		curl_slist_free_all(sl->rcpts);
		curl_easy_cleanup(sl->h);
		buf_free(&sl->reply);
	}
	free(s->slots);
	if (s->multi != NULL)
		curl_multi_cleanup(s->multi);
	submit_maildir_free(&s->md);
	free(s->url);
	free(s);
	*sp = NULL;
}
