/*
 * CRL writer: the RPKI CRL profile (RFC 6487 section 5, RFC 5280 5; UD-130),
 * also used for the BPKI CRL.
 *
 * The CRL is v2, signed sha256WithRSAEncryption by the issuer's key through
 * the signer (the key may live in an HSM); issuer = the issuer's subject
 * Name copied raw from its certificate; thisUpdate and nextUpdate as given;
 * revokedCertificates holds userCertificate + revocationDate only (no
 * CRL-entry extensions), sorted by serial, and is omitted when empty;
 * crlExtensions are exactly authorityKeyIdentifier (keyIdentifier = the
 * issuer's SKI) and cRLNumber, both non-critical. No delta or indirect CRLs.
 *
 * Which entries to list is the caller's: every non-expired revoked
 * certificate issued under this key, kept until it has appeared on one
 * regularly scheduled CRL issued after the certificate's notAfter
 * (RFC 5280 3.3). The CRL number must strictly increase (RFC 5280 5.2.3):
 * the engine persists it.
 *
 * Errors are negative CRL_ERR_* codes; 0 is success.
 */
#ifndef UPDOWN_CRYPTO_CRL_H
#define UPDOWN_CRYPTO_CRL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/cert.h"

#define CRL_ERR_ARG       -0x0A01 /* NULL argument, or an issuer without signer/key */
#define CRL_ERR_NOMEM     -0x0A02
#define CRL_ERR_SERIAL    -0x0A03 /* serial zero, negative, non-minimal or > 20 octets */
#define CRL_ERR_DUPLICATE -0x0A04 /* the same serial twice */
#define CRL_ERR_TIME      -0x0A05 /* thisUpdate >= nextUpdate, or a year outside 1950..9999 */
#define CRL_ERR_LIMIT     -0x0A06 /* more than CRL_MAX_ENTRIES entries */
#define CRL_ERR_SIGN      -0x0A07 /* the signer failed (signer_last_error() tells why) */

#define CRL_MAX_ENTRIES  200000   /* revoked certificates on one CRL (about 8 MB) */

/* One revoked certificate. */
struct crl_entry {
	const unsigned char *serial;  /* DER INTEGER content octets, as in cert.h "Serials" */
	size_t serial_len;
	time_t revoked;               /* revocationDate */
};

struct crl_params {
	time_t this_update;
	time_t next_update;           /* after this_update */
	uint64_t number;              /* cRLNumber (RFC 5280 5.2.3), strictly increasing */
	const struct crl_entry *entries; /* any order; written sorted by serial */
	size_t n_entries;
};

/*
 * Write and sign the CRL of iss (iss->signer, iss->key, iss->subject_der,
 * iss->ski; an RPKI CA or the BPKI TA, loaded with cert_issuer_load()).
 * *der is malloc'd (caller frees), NULL on failure.
 */
int crl_write(const struct cert_issuer *iss, const struct crl_params *p,
              unsigned char **der, size_t *len);

/* Static English text for a CRL_ERR_* code. */
const char *crl_strerror(int err);

#endif
