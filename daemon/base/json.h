/*
 * json.h -- writes JSON text into a struct buf; escaping is done by
 * construction, so respondents' text can never break the output.
 *
 * Use:     json_str(b, s)  a quoted, escaped string ("null" for NULL)
 *          json_kv_str(b, first, key, s) / json_kv_int / json_kv_num
 * Owns:    nothing; appends to the caller's buffer.
 * Errors:  returns -1 when the buffer's cap is reached, else 0.
 * Events:  none (pure).        Spec: RFC 8259.
 * Tests:   tests/unit/test_util.c
 */
#ifndef ANKETA_JSON_H
#define ANKETA_JSON_H

#include "base/buf.h"

int json_str(struct buf *b, const char *s);
/* ",\"key\":value" (no comma when first is 1) */
int json_kv_str(struct buf *b, int first, const char *key, const char *s);
int json_kv_int(struct buf *b, int first, const char *key, long long v);
int json_kv_num(struct buf *b, int first, const char *key, double v);

#endif
