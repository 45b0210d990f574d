/*
 * classify.h -- decides what one parsed message is (answers, RSVP,
 * bounce, auto-reply, opt-out, or unknown) and extracts the keys that
 * identify its sender's delivery; never touches the store: resolving a
 * token or Message-ID to a contact is ingest's job.
 *
 * Use:     classify_message(p, &opts, &c)   fills struct classified
 * Owns:    nothing; struct classified is a caller-owned value with fixed
 *          buffers.
 * Errors:  none: every message gets a kind; doubt goes into c->reason.
 * Events:  none (pure).
 * Spec:    RFC 3464 (DSN), 3834 (Auto-Submitted), 6522, 5546 (iMIP),
 *          RFC 2369 / 8058 (unsubscribe); VERP; RFC 8601
 *          (Authentication-Results), 7489 (DMARC alignment).
 * Tests:   tests/unit/test_classify.c, tests/unit/test_bounce.c,
 *          tests/data/bounces and bounces_(corpus)
 */
#ifndef ANKETA_CLASSIFY_H
#define ANKETA_CLASSIFY_H

#include "mail/ical.h"
#include "mail/parse.h"

enum classify_kind {
	CLASSIFY_REPLY,		/* a person wrote: answers or unreadable,
				 * decided once the questionnaire is known */
	CLASSIFY_RSVP,		/* iMIP REPLY or a written yes/no to an
				 * invitation */
	CLASSIFY_BOUNCE,
	CLASSIFY_AUTOREPLY,
	CLASSIFY_OPTOUT,
};

enum classify_bclass {
	CLASSIFY_B_NONE,
	CLASSIFY_B_PERMANENT,	/* 5.x.x: the address is bad */
	CLASSIFY_B_TEMPORARY,	/* 4.x.x: mailbox full, greylisting, ... */
	CLASSIFY_B_POLICY,	/* rejected as spam / by policy: not the
				 * address's fault */
};

/* What our own MTA's Authentication-Results say of the From domain. It
 * proves a domain, never a mailbox: ingest lets it record answers only
 * (see ingest.h, trust). */
enum classify_auth {
	CLASSIFY_AUTH_NONE,	/* no field of ours above the first
				 * Received, or no pass in it */
	CLASSIFY_AUTH_PASS,	/* ours, above the first Received: DMARC
				 * pass for the From domain, or DKIM pass
				 * with d= that domain or a parent of it */
	CLASSIFY_AUTH_FORGED,	/* a field claiming our authserv-id below a
				 * Received: injected upstream, or the MTA
				 * does not strip them; a person decides */
};

#define CLASSIFY_TOKEN_MAX 64
#define CLASSIFY_ADDR_MAX 320
#define CLASSIFY_REFS_MAX 2048
#define CLASSIFY_BOUNCES_MAX 16	/* failed recipients kept per report */

/* One failed or delayed recipient a delivery report names. */
struct classify_bounce {
	char address[CLASSIFY_ADDR_MAX];	/* normalised: no quotes, <>,
						 * mailto: or trailing dots;
						 * lower case */
	char status[16];			/* "5.1.1", "" when unknown */
	enum classify_bclass bclass;
};

struct classify_opts {
	/* Our reply and return-path patterns with "{token}", e.g.
	 * "organiser+{token}@example.org", "bounces+{token}@example.org". */
	const char *reply_to;
	const char *return_path;
	const char *from_address;	/* our own address: mail from it is
					 * ours (loop guard) */
	const char *message_id_domain;	/* our Message-IDs end @this */
	const char *authserv_id;	/* our MTA's authserv-ids (RFC 8601),
					 * space- or comma-separated; NULL or
					 * "": Authentication-Results unread */
};

struct classified {
	enum classify_kind kind;
	/* keys; empty when absent. Tokens are lower-cased (they are made
	 * in lower case; a client may shout them). */
	char token[CLASSIFY_TOKEN_MAX];	/* from our reply or VERP address in
					 * To, Cc, Delivered-To, X-Original-To,
					 * Envelope-To; for a bounce also from
					 * the returned original's headers;
					 * else the subject's [ref:TOKEN] */
	char token_source[16];		/* "reply-to", "verp", "returned",
					 * "subject" */
	char subject_token[CLASSIFY_TOKEN_MAX];	/* the subject's
					 * [ref:TOKEN], also when token came
					 * from an address */
	char ref_message_id[512];	/* first of our Message-IDs found in
					 * In-Reply-To/References or in the
					 * returned headers of a bounce */
	char ref_message_ids[CLASSIFY_REFS_MAX];	/* all of them, each
					 * once, space-separated, no <>:
					 * In-Reply-To, then References newest
					 * first, then a bounce's returned
					 * Message-IDs (what does not fit is
					 * left out) */
	int from_us;			/* our own mail came back to us */
	int is_list;			/* List-Id / Precedence list */
	/* bounce */
	enum classify_bclass bclass;
	char bounce_recipient[CLASSIFY_ADDR_MAX];
	char bounce_status[16];		/* "5.1.1" */
	char bounce_diag[512];
	unsigned nbounces;		/* entries of bounces[]: every failed
					 * (or delayed) recipient of the
					 * report, each once, in its order;
					 * bounces[0] is bounce_recipient.
					 * More than CLASSIFY_BOUNCES_MAX are
					 * left out. */
	struct classify_bounce bounces[CLASSIFY_BOUNCES_MAX];
	/* rsvp */
	char rsvp_attendee[CLASSIFY_ADDR_MAX];
	char rsvp_partstat[32];		/* ACCEPTED, DECLINED, TENTATIVE */
	char rsvp_uid[256];
	struct ical_reply rsvp;		/* the whole REPLY or COUNTER
					 * (sequence, delegate, proposed
					 * time); the three above are its
					 * attendee, partstat and uid */
	/* Authentication-Results of our MTA (every kind) */
	enum classify_auth auth;
	char auth_note[200];		/* "dmarc=pass header.from=x.org by
					 * mx.example.org", or why not */
	char reason[256];		/* why this kind, or what is doubtful */
};

void classify_message(const struct parsed *p, const struct classify_opts *o,
		      struct classified *c);
const char *classify_kind_name(enum classify_kind k);
const char *classify_bclass_name(enum classify_bclass b);
const char *classify_auth_name(enum classify_auth a);

#endif
