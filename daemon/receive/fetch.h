/*
 * fetch.h -- reads raw inbound messages from a mailbox (IMAP through
 * libetpan, or a local Maildir) and moves handled ones away; never parses
 * a message and never touches the store.
 *
 * Use:     fetch_open(url, &cfg->imap, &f, &e)   url NULL: cfg->imap.url
 *          fetch_source(f), fetch_uidvalidity(f)   where positions are kept
 *          fetch_list(f, after_uid, &items, &n, &e)
 *          fetch_get(f, &items[i], max, &raw, &len, &e)
 *          fetch_get_many(f, items, n, max, budget, bodies, &got, &e)
 *          fetch_dispose(f, &items[i], folder_or_NULL, &e)
 *          fetch_dispose_many(f, items, n, folder_or_NULL, &e)
 *          fetch_idle(f, timeout_s, &e)           wait for mail (IMAP IDLE,
 *                                                 Maildir inotify)
 *          fetch_items_free(&items, n), fetch_close(&f)
 *          fetch_backoff_next(prev_s)             reconnect delays (pure)
 * Owns:    struct fetch owns the connection and its strings; fetch_close
 *          logs out, frees it and sets the pointer to NULL. fetch_list's
 *          array and its keys are the caller's (fetch_items_free).
 *          fetch_get's bytes are the caller's (free()); fetch_get_many's
 *          are released by fetch_bodies_clear. fetch_source's string is
 *          borrowed until fetch_close.
 * Errors:  server calls return 1 done, 0 permanent (login refused, no such
 *          mailbox, message too large or gone), -1 temporary (unreachable,
 *          connection lost): the reason in e names "host:port: why" or
 *          "mailbox/UID: why" and keeps the server's reply. After -1 the
 *          caller closes and reopens (fetch_backoff_next for the delay).
 * Events:  none: every call blocks, so it runs in `anketa fetch`, a child
 *          of the daemon, never inside the libev loop.
 * Config:  imap.url, username, password, mailbox, require_tls, ca_file,
 *          insecure, timeout (the folder_* keys are ingest's choice).
 * Spec:    RFC 3501 (IMAP4rev1; 5.1.3 mailbox names in modified UTF-7),
 *          2595 (STARTTLS), 4616 (PLAIN), 4959 (SASL-IR), 4315 (UIDPLUS),
 *          6851 (MOVE), 2177 (IDLE), 5530 (response codes), 6125 (server
 *          identity), 5092 (IMAP URLs); Maildir
 *          (cr.yp.to/proto/maildir.html).
 * Tests:   tests/integration/fetch.sh, imap.sh (Dovecot, and the scripted
 *          server imap_script.py), idle.sh; tests/unit/test_ingest.c
 *          (Maildir source, backoff, URLs, modified UTF-7).
 * Size cap: IMAP asks for BODY.PEEK[]<0.max+1>, so memory stays bounded.
 * Batches: fetch_get_many reads a window of messages with one
 *   UID FETCH a,b:c,... BODY.PEEK[]<0.max+1>, after one UID FETCH of
 *   their RFC822.SIZE picks how many fit in `budget` bytes (at least
 *   one), so a window of large messages never holds more than about
 *   budget + max bytes. fetch_dispose_many does one UID STORE or one
 *   UID MOVE (or COPY + STORE + EXPUNGE) per UID set. The Maildir
 *   backend loops over the single-message calls.
 *
 * Message identity. Every listed message is an item {uid, key}:
 *   IMAP:    uid is the message UID; key is "SOURCE/UIDVALIDITY/UID",
 *            e.g. "imap://127.0.0.1:10143/INBOX/1700000000/42".
 *   Maildir: key is "maildir:PATH/BASENAME" with BASENAME up to the ':'
 *            of the info part, which a rename to cur/ does not change; uid
 *            is only the item's position in this listing (a Maildir has no
 *            stable ascending numbers: never store it). fetch_list returns
 *            every message in new/ and cur/ at the first call and at
 *            least once an hour, and otherwise new/ and the cur/ names
 *            inotify reported since the last call (not those this fetch
 *            renamed there), sorted by name, so the store (src_key seen
 *            before) decides what is new; after_uid is ignored and
 *            fetch_uidvalidity is 0, meaning "keep no position".
 *            Messages moved to a folder leave the listing. Each listing
 *            logs "maildir:PATH: full listing, N messages" or
 *            "arrivals listing" at debug level.
 * Disposal. folder NULL or "": IMAP flags \Seen and keyword $AnketaDone;
 *   Maildir renames into cur/ with ":2,S". A folder name: IMAP MOVEs the
 *   message (UID MOVE when advertised, else UID COPY + \Deleted + UID
 *   EXPUNGE or EXPUNGE), creating the folder when missing; Maildir moves
 *   it into the sub-Maildir PATH/.FOLDER/cur with ":2,S".
 * URL. imap://host[:port][/mailbox] or imaps://..., taken apart by
 *   curl_url(): an IPv6 literal in brackets (imap://[::1]:143/), the
 *   mailbox percent-escaped UTF-8 (%D0%92... for Cyrillic, %20 for a
 *   space). Mailbox and folder names are UTF-8 in the configuration and
 *   modified UTF-7 on the wire; the source key keeps them in UTF-8.
 * TLS. imaps:// connects with TLS; imap:// upgrades with STARTTLS when
 *   require_tls is set (refusal is permanent). A host name goes out as
 *   SNI. libetpan (GnuTLS) does not verify the server certificate itself,
 *   so fetch checks it after the handshake: the whole chain the server
 *   sent, against ca_file (or the system trust store), for the URL's host
 *   (name or address) and for TLS server use; an intermediate CA comes
 *   from the server, only its root need be trusted. insecure = 1 skips
 *   the check.
 * Login. AUTHENTICATE PLAIN when the server offers AUTH=PLAIN (with the
 *   credentials in the command where it offers SASL-IR), LOGIN otherwise;
 *   LOGINDISABLED without AUTH=PLAIN is refused before the password
 *   leaves. A refusal is permanent, except NO [UNAVAILABLE] (try later).
 * IDLE. Before waiting, fetch_idle returns 1 at once when a command's
 *   answer since the last listing announced new mail (EXISTS), and in
 *   IDLE it looks first at what libetpan and GnuTLS already hold: a
 *   server may send "* N EXISTS" in the same packet as "+ idling", which
 *   no poll() on the socket sees.
 * A connection lost mid-command reads "host:port: connection lost during
 *   UID STORE" (-1); the caller reconnects with fetch_backoff_next.
 */
#ifndef ANKETA_FETCH_H
#define ANKETA_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"

struct fetch;

struct fetch_item {
	uint32_t uid;	/* IMAP UID; 0 for a Maildir */
	char *key;	/* stable src_key (see above) */
};

/* Connect, log in and select the mailbox (url: imap://host[:port],
 * imaps://host[:port], or maildir:PATH; a path after host:port overrides
 * c->mailbox). 1 ok, 0 permanent (bad URL, certificate refused, login
 * refused, no such mailbox), -1 temporary; *f_r set only on 1. */
int fetch_open(const char *url, const struct config_imap *c,
	       struct fetch **f_r, struct err *e);
/* "imap://host:port/MAILBOX" ("imap://[::1]:143/Входящи": the mailbox
 * in UTF-8) or "maildir:PATH": the store position key. */
const char *fetch_source(const struct fetch *f);
/* UIDVALIDITY of the selected mailbox; 0 for a Maildir. */
uint32_t fetch_uidvalidity(const struct fetch *f);
/* Messages with uid > after_uid not flagged $AnketaDone (IMAP), or all
 * messages (Maildir),
 * in ascending order. 1/0/-1; on failure *items_r is NULL, *n_r 0. */
int fetch_list(struct fetch *f, uint32_t after_uid,
	       struct fetch_item **items_r, size_t *n_r, struct err *e);
void fetch_items_free(struct fetch_item **items, size_t n);
/* The raw bytes of one message without setting \Seen (BODY.PEEK[]),
 * NUL-terminated for convenience. max > 0 caps the size: a larger message
 * is 0 (permanent). A message gone meanwhile is 0. */
int fetch_get(struct fetch *f, const struct fetch_item *it, size_t max,
	      char **raw_r, size_t *len_r, struct err *e);
/* One message of a batch: raw (NUL-terminated, len bytes), or NULL with
 * why saying "KEY: message too large ..." or "...: message gone". */
struct fetch_body {
	char *raw;
	size_t len;
	char *why;
};
/* Read items[0 .. *got_r) (ascending, as fetch_list gives them) into
 * out[0 .. *got_r): as many as fit in budget bytes, at least one, at most
 * n. A message over max (max > 0) or gone is a body with why, not an
 * error. 1 done, -1 temporary (connection lost), 0 the server refused the
 * command (e says why; nothing in out). */
int fetch_get_many(struct fetch *f, const struct fetch_item *items,
		   size_t n, size_t max, size_t budget,
		   struct fetch_body *out, size_t *got_r, struct err *e);
void fetch_bodies_clear(struct fetch_body *b, size_t n);
/* Move a handled message to folder, or only mark it done (see above). */
int fetch_dispose(struct fetch *f, const struct fetch_item *it,
		  const char *folder, struct err *e);
/* The same for n messages in one command. When the server refuses the
 * batch, each message is tried alone; 0 then means some stayed, e says
 * how many and names the first. */
int fetch_dispose_many(struct fetch *f, const struct fetch_item *items,
		       size_t n, const char *folder, struct err *e);
/* Wait up to timeout_s for new mail (IMAP IDLE). 1 new mail, 0 timeout,
 * -1 connection lost or no IDLE. A Maildir waits in poll() on inotify:
 * 1 something arrived in new/ or cur/, 0 timeout or a signal (without
 * inotify: 0 after sleeping). */
int fetch_idle(struct fetch *f, int timeout_s, struct err *e);
/* fd: readable when the caller wants a wait to end (a signal handler's
 * self-pipe: a signal that came just before the wait began is not lost
 * in it); -1 none. The Maildir wait polls it too and then returns 0. */
void fetch_set_wake(struct fetch *f, int fd);
void fetch_close(struct fetch **f);

/* Next reconnect delay after prev_s seconds: 1, 2, 4 ... capped at 300;
 * prev_s 0 gives 1. */
unsigned fetch_backoff_next(unsigned prev_s);

#endif
