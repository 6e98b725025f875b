/*
 * Fuzz the exchange log codec (UD-160, proto/xlog.h): walk every record
 * with xlog_next. Each decoded record must lie inside the buffer at the
 * offset the walk reached, its pointers inside the record, its lengths
 * consistent, and xlog_header on its fields must give back its header
 * bytes exactly. The same record from an exactly sized copy decodes the
 * same, and one byte short it is TRUNCATED. A refusal must be a typed
 * code with a reason and leave *off where it was. abort() on any mismatch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/xlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_rec(const uint8_t *data, size_t size, size_t at, size_t off, const struct xlog_rec *r)
{
	char h[XLOG_MAX_HEADER];
	size_t hlen;
	int n;

	if (r->offset != at || r->length == 0 || r->length > size - at || off != at + r->length)
		abort();
	if (r->req_len > XLOG_MAX_BODY || r->resp_len > XLOG_MAX_BODY || r->time < 0)
		abort();
	if (r->length < r->req_len + r->resp_len + 1 + sizeof(XLOG_MAGIC))
		abort();
	hlen = r->length - r->req_len - r->resp_len - 1;
	if (hlen > XLOG_MAX_HEADER || data[at + hlen - 1] != '\n' || data[off - 1] != '\n')
		abort();
	if ((r->req_len == 0) != (r->req == NULL) || (r->resp_len == 0) != (r->resp == NULL))
		abort();
	if (r->req != NULL && r->req != data + at + hlen)
		abort();
	if (r->resp != NULL && r->resp != data + at + hlen + r->req_len)
		abort();
	if (strlen(r->child) > XLOG_MAX_CHILD || strlen(r->type) > XLOG_MAX_TYPE ||
	    strlen(r->outcome) == 0 || strlen(r->outcome) > XLOG_MAX_OUTCOME)
		abort();
	n = xlog_header(h, sizeof(h), r->time, r->child[0] != '\0' ? r->child : NULL,
	    r->type[0] != '\0' ? r->type : NULL, r->outcome, r->req_len, r->resp_len);
	if (n < 0 || (size_t)n != hlen || memcmp(h, data + at, hlen) != 0)
		abort();
}

/* The record alone, from an exactly sized copy: the same; one byte short: TRUNCATED. */
static void
check_alone(const uint8_t *data, const struct xlog_rec *r)
{
	uint8_t *copy = malloc(r->length);
	struct xlog_rec r2;
	size_t off = 0;

	if (copy == NULL)
		return;
	memcpy(copy, data + r->offset, r->length);
	if (xlog_next(copy, r->length, &off, &r2, NULL, 0) != 0 || off != r->length ||
	    r2.time != r->time || strcmp(r2.child, r->child) != 0 ||
	    strcmp(r2.type, r->type) != 0 || strcmp(r2.outcome, r->outcome) != 0 ||
	    r2.req_len != r->req_len || r2.resp_len != r->resp_len)
		abort();
	off = 0;
	if (xlog_next(copy, r->length - 1, &off, &r2, NULL, 0) != XLOG_ERR_TRUNCATED || off != 0)
		abort();
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlog_rec r;
	size_t off = 0;
	char why[128];
	int rc;

	for (;;) {
		size_t at = off;

		rc = xlog_next(data, size, &off, &r, why, sizeof(why));
		if (rc == XLOG_END) {
			if (off != size)
				abort();
			break;
		}
		if (rc != 0) {
			if ((rc != XLOG_ERR_FORMAT && rc != XLOG_ERR_TRUNCATED &&
			    rc != XLOG_ERR_TOO_LARGE) || off != at || why[0] == '\0')
				abort();
			if (strcmp(xlog_strerror(rc), xlog_strerror(-0x11ff)) == 0)
				abort();
			break;
		}
		check_rec(data, size, at, off, &r);
		check_alone(data, &r);
	}
	return 0;
}
