/*
 * updownctl inspect: RFC 6488 signed objects (manifests, ROAs, ASPAs, ...)
 * and the RFC 9286 manifest eContent.
 *
 * proto/cms decodes only the RFC 6492 profile (id-ct-xml, with a CRL), so
 * this is a small decoder of its own for the RFC 6488 profile: a DER
 * ContentInfo with a SignedData carrying one EE resource certificate and
 * one SignerInfo identified by subjectKeyIdentifier. The signature is
 * checked with the EE key (message-digest = SHA-256(eContent), RSA over
 * the DER SET OF signedAttrs); the EE certificate is not validated up to a
 * trust anchor (that is a relying party's job).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/sha256.h>

#include "inspect.h"

#define TAG_SEQ  (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_SET  (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET)
#define TAG_CTX(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))
#define EQ(oid, len, lit) insp_oid_eq(oid, len, lit, sizeof(lit) - 1)

#define OID_SIGNED_DATA "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"
#define OID_CT_XML      "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x1c"
#define OID_CT_MFT      "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x1a"
#define OID_ATTR_CT     "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x03"
#define OID_ATTR_DIGEST "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x04"
#define OID_ATTR_TIME   "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x05"
#define OID_SHA256      "\x60\x86\x48\x01\x65\x03\x04\x02\x01"

#define INSP_MAX_SIGNED_ATTRS 16

static int
fail(char why[INSP_WHY], const char *msg)
{
	snprintf(why, INSP_WHY, "%s", msg);
	return -1;
}

/* See inspect.h. */
void
insp_sobj_free(struct insp_sobj *s)
{
	if (s == NULL)
		return;
	insp_cert_free(&s->ee);
	memset(s, 0, sizeof(*s));
	insp_cert_init(&s->ee);
}

/* See inspect.h. */
bool
insp_sobj_is_updown(const struct insp_sobj *s)
{
	return EQ(s->ctype_oid, s->ctype_oid_len, OID_CT_XML);
}

/* See inspect.h. */
bool
insp_sobj_is_manifest(const struct insp_sobj *s)
{
	return EQ(s->ctype_oid, s->ctype_oid_len, OID_CT_MFT);
}

/*
 * signedAttrs (RFC 6488 2.1.6.4): content-type, message-digest,
 * signing-time. Sets what it finds; *digest points into the input.
 */
static int
signed_attrs(unsigned char *p, const unsigned char *end, struct insp_sobj *s,
             const unsigned char **digest, size_t *digest_len)
{
	size_t len, n = 0;

	while (p < end) {
		unsigned char *q, *aend, *oid;
		size_t olen;

		if (++n > INSP_MAX_SIGNED_ATTRS ||
		    mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
			return -1;
		q = p;
		aend = p + len;
		p = aend;
		if (mbedtls_asn1_get_tag(&q, aend, &olen, MBEDTLS_ASN1_OID) != 0)
			return -1;
		oid = q;
		q += olen;
		if (mbedtls_asn1_get_tag(&q, aend, &len, TAG_SET) != 0 || q + len != aend)
			return -1;
		if (EQ(oid, olen, OID_ATTR_CT)) {
			if (mbedtls_asn1_get_tag(&q, aend, &len, MBEDTLS_ASN1_OID) != 0)
				return -1;
			s->has_ct_attr = true;
			s->ct_attr_match = len == s->ctype_oid_len &&
			    memcmp(q, s->ctype_oid, len) == 0;
		} else if (EQ(oid, olen, OID_ATTR_DIGEST)) {
			if (mbedtls_asn1_get_tag(&q, aend, &len, MBEDTLS_ASN1_OCTET_STRING) != 0)
				return -1;
			*digest = q;
			*digest_len = len;
		} else if (EQ(oid, olen, OID_ATTR_TIME)) {
			if (insp_get_time(&q, aend, &s->signing_time) != 0)
				return -1;
			s->has_signing_time = true;
		}
	}
	return 0;
}

/* SignerInfo (RFC 6488 2.1.6). */
static int
signer_info(unsigned char *p, const unsigned char *end, struct insp_sobj *s,
            char why[INSP_WHY])
{
	const unsigned char *oid, *digest = NULL, *sid = NULL;
	unsigned char *attrs, *attrs_end, *copy, md[32];
	size_t len, olen, digest_len = 0, sid_len = 0, attrs_len;
	int v;

	if (mbedtls_asn1_get_int(&p, end, &v) != 0)
		return fail(why, "malformed SignerInfo version (RFC 6488 2.1.6.1)");
	if (p < end && *p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0)) {
		if (mbedtls_asn1_get_tag(&p, end, &sid_len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0) != 0)
			return fail(why, "malformed sid (RFC 6488 2.1.6.2)");
		sid = p;
		p += sid_len;
	} else {
		if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
			return fail(why, "malformed sid (RFC 6488 2.1.6.2)");
		p += len;
	}
	if (insp_get_alg(&p, end, &oid, &olen, s->digest_alg, sizeof(s->digest_alg)) != 0)
		return fail(why, "malformed digestAlgorithm (RFC 6488 2.1.6.3)");
	if (p >= end || *p != TAG_CTX(0))
		return fail(why, "signedAttrs absent (RFC 6488 2.1.6.4)");
	attrs = p;
	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_CTX(0)) != 0)
		return fail(why, "malformed signedAttrs (RFC 6488 2.1.6.4)");
	attrs_end = p + len;
	attrs_len = (size_t)(attrs_end - attrs);
	if (signed_attrs(p, attrs_end, s, &digest, &digest_len) != 0)
		return fail(why, "malformed signed attribute (RFC 6488 2.1.6.4)");
	p = attrs_end;
	if (insp_get_alg(&p, end, &oid, &olen, s->sig_alg, sizeof(s->sig_alg)) != 0)
		return fail(why, "malformed signatureAlgorithm (RFC 6488 2.1.6.5)");
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0)
		return fail(why, "malformed signature (RFC 6488 2.1.6.6)");
	s->sid_match = s->ee_ok && sid != NULL && s->ee.has_ski && sid_len == s->ee.ski_len &&
	    memcmp(sid, s->ee.ski, sid_len) == 0;
	s->digest_match = digest != NULL && digest_len == 32 &&
	    mbedtls_sha256_ret(s->econtent, s->econtent_len, md, 0) == 0 &&
	    memcmp(md, digest, 32) == 0;
	/* The signature covers the DER SET OF: the [0] tag becomes 0x31 (RFC 5652 5.4). */
	s->sig_status = INSP_SIG_INVALID;
	if (s->ee_ok && (copy = malloc(attrs_len)) != NULL) {
		memcpy(copy, attrs, attrs_len);
		copy[0] = TAG_SET;
		s->sig_status = insp_sig_check(s->ee.spki, s->ee.spki_len, oid, olen, copy,
		    attrs_len, p, len);
		free(copy);
	}
	p += len;
	if (p < end && *p == TAG_CTX(1))
		return fail(why, "unsignedAttrs present (RFC 6488 2.1.6.7)");
	if (p != end)
		return fail(why, "bytes after the SignerInfo");
	return 0;
}

/* See inspect.h. ContentInfo { id-signedData, [0] SignedData } (RFC 6488 2.1). */
int
insp_sobj_decode(const unsigned char *der, size_t len, struct insp_sobj *s,
                 char why[INSP_WHY])
{
	unsigned char *p = (unsigned char *)der, *end = p + len, *send, *q, *eend;
	size_t l, olen, nsi = 0;
	int v;

	memset(s, 0, sizeof(*s));
	insp_cert_init(&s->ee);
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQ) != 0 || p + l != end)
		return fail(why, "not a DER ContentInfo, or bytes after it (RFC 6488 2.1)");
	if (mbedtls_asn1_get_tag(&p, end, &olen, MBEDTLS_ASN1_OID) != 0 ||
	    !EQ(p, olen, OID_SIGNED_DATA))
		return fail(why, "contentType is not id-signedData (RFC 6488 2.1)");
	p += olen;
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_CTX(0)) != 0 || p + l != end ||
	    mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQ) != 0 || p + l != end)
		return fail(why, "malformed SignedData (RFC 6488 2.1)");
	send = end;
	if (mbedtls_asn1_get_int(&p, send, &v) != 0)
		return fail(why, "malformed SignedData version (RFC 6488 2.1.1)");
	s->version = v;
	if (mbedtls_asn1_get_tag(&p, send, &l, TAG_SET) != 0)
		return fail(why, "malformed digestAlgorithms (RFC 6488 2.1.2)");
	p += l;
	if (mbedtls_asn1_get_tag(&p, send, &l, TAG_SEQ) != 0)
		return fail(why, "malformed encapContentInfo (RFC 6488 2.1.3)");
	q = p;
	eend = p + l;
	p = eend;
	if (mbedtls_asn1_get_tag(&q, eend, &olen, MBEDTLS_ASN1_OID) != 0)
		return fail(why, "malformed eContentType (RFC 6488 2.1.3.1)");
	s->ctype_oid = q;
	s->ctype_oid_len = olen;
	insp_oid_name(q, olen, s->ctype, sizeof(s->ctype));
	q += olen;
	if (mbedtls_asn1_get_tag(&q, eend, &l, TAG_CTX(0)) != 0 ||
	    mbedtls_asn1_get_tag(&q, eend, &l, MBEDTLS_ASN1_OCTET_STRING) != 0 || q + l != eend)
		return fail(why, "eContent absent or not a DER OCTET STRING (RFC 6488 2.1.3.2)");
	s->econtent = q;
	s->econtent_len = l;
	if (p < send && *p == TAG_CTX(0)) {
		unsigned char *cend;

		if (mbedtls_asn1_get_tag(&p, send, &l, TAG_CTX(0)) != 0)
			return fail(why, "malformed certificates (RFC 6488 2.1.4)");
		cend = p + l;
		while (p < cend) {
			unsigned char *cstart = p;

			if (mbedtls_asn1_get_tag(&p, cend, &l, TAG_SEQ) != 0)
				return fail(why, "malformed certificate (RFC 6488 2.1.4)");
			p += l;
			if (++s->ncerts == 1) {
				char cwhy[INSP_WHY];

				if (insp_cert_decode(cstart, (size_t)(p - cstart), &s->ee, cwhy) != 0) {
					snprintf(why, INSP_WHY, "EE certificate: %.200s", cwhy);
					return -1;
				}
				s->ee_ok = true;
			}
		}
	}
	if (p < send && *p == TAG_CTX(1)) {
		if (mbedtls_asn1_get_tag(&p, send, &l, TAG_CTX(1)) != 0)
			return fail(why, "malformed crls (RFC 6488 2.1.5)");
		s->ncrls = 1;
		p += l;
	}
	if (mbedtls_asn1_get_tag(&p, send, &l, TAG_SET) != 0 || p + l != send)
		return fail(why, "malformed signerInfos (RFC 6488 2.1.6)");
	while (p < send) {
		if (mbedtls_asn1_get_tag(&p, send, &l, TAG_SEQ) != 0)
			return fail(why, "malformed SignerInfo (RFC 6488 2.1.6)");
		if (++nsi > 1)
			return fail(why, "more than one SignerInfo (RFC 6488 2.1)");
		if (signer_info(p, p + l, s, why) != 0)
			return -1;
		p += l;
	}
	if (nsi != 1)
		return fail(why, "no SignerInfo (RFC 6488 2.1)");
	return 0;
}

static const char *
yes_no(bool b)
{
	return b ? "yes" : "NO";
}

/* See inspect.h. */
void
insp_sobj_text(const struct insp_sobj *s, const char *indent)
{
	char t[32], sub[64];

	printf("%ssigned object (RFC 6488): eContentType %s, %zu bytes of eContent\n",
	    indent, s->ctype, s->econtent_len);
	if (s->has_signing_time) {
		insp_time_text(s->signing_time, t);
		printf("%ssigning-time: %s\n", indent, t);
	}
	if (s->ber)
		printf("%sencoding: BER, not DER (RFC 6488 2.1 requires DER)\n", indent);
	printf("%sSignedData version %d, %zu certificate(s), %s\n", indent, s->version,
	    s->ncerts, s->ncrls ? "crls present (RFC 6488 2.1.5 forbids them)" : "no crls");
	printf("%sdigest %s, signature algorithm %s\n", indent, s->digest_alg, s->sig_alg);
	printf("%scontent-type attribute matches: %s\n", indent,
	    yes_no(s->has_ct_attr && s->ct_attr_match));
	printf("%smessage-digest matches eContent: %s\n", indent, yes_no(s->digest_match));
	printf("%ssid is the EE certificate's SKI: %s\n", indent, yes_no(s->sid_match));
	printf("%ssignature: %s\n", indent, s->sig_status == INSP_SIG_VALID ? "valid" :
	    "INVALID");
	if (s->ee_ok) {
		printf("%sEE certificate:\n", indent);
		snprintf(sub, sizeof(sub), "%s  ", indent);
		insp_cert_text(&s->ee, sub);
	}
}

/* See inspect.h. */
void
insp_sobj_json_fields(struct jo *j, const struct insp_sobj *s)
{
	jo_str(j, "content_type", s->ctype);
	if (s->has_signing_time)
		jo_time(j, "signing_time", s->signing_time);
	else
		jo_null(j, "signing_time");
	jo_str(j, "encoding", s->ber ? "BER" : "DER");
	jo_uint(j, "certificates", s->ncerts);
	jo_bool(j, "crls", s->ncrls != 0);
	jo_bool(j, "content_type_attribute_ok", s->has_ct_attr && s->ct_attr_match);
	jo_bool(j, "digest_ok", s->digest_match);
	jo_bool(j, "sid_ok", s->sid_match);
	jo_str(j, "signature", s->sig_status == INSP_SIG_VALID ? "valid" : "invalid");
	if (s->ee_ok)
		insp_cert_json(j, "ee", &s->ee);
	else
		jo_null(j, "ee");
}

/* See inspect.h. */
bool
insp_sobj_ok(const struct insp_sobj *s)
{
	return s->sig_status == INSP_SIG_VALID && s->digest_match && s->sid_match &&
	    s->has_ct_attr && s->ct_attr_match && s->ncerts == 1;
}

/* RFC 9286 4.2.2: [a-zA-Z0-9_-]+ "." and three lower-case letters. */
static bool
mft_name_ok(const unsigned char *s, size_t n)
{
	size_t i;

	if (n < 5 || s[n - 4] != '.')
		return false;
	for (i = 0; i < n - 4; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	for (i = n - 3; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

/* See inspect.h. */
void
insp_mft_free(struct insp_mft *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].name);
	free(m->files);
	memset(m, 0, sizeof(*m));
}

/*
 * See inspect.h. Manifest ::= SEQUENCE { version [0] INTEGER DEFAULT 0,
 * manifestNumber, thisUpdate, nextUpdate, fileHashAlg, fileList }
 * (RFC 9286 4.2).
 */
int
insp_mft_decode(const unsigned char *der, size_t len, struct insp_mft *m,
                char why[INSP_WHY])
{
	unsigned char *p = (unsigned char *)der, *end = p + len, *q, *fend;
	size_t l, olen, cap = 0;

	memset(m, 0, sizeof(*m));
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQ) != 0 || p + l != end)
		return fail(why, "manifest is not one DER SEQUENCE (RFC 9286 4.2)");
	if (p < end && *p == TAG_CTX(0)) {
		int v;

		if (mbedtls_asn1_get_tag(&p, end, &l, TAG_CTX(0)) != 0 ||
		    mbedtls_asn1_get_int(&p, p + l, &v) != 0 || v < 0)
			return fail(why, "malformed manifest version (RFC 9286 4.2.1)");
		m->version = (unsigned long long)v;
	}
	if (insp_get_integer(&p, end, m->number, &m->number_len) != 0)
		return fail(why, "malformed manifestNumber (RFC 9286 4.2.1)");
	if (p >= end || *p != MBEDTLS_ASN1_GENERALIZED_TIME ||
	    insp_get_time(&p, end, &m->this_update) != 0)
		return fail(why, "thisUpdate is not a GeneralizedTime (RFC 9286 4.2.1)");
	if (p >= end || *p != MBEDTLS_ASN1_GENERALIZED_TIME ||
	    insp_get_time(&p, end, &m->next_update) != 0)
		return fail(why, "nextUpdate is not a GeneralizedTime (RFC 9286 4.2.1)");
	if (mbedtls_asn1_get_tag(&p, end, &olen, MBEDTLS_ASN1_OID) != 0)
		return fail(why, "malformed fileHashAlg (RFC 9286 4.2.1)");
	insp_oid_name(p, olen, m->hash_alg, sizeof(m->hash_alg));
	p += olen;
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQ) != 0 || p + l != end)
		return fail(why, "malformed fileList, or bytes after it (RFC 9286 4.2.1)");
	fend = end;
	for (q = p; q < fend; q += l, cap++)
		if (mbedtls_asn1_get_tag(&q, fend, &l, TAG_SEQ) != 0 || cap >= INSP_MAX_MFT_FILES)
			return fail(why, "malformed or too many FileAndHash entries (RFC 9286 4.2.1)");
	if (cap > 0 && (m->files = calloc(cap, sizeof(*m->files))) == NULL)
		return fail(why, "out of memory");
	while (p < fend) {
		struct insp_mft_file *f = &m->files[m->nfiles];
		mbedtls_asn1_bitstring bs;
		unsigned char *eend;

		if (mbedtls_asn1_get_tag(&p, fend, &l, TAG_SEQ) != 0)
			goto bad;
		eend = p + l;
		if (mbedtls_asn1_get_tag(&p, eend, &l, MBEDTLS_ASN1_IA5_STRING) != 0)
			goto bad;
		if ((f->name = malloc(l + 1)) == NULL)
			return fail(why, "out of memory");
		m->nfiles++;
		f->name_ok = mft_name_ok(p, l);
		if (!f->name_ok)
			m->bad_names++;
		memcpy(f->name, p, l);
		f->name[l] = '\0';
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)f->name[i] < 0x20 || (unsigned char)f->name[i] > 0x7e)
				f->name[i] = '?';
		p += l;
		if (mbedtls_asn1_get_bitstring(&p, eend, &bs) != 0 || p != eend ||
		    bs.unused_bits != 0 || bs.len > sizeof(f->hash))
			goto bad;
		memcpy(f->hash, bs.p, bs.len);
		f->hash_len = bs.len;
	}
	return 0;
bad:
	return fail(why, "malformed FileAndHash (RFC 9286 4.2.1)");
}

/* See inspect.h. */
void
insp_mft_text(const struct insp_mft *m, const char *indent)
{
	char buf[2 * INSP_MAX_SERIAL + 4], t[32], h[130];

	insp_integer_text(m->number, m->number_len, buf, sizeof(buf));
	printf("%smanifest (RFC 9286): version %llu, number %s, %zu files\n", indent,
	    m->version, buf, m->nfiles);
	insp_time_text(m->this_update, t);
	printf("%sthisUpdate: %s\n", indent, t);
	insp_time_text(m->next_update, t);
	printf("%snextUpdate: %s\n", indent, t);
	printf("%sfileHashAlg: %s\n", indent, m->hash_alg);
	for (size_t i = 0; i < m->nfiles; i++) {
		insp_hex(m->files[i].hash, m->files[i].hash_len, h, sizeof(h));
		printf("%sfile: %s %s%s\n", indent, m->files[i].name, h,
		    m->files[i].name_ok ? "" : " (name not of the RFC 9286 4.2.2 form)");
	}
}

/* See inspect.h. */
void
insp_mft_json_fields(struct jo *j, const struct insp_mft *m)
{
	char buf[2 * INSP_MAX_SERIAL + 4];

	jo_obj_begin(j, "manifest");
	jo_uint(j, "version", m->version);
	insp_integer_text(m->number, m->number_len, buf, sizeof(buf));
	jo_str(j, "number", buf);
	jo_time(j, "this_update", m->this_update);
	jo_time(j, "next_update", m->next_update);
	jo_str(j, "hash_algorithm", m->hash_alg);
	jo_arr_begin(j, "files");
	for (size_t i = 0; i < m->nfiles; i++) {
		jo_obj_begin(j, NULL);
		jo_str(j, "name", m->files[i].name);
		jo_hex(j, "hash", m->files[i].hash, m->files[i].hash_len);
		jo_bool(j, "name_ok", m->files[i].name_ok);
		jo_obj_end(j);
	}
	jo_arr_end(j);
	jo_obj_end(j);
}
