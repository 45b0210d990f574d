/*
 * bounce.c -- see bounce.h. Reads RFC 3464 delivery-status parts first
 * (every failed group, then every delayed one; Original-Recipient, the
 * address we sent to, before Final-Recipient); for the many servers
 * that send only prose (qmail, Exim, Exchange, Domino, AOL, ...) it
 * takes X-Failed-Recipients and the addresses that start a line of the
 * report before the returned copy, each with the status code of its
 * own block. The class: a full mailbox is temporary; then the enhanced
 * status, the SMTP reply code, the wording. A delay notice is temporary
 * whatever code it quotes. Spec: RFC 3464, 3463, 6522, 5965.
 */
#include "mail/bounce.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

/* Subjects of non-delivery reports, lower case, matched as substrings;
 * several languages because the reporting server speaks its own. */
static const char *const bounce_subjects[] = {
	"undelivered mail", "delivery status notification",
	"undeliverable", "failure notice", "mail delivery failed",
	"returned mail", "delivery failure", "delivery has failed",
	"failed delivery", "mail system error", "delivery notification",
	"could not be delivered", "mail failure", "delayed mail",
	"could not send message", "error sending your mail",
	"mail delivery status", "delivery status notification (delay)",
	"nicht zustellbar", "unzustellbar", "non remis", "non distribu",
	"échec de la remise", "onbestelbaar", "niet afgeleverd",
	"nedoručitelné", "nedoručen", "недоставено", "недоставлен",
	"не доставлено", "не може да бъде доставено",
	"メールエラー", NULL,
};

/* Prose that says a message did not arrive: evidence together with a
 * mailer-daemon sender or a null return path. */
static const char *const bounce_phrases[] = {
	"could not be delivered", "couldn't be delivered",
	"was not delivered", "wasn't able to deliver", "unable to deliver",
	"undeliverable", "delivery failed", "delivery has failed",
	"permanent error", "permanent fatal error", "address(es) failed",
	"following recipient", "following address", "no such user",
	"user unknown", "unknown user", "mailbox unavailable",
	"mailbox is full", "could not deliver", "failed to deliver",
	"delivery error", "not a member of", "message could not be sent",
	"invalid user address", "delivery to the following",
	"not a valid user", "no such recipient", "does not exist",
	"recipient address rejected", "mailbox not found",
	"error message below", "送信できませんでした", NULL,
};

/* Wording of a rejection for spam or policy, not for the address. */
static const char *const policy_words[] = {
	"spam", "blocked", "block list", "blocklist", "blacklist",
	"black list", "denylist", "policy", "reputation", " rbl", "rbl ",
	"dnsbl", "spamhaus", "spamcop", "barracuda", "not accepted due to",
	"unsolicited", "dmarc", "spf ", "spf:", "dkim", "authenticat",
	"virus", "junk", "bulk mail", "rate limit", "rate-limit",
	"sender denied", "sender rejected", "sender address rejected",
	"sender blocked", "content rejected", "message rejected",
	"rejected by the recipient domain", "mass mail", NULL,
};

/* Where a 5.7.x came in answer to the message itself, not to its
 * recipient: the content was refused, not the address. */
static const char *const data_stage[] = {
	"end of data", "after data", "reply to data", "after end of data",
	NULL,
};

/* Wording of a full mailbox: it empties again, the address is good.
 * Matched before the status class, as RFC 3463's X.2.2 is. */
static const char *const full_words[] = {
	"mailbox full", "mailbox is full", "mailbox is over",
	"mailbox has exceeded", "mailbox size limit", "mailbox quota",
	"full mailbox", "inbox is full", "mail box full", "mailfolder is full",
	"account is full", "over quota", "overquota", "over the quota",
	"quota exceeded", "exceeded quota", "exceeds quota", "exceed quota",
	"quota exceed", "exceeded its quota", "exceeded storage",
	"exceeds storage", "insufficient storage",
	"insufficient system storage",
	"storage limit", "disk quota", "user is over", "out of storage",
	"mailbox exceeds", "mailbox exceeded",
	/* nl, cs, bg, de, fr */
	"postvak is vol", "mailbox is vol", "brievenbus is vol",
	"schránka je plná", "schránka příjemce je plná", "překročena kvóta",
	"пощенската кутия е пълна", "кутията е пълна", "надвишена квота",
	"postfach ist voll", "postfach voll", "speicherplatz",
	"boîte aux lettres pleine", "boîte pleine", "quota dépassé", NULL,
};

/* Wording of a temporary failure when no status code says so. */
static const char *const temporary_words[] = {
	"temporar", "temporair", "tijdelijk", "dočasn", "временн",
	"vorübergehend", "try again later", "will retry", "will be retried",
	"still trying", "delayed", "deferred", "greylist", "graylist",
	"has not yet been delivered", "not yet been delivered",
	"delivery attempts will continue", "will continue to try", NULL,
};

/* Wording of a delay notice: the reporting server still retries, so
 * whatever code it quotes from the last attempt, nothing failed yet. */
static const char *const delay_words[] = {
	"will retry", "will be retried", "will continue to try",
	"still trying", "delivery incomplete", "not yet been delivered",
	"warning only", "do not need to resend",
	"delivery attempts will continue", "will keep trying", "will try again",
	"has been delayed",
	"delivery is delayed", "delivery has been delayed", NULL,
};

/* Subjects of delay notices (Gmail, Exchange, Sendmail). */
static const char *const delay_subjects[] = {
	"(delay)", "delayed mail", "delivery delayed",
	"warning: could not send message for past",
	"delivery status notification (delay)",
	NULL,
};

/* Openers of the prose reports of the common MTAs and providers: such a
 * text is a delivery report whatever its headers say. */
static const char *const ndr_openers[] = {
	"this is the mail system at host",
	"this message was created automatically by mail delivery software",
	"i'm afraid i wasn't able to deliver",
	"this is the qmail-send program",
	"delivery has failed to these recipients or groups",
	"your message wasn't delivered", "your message could not be delivered",
	"** address not found **", "** delivery incomplete **",
	"** message not delivered **", "** message blocked **",
	"delivery to the following recipient failed",
	"delivery to the following recipients failed",
	"your message did not reach some or all of the intended recipients",
	"the original message was received at",
	"the following addresses had permanent fatal errors",
	"the following addresses had transient non-fatal errors",
	"could not be delivered to one or more recipients",
	"could not be delivered to one or more of its recipients",
	"the following recipient(s) could not be reached",
	"the following recipient(s) cannot be reached",
	"message delivery to the following recipient",
	"uw bericht kan niet worden bezorgd",
	/* Office 365's report in nl, cs, bg, de, fr */
	"bezorging is mislukt voor deze ontvangers of groepen",
	"doručení těmto příjemcům nebo skupinám se nezdařilo",
	"доставката до тези получатели или групи е неуспешна",
	/* NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one text, too long for a line */
	"die zustellung an folgende empfänger oder gruppen ist "
	"fehlgeschlagen",
	"la remise aux destinataires ou groupes suivants a échoué",
	"ihre nachricht konnte nicht zugestellt werden",
	"votre message n'a pas pu être remis",
	"vaše zpráva nemohla být doručena",
	"вашето съобщение не можа да бъде доставено", NULL,
};

/* Lines that start the returned original: the diagnostic ends there.
 * Matched at the start of a line after its dashes and spaces. */
static const char *const returned_markers[] = {
	"below this line is a copy", "this is a copy of the message",
	"original message follows", "original message ---",
	"original message-", "original message headers", "returned message",
	"message headers follow", "unsent message follows", NULL,
};

static const char *const daemon_locals[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "postmaster",
	"post_master", "poostmaster", "mail.delivery", "mail-delivery",
	"mdaemon", NULL,
};

/* Lower-case one code point of the scripts our users write in. */
static unsigned
fold_cp(unsigned cp)
{
	if (cp < 0x80)
		return (unsigned)tolower((int)cp);
	if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
	    (cp >= 0x410 && cp <= 0x42F))
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 0x50;
	if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x131 &&
	    cp != 0x138 && cp != 0x149 && cp != 0x17F) {
		/* Latin Extended-A pairs: even upper / odd lower, except
		 * the run 0x139-0x148 and 0x179-0x17E where odd is upper */
		int odd_upper = (cp >= 0x139 && cp <= 0x148) ||
				(cp >= 0x179 && cp <= 0x17E);
		if (odd_upper ? (cp & 1) : !(cp & 1))
			return cp + 1;
	}
	return cp;
}

/* One folded byte c to out[*o]; with squeeze, white space runs become
 * one space and none leads. anketa keeps the C locale (base/textcol.c),
 * where isspace and tolower know ASCII only: spelt out, they are inlined. */
static inline void
fold_put(char *out, size_t *o, char c, int squeeze)
{
	if (!squeeze || !(c == ' ' || (c >= '\t' && c <= '\r')))
		out[(*o)++] = c;
	else if (*o && out[*o - 1] != ' ')
		out[(*o)++] = ' ';
}

static char *
fold_copy(const char *s, int squeeze)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 1);	/* folding keeps UTF-8 lengths */
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p) {
		if (*p >= 0xC0 && *p < 0xE0 && (p[1] & 0xC0) == 0x80) {
			unsigned cp = fold_cp(((unsigned)(p[0] & 0x1F) << 6) |
					      (p[1] & 0x3F));
			fold_put(out, &o, (char)(0xC0 | (cp >> 6)), squeeze);
			fold_put(out, &o, (char)(0x80 | (cp & 0x3F)), squeeze);
			p += 2;
		} else {
			fold_put(out, &o, *p >= 'A' && *p <= 'Z' ?
				 (char)(*p + ('a' - 'A')) : (char)*p, squeeze);
			p++;
		}
	}
	out[o] = '\0';
	return out;
}

char *
bounce_casefold(const char *s)
{
	return fold_copy(s, 0);
}

/* hay case-folded, every run of white space one space (a phrase may be
 * wrapped): the form the keyword lists are matched in; NULL if empty. */
static char *
bounce_fold_text(const char *hay)
{
	if (!hay || !*hay)
		return NULL;
	return fold_copy(hay, 1);	/* one pass: fold and squeeze */
}

/* Does folded text f (bounce_fold_text) hold a phrase of list? */
static int
folded_has_any(const char *f, const char *const *list)
{
	int hit = 0;

	for (size_t i = 0; f && list[i] && !hit; i++)
		hit = strstr(f, list[i]) != NULL;
	return hit;
}

int
bounce_contains_any(const char *hay, const char *const *list)
{
	char *f = bounce_fold_text(hay);
	int hit = folded_has_any(f, list);
	free(f);
	return hit;
}

void
bounce_copy(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void
lower_str(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int
is_space_str(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Enhanced status code "c.s.d" at s (RFC 3463: class 2/4/5, subject 1-3
 * digits, detail 1-3 digits), not part of a longer dotted number such
 * as an IP address or a version. Returns its length or 0. */
static size_t
status_at(const char *start, const char *s)
{
	if ((*s != '2' && *s != '4' && *s != '5') || s[1] != '.')
		return 0;
	if (s > start && (isdigit((unsigned char)s[-1]) || s[-1] == '.'))
		return 0;
	size_t i = 2, n = 0;
	while (isdigit((unsigned char)s[i]) && n < 3)
		i++, n++;
	if (n == 0 || s[i] != '.')
		return 0;
	i++;
	n = 0;
	while (isdigit((unsigned char)s[i]) && n < 3)
		i++, n++;
	if (n == 0 || isdigit((unsigned char)s[i]))
		return 0;
	if (s[i] == '.' && isdigit((unsigned char)s[i + 1]))
		return 0;
	return i;
}

/* First enhanced status code in [s, end); "" when none. */
static const char *
find_status(const char *s, const char *end, char *out, size_t size)
{
	out[0] = '\0';
	for (const char *q = s; q < end; q++) {
		size_t n = status_at(s, q);
		if (n) {
			bounce_copy(out, size, q, n);
			return q;
		}
	}
	return NULL;
}

/* First SMTP reply code (4xx/5xx as a separate word) in [s, end). */
static const char *
find_reply_code(const char *s, const char *end)
{
	for (const char *q = s; q + 3 <= end; q++) {
		if ((*q != '4' && *q != '5') || !isdigit((unsigned char)q[1]) ||
		    !isdigit((unsigned char)q[2]))
			continue;
		if (q > s && (isalnum((unsigned char)q[-1]) || q[-1] == '.' ||
			      q[-1] == '-' || q[-1] == '/' || q[-1] == ':'))
			continue;
		if (q + 3 < end && q[3] != ' ' && q[3] != '-' && q[3] != '\n' &&
		    q[3] != '\r')
			continue;
		return q;
	}
	return NULL;
}


/* ---- class --------------------------------------------------------- */

/* Does the wording (or RFC 3463's X.2.2) say the mailbox is full? */
static int
mailbox_full(const char *status, const char *folded)
{
	if (status && (status[0] == '4' || status[0] == '5') &&
	    strncmp(status + 1, ".2.2", 4) == 0 &&
	    !isdigit((unsigned char)status[5]))
		return 1;
	return folded_has_any(folded, full_words);
}

static enum classify_bclass class_of_folded(const char *status,
					    const char *f);

/* The text is folded once for all the lists it is matched against. */
enum classify_bclass
bounce_class_of(const char *status, const char *text)
{
	if (status && status[0] == '2')
		return CLASSIFY_B_NONE;
	char *f = bounce_fold_text(text);
	enum classify_bclass c = class_of_folded(status, f);
	free(f);
	return c;
}

static enum classify_bclass
class_of_folded(const char *status, const char *text)
{
	if (mailbox_full(status, text))
		return CLASSIFY_B_TEMPORARY;
	if (status && status[0] == '4')
		return CLASSIFY_B_TEMPORARY;
	if (status && status[0] == '5') {
		/* X.1.7 and X.1.8 refuse our sender's address: not the
		 * recipient's fault */
		if ((strncmp(status + 1, ".1.7", 4) == 0 ||
		     strncmp(status + 1, ".1.8", 4) == 0) &&
		    !isdigit((unsigned char)status[5]))
			return CLASSIFY_B_POLICY;
		/* other X.1.x is the address itself, X.2.1 a disabled
		 * mailbox: the wording cannot make those the message's */
		if (strncmp(status + 1, ".1.", 3) == 0 ||
		    strncmp(status + 1, ".2.1", 4) == 0)
			return CLASSIFY_B_PERMANENT;
		if (folded_has_any(text, policy_words) ||
		    (strncmp(status + 1, ".7.", 3) == 0 &&
		     folded_has_any(text, data_stage)))
			return CLASSIFY_B_POLICY;
		return CLASSIFY_B_PERMANENT;
	}
	if (folded_has_any(text, temporary_words))
		return CLASSIFY_B_TEMPORARY;
	if (folded_has_any(text, policy_words))
		return CLASSIFY_B_POLICY;
	return CLASSIFY_B_PERMANENT;
}

/* ---- addresses ----------------------------------------------------- */

static int
addr_char(int ch)
{
	return isalnum(ch) || strchr("._%+-=~!#$&'*/?^`{|}", ch) != NULL ||
	       ch >= 0x80;
}

/* Trim what reports put around an address: white space, quotes, <>,
 * (), [], "mailto:", and trailing dots, commas, colons. */
static void
addr_trim(const char **v, size_t *n)
{
	static const char lead[] = " \t\r\n\"'`<([";
	static const char trail[] = " \t\r\n\"'`>)].,;:";
	for (int again = 1; again;) {
		again = 0;
		while (*n && strchr(lead, **v) && **v)
			(*v)++, (*n)--, again = 1;
		while (*n && strchr(trail, (*v)[*n - 1]) && (*v)[*n - 1])
			(*n)--, again = 1;
		if (*n > 7 && strncasecmp(*v, "mailto:", 7) == 0)
			*v += 7, *n -= 7, again = 1;
	}
}

int
bounce_addr(const char *v, size_t n, char *out, size_t size)
{
	const char *semi = memchr(v, ';', n);
	/* "rfc822; a@b": the address type before the semicolon */
	if (semi && !memchr(v, '@', (size_t)(semi - v)) && semi - v < 24) {
		n -= (size_t)(semi + 1 - v);
		v = semi + 1;
	}
	/* "Name <a@b>": what is inside the angle brackets */
	const char *lt = memchr(v, '<', n);
	const char *gt = lt ? memchr(lt, '>', n - (size_t)(lt - v)) : NULL;
	if (lt && gt && memchr(lt, '@', (size_t)(gt - lt))) {
		n = (size_t)(gt - lt - 1);
		v = lt + 1;
	}
	addr_trim(&v, &n);
	out[0] = '\0';
	const char *at = n ? memchr(v, '@', n) : NULL;
	if (!at || at == v || at == v + n - 1 || n >= size)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)v[i]) || strchr("<>,", v[i]))
			return 0;
	bounce_copy(out, size, v, n);
	lower_str(out);
	return 1;
}

/* Is the local part of addr a mail daemon's (MAILER-DAEMON, postmaster,
 * ...)? Both the sender test and the recipient search ask this. */
static int
daemon_local(const char *addr)
{
	char local[128];
	const char *at = strchr(addr, '@');

	bounce_copy(local, sizeof(local), addr,
		    at ? (size_t)(at - addr) : strlen(addr));
	for (size_t i = 0; daemon_locals[i]; i++)
		if (strcasestr(local, daemon_locals[i]))
			return 1;
	return 0;
}

/* Header names of the returned copy's sender and of its recipients. */
static const char *const sender_fields[] = { "from:", "return-path:",
					     "sender:", "reply-to:", NULL };
static const char *const rcpt_fields[] = { "to:", "cc:", "envelope-to:",
					   "x-original-to:", "delivered-to:",
					   NULL };

/* Does a line of text starting with one of the header names contain
 * addr? Only the first 32 KB are read: the returned copy's headers,
 * not its body, once per candidate address. */
static int
field_line_has(const char *text, const char *const *names, const char *addr)
{
	size_t alen = strlen(addr);
	const char *stop = text ? text + strnlen(text, 32768) : NULL;
	for (const char *s = text; s && s < stop && *s;) {
		while (*s == ' ' || *s == '\t')
			s++;
		const char *eol = strchr(s, '\n');
		size_t n = eol ? (size_t)(eol - s) : strlen(s);
		for (size_t i = 0; names[i]; i++) {
			size_t k = strlen(names[i]);
			if (n > k && strncasecmp(s, names[i], k) == 0) {
				char line[CLASSIFY_ADDR_MAX + 200];
				bounce_copy(line, sizeof(line), s, n);
				if (alen && strcasestr(line, addr))
					return 1;
			}
		}
		s = eol ? eol + 1 : NULL;
	}
	return 0;
}

/* ---- the reading context ---------------------------------------------- */

struct rd {
	const struct parsed *p;
	const struct classify_opts *o;
	struct classified *c;
	const char *region, *end;	/* the report's prose, before the
					 * returned copy */
};

/* Does addr match one of our own address patterns ("x+{token}@d")? */
static int
our_pattern(const char *pattern, const char *addr)
{
	const char *ph = pattern ? strstr(pattern, "{token}") : NULL;
	if (!ph)
		return pattern && *pattern && strcasecmp(pattern, addr) == 0;
	size_t pre = (size_t)(ph - pattern), slen = strlen(ph + 7);
	size_t alen = strlen(addr);
	return alen > pre + slen && strncasecmp(addr, pattern, pre) == 0 &&
	       strcasecmp(addr + alen - slen, ph + 7) == 0;
}

/* Is the address ours, the report's addressee, the returned mail's
 * sender, or a daemon's? None of those is a failed recipient. */
static int
addr_skip(const struct rd *r, const char *a)
{
	const struct parsed *p = r->p;
	if (strcasestr(p->to, a) || strcasestr(p->delivered_to, a) ||
	    (p->from_addr[0] && strcasecmp(p->from_addr, a) == 0) ||
	    (p->return_path[0] && strcasecmp(p->return_path, a) == 0))
		return 1;
	if (r->o && (our_pattern(r->o->return_path, a) ||
		     our_pattern(r->o->reply_to, a) ||
		     our_pattern(r->o->from_address, a)))
		return 1;
	if (daemon_local(a))
		return 1;
	/* the returned copy's sender, unless it sent to itself (spam
	 * with a forged From comes back to the address it forged) */
	return (field_line_has(p->returned_headers, sender_fields, a) ||
		field_line_has(r->end, sender_fields, a)) &&
	       !field_line_has(p->returned_headers, rcpt_fields, a) &&
	       !field_line_has(r->end, rcpt_fields, a);
}

/* Add one failed recipient unless it is there; the first one also
 * fills the single fields. Returns 1 when added. */
static int
add_bounce(struct classified *c, const char *addr, const char *status,
	   enum classify_bclass cl)
{
	for (unsigned i = 0; i < c->nbounces; i++)
		if (strcmp(c->bounces[i].address, addr) == 0)
			return 0;
	if (c->nbounces >= CLASSIFY_BOUNCES_MAX)
		return 0;
	struct classify_bounce *b = &c->bounces[c->nbounces++];
	bounce_copy(b->address, sizeof(b->address), addr, strlen(addr));
	bounce_copy(b->status, sizeof(b->status), status, strlen(status));
	b->bclass = cl;
	if (c->nbounces == 1) {
		memcpy(c->bounce_recipient, b->address, sizeof(b->address));
		memcpy(c->bounce_status, b->status, sizeof(b->status));
		c->bclass = cl;
	}
	return 1;
}

/* ---- RFC 3464 message/delivery-status ---------------------------- */

struct dsn_rcpt {
	char final[CLASSIFY_ADDR_MAX];
	char original[CLASSIFY_ADDR_MAX];
	char action[16];
	char status[16];
	char diag[512];
};

#define DSN_MAX CLASSIFY_BOUNCES_MAX

struct dsn {
	struct dsn_rcpt g[DSN_MAX];	/* recipient groups, in order */
	size_t n;
	int delivered;			/* a group says delivered/relayed */
};

/* Store one unfolded field of a recipient group. */
static void
dsn_field(struct dsn_rcpt *r, const char *name, size_t nlen, const char *v,
	  size_t n)
{
	while (n && isspace((unsigned char)*v))
		v++, n--;
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (nlen == 15 && strncasecmp(name, "Final-Recipient", 15) == 0)
		bounce_addr(v, n, r->final, sizeof(r->final));
	else if (nlen == 18 && strncasecmp(name, "Original-Recipient", 18) == 0)
		bounce_addr(v, n, r->original, sizeof(r->original));
	else if (nlen == 6 && strncasecmp(name, "Action", 6) == 0) {
		bounce_copy(r->action, sizeof(r->action), v, n);
		lower_str(r->action);
		r->action[strcspn(r->action, " \t(;")] = '\0';
	} else if (nlen == 6 && strncasecmp(name, "Status", 6) == 0) {
		char st[16] = "";	/* copied whole below */
		find_status(v, v + n, st, sizeof(st));
		memcpy(r->status, st, sizeof(st));
	} else if (nlen == 15 && strncasecmp(name, "Diagnostic-Code", 15) == 0) {
		const char *semi = memchr(v, ';', n);
		if (semi && semi - v < 16) {
			n -= (size_t)(semi + 1 - v);
			v = semi + 1;
			while (n && isspace((unsigned char)*v))
				v++, n--;
		}
		bounce_copy(r->diag, sizeof(r->diag), v, n);
	}
}

static int
dsn_delivered(const struct dsn_rcpt *g)
{
	return strcmp(g->action, "delivered") == 0 ||
	       strcmp(g->action, "relayed") == 0 ||
	       strcmp(g->action, "expanded") == 0 ||
	       (!g->action[0] && g->status[0] == '2');
}

/* Close one recipient group: keep it when it names a recipient. */
static void
dsn_close(struct dsn *d, struct dsn_rcpt *cur)
{
	if (cur->final[0] || cur->original[0]) {
		if (dsn_delivered(cur))
			d->delivered = 1;
		else if (d->n < DSN_MAX)
			d->g[d->n++] = *cur;
	}
	memset(cur, 0, sizeof(*cur));
}

/* Read the recipient groups of a delivery-status body (or of text that
 * holds DSN fields). Returns the number of failed or delayed groups
 * that name a recipient. */
static size_t
dsn_parse(const char *ds, struct dsn *d)
{
	struct dsn_rcpt cur;
	const char *s = ds;

	memset(&cur, 0, sizeof(cur));
	for (;;) {
		const char *eol = strchr(s, '\n');
		const char *end = eol ? eol : s + strlen(s);
		if (is_space_str(s, (size_t)(end - s))) {
			dsn_close(d, &cur);
		} else if (!isspace((unsigned char)*s)) {
			const char *colon = memchr(s, ':', (size_t)(end - s));
			if (colon) {
				/* a second Final-Recipient without a blank
				 * line between starts another group */
				if (cur.final[0] && colon - s == 15 &&
				    strncasecmp(s, "Final-Recipient", 15) == 0)
					dsn_close(d, &cur);
				/* unfold continuation lines into one value */
				const char *vend = end;
				while (*vend == '\n' && (vend[1] == ' ' ||
							 vend[1] == '\t')) {
					const char *nx = strchr(vend + 1, '\n');
					vend = nx ? nx : vend + 1 + strlen(vend + 1);
				}
				char val[512];
				size_t k = 0;
				for (const char *q = colon + 1; q < vend &&
				     k + 1 < sizeof(val); q++)
					val[k++] = (*q == '\r' || *q == '\n' ||
						    *q == '\t') ? ' ' : *q;
				dsn_field(&cur, s, (size_t)(colon - s), val, k);
				end = vend;
			}
		}
		if (!*end)
			break;
		s = end + 1;
	}
	dsn_close(d, &cur);
	return d->n;
}

/* The groups of the delivery-status part or, when a report lost its
 * MIME boundaries (saved, forwarded or mangled, the whole report then
 * reads as text), of DSN fields in the text itself. */
static void
dsn_read(const struct parsed *p, struct dsn *d)
{
	memset(d, 0, sizeof(*d));
	if (p->delivery_status[0]) {
		dsn_parse(p->delivery_status, d);
		return;
	}
	dsn_parse(p->text, d);
	/* in text, only groups with an Action or Status are DSN fields */
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->g[i].action[0] || d->g[i].status[0])
			d->g[k++] = d->g[i];
	d->n = k;
}

/* Status of a group: its Status field, else a code in its diagnostic
 * (enhanced first, then the SMTP reply code as "c.0.0"). */
static void
group_status(struct dsn_rcpt *g)
{
	if (g->status[0] && strcmp(g->status + 1, ".0.0") != 0)
		return;
	char st[16];
	const char *end = g->diag + strlen(g->diag);
	if (find_status(g->diag, end, st, sizeof(st)) &&
	    (!g->status[0] || st[0] == g->status[0])) {
		memcpy(g->status, st, sizeof(st));
		return;
	}
	const char *code = find_reply_code(g->diag, end);
	if (!g->status[0] && code)
		snprintf(g->status, sizeof(g->status), "%c.0.0", *code);
}

/* Every failed group, then every delayed one, into c. 1 when one was
 * added. */
static int
dsn_apply(struct rd *r, struct dsn *d)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->n; i++) {
			struct dsn_rcpt *g = &d->g[i];
			int delayed = strcmp(g->action, "delayed") == 0 ||
				      (!g->action[0] && g->status[0] == '4');
			if (delayed != pass)
				continue;
			group_status(g);
			/* the address we sent to, not an alias's target */
			const char *a = g->original[0] ? g->original : g->final;
			char *region = xstrndup(r->region,
						(size_t)(r->end - r->region));
			const char *why = g->diag[0] ? g->diag : region;
			enum classify_bclass cl =
				delayed ? CLASSIFY_B_TEMPORARY
					: bounce_class_of(g->status, why);
			free(region);
			if (add_bounce(r->c, a, g->status, cl) &&
			    r->c->nbounces == 1)
				memcpy(r->c->bounce_diag, g->diag,
				       sizeof(r->c->bounce_diag));
		}
	return r->c->nbounces > 0;
}

/* ---- prose bounces ----------------------------------------------- */

/* Does the line at s (up to eol) start, after spaces, dashes and
 * asterisks, with one of the markers of a returned copy? */
static int
returned_marker_line(const char *s, const char *eol)
{
	while (s < eol && strchr(" \t-=*_>", *s))
		s++;
	for (size_t i = 0; returned_markers[i]; i++) {
		size_t k = strlen(returned_markers[i]);
		if ((size_t)(eol - s) >= k &&
		    strncasecmp(s, returned_markers[i], k) == 0)
			return 1;
	}
	return 0;
}

/* End of the diagnostic prose: the first line that starts the returned
 * original (a marker line or its header block). */
static const char *
prose_end(const char *text)
{
	static const char *const hdrs[] = { "Return-Path:", "Received: from",
					    "Message-ID:", NULL };
	for (const char *s = text; *s;) {
		const char *eol = strchr(s, '\n');
		if (!eol)
			eol = s + strlen(s);
		if (returned_marker_line(s, eol))
			return s;
		for (size_t i = 0; hdrs[i] && s > text; i++)
			if (strncasecmp(s, hdrs[i], strlen(hdrs[i])) == 0)
				return s;
		s = *eol ? eol + 1 : eol;
	}
	return text + strlen(text);
}

/* The address around the '@' at q in [s, end), normalised into out;
 * *b_r is set past it. 1 when it is one. */
static int
addr_at(const char *s, const char *end, const char *q, const char **a_r,
	const char **b_r, char *out, size_t size)
{
	/* bounded as RFC 5321 bounds a local part and a domain, so that a
	 * hostile run of "a@a@a@..." costs linear time */
	const char *a = q, *b = q + 1;
	while (a > s && q - a < 128 && addr_char((unsigned char)a[-1]))
		a--;
	while (b < end && b - q < 256 && addr_char((unsigned char)*b) &&
	       *b != '/')
		b++;
	while (b > q + 1 && b[-1] == '.')
		b--;
	*a_r = a;
	*b_r = b;
	if (a == q || b == q + 1 || !memchr(q, '.', (size_t)(b - q)))
		return 0;
	return bounce_addr(a, (size_t)(b - a), out, size);
}

/* Is [a, b) the first thing on its line, after white space, quotes,
 * '<', '*' or "mailto:", or alone on it after a display name ("Jan
 * Novak <a@b>", "Jan Novak (a@b)")? Reports list the failed addresses
 * so. */
static int
line_leading(const char *start, const char *end, const char *a,
	     const char *b)
{
	const char *s = a;
	if (s - start >= 7 && strncasecmp(s - 7, "mailto:", 7) == 0)
		s -= 7;
	int bracket = s > start && (s[-1] == '<' || s[-1] == '(');
	while (s > start && strchr(" \t\"'<*(", s[-1]))
		s--;
	if (s == start || s[-1] == '\n')
		return 1;
	const char *ls = s;
	while (ls > start && ls[-1] != '\n' && s - ls <= 64)
		ls--;
	if (!bracket || s - ls > 64)
		return 0;
	for (const char *q = ls; q < s; q++)
		if (!isalpha((unsigned char)*q) && (unsigned char)*q < 0x80 &&
		    !strchr(" .,'\"-", *q))
			return 0;
	while (b < end && strchr(">)\"' \t:", *b))
		b++;
	return b == end || *b == '\n' || *b == '\r';
}

/* Is the line around pos a header-like "To: ..." or "Sent: ..." line
 * (Exchange and GroupWise repeat the original's headers there)? */
static int
header_line(const char *start, const char *pos)
{
	const char *s = pos;
	while (s > start && s[-1] != '\n' && pos - s < 200)
		s--;
	if (s > start && s[-1] != '\n')
		return 0;	/* far into a long line: no header's */
	while (*s == ' ' || *s == '\t')
		s++;
	const char *w = s;
	while (isalpha((unsigned char)*w) || *w == '-')
		w++;
	return w > s && *w == ':' && w < pos;
}

struct hit {
	const char *at;			/* where it stands in the region */
	char addr[CLASSIFY_ADDR_MAX];
};

/* Addresses of the region into h (at most max): the line-leading ones
 * when there are any (every failed recipient of the report), else the
 * first one that is not on a header-like line. */
static size_t
prose_hits(const struct rd *r, struct hit *h, size_t max)
{
	size_t n = 0;
	for (int leading = 1; leading >= 0 && n == 0; leading--) {
		int seen = 0;	/* a report names a few: hostile text many */
		for (const char *q = r->region; q < r->end && n < max &&
		     seen < 256; q++) {
			const char *a, *b;
			if (*q != '@' || q == r->region)
				continue;
			int ok = addr_at(r->region, r->end, q, &a, &b,
					 h[n].addr, sizeof(h[n].addr));
			q = b > q ? b - 1 : q;
			seen += ok;
			if (!ok || addr_skip(r, h[n].addr))
				continue;
			if (leading ? !line_leading(r->region, r->end, a, b)
				    : header_line(r->region, a))
				continue;
			int dup = 0;
			for (size_t i = 0; i < n && !dup; i++)
				dup = strcmp(h[i].addr, h[n].addr) == 0;
			if (dup)
				continue;
			h[n++].at = a;
			if (!leading)
				return n;
		}
	}
	return n;
}

/* AOL-style reports list bare local parts under a line that ends in
 * ':' and speaks of the "following" recipients: those are addresses of
 * the reporting system's own domain (its From). */
static void
prose_bare_locals(const struct rd *r)
{
	const char *at = strrchr(r->p->from_addr, '@');
	int listing = 0;
	for (const char *s = r->region; at && s < r->end;) {
		const char *eol = memchr(s, '\n', (size_t)(r->end - s));
		if (!eol)
			eol = r->end;
		const char *a = s, *b = eol;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a && b[-1] == ':') {
			char *line = xstrndup(a, (size_t)(b - a));
			listing = strcasestr(line, "following") != NULL;
			free(line);
		} else if (listing && b > a) {
			const char *q = a;
			while (q < b && addr_char((unsigned char)*q))
				q++;
			char raw[CLASSIFY_ADDR_MAX], addr[CLASSIFY_ADDR_MAX];
			int n = snprintf(raw, sizeof(raw), "%.*s%s",
					 (int)(b - a), a, at);
			if (q == b && n > 0 && (size_t)n < sizeof(raw) &&
			    bounce_addr(raw, (size_t)n, addr, sizeof(addr)) &&
			    !addr_skip(r, addr))
				add_bounce(r->c, addr, r->c->bounce_status,
					   r->c->bclass);
			else
				listing = 0;
		}
		s = eol + 1;
	}
}

/* The line around pos, trimmed, as the diagnostic text. */
static void
line_around(const char *start, const char *pos, char *out, size_t size)
{
	const char *a = pos, *b = pos;
	while (a > start && a[-1] != '\n')
		a--;
	while (*b && *b != '\n')
		b++;
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	bounce_copy(out, size, a, (size_t)(b - a));
}

/* Status of [s, end): the enhanced code, else the SMTP reply code as
 * "c.0.0" (RFC 3463's "other or undefined" of that class); the line
 * it stands on into diag. 1 when found. */
static int
block_status(const char *s, const char *end, char *st, size_t stsize,
	     char *diag, size_t dsize)
{
	const char *at = find_status(s, end, st, stsize);
	const char *code = find_reply_code(s, end);
	if (at) {
		line_around(s, code && code < at && at - code < 8 ? code : at,
			    diag, dsize);
		return 1;
	}
	if (code) {
		snprintf(st, stsize, "%c.0.0", *code);
		line_around(s, code, diag, dsize);
		return 1;
	}
	st[0] = '\0';
	return 0;
}

/* The class of one block of prose: a delay notice is temporary whatever
 * code it quotes from the last attempt. */
static enum classify_bclass
prose_class(const char *status, const char *s, const char *end, int delay)
{
	char *text = xstrndup(s, (size_t)(end - s));
	enum classify_bclass cl = delay ? CLASSIFY_B_TEMPORARY
					: bounce_class_of(status, text);
	free(text);
	return cl;
}

/* A report that names nobody: the one recipient of the returned copy
 * (its To: line, when it holds a single address) is the failed one. */
static void
returned_to(struct rd *r, const char *status, enum classify_bclass cl)
{
	const char *texts[] = { r->p->returned_headers, r->end };
	for (size_t i = 0; i < 2; i++) {
		for (const char *s = texts[i]; s && *s;) {
			const char *eol = s + strcspn(s, "\r\n");
			const char *at = memchr(s, '@', (size_t)(eol - s));
			char a[CLASSIFY_ADDR_MAX];
			if (strncasecmp(s, "To:", 3) == 0 && at &&
			    !memchr(at + 1, '@', (size_t)(eol - at - 1)) &&
			    bounce_addr(s + 3, (size_t)(eol - s - 3), a,
					sizeof(a)) &&
			    !addr_skip(r, a)) {
				add_bounce(r->c, a, status, cl);
				return;
			}
			s = eol + strspn(eol, "\r\n");
		}
	}
}

static void
prose_read(struct rd *r)
{
	struct classified *c = r->c;
	const char *failed = parse_header(r->p, "X-Failed-Recipients");
	char st[16], diag[512];
	char *region = xstrndup(r->region, (size_t)(r->end - r->region));
	int delay = bounce_contains_any(region, delay_words) ||
		    bounce_contains_any(r->p->subject, delay_subjects);
	free(region);

	/* the region's own first code: for recipients whose block has none */
	block_status(r->region, r->end, st, sizeof(st), diag, sizeof(diag));
	enum classify_bclass whole = prose_class(st, r->region, r->end, delay);
	for (const char *s = failed; *s;) {
		size_t n = strcspn(s, ",");
		char a[CLASSIFY_ADDR_MAX];
		if (bounce_addr(s, n, a, sizeof(a)) && !addr_skip(r, a))
			add_bounce(c, a, st, whole);
		s += n;
		s += *s == ',';
	}
	struct hit *h = xcalloc(CLASSIFY_BOUNCES_MAX, sizeof(*h));
	size_t n = prose_hits(r, h, CLASSIFY_BOUNCES_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *bend = i + 1 < n ? h[i + 1].at : r->end;
		char bst[16], bdiag[512];
		int own = block_status(h[i].at, bend, bst, sizeof(bst), bdiag,
				       sizeof(bdiag));
		/* one recipient: the whole report speaks of it; several:
		 * each its own block, the report's code where it has none */
		enum classify_bclass cl =
			n == 1 && !own ? whole
				       : prose_class(own ? bst : st, h[i].at,
						     bend, delay);
		if (add_bounce(c, h[i].addr, own ? bst : st, cl) && own &&
		    c->nbounces == 1)
			memcpy(diag, bdiag, sizeof(diag));
	}
	free(h);
	if (c->nbounces == 0) {
		memcpy(c->bounce_status, st, sizeof(st));
		c->bclass = whole;
		prose_bare_locals(r);
	}
	if (c->nbounces == 0)
		returned_to(r, st, whole);
	memcpy(c->bounce_diag, diag, sizeof(c->bounce_diag));
}

/* ---- detection --------------------------------------------------- */

static int
daemon_sender(const struct parsed *p)
{
	const char *rp = parse_header(p, "Return-Path");
	if (strstr(rp, "<>") || strcasestr(rp, "mailer-daemon"))
		return 1;
	if (!p->from_addr[0] && strstr(parse_header(p, "From"), "<>"))
		return 1;
	if (strcasestr(p->from_name, "mail delivery"))
		return 1;
	return daemon_local(p->from_addr);
}

/* The administrative address of a list server (fml, Mailman, ezmlm,
 * Majordomo) refusing or returning a post: weak evidence like a daemon
 * sender, counted only when the mail carries list-server fields so that
 * a person whose name ends in "-admin" is not taken for one. */
static int
list_admin_sender(const struct parsed *p)
{
	static const char *const suffixes[] = { "-admin", "-owner",
						"-request", "-bounces", NULL };
	static const char *const fields[] = { "List-Id", "List-Subscribe",
					      "List-Post", "Mailing-List",
					      "X-MLServer", "X-Mailman-Version",
					      NULL };
	const char *at = strchr(p->from_addr, '@');
	size_t n = at ? (size_t)(at - p->from_addr) : 0;
	int admin = strncmp(p->from_addr, "owner-", 6) == 0;

	for (size_t i = 0; suffixes[i] && !admin && n; i++) {
		size_t k = strlen(suffixes[i]);
		admin = n > k && strncmp(at - k, suffixes[i], k) == 0;
	}
	for (size_t i = 0; fields[i] && admin; i++)
		if (parse_header(p, fields[i])[0])
			return 1;
	return 0;
}

/* A person's answer or forward ("Re:", "Fwd:", ...) is no report, even
 * when it quotes one. */
static int
person_subject(const char *subject)
{
	static const char *const pre[] = { "re:", "fw:", "fwd:", "aw:",
					   "wg:", "tr:", "sv:", "vs:", NULL };
	while (*subject == ' ')
		subject++;
	for (size_t i = 0; pre[i]; i++)
		if (strncasecmp(subject, pre[i], strlen(pre[i])) == 0)
			return 1;
	return 0;
}

static int
bounce_subject(const char *subject)
{
	return !person_subject(subject) &&
	       bounce_contains_any(subject, bounce_subjects);
}

/* A recognisable report text: an MTA's opener near the top. */
static int
ndr_body(const struct parsed *p)
{
	if (person_subject(p->subject))
		return 0;
	char *head = xstrndup(p->text, 2000);
	int hit = bounce_contains_any(head, ndr_openers);
	free(head);
	return hit;
}

static void
set_reason(struct classified *c, const char *how)
{
	char more[32] = "";
	if (c->nbounces > 1)
		snprintf(more, sizeof(more), " and %u more", c->nbounces - 1);
	snprintf(c->reason, sizeof(c->reason), "%s: %s %s%s%s%s", how,
		 classify_bclass_name(c->bclass),
		 c->bounce_status[0] ? c->bounce_status : "(no status)",
		 c->bounce_recipient[0] ? " for " : "",
		 c->bounce_recipient, more);
}

static int
is_report(const struct parsed *p, int dsn)
{
	if (dsn || ndr_body(p))
		return 1;
	int strong = bounce_subject(p->subject) ||
		     parse_header(p, "X-Failed-Recipients")[0];
	int weak = daemon_sender(p) || list_admin_sender(p);
	if (strong && weak)
		return 1;
	/* the whole text is read only when one more piece of evidence
	 * would decide: most mail is a person's and has neither */
	return (strong || weak) && bounce_contains_any(p->text, bounce_phrases);
}

enum bounce_result
bounce_detect(const struct parsed *p, const struct classify_opts *o,
	      struct classified *c)
{
	if (strcasestr(p->report_type, "feedback-report")) {
		snprintf(c->reason, sizeof(c->reason),
			 "feedback report (RFC 5965): a complaint");
		return BOUNCE_FEEDBACK;
	}
	int dsn = strcasestr(p->report_type, "delivery-status") != NULL ||
		  p->delivery_status[0];
	if (!is_report(p, dsn))
		return BOUNCE_NOT;

	struct rd r = { p, o, c, p->text, prose_end(p->text) };
	struct dsn *d = xmalloc(sizeof(*d));
	dsn_read(p, d);
	int from_dsn = dsn_apply(&r, d);
	int delivered = d->delivered;
	free(d);
	if (from_dsn) {
		set_reason(c, "delivery status notification");
		return BOUNCE_FAILED;
	}
	if (delivered) {
		snprintf(c->reason, sizeof(c->reason),
			 "delivery report: delivered");
		return BOUNCE_DELIVERED;
	}
	prose_read(&r);
	set_reason(c, dsn ? "delivery report without recipient fields"
			  : "bounce text");
	return BOUNCE_FAILED;
}
