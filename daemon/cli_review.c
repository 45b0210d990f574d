/*
 * cli_review.c -- `anketa review list|show|assign|reprocess|resolve|
 * dismiss`: the work queue of mail that needs a person (store_review.h).
 * assign and reprocess hand the stored message to the receive pipeline
 * again (ingest_run on a one-message Maildir made for it), so a message
 * taken again is read exactly as fetched mail is.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "base/textcol.h"
#include "base/xmem.h"
#include "mail/parse.h"
#include "receive/ingest.h"
#include "store/store_review.h"
#include "cli.h"

#define REVIEW_PARSE_MAX (32L * 1024 * 1024)

static int
review_id(const char *cmd, const char *arg, int64_t *id_r)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0)
		return cli_usage_error(cmd, "'%s' is not an item id (anketa "
				       "review list shows them)", arg);
	*id_r = v;
	return EX_OK;
}

static void
fmt_time(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

/* ---- list ---------------------------------------------------------------- */

static int
list_item(void *arg, const struct store_review_item *it)
{
	struct buf *b = arg;

	buf_printf(b, "%lld  %s  %s  %s  \"%s\"  %s", (long long)it->id,
		   store_ikind_name(it->kind), cli_or_dash(it->date),
		   cli_or_dash(it->from), cli_or_dash(it->subject),
		   cli_or_dash(it->reason));
	cli_put_line(b);
	return 0;
}

static int
cmd_review_list(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "campaign", required_argument, NULL, 'c' }, { 0 } };
	const char *campaign = NULL;
	int64_t cid = 0;
	struct err e = { "" };
	struct buf b;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 'c')
			return EX_USAGE;
		campaign = optarg;
	}
	if (optind != argc)
		return cli_usage_error("review list", "unexpected argument "
				       "'%s'", argv[optind]);
	if ((rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	if (campaign && store_campaign_find(c->store, campaign,
	    cli_campaign_id_of, &cid, &e) <= 0) {
		fprintf(stderr, "anketa review list: %s\n",
			*e.msg ? e.msg : "no such campaign");
		return EX_DATAERR;
	}
	buf_init(&b, 0);
	buf_adds(&b, "ID  KIND  DATE  FROM  \"SUBJECT\"  WHY");
	cli_put_line(&b);
	rc = store_review_each(c->store, cid, list_item, &b, &e);
	buf_free(&b);
	if (rc < 0) {
		fprintf(stderr, "anketa review list: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	return EX_OK;
}

/* ---- show ---------------------------------------------------------------- */

struct shown {
	struct buf b;
	int found;
	enum store_ikind kind;
	int closed;
};

static void
show_field(struct buf *b, const char *name, const char *v)
{
	buf_printf(b, "%-9s %s", name, cli_or_dash(v));
	cli_put_line(b);
}

static int
show_item(void *arg, const struct store_review_item *it)
{
	struct shown *sh = arg;
	struct buf *b = &sh->b;
	char when[32];

	sh->found = 1;
	sh->kind = it->kind;
	sh->closed = it->closed != NULL;
	fmt_time(when, it->created);
	buf_printf(b, "item      %lld (%s)", (long long)it->id,
		   it->closed ? it->closed : "open");
	cli_put_line(b);
	show_field(b, "kind", store_ikind_name(it->kind));
	show_field(b, "why", it->reason);
	show_field(b, "from", it->from);
	show_field(b, "subject", it->subject);
	show_field(b, "date", it->date);
	show_field(b, "received", when);
	buf_printf(b, "contact   %lld  campaign %lld", (long long)it->contact_id,
		   (long long)it->campaign_id);
	cli_put_line(b);
	return 0;
}

static int
show_action(void *arg, const struct store_review_action *a)
{
	struct buf *b = arg;
	char when[32];

	fmt_time(when, a->created);
	buf_printf(b, "action    %s %s", when, a->action);
	if (a->new_id)
		buf_printf(b, " (now inbound %lld)", (long long)a->new_id);
	if (a->note && *a->note)
		buf_printf(b, ": %s", a->note);
	cli_put_line(b);
	return 0;
}

/* Text lines to stdout, each made terminal-safe (tabs kept: layout). */
static void
put_text(struct buf *b, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		buf_add(b, text, n);
		while (b->len && b->data[b->len - 1] == '\r')
			b->data[--b->len] = '\0';
		textcol_clean(b, 0, "\t");
		buf_addc(b, '\n');
		fputs(b->data, stdout);
		buf_reset(b);
		text += n + (text[n] == '\n');
	}
}

/* The decoded text; not for a message the parser crashed or hung on. */
static void
show_decoded(struct buf *b, enum store_ikind kind, const char *raw,
	     size_t len)
{
	struct parse_limits lim = { REVIEW_PARSE_MAX, 1000, 20 };
	struct parsed *p = NULL;
	struct err pe = { "" };

	buf_adds(b, "--- decoded text ---");
	cli_put_line(b);
	if (kind == STORE_I_QUARANTINE) {
		put_text(b, "(not decoded: parsing this message crashed or "
			 "hung; read it as received above)");
		return;
	}
	if (parse_message(raw, len, &lim, &p, &pe) < 0) {
		buf_printf(b, "(not decoded: %s)", pe.msg);
		cli_put_line(b);
		return;
	}
	if (*p->notes) {
		buf_printf(b, "(notes: %s)", p->notes);
		cli_put_line(b);
	}
	put_text(b, p->text);
	parse_free(&p);
}

static int
cmd_review_show(struct ctx *c, int argc, char **argv)
{
	struct shown sh = { .found = 0 };
	struct err e = { "" };
	char *raw = NULL;
	size_t len = 0;
	int64_t id = 0;
	int rc;

	if (argc != 2)
		return cli_usage_error("review show", "%s", "expected ID");
	if ((rc = review_id("review show", argv[1], &id)) != EX_OK ||
	    (rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	buf_init(&sh.b, 0);
	rc = store_review_get(c->store, id, show_item, &sh, &e);
	if (rc > 0)
		rc = store_review_actions_each(c->store, id, show_action,
					       &sh.b, &e);
	if (rc >= 0 && sh.found)
		rc = store_review_raw(c->store, id, &raw, &len, &e);
	if (rc >= 0 && sh.found) {
		buf_adds(&sh.b, "--- as received ---");
		cli_put_line(&sh.b);
		put_text(&sh.b, raw ? raw : "(the raw message was not kept "
			 "or was dropped after [retention] raw_mail_days)");
		if (raw)
			show_decoded(&sh.b, sh.kind, raw, len);
	}
	free(raw);
	buf_free(&sh.b);
	if (rc < 0 || !sh.found) {
		fprintf(stderr, "anketa review show: %s\n", rc < 0 ? e.msg :
			"no such item (anketa review list shows them)");
		return rc < 0 ? EX_SOFTWARE : EX_DATAERR;
	}
	return EX_OK;
}

/* ---- resolve, dismiss ------------------------------------------------------ */

static int
note_opt(const char *cmd, int argc, char **argv, const char **note_r,
	 int64_t *id_r)
{
	static const struct option lo[] = {
		{ "note", required_argument, NULL, 'n' }, { 0 } };
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 'n')
			return EX_USAGE;
		*note_r = optarg;
	}
	if (optind != argc - 1)
		return cli_usage_error(cmd, "%s", "expected ID");
	return review_id(cmd, argv[optind], id_r);
}

static int
close_item(struct ctx *c, const char *cmd, const char *action, int argc,
	   char **argv)
{
	const char *note = NULL;
	struct err e = { "" };
	int64_t id = 0;
	int rc;

	if ((rc = note_opt(cmd, argc, argv, &note, &id)) != EX_OK ||
	    (rc = cli_need_store(c)) != EX_OK)
		return rc;
	if (store_review_close(c->store, id, action, note, 0, &e) < 0) {
		fprintf(stderr, "anketa %s: %s\n", cmd, e.msg);
		return EX_DATAERR;
	}
	printf("item %lld: %s\n", (long long)id, action);
	return EX_OK;
}

static int
cmd_review_resolve(struct ctx *c, int argc, char **argv)
{
	return close_item(c, "review resolve", "resolved", argc, argv);
}

static int
cmd_review_dismiss(struct ctx *c, int argc, char **argv)
{
	return close_item(c, "review dismiss", "dismissed", argc, argv);
}

/* ---- reprocess, assign ----------------------------------------------------- */

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* DIR/{new,cur,tmp} and the message in DIR/new/NAME; DIR is made. */
static int
one_message_maildir(char *dir, const char *raw, size_t len, char **path_r,
		    struct err *e)
{
	static const char *const sub[] = { "new", "cur", "tmp" };
	FILE *fp;

	if (mkdtemp(dir) == NULL) {
		err_set(e, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, sub[i]);
		int r = mkdir(p, 0700);

		free(p);
		if (r != 0) {
			err_set(e, "%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	*path_r = xasprintf("%s/new/review.%ld", dir, (long)getpid());
	fp = fopen(*path_r, "wb");
	if (fp == NULL || fwrite(raw, 1, len, fp) != len || fclose(fp) != 0) {
		err_set(e, "%s: %s", *path_r, strerror(errno));
		return -1;
	}
	return 0;
}

/* Runs ingest on the item's stored bytes: 0 and the inbound row it
 * became in *new_r / kind, -1. */
static int
take_again(struct ctx *c, int64_t id, struct ingest_opts *o, int64_t *new_r,
	   char kind[16], struct err *e)
{
	const char *tmp = getenv("TMPDIR");
	char *raw = NULL, *dir, *path = NULL, *key;
	struct ingest_stats st = { 0 };
	size_t len;
	int rc = store_review_raw(c->store, id, &raw, &len, e);

	if (rc == 0)
		err_set(e, "item %lld: its raw message was not kept",
			(long long)id);
	if (rc <= 0)
		return -1;
	dir = xasprintf("%s/anketa-review-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	rc = one_message_maildir(dir, raw, len, &path, e);
	free(raw);
	if (rc == 0) {
		char *src = xasprintf("maildir:%s", dir);

		/* fetch_maildir's key: the folder and the file's base name */
		key = xasprintf("maildir:%s/%s", dir, strrchr(path, '/') + 1);
		o->source = src;
		o->again = 1;
		rc = ingest_run(c->store, c->cfg, o, &st, e);
		if (rc == 0 && store_review_inbound_id(c->store, key, new_r,
		    kind, e) <= 0) {
			if (*e->msg == '\0')
				err_set(e, "item %lld: ingest recorded "
					"nothing", (long long)id);
			rc = -1;
		}
		free(key);
		free(src);
	}
	o->source = NULL;
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(path);
	free(dir);
	return rc;
}

static int
found_item(void *arg, const struct store_review_item *it)
{
	struct shown *sh = arg;

	sh->found = 1;
	sh->kind = it->kind;
	sh->closed = it->closed != NULL;
	return 0;
}

static int
again_item(struct ctx *c, const char *cmd, int64_t id, struct ingest_opts *o,
	   const char *action, const char *note)
{
	struct shown sh = { .found = 0 };
	struct err e = { "" };
	char kind[16] = "";
	int64_t new_id = 0;
	int rc;

	buf_init(&sh.b, 0);
	rc = store_review_get(c->store, id, found_item, &sh, &e);
	buf_free(&sh.b);
	if (rc == 0)
		err_set(&e, "no item %lld (anketa review list shows them)",
			(long long)id);
	else if (rc > 0 && sh.closed)
		err_set(&e, "item %lld is closed already (anketa review show "
			"%lld)", (long long)id, (long long)id);
	if (rc <= 0 || sh.closed ||
	    take_again(c, id, o, &new_id, kind, &e) < 0 ||
	    store_review_close(c->store, id, action, note, new_id, &e) < 0) {
		fprintf(stderr, "anketa %s: %s\n", cmd, e.msg);
		return EX_DATAERR;
	}
	printf("item %lld: %s: now inbound %lld (%s)\n", (long long)id,
	       action, (long long)new_id, kind);
	return EX_OK;
}

static int
cmd_review_reprocess(struct ctx *c, int argc, char **argv)
{
	struct ingest_opts o = { .again = 1 };
	const char *note = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = note_opt("review reprocess", argc, argv, &note, &id)) !=
	    EX_OK || (rc = cli_need_store(c)) != EX_OK)
		return rc;
	return again_item(c, "review reprocess", id, &o, "reprocessed", note);
}

static int
contact_id_of(void *arg, const struct store_contact *ct)
{
	*(int64_t *)arg = ct->id;
	return 0;
}

/* --contact ADDRESS and --campaign NAME to the ids in o. */
static int
assign_target(struct ctx *c, const char *addr, const char *campaign,
	      struct ingest_opts *o)
{
	struct err e = { "" };

	if (store_contact_find(c->store, "email", addr, contact_id_of,
			       &o->contact_id, &e) <= 0 ||
	    store_campaign_find(c->store, campaign, cli_campaign_id_of,
				&o->campaign_id, &e) <= 0) {
		fprintf(stderr, "anketa review assign: %s\n", *e.msg ? e.msg :
			o->contact_id ? "no such campaign (anketa campaign "
			"list shows them)" : "no contact has this address");
		return EX_DATAERR;
	}
	return EX_OK;
}

static int
cmd_review_assign(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "contact", required_argument, NULL, 'C' },
		{ "campaign", required_argument, NULL, 'c' },
		{ "note", required_argument, NULL, 'n' }, { 0 } };
	const char *addr = NULL, *campaign = NULL, *note = NULL;
	struct ingest_opts o = { .again = 1 };
	int64_t id = 0;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'C': addr = optarg; break;
		case 'c': campaign = optarg; break;
		case 'n': note = optarg; break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc - 1 || addr == NULL || campaign == NULL)
		return cli_usage_error("review assign", "%s", "expected "
				       "--contact ADDRESS --campaign NAME ID");
	if ((rc = review_id("review assign", argv[optind], &id)) != EX_OK ||
	    (rc = cli_need_store(c)) != EX_OK ||
	    (rc = assign_target(c, addr, campaign, &o)) != EX_OK)
		return rc;
	return again_item(c, "review assign", id, &o, "assigned", note);
}

const struct command cli_review_commands[] = {
	{ "review list", cmd_review_list, "[--campaign NAME]",
	  "mail that needs a person: unmatched, unreadable, quarantined, "
	  "bounced" },
	{ "review show", cmd_review_show, "ID",
	  "one item: why it is here, the message as received and decoded" },
	{ "review assign", cmd_review_assign,
	  "--contact ADDRESS --campaign NAME [--note TEXT] ID",
	  "process the message again as that contact's reply" },
	{ "review reprocess", cmd_review_reprocess, "[--note TEXT] ID",
	  "process the stored message again" },
	{ "review resolve", cmd_review_resolve, "[--note TEXT] ID",
	  "mark an item done" },
	{ "review dismiss", cmd_review_dismiss, "[--note TEXT] ID",
	  "mark an item as needing nothing" },
};
const size_t cli_review_ncommands =
	sizeof(cli_review_commands) / sizeof(cli_review_commands[0]);
