/*
 * trouble.c -- what a submission result means, and when to try again
 * (see trouble.h for the rules). The protocol code (submit.c) reports
 * facts; every judgement about them is here, so a rule changes in one
 * place and is tested as a table (tests/unit/test_trouble.c).
 *
 * Two asymmetries shape the rules. A temporary condition must never turn
 * into a permanent one: a full mailbox (x.2.2, and 552 at RCPT, which RFC
 * 5321 4.5.3.1.10 says clients should treat as temporary) is deferred, so
 * a contact is marked undeliverable only on an addressing failure (5.1.x).
 * And a refusal of the session rather than of the message (our login, our
 * TLS, our sender address, a server we cannot reach) says nothing about
 * the recipients: it pauses the server instead of failing everyone.
 */
#include "send/trouble.h"

#include <string.h>

#include <curl/curl.h>

/* No reply because of time or a broken connection: worth another try. */
static int transient(int curl_code)
{
	return curl_code == CURLE_OPERATION_TIMEDOUT ||
	       curl_code == CURLE_RECV_ERROR ||
	       curl_code == CURLE_SEND_ERROR || curl_code == CURLE_GOT_NOTHING;
}

static enum trouble_verdict no_reply(const struct submit_result *r)
{
	if (r->dot_sent)
		return TROUBLE_UNKNOWN;	/* RFC 1047 */
	if (r->stage == SUBMIT_S_CONNECT)
		return TROUBLE_PAUSE;	/* nobody to talk to */
	if ((r->stage == SUBMIT_S_TLS || r->stage == SUBMIT_S_AUTH) &&
	    !transient(r->curl_code))
		return TROUBLE_PAUSE;	/* we cannot be secure or log in */
	return TROUBLE_DEFER;
}

/* "x.2.2": mailbox full, whatever the class (RFC 3463). */
static int mailbox_full(const char *enh)
{
	return enh[0] != '\0' && strcmp(enh + 1, ".2.2") == 0;
}

static enum trouble_verdict permanent(const struct submit_result *r)
{
	const char *enh = r->enhanced;
	int code = r->smtp_code;

	if (mailbox_full(enh))
		return TROUBLE_DEFER;
	switch (r->stage) {
	case SUBMIT_S_RCPT:
		if (code == 552)
			return TROUBLE_DEFER;	/* RFC 5321 4.5.3.1.10 */
		if (strncmp(enh, "5.1.", 4) == 0 ||
		    (enh[0] == '\0' &&
		     (code == 550 || code == 551 || code == 553)))
			return TROUBLE_FAIL_RCPT;
		return TROUBLE_FAIL_MSG;
	case SUBMIT_S_MAIL:
		if (code == 552 || strcmp(enh, "5.3.4") == 0)
			return TROUBLE_FAIL_MSG;	/* too large */
		return TROUBLE_PAUSE;	/* our sender address refused */
	case SUBMIT_S_DATA:
	case SUBMIT_S_BODY:
	case SUBMIT_S_DOT:
		return TROUBLE_FAIL_MSG;
	default:
		return TROUBLE_PAUSE;	/* the session itself refused */
	}
}

enum trouble_verdict trouble_classify(const struct submit_result *r)
{
	int cls = r->smtp_code / 100;

	if (r->stage == SUBMIT_S_DONE ||
	    (r->stage == SUBMIT_S_DOT && cls == 2))
		return TROUBLE_SENT;
	if (r->smtp_code == 0)
		return no_reply(r);
	if (cls == 5)
		return permanent(r);
	/* 4xx, and anything a server should not have said here */
	return TROUBLE_DEFER;
}

const char *trouble_name(enum trouble_verdict v)
{
	static const char *const names[] = {
		[TROUBLE_SENT] = "sent",
		[TROUBLE_DEFER] = "defer",
		[TROUBLE_UNKNOWN] = "unknown",
		[TROUBLE_FAIL_MSG] = "fail-msg",
		[TROUBLE_FAIL_RCPT] = "fail-rcpt",
		[TROUBLE_PAUSE] = "pause",
	};

	if ((unsigned)v >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[v];
}

long trouble_backoff(int attempts, long min_s, long max_s, uint32_t rnd)
{
	long base, d;
	int i;

	if (min_s < 1)
		min_s = 1;
	if (max_s < min_s)
		max_s = min_s;
	/* doubling stops at the cap, so this never overflows */
	for (base = min_s, i = 1; i < attempts && base < max_s; i++)
		base = base > max_s / 2 ? max_s : base * 2;
	/* jitter: base - base/4 .. base + base/4, so retries of messages
	 * that failed together spread out; a fraction of the range, not a
	 * remainder, so one rnd never gives a shorter wait for more tries */
	d = base - base / 4 + (long)(((uint64_t)(base / 2) * rnd) >> 32);
	if (d < min_s)
		d = min_s;
	if (d > max_s)
		d = max_s;
	return d;
}
