/*
 * End to end: updownctl's child client against the real issuer engine
 * (firmware/engine.h) behind the test HTTP server on 127.0.0.1. The
 * engine comes from the engine tests' fixture (tests/firmware/engine):
 * a CA with holdings, its BPKI, a store and a publication point.
 *
 * The child is onboarded from the child_request.xml that `child init`
 * wrote (engine_add_child), entitled by an allocation table, lists,
 * issues (the certificate published and within the table, checked by the
 * fixture), sees a re-issued smaller certificate after the table shrinks
 * (UD-101: shrink re-issues for the same key), and revokes. A request the
 * engine refuses with HTTP 400 (a child the engine does not know) ends in
 * exit 3 and leaves the identity untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "firmware/engine.h"
#include "proto/oob.h"
#include "test_parent.h"
#include "tt_util.h"

#define CHILD    "isp-1"
#define NOTAFTER_DAYS 200

static struct ef F;
static struct tp *P;
static char D[512];

/* tp_handler_fn: the engine answers; the URL names the child (UD-5). */
static void
engine_handler(void *arg, const char *path, const unsigned char *req, size_t len,
               int *status, unsigned char **body, size_t *body_len)
{
	struct ef *f = arg;
	struct engine_response r;
	const char *child = strncmp(path, "/updown/", 8) == 0 ? path + 8 : NULL;

	memset(&r, 0, sizeof(r));
	*status = 500;
	*body = NULL;
	if (engine_handle(f->e, child, req, len, time(NULL), &r) != 0)
		return;
	engine_log_flush(f->e);
	*status = r.http_status;
	if (r.body != NULL) {
		*body = r.body;
		*body_len = r.body_len;
		r.body = NULL;
	}
	engine_response_free(&r);
}

static char notafter[32];

static int
table(uint64_t version, const char *grant)
{
	F.now = time(NULL);
	return ef_table(&F, true, NULL, "version %llu\nclass " EF_CLASS "\nchild " CHILD "\n"
	    "grant " CHILD " " EF_CLASS " %s notafter=%s\n", (unsigned long long)version, grant,
	    notafter);
}

static void
write_parent_response(const char *path, const char *handle)
{
	struct oob_msg m;
	char uri[256], *xml = NULL;
	size_t len;

	snprintf(uri, sizeof(uri), "http://127.0.0.1:%u/updown/%s", tp_port(P), handle);
	memset(&m, 0, sizeof(m));
	m.type = OOB_PARENT_RESPONSE;
	m.u.parent_response.service_uri = uri;
	m.u.parent_response.child_handle = (char *)handle;
	m.u.parent_response.parent_handle = (char *)EF_HANDLE;
	m.u.parent_response.parent_bpki_ta.p = F.bpki_ta;
	m.u.parent_response.parent_bpki_ta.len = F.bpki_ta_len;
	assert_int_equal(oob_encode(&m, &xml, &len), 0);
	tt_write(path, xml, len);
	free(xml);
}

static int
setup(void **state)
{
	time_t na = time(NULL) + NOTAFTER_DAYS * 86400L;
	struct tm tm;

	(void)state;
	gmtime_r(&na, &tm);
	strftime(notafter, sizeof(notafter), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ef_init(&F, NULL, "child-e2e", time(NULL), "64496-64511", "192.0.2.0/24",
	    "2001:db8::/32");
	ef_open(&F, NULL);
	P = tp_start();
	tp_set_handler(P, engine_handler, &F);
	snprintf(D, sizeof(D), "%s", tt_path("isp"));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tp_stop(P);
	ef_fini(&F);
	ef_pool_free();
	return 0;
}

static void
test_onboard(void **state)
{
	struct tt_out o;
	struct oob_msg m;
	char path[1024], why[256];
	unsigned char *xml;
	size_t len;

	(void)state;
	tt_ctl(&o, "child", "init", "--dir", D, "--handle", CHILD, NULL);
	tt_expect(&o, 0);
	tt_out_free(&o);
	/* The parent reads the child_request as any RFC 8183 document. */
	snprintf(path, sizeof(path), "%s/child_request.xml", D);
	xml = tt_read(path, &len);
	oob_msg_init(&m);
	assert_int_equal(oob_decode((char *)xml, len, &m, why, sizeof(why)), 0);
	free(xml);
	assert_int_equal(m.type, OOB_CHILD_REQUEST);
	assert_string_equal(m.u.child_request.child_handle, CHILD);
	assert_int_equal(engine_add_child(F.e, CHILD, m.u.child_request.child_bpki_ta.p,
	    m.u.child_request.child_bpki_ta.len, time(NULL)), 0);
	oob_msg_free(&m);
	assert_int_equal(table(1, "as=64496-64500 ipv4=192.0.2.0/25 ipv6=2001:db8::/48"), 0);
	write_parent_response(tt_path("parent_response.xml"), CHILD);
	tt_ctl(&o, "child", "parent", "--dir", D, tt_path("parent_response.xml"), NULL);
	tt_expect(&o, 0);
	tt_out_free(&o);
}

static void
test_list_issue(void **state)
{
	struct tt_out o;

	(void)state;
	tt_ctl(&o, "child", "list", "--dir", D, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "type list_response, sender \"" EF_HANDLE "\", recipient \"" CHILD "\"");
	tt_has(o.out, "class \"" EF_CLASS "\"");
	tt_has(o.out, "resource_set_ipv4: \"192.0.2.0/25\"");
	tt_has(o.out, "resource_set_as: \"64496-64500\"");
	tt_has(o.out, "cert_url: " EF_TA_URI);
	tt_out_free(&o);
	/* The engine suggests no SIA head: --sia-repo is needed, and nothing is written. */
	{
		char *before = tt_snapshot(D), *after;

		tt_ctl(&o, "child", "issue", "--dir", D, "--class", EF_CLASS, NULL);
		tt_expect(&o, 2);
		tt_has(o.err, "--sia-repo needed");
		tt_out_free(&o);
		after = tt_snapshot(D);
		/* Its preliminary list succeeded, but a failed command stores nothing. */
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
	tt_ctl(&o, "child", "issue", "--dir", D, "--class", EF_CLASS, "--sia-repo",
	    "rsync://example.test/repo/isp-1/", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "type issue_response");
	tt_has(o.out, "certified ipv4: \"192.0.2.0/25\"");
	tt_has(o.out, "certified as: \"64496-64500\"");
	tt_has(o.out, "certified ipv6: \"2001:db8::/48\"");
	tt_has(o.out, "SIA caRepository: rsync://example.test/repo/isp-1/");
	tt_out_free(&o);
	/* Published, signed by the CA, within the table (the fixture's checks). */
	F.now = time(NULL);
	assert_int_equal(ef_check_publication(&F), 1);
}

static void
test_shrink_seen(void **state)
{
	struct tt_out o;
	char cer[1024];

	(void)state;
	/* A smaller table: the engine re-issues for the same key (UD-101). */
	assert_int_equal(table(2, "as=64496-64500 ipv4=192.0.2.0/26 ipv6=2001:db8::/48"), 0);
	tt_ctl(&o, "child", "list", "--dir", D, "--json", NULL);
	tt_expect(&o, 0);
	assert_true(tt_json_valid(o.out));
	tt_has(o.out, "\"resource_set_ipv4\": \"192.0.2.0/26\"");
	tt_has(o.out, "\"key\": \"" EF_CLASS "\"");
	tt_has(o.out, "\"ipv4\": \"192.0.2.0/26\"");
	/* The re-issued certificate replaced the stored one. */
	tt_has(o.out, "\"certs/" EF_CLASS ".cer\"");
	tt_out_free(&o);
	snprintf(cer, sizeof(cer), "%s/certs/" EF_CLASS ".cer", D);
	tt_ctl(&o, "inspect", cer, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "resources ipv4: \"192.0.2.0/26\"");
	tt_out_free(&o);
}

static void
test_refused_by_engine(void **state)
{
	char d2[1024], cmd[2200];

	(void)state;
	/* The same identity under a handle the engine does not know: HTTP 400 (UD-8). */
	snprintf(d2, sizeof(d2), "%s", tt_path("stranger"));
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", D, d2);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/parent_response.xml", d2);
	write_parent_response(cmd, "stranger");
	{
		char *before = tt_snapshot(d2), *after;
		struct tt_out o;

		tt_ctl(&o, "child", "list", "--dir", d2, NULL);
		tt_expect(&o, 3);
		tt_has(o.err, "HTTP status 400");
		tt_out_free(&o);
		after = tt_snapshot(d2);
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
}

static void
test_revoke(void **state)
{
	struct tt_out o;

	(void)state;
	tt_ctl(&o, "child", "revoke", "--dir", D, "--class", EF_CLASS, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "type revoke_response");
	tt_out_free(&o);
	tt_ctl(&o, "child", "list", "--dir", D, NULL);
	tt_expect(&o, 0);
	tt_hasnt(o.out, "certificate 0:");
	tt_out_free(&o);
	F.now = time(NULL);
	assert_int_equal(ef_check_publication(&F), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_onboard),
		cmocka_unit_test(test_list_issue),
		cmocka_unit_test(test_shrink_seen),
		cmocka_unit_test(test_refused_by_engine),
		cmocka_unit_test(test_revoke),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
