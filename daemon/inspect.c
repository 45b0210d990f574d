/*
 * inspect.c -- see inspect.h. Reads one message file, runs parse and
 * classify exactly as ingest would, reads the answers when a
 * questionnaire is given, and describes the outcome; touches no store.
 */
#include "inspect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receive/answers.h"
#include "base/json.h"
#include "base/textcol.h"
#include "base/xmem.h"

/* What anketa would record, with the answers when they were read. */
struct verdict {
	const char *kind;	/* answers|rsvp|bounce|auto-reply|opt-out|
				 * unmatched|unreadable */
	char reason[512];
	struct answers *answers;	/* NULL unless a survey was given */
};

static int
read_file(const char *path, size_t max, char **raw_r, size_t *len_r,
	  struct err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct buf b;
	char chunk[8192];
	size_t n;
	int rc = 0;
	buf_init(&b, max ? max + 1 : 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n) < 0) {
			err_set(e, "%s: larger than %zu bytes", path, max);
			rc = -1;
			break;
		}
	if (rc == 0 && ferror(f)) {
		err_set(e, "%s: read error", path);
		rc = -1;
	}
	fclose(f);
	if (rc < 0) {
		buf_free(&b);
		return -1;
	}
	*len_r = b.len;
	*raw_r = b.data ? buf_steal(&b) : xstrdup("");
	return 0;
}

/* A person's reply, judged by the rule of ingest.c (decide_reply), which
 * records the message: no answer line at all, or any problem, and the
 * reply is "unreadable" (the respondent is asked again, so a half-read
 * reply is never stored as answers); otherwise "answers". The reason is
 * what ingest stores: the problems, each naming its question. Without
 * a questionnaire only "unmatched" can be said. The answers that were
 * read are still listed, so a person sees what did work. */
/* Append to the reason as ingest does: "; "-separated, empty skipped. */
static void
reason_add(struct verdict *v, const char *s)
{
	size_t l = strlen(v->reason);
	if (s && *s)
		snprintf(v->reason + l, sizeof(v->reason) - l, "%s%s",
			 l ? "; " : "", s);
}

static void
judge_reply(const struct parsed *p, const struct classified *c,
	    const struct inspect_opts *o, struct verdict *v)
{
	if (!o->survey) {
		v->kind = "unmatched";
		snprintf(v->reason, sizeof(v->reason), "%s",
			 c->token[0] ? "reply: no questionnaire given to "
				       "read the answers"
				     : "reply: no token and no questionnaire");
		return;
	}
	answers_extract(o->survey, p->reply_text, p->quoted_text,
			&v->answers);
	if (answers_none_found(v->answers)) {
		v->kind = "unreadable";
		reason_add(v, "no answer lines found");
		return;
	}
	v->kind = answers_nproblems(v->answers) > 0 ? "unreadable"
						     : "answers";
	for (size_t i = 0; i < answers_nproblems(v->answers); i++) {
		const char *qid, *why;
		answers_problem(v->answers, i, &qid, &why);
		reason_add(v, why);
	}
}

static void
judge(const struct parsed *p, const struct classified *c,
      const struct inspect_opts *o, struct verdict *v)
{
	snprintf(v->reason, sizeof(v->reason), "%s", c->reason);
	switch (c->kind) {
	case CLASSIFY_REPLY: judge_reply(p, c, o, v); break;
	case CLASSIFY_RSVP: v->kind = "rsvp"; break;
	case CLASSIFY_BOUNCE: v->kind = "bounce"; break;
	case CLASSIFY_AUTOREPLY: v->kind = "auto-reply"; break;
	case CLASSIFY_OPTOUT: v->kind = "opt-out"; break;
	}
}

static int
json_out(struct buf *b, const char *path, const struct parsed *p,
	 const struct classified *c, const struct verdict *v)
{
	int rc = buf_adds(b, "{");
	rc |= json_kv_str(b, 1, "file", path);
	rc |= json_kv_str(b, 0, "kind", v->kind);
	rc |= json_kv_str(b, 0, "reply_text", p ? p->reply_text : "");
	rc |= json_kv_str(b, 0, "charset", p ? p->charset : "");
	if (c && c->kind == CLASSIFY_BOUNCE) {
		rc |= buf_adds(b, ",\"bounce\":{");
		rc |= json_kv_str(b, 1, "recipient", c->bounce_recipient);
		rc |= json_kv_str(b, 0, "class",
				  classify_bclass_name(c->bclass));
		rc |= json_kv_str(b, 0, "status", c->bounce_status);
		rc |= buf_adds(b, "},\"bounces\":[");
		for (unsigned i = 0; i < c->nbounces; i++) {
			const struct classify_bounce *x = &c->bounces[i];
			rc |= buf_adds(b, i ? ",{" : "{");
			rc |= json_kv_str(b, 1, "address", x->address);
			rc |= json_kv_str(b, 0, "status", x->status);
			rc |= json_kv_str(b, 0, "class",
					  classify_bclass_name(x->bclass));
			rc |= buf_adds(b, "}");
		}
		rc |= buf_adds(b, "]");
	}
	if (c && c->kind == CLASSIFY_RSVP) {
		rc |= buf_adds(b, ",\"rsvp\":{");
		rc |= json_kv_str(b, 1, "attendee", c->rsvp_attendee);
		rc |= json_kv_str(b, 0, "partstat", c->rsvp_partstat);
		rc |= buf_adds(b, "}");
	}
	if (v->answers) {
		rc |= buf_adds(b, ",\"answers\":[");
		for (size_t i = 0; i < answers_count(v->answers); i++) {
			const char *qid, *val;
			answers_get(v->answers, i, &qid, &val);
			rc |= buf_adds(b, i ? ",{" : "{");
			rc |= json_kv_str(b, 1, "question", qid);
			rc |= json_kv_str(b, 0, "value", val);
			rc |= buf_adds(b, "}");
		}
		rc |= buf_adds(b, "]");
	}
	if (c && c->token[0]) {
		rc |= json_kv_str(b, 0, "token", c->token);
		rc |= json_kv_str(b, 0, "token_source", c->token_source);
	}
	if (c && c->ref_message_id[0])
		rc |= json_kv_str(b, 0, "ref_message_id", c->ref_message_id);
	if (v->reason[0])
		rc |= json_kv_str(b, 0, "reason", v->reason);
	rc |= buf_adds(b, "}\n");
	return rc ? -1 : 0;
}

/* Ends a line of text output: what came from the message (answers, its
 * text, addresses) is made safe for a terminal first (textcol.h). */
static int
text_eol(struct buf *b, size_t *at)
{
	int rc = textcol_clean(b, *at, "") | buf_addc(b, '\n');

	*at = b->len;
	return rc;
}

static int
text_out(struct buf *b, const char *path, const struct parsed *p,
	 const struct classified *c, const struct verdict *v)
{
	size_t at = b->len;
	int rc = buf_printf(b, "%s: %s", path, v->kind);
	rc |= text_eol(b, &at);
	if (c && c->kind == CLASSIFY_BOUNCE) {
		rc |= buf_printf(b, "  bounce: %s %s %s", c->bounce_recipient,
				 classify_bclass_name(c->bclass),
				 c->bounce_status[0] ? c->bounce_status : "-");
		rc |= text_eol(b, &at);
		for (unsigned i = 1; i < c->nbounces; i++) {
			const struct classify_bounce *x = &c->bounces[i];
			rc |= buf_printf(b, "  bounce: %s %s %s", x->address,
					 classify_bclass_name(x->bclass),
					 x->status[0] ? x->status : "-");
			rc |= text_eol(b, &at);
		}
	}
	if (c && c->kind == CLASSIFY_RSVP) {
		rc |= buf_printf(b, "  rsvp: %s %s", c->rsvp_attendee,
				 c->rsvp_partstat);
		rc |= text_eol(b, &at);
	}
	for (size_t i = 0; v->answers && i < answers_count(v->answers); i++) {
		const char *qid, *val;
		answers_get(v->answers, i, &qid, &val);
		rc |= buf_printf(b, "  answer %s: %s", qid, val);
		rc |= text_eol(b, &at);
	}
	if (c && c->token[0]) {
		rc |= buf_printf(b, "  token: %s (%s)", c->token,
				 c->token_source);
		rc |= text_eol(b, &at);
	}
	if (v->reason[0]) {
		rc |= buf_printf(b, "  reason: %s", v->reason);
		rc |= text_eol(b, &at);
	}
	if (p && p->reply_text[0]) {
		/* the first line of the new text is enough to recognise it */
		size_t n = strcspn(p->reply_text, "\n");
		rc |= buf_printf(b, "  text (%s): %.*s%s", p->charset,
				 (int)(n > 72 ? 72 : n), p->reply_text,
				 n > 72 || p->reply_text[n] ? " ..." : "");
		rc |= text_eol(b, &at);
	}
	return rc ? -1 : 0;
}

int
inspect_file(const char *path, const struct inspect_opts *o, struct buf *out,
	     struct err *e)
{
	char *raw;
	size_t len;
	if (read_file(path, o->limits.max_bytes, &raw, &len, e) < 0)
		return -1;

	struct parsed *p = NULL;
	struct classified c;
	struct verdict v = { 0 };
	struct err pe;
	int parsed_ok = parse_message(raw, len, &o->limits, &p, &pe) == 0;
	if (parsed_ok) {
		classify_message(p, &o->copts, &c);
		judge(p, &c, o, &v);
	} else {
		v.kind = "unreadable";
		snprintf(v.reason, sizeof(v.reason), "%s", pe.msg);
	}
	size_t before = out->len;
	int rc = o->json ? json_out(out, path, p, parsed_ok ? &c : NULL, &v)
			 : text_out(out, path, p, parsed_ok ? &c : NULL, &v);
	if (rc < 0) {
		/* drop a half-written description rather than emit it */
		out->len = before;
		if (out->data)
			out->data[before] = '\0';
		err_set(e, "%s: output too large", path);
	}
	answers_free(&v.answers);
	parse_free(&p);
	free(raw);
	return rc;
}
