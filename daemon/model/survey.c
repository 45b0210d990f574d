/*
 * survey.c -- load and validate questionnaire XML; see survey.h.
 *
 * Three passes, each reporting every problem it sees: libxml2 parses the
 * untrusted bytes (no network, no entity expansion, no DTD loading), the
 * RELAX NG schema checks the shape, then check_* below check what the
 * schema cannot say. Only a survey that passes all three is returned.
 */
#include "base/lang.h"
#include "model/survey.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include "base/buf.h"
#include "base/xmem.h"

#define SURVEY_MAX_BYTES (4u << 20)	/* a questionnaire is a few KB */
#define SURVEY_MAX_OPTIONS 26		/* letters a..z */


/* One text in several languages. */
struct ltext {
	size_t n;
	char **lang;
	char **s;
	int line;	/* of the first element, for messages */
};

struct qinfo {
	struct survey_question pub;	/* first: pub pointers map back */
	struct ltext text, minl, maxl;
	struct survey_option *opts;
	struct ltext *olabels;
	int line;
	int *oline;
};

struct survey {
	char *id;
	char *fallback;
	char hash[65];
	struct ltext title, intro;
	struct qinfo *q;
	size_t nq;
};

/* Collects errors with the name the caller gave, not libxml2's URL. */
struct loadctx {
	const char *name;
	struct errlist *errs;
	int nerr;
};

static void
ltext_free(struct ltext *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->lang[i]);
		free(t->s[i]);
	}
	free(t->lang);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

void
survey_free(struct survey **svp)
{
	struct survey *sv;

	if (svp == NULL || (sv = *svp) == NULL)
		return;
	for (size_t i = 0; i < sv->nq; i++) {
		struct qinfo *q = &sv->q[i];

		free((char *)q->pub.id);
		ltext_free(&q->text);
		ltext_free(&q->minl);
		ltext_free(&q->maxl);
		for (size_t j = 0; j < q->pub.noptions; j++) {
			free((char *)q->opts[j].id);
			free((char *)q->opts[j].key);
			ltext_free(&q->olabels[j]);
		}
		free(q->opts);
		free(q->olabels);
		free(q->oline);
	}
	free(sv->q);
	ltext_free(&sv->title);
	ltext_free(&sv->intro);
	free(sv->id);
	free(sv->fallback);
	free(sv);
	*svp = NULL;
}

/* ---- error capture ---------------------------------------------------- */

static void
add_err(struct loadctx *lc, int line, const char *reason)
{
	char *r = xstrdup(reason ? reason : "invalid"), *msg;
	size_t n = strlen(r);

	/* libxml2 messages end in a newline */
	while (n && (r[n - 1] == '\n' || r[n - 1] == ' '))
		r[--n] = '\0';
	/* libxml2 repeats some errors verbatim (entity loops): say it once */
	msg = xasprintf("%s:%d: %s", lc->name, line, r);
	if (lc->errs->n == 0 || strcmp(lc->errs->v[lc->errs->n - 1], msg))
		errlist_add(lc->errs, "%s", msg);
	lc->nerr++;
	free(msg);
	free(r);
}

static void
errf(struct loadctx *lc, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
errf(struct loadctx *lc, int line, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	add_err(lc, line, s);
	free(s);
}

static void
xml_serror(void *data, xmlErrorPtr e)
{
	struct loadctx *lc = data;

	if (e->level == XML_ERR_WARNING)
		return;
	add_err(lc, e->line, e->message);
}

/* The parser passes its own context as data (ctxt->userData); ours rides
 * in _private so no global error handler is ever installed. */
static void
parser_serror(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;

	xml_serror(ctxt->_private, e);
}

static xmlDocPtr
parse_xml(const char *xml, size_t len, struct loadctx *lc)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc;

	if (ctxt == NULL)
		abort();
	ctxt->_private = lc;
	ctxt->sax->serror = parser_serror;
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, lc->name, "UTF-8",
				XML_PARSE_NONET | XML_PARSE_NOWARNING);
	if (doc != NULL && !ctxt->wellFormed) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (doc == NULL && lc->nerr == 0)
		add_err(lc, 0, "not well-formed XML");
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static int
validate(xmlDocPtr doc, const char *schema_path, struct loadctx *lc)
{
	xmlRelaxNGParserCtxtPtr pc;
	xmlRelaxNGPtr schema = NULL;
	xmlRelaxNGValidCtxtPtr vc;
	struct loadctx slc = { schema_path, lc->errs, 0 };
	int rc;

	/* libxml2 would print its own I/O warning for a missing file */
	pc = access(schema_path, R_OK) == 0 ?
		xmlRelaxNGNewParserCtxt(schema_path) : NULL;
	if (pc != NULL) {
		xmlRelaxNGSetParserStructuredErrors(pc, xml_serror, &slc);
		schema = xmlRelaxNGParse(pc);
		xmlRelaxNGFreeParserCtxt(pc);
	}
	if (schema == NULL) {
		errlist_add(lc->errs, "%s: cannot load the RELAX NG schema",
			    schema_path);
		lc->nerr++;
		return -1;
	}
	vc = xmlRelaxNGNewValidCtxt(schema);
	xmlRelaxNGSetValidStructuredErrors(vc, xml_serror, lc);
	rc = xmlRelaxNGValidateDoc(vc, doc);
	xmlRelaxNGFreeValidCtxt(vc);
	xmlRelaxNGFree(schema);
	if (rc != 0 && lc->nerr == 0)
		add_err(lc, 0, "does not match the survey schema");
	return rc == 0 ? 0 : -1;
}

/* ---- building the model (the document is already schema-valid) -------- */

static char *
attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s = v ? xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

/* Element text with runs of white space collapsed: the XML is indented
 * by hand, the form wraps lines itself. */
static char *
collapsed_text(xmlNodePtr n)
{
	xmlChar *c = xmlNodeGetContent(n);
	struct buf b;
	int space = 0;

	buf_init(&b, 0);
	for (const char *p = c ? (const char *)c : ""; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_addc(&b, ' ');
		space = 0;
		buf_addc(&b, *p);
	}
	xmlFree(c);
	return buf_steal(&b);
}

static int
is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

static void
ltext_add(struct ltext *t, xmlNodePtr n)
{
	xmlChar *lang = xmlNodeGetLang(n);

	t->lang = xreallocarray(t->lang, t->n + 1, sizeof(*t->lang));
	t->s = xreallocarray(t->s, t->n + 1, sizeof(*t->s));
	t->lang[t->n] = xstrdup(lang ? (const char *)lang : "");
	t->s[t->n] = collapsed_text(n);
	if (t->n == 0)
		t->line = (int)xmlGetLineNo(n);
	t->n++;
	xmlFree(lang);
}

/* Integer attribute; the schema already said it is an xsd:integer, so
 * only overflow can fail here. */
static int
long_attr(xmlNodePtr n, const char *name, long *v, int *has,
	  struct loadctx *lc)
{
	char *s = attr(n, name), *end;

	*has = 0;
	if (s == NULL)
		return 0;
	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || *end) {
		char *why = xasprintf("%s=\"%s\" is not a usable integer",
				      name, s);
		add_err(lc, (int)xmlGetLineNo(n), why);
		free(why);
		free(s);
		return -1;
	}
	*has = 1;
	free(s);
	return 0;
}

static enum survey_qtype
qtype_parse(const char *s)
{
	static const struct { const char *name; enum survey_qtype t; } tab[] = {
		{ "single", SURVEY_SINGLE }, { "multi", SURVEY_MULTI },
		{ "scale", SURVEY_SCALE }, { "number", SURVEY_NUMBER },
		{ "yesno", SURVEY_YESNO }, { "text", SURVEY_TEXT },
		{ "date", SURVEY_DATE },
	};

	for (size_t i = 0; s && i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(s, tab[i].name) == 0)
			return tab[i].t;
	return SURVEY_TEXT;
}

const char *
survey_qtype_name(enum survey_qtype t)
{
	static const char *const names[] = { "single", "multi", "scale",
		"number", "yesno", "text", "date" };

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void
add_option(struct qinfo *q, xmlNodePtr n)
{
	size_t i = q->pub.noptions;

	q->opts = xreallocarray(q->opts, i + 1, sizeof(*q->opts));
	q->olabels = xreallocarray(q->olabels, i + 1, sizeof(*q->olabels));
	q->oline = xreallocarray(q->oline, i + 1, sizeof(*q->oline));
	q->opts[i].id = attr(n, "id");
	/* keys beyond z are never shown: check_question rejects them */
	q->opts[i].key = i < SURVEY_MAX_OPTIONS ?
		xasprintf("%c", (char)('a' + i)) : xasprintf("%zu", i + 1);
	memset(&q->olabels[i], 0, sizeof(q->olabels[i]));
	q->oline[i] = (int)xmlGetLineNo(n);
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (is_elem(c, "label"))
			ltext_add(&q->olabels[i], c);
	q->pub.noptions = i + 1;
}

static void
build_question(struct qinfo *q, xmlNodePtr n, int number, struct loadctx *lc)
{
	char *type = attr(n, "type"), *req = attr(n, "required");
	char *pub = attr(n, "publishable");

	q->pub.id = attr(n, "id");
	q->pub.number = number;
	q->pub.type = qtype_parse(type);
	q->pub.required = req && strcmp(req, "true") == 0;
	q->pub.publishable = pub && strcmp(pub, "true") == 0;
	q->line = (int)xmlGetLineNo(n);
	long_attr(n, "min", &q->pub.min, &q->pub.has_min, lc);
	long_attr(n, "max", &q->pub.max, &q->pub.has_max, lc);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (is_elem(c, "text"))
			ltext_add(&q->text, c);
		else if (is_elem(c, "min-label"))
			ltext_add(&q->minl, c);
		else if (is_elem(c, "max-label"))
			ltext_add(&q->maxl, c);
		else if (is_elem(c, "option"))
			add_option(q, c);
	}
	free(type);
	free(req);
	free(pub);
}

static struct survey *
build(xmlDocPtr doc, struct loadctx *lc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	struct survey *sv = xcalloc(1, sizeof(*sv));

	sv->id = attr(root, "id");
	sv->fallback = attr(root, "fallback");
	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (is_elem(c, "title"))
			ltext_add(&sv->title, c);
		else if (is_elem(c, "intro"))
			ltext_add(&sv->intro, c);
		else if (is_elem(c, "question")) {
			sv->q = xreallocarray(sv->q, sv->nq + 1,
					      sizeof(*sv->q));
			memset(&sv->q[sv->nq], 0, sizeof(sv->q[0]));
			build_question(&sv->q[sv->nq], c, (int)sv->nq + 1, lc);
			sv->nq++;
		}
	}
	return sv;
}

/* ---- plain-language hints for the mistakes organisers make ----------- */

/* The schema's own messages ("Element question failed to validate
 * attributes") do not say what to fix; these say it in words, next to
 * the schema's report. */
static int
ident_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !((*s >= 'a' && *s <= 'z') ||
				   (*s >= '0' && *s <= '9')))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static void
hint_scale(xmlNodePtr n, const char *id, struct loadctx *lc)
{
	int minl = 0, maxl = 0;

	for (xmlNodePtr c = n->children; c; c = c->next) {
		minl += is_elem(c, "min-label");
		maxl += is_elem(c, "max-label");
	}
	if (!minl || !maxl)
		errf(lc, (int)xmlGetLineNo(n), "question '%s': a scale needs "
		     "both <min-label> and <max-label>", id ? id : "?");
	if (!xmlHasProp(n, (const xmlChar *)"min") ||
	    !xmlHasProp(n, (const xmlChar *)"max"))
		errf(lc, (int)xmlGetLineNo(n), "question '%s': a scale needs "
		     "both min=\"\" and max=\"\"", id ? id : "?");
}

static void
hint_node(xmlNodePtr n, struct loadctx *lc)
{
	int line = (int)xmlGetLineNo(n);
	char *id, *type;

	if (n->type == XML_ENTITY_REF_NODE) {
		errf(lc, line, "entity '&%s;' is not allowed: write the text "
		     "itself", (const char *)n->name);
		return;
	}
	if (n->type != XML_ELEMENT_NODE)
		return;
	id = attr(n, "id");
	type = is_elem(n, "question") ? attr(n, "type") : NULL;
	if (id && !ident_ok(id) && !(is_elem(n, "option") && n->parent &&
				     (type = attr(n->parent, "type")) &&
				     strcmp(type, "date") == 0))
		errf(lc, line, "id '%s': use lower-case letters a-z, digits, "
		     "'-' and '_' only", id);
	if (is_elem(n, "question") && type && strcmp(type, "single") &&
	    strcmp(type, "multi") && strcmp(type, "scale") &&
	    strcmp(type, "number") && strcmp(type, "yesno") &&
	    strcmp(type, "text") && strcmp(type, "date"))
		errf(lc, line, "question '%s': unknown type '%s' (use single, "
		     "multi, scale, number, yesno, text or date)",
		     id ? id : "?", type);
	if (is_elem(n, "question") && type && strcmp(type, "scale") == 0)
		hint_scale(n, id, lc);
	free(id);
	free(type);
	for (xmlNodePtr c = n->children; c; c = c->next)
		hint_node(c, lc);
}

/* libxml2 keeps no line for the DTD node: find it in the bytes. */
static int
doctype_line(const char *xml, size_t len)
{
	const char *p = memmem(xml, len, "<!DOCTYPE", 9);
	int line = 1;

	for (const char *q = xml; p && q < p; q++)
		line += *q == '\n';
	return line;
}

static void
hints(xmlDocPtr doc, const char *xml, size_t len, struct loadctx *lc)
{
	if (doc->intSubset != NULL)
		errf(lc, doctype_line(xml, len),
		     "a DOCTYPE is not allowed in a survey");
	hint_node(xmlDocGetRootElement(doc), lc);
}

/* ---- semantic checks -------------------------------------------------- */

static int
lang_known(const char *l)
{
	for (size_t i = 0; i < LANG_N;
	     i++)
		if (strcmp(l, lang_code[i]) == 0)
			return 1;
	return 0;
}

/* what: "title", "Q3 text", "Q3 option b label" ... */
static void
check_ltext(const struct survey *sv, const struct ltext *t, int line,
	    const char *what, struct loadctx *lc)
{
	int fb = 0;

	if (t->n == 0)
		return;
	for (size_t i = 0; i < t->n; i++) {
		if (!lang_known(t->lang[i]))
			errf(lc, t->line, "%s: language '%s' is not supported "
			     "(use bg, en, nl or cs)", what, t->lang[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(t->lang[i], t->lang[j]) == 0)
				errf(lc, t->line, "%s: language '%s' given "
				     "twice", what, t->lang[i]);
		if (strcmp(t->lang[i], sv->fallback) == 0)
			fb = 1;
		if (t->s[i][0] == '\0')
			errf(lc, t->line, "%s: empty text in '%s'", what,
			     t->lang[i]);
	}
	if (!fb)
		errf(lc, line ? line : t->line, "%s: no text in the fallback "
		     "language '%s'", what, sv->fallback);
}

static void
check_options(const struct survey *sv, const struct qinfo *q,
	      struct loadctx *lc)
{
	const struct survey_question *p = &q->pub;

	if (p->noptions > SURVEY_MAX_OPTIONS)
		errf(lc, q->line, "question '%s': %zu options, at most %d fit "
		     "the letters a..z", p->id, p->noptions,
		     SURVEY_MAX_OPTIONS);
	for (size_t j = 0; j < p->noptions; j++) {
		char what[160];

		for (size_t k = 0; k < j; k++)
			if (strcmp(q->opts[j].id, q->opts[k].id) == 0)
				errf(lc, q->oline[j], "question '%s': option "
				     "id '%s' used twice", p->id,
				     q->opts[j].id);
		snprintf(what, sizeof(what), "question '%s' option '%s' label",
			 p->id, q->opts[j].id);
		check_ltext(sv, &q->olabels[j], q->oline[j], what, lc);
	}
}

static void
check_question(const struct survey *sv, const struct qinfo *q,
	       struct loadctx *lc)
{
	const struct survey_question *p = &q->pub;
	char what[160];

	snprintf(what, sizeof(what), "question '%s' text", p->id);
	check_ltext(sv, &q->text, q->line, what, lc);
	if (p->has_min && p->has_max && p->min > p->max)
		errf(lc, q->line, "question '%s': min %ld is greater than "
		     "max %ld", p->id, p->min, p->max);
	if (p->type == SURVEY_SCALE) {
		if (p->has_min && p->has_max && p->max - p->min > 10)
			errf(lc, q->line, "question '%s': a scale of more "
			     "than 11 steps; use type=\"number\"", p->id);
		snprintf(what, sizeof(what), "question '%s' min-label", p->id);
		check_ltext(sv, &q->minl, q->line, what, lc);
		snprintf(what, sizeof(what), "question '%s' max-label", p->id);
		check_ltext(sv, &q->maxl, q->line, what, lc);
	}
	check_options(sv, q, lc);
}

static void
check(const struct survey *sv, int root_line, struct loadctx *lc)
{
	if (!lang_known(sv->fallback))
		errf(lc, root_line, "fallback language '%s' is not supported "
		     "(use bg, en, nl or cs)", sv->fallback);
	check_ltext(sv, &sv->title, root_line, "title", lc);
	check_ltext(sv, &sv->intro, root_line, "intro", lc);
	for (size_t i = 0; i < sv->nq; i++) {
		for (size_t k = 0; k < i; k++)
			if (strcmp(sv->q[i].pub.id, sv->q[k].pub.id) == 0)
				errf(lc, sv->q[i].line, "question id '%s' "
				     "used twice (first on line %d)",
				     sv->q[i].pub.id, sv->q[k].line);
		check_question(sv, &sv->q[i], lc);
	}
}

/* ---- loading ---------------------------------------------------------- */

static void
hash_hex(const char *xml, size_t len, char out[65])
{
	unsigned char d[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, xml, len, d) < 0)
		abort();	/* sha256 is always built into GnuTLS */
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int
survey_load_memory(const char *xml, size_t len, const char *name,
		   const char *schema_path, struct survey **sv_r,
		   struct errlist *errs)
{
	struct loadctx lc = { name ? name : "survey", errs, 0 };
	struct survey *sv;
	xmlDocPtr doc;

	*sv_r = NULL;
	if (len > SURVEY_MAX_BYTES || len > (size_t)INT32_MAX) {
		errf(&lc, 0, "file too large (%zu bytes, at most %u)", len,
		     SURVEY_MAX_BYTES);
		return -1;
	}
	if ((doc = parse_xml(xml, len, &lc)) == NULL)
		return -1;
	hints(doc, xml, len, &lc);
	if (validate(doc, schema_path, &lc) < 0 || lc.nerr) {
		xmlFreeDoc(doc);
		return -1;
	}
	sv = build(doc, &lc);
	check(sv, (int)xmlGetLineNo(xmlDocGetRootElement(doc)), &lc);
	xmlFreeDoc(doc);
	if (lc.nerr) {
		survey_free(&sv);
		return -1;
	}
	for (size_t i = 0; i < sv->nq; i++)
		sv->q[i].pub.options = sv->q[i].opts;
	hash_hex(xml, len, sv->hash);
	*sv_r = sv;
	return 0;
}

int
survey_load_file(const char *path, const char *schema_path,
		 struct survey **sv_r, struct errlist *errs)
{
	FILE *f;
	struct buf b;
	char chunk[8192];
	size_t n;
	int rc;

	*sv_r = NULL;
	if ((f = fopen(path, "rb")) == NULL) {
		errlist_add(errs, "%s:0: cannot open: %s", path,
			    strerror(errno));
		return -1;
	}
	buf_init(&b, SURVEY_MAX_BYTES);
	rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_add(&b, chunk, n);
	if (rc == 0 && ferror(f)) {
		errlist_add(errs, "%s:0: read error", path);
		rc = -1;
	} else if (rc < 0)
		errlist_add(errs, "%s:0: file too large (at most %u bytes)",
			    path, SURVEY_MAX_BYTES);
	fclose(f);
	if (rc == 0)
		rc = survey_load_memory(buf_cstr(&b), b.len, path,
					schema_path, sv_r, errs);
	buf_free(&b);
	return rc;
}

/* ---- accessors -------------------------------------------------------- */

/* lang, else the fallback, else whatever exists (never for a checked
 * survey, but accessors must not return NULL for a present text). */
static const char *
ltext_get(const struct survey *sv, const struct ltext *t, const char *lang)
{
	for (int pass = 0; pass < 2; pass++) {
		const char *want = pass == 0 ? lang : sv->fallback;

		for (size_t i = 0; want && i < t->n; i++)
			if (strcmp(t->lang[i], want) == 0)
				return t->s[i];
	}
	return t->n ? t->s[0] : NULL;
}

static const struct qinfo *
qinfo_of(const struct survey *sv, const struct survey_question *q)
{
	for (size_t i = 0; i < sv->nq; i++)
		if (&sv->q[i].pub == q)
			return &sv->q[i];
	return NULL;
}

const char *
survey_id(const struct survey *sv)
{
	return sv->id;
}

const char *
survey_hash(const struct survey *sv)
{
	return sv->hash;
}

const char *
survey_fallback_lang(const struct survey *sv)
{
	return sv->fallback;
}

const char *
survey_title(const struct survey *sv, const char *lang)
{
	return ltext_get(sv, &sv->title, lang);
}

/* NULL when the survey has no intro */
const char *
survey_intro(const struct survey *sv, const char *lang)
{
	return ltext_get(sv, &sv->intro, lang);
}

size_t
survey_nquestions(const struct survey *sv)
{
	return sv->nq;
}

const struct survey_question *
survey_question(const struct survey *sv, size_t i)
{
	return i < sv->nq ? &sv->q[i].pub : NULL;
}

const struct survey_question *
survey_find(const struct survey *sv, const char *qid)
{
	for (size_t i = 0; i < sv->nq; i++)
		if (strcmp(sv->q[i].pub.id, qid) == 0)
			return &sv->q[i].pub;
	return NULL;
}

const char *
survey_qtext(const struct survey *sv, const struct survey_question *q,
	     const char *lang)
{
	const struct qinfo *qi = qinfo_of(sv, q);

	return qi ? ltext_get(sv, &qi->text, lang) : NULL;
}

/* A date option without labels is shown as the date itself. */
const char *
survey_otext(const struct survey *sv, const struct survey_question *q,
	     const char *oid, const char *lang)
{
	const struct qinfo *qi = qinfo_of(sv, q);

	if (qi == NULL)
		return NULL;
	if (q->type == SURVEY_SCALE && strcmp(oid, "min") == 0)
		return ltext_get(sv, &qi->minl, lang);
	if (q->type == SURVEY_SCALE && strcmp(oid, "max") == 0)
		return ltext_get(sv, &qi->maxl, lang);
	for (size_t j = 0; j < q->noptions; j++) {
		if (strcmp(qi->opts[j].id, oid) != 0)
			continue;
		if (qi->olabels[j].n == 0)
			return qi->opts[j].id;
		return ltext_get(sv, &qi->olabels[j], lang);
	}
	return NULL;
}
