/*
 * kind.c -- see kind.h.
 */
#include "base/kind.h"

#include <stddef.h>
#include <string.h>

static const char *const kind_names[KIND_N] = {
	[KIND_INVITE] = "invite", [KIND_REMINDER] = "reminder",
	[KIND_CONFIRM] = "confirm", [KIND_PROBLEM] = "problem",
	[KIND_UPDATE] = "update", [KIND_CANCEL] = "cancel",
	[KIND_SEAT] = "seat", [KIND_DEADLINE] = "deadline",
};

const char *
kind_name(enum kind k)
{
	return (unsigned)k < KIND_N ? kind_names[k] : "?";
}

int
kind_parse(const char *name, enum kind *k_r)
{
	for (int i = 0; name != NULL && i < KIND_N; i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*k_r = (enum kind)i;
			return 0;
		}
	return -1;
}

int
kind_is_campaign(const char *name)
{
	enum kind k;

	return kind_parse(name, &k) == 0 && k < KIND_NCAMPAIGN;
}

int
kind_is_feedback(const char *name)
{
	enum kind k;

	return kind_parse(name, &k) == 0 && k >= KIND_NCAMPAIGN;
}
