/*
 * seats.c -- see seats.h. Greedy in arrival order: the seated set is a
 * function of the acceptances alone, so recomputing it after every RSVP
 * gives the same answer whatever order the RSVPs were recorded in.
 */
#include "model/seats.h"

#include <stdlib.h>
#include <string.h>

static int
cand_cmp(const void *pa, const void *pb)
{
	const struct seats_cand *a = pa, *b = pb;

	if (a->arrival != b->arrival)
		return a->arrival < b->arrival ? -1 : 1;
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	if (a->contact_id != b->contact_id)
		return a->contact_id < b->contact_id ? -1 : 1;
	return 0;
}

/* Seated so far in c[0..upto) of the same town as t. */
static long
town_seated(const struct seats_cand *c, size_t upto, const char *t)
{
	long n = 0;

	for (size_t i = 0; i < upto; i++)
		if (c[i].state == SEATS_SEATED && c[i].town != NULL &&
		    strcmp(c[i].town, t) == 0)
			n++;
	return n;
}

void
seats_allocate(const struct seats_caps *caps, struct seats_cand *c, size_t n)
{
	long seated = 0;

	if (n > 1)
		qsort(c, n, sizeof(*c), cand_cmp);
	for (size_t i = 0; i < n; i++) {
		const char *t = c[i].town;
		int town_full = caps->per_town > 0 && t != NULL && *t != '\0' &&
				town_seated(c, i, t) >= caps->per_town;

		if (!c[i].accepted)
			c[i].state = SEATS_NONE;
		else if ((caps->total > 0 && seated >= caps->total) ||
			 town_full)
			c[i].state = SEATS_WAITING;
		else {
			c[i].state = SEATS_SEATED;
			seated++;
		}
	}
}

const char *
seats_state_name(enum seats_state st)
{
	switch (st) {
	case SEATS_SEATED: return "seated";
	case SEATS_WAITING: return "waiting";
	default: return "none";
	}
}
