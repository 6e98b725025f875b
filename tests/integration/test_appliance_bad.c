/*
 * Bad-input suite over the network: updown-appliance (posix board, SoftHSM,
 * private network namespace) gets malformed HTTP, oversized bodies,
 * truncated and random CMS, a wrong signer, replayed messages, DOCTYPE and
 * entity XML, unknown children; it answers each as RFC 6492 and HTTP say
 * (400 for authentication failures, UD-8; 404/405/413/415 from HTTP), stays
 * up, and a valid request afterwards succeeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "appfix.h"

static struct app A;
static char skip_why[256];
static bool skipping;

#define SKIP_IF() do { if (skipping) { print_message("skipped: %s\n", skip_why); skip(); } } while (0)

static int
group_setup(void **state)
{
	static const int ops[] = { 0, 1 };
	struct resp r;
	char *t;
	unsigned char *der;
	size_t len = 0;

	(void)state;
	if (app_setup(&A, skip_why, sizeof(skip_why)) == 1) {
		skipping = true;
		return 0;
	}
	app_start(&A, NULL);
	t = app_table(&A, 1, false);
	der = app_bundle(&A, t, 1, ops, 2, 0, &len);
	assert_int_equal(app_post(APP_PROV_PORT, APP_PROV_PATH, "application/x-updown-bundle",
	    der, len, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	free(der);
	free(t);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (!skipping) {
		assert_int_equal(app_stop(&A), 0);   /* clean exit, no sanitizer report */
		app_teardown(&A);
	}
	ef_pool_free();
	return 0;
}

/* After each bad input: still up, and alice's list works. */
static void
still_serving(void)
{
	struct ud_msg m;
	char *xml = ef_xml_list("alice", EF_HANDLE);

	assert_true(app_alive(&A));
	assert_int_equal(app_exchange(&A, A.child[0], xml, false, &m), 0);
	assert_int_equal(m.type, UD_LIST_RESPONSE);
	ud_msg_free(&m);
	free(xml);
}

static int
post_cms(const char *path, const void *body, size_t len)
{
	struct resp r;
	int st;

	assert_int_equal(app_post(APP_PORT, path, "application/rpki-updown", body, len, &r), 0);
	st = r.status;
	resp_free(&r);
	return st;
}

/* Raw bytes on a fresh connection; the status of the answer, or -1 (closed without one). */
static int
raw_http(const char *req, size_t len)
{
	struct cli c;
	struct resp r;
	int st = -1;

	assert_int_equal(cli_open(&c, APP_PORT, 2000), 0);
	assert_int_equal(cli_send(&c, req, len), 0);
	memset(&r, 0, sizeof(r));
	if (cli_response(&c, &r, 15000) == 0)
		st = r.status;
	resp_free(&r);
	cli_close(&c);
	return st;
}

/* Malformed HTTP and the HTTP-level refusals (UD-1..UD-4). */
static void
test_http(void **state)
{
	static const char garbage[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n";
	static const char badver[] = "POST /updown HTTP/2.0\r\nContent-Length: 0\r\n\r\n";
	static const char get[] = "GET /updown/alice HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char nolen[] = "POST /updown/alice HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/rpki-updown\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
	static const char huge[] = "POST /updown/alice HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/rpki-updown\r\nContent-Length: 999999999\r\n\r\n";
	struct resp r;

	(void)state;
	SKIP_IF();
	assert_int_equal(raw_http(garbage, sizeof(garbage) - 1), 400);
	assert_int_equal(raw_http(badver, sizeof(badver) - 1), 505);
	assert_int_equal(raw_http(get, sizeof(get) - 1), 405);
	assert_int_equal(raw_http(nolen, sizeof(nolen) - 1), 411);
	assert_int_equal(raw_http(huge, sizeof(huge) - 1), 413);     /* UD-4 */
	/* A 65 KiB body over a 64 KiB max_request. */
	{
		size_t n = 65 * 1024 + 1;
		unsigned char *big = calloc(1, n);
		assert_non_null(big);
		assert_int_equal(post_cms(APP_BASE_PATH "alice", big, n), 413);
		free(big);
	}
	/* Wrong content type (UD-3), unknown path, unknown child. */
	assert_int_equal(app_post(APP_PORT, APP_BASE_PATH "alice", "text/xml", "x", 1, &r), 0);
	assert_int_equal(r.status, 415);
	resp_free(&r);
	assert_int_equal(post_cms("/elsewhere", "x", 1), 404);
	assert_int_equal(post_cms(APP_BASE_PATH "nobody", "x", 1), 404);
	still_serving();
}

/* Truncated, random and empty CMS: 400 (UD-8). */
static void
test_cms_junk(void **state)
{
	char *xml = ef_xml_list("alice", EF_HANDLE);
	size_t len = 0, cut;
	unsigned char *cms = ef_cms(A.child[0], xml, strlen(xml), time(NULL), &len), rnd[700];

	(void)state;
	if (skipping) {
		free(xml);
		free(cms);
		SKIP_IF();
	}
	for (cut = 0; cut < len; cut += len / 7 + 1)
		assert_int_equal(post_cms(APP_BASE_PATH "alice", cms, cut), 400);
	assert_int_equal(post_cms(APP_BASE_PATH "alice", cms, len - 1), 400);
	for (cut = 0; cut < 5; cut++) {
		assert_int_equal(getrandom(rnd, sizeof(rnd), 0), (ssize_t)sizeof(rnd));
		assert_int_equal(post_cms(APP_BASE_PATH "alice", rnd, sizeof(rnd)), 400);
	}
	/* A flipped bit in the signature. */
	cms[len - 10] ^= 0x01;
	assert_int_equal(post_cms(APP_BASE_PATH "alice", cms, len), 400);
	free(cms);
	free(xml);
	still_serving();
}

/* Wrong signer, wrong child in the URL, unknown child (UD-5, UD-33). */
static void
test_wrong_signer(void **state)
{
	char *xml;
	size_t len = 0;
	unsigned char *cms;

	(void)state;
	SKIP_IF();
	/* bob signs a message that claims to be alice's. */
	xml = ef_xml_list("alice", EF_HANDLE);
	cms = ef_cms(A.child[1], xml, strlen(xml), time(NULL), &len);
	assert_int_equal(post_cms(APP_BASE_PATH "alice", cms, len), 400);
	assert_int_equal(post_cms("/updown", cms, len), 400);
	free(cms);
	free(xml);
	/* alice's message posted to bob's URL. */
	xml = ef_xml_list("alice", EF_HANDLE);
	cms = ef_cms(A.child[0], xml, strlen(xml), time(NULL), &len);
	assert_int_equal(post_cms(APP_BASE_PATH "bob", cms, len), 400);
	free(cms);
	free(xml);
	/* mallory was never provisioned: her URL is unknown, the shared path says 400. */
	xml = ef_xml_list("mallory", EF_HANDLE);
	cms = ef_cms(A.child[3], xml, strlen(xml), time(NULL), &len);
	assert_int_equal(post_cms(APP_BASE_PATH "mallory", cms, len), 404);
	assert_int_equal(post_cms("/updown", cms, len), 400);
	free(cms);
	free(xml);
	/* Wrong recipient (UD-39). */
	xml = ef_xml_list("alice", "somebody-else");
	cms = ef_cms(A.child[0], xml, strlen(xml), time(NULL), &len);
	assert_int_equal(post_cms(APP_BASE_PATH "alice", cms, len), 400);
	free(cms);
	free(xml);
	still_serving();
}

/* Replay (UD-35): an older signing-time than the last accepted one is 400. */
static void
test_replay(void **state)
{
	char *xml = ef_xml_list("alice", EF_HANDLE);
	size_t len = 0;
	unsigned char *old = ef_cms(A.child[0], xml, strlen(xml), time(NULL) - 120, &len);

	(void)state;
	if (skipping) {
		free(xml);
		free(old);
		SKIP_IF();
	}
	still_serving();                /* accepted at now */
	assert_int_equal(post_cms(APP_BASE_PATH "alice", old, len), 400);
	/* Far in the future (beyond max_skew): 400 too. */
	free(old);
	old = ef_cms(A.child[0], xml, strlen(xml), time(NULL) + 3600, &len);
	assert_int_equal(post_cms(APP_BASE_PATH "alice", old, len), 400);
	free(old);
	free(xml);
	still_serving();
}

/* DOCTYPE and entities in properly signed XML: refused before any up-down message. */
static void
test_xml(void **state)
{
	static const char *const bad[] = {
		"<?xml version=\"1.0\"?>\n<!DOCTYPE message [<!ENTITY x \"alice\">]>\n"
		"<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
		"sender=\"&x;\" recipient=\"" EF_HANDLE "\" type=\"list\"/>\n",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\n"
		"<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
		"sender=\"alice\" recipient=\"" EF_HANDLE "\" type=\"list\">&lol2;</message>\n",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE m SYSTEM \"file:///etc/passwd\">\n"
		"<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
		"sender=\"alice\" recipient=\"" EF_HANDLE "\" type=\"list\"/>\n",
		"<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
		"sender=\"alice\" recipient=\"" EF_HANDLE "\" type=\"list\"",
	};
	size_t i, len = 0;

	(void)state;
	SKIP_IF();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned char *cms = ef_cms(A.child[0], bad[i], strlen(bad[i]), time(NULL), &len);
		assert_int_equal(post_cms(APP_BASE_PATH "alice", cms, len), 400);
		free(cms);
	}
	still_serving();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_cms_junk),
		cmocka_unit_test(test_wrong_signer),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_xml),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
