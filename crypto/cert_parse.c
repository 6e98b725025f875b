/*
 * crypto/cert: our own CA certificate as an issuer. cert_issuer_load()
 * takes a certificate we made or already trust; cert_import_ca() and
 * cert_parse_rpki_ca() take a certificate an upstream parent sent, which is
 * untrusted input: mbed TLS (through cms_cert_parse) checks the X.509
 * structure, then every extension is walked again here with a
 * pointer/end pair and the RFC 6487 CA profile is enforced.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "crypto/cert.h"
#include "proto/cms.h"

/* Extension OIDs (content octets). */
static const unsigned char OID_BC[] = { 0x55, 0x1d, 0x13 };
static const unsigned char OID_SKI[] = { 0x55, 0x1d, 0x0e };
static const unsigned char OID_AKI[] = { 0x55, 0x1d, 0x23 };
static const unsigned char OID_KU[] = { 0x55, 0x1d, 0x0f };
static const unsigned char OID_EKU[] = { 0x55, 0x1d, 0x25 };
static const unsigned char OID_CRLDP[] = { 0x55, 0x1d, 0x1f };
static const unsigned char OID_CP[] = { 0x55, 0x1d, 0x20 };
/* id-pe 1.3.6.1.5.5.7.1.x and id-ad 1.3.6.1.5.5.7.48.x share this prefix. */
static const unsigned char OID_PKIX[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07 };
#define PE_AIA      1
#define PE_IP       7
#define PE_AS       8
#define PE_SIA      11
#define PE_IP_V2    28  /* RFC 8360 */
#define PE_AS_V2    29
#define AD_REPO     5
#define AD_MFT      10
#define AD_NOTIFY   13

#define TAG_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)

/* keyUsage bits (first octet, RFC 5280 4.2.1.3). */
#define KU_KEY_CERT_SIGN 0x04
#define KU_CRL_SIGN      0x02

enum mode {
	M_ISSUER,   /* our own CA certificate (RPKI or BPKI): lenient */
	M_RPKI_CA,  /* an RFC 6487 CA certificate from a parent: strict */
};

/* What the extension walk found. */
struct exts {
	unsigned seen;          /* bit per E_* */
	bool bc_critical, ca, pathlen;
	bool ku_critical;
	unsigned ku;            /* first two octets of the bits, big-endian */
	const unsigned char *ski;
	size_t ski_len;
	bool cp_critical;
	bool ip_critical, as_critical;
};

enum {
	E_BC = 1u << 0, E_SKI = 1u << 1, E_AKI = 1u << 2, E_KU = 1u << 3,
	E_EKU = 1u << 4, E_CRLDP = 1u << 5, E_CP = 1u << 6, E_AIA = 1u << 7,
	E_SIA = 1u << 8, E_IP = 1u << 9, E_AS = 1u << 10,
};

static bool
oid_eq(const unsigned char *oid, size_t len, const unsigned char *v, size_t n)
{
	return len == n && memcmp(oid, v, n) == 0;
}

/* x of a 1.3.6.1.5.5.7.arc.x OID (single-octet arcs), or -1. */
static int
oid_pkix(const unsigned char *oid, size_t len, unsigned char arc)
{
	if (len != sizeof(OID_PKIX) + 2 || memcmp(oid, OID_PKIX, sizeof(OID_PKIX)) != 0 ||
	    oid[sizeof(OID_PKIX)] != arc || oid[sizeof(OID_PKIX) + 1] >= 0x80)
		return -1;
	return oid[sizeof(OID_PKIX) + 1];
}

void
cert_issuer_init(struct cert_issuer *iss)
{
	if (iss == NULL)
		return;
	memset(iss, 0, sizeof(*iss));
	res_bundle_init(&iss->res);
}

/* Free what iss holds; it is left initialised and empty. Accepts NULL. */
void
cert_issuer_free(struct cert_issuer *iss)
{
	if (iss == NULL)
		return;
	free(iss->cert_der);
	free(iss->subject_der);
	free(iss->spki_der);
	free(iss->sia_ca_repository);
	free(iss->sia_rpki_manifest);
	free(iss->sia_rpki_notify);
	res_bundle_free(&iss->res);
	cert_issuer_init(iss);
}

static unsigned char *
dup(const unsigned char *p, size_t n)
{
	unsigned char *q = malloc(n ? n : 1);

	if (q != NULL && n > 0)
		memcpy(q, p, n);
	return q;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* mbed TLS parsed (and range-checked) the time; convert to time_t. */
static time_t
to_time(const mbedtls_x509_time *t)
{
	return (time_t)(days_from_civil(t->year, (unsigned)t->mon, (unsigned)t->day) * 86400 +
	    t->hour * 3600 + t->min * 60 + t->sec);
}

/*
 * SubjectInfoAccess (RFC 6487 4.8.8.1): keep the first rsync
 * caRepository and rpkiManifest and the first https rpkiNotify. Every
 * AccessDescription must be well formed; URIs at most CERT_MAX_URI
 * characters, visible ASCII.
 */
static int
parse_sia(struct cert_issuer *iss, unsigned char *p, const unsigned char *end)
{
	size_t len, olen;
	unsigned char *ad_end, *oid;
	int ad;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end || len == 0)
		return CERT_ERR_SIA;
	while (p < end) {
		char **slot = NULL;
		const char *scheme = NULL;
		size_t i;

		if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
			return CERT_ERR_SIA;
		ad_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ad_end, &olen, MBEDTLS_ASN1_OID) != 0)
			return CERT_ERR_SIA;
		oid = p;
		p += olen;
		/* accessLocation GeneralName: only [6] URI is of interest. */
		if (p >= ad_end)
			return CERT_ERR_SIA;
		if (*p != (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6)) {
			size_t glen;
			unsigned char *q = p + 1;

			if (mbedtls_asn1_get_len(&q, ad_end, &glen) != 0 || q + glen != ad_end)
				return CERT_ERR_SIA;
			p = ad_end;
			continue;
		}
		p++;
		if (mbedtls_asn1_get_len(&p, ad_end, &len) != 0 || p + len != ad_end)
			return CERT_ERR_SIA;
		ad = oid_pkix(oid, olen, 0x30);
		if (ad == AD_REPO) {
			slot = &iss->sia_ca_repository;
			scheme = "rsync://";
		} else if (ad == AD_MFT) {
			slot = &iss->sia_rpki_manifest;
			scheme = "rsync://";
		} else if (ad == AD_NOTIFY) {
			slot = &iss->sia_rpki_notify;
			scheme = "https://";
		}
		if (len == 0 || len > CERT_MAX_URI)
			return CERT_ERR_SIA;
		for (i = 0; i < len; i++)
			if (p[i] <= 0x20 || p[i] >= 0x7f)
				return CERT_ERR_SIA;
		if (slot != NULL && *slot == NULL && len > strlen(scheme) &&
		    memcmp(p, scheme, strlen(scheme)) == 0) {
			if ((*slot = malloc(len + 1)) == NULL)
				return CERT_ERR_NOMEM;
			memcpy(*slot, p, len);
			(*slot)[len] = '\0';
		}
		p = ad_end;
	}
	return 0;
}

/* BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
static int
parse_bc(struct exts *x, unsigned char *p, const unsigned char *end)
{
	size_t len;
	int ca = 0, pl;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end)
		return CERT_ERR_NOT_CA;
	if (p < end && *p == MBEDTLS_ASN1_BOOLEAN) {
		if (mbedtls_asn1_get_bool(&p, end, &ca) != 0 || !ca)
			return CERT_ERR_NOT_CA;  /* FALSE must be absent (DER) */
	}
	if (p < end) {
		if (mbedtls_asn1_get_int(&p, end, &pl) != 0)
			return CERT_ERR_NOT_CA;
		x->pathlen = true;
	}
	if (p != end)
		return CERT_ERR_NOT_CA;
	x->ca = ca != 0;
	return 0;
}

/* KeyUsage ::= BIT STRING, first 16 bits kept. */
static int
parse_ku(struct exts *x, unsigned char *p, const unsigned char *end)
{
	mbedtls_asn1_bitstring bs;

	if (mbedtls_asn1_get_bitstring(&p, end, &bs) != 0 || p != end || bs.len == 0 ||
	    bs.len > 2)
		return CERT_ERR_KEY_USAGE;
	x->ku = (unsigned)bs.p[0] << 8 | (bs.len > 1 ? bs.p[1] : 0);
	return 0;
}

/*
 * Walk Extensions (RFC 5280 4.1, 4.2) with explicit bounds: each one
 * SEQUENCE { OID, critical BOOLEAN (TRUE only: DER), OCTET STRING } and no
 * trailing bytes anywhere; no extension twice. Parses what the issuer
 * needs; in M_RPKI_CA mode every extension must be one RFC 6487 4.8 lists.
 */
static int
walk_exts(struct cert_issuer *iss, struct exts *x, const mbedtls_x509_crt *crt, enum mode m)
{
	unsigned char *p = crt->v3_ext.p, *end, *ext_end, *oid, *val;
	size_t len, olen, vlen;
	int crit, rc, pe;
	unsigned bit;

	if (p == NULL || crt->v3_ext.len == 0)
		return CERT_ERR_EXTENSION;
	end = p + crt->v3_ext.len;
	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0 || p + len != end)
		return CERT_ERR_EXTENSION;
	while (p < end) {
		if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
			return CERT_ERR_EXTENSION;
		ext_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ext_end, &olen, MBEDTLS_ASN1_OID) != 0)
			return CERT_ERR_EXTENSION;
		oid = p;
		p += olen;
		crit = 0;
		if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN) {
			if (mbedtls_asn1_get_bool(&p, ext_end, &crit) != 0 || !crit)
				return CERT_ERR_EXTENSION;  /* DER: FALSE is absent */
		}
		if (mbedtls_asn1_get_tag(&p, ext_end, &vlen, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
		    p + vlen != ext_end)
			return CERT_ERR_EXTENSION;
		val = p;
		p = ext_end;

		pe = oid_pkix(oid, olen, 0x01);
		bit = 0;
		if (oid_eq(oid, olen, OID_BC, sizeof(OID_BC)))
			bit = E_BC;
		else if (oid_eq(oid, olen, OID_SKI, sizeof(OID_SKI)))
			bit = E_SKI;
		else if (oid_eq(oid, olen, OID_AKI, sizeof(OID_AKI)))
			bit = E_AKI;
		else if (oid_eq(oid, olen, OID_KU, sizeof(OID_KU)))
			bit = E_KU;
		else if (oid_eq(oid, olen, OID_EKU, sizeof(OID_EKU)))
			bit = E_EKU;
		else if (oid_eq(oid, olen, OID_CRLDP, sizeof(OID_CRLDP)))
			bit = E_CRLDP;
		else if (oid_eq(oid, olen, OID_CP, sizeof(OID_CP)))
			bit = E_CP;
		else if (pe == PE_AIA)
			bit = E_AIA;
		else if (pe == PE_SIA)
			bit = E_SIA;
		else if (pe == PE_IP)
			bit = E_IP;
		else if (pe == PE_AS)
			bit = E_AS;
		else if (pe == PE_IP_V2 || pe == PE_AS_V2)
			return CERT_ERR_RESOURCES;  /* RFC 8360 is not the RFC 6487 profile */
		else if (crit || m == M_RPKI_CA)
			return CERT_ERR_EXTENSION;  /* RFC 6487 4.8: nothing else */
		if (bit == 0)
			continue;
		if (x->seen & bit)
			return CERT_ERR_EXTENSION;  /* RFC 5280 4.2: at most once */
		x->seen |= bit;

		switch (bit) {
		case E_BC:
			x->bc_critical = crit != 0;
			if ((rc = parse_bc(x, val, ext_end)) != 0)
				return rc;
			break;
		case E_KU:
			x->ku_critical = crit != 0;
			if ((rc = parse_ku(x, val, ext_end)) != 0)
				return rc;
			break;
		case E_SKI: {
			unsigned char *q = val;

			if (mbedtls_asn1_get_tag(&q, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
			    q + len != ext_end || crit)
				return CERT_ERR_SKI;
			x->ski = q;
			x->ski_len = len;
			break;
		}
		case E_CP:
			x->cp_critical = crit != 0;
			break;
		case E_SIA:
			if (crit)
				return CERT_ERR_SIA;  /* non-critical (RFC 6487 4.8.8) */
			if ((rc = parse_sia(iss, val, ext_end)) != 0)
				return rc;
			break;
		case E_IP:
			x->ip_critical = crit != 0;
			res_set_free(&iss->res.v4);
			res_set_free(&iss->res.v6);
			if (res_der_decode_ip(val, vlen, &iss->res.v4, &iss->res.v6) != 0)
				return CERT_ERR_RESOURCES;
			break;
		case E_AS:
			x->as_critical = crit != 0;
			res_set_free(&iss->res.as);
			if (res_der_decode_as(val, vlen, &iss->res.as) != 0)
				return CERT_ERR_RESOURCES;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* The profile checks on what walk_exts() found. */
static int
check_exts(const struct cert_issuer *iss, const struct exts *x, enum mode m)
{
	unsigned char ski[CERT_SKI_LEN];

	/* Every issuer: a CA with keyCertSign (if keyUsage is there) and a 20-octet SKI. */
	if (!(x->seen & E_BC) || !x->ca)
		return CERT_ERR_NOT_CA;
	if ((x->seen & E_KU) && !(x->ku & (KU_KEY_CERT_SIGN << 8)))
		return CERT_ERR_KEY_USAGE;
	if (!(x->seen & E_SKI) || x->ski_len != CERT_SKI_LEN)
		return CERT_ERR_SKI;
	if (((x->seen & E_IP) && !x->ip_critical) || ((x->seen & E_AS) && !x->as_critical))
		return CERT_ERR_RESOURCES;                          /* 4.8.10-11 */
	if (m != M_RPKI_CA)
		return 0;

	/* RFC 6487 CA certificate. */
	if (!x->bc_critical || x->pathlen)
		return CERT_ERR_NOT_CA;                             /* 4.8.1 */
	if (!(x->seen & E_KU) || !x->ku_critical ||
	    x->ku != ((KU_KEY_CERT_SIGN | KU_CRL_SIGN) << 8))
		return CERT_ERR_KEY_USAGE;                          /* 4.8.4 */
	if (cert_ski(iss->spki_der, iss->spki_len, ski) != 0 ||
	    memcmp(ski, x->ski, CERT_SKI_LEN) != 0)
		return CERT_ERR_SKI;                                /* 4.8.2 */
	if (x->seen & E_EKU)
		return CERT_ERR_EXTENSION;                          /* 4.8.5 */
	if (!(x->seen & E_CP) || !x->cp_critical)
		return CERT_ERR_EXTENSION;                          /* 4.8.9 */
	if (!(x->seen & E_SIA) || iss->sia_ca_repository == NULL ||
	    iss->sia_rpki_manifest == NULL)
		return CERT_ERR_SIA;                                /* 4.8.8.1 */
	if (!(x->seen & (E_IP | E_AS)))
		return CERT_ERR_RESOURCES;                          /* 4.8.10-11 */
	return 0;
}

/*
 * Parse der into iss (initialised here; emptied again on failure).
 */
static int
parse(struct cert_issuer *iss, const unsigned char *der, size_t len, enum mode m)
{
	mbedtls_x509_crt crt;
	struct exts x;
	int rc;

	if (iss == NULL)
		return CERT_ERR_ARG;
	cert_issuer_init(iss);
	if (der == NULL || len == 0)
		return CERT_ERR_ARG;
	if (len > CERT_MAX_DER)
		return CERT_ERR_TOO_LARGE;
	mbedtls_x509_crt_init(&crt);
	memset(&x, 0, sizeof(x));
	rc = CERT_ERR_PARSE;
	/* Structure, times, key, known extensions; the copy is mbed TLS's own. */
	if (cms_cert_parse(&crt, der, len, NULL) != 0 || crt.raw.len != len)
		goto out;
	rc = CERT_ERR_VERSION;
	if (crt.version != 3)
		goto out;                                           /* RFC 6487 4.1 */
	rc = CERT_ERR_SPKI;
	if (mbedtls_pk_get_type(&crt.pk) != MBEDTLS_PK_RSA)
		goto out;                                           /* RFC 7935 */
	rc = CERT_ERR_NOMEM;
	if ((iss->cert_der = dup(der, len)) == NULL ||
	    (iss->subject_der = dup(crt.subject_raw.p, crt.subject_raw.len)) == NULL ||
	    (iss->spki_der = dup(crt.pk_raw.p, crt.pk_raw.len)) == NULL)
		goto out;
	iss->cert_len = len;
	iss->subject_len = crt.subject_raw.len;
	iss->spki_len = crt.pk_raw.len;
	iss->self_signed = crt.issuer_raw.len == crt.subject_raw.len &&
	    memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.subject_raw.len) == 0;
	iss->not_before = to_time(&crt.valid_from);
	iss->not_after = to_time(&crt.valid_to);
	if ((rc = walk_exts(iss, &x, &crt, m)) != 0 || (rc = check_exts(iss, &x, m)) != 0)
		goto out;
	memcpy(iss->ski, x.ski, CERT_SKI_LEN);
	iss->has_resources = (x.seen & (E_IP | E_AS)) != 0;
	rc = 0;
out:
	mbedtls_x509_crt_free(&crt);
	if (rc != 0)
		cert_issuer_free(iss);
	return rc;
}

/* Compare iss->spki_der with the signer key's public key; attach them. */
static int
attach(struct cert_issuer *iss, struct signer *s, struct signer_key *key)
{
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	int rc;

	if (signer_key_public(s, key, &spki, &spki_len) != 0)
		return CERT_ERR_SIGN;
	rc = spki_len == iss->spki_len && memcmp(spki, iss->spki_der, spki_len) == 0 ?
	    0 : CERT_ERR_KEY_MISMATCH;
	free(spki);
	if (rc == 0) {
		iss->signer = s;
		iss->key = key;
	}
	return rc;
}

/*
 * Load our own CA certificate for signing (see cert.h). iss is
 * initialised here; on failure it is empty. Caller frees with
 * cert_issuer_free().
 */
int
cert_issuer_load(struct cert_issuer *iss, struct signer *s, struct signer_key *key,
                 const unsigned char *cert_der, size_t len)
{
	int rc;

	if (iss == NULL)
		return CERT_ERR_ARG;
	cert_issuer_init(iss);
	if (s == NULL || key == NULL)
		return CERT_ERR_ARG;
	if ((rc = parse(iss, cert_der, len, M_ISSUER)) != 0)
		return rc;
	if ((rc = attach(iss, s, key)) != 0)
		cert_issuer_free(iss);
	return rc;
}

/*
 * Parse an RFC 6487 CA certificate (untrusted) into iss without a signer
 * (see cert.h). Caller frees with cert_issuer_free().
 */
int
cert_parse_rpki_ca(struct cert_issuer *iss, const unsigned char *cert_der, size_t len)
{
	return parse(iss, cert_der, len, M_RPKI_CA);
}

/*
 * Import a parent-issued CA certificate for our key (see cert.h). Caller
 * frees with cert_issuer_free().
 */
int
cert_import_ca(struct cert_issuer *iss, struct signer *s, struct signer_key *key,
               const unsigned char *cert_der, size_t len)
{
	int rc;

	if (iss == NULL)
		return CERT_ERR_ARG;
	cert_issuer_init(iss);
	if (s == NULL || key == NULL)
		return CERT_ERR_ARG;
	if ((rc = parse(iss, cert_der, len, M_RPKI_CA)) != 0)
		return rc;
	if ((rc = attach(iss, s, key)) != 0)
		cert_issuer_free(iss);
	return rc;
}
