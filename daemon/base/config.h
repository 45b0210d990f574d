/*
 * config.h -- loads anketa.conf (INI, libinih) into an immutable struct
 * config; never opens the store or the network.
 *
 * Use:     config_load(path, &cfg, &errs)   every problem as FILE:LINE: why
 *          config_free(&cfg)
 *          config_secret(path, inline, &out, &e)  (used internally)
 *          config_key(i, &section, &key, &def)    every key known
 * Owns:    struct config and every string in it; config_free releases all
 *          and wipes the passwords. Modules keep const pointers only while
 *          the config lives (the daemon swaps configs on SIGHUP).
 * Errors:  config_load returns 0, or -1 with every problem in errs; on -1
 *          *cfg_r is untouched.
 * Events:  none (pure).
 * Config:  every key: see the table in config.c and contrib/anketa.conf.
 * Tests:   tests/unit/test_config.c (and every key documented in
 *          docs/anketa.conf.5 with its default: test_config_doc)
 */
#ifndef ANKETA_CONFIG_H
#define ANKETA_CONFIG_H

#include <stddef.h>

#include "base/err.h"

#define CONFIG_DEFAULT_PATH SYSCONFDIR "/anketa/anketa.conf"

struct config_smtp {
	char *url;		/* smtp://, smtps:// or maildir:PATH */
	char *username;
	char *password;		/* inline or read from password_file */
	int require_tls;	/* smtp:// must upgrade with STARTTLS */
	char *ca_file;		/* extra CA bundle, e.g. a test certificate */
	int insecure;		/* skip certificate verification */
	int timeout;		/* seconds, connect and per command */
	int data_timeout;	/* seconds without progress sending a body */
	int dot_timeout;	/* seconds for the reply to the final dot */
	int concurrency;	/* parallel SMTP connections */
};

/* Retry policy (trouble_backoff) and its limits; seconds. */
struct config_queue {
	int min_backoff;	/* first retry after about this long */
	int max_backoff;	/* the back-off never grows past this */
	int lifetime;		/* give up on a message this old */
	int pause;		/* a paused submission server waits */
	int domain_per_hour;	/* new mail per recipient domain an hour (0:
				 * no pacing), applied when enqueuing */
};

struct config_imap {
	char *url;		/* imap://host:port, imaps://host:port, maildir:PATH */
	char *username;
	char *password;
	char *mailbox;		/* default INBOX */
	char *ca_file;
	int insecure;
	int require_tls;	/* imap:// must upgrade with STARTTLS */
	int timeout;
	/* where handled messages go; empty: only flag them \Seen + keyword */
	char *folder_processed;
	char *folder_bounces;
	char *folder_autoreplies;
	char *folder_review;
	/* authserv-ids (RFC 8601) of our own receiving MTA, space- or
	 * comma-separated; empty: no Authentication-Results is read */
	char *authserv_id;
};

/* [staff]: who gets the digest, in which language. */
struct config_staff {
	char *address;
	char *language;		/* a code of lang.h */
};

/* [digest]: when staff get it (cron.h). */
struct config_digest {
	char *schedule;		/* five cron fields or @daily ...; "" none */
	char *timezone;		/* IANA zone the schedule is read in */
	struct config_staff *staff;
	size_t nstaff;
};

struct config {
	char *path;		/* the file this came from */
	char *store_path;	/* SQLite file */
	char *templates_dir;
	char *surveys_dir;
	char *schema_path;	/* RELAX NG for questionnaires */
	char *from_address;	/* organiser@example.org */
	char *from_name;
	/* Reply-To and return path; "{token}" is replaced by the contact's
	 * token: organiser+{token}@example.org */
	char *reply_to;
	char *return_path;
	char *message_id_domain;
	char *log_file;
	int log_level;		/* enum log_level */
	int feedback;		/* send confirmations */
	int feedback_max_per_day;
	long max_message_bytes;
	int send_interval;	/* daemon: seconds between send passes */
	int fetch_interval;	/* daemon: seconds between fetch passes
				 * (without IMAP IDLE) */
	struct config_smtp smtp;
	struct config_imap imap;
	struct config_queue queue;
	struct config_digest digest;
	int raw_mail_days;	/* [retention]: raw inbound mail is dropped
				 * this many days after it was stored (0:
				 * kept for ever) */
};

int config_load(const char *path, struct config **cfg_r, struct errlist *errs);
void config_free(struct config **cfg);

/* Expand a "{token}" pattern; caller frees. */
/* Tokens are 16 characters (80 random bits in base32; store_token). */
#define CONFIG_TOKEN_LEN 16
char *config_expand_token(const char *pattern, const char *token);

/* The i-th key config_load accepts, in table order, with its default as
 * text (NULL: none; PKGDATADIR paths expanded): 0 while i is in range,
 * -1 past the last. For the test that holds anketa.conf(5) to it. */
int config_key(size_t i, const char **section, const char **key,
	       const char **def);

#endif
