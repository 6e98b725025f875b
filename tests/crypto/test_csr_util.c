/*
 * Helpers for the CSR tests: see tests/crypto/csr/csr_test.h. The PKCS#10
 * builder is written from RFC 2986 independently of crypto/csr.c, with mbed
 * TLS only for hashing and RSA signing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include "crypto/csr/csr_test.h"

void
tb_free(struct tbuf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

struct tbuf
tb_dup(const void *p, size_t len)
{
	struct tbuf b = { NULL, len };

	if (len > 0) {
		b.p = malloc(len);
		assert_non_null(b.p);
		memcpy(b.p, p, len);
	}
	return b;
}

struct tbuf
tb_hex(const char *hex)
{
	unsigned char tmp[4096];
	size_t n = 0;
	unsigned v;

	while (*hex != '\0') {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		assert_true(n < sizeof(tmp));
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		tmp[n++] = (unsigned char)v;
		hex += 2;
	}
	return tb_dup(tmp, n);
}

struct tbuf
tb_str(const char *s)
{
	return tb_dup(s, strlen(s));
}

struct tbuf
tb_cat(struct tbuf *parts, size_t n)
{
	struct tbuf b = { NULL, 0 };
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		b.len += parts[i].len;
	if (b.len > 0) {
		b.p = malloc(b.len);
		assert_non_null(b.p);
	}
	for (i = 0; i < n; i++) {
		if (parts[i].len > 0)
			memcpy(b.p + o, parts[i].p, parts[i].len);
		o += parts[i].len;
		tb_free(&parts[i]);
	}
	return b;
}

struct tbuf
tb_tlv(unsigned char tag, struct tbuf *parts, size_t n)
{
	struct tbuf c = tb_cat(parts, n), b;
	unsigned char hdr[6];
	size_t h = 0, l = c.len;

	hdr[h++] = tag;
	if (l < 0x80) {
		hdr[h++] = (unsigned char)l;
	} else if (l < 0x100) {
		hdr[h++] = 0x81;
		hdr[h++] = (unsigned char)l;
	} else if (l < 0x10000) {
		hdr[h++] = 0x82;
		hdr[h++] = (unsigned char)(l >> 8);
		hdr[h++] = (unsigned char)l;
	} else {
		hdr[h++] = 0x83;
		hdr[h++] = (unsigned char)(l >> 16);
		hdr[h++] = (unsigned char)(l >> 8);
		hdr[h++] = (unsigned char)l;
	}
	b.len = h + c.len;
	b.p = malloc(b.len);
	assert_non_null(b.p);
	memcpy(b.p, hdr, h);
	if (c.len > 0)
		memcpy(b.p + h, c.p, c.len);
	tb_free(&c);
	return b;
}

struct tbuf
tb_read(const char *path)
{
	struct tbuf b = { NULL, 0 };
	FILE *f;
	long n = 0;

	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
		fail_msg("cannot size %s", path);
	b.len = (size_t)n;
	b.p = malloc(b.len);
	assert_non_null(b.p);
	if (fread(b.p, 1, b.len, f) != b.len)
		fail_msg("cannot read %s", path);
	fclose(f);
	return b;
}

struct tbuf
tb_read_testdata(const char *rel)
{
	const char *base = getenv("UPDOWN_TESTDATA");
	char path[1024];

	if (base == NULL)
		fail_msg("UPDOWN_TESTDATA is not set (run through ctest)");
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	return tb_read(path);
}

void
tb_write(const char *path, const struct tbuf *b)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* OIDs as hex contents. */
#define HEX_ID_AD        "2b06010505073000" /* last octet replaced by the arc */
#define HEX_SIA          "2b0601050507010b"
#define HEX_BC           "551d13"
#define HEX_KU           "551d0f"
#define HEX_EXT_REQ      "2a864886f70d01090e"

static struct tbuf
oid(const char *hex)
{
	struct tbuf v = tb_hex(hex);

	return tb_tlv(0x06, &v, 1);
}

struct tbuf
text(const char *oid_hex, int crit, struct tbuf value)
{
	struct tbuf parts[3];
	size_t n = 0;

	parts[n++] = oid(oid_hex);
	if (crit >= 0)
		parts[n++] = tb_hex(crit ? "0101ff" : "010100");
	parts[n++] = tb_tlv(0x04, &value, 1);
	return tb_tlv(0x30, parts, n);
}

struct tbuf
text_bc(int ca, int pathlen)
{
	struct tbuf parts[2];
	size_t n = 0;
	char hex[16];

	if (ca >= 0)
		parts[n++] = tb_hex(ca ? "0101ff" : "010100");
	if (pathlen >= 0) {
		snprintf(hex, sizeof(hex), "0201%02x", pathlen & 0x7f);
		parts[n++] = tb_hex(hex);
	}
	return text(HEX_BC, 1, tb_tlv(0x30, parts, n));
}

struct tbuf
text_ku(const char *bits_hex)
{
	struct tbuf v = tb_hex(bits_hex);

	return text(HEX_KU, 1, tb_tlv(0x03, &v, 1));
}

struct tbuf
text_sia(const struct tad *ads, size_t n)
{
	struct tbuf seq[16], ad[2];
	char hex[32];
	size_t i;

	assert_true(n <= TB_N(seq));
	for (i = 0; i < n; i++) {
		snprintf(hex, sizeof(hex), "2b060105050730%02x", ads[i].arc);
		ad[0] = oid(hex);
		ad[1] = tb_str(ads[i].uri);
		ad[1] = tb_tlv(ads[i].tag ? ads[i].tag : 0x86, &ad[1], 1);
		seq[i] = tb_tlv(0x30, ad, 2);
	}
	return text(HEX_SIA, -1, tb_tlv(0x30, seq, n));
}

struct tbuf
text_sia_good(void)
{
	static const struct tad ads[] = {
		{ 5, "rsync://example.net/repo/child/", 0 },
		{ 10, "rsync://example.net/repo/child/child.mft", 0 },
	};

	return text_sia(ads, TB_N(ads));
}

struct tbuf
tattr(const char *oid_hex, struct tbuf *values, size_t n)
{
	struct tbuf parts[2];

	parts[0] = oid(oid_hex);
	parts[1] = tb_tlv(0x31, values, n);
	return tb_tlv(0x30, parts, 2);
}

struct tbuf
tattr_extreq(struct tbuf *exts, size_t n)
{
	struct tbuf v = tb_tlv(0x30, exts, n);

	return tattr(HEX_EXT_REQ, &v, 1);
}

struct tbuf
tattr_good(void)
{
	struct tbuf e[3];

	e[0] = text_bc(1, -1);
	e[1] = text_ku("0106");
	e[2] = text_sia_good();
	return tattr_extreq(e, 3);
}

int
test_rng(void *ctx, unsigned char *out, size_t len)
{
	static uint64_t s = 0x9e3779b97f4a7c15ull;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		out[i] = (unsigned char)(s >> 24);
	}
	return 0;
}

struct tbuf
treq_build(struct treq *r, mbedtls_pk_context *key)
{
	static const struct {
		const char *oid;
		bool null;
		mbedtls_md_type_t md;
	} algs[] = {
		[TSIG_SHA256] = { "2a864886f70d01010b", true, MBEDTLS_MD_SHA256 },
		[TSIG_SHA256_NOPARAM] = { "2a864886f70d01010b", false, MBEDTLS_MD_SHA256 },
		[TSIG_SHA1] = { "2a864886f70d010105", true, MBEDTLS_MD_SHA1 },
		[TSIG_MD5] = { "2a864886f70d010104", true, MBEDTLS_MD_MD5 },
	};
	struct tbuf cri[4], alg[2], top[3], v;
	unsigned char buf[1024], hash[64], sig[1024 + 1];
	const mbedtls_md_info_t *md;
	size_t siglen = 0;
	char hex[16];
	int n;

	snprintf(hex, sizeof(hex), "0201%02x", r->version & 0x7f);
	cri[0] = tb_hex(hex);
	if (r->subject.len == 0)
		cri[1] = tb_hex("3010310e300c06035504030c056368696c64");
	else
		cri[1] = r->subject;
	if (r->spki.len == 0) {
		n = mbedtls_pk_write_pubkey_der(key, buf, sizeof(buf));
		assert_true(n > 0);
		cri[2] = tb_dup(buf + sizeof(buf) - (size_t)n, (size_t)n);
	} else {
		cri[2] = r->spki;
	}
	if (r->no_attrs) {
		tb_free(&r->attrs);
		top[0] = tb_tlv(0x30, cri, 3);
	} else {
		cri[3] = tb_tlv(0xa0, &r->attrs, 1);
		top[0] = tb_tlv(0x30, cri, 4);
	}
	r->subject.p = r->spki.p = r->attrs.p = NULL;
	r->subject.len = r->spki.len = r->attrs.len = 0;

	md = mbedtls_md_info_from_type(algs[r->sig].md);
	assert_non_null(md);
	assert_int_equal(mbedtls_md(md, top[0].p, top[0].len, hash), 0);
	assert_int_equal(mbedtls_pk_sign(key, algs[r->sig].md, hash, 0, sig + 1, &siglen,
	    test_rng, NULL), 0);
	sig[0] = 0;

	alg[0] = oid(algs[r->sig].oid);
	alg[1] = algs[r->sig].null ? tb_hex("0500") : tb_dup(NULL, 0);
	top[1] = tb_tlv(0x30, alg, 2);
	v = tb_dup(sig, siglen + 1);
	top[2] = tb_tlv(0x03, &v, 1);
	return tb_tlv(0x30, top, 3);
}

struct tbuf
treq_good(mbedtls_pk_context *key)
{
	struct treq r = { 0 };

	r.attrs = tattr_good();
	return treq_build(&r, key);
}
