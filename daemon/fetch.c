/*
 * fetch.c -- picks the backend by URL scheme and forwards to it; see
 * fetch.h for the contract and fetch_private.h for the driver table.
 */
#include <stdlib.h>
#include <string.h>

#include "fetch_private.h"
#include "xmem.h"

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

int
fetch_dispose(struct fetch *f, const struct fetch_item *it,
	      const char *folder, struct err *e)
{
	if (folder != NULL && *folder == '\0')
		folder = NULL;
	return f->drv->dispose(f, it, folder, e);
}

int
fetch_idle(struct fetch *f, int timeout_s, struct err *e)
{
	return f->drv->idle(f, timeout_s, e);
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
