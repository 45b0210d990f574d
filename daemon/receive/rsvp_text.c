/*
 * rsvp_text.c -- written answers to an invitation, and mailto: answers.
 * Contract in rsvp_text.h.
 *
 * The text is folded to tokens: ASCII and Cyrillic lower-cased, Latin
 * letters with diacritics reduced to their base letter (people type
 * "prijedu" as often as "přijedu"), the clause marks , . ! ? ; : kept as
 * a "|" token, everything else a space. Phrases are token sequences.
 */
#include "receive/rsvp_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/xmem.h"

#define RSVP_SCAN 600	/* bytes of the answer read: the decision is at
			 * the top; details (diet, arrival) follow */
#define RSVP_TOKENS 160
#define NEG_BEFORE 5	/* a negator this many tokens before a yes */
#define NEG_AFTER 2	/* "ik kom niet": Dutch puts it after */

/* ---- folding ------------------------------------------------------------ */

/* U+00C0..U+017F to a lower-case ASCII base letter, '?' when none. */
static const char latin_base[] =
	"aaaaaa?ceeeeiiii?nooooo??uuuuy??aaaaaa?ceeeeiiii?nooooo??uuuuy?y"
	"aaaaaaccccccccdd??eeeeeeeeeegggggggghh??iiiiiiiii???jjkk?llllll?"
	"???nnnnnn???oooooo??rrrrrrsssssssstttt??uuuuuuuuuuuuwwyyyzzzzzz?";

/* One UTF-8 sequence at s: its code point, *len its length (1 for a
 * broken byte, which then stands for itself). */
static unsigned
utf8_next(const unsigned char *s, size_t *len)
{
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
		*len = 2;
		return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
	}
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 &&
	    (s[2] & 0xC0) == 0x80) {
		*len = 3;
		return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) |
		       (s[2] & 0x3Fu);
	}
	*len = 1;
	return 0xFFFD;
}

static void
put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x800) {
		buf_addc(b, (char)(0xC0 | (cp >> 6)));
		buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		buf_addc(b, (char)(0xE0 | (cp >> 12)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

/* One code point folded into b (see the top of the file). */
static void
fold_cp(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
			buf_addc(b, (char)cp);
		else if (cp >= 'A' && cp <= 'Z')
			buf_addc(b, (char)(cp + 32));
		else if (strchr(",.!?;:", (int)cp) && cp)
			buf_adds(b, " | ");
		else
			buf_addc(b, ' ');
	} else if (cp >= 0xC0 && cp < 0x180 && latin_base[cp - 0xC0] != '?') {
		buf_addc(b, latin_base[cp - 0xC0]);
	} else if (cp >= 0x410 && cp <= 0x42F) {
		put_utf8(b, cp + 0x20);
	} else if (cp >= 0x400 && cp <= 0x40F) {
		put_utf8(b, cp + 0x50);
	} else if ((cp >= 0x430 && cp <= 0x45F) ||
		   (cp >= 0x800 && cp != 0xFFFD)) {
		put_utf8(b, cp);	/* Cyrillic lower case, other scripts */
	} else {
		buf_addc(b, ' ');	/* quotes, dashes, symbols */
	}
}

struct toks {
	char *text;			/* folded, tokens NUL-separated */
	const char *t[RSVP_TOKENS];
	int n;
};

static void
toks_make(struct toks *k, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	char *save = NULL;

	buf_init(&b, RSVP_SCAN * 8);
	while (*p && (const char *)p - s < RSVP_SCAN) {
		size_t len;
		unsigned cp = utf8_next(p, &len);

		fold_cp(&b, cp);
		p += len;
	}
	buf_cstr(&b);
	k->text = buf_steal(&b);
	k->n = 0;
	for (char *w = strtok_r(k->text, " ", &save);
	     w && k->n < RSVP_TOKENS; w = strtok_r(NULL, " ", &save))
		k->t[k->n++] = w;
}

/* ---- phrases ------------------------------------------------------------ */

/* Folded forms, space-separated tokens. */
static const char *const yes_phrases[] = {
	/* en */
	"come", "comes", "coming", "attend", "attending", "join", "joining",
	"participate", "participating", "be there", "make it", "accept",
	"i confirm", "confirm my", "count me in", "see you there",
	"looking forward", "gladly", "with pleasure", "definitely",
	/* bg */
	"присъствам", "присъстваме", "присъства", "дойда", "дойдем", "дойде",
	"идвам", "идваме", "приемам", "потвърждавам", "участвам",
	"участваме", "ще бъда", "ще бъдем", "ще съм", "ще сме",
	"с удоволствие", "разбира се", "непременно", "ще мога",
	/* cs */
	"prijedu", "prijede", "prijedeme", "prijdu", "prijdeme", "prijet", "prijit",
	"zucastnim", "zucastnime", "zucastnit", "potvrzuji", "potvrzuju",
	"prijimam", "dorazim", "dorazime", "budu tam", "budeme tam",
	"urcite", "s radosti", "rad prijdu", "rada prijdu",
	/* nl */
	"kom", "komt", "komen", "kome", "aanwezig", "deelnemen", "neem deel",
	"erbij", "accepteer", "bevestig", "van de partij", "zeker",
	NULL,
};

/* Answer words: count only as the first token, alone or before a mark. */
static const char *const yes_words[] = { "yes", "да", "ano", "ja", "jo",
	"yep", "sure", NULL };
static const char *const no_words[] = { "no", "не", "ne", "nee", NULL };

static const char *const no_phrases[] = {
	"decline", "cannot", "unable", "count me out", "not coming",
	"отказвам", "не мога", "няма да мога", "не бих могъл",
	"не бих могла", "не успявам",
	"odmitam", "nemohu", "nemuzu", "nemuzeme", "nestihnu", "nebudu",
	"kan niet", "kunnen niet", "verhinderd", "afzeggen", "zeg af",
	NULL,
};

/* Apologies: a decline only when nothing says yes ("Sorry for the late
 * answer, I will come"). */
static const char *const sorry_phrases[] = {
	"unfortunately", "sorry", "regret", "regrets", "за съжаление",
	"съжалявам", "bohuzel", "lituji", "mrzi", "helaas", "spijt", NULL,
};

static const char *const maybe_phrases[] = {
	"maybe", "perhaps", "possibly", "not sure", "unsure", "tentative",
	"tentatively", "might", "will try", "try to", "probably",
	"don t know", "do not know",
	"може би", "вероятно", "евентуално", "не съм сигурен",
	"не съм сигурна", "ще опитам", "ще се опитам", "не знам",
	"не зная",
	"mozna", "asi", "pravdepodobne", "nevim", "nejsem si jist",
	"nejsem si jisty", "nejsem si jista", "zkusim", "pokusim",
	"misschien", "mogelijk", "waarschijnlijk", "weet nog niet",
	"weet het nog niet", "onder voorbehoud", "niet zeker", "proberen",
	"probeer",
	NULL,
};

/* Words that turn a following (or, within NEG_AFTER, preceding) yes
 * into a no. "t" is what is left of "can't", "won't", "don't". */
static const char *const negators[] = { "not", "never", "t", "cannot",
	"unable", "не", "няма", "ne", "nemohu", "nemuzu", "nemuzeme",
	"nebudu", "nebudeme", "niet", "geen", "nooit", NULL };

/* "Ik kan helaas niet", "I can not": a modal with a negator after it in
 * the same clause says no even without the verb. */
static const char *const modals[] = { "can", "could", "kan", "kunnen",
	"мога", "mohu", "muzu", NULL };

static int
in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* Length in tokens of phrase when it starts at token i, else 0. */
static int
match_at(const struct toks *k, int i, const char *phrase)
{
	const char *p = phrase;
	int j = i;

	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);

		if (j >= k->n || strlen(k->t[j]) != n ||
		    strncmp(k->t[j], p, n) != 0)
			return 0;
		j++;
		p += n + (sp ? 1 : 0);
	}
	return j - i;
}

static int
match_any(const struct toks *k, int i, const char *const *list)
{
	for (; *list; list++) {
		int n = match_at(k, i, *list);

		if (n)
			return n;
	}
	return 0;
}

/* Czech negates by prefix: "nepřijedu", "nezúčastním". */
static int
prefixed_no(const char *w)
{
	return w != NULL && strncmp(w, "ne", 2) == 0 && w[2] &&
	       in_list(w + 2, yes_phrases);
}

/* A negator in the same clause within the window around [i, i+n). */
static int
negated(const struct toks *k, int i, int n)
{
	for (int j = i - 1; j >= 0 && j >= i - NEG_BEFORE; j--) {
		if (k->t[j] == NULL || strcmp(k->t[j], "|") == 0)
			break;
		if (in_list(k->t[j], negators))
			return 1;
	}
	for (int j = i + n; j < k->n && j < i + n + NEG_AFTER; j++) {
		if (strcmp(k->t[j], "|") == 0)
			break;
		if (in_list(k->t[j], negators))
			return 1;
	}
	return 0;
}

/* A negator among the NEG_AFTER + 1 tokens after i, same clause. */
static int
negator_after(const struct toks *k, int i)
{
	for (int j = i + 1; j < k->n && j <= i + NEG_AFTER + 1; j++) {
		if (strcmp(k->t[j], "|") == 0)
			break;
		if (in_list(k->t[j], negators))
			return 1;
	}
	return 0;
}

struct score {
	int yes, no, sorry, maybe;
};

static void
score_first(const struct toks *k, struct score *s)
{
	if (k->n == 0 || (k->n > 1 && strcmp(k->t[1], "|") != 0))
		return;
	if (in_list(k->t[0], yes_words))
		s->yes++;
	else if (in_list(k->t[0], no_words))
		s->no++;
}

static void
score_all(const struct toks *k, struct score *s)
{
	score_first(k, s);
	for (int i = 0; i < k->n; i++) {
		int n;

		if ((n = match_any(k, i, maybe_phrases))) {
			s->maybe++;
		} else if ((n = match_any(k, i, no_phrases))) {
			s->no++;
		} else if ((n = match_any(k, i, sorry_phrases))) {
			s->sorry++;
		} else if ((n = match_any(k, i, yes_phrases))) {
			if (negated(k, i, n))
				s->no++;
			else
				s->yes++;
		} else if ((in_list(k->t[i], modals) && negator_after(k, i)) ||
			   prefixed_no(k->t[i])) {
			s->no++;
			n = 1;
		} else {
			n = 1;
		}
		i += n - 1;
	}
}

enum ical_partstat
rsvp_text_read(const char *text)
{
	struct toks k = { 0 };
	struct score s = { 0, 0, 0, 0 };

	if (!text)
		return ICAL_PS_NONE;
	toks_make(&k, text);
	score_all(&k, &s);
	free(k.text);
	if (s.maybe)
		return ICAL_PS_TENTATIVE;
	if (s.yes && !s.no)
		return ICAL_PS_ACCEPTED;
	if (!s.yes && (s.no || s.sorry))
		return ICAL_PS_DECLINED;
	return ICAL_PS_NONE;
}

/* ---- mailto ------------------------------------------------------------- */

struct sentence {
	const char *lang;
	const char *text[3];	/* accepted, declined, tentative */
};

static const struct sentence sentences[] = {
	{ "en", { "Yes, I will attend.", "Unfortunately I cannot attend.",
		  "Maybe: I am not sure yet." } },
	{ "bg", { "Да, ще присъствам.",
		  "За съжаление няма да мога да присъствам.",
		  "Може би ще присъствам, още не знам." } },
	{ "cs", { "Ano, zúčastním se.", "Bohužel se nemohu zúčastnit.",
		  "Možná, ještě nevím." } },
	{ "nl", { "Ja, ik ben aanwezig.", "Helaas kan ik niet aanwezig zijn.",
		  "Misschien, ik weet het nog niet." } },
};

static const char *const keywords[3] = { "RSVP ACCEPTED", "RSVP DECLINED",
	"RSVP TENTATIVE" };

static int
choice_index(enum ical_partstat c)
{
	switch (c) {
	case ICAL_PS_ACCEPTED:
		return 0;
	case ICAL_PS_DECLINED:
		return 1;
	case ICAL_PS_TENTATIVE:
		return 2;
	default:
		return -1;
	}
}

/* RFC 3986 percent-encoding of every byte but the unreserved ones; in
 * the address also RFC 6068's some-delims but ',' (which separates
 * addresses), so a token address "reply+Ab3@x" stays readable. */
static void
pct(struct buf *b, const char *s, int in_addr)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
		    (in_addr && strchr("!$'()*+;:@", *p)))
			buf_addc(b, (char)*p);
		else
			buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
}

char *
rsvp_mailto(const char *reply_addr, enum ical_partstat choice,
	    const char *reference, const char *lang)
{
	int c = choice_index(choice);
	const struct sentence *st = &sentences[0];
	struct buf b;
	char *subject;

	if (c < 0 || !reply_addr)
		return NULL;
	for (size_t i = 0; lang && i < sizeof(sentences) / sizeof(*st); i++)
		if (strcasecmp(lang, sentences[i].lang) == 0)
			st = &sentences[i];
	if (reference && *reference)
		subject = xasprintf("%s [ref:%s]", keywords[c], reference);
	else
		subject = xstrdup(keywords[c]);
	buf_init(&b, 8192);
	buf_adds(&b, "mailto:");
	pct(&b, reply_addr, 1);
	buf_adds(&b, "?subject=");
	pct(&b, subject, 0);
	buf_adds(&b, "&body=");
	pct(&b, st->text[c], 0);
	free(subject);
	buf_cstr(&b);
	return buf_steal(&b);
}

enum ical_partstat
rsvp_mailto_read(const char *subject)
{
	static const enum ical_partstat ps[3] = { ICAL_PS_ACCEPTED,
		ICAL_PS_DECLINED, ICAL_PS_TENTATIVE };

	if (!subject)
		return ICAL_PS_NONE;
	for (int i = 0; i < 3; i++) {
		const char *hit = strcasestr(subject, keywords[i]);
		size_t n = strlen(keywords[i]);

		/* a whole word: "RSVP ACCEPTEDX" is not ours */
		if (hit && (hit[n] == '\0' || hit[n] == ' ' || hit[n] == '['))
			return ps[i];
	}
	return ICAL_PS_NONE;
}
