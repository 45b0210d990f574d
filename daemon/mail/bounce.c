/*
 * bounce.c -- see bounce.h. Reads RFC 3464 delivery-status parts first;
 * for the many servers that send only prose (qmail, Exim, Exchange
 * 2003, Domino, ...) it finds the recipient and the SMTP / enhanced
 * status code in the text before the returned message, then applies
 * keyword rules for the class. Spec: RFC 3464, 3463, 6522, 5965.
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
	"error message below", "送信できませんでした", NULL,
};

/* Wording of a rejection for spam or policy, not for the address. */
static const char *const policy_words[] = {
	"spam", "blocked", "block list", "blocklist", "blacklist",
	"policy", "reputation", "rbl", "dnsbl", "spamhaus", "listed at",
	"listed in", "barracuda", "not accepted due to", NULL,
};

/* Wording of a temporary failure when no status code says so. */
static const char *const temporary_words[] = {
	"temporar", "try again later", "will retry", "will be retried",
	"still trying", "delayed", "deferred", "greylist", "graylist",
	"has not yet been delivered", "not yet been delivered",
	"delivery attempts will continue", "will continue to try", NULL,
};

/* Lines that start the returned original: the diagnostic ends there. */
static const char *const returned_markers[] = {
	"below this line is a copy", "this is a copy of the message",
	"original message follows", "----- original message",
	"-----original message", "returned message", "message headers follow",
	"transcript of session follows", NULL,
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

char *
bounce_casefold(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 1);	/* folding keeps UTF-8 lengths */
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p) {
		if (*p >= 0xC0 && *p < 0xE0 && (p[1] & 0xC0) == 0x80) {
			unsigned cp = fold_cp(((unsigned)(p[0] & 0x1F) << 6) |
					      (p[1] & 0x3F));
			out[o++] = (char)(0xC0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3F));
			p += 2;
		} else {
			out[o++] = *p < 0x80 ? (char)tolower(*p) : (char)*p;
			p++;
		}
	}
	out[o] = '\0';
	return out;
}

int
bounce_contains_any(const char *hay, const char *const *list)
{
	if (!hay || !*hay)
		return 0;
	char *f = bounce_casefold(hay);
	int hit = 0;
	for (size_t i = 0; list[i] && !hit; i++)
		hit = strstr(f, list[i]) != NULL;
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

enum classify_bclass
bounce_class_of(const char *status, const char *text)
{
	if (status && status[0] == '2')
		return CLASSIFY_B_NONE;
	if (status && status[0] == '4')
		return CLASSIFY_B_TEMPORARY;
	if (status && status[0] == '5') {
		/* 5.7.x is the security/policy class; elsewhere only spam
		 * wording marks a content rejection as not the address's. */
		if (strncmp(status, "5.7.", 4) == 0 &&
		    bounce_contains_any(text, policy_words))
			return CLASSIFY_B_POLICY;
		if (strcasestr(text ? text : "", "spam"))
			return CLASSIFY_B_POLICY;
		return CLASSIFY_B_PERMANENT;
	}
	if (bounce_contains_any(text, temporary_words))
		return CLASSIFY_B_TEMPORARY;
	if (bounce_contains_any(text, policy_words))
		return CLASSIFY_B_POLICY;
	return CLASSIFY_B_PERMANENT;
}

/* ---- RFC 3464 message/delivery-status ---------------------------- */

struct dsn_rcpt {
	char final[CLASSIFY_ADDR_MAX];
	char original[CLASSIFY_ADDR_MAX];
	char action[16];
	char status[16];
	char diag[512];
};

/* "rfc822; <a@b>" -> "a@b" lower-cased */
static void
dsn_address(const char *v, size_t n, char *out, size_t size)
{
	const char *semi = memchr(v, ';', n);
	if (semi) {
		n -= (size_t)(semi + 1 - v);
		v = semi + 1;
	}
	while (n && (isspace((unsigned char)*v) || *v == '<'))
		v++, n--;
	while (n && (isspace((unsigned char)v[n - 1]) || v[n - 1] == '>'))
		n--;
	bounce_copy(out, size, v, n);
	lower_str(out);
}

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
		dsn_address(v, n, r->final, sizeof(r->final));
	else if (nlen == 18 && strncasecmp(name, "Original-Recipient", 18) == 0)
		dsn_address(v, n, r->original, sizeof(r->original));
	else if (nlen == 6 && strncasecmp(name, "Action", 6) == 0) {
		bounce_copy(r->action, sizeof(r->action), v, n);
		lower_str(r->action);
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

/* Read the recipient groups of a delivery-status body and pick the one
 * to report: the first failed, else the first delayed, else the first.
 * Returns the number of recipient groups seen. */
static int
dsn_pick(const char *ds, struct dsn_rcpt *pick)
{
	struct dsn_rcpt cur;
	int n = 0, best = 0;	/* best: 3 failed, 2 delayed, 1 any */
	const char *s = ds;

	memset(&cur, 0, sizeof(cur));
	memset(pick, 0, sizeof(*pick));
	for (;;) {
		const char *eol = strchr(s, '\n');
		const char *end = eol ? eol : s + strlen(s);
		int blank = is_space_str(s, (size_t)(end - s));
		if (blank || !*s) {
			if (cur.final[0] || cur.original[0] || cur.action[0]) {
				int rank = strcmp(cur.action, "failed") == 0 ? 3
					 : strcmp(cur.action, "delayed") == 0 ? 2
					 : 1;
				n++;
				if (rank > best) {
					best = rank;
					*pick = cur;
				}
			}
			memset(&cur, 0, sizeof(cur));
		} else if (!isspace((unsigned char)*s)) {
			const char *colon = memchr(s, ':', (size_t)(end - s));
			if (colon) {
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
	if (cur.final[0] || cur.original[0] || cur.action[0]) {
		int rank = strcmp(cur.action, "failed") == 0 ? 3
			 : strcmp(cur.action, "delayed") == 0 ? 2 : 1;
		n++;
		if (rank > best)
			*pick = cur;
	}
	return n;
}

/* The recipient group to report, from the delivery-status part or, when
 * a report lost its MIME boundaries (saved, forwarded or mangled, the
 * whole report then reads as text), from DSN fields in the text itself.
 * 1 when a group names a recipient. */
static int
dsn_read(const struct parsed *p, struct dsn_rcpt *r)
{
	if (p->delivery_status[0])
		return dsn_pick(p->delivery_status, r) > 0 &&
		       (r->final[0] || r->original[0]);
	return dsn_pick(p->text, r) > 0 && (r->final[0] || r->original[0]) &&
	       (r->action[0] || r->status[0]);
}

/* ---- prose bounces ----------------------------------------------- */

/* End of the diagnostic prose: the start of the returned original. */
static const char *
prose_end(const char *text)
{
	const char *end = text + strlen(text);
	for (size_t i = 0; returned_markers[i]; i++) {
		const char *m = strcasestr(text, returned_markers[i]);
		/* the sendmail transcript still belongs to the diagnostic */
		if (m && m < end &&
		    strcmp(returned_markers[i], "transcript of session follows"))
			end = m;
	}
	/* a header block of the returned message */
	static const char *const hdrs[] = { "\nReturn-Path:", "\nReceived: from",
					    "\nMessage-ID:", NULL };
	for (size_t i = 0; hdrs[i]; i++) {
		const char *m = strcasestr(text, hdrs[i]);
		if (m && m < end)
			end = m;
	}
	return end;
}

static int
addr_char(int ch)
{
	return isalnum(ch) || strchr("._%+-=~!#$&'*/?^`{|}", ch) != NULL;
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

/* Is the address one of ours (the original sender) or a daemon? */
static int
addr_skip(const struct parsed *p, const char *a)
{
	if (strcasestr(p->to, a) || strcasestr(p->delivered_to, a) ||
	    (p->from_addr[0] && strcasecmp(p->from_addr, a) == 0) ||
	    (p->return_path[0] && strcasecmp(p->return_path, a) == 0))
		return 1;
	return daemon_local(a);
}

/* First address in [s, end) that is not ours and not a daemon's. */
static int
prose_recipient(const struct parsed *p, const char *s, const char *end,
		char *out, size_t size)
{
	for (const char *q = s; q < end; q++) {
		if (*q != '@' || q == s)
			continue;
		const char *a = q, *b = q + 1;
		while (a > s && addr_char((unsigned char)a[-1]))
			a--;
		while (b < end && (addr_char((unsigned char)*b)) && *b != '/')
			b++;
		while (b > q + 1 && b[-1] == '.')
			b--;
		if (a == q || b == q + 1 || !memchr(q, '.', (size_t)(b - q)))
			continue;
		char cand[CLASSIFY_ADDR_MAX];
		bounce_copy(cand, sizeof(cand), a, (size_t)(b - a));
		lower_str(cand);
		if (addr_skip(p, cand)) {
			q = b;
			continue;
		}
		bounce_copy(out, size, cand, strlen(cand));
		return 1;
	}
	return 0;
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

static void
prose_read(const struct parsed *p, struct classified *c, const char *text)
{
	const char *end = prose_end(text);
	const char *failed = parse_header(p, "X-Failed-Recipients");
	char st[16];

	if (!(failed[0] && prose_recipient(p, failed, failed + strlen(failed),
					    c->bounce_recipient,
					    sizeof(c->bounce_recipient))))
		prose_recipient(p, text, end, c->bounce_recipient,
				sizeof(c->bounce_recipient));

	const char *at = find_status(text, end, st, sizeof(st));
	const char *code = find_reply_code(text, end);
	if (at) {
		memcpy(c->bounce_status, st, sizeof(st));
		line_around(text, code && code < at && at - code < 8 ? code : at,
			    c->bounce_diag, sizeof(c->bounce_diag));
	} else if (code) {
		/* RFC 3463 "other or undefined" status of that class */
		snprintf(c->bounce_status, sizeof(c->bounce_status), "%c.0.0",
			 *code);
		line_around(text, code, c->bounce_diag,
			    sizeof(c->bounce_diag));
	}
	char *region = xstrndup(text, (size_t)(end - text));
	c->bclass = bounce_class_of(c->bounce_status, region);
	free(region);
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

static int
bounce_subject(const char *subject)
{
	if (strncasecmp(subject, "re:", 3) == 0)
		return 0;
	return bounce_contains_any(subject, bounce_subjects);
}

static void
set_reason(struct classified *c, const char *how)
{
	snprintf(c->reason, sizeof(c->reason), "%s: %s %s%s%s", how,
		 classify_bclass_name(c->bclass),
		 c->bounce_status[0] ? c->bounce_status : "(no status)",
		 c->bounce_recipient[0] ? " for " : "",
		 c->bounce_recipient);
}

enum bounce_result
bounce_detect(const struct parsed *p, struct classified *c)
{
	if (strcasestr(p->report_type, "feedback-report")) {
		snprintf(c->reason, sizeof(c->reason),
			 "feedback report (RFC 5965): a complaint");
		return BOUNCE_FEEDBACK;
	}
	int dsn = strcasestr(p->report_type, "delivery-status") != NULL ||
		  p->delivery_status[0];
	if (!dsn) {
		int strong = bounce_subject(p->subject) ||
			     parse_header(p, "X-Failed-Recipients")[0];
		int weak = daemon_sender(p) || list_admin_sender(p);
		int prose = bounce_contains_any(p->text, bounce_phrases);
		if (!(strong && (weak || prose)) && !(weak && prose))
			return BOUNCE_NOT;
	}

	struct dsn_rcpt r;
	if (dsn_read(p, &r)) {
		int delivered = strcmp(r.action, "delivered") == 0 ||
				strcmp(r.action, "relayed") == 0 ||
				strcmp(r.action, "expanded") == 0 ||
				(!r.action[0] && r.status[0] == '2');
		if (delivered) {
			snprintf(c->reason, sizeof(c->reason),
				 "delivery report: %s %s",
				 r.action[0] ? r.action : "delivered",
				 r.final[0] ? r.final : r.original);
			return BOUNCE_DELIVERED;
		}
		memcpy(c->bounce_recipient, r.final[0] ? r.final : r.original,
		       sizeof(c->bounce_recipient));
		memcpy(c->bounce_status, r.status, sizeof(c->bounce_status));
		memcpy(c->bounce_diag, r.diag, sizeof(c->bounce_diag));
		if (!c->bounce_status[0]) {
			char st[16];
			if (find_status(r.diag, r.diag + strlen(r.diag), st,
					sizeof(st)))
				memcpy(c->bounce_status, st, sizeof(st));
		}
		c->bclass = strcmp(r.action, "delayed") == 0
				    ? CLASSIFY_B_TEMPORARY
				    : bounce_class_of(c->bounce_status,
						      r.diag[0] ? r.diag : p->text);
		set_reason(c, "delivery status notification");
		return BOUNCE_FAILED;
	}
	prose_read(p, c, p->text);
	set_reason(c, dsn ? "delivery report without recipient fields"
			  : "bounce text");
	return BOUNCE_FAILED;
}
