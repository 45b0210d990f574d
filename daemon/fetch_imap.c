/*
 * fetch_imap.c -- the IMAP backend of fetch.h over libetpan: connect
 * (imap:// + STARTTLS, or imaps://), verify the server certificate with
 * GnuTLS (libetpan does not), LOGIN, SELECT, UID SEARCH, BODY.PEEK[],
 * UID MOVE or COPY + EXPUNGE, IDLE.
 * Spec: RFC 3501, 2595, 4315 (UIDPLUS), 6851 (MOVE), 2177 (IDLE).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "fetch_private.h"
#include "xmem.h"

#define IMAP_DONE_KEYWORD "$AnketaDone"

struct imap {
	mailimap *m;
	char *host;
	uint16_t port;
	char *mailbox;
	char **created;		/* folders known to exist */
	size_t ncreated;
};

/* ---- errors ------------------------------------------------------------ */

static int
imap_temporary(int r)
{
	return r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_CONNECTION_REFUSED
	    || r == MAILIMAP_ERROR_FATAL || r == MAILIMAP_ERROR_PARSE
	    || r == MAILIMAP_ERROR_BAD_STATE || r == MAILIMAP_ERROR_MEMORY;
}

/* "host:port: what: server reply" and the class of the failure. */
static int
imap_fail(struct imap *im, int r, struct err *e, const char *what)
{
	const char *reply = im->m && im->m->imap_response ?
	    im->m->imap_response : "";
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_FATAL)
		reply = *reply ? reply : "connection lost";
	err_set(e, "%s:%u: %s: %s", im->host, im->port, what,
		*reply ? reply : "refused");
	return imap_temporary(r) ? -1 : 0;
}

/* ---- URL --------------------------------------------------------------- */

static int
imap_parse_url(struct imap *im, const char *url, int tls,
	       const struct config_imap *c, struct err *e)
{
	const char *p = strstr(url, "://");
	if (p == NULL) {
		err_set(e, "%s: expected imap://host[:port][/mailbox]", url);
		return 0;
	}
	p += 3;
	size_t hl = strcspn(p, ":/");
	if (hl == 0) {
		err_set(e, "%s: no host", url);
		return 0;
	}
	im->host = xstrndup(p, hl);
	p += hl;
	long port = tls ? 993 : 143;
	if (*p == ':') {
		char *end;
		errno = 0;
		port = strtol(p + 1, &end, 10);
		if (errno || end == p + 1 || port < 1 || port > 65535 ||
		    (*end != '\0' && *end != '/')) {
			err_set(e, "%s: bad port", url);
			return 0;
		}
		p = end;
	}
	im->port = (uint16_t)port;
	if (*p == '/' && p[1] != '\0')
		im->mailbox = xstrdup(p + 1);
	else
		im->mailbox = xstrdup(c->mailbox && *c->mailbox ? c->mailbox
							     : "INBOX");
	return 1;
}

/* ---- TLS verification ----------------------------------------------------
 * libetpan's GnuTLS stream accepts any certificate; check the leaf after
 * the handshake against ca_file (or the system store) and the host. A chain
 * with intermediates the trust store lacks fails: only the leaf is
 * available from libetpan (mailstream_ssl_get_certificate). */
static int
imap_verify_cert(struct imap *im, const struct config_imap *c, struct err *e)
{
	if (c->insecure)
		return 1;
	unsigned char *der = NULL;
	ssize_t n = mailstream_ssl_get_certificate(im->m->imap_stream, &der);
	if (n <= 0) {
		err_set(e, "%s:%u: TLS: no server certificate", im->host,
			im->port);
		return 0;
	}
	gnutls_x509_crt_t crt;
	gnutls_x509_trust_list_t tl;
	gnutls_datum_t d = { der, (unsigned)n };
	unsigned status = 0;
	int ok = 0;
	gnutls_x509_crt_init(&crt);
	gnutls_x509_trust_list_init(&tl, 0);
	int added = c->ca_file && *c->ca_file ?
	    gnutls_x509_trust_list_add_trust_file(tl, c->ca_file, NULL,
						  GNUTLS_X509_FMT_PEM, 0, 0) :
	    gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (added <= 0)
		err_set(e, "%s: no CA certificates loaded",
			c->ca_file && *c->ca_file ? c->ca_file : "system trust");
	else if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0)
		err_set(e, "%s:%u: TLS: unreadable server certificate",
			im->host, im->port);
	else if (gnutls_x509_trust_list_verify_crt(tl, &crt, 1, 0, &status,
						   NULL) < 0 || status != 0) {
		gnutls_datum_t out = { NULL, 0 };
		gnutls_certificate_verification_status_print(
		    status, GNUTLS_CRT_X509, &out, 0);
		err_set(e, "%s:%u: TLS: certificate not trusted: %s",
			im->host, im->port, out.data ? (char *)out.data : "?");
		gnutls_free(out.data);
	} else if (!gnutls_x509_crt_check_hostname(crt, im->host))
		err_set(e, "%s:%u: TLS: certificate does not name %s",
			im->host, im->port, im->host);
	else
		ok = 1;
	gnutls_x509_trust_list_deinit(tl, 1);
	gnutls_x509_crt_deinit(crt);
	free(der);
	return ok;
}

/* ---- open ---------------------------------------------------------------- */

static int
imap_connect(struct imap *im, int tls, const struct config_imap *c,
	     struct err *e)
{
	errno = 0;
	int r = tls ? mailimap_ssl_connect(im->m, im->host, im->port)
		    : mailimap_socket_connect(im->m, im->host, im->port);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		err_set(e, "%s:%u: cannot connect: %s", im->host, im->port,
			errno ? strerror(errno) :
			r == MAILIMAP_ERROR_SSL ? "TLS handshake failed" :
			"no IMAP greeting");
		return -1;
	}
	if (!tls && c->require_tls) {
		r = mailimap_socket_starttls(im->m);
		if (r != MAILIMAP_NO_ERROR) {
			imap_fail(im, r, e, "STARTTLS refused");
			return 0;
		}
		tls = 1;
	}
	if (tls && !imap_verify_cert(im, c, e))
		return 0;
	return 1;
}

static int
imap_open_as(struct fetch *f, const char *url, int tls,
	     const struct config_imap *c, struct err *e)
{
	struct imap *im = xcalloc(1, sizeof(*im));
	f->priv = im;
	int r = imap_parse_url(im, url, tls, c, e);
	if (r != 1)
		return r;
	im->m = mailimap_new(0, NULL);
	mailimap_set_timeout(im->m, c->timeout > 0 ? c->timeout : 60);
	if ((r = imap_connect(im, tls, c, e)) != 1)
		return r;
	r = mailimap_login(im->m, c->username ? c->username : "",
			   c->password ? c->password : "");
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, e, "LOGIN");
	r = mailimap_select(im->m, im->mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		char what[300];
		snprintf(what, sizeof(what), "SELECT %s", im->mailbox);
		return imap_fail(im, r, e, what);
	}
	f->uidvalidity = im->m->imap_selection_info ?
	    im->m->imap_selection_info->sel_uidvalidity : 0;
	f->source = xasprintf("%s://%s:%u/%s", tls ? "imaps" : "imap",
			      im->host, im->port, im->mailbox);
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
	free(im->host);
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
	if (after_uid == UINT32_MAX)
		return 1;
	/* UID n:* UNKEYWORD $AnketaDone: new mail not flagged done by us */
	struct mailimap_search_key *key = mailimap_search_key_new_multiple_empty();
	mailimap_search_key_multiple_add(key, mailimap_search_key_new_uid(
	    mailimap_set_new_interval(after_uid + 1, 0)));
	mailimap_search_key_multiple_add(key,
	    mailimap_search_key_new_unkeyword(xstrdup(IMAP_DONE_KEYWORD)));
	clist *res = NULL;
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
	if (*n_r > 1)
		qsort(*items_r, *n_r, sizeof(**items_r), cmp_item);
	return 1;
}

/* ---- get ----------------------------------------------------------------- */

static const struct mailimap_msg_att_body_section *
imap_body_of(clist *res)
{
	for (clistiter *i = clist_begin(res); i; i = clist_next(i)) {
		struct mailimap_msg_att *ma = clist_content(i);
		for (clistiter *j = clist_begin(ma->att_list); j;
		     j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
			    item->att_data.att_static->att_type ==
				MAILIMAP_MSG_ATT_BODY_SECTION)
				return item->att_data.att_static->att_data
				    .att_body_section;
		}
	}
	return NULL;
}

static int
imap_get(struct fetch *f, const struct fetch_item *it, size_t max,
	 char **raw_r, size_t *len_r, struct err *e)
{
	struct imap *im = f->priv;
	struct mailimap_set *set = mailimap_set_new_single(it->uid);
	struct mailimap_fetch_type *ft =
	    mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_section *sec = mailimap_section_new(NULL);
	/* ask for one byte over the cap: memory stays bounded and a larger
	 * message shows itself by its length */
	struct mailimap_fetch_att *att = max > 0 && max < UINT32_MAX ?
	    mailimap_fetch_att_new_body_peek_section_partial(sec, 0,
							    (uint32_t)max + 1) :
	    mailimap_fetch_att_new_body_peek_section(sec);
	mailimap_fetch_type_new_fetch_att_list_add(ft, att);
	clist *res = NULL;
	int r = mailimap_uid_fetch(im->m, set, ft, &res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, e, "UID FETCH");
	const struct mailimap_msg_att_body_section *b = imap_body_of(res);
	int ret = 1;
	if (b == NULL || b->sec_body_part == NULL) {
		err_set(e, "%s/%u: message gone", f->source, it->uid);
		ret = 0;
	} else if (max > 0 && b->sec_length > max) {
		err_set(e, "%s/%u: message too large (over %zu bytes)",
			f->source, it->uid, max);
		ret = 0;
	} else {
		*raw_r = xmalloc(b->sec_length + 1);
		memcpy(*raw_r, b->sec_body_part, b->sec_length);
		(*raw_r)[b->sec_length] = '\0';
		*len_r = b->sec_length;
	}
	mailimap_fetch_list_free(res);
	return ret;
}

/* ---- dispose ------------------------------------------------------------- */

static int
imap_store_flags(struct imap *im, uint32_t uid, int done, struct err *e)
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
	struct mailimap_set *set = mailimap_set_new_single(uid);
	int r = mailimap_uid_store(im->m, set, sa);
	mailimap_store_att_flags_free(sa);
	mailimap_set_free(set);
	return r == MAILIMAP_NO_ERROR ? 1 : imap_fail(im, r, e, "UID STORE");
}

/* CREATE once per session; "already exists" is fine. */
static int
imap_ensure_folder(struct imap *im, const char *folder, struct err *e)
{
	for (size_t i = 0; i < im->ncreated; i++)
		if (strcmp(im->created[i], folder) == 0)
			return 1;
	int r = mailimap_create(im->m, folder);
	if (r != MAILIMAP_NO_ERROR && imap_temporary(r))
		return imap_fail(im, r, e, "CREATE");
	im->created = xreallocarray(im->created, im->ncreated + 1,
				    sizeof(*im->created));
	im->created[im->ncreated++] = xstrdup(folder);
	return 1;
}

static int
imap_move(struct imap *im, uint32_t uid, const char *folder, struct err *e)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	int r;
	if (mailimap_has_extension(im->m, "MOVE")) {
		r = mailimap_uid_move(im->m, set, folder);
		mailimap_set_free(set);
		return r == MAILIMAP_NO_ERROR ? 1
					      : imap_fail(im, r, e, "UID MOVE");
	}
	r = mailimap_uid_copy(im->m, set, folder);
	if (r != MAILIMAP_NO_ERROR) {
		mailimap_set_free(set);
		return imap_fail(im, r, e, "UID COPY");
	}
	int s = imap_store_flags(im, uid, 0, e);
	if (s == 1) {
		/* without UIDPLUS, EXPUNGE also removes what others marked
		 * \Deleted; the mailbox is ours, so accept that */
		r = mailimap_has_uidplus(im->m) ?
		    mailimap_uid_expunge(im->m, set) : mailimap_expunge(im->m);
		s = r == MAILIMAP_NO_ERROR ? 1 : imap_fail(im, r, e, "EXPUNGE");
	}
	mailimap_set_free(set);
	return s;
}

static int
imap_dispose(struct fetch *f, const struct fetch_item *it, const char *folder,
	     struct err *e)
{
	struct imap *im = f->priv;
	if (folder == NULL)
		return imap_store_flags(im, it->uid, 1, e);
	int r = imap_ensure_folder(im, folder, e);
	if (r != 1)
		return r;
	r = imap_move(im, it->uid, folder, e);
	if (r == 0)
		err_prefix(e, "%s/%u: to %s", f->source, it->uid, folder);
	return r;
}

/* ---- idle ---------------------------------------------------------------- */

static int
imap_idle(struct fetch *f, int timeout_s, struct err *e)
{
	struct imap *im = f->priv;
	if (!mailimap_has_idle(im->m)) {
		err_set(e, "%s:%u: server has no IDLE", im->host, im->port);
		return -1;
	}
	int r = mailimap_idle(im->m);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, r, e, "IDLE");
		return -1;	/* the session is unusable: reconnect */
	}
	struct pollfd pfd = { .fd = mailimap_idle_get_fd(im->m),
			      .events = POLLIN };
	long ms = timeout_s > 0 && timeout_s < INT_MAX / 1000 ?
	    timeout_s * 1000L : 60000L;
	int n = poll(&pfd, 1, (int)ms);
	r = mailimap_idle_done(im->m);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, r, e, "IDLE DONE");
		return -1;
	}
	/* any untagged data (EXISTS, or Dovecot's "OK Still here") leads to a
	 * new pass: a pass over nothing new costs one UID SEARCH */
	return n > 0 ? 1 : 0;
}

const struct fetch_driver fetch_imap_driver = {
	.scheme = "imap",
	.open = imap_open,
	.list = imap_list,
	.get = imap_get,
	.dispose = imap_dispose,
	.idle = imap_idle,
	.close = imap_close,
};

const struct fetch_driver fetch_imaps_driver = {
	.scheme = "imaps",
	.open = imaps_open,
	.list = imap_list,
	.get = imap_get,
	.dispose = imap_dispose,
	.idle = imap_idle,
	.close = imap_close,
};
