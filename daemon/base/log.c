/*
 * log.c -- see log.h. The level and stream are set once at start-up by
 * main.c: the only process-wide state besides the loaded configuration.
 */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
	vfprintf(fp, fmt, ap);
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
