/*
 * firmware/http: clean shutdown (http_server_stop on SIGTERM in the test
 * server). In-flight requests, running or queued, finish and their responses
 * go out with Connection: close; idle connections are closed at once; no new
 * connection is accepted; a handler stuck past stop_timeout has its
 * connection reset, and the server still waits for it before exiting.
 * Over lwIP on a TAP device in a private network namespace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

static int
kill_servers(void **state)
{
	(void)state;
	srv_kill_all();
	return 0;
}

#define NEED_NET() do { if (skip_why[0] != '\0') { printf("skip: %s\n", skip_why); skip(); } } while (0)

static void
send_cmd(struct cli *c, const char *cmd)
{
	assert_int_equal(cli_request(c, "POST", "/updown", "application/rpki-updown", cmd,
	    strlen(cmd)), 0);
}

static void
expect_done(struct cli *c, const char *body)
{
	struct resp r;

	assert_int_equal(cli_response(c, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, body);
	assert_string_equal(r.connection, "close");
	resp_free(&r);
	assert_int_equal(cli_closed(c, T_MS), 1);
}

/* Wait for the server process to exit by itself; its status, -1 on timeout. */
static int
wait_exit(struct srv *s, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	int st;

	while (now_ms() < end) {
		char line[512];
		/* Drain its output (stats, lwip lines) so it never blocks on the pipe. */
		if (srv_wait_line(s, "stats ", line, sizeof(line), 50) == 0)
			snprintf(s->stats, sizeof(s->stats), "%s", line);
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
	}
	return -1;
}

/* A running and a queued request both finish; idle and new connections do not stay. */
static void
test_stop_inflight(void **state)
{
	static const char *const args[] = { "--workers", "1", NULL };
	struct srv s;
	struct cli running, queued, idle, late;
	long long t0;

	(void)state;
	NEED_NET();
	assert_int_equal(srv_start(&s, args), 0);
	assert_int_equal(cli_open(&running, 80, T_MS), 0);
	assert_int_equal(cli_open(&queued, 80, T_MS), 0);
	assert_int_equal(cli_open(&idle, 80, T_MS), 0);
	send_cmd(&running, "sleep:1500");
	usleep(100000);
	send_cmd(&queued, "sleep:300");
	usleep(200000);
	t0 = now_ms();
	srv_signal(&s, SIGTERM);
	/* The idle keep-alive connection goes at once. */
	assert_int_equal(cli_closed(&idle, 2000), 1);
	assert_true(now_ms() - t0 < 1500);
	/* No new connections while stopping. */
	usleep(100000);
	assert_int_equal(cli_open(&late, 80, 1000), -1);
	expect_done(&running, "slept");
	expect_done(&queued, "slept");
	assert_int_equal(wait_exit(&s, T_MS), 0);
	printf("  stopped %lld ms after SIGTERM; %s\n", now_ms() - t0, s.stats);
	cli_close(&running);
	cli_close(&queued);
	cli_close(&idle);
}

/* A large response in progress is completed before the server exits. */
static void
test_stop_while_sending(void **state)
{
	static const char *const args[] = { NULL };
	static const char cmd[] = "big:3000000";
	struct srv s;
	struct cli c;
	struct resp r;
	unsigned char first[1000];

	(void)state;
	NEED_NET();
	assert_int_equal(srv_start(&s, args), 0);
	assert_int_equal(cli_open(&c, 80, T_MS), 0);
	send_cmd(&c, cmd);
	/* Read a little so the response is under way, then stop the server. */
	assert_int_equal(recv(c.fd, first, sizeof(first), MSG_WAITALL), (ssize_t)sizeof(first));
	srv_signal(&s, SIGTERM);
	usleep(300000);
	/* Feed the rest through the client's parser: put the bytes back first. */
	memcpy(c.buf, first, sizeof(first));
	c.len = sizeof(first);
	assert_int_equal(cli_response(&c, &r, T_MS), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 3000000);
	assert_int_equal(r.body[2999999], (unsigned char)('a' + 2999999 % 26));
	resp_free(&r);
	assert_int_equal(cli_closed(&c, T_MS), 1);
	assert_int_equal(wait_exit(&s, T_MS), 0);
	cli_close(&c);
}

/*
 * A handler that outlives stop_timeout: its connection is reset when the
 * timeout passes; the server then waits for the handler itself (released
 * here with SIGUSR1) and exits cleanly.
 */
static void
test_stop_timeout_stuck_handler(void **state)
{
	static const char *const args[] = { "--stop-ms", "1000", NULL };
	struct srv s;
	struct cli c;
	struct resp r;
	char line[64];
	long long t0;

	(void)state;
	NEED_NET();
	assert_int_equal(srv_start(&s, args), 0);
	assert_int_equal(cli_open(&c, 80, T_MS), 0);
	send_cmd(&c, "block");
	assert_int_equal(srv_wait_line(&s, "blocked 1", line, sizeof(line), T_MS), 0);
	t0 = now_ms();
	srv_signal(&s, SIGTERM);
	/* No response: the connection is reset after about stop_timeout. */
	assert_int_equal(cli_response(&c, &r, T_MS), -2);
	long long took = now_ms() - t0;
	printf("  stuck request reset %lld ms after SIGTERM\n", took);
	assert_true(took >= 900 && took < 5000);
	/* Still running: waiting for the handler. */
	usleep(300000);
	assert_int_equal(waitpid(s.pid, NULL, WNOHANG), 0);
	srv_signal(&s, SIGUSR1);
	assert_int_equal(wait_exit(&s, T_MS), 0);
	cli_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_stop_inflight, kill_servers),
		cmocka_unit_test_teardown(test_stop_while_sending, kill_servers),
		cmocka_unit_test_teardown(test_stop_timeout_stuck_handler, kill_servers),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
