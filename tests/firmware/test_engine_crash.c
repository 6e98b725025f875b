/*
 * Crash safety of the issuer engine (issue 4 acceptance; UD-162, UD-80,
 * UD-130, UD-131, UD-160): a forked process drives a stream of table
 * changes, issues, revokes and a reconciliation through the engine and is
 * killed with SIGKILL at many different points: at the n-th fault-injection
 * point (engine hooks and the store's own hook, so inside transactions,
 * between reserving and signing, between commit and publication, ...) and
 * at random times. After each kill the parent restarts the engine on the
 * same store and publication root and checks:
 *   - every response that was sent is durable: the certificate an
 *     issue_response carried is in the store with the same bytes and is
 *     either current and published or revoked and on the CRL; every key a
 *     revoke_response confirmed is revoked and on the CRL;
 *   - no serial was reused (a serial never names two different
 *     certificates, across all runs), CRL numbers only increase;
 *   - the CRL covers every revoked certificate, the publication point
 *     holds exactly the current certificates, none over-claims;
 *   - the store opens (integrity check) and the audit chain verifies.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/sha256.h>

#include "fixture.h"
#include "proto/cms.h"

#define NCHILD       4
#define HOOK_RUNS    36      /* runs killed at the n-th hook */
#define TIMED_RUNS   6       /* runs killed after a random delay */
#define KEY_FRESH    50      /* run r revokes a fresh key 50 + r */

static struct ef F;
static char NA[UD_TIME_SIZE];
static char logpath[400];

/* ---- the stream (runs in the forked process; never asserts) ---- */

static long g_hooks, g_kill_at;

static void
count_hook(void)
{
	if (++g_hooks == g_kill_at)
		raise(SIGKILL);
}

static void
engine_hook(void *arg, enum engine_hook_point p)
{
	(void)arg;
	/* The log writer's thread reaches its point at times that vary between runs. */
	if (p == ENGINE_HOOK_LOG_BATCH)
		return;
	count_hook();
}

static void
store_hook(void *arg, enum store_fault_point p)
{
	(void)arg;
	(void)p;
	count_hook();
}

static void
table_text(uint64_t version, char *out, size_t size)
{
	bool odd = version % 2 == 1;

	snprintf(out, size, "version %llu\nclass " EF_CLASS "\n"
	    "child c0\nchild c1\nchild c2\nchild c3\n"
	    "grant c0 " EF_CLASS " as=64496-64499 ipv4=%s notafter=%s\n"
	    "grant c1 " EF_CLASS " ipv4=%s notafter=%s\n"
	    "grant c2 " EF_CLASS " as=64500-64510 ipv6=2001:db8::/48 notafter=%s\n"
	    "grant c3 " EF_CLASS " ipv4=192.0.2.128/25 notafter=%s\n",
	    (unsigned long long)version, odd ? "192.0.2.0/25" : "192.0.2.0/26", NA,
	    odd ? "198.51.100.0/24" : "198.51.100.0/25", NA, NA, NA);
}

/* Append a line to the log of sent responses, durably, before going on. */
static void
logline(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) != 0)
		_exit(4);
	close(fd);
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* Decode a reply as a child would; returns the message or exits. */
static void
child_reply(const struct engine_response *resp, struct ud_msg *m)
{
	struct cms_msg cm;
	struct cms_trust t;
	struct ud_error err;

	if (resp->http_status != 200 || resp->status != 0)
		_exit(10);
	cms_msg_init(&cm);
	memset(&t, 0, sizeof(t));
	t.ta_der = F.bpki_ta;
	t.ta_len = F.bpki_ta_len;
	if (cms_decode(&cm, resp->body, resp->body_len, NULL) != 0 ||
	    cms_verify(&cm, &t, F.now) != 0 ||
	    ud_decode((const char *)cm.xml, cm.xml_len, m, &err) != 0)
		_exit(11);
	cms_msg_free(&cm);
}

static void
run_issue(struct ef_child *c, int key, const char *req_v4)
{
	struct engine_response resp;
	struct ud_msg m;
	mbedtls_x509_crt crt;
	unsigned char *csr, *cms, h[32];
	size_t csr_len = 0, len = 0, i;
	char *xml, hx[65];
	uint64_t serial = 0;

	csr = ef_csr(c, ef_key(key), &csr_len);
	xml = ef_xml_issue(c->handle, EF_CLASS, csr, csr_len, NULL, req_v4, NULL);
	cms = ef_cms(c, xml, strlen(xml), F.now, &len);
	if (engine_handle(F.e, NULL, cms, len, F.now, &resp) != 0)
		_exit(12);
	ud_msg_init(&m);
	child_reply(&resp, &m);
	if (m.type != UD_ISSUE_RESPONSE || m.nclasses != 1 || m.classes[0].ncerts != 1)
		_exit(13);
	mbedtls_x509_crt_init(&crt);
	if (cms_cert_parse(&crt, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len,
	    NULL) != 0)
		_exit(14);
	for (i = 0; i < crt.serial.len; i++)
		serial = serial << 8 | crt.serial.p[i];
	mbedtls_sha256_ret(m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, h, 0);
	hex(h, 32, hx);
	/* Sent: this is what the child now holds. */
	logline("ISSUE %s %d %llu %s\n", c->handle, key, (unsigned long long)serial, hx);
	mbedtls_x509_crt_free(&crt);
	ud_msg_free(&m);
	engine_response_free(&resp);
	free(cms);
	free(xml);
	free(csr);
}

static void
run_revoke(struct ef_child *c, int key)
{
	struct engine_response resp;
	struct ud_msg m;
	unsigned char *cms;
	size_t len = 0;
	char *xml = ef_xml_revoke(c->handle, EF_CLASS, ef_key(key)->gski);

	cms = ef_cms(c, xml, strlen(xml), F.now, &len);
	if (engine_handle(F.e, NULL, cms, len, F.now, &resp) != 0)
		_exit(15);
	ud_msg_init(&m);
	child_reply(&resp, &m);
	if (m.type != UD_REVOKE_RESPONSE)
		_exit(16);
	logline("REVOKE %s %d\n", c->handle, key);
	ud_msg_free(&m);
	engine_response_free(&resp);
	free(cms);
	free(xml);
}

static void
run_table(uint64_t version)
{
	struct alloc_table t;
	struct alloc_error err;
	char text[2048];

	table_text(version, text, sizeof(text));
	if (alloc_parse(text, strlen(text), "crash", &t, &err) != 0)
		_exit(17);
	if (engine_apply_table(F.e, &t, NULL, true, F.now, NULL) != 0)
		_exit(18);
	alloc_table_free(&t);
	logline("TABLE %llu\n", (unsigned long long)version);
}

/* The stream of one run, in a forked process. */
static void
child_main(int run, long kill_at)
{
	char *msg = NULL;
	struct engine_options o;
	uint64_t base = (uint64_t)(run + 1) * 10;

	g_hooks = 0;
	g_kill_at = kill_at;
	if (store_open(F.store_dir, 0, NULL, &F.store, &msg) != 0)
		_exit(20);
	store_set_fault_hook(F.store, store_hook, NULL);
	F.cfg.store = F.store;
	F.cfg.hook = engine_hook;
	memset(&o, 0, sizeof(o));
	F.cfg.opts = o;
	F.cfg.opts.verify_replies = true;
	if (engine_open(&F.cfg, F.now, &F.e, &msg) != 0)
		_exit(21);
	run_table(base + 1);
	run_issue(&F.child[0], 32, NULL);
	run_issue(&F.child[1], 33, NULL);
	run_issue(&F.child[2], KEY_FRESH + run, NULL);
	run_revoke(&F.child[2], KEY_FRESH + run);
	run_issue(&F.child[3], 34, "192.0.2.128/26");
	run_table(base + 2);
	if (engine_reconcile(F.e, true, F.now, NULL) != 0)
		_exit(22);
	logline("RECONCILE\n");
	if (g_kill_at == 0) {
		FILE *fp = fopen(logpath, "a");
		if (fp == NULL)
			_exit(23);
		fprintf(fp, "HOOKS %ld\n", g_hooks);
		fclose(fp);
	}
	_exit(0);
}

/* ---- the parent's checks ---- */

struct seen {
	uint64_t serial;
	char sha[65];
};
static struct seen g_seen[4096];
static size_t g_nseen;
static uint64_t g_last_crl;

static void
remember(uint64_t serial, const char *sha)
{
	size_t i;

	for (i = 0; i < g_nseen; i++)
		if (g_seen[i].serial == serial) {
			if (strcmp(g_seen[i].sha, sha) != 0)
				fail_msg("serial %llu names two certificates (UD-80)",
				    (unsigned long long)serial);
			return;
		}
	assert_true(g_nseen < sizeof(g_seen) / sizeof(g_seen[0]));
	g_seen[g_nseen].serial = serial;
	snprintf(g_seen[g_nseen].sha, sizeof(g_seen[g_nseen].sha), "%s", sha);
	g_nseen++;
}

static void
check_issue(const char *child, int key, uint64_t serial, const char *sha)
{
	struct store_cert c;
	unsigned char h[32], *pub;
	char hx[65], file[64];
	size_t len = 0;

	remember(serial, sha);
	if (store_cert_get(F.store, serial, &c) != 0)
		fail_msg("sent certificate %llu is not in the store", (unsigned long long)serial);
	mbedtls_sha256_ret(c.der, c.der_len, h, 0);
	hex(h, 32, hx);
	assert_string_equal(hx, sha);
	assert_string_equal(c.child, child);
	if (c.state == STORE_CERT_CURRENT) {
		snprintf(file, sizeof(file), "%s.cer", ef_key(key)->gski);
		pub = ef_published(&F, file, &len);
		if (pub == NULL || len != c.der_len || memcmp(pub, c.der, len) != 0)
			fail_msg("current certificate %llu is not the one published",
			    (unsigned long long)serial);
		free(pub);
	} else if (!ef_crl_has(&F, serial)) {
		fail_msg("revoked certificate %llu is not on the CRL", (unsigned long long)serial);
	}
	store_cert_free(&c);
}

struct revchk {
	const char *child;
	bool any;
};

static int
revoked_cb(void *arg, const struct store_cert *c)
{
	struct revchk *r = arg;

	if (strcmp(c->child, r->child) != 0)
		return 0;
	r->any = true;
	if (c->state != STORE_CERT_REVOKED || !ef_crl_has(&F, c->serial))
		fail_msg("a confirmed revocation of %s is not durable", r->child);
	return 0;
}

/* Restart on the same store and check everything that was sent. */
static void
verify_after(int run)
{
	struct audit_report ar;
	FILE *fp;
	char line[256], child[64], sha[65];
	int key;
	unsigned long long serial, version;
	uint64_t crl = 0, stored = 0;
	size_t n = 0;
	struct store_info info;
	char text[2048];

	ef_store_open(&F);             /* integrity check + full audit walk (store.h) */
	F.cfg.hook = NULL;
	ef_open(&F, NULL);             /* re-publishes from the store */
	assert_int_equal(store_audit_verify(F.store, &ar), 0);
	assert_int_equal(ar.fault, AUDIT_OK);
	assert_non_null(fp = fopen(logpath, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct revchk rc;

		if (sscanf(line, "ISSUE %63s %d %llu %64s", child, &key, &serial, sha) == 4) {
			check_issue(child, key, serial, sha);
		} else if (sscanf(line, "REVOKE %63s %d", child, &key) == 2) {
			rc.child = child;
			rc.any = false;
			assert_int_equal(store_certs_by_key(F.store, EF_CLASS, ef_key(key)->ski,
			    revoked_cb, &rc), 0);
			assert_true(rc.any);
		} else if (sscanf(line, "TABLE %llu", &version) == 1) {
			assert_int_equal(store_alloc_version(F.store, &stored), 0);
			assert_true(stored >= version);
		}
	}
	fclose(fp);
	/* Serials: the counter is past every serial ever seen (never handed out twice). */
	assert_int_equal(store_info(F.store, &info), 0);
	for (n = 0; n < g_nseen; n++)
		assert_true(info.serial_last >= g_seen[n].serial);
	/* CRL numbers only grow across restarts (UD-130). */
	free(ef_crl_serials(&F, &n, &crl));
	if (crl <= g_last_crl)
		fail_msg("run %d: CRL number %llu after %llu", run, (unsigned long long)crl,
		    (unsigned long long)g_last_crl);
	g_last_crl = crl;
	/* The publication point against the table in force. */
	assert_int_equal(store_alloc_version(F.store, &stored), 0);
	free(F.table);
	F.table = NULL;
	if (stored > 0) {
		table_text(stored, text, sizeof(text));
		F.table = strdup(text);
	}
	ef_check_publication(&F);
	ef_close_engine(&F);
	ef_store_close(&F);
}

/* Fork one run; kill it at hook kill_at (0: never) or after delay_us (0: never). */
static int
one_run(int run, long kill_at, long delay_us)
{
	pid_t pid;
	int st = 0;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_main(run, kill_at);
	if (delay_us > 0) {
		usleep((useconds_t)delay_us);
		kill(pid, SIGKILL);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		fail_msg("run %d: the stream failed with exit %d (not a kill)", run,
		    WEXITSTATUS(st));
	assert_true(WIFEXITED(st) || (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL));
	return WIFSIGNALED(st);
}

static void
test_crash(void **state)
{
	FILE *fp;
	char line[256];
	long total = 0;
	int run = 0, killed = 0, i;

	(void)state;
	ef_init(&F, NULL, "crash", time(NULL), "64496-64511", "192.0.2.0/24,198.51.100.0/24",
	    "2001:db8::/32");
	assert_int_equal(ud_time_format(F.now + 200 * EF_DAY, NA), 0);
	snprintf(logpath, sizeof(logpath), "%s/sent.log", F.dir);
	ef_open(&F, NULL);
	ef_child_add(&F, "c0");
	ef_child_add(&F, "c1");
	ef_child_add(&F, "c2");
	ef_child_add(&F, "c3");
	/* Every key the runs use exists before the first fork. */
	for (i = 32; i <= 34; i++)
		ef_key(i);
	for (i = 0; i < HOOK_RUNS + TIMED_RUNS + 1; i++)
		ef_key(KEY_FRESH + i);
	ef_close_engine(&F);
	ef_store_close(&F);

	/* A run without a kill counts the fault points of one stream. */
	assert_int_equal(one_run(run, 0, 0), 0);
	verify_after(run++);
	assert_non_null(fp = fopen(logpath, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		sscanf(line, "HOOKS %ld", &total);
	fclose(fp);
	assert_true(total > 50);
	fprintf(stderr, "one stream passes %ld fault points\n", total);

	/* Killed at points spread over the whole stream. */
	for (i = 0; i < HOOK_RUNS; i++) {
		long k = 1 + (long)i * (total - 1) / (HOOK_RUNS - 1);

		killed += one_run(run, k, 0);
		verify_after(run++);
	}
	/* Killed at random times. */
	srand((unsigned)F.now);
	for (i = 0; i < TIMED_RUNS; i++) {
		killed += one_run(run, 0, 20000 + rand() % 300000);
		verify_after(run++);
	}
	fprintf(stderr, "%d runs, %d killed, %zu certificates sent\n", run, killed, g_nseen);
	assert_true(killed >= HOOK_RUNS / 2);
	ef_fini(&F);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	ef_pool_free();
	return rc;
}
