/*
 * crypto/cert BPKI tests (RFC 6492 3.1, RFC 8183; UD-14, UD-25): the
 * parent's BPKI trust anchor and the EE certificate that signs its CMS
 * replies, with cms_sign()/cms_verify() and `openssl cms -verify`.
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

#define NOW ((time_t)1700000000)
#define DAY ((time_t)86400)

static struct {
	struct signer *s;
	struct signer_key *ta_key, *ee_key;
} g;

static int
group_setup(void **state)
{
	(void)state;
	g.s = tc_signer();
	g.ta_key = tc_key(g.s, "bpki-ta");
	g.ee_key = tc_key(g.s, "bpki-ee");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	signer_close(g.s);
	return 0;
}

/*
 * UD-14, UD-25: the EE is no CA, carries SKI and AKI, keyUsage
 * digitalSignature, no RFC 3779, is valid for a year; cms_sign() accepts
 * it and both mbed TLS (cms_verify) and openssl verify the message.
 */
static void
test_bpki_cms(void **state)
{
	unsigned char *ee;
	size_t ee_len;
	char *text;
	mbedtls_x509_crt crt;
	struct cms_cert_info info;

	(void)state;
	ee = tc_bpki_roundtrip(g.s, g.ta_key, g.ee_key, NOW, &ee_len);
	text = tc_text(ee, ee_len);
	tc_assert_block(text, "Issuer: CN = updown-bpki-ta");
	tc_assert_block(text, "Subject: CN = updown-bpki-ee");
	tc_assert_block(text, "Not Before: Nov 14 22:08:20 2023 GMT\nNot After : Nov 13 22:13:20 2024 GMT");
	tc_assert_block(text, "X509v3 Key Usage: critical\nDigital Signature");
	assert_int_equal(tc_count(text, "Basic Constraints"), 0);
	assert_int_equal(tc_count(text, "X509v3 Subject Key Identifier"), 1);
	assert_int_equal(tc_count(text, "X509v3 Authority Key Identifier"), 1);
	assert_int_equal(tc_count(text, "sbgp"), 0);
	assert_int_equal(tc_count(text, "Policies"), 0);
	free(text);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(cms_cert_parse(&crt, ee, ee_len, &info), 0);
	assert_int_equal(crt.ca_istrue, 0);
	assert_true(info.has_aki);
	assert_int_equal(info.ski_len, 20);
	assert_false(info.has_rfc3779);
	mbedtls_x509_crt_free(&crt);
	/* Not a CA: neither an issuer nor importable. */
	{
		struct cert_issuer iss;

		assert_int_equal(cert_issuer_load(&iss, g.s, g.ee_key, ee, ee_len), CERT_ERR_NOT_CA);
	}
	free(ee);
}

/*
 * The BPKI TA: self-signed CA, SKI = AKI, keyCertSign+cRLSign, no RFC
 * 3779; it cannot issue RPKI certificates and is no RFC 6487 CA. A
 * handle that is not a PrintableString becomes a UTF8String CN.
 */
static void
test_bpki_ta(void **state)
{
	struct cert_bpki_params bp;
	struct cert_issuer ta;
	struct cert_ca_params cp;
	struct res_bundle r;
	unsigned char serial[9], *der, *out = NULL, *spki;
	size_t len, out_len, spki_len;
	char *text;

	(void)state;
	memset(&bp, 0, sizeof(bp));
	bp.serial = serial;
	bp.serial_len = tc_serial(1, serial);
	bp.not_before = NOW;
	bp.not_after = NOW + 3650 * DAY;
	bp.subject_cn = "parent_handle";
	assert_int_equal(cert_bpki_ta(g.s, g.ta_key, &bp, &der, &len), 0);
	text = tc_text(der, len);
	tc_assert_block(text, "Issuer: CN = parent_handle");
	tc_assert_block(text, "X509v3 Basic Constraints: critical\nCA:TRUE");
	tc_assert_block(text, "X509v3 Key Usage: critical\nCertificate Sign, CRL Sign");
	assert_int_equal(tc_count(text, "sbgp"), 0);
	free(text);
	/* UTF8String (0x0c) for a name with '_'. */
	{
		mbedtls_x509_crt crt;

		mbedtls_x509_crt_init(&crt);
		assert_int_equal(cms_cert_parse(&crt, der, len, NULL), 0);
		assert_int_equal(crt.subject.val.tag, MBEDTLS_ASN1_UTF8_STRING);
		mbedtls_x509_crt_free(&crt);
	}
	assert_int_equal(cert_issuer_load(&ta, g.s, g.ta_key, der, len), 0);
	assert_false(ta.has_resources);
	assert_null(ta.sia_ca_repository);
	{
		struct cert_issuer chk;

		/* Not an RFC 6487 CA certificate: no certificatePolicies (4.8.9). */
		assert_int_equal(cert_parse_rpki_ca(&chk, der, len), CERT_ERR_EXTENSION);
	}

	/* No RPKI certificates from a BPKI issuer. */
	tc_res(&r, "64500", NULL, NULL);
	spki = tc_spki(g.s, g.ee_key, &spki_len);
	memset(&cp, 0, sizeof(cp));
	cp.spki = spki;
	cp.spki_len = spki_len;
	cp.serial = serial;
	cp.serial_len = tc_serial(3, serial);
	cp.not_before = NOW;
	cp.not_after = NOW + DAY;
	cp.crldp_uri = cp.aia_uri = "rsync://x/y";
	cp.sia_ca_repository = "rsync://x/";
	cp.sia_rpki_manifest = "rsync://x/m.mft";
	cp.res = &r;
	assert_int_equal(cert_issue_ca(&ta, &cp, &out, &out_len), CERT_ERR_CANNOT_ISSUE);

	/* EE validity clipped to the TA's; names checked. */
	bp.not_after = NOW + 9999 * DAY;
	bp.subject_cn = "ee";
	assert_int_equal(cert_bpki_ee(&ta, spki, spki_len, &bp, &out, &out_len), 0);
	{
		mbedtls_x509_crt crt;

		mbedtls_x509_crt_init(&crt);
		assert_int_equal(cms_cert_parse(&crt, out, out_len, NULL), 0);
		assert_int_equal(crt.valid_to.year, 2033);  /* the TA's notAfter */
		mbedtls_x509_crt_free(&crt);
	}
	free(out);
	bp.subject_cn = "";
	assert_int_equal(cert_bpki_ee(&ta, spki, spki_len, &bp, &out, &out_len), CERT_ERR_NAME);
	bp.subject_cn = "line\nbreak";
	assert_int_equal(cert_bpki_ee(&ta, spki, spki_len, &bp, &out, &out_len), CERT_ERR_NAME);
	bp.subject_cn = "caf\xc3\xa9";  /* visible ASCII only */
	assert_int_equal(cert_bpki_ee(&ta, spki, spki_len, &bp, &out, &out_len), CERT_ERR_NAME);
	bp.subject_cn = "0123456789012345678901234567890123456789012345678901234567890123X";
	assert_int_equal(cert_bpki_ee(&ta, spki, spki_len, &bp, &out, &out_len), CERT_ERR_NAME);
	bp.subject_cn = "x";
	assert_int_equal(cert_bpki_ee(&ta, spki, spki_len - 2, &bp, &out, &out_len), CERT_ERR_SPKI);
	bp.not_before = NOW + 9999 * DAY;
	assert_int_equal(cert_bpki_ee(&ta, spki, spki_len, &bp, &out, &out_len), CERT_ERR_VALIDITY);
	bp.not_before = NOW;
	bp.subject_cn = NULL;
	assert_int_equal(cert_bpki_ta(g.s, g.ta_key, &bp, &out, &out_len), CERT_ERR_NAME);
	free(spki);
	res_bundle_free(&r);
	cert_issuer_free(&ta);
	free(der);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpki_cms),
		cmocka_unit_test(test_bpki_ta),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
