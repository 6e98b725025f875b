/*
 * The software signer: RSA-2048 keys made by mbed TLS and kept in memory,
 * for tests and development only (never the appliance's default).
 *
 * Threads: the key list is under a mutex; the caller's RNG is called under
 * another (so a shared CTR_DRBG is safe); mbed TLS (built with
 * MBEDTLS_THREADING_C) locks an RSA context for blinding.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "signer_int.h"

#define SW_TOKEN "software"
#define SW_SPKI_MAX 600 /* DER SubjectPublicKeyInfo of RSA-4096 is 550 bytes */

struct sw_key {
	struct signer_key base; /* first */
	mbedtls_pk_context pk;
};

struct sw_signer {
	struct signer base; /* first */
	int (*f_rng)(void *, unsigned char *, size_t);
	void *p_rng;
	pthread_mutex_t rng_lock;
	pthread_mutex_t lock;   /* keys */
	struct signer_key *keys;
};

static int
sw_rng(void *ctx, unsigned char *buf, size_t len)
{
	struct sw_signer *s = ctx;
	int r;

	pthread_mutex_lock(&s->rng_lock);
	r = s->f_rng(s->p_rng, buf, len);
	pthread_mutex_unlock(&s->rng_lock);
	return r;
}

static void
sw_key_free(struct sw_key *k)
{
	if (k == NULL)
		return;
	mbedtls_pk_free(&k->pk); /* mbedtls_mpi_free zeroes the private values */
	free(k);
}

static struct signer_key *
sw_lookup(struct sw_signer *s, const struct signer_name *n)
{
	struct signer_key *k;

	for (k = s->keys; k != NULL; k = k->next) {
		if (n->label_len != 0 && (k->label_len != n->label_len ||
		    memcmp(k->label, n->label, n->label_len) != 0))
			continue;
		if (n->id_len != 0 && (k->id_len != n->id_len ||
		    memcmp(k->id, n->id, n->id_len) != 0))
			continue;
		return k;
	}
	return NULL;
}

static int
sw_key_find(struct signer *base, const struct signer_name *n, struct signer_key **key)
{
	struct sw_signer *s = (struct sw_signer *)base;
	char disp[SIGNER_MAX_LABEL + 8];

	pthread_mutex_lock(&s->lock);
	*key = sw_lookup(s, n);
	pthread_mutex_unlock(&s->lock);
	if (*key == NULL) {
		signer_err(SW_TOKEN, signer_name_display(n, disp, sizeof(disp)), "no such key");
		return SIGNER_ERR_NO_KEY;
	}
	return 0;
}

static int
sw_key_generate(struct signer *base, const struct signer_name *n, unsigned flags,
                struct signer_key **key)
{
	struct sw_signer *s = (struct sw_signer *)base;
	struct signer_name idname;
	struct sw_key *k = NULL;
	int rc = SIGNER_ERR_KEYGEN, r;

	pthread_mutex_lock(&s->lock);
	k = (struct sw_key *)sw_lookup(s, n);
	pthread_mutex_unlock(&s->lock);
	if (k != NULL) {
		signer_err(SW_TOKEN, n->label, "a key with this label exists");
		return SIGNER_ERR_KEY_EXISTS;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		signer_err(SW_TOKEN, n->label, "out of memory");
		return SIGNER_ERR_NOMEM;
	}
	mbedtls_pk_init(&k->pk);
	k->base.owner = base;
	memcpy(k->base.label, n->label, n->label_len + 1);
	k->base.label_len = n->label_len;
	k->base.session = (flags & SIGNER_KEY_SESSION) != 0;
	k->base.id_len = SIGNER_KEY_ID_LEN;
	if (sw_rng(s, k->base.id, k->base.id_len) != 0) {
		signer_err(SW_TOKEN, n->label, "RNG failed");
		goto out;
	}
	if ((r = mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA))) != 0 ||
	    (r = mbedtls_rsa_gen_key(mbedtls_pk_rsa(k->pk), sw_rng, s, SIGNER_RSA_BITS,
	    65537)) != 0) {
		signer_err(SW_TOKEN, n->label, "mbed TLS key generation failed (-0x%04x)",
		    (unsigned)-r);
		goto out;
	}
	memset(&idname, 0, sizeof(idname));
	memcpy(idname.id, k->base.id, k->base.id_len);
	idname.id_len = k->base.id_len;
	pthread_mutex_lock(&s->lock);
	if (sw_lookup(s, n) != NULL || sw_lookup(s, &idname) != NULL) {
		pthread_mutex_unlock(&s->lock);
		signer_err(SW_TOKEN, n->label, "a key with this label exists");
		rc = SIGNER_ERR_KEY_EXISTS;
		goto out;
	}
	k->base.next = s->keys;
	s->keys = &k->base;
	pthread_mutex_unlock(&s->lock);
	*key = &k->base;
	k = NULL;
	rc = 0;
out:
	sw_key_free(k);
	return rc;
}

static int
sw_key_destroy(struct signer *base, struct signer_key *key)
{
	struct sw_signer *s = (struct sw_signer *)base;
	struct signer_key **pp;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->keys; *pp != NULL && *pp != key; pp = &(*pp)->next)
		;
	if (*pp != NULL)
		*pp = key->next;
	pthread_mutex_unlock(&s->lock);
	sw_key_free((struct sw_key *)key);
	return 0;
}

static int
sw_key_public(struct signer *base, struct signer_key *key, unsigned char **spki,
              size_t *len)
{
	struct sw_key *k = (struct sw_key *)key;
	unsigned char buf[SW_SPKI_MAX];
	int n;

	(void)base;
	if ((n = mbedtls_pk_write_pubkey_der(&k->pk, buf, sizeof(buf))) <= 0) {
		signer_err(SW_TOKEN, key->label, "cannot write the public key (-0x%04x)",
		    (unsigned)-n);
		return SIGNER_ERR_KEY_TYPE;
	}
	if ((*spki = malloc((size_t)n)) == NULL) {
		signer_err(SW_TOKEN, key->label, "out of memory");
		return SIGNER_ERR_NOMEM;
	}
	memcpy(*spki, buf + sizeof(buf) - (size_t)n, (size_t)n);
	*len = (size_t)n;
	return 0;
}

static int
sw_sign(struct signer *base, struct signer_key *key, const unsigned char *data,
        size_t len, const unsigned char *sha256, unsigned char *sig, size_t *sig_len)
{
	struct sw_signer *s = (struct sw_signer *)base;
	struct sw_key *k = (struct sw_key *)key;
	unsigned char hash[32];
	int r;

	if (sha256 == NULL) {
		if ((r = mbedtls_sha256_ret(data, len, hash, 0)) != 0) {
			signer_err(SW_TOKEN, key->label, "SHA-256 failed");
			return SIGNER_ERR_SIGN;
		}
		sha256 = hash;
	}
	if (mbedtls_pk_get_len(&k->pk) > SIGNER_MAX_SIG) {
		signer_err(SW_TOKEN, key->label, "key too large");
		return SIGNER_ERR_KEY_TYPE;
	}
	if ((r = mbedtls_pk_sign(&k->pk, MBEDTLS_MD_SHA256, sha256, 32, sig, sig_len,
	    sw_rng, s)) != 0) {
		signer_err(SW_TOKEN, key->label, "mbed TLS signing failed (-0x%04x)",
		    (unsigned)-r);
		return SIGNER_ERR_SIGN;
	}
	return 0;
}

static void
sw_close(struct signer *base)
{
	struct sw_signer *s = (struct sw_signer *)base;
	struct signer_key *k, *next;

	for (k = s->keys; k != NULL; k = next) {
		next = k->next;
		sw_key_free((struct sw_key *)k);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->rng_lock);
	free(s);
}

static const struct signer_ops sw_ops = {
	.name = "software",
	.key_find = sw_key_find,
	.key_generate = sw_key_generate,
	.key_destroy = sw_key_destroy,
	.key_public = sw_key_public,
	.sign = sw_sign,
	.close = sw_close,
};

/* See signer.h. */
int
signer_sw_open(int (*f_rng)(void *, unsigned char *, size_t), void *p_rng,
               struct signer **out)
{
	struct sw_signer *s;

	signer_err_clear();
	if (f_rng == NULL || out == NULL) {
		signer_err(SW_TOKEN, NULL, "signer_sw_open: NULL argument");
		return SIGNER_ERR_ARG;
	}
	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		signer_err(SW_TOKEN, NULL, "out of memory");
		return SIGNER_ERR_NOMEM;
	}
	s->base.ops = &sw_ops;
	s->f_rng = f_rng;
	s->p_rng = p_rng;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		signer_err(SW_TOKEN, NULL, "out of memory");
		return SIGNER_ERR_NOMEM;
	}
	if (pthread_mutex_init(&s->rng_lock, NULL) != 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		signer_err(SW_TOKEN, NULL, "out of memory");
		return SIGNER_ERR_NOMEM;
	}
	*out = &s->base;
	return 0;
}

/*
 * Appended for updownctl's child client (signer.h): software keys to and
 * from PEM files. Both refuse a signer of another backend.
 */
#define SW_PEM_MAX 4096 /* PKCS#1 PEM of an RSA-2048 key is about 1.7 KB */

/* See signer.h. */
int
signer_sw_import_pem(struct signer *base, const char *label, const unsigned char *pem,
                     size_t len, struct signer_key **key)
{
	struct sw_signer *s = (struct sw_signer *)base;
	struct signer_name n, idname;
	struct sw_key *k = NULL;
	unsigned char *copy = NULL;
	mbedtls_rsa_context *rsa;
	mbedtls_mpi e;
	int rc = SIGNER_ERR_ARG, r;

	signer_err_clear();
	mbedtls_mpi_init(&e);
	memset(&n, 0, sizeof(n));
	if (s == NULL || base->ops != &sw_ops || label == NULL || pem == NULL ||
	    key == NULL || len == 0 || len > SW_PEM_MAX) {
		signer_err(SW_TOKEN, NULL, "signer_sw_import_pem: not a software signer, "
		    "NULL argument or PEM larger than %d bytes", SW_PEM_MAX);
		return SIGNER_ERR_ARG;
	}
	*key = NULL;
	if ((rc = signer_name_parse(label, &n)) != 0)
		return rc;
	rc = SIGNER_ERR_ARG;
	if (n.label_len == 0 || n.id_len != 0) {
		signer_err(SW_TOKEN, NULL, "import: name a label and no id=");
		goto out;
	}
	/* mbed TLS wants PEM NUL-terminated, with the NUL counted. */
	if ((copy = malloc(len + 1)) == NULL || (k = calloc(1, sizeof(*k))) == NULL) {
		signer_err(SW_TOKEN, n.label, "out of memory");
		rc = SIGNER_ERR_NOMEM;
		goto out;
	}
	memcpy(copy, pem, len);
	copy[len] = '\0';
	mbedtls_pk_init(&k->pk);
	if ((r = mbedtls_pk_parse_key(&k->pk, copy, strlen((char *)copy) + 1, NULL, 0)) != 0) {
		signer_err(SW_TOKEN, n.label, "not an unencrypted PEM private key (-0x%04x)",
		    (unsigned)-r);
		goto out;
	}
	rc = SIGNER_ERR_KEY_TYPE;
	if (mbedtls_pk_get_type(&k->pk) != MBEDTLS_PK_RSA ||
	    mbedtls_pk_get_bitlen(&k->pk) != SIGNER_RSA_BITS) {
		signer_err(SW_TOKEN, n.label, "not an RSA-2048 key (RFC 7935)");
		goto out;
	}
	rsa = mbedtls_pk_rsa(k->pk);
	if (mbedtls_rsa_export(rsa, NULL, NULL, NULL, NULL, &e) != 0 ||
	    mbedtls_mpi_cmp_int(&e, 65537) != 0 || mbedtls_rsa_check_privkey(rsa) != 0) {
		signer_err(SW_TOKEN, n.label, "exponent is not 65537, or the key is inconsistent");
		goto out;
	}
	k->base.owner = base;
	memcpy(k->base.label, n.label, n.label_len + 1);
	k->base.label_len = n.label_len;
	k->base.id_len = SIGNER_KEY_ID_LEN;
	if (sw_rng(s, k->base.id, k->base.id_len) != 0) {
		signer_err(SW_TOKEN, n.label, "RNG failed");
		rc = SIGNER_ERR_KEYGEN;
		goto out;
	}
	memset(&idname, 0, sizeof(idname));
	memcpy(idname.id, k->base.id, k->base.id_len);
	idname.id_len = k->base.id_len;
	pthread_mutex_lock(&s->lock);
	if (sw_lookup(s, &n) != NULL || sw_lookup(s, &idname) != NULL) {
		pthread_mutex_unlock(&s->lock);
		signer_err(SW_TOKEN, n.label, "a key with this label exists");
		rc = SIGNER_ERR_KEY_EXISTS;
		goto out;
	}
	k->base.next = s->keys;
	s->keys = &k->base;
	pthread_mutex_unlock(&s->lock);
	*key = &k->base;
	k = NULL;
	rc = 0;
out:
	if (copy != NULL) {
		mbedtls_platform_zeroize(copy, len + 1);
		free(copy);
	}
	mbedtls_mpi_free(&e);
	sw_key_free(k);
	signer_name_free(&n);
	return rc;
}

/* See signer.h. */
int
signer_sw_export_pem(struct signer *base, struct signer_key *key, char **pem, size_t *len)
{
	struct sw_key *k = (struct sw_key *)key;
	unsigned char buf[SW_PEM_MAX];
	size_t n;
	int r, rc = SIGNER_ERR_ARG;

	signer_err_clear();
	if (base == NULL || base->ops != &sw_ops || key == NULL || key->owner != base ||
	    pem == NULL || len == NULL) {
		signer_err(SW_TOKEN, NULL, "signer_sw_export_pem: not a software signer's key");
		return SIGNER_ERR_ARG;
	}
	*pem = NULL;
	if ((r = mbedtls_pk_write_key_pem(&k->pk, buf, sizeof(buf))) != 0) {
		signer_err(SW_TOKEN, key->label, "cannot write the key (-0x%04x)", (unsigned)-r);
		rc = SIGNER_ERR_BUFFER;
		goto out;
	}
	n = strlen((char *)buf);
	if ((*pem = malloc(n + 1)) == NULL) {
		signer_err(SW_TOKEN, key->label, "out of memory");
		rc = SIGNER_ERR_NOMEM;
		goto out;
	}
	memcpy(*pem, buf, n + 1);
	*len = n;
	rc = 0;
out:
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return rc;
}
