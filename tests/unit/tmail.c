/*
 * tmail.c -- see tmail.h.
 */
#include "tmail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "inspect.h"
#include "base/xmem.h"
#include "mail/parse.h"

const struct classify_opts tmail_opts = {
	.reply_to = "organiser+{token}@example.org",
	.return_path = "bounces+{token}@example.org",
	.from_address = "organiser@example.org",
	.message_id_domain = "anketa.example.org",
	.authserv_id = "mx.example.org, mx2.example.org",
};

static const struct parse_limits limits = { 10 * 1024 * 1024, 200, 10 };

char *
tmail_path(const char *rel)
{
	const char *top = getenv("ANKETA_SRCDIR");
	return xasprintf("%s/%s", top ? top : ".", rel);
}

char *
tmail_slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *s = xmalloc(cap);
	size_t n;
	while ((n = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			cap *= 2;
			s = xreallocarray(s, cap, 1);
		}
	}
	fclose(f);
	s[len] = '\0';
	*len_r = len;
	return s;
}

int
tmail_tsv_split(char *line, char **f, int max)
{
	int n = 0;
	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		char *tab = strchr(line, '\t');
		if (!tab)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	return n;
}

int
tmail_classify(const char *raw, size_t len, struct classified *c)
{
	struct parsed *p = NULL;
	struct err e;
	if (parse_message(raw, len, &limits, &p, &e) < 0)
		return -1;
	classify_message(p, &tmail_opts, c);
	parse_free(&p);
	return 0;
}

int
tmail_classify_file(const char *rel, struct classified *c)
{
	char *path = tmail_path(rel);
	size_t len;
	char *raw = tmail_slurp(path, &len);
	int rc = raw ? tmail_classify(raw, len, c) : -1;
	free(raw);
	free(path);
	return rc;
}

char *
tmail_inspect(const char *raw, const struct survey *sv)
{
	char path[] = "/tmp/anketa_tmail_inspect_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(raw, f);
	fclose(f);
	struct inspect_opts o = { .json = 1, .copts = tmail_opts,
				  .limits = limits, .survey = sv };
	struct buf out;
	struct err e;
	buf_init(&out, 0);
	int rc = inspect_file(path, &o, &out, &e);
	unlink(path);
	assert_int_equal(rc, 0);
	char *js = xstrdup(buf_cstr(&out));
	buf_free(&out);
	print_message("# %s", js);
	return js;
}
