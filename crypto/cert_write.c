/*
 * crypto/cert: the TBSCertificate writer and every certificate the CA
 * issues (RFC 6487 CA and EE certificates, the RPKI trust anchor, the BPKI
 * trust anchor and EE).
 *
 * The writer fills a buffer backwards (mbed TLS asn1write), so each
 * structure is written last field first and then wrapped in its tag and
 * length. Every field is ours: the issuer Name is copied raw from the
 * issuer's certificate (UD-82), the subject key bit for bit (UD-84), and
 * each extension is written with the criticality RFC 6487 section 4.8
 * gives it. The finished TBS is signed through the signer (UD-81) and then
 * parsed back and its signature verified with the issuer's public key, so
 * that a signer holding the wrong key cannot produce a certificate.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "crypto/cert.h"
#include "proto/cms.h"

/* Object identifiers (DER content octets). */
#define OID_CN          "\x55\x04\x03"                     /* 2.5.4.3 commonName */
#define OID_BC          "\x55\x1d\x13"                     /* 2.5.29.19 basicConstraints */
#define OID_SKI         "\x55\x1d\x0e"                     /* 2.5.29.14 */
#define OID_AKI         "\x55\x1d\x23"                     /* 2.5.29.35 */
#define OID_KU          "\x55\x1d\x0f"                     /* 2.5.29.15 keyUsage */
#define OID_CRLDP       "\x55\x1d\x1f"                     /* 2.5.29.31 */
#define OID_CP          "\x55\x1d\x20"                     /* 2.5.29.32 certificatePolicies */
#define OID_AIA         "\x2b\x06\x01\x05\x05\x07\x01\x01" /* id-pe-authorityInfoAccess */
#define OID_SIA         "\x2b\x06\x01\x05\x05\x07\x01\x0b" /* id-pe-subjectInfoAccess */
#define OID_IP          "\x2b\x06\x01\x05\x05\x07\x01\x07" /* id-pe-ipAddrBlocks (RFC 3779) */
#define OID_AS          "\x2b\x06\x01\x05\x05\x07\x01\x08" /* id-pe-autonomousSysIds */
#define OID_AD_ISSUERS  "\x2b\x06\x01\x05\x05\x07\x30\x02" /* id-ad-caIssuers */
#define OID_AD_REPO     "\x2b\x06\x01\x05\x05\x07\x30\x05" /* id-ad-caRepository */
#define OID_AD_MFT      "\x2b\x06\x01\x05\x05\x07\x30\x0a" /* id-ad-rpkiManifest */
#define OID_AD_SIGNED   "\x2b\x06\x01\x05\x05\x07\x30\x0b" /* id-ad-signedObject */
#define OID_AD_NOTIFY   "\x2b\x06\x01\x05\x05\x07\x30\x0d" /* id-ad-rpkiNotify (RFC 8182) */
#define OID_CP_RPKI     "\x2b\x06\x01\x05\x05\x07\x0e\x02" /* id-cp-ipAddr-asNumber (RFC 6484) */
#define OID_SHA256_RSA  "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"
#define OLEN(o)         (sizeof(o) - 1)

#define TAG_SEQ  (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_SET  (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET)
#define TAG_CTX(n)   (MBEDTLS_ASN1_CONTEXT_SPECIFIC | (n))
#define TAG_CTXC(n)  (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))

/* keyUsage bits in the first octet (RFC 5280 4.2.1.3). */
#define KU_DIGITAL_SIGNATURE 0x80
#define KU_KEY_CERT_SIGN     0x04
#define KU_CRL_SIGN          0x02

/* The writer's buffer grows up to this before giving up. */
#define MAX_TBS (64u << 20)
#define MAX_NAME 160

/* Internal: "buffer full, retry with a larger one". */
#define ERR_BUF (-0x08FF)

enum kind {
	K_CA,       /* RFC 6487 CA certificate */
	K_EE,       /* RFC 6487 EE certificate of a signed object */
	K_TA,       /* self-signed RPKI trust anchor */
	K_BPKI_TA,  /* self-signed BPKI trust anchor */
	K_BPKI_EE,  /* BPKI EE certificate (CMS signer) */
};

/* Everything the TBS writer needs; all pointers are borrowed. */
struct tbs {
	enum kind kind;
	const unsigned char *serial;
	size_t serial_len;
	const unsigned char *issuer;   /* raw Name */
	size_t issuer_len;
	const unsigned char *subject;  /* raw Name */
	size_t subject_len;
	time_t not_before;
	time_t not_after;
	const unsigned char *spki;
	size_t spki_len;
	unsigned char ski[CERT_SKI_LEN];
	const unsigned char *aki;      /* NULL: no AKI */
	const char *crldp;             /* NULL: none */
	const char *aia;
	const char *sia_repo;
	const char *sia_mft;
	const char *sia_notify;
	const char *sia_signed;
	const struct res_bundle *res;  /* NULL: no RFC 3779 extensions */
};

/* Map an asn1write / res_der result to ours: buffer full becomes ERR_BUF. */
static int
map_err(int ret)
{
	if (ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL || ret == RES_ERR_BUFFER ||
	    ret == CERT_ERR_NOMEM)
		return ERR_BUF;
	if (ret <= -0x0100 && ret > -0x0200)  /* RES_ERR_* */
		return CERT_ERR_RESOURCES;
	if (ret <= -0x0800 && ret > -0x0900)  /* ours */
		return ret;
	return ERR_BUF;
}

/* Add the result of a writer call to len, or return the mapped error. */
#define W(expr) do { int r_ = (expr); if (r_ < 0) return map_err(r_); len += (size_t)r_; } while (0)

/* Tag and length in front of the len bytes just written. */
#define WRAP(tag) do { W(mbedtls_asn1_write_len(p, start, len)); \
	W(mbedtls_asn1_write_tag(p, start, (unsigned char)(tag))); } while (0)

/*
 * An RFC 5280 PrintableString character (X.680 41.4): letters, digits,
 * space and ' ( ) + , - . / : = ?
 */
static bool
printable(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr(" '()+,-./:=?", c) != NULL)
			continue;
		return false;
	}
	return true;
}

/*
 * A Name with one RDN holding one commonName (RFC 6487 4.4, 4.5; UD-82):
 * PrintableString, or, when utf8_ok, UTF8String for visible ASCII that
 * PrintableString lacks (BPKI handles may hold '_', RFC 8183). Written
 * into out[MAX_NAME].
 */
static int
make_name(const char *cn, bool utf8_ok, unsigned char out[MAX_NAME], size_t *out_len)
{
	unsigned char buf[MAX_NAME];
	unsigned char *start = buf, *q = buf + sizeof(buf), **p = &q;
	size_t n, len = 0, i;
	int tag = MBEDTLS_ASN1_PRINTABLE_STRING;

	if (cn == NULL)
		return CERT_ERR_NAME;
	n = strlen(cn);
	if (n == 0 || n > CERT_MAX_CN)
		return CERT_ERR_NAME;
	if (!printable(cn)) {
		if (!utf8_ok)
			return CERT_ERR_NAME;
		for (i = 0; i < n; i++)
			if ((unsigned char)cn[i] < 0x20 || (unsigned char)cn[i] >= 0x7f)
				return CERT_ERR_NAME;
		tag = MBEDTLS_ASN1_UTF8_STRING;
	}
	W(mbedtls_asn1_write_raw_buffer(p, start, (const unsigned char *)cn, n));
	WRAP(tag);
	W(mbedtls_asn1_write_oid(p, start, OID_CN, OLEN(OID_CN)));
	WRAP(TAG_SEQ);
	WRAP(TAG_SET);
	WRAP(TAG_SEQ);
	memcpy(out, q, len);
	*out_len = len;
	return 0;
}

/* CN = upper-case hex of the SKI (Krill, rpkid; UD-82). */
static void
hex_cn(const unsigned char ski[CERT_SKI_LEN], char cn[2 * CERT_SKI_LEN + 1])
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < CERT_SKI_LEN; i++) {
		cn[2 * i] = hex[ski[i] >> 4];
		cn[2 * i + 1] = hex[ski[i] & 0x0f];
	}
	cn[2 * CERT_SKI_LEN] = '\0';
}

/*
 * A serial as the caller gave it: 1..20 octets, positive, non-zero,
 * minimal (RFC 5280 4.1.2.2; RFC 6487 4.2; UD-80).
 */
static int
check_serial(const unsigned char *s, size_t n)
{
	size_t i;

	if (s == NULL || n == 0 || n > CERT_MAX_SERIAL)
		return CERT_ERR_SERIAL;
	if (s[0] & 0x80)
		return CERT_ERR_SERIAL;                 /* negative */
	if (n > 1 && s[0] == 0 && !(s[1] & 0x80))
		return CERT_ERR_SERIAL;                 /* non-minimal */
	for (i = 0; i < n; i++)
		if (s[i] != 0)
			return 0;
	return CERT_ERR_SERIAL;                         /* zero */
}

/*
 * A subject key: one DER SubjectPublicKeyInfo, RSA (RFC 7935; the CSR
 * checks already enforced the size, UD-71). Fills ski.
 */
static int
check_spki(const unsigned char *spki, size_t len, unsigned char ski[CERT_SKI_LEN])
{
	mbedtls_pk_context pk;
	int rc = CERT_ERR_SPKI;

	if (spki == NULL || len == 0)
		return CERT_ERR_SPKI;
	if (cert_ski(spki, len, ski) != 0)
		return CERT_ERR_SPKI;
	mbedtls_pk_init(&pk);
	if (mbedtls_pk_parse_public_key(&pk, spki, len) == 0 &&
	    mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA)
		rc = 0;
	mbedtls_pk_free(&pk);
	return rc;
}

/*
 * A URI we write: the scheme, something after it, at most CERT_MAX_URI
 * characters, all visible ASCII (IA5String without space or controls).
 * RFC 6487 4.8.6-4.8.8 want rsync; rpkiNotify is https (RFC 8182).
 */
static int
check_uri(const char *uri, const char *scheme)
{
	size_t n, k = strlen(scheme), i;

	if (uri == NULL)
		return CERT_ERR_URI;
	n = strlen(uri);
	if (n <= k || n > CERT_MAX_URI || strncmp(uri, scheme, k) != 0)
		return CERT_ERR_URI;
	for (i = 0; i < n; i++)
		if ((unsigned char)uri[i] <= 0x20 || (unsigned char)uri[i] >= 0x7f)
			return CERT_ERR_URI;
	return 0;
}

/* GeneralName uniformResourceIdentifier: [6] IMPLICIT IA5String. */
static int
put_uri(unsigned char **p, unsigned char *start, const char *uri)
{
	size_t len = 0;

	W(mbedtls_asn1_write_raw_buffer(p, start, (const unsigned char *)uri, strlen(uri)));
	WRAP(TAG_CTX(6));
	return (int)len;
}

/* AccessDescription ::= SEQUENCE { accessMethod OID, accessLocation GeneralName } */
static int
put_access(unsigned char **p, unsigned char *start, const char *oid, size_t oid_len,
           const char *uri)
{
	size_t len = 0;

	W(put_uri(p, start, uri));
	W(mbedtls_asn1_write_oid(p, start, oid, oid_len));
	WRAP(TAG_SEQ);
	return (int)len;
}

/*
 * Wrap an extension value of vlen bytes, just written at *p:
 * Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (present
 * only when TRUE, DER), extnValue OCTET STRING }. Returns the bytes it
 * added (not counting the value).
 */
static int
wrap_ext(unsigned char **p, unsigned char *start, size_t vlen,
         const char *oid, size_t oid_len, bool critical)
{
	size_t len = 0;

	W(mbedtls_asn1_write_len(p, start, vlen));
	W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_OCTET_STRING));
	if (critical)
		W(mbedtls_asn1_write_bool(p, start, 1));
	W(mbedtls_asn1_write_oid(p, start, oid, oid_len));
	W(mbedtls_asn1_write_len(p, start, vlen + len));
	W(mbedtls_asn1_write_tag(p, start, TAG_SEQ));
	return (int)len;
}

/*
 * Each ext_* writes one whole Extension and returns its length. They are
 * called in reverse certificate order.
 */

/* sbgp-autonomousSysNum, critical (RFC 6487 4.8.11; UD-95, UD-96). */
static int
ext_as(unsigned char **p, unsigned char *start, const struct res_set *as)
{
	size_t len = 0;

	W(res_der_write_as(p, start, as));
	W(wrap_ext(p, start, len, OID_AS, OLEN(OID_AS), true));
	return (int)len;
}

/* sbgp-ipAddrBlock, critical, IPv4 before IPv6, empty family omitted (4.8.10). */
static int
ext_ip(unsigned char **p, unsigned char *start, const struct res_set *v4,
       const struct res_set *v6)
{
	size_t len = 0;

	W(res_der_write_ip(p, start, v4, v6));
	W(wrap_ext(p, start, len, OID_IP, OLEN(OID_IP), true));
	return (int)len;
}

/* certificatePolicies, critical, exactly id-cp-ipAddr-asNumber (RFC 6487 4.8.9, UD-94). */
static int
ext_policies(unsigned char **p, unsigned char *start)
{
	size_t len = 0;

	W(mbedtls_asn1_write_oid(p, start, OID_CP_RPKI, OLEN(OID_CP_RPKI)));
	WRAP(TAG_SEQ);  /* PolicyInformation */
	WRAP(TAG_SEQ);  /* certificatePolicies */
	W(wrap_ext(p, start, len, OID_CP, OLEN(OID_CP), true));
	return (int)len;
}

/* SIA, non-critical (RFC 6487 4.8.8): CA or EE access descriptions. */
static int
ext_sia(unsigned char **p, unsigned char *start, const struct tbs *t)
{
	size_t len = 0;

	if (t->sia_signed != NULL) {
		/* EE: id-ad-signedObject (RFC 6487 4.8.8.2). */
		W(put_access(p, start, OID_AD_SIGNED, OLEN(OID_AD_SIGNED), t->sia_signed));
	} else {
		/* CA: caRepository, rpkiManifest, rpkiNotify (4.8.8.1, RFC 8182). */
		if (t->sia_notify != NULL)
			W(put_access(p, start, OID_AD_NOTIFY, OLEN(OID_AD_NOTIFY), t->sia_notify));
		W(put_access(p, start, OID_AD_MFT, OLEN(OID_AD_MFT), t->sia_mft));
		W(put_access(p, start, OID_AD_REPO, OLEN(OID_AD_REPO), t->sia_repo));
	}
	WRAP(TAG_SEQ);
	W(wrap_ext(p, start, len, OID_SIA, OLEN(OID_SIA), false));
	return (int)len;
}

/* AIA, non-critical, one caIssuers rsync URI (RFC 6487 4.8.7, UD-92). */
static int
ext_aia(unsigned char **p, unsigned char *start, const char *uri)
{
	size_t len = 0;

	W(put_access(p, start, OID_AD_ISSUERS, OLEN(OID_AD_ISSUERS), uri));
	WRAP(TAG_SEQ);
	W(wrap_ext(p, start, len, OID_AIA, OLEN(OID_AIA), false));
	return (int)len;
}

/*
 * CRLDP, non-critical: one DistributionPoint with a fullName of one rsync
 * URI; no reasons, no cRLIssuer (RFC 6487 4.8.6, UD-91).
 */
static int
ext_crldp(unsigned char **p, unsigned char *start, const char *uri)
{
	size_t len = 0;

	W(put_uri(p, start, uri));
	WRAP(TAG_CTXC(0));  /* fullName [0] GeneralNames */
	WRAP(TAG_CTXC(0));  /* distributionPoint [0] DistributionPointName */
	WRAP(TAG_SEQ);      /* DistributionPoint */
	WRAP(TAG_SEQ);      /* CRLDistributionPoints */
	W(wrap_ext(p, start, len, OID_CRLDP, OLEN(OID_CRLDP), false));
	return (int)len;
}

/*
 * keyUsage, critical (RFC 6487 4.8.4, UD-89): one octet as a minimal
 * BIT STRING (trailing zero bits dropped, DER).
 */
static int
ext_key_usage(unsigned char **p, unsigned char *start, unsigned char bits)
{
	unsigned char v[2];
	unsigned unused = 0;
	size_t len = 0;

	while (unused < 7 && !(bits & (1u << unused)))
		unused++;
	v[0] = (unsigned char)unused;
	v[1] = bits;
	W(mbedtls_asn1_write_raw_buffer(p, start, v, 2));
	WRAP(MBEDTLS_ASN1_BIT_STRING);
	W(wrap_ext(p, start, len, OID_KU, OLEN(OID_KU), true));
	return (int)len;
}

/* AKI, non-critical, keyIdentifier only (RFC 6487 4.8.3, UD-88). */
static int
ext_aki(unsigned char **p, unsigned char *start, const unsigned char *aki)
{
	size_t len = 0;

	W(mbedtls_asn1_write_raw_buffer(p, start, aki, CERT_SKI_LEN));
	WRAP(TAG_CTX(0));
	WRAP(TAG_SEQ);
	W(wrap_ext(p, start, len, OID_AKI, OLEN(OID_AKI), false));
	return (int)len;
}

/* SKI, non-critical, SHA-1 of the key (RFC 6487 4.8.2, UD-87). */
static int
ext_ski(unsigned char **p, unsigned char *start, const unsigned char *ski)
{
	size_t len = 0;

	W(mbedtls_asn1_write_octet_string(p, start, ski, CERT_SKI_LEN));
	W(wrap_ext(p, start, len, OID_SKI, OLEN(OID_SKI), false));
	return (int)len;
}

/* basicConstraints, critical, cA TRUE, no pathLenConstraint (RFC 6487 4.8.1, UD-86). */
static int
ext_bc(unsigned char **p, unsigned char *start)
{
	size_t len = 0;

	W(mbedtls_asn1_write_bool(p, start, 1));
	WRAP(TAG_SEQ);
	W(wrap_ext(p, start, len, OID_BC, OLEN(OID_BC), true));
	return (int)len;
}

/*
 * Extensions in certificate order: BC, SKI, AKI, KU, CRLDP, AIA, SIA, CP,
 * IP, AS; nothing else (UD-97). Written backwards, so AS first.
 */
static int
put_extensions(unsigned char **p, unsigned char *start, const struct tbs *t)
{
	bool ca = t->kind == K_CA || t->kind == K_TA || t->kind == K_BPKI_TA;
	bool rpki = t->kind == K_CA || t->kind == K_EE || t->kind == K_TA;
	size_t len = 0;

	if (t->res != NULL) {
		/* Omit an extension without resources (UD-95). */
		if (!res_set_is_empty(&t->res->as))
			W(ext_as(p, start, &t->res->as));
		if (!res_set_is_empty(&t->res->v4) || !res_set_is_empty(&t->res->v6))
			W(ext_ip(p, start, &t->res->v4, &t->res->v6));
	}
	if (rpki) {
		W(ext_policies(p, start));
		W(ext_sia(p, start, t));
	}
	if (t->aia != NULL)
		W(ext_aia(p, start, t->aia));
	if (t->crldp != NULL)
		W(ext_crldp(p, start, t->crldp));
	W(ext_key_usage(p, start, ca ? (KU_KEY_CERT_SIGN | KU_CRL_SIGN) : KU_DIGITAL_SIGNATURE));
	if (t->aki != NULL)
		W(ext_aki(p, start, t->aki));
	W(ext_ski(p, start, t->ski));
	if (ca)
		W(ext_bc(p, start));
	WRAP(TAG_SEQ);      /* Extensions */
	WRAP(TAG_CTXC(3));  /* [3] EXPLICIT */
	return (int)len;
}

/*
 * TBSCertificate (RFC 5280 4.1; RFC 6487 4): version v3, serial,
 * sha256WithRSAEncryption, issuer, validity, subject, SPKI, extensions.
 * No unique identifiers (UD-85).
 */
static int
put_tbs(unsigned char **p, unsigned char *start, const struct tbs *t)
{
	size_t len = 0, v;

	W(put_extensions(p, start, t));
	W(mbedtls_asn1_write_raw_buffer(p, start, t->spki, t->spki_len));
	W(mbedtls_asn1_write_raw_buffer(p, start, t->subject, t->subject_len));
	v = len;
	W(cert_asn1_write_time(p, start, t->not_after));
	W(cert_asn1_write_time(p, start, t->not_before));
	W(mbedtls_asn1_write_len(p, start, len - v));
	W(mbedtls_asn1_write_tag(p, start, TAG_SEQ));
	W(mbedtls_asn1_write_raw_buffer(p, start, t->issuer, t->issuer_len));
	W(mbedtls_asn1_write_algorithm_identifier(p, start, OID_SHA256_RSA,
	    OLEN(OID_SHA256_RSA), 0));
	W(mbedtls_asn1_write_raw_buffer(p, start, t->serial, t->serial_len));
	W(mbedtls_asn1_write_len(p, start, t->serial_len));
	W(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_INTEGER));
	v = len;
	W(mbedtls_asn1_write_int(p, start, 2));           /* v3 */
	W(mbedtls_asn1_write_len(p, start, len - v));
	W(mbedtls_asn1_write_tag(p, start, TAG_CTXC(0)));
	WRAP(TAG_SEQ);
	return (int)len;
}

/* A first guess at the TBS size; the writer retries with twice as much. */
static size_t
estimate(const struct tbs *t)
{
	size_t n = 1024 + t->spki_len + t->issuer_len + t->subject_len;
	const char *u[] = { t->crldp, t->aia, t->sia_repo, t->sia_mft,
	    t->sia_notify, t->sia_signed };
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (u[i] != NULL)
			n += strlen(u[i]) + 16;
	if (t->res != NULL)
		n += 16 * (t->res->as.count + t->res->v4.count + t->res->v6.count);
	return n;
}

/*
 * Parse the certificate back (cms_cert_parse: what a peer's mbed TLS
 * would do) and verify its signature with the issuer's public key. See cert.h.
 */
int
cert_check_issued(const unsigned char *der, size_t len, const unsigned char *issuer_spki,
                  size_t issuer_spki_len)
{
	mbedtls_x509_crt crt;
	mbedtls_pk_context pk;
	unsigned char hash[32];
	int rc = CERT_ERR_PARSE;

	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&pk);
	if (cms_cert_parse(&crt, der, len, NULL) != 0 || crt.raw.len != len)
		goto out;
	rc = CERT_ERR_KEY_MISMATCH;
	if (mbedtls_pk_parse_public_key(&pk, issuer_spki, issuer_spki_len) != 0 ||
	    mbedtls_sha256_ret(crt.tbs.p, crt.tbs.len, hash, 0) != 0 ||
	    mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
	    crt.sig.p, crt.sig.len) != 0)
		goto out;
	rc = 0;
out:
	mbedtls_pk_free(&pk);
	mbedtls_x509_crt_free(&crt);
	return rc;
}

/*
 * Write the TBS of t, sign it with key, wrap, check. *der is malloc'd.
 */
static int
build(struct signer *s, struct signer_key *key, const struct tbs *t,
      const unsigned char *issuer_spki, size_t issuer_spki_len,
      unsigned char **der, size_t *len)
{
	unsigned char *buf = NULL, *p, *out = NULL;
	size_t size = estimate(t), out_len = 0;
	int ret, rc;

	for (;;) {
		if ((buf = malloc(size)) == NULL)
			return CERT_ERR_NOMEM;
		p = buf + size;
		ret = put_tbs(&p, buf, t);
		if (ret != ERR_BUF)
			break;
		free(buf);
		buf = NULL;
		if (size >= MAX_TBS)
			return CERT_ERR_NOMEM;
		size *= 2;
	}
	if (ret < 0) {
		rc = ret;
		goto out;
	}
	if ((rc = cert_sign_wrap(s, key, p, (size_t)ret, &out, &out_len)) != 0)
		goto out;
	if ((rc = cert_check_issued(out, out_len, issuer_spki, issuer_spki_len)) != 0)
		goto out;
	*der = out;
	*len = out_len;
	out = NULL;
	rc = 0;
out:
	free(out);
	free(buf);
	return rc;
}

/* notAfter clipped to the issuer's (UD-83 PRACTICE), after notBefore. */
static int
clip_validity(struct tbs *t, time_t not_before, time_t not_after, time_t issuer_not_after)
{
	t->not_before = not_before;
	t->not_after = not_after < issuer_not_after ? not_after : issuer_not_after;
	if (t->not_before >= t->not_after)
		return CERT_ERR_VALIDITY;
	return 0;
}

/*
 * Explicit resources: families right, no inherit (UD-95), not empty
 * (RFC 6487 section 2, UD-69).
 */
static int
check_explicit(const struct res_bundle *res)
{
	if (res == NULL)
		return CERT_ERR_ARG;
	if (res->as.family != RES_AS || res->v4.family != RES_IPV4 ||
	    res->v6.family != RES_IPV6)
		return CERT_ERR_ARG;
	if (res->as.inherit || res->v4.inherit || res->v6.inherit)
		return CERT_ERR_INHERIT;
	if (res_bundle_is_empty(res))
		return CERT_ERR_EMPTY;
	return 0;
}

/*
 * Explicit resources for a certificate iss signs, within the issuer's
 * (RFC 6487 7.2, UD-100). An issuer holding inherit cannot prove
 * containment, so it cannot issue explicit resources.
 */
static int
check_resources(const struct cert_issuer *iss, const struct res_bundle *res)
{
	int rc;

	if ((rc = check_explicit(res)) != 0)
		return rc;
	if (!iss->has_resources)
		return CERT_ERR_CANNOT_ISSUE;
	if (iss->res.as.inherit || iss->res.v4.inherit || iss->res.v6.inherit)
		return CERT_ERR_OVERCLAIM;
	if (!res_set_subset(&res->as, &iss->res.as) ||
	    !res_set_subset(&res->v4, &iss->res.v4) ||
	    !res_set_subset(&res->v6, &iss->res.v6))
		return CERT_ERR_OVERCLAIM;
	return 0;
}

/* What every issuer-signed certificate needs from iss. */
static int
check_issuer(const struct cert_issuer *iss)
{
	if (iss == NULL || iss->signer == NULL || iss->key == NULL ||
	    iss->subject_der == NULL || iss->spki_der == NULL)
		return CERT_ERR_ARG;
	return 0;
}

/* Clear the outputs; fail on NULL. */
static int
init_out(unsigned char **der, size_t *len)
{
	if (der == NULL || len == NULL)
		return CERT_ERR_ARG;
	*der = NULL;
	*len = 0;
	return 0;
}

/*
 * Child CA certificate (RFC 6487 4, UD-80..UD-97, UD-100). See cert.h.
 * *der is malloc'd; caller frees.
 */
int
cert_issue_ca(const struct cert_issuer *iss, const struct cert_ca_params *prm,
              unsigned char **der, size_t *len)
{
	struct tbs t;
	unsigned char subject[MAX_NAME];
	char cn[2 * CERT_SKI_LEN + 1];
	int rc;

	if ((rc = init_out(der, len)) != 0 || prm == NULL || (rc = check_issuer(iss)) != 0)
		return rc != 0 ? rc : CERT_ERR_ARG;
	memset(&t, 0, sizeof(t));
	t.kind = K_CA;
	if (!iss->has_resources || iss->sia_ca_repository == NULL)
		return CERT_ERR_CANNOT_ISSUE;
	if ((rc = check_serial(prm->serial, prm->serial_len)) != 0 ||
	    (rc = check_spki(prm->spki, prm->spki_len, t.ski)) != 0 ||
	    (rc = check_uri(prm->crldp_uri, "rsync://")) != 0 ||
	    (rc = check_uri(prm->aia_uri, "rsync://")) != 0 ||
	    (rc = check_uri(prm->sia_ca_repository, "rsync://")) != 0 ||
	    (rc = check_uri(prm->sia_rpki_manifest, "rsync://")) != 0 ||
	    (prm->sia_rpki_notify != NULL &&
	     (rc = check_uri(prm->sia_rpki_notify, "https://")) != 0) ||
	    (rc = check_resources(iss, prm->res)) != 0 ||
	    (rc = clip_validity(&t, prm->not_before, prm->not_after, iss->not_after)) != 0)
		return rc;
	hex_cn(t.ski, cn);
	if ((rc = make_name(cn, false, subject, &t.subject_len)) != 0)
		return rc;
	t.subject = subject;
	t.serial = prm->serial;
	t.serial_len = prm->serial_len;
	t.issuer = iss->subject_der;
	t.issuer_len = iss->subject_len;
	t.spki = prm->spki;
	t.spki_len = prm->spki_len;
	t.aki = iss->ski;
	t.crldp = prm->crldp_uri;
	t.aia = prm->aia_uri;
	t.sia_repo = prm->sia_ca_repository;
	t.sia_mft = prm->sia_rpki_manifest;
	t.sia_notify = prm->sia_rpki_notify;
	t.res = prm->res;
	return build(iss->signer, iss->key, &t, iss->spki_der, iss->spki_len, der, len);
}

/*
 * EE certificate of a signed object (RFC 6487 4, RFC 6488 2.1.1). See
 * cert.h. *der is malloc'd; caller frees.
 */
int
cert_issue_ee(const struct cert_issuer *iss, const struct cert_ee_params *prm,
              unsigned char **der, size_t *len)
{
	struct tbs t;
	struct res_bundle inherit;
	unsigned char subject[MAX_NAME];
	char cn[2 * CERT_SKI_LEN + 1];
	int rc;

	if ((rc = init_out(der, len)) != 0 || prm == NULL || (rc = check_issuer(iss)) != 0)
		return rc != 0 ? rc : CERT_ERR_ARG;
	memset(&t, 0, sizeof(t));
	t.kind = K_EE;
	if (!iss->has_resources || iss->sia_ca_repository == NULL)
		return CERT_ERR_CANNOT_ISSUE;
	if ((rc = check_serial(prm->serial, prm->serial_len)) != 0 ||
	    (rc = check_spki(prm->spki, prm->spki_len, t.ski)) != 0 ||
	    (rc = check_uri(prm->crldp_uri, "rsync://")) != 0 ||
	    (rc = check_uri(prm->aia_uri, "rsync://")) != 0 ||
	    (rc = check_uri(prm->signed_object_uri, "rsync://")) != 0 ||
	    (!prm->inherit && (rc = check_resources(iss, prm->res)) != 0) ||
	    (rc = clip_validity(&t, prm->not_before, prm->not_after, iss->not_after)) != 0)
		return rc;
	hex_cn(t.ski, cn);
	if ((rc = make_name(cn, false, subject, &t.subject_len)) != 0)
		return rc;
	/* RFC 3779 inherit for every family (RFC 6487 4.8.10-11; RFC 9286 5.1). */
	res_bundle_init(&inherit);
	inherit.as.inherit = inherit.v4.inherit = inherit.v6.inherit = true;
	t.subject = subject;
	t.serial = prm->serial;
	t.serial_len = prm->serial_len;
	t.issuer = iss->subject_der;
	t.issuer_len = iss->subject_len;
	t.spki = prm->spki;
	t.spki_len = prm->spki_len;
	t.aki = iss->ski;
	t.crldp = prm->crldp_uri;
	t.aia = prm->aia_uri;
	t.sia_signed = prm->signed_object_uri;
	t.res = prm->inherit ? &inherit : prm->res;
	return build(iss->signer, iss->key, &t, iss->spki_der, iss->spki_len, der, len);
}

/* The key's public key from the signer, its SKI, and RSA check. */
static int
signer_spki(struct signer *s, struct signer_key *key, unsigned char **spki,
            size_t *spki_len, unsigned char ski[CERT_SKI_LEN])
{
	int rc;

	*spki = NULL;
	if (signer_key_public(s, key, spki, spki_len) != 0)
		return CERT_ERR_SIGN;
	if ((rc = check_spki(*spki, *spki_len, ski)) != 0) {
		free(*spki);
		*spki = NULL;
	}
	return rc;
}

/*
 * Self-signed RPKI trust anchor (RFC 6487 4 as RFC 8630 uses it). No AKI
 * (optional when self-signed, 4.8.3), no CRLDP (4.8.6), no AIA (4.8.7).
 * *der is malloc'd; caller frees.
 */
int
cert_make_ta(struct signer *s, struct signer_key *key, const struct cert_ta_params *prm,
             unsigned char **der, size_t *len)
{
	struct tbs t;
	unsigned char name[MAX_NAME], *spki = NULL;
	char cn[2 * CERT_SKI_LEN + 1];
	size_t spki_len = 0;
	int rc;

	if ((rc = init_out(der, len)) != 0)
		return rc;
	if (s == NULL || key == NULL || prm == NULL)
		return CERT_ERR_ARG;
	memset(&t, 0, sizeof(t));
	t.kind = K_TA;
	if ((rc = check_serial(prm->serial, prm->serial_len)) != 0 ||
	    (rc = check_uri(prm->sia_ca_repository, "rsync://")) != 0 ||
	    (rc = check_uri(prm->sia_rpki_manifest, "rsync://")) != 0 ||
	    (prm->sia_rpki_notify != NULL &&
	     (rc = check_uri(prm->sia_rpki_notify, "https://")) != 0))
		return rc;
	if (prm->not_before >= prm->not_after)
		return CERT_ERR_VALIDITY;
	if ((rc = check_explicit(prm->res)) != 0)
		return rc;
	if ((rc = signer_spki(s, key, &spki, &spki_len, t.ski)) != 0)
		return rc;
	if (prm->subject_cn == NULL)
		hex_cn(t.ski, cn);
	if ((rc = make_name(prm->subject_cn != NULL ? prm->subject_cn : cn, false,
	    name, &t.subject_len)) != 0)
		goto out;
	t.subject = t.issuer = name;
	t.issuer_len = t.subject_len;
	t.serial = prm->serial;
	t.serial_len = prm->serial_len;
	t.not_before = prm->not_before;
	t.not_after = prm->not_after;
	t.spki = spki;
	t.spki_len = spki_len;
	t.sia_repo = prm->sia_ca_repository;
	t.sia_mft = prm->sia_rpki_manifest;
	t.sia_notify = prm->sia_rpki_notify;
	t.res = prm->res;
	rc = build(s, key, &t, spki, spki_len, der, len);
out:
	free(spki);
	return rc;
}

/*
 * Self-signed BPKI trust anchor (RFC 6492 3.1, RFC 8183): cA, SKI,
 * AKI = SKI, keyUsage keyCertSign+cRLSign; no RFC 3779, no policies.
 * *der is malloc'd; caller frees.
 */
int
cert_bpki_ta(struct signer *s, struct signer_key *key, const struct cert_bpki_params *prm,
             unsigned char **der, size_t *len)
{
	struct tbs t;
	unsigned char name[MAX_NAME], *spki = NULL;
	size_t spki_len = 0;
	int rc;

	if ((rc = init_out(der, len)) != 0)
		return rc;
	if (s == NULL || key == NULL || prm == NULL)
		return CERT_ERR_ARG;
	memset(&t, 0, sizeof(t));
	t.kind = K_BPKI_TA;
	if ((rc = check_serial(prm->serial, prm->serial_len)) != 0)
		return rc;
	if (prm->not_before >= prm->not_after)
		return CERT_ERR_VALIDITY;
	if ((rc = make_name(prm->subject_cn, true, name, &t.subject_len)) != 0)
		return rc;
	if ((rc = signer_spki(s, key, &spki, &spki_len, t.ski)) != 0)
		return rc;
	t.subject = t.issuer = name;
	t.issuer_len = t.subject_len;
	t.serial = prm->serial;
	t.serial_len = prm->serial_len;
	t.not_before = prm->not_before;
	t.not_after = prm->not_after;
	t.spki = spki;
	t.spki_len = spki_len;
	t.aki = t.ski;
	rc = build(s, key, &t, spki, spki_len, der, len);
	free(spki);
	return rc;
}

/*
 * BPKI EE certificate that signs our CMS messages (RFC 6492 3.1.1.4,
 * UD-14, UD-25): not a CA, keyUsage digitalSignature, SKI, AKI.
 * *der is malloc'd; caller frees.
 */
int
cert_bpki_ee(const struct cert_issuer *ta, const unsigned char *spki, size_t spki_len,
             const struct cert_bpki_params *prm, unsigned char **der, size_t *len)
{
	struct tbs t;
	unsigned char name[MAX_NAME];
	int rc;

	if ((rc = init_out(der, len)) != 0 || prm == NULL || (rc = check_issuer(ta)) != 0)
		return rc != 0 ? rc : CERT_ERR_ARG;
	memset(&t, 0, sizeof(t));
	t.kind = K_BPKI_EE;
	if ((rc = check_serial(prm->serial, prm->serial_len)) != 0 ||
	    (rc = check_spki(spki, spki_len, t.ski)) != 0 ||
	    (rc = clip_validity(&t, prm->not_before, prm->not_after, ta->not_after)) != 0 ||
	    (rc = make_name(prm->subject_cn, true, name, &t.subject_len)) != 0)
		return rc;
	t.subject = name;
	t.issuer = ta->subject_der;
	t.issuer_len = ta->subject_len;
	t.serial = prm->serial;
	t.serial_len = prm->serial_len;
	t.spki = spki;
	t.spki_len = spki_len;
	t.aki = ta->ski;
	return build(ta->signer, ta->key, &t, ta->spki_der, ta->spki_len, der, len);
}
