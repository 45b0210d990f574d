/*
 * quote.c -- see quote.h. One pass over the lines; each line is new text,
 * quoted text, a quote header (attribution, "Original Message", a
 * From:/Sent: block) or signature. A header that is not followed by '>'
 * lines starts an unquoted original (Outlook style): everything after it
 * is quoted. Text between quote blocks is kept in order (interleaved and
 * bottom-posted replies). Header detection looks at no more than a few
 * lines of at most QUOTE_HDR_MAX bytes, so the pass stays linear even on
 * megabyte lines.
 */
#include "mail/quote.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xmem.h"

#define QUOTE_HDR_MAX 480	/* longer lines are never headers */
#define QUOTE_SPAN_MAX 5	/* an attribution wrapped over <= 5 lines */
#define QUOTE_FIELDS_AHEAD 7	/* From: block fields within 7 lines */

struct qline {
	const char *s;
	size_t len;
};

struct qtext {
	struct qline *v;
	size_t n;
};

/* "On", "Op", "Am", "Le", "Dne", "На", "W dniu", ...: attribution openers,
 * lower-case, each followed by a space. */
static const char *const quote_on_words[] = {
	"on ", "op ", "am ", "le ", "dne ", "на ", "w dniu ", "den ", "på ",
	"vào ", "el ", "il ", "em ", "в ", "dana ",
};

/* Verbs of an attribution line ("... wrote:"). */
static const char *const quote_wrote_words[] = {
	"wrote", " sent:", "schreef", "geschreven", "schrieb", "napsal",
	"написа", "написал", "écrit", "ecrit", "napisał", "skrev",
	"đã viết", "escribió", "scrisse", "scritto", "escreveu", "kirjoitti",
	"írta",
};

/* "-----Original Message-----" phrases (dashes stripped, lower-case). */
static const char *const quote_original_phrases[] = {
	"original message", "reply message", "ursprüngliche nachricht",
	"antwort nachricht", "oprindelig meddelelse", "původní zpráva",
	"oorspronkelijk bericht", "oorspronkelijke bericht",
	"исходное сообщение", "оригинално съобщение", "първоначално съобщение",
	"message d'origine", "originalmeddelelse", "opprinnelig melding",
	"ursprungligt meddelande", "mensaje original", "messaggio originale",
};

/* First field of an Outlook header block. */
static const char *const quote_from_fields[] = {
	"from:", "von:", "van:", "od:", "от:", "de:", "fra:", "från:",
	"date:", "datum:", "sent:",
};

/* Other fields of the block (sent, to, cc, subject) in en/de/nl/cs/bg/fr
 * /da/sv. */
static const char *const quote_more_fields[] = {
	"sent:", "date:", "to:", "cc:", "subject:", "gesendet:", "datum:",
	"an:", "betreff:", "verzonden:", "aan:", "onderwerp:", "odesláno:",
	"komu:", "předmět:", "kopie:", "изпратено:", "до:", "относно:",
	"тема:", "дата:", "кому:", "отправлено:", "копие:", "envoyé:", "à:",
	"objet:", "sendt:", "til:", "emne:", "skickat:", "till:", "ämne:",
	"from:", "von:", "van:", "od:", "от:", "de:",
};

/* Lines just above a From: block that make it a forward, kept as text. */
static const char *const quote_forward_phrases[] = {
	"forwarded message", "weitergeleitete nachricht", "doorgestuurd bericht",
	"přeposlaná zpráva", "препратено съобщение", "пересылаемое сообщение",
	"message transféré", "begin forwarded message",
};

/* Mobile and client signature lines; the rest of the line must be short. */
static const char *const quote_sig_prefixes[] = {
	"sent from ", "sent with ", "sent via ", "get outlook for ",
	"изпратено от ", "odesláno z ", "odesláno ze ", "verzonden vanaf ",
	"verzonden met ", "verstuurd vanaf ", "von meinem ", "gesendet von ",
	"envoyé de mon ", "отправлено с ", "отправлено из ", "enviado desde ",
};

#define NELEM(a) (sizeof(a) / sizeof(*(a)))

static int
starts_with_any(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(s, v[i], strlen(v[i])) == 0)
			return 1;
	return 0;
}

static int
contains_any(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(s, v[i]) != NULL)
			return 1;
	return 0;
}

static int
is_blank(const struct qline *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!isspace((unsigned char)l->s[i]))
			return 0;
	return 1;
}

/* Bytes to skip to remove one level of '>' (leading blanks, '>', one
 * space); 0 if the line is not quoted. A ">>> banner <<<" is not a quote. */
static size_t
quote_prefix(const struct qline *l)
{
	size_t i = 0;

	while (i < l->len && i < 4 && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	if (i >= l->len || l->s[i] != '>')
		return 0;
	size_t e = l->len;
	while (e > 0 && isspace((unsigned char)l->s[e - 1]))
		e--;
	if (e > i + 1 && l->s[e - 1] == '<')
		return 0;
	i++;
	if (i < l->len && l->s[i] == ' ')
		i++;
	return i;
}

/* Copy of a line for matching: bold '*' removed, leading blanks and
 * dashes removed, trailing blanks and dashes removed, ASCII lower-cased,
 * " :" folded to ":" (French). "" if the line is too long to be a header. */
static void
norm_line(const struct qline *l, char *out, size_t outsz)
{
	size_t o = 0, i = 0, len = l->len;

	out[0] = '\0';
	if (len > QUOTE_HDR_MAX || outsz < QUOTE_HDR_MAX + 1)
		return;
	while (i < len && (isspace((unsigned char)l->s[i]) || l->s[i] == '-' ||
	    l->s[i] == '*'))
		i++;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)l->s[i];
		if (c == '*')
			continue;
		if (c == ':' && o > 0 && out[o - 1] == ' ')
			o--;
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)l->s[i + 1] == 0xa0) {
			c = ' ';	/* no-break space */
			i++;
		}
		if (c == 0xd0 && i + 1 < len && o + 2 < outsz) {
			/* Cyrillic А-Я to а-я: "От:", "На ..." */
			unsigned char d = (unsigned char)l->s[i + 1];
			if (d >= 0x90 && d <= 0x9f)
				d += 0x20;
			else if (d >= 0xa0 && d <= 0xaf) {
				c = 0xd1;
				d -= 0x20;
			}
			out[o++] = (char)c;
			out[o++] = (char)d;
			i++;
			continue;
		}
		out[o++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	while (o > 0 && (isspace((unsigned char)out[o - 1]) || out[o - 1] == '-'))
		o--;
	out[o] = '\0';
}

static int
has_digit_or_at(const char *s)
{
	for (; *s; s++)
		if (isdigit((unsigned char)*s) || *s == '@')
			return 1;
	return 0;
}

static size_t
next_nonblank(const struct qtext *t, size_t i)
{
	while (i < t->n && is_blank(&t->v[i]))
		i++;
	return i;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Is the joined text an attribution ("On <date>, <who> wrote:")? */
static int
attribution_text(const char *j, int dashed)
{
	int opener = starts_with_any(j, quote_on_words, NELEM(quote_on_words));

	if (!contains_any(j, quote_wrote_words, NELEM(quote_wrote_words)))
		return 0;
	if (!ends_with(j, ":") && !ends_with(j, "wrote") && !ends_with(j, "sent"))
		return 0;
	return opener || dashed || has_digit_or_at(j);
}

/* A Gmail-old / Yandex / mail.ru attribution "<date> <who> <addr>:" is
 * only taken as one when a '>' block follows. */
static int
date_addr_text(const char *j)
{
	return strchr(j, '@') && has_digit_or_at(j) && strlen(j) < 300 &&
	       (ends_with(j, ":") || ends_with(j, ">"));
}

/* Lines spanned by an attribution starting at line i (0 if none);
 * *block_r is set when a '>' block follows it. */
static size_t
attribution_at(const struct qtext *t, size_t i, int *block_r)
{
	char one[QUOTE_HDR_MAX + 1];
	struct buf j;
	size_t span = 0;

	norm_line(&t->v[i], one, sizeof(one));
	if (one[0] == '\0')
		return 0;
	int dashed = t->v[i].len > 2 && strncmp(t->v[i].s + (t->v[i].s[0] == ' '),
						"--", 2) == 0;
	if (!starts_with_any(one, quote_on_words, NELEM(quote_on_words)) &&
	    !has_digit_or_at(one) && !dashed &&
	    !contains_any(one, quote_wrote_words, NELEM(quote_wrote_words)))
		return 0;
	int opener = starts_with_any(one, quote_on_words,
				     NELEM(quote_on_words));
	buf_init(&j, 0);
	for (size_t k = 0; k < QUOTE_SPAN_MAX && i + k < t->n; k++) {
		char part[QUOTE_HDR_MAX + 1];
		const struct qline *l = &t->v[i + k];
		size_t skip = k > 0 ? quote_prefix(l) : 0;
		struct qline rest = { l->s + skip, l->len - skip };
		norm_line(&rest, part, sizeof(part));
		/* Only an attribution that opens like one ("On <date>",
		 * Polymail wraps it around blank lines) continues past a
		 * blank line; otherwise new text with a digit ("A1:
		 * Ostrava") would be swallowed into the "On ... wrote:"
		 * paragraph below it. */
		if (part[0] == '\0' && (!is_blank(l) || !opener))
			break;
		/* Nor does a line that does not open like one run into an
		 * "On ... wrote:" below it: the attribution starts there. */
		if (k > 0 && !opener && !dashed &&
		    starts_with_any(part, quote_on_words,
				    NELEM(quote_on_words)) &&
		    attribution_text(part, 0))
			break;
		if (part[0] != '\0') {
			if (j.len)
				buf_addc(&j, ' ');
			buf_adds(&j, part);
		}
		if (j.len > 2 * QUOTE_HDR_MAX)
			break;
		const char *js = buf_cstr(&j);
		size_t after = next_nonblank(t, i + k + 1);
		int block = after < t->n && quote_prefix(&t->v[after]) > 0;
		if (attribution_text(js, dashed) ||
		    (k < 2 && block && date_addr_text(js))) {
			span = k + 1;
			*block_r = block;
			break;
		}
		/* Only a line that is clearly not finished continues. */
		if (k == 0 && ends_with(js, ":") && !block)
			break;
	}
	buf_free(&j);
	return span;
}

static int
original_message_at(const struct qtext *t, size_t i)
{
	char n[QUOTE_HDR_MAX + 1];
	const struct qline *l = &t->v[i];
	size_t k = 0;

	while (k < l->len && l->s[k] == ' ')
		k++;
	if (l->len - k < 3 || (strncmp(l->s + k, "---", 3) != 0 &&
	    strncmp(l->s + k, "___", 3) != 0))
		return 0;
	norm_line(l, n, sizeof(n));
	while (n[0] == '_')
		memmove(n, n + 1, strlen(n));
	while (ends_with(n, "_"))
		n[strlen(n) - 1] = '\0';
	for (size_t p = 0; p < NELEM(quote_original_phrases); p++)
		if (strcmp(n, quote_original_phrases[p]) == 0)
			return 1;
	return 0;
}

static int
field_label(const char *n, const char *const *v, size_t nv)
{
	for (size_t i = 0; i < nv; i++)
		if (strncmp(n, v[i], strlen(v[i])) == 0)
			return (int)i;
	return -1;
}

static int
forward_above(const struct qtext *t, size_t i)
{
	for (size_t k = 1; k <= 3 && k <= i; k++) {
		char n[QUOTE_HDR_MAX + 1];
		norm_line(&t->v[i - k], n, sizeof(n));
		if (contains_any(n, quote_forward_phrases,
		    NELEM(quote_forward_phrases)))
			return 1;
	}
	return 0;
}

/* "From: ... / Sent: ... / To: ... / Subject: ..." (localized), the
 * unquoted original of Outlook and many webmails. */
static int
from_block_at(const struct qtext *t, size_t i)
{
	char n[QUOTE_HDR_MAX + 1];
	int first, others = 0;
	const char *seen = NULL;

	norm_line(&t->v[i], n, sizeof(n));
	first = field_label(n, quote_from_fields, NELEM(quote_from_fields));
	if (first < 0)
		return 0;
	seen = quote_from_fields[first];
	for (size_t k = 1; k <= QUOTE_FIELDS_AHEAD && i + k < t->n; k++) {
		norm_line(&t->v[i + k], n, sizeof(n));
		int f = field_label(n, quote_more_fields, NELEM(quote_more_fields));
		if (f >= 0 && strcmp(quote_more_fields[f], seen) != 0)
			others++;
	}
	return others >= 1 && !forward_above(t, i);
}

static int
is_divider(const struct qline *l)
{
	size_t marks = 0;

	for (size_t i = 0; i < l->len; i++) {
		char c = l->s[i];
		if (c == '-' || c == '_' || c == '=')
			marks++;
		else if (!isspace((unsigned char)c) && c != '*')
			return 0;
	}
	return marks >= 5;
}

static size_t
count_words(const char *s)
{
	size_t n = 0;
	int in = 0;

	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* Where a signature starts: "-- ", a mailing-list footer rule, "-Name"
 * after a blank line, or a short "Sent from my ..." line. */
static int
signature_at(const struct qtext *t, size_t i)
{
	const struct qline *l = &t->v[i];
	char n[QUOTE_HDR_MAX + 1];

	/* "-- " (RFC 3676), and the "--" / "---" people type instead */
	if ((l->len == 2 || l->len == 3) && strncmp(l->s, "--", 2) == 0 &&
	    (l->len == 2 || l->s[2] == ' ' || l->s[2] == '-'))
		return 1;
	if (l->len >= 2 && strncmp(l->s, "__", 2) == 0 && is_divider(l))
		return 1;
	norm_line(l, n, sizeof(n));
	if (n[0] == '\0')
		return 0;
	if (l->len > 1 && l->s[0] == '-' && isalpha((unsigned char)l->s[1]) &&
	    count_words(n) <= 3 && i > 0 && is_blank(&t->v[i - 1]))
		return 1;
	for (size_t p = 0; p < NELEM(quote_sig_prefixes); p++) {
		size_t pl = strlen(quote_sig_prefixes[p]);
		if (strncmp(n, quote_sig_prefixes[p], pl) == 0)
			return count_words(n + pl) <= 5 && !strchr(n, ',') &&
			       !ends_with(n, ".");
	}
	return 0;
}

/* "reply On <date>, <who> wrote:" with a '>' block below: the length of
 * the new text before the attribution, or 0. */
static size_t
shared_line_split(const struct qtext *t, size_t i)
{
	const struct qline *l = &t->v[i];
	char n[QUOTE_HDR_MAX + 1];

	if (l->len > QUOTE_HDR_MAX || i + 1 >= t->n ||
	    quote_prefix(&t->v[i + 1]) == 0)
		return 0;
	norm_line(l, n, sizeof(n));
	if (!ends_with(n, "wrote:"))
		return 0;
	for (size_t p = 1; p + 3 < l->len; p++) {
		if (strncmp(l->s + p, "On ", 3) == 0 &&
		    (l->s[p - 1] == ' ' || l->s[p - 1] == '-')) {
			struct qline rest = { l->s + p, l->len - p };
			char r[QUOTE_HDR_MAX + 1];
			norm_line(&rest, r, sizeof(r));
			size_t e = p;
			while (e > 0 && (l->s[e - 1] == ' ' || l->s[e - 1] == '-'))
				e--;
			if (e > 0 && attribution_text(r, 0))
				return e;	/* the text before it is new */
		}
	}
	return 0;
}

static void
split_lines(char *s, struct qtext *t)
{
	size_t cap = 64;

	t->v = xreallocarray(NULL, cap, sizeof(*t->v));
	t->n = 0;
	for (char *p = s;;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (t->n == cap) {
			cap *= 2;
			t->v = xreallocarray(t->v, cap, sizeof(*t->v));
		}
		t->v[t->n].s = p;
		t->v[t->n].len = len;
		t->n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* CRLF and lone CR become LF. */
static char *
normalize_newlines(const char *text)
{
	size_t n = strlen(text);
	char *s = xmalloc(n + 1), *o = s;

	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\r') {
			*o++ = '\n';
			if (text[i + 1] == '\n')
				i++;
		} else
			*o++ = text[i];
	}
	*o = '\0';
	return s;
}

static void
add_line(struct buf *b, const char *s, size_t len)
{
	buf_add(b, s, len);
	buf_addc(b, '\n');
}

/* Drop trailing divider and blank lines already emitted as new text: they
 * belong to the header that follows. */
static void
drop_trailing_dividers(struct buf *b)
{
	if (b->data == NULL)
		return;	/* nothing emitted yet (NULL + 0 is undefined) */
	for (;;) {
		while (b->len && (b->data[b->len - 1] == '\n' ||
		       b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t'))
			b->len--;
		size_t st = b->len;
		while (st > 0 && b->data[st - 1] != '\n')
			st--;
		struct qline l = { b->data + st, b->len - st };
		if (b->len == 0 || !is_divider(&l))
			break;
		b->len = st;
	}
	b->data[b->len] = '\0';
}

static char *
trimmed(struct buf *b)
{
	const char *s = buf_cstr(b);
	size_t st = 0, e = b->len;

	while (st < e && isspace((unsigned char)s[st]))
		st++;
	/* Keep the indentation of the first line: only blank lines go. */
	while (st > 0 && s[st - 1] != '\n')
		st--;
	while (e > st && isspace((unsigned char)s[e - 1]))
		e--;
	return xstrndup(s + st, e - st);
}

struct qstate {
	struct buf out;		/* new text */
	struct buf quoted;
	int after_quote;	/* skip blank lines after a quote block */
	int in_sig;		/* drop lines until the next quote block */
};

static void
emit_quoted(struct qstate *st, const struct qline *l)
{
	size_t skip = quote_prefix(l);
	add_line(&st->quoted, l->s + skip, l->len - skip);
}

/* The unquoted original runs to the end: all of it is quoted text. */
static void
quote_rest(struct qstate *st, const struct qtext *t, size_t from)
{
	drop_trailing_dividers(&st->out);
	for (size_t k = from; k < t->n; k++)
		emit_quoted(st, &t->v[k]);
}

static int
continues_quote(const struct qtext *t, size_t i)
{
	return i > 0 && i + 1 < t->n && !is_blank(&t->v[i]) &&
	       quote_prefix(&t->v[i - 1]) && quote_prefix(&t->v[i + 1]);
}

void
quote_split(const char *text, char **new_r, char **quoted_r)
{
	char *s = normalize_newlines(text ? text : "");
	struct qtext t;
	struct qstate st = { .after_quote = 0 };

	split_lines(s, &t);
	buf_init(&st.out, 0);
	buf_init(&st.quoted, 0);
	for (size_t i = 0; i < t.n; i++) {
		const struct qline *l = &t.v[i];
		int block = 0;
		size_t span, cut;

		if (quote_prefix(l) || continues_quote(&t, i)) {
			emit_quoted(&st, l);
			st.after_quote = 1;
			st.in_sig = 0;
			continue;
		}
		if (original_message_at(&t, i) || from_block_at(&t, i)) {
			quote_rest(&st, &t, i);
			break;
		}
		if ((cut = shared_line_split(&t, i)) > 0) {
			add_line(&st.out, l->s, cut);
			st.after_quote = 1;
			continue;
		}
		if ((span = attribution_at(&t, i, &block)) > 0) {
			if (!block) {
				quote_rest(&st, &t, i + span);
				break;
			}
			i += span - 1;
			st.after_quote = 1;	/* blank lines up to the '>' */
			continue;
		}
		if (is_blank(l) && st.after_quote)
			continue;
		st.after_quote = 0;
		if (!st.in_sig && signature_at(&t, i))
			st.in_sig = 1;
		if (!st.in_sig)
			add_line(&st.out, l->s, l->len);
	}
	*new_r = trimmed(&st.out);
	*quoted_r = trimmed(&st.quoted);
	buf_free(&st.out);
	buf_free(&st.quoted);
	free(t.v);
	free(s);
}
