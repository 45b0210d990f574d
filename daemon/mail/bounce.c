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
 * The DSN reader is bounce_dsn.c, the prose reader bounce_prose.c.
 */
#include "mail/bounce_private.h"

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

void
bounce_lower_str(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

int
bounce_is_space_str(const char *s, size_t n)
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
const char *
bounce_find_status(const char *s, const char *end, char *out, size_t size)
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
const char *
bounce_find_reply_code(const char *s, const char *end)
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

int
bounce_addr_char(int ch)
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
	bounce_lower_str(out);
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
int
bounce_addr_skip(const struct bounce_rd *r, const char *a)
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
int
bounce_add(struct classified *c, const char *addr, const char *status,
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

	struct bounce_rd r = { p, o, c, p->text, bounce_prose_end(p->text) };
	struct dsn *d = xmalloc(sizeof(*d));
	bounce_dsn_read(p, d);
	int from_dsn = bounce_dsn_apply(&r, d);
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
	bounce_prose_read(&r);
	set_reason(c, dsn ? "delivery report without recipient fields"
			  : "bounce text");
	return BOUNCE_FAILED;
}
