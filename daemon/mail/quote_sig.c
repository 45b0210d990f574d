/*
 * quote_sig.c -- where a signature starts in a reply (see
 * quote_private.h): "-- ", footer rules, "-Name", "Sent from my ..."
 * lines, closings with the name below them, and the external-mail banner
 * a server puts above the text. Every test looks at a bounded number of
 * lines.
 */
#include <ctype.h>
#include <string.h>

#include "mail/quote_lang.h"
#include "mail/quote_private.h"

#define QUOTE_SIG_TAIL 6	/* lines a closing may be followed by */

/* "__" (a mailing list footer), "* * *", "**. . . . .**": a rule that
 * starts a footer. */
static int
footer_rule(const struct qline *l)
{
	size_t under = 0, star = 0, dot = 0;

	for (size_t i = 0; i < l->len; i++) {
		char c = l->s[i];
		if (c == '_')
			under++;
		else if (c == '*')
			star++;
		else if (c == '.')
			dot++;
		else if (!isspace((unsigned char)c))
			return 0;
	}
	return (under >= 2 && star + dot == 0) || (star >= 3 && dot == 0) ||
	       dot >= 5;
}

/* An address, a link or a phone number (six digits or more). */
static int
contact_line(const struct qline *l)
{
	size_t digits = 0;

	for (size_t i = 0; i < l->len; i++) {
		char c = l->s[i];
		if (c == '@' || (c == '/' && i + 1 < l->len && l->s[i + 1] == '/') ||
		    (c == 'w' && i + 3 < l->len && strncmp(l->s + i, "www.", 4) == 0))
			return 1;
		digits += isdigit((unsigned char)c) != 0;
	}
	return digits >= 6;
}

/* "A1: yes", "1. yes", "2) no": a numbered line, which a signature
 * never has (and answers often do). */
static int
numbered_line(const struct qline *l)
{
	size_t i = 0;

	while (i < l->len && i < 4 && l->s[i] == ' ')
		i++;
	if (i < l->len && isalpha((unsigned char)l->s[i]))
		i++;
	size_t d = i;
	while (i < l->len && isdigit((unsigned char)l->s[i]))
		i++;
	return i > d && i < l->len && strchr(":.)-", l->s[i]);
}

/* Can what follows line i be a signature: at most max lines of at most
 * width bytes, none numbered, before the next quote, header or the end?
 * With contact set, one of them must name an address, a link or a phone
 * number, and a rule right above a header is no footer. */
static int
short_tail(const struct qtext *t, size_t i, size_t max, size_t width,
	   int contact)
{
	size_t lines = 0;
	int found = 0;

	for (size_t k = i + 1; k < t->n; k++) {
		const struct qline *l = &t->v[k];
		if (quote_blank(l))
			continue;
		/* every header has a ':', an address or a rule in its first
		 * line: only those lines pay for the detectors */
		if ((memchr(l->s, ':', l->len) || memchr(l->s, '@', l->len) ||
		    strchr("-_=>|", l->s[0])) && quote_header_at(t, k))
			return !contact || (lines > 0 && found);
		if (++lines > max || l->len > width || numbered_line(l))
			return 0;
		found |= contact_line(l);
	}
	return !contact || found;
}

/* "Sent from my iPhone", "Von meinem iPhone gesendet", "Az iPhone-omról
 * küldve": a short line naming a device or app and a verb of sending. */
static int
sent_from_line(const char *n)
{
	size_t nv;
	const char *const *v = quote_words(QW_SENT, &nv);

	for (size_t p = 0; p < nv; p++) {
		size_t pl = strlen(v[p]);
		if (quote_first_byte_may(n, v[p]) && strncmp(n, v[p], pl) == 0)
			return quote_count_words(n + pl) <= 5 && !strchr(n, ',') &&
			       !quote_ends_with(n, ".");
	}
	if (quote_count_words(n) > 6 || quote_ends_with(n, "?") || !quote_contains_any(n, QW_DEVICE))
		return 0;
	/* "Get Outlook for iOS", "Obter o Outlook para Android" */
	return quote_contains_any(n, QW_SEND_VERB) || (strstr(n, "outlook") &&
	       (strstr(n, "ios") || strstr(n, "android")));
}

/* "Kind regards,", "S pozdravem", "Поздрави!" alone on its line. */
static int
closing_line(const char *n)
{
	char c[QUOTE_HDR_MAX + 1];
	size_t len = strlen(n);

	if (len > 40 || quote_count_words(n) > 5)
		return 0;
	memcpy(c, n, len + 1);
	while (len > 0 && strchr(",.!: ", c[len - 1]))
		c[--len] = '\0';
	return quote_equals_any(c, QW_CLOSING);
}

/* "CAUTION: This message is from an EXTERNAL SENDER ...": a banner the
 * recipient's mail server put above the text. */
static int
banner_at(const struct qtext *t, size_t i, int has_text)
{
	if (has_text)
		return 0;
	const char *n = quote_norm_at(t, i);
	return (strstr(n, "extern") || strstr(n, "outside")) &&
	       (strstr(n, "caution") || strstr(n, "warning") ||
	       strstr(n, "links") || strstr(n, "attachments") ||
	       strstr(n, "vorsicht"));
}

/* Where a signature starts: "-- ", a footer rule, "-Name" or "/Name"
 * after a blank line, a "Sent from my ..." line, or a closing followed by
 * no more than a name and a few short lines. has_text: new text came
 * before (a closing is never all of a reply). -1: only this line is
 * signature (a "Sent from" line above the text). */
int
quote_signature_at(const struct qtext *t, size_t i, int has_text)
{
	const struct qline *l = &t->v[i];
	const char *n;

	/* "-- " (RFC 3676), and the "--" / "---" people type instead */
	if ((l->len == 2 || l->len == 3) && strncmp(l->s, "--", 2) == 0 &&
	    (l->len == 2 || l->s[2] == ' ' || l->s[2] == '-'))
		return 1;
	if (footer_rule(l) && !quote_blank(l))
		return has_text && short_tail(t, i, 12, 200, 1);
	n = quote_norm_at(t, i);
	if (n[0] == '\0')
		return 0;
	if (l->len > 1 && (l->s[0] == '-' || l->s[0] == '/') &&
	    isalpha((unsigned char)l->s[1]) && quote_count_words(n) <= 3 && i > 0 &&
	    quote_blank(&t->v[i - 1]))
		return 1;
	if (sent_from_line(n))
		return has_text ? 1 : -1;
	if (banner_at(t, i, has_text))
		return -1;
	return has_text && closing_line(n) &&
	       short_tail(t, i, QUOTE_SIG_TAIL, 80, 0);
}

/* "P.S." after a signature: the respondent writes again. */
int
quote_postscript_at(const struct qline *l)
{
	return l->len >= 3 && (strncmp(l->s, "P.S", 3) == 0 ||
	       strncmp(l->s, "PS:", 3) == 0 || strncmp(l->s, "PS ", 3) == 0 ||
	       strncmp(l->s, "p.s", 3) == 0);
}
