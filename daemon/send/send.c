/*
 * send.c -- the send pipeline: plan -> render (tmpl + form + mime) ->
 * submit -> record. The only module that connects those stages; what a
 * submission result means is trouble.c's to decide (trouble_classify).
 *
 * Order of work, chosen so a crash or an error never sends twice and
 * never loses a delivery:
 *   1. every language's templates are rendered once with sample data
 *      before anything is sent, so a template error stops the run at
 *      once instead of after the first thousand messages;
 *   2. due deliveries are taken SEND_BATCH at a time (never the whole
 *      audience in memory) and rendered completely;
 *   3. the batch is marked SENDING (with its Message-IDs) in one
 *      transaction, then submitted; each outcome is recorded as soon as
 *      the server has answered.
 * An interrupted run leaves SENDING rows, which the next run sends again
 * with the same Message-ID (so duplicates are recognisable).
 */
#include "send/send.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "model/form.h"
#include "base/log.h"
#include "mail/mime.h"
#include "send/send_private.h"
#include "model/survey.h"
#include "send/trouble.h"
#include "base/xmem.h"

#define SEND_BATCH 256
#define SEND_MSG_MAX (10L * 1024 * 1024)	/* one outgoing message */
#define SEND_TMPL_MAX (1L * 1024 * 1024)	/* one template file */
#define SEND_LANG_MAX 8				/* language sets per run */

/* ---- policy -------------------------------------------------------------- */

/* trouble_classify's verdict as the store records it: an unknown outcome
 * and a paused server are deferred for now (the outbox will tell them
 * apart). */
static enum store_dstate verdict_state(enum trouble_verdict v)
{
	switch (v) {
	case TROUBLE_SENT:
		return STORE_D_SENT;
	case TROUBLE_FAIL_MSG:
	case TROUBLE_FAIL_RCPT:
		return STORE_D_FAILED;
	default:
		return STORE_D_DEFERRED;
	}
}

/* The recipient does not exist: nothing more goes to this contact. A
 * store failure is logged; the delivery's own outcome is recorded. */
static void rcpt_gone(struct store *s, int64_t contact_id, const char *email,
		      const char *reply)
{
	struct err e;

	if (store_contact_set_status(s, contact_id, "undeliverable", reply,
				     &e) != 0)
		log_error("contact %s: %s", email, e.msg);
	else
		log_notice("contact %s is undeliverable: %s", email, reply);
}

/* ---- owned copies of store rows ------------------------------------------ */

struct camp {
	int64_t id, questionnaire_id;
	char *name, *template, *deadline, *subject, *reference, *extra;
};

struct rcpt {
	int64_t delivery_id, contact_id;
	char *message_id;	/* stored one, or NULL */
	char *email, *name, *municipality, *country, *language, *role;
	char *token, *status;
	/* filled while a batch runs */
	char *new_msgid;
	struct buf msg;
	enum store_dstate outcome;
	int done;
	struct sendrun *run;
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
	return 0;
}

static void rcpt_fill(struct rcpt *r, const struct store_contact *c)
{
	r->contact_id = c->id;
	r->email = dup0(c->email);
	r->name = dup0(c->name);
	r->municipality = dup0(c->municipality);
	r->country = dup0(c->country);
	r->language = dup0(c->language);
	r->role = dup0(c->role);
	r->token = dup0(c->token);
	r->status = dup0(c->status);
}

static void rcpt_clear(struct rcpt *r)
{
	free(r->message_id);
	free(r->email);
	free(r->name);
	free(r->municipality);
	free(r->country);
	free(r->language);
	free(r->role);
	free(r->token);
	free(r->status);
	free(r->new_msgid);
	buf_free(&r->msg);
	memset(r, 0, sizeof(*r));
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
	buf_init(&b, SEND_TMPL_MAX);
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_add(&b, chunk, n);
	if (rc != 0)
		err_set(e, "%s: larger than %ld bytes", path, SEND_TMPL_MAX);
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
	struct tmpl_val *vars;	/* campaign-wide values + form, in lang */
	struct tmpl_val *partials;	/* name -> template ({{> name}}) */
};

/* Everything one run of send_campaign / send_one shares. */
struct sendrun {
	struct store *s;
	const struct config *cfg;
	const struct send_opts *o;
	struct send_stats *st;
	const char *kind;		/* delivery kind */
	const char *set;		/* template set name */
	struct camp camp;
	struct survey *sv;		/* NULL: no questionnaire */
	struct err *e;			/* for callbacks of store streams */
	struct langset ls[SEND_LANG_MAX];
	size_t nls;
	struct submit *sub;
	char *msgid_domain;
	/* ids handled by this run (deferred ones come back as due) */
	int64_t *seen;
	size_t nseen, capseen;
	/* the batch in hand */
	struct rcpt *batch;
	size_t nbatch;
	int collect_max;
};

static void langset_clear(struct langset *l)
{
	int i;

	for (i = 0; i < T_N; i++) {
		free(l->path[i]);
		free(l->tpl[i]);
	}
	tmpl_val_free(&l->vars);
	tmpl_val_free(&l->partials);
	memset(l, 0, sizeof(*l));
}

/* The campaign-wide values in lang, set into v (replacing keys). */
static int campaign_vars(struct sendrun *r, const char *lang,
			 struct tmpl_val *v, struct err *e)
{
	struct buf ft, fh;
	char *dl = send_deadline(r->camp.deadline, lang);
	const char *intro;
	int rc = 0;

	tmpl_map_set_str(v, "organiser", r->cfg->from_name != NULL ?
			 r->cfg->from_name : "");
	tmpl_map_set_str(v, "deadline", dl);
	tmpl_map_set_str(v, "deadline_iso", r->camp.deadline);
	tmpl_map_set_str(v, "reference", r->camp.reference);
	tmpl_map_set_str(v, "campaign", r->camp.name);
	tmpl_map_set_bool(v, "reminder", strcmp(r->kind, "reminder") == 0);
	free(dl);
	buf_init(&ft, SEND_MSG_MAX);
	buf_init(&fh, SEND_MSG_MAX);
	if (r->sv != NULL) {
		intro = survey_intro(r->sv, lang);
		tmpl_map_set_str(v, "survey_title", survey_title(r->sv, lang));
		tmpl_map_set_str(v, "intro", intro != NULL ? intro : "");
		if (form_render_text(r->sv, lang, &ft) != 0 ||
		    form_render_html(r->sv, lang, &fh) != 0) {
			err_set(e, "campaign %s: the form is larger than %ld "
				"bytes", r->camp.name, SEND_MSG_MAX);
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
static int langset_load(struct sendrun *r, struct langset *l,
			const char *lang, struct err *e)
{
	const char *dirs[2] = { lang, "en" };
	char *p;
	int i, k;

	snprintf(l->lang, sizeof(l->lang), "%s", lang);
	for (k = 0; k < 2; k++) {
		p = xasprintf("%s/%s/%s/%s", r->cfg->templates_dir, r->set,
			      dirs[k], tfile[T_SUBJECT]);
		if (is_file(p)) {
			free(p);
			break;
		}
		free(p);
	}
	if (k == 2) {
		err_set(e, "%s/%s: no templates for language '%s' nor 'en'",
			r->cfg->templates_dir, r->set, lang);
		return -1;
	}
	for (i = 0; i < T_N; i++) {
		l->path[i] = xasprintf("%s/%s/%s/%s", r->cfg->templates_dir,
				       r->set, dirs[k], tfile[i]);
		if (i == T_HTML && !is_file(l->path[i]))
			continue;	/* text-only messages are fine */
		if (read_file(l->path[i], &l->tpl[i], e) != 0)
			return -1;
	}
	/* a campaign's own subject replaces subject.txt (campaigns only:
	 * feedback mail keeps its set's subject) */
	if (r->set == r->camp.template && r->camp.subject[0] != '\0') {
		free(l->path[T_SUBJECT]);
		free(l->tpl[T_SUBJECT]);
		l->path[T_SUBJECT] = xasprintf("campaign %s: subject",
					       r->camp.name);
		l->tpl[T_SUBJECT] = xstrdup(r->camp.subject);
	}
	l->partials = tmpl_map_new();
	p = xasprintf("%s/_partials", r->cfg->templates_dir);
	i = load_partials(l->partials, p, e);
	free(p);
	p = xasprintf("%s/%s/%s", r->cfg->templates_dir, r->set, dirs[k]);
	if (i == 0)
		i = load_partials(l->partials, p, e);
	free(p);
	if (i != 0)
		return -1;
	l->vars = tmpl_map_new();
	/* the language the text is written in, for <html lang> */
	tmpl_map_set_str(l->vars, "html_lang", dirs[k]);
	return campaign_vars(r, l->lang, l->vars, e);
}

/* The set for lang, loaded on first use. */
static struct langset *langset_get(struct sendrun *r, const char *lang,
				   struct err *e)
{
	size_t i;

	if (lang == NULL || lang[0] == '\0' || strlen(lang) >= 16 ||
	    strchr(lang, '/') != NULL || lang[0] == '.')
		lang = "en";
	for (i = 0; i < r->nls; i++)
		if (strcmp(r->ls[i].lang, lang) == 0)
			return &r->ls[i];
	if (r->nls == SEND_LANG_MAX)
		lang = "en";	/* exotic languages share English */
	for (i = 0; i < r->nls; i++)
		if (strcmp(r->ls[i].lang, lang) == 0)
			return &r->ls[i];
	if (langset_load(r, &r->ls[r->nls], lang, e) != 0) {
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
}

static int render_part(const struct langset *l, int which,
		       const struct tmpl_val *v, struct buf *out,
		       struct err *e)
{
	/* "&" in a name must stay "&" outside HTML */
	int flags = TMPL_STRICT | (which == T_HTML ? 0 : TMPL_RAW);
	struct tmpl_partials p = { tmpl_partial_from_map, l->partials };

	buf_init(out, SEND_MSG_MAX);
	if (tmpl_render(l->tpl[which], v, &p, flags, out, e) == 0)
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
static char *return_path(const struct config *cfg, const char *token)
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
 * send_one's map) into out. The contact's values are set into v,
 * replacing the previous contact's. Fails with "FILE: line N: why" or
 * mime's reason. out is the caller's, initialised (SEND_MSG_MAX cap).
 */
static int render_message(struct sendrun *r, const struct langset *l,
			  struct tmpl_val *v, const struct rcpt *c,
			  const char *msgid, const char *in_reply_to,
			  struct buf *out, struct err *e)
{
	struct buf part[T_N];
	struct mime *m = NULL;
	int i, rc = -1;

	vars_contact(v, c);
	for (i = 0; i < T_N; i++)
		buf_init(&part[i], 0);
	for (i = 0; i < T_N; i++)
		if (l->tpl[i] != NULL &&
		    render_part(l, i, v, &part[i], e) != 0)
			goto out;
	subject_line(&part[T_SUBJECT], c->token);
	m = mime_new();
	mime_envelope(m, r->cfg, c, msgid);
	if (in_reply_to != NULL) {
		mime_header_raw(m, "In-Reply-To", in_reply_to);
		mime_header_raw(m, "References", in_reply_to);
		/* feedback is automatic: RFC 3834 keeps it out of loops */
		mime_header_raw(m, "Auto-Submitted", "auto-replied");
	}
	mime_header(m, "Subject", buf_cstr(&part[T_SUBJECT]));
	mime_text(m, buf_cstr(&part[T_TEXT]));
	if (l->tpl[T_HTML] != NULL)
		mime_html(m, buf_cstr(&part[T_HTML]));
	if (mime_build(m, out, e) != 0) {
		err_prefix(e, "message to %s", c->email);
		goto out;
	}
	rc = 0;
out:
	mime_free(&m);
	for (i = 0; i < T_N; i++)
		buf_free(&part[i]);
	return rc;
}

/* ---- previews ------------------------------------------------------------ */

static int write_preview(const char *dir, const struct rcpt *c,
			 const struct buf *msg, struct err *e)
{
	char *name, *p;
	FILE *f;
	int rc = 0;

	/* the address, made safe as a file name */
	name = xasprintf("%s/%06lld-%s.eml", dir, (long long)c->contact_id,
			 c->email);
	for (p = name + strlen(dir) + 1; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && !strchr("@.-_+", *p))
			*p = '_';
	f = fopen(name, "wb");
	if (f == NULL || fwrite(msg->data, 1, msg->len, f) != msg->len) {
		err_set(e, "%s: %s", name, strerror(errno));
		rc = -1;
	}
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		err_set(e, "%s: %s", name, strerror(errno));
		rc = -1;
	}
	free(name);
	return rc;
}

/* ---- run setup ----------------------------------------------------------- */

static char *msgid_domain(const struct config *cfg)
{
	const char *at;

	if (cfg->message_id_domain != NULL && cfg->message_id_domain[0])
		return xstrdup(cfg->message_id_domain);
	at = cfg->from_address != NULL ? strrchr(cfg->from_address, '@') :
	     NULL;
	return xstrdup(at != NULL ? at + 1 : "localhost");
}

static int load_survey(struct sendrun *r, struct err *e)
{
	struct errlist errs = { 0 };
	char *xml = NULL, *name;
	int rc;

	if (r->camp.questionnaire_id == 0)
		return 0;
	rc = store_questionnaire_xml(r->s, r->camp.questionnaire_id, &xml, e);
	if (rc == 0)
		err_set(e, "campaign %s: questionnaire %lld not in the store",
			r->camp.name, (long long)r->camp.questionnaire_id);
	if (rc != 1)
		return -1;
	name = xasprintf("campaign %s questionnaire", r->camp.name);
	rc = survey_load_memory(xml, strlen(xml), name, r->cfg->schema_path,
				&r->sv, &errs);
	if (rc != 0)
		err_set(e, "%s", errs.n > 0 ? errs.v[0] : name);
	free(name);
	free(xml);
	errlist_free(&errs);
	return rc;
}

/* Every language directory of the set, rendered once with sample values,
 * so a template error stops the run before anything is sent. */
static int precheck(struct sendrun *r, struct err *e)
{
	static const char *const langs[] = { "en", "bg", "nl", "cs" };
	struct rcpt sample = { 0 };
	struct langset *l;
	struct buf out;
	char *dir;
	size_t i;
	int rc = 0;

	sample.email = "sample@example.org";
	sample.name = sample.municipality = sample.country = "Sample";
	sample.role = sample.token = "sample";
	for (i = 0; rc == 0 && i < sizeof(langs) / sizeof(langs[0]); i++) {
		dir = xasprintf("%s/%s/%s", r->cfg->templates_dir, r->set,
				langs[i]);
		if (i == 0 || access(dir, F_OK) == 0) {
			sample.language = (char *)langs[i];
			buf_init(&out, SEND_MSG_MAX);
			l = langset_get(r, langs[i], e);
			rc = l == NULL ? -1 : render_message(r, l, l->vars,
				&sample, "<sample@example.org>", NULL, &out,
				e);
			buf_free(&out);
		}
		free(dir);
	}
	return rc;
}

static int run_open(struct sendrun *r, struct store *s,
		    const struct config *cfg, const char *campaign,
		    int64_t campaign_id, struct err *e)
{
	struct tmpl_val *check;
	int rc;

	r->s = s;
	r->cfg = cfg;
	r->msgid_domain = msgid_domain(cfg);
	if (campaign != NULL)
		rc = store_campaign_find(s, campaign, camp_cb, &r->camp, e);
	else
		rc = store_campaign_by_id(s, campaign_id, camp_cb, &r->camp,
					  e);
	if (rc == 0) {
		if (campaign != NULL)
			err_set(e, "campaign '%s': no such campaign "
				"(add it with: anketa campaign add FILE)",
				campaign);
		else
			err_set(e, "campaign %lld: not in the store",
				(long long)campaign_id);
	}
	if (rc != 1)
		return -1;
	check = tmpl_map_new();
	rc = send_vars_json(r->camp.extra, check, e);
	tmpl_val_free(&check);
	if (rc != 0) {
		err_prefix(e, "campaign %s", r->camp.name);
		return -1;
	}
	if (r->set == NULL)
		r->set = r->camp.template;
	return load_survey(r, e);
}

static void run_close(struct sendrun *r)
{
	size_t i;

	for (i = 0; i < r->nls; i++)
		langset_clear(&r->ls[i]);
	for (i = 0; i < r->nbatch; i++)
		rcpt_clear(&r->batch[i]);
	free(r->batch);
	free(r->seen);
	submit_free(&r->sub);
	survey_free(&r->sv);
	camp_clear(&r->camp);
	free(r->msgid_domain);
}

/* ---- the seen set: ids this run has handled ------------------------------ */

static size_t seen_slot(const struct sendrun *r, int64_t id)
{
	size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL);

	for (h &= r->capseen - 1; r->seen[h] != 0 && r->seen[h] != id;
	     h = (h + 1) & (r->capseen - 1))
		;
	return h;
}

static int seen_has(const struct sendrun *r, int64_t id)
{
	return r->capseen > 0 && r->seen[seen_slot(r, id)] == id;
}

static void seen_add(struct sendrun *r, int64_t id)
{
	int64_t *old = r->seen;
	size_t i, oldcap = r->capseen;

	if (2 * (r->nseen + 1) > r->capseen) {
		r->capseen = oldcap ? 2 * oldcap : 1024;
		r->seen = xcalloc(r->capseen, sizeof(*r->seen));
		for (i = 0; i < oldcap; i++)
			if (old[i] != 0)
				r->seen[seen_slot(r, old[i])] = old[i];
		free(old);
	}
	if (r->seen[seen_slot(r, id)] != id) {
		r->seen[seen_slot(r, id)] = id;
		r->nseen++;
	}
}

/* ---- the batch ----------------------------------------------------------- */

#define SEND_FULL 2	/* collect_cb: batch full, stop the iteration */

static int collect_cb(void *arg, const struct store_delivery *d,
		      const struct store_contact *c)
{
	struct sendrun *r = arg;
	struct rcpt *x;

	if (seen_has(r, d->id))
		return 0;
	if (r->nbatch == (size_t)r->collect_max)
		return SEND_FULL;
	x = &r->batch[r->nbatch++];
	rcpt_fill(x, c);
	x->delivery_id = d->id;
	x->message_id = d->message_id != NULL && d->message_id[0] ?
			xstrdup(d->message_id) : NULL;
	x->run = r;
	return 0;
}

static void batch_clear(struct sendrun *r)
{
	size_t i;

	for (i = 0; i < r->nbatch; i++)
		rcpt_clear(&r->batch[i]);
	r->nbatch = 0;
}

/* Record one outcome; the stats follow what the store holds. */
static int record(struct sendrun *r, struct rcpt *x, enum store_dstate st,
		  const char *reply, struct err *e)
{
	x->outcome = st;
	x->done = 1;
	if (store_delivery_done(r->s, x->delivery_id, st, reply, e) != 0)
		return -1;
	switch (st) {
	case STORE_D_SENT:
		r->st->sent++;
		break;
	case STORE_D_FAILED:
		r->st->failed++;
		log_notice("delivery %lld to %s failed: %s",
			   (long long)x->delivery_id, x->email, reply);
		break;
	case STORE_D_SKIPPED:
		r->st->skipped++;
		break;
	default:
		r->st->deferred++;
		log_info("delivery %lld to %s deferred: %s",
			 (long long)x->delivery_id, x->email, reply);
		break;
	}
	return 0;
}

/* Record what trouble_classify made of one hand-over. */
static void submitted(struct sendrun *r, struct rcpt *x,
		      enum trouble_verdict v, const char *reply)
{
	struct err e;

	/* a store failure here is logged; the row stays SENDING and the
	 * next run sends it again (with the same Message-ID) */
	if (record(r, x, verdict_state(v), reply, &e) != 0)
		log_error("delivery %lld: %s", (long long)x->delivery_id,
			  e.msg);
	else if (v == TROUBLE_FAIL_RCPT)
		rcpt_gone(r->s, x->contact_id, x->email, reply);
}

/* Render every message of the batch: nothing is marked before all are. */
static int batch_render(struct sendrun *r, struct err *e)
{
	struct langset *l;
	struct rcpt *x;
	size_t i;

	for (i = 0; i < r->nbatch; i++) {
		x = &r->batch[i];
		seen_add(r, x->delivery_id);
		if (strcmp(x->status, "ok") != 0)
			continue;	/* skipped below */
		x->new_msgid = x->message_id != NULL ?
			       xstrdup(x->message_id) :
			       mime_message_id(r->msgid_domain);
		buf_init(&x->msg, SEND_MSG_MAX);
		l = langset_get(r, x->language, e);
		if (l == NULL || render_message(r, l, l->vars, x,
						x->new_msgid, NULL, &x->msg,
						e) != 0)
			return -1;
		r->st->rendered++;
		if (r->o->preview_dir != NULL &&
		    write_preview(r->o->preview_dir, x, &x->msg, e) != 0)
			return -1;
	}
	return 0;
}

/* Mark the whole batch SENDING in one transaction (one commit, not 256);
 * a contact that became undeliverable since planning is skipped (the
 * store hands out "ok" contacts only, so this is a race, not a rule). */
static int batch_mark(struct sendrun *r, struct err *e)
{
	size_t i;
	struct rcpt *x;

	if (store_begin(r->s, e) != 0)
		return -1;
	for (i = 0; i < r->nbatch; i++) {
		x = &r->batch[i];
		if (strcmp(x->status, "ok") != 0)
			continue;
		if (store_delivery_sending(r->s, x->delivery_id,
					   x->new_msgid, e) != 0) {
			store_rollback(r->s);
			return -1;
		}
	}
	if (store_commit(r->s, e) != 0) {
		store_rollback(r->s);
		return -1;
	}
	for (i = 0; i < r->nbatch; i++) {
		x = &r->batch[i];
		if (strcmp(x->status, "ok") != 0 &&
		    record(r, x, STORE_D_SKIPPED, "contact undeliverable",
			   e) != 0)
			return -1;
	}
	return 0;
}

/* Hand the batch over one message after the other on the one
 * connection. A paused server (trouble.h) stops the batch: the rest is
 * recorded deferred with the same reason, and the run ends with it. */
static int batch_send(struct sendrun *r, struct err *e)
{
	struct submit_result res = { 0 };
	enum trouble_verdict v = TROUBLE_SENT;
	struct rcpt *x;
	char *from;
	size_t i;

	if (batch_render(r, e) != 0 || batch_mark(r, e) != 0)
		return -1;
	for (i = 0; i < r->nbatch; i++) {
		x = &r->batch[i];
		if (x->done)
			continue;
		if (v != TROUBLE_PAUSE) {
			from = return_path(r->cfg, x->token);
			submit_send(r->sub, from, x->email, x->msg.data,
				    x->msg.len, &res);
			free(from);
			v = trouble_classify(&res);
		}
		buf_free(&x->msg);
		submitted(r, x, v == TROUBLE_PAUSE ? TROUBLE_DEFER : v,
			  res.reply);
	}
	if (v != TROUBLE_PAUSE)
		return 0;
	err_set(e, "%s", res.reply);
	log_error("%s", e->msg);
	return -1;
}

/* The next batch of due deliveries; 0 when none is left. */
static int batch_next(struct sendrun *r, struct err *e)
{
	long want = SEND_BATCH, done = r->st->rendered + r->st->skipped;
	int rc;

	batch_clear(r);
	if (r->o->limit > 0 && r->o->limit - done < want)
		want = r->o->limit - done;
	if (want <= 0)
		return 0;
	r->collect_max = (int)want;
	/* rows this run handled may come back (deferred): ask for enough
	 * to find want new ones behind them */
	rc = store_deliveries_due(r->s, r->camp.id, r->kind,
				  want + (long)r->nseen, collect_cb, r, e);
	if (rc < 0)
		return -1;
	return r->nbatch > 0;
}

/* Dry run: render each due delivery straight from the store's stream. */
static int dry_cb(void *arg, const struct store_delivery *d,
		  const struct store_contact *c)
{
	struct sendrun *r = arg;
	struct rcpt x = { 0 };
	struct err *e = r->e;
	struct langset *l;
	int rc = 0;

	rcpt_fill(&x, c);
	x.delivery_id = d->id;
	if (strcmp(x.status, "ok") != 0) {
		r->st->skipped++;
	} else {
		x.new_msgid = d->message_id != NULL && d->message_id[0] ?
			      xstrdup(d->message_id) :
			      mime_message_id(r->msgid_domain);
		buf_init(&x.msg, SEND_MSG_MAX);
		l = langset_get(r, x.language, e);
		rc = l == NULL || render_message(r, l, l->vars, &x,
						 x.new_msgid, NULL, &x.msg,
						 e) != 0 ? -1 : 0;
		if (rc == 0)
			r->st->rendered++;
		if (rc == 0 && r->o->preview_dir != NULL)
			rc = write_preview(r->o->preview_dir, &x, &x.msg, e);
	}
	rcpt_clear(&x);
	return rc;
}

static int send_dry(struct sendrun *r, struct err *e)
{
	int rc;

	r->e = e;
	rc = store_deliveries_due(r->s, r->camp.id, r->kind, r->o->limit,
				  dry_cb, r, e);
	return rc < 0 ? -1 : 0;
}

static int send_real(struct sendrun *r, struct err *e)
{
	int rc;

	if (submit_open(&r->cfg->smtp, &r->sub, e) != 0)
		return -1;
	r->batch = xcalloc(SEND_BATCH, sizeof(*r->batch));
	while ((rc = batch_next(r, e)) > 0)
		if (batch_send(r, e) != 0)
			return -1;
	return rc;
}

/*
 * Every message allocates and frees a few hundred KB (parts, MIME, the
 * transport's copy). By default glibc hands that back to the kernel after
 * each message (brk shrink, a TLB shootdown on every CPU), which took a
 * quarter of a 10,000-message run. Keeping up to 8 MB of freed heap, and
 * serving those buffers from it rather than from fresh mmaps, costs
 * nothing the 64 MB budget cannot spare.
 */
static void send_tune_malloc(void)
{
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
}

int send_campaign(struct store *s, const struct config *cfg,
		  const char *campaign, const struct send_opts *o,
		  struct send_stats *st, struct err *e)
{
	struct sendrun r = { 0 };
	int rc;

	send_tune_malloc();
	memset(st, 0, sizeof(*st));
	r.o = o;
	r.st = st;
	r.kind = o->kind != NULL ? o->kind : "invite";
	rc = run_open(&r, s, cfg, campaign, 0, e);
	if (rc == 0)
		rc = precheck(&r, e);
	if (rc == 0)
		rc = store_deliveries_plan(s, r.camp.id, r.kind, &st->planned,
					   e);
	if (rc == 0 && o->preview_dir != NULL &&
	    mkdir(o->preview_dir, 0755) != 0 && errno != EEXIST) {
		err_set(e, "%s: %s", o->preview_dir, strerror(errno));
		rc = -1;
	}
	if (rc == 0)
		rc = o->dry_run ? send_dry(&r, e) : send_real(&r, e);
	/* the caller reports st: main.c prints it, the daemon logs it */
	run_close(&r);
	return rc;
}

/* ---- one feedback message ------------------------------------------------ */

static int contact_cb(void *arg, const struct store_contact *c)
{
	rcpt_fill(arg, c);
	return 0;
}

/* One list of {number, question, KEY} from (question id, value) pairs;
 * answers get their labels, problem reasons the reader's language. */
static void feedback_list(const struct sendrun *r, const char *lang,
			  struct tmpl_val *v, const char *list,
			  const char *key, const struct store_answer *a,
			  size_t n, int labels)
{
	struct tmpl_val *l = tmpl_map_set_list(v, list), *it;
	const struct survey_question *q;
	struct buf txt;
	size_t i;

	buf_init(&txt, 0);
	for (i = 0; i < n; i++) {
		q = r->sv != NULL && a[i].question != NULL ?
		    survey_find(r->sv, a[i].question) : NULL;
		it = tmpl_list_add_map(l);
		tmpl_map_set_num(it, "number", q != NULL ? q->number : 0);
		tmpl_map_set_str(it, "question", q != NULL ?
				 survey_qtext(r->sv, q, lang) :
				 a[i].question != NULL ? a[i].question : "");
		if (labels)
			send_answer_text(r->sv, q, lang, a[i].value, &txt);
		else
			send_problem_text(q, lang, a[i].value, &txt);
		tmpl_map_set_str(it, key, buf_cstr(&txt));
	}
	buf_free(&txt);
}

static void feedback_vars(const struct sendrun *r, const char *lang,
			  const struct send_msg *m, struct tmpl_val *v)
{
	feedback_list(r, lang, v, "answers", "answer", m->answers,
		      m->nanswers, 1);
	feedback_list(r, lang, v, "problems", "reason", m->problems,
		      m->nproblems, 0);
	tmpl_map_set_bool(v, "recorded", m->nanswers > 0);
	if (tmpl_map_get(v, "updated") == NULL)
		tmpl_map_set_bool(v, "updated", 0);
}

/* Render m for its contact: the kind's template set in the contact's
 * language, with the campaign's values added to the caller's. */
static int one_render(struct sendrun *r, const struct send_msg *m,
		      struct rcpt *c, struct tmpl_val *v, const char *msgid,
		      struct buf *out, struct err *e)
{
	char key[32];
	struct langset *l;
	int rc;

	snprintf(key, sizeof(key), "%lld", (long long)m->contact_id);
	rc = store_contact_find(r->s, "id", key, contact_cb, c, e);
	if (rc == 0)
		err_set(e, "contact %s: not in the store", key);
	if (rc != 1)
		return -1;
	l = langset_get(r, c->language, e);
	if (l == NULL || campaign_vars(r, l->lang, v, e) != 0)
		return -1;
	tmpl_map_set_str(v, "html_lang",
			 tmpl_val_str(tmpl_map_get(l->vars, "html_lang")));
	feedback_vars(r, l->lang, m, v);
	return render_message(r, l, v, c, msgid, m->in_reply_to, out, e);
}

/*
 * Submit the rendered message to contact c as delivery row did (already
 * SENDING) and record the outcome. Returns what send_one returns.
 */
static int one_submit(struct sendrun *r, const struct rcpt *c, int64_t did,
		      const struct buf *msg, struct err *e)
{
	struct submit_result res;
	enum trouble_verdict v;
	char *from = return_path(r->cfg, c->token);

	submit_send(r->sub, from, c->email, msg->data, msg->len, &res);
	free(from);
	submit_free(&r->sub);
	v = trouble_classify(&res);
	if (store_delivery_done(r->s, did, verdict_state(v), res.reply, e) != 0)
		return -1;	/* the row stays SENDING: counted as unsure */
	if (v == TROUBLE_FAIL_RCPT)
		rcpt_gone(r->s, c->contact_id, c->email, res.reply);
	if (v == TROUBLE_SENT)
		return 1;
	err_set(e, "%s", res.reply);
	return verdict_state(v) == STORE_D_FAILED ? 0 : -1;
}

int send_one(struct store *s, const struct config *cfg,
	     const struct send_msg *m, struct err *e)
{
	struct sendrun r = { 0 };
	struct send_stats st = { 0 };
	struct send_opts o = { 0 };
	struct rcpt c = { 0 };
	struct tmpl_val *own = m->vars == NULL ? tmpl_map_new() : NULL;
	struct tmpl_val *v = m->vars != NULL ? m->vars : own;
	struct buf msg;
	char *msgid = NULL;
	int64_t did = 0;
	int rc;

	r.o = &o;
	r.st = &st;
	r.kind = m->kind;
	r.set = m->kind;	/* templates/confirm/, templates/problem/ */
	buf_init(&msg, SEND_MSG_MAX);
	rc = run_open(&r, s, cfg, NULL, m->campaign_id, e);
	if (rc == 0) {
		msgid = mime_message_id(r.msgid_domain);
		rc = one_render(&r, m, &c, v, msgid, &msg, e);
	}
	if (rc == 0 && strcmp(c.status, "ok") != 0) {
		err_set(e, "%s: contact is %s", c.email, c.status);
		rc = 0;		/* refused for good, like a 5xx */
	} else if (rc == 0 && submit_open(&cfg->smtp, &r.sub, e) == 0 &&
		   store_delivery_add(s, m->campaign_id, m->contact_id,
				      m->kind, msgid, &did, e) == 0) {
		/* the row (SENDING, its Message-ID) exists before the
		 * hand-over, so the daily limit sees every attempt */
		rc = one_submit(&r, &c, did, &msg, e);
	} else {
		rc = -1;
	}
	tmpl_val_free(&own);
	free(msgid);
	buf_free(&msg);
	rcpt_clear(&c);
	run_close(&r);
	return rc;
}
