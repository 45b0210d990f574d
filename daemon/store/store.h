/*
 * store.h -- the state store (SQLite, WAL): the only module with SQL.
 * Every state change is one function and one transaction; nothing here
 * renders, sends, fetches or prints.
 *
 * Use:     store_open(path, &s, &e)      opens, sets WAL, applies migrations
 *          store_begin / store_commit / store_rollback   caller-held tx
 *          contacts, questionnaires, campaigns, deliveries, inbound,
 *          responses, reports: see the sections below
 *          store_free(&s)
 * Owns:    the sqlite3 handle and its prepared statements. Rows handed to a
 *          callback are borrowed: valid only during that callback. Strings
 *          returned through char ** are the caller's (free()).
 * Errors:  0 ok, -1 error with "what: why" in e (SQLite's own message
 *          kept). A failed call inside store_begin..commit leaves the tx
 *          open for the caller to roll back; a self-contained call rolls
 *          back itself and changes nothing. A callback returning non-zero
 *          stops the iteration and that value is returned.
 *          Lookups return 1 found, 0 not found, -1 error.
 * Events:  none.
 * Config:  store.path (by the caller).
 * Tests:   tests/unit/test_store.c
 */
#ifndef ANKETA_STORE_H
#define ANKETA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;

int store_open(const char *path, struct store **s_r, struct err *e);
void store_free(struct store **s);
int store_schema_version(struct store *s);
int store_begin(struct store *s, struct err *e);
int store_commit(struct store *s, struct err *e);
void store_rollback(struct store *s);

/* ---- contacts ---------------------------------------------------------- */

struct store_contact {
	int64_t id;
	const char *email;	/* unique, compared case-insensitively */
	const char *name;
	const char *municipality;
	const char *country;	/* ISO 3166 alpha-2, upper case: BG, BE, CZ */
	const char *language;	/* bg, en, nl, cs */
	const char *role;
	const char *groups;	/* comma-separated group names */
	const char *token;	/* unguessable, made once at first insert */
	const char *status;	/* "ok" or "undeliverable" */
};

/* Audience / list filter; NULL fields match everything. Each field may
 * hold several comma-separated values (any of them matches). */
struct store_filter {
	const char *group;
	const char *country;
	const char *municipality;
	const char *language;
	const char *role;
};

typedef int (*store_contact_cb)(void *arg, const struct store_contact *c);

/* Insert or update by email (groups replaced by c->groups). Fills *id_r and
 * *created_r (1 new, 0 updated). Must run inside store_begin. */
int store_contact_upsert(struct store *s, const struct store_contact *c,
			 int64_t *id_r, int *created_r, struct err *e);
/* Stream contacts in email order. */
int store_contacts_each(struct store *s, const struct store_filter *f,
			store_contact_cb cb, void *arg, struct err *e);
/* by: "id" (key is decimal), "email" or "token". 1/0/-1. */
int store_contact_find(struct store *s, const char *by, const char *key,
		       store_contact_cb cb, void *arg, struct err *e);
int store_contact_set_status(struct store *s, int64_t contact_id,
			     const char *status, const char *reason,
			     struct err *e);

/* ---- questionnaires ---------------------------------------------------- */

/* Store a questionnaire's XML by content hash: an edited file becomes a
 * new version of the same survey id. *id_r gets the row; *new_r 1 if this
 * hash was not stored before. */
int store_questionnaire_put(struct store *s, const char *survey_id,
			    const char *hash, const char *path,
			    const char *xml, int64_t *id_r, int *new_r,
			    struct err *e);
/* The XML of questionnaire row id; caller frees *xml_r. 1/0/-1. */
int store_questionnaire_xml(struct store *s, int64_t id, char **xml_r,
			    struct err *e);

/* ---- campaigns --------------------------------------------------------- */

struct store_campaign {
	int64_t id;
	const char *name;		/* unique, used on the command line */
	int64_t questionnaire_id;	/* 0: an invitation without a form */
	const char *kind;		/* "survey" or "invitation" */
	const char *template;		/* template set name in templates/ */
	const char *deadline;		/* ISO 8601 date or date-time */
	const char *subject;		/* optional subject override */
	const char *reference;		/* short subject reference, e.g. FS26 */
	struct store_filter audience;
	const char *file;		/* the campaign file it came from */
	const char *extra;		/* JSON object of template variables */
};

typedef int (*store_campaign_cb)(void *arg, const struct store_campaign *c);

/* Insert, or update when the name exists and nothing was sent yet;
 * -1 with a reason if deliveries already went out. */
int store_campaign_put(struct store *s, const struct store_campaign *c,
		       int64_t *id_r, struct err *e);
int store_campaign_find(struct store *s, const char *name,
			store_campaign_cb cb, void *arg, struct err *e);
int store_campaign_by_id(struct store *s, int64_t id, store_campaign_cb cb,
			 void *arg, struct err *e);
int store_campaigns_each(struct store *s, store_campaign_cb cb, void *arg,
			 struct err *e);

/* ---- deliveries: one row per (campaign, contact, kind) ------------------ */

enum store_dstate {
	STORE_D_PENDING,	/* planned, not yet tried */
	STORE_D_SENDING,	/* handed to the transport; outcome unknown */
	STORE_D_SENT,		/* the server accepted it: never again */
	STORE_D_FAILED,		/* permanent failure, server reply kept */
	STORE_D_DEFERRED,	/* temporary failure, retried later */
	STORE_D_SKIPPED,	/* contact undeliverable or opted out */
};

struct store_delivery {
	int64_t id;
	int64_t campaign_id;
	int64_t contact_id;
	const char *kind;	/* "invite", "reminder", "confirm", ... */
	enum store_dstate state;
	const char *message_id;	/* set when first rendered, reused on retry */
	int attempts;
	const char *last_reply;	/* server reply or reason */
};

typedef int (*store_delivery_cb)(void *arg, const struct store_delivery *d,
				 const struct store_contact *c);

/* Add a pending delivery of kind for each contact of the campaign's
 * audience that has none yet (status "ok" only). *added_r counts them. */
int store_deliveries_plan(struct store *s, int64_t campaign_id,
			  const char *kind, long *added_r, struct err *e);
/* Stream deliveries of campaign/kind that are due: PENDING, DEFERRED,
 * and SENDING left by an interrupted run. At most limit rows (0: all). */
int store_deliveries_due(struct store *s, int64_t campaign_id,
			 const char *kind, long limit, store_delivery_cb cb,
			 void *arg, struct err *e);
/* PENDING/DEFERRED -> SENDING, recording the Message-ID (before submit). */
int store_delivery_sending(struct store *s, int64_t id,
			   const char *message_id, struct err *e);
/* A one-off delivery (feedback: "confirm", "problem"; any number per
 * campaign and contact), added straight in SENDING with its Message-ID
 * before the submit; end it with store_delivery_done. Campaign kinds
 * (planned ones) are refused. */
int store_delivery_add(struct store *s, int64_t campaign_id,
		       int64_t contact_id, const char *kind,
		       const char *message_id, int64_t *id_r, struct err *e);
/* SENDING -> SENT / FAILED / DEFERRED with the server's reply (after). */
int store_delivery_done(struct store *s, int64_t id, enum store_dstate st,
			const char *reply, struct err *e);
/* Find the delivery that sent Message-ID msgid. 1/0/-1. */
int store_delivery_by_message_id(struct store *s, const char *msgid,
				 int64_t *delivery_id_r, int64_t *campaign_id_r,
				 int64_t *contact_id_r, struct err *e);
/* Newest delivery of campaign kind to this contact (for token matches).*/
int store_delivery_latest(struct store *s, int64_t contact_id,
			  int64_t *delivery_id_r, int64_t *campaign_id_r,
			  struct err *e);
/* How many of kind were SENT to contact since unix time t (rate limits). */
int store_deliveries_count_since(struct store *s, int64_t contact_id,
				 const char *kind, int64_t since, long *n_r,
				 struct err *e);
/* Counts per state for one campaign (index by enum store_dstate). */
int store_delivery_counts(struct store *s, int64_t campaign_id,
			  const char *kind, long counts[6], struct err *e);

/* ---- mailbox positions --------------------------------------------------- */

/* source: "imap://host:port/MAILBOX" or "maildir:PATH". 1/0/-1. */
int store_mailbox_get(struct store *s, const char *source,
		      uint32_t *uidvalidity_r, uint32_t *last_uid_r,
		      struct err *e);
int store_mailbox_set(struct store *s, const char *source,
		      uint32_t uidvalidity, uint32_t last_uid, struct err *e);

/* ---- inbound messages -------------------------------------------------- */

enum store_ikind {
	STORE_I_ANSWERS, STORE_I_RSVP, STORE_I_BOUNCE, STORE_I_AUTOREPLY,
	STORE_I_OPTOUT, STORE_I_UNMATCHED, STORE_I_UNREADABLE,
	STORE_I_QUARANTINE,	/* parsing crashed or hung: kept for a person */
	STORE_I_DUPLICATE,	/* the same Message-ID was recorded before */
};
const char *store_ikind_name(enum store_ikind k);

struct store_inbound {
	const char *src_key;	/* unique: "SOURCE/UIDVALIDITY/UID" or
				 * "maildir:PATH/BASENAME" */
	const char *message_id;
	const char *from_addr;
	const char *subject;
	const char *date;
	enum store_ikind kind;
	const char *reason;	/* why it needs a person, or notes */
	const char *charset;	/* charset used; "(guessed)" noted in reason */
	int64_t contact_id;	/* 0: unknown */
	int64_t campaign_id;	/* 0: unknown */
	int64_t delivery_id;	/* 0: unknown */
	const char *answered_by;/* sender when not the contact (forwarded) */
	const char *reply_text;	/* what the sender wrote */
	const char *raw;	/* kept for a person unless kind is handled */
	size_t raw_len;
	/* bounces */
	const char *bounce_recipient;
	const char *bounce_class;	/* "permanent", "temporary", "policy" */
	const char *bounce_status;	/* 5.1.1 */
	const char *bounce_diag;
	/* rsvp */
	const char *rsvp_attendee;
	const char *rsvp_partstat;
};

/* 1 if src_key or (non-empty) message_id was recorded before, else 0. */
int store_inbound_seen(struct store *s, const char *src_key,
		       const char *message_id, struct err *e);
/* Poison guard: mark src_key as being parsed (committed at once), so a
 * crash leaves a trace; store_inbound_parsing_left lists such keys. */
int store_inbound_parsing(struct store *s, const char *src_key,
			  struct err *e);
int store_inbound_parsing_clear(struct store *s, const char *src_key,
				struct err *e);
int store_inbound_parsing_left(struct store *s, const char *src_key,
			       struct err *e);	/* 1 if marked, 0 if not */
/* Insert one inbound message; must run inside store_begin. */
int store_inbound_add(struct store *s, const struct store_inbound *m,
		      int64_t *id_r, struct err *e);

/* ---- responses: answers with history ------------------------------------ */

struct store_answer {
	const char *question;	/* question id from the questionnaire */
	const char *value;	/* normalised: option ids comma-separated,
				 * numbers in decimal, yes/no, free text */
};

/* Record a response for (campaign, contact) from inbound_id; an earlier
 * current response is marked superseded (kept). Inside store_begin. */
int store_response_add(struct store *s, int64_t campaign_id,
		       int64_t contact_id, int64_t inbound_id,
		       const struct store_answer *a, size_t n,
		       int64_t *response_id_r, struct err *e);

/* ---- reading for reports (read-only) ----------------------------------- */

typedef int (*store_answer_cb)(void *arg, const char *question,
			       const char *value, int64_t contact_id);
/* Current (not superseded) answers of a campaign, ordered by question. */
int store_answers_each(struct store *s, int64_t campaign_id,
		       store_answer_cb cb, void *arg, struct err *e);
/* Contacts of the campaign with their response state: cb gets the contact
 * and responded 0/1 through d->state misuse avoided: see responded_r. */
typedef int (*store_roster_cb)(void *arg, const struct store_contact *c,
			       int delivered, int responded,
			       const char *answered_by);
int store_roster_each(struct store *s, int64_t campaign_id,
		      store_roster_cb cb, void *arg, struct err *e);
typedef int (*store_inbound_cb)(void *arg, int64_t id,
				const struct store_inbound *m);
/* Inbound messages of a kind (all kinds when kind < 0), newest first. */
int store_inbound_each(struct store *s, int kind, int64_t campaign_id,
		       store_inbound_cb cb, void *arg, struct err *e);

#endif
