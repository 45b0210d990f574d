/*
 * campaign.c -- see campaign.h and docs/campaign-format.md. A campaign
 * file is INI read with libinih through a line-counting reader (Debian's
 * inih passes no line numbers), so every problem names FILE:LINE; all
 * problems are collected before giving up, as isync and OpenSMTPD do.
 */
#include "model/campaign.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "base/buf.h"
#include "model/contacts.h"
#include "base/json.h"
#include "model/schedule.h"
#include "model/survey.h"
#include "base/textcol.h"
#include "base/tz.h"
#include "base/xmem.h"

#define CAMPAIGN_MAX_XML (4u << 20)	/* as survey.c: a few KB in practice */

enum ckey {
	K_NAME, K_KIND, K_QUESTIONNAIRE, K_TEMPLATE, K_REFERENCE, K_SUBJECT,
	K_DEADLINE, K_START, K_TIMEZONE,
	K_GROUP, K_COUNTRY, K_LANGUAGE, K_MUNICIPALITY, K_ROLE,
	NKEYS
};

static const struct {
	const char *section, *key;
	enum ckey k;
} ckeys[] = {
	{ "campaign", "name", K_NAME },
	{ "campaign", "kind", K_KIND },
	{ "campaign", "questionnaire", K_QUESTIONNAIRE },
	{ "campaign", "template", K_TEMPLATE },
	{ "campaign", "reference", K_REFERENCE },
	{ "campaign", "subject", K_SUBJECT },
	{ "campaign", "deadline", K_DEADLINE },
	{ "campaign", "start", K_START },
	{ "campaign", "timezone", K_TIMEZONE },
	{ "audience", "group", K_GROUP },
	{ "audience", "groups", K_GROUP },
	{ "audience", "country", K_COUNTRY },
	{ "audience", "language", K_LANGUAGE },
	{ "audience", "municipality", K_MUNICIPALITY },
	{ "audience", "role", K_ROLE },
};
#define NCKEYS (sizeof(ckeys) / sizeof(ckeys[0]))

static const char *const csections[] = { "campaign", "audience", "vars",
					  "schedule" };

struct camp {
	const struct config *cfg;
	const char *path;
	struct errlist *errs;
	size_t nerr0;		/* errs->n before: more means invalid */
	FILE *fp;
	int line;		/* the line inih is handling */
	int indented;		/* that line starts with white space */
	int syntax_line;	/* last syntax error reported by the reader */
	char *v[NKEYS];
	int at[NKEYS];		/* line where each key was set */
	struct buf vars;	/* JSON object text, without the braces */
	char **varnames;
	int *varlines;
	size_t nvars;
	/* results of validation */
	char *audience[5];	/* group, country, language, municipality, role */
	char *deadline;		/* the file's text, with T */
	int64_t deadline_at;	/* UTC; 0: none */
	int64_t start_at;	/* UTC; 0: none */
	const char *zone;	/* validated timezone, or NULL (UTC) */
	char *qpath;		/* resolved questionnaire path */
	char *xml;		/* its bytes */
	size_t xml_len;
	struct survey *sv;
	struct schedule *sched;	/* [schedule] (model/schedule.h) */
};

static void
camp_err(struct camp *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
camp_err(struct camp *c, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errlist_vadd_at(c->errs, c->path, line, fmt, ap);
	va_end(ap);
}

static int
known_section(const char *s)
{
	for (size_t i = 0; i < sizeof(csections) / sizeof(*csections); i++)
		if (strcmp(s, csections[i]) == 0)
			return 1;
	return 0;
}

/* Section headers and syntax are checked here, where the line is known
 * even for a section with no keys in it, and every bad line is seen
 * (inih itself returns only the first). */
static void
check_line(struct camp *c, const char *s)
{
	const char *end;

	if (c->indented)
		return;		/* a continuation: the handler decides */
	if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
		return;
	if (*s != '[') {
		if (strpbrk(s, "=:") == NULL) {
			camp_err(c, c->line, "syntax error (expected "
				 "[section] or key = value)");
			c->syntax_line = c->line;
		}
		return;
	}
	if ((end = strchr(s, ']')) == NULL) {
		camp_err(c, c->line, "syntax error: no ] after the section "
			 "name");
		c->syntax_line = c->line;
		return;
	}
	{
		char *name = xstrndup(s + 1, (size_t)(end - s - 1));

		if (!known_section(name))
			camp_err(c, c->line, "unknown section [%s] (known: "
				 "[campaign], [audience], [vars], [schedule])",
				 name);
		free(name);
	}
}

/* A line that is not clean text is reported and read as an empty line:
 * fgets would stop a C string at a NUL and drop the rest unseen, and a
 * control character would travel into subjects, headers and terminals. */
static int
camp_line_bad(struct camp *c, const char *s, size_t n)
{
	long cp = textcol_unsafe(s, n, "\t\r\n");

	if (cp < 0)
		return 0;
	if (cp == 0)
		camp_err(c, c->line, "a NUL byte (the file is not plain text)");
	else if (cp == TEXTCOL_BAD_UTF8)
		camp_err(c, c->line, "invalid UTF-8 (save the file as UTF-8)");
	else
		camp_err(c, c->line, "a control character (U+%04lX)", cp);
	return 1;
}

/* ini_reader: counts lines, notes indentation, refuses overlong lines
 * (inih would silently split them) and lines that are not clean text. */
static char *
camp_reader(char *str, int num, void *stream)
{
	struct camp *c = stream;
	size_t n = 0;
	int ch = 0;

	/* getc, not fgets: the length must count past a NUL */
	while (n + 1 < (size_t)num && ch != '\n' &&
	       (ch = getc(c->fp)) != EOF)
		str[n++] = (char)ch;
	if (n == 0)
		return NULL;
	str[n] = '\0';
	c->line++;
	c->indented = str[0] == ' ' || str[0] == '\t';
	if (str[n - 1] != '\n' && !feof(c->fp)) {
		while ((ch = getc(c->fp)) != EOF && ch != '\n')
			;
		camp_err(c, c->line, "line longer than %d characters", num - 3);
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	if (camp_line_bad(c, str, n)) {
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	check_line(c, str);
	return str;
}

static void
camp_var(struct camp *c, const char *name, const char *value)
{
	const char *p = name;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	      *p == '_'))
		p = NULL;
	for (; p && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			p = NULL;
	if (p == NULL || p == name) {
		camp_err(c, c->line, "[vars] \"%s\": a variable name is "
			 "letters, digits and _ (not starting with a digit)",
			 name);
		return;
	}
	for (size_t i = 0; i < c->nvars; i++)
		if (strcmp(c->varnames[i], name) == 0) {
			camp_err(c, c->line, "[vars] %s set twice (first on "
				 "line %d)", name, c->varlines[i]);
			return;
		}
	c->varnames = xreallocarray(c->varnames, c->nvars + 1,
				    sizeof(*c->varnames));
	c->varlines = xreallocarray(c->varlines, c->nvars + 1,
				    sizeof(*c->varlines));
	c->varnames[c->nvars] = xstrdup(name);
	c->varlines[c->nvars++] = c->line;
	json_kv_str(&c->vars, c->nvars == 1, name, value);
}

static int
camp_handler(void *user, const char *section, const char *name,
	     const char *value)
{
	struct camp *c = user;

	if (!known_section(section))
		return 1;	/* reported once, at its [header] */
	if (c->indented) {
		camp_err(c, c->line, "indented line: keys start at the "
			 "beginning of a line (an indented line would "
			 "continue the value of \"%s\")", name);
		return 1;
	}
	if (strcmp(section, "vars") == 0) {
		camp_var(c, name, value);
		return 1;
	}
	if (strcmp(section, "schedule") == 0) {
		const char *why;

		if (schedule_key(c->sched, name, value, &why) < 0)
			camp_err(c, c->line, "[schedule] %s: %s", name, why);
		return 1;
	}
	for (size_t i = 0; i < NCKEYS; i++) {
		enum ckey k = ckeys[i].k;

		if (strcmp(ckeys[i].section, section) != 0 ||
		    strcmp(ckeys[i].key, name) != 0)
			continue;
		if (c->v[k] != NULL) {
			camp_err(c, c->line, "[%s] %s set twice (first on "
				 "line %d)", section, name, c->at[k]);
			return 1;
		}
		c->v[k] = xstrdup(value);
		c->at[k] = c->line;
		return 1;
	}
	camp_err(c, c->line, "unknown key \"%s\" in [%s]", name, section);
	return 1;
}

static int
camp_parse(struct camp *c)
{
	int rc;

	if ((c->fp = fopen(c->path, "r")) == NULL) {
		errlist_add(c->errs, "%s: %s", c->path, strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(camp_reader, c, camp_handler, c);
	fclose(c->fp);
	c->fp = NULL;
	if (rc > 0 && rc > c->syntax_line)
		camp_err(c, rc, "syntax error (expected [section] or "
			 "key = value)");
	else if (rc < 0)
		camp_err(c, 0, "could not be read");
	return 0;
}

/* ---- validation ---------------------------------------------------------- */

/* A comma-separated list, each item checked or normalised by norm (may
 * be NULL): "a, b" -> "a,b". "" stays NULL: no filter. */
static char *
audience_list(struct camp *c, enum ckey k, const char *what,
	      int (*norm)(const char *in, char out[8], const char **why))
{
	const char *p = c->v[k];
	struct buf b;

	if (p == NULL)
		return NULL;
	buf_init(&b, 0);
	while (*p) {
		size_t n = strcspn(p, ",");
		char *item = xstrndup(p, n), *t = item, out[8];
		const char *why;
		size_t tl;

		while (*t == ' ' || *t == '\t')
			t++;
		tl = strlen(t);
		while (tl > 0 && (t[tl - 1] == ' ' || t[tl - 1] == '\t'))
			t[--tl] = '\0';
		if (*t && norm != NULL && norm(t, out, &why) < 0)
			camp_err(c, c->at[k], "[audience] %s: %s: \"%s\"", what,
				 why, t);
		else if (*t) {
			if (b.len > 0)
				buf_addc(&b, ',');
			buf_adds(&b, norm ? out : t);
		}
		free(item);
		p += n + (p[n] == ',');
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static int
norm_country(const char *in, char out[8], const char **why)
{
	return contacts_country(in, out, why);
}

static int
norm_language(const char *in, char out[8], const char **why)
{
	const char *lang;

	if (contacts_language(in, &lang, why) < 0)
		return -1;
	snprintf(out, 8, "%s", lang);
	return 0;
}

static void
check_audience(struct camp *c)
{
	c->audience[0] = audience_list(c, K_GROUP, "group", NULL);
	c->audience[1] = audience_list(c, K_COUNTRY, "country", norm_country);
	c->audience[2] = audience_list(c, K_LANGUAGE, "language",
				       norm_language);
	c->audience[3] = audience_list(c, K_MUNICIPALITY, "municipality",
				       NULL);
	c->audience[4] = audience_list(c, K_ROLE, "role", NULL);
}

/* name, reference, template: simple tokens, used on the command line, in
 * subjects and as a directory name. */
static int
is_token(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

/* One of start, deadline: "" or missing is none. 0 ok or none. */
static int
check_time(struct camp *c, enum ckey k, const char *what, int64_t *at_r)
{
	const char *why;

	if (c->v[k] == NULL || *c->v[k] == '\0')
		return 0;
	if (campaign_time(c->v[k], c->zone, k == K_DEADLINE, at_r, &why) == 0)
		return 0;
	camp_err(c, c->at[k], "[campaign] %s \"%s\": %s", what, c->v[k], why);
	return -1;
}

/* timezone first: start and deadline are read in it (UTC when none). */
static void
check_times(struct camp *c)
{
	const char *zone = c->v[K_TIMEZONE];
	struct tz *z;
	struct err e;

	if (zone != NULL && *zone) {
		if ((z = tz_load(zone, &e)) == NULL)
			camp_err(c, c->at[K_TIMEZONE], "[campaign] timezone: "
				 "%s (an IANA name such as Europe/Sofia, "
				 "Europe/Brussels, Europe/Prague)", e.msg);
		else
			c->zone = zone;
		tz_free(&z);
	}
	if (check_time(c, K_DEADLINE, "deadline", &c->deadline_at) == 0 &&
	    c->deadline_at != 0) {
		c->deadline = xstrdup(c->v[K_DEADLINE]);
		if (strlen(c->deadline) > 10)
			c->deadline[10] = 'T';
	}
	if (check_time(c, K_START, "start", &c->start_at) == 0 &&
	    c->start_at != 0 && c->deadline_at != 0 &&
	    c->start_at >= c->deadline_at)
		camp_err(c, c->at[K_START], "[campaign] start \"%s\" is not "
			 "before the deadline \"%s\"", c->v[K_START],
			 c->v[K_DEADLINE]);
}

static void
check_campaign_keys(struct camp *c)
{
	if (c->v[K_NAME] == NULL || *c->v[K_NAME] == '\0')
		camp_err(c, c->at[K_NAME], "[campaign] name is missing");
	else if (!is_token(c->v[K_NAME], 64, "-_."))
		camp_err(c, c->at[K_NAME], "[campaign] name \"%s\": use "
			 "letters, digits, '-', '_' and '.' (at most 64)",
			 c->v[K_NAME]);
	if (c->v[K_KIND] != NULL && strcmp(c->v[K_KIND], "survey") != 0 &&
	    strcmp(c->v[K_KIND], "invitation") != 0)
		camp_err(c, c->at[K_KIND], "[campaign] kind \"%s\": use survey "
			 "or invitation", c->v[K_KIND]);
	if (c->v[K_REFERENCE] != NULL && *c->v[K_REFERENCE] &&
	    !is_token(c->v[K_REFERENCE], 16, "-_"))
		camp_err(c, c->at[K_REFERENCE], "[campaign] reference \"%s\": "
			 "use at most 16 letters, digits, '-' or '_' (it is "
			 "shown in every subject)", c->v[K_REFERENCE]);
	check_times(c);
}

static void
check_template(struct camp *c)
{
	const char *t = c->v[K_TEMPLATE];
	struct stat st;
	char *dir;

	if (t == NULL || *t == '\0') {
		camp_err(c, c->at[K_TEMPLATE], "[campaign] template is "
			 "missing (the name of a template set in %s)",
			 c->cfg->templates_dir);
		return;
	}
	if (!is_token(t, 64, "-_.")) {
		camp_err(c, c->at[K_TEMPLATE], "[campaign] template \"%s\": a "
			 "template set name is letters, digits, '-', '_' and "
			 "'.'", t);
		return;
	}
	dir = xasprintf("%s/%s", c->cfg->templates_dir, t);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		camp_err(c, c->at[K_TEMPLATE], "[campaign] template \"%s\": "
			 "no template set directory %s/", t, dir);
	free(dir);
}

/* Relative to the campaign file first, then paths.surveys. */
static char *
find_questionnaire(struct camp *c, const char *q)
{
	const char *slash = strrchr(c->path, '/');
	char *try;

	if (q[0] == '/')
		return access(q, R_OK) == 0 ? xstrdup(q) : NULL;
	try = slash ? xasprintf("%.*s/%s", (int)(slash - c->path), c->path, q)
		    : xstrdup(q);
	if (access(try, R_OK) == 0)
		return try;
	free(try);
	try = xasprintf("%s/%s", c->cfg->surveys_dir, q);
	if (access(try, R_OK) == 0)
		return try;
	free(try);
	return NULL;
}

static int
read_all(const char *path, char **data_r, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	char chunk[8192];
	struct buf b;
	size_t n;
	int rc = 0;

	if (fp == NULL)
		return -1;
	buf_init(&b, CAMPAIGN_MAX_XML);
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		rc = buf_add(&b, chunk, n);
	if (ferror(fp))
		rc = -1;
	fclose(fp);
	if (rc < 0) {
		buf_free(&b);
		return -1;
	}
	*len_r = b.len;
	*data_r = buf_steal(&b);
	if (*data_r == NULL)
		*data_r = xstrdup("");
	return 0;
}

static void
check_questionnaire(struct camp *c)
{
	const char *q = c->v[K_QUESTIONNAIRE];
	int survey = c->v[K_KIND] == NULL ||
		     strcmp(c->v[K_KIND], "survey") == 0;

	if (q == NULL || *q == '\0') {
		if (survey)
			camp_err(c, c->at[K_QUESTIONNAIRE], "[campaign] "
				 "questionnaire is missing (a survey needs "
				 "one; use kind = invitation for none)");
		return;
	}
	if ((c->qpath = find_questionnaire(c, q)) == NULL) {
		camp_err(c, c->at[K_QUESTIONNAIRE], "[campaign] "
			 "questionnaire \"%s\" not found (looked next to "
			 "this file and in %s)", q, c->cfg->surveys_dir);
		return;
	}
	if (read_all(c->qpath, &c->xml, &c->xml_len) < 0) {
		camp_err(c, c->at[K_QUESTIONNAIRE], "[campaign] "
			 "questionnaire %s: unreadable or larger than %u "
			 "bytes", c->qpath, CAMPAIGN_MAX_XML);
		return;
	}
	if (survey_load_memory(c->xml, c->xml_len, c->qpath,
			       c->cfg->schema_path, &c->sv, c->errs) < 0)
		camp_err(c, c->at[K_QUESTIONNAIRE], "[campaign] "
			 "questionnaire %s is not valid (see the problems "
			 "above)", c->qpath);
}

static void
camp_free(struct camp *c)
{
	for (size_t k = 0; k < NKEYS; k++)
		free(c->v[k]);
	for (size_t i = 0; i < 5; i++)
		free(c->audience[i]);
	for (size_t i = 0; i < c->nvars; i++)
		free(c->varnames[i]);
	free(c->varnames);
	free(c->varlines);
	buf_free(&c->vars);
	free(c->deadline);
	free(c->qpath);
	free(c->xml);
	survey_free(&c->sv);
	schedule_free(&c->sched);
}

/* Parse and validate; 0 if nothing was wrong. */
static int
camp_load(struct camp *c, const struct config *cfg, const char *path,
	  struct errlist *errs)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->path = path;
	c->errs = errs;
	c->nerr0 = errs->n;
	buf_init(&c->vars, 0);
	c->sched = schedule_new();
	if (camp_parse(c) < 0)
		return -1;
	check_campaign_keys(c);
	check_template(c);
	check_questionnaire(c);
	check_audience(c);
	return errs->n > c->nerr0 ? -1 : 0;
}

int
campaign_check(const struct config *cfg, const char *path,
	       struct errlist *errs)
{
	struct camp c;
	int rc = camp_load(&c, cfg, path, errs);

	camp_free(&c);
	return rc;
}

static int
camp_found(void *arg, const struct store_campaign *sc)
{
	(void)arg;
	(void)sc;
	return 0;
}

/* update: the campaign must be stored already (an update that named a
 * new campaign by a typo would send it to everybody). */
static int
camp_store(struct camp *c, struct store *s, int update, struct err *e)
{
	struct store_campaign sc = { 0 };
	int64_t qid = 0, cid;
	int isnew;
	char *extra = xasprintf("{%s}", buf_cstr(&c->vars));
	int rc = -1;

	if (store_begin(s, e) < 0)
		goto out;
	if (update && (rc = store_campaign_find(s, c->v[K_NAME], camp_found,
						NULL, e)) != 1) {
		if (rc == 0)
			err_set(e, "no campaign '%s' to update (add it with: "
				"anketa campaign add FILE)", c->v[K_NAME]);
		rc = -1;
		goto fail;
	}
	rc = -1;
	if (c->sv != NULL &&
	    store_questionnaire_put(s, survey_id(c->sv), survey_hash(c->sv),
				    c->qpath, c->xml, &qid, &isnew, e) < 0)
		goto fail;
	sc.name = c->v[K_NAME];
	sc.questionnaire_id = qid;
	sc.kind = c->v[K_KIND] ? c->v[K_KIND] : "survey";
	sc.template = c->v[K_TEMPLATE];
	sc.deadline = c->deadline;
	sc.deadline_at = c->deadline_at;
	sc.start_at = c->start_at;
	sc.timezone = c->zone;	/* NULL: UTC, shown as written */
	sc.subject = c->v[K_SUBJECT] && *c->v[K_SUBJECT] ? c->v[K_SUBJECT]
							 : NULL;
	sc.reference = c->v[K_REFERENCE] && *c->v[K_REFERENCE] ?
		       c->v[K_REFERENCE] : NULL;
	sc.audience.group = c->audience[0];
	sc.audience.country = c->audience[1];
	sc.audience.language = c->audience[2];
	sc.audience.municipality = c->audience[3];
	sc.audience.role = c->audience[4];
	sc.file = c->path;
	sc.extra = extra;
	if (store_campaign_put(s, &sc, &cid, e) < 0 ||
	    store_schedule_put(s, cid, schedule_text(c->sched), e) < 0 ||
	    store_commit(s, e) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	store_rollback(s);
out:
	free(extra);
	return rc;
}

static int
camp_put(struct store *s, const struct config *cfg, const char *path,
	 int update, char **name_r, struct errlist *errs)
{
	struct camp c;
	struct err e;
	int rc = camp_load(&c, cfg, path, errs);

	if (rc == 0 && camp_store(&c, s, update, &e) < 0) {
		errlist_add(errs, "%s: %s", path, e.msg);
		rc = -1;
	}
	if (rc == 0 && name_r != NULL)
		*name_r = xstrdup(c.v[K_NAME]);
	camp_free(&c);
	return rc;
}

int
campaign_add(struct store *s, const struct config *cfg, const char *path,
	     char **name_r, struct errlist *errs)
{
	return camp_put(s, cfg, path, 0, name_r, errs);
}

int
campaign_update(struct store *s, const struct config *cfg, const char *path,
		char **name_r, struct errlist *errs)
{
	return camp_put(s, cfg, path, 1, name_r, errs);
}
