/*
 * kind.h -- the kinds of mail anketa sends: one table, so the outbox,
 * the renderer, the command line and the reports agree.
 *   campaign mail (invite, reminder): at most one per contact and
 *     campaign, enqueued for an audience, what `send --kind` takes, sent
 *     with the campaign's template set;
 *   feedback (confirm, problem): one per reply, enqueued by ingest, sent
 *     with the template set of its own name;
 *   event mail (update, cancel, seat: model/event.h): enqueued for an
 *     event's invitees, sent like feedback with the set of its own name
 *     (and the calendar part, model/event_ics.h), never counted as
 *     feedback to a reply;
 *   deadline: the note that a campaign's deadline moved, to those who
 *     have not answered (campaign update --notify), once per deadline
 *     (its round is the new deadline), with the set of its own name.
 * The store's SQL names them too (the unique index of migration 3 leaves
 * out the feedback kinds; a reminder's audience follows the invite).
 *
 * Use:     kind_name(KIND_REMINDER)  "reminder"
 *          kind_parse("confirm", &k)  0, or -1 if not a kind
 *          kind_is_campaign(name) / kind_is_feedback(name)   0 / 1
 * Owns:    nothing; every string is static.
 * Tests:   tests/unit/test_util.c
 */
#ifndef ANKETA_KIND_H
#define ANKETA_KIND_H

enum kind {
	KIND_INVITE,
	KIND_REMINDER,
	KIND_CONFIRM,
	KIND_PROBLEM,
	KIND_UPDATE,
	KIND_CANCEL,
	KIND_SEAT,
	KIND_DEADLINE,
	KIND_N
};
#define KIND_NCAMPAIGN 2	/* the first kinds are campaign mail */
#define KIND_NFEEDBACK 4	/* then feedback to a reply, to here */

const char *kind_name(enum kind k);
int kind_parse(const char *name, enum kind *k_r);
int kind_is_campaign(const char *name);
int kind_is_feedback(const char *name);

#endif
