/*
 * RFC 6492 CMS profile: decoder (structure and profile rules, RFC 6492
 * 3.1.1 and 3.1.2 check 1) and the signature check (3.1.2 checks 2, 3).
 *
 * mbed TLS has no CMS parser and its ASN.1 reader knows only definite
 * lengths, so this file walks the message with its own TLV reader, which
 * also understands the BER that RIPE NCC sent (indefinite lengths,
 * constructed OCTET STRING) unless cms_opts.der_only is set. Certificates
 * and the CRL are handed to mbed TLS as whole DER TLVs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "proto/cms.h"
#include "proto/der.h"

#define TAG_INTEGER    0x02
#define TAG_OCTETS     0x04
#define TAG_OCTETS_C   0x24     /* constructed OCTET STRING (BER only) */
#define TAG_NULL       0x05
#define TAG_OID        0x06
#define TAG_UTCTIME    0x17
#define TAG_GENTIME    0x18
#define TAG_SEQUENCE   0x30
#define TAG_SET        0x31
#define TAG_CTX0_P     0x80     /* [0] IMPLICIT primitive */
#define TAG_CTX0_C     0xa0     /* [0] constructed */
#define TAG_CTX1_C     0xa1     /* [1] constructed */

#define OID_EQ(t, oid) ((t)->len == MBEDTLS_OID_SIZE(oid) && \
	memcmp((t)->val, (oid), MBEDTLS_OID_SIZE(oid)) == 0)

/* Latest representable signing time: 9999-12-31T23:59:59Z. */
#define MAX_SECONDS 253402300799LL

/* der.h's codes as ours (DER_ERR_SHAPE is the caller's to map). */
static int
cms_code(int rc)
{
	return rc == 0 ? 0 : rc == DER_ERR_NOT_DER ? CMS_ERR_NOT_DER : CMS_ERR_ASN1;
}

/* The TLV at p (der_get: DER, or BER unless rd->der_only). */
static int
tlv_get(struct der_reader *rd, const unsigned char *p, const unsigned char *end,
        struct der_tlv *t)
{
	return cms_code(der_get(rd, p, end, t));
}

/* Read the TLV at *p and advance; the tag must be `tag`, else error `err`. */
static int
tlv_expect(struct der_reader *rd, const unsigned char **p, const unsigned char *end,
           unsigned char tag, int err, struct der_tlv *t)
{
	int rc = der_expect(rd, p, end, tag, t);

	return rc == DER_ERR_SHAPE ? err : cms_code(rc);
}

/* Number of children in a constructed TLV's content. */
static int
tlv_count(struct der_reader *rd, const struct der_tlv *t, size_t *count)
{
	const unsigned char *p = t->val, *end = t->val + t->len;
	struct der_tlv c;
	int rc;

	*count = 0;
	while (p < end) {
		if ((rc = tlv_get(rd, p, end, &c)) != 0)
			return rc;
		p = c.next;
		(*count)++;
	}
	return 0;
}

/*
 * Gather the octets of an OCTET STRING, primitive or (BER) constructed of
 * OCTET STRING segments. out == NULL only counts into *off.
 */
static int
octets_walk(struct der_reader *rd, const struct der_tlv *t, int depth, unsigned char *out,
            size_t *off)
{
	const unsigned char *p, *end;
	struct der_tlv c;
	int rc;

	if (t->tag == TAG_OCTETS) {
		if (out != NULL)
			memcpy(out + *off, t->val, t->len);
		*off += t->len;
		return 0;
	}
	if (t->tag != TAG_OCTETS_C || depth >= CMS_MAX_DEPTH)
		return CMS_ERR_ASN1;
	if (der_ber_only(rd) != 0)
		return CMS_ERR_NOT_DER;
	p = t->val;
	end = t->val + t->len;
	while (p < end) {
		if ((rc = tlv_get(rd, p, end, &c)) != 0)
			return rc;
		if ((rc = octets_walk(rd, &c, depth + 1, out, off)) != 0)
			return rc;
		p = c.next;
	}
	return 0;
}

/* A malloc'd, NUL-terminated copy of an OCTET STRING's octets. */
static int
octets_copy(struct der_reader *rd, const struct der_tlv *t, unsigned char **out, size_t *len)
{
	size_t n = 0;
	int rc;

	if ((rc = octets_walk(rd, t, 0, NULL, &n)) != 0)
		return rc;
	if (n > CMS_MAX_MESSAGE)
		return CMS_ERR_TOO_LARGE;
	if ((*out = malloc(n + 1)) == NULL)
		return CMS_ERR_NOMEM;
	*len = 0;
	if ((rc = octets_walk(rd, t, 0, *out, len)) != 0) {
		free(*out);
		*out = NULL;
		return rc;
	}
	(*out)[n] = '\0';
	return 0;
}

/* INTEGER that must equal 3 (version fields); err if another value. */
static int
get_version3(struct der_reader *rd, const unsigned char **p, const unsigned char *end, int err)
{
	struct der_tlv t;
	int rc;

	if ((rc = tlv_expect(rd, p, end, TAG_INTEGER, err, &t)) != 0)
		return rc;
	if (t.len == 0)
		return CMS_ERR_ASN1;
	if (t.len != 1 || t.val[0] != 3)
		return err;
	return 0;
}

/* AlgorithmIdentifier, parameters absent or NULL (der_get_alg); err for another shape. */
static int
get_alg(struct der_reader *rd, const unsigned char **p, const unsigned char *end, int err,
        struct der_tlv *oid)
{
	int rc = der_get_alg(rd, p, end, oid, NULL);

	return rc == DER_ERR_SHAPE ? err : cms_code(rc);
}

static int
get_sha256_alg(struct der_reader *rd, const unsigned char **p, const unsigned char *end, int err)
{
	struct der_tlv oid;
	int rc;

	if ((rc = get_alg(rd, p, end, err, &oid)) != 0)
		return rc;
	return OID_EQ(&oid, CMS_OID_SHA256) ? 0 : err;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const unsigned char *s, size_t n, unsigned *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

/* See cms.h. */
int
cms_der_time(int tag, const unsigned char *val, size_t len, bool rfc5652, time_t *out)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const unsigned char *s = val;
	unsigned y, mo, d, h, mi, sec;
	bool leap;
	int64_t secs;

	if (val == NULL || out == NULL)
		return CMS_ERR_ARG;
	if (tag == TAG_UTCTIME && rfc5652) {
		if (len != 13 || digits(s, 2, &y) != 0)
			return CMS_ERR_SIGNING_TIME;
		y += y >= 50 ? 1900 : 2000;
		s += 2;
	} else if (tag == TAG_GENTIME) {
		if (len != 15 || digits(s, 4, &y) != 0 || (rfc5652 && y >= 1950 && y <= 2049))
			return CMS_ERR_SIGNING_TIME;
		s += 4;
	} else {
		return CMS_ERR_SIGNING_TIME;
	}
	if (digits(s, 2, &mo) || digits(s + 2, 2, &d) || digits(s + 4, 2, &h) ||
	    digits(s + 6, 2, &mi) || digits(s + 8, 2, &sec) || s[10] != 'Z')
		return CMS_ERR_SIGNING_TIME;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 59)
		return CMS_ERR_SIGNING_TIME;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if ((int64_t)(time_t)secs != secs)
		return CMS_ERR_TIME_RANGE;
	*out = (time_t)secs;
	return 0;
}

/* binary-signing-time value (RFC 6019): BinaryTime ::= INTEGER (0..MAX). */
static int
parse_binary_time(const struct der_tlv *t, time_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (t->tag != TAG_INTEGER || t->len == 0 || t->len > 8 || (t->val[0] & 0x80) ||
	    (t->len > 1 && t->val[0] == 0 && (t->val[1] & 0x80) == 0))
		return CMS_ERR_SIGNING_TIME;
	for (i = 0; i < t->len; i++)
		v = (v << 8) | t->val[i];
	if (v > (uint64_t)MAX_SECONDS)
		return CMS_ERR_SIGNING_TIME;
	if ((uint64_t)(time_t)v != v)
		return CMS_ERR_TIME_RANGE;
	*out = (time_t)v;
	return 0;
}

/* X.690 11.6: SET OF elements sorted as octet strings, shorter padded with 0. */
static int
der_set_cmp(const struct der_tlv *a, const struct der_tlv *b)
{
	size_t la = (size_t)(a->next - a->start), lb = (size_t)(b->next - b->start);
	size_t n = la < lb ? la : lb;
	int c = memcmp(a->start, b->start, n);

	if (c != 0)
		return c;
	if (la == lb)
		return 0;
	/* The longer one compares against zero padding: greater unless its tail is all 0. */
	{
		const unsigned char *tail = la > lb ? a->start + n : b->start + n;
		size_t tn = (la > lb ? la : lb) - n, i;
		for (i = 0; i < tn; i++)
			if (tail[i] != 0)
				return la > lb ? 1 : -1;
	}
	return 0;
}

enum attr_kind { ATTR_CT, ATTR_MD, ATTR_TIME, ATTR_BST, ATTR_OTHER };

/*
 * signedAttrs (RFC 6492 3.1.1.6.4): content-type = id-ct-xml,
 * message-digest (32 octets), signing-time and/or binary-signing-time (equal
 * if both); each once with one value; nothing else unless allowed.
 */
static int
parse_signed_attrs(struct der_reader *rd, const struct der_tlv *set, const struct cms_opts *opts,
                   struct cms_msg *msg)
{
	const unsigned char *p = set->val, *end = set->val + set->len;
	struct der_tlv prev = { 0 }, attr, oid, vals, val;
	bool seen[ATTR_OTHER] = { false };
	time_t st = 0, bst = 0;
	size_t nvals;
	int rc, kind;

	while (p < end) {
		const unsigned char *q, *qend;

		if ((rc = tlv_expect(rd, &p, end, TAG_SEQUENCE, CMS_ERR_ASN1, &attr)) != 0)
			return rc;
		if (prev.start != NULL && der_set_cmp(&prev, &attr) > 0 &&
		    der_ber_only(rd) != 0)
			return CMS_ERR_NOT_DER;
		prev = attr;
		q = attr.val;
		qend = attr.val + attr.len;
		if ((rc = tlv_expect(rd, &q, qend, TAG_OID, CMS_ERR_ASN1, &oid)) != 0 ||
		    (rc = tlv_expect(rd, &q, qend, TAG_SET, CMS_ERR_ASN1, &vals)) != 0)
			return rc;
		if (q != qend)
			return CMS_ERR_ASN1;
		if (OID_EQ(&oid, CMS_OID_ATTR_CT))
			kind = ATTR_CT;
		else if (OID_EQ(&oid, CMS_OID_ATTR_DIGEST))
			kind = ATTR_MD;
		else if (OID_EQ(&oid, CMS_OID_ATTR_TIME))
			kind = ATTR_TIME;
		else if (OID_EQ(&oid, CMS_OID_ATTR_BST))
			kind = ATTR_BST;
		else
			kind = ATTR_OTHER;
		if ((rc = tlv_count(rd, &vals, &nvals)) != 0)
			return rc;
		if (kind == ATTR_OTHER) {
			if (!opts->allow_unknown_attrs)
				return CMS_ERR_ATTR_UNKNOWN;
			msg->unknown_attrs = true;
			continue;
		}
		if (seen[kind])
			return CMS_ERR_ATTR_DUPLICATE;
		seen[kind] = true;
		if (nvals != 1)
			return CMS_ERR_ATTR_VALUES;
		if ((rc = tlv_get(rd, vals.val, vals.val + vals.len, &val)) != 0)
			return rc;
		switch (kind) {
		case ATTR_CT:
			if (val.tag != TAG_OID || !OID_EQ(&val, CMS_OID_CT_XML))
				return CMS_ERR_CT_ATTR;
			break;
		case ATTR_MD:
			if (val.tag != TAG_OCTETS || val.len != CMS_SHA256_LEN)
				return CMS_ERR_DIGEST_ATTR;
			memcpy(msg->md_attr, val.val, CMS_SHA256_LEN);
			break;
		case ATTR_TIME:
			if ((rc = cms_der_time(val.tag, val.val, val.len, true, &st)) != 0)
				return rc;
			break;
		case ATTR_BST:
			if (opts->refuse_binary_signing_time)
				return CMS_ERR_ATTR_BST_REFUSED;
			if ((rc = parse_binary_time(&val, &bst)) != 0)
				return rc;
			break;
		}
	}
	if (!seen[ATTR_CT])
		return CMS_ERR_NO_CT_ATTR;
	if (!seen[ATTR_MD])
		return CMS_ERR_NO_DIGEST_ATTR;
	if (!seen[ATTR_TIME] && !seen[ATTR_BST])
		return CMS_ERR_NO_SIGNING_TIME;
	if (seen[ATTR_TIME] && seen[ATTR_BST] && st != bst)
		return CMS_ERR_TIME_MISMATCH;
	msg->has_signing_time = seen[ATTR_TIME];
	msg->has_binary_signing_time = seen[ATTR_BST];
	msg->signing_time = seen[ATTR_TIME] ? st : bst;

	/*
	 * What was signed: the same octets with the SET OF tag (RFC 5652 5.4).
	 * XXX A BER encoding of signedAttrs (indefinite or non-minimal lengths)
	 * is hashed as received, not re-encoded as DER, so its signature will
	 * not verify; no known sender does that (RIPE NCC's BER kept them DER).
	 */
	msg->signed_attrs_len = (size_t)(set->next - set->start);
	if ((msg->signed_attrs = malloc(msg->signed_attrs_len)) == NULL)
		return CMS_ERR_NOMEM;
	memcpy(msg->signed_attrs, set->start, msg->signed_attrs_len);
	msg->signed_attrs[0] = TAG_SET;
	return 0;
}

/* SignerInfo (RFC 6492 3.1.1.6). */
static int
parse_signer_info(struct der_reader *rd, const struct der_tlv *si, const struct cms_opts *opts,
                  struct cms_msg *msg)
{
	const unsigned char *p = si->val, *end = si->val + si->len;
	struct der_tlv sid, attrs, oid, sig;
	int rc;

	if ((rc = get_version3(rd, &p, end, CMS_ERR_SI_VERSION)) != 0)
		return rc;
	/* sid: subjectKeyIdentifier [0] IMPLICIT, never issuerAndSerialNumber. */
	if (p >= end)
		return CMS_ERR_ASN1;
	if ((rc = tlv_get(rd, p, end, &sid)) != 0)
		return rc;
	if (sid.tag != TAG_CTX0_P)
		return CMS_ERR_SID_TYPE;
	p = sid.next;
	if (sid.len != msg->ski_len || memcmp(sid.val, msg->ski, sid.len) != 0)
		return CMS_ERR_SID_MISMATCH;
	if ((rc = get_sha256_alg(rd, &p, end, CMS_ERR_SI_DIGEST_ALG)) != 0)
		return rc;
	if ((rc = tlv_expect(rd, &p, end, TAG_CTX0_C, CMS_ERR_NO_SIGNED_ATTRS, &attrs)) != 0)
		return rc;
	if ((rc = parse_signed_attrs(rd, &attrs, opts, msg)) != 0)
		return rc;
	if ((rc = get_alg(rd, &p, end, CMS_ERR_SIG_ALG, &oid)) != 0)
		return rc;
	if (!OID_EQ(&oid, CMS_OID_RSA) && !OID_EQ(&oid, CMS_OID_SHA256_RSA))
		return CMS_ERR_SIG_ALG;
	if ((rc = tlv_expect(rd, &p, end, TAG_OCTETS, CMS_ERR_ASN1, &sig)) != 0)
		return rc;
	if (sig.len == 0)
		return CMS_ERR_SIGNATURE;
	if (p < end) {
		struct der_tlv u;
		if ((rc = tlv_get(rd, p, end, &u)) != 0)
			return rc;
		return u.tag == TAG_CTX1_C ? CMS_ERR_UNSIGNED_ATTRS : CMS_ERR_ASN1;
	}
	if ((msg->sig = malloc(sig.len)) == NULL)
		return CMS_ERR_NOMEM;
	memcpy(msg->sig, sig.val, sig.len);
	msg->sig_len = sig.len;
	return 0;
}

/* certificates [0] IMPLICIT: exactly the EE certificate (3.1.1.4). */
static int
parse_certs(struct der_reader *rd, const struct der_tlv *set, struct cms_msg *msg)
{
	struct cms_cert_info info;
	size_t n;
	struct der_tlv c;
	int rc;

	if ((rc = tlv_count(rd, set, &n)) != 0)
		return rc;
	if (n == 0)
		return CMS_ERR_NO_CERTS;
	if (n > 1)
		return CMS_ERR_CERT_COUNT;
	if ((rc = tlv_get(rd, set->val, set->val + set->len, &c)) != 0)
		return rc;
	/* Only the Certificate choice; the [0]..[3] alternatives are not X.509 certificates. */
	if (c.tag != TAG_SEQUENCE)
		return CMS_ERR_CERT_PARSE;
	if ((rc = cms_cert_parse(&msg->ee, c.start, (size_t)(c.next - c.start), &info)) != 0)
		return rc;
	if (msg->ee.raw.len != (size_t)(c.next - c.start))
		return CMS_ERR_CERT_PARSE;
	if (msg->ee.ca_istrue)
		return CMS_ERR_EE_IS_CA;
	if (info.has_rfc3779)
		return CMS_ERR_EE_RESOURCES;
	if (info.ski_len == 0)
		return CMS_ERR_EE_NO_SKI;
	if (mbedtls_pk_get_type(&msg->ee.pk) != MBEDTLS_PK_RSA)
		return CMS_ERR_EE_KEY;
	memcpy(msg->ski, info.ski, info.ski_len);
	msg->ski_len = info.ski_len;
	return 0;
}

/* crls [1] IMPLICIT: exactly one CertificateList (3.1.1.5). */
static int
parse_crls(struct der_reader *rd, const struct der_tlv *set, struct cms_msg *msg)
{
	size_t n;
	struct der_tlv c;
	int rc;

	if ((rc = tlv_count(rd, set, &n)) != 0)
		return rc;
	if (n == 0)
		return CMS_ERR_NO_CRL;
	if (n > 1)
		return CMS_ERR_CRL_COUNT;
	if ((rc = tlv_get(rd, set->val, set->val + set->len, &c)) != 0)
		return rc;
	/* Only the CertificateList choice, not [1] OtherRevocationInfoFormat. */
	if (c.tag != TAG_SEQUENCE)
		return CMS_ERR_CRL_PARSE;
	if (mbedtls_x509_crl_parse_der(&msg->crl, c.start, (size_t)(c.next - c.start)) != 0)
		return CMS_ERR_CRL_PARSE;
	msg->has_crl = true;
	return 0;
}

/* SignedData (RFC 5652 5.1) under the RFC 6492 3.1.1 profile. */
static int
parse_signed_data(struct der_reader *rd, const struct der_tlv *sd, const struct cms_opts *opts,
                  struct cms_msg *msg)
{
	const unsigned char *p = sd->val, *end = sd->val + sd->len, *q, *qend;
	struct der_tlv algs, eci, oid, wrap, octs, t, sis, si;
	size_t n;
	int rc;

	if ((rc = get_version3(rd, &p, end, CMS_ERR_SD_VERSION)) != 0)
		return rc;

	/* digestAlgorithms: exactly { SHA-256 } (3.1.1.2). */
	if ((rc = tlv_expect(rd, &p, end, TAG_SET, CMS_ERR_ASN1, &algs)) != 0)
		return rc;
	if ((rc = tlv_count(rd, &algs, &n)) != 0)
		return rc;
	if (n != 1)
		return CMS_ERR_DIGEST_ALGS;
	q = algs.val;
	if ((rc = get_sha256_alg(rd, &q, algs.val + algs.len, CMS_ERR_DIGEST_ALGS)) != 0)
		return rc;

	/* encapContentInfo: id-ct-xml with eContent (3.1.1.3). */
	if ((rc = tlv_expect(rd, &p, end, TAG_SEQUENCE, CMS_ERR_ASN1, &eci)) != 0)
		return rc;
	q = eci.val;
	qend = eci.val + eci.len;
	if ((rc = tlv_expect(rd, &q, qend, TAG_OID, CMS_ERR_ASN1, &oid)) != 0)
		return rc;
	if (!OID_EQ(&oid, CMS_OID_CT_XML))
		return CMS_ERR_ECONTENT_TYPE;
	if (q == qend)
		return CMS_ERR_NO_ECONTENT;
	if ((rc = tlv_expect(rd, &q, qend, TAG_CTX0_C, CMS_ERR_ASN1, &wrap)) != 0)
		return rc;
	if (q != qend)
		return CMS_ERR_ASN1;
	if (wrap.len == 0)
		return CMS_ERR_ASN1;
	if ((rc = tlv_get(rd, wrap.val, wrap.val + wrap.len, &octs)) != 0)
		return rc;
	if (octs.next != wrap.val + wrap.len)
		return CMS_ERR_ASN1;
	if ((rc = octets_copy(rd, &octs, &msg->xml, &msg->xml_len)) != 0)
		return rc;

	/* certificates [0] (3.1.1.4), then crls [1] (3.1.1.5). */
	if (p >= end)
		return CMS_ERR_NO_CERTS;
	if ((rc = tlv_get(rd, p, end, &t)) != 0)
		return rc;
	if (t.tag != TAG_CTX0_C)
		return CMS_ERR_NO_CERTS;
	if ((rc = parse_certs(rd, &t, msg)) != 0)
		return rc;
	p = t.next;
	if (p >= end)
		return CMS_ERR_ASN1;
	if ((rc = tlv_get(rd, p, end, &t)) != 0)
		return rc;
	if (t.tag == TAG_CTX1_C) {
		if ((rc = parse_crls(rd, &t, msg)) != 0)
			return rc;
		p = t.next;
	} else if (!opts->allow_no_crl) {
		return CMS_ERR_NO_CRL;
	}

	/* signerInfos: exactly one (3.1.1.6). */
	if ((rc = tlv_expect(rd, &p, end, TAG_SET, CMS_ERR_ASN1, &sis)) != 0)
		return rc;
	if (p != end)
		return CMS_ERR_ASN1;
	if ((rc = tlv_count(rd, &sis, &n)) != 0)
		return rc;
	if (n != 1)
		return CMS_ERR_SIGNER_COUNT;
	q = sis.val;
	if ((rc = tlv_expect(rd, &q, sis.val + sis.len, TAG_SEQUENCE, CMS_ERR_ASN1, &si)) != 0)
		return rc;
	return parse_signer_info(rd, &si, opts, msg);
}

/* Set up an empty message. */
void
cms_msg_init(struct cms_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	mbedtls_x509_crt_init(&msg->ee);
	mbedtls_x509_crl_init(&msg->crl);
}

/* Free everything msg holds and leave it empty; accepts NULL. */
void
cms_msg_free(struct cms_msg *msg)
{
	if (msg == NULL)
		return;
	free(msg->xml);
	free(msg->signed_attrs);
	free(msg->sig);
	mbedtls_x509_crt_free(&msg->ee);
	mbedtls_x509_crl_free(&msg->crl);
	cms_msg_init(msg);
}

/*
 * Decode a message and check the RFC 6492 3.1.1 profile. See cms.h.
 * On failure msg is left empty.
 */
int
cms_decode(struct cms_msg *msg, const unsigned char *buf, size_t len,
           const struct cms_opts *opts)
{
	static const struct cms_opts defaults;
	struct der_reader rd;
	const unsigned char *p, *end;
	struct der_tlv ci, oid, wrap, sd;
	int rc = CMS_ERR_ASN1;

	if (msg == NULL || (buf == NULL && len > 0))
		return CMS_ERR_ARG;
	cms_msg_free(msg);
	if (opts == NULL)
		opts = &defaults;
	if (len == 0)
		goto out;
	if (len > CMS_MAX_MESSAGE) {
		rc = CMS_ERR_TOO_LARGE;
		goto out;
	}
	memset(&rd, 0, sizeof(rd));
	rd.der_only = opts->der_only;

	/* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content } (3.1). */
	p = buf;
	end = buf + len;
	if ((rc = tlv_expect(&rd, &p, end, TAG_SEQUENCE, CMS_ERR_ASN1, &ci)) != 0)
		goto out;
	if (p != end) {
		rc = CMS_ERR_TRAILING;
		goto out;
	}
	p = ci.val;
	end = ci.val + ci.len;
	if ((rc = tlv_expect(&rd, &p, end, TAG_OID, CMS_ERR_ASN1, &oid)) != 0)
		goto out;
	if (!OID_EQ(&oid, CMS_OID_SIGNED_DATA)) {
		rc = CMS_ERR_CONTENT_TYPE;
		goto out;
	}
	if ((rc = tlv_expect(&rd, &p, end, TAG_CTX0_C, CMS_ERR_ASN1, &wrap)) != 0)
		goto out;
	rc = CMS_ERR_ASN1;
	if (p != end)
		goto out;
	p = wrap.val;
	end = wrap.val + wrap.len;
	if ((rc = tlv_expect(&rd, &p, end, TAG_SEQUENCE, CMS_ERR_ASN1, &sd)) != 0)
		goto out;
	rc = CMS_ERR_ASN1;
	if (p != end)
		goto out;
	if ((rc = parse_signed_data(&rd, &sd, opts, msg)) != 0)
		goto out;
	msg->ber = rd.ber_seen;
	rc = 0;
out:
	if (rc != 0)
		cms_msg_free(msg);
	return rc;
}

/*
 * message-digest = SHA-256(eContent), then the PKCS#1 v1.5 signature over
 * SHA-256 of the DER SET OF signedAttrs with the EE public key (RFC 6492
 * 3.1.2; RFC 5652 5.4). rsaEncryption and sha256WithRSAEncryption both mean
 * this operation (RFC 7935).
 */
int
cms_check_signature(const struct cms_msg *msg)
{
	unsigned char hash[CMS_SHA256_LEN];
	int rc;

	if (msg == NULL || msg->xml == NULL || msg->signed_attrs == NULL || msg->sig == NULL)
		return CMS_ERR_ARG;
	if (mbedtls_sha256_ret(msg->xml, msg->xml_len, hash, 0) != 0)
		return CMS_ERR_DIGEST_MISMATCH;
	if (memcmp(hash, msg->md_attr, sizeof(hash)) != 0)
		return CMS_ERR_DIGEST_MISMATCH;
	if (mbedtls_sha256_ret(msg->signed_attrs, msg->signed_attrs_len, hash, 0) != 0)
		return CMS_ERR_SIGNATURE;
	/* mbedtls_pk_verify wants a mutable context; it does not change it. */
	rc = mbedtls_pk_verify((mbedtls_pk_context *)&msg->ee.pk, MBEDTLS_MD_SHA256,
	    hash, sizeof(hash), msg->sig, msg->sig_len);
	return rc == 0 ? 0 : CMS_ERR_SIGNATURE;
}

/* See cms.h. */
int
cms_key_sha256(const struct cms_key *key, const unsigned char *p, size_t len,
               unsigned char md[32])
{
	if (key != NULL && key->ops != NULL && key->ops->sha256 != NULL)
		return key->ops->sha256(p, len, md) == 0 ? 0 : -1;
	return mbedtls_sha256_ret(p, len, md, 0) == 0 ? 0 : -1;
}

/*
 * cms_check_signature() with the signature checked under ee_key, a key the
 * caller prepared and keeps; refused unless it is msg->ee's key, so the
 * check is still against the certificate. See cms.h.
 */
int
cms_check_signature_pk(const struct cms_msg *msg, const struct cms_key *ee_key)
{
	unsigned char hash[CMS_SHA256_LEN];

	if (msg == NULL || msg->xml == NULL || msg->signed_attrs == NULL || msg->sig == NULL ||
	    ee_key == NULL || ee_key->ops == NULL || ee_key->key == NULL)
		return CMS_ERR_ARG;
	if (!ee_key->ops->same(ee_key->key, &msg->ee.pk))
		return CMS_ERR_ARG;
	if (cms_key_sha256(ee_key, msg->xml, msg->xml_len, hash) != 0)
		return CMS_ERR_DIGEST_MISMATCH;
	if (memcmp(hash, msg->md_attr, sizeof(hash)) != 0)
		return CMS_ERR_DIGEST_MISMATCH;
	if (cms_key_sha256(ee_key, msg->signed_attrs, msg->signed_attrs_len, hash) != 0)
		return CMS_ERR_SIGNATURE;
	return ee_key->ops->check(ee_key->key, hash, msg->sig, msg->sig_len) == 0 ? 0 :
	    CMS_ERR_SIGNATURE;
}
