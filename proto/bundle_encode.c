/*
 * Provisioning bundle: encoder (bundle_create, bundle_add_signature,
 * bundle_merge). See proto/include/proto/bundle.h and
 * docs/provisioning-bundle.md.
 *
 * Like proto/cms_sign.c, every structure is written backwards with mbed
 * TLS's asn1write into a buffer sized in advance, never below its start.
 * SignerInfos and certificates already in a bundle are copied as they are
 * (their signatures cover only their own signed attributes); the SETs are
 * re-sorted for DER. Every function decodes its own output before handing
 * it out, so nothing leaves here that bundle_decode() would refuse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "proto/bundle.h"
#include "proto/der.h"

/* Headers, OIDs and small fields around the variable parts. */
#define ENC_OVERHEAD   256
/* One signed attribute, and the SET of all three. */
#define ATTR_MAX       96
#define ATTRS_MAX      (3 * ATTR_MAX + 8)
/* A SignerInfo without its signature and signedAttrs. */
#define SI_OVERHEAD    (BUNDLE_MAX_SKI + 64)

#define CHK(f) do { if ((ret = (f)) < 0) goto fail; len += (size_t)ret; } while (0)

/* 1950-01-01T00:00:00Z: no earlier time in a bundle, in either form. */
#define TIME_MIN ((time_t)-631152000)

/*
 * A time in DER form: with rfc5652 the RFC 5652 11.3 choice (signing-time),
 * without always GeneralizedTime (BundleContent.created, PB 3); years
 * 1950..9999 either way, else BUNDLE_ERR_TIME_RANGE.
 */
static int
write_time(unsigned char **p, unsigned char *start, time_t t, bool rfc5652)
{
	int ret;

	if (t < TIME_MIN)
		return BUNDLE_ERR_TIME_RANGE;
	ret = der_write_time(p, start, t, rfc5652 ? DER_TIME_UTC_UNTIL_2049 :
	    DER_TIME_GENERALIZED);
	return ret == MBEDTLS_ERR_ASN1_INVALID_DATA ? BUNDLE_ERR_TIME_RANGE : ret;
}

/* X.690 11.6 order of two encodings: as octet strings, the shorter padded with 0. */
static int
slice_cmp(const void *a_, const void *b_)
{
	const struct bundle_slice *a = a_, *b = b_;
	size_t n = a->len < b->len ? a->len : b->len, i;
	int c = memcmp(a->p, b->p, n);

	if (c != 0)
		return c;
	for (i = n; i < a->len; i++)
		if (a->p[i] != 0)
			return 1;
	for (i = n; i < b->len; i++)
		if (b->p[i] != 0)
			return -1;
	return 0;
}

static bool
slice_eq(const struct bundle_slice *a, const struct bundle_slice *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Check that out decodes; free it if not. */
static int
self_check(unsigned char *out, size_t len)
{
	struct bundle b;
	int rc;

	bundle_init(&b);
	rc = bundle_decode(&b, out, len);
	bundle_free(&b);
	return rc;
}

/*
 * The DER ContentInfo of a bundle's SignedData (PB 4): version 3,
 * digestAlgorithms { SHA-256 }, encapContentInfo { id-ct-updownBundle,
 * econtent }, certificates [0] (omitted when none), signerInfos; both SETs
 * sorted. *out is malloc'd on success and has passed bundle_decode().
 */
static int
encode(const struct bundle_slice *econtent, const struct bundle_slice *certs_in, size_t ncerts,
       const struct bundle_slice *sis_in, size_t nsis, unsigned char **out, size_t *out_len)
{
	struct bundle_slice certs[BUNDLE_MAX_CERTS], sis[BUNDLE_MAX_SIGNERS];
	unsigned char *buf = NULL, *p;
	size_t size, len, start_len, i;
	int rc, ret;

	rc = BUNDLE_ERR_SIGNER_COUNT;
	if (nsis > BUNDLE_MAX_SIGNERS)
		goto out;
	rc = BUNDLE_ERR_CERTS;
	if (ncerts > BUNDLE_MAX_CERTS)
		goto out;
	size = econtent->len + ENC_OVERHEAD;
	for (i = 0; i < ncerts; i++) {
		certs[i] = certs_in[i];
		size += certs[i].len;
	}
	for (i = 0; i < nsis; i++) {
		sis[i] = sis_in[i];
		size += sis[i].len;
	}
	rc = BUNDLE_ERR_TOO_LARGE;
	if (size > BUNDLE_MAX_SIZE + ENC_OVERHEAD)
		goto out;
	qsort(certs, ncerts, sizeof(certs[0]), slice_cmp);
	qsort(sis, nsis, sizeof(sis[0]), slice_cmp);
	rc = BUNDLE_ERR_NOMEM;
	if ((buf = malloc(size)) == NULL)
		goto out;
	p = buf + size;
	len = 0;

	/* signerInfos SET OF, the last in order first. */
	for (i = nsis; i > 0; i--)
		CHK(mbedtls_asn1_write_raw_buffer(&p, buf, sis[i - 1].p, sis[i - 1].len));
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	/* certificates [0] IMPLICIT SET OF, omitted when empty. */
	if (ncerts > 0) {
		start_len = len;
		for (i = ncerts; i > 0; i--)
			CHK(mbedtls_asn1_write_raw_buffer(&p, buf, certs[i - 1].p,
			    certs[i - 1].len));
		CHK(der_wrap(&p, buf, len - start_len,
		    MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
	}
	/* encapContentInfo { eContentType, [0] EXPLICIT OCTET STRING } (RFC 5652 5.2). */
	start_len = len;
	CHK(mbedtls_asn1_write_octet_string(&p, buf, econtent->p, econtent->len));
	CHK(der_wrap(&p, buf, len - start_len,
	    MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
	CHK(mbedtls_asn1_write_oid(&p, buf, BUNDLE_OID_CT, MBEDTLS_OID_SIZE(BUNDLE_OID_CT)));
	CHK(der_wrap(&p, buf, len - start_len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	/* digestAlgorithms SET { sha256 }. */
	start_len = len;
	CHK(der_write_sha256_alg(&p, buf));
	CHK(der_wrap(&p, buf, len - start_len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	/* version 3: the eContentType is not id-data, and sids are SKIs (RFC 5652 5.1). */
	CHK(mbedtls_asn1_write_int(&p, buf, 3));
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	/* ContentInfo { id-signedData, [0] EXPLICIT SignedData } (RFC 5652 3). */
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
	CHK(mbedtls_asn1_write_oid(&p, buf, CMS_OID_SIGNED_DATA,
	    MBEDTLS_OID_SIZE(CMS_OID_SIGNED_DATA)));
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));

	memmove(buf, p, len);
	if ((rc = self_check(buf, len)) != 0)
		goto out;
	*out = buf;
	*out_len = len;
	buf = NULL;
	rc = 0;
	goto out;
fail:
	rc = ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? BUNDLE_ERR_TOO_LARGE : BUNDLE_ERR_NOMEM;
out:
	free(buf);
	return rc;
}

/*
 * BundleContent (PB 3) into a malloc'd buffer: *out points at the
 * encoding inside *buf (caller frees *buf).
 */
static int
write_content(const char *table, size_t table_len, uint64_t version, time_t created,
              const char *comment, size_t comment_len, bool force, unsigned char **buf_out,
              struct bundle_slice *out)
{
	unsigned char *buf, *p;
	size_t size = table_len + comment_len + ENC_OVERHEAD, len = 0;
	int ret;

	if ((buf = malloc(size)) == NULL)
		return BUNDLE_ERR_NOMEM;
	p = buf + size;
	CHK(mbedtls_asn1_write_octet_string(&p, buf, (const unsigned char *)table, table_len));
	if (comment_len > 0)
		CHK(mbedtls_asn1_write_tagged_string(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1,
		    comment, comment_len));
	if (force) {
		/* [0] IMPLICIT BOOLEAN TRUE; FALSE is the DEFAULT and omitted (X.690 11.5). */
		CHK(mbedtls_asn1_write_raw_buffer(&p, buf, (const unsigned char *)"\x80\x01\xff", 3));
	}
	CHK(write_time(&p, buf, created, false));
	CHK(der_write_u64(&p, buf, version));
	CHK(mbedtls_asn1_write_int(&p, buf, BUNDLE_FORMAT_VERSION));
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	*buf_out = buf;
	out->p = p;
	out->len = len;
	return 0;
fail:
	free(buf);
	if (ret == BUNDLE_ERR_TIME_RANGE)
		return ret;
	return ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? BUNDLE_ERR_TOO_LARGE : BUNDLE_ERR_NOMEM;
}

/*
 * Make an unsigned bundle. See bundle.h. *out is malloc'd and owned by the
 * caller on success; untouched on failure.
 */
int
bundle_create(const char *table, size_t len, uint64_t version, time_t created,
              const char *comment, unsigned flags, unsigned char **out, size_t *out_len,
              struct alloc_error *err)
{
	struct alloc_table t;
	struct bundle_slice content;
	unsigned char *buf = NULL;
	size_t comment_len;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (table == NULL || len == 0 || out == NULL || out_len == NULL ||
	    (flags & ~BUNDLE_F_FORCE) != 0)
		return BUNDLE_ERR_ARG;
	comment_len = comment != NULL ? strnlen(comment, BUNDLE_MAX_COMMENT + 1) : 0;
	if (len > BUNDLE_MAX_TABLE || comment_len > BUNDLE_MAX_COMMENT)
		return BUNDLE_ERR_TOO_LARGE;

	/* The table as the appliance will parse it, and its version statement. */
	alloc_table_init(&t);
	rc = alloc_parse(table, len, "bundle", &t, err);
	if (rc != 0) {
		rc = rc == ALLOC_ERR_NOMEM ? BUNDLE_ERR_NOMEM : BUNDLE_ERR_TABLE;
		goto out;
	}
	rc = BUNDLE_ERR_VERSION_MISMATCH;
	if (t.version != version)
		goto out;
	if ((rc = write_content(table, len, version, created, comment, comment_len,
	    (flags & BUNDLE_F_FORCE) != 0, &buf, &content)) != 0)
		goto out;
	rc = encode(&content, NULL, 0, NULL, 0, out, out_len);
out:
	free(buf);
	alloc_table_free(&t);
	return rc;
}

struct attr {
	unsigned char buf[ATTR_MAX];
	struct bundle_slice s;
};

/* Attribute ::= SEQUENCE { attrType, attrValues SET { value } } around a value just written. */
static int
attr_finish(struct attr *a, unsigned char *p, const char *oid, size_t oid_len, size_t vlen)
{
	size_t len = vlen;
	int ret;

	CHK(der_wrap(&p, a->buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	CHK(mbedtls_asn1_write_oid(&p, a->buf, oid, oid_len));
	CHK(der_wrap(&p, a->buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	a->s.p = p;
	a->s.len = len;
	return 0;
fail:
	return ret;
}

/*
 * The DER SET OF signedAttrs (tag 0x31) written backwards into
 * [start, *p): content-type id-ct-updownBundle, message-digest md,
 * signing-time t (RFC 5652 5.3, 11.1..11.3), in DER order.
 */
static int
write_signed_attrs(unsigned char **p, unsigned char *start, const unsigned char md[32], time_t t)
{
	struct attr a[3];
	struct bundle_slice s[3];
	unsigned char *q;
	size_t len = 0;
	int ret, i;

	q = a[0].buf + sizeof(a[0].buf);
	if ((ret = mbedtls_asn1_write_oid(&q, a[0].buf, BUNDLE_OID_CT,
	    MBEDTLS_OID_SIZE(BUNDLE_OID_CT))) < 0 ||
	    (ret = attr_finish(&a[0], q, CMS_OID_ATTR_CT, MBEDTLS_OID_SIZE(CMS_OID_ATTR_CT),
	    (size_t)ret)) != 0)
		return ret;
	q = a[1].buf + sizeof(a[1].buf);
	if ((ret = mbedtls_asn1_write_octet_string(&q, a[1].buf, md, 32)) < 0 ||
	    (ret = attr_finish(&a[1], q, CMS_OID_ATTR_DIGEST,
	    MBEDTLS_OID_SIZE(CMS_OID_ATTR_DIGEST), (size_t)ret)) != 0)
		return ret;
	q = a[2].buf + sizeof(a[2].buf);
	if ((ret = write_time(&q, a[2].buf, t, true)) < 0 ||
	    (ret = attr_finish(&a[2], q, CMS_OID_ATTR_TIME, MBEDTLS_OID_SIZE(CMS_OID_ATTR_TIME),
	    (size_t)ret)) != 0)
		return ret;
	for (i = 0; i < 3; i++)
		s[i] = a[i].s;
	qsort(s, 3, sizeof(s[0]), slice_cmp);
	for (i = 2; i >= 0; i--)
		CHK(mbedtls_asn1_write_raw_buffer(p, start, s[i].p, s[i].len));
	CHK(der_wrap(p, start, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	return (int)len;
fail:
	return ret;
}

/*
 * SignerInfo (PB 4): version 3, sid [0] ski, SHA-256, signedAttrs [0]
 * (attrs with the SET tag replaced), rsaEncryption with NULL parameters
 * (RFC 3370 3.2), sig. *out is malloc'd (caller frees *buf).
 */
static int
write_signer_info(const unsigned char *ski, size_t ski_len, const unsigned char *attrs,
                  size_t attrs_len, const unsigned char *sig, size_t sig_len,
                  unsigned char **buf_out, struct bundle_slice *out)
{
	unsigned char *buf, *p;
	size_t size = ski_len + attrs_len + sig_len + SI_OVERHEAD, len = 0;
	int ret;

	if ((buf = malloc(size)) == NULL)
		return BUNDLE_ERR_NOMEM;
	p = buf + size;
	CHK(mbedtls_asn1_write_octet_string(&p, buf, sig, sig_len));
	CHK(mbedtls_asn1_write_algorithm_identifier(&p, buf, CMS_OID_RSA,
	    MBEDTLS_OID_SIZE(CMS_OID_RSA), 0));
	CHK(mbedtls_asn1_write_raw_buffer(&p, buf, attrs, attrs_len));
	*p = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0;
	CHK(der_write_sha256_alg(&p, buf));
	CHK(mbedtls_asn1_write_raw_buffer(&p, buf, ski, ski_len));
	CHK(der_wrap(&p, buf, ski_len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0));
	CHK(mbedtls_asn1_write_int(&p, buf, 3));
	CHK(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	*buf_out = buf;
	out->p = p;
	out->len = len;
	return 0;
fail:
	free(buf);
	return ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? BUNDLE_ERR_TOO_LARGE : BUNDLE_ERR_NOMEM;
}

/*
 * The operator certificate, if any (PB 4): a certificate mbed TLS parses
 * (with the RPKI/BPKI extensions cms_cert_parse() knows), no trailing
 * bytes, whose key and subjectKeyIdentifier are the operator's.
 */
static int
check_cert(const struct bundle_signer *s, const unsigned char ski[BUNDLE_SKI_LEN])
{
	mbedtls_x509_crt crt;
	struct cms_cert_info info;
	unsigned char cski[BUNDLE_SKI_LEN];
	int rc = BUNDLE_ERR_CERT_MISMATCH;

	mbedtls_x509_crt_init(&crt);
	if (cms_cert_parse(&crt, s->cert, s->cert_len, &info) != 0 || crt.raw.len != s->cert_len)
		goto out;
	if (bundle_operator_key(crt.pk_raw.p, crt.pk_raw.len, NULL, cski) != 0 ||
	    memcmp(cski, ski, BUNDLE_SKI_LEN) != 0)
		goto out;
	if (info.ski_len != BUNDLE_SKI_LEN || memcmp(info.ski, ski, BUNDLE_SKI_LEN) != 0)
		goto out;
	rc = 0;
out:
	mbedtls_x509_crt_free(&crt);
	return rc;
}

/*
 * Add one operator's signature. See bundle.h. *out is malloc'd and owned
 * by the caller on success; untouched on failure.
 */
int
bundle_add_signature(const unsigned char *der, size_t len, const struct bundle_signer *s,
                     time_t signing_time, unsigned char **out, size_t *out_len)
{
	struct bundle b;
	mbedtls_pk_context pk;
	struct bundle_slice sis[BUNDLE_MAX_SIGNERS], certs[BUNDLE_MAX_CERTS], si;
	unsigned char ski[BUNDLE_SKI_LEN], md[32], attrs_buf[ATTRS_MAX], *attrs;
	unsigned char *sig = NULL, *si_buf = NULL;
	size_t attrs_len, sig_size, sig_len = 0, ncerts, i;
	int rc, ret;

	if (der == NULL || s == NULL || s->sign == NULL || out == NULL || out_len == NULL ||
	    (s->cert != NULL && s->cert_len == 0))
		return BUNDLE_ERR_ARG;
	bundle_init(&b);
	mbedtls_pk_init(&pk);
	if ((rc = bundle_decode(&b, der, len)) != 0)
		goto out;
	if ((rc = bundle_operator_key(s->spki, s->spki_len, &pk, ski)) != 0)
		goto out;
	rc = BUNDLE_ERR_ALREADY_SIGNED;
	for (i = 0; i < b.nsigners; i++)
		if (b.signers[i].ski_len == BUNDLE_SKI_LEN &&
		    memcmp(b.signers[i].ski, ski, BUNDLE_SKI_LEN) == 0)
			goto out;
	rc = BUNDLE_ERR_SIGNER_COUNT;
	if (b.nsigners == BUNDLE_MAX_SIGNERS)
		goto out;

	/* The certificates: those present, plus the operator's unless already there. */
	ncerts = b.ncerts;
	memcpy(certs, b.certs, ncerts * sizeof(certs[0]));
	if (s->cert != NULL) {
		struct bundle_slice c = { s->cert, s->cert_len };
		rc = BUNDLE_ERR_TOO_LARGE;
		if (s->cert_len > BUNDLE_MAX_CERT)
			goto out;
		if ((rc = check_cert(s, ski)) != 0)
			goto out;
		for (i = 0; i < ncerts; i++)
			if (slice_eq(&certs[i], &c))
				break;
		if (i == ncerts) {
			rc = BUNDLE_ERR_CERTS;
			if (ncerts == BUNDLE_MAX_CERTS)
				goto out;
			certs[ncerts++] = c;
		}
	}

	/* signedAttrs over the eContent, then their signature (RFC 5652 5.4). */
	rc = BUNDLE_ERR_NOMEM;
	if (mbedtls_sha256_ret(b.econtent.p, b.econtent.len, md, 0) != 0)
		goto out;
	attrs = attrs_buf + sizeof(attrs_buf);
	if ((ret = write_signed_attrs(&attrs, attrs_buf, md, signing_time)) < 0) {
		rc = ret == BUNDLE_ERR_TIME_RANGE ? ret : BUNDLE_ERR_NOMEM;
		goto out;
	}
	attrs_len = (size_t)ret;
	if (mbedtls_sha256_ret(attrs, attrs_len, md, 0) != 0)
		goto out;
	sig_size = mbedtls_pk_get_len(&pk);
	if ((sig = malloc(sig_size)) == NULL)
		goto out;
	rc = BUNDLE_ERR_SIGN;
	if (s->sign(s->sign_ctx, attrs, attrs_len, md, sig, sig_size, &sig_len) != 0 ||
	    sig_len == 0 || sig_len > sig_size)
		goto out;
	/* A token holding another key shows here, not on the appliance. */
	rc = BUNDLE_ERR_SIGN_VERIFY;
	if (sig_len != sig_size ||
	    mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, md, sizeof(md), sig, sig_len) != 0)
		goto out;
	if ((rc = write_signer_info(ski, sizeof(ski), attrs, attrs_len, sig, sig_len, &si_buf,
	    &si)) != 0)
		goto out;

	for (i = 0; i < b.nsigners; i++)
		sis[i] = b.signers[i].enc;
	sis[b.nsigners] = si;
	rc = encode(&b.econtent, certs, ncerts, sis, b.nsigners + 1, out, out_len);
out:
	free(si_buf);
	free(sig);
	mbedtls_pk_free(&pk);
	bundle_free(&b);
	return rc;
}

/*
 * Merge the signatures of two copies of one bundle. See bundle.h. *out is
 * malloc'd and owned by the caller on success; untouched on failure.
 */
int
bundle_merge(const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len,
             unsigned char **out, size_t *out_len)
{
	struct bundle ba, bb;
	struct bundle_slice sis[BUNDLE_MAX_SIGNERS], certs[BUNDLE_MAX_CERTS];
	size_t nsis, ncerts, i, j;
	int rc;

	if (a == NULL || b == NULL || out == NULL || out_len == NULL)
		return BUNDLE_ERR_ARG;
	bundle_init(&ba);
	bundle_init(&bb);
	if ((rc = bundle_decode(&ba, a, a_len)) != 0 || (rc = bundle_decode(&bb, b, b_len)) != 0)
		goto out;
	rc = BUNDLE_ERR_CONTENT_DIFFERS;
	if (!slice_eq(&ba.econtent, &bb.econtent))
		goto out;
	nsis = ba.nsigners;
	for (i = 0; i < nsis; i++)
		sis[i] = ba.signers[i].enc;
	for (i = 0; i < bb.nsigners; i++) {
		for (j = 0; j < ba.nsigners; j++)
			if (slice_eq(&sis[j], &bb.signers[i].enc))
				break;
		if (j < ba.nsigners)
			continue;
		rc = BUNDLE_ERR_SIGNER_COUNT;
		if (nsis == BUNDLE_MAX_SIGNERS)
			goto out;
		sis[nsis++] = bb.signers[i].enc;
	}
	ncerts = ba.ncerts;
	memcpy(certs, ba.certs, ncerts * sizeof(certs[0]));
	for (i = 0; i < bb.ncerts; i++) {
		for (j = 0; j < ba.ncerts; j++)
			if (slice_eq(&certs[j], &bb.certs[i]))
				break;
		if (j < ba.ncerts)
			continue;
		rc = BUNDLE_ERR_CERTS;
		if (ncerts == BUNDLE_MAX_CERTS)
			goto out;
		certs[ncerts++] = bb.certs[i];
	}
	rc = encode(&ba.econtent, certs, ncerts, sis, nsis, out, out_len);
out:
	bundle_free(&bb);
	bundle_free(&ba);
	return rc;
}
