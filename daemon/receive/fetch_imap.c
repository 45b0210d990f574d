/*
 * fetch_imap.c -- the IMAP backend of fetch.h over libetpan: connect
 * (imap:// + STARTTLS, or imaps://, with SNI), verify the server's
 * certificate chain with GnuTLS (libetpan does not), AUTHENTICATE PLAIN
 * or LOGIN, SELECT, UID SEARCH, BODY.PEEK[], UID MOVE or COPY + EXPUNGE,
 * IDLE. Mailbox names go out in modified UTF-7, URLs are taken apart by
 * curl_url() (both in fetch.c). The certificate check is in
 * fetch_imap_tls.c.
 * Spec: RFC 3501 (5.1.3 mailbox names, 6.2.1 STARTTLS), 2595, 4616
 * (PLAIN), 4959 (SASL-IR), 4315 (UIDPLUS), 6851 (MOVE), 2177 (IDLE),
 * 5530 (response codes), 6125 (host names in certificates), 5092 (URLs).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "receive/fetch_imap_private.h"
#include "base/xmem.h"

/* ---- errors ------------------------------------------------------------ */

/* The connection is gone or unusable: reconnect (with back-off). */
static int
imap_temporary(int r)
{
	return r == MAILIMAP_ERROR_STREAM ||
	       r == MAILIMAP_ERROR_CONNECTION_REFUSED ||
	       r == MAILIMAP_ERROR_FATAL || r == MAILIMAP_ERROR_PARSE ||
	       r == MAILIMAP_ERROR_BAD_STATE || r == MAILIMAP_ERROR_MEMORY ||
	       r == MAILIMAP_ERROR_SSL;
}

/* "host:port: ..." for a failed command, and its class: the connection
 * lost or unusable is temporary (-1); a refusal (NO, BAD) is permanent
 * (0) unless the server says [UNAVAILABLE] (RFC 5530: try again later). */
static int
imap_fail(struct imap *im, int r, struct err *e, const char *what)
{
	const char *reply = im->m && im->m->imap_response ?
	    im->m->imap_response : "";
	const char *hp = im->u.hostport;
	/* a server that closes the connection leaves libetpan an empty line
	 * to parse: PARSE with nothing read means the connection is gone */
	int gone = r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_FATAL ||
		   (r == MAILIMAP_ERROR_PARSE && im->m &&
		    im->m->imap_stream_buffer->len == 0);
	if (gone)
		/* imap_response then holds an earlier command's reply ("Store
		 * completed"), or for a BYE nothing reliable: leave it out */
		err_set(e, "%s: connection lost during %s", hp, what);
	else if (r == MAILIMAP_ERROR_PARSE)
		err_set(e, "%s: %s: unreadable answer from the server", hp,
			what);
	else if (r == MAILIMAP_ERROR_SSL)
		err_set(e, "%s: %s: TLS handshake failed", hp, what);
	else {
		/* libetpan keeps a response code it has no name for apart
		 * from the text: put it back where the server had it */
		struct mailimap_response_info *ri =
		    im->m ? im->m->imap_response_info : NULL;
		const char *code = ri && ri->rsp_atom ? ri->rsp_atom : NULL;
		err_set(e, "%s: %s: %s%s%s%s", hp, what, code ? "[" : "",
			code ? code : "", code ? "] " : "",
			*reply ? reply : "refused");
		if (code != NULL && strcasecmp(code, "UNAVAILABLE") == 0)
			return -1;
	}
	return imap_temporary(r) ? -1 : 0;
}

/* ---- open ---------------------------------------------------------------- */

static int
imap_connect(struct imap *im, int tls, const struct config_imap *c,
	     int *starttls_r, struct err *e)
{
	errno = 0;
	int r = tls ? mailimap_ssl_connect_with_callback(im->m, im->u.host,
			  im->u.port, fetch_imap_tls_setup, im)
		    : mailimap_socket_connect(im->m, im->u.host, im->u.port);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		/* libetpan connects without blocking and keeps the socket's
		 * own error to itself: errno is then a stale EINPROGRESS */
		err_set(e, "%s: cannot connect: %s", im->u.hostport,
			errno && errno != EINPROGRESS ? strerror(errno) :
			r == MAILIMAP_ERROR_CONNECTION_REFUSED ?
			"connection refused or timed out" :
			r == MAILIMAP_ERROR_SSL ? "TLS handshake failed" :
			"no IMAP greeting");
		return -1;
	}
	*starttls_r = 0;
	if (!tls && c->require_tls) {
		/* a server going down mid-STARTTLS is temporary (reconnect);
		 * only a refusal needs a person */
		r = mailimap_socket_starttls_with_callback(im->m,
							   fetch_imap_tls_setup, im);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(im, r, e, "STARTTLS");
		tls = *starttls_r = 1;
	}
	if (tls && !fetch_imap_verify_cert(im, c, e))
		return 0;
	return 1;
}

/* Ask for the capabilities unless the server volunteered them (in its
 * greeting, or in its answer to the login). fresh: ask anyway, as after
 * STARTTLS (RFC 3501 6.2.1: forget what was said in the clear). */
static int
imap_capabilities(struct imap *im, int fresh, struct err *e)
{
	struct mailimap_connection_info *ci = im->m->imap_connection_info;
	if (!fresh && ci != NULL && ci->imap_capability != NULL)
		return 1;
	struct mailimap_capability_data *cap = NULL;
	int r = mailimap_capability(im->m, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, e, "CAPABILITY");
	mailimap_capability_data_free(cap);	/* libetpan keeps its own */
	return 1;
}

/* Drop what the server said it can before logging in: after the login
 * either its answer brought the list again or we ask (MOVE, IDLE and
 * UIDPLUS are often announced only then). */
static void
imap_forget_capabilities(struct imap *im)
{
	struct mailimap_connection_info *ci = im->m->imap_connection_info;
	if (ci != NULL && ci->imap_capability != NULL) {
		mailimap_capability_data_free(ci->imap_capability);
		ci->imap_capability = NULL;
	}
}

/* Send "AUTHENTICATE PLAIN" and the credentials, as an initial response
 * where SASL-IR allows (one round trip), else after the server's "+".
 * On return the server's answer is in libetpan's line buffer. */
static int
imap_auth_send(struct imap *im, const char *b64, size_t n, int sasl_ir)
{
	mailstream *s = im->m->imap_stream;
	int r = mailimap_send_current_tag(im->m);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	mailstream_set_privacy(s, 0);	/* keep it out of any log */
	int ok = sasl_ir ?
	    mailstream_write(s, "AUTHENTICATE PLAIN ", 19) >= 0 &&
	    mailstream_write(s, b64, n) >= 0 :
	    mailstream_write(s, "AUTHENTICATE PLAIN", 18) >= 0;
	ok = ok && mailstream_write(s, "\r\n", 2) >= 0 &&
	     mailstream_flush(s) >= 0;
	const char *line = ok ? mailimap_read_line(im->m) : NULL;
	if (line != NULL && !sasl_ir && line[0] == '+') {
		ok = mailstream_write(s, b64, n) >= 0 &&
		     mailstream_write(s, "\r\n", 2) >= 0 &&
		     mailstream_flush(s) >= 0;
		line = ok ? mailimap_read_line(im->m) : NULL;
	}
	mailstream_set_privacy(s, 1);
	return line != NULL ? MAILIMAP_NO_ERROR : MAILIMAP_ERROR_STREAM;
}

/* AUTHENTICATE PLAIN (RFC 4616): base64 of "\0user\0password". Done here,
 * not by mailimap_authenticate, which needs Cyrus SASL's PLAIN plugin (a
 * package of its own). The answer goes through libetpan's parser, so tag,
 * CAPABILITY code and session state stay libetpan's. MAILIMAP_* code. */
static int
imap_auth_plain(struct imap *im, const char *user, const char *pass,
		int sasl_ir)
{
	size_t ul = strlen(user), pl = strlen(pass);
	gnutls_datum_t raw = { xmalloc(ul + pl + 2), (unsigned)(ul + pl + 2) };
	gnutls_datum_t b64 = { NULL, 0 };
	raw.data[0] = '\0';
	memcpy(raw.data + 1, user, ul);
	raw.data[ul + 1] = '\0';
	memcpy(raw.data + ul + 2, pass, pl);
	int g = gnutls_base64_encode2(&raw, &b64);
	explicit_bzero(raw.data, raw.size);
	free(raw.data);
	if (g < 0)
		abort();	/* out of memory: as xmalloc */
	int r = imap_auth_send(im, (const char *)b64.data, b64.size, sasl_ir);
	explicit_bzero(b64.data, b64.size);
	gnutls_free(b64.data);
	struct mailimap_response *resp = NULL;
	if (r == MAILIMAP_NO_ERROR)
		r = mailimap_parse_response(im->m, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	int code = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state
		       ->rsp_type;
	mailimap_response_free(resp);
	if (code != MAILIMAP_RESP_COND_STATE_OK)
		return MAILIMAP_ERROR_LOGIN;
	im->m->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	return MAILIMAP_NO_ERROR;
}

/* AUTHENTICATE PLAIN where the server offers it, LOGIN otherwise. */
static int
imap_login(struct imap *im, const struct config_imap *c, int starttls,
	   struct err *e)
{
	const char *user = c->username ? c->username : "";
	const char *pass = c->password ? c->password : "";
	int r = imap_capabilities(im, starttls, e);
	if (r != 1)
		return r;
	int plain = mailimap_has_authentication(im->m, "PLAIN");
	int sasl_ir = mailimap_has_extension(im->m, "SASL-IR");
	if (!plain && mailimap_has_extension(im->m, "LOGINDISABLED")) {
		err_set(e, "%s: the server takes no password in the clear "
			"and offers no AUTH=PLAIN: use imaps:// or "
			"require_tls = yes", im->u.hostport);
		return 0;
	}
	imap_forget_capabilities(im);
	r = plain ? imap_auth_plain(im, user, pass, sasl_ir)
		  : mailimap_login(im->m, user, pass);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, e, plain ? "AUTHENTICATE PLAIN"
						 : "LOGIN");
	return imap_capabilities(im, 0, e);
}

static int
imap_select(struct imap *im, struct err *e)
{
	char *wire = fetch_mutf7_encode(im->mailbox);
	if (wire == NULL) {
		err_set(e, "%s: mailbox %s: not valid UTF-8", im->u.hostport,
			im->mailbox);
		return 0;
	}
	int r = mailimap_select(im->m, wire);
	free(wire);
	if (r != MAILIMAP_NO_ERROR) {
		char what[300];
		snprintf(what, sizeof(what), "SELECT %s", im->mailbox);
		return imap_fail(im, r, e, what);
	}
	return 1;
}

static int
imap_open_as(struct fetch *f, const char *url, int tls,
	     const struct config_imap *c, struct err *e)
{
	struct imap *im = xcalloc(1, sizeof(*im));
	f->priv = im;
	if (fetch_url_parse(url, &im->u, e) < 0)
		return 0;
	im->mailbox = xstrdup(im->u.mailbox ? im->u.mailbox :
			      c->mailbox && *c->mailbox ? c->mailbox :
			      "INBOX");
	im->m = mailimap_new(0, NULL);
	mailimap_set_timeout(im->m, c->timeout > 0 ? c->timeout : 60);
	int starttls = 0, r;
	if ((r = imap_connect(im, tls, c, &starttls, e)) != 1 ||
	    (r = imap_login(im, c, starttls, e)) != 1 ||
	    (r = imap_select(im, e)) != 1)
		return r;
	f->uidvalidity = im->m->imap_selection_info ?
	    im->m->imap_selection_info->sel_uidvalidity : 0;
	f->source = xasprintf("%s://%s/%s", tls ? "imaps" : "imap",
			      im->u.hostport, im->mailbox);
	return 1;
}

static int
imap_open(struct fetch *f, const char *url, const struct config_imap *c,
	  struct err *e)
{
	return imap_open_as(f, url, 0, c, e);
}

static int
imaps_open(struct fetch *f, const char *url, const struct config_imap *c,
	   struct err *e)
{
	return imap_open_as(f, url, 1, c, e);
}

static void
imap_close(struct fetch *f)
{
	struct imap *im = f->priv;
	if (im == NULL)
		return;
	if (im->m) {
		if (im->m->imap_stream)
			mailimap_logout(im->m);
		mailimap_free(im->m);
	}
	for (size_t i = 0; i < im->ncreated; i++)
		free(im->created[i]);
	free(im->created);
	fetch_url_clear(&im->u);
	free(im->mailbox);
	free(im);
	f->priv = NULL;
}

/* ---- list ---------------------------------------------------------------- */

static int
cmp_item(const void *a, const void *b)
{
	uint32_t x = ((const struct fetch_item *)a)->uid;
	uint32_t y = ((const struct fetch_item *)b)->uid;
	return x < y ? -1 : x > y;
}

static int
imap_list(struct fetch *f, uint32_t after_uid, struct fetch_item **items_r,
	  size_t *n_r, struct err *e)
{
	struct imap *im = f->priv;
	im->listed = 0;
	if (after_uid == UINT32_MAX)
		return 1;
	/* UID n:* UNKEYWORD $AnketaDone: new mail not flagged done by us */
	struct mailimap_search_key *key = mailimap_search_key_new_multiple_empty();
	mailimap_search_key_multiple_add(key, mailimap_search_key_new_uid(
	    mailimap_set_new_interval(after_uid + 1, 0)));
	mailimap_search_key_multiple_add(key,
	    mailimap_search_key_new_unkeyword(xstrdup(IMAP_DONE_KEYWORD)));
	clist *res = NULL;
	/* an EXISTS from here on may announce mail this search misses:
	 * imap_idle then passes again at once */
	if (im->m->imap_selection_info != NULL)
		im->m->imap_selection_info->sel_has_exists = 0;
	int r = mailimap_uid_search(im->m, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, e, "UID SEARCH");
	size_t cap = 0;
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		uint32_t uid = *(uint32_t *)clist_content(it);
		/* "n:*" matches the highest UID even when it is below n */
		if (uid <= after_uid)
			continue;
		fetch_items_push(items_r, n_r, &cap, uid,
				 xasprintf("%s/%u/%u", f->source,
					   f->uidvalidity, uid));
	}
	mailimap_search_result_free(res);
	im->listed = *n_r > 0;
	if (*n_r > 1)
		qsort(*items_r, *n_r, sizeof(**items_r), cmp_item);
	return 1;
}

/* ---- UID sets and FETCH answers ------------------------------------------ */

/* "a,b:c,..." from ascending UIDs: runs become intervals, so a window of
 * consecutive messages is one short command. */
static struct mailimap_set *
imap_uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		mailimap_set_add_interval(set, uids[i], uids[j]);
		i = j + 1;
	}
	return set;
}

static uint32_t *
imap_uids_of(const struct fetch_item *items, size_t n)
{
	uint32_t *u = xcalloc(n ? n : 1, sizeof(*u));
	for (size_t i = 0; i < n; i++)
		u[i] = items[i].uid;
	return u;
}

/* What one FETCH response line carries. */
struct att_view {
	uint32_t uid;
	long long size;		/* RFC822.SIZE; -1 not sent */
	const struct mailimap_msg_att_body_section *body;
};

static void
imap_att_view(const struct mailimap_msg_att *ma, struct att_view *v)
{
	*v = (struct att_view){ .size = -1 };
	for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
		struct mailimap_msg_att_item *item = clist_content(j);
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		struct mailimap_msg_att_static *st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			v->uid = st->att_data.att_uid;
		else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
			v->size = st->att_data.att_rfc822_size;
		else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION)
			v->body = st->att_data.att_body_section;
	}
}

/* Position of uid in the ascending items, or n. */
static size_t
imap_item_index(const struct fetch_item *items, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (items[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && items[lo].uid == uid ? lo : n;
}

/* UID FETCH uids (att): one command, the answer in *res_r. 1/0/-1. */
static int
imap_fetch_uids(struct imap *im, const uint32_t *uids, size_t n,
		struct mailimap_fetch_att *att, clist **res_r, struct err *e)
{
	struct mailimap_set *set = imap_uid_set(uids, n);
	struct mailimap_fetch_type *ft =
	    mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, att);
	*res_r = NULL;
	int r = mailimap_uid_fetch(im->m, set, ft, res_r);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	return r == MAILIMAP_NO_ERROR ? 1 : imap_fail(im, r, e, "UID FETCH");
}

/* ---- get ----------------------------------------------------------------- */

/* How many of the n items fit in budget bytes (at least one), by their
 * RFC822.SIZE; size[i] -1 means the server did not list the message
 * (gone). One UID FETCH for the whole window. 1/0/-1. */
static int
imap_window(struct imap *im, const struct fetch_item *items, size_t n,
	    size_t max, size_t budget, long long *size, size_t *k_r,
	    struct err *e)
{
	for (size_t i = 0; i < n; i++)
		size[i] = -1;
	uint32_t *uids = imap_uids_of(items, n);
	clist *res = NULL;
	int r = imap_fetch_uids(im, uids, n, mailimap_fetch_att_new_rfc822_size(),
				&res, e);
	free(uids);
	if (r != 1)
		return r;
	for (clistiter *i = clist_begin(res); i; i = clist_next(i)) {
		struct att_view v;
		imap_att_view(clist_content(i), &v);
		size_t x = imap_item_index(items, n, v.uid);
		if (x < n)
			size[x] = v.size;
	}
	mailimap_fetch_list_free(res);
	size_t used = 0, k = 0;
	for (; k < n; k++) {
		size_t cost = size[k] < 0 ? 0 : (size_t)size[k];
		if (max > 0 && cost > max)
			cost = 0;	/* not read: too large */
		if (k > 0 && used + cost > budget)
			break;
		used += cost;
	}
	*k_r = k;
	return 1;
}

static struct mailimap_fetch_att *
imap_body_att(size_t max)
{
	struct mailimap_section *sec = mailimap_section_new(NULL);
	/* ask for one byte over the cap: memory stays bounded and a larger
	 * message shows itself by its length */
	return max > 0 && max < UINT32_MAX ?
	    mailimap_fetch_att_new_body_peek_section_partial(sec, 0,
							    (uint32_t)max + 1) :
	    mailimap_fetch_att_new_body_peek_section(sec);
}

/* Copy each body of the answer into out, by UID. */
static void
imap_take_bodies(struct fetch *f, clist *res, const struct fetch_item *items,
		 size_t k, size_t max, struct fetch_body *out)
{
	for (clistiter *i = clist_begin(res); i; i = clist_next(i)) {
		struct att_view v;
		imap_att_view(clist_content(i), &v);
		size_t x = imap_item_index(items, k, v.uid);
		if (x == k || v.body == NULL || v.body->sec_body_part == NULL ||
		    out[x].raw != NULL || out[x].why != NULL)
			continue;
		if (max > 0 && v.body->sec_length > max) {
			out[x].why = xasprintf("%s/%u: message too large (over "
					       "%zu bytes)", f->source,
					       v.uid, max);
			continue;
		}
		out[x].raw = xmalloc(v.body->sec_length + 1);
		memcpy(out[x].raw, v.body->sec_body_part, v.body->sec_length);
		out[x].raw[v.body->sec_length] = '\0';
		out[x].len = v.body->sec_length;
	}
}

static int
imap_get_many(struct fetch *f, const struct fetch_item *items, size_t n,
	      size_t max, size_t budget, struct fetch_body *out,
	      size_t *got_r, struct err *e)
{
	struct imap *im = f->priv;
	long long *size = xcalloc(n, sizeof(*size));
	size_t k = 1;
	int r = 1;
	/* one message needs no sizes: the partial fetch caps it */
	if (n > 1)
		r = imap_window(im, items, n, max, budget, size, &k, e);
	else
		size[0] = 0;
	uint32_t *want = xcalloc(k, sizeof(*want));
	size_t nwant = 0;
	for (size_t i = 0; r == 1 && i < k; i++) {
		if (size[i] < 0)
			out[i].why = xasprintf("%s/%u: message gone",
					       f->source, items[i].uid);
		else if (max > 0 && (size_t)size[i] > max)
			out[i].why = xasprintf("%s/%u: message too large (%lld "
					       "bytes, limit %zu)", f->source,
					       items[i].uid, size[i], max);
		else
			want[nwant++] = items[i].uid;
	}
	clist *res = NULL;
	if (r == 1 && nwant > 0 &&
	    (r = imap_fetch_uids(im, want, nwant, imap_body_att(max), &res,
				 e)) == 1) {
		imap_take_bodies(f, res, items, k, max, out);
		mailimap_fetch_list_free(res);
	}
	for (size_t i = 0; r == 1 && i < k; i++)
		if (out[i].raw == NULL && out[i].why == NULL)
			out[i].why = xasprintf("%s/%u: message gone",
					       f->source, items[i].uid);
	free(want);
	free(size);
	if (r == 1)
		*got_r = k;
	return r;
}

static int
imap_get(struct fetch *f, const struct fetch_item *it, size_t max,
	 char **raw_r, size_t *len_r, struct err *e)
{
	struct fetch_body b = { 0 };
	size_t got = 0;
	int r = imap_get_many(f, it, 1, max, 0, &b, &got, e);
	if (r != 1)
		return r;
	if (b.raw == NULL) {
		err_set(e, "%s", b.why);
		fetch_bodies_clear(&b, 1);
		return 0;
	}
	*raw_r = b.raw;
	*len_r = b.len;
	free(b.why);
	return 1;
}

/* ---- dispose ------------------------------------------------------------- */

static int
imap_store_flags(struct imap *im, struct mailimap_set *set, int done,
		 struct err *e)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	if (done) {
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
		mailimap_flag_list_add(fl, mailimap_flag_new_flag_keyword(
		    xstrdup(IMAP_DONE_KEYWORD)));
	} else
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	struct mailimap_store_att_flags *sa =
	    mailimap_store_att_flags_new_add_flags_silent(fl);
	int r = mailimap_uid_store(im->m, set, sa);
	mailimap_store_att_flags_free(sa);
	return r == MAILIMAP_NO_ERROR ? 1 : imap_fail(im, r, e, "UID STORE");
}

/* CREATE once per session; "already exists" is fine. folder is the
 * UTF-8 name, wire its modified UTF-7 form. */
static int
imap_ensure_folder(struct imap *im, const char *folder, const char *wire,
		   struct err *e)
{
	for (size_t i = 0; i < im->ncreated; i++)
		if (strcmp(im->created[i], folder) == 0)
			return 1;
	int r = mailimap_create(im->m, wire);
	if (r != MAILIMAP_NO_ERROR && imap_temporary(r))
		return imap_fail(im, r, e, "CREATE");
	im->created = xreallocarray(im->created, im->ncreated + 1,
				    sizeof(*im->created));
	im->created[im->ncreated++] = xstrdup(folder);
	return 1;
}

static int
imap_move(struct imap *im, struct mailimap_set *set, const char *wire,
	  struct err *e)
{
	int r;
	if (mailimap_has_extension(im->m, "MOVE")) {
		r = mailimap_uid_move(im->m, set, wire);
		return r == MAILIMAP_NO_ERROR ? 1
					      : imap_fail(im, r, e, "UID MOVE");
	}
	r = mailimap_uid_copy(im->m, set, wire);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, e, "UID COPY");
	int s = imap_store_flags(im, set, 0, e);
	if (s == 1) {
		/* without UIDPLUS, EXPUNGE also removes what others marked
		 * \Deleted; the mailbox is ours, so accept that */
		r = mailimap_has_uidplus(im->m) ?
		    mailimap_uid_expunge(im->m, set) : mailimap_expunge(im->m);
		s = r == MAILIMAP_NO_ERROR ? 1 : imap_fail(im, r, e, "EXPUNGE");
	}
	return s;
}

/* One UID STORE or MOVE for the whole set; a refused batch is retried
 * message by message so the caller learns which stayed. */
static int
imap_dispose_many(struct fetch *f, const struct fetch_item *items, size_t n,
		  const char *folder, struct err *e)
{
	struct imap *im = f->priv;
	char *wire = NULL;
	int r = 1;
	if (folder != NULL && (wire = fetch_mutf7_encode(folder)) == NULL) {
		err_set(e, "%s/%u: to %s: folder name not valid UTF-8",
			f->source, items[0].uid, folder);
		return 0;
	}
	if (folder != NULL)
		r = imap_ensure_folder(im, folder, wire, e);
	if (r == 1) {
		uint32_t *uids = imap_uids_of(items, n);
		struct mailimap_set *set = imap_uid_set(uids, n);
		free(uids);
		r = folder ? imap_move(im, set, wire, e)
			   : imap_store_flags(im, set, 1, e);
		mailimap_set_free(set);
	}
	free(wire);
	if (r == 0 && n > 1)
		return fetch_dispose_each(f, items, n, folder, e);
	if (r == 0)
		err_prefix(e, "%s/%u: %s %s", f->source, items[0].uid,
			   folder ? "to" : "flag", folder ? folder : "done");
	return r;
}

static int
imap_dispose(struct fetch *f, const struct fetch_item *it, const char *folder,
	     struct err *e)
{
	return imap_dispose_many(f, it, 1, folder, e);
}

/* ---- idle ---------------------------------------------------------------- */

/* Wait up to timeout_s for the server's first words in IDLE. Not a poll()
 * on the socket: what the server sent with its "+ idling" may already sit
 * in libetpan's read buffer, or decrypted in GnuTLS's, and the socket
 * then stays quiet. mailstream_feed_read_buffer looks in that order: it
 * returns at once when libetpan's buffer holds data, else reads through
 * the TLS layer (which hands out what it holds before it polls) with the
 * stream's timeout. 1 data, 0 timeout, a signal, or the connection gone
 * (the DONE that follows tells which). */
static int
imap_idle_wait(struct imap *im, int timeout_s)
{
	mailstream *s = im->m->imap_stream;
	if (s->read_buffer_len > 0)
		return 1;
	mailstream_low *low = mailstream_get_low(s);
	time_t was = mailstream_low_get_timeout(low);
	mailstream_low_set_timeout(low, timeout_s);
	ssize_t n = mailstream_feed_read_buffer(s);
	mailstream_low_set_timeout(low, was);
	return n > 0;
}

static int
imap_idle(struct fetch *f, int timeout_s, struct err *e)
{
	struct imap *im = f->priv;
	if (!mailimap_has_idle(im->m)) {
		err_set(e, "%s: server has no IDLE", im->u.hostport);
		return -1;
	}
	/* an EXISTS came with the answer to a command after the last UID
	 * SEARCH (Dovecot reports new mail with UID FETCH, STORE, MOVE):
	 * the server will not say it again in IDLE, so pass again at once;
	 * but not twice in a row for nothing, should a server repeat EXISTS
	 * with every answer */
	struct mailimap_selection_info *si = im->m->imap_selection_info;
	int hurry = si != NULL && si->sel_has_exists &&
		    !(im->hurried && !im->listed);
	im->hurried = hurry;
	if (hurry)
		return 1;
	int r = mailimap_idle(im->m);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, r, e, "IDLE");
		return -1;	/* the session is unusable: reconnect */
	}
	int got = imap_idle_wait(im, timeout_s > 0 && timeout_s < INT_MAX ?
					 timeout_s : 60);
	r = mailimap_idle_done(im->m);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, r, e, "IDLE");
		return -1;
	}
	/* any untagged data (EXISTS, or Dovecot's "OK Still here") leads to a
	 * new pass: a pass over nothing new costs one UID SEARCH */
	return got;
}

/* imap:// and imaps:// differ only in how the connection opens. */
#define IMAP_DRIVER(scheme_, open_) {					\
		.scheme = (scheme_), .open = (open_), .list = imap_list,	\
		.get = imap_get, .dispose = imap_dispose,		\
		.get_many = imap_get_many,				\
		.dispose_many = imap_dispose_many, .idle = imap_idle,	\
		.close = imap_close,					\
	}
const struct fetch_driver fetch_imap_driver = IMAP_DRIVER("imap", imap_open);
const struct fetch_driver fetch_imaps_driver =
	IMAP_DRIVER("imaps", imaps_open);
