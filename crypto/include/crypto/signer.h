/*
 * The signer: every signature the CA makes goes through this interface.
 *
 * A signer is a const ops table plus backend state (STYLE: mbed TLS's pk,
 * lwIP's altcp). Two backends:
 *
 *   PKCS#11 (signer_p11_open): any module loaded by path with dlopen
 *     (SoftHSM2 in tests, OpenSC or a vendor HSM in the field); the token
 *     is selected by a PKCS#11 URI (RFC 7512) parsed with p11-kit; keys are
 *     generated inside the token (private, sensitive, non-extractable by
 *     default; each attribute a setting, UD-163) and never leave it.
 *   Software (signer_sw_open): mbed TLS keys in memory, for tests and
 *     development only. Never the appliance's default.
 *
 * Keys are named by PKCS#11 URIs ("pkcs11:object=ca-key", optionally with
 * id=%01) or by a bare label ("ca-key"). Every signature is RSASSA-PKCS1-v1_5
 * with SHA-256 (RFC 7935). Randomness, where a backend needs it, comes from
 * the caller (f_rng/p_rng, as in mbed TLS).
 *
 * Errors are negative SIGNER_ERR_* codes; CK_RV and MBEDTLS_ERR_* never
 * reach callers. After a failure, signer_last_error() gives a message that
 * names the token and the key label (e.g. "token 'updown': key 'ca-key':
 * PIN incorrect").
 *
 * Threads: a signer may be shared by threads; the PKCS#11 backend keeps
 * one session per thread, and recovers from a lost session or a token that
 * went away and came back (re-open, re-login, find the key again) without
 * a restart.
 */
#ifndef UPDOWN_CRYPTO_SIGNER_H
#define UPDOWN_CRYPTO_SIGNER_H

#include <stdbool.h>
#include <stddef.h>

#define SIGNER_ERR_ARG        -0x0601 /* bad argument or URI */
#define SIGNER_ERR_MODULE     -0x0602 /* module cannot be loaded or initialised */
#define SIGNER_ERR_TOKEN      -0x0603 /* no token matches, or it is not present */
#define SIGNER_ERR_PIN        -0x0604 /* PIN incorrect, locked, or unreadable */
#define SIGNER_ERR_NO_KEY     -0x0605 /* no key with that name */
#define SIGNER_ERR_KEY_EXISTS -0x0606 /* generate: a key with that name exists */
#define SIGNER_ERR_KEYGEN     -0x0607 /* key generation failed */
#define SIGNER_ERR_SIGN       -0x0608 /* signing failed */
#define SIGNER_ERR_KEY_TYPE   -0x0609 /* not an RSA-2048 key */
#define SIGNER_ERR_BUFFER     -0x060A /* output buffer too small */
#define SIGNER_ERR_NOMEM      -0x060B
#define SIGNER_ERR_DEVICE     -0x060C /* token or session lost and could not be recovered */
#define SIGNER_ERR_TEMPLATE   -0x060D /* token refused the key template */

#define SIGNER_MAX_SIG   512  /* bytes of signature (RSA-4096) */
#define SIGNER_RSA_BITS  2048 /* RFC 7935 */

struct signer;
struct signer_key;

/* How a PKCS#11 backend signs (UD-98). */
enum signer_p11_mech {
	/* CKM_SHA256_RSA_PKCS: the token hashes the data. */
	SIGNER_P11_SHA256_RSA_PKCS = 0,
	/*
	 * CKM_RSA_PKCS over a DigestInfo hashed on the host: for HSMs that
	 * limit the input size (AWS CloudHSM: 16 KB, a LACNIC-sized TBS is 69 KB).
	 */
	SIGNER_P11_RSA_PKCS_HOST_HASH = 1,
};

struct signer_p11_config {
	const char *module;        /* path of the PKCS#11 module */
	/*
	 * Token URI, e.g. "pkcs11:token=updown". Query attributes
	 * pin-source (RFC 7512 section 2.4: "file:/path", or our
	 * "env:NAME" for an environment variable) and pin-value are honoured;
	 * a PIN is never taken from a command line.
	 */
	const char *token_uri;
	enum signer_p11_mech mech;
	/* Key template (UD-163): CKA_PRIVATE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_MODIFIABLE. */
	bool key_private;          /* default true */
	bool key_sensitive;        /* default true */
	bool key_extractable;      /* default false */
	bool key_modifiable;       /* default false */
};

/* Fill cfg with the defaults above (module and token_uri NULL). */
void signer_p11_config_init(struct signer_p11_config *cfg);

/*
 * Open a PKCS#11 signer: load the module, C_Initialize with OS locking,
 * find the token by the URI's attributes, log in with the PIN from the
 * URI's pin-source. Caller closes with signer_close().
 */
int signer_p11_open(const struct signer_p11_config *cfg, struct signer **out);

/*
 * Open a software signer (mbed TLS, keys in memory). f_rng/p_rng generate
 * keys and blind signatures. For tests and development only.
 */
int signer_sw_open(int (*f_rng)(void *, unsigned char *, size_t), void *p_rng,
                   struct signer **out);

/* Close and free; keys found or generated through it become invalid. Accepts NULL. */
void signer_close(struct signer *s);

/* Backend name: "pkcs11" or "software". */
const char *signer_backend(const struct signer *s);

/*
 * Find an existing key by name (URI or label). *key belongs to the
 * signer and stays valid until signer_close().
 */
int signer_key_find(struct signer *s, const char *name, struct signer_key **key);

#define SIGNER_KEY_SESSION 0x01 /* one-time key: not kept in the token (CKA_TOKEN false) */

/*
 * Generate an RSA-2048 key pair, e = 65537, inside the token, labelled
 * with name's object attribute (or the bare label). SIGNER_ERR_KEY_EXISTS
 * if the label is taken (the ceremony never overwrites a key).
 */
int signer_key_generate(struct signer *s, const char *name, unsigned flags,
                        struct signer_key **key);

/* Remove a key from the token (one-time keys, tests). */
int signer_key_destroy(struct signer *s, struct signer_key *key);

/* The key's label. */
const char *signer_key_label(const struct signer_key *key);

/*
 * The public key as DER SubjectPublicKeyInfo, read back from the token.
 * *spki is malloc'd; caller frees.
 */
int signer_key_public(struct signer *s, struct signer_key *key,
                      unsigned char **spki, size_t *len);

/*
 * Sign data (len bytes) with SHA-256 and RSASSA-PKCS1-v1_5. Writes at most
 * size bytes to sig (SIGNER_MAX_SIG is always enough) and the length to
 * *sig_len.
 */
int signer_sign(struct signer *s, struct signer_key *key,
                const unsigned char *data, size_t len,
                unsigned char *sig, size_t size, size_t *sig_len);

/*
 * Sign a SHA-256 digest computed by the caller (CKM_RSA_PKCS over the
 * DigestInfo in a token). For writers that have only the digest.
 */
int signer_sign_digest(struct signer *s, struct signer_key *key,
                       const unsigned char sha256[32],
                       unsigned char *sig, size_t size, size_t *sig_len);

/*
 * The message of the last failure in this thread, naming token and key:
 * static storage, valid until the next signer call in the thread.
 */
const char *signer_last_error(void);

/* Static English text for a SIGNER_ERR_* code. */
const char *signer_strerror(int err);

/*
 * A cms_sign_fn (proto/cms.h) that signs with ctx = struct signer_cms_ctx:
 * lets cms_sign() use any signer key.
 */
struct signer_cms_ctx {
	struct signer *signer;
	struct signer_key *key;
};
int signer_cms_sign(void *ctx, const unsigned char *tbs, size_t tbs_len,
                    const unsigned char sha256[32], unsigned char *sig,
                    size_t sig_size, size_t *sig_len);

/*
 * Appended by the signer implementation (nothing above changed meaning).
 *
 * Limits on names: a label is 1..SIGNER_MAX_LABEL bytes, a CKA_ID at most
 * SIGNER_MAX_ID bytes. signer_key_generate() gives every key a fresh random
 * CKA_ID of SIGNER_KEY_ID_LEN bytes (from the token's C_GenerateRandom, or
 * the software backend's f_rng), the same on both halves; the name given to
 * it may not carry id= (SIGNER_ERR_ARG).
 *
 * PKCS#11 backend: a key URI's token attributes (token=, serial=, ...)
 * must match the signer's token (else SIGNER_ERR_TOKEN); a token URI's
 * object attributes are ignored; a URI matching several tokens is refused
 * (SIGNER_ERR_TOKEN). While a token is away, operations fail with
 * SIGNER_ERR_TOKEN ("no token present matches"); when it is back, the
 * next operation recovers. The software backend ignores token attributes.
 *
 * PINs: pin-source "file:/path" (or "file:///path") and a bare "/path"
 * read the first line of the file at every login, "env:NAME" the variable,
 * so a changed PIN takes effect at the next re-login; the PIN is kept in
 * memory only for pin-value. pin-source and pin-value together are refused.
 *
 * signer_key_destroy(): on success the key is freed (do not use it again);
 * on failure it stays valid.
 *
 * SIGNER_KEY_SESSION keys of the PKCS#11 backend are session objects: they
 * live in the session of the thread that generated them, and vanish when
 * that thread exits or its session is lost (then SIGNER_ERR_NO_KEY). Use
 * them from the generating thread, or while it lives.
 *
 * Threads: call signer_close() only after the threads that used the signer
 * have stopped using it and any of them that exit have been joined (each
 * thread's session is closed when the thread exits, or at signer_close()).
 */
#define SIGNER_MAX_LABEL  128
#define SIGNER_MAX_ID     64
#define SIGNER_KEY_ID_LEN 20

/*
 * The key's CKA_ID (for a persistent map SKI -> key, UD-163): copies at
 * most size bytes to id, the length to *len. SIGNER_ERR_BUFFER if size is
 * too small (SIGNER_MAX_ID always suffices).
 */
int signer_key_id(const struct signer_key *key, unsigned char *id, size_t size,
                  size_t *len);

/*
 * Appended for updownctl's child client: software keys kept in files.
 *
 * The child client (an external party testing against a parent) keeps its
 * BPKI and RPKI CA keys as PEM files of mode 0600. The appliance's keys
 * never leave its HSM: these functions refuse a PKCS#11 signer
 * (SIGNER_ERR_ARG).
 *
 * signer_sw_import_pem(): parse pem (len bytes, PKCS#1 "RSA PRIVATE KEY"
 * or unencrypted PKCS#8 "PRIVATE KEY"; a trailing NUL is optional), require
 * RSA-2048 with e = 65537 (SIGNER_ERR_KEY_TYPE otherwise; SIGNER_ERR_ARG
 * for text that is no such key), and add it under label (a bare label;
 * SIGNER_ERR_KEY_EXISTS if taken) with a fresh random CKA_ID. *key belongs
 * to the signer, as with signer_key_generate().
 *
 * signer_sw_export_pem(): the key's private half as PKCS#1 PEM. *pem is
 * malloc'd, NUL-terminated, *len excludes the NUL; the caller zeroes it
 * (mbedtls_platform_zeroize) and frees it.
 */
int signer_sw_import_pem(struct signer *s, const char *label, const unsigned char *pem,
                         size_t len, struct signer_key **key);
int signer_sw_export_pem(struct signer *s, struct signer_key *key, char **pem, size_t *len);

#endif
