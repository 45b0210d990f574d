/*
 * tfix.h -- the fixture the store-backed unit tests share: enter the
 * source tree (error texts name files relative to it), a fresh temporary
 * directory with a store in it, and its removal. The store's own tests
 * (test_store.c, test_outbox.c) take it whole as a struct tfix, with the
 * SQL helpers they check the file with.
 *
 * Use:     tfix_open("test_report", f->dir, &f->s)   in setup
 *          tfix_close(f->dir, &f->s)                 in teardown
 *          tfix_setup(state, "test_store")  a struct tfix into *state
 *          tfix_teardown(state)             as the cmocka teardown
 *          TFIX_OK(f, call)                 call must return 0
 *          tfix_sql_int(f, fmt, ...)        one integer the file holds
 *          tfix_path_int(path, sql), tfix_path_text(path, sql)  the same
 *                                           of any store file (text: the
 *                                           caller frees; NULL if no row)
 *          tfix_old_store(path, n, sql)     an older release's file, opened
 *          tfix_sql_expect(path, q, want, n)  each query's integer
 *          tfix_campaign_cfg(cfg, dir)      config paths for campaign files
 * Owns:    nothing beyond the store handle it opens (tfix_close and
 *          tfix_teardown free it) and the directory (they remove it);
 *          tfix_setup's struct tfix is freed by tfix_teardown, the
 *          handle tfix_old_store returns by the caller (store_free).
 * Errors:  tfix_open and tfix_setup print the reason and return -1; the
 *          others fail the running test (cmocka) instead of returning.
 */
#ifndef ANKETA_TFIX_H
#define ANKETA_TFIX_H

#include <stddef.h>

#include "store/store.h"

#define TFIX_DIR_MAX 64

int tfix_open(const char *name, char dir[TFIX_DIR_MAX], struct store **s_r);
void tfix_close(const char *dir, struct store **s);

/* A store at path (DIR/anketa.db), open as s; e for the calls on it. */
struct tfix {
	char dir[TFIX_DIR_MAX];
	char path[128];
	struct store *s;
	struct err e;
};

int tfix_setup(void **state, const char *name);
int tfix_teardown(void **state);

/* Fail the test naming the call and f->e unless call returns 0. */
#define TFIX_OK(f, call)                                            \
	do {                                                        \
		if ((call) != 0)                                    \
			fail_msg("%s: %s", #call, (f)->e.msg);      \
	} while (0)

/* The integer the first row of the SQL (a printf format) holds, read on
 * a connection of its own, which sees only what is committed; -1 when
 * there is no row. SQL that does not compile fails the test. */
long long tfix_sql_int(const struct tfix *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

long long tfix_path_int(const char *path, const char *sql);
char *tfix_path_text(const char *path, const char *sql);

/* Write a store file at path as the release with the first nmig
 * migrations left it (foreign keys on), with sql run in it; then open
 * it, which migrates it. Returns that handle, at the newest schema. */
struct store *tfix_old_store(const char *path, size_t nmig,
			     const char *sql);

/* Each of the n queries gives one row whose integer is want[i]. */
void tfix_sql_expect(const char *path, const char *const q[],
		     const int want[], size_t n);

struct config;
/* cfg's paths for campaign files in dir: templates DIR/templates with an
 * empty set "survey" made there, the source tree's surveys and schema.
 * tfix_campaign_cfg_free frees them. -1 if the directories cannot be
 * made. */
int tfix_campaign_cfg(struct config *cfg, const char *dir);
void tfix_campaign_cfg_free(struct config *cfg);
/* A hand-built cfg's strings: the paths above and the sending identity
 * (from_address, from_name, reply_to, return_path, message_id_domain,
 * smtp.url); each may be NULL. */
void tfix_cfg_free(struct config *cfg);

#endif
