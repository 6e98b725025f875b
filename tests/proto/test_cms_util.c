/*
 * Helpers for the CMS tests: see tests/proto/cms/cms_test.h.
 *
 * The message builder here is written independently of proto/cms_sign.c
 * (forward concatenation instead of backward asn1write), so that a
 * byte-for-byte match between the two is a real cross-check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "proto/cms.h"
#include "proto/cms/cms_test.h"

#define OID_DATA     "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"       /* id-data */
#define OID_SHA1     "\x2b\x0e\x03\x02\x1a"
#define OID_SMIMECAP "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0f"
#define OID_AES256   "\x60\x86\x48\x01\x65\x03\x04\x01\x2a"
#define OID_COUNTERSIG "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x06"

void
tbuf_free(struct tbuf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

struct tbuf
tbuf_dup(const void *p, size_t len)
{
	struct tbuf b;

	b.p = malloc(len > 0 ? len : 1);
	assert_non_null(b.p);
	if (len > 0)
		memcpy(b.p, p, len);
	b.len = len;
	return b;
}

struct tbuf
tbuf_cat(const struct tbuf *parts, size_t n)
{
	struct tbuf b;
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

static struct tbuf
hdr(unsigned char tag, size_t len)
{
	unsigned char h[6];
	size_t n = 0;

	h[n++] = tag;
	if (len < 0x80) {
		h[n++] = (unsigned char)len;
	} else if (len < 0x100) {
		h[n++] = 0x81;
		h[n++] = (unsigned char)len;
	} else if (len < 0x10000) {
		h[n++] = 0x82;
		h[n++] = (unsigned char)(len >> 8);
		h[n++] = (unsigned char)len;
	} else {
		h[n++] = 0x83;
		h[n++] = (unsigned char)(len >> 16);
		h[n++] = (unsigned char)(len >> 8);
		h[n++] = (unsigned char)len;
	}
	return tbuf_dup(h, n);
}

struct tbuf
tlv(unsigned char tag, const struct tbuf *content)
{
	struct tbuf parts[2], out;

	parts[0] = hdr(tag, content->len);
	parts[1] = *content;
	out = tbuf_cat(parts, 2);
	tbuf_free(&parts[0]);
	return out;
}

struct tbuf
tlv_indef(unsigned char tag, const struct tbuf *content)
{
	unsigned char h[2] = { tag, 0x80 }, eoc[2] = { 0, 0 };
	struct tbuf parts[3] = { { h, 2 }, *content, { eoc, 2 } };

	return tbuf_cat(parts, 3);
}

/* tlv() that frees its content. */
static struct tbuf
wrapf(unsigned char tag, struct tbuf content)
{
	struct tbuf out = tlv(tag, &content);

	tbuf_free(&content);
	return out;
}

static struct tbuf
wrapf_indef(unsigned char tag, struct tbuf content)
{
	struct tbuf out = tlv_indef(tag, &content);

	tbuf_free(&content);
	return out;
}

/* Concatenate and free the parts. */
static struct tbuf
catf(struct tbuf *parts, size_t n)
{
	struct tbuf out = tbuf_cat(parts, n);
	size_t i;

	for (i = 0; i < n; i++)
		tbuf_free(&parts[i]);
	return out;
}

static struct tbuf
raw(const void *p, size_t len)
{
	return tbuf_dup(p, len);
}

static struct tbuf
oid(const char *o, size_t len)
{
	return wrapf(MBEDTLS_ASN1_OID, raw(o, len));
}

#define OIDT(o) oid(o, MBEDTLS_OID_SIZE(o))

static struct tbuf
int_der(long v)
{
	unsigned char b[9];
	size_t n = 0, i;
	unsigned long u = (unsigned long)v;

	do {
		b[8 - n++] = (unsigned char)u;
		u >>= 8;
	} while (u != 0);
	if (b[9 - n] & 0x80)
		b[8 - n++] = 0;
	i = 9 - n;
	return wrapf(MBEDTLS_ASN1_INTEGER, raw(b + i, n));
}

static struct tbuf
null_der(void)
{
	static const unsigned char n[2] = { 0x05, 0x00 };

	return raw(n, 2);
}

static struct tbuf
utc_time(time_t t, bool generalized)
{
	struct tm tm;
	char s[32];
	int n;

	assert_non_null(gmtime_r(&t, &tm));
	if (generalized)
		n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		n = snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return wrapf(generalized ? MBEDTLS_ASN1_GENERALIZED_TIME : MBEDTLS_ASN1_UTC_TIME,
	    raw(s, (size_t)n));
}

/* AlgorithmIdentifier; params: 0 absent, 1 NULL. */
static struct tbuf
alg(const char *o, size_t len, int params)
{
	struct tbuf parts[2] = { oid(o, len), { NULL, 0 } };

	if (params)
		parts[1] = null_der();
	return wrapf(0x30, catf(parts, 2));
}

const char *
testdata_path(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("UPDOWN_TESTDATA");

	if (dir == NULL)
		fail_msg("UPDOWN_TESTDATA is not set (run through ctest)");
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

struct tbuf
read_file(const char *path)
{
	struct tbuf b = { NULL, 0 };
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	b.p = malloc(n > 0 ? (size_t)n : 1);
	assert_non_null(b.p);
	b.len = fread(b.p, 1, (size_t)n, f);
	assert_int_equal(b.len, (size_t)n);
	fclose(f);
	return b;
}

struct tbuf
read_testdata(const char *rel)
{
	return read_file(testdata_path(rel));
}

void
write_file(const char *path, const struct tbuf *b)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		fail_msg("cannot create %s", path);
	assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

struct tbuf
unbase64(const unsigned char *p, size_t len)
{
	struct tbuf txt, out;
	size_t i, olen = 0;

	txt.p = malloc(len + 1);
	assert_non_null(txt.p);
	txt.len = 0;
	for (i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			txt.p[txt.len++] = p[i];
	out.p = malloc(txt.len + 1);
	assert_non_null(out.p);
	assert_int_equal(mbedtls_base64_decode(out.p, txt.len + 1, &olen, txt.p, txt.len), 0);
	out.len = olen;
	tbuf_free(&txt);
	return out;
}

/* splitmix64: deterministic and good enough for test keys. */
int
test_rng(void *ctx, unsigned char *out, size_t len)
{
	uint64_t *s = ctx, z = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0) {
			z = (*s += 0x9e3779b97f4a7c15ULL);
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
			z ^= z >> 31;
		}
		out[i] = (unsigned char)(z >> (8 * (i % 8)));
	}
	return 0;
}

static uint64_t sign_rng_state = 42;

void
test_key(mbedtls_pk_context *pk, unsigned seed)
{
	uint64_t state = seed;

	mbedtls_pk_init(pk);
	assert_int_equal(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
	assert_int_equal(mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), test_rng, &state, 2048, 65537), 0);
}

void
test_ec_key(mbedtls_pk_context *pk, unsigned seed)
{
	uint64_t state = seed;

	mbedtls_pk_init(pk);
	assert_int_equal(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
	    test_rng, &state), 0);
}

struct tbuf
make_cert(const struct cert_spec *s)
{
	/* sbgp-autonomousSysNum = { asnum inherit } */
	static const unsigned char as_inherit[] = { 0x30, 0x04, 0xa0, 0x02, 0x05, 0x00 };
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	unsigned char buf[4096];
	int n;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	assert_int_equal(mbedtls_mpi_lset(&serial, s->serial), 0);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &serial), 0);
	assert_int_equal(mbedtls_x509write_crt_set_validity(&w, s->not_before, s->not_after), 0);
	assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, s->subject), 0);
	assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, s->issuer), 0);
	mbedtls_x509write_crt_set_subject_key(&w, s->key);
	mbedtls_x509write_crt_set_issuer_key(&w, s->issuer_key);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&w, s->ca ? 1 : 0, -1), 0);
	assert_int_equal(mbedtls_x509write_crt_set_key_usage(&w, s->ca ?
	    MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN :
	    MBEDTLS_X509_KU_DIGITAL_SIGNATURE), 0);
	if (!s->no_ski)
		assert_int_equal(mbedtls_x509write_crt_set_subject_key_identifier(&w), 0);
	if (!s->no_aki)
		assert_int_equal(mbedtls_x509write_crt_set_authority_key_identifier(&w), 0);
	if (s->rfc3779)
		assert_int_equal(mbedtls_x509write_crt_set_extension(&w,
		    "\x2b\x06\x01\x05\x05\x07\x01\x08", 8, 1, as_inherit, sizeof(as_inherit)), 0);
	n = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), test_rng, &sign_rng_state);
	assert_true(n > 0);
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&serial);
	return tbuf_dup(buf + sizeof(buf) - n, (size_t)n);
}

/* Extension ::= SEQUENCE { extnID, extnValue OCTET STRING } (not critical). */
static struct tbuf
ext(const char *o, size_t olen, struct tbuf value)
{
	struct tbuf parts[2] = { oid(o, olen), wrapf(MBEDTLS_ASN1_OCTET_STRING, value) };

	return wrapf(0x30, catf(parts, 2));
}

struct tbuf
make_crl(const struct crl_spec *s)
{
	unsigned char spki[1024], keyid[20], hash[32], sig[1024];
	struct tbuf parts[8], aki, entries, tbs;
	size_t i, n = 0, sig_len = 0;
	int klen;

	/* keyIdentifier: SHA-1 of the issuer's SubjectPublicKeyInfo (any stable value will do). */
	klen = mbedtls_pk_write_pubkey_der(s->issuer_key, spki, sizeof(spki));
	assert_true(klen > 0);
	assert_int_equal(mbedtls_sha1_ret(spki + sizeof(spki) - klen, (size_t)klen, keyid), 0);

	parts[n++] = int_der(1);                                   /* v2 */
	parts[n++] = alg(CMS_OID_SHA256_RSA, 9, 1);
	parts[n++] = raw(s->issuer_der, s->issuer_len);
	parts[n++] = utc_time(s->this_update, false);
	if (s->next_update != 0)
		parts[n++] = utc_time(s->next_update, false);
	if (s->n_revoked > 0) {
		struct tbuf *es = calloc(s->n_revoked, sizeof(*es));
		assert_non_null(es);
		for (i = 0; i < s->n_revoked; i++) {
			struct tbuf e[3] = { int_der(s->revoked[i]), utc_time(s->this_update, false),
			    { NULL, 0 } };
			if (s->entry_reason) {
				/* reasonCode ::= ENUMERATED keyCompromise(1) */
				static const unsigned char reason[] = { 0x0a, 0x01, 0x01 };
				e[2] = wrapf(0x30, ext("\x55\x1d\x15", 3, raw(reason, 3)));
			}
			es[i] = wrapf(0x30, catf(e, 3));
		}
		entries = wrapf(0x30, catf(es, s->n_revoked));
		free(es);
		parts[n++] = entries;
	}
	{
		struct tbuf a[3] = { wrapf(0x80, raw(keyid, 20)), { NULL, 0 }, { NULL, 0 } };
		struct tbuf exts[3] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
		if (s->aki_full) {
			/* authorityCertIssuer [1] { directoryName [4] Name }, serial [2] */
			static const unsigned char one = 1;
			a[1] = wrapf(0xa1, wrapf(0xa4, raw(s->issuer_der, s->issuer_len)));
			a[2] = wrapf(0x82, raw(&one, 1));
		}
		aki = wrapf(0x30, catf(a, 3));
		exts[0] = ext("\x55\x1d\x23", 3, aki);
		exts[1] = ext("\x55\x1d\x14", 3, int_der(1));           /* CRL Number */
		if (s->critical_idp) {
			/* issuingDistributionPoint { onlyContainsUserCerts TRUE }, critical */
			static const unsigned char idp[] = { 0x30, 0x03, 0x81, 0x01, 0xff };
			static const unsigned char crit[] = { 0x01, 0x01, 0xff };
			struct tbuf e[3] = { OIDT("\x55\x1d\x1c"), raw(crit, 3),
			    wrapf(MBEDTLS_ASN1_OCTET_STRING, raw(idp, sizeof(idp))) };
			exts[2] = wrapf(0x30, catf(e, 3));
		}
		parts[n++] = wrapf(0xa0, wrapf(0x30, catf(exts, 3)));
	}
	tbs = wrapf(0x30, catf(parts, n));

	assert_int_equal(mbedtls_sha256_ret(tbs.p, tbs.len, hash, 0), 0);
	assert_int_equal(mbedtls_pk_sign(s->issuer_key, MBEDTLS_MD_SHA256, hash, 32, sig, &sig_len,
	    test_rng, &sign_rng_state), 0);
	{
		unsigned char bits[1025];
		struct tbuf c[3];
		bits[0] = 0;
		memcpy(bits + 1, sig, sig_len);
		c[0] = tbs;
		c[1] = alg(CMS_OID_SHA256_RSA, 9, 1);
		c[2] = wrapf(MBEDTLS_ASN1_BIT_STRING, raw(bits, sig_len + 1));
		return wrapf(0x30, catf(c, 3));
	}
}

int
sw_sign(void *ctx, const unsigned char *tbs, size_t tbs_len, const unsigned char sha256[32],
        unsigned char *sig, size_t sig_size, size_t *sig_len)
{
	mbedtls_pk_context *pk = ctx;

	(void)tbs;
	(void)tbs_len;
	if (sig_size < mbedtls_pk_get_len(pk))
		return -1;
	return mbedtls_pk_sign(pk, MBEDTLS_MD_SHA256, sha256, 32, sig, sig_len,
	    test_rng, &sign_rng_state);
}

/* One signed attribute. */
static struct tbuf
attr(const char *o, size_t olen, struct tbuf value, bool two_values)
{
	struct tbuf vals, parts[2];

	if (two_values) {
		struct tbuf v2[2] = { value, tbuf_dup(value.p, value.len) };
		vals = catf(v2, 2);
	} else {
		vals = value;
	}
	parts[0] = oid(o, olen);
	parts[1] = wrapf(0x31, vals);
	return wrapf(0x30, catf(parts, 2));
}

static int
der_cmp(const void *a, const void *b)
{
	const struct tbuf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static struct tbuf
signer_info(const struct bld *b, const struct tbuf *digest_alg)
{
	struct tbuf attrs[8], set, parts[7], sigalg, sid;
	unsigned char md[32], hash[32], sig[1024];
	size_t n = 0, sig_len = 0, i;

	assert_int_equal(mbedtls_sha256_ret(b->xml, b->xml_len, md, 0), 0);
	if (b->md_wrong)
		md[0] ^= 1;
	if (!b->omit_ct)
		attrs[n++] = b->ct_wrong ?
		    attr(CMS_OID_ATTR_CT, 9, OIDT(OID_DATA), false) :
		    attr(CMS_OID_ATTR_CT, 9, OIDT(CMS_OID_CT_XML), false);
	if (!b->omit_md)
		attrs[n++] = attr(CMS_OID_ATTR_DIGEST, 9,
		    wrapf(MBEDTLS_ASN1_OCTET_STRING, raw(md, b->md_short ? 20 : 32)), false);
	if (!b->omit_time) {
		struct tbuf t = utc_time(b->signing_time, b->time_generalized);
		if (b->time_bad)
			memcpy(t.p + 2, "991332000000Z", 13);
		attrs[n++] = attr(CMS_OID_ATTR_TIME, 9, t, b->time_two_values);
		if (b->time_twice)
			attrs[n++] = attr(CMS_OID_ATTR_TIME, 9,
			    utc_time(b->signing_time, b->time_generalized), false);
	}
	if (b->bst)
		attrs[n++] = attr(CMS_OID_ATTR_BST, 11,
		    int_der((long)b->signing_time + b->bst_delta), false);
	if (b->extra_attr) {
		struct tbuf cap = wrapf(0x30, wrapf(0x30, OIDT(OID_AES256)));
		attrs[n++] = attr(OID_SMIMECAP, 9, cap, false);
	}
	qsort(attrs, n, sizeof(attrs[0]), der_cmp);
	if (b->unsorted_attrs)
		for (i = 0; i < n / 2; i++) {
			struct tbuf t = attrs[i];
			attrs[i] = attrs[n - 1 - i];
			attrs[n - 1 - i] = t;
		}
	set = wrapf(0x31, catf(attrs, n));

	assert_int_equal(mbedtls_sha256_ret(set.p, set.len, hash, 0), 0);
	assert_int_equal(mbedtls_pk_sign(b->key, MBEDTLS_MD_SHA256, hash, 32, sig, &sig_len,
	    test_rng, &sign_rng_state), 0);
	if (b->sig_corrupt)
		sig[sig_len / 2] ^= 0x10;

	if (b->sid_issuer_serial)
		sid = raw(b->issuer_serial, b->issuer_serial_len);
	else
		sid = wrapf(0x80, raw(b->ski, b->ski_len));
	sigalg = b->sig_oid != NULL ? alg(b->sig_oid, b->sig_oid_len, !b->sig_no_null) :
	    alg(CMS_OID_RSA, 9, !b->sig_no_null);

	n = 0;
	parts[n++] = int_der(b->si_version ? b->si_version : 3);
	parts[n++] = sid;
	parts[n++] = b->si_digest_sha1 ? alg(OID_SHA1, 5, 0) :
	    tbuf_dup(digest_alg->p, digest_alg->len);
	if (!b->no_signed_attrs) {
		set.p[0] = 0xa0;
		parts[n++] = set;
	} else {
		tbuf_free(&set);
	}
	parts[n++] = sigalg;
	parts[n++] = wrapf(MBEDTLS_ASN1_OCTET_STRING, raw(sig, sig_len));
	if (b->unsigned_attrs)
		parts[n++] = wrapf(0xa1, attr(OID_COUNTERSIG, 9, null_der(), false));
	return wrapf(0x30, catf(parts, n));
}

struct tbuf
build_msg(const struct bld *b)
{
	struct tbuf digest_alg, algs[2], econtent, encap[2], sd[6], sis[2], ci[2], out;
	size_t i, n = 0, ns;

	if (b->digest_sha1)
		digest_alg = alg(OID_SHA1, 5, 0);
	else
		digest_alg = alg(CMS_OID_SHA256, 9, b->digest_null_params);

	/* eContent: one primitive OCTET STRING, or (BER) constructed 100-byte chunks. */
	if (b->ber) {
		struct tbuf chunks[64] = { { NULL, 0 } };
		size_t nc = 0, off, l;
		for (off = 0; off < b->xml_len; off += l) {
			l = b->xml_len - off < 100 || nc == 62 ? b->xml_len - off : 100;
			chunks[nc++] = wrapf(0x04, raw(b->xml + off, l));
		}
		econtent = wrapf_indef(0x24, catf(chunks, nc));
		for (l = 0; l < (size_t)b->econtent_nest; l++)
			econtent = wrapf_indef(0x24, econtent);
		econtent = wrapf_indef(0xa0, econtent);
	} else {
		econtent = wrapf(0xa0, wrapf(0x04, raw(b->xml, b->xml_len)));
	}
	encap[0] = b->econtent_oid != NULL ? oid(b->econtent_oid, b->econtent_oid_len) :
	    OIDT(CMS_OID_CT_XML);
	encap[1] = econtent;
	if (b->no_econtent)
		tbuf_free(&encap[1]);

	sd[n++] = int_der(b->sd_version ? b->sd_version : 3);
	algs[0] = b->empty_digest_algs ? (struct tbuf){ NULL, 0 } :
	    tbuf_dup(digest_alg.p, digest_alg.len);
	algs[1] = b->extra_digest_alg ? alg(OID_SHA1, 5, 0) : (struct tbuf){ NULL, 0 };
	sd[n++] = wrapf(0x31, catf(algs, 2));
	sd[n++] = b->ber ? wrapf_indef(0x30, catf(encap, 2)) : wrapf(0x30, catf(encap, 2));
	if (!b->no_certs_field)
		sd[n++] = wrapf(0xa0, tbuf_cat(b->certs, b->n_certs));
	if (!b->no_crls_field)
		sd[n++] = wrapf(0xa1, tbuf_cat(b->crls, b->n_crls));
	ns = b->n_signers ? (size_t)b->n_signers : 1;
	assert_true(ns <= 2);
	for (i = 0; i < ns; i++)
		sis[i] = signer_info(b, &digest_alg);
	sd[n++] = wrapf(0x31, catf(sis, ns));
	tbuf_free(&digest_alg);

	if (b->ber_nonminimal) {
		struct tbuf c = catf(sd, n);
		unsigned char h[6] = { 0x30, 0x84, (unsigned char)(c.len >> 24),
		    (unsigned char)(c.len >> 16), (unsigned char)(c.len >> 8), (unsigned char)c.len };
		struct tbuf p2[2] = { raw(h, 6), c };
		ci[1] = wrapf(0xa0, catf(p2, 2));
	} else if (b->ber) {
		ci[1] = wrapf_indef(0xa0, wrapf_indef(0x30, catf(sd, n)));
	} else {
		ci[1] = wrapf(0xa0, wrapf(0x30, catf(sd, n)));
	}
	ci[0] = b->content_type_oid != NULL ? oid(b->content_type_oid, b->content_type_oid_len) :
	    OIDT(CMS_OID_SIGNED_DATA);
	out = b->ber ? wrapf_indef(0x30, catf(ci, 2)) : wrapf(0x30, catf(ci, 2));
	if (b->trailing > 0) {
		struct tbuf t[2] = { out, { calloc(1, b->trailing), b->trailing } };
		assert_non_null(t[1].p);
		out = catf(t, 2);
	}
	return out;
}

/* End of the TLV at p (definite or indefinite), or NULL. */
static const unsigned char *
skip_tlv(const unsigned char *p, const unsigned char *end, int depth)
{
	size_t len, n, i;

	if (depth > 32 || end - p < 2)
		return NULL;
	p++;
	if (*p == 0x80) {
		p++;
		while (end - p >= 2 && !(p[0] == 0 && p[1] == 0))
			if ((p = skip_tlv(p, end, depth + 1)) == NULL)
				return NULL;
		return end - p >= 2 ? p + 2 : NULL;
	}
	if (*p < 0x80) {
		len = *p++;
	} else {
		n = *p++ & 0x7f;
		if (n > 4 || (size_t)(end - p) < n)
			return NULL;
		for (len = 0, i = 0; i < n; i++)
			len = len << 8 | *p++;
	}
	return (size_t)(end - p) >= len ? p + len : NULL;
}

/* Header of the TLV at p: its size, content start, and indefinite flag. */
static const unsigned char *
content_of(const unsigned char *p, bool *indef)
{
	*indef = p[1] == 0x80;
	if (p[1] < 0x80 || p[1] == 0x80)
		return p + 2;
	return p + 2 + (p[1] & 0x7f);
}

/* Re-wrap new content in the header style (definite / indefinite) of the TLV at p. */
static struct tbuf
rewrap(const unsigned char *p, struct tbuf content)
{
	bool indef;

	(void)content_of(p, &indef);
	return indef ? wrapf_indef(p[0], content) : wrapf(p[0], content);
}

struct tbuf
splice_crl(const struct tbuf *msg, const struct tbuf *crl)
{
	const unsigned char *end = msg->p + msg->len, *ci = msg->p, *c, *wrap, *sd, *q, *qend;
	struct tbuf parts[3], none = { NULL, 0 };
	bool indef;
	int sets = 0;

	/* ContentInfo -> OID -> [0] -> SignedData */
	c = content_of(ci, &indef);
	if ((wrap = skip_tlv(c, end, 0)) == NULL)
		return none;
	sd = content_of(wrap, &indef);
	q = content_of(sd, &indef);
	if ((qend = skip_tlv(sd, end, 0)) == NULL)
		return none;
	qend -= indef ? 2 : 0;
	/* Find the second SET (signerInfos; the first is digestAlgorithms). */
	while (q < qend) {
		if (*q == 0x31 && ++sets == 2)
			break;
		if (*q == 0xa1)
			return none;          /* already has CRLs */
		if ((q = skip_tlv(q, qend, 0)) == NULL)
			return none;
	}
	if (sets != 2)
		return none;
	{
		const unsigned char *sd_c = content_of(sd, &indef);
		const unsigned char *sis_end = skip_tlv(q, qend, 0);
		struct tbuf sd_new, wrap_new, ci_new, oidpart;
		if (sis_end == NULL)
			return none;
		parts[0] = raw(sd_c, (size_t)(q - sd_c));
		parts[1] = tlv(0xa1, crl);
		parts[2] = raw(q, (size_t)(sis_end - q));
		sd_new = rewrap(sd, catf(parts, 3));
		wrap_new = rewrap(wrap, sd_new);
		oidpart = raw(c, (size_t)(wrap - c));
		{
			struct tbuf p2[2] = { oidpart, wrap_new };
			ci_new = rewrap(ci, catf(p2, 2));
		}
		return ci_new;
	}
}
