/*
 * lang.c -- see lang.h.
 */
#include "base/lang.h"

#include <stddef.h>
#include <strings.h>

const char *const lang_code[LANG_N] = { "bg", "en", "nl", "cs" };

const char *
lang_find(const char *s)
{
	for (size_t i = 0; s != NULL && i < LANG_N; i++)
		if (strcasecmp(s, lang_code[i]) == 0)
			return lang_code[i];
	return NULL;
}
