/*
 * submit.h -- hands finished message bytes and their envelope to a
 * transport (SMTP through libcurl's multi interface, or a Maildir) and
 * reports what the server said; never renders, never touches the store
 * and never decides what a reply means (send.c's send_classify does).
 *
 * Use:     submit_open(&cfg->smtp, &s, &e)   scheme picks the transport:
 *                        smtp://, smtps:// or maildir:PATH
 *          submit_enqueue(s, env_from, rcpt, data, len, cb, arg)  (copies)
 *          submit_run(s, &e)        runs every queued message to its end,
 *                                   cfg.concurrency SMTP connections at
 *                                   once, each reused for many messages
 *          submit_where(s)          "host:port" or "maildir:PATH"
 *          submit_free(&s)
 * Owns:    its curl handles, their connections and a copy of every queued
 *          message until its callback has run. The result handed to a
 *          callback is borrowed for the duration of the callback only.
 * Errors:  submit_open: 0, or -1 with e ("smtp url: why").
 *          submit_run: 0 when every message reached the server (whatever
 *          it answered: see each callback); -1 with e = "host:port: why"
 *          when the transport itself failed (connection refused, TLS
 *          required but refused, login denied, unwritable Maildir). Then
 *          the run stops: every message not finished yet gets its callback
 *          with attempted = 0 and site_failure = 1, so nothing is left
 *          without an outcome. Every enqueued message gets exactly one
 *          callback before submit_run returns.
 * Events:  none yet: submit_run polls with curl_multi_poll. The multi
 *          handle is kept so a libev loop can later drive it with
 *          curl_multi_socket_action instead.
 * Config:  smtp.url, username, password, require_tls (smtp:// must
 *          STARTTLS), ca_file, insecure, timeout (connect and per
 *          command), concurrency.
 * Spec:    RFC 5321 (SMTP), RFC 3207 (STARTTLS), RFC 4954 (AUTH), RFC 8314
 *          (implicit TLS), Maildir (cr.yp.to/proto/maildir.html).
 * Tests:   tests/unit/test_send.c (Maildir, URL errors),
 *          tests/integration/send_errors.sh (a scripted server on
 *          127.0.0.1: refused connection, 5xx and 4xx per recipient),
 *          tests/integration/mailstack.sh (Postfix, STARTTLS, AUTH),
 *          bench/send (smtp-sink).
 */
#ifndef ANKETA_SUBMIT_H
#define ANKETA_SUBMIT_H

#include <stddef.h>

#include "base/config.h"
#include "base/err.h"

struct submit;

/* What happened to one message: facts only, send_classify() judges. */
struct submit_result {
	int attempted;		/* 0: never handed over (the run stopped) */
	int site_failure;	/* the transport failed, not this message */
	int smtp_code;		/* last reply code (550, 250, ...); 0: none */
	int curl_code;		/* CURLcode; 0 for success and for Maildir */
	/* The server's last reply verbatim ("550 5.1.1 <x@example.org>:
	 * Recipient address rejected"; lines of a multi-line reply joined
	 * by a space), or "host:port: reason" when there was no reply. */
	const char *reply;
};

/* Runs once per enqueued message, from inside submit_run (or
 * submit_free, for messages never run: attempted = 0). */
typedef void (*submit_cb)(void *arg, const struct submit_result *r);

int submit_open(const struct config_smtp *c, struct submit **s_r,
		struct err *e);
/* env_from is the envelope sender (the VERP return path); rcpt one
 * recipient. data is the whole message, CRLF line ends; it is copied. */
void submit_enqueue(struct submit *s, const char *env_from, const char *rcpt,
		    const char *data, size_t len, submit_cb cb, void *arg);
/* Messages queued and not yet finished. */
size_t submit_pending(const struct submit *s);
int submit_run(struct submit *s, struct err *e);
/* "host:port" of the SMTP server, or "maildir:PATH": for messages. */
const char *submit_where(const struct submit *s);
void submit_free(struct submit **s);

/* ---- private to submit.c / submit_maildir.c ------------------------- */

/* The Maildir transport: writes each message as PATH/new/UNIQUE with
 * "Delivered-To: <rcpt>" and "Return-Path: <env_from>" prepended. */
struct submit_maildir;
int submit_maildir_open(const char *path, struct submit_maildir **m_r,
			struct err *e);
/* 0 saved (the file name in name_r, caller frees), -1 with e. */
int submit_maildir_put(struct submit_maildir *m, const char *env_from,
		       const char *rcpt, const char *data, size_t len,
		       char **name_r, struct err *e);
void submit_maildir_free(struct submit_maildir **m);

#endif
