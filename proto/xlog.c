/*
 * proto/xlog: the exchange log file codec (UD-160; format in
 * proto/include/proto/xlog.h). xlog_header() writes the header line of a
 * record; xlog_next() decodes one record from a buffer, telling a record
 * cut short by the end of the data (XLOG_ERR_TRUNCATED: a writer stopped
 * mid-write) from bytes that can never be a record (XLOG_ERR_FORMAT,
 * XLOG_ERR_TOO_LARGE). No I/O, no allocation.
 *
 * The decoder walks the header one field at a time with a pointer/end
 * pair. Each field is checked as its bytes arrive, so a header that is
 * valid so far but cut by the end of the data is TRUNCATED, and the first
 * byte that no valid header could hold is FORMAT. The field bounds keep a
 * valid header well under XLOG_MAX_HEADER (at most 360 bytes), so a line
 * without an LF within XLOG_MAX_HEADER bytes always fails a field check
 * first; the limit is checked again at the end all the same.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto/xlog.h"

#define MAGIC_LEN (sizeof(XLOG_MAGIC) - 1)

/* A reason for why, if the caller wants one. */
static void
set_why(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

/* RFC 8183 handle characters: A-Z a-z 0-9 - _ / */
static bool
child_char(int c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_' ||
	    c == '/';
}

/* RFC 6492 message type characters: a-z and _ */
static bool
type_char(int c)
{
	return is_lower(c) || c == '_';
}

static bool
outcome_char(int c)
{
	return is_lower(c) || is_digit(c);
}

/* The decoder's cursor over buf[start..end). */
struct cur {
	const uint8_t *p, *end;
	char *why;
	size_t why_size;
};

/*
 * The separator sep (SP or LF) after field name: TRUNCATED at the end of
 * the data, FORMAT for any other byte.
 */
static int
expect_sep(struct cur *c, int sep, const char *name)
{
	if (c->p == c->end) {
		set_why(c->why, c->why_size, "%s: data ends before the %s after it", name,
		    sep == '\n' ? "LF" : "space");
		return XLOG_ERR_TRUNCATED;
	}
	if (*c->p != sep) {
		set_why(c->why, c->why_size, "%s: byte 0x%02x where %s was expected", name,
		    *c->p, sep == '\n' ? "the header's LF" : "a single space");
		return XLOG_ERR_FORMAT;
	}
	c->p++;
	return 0;
}

/*
 * A decimal number without leading zeros, at most max, followed by sep.
 * over is the code for a value above max (FORMAT for the time, TOO_LARGE
 * for a length); it is reported as soon as the digits read exceed max,
 * since more digits only make it larger.
 */
static int
get_num(struct cur *c, uint64_t max, int over, int sep, const char *name, uint64_t *out)
{
	const uint8_t *start = c->p;
	uint64_t v = 0;

	if (c->p == c->end) {
		set_why(c->why, c->why_size, "%s: data ends before it", name);
		return XLOG_ERR_TRUNCATED;
	}
	if (!is_digit(*c->p)) {
		set_why(c->why, c->why_size, "%s: byte 0x%02x is not a decimal digit", name,
		    *c->p);
		return XLOG_ERR_FORMAT;
	}
	while (c->p < c->end && is_digit(*c->p)) {
		unsigned d = (unsigned)(*c->p - '0');

		if (c->p > start && *start == '0') {
			set_why(c->why, c->why_size, "%s: leading zero", name);
			return XLOG_ERR_FORMAT;
		}
		if (v > (max - d) / 10) {
			set_why(c->why, c->why_size, "%s: above %" PRIu64, name, max);
			return over;
		}
		v = v * 10 + d;
		c->p++;
	}
	*out = v;
	return expect_sep(c, sep, name);
}

/*
 * A token of 1..max bytes accepted by ok(), or the single byte unknown
 * (when not 0; stored as ""), copied NUL-terminated into out (max + 1
 * bytes), followed by a space.
 */
static int
get_tok(struct cur *c, size_t max, bool (*ok)(int), char unknown, const char *name,
        const char *what, char *out)
{
	size_t n = 0;

	while (c->p < c->end && *c->p != ' ') {
		if (unknown != 0 && n == 1 && out[0] == unknown) {
			set_why(c->why, c->why_size, "%s: \"%c\" only stands alone", name, unknown);
			return XLOG_ERR_FORMAT;
		}
		if (!ok(*c->p) && !(unknown != 0 && *c->p == unknown && n == 0)) {
			set_why(c->why, c->why_size, "%s: byte 0x%02x outside %s", name, *c->p,
			    what);
			return XLOG_ERR_FORMAT;
		}
		if (n == max) {
			set_why(c->why, c->why_size, "%s: longer than %zu bytes", name, max);
			return XLOG_ERR_FORMAT;
		}
		out[n++] = (char)*c->p++;
	}
	if (c->p == c->end) {
		set_why(c->why, c->why_size, "%s: data ends inside it", name);
		return XLOG_ERR_TRUNCATED;
	}
	if (n == 0) {
		set_why(c->why, c->why_size, "%s: empty (double space)", name);
		return XLOG_ERR_FORMAT;
	}
	out[n] = '\0';
	if (unknown != 0 && n == 1 && out[0] == unknown)
		out[0] = '\0';
	c->p++; /* the space */
	return 0;
}

/*
 * Decode the record at buf[*off..len) into *rec (see xlog.h). rec is
 * written only on success; rec->req and rec->resp then point into buf
 * (the caller keeps buf alive). Returns 0, XLOG_END, or an XLOG_ERR_*
 * code with *off unchanged and why set.
 */
int
xlog_next(const uint8_t *buf, size_t len, size_t *off, struct xlog_rec *rec, char *why,
          size_t why_size)
{
	struct xlog_rec r;
	struct cur c;
	uint64_t v;
	size_t avail, body, hlen, i;
	int rc;

	if (off == NULL || rec == NULL || (buf == NULL && len > 0) || *off > len) {
		set_why(why, why_size, "bad argument");
		return XLOG_ERR_ARG;
	}
	set_why(why, why_size, "%s", "");
	if (*off == len)
		return XLOG_END;
	memset(&r, 0, sizeof(r));
	c.p = buf + *off;
	c.end = buf + len;
	c.why = why;
	c.why_size = why_size;

	/* The magic: a prefix of it at the end of the data is a cut record. */
	avail = len - *off;
	for (i = 0; i < MAGIC_LEN && i < avail; i++) {
		if (c.p[i] != (uint8_t)XLOG_MAGIC[i]) {
			set_why(why, why_size, "magic: not \"updown-exchange 1 \" (byte %zu)", i);
			return XLOG_ERR_FORMAT;
		}
	}
	if (avail < MAGIC_LEN) {
		set_why(why, why_size, "magic: data ends inside it");
		return XLOG_ERR_TRUNCATED;
	}
	c.p += MAGIC_LEN;

	if ((rc = get_num(&c, INT64_MAX, XLOG_ERR_FORMAT, ' ', "time", &v)) != 0)
		return rc;
	r.time = (int64_t)v;
	if ((rc = get_tok(&c, XLOG_MAX_CHILD, child_char, '*', "child",
	    "the RFC 8183 handle characters", r.child)) != 0)
		return rc;
	if ((rc = get_tok(&c, XLOG_MAX_TYPE, type_char, '-', "type",
	    "a-z and _ (RFC 6492 section 3.2 message types)", r.type)) != 0)
		return rc;
	if ((rc = get_tok(&c, XLOG_MAX_OUTCOME, outcome_char, 0, "outcome", "a-z 0-9",
	    r.outcome)) != 0)
		return rc;
	if ((rc = get_num(&c, XLOG_MAX_BODY, XLOG_ERR_TOO_LARGE, ' ', "req-len", &v)) != 0)
		return rc;
	r.req_len = (size_t)v;
	if ((rc = get_num(&c, XLOG_MAX_BODY, XLOG_ERR_TOO_LARGE, '\n', "resp-len", &v)) != 0)
		return rc;
	r.resp_len = (size_t)v;
	hlen = (size_t)(c.p - (buf + *off));
	if (hlen > XLOG_MAX_HEADER) { /* cannot happen with the field bounds */
		set_why(why, why_size, "header: longer than %d bytes", XLOG_MAX_HEADER);
		return XLOG_ERR_FORMAT;
	}

	/* Request, response, LF. Both lengths are at most 8 MiB: no overflow. */
	body = r.req_len + r.resp_len;
	avail = (size_t)(c.end - c.p);
	if (avail < r.req_len) {
		set_why(why, why_size, "request: data ends inside it (%zu of %zu bytes)", avail,
		    r.req_len);
		return XLOG_ERR_TRUNCATED;
	}
	if (avail < body) {
		set_why(why, why_size, "response: data ends inside it (%zu of %zu bytes)",
		    avail - r.req_len, r.resp_len);
		return XLOG_ERR_TRUNCATED;
	}
	if (avail == body) {
		set_why(why, why_size, "record end: data ends before the LF after the response");
		return XLOG_ERR_TRUNCATED;
	}
	if (c.p[body] != '\n') {
		set_why(why, why_size, "record end: byte 0x%02x after the response, not LF",
		    c.p[body]);
		return XLOG_ERR_FORMAT;
	}
	r.req = r.req_len > 0 ? c.p : NULL;
	r.resp = r.resp_len > 0 ? c.p + r.req_len : NULL;
	r.offset = *off;
	r.length = hlen + body + 1;
	*rec = r;
	*off += r.length;
	return 0;
}

/* Check one token for xlog_header: 1..max bytes accepted by ok(). */
static bool
tok_ok(const char *s, size_t max, bool (*ok)(int))
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ok((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * Write the header of one record, its LF included, into buf (size bytes;
 * see xlog.h). child NULL is written "*" and type NULL or "-" is written
 * "-" (unknown); a child "-" is the handle "-"; "" is refused. A NUL follows the header when size leaves room for it.
 * Returns the header's length, XLOG_ERR_ARG (buf or outcome NULL) or
 * XLOG_ERR_FIELD (a field outside its syntax or bound, or size too small).
 */
int
xlog_header(char *buf, size_t size, int64_t time, const char *child, const char *type,
            const char *outcome, size_t req_len, size_t resp_len)
{
	char tmp[XLOG_MAX_HEADER + 1];
	int n;

	if (buf == NULL || outcome == NULL)
		return XLOG_ERR_ARG;
	if (child == NULL)
		child = "*";
	if (type == NULL)
		type = "-";
	if (time < 0 || req_len > XLOG_MAX_BODY || resp_len > XLOG_MAX_BODY ||
	    (strcmp(child, "*") != 0 && !tok_ok(child, XLOG_MAX_CHILD, child_char)) ||
	    (strcmp(type, "-") != 0 && !tok_ok(type, XLOG_MAX_TYPE, type_char)) ||
	    !tok_ok(outcome, XLOG_MAX_OUTCOME, outcome_char))
		return XLOG_ERR_FIELD;
	n = snprintf(tmp, sizeof(tmp), XLOG_MAGIC "%" PRId64 " %s %s %s %zu %zu\n", time, child,
	    type, outcome, req_len, resp_len);
	if (n < 0 || (size_t)n >= sizeof(tmp) || (size_t)n > size)
		return XLOG_ERR_FIELD;
	memcpy(buf, tmp, (size_t)n);
	if ((size_t)n < size)
		buf[n] = '\0';
	return n;
}

/* Static English text for an XLOG_* code (or 0). */
const char *
xlog_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case XLOG_END: return "no more records";
	case XLOG_ERR_ARG: return "invalid argument";
	case XLOG_ERR_FIELD: return "a header field outside its syntax or bound";
	case XLOG_ERR_FORMAT: return "malformed exchange log record";
	case XLOG_ERR_TRUNCATED: return "truncated exchange log record";
	case XLOG_ERR_TOO_LARGE: return "exchange log record body above the size limit";
	default: return "unknown XLOG error";
	}
}
