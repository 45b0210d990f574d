/* test_contacts.c -- contact validators (table-driven), CSV import
 * all-or-nothing vs skip-invalid with the exact error lines of
 * tests/data/contacts/bad.csv, and listing as text, CSV and JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/contacts.h"
#include "store/store.h"
#include "tfix.h"
#include "base/xmem.h"

#define GOOD "tests/data/contacts/good.csv"
#define BAD "tests/data/contacts/bad.csv"

struct fixture {
	char dir[64];
	char *db;
	struct store *s;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	/* error texts name files relative to the source tree */
	if (tfix_open("test_contacts", f->dir, &f->s) < 0)
		return -1;
	f->db = xasprintf("%s/anketa.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tfix_close(f->dir, &f->s);
	free(f->db);
	free(f);
	return 0;
}

static char *
list(struct store *s, const struct store_filter *flt, const char *fmt)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&mem, &len);
	struct err e;

	assert_int_equal(contacts_list(s, flt, fmt, out, &e), 0);
	fclose(out);
	return mem;
}

static void
assert_errs(const struct errlist *l, const char *const *want, size_t n)
{
	for (size_t i = 0; i < l->n && i < n; i++)
		assert_string_equal(l->v[i], want[i]);
	assert_int_equal(l->n, n);
}

static void
test_email_table(void **state)
{
	static const struct { const char *in, *why; } t[] = {
		{ "ivan@kavarna.bg", NULL },
		{ "first.last+tag@mail.example.org", NULL },
		{ "o'brien@example.ie", NULL },
		{ "x@a-b.example.cz", NULL },
		{ "", "the e-mail address is empty" },
		{ "a b@example.org", "the e-mail address contains a space" },
		{ "example.org", "no @ in the e-mail address" },
		{ "a@b@example.org", "more than one @ in the e-mail address" },
		{ "@example.org", "nothing before the @" },
		{ "ivan@", "nothing after the @" },
		{ "ivan@localhost", "the domain has no dot (e.g. example.org)" },
		{ ".ivan@example.org", "the part before the @ starts or ends "
		  "with a dot" },
		{ "iv..an@example.org", "two dots in a row before the @" },
		{ "iv(an)@example.org", "a character not allowed in an address "
		  "before the @" },
		{ "\"ivan\"@example.org", "quoted local parts (\"...\"@) are "
		  "not supported" },
		{ "иван@example.bg", "non-ASCII characters before the @ "
		  "(internationalised addresses, RFC 6531) are not supported" },
		{ "ivan@пример.бг", "non-ASCII domain: write it in its xn-- "
		  "(punycode) form" },
		{ "ivan@xn--e1afmkfd.xn--90ae", NULL },
		{ "ivan@example..org", "an empty label in the domain (two dots, "
		  "or a dot at an end)" },
		{ "ivan@example.org.", "an empty label in the domain (two dots, "
		  "or a dot at an end)" },
		{ "ivan@-example.org", "a domain label starts with '-'" },
		{ "ivan@example-.org", "a domain label ends with '-'" },
		{ "ivan@exa_mple.org", "a character not allowed in a domain "
		  "name" },
		{ "ivan@[192.0.2.1]", "address literals ([1.2.3.4]) are not "
		  "supported" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *why = NULL;
		int rc = contacts_check_email(t[i].in, &why);

		if (t[i].why == NULL) {
			if (rc != 0)
				print_error("%s: %s\n", t[i].in, why);
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(why, t[i].why);
		}
	}
}

static void
test_country_language_table(void **state)
{
	static const struct { const char *in, *code; } t[] = {
		{ "BG", "BG" }, { "bg", "BG" }, { "Be", "BE" }, { "cz", "CZ" },
		{ "Bulgaria", "BG" }, { "България", "BG" }, { "БЪЛГАРИЯ", "BG" },
		{ "Belgium", "BE" }, { "belgië", "BE" }, { "Czech Republic", "CZ" },
		{ "Česko", "CZ" }, { "ČESKO", "CZ" }, { "Česká republika", "CZ" },
		{ "XX", NULL }, { "Atlantis", NULL }, { "B", NULL },
	};
	static const struct { const char *in, *lang; } l[] = {
		{ "", "en" }, { NULL, "en" }, { "bg", "bg" }, { "NL", "nl" },
		{ "Cs", "cs" }, { "en", "en" }, { "de", NULL }, { "bul", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char code[3] = "";
		const char *why = NULL;
		int rc = contacts_country(t[i].in, code, &why);

		if (t[i].code) {
			assert_int_equal(rc, 0);
			assert_string_equal(code, t[i].code);
		} else {
			assert_int_equal(rc, -1);
			assert_non_null(why);
		}
	}
	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		const char *lang = NULL, *why = NULL;
		int rc = contacts_language(l[i].in, &lang, &why);

		if (l[i].lang) {
			assert_int_equal(rc, 0);
			assert_string_equal(lang, l[i].lang);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(why, "unknown language (use bg, en, "
					    "nl or cs)");
		}
	}
}

static const char *const bad_errors[] = {
	BAD ":3: no @ in the e-mail address: \"no-at-sign.example.bg\"",
	BAD ":4: more than one @ in the e-mail address: \"two@@example.org\"",
	BAD ":5: the municipality contains a line break",
	BAD ":7: non-ASCII characters before the @ (internationalised "
	"addresses, RFC 6531) are not supported: \"иван@kavarna.example.bg\"",
	BAD ":8: the domain has no dot (e.g. example.org): "
	"\"nodot@localhost\"",
	BAD ":9: unknown language (use bg, en, nl or cs): \"de\"",
	BAD ":10: unknown country code (use ISO 3166 codes such as BG, BE, "
	"CZ): \"XX\"",
	BAD ":11: duplicate e-mail address IVAN.PETROV@kavarna.example.bg "
	"(also on line 2)",
	BAD ":12: 2 fields, but the header row has 7",
	BAD ":13: stray quote in unquoted field 2 (quote the whole field and "
	"write \"\" for a quote)",
};
#define NBAD (sizeof(bad_errors) / sizeof(bad_errors[0]))

/* One bad row and nothing is imported: the organiser fixes the file. */
static void
test_import_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	struct contacts_stats st;
	struct errlist errs = { 0 };
	char *out;

	assert_int_equal(contacts_import(f->s, BAD, 0, &st, &errs), -1);
	assert_errs(&errs, bad_errors, NBAD);
	assert_int_equal(st.rows, 12);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.updated, 0);
	assert_int_equal(st.skipped, 0);
	out = list(f->s, NULL, "csv");
	assert_string_equal(out, "email,name,municipality,country,language,"
			    "groups,role\r\n");
	free(out);
	errlist_free(&errs);
}

static void
test_import_skip_invalid(void **state)
{
	struct fixture *f = *state;
	struct contacts_stats st;
	struct errlist errs = { 0 };
	char *out;

	assert_int_equal(contacts_import(f->s, BAD, 1, &st, &errs), 0);
	assert_errs(&errs, bad_errors, NBAD);
	assert_int_equal(st.rows, 12);
	assert_int_equal(st.added, 2);
	assert_int_equal(st.skipped, 10);
	out = list(f->s, NULL, "csv");
	assert_string_equal(out,
		"email,name,municipality,country,language,groups,role\r\n"
		"els@gent.example.be,Els,Gent,BE,nl,partners,coordinator\r\n"
		"ivan.petrov@kavarna.example.bg,Иван Петров,Каварна,BG,bg,"
		"partners,mayor\r\n");
	free(out);
	errlist_free(&errs);
}

static void
test_import_good_and_list(void **state)
{
	struct fixture *f = *state;
	struct contacts_stats st;
	struct errlist errs = { 0 };
	struct store_filter bg = { .country = "BG" };
	char *out;

	assert_int_equal(contacts_import(f->s, GOOD, 0, &st, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(st.rows, 5);
	assert_int_equal(st.added, 5);
	assert_int_equal(st.updated, 0);
	/* a second import updates the same addresses */
	assert_int_equal(contacts_import(f->s, GOOD, 0, &st, &errs), 0);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.updated, 5);

	out = list(f->s, NULL, "text");
	assert_string_equal(out,
"EMAIL                           NAME             MUNICIPALITY  COUNTRY  LANG  GROUPS                            ROLE             STATUS\n"
"anna@example.org                Anna de Vries                  BE       en                                                       ok\n"
"cenek@ostrava.example.cz        Čeněk Šťastný    Ostrava       CZ       cs    partners,working-group-education  school mediator  ok\n"
"els.jansen@gent.example.be      Jansen, Els      Gent          BE       nl    partners,working-group-housing    coordinator      ok\n"
"ivan.petrov@kavarna.example.bg  Иван Петров      Каварна       BG       bg    field-study,partners              mayor's office   ok\n"
"maria@shumen.example.bg         Мария Георгиева  Шумен         BG       en    platform                          health mediator  ok\n");
	free(out);

	out = list(f->s, &bg, "json");
	assert_string_equal(out, "[\n"
		"{\"email\":\"ivan.petrov@kavarna.example.bg\",\"name\":"
		"\"Иван Петров\",\"municipality\":\"Каварна\",\"country\":"
		"\"BG\",\"language\":\"bg\",\"groups\":[\"field-study\","
		"\"partners\"],\"role\":\"mayor's office\",\"status\":\"ok\"},\n"
		"{\"email\":\"maria@shumen.example.bg\",\"name\":"
		"\"Мария Георгиева\",\"municipality\":\"Шумен\",\"country\":"
		"\"BG\",\"language\":\"en\",\"groups\":[\"platform\"],"
		"\"role\":\"health mediator\",\"status\":\"ok\"}\n]\n");
	free(out);
	errlist_free(&errs);
}

/* Header problems stop the import before any row is read. */
static void
test_header_errors(void **state)
{
	static const struct { const char *csv, *err1, *err2; } t[] = {
		{ "email,phone\nx@example.org,1\n",
		  ":1: unknown column \"phone\" (known: email, name, "
		  "municipality, country, language, groups, role, timezone)",
		  NULL },
		{ "name,country\nX,BG\n",
		  ":1: no \"email\" column in the header row", NULL },
		{ "Email, NAME ,email\n",
		  ":1: column \"email\" appears twice (columns 1 and 3)",
		  NULL },
		{ "", ":1: empty file (expected a header row: email, name, "
		  "municipality, country, language, groups, role)", NULL },
		{ "\"email\n", ":1: unterminated quote: the quoted field "
		  "opened on this line is never closed", NULL },
		{ "email\n", NULL, NULL },	/* header only: nothing to do */
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *path = xasprintf("%s/h%zu.csv", f->dir, i);
		FILE *fp = fopen(path, "w");
		struct contacts_stats st;
		struct errlist errs = { 0 };
		int rc;

		fputs(t[i].csv, fp);
		fclose(fp);
		rc = contacts_import(f->s, path, 0, &st, &errs);
		if (t[i].err1 == NULL) {
			assert_int_equal(rc, 0);
			assert_int_equal(errs.n, 0);
		} else {
			char *want = xasprintf("%s%s", path, t[i].err1);

			assert_int_equal(rc, -1);
			assert_int_equal(errs.n, 1);
			assert_string_equal(errs.v[0], want);
			free(want);
		}
		errlist_free(&errs);
		free(path);
	}
}

/* Hostile bytes are refused with FILE:LINE, never stored: a NUL would
 * cut a field short, ESC and CSI (U+009B) reach terminals, a tab inside a
 * name breaks columns; all of it reaches mail headers. */
static void
test_import_controls(void **state)
{
	static const char csv[] =
		"email,name,municipality\n"
		"a@example.org,Ann\0Evil,Gent\n"
		"b@example.org,\x1b]0;owned\x07Bob,Gent\n"
		"c@example.org,Cy,\xc2\x9b" "31mGent\n"
		"d@example.org,\tDee\tDuh\t,Gent\n"
		"e@example.org,Eve\x7f,Gent\n"
		"f@example.org,Fine,Gent\n";
	static const char *const want[] = {
		":2: a NUL byte in field 2 (the file is not plain text: save "
		"it as \"CSV UTF-8\")",
		":3: the name contains a control character (U+001B)",
		":4: the municipality contains a control character (U+009B)",
		":5: the name contains a control character (U+0009)",
		":6: the name contains a control character (U+007F)",
	};
	struct fixture *f = *state;
	char *path = xasprintf("%s/ctl.csv", f->dir), *out;
	FILE *fp = fopen(path, "wb");
	struct contacts_stats st;
	struct errlist errs = { 0 };

	assert_non_null(fp);
	assert_int_equal(fwrite(csv, 1, sizeof(csv) - 1, fp), sizeof(csv) - 1);
	fclose(fp);
	assert_int_equal(contacts_import(f->s, path, 0, &st, &errs), -1);
	assert_int_equal(errs.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < errs.n; i++) {
		char *w = xasprintf("%s%s", path, want[i]);

		assert_string_equal(errs.v[i], w);
		free(w);
	}
	assert_int_equal(st.added, 0);
	out = list(f->s, NULL, "csv");
	assert_string_equal(out, "email,name,municipality,country,language,"
			    "groups,role\r\n");
	free(out);
	errlist_free(&errs);
	free(path);
}

/* contacts list --format csv guards what a spreadsheet would evaluate
 * (addresses may start with - + =), and that file imported again changes
 * nothing: the guard is taken off. */
static void
test_list_csv_guard_round_trip(void **state)
{
	static const char csv[] =
		"email,name,municipality,role\n"
		"-info@example.org,-Dash,=SUM(A1),@lead\n"
		"=x@example.org,+359 2 123,Gent,-5\n";
	static const char want[] =
		"email,name,municipality,country,language,groups,role\r\n"
		"'-info@example.org,'-Dash,'=SUM(A1),,en,,'@lead\r\n"
		"'=x@example.org,'+359 2 123,Gent,,en,,-5\r\n";
	struct fixture *f = *state;
	char *path = xasprintf("%s/g.csv", f->dir), *out, *json, *again;
	FILE *fp = fopen(path, "w");
	struct contacts_stats st;
	struct errlist errs = { 0 };

	fputs(csv, fp);
	fclose(fp);
	assert_int_equal(contacts_import(f->s, path, 0, &st, &errs), 0);
	assert_int_equal(st.added, 2);
	out = list(f->s, NULL, "csv");
	assert_string_equal(out, want);
	json = list(f->s, NULL, "json");
	assert_non_null(strstr(json, "\"email\":\"-info@example.org\","
			       "\"name\":\"-Dash\",\"municipality\":"
			       "\"=SUM(A1)\""));
	fp = fopen(path, "w");
	fputs(out, fp);
	fclose(fp);
	assert_int_equal(contacts_import(f->s, path, 0, &st, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.updated, 2);
	again = list(f->s, NULL, "json");
	assert_string_equal(again, json);
	free(again);
	free(json);
	free(out);
	free(path);
	errlist_free(&errs);
}

/* A contact the import would refuse may still be in an older store:
 * the text listing never passes its control characters to a terminal,
 * and the columns still line up (U+FFFD takes one). */
static void
test_list_text_escapes(void **state)
{
	struct fixture *f = *state;
	struct store_contact k[2] = {
		{ .email = "a@example.org", .name = "\x1b]0;pwned\x07" "Ann",
		  .municipality = "Gent", .country = "BE", .language = "en",
		  .role = "\x1b[2J" },
		{ .email = "b@example.org", .name = "Bob\xc2\x9b" "31m",
		  .municipality = "X\tY", .country = "BE", .language = "en",
		  .role = "r" },
	};
	struct err e;
	int64_t id;
	int created;
	char *out;

	for (int i = 0; i < 2; i++)
		assert_int_equal(store_contact_upsert(f->s, &k[i], &id,
						      &created, &e), 0);
	out = list(f->s, NULL, "text");
	assert_string_equal(out,
"EMAIL          NAME           MUNICIPALITY  COUNTRY  LANG  GROUPS  ROLE  STATUS\n"
"a@example.org  \xef\xbf\xbd]0;pwned\xef\xbf\xbd" "Ann  Gent          BE       en            \xef\xbf\xbd[2J  ok\n"
"b@example.org  Bob\xef\xbf\xbd" "31m        X\xef\xbf\xbdY           BE       en            r     ok\n");
	free(out);
}

static void
test_list_bad_format(void **state)
{
	struct fixture *f = *state;
	struct err e;

	assert_int_equal(contacts_list(f->s, NULL, "xml", stdout, &e), -1);
	assert_string_equal(e.msg, "contacts list: unknown format \"xml\" "
			    "(text, csv or json)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_table),
		cmocka_unit_test(test_country_language_table),
		cmocka_unit_test_setup_teardown(test_import_all_or_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_skip_invalid,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_good_and_list,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_controls, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list_csv_guard_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_text_escapes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_header_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list_bad_format, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
