/*
 * The signer API on both backends: every test runs once on the software
 * signer and once on the PKCS#11 signer over a fresh SoftHSM token.
 * Backend-specific matters (key template, PIN sources, recovery, errors
 * of the module and token) are in test_signer_p11.c.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "crypto/signer.h"
#include "proto/cms.h"
#include "softhsm_fixture.h"

/* signer_cms_sign must be a cms_sign_fn (proto/cms.h). */
static const cms_sign_fn cms_adapter = signer_cms_sign;

enum backend { SW, P11 };

static struct softhsm_fixture fx;
static bool fx_ok;
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

static struct signer *
open_signer(enum backend b)
{
	struct signer_p11_config cfg;
	struct signer *s = NULL;
	int rc;

	if (b == SW) {
		rc = signer_sw_open(mbedtls_ctr_drbg_random, &drbg, &s);
		assert_int_equal(rc, 0);
		assert_string_equal(signer_backend(s), "software");
	} else {
		assert_true(fx_ok);
		signer_p11_config_init(&cfg);
		cfg.module = fx.module;
		cfg.token_uri = fx.uri;
		rc = signer_p11_open(&cfg, &s);
		if (rc != 0)
			fail_msg("signer_p11_open: %s", signer_last_error());
		assert_string_equal(signer_backend(s), "pkcs11");
	}
	return s;
}

static int
setup(void **state)
{
	struct signer **sp = malloc(sizeof(*sp));
	enum backend b = *(enum backend *)*state;

	*sp = open_signer(b);
	*state = sp;
	return 0;
}

static int
teardown(void **state)
{
	struct signer **sp = *state;

	signer_close(*sp);
	free(sp);
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	    (const unsigned char *)"test_signer", 11) != 0)
		return -1;
	fx_ok = softhsm_fixture_setup(&fx, "updown") == 0;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	softhsm_fixture_teardown(&fx);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return 0;
}

/* Verify sig over data with the SPKI the signer returned (RSA-2048, SHA-256). */
static void
verify(const unsigned char *spki, size_t spki_len, const unsigned char *data, size_t len,
       const unsigned char *sig, size_t sig_len)
{
	mbedtls_pk_context pk;
	unsigned char hash[32];

	mbedtls_pk_init(&pk);
	assert_int_equal(mbedtls_pk_parse_public_key(&pk, spki, spki_len), 0);
	assert_int_equal(mbedtls_pk_get_type(&pk), MBEDTLS_PK_RSA);
	assert_int_equal(mbedtls_pk_get_bitlen(&pk), 2048);
	assert_int_equal(sig_len, 256);
	assert_int_equal(mbedtls_sha256_ret(data, len, hash, 0), 0);
	assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len), 0);
	mbedtls_pk_free(&pk);
}

static void
sign_and_verify(struct signer *s, struct signer_key *k, const unsigned char *data,
                size_t len)
{
	unsigned char sig[SIGNER_MAX_SIG], *spki = NULL;
	size_t sig_len = 0, spki_len = 0;

	assert_int_equal(signer_key_public(s, k, &spki, &spki_len), 0);
	if (signer_sign(s, k, data, len, sig, sizeof(sig), &sig_len) != 0)
		fail_msg("signer_sign: %s", signer_last_error());
	verify(spki, spki_len, data, len, sig, sig_len);
	free(spki);
}

/* Generate; find by label, by URI, by id, by both; refuse a duplicate label. */
static void
test_generate_find(void **state)
{
	struct signer *s = *(struct signer **)*state;
	struct signer_key *k = NULL, *f = NULL;
	unsigned char id[SIGNER_MAX_ID];
	char uri[256];
	size_t id_len = 0, i, off;

	if (signer_key_generate(s, "pkcs11:object=ca-key", 0, &k) != 0)
		fail_msg("generate: %s", signer_last_error());
	assert_string_equal(signer_key_label(k), "ca-key");
	assert_int_equal(signer_key_id(k, id, sizeof(id), &id_len), 0);
	assert_int_equal(id_len, SIGNER_KEY_ID_LEN);
	assert_int_equal(signer_key_id(k, id, 3, &id_len), SIGNER_ERR_BUFFER);

	assert_int_equal(signer_key_find(s, "ca-key", &f), 0);
	assert_ptr_equal(f, k); /* the same key object, not a second copy */
	assert_int_equal(signer_key_find(s, "pkcs11:object=ca-key", &f), 0);
	assert_ptr_equal(f, k);
	off = (size_t)snprintf(uri, sizeof(uri), "pkcs11:id=");
	for (i = 0; i < SIGNER_KEY_ID_LEN; i++)
		off += (size_t)snprintf(uri + off, sizeof(uri) - off, "%%%02x", id[i]);
	assert_int_equal(signer_key_find(s, uri, &f), 0);
	assert_ptr_equal(f, k);
	snprintf(uri + off, sizeof(uri) - off, ";object=ca-key;type=private");
	assert_int_equal(signer_key_find(s, uri, &f), 0);
	assert_ptr_equal(f, k);
	/* the right id with the wrong label finds nothing */
	snprintf(uri + off, sizeof(uri) - off, ";object=other");
	assert_int_equal(signer_key_find(s, uri, &f), SIGNER_ERR_NO_KEY);
	assert_null(f);

	/* the ceremony never overwrites a key */
	f = NULL;
	assert_int_equal(signer_key_generate(s, "ca-key", 0, &f), SIGNER_ERR_KEY_EXISTS);
	assert_null(f);
	assert_non_null(strstr(signer_last_error(), "ca-key"));
	sign_and_verify(s, k, (const unsigned char *)"still the old key", 17);
	assert_int_equal(signer_key_destroy(s, k), 0);
}

/* A missing key: SIGNER_ERR_NO_KEY, and the message names the key. */
static void
test_missing_key(void **state)
{
	struct signer *s = *(struct signer **)*state;
	struct signer_key *k = (struct signer_key *)&k;

	assert_int_equal(signer_key_find(s, "no-such-key", &k), SIGNER_ERR_NO_KEY);
	assert_null(k);
	assert_non_null(strstr(signer_last_error(), "no-such-key"));
	assert_int_equal(signer_key_find(s, "pkcs11:id=%01%02", &k), SIGNER_ERR_NO_KEY);
	assert_non_null(strstr(signer_last_error(), "id=0102"));
}

/*
 * The public key read back verifies signatures; signer_sign, signer_sign_digest
 * and the cms_sign_fn adapter give the same (deterministic) PKCS#1 v1.5
 * signature. UD-98: a LACNIC-sized (69 KB) TBS signs.
 */
static void
test_public_sign(void **state)
{
	struct signer *s = *(struct signer **)*state;
	struct signer_key *k = NULL;
	struct signer_cms_ctx ctx;
	unsigned char *data, *spki = NULL, hash[32];
	unsigned char sig1[SIGNER_MAX_SIG], sig2[SIGNER_MAX_SIG], sig3[SIGNER_MAX_SIG];
	unsigned char sig4[SIGNER_MAX_SIG];
	size_t len = 69 * 1024, l1 = 0, l2 = 0, l3 = 0, l4 = 0, spki_len = 0, i;

	assert_non_null(data = malloc(len));
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 7 + 3);
	assert_int_equal(signer_key_generate(s, "sign-key", 0, &k), 0);
	assert_int_equal(signer_key_public(s, k, &spki, &spki_len), 0);
	assert_int_equal(signer_sign(s, k, data, len, sig1, sizeof(sig1), &l1), 0);
	verify(spki, spki_len, data, len, sig1, l1);

	assert_int_equal(mbedtls_sha256_ret(data, len, hash, 0), 0);
	assert_int_equal(signer_sign_digest(s, k, hash, sig2, sizeof(sig2), &l2), 0);
	assert_memory_equal(sig1, sig2, 256);
	assert_int_equal(l2, l1);

	ctx.signer = s;
	ctx.key = k;
	assert_int_equal(cms_adapter(&ctx, data, len, hash, sig3, sizeof(sig3), &l3), 0);
	assert_int_equal(cms_adapter(&ctx, NULL, 0, hash, sig4, sizeof(sig4), &l4), 0);
	assert_int_equal(l3, 256);
	assert_int_equal(l4, 256);
	assert_memory_equal(sig1, sig3, 256);
	assert_memory_equal(sig1, sig4, 256);

	/* a short buffer is refused, not overrun */
	assert_int_equal(signer_sign(s, k, data, len, sig1, 255, &l1), SIGNER_ERR_BUFFER);
	/* empty data is data too */
	sign_and_verify(s, k, NULL, 0);

	/* a wrong signature does not verify (the check above is real) */
	{
		mbedtls_pk_context pk;

		mbedtls_pk_init(&pk);
		assert_int_equal(mbedtls_pk_parse_public_key(&pk, spki, spki_len), 0);
		sig2[10] ^= 1;
		assert_int_not_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32,
		    sig2, l2), 0);
		mbedtls_pk_free(&pk);
	}
	assert_int_equal(signer_key_destroy(s, k), 0);
	free(spki);
	free(data);
}

/* Two keys are different keys; the public key is stable across reads. */
static void
test_two_keys(void **state)
{
	struct signer *s = *(struct signer **)*state;
	struct signer_key *a = NULL, *b = NULL;
	unsigned char *pa = NULL, *pb = NULL, *pa2 = NULL, ida[64], idb[64];
	size_t la = 0, lb = 0, la2 = 0, lia = 0, lib = 0;

	assert_int_equal(signer_key_generate(s, "key-a", 0, &a), 0);
	assert_int_equal(signer_key_generate(s, "key-b", 0, &b), 0);
	assert_int_equal(signer_key_public(s, a, &pa, &la), 0);
	assert_int_equal(signer_key_public(s, b, &pb, &lb), 0);
	assert_int_equal(signer_key_public(s, a, &pa2, &la2), 0);
	assert_int_equal(la, la2);
	assert_memory_equal(pa, pa2, la);
	assert_true(la != lb || memcmp(pa, pb, la) != 0);
	assert_int_equal(signer_key_id(a, ida, sizeof(ida), &lia), 0);
	assert_int_equal(signer_key_id(b, idb, sizeof(idb), &lib), 0);
	assert_memory_not_equal(ida, idb, SIGNER_KEY_ID_LEN);
	assert_int_equal(signer_key_destroy(s, a), 0);
	assert_int_equal(signer_key_destroy(s, b), 0);
	free(pa);
	free(pb);
	free(pa2);
}

/* One-time (session) keys sign and are destroyed; destroy frees the name. */
static void
test_session_key_destroy(void **state)
{
	struct signer *s = *(struct signer **)*state;
	struct signer_key *k = NULL, *f = NULL;

	assert_int_equal(signer_key_generate(s, "ee-once", SIGNER_KEY_SESSION, &k), 0);
	sign_and_verify(s, k, (const unsigned char *)"manifest", 8);
	assert_int_equal(signer_key_find(s, "ee-once", &f), 0);
	assert_ptr_equal(f, k);
	assert_int_equal(signer_key_destroy(s, k), 0);
	assert_int_equal(signer_key_find(s, "ee-once", &f), SIGNER_ERR_NO_KEY);

	/* a destroyed token key's label can be used again */
	assert_int_equal(signer_key_generate(s, "reused", 0, &k), 0);
	assert_int_equal(signer_key_destroy(s, k), 0);
	assert_int_equal(signer_key_find(s, "reused", &f), SIGNER_ERR_NO_KEY);
	assert_int_equal(signer_key_generate(s, "reused", 0, &k), 0);
	sign_and_verify(s, k, (const unsigned char *)"x", 1);
	assert_int_equal(signer_key_destroy(s, k), 0);
}

/* Bad names and arguments: SIGNER_ERR_ARG, never a crash. */
static void
test_bad_args(void **state)
{
	struct signer *s = *(struct signer **)*state;
	static const char *const bad_names[] = {
		"",
		"pkcs11:object=%zz",                /* bad percent-encoding */
		"pkcs11:type=cert;object=x",        /* not a key */
		"pkcs11:token=updown",              /* names no key */
		"pkcs11:object=x;frobnicate=1",     /* unrecognised attribute */
		"pkcs11:id=",                       /* empty id */
		"pkcs11:object=a%00b",              /* NUL in a label */
	};
	char longname[SIGNER_MAX_LABEL + 2];
	struct signer_key *k = NULL, *other = NULL;
	struct signer *s2;
	unsigned char sig[SIGNER_MAX_SIG], hash[32] = { 0 }, *spki;
	size_t sig_len, spki_len, i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		assert_int_equal(signer_key_find(s, bad_names[i], &k), SIGNER_ERR_ARG);
		assert_int_equal(signer_key_generate(s, bad_names[i], 0, &k), SIGNER_ERR_ARG);
		assert_true(signer_last_error()[0] != '\0');
	}
	assert_int_equal(signer_key_find(s, NULL, &k), SIGNER_ERR_ARG);
	assert_int_equal(signer_key_find(NULL, "x", &k), SIGNER_ERR_ARG);
	assert_int_equal(signer_key_find(s, "x", NULL), SIGNER_ERR_ARG);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(signer_key_generate(s, longname, 0, &k), SIGNER_ERR_ARG);
	/* the id of a new key is random: generate refuses id= */
	assert_int_equal(signer_key_generate(s, "pkcs11:object=x;id=%01", 0, &k),
	    SIGNER_ERR_ARG);
	assert_int_equal(signer_key_generate(s, "x", 0x80, &k), SIGNER_ERR_ARG);

	assert_int_equal(signer_key_generate(s, "args-key", 0, &k), 0);
	assert_int_equal(signer_sign(s, k, NULL, 5, sig, sizeof(sig), &sig_len),
	    SIGNER_ERR_ARG);
	assert_int_equal(signer_sign(s, NULL, hash, 1, sig, sizeof(sig), &sig_len),
	    SIGNER_ERR_ARG);
	assert_int_equal(signer_sign(s, k, hash, 1, NULL, sizeof(sig), &sig_len),
	    SIGNER_ERR_ARG);
	assert_int_equal(signer_sign_digest(s, k, NULL, sig, sizeof(sig), &sig_len),
	    SIGNER_ERR_ARG);
	assert_int_equal(signer_key_public(s, k, NULL, &spki_len), SIGNER_ERR_ARG);
	assert_int_equal(signer_cms_sign(NULL, hash, 1, hash, sig, sizeof(sig), &sig_len),
	    SIGNER_ERR_ARG);

	/* a key of another signer is refused */
	assert_int_equal(signer_sw_open(mbedtls_ctr_drbg_random, &drbg, &s2), 0);
	assert_int_equal(signer_key_generate(s2, "elsewhere", 0, &other), 0);
	assert_int_equal(signer_sign(s, other, hash, 1, sig, sizeof(sig), &sig_len),
	    SIGNER_ERR_ARG);
	assert_int_equal(signer_key_public(s, other, &spki, &spki_len), SIGNER_ERR_ARG);
	assert_int_equal(signer_key_destroy(s, other), SIGNER_ERR_ARG);
	signer_close(s2);

	assert_int_equal(signer_key_destroy(s, k), 0);
	signer_close(NULL);
	assert_string_equal(signer_backend(NULL), "none");
	assert_string_equal(signer_strerror(SIGNER_ERR_PIN), "PIN incorrect, locked, or unreadable");
	assert_non_null(signer_strerror(12345));
}

#define NTHREADS 4
#define NSIGS    12

struct thread_arg {
	struct signer *s;
	struct signer_key *k;
	const unsigned char *spki;
	size_t spki_len;
	int index;
	int failures;
	char err[256];
};

static void *
thread_main(void *p)
{
	struct thread_arg *a = p;
	mbedtls_pk_context pk;
	unsigned char data[64], hash[32], sig[SIGNER_MAX_SIG];
	size_t sig_len;
	int i;

	mbedtls_pk_init(&pk);
	if (mbedtls_pk_parse_public_key(&pk, a->spki, a->spki_len) != 0) {
		a->failures = NSIGS;
		return NULL;
	}
	for (i = 0; i < NSIGS; i++) {
		snprintf((char *)data, sizeof(data), "thread %d signature %d", a->index, i);
		if (signer_sign(a->s, a->k, data, strlen((char *)data), sig, sizeof(sig),
		    &sig_len) != 0) {
			snprintf(a->err, sizeof(a->err), "%s", signer_last_error());
			a->failures++;
			continue;
		}
		mbedtls_sha256_ret(data, strlen((char *)data), hash, 0);
		if (mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len) != 0)
			a->failures++;
	}
	mbedtls_pk_free(&pk);
	return NULL;
}

/* N threads sign concurrently with one signer and one key; all verify. */
static void
test_threads(void **state)
{
	struct signer *s = *(struct signer **)*state;
	struct thread_arg args[NTHREADS];
	pthread_t th[NTHREADS];
	struct signer_key *k = NULL;
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	int i;

	assert_int_equal(signer_key_generate(s, "thread-key", 0, &k), 0);
	assert_int_equal(signer_key_public(s, k, &spki, &spki_len), 0);
	for (i = 0; i < NTHREADS; i++) {
		args[i] = (struct thread_arg){ s, k, spki, spki_len, i, 0, "" };
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (args[i].failures != 0)
			fail_msg("thread %d: %d failures (%s)", i, args[i].failures, args[i].err);
	}
	/* the joined threads' sessions are gone; this thread's still works */
	sign_and_verify(s, k, (const unsigned char *)"after", 5);
	assert_int_equal(signer_key_destroy(s, k), 0);
	free(spki);
}

static enum backend be_sw = SW, be_p11 = P11;

#define BOTH(fn) \
	{ #fn "_software", fn, setup, teardown, (void *)&be_sw }, \
	{ #fn "_pkcs11", fn, setup, teardown, (void *)&be_p11 }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_generate_find),
		BOTH(test_missing_key),
		BOTH(test_public_sign),
		BOTH(test_two_keys),
		BOTH(test_session_key_destroy),
		BOTH(test_bad_args),
		BOTH(test_threads),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
