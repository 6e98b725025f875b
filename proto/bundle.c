/*
 * Provisioning bundle: decoder (structure, DER only), operator keys, and
 * the M-of-N verifier. See proto/include/proto/bundle.h and
 * docs/provisioning-bundle.md.
 *
 * The input is untrusted: the reader walks a pointer/end pair, checks every
 * length against the end before reading, refuses BER that is not DER, and
 * counts elements against BUNDLE_MAX_* before storing them. Rejections
 * cite RFC 5652 (CMS), X.690 (DER) or the format document ("PB n").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>

#include "proto/bundle.h"
#include "proto/der.h"

#define TAG_BOOLEAN    0x01
#define TAG_INTEGER    0x02
#define TAG_BITSTRING  0x03
#define TAG_OCTETS     0x04
#define TAG_NULL       0x05
#define TAG_OID        0x06
#define TAG_GENTIME    0x18
#define BUNDLE_MIN_TIME ((time_t)-631152000)   /* 1950-01-01T00:00:00Z */
#define TAG_SEQUENCE   0x30
#define TAG_SET        0x31
#define TAG_CTX0_P     0x80     /* [0] IMPLICIT primitive */
#define TAG_CTX1_P     0x81     /* [1] IMPLICIT primitive */
#define TAG_CTX0_C     0xa0     /* [0] constructed */
#define TAG_CTX1_C     0xa1     /* [1] constructed */

#define OID_EQ(t, oid) ((t)->len == MBEDTLS_OID_SIZE(oid) && \
	memcmp((t)->val, (oid), MBEDTLS_OID_SIZE(oid)) == 0)

/* der.h's codes as ours (DER_ERR_SHAPE is the caller's to map). */
static int
bundle_code(int rc)
{
	return rc == 0 ? 0 : rc == DER_ERR_NOT_DER ? BUNDLE_ERR_NOT_DER : BUNDLE_ERR_ASN1;
}

/* The TLV at p: DER only (X.690 10.1), every length checked against end. */
static int
tlv_get(const unsigned char *p, const unsigned char *end, struct der_tlv *t)
{
	struct der_reader rd = { .der_only = true };

	return bundle_code(der_get(&rd, p, end, t));
}

/* Read the TLV at *p and advance; a missing element or another tag is err. */
static int
tlv_expect(const unsigned char **p, const unsigned char *end, unsigned char tag, int err,
           struct der_tlv *t)
{
	struct der_reader rd = { .der_only = true };
	int rc = der_expect(&rd, p, end, tag, t);

	return rc == DER_ERR_SHAPE ? err : bundle_code(rc);
}

/* The TLV must fill [val, val+len) of its parent exactly: one child. */
static int
tlv_only_child(const struct der_tlv *parent, struct der_tlv *t)
{
	int rc;

	if ((rc = tlv_get(parent->val, parent->val + parent->len, t)) != 0)
		return rc;
	return t->next == parent->val + parent->len ? 0 : BUNDLE_ERR_ASN1;
}

/* X.690 11.6: SET OF elements ascending as octet strings, the shorter padded with 0. */
static int
der_cmp(const unsigned char *a, size_t la, const unsigned char *b, size_t lb)
{
	size_t n = la < lb ? la : lb, i;
	int c = memcmp(a, b, n);

	if (c != 0)
		return c;
	for (i = n; i < la; i++)
		if (a[i] != 0)
			return 1;
	for (i = n; i < lb; i++)
		if (b[i] != 0)
			return -1;
	return 0;
}

static int
tlv_cmp(const struct der_tlv *a, const struct der_tlv *b)
{
	return der_cmp(a->start, (size_t)(a->next - a->start), b->start,
	    (size_t)(b->next - b->start));
}

/* An INTEGER's DER content as a uint64 (X.690 8.3.2 minimal); err if negative or larger. */
static int
get_uint64(const struct der_tlv *t, int err, uint64_t *out)
{
	const unsigned char *v = t->val;
	size_t n = t->len, i;

	if (t->tag != TAG_INTEGER || n == 0)
		return BUNDLE_ERR_ASN1;
	if (n > 1 && ((v[0] == 0 && (v[1] & 0x80) == 0) || (v[0] == 0xff && (v[1] & 0x80))))
		return BUNDLE_ERR_NOT_DER;
	if (v[0] & 0x80)
		return err;                         /* negative */
	if (v[0] == 0 && n > 1) {
		v++;
		n--;
	}
	if (n > 8)
		return err;
	*out = 0;
	for (i = 0; i < n; i++)
		*out = (*out << 8) | v[i];
	return 0;
}

/* INTEGER equal to want, else err. */
static int
get_small_int(const unsigned char **p, const unsigned char *end, uint64_t want, int err)
{
	struct der_tlv t;
	uint64_t v;
	int rc;

	if ((rc = tlv_expect(p, end, TAG_INTEGER, err, &t)) != 0)
		return rc;
	if ((rc = get_uint64(&t, err, &v)) != 0)
		return rc;
	return v == want ? 0 : err;
}

/* AlgorithmIdentifier, parameters absent or NULL (der_get_alg); err for another shape. */
static int
get_alg(const unsigned char **p, const unsigned char *end, int err, struct der_tlv *oid,
        bool *null_params)
{
	struct der_reader rd = { .der_only = true };
	int rc = der_get_alg(&rd, p, end, oid, null_params);

	return rc == DER_ERR_SHAPE ? err : bundle_code(rc);
}

static int
get_sha256_alg(const unsigned char **p, const unsigned char *end, int err)
{
	struct der_tlv oid;
	bool null_params;
	int rc;

	if ((rc = get_alg(p, end, err, &oid, &null_params)) != 0)
		return rc;
	return OID_EQ(&oid, CMS_OID_SHA256) ? 0 : err;
}

/*
 * A time in its DER form (cms_der_time): with rfc5652 the RFC 5652 11.3
 * choice, else GeneralizedTime only; years 1950..9999 either way.
 */
static int
parse_time(const struct der_tlv *t, bool rfc5652, int err, time_t *out)
{
	time_t v;
	int rc = cms_der_time(t->tag, t->val, t->len, rfc5652, &v);

	if (rc == CMS_ERR_TIME_RANGE)
		return BUNDLE_ERR_TIME_RANGE;
	if (rc != 0 || v < BUNDLE_MIN_TIME)
		return err;
	*out = v;
	return 0;
}

/*
 * The comment (PB 3): strict UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, at most U+10FFFF) without C0/C1 controls, DEL, or the bidi
 * embedding/override/isolate controls that can make text display other
 * than it reads (U+202A..U+202E, U+2066..U+2069).
 */
static bool
comment_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t c, min;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1; c &= 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2; c &= 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3; c &= 0x07; min = 0x10000;
		} else {
			return false;
		}
		if (need > n - i - 1)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		if (c <= 0x9f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
			return false;
		i += need + 1;
	}
	return true;
}

/*
 * BundleContent (PB 3), the eContent octets [p, end). Fills version,
 * created, force, comment and table of b.
 */
static int
parse_content(const unsigned char *p, const unsigned char *end, struct bundle *b)
{
	struct der_tlv seq, t;
	uint64_t v;
	int rc;

	if ((rc = tlv_expect(&p, end, TAG_SEQUENCE, BUNDLE_ERR_HEADER, &seq)) != 0)
		return rc;
	if (p != end)
		return BUNDLE_ERR_HEADER;
	p = seq.val;
	end = seq.val + seq.len;
	/* The format version first, so that a later format is named as such. */
	if ((rc = tlv_expect(&p, end, TAG_INTEGER, BUNDLE_ERR_HEADER, &t)) != 0 ||
	    (rc = get_uint64(&t, BUNDLE_ERR_FORMAT_VERSION, &v)) != 0)
		return rc;
	if (v != BUNDLE_FORMAT_VERSION)
		return BUNDLE_ERR_FORMAT_VERSION;
	if ((rc = tlv_expect(&p, end, TAG_INTEGER, BUNDLE_ERR_HEADER, &t)) != 0 ||
	    (rc = get_uint64(&t, BUNDLE_ERR_HEADER, &b->version)) != 0)
		return rc;
	if ((rc = tlv_expect(&p, end, TAG_GENTIME, BUNDLE_ERR_HEADER, &t)) != 0 ||
	    (rc = parse_time(&t, false, BUNDLE_ERR_HEADER, &b->created)) != 0)
		return rc;
	if (p < end && *p == TAG_CTX0_P) {
		if ((rc = tlv_expect(&p, end, TAG_CTX0_P, BUNDLE_ERR_HEADER, &t)) != 0)
			return rc;
		if (t.len != 1)
			return BUNDLE_ERR_HEADER;
		/* DER: TRUE is 0xFF (X.690 11.1); FALSE is the DEFAULT, so absent (11.5). */
		if (t.val[0] != 0xff)
			return BUNDLE_ERR_NOT_DER;
		b->force = true;
	}
	if (p < end && *p == TAG_CTX1_P) {
		if ((rc = tlv_expect(&p, end, TAG_CTX1_P, BUNDLE_ERR_HEADER, &t)) != 0)
			return rc;
		if (t.len > BUNDLE_MAX_COMMENT)
			return BUNDLE_ERR_TOO_LARGE;
		if (t.len == 0 || !comment_ok(t.val, t.len))
			return BUNDLE_ERR_COMMENT;
		if ((b->comment = malloc(t.len + 1)) == NULL)
			return BUNDLE_ERR_NOMEM;
		memcpy(b->comment, t.val, t.len);
		b->comment[t.len] = '\0';
	}
	if ((rc = tlv_expect(&p, end, TAG_OCTETS, BUNDLE_ERR_HEADER, &t)) != 0)
		return rc;
	if (t.len > BUNDLE_MAX_TABLE)
		return BUNDLE_ERR_TOO_LARGE;
	if (t.len == 0 || p != end)
		return BUNDLE_ERR_HEADER;
	b->table.p = t.val;
	b->table.len = t.len;
	return 0;
}

enum attr_kind { ATTR_CT, ATTR_MD, ATTR_TIME, ATTR_NKINDS };

/*
 * signedAttrs (RFC 5652 5.3, 11; PB 4): content-type = id-ct-updownBundle,
 * message-digest (32 octets), signing-time; each once, one value, DER order,
 * nothing else.
 */
static int
parse_signed_attrs(const struct der_tlv *set, struct bundle_si *si)
{
	const unsigned char *p = set->val, *end = set->val + set->len, *q, *qend;
	struct der_tlv prev = { 0 }, attr, oid, vals, val;
	bool seen[ATTR_NKINDS] = { false };
	int rc, kind;

	while (p < end) {
		if ((rc = tlv_expect(&p, end, TAG_SEQUENCE, BUNDLE_ERR_SIGNED_ATTRS, &attr)) != 0)
			return rc;
		if (prev.start != NULL && tlv_cmp(&prev, &attr) > 0)
			return BUNDLE_ERR_NOT_DER;  /* SET OF order (X.690 11.6) */
		prev = attr;
		q = attr.val;
		qend = attr.val + attr.len;
		if ((rc = tlv_expect(&q, qend, TAG_OID, BUNDLE_ERR_SIGNED_ATTRS, &oid)) != 0 ||
		    (rc = tlv_expect(&q, qend, TAG_SET, BUNDLE_ERR_SIGNED_ATTRS, &vals)) != 0)
			return rc;
		if (q != qend)
			return BUNDLE_ERR_ASN1;
		if (OID_EQ(&oid, CMS_OID_ATTR_CT))
			kind = ATTR_CT;
		else if (OID_EQ(&oid, CMS_OID_ATTR_DIGEST))
			kind = ATTR_MD;
		else if (OID_EQ(&oid, CMS_OID_ATTR_TIME))
			kind = ATTR_TIME;
		else
			return BUNDLE_ERR_SIGNED_ATTRS;
		if (seen[kind])
			return BUNDLE_ERR_SIGNED_ATTRS;
		seen[kind] = true;
		/* Exactly one value (RFC 5652 11.1, 11.2, 11.3). */
		if (vals.len == 0)
			return BUNDLE_ERR_SIGNED_ATTRS;
		if ((rc = tlv_get(vals.val, vals.val + vals.len, &val)) != 0)
			return rc;
		if (val.next != vals.val + vals.len)
			return BUNDLE_ERR_SIGNED_ATTRS;
		switch (kind) {
		case ATTR_CT:
			if (val.tag != TAG_OID || !OID_EQ(&val, BUNDLE_OID_CT))
				return BUNDLE_ERR_CT_ATTR;
			break;
		case ATTR_MD:
			if (val.tag != TAG_OCTETS || val.len != CMS_SHA256_LEN)
				return BUNDLE_ERR_SIGNED_ATTRS;
			si->md = val.val;
			break;
		default:
			if ((rc = parse_time(&val, true, BUNDLE_ERR_SIGNING_TIME,
			    &si->signing_time)) != 0)
				return rc;
			break;
		}
	}
	if (!seen[ATTR_CT] || !seen[ATTR_MD] || !seen[ATTR_TIME])
		return BUNDLE_ERR_SIGNED_ATTRS;
	si->attrs.p = set->start;
	si->attrs.len = (size_t)(set->next - set->start);
	return 0;
}

/* SignerInfo (RFC 5652 5.3; PB 4). */
static int
parse_signer_info(const struct der_tlv *t, struct bundle_si *si)
{
	const unsigned char *p = t->val, *end = t->val + t->len;
	struct der_tlv sid, attrs, oid, sig;
	bool null_params;
	int rc;

	if ((rc = get_small_int(&p, end, 3, BUNDLE_ERR_SI_VERSION)) != 0)
		return rc;
	/* sid: subjectKeyIdentifier [0] IMPLICIT only (RFC 5652 5.3). */
	if (p >= end)
		return BUNDLE_ERR_ASN1;
	if ((rc = tlv_get(p, end, &sid)) != 0)
		return rc;
	if (sid.tag != TAG_CTX0_P || sid.len == 0 || sid.len > BUNDLE_MAX_SKI)
		return BUNDLE_ERR_SID_TYPE;
	p = sid.next;
	memcpy(si->ski, sid.val, sid.len);
	si->ski_len = sid.len;
	if ((rc = get_sha256_alg(&p, end, BUNDLE_ERR_SI_DIGEST_ALG)) != 0)
		return rc;
	if ((rc = tlv_expect(&p, end, TAG_CTX0_C, BUNDLE_ERR_SIGNED_ATTRS, &attrs)) != 0)
		return rc;
	if ((rc = parse_signed_attrs(&attrs, si)) != 0)
		return rc;
	/*
	 * rsaEncryption with NULL parameters (RFC 3370 3.2), or
	 * sha256WithRSAEncryption with NULL or absent ones (RFC 4055 5).
	 */
	if ((rc = get_alg(&p, end, BUNDLE_ERR_SIG_ALG, &oid, &null_params)) != 0)
		return rc;
	if (!(OID_EQ(&oid, CMS_OID_RSA) && null_params) && !OID_EQ(&oid, CMS_OID_SHA256_RSA))
		return BUNDLE_ERR_SIG_ALG;
	if ((rc = tlv_expect(&p, end, TAG_OCTETS, BUNDLE_ERR_ASN1, &sig)) != 0)
		return rc;
	if (sig.len == 0)
		return BUNDLE_ERR_ASN1;
	if (sig.len > BUNDLE_MAX_SIG)
		return BUNDLE_ERR_TOO_LARGE;
	if (p < end) {
		struct der_tlv u;
		if ((rc = tlv_get(p, end, &u)) != 0)
			return rc;
		return u.tag == TAG_CTX1_C ? BUNDLE_ERR_UNSIGNED_ATTRS : BUNDLE_ERR_ASN1;
	}
	si->sig.p = sig.val;
	si->sig.len = sig.len;
	si->enc.p = t->start;
	si->enc.len = (size_t)(t->next - t->start);
	return 0;
}

/* certificates [0] IMPLICIT: plain Certificates only, counted, in DER order (PB 4). */
static int
parse_certs(const struct der_tlv *set, struct bundle *b)
{
	const unsigned char *p = set->val, *end = set->val + set->len;
	struct der_tlv c, prev = { 0 };
	int rc;

	while (p < end) {
		if ((rc = tlv_get(p, end, &c)) != 0)
			return rc;
		/* Not the [0]..[3] CertificateChoices alternatives (RFC 5652 10.2.2). */
		if (c.tag != TAG_SEQUENCE || b->ncerts == BUNDLE_MAX_CERTS)
			return BUNDLE_ERR_CERTS;
		if ((size_t)(c.next - c.start) > BUNDLE_MAX_CERT)
			return BUNDLE_ERR_TOO_LARGE;
		if (prev.start != NULL && tlv_cmp(&prev, &c) > 0)
			return BUNDLE_ERR_NOT_DER;
		prev = c;
		b->certs[b->ncerts].p = c.start;
		b->certs[b->ncerts].len = (size_t)(c.next - c.start);
		b->ncerts++;
		p = c.next;
	}
	return 0;
}

/* SignedData (RFC 5652 5.1) under the bundle profile (PB 4). */
static int
parse_signed_data(const struct der_tlv *sd, struct bundle *b)
{
	const unsigned char *p = sd->val, *end = sd->val + sd->len, *q, *qend;
	struct der_tlv algs, eci, oid, wrap, octs, t, sis, si, prev = { 0 };
	int rc;

	if ((rc = get_small_int(&p, end, 3, BUNDLE_ERR_SD_VERSION)) != 0)
		return rc;

	/* digestAlgorithms: exactly { SHA-256 } (RFC 5652 5.1). */
	if ((rc = tlv_expect(&p, end, TAG_SET, BUNDLE_ERR_ASN1, &algs)) != 0)
		return rc;
	q = algs.val;
	qend = algs.val + algs.len;
	if ((rc = get_sha256_alg(&q, qend, BUNDLE_ERR_DIGEST_ALGS)) != 0)
		return rc;
	if (q != qend)
		return BUNDLE_ERR_DIGEST_ALGS;

	/* encapContentInfo: id-ct-updownBundle with eContent (RFC 5652 5.2). */
	if ((rc = tlv_expect(&p, end, TAG_SEQUENCE, BUNDLE_ERR_ASN1, &eci)) != 0)
		return rc;
	q = eci.val;
	qend = eci.val + eci.len;
	if ((rc = tlv_expect(&q, qend, TAG_OID, BUNDLE_ERR_ASN1, &oid)) != 0)
		return rc;
	if (!OID_EQ(&oid, BUNDLE_OID_CT))
		return BUNDLE_ERR_ECONTENT_TYPE;
	if (q == qend)
		return BUNDLE_ERR_NO_ECONTENT;
	if ((rc = tlv_expect(&q, qend, TAG_CTX0_C, BUNDLE_ERR_ASN1, &wrap)) != 0)
		return rc;
	if (q != qend)
		return BUNDLE_ERR_ASN1;
	if ((rc = tlv_only_child(&wrap, &octs)) != 0)
		return rc;
	if (octs.tag == (TAG_OCTETS | 0x20))
		return BUNDLE_ERR_NOT_DER;          /* constructed OCTET STRING (X.690 10.2) */
	if (octs.tag != TAG_OCTETS)
		return BUNDLE_ERR_ASN1;
	b->econtent.p = octs.val;
	b->econtent.len = octs.len;
	if ((rc = parse_content(octs.val, octs.val + octs.len, b)) != 0)
		return rc;

	/* certificates [0] (optional), crls [1] (refused). */
	if (p < end && *p == TAG_CTX0_C) {
		if ((rc = tlv_expect(&p, end, TAG_CTX0_C, BUNDLE_ERR_ASN1, &t)) != 0)
			return rc;
		if ((rc = parse_certs(&t, b)) != 0)
			return rc;
	}
	if (p < end && *p == TAG_CTX1_C)
		return BUNDLE_ERR_CRLS;

	/* signerInfos: 0..BUNDLE_MAX_SIGNERS, in DER SET OF order. */
	if ((rc = tlv_expect(&p, end, TAG_SET, BUNDLE_ERR_ASN1, &sis)) != 0)
		return rc;
	if (p != end)
		return BUNDLE_ERR_ASN1;
	q = sis.val;
	qend = sis.val + sis.len;
	while (q < qend) {
		if ((rc = tlv_expect(&q, qend, TAG_SEQUENCE, BUNDLE_ERR_ASN1, &si)) != 0)
			return rc;
		if (b->nsigners == BUNDLE_MAX_SIGNERS)
			return BUNDLE_ERR_SIGNER_COUNT;
		if (prev.start != NULL && tlv_cmp(&prev, &si) > 0)
			return BUNDLE_ERR_NOT_DER;
		prev = si;
		if ((rc = parse_signer_info(&si, &b->signers[b->nsigners])) != 0)
			return rc;
		b->nsigners++;
	}
	return 0;
}

/* Set up an empty bundle. */
void
bundle_init(struct bundle *b)
{
	memset(b, 0, sizeof(*b));
}

/* Free what b holds and leave it empty; accepts NULL. */
void
bundle_free(struct bundle *b)
{
	if (b == NULL)
		return;
	free(b->der);
	free(b->comment);
	bundle_init(b);
}

/*
 * Decode a bundle (see bundle.h). The input is copied first; every slice
 * of b points into the copy. On failure b is left empty.
 */
int
bundle_decode(struct bundle *b, const unsigned char *der, size_t len)
{
	const unsigned char *p, *end;
	struct der_tlv ci, oid, wrap, sd;
	int rc;

	if (b == NULL || (der == NULL && len > 0))
		return BUNDLE_ERR_ARG;
	bundle_free(b);
	rc = BUNDLE_ERR_ASN1;
	if (len == 0)
		goto out;
	rc = BUNDLE_ERR_TOO_LARGE;
	if (len > BUNDLE_MAX_SIZE)
		goto out;
	rc = BUNDLE_ERR_NOMEM;
	if ((b->der = malloc(len)) == NULL)
		goto out;
	memcpy(b->der, der, len);
	b->der_len = len;

	/* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content } (RFC 5652 3). */
	p = b->der;
	end = b->der + len;
	if ((rc = tlv_expect(&p, end, TAG_SEQUENCE, BUNDLE_ERR_ASN1, &ci)) != 0)
		goto out;
	rc = BUNDLE_ERR_TRAILING;
	if (p != end)
		goto out;
	p = ci.val;
	end = ci.val + ci.len;
	if ((rc = tlv_expect(&p, end, TAG_OID, BUNDLE_ERR_ASN1, &oid)) != 0)
		goto out;
	rc = BUNDLE_ERR_CONTENT_TYPE;
	if (!OID_EQ(&oid, CMS_OID_SIGNED_DATA))
		goto out;
	if ((rc = tlv_expect(&p, end, TAG_CTX0_C, BUNDLE_ERR_ASN1, &wrap)) != 0)
		goto out;
	rc = BUNDLE_ERR_ASN1;
	if (p != end)
		goto out;
	if ((rc = tlv_only_child(&wrap, &sd)) != 0)
		goto out;
	rc = BUNDLE_ERR_ASN1;
	if (sd.tag != TAG_SEQUENCE)
		goto out;
	if ((rc = parse_signed_data(&sd, b)) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		bundle_free(b);
	return rc;
}

/*
 * Check an operator key and compute its SKI (see bundle.h). The SKI is
 * the SHA-1 of the subjectPublicKey BIT STRING without its unused-bits
 * octet (RFC 5280 4.2.1.2 (1)).
 */
int
bundle_operator_key(const unsigned char *spki, size_t len, mbedtls_pk_context *pk,
                    unsigned char ski[BUNDLE_SKI_LEN])
{
	mbedtls_pk_context local;
	mbedtls_pk_context *k = pk != NULL ? pk : &local;
	unsigned char *p, *end;
	mbedtls_asn1_bitstring bits;
	size_t l, bitlen;
	int rc = BUNDLE_ERR_OPERATOR_KEY;

	mbedtls_pk_init(&local);
	if (spki == NULL || len == 0 || len > BUNDLE_MAX_SPKI || spki[0] != TAG_SEQUENCE)
		goto out;
	/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING } */
	p = (unsigned char *)spki;
	end = p + len;
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQUENCE) != 0 || p + l != end)
		goto out;
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQUENCE) != 0)
		goto out;
	p += l;
	if (mbedtls_asn1_get_bitstring(&p, end, &bits) != 0 || p != end || bits.unused_bits != 0)
		goto out;
	if (ski != NULL && mbedtls_sha1_ret(bits.p, bits.len, ski) != 0)
		goto out;
	/* RSA (RFC 8017 A.1), 2048..8192 bits (the profile asks RSA-2048 or more). */
	if (mbedtls_pk_parse_public_key(k, spki, len) != 0 ||
	    mbedtls_pk_get_type(k) != MBEDTLS_PK_RSA)
		goto out;
	bitlen = mbedtls_pk_get_bitlen(k);
	if (bitlen < BUNDLE_MIN_RSA_BITS || bitlen > BUNDLE_MAX_SIG * 8)
		goto out;
	rc = 0;
out:
	mbedtls_pk_free(&local);
	return rc;
}

/* Set up an empty result. */
void
bundle_result_init(struct bundle_result *r)
{
	memset(r, 0, sizeof(*r));
	alloc_table_init(&r->table);
}

/* Free what r holds and leave it empty; accepts NULL. */
void
bundle_result_free(struct bundle_result *r)
{
	if (r == NULL)
		return;
	alloc_table_free(&r->table);
	bundle_result_init(r);
}

/* SHA-256 of the signedAttrs as signed: the SET OF tag 0x31 for [0] (RFC 5652 5.4). */
static int
hash_attrs(const struct bundle_si *si, unsigned char out[32])
{
	mbedtls_sha256_context c;
	static const unsigned char set_tag = TAG_SET;
	int rc;

	mbedtls_sha256_init(&c);
	rc = mbedtls_sha256_starts_ret(&c, 0) != 0 ||
	    mbedtls_sha256_update_ret(&c, &set_tag, 1) != 0 ||
	    mbedtls_sha256_update_ret(&c, si->attrs.p + 1, si->attrs.len - 1) != 0 ||
	    mbedtls_sha256_finish_ret(&c, out) != 0 ? -1 : 0;
	mbedtls_sha256_free(&c);
	return rc;
}

/* The registered operators, parsed: key, SKI, and the first index with the same key. */
struct ops {
	size_t n;
	mbedtls_pk_context pk[BUNDLE_MAX_OPERATORS];
	unsigned char ski[BUNDLE_MAX_OPERATORS][BUNDLE_SKI_LEN];
	size_t canon[BUNDLE_MAX_OPERATORS];
	size_t distinct;
};

static void
ops_free(struct ops *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		mbedtls_pk_free(&o->pk[i]);
	free(o);
}

/*
 * Parse the registered keys (PB 5). The same key twice (same SKI, hence
 * same public key bits) is one operator: canon[] points to its first
 * entry. Two different keys whose SKIs collide would be ambiguous: refused.
 */
static int
ops_load(const struct bundle_operator *ops, size_t n, struct ops **out)
{
	struct ops *o;
	size_t i, j;
	int rc;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return BUNDLE_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		mbedtls_pk_init(&o->pk[i]);
		o->n = i + 1;
		if ((rc = bundle_operator_key(ops[i].spki, ops[i].spki_len, &o->pk[i],
		    o->ski[i])) != 0)
			goto fail;
		o->canon[i] = i;
		for (j = 0; j < i; j++) {
			if (memcmp(o->ski[i], o->ski[j], BUNDLE_SKI_LEN) != 0)
				continue;
			if (mbedtls_mpi_cmp_mpi(&mbedtls_pk_rsa(o->pk[i])->N,
			    &mbedtls_pk_rsa(o->pk[j])->N) != 0 ||
			    mbedtls_mpi_cmp_mpi(&mbedtls_pk_rsa(o->pk[i])->E,
			    &mbedtls_pk_rsa(o->pk[j])->E) != 0) {
				rc = BUNDLE_ERR_OPERATOR_KEY;
				goto fail;
			}
			o->canon[i] = o->canon[j];
			break;
		}
		if (o->canon[i] == i)
			o->distinct++;
	}
	*out = o;
	return 0;
fail:
	ops_free(o);
	return rc;
}

/*
 * Verify a decoded bundle against the registered operators (see bundle.h
 * for the order of the checks). r's previous content is freed first.
 */
int
bundle_verify(const struct bundle *b, const struct bundle_operator *ops, size_t n_ops,
              unsigned threshold, const uint64_t *last_applied, struct bundle_result *r)
{
	struct ops *o = NULL;
	unsigned char content_md[32], attrs_md[32];
	bool counted[BUNDLE_MAX_OPERATORS] = { false };
	int rc, bad_rc = 0;
	size_t i, j;

	if (r == NULL)
		return BUNDLE_ERR_ARG;
	bundle_result_free(r);
	if (b == NULL || b->der == NULL || (ops == NULL && n_ops > 0))
		return BUNDLE_ERR_ARG;
	r->version = b->version;
	r->force = b->force;
	r->nsigs = b->nsigners;
	for (i = 0; i < b->nsigners; i++) {
		memcpy(r->sigs[i].ski, b->signers[i].ski, b->signers[i].ski_len);
		r->sigs[i].ski_len = b->signers[i].ski_len;
		r->sigs[i].signing_time = b->signers[i].signing_time;
	}
	rc = BUNDLE_ERR_NOMEM;
	if (mbedtls_sha256_ret(b->table.p, b->table.len, r->table_sha256, 0) != 0 ||
	    mbedtls_sha256_ret(b->econtent.p, b->econtent.len, content_md, 0) != 0)
		goto out;

	/* The policy: M of N with 1 <= M <= N distinct keys. */
	rc = BUNDLE_ERR_POLICY;
	if (n_ops == 0 || n_ops > BUNDLE_MAX_OPERATORS || threshold == 0)
		goto out;
	if ((rc = ops_load(ops, n_ops, &o)) != 0)
		goto out;
	rc = BUNDLE_ERR_POLICY;
	if (threshold > o->distinct)
		goto out;

	/* Each SignerInfo: unknown, or checked with the registered key. */
	for (i = 0; i < b->nsigners; i++) {
		const struct bundle_si *si = &b->signers[i];
		struct bundle_sig *s = &r->sigs[i];

		for (j = 0; j < o->n; j++)
			if (si->ski_len == BUNDLE_SKI_LEN &&
			    memcmp(si->ski, o->ski[j], BUNDLE_SKI_LEN) == 0)
				break;
		if (j == o->n) {
			s->status = BUNDLE_SIG_UNKNOWN;
			r->unknown++;
			continue;
		}
		j = o->canon[j];
		s->op = j;
		if (memcmp(si->md, content_md, sizeof(content_md)) != 0) {
			s->status = BUNDLE_SIG_BAD_DIGEST;
			r->bad++;
			if (bad_rc == 0)
				bad_rc = BUNDLE_ERR_DIGEST_MISMATCH;
			continue;
		}
		if (hash_attrs(si, attrs_md) != 0) {
			rc = BUNDLE_ERR_NOMEM;
			goto out;
		}
		if (si->sig.len != mbedtls_pk_get_len(&o->pk[j]) ||
		    mbedtls_pk_verify(&o->pk[j], MBEDTLS_MD_SHA256, attrs_md, sizeof(attrs_md),
		    si->sig.p, si->sig.len) != 0) {
			s->status = BUNDLE_SIG_BAD;
			r->bad++;
			if (bad_rc == 0)
				bad_rc = BUNDLE_ERR_SIGNATURE;
			continue;
		}
		if (counted[j]) {
			s->status = BUNDLE_SIG_DUPLICATE;
		} else {
			s->status = BUNDLE_SIG_VALID;
			counted[j] = true;
			r->valid_operators++;
		}
	}
	/* A registered key's bad signature refuses the bundle (PB 5). */
	if ((rc = bad_rc) != 0)
		goto out;
	rc = BUNDLE_ERR_THRESHOLD;
	if (r->valid_operators < threshold)
		goto out;
	/* Replay and rollback: the version must increase. */
	rc = BUNDLE_ERR_STALE;
	if (last_applied != NULL && b->version <= *last_applied)
		goto out;
	/* Only now, signed by M operators, does the text reach the table parser. */
	rc = alloc_parse((const char *)b->table.p, b->table.len, "bundle", &r->table,
	    &r->table_err);
	if (rc == ALLOC_ERR_NOMEM) {
		rc = BUNDLE_ERR_NOMEM;
		goto out;
	}
	if (rc != 0) {
		rc = BUNDLE_ERR_TABLE;
		goto out;
	}
	rc = BUNDLE_ERR_VERSION_MISMATCH;
	if (r->table.version != b->version)
		goto out;
	rc = 0;
out:
	if (o != NULL)
		ops_free(o);
	if (rc != 0)
		alloc_table_free(&r->table);
	return rc;
}

/* Static English text for a BUNDLE_ERR_* code. */
const char *
bundle_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case BUNDLE_ERR_ARG: return "bad argument";
	case BUNDLE_ERR_NOMEM: return "out of memory";
	case BUNDLE_ERR_TOO_LARGE: return "bundle, table, comment, signature or certificate too large (PB 6)";
	case BUNDLE_ERR_ASN1: return "malformed DER: truncated, bad tag or length (X.690)";
	case BUNDLE_ERR_NOT_DER: return "BER that is not DER (X.690 10, 11; PB 2)";
	case BUNDLE_ERR_TRAILING: return "bytes after the ContentInfo (PB 2)";
	case BUNDLE_ERR_CONTENT_TYPE: return "contentType is not id-signedData (RFC 5652 3, 5)";
	case BUNDLE_ERR_SD_VERSION: return "SignedData version is not 3 (RFC 5652 5.1)";
	case BUNDLE_ERR_DIGEST_ALGS: return "digestAlgorithms is not exactly { SHA-256 } (RFC 5652 5.1, PB 4)";
	case BUNDLE_ERR_ECONTENT_TYPE: return "eContentType is not id-ct-updownBundle (RFC 5652 5.2, PB 4)";
	case BUNDLE_ERR_NO_ECONTENT: return "eContent absent (RFC 5652 5.2, PB 4)";
	case BUNDLE_ERR_CERTS: return "certificates: not plain Certificates, or too many (RFC 5652 10.2.2, PB 4)";
	case BUNDLE_ERR_CRLS: return "crls present (PB 4)";
	case BUNDLE_ERR_SIGNER_COUNT: return "too many SignerInfos (PB 6)";
	case BUNDLE_ERR_SI_VERSION: return "SignerInfo version is not 3 (RFC 5652 5.3)";
	case BUNDLE_ERR_SID_TYPE: return "sid is not a subjectKeyIdentifier (RFC 5652 5.3, PB 4)";
	case BUNDLE_ERR_SI_DIGEST_ALG: return "SignerInfo digestAlgorithm is not SHA-256 (PB 4)";
	case BUNDLE_ERR_SIGNED_ATTRS: return "signedAttrs not exactly content-type, message-digest, signing-time (RFC 5652 5.3, 11; PB 4)";
	case BUNDLE_ERR_CT_ATTR: return "content-type attribute is not id-ct-updownBundle (RFC 5652 11.1)";
	case BUNDLE_ERR_SIGNING_TIME: return "signing-time malformed (RFC 5652 11.3)";
	case BUNDLE_ERR_SIG_ALG: return "signatureAlgorithm is not RSA PKCS#1 v1.5 (RFC 3370 3.2, PB 4)";
	case BUNDLE_ERR_UNSIGNED_ATTRS: return "unsignedAttrs present (PB 4)";
	case BUNDLE_ERR_HEADER: return "BundleContent malformed (PB 3)";
	case BUNDLE_ERR_FORMAT_VERSION: return "BundleContent version is not 1 (PB 3)";
	case BUNDLE_ERR_COMMENT: return "comment empty, not UTF-8, or with control characters (PB 3)";
	case BUNDLE_ERR_POLICY: return "operator policy unusable: no keys, too many, or threshold not in 1..N (PB 5)";
	case BUNDLE_ERR_OPERATOR_KEY: return "operator key is not an RSA-2048+ SubjectPublicKeyInfo (PB 5)";
	case BUNDLE_ERR_DIGEST_MISMATCH: return "a registered operator's message-digest does not match the content (RFC 5652 5.4, PB 5)";
	case BUNDLE_ERR_SIGNATURE: return "a registered operator's signature does not verify (RFC 5652 5.6, PB 5)";
	case BUNDLE_ERR_THRESHOLD: return "fewer distinct registered operators signed than the threshold (PB 5)";
	case BUNDLE_ERR_STALE: return "table version not above the last applied one: replay or rollback (PB 5)";
	case BUNDLE_ERR_TABLE: return "the allocation table does not parse (docs/allocation-table.md)";
	case BUNDLE_ERR_VERSION_MISMATCH: return "bundle tableVersion differs from the table's version statement (PB 3)";
	case BUNDLE_ERR_SIGN: return "the signing callback failed";
	case BUNDLE_ERR_SIGN_VERIFY: return "the signature made does not verify with the operator key";
	case BUNDLE_ERR_CERT_MISMATCH: return "operator certificate unparsable or not for the operator key (PB 4)";
	case BUNDLE_ERR_ALREADY_SIGNED: return "this operator key has already signed the bundle";
	case BUNDLE_ERR_TIME_RANGE: return "time outside the years 1950..9999";
	case BUNDLE_ERR_CONTENT_DIFFERS: return "the bundles to merge carry different content";
	default: return "unknown bundle error";
	}
}
