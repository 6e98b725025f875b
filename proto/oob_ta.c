/*
 * UD-152: checks of an RFC 8183 BPKI trust anchor certificate. Kept apart
 * from the codec because it needs mbed TLS's X.509 parser and signature
 * code; the time is an argument (proto/ reads no clock).
 */
#include <string.h>
#include <time.h>

#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "proto/oob.h"

/* -1, 0, 1 as a is before, equal to, after the broken-down UTC time b. */
static int
oob_time_cmp(const mbedtls_x509_time *a, const struct tm *b)
{
	const int x[6] = { a->year, a->mon, a->day, a->hour, a->min, a->sec };
	const int y[6] = { b->tm_year + 1900, b->tm_mon + 1, b->tm_mday,
	    b->tm_hour, b->tm_min, b->tm_sec };

	for (int i = 0; i < 6; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* Verify crt's signature with crt's own public key (RFC 5280 section 6.1.3). */
static int
oob_self_sig_ok(const mbedtls_x509_crt *crt)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crt->sig_md);
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];
	int ok;

	if (md == NULL ||
	    mbedtls_md(md, crt->tbs.p, crt->tbs.len, hash) != 0)
		return 0;
	ok = mbedtls_pk_verify_ext(crt->sig_pk, crt->sig_opts,
	    (mbedtls_pk_context *)&crt->pk, crt->sig_md, hash,
	    mbedtls_md_get_size(md), crt->sig.p, crt->sig.len) == 0;
	mbedtls_platform_zeroize(hash, sizeof(hash));
	return ok;
}

/*
 * See proto/oob.h. The CA check wants basicConstraints with cA TRUE
 * (RFC 5280 section 4.2.1.9); validity is inclusive at both ends (RFC
 * 5280 section 4.1.2.5). Self-signed means issuer and subject names are
 * byte-identical.
 */
int
oob_check_bpki_ta(const unsigned char *der, size_t len, time_t now,
                  bool *self_signed)
{
	mbedtls_x509_crt crt;
	struct tm tm;
	bool self;
	int rc = OOB_ERR_TA_PARSE;

	if (self_signed != NULL)
		*self_signed = false;
	mbedtls_x509_crt_init(&crt);
	if (der == NULL || len == 0 || len > OOB_MAX_DER ||
	    mbedtls_x509_crt_parse_der(&crt, der, len) != 0)
		goto out;
	rc = OOB_ERR_TA_NOT_CA;
	if ((crt.ext_types & MBEDTLS_X509_EXT_BASIC_CONSTRAINTS) == 0 ||
	    !crt.ca_istrue)
		goto out;
	rc = OOB_ERR_INVALID;
	if (gmtime_r(&now, &tm) == NULL)
		goto out;
	rc = OOB_ERR_TA_FUTURE;
	if (oob_time_cmp(&crt.valid_from, &tm) > 0)
		goto out;
	rc = OOB_ERR_TA_EXPIRED;
	if (oob_time_cmp(&crt.valid_to, &tm) < 0)
		goto out;
	self = crt.issuer_raw.len == crt.subject_raw.len &&
	    memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.issuer_raw.len) == 0;
	rc = OOB_ERR_TA_SIG;
	if (self && !oob_self_sig_ok(&crt))
		goto out;
	if (self_signed != NULL)
		*self_signed = self;
	rc = 0;
out:
	mbedtls_x509_crt_free(&crt);
	return rc;
}
