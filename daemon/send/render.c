/*
 * render.c -- see render.h. Moved out of the send pipeline so that every
 * sender process renders its own messages (both cores work) and so that
 * a row carries all it needs: the campaign is looked up by id, feedback
 * lists come from the row's vars, and the reply address, subject
 * reference and envelope sender name the delivery's own token.
 */
#include "base/textwrap.h"
#include "base/kind.h"
#include "base/lang.h"
#include "send/render.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/tmpl.h"
#include "base/xmem.h"
#include "mail/ical.h"
#include "mail/mime.h"
#include "model/campaign.h"
#include "model/event_ics.h"
#include "model/form.h"
#include "model/survey.h"
#include "send/send_private.h"

#define RENDER_TMPL_MAX (1L * 1024 * 1024)	/* one template file */
#define RENDER_LANG_MAX 8			/* language sets per context */
#define RENDER_CTX_MAX 8			/* contexts kept */

/* ---- owned copies of store rows ------------------------------------------ */

struct camp {
	int64_t id, questionnaire_id, deadline_at;
	char *name, *template, *deadline, *subject, *reference, *extra;
	char *timezone;
};

/* The values of one recipient (borrowed from the row). */
struct rcpt {
	const char *email, *name, *municipality, *country, *language, *role;
	const char *token;	/* the delivery's */
	const char *deadline;	/* in the reader's zone, or NULL: the
				 * campaign's as its language writes it */
};

static char *dup0(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

static void camp_clear(struct camp *c)
{
	free(c->name);
	free(c->template);
	free(c->deadline);
	free(c->subject);
	free(c->reference);
	free(c->extra);
	free(c->timezone);
	memset(c, 0, sizeof(*c));
}

static int camp_cb(void *arg, const struct store_campaign *sc)
{
	struct camp *c = arg;

	c->id = sc->id;
	c->questionnaire_id = sc->questionnaire_id;
	c->name = dup0(sc->name);
	c->template = dup0(sc->template);
	c->deadline = dup0(sc->deadline);
	c->subject = dup0(sc->subject);
	c->reference = dup0(sc->reference);
	c->extra = dup0(sc->extra);
	c->deadline_at = sc->deadline_at;
	c->timezone = dup0(sc->timezone);
	return 0;
}

/* ---- files --------------------------------------------------------------- */

static int read_file(const char *path, char **out_r, struct err *e)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;
	int rc = 0;

	if (f == NULL) {
		err_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b, RENDER_TMPL_MAX);
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_add(&b, chunk, n);
	if (rc != 0)
		err_set(e, "%s: larger than %ld bytes", path, RENDER_TMPL_MAX);
	else if (ferror(f)) {
		err_set(e, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	if (rc != 0) {
		buf_free(&b);
		return -1;
	}
	*out_r = buf_steal(&b);
	return 0;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- one language: its templates and its prepared variables -------------- */

enum { T_SUBJECT, T_TEXT, T_HTML, T_N };
static const char *const tfile[T_N] = { "subject.txt", "body.txt",
					"body.html" };

struct langset {
	char lang[16];		/* the contact language it serves */
	char *path[T_N];	/* file names, for error messages */
	char *tpl[T_N];		/* NULL: body.html absent */
	struct tmpl *t[T_N];	/* tpl parsed once, for every message */
	struct tmpl_val *vars;	/* campaign-wide values + form, in lang */
	struct tmpl_val *partials;	/* name -> template ({{> name}}) */
};

/* One campaign and kind: what every message of it shares. */
struct rctx {
	int64_t campaign_id;
	char *kind;
	const char *set;		/* template set name */
	int feedback;			/* a feedback kind: set = kind */
	struct camp camp;
	struct survey *sv;		/* NULL: no questionnaire */
	struct langset ls[RENDER_LANG_MAX];
	size_t nls;
	unsigned long used;		/* for eviction */
};

struct render {
	struct store *s;
	const struct config *cfg;
	char *msgid_domain;
	struct buf part[T_N];		/* one message's parts, reused */
	char *ics;			/* this row's calendar part, or NULL
					 * (model/event_ics.h) */
	int ics_cancel;			/* METHOD:CANCEL, else REQUEST */
	struct rctx ctx[RENDER_CTX_MAX];
	size_t nctx;
	unsigned long tick;
	struct campaign_zones *zones;	/* readers' zones, for deadlines */
};

static void langset_clear(struct langset *l)
{
	int i;

	for (i = 0; i < T_N; i++) {
		free(l->path[i]);
		free(l->tpl[i]);
		tmpl_free(&l->t[i]);
	}
	tmpl_val_free(&l->vars);
	tmpl_val_free(&l->partials);
	memset(l, 0, sizeof(*l));
}

/* The campaign-wide values in lang, set into v (replacing keys). */
static int campaign_vars(const struct render *rd, const struct rctx *r,
			 const char *lang,
			 struct tmpl_val *v, struct err *e)
{
	struct buf ft, fh;
	char *dl = send_deadline(r->camp.deadline, lang);
	const char *intro;
	int rc = 0;

	tmpl_map_set_str(v, "organiser", rd->cfg->from_name != NULL ?
			 rd->cfg->from_name : "");
	tmpl_map_set_str(v, "deadline", dl);
	tmpl_map_set_str(v, "deadline_iso", r->camp.deadline);
	tmpl_map_set_str(v, "reference", r->camp.reference);
	tmpl_map_set_str(v, "campaign", r->camp.name);
	tmpl_map_set_bool(v, "reminder",
			  strcmp(r->kind, kind_name(KIND_REMINDER)) == 0);
	free(dl);
	buf_init(&ft, RENDER_MSG_MAX);
	buf_init(&fh, RENDER_MSG_MAX);
	if (r->sv != NULL) {
		intro = survey_intro(r->sv, lang);
		tmpl_map_set_str(v, "survey_title", survey_title(r->sv, lang));
		tmpl_map_set_str(v, "intro", intro != NULL ? intro : "");
		if (form_render_text(r->sv, lang, &ft) != 0 ||
		    form_render_html(r->sv, lang, &fh) != 0) {
			err_set(e, "campaign %s: the form is larger than %ld "
				"bytes", r->camp.name, RENDER_MSG_MAX);
			rc = -1;
		}
	} else {
		tmpl_map_set_str(v, "survey_title", r->camp.subject);
		tmpl_map_set_str(v, "intro", "");
	}
	tmpl_map_set_bool(v, "has_form", r->sv != NULL);
	tmpl_map_set_str(v, "form_text", buf_cstr(&ft));
	tmpl_map_set_str(v, "form_html", buf_cstr(&fh));
	buf_free(&ft);
	buf_free(&fh);
	/* the campaign's [vars] win over the defaults above (organiser) */
	(void)send_vars_json(r->camp.extra, v, e);	/* checked at open */
	return rc;
}

/* Every NAME.html of dir except the message bodies becomes partial NAME,
 * replacing one of the same name read before: a set's language directory
 * can override the shared templates/_partials/ (the mail layout). A
 * missing directory has no partials. */
static int load_partials(struct tmpl_val *map, const char *dir,
			 struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char *path, *text;

		if (n <= 5 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + n - 5, ".html") != 0 ||
		    strcmp(de->d_name, tfile[T_HTML]) == 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if ((rc = read_file(path, &text, e)) == 0) {
			char *name = xstrndup(de->d_name, n - 5);

			tmpl_map_set_str(map, name, text);
			free(name);
			free(text);
		}
		free(path);
	}
	closedir(d);
	return rc;
}

/* Which directory serves lang: its own if it has subject.txt, else en. */
static int langset_load(const struct render *rd, const struct rctx *r,
			struct langset *l, const char *lang, struct err *e)
{
	const char *dirs[2] = { lang, "en" };
	char *p;
	int i, k;

	snprintf(l->lang, sizeof(l->lang), "%s", lang);
	for (k = 0; k < 2; k++) {
		p = xasprintf("%s/%s/%s/%s", rd->cfg->templates_dir, r->set,
			      dirs[k], tfile[T_SUBJECT]);
		if (is_file(p)) {
			free(p);
			break;
		}
		free(p);
	}
	if (k == 2) {
		err_set(e, "%s/%s: no templates for language '%s' nor 'en'",
			rd->cfg->templates_dir, r->set, lang);
		return -1;
	}
	for (i = 0; i < T_N; i++) {
		l->path[i] = xasprintf("%s/%s/%s/%s", rd->cfg->templates_dir,
				       r->set, dirs[k], tfile[i]);
		if (i == T_HTML && !is_file(l->path[i]))
			continue;	/* text-only messages are fine */
		if (read_file(l->path[i], &l->tpl[i], e) != 0)
			return -1;
	}
	/* a campaign's own subject replaces subject.txt (campaigns only:
	 * feedback mail keeps its set's subject) */
	if (!r->feedback && r->camp.subject[0] != '\0') {
		free(l->path[T_SUBJECT]);
		free(l->tpl[T_SUBJECT]);
		l->path[T_SUBJECT] = xasprintf("campaign %s: subject",
					       r->camp.name);
		l->tpl[T_SUBJECT] = xstrdup(r->camp.subject);
	}
	for (i = 0; i < T_N; i++)
		if (l->tpl[i] != NULL &&
		    tmpl_compile(l->tpl[i], &l->t[i], e) != 0) {
			err_prefix(e, "%s", l->path[i]);
			return -1;
		}
	l->partials = tmpl_map_new();
	p = xasprintf("%s/_partials", rd->cfg->templates_dir);
	i = load_partials(l->partials, p, e);
	free(p);
	p = xasprintf("%s/%s/%s", rd->cfg->templates_dir, r->set, dirs[k]);
	if (i == 0)
		i = load_partials(l->partials, p, e);
	free(p);
	if (i != 0)
		return -1;
	l->vars = tmpl_map_new();
	/* the language the text is written in, for <html lang> */
	tmpl_map_set_str(l->vars, "html_lang", dirs[k]);
	return campaign_vars(rd, r, l->lang, l->vars, e);
}

/* The set for lang, loaded on first use. */
static struct langset *langset_get(const struct render *rd, struct rctx *r,
				   const char *lang, struct err *e)
{
	size_t i;

	if (lang == NULL || lang[0] == '\0' || strlen(lang) >= 16 ||
	    strchr(lang, '/') != NULL || lang[0] == '.')
		lang = "en";
	for (i = 0; i < r->nls; i++)
		if (strcmp(r->ls[i].lang, lang) == 0)
			return &r->ls[i];
	if (r->nls == RENDER_LANG_MAX)
		lang = "en";	/* exotic languages share English */
	for (i = 0; i < r->nls; i++)
		if (strcmp(r->ls[i].lang, lang) == 0)
			return &r->ls[i];
	if (langset_load(rd, r, &r->ls[r->nls], lang, e) != 0) {
		langset_clear(&r->ls[r->nls]);
		return NULL;
	}
	return &r->ls[r->nls++];
}

/* ---- rendering one message ----------------------------------------------- */

static void vars_contact(struct tmpl_val *v, const struct rcpt *c)
{
	tmpl_map_set_str(v, "name", c->name);
	tmpl_map_set_str(v, "email", c->email);
	tmpl_map_set_str(v, "municipality", c->municipality);
	tmpl_map_set_str(v, "country", c->country);
	tmpl_map_set_str(v, "role", c->role);
	tmpl_map_set_str(v, "language", c->language);
	tmpl_map_set_str(v, "token", c->token);
	if (c->deadline != NULL)
		tmpl_map_set_str(v, "deadline", c->deadline);
}

static int render_part(const struct langset *l, int which,
		       const struct tmpl_val *v, struct buf *out,
		       struct err *e)
{
	/* "&" in a name must stay "&" outside HTML */
	int flags = TMPL_STRICT | (which == T_HTML ? 0 : TMPL_RAW);
	struct tmpl_partials p = { tmpl_partial_from_map, l->partials };

	buf_reset(out);
	if (tmpl_render_compiled(l->t[which], v, &p, flags, out, e) == 0)
		return 0;
	err_prefix(e, "%s", l->path[which]);
	return -1;
}

/* Subject line: one line, whatever the template's trailing newline. */
static void subject_line(struct buf *b, const char *token)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if (b->data[i] == '\r' || b->data[i] == '\n')
			b->data[i] = ' ';
	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
	/* the token lets a reply be matched when all headers are lost */
	buf_printf(b, " [ref:%s]", token);
}

/* Envelope sender: return_path, else reply_to, else the From address. */
char *render_return_path(const struct config *cfg, const char *token)
{
	if (cfg->return_path != NULL && cfg->return_path[0] != '\0')
		return config_expand_token(cfg->return_path, token);
	if (cfg->reply_to != NULL && cfg->reply_to[0] != '\0')
		return config_expand_token(cfg->reply_to, token);
	return xstrdup(cfg->from_address);
}

static void mime_envelope(struct mime *m, const struct config *cfg,
			  const struct rcpt *c, const char *msgid)
{
	char *reply, *unsub;

	mime_addr(m, "From", cfg->from_name, cfg->from_address);
	mime_addr(m, "To", c->name, c->email);
	if (cfg->reply_to != NULL && cfg->reply_to[0] != '\0') {
		reply = config_expand_token(cfg->reply_to, c->token);
		mime_addr(m, "Reply-To", NULL, reply);
		/* bulk senders must offer a way out; a reply with this
		 * subject is classified as an opt-out */
		unsub = xasprintf("<mailto:%s?subject=unsubscribe>", reply);
		mime_header_raw(m, "List-Unsubscribe", unsub);
		free(unsub);
		free(reply);
	}
	mime_header_raw(m, "Message-ID", msgid);
}

/*
 * Render one message for contact c with set l and values v (l->vars, or
 * a feedback row's own map) into out. The contact's values are set into v,
 * replacing the previous contact's. Fails with "FILE: line N: why" or
 * mime's reason. out is the caller's, initialised (RENDER_MSG_MAX cap);
 * part is the renderer's (kept from message to message, so that their
 * memory is allocated once).
 */
static int render_message(const struct render *rd, const struct langset *l,
			  struct tmpl_val *v, const struct rcpt *c,
			  const char *msgid, const char *in_reply_to,
			  struct buf part[T_N], struct buf *out,
			  struct err *e)
{
	const struct config *cfg = rd->cfg;
	struct mime *m = NULL;
	int i, rc = -1;

	vars_contact(v, c);
	for (i = 0; i < T_N; i++)
		buf_reset(&part[i]);
	for (i = 0; i < T_N; i++)
		if (l->tpl[i] != NULL &&
		    render_part(l, i, v, &part[i], e) != 0)
			goto out;
	/* at most 78 characters a line (RFC 5322 2.1.1), URLs whole */
	textwrap_buf(&part[T_TEXT], TEXTWRAP_MAIL);
	subject_line(&part[T_SUBJECT], c->token);
	m = mime_new();
	mime_envelope(m, cfg, c, msgid);
	if (in_reply_to != NULL) {
		mime_header_raw(m, "In-Reply-To", in_reply_to);
		mime_header_raw(m, "References", in_reply_to);
		/* feedback is automatic: RFC 3834 keeps it out of loops */
		mime_header_raw(m, "Auto-Submitted", "auto-replied");
	}
	mime_header(m, "Subject", buf_cstr(&part[T_SUBJECT]));
	if (rd->ics != NULL)	/* an event's mail: text, HTML, calendar */
		ical_mime_body(m, buf_cstr(&part[T_TEXT]), l->tpl[T_HTML] ?
			       buf_cstr(&part[T_HTML]) : NULL, rd->ics,
			       rd->ics_cancel ? ICAL_CANCEL : ICAL_REQUEST);
	else
		mime_text(m, buf_cstr(&part[T_TEXT]));
	if (rd->ics == NULL && l->tpl[T_HTML] != NULL)
		mime_html(m, buf_cstr(&part[T_HTML]));
	if (mime_build(m, out, e) != 0) {
		err_prefix(e, "message to %s", c->email);
		goto out;
	}
	rc = 0;
out:
	mime_free(&m);
	return rc;
}


/* ---- campaign contexts --------------------------------------------------- */

static void rctx_clear(struct rctx *x)
{
	for (size_t i = 0; i < x->nls; i++)
		langset_clear(&x->ls[i]);
	survey_free(&x->sv);
	camp_clear(&x->camp);
	free(x->kind);
	memset(x, 0, sizeof(*x));
}

static int load_survey(const struct render *rd, struct rctx *r,
		       struct err *e)
{
	struct errlist errs = { 0 };
	char *xml = NULL, *name;
	int rc;

	if (r->camp.questionnaire_id == 0)
		return 0;
	rc = store_questionnaire_xml(rd->s, r->camp.questionnaire_id, &xml,
				     e);
	if (rc == 0)
		err_set(e, "campaign %s: questionnaire %lld not in the store",
			r->camp.name, (long long)r->camp.questionnaire_id);
	if (rc != 1)
		return -1;
	name = xasprintf("campaign %s questionnaire", r->camp.name);
	rc = survey_load_memory(xml, strlen(xml), name, rd->cfg->schema_path,
				&r->sv, &errs);
	if (rc != 0)
		err_set(e, "%s", errs.n > 0 ? errs.v[0] : name);
	free(name);
	free(xml);
	errlist_free(&errs);
	return rc;
}

static int rctx_load(const struct render *rd, struct rctx *r,
		     int64_t campaign_id, const char *kind, struct err *e)
{
	struct tmpl_val *check;
	int rc;

	r->campaign_id = campaign_id;
	r->kind = xstrdup(kind);
	r->feedback = kind_is_feedback(kind);
	rc = store_campaign_by_id(rd->s, campaign_id, camp_cb, &r->camp, e);
	if (rc == 0)
		err_set(e, "campaign %lld: not in the store",
			(long long)campaign_id);
	if (rc != 1)
		return -1;
	check = tmpl_map_new();
	rc = send_vars_json(r->camp.extra, check, e);
	tmpl_val_free(&check);
	if (rc != 0) {
		err_prefix(e, "campaign %s", r->camp.name);
		return -1;
	}
	/* templates/confirm/, templates/problem/; campaigns their own */
	r->set = r->feedback ? r->kind : r->camp.template;
	return load_survey(rd, r, e);
}

/* The context of (campaign, kind), loaded on first use; the one used
 * longest ago makes room. */
static struct rctx *rctx_get(struct render *rd, int64_t campaign_id,
			     const char *kind, struct err *e)
{
	struct rctx *x = NULL;
	size_t i;

	for (i = 0; i < rd->nctx; i++)
		if (rd->ctx[i].campaign_id == campaign_id &&
		    strcmp(rd->ctx[i].kind, kind) == 0) {
			rd->ctx[i].used = ++rd->tick;
			return &rd->ctx[i];
		}
	if (rd->nctx < RENDER_CTX_MAX) {
		x = &rd->ctx[rd->nctx++];
	} else {
		x = &rd->ctx[0];
		for (i = 1; i < rd->nctx; i++)
			if (rd->ctx[i].used < x->used)
				x = &rd->ctx[i];
		rctx_clear(x);
	}
	if (rctx_load(rd, x, campaign_id, kind, e) != 0) {
		rctx_clear(x);
		*x = rd->ctx[--rd->nctx];	/* keep the array dense */
		memset(&rd->ctx[rd->nctx], 0, sizeof(rd->ctx[0]));
		return NULL;
	}
	x->used = ++rd->tick;
	return x;
}

/* ---- feedback lists ------------------------------------------------------ */

struct fbvars {
	const struct rctx *r;
	const char *lang;
	struct tmpl_val *v, *answers, *problems;
	struct buf txt;
};

/* One key of a feedback row's vars: "a:QID" an answer, "p:QID" a
 * problem, anything else a template variable of its own. */
static int fb_pair(void *arg, const char *key, char type,
		   const char *value)
{
	struct fbvars *f = arg;
	int answer = strncmp(key, "a:", 2) == 0;
	const struct survey_question *q;
	struct tmpl_val *it;

	if (!answer && strncmp(key, "p:", 2) != 0) {
		send_json_set(f->v, key, type, value);
		return 0;
	}
	q = f->r->sv != NULL ? survey_find(f->r->sv, key + 2) : NULL;
	it = tmpl_list_add_map(answer ? f->answers : f->problems);
	tmpl_map_set_num(it, "number", q != NULL ? q->number : 0);
	tmpl_map_set_str(it, "question", q != NULL ?
			 survey_qtext(f->r->sv, q, f->lang) : key + 2);
	if (answer)
		send_answer_text(f->r->sv, q, f->lang, value, &f->txt);
	else
		send_problem_text(q, f->lang, value, &f->txt);
	tmpl_map_set_str(it, answer ? "answer" : "reason", buf_cstr(&f->txt));
	return 0;
}

/* The lists a confirmation or problem note shows, in lang, into v. */
static int feedback_vars(const struct rctx *r, const char *lang,
			 const char *json, struct tmpl_val *v, struct err *e)
{
	struct fbvars f = { r, lang, v, NULL, NULL, { 0 } };
	int rc;

	f.answers = tmpl_map_set_list(v, "answers");
	f.problems = tmpl_map_set_list(v, "problems");
	tmpl_map_set_bool(v, "updated", 0);
	buf_init(&f.txt, 0);
	rc = send_json_each(json != NULL ? json : "", fb_pair, &f, e);
	tmpl_map_set_bool(v, "recorded", tmpl_list_len(f.answers) > 0);
	buf_free(&f.txt);
	return rc;
}

/* ---- public --------------------------------------------------------------- */

static char *msgid_domain(const struct config *cfg)
{
	const char *at;

	if (cfg->message_id_domain != NULL && cfg->message_id_domain[0])
		return xstrdup(cfg->message_id_domain);
	at = cfg->from_address != NULL ? strrchr(cfg->from_address, '@') :
	     NULL;
	return xstrdup(at != NULL ? at + 1 : "localhost");
}

int render_open(struct store *s, const struct config *cfg,
		struct render **r_r, struct err *e)
{
	struct render *r = xcalloc(1, sizeof(*r));

	r->s = s;
	r->cfg = cfg;
	r->msgid_domain = msgid_domain(cfg);
	r->zones = campaign_zones_new();
	for (int i = 0; i < T_N; i++)
		buf_init(&r->part[i], RENDER_MSG_MAX);
	*r_r = r;
	return 0;
}

void render_free(struct render **rp)
{
	struct render *r = *rp;

	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nctx; i++)
		rctx_clear(&r->ctx[i]);
	free(r->msgid_domain);
	campaign_zones_free(&r->zones);
	for (int i = 0; i < T_N; i++)
		buf_free(&r->part[i]);
	free(r);
	*rp = NULL;
}

char *render_msgid(const struct render *r)
{
	return mime_message_id(r->msgid_domain);
}

/* Render for recipient c in set l: campaign mail straight from the
 * language's prepared values, feedback from a map of its own. */
static int render_with(struct render *rd, const struct rctx *x,
		       const struct langset *l, const struct rcpt *c,
		       const char *vars, const char *msgid,
		       const char *in_reply_to, struct buf *out,
		       struct err *e)
{
	struct tmpl_val *v;
	int rc;

	if (!x->feedback)
		return render_message(rd, l, l->vars, c, msgid,
				      in_reply_to, rd->part, out, e);
	v = tmpl_map_new();
	rc = campaign_vars(rd, x, l->lang, v, e);
	tmpl_map_set_str(v, "html_lang",
			 tmpl_val_str(tmpl_map_get(l->vars, "html_lang")));
	if (rc == 0)
		rc = feedback_vars(x, l->lang, vars, v, e);
	if (rc == 0)
		rc = render_message(rd, l, v, c, msgid, in_reply_to,
				    rd->part, out, e);
	tmpl_val_free(&v);
	return rc;
}

/* An ordinary contact: what every template must render for. */
static const struct rcpt sample = {
	"sample@example.org", "Sample", "Sample", "Sample", NULL,
	"sample", "sample", NULL
};

int render_check(struct render *rd, int64_t campaign_id, const char *kind,
		 struct err *e)
{
	struct rctx *x = rctx_get(rd, campaign_id, kind, e);
	int rc = x == NULL ? -1 : 0;

	for (size_t i = 0; rc == 0 && i < LANG_N; i++) {
		char *dir = xasprintf("%s/%s/%s", rd->cfg->templates_dir,
				      x->set, lang_code[i]);

		/* the default always (it is every language's fallback) */
		if (strcmp(lang_code[i], LANG_DEFAULT) == 0 ||
		    access(dir, F_OK) == 0) {
			struct rcpt c = sample;
			struct langset *l = langset_get(rd, x, lang_code[i],
							e);
			struct buf out;

			c.language = lang_code[i];
			buf_init(&out, RENDER_MSG_MAX);
			rc = l == NULL ? -1 : render_with(rd, x, l, &c, NULL,
				"<sample@example.org>", NULL, &out, e);
			buf_free(&out);
		}
		free(dir);
	}
	return rc;
}

/*
 * Whose fault a failed message is: the same templates rendered for an
 * ordinary contact in the same language. If that works, this row's own
 * data (the contact, the row's vars or In-Reply-To) cannot make a message
 * and only this row fails (RENDER_ROW_BAD); if not, the organiser has
 * something to fix and the run stops (-1). The first error is kept.
 */
static int render_blame(struct render *rd, const struct rctx *x,
			const struct langset *l, const struct rcpt *c)
{
	struct rcpt k = sample;
	struct buf out;
	struct err e;
	int rc;

	k.language = c->language;
	buf_init(&out, RENDER_MSG_MAX);
	rc = render_with(rd, x, l, &k, NULL, "<sample@example.org>", NULL,
			 &out, &e);
	buf_free(&out);
	return rc == 0 ? RENDER_ROW_BAD : -1;
}

const char *render_text(const struct render *rd)
{
	return buf_cstr((struct buf *)&rd->part[T_TEXT]);
}

/* The deadline in the reader's zone, then the message. */
static int render_for(struct render *rd, const struct rctx *x,
		      const struct langset *l, struct rcpt *c,
		      const struct store_outrow *row, const char *msgid,
		      struct buf *out, struct err *e)
{
	struct store_campaign sc = { .deadline = x->camp.deadline,
				     .deadline_at = x->camp.deadline_at,
				     .timezone = x->camp.timezone };
	const struct store_contact *k = row->contact;
	char *at = campaign_deadline_for(rd->zones, &sc, campaign_zone_of(
		k != NULL ? k->timezone : NULL, k != NULL ? k->country : NULL));
	char *dl = at != NULL ? send_deadline(at, l->lang) : NULL;
	int rc;

	c->deadline = dl;
	rc = render_with(rd, x, l, c, row->vars, msgid, row->in_reply_to,
			 out, e);
	if (rc != 0)
		rc = render_blame(rd, x, l, c);
	free(at);
	free(dl);
	return rc;
}

/* The parts of a message its producer rendered (render.h), copied out
 * of the row's vars. */
struct made {
	char *part[3];		/* subject, text, html */
};

static int made_pair(void *arg, const char *key, char type,
		     const char *value)
{
	static const char *const keys[3] = { "subject", "text", "html" };
	struct made *m = arg;

	for (int i = 0; i < 3; i++)
		if (type == 's' && strcmp(key, keys[i]) == 0) {
			free(m->part[i]);
			m->part[i] = xstrdup(value);
		}
	return 0;
}

/* A row without a campaign whose vars carry the parts (the staff
 * digest): only wrapped into MIME, to the row's rcpt. */
static int render_made(struct render *rd, const struct store_outrow *row,
		       const char *msgid, struct buf *out, struct err *e)
{
	struct rcpt c = { .email = row->rcpt, .name = "",
			  .token = row->token };
	struct made p = { { NULL, NULL, NULL } };
	struct mime *m;
	int rc = RENDER_ROW_BAD;

	if (send_json_each(row->vars ? row->vars : "", made_pair, &p, e) < 0)
		goto done;
	if (p.part[0] == NULL || p.part[1] == NULL || p.part[2] == NULL) {
		err_set(e, "delivery %lld: %s without a campaign cannot be "
			"rendered (its vars carry no subject, text and html)",
			(long long)row->id, row->kind);
		goto done;
	}
	buf_reset(&rd->part[T_TEXT]);
	buf_adds(&rd->part[T_TEXT], p.part[1]);
	m = mime_new();
	mime_envelope(m, rd->cfg, &c, msgid);
	/* RFC 3834: made by a program, no one should auto-reply to it */
	mime_header_raw(m, "Auto-Submitted", "auto-generated");
	mime_header(m, "Subject", p.part[0]);
	mime_text(m, p.part[1]);
	mime_html(m, p.part[2]);
	rc = mime_build(m, out, e) == 0 ? 0 : RENDER_ROW_BAD;
	if (rc != 0)
		err_prefix(e, "%s to %s", row->kind, row->rcpt);
	mime_free(&m);
done:
	for (int i = 0; i < 3; i++)
		free(p.part[i]);
	return rc;
}

int render_row(struct render *rd, const struct store_outrow *row,
	       const char *msgid, struct buf *out, struct err *e)
{
	const struct store_contact *k = row->contact;
	struct rcpt c = { 0 };
	struct rctx *x;
	struct langset *l;
	int rc;

	if (row->campaign_id == 0)
		return render_made(rd, row, msgid, out, e);
	x = rctx_get(rd, row->campaign_id, row->kind, e);
	if (x == NULL)
		return -1;
	c.email = row->rcpt;
	c.name = k != NULL && k->name != NULL ? k->name : "";
	c.municipality = k != NULL && k->municipality ? k->municipality : "";
	c.country = k != NULL && k->country != NULL ? k->country : "";
	c.language = k != NULL && k->language != NULL ? k->language : "en";
	c.role = k != NULL && k->role != NULL ? k->role : "";
	c.token = row->token;
	l = langset_get(rd, x, c.language, e);
	if (l == NULL ||
	    event_ics(rd->s, rd->cfg, row, &rd->ics, &rd->ics_cancel, e) < 0)
		return -1;
	rc = render_for(rd, x, l, &c, row, msgid, out, e);
	free(rd->ics);
	rd->ics = NULL;
	return rc;
}
