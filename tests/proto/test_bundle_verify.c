/*
 * Provisioning bundle verification (bundle_verify): the M-of-N rule over
 * distinct registered operator keys, unknown and duplicate signers, a bad
 * signature from a registered key, the version rule (replay and rollback),
 * tampering after signing, and the table checks. Data-driven: each case
 * names its registered keys, threshold, signers and expected outcome.
 * RSA keys are generated once (slow under ASan).
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
#include <mbedtls/sha256.h>

#include "proto/bundle.h"
#include "proto/bundle/bundle_test.h"

#define T0 ((time_t)1717243200)  /* 2024-06-01T12:00:00Z */

/* Key slots: 0..2 registered in most cases, 3 never registered. */
#define NKEYS   4
#define K_ALT0  10   /* key 0 with another SPKI encoding (no NULL parameters) */
#define K_1024  20   /* RSA-1024 */
#define K_EC    21   /* P-256 */
#define END     -1

static mbedtls_pk_context keys[NKEYS], key1024, eckey;
static struct tb spki[NKEYS], spki_alt0, spki1024, spki_ec;
static unsigned char skis[NKEYS][20];

/* Key 0's SubjectPublicKeyInfo re-encoded with the rsaEncryption parameters absent. */
static struct tb
alt_spki(const struct tb *in)
{
	unsigned char *p = in->p, *end = in->p + in->len;
	size_t len;
	struct tb alg, bits, parts[2];
	static const unsigned char rsa_oid[] = {
		0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
	p += len;                                 /* skip the AlgorithmIdentifier */
	bits = tb_dup(p, (size_t)(end - p));      /* the BIT STRING TLV */
	alg = tb_dup(rsa_oid, sizeof(rsa_oid));
	parts[0] = tb_wrap(0x30, alg);
	parts[1] = bits;
	alg = tb_cat(parts, 2);
	tb_free(&parts[0]);
	tb_free(&parts[1]);
	return tb_wrap(0x30, alg);
}

static int
setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NKEYS; i++) {
		bt_rsa_key(&keys[i], (unsigned)i + 11, 2048);
		spki[i] = bt_spki(&keys[i]);
		bt_ski(&keys[i], skis[i]);
	}
	spki_alt0 = alt_spki(&spki[0]);
	assert_true(spki_alt0.len == spki[0].len - 2);
	bt_rsa_key(&key1024, 98, 1024);
	spki1024 = bt_spki(&key1024);
	bt_ec_key(&eckey, 2);
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
	}
	mbedtls_pk_free(&key1024);
	mbedtls_pk_free(&eckey);
	tb_free(&spki_alt0);
	tb_free(&spki1024);
	tb_free(&spki_ec);
	return 0;
}

static struct bundle_operator
op(int slot)
{
	const struct tb *t = slot == K_ALT0 ? &spki_alt0 : slot == K_1024 ? &spki1024 :
	    slot == K_EC ? &spki_ec : &spki[slot];
	struct bundle_operator o = { t->p, t->len };

	return o;
}

/* Signer flags. */
#define F_FLIP    0x1u   /* signature bit flipped */
#define F_MD      0x2u   /* message-digest of other content */
#define F_LATER   0x4u   /* signed 100 s later (a second signature by the same key) */
#define F_AS1     0x8u   /* sid = key 1's SKI, signed with this key */

struct sgn {
	int key;
	unsigned flags;
	enum bundle_sig_status want;
};

struct vcase {
	const char *name;
	int ops[8];              /* slots, END-terminated */
	unsigned m;
	struct sgn s[6];
	size_t ns;
	long long last;          /* -1: NULL (nothing applied yet) */
	int rc;
	size_t valid, unknown, bad;
};

#define V BUNDLE_SIG_VALID
#define D BUNDLE_SIG_DUPLICATE
#define U BUNDLE_SIG_UNKNOWN
#define B BUNDLE_SIG_BAD
#define BD BUNDLE_SIG_BAD_DIGEST
#define OPS3 { 0, 1, 2, END }

static const struct vcase vcases[] = {
	{ "1-of-1", { 0, END }, 1, { { 0, 0, V } }, 1, 9, 0, 1, 0, 0 },
	{ "1-of-1 unsigned", { 0, END }, 1, { { 0 } }, 0, 9, BUNDLE_ERR_THRESHOLD, 0, 0, 0 },
	{ "1-of-1 first table", { 0, END }, 1, { { 0, 0, V } }, 1, -1, 0, 1, 0, 0 },
	{ "2-of-3 one signer", OPS3, 2, { { 1, 0, V } }, 1, 9, BUNDLE_ERR_THRESHOLD, 1, 0, 0 },
	{ "2-of-3 two signers", OPS3, 2, { { 0, 0, V }, { 2, 0, V } }, 2, 9, 0, 2, 0, 0 },
	{ "2-of-3 three signers", OPS3, 2, { { 0, 0, V }, { 1, 0, V }, { 2, 0, V } }, 3, 9,
	  0, 3, 0, 0 },
	{ "3-of-3 two signers", OPS3, 3, { { 0, 0, V }, { 1, 0, V } }, 2, 9,
	  BUNDLE_ERR_THRESHOLD, 2, 0, 0 },
	{ "3-of-3 three signers", OPS3, 3, { { 0, 0, V }, { 1, 0, V }, { 2, 0, V } }, 3, 9,
	  0, 3, 0, 0 },
	{ "duplicate signer", OPS3, 2, { { 0, 0, V }, { 0, F_LATER, D } }, 2, 9,
	  BUNDLE_ERR_THRESHOLD, 1, 0, 0 },
	{ "duplicate signer and another", OPS3, 2,
	  { { 0, 0, V }, { 0, F_LATER, D }, { 1, 0, V } }, 3, 9, 0, 2, 0, 0 },
	{ "key registered twice", { 0, 0, 1, END }, 2, { { 0, 0, V } }, 1, 9,
	  BUNDLE_ERR_THRESHOLD, 1, 0, 0 },
	{ "key registered twice, two operators", { 0, 0, 1, END }, 2,
	  { { 0, 0, V }, { 1, 0, V } }, 2, 9, 0, 2, 0, 0 },
	{ "key registered twice, M above distinct", { 0, 0, 1, END }, 3,
	  { { 0, 0, V }, { 1, 0, V } }, 2, 9, BUNDLE_ERR_POLICY, 0, 0, 0 },
	{ "same key, two SPKI encodings", { 0, K_ALT0, 1, END }, 3,
	  { { 0, 0, V }, { 1, 0, V } }, 2, 9, BUNDLE_ERR_POLICY, 0, 0, 0 },
	{ "same key, two SPKI encodings, M=2", { K_ALT0, 0, 1, END }, 2,
	  { { 0, 0, V }, { 1, 0, V } }, 2, 9, 0, 2, 0, 0 },
	{ "unknown signer", OPS3, 2, { { 0, 0, V }, { 3, 0, U } }, 2, 9,
	  BUNDLE_ERR_THRESHOLD, 1, 1, 0 },
	{ "unknown signer, enough others", OPS3, 2, { { 0, 0, V }, { 1, 0, V }, { 3, 0, U } },
	  3, 9, 0, 2, 1, 0 },
	{ "unregistered only", OPS3, 1, { { 3, 0, U } }, 1, 9, BUNDLE_ERR_THRESHOLD, 0, 1, 0 },
	{ "bad signature, registered key", OPS3, 2,
	  { { 0, 0, V }, { 1, 0, V }, { 2, F_FLIP, B } }, 3, 9, BUNDLE_ERR_SIGNATURE, 2, 0, 1 },
	{ "bad signature, registered key alone", { 0, END }, 1, { { 0, F_FLIP, B } }, 1, 9,
	  BUNDLE_ERR_SIGNATURE, 0, 0, 1 },
	{ "bad signature, unknown key", OPS3, 2,
	  { { 0, 0, V }, { 1, 0, V }, { 3, F_FLIP, U } }, 3, 9, 0, 2, 1, 0 },
	{ "wrong digest, registered key", OPS3, 2,
	  { { 0, 0, V }, { 1, 0, V }, { 2, F_MD, BD } }, 3, 9, BUNDLE_ERR_DIGEST_MISMATCH,
	  2, 0, 1 },
	{ "wrong digest, unknown key", OPS3, 2,
	  { { 0, 0, V }, { 1, 0, V }, { 3, F_MD, U } }, 3, 9, 0, 2, 1, 0 },
	{ "registered sid, other key's signature", OPS3, 2,
	  { { 0, 0, V }, { 2, 0, V }, { 3, F_AS1, B } }, 3, 9, BUNDLE_ERR_SIGNATURE, 2, 0, 1 },
	{ "threshold 0", OPS3, 0, { { 0, 0, V } }, 1, 9, BUNDLE_ERR_POLICY, 0, 0, 0 },
	{ "threshold above N", OPS3, 4, { { 0, 0, V } }, 1, 9, BUNDLE_ERR_POLICY, 0, 0, 0 },
	{ "no operators", { END }, 1, { { 0, 0, V } }, 1, 9, BUNDLE_ERR_POLICY, 0, 0, 0 },
	{ "RSA-1024 operator", { 0, K_1024, END }, 1, { { 0, 0, V } }, 1, 9,
	  BUNDLE_ERR_OPERATOR_KEY, 0, 0, 0 },
	{ "EC operator", { K_EC, 0, END }, 1, { { 0, 0, V } }, 1, 9, BUNDLE_ERR_OPERATOR_KEY,
	  0, 0, 0 },
	/* The version rule: replay and rollback. */
	{ "version above last", { 0, END }, 1, { { 0, 0, V } }, 1, 9, 0, 1, 0, 0 },
	{ "version equal to last (replay)", { 0, END }, 1, { { 0, 0, V } }, 1, 10,
	  BUNDLE_ERR_STALE, 1, 0, 0 },
	{ "version below last (rollback)", { 0, END }, 1, { { 0, 0, V } }, 1, 11,
	  BUNDLE_ERR_STALE, 1, 0, 0 },
	{ "stale and unsigned: signatures first", { 0, END }, 1, { { 0 } }, 0, 11,
	  BUNDLE_ERR_THRESHOLD, 0, 0, 0 },
	{ "stale and a bad signature", OPS3, 1, { { 0, F_FLIP, B } }, 1, 11,
	  BUNDLE_ERR_SIGNATURE, 0, 0, 1 },
};

/* Sign bt_table(10) (version 10) per the case. */
static struct tb
build_case(const struct vcase *c, uint64_t version, const char *table)
{
	struct bs bs[6];
	size_t i;

	memset(bs, 0, sizeof(bs));
	for (i = 0; i < c->ns; i++) {
		bs[i].key = &keys[c->s[i].key];
		bs[i].signing_time = T0 + (c->s[i].flags & F_LATER ? 100 : 0);
		bs[i].sig_flip = (c->s[i].flags & F_FLIP) != 0;
		bs[i].md_wrong = (c->s[i].flags & F_MD) != 0;
		if (c->s[i].flags & F_AS1) {
			bs[i].ski = skis[1];
			bs[i].ski_len = 20;
		}
	}
	{
		struct bb k = { .table = table, .version = version, .created = T0,
		    .signers = bs, .nsigners = c->ns };
		return bt_build(&k, NULL);
	}
}

static void
run_case(const struct vcase *c)
{
	struct bundle_operator ops[8];
	struct bundle_result r;
	struct bundle b;
	struct tb der = build_case(c, 10, bt_table(10));
	uint64_t last = (uint64_t)c->last;
	size_t n = 0, i, j;
	int rc;

	while (c->ops[n] != END) {
		ops[n] = op(c->ops[n]);
		n++;
	}
	bundle_init(&b);
	assert_int_equal(bundle_decode(&b, der.p, der.len), 0);
	bundle_result_init(&r);
	rc = bundle_verify(&b, ops, n, c->m, c->last < 0 ? NULL : &last, &r);
	if (rc != c->rc)
		fail_msg("%s: %d (%s), want %d (%s)", c->name, rc, bundle_strerror(rc), c->rc,
		    bundle_strerror(c->rc));
	assert_int_equal(r.nsigs, c->ns);
	if (rc != BUNDLE_ERR_POLICY && rc != BUNDLE_ERR_OPERATOR_KEY) {
		if (r.valid_operators != c->valid || r.unknown != c->unknown || r.bad != c->bad)
			fail_msg("%s: valid %zu unknown %zu bad %zu, want %zu %zu %zu", c->name,
			    r.valid_operators, r.unknown, r.bad, c->valid, c->unknown, c->bad);
		/* Each signer's status, matched by sid and signing time. */
		for (i = 0; i < c->ns; i++) {
			const unsigned char *ski = c->s[i].flags & F_AS1 ? skis[1] :
			    skis[c->s[i].key];
			time_t t = T0 + (c->s[i].flags & F_LATER ? 100 : 0);
			for (j = 0; j < r.nsigs; j++)
				if (r.sigs[j].ski_len == 20 && memcmp(r.sigs[j].ski, ski, 20) == 0 &&
				    r.sigs[j].signing_time == t)
					break;
			assert_true(j < r.nsigs);
			if (r.sigs[j].status != c->s[i].want)
				fail_msg("%s: signer %zu status %d, want %d", c->name, i,
				    (int)r.sigs[j].status, (int)c->s[i].want);
			/* Who signed: the first registered entry with that key. */
			if (c->s[i].want == V || c->s[i].want == D) {
				size_t k = r.sigs[j].op;
				assert_true(k < n);
				assert_true(c->ops[k] == c->s[i].key ||
				    (c->ops[k] == K_ALT0 && c->s[i].key == 0));
				for (size_t e = 0; e < k; e++)
					assert_false(c->ops[e] == c->ops[k]);
			}
		}
	}
	if (rc == 0) {
		assert_true(r.table.version == 10);
		assert_int_equal(r.table.nchildren, 2);
	} else {
		assert_int_equal(r.table.nchildren, 0);
		assert_null(r.table.children);
	}
	bundle_result_free(&r);
	bundle_free(&b);
	tb_free(&der);
}

static void
test_m_of_n(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++)
		run_case(&vcases[i]);
}

/* More than BUNDLE_MAX_OPERATORS registered keys is a policy error. */
static void
test_too_many_operators(void **state)
{
	static const struct vcase c = { "x", { END }, 1, { { 0, 0, V } }, 1, -1, 0, 1, 0, 0 };
	struct bundle_operator ops[BUNDLE_MAX_OPERATORS + 1];
	struct bundle_result r;
	struct bundle b;
	struct tb der = build_case(&c, 10, bt_table(10));
	size_t i;

	(void)state;
	for (i = 0; i <= BUNDLE_MAX_OPERATORS; i++)
		ops[i] = op((int)(i % 3));
	bundle_init(&b);
	bundle_result_init(&r);
	assert_int_equal(bundle_decode(&b, der.p, der.len), 0);
	/* 64 entries, 3 distinct keys: M = 3 is a valid policy, M = 4 is not. */
	assert_int_equal(bundle_verify(&b, ops, BUNDLE_MAX_OPERATORS, 1, NULL, &r), 0);
	assert_int_equal(r.valid_operators, 1);
	assert_int_equal(r.sigs[0].op, 0);
	assert_int_equal(bundle_verify(&b, ops, BUNDLE_MAX_OPERATORS, 3, NULL, &r),
	    BUNDLE_ERR_THRESHOLD);
	assert_int_equal(bundle_verify(&b, ops, BUNDLE_MAX_OPERATORS, 4, NULL, &r),
	    BUNDLE_ERR_POLICY);
	assert_int_equal(bundle_verify(&b, ops, BUNDLE_MAX_OPERATORS + 1, 1, NULL, &r),
	    BUNDLE_ERR_POLICY);
	/* Arguments. */
	assert_int_equal(bundle_verify(&b, NULL, 1, 1, NULL, &r), BUNDLE_ERR_ARG);
	assert_int_equal(bundle_verify(NULL, ops, 1, 1, NULL, &r), BUNDLE_ERR_ARG);
	assert_int_equal(bundle_verify(&b, ops, 1, 1, NULL, NULL), BUNDLE_ERR_ARG);
	bundle_free(&b);
	assert_int_equal(bundle_verify(&b, ops, 1, 1, NULL, &r), BUNDLE_ERR_ARG);
	bundle_result_free(&r);
	tb_free(&der);
}

/* The version rule at the ends of the range (docs: version must increase). */
static void
test_version_range(void **state)
{
	static const struct {
		uint64_t version;
		bool has_last;
		uint64_t last;
		int rc;
	} v[] = {
		{ 0, false, 0, 0 },                          /* the first table may be 0 */
		{ 0, true, 0, BUNDLE_ERR_STALE },
		{ 1, true, 0, 0 },
		{ UINT64_MAX, true, UINT64_MAX - 1, 0 },
		{ UINT64_MAX, true, UINT64_MAX, BUNDLE_ERR_STALE },
		{ UINT64_MAX - 1, true, UINT64_MAX, BUNDLE_ERR_STALE },
		{ 5, true, UINT64_MAX, BUNDLE_ERR_STALE },
	};
	struct bundle_operator ops[1] = { op(0) };
	struct bs s = { .key = &keys[0], .signing_time = T0 };
	struct bundle_result r;
	struct bundle b;
	size_t i;

	(void)state;
	bundle_init(&b);
	bundle_result_init(&r);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct bb k = { .table = bt_table(v[i].version), .version = v[i].version,
		    .created = T0, .signers = &s, .nsigners = 1 };
		struct tb der = bt_build(&k, NULL);
		int rc;

		assert_int_equal(bundle_decode(&b, der.p, der.len), 0);
		rc = bundle_verify(&b, ops, 1, 1, v[i].has_last ? &v[i].last : NULL, &r);
		if (rc != v[i].rc)
			fail_msg("case %zu: %s", i, bundle_strerror(rc));
		assert_true(r.version == v[i].version);
		if (rc == 0)
			assert_true(r.table.version == v[i].version);
		tb_free(&der);
	}
	bundle_result_free(&r);
	bundle_free(&b);
}

/* Signed by the encoder: 2 of 3 operators over a table with a comment. */
static struct tb
signed_two(uint64_t version, unsigned flags)
{
	const char *t = bt_table(version);
	struct bundle_signer s;
	struct tb u = { 0 }, a = { 0 }, ab = { 0 };

	assert_int_equal(bundle_create(t, strlen(t), version, T0, "abc", flags, &u.p, &u.len,
	    NULL), 0);
	s = (struct bundle_signer){ spki[0].p, spki[0].len, NULL, 0, bt_sign, &keys[0] };
	assert_int_equal(bundle_add_signature(u.p, u.len, &s, T0 + 10, &a.p, &a.len), 0);
	s = (struct bundle_signer){ spki[2].p, spki[2].len, NULL, 0, bt_sign, &keys[2] };
	assert_int_equal(bundle_add_signature(a.p, a.len, &s, T0 + 20, &ab.p, &ab.len), 0);
	tb_free(&u);
	tb_free(&a);
	return ab;
}

static int
verify_der(const struct tb *der, unsigned m, struct bundle_result *r)
{
	struct bundle_operator ops[3] = { op(0), op(1), op(2) };
	uint64_t last = 1;
	struct bundle b;
	int rc;

	bundle_init(&b);
	rc = bundle_decode(&b, der->p, der->len);
	if (rc == 0)
		rc = bundle_verify(&b, ops, 3, m, &last, r);
	bundle_free(&b);
	return rc;
}

/* Success: the table, its digest, the force flag (UD-104), who signed. */
static void
test_success_result(void **state)
{
	struct tb der = signed_two(10, BUNDLE_F_FORCE);
	const char *t = bt_table(10);
	unsigned char md[32];
	struct bundle_result r;
	size_t i, seen = 0;

	(void)state;
	bundle_result_init(&r);
	assert_int_equal(verify_der(&der, 2, &r), 0);
	assert_true(r.version == 10);
	assert_true(r.force);
	assert_int_equal(mbedtls_sha256_ret((const unsigned char *)t, strlen(t), md, 0), 0);
	assert_memory_equal(r.table_sha256, md, 32);
	assert_true(r.table.version == 10);
	assert_non_null(alloc_find_child(&r.table, "isp-a"));
	assert_non_null(alloc_entitlement(&r.table, "isp-b", "DEFAULT"));
	assert_string_equal(r.table.source, "bundle");
	assert_int_equal(r.nsigs, 2);
	for (i = 0; i < r.nsigs; i++) {
		assert_int_equal(r.sigs[i].status, BUNDLE_SIG_VALID);
		assert_true(r.sigs[i].op == 0 || r.sigs[i].op == 2);
		seen |= (size_t)1 << r.sigs[i].op;
		assert_memory_equal(r.sigs[i].ski, skis[r.sigs[i].op], 20);
		assert_true(r.sigs[i].signing_time == T0 + 10 * (time_t)(r.sigs[i].op / 2 + 1));
	}
	assert_int_equal(seen, 5);
	/* 3 of 3 is not met; the result still says who signed. */
	assert_int_equal(verify_der(&der, 3, &r), BUNDLE_ERR_THRESHOLD);
	assert_int_equal(r.valid_operators, 2);
	assert_null(r.table.children);
	bundle_result_free(&r);
	tb_free(&der);
	/* Without the flag, force is false. */
	der = signed_two(10, 0);
	assert_int_equal(verify_der(&der, 2, &r), 0);
	assert_false(r.force);
	bundle_result_free(&r);
	tb_free(&der);
}

/* The first occurrence of needle in [hay, hay+len), or NULL. */
static unsigned char *
find(const unsigned char *hay, size_t len, const void *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return (unsigned char *)hay + i;
	return NULL;
}

/* One byte changed after signing: in the table, header, signed attributes, signature. */
static void
test_tampered(void **state)
{
	struct tb der = signed_two(10, 0);
	struct bundle b;
	size_t table_off, table_len, comment_off, created_off, sig_off, time_off, k;
	struct bundle_result r;
	static const char *const marks[] = { "as=64496", "192.0.2.0/25", "isp-b", "version 10" };

	(void)state;
	bundle_init(&b);
	bundle_result_init(&r);
	assert_int_equal(bundle_decode(&b, der.p, der.len), 0);
	table_off = (size_t)(b.table.p - b.der);
	table_len = b.table.len;
	comment_off = (size_t)(find(b.der, b.der_len, "abc", 3) - b.der);
	created_off = (size_t)(find(b.der, b.der_len,
	    "20240601120000Z", 15) - b.der);
	sig_off = (size_t)(b.signers[1].sig.p - b.der);
	time_off = (size_t)(find(b.signers[0].attrs.p,
	    b.signers[0].attrs.len, "240601120", 9) - b.der);
	bundle_free(&b);

	/* Every byte of the table, one at a time: the digest no longer matches. */
	for (k = 0; k < table_len; k++) {
		struct tb t = tb_dup(der.p, der.len);
		t.p[table_off + k] ^= 0x01;
		assert_int_equal(verify_der(&t, 1, &r), BUNDLE_ERR_DIGEST_MISMATCH);
		assert_int_equal(r.bad, 2);
		assert_null(r.table.children);
		tb_free(&t);
	}
	/* A grant widened in place (same length). */
	for (k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
		struct tb t = tb_dup(der.p, der.len);
		unsigned char *m = find(t.p + table_off, table_len, marks[k], strlen(marks[k]));
		assert_non_null(m);
		m[strlen(marks[k]) - 1] = m[strlen(marks[k]) - 1] == '1' ? '2' : '1';
		assert_int_equal(verify_der(&t, 1, &r), BUNDLE_ERR_DIGEST_MISMATCH);
		tb_free(&t);
	}
	/* The comment and the creation time are signed too. */
	{
		struct tb t = tb_dup(der.p, der.len);
		t.p[comment_off] = 'x';
		assert_int_equal(verify_der(&t, 1, &r), BUNDLE_ERR_DIGEST_MISMATCH);
		tb_free(&t);
		t = tb_dup(der.p, der.len);
		t.p[created_off + 3] = '5';                 /* 2024 -> 2025 */
		assert_int_equal(verify_der(&t, 1, &r), BUNDLE_ERR_DIGEST_MISMATCH);
		tb_free(&t);
	}
	/* The signing time (a signed attribute) and the signature. */
	{
		struct tb t = tb_dup(der.p, der.len);
		t.p[time_off + 8] ^= 0x01;                  /* minute digit */
		assert_int_equal(verify_der(&t, 1, &r), BUNDLE_ERR_SIGNATURE);
		assert_int_equal(r.bad, 1);
		tb_free(&t);
		t = tb_dup(der.p, der.len);
		t.p[sig_off + 100] ^= 0x80;
		assert_int_equal(verify_der(&t, 1, &r), BUNDLE_ERR_SIGNATURE);
		tb_free(&t);
		t = tb_dup(der.p, der.len);
		t.p[sig_off] ^= 0xff;
		assert_int_equal(verify_der(&t, 1, &r), BUNDLE_ERR_SIGNATURE);
		tb_free(&t);
	}
	/* Untouched, it still verifies. */
	assert_int_equal(verify_der(&der, 2, &r), 0);
	bundle_result_free(&r);
	tb_free(&der);
}

/* A changed table re-signed by an outsider: threshold, and the table is never parsed. */
static void
test_resigned_by_outsider(void **state)
{
	static const char evil[] = "version 11\nclass DEFAULT\nthis is not a table\n";
	struct bs s[2] = { { .key = &keys[3], .signing_time = T0 },
	    { .key = &keys[0], .signing_time = T0, .md_wrong = false } };
	struct bb k = { .table = evil, .version = 11, .created = T0, .signers = s, .nsigners = 1 };
	struct tb der = bt_build(&k, NULL);
	struct bundle_result r;

	(void)state;
	bundle_result_init(&r);
	assert_int_equal(verify_der(&der, 1, &r), BUNDLE_ERR_THRESHOLD);
	assert_int_equal(r.unknown, 1);
	assert_int_equal(r.table_err.code, 0);      /* alloc_parse was not reached */
	tb_free(&der);
	/* Signed by a registered operator, the same text is parsed and refused with its line. */
	k.signers = &s[1];
	der = bt_build(&k, NULL);
	assert_int_equal(verify_der(&der, 1, &r), BUNDLE_ERR_TABLE);
	assert_int_equal(r.table_err.line, 3);
	assert_memory_equal(r.table_err.msg, "bundle:3:", 9);
	assert_null(r.table.children);
	bundle_result_free(&r);
	tb_free(&der);
}

/* Table checks after the signatures: syntax error with its line, version mismatch. */
static void
test_table_checks(void **state)
{
	static const struct {
		const char *name;
		const char *table;
		uint64_t header_version;
		int rc;
		unsigned long line;
	} c[] = {
		{ "ok", "version 12\nclass DEFAULT\n", 12, 0, 0 },
		{ "syntax", "version 12\nclass DEFAULT\nchild isp-a\n\ngrant isp-a DEFAULT as=x "
		  "notafter=2030-01-01T00:00:00Z\n", 12, BUNDLE_ERR_TABLE, 5 },
		{ "unknown-child", "version 12\nclass DEFAULT\ngrant isp-z DEFAULT as=1 "
		  "notafter=2030-01-01T00:00:00Z\n", 12, BUNDLE_ERR_TABLE, 3 },
		{ "no-version", "class DEFAULT\n", 12, BUNDLE_ERR_TABLE, 1 },
		{ "nul-byte", "version 12\nclass DEF\0AULT\n", 12, BUNDLE_ERR_TABLE, 2 },
		{ "header-above-table", "version 12\nclass DEFAULT\n", 13,
		  BUNDLE_ERR_VERSION_MISMATCH, 0 },
		{ "header-below-table", "version 12\nclass DEFAULT\n", 11,
		  BUNDLE_ERR_VERSION_MISMATCH, 0 },
	};
	struct bs s = { .key = &keys[1], .signing_time = T0 };
	struct bundle_result r;
	size_t i;
	int rc;

	(void)state;
	bundle_result_init(&r);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t len = strcmp(c[i].name, "nul-byte") == 0 ? 26 : strlen(c[i].table);
		struct bb k = { .table = c[i].table, .table_len = len,
		    .version = c[i].header_version, .created = T0, .signers = &s, .nsigners = 1 };
		struct tb der = bt_build(&k, NULL);

		rc = verify_der(&der, 1, &r);
		if (rc != c[i].rc)
			fail_msg("%s: %d (%s)", c[i].name, rc, bundle_strerror(rc));
		if (rc == BUNDLE_ERR_TABLE) {
			char prefix[32];
			if (r.table_err.line != c[i].line)
				fail_msg("%s: line %lu (%s)", c[i].name, r.table_err.line,
				    r.table_err.msg);
			snprintf(prefix, sizeof(prefix), "bundle:%lu:", c[i].line);
			assert_memory_equal(r.table_err.msg, prefix, strlen(prefix));
		}
		if (rc != 0)
			assert_null(r.table.classes);
		tb_free(&der);
	}
	bundle_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_m_of_n),
		cmocka_unit_test(test_too_many_operators),
		cmocka_unit_test(test_version_range),
		cmocka_unit_test(test_success_result),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_resigned_by_outsider),
		cmocka_unit_test(test_table_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
