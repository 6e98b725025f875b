/*
 * updownctl table diff --state: against a real state store (firmware/store,
 * opened read-only by the tool) holding current certificates, the tool
 * names each certificate by serial and child and says what the new table
 * does to it before anything is applied (UD-101 shrink, UD-102 grow only
 * without request limits, UD-105 revoke, notafter re-issue), which
 * entitlements become newly issuable, and, with --holdings, the safety
 * brake's verdict (UD-104). The store is not changed by the tool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/sha256.h>

#include "firmware/store.h"

#ifndef UPDOWNCTL_PATH
#error "UPDOWNCTL_PATH must be defined"
#endif

static char tmpdir[256];

static int
rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	return 0;
}

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Run a shell command line; return its stdout (malloc'd) and exit code. */
static char *
run(int *status, const char *fmt, ...)
{
	char cmd[2048], *out = NULL;
	size_t n = 0, cap = 0;
	va_list ap;
	FILE *p;
	int c;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((c = fgetc(p)) != EOF) {
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 4096;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		out[n++] = (char)c;
	}
	if (out == NULL)
		out = calloc(1, 1);
	assert_non_null(out);
	out[n] = '\0';
	c = pclose(p);
	*status = WIFEXITED(c) ? WEXITSTATUS(c) : -1;
	return out;
}

static void
has(const char *out, const char *needle)
{
	if (strstr(out, needle) == NULL)
		fail_msg("output lacks '%s':\n%s", needle, out);
}

static void
put_cert(struct store *s, const char *child, uint64_t *serial, const char *as,
         const char *v4, const char *v6, const char *req_v4, time_t not_after, uint8_t tag)
{
	struct store_cert c;
	uint8_t spki[4] = { 0x30, 0x02, 0x05, tag }, der[4] = { 0x30, 0x02, 0x04, tag };

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_reserve_serial(s, serial), 0);
	assert_int_equal(store_begin(s), 0);
	c.serial = *serial;
	c.child = (char *)child;
	c.class_name = (char *)"DEFAULT";
	memset(c.ski, tag, sizeof(c.ski));
	memset(c.issuer_ski, 0xaa, sizeof(c.issuer_ski));
	c.spki = spki;
	c.spki_len = sizeof(spki);
	c.sia_repo = (char *)"rsync://child.example/repo/";
	c.sia_mft = (char *)"rsync://child.example/repo/m.mft";
	c.req_v4 = (char *)req_v4;
	c.as = (char *)as;
	c.v4 = (char *)v4;
	c.v6 = (char *)v6;
	c.not_before = 1700000000;
	c.not_after = not_after;
	c.der = der;
	c.der_len = sizeof(der);
	c.cert_uri = (char *)"rsync://rpki.example.net/repo/x.cer";
	c.state = STORE_CERT_CURRENT;
	assert_int_equal(store_cert_insert(s, &c, 1700000000), 0);
	assert_int_equal(store_commit(s), 0);
}

static void
test_diff_state(void **state)
{
	struct store_open_args args = { rng, NULL, 1700000000 };
	struct store_class cl;
	struct store *s = NULL;
	char *msg = NULL, *out, path[512];
	uint8_t ta[4] = { 0x30, 0x02, 0x05, 0x00 };
	uint64_t sa, sb, sc, sd, se;
	unsigned char before[32], after[32];
	int status;

	(void)state;
	snprintf(path, sizeof(path), "%s/state", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(store_open(path, STORE_CREATE, &args, &s, &msg), 0);
	memset(&cl, 0, sizeof(cl));
	cl.name = (char *)"DEFAULT";
	cl.cert = ta;
	cl.cert_len = sizeof(ta);
	memset(cl.key_ski, 0xaa, sizeof(cl.key_ski));
	cl.key_label = (char *)"ca";
	cl.cert_uris = (char *)"rsync://rpki.example.net/repo/ta.cer";
	cl.repo_uri = (char *)"rsync://rpki.example.net/repo/ta/";
	cl.crl_uri = (char *)"rsync://rpki.example.net/repo/ta/x.crl";
	cl.mft_uri = (char *)"rsync://rpki.example.net/repo/ta/x.mft";
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_class_put(s, &cl, 1700000000), 0);
	assert_int_equal(store_child_put(s, "shrinks", ta, sizeof(ta), 1700000000), 0);
	assert_int_equal(store_child_put(s, "gone", ta, sizeof(ta), 1700000000), 0);
	assert_int_equal(store_child_put(s, "grows", ta, sizeof(ta), 1700000000), 0);
	assert_int_equal(store_child_put(s, "limited", ta, sizeof(ta), 1700000000), 0);
	assert_int_equal(store_child_put(s, "moved", ta, sizeof(ta), 1700000000), 0);
	assert_int_equal(store_child_put(s, "fresh", ta, sizeof(ta), 1700000000), 0);
	assert_int_equal(store_commit(s), 0);
	put_cert(s, "shrinks", &sa, "64496", "192.0.2.0/24", "", NULL, 1893456000, 1);
	put_cert(s, "gone", &sb, "", "198.51.100.0/24", "", NULL, 1893456000, 2);
	put_cert(s, "grows", &sc, "", "203.0.113.0/25", "", NULL, 1893456000, 3);
	put_cert(s, "limited", &sd, "", "10.0.0.0/25", "", "10.0.0.0/25", 1893456000, 4);
	put_cert(s, "moved", &se, "", "10.1.0.0/16", "", NULL, 1893456000, 5);
	store_close(s);

	write_file("old.txt",
	    "version 1\nclass DEFAULT\n"
	    "child shrinks\nchild gone\nchild grows\nchild limited\nchild moved\nchild fresh\n"
	    "grant shrinks DEFAULT as=64496 ipv4=192.0.2.0/24 notafter=2030-01-01T00:00:00Z\n"
	    "grant gone DEFAULT ipv4=198.51.100.0/24 notafter=2030-01-01T00:00:00Z\n"
	    "grant grows DEFAULT ipv4=203.0.113.0/25 notafter=2030-01-01T00:00:00Z\n"
	    "grant limited DEFAULT ipv4=10.0.0.0/24 notafter=2030-01-01T00:00:00Z\n"
	    "grant moved DEFAULT ipv4=10.1.0.0/16 notafter=2030-01-01T00:00:00Z\n");
	write_file("new.txt",
	    "version 2\nclass DEFAULT\n"
	    "child shrinks\nchild grows\nchild limited\nchild moved\nchild fresh\n"
	    "grant shrinks DEFAULT as=64496 ipv4=192.0.2.0/25 notafter=2030-01-01T00:00:00Z\n"
	    "grant grows DEFAULT ipv4=203.0.113.0/24 notafter=2030-01-01T00:00:00Z\n"
	    "grant limited DEFAULT ipv4=10.0.0.0/16 notafter=2030-01-01T00:00:00Z\n"
	    "grant moved DEFAULT ipv4=10.1.0.0/16 notafter=2031-01-01T00:00:00Z\n"
	    "grant fresh DEFAULT as=64500 notafter=2030-01-01T00:00:00Z\n");

	snprintf(path, sizeof(path), "%s/state/updown.db", tmpdir);
	{
		size_t n;
		unsigned char *b;
		FILE *f = fopen(path, "rb");

		assert_non_null(f);
		b = malloc(1 << 22);
		assert_non_null(b);
		n = fread(b, 1, 1 << 22, f);
		fclose(f);
		mbedtls_sha256_ret(b, n, before, 0);
		free(b);
	}
	out = run(&status, "%s table diff %s/old.txt %s/new.txt --state %s/state 2>&1",
	    UPDOWNCTL_PATH, tmpdir, tmpdir, tmpdir);
	assert_int_equal(status, 0);
	has(out, "version 1 -> 2\n");
	/* UD-101: smaller for the same key */
	{
		char line[256];

		snprintf(line, sizeof(line), "  serial %llu shrinks/DEFAULT: re-issued smaller for "
		    "the same key, the old one revoked (UD-101): ipv4 -192.0.2.128/25\n",
		    (unsigned long long)sa);
		has(out, line);
		snprintf(line, sizeof(line), "  serial %llu gone/DEFAULT: revoked (no entitlement "
		    "in the new table, UD-105)\n", (unsigned long long)sb);
		has(out, line);
		snprintf(line, sizeof(line), "  serial %llu grows/DEFAULT: re-issued larger "
		    "(UD-102): ipv4 +203.0.113.128/25\n", (unsigned long long)sc);
		has(out, line);
		/* UD-102: the child asked for less, so it does not grow */
		snprintf(line, sizeof(line), "  serial %llu limited/DEFAULT: unchanged\n",
		    (unsigned long long)sd);
		has(out, line);
		snprintf(line, sizeof(line), "  serial %llu moved/DEFAULT: re-issued (notafter "
		    "2030-01-01T00:00:00Z -> 2031-01-01T00:00:00Z)\n", (unsigned long long)se);
		has(out, line);
	}
	has(out, "newly issuable (no current certificate; issued at the child's next request):\n"
	    "  fresh/DEFAULT\n");
	has(out, "summary: 5 current certificates: 2 re-issued, 1 re-issued smaller, 1 revoked, "
	    "1 unchanged; 1 newly issuable\n");
	free(out);

	/* the store was opened read-only: not a byte changed */
	{
		size_t n;
		unsigned char *b;
		FILE *f = fopen(path, "rb");

		assert_non_null(f);
		b = malloc(1 << 22);
		assert_non_null(b);
		n = fread(b, 1, 1 << 22, f);
		fclose(f);
		mbedtls_sha256_ret(b, n, after, 0);
		free(b);
		assert_memory_equal(before, after, 32);
	}

	/* the state holds version 0 (no table applied): the tool says so */
	out = run(&status, "%s table diff %s/old.txt %s/new.txt --state %s/state/updown.db 2>&1",
	    UPDOWNCTL_PATH, tmpdir, tmpdir, tmpdir);
	assert_int_equal(status, 0);
	has(out, "warning: the state holds table version 0, not");
	free(out);

	/* not a store */
	write_file("junk.db", "this is not an SQLite database, not even close to one......\n");
	out = run(&status, "%s table diff %s/old.txt %s/new.txt --state %s/junk.db 2>&1",
	    UPDOWNCTL_PATH, tmpdir, tmpdir, tmpdir);
	assert_int_equal(status, 1);
	free(out);
	free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_state),
	};
	char cmd[300];
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "%s/updown-tablestate.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
