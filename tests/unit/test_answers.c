/* test_answers.c -- answers: reading replies against the shipped
 * questionnaires, table-driven, plus round trips through the rendered
 * text and HTML forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>

#include "receive/answers.h"
#include "base/buf.h"
#include "model/form.h"
#include "mail/html.h"
#include "mail/parse.h"
#include "mail/quote.h"
#include "model/survey.h"
#include "base/xmem.h"

enum { FIELD, FEEDBACK, NSURVEYS };

struct fixture {
	struct survey *sv[NSURVEYS];
};

static const char *
srcdir(void)
{
	const char *s = getenv("ANKETA_SRCDIR");

	return s && *s ? s : ".";
}

static int
setup(void **state)
{
	static const char *const files[NSURVEYS] = {
		"surveys/field-study.xml", "surveys/exchange-visit-feedback.xml"
	};
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *schema = xasprintf("%s/surveys/survey.rng", srcdir());

	for (int i = 0; i < NSURVEYS; i++) {
		struct errlist e = { 0 };
		char *path = xasprintf("%s/%s", srcdir(), files[i]);

		if (survey_load_file(path, schema, &f->sv[i], &e) != 0) {
			for (size_t j = 0; j < e.n; j++)
				fprintf(stderr, "# %s\n", e.v[j]);
			return -1;
		}
		errlist_free(&e);
		free(path);
	}
	free(schema);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < NSURVEYS; i++)
		survey_free(&f->sv[i]);
	free(f);
	return 0;
}

static const char *
value_of(const struct answers *a, const char *qid)
{
	for (size_t i = 0; i < answers_count(a); i++) {
		const char *q, *v;

		answers_get(a, i, &q, &v);
		if (strcmp(q, qid) == 0)
			return v;
	}
	return NULL;
}

static const char *
problem_of(const struct answers *a, const char *qid)
{
	for (size_t i = 0; i < answers_nproblems(a); i++) {
		const char *q, *r;

		answers_problem(a, i, &q, &r);
		if (strcmp(q, qid) == 0)
			return r;
	}
	return NULL;
}

/* A quoted form with the field study's Q3 block, as a reply client
 * leaves it once the '>' markers are gone. */
#define FORM_Q3(ticks_a, ticks_d) \
	"=== ANKETA FORM field-study-2026 ===\n\n" \
	"Q2. Does your municipality have a local strategy? (yes or no) *\n" \
	"A2:\n\n" \
	"Q3. In which policy areas ...? (one or more letters) *\n" \
	"    [" ticks_a "] a) Education\n" \
	"    [ ] b) Employment\n" \
	"    [ ] c) Health care\n" \
	"    [" ticks_d "] d) Housing\n" \
	"A3:\n\n" \
	"=== END OF FORM ===\n"

static const struct acase {
	int survey;
	const char *reply, *quoted;
	const char *qid;
	const char *value;	/* expected value, or NULL: no answer */
	const char *problem;	/* expected problem substring, or NULL */
} acases[] = {
	/* yes/no in every language, every line form */
	{ FIELD, "A2: yes", "", "strategy", "yes", NULL },
	{ FIELD, "2: да", "", "strategy", "yes", NULL },
	{ FIELD, "2) Ne", "", "strategy", "no", NULL },
	{ FIELD, "A2 - nee", "", "strategy", "no", NULL },
	{ FIELD, "Q2: ANO", "", "strategy", "yes", NULL },
	{ FIELD, "a2: Ja.", "", "strategy", "yes", NULL },
	{ FIELD, "A2: Yes, adopted in 2021.", "", "strategy", "yes", NULL },
	{ FIELD, "А2: НЕ", "", "strategy", "no", NULL },	/* Cyrillic А */
	{ FIELD, "A2: maybe", "", "strategy", NULL,
	  "Q2: 'maybe' is not yes or no" },
	{ FIELD, "A2: no idea", "", "strategy", NULL, "is not yes or no" },
	{ FIELD, "A2:\n  yes\n", "", "strategy", "yes", NULL },
	/* several choices: letters, numbers, labels in any language */
	{ FIELD, "A3: a, c", "", "areas", "education,health", NULL },
	{ FIELD, "A3: a c", "", "areas", "education,health", NULL },
	{ FIELD, "A3: a and f", "", "areas", "education,participation", NULL },
	{ FIELD, "A3: 1, 4", "", "areas", "education,housing", NULL },
	{ FIELD, "A3: Образование, ЖИЛИЩНИ УСЛОВИЯ", "", "areas",
	  "education,housing", NULL },
	{ FIELD, "A3: vzdelavani; Bydlení", "", "areas", "education,housing",
	  NULL },
	{ FIELD, "A3: Health, housing", "", "areas", "health,housing", NULL },
	{ FIELD, "A3: Political and civic participation", "", "areas",
	  "participation", NULL },
	{ FIELD, "A3: (b) and (e).", "", "areas", "employment,discrimination",
	  NULL },
	{ FIELD, "A3: z", "", "areas", NULL,
	  "Q3: 'z' is not one of a, b, c, d, e, f" },
	{ FIELD, "A3: a, sports", "", "areas", NULL, "is not one of" },
	/* single choice */
	{ FIELD, "A6: b", "", "funding", "national", NULL },
	{ FIELD, "6) EU-fondsen", "", "funding", "eu", NULL },
	{ FIELD, "A6: Rozpoc\xcc\x8c" "et obce", "", "funding", "municipal",
	  NULL },	/* decomposed č (NFD, as Apple Mail sends it) */
	{ FIELD, "A6: a, b", "", "funding", NULL, "choose only one of" },
	/* numbers and bounds */
	{ FIELD, "A5: 15 000 EUR", "", "budget", "15000", NULL },
	{ FIELD, "A5: 15.000", "", "budget", "15000", NULL },
	{ FIELD, "A5: 1\xc2\xa0" "250\xc2\xa0" "000 €", "", "budget",
	  "1250000", NULL },
	{ FIELD, "A5: 12,5", "", "budget", NULL, "not a whole number" },
	{ FIELD, "A5: a lot", "", "budget", NULL, "'a lot' is not a number" },
	{ FIELD, "A5: -3", "", "budget", NULL, "-3 is less than 0" },
	{ FIELD, "A7: 600", "", "staff", NULL, "600 is not between 0 and 500" },
	{ FIELD, "A7: 2 or 3", "", "staff", NULL, "one number only" },
	{ FIELD, "A9: 4", "", "coordination", "4", NULL },
	{ FIELD, "A9: 7", "", "coordination", NULL,
	  "Q9: 7 is not between 1 and 5" },
	{ FIELD, "A9: Много добре", "", "coordination", "5", NULL },
	/* dates: letter, ISO date, day.month.year */
	{ FIELD, "A13: b", "", "interview", "2026-03-12", NULL },
	{ FIELD, "A13: 17.3.2026", "", "interview", "2026-03-17", NULL },
	{ FIELD, "A13: 2026-03-10", "", "interview", "2026-03-10", NULL },
	{ FIELD, "A13: 12/03/26", "", "interview", "2026-03-12", NULL },
	{ FIELD, "A13: 11.3.2026", "", "interview", NULL,
	  "'11.3.2026' is not one of a, b, c" },
	/* free text spans lines up to the next answer line */
	{ FIELD, "A4: Two school mediators.\nA health mediator since 2019.\n"
	  "\nA5: 0", "", "measures",
	  "Two school mediators.\nA health mediator since 2019.", NULL },
	{ FIELD, "A4: Two school mediators.\nA5: 0", "", "budget", "0", NULL },
	/* a numbered list inside free text is text, not answers to Q1, Q2 */
	{ FIELD, "A4: Our measures:\n1) school mediators\n2) a health "
	  "mediator\nA5: 0", "", "measures", "Our measures:\n1) school "
	  "mediators\n2) a health mediator", NULL },
	{ FIELD, "A4: Our measures:\n1) school mediators\n2) a health "
	  "mediator\nA5: 0", "", "strategy", NULL,
	  "Q2: required, no answer found" },
	{ FIELD, "1) Kavarna\n2) yes\n3) a", "", "areas", "education", NULL },
	{ FIELD, "A1:\nKavarna\nMayor's office, deputy mayor\n", "",
	  "municipality", "Kavarna\nMayor's office, deputy mayor", NULL },
	/* inline in the quoted form; the same answer in both is fine, two
	 * different ones are kept unconfirmed (the new text's) and asked */
	{ FIELD, "", "=== ANKETA FORM field-study-2026 ===\nQ2. Plan?\n"
	  "A2: yes\n\nQ3. Areas?\nA3:\n", "strategy", "yes", NULL },
	{ FIELD, "A2: Yes.", "=== ANKETA FORM field-study-2026 ===\nQ2. Plan?"
	  "\nA2: yes\n", "strategy", "yes", NULL },
	{ FIELD, "A2: no", "=== ANKETA FORM field-study-2026 ===\nQ2. Plan?\n"
	  "A2: yes\n", "strategy", "no",
	  "Q2: 'no / yes': two different answers, kept unconfirmed" },
	/* a problem in the new text stands: the quoted form's empty A10
	 * line must not turn it into "no answer found" */
	{ FIELD, "A1: Ostrava\nA10: 9", "=== ANKETA FORM field-study-2026 "
	  "===\nQ1. Municipality? *\nA1:\n\nQ10. Results? (1-5) *\nA10:\n\n"
	  "=== END OF FORM ===\n", "results", NULL,
	  "Q10: 9 is not between 1 and 5" },
	/* the instruction's example before the marker is not an answer */
	{ FIELD, "A1: Ostrava", "write your answer after each A-line\n"
	  "A2: b\n=== ANKETA FORM field-study-2026 ===\nQ2. Plan?\nA2:\n",
	  "strategy", NULL, "Q2: required, no answer found" },
	/* ticks inside the question's block */
	{ FIELD, "", FORM_Q3("x", "X"), "areas", "education,housing", NULL },
	{ FIELD, "", FORM_Q3("✓", " "), "areas", "education", NULL },
	{ FIELD, "", "Q3. Areas?\n[x] Housing\n[ ] Education\nA3:\n", "areas",
	  "housing", NULL },
	{ FIELD, "A3: b", FORM_Q3("x", " "), "areas", "employment", NULL },
	/* required questions, only once something was answered */
	{ FIELD, "A2: yes", "", "municipality", NULL,
	  "Q1: required, no answer found" },
	{ FIELD, "A2: yes", "", "measures", NULL, NULL },
	/* the feedback form */
	{ FEEDBACK, "1: 5", "", "overall", "5", NULL },
	{ FEEDBACK, "A8: precies goed", "", "length", "right", NULL },
	{ FEEDBACK, "A8: Твърде кратка", "", "length", "short", NULL },
	{ FEEDBACK, "A10: n", "", "recommend", "no", NULL },
	{ FEEDBACK, "A9: c", "", "follow-up", "2026-06-16", NULL },
	{ FEEDBACK, "A3: a, g", "", "sessions", "city,ngos", NULL },
	{ FEEDBACK, "A7: 12", "", "contacts", "12", NULL },
	/* how people number their answers, per language */
	{ FIELD, "1. Obec Janov\n2. ano", "", "strategy", "yes", NULL },
	{ FIELD, "1 - Gent\n2 - ja", "", "strategy", "yes", NULL },
	{ FIELD, "Въпрос 2 – да", "", "strategy", "yes", NULL },
	{ FIELD, "Otázka 2: ne", "", "strategy", "no", NULL },
	{ FIELD, "Vraag 2: nee", "", "strategy", "no", NULL },
	{ FIELD, "Question 2 - yes", "", "strategy", "yes", NULL },
	{ FIELD, "2.\tLocal strategy\tYes", "", "strategy", "yes", NULL },
	{ FIELD, "Въпрос\tОтговор\n1\tОбщина Лом\n2\tне", "", "strategy",
	  "no", NULL },
	/* one lone "1." line is not a list of answers */
	{ FIELD, "A2: yes\n1. I will send the rest next week.", "",
	  "municipality", NULL, "required" },
	/* a bare number below one seen before is text (a date, a list) */
	{ FIELD, "A13:\n12. března", "", "interview", "2026-03-12", NULL },
	/* the answer on the line after a quoted "A1:" (Thunderbird) */
	{ FIELD, "", "=== ANKETA FORM field-study-2026 ===\nQ7. Staff?\n"
	  "A7:\n12\n\nQ8. Mediators?\nA8:\n", "staff", "12", NULL },
	/* option letters typed in Cyrillic: alphabet order, а б в г = a b c
	 * d; "в" alone may be the look-alike of b: asked back */
	{ FIELD, "A3: а, в, г", "", "areas", "education,health,housing",
	  NULL },
	{ FIELD, "A3: а и б", "", "areas", "education,employment", NULL },
	{ FIELD, "A6: в", "", "funding", "eu", "'в' is uncertain" },
	/* options in words in any language, joined by and/и/en/a */
	{ FIELD, "A3: образование и здравеопазване", "", "areas",
	  "education,health", NULL },
	{ FIELD, "A3: vzdělávání, bydlení a zdravotní péče", "", "areas",
	  "education,health,housing", NULL },
	{ FIELD, "A3: Onderwijs en Huisvesting", "", "areas",
	  "education,housing", NULL },
	{ FIELD, "A3: Education, Employment and Housing", "", "areas",
	  "education,employment,housing", NULL },
	{ FEEDBACK, "A3: училища и детски градини", "", "sessions",
	  "schools", NULL },
	/* ticks inside the quoted form, any box people use */
	{ FEEDBACK, "", "=== ANKETA FORM x ===\nQ8. Length?\n    [ ] a) Too short\n"
	  "    \xE2\x98\x92 b) About right\nA8:\n", "length", "right", NULL },
	/* dates as people write them, per language */
	{ FIELD, "A13: 12 март", "", "interview", "2026-03-12", NULL },
	{ FIELD, "A13: 10.3.", "", "interview", "2026-03-10", NULL },
	{ FIELD, "A13: 17 maart", "", "interview", "2026-03-17", NULL },
	{ FIELD, "A13: March 17", "", "interview", "2026-03-17", NULL },
	{ FEEDBACK, "A9: June 9", "", "follow-up", "2026-06-09", NULL },
	{ FEEDBACK, "A9: 9 juni", "", "follow-up", "2026-06-09", NULL },
	{ FEEDBACK, "A9: úterý 16. června", "", "follow-up", "2026-06-16",
	  NULL },
	{ FEEDBACK, "A9: the 16th", "", "follow-up", "2026-06-16", NULL },
	/* a weekday alone is relative: kept unconfirmed, asked back */
	{ FIELD, "A13: the Thursday", "", "interview", "2026-03-12",
	  "is uncertain" },
	{ FEEDBACK, "A9: четвъртъка", "", "follow-up", "2026-06-11",
	  "is uncertain" },
	{ FEEDBACK, "A9: de donderdag", "", "follow-up", "2026-06-11",
	  "is uncertain" },
	{ FEEDBACK, "A9: ten čtvrtek", "", "follow-up", "2026-06-11",
	  "is uncertain" },
	{ FEEDBACK, "A9: Tuesday", "", "follow-up", NULL, "is not one of" },
	{ FIELD, "A13: June 9", "", "interview", NULL, "is not one of" },
	{ FIELD, "A13: Tuesday 12 March", "", "interview", "2026-03-12",
	  "is uncertain" },
	/* scales */
	{ FIELD, "A9: 4 от 5", "", "coordination", "4", NULL },
	{ FIELD, "A9: 3/5", "", "coordination", "3", NULL },
	{ FIELD, "A9: 3 out of 5", "", "coordination", "3", NULL },
	{ FIELD, "A9: 4 z 5", "", "coordination", "4", NULL },
	{ FIELD, "A9: 4 van 5", "", "coordination", "4", NULL },
	{ FIELD, "A9: 3 или 4", "", "coordination", NULL, "one number only" },
	/* amounts: never the 8 of "8 хил." */
	{ FIELD, "A5: 8 хил.", "", "budget", "8000", NULL },
	{ FIELD, "A5: 8 хиляди евро", "", "budget", "8000", NULL },
	{ FIELD, "A5: 25k", "", "budget", "25000", NULL },
	{ FIELD, "A5: 20 tisíc", "", "budget", "20000", NULL },
	{ FIELD, "A5: 20 duizend", "", "budget", "20000", NULL },
	{ FIELD, "A5: 1,5 mln", "", "budget", "1500000", NULL },
	{ FIELD, "A5: € 22.500,00", "", "budget", "22500", NULL },
	{ FIELD, "A5: 22 500 EUR", "", "budget", "22500", NULL },
	{ FIELD, "A5: 0", "", "budget", "0", NULL },
	/* another currency than the question's, or hundreds where
	 * thousands may be meant: unconfirmed */
	{ FIELD, "A5: 22 500 лв.", "", "budget", "22500", "is uncertain" },
	{ FIELD, "A5: 1.250.000 Kč", "", "budget", "1250000",
	  "is uncertain" },
	{ FIELD, "A5: asi 30", "", "budget", "30", "is uncertain" },
	{ FIELD, "A5: 30 €", "", "budget", "30", NULL },
	{ FIELD, "A5: 2,5", "", "budget", NULL, "not a whole number" },
	/* corrections */
	{ FIELD, "A2: не – всъщност да", "", "strategy", "yes", NULL },
	{ FIELD, "A2: no, sorry: yes", "", "strategy", "yes", NULL },
	{ FIELD, "A2: ne, pardon: ano", "", "strategy", "yes", NULL },
	{ FIELD, "A2: nee, sorry, ja", "", "strategy", "yes", NULL },
	{ FIELD, "A2: Yes, sorry for the delay", "", "strategy", "yes", NULL },
	{ FIELD, "A6: a\n\nP.S. Q6 should be c", "", "funding", "eu", NULL },
	{ FIELD, "A6: a\nPS: otázka 6 má být c, omlouvám se.", "", "funding",
	  "eu", NULL },
	{ FEEDBACK, "A8: a\nP.S. Въпрос 8 трябва да е c – беше дълго.", "",
	  "length", "long", NULL },
	/* the signature stays out of the last free text */
	{ FEEDBACK, "A11: Thank you.\n\nBest regards,\nElena Petrova\n"
	  "Municipality of Stara Zagora", "", "comments", "Thank you.", NULL },
	{ FEEDBACK, "A11: Благодаря.\n\nПоздрави,\nМария", "", "comments",
	  "Благодаря.", NULL },
	{ FEEDBACK, "A11: Díky.\n\nS pozdravem\nJana Horáková", "",
	  "comments", "Díky.", NULL },
	{ FEEDBACK, "A11: Dank.\nMet vriendelijke groet,\n\nSofie\nStad Gent",
	  "", "comments", "Dank.", NULL },
	{ FEEDBACK, "A11: Fine.\n-- \nIvan", "", "comments", "Fine.", NULL },
	{ FEEDBACK, "A11: Fine.\n\nSent from my iPhone", "", "comments",
	  "Fine.", NULL },
	/* a closing word inside the text is text */
	{ FEEDBACK, "A11: Thanks for the visit.\nIt was good.", "", "comments",
	  "Thanks for the visit.\nIt was good.", NULL },
};

static int answer_unconfirmed_id(const struct answers *a, const char *qid);
#define unconfirmed_of answer_unconfirmed_id

static void
test_answer_table(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		const struct acase *c = &acases[i];
		struct answers *a = NULL;
		const char *v, *p;

		answers_extract(f->sv[c->survey], c->reply, c->quoted, &a);
		v = value_of(a, c->qid);
		p = problem_of(a, c->qid);
		if ((c->value == NULL) != (v == NULL) ||
		    (v && strcmp(v, c->value) != 0) ||
		    (c->problem == NULL) != (p == NULL) ||
		    (p && strstr(p, c->problem) == NULL) ||
		    (v && unconfirmed_of(a, c->qid) != (p != NULL)))
			fail_msg("case %zu (%s): got value '%s' problem '%s'",
				 i, c->reply, v ? v : "(none)",
				 p ? p : "(none)");
		assert_false(answers_none_found(a));
		answers_free(&a);
		assert_null(a);
	}
}

/* Each kind of problem: the English reason staff see (exact, as the
 * store keeps it), its data read back from that reason, and the text the
 * respondent reads in each language, with what the question accepts. */
static const struct pcase {
	int survey;
	const char *reply, *qid;
	enum answers_pcode code;
	const char *reason;
	const char *text[4];	/* en, bg, nl, cs */
} pcases[] = {
	{ FIELD, "A13: the Thursday", "interview", ANSWERS_P_UNSURE,
	  "Q13: 'the Thursday' is uncertain, kept unconfirmed", {
	  "We are not sure we read 'the Thursday' right. Please write it "
	  "again. Write one letter from a to c.",
	  "Не сме сигурни, че разчетохме 'the Thursday' правилно. Моля, "
	  "напишете го отново. Напишете една буква от a до c.",
	  "We weten niet zeker of we 'the Thursday' goed gelezen hebben. "
	  "Wilt u het opnieuw schrijven? Schrijf één letter van a tot en "
	  "met c.",
	  "Nejsme si jisti, že jsme 'the Thursday' přečetli správně. Napište "
	  "to prosím znovu. Napište jedno písmeno a až c." } },
	/* "\f" parts the new text from the quoted form */
	{ FIELD, "A8: yes\f=== ANKETA FORM field-study-2026 ===\n"
	  "Q8. Mediators?\nA8: no\n", "mediators", ANSWERS_P_CONFLICT,
	  "Q8: 'yes / no': two different answers, kept unconfirmed", {
	  "We found two different answers: 'yes / no'. Please write the one "
	  "you mean. Write \u201Cyes\u201D or \u201Cno\u201D.",
	  "Открихме два различни отговора: 'yes / no'. Моля, напишете този, "
	  "който имате предвид. Напишете „да“ или „не“.",
	  "We vonden twee verschillende antwoorden: 'yes / no'. Schrijf het "
	  "antwoord dat u bedoelt. Schrijf \u2018ja\u2019 of "
	  "\u2018nee\u2019.",
	  "Našli jsme dvě různé odpovědi: 'yes / no'. Napište prosím tu, "
	  "kterou myslíte. Napište „ano“ nebo „ne“." } },
	{ FIELD, "A3: z", "areas", ANSWERS_P_NOT_OPTION,
	  "Q3: 'z' is not one of a, b, c, d, e, f", {
	  "'z' is not one of the options. Write one or more letters from a "
	  "to f, separated by commas.",
	  "'z' не е сред възможните отговори. Напишете една или повече "
	  "букви от a до f, разделени със запетаи.",
	  "'z' is geen van de antwoordmogelijkheden. Schrijf één of meer "
	  "letters van a tot en met f, gescheiden door komma's.",
	  "'z' není žádná z nabízených možností. Napište jedno nebo více "
	  "písmen a až f oddělených čárkami." } },
	{ FIELD, "A6: a, b", "funding", ANSWERS_P_ONLY_ONE,
	  "Q6: 'a, b': choose only one of a, b, c, d, e", {
	  "'a, b': only one answer can be chosen. Write one letter from a "
	  "to e.",
	  "'a, b': може да изберете само един отговор. Напишете една буква "
	  "от a до e.",
	  "'a, b': u kunt maar één antwoord kiezen. Schrijf één letter van "
	  "a tot en met e.",
	  "'a, b': lze vybrat jen jednu možnost. Napište jedno písmeno a "
	  "až e." } },
	{ FEEDBACK, "A9: 11.3.2026", "follow-up", ANSWERS_P_NOT_OPTION,
	  "Q9: '11.3.2026' is not one of a, b, c", {
	  "'11.3.2026' is not one of the options. Write one letter from a "
	  "to c.",
	  "'11.3.2026' не е сред възможните отговори. Напишете една буква "
	  "от a до c.",
	  "'11.3.2026' is geen van de antwoordmogelijkheden. Schrijf één "
	  "letter van a tot en met c.",
	  "'11.3.2026' není žádná z nabízených možností. Napište jedno "
	  "písmeno a až c." } },
	{ FIELD, "A2: може би", "strategy", ANSWERS_P_NOT_YESNO,
	  "Q2: 'може би' is not yes or no", {
	  "'може би' is neither yes nor no. Write \u201Cyes\u201D or "
	  "\u201Cno\u201D.",
	  "'може би' не е нито „да“, нито „не“. Напишете „да“ или „не“.",
	  "'може би' is noch ja, noch nee. Schrijf \u2018ja\u2019 of "
	  "\u2018nee\u2019.",
	  "'може би' není ani „ano“, ani „ne“. Napište „ano“ nebo „ne“." } },
	{ FIELD, "A5: a lot", "budget", ANSWERS_P_NOT_NUMBER,
	  "Q5: 'a lot' is not a number", {
	  "'a lot' is not a number. Write one whole number, at least 0.",
	  "'a lot' не е число. Напишете едно цяло число, не по-малко от 0.",
	  "'a lot' is geen getal. Schrijf één geheel getal van minstens 0.",
	  "'a lot' není číslo. Napište jedno celé číslo, nejméně 0." } },
	{ FIELD, "A7: 2 or 3", "staff", ANSWERS_P_MANY_NUMBERS,
	  "Q7: '2 or 3': write one number only", {
	  "'2 or 3' holds more than one number. Write one whole number from "
	  "0 to 500.",
	  "'2 or 3' съдържа повече от едно число. Напишете едно цяло число "
	  "от 0 до 500.",
	  "'2 or 3' bevat meer dan één getal. Schrijf één geheel getal van "
	  "0 tot en met 500.",
	  "'2 or 3' obsahuje více než jedno číslo. Napište jedno celé číslo "
	  "od 0 do 500." } },
	{ FIELD, "A5: 12,5", "budget", ANSWERS_P_NOT_WHOLE,
	  "Q5: '12,5' is not a whole number", {
	  "'12,5' is not a whole number. Write one whole number, at least 0.",
	  "'12,5' не е цяло число. Напишете едно цяло число, не по-малко "
	  "от 0.",
	  "'12,5' is geen geheel getal. Schrijf één geheel getal van "
	  "minstens 0.",
	  "'12,5' není celé číslo. Napište jedno celé číslo, nejméně 0." } },
	{ FIELD, "A10: 9", "results", ANSWERS_P_OUT_OF_BOUNDS,
	  "Q10: 9 is not between 1 and 5", {
	  "9 is not between 1 and 5. Write one whole number from 1 to 5.",
	  "9 не е между 1 и 5. Напишете едно цяло число от 1 до 5.",
	  "9 ligt niet tussen 1 en 5. Schrijf één geheel getal van 1 tot en "
	  "met 5.",
	  "9 není mezi 1 a 5. Napište jedno celé číslo od 1 do 5." } },
	{ FIELD, "A5: -3", "budget", ANSWERS_P_TOO_SMALL,
	  "Q5: -3 is less than 0", {
	  "-3 is less than 0. Write one whole number, at least 0.",
	  "-3 е по-малко от 0. Напишете едно цяло число, не по-малко от 0.",
	  "-3 is kleiner dan 0. Schrijf één geheel getal van minstens 0.",
	  "-3 je méně než 0. Napište jedno celé číslo, nejméně 0." } },
	{ FIELD, "A2: yes", "municipality", ANSWERS_P_REQUIRED,
	  "Q1: required, no answer found", {
	  "No answer was found, and this question is required. Write your "
	  "answer after \u201CA1:\u201D.",
	  "Не открихме отговор, а въпросът е задължителен. Напишете "
	  "отговора си след „A1:“.",
	  "We hebben geen antwoord gevonden, terwijl deze vraag verplicht "
	  "is. Schrijf uw antwoord na \u2018A1:\u2019.",
	  "Nenašli jsme žádnou odpověď a otázka je povinná. Napište svou "
	  "odpověď za „A1:“." } },
	{ FIELD, "A1: Ostrava", "strategy", ANSWERS_P_REQUIRED,
	  "Q2: required, no answer found", {
	  "No answer was found, and this question is required. Write "
	  "\u201Cyes\u201D or \u201Cno\u201D.",
	  "Не открихме отговор, а въпросът е задължителен. Напишете „да“ "
	  "или „не“.",
	  "We hebben geen antwoord gevonden, terwijl deze vraag verplicht "
	  "is. Schrijf \u2018ja\u2019 of \u2018nee\u2019.",
	  "Nenašli jsme žádnou odpověď a otázka je povinná. Napište „ano“ "
	  "nebo „ne“." } },
};

static const char *const plangs[4] = { "en", "bg", "nl", "cs" };

static const struct answers_pinfo *
pinfo_of(const struct answers *a, const char *qid, const char **reason_r)
{
	for (size_t i = 0; i < answers_nproblems(a); i++) {
		const char *q;

		answers_problem(a, i, &q, reason_r);
		if (strcmp(q, qid) == 0)
			return answers_problem_info(a, i);
	}
	return NULL;
}

static void
assert_pinfo_equal(const struct answers_pinfo *x,
		   const struct answers_pinfo *y)
{
	assert_int_equal(x->code, y->code);
	assert_int_equal(x->number, y->number);
	assert_string_equal(x->value, y->value);
	assert_string_equal(x->keys, y->keys);
	assert_int_equal(x->n, y->n);
	assert_int_equal(x->min, y->min);
	assert_int_equal(x->max, y->max);
}

static void
test_problem_texts(void **state)
{
	struct fixture *f = *state;
	struct buf out;

	buf_init(&out, 0);
	for (size_t i = 0; i < sizeof(pcases) / sizeof(*pcases); i++) {
		const struct pcase *c = &pcases[i];
		const struct survey_question *q =
			survey_find(f->sv[c->survey], c->qid);
		const struct answers_pinfo *p;
		struct answers_pinfo back;
		struct answers *a = NULL;
		const char *reason = NULL, *ff = strchr(c->reply, '\f');
		char *reply = ff ? xstrndup(c->reply, (size_t)(ff - c->reply)) :
			      xstrdup(c->reply);

		answers_extract(f->sv[c->survey], reply, ff ? ff + 1 : "", &a);
		free(reply);
		p = pinfo_of(a, c->qid, &reason);
		if (p == NULL)
			fail_msg("case %zu (%s): no problem", i, c->reply);
		assert_int_equal(p->code, c->code);
		assert_int_equal(p->number, q->number);
		/* staff keep the English reason exactly as before */
		assert_string_equal(reason, c->reason);
		/* the reason as stored gives the same data back */
		assert_int_equal(answers_reason_parse(reason, &back), 0);
		assert_pinfo_equal(&back, p);
		for (size_t l = 0; l < 4; l++) {
			answers_problem_text(p, q, plangs[l], &out);
			if (strcmp(buf_cstr(&out), c->text[l]) != 0)
				fail_msg("case %zu %s: got \"%s\"", i,
					 plangs[l], buf_cstr(&out));
			/* read back from the store, the same text */
			answers_problem_text(&back, q, plangs[l], &out);
			assert_string_equal(buf_cstr(&out), c->text[l]);
		}
		/* an unknown language reads English */
		answers_problem_text(p, q, "de", &out);
		assert_string_equal(buf_cstr(&out), c->text[0]);
		answers_pinfo_clear(&back);
		answers_pinfo_clear(&back);	/* cleared twice is fine */
		answers_free(&a);
	}
	buf_free(&out);
}

/* Questions the shipped surveys lack: a number with only a maximum, a
 * choice of two; and no question at all (no hint). */
static void
test_problem_texts_synthetic(void **state)
{
	static const struct survey_option two[] = { { "in", "a" },
						    { "out", "b" } };
	static const struct survey_question cap = { "cap", 4, SURVEY_NUMBER,
		0, 0, 100, 0, 1, 0, NULL, 0 };
	static const struct survey_question pick = { "pick", 2, SURVEY_SINGLE,
		0, 0, 0, 0, 0, 2, two, 0 };
	static const struct {
		const char *reason;
		const struct survey_question *q;
		const char *lang, *want;
	} t[] = {
		{ "Q4: 120 is more than 100", &cap, "en",
		  "120 is more than 100. Write one whole number, at most 100." },
		{ "Q4: 120 is more than 100", &cap, "bg",
		  "120 е повече от 100. Напишете едно цяло число, не по-голямо "
		  "от 100." },
		{ "Q4: 120 is more than 100", &cap, "nl",
		  "120 is groter dan 100. Schrijf één geheel getal van "
		  "hoogstens 100." },
		{ "Q4: 120 is more than 100", &cap, "cs",
		  "120 je více než 100. Napište jedno celé číslo, nejvýše 100." },
		{ "Q2: 'c' is not one of a, b", &pick, "en",
		  "'c' is not one of the options. Write a or b." },
		{ "Q2: 'c' is not one of a, b", &pick, "bg",
		  "'c' не е сред възможните отговори. Напишете a или b." },
		{ "Q2: 'c' is not one of a, b", &pick, "nl",
		  "'c' is geen van de antwoordmogelijkheden. Schrijf a of b." },
		{ "Q2: 'c' is not one of a, b", &pick, "cs",
		  "'c' není žádná z nabízených možností. Napište a nebo b." },
		{ "Q2: 'c' is not one of a, b", NULL, "bg",
		  "'c' не е сред възможните отговори." },
	};
	struct buf out;

	(void)state;
	buf_init(&out, 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		struct answers_pinfo p;

		assert_int_equal(answers_reason_parse(t[i].reason, &p), 0);
		answers_problem_text(&p, t[i].q, t[i].lang, &out);
		if (strcmp(buf_cstr(&out), t[i].want) != 0)
			fail_msg("case %zu: got \"%s\"", i, buf_cstr(&out));
		answers_pinfo_clear(&p);
	}
	buf_free(&out);
}

/* Reading reasons back: the respondent's words may hold quotes and the
 * reason's own phrases; anything answers does not write is refused. */
static void
test_reason_parse(void **state)
{
	static const struct {
		const char *reason;
		enum answers_pcode code;
		const char *value, *keys;
		long n, min, max;
	} t[] = {
		{ "Q3: 'it's b' is not one of a, b, c", ANSWERS_P_NOT_OPTION,
		  "it's b", "a, b, c", 0, 0, 0 },
		{ "Q2: 'x' is not one of a' is not yes or no",
		  ANSWERS_P_NOT_YESNO, "x' is not one of a", "", 0, 0, 0 },
		{ "Q6: 'z' is not one of a': choose only one of a, b",
		  ANSWERS_P_ONLY_ONE, "z' is not one of a", "a, b", 0, 0, 0 },
		{ "Q5: '' is not a number", ANSWERS_P_NOT_NUMBER, "", "",
		  0, 0, 0 },
		{ "Q12: -40 is not between -10 and 10",
		  ANSWERS_P_OUT_OF_BOUNDS, "", "", -40, -10, 10 },
		{ "Q7: 600 is more than 500", ANSWERS_P_TOO_LARGE, "", "",
		  600, 0, 500 },
		/* not answers' own words: stays as written */
		{ "no answer lines found", ANSWERS_P_NONE, NULL, NULL, 0, 0, 0 },
		{ "Q3: required", ANSWERS_P_NONE, NULL, NULL, 0, 0, 0 },
		{ "Q0: required, no answer found", ANSWERS_P_NONE, NULL, NULL,
		  0, 0, 0 },
		{ "Q5: +3 is less than 0", ANSWERS_P_NONE, NULL, NULL, 0, 0, 0 },
		{ "Q5:  3 is less than 0", ANSWERS_P_NONE, NULL, NULL, 0, 0, 0 },
		{ "Q3: 'z' is not one of A, B", ANSWERS_P_NONE, NULL, NULL,
		  0, 0, 0 },
		{ "Q3: 'z' is not one of a,b", ANSWERS_P_NONE, NULL, NULL,
		  0, 0, 0 },
		{ "Q5: 'x' is not a number; Q6: 'y' is not a number",
		  ANSWERS_P_NOT_NUMBER, "x' is not a number; Q6: 'y", "",
		  0, 0, 0 },
		{ "", ANSWERS_P_NONE, NULL, NULL, 0, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		struct answers_pinfo p;
		int rc = answers_reason_parse(t[i].reason, &p);

		if (p.code != t[i].code)
			fail_msg("case %zu (%s): code %d", i, t[i].reason,
				 (int)p.code);
		assert_int_equal(rc, t[i].code == ANSWERS_P_NONE ? -1 : 0);
		if (rc == 0) {
			assert_string_equal(p.value, t[i].value);
			assert_string_equal(p.keys, t[i].keys);
			assert_int_equal(p.n, t[i].n);
			assert_int_equal(p.min, t[i].min);
			assert_int_equal(p.max, t[i].max);
		}
		answers_pinfo_clear(&p);
	}
	/* NULL and an over-long text are no reasons either */
	{
		struct answers_pinfo p;
		char *big = xmalloc(4000);

		assert_int_equal(answers_reason_parse(NULL, &p), -1);
		memset(big, 'x', 3999);
		big[3999] = '\0';
		memcpy(big, "Q1: '", 5);
		memcpy(big + 3999 - 17, "' is not a number", 17);
		assert_int_equal(answers_reason_parse(big, &p), -1);
		assert_int_equal(p.code, ANSWERS_P_NONE);
		free(big);
	}
}

static void
test_not_a_form_reply(void **state)
{
	struct fixture *f = *state;
	struct answers *a;
	struct buf form;

	buf_init(&form, 0);
	assert_int_equal(form_render_text(f->sv[FIELD], "en", &form), 0);
	/* a person writing back without filling anything in */
	answers_extract(f->sv[FIELD], "Thanks, I will answer next week.\n",
			buf_cstr(&form), &a);
	assert_true(answers_none_found(a));
	assert_int_equal(answers_count(a), 0);
	assert_int_equal(answers_nproblems(a), 0);
	answers_free(&a);
	answers_extract(f->sv[FIELD], NULL, NULL, &a);
	assert_true(answers_none_found(a));
	answers_free(&a);
	answers_free(&a);	/* NULL is fine */
	buf_free(&form);
}

/* Answers a person types into the field study, by question number. */
static const struct fill {
	int n;
	const char *typed, *qid, *value;
} fills[] = {
	{ 1, "Община Каварна, заместник-кмет", "municipality",
	  "Община Каварна, заместник-кмет" },
	{ 2, "да", "strategy", "yes" },
	{ 3, "a, c, f", "areas", "education,health,participation" },
	{ 4, "Образователни медиатори в 3 училища.\nЗдравен медиатор.",
	  "measures", "Образователни медиатори в 3 училища.\nЗдравен медиатор." },
	{ 5, "25 000", "budget", "25000" },
	{ 6, "c", "funding", "eu" },
	{ 7, "6", "staff", "6" },
	{ 8, "не", "mediators", "no" },
	{ 9, "3", "coordination", "3" },
	{ 10, "4", "results", "4" },
	{ 11, "Липса на финансиране, e", "obstacles", "funding,data" },
	{ 12, "Училищни медиатори: по-малко отпаднали ученици.", "practice",
	  "Училищни медиатори: по-малко отпаднали ученици." },
	{ 13, "a", "interview", "2026-03-10" },
};

/* Type each answer after its "A<n>:" line, as a person would. */
static char *
fill_in(const char *form)
{
	struct buf out;
	const char *s = form;

	buf_init(&out, 0);
	while (*s) {
		size_t n = strcspn(s, "\n");
		int q = 0;

		buf_add(&out, s, n);
		if (sscanf(s, "A%d:", &q) == 1 && n < 6)
			for (size_t i = 0; i < sizeof(fills) / sizeof(*fills);
			     i++)
				if (fills[i].n == q)
					buf_printf(&out, " %s", fills[i].typed);
		buf_addc(&out, '\n');
		s += n + (s[n] == '\n');
	}
	return buf_steal(&out);
}

static void
check_fills(const struct answers *a)
{
	for (size_t i = 0; i < answers_nproblems(a); i++) {
		const char *q, *r;

		answers_problem(a, i, &q, &r);
		fail_msg("unexpected problem %s", r);
	}
	assert_int_equal(answers_count(a), sizeof(fills) / sizeof(*fills));
	for (size_t i = 0; i < sizeof(fills) / sizeof(*fills); i++) {
		const char *v = value_of(a, fills[i].qid);

		assert_non_null(v);
		assert_string_equal(v, fills[i].value);
	}
}

static void
test_round_trip_text(void **state)
{
	struct fixture *f = *state;
	struct answers *a;
	struct buf form;
	char *filled;

	buf_init(&form, 0);
	assert_int_equal(form_render_text(f->sv[FIELD], "bg", &form), 0);
	filled = fill_in(buf_cstr(&form));
	answers_extract(f->sv[FIELD], "", filled, &a);
	check_fills(a);
	answers_free(&a);
	free(filled);
	buf_free(&form);
}

/* A crude HTML -> text conversion like a reply client's: each row,
 * paragraph and heading ends a line, tags go, entities are decoded. */
static char *
crude_html_to_text(const char *html)
{
	static const struct { const char *ent, *ch; } ents[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&#39;", "'" },
	};
	struct buf b;

	buf_init(&b, 0);
	for (const char *s = html; *s;) {
		if (*s == '<') {
			if (!strncmp(s, "</tr>", 5) || !strncmp(s, "</p>", 4) ||
			    !strncmp(s, "</h2>", 5))
				buf_addc(&b, '\n');
			s += strcspn(s, ">");
			s += *s == '>';
			continue;
		}
		if (*s == '\n') {
			s++;
			continue;
		}
		size_t i;

		for (i = 0; i < sizeof(ents) / sizeof(*ents); i++)
			if (!strncmp(s, ents[i].ent, strlen(ents[i].ent)))
				break;
		if (i < sizeof(ents) / sizeof(*ents)) {
			buf_adds(&b, ents[i].ch);
			s += strlen(ents[i].ent);
		} else
			buf_addc(&b, *s++);
	}
	return buf_steal(&b);
}

static void
test_round_trip_html(void **state)
{
	struct fixture *f = *state;
	struct answers *a;
	struct buf form;
	char *text, *filled;

	buf_init(&form, 0);
	assert_int_equal(form_render_html(f->sv[FIELD], "cs", &form), 0);
	text = crude_html_to_text(buf_cstr(&form));
	filled = fill_in(text);
	answers_extract(f->sv[FIELD], "", filled, &a);
	check_fills(a);
	answers_free(&a);
	free(text);
	free(filled);
	buf_free(&form);
}

/* Type each answer into the HTML form itself, right after "A<n>:", as
 * a person does in the quoted original of an HTML reply. */
static char *
fill_in_html(const char *form)
{
	struct buf out;
	const char *s = form;

	buf_init(&out, 0);
	while (*s) {
		int q = 0, len = 0;
		const char *typed = NULL;

		if (sscanf(s, ">A%d:%n", &q, &len) == 1 && len > 0 &&
		    strncmp(s + len, "</td>", 5) == 0)
			for (size_t i = 0; i < sizeof(fills) / sizeof(*fills);
			     i++)
				if (fills[i].n == q)
					typed = fills[i].typed;
		if (typed == NULL) {
			buf_addc(&out, *s++);
			continue;
		}
		buf_add(&out, s, (size_t)len);
		buf_addc(&out, ' ');
		for (const char *t = typed; *t; t++)	/* a typed line break */
			*t == '\n' ? buf_adds(&out, "<br>") : buf_addc(&out, *t);
		s += len;
	}
	return buf_steal(&out);
}

/* End to end through the parse module: an HTML reply quoting the HTML
 * form with the answers typed inside the quote. */
static void
test_round_trip_html_reply(void **state)
{
	struct fixture *f = *state;
	struct answers *a;
	struct buf form, mail;
	char *filled, *text, *fresh, *quoted;

	buf_init(&form, 0);
	buf_init(&mail, 0);
	assert_int_equal(form_render_html(f->sv[FIELD], "bg", &form), 0);
	filled = fill_in_html(buf_cstr(&form));
	buf_printf(&mail, "<html><body><div>Answers below.</div><br>"
		   "<blockquote type=\"cite\">%s</blockquote></body></html>",
		   filled);
	text = html_to_text(mail.data, mail.len);
	parse_split_reply(text, &fresh, &quoted);
	answers_extract(f->sv[FIELD], fresh, quoted, &a);
	check_fills(a);
	answers_free(&a);
	free(filled);
	free(text);
	free(fresh);
	free(quoted);
	buf_free(&form);
	buf_free(&mail);
}

/* End to end through the reply splitter: answers typed on top of an
 * "On <date>, <who> wrote:" attribution and the quoted, empty form. A
 * digit in the new text once let the attribution swallow it, and the
 * quoted form's empty "A10:" then said "required, no answer found"
 * instead of the problem in what was written. */
/* Answers typed into a table in an HTML reply (Outlook web, Gmail): the
 * html module gives one line per row, cells apart by tabs; the question
 * is named in the first cell as people name it. */
static void
test_html_table_reply(void **state)
{
	static const struct { const char *qid, *value; } want[] = {
		{ "municipality", "Gemeente Gent, beleidsmedewerker" },
		{ "strategy", "yes" }, { "areas", "education,housing" },
		{ "budget", "22500" }, { "coordination", "4" },
		{ "interview", "2026-03-12" },
	};
	struct fixture *f = *state;
	struct answers *a;
	struct buf form, mail;
	char *text, *fresh, *quoted;

	buf_init(&form, 0);
	buf_init(&mail, 0);
	assert_int_equal(form_render_html(f->sv[FIELD], "nl", &form), 0);
	buf_printf(&mail, "<html><body><p>Beste,</p><table>"
		   "<tr><th>Vraag</th><th>Antwoord</th></tr>"
		   "<tr><td>1. Gemeente en functie</td>"
		   "<td>Gemeente Gent, beleidsmedewerker</td></tr>"
		   "<tr><td>2</td><td>ja</td></tr>"
		   "<tr><td>Vraag 3</td><td>Onderwijs en Huisvesting</td></tr>"
		   "<tr><td>5</td><td>&euro;&nbsp;22.500,00</td></tr>"
		   "<tr><td>9</td><td>4 van 5</td></tr>"
		   "<tr><td>13</td><td>12 maart</td></tr></table>"
		   "<p>Met vriendelijke groet,<br>Sofie De Smet</p>"
		   "<blockquote type=\"cite\">%s</blockquote></body></html>",
		   buf_cstr(&form));
	text = html_to_text(mail.data, mail.len);
	parse_split_reply(text, &fresh, &quoted);
	answers_extract(f->sv[FIELD], fresh, quoted, &a);
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		const char *v = value_of(a, want[i].qid);

		if (v == NULL || strcmp(v, want[i].value) != 0)
			fail_msg("%s: '%s'\n%s", want[i].qid, v ? v : "(none)",
				 fresh);
	}
	assert_int_equal(answers_count(a), sizeof(want) / sizeof(*want));
	answers_free(&a);
	free(text);
	free(fresh);
	free(quoted);
	buf_free(&form);
	buf_free(&mail);
}

static void
test_top_posted_reply(void **state)
{
	struct fixture *f = *state;
	/* with and without a blank line above the attribution */
	static const char *const tops[] = {
		"A1: Ostrava\nA10: 9\n\nOn Mon, 2 Mar 2026 at 09:14, "
		"organiser@example.org wrote:\n",
		"A1: Ostrava\nA10: 9\nOn Mon, 2 Mar 2026 at 09:14, Organiser "
		"<organiser@example.org> wrote:\n",
	};
	struct buf form;

	buf_init(&form, 0);
	assert_int_equal(form_render_text(f->sv[FIELD], "en", &form), 0);
	for (size_t t = 0; t < sizeof(tops) / sizeof(*tops); t++) {
		struct answers *a;
		struct buf mail;
		char *fresh, *quoted;

		buf_init(&mail, 0);
		buf_adds(&mail, tops[t]);
		for (const char *s = buf_cstr(&form); *s;) {
			size_t n = strcspn(s, "\n");
			buf_printf(&mail, "> %.*s\n", (int)n, s);
			s += n + (s[n] == '\n');
		}
		parse_split_reply(buf_cstr(&mail), &fresh, &quoted);
		assert_string_equal(fresh, "A1: Ostrava\nA10: 9");
		answers_extract(f->sv[FIELD], fresh, quoted, &a);
		assert_string_equal(value_of(a, "municipality"), "Ostrava");
		assert_null(value_of(a, "results"));
		for (size_t i = 0, n10 = 0; i < answers_nproblems(a); i++) {
			const char *q, *r;

			answers_problem(a, i, &q, &r);
			if (strcmp(q, "results") != 0)
				continue;
			assert_int_equal(n10++, 0);	/* only the real one */
			assert_string_equal(r, "Q10: 9 is not between 1 and 5");
		}
		assert_non_null(problem_of(a, "results"));
		answers_free(&a);
		free(fresh);
		free(quoted);
		buf_free(&mail);
	}
	buf_free(&form);
}

/* Every cut of a filled form (as a broken client might send it) reads
 * without a crash, and every value read back is non-empty. */
static void
test_truncated_replies(void **state)
{
	struct fixture *f = *state;
	struct buf form;
	char *filled;
	size_t len;

	buf_init(&form, 0);
	assert_int_equal(form_render_text(f->sv[FIELD], "en", &form), 0);
	filled = fill_in(buf_cstr(&form));
	len = strlen(filled);
	for (size_t n = 0; n < len; n += 7) {
		char *cut = xstrndup(filled, n);
		struct answers *a;

		answers_extract(f->sv[FIELD], cut, cut, &a);
		for (size_t i = 0; i < answers_count(a); i++) {
			const char *q, *v;

			answers_get(a, i, &q, &v);
			assert_non_null(v);
			assert_true(*v != '\0');
		}
		answers_free(&a);
		free(cut);
	}
	free(filled);
	buf_free(&form);
}

/* ---- realistic replies: a score over tests/data/replies/realistic -------
 *
 * Each NAME.txt is a reply body as a mail client writes it (HTML replies
 * as the html module turns them into text); NAME.json beside it says
 * what the respondent meant: "expect" maps a question id to the value
 * that must be recorded, "ask" lists questions that must be asked back
 * (unreadable or uncertain). The body goes through quote_split as on
 * ingest. Per message: every expected answer read right or asked back,
 * every "ask" question asked, nothing recorded as certain that the
 * respondent did not mean. Three figures, as issue 10 states them.
 *
 * Hold-out rule (fixed before any tuning): a fixture whose file name
 * without ".txt" has an FNV-1a 32-bit hash divisible by 4 is held out;
 * its score is reported apart and the mechanisms were never tuned on it.
 */
struct rscore {
	int msgs, msgs_ok, answers, read, wrong;
};

static unsigned
fnv1a(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	assert_non_null(fp);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	return buf_steal(&b);
}

/* White space collapsed, so a re-wrapped free text still compares. */
static int
same_text(const char *a, const char *b)
{
	for (;;) {
		int sa = 0, sb = 0;

		while (*a == ' ' || *a == '\n' || *a == '\t')
			a++, sa = 1;
		while (*b == ' ' || *b == '\n' || *b == '\t')
			b++, sb = 1;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if (sa != sb || *a != *b)
			return 0;
		a++;
		b++;
	}
}

/* 1 if q's answer is kept but unconfirmed. */
static int
answer_unconfirmed_id(const struct answers *a, const char *qid)
{
	for (size_t i = 0; i < answers_count(a); i++) {
		const char *q, *v;

		answers_get(a, i, &q, &v);
		if (strcmp(q, qid) == 0)
			return answers_unconfirmed(a, i);
	}
	return 0;
}

/* 1 if the reading of q is asked back: a problem names it. */
static int
asked(const struct answers *a, const char *qid)
{
	return problem_of(a, qid) != NULL;
}

/* What went wrong, for the tuned part only: the held-out part is
 * scored, never looked into. */
#define SAY(...) do { if (!held) print_message(__VA_ARGS__); } while (0)

static void
score_one(const struct survey *sv, const char *name, const char *body,
	  json_t *exp, int held, struct rscore *sc)
{
	json_t *want = json_object_get(exp, "expect");
	json_t *ask = json_object_get(exp, "ask");
	char *reply, *quoted;
	struct answers *a;
	int ok = 1;

	quote_split(body, &reply, &quoted);
	answers_extract(sv, reply, quoted, &a);
	for (size_t i = 0; i < answers_count(a); i++) {
		const char *q, *v;
		json_t *w;

		answers_get(a, i, &q, &v);
		if (answers_unconfirmed(a, i))
			continue;
		w = json_object_get(want, q);
		if (w == NULL || !same_text(v, json_string_value(w))) {
			SAY("# %s: %s recorded as '%s'\n", name, q,
				      v);
			sc->wrong++;
			ok = 0;
		}
	}
	for (size_t i = 0; i < survey_nquestions(sv); i++) {
		const char *qid = survey_question(sv, i)->id;
		json_t *w = json_object_get(want, qid);
		const char *v = value_of(a, qid);
		int right = w && v && !answer_unconfirmed_id(a, qid) &&
			    same_text(v, json_string_value(w));

		if (w) {
			sc->answers++;
			sc->read += right;
			if (!right && !asked(a, qid)) {
				SAY("# %s: %s not read\n", name, qid);
				ok = 0;
			}
		}
	}
	for (size_t i = 0; i < json_array_size(ask); i++) {
		const char *qid = json_string_value(json_array_get(ask, i));

		if (!asked(a, qid)) {
			SAY("# %s: %s not asked back\n", name, qid);
			ok = 0;
		}
	}
	sc->msgs++;
	sc->msgs_ok += ok;
	answers_free(&a);
	free(reply);
	free(quoted);
}

static const struct survey *
survey_by_id(const struct fixture *f, const char *id)
{
	for (int i = 0; i < NSURVEYS; i++)
		if (strcmp(survey_id(f->sv[i]), id) == 0)
			return f->sv[i];
	return NULL;
}

static void
test_realistic_replies(void **state)
{
	struct fixture *f = *state;
	char *dir = xasprintf("%s/tests/data/replies/realistic", srcdir());
	struct rscore sc[2] = { { 0 }, { 0 } };
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char *stem, *path, *body;
		json_t *exp;
		json_error_t je;
		const struct survey *sv;
		int held;

		if (n < 5 || strcmp(de->d_name + n - 4, ".txt") != 0)
			continue;
		stem = xstrndup(de->d_name, n - 4);
		path = xasprintf("%s/%s.json", dir, stem);
		exp = json_load_file(path, 0, &je);
		assert_non_null(exp);
		sv = survey_by_id(f, json_string_value(
			json_object_get(exp, "survey")));
		assert_non_null(sv);
		free(path);
		path = xasprintf("%s/%s", dir, de->d_name);
		body = slurp(path);
		held = fnv1a(stem) % 4 == 0;
		score_one(sv, stem, body, exp, held, &sc[held]);
		json_decref(exp);
		free(body);
		free(path);
		free(stem);
	}
	closedir(d);
	for (int h = 0; h < 2; h++)
		print_message("# realistic %s: messages right or asked "
			      "%d/%d, answers read without asking %d/%d, "
			      "wrong values %d\n", h ? "held-out" : "tuned",
			      sc[h].msgs_ok, sc[h].msgs, sc[h].read,
			      sc[h].answers, sc[h].wrong);
	assert_true(sc[0].msgs >= 20 && sc[1].msgs >= 5);
	assert_int_equal(sc[0].wrong + sc[1].wrong, 0);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_table),
		cmocka_unit_test(test_not_a_form_reply),
		cmocka_unit_test(test_problem_texts),
		cmocka_unit_test(test_problem_texts_synthetic),
		cmocka_unit_test(test_reason_parse),
		cmocka_unit_test(test_round_trip_text),
		cmocka_unit_test(test_round_trip_html),
		cmocka_unit_test(test_round_trip_html_reply),
		cmocka_unit_test(test_top_posted_reply),
		cmocka_unit_test(test_html_table_reply),
		cmocka_unit_test(test_truncated_replies),
		cmocka_unit_test(test_realistic_replies),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
