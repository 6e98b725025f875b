/*
 * Helpers shared by the crypto tests (test_cert*.c, and test_crl.c,
 * test_mft.c, test_ca_e2e.c of crypto/pub); their prototypes are in
 * test_cert_util.h.
 *
 * The software signer gets a deterministic CTR_DRBG (fixed seed), so key
 * generation is reproducible from run to run. The openssl CLI comes from
 * $OPENSSL (ctest sets it), test data from $UPDOWN_TESTDATA.
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

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>

#include "crypto/cert.h"
#include "proto/cms.h"
#include "test_cert_util.h"

static mbedtls_ctr_drbg_context tc_drbg;
static int tc_drbg_ready;
static char tc_dir[64];

/* Entropy for the DRBG: a counter, so runs are reproducible. */
static int
tc_fixed_entropy(void *ctx, unsigned char *buf, size_t len)
{
	static unsigned char n;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(n++ * 31 + 7);
	return 0;
}

/* The test RNG (mbed TLS f_rng signature). */
int
tc_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	if (!tc_drbg_ready) {
		mbedtls_ctr_drbg_init(&tc_drbg);
		if (mbedtls_ctr_drbg_seed(&tc_drbg, tc_fixed_entropy, NULL,
		    (const unsigned char *)"updown-cert-test", 16) != 0)
			return -1;
		tc_drbg_ready = 1;
	}
	return mbedtls_ctr_drbg_random(&tc_drbg, buf, len);
}

/* A software signer; the test closes it. */
struct signer *
tc_signer(void)
{
	struct signer *s = NULL;

	assert_int_equal(signer_sw_open(tc_rng, NULL, &s), 0);
	return s;
}

/* Generate an RSA-2048 key labelled label. */
struct signer_key *
tc_key(struct signer *s, const char *label)
{
	struct signer_key *k = NULL;

	assert_int_equal(signer_key_generate(s, label, 0, &k), 0);
	return k;
}

/* The key's SubjectPublicKeyInfo (malloc'd). */
unsigned char *
tc_spki(struct signer *s, struct signer_key *k, size_t *len)
{
	unsigned char *spki = NULL;

	assert_int_equal(signer_key_public(s, k, &spki, len), 0);
	return spki;
}

/* Fill b (initialised here) from RFC 6492 text; NULL is the empty set. */
void
tc_res(struct res_bundle *b, const char *as, const char *v4, const char *v6)
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
tc_serial(uint64_t v, unsigned char out[9])
{
	size_t len = 0;

	assert_int_equal(cert_serial_from_u64(v, out, &len), 0);
	return len;
}

/* A private temporary directory for this test program (removed at exit). */
static void
tc_rmdir(void)
{
	char cmd[128];

	if (tc_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tc_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tc_dir);
	}
}

const char *
tc_tmpdir(void)
{
	if (tc_dir[0] == '\0') {
		snprintf(tc_dir, sizeof(tc_dir), "/tmp/updown-cert.XXXXXX");
		assert_non_null(mkdtemp(tc_dir));
		assert_int_equal(chmod(tc_dir, 0755), 0);   /* referees drop privileges */
		atexit(tc_rmdir);
	}
	return tc_dir;
}

/* Path of name in the temporary directory (static buffer rotated over 8 calls). */
const char *
tc_path(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tc_tmpdir(), name);
	return buf[i];
}

void
tc_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Read a whole file (malloc'd, NUL-terminated beyond *len; len may be NULL); NULL if absent. */
unsigned char *
tc_read(const char *path, size_t *len)
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

/* Read $UPDOWN_TESTDATA/rel. */
unsigned char *
tc_testdata(const char *rel, size_t *len)
{
	const char *base = getenv("UPDOWN_TESTDATA");
	char path[512];
	unsigned char *b;

	assert_non_null(base);
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	b = tc_read(path, len);
	if (b == NULL)
		fail_msg("missing test data %s", path);
	return b;
}

const char *
tc_openssl_exe(void)
{
	const char *o = getenv("OPENSSL");

	return o != NULL && *o != '\0' ? o : "openssl";
}

/*
 * Run "$OPENSSL args" (a printf format) with stderr merged; *out (if not
 * NULL) gets the output, malloc'd. Returns the exit status.
 */
int
tc_openssl(char **out, const char *fmt, ...)
{
	char args[2048], cmd[2400];
	const char *of = tc_path("openssl.out");
	unsigned char *text;
	size_t len;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>&1", tc_openssl_exe(), args, of);
	st = system(cmd);
	text = tc_read(of, &len);
	if (out != NULL)
		*out = (char *)text;
	else
		free(text);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Write der as name (DER) and name.pem (PEM via openssl); returns the PEM path. */
const char *
tc_pem(const char *name, const unsigned char *der, size_t len)
{
	static char pem[8][256];
	static int i;
	char *out = NULL;

	i = (i + 1) % 8;
	tc_write(tc_path(name), der, len);
	snprintf(pem[i], sizeof(pem[i]), "%s.pem", tc_path(name));
	if (tc_openssl(&out, "x509 -inform DER -in '%s' -out '%s'", tc_path(name), pem[i]) != 0)
		fail_msg("openssl x509 failed: %s", out);
	free(out);
	return pem[i];
}

/* `openssl x509 -text -noout -inform DER` of der (malloc'd). */
char *
tc_text(const unsigned char *der, size_t len)
{
	char *out = NULL;
	const char *path = tc_path("text.der");

	tc_write(path, der, len);
	if (tc_openssl(&out, "x509 -inform DER -noout -text -in '%s'", path) != 0)
		fail_msg("openssl x509 -text failed: %s", out);
	return out;
}

/*
 * Assert that text holds the lines of want (separated by '\n') as
 * consecutive lines, each compared after stripping leading blanks.
 */
void
tc_assert_block(const char *text, const char *want)
{
	const char *t = text;

	for (; t != NULL && *t != '\0'; t = strchr(t, '\n') ? strchr(t, '\n') + 1 : NULL) {
		const char *a = t, *b = want;
		bool ok = true;

		for (;;) {
			size_t la, lb;
			const char *ea, *eb;

			while (*a == ' ')
				a++;
			while (*b == ' ')
				b++;
			ea = strchr(a, '\n');
			eb = strchr(b, '\n');
			la = ea ? (size_t)(ea - a) : strlen(a);
			lb = eb ? (size_t)(eb - b) : strlen(b);
			/* openssl ends some lines with a blank. */
			while (la > 0 && a[la - 1] == ' ')
				la--;
			if (la != lb || memcmp(a, b, la) != 0) {
				ok = false;
				break;
			}
			if (eb == NULL || eb[1] == '\0')
				break;
			if (ea == NULL) {
				ok = false;
				break;
			}
			a = ea + 1;
			b = eb + 1;
		}
		if (ok)
			return;
	}
	fail_msg("block not found:\n%s\n--- in ---\n%s", want, text);
}

/*
 * Run a shell command (printf format) in the temporary directory, stdout
 * and stderr appended to tc_path("log") unless the command redirects.
 * Returns the exit status, -1 if it did not exit normally.
 */
int
tc_sh(const char *fmt, ...)
{
	char args[4096], cmd[4300];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && { %s ; } >>log 2>&1", tc_tmpdir(), args);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Number of occurrences of needle in text. */
int
tc_count(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)) != NULL; text += strlen(needle))
		n++;
	return n;
}

/*
 * A minimal CRL v2 (RFC 5280 5.1) from the issuer iss, listing no
 * certificates: just enough for cms_sign() (which wants the CRL of the
 * EE's issuer). Written with the helpers crypto/pub's CRL writer uses:
 * cert_asn1_write_time() and cert_sign_wrap(). *len gets the length;
 * the result is malloc'd.
 */

unsigned char *
tc_crl(const struct cert_issuer *iss, time_t this_update, time_t next_update, size_t *len)
{
	static const char sha256rsa[] = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b";
	static const char oid_aki[] = "\x55\x1d\x23";
	static const char oid_crlnum[] = "\x55\x1d\x14";
	unsigned char buf[4096], *p = buf + sizeof(buf), *der = NULL;
	size_t n = 0, ext, e;
	int r;

#define PUT(x) do { r = (x); assert_true(r >= 0); n += (size_t)r; } while (0)
	/* crlExtensions [0] { AKI, CRLNumber } */
	ext = n;
	e = n;
	PUT(mbedtls_asn1_write_int(&p, buf, 1));
	PUT(mbedtls_asn1_write_len(&p, buf, n - e));
	PUT(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_OCTET_STRING));
	PUT(mbedtls_asn1_write_oid(&p, buf, oid_crlnum, 3));
	PUT(mbedtls_asn1_write_len(&p, buf, n - e));
	PUT(mbedtls_asn1_write_tag(&p, buf, 0x30));
	e = n;
	PUT(mbedtls_asn1_write_raw_buffer(&p, buf, iss->ski, CERT_SKI_LEN));
	PUT(mbedtls_asn1_write_len(&p, buf, CERT_SKI_LEN));
	PUT(mbedtls_asn1_write_tag(&p, buf, 0x80));
	PUT(mbedtls_asn1_write_len(&p, buf, n - e));
	PUT(mbedtls_asn1_write_tag(&p, buf, 0x30));
	PUT(mbedtls_asn1_write_len(&p, buf, n - e));
	PUT(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_OCTET_STRING));
	PUT(mbedtls_asn1_write_oid(&p, buf, oid_aki, 3));
	PUT(mbedtls_asn1_write_len(&p, buf, n - e));
	PUT(mbedtls_asn1_write_tag(&p, buf, 0x30));
	PUT(mbedtls_asn1_write_len(&p, buf, n - ext));
	PUT(mbedtls_asn1_write_tag(&p, buf, 0x30));
	PUT(mbedtls_asn1_write_len(&p, buf, n - ext));
	PUT(mbedtls_asn1_write_tag(&p, buf, 0xa0));
	PUT(cert_asn1_write_time(&p, buf, next_update));
	PUT(cert_asn1_write_time(&p, buf, this_update));
	PUT(mbedtls_asn1_write_raw_buffer(&p, buf, iss->subject_der, iss->subject_len));
	PUT(mbedtls_asn1_write_algorithm_identifier(&p, buf, sha256rsa, 9, 0));
	PUT(mbedtls_asn1_write_int(&p, buf, 1)); /* v2 */
	PUT(mbedtls_asn1_write_len(&p, buf, n));
	PUT(mbedtls_asn1_write_tag(&p, buf, 0x30));
#undef PUT
	assert_int_equal(cert_sign_wrap(iss->signer, iss->key, p, n, &der, len), 0);
	return der;
}

/*
 * BPKI round trip (UD-14, UD-25): a BPKI TA for ta_key, an EE for ee_key
 * valid for a year, a CRL from the TA; cms_sign() with the EE through the
 * signer, cms_decode() + cms_verify() against the TA, and `openssl cms
 * -verify` with the TA as CAfile. Returns the EE (malloc'd) for more checks.
 */

unsigned char *
tc_bpki_roundtrip(struct signer *s, struct signer_key *ta_key, struct signer_key *ee_key,
                  time_t now, size_t *ee_len)
{
	static const char xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
	    "sender=\"parent\" recipient=\"child\" type=\"list_response\"/>\n";
	struct cert_bpki_params bp;
	struct cert_issuer ta;
	struct cms_signer cs;
	struct signer_cms_ctx ctx;
	struct cms_msg msg;
	struct cms_trust trust;
	unsigned char serial[9], *ta_der, *ee_der, *crl, *spki, *msg_der, *got;
	size_t ta_len, crl_len, spki_len, msg_len, got_len, sl = 0;
	char *out = NULL;
	const char *ta_pem;

	memset(&bp, 0, sizeof(bp));
	assert_int_equal(cert_serial_from_u64(1, serial, &sl), 0);
	bp.serial = serial;
	bp.serial_len = sl;
	bp.not_before = now - 3600;
	bp.not_after = now + 10 * 365 * 86400;
	bp.subject_cn = "updown-bpki-ta";
	assert_int_equal(cert_bpki_ta(s, ta_key, &bp, &ta_der, &ta_len), 0);
	assert_int_equal(cert_issuer_load(&ta, s, ta_key, ta_der, ta_len), 0);
	assert_false(ta.has_resources);
	assert_true(ta.self_signed);

	assert_int_equal(signer_key_public(s, ee_key, &spki, &spki_len), 0);
	assert_int_equal(cert_serial_from_u64(2, serial, &sl), 0);
	bp.serial_len = sl;
	bp.not_before = now - 300;
	bp.not_after = now + 365 * 86400;   /* a year, key in the HSM (UD-25) */
	bp.subject_cn = "updown-bpki-ee";
	assert_int_equal(cert_bpki_ee(&ta, spki, spki_len, &bp, &ee_der, ee_len), 0);
	crl = tc_crl(&ta, now - 3600, now + 86400, &crl_len);

	ctx.signer = s;
	ctx.key = ee_key;
	memset(&cs, 0, sizeof(cs));
	cs.ee_der = ee_der;
	cs.ee_len = *ee_len;
	cs.crl_der = crl;
	cs.crl_len = crl_len;
	cs.sign = signer_cms_sign;
	cs.sign_ctx = &ctx;
	assert_int_equal(cms_sign(&cs, (const unsigned char *)xml, sizeof(xml) - 1, now,
	    &msg_der, &msg_len), 0);
	cms_msg_init(&msg);
	assert_int_equal(cms_decode(&msg, msg_der, msg_len, NULL), 0);
	memset(&trust, 0, sizeof(trust));
	trust.ta_der = ta_der;
	trust.ta_len = ta_len;
	assert_int_equal(cms_verify(&msg, &trust, now + 60), 0);
	assert_int_equal(msg.xml_len, sizeof(xml) - 1);
	cms_msg_free(&msg);

	/* openssl: the message, and the EE against the TA. */
	ta_pem = tc_pem("bpki-ta.cer", ta_der, ta_len);
	tc_write(tc_path("msg.der"), msg_der, msg_len);
	if (tc_openssl(&out, "cms -verify -inform DER -in '%s' -CAfile '%s' -attime %lld -out '%s'",
	    tc_path("msg.der"), ta_pem, (long long)now + 60, tc_path("msg.xml")) != 0)
		fail_msg("openssl cms -verify: %s", out);
	free(out);
	got = tc_read(tc_path("msg.xml"), &got_len);
	assert_non_null(got);
	assert_int_equal(got_len, sizeof(xml) - 1);
	assert_memory_equal(got, xml, got_len);
	free(got);
	tc_pem("bpki-ee.cer", ee_der, *ee_len);
	if (tc_openssl(&out, "verify -attime %lld -CAfile '%s' '%s.pem'", (long long)now + 60,
	    ta_pem, tc_path("bpki-ee.cer")) != 0)
		fail_msg("openssl verify: %s", out);
	free(out);

	free(msg_der);
	free(crl);
	free(spki);
	cert_issuer_free(&ta);
	free(ta_der);
	return ee_der;
}
