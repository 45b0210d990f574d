/*
 * fetch_imap_private.h -- shared by fetch_imap.c (the IMAP session) and
 * fetch_imap_tls.c (the server's certificate); not for other modules.
 *
 * Use:     fetch_imap_tls_setup   libetpan's SSL context callback (SNI)
 *          fetch_imap_verify_cert(im, c, &e)   after the handshake
 * Owns:    struct imap: the session, its URL parts, mailbox, folders
 *          known to exist; released by the driver's close.
 * Errors:  fetch_imap_verify_cert: 1 the chain is good for the host
 *          (or [imap] insecure), 0 it is not, with the reason in e
 *          ("host:port: TLS: ..."); the caller treats 0 as permanent.
 * Events:  none.
 * Spec:    RFC 6125 (host names in certificates), 6066 (SNI).
 * Tests:   tests/integration/imap.sh, tests/integration/trust.sh
 */
#ifndef ANKETA_FETCH_IMAP_PRIVATE_H
#define ANKETA_FETCH_IMAP_PRIVATE_H

#include <libetpan/libetpan.h>

#include "receive/fetch_private.h"

#define IMAP_DONE_KEYWORD "$AnketaDone"
#define IMAP_CHAIN_MAX 16	/* certificates of a chain we look at */

struct imap {
	mailimap *m;
	struct fetch_url u;	/* host, "host:port" for messages, port */
	char *mailbox;		/* UTF-8, as configured */
	char **created;		/* folders known to exist (UTF-8) */
	size_t ncreated;
	int listed;		/* the last UID SEARCH found new mail */
	int hurried;		/* the last imap_idle did not wait */
};

/* libetpan's SSL context callback: the server name for SNI (none for an
 * address). data is the struct imap. */
void fetch_imap_tls_setup(struct mailstream_ssl_context *ctx, void *data);
/* The chain the server sent, checked against ca_file or the system
 * store, for the URL's host and for TLS server use. */
int fetch_imap_verify_cert(struct imap *im, const struct config_imap *c,
			   struct err *e);

#endif
