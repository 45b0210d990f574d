/*
 * config.c -- reads anketa.conf with libinih into an immutable struct
 * config. Every option is one row of config_opts[]: section, key, type,
 * default, bounds and target field (the login keys smtp and imap share
 * come from one macro, SERVER_OPTS); contrib/anketa.conf documents each.
 *
 * Debian's libinih is built without line numbers in the handler, so a
 * line-counting reader (ini_parse_stream) supplies them for messages.
 */
#include "base/config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

#include "base/cron.h"
#include "base/lang.h"
#include "base/log.h"
#include "base/xmem.h"

enum opt_type { OPT_STR, OPT_INT, OPT_BOOL, OPT_LEVEL, OPT_SECRET_FILE };

struct opt {
	const char *section;
	const char *key;
	enum opt_type type;
	const char *def;	/* default as text; NULL: none */
	long min, max;		/* OPT_INT bounds */
	size_t off;		/* offset into struct config */
};

#define C(f) offsetof(struct config, f)
/* How anketa logs in to a server, the same keys and defaults for the
 * smtp and the imap section (struct config_smtp / config_imap share the
 * field names), so a new connection option is added to both at once.
 * Only the timeout's default differs: RFC 5321 4.5.3.2 asks an SMTP
 * client to wait 5 minutes for the greeting, MAIL and RCPT. */
/* NOLINTBEGIN(bugprone-macro-parentheses): f names a member path, C(f.x) */
#define SERVER_OPTS(sect, f, tmo) \
	{ sect, "username", OPT_STR, "", 0, 0, C(f.username) }, \
	{ sect, "password", OPT_STR, "", 0, 0, C(f.password) }, \
	{ sect, "password_file", OPT_SECRET_FILE, NULL, 0, 0, C(f.password) }, \
	{ sect, "require_tls", OPT_BOOL, "yes", 0, 0, C(f.require_tls) }, \
	{ sect, "ca_file", OPT_STR, "", 0, 0, C(f.ca_file) }, \
	{ sect, "insecure", OPT_BOOL, "no", 0, 0, C(f.insecure) }, \
	{ sect, "timeout", OPT_INT, tmo, 1, 3600, C(f.timeout) }
/* NOLINTEND(bugprone-macro-parentheses) */
static const struct opt config_opts[] = {
	{ "store", "path", OPT_STR, "/var/lib/anketa/anketa.db", 0, 0, C(store_path) },
	{ "paths", "templates", OPT_STR, PKGDATADIR "/templates", 0, 0, C(templates_dir) },
	{ "paths", "surveys", OPT_STR, PKGDATADIR "/surveys", 0, 0, C(surveys_dir) },
	{ "paths", "schema", OPT_STR, PKGDATADIR "/surveys/survey.rng", 0, 0, C(schema_path) },
	{ "sender", "address", OPT_STR, NULL, 0, 0, C(from_address) },
	{ "sender", "name", OPT_STR, "", 0, 0, C(from_name) },
	{ "sender", "reply_to", OPT_STR, NULL, 0, 0, C(reply_to) },
	{ "sender", "return_path", OPT_STR, "", 0, 0, C(return_path) },
	{ "sender", "message_id_domain", OPT_STR, "", 0, 0, C(message_id_domain) },
	{ "log", "file", OPT_STR, "", 0, 0, C(log_file) },
	{ "log", "level", OPT_LEVEL, "info", 0, 0, C(log_level) },
	{ "feedback", "enabled", OPT_BOOL, "yes", 0, 0, C(feedback) },
	{ "feedback", "max_per_day", OPT_INT, "3", 0, 1000, C(feedback_max_per_day) },
	{ "limits", "max_message_bytes", OPT_INT, "26214400", 1024, 1L << 30, C(max_message_bytes) },
	{ "daemon", "send_interval", OPT_INT, "300", 10, 86400, C(send_interval) },
	{ "daemon", "fetch_interval", OPT_INT, "60", 5, 86400, C(fetch_interval) },
	{ "smtp", "url", OPT_STR, NULL, 0, 0, C(smtp.url) },
	SERVER_OPTS("smtp", smtp, "300"),
	/* RFC 5321 4.5.3.2: 3 min per data block, 10 min for the dot */
	{ "smtp", "data_timeout", OPT_INT, "180", 1, 3600, C(smtp.data_timeout) },
	{ "smtp", "dot_timeout", OPT_INT, "600", 1, 3600, C(smtp.dot_timeout) },
	{ "smtp", "concurrency", OPT_INT, "4", 1, 64, C(smtp.concurrency) },
	{ "imap", "url", OPT_STR, "", 0, 0, C(imap.url) },
	SERVER_OPTS("imap", imap, "30"),
	{ "imap", "mailbox", OPT_STR, "INBOX", 0, 0, C(imap.mailbox) },
	{ "imap", "folder_processed", OPT_STR, "", 0, 0, C(imap.folder_processed) },
	{ "imap", "folder_bounces", OPT_STR, "", 0, 0, C(imap.folder_bounces) },
	{ "imap", "folder_autoreplies", OPT_STR, "", 0, 0, C(imap.folder_autoreplies) },
	{ "imap", "folder_review", OPT_STR, "", 0, 0, C(imap.folder_review) },
	{ "imap", "authserv_id", OPT_STR, "", 0, 0, C(imap.authserv_id) },
	/* Postfix's minimal_backoff_time, maximal_backoff_time and
	 * maximal_queue_lifetime (5 days) */
	{ "queue", "min_backoff", OPT_INT, "300", 1, 86400, C(queue.min_backoff) },
	{ "queue", "max_backoff", OPT_INT, "4000", 1, 604800, C(queue.max_backoff) },
	{ "queue", "lifetime", OPT_INT, "432000", 60, 31536000, C(queue.lifetime) },
	{ "queue", "pause", OPT_INT, "300", 1, 86400, C(queue.pause) },
	/* pacing per recipient domain, 0: none */
	{ "queue", "domain_per_hour", OPT_INT, "0", 0, 1000000,
	  C(queue.domain_per_hour) },
	/* raw mail is kept for a person to read; past this, the row and
	 * its classification are enough (0: keep it for ever) */
	{ "retention", "raw_mail_days", OPT_INT, "180", 0, 36500,
	  C(raw_mail_days) },
	/* the staff digest: a cron schedule (cron.h) in a time zone */
	{ "digest", "schedule", OPT_STR, "", 0, 0, C(digest.schedule) },
	{ "digest", "timezone", OPT_STR, "UTC", 0, 0, C(digest.timezone) },
};
#undef SERVER_OPTS
#undef C
#define NOPTS (sizeof(config_opts) / sizeof(config_opts[0]))

struct loader {
	struct config *cfg;
	struct errlist *errs;
	const char *path;
	FILE *fp;
	int line;
	int seen[NOPTS];
	int inline_password_line[2];	/* smtp, imap: where it was set */
};

static char **
opt_str(struct config *cfg, const struct opt *o)
{
	return (char **)((char *)cfg + o->off);
}

static int *
opt_int(struct config *cfg, const struct opt *o)
{
	return (int *)((char *)cfg + o->off);
}

static int
parse_bool(const char *v, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static int
parse_level(const char *v, int *out)
{
	static const char *names[] = { "debug", "info", "notice", "warning",
				       "error" };

	for (int i = 0; i < 5; i++)
		if (strcasecmp(v, names[i]) == 0)
			return *out = i, 0;
	return -1;
}

/* Read a secret from a file: first line, trailing newline removed. The
 * file must not be readable by others. */
static int
read_secret_file(const char *path, char **out, char *why, size_t whylen)
{
	struct stat st;
	char line[1024];
	FILE *fp = fopen(path, "r");

	if (fp == NULL || fstat(fileno(fp), &st) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s: is a directory", path);
		fclose(fp);
		return -1;
	}
	if (st.st_mode & 0077) {
		snprintf(why, whylen,
			 "%s: readable by others (mode %03o); chmod 600 it",
			 path, (unsigned)(st.st_mode & 0777));
		fclose(fp);
		return -1;
	}
	if (fgets(line, sizeof(line), fp) == NULL) {
		if (ferror(fp)) {
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
			fclose(fp);
			return -1;
		}
		line[0] = '\0';
	}
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	free(*out);
	*out = xstrdup(line);
	for (volatile char *v = line; *v; v++)
		*v = 0;
	return 0;
}

static int
set_opt(struct loader *ld, size_t i, const char *value)
{
	const struct opt *o = &config_opts[i];
	char why[512];
	char *end;
	long n;

	switch (o->type) {
	case OPT_STR:
		free(*opt_str(ld->cfg, o));
		*opt_str(ld->cfg, o) = xstrdup(value);
		return 0;
	case OPT_BOOL:
		if (parse_bool(value, opt_int(ld->cfg, o)) == 0)
			return 0;
		snprintf(why, sizeof(why), "expected yes or no");
		break;
	case OPT_LEVEL:
		if (parse_level(value, opt_int(ld->cfg, o)) == 0)
			return 0;
		snprintf(why, sizeof(why),
			 "expected debug, info, notice, warning or error");
		break;
	case OPT_INT:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno == 0 && end != value && *end == '\0' &&
		    n >= o->min && n <= o->max) {
			if (o->off == offsetof(struct config, max_message_bytes))
				ld->cfg->max_message_bytes = n;
			else
				*opt_int(ld->cfg, o) = (int)n;
			return 0;
		}
		snprintf(why, sizeof(why), "expected a whole number from %ld to %ld",
			 o->min, o->max);
		break;
	case OPT_SECRET_FILE:
		if (read_secret_file(value, opt_str(ld->cfg, o), why,
				     sizeof(why)) == 0)
			return 0;
		break;
	}
	errlist_add(ld->errs, "%s:%d: [%s] %s = %s: %s", ld->path, ld->line,
		    o->section, o->key, value, why);
	return -1;
}

/* [staff] ADDRESS = LANGUAGE: one digest reader a line. */
static int
staff_add(struct loader *ld, const char *addr, const char *value)
{
	struct config_digest *d = &ld->cfg->digest;
	const char *lang = lang_find(value);
	const char *at = strchr(addr, '@');

	if (at == NULL || at == addr || at[1] == '\0' ||
	    strpbrk(addr, " \t<>,;\"") != NULL) {
		errlist_add(ld->errs, "%s:%d: [staff] %s: not an e-mail "
			    "address", ld->path, ld->line, addr);
		return 1;
	}
	if (lang == NULL) {
		errlist_add(ld->errs, "%s:%d: [staff] %s = %s: expected a "
			    "language: bg, en, nl or cs", ld->path, ld->line,
			    addr, value);
		return 1;
	}
	for (size_t i = 0; i < d->nstaff; i++)
		if (strcasecmp(d->staff[i].address, addr) == 0) {
			errlist_add(ld->errs, "%s:%d: [staff] %s set twice",
				    ld->path, ld->line, addr);
			return 1;
		}
	d->staff = xreallocarray(d->staff, d->nstaff + 1, sizeof(*d->staff));
	d->staff[d->nstaff].address = xstrdup(addr);
	d->staff[d->nstaff].language = xstrdup(lang);
	d->nstaff++;
	return 1;
}

/* The line that set the option at offset off, 0 if none did. */
static int
opt_line(const struct loader *ld, size_t off)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (config_opts[i].off == off)
			return ld->seen[i];
	return 0;
}

/* [digest] schedule and timezone read as cron_parse does, named by the
 * schedule's line. */
static void
check_digest(struct loader *ld)
{
	const struct config_digest *d = &ld->cfg->digest;
	int line = opt_line(ld, offsetof(struct config, digest.schedule));
	struct cron *c;
	struct err e;

	if (line == 0)
		line = opt_line(ld, offsetof(struct config, digest.timezone));
	if (*d->schedule == '\0') {
		if (d->nstaff > 0)
			errlist_add(ld->errs, "%s: [staff] has addresses but "
				    "[digest] schedule is not set (e.g. "
				    "schedule = 0 7 * * 1-5)", ld->path);
		return;
	}
	c = cron_parse(d->schedule, d->timezone, &e);
	if (c == NULL)
		errlist_add(ld->errs, "%s:%d: [digest] schedule = %s, "
			    "timezone = %s: %s", ld->path, line, d->schedule,
			    d->timezone, e.msg);
	cron_free(&c);
}

static int
config_handler(void *user, const char *section, const char *name,
	       const char *value)
{
	struct loader *ld = user;

	if (strcmp(section, "staff") == 0)
		return staff_add(ld, name, value);
	for (size_t i = 0; i < NOPTS; i++) {
		if (strcmp(config_opts[i].section, section) != 0 ||
		    strcmp(config_opts[i].key, name) != 0)
			continue;
		if (ld->seen[i])
			errlist_add(ld->errs, "%s:%d: [%s] %s set twice",
				    ld->path, ld->line, section, name);
		ld->seen[i] = ld->line;
		if (strcmp(name, "password") == 0 && *value)
			ld->inline_password_line[strcmp(section, "imap") == 0] =
				ld->line;
		set_opt(ld, i, value);
		return 1;
	}
	errlist_add(ld->errs, "%s:%d: unknown key [%s] %s", ld->path,
		    ld->line, section, name);
	return 1;	/* go on: report every problem at once */
}

/* ini_reader that counts lines so the handler can name them. */
static char *
config_reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	char *r = fgets(str, num, ld->fp);

	if (r != NULL)
		ld->line++;
	return r;
}

static void
apply_defaults(struct loader *ld)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &config_opts[i];

		/* a key the file set keeps its value (bools and ints too) */
		if (o->def == NULL || o->type == OPT_SECRET_FILE || ld->seen[i])
			continue;
		if (o->type == OPT_STR && *opt_str(ld->cfg, o) != NULL)
			continue;	/* password and password_file share */
		set_opt(ld, i, o->def);
	}
}

static int
url_has_scheme(const char *url, const char *const *schemes)
{
	for (; *schemes; schemes++)
		if (strncmp(url, *schemes, strlen(*schemes)) == 0)
			return 1;
	return 0;
}

/* Checks that need several keys, done once everything is read. */
/* An address with {token} in its local part, which a 16-character token
 * must leave within RFC 5321's 64 octets (a longer one is refused by
 * servers, and replies would never come back). */
static void
check_token_address(struct loader *ld, const char *key, const char *pat)
{
	const char *at = strrchr(pat, '@'), *tok = strstr(pat, "{token}");
	size_t local;

	if (at == NULL || tok > at) {
		errlist_add(ld->errs, "%s: [sender] %s: {token} must be in "
			    "the local part, before the @ (as in "
			    "organiser+{token}@example.org)", ld->path, key);
		return;
	}
	local = (size_t)(at - pat) - strlen("{token}") + CONFIG_TOKEN_LEN;
	if (local > 64)
		errlist_add(ld->errs, "%s: [sender] %s: the local part would "
			    "be %zu octets with a token of %d, more than the "
			    "64 RFC 5321 allows", ld->path, key, local,
			    CONFIG_TOKEN_LEN);
}

static void
check_config(struct loader *ld, struct stat *st)
{
	static const char *smtp_schemes[] = { "smtp://", "smtps://",
					      "maildir:", NULL };
	static const char *imap_schemes[] = { "imap://", "imaps://",
					      "maildir:", NULL };
	struct config *cfg = ld->cfg;
	static const char *const sect[2] = { "smtp", "imap" };

	if (cfg->from_address == NULL || strchr(cfg->from_address, '@') == NULL)
		errlist_add(ld->errs, "%s: [sender] address: missing or not an "
			    "e-mail address", ld->path);
	if (cfg->reply_to == NULL || strstr(cfg->reply_to, "{token}") == NULL)
		errlist_add(ld->errs, "%s: [sender] reply_to: must contain "
			    "{token}, e.g. organiser+{token}@example.org",
			    ld->path);
	else
		check_token_address(ld, "reply_to", cfg->reply_to);
	if (strstr(cfg->return_path, "{token}"))
		check_token_address(ld, "return_path", cfg->return_path);
	if (cfg->smtp.url == NULL || !url_has_scheme(cfg->smtp.url, smtp_schemes))
		errlist_add(ld->errs, "%s: [smtp] url: missing or not smtp://, "
			    "smtps:// or maildir:PATH", ld->path);
	if (*cfg->imap.url && !url_has_scheme(cfg->imap.url, imap_schemes))
		errlist_add(ld->errs, "%s: [imap] url: not imap://, imaps:// "
			    "or maildir:PATH", ld->path);
	for (int i = 0; i < 2; i++)
		if (ld->inline_password_line[i] && (st->st_mode & 0077))
			errlist_add(ld->errs, "%s:%d: [%s] password: the file "
				    "is readable by others (mode %03o); use "
				    "password_file or chmod 600 %s", ld->path,
				    ld->inline_password_line[i], sect[i],
				    (unsigned)(st->st_mode & 0777), ld->path);
	check_digest(ld);
	if (cfg->queue.min_backoff > cfg->queue.max_backoff)
		errlist_add(ld->errs, "%s: [queue] min_backoff (%d) is larger "
			    "than max_backoff (%d)", ld->path,
			    cfg->queue.min_backoff, cfg->queue.max_backoff);
	if (*cfg->message_id_domain == '\0' && cfg->from_address &&
	    strchr(cfg->from_address, '@')) {
		free(cfg->message_id_domain);
		cfg->message_id_domain =
			xstrdup(strchr(cfg->from_address, '@') + 1);
	}
	if (*cfg->return_path == '\0' && cfg->reply_to) {
		free(cfg->return_path);
		cfg->return_path = xstrdup(cfg->reply_to);
	}
}

int
config_load(const char *path, struct config **cfg_r, struct errlist *errs)
{
	struct loader ld = { 0 };
	struct stat st;
	size_t nerr = errs->n;
	int rc;

	ld.cfg = xcalloc(1, sizeof(*ld.cfg));
	ld.cfg->path = xstrdup(path);
	ld.errs = errs;
	ld.path = path;
	/* fopen(3) opens a directory for reading and the first read fails:
	 * without these checks that looked like an empty file, reported as
	 * every required key missing. */
	if ((ld.fp = fopen(path, "r")) == NULL ||
	    fstat(fileno(ld.fp), &st) != 0) {
		errlist_add(errs, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		errlist_add(errs, "%s: is a directory", path);
		goto fail;
	}
	rc = ini_parse_stream(config_reader, &ld, config_handler, &ld);
	if (ferror(ld.fp)) {
		errlist_add(errs, "%s:%d: %s", path, ld.line + 1,
			    strerror(errno));
		goto fail;
	}
	fclose(ld.fp);
	ld.fp = NULL;
	if (rc > 0)
		errlist_add(errs, "%s:%d: syntax error (expected [section] "
			    "or key = value)", path, rc);
	apply_defaults(&ld);
	check_config(&ld, &st);
	if (errs->n > nerr)
		goto fail;
	*cfg_r = ld.cfg;
	return 0;
fail:
	if (ld.fp != NULL)
		fclose(ld.fp);
	config_free(&ld.cfg);
	return -1;
}

void
config_free(struct config **cfgp)
{
	struct config *cfg = *cfgp;

	if (cfg == NULL)
		return;
	xfree_secret(cfg->smtp.password);
	xfree_secret(cfg->imap.password);
	cfg->smtp.password = cfg->imap.password = NULL;
	for (size_t i = 0; i < NOPTS; i++)
		if (config_opts[i].type == OPT_STR)
			free(*opt_str(cfg, &config_opts[i]));
	for (size_t i = 0; i < cfg->digest.nstaff; i++) {
		free(cfg->digest.staff[i].address);
		free(cfg->digest.staff[i].language);
	}
	free(cfg->digest.staff);
	free(cfg->path);
	free(cfg);
	*cfgp = NULL;
}

char *
config_expand_token(const char *pattern, const char *token)
{
	const char *p = strstr(pattern, "{token}");

	if (p == NULL)
		return xstrdup(pattern);
	return xasprintf("%.*s%s%s", (int)(p - pattern), pattern, token,
			 p + strlen("{token}"));
}

int
config_key(size_t i, const char **section, const char **key,
	   const char **def)
{
	if (i >= NOPTS)
		return -1;
	*section = config_opts[i].section;
	*key = config_opts[i].key;
	*def = config_opts[i].def;
	return 0;
}
