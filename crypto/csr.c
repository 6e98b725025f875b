/*
 * RFC 6487 section 6 certificate requests: a DER walk over the PKCS#10
 * (RFC 2986) with pointer/end pairs, the RPKI profile (RFC 6487 6.1.1, 6.3;
 * RFC 7935 sections 2 and 3), then the proof of possession. See csr.h.
 *
 *   CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo SEQUENCE {
 *       version INTEGER (0), subject Name, subjectPKInfo SubjectPublicKeyInfo,
 *       attributes [0] IMPLICIT SET OF Attribute },
 *     signatureAlgorithm AlgorithmIdentifier,
 *     signature BIT STRING }
 *
 * Checks run in the order of the encoding and stop at the first failure;
 * the signature is verified last, so the reason a child gets for a request
 * with several faults is the first one in the bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>

#include "crypto/csr.h"

/* id-pe-subjectInfoAccess (RFC 5280 4.2.2.2) and the RPKI access methods. */
#define OID_SIA          MBEDTLS_OID_PKIX "\x01\x0b"
#define OID_AD_CA_REPO   MBEDTLS_OID_PKIX "\x30\x05" /* RFC 5280 */
#define OID_AD_MANIFEST  MBEDTLS_OID_PKIX "\x30\x0a" /* RFC 6487 */
#define OID_AD_SIGNEDOBJ MBEDTLS_OID_PKIX "\x30\x0b" /* RFC 6487 */
#define OID_AD_NOTIFY    MBEDTLS_OID_PKIX "\x30\x0d" /* RFC 8182 */

#define TAG_SEQ      (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_SET      (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET)
#define TAG_ATTRS    (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)
#define TAG_URI      (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6) /* GeneralName [6] IA5String */

#define CSR_RSA_BYTES (CSR_RSA_BITS / 8)

/* The SIA as found, pointing into the request. */
struct sia {
	const unsigned char *uri[3]; /* repo, manifest, notify */
	size_t len[3];
};

/* Everything a walk collects before the result is copied out. */
struct walk {
	const struct csr_policy *policy;
	const unsigned char *cri;  /* CertificationRequestInfo TLV, for the hash */
	size_t cri_len;
	const unsigned char *spki; /* SubjectPublicKeyInfo TLV */
	size_t spki_len;
	const unsigned char *pub;  /* subjectPublicKey BIT STRING contents after the unused-bits octet */
	size_t pub_len;
	const unsigned char *sig;
	size_t sig_len;
	bool have_ext_req;
	bool bc, ku, eku, sia_present;
	unsigned int ku_bits;
	struct sia sia;
};

/*
 * Read a TLV header with tag `tag` from [*p, end): on success *p is at the
 * contents and *len their length, which fits before end. DER: the length
 * must be in its shortest form (X.690 10.1).
 */
static int
der_tag(const unsigned char **p, const unsigned char *end, int tag, size_t *len)
{
	unsigned char *q = (unsigned char *)*p;
	size_t hdr, want;

	if (mbedtls_asn1_get_tag(&q, end, len, tag) != 0)
		return CSR_ERR_DER;
	hdr = (size_t)(q - *p);
	want = 2;
	if (*len >= 0x80)
		want++;
	if (*len >= 0x100)
		want++;
	if (*len >= 0x10000)
		want++;
	if (*len >= 0x1000000)
		want++;
	if (hdr != want)
		return CSR_ERR_DER;
	*p = q;
	return 0;
}

/* Read any single TLV (low tag numbers only) from [*p, end) and step over it. */
static int
der_skip(const unsigned char **p, const unsigned char *end)
{
	size_t len;

	if (*p >= end || (**p & 0x1f) == 0x1f)
		return CSR_ERR_DER;
	if (der_tag(p, end, **p, &len) != 0)
		return CSR_ERR_DER;
	*p += len;
	return 0;
}

/* An OBJECT IDENTIFIER's contents; a non-empty one. */
static int
der_oid(const unsigned char **p, const unsigned char *end, const unsigned char **oid,
    size_t *len)
{
	if (der_tag(p, end, MBEDTLS_ASN1_OID, len) != 0 || *len == 0)
		return CSR_ERR_DER;
	*oid = *p;
	*p += *len;
	return 0;
}

#define OID_IS(o, n, name) \
	((n) == sizeof(name) - 1 && memcmp((o), (name), sizeof(name) - 1) == 0)

/* A DER BOOLEAN: one octet, 0x00 or 0xFF (X.690 11.1). */
static int
der_bool(const unsigned char **p, const unsigned char *end, bool *v)
{
	size_t len;

	if (der_tag(p, end, MBEDTLS_ASN1_BOOLEAN, &len) != 0 || len != 1 ||
	    (**p != 0x00 && **p != 0xff))
		return CSR_ERR_DER;
	*v = **p == 0xff;
	(*p)++;
	return 0;
}

/*
 * Name ::= SEQUENCE OF RelativeDistinguishedName (SET SIZE (1..MAX) OF
 * SEQUENCE { type OID, value ANY }). Only its shape is checked: the issuer
 * picks the subject (UD-75, RFC 6487 4.5).
 */
static int
parse_name(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *nend, *send, *aend, *oid;
	size_t len, olen;

	if (der_tag(p, end, TAG_SEQ, &len) != 0)
		return CSR_ERR_DER;
	nend = *p + len;
	while (*p < nend) {
		if (der_tag(p, nend, TAG_SET, &len) != 0 || len == 0)
			return CSR_ERR_SUBJECT;
		send = *p + len;
		while (*p < send) {
			if (der_tag(p, send, TAG_SEQ, &len) != 0)
				return CSR_ERR_SUBJECT;
			aend = *p + len;
			if (der_oid(p, aend, &oid, &olen) != 0 || der_skip(p, aend) != 0 ||
			    *p != aend)
				return CSR_ERR_SUBJECT;
		}
	}
	return 0;
}

/*
 * A DER INTEGER's magnitude: strips the one 0x00 that keeps a value with
 * its top bit set positive. Negative values and non-minimal encodings fail.
 */
static int
der_uint(const unsigned char **p, const unsigned char *end, const unsigned char **v,
    size_t *n)
{
	size_t len;

	if (der_tag(p, end, MBEDTLS_ASN1_INTEGER, &len) != 0 || len == 0)
		return CSR_ERR_DER;
	*v = *p;
	*n = len;
	*p += len;
	if ((*v)[0] & 0x80)
		return CSR_ERR_DER; /* negative */
	if ((*v)[0] == 0x00 && len > 1) {
		if (((*v)[1] & 0x80) == 0)
			return CSR_ERR_DER; /* not minimal */
		(*v)++;
		(*n)--;
	}
	return 0;
}

/*
 * SubjectPublicKeyInfo: rsaEncryption with NULL parameters and an
 * RSAPublicKey whose modulus has exactly 2048 bits and whose exponent is
 * 65537 (RFC 7935 section 3; RFC 4055 1.2 for the NULL).
 */
static int
parse_spki(const unsigned char **p, const unsigned char *end, struct walk *w)
{
	const unsigned char *send, *aend, *oid, *kend, *n, *e;
	size_t len, olen, nlen, elen;

	w->spki = *p;
	if (der_tag(p, end, TAG_SEQ, &len) != 0)
		return CSR_ERR_DER;
	send = *p + len;
	w->spki_len = (size_t)(send - w->spki);
	if (der_tag(p, send, TAG_SEQ, &len) != 0)
		return CSR_ERR_DER;
	aend = *p + len;
	if (der_oid(p, aend, &oid, &olen) != 0)
		return CSR_ERR_DER;
	if (!OID_IS(oid, olen, MBEDTLS_OID_PKCS1_RSA))
		return CSR_ERR_KEY_ALG;
	if (der_tag(p, aend, MBEDTLS_ASN1_NULL, &len) != 0 || len != 0 || *p != aend)
		return CSR_ERR_KEY_ALG;
	if (der_tag(p, send, MBEDTLS_ASN1_BIT_STRING, &len) != 0 || len < 1 ||
	    *p + len != send)
		return CSR_ERR_DER;
	if (**p != 0)
		return CSR_ERR_KEY; /* unused bits in a DER structure */
	w->pub = *p + 1;
	w->pub_len = len - 1;
	*p = send;

	/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
	{
		const unsigned char *k = w->pub;

		kend = w->pub + w->pub_len;
		if (der_tag(&k, kend, TAG_SEQ, &len) != 0 || k + len != kend)
			return CSR_ERR_KEY;
		if (der_uint(&k, kend, &n, &nlen) != 0 || der_uint(&k, kend, &e, &elen) != 0 ||
		    k != kend)
			return CSR_ERR_KEY;
	}
	if (nlen != CSR_RSA_BYTES || (n[0] & 0x80) == 0)
		return CSR_ERR_KEY_SIZE;
	if (elen != 3 || e[0] != 0x01 || e[1] != 0x00 || e[2] != 0x01)
		return CSR_ERR_KEY_EXPONENT;
	return 0;
}

/* BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
static int
ext_bc(const unsigned char *p, const unsigned char *end)
{
	size_t len;
	bool ca = false;

	if (der_tag(&p, end, TAG_SEQ, &len) != 0 || p + len != end)
		return CSR_ERR_EXT_VALUE;
	if (p < end && *p == MBEDTLS_ASN1_BOOLEAN) {
		if (der_bool(&p, end, &ca) != 0)
			return CSR_ERR_EXT_VALUE;
		if (!ca)
			return CSR_ERR_BC_NOT_CA; /* an explicit FALSE; still an EE request */
	}
	if (p < end) {
		if (der_tag(&p, end, MBEDTLS_ASN1_INTEGER, &len) != 0 || len == 0 ||
		    p + len != end)
			return CSR_ERR_EXT_VALUE;
		if (!ca)
			return CSR_ERR_BC_NOT_CA;
		return CSR_ERR_BC_PATHLEN;
	}
	return ca ? 0 : CSR_ERR_BC_NOT_CA;
}

/*
 * KeyUsage ::= BIT STRING, named bits, DER (trailing zero bits dropped, X.690
 * 11.2.2). Exactly keyCertSign + cRLSign, whose only DER form is 03 02 01 06.
 */
static int
ext_ku(const unsigned char *p, const unsigned char *end, unsigned int *bits)
{
	size_t len, i;
	unsigned int unused;

	if (der_tag(&p, end, MBEDTLS_ASN1_BIT_STRING, &len) != 0 || p + len != end ||
	    len < 1 || len > 3)
		return CSR_ERR_EXT_VALUE;
	unused = p[0];
	if (unused > 7 || (len == 1 && unused != 0))
		return CSR_ERR_EXT_VALUE;
	/* Bit n of the string is the (n % 8)-th most significant bit of octet n / 8. */
	*bits = 0;
	for (i = 0; i < 8 * (len - 1) - unused; i++)
		if (p[1 + i / 8] & (0x80u >> (i % 8)))
			*bits |= 1u << i;
	if (*bits != (CSR_KU_KEY_CERT_SIGN | CSR_KU_CRL_SIGN))
		return CSR_ERR_KU;
	if (len != 2 || unused != 1)
		return CSR_ERR_EXT_VALUE; /* the right bits, not in DER */
	return 0;
}

/* ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (OID) */
static int
ext_eku(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *oid;
	size_t len, olen;

	if (der_tag(&p, end, TAG_SEQ, &len) != 0 || p + len != end || len == 0)
		return CSR_ERR_EXT_VALUE;
	while (p < end)
		if (der_oid(&p, end, &oid, &olen) != 0)
			return CSR_ERR_EXT_VALUE;
	return 0;
}

/*
 * SubjectInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF AccessDescription
 * { accessMethod OID, accessLocation GeneralName } (RFC 5280 4.2.2.2;
 * RFC 6487 4.8.8.1, 6.3; UD-72, UD-76).
 */
static int
ext_sia(const unsigned char *p, const unsigned char *end, struct walk *w)
{
	const unsigned char *aend, *oid;
	size_t len, olen;
	int slot, rc;
	enum csr_uri_kind kind;

	if (der_tag(&p, end, TAG_SEQ, &len) != 0 || p + len != end || len == 0)
		return CSR_ERR_EXT_VALUE;
	/* Each entry is a new allowed method or an error: at most 3 are walked. */
	while (p < end) {
		if (der_tag(&p, end, TAG_SEQ, &len) != 0)
			return CSR_ERR_EXT_VALUE;
		aend = p + len;
		if (der_oid(&p, aend, &oid, &olen) != 0)
			return CSR_ERR_EXT_VALUE;
		if (OID_IS(oid, olen, OID_AD_CA_REPO)) {
			slot = 0;
			kind = CSR_URI_REPO;
		} else if (OID_IS(oid, olen, OID_AD_MANIFEST)) {
			slot = 1;
			kind = CSR_URI_MFT;
		} else if (OID_IS(oid, olen, OID_AD_NOTIFY)) {
			slot = 2;
			kind = CSR_URI_NOTIFY;
		} else if (OID_IS(oid, olen, OID_AD_SIGNEDOBJ)) {
			return CSR_ERR_SIA_SIGNED_OBJ;
		} else {
			return CSR_ERR_SIA_METHOD;
		}
		if (p >= aend)
			return CSR_ERR_EXT_VALUE;
		if (*p != TAG_URI) {
			if (der_skip(&p, aend) != 0 || p != aend)
				return CSR_ERR_EXT_VALUE;
			return CSR_ERR_SIA_LOCATION;
		}
		if (der_tag(&p, aend, TAG_URI, &len) != 0 || p + len != aend)
			return CSR_ERR_EXT_VALUE;
		if (w->sia.uri[slot] != NULL)
			return CSR_ERR_SIA_DUP;
		if ((rc = csr_check_uri((const char *)p, len, kind, w->policy)) != 0)
			return rc;
		w->sia.uri[slot] = p;
		w->sia.len[slot] = len;
		p = aend;
	}
	if (w->sia.uri[0] == NULL)
		return CSR_ERR_SIA_NO_REPO;
	if (w->sia.uri[1] == NULL)
		return CSR_ERR_SIA_NO_MFT;
	if (w->policy != NULL && w->policy->mft_in_repo) {
		size_t rl = w->sia.len[0], ml = w->sia.len[1];

		if (ml <= rl || memcmp(w->sia.uri[0], w->sia.uri[1], rl) != 0 ||
		    memchr(w->sia.uri[1] + rl, '/', ml - rl) != NULL)
			return CSR_ERR_MFT_OUTSIDE;
	}
	return 0;
}

/*
 * Extensions ::= SEQUENCE OF Extension { extnID OID, critical BOOLEAN
 * DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 4.1; RFC 6487 6.3,
 * UD-73, UD-74). Criticality is taken as given: the issuer sets its own.
 */
static int
parse_extensions(const unsigned char **p, const unsigned char *end, struct walk *w)
{
	const unsigned char *xend, *eend, *oid, *v;
	size_t len, olen, vlen;
	bool crit;
	int rc;

	if (der_tag(p, end, TAG_SEQ, &len) != 0 || *p + len != end)
		return CSR_ERR_DER;
	xend = end;
	/* Each entry is a new allowed extension or an error: at most 4 are walked. */
	while (*p < xend) {
		if (der_tag(p, xend, TAG_SEQ, &len) != 0)
			return CSR_ERR_DER;
		eend = *p + len;
		if (der_oid(p, eend, &oid, &olen) != 0)
			return CSR_ERR_DER;
		if (*p < eend && **p == MBEDTLS_ASN1_BOOLEAN) {
			if (der_bool(p, eend, &crit) != 0 || !crit)
				return CSR_ERR_DER; /* DEFAULT FALSE is never encoded (X.690 11.5) */
		}
		if (der_tag(p, eend, MBEDTLS_ASN1_OCTET_STRING, &vlen) != 0 ||
		    *p + vlen != eend)
			return CSR_ERR_DER;
		v = *p;
		*p = eend;

		if (OID_IS(oid, olen, MBEDTLS_OID_BASIC_CONSTRAINTS)) {
			if (w->bc)
				return CSR_ERR_EXT_DUP;
			w->bc = true;
			rc = ext_bc(v, eend);
		} else if (OID_IS(oid, olen, MBEDTLS_OID_KEY_USAGE)) {
			if (w->ku)
				return CSR_ERR_EXT_DUP;
			w->ku = true;
			rc = ext_ku(v, eend, &w->ku_bits);
		} else if (OID_IS(oid, olen, MBEDTLS_OID_EXTENDED_KEY_USAGE)) {
			if (w->eku)
				return CSR_ERR_EXT_DUP;
			w->eku = true;
			rc = ext_eku(v, eend);
		} else if (OID_IS(oid, olen, OID_SIA)) {
			if (w->sia_present)
				return CSR_ERR_EXT_DUP;
			w->sia_present = true;
			rc = ext_sia(v, eend, w);
		} else {
			return CSR_ERR_EXT_UNKNOWN;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * attributes [0] IMPLICIT SET OF Attribute { type OID, values SET OF ANY }:
 * only extensionRequest (PKCS#9, RFC 2985 5.4.2), once, with one value
 * (RFC 6487 6.1.1; UD-74).
 */
static int
parse_attributes(const unsigned char **p, const unsigned char *end, struct walk *w)
{
	const unsigned char *aend, *vend, *oid;
	size_t len, olen;
	int rc;

	if (der_tag(p, end, TAG_ATTRS, &len) != 0 || *p + len != end)
		return CSR_ERR_DER;
	while (*p < end) {
		if (der_tag(p, end, TAG_SEQ, &len) != 0)
			return CSR_ERR_DER;
		aend = *p + len;
		if (der_oid(p, aend, &oid, &olen) != 0)
			return CSR_ERR_DER;
		if (der_tag(p, aend, TAG_SET, &len) != 0 || *p + len != aend || len == 0)
			return CSR_ERR_DER;
		vend = aend;
		if (!OID_IS(oid, olen, MBEDTLS_OID_PKCS9_CSR_EXT_REQ))
			return CSR_ERR_ATTR_UNKNOWN;
		if (w->have_ext_req)
			return CSR_ERR_ATTR_DUP;
		w->have_ext_req = true;
		{
			const unsigned char *q = *p;

			/* The one value's extent; a second value is a second request. */
			if (der_skip(&q, vend) != 0)
				return CSR_ERR_DER;
			if (q != vend)
				return CSR_ERR_ATTR_DUP;
			if ((rc = parse_extensions(p, vend, w)) != 0)
				return rc;
		}
	}
	return 0;
}

/* sha256WithRSAEncryption, parameters NULL or absent (RFC 7935 section 2; RFC 4055 5). */
static int
parse_sig_alg(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *aend, *oid;
	size_t len, olen;

	if (der_tag(p, end, TAG_SEQ, &len) != 0)
		return CSR_ERR_DER;
	aend = *p + len;
	if (der_oid(p, aend, &oid, &olen) != 0)
		return CSR_ERR_DER;
	if (!OID_IS(oid, olen, MBEDTLS_OID_PKCS1_SHA256))
		return CSR_ERR_SIG_ALG;
	if (*p < aend &&
	    (der_tag(p, aend, MBEDTLS_ASN1_NULL, &len) != 0 || len != 0))
		return CSR_ERR_SIG_ALG;
	if (*p != aend)
		return CSR_ERR_SIG_ALG;
	return 0;
}

/* Proof of possession (UD-70): the signature over the CRI verifies with its key. */
static int
verify(const struct walk *w)
{
	mbedtls_pk_context pk;
	unsigned char hash[32];
	unsigned char *q = (unsigned char *)w->spki;
	int rc = CSR_ERR_SIGNATURE;

	mbedtls_pk_init(&pk);
	if (mbedtls_pk_parse_subpubkey(&q, q + w->spki_len, &pk) != 0) {
		rc = CSR_ERR_KEY;
		goto out;
	}
	if (mbedtls_sha256_ret(w->cri, w->cri_len, hash, 0) != 0) {
		rc = CSR_ERR_INTERNAL;
		goto out;
	}
	if (w->sig_len != CSR_RSA_BYTES ||
	    mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), w->sig,
	    w->sig_len) != 0)
		goto out;
	rc = 0;
out:
	mbedtls_pk_free(&pk);
	return rc;
}

static char *
dup_uri(const unsigned char *p, size_t len)
{
	char *s;

	if (p == NULL)
		return NULL;
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/*
 * Check a PKCS#10 request (RFC 6487 section 6; UD-70..UD-76) and, if out
 * is not NULL, say what it asks for (UD-84, UD-93). See csr.h. Returns 0 or
 * a negative CSR_ERR_* code; on failure out stays zeroed. The caller frees
 * out with csr_info_free().
 */
int
csr_check(const unsigned char *der, size_t len, const struct csr_policy *policy,
    struct csr_info *out)
{
	struct walk w;
	struct csr_info info;
	const unsigned char *p, *end, *rend, *cend;
	size_t l;
	int rc;

	memset(&info, 0, sizeof(info));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (der == NULL && len != 0)
		return CSR_ERR_ARG;
	if (len == 0 || len > CSR_MAX_DER)
		return CSR_ERR_SIZE;
	memset(&w, 0, sizeof(w));
	w.policy = policy;
	p = der;
	end = der + len;

	if ((rc = der_tag(&p, end, TAG_SEQ, &l)) != 0)
		goto out;
	rend = p + l;
	if (rend != end) {
		rc = CSR_ERR_TRAILING;
		goto out;
	}

	/* CertificationRequestInfo */
	w.cri = p;
	if ((rc = der_tag(&p, rend, TAG_SEQ, &l)) != 0)
		goto out;
	cend = p + l;
	w.cri_len = (size_t)(cend - w.cri);
	if ((rc = der_tag(&p, cend, MBEDTLS_ASN1_INTEGER, &l)) != 0)
		goto out;
	if (l != 1 || p[0] != 0) {
		rc = CSR_ERR_VERSION;
		goto out;
	}
	p++;
	if ((rc = parse_name(&p, cend)) != 0)
		goto out;
	if ((rc = parse_spki(&p, cend, &w)) != 0)
		goto out;
	if ((rc = parse_attributes(&p, cend, &w)) != 0)
		goto out;
	if (p != cend) {
		rc = CSR_ERR_DER;
		goto out;
	}
	if (!w.bc) {
		rc = CSR_ERR_BC_MISSING;
		goto out;
	}
	if (!w.sia_present) {
		rc = CSR_ERR_SIA_MISSING;
		goto out;
	}

	if ((rc = parse_sig_alg(&p, rend)) != 0)
		goto out;
	rc = CSR_ERR_DER;
	if (der_tag(&p, rend, MBEDTLS_ASN1_BIT_STRING, &l) != 0 || l < 1 || p + l != rend ||
	    p[0] != 0)
		goto out;
	w.sig = p + 1;
	w.sig_len = l - 1;

	if ((rc = verify(&w)) != 0)
		goto out;

	if (out != NULL) {
		rc = CSR_ERR_NOMEM;
		if ((info.spki = malloc(w.spki_len)) == NULL)
			goto out;
		memcpy(info.spki, w.spki, w.spki_len);
		info.spki_len = w.spki_len;
		if (mbedtls_sha1_ret(w.pub, w.pub_len, info.ski) != 0) {
			rc = CSR_ERR_INTERNAL;
			goto out;
		}
		if ((info.ca_repository = dup_uri(w.sia.uri[0], w.sia.len[0])) == NULL ||
		    (info.rpki_manifest = dup_uri(w.sia.uri[1], w.sia.len[1])) == NULL)
			goto out;
		if (w.sia.uri[2] != NULL &&
		    (info.rpki_notify = dup_uri(w.sia.uri[2], w.sia.len[2])) == NULL)
			goto out;
		info.bc_present = true;
		info.bc_ca = true;
		info.ku_present = w.ku;
		info.ku_bits = w.ku ? w.ku_bits : 0;
		info.eku_present = w.eku;
		*out = info;
		memset(&info, 0, sizeof(info));
	}
	rc = 0;
out:
	csr_info_free(&info);
	return rc;
}

/* Release what csr_check() stored; accepts NULL and a zeroed struct. */
void
csr_info_free(struct csr_info *info)
{
	if (info == NULL)
		return;
	free(info->spki);
	free(info->ca_repository);
	free(info->rpki_manifest);
	free(info->rpki_notify);
	memset(info, 0, sizeof(*info));
}

/*
 * The reason for a CSR_ERR_* code, citing the rule; used as the
 * description of an RFC 6492 error_response 1203. Never NULL.
 */
const char *
csr_strerror(int code)
{
	switch (code) {
	case 0:
		return "certificate request accepted";
	case CSR_ERR_ARG:
		return "internal error: bad argument to the certificate request check";
	case CSR_ERR_NOMEM:
		return "internal error: out of memory checking the certificate request";
	case CSR_ERR_INTERNAL:
		return "internal error: hashing or key set-up failed";
	case CSR_ERR_SIZE:
		return "certificate request empty or larger than 16384 bytes (RFC 6487 6)";
	case CSR_ERR_DER:
		return "certificate request is not a DER PKCS#10 CertificationRequest "
		    "(RFC 6487 6.1; RFC 2986 4)";
	case CSR_ERR_TRAILING:
		return "bytes follow the PKCS#10 CertificationRequest (RFC 6487 6.1; X.690 DER)";
	case CSR_ERR_VERSION:
		return "PKCS#10 version must be 0 (RFC 6487 6.1.1)";
	case CSR_ERR_SUBJECT:
		return "PKCS#10 subject is not a well-formed Name (RFC 6487 6.1.1; RFC 5280 4.1.2.4)";
	case CSR_ERR_KEY_ALG:
		return "subject key must be rsaEncryption with NULL parameters "
		    "(RFC 6487 6.1.1; RFC 7935 3.1)";
	case CSR_ERR_KEY:
		return "subject RSA public key is malformed (RFC 7935 3.1; RFC 8017 A.1.1)";
	case CSR_ERR_KEY_SIZE:
		return "subject RSA modulus must be exactly 2048 bits (RFC 6487 6.1.1; RFC 7935 3)";
	case CSR_ERR_KEY_EXPONENT:
		return "subject RSA public exponent must be 65537 (RFC 6487 6.1.1; RFC 7935 3)";
	case CSR_ERR_SIG_ALG:
		return "request signature algorithm must be sha256WithRSAEncryption "
		    "(RFC 6487 6.1.1; RFC 7935 2)";
	case CSR_ERR_SIGNATURE:
		return "request signature does not verify with the enclosed key: "
		    "no proof of possession (RFC 6487 6.1.1; RFC 6492 3.4.1)";
	case CSR_ERR_ATTR_UNKNOWN:
		return "request attribute other than extensionRequest (RFC 6487 6.1.1, 6.3)";
	case CSR_ERR_ATTR_DUP:
		return "extensionRequest attribute given more than once or with more than one "
		    "value (RFC 6487 6.3; RFC 2985 5.4.2)";
	case CSR_ERR_EXT_UNKNOWN:
		return "requested extension other than BasicConstraints, KeyUsage, "
		    "ExtendedKeyUsage, SubjectInfoAccess (RFC 6487 6.3)";
	case CSR_ERR_EXT_DUP:
		return "requested extension given more than once (RFC 6487 6.3; RFC 5280 4.2)";
	case CSR_ERR_EXT_VALUE:
		return "requested extension value is malformed (RFC 6487 6.3; RFC 5280 4.2)";
	case CSR_ERR_BC_MISSING:
		return "no BasicConstraints: this asks for an EE certificate; "
		    "up-down issues CA certificates only (RFC 6487 6.3)";
	case CSR_ERR_BC_NOT_CA:
		return "BasicConstraints cA is FALSE: this asks for an EE certificate; "
		    "up-down issues CA certificates only (RFC 6487 6.3)";
	case CSR_ERR_BC_PATHLEN:
		return "BasicConstraints pathLenConstraint must be omitted (RFC 6487 6.3, 4.8.1)";
	case CSR_ERR_KU:
		return "KeyUsage of a CA request must be exactly keyCertSign and cRLSign "
		    "(RFC 6487 6.3, 4.8.4)";
	case CSR_ERR_SIA_MISSING:
		return "SubjectInfoAccess must be requested (RFC 6487 6.3)";
	case CSR_ERR_SIA_NO_REPO:
		return "SubjectInfoAccess lacks id-ad-caRepository (RFC 6487 6.3, 4.8.8.1)";
	case CSR_ERR_SIA_NO_MFT:
		return "SubjectInfoAccess lacks id-ad-rpkiManifest (RFC 6487 6.3, 4.8.8.1)";
	case CSR_ERR_SIA_SIGNED_OBJ:
		return "SubjectInfoAccess id-ad-signedObject is for EE certificates, "
		    "not a CA request (RFC 6487 4.8.8.1, 4.8.8.2)";
	case CSR_ERR_SIA_METHOD:
		return "SubjectInfoAccess has an access method other than caRepository, "
		    "rpkiManifest, rpkiNotify (RFC 6487 4.8.8.1; RFC 8182 3.2)";
	case CSR_ERR_SIA_DUP:
		return "SubjectInfoAccess names an access method more than once; we copy one "
		    "URI per method and may not change the SIA (RFC 6487 6.1.1, 6.3)";
	case CSR_ERR_SIA_LOCATION:
		return "SubjectInfoAccess accessLocation must be a uniformResourceIdentifier "
		    "(RFC 6487 4.8.8.1)";
	case CSR_ERR_URI_LENGTH:
		return "SubjectInfoAccess URI empty or longer than 2048 characters "
		    "(RFC 6487 4.8.8.1)";
	case CSR_ERR_URI_CHARS:
		return "SubjectInfoAccess URI has whitespace, control, non-ASCII or non-URI "
		    "characters or a bad %-escape (RFC 6487 4.8.8.1; RFC 3986 2)";
	case CSR_ERR_URI_SCHEME:
		return "SubjectInfoAccess URI must be absolute with the lower-case scheme "
		    "rsync:// (caRepository, rpkiManifest) or https:// (rpkiNotify) "
		    "(RFC 6487 4.8.8.1; RFC 8182 3.2)";
	case CSR_ERR_URI_HOST:
		return "SubjectInfoAccess URI host missing or malformed, with userinfo, "
		    "a bad port, or an IP literal refused by policy (RFC 3986 3.2)";
	case CSR_ERR_URI_PATH:
		return "SubjectInfoAccess URI has no path, or a query or fragment "
		    "(RFC 5781 2; RFC 3986 3)";
	case CSR_ERR_URI_NORMAL:
		return "SubjectInfoAccess URI is not normalised: \"/./\", \"/../\", \"//\" "
		    "or an escaped '.' or '/' (RFC 3986 6.2.2)";
	case CSR_ERR_REPO_SLASH:
		return "caRepository URI must name a directory ending in '/' (RFC 6487 4.8.8.1)";
	case CSR_ERR_MFT_SLASH:
		return "rpkiManifest URI must name a file, not end in '/' (RFC 6487 4.8.8.1)";
	case CSR_ERR_MFT_OUTSIDE:
		return "rpkiManifest URI is not directly inside the caRepository directory "
		    "(RFC 6487 4.8.8.1; RFC 9286 5)";
	default:
		return "unknown certificate request error";
	}
}
