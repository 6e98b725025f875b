/*
 * CRL writer (RFC 6487 section 5, RFC 5280 section 5; UD-130). See
 * crypto/include/crypto/crl.h.
 *
 * mbed TLS 2.28 has no CRL writer. The TBSCertList is written backwards
 * into a buffer sized in advance (mbed TLS asn1write), then signed and
 * wrapped by cert_sign_wrap() (sha256WithRSAEncryption through the signer).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>

#include "crypto/crl.h"
#include "proto/der.h"

#define OID_AKI        "\x55\x1d\x23"   /* 2.5.29.35 authorityKeyIdentifier */
#define OID_CRL_NUMBER "\x55\x1d\x14"   /* 2.5.29.20 cRLNumber */
#define OID_SHA256_RSA "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b" /* sha256WithRSAEncryption */

/* Bytes of one entry: SEQUENCE(2) { INTEGER(2+20), Time(2+15) }, rounded up. */
#define ENTRY_MAX      48
/* Version, algorithm, times, extensions and headers around them. */
#define TBS_OVERHEAD   512

#define CHK(f) do { if ((ret = (f)) < 0) goto asn1_fail; len += (size_t)ret; } while (0)

/* A serial per cert.h: 1..20 octets, positive, non-zero, minimal. */
static bool
serial_ok(const unsigned char *s, size_t len)
{
	if (s == NULL || len == 0 || len > CERT_MAX_SERIAL || (s[0] & 0x80) != 0)
		return false;
	if (s[0] == 0 && (len == 1 || (s[1] & 0x80) == 0))
		return false;               /* zero, or a redundant leading 0x00 */
	return true;
}

/* Numeric order of minimal positive encodings: length first, then bytes. */
static int
entry_cmp(const void *a, const void *b)
{
	const struct crl_entry *x = *(const struct crl_entry *const *)a;
	const struct crl_entry *y = *(const struct crl_entry *const *)b;

	if (x->serial_len != y->serial_len)
		return x->serial_len < y->serial_len ? -1 : 1;
	return memcmp(x->serial, y->serial, x->serial_len);
}

/* A time per RFC 5280 5.1.2.4: UTCTime through 2049, then GeneralizedTime. */
static int
write_time(unsigned char **p, unsigned char *start, time_t t)
{
	int ret = cert_asn1_write_time(p, start, t);

	if (ret == CERT_ERR_VALIDITY)
		return CRL_ERR_TIME;
	return ret < 0 ? MBEDTLS_ERR_ASN1_BUF_TOO_SMALL : ret;
}

/*
 * The TBSCertList, written backwards into [buf, buf + size); *tbs points
 * at its first byte on success. sorted: the entries in serial order.
 */
static int
write_tbs(const struct cert_issuer *iss, const struct crl_params *p,
          const struct crl_entry *const *sorted, unsigned char *buf, size_t size,
          unsigned char **tbs, size_t *tbs_len)
{
	unsigned char *q = buf + size;
	size_t len = 0, mark, i;
	int ret;

	/* crlExtensions [0] EXPLICIT Extensions (RFC 6487 5: AKI and CRL number only). */
	mark = len;
	{
		size_t e = len;
		CHK(der_write_u64(&q, buf, p->number));
		CHK(der_wrap(&q, buf, len - e, MBEDTLS_ASN1_OCTET_STRING));
		CHK(mbedtls_asn1_write_oid(&q, buf, OID_CRL_NUMBER, 3));
		CHK(der_wrap(&q, buf, len - e, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	}
	{
		size_t e = len;
		CHK(mbedtls_asn1_write_raw_buffer(&q, buf, iss->ski, CERT_SKI_LEN));
		CHK(der_wrap(&q, buf, CERT_SKI_LEN, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0)); /* keyIdentifier */
		CHK(der_wrap(&q, buf, len - e, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		CHK(der_wrap(&q, buf, len - e, MBEDTLS_ASN1_OCTET_STRING));
		CHK(mbedtls_asn1_write_oid(&q, buf, OID_AKI, 3));
		CHK(der_wrap(&q, buf, len - e, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	}
	CHK(der_wrap(&q, buf, len - mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	CHK(der_wrap(&q, buf, len - mark,
	    MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));

	/* revokedCertificates: omitted when empty (RFC 5280 5.1.2.6). */
	if (p->n_entries > 0) {
		mark = len;
		for (i = p->n_entries; i-- > 0;) {
			size_t e = len;
			if ((ret = write_time(&q, buf, sorted[i]->revoked)) < 0)
				goto asn1_fail;
			len += (size_t)ret;
			CHK(mbedtls_asn1_write_raw_buffer(&q, buf, sorted[i]->serial,
			    sorted[i]->serial_len));
			CHK(der_wrap(&q, buf, sorted[i]->serial_len, MBEDTLS_ASN1_INTEGER));
			CHK(der_wrap(&q, buf, len - e, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		}
		CHK(der_wrap(&q, buf, len - mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	}
	if ((ret = write_time(&q, buf, p->next_update)) < 0)
		goto asn1_fail;
	len += (size_t)ret;
	if ((ret = write_time(&q, buf, p->this_update)) < 0)
		goto asn1_fail;
	len += (size_t)ret;
	/* issuer: our subject, byte for byte (RFC 5280 5.1.2.3). */
	CHK(mbedtls_asn1_write_raw_buffer(&q, buf, iss->subject_der, iss->subject_len));
	/* signature: sha256WithRSAEncryption, NULL parameters (RFC 4055 5, RFC 7935). */
	CHK(mbedtls_asn1_write_algorithm_identifier(&q, buf, OID_SHA256_RSA, 9, 0));
	CHK(mbedtls_asn1_write_int(&q, buf, 1));               /* v2 */
	CHK(der_wrap(&q, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	*tbs = q;
	*tbs_len = len;
	return 0;
asn1_fail:
	if (ret == CRL_ERR_TIME)
		return ret;
	return CRL_ERR_NOMEM;      /* buffer too small: our sizing is wrong */
}

/* See crl.h. */
int
crl_write(const struct cert_issuer *iss, const struct crl_params *p,
          unsigned char **der, size_t *len)
{
	const struct crl_entry **sorted = NULL;
	unsigned char *buf = NULL, *tbs = NULL;
	size_t size, tbs_len = 0, i;
	int rc, ret;

	if (der != NULL)
		*der = NULL;
	if (iss == NULL || p == NULL || der == NULL || len == NULL || iss->signer == NULL ||
	    iss->key == NULL || iss->subject_der == NULL || iss->subject_len == 0 ||
	    (p->entries == NULL && p->n_entries > 0))
		return CRL_ERR_ARG;
	if (p->this_update >= p->next_update)
		return CRL_ERR_TIME;
	if (p->n_entries > CRL_MAX_ENTRIES)
		return CRL_ERR_LIMIT;

	rc = CRL_ERR_NOMEM;
	if (p->n_entries > 0 && (sorted = calloc(p->n_entries, sizeof(*sorted))) == NULL)
		goto out;
	for (i = 0; i < p->n_entries; i++) {
		rc = CRL_ERR_SERIAL;
		if (!serial_ok(p->entries[i].serial, p->entries[i].serial_len))
			goto out;
		sorted[i] = &p->entries[i];
	}
	if (p->n_entries > 1)
		qsort(sorted, p->n_entries, sizeof(*sorted), entry_cmp);
	for (i = 1; i < p->n_entries; i++) {
		rc = CRL_ERR_DUPLICATE;
		if (entry_cmp(&sorted[i - 1], &sorted[i]) == 0)
			goto out;
	}

	rc = CRL_ERR_NOMEM;
	size = iss->subject_len + TBS_OVERHEAD + p->n_entries * ENTRY_MAX;
	if ((buf = malloc(size)) == NULL)
		goto out;
	if ((rc = write_tbs(iss, p, sorted, buf, size, &tbs, &tbs_len)) != 0)
		goto out;
	ret = cert_sign_wrap(iss->signer, iss->key, tbs, tbs_len, der, len);
	if (ret == CERT_ERR_NOMEM)
		rc = CRL_ERR_NOMEM;
	else if (ret != 0)
		rc = CRL_ERR_SIGN;
	else
		rc = 0;
out:
	if (rc != 0 && *der != NULL) {
		free(*der);
		*der = NULL;
	}
	free(buf);
	free(sorted);
	return rc;
}

/* See crl.h. */
const char *
crl_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case CRL_ERR_ARG: return "invalid argument (issuer without signer, key or subject)";
	case CRL_ERR_NOMEM: return "out of memory";
	case CRL_ERR_SERIAL: return "serial zero, negative, non-minimal or over 20 octets (RFC 5280 4.1.2.2)";
	case CRL_ERR_DUPLICATE: return "a serial listed twice";
	case CRL_ERR_TIME: return "thisUpdate not before nextUpdate, or a year outside 1950..9999 (RFC 5280 5.1.2.4)";
	case CRL_ERR_LIMIT: return "too many CRL entries";
	case CRL_ERR_SIGN: return "the signer failed";
	default: return "unknown CRL error";
	}
}
