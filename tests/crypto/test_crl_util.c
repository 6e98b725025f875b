/*
 * Helpers shared by the crypto/pub tests (test_crl.c, test_mft.c,
 * test_ca_e2e.c). Each test file repeats the prototypes it uses under
 * "from test_crl_util.c".
 *
 * The software signer gets a deterministic CTR_DRBG; the openssl CLI comes
 * from $OPENSSL (ctest sets it). Temporary files live in one mkdtemp
 * directory per test program, removed at exit.
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

#include <mbedtls/ctr_drbg.h>

#include "crypto/cert.h"

static mbedtls_ctr_drbg_context pt_drbg;
static int pt_drbg_ready;
static char pt_dir[64];

static int
pt_entropy(void *ctx, unsigned char *buf, size_t len)
{
	static unsigned char n;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(n++ * 29 + 3);
	return 0;
}

/* Deterministic f_rng for the software signer and test keys. */
int
pt_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	if (!pt_drbg_ready) {
		mbedtls_ctr_drbg_init(&pt_drbg);
		if (mbedtls_ctr_drbg_seed(&pt_drbg, pt_entropy, NULL,
		    (const unsigned char *)"updown-pub-test", 15) != 0)
			return -1;
		pt_drbg_ready = 1;
	}
	return mbedtls_ctr_drbg_random(&pt_drbg, buf, len);
}

/* Fill b (initialised here) from RFC 6492 text; NULL is the empty set. */
void
pt_res(struct res_bundle *b, const char *as, const char *v4, const char *v6)
{
	res_bundle_init(b);
	if (as != NULL)
		assert_int_equal(res_set_parse(&b->as, RES_AS, as, strlen(as)), 0);
	if (v4 != NULL)
		assert_int_equal(res_set_parse(&b->v4, RES_IPV4, v4, strlen(v4)), 0);
	if (v6 != NULL)
		assert_int_equal(res_set_parse(&b->v6, RES_IPV6, v6, strlen(v6)), 0);
}

/* Serial octets of v. */
size_t
pt_serial(uint64_t v, unsigned char out[9])
{
	size_t len = 0;

	assert_int_equal(cert_serial_from_u64(v, out, &len), 0);
	return len;
}

static void
pt_rmdir(void)
{
	char cmd[128];

	if (pt_dir[0] != '\0' && getenv("UPDOWN_KEEP_TMP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pt_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", pt_dir);
	}
}

/* This program's temporary directory (mode 0755: referees drop privileges). */
const char *
pt_tmpdir(void)
{
	if (pt_dir[0] == '\0') {
		snprintf(pt_dir, sizeof(pt_dir), "/tmp/updown-pub.XXXXXX");
		assert_non_null(mkdtemp(pt_dir));
		assert_int_equal(chmod(pt_dir, 0755), 0);
		atexit(pt_rmdir);
	}
	return pt_dir;
}

/* Path of name in the temporary directory (static buffers rotated over 8 calls). */
const char *
pt_path(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", pt_tmpdir(), name);
	return buf[i];
}

void
pt_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Read a whole file (malloc'd, NUL-terminated beyond *len); NULL if absent. */
unsigned char *
pt_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

const char *
pt_openssl(void)
{
	const char *o = getenv("OPENSSL");

	return o != NULL && *o != '\0' ? o : "openssl";
}

/*
 * Run a shell command (printf format) in the temporary directory, stdout
 * and stderr appended to pt_path("log") unless the command redirects.
 * Returns the exit status, -1 if it did not exit normally.
 */
int
pt_sh(const char *fmt, ...)
{
	char args[4096], cmd[4300];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && { %s ; } >>log 2>&1", pt_tmpdir(), args);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Count the occurrences of needle in haystack. */
int
pt_count(const char *haystack, const char *needle)
{
	int n = 0;
	const char *p = haystack;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}
