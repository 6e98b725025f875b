/*
 * crypto/cert parser tests: cert_import_ca() / cert_parse_rpki_ca() on a
 * CA certificate from an "upstream parent" (our own test TA plays it), on
 * the real parent-issued certificates of the interop corpus, and on
 * hostile input: every truncation from an exactly sized buffer, patched
 * fields (each error class), garbage. Also cert_issuer_load()'s checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/x509_crt.h>

#include "crypto/cert.h"
#include "proto/cms.h"
#include "test_cert_util.h"

#define NOW    ((time_t)1700000000)
#define DAY    ((time_t)86400)
#define TA_END ((time_t)2840140800)

#define PARENT_REPO "rsync://parent.example.net/repo/ta/"
#define REPO   "rsync://us.example.net/repo/"
#define MFT    "rsync://us.example.net/repo/us.mft"
#define NOTIFY "https://us.example.net/rrdp/notification.xml"

static struct {
	struct signer *s;
	struct signer_key *ta_key, *ca_key, *other_key;
	unsigned char *ta_der, *ca_der, *ee_der;
	size_t ta_len, ca_len, ee_len;
	struct res_bundle ca_res;
	struct cert_issuer ta;
} g;

static int
group_setup(void **state)
{
	struct cert_ta_params tp;
	struct cert_ca_params cp;
	struct cert_ee_params ep;
	struct res_bundle ta_res;
	struct cert_issuer ca;
	unsigned char serial[9], *spki;
	size_t spki_len;

	(void)state;
	g.s = tc_signer();
	g.ta_key = tc_key(g.s, "parent");
	g.ca_key = tc_key(g.s, "us");
	g.other_key = tc_key(g.s, "other");
	tc_res(&ta_res, "64496-64511", "192.0.2.0/24,198.51.100.0/24", "2001:db8::/32");
	memset(&tp, 0, sizeof(tp));
	tp.serial = serial;
	tp.serial_len = tc_serial(1, serial);
	tp.not_before = NOW - DAY;
	tp.not_after = TA_END;
	tp.subject_cn = "parent";
	tp.sia_ca_repository = PARENT_REPO;
	tp.sia_rpki_manifest = PARENT_REPO "ta.mft";
	tp.res = &ta_res;
	assert_int_equal(cert_make_ta(g.s, g.ta_key, &tp, &g.ta_der, &g.ta_len), 0);
	assert_int_equal(cert_issuer_load(&g.ta, g.s, g.ta_key, g.ta_der, g.ta_len), 0);
	res_bundle_free(&ta_res);

	/* Our CA certificate, as the parent would issue it. */
	tc_res(&g.ca_res, "64500-64510", "192.0.2.0/25", "2001:db8:1::/48");
	spki = tc_spki(g.s, g.ca_key, &spki_len);
	memset(&cp, 0, sizeof(cp));
	cp.spki = spki;
	cp.spki_len = spki_len;
	cp.serial = serial;
	cp.serial_len = tc_serial(77, serial);
	cp.not_before = NOW;
	cp.not_after = NOW + 365 * DAY;
	cp.crldp_uri = PARENT_REPO "ta.crl";
	cp.aia_uri = "rsync://parent.example.net/ta.cer";
	cp.sia_ca_repository = REPO;
	cp.sia_rpki_manifest = MFT;
	cp.sia_rpki_notify = NOTIFY;
	cp.res = &g.ca_res;
	assert_int_equal(cert_issue_ca(&g.ta, &cp, &g.ca_der, &g.ca_len), 0);
	free(spki);

	/* An EE certificate (not a CA) under it. */
	assert_int_equal(cert_issuer_load(&ca, g.s, g.ca_key, g.ca_der, g.ca_len), 0);
	spki = tc_spki(g.s, g.other_key, &spki_len);
	memset(&ep, 0, sizeof(ep));
	ep.spki = spki;
	ep.spki_len = spki_len;
	ep.serial = serial;
	ep.serial_len = tc_serial(5, serial);
	ep.not_before = NOW;
	ep.not_after = NOW + DAY;
	ep.crldp_uri = REPO "us.crl";
	ep.aia_uri = PARENT_REPO "us.cer";
	ep.signed_object_uri = MFT;
	ep.inherit = true;
	assert_int_equal(cert_issue_ee(&ca, &ep, &g.ee_der, &g.ee_len), 0);
	free(spki);
	cert_issuer_free(&ca);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	cert_issuer_free(&g.ta);
	res_bundle_free(&g.ca_res);
	free(g.ta_der);
	free(g.ca_der);
	free(g.ee_der);
	signer_close(g.s);
	return 0;
}

/* Import of a CA certificate issued by the parent for our key: every field. */
static void
test_import_ok(void **state)
{
	struct cert_issuer iss;
	mbedtls_x509_crt crt;
	unsigned char ski[20], *spki;
	size_t spki_len;

	(void)state;
	assert_int_equal(cert_import_ca(&iss, g.s, g.ca_key, g.ca_der, g.ca_len), 0);
	assert_ptr_equal(iss.signer, g.s);
	assert_ptr_equal(iss.key, g.ca_key);
	assert_int_equal(iss.cert_len, g.ca_len);
	assert_memory_equal(iss.cert_der, g.ca_der, g.ca_len);
	spki = tc_spki(g.s, g.ca_key, &spki_len);
	assert_int_equal(iss.spki_len, spki_len);
	assert_memory_equal(iss.spki_der, spki, spki_len);
	assert_int_equal(cert_ski(spki, spki_len, ski), 0);
	assert_memory_equal(iss.ski, ski, 20);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(cms_cert_parse(&crt, g.ca_der, g.ca_len, NULL), 0);
	assert_int_equal(iss.subject_len, crt.subject_raw.len);
	assert_memory_equal(iss.subject_der, crt.subject_raw.p, crt.subject_raw.len);
	mbedtls_x509_crt_free(&crt);
	assert_false(iss.self_signed);
	assert_int_equal(iss.not_before, NOW);
	assert_int_equal(iss.not_after, NOW + 365 * DAY);
	assert_true(iss.has_resources);
	assert_true(res_set_equal(&iss.res.as, &g.ca_res.as));
	assert_true(res_set_equal(&iss.res.v4, &g.ca_res.v4));
	assert_true(res_set_equal(&iss.res.v6, &g.ca_res.v6));
	assert_string_equal(iss.sia_ca_repository, REPO);
	assert_string_equal(iss.sia_rpki_manifest, MFT);
	assert_string_equal(iss.sia_rpki_notify, NOTIFY);

	/* The imported issuer issues; openssl verifies parent -> us -> child. */
	{
		struct cert_ca_params p;
		struct res_bundle r;
		unsigned char serial[9], *ospki, *der;
		size_t ospki_len, len;
		char *out = NULL;
		const char *ta_pem, *ca_pem, *ch_pem;

		tc_res(&r, "64501", "192.0.2.0/26", NULL);
		ospki = tc_spki(g.s, g.other_key, &ospki_len);
		memset(&p, 0, sizeof(p));
		p.spki = ospki;
		p.spki_len = ospki_len;
		p.serial = serial;
		p.serial_len = tc_serial(1, serial);
		p.not_before = NOW;
		p.not_after = TA_END;  /* clipped to ours */
		p.crldp_uri = REPO "us.crl";
		p.aia_uri = PARENT_REPO "us.cer";
		p.sia_ca_repository = "rsync://grandchild.example.net/repo/";
		p.sia_rpki_manifest = "rsync://grandchild.example.net/repo/g.mft";
		p.res = &r;
		assert_int_equal(cert_issue_ca(&iss, &p, &der, &len), 0);
		ta_pem = tc_pem("parent.cer", g.ta_der, g.ta_len);
		ca_pem = tc_pem("us.cer", g.ca_der, g.ca_len);
		ch_pem = tc_pem("grandchild.cer", der, len);
		assert_int_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' -untrusted '%s' '%s'",
		    (long long)NOW + 3600, ta_pem, ca_pem, ch_pem), 0);
		free(out);
		/* Resources beyond ours: refused (UD-100). */
		res_bundle_free(&r);
		tc_res(&r, "64496", NULL, NULL);
		free(der);
		der = NULL;
		assert_int_equal(cert_issue_ca(&iss, &p, &der, &len), CERT_ERR_OVERCLAIM);
		assert_null(der);
		res_bundle_free(&r);
		free(ospki);
	}
	free(spki);
	cert_issuer_free(&iss);
	/* _free twice and on NULL is fine. */
	cert_issuer_free(&iss);
	cert_issuer_free(NULL);
}

/* Refusals that need no patching: wrong key, not a CA, arguments. */
static void
test_import_refusals(void **state)
{
	struct cert_issuer iss;
	unsigned char *big;

	(void)state;
	assert_int_equal(cert_import_ca(&iss, g.s, g.other_key, g.ca_der, g.ca_len),
	    CERT_ERR_KEY_MISMATCH);
	assert_null(iss.cert_der);
	assert_int_equal(cert_issuer_load(&iss, g.s, g.other_key, g.ca_der, g.ca_len),
	    CERT_ERR_KEY_MISMATCH);
	assert_int_equal(cert_import_ca(&iss, g.s, g.other_key, g.ee_der, g.ee_len),
	    CERT_ERR_NOT_CA);
	assert_int_equal(cert_issuer_load(&iss, g.s, g.other_key, g.ee_der, g.ee_len),
	    CERT_ERR_NOT_CA);
	assert_int_equal(cert_import_ca(&iss, NULL, g.ca_key, g.ca_der, g.ca_len), CERT_ERR_ARG);
	assert_int_equal(cert_import_ca(&iss, g.s, g.ca_key, NULL, 10), CERT_ERR_ARG);
	assert_int_equal(cert_import_ca(&iss, g.s, g.ca_key, g.ca_der, 0), CERT_ERR_ARG);
	assert_int_equal(cert_import_ca(NULL, g.s, g.ca_key, g.ca_der, g.ca_len), CERT_ERR_ARG);
	big = calloc(1, CERT_MAX_DER + 1);
	assert_non_null(big);
	assert_int_equal(cert_parse_rpki_ca(&iss, big, CERT_MAX_DER + 1), CERT_ERR_TOO_LARGE);
	free(big);
}

/* Copy of the CA certificate with the unique occurrence of from replaced by to. */
static unsigned char *
patched(const char *from, const char *to, size_t n)
{
	unsigned char *c = malloc(g.ca_len), *hit = NULL;
	size_t i;

	assert_non_null(c);
	memcpy(c, g.ca_der, g.ca_len);
	for (i = 0; i + n <= g.ca_len; i++)
		if (memcmp(c + i, from, n) == 0) {
			assert_null(hit);  /* unique */
			hit = c + i;
		}
	assert_non_null(hit);
	memcpy(hit, to, n);
	return c;
}

/*
 * Each error class from a certificate that differs from a valid one in a
 * few bytes (the parent's signature is not checked on import, so the
 * patched certificate is otherwise well formed).
 */
static void
test_import_patched(void **state)
{
	static const struct {
		const char *name, *from, *to;
		size_t n;
		int rc;
	} cases[] = {
		/* SIA: caRepository becomes an unknown access method (RFC 6487 4.8.8.1). */
		{ "no caRepository", "\x06\x08\x2b\x06\x01\x05\x05\x07\x30\x05",
		  "\x06\x08\x2b\x06\x01\x05\x05\x07\x30\x0e", 10, CERT_ERR_SIA },
		{ "no rpkiManifest", "\x06\x08\x2b\x06\x01\x05\x05\x07\x30\x0a",
		  "\x06\x08\x2b\x06\x01\x05\x05\x07\x30\x0e", 10, CERT_ERR_SIA },
		{ "manifest not rsync", "rsync://us.example.net/repo/us.mft",
		  "rsynx://us.example.net/repo/us.mft", 34, CERT_ERR_SIA },
		{ "SIA is another extension", "\x06\x08\x2b\x06\x01\x05\x05\x07\x01\x0b",
		  "\x06\x08\x2b\x06\x01\x05\x05\x07\x01\x0c", 10, CERT_ERR_EXTENSION },
		/* keyUsage: keyCertSign only (4.8.4). */
		{ "keyUsage", "\x03\x02\x01\x06", "\x03\x02\x02\x04", 4, CERT_ERR_KEY_USAGE },
		/* basicConstraints cA FALSE written out (4.8.1; not DER either). */
		{ "cA false", "\x30\x03\x01\x01\xff", "\x30\x03\x01\x01\x00", 5, CERT_ERR_NOT_CA },
		/* basicConstraints not critical. */
		{ "BC not critical", "\x55\x1d\x13\x01\x01\xff", "\x55\x1d\x13\x01\x01\x00", 6,
		  CERT_ERR_EXTENSION },
		/* RFC 3779 v2 (RFC 8360) OID instead of sbgp-ipAddrBlock. */
		{ "ipAddrBlock v2", "\x06\x08\x2b\x06\x01\x05\x05\x07\x01\x07",
		  "\x06\x08\x2b\x06\x01\x05\x05\x07\x01\x1c", 10, CERT_ERR_RESOURCES },
		/* certificatePolicies (critical) becomes an unknown critical extension. */
		{ "unknown critical extension", "\x06\x03\x55\x1d\x20", "\x06\x03\x55\x1d\x21", 5,
		  CERT_ERR_PARSE },
		/* AIA (non-critical) becomes an unknown one: not in RFC 6487 4.8. */
		{ "unknown extension", "\x06\x08\x2b\x06\x01\x05\x05\x07\x01\x01",
		  "\x06\x08\x2b\x06\x01\x05\x05\x07\x01\x0d", 10, CERT_ERR_EXTENSION },
		/* The EKU OID over the CRLDP value: mbed TLS refuses the value. */
		{ "EKU OID, CRLDP value", "\x06\x03\x55\x1d\x1f", "\x06\x03\x55\x1d\x25", 5, CERT_ERR_PARSE },
		/* SKI that is not the SHA-1 of the key (4.8.2): flip one octet. */
		{ "SKI", NULL, NULL, 0, CERT_ERR_SKI },
	};
	struct cert_issuer iss;
	unsigned char *c;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].from == NULL) {
			/* SKI: the octet string after the SKI OID. */
			unsigned char *p;

			c = malloc(g.ca_len);
			assert_non_null(c);
			memcpy(c, g.ca_der, g.ca_len);
			for (p = c; p + 10 <= c + g.ca_len; p++)
				if (memcmp(p, "\x06\x03\x55\x1d\x0e\x04\x16\x04\x14", 9) == 0)
					break;
			assert_true(p + 10 <= c + g.ca_len);
			p[9] ^= 0x01;
		} else {
			c = patched(cases[i].from, cases[i].to, cases[i].n);
		}
		rc = cert_parse_rpki_ca(&iss, c, g.ca_len);
		if (rc != cases[i].rc)
			fail_msg("%s: got %d (%s), expected %d", cases[i].name, rc,
			    cert_strerror(rc), cases[i].rc);
		assert_null(iss.cert_der);
		assert_null(iss.sia_ca_repository);
		free(c);
	}

	/* A trailing byte (RFC 5280: one DER Certificate). */
	c = malloc(g.ca_len + 1);
	assert_non_null(c);
	memcpy(c, g.ca_der, g.ca_len);
	c[g.ca_len] = 0;
	assert_int_equal(cert_parse_rpki_ca(&iss, c, g.ca_len + 1), CERT_ERR_PARSE);
	free(c);
}

/* X.509 v1 (made by the openssl CLI): CERT_ERR_VERSION. */
static void
test_import_v1(void **state)
{
	struct cert_issuer iss;
	unsigned char *der;
	size_t len;
	char *out = NULL;

	(void)state;
	if (tc_openssl(&out, "req -new -newkey rsa:2048 -nodes -subj /CN=v1 -keyout '%s' -out '%s'",
	    tc_path("v1.key"), tc_path("v1.csr")) != 0)
		fail_msg("openssl req: %s", out);
	free(out);
	if (tc_openssl(&out, "x509 -req -in '%s' -signkey '%s' -days 1 -outform DER -out '%s'",
	    tc_path("v1.csr"), tc_path("v1.key"), tc_path("v1.der")) != 0)
		fail_msg("openssl x509: %s", out);
	free(out);
	der = tc_read(tc_path("v1.der"), &len);
	assert_non_null(der);
	assert_int_equal(cert_parse_rpki_ca(&iss, der, len), CERT_ERR_VERSION);
	free(der);
}

/*
 * Every truncation of a valid certificate, from an exactly sized heap
 * buffer (ASan catches any overread), fails cleanly; so do garbage
 * inputs.
 */
static void
test_import_truncated_garbage(void **state)
{
	static const struct {
		const char *b;
		size_t n;
	} junk[] = {
		{ "\x30", 1 },
		{ "\x30\x00", 2 },
		{ "\x30\x80\x00\x00", 4 },
		{ "\x30\x84\xff\xff\xff\xff", 6 },
		{ "\x30\x82\x01\x00\x30\x82\x00\xfc", 8 },
		{ "\x04\x03" "abc", 5 },
		{ "-----BEGIN CERTIFICATE-----\n", 28 },
	};
	struct cert_issuer iss;
	unsigned char *buf;
	size_t n, i;
	uint32_t x = 12345;

	(void)state;
	for (n = 0; n < g.ca_len; n++) {
		buf = malloc(n ? n : 1);
		assert_non_null(buf);
		memcpy(buf, g.ca_der, n);
		assert_true(cert_parse_rpki_ca(&iss, buf, n) < 0);
		assert_null(iss.cert_der);
		free(buf);
	}
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		buf = malloc(junk[i].n);
		assert_non_null(buf);
		memcpy(buf, junk[i].b, junk[i].n);
		assert_int_equal(cert_parse_rpki_ca(&iss, buf, junk[i].n), CERT_ERR_PARSE);
		free(buf);
	}
	/* Random bytes, and the certificate with random octets flipped. */
	buf = malloc(g.ca_len);
	assert_non_null(buf);
	for (i = 0; i < 2000; i++) {
		size_t k;

		memcpy(buf, g.ca_der, g.ca_len);
		for (k = 0; k < 1 + i % 4; k++) {
			x = x * 1103515245u + 12345u;
			buf[(x >> 8) % g.ca_len] ^= (unsigned char)(1u << (x % 8));
		}
		if (cert_parse_rpki_ca(&iss, buf, g.ca_len) == 0)
			cert_issuer_free(&iss);
		assert_null(iss.cert_der);
	}
	for (i = 0; i < g.ca_len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	assert_true(cert_parse_rpki_ca(&iss, buf, g.ca_len) < 0);
	free(buf);
}

/*
 * Real parent-issued CA certificates (and their issuers' certificates)
 * pass the RFC 6487 CA checks; the router certificate (EC key, EE) does
 * not; LACNIC's issuer holds "inherit", so it could not issue.
 */
static void
test_import_interop(void **state)
{
	static const struct {
		const char *rel;
		int rc;
		bool notify;
		bool self_signed;
	} cases[] = {
		{ "interop/derived/child-certs/apnic-child-0.cer", 0, true, false },
		{ "interop/derived/child-certs/apnic-issuer-0.cer", 0, true, false },
		{ "interop/derived/child-certs/apnic2011-child-0.cer", 0, false, false },
		{ "interop/derived/child-certs/apnic2011-issuer-0.cer", 0, false, false },
		{ "interop/derived/child-certs/afrinic-child-0.cer", 0, true, false },
		{ "interop/derived/child-certs/afrinic-issuer-0.cer", 0, true, false },
		{ "interop/derived/child-certs/lacnic-child-0.cer", 0, false, false },
		{ "interop/derived/child-certs/lacnic-issuer-0.cer", 0, false, false },
		{ "interop/derived/child-certs/rpkid-child-0.cer", 0, false, false },
		{ "interop/derived/child-certs/rpkid-issuer-0.cer", 0, false, false },
		{ "interop/rpki-rs/test-data/repository/ca1.cer", 0, true, false },
		{ "interop/rpki-rs/test-data/repository/ta.cer", 0, true, true },
		{ "interop/rpki-rs/test-data/repository/router.cer", CERT_ERR_SPKI, false, false },
	};
	struct cert_issuer iss;
	unsigned char *der;
	size_t len, i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		der = tc_testdata(cases[i].rel, &len);
		rc = cert_parse_rpki_ca(&iss, der, len);
		if (rc != cases[i].rc)
			fail_msg("%s: got %d (%s)", cases[i].rel, rc, cert_strerror(rc));
		if (rc == 0) {
			assert_true(iss.has_resources);
			assert_non_null(iss.sia_ca_repository);
			assert_non_null(iss.sia_rpki_manifest);
			assert_true((iss.sia_rpki_notify != NULL) == cases[i].notify);
			assert_true(iss.self_signed == cases[i].self_signed);
			assert_true(iss.not_before < iss.not_after);
		}
		free(der);
		cert_issuer_free(&iss);
	}

	/* apnic-child-0: the resources openssl shows (AS 139686...140098, 103.144.176.0/23). */
	der = tc_testdata("interop/derived/child-certs/apnic-child-0.cer", &len);
	assert_int_equal(cert_parse_rpki_ca(&iss, der, len), 0);
	{
		char *t = NULL;

		assert_int_equal(res_set_print(&iss.res.as, &t), 0);
		assert_string_equal(t, "139686,139693,139912,139921,140098");
		free(t);
		assert_int_equal(res_set_print(&iss.res.v4, &t), 0);
		assert_string_equal(t, "103.144.176.0/23");
		free(t);
		assert_int_equal(res_set_print(&iss.res.v6, &t), 0);
		assert_string_equal(t, "2001:df1:ee80::/48");
		free(t);
	}
	cert_issuer_free(&iss);
	free(der);

	/* LACNIC's issuer: inherit everywhere; as an issuer it refuses to issue. */
	der = tc_testdata("interop/derived/child-certs/lacnic-issuer-0.cer", &len);
	assert_int_equal(cert_parse_rpki_ca(&iss, der, len), 0);
	assert_true(iss.res.as.inherit && iss.res.v4.inherit && iss.res.v6.inherit);
	iss.signer = g.s;
	iss.key = g.ta_key;
	{
		struct cert_ca_params p;
		struct res_bundle r;
		unsigned char serial[9], *spki, *out = NULL;
		size_t spki_len, out_len;

		tc_res(&r, "64500", NULL, NULL);
		spki = tc_spki(g.s, g.other_key, &spki_len);
		memset(&p, 0, sizeof(p));
		p.spki = spki;
		p.spki_len = spki_len;
		p.serial = serial;
		p.serial_len = tc_serial(1, serial);
		p.not_before = NOW;
		p.not_after = NOW + DAY;
		p.crldp_uri = p.aia_uri = "rsync://x/y";
		p.sia_ca_repository = "rsync://x/";
		p.sia_rpki_manifest = "rsync://x/m.mft";
		p.res = &r;
		assert_int_equal(cert_issue_ca(&iss, &p, &out, &out_len), CERT_ERR_OVERCLAIM);
		free(spki);
		res_bundle_free(&r);
	}
	cert_issuer_free(&iss);
	free(der);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_ok),
		cmocka_unit_test(test_import_refusals),
		cmocka_unit_test(test_import_patched),
		cmocka_unit_test(test_import_v1),
		cmocka_unit_test(test_import_truncated_garbage),
		cmocka_unit_test(test_import_interop),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
