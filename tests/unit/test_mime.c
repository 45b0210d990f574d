/*
 * test_mime.c -- messages built by mime.c are decoded back with libetpan
 * (an independent parser) and must give the input text again: Czech and
 * Cyrillic subjects and names, text + HTML + iMIP calendar, attachments.
 * Plus exact quoted-printable output, line lengths (headers <= 78, body
 * <= 76), encoded-words that never split a UTF-8 character, boundaries,
 * refusals, and 10,000 unique Message-IDs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libetpan/libetpan.h>

#include "base/buf.h"
#include "base/err.h"
#include "mail/mime.h"
#include "base/xmem.h"

static const char subj_cs[] =
    "Dotazník k výměnnému pobytu: prosíme o vyplnění do pátku 28. "
    "listopadu – děkujeme, Žluťoučký kůň úpěl ďábelské ódy";
static const char subj_ru[] = "Опрос участников обмена: пожалуйста, "
    "ответьте до пятницы";
static const char text_cs[] =
    "Dobrý den, paní Nováková,\n\n"
    "děkujeme za účast na výměnném pobytu. Odpovězte prosím na tuto zprávu "
    "a vyplňte dotazník níže; řádek je záměrně delší než sedmdesát šest "
    "znaků, aby se musel zalomit.\n"
    "Řádek s mezerami na konci   \n"
    "a = rovnítko\n"
    ".\n"
    "S pozdravem\n";
static const char html_cs[] =
    "<p>Dobrý den, <b>paní Nováková</b>,</p>\n<p>Привет!</p>\n";
static const char ics[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:Setkání účastníků\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n";

/* ---- helpers over libetpan ------------------------------------------- */

static char *
decode_phrase(const char *raw)
{
	size_t idx = 0;
	char *out = NULL;

	assert_int_equal(mailmime_encoded_phrase_parse("utf-8", raw,
	    strlen(raw), &idx, "utf-8", &out), MAILIMF_NO_ERROR);
	return out;
}

static struct mailimf_field *
field_of(struct mailmime *mm, int type)
{
	clistiter *it;

	assert_int_equal(mm->mm_type, MAILMIME_MESSAGE);
	for (it = clist_begin(mm->mm_data.mm_message.mm_fields->fld_list);
	    it; it = clist_next(it)) {
		struct mailimf_field *f = clist_content(it);

		if (f->fld_type == type)
			return f;
	}
	fail_msg("header %d missing", type);
	return NULL;
}

/* The decoded body of a single part, LF line ends turned to CRLF-free
 * text as the sender gave it (CRLF -> LF). Caller frees. */
static char *
part_text(struct mailmime *p)
{
	struct mailmime_data *d = p->mm_data.mm_single;
	size_t idx = 0, n = 0;
	char *raw = NULL, *out;

	assert_int_equal(p->mm_type, MAILMIME_SINGLE);
	assert_int_equal(mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, d->dt_encoding, &raw, &n),
	    MAILIMF_NO_ERROR);
	out = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!(raw[i] == '\r' && i + 1 < n && raw[i + 1] == '\n'))
			out[k++] = raw[i];
	out[k] = '\0';
	mmap_string_unref(raw);
	return out;
}

static struct mailmime *
kid(struct mailmime *multi, int i)
{
	clistiter *it;

	assert_int_equal(multi->mm_type, MAILMIME_MULTIPLE);
	it = clist_begin(multi->mm_data.mm_multipart.mm_mp_list);
	while (i-- > 0 && it)
		it = clist_next(it);
	assert_non_null(it);
	return clist_content(it);
}

static int
nkids(struct mailmime *multi)
{
	return clist_count(multi->mm_data.mm_multipart.mm_mp_list);
}

static void
assert_type(struct mailmime *p, const char *sub)
{
	assert_string_equal(p->mm_content_type->ct_subtype, sub);
}

/* Header lines <= 78, body lines <= 76, every line ends in CRLF. */
static void
assert_lines(const char *msg)
{
	const char *body = strstr(msg, "\r\n\r\n");
	const char *s = msg;

	assert_non_null(body);
	while (*s) {
		const char *nl = strstr(s, "\r\n");
		size_t max = s < body ? 78 : 76;

		assert_non_null(nl);
		if ((size_t)(nl - s) > max)
			fail_msg("line of %zu > %zu: %.*s", (size_t)(nl - s),
			    max, (int)(nl - s), s);
		assert_null(memchr(s, '\n', (size_t)(nl - s)));
		s = nl + 2;
	}
}

static char *
build(struct mime *m)
{
	struct buf out;
	struct err e;

	buf_init(&out, 0);
	if (mime_build(m, &out, &e) != 0)
		fail_msg("mime_build: %s", e.msg);
	assert_lines(buf_cstr(&out));
	return buf_steal(&out);
}

static struct mailmime *
parse(const char *msg)
{
	struct mailmime *mm = NULL;
	size_t idx = 0;

	assert_int_equal(mailmime_parse(msg, strlen(msg), &idx, &mm),
	    MAILIMF_NO_ERROR);
	return mm;
}

/* ---- tests ----------------------------------------------------------- */

static void
test_roundtrip(void **state)
{
	struct mime *m = mime_new();
	struct mailmime *mm, *body, *alt;
	struct mailimf_field *f;
	struct mailimf_mailbox *mb;
	char *msg, *s;
	static const unsigned char pdf[] = { '%', 'P', 0, 0xff, 0x80, '\n',
		'\r', 'x' };

	(void)state;
	mime_addr(m, "From", "Jana Nováková", "jana@example.org");
	mime_addr(m, "To", "Иван Петрович Сидоров", "ivan@example.ru");
	mime_addr(m, "To", "Doe, John \"JD\"", "john@example.com");
	mime_addr(m, "To", NULL, "bare@example.com");
	mime_header(m, "Subject", subj_cs);
	mime_header(m, "X-Survey", subj_ru);
	mime_header_raw(m, "Message-ID", "<1.abc@example.org>");
	mime_text(m, text_cs);
	mime_html(m, html_cs);
	mime_attach(m, "text/calendar; method=REQUEST", NULL, ics,
	    strlen(ics), 0);
	mime_attach(m, "application/pdf", "Průvodce účastníka.pdf", pdf,
	    sizeof(pdf), 0);
	msg = build(m);
	mm = parse(msg);

	f = field_of(mm, MAILIMF_FIELD_SUBJECT);
	s = decode_phrase(f->fld_data.fld_subject->sbj_value);
	assert_string_equal(s, subj_cs);
	free(s);
	f = field_of(mm, MAILIMF_FIELD_FROM);
	mb = clist_content(clist_begin(
	    f->fld_data.fld_from->frm_mb_list->mb_list));
	assert_string_equal(mb->mb_addr_spec, "jana@example.org");
	s = decode_phrase(mb->mb_display_name);
	assert_string_equal(s, "Jana Nováková");
	free(s);

	f = field_of(mm, MAILIMF_FIELD_TO);
	clist *to = f->fld_data.fld_to->to_addr_list->ad_list;
	assert_int_equal(clist_count(to), 3);
	static const char *const names[] = { "Иван Петрович Сидоров",
		"Doe, John \"JD\"", NULL };
	static const char *const specs[] = { "ivan@example.ru",
		"john@example.com", "bare@example.com" };
	int i = 0;
	for (clistiter *it = clist_begin(to); it; it = clist_next(it), i++) {
		struct mailimf_address *a = clist_content(it);

		assert_int_equal(a->ad_type, MAILIMF_ADDRESS_MAILBOX);
		mb = a->ad_data.ad_mailbox;
		assert_string_equal(mb->mb_addr_spec, specs[i]);
		if (names[i] == NULL) {
			assert_null(mb->mb_display_name);
			continue;
		}
		s = decode_phrase(mb->mb_display_name);
		assert_string_equal(s, names[i]);
		free(s);
	}

	/* mixed [ alternative [ text, html, calendar ], pdf ] */
	body = mm->mm_data.mm_message.mm_msg_mime;
	assert_type(body, "mixed");
	assert_int_equal(nkids(body), 2);
	alt = kid(body, 0);
	assert_type(alt, "alternative");
	assert_int_equal(nkids(alt), 3);
	assert_type(kid(alt, 0), "plain");
	assert_type(kid(alt, 1), "html");
	assert_type(kid(alt, 2), "calendar");
	s = mailmime_content_param_get(kid(alt, 2)->mm_content_type,
	    (char *)"method");
	assert_string_equal(s, "REQUEST");
	s = part_text(kid(alt, 0));
	assert_string_equal(s, text_cs);
	free(s);
	s = part_text(kid(alt, 1));
	assert_string_equal(s, html_cs);
	free(s);

	/* binary attachment: base64, bytes back exactly */
	struct mailmime_data *d = kid(body, 1)->mm_data.mm_single;
	size_t idx = 0, n = 0;
	char *raw = NULL;
	assert_int_equal(d->dt_encoding, MAILMIME_MECHANISM_BASE64);
	assert_int_equal(mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, d->dt_encoding, &raw, &n), 0);
	assert_int_equal(n, sizeof(pdf));
	assert_memory_equal(raw, pdf, n);
	mmap_string_unref(raw);
	/* RFC 2231 file name (the header may be folded before it) */
	assert_non_null(strstr(msg, "Content-Disposition: attachment;"));
	assert_non_null(strstr(msg, " filename*=utf-8''"
	    "Pr%C5%AFvodce%20%C3%BA%C4%8Dastn%C3%ADka.pdf\r\n"));
	assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <1.abc@example.org>\r\n"));

	mailmime_free(mm);
	free(msg);
	mime_free(&m);
	assert_null(m);
	mime_free(&m);
}

/* The body of a text-only message, after the header block. */
static char *
text_body(const char *text, char **whole)
{
	struct mime *m = mime_new();
	char *msg, *b;

	mime_addr(m, "From", NULL, "a@example.org");
	mime_set_date(m, 0);
	mime_text(m, text);
	msg = build(m);
	mime_free(&m);
	b = xstrdup(strstr(msg, "\r\n\r\n") + 4);
	if (whole)
		*whole = msg;
	else
		free(msg);
	return b;
}

struct qp_row {
	const char *in;
	const char *cte;
	const char *out;
};

static const struct qp_row qp_rows[] = {
	{ "plain ascii\nline two\n", "7bit", "plain ascii\r\nline two\r\n" },
	{ "no newline at end", "7bit", "no newline at end\r\n" },
	{ "trailing space \nand tab\t\n", "quoted-printable",
	    "trailing space=20\r\nand tab=09\r\n" },
	{ "a=b é\n", "quoted-printable", "a=3Db =C3=A9\r\n" },
	/* mostly Cyrillic: base64 of the CRLF text, a third the size of QP */
	{ "Здравейте, госпожо Иванова!\nМоля, отговорете до 15 декември.\n",
	  "base64",
	  "0JfQtNGA0LDQstC10LnRgtC1LCDQs9C+0YHQv9C+0LbQviDQmNCy0LDQvdC+0LLQsCEN"
	  "CtCc0L7Q\r\n"
	  "u9GPLCDQvtGC0LPQvtCy0L7RgNC10YLQtSDQtNC+IDE1INC00LXQutC10LzQstGA0LguDQo="
	  "\r\n" },
	{ "CR\r\nLF\nlone\rend", "7bit", "CR\r\nLF\r\nlone\r\nend\r\n" },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", "quoted-printable",
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxx=\r\nxxxxxxxxxxxxxxxxxxxxxxxxx\r\n" },
	/* exactly 76 is fine in 7bit, and a last char may reach col 76 */
	{ "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
	  "yyyyyyyyy", "7bit",
	  "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
	  "yyyyyyyyy\r\n" },
	/* an escape is never split by a soft break; the '=' fits in 76 */
	{ "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	  "zzzzzzzé", "quoted-printable",
	  "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	  "zzzzzzz=\r\n=C3=A9\r\n" },
	{ "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	  "zzzzzzzzé", "quoted-printable",
	  "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	  "zzzzzzzz=\r\n=C3=A9\r\n" },
	/* the shape is found eight bytes at a time: a break, a control, a
	 * DEL or a tab inside a word, a line too long only at its end */
	{ "abcdefghijklmnopqrstuvwxyzabcdefghijklmn\nopqrstuvwxyz0123456789abcd"
	  "\n", "7bit",
	  "abcdefghijklmnopqrstuvwxyzabcdefghijklmn\r\nopqrstuvwxyz0123456789a"
	  "bcd\r\n" },
	{ "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
	  "wwwwwwwwww", "quoted-printable",
	  "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
	  "wwwwwwww=\r\nww\r\n" },
	{ "abcdefgh\x01ijklmnopqrstuvw\n", "quoted-printable",
	  "abcdefgh=01ijklmnopqrstuvw\r\n" },
	{ "abcdefghijk\x7fmnopqrstuvwxyz\n", "quoted-printable",
	  "abcdefghijk=7Fmnopqrstuvwxyz\r\n" },
	{ "a\tb\tc\td\te\tf\tg\th\ti\tj\tk\n", "7bit",
	  "a\tb\tc\td\te\tf\tg\th\ti\tj\tk\r\n" },
	/* plain runs copied eight at a time up to an escape and the soft
	 * break */
	{ "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
	  "qqqq=é=\t\nend  \n", "quoted-printable",
	  "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
	  "qqqq=3D=\r\n=C3=A9=3D=09\r\nend =20\r\n" },
};

static void
test_qp(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(qp_rows) / sizeof(*qp_rows); i++) {
		char *msg, *b = text_body(qp_rows[i].in, &msg);
		char *cte = xasprintf("Content-Transfer-Encoding: %s\r\n",
		    qp_rows[i].cte);
		struct mailmime *mm;

		if (strstr(msg, cte) == NULL)
			fail_msg("row %zu: want %s", i, qp_rows[i].cte);
		assert_string_equal(b, qp_rows[i].out);
		/* and libetpan decodes it back to the input (line ends
		 * normalised; a missing final newline is added) */
		mm = parse(msg);
		char *dec = part_text(mm->mm_data.mm_message.mm_msg_mime);
		struct buf want;
		buf_init(&want, 0);
		for (const char *p = qp_rows[i].in; *p; p++)
			if (!(*p == '\r' && p[1] == '\n'))
				buf_addc(&want, *p == '\r' ? '\n' : *p);
		if (want.len && want.data[want.len - 1] != '\n')
			buf_addc(&want, '\n');
		assert_string_equal(dec, buf_cstr(&want));
		buf_free(&want);
		free(dec);
		mailmime_free(mm);
		free(cte);
		free(b);
		free(msg);
	}
}

/* Each encoded-word decodes on its own to whole UTF-8 characters, is at
 * most 75 long, and the header lines stay within 78. */
static void
test_folding(void **state)
{
	static const char *const subjects[] = {
		subj_cs, subj_ru,
		"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
		"Plain ASCII subject that is long enough to need folding at "
		"seventy eight columns, yes indeed it is",
		"ASCII =?with?= an encoded-word look-alike",
		"Mixed: a ž b ř c ď e ň f ť g ó h ů i ú j é k í l á m ý n Ž o "
		"Ř p Ď q Ň r",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(subjects) / sizeof(*subjects); i++) {
		struct mime *m = mime_new();
		char *msg, *s, *unfolded;
		struct mailmime *mm;
		struct mailimf_field *f;

		mime_addr(m, "From", NULL, "a@example.org");
		mime_header(m, "Subject", subjects[i]);
		mime_text(m, "x");
		msg = build(m);
		mm = parse(msg);
		f = field_of(mm, MAILIMF_FIELD_SUBJECT);
		unfolded = f->fld_data.fld_subject->sbj_value;
		s = decode_phrase(unfolded);
		assert_string_equal(s, subjects[i]);
		free(s);
		/* every encoded-word alone is valid UTF-8 and <= 75 */
		for (char *w = strstr(msg, "=?UTF-8?"); w;
		    w = strstr(w + 1, "=?UTF-8?")) {
			char *end = strstr(w + 10, "?=");
			char *one, *dec;

			assert_non_null(end);
			assert_true(end + 2 - w <= 75);
			one = xstrndup(w, (size_t)(end + 2 - w));
			dec = decode_phrase(one);
			/* libetpan keeps bytes it cannot convert: check
			 * that the decoded bytes are valid UTF-8 */
			for (unsigned char *p = (unsigned char *)dec; *p;) {
				int n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 :
				    *p < 0xf0 ? 3 : 4;
				for (int k = 1; k < n; k++)
					assert_int_equal(p[k] & 0xc0, 0x80);
				p += n;
			}
			free(dec);
			free(one);
		}
		mailmime_free(mm);
		free(msg);
		mime_free(&m);
	}
	/* Plain ASCII stays readable: no encoded-word. */
	struct mime *m = mime_new();
	mime_addr(m, "From", NULL, "a@example.org");
	mime_header(m, "Subject", "Hello\r\n there");
	mime_text(m, "x");
	char *msg = build(m);
	/* a line break in a value is one space, never a new header */
	assert_non_null(strstr(msg, "\r\nSubject: Hello  there\r\n"));
	free(msg);
	mime_free(&m);
}

/* Whatever a contact's name holds, the message is valid: a 1,000-letter
 * name without a space (which once stopped a whole campaign with "To:
 * header line longer than 998"), and long names that would need quoting
 * or look like encoded-words, each in To: and in the Subject. Every line
 * stays within 998 (within 78 in fact: build() checks) and the name
 * decodes back exactly. */
static void
test_long_names(void **state)
{
	static const char *const unit[] = {
		"A", "Ж", "x.y", "Doe, John \"JD\" ", "=?utf-8?q?x?= ",
		"a\tb", "😀",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(unit) / sizeof(*unit); i++) {
		struct mime *m = mime_new();
		struct mailimf_mailbox *mb;
		struct mailimf_field *f;
		struct mailmime *mm;
		struct buf name;
		char *msg, *s;

		/* about 1,000 characters of the unit, no trailing blank */
		buf_init(&name, 0);
		while (name.len < 1000)
			buf_adds(&name, unit[i]);
		while (name.data[name.len - 1] == ' ')
			name.data[--name.len] = '\0';
		mime_addr(m, "From", NULL, "a@example.org");
		mime_addr(m, "To", name.data, "long@example.org");
		mime_addr(m, "To", "Short", "short@example.org");
		mime_header(m, "Subject", name.data);
		mime_text(m, "x");
		msg = build(m);
		for (const char *p = msg, *nl; (nl = strstr(p, "\r\n"));
		    p = nl + 2)
			assert_true(nl - p <= 998);
		mm = parse(msg);
		f = field_of(mm, MAILIMF_FIELD_TO);
		mb = ((struct mailimf_address *)clist_content(clist_begin(
		    f->fld_data.fld_to->to_addr_list->ad_list)))->
		    ad_data.ad_mailbox;
		assert_string_equal(mb->mb_addr_spec, "long@example.org");
		s = decode_phrase(mb->mb_display_name);
		if (strcmp(s, name.data) != 0)
			fail_msg("unit %zu: To: decodes to '%.60s...'", i, s);
		free(s);
		/* (a tab between plain words is white space to a reader of
		 * unstructured text: libetpan gives a space back) */
		f = field_of(mm, MAILIMF_FIELD_SUBJECT);
		s = decode_phrase(f->fld_data.fld_subject->sbj_value);
		if (strchr(unit[i], '\t') == NULL)
			assert_string_equal(s, name.data);
		free(s);
		mailmime_free(mm);
		free(msg);
		buf_free(&name);
		mime_free(&m);
	}
	/* a long word in a subject is encoded only where it must be */
	struct mime *m = mime_new();
	char *msg;

	mime_addr(m, "From", NULL, "a@example.org");
	mime_header(m, "Subject", "See https://example.org/a/very/long/path/"
	    "that/goes/on/and/on/and/on/until/it/cannot/fit/on/one/line/at/all"
	    " today");
	mime_text(m, "x");
	msg = build(m);
	assert_non_null(strstr(msg, "\r\nSubject: See =?UTF-8?Q?https"));
	assert_non_null(strstr(msg, "?= today\r\n"));
	free(msg);
	mime_free(&m);
}

static void
test_encode_word(void **state)
{
	static const char *const in[] = { "Nováková", "Ж", "a b_c=?d",
		subj_ru };

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
		char *w = mime_encode_word(in[i]), *d;

		assert_memory_equal(w, "=?UTF-8?", 8);
		assert_null(strpbrk(w, "\r\n"));
		d = decode_phrase(w);
		assert_string_equal(d, in[i]);
		free(d);
		free(w);
	}
	/* the shorter of B and Q wins */
	char *w = mime_encode_word("Nováková");
	assert_string_equal(w, "=?UTF-8?B?Tm92w6Frb3bDoQ==?=");
	free(w);
	w = mime_encode_word("Zpráva");
	assert_string_equal(w, "=?UTF-8?Q?Zpr=C3=A1va?=");
	free(w);
}

/* A 7bit text that quotes our boundary prefix still parses: the drawn
 * boundary never occurs inside a part. */
static void
test_boundaries(void **state)
{
	struct mime *m = mime_new();
	const char *text = "--=_anketa_alt_\n--=_anketa_mix_\nend\n";
	char *msg, *b, *line;
	struct mailmime *mm;

	(void)state;
	mime_addr(m, "From", NULL, "a@example.org");
	mime_text(m, text);
	mime_html(m, "<p>x</p>");
	mime_attach(m, "application/octet-stream", "a.bin", "abc", 3, 1);
	msg = build(m);
	for (line = strstr(msg, "boundary=\""); line;
	    line = strstr(line + 1, "boundary=\"")) {
		int all = 0, delims = 0;

		b = xstrndup(line + 10, strcspn(line + 10, "\""));
		/* b occurs in its parameter and at the start of delimiter
		 * lines (two parts and the close), nowhere else */
		for (char *p = strstr(msg, b); p; p = strstr(p + 1, b)) {
			all++;
			delims += p - msg >= 3 && memcmp(p - 3, "\n--", 3) == 0;
		}
		assert_int_equal(all, 4);
		assert_int_equal(delims, 3);
		free(b);
	}
	assert_non_null(strstr(msg, "inline; filename=\"a.bin\""));
	mm = parse(msg);
	struct mailmime *body = mm->mm_data.mm_message.mm_msg_mime;
	assert_type(body, "mixed");
	char *s = part_text(kid(kid(body, 0), 0));
	assert_string_equal(s, text);
	free(s);
	mailmime_free(mm);
	free(msg);
	mime_free(&m);
}

struct refuse_row {
	void (*set)(struct mime *);
	const char *err;
};

static void r_addr(struct mime *m) { mime_addr(m, "To", "x", "a b@c"); }
static void r_addr2(struct mime *m) { mime_addr(m, "To", "x", "<a@b>"); }
static void r_raw(struct mime *m)
{
	mime_header_raw(m, "References", "<a@b>\r\nBcc: victim@example.org");
}
static void r_name(struct mime *m) { mime_header(m, "Bad Name", "x"); }
static void r_ours(struct mime *m) { mime_header(m, "content-type", "x"); }
static void r_utf8(struct mime *m) { mime_header(m, "Subject", "\xc3("); }
static void r_body(struct mime *m) { (void)m; }
/* a character cut off at the end of the text */
static void r_cut(struct mime *m) { mime_text(m, "abcdefgh\xd0\xb0\xd0"); }
static void r_long(struct mime *m)
{
	char v[1200];

	memset(v, 'a', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	mime_header_raw(m, "X-Long", v);
}
static void r_disp(struct mime *m)
{
	mime_addr(m, "From", "Bad\nName", "a@b.c");
}

static const struct refuse_row refuse_rows[] = {
	{ r_addr, "To: bad address 'a b@c'" },
	{ r_addr2, "To: bad address '<a@b>'" },
	{ r_raw, "References: not printable ASCII on one line" },
	{ r_name, "Bad Name: not a header name" },
	{ r_ours, "content-type: set by mime_build" },
	{ r_utf8, "Subject: not valid UTF-8" },
	{ r_disp, "From: display name is not one line of UTF-8" },
	{ r_body, "message: no body" },
	{ r_cut, "text body: not valid UTF-8" },
	{ r_long, "X-Long: header line longer than 998" },
};

static void
test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(refuse_rows) / sizeof(*refuse_rows);
	    i++) {
		struct mime *m = mime_new();
		struct buf out;
		struct err e = { "" };

		refuse_rows[i].set(m);
		if (refuse_rows[i].set != r_body)
			mime_text(m, "x");
		buf_init(&out, 0);
		buf_adds(&out, "keep");
		assert_int_equal(mime_build(m, &out, &e), -1);
		assert_string_equal(e.msg, refuse_rows[i].err);
		assert_string_equal(buf_cstr(&out), "keep");
		buf_free(&out);
		mime_free(&m);
	}
	/* the cap: an error and out unchanged */
	struct mime *m = mime_new();
	struct buf out;
	struct err e;
	mime_text(m, "hello");
	buf_init(&out, 64);
	assert_int_equal(mime_build(m, &out, &e), -1);
	assert_non_null(strstr(e.msg, "exceed the limit of 64"));
	assert_int_equal(out.len, 0);
	buf_free(&out);
	mime_free(&m);
	/* past the cap in the middle of a body that is written straight
	 * into out: out is as it was, the size is the whole message's */
	struct buf big, whole;
	char want[80];

	buf_init(&big, 0);
	for (int i = 0; i < 2000; i++)
		buf_adds(&big, "Здравейте\n");
	m = mime_new();
	mime_set_date(m, 0);
	mime_text(m, buf_cstr(&big));
	mime_html(m, buf_cstr(&big));
	buf_init(&whole, 0);
	assert_int_equal(mime_build(m, &whole, &e), 0);
	buf_init(&out, 20000);
	buf_adds(&out, "keep");
	assert_int_equal(mime_build(m, &out, &e), -1);
	snprintf(want, sizeof(want), "message: %zu bytes exceed the limit "
	    "of 20000", whole.len);
	assert_string_equal(e.msg, want);
	assert_string_equal(buf_cstr(&out), "keep");
	buf_free(&out);
	buf_free(&whole);
	buf_free(&big);
	mime_free(&m);
}

static void
test_date(void **state)
{
	struct mime *m = mime_new();
	char *msg;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	mime_text(m, "x");
	mime_set_date(m, 1764000000);
	msg = build(m);
	assert_non_null(strstr(msg, "Date: Mon, 24 Nov 2025 16:00:00 +0000\r\n"));
	free(msg);
	mime_free(&m);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_message_ids(void **state)
{
	enum { N = 10000 };
	char **ids = xcalloc(N, sizeof(*ids));

	(void)state;
	for (int i = 0; i < N; i++) {
		ids[i] = mime_message_id("example.org");
		assert_int_equal(ids[i][0], '<');
		assert_non_null(strstr(ids[i], "@example.org>"));
		assert_non_null(strchr(ids[i], '.'));
	}
	qsort(ids, N, sizeof(*ids), cmp_str);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	for (int i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_encode_word),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_message_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
