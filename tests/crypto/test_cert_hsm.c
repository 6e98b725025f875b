/*
 * crypto/cert with keys in a SoftHSM2 token (PKCS#11): the trust anchor,
 * a child CA certificate, an imported CA certificate signing an EE, the
 * BPKI TA and EE with cms_sign (UD-25: the EE key lives in the HSM), and a
 * large certificate signed with host-side hashing (UD-98).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/cert.h"
#include "softhsm_fixture.h"
#include "test_cert_util.h"

#define NOW    ((time_t)1700000000)
#define DAY    ((time_t)86400)
#define TA_END ((time_t)2840140800)

static struct softhsm_fixture fx;

static struct signer *
open_p11(enum signer_p11_mech mech)
{
	struct signer_p11_config cfg;
	struct signer *s = NULL;

	signer_p11_config_init(&cfg);
	cfg.module = fx.module;
	cfg.token_uri = fx.uri;
	cfg.mech = mech;
	if (signer_p11_open(&cfg, &s) != 0)
		fail_msg("signer_p11_open: %s", signer_last_error());
	return s;
}

static int
group_setup(void **state)
{
	(void)state;
	return softhsm_fixture_setup(&fx, "cert-test") == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	softhsm_fixture_teardown(&fx);
	return 0;
}

/* Child CA parameters for spki. */
static void
ca_params(struct cert_ca_params *p, const unsigned char *spki, size_t spki_len,
          unsigned char serial[9], uint64_t n, const struct res_bundle *r)
{
	memset(p, 0, sizeof(*p));
	p->spki = spki;
	p->spki_len = spki_len;
	p->serial = serial;
	p->serial_len = tc_serial(n, serial);
	p->not_before = NOW;
	p->not_after = NOW + 365 * DAY;
	p->crldp_uri = "rsync://rpki.example.net/repo/ta/ta.crl";
	p->aia_uri = "rsync://rpki.example.net/ta/ta.cer";
	p->sia_ca_repository = "rsync://child.example.net/repo/";
	p->sia_rpki_manifest = "rsync://child.example.net/repo/c.mft";
	p->res = r;
}

static void
test_hsm_rpki(void **state)
{
	struct signer *s, *s2;
	struct signer_key *ta_key, *ca_key, *ee_key, *k2;
	struct cert_ta_params tp;
	struct cert_ca_params cp;
	struct cert_ee_params ep;
	struct cert_issuer ta, ca, ta2;
	struct res_bundle ta_res, r;
	unsigned char serial[9], *ta_der, *ca_der, *ee_der, *big, *spki;
	size_t ta_len, ca_len, ee_len, big_len, spki_len, i;
	char *out = NULL, *text = NULL, item[32];
	const char *ta_pem, *ca_pem, *ee_pem;

	(void)state;
	s = open_p11(SIGNER_P11_SHA256_RSA_PKCS);
	ta_key = tc_key(s, "ta");
	ca_key = tc_key(s, "ca");
	ee_key = tc_key(s, "mft-ee");

	tc_res(&ta_res, "64496-64511", "10.0.0.0/8,192.0.2.0/24", "2001:db8::/32");
	memset(&tp, 0, sizeof(tp));
	tp.serial = serial;
	tp.serial_len = tc_serial(1, serial);
	tp.not_before = NOW - DAY;
	tp.not_after = TA_END;
	tp.subject_cn = "hsm-ta";
	tp.sia_ca_repository = "rsync://rpki.example.net/repo/ta/";
	tp.sia_rpki_manifest = "rsync://rpki.example.net/repo/ta/ta.mft";
	tp.res = &ta_res;
	assert_int_equal(cert_make_ta(s, ta_key, &tp, &ta_der, &ta_len), 0);
	assert_int_equal(cert_issuer_load(&ta, s, ta_key, ta_der, ta_len), 0);
	/* The wrong HSM key for this certificate. */
	{
		struct cert_issuer bad;

		assert_int_equal(cert_issuer_load(&bad, s, ca_key, ta_der, ta_len),
		    CERT_ERR_KEY_MISMATCH);
	}

	tc_res(&r, "64500", "192.0.2.0/25", NULL);
	spki = tc_spki(s, ca_key, &spki_len);
	ca_params(&cp, spki, spki_len, serial, 10, &r);
	assert_int_equal(cert_issue_ca(&ta, &cp, &ca_der, &ca_len), 0);
	free(spki);
	ta_pem = tc_pem("hsm-ta.cer", ta_der, ta_len);
	ca_pem = tc_pem("hsm-ca.cer", ca_der, ca_len);
	assert_int_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' '%s'",
	    (long long)NOW + 3600, ta_pem, ca_pem), 0);
	free(out);

	/* Import the CA certificate for its HSM key; it signs a manifest EE. */
	assert_int_equal(cert_import_ca(&ca, s, ca_key, ca_der, ca_len), 0);
	spki = tc_spki(s, ee_key, &spki_len);
	memset(&ep, 0, sizeof(ep));
	ep.spki = spki;
	ep.spki_len = spki_len;
	ep.serial = serial;
	ep.serial_len = tc_serial(1, serial);
	ep.not_before = NOW;
	ep.not_after = NOW + DAY;
	ep.crldp_uri = "rsync://child.example.net/repo/c.crl";
	ep.aia_uri = "rsync://rpki.example.net/repo/ta/c.cer";
	ep.signed_object_uri = "rsync://child.example.net/repo/c.mft";
	ep.inherit = true;
	assert_int_equal(cert_issue_ee(&ca, &ep, &ee_der, &ee_len), 0);
	free(spki);
	ee_pem = tc_pem("hsm-ee.cer", ee_der, ee_len);
	assert_int_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' -untrusted '%s' '%s'",
	    (long long)NOW + 3600, ta_pem, ca_pem, ee_pem), 0);
	free(out);

	/* UD-98: a large TBS, hashed on the host, signed with CKM_RSA_PKCS. */
	s2 = open_p11(SIGNER_P11_RSA_PKCS_HOST_HASH);
	assert_int_equal(signer_key_find(s2, "ta", &k2), 0);
	assert_int_equal(cert_issuer_load(&ta2, s2, k2, ta_der, ta_len), 0);
	for (i = 0; i < 6000; i++) {
		snprintf(item, sizeof(item), "%s10.%zu.%zu.0/24", i ? "," : "", i / 128, 2 * (i % 128));
		text = realloc(text, (text ? strlen(text) : 0) + strlen(item) + 1);
		assert_non_null(text);
		if (i == 0)
			text[0] = '\0';
		strcat(text, item);
	}
	res_bundle_free(&r);
	tc_res(&r, NULL, text, NULL);
	free(text);
	spki = tc_spki(s, ca_key, &spki_len);
	ca_params(&cp, spki, spki_len, serial, 11, &r);
	assert_int_equal(cert_issue_ca(&ta2, &cp, &big, &big_len), 0);
	assert_true(big_len > 16384);
	ca_pem = tc_pem("hsm-big.cer", big, big_len);
	assert_int_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' '%s'",
	    (long long)NOW + 3600, ta_pem, ca_pem), 0);
	free(out);
	free(spki);
	free(big);
	cert_issuer_free(&ta2);
	signer_close(s2);

	free(ee_der);
	cert_issuer_free(&ca);
	free(ca_der);
	res_bundle_free(&r);
	cert_issuer_free(&ta);
	free(ta_der);
	res_bundle_free(&ta_res);
	signer_close(s);
}

/* UD-25: BPKI TA and EE with keys in the HSM; cms_sign and openssl agree. */
static void
test_hsm_bpki(void **state)
{
	struct signer *s;
	unsigned char *ee;
	size_t ee_len;

	(void)state;
	s = open_p11(SIGNER_P11_SHA256_RSA_PKCS);
	ee = tc_bpki_roundtrip(s, tc_key(s, "bpki-ta"), tc_key(s, "bpki-ee"), NOW, &ee_len);
	free(ee);
	signer_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hsm_rpki),
		cmocka_unit_test(test_hsm_bpki),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
