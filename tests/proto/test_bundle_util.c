/*
 * Helpers for the provisioning bundle tests: see tests/proto/bundle/bundle_test.h.
 *
 * The builder here is written apart from proto/bundle_encode.c (forward
 * concatenation of TLVs instead of backward asn1write, its own time and
 * integer encoders), so that a byte-for-byte match is a real cross-check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "proto/bundle.h"
#include "proto/bundle/bundle_test.h"

#define OID_SIGNED_DATA "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"
#define OID_DATA        "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"
#define OID_SHA256      "\x60\x86\x48\x01\x65\x03\x04\x02\x01"
#define OID_SHA1        "\x2b\x0e\x03\x02\x1a"
#define OID_RSA         "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"
#define OID_SHA256_RSA  "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"
#define OID_PSS         "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a"
#define OID_A_CT        "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x03"
#define OID_A_MD        "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x04"
#define OID_A_TIME      "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x05"
#define OID_A_SMIMECAP  "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0f"
/* id-ct-updownBundle, spelled out here rather than taken from bundle.h. */
#define OID_BUNDLE \
	"\x69\x82\xea\x85\x9d\x8d\xa9\xd7\xda\x9d\x97\x83\xb5\xd0\x9e\xd4\x8c\xec\xb7\x0b\x01\x01"
#define OIDB(o) oid_tb((const unsigned char *)(o), sizeof(o) - 1)

/* ---- byte strings ---- */

void
tb_free(struct tb *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

struct tb
tb_dup(const void *p, size_t len)
{
	struct tb b;

	b.p = malloc(len > 0 ? len : 1);
	assert_non_null(b.p);
	if (len > 0)
		memcpy(b.p, p, len);
	b.len = len;
	return b;
}

struct tb
tb_str(const char *s)
{
	return tb_dup(s, strlen(s));
}

struct tb
tb_cat(const struct tb *parts, size_t n)
{
	struct tb b;
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += parts[i].p != NULL ? parts[i].len : 0;
	b.p = malloc(len > 0 ? len : 1);
	assert_non_null(b.p);
	b.len = 0;
	for (i = 0; i < n; i++) {
		if (parts[i].p == NULL)
			continue;
		memcpy(b.p + b.len, parts[i].p, parts[i].len);
		b.len += parts[i].len;
	}
	return b;
}

struct tb
tb_tlv(unsigned char tag, const struct tb *content)
{
	unsigned char hdr[6];
	size_t n = 0, len = content->p != NULL ? content->len : 0;
	struct tb parts[2], out;

	hdr[n++] = tag;
	if (len < 0x80) {
		hdr[n++] = (unsigned char)len;
	} else if (len < 0x100) {
		hdr[n++] = 0x81;
		hdr[n++] = (unsigned char)len;
	} else if (len < 0x10000) {
		hdr[n++] = 0x82;
		hdr[n++] = (unsigned char)(len >> 8);
		hdr[n++] = (unsigned char)len;
	} else if (len < 0x1000000) {
		hdr[n++] = 0x83;
		hdr[n++] = (unsigned char)(len >> 16);
		hdr[n++] = (unsigned char)(len >> 8);
		hdr[n++] = (unsigned char)len;
	} else {
		hdr[n++] = 0x84;
		hdr[n++] = (unsigned char)(len >> 24);
		hdr[n++] = (unsigned char)(len >> 16);
		hdr[n++] = (unsigned char)(len >> 8);
		hdr[n++] = (unsigned char)len;
	}
	parts[0].p = hdr;
	parts[0].len = n;
	parts[1] = *content;
	out = tb_cat(parts, 2);
	return out;
}

struct tb
tb_wrap(unsigned char tag, struct tb content)
{
	struct tb out = tb_tlv(tag, &content);

	tb_free(&content);
	return out;
}

static struct tb
oid_tb(const unsigned char *oid, size_t len)
{
	struct tb c = { (unsigned char *)oid, len };

	return tb_tlv(0x06, &c);
}

/* Concatenate and free the parts. */
static struct tb
cat_free(struct tb *parts, size_t n)
{
	struct tb out = tb_cat(parts, n);
	size_t i;

	for (i = 0; i < n; i++)
		tb_free(&parts[i]);
	return out;
}

static int
der_order(const void *a_, const void *b_)
{
	const struct tb *a = a_, *b = b_;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* ---- keys and signing ---- */

int
bt_rng(void *ctx, unsigned char *out, size_t len)
{
	uint64_t *s = ctx, z;
	size_t i;

	for (i = 0; i < len; i++) {
		/* splitmix64 */
		z = (*s += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		out[i] = (unsigned char)(z ^ (z >> 31));
	}
	return 0;
}

void
bt_rsa_key(mbedtls_pk_context *pk, unsigned seed, unsigned bits)
{
	uint64_t state = 0x5eed0000ULL + seed;

	mbedtls_pk_init(pk);
	assert_int_equal(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
	assert_int_equal(mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), bt_rng, &state, bits, 65537), 0);
}

void
bt_ec_key(mbedtls_pk_context *pk, unsigned seed)
{
	uint64_t state = 0xec000000ULL + seed;

	mbedtls_pk_init(pk);
	assert_int_equal(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
	    bt_rng, &state), 0);
}

struct tb
bt_spki(mbedtls_pk_context *pk)
{
	unsigned char buf[4096];
	int n = mbedtls_pk_write_pubkey_der(pk, buf, sizeof(buf));

	assert_true(n > 0);
	return tb_dup(buf + sizeof(buf) - n, (size_t)n);
}

void
bt_ski(mbedtls_pk_context *pk, unsigned char ski[20])
{
	unsigned char buf[4096], *p = buf + sizeof(buf);
	int n = mbedtls_pk_write_pubkey(&p, buf, pk);   /* RSAPublicKey = the BIT STRING's bits */

	assert_true(n > 0);
	assert_int_equal(mbedtls_sha1_ret(p, (size_t)n, ski), 0);
}

struct tb
bt_self_cert(mbedtls_pk_context *pk, const char *cn)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	unsigned char buf[4096];
	char name[128];
	uint64_t state = 77;
	int n;

	snprintf(name, sizeof(name), "CN=%s", cn);
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, pk);
	mbedtls_x509write_crt_set_issuer_key(&w, pk);
	assert_int_equal(mbedtls_mpi_lset(&serial, 1), 0);
	assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &serial), 0);
	assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, name), 0);
	assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, name), 0);
	assert_int_equal(mbedtls_x509write_crt_set_validity(&w, "20240101000000",
	    "20440101000000"), 0);
	assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1), 0);
	assert_int_equal(mbedtls_x509write_crt_set_subject_key_identifier(&w), 0);
	n = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), bt_rng, &state);
	assert_true(n > 0);
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&serial);
	return tb_dup(buf + sizeof(buf) - n, (size_t)n);
}

int
bt_sign(void *ctx, const unsigned char *tbs, size_t tbs_len, const unsigned char sha256[32],
        unsigned char *sig, size_t sig_size, size_t *sig_len)
{
	mbedtls_pk_context *pk = ctx;
	uint64_t state = 1;

	(void)tbs;
	(void)tbs_len;
	if (sig_size < mbedtls_pk_get_len(pk))
		return -1;
	return mbedtls_pk_sign(pk, MBEDTLS_MD_SHA256, sha256, 32, sig, sig_len, bt_rng, &state);
}

int
bt_sign_fail(void *ctx, const unsigned char *tbs, size_t tbs_len,
             const unsigned char sha256[32], unsigned char *sig, size_t sig_size,
             size_t *sig_len)
{
	(void)ctx; (void)tbs; (void)tbs_len; (void)sha256; (void)sig; (void)sig_size;
	(void)sig_len;
	return -1;
}

const char *
bt_table(uint64_t version)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
	    "# test table\n"
	    "version %llu\n"
	    "class DEFAULT\n"
	    "child isp-a\n"
	    "child isp-b\n"
	    "grant isp-a DEFAULT as=64496 ipv4=192.0.2.0/25 notafter=2030-01-01T00:00:00Z\n"
	    "grant isp-b DEFAULT ipv4=192.0.2.128/25 ipv6=2001:db8::/32 "
	    "notafter=2030-01-01T00:00:00Z\n", (unsigned long long)version);
	return buf;
}

/* ---- the builder ---- */

static struct tb
uint_tb(uint64_t v)
{
	unsigned char b[9] = { 0 };
	size_t n = 0, i;
	uint64_t t;

	/* big-endian, minimal, a leading 0 when the top bit is set */
	for (t = v, n = 1; t > 0xff; t >>= 8)
		n++;
	for (i = 0; i < n; i++)
		b[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
	if (b[1] & 0x80) {
		b[0] = 0;
		return tb_dup(b, n + 1);
	}
	return tb_dup(b + 1, n);
}

static struct tb
time_tb(time_t t, bool rfc5652, const char *text, unsigned char tag)
{
	struct tm tm;
	char s[32];
	struct tb c, out;

	if (text != NULL) {
		c = tb_str(text);
	} else {
		assert_non_null(gmtime_r(&t, &tm));
		if (rfc5652 && tm.tm_year + 1900 <= 2049)
			assert_int_equal(strftime(s, sizeof(s), "%y%m%d%H%M%SZ", &tm), 13);
		else
			assert_int_equal(strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm), 15);
		c = tb_str(s);
	}
	if (tag == 0)
		tag = rfc5652 && c.len == 13 ? 0x17 : 0x18;
	out = tb_tlv(tag, &c);
	tb_free(&c);
	return out;
}

static struct tb
build_content(const struct bb *k)
{
	struct tb parts[8] = { { 0 } }, c;
	size_t n = 0;
	const char *table = k->table;
	size_t tlen = k->table_len ? k->table_len : (table != NULL ? strlen(table) : 0);

	parts[n++] = tb_wrap(0x02, uint_tb((uint64_t)(k->format_version ? k->format_version : 1)));
	if (k->version_raw != NULL)
		parts[n++] = tb_wrap(0x02, tb_dup(k->version_raw, k->version_raw_len));
	else
		parts[n++] = tb_wrap(0x02, uint_tb(k->version));
	parts[n++] = time_tb(k->created, false, k->created_text,
	    k->created_tag ? k->created_tag : 0x18);
	if (k->force)
		parts[n++] = tb_dup("\x80\x01\xff", 3);
	else if (k->force_false)
		parts[n++] = tb_dup("\x80\x01\x00", 3);
	else if (k->force_bad)
		parts[n++] = tb_dup("\x80\x01\x01", 3);
	if (k->comment != NULL)
		parts[n++] = tb_wrap(0x81, tb_dup(k->comment,
		    k->comment_len ? k->comment_len : strlen(k->comment)));
	if (!k->no_table)
		parts[n++] = tb_wrap(0x04, tb_dup(table, tlen));
	if (k->content_extra)
		parts[n++] = tb_dup("\x05\x00", 2);
	c = tb_wrap(0x30, cat_free(parts, n));
	if (k->content_trailing) {
		struct tb t[2] = { c, tb_dup("\x00", 1) };
		c = cat_free(t, 2);
	}
	return c;
}

static struct tb
attr(const char *oid, size_t oid_len, struct tb values)
{
	struct tb parts[2];

	parts[0] = oid_tb((const unsigned char *)oid, oid_len);
	parts[1] = tb_wrap(0x31, values);
	return tb_wrap(0x30, cat_free(parts, 2));
}

#define ATTR(o, v) attr(o, sizeof(o) - 1, (v))

static struct tb
build_signer(const struct bs *s, const struct tb *econtent)
{
	struct tb a[6] = { { 0 } }, parts[8] = { { 0 } }, set, attrs_sorted, sig = { 0 };
	unsigned char md[32], ski[20], sigbuf[1024];
	size_t na = 0, n = 0, i, sig_len = 0;
	uint64_t state = 1;

	/* signed attributes */
	assert_int_equal(mbedtls_sha256_ret(econtent->p, econtent->len, md, 0), 0);
	if (s->md_wrong)
		md[0] ^= 1;
	if (!s->omit_ct)
		a[na++] = ATTR(OID_A_CT, s->ct_id_data ? OIDB(OID_DATA) : OIDB(OID_BUNDLE));
	if (!s->omit_md) {
		struct tb v = tb_wrap(0x04, tb_dup(md, s->md_short ? 31 : 32));
		if (s->two_values) {
			struct tb w[2] = { v, tb_wrap(0x04, tb_dup(md, 32)) };
			v = cat_free(w, 2);
		}
		a[na++] = ATTR(OID_A_MD, v);
	}
	if (!s->omit_time)
		a[na++] = ATTR(OID_A_TIME, time_tb(s->signing_time, true, s->time_text, s->time_tag));
	if (s->dup_time)
		a[na++] = ATTR(OID_A_TIME, time_tb(s->signing_time + 1, true, NULL, 0));
	if (s->extra_attr)
		a[na++] = ATTR(OID_A_SMIMECAP, tb_wrap(0x30, tb_dup("", 0)));
	qsort(a, na, sizeof(a[0]), der_order);
	if (s->attrs_unsorted && na > 1) {
		struct tb t = a[0];
		a[0] = a[na - 1];
		a[na - 1] = t;
	}
	attrs_sorted = tb_cat(a, na);
	set = tb_tlv(0x31, &attrs_sorted);
	for (i = 0; i < na; i++)
		tb_free(&a[i]);
	tb_free(&attrs_sorted);

	/* signature over the DER SET OF */
	if (s->sig_empty) {
		sig = tb_dup("", 0);
	} else {
		assert_int_equal(mbedtls_sha256_ret(set.p, set.len, md, 0), 0);
		assert_int_equal(mbedtls_pk_sign(s->key, MBEDTLS_MD_SHA256, md, 32, sigbuf,
		    &sig_len, bt_rng, &state), 0);
		if (s->sig_flip)
			sigbuf[sig_len / 2] ^= 0x10;
		sig = tb_dup(sigbuf, sig_len);
	}

	parts[n++] = tb_wrap(0x02, uint_tb((uint64_t)(s->version ? s->version : 3)));
	if (s->sid_issuer_serial) {
		parts[n++] = tb_wrap(0x30, tb_dup("\x30\x00\x02\x01\x01", 5));
	} else if (s->ski != NULL) {
		parts[n++] = tb_wrap(0x80, tb_dup(s->ski, s->ski_len));
	} else {
		bt_ski(s->key, ski);
		parts[n++] = tb_wrap(0x80, tb_dup(ski, 20));
	}
	parts[n++] = tb_wrap(0x30, s->digest_sha1 ? OIDB(OID_SHA1) : OIDB(OID_SHA256));
	if (!s->no_attrs) {
		set.p[0] = 0xa0;
		parts[n++] = set;
		set.p = NULL;
	}
	tb_free(&set);
	if (s->sig_alg_pss) {
		parts[n++] = tb_wrap(0x30, OIDB(OID_PSS));
	} else if (s->sig_alg_no_null) {
		parts[n++] = tb_wrap(0x30, OIDB(OID_RSA));
	} else {
		struct tb alg[2] = { s->sig_sha256_rsa ? OIDB(OID_SHA256_RSA) : OIDB(OID_RSA),
		    tb_dup("\x05\x00", 2) };
		parts[n++] = tb_wrap(0x30, cat_free(alg, 2));
	}
	parts[n++] = tb_wrap(0x04, sig);
	if (s->unsigned_attrs)
		parts[n++] = tb_wrap(0xa1, ATTR(OID_A_SMIMECAP, tb_wrap(0x30, tb_dup("", 0))));
	return tb_wrap(0x30, cat_free(parts, n));
}

struct tb
bt_build(const struct bb *k, struct tb *econtent_out)
{
	struct tb econtent, parts[8] = { { 0 } }, sis[BUNDLE_MAX_SIGNERS + 4], certs[32], sd, ci;
	size_t n = 0, i;

	econtent = k->content_raw != NULL ? tb_dup(k->content_raw->p, k->content_raw->len) :
	    build_content(k);

	parts[n++] = tb_wrap(0x02, uint_tb((uint64_t)(k->sd_version ? k->sd_version : 3)));
	{
		struct tb algs[2] = { { 0 } };
		size_t na = 0;
		if (!k->digest_empty) {
			if (k->digest_null) {
				struct tb a[2] = { OIDB(OID_SHA256), tb_dup("\x05\x00", 2) };
				algs[na++] = tb_wrap(0x30, cat_free(a, 2));
			} else {
				algs[na++] = tb_wrap(0x30, k->digest_sha1 ? OIDB(OID_SHA1) :
				    OIDB(OID_SHA256));
			}
		}
		if (k->digest_extra)
			algs[na++] = tb_wrap(0x30, OIDB(OID_SHA1));
		qsort(algs, na, sizeof(algs[0]), der_order);
		parts[n++] = tb_wrap(0x31, cat_free(algs, na));
	}
	{
		struct tb eci[2] = { { 0 } };
		eci[0] = k->econtent_oid != NULL ? oid_tb(k->econtent_oid, k->econtent_oid_len) :
		    OIDB(OID_BUNDLE);
		if (!k->no_econtent) {
			struct tb o = tb_tlv(0x04, &econtent);
			if (k->econtent_constructed)
				o = tb_wrap(0x24, o);
			eci[1] = tb_wrap(0xa0, o);
		}
		parts[n++] = tb_wrap(0x30, cat_free(eci, 2));
	}
	if (k->ncerts > 0 || k->cert_alt_choice) {
		size_t nc = 0;
		for (i = 0; i < k->ncerts; i++)
			certs[nc++] = tb_dup(k->certs[i].p, k->certs[i].len);
		if (k->cert_alt_choice)
			certs[nc++] = tb_dup("\xa1\x00", 2);
		if (!k->certs_unsorted)
			qsort(certs, nc, sizeof(certs[0]), der_order);
		else if (nc > 1 && der_order(&certs[0], &certs[1]) < 0) {
			struct tb t = certs[0];
			certs[0] = certs[1];
			certs[1] = t;
		}
		parts[n++] = tb_wrap(0xa0, cat_free(certs, nc));
	}
	if (k->crls)
		parts[n++] = tb_wrap(0xa1, tb_wrap(0x30, tb_dup("\x02\x01\x01", 3)));
	for (i = 0; i < k->nsigners; i++)
		sis[i] = build_signer(&k->signers[i], &econtent);
	if (!k->signers_unsorted)
		qsort(sis, k->nsigners, sizeof(sis[0]), der_order);
	parts[n++] = tb_wrap(0x31, cat_free(sis, k->nsigners));
	sd = tb_wrap(0x30, cat_free(parts, n));

	parts[0] = k->ct_oid != NULL ? oid_tb(k->ct_oid, k->ct_oid_len) : OIDB(OID_SIGNED_DATA);
	parts[1] = tb_wrap(0xa0, sd);
	ci = cat_free(parts, 2);
	if (k->indefinite) {
		struct tb t[3] = { tb_dup("\x30\x80", 2), ci, tb_dup("\x00\x00", 2) };
		ci = cat_free(t, 3);
	} else if (k->long_length) {
		unsigned char h[6] = { 0x30, 0x84, (unsigned char)(ci.len >> 24),
		    (unsigned char)(ci.len >> 16), (unsigned char)(ci.len >> 8),
		    (unsigned char)ci.len };
		struct tb t[2] = { tb_dup(h, 6), ci };
		ci = cat_free(t, 2);
	} else {
		ci = tb_wrap(0x30, ci);
	}
	if (k->trailing) {
		struct tb t[2] = { ci, tb_dup("\x00", 1) };
		ci = cat_free(t, 2);
	}
	if (econtent_out != NULL)
		*econtent_out = econtent;
	else
		tb_free(&econtent);
	return ci;
}

size_t
bt_sig_offset(const struct tb *der, size_t i)
{
	struct bundle b;
	size_t off;

	bundle_init(&b);
	assert_int_equal(bundle_decode(&b, der->p, der->len), 0);
	assert_true(i < b.nsigners);
	off = (size_t)(b.signers[i].sig.p - b.der);
	bundle_free(&b);
	return off;
}

/* ---- files ---- */

void
bt_mkdir(char *dir, size_t size, const char *prefix)
{
	snprintf(dir, size, "/tmp/%s-XXXXXX", prefix);
	assert_non_null(mkdtemp(dir));
}

void
bt_rmdir(const char *dir)
{
	char cmd[512];

	if (dir == NULL || dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

void
bt_write(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

struct tb
bt_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct tb b = { 0 };
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b.p = malloc((size_t)n + 1);
	assert_non_null(b.p);
	b.len = fread(b.p, 1, (size_t)n, f);
	assert_int_equal(b.len, (size_t)n);
	fclose(f);
	return b;
}
