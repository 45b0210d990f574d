/*
 * parse.c -- see parse.h. The top-level header block is split here (so
 * every header, even a malformed one, can be read back decoded); the MIME
 * tree comes from libetpan's mailmime_parse over a private copy of the
 * bytes (NUL bytes replaced: parts of libetpan use C strings). Transfer
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
#define PARSE_MAX_HEADERS 500
#define PARSE_NOTES_MAX 4096
/* Addresses kept per list (To + Cc; Delivered-To and its kin). */
#define PARSE_MAX_ADDRS 1000
#define PARSE_MAX_ADDRS_S "1000"

struct parse_hdr {
	char *name;
	char *value;	/* unfolded, decoded UTF-8 */
	char *raw;	/* unfolded, undecoded (for address parsing) */
};

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

struct parse_impl {
	struct parsed pub;	/* first: parsed * and parse_impl * alias */
	char **strs;		/* every string handed out, freed together */
	size_t nstrs, capstrs;
	struct parse_hdr *hdrs;
	size_t nhdrs;
	struct buf notes;
	struct charset_cache *cc;	/* iconv descriptors of this parse */
};

static const char *
keep(struct parse_impl *pi, char *s)
{
	if (pi->nstrs == pi->capstrs) {
		pi->capstrs = pi->capstrs ? pi->capstrs * 2 : 32;
		pi->strs = xreallocarray(pi->strs, pi->capstrs, sizeof(char *));
	}
	pi->strs[pi->nstrs++] = s;
	return s;
}

static void
note(struct buf *notes, const char *what)
{
	if (strstr(buf_cstr(notes), what))
		return;	/* one note per kind of recovery */
	if (notes->len)
		buf_adds(notes, "; ");
	buf_adds(notes, what);
}

/* ---- headers ----------------------------------------------------------- */

/* Decode RFC 2047 words; the input is already UTF-8. */
static char *
decode_2047(struct charset_cache *cc, const char *utf8)
{
	char *res = NULL;
	size_t idx = 0;

	if (strstr(utf8, "=?") == NULL ||
	    mailmime_encoded_phrase_parse("utf-8", utf8, strlen(utf8), &idx,
					  "utf-8", &res) != MAILIMF_NO_ERROR ||
	    res == NULL)
		return xstrdup(utf8);
	char *r = xstrdup(res);
	free(res);
	if (!charset_is_utf8(r, strlen(r))) {
		const char *used;
		int g;
		char *fixed = charset_convert(cc, NULL, r, strlen(r), &used, &g);
		free(r);
		r = fixed;
	}
	return r;
}

/* 8-bit header bytes are detected like an unlabelled body. */
static char *
header_decode(struct charset_cache *cc, const char *raw, struct buf *notes)
{
	const char *used;
	int guessed;
	char *u = charset_convert(cc, NULL, raw, strlen(raw), &used, &guessed);

	if (guessed && strcmp(used, "UTF-8") != 0)
		note(notes, "charset: 8-bit header decoded as detected charset");
	char *d = decode_2047(cc, u);
	free(u);
	for (char *p = d; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	return d;
}

static size_t
header_block_end(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\n')
			continue;
		if (i + 1 < len && s[i + 1] == '\n')
			return i + 1;
		if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n')
			return i + 1;
		if (i == 0)
			return 0;
	}
	return len;
}

static char *
trim_dup(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/* Length of the prefix of s[0..n) without CR or LF. */
static size_t
no_crlf_run(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != '\r' && s[i] != '\n')
		i++;
	return i;
}

/* Split "Name: value" fields, unfolding continuation lines. */
static void
headers_split(struct parse_impl *pi, const char *s, size_t len)
{
	size_t cap = 0;

	for (size_t i = 0; i < len && pi->nhdrs < PARSE_MAX_HEADERS;) {
		size_t st = i, colon = 0;
		struct buf v;
		while (i < len) {
			if (s[i] == '\n' && !(i + 1 < len &&
			    (s[i + 1] == ' ' || s[i + 1] == '\t')))
				break;
			if (s[i] == ':' && colon == 0)
				colon = i;
			i++;
		}
		size_t e = i;
		i++;
		if (colon == 0 || colon == st) {
			note(&pi->notes, "header: line without a field name ignored");
			continue;
		}
		buf_init(&v, 0);
		for (size_t k = colon + 1; k < e;) {	/* runs without CR/LF */
			size_t run = no_crlf_run(s + k, e - k);
			buf_add(&v, s + k, run);
			k += run + 1;
		}
		if (pi->nhdrs == cap) {
			cap = cap ? cap * 2 : 32;
			pi->hdrs = xreallocarray(pi->hdrs, cap, sizeof(*pi->hdrs));
		}
		struct parse_hdr *h = &pi->hdrs[pi->nhdrs++];
		h->name = trim_dup(s + st, colon - st);
		h->raw = trim_dup(buf_cstr(&v), v.len);
		h->value = header_decode(pi->cc, h->raw, &pi->notes);
		buf_free(&v);
	}
}

static const struct parse_hdr *
hdr_find(const struct parse_impl *pi, const char *name, size_t from)
{
	for (size_t i = from; i < pi->nhdrs; i++)
		if (strcasecmp(pi->hdrs[i].name, name) == 0)
			return &pi->hdrs[i];
	return NULL;
}

const char *
parse_header(const struct parsed *p, const char *name)
{
	const struct parse_impl *pi = (const struct parse_impl *)p;
	const struct parse_hdr *h;

	if (p == NULL || name == NULL)
		return "";
	h = hdr_find(pi, name, 0);
	return h ? h->value : "";
}

const char *
parse_header_at(const struct parsed *p, size_t n, const char **name_r)
{
	const struct parse_impl *pi = (const struct parse_impl *)p;

	if (p == NULL || n >= pi->nhdrs)
		return NULL;
	*name_r = pi->hdrs[n].name;
	return pi->hdrs[n].value;
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* "<a@b> <c@d>" -> "a@b c@d"; bare tokens kept when there are no <>. */
static char *
msgids(const char *v, int first_only)
{
	struct buf o;
	const char *p = v;

	buf_init(&o, 0);
	while ((p = strchr(p, '<')) != NULL) {
		const char *e = strchr(p, '>');
		if (e == NULL)
			break;
		char *id = trim_dup(p + 1, (size_t)(e - p - 1));
		if (*id && !strchr(id, ' ')) {
			if (o.len)
				buf_addc(&o, ' ');
			buf_adds(&o, id);
		}
		free(id);
		p = e + 1;
		if (first_only && o.len)
			break;
	}
	if (o.len == 0 && strchr(v, '<') == NULL) {
		char *t = trim_dup(v, strlen(v));
		char *sp = first_only ? strchr(t, ' ') : NULL;
		if (sp)
			*sp = '\0';
		buf_adds(&o, t);
		free(t);
	}
	buf_cstr(&o);
	return buf_steal(&o);
}

/* The addresses of some header fields, each kept once, in order, up to
 * PARSE_MAX_ADDRS (a Cc of 200,000 addresses is an attack or a mass
 * mailing, and whatever reads the list scans it): a hash of offsets
 * into the output makes each addition O(length of the address). */
struct addr_list {
	struct buf out;		/* "a@b c@d" */
	size_t *slot;		/* 1 + offset in out; 0: empty */
	size_t nslot;		/* a power of 2, above twice n */
	size_t n;
	int dropped;		/* an address past the limit was seen */
};

static uint32_t
addr_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The slot holding a (n bytes), or the empty slot where it goes. */
static size_t *
addr_slot(struct addr_list *al, const char *a, size_t n)
{
	size_t i = addr_hash(a, n) & (al->nslot - 1);

	for (;; i = (i + 1) & (al->nslot - 1)) {
		size_t *sl = &al->slot[i];
		if (*sl == 0)
			return sl;
		const char *k = al->out.data + *sl - 1;
		if (strncmp(k, a, n) == 0 && (k[n] == ' ' || k[n] == '\0'))
			return sl;
	}
}

static struct addr_list *
addr_list_new(void)
{
	struct addr_list *al = xcalloc(1, sizeof(*al));

	buf_init(&al->out, 0);
	al->nslot = 16;		/* most messages name a few addresses */
	al->slot = xcalloc(al->nslot, sizeof(*al->slot));
	return al;
}

/* Twice the slots, every kept address placed again. */
static void
addr_list_grow(struct addr_list *al)
{
	size_t *old = al->slot, nold = al->nslot;

	al->nslot *= 2;
	al->slot = xcalloc(al->nslot, sizeof(*al->slot));
	for (size_t i = 0; i < nold; i++) {
		if (old[i] == 0)
			continue;
		const char *k = al->out.data + old[i] - 1;
		*addr_slot(al, k, strcspn(k, " ")) = old[i];
	}
	free(old);
}

/* The list as one string (the caller's), the list freed. */
static char *
addr_list_steal(struct addr_list **al)
{
	char *s;

	buf_cstr(&(*al)->out);
	s = buf_steal(&(*al)->out);
	free((*al)->slot);
	free(*al);
	*al = NULL;
	return s;
}

static void
add_addr(struct addr_list *al, const char *addr)
{
	char *a = trim_dup(addr, strlen(addr));
	size_t n = strlen(a);

	lower(a);
	/* no duplicates: classify compares whole words */
	if (n && strchr(a, '@')) {
		size_t *sl = addr_slot(al, a, n);
		if (*sl == 0 && al->n == PARSE_MAX_ADDRS)
			al->dropped = 1;
		else if (*sl == 0) {
			if (al->out.len)
				buf_addc(&al->out, ' ');
			*sl = al->out.len + 1;
			buf_add(&al->out, a, n);
			if (++al->n * 2 >= al->nslot)
				addr_list_grow(al);
		}
	}
	free(a);
}

static void
add_mailbox_list(struct addr_list *o, struct mailimf_mailbox_list *ml)
{
	clistiter *it;

	if (ml == NULL)
		return;
	for (it = clist_begin(ml->mb_list); it; it = clist_next(it)) {
		struct mailimf_mailbox *mb = clist_content(it);
		add_addr(o, mb->mb_addr_spec);
	}
}

/* Anything that looks like an address, when the field does not parse. */
static void
add_addrs_loose(struct addr_list *o, const char *v)
{
	char *c = xstrdup(v);

	for (char *p = c; *p; p++)
		if (strchr("<>,;\"()", *p))
			*p = ' ';
	for (char *p = c; *p;) {
		while (*p == ' ')
			p++;
		char *e = p;
		while (*e && *e != ' ')
			e++;
		char save = *e;
		*e = '\0';
		if (strchr(p, '@'))
			add_addr(o, p);
		*e = save;
		p = e;
	}
	free(c);
}

static void
add_addrs(struct addr_list *o, const char *raw)
{
	struct mailimf_address_list *al = NULL;
	size_t idx = 0;
	clistiter *it;

	if (mailimf_address_list_parse(raw, strlen(raw), &idx, &al) !=
	    MAILIMF_NO_ERROR || al == NULL) {
		add_addrs_loose(o, raw);
		return;
	}
	for (it = clist_begin(al->ad_list); it; it = clist_next(it)) {
		struct mailimf_address *a = clist_content(it);
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX && a->ad_data.ad_mailbox)
			add_addr(o, a->ad_data.ad_mailbox->mb_addr_spec);
		else if (a->ad_type == MAILIMF_ADDRESS_GROUP && a->ad_data.ad_group)
			add_mailbox_list(o, a->ad_data.ad_group->grp_mb_list);
	}
	mailimf_address_list_free(al);
	if (idx < strlen(raw))
		add_addrs_loose(o, raw + idx);
}

/* Every occurrence of each named field, addresses space-separated. */
static const char *
addrs_of(struct parse_impl *pi, const char *const *names, size_t n)
{
	struct addr_list *al = addr_list_new();

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < pi->nhdrs; i++)
			if (strcasecmp(pi->hdrs[i].name, names[k]) == 0)
				add_addrs(al, pi->hdrs[i].raw);
	if (al->dropped)
		note(&pi->notes, "header: more than " PARSE_MAX_ADDRS_S
		     " addresses, the rest ignored");
	return keep(pi, addr_list_steal(&al));
}

static void
set_from(struct parse_impl *pi)
{
	const struct parse_hdr *h = hdr_find(pi, "From", 0);
	struct mailimf_mailbox_list *ml = NULL;
	size_t idx = 0;
	struct addr_list *a;

	pi->pub.from_addr = pi->pub.from_name = "";
	if (h == NULL)
		return;
	if (mailimf_mailbox_list_parse(h->raw, strlen(h->raw), &idx, &ml) ==
	    MAILIMF_NO_ERROR && ml && clist_begin(ml->mb_list)) {
		struct mailimf_mailbox *mb = clist_content(clist_begin(ml->mb_list));
		char *addr = xstrdup(mb->mb_addr_spec);
		lower(addr);
		pi->pub.from_addr = keep(pi, addr);
		if (mb->mb_display_name)
			pi->pub.from_name = keep(pi,
			    header_decode(pi->cc, mb->mb_display_name,
					  &pi->notes));
	}
	if (ml)
		mailimf_mailbox_list_free(ml);
	if (*pi->pub.from_addr == '\0') {
		a = addr_list_new();
		add_addrs_loose(a, h->raw);
		char *first = addr_list_steal(&a);
		char *sp = strchr(first, ' ');
		if (sp)
			*sp = '\0';
		pi->pub.from_addr = keep(pi, first);
	}
}

static const char *
hdr_value(struct parse_impl *pi, const char *name)
{
	const struct parse_hdr *h = hdr_find(pi, name, 0);
	return h ? h->value : "";
}

static void
set_headers(struct parse_impl *pi)
{
	static const char *const to[] = { "To", "Cc" };
	static const char *const dlv[] = {
		"Delivered-To", "X-Original-To", "Envelope-To",
	};
	struct parsed *p = &pi->pub;

	p->message_id = keep(pi, msgids(hdr_value(pi, "Message-ID"), 1));
	p->in_reply_to = keep(pi, msgids(hdr_value(pi, "In-Reply-To"), 1));
	p->references = keep(pi, msgids(hdr_value(pi, "References"), 0));
	p->subject = hdr_value(pi, "Subject");
	p->date = hdr_value(pi, "Date");
	set_from(pi);
	p->to = addrs_of(pi, to, 2);
	p->delivered_to = addrs_of(pi, dlv, 3);
	char *rp = msgids(hdr_value(pi, "Return-Path"), 1);
	lower(rp);
	p->return_path = keep(pi, rp);
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
		r = header_decode(cc, plain, &scratch);
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
			w->rhdrs.len = header_block_end(w->rhdrs.data,
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
			note(w->notes, "mime: part or depth limit reached, rest skipped");
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
		note(&pi->notes, "base64: damaged or truncated data decoded in part");
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
		note(&pi->notes, n);
		free(n);
	}
	p->charset = used;
	p->charset_guessed = guessed;
	p->text = keep(pi, text);
}

static void
set_parts(struct parse_impl *pi, struct parse_walk *w)
{
	struct parsed *p = &pi->pub;

	choose_text(pi, w);
	p->delivery_status = w->dsn.set ? keep(pi, text_only(pi, &w->dsn)) : "";
	p->returned_headers = w->rhdrs.set ?
	    keep(pi, text_only(pi, &w->rhdrs)) : "";
	p->calendar = w->cal.set ? keep(pi, text_only(pi, &w->cal)) : "";
	if (w->report_type) {
		lower(w->report_type);
		p->report_type = keep(pi, w->report_type);
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
	lower(ct);
	pi->pub.content_type = keep(pi, ct);
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
	size_t h = header_block_end(s, len);

	w->plain.set = 1;
	w->plain.data = s + h;
	w->plain.len = len - h;
	w->plain.enc = MAILMIME_MECHANISM_8BIT;
	note(w->notes, why);
}

static void
split_reply(struct parse_impl *pi)
{
	char *n, *q;

	quote_split(pi->pub.text, &n, &q);
	pi->pub.reply_text = keep(pi, n);
	pi->pub.quoted_text = keep(pi, q);
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
		note(notes, "bare CR line ends read as LF");
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
	note(notes, "mbox From_ line skipped");
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
		note(&pi->notes, "NUL bytes replaced");
	}
	bare_cr_to_lf(copy, len, &pi->notes);
	keep(pi, copy);
	size_t skip = mbox_from_line(copy, len, &pi->notes);
	copy += skip;
	len -= skip;
	headers_split(pi, copy, header_block_end(copy, len));
	set_headers(pi);

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
