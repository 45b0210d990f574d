/*
 * ingest_resolve.c -- part of ingest: who a classified message is from,
 * by token, then our Message-ID, then the sender's address (see
 * ingest.h). Reads the store, writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "receive/ingest.h"
#include "base/xmem.h"

/* ---- resolving who wrote ------------------------------------------------ */

static int
take_contact(void *arg, const struct store_contact *c)
{
	struct ingest_match *m = arg;
	m->contact_id = c->id;
	free(m->contact_email);
	m->contact_email = xstrdup(c->email);
	return 0;
}

static int
find_contact(struct store *s, const char *by, const char *key,
	     struct ingest_match *m, struct err *e)
{
	if (key == NULL || *key == '\0')
		return 0;
	return store_contact_find(s, by, key, take_contact, m, e);
}

static int
latest_delivery(struct store *s, struct ingest_match *m, struct err *e)
{
	int r = store_delivery_latest(s, m->contact_id, &m->delivery_id,
				      &m->campaign_id, e);
	if (r == 0)
		m->delivery_id = m->campaign_id = 0;
	return r < 0 ? -1 : 1;
}

/* The address the message speaks for: a bounce names the failed
 * recipient, an iMIP reply its attendee, anything else its sender. */
static const char *
speaker(const struct ingest_result *r)
{
	if (r->c.kind == CLASSIFY_BOUNCE)
		return r->c.bounce_recipient;
	if (r->c.kind == CLASSIFY_RSVP && r->c.rsvp_attendee[0])
		return r->c.rsvp_attendee;
	return r->from_addr;
}

static int
resolve_keys(struct store *s, const struct ingest_result *r,
	     struct ingest_match *m, struct err *e)
{
	int f;
	if ((f = find_contact(s, "token", r->c.token, m, e)) != 0) {
		m->how = "token";
		return f < 0 ? -1 : latest_delivery(s, m, e);
	}
	if (r->c.ref_message_id[0]) {
		f = store_delivery_by_message_id(s, r->c.ref_message_id,
						 &m->delivery_id,
						 &m->campaign_id,
						 &m->contact_id, e);
		if (f < 0)
			return -1;
		if (f == 1) {
			char id[32];
			snprintf(id, sizeof(id), "%lld",
				 (long long)m->contact_id);
			m->how = "message-id";
			return find_contact(s, "id", id, m, e) < 0 ? -1 : 1;
		}
	}
	if ((f = find_contact(s, "email", speaker(r), m, e)) != 0) {
		m->how = "sender";
		return f < 0 ? -1 : latest_delivery(s, m, e);
	}
	return 0;
}

int
ingest_resolve(struct store *s, const struct ingest_result *r,
	       struct ingest_match *m, struct err *e)
{
	memset(m, 0, sizeof(*m));
	m->how = "none";
	int f = resolve_keys(s, r, m, e);
	if (f < 0) {
		ingest_match_clear(m);
		return -1;
	}
	if (f == 0)
		return 0;
	/* a colleague answered with the contact's token or thread */
	if (r->c.kind != CLASSIFY_BOUNCE && r->from_addr[0] &&
	    m->contact_email && strcasecmp(m->contact_email, r->from_addr))
		m->answered_by = xstrdup(r->from_addr);
	return 1;
}

void
ingest_match_clear(struct ingest_match *m)
{
	free(m->contact_email);
	free(m->answered_by);
	memset(m, 0, sizeof(*m));
	m->how = "none";
}
