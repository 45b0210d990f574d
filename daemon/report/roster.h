/*
 * roster.h -- the roster of an event: who accepted, is tentative,
 * declined, waits for a seat or has not answered, by town; read-only.
 *
 * Use:     roster_write(s, "ghent-visit", REPORT_TEXT, stdout, &e)
 * Owns:    nothing kept.
 * Errors:  0 written; -1 with "what: why" in e (unknown event, store or
 *          write error).
 * Events:  none.
 * Spec:    status of a person: "accepted" (an ACCEPTED to the current
 *          SEQUENCE with a seat, or where seats are not limited),
 *          "waiting" (accepted, on the waiting list), "tentative",
 *          "declined" (DECLINED, or DELEGATED to someone else),
 *          "asked-again" (answered an older SEQUENCE: the time or venue
 *          changed since), "no-answer". The waiting list is in arrival
 *          order. TEXT for a person (control characters shown as
 *          U+FFFD), CSV (one row per person, formulas guarded), JSON
 *          (counts, per town, people), HTML (one self-contained page,
 *          well-formed XML, every count with data-key="json.path").
 * Tests:   tests/unit/test_event.c
 */
#ifndef ANKETA_ROSTER_H
#define ANKETA_ROSTER_H

#include <stdio.h>

#include "base/err.h"
#include "report/report.h"
#include "store/store.h"

int roster_write(struct store *s, const char *event, enum report_format fmt,
		 FILE *out, struct err *e);

#endif
