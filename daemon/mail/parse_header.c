/*
 * parse_header.c -- see parse_private.h: the top-level header block of a
 * reply, split and unfolded here (so every header, even a malformed one,
 * can be read back decoded), RFC 2047 words decoded, and the headers the
 * pipeline reads (From, To, Cc, Message-ID, References, ...) kept.
 * Spec: RFC 5322, 2047.
 */
#include "mail/parse.h"
#include "mail/parse_private.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "base/buf.h"
#include "base/charset.h"
#include "base/xmem.h"

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
char *
parse_header_decode(struct charset_cache *cc, const char *raw,
    struct buf *notes)
{
	const char *used;
	int guessed;
	char *u = charset_convert(cc, NULL, raw, strlen(raw), &used, &guessed);

	if (guessed && strcmp(used, "UTF-8") != 0)
		parse_note(notes, "charset: 8-bit header decoded as detected charset");
	char *d = decode_2047(cc, u);
	free(u);
	for (char *p = d; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	return d;
}

size_t
parse_header_block_end(const char *s, size_t len)
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

/* Nothing in raw that parse_header_decode would change: ASCII without
 * an encoded-word, a tab, CR or LF. Most header values are; they then
 * are their own decoded value, with no conversion and no copy. */
static int
header_plain(const char *raw)
{
	for (const char *p = raw; *p; p++)
		if ((unsigned char)*p >= 0x80 || *p == '\t' || *p == '\r' ||
		    *p == '\n' || (*p == '=' && p[1] == '?'))
			return 0;
	return 1;
}

/* Split "Name: value" fields, unfolding continuation lines. */
void
parse_headers_split(struct parse_impl *pi, const char *s, size_t len)
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
			parse_note(&pi->notes, "header: line without a field name ignored");
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
		h->value = header_plain(h->raw) ? h->raw :
			   parse_header_decode(pi->cc, h->raw, &pi->notes);
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

void
parse_lower(char *s)
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

	parse_lower(a);
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
		parse_note(&pi->notes, "header: more than " PARSE_MAX_ADDRS_S
		     " addresses, the rest ignored");
	return parse_keep(pi, addr_list_steal(&al));
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
		parse_lower(addr);
		pi->pub.from_addr = parse_keep(pi, addr);
		if (mb->mb_display_name)
			pi->pub.from_name = parse_keep(pi,
			    parse_header_decode(pi->cc, mb->mb_display_name,
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
		pi->pub.from_addr = parse_keep(pi, first);
	}
}

static const char *
hdr_value(struct parse_impl *pi, const char *name)
{
	const struct parse_hdr *h = hdr_find(pi, name, 0);
	return h ? h->value : "";
}

void
parse_set_headers(struct parse_impl *pi)
{
	static const char *const to[] = { "To", "Cc" };
	static const char *const dlv[] = {
		"Delivered-To", "X-Original-To", "Envelope-To",
	};
	struct parsed *p = &pi->pub;

	p->message_id = parse_keep(pi, msgids(hdr_value(pi, "Message-ID"), 1));
	p->in_reply_to = parse_keep(pi, msgids(hdr_value(pi, "In-Reply-To"), 1));
	p->references = parse_keep(pi, msgids(hdr_value(pi, "References"), 0));
	p->subject = hdr_value(pi, "Subject");
	p->date = hdr_value(pi, "Date");
	set_from(pi);
	p->to = addrs_of(pi, to, 2);
	p->delivered_to = addrs_of(pi, dlv, 3);
	char *rp = msgids(hdr_value(pi, "Return-Path"), 1);
	parse_lower(rp);
	p->return_path = parse_keep(pi, rp);
}

