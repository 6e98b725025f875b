/* updownctl: the JSON writer (see json_out.h). */
#include <string.h>

#include "json_out.h"

/* See json_out.h. */
void
jo_init(struct jo *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

static void
indent(struct jo *j)
{
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void put_string(FILE *f, const char *s, size_t n);

/* Comma, newline and indentation before a value, then its key. */
static void
value_start(struct jo *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	if (j->depth > 0)
		fputc('\n', j->f);
	j->first[j->depth] = false;
	indent(j);
	if (key != NULL) {
		put_string(j->f, key, strlen(key));
		fputs(": ", j->f);
	}
}

/* Length of the valid UTF-8 sequence at p (RFC 3629), 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned long cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void
put_string(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', f);
	while (i < n) {
		size_t len;

		if (p[i] == '"' || p[i] == '\\') {
			fputc('\\', f);
			fputc(p[i], f);
			i++;
		} else if (p[i] == '\n') {
			fputs("\\n", f);
			i++;
		} else if (p[i] == '\t') {
			fputs("\\t", f);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(f, "\\u%04x", p[i]);
			i++;
		} else if ((len = utf8_len(p + i, n - i)) == 0) {
			fputs("\\ufffd", f);
			i++;
		} else {
			fwrite(p + i, 1, len, f);
			i += len;
		}
	}
	fputc('"', f);
}

static void
open_container(struct jo *j, const char *key, char c)
{
	value_start(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JO_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void
close_container(struct jo *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty) {
		fputc('\n', j->f);
		indent(j);
	}
	fputc(c, j->f);
}

void jo_obj_begin(struct jo *j, const char *key) { open_container(j, key, '{'); }
void jo_obj_end(struct jo *j) { close_container(j, '}'); }
void jo_arr_begin(struct jo *j, const char *key) { open_container(j, key, '['); }
void jo_arr_end(struct jo *j) { close_container(j, ']'); }

/* See json_out.h. */
void
jo_strn(struct jo *j, const char *key, const char *s, size_t n)
{
	value_start(j, key);
	if (s == NULL)
		fputs("null", j->f);
	else
		put_string(j->f, s, n);
}

void
jo_str(struct jo *j, const char *key, const char *s)
{
	jo_strn(j, key, s, s != NULL ? strlen(s) : 0);
}

void
jo_int(struct jo *j, const char *key, long long v)
{
	value_start(j, key);
	fprintf(j->f, "%lld", v);
}

void
jo_uint(struct jo *j, const char *key, unsigned long long v)
{
	value_start(j, key);
	fprintf(j->f, "%llu", v);
}

void
jo_bool(struct jo *j, const char *key, bool v)
{
	value_start(j, key);
	fputs(v ? "true" : "false", j->f);
}

void
jo_null(struct jo *j, const char *key)
{
	value_start(j, key);
	fputs("null", j->f);
}

void
jo_hex(struct jo *j, const char *key, const unsigned char *p, size_t n)
{
	value_start(j, key);
	if (p == NULL) {
		fputs("null", j->f);
		return;
	}
	fputc('"', j->f);
	for (size_t i = 0; i < n; i++)
		fprintf(j->f, "%02x", p[i]);
	fputc('"', j->f);
}

void
jo_time(struct jo *j, const char *key, time_t t)
{
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
		jo_null(j, key);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jo_str(j, key, buf);
}

void
jo_finish(struct jo *j)
{
	fputc('\n', j->f);
}
