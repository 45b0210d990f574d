/*
 * log.c -- see log.h. The level and stream are set once at start-up by
 * main.c: the only process-wide state besides the loaded configuration.
 */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/textcol.h"
#include "base/xmem.h"

static enum log_level log_min = LOG_INFO;
static FILE *log_fp;

void
log_init(enum log_level level, const char *path)
{
	log_min = level;
	if (path != NULL && (log_fp = fopen(path, "a")) != NULL)
		setvbuf(log_fp, NULL, _IOLBF, 0);
}

void
log_close(void)
{
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = NULL;
}

/* The message on one line, made safe for a terminal (textcol.h): a
 * reason may quote an answer or a subject from anyone's mail, and stderr
 * is often a terminal; a line break in it would also forge a log line. */
static void
log_text(FILE *fp, const char *fmt, va_list ap)
{
	struct buf b;
	char *msg;
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	msg = xmalloc((size_t)n + 1);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	buf_init(&b, 0);
	textcol_add(&b, msg, "");
	if (b.len)
		fwrite(b.data, 1, b.len, fp);
	buf_free(&b);
	free(msg);
}

static void
log_emit(enum log_level lv, int with_errno, const char *fmt, va_list ap)
{
	static const char *names[] = { "debug", "info", "notice", "warning",
				       "error" };
	FILE *fp = log_fp ? log_fp : stderr;
	int saved = errno;

	if (lv < log_min)
		return;
	if (log_fp != NULL) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ ", &tm);
		fputs(ts, fp);
	}
	fprintf(fp, "anketa: %s: ", names[lv]);
	log_text(fp, fmt, ap);
	if (with_errno)
		fprintf(fp, ": %s", strerror(saved));
	fputc('\n', fp);
	errno = saved;
}

#define LOG_FN(name, lv, werr)                          \
	void name(const char *fmt, ...)                 \
	{                                               \
		va_list ap;                             \
		va_start(ap, fmt);                      \
		log_emit(lv, werr, fmt, ap);            \
		va_end(ap);                             \
	}

LOG_FN(log_debug, LOG_DEBUG, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_notice, LOG_NOTICE, 0)
LOG_FN(log_warn, LOG_WARN, 1)
LOG_FN(log_warnx, LOG_WARN, 0)
LOG_FN(log_error, LOG_ERROR, 0)
