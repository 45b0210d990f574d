/*
 * tfix.h -- the fixture the store-backed unit tests share: enter the
 * source tree (error texts name files relative to it), a fresh temporary
 * directory with a store in it, and its removal.
 *
 * Use:     tfix_open("test_report", f->dir, &f->s)   in setup
 *          tfix_close(f->dir, &f->s)                 in teardown
 * Owns:    nothing beyond the store handle it opens (tfix_close frees it)
 *          and the directory (tfix_close removes it).
 * Errors:  tfix_open prints the reason and returns -1.
 */
#ifndef ANKETA_TFIX_H
#define ANKETA_TFIX_H

#include "store/store.h"

#define TFIX_DIR_MAX 64

int tfix_open(const char *name, char dir[TFIX_DIR_MAX], struct store **s_r);
void tfix_close(const char *dir, struct store **s);

#endif
