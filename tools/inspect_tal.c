/*
 * updownctl inspect: trust anchor locators (RFC 8630 section 2.2):
 * optional "#" comment lines, one or more rsync:// or https:// URIs one per
 * line, an empty line, then the trust anchor's SubjectPublicKeyInfo in
 * base64 (line breaks allowed). CRLF line ends are accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha1.h>

#include "inspect.h"

#define TAL_MAX_LINE 4096

/* See inspect.h. */
void
insp_tal_free(struct insp_tal *t)
{
	if (t == NULL)
		return;
	insp_uris_free(&t->uris);
	free(t->spki);
	memset(t, 0, sizeof(*t));
}

static int
fail(char why[INSP_WHY], const char *msg)
{
	snprintf(why, INSP_WHY, "%s", msg);
	return -1;
}

/* The next line [*p, eol) without its CR LF; *p moves past it. */
static size_t
next_line(const unsigned char **p, const unsigned char *end, const unsigned char **line)
{
	const unsigned char *s = *p, *e = s;
	size_t n;

	while (e < end && *e != '\n')
		e++;
	*line = s;
	n = (size_t)(e - s);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	*p = e < end ? e + 1 : e;
	return n;
}

static bool
is_uri(const unsigned char *s, size_t n)
{
	return (n > 8 && memcmp(s, "rsync://", 8) == 0) ||
	    (n > 8 && memcmp(s, "https://", 8) == 0);
}

/* See inspect.h. */
bool
insp_tal_sniff(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf, *end = buf + len, *line;
	size_t n;

	while (p < end) {
		n = next_line(&p, end, &line);
		if (n > 0 && line[0] == '#')
			continue;
		return is_uri(line, n);
	}
	return false;
}

/* See inspect.h. */
int
insp_tal_decode(const unsigned char *buf, size_t len, struct insp_tal *t,
                char why[INSP_WHY])
{
	const unsigned char *p = buf, *end = buf + len, *line;
	unsigned char *b64 = NULL, *q;
	mbedtls_asn1_bitstring bs;
	mbedtls_pk_context pk;
	size_t n, b64_len = 0, olen = 0, l;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	mbedtls_pk_init(&pk);
	/* Comments (RFC 8630 2.2), then URIs up to the empty line. */
	while (p < end) {
		n = next_line(&p, end, &line);
		if (n > 0 && line[0] == '#' && t->uris.n == 0) {
			t->ncomments++;
			continue;
		}
		if (n == 0)
			break;
		if (n > TAL_MAX_LINE || !is_uri(line, n)) {
			fail(why, "URI section: not an rsync:// or https:// URI (RFC 8630 2.2)");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (line[i] <= ' ' || line[i] > '~') {
				fail(why, "URI with white space or non-ASCII characters (RFC 8630 2.2)");
				goto out;
			}
		if (insp_uris_add(&t->uris, line, n) != 0) {
			fail(why, "out of memory");
			goto out;
		}
	}
	if (t->uris.n == 0) {
		fail(why, "no URI, or no empty line before the key (RFC 8630 2.2)");
		goto out;
	}
	/* The key: base64 over any number of lines. */
	if ((b64 = malloc((size_t)(end - p) + 1)) == NULL) {
		fail(why, "out of memory");
		goto out;
	}
	for (; p < end; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
			b64[b64_len++] = *p;
	if (b64_len == 0 ||
	    mbedtls_base64_decode(NULL, 0, &olen, b64, b64_len) != MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL ||
	    (t->spki = malloc(olen)) == NULL ||
	    mbedtls_base64_decode(t->spki, olen, &t->spki_len, b64, b64_len) != 0) {
		fail(why, "the key is not base64 (RFC 8630 2.2)");
		goto out;
	}
	q = t->spki;
	if (mbedtls_asn1_get_tag(&q, t->spki + t->spki_len, &l, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) != 0 || q + l != t->spki + t->spki_len ||
	    mbedtls_pk_parse_public_key(&pk, t->spki, t->spki_len) != 0) {
		fail(why, "the key is not a DER SubjectPublicKeyInfo (RFC 8630 2.2)");
		goto out;
	}
	t->key_bits = (unsigned)mbedtls_pk_get_bitlen(&pk);
	/* SKI: SHA-1 of the subjectPublicKey bits (RFC 6487 4.8.2). */
	if (mbedtls_asn1_get_tag(&q, t->spki + t->spki_len, &l, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) != 0) {
		fail(why, "malformed SubjectPublicKeyInfo");
		goto out;
	}
	q += l;
	if (mbedtls_asn1_get_bitstring(&q, t->spki + t->spki_len, &bs) != 0 ||
	    mbedtls_sha1_ret(bs.p, bs.len, t->key_sha1) != 0 ||
	    ud_ski_from_key(bs.p, bs.len, t->gski) != 0) {
		fail(why, "malformed subjectPublicKey");
		goto out;
	}
	rc = 0;
out:
	mbedtls_pk_free(&pk);
	free(b64);
	return rc;
}

/* See inspect.h. */
void
insp_tal_text(const struct insp_tal *t, const char *indent)
{
	char h[48];

	printf("%sTAL (RFC 8630): %zu URI(s)%s\n", indent, t->uris.n,
	    t->ncomments ? ", with comments" : "");
	for (size_t i = 0; i < t->uris.n; i++)
		printf("%suri: %s\n", indent, t->uris.v[i]);
	insp_hex(t->key_sha1, 20, h, sizeof(h));
	printf("%skey: %u bits, SKI %s, gSKI %s\n", indent, t->key_bits, h, t->gski);
}

/* See inspect.h. */
void
insp_tal_json_fields(struct jo *j, const struct insp_tal *t)
{
	insp_uris_json(j, "uris", &t->uris);
	jo_uint(j, "comments", t->ncomments);
	jo_uint(j, "key_bits", t->key_bits);
	jo_hex(j, "ski", t->key_sha1, 20);
	jo_str(j, "gski", t->gski);
}
