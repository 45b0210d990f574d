/*
 * fetch.c -- picks the backend by URL scheme and forwards to it; see
 * fetch.h for the contract and fetch_private.h for the driver table.
 * Also the IMAP backend's pure helpers: the URL taken apart by curl_url()
 * (RFC 5092 form, IPv6 literals, percent-escapes) and modified UTF-7
 * mailbox names (RFC 3501 5.1.3).
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "receive/fetch_private.h"
#include "base/xmem.h"

static const struct fetch_driver *const drivers[] = {
	&fetch_imap_driver, &fetch_imaps_driver, &fetch_maildir_driver,
};

static const struct fetch_driver *
driver_for(const char *url)
{
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		size_t n = strlen(drivers[i]->scheme);
		if (strncmp(url, drivers[i]->scheme, n) == 0 &&
		    url[n] == ':')
			return drivers[i];
	}
	return NULL;
}

int
fetch_open(const char *url, const struct config_imap *c, struct fetch **f_r,
	   struct err *e)
{
	if (url == NULL || *url == '\0')
		url = c->url;
	if (url == NULL || *url == '\0') {
		err_set(e, "imap.url: not set");
		return 0;
	}
	const struct fetch_driver *drv = driver_for(url);
	if (drv == NULL) {
		err_set(e, "%s: unknown scheme (imap://, imaps://, maildir:)",
			url);
		return 0;
	}
	struct fetch *f = xcalloc(1, sizeof(*f));
	f->drv = drv;
	f->wake_fd = -1;
	int r = drv->open(f, url, c, e);
	if (r != 1) {
		drv->close(f);
		free(f->source);
		free(f);
		return r;
	}
	*f_r = f;
	return 1;
}

const char *
fetch_source(const struct fetch *f)
{
	return f->source;
}

uint32_t
fetch_uidvalidity(const struct fetch *f)
{
	return f->uidvalidity;
}

int
fetch_list(struct fetch *f, uint32_t after_uid, struct fetch_item **items_r,
	   size_t *n_r, struct err *e)
{
	*items_r = NULL;
	*n_r = 0;
	return f->drv->list(f, after_uid, items_r, n_r, e);
}

void
fetch_items_free(struct fetch_item **items, size_t n)
{
	if (*items == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*items)[i].key);
	free(*items);
	*items = NULL;
}

void
fetch_items_push(struct fetch_item **v, size_t *n, size_t *cap,
		 uint32_t uid, char *key)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[*n].uid = uid;
	(*v)[*n].key = key;
	(*n)++;
}

int
fetch_get(struct fetch *f, const struct fetch_item *it, size_t max,
	  char **raw_r, size_t *len_r, struct err *e)
{
	*raw_r = NULL;
	*len_r = 0;
	return f->drv->get(f, it, max, raw_r, len_r, e);
}

void
fetch_bodies_clear(struct fetch_body *b, size_t n)
{
	for (size_t i = 0; b != NULL && i < n; i++) {
		free(b[i].raw);
		free(b[i].why);
		b[i] = (struct fetch_body){ 0 };
	}
}

/* One message at a time until the budget is spent (a local Maildir pays
 * no round trip, so there is nothing to batch). */
static int
get_each(struct fetch *f, const struct fetch_item *items, size_t n,
	 size_t max, size_t budget, struct fetch_body *out, size_t *got_r,
	 struct err *e)
{
	size_t used = 0;
	for (size_t i = 0; i < n && (i == 0 || used < budget); i++) {
		struct err ge;
		int r = f->drv->get(f, &items[i], max, &out[i].raw,
				    &out[i].len, &ge);
		if (r < 0) {
			fetch_bodies_clear(out, i + 1);
			*e = ge;
			return -1;
		}
		if (r == 0)
			out[i].why = xstrdup(ge.msg);
		used += out[i].len;
		*got_r = i + 1;
	}
	return 1;
}

int
fetch_get_many(struct fetch *f, const struct fetch_item *items, size_t n,
	       size_t max, size_t budget, struct fetch_body *out,
	       size_t *got_r, struct err *e)
{
	*got_r = 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (struct fetch_body){ 0 };
	if (n == 0)
		return 1;
	if (f->drv->get_many == NULL)
		return get_each(f, items, n, max, budget, out, got_r, e);
	int r = f->drv->get_many(f, items, n, max, budget, out, got_r, e);
	if (r != 1) {
		fetch_bodies_clear(out, n);
		*got_r = 0;
	}
	return r;
}

static const char *
folder_or_null(const char *folder)
{
	return folder != NULL && *folder == '\0' ? NULL : folder;
}

int
fetch_dispose(struct fetch *f, const struct fetch_item *it,
	      const char *folder, struct err *e)
{
	return f->drv->dispose(f, it, folder_or_null(folder), e);
}

int
fetch_dispose_many(struct fetch *f, const struct fetch_item *items,
		   size_t n, const char *folder, struct err *e)
{
	folder = folder_or_null(folder);
	if (n == 0)
		return 1;
	if (f->drv->dispose_many != NULL)
		return f->drv->dispose_many(f, items, n, folder, e);
	return fetch_dispose_each(f, items, n, folder, e);
}

int
fetch_dispose_each(struct fetch *f, const struct fetch_item *items,
		   size_t n, const char *folder, struct err *e)
{
	size_t failed = 0;
	struct err first;
	for (size_t i = 0; i < n; i++) {
		struct err de;
		int r = f->drv->dispose(f, &items[i], folder, &de);
		if (r < 0) {
			*e = de;
			return -1;
		}
		if (r == 0 && failed++ == 0)
			first = de;
	}
	if (failed == 0)
		return 1;
	if (failed == 1)
		*e = first;
	else
		err_set(e, "%zu of %zu messages stay: first %s", failed, n,
			first.msg);
	return 0;
}

int
fetch_idle(struct fetch *f, int timeout_s, struct err *e)
{
	return f->drv->idle(f, timeout_s, e);
}

void
fetch_set_wake(struct fetch *f, int fd)
{
	f->wake_fd = fd;
}

void
fetch_close(struct fetch **f)
{
	if (f == NULL || *f == NULL)
		return;
	(*f)->drv->close(*f);
	free((*f)->source);
	free(*f);
	*f = NULL;
}

unsigned
fetch_backoff_next(unsigned prev_s)
{
	if (prev_s == 0)
		return 1;
	if (prev_s >= 150)
		return 300;
	return prev_s * 2;
}

/* ---- imap:// URLs ------------------------------------------------------ */

void
fetch_url_clear(struct fetch_url *u)
{
	free(u->host);
	free(u->hostport);
	free(u->mailbox);
	*u = (struct fetch_url){ 0 };
}

/* Why curl refused the URL, in the operator's terms. */
static const char *
url_refusal(CURLUcode rc)
{
	if (rc == CURLUE_BAD_PORT_NUMBER)
		return "bad port";
	return "malformed: expected imap[s]://host[:port][/mailbox], the "
	       "port 1-65535, spaces and other special characters in the "
	       "mailbox percent-escaped (%20)";
}

/* The parts curl took apart, checked and copied into u. 0 or -1. */
static int
url_take(CURLU *h, const char *url, struct fetch_url *u, struct err *e)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL,
	     *zone = NULL, *part = NULL;
	int ret = -1;
	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "imap") != 0 && strcmp(scheme, "imaps") != 0))
		err_set(e, "%s: expected imap://host[:port][/mailbox] or "
			"imaps://...", url);
	else if (curl_url_get(h, CURLUPART_USER, &part, 0) == CURLUE_OK)
		err_set(e, "%s: no user name or password in the URL: they go "
			"in username and password_file", url);
	else if (curl_url_get(h, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
		 curl_url_get(h, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK)
		err_set(e, "%s: '?' and '#' in a mailbox name go "
			"percent-escaped (%%3F, %%23)", url);
	else if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
		 *host == '\0' || strcmp(host, "[]") == 0)
		err_set(e, "%s: no host", url);
	else if (curl_url_get(h, CURLUPART_PATH, &path,
				CURLU_URLDECODE) != CURLUE_OK)
		err_set(e, "%s: mailbox: bad percent-escape", url);
	else
		ret = 0;
	if (ret == 0) {
		u->tls = strcmp(scheme, "imaps") == 0;
		u->port = u->tls ? 993 : 143;
		if (curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
			char *end;
			unsigned long p = strtoul(port, &end, 10);
			if (*end != '\0' || p < 1 || p > 65535) {
				err_set(e, "%s: bad port", url);
				ret = -1;
			}
			u->port = (uint16_t)p;
		}
	}
	if (ret == 0) {
		/* curl keeps an IPv6 literal in brackets: the brackets stay
		 * in what people read, the address alone goes to connect() */
		size_t hl = strlen(host);
		int v6 = host[0] == '[' && host[hl - 1] == ']';
		char *bare = v6 ? xstrndup(host + 1, hl - 2) : xstrdup(host);
		if (curl_url_get(h, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK) {
			u->host = xasprintf("%s%%%s", bare, zone);
			free(bare);
		} else
			u->host = bare;
		u->hostport = v6 ? xasprintf("[%s]:%u", u->host, u->port)
				 : xasprintf("%s:%u", u->host, u->port);
		if (path[0] == '/' && path[1] != '\0')
			u->mailbox = xstrdup(path + 1);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(zone);
	curl_free(part);
	return ret;
}

int
fetch_url_parse(const char *url, struct fetch_url *u, struct err *e)
{
	*u = (struct fetch_url){ 0 };
	CURLU *h = curl_url();
	if (h == NULL)
		abort();	/* out of memory, as xmalloc */
	/* PATH_AS_IS: a mailbox called "a/../b" is a name, not a path to
	 * normalise; NON_SUPPORT_SCHEME: the scheme is checked here, not
	 * against the protocols this libcurl was built with */
	CURLUcode rc = curl_url_set(h, CURLUPART_URL, url,
				    CURLU_NON_SUPPORT_SCHEME |
				    CURLU_PATH_AS_IS);
	const char *slashes = strstr(url, "://");
	int r = -1;
	if (slashes != NULL && slashes[3] == '/')
		/* curl reads imap:///INBOX as the host "INBOX" */
		err_set(e, "%s: no host", url);
	else if (rc != CURLUE_OK)
		err_set(e, "%s: %s", url, url_refusal(rc));
	else
		r = url_take(h, url, u, e);
	curl_url_cleanup(h);
	if (r < 0)
		fetch_url_clear(u);
	return r;
}

/* ---- modified UTF-7 (RFC 3501 5.1.3) ----------------------------------- */

static const char mutf7_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Printable US-ASCII stands for itself ('&' as "&-"); everything else
 * goes base64-encoded as UTF-16 between '&' and '-'. */
static int
mutf7_direct(unsigned long c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* The code point at s[*i], advancing *i; -1 for malformed UTF-8: a bad
 * or missing continuation byte (the terminating NUL is one), an overlong
 * form, a surrogate, or past U+10FFFF. */
static long
utf8_next(const unsigned char *s, size_t *i)
{
	unsigned c = s[*i];
	int n;
	long cp, min;
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3, cp = c & 0x07, min = 0x10000;
	} else
		return -1;
	for (int k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[*i + k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += (size_t)n + 1;
	return cp;
}

static size_t
utf8_put(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* One run of non-direct characters from s[*i] as "&base64-" at out;
 * the length written, or 0 for malformed UTF-8. */
static size_t
mutf7_run(const unsigned char *s, size_t *i, char *out)
{
	unsigned long bits = 0;
	int nbits = 0;
	size_t o = 0;
	out[o++] = '&';
	while (s[*i] != '\0' && !mutf7_direct(s[*i])) {
		long cp = utf8_next(s, i);
		if (cp < 0)
			return 0;
		unsigned long units[2] = { (unsigned long)cp, 0 };
		int nu = 1;
		if (cp >= 0x10000) {	/* a surrogate pair */
			units[0] = 0xd800 | (unsigned long)(cp - 0x10000) >> 10;
			units[1] = 0xdc00 | ((unsigned long)cp & 0x3ff);
			nu = 2;
		}
		for (int k = 0; k < nu; k++) {
			bits = bits << 16 | units[k];
			nbits += 16;
			while (nbits >= 6) {
				nbits -= 6;
				out[o++] = mutf7_b64[bits >> nbits & 0x3f];
			}
			bits &= (1UL << nbits) - 1;
		}
	}
	if (nbits > 0)
		out[o++] = mutf7_b64[bits << (6 - nbits) & 0x3f];
	out[o++] = '-';
	return o;
}

char *
fetch_mutf7_encode(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	/* worst case: a lone control character, 1 byte -> "&AAE-" */
	char *out = xmalloc(5 * strlen(utf8) + 1);
	size_t i = 0, o = 0;
	while (s[i] != '\0') {
		if (mutf7_direct(s[i])) {
			out[o++] = (char)s[i];
			if (s[i++] == '&')
				out[o++] = '-';
			continue;
		}
		size_t n = mutf7_run(s, &i, out + o);
		if (n == 0) {
			free(out);
			return NULL;
		}
		o += n;
	}
	out[o] = '\0';
	return out;
}

/* The base64 run after a '&' at w[*i] (not "&-") into out as UTF-8,
 * through its closing '-'; the bytes written, or -1 when malformed. */
static long
mutf7_unrun(const char *w, size_t *i, char *out)
{
	unsigned long bits = 0, hi = 0;
	int nbits = 0;
	size_t o = 0, units = 0;
	for (; w[*i] != '\0'; (*i)++) {
		const char *p = strchr(mutf7_b64, w[*i]);
		if (p == NULL)
			break;
		bits = bits << 6 | (unsigned long)(p - mutf7_b64);
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		unsigned long u = bits >> nbits & 0xffff;
		bits &= (1UL << nbits) - 1;
		units++;
		if (hi != 0) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;
			o += utf8_put(out + o, 0x10000 + ((hi - 0xd800) << 10) +
						   (u - 0xdc00));
			hi = 0;
		} else if (u >= 0xd800 && u <= 0xdbff)
			hi = u;
		else if ((u >= 0xdc00 && u <= 0xdfff) || mutf7_direct(u))
			return -1;	/* a lone low half; encoded ASCII */
		else
			o += utf8_put(out + o, u);
	}
	/* leftover bits: fewer than 6, all zero; nothing cut in half */
	if (w[*i] != '-' || units == 0 || hi != 0 || nbits >= 6 || bits != 0)
		return -1;
	(*i)++;
	return (long)o;
}

char *
fetch_mutf7_decode(const char *wire)
{
	/* UTF-8 is never longer than its modified UTF-7 form */
	char *out = xmalloc(strlen(wire) + 1);
	size_t i = 0, o = 0;
	while (wire[i] != '\0') {
		unsigned char c = (unsigned char)wire[i++];
		long n = 1;
		if (c == '&' && wire[i] == '-') {
			out[o] = '&';
			i++;
		} else if (c == '&')
			n = mutf7_unrun(wire, &i, out + o);
		else if (mutf7_direct(c))
			out[o] = (char)c;
		else
			n = -1;
		if (n < 0) {
			free(out);
			return NULL;
		}
		o += (size_t)n;
	}
	out[o] = '\0';
	return out;
}
