/*
 * proto/xlog: the exchange log file format (UD-160). The appliance appends
 * every RFC 6492 request and its response, raw, to files of records:
 *
 *   record  = header LF request response LF
 *   header  = "updown-exchange" SP "1" SP time SP child SP type SP outcome
 *             SP req-len SP resp-len
 *   time    = seconds since 1970-01-01 UTC, decimal, no leading zero
 *   child   = the authenticated child's handle (RFC 8183: 1..255 of
 *             A-Z a-z 0-9 - _ /), or "*" when unknown (not a handle
 *             character, so no handle reads as unknown)
 *   type    = 1..32 of a-z and "_" (the RFC 6492 message type), or "-"
 *   outcome = 1..16 of a-z 0-9 ("ok", "400", "1202", ...)
 *   req-len, resp-len = decimal byte counts, no leading zero, each at
 *             most XLOG_MAX_BODY; the raw request CMS and our raw response
 *             follow the header's LF back to back (either may be empty)
 *
 * Records are self-delimiting, so a file can be read from its start; a
 * file whose writer stopped mid-record ends in a truncated record, which
 * xlog_next() reports as XLOG_ERR_TRUNCATED with everything before it
 * intact. No I/O here: the writer (firmware/engine_log.c) and the readers
 * (updownctl inspect) do that.
 */
#ifndef UPDOWN_PROTO_XLOG_H
#define UPDOWN_PROTO_XLOG_H

#include <stddef.h>
#include <stdint.h>

#define XLOG_MAGIC       "updown-exchange 1 "  /* every record starts with it */
#define XLOG_MAX_HEADER  512                   /* header with its LF, upper bound */
#define XLOG_MAX_BODY    (8u << 20)            /* request or response bytes */
#define XLOG_MAX_CHILD   255
#define XLOG_MAX_TYPE    32
#define XLOG_MAX_OUTCOME 16

/* Errors (docs/error-codes.md). */
#define XLOG_END           1        /* xlog_next: no more records */
#define XLOG_ERR_ARG       -0x1101  /* NULL where a value is needed */
#define XLOG_ERR_FIELD     -0x1102  /* xlog_header: a field outside its syntax or bound */
#define XLOG_ERR_FORMAT    -0x1103  /* not a record: magic, field syntax, missing LF */
#define XLOG_ERR_TRUNCATED -0x1104  /* the data ends inside a record */
#define XLOG_ERR_TOO_LARGE -0x1105  /* a length above XLOG_MAX_BODY */

/* One record; the pointers point into the buffer given to xlog_next(). */
struct xlog_rec {
	int64_t time;
	char child[XLOG_MAX_CHILD + 1];     /* "" for "*" */
	char type[XLOG_MAX_TYPE + 1];       /* "" for "-" */
	char outcome[XLOG_MAX_OUTCOME + 1];
	const uint8_t *req, *resp;          /* NULL when the length is 0 */
	size_t req_len, resp_len;
	size_t offset, length;              /* where the record is, LFs included */
};

/*
 * Write the header of one record, its LF included, into buf (size bytes;
 * XLOG_MAX_HEADER always suffices). child may be NULL ("*": unknown),
 * type NULL ("-").
 * Returns the header's length, or XLOG_ERR_ARG / XLOG_ERR_FIELD (a field
 * outside the syntax above, a length above XLOG_MAX_BODY, time < 0, or
 * size too small). The caller writes header, request, response, "\n".
 */
int xlog_header(char *buf, size_t size, int64_t time, const char *child, const char *type,
                const char *outcome, size_t req_len, size_t resp_len);

/*
 * Decode the record at buf[*off..len) into *rec and advance *off past it.
 * Returns 0, XLOG_END when *off == len, or an XLOG_ERR_* code with *off
 * unchanged; why (may be NULL) then gets a reason naming the field.
 */
int xlog_next(const uint8_t *buf, size_t len, size_t *off, struct xlog_rec *rec, char *why,
              size_t why_size);

/* Static English text for an XLOG_* code. */
const char *xlog_strerror(int err);

#endif
