/*
 * fetch_maildir.c -- the Maildir backend of fetch.h: lists new/ and cur/,
 * reads a message file, and disposes by renaming into cur/ (flag S) or
 * into a sub-Maildir PATH/.FOLDER (Maildir++ layout, as Dovecot uses).
 * Spec: cr.yp.to/proto/maildir.html; Maildir++ folders; inotify(7).
 *
 * Idle cost. new/ and cur/ are watched with inotify from open on (before
 * the first listing, so nothing arrives unseen). The first listing and
 * one an hour (MD_FULL_S) read new/ and cur/ in full; every other one
 * reads new/ (handled messages leave it) and only the cur/ names that
 * inotify reported since the last listing, leaving out the names this
 * process renamed there itself. A queue overflow, a failed inotify
 * setup or a watch lost makes the next listing full again. So the store
 * still decides what is new (nothing lost, nothing recorded twice), but
 * a pass reads what arrived, not the whole mailbox, and fetch_idle
 * sleeps in poll() until something does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "receive/fetch_private.h"
#include "base/xmem.h"

#define MD_FULL_S 3600	/* a full listing at least this often */
#define MD_POLL_S 60	/* without inotify: a pass this often */

/* A set of names (a handful between two listings). */
struct md_names {
	char **v;
	size_t n, cap;
};

/* A listing: the file each item was found as, "new/NAME" or
 * "cur/NAME:2,FLAGS", indexed by item uid - 1. The watch: inotify fd
 * (-1: none, every listing is full), what arrived in cur/ since the last
 * listing (dirty), and what this process renamed into cur/ (ours). */
struct md {
	char *path;
	char **files;
	size_t nfiles;
	int ino, wd_new, wd_cur;
	int full;		/* the next listing reads cur/ in full */
	time_t last_full;
	struct md_names dirty, ours;
};

/* Append str (taken) to a growing array of strings. */
static void
strv_push(char ***v, size_t *n, size_t *cap, char *str)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = str;
}

static void
names_add(struct md_names *s, const char *name)
{
	strv_push(&s->v, &s->n, &s->cap, xstrdup(name));
}

/* Remove name from s: 1 it was there, 0 not. */
static int
names_take(struct md_names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0) {
			free(s->v[i]);
			s->v[i] = s->v[--s->n];
			return 1;
		}
	return 0;
}

static void
names_clear(struct md_names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct md_names){ 0 };
}

/* Watch new/ and cur/ for arrivals; on any failure no watch (-1), and
 * every listing stays full. */
static void
md_watch(struct md *m)
{
	char *pn = xasprintf("%s/new", m->path);
	char *pc = xasprintf("%s/cur", m->path);
	uint32_t mask = IN_MOVED_TO | IN_CREATE;

	m->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (m->ino >= 0) {
		m->wd_new = inotify_add_watch(m->ino, pn, mask);
		m->wd_cur = inotify_add_watch(m->ino, pc, mask);
		if (m->wd_new < 0 || m->wd_cur < 0) {
			close(m->ino);
			m->ino = -1;
		}
	}
	free(pn);
	free(pc);
}

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
	m->full = 1;
	md_watch(m);
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
	names_clear(&m->dirty);
	names_clear(&m->ours);
	if (m->ino >= 0)
		close(m->ino);
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

static void
md_push(struct md *m, size_t *cap, char *file)
{
	strv_push(&m->files, &m->nfiles, cap, file);
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
		md_push(m, cap, xasprintf("%s/%s", dir, de->d_name));
	}
	closedir(d);
	return 1;
}

/* 1 when the listing already holds a file of this base name. */
static int
md_listed(const struct md *m, const char *name)
{
	size_t blen = md_base_len(name);
	for (size_t i = 0; i < m->nfiles; i++) {
		const char *other = m->files[i] + 4;
		if (md_base_len(other) == blen &&
		    strncmp(other, name, blen) == 0)
			return 1;
	}
	return 0;
}

/* The cur/ names inotify reported that still exist (a name renamed again
 * meanwhile is gone; its new name was reported too), once per message. */
static void
md_scan_dirty(struct md *m, size_t *cap)
{
	for (size_t i = 0; i < m->dirty.n; i++) {
		const char *name = m->dirty.v[i];
		char *p = xasprintf("%s/cur/%s", m->path, name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    !md_listed(m, name))
			md_push(m, cap, xasprintf("cur/%s", name));
		free(p);
	}
}

/* Reads what inotify queued (non-blocking): cur/ arrivals not renamed
 * there by this process go to dirty. 1 something arrived (or the queue
 * overflowed: the next listing is full), 0 nothing that matters. */
static int
md_drain(struct md *m)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t r;
	int any = 0;

	while ((r = read(m->ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + r;) {
			const struct inotify_event *ev = (const void *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & (IN_Q_OVERFLOW | IN_IGNORED)) {
				m->full = any = 1;
				continue;
			}
			if (ev->len == 0 || ev->name[0] == '.' ||
			    (ev->mask & IN_ISDIR))
				continue;
			if (ev->wd == m->wd_new)
				any = 1;
			else if (ev->wd == m->wd_cur &&
				 !names_take(&m->ours, ev->name)) {
				names_add(&m->dirty, ev->name);
				any = 1;
			}
		}
	}
	return any;
}

static int
md_list(struct fetch *f, uint32_t after_uid, struct fetch_item **items_r,
	size_t *n_r, struct err *e)
{
	(void)after_uid;
	struct md *m = f->priv;
	size_t cap = 0, icap = 0;
	time_t now = time(NULL);
	md_forget(m);
	if (m->ino >= 0)
		md_drain(m);
	int full = m->ino < 0 || m->full || now - m->last_full >= MD_FULL_S;
	if (md_scan(m, "new", &cap, e) < 0)
		return -1;
	if (full) {
		if (md_scan(m, "cur", &cap, e) < 0)
			return -1;
		m->full = 0;
		m->last_full = now;
		names_clear(&m->ours);
	} else {
		md_scan_dirty(m, &cap);
	}
	names_clear(&m->dirty);
	log_debug("maildir:%s: %s listing, %zu messages", m->path,
		  full ? "full" : "arrivals", m->nfiles);
	if (m->nfiles > 1)	/* qsort(NULL, 0, ...) is undefined */
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
	} else if (r == 1 && folder == NULL && m->ino >= 0) {
		/* our own rename: its inotify event is no arrival */
		names_add(&m->ours, strrchr(to, '/') + 1);
	}
	free(from);
	free(to);
	free(dir);
	free(flags);
	return r;
}

/* Sleep in poll() on the inotify fd until something arrives (1) or
 * timeout_s passes (0); a signal ends the wait early (0) so SIGTERM is
 * seen at once. Without a watch: sleep (MD_POLL_S at most), 0. */
static int
md_idle(struct fetch *f, int timeout_s, struct err *e)
{
	struct md *m = f->priv;
	(void)e;
	if (timeout_s <= 0)
		timeout_s = 1;
	/* the pass is over: a full listing of a large mailbox is not kept
	 * while we sleep, and its memory goes back to the system */
	md_forget(m);
	malloc_trim(0);
	if (m->ino < 0) {	/* no inotify (limits): poll as before */
		sleep(timeout_s < MD_POLL_S ? (unsigned)timeout_s : MD_POLL_S);
		return 0;
	}
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (md_drain(m))
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = (long)timeout_s * 1000 -
			    ((long)(t.tv_sec - t0.tv_sec) * 1000 +
			     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return 0;
		struct pollfd pfd[2] = { { .fd = m->ino, .events = POLLIN },
					 { .fd = f->wake_fd, .events = POLLIN } };
		int r = poll(pfd, f->wake_fd >= 0 ? 2 : 1, (int)left);
		if ((r < 0 && errno == EINTR) ||
		    (r > 0 && (pfd[1].revents & POLLIN)))
			return 0;	/* asked to stop: the caller looks */
		if (r < 0)
			return m->full = 1, 0;
	}
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
