/*
 * firmware/http under load and against slow or stuck clients, over lwIP on
 * a TAP device in a private network namespace: 64 (and 100) concurrent
 * connections all served; 503 + Retry-After when the worker queue is full or
 * too many connections are open (UD-165); a client stuck in its header, one
 * trickling its body, one that never reads its response, and an idle one are
 * cut off while the others keep being served.
 *
 * Each test starts its own server (tests/firmware/http/updown-httpd-test.c)
 * with the options it needs and requires it to exit 0 on SIGTERM (in the
 * sanitizer build: no ASan/UBSan/LSan report).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/harness.h"

#define T_MS 15000

static char skip_why[256];

static int
group_setup(void **state)
{
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
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	ns_leave();
	return 0;
}

#define NEED_NET() do { if (skip_why[0] != '\0') { printf("skip: %s\n", skip_why); skip(); } } while (0)

/* After each test: no server outlives it (a failed test leaves one behind). */
static int
kill_servers(void **state)
{
	(void)state;
	srv_kill_all();
	return 0;
}

static void
start(struct srv *s, const char *const *args)
{
	assert_int_equal(srv_start(s, args), 0);
}

static void
stop_clean(struct srv *s)
{
	int st = srv_stop(s, 30000);

	printf("  server: %s\n          %s\n", s->stats, s->lwip);
	assert_int_equal(st, 0);
}

static void
echo_ok(struct cli *c, const char *body)
{
	struct resp r;
	char want[256];

	assert_int_equal(cli_post(c, "/updown", body, strlen(body), &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	snprintf(want, sizeof(want), "child=-\n%s", body);
	assert_string_equal((char *)r.body, want);
	resp_free(&r);
}

/* n connections open at once, each with requests in flight at the same time. */
static void
concurrent(int n, const char *cmd, int rounds)
{
	struct cli *c = calloc((size_t)n, sizeof(*c));
	struct resp r;
	char body[64];
	int i, k;

	assert_non_null(c);
	for (i = 0; i < n; i++)
		assert_int_equal(cli_open(&c[i], 80, T_MS), 0);
	for (k = 0; k < rounds; k++) {
		for (i = 0; i < n; i++) {
			if (cmd != NULL)
				snprintf(body, sizeof(body), "%s", cmd);
			else
				snprintf(body, sizeof(body), "conn %d round %d", i, k);
			assert_int_equal(cli_request(&c[i], "POST", i % 2 ? "/updown/c1" : "/updown",
			    "application/rpki-updown", body, strlen(body)), 0);
		}
		for (i = 0; i < n; i++) {
			char want[128];

			assert_int_equal(cli_response(&c[i], &r, T_MS), 0);
			if (r.status != 200)
				fail_msg("connection %d round %d: status %d", i, k, r.status);
			if (cmd != NULL) {
				assert_string_equal((char *)r.body, "slept");
			} else {
				snprintf(want, sizeof(want), "child=%s\nconn %d round %d",
				    i % 2 ? "c1" : "-", i, k);
				assert_string_equal((char *)r.body, want);
			}
			resp_free(&r);
		}
	}
	for (i = 0; i < n; i++)
		cli_close(&c[i]);
	free(c);
}

/* 64 concurrent connections, all served (and 100, below the default 128). */
static void
test_64_concurrent(void **state)
{
	static const char *const args[] = { "--queue", "128", NULL };
	struct srv s;
	long long t0;

	(void)state;
	NEED_NET();
	start(&s, args);
	t0 = now_ms();
	concurrent(64, "sleep:20", 1);   /* 62 requests queued behind 2 workers */
	printf("  64 x sleep:20 on 2 workers: %lld ms\n", now_ms() - t0);
	concurrent(64, NULL, 5);         /* keep-alive rounds */
	concurrent(100, NULL, 2);
	stop_clean(&s);
	assert_true(srv_stat(&s, "conns_max") >= 100);
	assert_int_equal(srv_stat(&s, "queue_full"), 0);
	assert_int_equal(srv_stat(&s, "pcb_err"), 0);
	assert_int_equal(srv_stat(&s, "pool_err"), 0);
}

/* UD-165: a full worker queue gets 503 with Retry-After; queued work still completes. */
static void
test_queue_full_503_ud165(void **state)
{
	static const char *const args[] = { "--workers", "1", "--queue", "2",
		"--retry-after", "3", NULL };
	struct srv s;
	struct cli a, b, c, d;
	struct resp r;
	char line[64];

	(void)state;
	NEED_NET();
	start(&s, args);
	assert_int_equal(cli_open(&a, 80, T_MS), 0);
	assert_int_equal(cli_open(&b, 80, T_MS), 0);
	assert_int_equal(cli_open(&c, 80, T_MS), 0);
	assert_int_equal(cli_open(&d, 80, T_MS), 0);
	assert_int_equal(cli_request(&a, "POST", "/updown", "application/rpki-updown", "block", 5), 0);
	assert_int_equal(srv_wait_line(&s, "blocked 1", line, sizeof(line), T_MS), 0);
	assert_int_equal(cli_request(&b, "POST", "/updown", "application/rpki-updown", "block", 5), 0);
	assert_int_equal(cli_request(&c, "POST", "/updown", "application/rpki-updown", "block", 5), 0);
	usleep(300000);  /* b and c now fill the queue */
	assert_int_equal(cli_post(&d, "/updown", "x", 1, &r, T_MS), 0);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.retry_after, "3");
	assert_string_equal(r.connection, "");  /* the request was read: keep the connection */
	resp_free(&r);

	srv_signal(&s, SIGUSR1);
	assert_int_equal(cli_response(&a, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "released");
	resp_free(&r);
	assert_int_equal(srv_wait_line(&s, "blocked 2", line, sizeof(line), T_MS), 0);
	srv_signal(&s, SIGUSR1);
	assert_int_equal(srv_wait_line(&s, "blocked 3", line, sizeof(line), T_MS), 0);
	srv_signal(&s, SIGUSR1);
	assert_int_equal(cli_response(&b, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	echo_ok(&d, "retried");
	cli_close(&a);
	cli_close(&b);
	cli_close(&c);
	cli_close(&d);
	stop_clean(&s);
	assert_int_equal(srv_stat(&s, "queue_full"), 1);
}

/* UD-165: past max_conns a new connection gets 503 + Retry-After, then close. */
static void
test_max_conns_503_ud165(void **state)
{
	static const char *const args[] = { "--max-conns", "4", "--retry-after", "2", NULL };
	struct srv s;
	struct cli c[4], x;
	struct resp r;
	int i;

	(void)state;
	NEED_NET();
	start(&s, args);
	for (i = 0; i < 4; i++) {
		assert_int_equal(cli_open(&c[i], 80, T_MS), 0);
		echo_ok(&c[i], "in");
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(cli_open(&x, 80, T_MS), 0);
		assert_int_equal(cli_response(&x, &r, T_MS), 0);
		assert_int_equal(r.status, 503);
		assert_string_equal(r.retry_after, "2");
		assert_string_equal(r.connection, "close");
		resp_free(&r);
		assert_int_equal(cli_closed(&x, T_MS), 1);
		cli_close(&x);
	}
	for (i = 0; i < 4; i++)
		echo_ok(&c[i], "still served");
	cli_close(&c[0]);
	usleep(200000);
	assert_int_equal(cli_open(&x, 80, T_MS), 0);
	echo_ok(&x, "a slot came free");
	cli_close(&x);
	for (i = 1; i < 4; i++)
		cli_close(&c[i]);
	stop_clean(&s);
	assert_int_equal(srv_stat(&s, "refused_conns"), 3);
}

/*
 * A client stuck in its header section, and one that connects and sends
 * nothing: neither delays anyone else, both are cut off (408 / close) after
 * the header timeout.
 */
static void
test_stuck_client(void **state)
{
	static const char *const args[] = { "--header-ms", "1500", NULL };
	struct srv s;
	struct cli stuck, silent, other;
	struct resp r;
	long long t0, worst = 0;
	int i;

	(void)state;
	NEED_NET();
	start(&s, args);
	assert_int_equal(cli_open(&stuck, 80, T_MS), 0);
	assert_int_equal(cli_open(&silent, 80, T_MS), 0);
	t0 = now_ms();
	assert_int_equal(cli_sendf(&stuck, "POST /updown HTTP/1.1\r\nContent-Le"), 0);
	assert_int_equal(cli_open(&other, 80, T_MS), 0);
	for (i = 0; i < 30; i++) {
		long long t1 = now_ms();
		echo_ok(&other, "not blocked");
		if (now_ms() - t1 > worst)
			worst = now_ms() - t1;
	}
	printf("  30 requests beside a stuck client: worst %lld ms\n", worst);
	assert_true(worst < 1000);
	assert_int_equal(cli_response(&stuck, &r, T_MS), 0);
	long long took = now_ms() - t0;
	printf("  stuck client cut off after %lld ms\n", took);
	assert_int_equal(r.status, 408);
	assert_string_equal(r.connection, "close");
	assert_true(took >= 1400 && took < 5000);
	resp_free(&r);
	assert_int_equal(cli_closed(&stuck, T_MS), 1);
	assert_int_equal(cli_closed(&silent, T_MS), 1);
	assert_true(now_ms() - t0 < 5000);
	echo_ok(&other, "after");
	cli_close(&stuck);
	cli_close(&silent);
	cli_close(&other);
	stop_clean(&s);
	assert_true(srv_stat(&s, "timeouts") >= 2);
}

/* A body that trickles in is cut off after the body timeout (408). */
static void
test_slow_body(void **state)
{
	static const char *const args[] = { "--body-ms", "1500", NULL };
	struct srv s;
	struct cli slow, other;
	struct resp r;
	long long t0;
	int sent = 0;

	(void)state;
	NEED_NET();
	start(&s, args);
	assert_int_equal(cli_open(&slow, 80, T_MS), 0);
	assert_int_equal(cli_open(&other, 80, T_MS), 0);
	assert_int_equal(cli_sendf(&slow, "POST /updown HTTP/1.1\r\nContent-Type: application/rpki-updown\r\n"
	    "Content-Length: 100\r\n\r\n"), 0);
	t0 = now_ms();
	for (;;) {
		struct pollfd pf = { slow.fd, POLLIN, 0 };
		if (poll(&pf, 1, 100) == 1)
			break;  /* the server answered */
		assert_true(now_ms() - t0 < 6000);
		if (cli_send(&slow, "b", 1) != 0)
			break;
		sent++;
		echo_ok(&other, "others go on");
	}
	assert_int_equal(cli_response(&slow, &r, T_MS), 0);
	long long took = now_ms() - t0;
	printf("  slow body cut off after %lld ms, %d of 100 bytes\n", took, sent);
	assert_int_equal(r.status, 408);
	assert_true(took >= 1400 && took < 5000);
	assert_true(sent < 100);
	resp_free(&r);
	assert_int_equal(cli_closed(&slow, T_MS), 1);
	cli_close(&slow);
	cli_close(&other);
	stop_clean(&s);
}

/* A kept-alive connection idle for idle_timeout is closed. */
static void
test_idle_timeout(void **state)
{
	static const char *const args[] = { "--idle-ms", "1000", NULL };
	struct srv s;
	struct cli c;
	long long t0;

	(void)state;
	NEED_NET();
	start(&s, args);
	assert_int_equal(cli_open(&c, 80, T_MS), 0);
	echo_ok(&c, "one");
	t0 = now_ms();
	assert_int_equal(cli_closed(&c, T_MS), 1);
	long long took = now_ms() - t0;
	printf("  idle connection closed after %lld ms\n", took);
	assert_true(took >= 900 && took < 4000);
	cli_close(&c);
	stop_clean(&s);
}

/*
 * A client that asks for a large response and never reads it: the others
 * are still served, and the stalled send is aborted after send_timeout.
 */
static void
test_slow_reader(void **state)
{
	static const char *const args[] = { "--send-ms", "1500", NULL };
	static const char cmd[] = "big:8000000";
	unsigned char junk[65536];
	struct srv s;
	struct cli lazy, other;
	size_t got = 0;
	int i;

	(void)state;
	NEED_NET();
	start(&s, args);
	assert_int_equal(cli_open(&lazy, 80, T_MS), 0);
	assert_int_equal(cli_open(&other, 80, T_MS), 0);
	assert_int_equal(cli_request(&lazy, "POST", "/updown", "application/rpki-updown", cmd,
	    strlen(cmd)), 0);
	for (i = 0; i < 20; i++) {
		echo_ok(&other, "while someone does not read");
		usleep(100000);
	}
	sleep(2);
	/* Now read: the server gave up on us, so the 8 MB never all arrive. */
	for (;;) {
		ssize_t n = recv(lazy.fd, junk, sizeof(junk), 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	printf("  stalled reader got %zu of 8000000 bytes before the reset\n", got);
	assert_true(got < 8000000);
	echo_ok(&other, "after");
	cli_close(&lazy);
	cli_close(&other);
	stop_clean(&s);
	assert_true(srv_stat(&s, "timeouts") >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_64_concurrent, kill_servers),
		cmocka_unit_test_teardown(test_queue_full_503_ud165, kill_servers),
		cmocka_unit_test_teardown(test_max_conns_503_ud165, kill_servers),
		cmocka_unit_test_teardown(test_stuck_client, kill_servers),
		cmocka_unit_test_teardown(test_slow_body, kill_servers),
		cmocka_unit_test_teardown(test_idle_timeout, kill_servers),
		cmocka_unit_test_teardown(test_slow_reader, kill_servers),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
