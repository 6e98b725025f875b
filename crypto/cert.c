/*
 * crypto/cert: helpers shared by the certificate writers and parsers, and
 * by the CRL and manifest writers (crypto/pub): serial numbers, the SKI,
 * ASN.1 times, signing and wrapping a TBS, error texts.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/sha1.h>

#include "crypto/cert.h"
#include "proto/der.h"
#include "proto/updown.h"

/* sha256WithRSAEncryption, 1.2.840.113549.1.1.11 (RFC 7935 section 2). */
static const char OID_SHA256_RSA[] = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b";

/*
 * Serial octets of v (> 0): big-endian, minimal, with a leading 0x00 when
 * the top bit is set so that the INTEGER stays positive (RFC 5280
 * 4.1.2.2). Returns 0 or CERT_ERR_SERIAL for v == 0.
 */
int
cert_serial_from_u64(uint64_t v, unsigned char out[9], size_t *len)
{
	unsigned char tmp[9];
	size_t n = 0, i;

	if (out == NULL || len == NULL)
		return CERT_ERR_ARG;
	*len = 0;
	if (v == 0)
		return CERT_ERR_SERIAL;
	while (v != 0) {
		tmp[n++] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	if (tmp[n - 1] & 0x80)
		tmp[n++] = 0;
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	*len = n;
	return 0;
}

/*
 * The subjectPublicKey BIT STRING contents of a DER SubjectPublicKeyInfo,
 * without the unused-bits octet (which must be 0). The SPKI must be
 * exactly one SEQUENCE { SEQUENCE, BIT STRING } with no trailing bytes.
 */
static int
spki_key(const unsigned char *spki, size_t spki_len, const unsigned char **key,
         size_t *key_len)
{
	unsigned char *p = (unsigned char *)spki, *end, *seq_end;
	size_t len;

	if (spki == NULL || spki_len == 0)
		return CERT_ERR_ARG;
	end = p + spki_len;
	if (mbedtls_asn1_get_tag(&p, end, &len,
	    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 || p + len != end)
		return CERT_ERR_SPKI;
	seq_end = p + len;
	/* AlgorithmIdentifier: skipped, but must be a SEQUENCE. */
	if (mbedtls_asn1_get_tag(&p, seq_end, &len,
	    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
		return CERT_ERR_SPKI;
	p += len;
	if (mbedtls_asn1_get_tag(&p, seq_end, &len, MBEDTLS_ASN1_BIT_STRING) != 0 ||
	    p + len != seq_end || len < 2 || p[0] != 0)
		return CERT_ERR_SPKI;
	*key = p + 1;
	*key_len = len - 1;
	return 0;
}

/*
 * SKI of a DER SubjectPublicKeyInfo: SHA-1 over the subjectPublicKey BIT
 * STRING contents (RFC 6487 4.8.2, RFC 5280 4.2.1.2 method 1). Returns 0
 * or CERT_ERR_SPKI.
 */
int
cert_ski(const unsigned char *spki, size_t spki_len, unsigned char ski[CERT_SKI_LEN])
{
	const unsigned char *key;
	size_t key_len;
	int rc;

	if (ski == NULL)
		return CERT_ERR_ARG;
	if ((rc = spki_key(spki, spki_len, &key, &key_len)) != 0)
		return rc;
	if (mbedtls_sha1_ret(key, key_len, ski) != 0)
		return CERT_ERR_SPKI;
	return 0;
}

/*
 * "<gSKI>.cer" for a subject key (UD-142, UD-133). Returns 0 or
 * CERT_ERR_SPKI.
 */
int
cert_file_name(const unsigned char *spki, size_t spki_len, char out[CERT_FILE_NAME_SIZE])
{
	const unsigned char *key;
	size_t key_len;
	char gski[UD_SKI_SIZE];
	int rc;

	if (out == NULL)
		return CERT_ERR_ARG;
	out[0] = '\0';
	if ((rc = spki_key(spki, spki_len, &key, &key_len)) != 0)
		return rc;
	if (ud_ski_from_key(key, key_len, gski) != 0)
		return CERT_ERR_SPKI;
	if (strlen(gski) + 5 > CERT_FILE_NAME_SIZE)
		return CERT_ERR_SPKI;
	memcpy(out, gski, strlen(gski));
	memcpy(out + strlen(gski), ".cer", 5);
	return 0;
}

/* der_write_time in form, with this module's codes (see cert.h). */
static int
write_time(unsigned char **p, unsigned char *start, time_t t, enum der_time_form form)
{
	int ret;

	if (p == NULL || *p == NULL || start == NULL)
		return CERT_ERR_ARG;
	ret = der_write_time(p, start, t, form);
	if (ret == MBEDTLS_ERR_ASN1_INVALID_DATA)
		return CERT_ERR_VALIDITY;
	return ret < 0 ? CERT_ERR_NOMEM : ret;
}

/*
 * Write t as UTCTime (years 1950..2049) or GeneralizedTime (2050..9999),
 * RFC 5280 4.1.2.5 and 5.1.2.4: seconds always present, "Z", no fraction.
 */
int
cert_asn1_write_time(unsigned char **p, unsigned char *start, time_t t)
{
	return write_time(p, start, t, DER_TIME_UTC_UNTIL_2049);
}

/* Write t as GeneralizedTime "YYYYMMDDHHMMSSZ" (years 0..9999). */
int
cert_asn1_write_gentime(unsigned char **p, unsigned char *start, time_t t)
{
	return write_time(p, start, t, DER_TIME_GENERALIZED);
}

/*
 * Sign tbs with key (SHA-256, RSASSA-PKCS1-v1_5, through the signer: the
 * key may be in an HSM, UD-81, UD-98) and wrap it as a Certificate or
 * CertificateList (RFC 5280 4.1, 5.1). *der is malloc'd; caller frees.
 * Returns 0, CERT_ERR_SIGN (signer_last_error() has the reason) or
 * CERT_ERR_NOMEM.
 */
int
cert_sign_wrap(struct signer *s, struct signer_key *key,
               const unsigned char *tbs, size_t tbs_len,
               unsigned char **der, size_t *len)
{
	unsigned char sig[SIGNER_MAX_SIG + 1];
	unsigned char *buf = NULL, *p, *out;
	size_t sig_len = 0, size, n = 0;
	int ret, rc = CERT_ERR_NOMEM;

	if (der != NULL)
		*der = NULL;
	if (len != NULL)
		*len = 0;
	if (s == NULL || key == NULL || tbs == NULL || tbs_len == 0 ||
	    der == NULL || len == NULL)
		return CERT_ERR_ARG;
	if (signer_sign(s, key, tbs, tbs_len, sig + 1, SIGNER_MAX_SIG, &sig_len) != 0 ||
	    sig_len == 0 || sig_len > SIGNER_MAX_SIG)
		return CERT_ERR_SIGN;
	sig[0] = 0; /* unused bits */
	size = tbs_len + sig_len + 64;
	if (size < tbs_len || (buf = malloc(size)) == NULL)
		goto out;
	p = buf + size;
#define PUT(expr) do { if ((ret = (expr)) < 0) goto out; n += (size_t)ret; } while (0)
	PUT(mbedtls_asn1_write_raw_buffer(&p, buf, sig, sig_len + 1));
	PUT(mbedtls_asn1_write_len(&p, buf, sig_len + 1));
	PUT(mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_BIT_STRING));
	PUT(mbedtls_asn1_write_algorithm_identifier(&p, buf, OID_SHA256_RSA,
	    sizeof(OID_SHA256_RSA) - 1, 0));
	PUT(mbedtls_asn1_write_raw_buffer(&p, buf, tbs, tbs_len));
	PUT(mbedtls_asn1_write_len(&p, buf, n));
	PUT(mbedtls_asn1_write_tag(&p, buf,
	    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
#undef PUT
	if ((out = malloc(n)) == NULL)
		goto out;
	memcpy(out, p, n);
	*der = out;
	*len = n;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Static English text for a CERT_ERR_* code. */
const char *
cert_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case CERT_ERR_ARG: return "invalid argument";
	case CERT_ERR_NOMEM: return "out of memory";
	case CERT_ERR_SERIAL: return "serial number zero, negative, non-minimal or longer than 20 octets (RFC 6487 4.2, RFC 5280 4.1.2.2)";
	case CERT_ERR_VALIDITY: return "notBefore not before notAfter, or a time outside the encodable years (RFC 6487 4.6, RFC 5280 4.1.2.5)";
	case CERT_ERR_SPKI: return "SubjectPublicKeyInfo malformed or not RSA (RFC 6487 4.7, RFC 7935)";
	case CERT_ERR_URI: return "URI missing, of the wrong scheme, too long or with bad characters (RFC 6487 4.8.6-4.8.8)";
	case CERT_ERR_OVERCLAIM: return "resources not within the issuer's resources (RFC 6487 7.2)";
	case CERT_ERR_EMPTY: return "certificate without resources (RFC 6487 section 2, 4.8.10-11)";
	case CERT_ERR_INHERIT: return "inherit where explicit resources are required (RFC 6487 4.8.10-11)";
	case CERT_ERR_NAME: return "common name empty, too long or not a PrintableString (RFC 6487 4.4, 4.5)";
	case CERT_ERR_SIGN: return "the signer failed";
	case CERT_ERR_KEY_MISMATCH: return "the certificate's public key is not the signer key's";
	case CERT_ERR_PARSE: return "certificate malformed (RFC 5280 4.1)";
	case CERT_ERR_TOO_LARGE: return "certificate larger than CERT_MAX_DER";
	case CERT_ERR_VERSION: return "certificate is not X.509 v3 (RFC 6487 4.1)";
	case CERT_ERR_NOT_CA: return "not a CA certificate: basicConstraints absent, not critical, cA FALSE or with a pathLenConstraint (RFC 6487 4.8.1)";
	case CERT_ERR_KEY_USAGE: return "keyUsage absent, not critical or not keyCertSign+cRLSign (RFC 6487 4.8.4)";
	case CERT_ERR_SKI: return "subjectKeyIdentifier absent or not the SHA-1 of the key (RFC 6487 4.8.2)";
	case CERT_ERR_SIA: return "SIA absent or without rsync caRepository and rpkiManifest (RFC 6487 4.8.8.1)";
	case CERT_ERR_RESOURCES: return "RFC 3779 extensions absent, malformed or not critical (RFC 6487 4.8.10-11)";
	case CERT_ERR_EXTENSION: return "extension duplicated, malformed, of the wrong criticality or not allowed (RFC 6487 section 4.8)";
	case CERT_ERR_CANNOT_ISSUE: return "the issuer cannot sign this kind of certificate (no resources or SIA)";
	default: return "unknown certificate error";
	}
}
