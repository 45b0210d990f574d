/*
 * ingest_worker_pack.c -- see ingest_worker.h (ingest_result_pack and
 * its kin) and ingest_worker_private.h: the wire format of the parse
 * worker's answers and stage 2 requests, packed and checked on unpack;
 * nothing here reads or writes a socket.
 */
#include "receive/ingest_worker_private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

/* ---- packing ------------------------------------------------------------- */

static int
put_u32(struct buf *b, uint32_t v)
{
	return buf_add(b, &v, sizeof(v));
}

static int
put_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > UINT32_MAX || put_u32(b, (uint32_t)n) < 0)
		return -1;
	return buf_add(b, s ? s : "", n);
}

#define NSTR 11
static char **
result_strings(struct ingest_result *r, char **v[NSTR])
{
	char **f[NSTR] = { &r->message_id, &r->from_addr, &r->subject,
			   &r->date, &r->charset, &r->reply_text,
			   &r->quoted_text, &r->notes, &r->text,
			   &r->form_error, &r->unsure };
	memcpy(v, f, sizeof(f));
	return v[0];
}

#define NFLAG 8
static void
result_flags(struct ingest_result *r, int *v[NFLAG])
{
	int *f[NFLAG] = { &r->parsed, &r->charset_guessed, &r->html_only,
			  &r->forwarded, &r->read, &r->by_fprint, &r->form,
			  &r->none_found };
	memcpy(v, f, sizeof(f));
}

static int
put_list(struct buf *b, char **v, size_t pairs)
{
	if (pairs > UINT32_MAX / 2 || put_u32(b, (uint32_t)pairs) < 0)
		return -1;
	for (size_t i = 0; i < 2 * pairs; i++)
		if (put_str(b, v[i]) < 0)
			return -1;
	return 0;
}

int
ingest_result_pack(const struct ingest_result *r, struct buf *out)
{
	char **v[NSTR];
	int *f[NFLAG];
	result_strings((struct ingest_result *)r, v);
	result_flags((struct ingest_result *)r, f);
	if (put_u32(out, INGEST_PACK_MAGIC) < 0)
		return -1;
	for (size_t i = 0; i < NFLAG; i++)
		if (put_u32(out, (uint32_t)(*f[i] != 0)) < 0)
			return -1;
	for (size_t i = 0; i < NSTR; i++)
		if (put_str(out, *v[i]) < 0)
			return -1;
	if (put_list(out, r->answers, r->nanswers) < 0 ||
	    put_list(out, r->problems, r->nproblems) < 0)
		return -1;
	if (put_u32(out, (uint32_t)sizeof(r->c)) < 0)
		return -1;
	return buf_add(out, &r->c, sizeof(r->c));
}


int
ingest_worker_get_u32(struct ingest_worker_cursor *c, uint32_t *v)
{
	if (c->n < sizeof(*v))
		return -1;
	memcpy(v, c->p, sizeof(*v));
	c->p += sizeof(*v);
	c->n -= sizeof(*v);
	return 0;
}

/* A borrowed view of a string (may hold NULs: a fingerprint). */
int
ingest_worker_get_view(struct ingest_worker_cursor *c, const char **s,
    size_t *len)
{
	uint32_t n;
	if (ingest_worker_get_u32(c, &n) < 0 || n > c->n)
		return -1;
	*s = c->p;
	*len = n;
	c->p += n;
	c->n -= n;
	return 0;
}

static int
get_str(struct ingest_worker_cursor *c, char **s)
{
	const char *v;
	size_t n;
	if (ingest_worker_get_view(c, &v, &n) < 0)
		return -1;
	*s = xstrndup(v, n);
	return 0;
}

/* pairs of strings; a count the bytes left cannot hold is refused
 * before anything is allocated for it */
static int
get_list(struct ingest_worker_cursor *c, char ***v, size_t *pairs)
{
	uint32_t n;
	if (ingest_worker_get_u32(c, &n) < 0 || n > c->n / 8)
		return -1;
	*v = xcalloc(2 * (size_t)n + 1, sizeof(**v));
	*pairs = n;
	for (size_t i = 0; i < 2 * (size_t)n; i++)
		if (get_str(c, &(*v)[i]) < 0)
			return -1;
	return 0;
}

/* Every fixed buffer NUL-terminated, every enum in range. */
static int
sane_classified(struct classified *k)
{
#define TERMINATE(a) ((a)[sizeof(a) - 1] = '\0')
	TERMINATE(k->token);
	TERMINATE(k->token_source);
	TERMINATE(k->ref_message_id);
	TERMINATE(k->subject_token);
	TERMINATE(k->ref_message_ids);
	TERMINATE(k->bounce_recipient);
	TERMINATE(k->bounce_status);
	TERMINATE(k->bounce_diag);
	TERMINATE(k->rsvp_attendee);
	TERMINATE(k->rsvp_partstat);
	TERMINATE(k->rsvp_uid);
	TERMINATE(k->rsvp.uid);
	TERMINATE(k->rsvp.attendee);
	TERMINATE(k->rsvp.attendee_name);
	TERMINATE(k->rsvp.delegated_to);
	TERMINATE(k->rsvp.organizer);
	TERMINATE(k->rsvp.comment);
	if ((unsigned)k->rsvp.partstat > ICAL_PS_DELEGATED ||
	    (unsigned)k->rsvp.kind > ICAL_COUNTER)
		return 0;
	TERMINATE(k->auth_note);
	TERMINATE(k->reason);
	if (k->nbounces > CLASSIFY_BOUNCES_MAX)
		return 0;
	for (unsigned i = 0; i < k->nbounces; i++) {
		TERMINATE(k->bounces[i].address);
		TERMINATE(k->bounces[i].status);
		if ((unsigned)k->bounces[i].bclass > CLASSIFY_B_POLICY)
			return 0;
	}
#undef TERMINATE
	return (unsigned)k->kind <= CLASSIFY_OPTOUT &&
	    (unsigned)k->bclass <= CLASSIFY_B_POLICY &&
	    (unsigned)k->auth <= CLASSIFY_AUTH_FORGED;
}

int
ingest_result_unpack(const char *p, size_t n, struct ingest_result *r,
		     struct err *e)
{
	struct ingest_worker_cursor c = { p, n };
	uint32_t magic, flag, csize;
	char **v[NSTR];
	int *f[NFLAG];
	memset(r, 0, sizeof(*r));
	result_strings(r, v);
	result_flags(r, f);
	if (ingest_worker_get_u32(&c, &magic) < 0 || magic != INGEST_PACK_MAGIC)
		goto bad;
	for (size_t i = 0; i < NFLAG; i++) {
		if (ingest_worker_get_u32(&c, &flag) < 0 || flag > 1)
			goto bad;
		*f[i] = (int)flag;
	}
	for (size_t i = 0; i < NSTR; i++)
		if (get_str(&c, v[i]) < 0)
			goto bad;
	if (get_list(&c, &r->answers, &r->nanswers) < 0 ||
	    get_list(&c, &r->problems, &r->nproblems) < 0)
		goto bad;
	/* a flag per answer, or none: all certain */
	if (r->unsure[0] == '\0' && r->nanswers > 0) {
		free(r->unsure);
		r->unsure = xcalloc(r->nanswers + 1, 1);
		memset(r->unsure, '0', r->nanswers);
	}
	if (strlen(r->unsure) != r->nanswers)
		goto bad;
	if (ingest_worker_get_u32(&c, &csize) < 0 || csize != sizeof(r->c) || c.n != csize)
		goto bad;
	memcpy(&r->c, c.p, csize);
	if (!sane_classified(&r->c))
		goto bad;
	return 0;
bad:
	ingest_result_clear(r);
	err_set(e, "worker answer: malformed (%zu bytes)", n);
	return -1;
}

static void
free_list(char ***v, size_t *pairs)
{
	for (size_t i = 0; *v != NULL && i < 2 * *pairs; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*pairs = 0;
}

void
ingest_result_clear(struct ingest_result *r)
{
	char **v[NSTR];
	result_strings(r, v);
	for (size_t i = 0; i < NSTR; i++) {
		free(*v[i]);
		*v[i] = NULL;
	}
	free_list(&r->answers, &r->nanswers);
	free_list(&r->problems, &r->nproblems);
	memset(r, 0, sizeof(*r));
}

int
ingest_read_pack(const struct ingest_read_req *q, struct buf *out)
{
	size_t tl = q->text ? strlen(q->text) : 0;
	uint64_t id = q->form_id > 0 ? (uint64_t)q->form_id : 0;
	if (tl > UINT32_MAX || q->fprint_len > UINT32_MAX ||
	    put_u32(out, INGEST_READ_MAGIC) < 0 || put_u32(out, (uint32_t)tl) < 0 ||
	    buf_add(out, q->text ? q->text : "", tl) < 0 ||
	    put_u32(out, (uint32_t)q->fprint_len) < 0 ||
	    buf_add(out, q->fprint ? (const void *)q->fprint : "",
		    q->fprint_len) < 0 ||
	    put_u32(out, (uint32_t)id) < 0 ||
	    put_u32(out, (uint32_t)(id >> 32)) < 0)
		return -1;
	return put_str(out, id ? q->form_xml : "");
}

