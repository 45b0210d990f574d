/*
 * ingest_resolve.c -- part of ingest: which delivery a classified
 * message answers (see the order in ingest.h). Every key is looked up
 * first, then the strongest one that names a delivery of a contact
 * wins; keys that name another delivery are noted, not followed. A key
 * that names only a contact (a token of mail sent before deliveries had
 * tokens of their own, or the sender's address) gives a campaign only
 * when exactly one is open for that contact. Reads the store, writes
 * nothing. ingest_trusted then says whether what matched may act for
 * the contact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "receive/ingest.h"
#include "base/buf.h"
#include "base/xmem.h"
#include "mail/bounce.h"	/* bounce_copy: a field's bounded copy */

/* What one key names. */
struct hit {
	const char *key;	/* "thread", "reply token", ... for notes */
	const char *how;	/* ingest_match.how when it wins */
	int found;		/* 0 nothing, 1 a delivery, 2 a contact */
	int64_t delivery_id, campaign_id, contact_id;
};

/* ---- reading the worker's fixed buffers --------------------------------
 * The worker's answer is checked by ingest_result_unpack; these copies
 * are bounded anyway, so a buffer it did not terminate stays harmless. */

static void
field_copy(char *dst, size_t size, const char *src, size_t src_size)
{
	bounce_copy(dst, size, src, strnlen(src, src_size));
}

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* ---- lookups ------------------------------------------------------------- */

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
take_contact_id(void *arg, const struct store_contact *c)
{
	*(int64_t *)arg = c->id;
	return 0;
}

static int
take_campaign_name(void *arg, const struct store_campaign *c)
{
	snprintf(arg, 128, "%s", c->name);
	return 0;
}

/* One delivery lookup of key into h by store_delivery_by_token or
 * store_delivery_by_ref: 1 when it names a delivery to a contact
 * (h->found = 1); 0 when it names none, or one that names no contact (a
 * staff mail's), with h as the lookup left it; -1 on a store error. */
static int
delivery_hit(struct store *s,
	     int (*lookup)(struct store *, const char *, int64_t *, int64_t *,
			   int64_t *, struct err *),
	     const char *key, struct hit *h, struct err *e)
{
	int f = lookup(s, key, &h->delivery_id, &h->campaign_id,
		       &h->contact_id, e);

	if (f < 0)
		return -1;
	if (f == 1 && h->contact_id > 0) {
		h->found = 1;
		return 1;
	}
	return 0;
}

/* A token: a delivery's own (to a contact), else a contact's. */
static int
token_hit(struct store *s, const char *token, struct hit *h, struct err *e)
{
	int f;

	if (token[0] == '\0')
		return 0;
	f = delivery_hit(s, store_delivery_by_token, token, h, e);
	if (f != 0)
		return f;
	/* a staff mail's token names no contact: as if absent */
	h->delivery_id = h->campaign_id = h->contact_id = 0;
	f = store_contact_find(s, "token", token, take_contact_id,
			       &h->contact_id, e);
	if (f < 0)
		return -1;
	if (f == 1)
		h->found = 2;
	return f;
}

/* The first Message-ID of the thread that is a delivery to a contact. */
static int
thread_hit(struct store *s, const struct classified *c, struct hit *h,
	   struct err *e)
{
	char ids[CLASSIFY_REFS_MAX + 512 + 2];
	char *save = NULL;

	field_copy(ids, CLASSIFY_REFS_MAX, c->ref_message_ids,
		   sizeof(c->ref_message_ids));
	/* the single id too, should the list have lost it */
	size_t n = strlen(ids);
	ids[n] = ' ';
	field_copy(ids + n + 1, sizeof(ids) - n - 1, c->ref_message_id,
		   sizeof(c->ref_message_id));
	for (char *id = strtok_r(ids, " ", &save); id;
	     id = strtok_r(NULL, " ", &save)) {
		int f = delivery_hit(s, store_delivery_by_ref, id, h, e);
		if (f != 0)
			return f;
	}
	h->delivery_id = h->campaign_id = h->contact_id = 0;
	return 0;
}

/* ---- notes --------------------------------------------------------------- */

static void
note_add(struct ingest_match *m, const char *text)
{
	char *n = m->note ? xasprintf("%s; %s", m->note, text) :
			    xstrdup(text);
	free(m->note);
	m->note = n;
}

/* "delivery 12 (campaign fs26)" or "contact 5 (a@b.org)" */
static int
hit_name(struct store *s, const struct hit *h, char *out, size_t size,
	 struct err *e)
{
	char name[128] = "";

	if (h->found == 2) {
		struct ingest_match c = { 0 };
		char id[32];
		snprintf(id, sizeof(id), "%lld", (long long)h->contact_id);
		if (store_contact_find(s, "id", id, take_contact, &c, e) < 0)
			return -1;
		snprintf(out, size, "contact %lld (%s)",
			 (long long)h->contact_id,
			 c.contact_email ? c.contact_email : "?");
		free(c.contact_email);
		return 0;
	}
	if (h->campaign_id > 0 &&
	    store_campaign_by_id(s, h->campaign_id, take_campaign_name, name,
				 e) < 0)
		return -1;
	if (name[0])
		snprintf(out, size, "delivery %lld (campaign %s)",
			 (long long)h->delivery_id, name);
	else
		snprintf(out, size, "delivery %lld",
			 (long long)h->delivery_id);
	return 0;
}

/* Another key names something else than the winner: say so. A contact
 * token agrees with a delivery to the same contact. */
static int
note_disagreement(struct store *s, const struct hit *win,
		  const struct hit *other, struct ingest_match *m,
		  struct err *e)
{
	char a[200], b[200], text[512];

	if (!other->found || other == win)
		return 0;
	if (other->found == 1 && other->delivery_id == win->delivery_id)
		return 0;
	if (other->found == 2 && other->contact_id == win->contact_id)
		return 0;
	if (hit_name(s, other, a, sizeof(a), e) < 0 ||
	    hit_name(s, win, b, sizeof(b), e) < 0)
		return -1;
	snprintf(text, sizeof(text), "%s names %s, %s names %s: %s kept",
		 other->key, a, win->key, b, win->key);
	note_add(m, text);
	return 0;
}

/* ---- campaigns open for a contact ------------------------------------- */

static void
today_iso(struct store *s, char out[16])
{
	time_t t = (time_t)store_now(s);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, 16, "%Y-%m-%d", &tm) != 10)
		snprintf(out, 16, "1970-01-01");
}

/* A key named the contact only: its campaign when exactly one is open.
 * who: "reply token names", "the sender is", ... for the note. */
static int
open_campaign(struct store *s, const char *who, struct ingest_match *m,
	      struct err *e)
{
	char today[16], text[256];
	long n = 0;

	today_iso(s, today);
	if (store_contact_open_campaigns(s, m->contact_id, today, &n,
					 &m->campaign_id, &m->delivery_id,
					 e) < 0)
		return -1;
	if (n == 1)
		return 0;
	m->campaign_id = m->delivery_id = 0;
	if (n == 0)
		snprintf(text, sizeof(text), "%s a contact with no open "
			 "campaign and no thread", who);
	else
		snprintf(text, sizeof(text), "%s a contact with %ld open "
			 "campaigns and no thread: which one is unclear",
			 who, n);
	note_add(m, text);
	return 0;
}

/* The address the message speaks for: a bounce names the failed
 * recipient, an iMIP reply its attendee, anything else its sender. */
static const char *
speaker(const struct ingest_result *r, char *buf, size_t size)
{
	if (r->c.kind == CLASSIFY_BOUNCE)
		field_copy(buf, size, r->c.bounce_recipient,
			   sizeof(r->c.bounce_recipient));
	else if (r->c.kind == CLASSIFY_RSVP && r->c.rsvp_attendee[0])
		field_copy(buf, size, r->c.rsvp_attendee,
			   sizeof(r->c.rsvp_attendee));
	else
		return r->from_addr;
	return buf;
}

/* ---- the order ----------------------------------------------------------- */

static int
resolve_keys(struct store *s, const struct ingest_result *r,
	     struct ingest_match *m, struct err *e)
{
	const struct classified *c = &r->c;
	char src[sizeof(c->token_source)];
	char atok[CLASSIFY_TOKEN_MAX] = "", stok[CLASSIFY_TOKEN_MAX] = "";
	char who[CLASSIFY_ADDR_MAX];
	struct hit thread = { .key = "thread", .how = "message-id" };
	struct hit addr = { .key = "reply token", .how = "delivery-token" };
	struct hit subj = { .key = "subject reference",
			    .how = "subject-token" };
	int bounce = c->kind == CLASSIFY_BOUNCE;

	field_copy(src, sizeof(src), c->token_source, sizeof(c->token_source));
	if (strcmp(src, "subject") == 0)
		field_copy(stok, sizeof(stok), c->token, sizeof(c->token));
	else
		field_copy(atok, sizeof(atok), c->token, sizeof(c->token));
	if (stok[0] == '\0')
		field_copy(stok, sizeof(stok), c->subject_token,
			   sizeof(c->subject_token));
	if (strcmp(src, "verp") == 0)
		addr.key = "VERP token";
	else if (strcmp(src, "returned") == 0)
		addr.key = "token of the returned message";
	lower(atok);
	lower(stok);
	if (strcmp(atok, stok) == 0)
		stok[0] = '\0';		/* the same key once */

	if (thread_hit(s, c, &thread, e) < 0 ||
	    token_hit(s, atok, &addr, e) < 0 ||
	    token_hit(s, stok, &subj, e) < 0)
		return -1;

	/* a delivery: the thread first (a bounce: its VERP token first) */
	struct hit *const reply_order[] = { &thread, &addr, &subj };
	struct hit *const bounce_order[] = { &addr, &subj, &thread };
	struct hit *const *order = bounce ? bounce_order : reply_order;
	struct hit *win = NULL;
	for (size_t i = 0; i < 3 && win == NULL; i++)
		if (order[i]->found == 1)
			win = order[i];
	/* else a contact by its token */
	if (win == NULL && addr.found == 2) {
		win = &addr;
		addr.how = "contact-token";
	}
	if (win == NULL && subj.found == 2)
		win = &subj;
	if (win != NULL) {
		char id[32];
		m->how = win->how;
		m->trust = INGEST_TRUST_DELIVERY;
		m->delivery_id = win->delivery_id;
		m->campaign_id = win->campaign_id;
		snprintf(id, sizeof(id), "%lld", (long long)win->contact_id);
		if (store_contact_find(s, "id", id, take_contact, m, e) < 0)
			return -1;
		if (m->contact_id <= 0)
			return 0;
		for (size_t i = 0; i < 3; i++)
			if (note_disagreement(s, win, reply_order[i], m, e) < 0)
				return -1;
		if (win->found == 2) {
			char names[64];
			snprintf(names, sizeof(names), "%s names", win->key);
			if (open_campaign(s, names, m, e) < 0)
				return -1;
		}
		return 1;
	}

	/* the sender's address */
	const char *addr_of = speaker(r, who, sizeof(who));
	int f = addr_of && addr_of[0] ? store_contact_find(s, "email", addr_of,
				   take_contact, m, e) : 0;
	if (f <= 0) {
		if (f == 0 && (atok[0] || stok[0])) {
			char text[200];
			snprintf(text, sizeof(text), "token %s names no "
				 "delivery or contact", atok[0] ? atok : stok);
			note_add(m, text);
		}
		return f;
	}
	m->how = "sender";
	/* the From domain, verified: the From address is the speaker */
	if (r->c.auth == CLASSIFY_AUTH_PASS && addr_of == r->from_addr)
		m->trust = INGEST_TRUST_DOMAIN;
	return open_campaign(s, bounce ? "the failed recipient is" :
			     "the sender is", m, e) < 0 ? -1 : 1;
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
	if (f == 0) {
		char *note = m->note;	/* kept for the person */
		m->note = NULL;
		ingest_match_clear(m);
		m->note = note;
		return 0;
	}
	/* a colleague answered with the contact's token or thread */
	if (r->c.kind != CLASSIFY_BOUNCE && r->from_addr && r->from_addr[0] &&
	    m->contact_email && strcasecmp(m->contact_email, r->from_addr))
		m->answered_by = xstrdup(r->from_addr);
	return 1;
}

void
ingest_match_clear(struct ingest_match *m)
{
	free(m->contact_email);
	free(m->answered_by);
	free(m->note);
	memset(m, 0, sizeof(*m));
	m->how = "none";
}

/* ---- trust ----------------------------------------------------------- */

int
ingest_trusted(const struct ingest_result *r, const struct ingest_match *m,
	       char *why, size_t size)
{
	const struct classified *c = &r->c;
	const char *what;

	if (m->contact_id <= 0 || c->kind == CLASSIFY_AUTOREPLY ||
	    m->trust == INGEST_TRUST_DELIVERY)
		return 1;
	if (c->auth == CLASSIFY_AUTH_FORGED) {
		snprintf(why, size, "%.*s: forged upstream, or the MTA does "
			 "not remove them; not trusted",
			 (int)strnlen(c->auth_note, sizeof(c->auth_note)),
			 c->auth_note);
		return 0;
	}
	switch (c->kind) {
	case CLASSIFY_REPLY:
		if (m->trust == INGEST_TRUST_DOMAIN)
			return 1;
		what = "From: a contact, but no token, thread or verified "
		       "domain";
		break;
	case CLASSIFY_OPTOUT:
		what = m->trust == INGEST_TRUST_DOMAIN ? "an opt-out from a "
		       "contact's verified domain, but no token or thread (a "
		       "domain is not a mailbox)" : "an opt-out with From: a "
		       "contact, but no token or thread";
		break;
	case CLASSIFY_RSVP:
		what = "an RSVP naming a contact (attendee or From:), but no "
		       "token or thread";
		break;
	case CLASSIFY_BOUNCE:
		what = "a delivery report naming a contact, but no token or "
		       "Message-ID of a delivery of ours";
		break;
	default:
		return 1;
	}
	/* what our MTA said of the domain, when it said something */
	if (c->auth_note[0] && m->trust != INGEST_TRUST_DOMAIN)
		snprintf(why, size, "%s: not trusted (%.*s)", what,
			 (int)strnlen(c->auth_note, sizeof(c->auth_note)),
			 c->auth_note);
	else
		snprintf(why, size, "%s: not trusted", what);
	return 0;
}
