/*
 * Every certificate the CA signs, and our own CA certificate as an issuer.
 *
 * RPKI (RFC 6487 profile, RFC 3779 resources):
 *   cert_issue_ca()  a child's CA resource certificate (UD-80..UD-97, UD-100)
 *   cert_issue_ee()  the one-time-use EE certificate of a signed object
 *                    (RFC 6487 + RFC 6488: manifests)
 *   cert_make_ta()   a self-signed trust anchor, and cert_write_tal() its
 *                    TAL (RFC 8630)
 *   cert_import_ca() a CA certificate an upstream parent issued for a key
 *                    we hold (untrusted input: parsed and checked)
 * BPKI (RFC 6492 section 3.1, RFC 8183):
 *   cert_bpki_ta()   self-signed BPKI trust anchor (no RFC 3779)
 *   cert_bpki_ee()   the EE certificate that signs our CMS replies (UD-25)
 *
 * Every certificate is written by our own TBSCertificate writer (mbed TLS
 * asn1write, backwards) so that every byte is ours: names are one CN as
 * PrintableString (UD-82), the issuer name is copied raw from our
 * certificate's subject, a subject's SubjectPublicKeyInfo is copied bit for
 * bit (UD-84), extensions carry exactly the criticality of the profile.
 * The TBS is signed through signer_sign() (sha256WithRSAEncryption, UD-81),
 * so the key may live in an HSM. PKCS#1 v1.5 needs no randomness; time and
 * serial numbers are arguments (the engine persists serials and never
 * reuses one, UD-80).
 *
 * Times: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280
 * 4.1.2.5). A certificate's notAfter is clipped to the issuer's notAfter
 * (UD-83 PRACTICE); notBefore must stay before the clipped notAfter.
 *
 * Serials: the content octets of a DER INTEGER, big-endian, as they will
 * appear in the certificate: 1..CERT_MAX_SERIAL octets, positive (first
 * octet < 0x80), non-zero, minimal (no redundant leading 0x00).
 * cert_serial_from_u64() makes one from a counter.
 *
 * Errors are negative CERT_ERR_* codes; 0 is success. Outputs (*der,
 * *tal) are malloc'd and the caller frees them; on failure they are NULL.
 */
#ifndef UPDOWN_CRYPTO_CERT_H
#define UPDOWN_CRYPTO_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/signer.h"
#include "proto/res.h"

#define CERT_ERR_ARG          -0x0801 /* NULL or otherwise unusable argument */
#define CERT_ERR_NOMEM        -0x0802
#define CERT_ERR_SERIAL       -0x0803 /* serial zero, negative, non-minimal or > 20 octets (UD-80) */
#define CERT_ERR_VALIDITY     -0x0804 /* notBefore >= (clipped) notAfter, or a year outside 1950..9999 */
#define CERT_ERR_SPKI         -0x0805 /* SubjectPublicKeyInfo malformed or not RSA */
#define CERT_ERR_URI          -0x0806 /* URI missing, wrong scheme, too long or with bad characters */
#define CERT_ERR_OVERCLAIM    -0x0807 /* resources not within the issuer's (RFC 6487 7.2, UD-100) */
#define CERT_ERR_EMPTY        -0x0808 /* no resources (RFC 6487 section 2, UD-69) */
#define CERT_ERR_INHERIT      -0x0809 /* inherit where explicit resources are required (UD-95) */
#define CERT_ERR_NAME         -0x080A /* CN empty, too long or not PrintableString (UD-82) */
#define CERT_ERR_SIGN         -0x080B /* the signer failed (signer_last_error() tells why) */
#define CERT_ERR_KEY_MISMATCH -0x080C /* certificate's key is not the signer key's */
#define CERT_ERR_PARSE        -0x080D /* certificate malformed (DER, X.509 structure) */
#define CERT_ERR_TOO_LARGE    -0x080E /* input larger than CERT_MAX_DER */
#define CERT_ERR_VERSION      -0x080F /* not X.509 v3 (RFC 6487 4.1) */
#define CERT_ERR_NOT_CA       -0x0810 /* basicConstraints cA absent or FALSE (RFC 6487 4.8.1) */
#define CERT_ERR_KEY_USAGE    -0x0811 /* keyUsage absent, not critical or not keyCertSign+cRLSign (4.8.4) */
#define CERT_ERR_SKI          -0x0812 /* SKI absent or not SHA-1 of the key (RFC 6487 4.8.2) */
#define CERT_ERR_SIA          -0x0813 /* SIA absent or without rsync caRepository/rpkiManifest (4.8.8.1) */
#define CERT_ERR_RESOURCES    -0x0814 /* RFC 3779 extensions absent, malformed or not critical (4.8.10-11) */
#define CERT_ERR_EXTENSION    -0x0815 /* extension duplicated, malformed, wrong criticality or not allowed */
#define CERT_ERR_CANNOT_ISSUE -0x0816 /* the issuer is not a CA that may sign certificates */

/* Bounds. */
#define CERT_MAX_SERIAL  20          /* octets, RFC 5280 4.1.2.2 */
#define CERT_MAX_URI     2048        /* characters (UD-76) */
#define CERT_MAX_CN      64          /* ub-common-name, RFC 5280 appendix A */
#define CERT_MAX_DER     (4u << 20)  /* a certificate we parse (LACNIC's is 69 KB) */
#define CERT_SKI_LEN     20          /* SHA-1 (RFC 6487 4.8.2) */

/*
 * Our CA as an issuer: the signer and key, our certificate, and what is
 * derived from it. Value type: cert_issuer_init() (or a load/import call)
 * before use, cert_issuer_free() after. Filled by cert_issuer_load() or
 * cert_import_ca(); every pointer below is owned by the struct, except
 * signer and key, which belong to the caller and must outlive it.
 */
struct cert_issuer {
	struct signer *signer;
	struct signer_key *key;
	unsigned char *cert_der;     /* our certificate (copy) */
	size_t cert_len;
	unsigned char *subject_der;  /* our subject Name, raw DER with its SEQUENCE tag (UD-82) */
	size_t subject_len;
	unsigned char *spki_der;     /* our SubjectPublicKeyInfo, raw DER */
	size_t spki_len;
	unsigned char ski[CERT_SKI_LEN]; /* our SKI (the AKI of what we issue, UD-88) */
	time_t not_before;
	time_t not_after;
	bool self_signed;            /* issuer name == subject name */
	/*
	 * RFC 3779 resources (RFC 6487 4.8.10-11). has_resources is false for
	 * a BPKI certificate: then res is empty and the issuer cannot issue
	 * RPKI certificates. A family may be inherit (res.x.inherit): such an
	 * issuer cannot issue RPKI CA certificates either (CERT_ERR_OVERCLAIM).
	 */
	bool has_resources;
	struct res_bundle res;
	/* Our SIA (RFC 6487 4.8.8.1); NULL when absent (BPKI). NUL-terminated. */
	char *sia_ca_repository;
	char *sia_rpki_manifest;
	char *sia_rpki_notify;
};

void cert_issuer_init(struct cert_issuer *iss);

/*
 * Load our own CA certificate (cert_der, len bytes; copied) for signing
 * with key in signer s: parses it (cms_cert_parse), requires v3, cA TRUE,
 * keyCertSign, an SKI, and that its SubjectPublicKeyInfo equals the key's
 * public key read back from the signer (CERT_ERR_KEY_MISMATCH otherwise).
 * Accepts RPKI and BPKI CA certificates (our TA, an imported certificate,
 * the BPKI TA). iss is initialised by the call; on failure it is empty.
 * s and key are borrowed. Free with cert_issuer_free().
 */
int cert_issuer_load(struct cert_issuer *iss, struct signer *s, struct signer_key *key,
                     const unsigned char *cert_der, size_t len);

/* Free what iss holds and leave it empty. Accepts NULL. */
void cert_issuer_free(struct cert_issuer *iss);

/*
 * Import a CA certificate issued to us by an upstream parent for a key we
 * hold (untrusted input): parse it with explicit bounds, check the RFC 6487
 * CA profile (v3; basicConstraints critical cA TRUE; keyUsage critical
 * keyCertSign+cRLSign; SKI = SHA-1 of the key; SIA with rsync caRepository
 * and rpkiManifest; RFC 3779 resources present, critical, canonical; no
 * unknown critical extension), check that its key equals our signer key,
 * and fill iss as cert_issuer_load() does. The parent's signature is not
 * checked (we may not hold the parent's certificate); validators do that.
 * Typed errors (CERT_ERR_PARSE, _VERSION, _NOT_CA, _KEY_USAGE, _SKI, _SIA,
 * _RESOURCES, _EXTENSION, _KEY_MISMATCH, _TOO_LARGE).
 */
int cert_import_ca(struct cert_issuer *iss, struct signer *s, struct signer_key *key,
                   const unsigned char *cert_der, size_t len);

/*
 * The parsing half of cert_import_ca(), without a signer: fills iss
 * (signer and key NULL), so that the caller (or a fuzzer) can compare
 * iss->spki_der itself. Same checks, except the key match.
 */
int cert_parse_rpki_ca(struct cert_issuer *iss, const unsigned char *cert_der, size_t len);

/*
 * Child CA resource certificate (RFC 6487 section 4; UD-80..UD-97).
 * The subject is CN = upper-case hex SHA-1 of the subject key (as Krill
 * and rpkid; unique per key, UD-75, UD-82).
 */
struct cert_ca_params {
	const unsigned char *spki;      /* SubjectPublicKeyInfo from the CSR, copied (UD-84) */
	size_t spki_len;
	const unsigned char *serial;    /* see "Serials" above */
	size_t serial_len;
	time_t not_before;
	time_t not_after;               /* requested; clipped to the issuer's (UD-83) */
	const char *crldp_uri;          /* rsync URI of our current CRL (UD-91) */
	const char *aia_uri;            /* rsync URI of our certificate (UD-92) */
	const char *sia_ca_repository;  /* rsync, from the CSR (UD-93) */
	const char *sia_rpki_manifest;  /* rsync, from the CSR */
	const char *sia_rpki_notify;    /* https, from the CSR; NULL: none */
	const struct res_bundle *res;   /* explicit, non-empty, within the issuer's (UD-100) */
};

/*
 * Issue a child's CA certificate, signed by iss. Refuses resources outside
 * the issuer's (per family, res_set_subset; an issuer holding inherit
 * cannot issue: CERT_ERR_OVERCLAIM), empty resources (CERT_ERR_EMPTY),
 * inherit (CERT_ERR_INHERIT). Families without resources are omitted, and
 * an extension without any family (UD-95). *der is malloc'd; caller frees.
 */
int cert_issue_ca(const struct cert_issuer *iss, const struct cert_ca_params *p,
                  unsigned char **der, size_t *len);

/*
 * One-time-use EE certificate of an RPKI signed object (RFC 6487 4, RFC
 * 6488 2.1.1): keyUsage critical digitalSignature, no basicConstraints,
 * SKI, AKI, CRLDP, AIA, SIA id-ad-signedObject, certificatePolicies
 * critical, RFC 3779 extensions: inherit for both IP and AS (as manifests
 * use, RFC 9286 5.1) or explicit resources within the issuer's.
 * Subject CN = upper-case hex SHA-1 of the key.
 */
struct cert_ee_params {
	const unsigned char *spki;      /* the one-time key's SubjectPublicKeyInfo */
	size_t spki_len;
	const unsigned char *serial;
	size_t serial_len;
	time_t not_before;
	time_t not_after;               /* clipped to the issuer's */
	const char *crldp_uri;          /* rsync URI of our CRL */
	const char *aia_uri;            /* rsync URI of our certificate */
	const char *signed_object_uri;  /* rsync URI of the object (SIA id-ad-signedObject) */
	bool inherit;                   /* true: inherit IP and AS; res ignored */
	const struct res_bundle *res;   /* when !inherit: explicit, non-empty, within the issuer's */
};

int cert_issue_ee(const struct cert_issuer *iss, const struct cert_ee_params *p,
                  unsigned char **der, size_t *len);

/*
 * Self-signed RPKI trust anchor (RFC 6487 with RFC 8630): basicConstraints
 * critical cA, SKI, keyUsage critical keyCertSign+cRLSign, SIA
 * caRepository + rpkiManifest (+ rpkiNotify), certificatePolicies
 * critical, explicit non-empty resources; no AKI (RFC 6487 4.8.3 makes it
 * optional in a self-signed certificate), no CRLDP, no AIA (4.8.6, 4.8.7).
 */
struct cert_ta_params {
	const unsigned char *serial;
	size_t serial_len;
	time_t not_before;
	time_t not_after;
	const char *subject_cn;         /* PrintableString; NULL: hex SHA-1 of the key */
	const char *sia_ca_repository;  /* rsync */
	const char *sia_rpki_manifest;  /* rsync */
	const char *sia_rpki_notify;    /* https; NULL: none */
	const struct res_bundle *res;   /* explicit, non-empty, no inherit */
};

/* Make and self-sign a TA certificate for key (its public key read from s). */
int cert_make_ta(struct signer *s, struct signer_key *key, const struct cert_ta_params *p,
                 unsigned char **der, size_t *len);

/*
 * The TAL of a TA certificate (RFC 8630 section 2.2): each URI on its own
 * line (rsync:// or https://, n_uris >= 1), an empty line, then the
 * certificate's SubjectPublicKeyInfo in base64, lines of 64 characters,
 * LF line ends. *tal is malloc'd, NUL-terminated, *len excludes the NUL.
 */
int cert_write_tal(const char *const *uris, size_t n_uris,
                   const unsigned char *ta_der, size_t ta_len, char **tal, size_t *len);

/*
 * BPKI certificates (RFC 6492 3.1, RFC 8183). Names are one CN of visible
 * ASCII, PrintableString when the text allows it, else UTF8String (a
 * handle may hold '_').
 */
struct cert_bpki_params {
	const unsigned char *serial;
	size_t serial_len;
	time_t not_before;
	time_t not_after;               /* EE: clipped to the TA's; a year is usual (UD-25) */
	const char *subject_cn;         /* required, e.g. our handle */
};

/*
 * Self-signed BPKI trust anchor: basicConstraints critical cA TRUE, SKI,
 * AKI = SKI, keyUsage critical keyCertSign+cRLSign; no RFC 3779.
 */
int cert_bpki_ta(struct signer *s, struct signer_key *key, const struct cert_bpki_params *p,
                 unsigned char **der, size_t *len);

/*
 * BPKI EE certificate for the key whose SubjectPublicKeyInfo is spki,
 * signed by the BPKI TA loaded in ta (cert_issuer_load): no
 * basicConstraints (not a CA), keyUsage critical digitalSignature, SKI,
 * AKI; no RFC 3779. cms_sign() accepts it (UD-14, UD-25).
 */
int cert_bpki_ee(const struct cert_issuer *ta, const unsigned char *spki, size_t spki_len,
                 const struct cert_bpki_params *p, unsigned char **der, size_t *len);

/*
 * 0 when der is one certificate (nothing after it) that mbed TLS parses
 * and whose signature verifies with the key in issuer_spki (DER
 * SubjectPublicKeyInfo); CERT_ERR_PARSE or CERT_ERR_KEY_MISMATCH. Every
 * writer here checks what it signed with it.
 */
int cert_check_issued(const unsigned char *der, size_t len, const unsigned char *issuer_spki,
                      size_t issuer_spki_len);

/*
 * Helpers for the other writers (CRL, manifest).
 */

/* Serial octets (see above) of a counter value v > 0; out needs 9 octets. */
int cert_serial_from_u64(uint64_t v, unsigned char out[9], size_t *len);

/* SKI of a SubjectPublicKeyInfo: SHA-1 of the subjectPublicKey bits (RFC 6487 4.8.2). */
int cert_ski(const unsigned char *spki, size_t spki_len, unsigned char ski[CERT_SKI_LEN]);

/*
 * Publication file name of the CA certificate issued for the subject key
 * spki: "<gSKI>.cer", the gSKI being the unpadded base64url SHA-1 of the
 * key (ud_ski_from_key, UD-110; UD-133 PRACTICE). Every reissue to the
 * same key gets the same name and so overwrites the previous certificate
 * at the same URI (RFC 6487 4.8.7, UD-142). out is NUL-terminated.
 */
#define CERT_FILE_NAME_SIZE 32 /* 27 + ".cer" + NUL */
int cert_file_name(const unsigned char *spki, size_t spki_len, char out[CERT_FILE_NAME_SIZE]);

/*
 * Write t backwards (mbed TLS asn1write style) as UTCTime through 2049,
 * GeneralizedTime from 2050 (RFC 5280 4.1.2.5, 5.1.2.4); the _gen variant
 * always writes GeneralizedTime (RFC 9286 manifests). Returns the number
 * of bytes written or a negative code (CERT_ERR_VALIDITY for years outside
 * 1950..9999 / 0..9999, CERT_ERR_NOMEM for a full buffer).
 */
int cert_asn1_write_time(unsigned char **p, unsigned char *start, time_t t);
int cert_asn1_write_gentime(unsigned char **p, unsigned char *start, time_t t);

/*
 * Sign a DER TBSCertificate or TBSCertList (tbs, tbs_len) with key and
 * wrap it: SEQUENCE { tbs, sha256WithRSAEncryption, BIT STRING sig }.
 * *der is malloc'd; caller frees.
 */
int cert_sign_wrap(struct signer *s, struct signer_key *key,
                   const unsigned char *tbs, size_t tbs_len,
                   unsigned char **der, size_t *len);

/* Static English text for a CERT_ERR_* code, citing the RFC section. */
const char *cert_strerror(int err);

#endif
