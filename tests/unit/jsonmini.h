/*
 * jsonmini.h -- test helper: reads JSON text into a struct tmpl_val tree,
 * so the Mustache spec files can feed tmpl_render directly. Tests only.
 *
 * Use:     v = jsonmini_parse(text, &e) ... tmpl_val_free(&v)
 * Owns:    the returned tree belongs to the caller (tmpl_val_free).
 * Errors:  NULL with e = "offset N: why" on malformed JSON.
 * Events:  none (pure).        Spec: RFC 8259 (numbers as double).
 * Tests:   used by tests/unit/test_tmpl.c.
 */
#ifndef ANKETA_JSONMINI_H
#define ANKETA_JSONMINI_H

#include "base/err.h"
#include "base/tmpl.h"

struct tmpl_val *jsonmini_parse(const char *text, struct err *e);

#endif
