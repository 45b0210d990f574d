/*
 * log.h -- the one place that writes diagnostics (stderr, or a file).
 *
 * Use:     log_init(level, path_or_NULL); log_debug/info/notice/warn/
 *          warnx/error(fmt, ...). log_warn appends strerror(errno) and
 *          log_warnx does not (OpenSMTPD's rule).
 * Owns:    the output stream it opened; log_close releases it.
 * Errors:  logging never fails visibly; an unopenable file falls back to
 *          stderr. A message is one line: control characters in it (from
 *          mail, answers, contact data) are written as U+FFFD (textcol.h).
 * Events:  none.
 * Note:    only main.c, daemon.c and the pipelines (send.c, ingest.c) log;
 *          other modules return struct err to their caller.
 */
#ifndef ANKETA_LOG_H
#define ANKETA_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARN, LOG_ERROR };

void log_init(enum log_level level, const char *path);
void log_close(void);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
