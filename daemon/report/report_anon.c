/*
 * report_anon.c -- what the report's formats share for cross-tabulation
 * and publication (report_private.h): the municipality key, the
 * cross-tables of a closed question by country and by municipality, the
 * k-anonymity rule and the masking of personal data in free text.
 */
#include "report/report_private.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

/* The one place the municipality key is read: the canonical town key of
 * the meetings issue replaces it here. */
const char *
report_town(const struct report_contact *c)
{
	return c->municipality;
}

int
report_hide(const struct report *r, long n)
{
	return r->opt.anonymise && n > 0 && n < r->opt.k;
}

int
report_closed(const struct survey_question *q)
{
	return q->type == SURVEY_YESNO || q->type == SURVEY_SINGLE ||
	       q->type == SURVEY_MULTI || q->type == SURVEY_DATE;
}

int
report_text_shown(const struct report *r, const struct survey_question *q)
{
	return !r->opt.anonymise || q->publishable;
}

/* ---- cross-tables ------------------------------------------------------ */

static const char *
group_of(const struct report_contact *c, enum report_by by)
{
	const char *g = by == REPORT_BY_COUNTRY ? c->country : report_town(c);

	return g && *g ? g : "?";
}

struct keyed {
	const char *key;
	size_t i;
};

static int
keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Does answer v choose option id (a multi answer: one of its list)? */
static int
chooses(const char *v, const char *id, int multi)
{
	size_t n = strlen(id);

	if (!multi)
		return strcmp(v, id) == 0;
	while (*v) {
		size_t m = strcspn(v, ",");

		if (m == n && strncmp(v, id, n) == 0)
			return 1;
		v += m + (v[m] == ',');
	}
	return 0;
}

void
report_xtab_init(struct report_xtab *x, const struct report *r,
		 const struct report_qstat *st, size_t qi, enum report_by by)
{
	struct keyed *k = xcalloc(r->n + 1, sizeof(*k));
	size_t n = 0;

	memset(x, 0, sizeof(*x));
	x->nopt = st->nopt;
	for (size_t i = 0; i < r->n; i++)
		if (r->c[i].ans && r->c[i].ans[qi] && *r->c[i].ans[qi])
			k[n++] = (struct keyed){ group_of(&r->c[i], by), i };
	qsort(k, n, sizeof(*k), keyed_cmp);
	x->group = xcalloc(n + 1, sizeof(*x->group));
	x->resp = xcalloc(n + 1, sizeof(*x->resp));
	x->cell = xcalloc((n + 1) * (x->nopt + 1), sizeof(*x->cell));
	for (size_t i = 0; i < n; i++) {
		const char *v = r->c[k[i].i].ans[qi];
		long *row;

		if (x->n == 0 || strcmp(x->group[x->n - 1], k[i].key) != 0)
			x->group[x->n++] = k[i].key;
		x->resp[x->n - 1]++;
		row = x->cell + (x->n - 1) * x->nopt;
		for (size_t o = 0; o < x->nopt; o++)
			row[o] += chooses(v, st->optid[o],
					  st->q->type == SURVEY_MULTI);
	}
	free(k);
}

void
report_xtab_free(struct report_xtab *x)
{
	free(x->group);
	free(x->resp);
	free(x->cell);
}

unsigned char *
report_town_shared(const struct report *r)
{
	struct keyed *k = xcalloc(r->n + 1, sizeof(*k));
	unsigned char *ok = xcalloc(r->n + 1, 1);

	for (size_t i = 0; i < r->n; i++)
		k[i] = (struct keyed){ report_town(&r->c[i]), i };
	qsort(k, r->n, sizeof(*k), keyed_cmp);
	for (size_t i = 0, j; i < r->n; i = j) {
		for (j = i; j < r->n && strcmp(k[j].key, k[i].key) == 0; j++)
			;
		for (size_t m = i; m < j; m++)
			ok[k[m].i] = !r->opt.anonymise ||
				     (long)(j - i) >= r->opt.k;
	}
	free(k);
	return ok;
}

/* ---- masking ----------------------------------------------------------- */

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names (two characters or more) and addresses of the roster, sorted. */
static void
mask_words(struct report *r)
{
	size_t n = 0;

	if (r->mask)
		return;
	r->mask = xcalloc(2 * r->n + 1, sizeof(*r->mask));
	for (size_t i = 0; i < r->n; i++) {
		if (strlen(r->c[i].name) >= 2)
			r->mask[n++] = r->c[i].name;
		if (*r->c[i].email)
			r->mask[n++] = r->c[i].email;
	}
	qsort(r->mask, n, sizeof(*r->mask), str_cmp);
	r->nmask = n;
}

static int
word_end(char c)
{
	return c == '\0' || strchr(" \t\n\r.,;:!?)\"'>", c) != NULL;
}

/* Bytes of the longest masked name or address at p, or 0. Candidates
 * share p's first word: they sort together from its lower bound. */
static size_t
name_at(const struct report *r, const char *p)
{
	size_t w = 0, lo = 0, hi = r->nmask, best = 0;

	while (p[w] && !strchr(" \t\n\r,;:!?)\"'>", p[w]))
		w++;		/* a@b.org is one word, its dots inside */
	while (w > 0 && p[w - 1] == '.')
		w--;
	if (w == 0)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strncmp(r->mask[mid], p, w) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->nmask && strncmp(r->mask[lo], p, w) == 0; lo++) {
		size_t n = strlen(r->mask[lo]);

		if (n > best && strncmp(r->mask[lo], p, n) == 0 &&
		    word_end(p[n]))
			best = n;
	}
	return best;
}

/* Bytes of a telephone number at p: digits, spaces and + ( ) / . -
 * with seven digits or more, ending on a digit; else 0. */
static size_t
phone_at(const char *p)
{
	size_t i = 0, end = 0, digits = 0;

	if (!(*p == '+' || (*p >= '0' && *p <= '9')))
		return 0;
	for (; p[i] && strchr("0123456789 +()/.-", p[i]); i++)
		if (p[i] >= '0' && p[i] <= '9') {
			digits++;
			end = i + 1;
		}
	return digits >= 7 ? end : 0;
}

void
report_mask(struct report *r, const char *text, struct buf *out)
{
	int start = 1;

	mask_words(r);
	buf_reset(out);
	while (*text) {
		size_t n = start ? name_at(r, text) : 0;

		if (n == 0 && start)
			n = phone_at(text);
		if (n > 0) {
			buf_adds(out, "[removed]");
			text += n;
			start = 0;
			continue;
		}
		start = word_end(*text) || *text == '(';
		buf_addc(out, *text++);
	}
}
