/*
 * contacts.c -- see contacts.h. Imports a contact CSV in one store
 * transaction (all-or-nothing unless skip_invalid) and lists contacts as
 * aligned text, CSV or JSON. The validators are pure and shared with
 * campaign.c (audience countries and languages).
 */
#include "base/lang.h"
#include "model/contacts.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/tz.h"
#include "base/textcol.h"
#include "base/tz.h"
#include "base/xmem.h"
#include "model/town.h"
#include "store/store_event.h"

/* ---- validators -------------------------------------------------------- */

static int
email_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c);
}

static int
has_non_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* RFC 5322 dot-atom local part. */
static const char *
email_local(const char *s, size_t n)
{
	if (n == 0)
		return "nothing before the @";
	if (n > 64)
		return "the part before the @ is longer than 64 characters";
	if (s[0] == '"')
		return "quoted local parts (\"...\"@) are not supported";
	if (has_non_ascii(s, n))
		return "non-ASCII characters before the @ (internationalised "
		       "addresses, RFC 6531) are not supported";
	if (s[0] == '.' || s[n - 1] == '.')
		return "the part before the @ starts or ends with a dot";
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return "two dots in a row before the @";
		if (s[i] != '.' && !email_atext((unsigned char)s[i]))
			return "a character not allowed in an address before "
			       "the @";
	}
	return NULL;
}

/* A host name (RFC 1035 labels), at least two labels. */
static const char *
email_domain(const char *s, size_t n)
{
	size_t label = 0;

	if (n == 0)
		return "nothing after the @";
	if (s[0] == '[')
		return "address literals ([1.2.3.4]) are not supported";
	if (has_non_ascii(s, n))
		return "non-ASCII domain: write it in its xn-- (punycode) form";
	if (n > 253)
		return "the domain is longer than 253 characters";
	if (memchr(s, '.', n) == NULL)
		return "the domain has no dot (e.g. example.org)";
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0)
				return "an empty label in the domain (two dots, "
				       "or a dot at an end)";
			if (s[i - 1] == '-')
				return "a domain label ends with '-'";
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return "a character not allowed in a domain name";
		if (label == 0 && s[i] == '-')
			return "a domain label starts with '-'";
		if (++label > 63)
			return "a domain label is longer than 63 characters";
	}
	return NULL;
}

int
contacts_check_email(const char *addr, const char **why_r)
{
	const char *at, *why;

	if (addr == NULL || *addr == '\0')
		why = "the e-mail address is empty";
	else if (strpbrk(addr, " \t\r\n") != NULL)
		why = "the e-mail address contains a space";
	else if ((at = strrchr(addr, '@')) == NULL)
		why = "no @ in the e-mail address";
	else if (memchr(addr, '@', (size_t)(at - addr)) != NULL &&
		 addr[0] != '"')
		why = "more than one @ in the e-mail address";
	else if (strlen(addr) > 254)
		why = "the e-mail address is longer than 254 characters";
	else if ((why = email_local(addr, (size_t)(at - addr))) == NULL)
		why = email_domain(at + 1, strlen(at + 1));
	if (why != NULL) {
		*why_r = why;
		return -1;
	}
	return 0;
}

int
contacts_language(const char *in, const char **lang_r, const char **why_r)
{
	if (in == NULL || *in == '\0') {
		*lang_r = LANG_DEFAULT;
		return 0;
	}
	if ((*lang_r = lang_find(in)) != NULL)
		return 0;
	*why_r = "unknown language (use bg, en, nl or cs)";
	return -1;
}

/* ISO 3166-1 alpha-2, officially assigned codes. */
static const char iso3166[] =
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH "
	"BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL "
	"CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET "
	"FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU "
	"GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE "
	"KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC "
	"MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC "
	"NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT "
	"PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR "
	"SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA "
	"UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

/* Names organisers type in their spreadsheets, in folded (lower) case. */
static const struct { const char *name, *code; } country_names[] = {
	{ "bulgaria", "BG" }, { "българия", "BG" }, { "bulgarije", "BG" },
	{ "bulharsko", "BG" }, { "bulgarien", "BG" },
	{ "belgium", "BE" }, { "белгия", "BE" }, { "belgië", "BE" },
	{ "belgie", "BE" }, { "belgique", "BE" }, { "belgien", "BE" },
	{ "czech republic", "CZ" }, { "czechia", "CZ" }, { "чехия", "CZ" },
	{ "чешка република", "CZ" }, { "tsjechië", "CZ" },
	{ "tsjechie", "CZ" }, { "česko", "CZ" }, { "cesko", "CZ" },
	{ "česká republika", "CZ" }, { "ceska republika", "CZ" },
	{ "netherlands", "NL" }, { "the netherlands", "NL" },
	{ "nederland", "NL" }, { "нидерландия", "NL" }, { "холандия", "NL" },
	{ "nizozemsko", "NL" },
	{ "romania", "RO" }, { "румъния", "RO" }, { "slovakia", "SK" },
	{ "словакия", "SK" }, { "slovensko", "SK" }, { "greece", "GR" },
	{ "гърция", "GR" }, { "serbia", "RS" }, { "сърбия", "RS" },
	{ "north macedonia", "MK" }, { "северна македония", "MK" },
	{ "hungary", "HU" }, { "унгария", "HU" }, { "maďarsko", "HU" },
	{ "germany", "DE" }, { "германия", "DE" }, { "duitsland", "DE" },
	{ "německo", "DE" }, { "france", "FR" }, { "франция", "FR" },
};

/* Lower-case ASCII, Latin-1, Latin Extended-A and basic Cyrillic: enough
 * to compare the country names above without a locale. */
static char *
fold(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned cp;

		if (p[0] < 0x80 || (p[0] & 0xE0) != 0xC0 ||
		    (p[1] & 0xC0) != 0x80) {
			buf_addc(&b, (char)(p[0] >= 'A' && p[0] <= 'Z' ?
					    p[0] + 32 : p[0]));
			p++;
			continue;
		}
		cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
		p += 2;
		if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
		    (cp >= 0x410 && cp <= 0x42F))
			cp += 0x20;
		else if (cp >= 0x400 && cp <= 0x40F)
			cp += 0x50;
		else if (((cp >= 0x100 && cp <= 0x137) ||
			  (cp >= 0x14A && cp <= 0x177)) && cp % 2 == 0)
			cp++;	/* NOLINT(bugprone-branch-clone): even capitals here, odd below */
		else if (((cp >= 0x139 && cp <= 0x148) ||
			  (cp >= 0x179 && cp <= 0x17E)) && cp % 2 == 1)
			cp++;
		buf_addc(&b, (char)(0xC0 | (cp >> 6)));
		buf_addc(&b, (char)(0x80 | (cp & 0x3F)));
	}
	return buf_steal(&b);
}

int
contacts_country(const char *in, char code_r[3], const char **why_r)
{
	char *f;
	int found = 0;

	if (strlen(in) == 2) {
		char up[4] = { 0 };

		up[0] = (char)(in[0] >= 'a' && in[0] <= 'z' ? in[0] - 32 : in[0]);
		up[1] = (char)(in[1] >= 'a' && in[1] <= 'z' ? in[1] - 32 : in[1]);
		if (up[0] >= 'A' && up[0] <= 'Z' && strstr(iso3166, up)) {
			memcpy(code_r, up, 3);
			return 0;
		}
		*why_r = "unknown country code (use ISO 3166 codes such as "
			 "BG, BE, CZ)";
		return -1;
	}
	f = fold(in);
	for (size_t i = 0; i < sizeof(country_names) / sizeof(*country_names);
	     i++)
		if (strcmp(f, country_names[i].name) == 0) {
			memcpy(code_r, country_names[i].code, 3);
			found = 1;
			break;
		}
	free(f);
	if (!found)
		*why_r = "unknown country (use an ISO 3166 code such as BG, "
			 "BE, CZ)";
	return found ? 0 : -1;
}

/* ---- import ------------------------------------------------------------ */

enum contacts_col {
	COL_EMAIL, COL_NAME, COL_MUNICIPALITY, COL_COUNTRY, COL_LANGUAGE,
	COL_GROUPS, COL_ROLE, COL_TIMEZONE, NCOLS
};

static const char *const col_names[NCOLS] = {
	"email", "name", "municipality", "country", "language", "groups",
	"role", "timezone",
};

/* E-mail addresses seen in this file (folded), with their line: open
 * addressing, because a file may hold 100,000 contacts. */
struct seen {
	char **key;
	long *line;
	size_t cap, n;
};

static size_t
seen_hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void seen_put(struct seen *t, char *key, long line);

static void
seen_grow(struct seen *t)
{
	struct seen old = *t;

	t->cap = old.cap ? old.cap * 2 : 1024;
	t->key = xcalloc(t->cap, sizeof(*t->key));
	t->line = xcalloc(t->cap, sizeof(*t->line));
	t->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.key[i] != NULL)
			seen_put(t, old.key[i], old.line[i]);
	free(old.key);
	free(old.line);
}

/* Takes key. Returns nothing: the caller checked seen_get first. */
static void
seen_put(struct seen *t, char *key, long line)
{
	size_t i;

	if (2 * (t->n + 1) > t->cap)
		seen_grow(t);
	for (i = seen_hash(key) & (t->cap - 1); t->key[i] != NULL;
	     i = (i + 1) & (t->cap - 1))
		;
	t->key[i] = key;
	t->line[i] = line;
	t->n++;
}

static long
seen_get(const struct seen *t, const char *key)
{
	if (t->cap == 0)
		return 0;
	for (size_t i = seen_hash(key) & (t->cap - 1); t->key[i] != NULL;
	     i = (i + 1) & (t->cap - 1))
		if (strcmp(t->key[i], key) == 0)
			return t->line[i];
	return 0;
}

static void
seen_free(struct seen *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->key[i]);
	free(t->key);
	free(t->line);
}

struct import {
	const char *path;
	struct store *s;
	struct csv_reader *r;
	struct errlist *errs;
	struct contacts_stats *st;
	int col[CSV_MAX_FIELDS];	/* CSV column -> enum contacts_col */
	size_t ncols;
	struct seen seen;
	struct seen towns;	/* municipality keys (town.h), first line */
	long bad_rows;
	int store_failed;
	const struct contacts_import_opts *o;
	FILE *fp;
	long size;		/* the file's, for the progress estimate */
};

/* A copy of s without surrounding white space. */
static char *
trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

/* Field i of the current record as stored: trimmed, and without the '
 * contacts list --format csv put before "-info@x.org" (so a list
 * written, edited in a spreadsheet and imported again is unchanged). */
static char *
field_value(const struct csv_reader *r, size_t i)
{
	char *v = trimmed(csv_field(r, i));
	const char *u = csv_unguard(v);

	memmove(v, u, strlen(u) + 1);
	return v;
}

static int
read_header(struct import *im)
{
	int where[NCOLS];
	struct err e;
	int rc, bad = 0;

	for (size_t k = 0; k < NCOLS; k++)
		where[k] = -1;
	rc = csv_next(im->r, &e);
	if (rc < 0) {
		errlist_add(im->errs, "%s", e.msg);
		return -1;
	}
	if (rc == 0) {
		errlist_add(im->errs, "%s:1: empty file (expected a header "
			    "row: email, name, municipality, country, "
			    "language, groups, role)", im->path);
		return -1;
	}
	im->ncols = csv_nfields(im->r);
	for (size_t i = 0; i < im->ncols; i++) {
		char *name = trimmed(csv_field(im->r, i));
		size_t k;

		for (k = 0; k < NCOLS; k++)
			if (strcasecmp(name, col_names[k]) == 0)
				break;
		if (k == NCOLS) {
			errlist_add(im->errs, "%s:%ld: unknown column \"%s\" "
				    "(known: email, name, municipality, "
				    "country, language, groups, role, "
				    "timezone)",
				    im->path, csv_line(im->r), name);
			bad = 1;
		} else if (where[k] >= 0) {
			errlist_add(im->errs, "%s:%ld: column \"%s\" appears "
				    "twice (columns %d and %zu)", im->path,
				    csv_line(im->r), col_names[k],
				    where[k] + 1, i + 1);
			bad = 1;
		} else
			where[k] = (int)i;
		im->col[i] = (int)k;
		free(name);
	}
	if (where[COL_EMAIL] < 0) {
		errlist_add(im->errs, "%s:%ld: no \"email\" column in the "
			    "header row", im->path, csv_line(im->r));
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* groups: split on ';', '|' and ','; trimmed; joined with ',' for the
 * store. */
static char *
join_groups(const char *in)
{
	struct buf b;
	const char *p = in;

	buf_init(&b, 0);
	while (*p) {
		size_t n = strcspn(p, ";|,");
		char *g = xstrndup(p, n);
		char *t = trimmed(g);

		if (*t) {
			if (b.len > 0)
				buf_addc(&b, ',');
			buf_adds(&b, t);
		}
		free(t);
		free(g);
		p += n;
		if (*p)
			p++;
	}
	return buf_steal(&b);
}

/* One row's values, trimmed copies, with their problems reported. */
struct row {
	char *v[NCOLS];
	char country[3];
	const char *language;
	char *groups;
	int bad;
};

static void
row_problem(struct import *im, struct row *row, const char *why)
{
	errlist_add(im->errs, "%s:%ld: %s", im->path, csv_line(im->r), why);
	row->bad = 1;
}

/* The optional timezone column: an IANA name the zoneinfo knows. */
static void
row_check_zone(struct import *im, struct row *row)
{
	struct err e;
	struct tz *tz;

	if (*row->v[COL_TIMEZONE] == '\0')
		return;
	if ((tz = tz_load(row->v[COL_TIMEZONE], &e)) == NULL) {
		errlist_add(im->errs, "%s:%ld: %s", im->path, csv_line(im->r),
			    e.msg);
		row->bad = 1;
	}
	tz_free(&tz);
}

/* 1 when the file has a timezone column: then it is the contact's zone,
 * an empty cell none; without the column the stored zone stays. */
static int
has_zone_column(const struct import *im)
{
	for (size_t i = 0; i < im->ncols; i++)
		if (im->col[i] == COL_TIMEZONE)
			return 1;
	return 0;
}

static void
row_check_email(struct import *im, struct row *row)
{
	const char *why;
	char *key;
	long first;

	if (contacts_check_email(row->v[COL_EMAIL], &why) < 0) {
		errlist_add(im->errs, "%s:%ld: %s: \"%s\"", im->path,
			    csv_line(im->r), why, row->v[COL_EMAIL]);
		row->bad = 1;
		return;
	}
	key = fold(row->v[COL_EMAIL]);
	first = seen_get(&im->seen, key);
	if (first > 0) {
		errlist_add(im->errs, "%s:%ld: duplicate e-mail address %s "
			    "(also on line %ld)", im->path, csv_line(im->r),
			    row->v[COL_EMAIL], first);
		row->bad = 1;
		free(key);
		return;
	}
	seen_put(&im->seen, key, csv_line(im->r));
}

static void
row_check(struct import *im, struct row *row)
{
	const char *why;

	if (csv_nfields(im->r) != im->ncols) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%zu fields, but the header row "
			 "has %zu", csv_nfields(im->r), im->ncols);
		row_problem(im, row, msg);
		return;
	}
	for (size_t i = 0; i < im->ncols; i++)
		if (im->col[i] < NCOLS)
			row->v[im->col[i]] = field_value(im->r, i);
	for (size_t k = 0; k < NCOLS; k++) {
		char msg[128];
		long cp;

		if (row->v[k] == NULL) {
			row->v[k] = xstrdup("");
			continue;
		}
		cp = textcol_unsafe(row->v[k], strlen(row->v[k]), "\r\n");
		if (strpbrk(row->v[k], "\r\n") != NULL)
			snprintf(msg, sizeof(msg), "the %s contains a line "
				 "break", col_names[k]);
		else if (cp >= 0)
			/* it would reach mail headers and terminals: an
			 * ESC there is a terminal's command, not a name */
			snprintf(msg, sizeof(msg), "the %s contains a control "
				 "character (U+%04lX)", col_names[k], cp);
		else
			continue;
		row_problem(im, row, msg);
	}
	row_check_email(im, row);
	row->country[0] = '\0';
	if (*row->v[COL_COUNTRY] &&
	    contacts_country(row->v[COL_COUNTRY], row->country, &why) < 0) {
		errlist_add(im->errs, "%s:%ld: %s: \"%s\"", im->path,
			    csv_line(im->r), why, row->v[COL_COUNTRY]);
		row->bad = 1;
	}
	if (contacts_language(row->v[COL_LANGUAGE], &row->language,
			      &why) < 0) {
		errlist_add(im->errs, "%s:%ld: %s: \"%s\"", im->path,
			    csv_line(im->r), why, row->v[COL_LANGUAGE]);
		row->bad = 1;
	}
	row->groups = join_groups(row->v[COL_GROUPS]);
	row_check_zone(im, row);
}

static void
row_free(struct row *row)
{
	for (size_t k = 0; k < NCOLS; k++)
		free(row->v[k]);
	free(row->groups);
}

/* The municipality's canonical key, stored with the contact and kept
 * for the near-duplicate warning. */
static int
row_town(struct import *im, int64_t id, const char *municipality,
	 struct err *e)
{
	char key[256];

	if (town_key(municipality ? municipality : "", key, sizeof(key)) < 0)
		key[0] = '\0';	/* too long or not UTF-8: no key */
	if (key[0] && seen_get(&im->towns, key) == 0)
		seen_put(&im->towns, xstrdup(key), csv_line(im->r));
	return store_contact_set_town(im->s, id, key, e);
}

/* Two different keys a letter or two apart are likely one town misspelt
 * ("Kavarna", "Kavarma"): a warning, nothing refused. */
static void
warn_near_towns(struct import *im)
{
	const struct seen *t = &im->towns;
	long n = 0;

	for (size_t i = 0; i < t->cap && n < 20; i++)
		for (size_t j = i + 1; t->key[i] && j < t->cap && n < 20; j++)
			if (t->key[j] && town_near(t->key[i], t->key[j])) {
				errlist_add(im->errs, "%s:%ld: warning: "
					    "municipality \"%s\" is close to "
					    "\"%s\" (line %ld): the same town "
					    "misspelt?", im->path,
					    t->line[j], t->key[j], t->key[i],
					    t->line[i]);
				n++;
			}
}

static int
row_store(struct import *im, struct row *row)
{
	struct store_contact c = { 0 };
	struct err e;
	int64_t id;
	int created;

	c.email = row->v[COL_EMAIL];
	c.name = row->v[COL_NAME];
	c.municipality = row->v[COL_MUNICIPALITY];
	c.country = row->country;
	c.language = row->language;
	c.role = row->v[COL_ROLE];
	c.groups = row->groups;
	if (store_contact_upsert(im->s, &c, &id, &created, &e) < 0 ||
	    (has_zone_column(im) &&
	     store_contact_set_zone(im->s, id, row->v[COL_TIMEZONE], &e) < 0) ||
	    row_town(im, id, c.municipality, &e) < 0) {
		errlist_add(im->errs, "%s:%ld: %s", im->path,
			    csv_line(im->r), e.msg);
		im->store_failed = 1;
		return -1;
	}
	if (created)
		im->st->added++;
	else
		im->st->updated++;
	return 0;
}

static int
row_empty(const struct csv_reader *r)
{
	for (size_t i = 0; i < csv_nfields(r); i++)
		if (csv_field(r, i)[strspn(csv_field(r, i), " \t")] != '\0')
			return 0;
	return 1;
}

/* The rows so far, and the file's rows as the bytes read so far
 * foretell them (exact at its end). */
static void
import_progress(const struct import *im)
{
	long at = ftell(im->fp), total = 0;

	if (im->o->progress == NULL)
		return;
	if (at > 0 && im->size > 0)
		total = (long)((double)im->st->rows * (double)im->size /
			       (double)at + 0.5);
	im->o->progress(im->o->progress_arg, im->st->rows,
			total > im->st->rows ? total : im->st->rows);
}

/* Read every row; store the good ones while storing still makes sense
 * (always with skip_invalid; until the first bad row otherwise). */
static void
import_rows(struct import *im, int skip_invalid)
{
	struct err e;
	int rc;

	while (!im->store_failed && (rc = csv_next(im->r, &e)) != 0) {
		struct row row = { 0 };

		if (rc > 0 && row_empty(im->r))
			continue;	/* ",,,,," rows that spreadsheets add */
		im->st->rows++;
		import_progress(im);
		if (rc < 0) {
			errlist_add(im->errs, "%s", e.msg);
			im->bad_rows++;
			continue;
		}
		row_check(im, &row);
		if (row.bad)
			im->bad_rows++;
		else if (skip_invalid || im->bad_rows == 0)
			row_store(im, &row);
		row_free(&row);
	}
}

static void
import_abort(struct import *im)
{
	store_rollback(im->s);
	im->st->added = im->st->updated = 0;
}

int
contacts_import(struct store *s, const char *path, int skip_invalid,
		struct contacts_stats *st, struct errlist *errs)
{
	struct contacts_import_opts o = { .skip_invalid = skip_invalid };

	return contacts_import_opts(s, path, &o, st, errs);
}

int
contacts_import_opts(struct store *s, const char *path,
		     const struct contacts_import_opts *o,
		     struct contacts_stats *st, struct errlist *errs)
{
	struct import im = { 0 };
	int skip_invalid = o->skip_invalid;
	struct stat sb;
	struct err e;
	FILE *fp;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if ((fp = fopen(path, "rb")) == NULL) {
		errlist_add(errs, "%s: %s", path, strerror(errno));
		return -1;
	}
	im.path = path;
	im.s = s;
	im.errs = errs;
	im.st = st;
	im.o = o;
	im.fp = fp;
	im.size = fstat(fileno(fp), &sb) == 0 ? (long)sb.st_size : 0;
	im.r = csv_new_file(fp, path, CSV_MAX_RECORD, CSV_MAX_FIELDS);
	if (read_header(&im) < 0)
		goto out;
	if (store_begin(s, &e) < 0) {
		errlist_add(errs, "%s: %s", path, e.msg);
		goto out;
	}
	import_rows(&im, skip_invalid);
	if (skip_invalid)
		st->skipped = im.bad_rows;
	if (im.store_failed || (im.bad_rows > 0 && !skip_invalid) ||
	    st->added + st->updated == 0) {
		import_abort(&im);
		rc = st->rows == 0 && !im.store_failed ? 0 : -1;
		goto out;
	}
	if (store_commit(s, &e) < 0) {
		errlist_add(errs, "%s: %s", path, e.msg);
		import_abort(&im);
		goto out;
	}
	warn_near_towns(&im);
	rc = 0;
out:
	seen_free(&im.seen);
	seen_free(&im.towns);
	csv_free(&im.r);
	fclose(fp);
	return rc;
}

/* ---- listing ----------------------------------------------------------- */

#define LIST_COLS 8

static const char *const list_heads[LIST_COLS] = {
	"EMAIL", "NAME", "MUNICIPALITY", "COUNTRY", "LANG", "GROUPS", "ROLE",
	"STATUS",
};

struct lister {
	FILE *out;
	const char *format;
	size_t width[LIST_COLS];
	int pass;		/* text: 0 measures, 1 prints */
	long n;
	int write_failed;
};

static void
list_values(const struct store_contact *c, const char *v[LIST_COLS])
{
	v[0] = c->email;
	v[1] = c->name;
	v[2] = c->municipality;
	v[3] = c->country;
	v[4] = c->language;
	v[5] = c->groups;
	v[6] = c->role;
	v[7] = c->status;
	for (size_t i = 0; i < LIST_COLS; i++)
		if (v[i] == NULL)
			v[i] = "";
}

/* Aligned columns; the last one is not padded (no trailing blanks).
 * Both textcol calls replace control characters: this goes to a
 * terminal. */
static void
list_text_row(struct lister *l, const char *const v[LIST_COLS])
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < LIST_COLS; i++) {
		if (i + 1 < LIST_COLS) {
			textcol_pad(&b, v[i], l->width[i]);
			buf_adds(&b, "  ");
		} else
			textcol_add(&b, v[i], "");
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	buf_addc(&b, '\n');
	if (fwrite(b.data, 1, b.len, l->out) != b.len)
		l->write_failed = 1;
	buf_free(&b);
}

static void
list_json_row(struct lister *l, const struct store_contact *c)
{
	struct buf b;
	const char *g = c->groups ? c->groups : "";

	buf_init(&b, 0);
	buf_adds(&b, l->n == 0 ? "[\n" : ",\n");
	buf_addc(&b, '{');
	json_kv_str(&b, 1, "email", c->email);
	json_kv_str(&b, 0, "name", c->name);
	json_kv_str(&b, 0, "municipality", c->municipality);
	json_kv_str(&b, 0, "country", c->country);
	json_kv_str(&b, 0, "language", c->language);
	buf_adds(&b, ",\"groups\":[");
	for (int first = 1; *g; first = 0) {
		size_t n = strcspn(g, ",");
		char *one = xstrndup(g, n);

		if (!first)
			buf_addc(&b, ',');
		json_str(&b, one);
		free(one);
		g += n + (g[n] == ',');
	}
	buf_addc(&b, ']');
	json_kv_str(&b, 0, "role", c->role);
	json_kv_str(&b, 0, "status", c->status);
	buf_addc(&b, '}');
	if (fwrite(b.data, 1, b.len, l->out) != b.len)
		l->write_failed = 1;
	buf_free(&b);
}

static int
list_cb(void *arg, const struct store_contact *c)
{
	struct lister *l = arg;
	const char *v[LIST_COLS];

	list_values(c, v);
	if (strcmp(l->format, "csv") == 0) {
		if (csv_write_row(l->out, v, LIST_COLS - 1) < 0)
			l->write_failed = 1;
	} else if (strcmp(l->format, "json") == 0)
		list_json_row(l, c);
	else if (l->pass == 0) {
		for (size_t i = 0; i < LIST_COLS; i++) {
			size_t w = textcol_width(v[i]);

			if (w > l->width[i])
				l->width[i] = w;
		}
	} else
		list_text_row(l, v);
	l->n++;
	return l->write_failed ? 1 : 0;
}

int
contacts_list(struct store *s, const struct store_filter *f,
	      const char *format, FILE *out, struct err *e)
{
	struct lister l = { .out = out, .format = format };

	if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 &&
	    strcmp(format, "json") != 0) {
		err_set(e, "contacts list: unknown format \"%s\" (text, csv "
			"or json)", format);
		return -1;
	}
	if (strcmp(format, "csv") == 0) {
		/* the columns a store_contact holds (not the zone) */
		if (csv_write_row(out, col_names, COL_TIMEZONE) < 0)
			l.write_failed = 1;
	} else if (strcmp(format, "text") == 0) {
		for (size_t i = 0; i < LIST_COLS; i++)
			l.width[i] = strlen(list_heads[i]);
		if (store_contacts_each(s, f, list_cb, &l, e) < 0)
			return -1;
		l.pass = 1;
		l.n = 0;
		list_text_row(&l, list_heads);
	}
	if (!l.write_failed && store_contacts_each(s, f, list_cb, &l, e) < 0)
		return -1;
	if (strcmp(format, "json") == 0)
		fputs(l.n == 0 ? "[]\n" : "\n]\n", out);
	if (l.write_failed || fflush(out) != 0 || ferror(out)) {
		err_set(e, "contacts list: write error: %s", strerror(errno));
		return -1;
	}
	return 0;
}
