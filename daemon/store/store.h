/*
 * store.h -- the state store (SQLite, WAL): the only module with SQL.
 * Every state change is one function and one transaction; nothing here
 * renders, sends, fetches or prints.
 *
 * Use:     store_open(path, &s, &e)      opens, sets WAL, applies migrations
 *          store_open_reader(path, &s, &e)   the same, or read-only when
 *                                        the store cannot be written
 *          store_begin / store_commit / store_rollback   caller-held tx
 *          contacts, questionnaires, campaigns, deliveries, inbound,
 *          responses, reports: see the sections below
 *          store_free(&s)
 * Owns:    the sqlite3 handle and its prepared statements. Rows handed to a
 *          callback are borrowed: valid only during that callback. Strings
 *          returned through char ** are the caller's (free()).
 * Errors:  0 ok, -1 error with "PATH: what: why" in e (the store file,
 *          then SQLite's own message, and why the store cannot be
 *          written when that is the trouble). A failed call inside store_begin..commit leaves the tx
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
/* For commands that only read: store_open, or, when this process cannot
 * write the store (its mode, its directory, a read-only file system), the
 * store opened read-only without creating any file beside it (how, and
 * its one caveat: store.c). Writes on such a handle fail naming the file
 * and why. -1 as store_open, also for a schema that needs migrating. */
int store_open_reader(const char *path, struct store **s_r,
		      struct err *e);
void store_free(struct store **s);
int store_schema_version(struct store *s);
/* The file the handle has open (borrowed): for a process of its own. */
const char *store_path(const struct store *s);
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
	const char *timezone;	/* IANA zone; NULL: the country's */
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
	int64_t start_at;		/* UTC seconds; 0: no start time */
	int64_t deadline_at;		/* UTC seconds; 0: no deadline */
	const char *timezone;		/* IANA zone start/deadline are in */
	const char *hold;		/* read only: NULL, "paused", "stopped"
					 * (store_campaign_hold sets it) */
};

typedef int (*store_campaign_cb)(void *arg, const struct store_campaign *c);

/* Insert, or update when the name exists: anything while nothing was
 * sent yet, afterwards only the deadline (deadline, deadline_at,
 * timezone): -1 with a reason naming what else differs. The hold is
 * kept. */
int store_campaign_put(struct store *s, const struct store_campaign *c,
		       int64_t *id_r, struct err *e);
/* Set campaign id's hold ("paused", "stopped") or lift it (NULL), in
 * one transaction; "stopped" also cancels every row of it that waits
 * (claimed or not: a claimed one's hand-over then finds it gone) and
 * counts them in *cancelled_r (may be NULL). 1 done, 0 no such id. */
int store_campaign_hold(struct store *s, int64_t id, const char *hold,
			long *cancelled_r, struct err *e);
/* The note that the deadline moved (kind "deadline", round = the new
 * deadline, so once per deadline) to every contact of campaign id whose
 * invitation was sent, who is still "ok" (not bounced, not opted out)
 * and has not answered; *n_r: how many were enqueued. */
int store_deadline_notice(struct store *s, int64_t id, int64_t deadline_at,
			  long *n_r, struct err *e);
int store_campaign_find(struct store *s, const char *name,
			store_campaign_cb cb, void *arg, struct err *e);
int store_campaign_by_id(struct store *s, int64_t id, store_campaign_cb cb,
			 void *arg, struct err *e);
int store_campaigns_each(struct store *s, store_campaign_cb cb, void *arg,
			 struct err *e);

/* ---- the outbox: every outgoing mail is one row of deliveries ----------
 *
 * Producers enqueue (store_deliveries_plan for a campaign's audience,
 * store_outbox_enqueue for one mail), inside the transaction of what
 * caused the mail when there is one. Senders claim due rows, hand each
 * over, and complete it; a row changes only while its claim holds.
 *
 *   pending|deferred|unknown --claim--> (same state, owner set)
 *        --handover--> sending --complete--> sent | failed | deferred
 *                                              | unknown | skipped
 *   waiting rows --cancel--> cancelled       owner dead: sending -> unknown
 *
 * An owner is a live process: store_owner_register writes its row (role,
 * host, pid, start) and holds an flock on a lock file of its own beside
 * the store ("STORE.owners/") for as long as it lives, so any other
 * process sees at once that it died and frees its rows (store_outbox_reap,
 * run by every claim). The lease only frees the rows of an owner that
 * hangs (SIGSTOP, a stuck disk); it must outlast the longest legal SMTP
 * transaction. A row that was SENDING when its owner died becomes
 * UNKNOWN: the server may have taken it (RFC 1047), so it is retried and
 * counted apart. */

enum store_dstate {
	STORE_D_PENDING,	/* waiting for its first attempt */
	STORE_D_SENDING,	/* handed to the server by its owner */
	STORE_D_SENT,		/* the server accepted it: never again */
	STORE_D_FAILED,		/* permanent failure, server reply kept */
	STORE_D_DEFERRED,	/* temporary failure, retried at next_attempt */
	STORE_D_SKIPPED,	/* contact undeliverable or opted out */
	STORE_D_UNKNOWN,	/* handed over, no answer: retried, counted */
	STORE_D_CANCELLED,	/* taken out of the queue by a person */
	STORE_D_N
};
const char *store_dstate_name(enum store_dstate st);
int store_dstate_parse(const char *name, enum store_dstate *st_r);

/* One outbox row as a claim hands it out (strings borrowed for the
 * callback). contact is NULL for a staff address (rcpt). */
struct store_outrow {
	int64_t id;
	int64_t campaign_id;	/* 0: none */
	const char *kind;	/* a send_kind name: invite, reminder, ... */
	enum store_dstate state;/* pending, deferred or unknown */
	const char *rcpt;	/* the recipient's address */
	const char *token;	/* this delivery's reply token */
	const char *message_id;	/* set at the first hand-over, then kept */
	const char *in_reply_to;/* Message-ID with <>, or NULL */
	const char *vars;	/* JSON object for the renderer, or NULL */
	int attempts;
	int64_t queued;		/* queue entry, moved forward by pauses */
	const struct store_contact *contact;
};
typedef int (*store_outrow_cb)(void *arg, const struct store_outrow *r);

/* Register this process as an owner of claims (role "send", "daemon",
 * ...). exclusive: refuse while another live owner of the same role
 * exists, with e naming it ("anketa daemon pid 4242 on host h since
 * ... holds STORE"). The registration ends with store_free (rows still
 * claimed are released, the lock file removed) or with the process. */
int store_owner_register(struct store *s, const char *role, int exclusive,
			 struct err *e);
/* In a child after fork(): let go of the parent's lock file descriptor
 * without touching the parent's SQLite handle (which must not be used
 * across fork). s may be NULL. */
void store_forget_in_child(struct store *s);
/* Free the rows of dead owners (lock free) and of hung ones (lease
 * over): SENDING becomes UNKNOWN (due at once), claimed rows wait again.
 * *freed_r (may be NULL) counts the rows freed. */
int store_outbox_reap(struct store *s, long *freed_r, struct err *e);

/* What to claim: campaign 0 any, kind NULL any. */
struct store_outbox_filter {
	int64_t campaign_id;
	const char *kind;
};
/* Claim up to max due rows for this owner (one transaction, after a
 * reap) with a lease of lease_s seconds, then hand each to cb with no
 * statement open (cb may write). The claim knows no sites: a sender
 * asks store_outbox_paused before it claims. *n_r counts the rows
 * claimed. Needs store_owner_register. */
int store_outbox_claim(struct store *s, const struct store_outbox_filter *f,
		       long max, long lease_s, store_outrow_cb cb, void *arg,
		       long *n_r, struct err *e);
/* Claimed row -> SENDING with its Message-ID (kept when NULL), lease
 * renewed: commit this before the message is handed to the server.
 * 0 ok, 1 the claim is no longer ours (nothing changed), -1 error. */
int store_outbox_handover(struct store *s, int64_t id,
			  const char *message_id, long lease_s,
			  struct err *e);
struct store_outcome {
	enum store_dstate state;	/* sent, failed, deferred, unknown,
					 * skipped */
	const char *reply;		/* the server's reply or the reason */
	int64_t next_attempt;		/* deferred, unknown: unix time */
	int rcpt_dead;			/* failed because the recipient does
					 * not exist: contact undeliverable */
};
/* A row of ours (SENDING, or claimed and never handed over: skipped,
 * failed before the hand-over) gets its outcome, the claim ends.
 * 0 ok, 1 the claim is no longer ours (nothing changed), -1 error. */
int store_outbox_complete(struct store *s, int64_t id,
			  const struct store_outcome *o, struct err *e);
/* Give back claimed rows never handed over (id 0: all of ours). */
int store_outbox_unclaim(struct store *s, int64_t id, struct err *e);

/* One mail to enqueue. contact_id 0: rcpt is the address (staff). */
struct store_enqueue {
	int64_t campaign_id;
	int64_t contact_id;
	const char *rcpt;
	const char *kind;
	int64_t not_before;	/* unix time; 0: now */
	const char *in_reply_to;
	const char *vars;	/* JSON object, or NULL */
	int64_t inbound_id;	/* the message that caused it, or 0 */
};
int store_outbox_enqueue(struct store *s, const struct store_enqueue *q,
			 int64_t *id_r, struct err *e);

/* Sending through site (submission server "host:port") is paused until
 * `until` (unix time) because of reason. While paused nothing is due;
 * when the pause ends, every waiting row's queued time moves forward by
 * the paused time, so a pause never counts toward the queue lifetime. */
int store_outbox_pause(struct store *s, const char *site, int64_t until,
		       const char *reason, struct err *e);
/* 1 and the pause's end and reason (caller frees) when site is paused,
 * 0 when not (an ended pause is lifted here), -1 error. */
int store_outbox_paused(struct store *s, const char *site, int64_t *until_r,
			char **reason_r, struct err *e);

/* ---- the queue as a person sees it (anketa queue) ---- */
typedef int (*store_pause_cb)(void *arg, const char *site, int64_t until,
			      const char *reason);
/* Every pause still running, by site. */
int store_pauses_each(struct store *s, store_pause_cb cb, void *arg,
		      struct err *e);
struct store_qrow {
	int64_t id;
	const char *campaign;	/* name or NULL */
	const char *kind, *rcpt;
	enum store_dstate state;
	int attempts, unknowns;
	int64_t next_attempt, queued;
	const char *owner;	/* "pid 123 on host" while claimed, or NULL */
	const char *last_reply;
};
typedef int (*store_qrow_cb)(void *arg, const struct store_qrow *q);
/* Waiting and in-flight rows (pending, deferred, unknown, sending) of
 * campaign (0: all) in id order. */
int store_queue_each(struct store *s, int64_t campaign_id, store_qrow_cb cb,
		     void *arg, struct err *e);
/* Retry now (next_attempt = now) or cancel waiting rows: one id, or all
 * of a campaign (id 0, campaign_id > 0), or all (both 0). *n_r counts.
 * A retry also ends every pause (the next claim lifts it). */
int store_queue_retry(struct store *s, int64_t id, int64_t campaign_id,
		      long *n_r, struct err *e);
int store_queue_cancel(struct store *s, int64_t id, int64_t campaign_id,
		       long *n_r, struct err *e);

/* The store's clock (unix time): time(NULL) unless a test set it. */
int64_t store_now(const struct store *s);
/* Free what the connection caches (SQLite's page cache, unused
 * lookaside): for a process about to idle; what it reads next is read
 * again. */
void store_shrink(struct store *s);
void store_clock_set(struct store *s, int64_t t);	/* 0: real time */

/* ---- schedules (store_schedule.c) ----------------------------------------- */

/* A campaign's [schedule] text (model/schedule.h); NULL or "": none.
 * Inside the caller's transaction when one is open. */
int store_schedule_put(struct store *s, int64_t campaign_id,
		       const char *text, struct err *e);
struct store_sched {
	int64_t campaign_id;
	const char *campaign;	/* name */
	const char *deadline;	/* campaigns.deadline, or NULL */
	const char *text;	/* "" when the campaign has no schedule */
};
typedef int (*store_sched_cb)(void *arg, const struct store_sched *sc);
/* A contact's own IANA time zone (NULL or "": none, the country's). */
int store_contact_set_zone(struct store *s, int64_t contact_id,
			   const char *zone, struct err *e);
/* Every campaign with its schedule text, in id order. */
int store_schedules_each(struct store *s, store_sched_cb cb, void *arg,
			 struct err *e);
/* Inside store_begin: record that schedule fired slot (at: when its
 * mail may start). 1 recorded, 0 this slot fired before (the caller
 * rolls back and enqueues nothing), -1 error. */
int store_firing_claim(struct store *s, const char *schedule, int64_t slot,
		       int64_t at, struct err *e);
int store_firing_done(struct store *s, const char *schedule, int64_t slot,
		      long enqueued, struct err *e);
/* The latest firing of schedule (busy_only: one that enqueued something):
 * its slot and at. 1/0/-1. */
int store_firing_last(struct store *s, const char *schedule, int busy_only,
		      int64_t *slot_r, int64_t *at_r, struct err *e);
/* A contact a wave or a reminder may go to (borrowed strings). */
struct store_cand {
	int64_t contact_id;
	const char *country, *timezone;	/* timezone NULL unless imported */
	int64_t first_mail;	/* reminders: the invitation's hand-over */
	int unreadable;		/* reminders: only unreadable replies */
};
typedef int (*store_cand_cb)(void *arg, const struct store_cand *c);
/* The campaign's audience (status ok) with no invitation yet. */
int store_wave_each(struct store *s, int64_t campaign_id, store_cand_cb cb,
		    void *arg, struct err *e);
/* Those the invitation reached, still ok, without a reminder or note of
 * this round, who never answered or whose replies were all unreadable. */
int store_reminder_each(struct store *s, int64_t campaign_id, int round,
			store_cand_cb cb, void *arg, struct err *e);
struct store_sched_row {
	int64_t campaign_id, contact_id;
	const char *kind;	/* invite, reminder; problem: the contact's
				 * last problem note again (none: nothing) */
	int round;
	int64_t not_before;
};
/* One row (inside the caller's transaction); *added_r += 0 or 1. */
int store_schedule_enqueue(struct store *s, const struct store_sched_row *q,
			   long *added_r, struct err *e);
/* When the outbox next has a row due (max of not_before, next_attempt)
 * among unclaimed waiting rows. 1 found, 0 none, -1. */
int store_outbox_next_due(struct store *s, int64_t *due_r, struct err *e);

/* ---- deliveries: planning and lookups ---------------------------------- */

struct store_delivery {
	int64_t id;
	int64_t campaign_id;
	int64_t contact_id;
	const char *kind;
	enum store_dstate state;
	const char *message_id;
	int attempts;
	const char *last_reply;
};

/* Enqueue kind for each contact of the campaign's audience that has no
 * such row yet (status "ok" only; a reminder only to those the invitation
 * reached who have not answered), each with a token of its own.
 * *added_r counts them. */
int store_deliveries_plan(struct store *s, int64_t campaign_id,
			  const char *kind, long *added_r, struct err *e);
/* The same, paced per recipient domain: at most per_hour of the new rows
 * of one domain are due in each hour from now (not_before); 0: none. */
int store_deliveries_plan_paced(struct store *s, int64_t campaign_id,
				const char *kind, int per_hour,
				long *added_r, struct err *e);
/* A dry run of plan + claim that writes nothing: cb gets each row a
 * send of kind would hand out now (rows waiting, then the contacts a
 * plan would add, with id 0 and token "preview"), at most limit (0:
 * all). cb must not write to the store (a read is open). */
int store_deliveries_preview(struct store *s, int64_t campaign_id,
			     const char *kind, long limit,
			     store_outrow_cb cb, void *arg, struct err *e);
/* How many of kind were enqueued for contact since unix time t and not
 * failed (rate limits count what is on its way, too). */
int store_deliveries_count_since(struct store *s, int64_t contact_id,
				 const char *kind, int64_t since, long *n_r,
				 struct err *e);
/* Counts per state for one campaign (index by enum store_dstate). */
int store_delivery_counts(struct store *s, int64_t campaign_id,
			  const char *kind, long counts[STORE_D_N],
			  struct err *e);

/* ---- mailbox positions --------------------------------------------------- */

/* source: "imap://host:port/MAILBOX" or "maildir:PATH". 1/0/-1. */
int store_mailbox_get(struct store *s, const char *source,
		      uint32_t *uidvalidity_r, uint32_t *last_uid_r,
		      struct err *e);
int store_mailbox_set(struct store *s, const char *source,
		      uint32_t uidvalidity, uint32_t last_uid, struct err *e);
/* How a pass over source (as configured) went, now: why NULL it went
 * through, else it failed with why (the last failure is kept after a
 * success, so status can say when trouble was). */
int store_mailbox_health(struct store *s, const char *source,
			 const char *why, struct err *e);

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
				 * numbers in decimal, yes/no, free text; a
				 * comma-separated list of ids (letters,
				 * digits, _ . -) is also kept split, one
				 * row a choice, for counting */
};

/* Record a response for (campaign, contact) from inbound_id; an earlier
 * current response is marked superseded (kept), and its answers to
 * questions this one leaves out are carried over: a later reply
 * completes or replaces, never loses what was read before. Inside
 * store_begin. */
int store_response_add(struct store *s, int64_t campaign_id,
		       int64_t contact_id, int64_t inbound_id,
		       const struct store_answer *a, size_t n,
		       int64_t *response_id_r, struct err *e);
/* Mark response_id's answer to question as unconfirmed: an uncertain
 * reading, asked back, kept for staff and out of every total, until a
 * later reply answers it again. Inside store_begin. */
int store_answer_unconfirm(struct store *s, int64_t response_id,
			   const char *question, struct err *e);

/* ---- reading for reports (read-only) ----------------------------------- */

typedef int (*store_answer_cb)(void *arg, const char *question,
			       const char *value, int64_t contact_id);
/* Current (not superseded), confirmed answers of a campaign, ordered by
 * question: unconfirmed ones stay out of every total. */
int store_answers_each(struct store *s, int64_t campaign_id,
		       store_answer_cb cb, void *arg, struct err *e);
/* Contacts of the campaign with their response state: cb gets the contact
 * and responded: 0 no current response, 1 one, 2 one recorded after the
 * deadline (late). */
typedef int (*store_roster_cb)(void *arg, const struct store_contact *c,
			       int delivered, int responded,
			       const char *answered_by);
int store_roster_each(struct store *s, int64_t campaign_id,
		      store_roster_cb cb, void *arg, struct err *e);
/* Aggregates over the current, confirmed, non-empty answers to one
 * question from the campaign's roster (the contacts store_roster_each
 * gives), computed by the database. choices 0: cb gets each distinct
 * value and how many gave it (in no order), *answered_r their sum.
 * choices 1 (multiple choice): cb gets each choice and how many chose
 * it, a value that is no list of ids counting as one choice; *answered_r
 * is how many answered. cb NULL: only *answered_r (no grouping). */
typedef int (*store_count_cb)(void *arg, const char *value, long count);
int store_answer_counts(struct store *s, int64_t campaign_id,
			const char *question, int choices, store_count_cb cb,
			void *arg, long *answered_r, struct err *e);
/* The same answers one by one, in the roster's order (contact e-mail),
 * only those recorded at or after since (unix time; 0: all): for free
 * text, streamed. */
typedef int (*store_text_cb)(void *arg, int64_t contact_id,
			     const char *municipality, const char *text);
int store_answer_texts(struct store *s, int64_t campaign_id,
		       const char *question, int64_t since, store_text_cb cb,
		       void *arg, struct err *e);
/* What happened to a campaign at or after since (unix time). */
struct store_changes {
	long responses;		/* current responses recorded since */
	long sent;		/* campaign mail the server accepted since */
	long needs;		/* its inbound mail left for a person since */
};
int store_campaign_changes(struct store *s, int64_t campaign_id,
			   int64_t since, struct store_changes *c,
			   struct err *e);
/* The digest for rcpt at schedule slot (unix time): 1 and *since_r the
 * previous slot of rcpt (0: none) when this slot is new, now recorded;
 * 0 when it was recorded already. Inside store_begin, with the enqueue
 * of the digest's outbox row. */
int store_digest_mark(struct store *s, const char *rcpt, int64_t slot,
		      int64_t *since_r, struct err *e);
/* The slot of the last digest recorded for rcpt, 0 if none. */
int store_digest_last(struct store *s, const char *rcpt, int64_t *slot_r,
		      struct err *e);
typedef int (*store_inbound_cb)(void *arg, int64_t id,
				const struct store_inbound *m);
/* Inbound messages of a kind (all kinds when kind < 0), newest first. */
int store_inbound_each(struct store *s, int kind, int64_t campaign_id,
		       store_inbound_cb cb, void *arg, struct err *e);

/* ---- resolving replies (store_resolve.c) ---- */

/* The delivery whose own token this is (reply address, VERP, [ref:]),
 * compared without regard to case; campaign and contact are 0 when the
 * row has none (a staff address). 1/0/-1. */
int store_delivery_by_token(struct store *s, const char *token,
			    int64_t *delivery_id_r, int64_t *campaign_id_r,
			    int64_t *contact_id_r, struct err *e);
/* The delivery that sent Message-ID id, given as a reply quotes it:
 * with or without the angle brackets (the store keeps what was put in
 * the header). 1/0/-1. */
int store_delivery_by_ref(struct store *s, const char *id,
			  int64_t *delivery_id_r, int64_t *campaign_id_r,
			  int64_t *contact_id_r, struct err *e);
/* The fingerprint of the text part delivery id sent (mail/fprint.h),
 * at most 64 KB, kept for reading its replies; replaces an earlier one
 * (a retry renders again). 0, -1 error. */
int store_delivery_fprint_set(struct store *s, int64_t id,
			      const void *blob, size_t len, struct err *e);
/* The fingerprint kept for delivery id: 1 (*blob_r malloc'd, the
 * caller's; *len_r its size), 0 none kept (older mail, unknown id), -1
 * error. */
int store_delivery_fprint(struct store *s, int64_t id,
			  unsigned char **blob_r, size_t *len_r,
			  struct err *e);
/* How many campaigns are open for a contact on day today_iso
 * ("YYYY-MM-DD"): the contact has a campaign delivery (not feedback)
 * that is sent, unknown or sending, and the campaign's deadline is
 * empty or not before today. When exactly one, *campaign_id_r and
 * *delivery_id_r name it (its sent delivery first, then the newest);
 * else both are 0. 0 ok, -1 error. */
int store_contact_open_campaigns(struct store *s, int64_t contact_id,
				 const char *today_iso, long *n_r,
				 int64_t *campaign_id_r,
				 int64_t *delivery_id_r, struct err *e);

/* ---- personal data (store_privacy.c) ---- */

/* What store_contact_forget did. */
struct store_forget {
	int64_t contact_id;	/* the contact now a tombstone, 0: the
				 * address was no contact's (a stranger) */
	long responses;		/* responses deleted, answers with them */
	long messages;		/* inbound messages of theirs emptied */
	long cancelled;		/* waiting mail to or about them cancelled */
	long deliveries;	/* outbox rows emptied (cancelled included) */
	long mentions;		/* values elsewhere that named the address:
				 * raw mail dropped, text "[forgotten]" */
	int64_t in_flight;	/* on -1: the delivery a sender is handing
				 * to the server, so nothing was changed */
	int wal_kept;		/* a reader on an old snapshot kept the WAL
				 * from being emptied: earlier page versions
				 * stay in it until the next checkpoint */
};
/* Forget the person with address addr, in one transaction: their
 * responses and answers are deleted; their inbound messages (their
 * contact's, or from, answered by, bounced for or RSVP'd by addr) keep
 * only kind, campaign, source key and dates; their outbox rows keep
 * kind, state, campaign, attempts and dates, with new tokens, and those
 * still waiting are cancelled (a claim on one ends: its sender sends
 * nothing); other rows that name addr lose their raw mail, and their
 * text names "[forgotten]" instead; the contact becomes the tombstone
 * "forgotten-ID" (status "forgotten", no name, municipality, country,
 * language, role or groups; one contact_events row with the date).
 * Deleted bytes are overwritten (secure_delete) and the WAL is emptied.
 * 1 done (*f filled), 0 the address is nowhere in the store (nothing
 * changed), -1 error with nothing changed: not an address, a store
 * error, or a row of theirs SENDING (f->in_flight names it: try again
 * when its sender is done). */
int store_contact_forget(struct store *s, const char *addr,
			 struct store_forget *f, struct err *e);
/* [retention] raw_mail_days: drop the raw bytes of inbound messages
 * stored more than days days ago by the store's clock (the row and its
 * classification stay); days <= 0 keeps everything. One UPDATE on the
 * partial index inbound_raw_created, in transactions of a few hundred
 * rows so other writers get in between. *n_r counts the messages; on
 * -1, the batches committed before the error stay done. */
int store_raw_sweep(struct store *s, int days, long *n_r, struct err *e);
/* A consistent copy of the store as it is now into the new file path,
 * while other processes keep writing (VACUUM INTO: one read snapshot),
 * checked (PRAGMA quick_check) and synced before it takes the name.
 * -1 with e naming path when path exists (never replaced) or the copy
 * fails; no partial file is left under path. */
int store_backup(struct store *s, const char *path, struct err *e);

#endif
