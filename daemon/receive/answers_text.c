/*
 * answers_text.c -- the texts of answer problems: the English reason kept
 * for staff ("Q3: 'maybe' is not one of a, b, c"), read back into its
 * data by answers_reason_parse, and the respondent's version in bg, en,
 * nl and cs with a hint of what the question accepts. See answers.h;
 * split from answers.c, which finds the problems.
 */
#include "receive/answers.h"
#include "receive/answers_private.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xmem.h"

/*
 * Every problem text is a template over the problem's data: {v} the
 * respondent's words, {keys} the option keys, {n} {min} {max} numbers,
 * {q} the question number, {first} {last} the first and last key. The
 * staff reason (English, "Q3: ..." as the store keeps it) and the
 * respondent's text in each language come from the same data; the staff
 * template is also matched backwards by answers_reason_parse.
 */
#define ANSWERS_NCODES (ANSWERS_P_CONFLICT + 1)
#define ANSWERS_MAX_REASON 512	/* longer is not a reason answers wrote */

static const char *const staff_text[ANSWERS_NCODES] = {
	[ANSWERS_P_REQUIRED] = "required, no answer found",
	[ANSWERS_P_NOT_OPTION] = "'{v}' is not one of {keys}",
	[ANSWERS_P_ONLY_ONE] = "'{v}': choose only one of {keys}",
	[ANSWERS_P_NOT_YESNO] = "'{v}' is not yes or no",
	[ANSWERS_P_NOT_NUMBER] = "'{v}' is not a number",
	[ANSWERS_P_MANY_NUMBERS] = "'{v}': write one number only",
	[ANSWERS_P_NOT_WHOLE] = "'{v}' is not a whole number",
	[ANSWERS_P_OUT_OF_BOUNDS] = "{n} is not between {min} and {max}",
	[ANSWERS_P_TOO_SMALL] = "{n} is less than {min}",
	[ANSWERS_P_TOO_LARGE] = "{n} is more than {max}",
	[ANSWERS_P_UNSURE] = "'{v}' is uncertain, kept unconfirmed",
	[ANSWERS_P_CONFLICT] =
	    "'{v}': two different answers, kept unconfirmed",
};

/* What is accepted, by the question's type and bounds. */
enum hint {
	H_NONE, H_ONE_KEY, H_TWO_KEYS, H_KEYS, H_MULTI, H_YESNO, H_RANGE,
	H_MIN, H_MAX, H_NUMBER, H_TEXT, NHINTS
};

/* The respondent's words stay in straight quotes in every language: they
 * are quoted as typed, as the staff reason quotes them. */
/* NOLINTBEGIN(bugprone-suspicious-missing-comma): long texts split over lines */
static const struct ptexts {
	const char *lang;
	const char *what[ANSWERS_NCODES];
	const char *hint[NHINTS];
} ptexts[] = {
	{ "en", {
		[ANSWERS_P_REQUIRED] =
			"No answer was found, and this question is required.",
		[ANSWERS_P_NOT_OPTION] = "'{v}' is not one of the options.",
		[ANSWERS_P_ONLY_ONE] = "'{v}': only one answer can be chosen.",
		[ANSWERS_P_NOT_YESNO] = "'{v}' is neither yes nor no.",
		[ANSWERS_P_NOT_NUMBER] = "'{v}' is not a number.",
		[ANSWERS_P_MANY_NUMBERS] = "'{v}' holds more than one number.",
		[ANSWERS_P_NOT_WHOLE] = "'{v}' is not a whole number.",
		[ANSWERS_P_OUT_OF_BOUNDS] =
			"{n} is not between {min} and {max}.",
		[ANSWERS_P_TOO_SMALL] = "{n} is less than {min}.",
		[ANSWERS_P_TOO_LARGE] = "{n} is more than {max}.",
		[ANSWERS_P_UNSURE] = "We are not sure we read '{v}' "
				     "right. Please write it again.",
		[ANSWERS_P_CONFLICT] = "We found two different answers: "
				       "'{v}'. Please write the one you "
				       "mean.",
	}, {
		[H_ONE_KEY] = "Write {first}.",
		[H_TWO_KEYS] = "Write {first} or {last}.",
		[H_KEYS] = "Write one letter from {first} to {last}.",
		[H_MULTI] = "Write one or more letters from {first} to "
			    "{last}, separated by commas.",
		[H_YESNO] = "Write \u201Cyes\u201D or \u201Cno\u201D.",
		[H_RANGE] = "Write one whole number from {min} to {max}.",
		[H_MIN] = "Write one whole number, at least {min}.",
		[H_MAX] = "Write one whole number, at most {max}.",
		[H_NUMBER] = "Write one whole number.",
		[H_TEXT] = "Write your answer after \u201CA{q}:\u201D.",
	} },
	{ "bg", {
		[ANSWERS_P_REQUIRED] = "Не открихме отговор, а въпросът е "
				       "задължителен.",
		[ANSWERS_P_NOT_OPTION] = "'{v}' не е сред възможните "
					 "отговори.",
		[ANSWERS_P_ONLY_ONE] = "'{v}': може да изберете само един "
				       "отговор.",
		[ANSWERS_P_NOT_YESNO] = "'{v}' не е нито „да“, нито „не“.",
		[ANSWERS_P_NOT_NUMBER] = "'{v}' не е число.",
		[ANSWERS_P_MANY_NUMBERS] = "'{v}' съдържа повече от едно "
					   "число.",
		[ANSWERS_P_NOT_WHOLE] = "'{v}' не е цяло число.",
		[ANSWERS_P_OUT_OF_BOUNDS] = "{n} не е между {min} и {max}.",
		[ANSWERS_P_TOO_SMALL] = "{n} е по-малко от {min}.",
		[ANSWERS_P_TOO_LARGE] = "{n} е повече от {max}.",
		[ANSWERS_P_UNSURE] = "Не сме сигурни, че разчетохме '{v}' "
				     "правилно. Моля, напишете го отново.",
		[ANSWERS_P_CONFLICT] = "Открихме два различни отговора: "
				       "'{v}'. Моля, напишете този, който "
				       "имате предвид.",
	}, {
		[H_ONE_KEY] = "Напишете {first}.",
		[H_TWO_KEYS] = "Напишете {first} или {last}.",
		[H_KEYS] = "Напишете една буква от {first} до {last}.",
		[H_MULTI] = "Напишете една или повече букви от {first} до "
			    "{last}, разделени със запетаи.",
		[H_YESNO] = "Напишете „да“ или „не“.",
		[H_RANGE] = "Напишете едно цяло число от {min} до {max}.",
		[H_MIN] = "Напишете едно цяло число, не по-малко от {min}.",
		[H_MAX] = "Напишете едно цяло число, не по-голямо от {max}.",
		[H_NUMBER] = "Напишете едно цяло число.",
		[H_TEXT] = "Напишете отговора си след „A{q}:“.",
	} },
	{ "nl", {
		[ANSWERS_P_REQUIRED] = "We hebben geen antwoord gevonden, "
				       "terwijl deze vraag verplicht is.",
		[ANSWERS_P_NOT_OPTION] = "'{v}' is geen van de "
					 "antwoordmogelijkheden.",
		[ANSWERS_P_ONLY_ONE] = "'{v}': u kunt maar één antwoord "
				       "kiezen.",
		[ANSWERS_P_NOT_YESNO] = "'{v}' is noch ja, noch nee.",
		[ANSWERS_P_NOT_NUMBER] = "'{v}' is geen getal.",
		[ANSWERS_P_MANY_NUMBERS] = "'{v}' bevat meer dan één getal.",
		[ANSWERS_P_NOT_WHOLE] = "'{v}' is geen geheel getal.",
		[ANSWERS_P_OUT_OF_BOUNDS] =
			"{n} ligt niet tussen {min} en {max}.",
		[ANSWERS_P_TOO_SMALL] = "{n} is kleiner dan {min}.",
		[ANSWERS_P_TOO_LARGE] = "{n} is groter dan {max}.",
		[ANSWERS_P_UNSURE] = "We weten niet zeker of we '{v}' "
				     "goed gelezen hebben. Wilt u het "
				     "opnieuw schrijven?",
		[ANSWERS_P_CONFLICT] = "We vonden twee verschillende "
				       "antwoorden: '{v}'. Schrijf het "
				       "antwoord dat u bedoelt.",
	}, {
		[H_ONE_KEY] = "Schrijf {first}.",
		[H_TWO_KEYS] = "Schrijf {first} of {last}.",
		[H_KEYS] = "Schrijf één letter van {first} tot en met "
			   "{last}.",
		[H_MULTI] = "Schrijf één of meer letters van {first} tot en "
			    "met {last}, gescheiden door komma's.",
		[H_YESNO] = "Schrijf \u2018ja\u2019 of \u2018nee\u2019.",
		[H_RANGE] = "Schrijf één geheel getal van {min} tot en met "
			    "{max}.",
		[H_MIN] = "Schrijf één geheel getal van minstens {min}.",
		[H_MAX] = "Schrijf één geheel getal van hoogstens {max}.",
		[H_NUMBER] = "Schrijf één geheel getal.",
		[H_TEXT] = "Schrijf uw antwoord na \u2018A{q}:\u2019.",
	} },
	{ "cs", {
		[ANSWERS_P_REQUIRED] = "Nenašli jsme žádnou odpověď a otázka "
				       "je povinná.",
		[ANSWERS_P_NOT_OPTION] = "'{v}' není žádná z nabízených "
					 "možností.",
		[ANSWERS_P_ONLY_ONE] = "'{v}': lze vybrat jen jednu "
				       "možnost.",
		[ANSWERS_P_NOT_YESNO] = "'{v}' není ani „ano“, ani „ne“.",
		[ANSWERS_P_NOT_NUMBER] = "'{v}' není číslo.",
		[ANSWERS_P_MANY_NUMBERS] = "'{v}' obsahuje více než jedno "
					   "číslo.",
		[ANSWERS_P_NOT_WHOLE] = "'{v}' není celé číslo.",
		[ANSWERS_P_OUT_OF_BOUNDS] = "{n} není mezi {min} a {max}.",
		[ANSWERS_P_TOO_SMALL] = "{n} je méně než {min}.",
		[ANSWERS_P_TOO_LARGE] = "{n} je více než {max}.",
		[ANSWERS_P_UNSURE] = "Nejsme si jisti, že jsme '{v}' "
				     "přečetli správně. Napište to prosím "
				     "znovu.",
		[ANSWERS_P_CONFLICT] = "Našli jsme dvě různé odpovědi: "
				       "'{v}'. Napište prosím tu, kterou "
				       "myslíte.",
	}, {
		[H_ONE_KEY] = "Napište {first}.",
		[H_TWO_KEYS] = "Napište {first} nebo {last}.",
		[H_KEYS] = "Napište jedno písmeno {first} až {last}.",
		[H_MULTI] = "Napište jedno nebo více písmen {first} až "
			    "{last} oddělených čárkami.",
		[H_YESNO] = "Napište „ano“ nebo „ne“.",
		[H_RANGE] = "Napište jedno celé číslo od {min} do {max}.",
		[H_MIN] = "Napište jedno celé číslo, nejméně {min}.",
		[H_MAX] = "Napište jedno celé číslo, nejvýše {max}.",
		[H_NUMBER] = "Napište jedno celé číslo.",
		[H_TEXT] = "Napište svou odpověď za „A{q}:“.",
	} },
};
/* NOLINTEND(bugprone-suspicious-missing-comma) */

/* The values a template's {names} stand for. */
struct targs {
	const char *v, *keys, *first, *last;
	long n, min, max, q;
};

static void
subst(struct buf *out, const char *t, const struct targs *x)
{
	static const char *const names[] = { "v", "keys", "first", "last",
					     "n", "min", "max", "q" };

	while (*t) {
		size_t lit = strcspn(t, "{"), k, len;
		const char *end;

		buf_add(out, t, lit);
		t += lit;
		if (*t == '\0' || (end = strchr(t, '}')) == NULL)
			break;
		len = (size_t)(end - t - 1);
		for (k = 0; k < sizeof(names) / sizeof(*names); k++)
			if (strlen(names[k]) == len &&
			    strncmp(t + 1, names[k], len) == 0)
				break;
		if (k < 4) {
			const char *sv[] = { x->v, x->keys, x->first, x->last };

			buf_adds(out, sv[k] ? sv[k] : "");
		} else if (k < 8) {
			const long nv[] = { x->n, x->min, x->max, x->q };

			buf_printf(out, "%ld", nv[k - 4]);
		}
		t = end + 1;
	}
}

static struct targs
pinfo_args(const struct answers_pinfo *p)
{
	struct targs x = { p->value, p->keys, NULL, NULL, p->n, p->min,
			   p->max, p->number };

	return x;
}

static int
code_ok(enum answers_pcode c)
{
	return c > ANSWERS_P_NONE && c < ANSWERS_NCODES;
}

/* "Q3: 'maybe' is not one of a, b, c": the staff reason. */
void
answers_reason_en(const struct answers_pinfo *p, struct buf *out)
{
	struct targs x = pinfo_args(p);

	buf_printf(out, "Q%d: ", p->number);
	if (code_ok(p->code))
		subst(out, staff_text[p->code], &x);
}

/* "a, b, c": keys as keys_list writes them. */
static int
keys_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t w = 0;

		while (i + w < n && ((s[i + w] >= 'a' && s[i + w] <= 'z') ||
				     (s[i + w] >= '0' && s[i + w] <= '9')))
			w++;
		if (w == 0)
			return 0;
		i += w;
		if (i == n)
			return 1;
		if (n - i < 3 || s[i] != ',' || s[i + 1] != ' ')
			return 0;
		i += 2;
	}
	return 0;
}

/* Match s against template t (staff_text with "Q{q}: " before it),
 * filling p. {v} and {keys} take the longest text that lets the rest
 * match, so a quote inside the respondent's words does not end them. */
static int
tmatch(const char *t, const char *s, struct answers_pinfo *p)
{
	for (;;) {
		const char *end;

		while (*t && *t != '{' && *t == *s) {
			t++;
			s++;
		}
		if (*t != '{')
			return *t == '\0' && *s == '\0';
		end = strchr(t, '}');
		if (end == NULL)
			return 0;
		if (t[1] == 'v' || t[1] == 'k') {
			for (size_t k = strlen(s) + 1; k-- > 0;) {
				if ((t[1] == 'k' && !keys_ok(s, k)) ||
				    !tmatch(end + 1, s + k, p))
					continue;
				if (t[1] == 'v')
					p->value = xstrndup(s, k);
				else
					p->keys = xstrndup(s, k);
				return 1;
			}
			return 0;
		}
		{
			char *e;
			long v;

			errno = 0;
			v = strtol(s, &e, 10);
			if (e == s || errno != 0)
				return 0;
			if (t[1] == 'q')
				p->number = v > 0 && v < 10000 ? (int)v : 0;
			else if (t[1] == 'n')
				p->n = v;
			else if (t[2] == 'i')
				p->min = v;
			else
				p->max = v;
			s = e;
			t = end + 1;
		}
	}
}

int
answers_reason_parse(const char *reason, struct answers_pinfo *p)
{
	memset(p, 0, sizeof(*p));
	for (int c = 1; reason && strlen(reason) < ANSWERS_MAX_REASON &&
	     c < ANSWERS_NCODES; c++) {
		char *t = xasprintf("Q{q}: %s", staff_text[c]);
		int ok = tmatch(t, reason, p);
		struct buf b;

		free(t);
		p->code = (enum answers_pcode)c;
		if (p->value == NULL)
			p->value = xstrdup("");
		if (p->keys == NULL)
			p->keys = xstrdup("");
		/* strtol is lenient ("+5", " 5"): only what answers_reason_en
		 * writes again byte for byte counts */
		buf_init(&b, 0);
		if (ok && p->number > 0)
			answers_reason_en(p, &b);
		ok = ok && b.len && strcmp(buf_cstr(&b), reason) == 0;
		buf_free(&b);
		if (ok)
			return 0;
		answers_pinfo_clear(p);
	}
	return -1;
}

void
answers_pinfo_clear(struct answers_pinfo *p)
{
	if (p == NULL)
		return;
	free(p->value);
	free(p->keys);
	memset(p, 0, sizeof(*p));
}

/* What q accepts, as a hint kind. */
static enum hint
hint_of(const struct survey_question *q)
{
	if (q == NULL)
		return H_NONE;
	switch (q->type) {
	case SURVEY_SINGLE:
	case SURVEY_DATE:
		return q->noptions == 0 ? H_NONE : q->noptions == 1 ?
		       H_ONE_KEY : q->noptions == 2 ? H_TWO_KEYS : H_KEYS;
	case SURVEY_MULTI:
		return q->noptions == 0 ? H_NONE : q->noptions == 1 ?
		       H_ONE_KEY : H_MULTI;
	case SURVEY_YESNO:
		return H_YESNO;
	case SURVEY_SCALE:
	case SURVEY_NUMBER:
		return q->has_min && q->has_max ? H_RANGE : q->has_min ?
		       H_MIN : q->has_max ? H_MAX : H_NUMBER;
	case SURVEY_TEXT:
		break;
	}
	return H_TEXT;
}

void
answers_problem_text(const struct answers_pinfo *p,
		     const struct survey_question *q, const char *lang,
		     struct buf *out)
{
	const struct ptexts *l = &ptexts[0];	/* English */
	struct targs x = pinfo_args(p);
	enum hint h = hint_of(q);

	buf_reset(out);
	for (size_t i = 0; lang && i < sizeof(ptexts) / sizeof(*ptexts); i++)
		if (strcmp(ptexts[i].lang, lang) == 0)
			l = &ptexts[i];
	if (!code_ok(p->code))
		return;
	subst(out, l->what[p->code], &x);
	if (h == H_NONE)
		return;
	/* the hint speaks of the question as it is now */
	x.first = q->noptions ? q->options[0].key : "";
	x.last = q->noptions ? q->options[q->noptions - 1].key : "";
	x.min = q->min;
	x.max = q->max;
	x.q = q->number;
	buf_addc(out, ' ');
	subst(out, l->hint[h], &x);
}
