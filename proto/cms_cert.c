/*
 * RFC 6492 CMS profile: certificate parsing shared by the decoder, the
 * verifier and the encoder, and the error texts.
 */
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509.h>

#include "proto/cms.h"

/* Extension OIDs (content octets) that mbed TLS 2.28 does not parse. */
static const unsigned char OID_SKI[] = { 0x55, 0x1d, 0x0e };
static const unsigned char OID_AKI[] = { 0x55, 0x1d, 0x23 };
static const unsigned char OID_CRLDP[] = { 0x55, 0x1d, 0x1f };
static const unsigned char OID_FRESHEST[] = { 0x55, 0x1d, 0x2e };
static const unsigned char OID_POLICIES[] = { 0x55, 0x1d, 0x20 };
/* id-pe arc 1.3.6.1.5.5.7.1.x: AIA 1, ipAddrBlock 7, AS 8, SIA 11, v2 28/29. */
static const unsigned char OID_PE[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01 };

struct ext_ctx {
	struct cms_cert_info *info;
	int ski_seen;
	int aki_seen;
	bool bad;                /* malformed or repeated SKI/AKI */
};

static bool
oid_is(const mbedtls_x509_buf *oid, const unsigned char *v, size_t n)
{
	return oid->len == n && memcmp(oid->p, v, n) == 0;
}

/* Returns the x of id-pe.x, or -1. */
static int
oid_pe(const mbedtls_x509_buf *oid)
{
	if (oid->len != sizeof(OID_PE) + 1 || memcmp(oid->p, OID_PE, sizeof(OID_PE)) != 0)
		return -1;
	return oid->p[sizeof(OID_PE)];
}

/*
 * mbed TLS calls this for each extension it does not parse. Record SKI,
 * AKI and RFC 3779; accept the other extensions BPKI/RPKI certificates
 * carry; refuse any other critical extension (returning an error for a
 * critical extension makes the parse fail; for a non-critical one mbed TLS
 * skips it, so problems there are recorded in ctx->bad).
 */
static int
ext_cb(void *p_ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
       int critical, const unsigned char *p, const unsigned char *end)
{
	struct ext_ctx *ctx = p_ctx;
	unsigned char *q = (unsigned char *)p;
	size_t len;
	int pe;

	(void)crt;
	if (oid_is(oid, OID_SKI, sizeof(OID_SKI))) {
		/* SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING), RFC 5280 4.2.1.2 */
		if (ctx->ski_seen++ ||
		    mbedtls_asn1_get_tag(&q, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
		    q + len != end || len == 0 || len > CMS_MAX_SKI) {
			ctx->bad = true;
			return MBEDTLS_ERR_X509_INVALID_EXTENSIONS;
		}
		memcpy(ctx->info->ski, q, len);
		ctx->info->ski_len = len;
		return 0;
	}
	if (oid_is(oid, OID_AKI, sizeof(OID_AKI))) {
		/* Either encoding (keyIdentifier and/or issuer+serial) is fine (UD-34). */
		if (ctx->aki_seen++ ||
		    mbedtls_asn1_get_tag(&q, end, &len,
		    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 || q + len != end) {
			ctx->bad = true;
			return MBEDTLS_ERR_X509_INVALID_EXTENSIONS;
		}
		ctx->info->has_aki = true;
		return 0;
	}
	pe = oid_pe(oid);
	if (pe == 7 || pe == 8 || pe == 28 || pe == 29) {
		ctx->info->has_rfc3779 = true;
		return 0;
	}
	if (!critical || pe == 1 || pe == 11 ||
	    oid_is(oid, OID_CRLDP, sizeof(OID_CRLDP)) ||
	    oid_is(oid, OID_FRESHEST, sizeof(OID_FRESHEST)) ||
	    oid_is(oid, OID_POLICIES, sizeof(OID_POLICIES)))
		return 0;
	return MBEDTLS_ERR_X509_INVALID_EXTENSIONS;
}

/*
 * Parse one DER certificate onto crt with the extension policy above.
 * Returns 0 or CMS_ERR_CERT_PARSE; info (optional) is zeroed first.
 */
int
cms_cert_parse(mbedtls_x509_crt *crt, const unsigned char *der, size_t len,
               struct cms_cert_info *info)
{
	struct cms_cert_info tmp;
	struct ext_ctx ctx;

	if (crt == NULL || der == NULL || len == 0)
		return CMS_ERR_ARG;
	if (info == NULL)
		info = &tmp;
	memset(info, 0, sizeof(*info));
	memset(&ctx, 0, sizeof(ctx));
	ctx.info = info;
	if (mbedtls_x509_crt_parse_der_with_ext_cb(crt, der, len, 1, ext_cb, &ctx) != 0)
		return CMS_ERR_CERT_PARSE;
	/*
	 * A malformed or repeated SKI/AKI (even non-critical) makes the
	 * certificate unusable. The certificate stays on crt: the caller frees
	 * crt anyway on failure.
	 */
	if (ctx.bad)
		return CMS_ERR_CERT_PARSE;
	return 0;
}

/* Static English text for a CMS_ERR_* code, with the RFC section it enforces. */
const char *
cms_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case CMS_ERR_NOMEM: return "out of memory";
	case CMS_ERR_ARG: return "invalid argument";
	case CMS_ERR_TOO_LARGE: return "message larger than CMS_MAX_MESSAGE";
	case CMS_ERR_ASN1: return "malformed BER/DER encoding (RFC 5652)";
	case CMS_ERR_NOT_DER: return "message is BER, not DER (RFC 6492 3.1.2 check 1.l)";
	case CMS_ERR_TRAILING: return "bytes after the ContentInfo";
	case CMS_ERR_CONTENT_TYPE: return "ContentInfo contentType is not id-signedData (RFC 6492 3.1)";
	case CMS_ERR_SD_VERSION: return "SignedData version is not 3 (RFC 6492 3.1.1.1)";
	case CMS_ERR_DIGEST_ALGS: return "digestAlgorithms is not exactly one SHA-256 (RFC 6492 3.1.1.2)";
	case CMS_ERR_ECONTENT_TYPE: return "eContentType is not id-ct-xml (RFC 6492 3.1.1.3)";
	case CMS_ERR_NO_ECONTENT: return "eContent is absent (RFC 6492 3.1.1.3)";
	case CMS_ERR_NO_CERTS: return "certificates field absent or empty (RFC 6492 3.1.1.4)";
	case CMS_ERR_CERT_COUNT: return "more than the one EE certificate (RFC 6492 3.1.1.4, UD-14)";
	case CMS_ERR_CERT_PARSE: return "certificate cannot be parsed (RFC 6492 3.1.1.4)";
	case CMS_ERR_EE_IS_CA: return "the EE certificate is a CA certificate (RFC 6492 3.1.1.4)";
	case CMS_ERR_EE_RESOURCES: return "the EE certificate carries RFC 3779 resources where RFC 6492 3.1.1.4 forbids them, or lacks them where an RPKI signed object needs them (RFC 6487 4.8.10-11)";
	case CMS_ERR_EE_NO_SKI: return "the EE certificate has no subjectKeyIdentifier (RFC 6492 3.1.1.6.2)";
	case CMS_ERR_EE_KEY: return "the EE key is not RSA (RFC 6492 3.1.1.6.5, RFC 7935)";
	case CMS_ERR_NO_CRL: return "crls field absent or empty (RFC 6492 3.1.1.5)";
	case CMS_ERR_CRL_COUNT: return "more than one CRL (RFC 6492 3.1.1.5)";
	case CMS_ERR_CRL_PARSE: return "CRL cannot be parsed (RFC 6492 3.1.1.5)";
	case CMS_ERR_SIGNER_COUNT: return "not exactly one SignerInfo (RFC 6492 3.1.1.6)";
	case CMS_ERR_SI_VERSION: return "SignerInfo version is not 3 (RFC 6492 3.1.1.6.1)";
	case CMS_ERR_SID_TYPE: return "SignerInfo sid is not a subjectKeyIdentifier (RFC 6492 3.1.1.6.2)";
	case CMS_ERR_SID_MISMATCH: return "SignerInfo sid differs from the EE certificate's SKI (RFC 6492 3.1.1.6.2)";
	case CMS_ERR_SI_DIGEST_ALG: return "SignerInfo digestAlgorithm is not SHA-256 (RFC 6492 3.1.1.6.3)";
	case CMS_ERR_NO_SIGNED_ATTRS: return "signedAttrs absent (RFC 6492 3.1.1.6.4)";
	case CMS_ERR_ATTR_VALUES: return "signed attribute without exactly one value (RFC 6492 3.1.1.6.4)";
	case CMS_ERR_ATTR_DUPLICATE: return "signed attribute appears more than once (RFC 6492 3.1.1.6.4)";
	case CMS_ERR_ATTR_UNKNOWN: return "signed attribute not allowed by the profile (RFC 6492 3.1.1.6.4)";
	case CMS_ERR_ATTR_BST_REFUSED: return "binary-signing-time refused by local policy (RFC 6492 3.1.1.6.4.4)";
	case CMS_ERR_NO_CT_ATTR: return "content-type attribute absent (RFC 6492 3.1.1.6.4.1)";
	case CMS_ERR_CT_ATTR: return "content-type attribute differs from eContentType (RFC 6492 3.1.1.6.4.1)";
	case CMS_ERR_NO_DIGEST_ATTR: return "message-digest attribute absent (RFC 6492 3.1.1.6.4.2)";
	case CMS_ERR_DIGEST_ATTR: return "message-digest attribute malformed (RFC 6492 3.1.1.6.4.2)";
	case CMS_ERR_NO_SIGNING_TIME: return "neither signing-time nor binary-signing-time (RFC 6492 3.1.1.6.4.3)";
	case CMS_ERR_SIGNING_TIME: return "signing-time or binary-signing-time malformed (RFC 5652 11.3, RFC 6019)";
	case CMS_ERR_TIME_MISMATCH: return "signing-time and binary-signing-time differ (RFC 6492 3.1.1.6.4.4)";
	case CMS_ERR_SIG_ALG: return "signatureAlgorithm is not RSA with SHA-256 (RFC 6492 3.1.1.6.5)";
	case CMS_ERR_UNSIGNED_ATTRS: return "unsignedAttrs present (RFC 6492 3.1.1.6.7)";
	case CMS_ERR_DIGEST_MISMATCH: return "message-digest does not match the eContent (RFC 6492 3.1.2)";
	case CMS_ERR_SIGNATURE: return "signature does not verify with the EE key (RFC 6492 3.1.2)";
	case CMS_ERR_TA: return "trust anchor unparsable or not a CA certificate";
	case CMS_ERR_INTERMEDIATE: return "an intermediate certificate cannot be parsed";
	case CMS_ERR_CHAIN: return "EE certificate does not chain to the trust anchor (RFC 6492 3.1.2)";
	case CMS_ERR_EE_NOT_YET_VALID: return "EE certificate not yet valid (RFC 6492 3.1.2)";
	case CMS_ERR_EE_EXPIRED: return "EE certificate expired (RFC 6492 3.1.2)";
	case CMS_ERR_CA_EXPIRED: return "a CA certificate on the path is not valid now (RFC 6492 3.1.2)";
	case CMS_ERR_CRL_ISSUER: return "CRL not issued by the EE certificate's issuer (RFC 6492 3.1.2)";
	case CMS_ERR_CRL_SIGNATURE: return "CRL signature does not verify (RFC 6492 3.1.2)";
	case CMS_ERR_CRL_NOT_YET_VALID: return "CRL thisUpdate is in the future (RFC 6492 3.1.2)";
	case CMS_ERR_CRL_STALE: return "CRL is not current: nextUpdate passed or absent (RFC 6492 3.1.2)";
	case CMS_ERR_REVOKED: return "EE certificate is revoked by the CRL (RFC 6492 3.1.2)";
	case CMS_ERR_SIGN: return "signing callback failed";
	case CMS_ERR_SIGN_VERIFY: return "signature from the callback does not verify with the EE certificate";
	case CMS_ERR_TIME_RANGE: return "time outside 1950..9999";
	case CMS_ERR_EE_NO_AKI: return "the EE certificate has no authorityKeyIdentifier (UD-25)";
	default: return "unknown CMS error";
	}
}
