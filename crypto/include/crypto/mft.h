/*
 * Manifest writer (RFC 9286; UD-131).
 *
 * eContent (RFC 9286 4.2), DER:
 *
 *   Manifest ::= SEQUENCE {
 *     version        [0] INTEGER DEFAULT 0,   -- 0: omitted, as DER requires
 *     manifestNumber INTEGER (0..MAX),        -- at most 20 octets
 *     thisUpdate     GeneralizedTime,
 *     nextUpdate     GeneralizedTime,
 *     fileHashAlg    OBJECT IDENTIFIER,       -- id-sha256
 *     fileList       SEQUENCE OF FileAndHash }
 *   FileAndHash ::= SEQUENCE { file IA5String, hash BIT STRING }
 *
 * File names are bare names (no path) of the form RFC 9286 4.2.2 allows:
 * [a-zA-Z0-9_-]+ "." three lower-case letters; the list is written sorted
 * by name, without duplicates.
 *
 * The signed object (RFC 6488, eContentType id-ct-rpkiManifest) is signed
 * with a one-time-use key (RFC 9286 5.1 / UD-131): mft_sign() generates it
 * in the issuer's signer as a session key, has cert_issue_ee() certify it
 * (inherit resources, SIA signedObject = the manifest's URI, validity =
 * thisUpdate..nextUpdate), signs, and destroys the key whatever happens.
 * The manifestNumber must strictly increase and nextUpdate should equal the
 * CRL's: both are the caller's (the engine persists the number).
 *
 * Errors are negative MFT_ERR_* codes; 0 is success.
 */
#ifndef UPDOWN_CRYPTO_MFT_H
#define UPDOWN_CRYPTO_MFT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/cert.h"

#define MFT_ERR_ARG       -0x0F01 /* NULL argument, or an issuer without signer/key */
#define MFT_ERR_NOMEM     -0x0F02
#define MFT_ERR_NAME      -0x0F03 /* file name not of the RFC 9286 4.2.2 form */
#define MFT_ERR_DUPLICATE -0x0F04 /* the same file name twice */
#define MFT_ERR_TIME      -0x0F05 /* thisUpdate >= nextUpdate, year out of range, or outside the issuer's validity */
#define MFT_ERR_LIMIT     -0x0F06 /* more than MFT_MAX_FILES files */
#define MFT_ERR_KEYGEN    -0x0F07 /* the one-time key could not be generated */
#define MFT_ERR_CERT      -0x0F08 /* cert_issue_ee() refused (see *detail) */
#define MFT_ERR_CMS       -0x0F09 /* cms_sign_object() failed (see *detail) */

#define MFT_MAX_FILES     100000
#define MFT_MAX_NAME      255

/* 1.2.840.113549.1.9.16.1.26, content octets for cms_sign_object(). */
#define MFT_OID_CT        "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x1a"

struct mft_file {
	const char *name;             /* bare file name, RFC 9286 4.2.2 */
	const unsigned char *sha256;  /* 32 octets: SHA-256 of the file's contents */
};

struct mft_params {
	uint64_t number;              /* manifestNumber, strictly increasing */
	time_t this_update;
	time_t next_update;           /* after this_update; the CRL's nextUpdate */
	const struct mft_file *files; /* any order */
	size_t n_files;
};

/* Is name a valid manifest file name (RFC 9286 4.2.2)? */
int mft_name_valid(const char *name);

/*
 * The DER eContent (Manifest) of p. *der is malloc'd (caller frees), NULL
 * on failure.
 */
int mft_econtent_write(const struct mft_params *p, unsigned char **der, size_t *len);

/* What mft_sign() needs besides the eContent. */
struct mft_sign_params {
	const struct mft_params *mft;
	const unsigned char *ee_serial;  /* serial of the EE certificate (cert.h "Serials") */
	size_t ee_serial_len;
	const char *crldp_uri;           /* rsync URI of the issuer's CRL */
	const char *aia_uri;             /* rsync URI of the issuer's certificate */
	const char *mft_uri;             /* rsync URI where this manifest is published */
	/* Label prefix of the one-time key in the token; NULL: "updown-mft". */
	const char *key_label;
};

/*
 * Make the manifest: eContent, one-time key and EE certificate, RFC 6488
 * CMS (signing-time = thisUpdate). nextUpdate must not be after the
 * issuer's notAfter (the EE validity would be clipped: MFT_ERR_TIME).
 * *der is malloc'd (caller frees), NULL on failure. detail, if not NULL,
 * receives the CERT_ERR_* / CMS_ERR_* / SIGNER_ERR_* code behind
 * MFT_ERR_CERT / MFT_ERR_CMS / MFT_ERR_KEYGEN (0 otherwise).
 */
int mft_sign(const struct cert_issuer *iss, const struct mft_sign_params *p,
             unsigned char **der, size_t *len, int *detail);

/* Static English text for an MFT_ERR_* code. */
const char *mft_strerror(int err);

#endif
