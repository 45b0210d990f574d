/* json.c -- see json.h. */
#include "base/json.h"

#include <math.h>
#include <stdio.h>

int
json_str(struct buf *b, const char *s)
{
	int rc = 0;

	if (s == NULL)
		return buf_adds(b, "null");
	rc |= buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* a run of bytes that need no escape goes in at once */
		size_t run = 0;
		while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
			run++;
		if (run > 0) {
			rc |= buf_add(b, (const char *)p, run);
			p += run - 1;
			continue;
		}
		switch (*p) {
		case '"': rc |= buf_adds(b, "\\\""); break;
		case '\\': rc |= buf_adds(b, "\\\\"); break;
		case '\n': rc |= buf_adds(b, "\\n"); break;
		case '\r': rc |= buf_adds(b, "\\r"); break;
		case '\t': rc |= buf_adds(b, "\\t"); break;
		default:
			if (*p < 0x20)
				rc |= buf_printf(b, "\\u%04x", *p);
			else
				rc |= buf_addc(b, (char)*p);
		}
	}
	rc |= buf_addc(b, '"');
	return rc ? -1 : 0;
}

static int
json_key(struct buf *b, int first, const char *key)
{
	int rc = 0;

	if (!first)
		rc |= buf_addc(b, ',');
	rc |= json_str(b, key);
	rc |= buf_addc(b, ':');
	return rc;
}

int
json_kv_str(struct buf *b, int first, const char *key, const char *s)
{
	return (json_key(b, first, key) | json_str(b, s)) ? -1 : 0;
}

int
json_kv_int(struct buf *b, int first, const char *key, long long v)
{
	return (json_key(b, first, key) | buf_printf(b, "%lld", v)) ? -1 : 0;
}

int
json_kv_num(struct buf *b, int first, const char *key, double v)
{
	if (!isfinite(v))
		return (json_key(b, first, key) | buf_adds(b, "null")) ? -1 : 0;
	return (json_key(b, first, key) | buf_printf(b, "%.6g", v)) ? -1 : 0;
}
