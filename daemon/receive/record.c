/*
 * record.c -- one classified inbound message and its effects in one
 * store transaction; see record.h. Never parses, fetches or sends.
 */
#include <string.h>

#include "receive/record.h"

#include "model/event.h"

/* An RSVP to an event: one answer per (event, contact), the seats with
 * it (model/event.h). No event for it: the message stays recorded as an
 * RSVP of its campaign, which the reports count as an answer. */
static int
record_rsvp(struct store *s, const struct record_msg *m, int64_t id,
	    struct err *e)
{
	struct event_rsvp r = *m->rsvp;
	struct event_rsvp_result res;

	if (r.contact_id <= 0)
		r.contact_id = m->in.contact_id;
	if (r.campaign_id <= 0)
		r.campaign_id = m->in.campaign_id;
	r.inbound_id = id;
	if (r.contact_id <= 0 || r.partstat == NULL)
		return 0;
	return event_rsvp(s, &r, &res, e);
}

/* Answers and status changes: only for a first, non-duplicate message. */
static int
record_effects(struct store *s, const struct record_msg *m, int64_t id,
	       struct err *e)
{
	const struct store_inbound *in = &m->in;
	/* a reply with some answers unreadable or unconfirmed keeps the
	 * readable ones: the respondent is asked only about the others */
	int64_t rid = 0;
	if ((in->kind == STORE_I_ANSWERS || in->kind == STORE_I_RSVP ||
	     in->kind == STORE_I_UNREADABLE) &&
	    m->nanswers > 0 && in->campaign_id > 0 && in->contact_id > 0 &&
	    store_response_add(s, in->campaign_id, in->contact_id, id,
			       m->answers, m->nanswers, &rid, e) < 0)
		return -1;
	for (size_t i = 0; rid > 0 && i < m->nunconfirmed; i++)
		if (store_answer_unconfirm(s, rid, m->unconfirmed[i], e) < 0)
			return -1;
	if (in->kind == STORE_I_RSVP && m->rsvp != NULL &&
	    record_rsvp(s, m, id, e) < 0)
		return -1;
	if (in->kind == STORE_I_BOUNCE && m->undeliverable_reason != NULL &&
	    in->contact_id > 0 &&
	    store_contact_set_status(s, in->contact_id, "undeliverable",
				     m->undeliverable_reason, e) < 0)
		return -1;
	/* Our mail carries List-Unsubscribe: a request to stop is honoured
	 * at once (no more invitations or reminders); staff see it in the
	 * report and may set the contact back. */
	if (in->kind == STORE_I_OPTOUT && in->contact_id > 0 &&
	    store_contact_set_status(s, in->contact_id, "opted-out",
				     "asked to receive no more mail", e) < 0)
		return -1;
	return 0;
}

int
record_message(struct store *s, struct record_msg *m, int64_t *inbound_id_r,
	       struct err *e)
{
	struct store_inbound *in = &m->in;
	const char *msgid = in->message_id ? in->message_id : "";
	int64_t id = 0;
	if (!m->in_tx && store_begin(s, e) < 0)
		goto fail;
	int seen = store_inbound_seen(s, in->src_key, NULL, e);
	if (seen < 0)
		goto rollback;
	if (seen) {
		if (!m->in_tx)
			store_rollback(s);
		return 0;
	}
	if (*msgid != '\0' && !m->again) {
		/* "" never matches a src_key: ask about the Message-ID only */
		seen = store_inbound_seen(s, "", msgid, e);
		if (seen < 0)
			goto rollback;
		if (seen)
			in->kind = STORE_I_DUPLICATE;
	}
	if (store_inbound_add(s, in, &id, e) < 0)
		goto rollback;
	if (in->kind != STORE_I_DUPLICATE && record_effects(s, m, id, e) < 0)
		goto rollback;
	if (in->kind != STORE_I_DUPLICATE && m->feedback != NULL) {
		m->feedback->inbound_id = id;
		if (store_outbox_enqueue(s, m->feedback, NULL, e) < 0)
			goto rollback;
	}
	for (size_t i = 0; i < 2; i++)
		if (m->clear_marks[i] != NULL &&
		    store_inbound_parsing_clear(s, m->clear_marks[i], e) < 0)
			goto rollback;
	if (!m->in_tx && store_commit(s, e) < 0)
		goto rollback;
	if (inbound_id_r)
		*inbound_id_r = id;
	return 1;
rollback:
	if (!m->in_tx)
		store_rollback(s);
fail:
	err_prefix(e, "%s", in->src_key);
	return -1;
}
