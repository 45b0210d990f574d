/* tfix.c -- see tfix.h. */
#include "tfix.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/config.h"
#include "base/xmem.h"
#include "store/store_private.h"	/* store_migrations: older files */
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

int
tfix_setup(void **state, const char *name)
{
	struct tfix *f = xcalloc(1, sizeof(*f));

	if (tfix_open(name, f->dir, &f->s) < 0) {
		free(f);
		return -1;
	}
	/* the file tfix_open opened */
	snprintf(f->path, sizeof(f->path), "%s/anketa.db", f->dir);
	*state = f;
	return 0;
}

int
tfix_teardown(void **state)
{
	struct tfix *f = *state;

	tfix_close(f->dir, &f->s);
	assert_null(f->s);
	free(f);
	return 0;
}

/* The first row's first column of sql, read on a connection of its own;
 * fn takes it from the statement (NULL: no row). */
static void
tfix_sql_row(const char *path, const char *sql,
	     void (*fn)(sqlite3_stmt *st, void *v), void *v)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		fn(st, v);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
tfix_take_int(sqlite3_stmt *st, void *v)
{
	*(long long *)v = sqlite3_column_int64(st, 0);
}

static void
tfix_take_text(sqlite3_stmt *st, void *v)
{
	const unsigned char *t = sqlite3_column_text(st, 0);

	*(char **)v = t ? xstrdup((const char *)t) : NULL;
}

long long
tfix_path_int(const char *path, const char *sql)
{
	long long v = -1;

	tfix_sql_row(path, sql, tfix_take_int, &v);
	return v;
}

char *
tfix_path_text(const char *path, const char *sql)
{
	char *v = NULL;

	tfix_sql_row(path, sql, tfix_take_text, &v);
	return v;
}

long long
tfix_sql_int(const struct tfix *f, const char *fmt, ...)
{
	char sql[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return tfix_path_int(f->path, sql);
}

struct store *
tfix_old_store(const char *path, size_t nmig, const char *sql)
{
	struct store *s = NULL;
	struct err e;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL,
				      NULL, NULL), SQLITE_OK);
	for (size_t v = 0; v < nmig; v++)
		assert_int_equal(sqlite3_exec(db, store_migrations[v], NULL,
					      NULL, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", path, sqlite3_errmsg(db));
	sqlite3_close(db);

	if (store_open(path, &s, &e) != 0)
		fail_msg("store_open %s: %s", path, e.msg);
	assert_int_equal(store_schema_version(s), (int)store_nmigrations);
	return s;
}

void
tfix_sql_expect(const char *path, const char *const q[], const int want[],
		size_t n)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db, q[i], -1, &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if (sqlite3_column_int(st, 0) != want[i])
			fail_msg("%s: %d, want %d", q[i],
				 sqlite3_column_int(st, 0), want[i]);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

int
tfix_campaign_cfg(struct config *cfg, const char *dir)
{
	char *set;
	int rc;

	cfg->templates_dir = xasprintf("%s/templates", dir);
	cfg->surveys_dir = xstrdup("surveys");
	cfg->schema_path = xstrdup("surveys/survey.rng");
	set = xasprintf("%s/survey", cfg->templates_dir);
	rc = mkdir(cfg->templates_dir, 0700) == 0 && mkdir(set, 0700) == 0 ?
	     0 : -1;
	free(set);
	return rc;
}

void
tfix_campaign_cfg_free(struct config *cfg)
{
	free(cfg->templates_dir);
	free(cfg->surveys_dir);
	free(cfg->schema_path);
}

void
tfix_cfg_free(struct config *cfg)
{
	tfix_campaign_cfg_free(cfg);
	free(cfg->from_address);
	free(cfg->from_name);
	free(cfg->reply_to);
	free(cfg->return_path);
	free(cfg->message_id_domain);
	free(cfg->smtp.url);
}
