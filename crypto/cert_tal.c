/*
 * crypto/cert: the Trust Anchor Locator of a TA certificate (RFC 8630).
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/x509_crt.h>

#include "crypto/cert.h"
#include "proto/cms.h"

#define TAL_LINE 64  /* base64 characters per line */

/* A TAL URI (RFC 8630 2.2): rsync:// or https://, visible ASCII, bounded. */
static bool
tal_uri_ok(const char *uri)
{
	size_t n, i;

	if (uri == NULL)
		return false;
	n = strlen(uri);
	if (n > CERT_MAX_URI ||
	    !((n > 8 && strncmp(uri, "rsync://", 8) == 0) ||
	      (n > 8 && strncmp(uri, "https://", 8) == 0)))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)uri[i] <= 0x20 || (unsigned char)uri[i] >= 0x7f)
			return false;
	return true;
}

/*
 * Write the TAL of ta_der (RFC 8630 2.2): the URIs, one per line, an
 * empty line, the base64 SubjectPublicKeyInfo of the certificate in lines
 * of 64 characters; LF line ends. *tal is malloc'd and NUL-terminated;
 * caller frees. Returns 0, CERT_ERR_URI, CERT_ERR_PARSE or CERT_ERR_NOMEM.
 */
int
cert_write_tal(const char *const *uris, size_t n_uris,
               const unsigned char *ta_der, size_t ta_len, char **tal, size_t *len)
{
	mbedtls_x509_crt crt;
	unsigned char *b64 = NULL;
	char *out = NULL, *w;
	size_t b64_len = 0, size, i, off;
	int rc;

	if (tal != NULL)
		*tal = NULL;
	if (len != NULL)
		*len = 0;
	if (uris == NULL || n_uris == 0 || ta_der == NULL || ta_len == 0 ||
	    tal == NULL || len == NULL)
		return CERT_ERR_ARG;
	for (i = 0; i < n_uris; i++)
		if (!tal_uri_ok(uris[i]))
			return CERT_ERR_URI;
	if (ta_len > CERT_MAX_DER)
		return CERT_ERR_TOO_LARGE;
	mbedtls_x509_crt_init(&crt);
	rc = CERT_ERR_PARSE;
	if (cms_cert_parse(&crt, ta_der, ta_len, NULL) != 0 || crt.raw.len != ta_len)
		goto out;
	rc = CERT_ERR_NOMEM;
	(void)mbedtls_base64_encode(NULL, 0, &b64_len, crt.pk_raw.p, crt.pk_raw.len);
	if ((b64 = malloc(b64_len)) == NULL ||
	    mbedtls_base64_encode(b64, b64_len, &b64_len, crt.pk_raw.p, crt.pk_raw.len) != 0)
		goto out;
	size = 2 + b64_len + b64_len / TAL_LINE + 1;
	for (i = 0; i < n_uris; i++)
		size += strlen(uris[i]) + 1;
	if ((out = malloc(size)) == NULL)
		goto out;
	w = out;
	for (i = 0; i < n_uris; i++) {
		size_t n = strlen(uris[i]);

		memcpy(w, uris[i], n);
		w += n;
		*w++ = '\n';
	}
	*w++ = '\n';
	for (off = 0; off < b64_len; off += TAL_LINE) {
		size_t n = b64_len - off < TAL_LINE ? b64_len - off : TAL_LINE;

		memcpy(w, b64 + off, n);
		w += n;
		*w++ = '\n';
	}
	*w = '\0';
	*len = (size_t)(w - out);
	*tal = out;
	out = NULL;
	rc = 0;
out:
	free(out);
	free(b64);
	mbedtls_x509_crt_free(&crt);
	return rc;
}
