/*
 * firmware/http: reading one request with node's http_parser (Debian's
 * libhttp-parser, allocation-free), deciding what to answer at the end of
 * the header section (routing, method, length, type: see http.h for the
 * statuses), and writing response heads.
 *
 * The parser callbacks run inside http_parser_execute() on the network side
 * (core lock held). A callback returning nonzero stops the parser with an
 * HPE_CB_* error; http.c then answers c->status and closes. Bytes are
 * copied only into fixed, bounded buffers (url, the Content-Type and
 * Expect values, the current field name) and into the body buffer, which
 * is allocated once, at exactly Content-Length <= max_body bytes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_int.h"

/* Append [at, at+len) to buf (cap bytes + NUL), flagging overflow. */
static void
append(char *buf, size_t cap, size_t *used, bool *overflow, const char *at, size_t len)
{
	if (*overflow || len > cap - *used) {
		*overflow = true;
		return;
	}
	memcpy(buf + *used, at, len);
	*used += len;
	buf[*used] = '\0';
}

static bool
equal_ci(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return false;
	for (i = 0; i < alen; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return false;
	return true;
}

/* http_req_reset: forget the previous request (at a message's start). */
void
http_req_reset(struct http_conn *c)
{
	free(c->body);
	c->body = NULL;
	c->body_len = c->body_cap = 0;
	c->in_request = c->headers_done = c->in_value = false;
	c->discard = c->want_close = c->head_method = false;
	c->status = 0;
	c->nheaders = c->nctype = 0;
	c->hdr = HDR_OTHER;
	c->field_len = c->url_len = c->ctype_len = c->expect_len = 0;
	c->field[0] = c->url[0] = c->ctype[0] = c->expect[0] = '\0';
	c->url_long = c->ctype_long = c->expect_long = c->field_long = false;
	c->child[0] = '\0';
	c->has_child = false;
}

static int
on_message_begin(http_parser *p)
{
	struct http_conn *c = p->data;

	http_req_reset(c);
	c->in_request = true;
	c->t_start = sys_now();
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;

	append(c->url, HTTP_URL_MAX, &c->url_len, &c->url_long, at, len);
	if (c->url_long) {
		c->status = 414;  /* RFC 9110 15.5.15 */
		return -1;
	}
	return 0;
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;

	if (c->in_value || c->nheaders == 0) {
		/* A new field. */
		if (++c->nheaders > c->srv->cfg.max_headers) {
			c->status = 431;  /* RFC 6585 section 5 */
			return -1;
		}
		c->in_value = false;
		c->field_len = 0;
		c->field[0] = '\0';
		c->field_long = false;
	}
	append(c->field, HTTP_FIELD_MAX, &c->field_len, &c->field_long, at, len);
	return 0;
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;

	if (!c->in_value) {
		c->in_value = true;
		c->hdr = HDR_OTHER;
		if (!c->field_long && equal_ci(c->field, c->field_len, "content-type")) {
			c->hdr = HDR_CTYPE;
			c->nctype++;
		} else if (!c->field_long && equal_ci(c->field, c->field_len, "expect")) {
			c->hdr = HDR_EXPECT;
		}
	}
	if (c->hdr == HDR_CTYPE)
		append(c->ctype, HTTP_CTYPE_MAX, &c->ctype_len, &c->ctype_long, at, len);
	else if (c->hdr == HDR_EXPECT)
		append(c->expect, HTTP_EXPECT_MAX, &c->expect_len, &c->expect_long, at, len);
	return 0;
}

/* RFC 6492's handle characters (its schema: [\-_A-Za-z0-9/]*), 1..255. */
static bool
handle_ok(const char *h, size_t len)
{
	size_t i;

	if (len == 0 || len > HTTP_HANDLE_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)h[i];
		if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '/')
			return false;
	}
	return true;
}

/*
 * Route the request target: 0 (c->child / c->has_child set) or an HTTP
 * status (400 unparsable target, 404 unknown path or child).
 */
static int
route(struct http_conn *c)
{
	const struct http_server *s = c->srv;
	struct http_parser_url u;
	const char *path;
	size_t len;

	http_parser_url_init(&u);
	if (http_parser_parse_url(c->url, c->url_len, c->parser.method == HTTP_CONNECT, &u) != 0)
		return 400;
	if (u.field_set & (1u << UF_QUERY | 1u << UF_FRAGMENT | 1u << UF_USERINFO))
		return 404;
	if (!(u.field_set & (1u << UF_PATH)))
		return 404;
	path = c->url + u.field_data[UF_PATH].off;
	len = u.field_data[UF_PATH].len;
	if (s->shared_path != NULL && len == s->shared_len && memcmp(path, s->shared_path, len) == 0)
		return 0;
	if (s->child_prefix != NULL && len > s->prefix_len &&
	    memcmp(path, s->child_prefix, s->prefix_len) == 0) {
		const char *h = path + s->prefix_len;
		size_t hlen = len - s->prefix_len;

		if (!handle_ok(h, hlen))
			return 404;
		memcpy(c->child, h, hlen);
		c->child[hlen] = '\0';
		if (s->cfg.child_known != NULL && !s->cfg.child_known(s->cfg.ctx, c->child))
			return 404;
		c->has_child = true;
		return 0;
	}
	return 404;
}

/* Is the media type (before any ";" parameters) one we accept (UD-3)? */
static bool
type_ok(const struct http_conn *c)
{
	const struct http_server *s = c->srv;
	const char *v = c->ctype, *end;

	if (s->cfg.types == HTTP_TYPES_ANY)
		return true;
	if (c->nctype != 1 || c->ctype_long)
		return false;
	while (*v == ' ' || *v == '\t')
		v++;
	end = strchr(v, ';');
	if (end == NULL)
		end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (equal_ci(v, (size_t)(end - v), s->request_type))
		return true;
	return s->cfg.types == HTTP_TYPES_LEGACY && equal_ci(v, (size_t)(end - v), s->legacy_type);
}

/*
 * End of the header section: decide. 0 = read the body (into c->body, or
 * dropped when c->discard); -1 = stop here, answer c->status and close.
 */
static int
on_headers_complete(http_parser *p)
{
	struct http_conn *c = p->data;
	const struct http_server *s = c->srv;
	bool chunked = (p->flags & F_CHUNKED) != 0 || p->uses_transfer_encoding;
	bool has_length = (p->flags & F_CONTENTLENGTH) != 0;
	bool expect_continue = false;
	int st;

	c->headers_done = true;
	c->t_headers = sys_now();
	c->head_method = p->method == HTTP_HEAD;
	c->want_close = !http_should_keep_alive(p) || p->upgrade;
	if (p->http_major != 1) {
		c->status = 505;
		return -1;
	}
	if (p->uses_transfer_encoding && !(p->flags & F_CHUNKED)) {
		c->status = 400;  /* RFC 9112 6.3: a request TE not ending in chunked */
		return -1;
	}
	if (c->nctype > 1) {
		c->status = 400;  /* two Content-Types: RFC 9110 5.3 allows no list here */
		return -1;
	}
	if (c->expect_len > 0 || c->expect_long) {
		if (c->expect_long || !equal_ci(c->expect, c->expect_len, "100-continue")) {
			c->status = 417;  /* RFC 9110 10.1.1 */
			return -1;
		}
		expect_continue = p->http_minor >= 1;
	}

	if ((st = route(c)) != 0)
		c->status = st;
	else if (p->method != HTTP_POST)
		c->status = 405;
	else if (chunked || !has_length)
		c->status = 411;  /* RFC 9110 15.5.12: we need Content-Length */
	else if (p->content_length > s->cfg.max_body)
		c->status = 413;  /* UD-4 */
	else if (!type_ok(c))
		c->status = 415;  /* UD-3 */

	if (c->status != 0) {
		/*
		 * Drop a bounded body and keep the connection; a body we cannot
		 * or will not bound, or a client waiting for 100-continue, gets
		 * the answer now and a close.
		 */
		if (chunked || expect_continue ||
		    (has_length && p->content_length > s->cfg.max_body))
			return -1;
		c->discard = true;
		return 0;
	}
	if (p->content_length > 0) {
		c->body = malloc((size_t)p->content_length);
		if (c->body == NULL) {
			c->status = 503;
			return -1;
		}
		c->body_cap = (size_t)p->content_length;
		if (expect_continue)
			http_conn_send_continue(c);
	}
	return 0;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;

	if (c->discard)
		return 0;
	if (len > c->body_cap - c->body_len) {
		/* http_parser never passes more than Content-Length; be sure. */
		c->status = 400;
		return -1;
	}
	memcpy(c->body + c->body_len, at, len);
	c->body_len += len;
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	/* One request at a time: http.c resumes after the response is out. */
	http_parser_pause(p, 1);
	return 0;
}

const http_parser_settings http_req_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

/*
 * http_head_build: the status line and headers for c->reply into c->head.
 * Content-Type is the reply's (UD-2: application/rpki-updown by default);
 * Retry-After for 503s (UD-165), Allow for 405, Date when a clock is set,
 * Connection: close when the connection ends after this response.
 */
void
http_head_build(struct http_conn *c)
{
	const struct http_server *s = c->srv;
	const struct http_reply *r = &c->reply;
	const char *ctype = r->content_type != NULL ? r->content_type : s->reply_type;
	char date[64] = "", extra[96] = "";
	size_t n = 0;
	time_t now;
	struct tm tm;
	bool close = c->close_after;

	if (strlen(ctype) > 100 || strpbrk(ctype, "\r\n") != NULL)
		ctype = s->reply_type;
	if (s->cfg.clock != NULL && hal_clock_now(s->cfg.clock, &now) == 0 &&
	    gmtime_r(&now, &tm) != NULL)
		strftime(date, sizeof(date), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
	if (r->retry_after != 0)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "Retry-After: %u\r\n",
		    r->retry_after);
	if (r->status == 405)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "Allow: POST\r\n");
	if (close)
		snprintf(extra + n, sizeof(extra) - n, "Connection: close\r\n");
	else if (c->parser.http_major == 1 && c->parser.http_minor == 0)
		snprintf(extra + n, sizeof(extra) - n, "Connection: keep-alive\r\n");
	int len = snprintf(c->head, sizeof(c->head),
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
	    r->status, http_status_str((enum http_status)r->status), ctype, r->len, extra, date);
	c->head_len = len > 0 && (size_t)len < sizeof(c->head) ? (size_t)len : 0;
}
