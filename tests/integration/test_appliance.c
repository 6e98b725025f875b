/*
 * Integration suite: updown-appliance on the posix board, in a private
 * network namespace, with its keys in a fresh SoftHSM token; every RFC 6492
 * exchange over real HTTP through lwIP, with requests from the project's
 * code and from the openssl CLI, every reply checked with cms_verify and
 * `openssl cms -verify -crl_check` against the appliance's BPKI TA.
 * Provisioning through the M-of-N endpoint and from --load-bundle; clean
 * SIGTERM; the referees judge the publication point at the end.
 * Needs root (namespaces, TAP); skips with the reason elsewhere.
 */
#include <dirent.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "appfix.h"
#include "proto/bundle.h"
#include "proto/xlog.h"

static struct app A;
static char skip_why[256];
static bool skipping;

#define SKIP_IF() do { if (skipping) { print_message("skipped: %s\n", skip_why); skip(); } } while (0)

static int
group_setup(void **state)
{
	(void)state;
	if (app_setup(&A, skip_why, sizeof(skip_why)) == 1)
		skipping = true;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (!skipping)
		app_teardown(&A);
	ef_pool_free();
	return 0;
}

static int
provision(uint64_t version, bool shrink, const int *ops, size_t n, unsigned flags,
    struct resp *r)
{
	char *t = app_table(&A, version, shrink);
	size_t len = 0;
	unsigned char *der = app_bundle(&A, t, version, ops, n, flags, &len);
	int rc = app_post(APP_PROV_PORT, APP_PROV_PATH, "application/x-updown-bundle", der, len,
	    r);

	free(der);
	free(t);
	return rc;
}

/* Start, provision version 1 with 2 of 3 operators; refusals change nothing. */
static void
test_provision(void **state)
{
	static const int two[] = { 0, 2 }, one[] = { 1 }, stranger[] = { 0, 3 };
	struct resp r;

	(void)state;
	SKIP_IF();
	app_start(&A, NULL);
	assert_non_null(strstr(A.summary, "address 10.77.0.2"));
	assert_non_null(strstr(A.summary, "children 0"));
	assert_non_null(strstr(A.summary, "HSM pkcs11:token=appliance"));
	/* The BPKI EE our replies are signed with: its end, and when it is renewed (UD-25). */
	{
		mbedtls_x509_crt ee;
		char until[UD_TIME_SIZE], from[UD_TIME_SIZE], want[128];
		time_t nb, na;

		mbedtls_x509_crt_init(&ee);
		assert_int_equal(mbedtls_x509_crt_parse_der(&ee, A.f.bpki_ee, A.f.bpki_ee_len), 0);
		nb = (time_t)cms_x509_seconds(&ee.valid_from);
		na = (time_t)cms_x509_seconds(&ee.valid_to);
		mbedtls_x509_crt_free(&ee);
		assert_int_equal(ud_time_format(na, until), 0);
		assert_int_equal(ud_time_format(na - (na - nb) / 3, from), 0);
		snprintf(want, sizeof(want), " BPKI EE until %s (renewed from %s)", until, from);
		if (strstr(A.summary, want) == NULL)
			fail_msg("summary lacks '%s': %s", want, A.summary);
	}
	/* Below the threshold: 403; a second signer that is not registered does not count. */
	assert_int_equal(provision(1, false, one, 1, 0, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	assert_int_equal(provision(1, false, stranger, 2, 0, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	/* Wrong content type (415), method (405), junk (400). */
	assert_int_equal(app_post(APP_PROV_PORT, APP_PROV_PATH, "application/rpki-updown", "x", 1,
	    &r), 0);
	assert_int_equal(r.status, 415);
	resp_free(&r);
	assert_int_equal(app_post(APP_PROV_PORT, APP_PROV_PATH, "application/x-updown-bundle",
	    "junk", 4, &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	/*
	 * Signed by enough operators but refused by the engine (a class that
	 * is not ours): 422, and the children the table carries are not
	 * registered either (UD-155), nor is version 1 used up.
	 */
	{
		static const char cls[] = "class " EF_CLASS "\n";
		char *t = app_table(&A, 1, false), *t2, *at, na[21];
		size_t len = 0, cap;
		unsigned char *der;

		assert_non_null(at = strstr(t, "notafter="));
		memcpy(na, at + 9, 20);
		na[20] = '\0';
		assert_non_null(at = strstr(t, cls));
		cap = strlen(t) + 128;
		t2 = malloc(cap);
		assert_non_null(t2);
		snprintf(t2, cap, "%.*sclass OTHER\n%sgrant carol OTHER as=64500 notafter=%s\n",
		    (int)(at - t + sizeof(cls) - 1), t, at + sizeof(cls) - 1, na);
		der = app_bundle(&A, t2, 1, two, 2, 0, &len);
		assert_int_equal(app_post(APP_PROV_PORT, APP_PROV_PATH, "application/x-updown-bundle",
		    der, len, &r), 0);
		print_message("%s", r.body);
		assert_int_equal(r.status, 422);
		assert_non_null(strstr((const char *)r.body, "class OTHER is not one of ours"));
		resp_free(&r);
		free(der);
		free(t2);
		free(t);
	}
	/* Nothing was applied: alice is unknown (UD-8: 400 before any up-down message). */
	{
		char *xml = ef_xml_list("alice", EF_HANDLE);
		size_t len = 0;
		unsigned char *cms = ef_cms(A.child[0], xml, strlen(xml), time(NULL), &len);
		assert_int_equal(app_post(APP_PORT, "/updown", "application/rpki-updown", cms, len,
		    &r), 0);
		assert_int_equal(r.status, 400);
		resp_free(&r);
		free(cms);
		free(xml);
	}
	/* M of N: applied. */
	assert_int_equal(provision(1, false, two, 2, 0, &r), 0);
	print_message("%s", r.body);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ctype, "text/plain");
	resp_free(&r);
	/* The same version again: 409 (replay). */
	assert_int_equal(provision(1, false, two, 2, 0, &r), 0);
	assert_int_equal(r.status, 409);
	resp_free(&r);
}

/* list over each child's service URI and the shared path (UD-5). */
static void
test_list(void **state)
{
	struct ud_msg m;
	char *xml;

	(void)state;
	SKIP_IF();
	xml = ef_xml_list("alice", EF_HANDLE);
	assert_int_equal(app_exchange(&A, A.child[0], xml, false, &m), 0);
	assert_int_equal(m.type, UD_LIST_RESPONSE);
	assert_int_equal(m.nclasses, 1);
	assert_string_equal(m.classes[0].class_name, EF_CLASS);
	assert_string_equal(m.classes[0].cert_url, EF_TA_URI);
	ud_msg_free(&m);
	assert_int_equal(app_exchange(&A, A.child[0], xml, true, &m), 0);
	assert_int_equal(m.type, UD_LIST_RESPONSE);
	ud_msg_free(&m);
	free(xml);
	/* carol is in the table without a grant: a list with no class. */
	xml = ef_xml_list("carol", EF_HANDLE);
	assert_int_equal(app_exchange(&A, A.child[2], xml, false, &m), 0);
	assert_int_equal(m.nclasses, 0);
	ud_msg_free(&m);
	free(xml);
}

static unsigned
issue(struct ef_child *c, const char *cls, struct ef_key *k, struct ud_msg *m)
{
	size_t csr_len = 0;
	unsigned char *csr = ef_csr(c, k, &csr_len);
	char *xml = ef_xml_issue(c->handle, cls, csr, csr_len, NULL, NULL, NULL);
	unsigned st = app_exchange(&A, c, xml, false, m);

	free(xml);
	free(csr);
	return st;
}

static unsigned
revoke_key(struct ef_child *c, const char *cls, const char *gski, struct ud_msg *m)
{
	char *xml = ef_xml_revoke(c->handle, cls, gski);
	unsigned st = app_exchange(&A, c, xml, false, m);

	free(xml);
	return st;
}

/* issue, list shows it, revoke, list no longer does. */
static void
test_issue_revoke(void **state)
{
	struct ud_msg m;
	struct ef_cert x;
	char *xml;

	(void)state;
	SKIP_IF();
	assert_int_equal(issue(A.child[0], EF_CLASS, ef_key(32), &m), 0);
	assert_int_equal(m.type, UD_ISSUE_RESPONSE);
	assert_int_equal(m.classes[0].ncerts, 1);
	ef_cert_parse(&A.f, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &x);
	ef_assert_res(&x.res, "64496", "10.1.0.0/16", "");
	ef_cert_free(&x);
	ud_msg_free(&m);
	assert_int_equal(issue(A.child[1], EF_CLASS, ef_key(33), &m), 0);
	ud_msg_free(&m);
	xml = ef_xml_list("alice", EF_HANDLE);
	assert_int_equal(app_exchange(&A, A.child[0], xml, false, &m), 0);
	assert_int_equal(m.classes[0].ncerts, 1);
	ud_msg_free(&m);
	/* A second key for alice, then revoke it. */
	assert_int_equal(issue(A.child[0], EF_CLASS, ef_key(34), &m), 0);
	ud_msg_free(&m);
	assert_int_equal(revoke_key(A.child[0], EF_CLASS, ef_key(34)->gski, &m), 0);
	assert_int_equal(m.type, UD_REVOKE_RESPONSE);
	ud_msg_free(&m);
	assert_int_equal(app_exchange(&A, A.child[0], xml, false, &m), 0);
	assert_int_equal(m.classes[0].ncerts, 1);
	ud_msg_free(&m);
	free(xml);
}

/* Every error_response over the network (UD-41..UD-44, UD-61..UD-64, UD-111). */
static void
test_errors(void **state)
{
	static const char v2[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"2\" "
	    "sender=\"alice\" recipient=\"" EF_HANDLE "\" type=\"list\"/>\n";
	static const char bad_type[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
	    "sender=\"alice\" recipient=\"" EF_HANDLE "\" type=\"list_response\"/>\n";
	struct ud_msg m;
	unsigned char *csr;
	size_t csr_len = 0;
	char *xml;

	(void)state;
	SKIP_IF();
	assert_int_equal(issue(A.child[0], "NO-SUCH-CLASS", ef_key(35), &m), UD_STATUS_NO_CLASS);
	ud_msg_free(&m);
	assert_int_equal(issue(A.child[2], EF_CLASS, ef_key(35), &m), UD_STATUS_NO_RESOURCES);
	ud_msg_free(&m);
	csr = ef_csr(A.child[0], ef_key(35), &csr_len);
	csr[csr_len - 5] ^= 0x40;
	xml = ef_xml_issue("alice", EF_CLASS, csr, csr_len, NULL, NULL, NULL);
	assert_int_equal(app_exchange(&A, A.child[0], xml, false, &m), UD_STATUS_BAD_CSR);
	ud_msg_free(&m);
	free(xml);
	free(csr);
	/* bob asks for alice's key. */
	assert_int_equal(issue(A.child[1], EF_CLASS, ef_key(32), &m), UD_STATUS_KEY_REUSED);
	ud_msg_free(&m);
	assert_int_equal(revoke_key(A.child[0], "NO-SUCH-CLASS", ef_key(32)->gski, &m),
	    UD_STATUS_REVOKE_NO_CLASS);
	ud_msg_free(&m);
	assert_int_equal(revoke_key(A.child[0], EF_CLASS, ef_key(40)->gski, &m),
	    UD_STATUS_REVOKE_NO_KEY);
	ud_msg_free(&m);
	assert_int_equal(app_exchange(&A, A.child[0], v2, false, &m), UD_STATUS_VERSION);
	ud_msg_free(&m);
	assert_int_equal(app_exchange(&A, A.child[0], bad_type, false, &m), UD_STATUS_BAD_TYPE);
	ud_msg_free(&m);
}

/* UD-6: two concurrent requests from one child: one of them may get 1101. */
struct conc {
	unsigned char *cms;
	size_t len;
	struct resp r;
	int rc;
};

static void *
conc_post(void *arg)
{
	struct conc *c = arg;

	c->rc = app_post(APP_PORT, APP_BASE_PATH "bob", "application/rpki-updown", c->cms, c->len,
	    &c->r);
	return NULL;
}

static void
test_1101(void **state)
{
	int round, seen = 0;

	(void)state;
	SKIP_IF();
	for (round = 0; round < 30 && seen == 0; round++) {
		struct conc c[2];
		pthread_t t[2];
		size_t csr_len = 0, i;
		unsigned char *csr = ef_csr(A.child[1], ef_key(33), &csr_len);
		char *x0 = ef_xml_issue("bob", EF_CLASS, csr, csr_len, NULL, NULL, NULL);
		char *x1 = ef_xml_list("bob", EF_HANDLE);
		time_t now = time(NULL);

		memset(c, 0, sizeof(c));
		c[0].cms = ef_cms(A.child[1], x0, strlen(x0), now, &c[0].len);
		c[1].cms = ef_cms(A.child[1], x1, strlen(x1), now, &c[1].len);
		for (i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&t[i], NULL, conc_post, &c[i]), 0);
		for (i = 0; i < 2; i++) {
			struct ud_msg m;
			pthread_join(t[i], NULL);
			assert_int_equal(c[i].rc, 0);
			app_check_reply(&A, A.child[1], &c[i].r, &m);
			if (m.type == UD_ERROR_RESPONSE) {
				assert_int_equal(m.error.status, UD_STATUS_ALREADY_PROCESSING);
				seen++;
			}
			ud_msg_free(&m);
			resp_free(&c[i].r);
			free(c[i].cms);
		}
		free(x0);
		free(x1);
		free(csr);
	}
	print_message("1101 after %d rounds\n", round);
	assert_true(seen > 0);
}

/* Requests made by the openssl CLI, with the child's CRL spliced in (UD-15). */
static void
test_openssl_requests(void **state)
{
	struct ef_child *c = A.child[1];
	char *pem = NULL, *xml;
	size_t len = 0, out_len = 0, n = 0;
	unsigned char *raw, *msg;
	struct resp r;
	struct ud_msg m;

	(void)state;
	SKIP_IF();
	app_write(&A, "bob-ee.cer", c->ee, c->ee_len);
	assert_int_equal(signer_sw_export_pem(ef_signer(), c->ee_key->key, &pem, &len), 0);
	app_write(&A, "bob-ee.key", pem, len);
	free(pem);
	assert_int_equal(app_openssl(&A, "x509 -inform DER -in bob-ee.cer -out bob-ee.pem"), 0);
	xml = ef_xml_list("bob", EF_HANDLE);
	app_write(&A, "list.xml", xml, strlen(xml));
	free(xml);
	assert_int_equal(app_openssl(&A, "cms -sign -binary -nodetach -outform DER "
	    "-econtent_type 1.2.840.113549.1.9.16.1.28 -keyid -md sha256 -nosmimecap "
	    "-signer bob-ee.pem -inkey bob-ee.key -in list.xml -out list.der"), 0);
	raw = app_read(&A, "list.der", &n);
	assert_non_null(raw);
	/* Without the CRL: an authentication failure, 400 (UD-8, UD-15). */
	assert_int_equal(app_post(APP_PORT, APP_BASE_PATH "bob", "application/rpki-updown", raw, n,
	    &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	msg = app_splice_crl(raw, n, c->crl, c->crl_len, &out_len);
	assert_non_null(msg);
	sleep(1);       /* a later signing-time than the unspliced copy's is not needed, but */
	assert_int_equal(app_post(APP_PORT, APP_BASE_PATH "bob", "application/rpki-updown", msg,
	    out_len, &r), 0);
	app_check_reply(&A, c, &r, &m);
	assert_int_equal(m.type, UD_LIST_RESPONSE);
	assert_int_equal(m.nclasses, 1);
	ud_msg_free(&m);
	resp_free(&r);
	free(raw);
	free(msg);
}

/* alice lists: one certificate, for AS64496 and the IPv4 prefix v4. */
static void
assert_alice_v4(const char *v4)
{
	char *xml = ef_xml_list("alice", EF_HANDLE);
	struct ud_msg m;
	struct ef_cert x;

	assert_int_equal(app_exchange(&A, A.child[0], xml, false, &m), 0);
	assert_int_equal(m.classes[0].ncerts, 1);
	ef_cert_parse(&A.f, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &x);
	ef_assert_res(&x.res, "64496", v4, "");
	ef_cert_free(&x);
	ud_msg_free(&m);
	free(xml);
}

/* The operator shrinks alice; her next list shows the re-issued certificate (UD-101). */
static void
test_shrink(void **state)
{
	static const int ops[] = { 1, 2 };
	struct resp r;

	(void)state;
	SKIP_IF();
	assert_int_equal(provision(2, true, ops, 2, 0, &r), 0);
	print_message("%s", r.body);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_alice_v4("10.1.0.0/17");
}

/* Clean SIGTERM (exit 0), restart with --load-bundle (removable media), still serving. */
static void
test_restart_load_bundle(void **state)
{
	static const int ops[] = { 0, 1 };
	struct ud_msg m;
	char *t, *xml;
	size_t len = 0;
	unsigned char *der;
	char path[600];

	(void)state;
	SKIP_IF();
	assert_int_equal(app_stop(&A), 0);
	t = app_table(&A, 3, false);
	der = app_bundle(&A, t, 3, ops, 2, 0, &len);
	app_write(&A, "v3.bundle", der, len);
	free(der);
	free(t);
	snprintf(path, sizeof(path), "%s/v3.bundle", A.work);
	{
		const char *extra[] = { "--load-bundle", path, NULL };
		app_start(&A, extra);
	}
	assert_non_null(strstr(A.summary, "children 3"));
	xml = ef_xml_list("alice", EF_HANDLE);
	assert_int_equal(app_exchange(&A, A.child[0], xml, false, &m), 0);
	assert_int_equal(m.classes[0].ncerts, 1);
	ud_msg_free(&m);
	free(xml);
	/* The same file again: stale, the appliance refuses to start (exit 7). */
	assert_int_equal(app_stop(&A), 0);
	{
		char cmd[1400];
		int st;
		snprintf(cmd, sizeof(cmd), "'%s' --config '%s' --tap " NS_TAP " --load-bundle '%s' "
		    ">/dev/null 2>&1", UPDOWN_APPLIANCE, A.conf, path);
		st = system(cmd);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 7);
	}
	app_start(&A, NULL);
}

/* The referees judge the publication point (TAL from the ceremony). */
static void
test_referees(void **state)
{
	int st;

	(void)state;
	SKIP_IF();
	assert_int_equal(app_stop(&A), 0);
	st = ef_referees(&A.f, "appliance", NULL);
	if (st == -1)
		skip();
	assert_int_equal(st, 0);
}

/*
 * UD-160: every exchange of this run is in the exchange log files under
 * state_dir/exchanges (proto/xlog.h), one file per start: requests and
 * responses raw, with child, type and outcome.
 */
static void
test_exchange_log(void **state)
{
	char dir[700], path[1000];
	struct dirent *de;
	size_t files = 0, recs = 0, issues = 0, lists = 0, bad = 0;
	DIR *d;

	(void)state;
	SKIP_IF();
	snprintf(dir, sizeof(dir), "%s/store/exchanges", A.work);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		struct xlog_rec r;
		unsigned char *buf;
		struct stat st;
		size_t off = 0;
		FILE *fp;
		int rc;

		if (de->d_name[0] == '.')
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(stat(path, &st), 0);
		assert_non_null(buf = malloc((size_t)st.st_size + 1));
		assert_non_null(fp = fopen(path, "rb"));
		assert_int_equal(fread(buf, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
		fclose(fp);
		while ((rc = xlog_next(buf, (size_t)st.st_size, &off, &r, NULL, 0)) == 0) {
			recs++;
			assert_true(r.req_len > 0);
			if (strcmp(r.outcome, "ok") == 0) {
				/* Answered: a response, and a child from the table (not mallory). */
				assert_true(r.resp_len > 0);
				assert_true(strcmp(r.child, "alice") == 0 ||
				    strcmp(r.child, "bob") == 0 || strcmp(r.child, "carol") == 0);
			}
			if (strcmp(r.outcome, "400") == 0)
				assert_int_equal(r.resp_len, 0);       /* a bare 400 (UD-8) */
			issues += strcmp(r.type, "issue") == 0 && strcmp(r.outcome, "ok") == 0;
			lists += strcmp(r.type, "list") == 0 && strcmp(r.outcome, "ok") == 0;
			bad += strcmp(r.outcome, "400") == 0;
		}
		assert_int_equal(rc, XLOG_END);          /* clean stops: no torn record */
		free(buf);
	}
	closedir(d);
	assert_true(files >= 2);                     /* test_restart_load_bundle restarted */
	assert_true(lists >= 3);
	assert_true(issues >= 1);
	assert_true(bad >= 1);
	assert_true(recs > lists + issues + bad);       /* revokes and error responses too */
}

/*
 * The directory holding the class's publication snapshots made immutable
 * (set, 1) or not (0): not even root can create the next snapshot in it.
 * Returns 0, or -1 where the file system has no such flag.
 */
static int
pub_immutable(const char *dir, int set)
{
	int fd, flags, rc = -1;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		flags = set ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		rc = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0 ? 0 : -1;
	}
	close(fd);
	return rc;
}

/*
 * A table that is recorded but cannot be published (the snapshots'
 * directory made immutable): 500 saying it was applied, not refused; the
 * version is used up (409 again), the children's state follows the table,
 * and the next change publishes.
 */
static void
test_publish_failure(void **state)
{
	static const int ops[] = { 0, 2 };
	char cmd[800], link[1000] = "", *slash;
	struct resp r;
	FILE *fp;
	int prc;

	(void)state;
	SKIP_IF();
	app_start(&A, NULL);     /* test_referees stopped it */
	/* The class's repository is a symbolic link to its current snapshot; its parent holds them. */
	snprintf(cmd, sizeof(cmd), "find '%s/pub' -type l", A.work);
	assert_non_null(fp = popen(cmd, "r"));
	assert_non_null(fgets(link, sizeof(link), fp));
	pclose(fp);
	link[strcspn(link, "\n")] = '\0';
	assert_non_null(slash = strrchr(link, '/'));
	*slash = '\0';
	if (pub_immutable(link, 1) != 0) {
		print_message("test_publish_failure: skipped: %s cannot be made immutable here\n",
		    link);
		assert_int_equal(app_stop(&A), 0);
		skip();
	}
	prc = provision(4, true, ops, 2, 0, &r);
	assert_int_equal(pub_immutable(link, 0), 0);    /* first, so that teardown can clean up */
	assert_int_equal(prc, 0);
	print_message("%s", r.body);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr((const char *)r.body, "table 4 applied, but publication failed: "));
	assert_null(strstr((const char *)r.body, "refused"));
	resp_free(&r);
	/* Recorded: the version is used, alice's certificate is the shrunk one. */
	assert_int_equal(provision(4, true, ops, 2, 0, &r), 0);
	assert_int_equal(r.status, 409);
	resp_free(&r);
	assert_alice_v4("10.1.0.0/17");
	/* The next change publishes again, and the referees accept the result. */
	assert_int_equal(provision(5, false, ops, 2, 0, &r), 0);
	print_message("%s", r.body);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr((const char *)r.body, "1 published"));
	resp_free(&r);
	assert_alice_v4("10.1.0.0/16");
	assert_int_equal(app_stop(&A), 0);
	if ((prc = ef_referees(&A.f, "appliance", NULL)) != -1)   /* -1: no referees here */
		assert_int_equal(prc, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provision),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_issue_revoke),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_1101),
		cmocka_unit_test(test_openssl_requests),
		cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_restart_load_bundle),
		cmocka_unit_test(test_referees),
		cmocka_unit_test(test_exchange_log),
		cmocka_unit_test(test_publish_failure),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
