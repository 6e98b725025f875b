/*
 * Helpers shared by the crypto tests (test_cert_util.c): the software
 * signer with a deterministic DRBG, a temporary directory, files, the
 * openssl CLI, and small builders. See test_cert_util.c for each.
 */
#ifndef UPDOWN_TESTS_CRYPTO_TEST_CERT_UTIL_H
#define UPDOWN_TESTS_CRYPTO_TEST_CERT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/cert.h"
#include "crypto/signer.h"
#include "proto/res.h"

int tc_rng(void *ctx, unsigned char *buf, size_t len);
struct signer *tc_signer(void);
struct signer_key *tc_key(struct signer *s, const char *label);
unsigned char *tc_spki(struct signer *s, struct signer_key *k, size_t *len);
void tc_res(struct res_bundle *b, const char *as, const char *v4, const char *v6);
size_t tc_serial(uint64_t v, unsigned char out[9]);

const char *tc_tmpdir(void);
const char *tc_path(const char *name);
void tc_write(const char *path, const void *data, size_t len);
unsigned char *tc_read(const char *path, size_t *len);
unsigned char *tc_testdata(const char *rel, size_t *len);

const char *tc_openssl_exe(void);
int tc_openssl(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tc_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *tc_pem(const char *name, const unsigned char *der, size_t len);
char *tc_text(const unsigned char *der, size_t len);
void tc_assert_block(const char *text, const char *want);
int tc_count(const char *text, const char *needle);

unsigned char *tc_crl(const struct cert_issuer *iss, time_t this_update, time_t next_update,
                      size_t *len);
unsigned char *tc_bpki_roundtrip(struct signer *s, struct signer_key *ta_key,
                                 struct signer_key *ee_key, time_t now, size_t *ee_len);

#endif
