/*
 * firmware/http over lwIP on a TAP device in a private network namespace:
 * what one request gets (UD-1, UD-2, UD-3, UD-4, UD-5, UD-8 passthrough,
 * UD-165 from a handler), statuses 400/404/405/411/413/414/415/417/431/505,
 * keep-alive, pipelining, large responses, a client that disconnects
 * mid-response, half-close, HTTP/1.0; lwIP answers ICMP echo and resets
 * connections to closed ports.
 *
 * One server (tests/firmware/http/updown-httpd-test.c) for the whole group:
 * shared path /updown, child paths /updown/<handle> for alice and bob.
 * The group teardown stops it with SIGTERM and requires exit status 0 (in
 * the sanitizer build that includes: no ASan/UBSan/LSan report).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/harness.h"

#define T_MS 10000  /* generous: sanitizer builds on 2 cores */

static char skip_why[256];
static struct srv server;

static int
group_setup(void **state)
{
	static const char *const args[] = { "--children", "alice,bob", NULL };
	int rc;

	(void)state;
	rc = ns_enter(skip_why, sizeof(skip_why));
	if (rc == 1) {
		printf("SKIP: %s\n", skip_why);
		return 0;
	}
	if (rc != 0) {
		fprintf(stderr, "namespace: %s\n", skip_why);
		return -1;
	}
	skip_why[0] = '\0';
	return srv_start(&server, args);
}

static int
group_teardown(void **state)
{
	int st;

	(void)state;
	if (skip_why[0] != '\0')
		return 0;
	st = srv_stop(&server, 20000);
	printf("server: %s\n        %s\n", server.stats, server.lwip);
	ns_leave();
	if (st != 0) {
		fprintf(stderr, "server exit status %d (sanitizer report or crash?)\n", st);
		return -1;
	}
	return 0;
}

#define NEED_NET() do { if (skip_why[0] != '\0') { printf("skip: %s\n", skip_why); skip(); } } while (0)

static void
open_cli(struct cli *c)
{
	assert_int_equal(cli_open(c, 80, T_MS), 0);
}

/* One POST on c with content type ctype; the response's status. */
static int
post_status(struct cli *c, const char *path, const char *ctype, const char *body, struct resp *r)
{
	assert_int_equal(cli_request(c, "POST", path, ctype, body, strlen(body)), 0);
	assert_int_equal(cli_response(c, r, T_MS), 0);
	return r->status;
}

static void
expect_echo(struct cli *c, const char *path, const char *child, const char *body)
{
	struct resp r;
	char want[512];

	assert_int_equal(cli_post(c, path, body, strlen(body), &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ctype, "application/rpki-updown");
	snprintf(want, sizeof(want), "child=%s\n%s", child, body);
	assert_int_equal(r.len, strlen(want));
	assert_memory_equal(r.body, want, r.len);
	resp_free(&r);
}

/* UD-1, UD-2, UD-5: POST to a child's path: the handler gets the handle. */
static void
test_post_child_ud1_ud2_ud5(void **state)
{
	struct cli c;

	(void)state;
	NEED_NET();
	open_cli(&c);
	expect_echo(&c, "/updown/alice", "alice", "hello from alice");
	expect_echo(&c, "/updown/bob", "bob", "and bob");
	cli_close(&c);
}

/* UD-5: the shared path gives the handler no child. */
static void
test_post_shared_ud5(void **state)
{
	struct cli c;

	(void)state;
	NEED_NET();
	open_cli(&c);
	expect_echo(&c, "/updown", "-", "shared");
	/* An absolute-form request target routes by its path. */
	struct resp r;
	assert_int_equal(cli_sendf(&c, "POST http://" NS_LWIP_ADDR "/updown/alice HTTP/1.1\r\n"
	    "Host: x\r\nContent-Type: application/rpki-updown\r\nContent-Length: 2\r\n\r\nab"), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "child=alice\nab");
	resp_free(&r);
	cli_close(&c);
}

/* UD-3: rpki-updown, the legacy x-rpki, parameters and case are accepted. */
static void
test_content_types_ud3(void **state)
{
	static const char *const ok[] = { "application/rpki-updown", "application/x-rpki",
		"Application/RPKI-Updown", "application/rpki-updown; charset=utf-8",
		" application/rpki-updown ", NULL };
	static const char *const bad[] = { "text/xml", "application/rpki-updown2",
		"application/xml", "application/rpki", "", NULL };
	struct cli c;
	struct resp r;
	int i;

	(void)state;
	NEED_NET();
	open_cli(&c);
	for (i = 0; ok[i] != NULL; i++) {
		assert_int_equal(post_status(&c, "/updown/alice", ok[i], "x", &r), 200);
		resp_free(&r);
	}
	for (i = 0; bad[i] != NULL; i++) {
		assert_int_equal(post_status(&c, "/updown/alice", bad[i], "x", &r), 415);
		assert_string_equal(r.connection, "");  /* the connection stays usable */
		resp_free(&r);
	}
	/* No Content-Type at all. */
	assert_int_equal(post_status(&c, "/updown/alice", NULL, "x", &r), 415);
	resp_free(&r);
	/* Two Content-Types: ambiguous, 400 and close. */
	assert_int_equal(cli_sendf(&c, "POST /updown HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n"
	    "Content-Type: application/rpki-updown\r\nContent-Length: 1\r\n\r\nx"), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.connection, "close");
	resp_free(&r);
	assert_int_equal(cli_closed(&c, T_MS), 1);
	cli_close(&c);
}

/* Wrong method: 405 with Allow: POST; the connection stays usable. */
static void
test_method_405(void **state)
{
	static const char *const methods[] = { "GET", "PUT", "DELETE", "OPTIONS", "PATCH", NULL };
	struct cli c;
	struct resp r;
	int i;

	(void)state;
	NEED_NET();
	open_cli(&c);
	for (i = 0; methods[i] != NULL; i++) {
		assert_int_equal(cli_request(&c, methods[i], "/updown/alice",
		    "application/rpki-updown", "body", 4), 0);
		assert_int_equal(cli_response(&c, &r, T_MS), 0);
		assert_int_equal(r.status, 405);
		assert_string_equal(r.allow, "POST");
		resp_free(&r);
	}
	/* HEAD: 405 too, and no body follows the head. */
	assert_int_equal(cli_sendf(&c, "HEAD /updown HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	c.skip_body = true;
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 405);
	assert_int_equal(r.len, 0);
	resp_free(&r);
	expect_echo(&c, "/updown/alice", "alice", "after 405s");
	cli_close(&c);
}

/* Unknown paths and children: 404 (the body is drained, the connection kept). */
static void
test_path_404(void **state)
{
	static const char *const paths[] = { "/", "/nope", "/updownx", "/updown/", "/updown/carol",
		"/updown/al%20ice", "/updown/alice?x=1", "/updown/alice#f", "/updown/ali.ce",
		"/UPDOWN/alice", "/updown/alice/", NULL };
	struct cli c;
	struct resp r;
	int i;

	(void)state;
	NEED_NET();
	open_cli(&c);
	for (i = 0; paths[i] != NULL; i++) {
		assert_int_equal(post_status(&c, paths[i], "application/rpki-updown", "body", &r), 404);
		assert_string_equal(r.ctype, "text/plain; charset=utf-8");
		resp_free(&r);
	}
	/* 404 for a GET on an unknown path (not 405: the resource does not exist). */
	assert_int_equal(cli_request(&c, "GET", "/etc/passwd", NULL, NULL, 0), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	expect_echo(&c, "/updown/alice", "alice", "still here");
	cli_close(&c);
}

/* UD-4: bodies up to 1 MiB are accepted; larger ones get 413 at once. */
static void
test_body_limit_413_ud4(void **state)
{
	size_t max = 1024 * 1024;
	unsigned char *big = malloc(max);
	struct cli c;
	struct resp r;

	(void)state;
	NEED_NET();
	assert_non_null(big);
	memset(big, 'q', max);
	open_cli(&c);
	assert_int_equal(cli_post(&c, "/updown/bob", big, max, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, strlen("child=bob\n") + max);
	assert_memory_equal(r.body + strlen("child=bob\n"), big, max);
	resp_free(&r);
	/* One byte more: refused from the headers alone, without sending the body. */
	assert_int_equal(cli_sendf(&c, "POST /updown/bob HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n"
	    "Content-Length: %zu\r\n\r\n", max + 1), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 413);
	assert_string_equal(r.connection, "close");
	resp_free(&r);
	assert_int_equal(cli_closed(&c, T_MS), 1);
	cli_close(&c);
	/* An absurd length too. */
	open_cli(&c);
	assert_int_equal(cli_sendf(&c, "POST /updown HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n"
	    "Content-Length: 99999999999999\r\n\r\n"), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	cli_close(&c);
	free(big);
}

/* Expect: 100-continue gets the interim 100; an oversized one gets 413 instead. */
static void
test_expect_continue(void **state)
{
	struct cli c;
	struct resp r;

	(void)state;
	NEED_NET();
	open_cli(&c);
	assert_int_equal(cli_sendf(&c, "POST /updown/alice HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n"
	    "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 100);
	resp_free(&r);
	assert_int_equal(cli_send(&c, "hello", 5), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "child=alice\nhello");
	resp_free(&r);
	assert_int_equal(cli_sendf(&c, "POST /updown/alice HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n"
	    "Expect: 100-continue\r\nContent-Length: 2000000\r\n\r\n"), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	cli_close(&c);
	/* Any other expectation: 417. */
	open_cli(&c);
	assert_int_equal(cli_sendf(&c, "POST /updown HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n"
	    "Expect: teapot\r\nContent-Length: 1\r\n\r\nx"), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 417);
	resp_free(&r);
	cli_close(&c);
}

/* POST without Content-Length: 411 (kept); chunked: 411 and close. */
static void
test_length_required_411(void **state)
{
	struct cli c;
	struct resp r;

	(void)state;
	NEED_NET();
	open_cli(&c);
	assert_int_equal(cli_sendf(&c, "POST /updown HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n\r\n"), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 411);
	assert_string_equal(r.connection, "");
	resp_free(&r);
	expect_echo(&c, "/updown", "-", "after 411");
	assert_int_equal(cli_sendf(&c, "POST /updown HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 411);
	assert_string_equal(r.connection, "close");
	resp_free(&r);
	assert_int_equal(cli_closed(&c, T_MS), 1);
	cli_close(&c);
}

/* Malformed requests: 400 (or 505 for HTTP/2), Connection: close, closed. */
static void
test_malformed_400(void **state)
{
	static const struct { const char *req; int status; } cases[] = {
		{ "GARBAGE\r\n\r\n", 400 },
		{ "POST /updown HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400 },
		{ "POST /updown HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", 400 },
		{ "POST /updown HTTP/1.1\r\nNo colon here\r\n\r\n", 400 },
		{ "POST /updown HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
		{ "POST /updown HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400 },
		{ "POST /updown HTTP/9.1\r\n\r\n", 505 },
		{ "POST /upd\x01own HTTP/1.1\r\n\r\n", 400 },
		{ "POST  HTTP/1.1\r\n\r\n", 400 },
		{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400 },  /* a TLS ClientHello */
	};
	size_t i;

	(void)state;
	NEED_NET();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli c;
		struct resp r;

		open_cli(&c);
		assert_int_equal(cli_send(&c, cases[i].req, strlen(cases[i].req)), 0);
		assert_int_equal(cli_response(&c, &r, T_MS), 0);
		if (r.status != cases[i].status)
			fail_msg("case %zu: status %d, want %d", i, r.status, cases[i].status);
		assert_string_equal(r.connection, "close");
		resp_free(&r);
		assert_int_equal(cli_closed(&c, T_MS), 1);
		cli_close(&c);
	}
}

/* Header limits: too many fields, too many bytes (431), too long a target (414). */
static void
test_header_limits_431_414(void **state)
{
	char *req = malloc(20000);
	struct cli c;
	struct resp r;
	size_t n;
	int i;

	(void)state;
	NEED_NET();
	assert_non_null(req);
	/* 40 fields (limit 32). */
	n = (size_t)sprintf(req, "POST /updown HTTP/1.1\r\n");
	for (i = 0; i < 40; i++)
		n += (size_t)sprintf(req + n, "X-F%d: v\r\n", i);
	n += (size_t)sprintf(req + n, "\r\n");
	open_cli(&c);
	assert_int_equal(cli_send(&c, req, n), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 431);
	resp_free(&r);
	cli_close(&c);
	/* 9000 bytes in one field (limit 8192 for the whole section). */
	n = (size_t)sprintf(req, "POST /updown HTTP/1.1\r\nX-Big: ");
	memset(req + n, 'b', 9000);
	n += 9000;
	n += (size_t)sprintf(req + n, "\r\n\r\n");
	open_cli(&c);
	assert_int_equal(cli_send(&c, req, n), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 431);
	resp_free(&r);
	cli_close(&c);
	/* A 2000-byte request target. */
	n = (size_t)sprintf(req, "POST /updown/");
	memset(req + n, 'a', 2000);
	n += 2000;
	n += (size_t)sprintf(req + n, " HTTP/1.1\r\n\r\n");
	open_cli(&c);
	assert_int_equal(cli_send(&c, req, n), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 414);
	resp_free(&r);
	cli_close(&c);
	free(req);
}

/* UD-1: keep-alive: many requests, one connection, one reply each. */
static void
test_keep_alive_ud1(void **state)
{
	struct cli c;
	char body[64];
	int i;

	(void)state;
	NEED_NET();
	open_cli(&c);
	for (i = 0; i < 50; i++) {
		snprintf(body, sizeof(body), "request %d", i);
		expect_echo(&c, i % 2 ? "/updown/alice" : "/updown", i % 2 ? "alice" : "-", body);
	}
	cli_close(&c);
}

/* Pipelining: requests sent back to back are answered in order. */
static void
test_pipelined(void **state)
{
	char buf[8192];
	size_t n = 0;
	struct cli c;
	struct resp r;
	int i;

	(void)state;
	NEED_NET();
	for (i = 0; i < 12; i++) {
		if (i == 5)  /* an error in the middle: answered in its place */
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "POST /nowhere HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
		else {
			char body[32];

			snprintf(body, sizeof(body), i == 7 ? "sleep:100" : "pipe-%d", i);
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "POST /updown/bob HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n"
			    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
		}
	}
	open_cli(&c);
	assert_int_equal(cli_send(&c, buf, n), 0);
	for (i = 0; i < 12; i++) {
		char want[64];

		assert_int_equal(cli_response(&c, &r, T_MS), 0);
		if (i == 5) {
			assert_int_equal(r.status, 404);
		} else if (i == 7) {
			assert_int_equal(r.status, 200);
			assert_string_equal((char *)r.body, "slept");
		} else {
			snprintf(want, sizeof(want), "child=bob\npipe-%d", i);
			assert_int_equal(r.status, 200);
			assert_string_equal((char *)r.body, want);
		}
		resp_free(&r);
	}
	cli_close(&c);
}

static void
expect_big(struct cli *c, size_t n)
{
	char cmd[32];
	struct resp r;
	size_t i;

	snprintf(cmd, sizeof(cmd), "big:%zu", n);
	assert_int_equal(cli_post(c, "/updown/alice", cmd, strlen(cmd), &r, T_MS * 3), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, n);
	for (i = 0; i < n; i++)
		if (r.body[i] != (unsigned char)('a' + i % 26))
			fail_msg("byte %zu of %zu differs", i, n);
	resp_free(&r);
}

/* UD-4: responses are not capped: 256 KiB (list_response size) and 4 MB. */
static void
test_big_responses_ud4(void **state)
{
	struct cli c;

	(void)state;
	NEED_NET();
	open_cli(&c);
	expect_big(&c, 0);
	expect_big(&c, 1);
	expect_big(&c, 262144);
	expect_big(&c, 4000000);
	expect_echo(&c, "/updown", "-", "after big");
	cli_close(&c);
}

/* The handler's status, type and Retry-After pass through (UD-8, UD-165). */
static void
test_handler_replies_ud8(void **state)
{
	struct cli c;
	struct resp r;

	(void)state;
	NEED_NET();
	open_cli(&c);
	/* UD-8: a bare 400, no up-down message. */
	assert_int_equal(post_status(&c, "/updown/alice", "application/rpki-updown", "status:400", &r), 400);
	assert_int_equal(r.len, 0);
	resp_free(&r);
	assert_int_equal(post_status(&c, "/updown", "application/rpki-updown", "fail", &r), 500);
	resp_free(&r);
	assert_int_equal(post_status(&c, "/updown", "application/rpki-updown", "status:99", &r), 500);
	resp_free(&r);
	assert_int_equal(post_status(&c, "/updown", "application/rpki-updown", "status:700", &r), 500);
	resp_free(&r);
	/* UD-165: a handler's own 503 with Retry-After. */
	assert_int_equal(post_status(&c, "/updown", "application/rpki-updown", "busy", &r), 503);
	assert_string_equal(r.retry_after, "7");
	resp_free(&r);
	assert_int_equal(post_status(&c, "/updown", "application/rpki-updown", "type:application/x-foo", &r), 200);
	assert_string_equal(r.ctype, "application/x-foo");
	resp_free(&r);
	assert_int_equal(post_status(&c, "/updown", "application/rpki-updown", "close", &r), 200);
	assert_string_equal(r.connection, "close");
	resp_free(&r);
	assert_int_equal(cli_closed(&c, T_MS), 1);
	cli_close(&c);
}

/* A client that goes away in the middle of a large response. */
static void
test_disconnect_mid_response(void **state)
{
	static const char cmd[] = "big:8000000";
	unsigned char junk[16384];
	struct cli c;
	int i;

	(void)state;
	NEED_NET();
	for (i = 0; i < 5; i++) {
		open_cli(&c);
		assert_int_equal(cli_request(&c, "POST", "/updown", "application/rpki-updown", cmd,
		    strlen(cmd)), 0);
		assert_true(recv(c.fd, junk, sizeof(junk), MSG_WAITALL) > 0);
		if (i % 2 == 0)
			shutdown(c.fd, SHUT_RDWR);
		cli_close(&c);  /* unread data: the kernel resets the connection */
	}
	/* A request still in the queue when its client leaves. */
	open_cli(&c);
	assert_int_equal(cli_request(&c, "POST", "/updown", "application/rpki-updown", "sleep:300", 9), 0);
	cli_close(&c);
	open_cli(&c);
	expect_echo(&c, "/updown/bob", "bob", "the server is fine");
	cli_close(&c);
}

/* Half-close: a client that shuts down its sending side still gets its answer. */
static void
test_half_close(void **state)
{
	struct cli c;
	struct resp r;

	(void)state;
	NEED_NET();
	open_cli(&c);
	assert_int_equal(cli_request(&c, "POST", "/updown/alice", "application/rpki-updown", "half", 4), 0);
	shutdown(c.fd, SHUT_WR);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "child=alice\nhalf");
	/* "Connection: close" only if our FIN arrived before the answer was built. */
	resp_free(&r);
	assert_int_equal(cli_closed(&c, T_MS), 1);
	cli_close(&c);
	/* Pipelined requests, then the half-close: every one is answered. */
	open_cli(&c);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cli_request(&c, "POST", "/updown", "application/rpki-updown",
		    i == 1 ? "sleep:200" : "p", i == 1 ? 9 : 1), 0);
	shutdown(c.fd, SHUT_WR);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cli_response(&c, &r, T_MS), 0);
		assert_int_equal(r.status, 200);
		assert_string_equal((char *)r.body, i == 1 ? "slept" : "child=-\np");
		resp_free(&r);
	}
	assert_int_equal(cli_closed(&c, T_MS), 1);
	cli_close(&c);
}

/* HTTP/1.0: close by default, keep-alive when asked. */
static void
test_http10(void **state)
{
	struct cli c;
	struct resp r;

	(void)state;
	NEED_NET();
	open_cli(&c);
	assert_int_equal(cli_sendf(&c, "POST /updown HTTP/1.0\r\nContent-Type: application/rpki-updown\r\n"
	    "Content-Length: 2\r\n\r\nv0"), 0);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.connection, "close");
	resp_free(&r);
	assert_int_equal(cli_closed(&c, T_MS), 1);
	cli_close(&c);
	open_cli(&c);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cli_sendf(&c, "POST /updown HTTP/1.0\r\nConnection: keep-alive\r\n"
		    "Content-Type: application/rpki-updown\r\nContent-Length: 2\r\n\r\nv0"), 0);
		assert_int_equal(cli_response(&c, &r, T_MS), 0);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.connection, "keep-alive");
		resp_free(&r);
	}
	cli_close(&c);
}

static uint16_t
icmp_sum(const unsigned char *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* lwIP answers ICMP echo (the one ICMP service it offers). */
static void
test_icmp_echo(void **state)
{
	unsigned char req[64], rep[1500];
	struct sockaddr_in sa;
	int fd, i, got = 0;

	(void)state;
	NEED_NET();
	assert_true((fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, NS_LWIP_ADDR, &sa.sin_addr);
	for (i = 0; i < 3 && !got; i++) {
		memset(req, 0, sizeof(req));
		req[0] = 8;                    /* echo request */
		req[4] = 0x12, req[5] = 0x34;  /* identifier */
		req[7] = (unsigned char)i;     /* sequence */
		memcpy(req + 8, "updown ping", 11);
		uint16_t c = icmp_sum(req, sizeof(req));
		req[2] = (unsigned char)(c >> 8), req[3] = (unsigned char)c;
		assert_int_equal(sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)),
		    (ssize_t)sizeof(req));
		long long end = now_ms() + 2000;
		while (!got && now_ms() < end) {
			struct pollfd pf = { fd, POLLIN, 0 };
			if (poll(&pf, 1, 200) != 1)
				continue;
			ssize_t n = recv(fd, rep, sizeof(rep), 0);
			if (n < 20)
				continue;
			size_t ihl = (size_t)(rep[0] & 0x0f) * 4;
			if ((size_t)n < ihl + sizeof(req) || rep[ihl] != 0)  /* echo reply */
				continue;
			if (memcmp(rep + ihl + 4, req + 4, 4) == 0 &&
			    memcmp(rep + ihl + 8, req + 8, sizeof(req) - 8) == 0 &&
			    icmp_sum(rep + ihl, sizeof(req)) == 0)
				got = 1;
		}
	}
	close(fd);
	assert_true(got);
}

/* A port nobody listens on: lwIP resets the connection attempt. */
static void
test_closed_port_reset(void **state)
{
	struct cli c;
	long long t0;

	(void)state;
	NEED_NET();
	t0 = now_ms();
	assert_int_equal(cli_open(&c, 81, 3000), -1);
	assert_true(now_ms() - t0 < 1000);  /* refused at once, not timed out */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_child_ud1_ud2_ud5),
		cmocka_unit_test(test_post_shared_ud5),
		cmocka_unit_test(test_content_types_ud3),
		cmocka_unit_test(test_method_405),
		cmocka_unit_test(test_path_404),
		cmocka_unit_test(test_body_limit_413_ud4),
		cmocka_unit_test(test_expect_continue),
		cmocka_unit_test(test_length_required_411),
		cmocka_unit_test(test_malformed_400),
		cmocka_unit_test(test_header_limits_431_414),
		cmocka_unit_test(test_keep_alive_ud1),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_big_responses_ud4),
		cmocka_unit_test(test_handler_replies_ud8),
		cmocka_unit_test(test_disconnect_mid_response),
		cmocka_unit_test(test_half_close),
		cmocka_unit_test(test_http10),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_closed_port_reset),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
