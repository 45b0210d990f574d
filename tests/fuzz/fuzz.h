/*
 * fuzz.h -- helpers shared by the libFuzzer harnesses in tests/fuzz/: find
 * the source tree's data (surveys/, the schema) and turn the fuzzer's
 * bytes into a NUL-terminated string.
 *
 * Use:     fuzz_path(buf, size, "surveys/survey.rng")
 *          s = fuzz_cstr(data, size); ... free(s);
 * Owns:    fuzz_cstr's result is the caller's (free()).
 * Errors:  none: a harness that cannot find its data aborts in
 *          LLVMFuzzerInitialize (a setup error, never a finding).
 * Events:  none.
 * Config:  ANKETA_SRCDIR (top source dir), else FUZZ_SRCDIR given by
 *          scripts/fuzz at build time, else ".".
 * Tests:   scripts/fuzz builds and runs every harness.
 */
#ifndef ANKETA_FUZZ_H
#define ANKETA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

static inline const char *
fuzz_path(char *out, size_t size, const char *rel)
{
	const char *top = getenv("ANKETA_SRCDIR");

	snprintf(out, size, "%s/%s", top && *top ? top : FUZZ_SRCDIR, rel);
	return out;
}

/* The parsers take C strings: an embedded NUL simply ends the text, as it
 * would for a message read into a string. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Touch every byte of a result, so ASan sees a missing terminator. */
static inline size_t
fuzz_touch(const char *s)
{
	return s ? strlen(s) : 0;
}

#endif
