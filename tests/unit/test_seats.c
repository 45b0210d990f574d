/* test_seats.c -- the pure seat allocation (model/seats.h); the store
 * side and concurrent RSVPs are in test_event.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/seats.h"

#define N 8

/* Candidate i arrives at time 100 + i (uid i), from town t. */
static void
cand(struct seats_cand *c, int i, const char *t, int accepted)
{
	memset(c, 0, sizeof(*c));
	c->contact_id = 1000 + i;
	c->town = t;
	c->arrival = 100 + i;
	c->order = i;
	c->accepted = accepted;
}

static enum seats_state
state_of(const struct seats_cand *c, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].contact_id == id)
			return c[i].state;
	fail_msg("contact %lld not among the candidates", (long long)id);
	return SEATS_NONE;
}

static void
test_town_cap_and_total(void **state)
{
	struct seats_cand c[N];
	const char *towns[N] = { "kavarna", "kavarna", "kavarna", "gent",
				 "ruse", "ruse", "ostrava", "" };
	struct seats_caps caps = { 4, 2 };

	(void)state;
	/* given in reverse: the allocation sorts by arrival itself */
	for (int i = 0; i < N; i++)
		cand(&c[N - 1 - i], i, towns[i], 1);
	seats_allocate(&caps, c, N);
	assert_int_equal(state_of(c, N, 1000), SEATS_SEATED);
	assert_int_equal(state_of(c, N, 1001), SEATS_SEATED);
	/* a third from Kavarna waits although seats are left */
	assert_int_equal(state_of(c, N, 1002), SEATS_WAITING);
	assert_int_equal(state_of(c, N, 1003), SEATS_SEATED);
	assert_int_equal(state_of(c, N, 1004), SEATS_SEATED);
	/* the total is reached */
	assert_int_equal(state_of(c, N, 1005), SEATS_WAITING);
	assert_int_equal(state_of(c, N, 1006), SEATS_WAITING);
	assert_int_equal(state_of(c, N, 1007), SEATS_WAITING);
}

static void
test_decline_promotes_next_in_line(void **state)
{
	struct seats_cand c[4];
	struct seats_caps caps = { 2, 0 };

	(void)state;
	for (int i = 0; i < 4; i++)
		cand(&c[i], i, "", 1);
	seats_allocate(&caps, c, 4);
	assert_int_equal(state_of(c, 4, 1002), SEATS_WAITING);
	assert_int_equal(state_of(c, 4, 1003), SEATS_WAITING);
	/* the first declines: the first in line gets the seat, not the
	 * last one to arrive */
	for (int i = 0; i < 4; i++)
		if (c[i].contact_id == 1000)
			c[i].accepted = 0;
	seats_allocate(&caps, c, 4);
	assert_int_equal(state_of(c, 4, 1000), SEATS_NONE);
	assert_int_equal(state_of(c, 4, 1001), SEATS_SEATED);
	assert_int_equal(state_of(c, 4, 1002), SEATS_SEATED);
	assert_int_equal(state_of(c, 4, 1003), SEATS_WAITING);
}

static void
test_uid_breaks_a_tie_of_internaldate(void **state)
{
	struct seats_cand c[2];
	struct seats_caps caps = { 1, 0 };

	(void)state;
	cand(&c[0], 0, "", 1);
	cand(&c[1], 1, "", 1);
	c[0].arrival = c[1].arrival = 500;
	c[0].order = 9;		/* a higher UID came later */
	c[1].order = 3;
	seats_allocate(&caps, c, 2);
	assert_int_equal(state_of(c, 2, 1001), SEATS_SEATED);
	assert_int_equal(state_of(c, 2, 1000), SEATS_WAITING);
}

static void
test_no_limits(void **state)
{
	struct seats_cand c[3];
	struct seats_caps caps = { 0, 0 };

	(void)state;
	for (int i = 0; i < 3; i++)
		cand(&c[i], i, "kavarna", i != 1);
	seats_allocate(&caps, c, 3);
	assert_int_equal(state_of(c, 3, 1000), SEATS_SEATED);
	assert_int_equal(state_of(c, 3, 1001), SEATS_NONE);
	assert_int_equal(state_of(c, 3, 1002), SEATS_SEATED);
	assert_string_equal(seats_state_name(SEATS_WAITING), "waiting");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_town_cap_and_total),
		cmocka_unit_test(test_decline_promotes_next_in_line),
		cmocka_unit_test(test_uid_breaks_a_tie_of_internaldate),
		cmocka_unit_test(test_no_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
