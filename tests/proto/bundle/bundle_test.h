/*
 * Helpers shared by the provisioning bundle tests (tests/proto/test_bundle_*.c):
 * byte strings, deterministic RSA keys, a signing callback, and a bundle
 * builder written independently of proto/bundle_encode.c (forward
 * concatenation, not asn1write) with a knob for every field, used both as a
 * byte-for-byte cross-check of the encoder and to make hostile samples.
 */
#ifndef UPDOWN_TESTS_BUNDLE_TEST_H
#define UPDOWN_TESTS_BUNDLE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/pk.h>

/* A malloc'd byte string; p == NULL means "absent" to the builder. */
struct tb {
	unsigned char *p;
	size_t len;
};

void tb_free(struct tb *b);
struct tb tb_dup(const void *p, size_t len);
struct tb tb_str(const char *s);
/* Concatenate n buffers (absent ones skipped). */
struct tb tb_cat(const struct tb *parts, size_t n);
/* DER TLV around content (definite, minimal length). */
struct tb tb_tlv(unsigned char tag, const struct tb *content);
/* tb_tlv() that frees content. */
struct tb tb_wrap(unsigned char tag, struct tb content);

/* Deterministic generator (for keys and mbed TLS calls that want one). */
int bt_rng(void *ctx, unsigned char *out, size_t len);
/* An RSA key of bits bits from seed. */
void bt_rsa_key(mbedtls_pk_context *pk, unsigned seed, unsigned bits);
/* A P-256 key (not allowed: negative tests). */
void bt_ec_key(mbedtls_pk_context *pk, unsigned seed);
/* The key's DER SubjectPublicKeyInfo. */
struct tb bt_spki(mbedtls_pk_context *pk);
/* SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 (1)), computed apart from the library. */
void bt_ski(mbedtls_pk_context *pk, unsigned char ski[20]);
/* A self-signed certificate for the key with SKI (and CA:FALSE). */
struct tb bt_self_cert(mbedtls_pk_context *pk, const char *cn);

/* cms_sign_fn over an mbedtls_pk_context (ctx): PKCS#1 v1.5 of the SHA-256. */
int bt_sign(void *ctx, const unsigned char *tbs, size_t tbs_len, const unsigned char sha256[32],
            unsigned char *sig, size_t sig_size, size_t *sig_len);
/* cms_sign_fn that fails. */
int bt_sign_fail(void *ctx, const unsigned char *tbs, size_t tbs_len,
                 const unsigned char sha256[32], unsigned char *sig, size_t sig_size,
                 size_t *sig_len);

/* A minimal valid table text with that version. Static buffer. */
const char *bt_table(uint64_t version);

/* One SignerInfo for the builder. Zero knobs give what bundle_add_signature() makes. */
struct bs {
	mbedtls_pk_context *key;       /* signs; its SKI is the sid unless ski is set */
	time_t signing_time;
	const unsigned char *ski;      /* sid override */
	size_t ski_len;
	int version;                   /* 0 = 3 */
	bool sid_issuer_serial;        /* issuerAndSerialNumber-shaped sid (SEQUENCE) */
	bool digest_sha1;              /* SignerInfo digestAlgorithm SHA-1 */
	bool no_attrs;
	bool omit_ct, omit_md, omit_time;
	bool dup_time;                 /* signing-time twice */
	bool two_values;               /* message-digest with two values */
	bool extra_attr;               /* an SMIMECapabilities attribute */
	bool ct_id_data;               /* content-type = id-data */
	bool md_wrong;                 /* message-digest of other bytes */
	bool md_short;                 /* 31-octet message-digest */
	const char *time_text;         /* signing-time value text */
	unsigned char time_tag;        /* its tag (0 = UTCTime/GeneralizedTime by year) */
	bool attrs_unsorted;           /* signed attributes out of DER order */
	bool sig_sha256_rsa;           /* sha256WithRSAEncryption (accepted) */
	bool sig_alg_pss;              /* RSASSA-PSS OID */
	bool sig_alg_no_null;          /* rsaEncryption without NULL parameters (refused) */
	bool unsigned_attrs;
	bool sig_flip;                 /* flip a bit of the signature */
	bool sig_empty;
};

/* The whole bundle. Zero knobs + table give what bundle_create() makes. */
struct bb {
	const char *table;
	size_t table_len;              /* 0 = strlen(table) */
	uint64_t version;
	time_t created;
	const char *comment;           /* NULL: none */
	size_t comment_len;            /* 0 = strlen(comment) */
	bool force;

	/* BundleContent knobs */
	int format_version;            /* 0 = 1 */
	const unsigned char *version_raw;  /* INTEGER content override for tableVersion */
	size_t version_raw_len;
	const char *created_text;      /* GeneralizedTime value override */
	unsigned char created_tag;     /* 0 = GeneralizedTime */
	bool force_false;              /* [0] BOOLEAN FALSE (not DER) */
	bool force_bad;                /* [0] BOOLEAN 0x01 (not DER) */
	bool no_table;
	bool content_extra;            /* an element after the table */
	bool content_trailing;         /* a byte after the BundleContent SEQUENCE */
	const struct tb *content_raw;  /* whole eContent override */

	/* SignedData knobs */
	const unsigned char *ct_oid;   /* ContentInfo contentType override */
	size_t ct_oid_len;
	int sd_version;                /* 0 = 3 */
	bool digest_extra;             /* digestAlgorithms { SHA-256, SHA-1 } */
	bool digest_empty;
	bool digest_sha1;
	bool digest_null;              /* SHA-256 with NULL parameters (accepted) */
	const unsigned char *econtent_oid;
	size_t econtent_oid_len;
	bool no_econtent;
	bool econtent_constructed;     /* BER constructed OCTET STRING */
	const struct tb *certs;
	size_t ncerts;
	bool certs_unsorted;
	bool cert_alt_choice;          /* a [1] CertificateChoices element */
	bool crls;                     /* crls [1] present */
	const struct bs *signers;
	size_t nsigners;
	bool signers_unsorted;         /* keep the given order */
	bool trailing;                 /* a byte after the ContentInfo */
	bool long_length;              /* non-minimal length on the outer SEQUENCE (BER) */
	bool indefinite;               /* indefinite length on the outer SEQUENCE (BER) */
};

/* Build a bundle. The eContent is also returned in *econtent if not NULL. */
struct tb bt_build(const struct bb *k, struct tb *econtent);

/* Offset of signer i's signature inside the DER (decodes it). */
size_t bt_sig_offset(const struct tb *der, size_t i);

/* A fresh directory under /tmp; rm -rf'd by bt_rmdir(). */
void bt_mkdir(char *dir, size_t size, const char *prefix);
void bt_rmdir(const char *dir);
void bt_write(const char *path, const void *p, size_t len);
/* Read a file; one spare byte after the end (room for a NUL). */
struct tb bt_read(const char *path);

#endif
