/*
 * updownctl child: the child client against the test parent
 * (test_parent.c) over HTTP on 127.0.0.1, every command and each error
 * path. A failed command must leave the identity directory exactly as it
 * was (names, modes, contents: tt_snapshot). The tests run in order and
 * share one identity.
 *
 * Checklist items: UD-161 (the child refuses a reply signed earlier than
 * the last one accepted), UD-153 (the parent-assigned child handle is
 * used as sender), UD-152 (the parent's BPKI TA is checked), UD-8 (HTTP
 * 400 is reported as such), UD-65 (req_resource_set_* sent and echoed),
 * UD-110 (revoke by the key's gSKI). Also: https with TLS verification on and
 * --cacert; the BPKI EE certificate and CRL renewed before they lapse.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/signer.h"
#include "test_parent.h"
#include "tt_util.h"

#define ASSIGNED "assigned-42"   /* differs from the handle asked for, as APNIC does */

static struct tp *P;
static char D[512];              /* the identity directory */

static int
setup(void **state)
{
	(void)state;
	P = tp_start();
	snprintf(D, sizeof(D), "%s", tt_path("child"));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tp_stop(P);
	return 0;
}

static mode_t
file_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	return st.st_mode & 07777;
}

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Run a command that must fail with want, and leave dir untouched. */
static void
fails_clean(const char *dir, int want, const char *needle, const char *const *argv)
{
	struct tt_out o;
	char *before = tt_snapshot(dir), *after;

	tt_ctlv(&o, argv);
	tt_expect(&o, want);
	if (needle != NULL) {
		char both[1 << 16];

		snprintf(both, sizeof(both), "%s\n%s", o.out, o.err);
		tt_has(both, needle);
	}
	after = tt_snapshot(dir);
	if (strcmp(before, after) != 0)
		fail_msg("a failed command changed %s:\nbefore:\n%s\nafter:\n%s", dir, before,
		    after);
	free(before);
	free(after);
	tt_out_free(&o);
}

#define FAILS(dir, want, needle, ...) do { \
	const char *argv_[] = { __VA_ARGS__, NULL }; \
	fails_clean(dir, want, needle, argv_); \
} while (0)

/* ---- init ---- */

static void
test_init(void **state)
{
	struct tt_out o;
	char path[1024];

	(void)state;
	tt_ctl(&o, "child", "init", "--dir", D, "--handle", "my-isp", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "child identity \"my-isp\" created");
	tt_out_free(&o);
	/* Keys are 0600; the directory has the documented layout. */
	snprintf(path, sizeof(path), "%s/bpki-ta.key", D);
	assert_int_equal(file_mode(path), 0600);
	snprintf(path, sizeof(path), "%s/bpki-ee.key", D);
	assert_int_equal(file_mode(path), 0600);
	snprintf(path, sizeof(path), "%s/child_request.xml", D);
	assert_true(exists(path));
	/* The child_request is RFC 8183 and its TA passes UD-152. */
	tt_ctl(&o, "inspect", path, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "RFC 8183 child_request");
	tt_has(o.out, "child_handle: my-isp");
	tt_out_free(&o);
	/* The EE is signed by the TA; the CRL too. */
	snprintf(path, sizeof(path), "%s/bpki-ta.cer", D);
	{
		char ee[1024], crl[1024];

		snprintf(ee, sizeof(ee), "%s/bpki-ee.cer", D);
		snprintf(crl, sizeof(crl), "%s/bpki.crl", D);
		tt_ctl(&o, "inspect", "--ta", path, ee, crl, NULL);
		tt_expect(&o, 0);
		tt_has(o.out, "BPKI EE");
		tt_has(o.out, "signature (issuer from --ta): valid");
		tt_hasnt(o.out, "INVALID");
		tt_out_free(&o);
		tt_ctl(&o, "inspect", path, NULL);
		tt_has(o.out, "BPKI trust anchor");
		tt_has(o.out, "self-signed: signature valid");
		tt_out_free(&o);
	}
}

static void
test_init_refusals(void **state)
{
	char other[1024], file[1100];

	(void)state;
	/* An existing identity is never overwritten. */
	FAILS(D, 1, "refusing to overwrite", "child", "init", "--dir", D, "--handle", "x");
	/* A non-empty directory neither. */
	snprintf(other, sizeof(other), "%s", tt_path("notempty"));
	assert_int_equal(mkdir(other, 0700), 0);
	snprintf(file, sizeof(file), "%s/precious", other);
	tt_write(file, "data", 4);
	FAILS(other, 1, "refusing", "child", "init", "--dir", other, "--handle", "x");
	/* A bad handle (UD-154) and missing options are usage errors; nothing created. */
	FAILS(tt_tmpdir(), 2, "UD-154", "child", "init", "--dir", tt_path("bad"), "--handle",
	    "white space");
	assert_false(exists(tt_path("bad")));
	FAILS(tt_tmpdir(), 2, "usage", "child", "init", "--dir", tt_path("bad"));
	FAILS(tt_tmpdir(), 2, "usage", "child", "frobnicate", "--dir", D);
	FAILS(tt_tmpdir(), 2, "usage", "child");
}

/* ---- parent ---- */

static void
test_no_parent_yet(void **state)
{
	(void)state;
	FAILS(D, 1, "no parent recorded", "child", "list", "--dir", D);
	FAILS(D, 1, "no parent recorded", "child", "issue", "--dir", D, "--class", TP_CLASS,
	    "--sia-repo", TP_SIA_HEAD);
}

static void
test_parent(void **state)
{
	struct tt_out o;
	const char *resp = tt_path("parent_response.xml");
	const char *other = tt_path("other_response.xml");
	char req[1024];

	(void)state;
	snprintf(req, sizeof(req), "%s/child_request.xml", D);
	tp_add_child(P, req, ASSIGNED, resp);
	/* UD-153: the parent renamed us; the tool says so and uses the new name. */
	tt_ctl(&o, "child", "parent", "--dir", D, resp, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "child_handle (our sender): " ASSIGNED);
	tt_has(o.out, "note: the parent assigned");
	tt_out_free(&o);
	/* The same again: nothing to change. */
	tt_ctl(&o, "child", "parent", "--dir", D, "--json", resp, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "\"changed\": false");
	tt_has(o.out, "\"parent_handle\": \"" TP_HANDLE "\"");
	tt_out_free(&o);
	/* Another parent needs --force. */
	tp_write_other_parent_response(P, ASSIGNED, other);
	FAILS(D, 1, "--force", "child", "parent", "--dir", D, other);
	/* UD-152: APNIC's real parent_response carries a TA that has expired. */
	FAILS(D, 1, "parent_bpki_ta refused", "child", "parent", "--dir", D, "--force",
	    tt_interop("krill/test-resources/oob/apnic/parent.response.xml"));
	/* Not a parent_response; unreadable. */
	FAILS(D, 1, "not an RFC 8183 parent_response", "child", "parent", "--dir", D, req);
	FAILS(D, 3, NULL, "child", "parent", "--dir", D, tt_path("nonexistent.xml"));
	/* --force replaces, and back. */
	tt_ctl(&o, "child", "parent", "--dir", D, "--force", other, NULL);
	tt_expect(&o, 0);
	tt_out_free(&o);
	tt_ctl(&o, "child", "parent", "--dir", D, "--force", resp, NULL);
	tt_expect(&o, 0);
	tt_out_free(&o);
}

/* ---- list, issue ---- */

static void
test_list(void **state)
{
	struct tt_out o;
	char path[1024];

	(void)state;
	tt_ctl(&o, "child", "list", "--dir", D, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "type list_response, sender \"" TP_HANDLE "\", recipient \"" ASSIGNED "\"");
	tt_has(o.out, "class \"" TP_CLASS "\"");
	tt_has(o.out, "resource_set_ipv4: \"" TP_V4 "\"");
	tt_has(o.out, "suggested_sia_head: " TP_SIA_HEAD);
	tt_has(o.out, "verified against the parent's BPKI TA");
	tt_out_free(&o);
	assert_string_equal(tp_last_type(P), "list");
	snprintf(path, sizeof(path), "%s/replay", D);
	assert_true(exists(path));
	tt_ctl(&o, "child", "list", "--dir", D, "--json", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "\"command\": \"list\"");
	tt_has(o.out, "\"ok\": true");
	tt_has(o.out, "\"type\": \"list_response\"");
	tt_has(o.out, "\"resource_set_as\": \"" TP_AS "\"");
	tt_has(o.out, "\"certificates\": []");
	assert_true(tt_json_valid(o.out));
	tt_out_free(&o);
	/* Strict DER and lenient attributes change nothing for a DER, profile-true parent. */
	tt_ctl(&o, "child", "list", "--dir", D, "--der-only", "--lenient", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "HTTP 200, DER CMS");
	tt_out_free(&o);
}

static void
test_issue(void **state)
{
	struct tt_out o;
	char cer[1024], key[1024];

	(void)state;
	tt_ctl(&o, "child", "issue", "--dir", D, "--class", TP_CLASS, "--sia-repo",
	    "rsync://127.0.0.1/repo/child/", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "type issue_response");
	tt_has(o.out, "our key " TP_CLASS);
	tt_has(o.out, "certified ipv4: \"" TP_V4 "\"");
	tt_has(o.out, "certified as: \"" TP_AS "\"");
	tt_has(o.out, "stored: certs/" TP_CLASS ".cer");
	tt_out_free(&o);
	assert_string_equal(tp_last_req_v4(P), "-");   /* UD-65: absent */
	assert_int_equal(tp_certs(P), 1);
	snprintf(cer, sizeof(cer), "%s/certs/" TP_CLASS ".cer", D);
	snprintf(key, sizeof(key), "%s/keys/" TP_CLASS ".key", D);
	assert_true(exists(cer));
	assert_int_equal(file_mode(key), 0600);
	/* The stored certificate is the RFC 6487 CA certificate for our key. */
	tt_ctl(&o, "inspect", cer, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "certificate: RPKI CA");
	tt_has(o.out, "SIA caRepository: rsync://127.0.0.1/repo/child/");
	tt_has(o.out, "resources ipv6: \"" TP_V6 "\"");
	tt_out_free(&o);
}

static void
test_issue_suggested_head(void **state)
{
	struct tt_out o;

	(void)state;
	/* No --sia-repo: the parent's suggested_sia_head, learnt by a list. UD-65: a request set. */
	tt_ctl(&o, "child", "issue", "--dir", D, "--class", TP_CLASS, "--key", "second",
	    "--ipv4", "192.0.2.0/25", "--as", "", "--json", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "\"req_resource_set_ipv4\": \"192.0.2.0/25\"");
	tt_has(o.out, "\"req_resource_set_as\": \"\"");
	tt_has(o.out, "\"req_resource_set_ipv6\": null");
	tt_has(o.out, "\"ipv4\": \"192.0.2.0/25\"");
	tt_has(o.out, "\"key\": \"second\"");
	tt_has(o.out, "\"ca_repository\": [\n");
	tt_has(o.out, "\"" TP_SIA_HEAD "\"");
	tt_has(o.out, "\"ok\": true");
	tt_out_free(&o);
	assert_string_equal(tp_last_req_v4(P), "192.0.2.0/25");
	assert_int_equal(tp_certs(P), 2);
}

static void
test_list_knows_keys(void **state)
{
	struct tt_out o;

	(void)state;
	tt_ctl(&o, "child", "list", "--dir", D, "--json", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "\"key\": \"" TP_CLASS "\"");
	tt_has(o.out, "\"key\": \"second\"");
	tt_has(o.out, "\"resource_set_notafter\": \"");
	tt_has(o.out, "\"ipv6\": \"" TP_V6 "\"");
	tt_has(o.out, "\"cert_url\": \"" TP_SIA_HEAD);
	tt_out_free(&o);
	tt_ctl(&o, "child", "list", "--dir", D, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "our key second");
	tt_has(o.out, "req_resource_set_ipv4: \"192.0.2.0/25\"");
	tt_out_free(&o);
}

/* ---- failures: nothing written ---- */

static void
bad_parent(enum tp_mode mode, int want, const char *needle)
{
	tp_set_mode(P, mode);
	FAILS(D, want, needle, "child", "list", "--dir", D, "--timeout", "3");
	FAILS(D, want, needle, "child", "issue", "--dir", D, "--class", TP_CLASS,
	    "--key", "never", "--sia-repo", TP_SIA_HEAD, "--timeout", "3");
	tp_set_mode(P, TP_NORMAL);
}

static void
test_http_errors(void **state)
{
	(void)state;
	tp_set_status(P, 400);
	bad_parent(TP_STATUS, 3, "HTTP status 400");   /* UD-8 */
	tp_set_status(P, 500);
	bad_parent(TP_STATUS, 3, "HTTP status 500");
	tp_set_status(P, 503);
	bad_parent(TP_STATUS, 3, "HTTP status 503");
	tp_set_mode(P, TP_STATUS);
	FAILS(D, 3, "\"http_status\": 503", "child", "list", "--dir", D, "--json");
	tp_set_mode(P, TP_NORMAL);
}

static void
test_oversize_and_hang(void **state)
{
	(void)state;
	bad_parent(TP_OVERSIZE, 3, "larger than 16777216");
	bad_parent(TP_OVERSIZE_NOLEN, 3, "larger than 16777216");
	bad_parent(TP_HANG, 3, "timed out");
}

static void
test_bad_responses(void **state)
{
	(void)state;
	bad_parent(TP_BAD_SIG, 1, "signature");
	bad_parent(TP_WRONG_TA, 1, "against the parent's BPKI TA");
	bad_parent(TP_OLD_TIME, 1, "a replay (RFC 6492 3.1.2)");   /* UD-161 */
	bad_parent(TP_WRONG_SENDER, 1, "sender \"someone-else\"");
	bad_parent(TP_GARBAGE, 1, "response refused");
}

static void
test_error_response(void **state)
{
	(void)state;
	tp_set_error(P, 1202);
	tp_set_mode(P, TP_ERROR);
	FAILS(D, 1, "error_response 1202", "child", "issue", "--dir", D, "--class", TP_CLASS,
	    "--key", "never", "--sia-repo", TP_SIA_HEAD);
	FAILS(D, 1, "\"status\": 1202", "child", "list", "--dir", D, "--json");
	tp_set_mode(P, TP_NORMAL);
	/* The built-in parent's own 1201 for a class it does not have. */
	FAILS(D, 1, "1201", "child", "issue", "--dir", D, "--class", "NOPE", "--sia-repo",
	    TP_SIA_HEAD);
	/* A parent that certifies another key. */
	tp_set_mode(P, TP_WRONG_KEY);
	FAILS(D, 1, "no CA certificate for our key", "child", "issue", "--dir", D, "--class",
	    TP_CLASS, "--key", "third", "--sia-repo", TP_SIA_HEAD);
	tp_set_mode(P, TP_NORMAL);
}

static void
test_unreachable(void **state)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);
	char d2[1024], cmd[2048], port[16], dead[16], *xml, *at;
	size_t len;
	int s;

	(void)state;
	/* A copy of the identity whose parent listens on a port nobody has. */
	snprintf(d2, sizeof(d2), "%s", tt_path("child-unreachable"));
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", D, d2);
	assert_int_equal(system(cmd), 0);
	s = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	close(s);
	snprintf(port, sizeof(port), ":%u/", tp_port(P));
	snprintf(dead, sizeof(dead), ":%u/", ntohs(a.sin_port));
	snprintf(cmd, sizeof(cmd), "%s/parent_response.xml", d2);
	xml = (char *)tt_read(cmd, &len);
	at = strstr(xml, port);
	assert_non_null(at);
	{
		char *out = malloc(len + 32);

		assert_non_null(out);
		snprintf(out, len + 32, "%.*s%s%s", (int)(at - xml), xml, dead, at + strlen(port));
		tt_write(cmd, out, strlen(out));
		free(out);
	}
	free(xml);
	FAILS(d2, 3, "onnect", "child", "list", "--dir", d2);
	FAILS(d2, 3, "\"ok\": false", "child", "list", "--dir", d2, "--json");
	FAILS(d2, 3, "onnect", "child", "revoke", "--dir", d2, "--class", TP_CLASS);
}

/* A free TCP port on 127.0.0.1 (bound, then released). */
static unsigned short
free_port(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	close(s);
	return ntohs(a.sin_port);
}

/* A copy of the identity whose service URI is uri. */
static void
copy_with_uri(const char *dst, const char *uri)
{
	char cmd[2048], path[1100], old[64], *xml, *at, *end, *out;
	size_t len;

	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", D, dst);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/parent_response.xml", dst);
	xml = (char *)tt_read(path, &len);
	snprintf(old, sizeof(old), "http://127.0.0.1:%u/updown/" ASSIGNED, tp_port(P));
	at = strstr(xml, old);
	assert_non_null(at);
	end = at + strlen(old);
	out = malloc(len + strlen(uri) + 1);
	assert_non_null(out);
	snprintf(out, len + strlen(uri) + 1, "%.*s%s%s", (int)(at - xml), xml, uri, end);
	tt_write(path, out, strlen(out));
	free(out);
	free(xml);
}

/* https: the server's certificate is verified; --cacert names a trust anchor. */
static void
test_tls(void **state)
{
	const char *openssl = getenv("OPENSSL");
	char cmd[2048], uri[128], d3[1024], acc[64];
	unsigned short port;
	pid_t pid;
	int up = 0;

	(void)state;
	if (openssl == NULL)
		skip();
	snprintf(cmd, sizeof(cmd), "'%s' req -x509 -newkey rsa:2048 -nodes -keyout '%s' "
	    "-out '%s' -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 "
	    ">/dev/null 2>&1", openssl, tt_path("tls.key"), tt_path("tls.pem"));
	assert_int_equal(system(cmd), 0);
	port = free_port();
	snprintf(acc, sizeof(acc), "127.0.0.1:%u", port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execl(openssl, openssl, "s_server", "-accept", acc, "-cert", tt_path("tls.pem"),
		    "-key", tt_path("tls.key"), "-www", "-quiet", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !up; i++) {
		struct sockaddr_in a = { 0 };
		int s = socket(AF_INET, SOCK_STREAM, 0);

		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons(port);
		up = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(s);
		if (!up)
			usleep(50000);
	}
	if (up) {
		snprintf(uri, sizeof(uri), "https://127.0.0.1:%u/updown/" ASSIGNED, port);
		snprintf(d3, sizeof(d3), "%s", tt_path("child-tls"));
		copy_with_uri(d3, uri);
		/* Verification is on: a self-signed server certificate is refused. */
		FAILS(d3, 3, "SSL certificate", "child", "list", "--dir", d3, "--timeout", "5");
		/* Trusted through --cacert: the handshake passes (this server never answers). */
		FAILS(d3, 3, "timed out", "child", "list", "--dir", d3, "--timeout", "2",
		    "--cacert", tt_path("tls.pem"));
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	assert_true(up);
}

static void
test_usage_errors(void **state)
{
	(void)state;
	FAILS(D, 2, "usage", "child", "list");
	FAILS(D, 2, "usage", "child", "list", "--dir", D, "extra");
	FAILS(D, 2, "usage", "child", "issue", "--dir", D);
	FAILS(D, 2, "usage", "child", "revoke", "--dir", D);
	FAILS(D, 2, "usage", "child", "list", "--dir", D, "--timeout", "0");
	FAILS(D, 2, "resource set", "child", "issue", "--dir", D, "--class", TP_CLASS,
	    "--ipv4", "192.0.2.1/8");
	FAILS(D, 2, "resource set", "child", "issue", "--dir", D, "--class", TP_CLASS,
	    "--as", "AS1");
	FAILS(D, 2, "label", "child", "issue", "--dir", D, "--class", TP_CLASS, "--key",
	    "../escape");
	FAILS(D, 2, "SIA", "child", "issue", "--dir", D, "--class", TP_CLASS, "--key", "u",
	    "--sia-repo", "http://127.0.0.1/repo/");
	FAILS(D, 2, "SIA", "child", "issue", "--dir", D, "--class", TP_CLASS, "--key", "u",
	    "--sia-repo", TP_SIA_HEAD, "--sia-mft", "rsync://127.0.0.1/repo/child/");
	/* Not a child identity at all. */
	FAILS(tt_tmpdir(), 3, "no child identity", "child", "list", "--dir", tt_path("nothing"));
}

/* ---- BPKI renewal ---- */

static int
urandom(void *ctx, unsigned char *buf, size_t len)
{
	FILE *f = fopen("/dev/urandom", "rb");
	size_t n;

	(void)ctx;
	if (f == NULL)
		return -1;
	n = fread(buf, 1, len, f);
	fclose(f);
	return n == len ? 0 : -1;
}

/*
 * An EE certificate that has expired and a CRL about to go stale: the
 * next request renews both in memory (the parent accepts it), and they
 * are stored with the response's state.
 */
static void
test_bpki_renewal(void **state)
{
	struct signer *s = NULL;
	struct signer_key *tak = NULL, *eek = NULL;
	struct cert_issuer iss;
	struct cert_bpki_params bp = { 0 };
	struct crl_params cp = { 0 };
	struct tt_out o;
	unsigned char *pem, *ta, *spki = NULL, *ee = NULL, *crl = NULL, sn[9];
	size_t len, ta_len, spki_len, ee_len, crl_len, sn_len;
	char path[1100];
	time_t now = time(NULL);

	(void)state;
	assert_int_equal(signer_sw_open(urandom, NULL, &s), 0);
	snprintf(path, sizeof(path), "%s/bpki-ta.key", D);
	pem = tt_read(path, &len);
	assert_int_equal(signer_sw_import_pem(s, "ta", pem, len, &tak), 0);
	free(pem);
	snprintf(path, sizeof(path), "%s/bpki-ee.key", D);
	pem = tt_read(path, &len);
	assert_int_equal(signer_sw_import_pem(s, "ee", pem, len, &eek), 0);
	free(pem);
	snprintf(path, sizeof(path), "%s/bpki-ta.cer", D);
	ta = tt_read(path, &ta_len);
	assert_int_equal(cert_issuer_load(&iss, s, tak, ta, ta_len), 0);
	assert_int_equal(signer_key_public(s, eek, &spki, &spki_len), 0);
	assert_int_equal(cert_serial_from_u64(77, sn, &sn_len), 0);
	bp.serial = sn;
	bp.serial_len = sn_len;
	bp.not_before = now - 30 * 86400L;
	bp.not_after = now - 86400L;
	bp.subject_cn = "expired EE";
	assert_int_equal(cert_bpki_ee(&iss, spki, spki_len, &bp, &ee, &ee_len), 0);
	cp.this_update = now - 30 * 86400L;
	cp.next_update = now + 86400L;
	cp.number = 5;
	assert_int_equal(crl_write(&iss, &cp, &crl, &crl_len), 0);
	snprintf(path, sizeof(path), "%s/bpki-ee.cer", D);
	tt_write(path, ee, ee_len);
	snprintf(path, sizeof(path), "%s/bpki.crl", D);
	tt_write(path, crl, crl_len);
	tt_ctl(&o, "child", "list", "--dir", D, "--json", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "\"bpki-ee.cer\"");
	tt_has(o.out, "\"bpki.crl\"");
	tt_out_free(&o);
	/* Stored: the next request has nothing to renew. */
	tt_ctl(&o, "child", "list", "--dir", D, "--json", NULL);
	tt_expect(&o, 0);
	tt_hasnt(o.out, "\"bpki-ee.cer\"");
	tt_hasnt(o.out, "\"bpki.crl\"");
	tt_out_free(&o);
	snprintf(path, sizeof(path), "%s/bpki-ee.cer", D);
	tt_ctl(&o, "inspect", "--ta", tt_path("child/bpki-ta.cer"), path, NULL);
	tt_expect(&o, 0);
	tt_hasnt(o.out, "serial: 77\n");
	tt_has(o.out, "signature (issuer from --ta): valid");
	tt_out_free(&o);
	free(ta);
	free(spki);
	free(ee);
	free(crl);
	cert_issuer_free(&iss);
	signer_close(s);
}

/* ---- revoke ---- */

static void
test_revoke(void **state)
{
	struct tt_out o;
	char key[1024], cer[1024];
	unsigned n = tp_certs(P);

	(void)state;
	snprintf(key, sizeof(key), "%s/keys/" TP_CLASS ".key", D);
	snprintf(cer, sizeof(cer), "%s/certs/" TP_CLASS ".cer", D);
	tt_ctl(&o, "child", "revoke", "--dir", D, "--class", TP_CLASS, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "type revoke_response");   /* UD-110: by gSKI */
	tt_has(o.out, "revoked and moved to");
	tt_out_free(&o);
	assert_false(exists(key));
	assert_false(exists(cer));
	assert_int_equal(tp_certs(P), n - 1);
	/* Again: no such key any more. */
	FAILS(D, 1, "no key \"" TP_CLASS "\"", "child", "revoke", "--dir", D, "--class",
	    TP_CLASS);
	/* The other key. */
	tt_ctl(&o, "child", "revoke", "--dir", D, "--class", TP_CLASS, "--key", "second",
	    "--json", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "\"type\": \"revoke_response\"");
	tt_out_free(&o);
	assert_int_equal(tp_certs(P), n - 2);
	/* A fresh issue for the class makes a new key (the old one is in revoked/). */
	tt_ctl(&o, "child", "issue", "--dir", D, "--class", TP_CLASS, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, ", new)");
	tt_out_free(&o);
	assert_true(exists(key));
	/* A key the parent no longer knows: error_response 1302, the key stays. */
	tp_forget(P);
	FAILS(D, 1, "1302", "child", "revoke", "--dir", D, "--class", TP_CLASS);
	assert_true(exists(key));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_init_refusals),
		cmocka_unit_test(test_no_parent_yet),
		cmocka_unit_test(test_parent),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_issue),
		cmocka_unit_test(test_issue_suggested_head),
		cmocka_unit_test(test_list_knows_keys),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_oversize_and_hang),
		cmocka_unit_test(test_bad_responses),
		cmocka_unit_test(test_error_response),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_bpki_renewal),
		cmocka_unit_test(test_revoke),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
