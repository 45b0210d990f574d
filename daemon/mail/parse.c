/*
 * parse.c -- see parse.h. The top-level header block is split in
 * parse_header.c (so every header, even a malformed one, can be read
 * back decoded); the MIME tree comes from libetpan's mailmime_parse over
 * a private copy of the bytes (NUL bytes replaced: parts of libetpan use
 * C strings). Transfer
 * decodings and format=flowed are done here, leniently: a truncated or
 * damaged part yields what could be read plus a note, never an error.
 *
 * Spec: RFC 5322, 2045-2049, 2047, 2231, 3676, 3464, 6522, 5545/6047.
 */
#include "mail/parse.h"
#include "mail/parse_private.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "base/buf.h"
#include "base/charset.h"
#include "mail/html.h"
#include "mail/quote.h"
#include "base/xmem.h"

#define PARSE_DEF_BYTES (25u * 1024 * 1024)
#define PARSE_DEF_PARTS 100
#define PARSE_DEF_DEPTH 10
#define PARSE_NOTES_MAX 4096

/* One candidate text part, pointing into the private copy. */
struct parse_part {
	const char *data;
	size_t len;
	int enc;		/* MAILMIME_MECHANISM_* */
	char *charset;		/* label or NULL */
	int flowed, delsp;
	int set;
};

struct parse_walk {
	const struct parse_limits *lim;
	int parts;
	int limited;
	struct parse_part plain, html;		/* the message's own text */
	struct parse_part fplain, fhtml;	/* of a forwarded message */
	struct parse_part dsn, rhdrs, cal;
	char *report_type;
	struct buf *notes;
	struct charset_cache *cc;
};


const char *
parse_keep(struct parse_impl *pi, char *s)
{
	if (pi->nstrs == pi->capstrs) {
		pi->capstrs = pi->capstrs ? pi->capstrs * 2 : 32;
		pi->strs = xreallocarray(pi->strs, pi->capstrs, sizeof(char *));
	}
	pi->strs[pi->nstrs++] = s;
	return s;
}

void
parse_note(struct buf *notes, const char *what)
{
	if (strstr(buf_cstr(notes), what))
		return;	/* one note per kind of recovery */
	if (notes->len)
		buf_adds(notes, "; ");
	buf_adds(notes, what);
}

/* ---- MIME tree ----------------------------------------------------------- */

static const char *
type_name(const struct mailmime_content *ct)
{
	const struct mailmime_type *t = ct ? ct->ct_type : NULL;

	if (t == NULL)
		return "text";
	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		switch (t->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT: return "text";
		case MAILMIME_DISCRETE_TYPE_IMAGE: return "image";
		case MAILMIME_DISCRETE_TYPE_AUDIO: return "audio";
		case MAILMIME_DISCRETE_TYPE_VIDEO: return "video";
		case MAILMIME_DISCRETE_TYPE_APPLICATION: return "application";
		default:
			return t->tp_data.tp_discrete_type->dt_extension ?
			    t->tp_data.tp_discrete_type->dt_extension : "x-unknown";
		}
	}
	switch (t->tp_data.tp_composite_type->ct_type) {
	case MAILMIME_COMPOSITE_TYPE_MESSAGE: return "message";
	case MAILMIME_COMPOSITE_TYPE_MULTIPART: return "multipart";
	default:
		return t->tp_data.tp_composite_type->ct_token ?
		    t->tp_data.tp_composite_type->ct_token : "x-unknown";
	}
}

static int
is_type(const struct mailmime_content *ct, const char *type, const char *sub)
{
	return strcasecmp(type_name(ct), type) == 0 && ct &&
	       (sub == NULL || (ct->ct_subtype &&
				strcasecmp(ct->ct_subtype, sub) == 0));
}

static int
pct_decode(struct buf *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '%' && parse_hexval((unsigned char)s[1]) >= 0 &&
		    parse_hexval((unsigned char)s[2]) >= 0) {
			buf_addc(o, (char)(parse_hexval((unsigned char)s[1]) * 16 +
					   parse_hexval((unsigned char)s[2])));
			s += 2;
		} else
			buf_addc(o, *s);
	}
	return 0;
}

/* A parameter's value with RFC 2231 continuations ("name*0*=", ...) and
 * charset''percent-encoding joined and decoded to UTF-8; NULL if absent. */
static char *
param_get(struct charset_cache *cc, clist *params, const char *name,
	  int disposition)
{
	struct buf raw;
	char *charset = NULL, *plain = NULL;
	size_t nl = strlen(name);

	buf_init(&raw, 1 << 16);
	for (int seq = 0; seq < 100; seq++) {
		int found = 0;
		for (clistiter *it = params ? clist_begin(params) : NULL; it;
		     it = clist_next(it)) {
			struct mailmime_parameter *pa;
			if (disposition) {
				struct mailmime_disposition_parm *dp = clist_content(it);
				if (dp->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME &&
				    seq == 0 && strcasecmp(name, "filename") == 0 &&
				    plain == NULL)
					plain = xstrdup(dp->pa_data.pa_filename);
				if (dp->pa_type != MAILMIME_DISPOSITION_PARM_PARAMETER)
					continue;
				pa = dp->pa_data.pa_parameter;
			} else
				pa = clist_content(it);
			const char *pn = pa->pa_name;
			if (strncasecmp(pn, name, nl) != 0)
				continue;
			const char *rest = pn + nl;
			if (*rest == '\0' && seq == 0 && plain == NULL)
				plain = xstrdup(pa->pa_value);
			char *end;
			long n = 0;
			int ext;
			if (rest[0] == '*' && (rest[1] == '\0')) {
				if (seq != 0)
					continue;
				ext = 1;
			} else if (rest[0] == '*' && isdigit((unsigned char)rest[1])) {
				n = strtol(rest + 1, &end, 10);
				if (n != seq || (*end != '\0' && strcmp(end, "*")))
					continue;
				ext = *end == '*';
			} else
				continue;
			const char *v = pa->pa_value;
			if (ext && seq == 0) {
				const char *q1 = strchr(v, '\'');
				const char *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
				if (q2) {
					charset = xstrndup(v, (size_t)(q1 - v));
					v = q2 + 1;
				}
			}
			if (ext)
				pct_decode(&raw, v);
			else
				buf_adds(&raw, v);
			found = 1;
			break;
		}
		if (!found)
			break;
	}
	char *r = NULL;
	if (raw.len) {
		const char *used;
		int g;
		r = charset_convert(cc, charset, raw.data, raw.len, &used, &g);
	} else if (plain) {
		struct buf scratch;	/* header notes are not wanted here */
		buf_init(&scratch, 0);
		r = parse_header_decode(cc, plain, &scratch);
		buf_free(&scratch);
	}
	free(plain);
	free(charset);
	buf_free(&raw);
	return r;
}

static int
part_encoding(const struct mailmime *m)
{
	if (m->mm_mime_fields == NULL)
		return MAILMIME_MECHANISM_8BIT;
	for (clistiter *it = clist_begin(m->mm_mime_fields->fld_list); it;
	     it = clist_next(it)) {
		struct mailmime_field *f = clist_content(it);
		if (f->fld_type == MAILMIME_FIELD_TRANSFER_ENCODING &&
		    f->fld_data.fld_encoding)
			return f->fld_data.fld_encoding->enc_type;
	}
	return MAILMIME_MECHANISM_8BIT;
}

static struct mailmime_disposition *
part_disposition(const struct mailmime *m)
{
	if (m->mm_mime_fields == NULL)
		return NULL;
	for (clistiter *it = clist_begin(m->mm_mime_fields->fld_list); it;
	     it = clist_next(it)) {
		struct mailmime_field *f = clist_content(it);
		if (f->fld_type == MAILMIME_FIELD_DISPOSITION)
			return f->fld_data.fld_disposition;
	}
	return NULL;
}

static int
part_body(const struct mailmime *m, const char **data, size_t *len)
{
	const struct mailmime_data *d = m->mm_type == MAILMIME_SINGLE ?
	    m->mm_data.mm_single : m->mm_body;

	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return -1;
	*data = d->dt_data.dt_text.dt_data;
	*len = d->dt_data.dt_text.dt_length;
	return *data ? 0 : -1;
}

static void
part_set(struct charset_cache *cc, struct parse_part *pp,
	 const struct mailmime *m)
{
	clist *params = m->mm_content_type ? m->mm_content_type->ct_parameters
					   : NULL;
	char *fmt, *delsp;

	if (pp->set || part_body(m, &pp->data, &pp->len) < 0)
		return;
	pp->set = 1;
	pp->enc = part_encoding(m);
	pp->charset = param_get(cc, params, "charset", 0);
	fmt = param_get(cc, params, "format", 0);
	delsp = param_get(cc, params, "delsp", 0);
	pp->flowed = fmt && strcasecmp(fmt, "flowed") == 0;
	pp->delsp = delsp && strcasecmp(delsp, "yes") == 0;
	free(fmt);
	free(delsp);
}

static void
note_attachment(struct parse_walk *w, const struct mailmime *m,
		struct mailmime_disposition *dsp)
{
	char *name = dsp ? param_get(w->cc, dsp->dsp_parms, "filename", 1)
			 : NULL;

	if (name == NULL && m->mm_content_type)
		name = param_get(w->cc, m->mm_content_type->ct_parameters,
				 "name", 0);
	char *n = xasprintf("attachment skipped: %s/%s%s%s",
	    type_name(m->mm_content_type),
	    m->mm_content_type && m->mm_content_type->ct_subtype ?
	    m->mm_content_type->ct_subtype : "?", name ? " " : "",
	    name ? name : "");
	if (w->notes->len)
		buf_adds(w->notes, "; ");
	buf_adds(w->notes, n);
	free(n);
	free(name);
}

static void walk_mime(struct parse_walk *w, const struct mailmime *m,
		      int depth, int in_msg, int in_report);

static void
walk_single(struct parse_walk *w, const struct mailmime *m, int in_msg,
	    int in_report)
{
	const struct mailmime_content *ct = m->mm_content_type;
	struct mailmime_disposition *dsp = part_disposition(m);
	int attach = dsp && dsp->dsp_type &&
		     dsp->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT;

	if (is_type(ct, "text", "calendar") || is_type(ct, "application", "ics")) {
		part_set(w->cc, &w->cal, m);
		return;
	}
	if (is_type(ct, "message", "delivery-status") ||
	    is_type(ct, "message", "global-delivery-status")) {
		part_set(w->cc, &w->dsn, m);
		return;
	}
	if (is_type(ct, "text", "rfc822-headers") ||
	    is_type(ct, "message", "rfc822-headers") ||
	    is_type(ct, "message", "global-headers")) {
		part_set(w->cc, &w->rhdrs, m);
		return;
	}
	if (attach || !is_type(ct, "text", NULL) ||
	    (in_report && w->rhdrs.set)) {
		note_attachment(w, m, dsp);
		return;
	}
	if (is_type(ct, "text", "html"))
		part_set(w->cc, in_msg ? &w->fhtml : &w->html, m);
	else if (is_type(ct, "text", "plain") || ct == NULL ||
		 ct->ct_subtype == NULL)
		part_set(w->cc, in_msg ? &w->fplain : &w->plain, m);
	else
		note_attachment(w, m, dsp);
}

/* An alternative: plain before html, whatever the order of the parts. */
static void
walk_multi(struct parse_walk *w, const struct mailmime *m, int depth,
	   int in_msg, int in_report)
{
	const struct mailmime_content *ct = m->mm_content_type;
	int report = is_type(ct, "multipart", "report");

	if (report && w->report_type == NULL)
		w->report_type = param_get(w->cc, ct->ct_parameters,
					   "report-type", 0);
	for (clistiter *it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
	     it; it = clist_next(it))
		walk_mime(w, clist_content(it), depth + 1, in_msg,
			  in_report || report);
}

/* The header block of an embedded message (returned or forwarded). */
static void
walk_message(struct parse_walk *w, const struct mailmime *m, int depth,
	     int in_msg, int in_report)
{
	struct mailmime_disposition *dsp = part_disposition(m);

	if (in_report) {
		/* RFC 3462: the returned message; its headers matter */
		if (!w->rhdrs.set && part_body(m, &w->rhdrs.data,
					       &w->rhdrs.len) == 0) {
			w->rhdrs.set = 1;
			w->rhdrs.enc = MAILMIME_MECHANISM_8BIT;
			w->rhdrs.len = parse_header_block_end(w->rhdrs.data,
							w->rhdrs.len);
		}
		return;
	}
	if (dsp && dsp->dsp_type &&
	    dsp->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT &&
	    in_msg)
		return;
	if (m->mm_data.mm_message.mm_msg_mime)
		walk_mime(w, m->mm_data.mm_message.mm_msg_mime, depth + 1, 1,
			  in_report);
}

static void
walk_mime(struct parse_walk *w, const struct mailmime *m, int depth,
	  int in_msg, int in_report)
{
	if (m == NULL)
		return;
	if (++w->parts > w->lim->max_parts || depth > w->lim->max_depth) {
		if (!w->limited)
			parse_note(w->notes, "mime: part or depth limit reached, rest skipped");
		w->limited = 1;
		return;
	}
	switch (m->mm_type) {
	case MAILMIME_SINGLE:
		walk_single(w, m, in_msg, in_report);
		break;
	case MAILMIME_MULTIPLE:
		walk_multi(w, m, depth, in_msg, in_report);
		break;
	case MAILMIME_MESSAGE:
		/* the top level is a message too: depth 0 is not embedded */
		if (depth == 0) {
			walk_mime(w, m->mm_data.mm_message.mm_msg_mime, 1, 0, 0);
			break;
		}
		if (is_type(m->mm_content_type, "message", "delivery-status") ||
		    is_type(m->mm_content_type, "message", "global-delivery-status")) {
			part_set(w->cc, &w->dsn, m);
			break;
		}
		walk_message(w, m, depth, in_msg, in_report);
		break;
	}
}

/* ---- text of a part -------------------------------------------------- */

static char *
part_text(struct parse_impl *pi, const struct parse_part *pp,
	  const char **used_r, int *guessed_r)
{
	char *bytes;
	size_t n;
	int damaged = 0;

	if (pp->enc == MAILMIME_MECHANISM_BASE64)
		bytes = parse_b64_decode(pp->data, pp->len, &n, &damaged);
	else if (pp->enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		bytes = parse_qp_decode(pp->data, pp->len, &n);
	else {
		bytes = xstrndup(pp->data, pp->len);
		n = pp->len;
	}
	if (damaged)
		parse_note(&pi->notes, "base64: damaged or truncated data decoded in part");
	char *u = charset_convert(pi->cc, pp->charset, bytes, n, used_r,
				  guessed_r);
	free(bytes);
	if (pp->flowed) {
		char *f = parse_flowed_unwrap(u, pp->delsp);
		free(u);
		u = f;
	}
	return u;
}

static char *
text_only(struct parse_impl *pi, const struct parse_part *pp)
{
	const char *used;
	int g;

	return part_text(pi, pp, &used, &g);
}

static int
blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* One candidate rendered as text (HTML converted). */
static char *
render(struct parse_impl *pi, const struct parse_part *pp,
       const char **used_r, int *guessed_r, int html)
{
	char *text = part_text(pi, pp, used_r, guessed_r);

	if (html) {
		char *t = html_to_text(text, strlen(text));
		free(text);
		text = t;
	}
	return text;
}

/* The chosen text: the message's own plain text, else its HTML, else (the
 * outer body being empty) a forwarded message's plain text or HTML. */
static void
choose_text(struct parse_impl *pi, struct parse_walk *w)
{
	struct parsed *p = &pi->pub;
	const struct parse_part *order[4] = {
		&w->plain, &w->html, &w->fplain, &w->fhtml,
	};
	char *text = NULL;
	const char *used = "US-ASCII";
	int guessed = 0, chosen = -1;

	for (int i = 0; i < 4; i++) {
		const char *u;
		int g;
		if (!order[i]->set)
			continue;
		char *t = render(pi, order[i], &u, &g, i % 2);
		if (text == NULL || !blank(t)) {
			free(text);
			text = t;
			used = u;
			guessed = g;
			chosen = i;
		} else
			free(t);
		if (!blank(text))
			break;
	}
	if (text == NULL)
		text = xstrdup("");
	p->html_only = chosen == 1 || chosen == 3;
	p->forwarded = chosen >= 2;
	if (guessed) {
		const char *lab = order[chosen]->charset;
		char *n = xasprintf("charset: labelled %s, decoded as %s",
				    lab ? lab : "(none)", used);
		parse_note(&pi->notes, n);
		free(n);
	}
	p->charset = used;
	p->charset_guessed = guessed;
	p->text = parse_keep(pi, text);
}

static void
set_parts(struct parse_impl *pi, struct parse_walk *w)
{
	struct parsed *p = &pi->pub;

	choose_text(pi, w);
	p->delivery_status = w->dsn.set ? parse_keep(pi, text_only(pi, &w->dsn)) : "";
	p->returned_headers = w->rhdrs.set ?
	    parse_keep(pi, text_only(pi, &w->rhdrs)) : "";
	p->calendar = w->cal.set ? parse_keep(pi, text_only(pi, &w->cal)) : "";
	if (w->report_type) {
		parse_lower(w->report_type);
		p->report_type = parse_keep(pi, w->report_type);
		w->report_type = NULL;
	} else
		p->report_type = "";
}

static void
set_content_type(struct parse_impl *pi, const struct mailmime *top)
{
	const struct mailmime *m = top;

	if (m && m->mm_type == MAILMIME_MESSAGE && m->mm_data.mm_message.mm_msg_mime)
		m = m->mm_data.mm_message.mm_msg_mime;
	if (m == NULL || m->mm_content_type == NULL ||
	    m->mm_content_type->ct_subtype == NULL) {
		pi->pub.content_type = "text/plain";
		return;
	}
	char *ct = xasprintf("%s/%s", type_name(m->mm_content_type),
			     m->mm_content_type->ct_subtype);
	parse_lower(ct);
	pi->pub.content_type = parse_keep(pi, ct);
}

static void
walk_free(struct parse_walk *w)
{
	struct parse_part *v[] = {
		&w->plain, &w->html, &w->fplain, &w->fhtml, &w->dsn, &w->rhdrs,
		&w->cal,
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		free(v[i]->charset);
	free(w->report_type);
}

/* libetpan failed, or a multipart has no readable part (boundary lines
 * missing or mangled): the body after the header block is the text. */
static void
fallback_body(struct parse_walk *w, const char *s, size_t len,
	      const char *why)
{
	size_t h = parse_header_block_end(s, len);

	w->plain.set = 1;
	w->plain.data = s + h;
	w->plain.len = len - h;
	w->plain.enc = MAILMIME_MECHANISM_8BIT;
	parse_note(w->notes, why);
}

static void
split_reply(struct parse_impl *pi)
{
	char *n, *q;

	quote_split(pi->pub.text, &n, &q);
	pi->pub.reply_text = parse_keep(pi, n);
	pi->pub.quoted_text = parse_keep(pi, q);
}

/* Old Mac line ends (CR alone) would leave one endless header line. */
static void
bare_cr_to_lf(char *s, size_t len, struct buf *notes)
{
	int changed = 0;
	char *end = s + len, *p = s;

	/* memchr skips the text between CRs (the whole message is read) */
	while ((p = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		if (p + 1 == end || p[1] != '\n') {
			*p = '\n';
			changed = 1;
		}
		p++;
	}
	if (changed)
		parse_note(notes, "bare CR line ends read as LF");
}

/* Length of a leading mbox separator ("From sender date", no colon after
 * "From"), as saved mailboxes and some MDAs leave it: it is no header
 * field, and libetpan would take the whole message for the body. */
static size_t
mbox_from_line(const char *s, size_t len, struct buf *notes)
{
	if (len < 5 || strncmp(s, "From ", 5) != 0)
		return 0;
	const char *eol = memchr(s, '\n', len);
	size_t sp = 4;
	while (sp < len && (s[sp] == ' ' || s[sp] == '\t'))
		sp++;
	if (!eol || s[sp] == ':')	/* obsolete "From :" is a field */
		return 0;
	parse_note(notes, "mbox From_ line skipped");
	return (size_t)(eol + 1 - s);
}

int
parse_message(const char *raw, size_t len, const struct parse_limits *lim,
	      struct parsed **p_r, struct err *e)
{
	struct parse_limits l = { PARSE_DEF_BYTES, PARSE_DEF_PARTS,
				  PARSE_DEF_DEPTH };
	struct parse_impl *pi;
	struct parse_walk w;
	struct mailmime *mime = NULL;
	size_t idx = 0;
	char *copy;

	*p_r = NULL;
	if (lim) {
		l.max_bytes = lim->max_bytes ? lim->max_bytes : l.max_bytes;
		l.max_parts = lim->max_parts > 0 ? lim->max_parts : l.max_parts;
		l.max_depth = lim->max_depth > 0 ? lim->max_depth : l.max_depth;
	}
	if (raw == NULL || len == 0) {
		err_set(e, "message: empty");
		return -1;
	}
	if (len > l.max_bytes) {
		err_set(e, "message: %zu bytes, over the limit of %zu", len,
			l.max_bytes);
		return -1;
	}
	pi = xcalloc(1, sizeof(*pi));
	buf_init(&pi->notes, PARSE_NOTES_MAX);
	pi->cc = charset_cache_new();
	copy = xmalloc(len + 1);
	memcpy(copy, raw, len);
	copy[len] = '\0';
	if (memchr(copy, '\0', len)) {
		for (size_t i = 0; i < len; i++)
			if (copy[i] == '\0')
				copy[i] = ' ';
		parse_note(&pi->notes, "NUL bytes replaced");
	}
	bare_cr_to_lf(copy, len, &pi->notes);
	parse_keep(pi, copy);
	size_t skip = mbox_from_line(copy, len, &pi->notes);
	copy += skip;
	len -= skip;
	parse_headers_split(pi, copy, parse_header_block_end(copy, len));
	parse_set_headers(pi);

	memset(&w, 0, sizeof(w));
	w.lim = &l;
	w.notes = &pi->notes;
	w.cc = pi->cc;
	if (mailmime_parse(copy, len, &idx, &mime) == MAILIMF_NO_ERROR && mime) {
		set_content_type(pi, mime);
		walk_mime(&w, mime, 0, 0, 0);
		if (!w.plain.set && !w.html.set && !w.fplain.set &&
		    !w.fhtml.set && strncmp(pi->pub.content_type,
					    "multipart/", 10) == 0)
			fallback_body(&w, copy, len, "mime: no readable part, "
				      "body taken as plain text");
	} else {
		pi->pub.content_type = "text/plain";
		fallback_body(&w, copy, len, "mime: structure unreadable, "
			      "body taken as plain text");
	}
	set_parts(pi, &w);
	if (mime)
		mailmime_free(mime);
	walk_free(&w);
	charset_cache_free(&pi->cc);
	split_reply(pi);
	pi->pub.notes = buf_cstr(&pi->notes);
	*p_r = &pi->pub;
	return 0;
}

void
parse_free(struct parsed **p)
{
	struct parse_impl *pi;

	if (p == NULL || *p == NULL)
		return;
	pi = (struct parse_impl *)*p;
	for (size_t i = 0; i < pi->nstrs; i++)
		free(pi->strs[i]);
	free(pi->strs);
	for (size_t i = 0; i < pi->nhdrs; i++) {
		free(pi->hdrs[i].name);
		if (pi->hdrs[i].value != pi->hdrs[i].raw)
			free(pi->hdrs[i].value);
		free(pi->hdrs[i].raw);
	}
	free(pi->hdrs);
	buf_free(&pi->notes);
	free(pi);
	*p = NULL;
}

void
parse_split_reply(const char *text, char **new_r, char **quoted_r)
{
	quote_split(text, new_r, quoted_r);
}
