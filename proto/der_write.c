/*
 * DER writing helpers on mbed TLS's asn1write; see proto/der.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>

#include "proto/der.h"

/* See der.h. */
int
der_wrap(unsigned char **p, unsigned char *start, size_t len, unsigned char tag)
{
	int ret;
	size_t n = 0;

	if ((ret = mbedtls_asn1_write_len(p, start, len)) < 0)
		return ret;
	n += (size_t)ret;
	if ((ret = mbedtls_asn1_write_tag(p, start, tag)) < 0)
		return ret;
	return (int)(n + (size_t)ret);
}

/* See der.h. */
int
der_write_u64(unsigned char **p, unsigned char *start, uint64_t v)
{
	unsigned char b[9];
	size_t n = 0;
	int ret, w;

	do {
		b[sizeof(b) - 1 - n++] = (unsigned char)(v & 0xff);
		v >>= 8;
	} while (v != 0);
	if (b[sizeof(b) - n] & 0x80)
		b[sizeof(b) - 1 - n++] = 0;
	if ((ret = mbedtls_asn1_write_raw_buffer(p, start, b + sizeof(b) - n, n)) < 0)
		return ret;
	if ((w = der_wrap(p, start, n, MBEDTLS_ASN1_INTEGER)) < 0)
		return w;
	return ret + w;
}

/* See der.h. */
int
der_write_sha256_alg(unsigned char **p, unsigned char *start)
{
	int ret, w;

	if ((ret = mbedtls_asn1_write_oid(p, start, MBEDTLS_OID_DIGEST_ALG_SHA256,
	    MBEDTLS_OID_SIZE(MBEDTLS_OID_DIGEST_ALG_SHA256))) < 0)
		return ret;
	if ((w = der_wrap(p, start, (size_t)ret,
	    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
		return w;
	return ret + w;
}

/* See der.h. */
int
der_write_time(unsigned char **p, unsigned char *start, time_t t, enum der_time_form form)
{
	struct tm tm;
	char s[32];
	int n, year;
	bool utc;

	if (gmtime_r(&t, &tm) == NULL)
		return MBEDTLS_ERR_ASN1_INVALID_DATA;
	year = tm.tm_year + 1900;
	if (year > 9999 || year < (form == DER_TIME_UTC_UNTIL_2049 ? 1950 : 0))
		return MBEDTLS_ERR_ASN1_INVALID_DATA;
	utc = form == DER_TIME_UTC_UNTIL_2049 && year <= 2049;
	if (utc)
		n = snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", year % 100,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", year,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n != (utc ? 13 : 15))
		return MBEDTLS_ERR_ASN1_INVALID_DATA;
	return mbedtls_asn1_write_tagged_string(p, start,
	    utc ? MBEDTLS_ASN1_UTC_TIME : MBEDTLS_ASN1_GENERALIZED_TIME, s, (size_t)n);
}
