/*
 * updownctl inspect: DER helpers shared by the certificate, CRL and signed
 * object decoders (names, times, algorithms, integers, URI lists).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509.h>

#include "inspect.h"

static const struct {
	const char *oid;
	size_t len;
	const char *name;
} oid_names[] = {
#define O(s, n) { s, sizeof(s) - 1, n }
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", "rsaEncryption"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05", "sha1WithRSAEncryption"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b", "sha256WithRSAEncryption"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c", "sha384WithRSAEncryption"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d", "sha512WithRSAEncryption"),
	O("\x2a\x86\x48\xce\x3d\x02\x01", "ecPublicKey"),
	O("\x2a\x86\x48\xce\x3d\x04\x03\x02", "ecdsa-with-SHA256"),
	O("\x60\x86\x48\x01\x65\x03\x04\x02\x01", "sha256"),
	O("\x60\x86\x48\x01\x65\x03\x04\x02\x02", "sha384"),
	O("\x60\x86\x48\x01\x65\x03\x04\x02\x03", "sha512"),
	O("\x2b\x0e\x03\x02\x1a", "sha1"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x1a", "rpkiManifest"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x18", "routeOriginAuthz"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x31", "rpkiASPA"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x23", "rpkiGhostbusters"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x30", "signedChecklist"),
	O("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x1c", "xml (RFC 6492)"),
	O("\x2b\x06\x01\x05\x05\x07\x0e\x02", "ipAddr-asNumber (RFC 6484)"),
	O("\x2b\x06\x01\x05\x05\x07\x0e\x03", "ipAddr-asNumber-v2 (RFC 8360)"),
#undef O
};

/* See inspect.h. */
bool
insp_oid_eq(const unsigned char *oid, size_t len, const char *want, size_t want_len)
{
	return len == want_len && memcmp(oid, want, len) == 0;
}

/* See inspect.h. */
void
insp_oid_name(const unsigned char *oid, size_t len, char *out, size_t size)
{
	mbedtls_asn1_buf b;

	for (size_t i = 0; i < sizeof(oid_names) / sizeof(oid_names[0]); i++)
		if (insp_oid_eq(oid, len, oid_names[i].oid, oid_names[i].len)) {
			snprintf(out, size, "%s", oid_names[i].name);
			return;
		}
	b.tag = MBEDTLS_ASN1_OID;
	b.p = (unsigned char *)oid;
	b.len = len;
	if (mbedtls_oid_get_numeric_string(out, size, &b) < 0)
		snprintf(out, size, "(unreadable OID)");
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const unsigned char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * See inspect.h. UTCTime YYMMDDhhmmssZ (RFC 5280 4.1.2.5.1: YY >= 50 is
 * 19YY) or GeneralizedTime YYYYMMDDhhmmssZ (4.1.2.5.2), nothing else.
 */
int
insp_get_time(unsigned char **p, const unsigned char *end, time_t *t)
{
	unsigned y, mo, d, h, mi, s;
	const unsigned char *v;
	size_t len;
	int tag;

	if (end - *p < 2)
		return -1;
	tag = **p;
	if (tag != MBEDTLS_ASN1_UTC_TIME && tag != MBEDTLS_ASN1_GENERALIZED_TIME)
		return -1;
	if (mbedtls_asn1_get_tag(p, end, &len, tag) != 0)
		return -1;
	v = *p;
	*p += len;
	if (tag == MBEDTLS_ASN1_UTC_TIME) {
		if (len != 13 || v[12] != 'Z' || digits(v, 2, &y) != 0)
			return -1;
		y += y >= 50 ? 1900 : 2000;
		v += 2;
	} else {
		if (len != 15 || v[14] != 'Z' || digits(v, 4, &y) != 0)
			return -1;
		v += 4;
	}
	if (digits(v, 2, &mo) || digits(v + 2, 2, &d) || digits(v + 4, 2, &h) ||
	    digits(v + 6, 2, &mi) || digits(v + 8, 2, &s) || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	*t = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s);
	return 0;
}

/* See inspect.h. */
int
insp_get_name(unsigned char **p, const unsigned char *end, char *out, size_t size)
{
	mbedtls_x509_name name, *cur, *next;
	unsigned char *q;
	size_t len;
	int rc = -1;

	memset(&name, 0, sizeof(name));
	if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) != 0)
		return -1;
	q = *p;
	*p += len;
	snprintf(out, size, "%s", "");
	if (len == 0)
		return 0;
	if (mbedtls_x509_get_name(&q, *p, &name) == 0 && q == *p) {
		rc = 0;
		if (mbedtls_x509_dn_gets(out, size, &name) < 0)
			snprintf(out, size, "(a name longer than %zu characters)", size - 1);
	}
	for (cur = name.next; cur != NULL; cur = next) {
		next = cur->next;
		free(cur);
	}
	return rc;
}

/* See inspect.h. */
int
insp_get_alg(unsigned char **p, const unsigned char *end, const unsigned char **oid,
             size_t *oid_len, char *name, size_t size)
{
	unsigned char *q, *aend;
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) != 0)
		return -1;
	q = *p;
	aend = q + len;
	*p = aend;
	if (mbedtls_asn1_get_tag(&q, aend, &len, MBEDTLS_ASN1_OID) != 0 || len == 0)
		return -1;
	*oid = q;
	*oid_len = len;
	insp_oid_name(q, len, name, size);
	q += len;
	/* Parameters: absent or NULL for every algorithm we name; others kept opaque. */
	return 0;
}

/* See inspect.h. */
int
insp_get_integer(unsigned char **p, const unsigned char *end, unsigned char *out,
                 size_t *len)
{
	size_t n;

	if (mbedtls_asn1_get_tag(p, end, &n, MBEDTLS_ASN1_INTEGER) != 0 || n == 0 ||
	    n > INSP_MAX_SERIAL)
		return -1;
	memcpy(out, *p, n);
	*len = n;
	*p += n;
	return 0;
}

/* See inspect.h. */
void
insp_integer_text(const unsigned char *v, size_t len, char *out, size_t size)
{
	unsigned long long x = 0;
	size_t i = 0;

	while (i + 1 < len && v[i] == 0)
		i++;
	if (len > 0 && (v[0] & 0x80) == 0 && len - i <= 8) {
		for (; i < len; i++)
			x = (x << 8) | v[i];
		snprintf(out, size, "%llu", x);
		return;
	}
	snprintf(out, size, "0x");
	insp_hex(v, len, out + 2, size > 2 ? size - 2 : 0);
}

/* See inspect.h. */
void
insp_hex(const unsigned char *p, size_t n, char *out, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return;
	for (size_t i = 0; i < n && o + 3 <= size; i++, o += 2)
		snprintf(out + o, size - o, "%02x", p[i]);
	out[o] = '\0';
}

/* See inspect.h. */
int
insp_uris_add(struct insp_uris *u, const unsigned char *s, size_t n)
{
	char *c;

	if (u->n == INSP_MAX_URIS) {
		u->dropped++;
		return 0;
	}
	if ((c = malloc(n + 1)) == NULL)
		return -1;
	memcpy(c, s, n);
	c[n] = '\0';
	/* Keep the text printable: a NUL or control byte becomes '?'. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)c[i] < 0x20 || (unsigned char)c[i] == 0x7f)
			c[i] = '?';
	u->v[u->n++] = c;
	return 0;
}

/* See inspect.h. */
void
insp_uris_free(struct insp_uris *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->v[i]);
	memset(u, 0, sizeof(*u));
}

/* See inspect.h. */
void
insp_uris_json(struct jo *j, const char *key, const struct insp_uris *u)
{
	jo_arr_begin(j, key);
	for (size_t i = 0; i < u->n; i++)
		jo_str(j, NULL, u->v[i]);
	jo_arr_end(j);
}

/* See inspect.h. */
void
insp_time_text(time_t t, char out[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
		snprintf(out, 32, "(out of range)");
	else
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
