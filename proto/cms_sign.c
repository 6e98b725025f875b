/*
 * RFC 6492 CMS profile: encoder (RFC 6492 3.1.1; UD-10..UD-25).
 *
 * mbed TLS 2.28 has no CMS writer; this one follows its asn1write pattern:
 * every structure is written backwards from the end of a buffer sized in
 * advance, and nothing is written below the buffer's start. The RSA
 * operation is the caller's callback (a PKCS#11 token later).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "proto/cms.h"
#include "proto/der.h"

/* Room for every header, OID, the signed attributes and version fields. */
#define SIGN_OVERHEAD 1024
/* Each signed attribute fits in this; the three together in ATTRS_MAX. */
#define ATTR_MAX   96
#define ATTRS_MAX  (3 * ATTR_MAX + 8)

#define CHK(f) do { if ((ret = (f)) < 0) goto fail; len += (size_t)ret; } while (0)

/* signing-time (RFC 5652 11.3); CMS_ERR_TIME_RANGE outside 1950..9999. */
static int
write_time(unsigned char **p, unsigned char *start, time_t t)
{
	int ret = der_write_time(p, start, t, DER_TIME_UTC_UNTIL_2049);

	return ret == MBEDTLS_ERR_ASN1_INVALID_DATA ? CMS_ERR_TIME_RANGE : ret;
}

struct attr {
	unsigned char buf[ATTR_MAX];
	unsigned char *p;         /* start of the encoding inside buf */
	size_t len;
};

/* Attribute ::= SEQUENCE { attrType, attrValues SET { value } } around a value just written. */
static int
attr_finish(struct attr *a, const char *oid, size_t oid_len, size_t vlen)
{
	size_t len = vlen;
	int ret;

	CHK(der_wrap(&a->p, a->buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	CHK(mbedtls_asn1_write_oid(&a->p, a->buf, oid, oid_len));
	CHK(der_wrap(&a->p, a->buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	a->len = len;
	return 0;
fail:
	return ret;
}

/* X.690 11.6 order: as octet strings, the shorter padded with zero octets. */
static int
attr_cmp(const struct attr *a, const struct attr *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);

	if (c != 0 || a->len == b->len)
		return c;
	/*
	 * Equal prefix: an encoding cannot be a proper prefix of another one
	 * here (both start with a SEQUENCE header giving their own lengths),
	 * so this is unreachable; order by length for completeness.
	 */
	return a->len < b->len ? -1 : 1;
}

/*
 * The DER SET OF signedAttrs (with tag 0x31), written backwards into
 * [start, *p): content-type (ct, ct_len: the eContentType OID), message-digest,
 * signing-time, sorted.
 */
static int
write_signed_attrs(unsigned char **p, unsigned char *start, const char *ct, size_t ct_len,
                   const unsigned char md[32], time_t t)
{
	struct attr a[3], *s[3], *tmp;
	size_t len = 0, vlen;
	int ret, i, j;

	/* content-type = the eContentType (3.1.1.6.4.1; RFC 6488 2.1.6.4.1) */
	a[0].p = a[0].buf + sizeof(a[0].buf);
	if ((ret = mbedtls_asn1_write_oid(&a[0].p, a[0].buf, ct, ct_len)) < 0)
		return ret;
	if ((ret = attr_finish(&a[0], CMS_OID_ATTR_CT, MBEDTLS_OID_SIZE(CMS_OID_ATTR_CT),
	    (size_t)ret)) != 0)
		return ret;
	/* message-digest (3.1.1.6.4.2) */
	a[1].p = a[1].buf + sizeof(a[1].buf);
	if ((ret = mbedtls_asn1_write_octet_string(&a[1].p, a[1].buf, md, 32)) < 0)
		return ret;
	if ((ret = attr_finish(&a[1], CMS_OID_ATTR_DIGEST,
	    MBEDTLS_OID_SIZE(CMS_OID_ATTR_DIGEST), (size_t)ret)) != 0)
		return ret;
	/* signing-time (3.1.1.6.4.3) */
	a[2].p = a[2].buf + sizeof(a[2].buf);
	if ((ret = write_time(&a[2].p, a[2].buf, t)) < 0)
		return ret;
	vlen = (size_t)ret;
	if ((ret = attr_finish(&a[2], CMS_OID_ATTR_TIME, MBEDTLS_OID_SIZE(CMS_OID_ATTR_TIME),
	    vlen)) != 0)
		return ret;

	for (i = 0; i < 3; i++)
		s[i] = &a[i];
	for (i = 1; i < 3; i++)
		for (j = i; j > 0 && attr_cmp(s[j - 1], s[j]) > 0; j--) {
			tmp = s[j];
			s[j] = s[j - 1];
			s[j - 1] = tmp;
		}
	/* Backwards: the last in order first. */
	for (i = 2; i >= 0; i--)
		CHK(mbedtls_asn1_write_raw_buffer(p, start, s[i]->p, s[i]->len));
	CHK(der_wrap(p, start, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	return (int)len;
fail:
	return ret;
}

/* Check the signer's certificate and CRL fit the profile. ee and crl are initialised. */
static int
check_signer(const struct cms_signer *signer, mbedtls_x509_crt *ee, mbedtls_x509_crl *crl,
             struct cms_cert_info *info)
{
	int rc;

	if ((rc = cms_cert_parse(ee, signer->ee_der, signer->ee_len, info)) != 0)
		return rc;
	if (ee->raw.len != signer->ee_len)
		return CMS_ERR_CERT_PARSE;          /* trailing bytes */
	if (ee->ca_istrue)
		return CMS_ERR_EE_IS_CA;            /* 3.1.1.4 */
	if (info->has_rfc3779)
		return CMS_ERR_EE_RESOURCES;        /* 3.1.1.4 */
	if (info->ski_len == 0)
		return CMS_ERR_EE_NO_SKI;           /* 3.1.1.6.2 */
	if (!info->has_aki)
		return CMS_ERR_EE_NO_AKI;           /* UD-25: peers find the issuer by it */
	if (mbedtls_pk_get_type(&ee->pk) != MBEDTLS_PK_RSA)
		return CMS_ERR_EE_KEY;              /* 3.1.1.6.5 */
	if (mbedtls_x509_crl_parse_der(crl, signer->crl_der, signer->crl_len) != 0 ||
	    crl->raw.len != signer->crl_len)
		return CMS_ERR_CRL_PARSE;
	/* 3.1.1.5: the CRL of the CA that issued the EE certificate. */
	if (crl->issuer_raw.len != ee->issuer_raw.len ||
	    memcmp(crl->issuer_raw.p, ee->issuer_raw.p, ee->issuer_raw.len) != 0)
		return CMS_ERR_CRL_ISSUER;
	return 0;
}

/*
 * The signed attributes over econtent and their signature by the callback,
 * checked against the EE key. attrs_buf holds the attributes; *attrs and
 * *attrs_len point into it. *sig is malloc'd (caller frees) on success.
 */
static int
sign_attrs(const struct cms_signer *signer, const struct cms_key *ee_key,
           mbedtls_x509_crt *ee, const char *ct,
           size_t ct_len, const unsigned char *econtent, size_t len, time_t signing_time,
           unsigned char attrs_buf[ATTRS_MAX], unsigned char **attrs, size_t *attrs_len,
           unsigned char **sig, size_t *sig_len)
{
	unsigned char md[32], *s = NULL;
	size_t sig_size, slen = 0;
	int rc, ret;

	/* signedAttrs, then the signature over their DER SET OF (RFC 5652 5.4). */
	rc = CMS_ERR_NOMEM;
	if (cms_key_sha256(ee_key, econtent, len, md) != 0)
		goto out;
	*attrs = attrs_buf + ATTRS_MAX;
	if ((ret = write_signed_attrs(attrs, attrs_buf, ct, ct_len, md, signing_time)) < 0) {
		rc = ret == CMS_ERR_TIME_RANGE ? ret : CMS_ERR_NOMEM;
		goto out;
	}
	*attrs_len = (size_t)ret;
	if (cms_key_sha256(ee_key, *attrs, *attrs_len, md) != 0)
		goto out;
	sig_size = mbedtls_pk_get_len(&ee->pk);
	if ((s = malloc(sig_size)) == NULL)
		goto out;
	rc = CMS_ERR_SIGN;
	if (signer->sign(signer->sign_ctx, *attrs, *attrs_len, md, s, sig_size, &slen) != 0 ||
	    slen == 0 || slen > sig_size)
		goto out;
	/* Catch a key that does not match the certificate before a peer does. */
	rc = CMS_ERR_SIGN_VERIFY;
	if (ee_key != NULL && ee_key->ops != NULL && ee_key->key != NULL &&
	    ee_key->ops->same(ee_key->key, &ee->pk)) {
		if (ee_key->ops->check(ee_key->key, md, s, slen) != 0)
			goto out;
	} else if (mbedtls_pk_verify(&ee->pk, MBEDTLS_MD_SHA256, md, sizeof(md), s, slen) != 0) {
		goto out;
	}
	*sig = s;
	*sig_len = slen;
	s = NULL;
	rc = 0;
out:
	free(s);
	return rc;
}

/*
 * The DER ContentInfo of a SignedData (RFC 5652 5): version 3,
 * digestAlgorithms { SHA-256 }, encapContentInfo { ct, econtent },
 * certificates [0] { the EE }, crls [1] { crl } unless crl_der is NULL,
 * one SignerInfo (version 3, sid [0] ski, SHA-256, the signed attributes,
 * rsaEncryption with NULL parameters, sig). *out is malloc'd on success.
 */
static int
encode(const struct cms_signer *signer, const unsigned char *ski, size_t ski_len,
       const char *ct, size_t ct_len, const unsigned char *econtent, size_t econtent_len,
       const unsigned char *attrs, size_t attrs_len, const unsigned char *sig, size_t sig_len,
       unsigned char **out, size_t *out_len)
{
	unsigned char *buf = NULL, *p;
	size_t size, len, si_len, crl_len = signer->crl_der != NULL ? signer->crl_len : 0;
	int rc, ret;

	rc = CMS_ERR_TOO_LARGE;
	size = econtent_len + signer->ee_len + crl_len + sig_len + attrs_len + SIGN_OVERHEAD;
	if (size > CMS_MAX_MESSAGE + SIGN_OVERHEAD)
		goto out;
	rc = CMS_ERR_NOMEM;
	if ((buf = malloc(size)) == NULL)
		goto out;
	p = buf + size;
	len = 0;

	/* SignerInfo (3.1.1.6), backwards from the signature. */
	CHK(mbedtls_asn1_write_octet_string(&p, buf, sig, sig_len));
	/* signatureAlgorithm rsaEncryption, NULL parameters (3.1.1.6.5, RFC 4055, RFC 7935). */
	CHK(mbedtls_asn1_write_algorithm_identifier(&p, buf, CMS_OID_RSA,
	    MBEDTLS_OID_SIZE(CMS_OID_RSA), 0));
	/* signedAttrs [0] IMPLICIT: the signed SET OF with its tag replaced. */
	CHK(mbedtls_asn1_write_raw_buffer(&p, buf, attrs, attrs_len));
	*p = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0;
	CHK(der_write_sha256_alg(&p, buf));                       /* 3.1.1.6.3 */
	CHK(mbedtls_asn1_write_raw_buffer(&p, buf, ski, ski_len));
	CHK(der_wrap(&p, buf, ski_len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0)); /* sid 3.1.1.6.2 */
	CHK(mbedtls_asn1_write_int(&p, buf, 3));              /* 3.1.1.6.1 */
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	si_len = len;
	CHK(der_wrap(&p, buf, si_len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));

	/* crls [1] IMPLICIT: the one CRL (3.1.1.5); absent in RFC 6488 objects (2.1.5). */
	if (signer->crl_der != NULL) {
		CHK(mbedtls_asn1_write_raw_buffer(&p, buf, signer->crl_der, signer->crl_len));
		CHK(der_wrap(&p, buf, signer->crl_len,
		    MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 1));
	}
	/* certificates [0] IMPLICIT: the one EE certificate (3.1.1.4). */
	CHK(mbedtls_asn1_write_raw_buffer(&p, buf, signer->ee_der, signer->ee_len));
	CHK(der_wrap(&p, buf, signer->ee_len,
	    MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));

	/* encapContentInfo { eContentType, [0] EXPLICIT OCTET STRING } (3.1.1.3). */
	{
		size_t start_len = len;
		CHK(mbedtls_asn1_write_octet_string(&p, buf, econtent, econtent_len));
		CHK(der_wrap(&p, buf, len - start_len,
		    MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
		CHK(mbedtls_asn1_write_oid(&p, buf, ct, ct_len));
		CHK(der_wrap(&p, buf, len - start_len,
		    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	}
	/* digestAlgorithms SET { sha256 } (3.1.1.2). */
	{
		size_t start_len = len;
		CHK(der_write_sha256_alg(&p, buf));
		CHK(der_wrap(&p, buf, len - start_len,
		    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	}
	CHK(mbedtls_asn1_write_int(&p, buf, 3));              /* 3.1.1.1 */
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	/* ContentInfo { id-signedData, [0] EXPLICIT SignedData } (3.1). */
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
	CHK(mbedtls_asn1_write_oid(&p, buf, CMS_OID_SIGNED_DATA,
	    MBEDTLS_OID_SIZE(CMS_OID_SIGNED_DATA)));
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));

	rc = CMS_ERR_TOO_LARGE;
	if (len > CMS_MAX_MESSAGE)
		goto out;
	memmove(buf, p, len);
	*out = buf;
	*out_len = len;
	buf = NULL;
	rc = 0;
	goto out;
fail:
	rc = ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? CMS_ERR_TOO_LARGE : CMS_ERR_NOMEM;
out:
	free(buf);
	return rc;
}

/*
 * Encode and sign an RFC 6492 message. See cms.h. *out is malloc'd and
 * owned by the caller on success; untouched on failure.
 */
int
cms_sign(const struct cms_signer *signer, const unsigned char *xml, size_t xml_len,
         time_t signing_time, unsigned char **out, size_t *out_len)
{
	return cms_sign_pk(signer, NULL, xml, xml_len, signing_time, out, out_len);
}

/* cms_sign() with a prepared EE key for the self-check. See cms.h. */
int
cms_sign_pk(const struct cms_signer *signer, const struct cms_key *ee_key,
            const unsigned char *xml, size_t xml_len, time_t signing_time,
            unsigned char **out, size_t *out_len)
{
	mbedtls_x509_crt ee;
	mbedtls_x509_crl crl;
	struct cms_cert_info info;
	unsigned char attrs_buf[ATTRS_MAX], *attrs = NULL, *sig = NULL;
	size_t attrs_len = 0, sig_len = 0;
	int rc;

	if (signer == NULL || signer->ee_der == NULL || signer->ee_len == 0 ||
	    signer->crl_der == NULL || signer->crl_len == 0 || signer->sign == NULL ||
	    xml == NULL || xml_len == 0 || out == NULL || out_len == NULL)
		return CMS_ERR_ARG;
	if (xml_len > CMS_MAX_MESSAGE || signer->ee_len > CMS_MAX_MESSAGE ||
	    signer->crl_len > CMS_MAX_MESSAGE)
		return CMS_ERR_TOO_LARGE;

	mbedtls_x509_crt_init(&ee);
	mbedtls_x509_crl_init(&crl);
	if ((rc = check_signer(signer, &ee, &crl, &info)) != 0)
		goto out;
	if ((rc = sign_attrs(signer, ee_key, &ee, CMS_OID_CT_XML, MBEDTLS_OID_SIZE(CMS_OID_CT_XML),
	    xml, xml_len, signing_time, attrs_buf, &attrs, &attrs_len, &sig, &sig_len)) != 0)
		goto out;
	rc = encode(signer, info.ski, info.ski_len, CMS_OID_CT_XML,
	    MBEDTLS_OID_SIZE(CMS_OID_CT_XML), xml, xml_len, attrs, attrs_len, sig, sig_len,
	    out, out_len);
out:
	free(sig);
	mbedtls_x509_crl_free(&crl);
	mbedtls_x509_crt_free(&ee);
	return rc;
}

/*
 * Encode and sign an RFC 6488 signed object. See cms.h. *out is malloc'd
 * and owned by the caller on success; untouched on failure.
 */
int
cms_sign_object(const struct cms_signer *signer, const char *ct, size_t ct_len,
                const unsigned char *econtent, size_t econtent_len, time_t signing_time,
                unsigned char **out, size_t *out_len)
{
	mbedtls_x509_crt ee;
	struct cms_cert_info info;
	unsigned char attrs_buf[ATTRS_MAX], *attrs = NULL, *sig = NULL;
	size_t attrs_len = 0, sig_len = 0;
	int rc;

	if (signer == NULL || signer->ee_der == NULL || signer->ee_len == 0 ||
	    signer->crl_der != NULL || signer->sign == NULL || ct == NULL || ct_len == 0 ||
	    econtent == NULL || econtent_len == 0 || out == NULL || out_len == NULL)
		return CMS_ERR_ARG;
	if (ct_len > CMS_MAX_OID || (ct[ct_len - 1] & 0x80) != 0)
		return CMS_ERR_ARG;                 /* not an OID's content octets */
	if (econtent_len > CMS_MAX_MESSAGE || signer->ee_len > CMS_MAX_MESSAGE)
		return CMS_ERR_TOO_LARGE;

	mbedtls_x509_crt_init(&ee);
	/* RFC 6488 2.1.4 and RFC 6487 4: one RPKI EE certificate. */
	if ((rc = cms_cert_parse(&ee, signer->ee_der, signer->ee_len, &info)) != 0)
		goto out;
	rc = CMS_ERR_CERT_PARSE;
	if (ee.raw.len != signer->ee_len)
		goto out;                           /* trailing bytes */
	rc = CMS_ERR_EE_IS_CA;
	if (ee.ca_istrue)
		goto out;
	rc = CMS_ERR_EE_RESOURCES;
	if (!info.has_rfc3779)
		goto out;                           /* not a resource certificate (RFC 6488 3) */
	rc = CMS_ERR_EE_NO_SKI;
	if (info.ski_len == 0)
		goto out;                           /* the sid (RFC 6488 2.1.6.2) */
	rc = CMS_ERR_EE_NO_AKI;
	if (!info.has_aki)
		goto out;                           /* RFC 6487 4.8.3 */
	rc = CMS_ERR_EE_KEY;
	if (mbedtls_pk_get_type(&ee.pk) != MBEDTLS_PK_RSA)
		goto out;                           /* RFC 7935 */
	if ((rc = sign_attrs(signer, NULL, &ee, ct, ct_len, econtent, econtent_len, signing_time,
	    attrs_buf, &attrs, &attrs_len, &sig, &sig_len)) != 0)
		goto out;
	rc = encode(signer, info.ski, info.ski_len, ct, ct_len, econtent, econtent_len,
	    attrs, attrs_len, sig, sig_len, out, out_len);
out:
	free(sig);
	mbedtls_x509_crt_free(&ee);
	return rc;
}
