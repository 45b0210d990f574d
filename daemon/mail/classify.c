/*
 * classify.c -- see classify.h. The checks run in a fixed order, the
 * first that fires decides the kind: our own mail, bounce (bounce.c),
 * auto-reply, iMIP RSVP, opt-out, else a person's reply. The keys
 * (token, our Message-ID) are read for every kind, because ingest needs
 * them to find the delivery a bounce or auto-reply belongs to; so is
 * what our MTA's Authentication-Results say of the From domain.
 * Spec: RFC 3464, 3834, 5546 / 6047, 2369 / 8058; VERP; 8601, 7489.
 */
#include "mail/classify.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/bounce.h"

const char *
classify_kind_name(enum classify_kind k)
{
	switch (k) {
	case CLASSIFY_REPLY: return "reply";
	case CLASSIFY_RSVP: return "rsvp";
	case CLASSIFY_BOUNCE: return "bounce";
	case CLASSIFY_AUTOREPLY: return "auto-reply";
	case CLASSIFY_OPTOUT: return "opt-out";
	}
	return "unknown";
}

const char *
classify_auth_name(enum classify_auth a)
{
	switch (a) {
	case CLASSIFY_AUTH_NONE: return "none";
	case CLASSIFY_AUTH_PASS: return "pass";
	case CLASSIFY_AUTH_FORGED: return "forged";
	}
	return "unknown";
}

const char *
classify_bclass_name(enum classify_bclass b)
{
	switch (b) {
	case CLASSIFY_B_NONE: return "none";
	case CLASSIFY_B_PERMANENT: return "permanent";
	case CLASSIFY_B_TEMPORARY: return "temporary";
	case CLASSIFY_B_POLICY: return "policy";
	}
	return "unknown";
}

static void
say(struct classified *c, const char *why)
{
	snprintf(c->reason, sizeof(c->reason), "%s", why);
}

static int
token_char(int ch)
{
	return isalnum(ch) || ch == '-' || ch == '_' || ch == '.';
}

/* ---- keys ----------------------------------------------------------- */

/* Match one address against "prefix{token}suffix" (case-insensitive);
 * on a match copy the token out. */
static int
pattern_token(const char *pattern, const char *addr, size_t alen,
	      char *tok, size_t size)
{
	const char *ph = pattern ? strstr(pattern, "{token}") : NULL;
	if (!ph)
		return 0;
	size_t pre = (size_t)(ph - pattern);
	const char *suf = ph + 7;
	size_t slen = strlen(suf);
	if (alen <= pre + slen || strncasecmp(addr, pattern, pre) ||
	    strncasecmp(addr + alen - slen, suf, slen))
		return 0;
	size_t tlen = alen - pre - slen;
	if (tlen >= size)
		return 0;
	for (size_t i = 0; i < tlen; i++)
		if (!token_char((unsigned char)addr[pre + i]))
			return 0;
	bounce_copy(tok, size, addr + pre, tlen);
	return 1;
}

/* Look through a space-separated address list for one of our patterns. */
static int
list_token(const char *list, const char *pattern, char *tok, size_t size)
{
	const char *s = list;
	while (s && *s) {
		while (*s == ' ' || *s == ',')
			s++;
		size_t n = strcspn(s, " ,");
		if (n && pattern_token(pattern, s, n, tok, size))
			return 1;
		s += n;
	}
	return 0;
}

/* "[ref:TOKEN]" anywhere in the subject. */
static int
subject_token(const char *subject, char *tok, size_t size)
{
	const char *s = strcasestr(subject, "[ref:");
	if (!s)
		return 0;
	s += 5;
	while (*s == ' ')
		s++;
	size_t n = 0;
	while (token_char((unsigned char)s[n]))
		n++;
	if (n == 0 || n >= size || s[n] != ']')
		return 0;
	bounce_copy(tok, size, s, n);
	return 1;
}

/* Our pattern's address anywhere in a text (the returned header block
 * of a bounce): prefix at an address boundary, token, suffix. */
static int
text_token(const char *text, const char *pattern, char *tok, size_t size)
{
	const char *ph = pattern ? strstr(pattern, "{token}") : NULL;
	if (!ph || !text)
		return 0;
	size_t pre = (size_t)(ph - pattern);
	const char *suf = ph + 7;
	size_t slen = strlen(suf);
	for (const char *s = text; *s; s++) {
		if (s > text && (token_char((unsigned char)s[-1]) ||
				 s[-1] == '+' || s[-1] == '@'))
			continue;
		if (strncasecmp(s, pattern, pre))
			continue;
		size_t n = 0;
		while (token_char((unsigned char)s[pre + n]))
			n++;
		/* a suffix starting with "." ("...{token}.x") is eaten by
		 * the token characters: give them back */
		while (n && strncasecmp(s + pre + n, suf, slen))
			n--;
		if (n && n < size && strncasecmp(s + pre + n, suf, slen) == 0) {
			bounce_copy(tok, size, s + pre, n);
			return 1;
		}
	}
	return 0;
}

static void
lower_token(char *t)
{
	for (; *t; t++)
		*t = (char)tolower((unsigned char)*t);
}

static void
set_source(struct classified *c, const char *source)
{
	bounce_copy(c->token_source, sizeof(c->token_source), source,
		    strlen(source));
}

/* The envelope and the recipients first (the reply address, or the VERP
 * address a bounce comes back to), then for a bounce the headers of the
 * returned original (its Reply-To, Return-Path, subject reference), then
 * the subject. */
static void
find_token(const struct parsed *p, const struct classify_opts *o,
	   struct classified *c)
{
	/* a bounce comes back to our return address: its VERP token
	 * decides first which delivery bounced */
	int b = c->kind == CLASSIFY_BOUNCE;
	const char *pats[] = { b ? o->return_path : o->reply_to,
			       b ? o->reply_to : o->return_path };
	const char *srcs[] = { b ? "verp" : "reply-to",
			       b ? "reply-to" : "verp" };
	const char *lists[] = { p->delivered_to, p->to };

	if (subject_token(p->subject, c->subject_token,
			  sizeof(c->subject_token)))
		lower_token(c->subject_token);
	for (size_t i = 0; i < 2 && !c->token_source[0]; i++)
		for (size_t j = 0; j < 2 && !c->token_source[0]; j++)
			if (list_token(lists[j], pats[i], c->token,
				       sizeof(c->token)))
				set_source(c, srcs[i]);
	if (!c->token_source[0] && c->kind == CLASSIFY_BOUNCE) {
		const char *texts[] = { p->returned_headers, p->text };
		for (size_t j = 0; j < 2 && !c->token_source[0]; j++) {
			for (size_t i = 0; i < 2 && !c->token_source[0]; i++)
				if (text_token(texts[j], pats[i], c->token,
					       sizeof(c->token)))
					set_source(c, "returned");
			if (!c->token_source[0] &&
			    subject_token(texts[j], c->token,
					  sizeof(c->token)))
				set_source(c, "returned");
		}
	}
	if (!c->token_source[0] && c->subject_token[0]) {
		memcpy(c->token, c->subject_token, sizeof(c->token));
		set_source(c, "subject");
	}
	lower_token(c->token);
}

/* Is this id (n bytes) one of ours: "...@domain"? Any id counts when no
 * domain is configured. */
static int
our_id(const char *id, size_t n, const char *domain)
{
	if (!domain || !*domain)
		return n > 0 && memchr(id, '@', n) != NULL;
	size_t dl = strlen(domain);
	return n > dl + 1 && id[n - dl - 1] == '@' &&
	       strncasecmp(id + n - dl, domain, dl) == 0;
}

static int
ids_pick(const char *ids, const char *domain, char *out, size_t size)
{
	const char *s = ids;
	/* Skip exactly the separators the id stops at: a CR left over from a
	 * CRLF line would otherwise stop strcspn at 0 forever. */
	while (s && *s) {
		s += strspn(s, " <>,\t\r\n");
		size_t n = strcspn(s, " <>,\t\r\n");
		if (n && n < size && our_id(s, n, domain)) {
			bounce_copy(out, size, s, n);
			return 1;
		}
		s += n;
	}
	return 0;
}

/* Message-ID: fields inside returned headers or a prose bounce. */
static int
returned_id(const char *text, const char *domain, char *out, size_t size)
{
	const char *s = text;
	while ((s = strcasestr(s, "message-id:")) != NULL) {
		s += 11;
		const char *eol = strchr(s, '\n');
		size_t n = eol ? (size_t)(eol - s) : strlen(s);
		char line[600];
		bounce_copy(line, sizeof(line), s, n);
		/* the id may be folded onto the next line */
		if (!strchr(line, '@') && eol)
			continue;
		if (ids_pick(line, domain, out, size))
			return 1;
	}
	return 0;
}

/* Append id (n bytes) to the space-separated list unless it is there
 * or does not fit. */
static void
refs_add(char *list, size_t size, const char *id, size_t n)
{
	size_t len = strlen(list);
	for (const char *s = list; *s;) {
		size_t k = strcspn(s, " ");
		if (k == n && strncmp(s, id, n) == 0)
			return;
		s += k;
		s += *s == ' ';
	}
	if (len + (len > 0) + n + 1 > size)
		return;
	if (len)
		list[len++] = ' ';
	memcpy(list + len, id, n);
	list[len + n] = '\0';
}

#define ID_SEP " <>,\t\r\n"

/* Every id of ours in a list of ids, in order or from the last back. */
static void
ids_collect(const char *ids, const char *domain, int backwards, char *list,
	    size_t size)
{
	if (!ids)
		return;
	if (!backwards) {
		for (const char *s = ids; *s;) {
			s += strspn(s, ID_SEP);
			size_t n = strcspn(s, ID_SEP);
			if (n && our_id(s, n, domain))
				refs_add(list, size, s, n);
			s += n;
		}
		return;
	}
	for (const char *end = ids + strlen(ids); end > ids;) {
		while (end > ids && strchr(ID_SEP, end[-1]))
			end--;
		const char *b = end;
		while (b > ids && !strchr(ID_SEP, b[-1]))
			b--;
		if (end > b && our_id(b, (size_t)(end - b), domain))
			refs_add(list, size, b, (size_t)(end - b));
		end = b;
	}
}

/* Every Message-ID: field of a returned header block or prose bounce. */
static void
returned_ids(const char *text, const char *domain, char *list, size_t size)
{
	const char *s = text;
	while (s && (s = strcasestr(s, "message-id:")) != NULL) {
		s += 11;
		const char *eol = strchr(s, '\n');
		size_t n = eol ? (size_t)(eol - s) : strlen(s);
		char line[600];
		/* folded: the id is on the next line */
		if (eol && !memchr(s, '@', n)) {
			const char *nx = strchr(eol + 1, '\n');
			n = nx ? (size_t)(nx - s) : strlen(s);
		}
		bounce_copy(line, sizeof(line), s, n);
		ids_collect(line, domain, 0, list, size);
	}
}

static void
find_ref(const struct parsed *p, const struct classify_opts *o,
	 struct classified *c)
{
	char *list = c->ref_message_ids, *out = c->ref_message_id;
	size_t lsize = sizeof(c->ref_message_ids);
	size_t size = sizeof(c->ref_message_id);
	const char *dom = o->message_id_domain;

	/* all of them: ingest looks each up until one is a delivery */
	ids_collect(p->in_reply_to, dom, 0, list, lsize);
	ids_collect(p->references, dom, 1, list, lsize);
	if (c->kind == CLASSIFY_BOUNCE) {
		returned_ids(p->returned_headers, dom, list, lsize);
		returned_ids(p->text, dom, list, lsize);
	}
	/* the first, as before */
	if (ids_pick(p->in_reply_to, dom, out, size) ||
	    ids_pick(p->references, dom, out, size))
		return;
	if (c->kind == CLASSIFY_BOUNCE &&
	    !returned_id(p->returned_headers, dom, out, size))
		returned_id(p->text, dom, out, size);
}

/* ---- our own mail ---------------------------------------------------- */

/* Is id exactly what mime_message_id() makes at our domain:
 * "<SECONDS.HEX24@domain>"? Another client in our domain (a colleague
 * answering) writes its own form, so the domain alone proves nothing. */
static int
our_id_format(const char *id, const char *domain)
{
	const char *s = id + (*id == '<');
	size_t n = strspn(s, "0123456789");
	if (n == 0 || s[n] != '.')
		return 0;
	s += n + 1;
	n = strspn(s, "0123456789abcdefABCDEF");
	if (n != 24 || s[n] != '@')
		return 0;
	s += n + 1;
	size_t dl = strlen(domain);
	return strncasecmp(s, domain, dl) == 0 &&
	       (s[dl] == '\0' || (s[dl] == '>' && s[dl + 1] == '\0'));
}

/* Our own mail came back: its From is our address, its Return-Path our
 * VERP address, or its Message-ID one that only our sender makes. */
static int
from_us(const struct parsed *p, const struct classify_opts *o)
{
	char tok[CLASSIFY_TOKEN_MAX];
	const char *rp = p->return_path;

	if (o->from_address && *o->from_address &&
	    strcasecmp(p->from_addr, o->from_address) == 0)
		return 1;
	if (rp[0] && list_token(rp, o->return_path, tok, sizeof(tok)))
		return 1;
	return p->message_id[0] && o->message_id_domain &&
	       *o->message_id_domain &&
	       our_id_format(p->message_id, o->message_id_domain);
}

/* ---- Authentication-Results (RFC 8601) -------------------------------- */

/* Only our own MTA's field is believed, and only where nobody before it
 * could have written it: above the first Received field. One claiming
 * our authserv-id further down was there before our MTA saw the mail
 * (RFC 8601 section 5 asks the MTA to remove those). */

/* a longer field is cut: our MTA writes short ones */
#define AR_MAX 2048
#define AR_PARTS 32	/* resinfo parts read per field */
#define AR_WORDS 16	/* properties read per resinfo */

/* v without its comments (nested, with quoted-pairs), each one space;
 * quoted strings kept whole; no space around "=" and "/", which RFC 8601
 * allows there, so that "dkim = pass" is one word. */
static void
ar_uncomment(const char *v, char *out, size_t size)
{
	size_t n = 0;
	int depth = 0, quoted = 0, glue = 0;

	for (; *v && n + 2 < size; v++) {
		if ((depth || quoted) && *v == '\\' && v[1]) {
			if (quoted) {
				out[n++] = v[0];
				out[n++] = v[1];
			}
			v++;
			continue;
		}
		if (quoted) {
			quoted = *v != '"';
			out[n++] = *v;
			continue;
		}
		if (*v == '(') {
			depth++;
			continue;
		}
		if (depth) {
			if (*v == ')' && --depth == 0 && !glue)
				out[n++] = ' ';
			continue;
		}
		if (glue && isspace((unsigned char)*v))
			continue;
		glue = *v == '=' || *v == '/';
		while (glue && n && isspace((unsigned char)out[n - 1]))
			n--;
		quoted = *v == '"';
		out[n++] = *v;
	}
	out[n] = '\0';
}

/* Cut s at every unquoted separator (';', or white space for ' ') into
 * at most max pieces; the rest is dropped. Empty pieces are skipped. */
static size_t
ar_cut(char *s, int sep, char **v, size_t max)
{
	size_t n = 0;
	int quoted = 0;
	char *start = s;

	for (;; s++) {
		int end = *s == '\0';
		if (!end && quoted && *s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (!end && *s == '"')
			quoted = !quoted;
		if (end || (!quoted && (sep == ' ' ? isspace((unsigned char)*s)
					: *s == sep))) {
			*s = '\0';
			if (*start && n < max)
				v[n++] = start;
			if (end)
				return n;
			start = s + 1;
		}
	}
}

/* A value without its quotes and quoted-pairs, into out. */
static void
ar_value(const char *v, char *out, size_t size)
{
	size_t n = 0;

	if (*v != '"') {
		bounce_copy(out, size, v, strlen(v));
		return;
	}
	for (v++; *v && *v != '"' && n + 1 < size; v++) {
		if (*v == '\\' && v[1])
			v++;
		out[n++] = *v;
	}
	out[n] = '\0';
}

/* Is id one of the configured authserv-ids? */
static int
ar_ours(const char *ids, const char *id)
{
	size_t len = strlen(id);

	for (const char *s = ids; len && s && *s;) {
		s += strspn(s, " ,\t");
		size_t n = strcspn(s, " ,\t");
		if (n == len && strncasecmp(s, id, n) == 0)
			return 1;
		s += n;
	}
	return 0;
}

/* d= is the From domain or a parent of it (relaxed alignment, RFC 7489
 * 3.1.1), and more than a top-level label. */
static int
ar_aligned(const char *d, const char *dom)
{
	size_t dl = strlen(d), fl = strlen(dom);

	if (dl == 0 || strchr(d, '.') == NULL)
		return 0;
	return (fl == dl && strcasecmp(d, dom) == 0) ||
	       (fl > dl + 1 && dom[fl - dl - 1] == '.' &&
		strcasecmp(dom + fl - dl, d) == 0);
}

/* One resinfo "method=result prop=value ...": 1 with what passed in
 * note when it is a DMARC pass for dom or an aligned DKIM pass. */
static int
ar_resinfo(char *part, const char *dom, char *note, size_t size)
{
	char *w[AR_WORDS], val[256];
	size_t n = ar_cut(part, ' ', w, AR_WORDS);
	char *eq = n ? strchr(w[0], '=') : NULL;

	if (eq == NULL)
		return 0;
	*eq = '\0';
	w[0][strcspn(w[0], "/")] = '\0';	/* "dkim/1": a version */
	int dmarc = strcasecmp(w[0], "dmarc") == 0;
	if ((!dmarc && strcasecmp(w[0], "dkim") != 0) ||
	    strcasecmp(eq + 1, "pass") != 0)
		return 0;
	for (size_t i = 1; i < n; i++) {
		char *v = strchr(w[i], '=');
		if (v == NULL)
			continue;
		*v++ = '\0';
		ar_value(v, val, sizeof(val));
		const char *d = val;
		if (dmarc ? strcasecmp(w[i], "header.from") != 0 :
		    strcasecmp(w[i], "header.d") != 0 &&
		    strcasecmp(w[i], "header.i") != 0)
			continue;
		if (!dmarc && strcasecmp(w[i], "header.i") == 0)
			d = strrchr(val, '@') ? strrchr(val, '@') + 1 : "";
		if (dmarc ? strcasecmp(d, dom) == 0 : ar_aligned(d, dom)) {
			snprintf(note, size, "%s=pass %s=%s", w[0], w[i], d);
			return 1;
		}
	}
	return 0;
}

/* One field: its authserv-id into id; 1 when a resinfo passes for dom. */
static int
ar_field(const char *v, const char *dom, char *id, size_t idsize,
	 char *note, size_t size)
{
	char text[AR_MAX], *part[AR_PARTS], *w[2];
	int pass = 0;

	ar_uncomment(v, text, AR_MAX);
	size_t n = ar_cut(text, ';', part, AR_PARTS);
	id[0] = '\0';
	/* the first part is the authserv-id and maybe a version */
	if (n > 0 && part[0] == text && ar_cut(part[0], ' ', w, 2) > 0)
		ar_value(w[0], id, idsize);
	for (size_t i = 1; i < n && !pass && dom[0]; i++)
		pass = ar_resinfo(part[i], dom, note, size);
	return pass;
}

static void
find_auth(const struct parsed *p, const struct classify_opts *o,
	  struct classified *c)
{
	const char *name, *v, *at = strrchr(p->from_addr, '@');
	const char *dom = at ? at + 1 : "";
	char id[256], pass[120] = "";
	int received = 0, froms = 0, ours = 0;

	if (o->authserv_id == NULL || o->authserv_id[0] == '\0')
		return;
	for (size_t i = 0; (v = parse_header_at(p, i, &name)) != NULL; i++) {
		if (strcasecmp(name, "From") == 0)
			froms++;
		if (strcasecmp(name, "Received") == 0)
			received = 1;
		if (strcasecmp(name, "Authentication-Results") != 0)
			continue;
		char what[120] = "";
		int ok = ar_field(v, dom, id, sizeof(id), what, sizeof(what));
		if (!ar_ours(o->authserv_id, id))
			continue;	/* another's: not ours to believe */
		if (received) {
			c->auth = CLASSIFY_AUTH_FORGED;
			snprintf(c->auth_note, sizeof(c->auth_note),
				 "Authentication-Results claiming %s below a "
				 "Received field", id);
			return;
		}
		ours = 1;
		if (ok && !pass[0])
			snprintf(pass, sizeof(pass), "%s by %s", what, id);
	}
	if (!ours)
		return;
	if (froms != 1)
		snprintf(c->auth_note, sizeof(c->auth_note), "%d From fields: "
			 "no domain is verified", froms);
	else if (!pass[0])
		snprintf(c->auth_note, sizeof(c->auth_note), "no DMARC or "
			 "aligned DKIM pass for %s", dom[0] ? dom : "the From "
			 "domain");
	else {
		c->auth = CLASSIFY_AUTH_PASS;
		snprintf(c->auth_note, sizeof(c->auth_note), "%s", pass);
	}
}

/* ---- auto-replies ----------------------------------------------------- */

/* Subjects that say "automatic answer" in en, bg, cs, nl, de, fr. */
static const char *const auto_subjects[] = {
	"out of office", "out of the office", "automatic reply",
	"auto reply", "auto-reply", "autoreply", "auto response",
	"autoresponse", "vacation reply", "away from the office",
	"автоматичен отговор", "извън офиса", "отсъствие от офиса",
	"automatická odpověď", "mimo kancelář", "nepřítomnost",
	"automatisch antwoord", "afwezig", "niet aanwezig",
	"abwesenheitsnotiz", "automatische antwort", "abwesend",
	"nicht im büro", "réponse automatique", "absent du bureau",
	"absente du bureau", "absence du bureau", "message d'absence",
	NULL,
};

/* Body wording of an out-of-office message, read only when the new text
 * carries no answer lines (a person may mention being away). */
static const char *const auto_bodies[] = {
	"out of the office", "out of office", "i am currently away",
	"i'm currently away", "i am away from", "on annual leave",
	"limited access to e-mail", "limited access to email",
	"this is an automatic reply", "this is an automated reply",
	"извън офиса", "отсъствам", "автоматичен отговор",
	"mimo kancelář", "automatická odpověď", "nejsem v kanceláři",
	"ben afwezig", "niet op kantoor", "automatisch antwoord",
	"nicht im büro", "abwesend", "automatische antwort",
	"absent du bureau", "absente du bureau", "réponse automatique",
	"je suis absent", "je suis absente", NULL,
};

/* A line "A3: ..." / "3: ..." as the form asks: a person answered. */
static int
has_answer_lines(const char *text)
{
	for (const char *s = text; s && *s;) {
		while (*s == ' ' || *s == '\t' || *s == '>')
			s++;
		const char *q = s;
		if (*q == 'A' || *q == 'a')
			q++;
		if (isdigit((unsigned char)*q)) {
			while (isdigit((unsigned char)*q))
				q++;
			if (*q == ':' || *q == ')' || *q == '.')
				return 1;
		}
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return 0;
}

static int
header_is(const struct parsed *p, const char *name, const char *const *vals)
{
	const char *v = parse_header(p, name);
	while (*v == ' ' || *v == '\t')
		v++;
	for (size_t i = 0; vals[i]; i++)
		if (strncasecmp(v, vals[i], strlen(vals[i])) == 0)
			return 1;
	return 0;
}

/* Nobody writes by hand from a no-reply address: a notification. */
static int
no_reply_sender(const char *addr)
{
	static const char *const locals[] = { "no-reply@", "noreply@",
					       "do-not-reply@", "donotreply@",
					       NULL };
	for (size_t i = 0; locals[i]; i++)
		if (strncasecmp(addr, locals[i], strlen(locals[i])) == 0)
			return 1;
	return 0;
}

/* 1 and a reason when the message was generated by a machine. */
static int
auto_reply(const struct parsed *p, struct classified *c)
{
	static const char *const no[] = { "no", NULL };
	static const char *const prec[] = { "bulk", "junk", "list", NULL };
	static const char *const oof[] = { "oof", "all", NULL };
	const char *as = parse_header(p, "Auto-Submitted");

	if (as[0] && !header_is(p, "Auto-Submitted", no))
		return say(c, "Auto-Submitted header (RFC 3834)"), 1;
	if (strcasestr(p->report_type, "disposition-notification"))
		return say(c, "read receipt (RFC 8098)"), 1;
	if (parse_header(p, "X-Autoreply")[0] ||
	    parse_header(p, "X-Autorespond")[0])
		return say(c, "X-Autoreply / X-Autorespond header"), 1;
	if (header_is(p, "X-Auto-Response-Suppress", oof))
		return say(c, "X-Auto-Response-Suppress (Exchange OOF)"), 1;
	if (header_is(p, "Precedence", prec))
		return say(c, "Precedence bulk/junk/list"), 1;
	if (parse_header(p, "X-MS-Exchange-Inbox-Rules-Loop")[0])
		return say(c, "X-MS-Exchange-Inbox-Rules-Loop (inbox rule)"), 1;
	if (no_reply_sender(p->from_addr))
		return say(c, "sent from a no-reply address"), 1;
	if (bounce_contains_any(p->subject, auto_subjects))
		return say(c, "out-of-office subject"), 1;
	if (!has_answer_lines(p->reply_text) &&
	    bounce_contains_any(p->reply_text, auto_bodies))
		return say(c, "out-of-office wording in the text"), 1;
	return 0;
}

/* ---- iMIP RSVP --------------------------------------------------------- */

/* An iMIP REPLY or COUNTER read by ical.c; the attendee, partstat and
 * uid also go to the flat fields the store records. Returns 1 for
 * either (even one lacking an attendee). */
static int
rsvp(const struct parsed *p, struct classified *c)
{
	struct err e;
	const struct ical_reply *r = &c->rsvp;

	if (!p->calendar[0] || ical_reply_parse(p->calendar, &c->rsvp, &e) < 1)
		return 0;
	bounce_copy(c->rsvp_uid, sizeof(c->rsvp_uid), r->uid, strlen(r->uid));
	bounce_copy(c->rsvp_attendee, sizeof(c->rsvp_attendee), r->attendee,
		strlen(r->attendee));
	bounce_copy(c->rsvp_partstat, sizeof(c->rsvp_partstat),
		ical_partstat_name(r->partstat),
		strlen(ical_partstat_name(r->partstat)));
	if (r->kind == ICAL_COUNTER)
		say(c, "iMIP COUNTER (a new time proposed)");
	else
		say(c, r->attendee[0] ? "iMIP REPLY"
				      : "iMIP REPLY without an ATTENDEE");
	return 1;
}

/* ---- opt-out ---------------------------------------------------------- */

static const char *const optout_words[] = {
	"unsubscribe", "stop", "unsubscribe me", "remove me",
	"отписване", "odhlásit", "odhlásit se", "afmelden", "abmelden", "désabonner", "se désabonner", NULL,
};

/* Is s, trimmed of space and final punctuation, one of the words? */
static int
just_a_word(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '.' ||
		     s[n - 1] == '!'))
		n--;
	/* folding keeps lengths: a longer text is none of the words, and
	 * folding a whole reply to compare a word is the slow part */
	size_t longest = 0;
	for (size_t i = 0; optout_words[i]; i++)
		if (strlen(optout_words[i]) > longest)
			longest = strlen(optout_words[i]);
	if (n > longest)
		return 0;
	char *f = bounce_casefold(s);
	int hit = 0;
	f[n] = '\0';
	for (size_t i = 0; optout_words[i] && !hit; i++)
		hit = strcmp(f, optout_words[i]) == 0;
	free(f);
	return hit;
}

static int
opt_out(const struct parsed *p, struct classified *c)
{
	if (just_a_word(p->reply_text))
		return say(c, "the reply asks to unsubscribe"), 1;
	const char *s = p->subject;
	if (strncasecmp(s, "re:", 3) == 0)
		s += 3;
	if (just_a_word(s))
		return say(c, "unsubscribe subject (RFC 2369 mailto)"), 1;
	return 0;
}

/* ---- the decision ------------------------------------------------------ */

static enum classify_kind
decide(const struct parsed *p, const struct classify_opts *o,
       struct classified *c)
{
	if (from_us(p, o)) {
		c->from_us = 1;
		say(c, "our own message came back (loop guard)");
		return CLASSIFY_AUTOREPLY;
	}
	switch (bounce_detect(p, o, c)) {
	case BOUNCE_FAILED:
		return CLASSIFY_BOUNCE;
	case BOUNCE_DELIVERED:
		return CLASSIFY_AUTOREPLY;	/* nothing to act on */
	case BOUNCE_FEEDBACK:
		return CLASSIFY_OPTOUT;		/* a complaint: stop mailing */
	case BOUNCE_NOT:
		break;
	}
	if (rsvp(p, c))
		return CLASSIFY_RSVP;
	if (auto_reply(p, c))
		return CLASSIFY_AUTOREPLY;
	if (opt_out(p, c))
		return CLASSIFY_OPTOUT;
	c->rsvp_attendee[0] = c->rsvp_partstat[0] = c->rsvp_uid[0] = '\0';
	say(c, "");
	return CLASSIFY_REPLY;
}

void
classify_message(const struct parsed *p, const struct classify_opts *o,
		 struct classified *c)
{
	static const char *const list[] = { "list", NULL };

	memset(c, 0, sizeof(*c));
	c->is_list = parse_header(p, "List-Id")[0] ||
		     header_is(p, "Precedence", list);
	c->kind = decide(p, o, c);
	find_token(p, o, c);
	find_ref(p, o, c);
	find_auth(p, o, c);
}
