/*
 * Network test harness for firmware/http (tests/firmware/test_http_*.c,
 * bench/bench_http.c): a private network namespace with a TAP device, the
 * test server (updown-httpd-test) inside it, and a small HTTP client over
 * kernel sockets. Nothing outside the namespace is ever touched or
 * addressed: the kernel side of tap0 is 10.77.0.1/24, lwIP owns 10.77.0.2.
 */
#ifndef UPDOWN_TESTS_HTTP_HARNESS_H
#define UPDOWN_TESTS_HTTP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <http_parser.h>

#define NS_KERNEL_ADDR "10.77.0.1"
#define NS_LWIP_ADDR   "10.77.0.2"
#define NS_TAP         "tap0"

/*
 * ns_enter: create the namespace updown-test-<pid> (first removing stale
 * updown-test-* namespaces whose process is gone), move this process into
 * it, create tap0 there (kernel side NS_KERNEL_ADDR/24, up). Returns 0, or
 * 1 with a reason in why when the machine cannot run the test (not root,
 * no /dev/net/tun, no `ip`), or -1 with a reason on failure. The namespace
 * is deleted at exit (atexit) or by ns_leave().
 */
int ns_enter(char *why, size_t cap);
void ns_leave(void);

/* The test server. */
struct srv {
	pid_t pid;
	int out;             /* its stdout (a pipe) */
	char obuf[4096];
	size_t olen;
	char stats[512];     /* "stats ..." line printed at stop */
	char lwip[512];      /* "lwip ..." line */
};

/*
 * srv_start: run updown-httpd-test --tap tap0 --addr 10.77.0.2/24 plus the
 * NULL-terminated extra arguments, wait for "ready" and for the address to
 * answer TCP. Returns 0 or -1.
 */
int srv_start(struct srv *s, const char *const *extra);

/* srv_wait_line: the next stdout line starting with prefix, or -1 on timeout/EOF. */
int srv_wait_line(struct srv *s, const char *prefix, char *line, size_t cap, int timeout_ms);

/* srv_signal: send sig to the server. */
void srv_signal(struct srv *s, int sig);

/*
 * srv_stop: SIGTERM, collect its last lines (stats, lwip), wait for it to
 * exit (up to timeout_ms, then SIGKILL). Returns its exit status (0 = clean,
 * which includes no ASan/UBSan report), or -1 if killed.
 */
int srv_stop(struct srv *s, int timeout_ms);

/* srv_kill_all: SIGKILL servers a failed test left running. */
void srv_kill_all(void);

/* srv_stat: the value of key=N in s->stats (or s->lwip), -1 if absent. */
long srv_stat(const struct srv *s, const char *key);

/* ---- client ---- */

struct resp {
	int status;
	char ctype[128];
	char retry_after[32];
	char allow[32];
	char connection[32];
	unsigned char *body;   /* malloc'd, NUL-terminated */
	size_t len;
};

struct cli {
	int fd;
	unsigned char buf[65536];
	size_t len;
	http_parser p;
	struct resp *r;
	char field[64];        /* header name being read, lower case */
	size_t flen;
	bool in_value;
	bool done;
	bool skip_body;        /* the next response answers a HEAD: no body */
};

/* cli_open: connect to 10.77.0.2:port (timeout_ms). 0 or -1. */
int cli_open(struct cli *c, unsigned port, int timeout_ms);
void cli_close(struct cli *c);

/* cli_send: write all of buf (raw bytes). 0 or -1. */
int cli_send(struct cli *c, const void *buf, size_t len);

/* cli_sendf: printf-style raw request text. */
int cli_sendf(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_request: write a POST (or method) with a body and Content-Type (NULL: none). */
int cli_request(struct cli *c, const char *method, const char *path, const char *ctype,
    const void *body, size_t len);

/*
 * cli_response: read one response (bytes after it stay buffered for the
 * next call: pipelining). 0; -1 on timeout or malformed; -2 if the server
 * closed or reset before a complete response.
 */
int cli_response(struct cli *c, struct resp *r, int timeout_ms);
void resp_free(struct resp *r);

/* cli_post: one POST with application/rpki-updown, and its response. */
int cli_post(struct cli *c, const char *path, const void *body, size_t len, struct resp *r,
    int timeout_ms);

/*
 * cli_closed: wait until the server closes the connection (EOF or reset),
 * discarding data. Returns 1 closed, 0 still open after timeout_ms.
 */
int cli_closed(struct cli *c, int timeout_ms);

/* Milliseconds on the monotonic clock. */
long long now_ms(void);

#endif
