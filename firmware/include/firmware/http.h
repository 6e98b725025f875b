/*
 * The appliance's HTTP/1.1 server on lwIP: RFC 6492's transport.
 *
 * What it serves (RFC 6492 section 3): POST requests whose body is one CMS
 * message, with Content-Type application/rpki-updown (UD-1, UD-2), to
 * configured paths: one shared path (APNIC/RIPE NCC style, the handler gets
 * child == NULL) and/or PREFIX + child-handle paths (Krill/rpkid style: the
 * handler gets the handle from the path and must check it against the CMS
 * sender, UD-5). The reply is the handler's status and body, with Content-Type
 * application/rpki-updown unless the handler names another, in the same
 * exchange (UD-1). The server itself never looks inside the body.
 *
 * What it refuses, and how (the server's own answers carry a short
 * text/plain body):
 *   404  path not configured (or the child handle is unknown or malformed;
 *        any query or fragment in the request target also gives 404)
 *   405  known path, method other than POST; with "Allow: POST"
 *   411  POST without Content-Length, or with a chunked body: chunked
 *        request bodies are not accepted (every RFC 6492 client we know
 *        sends Content-Length; a chunked body cannot be bounded up front)
 *   413  Content-Length above max_body (UD-4; default 1 MiB); answered as
 *        soon as the headers are in, without reading the body
 *   414  request target longer than HTTP_URL_MAX
 *   415  Content-Type not accepted (UD-3: `types` policy below)
 *   417  an Expect other than 100-continue
 *   431  header section above max_header bytes or max_headers fields
 *   400  anything the parser (node's http_parser) rejects
 *   408  the header section or the body did not arrive in time
 *   505  an HTTP major version other than 1
 *   503  overload (UD-165), with "Retry-After: retry_after": the worker
 *        queue is full (the request was read; the connection stays usable),
 *        or more than max_conns connections are open (answered at once on
 *        the new connection, which is then closed)
 *   500  the handler failed (returned < 0) or gave no valid status
 * After 404/405/411(no body)/415 the body (if any, up to max_body) is read
 * and dropped and the connection stays open; after 400/408/411(chunked)/
 * 413/414/417/431/505 the server answers with "Connection: close", stops
 * reading requests and closes once the client has closed or 2 s have
 * passed (a lingering close, so the answer is not lost to a reset).
 *
 * Connections: persistent (HTTP/1.1 keep-alive; HTTP/1.0 keep-alive when
 * asked). Pipelined requests are answered strictly in order: while one
 * request is with a worker or its response is being sent, further bytes wait
 * in the connection's buffer (TCP's window closes when it is full).
 * Timeouts (checked every 0.5 s): a new connection must start a request within
 * header_timeout_ms; a kept-alive connection is closed after idle_timeout_ms
 * without a new request; a request's header section must be complete
 * header_timeout_ms after its first byte and its body body_timeout_ms after
 * the headers (else 408 and close); a response that makes no progress
 * (nothing acknowledged) for send_timeout_ms is aborted. So a slow or stuck
 * client holds only its own connection and never blocks the others.
 *
 * Threads: everything network-side runs in lwIP callbacks under lwIP's
 * core lock (parsing with http_parser, routing, queueing). Handlers run on
 * a pool of `workers` threads fed by a queue of `queue` requests; they never
 * run on the network side and may block (e.g. on the HSM). A worker hands
 * the reply back by taking the core lock. Requests from one connection
 * never run concurrently; requests from different connections (even for the
 * same child) do: serialising a child (UD-6) is the handler's job.
 *
 * Responses are not capped (UD-4): the body stays in the handler's buffer
 * and is fed to TCP as the window opens.
 */
#ifndef UPDOWN_FIRMWARE_HTTP_H
#define UPDOWN_FIRMWARE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/clock.h"
#include "hal/log.h"

#define HTTP_ERR_ARG    -0x2101 /* bad configuration */
#define HTTP_ERR_NOMEM  -0x2102
#define HTTP_ERR_LWIP   -0x2103 /* lwIP refused to listen (port in use, no pcb) */

#define HTTP_URL_MAX        1024  /* request target, bytes */
#define HTTP_HANDLE_MAX     255   /* child handle in a path (RFC 6492 schema) */
#define HTTP_MAX_WORKERS    64
#define HTTP_MAX_QUEUE      4096

/*
 * A handler's answer. status: an HTTP status, 200..599 (anything else
 * becomes 500). content_type: a static string, or NULL for
 * the configured reply type (application/rpki-updown). body: malloc'd; the
 * server frees it, also when the client has gone. retry_after: seconds,
 * nonzero adds a Retry-After header (for a handler's own 503). close: close
 * the connection after this reply.
 */
struct http_reply {
	int status;
	const char *content_type;
	unsigned char *body;
	size_t len;
	unsigned retry_after;
	bool close;
};

/*
 * A request handler, run on a worker thread. child is the handle taken from
 * the request path, or NULL for the shared path; it and body are valid
 * only during the call (body holds exactly len bytes: the request body,
 * not NUL-terminated). Fill *reply (it arrives zeroed) and return 0; a
 * negative return means "we are broken": the server answers 500 and frees
 * whatever reply->body holds. The handler must return eventually:
 * http_server_stop() waits for it.
 */
typedef int (*http_handler_fn)(void *ctx, const char *child, const unsigned char *body,
    size_t len, struct http_reply *reply);

/*
 * Is child a known child handle? Called on the network side under lwIP's
 * core lock for PREFIX + handle paths: it must be quick, must not block and
 * must be thread-safe with respect to whatever changes the set of children.
 */
typedef bool (*http_child_known_fn)(void *ctx, const char *child);

/* Which request Content-Types are accepted (UD-3). */
enum http_types {
	HTTP_TYPES_STRICT,  /* request_type only (the RFC's application/rpki-updown) */
	HTTP_TYPES_LEGACY,  /* request_type or legacy_type (application/x-rpki), like rpkid */
	HTTP_TYPES_ANY,     /* anything, even none (like rpki-core, which only logs) */
};

struct http_config {
	uint16_t port;                  /* default 80 */
	const char *shared_path;        /* e.g. "/updown"; NULL: none */
	const char *child_prefix;       /* e.g. "/updown/"; NULL: none */
	http_child_known_fn child_known; /* NULL: any well-formed handle */
	http_handler_fn handler;        /* required */
	void *ctx;                      /* for handler and child_known */
	enum http_types types;          /* default HTTP_TYPES_LEGACY */
	const char *request_type;       /* default "application/rpki-updown" */
	const char *legacy_type;        /* default "application/x-rpki" */
	const char *reply_type;         /* default "application/rpki-updown" (UD-2) */
	unsigned workers;               /* handler threads, default 2 */
	unsigned queue;                 /* requests waiting for a worker, default 64 */
	unsigned max_conns;             /* open connections, default 128 */
	size_t max_body;                /* request body bytes, default 1 MiB (UD-4) */
	unsigned max_header;            /* request line + headers bytes, default 8192 */
	unsigned max_headers;           /* header fields, default 32 */
	unsigned idle_timeout_ms;       /* default 30000 */
	unsigned header_timeout_ms;     /* default 10000 */
	unsigned body_timeout_ms;       /* default 30000 */
	unsigned send_timeout_ms;       /* default 30000 */
	unsigned stop_timeout_ms;       /* http_server_stop's wait, default 10000 */
	unsigned retry_after;           /* seconds, in 503 answers, default 1 */
	const struct hal_clock *clock;  /* optional: adds a Date header */
	const struct hal_log *log;      /* optional */
};

/* Counters, since start. */
struct http_stats {
	uint64_t accepted;        /* connections served */
	uint64_t refused_conns;   /* connections over max_conns (503 or reset) */
	uint64_t requests;        /* requests handed to a worker */
	uint64_t queue_full;      /* requests answered 503 because the queue was full */
	uint64_t status[6];       /* responses sent, by class: [1] 1xx .. [5] 5xx */
	uint64_t timeouts;        /* 408s, idle closes, stalled sends */
	uint64_t aborted;         /* connections reset by us or lost (client gone) */
	unsigned conns;           /* open now */
	unsigned conns_max;       /* high-water mark */
};

struct http_server;

/* http_config_init: the defaults above; handler and paths left unset. */
void http_config_init(struct http_config *cfg);

/*
 * http_server_start: check and copy cfg (strings are copied), start the
 * workers and listen on cfg->port on every address of lwIP's netif. lwIP
 * must be running (fw_lwip_start); call without holding the core lock.
 * Several servers may run at once on different ports (e.g. the children's
 * endpoint and the provisioning endpoint). Note: max_header is enforced by
 * http_parser, whose limit is process-wide: the last server started sets it.
 * *out is the caller's: release it with http_server_stop().
 * Returns 0, HTTP_ERR_ARG, HTTP_ERR_NOMEM or HTTP_ERR_LWIP.
 */
int http_server_start(const struct http_config *cfg, struct http_server **out);

/*
 * http_server_stop: stop listening, close idle and half-read connections,
 * let in-flight requests (queued, with a worker, or being sent) finish and
 * their responses go out (with Connection: close), for up to
 * stop_timeout_ms; then reset what is left, wait for running handlers to
 * return, stop the workers and free srv. If final is not NULL it receives
 * the counters as they stand at the end. srv NULL is ok. Call without
 * holding the core lock.
 */
void http_server_stop(struct http_server *srv, struct http_stats *final);

/* http_server_get_stats: a snapshot of srv's counters. */
void http_server_get_stats(struct http_server *srv, struct http_stats *out);

#endif
