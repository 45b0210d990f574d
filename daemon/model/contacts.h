/*
 * contacts.h -- imports the organisers' contact lists (CSV exported from a
 * spreadsheet) into the store and lists them back; never sends mail.
 *
 * Use:     contacts_import(s, path, skip_invalid, &st, &errs)
 *          contacts_import_opts(s, path, &opts, &st, &errs)  the same,
 *                                  with a progress callback
 *          contacts_list(s, &filter, "text"|"csv"|"json", out, &e)
 *          contacts_check_email(addr, &why)    pure validators, also used
 *          contacts_country(in, code)          by campaign.c for audiences
 *          contacts_language(in, &lang)
 * Owns:    nothing kept between calls; rows are copied into the store.
 * Errors:  contacts_import: 0 imported (with skip_invalid, errs holds one
 *          "FILE:LINE: reason" per skipped row), -1 nothing imported
 *          (every bad row in errs; the store transaction rolled back, so
 *          the store is unchanged). A file with a header and no rows
 *          imports nothing and returns 0. contacts_list: 0, or -1 with "what: why"
 *          in e. The validators return 0 ok / -1 with a static reason.
 * Events:  none.
 * Config:  none.
 * Spec:    CSV columns, case-insensitive, any order, email required:
 *          email, name, municipality, country, language, groups, role,
 *          timezone (an IANA zone the system knows, e.g. Europe/Sofia;
 *          empty: the country's, see schedule_zone; without the column
 *          the stored zone is kept).
 *          groups: several names separated by ';' or '|' (or ',' inside a
 *          quoted field). country: ISO 3166 alpha-2 or a known name
 *          (Bulgaria, България, Česko ...). language: bg, en, nl, cs
 *          (empty: en). email: RFC 5322 addr-spec, ASCII only. Rows
 *          whose fields are all empty are skipped (spreadsheets add them);
 *          the same address twice in one file is an error naming both
 *          lines. Values are trimmed of surrounding blanks, and a '
 *          that contacts list --format csv put before a value a
 *          spreadsheet would evaluate is taken off again; a value
 *          with a line break or another control character (ESC, TAB
 *          inside it, DEL, U+0080..U+009F) is an error naming FILE:LINE,
 *          as is a NUL byte or invalid UTF-8 anywhere (csv.h).
 *          municipality: its canonical key (model/town.h) is stored with
 *          the contact; keys a letter or two apart in one file are
 *          warned about in errs ("FILE:LINE: warning: ...", import
 *          still 0).
 * Tests:   tests/unit/test_contacts.c, tests/data/contacts/
 */
#ifndef ANKETA_CONTACTS_H
#define ANKETA_CONTACTS_H

#include <stdio.h>

#include "base/err.h"
#include "store/store.h"

struct contacts_stats {
	long rows;	/* data rows read (header excluded) */
	long added;	/* new contacts */
	long updated;	/* existing e-mail addresses updated */
	long skipped;	/* invalid rows left out (skip_invalid only) */
};

struct contacts_import_opts {
	int skip_invalid;
	/* after each data row: rows read, and the rows the file holds as
	 * the bytes read so far foretell them (exact at the end); may be
	 * NULL. Nothing is printed here. */
	void (*progress)(void *arg, long done, long total);
	void *progress_arg;
};

int contacts_import(struct store *s, const char *path, int skip_invalid,
		    struct contacts_stats *st, struct errlist *errs);
int contacts_import_opts(struct store *s, const char *path,
			 const struct contacts_import_opts *o,
			 struct contacts_stats *st, struct errlist *errs);
int contacts_list(struct store *s, const struct store_filter *f,
		  const char *format /* "text","csv","json" */, FILE *out,
		  struct err *e);

/* The validators: 0 ok, -1 with *why_r a static English reason. */
int contacts_check_email(const char *addr, const char **why_r);
/* ISO alpha-2 (any case) or a known country name -> upper-case code. */
int contacts_country(const char *in, char code_r[3], const char **why_r);
/* "bg","en","nl","cs" (any case; "" -> "en") -> a static lower-case code. */
int contacts_language(const char *in, const char **lang_r,
		      const char **why_r);

#endif
