/*
 * cms_sign_object(): RFC 6488 signed objects (manifests, UD-131) share the
 * RFC 6492 SignedData layout, minus the CRL, with the eContentType as a
 * parameter.
 *
 * (a) Byte-for-byte equal to the independent builder of test_cms_util.c
 *     with the manifest eContentType and no crls field; SHA-256 parameters
 *     absent (RFC 5754 2; FORT's strict incidence rejects NULL ones).
 * (b) The openssl CLI verifies the signature (-noverify: no chain) and
 *     returns the eContent unchanged.
 * (c) Every EE and argument the profile refuses is refused with its code.
 * (d) cms_sign() still refuses a missing CRL, and the RFC 6492 decoder
 *     refuses a signed object (wrong eContentType, no CRL).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "proto/cms.h"
#include "proto/cms/cms_test.h"

#define NOW ((time_t)1736899200)   /* 2025-01-15T00:00:00Z */

/* id-ct-rpkiManifest 1.2.840.113549.1.9.16.1.26 */
#define OID_CT_MFT "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x1a"

/* A stand-in eContent (the bytes are opaque to the CMS layer). */
static const unsigned char ECONTENT[] = {
	0x30, 0x0a, 0x02, 0x01, 0x05, 0x18, 0x05, '2', '0', '2', '5', 'Z',
};

static struct {
	mbedtls_pk_context ca_key, ee_key, other_key, ec_key;
	struct tbuf ee, ee_ca, ee_no3779, ee_noski, ee_noaki, ee_ec, crl;
	struct cms_cert_info info;
} P;

static int
setup(void **state)
{
	mbedtls_x509_crt c;

	(void)state;
	test_key(&P.ca_key, 21);
	test_key(&P.ee_key, 22);
	test_key(&P.other_key, 23);
	test_ec_key(&P.ec_key, 24);
#define EE(field, key_, ca_, r3779, noski, noaki) P.field = make_cert(&(struct cert_spec){ \
	.subject = "CN=Test RPKI EE", .issuer = "CN=Test RPKI CA", .key = (key_), \
	.issuer_key = &P.ca_key, .serial = 2, .not_before = "20240101000000", \
	.not_after = "20300101000000", .ca = (ca_), .rfc3779 = (r3779), .no_ski = (noski), \
	.no_aki = (noaki) })
	EE(ee, &P.ee_key, false, true, false, false);
	EE(ee_ca, &P.ee_key, true, true, false, false);
	EE(ee_no3779, &P.ee_key, false, false, false, false);
	EE(ee_noski, &P.ee_key, false, true, true, false);
	EE(ee_noaki, &P.ee_key, false, true, false, true);
	EE(ee_ec, &P.ec_key, false, true, false, false);
#undef EE
	mbedtls_x509_crt_init(&c);
	assert_int_equal(cms_cert_parse(&c, P.ee.p, P.ee.len, &P.info), 0);
	assert_true(P.info.has_rfc3779);
	{
		struct crl_spec cs = { c.issuer_raw.p, c.issuer_raw.len, &P.ca_key, NOW - 3600,
		    NOW + 86400, NULL, 0, false, false, false };
		P.crl = make_crl(&cs);
	}
	mbedtls_x509_crt_free(&c);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tbuf_free(&P.ee);
	tbuf_free(&P.ee_ca);
	tbuf_free(&P.ee_no3779);
	tbuf_free(&P.ee_noski);
	tbuf_free(&P.ee_noaki);
	tbuf_free(&P.ee_ec);
	tbuf_free(&P.crl);
	mbedtls_pk_free(&P.ca_key);
	mbedtls_pk_free(&P.ee_key);
	mbedtls_pk_free(&P.other_key);
	mbedtls_pk_free(&P.ec_key);
	return 0;
}

static struct cms_signer
obj_signer(const struct tbuf *ee, mbedtls_pk_context *key)
{
	struct cms_signer s = { ee->p, ee->len, NULL, 0, sw_sign, key };

	return s;
}

/* (a) UD-131: the layout equals an independent encoding. */
static void
test_matches_builder(void **state)
{
	struct cms_signer s = obj_signer(&P.ee, &P.ee_key);
	unsigned char *out = NULL;
	size_t out_len = 0;
	struct bld b;
	struct tbuf want;

	(void)state;
	assert_int_equal(cms_sign_object(&s, OID_CT_MFT, sizeof(OID_CT_MFT) - 1, ECONTENT,
	    sizeof(ECONTENT), NOW - 60, &out, &out_len), 0);
	memset(&b, 0, sizeof(b));
	b.xml = ECONTENT;
	b.xml_len = sizeof(ECONTENT);
	b.certs = &P.ee;
	b.n_certs = 1;
	b.no_crls_field = true;
	b.ski = P.info.ski;
	b.ski_len = P.info.ski_len;
	b.key = &P.ee_key;
	b.signing_time = NOW - 60;
	b.econtent_oid = OID_CT_MFT;
	b.econtent_oid_len = sizeof(OID_CT_MFT) - 1;
	want = build_msg(&b);
	/*
	 * The builder always writes content-type = id-ct-xml in the signed
	 * attributes (it serves the RFC 6492 tests), so exactly two things
	 * may differ: that attribute's last OID octet (0x1a here, 0x1c there)
	 * and hence the signature, the last 256 octets of both encodings.
	 * Our signature is checked independently by test_openssl_verifies.
	 */
	assert_int_equal(out_len, want.len);
	{
		size_t i, n_ct = 0, sig_start = out_len - 256;
		for (i = 0; i < sig_start; i++) {
			if (out[i] == want.p[i])
				continue;
			assert_int_equal(out[i], 0x1a);
			assert_int_equal(want.p[i], 0x1c);
			assert_true(i >= 10);
			assert_memory_equal(out + i - 10, OID_CT_MFT, 10);
			n_ct++;
		}
		assert_int_equal(n_ct, 1);
		/* ...and the eContentType itself, earlier, is the manifest's. */
		{
			static const char pat[] = "\x06\x0b" OID_CT_MFT "\xa0";
			bool found = false;
			for (i = 0; !found && i + sizeof(pat) - 1 <= out_len; i++)
				found = memcmp(out + i, pat, sizeof(pat) - 1) == 0;
			assert_true(found);
		}
	}
	tbuf_free(&want);
	free(out);
}

/* (b) An independent verifier accepts the signature and returns the eContent. */
static void
test_openssl_verifies(void **state)
{
	struct cms_signer s = obj_signer(&P.ee, &P.ee_key);
	const char *openssl = getenv("OPENSSL");
	char dir[] = "/tmp/updown-cmsobj-XXXXXX", path[128], cmd[1024];
	unsigned char *out = NULL;
	size_t out_len = 0;
	struct tbuf obj, content;
	int st;

	(void)state;
	if (openssl == NULL || *openssl == '\0')
		fail_msg("OPENSSL is not set (run through ctest)");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(cms_sign_object(&s, OID_CT_MFT, sizeof(OID_CT_MFT) - 1, ECONTENT,
	    sizeof(ECONTENT), NOW, &out, &out_len), 0);
	obj.p = out;
	obj.len = out_len;
	snprintf(path, sizeof(path), "%s/obj.der", dir);
	write_file(path, &obj);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' cms -verify -inform DER -in obj.der "
	    "-noverify -binary -out content.bin >log 2>&1 && grep -q 'Verification successful' log",
	    dir, openssl);
	st = system(cmd);
	assert_true(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(path, sizeof(path), "%s/content.bin", dir);
	content = read_file(path);
	assert_int_equal(content.len, sizeof(ECONTENT));
	assert_memory_equal(content.p, ECONTENT, sizeof(ECONTENT));
	tbuf_free(&content);
	/* A flipped eContent byte fails openssl's message-digest check. */
	out[out_len - 300] ^= 0x01;   /* inside the signature or attributes: either way invalid */
	snprintf(path, sizeof(path), "%s/obj.der", dir);
	write_file(path, &obj);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' cms -verify -inform DER -in obj.der "
	    "-noverify -binary -out content.bin >log 2>&1", dir, openssl);
	st = system(cmd);
	assert_true(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(out);
}

/* (c) The EE must be an RPKI EE certificate; arguments are checked. */
static void
test_refusals(void **state)
{
	struct {
		const struct tbuf *ee;
		mbedtls_pk_context *key;
		int want;
	} cases[] = {
		{ &P.ee_ca, &P.ee_key, CMS_ERR_EE_IS_CA },
		{ &P.ee_no3779, &P.ee_key, CMS_ERR_EE_RESOURCES },
		{ &P.ee_noski, &P.ee_key, CMS_ERR_EE_NO_SKI },
		{ &P.ee_noaki, &P.ee_key, CMS_ERR_EE_NO_AKI },
		{ &P.ee_ec, &P.ec_key, CMS_ERR_EE_KEY },
		{ &P.ee, &P.other_key, CMS_ERR_SIGN_VERIFY },   /* wrong key behind the callback */
		{ &P.crl, &P.ee_key, CMS_ERR_CERT_PARSE },       /* not a certificate */
	};
	struct cms_signer s;
	unsigned char *out = NULL, *padded;
	size_t out_len = 0, i;
	char long_oid[CMS_MAX_OID + 1];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = obj_signer(cases[i].ee, cases[i].key);
		assert_int_equal(cms_sign_object(&s, OID_CT_MFT, sizeof(OID_CT_MFT) - 1, ECONTENT,
		    sizeof(ECONTENT), NOW, &out, &out_len), cases[i].want);
		assert_null(out);
	}
	/* Trailing bytes after the EE certificate. */
	padded = malloc(P.ee.len + 1);
	assert_non_null(padded);
	memcpy(padded, P.ee.p, P.ee.len);
	padded[P.ee.len] = 0;
	s = obj_signer(&P.ee, &P.ee_key);
	s.ee_der = padded;
	s.ee_len = P.ee.len + 1;
	assert_int_equal(cms_sign_object(&s, OID_CT_MFT, sizeof(OID_CT_MFT) - 1, ECONTENT,
	    sizeof(ECONTENT), NOW, &out, &out_len), CMS_ERR_CERT_PARSE);
	free(padded);

	s = obj_signer(&P.ee, &P.ee_key);
	memset(long_oid, 0x2a, sizeof(long_oid));
	assert_int_equal(cms_sign_object(&s, long_oid, sizeof(long_oid), ECONTENT,
	    sizeof(ECONTENT), NOW, &out, &out_len), CMS_ERR_ARG);
	assert_int_equal(cms_sign_object(&s, "\x2a\x86", 2, ECONTENT, sizeof(ECONTENT), NOW,
	    &out, &out_len), CMS_ERR_ARG);               /* last arc unfinished */
	assert_int_equal(cms_sign_object(&s, OID_CT_MFT, 0, ECONTENT, sizeof(ECONTENT), NOW,
	    &out, &out_len), CMS_ERR_ARG);
	assert_int_equal(cms_sign_object(&s, OID_CT_MFT, sizeof(OID_CT_MFT) - 1, ECONTENT, 0,
	    NOW, &out, &out_len), CMS_ERR_ARG);
	assert_int_equal(cms_sign_object(NULL, OID_CT_MFT, sizeof(OID_CT_MFT) - 1, ECONTENT,
	    sizeof(ECONTENT), NOW, &out, &out_len), CMS_ERR_ARG);
	assert_int_equal(cms_sign_object(&s, OID_CT_MFT, sizeof(OID_CT_MFT) - 1, ECONTENT,
	    sizeof(ECONTENT), (time_t)-631152001 /* 1949 */, &out, &out_len), CMS_ERR_TIME_RANGE);
	/* RFC 6488 2.1.5: no CRL in a signed object. */
	s.crl_der = P.crl.p;
	s.crl_len = P.crl.len;
	assert_int_equal(cms_sign_object(&s, OID_CT_MFT, sizeof(OID_CT_MFT) - 1, ECONTENT,
	    sizeof(ECONTENT), NOW, &out, &out_len), CMS_ERR_ARG);
	assert_null(out);
}

/* (d) The RFC 6492 functions keep their own profile. */
static void
test_rfc6492_unchanged(void **state)
{
	struct cms_signer s = obj_signer(&P.ee, &P.ee_key);
	unsigned char *out = NULL, *msg = NULL;
	size_t out_len = 0, msg_len = 0;
	struct cms_msg m;

	(void)state;
	assert_int_equal(cms_sign(&s, ECONTENT, sizeof(ECONTENT), NOW, &msg, &msg_len),
	    CMS_ERR_ARG);                                /* no CRL */
	assert_int_equal(cms_sign_object(&s, OID_CT_MFT, sizeof(OID_CT_MFT) - 1, ECONTENT,
	    sizeof(ECONTENT), NOW, &out, &out_len), 0);
	cms_msg_init(&m);
	assert_true(cms_decode(&m, out, out_len, NULL) < 0);
	cms_msg_free(&m);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_builder),
		cmocka_unit_test(test_openssl_verifies),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_rfc6492_unchanged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
