/*
 * updownctl inspect: an exchange log file (UD-160, proto/xlog.h), the
 * appliance's raw record of every RFC 6492 request and its response. One
 * line per record (time, child, message type, outcome, request and
 * response sizes), then the count. A file whose last record is cut short
 * (the writer stopped mid-record) gets a warning with the byte offset; a
 * malformed record stops the walk and is a refusal. The bodies themselves
 * are not decoded here: they are ordinary RFC 6492 CMS messages.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "inspect.h"
#include "proto/xlog.h"
#include "updownctl.h"

/* Does buf start with XLOG_MAGIC? */
bool
insp_xlog_sniff(const unsigned char *buf, size_t len)
{
	return len >= sizeof(XLOG_MAGIC) - 1 &&
	    memcmp(buf, XLOG_MAGIC, sizeof(XLOG_MAGIC) - 1) == 0;
}

static void
record_json(struct jo *j, const struct xlog_rec *r)
{
	jo_obj_begin(j, NULL);
	jo_time(j, "time", (time_t)r->time);
	jo_int(j, "unix_time", (long long)r->time);
	jo_str(j, "child", r->child[0] != '\0' ? r->child : NULL);
	jo_str(j, "type", r->type[0] != '\0' ? r->type : NULL);
	jo_str(j, "outcome", r->outcome);
	jo_uint(j, "request_bytes", r->req_len);
	jo_uint(j, "response_bytes", r->resp_len);
	jo_uint(j, "offset", r->offset);
	jo_obj_end(j);
}

static void
record_text(size_t n, const struct xlog_rec *r)
{
	char t[32];

	insp_time_text((time_t)r->time, t);
	if (t[0] == '(') /* beyond year 9999: the seconds as written */
		snprintf(t, sizeof(t), "@%" PRId64, r->time);
	printf("  #%zu %s %s %s %s, request %zu bytes, response %zu bytes\n", n, t,
	    r->child[0] != '\0' ? r->child : "*", r->type[0] != '\0' ? r->type : "-",
	    r->outcome, r->req_len, r->resp_len);
}

/*
 * Print every record of the exchange log in buf (text to stdout, or the
 * fields of the file's JSON object into j). Returns 0 (all records whole,
 * or only the last one truncated: a warning) or EXIT_REFUSED (a malformed
 * record, FORMAT or TOO_LARGE).
 */
int
insp_xlog(const unsigned char *buf, size_t len, struct jo *j)
{
	struct xlog_rec r;
	size_t off = 0, n = 0;
	char why[INSP_WHY], msg[INSP_WHY + 128];
	int rc;

	if (j != NULL) {
		jo_str(j, "kind", "exchange-log");
		jo_arr_begin(j, "records");
	} else
		printf("  exchange log (UD-160)\n");
	while ((rc = xlog_next(buf, len, &off, &r, why, sizeof(why))) == 0) {
		n++;
		if (j != NULL)
			record_json(j, &r);
		else
			record_text(n, &r);
	}
	if (j != NULL) {
		jo_arr_end(j);
		jo_uint(j, "count", n);
	} else
		printf("  %zu record(s)\n", n);
	if (rc == XLOG_END) {
		if (j != NULL) {
			jo_bool(j, "truncated", false);
			jo_null(j, "stopped_at");
			jo_null(j, "warning");
			jo_null(j, "error");
		}
		return 0;
	}
	snprintf(msg, sizeof(msg), "%s at byte %zu: %s (%s)",
	    rc == XLOG_ERR_TRUNCATED ? "truncated final record" : "malformed record", off,
	    xlog_strerror(rc), why);
	if (j != NULL) {
		jo_bool(j, "truncated", rc == XLOG_ERR_TRUNCATED);
		jo_uint(j, "stopped_at", off);
		if (rc == XLOG_ERR_TRUNCATED) {
			jo_str(j, "warning", msg);
			jo_null(j, "error");
		} else
			jo_str(j, "error", msg);
	} else
		printf("  %s: %s\n", rc == XLOG_ERR_TRUNCATED ? "WARNING" : "REFUSED", msg);
	return rc == XLOG_ERR_TRUNCATED ? 0 : EXIT_REFUSED;
}
