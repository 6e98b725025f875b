/*
 * DER helpers shared by the codecs here.
 *
 * Writing, for every encoder (the RFC 6492 CMS profile, provisioning
 * bundles, certificates, CRLs, manifests), in mbed TLS's asn1write
 * pattern: each writes backwards, ending at *p, never below start, moves
 * *p to its first byte and returns the number of bytes written, or a
 * negative mbed TLS code: MBEDTLS_ERR_ASN1_BUF_TOO_SMALL when start is
 * reached, and for der_write_time MBEDTLS_ERR_ASN1_INVALID_DATA for a time
 * outside its form.
 *
 * Reading, for the CMS and bundle decoders: one TLV at a time (low tag
 * numbers only), every length checked against the end the caller gives.
 * DER (X.690 10.1: definite, minimal lengths) unless the reader allows BER,
 * when an indefinite length (constructed only) is resolved by walking its
 * children to the end-of-contents octets, nested at most DER_MAX_DEPTH
 * deep. Each caller maps the DER_ERR_* codes to its own.
 */
#ifndef UPDOWN_PROTO_DER_H
#define UPDOWN_PROTO_DER_H

#include <stdbool.h>
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

/* ---- reading ---- */

#define DER_ERR_ASN1     -1  /* malformed, or a length past the end */
#define DER_ERR_NOT_DER  -2  /* a BER-only form while the reader wants DER */
#define DER_ERR_SHAPE    -3  /* der_expect / der_get_alg: missing, or not what was asked */

#define DER_MAX_DEPTH    32  /* nesting of BER indefinite lengths */

struct der_reader {
	bool der_only;               /* refuse BER forms (DER_ERR_NOT_DER) */
	bool ber_seen;               /* a BER-only form was read (and allowed) */
};

/* One TLV inside the bounds it was read with. */
struct der_tlv {
	unsigned char tag;
	const unsigned char *start;  /* the tag octet */
	const unsigned char *val;    /* first content octet */
	size_t len;                  /* content length (indefinite: without end-of-contents) */
	const unsigned char *next;   /* first octet after the TLV */
};

/* Note a BER-only form found by the caller: DER_ERR_NOT_DER if rd wants DER, else 0. */
int der_ber_only(struct der_reader *rd);

/* The TLV at p (p < end for one to be there). */
int der_get(struct der_reader *rd, const unsigned char *p, const unsigned char *end,
            struct der_tlv *t);

/* The TLV at *p, which must have tag (else DER_ERR_SHAPE); *p moves past it. */
int der_expect(struct der_reader *rd, const unsigned char **p, const unsigned char *end,
               unsigned char tag, struct der_tlv *t);

/*
 * AlgorithmIdentifier at *p whose parameters are absent or NULL (RFC 5754
 * 2 for SHA-256, RFC 4055 5 / RFC 3370 3.2 for RSA): *oid is the
 * algorithm, *null_params (may be NULL) whether the NULL was there;
 * DER_ERR_SHAPE for any other shape. *p moves past it.
 */
int der_get_alg(struct der_reader *rd, const unsigned char **p, const unsigned char *end,
                struct der_tlv *oid, bool *null_params);

#endif
