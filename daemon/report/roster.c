/*
 * roster.c -- see roster.h. The people of the event are read once into
 * memory (an event has tens to hundreds of invitees), given a status,
 * counted per town, and written in the format asked for.
 */
#include "report/roster.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/textcol.h"
#include "base/xmem.h"
#include "store/store_event.h"

enum rstatus { R_ACCEPTED, R_WAITING, R_TENTATIVE, R_DECLINED, R_AGAIN,
	       R_NONE, R_N };
static const char *const rnames[R_N] = {
	"accepted", "waiting", "tentative", "declined", "asked-again",
	"no-answer",
};

struct rperson {
	char *email, *name, *municipality, *town, *partstat, *source;
	int sequence;
	int64_t arrival, order;
	enum rstatus st;
};

struct rtown {
	char *town;
	long n[R_N];
};

struct roster {
	int64_t id, campaign_id;
	char *name, *status, *dtstart, *tzid;
	int sequence;
	long total, per_town;
	struct rperson *p;
	size_t np;
	struct rtown *t;
	size_t nt;
	long n[R_N];
};

static char *
dup0(const char *s)
{
	return xstrdup(s ? s : "");
}

static int
ev_cb(void *arg, const struct store_event *ev)
{
	struct roster *r = arg;

	r->id = ev->id;
	r->campaign_id = ev->campaign_id;
	r->name = dup0(ev->name);
	r->status = dup0(ev->status);
	r->dtstart = dup0(ev->dtstart);
	r->tzid = dup0(ev->tzid);
	r->sequence = ev->sequence;
	r->total = ev->seats_total;
	r->per_town = ev->seats_per_town;
	return 0;
}

static enum rstatus
status_of(const struct roster *r, const struct store_event_person *p)
{
	const char *ps = p->partstat;

	if (ps == NULL)
		return R_NONE;
	if (p->sequence < r->sequence)
		return R_AGAIN;
	if (strcmp(ps, "ACCEPTED") == 0)
		return p->seat && strcmp(p->seat, "waiting") == 0 ? R_WAITING
								   : R_ACCEPTED;
	if (strcmp(ps, "TENTATIVE") == 0)
		return R_TENTATIVE;
	if (strcmp(ps, "DECLINED") == 0 || strcmp(ps, "DELEGATED") == 0)
		return R_DECLINED;
	return R_NONE;
}

static void
count_town(struct roster *r, const char *town, enum rstatus st)
{
	size_t i;

	for (i = 0; i < r->nt; i++)
		if (strcmp(r->t[i].town, town) == 0)
			break;
	if (i == r->nt) {
		r->t = xreallocarray(r->t, r->nt + 1, sizeof(*r->t));
		memset(&r->t[r->nt], 0, sizeof(*r->t));
		r->t[r->nt++].town = xstrdup(town);
	}
	r->t[i].n[st]++;
	r->n[st]++;
}

static int
person_cb(void *arg, const struct store_event_person *sp)
{
	struct roster *r = arg;
	struct rperson *p;

	r->p = xreallocarray(r->p, r->np + 1, sizeof(*r->p));
	p = &r->p[r->np++];
	p->email = dup0(sp->c->email);
	p->name = dup0(sp->c->name);
	p->municipality = dup0(sp->c->municipality);
	p->town = dup0(sp->town_key);
	p->partstat = dup0(sp->partstat);
	p->source = dup0(sp->source);
	p->sequence = sp->sequence;
	p->arrival = sp->arrival;
	p->order = sp->arrival_order;
	p->st = status_of(r, sp);
	count_town(r, p->town, p->st);
	return 0;
}

/* By status; the waiting list in arrival order, the others by town and
 * address. */
static int
person_cmp(const void *pa, const void *pb)
{
	const struct rperson *a = pa, *b = pb;

	if (a->st != b->st)
		return a->st < b->st ? -1 : 1;
	if (a->st == R_WAITING && a->arrival != b->arrival)
		return a->arrival < b->arrival ? -1 : 1;
	if (a->st == R_WAITING && a->order != b->order)
		return a->order < b->order ? -1 : 1;
	if (strcmp(a->town, b->town) != 0)
		return strcmp(a->town, b->town);
	return strcmp(a->email, b->email);
}

static void
roster_free(struct roster *r)
{
	for (size_t i = 0; i < r->np; i++) {
		struct rperson *p = &r->p[i];

		free(p->email), free(p->name), free(p->municipality);
		free(p->town), free(p->partstat), free(p->source);
	}
	for (size_t i = 0; i < r->nt; i++)
		free(r->t[i].town);
	free(r->p), free(r->t);
	free(r->name), free(r->status), free(r->dtstart), free(r->tzid);
}

/* ---- writers --------------------------------------------------------------- */

static void
text_out(const struct roster *r, struct buf *b)
{
	buf_adds(b, "Event ");
	textcol_add(b, r->name, NULL);
	buf_printf(b, " (%s, SEQUENCE %d)", r->status, r->sequence);
	if (*r->dtstart) {
		buf_adds(b, " ");
		textcol_add(b, r->dtstart, NULL);
		buf_adds(b, " ");
		textcol_add(b, r->tzid, NULL);
	}
	buf_printf(b, "\nSeats: %ld in all, %ld per municipality (0: no "
		   "limit)\n\n%-24s", r->total, r->per_town, "TOWN");
	for (int k = 0; k < R_N; k++)
		buf_printf(b, " %11s", rnames[k]);
	for (size_t i = 0; i <= r->nt; i++) {
		const long *n = i < r->nt ? r->t[i].n : r->n;

		buf_adds(b, "\n");
		textcol_pad(b, i < r->nt ? (*r->t[i].town ? r->t[i].town
							  : "(none)")
					 : "TOTAL", 24);
		for (int k = 0; k < R_N; k++)
			buf_printf(b, " %11ld", n[k]);
	}
	buf_adds(b, "\n");
	for (int k = 0; k < R_N; k++) {
		if (r->n[k] == 0)
			continue;
		buf_printf(b, "\n%s (%ld)\n", rnames[k], r->n[k]);
		for (size_t i = 0; i < r->np; i++) {
			if (r->p[i].st != (enum rstatus)k)
				continue;
			buf_adds(b, "  ");
			textcol_pad(b, r->p[i].email, 32);
			buf_adds(b, " ");
			textcol_pad(b, r->p[i].name, 24);
			buf_adds(b, " ");
			textcol_add(b, *r->p[i].town ? r->p[i].town : "-",
				    NULL);
			if (*r->p[i].source)
				buf_printf(b, " (%s)", r->p[i].source);
			buf_adds(b, "\n");
		}
	}
}

static void
csv_out(const struct roster *r, struct buf *b)
{
	static const char *const head[] = {
		"email", "name", "municipality", "town_key", "status",
		"partstat", "sequence", "source",
	};

	for (size_t k = 0; k < 8; k++) {
		if (k)
			buf_addc(b, ',');
		csv_cell(b, head[k]);
	}
	buf_adds(b, "\r\n");
	for (size_t i = 0; i < r->np; i++) {
		const struct rperson *p = &r->p[i];
		const char *v[] = { p->email, p->name, p->municipality,
				    p->town, rnames[p->st], p->partstat };

		for (size_t k = 0; k < 6; k++) {
			if (k)
				buf_addc(b, ',');
			csv_cell(b, v[k]);
		}
		if (*p->partstat)
			buf_printf(b, ",%d,", p->sequence);
		else
			buf_adds(b, ",,");
		csv_cell(b, p->source);
		buf_adds(b, "\r\n");
	}
}

static void
json_counts(struct buf *b, const long n[R_N])
{
	buf_addc(b, '{');
	for (int k = 0; k < R_N; k++)
		json_kv_int(b, k == 0, rnames[k], n[k]);
	buf_addc(b, '}');
}

static void
json_out(const struct roster *r, struct buf *b)
{
	buf_addc(b, '{');
	json_kv_str(b, 1, "event", r->name);
	json_kv_str(b, 0, "status", r->status);
	json_kv_int(b, 0, "sequence", r->sequence);
	json_kv_int(b, 0, "seats_total", r->total);
	json_kv_int(b, 0, "seats_per_municipality", r->per_town);
	buf_adds(b, ",\"counts\":");
	json_counts(b, r->n);
	buf_adds(b, ",\"towns\":[");
	for (size_t i = 0; i < r->nt; i++) {
		buf_adds(b, i ? ",{" : "{");
		json_kv_str(b, 1, "id", r->t[i].town);
		buf_adds(b, ",\"counts\":");
		json_counts(b, r->t[i].n);
		buf_addc(b, '}');
	}
	buf_adds(b, "],\"people\":[");
	for (size_t i = 0; i < r->np; i++) {
		const struct rperson *p = &r->p[i];

		buf_adds(b, i ? ",{" : "{");
		json_kv_str(b, 1, "email", p->email);
		json_kv_str(b, 0, "name", p->name);
		json_kv_str(b, 0, "town", p->town);
		json_kv_str(b, 0, "status", rnames[p->st]);
		json_kv_str(b, 0, "partstat", *p->partstat ? p->partstat
							   : NULL);
		json_kv_str(b, 0, "source", *p->source ? p->source : NULL);
		buf_addc(b, '}');
	}
	buf_adds(b, "]}\n");
}

static void
html_text(struct buf *b, const char *s)
{
	struct buf clean;

	buf_init(&clean, 0);
	textcol_add(&clean, s, NULL);
	for (const char *p = buf_cstr(&clean); *p; p++)
		switch (*p) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *p);
		}
	buf_free(&clean);
}

static void
html_row(struct buf *b, const char *town, const char *key, const long n[R_N])
{
	buf_adds(b, "<tr><th>");
	html_text(b, town);
	buf_adds(b, "</th>");
	for (int k = 0; k < R_N; k++) {
		buf_adds(b, "<td data-key=\"");
		html_text(b, key);
		buf_printf(b, ".%s\">%ld</td>", rnames[k], n[k]);
	}
	buf_adds(b, "</tr>\n");
}

static void
html_out(const struct roster *r, struct buf *b)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
		 "charset=\"utf-8\"/><title>Roster: ");
	html_text(b, r->name);
	buf_adds(b, "</title><style>td,th{padding:2px 8px;text-align:left}"
		 "</style></head><body>\n<h1>Roster: ");
	html_text(b, r->name);
	buf_printf(b, "</h1>\n<p>SEQUENCE <span data-key=\"json.sequence\">"
		   "%d</span></p>\n<table><tr><th>town</th>", r->sequence);
	for (int k = 0; k < R_N; k++)
		buf_printf(b, "<th>%s</th>", rnames[k]);
	buf_adds(b, "</tr>\n");
	for (size_t i = 0; i < r->nt; i++) {
		char *key = xasprintf("json.towns.%s.counts", r->t[i].town);

		html_row(b, *r->t[i].town ? r->t[i].town : "(none)", key,
			 r->t[i].n);
		free(key);
	}
	html_row(b, "TOTAL", "json.counts", r->n);
	buf_adds(b, "</table>\n<table><tr><th>email</th><th>name</th>"
		 "<th>town</th><th>status</th></tr>\n");
	for (size_t i = 0; i < r->np; i++) {
		buf_adds(b, "<tr><td>");
		html_text(b, r->p[i].email);
		buf_adds(b, "</td><td>");
		html_text(b, r->p[i].name);
		buf_adds(b, "</td><td>");
		html_text(b, r->p[i].town);
		buf_printf(b, "</td><td>%s</td></tr>\n", rnames[r->p[i].st]);
	}
	buf_adds(b, "</table>\n</body></html>\n");
}

int
roster_write(struct store *s, const char *event, enum report_format fmt,
	     FILE *out, struct err *e)
{
	struct roster r;
	struct store_event se = { 0 };
	struct buf b;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = store_event_find(s, "name", event, ev_cb, &r, e);
	if (rc == 0)
		err_set(e, "event %s: not in the store", event);
	se.id = r.id;
	se.campaign_id = r.campaign_id;
	if (rc == 1)
		rc = store_event_people_each(s, &se, person_cb, &r, e);
	if (rc != 0) {
		roster_free(&r);
		return -1;
	}
	qsort(r.p, r.np, sizeof(*r.p), person_cmp);
	buf_init(&b, 0);
	switch (fmt) {
	case REPORT_CSV: csv_out(&r, &b); break;
	case REPORT_JSON: json_out(&r, &b); break;
	case REPORT_HTML: html_out(&r, &b); break;
	default: text_out(&r, &b); break;
	}
	if (fwrite(b.data, 1, b.len, out) != b.len || fflush(out) != 0) {
		err_set(e, "roster: write error");
		rc = -1;
	}
	buf_free(&b);
	roster_free(&r);
	return rc;
}
