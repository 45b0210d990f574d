/*
 * seats.h -- who gets a seat at an event with limited places and who
 * waits: a pure allocation over the current acceptances; no store, no
 * mail. The caller (event.c) loads the candidates and writes the result
 * inside one store transaction, so two processes recording RSVPs at once
 * are serialised by the store's write lock and cannot over-allocate.
 *
 * Use:     struct seats_cand c[n] = {...};
 *          seats_allocate(&(struct seats_caps){ 10, 2 }, c, n);
 *          c[i].state is then SEATS_SEATED, SEATS_WAITING or SEATS_NONE
 * Owns:    nothing; c is reordered in place (arrival order).
 * Errors:  none.
 * Events:  none.
 * Spec:    acceptances (accepted != 0) are taken in arrival order
 *          (arrival, then order: the mailbox's INTERNALDATE then UID as
 *          the fetcher gives them, never a Date header; then contact
 *          id); each is seated while fewer than caps->total are seated
 *          (0: no limit) and fewer than caps->per_town of the same town
 *          key (0: no limit; an empty town key has no town limit), else
 *          it waits. Candidates not accepting get SEATS_NONE. A later
 *          arrival never takes a seat from an earlier one, and removing
 *          an acceptance (a decline) can only seat those who waited: a
 *          decline promotes the next in line. A delegate is passed in
 *          with the delegator's town and arrival (event.c does that).
 * Tests:   tests/unit/test_seats.c
 */
#ifndef ANKETA_SEATS_H
#define ANKETA_SEATS_H

#include <stddef.h>
#include <stdint.h>

enum seats_state { SEATS_NONE, SEATS_SEATED, SEATS_WAITING };

struct seats_caps {
	long total;		/* 0: no limit */
	long per_town;		/* 0: no limit */
};

struct seats_cand {
	int64_t contact_id;
	const char *town;	/* canonical key (town.h), "" or NULL: none */
	int64_t arrival;	/* INTERNALDATE (unix time) */
	int64_t order;		/* UID, then anything monotonic */
	int accepted;
	enum seats_state state;	/* out */
};

void seats_allocate(const struct seats_caps *caps, struct seats_cand *c,
		    size_t n);
const char *seats_state_name(enum seats_state st);

#endif
