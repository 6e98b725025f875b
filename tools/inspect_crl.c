/*
 * updownctl inspect: certificate revocation lists (RFC 5280 5.1, the RPKI
 * profile of RFC 6487 section 5): issuer, numbers, thisUpdate and
 * nextUpdate, revoked serials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>

#include "inspect.h"

#define TAG_SEQ  (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_CTX(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))
#define EQ(oid, len, lit) insp_oid_eq(oid, len, lit, sizeof(lit) - 1)

/* See inspect.h. */
void
insp_crl_free(struct insp_crl *c)
{
	if (c == NULL)
		return;
	free(c->entries);
	memset(c, 0, sizeof(*c));
}

static int
fail(char why[INSP_WHY], const char *msg)
{
	snprintf(why, INSP_WHY, "%s", msg);
	return -1;
}

/* crlExtensions [0] EXPLICIT Extensions: AKI and cRLNumber shown, others counted. */
static int
crl_extensions(unsigned char *p, const unsigned char *end, struct insp_crl *c)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end)
		return -1;
	while (p < end) {
		unsigned char *q, *eend, *oid, *v;
		size_t olen, vlen;
		int crit = 0;

		if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
			return -1;
		q = p;
		eend = p + len;
		p = eend;
		if (mbedtls_asn1_get_tag(&q, eend, &olen, MBEDTLS_ASN1_OID) != 0)
			return -1;
		oid = q;
		q += olen;
		if (q < eend && *q == MBEDTLS_ASN1_BOOLEAN &&
		    mbedtls_asn1_get_bool(&q, eend, &crit) != 0)
			return -1;
		if (mbedtls_asn1_get_tag(&q, eend, &vlen, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
		    q + vlen != eend)
			return -1;
		v = q;
		if (EQ(oid, olen, "\x55\x1d\x14")) {          /* cRLNumber */
			if (insp_get_integer(&v, eend, c->number, &c->number_len) != 0 ||
			    v != eend)
				return -1;
			c->has_number = true;
		} else if (EQ(oid, olen, "\x55\x1d\x23")) {   /* authorityKeyIdentifier */
			unsigned char *a;
			size_t alen;

			if (mbedtls_asn1_get_tag(&v, eend, &alen, TAG_SEQ) != 0 || v + alen != eend)
				return -1;
			c->has_aki = true;
			a = v;
			if (a < eend && *a == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0)) {
				if (mbedtls_asn1_get_tag(&a, eend, &alen,
				    MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0) != 0 || alen > INSP_MAX_KEYID)
					return -1;
				memcpy(c->aki, a, alen);
				c->aki_len = alen;
			}
		} else
			c->next_ext++;
	}
	return 0;
}

/*
 * See inspect.h. CertificateList ::= SEQUENCE { tbsCertList,
 * signatureAlgorithm, signatureValue } (RFC 5280 5.1).
 */
int
insp_crl_decode(const unsigned char *der, size_t len, struct insp_crl *c,
                char why[INSP_WHY])
{
	unsigned char *p = (unsigned char *)der, *end = p + len, *tend;
	const unsigned char *oid;
	mbedtls_asn1_bitstring bs;
	size_t l, olen;
	int v = 0;

	memset(c, 0, sizeof(*c));
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQ) != 0)
		return fail(why, "not a DER SEQUENCE (RFC 5280 5.1)");
	if (p + l != end)
		return fail(why, "bytes after the CRL");
	c->tbs = p;
	if (mbedtls_asn1_get_tag(&p, end, &l, TAG_SEQ) != 0)
		return fail(why, "no tbsCertList (RFC 5280 5.1)");
	tend = p + l;
	c->tbs_len = (size_t)(tend - c->tbs);
	if (p < tend && *p == MBEDTLS_ASN1_INTEGER &&
	    (mbedtls_asn1_get_int(&p, tend, &v) != 0 || v < 0 || v > 1))
		return fail(why, "malformed version (RFC 5280 5.1.2.1)");
	c->version = v + 1;
	if (insp_get_alg(&p, tend, &oid, &olen, c->sig_alg, sizeof(c->sig_alg)) != 0)
		return fail(why, "malformed signature algorithm (RFC 5280 5.1.2.2)");
	if (insp_get_name(&p, tend, c->issuer, sizeof(c->issuer)) != 0)
		return fail(why, "malformed issuer (RFC 5280 5.1.2.3)");
	if (insp_get_time(&p, tend, &c->this_update) != 0)
		return fail(why, "malformed thisUpdate (RFC 5280 5.1.2.4)");
	if (p < tend && (*p == MBEDTLS_ASN1_UTC_TIME || *p == MBEDTLS_ASN1_GENERALIZED_TIME)) {
		if (insp_get_time(&p, tend, &c->next_update) != 0)
			return fail(why, "malformed nextUpdate (RFC 5280 5.1.2.5)");
		c->has_next_update = true;
	}
	if (p < tend && *p == TAG_SEQ) {
		unsigned char *rend, *q;
		size_t n = 0, cap = 0;

		if (mbedtls_asn1_get_tag(&p, tend, &l, TAG_SEQ) != 0)
			return fail(why, "malformed revokedCertificates (RFC 5280 5.1.2.6)");
		rend = p + l;
		/* Count first, then allocate exactly (bounded by INSP_MAX_CRL_ENTRIES). */
		for (q = p; q < rend; q += l, cap++)
			if (mbedtls_asn1_get_tag(&q, rend, &l, TAG_SEQ) != 0 ||
			    cap >= INSP_MAX_CRL_ENTRIES)
				return fail(why, "malformed or too many revokedCertificates entries");
		if (cap > 0 && (c->entries = calloc(cap, sizeof(*c->entries))) == NULL)
			return fail(why, "out of memory");
		while (p < rend) {
			struct insp_crl_entry *e = &c->entries[n++];
			unsigned char *eend;

			if (mbedtls_asn1_get_tag(&p, rend, &l, TAG_SEQ) != 0)
				goto bad_entry;
			eend = p + l;
			if (insp_get_integer(&p, eend, e->serial, &e->serial_len) != 0 ||
			    insp_get_time(&p, eend, &e->revoked) != 0)
				goto bad_entry;
			if (p < eend) {
				if (mbedtls_asn1_get_tag(&p, eend, &l, TAG_SEQ) != 0 || p + l != eend)
					goto bad_entry;
				e->has_ext = true;
				p = eend;
			}
		}
		c->nentries = n;
	}
	if (p < tend) {
		if (mbedtls_asn1_get_tag(&p, tend, &l, TAG_CTX(0)) != 0 || p + l != tend ||
		    crl_extensions(p, tend, c) != 0)
			return fail(why, "malformed crlExtensions (RFC 5280 5.1.2.7)");
		p = tend;
	}
	if (insp_get_alg(&p, end, &c->sig_alg_oid, &c->sig_alg_oid_len, c->sig_alg,
	    sizeof(c->sig_alg)) != 0)
		return fail(why, "malformed signatureAlgorithm (RFC 5280 5.1.1.2)");
	if (mbedtls_asn1_get_bitstring(&p, end, &bs) != 0 || p != end || bs.unused_bits != 0)
		return fail(why, "malformed signatureValue (RFC 5280 5.1.1.3)");
	if (olen != c->sig_alg_oid_len || memcmp(oid, c->sig_alg_oid, olen) != 0)
		return fail(why, "signature algorithms differ (RFC 5280 5.1.1.2)");
	c->sig = bs.p;
	c->sig_len = bs.len;
	return 0;
bad_entry:
	return fail(why, "malformed revokedCertificates entry (RFC 5280 5.1.2.6)");
}

/* See inspect.h. */
void
insp_crl_text(const struct insp_crl *c, const char *indent)
{
	char buf[2 * INSP_MAX_SERIAL + 4], t[32];

	printf("%sCRL: v%d, %zu revoked\n", indent, c->version, c->nentries);
	printf("%sissuer: %s\n", indent, c->issuer);
	if (c->has_number) {
		insp_integer_text(c->number, c->number_len, buf, sizeof(buf));
		printf("%scRLNumber: %s\n", indent, buf);
	}
	insp_time_text(c->this_update, t);
	printf("%sthisUpdate: %s\n", indent, t);
	if (c->has_next_update) {
		insp_time_text(c->next_update, t);
		printf("%snextUpdate: %s\n", indent, t);
	} else
		printf("%snextUpdate: absent (RFC 6487 5 requires it)\n", indent);
	if (c->has_aki) {
		insp_hex(c->aki, c->aki_len, buf, sizeof(buf));
		printf("%sAKI: %s\n", indent, buf);
	}
	printf("%ssignature algorithm: %s\n", indent, c->sig_alg);
	if (c->next_ext)
		printf("%sother CRL extensions: %zu\n", indent, c->next_ext);
	for (size_t i = 0; i < c->nentries; i++) {
		insp_integer_text(c->entries[i].serial, c->entries[i].serial_len, buf,
		    sizeof(buf));
		insp_time_text(c->entries[i].revoked, t);
		printf("%srevoked: %s at %s%s\n", indent, buf, t,
		    c->entries[i].has_ext ? " (with entry extensions)" : "");
	}
	if (c->sig_status != INSP_SIG_UNCHECKED)
		printf("%ssignature (issuer from --ta): %s\n", indent,
		    c->sig_status == INSP_SIG_VALID ? "valid" : "INVALID");
}

/* See inspect.h. */
void
insp_crl_json(struct jo *j, const char *key, const struct insp_crl *c)
{
	char buf[2 * INSP_MAX_SERIAL + 4];

	jo_obj_begin(j, key);
	jo_str(j, "kind", "crl");
	jo_int(j, "version", c->version);
	jo_str(j, "issuer", c->issuer);
	if (c->has_number) {
		insp_integer_text(c->number, c->number_len, buf, sizeof(buf));
		jo_str(j, "number", buf);
	} else
		jo_null(j, "number");
	jo_time(j, "this_update", c->this_update);
	if (c->has_next_update)
		jo_time(j, "next_update", c->next_update);
	else
		jo_null(j, "next_update");
	jo_hex(j, "aki", c->has_aki ? c->aki : NULL, c->aki_len);
	jo_str(j, "signature_algorithm", c->sig_alg);
	jo_uint(j, "other_extensions", c->next_ext);
	jo_arr_begin(j, "revoked");
	for (size_t i = 0; i < c->nentries; i++) {
		jo_obj_begin(j, NULL);
		insp_integer_text(c->entries[i].serial, c->entries[i].serial_len, buf,
		    sizeof(buf));
		jo_str(j, "serial", buf);
		jo_time(j, "date", c->entries[i].revoked);
		jo_obj_end(j);
	}
	jo_arr_end(j);
	jo_str(j, "signature", c->sig_status == INSP_SIG_VALID ? "valid" :
	    c->sig_status == INSP_SIG_INVALID ? "invalid" : "not checked");
	jo_obj_end(j);
}
