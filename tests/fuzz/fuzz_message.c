/*
 * fuzz_message.c -- one raw message, the whole receive path short of the
 * store: parse_message (MIME, charsets, HTML, quotes), classify_message
 * (bounce, auto-reply, RSVP, opt-out, tokens, Authentication-Results)
 * and, for a reply, answers_extract against surveys/field-study.xml,
 * loaded once. Every
 * string of the result is read to its end, so a missing terminator or a
 * freed arena shows up under ASan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "receive/answers.h"
#include "mail/classify.h"
#include "base/err.h"
#include "fuzz.h"
#include "mail/parse.h"
#include "model/survey.h"

/* libFuzzer gives no context pointer: loaded once, read-only afterwards. */
static struct survey *field_study;

static const struct parse_limits limits = {
	.max_bytes = 1u << 20,
	.max_parts = 64,
	.max_depth = 8,
};

static const struct classify_opts opts = {
	.reply_to = "organiser+{token}@example.org",
	.return_path = "bounces+{token}@example.org",
	.from_address = "organiser@example.org",
	.message_id_domain = "anketa.example.org",
	.authserv_id = "mx.example.org, mx2.example.org",
};

static void
touch_parsed(const struct parsed *p)
{
	const char *const s[] = {
		p->message_id, p->in_reply_to, p->references, p->subject,
		p->from_addr, p->from_name, p->to, p->delivered_to,
		p->return_path, p->date, p->content_type, p->text,
		p->reply_text, p->quoted_text, p->charset,
		p->delivery_status, p->returned_headers, p->report_type,
		p->calendar, p->notes,
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i] == NULL)
			abort();	/* parse.h: absent is "" */
		else
			fuzz_touch(s[i]);
	fuzz_touch(parse_header(p, "Auto-Submitted"));
	fuzz_touch(parse_header(p, "X-Nonexistent"));
	const char *name, *v;
	for (size_t i = 0; (v = parse_header_at(p, i, &name)) != NULL; i++) {
		fuzz_touch(name);
		fuzz_touch(v);
	}
}

/* Fixed buffers in struct classified must come back terminated. */
static void
touch_classified(const struct classified *c)
{
	if (strnlen(c->token, sizeof(c->token)) == sizeof(c->token) ||
	    strnlen(c->token_source, sizeof(c->token_source)) ==
		    sizeof(c->token_source) ||
	    strnlen(c->ref_message_id, sizeof(c->ref_message_id)) ==
		    sizeof(c->ref_message_id) ||
	    strnlen(c->subject_token, sizeof(c->subject_token)) ==
		    sizeof(c->subject_token) ||
	    strnlen(c->ref_message_ids, sizeof(c->ref_message_ids)) ==
		    sizeof(c->ref_message_ids) ||
	    strnlen(c->bounce_recipient, sizeof(c->bounce_recipient)) ==
		    sizeof(c->bounce_recipient) ||
	    strnlen(c->bounce_status, sizeof(c->bounce_status)) ==
		    sizeof(c->bounce_status) ||
	    strnlen(c->bounce_diag, sizeof(c->bounce_diag)) ==
		    sizeof(c->bounce_diag) ||
	    strnlen(c->rsvp_attendee, sizeof(c->rsvp_attendee)) ==
		    sizeof(c->rsvp_attendee) ||
	    strnlen(c->rsvp_partstat, sizeof(c->rsvp_partstat)) ==
		    sizeof(c->rsvp_partstat) ||
	    strnlen(c->rsvp_uid, sizeof(c->rsvp_uid)) ==
		    sizeof(c->rsvp_uid) ||
	    strnlen(c->auth_note, sizeof(c->auth_note)) ==
		    sizeof(c->auth_note) ||
	    strnlen(c->reason, sizeof(c->reason)) == sizeof(c->reason))
		abort();
	fuzz_touch(classify_kind_name(c->kind));
	fuzz_touch(classify_bclass_name(c->bclass));
	fuzz_touch(classify_auth_name(c->auth));
}

static void
read_answers(const struct parsed *p)
{
	struct answers *a = NULL;

	answers_extract(field_study, p->reply_text, p->quoted_text, &a);
	for (size_t i = 0; i < answers_count(a); i++) {
		const char *qid, *v;

		answers_get(a, i, &qid, &v);
		if (survey_find(field_study, qid) == NULL)
			abort();	/* an answer to no question */
		fuzz_touch(v);
	}
	for (size_t i = 0; i < answers_nproblems(a); i++) {
		const char *qid, *why;

		answers_problem(a, i, &qid, &why);
		fuzz_touch(qid);
		fuzz_touch(why);
	}
	answers_none_found(a);
	answers_free(&a);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char xml[4096], rng[4096];
	struct errlist errs = { 0 };

	xmlInitParser();
	fuzz_path(xml, sizeof(xml), "surveys/field-study.xml");
	fuzz_path(rng, sizeof(rng), "surveys/survey.rng");
	if (survey_load_file(xml, rng, &field_study, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "fuzz_message: %s\n", errs.v[i]);
		abort();	/* setup, not a finding: set ANKETA_SRCDIR */
	}
	errlist_free(&errs);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parsed *p = NULL;
	struct classified c;
	struct err e;

	if (parse_message((const char *)data, size, &limits, &p, &e) < 0) {
		if (p != NULL)
			abort();
		fuzz_touch(e.msg);
		return 0;
	}
	touch_parsed(p);
	classify_message(p, &opts, &c);
	touch_classified(&c);
	/* ingest reads answers only from replies; reading them from every
	 * kind reaches more of answers.c with the same inputs. */
	read_answers(p);
	parse_free(&p);
	if (p != NULL)
		abort();
	return 0;
}
