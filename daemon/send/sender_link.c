/*
 * sender_link.c -- see sender_private.h: the messages a sender and the
 * pool's parent exchange on their socket (encoding, decoding, reading
 * and writing whole messages); nothing here knows what a request means.
 */
#include "send/sender_private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"

void sender_put_i64(struct buf *b, int64_t v)
{
	buf_add(b, &v, sizeof(v));
}

void sender_put_str(struct buf *b, const char *s)
{
	if (s == NULL) {
		sender_put_i64(b, -1);
		return;
	}
	sender_put_i64(b, (int64_t)strlen(s));
	buf_add(b, s, strlen(s) + 1);
}

void sender_msg_start(struct buf *b, char type)
{
	uint32_t n = 0;

	buf_reset(b);
	buf_add(b, &n, sizeof(n));
	buf_addc(b, type);
}

int64_t sender_get_i64(struct sender_rd *r)
{
	int64_t v = 0;

	if (r->end - r->p < (ptrdiff_t)sizeof(v)) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

const char *sender_get_str(struct sender_rd *r)
{
	int64_t n = sender_get_i64(r);
	const char *s = r->p;

	if (n < 0)
		return NULL;
	if (r->end - r->p < n + 1 || s[n] != '\0') {
		r->bad = 1;
		return "";
	}
	r->p += n + 1;
	return s;
}

/* n bytes (length first), pointing into the message. */
const char *sender_get_bytes(struct sender_rd *r, size_t *n_r)
{
	int64_t n = sender_get_i64(r);
	const char *s = r->p;

	*n_r = 0;
	if (n < 0 || r->end - r->p < n) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	*n_r = (size_t)n;
	return s;
}

/* Send the message in b (its length filled in here). */
int sender_link_send(int fd, struct buf *b)
{
	uint32_t n = (uint32_t)(b->len - sizeof(n));
	size_t off = 0;

	memcpy(b->data, &n, sizeof(n));
	while (off < b->len) {
		ssize_t k = send(fd, b->data + off, b->len - off,
				 MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

/* Wait for one message, copied into m; r reads it (type letter first).
 * The link is read in large pieces: an answer takes one read. */
int sender_link_recv(int fd, struct sender_lin *in, struct buf *m, struct sender_rd *r)
{
	char chunk[16384];
	uint32_t n = 0;

	for (;;) {
		size_t have = in->b.len - in->off;
		ssize_t k;

		if (have >= sizeof(n)) {
			memcpy(&n, in->b.data + in->off, sizeof(n));
			if (n == 0 || n > SENDER_LINK_MSG_MAX)
				return -1;
			if (have - sizeof(n) >= n)
				break;
		}
		if (in->off > 0) {
			memmove(in->b.data, in->b.data + in->off, have);
			in->b.len = have;
			in->off = 0;
		}
		k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || buf_add(&in->b, chunk, (size_t)k) != 0)
			return -1;
	}
	buf_reset(m);
	if (buf_add(m, in->b.data + in->off + sizeof(n), n) != 0)
		return -1;
	in->off += sizeof(n) + n;
	r->p = m->data;
	r->end = m->data + m->len;
	r->bad = 0;
	return 0;
}

/* ---- rows on a link ------------------------------------------------------------ */

void sender_put_row(struct buf *b, const struct store_outrow *r)
{
	const struct store_contact *c = r->contact;

	sender_put_i64(b, r->id);
	sender_put_i64(b, r->campaign_id);
	sender_put_i64(b, r->state);
	sender_put_i64(b, r->attempts);
	sender_put_i64(b, r->queued);
	sender_put_str(b, r->kind);
	sender_put_str(b, r->rcpt);
	sender_put_str(b, r->token);
	sender_put_str(b, r->message_id);
	sender_put_str(b, r->in_reply_to);
	sender_put_str(b, r->vars);
	sender_put_i64(b, c != NULL);
	if (c == NULL)
		return;
	sender_put_i64(b, c->id);
	sender_put_str(b, c->email);
	sender_put_str(b, c->name);
	sender_put_str(b, c->municipality);
	sender_put_str(b, c->country);
	sender_put_str(b, c->language);
	sender_put_str(b, c->role);
	sender_put_str(b, c->groups);
	sender_put_str(b, c->token);
	sender_put_str(b, c->status);
}

/* A row from sender_put_row; its strings point into the message r reads. */
int sender_get_row(struct sender_rd *r, struct store_outrow *row,
		   struct store_contact *c)
{
	memset(row, 0, sizeof(*row));
	memset(c, 0, sizeof(*c));
	row->id = sender_get_i64(r);
	row->campaign_id = sender_get_i64(r);
	row->state = (enum store_dstate)sender_get_i64(r);
	row->attempts = (int)sender_get_i64(r);
	row->queued = sender_get_i64(r);
	row->kind = sender_get_str(r);
	row->rcpt = sender_get_str(r);
	row->token = sender_get_str(r);
	row->message_id = sender_get_str(r);
	row->in_reply_to = sender_get_str(r);
	row->vars = sender_get_str(r);
	if (sender_get_i64(r)) {
		c->id = sender_get_i64(r);
		c->email = sender_get_str(r);
		c->name = sender_get_str(r);
		c->municipality = sender_get_str(r);
		c->country = sender_get_str(r);
		c->language = sender_get_str(r);
		c->role = sender_get_str(r);
		c->groups = sender_get_str(r);
		c->token = sender_get_str(r);
		c->status = sender_get_str(r);
		row->contact = c;
	}
	return r->bad || row->kind == NULL || row->rcpt == NULL ||
	       row->token == NULL ? -1 : 0;
}

