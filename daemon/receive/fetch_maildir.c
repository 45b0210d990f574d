/*
 * fetch_maildir.c -- the Maildir backend of fetch.h: lists new/ and cur/,
 * reads a message file, and disposes by renaming into cur/ (flag S) or
 * into a sub-Maildir PATH/.FOLDER (Maildir++ layout, as Dovecot uses).
 * Spec: cr.yp.to/proto/maildir.html; Maildir++ folders.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "receive/fetch_private.h"
#include "base/xmem.h"

/* A listing: the file each item was found as, "new/NAME" or
 * "cur/NAME:2,FLAGS", indexed by item uid - 1. */
struct md {
	char *path;
	char **files;
	size_t nfiles;
};

static int
md_open(struct fetch *f, const char *url, const struct config_imap *c,
	struct err *e)
{
	(void)c;
	const char *path = url + strlen("maildir:");
	struct stat st;
	char *sub;
	if (*path == '\0') {
		err_set(e, "%s: no path", url);
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		sub = xasprintf("%s/%s", path, i ? "cur" : "new");
		int bad = stat(sub, &st) != 0 || !S_ISDIR(st.st_mode);
		int saved = errno;
		free(sub);
		if (bad) {
			err_set(e, "%s: not a Maildir (no %s/): %s", url,
				i ? "cur" : "new", strerror(saved));
			return 0;
		}
	}
	struct md *m = xcalloc(1, sizeof(*m));
	m->path = xstrdup(path);
	f->priv = m;
	f->source = xasprintf("maildir:%s", path);
	f->uidvalidity = 0;
	return 1;
}

static void
md_forget(struct md *m)
{
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->files);
	m->files = NULL;
	m->nfiles = 0;
}

static void
md_close(struct fetch *f)
{
	struct md *m = f->priv;
	if (m == NULL)
		return;
	md_forget(m);
	free(m->path);
	free(m);
	f->priv = NULL;
}

/* The stable part of a Maildir file name: up to the info separator. */
static size_t
md_base_len(const char *name)
{
	const char *colon = strchr(name, ':');
	return colon ? (size_t)(colon - name) : strlen(name);
}

static int
cmp_str(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	/* compare by name inside new/ or cur/ so arrival order wins */
	return strcmp(x + 4, y + 4);
}

static int
md_scan(struct md *m, const char *dir, size_t *cap, struct err *e)
{
	char *p = xasprintf("%s/%s", m->path, dir);
	DIR *d = opendir(p);
	if (d == NULL) {
		err_set(e, "maildir:%s: %s", p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (m->nfiles == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			m->files = xreallocarray(m->files, *cap,
						 sizeof(*m->files));
		}
		m->files[m->nfiles++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	return 1;
}

static int
md_list(struct fetch *f, uint32_t after_uid, struct fetch_item **items_r,
	size_t *n_r, struct err *e)
{
	(void)after_uid;
	struct md *m = f->priv;
	size_t cap = 0, icap = 0;
	md_forget(m);
	if (md_scan(m, "new", &cap, e) < 0 || md_scan(m, "cur", &cap, e) < 0)
		return -1;
	if (m->nfiles > 0)
		qsort(m->files, m->nfiles, sizeof(*m->files), cmp_str);
	for (size_t i = 0; i < m->nfiles && i < UINT32_MAX; i++) {
		const char *name = m->files[i] + 4;
		char *key = xasprintf("maildir:%s/%.*s", m->path,
				      (int)md_base_len(name), name);
		fetch_items_push(items_r, n_r, &icap, (uint32_t)(i + 1), key);
	}
	return 1;
}

/* The file an item was listed as, or NULL if the key does not match. */
static const char *
md_file(struct md *m, const struct fetch_item *it)
{
	if (it->uid == 0 || it->uid > m->nfiles)
		return NULL;
	const char *file = m->files[it->uid - 1];
	const char *name = file + 4;
	size_t plen = strlen(m->path), blen = md_base_len(name);
	const char *k = it->key + strlen("maildir:");
	if (strncmp(k, m->path, plen) != 0 || k[plen] != '/' ||
	    strlen(k + plen + 1) != blen || strncmp(k + plen + 1, name, blen))
		return NULL;
	return file;
}

static int
md_get(struct fetch *f, const struct fetch_item *it, size_t max,
       char **raw_r, size_t *len_r, struct err *e)
{
	struct md *m = f->priv;
	const char *file = md_file(m, it);
	if (file == NULL) {
		err_set(e, "%s: not in the current listing", it->key);
		return 0;
	}
	char *p = xasprintf("%s/%s", m->path, file);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	free(p);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		err_set(e, "%s: %s", it->key, strerror(errno));
		if (fd >= 0)
			close(fd);
		return errno == ENOENT ? 0 : -1;
	}
	if (max > 0 && (size_t)st.st_size > max) {
		err_set(e, "%s: message too large (%lld bytes, limit %zu)",
			it->key, (long long)st.st_size, max);
		close(fd);
		return 0;
	}
	struct buf b;
	buf_init(&b, max);
	char chunk[65536];
	ssize_t r;
	while ((r = read(fd, chunk, sizeof(chunk))) > 0) {
		if (buf_add(&b, chunk, (size_t)r) < 0) {
			err_set(e, "%s: message too large (limit %zu)",
				it->key, max);
			buf_free(&b);
			close(fd);
			return 0;
		}
	}
	int saved = errno;
	close(fd);
	if (r < 0) {
		err_set(e, "%s: %s", it->key, strerror(saved));
		buf_free(&b);
		return -1;
	}
	*len_r = b.len;
	buf_adds(&b, "");	/* an empty file still gets a buffer */
	*raw_r = buf_steal(&b);
	return 1;
}

/* Existing flags of a cur/ name plus S, sorted as Maildir wants. */
static char *
md_flags_with_seen(const char *name)
{
	const char *info = strstr(name, ":2,");
	char flags[64] = "";
	size_t n = 0;
	if (info != NULL)
		for (const char *q = info + 3; *q && n < sizeof(flags) - 2;
		     q++)
			if (*q != 'S')
				flags[n++] = *q;
	flags[n++] = 'S';
	flags[n] = '\0';
	/* insertion sort: a handful of letters */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && flags[j - 1] > flags[j]; j--) {
			char t = flags[j];
			flags[j] = flags[j - 1];
			flags[j - 1] = t;
		}
	return xstrdup(flags);
}

static int
md_mkdirs(const char *folder_path, struct err *e)
{
	static const char *const subs[] = { "", "/cur", "/new", "/tmp" };
	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s%s", folder_path, subs[i]);
		int r = mkdir(p, 0700);
		if (r != 0 && errno != EEXIST) {
			err_set(e, "%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

static int
md_dispose(struct fetch *f, const struct fetch_item *it, const char *folder,
	   struct err *e)
{
	struct md *m = f->priv;
	const char *file = md_file(m, it);
	if (file == NULL) {
		err_set(e, "%s: not in the current listing", it->key);
		return 0;
	}
	const char *name = file + 4;
	char *flags = md_flags_with_seen(name);
	char *dir = folder ? xasprintf("%s/.%s", m->path, folder)
			   : xstrdup(m->path);
	int r = 1;
	if (folder && md_mkdirs(dir, e) < 0)
		r = -1;
	char *from = xasprintf("%s/%s", m->path, file);
	char *to = xasprintf("%s/cur/%.*s:2,%s", dir, (int)md_base_len(name),
			     name, flags);
	if (r == 1 && rename(from, to) != 0) {
		err_set(e, "%s: rename to %s: %s", it->key, to,
			strerror(errno));
		r = errno == ENOENT ? 0 : -1;
	}
	free(from);
	free(to);
	free(dir);
	free(flags);
	return r;
}

static int
md_idle(struct fetch *f, int timeout_s, struct err *e)
{
	(void)f;
	(void)e;
	/* no change notification here: poll by sleeping; a signal ends the
	 * sleep early so SIGTERM is seen at once */
	sleep(timeout_s > 0 ? (unsigned)timeout_s : 1);
	return 0;
}

const struct fetch_driver fetch_maildir_driver = {
	.scheme = "maildir",
	.open = md_open,
	.list = md_list,
	.get = md_get,
	.dispose = md_dispose,
	.idle = md_idle,
	.close = md_close,
};
