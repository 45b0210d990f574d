/*
 * submit.h -- hands one finished message and its envelope to a transport
 * (one SMTP connection through libcurl, or a Maildir) and reports what
 * happened as facts: the stage the transaction ended in, the server's
 * reply to that stage, whether the final dot went out. It never renders,
 * never touches the store and never decides what a result means
 * (trouble.c does).
 *
 * Use:     submit_open(&cfg->smtp, &s, &e)  no network yet; the URL's
 *                        scheme picks the transport: smtp://, smtps://
 *                        or maildir:PATH
 *          submit_send(s, env_from, rcpt, data, len, &r)   blocking; one
 *                        message on this process's one connection,
 *                        opened (or reopened after a failure) as needed
 *                        and kept for the next call, as smtp-source -d
 *          submit_where(s)          "host:port" or "maildir:PATH"
 *          submit_stage_name(st)    "RCPT", "the final dot", ...
 *          submit_free(&s)          QUIT, close
 * Owns:    one curl easy handle and the one connection in its cache, the
 *          URL and the Maildir handle. data, env_from and rcpt are
 *          borrowed for the duration of submit_send only; r is the
 *          caller's and holds no pointers.
 * Errors:  submit_open: 0, or -1 with e ("smtp url: why"); nothing is
 *          allocated then. submit_send returns 0 and fills r whatever
 *          happened: a refused connection, a timeout, a dropped
 *          connection and every reply are facts in r, never a return
 *          value. r.reply is the server's reply to r.stage, or a
 *          "host:port: what happened" line when there was none; it never
 *          carries an earlier stage's line.
 * Events:  none: submit_send blocks (curl_easy_perform). The caller runs
 *          one sender process per connection it wants.
 * Config:  smtp.url, username, password, require_tls (smtp:// must
 *          STARTTLS), ca_file, insecure, timeout (connect and each
 *          command reply up to DATA's 354), data_timeout (no progress
 *          while sending the body), dot_timeout (reply to the final dot);
 *          a limit of 0 is RFC 5321's (300, 180 and 600 s).
 * Spec:    RFC 5321 (SMTP; timeouts of section 4.5.3.2), RFC 1047 (the
 *          reply to the dot that never comes), RFC 3463 (enhanced codes),
 *          RFC 3207 (STARTTLS), RFC 4954 (AUTH), RFC 8314 (implicit TLS),
 *          Maildir (cr.yp.to/proto/maildir.html).
 * Tests:   tests/unit/test_send.c (Maildir, URL errors),
 *          tests/integration/submit.sh (a scripted server on 127.0.0.1:
 *          every stage, drops, stalls and timeouts, through submit_probe
 *          and anketa send), tests/integration/send_errors.sh,
 *          tests/integration/mailstack.sh (Postfix, STARTTLS, AUTH).
 */
#ifndef ANKETA_SUBMIT_H
#define ANKETA_SUBMIT_H

#include <stddef.h>

#include "base/config.h"
#include "base/err.h"

struct submit;

/* Where a transaction is; the stage it ended in is reported. */
enum submit_stage {
	SUBMIT_S_CONNECT,	/* TCP connect (and smtps:// TLS handshake) */
	SUBMIT_S_GREETING,	/* connected, waiting for the 220 */
	SUBMIT_S_EHLO,		/* EHLO (or HELO) sent */
	SUBMIT_S_TLS,		/* STARTTLS sent, or TLS required, refused */
	SUBMIT_S_AUTH,		/* AUTH sent, or login impossible */
	SUBMIT_S_MAIL,		/* MAIL FROM sent */
	SUBMIT_S_RCPT,		/* RCPT TO sent */
	SUBMIT_S_DATA,		/* DATA sent, waiting for 354 */
	SUBMIT_S_BODY,		/* sending the body */
	SUBMIT_S_DOT,		/* final dot sent, waiting for its reply */
	SUBMIT_S_DONE,		/* the message was accepted */
};

/* What happened to one message: facts only, trouble_classify() judges. */
struct submit_result {
	enum submit_stage stage;	/* the stage the transaction ended in */
	int smtp_code;		/* that stage's reply code; 0: no reply */
	char enhanced[16];	/* its RFC 3463 code ("5.1.1"), or "" */
	/* the final dot went out: with no reply the outcome is unknown
	 * (RFC 1047) and sending again may duplicate the message */
	int dot_sent;
	/* CURLcode; 0 for success and for Maildir; a stage timeout is
	 * CURLE_OPERATION_TIMEDOUT */
	int curl_code;
	/* The server's reply to THAT stage verbatim (lines of a multi-line
	 * reply joined by a space), or "host:port: no reply in N s to
	 * DATA", "host:port: connection lost after the final dot",
	 * "host:port: connection refused"... never an earlier line. */
	char reply[2048];
};

/* No network yet: parses the URL (or creates the Maildir). c is
 * borrowed and must outlive s. */
int submit_open(const struct config_smtp *c, struct submit **s_r,
		struct err *e);
/* Hand one message over on this process's one connection (opened, or
 * reopened after a failure, as needed; reused across calls like
 * smtp-source -d). env_from is the envelope sender (the VERP return
 * path), rcpt one recipient, data the whole message with CRLF line ends.
 * Blocking, each stage bounded by its timeout. Returns 0 and fills r
 * whatever the server answered. */
int submit_send(struct submit *s, const char *env_from, const char *rcpt,
		const char *data, size_t len, struct submit_result *r);
/* "host:port" of the SMTP server, or "maildir:PATH": for messages. */
const char *submit_where(const struct submit *s);
/* The stage as an organiser reads it: "connect", "EHLO", "RCPT TO",
 * "DATA", "the message body", "the final dot"... (static storage). */
const char *submit_stage_name(enum submit_stage st);
/* QUIT and close. A connection that lost step was cut already; a
 * healthy one waits for the 221 at most the longest limit (curl's own
 * response timeout). NULL is fine; *s becomes NULL. */
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
