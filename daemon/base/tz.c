/*
 * tz.c -- UTC offsets of an IANA zone from the system's TZif files.
 *
 * Reads ZONEINFO_DIR/NAME once (RFC 8536): the 64-bit block of a version
 * 2+ file, or the 32-bit block of a version 1 file, keeps only the
 * transitions that change the UTC offset, and parses the footer TZ string
 * so instants past the table (fat files stop in 2037, slim ones earlier)
 * still get the right offset. No TZ, tzset or localtime: the process's own
 * zone never matters.
 */
#include "base/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/xmem.h"

#ifndef ZONEINFO_DIR
#define ZONEINFO_DIR "/usr/share/zoneinfo"
#endif

#define TZ_FILE_MAX (1 << 20)
#define TZ_NAME_MAX 200

/* One footer date rule: day `wday` of week `week` (5 = last) of `month`,
 * at `secs` local time (may be negative or beyond 24 h). */
struct tz_rule {
	int month, week, wday;
	int32_t secs;
};

struct tz {
	char name[TZ_NAME_MAX + 1];
	size_t n;
	int64_t *at;   /* transition instants, ascending */
	int32_t *off;  /* offset from at[i] on */
	int32_t off0;  /* offset before at[0] */
	int has_rule;  /* footer has a DST rule */
	int32_t std_off, dst_off;
	struct tz_rule start, end;
};

/* --- calendar (proleptic Gregorian; H. Hinnant's algorithms) --- */

static int64_t fdiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t tz_days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = fdiv(yy, 400);
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t z, int *y_r, int *m_r, int *d_r)
{
	z += 719468;
	int64_t era = fdiv(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = (int)(yoe + era * 400 + (m <= 2));
	*m_r = m;
	*d_r = d;
}

int tz_weekday(int64_t days)
{
	return (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

int tz_month_days(int y, int m)
{
	static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return md[m - 1] + (m == 2 && leap);
}

/* --- the POSIX TZ footer --- */

static const char *skip_name(const char *s)
{
	if (*s == '<') {
		const char *e = strchr(s, '>');
		return e != NULL && e > s + 1 ? e + 1 : NULL;
	}
	const char *p = s;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] with hh up to 167 (RFC 8536 3.3.1) -> seconds. */
static const char *parse_hms(const char *s, int32_t *secs_r)
{
	int sign = 1;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	int32_t v = 0;
	for (int part = 0; part < 3; part++) {
		if (part > 0 && *s != ':')
			break;
		if (part > 0)
			s++;
		if (*s < '0' || *s > '9')
			return NULL;
		int x = 0;
		while (*s >= '0' && *s <= '9' && x < 1000)
			x = x * 10 + (*s++ - '0');
		if (x > (part == 0 ? 167 : 59))
			return NULL;
		v += x * (part == 0 ? 3600 : part == 1 ? 60 : 1);
	}
	*secs_r = sign * v;
	return s;
}

static const char *parse_num(const char *s, int lo, int hi, int *v_r)
{
	int v = 0;
	if (*s < '0' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9' && v <= hi)
		v = v * 10 + (*s++ - '0');
	if (v < lo || v > hi)
		return NULL;
	*v_r = v;
	return s;
}

/* ",Mm.w.d[/time]": the only date form tzdata's footers use today. */
static const char *parse_rule(const char *s, struct tz_rule *r)
{
	if (*s++ != ',' || *s++ != 'M')
		return NULL;
	if ((s = parse_num(s, 1, 12, &r->month)) == NULL || *s++ != '.')
		return NULL;
	if ((s = parse_num(s, 1, 5, &r->week)) == NULL || *s++ != '.')
		return NULL;
	if ((s = parse_num(s, 0, 6, &r->wday)) == NULL)
		return NULL;
	r->secs = 7200;
	if (*s == '/')
		s = parse_hms(s + 1, &r->secs);
	return s;
}

static int parse_footer(struct tz *tz, const char *s)
{
	int32_t v;
	if (*s == '\0')
		return 0; /* empty footer: the last offset stays */
	if ((s = skip_name(s)) == NULL || (s = parse_hms(s, &v)) == NULL)
		return -1;
	tz->std_off = -v;
	if (*s == '\0')
		return 0;
	if ((s = skip_name(s)) == NULL)
		return -1;
	tz->dst_off = tz->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if ((s = parse_hms(s, &v)) == NULL)
			return -1;
		tz->dst_off = -v;
	}
	if ((s = parse_rule(s, &tz->start)) == NULL ||
	    (s = parse_rule(s, &tz->end)) == NULL || *s != '\0')
		return -1;
	tz->has_rule = 1;
	return 0;
}

/* --- TZif --- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
	uint32_t isut, isstd, leap, time, type, chr;
};

static int read_hdr(const unsigned char *p, size_t len, struct tzif_hdr *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->time = be32(p + 32);
	h->type = be32(p + 36);
	h->chr = be32(p + 40);
	return h->type == 0 || h->type > 256 || h->time > 100000 ? -1 : 0;
}

static size_t block_len(const struct tzif_hdr *h, size_t tsize)
{
	return h->time * (tsize + 1) + h->type * 6 + h->chr +
	       h->leap * (tsize + 4) + h->isstd + h->isut;
}

/* Keep the transitions of one data block that change the offset. */
static int load_block(struct tz *tz, const unsigned char *p, size_t len,
		      const struct tzif_hdr *h, size_t tsize)
{
	if (len < block_len(h, tsize))
		return -1;
	const unsigned char *idx = p + h->time * tsize;
	const unsigned char *types = idx + h->time;
	tz->at = xcalloc(h->time + 1, sizeof *tz->at);
	tz->off = xcalloc(h->time + 1, sizeof *tz->off);
	tz->off0 = (int32_t)be32(types);
	int32_t last = tz->off0;
	for (uint32_t i = 0; i < h->time; i++) {
		if (idx[i] >= h->type)
			return -1;
		int32_t off = (int32_t)be32(types + 6 * idx[i]);
		if (off == last)
			continue;
		tz->at[tz->n] = tsize == 8 ? be64(p + 8 * i)
					   : (int32_t)be32(p + 4 * i);
		tz->off[tz->n++] = last = off;
	}
	tz->std_off = tz->dst_off = last;
	return 0;
}

static int parse_tzif(struct tz *tz, const unsigned char *p, size_t len)
{
	struct tzif_hdr h;
	if (read_hdr(p, len, &h) < 0)
		return -1;
	if (p[4] == '\0')
		return load_block(tz, p + 44, len - 44, &h, 4);
	size_t skip = 44 + block_len(&h, 4);
	if (skip > len || read_hdr(p + skip, len - skip, &h) < 0)
		return -1;
	p += skip + 44;
	len -= skip + 44;
	if (load_block(tz, p, len, &h, 8) < 0)
		return -1;
	size_t used = block_len(&h, 8);
	if (used >= len || p[used] != '\n')
		return -1;
	char footer[256];
	const unsigned char *nl = memchr(p + used + 1, '\n', len - used - 1);
	size_t flen = nl == NULL ? 0 : (size_t)(nl - p - used - 1);
	if (nl == NULL || flen >= sizeof footer)
		return -1;
	memcpy(footer, p + used + 1, flen);
	footer[flen] = '\0';
	return parse_footer(tz, footer);
}

/* Zone names are relative paths of letters, digits and "_+-", no "..". */
static int name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > TZ_NAME_MAX || name[0] == '/' ||
	    name[len - 1] == '/' || strstr(name, "//") != NULL)
		return 0;
	for (const char *p = name; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("_+-/", *p) != NULL))
			return 0;
	}
	return 1;
}

/* The whole file, or NULL (missing, a directory, unreadable, too big). */
static unsigned char *slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > TZ_FILE_MAX) {
		fclose(f);
		return NULL;
	}
	unsigned char *buf = xmalloc((size_t)st.st_size);
	*len_r = fread(buf, 1, (size_t)st.st_size, f);
	int bad = ferror(f) || *len_r != (size_t)st.st_size;
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct tz *tz_load(const char *name, struct err *e)
{
	char path[sizeof ZONEINFO_DIR + TZ_NAME_MAX + 2];
	size_t len = 0;
	unsigned char *buf = NULL;
	if (name_ok(name)) {
		snprintf(path, sizeof path, "%s/%s", ZONEINFO_DIR, name);
		buf = slurp(path, &len);
	}
	if (buf == NULL) {
		err_set(e, "unknown time zone \"%s\"", name);
		return NULL;
	}
	struct tz *tz = xcalloc(1, sizeof *tz);
	snprintf(tz->name, sizeof tz->name, "%s", name);
	int rc = parse_tzif(tz, buf, len);
	free(buf);
	if (rc < 0) {
		err_set(e, "time zone \"%s\": %s is not a usable TZif file",
			name, path);
		tz_free(&tz);
	}
	return tz;
}

const char *tz_name(const struct tz *tz)
{
	return tz->name;
}

void tz_free(struct tz **tz)
{
	if (*tz == NULL)
		return;
	free((*tz)->at);
	free((*tz)->off);
	free(*tz);
	*tz = NULL;
}

/* --- lookups --- */

static int64_t rule_instant(const struct tz_rule *r, int y, int32_t before)
{
	int64_t first = tz_days_from_civil(y, r->month, 1);
	int d = 1 + (r->wday - tz_weekday(first) + 7) % 7 + (r->week - 1) * 7;
	if (d > tz_month_days(y, r->month))
		d -= 7;
	return (first + d - 1) * 86400 + r->secs - before;
}

/* Past the table: the footer rule's changes around t's year. */
static void footer_segment(const struct tz *tz, int64_t t, struct tz_seg *s)
{
	int y, m, d;
	int64_t ev[6];
	int32_t to[6];
	int n = 0;
	tz_civil_from_days(fdiv(t + s->off, 86400), &y, &m, &d);
	for (int yy = y - 1; yy <= y + 1; yy++) {
		int64_t a = rule_instant(&tz->start, yy, tz->std_off);
		int64_t b = rule_instant(&tz->end, yy, tz->dst_off);
		int first_is_a = a < b;
		ev[n] = first_is_a ? a : b;
		to[n++] = first_is_a ? tz->dst_off : tz->std_off;
		ev[n] = first_is_a ? b : a;
		to[n++] = first_is_a ? tz->std_off : tz->dst_off;
	}
	for (int i = 0; i < n; i++) {
		if (ev[i] <= s->start)
			continue; /* the table already covers it */
		if (ev[i] > t) {
			s->end = ev[i];
			return;
		}
		s->prev_off = s->off;
		s->start = ev[i];
		s->off = to[i];
	}
}

void tz_segment(const struct tz *tz, int64_t t, struct tz_seg *s)
{
	size_t lo = 0, hi = tz->n; /* first index with at > t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->start = lo == 0 ? INT64_MIN : tz->at[lo - 1];
	s->off = lo == 0 ? tz->off0 : tz->off[lo - 1];
	s->prev_off = lo <= 1 ? tz->off0 : tz->off[lo - 2];
	s->end = lo < tz->n ? tz->at[lo] : INT64_MAX;
	if (s->end == INT64_MAX && tz->has_rule)
		footer_segment(tz, t, s);
}
