/*
 * crypto/verify (UD-33: request signatures; UD-25: the check of our own
 * replies): RSA PKCS#1 v1.5 SHA-256 checks on libcrypto accept exactly
 * what mbed TLS's mbedtls_pk_verify accepts for the same key, digest and
 * signature (signatures made by mbed TLS, and malformed ones built here
 * with the raw private operation), keys compare by modulus and exponent,
 * threads share a key, and the multi-part SHA-256 equals mbed TLS's.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "crypto/verify.h"

static mbedtls_ctr_drbg_context drbg;
static mbedtls_pk_context key, other, small, ec;

static int
fixed_entropy(void *ctx, unsigned char *buf, size_t len)
{
	static unsigned n;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(n++ * 13 + 5);
	return 0;
}

static void
rsa_key(mbedtls_pk_context *pk, unsigned bits)
{
	mbedtls_pk_init(pk);
	assert_int_equal(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
	assert_int_equal(mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), mbedtls_ctr_drbg_random, &drbg,
	    bits, 65537), 0);
}

static int
setup(void **state)
{
	(void)state;
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, NULL,
	    (const unsigned char *)"updown-verify", 13) != 0)
		return -1;
	rsa_key(&key, 2048);
	rsa_key(&other, 2048);
	rsa_key(&small, 1024);
	mbedtls_pk_init(&ec);
	if (mbedtls_pk_setup(&ec, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(ec),
	    mbedtls_ctr_drbg_random, &drbg) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mbedtls_pk_free(&key);
	mbedtls_pk_free(&other);
	mbedtls_pk_free(&small);
	mbedtls_pk_free(&ec);
	mbedtls_ctr_drbg_free(&drbg);
	return 0;
}

/* mbed TLS's PKCS#1 v1.5 signature of md with pk. */
static size_t
sign(mbedtls_pk_context *pk, const unsigned char md[32], unsigned char *sig)
{
	size_t len = 0;

	assert_int_equal(mbedtls_pk_sign(pk, MBEDTLS_MD_SHA256, md, 32, sig, &len,
	    mbedtls_ctr_drbg_random, &drbg), 0);
	return len;
}

/* Both libraries' verdict on one (key, digest, signature): they must agree. */
static int
verdict(mbedtls_pk_context *pk, const struct verify_key *k, const unsigned char md[32],
        const unsigned char *sig, size_t len)
{
	int ours = verify_key_check(k, md, sig, len);
	int theirs = mbedtls_pk_verify(pk, MBEDTLS_MD_SHA256, md, 32, sig, len);

	assert_true(ours == 0 || ours == VERIFY_ERR_SIGNATURE);
	assert_int_equal(ours == 0, theirs == 0);
	return ours;
}

/*
 * The block 00 01 FF..FF 00 || body, raised to the private exponent: a
 * "signature" whose padding or DigestInfo we choose.
 */
static void
raw_sign(mbedtls_pk_context *pk, const unsigned char *body, size_t body_len,
         unsigned char sig[256])
{
	unsigned char em[256];

	assert_true(body_len + 11 <= sizeof(em));
	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xff, sizeof(em) - 3 - body_len);
	em[sizeof(em) - 1 - body_len] = 0x00;
	memcpy(em + sizeof(em) - body_len, body, body_len);
	assert_int_equal(mbedtls_rsa_private(mbedtls_pk_rsa(*pk), mbedtls_ctr_drbg_random, &drbg,
	    em, sig), 0);
}

/* UD-33: valid and invalid signatures, as mbed TLS judges them. */
static void
test_check(void **state)
{
	/* DigestInfo for SHA-256 with NULL parameters (RFC 8017 9.2 note 1), then without. */
	static const unsigned char di_null[19] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
		0x01, 0x05, 0x00, 0x04, 0x20 };
	static const unsigned char di_absent[17] = {
		0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
		0x01, 0x04, 0x20 };
	unsigned char md[32], md2[32], sig[512], body[64];
	struct verify_key *k = NULL, *ks = NULL;
	size_t len;

	(void)state;
	memset(md, 0x5a, sizeof(md));
	memcpy(md2, md, sizeof(md));
	md2[31] ^= 0x01;
	assert_int_equal(verify_key_new(&key, &k), 0);
	len = sign(&key, md, sig);
	assert_int_equal(len, 256);
	assert_int_equal(verdict(&key, k, md, sig, len), 0);
	assert_int_equal(verify_key_check(k, md, sig, len), 0);     /* a key serves many checks */
	/* Another digest, a changed signature, another key's signature. */
	assert_int_equal(verdict(&key, k, md2, sig, len), VERIFY_ERR_SIGNATURE);
	sig[100] ^= 0x10;
	assert_int_equal(verdict(&key, k, md, sig, len), VERIFY_ERR_SIGNATURE);
	len = sign(&other, md, sig);
	assert_int_equal(verdict(&key, k, md, sig, len), VERIFY_ERR_SIGNATURE);
	/* Length: exactly the modulus's. */
	len = sign(&key, md, sig);
	assert_int_equal(verdict(&key, k, md, sig, len - 1), VERIFY_ERR_SIGNATURE);
	memmove(sig + 1, sig, len);
	sig[0] = 0x00;
	assert_int_equal(verify_key_check(k, md, sig, len + 1), VERIFY_ERR_SIGNATURE);
	assert_int_equal(verify_key_check(k, md, sig, 0), VERIFY_ERR_SIGNATURE);
	/* The padding built by hand: right, then the DigestInfo without NULL, then wrong block type. */
	memcpy(body, di_null, sizeof(di_null));
	memcpy(body + sizeof(di_null), md, 32);
	raw_sign(&key, body, sizeof(di_null) + 32, sig);
	assert_int_equal(verdict(&key, k, md, sig, 256), 0);
	memcpy(body, di_absent, sizeof(di_absent));
	memcpy(body + sizeof(di_absent), md, 32);
	raw_sign(&key, body, sizeof(di_absent) + 32, sig);
	assert_int_equal(verdict(&key, k, md, sig, 256), VERIFY_ERR_SIGNATURE);
	memcpy(body, di_null, sizeof(di_null));
	memcpy(body + sizeof(di_null), md, 32);
	raw_sign(&key, body, sizeof(di_null) + 32, sig);
	assert_int_equal(verify_key_check(k, md, sig, 256), 0);
	{
		unsigned char em[256], s2[256];

		/* Block type 02 (encryption padding) around the same DigestInfo. */
		assert_int_equal(mbedtls_rsa_public(mbedtls_pk_rsa(key), sig, em), 0);
		em[1] = 0x02;
		assert_int_equal(mbedtls_rsa_private(mbedtls_pk_rsa(key), mbedtls_ctr_drbg_random,
		    &drbg, em, s2), 0);
		assert_int_equal(verdict(&key, k, md, s2, 256), VERIFY_ERR_SIGNATURE);
	}
	/* Another modulus size. */
	assert_int_equal(verify_key_new(&small, &ks), 0);
	len = sign(&small, md, sig);
	assert_int_equal(len, 128);
	assert_int_equal(verdict(&small, ks, md, sig, len), 0);
	assert_int_equal(verify_key_check(k, md, sig, len), VERIFY_ERR_SIGNATURE);
	/* Arguments. */
	assert_int_equal(verify_key_check(NULL, md, sig, len), VERIFY_ERR_ARG);
	assert_int_equal(verify_key_check(ks, NULL, sig, len), VERIFY_ERR_ARG);
	assert_int_equal(verify_key_check(ks, md, NULL, len), VERIFY_ERR_ARG);
	verify_key_free(k);
	verify_key_free(ks);
	verify_key_free(NULL);
}

/* Keys: RSA only; the same key is its modulus and exponent, however parsed. */
static void
test_keys(void **state)
{
	unsigned char der[1024], *p;
	struct verify_key *k = NULL;
	mbedtls_pk_context again;
	int n;

	(void)state;
	assert_int_equal(verify_key_new(&ec, &k), VERIFY_ERR_KEY);
	assert_null(k);
	assert_int_equal(verify_key_new(NULL, &k), VERIFY_ERR_ARG);
	assert_int_equal(verify_key_new(&key, NULL), VERIFY_ERR_ARG);
	assert_int_equal(verify_key_new(&key, &k), 0);
	assert_non_null(k);
	/* The public key written out and parsed back: another context, the same key. */
	n = mbedtls_pk_write_pubkey_der(&key, der, sizeof(der));
	assert_true(n > 0);
	p = der + sizeof(der) - n;
	mbedtls_pk_init(&again);
	assert_int_equal(mbedtls_pk_parse_public_key(&again, p, (size_t)n), 0);
	assert_true(verify_key_is(k, &key));
	assert_true(verify_key_is(k, &again));
	assert_false(verify_key_is(k, &other));
	assert_false(verify_key_is(k, &small));
	assert_false(verify_key_is(k, &ec));
	assert_false(verify_key_is(k, NULL));
	assert_false(verify_key_is(NULL, &key));
	/* The same through proto/cms's interface. */
	{
		struct cms_key c = verify_cms_key(k);
		unsigned char md[32] = { 1 }, sig[256];
		size_t len = sign(&key, md, sig);

		assert_ptr_equal(c.key, k);
		assert_true(c.ops->same(c.key, &again));
		assert_false(c.ops->same(c.key, &other));
		assert_int_equal(c.ops->check(c.key, md, sig, len), 0);
		md[0] ^= 1;
		assert_int_not_equal(c.ops->check(c.key, md, sig, len), 0);
	}
	mbedtls_pk_free(&again);
	verify_key_free(k);
	assert_string_equal(verify_strerror(VERIFY_ERR_KEY),
	    "not an RSA public key of at most 8192 bits");
	assert_string_equal(verify_strerror(-1), "unknown verify error");
}

/* Threads share one key (the engine's BPKI EE key, a cached child EE key). */
struct worker {
	const struct verify_key *k;
	const unsigned char *md, *sig;
	size_t len;
	int good, bad;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned char md2[32];
	int i;

	memcpy(md2, w->md, 32);
	md2[0] ^= 0x80;
	for (i = 0; i < 300; i++) {
		if (verify_key_check(w->k, w->md, w->sig, w->len) == 0)
			w->good++;
		if (verify_key_check(w->k, md2, w->sig, w->len) == VERIFY_ERR_SIGNATURE)
			w->bad++;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	unsigned char md[32], sig[256];
	struct verify_key *k = NULL;
	struct worker w[4];
	pthread_t t[4];
	size_t len;
	int i;

	(void)state;
	memset(md, 0xc3, sizeof(md));
	len = sign(&key, md, sig);
	assert_int_equal(verify_key_new(&key, &k), 0);
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ k, md, sig, len, 0, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].good, 300);
		assert_int_equal(w[i].bad, 300);
	}
	verify_key_free(k);
}

/* verify_sha256: the parts, however split, digest as their concatenation (mbed TLS's). */
static void
test_sha256(void **state)
{
	static const unsigned char empty[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
		0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
		0x78, 0x52, 0xb8, 0x55 };
	unsigned char msg[3000], want[32], got[32];
	struct verify_part parts[5];
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 7 + 3);
	assert_int_equal(mbedtls_sha256_ret(msg, sizeof(msg), want, 0), 0);
	for (cut = 0; cut <= sizeof(msg); cut += 61) {
		parts[0] = (struct verify_part){ msg, cut };
		parts[1] = (struct verify_part){ NULL, 0 };
		parts[2] = (struct verify_part){ msg + cut, (sizeof(msg) - cut) / 2 };
		parts[3] = (struct verify_part){ msg + cut + (sizeof(msg) - cut) / 2,
		    sizeof(msg) - cut - (sizeof(msg) - cut) / 2 };
		memset(got, 0, sizeof(got));
		assert_int_equal(verify_sha256(parts, 4, got), 0);
		assert_memory_equal(got, want, 32);
	}
	assert_int_equal(verify_sha256(NULL, 0, got), 0);
	assert_memory_equal(got, empty, 32);
	parts[0] = (struct verify_part){ NULL, 1 };
	assert_int_equal(verify_sha256(parts, 1, got), VERIFY_ERR_ARG);
	assert_int_equal(verify_sha256(NULL, 1, got), VERIFY_ERR_ARG);
	assert_int_equal(verify_sha256(parts, 0, NULL), VERIFY_ERR_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_sha256),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
