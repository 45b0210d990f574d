/*
 * ingest_worker_private.h -- shared by ingest_worker.c (the worker process
 * and the requests streamed to it) and ingest_worker_pack.c (the wire
 * format of what goes over the socket); not for other modules.
 *
 * Use:     struct ingest_worker_cursor c = { p, n };
 *          ingest_worker_get_u32(&c, &v); ingest_worker_get_view(&c, &s, &n)
 * Owns:    nothing: a view points into the bytes the cursor reads.
 * Errors:  the getters return 0, or -1 when the bytes are cut short; the
 *          cursor may then have moved, so a caller refuses the whole
 *          message at the first -1.
 * Events:  none (pure).
 * Tests:   tests/unit/test_ingest.c
 */
#ifndef ANKETA_INGEST_WORKER_PRIVATE_H
#define ANKETA_INGEST_WORKER_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "receive/ingest_worker.h"

#define INGEST_PACK_MAGIC 0x414b5232u	/* "AKR2" */
#define INGEST_READ_MAGIC 0x414b5131u	/* "AKQ1": a stage 2 request */
#define INGEST_PACK_MAX (64u << 20)	/* an answer larger than this is
					 * garbage */

/* Bytes being read, front to back. */
struct ingest_worker_cursor {
	const char *p;
	size_t n;
};

int ingest_worker_get_u32(struct ingest_worker_cursor *c, uint32_t *v);
/* A u32-length-prefixed string, pointing into the bytes (not
 * NUL-terminated; may hold NULs: a fingerprint). */
int ingest_worker_get_view(struct ingest_worker_cursor *c, const char **s,
			   size_t *len);

#endif
