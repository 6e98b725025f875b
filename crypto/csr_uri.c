/*
 * URI hygiene for the SIA of a certificate request (UD-72, UD-76): the URIs
 * are copied into the certificate we sign, so they must be absolute,
 * normalised, plain ASCII URIs with a real host, of the scheme their access
 * method calls for (RFC 6487 4.8.8.1; RFC 8182 3.2 for rpkiNotify).
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "crypto/csr.h"

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
hex_val(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986 section 2: unreserved, reserved and '%'. */
static bool
is_uri_char(unsigned char c)
{
	if (is_alpha(c) || is_digit(c))
		return true;
	return c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL;
}

/* A dotted quad of digits only (an IPv4 literal) as a reg-name. */
static bool
host_is_ipv4(const char *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)h[i]) && h[i] != '.')
			return false;
	return true;
}

/*
 * Check the authority h[0..n): host [":" port], no userinfo. A host is a
 * reg-name of letters, digits, '-' and '.', not starting or ending with '.',
 * without empty labels, or "[" hex digits, ':' and '.' "]".
 */
static int
check_authority(const char *h, size_t n, const struct csr_policy *policy)
{
	size_t hl, i;
	unsigned long port;

	if (memchr(h, '@', n) != NULL)
		return CSR_ERR_URI_HOST;
	if (n > 0 && h[0] == '[') {
		const char *close = memchr(h, ']', n);

		if (close == NULL || close == h + 1)
			return CSR_ERR_URI_HOST;
		for (i = 1; h + i < close; i++) {
			unsigned char c = (unsigned char)h[i];

			if (hex_val(c) < 0 && c != ':' && c != '.')
				return CSR_ERR_URI_HOST;
		}
		if (policy != NULL && policy->host_names_only)
			return CSR_ERR_URI_HOST;
		hl = (size_t)(close - h) + 1;
	} else {
		for (hl = 0; hl < n && h[hl] != ':'; hl++) {
			unsigned char c = (unsigned char)h[hl];

			if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.')
				return CSR_ERR_URI_HOST;
			if (c == '.' && (hl == 0 || h[hl - 1] == '.'))
				return CSR_ERR_URI_HOST;
		}
		if (hl == 0 || h[hl - 1] == '.')
			return CSR_ERR_URI_HOST;
		if (policy != NULL && policy->host_names_only && host_is_ipv4(h, hl))
			return CSR_ERR_URI_HOST;
	}
	if (hl == n)
		return 0;
	if (h[hl] != ':' || n - hl < 2 || n - hl > 6)
		return CSR_ERR_URI_HOST;
	port = 0;
	for (i = hl + 1; i < n; i++) {
		if (!is_digit((unsigned char)h[i]))
			return CSR_ERR_URI_HOST;
		port = port * 10 + (unsigned long)(h[i] - '0');
	}
	if (port == 0 || port > 65535)
		return CSR_ERR_URI_HOST;
	return 0;
}

/*
 * Check the path p[0..n) (starts with '/'): no empty, "." or ".."
 * segment, no '%'-escape of '.' or '/'. Escapes were checked already.
 */
static int
check_path(const char *p, size_t n)
{
	size_t i, seg;

	for (i = 0; i < n; i++) {
		if (p[i] == '%') {
			int v = hex_val((unsigned char)p[i + 1]) * 16 +
			    hex_val((unsigned char)p[i + 2]);

			if (v == '.' || v == '/')
				return CSR_ERR_URI_NORMAL;
		}
	}
	/* Each segment: from after a '/' to the next '/' or the end. */
	for (i = 0; i < n; i = seg) {
		size_t len;

		seg = i + 1;
		while (seg < n && p[seg] != '/')
			seg++;
		len = seg - i - 1;
		if (len == 0 && seg < n)
			return CSR_ERR_URI_NORMAL; /* "//" */
		if ((len == 1 && p[i + 1] == '.') ||
		    (len == 2 && p[i + 1] == '.' && p[i + 2] == '.'))
			return CSR_ERR_URI_NORMAL;
	}
	return 0;
}

/*
 * Check one SIA URI for its use; see csr.h. UD-72, UD-76.
 * Returns 0 or a negative CSR_ERR_URI_* / CSR_ERR_*_SLASH code.
 */
int
csr_check_uri(const char *uri, size_t len, enum csr_uri_kind kind,
    const struct csr_policy *policy)
{
	const char *scheme, *auth, *path, *end;
	size_t i, slen;
	int rc;

	if (uri == NULL && len != 0)
		return CSR_ERR_ARG;
	switch (kind) {
	case CSR_URI_REPO:
	case CSR_URI_MFT:
		scheme = "rsync://";
		break;
	case CSR_URI_NOTIFY:
		scheme = "https://";
		break;
	default:
		return CSR_ERR_ARG;
	}
	if (len == 0 || len > CSR_MAX_URI)
		return CSR_ERR_URI_LENGTH;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)uri[i];

		if (!is_uri_char(c))
			return CSR_ERR_URI_CHARS;
		if (c == '%') {
			int v;

			if (len - i < 3 || hex_val((unsigned char)uri[i + 1]) < 0 ||
			    hex_val((unsigned char)uri[i + 2]) < 0)
				return CSR_ERR_URI_CHARS;
			v = hex_val((unsigned char)uri[i + 1]) * 16 +
			    hex_val((unsigned char)uri[i + 2]);
			if (v <= 0x20 || v >= 0x7f)
				return CSR_ERR_URI_CHARS;
		}
	}
	slen = strlen(scheme);
	if (len < slen || memcmp(uri, scheme, slen) != 0)
		return CSR_ERR_URI_SCHEME;

	end = uri + len;
	if (memchr(uri, '#', len) != NULL)
		return CSR_ERR_URI_PATH;
	if (kind != CSR_URI_NOTIFY && memchr(uri, '?', len) != NULL)
		return CSR_ERR_URI_PATH;
	/* https: the query, if any, is not part of the path. */
	{
		const char *q = memchr(uri, '?', len);

		if (q != NULL)
			end = q;
	}
	auth = uri + slen;
	path = auth;
	while (path < end && *path != '/')
		path++;
	if ((rc = check_authority(auth, (size_t)(path - auth), policy)) != 0)
		return rc;
	if (path == end)
		return CSR_ERR_URI_PATH;
	/* Brackets belong to an IP literal host only (RFC 3986 3.2.2). */
	if (memchr(path, '[', (size_t)(uri + len - path)) != NULL ||
	    memchr(path, ']', (size_t)(uri + len - path)) != NULL)
		return CSR_ERR_URI_CHARS;
	if ((rc = check_path(path, (size_t)(end - path))) != 0)
		return rc;

	if (kind == CSR_URI_REPO && end[-1] != '/')
		return CSR_ERR_REPO_SLASH;
	if (kind == CSR_URI_MFT && end[-1] == '/')
		return CSR_ERR_MFT_SLASH;
	return 0;
}
