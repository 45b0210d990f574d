/* tfix.c -- see tfix.h. */
#include "tfix.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/xmem.h"

int
tfix_open(const char *name, char dir[TFIX_DIR_MAX], struct store **s_r)
{
	const char *src = getenv("ANKETA_SRCDIR");
	struct err e;
	char *db;
	int rc;

	if (chdir(src ? src : ".") != 0) {
		print_error("%s: cannot enter the source tree\n", name);
		return -1;
	}
	snprintf(dir, TFIX_DIR_MAX, "/tmp/%s.XXXXXX", name);
	if (mkdtemp(dir) == NULL) {
		print_error("%s: cannot make a temporary directory\n", name);
		return -1;
	}
	db = xasprintf("%s/anketa.db", dir);
	rc = store_open(db, s_r, &e);
	free(db);
	if (rc < 0)
		print_error("%s\n", e.msg);
	return rc < 0 ? -1 : 0;
}

void
tfix_close(const char *dir, struct store **s)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	store_free(s);
	if (system(cmd) != 0)
		print_error("could not remove %s\n", dir);
	free(cmd);
}
