/*
 * sender_private.h -- shared by sender.c, sender_link.c and sender_pool.c
 * only: the link between a sender process and the pool's parent, which
 * carries requests and answers but never decides what they mean.
 *
 * Use:     sender_msg_start(b, type); sender_put_i64/str(b, ...);
 *          sender_put_row(b, row)      build a message in b
 *          sender_link_send(fd, b)     send it (its length filled in)
 *          sender_link_recv(fd, in, m, r)   wait for one message into m
 *          sender_get_i64/str/bytes(r); sender_get_row(r, row, c)
 *                                      read its fields in order
 *          sender_go(s, link, ...)     one sender; link -1: writes s
 *          sender_handover_fp(s, id, msgid, fp, fpn, e)   a hand-over
 *                                      with its fingerprint
 * Owns:    nothing: messages live in the caller's bufs; a decoded string
 *          or row points into the message r reads and stays valid until
 *          the next sender_link_recv into the same buf.
 * Errors:  sender_link_send, sender_link_recv: 0, or -1 when the link is
 *          broken or a message is longer than SENDER_LINK_MSG_MAX (the
 *          caller says what broke); a short or malformed field sets
 *          r->bad and reads as 0 / "" / NULL; sender_get_row -1 on a bad
 *          row. sender_go, sender_handover_fp: as sender.h.
 * Events:  none (blocking reads and writes on the socket).
 * Tests:   tests/unit/test_send.c, tests/integration/outbox.sh, bench/kill.
 */
#ifndef ANKETA_SENDER_PRIVATE_H
#define ANKETA_SENDER_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "send/sender.h"

#define SENDER_CLAIM 16		/* rows per claim: small, so several
				 * senders share a campaign evenly */
#define SENDER_LINK_MSG_MAX (64L * 1024 * 1024)	/* one message on a link */

/*
 * A message is its length (4 bytes) and its bytes: a type letter, then
 * fields, each a 64-bit integer or a string (its length, -1 for NULL,
 * then its bytes and a NUL, so a decoded string points into the message).
 * Sender to parent, each answered before the next is sent:
 *   'P'                       paused?  -> 'A' rc until why
 *   'C' max                   claim    -> 'R' row ... then 'E' rc n err
 *   'H' prev? [id state reply next rcpt_dead] this? [id msgid fprint]
 *                             commit   -> 'A' ok prev_rc rc (ok -1: err)
 *   'K' site until reason     pause    -> 'A' rc err
 *   'U'                       give back what I hold -> 'A' rc err
 *   'D' report                done (no answer)
 */
struct sender_rd {
	const char *p, *end;
	int bad;
};

/* What a sender has read from its link and not yet taken. */
struct sender_lin {
	struct buf b;
	size_t off;
};

void sender_msg_start(struct buf *b, char type);
void sender_put_i64(struct buf *b, int64_t v);
/* NULL is sent as length -1 and read back as NULL. */
void sender_put_str(struct buf *b, const char *s);
void sender_put_row(struct buf *b, const struct store_outrow *r);
/* Send the message in b (its length filled in here). */
int sender_link_send(int fd, struct buf *b);
/* Wait for one message, copied into m; r reads it (type letter first). */
int sender_link_recv(int fd, struct sender_lin *in, struct buf *m,
		     struct sender_rd *r);
int64_t sender_get_i64(struct sender_rd *r);
const char *sender_get_str(struct sender_rd *r);
/* n bytes (length first), pointing into the message. */
const char *sender_get_bytes(struct sender_rd *r, size_t *n_r);
/* A row from sender_put_row; its strings point into the message. */
int sender_get_row(struct sender_rd *r, struct store_outrow *row,
		   struct store_contact *c);

/* One sender: on link (a socket to the pool's parent) or, link -1, on
 * store s directly; as sender_run otherwise. */
int sender_go(struct store *s, int link, const struct config *cfg,
	      const struct sender_opts *o, struct sender_stats *st,
	      struct err *e);
/* The hand-over of id with its Message-ID and fingerprint, in the
 * caller's transaction. */
int sender_handover_fp(struct store *s, int64_t id, const char *msgid,
		       const unsigned char *fp, size_t fpn, struct err *e);

#endif
