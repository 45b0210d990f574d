/*
 * form.c -- render a questionnaire as a fill-in form; see form.h.
 *
 * Only the instruction and the answer hints are translated; the Q/A
 * lines, option letters and marker lines are the same in every language
 * so that answers.c reads every reply the same way.
 */
#include "model/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

#define FORM_WIDTH 72	/* text lines: fits every mail client and phone */

/* The strings a form needs in one language. */
struct form_lang {
	const char *code;
	const char *instruction;
	const char *one;	/* single, date */
	const char *several;	/* multi */
	const char *yesno;
	const char *range;	/* scale and bounded number: %ld %ld */
	const char *number;
	const char *at_least;	/* %ld */
	const char *at_most;	/* %ld */
	const char *text;
};

static const struct form_lang form_langs[] = {
	{ "en",
	  "Reply to this message and write your answer after each A-line "
	  "(for example \"A2: b\"). You may write your answers at the top "
	  "of your reply too. Questions marked * are required.",
	  "(one letter)", "(one or more letters)", "(yes or no)",
	  "(a number from %ld to %ld)", "(a number)",
	  "(a number, at least %ld)", "(a number, at most %ld)",
	  "(your own words; several lines are fine)" },
	{ "bg",
	  "Отговорете на това съобщение и напишете отговора си след всеки "
	  "ред, започващ с „A“ (например „A2: b“). Можете да напишете "
	  "отговорите и в началото на писмото си. Въпросите, отбелязани "
	  "със *, са задължителни.",
	  "(една буква)", "(една или повече букви)", "(да или не)",
	  "(число от %ld до %ld)", "(число)",
	  "(число, най-малко %ld)", "(число, най-много %ld)",
	  "(свободен текст, може на няколко реда)" },
	{ "nl",
	  "Beantwoord dit bericht en schrijf uw antwoord na elke A-regel "
	  "(bijvoorbeeld \"A2: b\"). U mag uw antwoorden ook bovenaan uw "
	  "antwoord zetten. Vragen met een * zijn verplicht.",
	  "(één letter)", "(één of meer letters)", "(ja of nee)",
	  "(een getal van %ld tot %ld)", "(een getal)",
	  "(een getal, minstens %ld)", "(een getal, hoogstens %ld)",
	  "(in uw eigen woorden; meerdere regels mag)" },
	{ "cs",
	  "Odpovězte na tuto zprávu a napište svou odpověď za každý řádek "
	  "začínající „A“ (například „A2: b“). Odpovědi můžete napsat také "
	  "na začátek své zprávy. Otázky označené * jsou povinné.",
	  "(jedno písmeno)", "(jedno nebo více písmen)", "(ano, nebo ne)",
	  "(číslo od %ld do %ld)", "(číslo)",
	  "(číslo, nejméně %ld)", "(číslo, nejvýše %ld)",
	  "(vlastními slovy, klidně na více řádků)" },
};

static const struct form_lang *
lang_get(const char *lang)
{
	for (size_t i = 0; lang && i < sizeof(form_langs) /
	     sizeof(form_langs[0]); i++)
		if (strcmp(form_langs[i].code, lang) == 0)
			return &form_langs[i];
	return NULL;
}

/* The survey's fallback decides, not English, when lang is unknown. */
static const char *
lang_pick(const struct survey *sv, const char *lang)
{
	return lang_get(lang) ? lang : survey_fallback_lang(sv);
}

const char *
form_instruction(const char *lang)
{
	const struct form_lang *l = lang_get(lang);

	return (l ? l : &form_langs[0])->instruction;
}

/* How to answer, e.g. "(a number from 1 to 5)"; into a caller buffer. */
static void
hint(const struct form_lang *l, const struct survey_question *q,
     char *out, size_t n)
{
	switch (q->type) {
	case SURVEY_SINGLE:
	case SURVEY_DATE:
		snprintf(out, n, "%s", l->one);
		break;
	case SURVEY_MULTI:
		snprintf(out, n, "%s", l->several);
		break;
	case SURVEY_YESNO:
		snprintf(out, n, "%s", l->yesno);
		break;
	case SURVEY_TEXT:
		snprintf(out, n, "%s", l->text);
		break;
	case SURVEY_SCALE:
	case SURVEY_NUMBER:
		if (q->has_min && q->has_max)
			snprintf(out, n, l->range, q->min, q->max);
		else if (q->has_min)
			snprintf(out, n, l->at_least, q->min);
		else if (q->has_max)
			snprintf(out, n, l->at_most, q->max);
		else
			snprintf(out, n, "%s", l->number);
		break;
	}
}

/* ---- plain text -------------------------------------------------------- */

static size_t
u8len(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Word-wrap s at FORM_WIDTH characters; lines after the first are
 * indented so they never start like a "Q<n>." or "A<n>:" line. */
static int
wrap(struct buf *out, const char *first, const char *s, const char *indent)
{
	size_t ind = u8len(indent, strlen(indent));
	size_t col = u8len(first, strlen(first));
	int rc = buf_adds(out, first);
	int start = 1;	/* no word on this line yet */

	while (*s == ' ')
		s++;
	while (*s) {
		size_t w = strcspn(s, " ");
		size_t wl = u8len(s, w);

		if (!start && col + 1 + wl > FORM_WIDTH) {
			rc |= buf_addc(out, '\n');
			rc |= buf_adds(out, indent);
			col = ind;
			start = 1;
		}
		if (!start) {
			rc |= buf_addc(out, ' ');
			col++;
		}
		rc |= buf_add(out, s, w);
		col += wl;
		start = 0;
		s += w;
		while (*s == ' ')
			s++;
	}
	rc |= buf_addc(out, '\n');
	return rc ? -1 : 0;
}

static int
text_question(const struct survey *sv, const struct survey_question *q,
	      const char *lang, const struct form_lang *l, struct buf *out)
{
	char h[128], head[32];
	char *line;
	int rc;

	hint(l, q, h, sizeof(h));
	snprintf(head, sizeof(head), "Q%d. ", q->number);
	line = xasprintf("%s %s%s", survey_qtext(sv, q, lang), h,
			 q->required ? " *" : "");
	rc = wrap(out, head, line, "    ");
	free(line);
	for (size_t j = 0; j < q->noptions; j++) {
		const struct survey_option *o = &q->options[j];

		snprintf(head, sizeof(head), "    [ ] %s) ", o->key);
		rc |= wrap(out, head, survey_otext(sv, q, o->id, lang),
			   "           ");
	}
	if (q->type == SURVEY_SCALE) {
		line = xasprintf("%ld = %s, %ld = %s", q->min,
				 survey_otext(sv, q, "min", lang), q->max,
				 survey_otext(sv, q, "max", lang));
		rc |= wrap(out, "    ", line, "    ");
		free(line);
	}
	rc |= buf_printf(out, "A%d:\n\n", q->number);
	return rc ? -1 : 0;
}

int
form_render_text(const struct survey *sv, const char *lang, struct buf *out)
{
	const struct form_lang *l;
	const char *intro;
	int rc;

	lang = lang_pick(sv, lang);
	l = lang_get(lang) ? lang_get(lang) : &form_langs[0];
	rc = wrap(out, "", l->instruction, "");
	rc |= buf_addc(out, '\n');
	rc |= wrap(out, "", survey_title(sv, lang), "");
	if ((intro = survey_intro(sv, lang)) != NULL)
		rc |= wrap(out, "", intro, "");
	rc |= buf_printf(out, "\n%s %s ===\n\n", FORM_BEGIN_MARK,
			 survey_id(sv));
	for (size_t i = 0; i < survey_nquestions(sv); i++)
		rc |= text_question(sv, survey_question(sv, i), lang, l, out);
	rc |= buf_printf(out, "%s\n", FORM_END_MARK);
	return rc ? -1 : 0;
}

/* ---- HTML ------------------------------------------------------------- */

static int
html_esc(struct buf *out, const char *s)
{
	int rc = 0;

	for (; *s; s++) {
		switch (*s) {
		case '&': rc |= buf_adds(out, "&amp;"); break;
		case '<': rc |= buf_adds(out, "&lt;"); break;
		case '>': rc |= buf_adds(out, "&gt;"); break;
		case '"': rc |= buf_adds(out, "&quot;"); break;
		case '\'': rc |= buf_adds(out, "&#39;"); break;
		default: rc |= buf_addc(out, *s); break;
		}
	}
	return rc;
}

/* One table row holding one line of text: converters turn each row into
 * a line, which keeps "A<n>:" alone at the start of its line. */
static int
html_row(struct buf *out, const char *style, const char *pre,
	 const char *text, const char *post_html)
{
	int rc = buf_printf(out, "<tr><td style=\"%s\">", style);

	rc |= html_esc(out, pre);
	rc |= html_esc(out, text);
	rc |= buf_adds(out, post_html);
	rc |= buf_adds(out, "</td></tr>\n");
	return rc;
}

#define ST_Q "padding:14px 0 4px 0;font-weight:bold;"
#define ST_OPT "padding:2px 0 2px 24px;"
#define ST_A "padding:6px 0 10px 0;font-family:Consolas,monospace;" \
	"color:#1a4d8f;"
#define ST_MARK "color:#999999;font-size:11px;font-family:monospace;"

static int
html_question(const struct survey *sv, const struct survey_question *q,
	      const char *lang, const struct form_lang *l, struct buf *out)
{
	char h[128], head[32];
	struct buf post;
	int rc;

	buf_init(&post, 0);
	hint(l, q, h, sizeof(h));
	buf_adds(&post, " <span style=\"font-weight:normal;color:#666666;\">");
	html_esc(&post, h);
	buf_adds(&post, "</span>");
	if (q->required)
		buf_adds(&post, " <span style=\"color:#b00000;\">*</span>");
	snprintf(head, sizeof(head), "Q%d. ", q->number);
	rc = html_row(out, ST_Q, head, survey_qtext(sv, q, lang),
		      buf_cstr(&post));
	buf_free(&post);
	for (size_t j = 0; j < q->noptions; j++) {
		const struct survey_option *o = &q->options[j];

		snprintf(head, sizeof(head), "[ ] %s) ", o->key);
		rc |= html_row(out, ST_OPT, head,
			       survey_otext(sv, q, o->id, lang), "");
	}
	if (q->type == SURVEY_SCALE) {
		char *line = xasprintf("%ld = %s, %ld = %s", q->min,
				       survey_otext(sv, q, "min", lang), q->max,
				       survey_otext(sv, q, "max", lang));

		rc |= html_row(out, ST_OPT, "", line, "");
		free(line);
	}
	snprintf(head, sizeof(head), "A%d:", q->number);
	rc |= html_row(out, ST_A, head, "", "");
	return rc;
}

int
form_render_html(const struct survey *sv, const char *lang, struct buf *out)
{
	const struct form_lang *l;
	const char *intro;
	char *mark;
	int rc;

	lang = lang_pick(sv, lang);
	l = lang_get(lang) ? lang_get(lang) : &form_langs[0];
	rc = buf_adds(out, "<div style=\"font-family:Arial,Helvetica,"
		      "sans-serif;font-size:14px;line-height:1.4;"
		      "color:#222222;max-width:640px;\">\n"
		      "<p style=\"background:#fff8dc;padding:8px;\">");
	rc |= html_esc(out, l->instruction);
	rc |= buf_adds(out, "</p>\n<h2 style=\"font-size:18px;"
		       "margin:16px 0 8px 0;\">");
	rc |= html_esc(out, survey_title(sv, lang));
	rc |= buf_adds(out, "</h2>\n");
	if ((intro = survey_intro(sv, lang)) != NULL) {
		rc |= buf_adds(out, "<p>");
		rc |= html_esc(out, intro);
		rc |= buf_adds(out, "</p>\n");
	}
	mark = xasprintf("%s %s ===", FORM_BEGIN_MARK, survey_id(sv));
	rc |= buf_printf(out, "<p style=\"%s\">", ST_MARK);
	rc |= html_esc(out, mark);
	free(mark);
	rc |= buf_adds(out, "</p>\n<table role=\"presentation\" "
		       "cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
		       "style=\"border-collapse:collapse;width:100%;\">\n");
	for (size_t i = 0; i < survey_nquestions(sv); i++)
		rc |= html_question(sv, survey_question(sv, i), lang, l, out);
	rc |= buf_printf(out, "</table>\n<p style=\"%s\">", ST_MARK);
	rc |= html_esc(out, FORM_END_MARK);
	rc |= buf_adds(out, "</p>\n</div>\n");
	return rc ? -1 : 0;
}
