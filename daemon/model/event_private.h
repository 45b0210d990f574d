/*
 * event_private.h -- what event.c (files) and event_rsvp.c (changes,
 * RSVPs, seats, polls) share; not for other modules.
 */
#ifndef ANKETA_EVENT_PRIVATE_H
#define ANKETA_EVENT_PRIVATE_H

#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

/* "YYYY-MM-DDTHH:MM" / "YYYY-MM-DD" (space for T) normalised, or NULL;
 * the caller frees. */
char *event_parse_when(const char *s);
/* Index of a language code in lang_code[] (0 when not found). */
size_t event_lang_index(const char *code);
/* store_campaign_find callback: the id into *(int64_t *)arg. */
int event_campaign_id_cb(void *arg, const struct store_campaign *c);
/* Enqueue one mail of kind (update, cancel) to every person of event
 * event_id, vars naming the event, its SEQUENCE and why; *n_r counts
 * them (may be NULL). Inside the caller's transaction. */
int event_enqueue_all(struct store *s, int64_t event_id, const char *kind,
		      const char *why, long *n_r, struct err *e);

#endif
