/*
 * Provisioning bundle codec (proto/bundle*.c): create, add signatures,
 * merge, decode. The encoder's output is compared byte for byte with an
 * independent builder (test_bundle_util.c); hostile variants of every
 * field come from that builder with one knob turned; every truncation of
 * valid bundles is decoded from an exactly sized buffer (ASan sees any
 * overread). RSA keys are generated once (slow under ASan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/sha256.h>

#include "proto/bundle.h"
#include "proto/bundle/bundle_test.h"

#define NKEYS 3
#define T0 ((time_t)1717243200)  /* 2024-06-01T12:00:00Z */

static mbedtls_pk_context keys[NKEYS], key1024, eckey;
static struct tb spki[NKEYS], certs[NKEYS], spki1024, spki_ec;

static int
setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NKEYS; i++) {
		bt_rsa_key(&keys[i], (unsigned)i + 1, 2048);
		spki[i] = bt_spki(&keys[i]);
		certs[i] = bt_self_cert(&keys[i], i == 0 ? "op-a" : i == 1 ? "op-b" : "op-c");
	}
	bt_rsa_key(&key1024, 99, 1024);
	spki1024 = bt_spki(&key1024);
	bt_ec_key(&eckey, 1);
	spki_ec = bt_spki(&eckey);
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NKEYS; i++) {
		mbedtls_pk_free(&keys[i]);
		tb_free(&spki[i]);
		tb_free(&certs[i]);
	}
	mbedtls_pk_free(&key1024);
	mbedtls_pk_free(&eckey);
	tb_free(&spki1024);
	tb_free(&spki_ec);
	return 0;
}

static struct bundle_signer
signer(size_t i, bool with_cert)
{
	struct bundle_signer s = {
		.spki = spki[i].p, .spki_len = spki[i].len,
		.cert = with_cert ? certs[i].p : NULL, .cert_len = with_cert ? certs[i].len : 0,
		.sign = bt_sign, .sign_ctx = &keys[i],
	};
	return s;
}

/* bundle_create() of bt_table(version); fails the test on error. */
static struct tb
create(uint64_t version, const char *comment, unsigned flags)
{
	const char *t = bt_table(version);
	struct tb out = { 0 };
	int rc;

	rc = bundle_create(t, strlen(t), version, T0, comment, flags, &out.p, &out.len, NULL);
	if (rc != 0)
		fail_msg("bundle_create: %s", bundle_strerror(rc));
	return out;
}

static struct tb
add(const struct tb *in, size_t key, bool with_cert, time_t when)
{
	struct bundle_signer s = signer(key, with_cert);
	struct tb out = { 0 };
	int rc;

	rc = bundle_add_signature(in->p, in->len, &s, when, &out.p, &out.len);
	if (rc != 0)
		fail_msg("bundle_add_signature: %s", bundle_strerror(rc));
	return out;
}

static void
assert_tb_equal(const struct tb *a, const struct tb *b)
{
	if (a->len != b->len || memcmp(a->p, b->p, a->len) != 0)
		fail_msg("encodings differ (%zu vs %zu bytes)", a->len, b->len);
}

static bool
contains(const struct tb *hay, const unsigned char *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= hay->len; i++)
		if (memcmp(hay->p + i, needle, n) == 0)
			return true;
	return false;
}

/* ---- create ---- */

struct create_case {
	const char *name;
	uint64_t version;
	time_t created;
	const char *comment;
	unsigned flags;
};

static const struct create_case create_cases[] = {
	{ "plain", 7, T0, NULL, 0 },
	{ "comment", 42, T0, "weekly update, ticket #1234", 0 },
	{ "utf8-comment", 43, T0, "R\xc3\xa9seau \xe2\x82\xac \xf0\x9f\x98\x80", 0 },
	/* UD-104: the force flag travels in the signed content. */
	{ "force", 44, T0, NULL, BUNDLE_F_FORCE },
	{ "force-comment", 45, T0, "shrink after audit", BUNDLE_F_FORCE },
	{ "version-0", 0, T0, NULL, 0 },
	{ "version-127", 127, T0, NULL, 0 },
	{ "version-128", 128, T0, NULL, 0 },
	{ "version-max", UINT64_MAX, T0, NULL, 0 },
	{ "created-1950", 3, (time_t)-631152000, NULL, 0 },      /* 1950-01-01 */
	{ "created-2060", 3, (time_t)2840140800, NULL, 0 },      /* 2060-01-01 */
	{ "created-9999", 3, (time_t)253402300799LL, NULL, 0 },  /* 9999-12-31T23:59:59Z */
};

/* Create = the independent builder, and decodes back to the same fields. */
static void
test_create_roundtrip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++) {
		const struct create_case *c = &create_cases[i];
		const char *t = bt_table(c->version);
		struct bb k = { .table = t, .version = c->version, .created = c->created,
		    .comment = c->comment, .force = (c->flags & BUNDLE_F_FORCE) != 0 };
		struct tb got = { 0 }, want;
		struct bundle b;
		int rc;

		rc = bundle_create(t, strlen(t), c->version, c->created, c->comment, c->flags,
		    &got.p, &got.len, NULL);
		if (rc != 0)
			fail_msg("%s: %s", c->name, bundle_strerror(rc));
		want = bt_build(&k, NULL);
		assert_tb_equal(&got, &want);
		bundle_init(&b);
		assert_int_equal(bundle_decode(&b, got.p, got.len), 0);
		assert_true(b.version == c->version);
		assert_true(b.created == c->created);
		assert_int_equal(b.force, (c->flags & BUNDLE_F_FORCE) != 0);
		if (c->comment == NULL)
			assert_null(b.comment);
		else
			assert_string_equal(b.comment, c->comment);
		assert_int_equal(b.table.len, strlen(t));
		assert_memory_equal(b.table.p, t, b.table.len);
		assert_int_equal(b.nsigners, 0);
		assert_int_equal(b.ncerts, 0);
		bundle_free(&b);
		tb_free(&got);
		tb_free(&want);
	}
}

struct create_err {
	const char *name;
	const char *table;       /* NULL: bt_table(version) */
	uint64_t version;
	time_t created;
	const char *comment;
	unsigned flags;
	int rc;
	unsigned long line;      /* alloc error line for BUNDLE_ERR_TABLE */
};

static char long_comment[BUNDLE_MAX_COMMENT + 2];

static const struct create_err create_errs[] = {
	{ "table-syntax", "version 5\nclass DEFAULT\nchild isp-a\ngrunt isp-a\n", 5, T0, NULL, 0,
	  BUNDLE_ERR_TABLE, 4 },
	{ "table-no-version", "class DEFAULT\n", 5, T0, NULL, 0, BUNDLE_ERR_TABLE, 1 },
	{ "version-mismatch", NULL, 6, T0, NULL, 0, BUNDLE_ERR_VERSION_MISMATCH, 0 },
	{ "comment-newline", NULL, 5, T0, "two\nlines", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-tab", NULL, 5, T0, "a\tb", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-del", NULL, 5, T0, "a\x7f", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-bad-utf8", NULL, 5, T0, "\xc3\x28", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-overlong", NULL, 5, T0, "\xc0\xaf", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-surrogate", NULL, 5, T0, "\xed\xa0\x80", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-c1", NULL, 5, T0, "\xc2\x85", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-bidi-override", NULL, 5, T0, "ok \xe2\x80\xae", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-bidi-isolate", NULL, 5, T0, "\xe2\x81\xa6x", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-truncated-utf8", NULL, 5, T0, "abc\xe2\x82", 0, BUNDLE_ERR_COMMENT, 0 },
	{ "comment-too-long", NULL, 5, T0, long_comment, 0, BUNDLE_ERR_TOO_LARGE, 0 },
	{ "bad-flags", NULL, 5, T0, NULL, 0x2, BUNDLE_ERR_ARG, 0 },
	{ "created-1949", NULL, 5, (time_t)-631152001, NULL, 0, BUNDLE_ERR_TIME_RANGE, 0 },
	{ "created-10000", NULL, 5, (time_t)253402300800LL, NULL, 0, BUNDLE_ERR_TIME_RANGE, 0 },
};

static void
test_create_errors(void **state)
{
	struct alloc_error err;
	struct tb out = { 0 };
	size_t i;
	int rc;

	(void)state;
	memset(long_comment, 'x', BUNDLE_MAX_COMMENT + 1);
	for (i = 0; i < sizeof(create_errs) / sizeof(create_errs[0]); i++) {
		const struct create_err *c = &create_errs[i];
		const char *t = c->table != NULL ? c->table : bt_table(5);

		rc = bundle_create(t, strlen(t), c->version, c->created, c->comment, c->flags,
		    &out.p, &out.len, &err);
		if (rc != c->rc)
			fail_msg("%s: %d (%s), want %d (%s)", c->name, rc, bundle_strerror(rc),
			    c->rc, bundle_strerror(c->rc));
		assert_null(out.p);
		if (c->rc == BUNDLE_ERR_TABLE) {
			char prefix[32];
			assert_int_equal(err.line, c->line);
			snprintf(prefix, sizeof(prefix), "bundle:%lu:", c->line);
			assert_memory_equal(err.msg, prefix, strlen(prefix));
		}
	}
	/* The comment limit is inclusive. */
	long_comment[BUNDLE_MAX_COMMENT] = '\0';
	out = create(5, long_comment, 0);
	tb_free(&out);
	/* Arguments. */
	assert_int_equal(bundle_create(NULL, 1, 5, T0, NULL, 0, &out.p, &out.len, NULL),
	    BUNDLE_ERR_ARG);
	assert_int_equal(bundle_create("x", 0, 5, T0, NULL, 0, &out.p, &out.len, NULL),
	    BUNDLE_ERR_ARG);
	assert_int_equal(bundle_create("x", 1, 5, T0, NULL, 0, NULL, &out.len, NULL),
	    BUNDLE_ERR_ARG);
	assert_int_equal(bundle_create("x", BUNDLE_MAX_TABLE + 1, 5, T0, NULL, 0, &out.p,
	    &out.len, NULL), BUNDLE_ERR_TOO_LARGE);
}

/* ---- signatures ---- */

/*
 * 1, 2, 3 operators sign one after the other. Each step keeps the earlier
 * SignerInfos byte for byte, and equals the builder's bundle with the same
 * signers and certificates.
 */
static void
test_add_signatures(void **state)
{
	struct tb cur = create(9, "three operators", 0), next, want;
	struct bs bs[NKEYS];
	struct tb prev_si[NKEYS];
	struct bundle b;
	unsigned char ski[20];
	size_t i, j, nprev = 0;

	(void)state;
	memset(bs, 0, sizeof(bs));
	for (i = 0; i < NKEYS; i++) {
		/* Operator b (i == 1) signs without a certificate. */
		next = add(&cur, i, i != 1, T0 + 60 * (time_t)(i + 1));
		tb_free(&cur);
		cur = next;

		bundle_init(&b);
		assert_int_equal(bundle_decode(&b, cur.p, cur.len), 0);
		assert_int_equal(b.nsigners, i + 1);
		assert_int_equal(b.ncerts, i == 0 ? 1 : i);
		for (j = 0; j < nprev; j++)
			assert_true(contains(&cur, prev_si[j].p, prev_si[j].len));
		for (j = 0; j < nprev; j++)
			tb_free(&prev_si[j]);
		nprev = 0;
		for (j = 0; j < b.nsigners; j++)
			prev_si[nprev++] = tb_dup(b.signers[j].enc.p, b.signers[j].enc.len);
		/* The new one's sid is the key's SKI, and its signing time is ours. */
		bt_ski(&keys[i], ski);
		for (j = 0; j < b.nsigners; j++)
			if (b.signers[j].ski_len == 20 && memcmp(b.signers[j].ski, ski, 20) == 0)
				break;
		assert_true(j < b.nsigners);
		assert_true(b.signers[j].signing_time == T0 + 60 * (time_t)(i + 1));
		bundle_free(&b);

		bs[i].key = &keys[i];
		bs[i].signing_time = T0 + 60 * (time_t)(i + 1);
		{
			struct tb cs[2] = { certs[0], certs[2] };
			struct bb k = { .table = bt_table(9), .version = 9, .created = T0,
			    .comment = "three operators", .signers = bs, .nsigners = i + 1,
			    .certs = cs, .ncerts = i == 0 ? 1 : i };
			want = bt_build(&k, NULL);
		}
		assert_tb_equal(&cur, &want);
		tb_free(&want);
	}
	for (j = 0; j < nprev; j++)
		tb_free(&prev_si[j]);
	tb_free(&cur);
}

/* A signing time in the GeneralizedTime years (RFC 5652 11.3) round-trips. */
static void
test_signing_time_2050(void **state)
{
	struct tb u = create(3, NULL, 0), s, want;
	struct bs bs = { .key = &keys[0], .signing_time = (time_t)2556144000LL }; /* 2051-01-01 */
	struct bb k = { .table = bt_table(3), .version = 3, .created = T0, .signers = &bs,
	    .nsigners = 1 };
	struct bundle b;

	(void)state;
	s = add(&u, 0, false, bs.signing_time);
	want = bt_build(&k, NULL);
	assert_tb_equal(&s, &want);
	bundle_init(&b);
	assert_int_equal(bundle_decode(&b, s.p, s.len), 0);
	assert_true(b.signers[0].signing_time == bs.signing_time);
	bundle_free(&b);
	tb_free(&u);
	tb_free(&s);
	tb_free(&want);
}

static void
test_add_signature_errors(void **state)
{
	struct tb u = create(3, NULL, 0), one = add(&u, 0, true, T0), out = { 0 }, bad, full;
	struct bundle_signer s;
	unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	struct tb spki_trailing;
	struct bs many[BUNDLE_MAX_SIGNERS];
	unsigned char skis[BUNDLE_MAX_SIGNERS][20];
	size_t i;

	(void)state;
	/* The same key again. */
	s = signer(0, false);
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0 + 1, &out.p, &out.len),
	    BUNDLE_ERR_ALREADY_SIGNED);
	/* A failing token, and a token holding another key. */
	s = signer(1, false);
	s.sign = bt_sign_fail;
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_SIGN);
	s = signer(1, false);
	s.sign_ctx = &keys[2];
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_SIGN_VERIFY);
	/* Operator keys: RSA-1024, EC, junk, trailing bytes, PEM-looking. */
	s = signer(1, false);
	s.spki = spki1024.p;
	s.spki_len = spki1024.len;
	s.sign_ctx = &key1024;
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_OPERATOR_KEY);
	s.spki = spki_ec.p;
	s.spki_len = spki_ec.len;
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_OPERATOR_KEY);
	s.spki = junk;
	s.spki_len = sizeof(junk);
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_OPERATOR_KEY);
	{
		struct tb parts[2] = { spki[1], { (unsigned char *)"\0", 1 } };
		spki_trailing = tb_cat(parts, 2);
	}
	s = signer(1, false);
	s.spki = spki_trailing.p;
	s.spki_len = spki_trailing.len;
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_OPERATOR_KEY);
	tb_free(&spki_trailing);
	/* A certificate for another key, and junk as a certificate. */
	s = signer(1, false);
	s.cert = certs[2].p;
	s.cert_len = certs[2].len;
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_CERT_MISMATCH);
	s.cert = junk;
	s.cert_len = sizeof(junk);
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_CERT_MISMATCH);
	s.cert_len = 0;
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_ARG);
	/* Signing times outside 1950..9999. */
	s = signer(1, false);
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, (time_t)253402300800LL, &out.p,
	    &out.len), BUNDLE_ERR_TIME_RANGE);
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, (time_t)-631152001, &out.p,
	    &out.len), BUNDLE_ERR_TIME_RANGE);
	/* A malformed bundle: the decoder's error. */
	bad = tb_dup(one.p, one.len - 1);
	assert_int_equal(bundle_add_signature(bad.p, bad.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_ASN1);
	tb_free(&bad);
	/* Already BUNDLE_MAX_SIGNERS SignerInfos (unknown sids). */
	memset(many, 0, sizeof(many));
	for (i = 0; i < BUNDLE_MAX_SIGNERS; i++) {
		memset(skis[i], (int)i + 1, 20);
		many[i].key = &keys[2];
		many[i].ski = skis[i];
		many[i].ski_len = 20;
		many[i].signing_time = T0;
	}
	{
		struct bb k = { .table = bt_table(3), .version = 3, .created = T0, .signers = many,
		    .nsigners = BUNDLE_MAX_SIGNERS };
		full = bt_build(&k, NULL);
	}
	s = signer(1, false);
	assert_int_equal(bundle_add_signature(full.p, full.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_SIGNER_COUNT);
	tb_free(&full);
	assert_null(out.p);
	/* Arguments. */
	assert_int_equal(bundle_add_signature(NULL, 1, &s, T0, &out.p, &out.len), BUNDLE_ERR_ARG);
	assert_int_equal(bundle_add_signature(one.p, one.len, NULL, T0, &out.p, &out.len),
	    BUNDLE_ERR_ARG);
	s.sign = NULL;
	assert_int_equal(bundle_add_signature(one.p, one.len, &s, T0, &out.p, &out.len),
	    BUNDLE_ERR_ARG);
	tb_free(&u);
	tb_free(&one);
}

/* Air gap: two copies signed apart, merged, equal the bundle signed in turn. */
static void
test_merge(void **state)
{
	struct tb u = create(11, "merge", 0), a = add(&u, 0, true, T0 + 1),
	    b = add(&u, 1, true, T0 + 2), ab = add(&a, 1, true, T0 + 2), m = { 0 }, m2 = { 0 },
	    a2 = add(&u, 0, false, T0 + 5), other = create(12, NULL, 0);
	struct bundle d;

	(void)state;
	assert_int_equal(bundle_merge(a.p, a.len, b.p, b.len, &m.p, &m.len), 0);
	assert_tb_equal(&m, &ab);
	tb_free(&m);
	assert_int_equal(bundle_merge(b.p, b.len, a.p, a.len, &m.p, &m.len), 0);
	assert_tb_equal(&m, &ab);
	/* Identical signatures once: merging with itself or a subset changes nothing. */
	assert_int_equal(bundle_merge(m.p, m.len, a.p, a.len, &m2.p, &m2.len), 0);
	assert_tb_equal(&m2, &ab);
	tb_free(&m2);
	assert_int_equal(bundle_merge(u.p, u.len, u.p, u.len, &m2.p, &m2.len), 0);
	assert_tb_equal(&m2, &u);
	tb_free(&m2);
	/* Two different signatures by one key are both kept (verify counts one). */
	assert_int_equal(bundle_merge(a.p, a.len, a2.p, a2.len, &m2.p, &m2.len), 0);
	bundle_init(&d);
	assert_int_equal(bundle_decode(&d, m2.p, m2.len), 0);
	assert_int_equal(d.nsigners, 2);
	assert_int_equal(d.ncerts, 1);
	assert_memory_equal(d.signers[0].ski, d.signers[1].ski, 20);
	bundle_free(&d);
	tb_free(&m2);
	/* Different content. */
	assert_int_equal(bundle_merge(a.p, a.len, other.p, other.len, &m2.p, &m2.len),
	    BUNDLE_ERR_CONTENT_DIFFERS);
	assert_int_equal(bundle_merge(a.p, a.len - 1, b.p, b.len, &m2.p, &m2.len),
	    BUNDLE_ERR_ASN1);
	assert_int_equal(bundle_merge(NULL, 0, b.p, b.len, &m2.p, &m2.len), BUNDLE_ERR_ARG);
	assert_null(m2.p);
	tb_free(&u);
	tb_free(&a);
	tb_free(&b);
	tb_free(&ab);
	tb_free(&m);
	tb_free(&a2);
	tb_free(&other);
}

/* ---- decoding hostile input ---- */

static const unsigned char OID_DATA_C[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
static const unsigned char V_NEG[] = { 0xff };
static const unsigned char V_NONMIN[] = { 0x00, 0x05 };
static const unsigned char V_HUGE[] = { 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
static const unsigned char V_MAX[] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const unsigned char V_EMPTY[] = { 0 };
static const unsigned char SKI65[65] = { 1 };

enum si_knob {
	K_NONE, K_SI_V1, K_SID_IAS, K_SID_EMPTY, K_SID_65, K_SI_SHA1, K_NO_ATTRS, K_NO_CT,
	K_NO_MD, K_NO_TIME, K_DUP_TIME, K_TWO_VALUES, K_EXTRA_ATTR, K_CT_DATA, K_MD_SHORT,
	K_MD_WRONG, K_TIME_BAD, K_TIME_GEN_2024, K_TIME_UTC_2050, K_TIME_NO_Z, K_TIME_FEB30,
	K_ATTRS_UNSORTED, K_SIG_SHA256RSA, K_SIG_PSS, K_SIG_NO_NULL, K_UNSIGNED, K_SIG_EMPTY,
	K_SIGNER_TWICE_UNSORTED, K_17_SIGNERS,
};

struct hostile {
	const char *name;
	struct bb k;             /* table/version/created/signers filled in by the test */
	enum si_knob si;
	int rc;
};

static const struct hostile hostiles[] = {
	{ "base", { 0 }, K_NONE, 0 },
	{ "trailing", { .trailing = true }, K_NONE, BUNDLE_ERR_TRAILING },
	{ "long-length", { .long_length = true }, K_NONE, BUNDLE_ERR_NOT_DER },
	{ "indefinite", { .indefinite = true }, K_NONE, BUNDLE_ERR_NOT_DER },
	{ "ct-id-data", { .ct_oid = OID_DATA_C, .ct_oid_len = sizeof(OID_DATA_C) }, K_NONE,
	  BUNDLE_ERR_CONTENT_TYPE },
	{ "sd-version-1", { .sd_version = 1 }, K_NONE, BUNDLE_ERR_SD_VERSION },
	{ "sd-version-5", { .sd_version = 5 }, K_NONE, BUNDLE_ERR_SD_VERSION },
	{ "digest-extra", { .digest_extra = true }, K_NONE, BUNDLE_ERR_DIGEST_ALGS },
	{ "digest-empty", { .digest_empty = true }, K_NONE, BUNDLE_ERR_DIGEST_ALGS },
	{ "digest-sha1", { .digest_sha1 = true }, K_NONE, BUNDLE_ERR_DIGEST_ALGS },
	{ "digest-null-params", { .digest_null = true }, K_NONE, 0 },
	{ "econtent-id-data", { .econtent_oid = OID_DATA_C, .econtent_oid_len = sizeof(OID_DATA_C) },
	  K_NONE, BUNDLE_ERR_ECONTENT_TYPE },
	{ "no-econtent", { .no_econtent = true }, K_NONE, BUNDLE_ERR_NO_ECONTENT },
	{ "econtent-constructed", { .econtent_constructed = true }, K_NONE, BUNDLE_ERR_NOT_DER },
	{ "format-version-2", { .format_version = 2 }, K_NONE, BUNDLE_ERR_FORMAT_VERSION },
	{ "version-negative", { .version_raw = V_NEG, .version_raw_len = 1 }, K_NONE,
	  BUNDLE_ERR_HEADER },
	{ "version-nonminimal", { .version_raw = V_NONMIN, .version_raw_len = 2 }, K_NONE,
	  BUNDLE_ERR_NOT_DER },
	{ "version-2^64", { .version_raw = V_HUGE, .version_raw_len = 9 }, K_NONE,
	  BUNDLE_ERR_HEADER },
	{ "version-empty", { .version_raw = V_EMPTY, .version_raw_len = 0 }, K_NONE,
	  BUNDLE_ERR_ASN1 },
	{ "version-2^64-1", { .version_raw = V_MAX, .version_raw_len = 9 }, K_NONE, 0 },
	{ "created-no-z", { .created_text = "20240601120000" }, K_NONE, BUNDLE_ERR_HEADER },
	{ "created-fraction", { .created_text = "20240601120000.5Z" }, K_NONE, BUNDLE_ERR_HEADER },
	{ "created-feb-30", { .created_text = "20240230120000Z" }, K_NONE, BUNDLE_ERR_HEADER },
	{ "created-1900", { .created_text = "19000101000000Z" }, K_NONE, BUNDLE_ERR_HEADER },
	{ "created-utctime", { .created_text = "240601120000Z", .created_tag = 0x17 }, K_NONE,
	  BUNDLE_ERR_HEADER },
	{ "force-false-explicit", { .force_false = true }, K_NONE, BUNDLE_ERR_NOT_DER },
	{ "force-not-ff", { .force_bad = true }, K_NONE, BUNDLE_ERR_NOT_DER },
	{ "force-true", { .force = true }, K_NONE, 0 },
	{ "comment-empty", { .comment = "" }, K_NONE, BUNDLE_ERR_COMMENT },
	{ "comment-control", { .comment = "a\rb" }, K_NONE, BUNDLE_ERR_COMMENT },
	{ "comment-nul", { .comment = "a\0b", .comment_len = 3 }, K_NONE, BUNDLE_ERR_COMMENT },
	{ "comment-too-long", { .comment = long_comment, .comment_len = BUNDLE_MAX_COMMENT + 1 },
	  K_NONE, BUNDLE_ERR_TOO_LARGE },
	{ "no-table", { .no_table = true }, K_NONE, BUNDLE_ERR_HEADER },
	{ "table-empty", { .table = "", .table_len = 0 }, K_NONE, BUNDLE_ERR_HEADER },
	{ "content-extra", { .content_extra = true }, K_NONE, BUNDLE_ERR_HEADER },
	{ "content-trailing", { .content_trailing = true }, K_NONE, BUNDLE_ERR_HEADER },
	{ "cert-alt-choice", { .cert_alt_choice = true }, K_NONE, BUNDLE_ERR_CERTS },
	{ "certs-unsorted", { .certs_unsorted = true }, K_NONE, BUNDLE_ERR_NOT_DER },
	{ "crls", { .crls = true }, K_NONE, BUNDLE_ERR_CRLS },
	{ "si-version-1", { 0 }, K_SI_V1, BUNDLE_ERR_SI_VERSION },
	{ "sid-issuer-serial", { 0 }, K_SID_IAS, BUNDLE_ERR_SID_TYPE },
	{ "sid-empty", { 0 }, K_SID_EMPTY, BUNDLE_ERR_SID_TYPE },
	{ "sid-65", { 0 }, K_SID_65, BUNDLE_ERR_SID_TYPE },
	{ "si-digest-sha1", { 0 }, K_SI_SHA1, BUNDLE_ERR_SI_DIGEST_ALG },
	{ "no-signed-attrs", { 0 }, K_NO_ATTRS, BUNDLE_ERR_SIGNED_ATTRS },
	{ "no-content-type", { 0 }, K_NO_CT, BUNDLE_ERR_SIGNED_ATTRS },
	{ "no-message-digest", { 0 }, K_NO_MD, BUNDLE_ERR_SIGNED_ATTRS },
	{ "no-signing-time", { 0 }, K_NO_TIME, BUNDLE_ERR_SIGNED_ATTRS },
	{ "signing-time-twice", { 0 }, K_DUP_TIME, BUNDLE_ERR_SIGNED_ATTRS },
	{ "digest-two-values", { 0 }, K_TWO_VALUES, BUNDLE_ERR_SIGNED_ATTRS },
	{ "extra-attribute", { 0 }, K_EXTRA_ATTR, BUNDLE_ERR_SIGNED_ATTRS },
	{ "content-type-id-data", { 0 }, K_CT_DATA, BUNDLE_ERR_CT_ATTR },
	{ "digest-31", { 0 }, K_MD_SHORT, BUNDLE_ERR_SIGNED_ATTRS },
	{ "digest-wrong", { 0 }, K_MD_WRONG, 0 },       /* structure fine: bundle_verify's */
	{ "time-month-13", { 0 }, K_TIME_BAD, BUNDLE_ERR_SIGNING_TIME },
	{ "time-gentime-2024", { 0 }, K_TIME_GEN_2024, BUNDLE_ERR_SIGNING_TIME },
	{ "time-utctime-no-z", { 0 }, K_TIME_NO_Z, BUNDLE_ERR_SIGNING_TIME },
	{ "time-feb-30", { 0 }, K_TIME_FEB30, BUNDLE_ERR_SIGNING_TIME },
	{ "time-utc-2050", { 0 }, K_TIME_UTC_2050, 0 },  /* "50" is 1950 in UTCTime: fine */
	{ "attrs-unsorted", { 0 }, K_ATTRS_UNSORTED, BUNDLE_ERR_NOT_DER },
	{ "sig-sha256WithRSA", { 0 }, K_SIG_SHA256RSA, 0 },
	{ "sig-pss", { 0 }, K_SIG_PSS, BUNDLE_ERR_SIG_ALG },
	{ "sig-rsa-no-null", { 0 }, K_SIG_NO_NULL, BUNDLE_ERR_SIG_ALG },  /* RFC 3370 3.2 */
	{ "unsigned-attrs", { 0 }, K_UNSIGNED, BUNDLE_ERR_UNSIGNED_ATTRS },
	{ "sig-empty", { 0 }, K_SIG_EMPTY, BUNDLE_ERR_ASN1 },
	{ "signers-unsorted", { 0 }, K_SIGNER_TWICE_UNSORTED, BUNDLE_ERR_NOT_DER },
	{ "17-signers", { 0 }, K_17_SIGNERS, BUNDLE_ERR_SIGNER_COUNT },
};

static void
test_decode_hostile(void **state)
{
	static struct bs sis[BUNDLE_MAX_SIGNERS + 1];
	static unsigned char skis[BUNDLE_MAX_SIGNERS + 1][20];
	struct tb two_certs[2] = { certs[0], certs[1] };
	size_t i, j;

	(void)state;
	memset(long_comment, 'x', BUNDLE_MAX_COMMENT + 1);
	for (i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++) {
		const struct hostile *h = &hostiles[i];
		struct bb k = h->k;
		struct bundle b;
		struct tb der;
		int rc;

		if (k.table == NULL)
			k.table = bt_table(5);
		k.version = 5;
		k.created = T0;
		if (h->k.certs_unsorted) {
			k.certs = two_certs;
			k.ncerts = 2;
		}
		memset(sis, 0, sizeof(sis));
		sis[0].key = &keys[0];
		sis[0].signing_time = T0;
		k.signers = sis;
		k.nsigners = 1;
		switch (h->si) {
		case K_NONE: break;
		case K_SI_V1: sis[0].version = 1; break;
		case K_SID_IAS: sis[0].sid_issuer_serial = true; break;
		case K_SID_EMPTY: sis[0].ski = SKI65; sis[0].ski_len = 0; break;
		case K_SID_65: sis[0].ski = SKI65; sis[0].ski_len = 65; break;
		case K_SI_SHA1: sis[0].digest_sha1 = true; break;
		case K_NO_ATTRS: sis[0].no_attrs = true; break;
		case K_NO_CT: sis[0].omit_ct = true; break;
		case K_NO_MD: sis[0].omit_md = true; break;
		case K_NO_TIME: sis[0].omit_time = true; break;
		case K_DUP_TIME: sis[0].dup_time = true; break;
		case K_TWO_VALUES: sis[0].two_values = true; break;
		case K_EXTRA_ATTR: sis[0].extra_attr = true; break;
		case K_CT_DATA: sis[0].ct_id_data = true; break;
		case K_MD_SHORT: sis[0].md_short = true; break;
		case K_MD_WRONG: sis[0].md_wrong = true; break;
		case K_TIME_BAD: sis[0].time_text = "241301120000Z"; break;
		case K_TIME_GEN_2024:
			sis[0].time_text = "20240601120000Z";
			sis[0].time_tag = 0x18;
			break;
		case K_TIME_NO_Z: sis[0].time_text = "2406011200000"; break;
		case K_TIME_FEB30: sis[0].time_text = "240230120000Z"; break;
		case K_TIME_UTC_2050: sis[0].time_text = "500101000000Z"; break;
		case K_ATTRS_UNSORTED: sis[0].attrs_unsorted = true; break;
		case K_SIG_SHA256RSA: sis[0].sig_sha256_rsa = true; break;
		case K_SIG_PSS: sis[0].sig_alg_pss = true; break;
		case K_SIG_NO_NULL: sis[0].sig_alg_no_null = true; break;
		case K_UNSIGNED: sis[0].unsigned_attrs = true; break;
		case K_SIG_EMPTY: sis[0].sig_empty = true; break;
		case K_SIGNER_TWICE_UNSORTED:
			sis[1].key = &keys[1];
			sis[1].signing_time = T0;
			k.nsigners = 2;
			k.signers_unsorted = true;
			{
				/* make sure the given order is not the DER order */
				struct bb k1 = k;
				struct tb d;
				struct bundle t;
				k1.signers_unsorted = false;
				d = bt_build(&k1, NULL);
				bundle_init(&t);
				assert_int_equal(bundle_decode(&t, d.p, d.len), 0);
				bt_ski(&keys[0], skis[0]);
				if (memcmp(t.signers[0].ski, skis[0], 20) == 0) {
					struct bs tmp = sis[0];
					sis[0] = sis[1];
					sis[1] = tmp;
				}
				bundle_free(&t);
				tb_free(&d);
			}
			break;
		case K_17_SIGNERS:
			for (j = 0; j <= BUNDLE_MAX_SIGNERS; j++) {
				memset(skis[j], (int)j + 1, 20);
				sis[j].key = &keys[0];
				sis[j].ski = skis[j];
				sis[j].ski_len = 20;
				sis[j].signing_time = T0;
			}
			k.nsigners = BUNDLE_MAX_SIGNERS + 1;
			break;
		}
		der = bt_build(&k, NULL);
		bundle_init(&b);
		rc = bundle_decode(&b, der.p, der.len);
		if (rc != h->rc)
			fail_msg("%s: %d (%s), want %d (%s)", h->name, rc, bundle_strerror(rc),
			    h->rc, bundle_strerror(h->rc));
		if (rc != 0) {
			/* a failed decode leaves the bundle empty */
			assert_null(b.der);
			assert_null(b.comment);
			assert_int_equal(b.nsigners, 0);
		}
		bundle_free(&b);
		tb_free(&der);
	}
}

/* Certificates: the limits on count and size. */
static void
test_decode_cert_limits(void **state)
{
	struct tb many[BUNDLE_MAX_CERTS + 1], big, der;
	unsigned char fill[BUNDLE_MAX_CERT];
	struct bundle b;
	size_t i;

	(void)state;
	for (i = 0; i <= BUNDLE_MAX_CERTS; i++) {
		unsigned char c[4] = { 0x02, 0x02, 0x01, (unsigned char)i };
		struct tb ct = { c, 4 };
		many[i] = tb_tlv(0x30, &ct);
	}
	{
		struct bb k = { .table = bt_table(5), .version = 5, .created = T0, .certs = many,
		    .ncerts = BUNDLE_MAX_CERTS };
		der = bt_build(&k, NULL);
		bundle_init(&b);
		assert_int_equal(bundle_decode(&b, der.p, der.len), 0);
		assert_int_equal(b.ncerts, BUNDLE_MAX_CERTS);
		bundle_free(&b);
		tb_free(&der);
		k.ncerts = BUNDLE_MAX_CERTS + 1;
		der = bt_build(&k, NULL);
		assert_int_equal(bundle_decode(&b, der.p, der.len), BUNDLE_ERR_CERTS);
		tb_free(&der);
	}
	memset(fill, 0x41, sizeof(fill));
	{
		struct tb c = { fill, BUNDLE_MAX_CERT - 4 };
		big = tb_tlv(0x30, &c);    /* exactly BUNDLE_MAX_CERT octets */
		assert_int_equal(big.len, BUNDLE_MAX_CERT);
	}
	{
		struct bb k = { .table = bt_table(5), .version = 5, .created = T0, .certs = &big,
		    .ncerts = 1 };
		der = bt_build(&k, NULL);
		assert_int_equal(bundle_decode(&b, der.p, der.len), 0);
		bundle_free(&b);
		tb_free(&der);
		tb_free(&big);
		{
			struct tb c = { fill, BUNDLE_MAX_CERT - 3 };
			big = tb_tlv(0x30, &c);
		}
		k.certs = &big;
		der = bt_build(&k, NULL);
		assert_int_equal(bundle_decode(&b, der.p, der.len), BUNDLE_ERR_TOO_LARGE);
		tb_free(&der);
		tb_free(&big);
	}
	for (i = 0; i <= BUNDLE_MAX_CERTS; i++)
		tb_free(&many[i]);
}

/* Raw inputs: empty, oversized, junk, high tag numbers. */
static void
test_decode_raw(void **state)
{
	static const struct {
		const char *name;
		const char *der;
		size_t len;
		int rc;
	} raw[] = {
		{ "one-byte", "\x30", 1, BUNDLE_ERR_ASN1 },
		{ "empty-seq", "\x30\x00", 2, BUNDLE_ERR_ASN1 },
		{ "high-tag", "\x1f\x81\x00\x00", 4, BUNDLE_ERR_ASN1 },
		{ "not-seq", "\x04\x00", 2, BUNDLE_ERR_ASN1 },
		{ "length-5-octets", "\x30\x85\x01\x00\x00\x00\x00", 7, BUNDLE_ERR_ASN1 },
		{ "length-beyond", "\x30\x82\x10\x00\x00", 5, BUNDLE_ERR_ASN1 },
		{ "length-non-minimal", "\x30\x81\x05\x06\x03\x2a\x03\x04", 8, BUNDLE_ERR_NOT_DER },
		{ "wrong-oid", "\x30\x07\x06\x03\x2a\x03\x04\xa0\x00", 9, BUNDLE_ERR_CONTENT_TYPE },
	};
	struct bundle b;
	unsigned char one = 0x30;
	size_t i;
	int rc;

	(void)state;
	bundle_init(&b);
	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		unsigned char *p = malloc(raw[i].len);
		assert_non_null(p);
		memcpy(p, raw[i].der, raw[i].len);
		rc = bundle_decode(&b, p, raw[i].len);
		if (rc != raw[i].rc)
			fail_msg("%s: %d (%s), want %d", raw[i].name, rc, bundle_strerror(rc),
			    raw[i].rc);
		free(p);
	}
	assert_int_equal(bundle_decode(&b, &one, 0), BUNDLE_ERR_ASN1);
	/* Checked before anything is read or copied. */
	assert_int_equal(bundle_decode(&b, &one, (size_t)BUNDLE_MAX_SIZE + 1), BUNDLE_ERR_TOO_LARGE);
	assert_int_equal(bundle_decode(&b, NULL, 1), BUNDLE_ERR_ARG);
	assert_int_equal(bundle_decode(NULL, &one, 1), BUNDLE_ERR_ARG);
	bundle_free(&b);
	bundle_free(NULL);
	bundle_result_free(NULL);
}

/* Every truncation of valid bundles, from an exactly sized buffer. */
static void
test_truncations(void **state)
{
	struct tb u = create(77, "truncate me", BUNDLE_F_FORCE), s1 = add(&u, 0, true, T0),
	    s2 = add(&s1, 1, false, T0 + 1);
	const struct tb *all[] = { &u, &s2 };
	struct bundle b;
	size_t i, n;
	int rc;

	(void)state;
	bundle_init(&b);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		for (n = 0; n <= all[i]->len; n++) {
			unsigned char *p = malloc(n > 0 ? n : 1);
			assert_non_null(p);
			memcpy(p, all[i]->p, n);
			rc = bundle_decode(&b, p, n);
			free(p);
			if (n == all[i]->len)
				assert_int_equal(rc, 0);
			else if (rc == 0)
				fail_msg("bundle %zu: prefix of %zu bytes decoded", i, n);
			else
				assert_null(b.der);
		}
		/* One byte more is trailing. */
		{
			unsigned char *p = malloc(all[i]->len + 1);
			assert_non_null(p);
			memcpy(p, all[i]->p, all[i]->len);
			p[all[i]->len] = 0;
			assert_int_equal(bundle_decode(&b, p, all[i]->len + 1), BUNDLE_ERR_TRAILING);
			free(p);
		}
	}
	bundle_free(&b);
	tb_free(&u);
	tb_free(&s1);
	tb_free(&s2);
}

/* Operator key check and SKI, against a SKI computed apart. */
static void
test_operator_key(void **state)
{
	unsigned char ski[20], want[20];
	mbedtls_pk_context pk;
	size_t i;

	(void)state;
	for (i = 0; i < NKEYS; i++) {
		mbedtls_pk_init(&pk);
		assert_int_equal(bundle_operator_key(spki[i].p, spki[i].len, &pk, ski), 0);
		bt_ski(&keys[i], want);
		assert_memory_equal(ski, want, 20);
		assert_int_equal(mbedtls_pk_get_bitlen(&pk), 2048);
		mbedtls_pk_free(&pk);
		assert_int_equal(bundle_operator_key(spki[i].p, spki[i].len, NULL, NULL), 0);
		assert_int_equal(bundle_operator_key(spki[i].p, spki[i].len - 1, NULL, NULL),
		    BUNDLE_ERR_OPERATOR_KEY);
	}
	assert_int_equal(bundle_operator_key(spki1024.p, spki1024.len, NULL, ski),
	    BUNDLE_ERR_OPERATOR_KEY);
	assert_int_equal(bundle_operator_key(spki_ec.p, spki_ec.len, NULL, ski),
	    BUNDLE_ERR_OPERATOR_KEY);
	assert_int_equal(bundle_operator_key(NULL, 0, NULL, ski), BUNDLE_ERR_OPERATOR_KEY);
	assert_int_equal(bundle_operator_key(certs[0].p, certs[0].len, NULL, ski),
	    BUNDLE_ERR_OPERATOR_KEY);
}

static void
test_strerror(void **state)
{
	int e;

	(void)state;
	for (e = BUNDLE_ERR_ARG; e >= BUNDLE_ERR_CONTENT_DIFFERS; e--)
		assert_string_not_equal(bundle_strerror(e), "unknown bundle error");
	assert_string_equal(bundle_strerror(-1), "unknown bundle error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_roundtrip),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_add_signatures),
		cmocka_unit_test(test_signing_time_2050),
		cmocka_unit_test(test_add_signature_errors),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_decode_hostile),
		cmocka_unit_test(test_decode_cert_limits),
		cmocka_unit_test(test_decode_raw),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_operator_key),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
