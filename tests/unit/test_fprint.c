/* test_fprint.c -- the fingerprint of what we sent finds the quoted
 * original in a reply: re-wrapped, under any prefix, below a header block
 * in any language, converted from HTML. The replies are made here from
 * the sent text by the transformations clients apply (wrap, prefix,
 * header block, HTML), so each test names a mechanism, not a sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/xmem.h"
#include "mail/fprint.h"
#include "mail/html.h"
#include "mail/quote.h"

/* What anketa sends: a form with "A<n>:" lines to fill in (form.h). */
static const char sent_en[] =
	"Dear Maria Rossi,\n"
	"\n"
	"the regional office is planning next year's training programme and "
	"would like to know what you think of this year's courses. Please "
	"answer by replying to this message; it takes about five minutes.\n"
	"\n"
	"Q1. Which course did you attend?\n"
	"    a) Budget planning\n"
	"    b) Public procurement\n"
	"    c) Project reporting\n"
	"A1:\n"
	"\n"
	"Q2. How useful was it for your daily work (1 = not at all, "
	"5 = very)?\n"
	"A2:\n"
	"\n"
	"Q3. What should we change for the next edition?\n"
	"A3:\n"
	"\n"
	"Thank you for your time.\n"
	"The training team\n";

static const char sent_bg[] =
	"Уважаема госпожо Петрова,\n"
	"\n"
	"Областната администрация подготвя програмата за обучения за "
	"следващата година и иска да научи Вашето мнение за курсовете тази "
	"година. Моля, отговорете на това писмо.\n"
	"\n"
	"Q1. Кой курс посетихте?\n"
	"    a) Бюджетно планиране\n"
	"    b) Обществени поръчки\n"
	"A1:\n"
	"\n"
	"Q2. Колко полезен беше за работата Ви?\n"
	"A2:\n"
	"\n"
	"Благодарим Ви!\n";

/* The text as a client quotes it: words re-flowed to width columns
 * (blank lines kept, a line never split inside a word), each line under
 * prefix. */
static char *
rewrap(const char *text, size_t width, const char *prefix)
{
	struct buf b;
	buf_init(&b, 0);
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		size_t col = 0;
		buf_adds(&b, prefix);
		for (size_t i = 0; i < n;) {
			size_t j = i;
			while (j < n && p[j] != ' ')
				j++;
			if (col > 0 && col + (j - i) > width) {
				buf_addc(&b, '\n');
				buf_adds(&b, prefix);
				col = 0;
			}
			buf_add(&b, p + i, j - i);
			col += j - i;
			if (j < n) {
				buf_addc(&b, ' ');
				col++;
			}
			i = j + 1;
		}
		buf_addc(&b, '\n');
		p += n + (nl != NULL);
	}
	return buf_steal(&b);
}

/* Replace the first "from" in s by "to". */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	assert_non_null(at);
	return xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

struct split {
	int r;
	char *n, *q;
};

static struct split
split_with(const char *sent, const char *reply)
{
	unsigned char *blob;
	size_t len;
	struct split s = { 0 };
	fprint_make(sent, &blob, &len);
	s.r = fprint_split(reply, blob, len, &s.n, &s.q);
	free(blob);
	return s;
}

static void
split_free(struct split *s)
{
	free(s->n);
	free(s->q);
}

/* Every line of the sent text's questions is in the quoted text. */
static void
assert_has_form(const char *q)
{
	assert_non_null(strstr(q, "Q1."));
	assert_non_null(strstr(q, "Q3. What should we change"));
	assert_non_null(strstr(q, "A3:"));
}

/* top, then sent_en re-wrapped at width under prefix: the split finds
 * the form quoted, want as the new text, and no word of the
 * attribution (not_in_quote) in the quoted text. */
static void
check_quoted(const char *top, size_t width, const char *prefix,
	     const char *want, const char *not_in_quote)
{
	char *quoted = rewrap(sent_en, width, prefix);
	char *reply = xasprintf("%s%s", top, quoted);
	struct split s = split_with(sent_en, reply);
	assert_int_equal(s.r, 1);
	assert_string_equal(s.n, want);
	assert_has_form(s.q);
	assert_null(strstr(s.q, not_in_quote));
	assert_null(strstr(s.q, prefix[0] == ' ' ? "\n  " : prefix));
	split_free(&s);
	free(reply);
	free(quoted);
}

static void
test_rewrapped_72_gt(void **state)
{
	(void)state;
	check_quoted("A1: b\nA2: 4\nA3: more exercises\n\nMaria\n\n"
		     "On Mon, 3 Mar 2025 at 10:00, Training "
		     "<survey@example.org> wrote:\n\n", 72, "> ",
		     "A1: b\nA2: 4\nA3: more exercises\n\nMaria", "wrote");
}

static void
test_rewrapped_60_pipe_and_nested(void **state)
{
	(void)state;
	const char *prefixes[] = { "| ", "> > ", ">> ", "  " };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		check_quoted("Answers: A1: c, A2: 5\n\nIl giorno lun 3 mar "
			     "2025 alle ore 10:00 Training "
			     "<survey@example.org> ha scritto:\n", 60,
			     prefixes[i], "Answers: A1: c, A2: 5", "scritto");
}

/* Outlook: the original unprefixed below a header block whose field
 * names no pattern needs to know. */
static void
test_outlook_header_block(void **state)
{
	(void)state;
	struct {
		const char *sent, *hdr, *answer;
	} c[] = {
		{ sent_en, "________________________________\n"
		  "Da: Training <survey@example.org>\n"
		  "Inviato: lunedì 3 marzo 2025 10:00\n"
		  "A: Maria Rossi <maria@example.it>\n"
		  "Oggetto: Corsi di formazione\n\n", "A1: a\nA2: 3" },
		{ sent_bg, "-----Оригинално съобщение-----\n"
		  "От: Обучения <survey@example.org>\n"
		  "Изпратено: понеделник, 3 март 2025 г. 10:00\n"
		  "До: Петрова\n"
		  "Тема: Обучения\n\n", "A1: b\nA2: много" },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		char *reply = xasprintf("%s\n\n%s%s", c[i].answer, c[i].hdr,
					c[i].sent);
		struct split s = split_with(c[i].sent, reply);
		assert_int_equal(s.r, 1);
		assert_string_equal(s.n, c[i].answer);
		assert_non_null(strstr(s.q, "Q2."));
		assert_null(strstr(s.q, "Изпратено"));
		assert_null(strstr(s.q, "Inviato"));
		split_free(&s);
		free(reply);
	}
}

/* An HTML reply as html_to_text renders it: the original in plain divs,
 * no blockquote, wrapped by the browser (one line per paragraph). */
static void
test_html_converted(void **state)
{
	(void)state;
	struct buf h;
	buf_init(&h, 0);
	buf_adds(&h, "<html><body><div>A1: b<br>A2: 2</div><div>Pavel</div>"
		 "<hr><div><b>Od:</b> Training &lt;survey@example.org&gt;"
		 "<br><b>Odesláno:</b> pondělí 3. března 2025 10:00<br>"
		 "<b>Předmět:</b> Kurzy</div><div>");
	for (const char *p = sent_en; *p; p++) {
		if (*p == '\n')
			buf_adds(&h, "<br>");
		else if (*p == '&' || *p == '<')
			buf_adds(&h, *p == '&' ? "&amp;" : "&lt;");
		else
			buf_addc(&h, *p);
	}
	buf_adds(&h, "</div></body></html>");
	char *text = html_to_text(h.data, h.len);
	struct split s = split_with(sent_en, text);
	assert_int_equal(s.r, 1);
	assert_string_equal(s.n, "A1: b\nA2: 2\nPavel");
	assert_has_form(s.q);
	split_free(&s);
	free(text);
	buf_free(&h);
}

static void
test_only_a_quote(void **state)
{
	(void)state;
	check_quoted("Op 3 mrt. 2025 om 10:00 heeft Training "
		     "<survey@example.org> het volgende geschreven:\n\n", 72,
		     "> ", "", "geschreven");
}

/* Answers typed into the quoted form stay in the quoted text, where
 * answers_extract reads filled-in forms; new text interleaved stays new. */
static void
test_answers_inside_the_quote(void **state)
{
	(void)state;
	char *a = replace(sent_en, "A1:\n", "A1: b\n");
	char *b = replace(a, "A2:\n", "A2: 4, really useful\n");
	char *quoted = rewrap(b, 72, "> ");
	char *inter = replace(quoted, "> A3:\n", "> A3:\nMore exercises, "
			      "please.\nThank you for your time.\n");
	char *reply = xasprintf("On 3/3/2025 Training wrote:\n%s", inter);
	struct split s = split_with(sent_en, reply);
	assert_int_equal(s.r, 1);
	assert_non_null(strstr(s.q, "\nA1: b\n"));
	assert_non_null(strstr(s.q, "\nA2: 4, really useful\n"));
	/* her own line, although it repeats five words of ours */
	assert_string_equal(s.n, "More exercises, please.\nThank you for "
			    "your time.");
	split_free(&s);
	/* the same unprefixed (Outlook): the filled lines extend ours */
	char *plain = xasprintf("\n\nFrom: Training <survey@example.org>\n"
				"Sent: Monday\n\n%s", b);
	s = split_with(sent_en, plain);
	assert_int_equal(s.r, 1);
	assert_string_equal(s.n, "");
	assert_non_null(strstr(s.q, "\nA1: b\n"));
	assert_non_null(strstr(s.q, "\nA2: 4, really useful\n"));
	split_free(&s);
	free(plain);
	free(reply);
	free(inter);
	free(quoted);
	free(b);
	free(a);
}

/* What the patterns do not know (a header in a language without a
 * pattern, no '>') only the fingerprint finds. */
static void
test_better_than_patterns(void **state)
{
	(void)state;
	char *reply = xasprintf("A1: a\n\nLähettäjä: Training "
				"<survey@example.org>\nLähetetty: 3.3.2025\n"
				"Aihe: Kurssit\n\n%s", sent_en);
	struct split s = split_with(sent_en, reply);
	assert_int_equal(s.r, 1);
	assert_string_equal(s.n, "A1: a");
	split_free(&s);
	free(reply);
}

static void
test_no_match_and_bad_blob(void **state)
{
	(void)state;
	unsigned char *blob;
	size_t len;
	char *n = NULL, *q = NULL;
	fprint_make(sent_en, &blob, &len);
	assert_int_equal(fprint_split("Thanks, I will answer next week.\n\n"
				      "> Could you send the agenda?\n", blob,
				      len, &n, &q), 0);
	/* a phrase of ours is no quote */
	assert_int_equal(fprint_split("Thank you for your time too!\n",
				      blob, len, &n, &q), 0);
	assert_null(n);
	assert_int_equal(fprint_split(sent_en, blob, len - 1, &n, &q), 0);
	blob[3]++;
	assert_int_equal(fprint_split(sent_en, blob, len, &n, &q), 0);
	assert_int_equal(fprint_split(sent_en, NULL, 0, &n, &q), 0);
	assert_null(n);
	free(blob);
	/* a text without words: an empty set, which matches nothing */
	fprint_make("-- \n", &blob, &len);
	assert_int_equal(fprint_split(sent_en, blob, len, &n, &q), 0);
	free(blob);
}

/* A long text: a bounded sample, drawn the same way on both sides, still
 * finds its re-wrapped quote. */
static void
test_long_text_sampled(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	for (int i = 0; i < 600; i++)
		buf_printf(&b, "Paragraph %d says that item %d costs %d euro "
			   "and ships in %d days.\n", i, i * 7, i * 13, i % 9);
	unsigned char *blob;
	size_t len;
	fprint_make(b.data, &blob, &len);
	assert_true(len <= FPRINT_MAX_BYTES);
	assert_true(len > FPRINT_MAX_BYTES - 8);
	char *quoted = rewrap(b.data, 60, "> ");
	char *reply = xasprintf("Fine by me.\n\nX wrote:\n%s", quoted);
	char *n, *q;
	assert_int_equal(fprint_split(reply, blob, len, &n, &q), 1);
	assert_string_equal(n, "Fine by me.");
	assert_non_null(strstr(q, "Paragraph 599 says"));
	free(n);
	free(q);
	free(reply);
	free(quoted);
	free(blob);
	buf_free(&b);
}

/* The fingerprint is the same whatever the case and punctuation. */
static void
test_case_and_punctuation(void **state)
{
	(void)state;
	unsigned char *b1, *b2;
	size_t l1, l2;
	fprint_make("Кой КУРС посетихте? Čeho, se týká!", &b1, &l1);
	fprint_make("кой курс — посетихте ... čeho se TÝKÁ", &b2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	free(b1);
	free(b2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrapped_72_gt),
		cmocka_unit_test(test_rewrapped_60_pipe_and_nested),
		cmocka_unit_test(test_outlook_header_block),
		cmocka_unit_test(test_html_converted),
		cmocka_unit_test(test_only_a_quote),
		cmocka_unit_test(test_answers_inside_the_quote),
		cmocka_unit_test(test_better_than_patterns),
		cmocka_unit_test(test_no_match_and_bad_blob),
		cmocka_unit_test(test_long_text_sampled),
		cmocka_unit_test(test_case_and_punctuation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
