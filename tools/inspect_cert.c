/*
 * updownctl inspect: X.509 certificates. RFC 6487 resource certificates
 * (CA, EE, router) with their RFC 3779 resources as RFC 6492 text, and
 * BPKI certificates (RFC 6492 3.1, RFC 8183).
 *
 * Our own walk of the DER (RFC 5280 4.1) so that a certificate mbed TLS
 * would refuse is still shown; names are formatted by mbed TLS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha1.h>

#include "inspect.h"

#define TAG_SEQ  (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_CTX(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))
#define TAG_URI  (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6) /* GeneralName uniformResourceIdentifier */

#define OID_PE(x)  "\x2b\x06\x01\x05\x05\x07\x01" x
#define OID_AD(x)  "\x2b\x06\x01\x05\x05\x07\x30" x
#define OID_CE(x)  "\x55\x1d" x
#define EQ(oid, len, lit) insp_oid_eq(oid, len, lit, sizeof(lit) - 1)

static const char *const ku_names[9] = {
	"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
	"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
};

/* See inspect.h. */
void
insp_cert_init(struct insp_cert *c)
{
	memset(c, 0, sizeof(*c));
	c->pathlen = -1;
	res_set_init(&c->v4, RES_IPV4);
	res_set_init(&c->v6, RES_IPV6);
	res_set_init(&c->as, RES_AS);
}

/* See inspect.h. */
void
insp_cert_free(struct insp_cert *c)
{
	if (c == NULL)
		return;
	insp_uris_free(&c->sia_repo);
	insp_uris_free(&c->sia_mft);
	insp_uris_free(&c->sia_notify);
	insp_uris_free(&c->sia_signed);
	insp_uris_free(&c->sia_other);
	insp_uris_free(&c->aia);
	insp_uris_free(&c->crldp);
	res_set_free(&c->v4);
	res_set_free(&c->v6);
	res_set_free(&c->as);
	insp_cert_init(c);
}

static int
fail(char why[INSP_WHY], const char *msg)
{
	snprintf(why, INSP_WHY, "%s", msg);
	return -1;
}

/* OCTET STRING keyIdentifier (SKI). */
static int
ext_ski(unsigned char *p, const unsigned char *end, struct insp_cert *c)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
	    p + len != end || len > INSP_MAX_KEYID)
		return -1;
	memcpy(c->ski, p, len);
	c->ski_len = len;
	c->has_ski = true;
	return 0;
}

/* AuthorityKeyIdentifier ::= SEQUENCE { [0] keyIdentifier OPTIONAL, [1], [2] } */
static int
ext_aki(unsigned char *p, const unsigned char *end, unsigned char *aki, size_t *aki_len,
        bool *has)
{
	unsigned char *q;
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end)
		return -1;
	*has = true;
	*aki_len = 0;
	q = p;
	if (q < end && *q == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0)) {
		if (mbedtls_asn1_get_tag(&q, end, &len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0) != 0 ||
		    len > INSP_MAX_KEYID)
			return -1;
		memcpy(aki, q, len);
		*aki_len = len;
	}
	return 0;
}

/* BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
static int
ext_bc(unsigned char *p, const unsigned char *end, struct insp_cert *c)
{
	size_t len;
	int ca = 0, pl;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end)
		return -1;
	if (p < end && *p == MBEDTLS_ASN1_BOOLEAN && mbedtls_asn1_get_bool(&p, end, &ca) != 0)
		return -1;
	if (p < end) {
		if (mbedtls_asn1_get_int(&p, end, &pl) != 0 || pl < 0)
			return -1;
		c->pathlen = pl;
	}
	if (p != end)
		return -1;
	c->has_bc = true;
	c->ca = ca != 0;
	return 0;
}

static int
ext_ku(unsigned char *p, const unsigned char *end, struct insp_cert *c)
{
	mbedtls_asn1_bitstring bs;

	if (mbedtls_asn1_get_bitstring(&p, end, &bs) != 0 || p != end || bs.len > 2)
		return -1;
	c->ku = 0;
	for (size_t i = 0; i < bs.len * 8 && i < 9; i++)
		if (bs.p[i / 8] & (0x80 >> (i % 8)))
			c->ku |= 1u << i;
	c->has_ku = true;
	return 0;
}

/* SEQUENCE OF AccessDescription { accessMethod OID, accessLocation GeneralName } */
static int
ext_info_access(unsigned char *p, const unsigned char *end, struct insp_cert *c, bool sia)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end)
		return -1;
	while (p < end) {
		unsigned char *q, *dend, *oid;
		size_t olen;
		struct insp_uris *u;

		if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
			return -1;
		q = p;
		dend = p + len;
		p = dend;
		if (mbedtls_asn1_get_tag(&q, dend, &olen, MBEDTLS_ASN1_OID) != 0)
			return -1;
		oid = q;
		q += olen;
		if (q >= dend)
			return -1;
		if (*q != TAG_URI)
			continue; /* another kind of GeneralName: not shown */
		if (mbedtls_asn1_get_tag(&q, dend, &len, TAG_URI) != 0 || q + len != dend)
			return -1;
		if (!sia)
			u = &c->aia;
		else if (EQ(oid, olen, OID_AD("\x05")))
			u = &c->sia_repo;
		else if (EQ(oid, olen, OID_AD("\x0a")))
			u = &c->sia_mft;
		else if (EQ(oid, olen, OID_AD("\x0d")))
			u = &c->sia_notify;
		else if (EQ(oid, olen, OID_AD("\x0b")))
			u = &c->sia_signed;
		else
			u = &c->sia_other;
		if (insp_uris_add(u, q, len) != 0)
			return -1;
	}
	return 0;
}

/* CRLDistributionPoints: the URIs of every fullName. */
static int
ext_crldp(unsigned char *p, const unsigned char *end, struct insp_cert *c)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end)
		return -1;
	while (p < end) {
		unsigned char *q, *dend, *fend;

		if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
			return -1;
		q = p;
		dend = p + len;
		p = dend;
		if (q >= dend || *q != TAG_CTX(0))
			continue;
		if (mbedtls_asn1_get_tag(&q, dend, &len, TAG_CTX(0)) != 0)
			return -1;
		if (len == 0 || *q != TAG_CTX(0))
			continue; /* nameRelativeToCRLIssuer */
		if (mbedtls_asn1_get_tag(&q, q + len, &len, TAG_CTX(0)) != 0)
			return -1;
		fend = q + len;
		while (q < fend) {
			unsigned char tag = *q;

			if (mbedtls_asn1_get_tag(&q, fend, &len, tag) != 0)
				return -1;
			if (tag == TAG_URI && insp_uris_add(&c->crldp, q, len) != 0)
				return -1;
			q += len;
		}
	}
	return 0;
}

/* certificatePolicies ::= SEQUENCE OF PolicyInformation { policyIdentifier, qualifiers } */
static int
ext_policies(unsigned char *p, const unsigned char *end, struct insp_cert *c)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end)
		return -1;
	while (p < end) {
		unsigned char *q, *dend;

		if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
			return -1;
		q = p;
		dend = p + len;
		p = dend;
		if (mbedtls_asn1_get_tag(&q, dend, &len, MBEDTLS_ASN1_OID) != 0)
			return -1;
		if (c->npolicies < INSP_MAX_POLICY)
			insp_oid_name(q, len, c->policies[c->npolicies++], sizeof(c->policies[0]));
	}
	return 0;
}

static int
extension(const unsigned char *oid, size_t olen, bool critical, unsigned char *v,
          const unsigned char *vend, struct insp_cert *c)
{
	size_t vlen = (size_t)(vend - v);

	if (EQ(oid, olen, OID_CE("\x0e")))
		return ext_ski(v, vend, c);
	if (EQ(oid, olen, OID_CE("\x23")))
		return ext_aki(v, vend, c->aki, &c->aki_len, &c->has_aki);
	if (EQ(oid, olen, OID_CE("\x13"))) {
		c->bc_critical = critical;
		return ext_bc(v, vend, c);
	}
	if (EQ(oid, olen, OID_CE("\x0f"))) {
		c->ku_critical = critical;
		return ext_ku(v, vend, c);
	}
	if (EQ(oid, olen, OID_CE("\x25"))) {
		c->has_eku = true;
		return 0;
	}
	if (EQ(oid, olen, OID_CE("\x1f")))
		return ext_crldp(v, vend, c);
	if (EQ(oid, olen, OID_CE("\x20")))
		return ext_policies(v, vend, c);
	if (EQ(oid, olen, OID_PE("\x01")))
		return ext_info_access(v, vend, c, false);
	if (EQ(oid, olen, OID_PE("\x0b")))
		return ext_info_access(v, vend, c, true);
	if (EQ(oid, olen, OID_PE("\x07")) || EQ(oid, olen, OID_PE("\x1c"))) {
		/* A second IP extension (RFC 5280 4.2: at most one) replaces nothing. */
		if (c->has_ip)
			return -2;
		c->has_ip = true;
		c->ip_critical = critical;
		c->res_v2 |= EQ(oid, olen, OID_PE("\x1c"));
		c->ip_err = res_der_decode_ip(v, vlen, &c->v4, &c->v6);
		return 0;
	}
	if (EQ(oid, olen, OID_PE("\x08")) || EQ(oid, olen, OID_PE("\x1d"))) {
		if (c->has_as)
			return -2;
		c->has_as = true;
		c->as_critical = critical;
		c->res_v2 |= EQ(oid, olen, OID_PE("\x1d"));
		c->as_err = res_der_decode_as(v, vlen, &c->as);
		return 0;
	}
	if (c->nunknown < INSP_MAX_EXT) {
		insp_oid_name(oid, olen, c->unknown_ext[c->nunknown],
		    sizeof(c->unknown_ext[0]));
		c->unknown_critical[c->nunknown++] = critical;
	}
	return 0;
}

/* Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension (RFC 5280 4.1.2.9). */
static int
extensions(unsigned char *p, const unsigned char *end, struct insp_cert *c,
           char why[INSP_WHY])
{
	size_t len, n = 0;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end)
		return fail(why, "extensions are not a SEQUENCE (RFC 5280 4.1.2.9)");
	while (p < end) {
		unsigned char *q, *eend, *oid;
		size_t olen;
		int crit = 0, rc;
		char name[48];

		if (++n > INSP_MAX_EXT)
			return fail(why, "more extensions than the inspector handles");
		if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
			return fail(why, "malformed Extension (RFC 5280 4.1)");
		q = p;
		eend = p + len;
		p = eend;
		if (mbedtls_asn1_get_tag(&q, eend, &olen, MBEDTLS_ASN1_OID) != 0)
			return fail(why, "malformed extnID (RFC 5280 4.1)");
		oid = q;
		q += olen;
		if (q < eend && *q == MBEDTLS_ASN1_BOOLEAN &&
		    mbedtls_asn1_get_bool(&q, eend, &crit) != 0)
			return fail(why, "malformed critical flag (RFC 5280 4.1)");
		if (mbedtls_asn1_get_tag(&q, eend, &len, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
		    q + len != eend)
			return fail(why, "malformed extnValue (RFC 5280 4.1)");
		if ((rc = extension(oid, olen, crit != 0, q, eend, c)) != 0) {
			insp_oid_name(oid, olen, name, sizeof(name));
			snprintf(why, INSP_WHY, rc == -2 ?
			    "extension %s appears twice (RFC 5280 4.2)" :
			    "malformed value of extension %s (RFC 5280 4.2)", name);
			return -1;
		}
	}
	return 0;
}

/* SubjectPublicKeyInfo: algorithm, key size, SHA-1 of the key bits, gSKI. */
static int
spki(unsigned char **p, const unsigned char *end, struct insp_cert *c)
{
	unsigned char *start = *p, *q, *send;
	const unsigned char *oid;
	mbedtls_asn1_bitstring bs;
	mbedtls_pk_context pk;
	size_t len, olen;

	if (mbedtls_asn1_get_tag(p, end, &len, TAG_SEQ) != 0)
		return -1;
	q = *p;
	send = *p + len;
	*p = send;
	c->spki = start;
	c->spki_len = (size_t)(send - start);
	if (insp_get_alg(&q, send, &oid, &olen, c->key_alg, sizeof(c->key_alg)) != 0 ||
	    mbedtls_asn1_get_bitstring(&q, send, &bs) != 0 || q != send ||
	    bs.unused_bits != 0)
		return -1;
	if (mbedtls_sha1_ret(bs.p, bs.len, c->key_sha1) != 0 ||
	    ud_ski_from_key(bs.p, bs.len, c->gski) != 0)
		return -1;
	mbedtls_pk_init(&pk);
	if (mbedtls_pk_parse_public_key(&pk, c->spki, c->spki_len) == 0)
		c->key_bits = (unsigned)mbedtls_pk_get_bitlen(&pk);
	mbedtls_pk_free(&pk);
	return 0;
}

/* See inspect.h. */
enum insp_sig
insp_sig_check(const unsigned char *issuer_spki, size_t spki_len,
               const unsigned char *alg_oid, size_t alg_len,
               const unsigned char *tbs, size_t tbs_len,
               const unsigned char *sig, size_t sig_len)
{
	mbedtls_pk_context pk;
	mbedtls_md_type_t md;
	unsigned char hash[64];
	enum insp_sig rc = INSP_SIG_INVALID;

	if (EQ(alg_oid, alg_len, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b") ||
	    EQ(alg_oid, alg_len, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"))
		md = MBEDTLS_MD_SHA256; /* rsaEncryption: RFC 7935 lets CMS signers say so */
	else if (EQ(alg_oid, alg_len, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c"))
		md = MBEDTLS_MD_SHA384;
	else if (EQ(alg_oid, alg_len, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d"))
		md = MBEDTLS_MD_SHA512;
	else
		return INSP_SIG_INVALID;
	mbedtls_pk_init(&pk);
	if (mbedtls_pk_parse_public_key(&pk, issuer_spki, spki_len) == 0 &&
	    mbedtls_pk_can_do(&pk, MBEDTLS_PK_RSA) &&
	    mbedtls_md(mbedtls_md_info_from_type(md), tbs, tbs_len, hash) == 0 &&
	    mbedtls_pk_verify(&pk, md, hash, 0, sig, sig_len) == 0)
		rc = INSP_SIG_VALID;
	mbedtls_pk_free(&pk);
	return rc;
}

static const char *
profile(const struct insp_cert *c)
{
	bool rpki = c->has_ip || c->has_as;

	if (rpki && c->ca)
		return c->self_issued ? "RPKI trust anchor" : "RPKI CA";
	if (rpki && c->has_eku)
		return "RPKI router (BGPsec)";
	if (rpki)
		return "RPKI EE";
	if (c->ca)
		return c->self_issued ? "BPKI trust anchor" : "BPKI CA";
	return "BPKI EE (or other, no RFC 3779 resources)";
}

/* See inspect.h. Certificate ::= SEQUENCE { tbs, signatureAlgorithm, signature } */
int
insp_cert_decode(const unsigned char *der, size_t len, struct insp_cert *c,
                 char why[INSP_WHY])
{
	unsigned char *p = (unsigned char *)der, *end = p + len, *tend, *issuer_start;
	unsigned char *issuer_end, *subject_start;
	const unsigned char *oid;
	mbedtls_asn1_bitstring bs;
	size_t l, olen;
	int v = 0;

	insp_cert_init(c);
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQ) != 0)
		return fail(why, "not a DER SEQUENCE (RFC 5280 4.1)");
	if (p + l != end)
		return fail(why, "bytes after the certificate");
	c->tbs = p;
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQ) != 0)
		return fail(why, "no TBSCertificate (RFC 5280 4.1)");
	tend = p + l;
	c->tbs_len = (size_t)(tend - c->tbs);
	if (p < tend && *p == TAG_CTX(0)) {
		unsigned char *q;

		if (mbedtls_asn1_get_tag(&p, tend, &l, TAG_CTX(0)) != 0)
			return fail(why, "malformed version (RFC 5280 4.1.2.1)");
		q = p;
		if (mbedtls_asn1_get_int(&q, p + l, &v) != 0 || q != p + l || v < 0 || v > 2)
			return fail(why, "malformed version (RFC 5280 4.1.2.1)");
		p = q;
	}
	c->version = v + 1;
	if (insp_get_integer(&p, tend, c->serial, &c->serial_len) != 0)
		return fail(why, "malformed serialNumber (RFC 5280 4.1.2.2)");
	if (insp_get_alg(&p, tend, &oid, &olen, c->sig_alg, sizeof(c->sig_alg)) != 0)
		return fail(why, "malformed signature algorithm (RFC 5280 4.1.2.3)");
	issuer_start = p;
	if (insp_get_name(&p, tend, c->issuer, sizeof(c->issuer)) != 0)
		return fail(why, "malformed issuer (RFC 5280 4.1.2.4)");
	issuer_end = p;
	if (mbedtls_asn1_get_tag(&p, tend, &l, TAG_SEQ) != 0 ||
	    insp_get_time(&p, p + l, &c->not_before) != 0 ||
	    insp_get_time(&p, tend, &c->not_after) != 0)
		return fail(why, "malformed validity (RFC 5280 4.1.2.5)");
	subject_start = p;
	if (insp_get_name(&p, tend, c->subject, sizeof(c->subject)) != 0)
		return fail(why, "malformed subject (RFC 5280 4.1.2.6)");
	c->self_issued = (size_t)(p - subject_start) == (size_t)(issuer_end - issuer_start) &&
	    memcmp(subject_start, issuer_start, (size_t)(p - subject_start)) == 0;
	if (spki(&p, tend, c) != 0)
		return fail(why, "malformed subjectPublicKeyInfo (RFC 5280 4.1.2.7)");
	for (int tag = 1; tag <= 2; tag++)
		if (p < tend && *p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | tag)) {
			if (mbedtls_asn1_get_tag(&p, tend, &l,
			    MBEDTLS_ASN1_CONTEXT_SPECIFIC | tag) != 0)
				return fail(why, "malformed unique identifier (RFC 5280 4.1.2.8)");
			p += l;
		}
	if (p < tend) {
		if (mbedtls_asn1_get_tag(&p, tend, &l, TAG_CTX(3)) != 0 || p + l != tend)
			return fail(why, "malformed extensions (RFC 5280 4.1.2.9)");
		if (extensions(p, tend, c, why) != 0)
			return -1;
		p = tend;
	}
	if (insp_get_alg(&p, end, &c->sig_alg_oid, &c->sig_alg_oid_len, c->sig_alg,
	    sizeof(c->sig_alg)) != 0)
		return fail(why, "malformed signatureAlgorithm (RFC 5280 4.1.1.2)");
	if (mbedtls_asn1_get_bitstring(&p, end, &bs) != 0 || p != end || bs.unused_bits != 0)
		return fail(why, "malformed signatureValue (RFC 5280 4.1.1.3)");
	c->sig = bs.p;
	c->sig_len = bs.len;
	if (olen != c->sig_alg_oid_len || memcmp(oid, c->sig_alg_oid, olen) != 0)
		return fail(why, "signature algorithms differ (RFC 5280 4.1.1.2)");
	if (c->self_issued)
		c->sig_status = insp_sig_check(c->spki, c->spki_len, c->sig_alg_oid,
		    c->sig_alg_oid_len, c->tbs, c->tbs_len, c->sig, c->sig_len);
	c->profile = profile(c);
	return 0;
}

/* See inspect.h. */
char *
insp_res_text(const struct res_set *set, bool present, int err)
{
	char *t = NULL;

	if (!present)
		return NULL;
	if (err != 0) {
		char buf[128];

		snprintf(buf, sizeof(buf), "(undecodable: %s)", res_strerror(err));
		return strdup(buf);
	}
	if (set->inherit)
		return strdup("inherit");
	if (res_set_print(set, &t) != 0)
		return NULL;
	return t;
}

static void
uris_text(const char *indent, const char *label, const struct insp_uris *u)
{
	for (size_t i = 0; i < u->n; i++)
		printf("%s%s: %s\n", indent, label, u->v[i]);
	if (u->dropped)
		printf("%s%s: (%zu more not shown)\n", indent, label, u->dropped);
}

static void
res_line(const char *indent, const char *name, const struct res_set *set, bool present,
         int err)
{
	char *t = insp_res_text(set, present, err);

	if (t != NULL)
		printf("%s%s: \"%s\"\n", indent, name, t);
	free(t);
}

static const char *
sig_text(enum insp_sig s)
{
	return s == INSP_SIG_VALID ? "valid" : s == INSP_SIG_INVALID ? "INVALID" :
	    "not checked";
}

/* See inspect.h. */
void
insp_cert_text(const struct insp_cert *c, const char *indent)
{
	char buf[2 * INSP_MAX_KEYID + 4], t[32];

	printf("%scertificate: %s, X.509 v%d\n", indent, c->profile, c->version);
	insp_integer_text(c->serial, c->serial_len, buf, sizeof(buf));
	printf("%sserial: %s\n", indent, buf);
	printf("%sissuer: %s\n", indent, c->issuer);
	printf("%ssubject: %s\n", indent, c->subject);
	insp_time_text(c->not_before, t);
	printf("%snotBefore: %s\n", indent, t);
	insp_time_text(c->not_after, t);
	printf("%snotAfter: %s\n", indent, t);
	printf("%ssignature algorithm: %s\n", indent, c->sig_alg);
	printf("%skey: %s %u bits, gSKI %s\n", indent, c->key_alg, c->key_bits, c->gski);
	if (c->has_ski) {
		insp_hex(c->ski, c->ski_len, buf, sizeof(buf));
		printf("%sSKI: %s%s\n", indent, buf, c->ski_len == 20 &&
		    memcmp(c->ski, c->key_sha1, 20) == 0 ? "" :
		    " (not the SHA-1 of the key, RFC 6487 4.8.2)");
	}
	if (c->has_aki) {
		insp_hex(c->aki, c->aki_len, buf, sizeof(buf));
		printf("%sAKI: %s\n", indent, buf);
	}
	if (c->has_bc) {
		printf("%sbasicConstraints: cA %s%s", indent, c->ca ? "TRUE" : "FALSE",
		    c->bc_critical ? ", critical" : "");
		if (c->pathlen >= 0)
			printf(", pathLen %ld", c->pathlen);
		printf("\n");
	}
	if (c->has_ku) {
		printf("%skeyUsage:", indent);
		for (unsigned i = 0; i < 9; i++)
			if (c->ku & (1u << i))
				printf(" %s", ku_names[i]);
		printf("%s\n", c->ku_critical ? " (critical)" : "");
	}
	if (c->has_eku)
		printf("%sextendedKeyUsage present\n", indent);
	uris_text(indent, "SIA caRepository", &c->sia_repo);
	uris_text(indent, "SIA rpkiManifest", &c->sia_mft);
	uris_text(indent, "SIA rpkiNotify", &c->sia_notify);
	uris_text(indent, "SIA signedObject", &c->sia_signed);
	uris_text(indent, "SIA other", &c->sia_other);
	uris_text(indent, "AIA caIssuers", &c->aia);
	uris_text(indent, "CRLDP", &c->crldp);
	for (size_t i = 0; i < c->npolicies; i++)
		printf("%spolicy: %s\n", indent, c->policies[i]);
	if (c->res_v2)
		printf("%sresources: RFC 8360 (validation reconsidered) extensions\n", indent);
	res_line(indent, "resources as", &c->as, c->has_as, c->as_err);
	res_line(indent, "resources ipv4", &c->v4, c->has_ip, c->ip_err);
	res_line(indent, "resources ipv6", &c->v6, c->has_ip, c->ip_err);
	if ((c->has_ip && !c->ip_critical) || (c->has_as && !c->as_critical))
		printf("%snote: RFC 3779 extension not critical (RFC 6487 4.8.10-11)\n", indent);
	for (size_t i = 0; i < c->nunknown; i++)
		printf("%sother extension: %s%s\n", indent, c->unknown_ext[i],
		    c->unknown_critical[i] ? " (critical)" : "");
	if (c->self_issued)
		printf("%sself-signed: signature %s\n", indent, sig_text(c->sig_status));
}

static void
res_json(struct jo *j, const char *key, const struct res_set *set, bool present, int err)
{
	char *t = insp_res_text(set, present, err);

	jo_str(j, key, t);
	free(t);
}

/* See inspect.h. */
void
insp_cert_json(struct jo *j, const char *key, const struct insp_cert *c)
{
	char buf[2 * INSP_MAX_SERIAL + 4];

	jo_obj_begin(j, key);
	jo_str(j, "kind", "certificate");
	jo_str(j, "profile", c->profile);
	jo_int(j, "version", c->version);
	insp_integer_text(c->serial, c->serial_len, buf, sizeof(buf));
	jo_str(j, "serial", buf);
	jo_str(j, "issuer", c->issuer);
	jo_str(j, "subject", c->subject);
	jo_time(j, "not_before", c->not_before);
	jo_time(j, "not_after", c->not_after);
	jo_str(j, "signature_algorithm", c->sig_alg);
	jo_obj_begin(j, "key");
	jo_str(j, "algorithm", c->key_alg);
	jo_uint(j, "bits", c->key_bits);
	jo_hex(j, "sha1", c->key_sha1, 20);
	jo_str(j, "gski", c->gski);
	jo_obj_end(j);
	jo_hex(j, "ski", c->has_ski ? c->ski : NULL, c->ski_len);
	jo_hex(j, "aki", c->has_aki ? c->aki : NULL, c->aki_len);
	if (c->has_bc)
		jo_bool(j, "ca", c->ca);
	else
		jo_null(j, "ca");
	jo_arr_begin(j, "key_usage");
	for (unsigned i = 0; c->has_ku && i < 9; i++)
		if (c->ku & (1u << i))
			jo_str(j, NULL, ku_names[i]);
	jo_arr_end(j);
	jo_obj_begin(j, "sia");
	insp_uris_json(j, "ca_repository", &c->sia_repo);
	insp_uris_json(j, "rpki_manifest", &c->sia_mft);
	insp_uris_json(j, "rpki_notify", &c->sia_notify);
	insp_uris_json(j, "signed_object", &c->sia_signed);
	jo_obj_end(j);
	insp_uris_json(j, "aia", &c->aia);
	insp_uris_json(j, "crldp", &c->crldp);
	jo_arr_begin(j, "policies");
	for (size_t i = 0; i < c->npolicies; i++)
		jo_str(j, NULL, c->policies[i]);
	jo_arr_end(j);
	jo_obj_begin(j, "resources");
	res_json(j, "as", &c->as, c->has_as, c->as_err);
	res_json(j, "ipv4", &c->v4, c->has_ip, c->ip_err);
	res_json(j, "ipv6", &c->v6, c->has_ip, c->ip_err);
	jo_bool(j, "rfc8360", c->res_v2);
	jo_obj_end(j);
	jo_arr_begin(j, "other_extensions");
	for (size_t i = 0; i < c->nunknown; i++)
		jo_str(j, NULL, c->unknown_ext[i]);
	jo_arr_end(j);
	jo_bool(j, "self_signed", c->self_issued);
	jo_str(j, "signature", c->sig_status == INSP_SIG_VALID ? "valid" :
	    c->sig_status == INSP_SIG_INVALID ? "invalid" : "not checked");
	jo_obj_end(j);
}
