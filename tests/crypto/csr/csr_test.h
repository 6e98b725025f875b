/*
 * Helpers shared by the CSR tests (tests/crypto/test_csr*.c): exactly sized
 * file buffers, a tiny forward DER builder, and an independent PKCS#10
 * builder with a knob for every field the profile checks (used for the
 * negatives the openssl CLI cannot make).
 */
#ifndef UPDOWN_TESTS_CSR_TEST_H
#define UPDOWN_TESTS_CSR_TEST_H

#include <stdbool.h>
#include <stddef.h>

#include <mbedtls/pk.h>

/* A malloc'd byte string; p is NULL only when len is 0. */
struct tbuf {
	unsigned char *p;
	size_t len;
};

void tb_free(struct tbuf *b);
struct tbuf tb_dup(const void *p, size_t len);
/* Bytes from hex text (spaces ignored). */
struct tbuf tb_hex(const char *hex);
/* Bytes of a C string (no NUL). */
struct tbuf tb_str(const char *s);
/* Concatenate n parts, consuming (freeing) them. */
struct tbuf tb_cat(struct tbuf *parts, size_t n);
/* DER TLV around the concatenation of n parts, consuming them. */
struct tbuf tb_tlv(unsigned char tag, struct tbuf *parts, size_t n);
#define TB_N(a) (sizeof(a) / sizeof((a)[0]))

/* Read a file into an exactly sized buffer; fails the test if it cannot. */
struct tbuf tb_read(const char *path);
/* Read $UPDOWN_TESTDATA/<rel>. */
struct tbuf tb_read_testdata(const char *rel);
void tb_write(const char *path, const struct tbuf *b);

/* Signature algorithms the builder can use. */
enum tsig {
	TSIG_SHA256 = 0,        /* sha256WithRSAEncryption, NULL parameters */
	TSIG_SHA256_NOPARAM,    /* the same, parameters absent (RFC 4055 5) */
	TSIG_SHA1,
	TSIG_MD5,
};

/* One AccessDescription: method is the last arc under id-ad (5, 10, 11, 13...). */
struct tad {
	unsigned arc;
	const char *uri;
	unsigned char tag;      /* 0: [6] URI; else this GeneralName tag */
};

/* Extension builders (Extension SEQUENCE). crit: -1 none, 0 explicit FALSE, 1 TRUE. */
struct tbuf text(const char *oid_hex, int crit, struct tbuf value);
/* BasicConstraints: ca -1 absent, 0 explicit FALSE, 1 TRUE; pathlen < 0 absent. */
struct tbuf text_bc(int ca, int pathlen);
/* KeyUsage from the BIT STRING's contents (unused-bits octet first), as hex. */
struct tbuf text_ku(const char *bits_hex);
struct tbuf text_sia(const struct tad *ads, size_t n);
/* SIA with repo rsync://example.net/repo/child/ and manifest .../child.mft. */
struct tbuf text_sia_good(void);

/* Attribute SEQUENCE { oid, SET { values } }, consuming the values. */
struct tbuf tattr(const char *oid_hex, struct tbuf *values, size_t n);
/* extensionRequest with one value: SEQUENCE OF the given extensions. */
struct tbuf tattr_extreq(struct tbuf *exts, size_t n);
/* extensionRequest with the good set: BC critical cA, KU critical, text_sia_good(). */
struct tbuf tattr_good(void);

/* PKCS#10 knobs. */
struct treq {
	int version;                 /* 0 */
	struct tbuf subject;         /* Name DER; empty: SEQUENCE { CN=x } */
	struct tbuf spki;            /* empty: the key's own SubjectPublicKeyInfo */
	struct tbuf attrs;           /* [0] contents (concatenated Attributes), consumed */
	bool no_attrs;               /* omit the [0] field */
	enum tsig sig;
};
/* Build and sign with key (consumes the tbufs in r). */
struct tbuf treq_build(struct treq *r, mbedtls_pk_context *key);
/* A good request from key: BC cA, KU, SIA as text_good_sia(). */
struct tbuf treq_good(mbedtls_pk_context *key);

/* Deterministic generator for signing (RSA blinding). */
int test_rng(void *ctx, unsigned char *out, size_t len);

#endif
