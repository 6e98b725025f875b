/*
 * RFC 6492 CMS codec: encoder round trips, and a negative corpus built at
 * run time with an independent builder (tests/proto/test_cms_util.c), one
 * message per profile rule, each rejected with its own code. The test PKI
 * (RSA keys, certificates, CRLs) is generated once with mbed TLS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/sha256.h>

#include "proto/cms.h"
#include "proto/cms/cms_test.h"

/* "Now" for the tests: 2025-01-15T00:00:00Z. */
#define NOW   ((time_t)1736899200)
#define DAY   86400

static const char XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
    "sender=\"parent\" recipient=\"child\" type=\"list_response\">\n"
    "  <class class_name=\"DEFAULT\" cert_url=\"rsync://example.net/repo/ca.cer\" "
    "resource_set_as=\"64496-64511\" resource_set_ipv4=\"192.0.2.0/24\" "
    "resource_set_ipv6=\"2001:db8::/32\" resource_set_notafter=\"2026-01-01T00:00:00Z\">\n"
    "    <issuer>MIIB</issuer>\n"
    "  </class>\n"
    "</message>\n";

static struct {
	mbedtls_pk_context ta_key, ee_key, other_key, inter_key, ec_key;
	struct tbuf ta, ta_short, other, inter;
	struct tbuf ee, ee_expired, ee_future, ee_ca, ee_noski, ee_noaki, ee_3779, ee_inter, ee_ec;
	struct tbuf crl, crl_revoked, crl_ext, crl_other, crl_badsig, crl_stale, crl_future,
	    crl_nonext, crl_inter, crl_idp;
	struct tbuf issuer_serial;
	struct cms_cert_info ee_info;
} P;

/* Subject DER Name of a certificate, copied. */
static struct tbuf
subject_of(const struct tbuf *cert)
{
	mbedtls_x509_crt c;
	struct tbuf out;

	mbedtls_x509_crt_init(&c);
	assert_int_equal(cms_cert_parse(&c, cert->p, cert->len, NULL), 0);
	out = tbuf_dup(c.subject_raw.p, c.subject_raw.len);
	mbedtls_x509_crt_free(&c);
	return out;
}

static int
setup(void **state)
{
	struct tbuf ta_name, other_name, inter_name, parts[2], ser, seq;
	static const int revoked[] = { 9, 2 }, others[] = { 9, 10 };
	static const unsigned char two[] = { 0x02, 0x01, 0x02 };
	mbedtls_x509_crt c;
	struct crl_spec cs;

	(void)state;
	test_key(&P.ta_key, 1);
	test_key(&P.ee_key, 2);
	test_key(&P.other_key, 3);
	test_key(&P.inter_key, 4);
	test_ec_key(&P.ec_key, 5);

	P.ta = make_cert(&(struct cert_spec){ "CN=Test BPKI TA", "CN=Test BPKI TA", &P.ta_key,
	    &P.ta_key, 1, "20200101000000", "20400101000000", true, false, false, false });
	P.ta_short = make_cert(&(struct cert_spec){ "CN=Test BPKI TA", "CN=Test BPKI TA",
	    &P.ta_key, &P.ta_key, 11, "20200101000000", "20241231000000", true, false, false, false });
	P.other = make_cert(&(struct cert_spec){ "CN=Other CA", "CN=Other CA", &P.other_key,
	    &P.other_key, 1, "20200101000000", "20400101000000", true, false, false, false });
	P.inter = make_cert(&(struct cert_spec){ "CN=Test Intermediate", "CN=Test BPKI TA",
	    &P.inter_key, &P.ta_key, 12, "20200101000000", "20400101000000", true, false, false, false });
	P.ee = make_cert(&(struct cert_spec){ "CN=Test EE", "CN=Test BPKI TA", &P.ee_key,
	    &P.ta_key, 2, "20240101000000", "20300101000000", false, false, false, false });
	P.ee_expired = make_cert(&(struct cert_spec){ "CN=Test EE", "CN=Test BPKI TA", &P.ee_key,
	    &P.ta_key, 3, "20200101000000", "20210101000000", false, false, false, false });
	P.ee_future = make_cert(&(struct cert_spec){ "CN=Test EE", "CN=Test BPKI TA", &P.ee_key,
	    &P.ta_key, 5, "20260101000000", "20300101000000", false, false, false, false });
	P.ee_ca = make_cert(&(struct cert_spec){ "CN=Test EE", "CN=Test BPKI TA", &P.ee_key,
	    &P.ta_key, 6, "20240101000000", "20300101000000", true, false, false, false });
	P.ee_noski = make_cert(&(struct cert_spec){ "CN=Test EE", "CN=Test BPKI TA", &P.ee_key,
	    &P.ta_key, 7, "20240101000000", "20300101000000", false, true, false, false });
	P.ee_noaki = make_cert(&(struct cert_spec){ .subject = "CN=Test EE",
	    .issuer = "CN=Test BPKI TA", .key = &P.ee_key, .issuer_key = &P.ta_key, .serial = 13,
	    .not_before = "20240101000000", .not_after = "20300101000000", .no_aki = true });
	P.ee_ec = make_cert(&(struct cert_spec){ .subject = "CN=Test EE", .issuer = "CN=Test BPKI TA",
	    .key = &P.ec_key, .issuer_key = &P.ta_key, .serial = 14,
	    .not_before = "20240101000000", .not_after = "20300101000000" });
	P.ee_3779 = make_cert(&(struct cert_spec){ "CN=Test EE", "CN=Test BPKI TA", &P.ee_key,
	    &P.ta_key, 8, "20240101000000", "20300101000000", false, false, true, false });
	P.ee_inter = make_cert(&(struct cert_spec){ "CN=Test EE 2", "CN=Test Intermediate",
	    &P.ee_key, &P.inter_key, 2, "20240101000000", "20300101000000", false, false, false, false });

	ta_name = subject_of(&P.ta);
	other_name = subject_of(&P.other);
	inter_name = subject_of(&P.inter);
	memset(&cs, 0, sizeof(cs));
	cs.issuer_der = ta_name.p;
	cs.issuer_len = ta_name.len;
	cs.issuer_key = &P.ta_key;
	cs.this_update = NOW - DAY;
	cs.next_update = NOW + 30 * DAY;
	P.crl = make_crl(&cs);
	cs.critical_idp = true;
	P.crl_idp = make_crl(&cs);
	cs.critical_idp = false;
	cs.revoked = others;
	cs.n_revoked = 2;
	cs.entry_reason = true;
	cs.aki_full = true;
	P.crl_ext = make_crl(&cs);            /* UD-34: extensions, not listing the EE */
	cs.revoked = revoked;
	P.crl_revoked = make_crl(&cs);
	cs.revoked = NULL;
	cs.n_revoked = 0;
	cs.entry_reason = cs.aki_full = false;
	cs.issuer_key = &P.other_key;
	P.crl_badsig = make_crl(&cs);
	cs.issuer_key = &P.ta_key;
	cs.this_update = NOW - 60 * DAY;
	cs.next_update = NOW - 30 * DAY;
	P.crl_stale = make_crl(&cs);
	cs.this_update = NOW + DAY;
	cs.next_update = NOW + 30 * DAY;
	P.crl_future = make_crl(&cs);
	cs.this_update = NOW - DAY;
	cs.next_update = 0;
	P.crl_nonext = make_crl(&cs);
	cs.next_update = NOW + 30 * DAY;
	cs.issuer_der = other_name.p;
	cs.issuer_len = other_name.len;
	cs.issuer_key = &P.other_key;
	P.crl_other = make_crl(&cs);
	cs.issuer_der = inter_name.p;
	cs.issuer_len = inter_name.len;
	cs.issuer_key = &P.inter_key;
	P.crl_inter = make_crl(&cs);

	/* issuerAndSerialNumber of the EE: SEQUENCE { issuer, serial 2 }. */
	parts[0] = ta_name;
	ser = tbuf_dup(two, sizeof(two));
	parts[1] = ser;
	seq = tbuf_cat(parts, 2);
	P.issuer_serial = tlv(0x30, &seq);
	tbuf_free(&seq);
	tbuf_free(&ser);
	tbuf_free(&ta_name);
	tbuf_free(&other_name);
	tbuf_free(&inter_name);

	mbedtls_x509_crt_init(&c);
	assert_int_equal(cms_cert_parse(&c, P.ee.p, P.ee.len, &P.ee_info), 0);
	mbedtls_x509_crt_free(&c);
	assert_int_equal(P.ee_info.ski_len, 20);
	return 0;
}

static int
teardown(void **state)
{
	struct tbuf *all[] = { &P.ta, &P.ta_short, &P.other, &P.inter, &P.ee, &P.ee_expired,
	    &P.ee_future, &P.ee_ca, &P.ee_noski, &P.ee_noaki, &P.ee_3779, &P.ee_inter, &P.ee_ec, &P.crl,
	    &P.crl_revoked,
	    &P.crl_ext, &P.crl_other, &P.crl_badsig, &P.crl_stale, &P.crl_future, &P.crl_nonext,
	    &P.crl_inter, &P.crl_idp, &P.issuer_serial };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		tbuf_free(all[i]);
	mbedtls_pk_free(&P.ta_key);
	mbedtls_pk_free(&P.ee_key);
	mbedtls_pk_free(&P.other_key);
	mbedtls_pk_free(&P.inter_key);
	mbedtls_pk_free(&P.ec_key);
	return 0;
}

static struct cms_signer
default_signer(void)
{
	struct cms_signer s = { P.ee.p, P.ee.len, P.crl.p, P.crl.len, sw_sign, &P.ee_key };

	return s;
}

static struct cms_trust
trust_of(const struct tbuf *ta)
{
	struct cms_trust t = { ta->p, ta->len, NULL, 0 };

	return t;
}

/* A builder set up like cms_sign() with the default signer. */
static struct bld
default_bld(void)
{
	struct bld b;

	memset(&b, 0, sizeof(b));
	b.xml = (const unsigned char *)XML;
	b.xml_len = strlen(XML);
	b.certs = &P.ee;
	b.n_certs = 1;
	b.crls = &P.crl;
	b.n_crls = 1;
	b.ski = P.ee_info.ski;
	b.ski_len = P.ee_info.ski_len;
	b.key = &P.ee_key;
	b.signing_time = NOW - 60;
	return b;
}

/* UD-10..UD-23: our encoder's output decodes strictly (DER only) and verifies. */
static void
test_sign_roundtrip(void **state)
{
	static const struct cms_opts der_only = { .der_only = true };
	struct cms_signer s = default_signer();
	struct cms_trust t = trust_of(&P.ta);
	unsigned char *out = NULL;
	size_t out_len = 0;
	struct cms_msg m;

	(void)state;
	assert_int_equal(cms_sign(&s, (const unsigned char *)XML, strlen(XML), NOW - 60,
	    &out, &out_len), 0);
	cms_msg_init(&m);
	assert_int_equal(cms_decode(&m, out, out_len, &der_only), 0);
	assert_int_equal(m.xml_len, strlen(XML));
	assert_memory_equal(m.xml, XML, strlen(XML));
	assert_true(m.signing_time == NOW - 60);
	assert_true(m.has_signing_time);
	assert_false(m.has_binary_signing_time);
	assert_false(m.ber);
	assert_true(m.has_crl);
	assert_int_equal(m.ski_len, P.ee_info.ski_len);
	assert_memory_equal(m.ski, P.ee_info.ski, m.ski_len);
	assert_int_equal(m.ee.raw.len, P.ee.len);
	assert_memory_equal(m.ee.raw.p, P.ee.p, P.ee.len);
	assert_int_equal(cms_check_signature(&m), 0);
	assert_int_equal(cms_verify(&m, &t, NOW), 0);
	cms_msg_free(&m);
	cms_msg_free(&m);         /* idempotent */
	cms_msg_free(NULL);
	free(out);
}

/*
 * UD-10..UD-24: cms_sign() and the independent builder produce the same
 * bytes (PKCS#1 v1.5 is deterministic), so every field is as the builder
 * writes it: SHA-256 with absent parameters, rsaEncryption with NULL,
 * sorted DER SET OF signedAttrs, exactly one certificate and CRL.
 */
static void
test_sign_matches_builder(void **state)
{
	struct cms_signer s = default_signer();
	struct bld b = default_bld();
	struct tbuf ref = build_msg(&b);
	unsigned char *out = NULL;
	size_t out_len = 0;

	(void)state;
	assert_int_equal(cms_sign(&s, b.xml, b.xml_len, b.signing_time, &out, &out_len), 0);
	assert_int_equal(out_len, ref.len);
	assert_memory_equal(out, ref.p, ref.len);
	free(out);
	tbuf_free(&ref);
}

static bool
contains(const unsigned char *hay, size_t n, const void *needle, size_t k)
{
	size_t i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

/* UD-20: signing-time is UTCTime through 2049, GeneralizedTime from 2050 (RFC 5652 11.3). */
static void
test_sign_time_encoding(void **state)
{
	static const struct {
		time_t t;
		const char *enc;    /* tag, length, text */
	} cases[] = {
		{ NOW - 60, "\x17\x0d" "250114235900Z" },
		{ (time_t)2524607999, "\x17\x0d" "491231235959Z" },
		{ (time_t)2524608000, "\x18\x0f" "20500101000000Z" },
		{ (time_t)-631152000, "\x17\x0d" "500101000000Z" },
		{ (time_t)253402300799, "\x18\x0f" "99991231235959Z" },
	};
	struct cms_signer s = default_signer();
	unsigned char *out;
	size_t out_len, i;
	struct cms_msg m;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = NULL;
		assert_int_equal(cms_sign(&s, (const unsigned char *)XML, strlen(XML), cases[i].t,
		    &out, &out_len), 0);
		assert_true(contains(out, out_len, cases[i].enc, strlen(cases[i].enc)));
		cms_msg_init(&m);
		assert_int_equal(cms_decode(&m, out, out_len, NULL), 0);
		assert_true(m.signing_time == cases[i].t);
		assert_int_equal(cms_check_signature(&m), 0);
		cms_msg_free(&m);
		free(out);
	}
	/* Outside 1950..9999 cannot be encoded. */
	out = NULL;
	assert_int_equal(cms_sign(&s, (const unsigned char *)XML, strlen(XML), (time_t)-631152001,
	    &out, &out_len), CMS_ERR_TIME_RANGE);
	assert_int_equal(cms_sign(&s, (const unsigned char *)XML, strlen(XML),
	    (time_t)253402300800, &out, &out_len), CMS_ERR_TIME_RANGE);
	assert_null(out);
}

static int
fail_sign(void *ctx, const unsigned char *tbs, size_t tbs_len, const unsigned char sha256[32],
          unsigned char *sig, size_t sig_size, size_t *sig_len)
{
	(void)ctx; (void)tbs; (void)tbs_len; (void)sha256; (void)sig; (void)sig_size;
	(void)sig_len;
	return -1;
}

static int
overlong_sign(void *ctx, const unsigned char *tbs, size_t tbs_len, const unsigned char sha256[32],
              unsigned char *sig, size_t sig_size, size_t *sig_len)
{
	int rc = sw_sign(ctx, tbs, tbs_len, sha256, sig, sig_size, sig_len);

	*sig_len = sig_size + 1;
	return rc;
}

static int contract_calls;

/*
 * The callback contract: tbs is the DER SET OF signedAttrs (tag 0x31) and
 * sha256 its digest, so a token may sign either (CKM_SHA256_RSA_PKCS on tbs
 * or CKM_RSA_PKCS on the DigestInfo of sha256). This one hashes tbs itself.
 */
static int
contract_sign(void *ctx, const unsigned char *tbs, size_t tbs_len, const unsigned char sha256[32],
              unsigned char *sig, size_t sig_size, size_t *sig_len)
{
	unsigned char h[32];

	contract_calls++;
	assert_true(tbs_len > 2);
	assert_int_equal(tbs[0], 0x31);
	assert_int_equal(mbedtls_sha256_ret(tbs, tbs_len, h, 0), 0);
	assert_memory_equal(h, sha256, 32);
	assert_int_equal(sig_size, 256);
	return sw_sign(ctx, tbs, tbs_len, h, sig, sig_size, sig_len);
}

/* The encoder refuses inputs that would break the profile (UD-14, UD-15, UD-17, UD-25). */
static void
test_sign_errors(void **state)
{
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	const unsigned char *x = (const unsigned char *)XML;
	size_t xl = strlen(XML), out_len = 0;
	unsigned char *out = NULL;
	struct cms_signer s;
	struct tbuf longer;

	(void)state;
#define SIGN_RC(expect) do { \
		assert_int_equal(cms_sign(&s, x, xl, NOW, &out, &out_len), (expect)); \
		assert_null(out); \
	} while (0)
	s = default_signer();
	s.ee_der = P.ee_ca.p;
	s.ee_len = P.ee_ca.len;
	SIGN_RC(CMS_ERR_EE_IS_CA);
	s.ee_der = P.ee_noski.p;
	s.ee_len = P.ee_noski.len;
	SIGN_RC(CMS_ERR_EE_NO_SKI);
	s.ee_der = P.ee_3779.p;
	s.ee_len = P.ee_3779.len;
	SIGN_RC(CMS_ERR_EE_RESOURCES);
	s.ee_der = P.ee_noaki.p;
	s.ee_len = P.ee_noaki.len;
	SIGN_RC(CMS_ERR_EE_NO_AKI);
	s.ee_der = P.ee_ec.p;
	s.ee_len = P.ee_ec.len;
	SIGN_RC(CMS_ERR_EE_KEY);
	s.ee_der = junk;
	s.ee_len = sizeof(junk);
	SIGN_RC(CMS_ERR_CERT_PARSE);
	/* A certificate followed by a stray byte. */
	longer = tbuf_cat((struct tbuf[]){ P.ee, { (unsigned char *)junk, 1 } }, 2);
	s.ee_der = longer.p;
	s.ee_len = longer.len;
	SIGN_RC(CMS_ERR_CERT_PARSE);
	tbuf_free(&longer);

	s = default_signer();
	s.crl_der = P.crl_other.p;
	s.crl_len = P.crl_other.len;
	SIGN_RC(CMS_ERR_CRL_ISSUER);
	s.crl_der = junk;
	s.crl_len = sizeof(junk);
	SIGN_RC(CMS_ERR_CRL_PARSE);

	s = default_signer();
	s.sign = fail_sign;
	SIGN_RC(CMS_ERR_SIGN);
	s.sign = overlong_sign;
	SIGN_RC(CMS_ERR_SIGN);
	/* The key behind the callback does not match the certificate. */
	s.sign = sw_sign;
	s.sign_ctx = &P.other_key;
	SIGN_RC(CMS_ERR_SIGN_VERIFY);

	s = default_signer();
	assert_int_equal(cms_sign(NULL, x, xl, NOW, &out, &out_len), CMS_ERR_ARG);
	assert_int_equal(cms_sign(&s, x, 0, NOW, &out, &out_len), CMS_ERR_ARG);
	assert_int_equal(cms_sign(&s, NULL, xl, NOW, &out, &out_len), CMS_ERR_ARG);
	assert_int_equal(cms_sign(&s, x, xl, NOW, NULL, &out_len), CMS_ERR_ARG);
	assert_int_equal(cms_sign(&s, x, CMS_MAX_MESSAGE + 1, NOW, &out, &out_len),
	    CMS_ERR_TOO_LARGE);
	s.sign = NULL;
	assert_int_equal(cms_sign(&s, x, xl, NOW, &out, &out_len), CMS_ERR_ARG);
	assert_null(out);

	s = default_signer();
	s.sign = contract_sign;
	contract_calls = 0;
	assert_int_equal(cms_sign(&s, x, xl, NOW, &out, &out_len), 0);
	assert_int_equal(contract_calls, 1);
	free(out);
#undef SIGN_RC
}

enum certs_kind { C_EE, C_EMPTY, C_EE_TA, C_EE_CA, C_EE_3779, C_EE_NOSKI, C_JUNK, C_EE_EC };
enum crls_kind { R_CRL, R_EMPTY, R_TWO, R_JUNK, R_IDP };

struct neg {
	const char *name;
	struct bld b;            /* knobs; the required fields come from default_bld() */
	enum certs_kind certs;
	enum crls_kind crls;
	struct cms_opts opts;
	int decode_rc;
	int verify_rc;           /* when decode_rc == 0: cms_verify() at NOW */
};

#define OID_DATA      "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"
#define OID_SHA1_RSA  "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05"
#define OID_PSS       "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a"

static const struct neg negs[] = {
	{ "baseline", { 0 }, 0, 0, { 0 }, 0, 0 },
	{ "UD-10 contentType id-data", { .content_type_oid = OID_DATA, .content_type_oid_len = 9 },
	  0, 0, { 0 }, CMS_ERR_CONTENT_TYPE, 0 },
	{ "UD-11 SignedData version 1", { .sd_version = 1 }, 0, 0, { 0 }, CMS_ERR_SD_VERSION, 0 },
	{ "UD-11 SignedData version 4", { .sd_version = 4 }, 0, 0, { 0 }, CMS_ERR_SD_VERSION, 0 },
	{ "UD-12 two digestAlgorithms", { .extra_digest_alg = true }, 0, 0, { 0 },
	  CMS_ERR_DIGEST_ALGS, 0 },
	{ "UD-12 SHA-1 digestAlgorithms", { .digest_sha1 = true }, 0, 0, { 0 },
	  CMS_ERR_DIGEST_ALGS, 0 },
	{ "UD-12 empty digestAlgorithms", { .empty_digest_algs = true }, 0, 0, { 0 },
	  CMS_ERR_DIGEST_ALGS, 0 },
	/* RFC 5754 2: NULL parameters must be accepted too. */
	{ "UD-12 SHA-256 with NULL parameters", { .digest_null_params = true }, 0, 0, { 0 }, 0, 0 },
	{ "UD-13 eContentType id-data", { .econtent_oid = OID_DATA, .econtent_oid_len = 9 },
	  0, 0, { 0 }, CMS_ERR_ECONTENT_TYPE, 0 },
	{ "UD-13 eContent absent", { .no_econtent = true }, 0, 0, { 0 }, CMS_ERR_NO_ECONTENT, 0 },
	{ "UD-14 certificates absent", { .no_certs_field = true }, 0, 0, { 0 },
	  CMS_ERR_NO_CERTS, 0 },
	{ "UD-14 certificates empty", { 0 }, C_EMPTY, 0, { 0 }, CMS_ERR_NO_CERTS, 0 },
	{ "UD-14 two certificates", { 0 }, C_EE_TA, 0, { 0 }, CMS_ERR_CERT_COUNT, 0 },
	{ "UD-14 EE is a CA", { 0 }, C_EE_CA, 0, { 0 }, CMS_ERR_EE_IS_CA, 0 },
	{ "UD-14 EE with RFC 3779", { 0 }, C_EE_3779, 0, { 0 }, CMS_ERR_EE_RESOURCES, 0 },
	{ "UD-17 EE without SKI", { 0 }, C_EE_NOSKI, 0, { 0 }, CMS_ERR_EE_NO_SKI, 0 },
	{ "UD-14 unparsable certificate", { 0 }, C_JUNK, 0, { 0 }, CMS_ERR_CERT_PARSE, 0 },
	{ "UD-22 EE with an EC key", { 0 }, C_EE_EC, 0, { 0 }, CMS_ERR_EE_KEY, 0 },
	{ "UD-15 crls absent", { .no_crls_field = true }, 0, 0, { 0 }, CMS_ERR_NO_CRL, 0 },
	{ "UD-15 crls absent, tooling", { .no_crls_field = true }, 0, 0, { .allow_no_crl = true },
	  0, CMS_ERR_NO_CRL },
	{ "UD-15 crls empty", { 0 }, 0, R_EMPTY, { 0 }, CMS_ERR_NO_CRL, 0 },
	{ "UD-15 two CRLs", { 0 }, 0, R_TWO, { 0 }, CMS_ERR_CRL_COUNT, 0 },
	{ "UD-15 unparsable CRL", { 0 }, 0, R_JUNK, { 0 }, CMS_ERR_CRL_PARSE, 0 },
	/* mbed TLS refuses critical CRL extensions; no partitioned CRLs in the profile. */
	{ "UD-34 CRL with critical issuingDistributionPoint", { 0 }, 0, R_IDP, { 0 },
	  CMS_ERR_CRL_PARSE, 0 },
	{ "UD-16 two SignerInfos", { .n_signers = 2 }, 0, 0, { 0 }, CMS_ERR_SIGNER_COUNT, 0 },
	{ "UD-16 SignerInfo version 1", { .si_version = 1 }, 0, 0, { 0 }, CMS_ERR_SI_VERSION, 0 },
	{ "UD-17 issuerAndSerialNumber sid", { .sid_issuer_serial = true }, 0, 0, { 0 },
	  CMS_ERR_SID_TYPE, 0 },
	{ "UD-18 SignerInfo digest SHA-1", { .si_digest_sha1 = true }, 0, 0, { 0 },
	  CMS_ERR_SI_DIGEST_ALG, 0 },
	{ "UD-19 signedAttrs absent", { .no_signed_attrs = true }, 0, 0, { 0 },
	  CMS_ERR_NO_SIGNED_ATTRS, 0 },
	{ "UD-19 content-type absent", { .omit_ct = true }, 0, 0, { 0 }, CMS_ERR_NO_CT_ATTR, 0 },
	{ "UD-32 content-type id-data", { .ct_wrong = true }, 0, 0, { 0 }, CMS_ERR_CT_ATTR, 0 },
	{ "UD-19 message-digest absent", { .omit_md = true }, 0, 0, { 0 },
	  CMS_ERR_NO_DIGEST_ATTR, 0 },
	{ "UD-19 message-digest 20 bytes", { .md_short = true }, 0, 0, { 0 },
	  CMS_ERR_DIGEST_ATTR, 0 },
	{ "UD-20 signing-time absent", { .omit_time = true }, 0, 0, { 0 },
	  CMS_ERR_NO_SIGNING_TIME, 0 },
	{ "UD-19 signing-time twice", { .time_twice = true }, 0, 0, { 0 },
	  CMS_ERR_ATTR_DUPLICATE, 0 },
	{ "UD-19 signing-time two values", { .time_two_values = true }, 0, 0, { 0 },
	  CMS_ERR_ATTR_VALUES, 0 },
	{ "UD-20 GeneralizedTime before 2050", { .time_generalized = true }, 0, 0, { 0 },
	  CMS_ERR_SIGNING_TIME, 0 },
	{ "UD-20 signing-time month 13", { .time_bad = true }, 0, 0, { 0 },
	  CMS_ERR_SIGNING_TIME, 0 },
	{ "UD-20 binary-signing-time equal", { .bst = true }, 0, 0, { 0 }, 0, 0 },
	{ "UD-20 binary-signing-time only", { .bst = true, .omit_time = true }, 0, 0, { 0 }, 0, 0 },
	{ "UD-20 binary-signing-time differs", { .bst = true, .bst_delta = 1 }, 0, 0, { 0 },
	  CMS_ERR_TIME_MISMATCH, 0 },
	{ "UD-20 binary-signing-time refused", { .bst = true }, 0, 0,
	  { .refuse_binary_signing_time = true }, CMS_ERR_ATTR_BST_REFUSED, 0 },
	{ "UD-21 S/MIME-Capabilities attribute", { .extra_attr = true }, 0, 0, { 0 },
	  CMS_ERR_ATTR_UNKNOWN, 0 },
	{ "UD-30 unknown attribute allowed", { .extra_attr = true }, 0, 0,
	  { .allow_unknown_attrs = true }, 0, 0 },
	{ "UD-22 sha256WithRSAEncryption",
	  { .sig_oid = CMS_OID_SHA256_RSA, .sig_oid_len = 9 }, 0, 0, { 0 }, 0, 0 },
	{ "UD-22 rsaEncryption without NULL", { .sig_no_null = true }, 0, 0, { 0 }, 0, 0 },
	{ "UD-22 sha1WithRSAEncryption", { .sig_oid = OID_SHA1_RSA, .sig_oid_len = 9 }, 0, 0,
	  { 0 }, CMS_ERR_SIG_ALG, 0 },
	{ "UD-22 RSASSA-PSS", { .sig_oid = OID_PSS, .sig_oid_len = 9 }, 0, 0, { 0 },
	  CMS_ERR_SIG_ALG, 0 },
	{ "UD-23 unsignedAttrs", { .unsigned_attrs = true }, 0, 0, { 0 },
	  CMS_ERR_UNSIGNED_ATTRS, 0 },
	{ "UD-31 message-digest mismatch", { .md_wrong = true }, 0, 0, { 0 }, 0,
	  CMS_ERR_DIGEST_MISMATCH },
	{ "UD-31 bad signature", { .sig_corrupt = true }, 0, 0, { 0 }, 0, CMS_ERR_SIGNATURE },
	{ "UD-24 BER indefinite lengths", { .ber = true }, 0, 0, { 0 }, 0, 0 },
	{ "UD-24 BER indefinite lengths, DER only", { .ber = true }, 0, 0, { .der_only = true },
	  CMS_ERR_NOT_DER, 0 },
	{ "UD-24 non-minimal length", { .ber_nonminimal = true }, 0, 0, { 0 }, 0, 0 },
	{ "UD-24 non-minimal length, DER only", { .ber_nonminimal = true }, 0, 0,
	  { .der_only = true }, CMS_ERR_NOT_DER, 0 },
	{ "UD-24 unsorted signedAttrs", { .unsorted_attrs = true }, 0, 0, { 0 }, 0, 0 },
	{ "UD-24 unsorted signedAttrs, DER only", { .unsorted_attrs = true }, 0, 0,
	  { .der_only = true }, CMS_ERR_NOT_DER, 0 },
	{ "trailing byte", { .trailing = 1 }, 0, 0, { 0 }, CMS_ERR_TRAILING, 0 },
	{ "trailing bytes, BER", { .trailing = 2, .ber = true }, 0, 0, { 0 }, CMS_ERR_TRAILING, 0 },
};

/* UD-10..UD-24, UD-30..UD-32: one mutation per profile rule, each with its own code. */
static void
test_negative_corpus(void **state)
{
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	struct tbuf certs[2], crls[2];
	struct cms_trust t = trust_of(&P.ta);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(negs) / sizeof(negs[0]); i++) {
		const struct neg *n = &negs[i];
		struct bld b = default_bld();
		struct tbuf msg;
		struct cms_msg m;
		int rc;

		print_message("%s\n", n->name);
		/* Copy the knobs over the defaults. */
		{
			struct bld k = n->b;
			k.xml = b.xml;
			k.xml_len = b.xml_len;
			k.certs = b.certs;
			k.n_certs = b.n_certs;
			k.crls = b.crls;
			k.n_crls = b.n_crls;
			k.ski = b.ski;
			k.ski_len = b.ski_len;
			k.key = b.key;
			k.signing_time = b.signing_time;
			k.issuer_serial = P.issuer_serial.p;
			k.issuer_serial_len = P.issuer_serial.len;
			b = k;
		}
		certs[0] = P.ee;
		switch (n->certs) {
		case C_EE: break;
		case C_EMPTY: b.n_certs = 0; break;
		case C_EE_TA: certs[1] = P.ta; b.certs = certs; b.n_certs = 2; break;
		case C_EE_CA: b.certs = &P.ee_ca; break;
		case C_EE_3779: b.certs = &P.ee_3779; break;
		case C_EE_NOSKI: b.certs = &P.ee_noski; break;
		case C_EE_EC: b.certs = &P.ee_ec; break;
		case C_JUNK: certs[0].p = (unsigned char *)junk; certs[0].len = sizeof(junk);
			b.certs = certs; break;
		}
		crls[0] = P.crl;
		switch (n->crls) {
		case R_CRL: break;
		case R_EMPTY: b.n_crls = 0; break;
		case R_TWO: crls[1] = P.crl_ext; b.crls = crls; b.n_crls = 2; break;
		case R_JUNK: crls[0].p = (unsigned char *)junk; crls[0].len = sizeof(junk);
			b.crls = crls; break;
		case R_IDP: b.crls = &P.crl_idp; break;
		}
		msg = build_msg(&b);
		cms_msg_init(&m);
		rc = cms_decode(&m, msg.p, msg.len, &n->opts);
		if (rc != n->decode_rc)
			fail_msg("%s: decode %d (%s), want %d (%s)", n->name, rc, cms_strerror(rc),
			    n->decode_rc, cms_strerror(n->decode_rc));
		if (rc == 0) {
			rc = cms_verify(&m, &t, NOW);
			if (rc != n->verify_rc)
				fail_msg("%s: verify %d (%s), want %d", n->name, rc, cms_strerror(rc),
				    n->verify_rc);
			assert_int_equal(m.xml_len, strlen(XML));
			assert_true(m.signing_time == NOW - 60);
		} else {
			assert_null(m.xml);
		}
		cms_msg_free(&m);
		tbuf_free(&msg);
	}
}

struct vcase {
	const char *name;
	const struct tbuf *ee;
	const struct tbuf *crl;
	const struct tbuf *ta;
	const struct tbuf *inter;      /* caller-supplied intermediate, or NULL */
	time_t signing_time;
	time_t now;
	int rc;
};

/* UD-33, UD-34, UD-37: path, validity at `now`, and the CRL. */
static void
test_verify_cases(void **state)
{
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	static struct tbuf junk_buf = { (unsigned char *)junk, sizeof(junk) };
	const struct vcase cases[] = {
		{ "valid", &P.ee, &P.crl, &P.ta, NULL, NOW - 60, NOW, 0 },
		{ "UD-34 CRL with entry and AKI extensions", &P.ee, &P.crl_ext, &P.ta, NULL,
		  NOW - 60, NOW, 0 },
		{ "UD-34 EE revoked", &P.ee, &P.crl_revoked, &P.ta, NULL, NOW - 60, NOW,
		  CMS_ERR_REVOKED },
		{ "UD-34 CRL from another issuer", &P.ee, &P.crl_other, &P.ta, NULL, NOW - 60, NOW,
		  CMS_ERR_CRL_ISSUER },
		{ "UD-34 CRL signed by another key", &P.ee, &P.crl_badsig, &P.ta, NULL, NOW - 60,
		  NOW, CMS_ERR_CRL_SIGNATURE },
		{ "UD-34 stale CRL", &P.ee, &P.crl_stale, &P.ta, NULL, NOW - 60, NOW,
		  CMS_ERR_CRL_STALE },
		{ "UD-34 CRL at its nextUpdate", &P.ee, &P.crl, &P.ta, NULL, NOW - 60, NOW + 30 * DAY,
		  CMS_ERR_CRL_STALE },
		{ "UD-34 CRL one second before nextUpdate", &P.ee, &P.crl, &P.ta, NULL, NOW - 60,
		  NOW + 30 * DAY - 1, 0 },
		{ "UD-34 CRL from the future", &P.ee, &P.crl_future, &P.ta, NULL, NOW - 60, NOW,
		  CMS_ERR_CRL_NOT_YET_VALID },
		{ "UD-34 CRL without nextUpdate", &P.ee, &P.crl_nonext, &P.ta, NULL, NOW - 60, NOW,
		  CMS_ERR_CRL_STALE },
		{ "UD-33 EE expired", &P.ee_expired, &P.crl, &P.ta, NULL, NOW - 60, NOW,
		  CMS_ERR_EE_EXPIRED },
		{ "UD-33 EE not yet valid", &P.ee_future, &P.crl, &P.ta, NULL, NOW - 60, NOW,
		  CMS_ERR_EE_NOT_YET_VALID },
		{ "UD-33 EE valid until its last second", &P.ee, &P.crl, &P.ta, NULL, NOW - 60,
		  (time_t)1893456000, CMS_ERR_CRL_STALE },
		{ "UD-33 EE one second after notAfter", &P.ee, &P.crl, &P.ta, NULL, NOW - 60,
		  (time_t)1893456001, CMS_ERR_EE_EXPIRED },
		{ "UD-37 signing-time before EE notBefore", &P.ee, &P.crl, &P.ta, NULL,
		  (time_t)1600000000, NOW, 0 },
		{ "UD-33 wrong trust anchor", &P.ee, &P.crl, &P.other, NULL, NOW - 60, NOW,
		  CMS_ERR_CHAIN },
		{ "UD-33 trust anchor expired", &P.ee, &P.crl, &P.ta_short, NULL, NOW - 60, NOW,
		  CMS_ERR_CA_EXPIRED },
		{ "trust anchor not a CA", &P.ee, &P.crl, &P.ee, NULL, NOW - 60, NOW, CMS_ERR_TA },
		{ "trust anchor unparsable", &P.ee, &P.crl, &junk_buf, NULL, NOW - 60, NOW,
		  CMS_ERR_TA },
		/* EE under an intermediate the caller holds (as APNIC's "APNIC Server CA"). */
		{ "UD-33 caller intermediate", &P.ee_inter, &P.crl_inter, &P.ta, &P.inter, NOW - 60,
		  NOW, 0 },
		{ "UD-33 intermediate missing", &P.ee_inter, &P.crl_inter, &P.ta, NULL, NOW - 60, NOW,
		  CMS_ERR_CHAIN },
		{ "UD-33 intermediate as trust anchor (UD-152)", &P.ee_inter, &P.crl_inter, &P.inter,
		  NULL, NOW - 60, NOW, 0 },
		{ "UD-34 CRL of the TA for an EE of the intermediate", &P.ee_inter, &P.crl, &P.ta,
		  &P.inter, NOW - 60, NOW, CMS_ERR_CRL_ISSUER },
		{ "intermediate unparsable", &P.ee_inter, &P.crl_inter, &P.ta, &junk_buf, NOW - 60,
		  NOW, CMS_ERR_INTERMEDIATE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];
		struct bld b = default_bld();
		struct cms_der inter;
		struct cms_trust t;
		struct tbuf msg;
		struct cms_msg m;
		int rc;

		print_message("%s\n", c->name);
		b.certs = c->ee;
		b.crls = c->crl;
		b.signing_time = c->signing_time;
		msg = build_msg(&b);
		cms_msg_init(&m);
		assert_int_equal(cms_decode(&m, msg.p, msg.len, NULL), 0);
		t = trust_of(c->ta);
		if (c->inter != NULL) {
			inter.der = c->inter->p;
			inter.len = c->inter->len;
			t.intermediates = &inter;
			t.n_intermediates = 1;
		}
		rc = cms_verify(&m, &t, c->now);
		if (rc != c->rc)
			fail_msg("%s: %d (%s), want %d (%s)", c->name, rc, cms_strerror(rc), c->rc,
			    cms_strerror(c->rc));
		cms_msg_free(&m);
		tbuf_free(&msg);
	}
}

/*
 * Every truncation (exactly sized buffer, so ASan sees overreads) of a DER
 * and a BER message fails; every single-byte corruption is handled
 * without a crash, and a corrupted signed part never verifies.
 */
static void
test_truncations_and_flips(void **state)
{
	static const struct cms_opts lenient = { .allow_no_crl = true, .allow_unknown_attrs = true };
	struct bld b = default_bld();
	struct tbuf msgs[2];
	size_t k, n;

	(void)state;
	msgs[0] = build_msg(&b);
	b.ber = true;
	msgs[1] = build_msg(&b);
	for (k = 0; k < 2; k++) {
		for (n = 0; n < msgs[k].len; n++) {
			unsigned char *cut = malloc(n > 0 ? n : 1);
			struct cms_msg m;
			assert_non_null(cut);
			memcpy(cut, msgs[k].p, n);
			cms_msg_init(&m);
			assert_int_not_equal(cms_decode(&m, cut, n, &lenient), 0);
			free(cut);
		}
		for (n = 0; n < msgs[k].len; n++) {
			unsigned char *bad = malloc(msgs[k].len);
			struct cms_msg m;
			assert_non_null(bad);
			memcpy(bad, msgs[k].p, msgs[k].len);
			bad[n] ^= 0x55;
			cms_msg_init(&m);
			if (cms_decode(&m, bad, msgs[k].len, &lenient) == 0 &&
			    cms_check_signature(&m) == 0) {
				/*
				 * Only the unsigned parts may change unnoticed: the
				 * certificate, the CRL, or the signature's own framing.
				 * The eContent and signedAttrs may not.
				 */
				assert_int_equal(m.xml_len, strlen(XML));
				assert_memory_equal(m.xml, XML, m.xml_len);
			}
			cms_msg_free(&m);
			free(bad);
		}
		tbuf_free(&msgs[k]);
	}
}

/* Hostile inputs: nesting, lengths, sizes, tags. */
static void
test_hostile(void **state)
{
	static const unsigned char huge_len[] = { 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06 };
	static const unsigned char five_byte_len[] = { 0x30, 0x85, 0, 0, 0, 0, 1, 0 };
	static const unsigned char high_tag[] = { 0x3f, 0x81, 0x01, 0x00 };
	static const unsigned char indef_prim[] = { 0x04, 0x80, 0x00, 0x00 };
	static const unsigned char eoc_only[] = { 0x00, 0x00 };
	static const unsigned char empty_seq[] = { 0x30, 0x00 };
	static const unsigned char not_sd[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
	    0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x00 };
	struct {
		const unsigned char *p;
		size_t len;
		int rc;
	} cases[] = {
		{ huge_len, sizeof(huge_len), CMS_ERR_ASN1 },
		{ five_byte_len, sizeof(five_byte_len), CMS_ERR_ASN1 },
		{ high_tag, sizeof(high_tag), CMS_ERR_ASN1 },
		{ indef_prim, sizeof(indef_prim), CMS_ERR_ASN1 },
		{ eoc_only, sizeof(eoc_only), CMS_ERR_ASN1 },
		{ empty_seq, sizeof(empty_seq), CMS_ERR_ASN1 },
		{ not_sd, sizeof(not_sd), CMS_ERR_CONTENT_TYPE },
	};
	unsigned char *deep;
	size_t i, depth = 20000;
	struct cms_msg m;

	(void)state;
	cms_msg_init(&m);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *p = malloc(cases[i].len);
		assert_non_null(p);
		memcpy(p, cases[i].p, cases[i].len);
		assert_int_equal(cms_decode(&m, p, cases[i].len, NULL), cases[i].rc);
		free(p);
	}
	/* 20000 nested indefinite SEQUENCEs, properly closed: the depth limit stops it. */
	deep = malloc(depth * 4);
	assert_non_null(deep);
	for (i = 0; i < depth; i++) {
		deep[2 * i] = 0x30;
		deep[2 * i + 1] = 0x80;
	}
	memset(deep + 2 * depth, 0, 2 * depth);
	assert_int_equal(cms_decode(&m, deep, depth * 4, NULL), CMS_ERR_ASN1);
	/* ... and DER-only refuses it at the first header. */
	assert_int_equal(cms_decode(&m, deep, depth * 4, &(struct cms_opts){ .der_only = true }),
	    CMS_ERR_NOT_DER);
	free(deep);

	/* Size cap before anything else. */
	deep = calloc(1, CMS_MAX_MESSAGE + 1);
	assert_non_null(deep);
	assert_int_equal(cms_decode(&m, deep, CMS_MAX_MESSAGE + 1, NULL), CMS_ERR_TOO_LARGE);
	free(deep);

	assert_int_equal(cms_decode(&m, NULL, 0, NULL), CMS_ERR_ASN1);
	assert_int_equal(cms_decode(&m, NULL, 5, NULL), CMS_ERR_ARG);
	assert_int_equal(cms_decode(NULL, empty_seq, 2, NULL), CMS_ERR_ARG);
	assert_int_equal(cms_check_signature(&m), CMS_ERR_ARG);
	assert_int_equal(cms_verify(&m, NULL, NOW), CMS_ERR_ARG);
	cms_msg_free(&m);
}

/* BER eContent as nested constructed OCTET STRINGs: fine when shallow, refused past CMS_MAX_DEPTH. */
static void
test_nested_econtent(void **state)
{
	static const struct {
		int nest;
		int rc;
	} cases[] = { { 1, 0 }, { 20, 0 }, { CMS_MAX_DEPTH + 5, CMS_ERR_ASN1 } };
	struct cms_msg m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bld b = default_bld();
		struct tbuf msg;

		b.ber = true;
		b.econtent_nest = cases[i].nest;
		msg = build_msg(&b);
		cms_msg_init(&m);
		assert_int_equal(cms_decode(&m, msg.p, msg.len, NULL), cases[i].rc);
		if (cases[i].rc == 0) {
			assert_true(m.ber);
			assert_int_equal(m.xml_len, strlen(XML));
			assert_memory_equal(m.xml, XML, m.xml_len);
			assert_int_equal(cms_check_signature(&m), 0);
		}
		cms_msg_free(&m);
		tbuf_free(&msg);
	}
}

/* Every code has its own text; profile codes cite their RFC section. */
static void
test_strerror(void **state)
{
	int e;

	(void)state;
	assert_string_equal(cms_strerror(0), "success");
	for (e = CMS_ERR_NOMEM; e >= CMS_ERR_EE_NO_AKI; e--) {
		const char *s = cms_strerror(e);
		int f;
		assert_string_not_equal(s, "unknown CMS error");
		for (f = CMS_ERR_NOMEM; f > e; f--)
			assert_string_not_equal(s, cms_strerror(f));
		if (e <= CMS_ERR_CONTENT_TYPE && e >= CMS_ERR_UNSIGNED_ATTRS)
			assert_non_null(strstr(s, "RFC"));
	}
	assert_string_equal(cms_strerror(-0x05ff), "unknown CMS error");
}

/*
 * A struct cms_key on an mbed TLS key, counting its checks (the engine's
 * comes from crypto/verify.h, tested in tests/crypto/test_verify.c).
 */
static int tk_checks;

static bool
tk_same(const void *key, const mbedtls_pk_context *pk)
{
	const mbedtls_pk_context *k = key;

	if (mbedtls_pk_get_type(k) != MBEDTLS_PK_RSA || mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA)
		return false;
	return mbedtls_mpi_cmp_mpi(&mbedtls_pk_rsa(*k)->N, &mbedtls_pk_rsa(*pk)->N) == 0 &&
	    mbedtls_mpi_cmp_mpi(&mbedtls_pk_rsa(*k)->E, &mbedtls_pk_rsa(*pk)->E) == 0;
}

static int
tk_check(const void *key, const unsigned char md[32], const unsigned char *sig, size_t sig_len)
{
	tk_checks++;
	return mbedtls_pk_verify((mbedtls_pk_context *)key, MBEDTLS_MD_SHA256, md, 32, sig,
	    sig_len);
}

/* The digest through the key too, counted. */
static int tk_digests;

static int
tk_sha256(const unsigned char *p, size_t len, unsigned char md[32])
{
	tk_digests++;
	return mbedtls_sha256_ret(p, len, md, 0);
}

static const struct cms_key_ops tk_ops = { tk_same, tk_check, tk_sha256 };
static const struct cms_key_ops tk_ops_own_digest = { tk_same, tk_check, NULL };

static struct cms_key
tk(const mbedtls_pk_context *pk)
{
	struct cms_key k = { &tk_ops, pk };

	return k;
}

/*
 * UD-33, UD-34: cms_verify_path() is the path + CRL half of cms_verify():
 * it reports the window in which it holds and does not look at the
 * signature (so a caller that skips it must still check that).
 * cms_sign_pk(): a prepared key gives the same bytes and checks the
 * signature; a key that is not the certificate's is not used, and never
 * lets a wrong signing key through.
 */
static void
test_verify_path_and_sign_pk(void **state)
{
	struct cms_signer s = default_signer();
	struct cms_trust t = trust_of(&P.ta);
	unsigned char *ref = NULL, *out = NULL;
	size_t ref_len = 0, out_len = 0;
	struct cms_window w;
	struct cms_msg m;

	(void)state;
	assert_int_equal(cms_sign(&s, (const unsigned char *)XML, strlen(XML), NOW - 60,
	    &ref, &ref_len), 0);
	struct cms_key ee_k = tk(&P.ee_key), other_k = tk(&P.other_key), ec_k = tk(&P.ec_key);

	/* The certificate's key, prepared: the same message, checked with it. */
	tk_checks = 0;
	tk_digests = 0;
	assert_int_equal(cms_sign_pk(&s, &ee_k, (const unsigned char *)XML, strlen(XML),
	    NOW - 60, &out, &out_len), 0);
	assert_int_equal(tk_checks, 1);
	assert_int_equal(tk_digests, 2);     /* eContent, signed attributes */
	assert_int_equal(out_len, ref_len);
	assert_memory_equal(out, ref, ref_len);
	free(out);
	out = NULL;
	/* Another key given: not used (the certificate's key checks), still fine. */
	assert_int_equal(cms_sign_pk(&s, &other_k, (const unsigned char *)XML, strlen(XML),
	    NOW - 60, &out, &out_len), 0);
	assert_int_equal(tk_checks, 1);
	assert_memory_equal(out, ref, ref_len);
	free(out);
	out = NULL;
	/* The callback signs with the wrong key: caught with or without ee_key. */
	s.sign_ctx = &P.other_key;
	assert_int_equal(cms_sign_pk(&s, &ee_k, (const unsigned char *)XML, strlen(XML),
	    NOW - 60, &out, &out_len), CMS_ERR_SIGN_VERIFY);
	assert_int_equal(tk_checks, 2);
	assert_int_equal(cms_sign_pk(&s, &other_k, (const unsigned char *)XML, strlen(XML),
	    NOW - 60, &out, &out_len), CMS_ERR_SIGN_VERIFY);
	assert_int_equal(cms_sign_pk(&s, &ec_k, (const unsigned char *)XML, strlen(XML),
	    NOW - 60, &out, &out_len), CMS_ERR_SIGN_VERIFY);
	assert_int_equal(cms_sign_pk(&s, NULL, (const unsigned char *)XML, strlen(XML),
	    NOW - 60, &out, &out_len), CMS_ERR_SIGN_VERIFY);
	assert_int_equal(tk_checks, 2);
	assert_null(out);

	/* The window: the latest notBefore / thisUpdate, the earliest notAfter / nextUpdate - 1. */
	cms_msg_init(&m);
	assert_int_equal(cms_decode(&m, ref, ref_len, NULL), 0);
	assert_int_equal(cms_verify_path(&m, &t, NOW, &w), 0);
	assert_true(w.not_before == NOW - DAY);
	assert_true(w.not_after == NOW + 30 * DAY - 1);
	assert_int_equal(cms_verify_path(&m, &t, w.not_after, NULL), 0);
	assert_int_equal(cms_verify_path(&m, &t, w.not_after + 1, &w), CMS_ERR_CRL_STALE);
	assert_true(w.not_before == 0 && w.not_after == 0);
	assert_int_equal(cms_verify_path(&m, &t, NOW - DAY - 1, NULL), CMS_ERR_CRL_NOT_YET_VALID);
	t = trust_of(&P.other);
	assert_int_equal(cms_verify_path(&m, &t, NOW, NULL), CMS_ERR_CHAIN);
	assert_int_equal(cms_verify_path(NULL, &t, NOW, NULL), CMS_ERR_ARG);
	cms_msg_free(&m);
	/* A bad signature: the path half passes, cms_verify does not. */
	t = trust_of(&P.ta);
	ref[ref_len - 1] ^= 0x01;
	assert_int_equal(cms_decode(&m, ref, ref_len, NULL), 0);
	assert_int_equal(cms_verify_path(&m, &t, NOW, NULL), 0);
	assert_int_equal(cms_check_signature(&m), CMS_ERR_SIGNATURE);
	assert_int_equal(cms_verify(&m, &t, NOW), CMS_ERR_SIGNATURE);
	cms_msg_free(&m);
	free(ref);
}

/*
 * UD-33: cms_check_signature_pk() checks the digest and the signature like
 * cms_check_signature(), with a kept copy of the EE key; a key that is not
 * the certificate's is refused (never "verified" under another key).
 */
static void
test_check_signature_pk(void **state)
{
	struct cms_signer s = default_signer();
	unsigned char *ref = NULL;
	size_t ref_len = 0;
	struct cms_key ee_k = tk(&P.ee_key), other_k = tk(&P.other_key), ec_k = tk(&P.ec_key);
	struct cms_key broken = { NULL, &P.ee_key };
	struct cms_msg m;

	(void)state;
	assert_int_equal(cms_sign(&s, (const unsigned char *)XML, strlen(XML), NOW - 60,
	    &ref, &ref_len), 0);
	cms_msg_init(&m);
	assert_int_equal(cms_decode(&m, ref, ref_len, NULL), 0);
	tk_checks = 0;
	tk_digests = 0;
	assert_int_equal(cms_check_signature_pk(&m, &ee_k), 0);
	assert_int_equal(cms_check_signature_pk(&m, &ee_k), 0);
	assert_int_equal(tk_checks, 2);
	assert_int_equal(tk_digests, 4);
	/* A key without its own digest: mbed TLS's. */
	{
		struct cms_key own = { &tk_ops_own_digest, &P.ee_key };
		unsigned char a[32], b[32];

		assert_int_equal(cms_check_signature_pk(&m, &own), 0);
		assert_int_equal(tk_checks, 3);
		assert_int_equal(tk_digests, 4);
		assert_int_equal(cms_key_sha256(NULL, m.xml, m.xml_len, a), 0);
		assert_int_equal(cms_key_sha256(&ee_k, m.xml, m.xml_len, b), 0);
		assert_memory_equal(a, b, 32);
		assert_int_equal(tk_digests, 5);
	}
	assert_int_equal(cms_check_signature_pk(&m, &other_k), CMS_ERR_ARG);
	assert_int_equal(cms_check_signature_pk(&m, &ec_k), CMS_ERR_ARG);
	assert_int_equal(cms_check_signature_pk(&m, &broken), CMS_ERR_ARG);
	assert_int_equal(cms_check_signature_pk(&m, NULL), CMS_ERR_ARG);
	assert_int_equal(cms_check_signature_pk(NULL, &ee_k), CMS_ERR_ARG);
	assert_int_equal(tk_checks, 3);   /* none of the refused keys checked */
	/* The eContent changed after signing: the digest no longer matches. */
	m.xml[0] ^= 0x01;
	assert_int_equal(cms_check_signature_pk(&m, &ee_k), CMS_ERR_DIGEST_MISMATCH);
	cms_msg_free(&m);
	assert_int_equal(cms_check_signature_pk(&m, &ee_k), CMS_ERR_ARG);   /* empty */
	/* A bad signature value: refused with the kept key too. */
	ref[ref_len - 1] ^= 0x01;
	assert_int_equal(cms_decode(&m, ref, ref_len, NULL), 0);
	assert_int_equal(cms_check_signature(&m), CMS_ERR_SIGNATURE);
	assert_int_equal(cms_check_signature_pk(&m, &ee_k), CMS_ERR_SIGNATURE);
	cms_msg_free(&m);
	free(ref);
}

/* cms_der_time: the RFC 5652 11.3 choice (UD-35 signing-time) and the GeneralizedTime-only form. */
static void
test_der_time(void **state)
{
	static const struct {
		int tag;
		const char *v;
		int rfc5652;
		int rc;
		time_t t;
	} c[] = {
		{ 0x17, "231114221320Z", 1, 0, 1700000000 },
		{ 0x17, "500101000000Z", 1, 0, -631152000 },          /* 1950 */
		{ 0x18, "20500101000000Z", 1, 0, 2524608000 },
		{ 0x18, "19491231235959Z", 1, 0, -631152001 },
		{ 0x18, "20231114221320Z", 1, CMS_ERR_SIGNING_TIME, 0 }, /* must be UTCTime */
		{ 0x18, "20231114221320Z", 0, 0, 1700000000 },
		{ 0x17, "231114221320Z", 0, CMS_ERR_SIGNING_TIME, 0 },   /* GeneralizedTime only */
		{ 0x17, "230229000000Z", 1, CMS_ERR_SIGNING_TIME, 0 },   /* not a leap year */
		{ 0x17, "240229000000Z", 1, 0, 1709164800 },
		{ 0x17, "231114221360Z", 1, CMS_ERR_SIGNING_TIME, 0 },
		{ 0x17, "231114221320", 1, CMS_ERR_SIGNING_TIME, 0 },    /* no Z */
		{ 0x17, "2311142213200", 1, CMS_ERR_SIGNING_TIME, 0 },
		{ 0x17, "23111422132Z", 1, CMS_ERR_SIGNING_TIME, 0 },    /* short */
		{ 0x18, "2023111422132.Z", 0, CMS_ERR_SIGNING_TIME, 0 },
		{ 0x04, "231114221320Z", 1, CMS_ERR_SIGNING_TIME, 0 },   /* not a time */
	};
	size_t i;
	time_t t;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		t = 42;
		if (cms_der_time(c[i].tag, (const unsigned char *)c[i].v, strlen(c[i].v),
		    c[i].rfc5652, &t) != c[i].rc)
			fail_msg("case %zu (%s)", i, c[i].v);
		assert_true(t == (c[i].rc == 0 ? c[i].t : 42));
	}
	assert_int_equal(cms_der_time(0x17, NULL, 13, true, &t), CMS_ERR_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_roundtrip),
		cmocka_unit_test(test_sign_matches_builder),
		cmocka_unit_test(test_sign_time_encoding),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_negative_corpus),
		cmocka_unit_test(test_verify_cases),
		cmocka_unit_test(test_truncations_and_flips),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_nested_econtent),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_verify_path_and_sign_pk),
		cmocka_unit_test(test_check_signature_pk),
		cmocka_unit_test(test_der_time),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
