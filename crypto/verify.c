/*
 * crypto/verify.h on OpenSSL 3's libcrypto: keys from parameters
 * (EVP_PKEY_fromdata), checks through EVP_PKEY_verify with PKCS#1 v1.5
 * padding and SHA-256, digests through EVP_Digest*.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/rsa.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "crypto/verify.h"

/* Largest modulus taken: 8192 bits, as RFC 7935 keys are 2048 and operator keys at most 8192. */
#define VERIFY_MAX_BYTES 1024

/*
 * Contexts set up for a check (padding, digest) are kept for the next one:
 * setting one up costs a fifth of the check itself.
 */
#define VERIFY_IDLE 8

struct verify_key {
	EVP_PKEY *pkey;
	mbedtls_mpi n, e;      /* for verify_key_is */
	pthread_mutex_t lock;  /* over idle, nidle */
	EVP_PKEY_CTX *idle[VERIFY_IDLE];
	size_t nidle;
};

/*
 * SHA-256 fetched once: OpenSSL 3 would otherwise look the algorithm up in
 * its provider store (under a lock) for every digest and every check.
 */
static pthread_once_t sha_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha;

static void
sha_fetch(void)
{
	sha = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

static const EVP_MD *
sha256_alg(void)
{
	pthread_once(&sha_once, sha_fetch);
	return sha;
}

/* See verify.h. */
int
verify_key_new(const mbedtls_pk_context *pk, struct verify_key **out)
{
	unsigned char nb[VERIFY_MAX_BYTES], eb[VERIFY_MAX_BYTES];
	const mbedtls_rsa_context *r;
	struct verify_key *k = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	size_t nl, el;
	int rc;

	if (out == NULL || pk == NULL)
		return VERIFY_ERR_ARG;
	*out = NULL;
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA)
		return VERIFY_ERR_KEY;
	r = mbedtls_pk_rsa(*pk);
	nl = mbedtls_mpi_size(&r->N);
	el = mbedtls_mpi_size(&r->E);
	if (nl == 0 || nl > sizeof(nb) || el == 0 || el > sizeof(eb) ||
	    mbedtls_mpi_write_binary(&r->N, nb, nl) != 0 ||
	    mbedtls_mpi_write_binary(&r->E, eb, el) != 0)
		return VERIFY_ERR_KEY;

	rc = VERIFY_ERR_NOMEM;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		goto out;
	mbedtls_mpi_init(&k->n);
	mbedtls_mpi_init(&k->e);
	if (pthread_mutex_init(&k->lock, NULL) != 0) {
		free(k);
		k = NULL;
		goto out;
	}
	if (mbedtls_mpi_copy(&k->n, &r->N) != 0 || mbedtls_mpi_copy(&k->e, &r->E) != 0 ||
	    (bn = BN_bin2bn(nb, (int)nl, NULL)) == NULL ||
	    (be = BN_bin2bn(eb, (int)el, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	rc = VERIFY_ERR_INTERNAL;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	*out = k;
	k = NULL;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	verify_key_free(k);
	if (rc != 0)
		ERR_clear_error();
	return rc;
}

/* See verify.h. */
void
verify_key_free(struct verify_key *k)
{
	if (k == NULL)
		return;
	while (k->nidle > 0)
		EVP_PKEY_CTX_free(k->idle[--k->nidle]);
	pthread_mutex_destroy(&k->lock);
	EVP_PKEY_free(k->pkey);
	mbedtls_mpi_free(&k->n);
	mbedtls_mpi_free(&k->e);
	free(k);
}

/* See verify.h. */
bool
verify_key_is(const struct verify_key *k, const mbedtls_pk_context *pk)
{
	const mbedtls_rsa_context *r;

	if (k == NULL || pk == NULL || mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA)
		return false;
	r = mbedtls_pk_rsa(*pk);
	return mbedtls_mpi_cmp_mpi(&k->n, &r->N) == 0 && mbedtls_mpi_cmp_mpi(&k->e, &r->E) == 0;
}

/* A context of k's set up for a check: a kept one, or a new one (NULL: none). */
static EVP_PKEY_CTX *
ctx_take(struct verify_key *k, const EVP_MD *alg)
{
	EVP_PKEY_CTX *ctx = NULL;

	pthread_mutex_lock(&k->lock);
	if (k->nidle > 0)
		ctx = k->idle[--k->nidle];
	pthread_mutex_unlock(&k->lock);
	if (ctx != NULL)
		return ctx;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL)
		return NULL;
	if (EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, alg) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Keep ctx for the next check (or free it when enough are kept). */
static void
ctx_give(struct verify_key *k, EVP_PKEY_CTX *ctx)
{
	pthread_mutex_lock(&k->lock);
	if (k->nidle < VERIFY_IDLE) {
		k->idle[k->nidle++] = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&k->lock);
	EVP_PKEY_CTX_free(ctx);
}

/* See verify.h. */
int
verify_key_check(const struct verify_key *key, const unsigned char md[VERIFY_SHA256_LEN],
                 const unsigned char *sig, size_t sig_len)
{
	/* Only the pool of contexts changes, under its lock. */
	struct verify_key *k = (struct verify_key *)key;
	const EVP_MD *alg = sha256_alg();
	EVP_PKEY_CTX *ctx;
	int v;

	if (k == NULL || md == NULL || sig == NULL)
		return VERIFY_ERR_ARG;
	if (alg == NULL)
		return VERIFY_ERR_INTERNAL;
	if ((ctx = ctx_take(k, alg)) == NULL) {
		ERR_clear_error();
		return VERIFY_ERR_INTERNAL;
	}
	/* 1: valid; 0 or negative (malformed, wrong length): not. */
	v = EVP_PKEY_verify(ctx, sig, sig_len, md, VERIFY_SHA256_LEN);
	if (v == 1) {
		ctx_give(k, ctx);
		return 0;
	}
	EVP_PKEY_CTX_free(ctx);    /* not kept after a failure */
	ERR_clear_error();
	return VERIFY_ERR_SIGNATURE;
}

static bool
cms_same(const void *key, const mbedtls_pk_context *pk)
{
	return verify_key_is(key, pk);
}

static int
cms_check(const void *key, const unsigned char md[32], const unsigned char *sig,
          size_t sig_len)
{
	return verify_key_check(key, md, sig, sig_len);
}

static int
cms_sha256(const unsigned char *p, size_t len, unsigned char md[32])
{
	struct verify_part part = { p, len };

	return verify_sha256(&part, 1, md);
}

static const struct cms_key_ops cms_ops = { cms_same, cms_check, cms_sha256 };

/* See verify.h. */
struct cms_key
verify_cms_key(const struct verify_key *k)
{
	struct cms_key c = { &cms_ops, k };

	return c;
}

/* See verify.h. */
int
verify_sha256(const struct verify_part *parts, size_t n, unsigned char md[VERIFY_SHA256_LEN])
{
	const EVP_MD *alg = sha256_alg();
	EVP_MD_CTX *ctx;
	size_t i;
	int rc;

	if ((parts == NULL && n > 0) || md == NULL)
		return VERIFY_ERR_ARG;
	for (i = 0; i < n; i++)
		if (parts[i].p == NULL && parts[i].len > 0)
			return VERIFY_ERR_ARG;
	if (alg == NULL)
		return VERIFY_ERR_INTERNAL;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return VERIFY_ERR_NOMEM;
	rc = VERIFY_ERR_INTERNAL;
	if (EVP_DigestInit_ex(ctx, alg, NULL) != 1)
		goto out;
	for (i = 0; i < n; i++)
		if (parts[i].len > 0 && EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) != 1)
			goto out;
	if (EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	if (rc != 0)
		ERR_clear_error();
	return rc;
}

/* See verify.h. */
const char *
verify_strerror(int err)
{
	switch (err) {
	case 0:                    return "success";
	case VERIFY_ERR_ARG:       return "invalid argument";
	case VERIFY_ERR_NOMEM:     return "out of memory";
	case VERIFY_ERR_INTERNAL:  return "libcrypto failed";
	case VERIFY_ERR_KEY:       return "not an RSA public key of at most 8192 bits";
	case VERIFY_ERR_SIGNATURE: return "not a valid PKCS#1 v1.5 SHA-256 signature of the digest";
	default:                   return "unknown verify error";
	}
}
