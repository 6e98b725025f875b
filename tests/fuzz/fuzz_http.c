/*
 * Fuzz the appliance's HTTP request layer (firmware/http_req.c on node's
 * http_parser): the bytes after a 2-byte prefix are what a client sends on
 * one connection, fed in pieces as TCP might deliver them, with requests
 * answered and the parser resumed as http.c's conn_parse does. The prefix
 * picks the Content-Type policy (UD-3), the piece size and max_body.
 *
 * For every request that reaches the end of its message the decision must
 * be consistent: a request we would hand to a worker (status 0) is a POST
 * with exactly Content-Length body bytes in hand, no more than max_body
 * (UD-4), to the shared path or a well-formed child path (UD-5), whose
 * Content-Type the policy accepts; anything else carries one of the
 * statuses firmware/http.h lists. Every stored string stays within its
 * bound and NUL-terminated, and the response head we would send is well
 * formed. abort() on any mismatch.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SHARED  "/updown"
#define PREFIX  "/updown/"

static const int statuses[] = { 400, 404, 405, 411, 413, 414, 415, 417, 431, 503, 505 };

static void
check_strings(const struct http_conn *c)
{
	if (c->url_len > HTTP_URL_MAX || c->url[c->url_len] != '\0' ||
	    c->ctype_len > HTTP_CTYPE_MAX || c->ctype[c->ctype_len] != '\0' ||
	    c->expect_len > HTTP_EXPECT_MAX || c->expect[c->expect_len] != '\0' ||
	    c->field_len > HTTP_FIELD_MAX || c->field[c->field_len] != '\0' ||
	    strlen(c->child) > HTTP_HANDLE_MAX || c->body_len > c->body_cap)
		abort();
}

/* The media type before any parameters, as accepted under policy types. */
static bool
accepted(const struct http_conn *c, enum http_types types)
{
	const char *v = c->ctype, *end;
	size_t n;

	if (types == HTTP_TYPES_ANY)
		return true;
	if (c->nctype != 1 || c->ctype_long)
		return false;
	while (*v == ' ' || *v == '\t')
		v++;
	if ((end = strchr(v, ';')) == NULL)
		end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - v);
	if (n == strlen("application/rpki-updown") &&
	    strncasecmp(v, "application/rpki-updown", n) == 0)
		return true;
	return types == HTTP_TYPES_LEGACY && n == strlen("application/x-rpki") &&
	    strncasecmp(v, "application/x-rpki", n) == 0;
}

/* A whole request is in: check the decision and the head we would send. */
static void
check_request(struct http_conn *c, size_t max_body, enum http_types types)
{
	struct http_parser_url u;
	const char *path;
	size_t i, plen, pfx = strlen(PREFIX);

	check_strings(c);
	if (!c->headers_done)
		abort();
	if (c->status == 0) {
		if (c->parser.method != HTTP_POST || c->discard || c->body_len != c->body_cap ||
		    c->body_cap > max_body || !accepted(c, types))
			abort();
		/* The target's path (it may be absolute-form): ours, nothing more. */
		http_parser_url_init(&u);
		if (http_parser_parse_url(c->url, c->url_len, 0, &u) != 0 ||
		    !(u.field_set & (1u << UF_PATH)) ||
		    (u.field_set & (1u << UF_QUERY | 1u << UF_FRAGMENT | 1u << UF_USERINFO)))
			abort();
		path = c->url + u.field_data[UF_PATH].off;
		plen = u.field_data[UF_PATH].len;
		if (c->has_child) {
			size_t hl = strlen(c->child);

			if (hl == 0 || plen != pfx + hl || memcmp(path, PREFIX, pfx) != 0 ||
			    memcmp(path + pfx, c->child, hl) != 0)
				abort();
			for (i = 0; i < hl; i++)
				if (!isalnum((unsigned char)c->child[i]) && c->child[i] != '-' &&
				    c->child[i] != '_' && c->child[i] != '/')
					abort();
		} else if (plen != strlen(SHARED) || memcmp(path, SHARED, plen) != 0) {
			abort();
		}
	} else {
		/* Our own answer with the connection kept: the body was dropped. */
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
			if (c->status == statuses[i])
				break;
		if (i == sizeof(statuses) / sizeof(statuses[0]) || !c->discard || c->body_len != 0)
			abort();
	}
	memset(&c->reply, 0, sizeof(c->reply));
	c->reply.status = c->status != 0 ? c->status : 200;
	c->reply.len = c->body_len;
	c->reply.retry_after = c->status == 503 ? 1 : 0;
	c->close_after = c->want_close;
	http_head_build(c);
	if (c->head_len < 4 || c->head_len >= sizeof(c->head) ||
	    memcmp(c->head, "HTTP/1.1 ", 9) != 0 ||
	    memcmp(c->head + c->head_len - 4, "\r\n\r\n", 4) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_server srv;
	struct http_conn *c;
	enum http_types types;
	size_t piece, max_body, off = 0;

	if (size < 2)
		return 0;
	types = (enum http_types)(data[0] % 3);
	max_body = (data[0] & 0x80) != 0 ? 64 : 1u << 20;
	piece = data[1] == 0 ? size : data[1];
	data += 2;
	size -= 2;

	memset(&srv, 0, sizeof(srv));
	srv.cfg.types = types;
	srv.cfg.max_body = max_body;
	srv.cfg.max_headers = 32;
	srv.shared_path = (char *)SHARED;
	srv.child_prefix = (char *)PREFIX;
	srv.shared_len = strlen(SHARED);
	srv.prefix_len = strlen(PREFIX);
	srv.request_type = (char *)"application/rpki-updown";
	srv.legacy_type = (char *)"application/x-rpki";
	srv.reply_type = (char *)"application/rpki-updown";
	srv.cfg.request_type = srv.request_type;
	srv.cfg.legacy_type = srv.legacy_type;
	srv.cfg.reply_type = srv.reply_type;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return 0;
	c->srv = &srv;
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	http_req_reset(c);

	while (off < size) {
		size_t len = size - off < piece ? size - off : piece;
		size_t n = http_parser_execute(&c->parser, &http_req_settings,
		    (const char *)data + off, len);
		enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);

		if (n > len)
			abort();
		off += n;
		check_strings(c);
		if (e == HPE_PAUSED) {
			check_request(c, max_body, types);
			if (c->want_close)
				break;
			http_parser_pause(&c->parser, 0);
			continue;
		}
		if (e != HPE_OK)
			break;                  /* 400, or our own status: answered, closed */
		if (n == 0 && len > 0)
			abort();                /* the parser must take input or say why not */
	}
	http_req_reset(c);
	free(c);
	return 0;
}
