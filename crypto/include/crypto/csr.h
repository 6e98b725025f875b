/*
 * Checking a child's certificate request: the PKCS#10 inside an RFC 6492
 * issue request (RFC 6492 section 3.4.1; RFC 6487 section 6; RFC 7935).
 *
 * csr_check() walks the DER with explicit bounds (mbed TLS asn1parse,
 * minimal lengths, no trailing bytes), applies the RPKI profile and, last,
 * verifies the self-signature (proof of possession). Every rejection is a
 * negative CSR_ERR_* code, one per reason; csr_strerror() gives a sentence
 * citing the rule, which the engine sends as the description of an RFC 6492
 * error_response with status 1203 ("request - badly formed certificate
 * request"). Codes other than CSR_ERR_ARG, CSR_ERR_NOMEM and
 * CSR_ERR_INTERNAL blame the request; those three are our own faults.
 *
 * What is accepted (checklist section G):
 *   UD-70  version 0; the signature verifies with the enclosed key.
 *   UD-71  signature sha256WithRSAEncryption; key rsaEncryption, modulus
 *          exactly 2048 bits, exponent 65537.
 *   UD-74  one attribute at most, extensionRequest (PKCS#9, single value);
 *          extensions only BasicConstraints, KeyUsage, ExtendedKeyUsage,
 *          SubjectInfoAccess, each at most once.
 *   UD-73  BasicConstraints present with cA TRUE and no pathLenConstraint
 *          (practice: up-down issues CA certificates only, so cA FALSE or
 *          no BasicConstraints, i.e. an EE request, is refused); KeyUsage,
 *          if present, exactly keyCertSign + cRLSign. An EKU is accepted
 *          (RFC 6487 6.3 allows it in a request) and reported, never copied.
 *   UD-72  SIA present with exactly one caRepository rsync URI ending in
 *          '/', exactly one rpkiManifest rsync URI not ending in '/', at
 *          most one rpkiNotify https URI; id-ad-signedObject and any other
 *          access method are refused. An access method given twice is
 *          refused too: the issued certificate copies the SIA as requested
 *          (UD-93, RFC 6487 6.1.1 lets the issuer change anything but the
 *          key and the SIA), and we copy one URI per method.
 *   UD-76  URI hygiene, see csr_check_uri().
 *   UD-75  the subject must parse but is otherwise ignored.
 *   UD-84  the SubjectPublicKeyInfo is returned bit for bit.
 */
#ifndef UPDOWN_CRYPTO_CSR_H
#define UPDOWN_CRYPTO_CSR_H

#include <stdbool.h>
#include <stddef.h>

/* Our faults (not the child's). */
#define CSR_ERR_ARG            -0x0701 /* NULL der, bad kind */
#define CSR_ERR_NOMEM          -0x0702
#define CSR_ERR_INTERNAL       -0x0703 /* hashing or key set-up failed */
/* Encoding. */
#define CSR_ERR_SIZE           -0x0704 /* empty, or over CSR_MAX_DER */
#define CSR_ERR_DER            -0x0705 /* not DER, truncated, or not a PKCS#10 structure */
#define CSR_ERR_TRAILING       -0x0706 /* bytes after the CertificationRequest */
#define CSR_ERR_VERSION        -0x0707 /* version is not 0 (v1) */
#define CSR_ERR_SUBJECT        -0x0708 /* subject is not a well-formed Name */
/* Algorithms and key (RFC 7935). */
#define CSR_ERR_KEY_ALG        -0x0709 /* key is not rsaEncryption with NULL parameters */
#define CSR_ERR_KEY            -0x070A /* RSAPublicKey malformed or unusable */
#define CSR_ERR_KEY_SIZE       -0x070B /* modulus not exactly 2048 bits */
#define CSR_ERR_KEY_EXPONENT   -0x070C /* exponent not 65537 */
#define CSR_ERR_SIG_ALG        -0x070D /* not sha256WithRSAEncryption */
#define CSR_ERR_SIGNATURE      -0x070E /* self-signature does not verify */
/* Attributes and extensions (RFC 6487 6.1.1, 6.3). */
#define CSR_ERR_ATTR_UNKNOWN   -0x070F /* an attribute other than extensionRequest */
#define CSR_ERR_ATTR_DUP       -0x0710 /* extensionRequest twice, or with two values */
#define CSR_ERR_EXT_UNKNOWN    -0x0711 /* extension outside the four allowed */
#define CSR_ERR_EXT_DUP        -0x0712 /* an extension twice */
#define CSR_ERR_EXT_VALUE      -0x0713 /* an allowed extension's value malformed */
#define CSR_ERR_BC_MISSING     -0x0714 /* no BasicConstraints: an EE request */
#define CSR_ERR_BC_NOT_CA      -0x0715 /* cA FALSE: an EE request */
#define CSR_ERR_BC_PATHLEN     -0x0716 /* pathLenConstraint present */
#define CSR_ERR_KU             -0x0717 /* KeyUsage not exactly keyCertSign + cRLSign */
/* Subject Information Access (RFC 6487 4.8.8.1, 6.3). */
#define CSR_ERR_SIA_MISSING    -0x0718 /* no SIA */
#define CSR_ERR_SIA_NO_REPO    -0x0719 /* no id-ad-caRepository */
#define CSR_ERR_SIA_NO_MFT     -0x071A /* no id-ad-rpkiManifest */
#define CSR_ERR_SIA_SIGNED_OBJ -0x071B /* id-ad-signedObject in a CA request */
#define CSR_ERR_SIA_METHOD     -0x071C /* another access method */
#define CSR_ERR_SIA_DUP        -0x071D /* an access method twice */
#define CSR_ERR_SIA_LOCATION   -0x071E /* accessLocation is not a uniformResourceIdentifier */
/* URIs (UD-76). */
#define CSR_ERR_URI_LENGTH     -0x071F /* empty or over CSR_MAX_URI */
#define CSR_ERR_URI_CHARS      -0x0720 /* whitespace, control, non-ASCII or non-URI character, bad %-escape */
#define CSR_ERR_URI_SCHEME     -0x0721 /* not absolute, wrong or upper-case scheme */
#define CSR_ERR_URI_HOST       -0x0722 /* host missing or malformed, userinfo, bad port, IP literal by policy */
#define CSR_ERR_URI_PATH       -0x0723 /* no path, query or fragment where none belongs */
#define CSR_ERR_URI_NORMAL     -0x0724 /* not normalised: "/./", "/../", "//", escaped '.' or '/' */
#define CSR_ERR_REPO_SLASH     -0x0725 /* caRepository does not end in '/' */
#define CSR_ERR_MFT_SLASH      -0x0726 /* rpkiManifest ends in '/' (names a directory) */
#define CSR_ERR_MFT_OUTSIDE    -0x0727 /* policy: manifest not directly inside caRepository */

#define CSR_MAX_DER    16384 /* bytes of a request: three maximal URIs and a 2048-bit key fit */
#define CSR_MAX_URI    2048  /* characters of one URI (UD-76, as rpki-core) */
#define CSR_SKI_LEN    20    /* SHA-1 */
#define CSR_RSA_BITS   2048  /* RFC 7935 section 3 */

/* KeyUsage bits as named in RFC 5280 4.2.1.3: bit n of the BIT STRING is 1u << n. */
#define CSR_KU_KEY_CERT_SIGN (1u << 5)
#define CSR_KU_CRL_SIGN      (1u << 6)

/* What kind of URI csr_check_uri() checks. */
enum csr_uri_kind {
	CSR_URI_REPO = 1,   /* id-ad-caRepository: rsync://, ends in '/' */
	CSR_URI_MFT = 2,    /* id-ad-rpkiManifest: rsync://, does not end in '/' */
	CSR_URI_NOTIFY = 3, /* id-ad-rpkiNotify: https:// */
};

/* Local choices beyond the RFCs; a NULL policy means all false. */
struct csr_policy {
	/* The manifest URI is caRepository plus a file name (UD-76 "consider"). */
	bool mft_in_repo;
	/* Refuse IP-literal hosts (IPv4 dotted quads, [IPv6]), as Krill does outside test mode. */
	bool host_names_only;
};

/*
 * What an accepted request asks for. Filled by csr_check(); every pointer
 * is owned by the struct and released by csr_info_free().
 */
struct csr_info {
	unsigned char *spki;       /* SubjectPublicKeyInfo DER, bit for bit as in the request (UD-84) */
	size_t spki_len;
	/* SHA-1 of the subjectPublicKey BIT STRING contents (RFC 6487 4.8.2; the gSKI's bytes). */
	unsigned char ski[CSR_SKI_LEN];
	char *ca_repository;       /* rsync URI ending in '/' (NUL-terminated) */
	char *rpki_manifest;       /* rsync URI of the manifest */
	char *rpki_notify;         /* https URI of the RRDP notification file, or NULL */
	bool bc_present;           /* always true once accepted */
	bool bc_ca;                /* always true once accepted */
	bool ku_present;
	unsigned int ku_bits;      /* CSR_KU_* bits if ku_present, else 0 */
	bool eku_present;          /* an EKU was requested (never copied, UD-90) */
};

/*
 * Check a DER PKCS#10 request of len bytes against RFC 6487 section 6 and
 * RFC 7935 (UD-70..UD-76). policy may be NULL (all false). out may be NULL
 * to check only; otherwise it is zeroed first, filled on success (caller
 * frees with csr_info_free()) and left zeroed on failure.
 * Returns 0 or a negative CSR_ERR_* code.
 */
int csr_check(const unsigned char *der, size_t len, const struct csr_policy *policy,
    struct csr_info *out);

/*
 * Check one URI of len bytes (not NUL-terminated; a NUL inside is refused)
 * for the given use (UD-72, UD-76): length 1..CSR_MAX_URI; only RFC 3986
 * characters (no whitespace, control or non-ASCII bytes), %-escapes of two
 * hex digits that decode to none of '.', '/', a control or a space; the
 * scheme exactly "rsync://" (repository, manifest) or "https://" (notify),
 * lower case; a host (letters, digits, '-', '.', or a bracketed IPv6
 * literal), no userinfo, an optional port 1..65535; a path starting with
 * '/'; no fragment, and no query in rsync URIs; no "/./", "/../", "//" or
 * final "/." or "/.." segments; the trailing-slash rule of the kind.
 * policy may be NULL. Returns 0 or a negative CSR_ERR_* code.
 */
int csr_check_uri(const char *uri, size_t len, enum csr_uri_kind kind,
    const struct csr_policy *policy);

/* Release what csr_check() stored in info and zero it. Accepts NULL. */
void csr_info_free(struct csr_info *info);

/*
 * A sentence for a CSR_ERR_* code citing the rule (RFC 6487 6.x, RFC 7935),
 * fit for the description of an RFC 6492 error_response 1203. Static
 * string; never NULL.
 */
const char *csr_strerror(int code);

#endif /* UPDOWN_CRYPTO_CSR_H */
