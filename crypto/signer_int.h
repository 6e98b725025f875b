/*
 * Private to crypto/signer*.c: the ops table every backend fills, the
 * common part of a key, key-name parsing and the thread-local error text.
 */
#ifndef UPDOWN_CRYPTO_SIGNER_INT_H
#define UPDOWN_CRYPTO_SIGNER_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "crypto/signer.h"

/* SEQUENCE { SEQUENCE { sha256 OID, NULL }, OCTET STRING (32) } (RFC 8017 9.2) */
#define SIGNER_DIGESTINFO_LEN 51

/*
 * A key name, parsed from a PKCS#11 URI (RFC 7512) or a bare label.
 * uri is the P11KitUri when the name was a URI (its token attributes are
 * checked by the PKCS#11 backend), NULL for a bare label.
 */
struct signer_name {
	char label[SIGNER_MAX_LABEL + 1]; /* NUL-terminated copy */
	size_t label_len;                 /* 0: no label */
	unsigned char id[SIGNER_MAX_ID];
	size_t id_len;                    /* 0: no id */
	void *uri;
};

/* The part of a key every backend shares (first member of each backend's key). */
struct signer_key {
	struct signer *owner;
	char label[SIGNER_MAX_LABEL + 1];
	size_t label_len;
	unsigned char id[SIGNER_MAX_ID];
	size_t id_len;
	bool session;                     /* SIGNER_KEY_SESSION */
	struct signer_key *next;          /* the owner's list, under its lock */
};

/*
 * A backend. sign: if sha256 is non-NULL sign that digest (CKM_RSA_PKCS
 * over the DigestInfo in a token), else SHA-256 and sign data. sig holds
 * SIGNER_MAX_SIG bytes. Every op sets the thread's error text on failure.
 */
struct signer_ops {
	const char *name;
	int (*key_find)(struct signer *, const struct signer_name *, struct signer_key **);
	int (*key_generate)(struct signer *, const struct signer_name *, unsigned,
	                    struct signer_key **);
	int (*key_destroy)(struct signer *, struct signer_key *);
	int (*key_public)(struct signer *, struct signer_key *, unsigned char **, size_t *);
	int (*sign)(struct signer *, struct signer_key *, const unsigned char *, size_t,
	            const unsigned char *, unsigned char *, size_t *);
	void (*close)(struct signer *);
};

struct signer {
	const struct signer_ops *ops;
};

/* Parse name into n (n->uri must be released with signer_name_free). */
int signer_name_parse(const char *name, struct signer_name *n);
void signer_name_free(struct signer_name *n);

/* The key's display name for messages: the label, else "id=HEX". */
const char *signer_key_display(const struct signer_key *key, char *buf, size_t size);
const char *signer_name_display(const struct signer_name *n, char *buf, size_t size);

/* Set the thread's error text: "token 'T': key 'K': MESSAGE" (T, K may be NULL). */
void signer_err(const char *token, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void signer_err_clear(void);

/* DigestInfo for a SHA-256 digest (RFC 8017 9.2, note 1). */
void signer_digestinfo(const unsigned char sha256[32],
                       unsigned char out[SIGNER_DIGESTINFO_LEN]);

/* Copy a bare string for a message, replacing unprintable bytes with '?'. */
void signer_printable(char *dst, size_t size, const void *src, size_t len);

#endif
