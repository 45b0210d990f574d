/*
 * ingest_worker.h -- the parse worker of ingest: a forked process that
 * does all the work on a message's bytes, in two stages, and answers with
 * a packed struct ingest_result, so a crash, a hang or a memory blow-up
 * on hostile mail costs that message, never the run. Part of ingest;
 * never touches the store.
 *   Stage 1 (a job with raw bytes): parse and classify; the keys that
 *   find the delivery, and the whole text.
 *   Stage 2 (a job with read = 1, raw = ingest_read_pack of what the
 *   parent found: the text, the delivery's fingerprint, the
 *   questionnaire): the quote split (fprint_split first, quote_split
 *   when there is no fingerprint or it finds nothing) and answers_extract.
 *
 * Use:     ingest_worker_parse(&w, cfg, raw, len, &r, why, sizeof why)
 *          ingest_worker_parse_many(&w, cfg, jobs, n)   a batch, streamed
 *          ingest_read_pack(&req, &buf)   a stage 2 job's bytes
 *          (starts the worker on first use, restarts it after a death)
 *          ingest_worker_free(&w)   closes the pipe, reaps the process
 * Owns:    the worker process and its socket; r's strings are the
 *          caller's (ingest_result_clear).
 * Errors:  1 parsed (r filled, r.parsed may be 0: unreadable), 0 the
 *          worker died, hung past INGEST_PARSE_TIMEOUT_S, ran out of
 *          memory or answered garbage: why says which ("killed by signal
 *          6 (Aborted)", "out of memory: ..."). The worker's memory is
 *          capped (RLIMIT_AS) at its size at start plus 64 x
 *          max_message_bytes + 64 MB; in a sanitizer build, whose shadow
 *          memory RLIMIT_AS cannot allow for, xmem caps its heap instead.
 *          In a batch each job says so itself; the worker answers in
 *          order, so a death is charged to the first unanswered job and
 *          a new worker takes the jobs after it.
 * Events:  none; blocking with a poll() deadline.
 * Config:  max_message_bytes (parse and memory limit), reply_to,
 *          return_path, from_address, message_id_domain (classify).
 * Tests:   tests/unit/test_ingest.c, tests/integration/fetch.sh (poison),
 *          tests/integration/errors.sh (memory).
 * Test hooks (read by the worker): ANKETA_TEST_CRASH_MSGID=ID aborts,
 *          ANKETA_TEST_HANG_MSGID=ID spins and ANKETA_TEST_ALLOC_MSGID=ID
 *          allocates until the memory limit stops it (1 GB at most), on
 *          the message whose Message-ID (without <>) is ID;
 *          ANKETA_TEST_CRASH_READ=TEXT aborts stage 2 of a message whose
 *          text contains TEXT.
 */
#ifndef ANKETA_INGEST_WORKER_H
#define ANKETA_INGEST_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/config.h"
#include "receive/ingest.h"

struct ingest_worker;

int ingest_worker_parse(struct ingest_worker **w, const struct config *cfg,
			const char *raw, size_t len, struct ingest_result *r,
			char *why, size_t why_size);
/* One message of a batch: raw/len in (borrowed); ok, r, why out. */
struct ingest_worker_job {
	const char *raw;
	size_t len;
	int read;		/* raw is an ingest_read_pack request */
	int ok;
	struct ingest_result r;	/* ok: the caller's (ingest_result_clear) */
	char why[512];		/* !ok: why */
};
/* Parse jobs[0..n) with requests streamed ahead of the answers.
 * 1 every job ok, 0 some not. */
int ingest_worker_parse_many(struct ingest_worker **w,
			     const struct config *cfg,
			     struct ingest_worker_job *jobs, size_t n);
void ingest_worker_free(struct ingest_worker **w);

/* What stage 2 reads a message with (borrowed). */
struct ingest_read_req {
	const char *text;		/* stage 1's r.text */
	const unsigned char *fprint;	/* the delivery's, or NULL */
	size_t fprint_len;
	int64_t form_id;		/* questionnaire row; 0: none */
	const char *form_xml;		/* its XML when form_id > 0 */
};
/* The request as a stage 2 job's raw bytes; -1 if out's cap is hit. */
int ingest_read_pack(const struct ingest_read_req *q, struct buf *out);

#endif
