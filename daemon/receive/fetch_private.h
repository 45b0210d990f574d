/*
 * fetch_private.h -- the backend table shared by fetch.c, fetch_imap.c
 * and fetch_maildir.c (isync's driver.h style); not for other modules.
 *
 * Use:     fetch.c picks a driver by URL scheme and calls through it.
 * Owns:    struct fetch: source string, the driver's private state (priv,
 *          released by drv->close).
 * Errors:  as fetch.h: 1 done, 0 permanent, -1 temporary.
 * Events:  none.
 * Tests:   through fetch.h.
 */
#ifndef ANKETA_FETCH_PRIVATE_H
#define ANKETA_FETCH_PRIVATE_H

#include "receive/fetch.h"

struct fetch_driver {
	const char *scheme;	/* "imap", "imaps", "maildir" */
	int (*open)(struct fetch *f, const char *url,
		    const struct config_imap *c, struct err *e);
	int (*list)(struct fetch *f, uint32_t after_uid,
		    struct fetch_item **items_r, size_t *n_r, struct err *e);
	int (*get)(struct fetch *f, const struct fetch_item *it, size_t max,
		   char **raw_r, size_t *len_r, struct err *e);
	int (*dispose)(struct fetch *f, const struct fetch_item *it,
		       const char *folder, struct err *e);
	/* optional batch forms (NULL: fetch.c loops over get/dispose) */
	int (*get_many)(struct fetch *f, const struct fetch_item *items,
			size_t n, size_t max, size_t budget,
			struct fetch_body *out, size_t *got_r,
			struct err *e);
	int (*dispose_many)(struct fetch *f, const struct fetch_item *items,
			    size_t n, const char *folder, struct err *e);
	int (*idle)(struct fetch *f, int timeout_s, struct err *e);
	void (*close)(struct fetch *f);	/* frees priv */
};

struct fetch {
	const struct fetch_driver *drv;
	char *source;		/* set by drv->open */
	uint32_t uidvalidity;	/* set by drv->open; 0 for Maildir */
	void *priv;
	int wake_fd;		/* fetch_set_wake; -1 none */
};

extern const struct fetch_driver fetch_imap_driver;
extern const struct fetch_driver fetch_imaps_driver;
extern const struct fetch_driver fetch_maildir_driver;

/* Dispose one by one (a batch the server refused, or no batch form):
 * 1 all, 0 some stayed (e counts them, names the first), -1 temporary. */
int fetch_dispose_each(struct fetch *f, const struct fetch_item *items,
		       size_t n, const char *folder, struct err *e);
/* Shared by the backends: grow an item array by one. */
void fetch_items_push(struct fetch_item **v, size_t *n, size_t *cap,
		      uint32_t uid, char *key);

/* ---- pure helpers of the IMAP backend (fetch.c; tests/unit/test_ingest.c)
 */

/* imap://host[:port][/mailbox] or imaps://... (RFC 5092's form) taken
 * apart by curl_url(): IPv6 literals in brackets, the mailbox
 * percent-decoded. */
struct fetch_url {
	int tls;		/* imaps:// */
	char *host;		/* to connect: "::1", "mail.example.net" */
	char *hostport;		/* in messages and keys: "[::1]:143" */
	uint16_t port;		/* as given, else 143 or 993 (imaps) */
	char *mailbox;		/* UTF-8; NULL when the URL names none */
};
/* 0 ok: u filled, released by fetch_url_clear. -1: e says what is wrong
 * with url (a bad port, no host, credentials or '?'/'#' in it, a bad
 * percent-escape), u empty. */
int fetch_url_parse(const char *url, struct fetch_url *u, struct err *e);
void fetch_url_clear(struct fetch_url *u);

/* Mailbox names on the wire are modified UTF-7 (RFC 3501 5.1.3): UTF-8
 * "Обработени" is "&BB4EMQRABDAEMQQ+BEIENQQ9BDg-", "&" is "&-". Both
 * return a string the caller frees, or NULL when the input is malformed
 * (invalid UTF-8; for decode also a bad base64 run, a lone surrogate, or
 * printable ASCII encoded). */
char *fetch_mutf7_encode(const char *utf8);
char *fetch_mutf7_decode(const char *wire);

#endif
