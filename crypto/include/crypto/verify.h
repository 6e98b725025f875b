/*
 * Signature checks and SHA-256 on the appliance's request path, on
 * OpenSSL's libcrypto (libssl-dev; already in the process and in the VM
 * image, as SoftHSM's backend).
 *
 * Every reply costs the HSM one signature; after it the largest costs of
 * a list exchange were two RSA public-key operations (the child's request
 * signature, and the check of our own reply's signature before it leaves)
 * and the SHA-256 digests around them. mbed TLS 2.28 parses everything
 * and stays the library for certificates, CRLs and CMS; only these two
 * operations move: libcrypto's RSA-2048 public operation takes 12 us where
 * mbed TLS's takes 31 us, and its SHA-256 uses the CPU's SHA extensions
 * (AMD EPYC; bench/bench_appliance shows the effect on list throughput).
 *
 * A verify_key is an RSA public key prepared once (modulus and exponent
 * taken from an mbed TLS key) to check PKCS#1 v1.5 signatures over a
 * SHA-256 digest (RFC 8017 8.2.2; the one algorithm of RFC 7935): the
 * DigestInfo must be the DER encoding with NULL parameters, byte for byte,
 * and the signature exactly as long as the modulus. Threads may share one
 * (it keeps a few libcrypto contexts for reuse, under a lock); the caller
 * keeps it alive meanwhile.
 * verify_cms_key() hands it to proto/cms (cms_sign_pk,
 * cms_check_signature_pk), which still insist that it is the certificate's
 * key. Fails closed: anything but a valid signature is VERIFY_ERR_SIGNATURE
 * or a fault code.
 */
#ifndef UPDOWN_CRYPTO_VERIFY_H
#define UPDOWN_CRYPTO_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include <mbedtls/pk.h>

#include "proto/cms.h"

#define VERIFY_ERR_ARG        -0x1201 /* NULL argument */
#define VERIFY_ERR_NOMEM      -0x1202
#define VERIFY_ERR_INTERNAL   -0x1203 /* libcrypto failed otherwise */
#define VERIFY_ERR_KEY        -0x1204 /* not an RSA key, or over 8192 bits */
#define VERIFY_ERR_SIGNATURE  -0x1205 /* not a valid signature of the digest */

#define VERIFY_SHA256_LEN 32

struct verify_key;

/* A key for pk's RSA modulus and exponent. *out: verify_key_free(). */
int verify_key_new(const mbedtls_pk_context *pk, struct verify_key **out);

/* Accepts NULL. */
void verify_key_free(struct verify_key *k);

/* Whether pk is an RSA key with k's modulus and exponent. */
bool verify_key_is(const struct verify_key *k, const mbedtls_pk_context *pk);

/* 0 when sig is k's PKCS#1 v1.5 signature of the SHA-256 digest md. */
int verify_key_check(const struct verify_key *k, const unsigned char md[VERIFY_SHA256_LEN],
                     const unsigned char *sig, size_t sig_len);

/* k as proto/cms's struct cms_key (valid while k is). */
struct cms_key verify_cms_key(const struct verify_key *k);

/* One piece of a message to digest. */
struct verify_part {
	const void *p;
	size_t len;
};

/* md = SHA-256 of the n parts one after another. 0 or VERIFY_ERR_*. */
int verify_sha256(const struct verify_part *parts, size_t n,
                  unsigned char md[VERIFY_SHA256_LEN]);

/* Static English text for a VERIFY_ERR_* code. */
const char *verify_strerror(int err);

#endif
