/*
 * html.c -- see html.h. libxml2's recovering HTML parser builds a tree; one
 * recursive walk writes text the way a browser lays it out: whitespace
 * collapses, block elements start lines, <p> leaves a blank line, table
 * rows are lines with cells separated by a tab. Quote containers raise the
 * quote depth; every line written at depth d starts with d "> ", which is
 * what quote.c reads. Outlook's reply divider has no container: the
 * original follows it as siblings, so it raises the depth for the rest of
 * the document.
 */
#include "mail/html.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "base/buf.h"
#include "base/xmem.h"

#define HTML_MAX_DEPTH 200	/* deeper trees are flattened */

struct hstate {
	struct buf out;
	int depth;		/* quote containers open */
	int rest;		/* 1 after an Outlook divider */
	int pre;		/* inside <pre>: keep whitespace */
	int space;		/* collapsed whitespace pending */
	int bol;		/* at the beginning of a line */
	int newlines;		/* newlines at the end of out */
};

static const char *const html_blocks[] = {
	"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
	"table", "tr", "blockquote", "pre", "address", "center", "section",
	"article", "header", "footer", "dl", "dt", "dd", "form", "fieldset",
	"figure", "main", "nav", "aside", "tbody", "thead", "tfoot", "caption",
	"body", "html",
};

static const char *const html_skipped[] = {
	"script", "style", "head", "title", "template", "noscript", "xml",
	"object", "iframe", "svg",
};

static int
name_in(const xmlChar *name, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp((const char *)name, v[i]) == 0)
			return 1;
	return 0;
}

static int
is_name(const xmlNode *n, const char *name)
{
	return strcasecmp((const char *)n->name, name) == 0;
}

/* Attribute value contains needle (case-insensitive); attr may be absent. */
static int
attr_has(xmlNode *n, const char *attr, const char *needle)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
	int r = v && strcasestr((const char *)v, needle) != NULL;

	xmlFree(v);
	return r;
}

static void
put_prefix(struct hstate *st)
{
	int d = st->depth + st->rest;

	for (int i = 0; i < d; i++)
		buf_adds(&st->out, "> ");
}

static void
put_newline(struct hstate *st)
{
	/* Trailing blanks of a line are invisible: drop them. */
	while (st->out.len && st->out.data[st->out.len - 1] == ' ')
		st->out.len--;
	if (st->out.data)
		st->out.data[st->out.len] = '\0';
	if (st->out.len == 0)
		return;
	if (st->newlines >= 2)
		return;
	if (st->bol && st->depth + st->rest > 0) {
		/* a blank line inside a quote stays part of the quote */
		for (int i = 0; i < st->depth + st->rest; i++)
			buf_addc(&st->out, '>');
	}
	buf_addc(&st->out, '\n');
	st->newlines++;
	st->bol = 1;
	st->space = 0;
}

/* Make sure the text ends with n newlines (1: new line, 2: blank line). */
static void
need_break(struct hstate *st, int n)
{
	while (st->newlines < n && st->out.len > 0) {
		int before = st->newlines;
		put_newline(st);
		if (st->newlines == before)
			break;
	}
}

static void
put_char(struct hstate *st, char c)
{
	if (st->bol) {
		put_prefix(st);
		st->bol = 0;
	} else if (st->space)
		buf_addc(&st->out, ' ');
	st->space = 0;
	buf_addc(&st->out, c);
	st->newlines = 0;
}

static void
put_text(struct hstate *st, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0xc2 && p[1] == 0xa0) {	/* &nbsp; */
			st->space = 1;
			p++;
			continue;
		}
		if (st->pre && *p == '\n') {
			st->newlines = 0;
			buf_addc(&st->out, '\n');
			st->bol = 1;
			continue;
		}
		if (isspace(*p) && !st->pre) {
			st->space = !st->bol;
			continue;
		}
		put_char(st, (char)*p);
	}
}

/* Outlook's "From: ... Sent: ..." divider: the original follows. */
static int
outlook_divider(xmlNode *n)
{
	if (!is_name(n, "div") && !is_name(n, "span") && !is_name(n, "hr"))
		return 0;
	if (attr_has(n, "id", "divRplyFwdMsg") || attr_has(n, "id", "appendonsend"))
		return 1;
	return is_name(n, "div") && attr_has(n, "style", "border-top") &&
	       attr_has(n, "style", "padding");
}

static int
quote_container(xmlNode *n)
{
	return is_name(n, "blockquote") || attr_has(n, "class", "gmail_quote") ||
	       attr_has(n, "class", "yahoo_quoted") ||
	       attr_has(n, "id", "OLK_SRC_BODY_SECTION");
}

static void walk(struct hstate *st, xmlNode *n, int level);

/* Only blanks and no-break spaces: Word's "<p><o:p>&nbsp;</o:p></p>". */
static int
blank_content(xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	int blank = 1;

	for (const unsigned char *p = c; p && *p; p++) {
		if (*p == 0xc2 && p[1] == 0xa0)
			p++;
		else if (!isspace(*p))
			blank = 0;
	}
	xmlFree(c);
	return blank;
}

/* br, hr, img below n: an element without text that still shows. */
static int
has_visible_child(xmlNode *n, int level)
{
	if (level > HTML_MAX_DEPTH)
		return 0;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_name(c, "br") || is_name(c, "hr") || is_name(c, "img") ||
		    has_visible_child(c, level + 1))
			return 1;
	}
	return 0;
}

static int
empty_element(xmlNode *n)
{
	return blank_content(n) && !has_visible_child(n, 0);
}

/* Outlook/Word paragraphs have no margins (class MsoNormal): a line each,
 * and an empty one is a blank line. */
static int
word_paragraph(struct hstate *st, xmlNode *n)
{
	if (!attr_has(n, "class", "MsoNormal") || !empty_element(n))
		return 0;
	need_break(st, 1);
	if (st->out.len > 0)
		need_break(st, 2);
	return 1;
}

static void
walk_children(struct hstate *st, xmlNode *n, int level)
{
	for (xmlNode *c = n->children; c; c = c->next)
		walk(st, c, level + 1);
}

static void
walk_element(struct hstate *st, xmlNode *n, int level)
{
	int block = name_in(n->name, html_blocks,
			    sizeof(html_blocks) / sizeof(*html_blocks));
	int quote = quote_container(n);
	if (word_paragraph(st, n))
		return;
	/* an empty <p> (Word's <o:p></o:p> is read as one) has no height */
	if (is_name(n, "p") && empty_element(n))
		return;
	int para = (is_name(n, "p") && !attr_has(n, "class", "MsoNormal")) ||
		   is_name(n, "blockquote") ||
		   is_name(n, "pre") || (n->name[0] == 'h' && isdigit(n->name[1]));

	if (outlook_divider(n) && !st->rest) {
		need_break(st, 1);
		st->rest = 1;
	}
	if (is_name(n, "br")) {
		if (st->bol && st->newlines < 2)
			st->newlines = 0;	/* <br><br> is a blank line */
		put_newline(st);
		return;
	}
	if (is_name(n, "hr")) {
		need_break(st, 1);
		put_text(st, "________________________________");
		need_break(st, 1);
		return;
	}
	if (is_name(n, "td") || is_name(n, "th")) {
		if (!st->bol && n->prev != NULL) {
			buf_addc(&st->out, '\t');
			st->space = 0;
		}
	}
	if (block)
		need_break(st, para ? 2 : 1);
	if (quote)
		st->depth++;
	if (is_name(n, "pre"))
		st->pre++;
	if (is_name(n, "li"))
		put_text(st, "- ");
	walk_children(st, n, level);
	if (is_name(n, "pre"))
		st->pre--;
	if (quote) {
		need_break(st, 1);
		st->depth--;
	}
	if (block)
		need_break(st, para ? 2 : 1);
}

static void
walk(struct hstate *st, xmlNode *n, int level)
{
	if (level > HTML_MAX_DEPTH)
		return;
	switch (n->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (n->content)
			put_text(st, (const char *)n->content);
		break;
	case XML_ELEMENT_NODE:
		if (name_in(n->name, html_skipped,
			    sizeof(html_skipped) / sizeof(*html_skipped)))
			break;
		walk_element(st, n, level);
		break;
	case XML_DOCUMENT_NODE:
	case XML_HTML_DOCUMENT_NODE:
		walk_children(st, n, level);
		break;
	default:
		break;
	}
}

char *
html_to_text(const char *html, size_t len)
{
	struct hstate st = { .bol = 1 };
	htmlDocPtr doc;

	buf_init(&st.out, 0);
	if (len > 0 && len < (size_t)1 << 30) {
		doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
				     HTML_PARSE_RECOVER | HTML_PARSE_NONET |
				     HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				     HTML_PARSE_NOBLANKS);
		if (doc) {
			walk(&st, (xmlNode *)doc, 0);
			xmlFreeDoc(doc);
		}
	}
	/* Trim trailing blank lines. */
	while (st.out.len && isspace((unsigned char)st.out.data[st.out.len - 1]))
		st.out.len--;
	buf_cstr(&st.out);
	st.out.data[st.out.len] = '\0';
	return buf_steal(&st.out);
}
