/*
 * Helpers shared by the CMS tests (tests/proto/test_cms_*.c): files, a test
 * BPKI built with mbed TLS (RSA keys, certificates, CRLs), a software
 * signing callback, and an independent message builder with knobs for
 * every profile field, used to make the negative corpus.
 */
#ifndef UPDOWN_TESTS_CMS_TEST_H
#define UPDOWN_TESTS_CMS_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <mbedtls/pk.h>

/* A malloc'd byte string. */
struct tbuf {
	unsigned char *p;
	size_t len;
};

void tbuf_free(struct tbuf *b);
struct tbuf tbuf_dup(const void *p, size_t len);
/* Concatenate n buffers (NULL-p entries are skipped). */
struct tbuf tbuf_cat(const struct tbuf *parts, size_t n);
/* DER TLV (definite length) around content. */
struct tbuf tlv(unsigned char tag, const struct tbuf *content);
/* BER TLV with indefinite length around content. */
struct tbuf tlv_indef(unsigned char tag, const struct tbuf *content);

/* Read a file; fails the test if it cannot. */
struct tbuf read_file(const char *path);
/* Read UPDOWN_TESTDATA/<rel>. */
struct tbuf read_testdata(const char *rel);
/* Path of UPDOWN_TESTDATA/<rel> in a static buffer. */
const char *testdata_path(const char *rel);
void write_file(const char *path, const struct tbuf *b);
/* Decode base64 text (whitespace ignored). */
struct tbuf unbase64(const unsigned char *p, size_t len);

/* Deterministic random generator for key generation and signing. */
int test_rng(void *ctx, unsigned char *out, size_t len);

/* Generate a 2048-bit RSA key with the deterministic generator (seeded by `seed`). */
void test_key(mbedtls_pk_context *pk, unsigned seed);
/* Generate a P-256 EC key (not allowed by the profile: for negative tests). */
void test_ec_key(mbedtls_pk_context *pk, unsigned seed);

/* Certificate profile knobs. Validity as "YYYYMMDDhhmmss". */
struct cert_spec {
	const char *subject;
	const char *issuer;         /* issuer DN */
	mbedtls_pk_context *key;    /* subject key */
	mbedtls_pk_context *issuer_key;
	int serial;
	const char *not_before;
	const char *not_after;
	bool ca;
	bool no_ski;
	bool rfc3779;               /* add a critical sbgp-autonomousSysNum */
	bool no_aki;
};
struct tbuf make_cert(const struct cert_spec *s);

/* CRL knobs: issuer DN (raw DER Name taken from a certificate), times as time_t. */
struct crl_spec {
	const unsigned char *issuer_der;    /* DER Name */
	size_t issuer_len;
	mbedtls_pk_context *issuer_key;
	time_t this_update;
	time_t next_update;                 /* 0: omitted */
	const int *revoked;                 /* serials */
	size_t n_revoked;
	bool entry_reason;                  /* add reasonCode CRL-entry extensions */
	bool aki_full;                      /* AKI with keyIdentifier + issuer + serial */
	bool critical_idp;                  /* add a critical issuingDistributionPoint */
};
struct tbuf make_crl(const struct crl_spec *s);

/* cms_sign_fn over an mbedtls_pk_context (ctx) signing the digest. */
int sw_sign(void *ctx, const unsigned char *tbs, size_t tbs_len, const unsigned char sha256[32],
            unsigned char *sig, size_t sig_size, size_t *sig_len);

/*
 * Message builder: default knobs (all zero/NULL except the required fields)
 * give exactly what cms_sign() produces.
 */
struct bld {
	const unsigned char *xml;
	size_t xml_len;
	const struct tbuf *certs;           /* certificates to include */
	size_t n_certs;                     /* 0 with no_certs_field=false: empty [0] */
	const struct tbuf *crls;
	size_t n_crls;
	const unsigned char *ski;           /* sid value */
	size_t ski_len;
	mbedtls_pk_context *key;            /* signing key */
	time_t signing_time;

	bool no_certs_field;
	bool no_crls_field;
	const char *content_type_oid;       /* DER OID content, NULL = id-signedData */
	size_t content_type_oid_len;
	int sd_version;                     /* 0 = 3 */
	int si_version;                     /* 0 = 3 */
	bool extra_digest_alg;              /* add SHA-1 to digestAlgorithms */
	bool digest_sha1;                   /* SHA-1 instead of SHA-256 (both places) */
	bool digest_null_params;            /* NULL parameters on SHA-256 */
	bool empty_digest_algs;
	bool si_digest_sha1;                /* SHA-1 as the SignerInfo digestAlgorithm only */
	const char *econtent_oid;           /* NULL = id-ct-xml */
	size_t econtent_oid_len;
	bool no_econtent;
	int n_signers;                      /* 0 = 1 */
	bool sid_issuer_serial;             /* issuerAndSerialNumber sid */
	const unsigned char *issuer_serial; /* its DER (SEQUENCE) */
	size_t issuer_serial_len;
	bool no_signed_attrs;
	bool omit_ct, omit_md, omit_time;
	bool ct_wrong;                      /* content-type = id-data */
	bool md_wrong;                      /* flip a bit of message-digest */
	bool md_short;                      /* 20-byte message-digest */
	bool time_twice;                    /* signing-time attribute twice */
	bool time_two_values;               /* signing-time SET with two values */
	bool time_generalized;              /* GeneralizedTime before 2050 */
	bool time_bad;                      /* "991332..." */
	bool bst;                           /* add binary-signing-time */
	long bst_delta;                     /* bst = signing_time + delta */
	bool extra_attr;                    /* add an S/MIME-capabilities attribute */
	bool unsorted_attrs;                /* reverse DER order */
	bool unsigned_attrs;
	const char *sig_oid;                /* NULL = rsaEncryption */
	size_t sig_oid_len;
	bool sig_no_null;                   /* sig alg params absent */
	bool sig_corrupt;                   /* flip a bit in the signature */
	bool ber;                           /* indefinite lengths, chunked eContent */
	int econtent_nest;                  /* with ber: extra constructed OCTET STRING levels */
	bool ber_nonminimal;                /* non-minimal length on the SignedData */
	size_t trailing;                    /* bytes appended after the ContentInfo */
};
struct tbuf build_msg(const struct bld *b);

/*
 * Insert a crls [1] field holding `crl` into a DER or BER message that has
 * none (as openssl cms -sign writes them). Returns an empty tbuf on error.
 */
struct tbuf splice_crl(const struct tbuf *msg, const struct tbuf *crl);

#endif
