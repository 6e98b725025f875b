/*
 * RFC 6492 section 3.1 CMS profile: the signed envelope of every up-down
 * message.
 *
 * A message is a ContentInfo holding a SignedData (RFC 5652) with:
 * version 3; digestAlgorithms = { SHA-256 }; eContentType id-ct-xml
 * (1.2.840.113549.1.9.16.1.28) with the XML as eContent; exactly one
 * certificate, the signer's BPKI EE certificate (not a CA, no RFC 3779
 * extensions, with a subjectKeyIdentifier); exactly one CRL, from the CA that
 * issued the EE certificate; exactly one SignerInfo, version 3, whose sid is
 * the EE's SKI ([0] subjectKeyIdentifier), digest SHA-256, signed attributes
 * content-type, message-digest and signing-time (and/or binary-signing-time)
 * only, signatureAlgorithm rsaEncryption or sha256WithRSAEncryption, and no
 * unsigned attributes.
 *
 * Three steps, so that tools can show messages whose certificates expired:
 *
 *   cms_decode()          structure and every profile rule (RFC 6492 3.1.1,
 *                         3.1.2 check 1). No cryptography, no trust.
 *   cms_check_signature() message-digest = SHA-256(eContent) and the RSA
 *                         signature over the DER SET OF signedAttrs, with the
 *                         EE certificate's public key (3.1.2 checks 2, 3).
 *   cms_verify()          cms_check_signature() plus the EE path to the
 *                         caller's BPKI trust anchor, EE validity at `now`,
 *                         and the CRL (issued and signed by the EE's issuer,
 *                         current at `now`, not listing the EE) (3.1.2 check 4).
 *
 * The replay check (signing-time >= the last one from this peer, RFC 6492
 * 3.1.2, UD-35) is the caller's: cms_decode() reports the signing time and
 * keeps no state.
 *
 * The encoder cms_sign() writes the profile exactly (DER) and leaves the RSA
 * operation to a callback, so that the key may live in a PKCS#11 token.
 *
 * No I/O: the current time is an argument, signing is a callback.
 * Errors are negative CMS_ERR_* codes; 0 is success. cms_strerror() gives
 * the reason with the RFC section it enforces.
 */
#ifndef UPDOWN_PROTO_CMS_H
#define UPDOWN_PROTO_CMS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

/* Malformed or oversized input, and our own faults. */
#define CMS_ERR_NOMEM              -0x0501 /* out of memory */
#define CMS_ERR_ARG                -0x0502 /* NULL or empty argument */
#define CMS_ERR_TOO_LARGE          -0x0503 /* input larger than CMS_MAX_MESSAGE */
#define CMS_ERR_ASN1               -0x0504 /* malformed BER: truncated, bad length or tag */
#define CMS_ERR_NOT_DER            -0x0505 /* valid BER but not DER (3.1.2 check 1.l) */
#define CMS_ERR_TRAILING           -0x0506 /* bytes after the ContentInfo */
/* Profile rules, RFC 6492 section 3.1 / 3.1.1.x. */
#define CMS_ERR_CONTENT_TYPE       -0x0507 /* contentType is not id-signedData (3.1) */
#define CMS_ERR_SD_VERSION         -0x0508 /* SignedData version is not 3 (3.1.1.1) */
#define CMS_ERR_DIGEST_ALGS        -0x0509 /* digestAlgorithms is not exactly {SHA-256} (3.1.1.2) */
#define CMS_ERR_ECONTENT_TYPE      -0x050A /* eContentType is not id-ct-xml (3.1.1.3) */
#define CMS_ERR_NO_ECONTENT        -0x050B /* eContent absent (3.1.1.3) */
#define CMS_ERR_NO_CERTS           -0x050C /* certificates absent or empty (3.1.1.4) */
#define CMS_ERR_CERT_COUNT         -0x050D /* more than the one EE certificate (3.1.1.4) */
#define CMS_ERR_CERT_PARSE         -0x050E /* certificate unparsable, or not a plain Certificate */
#define CMS_ERR_EE_IS_CA           -0x050F /* the EE certificate is a CA certificate (3.1.1.4) */
#define CMS_ERR_EE_RESOURCES       -0x0510 /* the EE is an RPKI resource certificate (3.1.1.4) */
#define CMS_ERR_EE_NO_SKI          -0x0511 /* EE certificate without subjectKeyIdentifier (3.1.1.6.2) */
#define CMS_ERR_EE_KEY             -0x0512 /* EE key is not RSA (3.1.1.6.5, RFC 7935) */
#define CMS_ERR_NO_CRL             -0x0513 /* crls absent or empty (3.1.1.5) */
#define CMS_ERR_CRL_COUNT          -0x0514 /* more than one CRL (3.1.1.5) */
#define CMS_ERR_CRL_PARSE          -0x0515 /* CRL unparsable, or not a plain CertificateList */
#define CMS_ERR_SIGNER_COUNT       -0x0516 /* not exactly one SignerInfo (3.1.1.6) */
#define CMS_ERR_SI_VERSION         -0x0517 /* SignerInfo version is not 3 (3.1.1.6.1) */
#define CMS_ERR_SID_TYPE           -0x0518 /* sid is not subjectKeyIdentifier (3.1.1.6.2) */
#define CMS_ERR_SID_MISMATCH       -0x0519 /* sid differs from the EE certificate's SKI (3.1.1.6.2) */
#define CMS_ERR_SI_DIGEST_ALG      -0x051A /* SignerInfo digestAlgorithm is not SHA-256 (3.1.1.6.3) */
#define CMS_ERR_NO_SIGNED_ATTRS    -0x051B /* signedAttrs absent (3.1.1.6.4) */
#define CMS_ERR_ATTR_VALUES        -0x051C /* a signed attribute without exactly one value (3.1.1.6.4) */
#define CMS_ERR_ATTR_DUPLICATE     -0x051D /* a signed attribute appears twice (3.1.1.6.4) */
#define CMS_ERR_ATTR_UNKNOWN       -0x051E /* a signed attribute outside the profile (3.1.1.6.4) */
#define CMS_ERR_ATTR_BST_REFUSED   -0x051F /* binary-signing-time refused by the options */
#define CMS_ERR_NO_CT_ATTR         -0x0520 /* content-type attribute absent (3.1.1.6.4.1) */
#define CMS_ERR_CT_ATTR            -0x0521 /* content-type attribute differs from eContentType (3.1.1.6.4.1) */
#define CMS_ERR_NO_DIGEST_ATTR     -0x0522 /* message-digest attribute absent (3.1.1.6.4.2) */
#define CMS_ERR_DIGEST_ATTR        -0x0523 /* message-digest attribute malformed (3.1.1.6.4.2) */
#define CMS_ERR_NO_SIGNING_TIME    -0x0524 /* neither signing-time nor binary-signing-time (3.1.1.6.4.3) */
#define CMS_ERR_SIGNING_TIME       -0x0525 /* signing-time / binary-signing-time malformed */
#define CMS_ERR_TIME_MISMATCH      -0x0526 /* signing-time and binary-signing-time differ (3.1.1.6.4.4) */
#define CMS_ERR_SIG_ALG            -0x0527 /* signatureAlgorithm not RSA per RFC 7935 (3.1.1.6.5) */
#define CMS_ERR_UNSIGNED_ATTRS     -0x0528 /* unsignedAttrs present (3.1.1.6.7) */
/* Cryptographic and trust checks, RFC 6492 section 3.1.2. */
#define CMS_ERR_DIGEST_MISMATCH    -0x0529 /* message-digest != SHA-256(eContent) (3.1.2) */
#define CMS_ERR_SIGNATURE          -0x052A /* signature does not verify with the EE key (3.1.2) */
#define CMS_ERR_TA                 -0x052B /* trust anchor unparsable or not a CA */
#define CMS_ERR_INTERMEDIATE       -0x052C /* a caller-supplied intermediate is unparsable */
#define CMS_ERR_CHAIN              -0x052D /* no valid path from the trust anchor to the EE (3.1.2) */
#define CMS_ERR_EE_NOT_YET_VALID   -0x052E /* EE notBefore is after now (3.1.2) */
#define CMS_ERR_EE_EXPIRED         -0x052F /* EE notAfter is before now (3.1.2) */
#define CMS_ERR_CA_EXPIRED         -0x0530 /* a CA on the path (trust anchor included) invalid at now */
#define CMS_ERR_CRL_ISSUER         -0x0531 /* CRL not issued by the EE's issuer (3.1.2) */
#define CMS_ERR_CRL_SIGNATURE      -0x0532 /* CRL signature does not verify with the issuer key (3.1.2) */
#define CMS_ERR_CRL_NOT_YET_VALID  -0x0533 /* CRL thisUpdate is after now (3.1.2) */
#define CMS_ERR_CRL_STALE          -0x0534 /* CRL nextUpdate absent or not after now (3.1.2) */
#define CMS_ERR_REVOKED            -0x0535 /* the CRL lists the EE serial (3.1.2) */
/* Encoder. */
#define CMS_ERR_SIGN               -0x0536 /* the signing callback failed */
#define CMS_ERR_SIGN_VERIFY        -0x0537 /* the callback's signature fails the EE key: wrong key? */
#define CMS_ERR_TIME_RANGE         -0x0538 /* a time outside years 1950..9999 */
#define CMS_ERR_EE_NO_AKI          -0x0539 /* our EE certificate lacks authorityKeyIdentifier (UD-25) */

/*
 * Bounds. CMS_MAX_MESSAGE caps the whole input (LACNIC's list_response is
 * 240 KB; Krill's POST limit is 1 MiB). CMS_MAX_DEPTH caps the nesting of
 * indefinite-length BER that the reader follows. CMS_MAX_SKI caps key
 * identifiers (20 bytes in practice).
 */
#define CMS_MAX_MESSAGE  (4u << 20)
#define CMS_MAX_DEPTH    32
#define CMS_MAX_SKI      64
#define CMS_SHA256_LEN   32
#define CMS_MAX_OID      32   /* content octets of an eContentType given to cms_sign_object() */

/* Object identifiers (DER content octets) of the profile, for MBEDTLS_OID_SIZE(). */
#define CMS_OID_SIGNED_DATA   "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"         /* 1.2.840.113549.1.7.2 */
#define CMS_OID_CT_XML        "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x1c" /* 1.2.840.113549.1.9.16.1.28 */
#define CMS_OID_SHA256        "\x60\x86\x48\x01\x65\x03\x04\x02\x01"         /* 2.16.840.1.101.3.4.2.1 */
#define CMS_OID_RSA           "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"         /* rsaEncryption */
#define CMS_OID_SHA256_RSA    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"         /* sha256WithRSAEncryption */
#define CMS_OID_ATTR_CT       "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x03"         /* content-type */
#define CMS_OID_ATTR_DIGEST   "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x04"         /* message-digest */
#define CMS_OID_ATTR_TIME     "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x05"         /* signing-time */
#define CMS_OID_ATTR_BST      "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x2e" /* binary-signing-time */

/*
 * Decoder options. A zeroed struct (or NULL) gives the defaults, which are
 * strict except where noted.
 */
struct cms_opts {
	/*
	 * Require DER (RFC 6492 3.1.2 check 1.l). Default false: BER is
	 * accepted (indefinite and non-minimal lengths, constructed OCTET
	 * STRING eContent, unsorted signedAttrs), a deliberate deviation
	 * because RIPE NCC sent BER (UD-24). cms_msg.ber says whether it was.
	 */
	bool der_only;
	/* Accept signed attributes outside the profile (UD-30 deviation; rpki-rs). Default false. */
	bool allow_unknown_attrs;
	/* Refuse binary-signing-time (RFC 6019). Default false: the RFC allows it (3.1.1.6.4.4). */
	bool refuse_binary_signing_time;
	/*
	 * Tooling only (an inspector showing APNIC's 2011 messages): accept a
	 * message without a CRL. cms_verify() still fails such a message with
	 * CMS_ERR_NO_CRL. Default false.
	 */
	bool allow_no_crl;
};

/*
 * A decoded message. Value type: cms_msg_init() before use, cms_msg_free()
 * after (frees everything the struct holds; the input buffer is not
 * referenced after cms_decode() returns). After a failed cms_decode() the
 * struct is empty again.
 */
struct cms_msg {
	/* The eContent (XML), a malloc'd copy NUL-terminated at xml[xml_len]. */
	unsigned char *xml;
	size_t xml_len;
	/*
	 * Signing time in seconds since 1970 UTC: signing-time if present,
	 * else binary-signing-time (equal when both are present).
	 */
	time_t signing_time;
	bool has_signing_time;
	bool has_binary_signing_time;
	/* The EE certificate's subjectKeyIdentifier (= the SignerInfo sid). */
	unsigned char ski[CMS_MAX_SKI];
	size_t ski_len;
	bool ber;                /* the input used BER that is not DER */
	bool unknown_attrs;      /* unknown signed attributes were allowed through */
	bool has_crl;            /* false only with cms_opts.allow_no_crl */
	mbedtls_x509_crt ee;     /* the EE certificate */
	mbedtls_x509_crl crl;    /* the CRL (empty if !has_crl) */

	/* Private to the module: what cms_check_signature() needs. */
	unsigned char md_attr[CMS_SHA256_LEN]; /* message-digest attribute value */
	unsigned char *signed_attrs;          /* signedAttrs with the SET tag 0x31 */
	size_t signed_attrs_len;
	unsigned char *sig;                   /* signature value */
	size_t sig_len;
};

/* A DER buffer the caller owns. */
struct cms_der {
	const unsigned char *der;
	size_t len;
};

/*
 * What cms_verify() trusts: the peer's BPKI trust anchor (DER certificate;
 * a CA certificate, need not be self-signed: APNIC's and AFRINIC's are
 * intermediates, UD-152) and optional intermediate CA certificates the
 * caller holds out of band (e.g. APNIC's EE is issued by "APNIC Server CA").
 * Certificates inside the message other than the EE are not accepted.
 */
struct cms_trust {
	const unsigned char *ta_der;
	size_t ta_len;
	const struct cms_der *intermediates;
	size_t n_intermediates;
};

/* Extensions of a certificate parsed by cms_cert_parse(). */
struct cms_cert_info {
	unsigned char ski[CMS_MAX_SKI];
	size_t ski_len;          /* 0: no subjectKeyIdentifier */
	bool has_aki;
	bool has_rfc3779;        /* sbgp-ipAddrBlock / sbgp-autonomousSysNum (v1 or v2) */
};

/*
 * Signing callback. tbs is the DER SET OF signedAttrs exactly as signed
 * (tbs_len bytes) and sha256 its SHA-256 digest: the callback either signs
 * tbs with CKM_SHA256_RSA_PKCS, or sha256 as an RSASSA-PKCS1-v1_5
 * DigestInfo (CKM_RSA_PKCS). It writes at most sig_size bytes of signature
 * to sig and the length to *sig_len. Returns 0, or nonzero on failure
 * (cms_sign() then returns CMS_ERR_SIGN). All buffers belong to cms_sign()
 * and are valid only during the call.
 */
typedef int (*cms_sign_fn)(void *ctx, const unsigned char *tbs, size_t tbs_len,
                           const unsigned char sha256[32], unsigned char *sig,
                           size_t sig_size, size_t *sig_len);

/*
 * The signer: its EE certificate (DER, with SKI, not a CA), the current CRL
 * of the CA that issued it (DER; NULL for cms_sign_object()), and the
 * signing callback for the EE key.
 */
struct cms_signer {
	const unsigned char *ee_der;
	size_t ee_len;
	const unsigned char *crl_der;
	size_t crl_len;
	cms_sign_fn sign;
	void *sign_ctx;
};

void cms_msg_init(struct cms_msg *msg);
void cms_msg_free(struct cms_msg *msg);          /* accepts NULL */

/*
 * Decode len bytes of a message and check every profile rule of RFC 6492
 * 3.1.1 (3.1.2 check 1). msg must be initialised (any previous content is
 * freed). opts may be NULL (defaults). No signature or trust check: see
 * cms_check_signature() and cms_verify(). A CRL with a critical CRL
 * extension (issuingDistributionPoint, deltaCRLIndicator) fails with
 * CMS_ERR_CRL_PARSE: mbed TLS refuses those, and the profile has no
 * partitioned or delta CRLs; other CRL and CRL-entry extensions are fine.
 * Returns 0 or a CMS_ERR_* code; on failure msg is empty.
 */
int cms_decode(struct cms_msg *msg, const unsigned char *buf, size_t len,
               const struct cms_opts *opts);

/*
 * Check message-digest against SHA-256(eContent) and the RSA signature over
 * the DER SET OF signedAttrs with the EE certificate's public key
 * (RFC 6492 3.1.2, RFC 5652 5.4). Trusts nothing else.
 */
int cms_check_signature(const struct cms_msg *msg);

/*
 * Full check of a decoded message at time `now`: cms_check_signature(),
 * then the path trust->ta_der [-> trust->intermediates] -> EE, each
 * certificate valid at now (the system clock is not used), and the CRL in
 * the message: same issuer as the EE, signed by the EE's issuer,
 * thisUpdate <= now < nextUpdate, EE serial not listed (RFC 6492 3.1.2,
 * UD-33, UD-34). Does not check the signing time against the EE validity
 * (UD-37). The path accepts RSA >= 2048 bits with SHA-256/384/512.
 */
int cms_verify(const struct cms_msg *msg, const struct cms_trust *trust, time_t now);

/*
 * When the checks of cms_verify_path() hold: from not_before to not_after,
 * both inclusive (seconds since 1970 UTC). The intersection of the
 * validity of the EE, the intermediates, the trust anchor and the CRL
 * (thisUpdate .. nextUpdate - 1).
 */
struct cms_window {
	time_t not_before;
	time_t not_after;
};

/*
 * The half of cms_verify() that does not depend on the signed content: the
 * path trust->ta_der [-> trust->intermediates] -> EE, each certificate
 * valid at now, and the CRL (same issuer as the EE, signed by it, current
 * at now, EE serial not listed). Does NOT check the message signature:
 * the caller must also call cms_check_signature(), for every message.
 * For callers that remember a passed path (keyed on the EE, CRL and trust
 * DER) and skip it until *window (if not NULL; filled on success, zeroed
 * otherwise) ends. Returns 0 or a CMS_ERR_* code.
 */
int cms_verify_path(const struct cms_msg *msg, const struct cms_trust *trust, time_t now,
                    struct cms_window *window);

/*
 * Parse a DER certificate and append it to crt (initialised by the
 * caller), accepting the extensions BPKI and RPKI certificates carry that
 * mbed TLS does not know (SKI, AKI, CRL DP, AIA/SIA, RFC 3779, policies)
 * and refusing other unknown critical extensions. Fills info if not NULL.
 * Returns 0 or CMS_ERR_CERT_PARSE.
 */
int cms_cert_parse(mbedtls_x509_crt *crt, const unsigned char *der, size_t len,
                   struct cms_cert_info *info);

/*
 * Encode and sign xml (xml_len bytes, UTF-8) as an RFC 6492 message, with
 * signing-time = signing_time (UTCTime through 2049, GeneralizedTime from
 * 2050, RFC 5652 11.3). Checks that the EE certificate fits the profile
 * (SKI and AKI present, not a CA, no RFC 3779, RSA key), that the CRL parses and
 * comes from the EE's issuer, and that the callback's signature verifies
 * with the EE key. On success *out is a malloc'd DER ContentInfo of
 * *out_len bytes; the caller frees it. Returns 0 or a CMS_ERR_* code.
 */
int cms_sign(const struct cms_signer *signer, const unsigned char *xml, size_t xml_len,
             time_t signing_time, unsigned char **out, size_t *out_len);

/*
 * A public key prepared once by the caller for checking RSA PKCS#1 v1.5
 * signatures over SHA-256 digests, so that it is not parsed and set up for
 * every message (crypto/verify.h makes one on OpenSSL's libcrypto, whose
 * RSA public operation is faster than mbed TLS's). same() says whether pk
 * (an mbed TLS key) has the key's RSA modulus and exponent; check() returns
 * 0 only when sig is a valid signature of the 32-byte digest md; sha256()
 * (may be NULL: mbed TLS's is used) computes the digests of the message
 * that go with it, returning 0. All may be called from several threads at
 * once on the same key.
 */
struct cms_key_ops {
	bool (*same)(const void *key, const mbedtls_pk_context *pk);
	int (*check)(const void *key, const unsigned char md[32], const unsigned char *sig,
	             size_t sig_len);
	int (*sha256)(const unsigned char *p, size_t len, unsigned char md[32]);
};

struct cms_key {
	const struct cms_key_ops *ops;
	const void *key;
};

/* SHA-256 of p with key's sha256 (key NULL or without one: mbed TLS's). 0 or -1. */
int cms_key_sha256(const struct cms_key *key, const unsigned char *p, size_t len,
                   unsigned char md[32]);

/*
 * cms_sign() with ee_key (NULL: as cms_sign) checking the callback's
 * signature. It is used only when it is signer->ee_der's key (ops->same);
 * otherwise the certificate's key is parsed and checks as usual, so the
 * check is always against the certificate.
 */
int cms_sign_pk(const struct cms_signer *signer, const struct cms_key *ee_key,
                const unsigned char *xml, size_t xml_len, time_t signing_time,
                unsigned char **out, size_t *out_len);

/*
 * Encode and sign an RFC 6488 signed object (manifest, ROA, ...): the same
 * SignedData as cms_sign() (version 3, digestAlgorithms { SHA-256 with
 * parameters absent, RFC 5754 2 }, sid = the EE's SKI, signed attributes
 * content-type + message-digest + signing-time, signatureAlgorithm
 * rsaEncryption with NULL parameters as RFC 7935 asks of generators, DER),
 * but with eContentType ct (ct_len content octets of the OID, at most
 * CMS_MAX_OID, e.g. id-ct-rpkiManifest 1.2.840.113549.1.9.16.1.26) over
 * econtent, and no crls (RFC 6488 2.1.5). signer->crl_der must be NULL.
 * The EE (signer->ee_der) must be an RPKI EE certificate (RFC 6488 2.1.4,
 * RFC 6487 4): not a CA, with SKI, AKI, an RSA key and RFC 3779
 * extensions (CMS_ERR_EE_RESOURCES when it has none: here the code means
 * "not a resource certificate"). The callback's signature is checked
 * against the EE key (CMS_ERR_SIGN_VERIFY). On success *out is a malloc'd
 * DER ContentInfo of *out_len bytes; the caller frees it.
 */
int cms_sign_object(const struct cms_signer *signer, const char *ct, size_t ct_len,
                    const unsigned char *econtent, size_t econtent_len, time_t signing_time,
                    unsigned char **out, size_t *out_len);

/* Static English text for a CMS_ERR_* code, citing the RFC section. */
const char *cms_strerror(int err);

/*
 * cms_check_signature() (message-digest and the RSA signature, both
 * checked) with the signature checked under ee_key, a key the caller
 * prepared from the EE certificate's and keeps (struct cms_key).
 * CMS_ERR_ARG unless ee_key is msg->ee's key (ops->same): the check is
 * still against the certificate's key.
 */
int cms_check_signature_pk(const struct cms_msg *msg, const struct cms_key *ee_key);

/*
 * A DER time value (X.690 11.7, 11.8; no fraction): tag 0x17 UTCTime
 * YYMMDDHHMMSSZ or 0x18 GeneralizedTime YYYYMMDDHHMMSSZ. With rfc5652 the
 * RFC 5652 11.3 choice holds (UTCTime for 1950..2049, GeneralizedTime
 * otherwise); without it only GeneralizedTime is taken. Returns 0,
 * CMS_ERR_SIGNING_TIME (malformed, or the other form), CMS_ERR_TIME_RANGE
 * (not a time_t) or CMS_ERR_ARG. Used for signing-time and by proto/bundle.
 */
int cms_der_time(int tag, const unsigned char *val, size_t len, bool rfc5652, time_t *out);

/* Seconds since 1970 of a time mbed TLS parsed (its fields already range-checked). */
int64_t cms_x509_seconds(const mbedtls_x509_time *t);

#endif
