/* test_trouble.c -- the retry policy as tables: every rule of
 * trouble_classify (stage, reply code, enhanced code, dot sent, curl code
 * -> verdict), and trouble_backoff growing, capped, jittered within its
 * bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "send/trouble.h"

#define S(x) SUBMIT_S_##x
#define V(x) TROUBLE_##x

static const struct {
	enum submit_stage stage;
	int code;
	const char *enh;
	int dot, curl;
	enum trouble_verdict want;
	const char *why;
} cases[] = {
	/* accepted */
	{ S(DONE), 250, "2.0.0", 1, 0, V(SENT), "accepted" },
	{ S(DOT), 251, "", 1, CURLE_WEIRD_SERVER_REPLY, V(SENT),
	  "2xx other than 250 after the dot" },
	{ S(DONE), 250, "", 1, 0, V(SENT), "Maildir" },
	/* no reply after the dot: RFC 1047 */
	{ S(DOT), 0, "", 1, CURLE_RECV_ERROR, V(UNKNOWN),
	  "connection lost after the dot" },
	{ S(DOT), 0, "", 1, CURLE_OPERATION_TIMEDOUT, V(UNKNOWN),
	  "dot reply timed out" },
	/* no reply before the dot */
	{ S(CONNECT), 0, "", 0, CURLE_COULDNT_CONNECT, V(PAUSE),
	  "connection refused" },
	{ S(CONNECT), 0, "", 0, CURLE_OPERATION_TIMEDOUT, V(PAUSE),
	  "nobody answers" },
	{ S(CONNECT), 0, "", 0, 0, V(PAUSE), "unwritable Maildir" },
	{ S(TLS), 0, "", 0, CURLE_USE_SSL_FAILED, V(PAUSE),
	  "TLS required, not offered" },
	{ S(TLS), 0, "", 0, CURLE_PEER_FAILED_VERIFICATION, V(PAUSE),
	  "certificate refused" },
	{ S(TLS), 0, "", 0, CURLE_OPERATION_TIMEDOUT, V(DEFER),
	  "STARTTLS timed out" },
	{ S(AUTH), 0, "", 0, CURLE_LOGIN_DENIED, V(PAUSE),
	  "no mechanism in common" },
	{ S(AUTH), 0, "", 0, CURLE_RECV_ERROR, V(DEFER),
	  "dropped during AUTH" },
	{ S(GREETING), 0, "", 0, CURLE_OPERATION_TIMEDOUT, V(DEFER),
	  "no greeting" },
	{ S(MAIL), 0, "", 0, CURLE_OPERATION_TIMEDOUT, V(DEFER),
	  "MAIL timed out" },
	{ S(RCPT), 0, "", 0, CURLE_RECV_ERROR, V(DEFER), "dropped at RCPT" },
	{ S(DATA), 0, "", 0, CURLE_OPERATION_TIMEDOUT, V(DEFER),
	  "no 354" },
	{ S(BODY), 0, "", 0, CURLE_SEND_ERROR, V(DEFER),
	  "dropped mid-body" },
	{ S(BODY), 0, "", 0, CURLE_OPERATION_TIMEDOUT, V(DEFER),
	  "server stopped reading" },
	/* 4xx anywhere */
	{ S(GREETING), 421, "4.3.2", 0, CURLE_WEIRD_SERVER_REPLY, V(DEFER),
	  "421 greeting" },
	{ S(EHLO), 421, "", 0, CURLE_WEIRD_SERVER_REPLY, V(DEFER), "421 EHLO" },
	{ S(AUTH), 454, "4.7.0", 0, CURLE_LOGIN_DENIED, V(DEFER),
	  "454 AUTH" },
	{ S(MAIL), 451, "4.3.0", 0, CURLE_SEND_ERROR, V(DEFER), "451 MAIL" },
	{ S(RCPT), 451, "4.3.0", 0, CURLE_SEND_ERROR, V(DEFER),
	  "451 RCPT (greylisting)" },
	{ S(RCPT), 452, "4.3.1", 0, CURLE_SEND_ERROR, V(DEFER), "452 RCPT" },
	{ S(RCPT), 452, "", 0, CURLE_SEND_ERROR, V(DEFER),
	  "452 RCPT, no enhanced" },
	{ S(RCPT), 450, "4.2.2", 0, CURLE_SEND_ERROR, V(DEFER),
	  "450 mailbox full" },
	{ S(DATA), 451, "", 0, CURLE_SEND_ERROR, V(DEFER), "451 DATA" },
	{ S(DOT), 451, "4.3.0", 1, CURLE_WEIRD_SERVER_REPLY, V(DEFER),
	  "451 after the dot" },
	/* RCPT 5xx */
	{ S(RCPT), 552, "", 0, CURLE_SEND_ERROR, V(DEFER),
	  "552 RCPT is temporary (RFC 5321 4.5.3.1.10)" },
	{ S(RCPT), 552, "5.2.2", 0, CURLE_SEND_ERROR, V(DEFER),
	  "552 5.2.2 mailbox full" },
	{ S(RCPT), 550, "5.2.2", 0, CURLE_SEND_ERROR, V(DEFER),
	  "550 5.2.2 mailbox full, never FAIL_RCPT" },
	{ S(RCPT), 550, "5.1.1", 0, CURLE_SEND_ERROR, V(FAIL_RCPT),
	  "550 5.1.1 unknown user" },
	{ S(RCPT), 553, "5.1.3", 0, CURLE_SEND_ERROR, V(FAIL_RCPT),
	  "553 5.1.3 bad address syntax" },
	{ S(RCPT), 554, "5.1.10", 0, CURLE_SEND_ERROR, V(FAIL_RCPT),
	  "5.1.10 null MX" },
	{ S(RCPT), 550, "", 0, CURLE_SEND_ERROR, V(FAIL_RCPT),
	  "550 without enhanced code" },
	{ S(RCPT), 551, "", 0, CURLE_SEND_ERROR, V(FAIL_RCPT),
	  "551 without enhanced code" },
	{ S(RCPT), 553, "", 0, CURLE_SEND_ERROR, V(FAIL_RCPT),
	  "553 without enhanced code" },
	{ S(RCPT), 550, "5.7.1", 0, CURLE_SEND_ERROR, V(FAIL_MSG),
	  "550 5.7.1 policy: the message, not the address" },
	{ S(RCPT), 554, "", 0, CURLE_SEND_ERROR, V(FAIL_MSG),
	  "554 RCPT without enhanced code" },
	/* MAIL FROM 5xx */
	{ S(MAIL), 552, "", 0, CURLE_SEND_ERROR, V(FAIL_MSG),
	  "552 MAIL: too large" },
	{ S(MAIL), 552, "5.3.4", 0, CURLE_SEND_ERROR, V(FAIL_MSG),
	  "552 5.3.4 MAIL: too large" },
	{ S(MAIL), 554, "5.3.4", 0, CURLE_SEND_ERROR, V(FAIL_MSG),
	  "5.3.4 MAIL: too large" },
	{ S(MAIL), 550, "5.7.1", 0, CURLE_SEND_ERROR, V(PAUSE),
	  "550 MAIL: our sender refused" },
	{ S(MAIL), 553, "5.1.8", 0, CURLE_SEND_ERROR, V(PAUSE),
	  "553 MAIL: bad sender domain" },
	/* DATA, body and dot 5xx */
	{ S(DATA), 554, "5.5.1", 0, CURLE_SEND_ERROR, V(FAIL_MSG),
	  "554 DATA" },
	{ S(DOT), 552, "", 1, CURLE_WEIRD_SERVER_REPLY, V(FAIL_MSG),
	  "552 after the dot" },
	{ S(DOT), 552, "5.3.4", 1, CURLE_WEIRD_SERVER_REPLY, V(FAIL_MSG),
	  "552 5.3.4 after the dot" },
	{ S(DOT), 554, "5.7.1", 1, CURLE_WEIRD_SERVER_REPLY, V(FAIL_MSG),
	  "554 5.7.1 spam after the dot" },
	{ S(DOT), 552, "5.2.2", 1, CURLE_WEIRD_SERVER_REPLY, V(DEFER),
	  "552 5.2.2 mailbox full after the dot (LMTP-like)" },
	/* session 5xx: the sender's own problem */
	{ S(GREETING), 554, "5.3.2", 0, CURLE_WEIRD_SERVER_REPLY, V(PAUSE),
	  "554 greeting" },
	{ S(EHLO), 550, "", 0, CURLE_REMOTE_ACCESS_DENIED, V(PAUSE),
	  "550 EHLO/HELO" },
	{ S(TLS), 554, "5.7.0", 0, CURLE_USE_SSL_FAILED, V(PAUSE),
	  "554 STARTTLS" },
	{ S(AUTH), 535, "5.7.8", 0, CURLE_LOGIN_DENIED, V(PAUSE),
	  "535 login denied" },
	{ S(AUTH), 535, "", 0, CURLE_LOGIN_DENIED, V(PAUSE),
	  "535 without enhanced code" },
};

static void test_classify_table(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct submit_result r = { 0 };
		enum trouble_verdict got;

		r.stage = cases[i].stage;
		r.smtp_code = cases[i].code;
		snprintf(r.enhanced, sizeof(r.enhanced), "%s", cases[i].enh);
		r.dot_sent = cases[i].dot;
		r.curl_code = cases[i].curl;
		snprintf(r.reply, sizeof(r.reply), "x");
		got = trouble_classify(&r);
		if (got != cases[i].want) {
			print_error("case %zu (%s): got %s, want %s\n", i,
				    cases[i].why, trouble_name(got),
				    trouble_name(cases[i].want));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Whatever a temporary condition looks like, it never makes a contact
 * undeliverable: every 4xx at every stage, and x.2.2 with every code. */
static void test_temporary_never_fail_rcpt(void **state)
{
	static const char *const enh[] = { "", "4.2.2", "5.2.2", "4.1.1" };
	int st, code;
	size_t k;

	(void)state;
	for (st = SUBMIT_S_CONNECT; st <= SUBMIT_S_DOT; st++) {
		for (code = 400; code < 600; code++) {
			for (k = 0; k < sizeof(enh) / sizeof(enh[0]); k++) {
				struct submit_result r = { 0 };

				if (code >= 500 && strcmp(enh[k], "5.2.2"))
					continue;
				r.stage = st;
				r.smtp_code = code;
				snprintf(r.enhanced, sizeof(r.enhanced), "%s",
					 enh[k]);
				r.dot_sent = st == SUBMIT_S_DOT;
				assert_int_not_equal(trouble_classify(&r),
						     TROUBLE_FAIL_RCPT);
				assert_int_not_equal(trouble_classify(&r),
						     TROUBLE_FAIL_MSG);
			}
		}
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(trouble_name(TROUBLE_SENT), "sent");
	assert_string_equal(trouble_name(TROUBLE_DEFER), "defer");
	assert_string_equal(trouble_name(TROUBLE_UNKNOWN), "unknown");
	assert_string_equal(trouble_name(TROUBLE_FAIL_MSG), "fail-msg");
	assert_string_equal(trouble_name(TROUBLE_FAIL_RCPT), "fail-rcpt");
	assert_string_equal(trouble_name(TROUBLE_PAUSE), "pause");
	assert_string_equal(trouble_name((enum trouble_verdict)99), "?");
}

/* Postfix's defaults: 300 s, doubling, capped at 4000 s. */
static void test_backoff_grows_and_caps(void **state)
{
	static const uint32_t rnds[] = { 0, 1, 12345, 0x80000000u,
					 0xffffffffu };
	long prev, d;
	size_t k;
	int a;

	(void)state;
	for (k = 0; k < sizeof(rnds) / sizeof(rnds[0]); k++) {
		prev = 0;
		for (a = 1; a <= 40; a++) {
			d = trouble_backoff(a, 300, 4000, rnds[k]);
			assert_true(d >= 300 && d <= 4000);
			assert_true(d >= prev);	/* never shrinks */
			prev = d;
		}
		/* long past the cap it stays within a quarter of it */
		assert_true(prev >= 3000);
	}
	/* the middle of the jitter range is the plain doubling */
	assert_int_equal(trouble_backoff(1, 300, 4000, 0x80000000u), 300);
	assert_int_equal(trouble_backoff(2, 300, 4000, 0x80000000u), 600);
	assert_int_equal(trouble_backoff(3, 300, 4000, 0x80000000u), 1200);
	assert_int_equal(trouble_backoff(4, 300, 4000, 0x80000000u), 2400);
	/* past the cap: a quarter below it at most */
	assert_int_equal(trouble_backoff(5, 300, 4000, 0), 3000);
	assert_int_equal(trouble_backoff(5, 300, 4000, 0xffffffffu), 4000);
	/* a cap between two doublings still never shrinks the wait */
	for (k = 0; k < sizeof(rnds) / sizeof(rnds[0]); k++)
		for (a = 1, prev = 0; a <= 12; a++, prev = d)
			assert_true((d = trouble_backoff(a, 7, 1000,
							 rnds[k])) >= prev);
	/* it grows: a later attempt waits longer than the first */
	assert_true(trouble_backoff(3, 300, 4000, 0) >
		    trouble_backoff(1, 300, 4000, 0xffffffffu));
	/* nonsense in, bounded out */
	assert_int_equal(trouble_backoff(0, 300, 4000, 0x80000000u), 300);
	assert_int_equal(trouble_backoff(-5, 300, 4000, 0x80000000u), 300);
	assert_int_equal(trouble_backoff(1000000, 300, 4000, 0xffffffffu),
			 4000);
	assert_int_equal(trouble_backoff(3, 500, 100, 7), 500);
	assert_int_equal(trouble_backoff(3, 0, 0, 7), 1);
}

/* Jitter: different random values spread one attempt's retries over
 * [3/4, 5/4] of the plain delay, within [min, max]. */
static void test_backoff_jitter(void **state)
{
	long lo = 1L << 40, hi = 0, d;
	uint32_t rnd = 2463534242u;
	int i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		rnd ^= rnd << 13;	/* xorshift32: deterministic */
		rnd ^= rnd >> 17;
		rnd ^= rnd << 5;
		d = trouble_backoff(3, 300, 4000, rnd);
		assert_true(d >= 900 && d <= 1500);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo < 950);
	assert_true(hi > 1450);
	/* at the first attempt nothing goes below min */
	for (i = 0; i < 1000; i++) {
		d = trouble_backoff(1, 300, 4000, (uint32_t)i * 2654435761u);
		assert_true(d >= 300 && d <= 375);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_table),
		cmocka_unit_test(test_temporary_never_fail_rcpt),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_backoff_grows_and_caps),
		cmocka_unit_test(test_backoff_jitter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
