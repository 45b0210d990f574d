/*
 * submit_maildir.c -- the Maildir transport: "sends" a message by saving
 * it into a Maildir, so a demo or a test can look at what would have gone
 * out and answer it without any mail server.
 *
 * Spec: cr.yp.to/proto/maildir.html -- write into tmp/ under a unique
 * name, fsync, then rename into new/; a reader never sees half a file.
 * Two lines are prepended, as a delivery agent would: Return-Path with
 * the envelope sender and Delivered-To with the recipient (the demo
 * reads the latter to know whom a message was for).
 */
#include "send/submit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/xmem.h"

struct submit_maildir {
	char *path;
	char host[128];
	unsigned long seq;	/* per process: part of the unique name */
};

/* mkdir that accepts an existing directory. */
static int mkdir_ok(const char *dir, struct err *e)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	err_set(e, "maildir:%s: %s", dir, strerror(errno));
	return -1;
}

int submit_maildir_open(const char *path, struct submit_maildir **m_r,
			struct err *e)
{
	static const char *const sub[] = { "", "/tmp", "/new", "/cur" };
	char dir[4096];
	size_t i, k;

	if (path[0] == '\0') {
		err_set(e, "smtp url: maildir: needs a path (maildir:PATH)");
		return -1;
	}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(dir, sizeof(dir), "%s%s", path, sub[i]);
		if (mkdir_ok(dir, e) != 0)
			return -1;
	}
	struct submit_maildir *m = xcalloc(1, sizeof(*m));

	m->path = xstrdup(path);
	if (gethostname(m->host, sizeof(m->host) - 1) != 0)
		snprintf(m->host, sizeof(m->host), "localhost");
	/* '/' and ':' would break the name (Maildir spec: \057, \072) */
	for (k = 0; m->host[k] != '\0'; k++)
		if (m->host[k] == '/' || m->host[k] == ':')
			m->host[k] = '_';
	*m_r = m;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write header lines and message into an open tmp file, then fsync. */
static int write_message(int fd, const char *env_from, const char *rcpt,
			 const char *data, size_t len)
{
	char *head = xasprintf("Return-Path: <%s>\r\nDelivered-To: %s\r\n",
			       env_from, rcpt);
	int rc = write_all(fd, head, strlen(head));

	free(head);
	if (rc == 0)
		rc = write_all(fd, data, len);
	if (rc == 0)
		rc = fsync(fd);
	return rc;
}

int submit_maildir_put(struct submit_maildir *m, const char *env_from,
		       const char *rcpt, const char *data, size_t len,
		       char **name_r, struct err *e)
{
	struct timeval tv;
	char *name, *tmp, *dst;
	int fd, rc = -1;

	gettimeofday(&tv, NULL);
	name = xasprintf("%lld.M%ldP%ldQ%lu.%s", (long long)tv.tv_sec,
			 (long)tv.tv_usec, (long)getpid(), ++m->seq, m->host);
	tmp = xasprintf("%s/tmp/%s", m->path, name);
	dst = xasprintf("%s/new/%s", m->path, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set(e, "maildir:%s: %s", tmp, strerror(errno));
	} else if (write_message(fd, env_from, rcpt, data, len) != 0) {
		err_set(e, "maildir:%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
	} else if (close(fd) != 0 || rename(tmp, dst) != 0) {
		err_set(e, "maildir:%s: %s", dst, strerror(errno));
		unlink(tmp);
	} else {
		rc = 0;
	}
	free(tmp);
	free(dst);
	if (rc == 0)
		*name_r = name;
	else
		free(name);
	return rc;
}

void submit_maildir_free(struct submit_maildir **mp)
{
	if (*mp == NULL)
		return;
	free((*mp)->path);
	free(*mp);
	*mp = NULL;
}
