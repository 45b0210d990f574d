/*
 * fuzz_cron.c -- cron expressions on arbitrary text. The first byte picks
 * a zone (UTC, and zones with one-hour, half-hour and three-hour changes),
 * the rest is the expression. A parsed expression is asked for its next
 * firings from instants around 2026's changes and from the byte-derived
 * far future; each must be strictly later, and the firings must be one
 * fixed set: asking again from just before a firing, or from anywhere
 * between the previous instant and it, gives that same firing (abort
 * otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cron.h"
#include "base/err.h"
#include "fuzz.h"

static const char *const zones[] = {"UTC", "Europe/Brussels",
	"Europe/Sofia", "America/New_York", "Australia/Lord_Howe",
	"Antarctica/Casey", "Pacific/Apia"};

static void
check_from(const struct cron *c, int64_t after, uint64_t salt)
{
	struct err e;
	int64_t t = after, next, again;

	for (int i = 0; i < 8; i++) {
		if (cron_next(c, t, &next, &e) < 0)
			return;
		if (next <= t)
			abort();
		/* the same firing from just before it and from between */
		int64_t mid = t + (int64_t)(salt % (uint64_t)(next - t));
		if (cron_next(c, next - 1, &again, &e) < 0 || again != next)
			abort();
		if (cron_next(c, mid, &again, &e) < 0 || again != next)
			abort();
		salt = salt * 6364136223846793005ULL + 1;
		t = next;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;
	struct cron *c;
	char *expr;

	if (size == 0)
		return 0;
	expr = fuzz_cstr(data + 1, size - 1);
	c = cron_parse(expr, zones[data[0] % (sizeof zones / sizeof *zones)],
		       &e);
	if (c == NULL) {
		if (strlen(e.msg) == 0)
			abort(); /* a failure always says why */
	} else {
		uint64_t salt = 0;
		for (size_t i = 0; i < size; i++)
			salt = salt * 31 + data[i];
		check_from(c, 1774656000, salt); /* 2026-03-28 00:00 UTC */
		check_from(c, 1792800000, salt); /* 2026-10-24 00:00 UTC */
		check_from(c, 1775000000 + (int64_t)(salt % 4000000000u), salt);
		cron_free(&c);
	}
	free(expr);
	return 0;
}
