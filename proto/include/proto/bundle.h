/*
 * Provisioning bundle: an allocation table update signed by M of the N
 * operator keys registered at the key ceremony (docs/provisioning-bundle.md
 * is the format's definition).
 *
 * A bundle is a DER ContentInfo holding a CMS SignedData (RFC 5652 5):
 *
 *   version 3; digestAlgorithms { SHA-256 };
 *   encapContentInfo { id-ct-updownBundle, eContent = DER BundleContent };
 *   certificates [0]: optional, the signers' operator certificates, for
 *     generic CMS tools only (never trusted here);
 *   no crls;
 *   signerInfos: 0..BUNDLE_MAX_SIGNERS, each version 3, sid [0] SKI (SHA-1
 *     of the subjectPublicKey bits, RFC 5280 4.2.1.2 method 1), SHA-256,
 *     signed attributes content-type + message-digest + signing-time only,
 *     RSASSA-PKCS1-v1_5 with an RSA key of 2048 bits or more, no unsigned
 *     attributes.
 *
 *   id-ct-updownBundle = 2.25.240617409324191452499678204807704419211.1.1
 *   (the updown arc is the UUID OID b5053a35-4d7b-474b-836b-40f5419b1b8b,
 *   X.667; .1 content types, .1.1 this one)
 *
 *   BundleContent ::= SEQUENCE {
 *       version      INTEGER (1),              -- format version
 *       tableVersion INTEGER (0..18446744073709551615),
 *       created      GeneralizedTime,          -- YYYYMMDDHHMMSSZ
 *       force        [0] IMPLICIT BOOLEAN DEFAULT FALSE,  -- UD-104 brake
 *       comment      [1] IMPLICIT UTF8String OPTIONAL,
 *       table        OCTET STRING }            -- proto/alloc text
 *
 * A SignerInfo signs only its own signed attributes, which carry the
 * digest of the eContent, so signatures are independent: one can be added
 * (bundle_add_signature) or merged from another copy (bundle_merge)
 * without touching the others.
 *
 * Steps: updownctl calls bundle_create(), each operator bundle_add_signature()
 * (from a token through the same cms_sign_fn as proto/cms, or a key file);
 * the appliance calls bundle_decode() (structure only, no trust) and
 * bundle_verify() (signatures by registered keys, threshold, version rule,
 * then the table through alloc_parse()).
 *
 * No I/O: times are arguments, signing is a callback. Errors are negative
 * BUNDLE_ERR_* codes (range -0x0B80..-0x0BFF), 0 is success;
 * bundle_strerror() gives the reason and the section it enforces.
 */
#ifndef UPDOWN_PROTO_BUNDLE_H
#define UPDOWN_PROTO_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/pk.h>

#include "proto/alloc.h"
#include "proto/cms.h"

/* Arguments, limits and our own faults. */
#define BUNDLE_ERR_ARG             -0x0B81 /* NULL or unusable argument */
#define BUNDLE_ERR_NOMEM           -0x0B82 /* out of memory */
#define BUNDLE_ERR_TOO_LARGE       -0x0B83 /* input, table, comment or certificate over its BUNDLE_MAX_* */
/* Structure (bundle_decode). */
#define BUNDLE_ERR_ASN1            -0x0B84 /* malformed DER: truncated, bad length or tag */
#define BUNDLE_ERR_NOT_DER         -0x0B85 /* BER that is not DER (X.690 10, 11.6) */
#define BUNDLE_ERR_TRAILING        -0x0B86 /* bytes after the ContentInfo */
#define BUNDLE_ERR_CONTENT_TYPE    -0x0B87 /* contentType is not id-signedData (RFC 5652 3) */
#define BUNDLE_ERR_SD_VERSION      -0x0B88 /* SignedData version is not 3 (RFC 5652 5.1) */
#define BUNDLE_ERR_DIGEST_ALGS     -0x0B89 /* digestAlgorithms is not exactly { SHA-256 } */
#define BUNDLE_ERR_ECONTENT_TYPE   -0x0B8A /* eContentType is not id-ct-updownBundle */
#define BUNDLE_ERR_NO_ECONTENT     -0x0B8B /* eContent absent (detached) */
#define BUNDLE_ERR_CERTS           -0x0B8C /* certificates: not plain Certificates, or too many */
#define BUNDLE_ERR_CRLS            -0x0B8D /* crls present */
#define BUNDLE_ERR_SIGNER_COUNT    -0x0B8E /* more than BUNDLE_MAX_SIGNERS SignerInfos */
#define BUNDLE_ERR_SI_VERSION      -0x0B8F /* SignerInfo version is not 3 (RFC 5652 5.3) */
#define BUNDLE_ERR_SID_TYPE        -0x0B90 /* sid is not a subjectKeyIdentifier of 1..64 octets */
#define BUNDLE_ERR_SI_DIGEST_ALG   -0x0B91 /* SignerInfo digestAlgorithm is not SHA-256 */
#define BUNDLE_ERR_SIGNED_ATTRS    -0x0B92 /* signedAttrs absent, incomplete, duplicated, unknown or multi-valued */
#define BUNDLE_ERR_CT_ATTR         -0x0B93 /* content-type attribute differs from eContentType (RFC 5652 11.1) */
#define BUNDLE_ERR_SIGNING_TIME    -0x0B94 /* signing-time malformed (RFC 5652 11.3) */
#define BUNDLE_ERR_SIG_ALG         -0x0B95 /* signatureAlgorithm is not RSA PKCS#1 v1.5 */
#define BUNDLE_ERR_UNSIGNED_ATTRS  -0x0B96 /* unsignedAttrs present */
#define BUNDLE_ERR_HEADER          -0x0B97 /* BundleContent malformed */
#define BUNDLE_ERR_FORMAT_VERSION  -0x0B98 /* BundleContent version is not 1 */
#define BUNDLE_ERR_COMMENT         -0x0B99 /* comment empty, not UTF-8, or with control characters */
/* Trust (bundle_verify). */
#define BUNDLE_ERR_POLICY          -0x0B9A /* no operators, too many, threshold 0 or above N */
#define BUNDLE_ERR_OPERATOR_KEY    -0x0B9B /* an operator key is not an RSA-2048+ SubjectPublicKeyInfo */
#define BUNDLE_ERR_DIGEST_MISMATCH -0x0B9C /* a registered signer's message-digest != SHA-256(eContent) */
#define BUNDLE_ERR_SIGNATURE       -0x0B9D /* a registered signer's signature does not verify */
#define BUNDLE_ERR_THRESHOLD       -0x0B9E /* fewer than M distinct registered operators signed */
#define BUNDLE_ERR_STALE           -0x0B9F /* tableVersion not above the last applied version (replay) */
#define BUNDLE_ERR_TABLE           -0x0BA0 /* the table does not parse (alloc_parse; see table_err) */
#define BUNDLE_ERR_VERSION_MISMATCH -0x0BA1 /* tableVersion differs from the table's version statement */
/* Encoder. */
#define BUNDLE_ERR_SIGN            -0x0BA2 /* the signing callback failed */
#define BUNDLE_ERR_SIGN_VERIFY     -0x0BA3 /* the callback's signature fails the operator key: wrong key? */
#define BUNDLE_ERR_CERT_MISMATCH   -0x0BA4 /* operator certificate unparsable, or not for that key/SKI */
#define BUNDLE_ERR_ALREADY_SIGNED  -0x0BA5 /* this key has already signed the bundle */
#define BUNDLE_ERR_TIME_RANGE      -0x0BA6 /* a time outside years 1950..9999 */
#define BUNDLE_ERR_CONTENT_DIFFERS -0x0BA7 /* bundle_merge(): the two bundles carry different content */

/*
 * Bounds. BUNDLE_MAX_TABLE caps the table text (a 100,000-child table is
 * about 20 MB); BUNDLE_MAX_SIZE the whole DER input. BUNDLE_MAX_SIGNERS
 * caps SignerInfos (registered or not) and BUNDLE_MAX_CERTS certificates;
 * BUNDLE_MAX_OPERATORS the registered keys given to bundle_verify().
 */
#define BUNDLE_MAX_TABLE      (32u << 20)
#define BUNDLE_MAX_COMMENT    1024u        /* octets of UTF-8 */
#define BUNDLE_MAX_CERT       16384u       /* octets of one certificate */
#define BUNDLE_MAX_SIGNERS    16u
#define BUNDLE_MAX_CERTS      BUNDLE_MAX_SIGNERS
#define BUNDLE_MAX_OPERATORS  64u
#define BUNDLE_MAX_SKI        64u          /* sid octets (20 for our SKIs) */
#define BUNDLE_MAX_SIG        1024u        /* signature octets (RSA-8192) */
#define BUNDLE_MAX_SPKI       2048u        /* octets of an operator SubjectPublicKeyInfo */
#define BUNDLE_MAX_SIZE       (BUNDLE_MAX_TABLE + BUNDLE_MAX_COMMENT + \
	BUNDLE_MAX_CERTS * BUNDLE_MAX_CERT + BUNDLE_MAX_SIGNERS * 4096u + 4096u)
#define BUNDLE_MIN_RSA_BITS   2048u
#define BUNDLE_FORMAT_VERSION 1
#define BUNDLE_SKI_LEN        20u          /* SHA-1 */

/* id-ct-updownBundle, DER content octets (for MBEDTLS_OID_SIZE()). */
#define BUNDLE_OID_CT \
	"\x69\x82\xea\x85\x9d\x8d\xa9\xd7\xda\x9d\x97\x83\xb5\xd0\x9e\xd4\x8c\xec\xb7\x0b\x01\x01"
#define BUNDLE_OID_CT_TEXT "2.25.240617409324191452499678204807704419211.1.1"

/* bundle_create() flags. */
#define BUNDLE_F_FORCE 0x1u  /* BundleContent.force: apply past the safety brake (UD-104) */

/* A DER slice inside a struct bundle's private copy of the input. */
struct bundle_slice {
	const unsigned char *p;
	size_t len;
};

/* One SignerInfo as decoded (structure only; nothing here is verified). */
struct bundle_si {
	unsigned char ski[BUNDLE_MAX_SKI];   /* sid subjectKeyIdentifier */
	size_t ski_len;
	time_t signing_time;
	/* Private to the module. */
	struct bundle_slice enc;             /* the whole SignerInfo TLV */
	struct bundle_slice attrs;           /* signedAttrs TLV, tag [0] (hashed as SET, 0x31) */
	const unsigned char *md;             /* message-digest value, 32 octets */
	struct bundle_slice sig;             /* signature value */
};

/*
 * A decoded bundle. Value type: bundle_init() before use, bundle_free()
 * after. Every pointer points into der, a private copy of the input that
 * the struct owns, so the caller's buffer is not referenced after
 * bundle_decode() returns.
 */
struct bundle {
	uint64_t version;                    /* BundleContent.tableVersion */
	time_t created;
	bool force;
	char *comment;                       /* NULL, or malloc'd NUL-terminated UTF-8 */
	struct bundle_slice table;           /* allocation table text (not NUL-terminated) */
	size_t nsigners;
	struct bundle_si signers[BUNDLE_MAX_SIGNERS];  /* in encoding (DER SET) order */
	size_t ncerts;
	struct bundle_slice certs[BUNDLE_MAX_CERTS];   /* whole Certificate TLVs, unparsed */
	/* Private to the module. */
	unsigned char *der;
	size_t der_len;
	struct bundle_slice econtent;        /* DER BundleContent (what message-digest covers) */
};

/* A registered operator key: DER SubjectPublicKeyInfo, RSA of 2048 bits or more. */
struct bundle_operator {
	const unsigned char *spki;
	size_t spki_len;
};

/*
 * One operator signing: the operator's key (DER SubjectPublicKeyInfo, as
 * registered on the appliance), optionally the operator certificate for
 * that key made at the key ceremony (DER, with a subjectKeyIdentifier equal
 * to the key's SHA-1 SKI; included so that `openssl cms -verify` finds the
 * signer; NULL for none), and the signing callback for the key (see
 * cms_sign_fn in proto/cms.h: tbs is the DER SET OF signedAttrs).
 */
struct bundle_signer {
	const unsigned char *spki;
	size_t spki_len;
	const unsigned char *cert;
	size_t cert_len;
	cms_sign_fn sign;
	void *sign_ctx;
};

/* What bundle_verify() made of one SignerInfo. */
enum bundle_sig_status {
	BUNDLE_SIG_UNCHECKED = 0,  /* not examined (verification stopped earlier) */
	BUNDLE_SIG_VALID,          /* registered key, digest and signature good: counted */
	BUNDLE_SIG_DUPLICATE,      /* valid, but this operator was already counted */
	BUNDLE_SIG_UNKNOWN,        /* sid is no registered key: ignored, not checked */
	BUNDLE_SIG_BAD_DIGEST,     /* registered key, message-digest wrong: bundle refused */
	BUNDLE_SIG_BAD,            /* registered key, signature wrong: bundle refused */
};

struct bundle_sig {
	enum bundle_sig_status status;
	size_t op;                 /* index into the operators given, unless UNKNOWN/UNCHECKED */
	unsigned char ski[BUNDLE_MAX_SKI];
	size_t ski_len;
	time_t signing_time;
};

/*
 * bundle_verify()'s findings. Value type: bundle_result_init() before use,
 * bundle_result_free() after. Filled as far as verification got, also on
 * failure, so that the operator can be told who signed; table only on
 * success.
 */
struct bundle_result {
	size_t nsigs;
	struct bundle_sig sigs[BUNDLE_MAX_SIGNERS];   /* one per SignerInfo, bundle order */
	size_t valid_operators;    /* distinct registered operators with a valid signature */
	size_t unknown;            /* SignerInfos from unregistered keys */
	size_t bad;                /* SignerInfos from registered keys that failed */
	uint64_t version;          /* BundleContent.tableVersion */
	bool force;
	unsigned char table_sha256[32];  /* SHA-256 of the table text (for the audit record) */
	struct alloc_table table;  /* the parsed table, on success */
	struct alloc_error table_err;    /* with BUNDLE_ERR_TABLE: "bundle:LINE: ..." */
};

void bundle_init(struct bundle *b);
void bundle_free(struct bundle *b);              /* accepts NULL; leaves b initialised */
void bundle_result_init(struct bundle_result *r);
void bundle_result_free(struct bundle_result *r);/* accepts NULL; leaves r initialised */

/*
 * Make an unsigned bundle (no SignerInfos) for len bytes of allocation
 * table text: BundleContent { 1, version, created, flags & BUNDLE_F_FORCE,
 * comment (NULL or "" for none), table }. The table must parse
 * (alloc_parse, source name "bundle"; err, if not NULL, holds its first
 * error) and its version statement must equal version, so that a mistake
 * shows before anyone signs. On success *out is a malloc'd DER bundle of
 * *out_len bytes (caller frees).
 */
int bundle_create(const char *table, size_t len, uint64_t version, time_t created,
                  const char *comment, unsigned flags, unsigned char **out, size_t *out_len,
                  struct alloc_error *err);

/*
 * Add one operator's SignerInfo (and certificate, if given) to the bundle
 * in der/len, signed at signing_time; the other SignerInfos are copied
 * unchanged. Refuses a key that already signed (BUNDLE_ERR_ALREADY_SIGNED),
 * an operator key that is not RSA-2048+, a certificate not for the key,
 * and a callback whose signature the key does not verify. On success *out
 * is a malloc'd DER bundle of *out_len bytes (caller frees).
 */
int bundle_add_signature(const unsigned char *der, size_t len, const struct bundle_signer *s,
                         time_t signing_time, unsigned char **out, size_t *out_len);

/*
 * Combine the signatures of two copies of one bundle signed apart (air
 * gap): same eContent, else BUNDLE_ERR_CONTENT_DIFFERS. SignerInfos and
 * certificates are united, identical encodings kept once; two different
 * SignerInfos from one key are both kept (bundle_verify() counts the
 * operator once). *out is malloc'd (caller frees).
 */
int bundle_merge(const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len,
                 unsigned char **out, size_t *out_len);

/*
 * Decode len bytes of a bundle: DER only, every structural rule above and
 * the BundleContent, with bounded counts and sizes. No signature, trust or
 * table check. b must be initialised (previous content is freed); on
 * failure it is empty.
 */
int bundle_decode(struct bundle *b, const unsigned char *der, size_t len);

/*
 * Decide whether the appliance may apply a decoded bundle. In this order:
 * - the policy: 1 <= threshold <= the number of distinct keys among ops
 *   (n_ops <= BUNDLE_MAX_OPERATORS; each an RSA-2048+ SPKI; the same key
 *   registered twice counts once);
 * - every SignerInfo whose sid is a registered key's SKI: message-digest =
 *   SHA-256(eContent) and the signature with that key. One failure refuses
 *   the whole bundle (BUNDLE_ERR_DIGEST_MISMATCH / BUNDLE_ERR_SIGNATURE),
 *   as it shows tampering or a broken token. Other SignerInfos are unknown
 *   signers: ignored, counted in r->unknown;
 * - at least threshold distinct registered operators signed
 *   (BUNDLE_ERR_THRESHOLD);
 * - tableVersion > *last_applied (BUNDLE_ERR_STALE); last_applied NULL
 *   means no table was ever applied;
 * - the table parses (alloc_parse, source "bundle": r->table_err says
 *   "bundle:LINE: ...") and its version equals tableVersion.
 * r must be initialised (bundle_result_init()); its previous content is
 * freed. On success r->table holds the table (free with
 * bundle_result_free()). Only text signed by M operators reaches the
 * table parser. The table is not validated against holdings or the clock:
 * that is alloc_validate()'s job, with the appliance's state.
 */
int bundle_verify(const struct bundle *b, const struct bundle_operator *ops, size_t n_ops,
                  unsigned threshold, const uint64_t *last_applied, struct bundle_result *r);

/*
 * Check an operator key (for the appliance's configuration and the key
 * ceremony as much as for this module): len bytes of DER
 * SubjectPublicKeyInfo, no trailing bytes, RSA with a modulus of 2048 to
 * 8192 bits. Writes its SubjectKeyIdentifier, the SHA-1 of the
 * subjectPublicKey bits (RFC 5280 4.2.1.2 method 1), to ski if not NULL,
 * and parses the key into pk if not NULL (initialised by the caller, who
 * frees it in any case). Returns 0 or BUNDLE_ERR_OPERATOR_KEY.
 */
int bundle_operator_key(const unsigned char *spki, size_t len, mbedtls_pk_context *pk,
                        unsigned char ski[BUNDLE_SKI_LEN]);

/* Static English text for a BUNDLE_ERR_* code, citing the rule it enforces. */
const char *bundle_strerror(int err);

#endif
