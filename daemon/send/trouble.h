/*
 * trouble.h -- the one place that decides what a submission result means
 * (as Postfix's smtp_trouble.c): sent, try again later, outcome unknown,
 * the message or the recipient refused for good, or the submission
 * server itself unusable for now; and when to try again. Pure: it never
 * talks to a server, the store or the clock.
 *
 * Use:     trouble_classify(&submit_result)   verdict for one message
 *          trouble_name(verdict)              "sent", "defer", ...
 *          trouble_backoff(attempts, min, max, rnd)   seconds to wait
 * Owns:    nothing; trouble_name returns static storage.
 * Errors:  none: every result has a verdict. A result the rules do not
 *          name is deferred (another try costs less than a lost mail).
 * Events:  none (pure).
 * Config:  none itself; the caller passes [queue] min_backoff and
 *          max_backoff to trouble_backoff, and waits [queue] pause after
 *          TROUBLE_PAUSE.
 * Spec:    RFC 5321 4.2 (reply codes), 4.5.3.1.10 (552 at RCPT is
 *          temporary), 4.5.3.2 (timeouts); RFC 3463 (enhanced codes:
 *          x.1.x addressing, x.2.2 mailbox full, x.3.4 too big); RFC 1047
 *          (no reply to the dot: the outcome is unknown).
 * Tests:   tests/unit/test_trouble.c, tests/integration/submit.sh.
 */
#ifndef ANKETA_TROUBLE_H
#define ANKETA_TROUBLE_H

#include <stdint.h>

#include "send/submit.h"

enum trouble_verdict {
	TROUBLE_SENT,		/* the server took responsibility (2xx to
				 * the dot) */
	TROUBLE_DEFER,		/* temporary: try this message later */
	TROUBLE_UNKNOWN,	/* the dot went out, no reply: maybe sent;
				 * sending again may duplicate it */
	TROUBLE_FAIL_MSG,	/* this message is refused for good (too
				 * large, content, policy) */
	TROUBLE_FAIL_RCPT,	/* the recipient does not exist: contact
				 * undeliverable */
	TROUBLE_PAUSE,		/* the sender's own problem: pause the
				 * whole submission server, the message
				 * stays due */
};

/* The verdict for one result. Rules, first match wins:
 *   accepted after the dot (stage DONE, or 2xx at DOT)     SENT
 *   the dot went out and no reply came                     UNKNOWN
 *   no reply at CONNECT (refused, unreachable, timeout,
 *     an unwritable Maildir)                               PAUSE
 *   no reply at TLS or AUTH that is not a timeout or a
 *     dropped connection (TLS required and refused, a
 *     failed handshake or certificate, no login possible)  PAUSE
 *   any other result without a reply: a timeout, a
 *     dropped connection before the dot                    DEFER
 *   4xx anywhere                                           DEFER
 *   5xx with x.2.2 (mailbox full) anywhere, 552 at RCPT    DEFER
 *   5xx at RCPT with 5.1.x, or 550/551/553 without an
 *     enhanced code                                        FAIL_RCPT
 *   552 or 5.3.4 at MAIL FROM                              FAIL_MSG
 *   other 5xx at RCPT, DATA, the body or the dot           FAIL_MSG
 *   other 5xx at the greeting, EHLO, TLS, AUTH, MAIL FROM  PAUSE */
enum trouble_verdict trouble_classify(const struct submit_result *r);
/* "sent", "defer", "unknown", "fail-msg", "fail-rcpt", "pause". */
const char *trouble_name(enum trouble_verdict v);
/* Seconds until the next attempt after `attempts` tries (1: the first
 * failed): min_s doubled per further try, capped at max_s, then moved by
 * up to a quarter either way with rnd (a random 32-bit value the caller
 * passes, so tests are deterministic), and kept within [min_s, max_s].
 * For the same rnd it never shrinks as attempts grow. */
long trouble_backoff(int attempts, long min_s, long max_s, uint32_t rnd);

#endif
