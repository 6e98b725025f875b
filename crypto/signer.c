/*
 * The signer's front end: argument checks, key names (PKCS#11 URIs, RFC
 * 7512, parsed by p11-kit, or bare labels), dispatch through the backend's
 * ops table, the thread-local error text and the cms_sign_fn adapter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "signer_int.h"

static _Thread_local char signer_errbuf[512];

static const unsigned char sha256_prefix[19] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};

void
signer_err_clear(void)
{
	signer_errbuf[0] = '\0';
}

void
signer_err(const char *token, const char *key, const char *fmt, ...)
{
	size_t off = 0;
	va_list ap;
	int n;

	if (token != NULL) {
		n = snprintf(signer_errbuf, sizeof(signer_errbuf), "token '%s': ", token);
		off = n > 0 ? (size_t)n : 0;
	}
	if (key != NULL && off < sizeof(signer_errbuf)) {
		n = snprintf(signer_errbuf + off, sizeof(signer_errbuf) - off, "key '%s': ", key);
		off += n > 0 ? (size_t)n : 0;
	}
	if (off < sizeof(signer_errbuf)) {
		va_start(ap, fmt);
		vsnprintf(signer_errbuf + off, sizeof(signer_errbuf) - off, fmt, ap);
		va_end(ap);
	}
}

/*
 * The message of the last failure in this thread (see signer.h); "" if
 * the last signer call succeeded.
 */
const char *
signer_last_error(void)
{
	return signer_errbuf;
}

/* Static English text for a SIGNER_ERR_* code. */
const char *
signer_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case SIGNER_ERR_ARG: return "bad argument or URI";
	case SIGNER_ERR_MODULE: return "PKCS#11 module cannot be loaded or initialised";
	case SIGNER_ERR_TOKEN: return "no token matches, or it is not present";
	case SIGNER_ERR_PIN: return "PIN incorrect, locked, or unreadable";
	case SIGNER_ERR_NO_KEY: return "no key with that name";
	case SIGNER_ERR_KEY_EXISTS: return "a key with that name exists";
	case SIGNER_ERR_KEYGEN: return "key generation failed";
	case SIGNER_ERR_SIGN: return "signing failed";
	case SIGNER_ERR_KEY_TYPE: return "not an RSA-2048 key with e = 65537";
	case SIGNER_ERR_BUFFER: return "output buffer too small";
	case SIGNER_ERR_NOMEM: return "out of memory";
	case SIGNER_ERR_DEVICE: return "token or session lost and could not be recovered";
	case SIGNER_ERR_TEMPLATE: return "token refused the key template";
	default: return "unknown signer error";
	}
}

void
signer_printable(char *dst, size_t size, const void *src, size_t len)
{
	const unsigned char *p = src;
	size_t i;

	if (size == 0)
		return;
	for (i = 0; i < len && i + 1 < size; i++)
		dst[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	dst[i] = '\0';
}

static const char *
display(const char *label, size_t label_len, const unsigned char *id, size_t id_len,
        char *buf, size_t size)
{
	size_t i, off;

	if (label_len > 0) {
		signer_printable(buf, size, label, label_len);
		return buf;
	}
	off = (size_t)snprintf(buf, size, "id=");
	for (i = 0; i < id_len && off + 3 <= size; i++, off += 2)
		snprintf(buf + off, size - off, "%02x", id[i]);
	return buf;
}

const char *
signer_key_display(const struct signer_key *key, char *buf, size_t size)
{
	return display(key->label, key->label_len, key->id, key->id_len, buf, size);
}

const char *
signer_name_display(const struct signer_name *n, char *buf, size_t size)
{
	return display(n->label, n->label_len, n->id, n->id_len, buf, size);
}

void
signer_digestinfo(const unsigned char sha256[32], unsigned char out[SIGNER_DIGESTINFO_LEN])
{
	memcpy(out, sha256_prefix, sizeof(sha256_prefix));
	memcpy(out + sizeof(sha256_prefix), sha256, 32);
}

void
signer_name_free(struct signer_name *n)
{
	if (n != NULL && n->uri != NULL) {
		p11_kit_uri_free(n->uri);
		n->uri = NULL;
	}
}

/*
 * Parse a key name: "pkcs11:..." with p11-kit (RFC 7512: object= gives the
 * label, id= the CKA_ID, type= if present must be private or public), or
 * a bare label of 1..SIGNER_MAX_LABEL bytes. Returns 0 or SIGNER_ERR_ARG
 * (error text set). On success the caller calls signer_name_free(n).
 */
int
signer_name_parse(const char *name, struct signer_name *n)
{
	CK_ATTRIBUTE *a;
	P11KitUri *uri = NULL;
	size_t len;
	int rc = SIGNER_ERR_ARG, r;

	memset(n, 0, sizeof(*n));
	if (name == NULL || *name == '\0') {
		signer_err(NULL, NULL, "empty key name");
		return SIGNER_ERR_ARG;
	}
	if (strncmp(name, P11_KIT_URI_SCHEME ":", P11_KIT_URI_SCHEME_LEN + 1) != 0) {
		len = strlen(name);
		if (len > SIGNER_MAX_LABEL) {
			signer_err(NULL, NULL, "key label longer than %d bytes", SIGNER_MAX_LABEL);
			return SIGNER_ERR_ARG;
		}
		memcpy(n->label, name, len + 1);
		n->label_len = len;
		return 0;
	}
	if ((uri = p11_kit_uri_new()) == NULL) {
		signer_err(NULL, NULL, "out of memory");
		return SIGNER_ERR_NOMEM;
	}
	if ((r = p11_kit_uri_parse(name, P11_KIT_URI_FOR_ANY, uri)) != P11_KIT_URI_OK) {
		signer_err(NULL, NULL, "bad PKCS#11 URI (RFC 7512): %s", p11_kit_uri_message(r));
		goto out;
	}
	if (p11_kit_uri_any_unrecognized(uri)) {
		signer_err(NULL, NULL, "PKCS#11 URI has an unrecognised attribute (RFC 7512 2.3)");
		goto out;
	}
	if ((a = p11_kit_uri_get_attribute(uri, CKA_CLASS)) != NULL) {
		CK_OBJECT_CLASS cls;

		if (a->ulValueLen != sizeof(cls)) {
			signer_err(NULL, NULL, "PKCS#11 URI: bad type");
			goto out;
		}
		memcpy(&cls, a->pValue, sizeof(cls));
		if (cls != CKO_PRIVATE_KEY && cls != CKO_PUBLIC_KEY) {
			signer_err(NULL, NULL, "PKCS#11 URI: type must be private or public");
			goto out;
		}
	}
	if ((a = p11_kit_uri_get_attribute(uri, CKA_LABEL)) != NULL) {
		if (a->ulValueLen == 0 || a->ulValueLen > SIGNER_MAX_LABEL ||
		    memchr(a->pValue, '\0', a->ulValueLen) != NULL) {
			signer_err(NULL, NULL, "PKCS#11 URI: object must be 1..%d bytes, no NUL",
			    SIGNER_MAX_LABEL);
			goto out;
		}
		memcpy(n->label, a->pValue, a->ulValueLen);
		n->label[a->ulValueLen] = '\0';
		n->label_len = a->ulValueLen;
	}
	if ((a = p11_kit_uri_get_attribute(uri, CKA_ID)) != NULL) {
		if (a->ulValueLen == 0 || a->ulValueLen > SIGNER_MAX_ID) {
			signer_err(NULL, NULL, "PKCS#11 URI: id must be 1..%d bytes", SIGNER_MAX_ID);
			goto out;
		}
		memcpy(n->id, a->pValue, a->ulValueLen);
		n->id_len = a->ulValueLen;
	}
	if (n->label_len == 0 && n->id_len == 0) {
		signer_err(NULL, NULL, "PKCS#11 URI names no key (needs object= or id=)");
		goto out;
	}
	n->uri = uri;
	uri = NULL;
	rc = 0;
out:
	if (uri != NULL)
		p11_kit_uri_free(uri);
	return rc;
}

void
signer_close(struct signer *s)
{
	if (s != NULL)
		s->ops->close(s);
}

const char *
signer_backend(const struct signer *s)
{
	return s != NULL ? s->ops->name : "none";
}

const char *
signer_key_label(const struct signer_key *key)
{
	return key != NULL ? key->label : "";
}

/* See signer.h. */
int
signer_key_id(const struct signer_key *key, unsigned char *id, size_t size, size_t *len)
{
	signer_err_clear();
	if (key == NULL || id == NULL || len == NULL) {
		signer_err(NULL, NULL, "signer_key_id: NULL argument");
		return SIGNER_ERR_ARG;
	}
	if (size < key->id_len) {
		signer_err(NULL, NULL, "signer_key_id: buffer too small");
		return SIGNER_ERR_BUFFER;
	}
	memcpy(id, key->id, key->id_len);
	*len = key->id_len;
	return 0;
}

static int
check_key(struct signer *s, struct signer_key *key, const char *fn)
{
	if (s == NULL || key == NULL || key->owner != s) {
		signer_err(NULL, NULL, "%s: no signer or key, or key of another signer", fn);
		return SIGNER_ERR_ARG;
	}
	return 0;
}

/* See signer.h. */
int
signer_key_find(struct signer *s, const char *name, struct signer_key **key)
{
	struct signer_name n;
	int rc;

	signer_err_clear();
	if (s == NULL || key == NULL) {
		signer_err(NULL, NULL, "signer_key_find: NULL argument");
		return SIGNER_ERR_ARG;
	}
	*key = NULL;
	if ((rc = signer_name_parse(name, &n)) != 0)
		return rc;
	rc = s->ops->key_find(s, &n, key);
	signer_name_free(&n);
	return rc;
}

/* See signer.h. */
int
signer_key_generate(struct signer *s, const char *name, unsigned flags,
                    struct signer_key **key)
{
	struct signer_name n;
	int rc;

	signer_err_clear();
	if (s == NULL || key == NULL || (flags & ~(unsigned)SIGNER_KEY_SESSION) != 0) {
		signer_err(NULL, NULL, "signer_key_generate: NULL argument or unknown flag");
		return SIGNER_ERR_ARG;
	}
	*key = NULL;
	if ((rc = signer_name_parse(name, &n)) != 0)
		return rc;
	if (n.label_len == 0 || n.id_len != 0) {
		signer_err(NULL, NULL, "generate: name a label (object=) and no id= "
		    "(the id is random)");
		rc = SIGNER_ERR_ARG;
	} else
		rc = s->ops->key_generate(s, &n, flags, key);
	signer_name_free(&n);
	return rc;
}

/* See signer.h. */
int
signer_key_destroy(struct signer *s, struct signer_key *key)
{
	int rc;

	signer_err_clear();
	if ((rc = check_key(s, key, "signer_key_destroy")) != 0)
		return rc;
	return s->ops->key_destroy(s, key);
}

/* See signer.h. */
int
signer_key_public(struct signer *s, struct signer_key *key, unsigned char **spki,
                  size_t *len)
{
	int rc;

	signer_err_clear();
	if ((rc = check_key(s, key, "signer_key_public")) != 0)
		return rc;
	if (spki == NULL || len == NULL) {
		signer_err(NULL, NULL, "signer_key_public: NULL argument");
		return SIGNER_ERR_ARG;
	}
	*spki = NULL;
	*len = 0;
	return s->ops->key_public(s, key, spki, len);
}

static int
sign_common(struct signer *s, struct signer_key *key, const unsigned char *data,
            size_t len, const unsigned char *sha256, unsigned char *sig, size_t size,
            size_t *sig_len)
{
	unsigned char buf[SIGNER_MAX_SIG];
	size_t n = 0;
	int rc;

	if ((rc = check_key(s, key, "sign")) != 0)
		return rc;
	if (sig == NULL || sig_len == NULL) {
		signer_err(NULL, NULL, "sign: NULL argument");
		return SIGNER_ERR_ARG;
	}
	*sig_len = 0;
	if ((rc = s->ops->sign(s, key, data, len, sha256, buf, &n)) != 0)
		return rc;
	if (n > size) {
		signer_err(NULL, NULL, "sign: %zu-byte signature, buffer holds %zu", n, size);
		return SIGNER_ERR_BUFFER;
	}
	memcpy(sig, buf, n);
	*sig_len = n;
	return 0;
}

/* See signer.h. */
int
signer_sign(struct signer *s, struct signer_key *key, const unsigned char *data,
            size_t len, unsigned char *sig, size_t size, size_t *sig_len)
{
	static const unsigned char empty[1];

	signer_err_clear();
	if (data == NULL && len != 0) {
		signer_err(NULL, NULL, "signer_sign: NULL data");
		return SIGNER_ERR_ARG;
	}
	return sign_common(s, key, data != NULL ? data : empty, len, NULL, sig, size,
	    sig_len);
}

/* See signer.h. */
int
signer_sign_digest(struct signer *s, struct signer_key *key,
                   const unsigned char sha256[32], unsigned char *sig, size_t size,
                   size_t *sig_len)
{
	signer_err_clear();
	if (sha256 == NULL) {
		signer_err(NULL, NULL, "signer_sign_digest: NULL digest");
		return SIGNER_ERR_ARG;
	}
	return sign_common(s, key, NULL, 0, sha256, sig, size, sig_len);
}

/*
 * cms_sign_fn (proto/cms.h): signs tbs with the configured mechanism, or
 * the digest alone if tbs is NULL. Returns 0 or a SIGNER_ERR_* code
 * (nonzero: cms_sign() reports CMS_ERR_SIGN; signer_last_error() says why).
 */
int
signer_cms_sign(void *ctx, const unsigned char *tbs, size_t tbs_len,
                const unsigned char sha256[32], unsigned char *sig, size_t sig_size,
                size_t *sig_len)
{
	struct signer_cms_ctx *c = ctx;

	if (c == NULL) {
		signer_err_clear();
		signer_err(NULL, NULL, "signer_cms_sign: no context");
		return SIGNER_ERR_ARG;
	}
	if (tbs != NULL)
		return signer_sign(c->signer, c->key, tbs, tbs_len, sig, sig_size, sig_len);
	return signer_sign_digest(c->signer, c->key, sha256, sig, sig_size, sig_len);
}
