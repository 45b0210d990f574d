/*
 * submit_probe.c -- sends one message per recipient through submit.c on
 * one connection and prints, per message, the facts submit_send reported
 * and trouble_classify's verdict, one line each:
 *
 *   RCPT stage=RCPT code=550 enhanced=5.1.1 dot=0 curl=55 verdict=fail-rcpt
 *   RCPT reply=550 5.1.1 <x@example.org>: Recipient address rejected
 *
 * For tests/integration/submit.sh, which drives it against a scripted
 * server; the cases that need a message larger than the socket buffers
 * (a server that stops reading, or drops the connection, mid-body) are
 * only reachable this way.
 *
 * Use: submit_probe [-t timeout] [-b data_timeout] [-d dot_timeout]
 *                   [-s body_bytes] [-n] URL FROM RCPT...
 *      -n: no line that starts with a dot
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "send/submit.h"
#include "send/trouble.h"

static const char *const stage_tok[] = {
	"CONNECT", "GREETING", "EHLO", "TLS", "AUTH", "MAIL", "RCPT", "DATA",
	"BODY", "DOT", "DONE",
};

/* A message with a body of about n bytes of 78-byte lines, and lines
 * curl must dot-stuff unless plain. (curl ends a body differently with
 * and without: both ways must show when the dot went out.) */
static void message(struct buf *m, long n, int plain)
{
	static const char line[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				   "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ..\r\n";

	buf_adds(m, "From: probe@example.org\r\nSubject: probe\r\n\r\n");
	for (; n > 0; n -= (long)sizeof(line) - 1)
		buf_adds(m, line);
	if (!plain)
		buf_adds(m, ".one dot\r\n..two dots\r\n");
	buf_adds(m, "end\r\n");
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "submit_probe: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct config_smtp c = { 0 };
	struct submit_result r;
	struct submit *s = NULL;
	struct err e;
	struct buf m;
	long size = 0;
	int opt, i, plain = 0;

	c.timeout = 10;
	c.data_timeout = 10;
	c.dot_timeout = 10;
	while ((opt = getopt(argc, argv, "t:b:d:s:n")) != -1) {
		switch (opt) {
		case 't': c.timeout = (int)num(optarg); break;
		case 'b': c.data_timeout = (int)num(optarg); break;
		case 'd': c.dot_timeout = (int)num(optarg); break;
		case 's': size = num(optarg); break;
		case 'n': plain = 1; break;
		default: return 2;
		}
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: submit_probe [-t s] [-b s] [-d s] "
			"[-s bytes] [-n] URL FROM RCPT...\n");
		return 2;
	}
	c.url = argv[optind];
	if (submit_open(&c, &s, &e) != 0) {
		fprintf(stderr, "submit_probe: %s\n", e.msg);
		return 1;
	}
	buf_init(&m, 0);
	message(&m, size, plain);
	for (i = optind + 2; i < argc; i++) {
		submit_send(s, argv[optind + 1], argv[i], m.data, m.len, &r);
		printf("%s stage=%s code=%d enhanced=%s dot=%d curl=%d "
		       "verdict=%s\n%s reply=%s\n", argv[i],
		       stage_tok[r.stage], r.smtp_code, r.enhanced,
		       r.dot_sent, r.curl_code,
		       trouble_name(trouble_classify(&r)), argv[i], r.reply);
		fflush(stdout);
	}
	submit_free(&s);
	buf_free(&m);
	return 0;
}
