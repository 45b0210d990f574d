/*
 * bounce_dsn.c -- see bounce_private.h: reads an RFC 3464
 * message/delivery-status part, every failed group then every delayed
 * one, Original-Recipient before Final-Recipient. Spec: RFC 3464, 3463.
 */
#include "mail/bounce_private.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmem.h"

/* ---- RFC 3464 message/delivery-status ---------------------------- */


/* Store one unfolded field of a recipient group. */
static void
dsn_field(struct dsn_rcpt *r, const char *name, size_t nlen, const char *v,
	  size_t n)
{
	while (n && isspace((unsigned char)*v))
		v++, n--;
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (nlen == 15 && strncasecmp(name, "Final-Recipient", 15) == 0)
		bounce_addr(v, n, r->final, sizeof(r->final));
	else if (nlen == 18 && strncasecmp(name, "Original-Recipient", 18) == 0)
		bounce_addr(v, n, r->original, sizeof(r->original));
	else if (nlen == 6 && strncasecmp(name, "Action", 6) == 0) {
		bounce_copy(r->action, sizeof(r->action), v, n);
		bounce_lower_str(r->action);
		r->action[strcspn(r->action, " \t(;")] = '\0';
	} else if (nlen == 6 && strncasecmp(name, "Status", 6) == 0) {
		char st[16] = "";	/* copied whole below */
		bounce_find_status(v, v + n, st, sizeof(st));
		memcpy(r->status, st, sizeof(st));
	} else if (nlen == 15 && strncasecmp(name, "Diagnostic-Code", 15) == 0) {
		const char *semi = memchr(v, ';', n);
		if (semi && semi - v < 16) {
			n -= (size_t)(semi + 1 - v);
			v = semi + 1;
			while (n && isspace((unsigned char)*v))
				v++, n--;
		}
		bounce_copy(r->diag, sizeof(r->diag), v, n);
	}
}

static int
dsn_delivered(const struct dsn_rcpt *g)
{
	return strcmp(g->action, "delivered") == 0 ||
	       strcmp(g->action, "relayed") == 0 ||
	       strcmp(g->action, "expanded") == 0 ||
	       (!g->action[0] && g->status[0] == '2');
}

/* Close one recipient group: keep it when it names a recipient. */
static void
dsn_close(struct dsn *d, struct dsn_rcpt *cur)
{
	if (cur->final[0] || cur->original[0]) {
		if (dsn_delivered(cur))
			d->delivered = 1;
		else if (d->n < DSN_MAX)
			d->g[d->n++] = *cur;
	}
	memset(cur, 0, sizeof(*cur));
}

/* Read the recipient groups of a delivery-status body (or of text that
 * holds DSN fields). Returns the number of failed or delayed groups
 * that name a recipient. */
static size_t
dsn_parse(const char *ds, struct dsn *d)
{
	struct dsn_rcpt cur;
	const char *s = ds;

	memset(&cur, 0, sizeof(cur));
	for (;;) {
		const char *eol = strchr(s, '\n');
		const char *end = eol ? eol : s + strlen(s);
		if (bounce_is_space_str(s, (size_t)(end - s))) {
			dsn_close(d, &cur);
		} else if (!isspace((unsigned char)*s)) {
			const char *colon = memchr(s, ':', (size_t)(end - s));
			if (colon) {
				/* a second Final-Recipient without a blank
				 * line between starts another group */
				if (cur.final[0] && colon - s == 15 &&
				    strncasecmp(s, "Final-Recipient", 15) == 0)
					dsn_close(d, &cur);
				/* unfold continuation lines into one value */
				const char *vend = end;
				while (*vend == '\n' && (vend[1] == ' ' ||
							 vend[1] == '\t')) {
					const char *nx = strchr(vend + 1, '\n');
					vend = nx ? nx : vend + 1 + strlen(vend + 1);
				}
				char val[512];
				size_t k = 0;
				for (const char *q = colon + 1; q < vend &&
				     k + 1 < sizeof(val); q++)
					val[k++] = (*q == '\r' || *q == '\n' ||
						    *q == '\t') ? ' ' : *q;
				dsn_field(&cur, s, (size_t)(colon - s), val, k);
				end = vend;
			}
		}
		if (!*end)
			break;
		s = end + 1;
	}
	dsn_close(d, &cur);
	return d->n;
}

/* The groups of the delivery-status part or, when a report lost its
 * MIME boundaries (saved, forwarded or mangled, the whole report then
 * reads as text), of DSN fields in the text itself. */
void
bounce_dsn_read(const struct parsed *p, struct dsn *d)
{
	memset(d, 0, sizeof(*d));
	if (p->delivery_status[0]) {
		dsn_parse(p->delivery_status, d);
		return;
	}
	dsn_parse(p->text, d);
	/* in text, only groups with an Action or Status are DSN fields */
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->g[i].action[0] || d->g[i].status[0])
			d->g[k++] = d->g[i];
	d->n = k;
}

/* Status of a group: its Status field, else a code in its diagnostic
 * (enhanced first, then the SMTP reply code as "c.0.0"). */
static void
group_status(struct dsn_rcpt *g)
{
	if (g->status[0] && strcmp(g->status + 1, ".0.0") != 0)
		return;
	char st[16];
	const char *end = g->diag + strlen(g->diag);
	if (bounce_find_status(g->diag, end, st, sizeof(st)) &&
	    (!g->status[0] || st[0] == g->status[0])) {
		memcpy(g->status, st, sizeof(st));
		return;
	}
	const char *code = bounce_find_reply_code(g->diag, end);
	if (!g->status[0] && code)
		snprintf(g->status, sizeof(g->status), "%c.0.0", *code);
}

/* Every failed group, then every delayed one, into c. 1 when one was
 * added. */
int
bounce_dsn_apply(struct bounce_rd *r, struct dsn *d)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->n; i++) {
			struct dsn_rcpt *g = &d->g[i];
			int delayed = strcmp(g->action, "delayed") == 0 ||
				      (!g->action[0] && g->status[0] == '4');
			if (delayed != pass)
				continue;
			group_status(g);
			/* the address we sent to, not an alias's target */
			const char *a = g->original[0] ? g->original : g->final;
			char *region = xstrndup(r->region,
						(size_t)(r->end - r->region));
			const char *why = g->diag[0] ? g->diag : region;
			enum classify_bclass cl =
				delayed ? CLASSIFY_B_TEMPORARY
					: bounce_class_of(g->status, why);
			free(region);
			if (bounce_add(r->c, a, g->status, cl) &&
			    r->c->nbounces == 1)
				memcpy(r->c->bounce_diag, g->diag,
				       sizeof(r->c->bounce_diag));
		}
	return r->c->nbounces > 0;
}

