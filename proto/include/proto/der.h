/*
 * DER writing helpers shared by every encoder here (the RFC 6492 CMS
 * profile, provisioning bundles, certificates, CRLs, manifests). They
 * follow mbed TLS's asn1write pattern: each writes backwards, ending at
 * *p, never below start, moves *p to its first byte and returns the number
 * of bytes written, or a negative mbed TLS code:
 * MBEDTLS_ERR_ASN1_BUF_TOO_SMALL when start is reached, and for
 * der_write_time MBEDTLS_ERR_ASN1_INVALID_DATA for a time outside its form.
 */
#ifndef UPDOWN_PROTO_DER_H
#define UPDOWN_PROTO_DER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Length and tag around the len bytes just written (returns the bytes added). */
int der_wrap(unsigned char **p, unsigned char *start, size_t len, unsigned char tag);

/* INTEGER of an unsigned 64-bit value, minimal (X.690 8.3.2). */
int der_write_u64(unsigned char **p, unsigned char *start, uint64_t v);

/* AlgorithmIdentifier for SHA-256 with parameters absent (RFC 5754 2). */
int der_write_sha256_alg(unsigned char **p, unsigned char *start);

enum der_time_form {
	/*
	 * UTCTime for 1950..2049, GeneralizedTime for 2050..9999: RFC 5280
	 * 4.1.2.5 and 5.1.2.4 (certificates, CRLs), RFC 5652 11.3 (signing-time).
	 */
	DER_TIME_UTC_UNTIL_2049,
	/* GeneralizedTime always, years 0..9999 (RFC 9286 manifests, bundles). */
	DER_TIME_GENERALIZED,
};

/* t in the given form: seconds always present, "Z", no fraction (X.690 11.7, 11.8). */
int der_write_time(unsigned char **p, unsigned char *start, time_t t, enum der_time_form form);

#endif
