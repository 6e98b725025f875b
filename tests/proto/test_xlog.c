/*
 * proto/xlog: the exchange log file codec (UD-160).
 *
 * Round trip of several records written with xlog_header() (empty request
 * and response, "-" child and type, fields at their maximum length, bodies
 * holding LFs and binary bytes, lengths at XLOG_MAX_BODY from a malloc'd
 * buffer); every truncation of a valid two-record file parsed from an
 * exactly sized malloc'd copy (the complete first record still decodes,
 * then TRUNCATED with *off unchanged); a data-driven table of hostile
 * headers and records with the exact code and the field named in the
 * reason; xlog_header() refusing each bad field and a too-small buffer;
 * argument errors; xlog_strerror() for every code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/xlog.h"

/* One record to write. */
struct wrec {
	int64_t time;
	const char *child, *type, *outcome;
	const void *req, *resp;
	size_t req_len, resp_len;
};

/* Append one record at buf[*len] (cap bytes); fails the test if it does not fit. */
static void
put_rec(uint8_t *buf, size_t cap, size_t *len, const struct wrec *w)
{
	char h[XLOG_MAX_HEADER];
	int n = xlog_header(h, sizeof(h), w->time, w->child, w->type, w->outcome, w->req_len,
	    w->resp_len);

	assert_true(n > 0);
	assert_true(*len + (size_t)n + w->req_len + w->resp_len + 1 <= cap);
	memcpy(buf + *len, h, (size_t)n);
	*len += (size_t)n;
	if (w->req_len > 0)
		memcpy(buf + *len, w->req, w->req_len);
	*len += w->req_len;
	if (w->resp_len > 0)
		memcpy(buf + *len, w->resp, w->resp_len);
	*len += w->resp_len;
	buf[(*len)++] = '\n';
}

/* An exactly sized malloc'd copy (NULL for 0 bytes), so ASan sees any overread. */
static uint8_t *
exact_copy(const void *p, size_t n)
{
	uint8_t *b;

	if (n == 0)
		return NULL;
	b = malloc(n);
	assert_non_null(b);
	memcpy(b, p, n);
	return b;
}

static void
check_rec(const struct xlog_rec *r, const struct wrec *w, const uint8_t *buf, size_t off)
{
	assert_true(r->time == w->time);
	assert_string_equal(r->child, w->child == NULL ? "" :
	    w->child);
	assert_string_equal(r->type, w->type == NULL || strcmp(w->type, "-") == 0 ? "" :
	    w->type);
	assert_string_equal(r->outcome, w->outcome);
	assert_int_equal(r->req_len, w->req_len);
	assert_int_equal(r->resp_len, w->resp_len);
	if (w->req_len == 0)
		assert_null(r->req);
	else
		assert_memory_equal(r->req, w->req, w->req_len);
	if (w->resp_len == 0)
		assert_null(r->resp);
	else
		assert_memory_equal(r->resp, w->resp, w->resp_len);
	assert_int_equal(r->offset, off);
	/* The record lies inside the buffer and ends in the body's LF. */
	assert_true(r->length > w->req_len + w->resp_len + 1);
	assert_true(buf[r->offset + r->length - 1] == '\n');
	assert_memory_equal(buf + r->offset, XLOG_MAGIC, sizeof(XLOG_MAGIC) - 1);
	if (r->req != NULL)
		assert_true(r->req > buf + off && r->req + r->req_len <= buf + off + r->length);
	if (r->resp != NULL)
		assert_true(r->resp > buf + off && r->resp + r->resp_len < buf + off + r->length);
}

static char max_child[XLOG_MAX_CHILD + 1];
static char max_type[XLOG_MAX_TYPE + 1];
static char max_outcome[XLOG_MAX_OUTCOME + 1];

static void
fill_max(void)
{
	static const char cc[] = "ABCXYZabcxyz0189-_/";

	for (size_t i = 0; i < XLOG_MAX_CHILD; i++)
		max_child[i] = cc[i % (sizeof(cc) - 1)];
	max_child[XLOG_MAX_CHILD] = '\0';
	for (size_t i = 0; i < XLOG_MAX_TYPE; i++)
		max_type[i] = i % 5 == 4 ? '_' : (char)('a' + i % 26);
	max_type[XLOG_MAX_TYPE] = '\0';
	for (size_t i = 0; i < XLOG_MAX_OUTCOME; i++)
		max_outcome[i] = i % 2 ? (char)('0' + i % 10) : (char)('a' + i);
	max_outcome[XLOG_MAX_OUTCOME] = '\0';
}

static const uint8_t bin[] = { 0x30, 0x82, 0x00, 0x0a, '\n', '\n', 0xff, ' ', '\r', 0x00 };

/* UD-160: records written with xlog_header read back field for field. */
static void
test_round_trip(void **state)
{
	const struct wrec w[] = {
		{ 1700000000, "child-a", "list", "ok", "<req/>", "<resp/>\n", 6, 8 },
		{ 0, NULL, NULL, "400", NULL, NULL, 0, 0 },
		{ 1, "-", "-", "1202", bin, NULL, sizeof(bin), 0 },   /* the handle "-" */
		{ INT64_MAX, max_child, max_type, max_outcome, NULL, bin, 0, sizeof(bin) },
		{ 42, "Org/Child_9", "issue_response", "2001", bin, bin, sizeof(bin), 3 },
	};
	const size_t nw = sizeof(w) / sizeof(w[0]);
	uint8_t tmp[4096], *buf;
	size_t len = 0, off = 0;
	struct xlog_rec r;
	char why[128];

	(void)state;
	fill_max();
	for (size_t i = 0; i < nw; i++)
		put_rec(tmp, sizeof(tmp), &len, &w[i]);
	buf = exact_copy(tmp, len);
	for (size_t i = 0; i < nw; i++) {
		size_t at = off;

		assert_int_equal(xlog_next(buf, len, &off, &r, why, sizeof(why)), 0);
		check_rec(&r, &w[i], buf, at);
		assert_int_equal(off, at + r.length);
	}
	assert_int_equal(off, len);
	assert_int_equal(xlog_next(buf, len, &off, &r, why, sizeof(why)), XLOG_END);
	assert_int_equal(off, len);
	/* why may be NULL. */
	off = 0;
	assert_int_equal(xlog_next(buf, len, &off, &r, NULL, 0), 0);
	/* An empty buffer holds no records. */
	off = 0;
	assert_int_equal(xlog_next(NULL, 0, &off, &r, why, sizeof(why)), XLOG_END);
	free(buf);
}

/* UD-160: the exact header bytes (the format in xlog.h). */
static void
test_header_bytes(void **state)
{
	char h[XLOG_MAX_HEADER];
	int n;

	(void)state;
	n = xlog_header(h, sizeof(h), 1700000000, "child-a", "list", "ok", 6, 0);
	assert_int_equal(n, (int)strlen("updown-exchange 1 1700000000 child-a list ok 6 0\n"));
	assert_string_equal(h, "updown-exchange 1 1700000000 child-a list ok 6 0\n");
	n = xlog_header(h, sizeof(h), 0, NULL, NULL, "400", 0, XLOG_MAX_BODY);
	assert_string_equal(h, "updown-exchange 1 0 * - 400 0 8388608\n");
	/* The longest header fits XLOG_MAX_HEADER, NUL included. */
	fill_max();
	n = xlog_header(h, sizeof(h), INT64_MAX, max_child, max_type, max_outcome,
	    XLOG_MAX_BODY, XLOG_MAX_BODY);
	assert_true(n > 0 && n < XLOG_MAX_HEADER);
	assert_int_equal((size_t)n, strlen(h));
	/* Exactly sized (no room for a NUL) works; one byte less does not. */
	{
		char exact[48];

		memset(exact, 'x', sizeof(exact));
		n = xlog_header(exact, 46, 5, "a", "b", "ok", 0, 0);
		assert_int_equal(n, (int)strlen("updown-exchange 1 5 a b ok 0 0\n"));
		n = xlog_header(exact, (size_t)n, 5, "a", "b", "ok", 0, 0);
		assert_int_equal(n, 31);
		assert_memory_equal(exact, "updown-exchange 1 5 a b ok 0 0\n", 31);
		memset(exact, 'x', sizeof(exact));
		assert_int_equal(xlog_header(exact, 30, 5, "a", "b", "ok", 0, 0), XLOG_ERR_FIELD);
		assert_int_equal(xlog_header(exact, 0, 5, "a", "b", "ok", 0, 0), XLOG_ERR_FIELD);
		for (size_t i = 0; i < sizeof(exact); i++)
			assert_int_equal(exact[i], 'x'); /* nothing written on refusal */
	}
}

/* UD-160: lengths at the limit, from malloc'd buffers of 16 MiB. */
static void
test_big(void **state)
{
	struct wrec w = { 7, "big", "issue", "ok", NULL, NULL, XLOG_MAX_BODY,
		XLOG_MAX_BODY - 1 };
	size_t cap = 2 * (size_t)XLOG_MAX_BODY + XLOG_MAX_HEADER, len = 0, off = 0;
	uint8_t *req = malloc(XLOG_MAX_BODY), *resp = malloc(XLOG_MAX_BODY), *buf = malloc(cap);
	struct xlog_rec r;
	char why[128];

	(void)state;
	assert_non_null(req);
	assert_non_null(resp);
	assert_non_null(buf);
	memset(req, '\n', XLOG_MAX_BODY);
	memset(resp, 'r', XLOG_MAX_BODY);
	w.req = req;
	w.resp = resp;
	put_rec(buf, cap, &len, &w);
	assert_int_equal(xlog_next(buf, len, &off, &r, why, sizeof(why)), 0);
	check_rec(&r, &w, buf, 0);
	assert_int_equal(off, len);
	/* One byte short: the final LF is missing. */
	off = 0;
	assert_int_equal(xlog_next(buf, len - 1, &off, &r, why, sizeof(why)),
	    XLOG_ERR_TRUNCATED);
	assert_int_equal(off, 0);
	assert_non_null(strstr(why, "record end"));
	/* Inside the request. */
	assert_int_equal(xlog_next(buf, len - XLOG_MAX_BODY - 1, &off, &r, why, sizeof(why)),
	    XLOG_ERR_TRUNCATED);
	assert_non_null(strstr(why, "request"));
	/* Inside the response. */
	assert_int_equal(xlog_next(buf, len - 2, &off, &r, why, sizeof(why)),
	    XLOG_ERR_TRUNCATED);
	assert_non_null(strstr(why, "response"));
	/* The last byte is not LF. */
	buf[len - 1] = 'r';
	assert_int_equal(xlog_next(buf, len, &off, &r, why, sizeof(why)), XLOG_ERR_FORMAT);
	assert_non_null(strstr(why, "record end"));
	assert_int_equal(off, 0);
	/* Beyond the limit: refused by the writer. */
	assert_int_equal(xlog_header((char *)buf, cap, 7, NULL, NULL, "ok", XLOG_MAX_BODY + 1,
	    0), XLOG_ERR_FIELD);
	assert_int_equal(xlog_header((char *)buf, cap, 7, NULL, NULL, "ok", 0,
	    XLOG_MAX_BODY + 1), XLOG_ERR_FIELD);
	assert_int_equal(xlog_header((char *)buf, cap, 7, NULL, NULL, "ok", SIZE_MAX, 0),
	    XLOG_ERR_FIELD);
	free(req);
	free(resp);
	free(buf);
}

/*
 * UD-160 (a crashed writer): every truncation of a valid two-record file,
 * from an exactly sized buffer: the first record when complete, then
 * TRUNCATED with *off unchanged; never an overread.
 */
static void
test_truncations(void **state)
{
	const struct wrec w[] = {
		{ 1700000000, "child-a", "list", "ok", "REQ", "RESP", 3, 4 },
		{ 1700000001, NULL, "issue", "1202", "\n", NULL, 1, 0 },
	};
	uint8_t tmp[512];
	size_t len = 0, len1;

	(void)state;
	put_rec(tmp, sizeof(tmp), &len, &w[0]);
	len1 = len;
	put_rec(tmp, sizeof(tmp), &len, &w[1]);
	for (size_t cut = 0; cut <= len; cut++) {
		uint8_t *buf = exact_copy(tmp, cut);
		struct xlog_rec r, keep;
		size_t off = 0;
		char why[128];
		int rc;

		memset(&keep, 0xa5, sizeof(keep));
		rc = xlog_next(buf, cut, &off, &r, why, sizeof(why));
		if (cut == 0) {
			assert_int_equal(rc, XLOG_END);
		} else if (cut < len1) {
			if (rc != XLOG_ERR_TRUNCATED)
				fail_msg("cut %zu: %d (%s)", cut, rc, why);
			assert_int_equal(off, 0);
			assert_true(why[0] != '\0');
		} else {
			assert_int_equal(rc, 0);
			check_rec(&r, &w[0], buf, 0);
			assert_int_equal(off, len1);
			r = keep;
			rc = xlog_next(buf, cut, &off, &r, why, sizeof(why));
			if (cut == len1) {
				assert_int_equal(rc, XLOG_END);
			} else if (cut < len) {
				if (rc != XLOG_ERR_TRUNCATED)
					fail_msg("cut %zu: %d (%s)", cut, rc, why);
				assert_int_equal(off, len1);
				/* rec is left alone on error */
				assert_memory_equal(&r, &keep, sizeof(r));
			} else {
				assert_int_equal(rc, 0);
				check_rec(&r, &w[1], buf, len1);
				assert_int_equal(off, len);
				assert_int_equal(xlog_next(buf, cut, &off, &r, why, sizeof(why)),
				    XLOG_END);
			}
		}
		free(buf);
	}
}

/* A hostile record, the code it gets, and a word the reason must hold. */
struct hcase {
	const char *data;
	int rc;
	const char *field;
};

#define LONG40 "0123456789012345678901234567890123456789"

static const struct hcase hostile[] = {
	/* well-formed edge cases */
	{ "updown-exchange 1 0 - - ok 0 0\n\n", 0, NULL },
	{ "updown-exchange 1 9223372036854775807 a b ok 0 0\n\n", 0, NULL },
	{ "updown-exchange 1 5 - - ok 1 2\nabc\n", 0, NULL },
	{ "updown-exchange 1 5 * - ok 0 0\n\n", 0, NULL },           /* unknown child */
	{ "updown-exchange 1 5 -- - ok 0 0\n\n", 0, NULL },          /* "-" is a handle character */
	/* "*" (unknown child) only stands alone */
	{ "updown-exchange 1 5 ** - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" },
	{ "updown-exchange 1 5 *a - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" },
	{ "updown-exchange 1 5 a* - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" },
	{ "updown-exchange 1 5 a * ok 0 0\n\n", XLOG_ERR_FORMAT, "type" },
	/* magic and version */
	{ "updown-exchange 2 5 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "magic" },
	{ "updown-exchange 10 5 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "magic" },
	{ "Updown-exchange 1 5 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "magic" },
	{ "updown-exchange  1 5 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "magic" },
	{ "\nupdown-exchange 1 5 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "magic" },
	{ "SQLite format 3", XLOG_ERR_FORMAT, "magic" },
	{ "updown-exchange 1", XLOG_ERR_TRUNCATED, "magic" },
	/* time */
	{ "updown-exchange 1 01 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1 00 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1 -5 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1 +5 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1 9223372036854775808 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1 18446744073709551616 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1 " LONG40 LONG40, XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1 5x - - ok 0 0\n\n", XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1  5 - - ok 0 0\n\n", XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1 5\t- - ok 0 0\n\n", XLOG_ERR_FORMAT, "time" },
	{ "updown-exchange 1 922337203685477580", XLOG_ERR_TRUNCATED, "time" },
	/* child */
	{ "updown-exchange 1 5  - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" },
	{ "updown-exchange 1 5 a.b - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" },
	{ "updown-exchange 1 5 a\tb - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" },
	{ "updown-exchange 1 5 a\xc3\xa9 - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" },
	{ "updown-exchange 1 5 a\nb - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" },
	{ "updown-exchange 1 5 a\rb - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" },
	{ "updown-exchange 1 5 " LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 "0123456789"
	    "0123456789 - ok 0 0\n\n", XLOG_ERR_FORMAT, "child" }, /* 300 bytes */
	{ "updown-exchange 1 5 " LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40
	    LONG40 LONG40 LONG40 LONG40 LONG40, XLOG_ERR_FORMAT, "child" }, /* no LF in 512 */
	/* type */
	{ "updown-exchange 1 5 a  ok 0 0\n\n", XLOG_ERR_FORMAT, "type" },
	{ "updown-exchange 1 5 a List ok 0 0\n\n", XLOG_ERR_FORMAT, "type" },
	{ "updown-exchange 1 5 a list2 ok 0 0\n\n", XLOG_ERR_FORMAT, "type" },
	{ "updown-exchange 1 5 a a-b ok 0 0\n\n", XLOG_ERR_FORMAT, "type" },
	{ "updown-exchange 1 5 a -- ok 0 0\n\n", XLOG_ERR_FORMAT, "type" },
	{ "updown-exchange 1 5 a -a ok 0 0\n\n", XLOG_ERR_FORMAT, "type" },
	{ "updown-exchange 1 5 a -a", XLOG_ERR_FORMAT, "type" },
	{ "updown-exchange 1 5 a abcdefghijklmnopqrstuvwxyz_abcdef ok 0 0\n\n", XLOG_ERR_FORMAT,
	    "type" },
	/* outcome */
	{ "updown-exchange 1 5 a b  0 0\n\n", XLOG_ERR_FORMAT, "outcome" },
	{ "updown-exchange 1 5 a b OK 0 0\n\n", XLOG_ERR_FORMAT, "outcome" },
	{ "updown-exchange 1 5 a b - 0 0\n\n", XLOG_ERR_FORMAT, "outcome" },
	{ "updown-exchange 1 5 a b o_k 0 0\n\n", XLOG_ERR_FORMAT, "outcome" },
	{ "updown-exchange 1 5 a b 0123456789abcdefg 0 0\n\n", XLOG_ERR_FORMAT, "outcome" },
	{ "updown-exchange 1 5 a b ok\n0 0\n\n", XLOG_ERR_FORMAT, "outcome" },
	/* lengths */
	{ "updown-exchange 1 5 a b ok 01 0\n\n", XLOG_ERR_FORMAT, "req-len" },
	{ "updown-exchange 1 5 a b ok -1 0\n\n", XLOG_ERR_FORMAT, "req-len" },
	{ "updown-exchange 1 5 a b ok  0 0\n\n", XLOG_ERR_FORMAT, "req-len" },
	{ "updown-exchange 1 5 a b ok 0  0\n\n", XLOG_ERR_FORMAT, "resp-len" },
	{ "updown-exchange 1 5 a b ok 0 00\n\n", XLOG_ERR_FORMAT, "resp-len" },
	{ "updown-exchange 1 5 a b ok 0 \n\n", XLOG_ERR_FORMAT, "resp-len" },
	{ "updown-exchange 1 5 a b ok 0\n\n", XLOG_ERR_FORMAT, "req-len" },
	{ "updown-exchange 1 5 a b ok 0 0 0\n\n", XLOG_ERR_FORMAT, "resp-len" },
	{ "updown-exchange 1 5 a b ok 0 0\r\n\n", XLOG_ERR_FORMAT, "resp-len" },
	{ "updown-exchange 1 5 a b ok 0 0 \n\n", XLOG_ERR_FORMAT, "resp-len" },
	{ "updown-exchange 1 5 a b ok 0\t0\n\n", XLOG_ERR_FORMAT, "req-len" },
	{ "updown-exchange 1 5 a b ok 8388609 0\n", XLOG_ERR_TOO_LARGE, "req-len" },
	{ "updown-exchange 1 5 a b ok 0 8388609\n", XLOG_ERR_TOO_LARGE, "resp-len" },
	{ "updown-exchange 1 5 a b ok 9999999999999999999999 0\n", XLOG_ERR_TOO_LARGE,
	    "req-len" },
	{ "updown-exchange 1 5 a b ok 0 18446744073709551617\n", XLOG_ERR_TOO_LARGE,
	    "resp-len" },
	{ "updown-exchange 1 5 a b ok 83886080", XLOG_ERR_TOO_LARGE, "req-len" },
	{ "updown-exchange 1 5 a b ok 8388608 8388608\n", XLOG_ERR_TRUNCATED, "request" },
	/* the body and the final LF */
	{ "updown-exchange 1 5 a b ok 1 1\nXYZ", XLOG_ERR_FORMAT, "record end" },
	{ "updown-exchange 1 5 a b ok 1 1\nXY\r\n", XLOG_ERR_FORMAT, "record end" },
	{ "updown-exchange 1 5 a b ok 0 0\n ", XLOG_ERR_FORMAT, "record end" },
	{ "updown-exchange 1 5 a b ok 2 1\nXYZ", XLOG_ERR_TRUNCATED, "record end" },
	{ "updown-exchange 1 5 a b ok 2 2\nXYZ", XLOG_ERR_TRUNCATED, "response" },
	{ "updown-exchange 1 5 a b ok 4 2\nXYZ", XLOG_ERR_TRUNCATED, "request" },
};

/* UD-160: hostile headers and records get the right code and reason. */
static void
test_hostile(void **state)
{
	static const char first[] = "updown-exchange 1 1 - - ok 0 0\n\n";

	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hcase *h = &hostile[i];
		size_t n = strlen(h->data);

		/* Alone, and as the second record of a file. */
		for (int second = 0; second < 2; second++) {
			size_t pre = second ? sizeof(first) - 1 : 0, len = pre + n, off = 0;
			uint8_t *buf = malloc(len);
			struct xlog_rec r, keep;
			char why[128];
			int rc;

			assert_non_null(buf);
			memcpy(buf, first, pre);
			memcpy(buf + pre, h->data, n);
			if (second)
				assert_int_equal(xlog_next(buf, len, &off, &r, why, sizeof(why)), 0);
			assert_int_equal(off, pre);
			memset(&r, 0x5a, sizeof(r));
			keep = r;
			rc = xlog_next(buf, len, &off, &r, why, sizeof(why));
			if (rc != h->rc)
				fail_msg("case %zu (%.40s): %d, want %d (%s)", i, h->data, rc, h->rc,
				    why);
			if (rc == 0) {
				assert_int_equal(off, len);
				assert_int_equal(r.offset, pre);
				assert_int_equal(r.length, n);
			} else {
				assert_int_equal(off, pre);
				assert_memory_equal(&r, &keep, sizeof(r));
				if (strstr(why, h->field) == NULL)
					fail_msg("case %zu: reason \"%s\" does not name %s", i, why,
					    h->field);
			}
			free(buf);
		}
	}
}

static void
test_args(void **state)
{
	uint8_t b[] = "updown-exchange 1 1 - - ok 0 0\n\n";
	struct xlog_rec r;
	size_t off = 0;
	char why[64], tiny[4], h[XLOG_MAX_HEADER];

	(void)state;
	assert_int_equal(xlog_next(b, sizeof(b) - 1, NULL, &r, why, sizeof(why)), XLOG_ERR_ARG);
	assert_int_equal(xlog_next(b, sizeof(b) - 1, &off, NULL, why, sizeof(why)),
	    XLOG_ERR_ARG);
	assert_int_equal(xlog_next(NULL, 5, &off, &r, why, sizeof(why)), XLOG_ERR_ARG);
	off = sizeof(b);
	assert_int_equal(xlog_next(b, sizeof(b) - 1, &off, &r, why, sizeof(why)), XLOG_ERR_ARG);
	assert_int_equal(off, sizeof(b));
	/* A short why is cut, NUL-terminated. */
	off = 0;
	assert_int_equal(xlog_next(b, 5, &off, &r, tiny, sizeof(tiny)), XLOG_ERR_TRUNCATED);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_int_equal(xlog_next(b, 5, &off, &r, tiny, 0), XLOG_ERR_TRUNCATED);
	assert_int_equal(xlog_header(NULL, 100, 1, NULL, NULL, "ok", 0, 0), XLOG_ERR_ARG);
	assert_int_equal(xlog_header(h, sizeof(h), 1, NULL, NULL, NULL, 0, 0), XLOG_ERR_ARG);
}

/* UD-160: the writer refuses whatever the reader would refuse. */
static void
test_header_refuses(void **state)
{
	static const struct {
		int64_t time;
		const char *child, *type, *outcome;
	} bad[] = {
		{ -1, "a", "list", "ok" },
		{ INT64_MIN, "a", "list", "ok" },
		{ 1, "", "list", "ok" },
		{ 1, "a.b", "list", "ok" },
		{ 1, "a b", "list", "ok" },
		{ 1, "a\n", "list", "ok" },
		{ 1, "\xc3\xa9", "list", "ok" },
		{ 1, "a", "", "ok" },
		{ 1, "a", "List", "ok" },
		{ 1, "a", "a-b", "ok" },
		{ 1, "a", "--", "ok" },
		{ 1, "a", "list ", "ok" },
		{ 1, "a", "abcdefghijklmnopqrstuvwxyz_abcdef", "ok" },
		{ 1, "a", "list", "" },
		{ 1, "a", "list", "OK" },
		{ 1, "a", "list", "-" },
		{ 1, "a", "list", "o k" },
		{ 1, "a", "list", "0123456789abcdefg" },
	};
	char h[XLOG_MAX_HEADER], big[XLOG_MAX_CHILD + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (xlog_header(h, sizeof(h), bad[i].time, bad[i].child, bad[i].type,
		    bad[i].outcome, 0, 0) != XLOG_ERR_FIELD)
			fail_msg("case %zu accepted", i);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(xlog_header(h, sizeof(h), 1, big, NULL, "ok", 0, 0), XLOG_ERR_FIELD);
	big[XLOG_MAX_CHILD] = '\0';
	assert_true(xlog_header(h, sizeof(h), 1, big, NULL, "ok", 0, 0) > 0);
}

static void
test_strerror(void **state)
{
	static const int codes[] = { XLOG_END, XLOG_ERR_ARG, XLOG_ERR_FIELD, XLOG_ERR_FORMAT,
		XLOG_ERR_TRUNCATED, XLOG_ERR_TOO_LARGE };
	const char *unknown = xlog_strerror(-0x11ff);

	(void)state;
	assert_non_null(unknown);
	assert_non_null(strstr(unknown, "unknown"));
	assert_non_null(xlog_strerror(0));
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = xlog_strerror(codes[i]);

		assert_non_null(s);
		assert_true(s[0] != '\0');
		assert_string_not_equal(s, unknown);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(s, xlog_strerror(codes[k]));
	}
	assert_non_null(strstr(xlog_strerror(XLOG_ERR_TRUNCATED), "truncated"));
	assert_non_null(strstr(xlog_strerror(XLOG_ERR_FORMAT), "malformed"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_header_refuses),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
