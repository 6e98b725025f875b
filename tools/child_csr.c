/*
 * updownctl child: the PKCS#10 certificate request of an RFC 6492 issue
 * (RFC 6492 3.4.1, RFC 6487 section 6, RFC 2986).
 *
 * mbed TLS 2.28's CSR writer cannot mark an extension critical, and RFC
 * 6487 4.8.1 / 4.8.4 want BasicConstraints and KeyUsage critical, so the
 * request is written here with asn1write, backwards, and signed through
 * the signer (sha256WithRSAEncryption, RFC 7935):
 *
 *   CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo SEQUENCE {
 *       version INTEGER 0,
 *       subject Name (CN = upper-case hex SHA-1 of the key),
 *       subjectPKInfo (RSA-2048 from the signer),
 *       attributes [0] { extensionRequest { Extensions } } },
 *     signatureAlgorithm sha256WithRSAEncryption,
 *     signature BIT STRING }
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>

#include "child.h"
#include "crypto/cert.h"

#define CSR_BUF 8192

#define OID_EXT_REQ  "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e" /* 1.2.840.113549.1.9.14 */
#define OID_BC       "\x55\x1d\x13"
#define OID_KU       "\x55\x1d\x0f"
#define OID_SIA      "\x2b\x06\x01\x05\x05\x07\x01\x0b"
#define OID_AD_REPO  "\x2b\x06\x01\x05\x05\x07\x30\x05"
#define OID_AD_MFT   "\x2b\x06\x01\x05\x05\x07\x30\x0a"
#define OID_AD_NOTIFY "\x2b\x06\x01\x05\x05\x07\x30\x0d"
#define OID_CN       "\x55\x04\x03"
#define OID_SHA256_RSA "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"

/* Add the bytes written by x to len; return a negative x. */
#define W(x) do { int r_ = (x); if (r_ < 0) return r_; len += (size_t)r_; } while (0)

/* A header (length and tag) in front of len bytes already written. */
static int
hdr(unsigned char **p, unsigned char *start, size_t content, unsigned char tag)
{
	size_t len = 0;

	W(mbedtls_asn1_write_len(p, start, content));
	W(mbedtls_asn1_write_tag(p, start, tag));
	return (int)len;
}

#define SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)

/* AccessDescription { method, [6] uri } */
static int
access_desc(unsigned char **p, unsigned char *start, const char *oid, size_t oid_len,
            const char *uri)
{
	size_t len = 0;

	W(mbedtls_asn1_write_raw_buffer(p, start, (const unsigned char *)uri, strlen(uri)));
	W(hdr(p, start, len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6));
	W(mbedtls_asn1_write_oid(p, start, oid, oid_len));
	W(hdr(p, start, len, SEQ));
	return (int)len;
}

/*
 * Extension { extnID, critical, extnValue OCTET STRING } around the vlen
 * bytes of value already written; returns the bytes added here.
 */
static int
ext_wrap(unsigned char **p, unsigned char *start, size_t vlen, const char *oid,
         size_t oid_len, int critical)
{
	size_t len = 0;

	W(hdr(p, start, vlen, MBEDTLS_ASN1_OCTET_STRING));
	if (critical)
		W(mbedtls_asn1_write_bool(p, start, 1));
	W(mbedtls_asn1_write_oid(p, start, oid, oid_len));
	W(hdr(p, start, len + vlen, SEQ));
	return (int)len;
}

/* Extensions: BasicConstraints, KeyUsage, SIA (RFC 6487 6.1.1, 4.8). */
static int
extensions(unsigned char **p, unsigned char *start, const char *repo, const char *mft,
           const char *notify)
{
	size_t len = 0, v;
	unsigned char ku = 0x06; /* keyCertSign (bit 5) + cRLSign (bit 6) */

	/* SIA (RFC 6487 4.8.8.1): caRepository, rpkiManifest [, rpkiNotify]. */
	v = len;
	if (notify != NULL)
		W(access_desc(p, start, OID_AD_NOTIFY, MBEDTLS_OID_SIZE(OID_AD_NOTIFY), notify));
	W(access_desc(p, start, OID_AD_MFT, MBEDTLS_OID_SIZE(OID_AD_MFT), mft));
	W(access_desc(p, start, OID_AD_REPO, MBEDTLS_OID_SIZE(OID_AD_REPO), repo));
	W(hdr(p, start, len - v, SEQ));
	W(ext_wrap(p, start, len - v, OID_SIA, MBEDTLS_OID_SIZE(OID_SIA), 0));
	/* KeyUsage, critical (RFC 6487 4.8.4): BIT STRING 03 02 01 06. */
	v = len;
	W(mbedtls_asn1_write_bitstring(p, start, &ku, 7));
	W(ext_wrap(p, start, len - v, OID_KU, MBEDTLS_OID_SIZE(OID_KU), 1));
	/* BasicConstraints cA TRUE, critical (RFC 6487 4.8.1). */
	v = len;
	W(mbedtls_asn1_write_bool(p, start, 1));
	W(hdr(p, start, len - v, SEQ));
	W(ext_wrap(p, start, len - v, OID_BC, MBEDTLS_OID_SIZE(OID_BC), 1));
	W(hdr(p, start, len, SEQ));
	return (int)len;
}

/* certificationRequestInfo, written backwards ending at *p. */
static int
request_info(unsigned char **p, unsigned char *start, const unsigned char *spki,
             size_t spki_len, const char *cn, const char *repo, const char *mft,
             const char *notify)
{
	size_t len = 0, n;

	/* attributes [0] { SEQUENCE { extensionRequest, SET { Extensions } } } */
	W(extensions(p, start, repo, mft, notify));
	W(hdr(p, start, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	W(mbedtls_asn1_write_oid(p, start, OID_EXT_REQ, MBEDTLS_OID_SIZE(OID_EXT_REQ)));
	W(hdr(p, start, len, SEQ));
	W(hdr(p, start, len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
	W(mbedtls_asn1_write_raw_buffer(p, start, spki, spki_len));
	/* subject: SEQUENCE { SET { SEQUENCE { CN, PrintableString } } } */
	n = len;
	W(mbedtls_asn1_write_printable_string(p, start, cn, strlen(cn)));
	W(mbedtls_asn1_write_oid(p, start, OID_CN, MBEDTLS_OID_SIZE(OID_CN)));
	W(hdr(p, start, len - n, SEQ));
	W(hdr(p, start, len - n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	W(hdr(p, start, len - n, SEQ));
	W(mbedtls_asn1_write_int(p, start, 0));
	W(hdr(p, start, len, SEQ));
	return (int)len;
}

/* CertificationRequest around the signed info (cri, cri_len) and its signature. */
static int
request(unsigned char **p, unsigned char *start, const unsigned char *cri, size_t cri_len,
        const unsigned char *sig, size_t sig_len)
{
	size_t len = 0;

	W(mbedtls_asn1_write_bitstring(p, start, sig, sig_len * 8));
	W(mbedtls_asn1_write_algorithm_identifier(p, start, OID_SHA256_RSA,
	    MBEDTLS_OID_SIZE(OID_SHA256_RSA), 0));
	W(mbedtls_asn1_write_raw_buffer(p, start, cri, cri_len));
	W(hdr(p, start, len, SEQ));
	return (int)len;
}

/* See child.h. */
int
child_csr(struct signer *s, struct signer_key *key, const char *repo, const char *mft,
          const char *notify, unsigned char **der, size_t *der_len)
{
	unsigned char *buf = NULL, *out = NULL, *p, *q, *spki = NULL, ski[CERT_SKI_LEN];
	unsigned char sig[SIGNER_MAX_SIG];
	char cn[2 * CERT_SKI_LEN + 1];
	size_t spki_len, sig_len;
	int cri, n, rc = -1;

	*der = NULL;
	if ((buf = malloc(CSR_BUF)) == NULL || (out = malloc(CSR_BUF)) == NULL ||
	    signer_key_public(s, key, &spki, &spki_len) != 0 ||
	    cert_ski(spki, spki_len, ski) != 0)
		goto out;
	for (size_t i = 0; i < CERT_SKI_LEN; i++)
		snprintf(cn + 2 * i, 3, "%02X", ski[i]);
	p = buf + CSR_BUF;
	if ((cri = request_info(&p, buf, spki, spki_len, cn, repo, mft, notify)) < 0 ||
	    signer_sign(s, key, p, (size_t)cri, sig, sizeof(sig), &sig_len) != 0)
		goto out;
	q = out + CSR_BUF;
	if ((n = request(&q, out, p, (size_t)cri, sig, sig_len)) < 0)
		goto out;
	memmove(out, q, (size_t)n);
	*der = out;
	*der_len = (size_t)n;
	out = NULL;
	rc = 0;
out:
	free(out);
	free(spki);
	free(buf);
	return rc;
}
