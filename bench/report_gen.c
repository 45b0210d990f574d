/*
 * report_gen.c -- bench/report's data: answers for every contact of a
 * campaign already in the store (contacts imported and the campaign added
 * with anketa's own commands), written through store.h as ingest writes
 * them: the invitations planned, claimed, handed over and sent, then one
 * response per contact with an answer to each of the first NQ questions
 * of the stored questionnaire, values drawn by type (options, scales,
 * numbers, free text) from a fixed seed, 10,000 responses a transaction.
 *
 * Usage: report_gen STORE CAMPAIGN SCHEMA [NQ]    (NQ 10)
 * Prints "report_gen: contacts=N answers=M".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/xmem.h"
#include "model/survey.h"
#include "store/store.h"

struct gen {
	struct store *s;
	int64_t cid, qid;
	int64_t *contacts;
	size_t n, cap;
	struct err e;
};

static int
camp_cb(void *arg, const struct store_campaign *c)
{
	struct gen *g = arg;

	g->cid = c->id;
	g->qid = c->questionnaire_id;
	return 0;
}

/* A claimed invitation: handed over and sent, its contact kept. */
static int
sent_cb(void *arg, const struct store_outrow *r)
{
	struct gen *g = arg;
	static const struct store_outcome ok = { STORE_D_SENT, "250 ok", 0,
						 0 };
	char msgid[64];

	snprintf(msgid, sizeof(msgid), "<%lld@bench>", (long long)r->id);
	if (store_outbox_handover(g->s, r->id, msgid, 600, &g->e) != 0 ||
	    store_outbox_complete(g->s, r->id, &ok, &g->e) != 0)
		return -1;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 1024;
		g->contacts = xreallocarray(g->contacts, g->cap,
					    sizeof(*g->contacts));
	}
	g->contacts[g->n++] = r->contact->id;
	return 0;
}

static unsigned long long rng = 88172645463325252ULL;

static unsigned long
next(unsigned long n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned long)(rng % n);
}

/* One value for q into out. */
static void
value(const struct survey_question *q, size_t i, char *out, size_t len)
{
	static const char *const words[] = {
		"Образование", "mediators", "Zdravotní péče", "wijkwerkers",
		"housing", "заетост", "training", "school",
	};
	size_t at = 0;

	switch (q->type) {
	case SURVEY_YESNO:
		snprintf(out, len, "%s", next(3) ? "yes" : "no");
		break;
	case SURVEY_SCALE:
		snprintf(out, len, "%ld", q->min + (long)next(
			 (unsigned long)(q->max - q->min + 1)));
		break;
	case SURVEY_NUMBER:
		snprintf(out, len, "%lu", next(1000) * (next(4) ? 100 : 1));
		break;
	case SURVEY_TEXT:
		snprintf(out, len, "%s %s, %zu", words[next(8)],
			 words[next(8)], i);
		break;
	case SURVEY_MULTI:
		out[0] = '\0';
		for (size_t k = 0; k < q->noptions; k++)
			if (next(3) == 0 || (k + 1 == q->noptions && !at))
				at += (size_t)snprintf(out + at, len - at,
						       "%s%s", at ? "," : "",
						       q->options[k].id);
		break;
	default:
		snprintf(out, len, "%s",
			 q->options[next(q->noptions)].id);
	}
}

static int
answers(struct gen *g, const struct survey *sv, size_t nq, long *n_r)
{
	struct store_answer a[32];
	char vals[32][128];

	for (size_t i = 0; i < g->n; i++) {
		if (i % 10000 == 0 && (i ? store_commit(g->s, &g->e) : 0) +
		    store_begin(g->s, &g->e) < 0)
			return -1;
		for (size_t q = 0; q < nq; q++) {
			value(survey_question(sv, q), i, vals[q], 128);
			a[q].question = survey_question(sv, q)->id;
			a[q].value = vals[q];
		}
		if (store_response_add(g->s, g->cid, g->contacts[i], 0, a, nq,
				       NULL, &g->e) < 0)
			return -1;
		*n_r += (long)nq;
	}
	return store_commit(g->s, &g->e);
}

int
main(int argc, char **argv)
{
	struct gen g = { 0 };
	struct errlist errs = { 0 };
	struct survey *sv = NULL;
	char *xml = NULL;
	long planned, claimed, nans = 0;
	size_t nq;

	if (argc < 4) {
		fprintf(stderr, "usage: report_gen STORE CAMPAIGN SCHEMA "
			"[NQ]\n");
		return 2;
	}
	nq = argc > 4 ? strtoul(argv[4], NULL, 10) : 10;
	if (store_open(argv[1], &g.s, &g.e) < 0 ||
	    store_campaign_find(g.s, argv[2], camp_cb, &g, &g.e) <= 0 ||
	    store_questionnaire_xml(g.s, g.qid, &xml, &g.e) <= 0)
		goto fail;
	if (survey_load_memory(xml, strlen(xml), "stored", argv[3], &sv,
			       &errs) < 0) {
		fprintf(stderr, "report_gen: %s\n", errs.n ? errs.v[0] : "?");
		return 1;
	}
	if (nq > survey_nquestions(sv) || nq > 32)
		nq = survey_nquestions(sv);
	if (store_deliveries_plan(g.s, g.cid, "invite", &planned, &g.e) < 0 ||
	    store_owner_register(g.s, "send", 0, &g.e) < 0)
		goto fail;
	do {
		if (store_begin(g.s, &g.e) < 0 ||
		    store_outbox_claim(g.s, NULL, 1000, 600, sent_cb, &g,
				       &claimed, &g.e) < 0 ||
		    store_commit(g.s, &g.e) < 0)
			goto fail;
	} while (claimed > 0);
	if (answers(&g, sv, nq, &nans) < 0)
		goto fail;
	printf("report_gen: contacts=%zu answers=%ld\n", g.n, nans);
	survey_free(&sv);
	free(xml);
	free(g.contacts);
	store_free(&g.s);
	return 0;
fail:
	fprintf(stderr, "report_gen: %s\n", g.e.msg);
	return 1;
}
