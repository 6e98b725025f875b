/*
 * End to end with the CA and BPKI keys in a PKCS#11 token (SoftHSM2):
 * children added, a table, list, issue, revoke, a shrink, a restart, the
 * referees after each publication. Run twice: manifests' one-time keys in
 * the token, and in a separate software signer (engine_config.mft_signer).
 *
 * UD items: UD-163 (HSM keys; no software fallback: the software signer
 * only ever holds one-time manifest keys when configured so), UD-131,
 * UD-68, UD-101.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "softhsm_fixture.h"

static struct softhsm_fixture hsm;
static struct signer *p11;

static int
group_setup(void **state)
{
	struct signer_p11_config cfg;

	(void)state;
	if (softhsm_fixture_setup(&hsm, "updown-engine") != 0)
		return -1;
	signer_p11_config_init(&cfg);
	cfg.module = hsm.module;
	cfg.token_uri = hsm.uri;
	return signer_p11_open(&cfg, &p11) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	signer_close(p11);
	softhsm_fixture_teardown(&hsm);
	return 0;
}

static void
referees(struct ef *f, const char *step)
{
	char *out = NULL;
	int st = ef_referees(f, step, &out);

	if (st < 0)
		return;
	assert_int_equal(st, 0);
	assert_int_equal(ef_count(out, ": PASS ("), 2);
	free(out);
}

static void
run(const char *tag, bool sw_mft)
{
	struct ef f;
	struct engine_options o;
	struct ef_child *a, *b;
	struct ud_msg m;
	struct ef_cert c0, c1;
	struct engine_report rep;
	char na[UD_TIME_SIZE];

	ef_init(&f, p11, tag, time(NULL), "64496-64511", "192.0.2.0/24", "2001:db8::/32");
	assert_string_equal(signer_backend(f.s), "pkcs11");
	if (sw_mft)
		f.cfg.mft_signer = ef_signer();
	memset(&o, 0, sizeof(o));
	o.backdate = 300;                   /* the referees use the real clock */
	ef_open(&f, &o);
	a = ef_child_add(&f, "isp-a");
	b = ef_child_add(&f, "isp-b");
	assert_int_equal(ud_time_format(f.now + 100 * EF_DAY, na), 0);
	assert_int_equal(ef_table(&f, false, NULL, "version 1\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\n"
	    "grant isp-a " EF_CLASS " as=64496 ipv4=192.0.2.0/25 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=192.0.2.128/25 ipv6=2001:db8::/48 notafter=%s\n",
	    na, na), 0);
	ef_list(&f, a, &m);
	assert_int_equal(m.nclasses, 1);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&f, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	ef_cert_parse(&f, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &c0);
	assert_true(c0.sig_ok);                      /* signed by the key in the token */
	ef_assert_res(&c0.res, "64496", "192.0.2.0/25", "");
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&f, b, EF_CLASS, ef_key(33), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&f, b, EF_CLASS, ef_key(34), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&f), 3);
	referees(&f, "issued");
	assert_int_equal(ef_revoke(&f, b, EF_CLASS, ef_key(33)->gski, &m), 0);
	ud_msg_free(&m);
	f.now += 1;
	assert_int_equal(ef_table(&f, false, &rep, "version 2\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\n"
	    "grant isp-a " EF_CLASS " as=64496 ipv4=192.0.2.0/26 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=192.0.2.128/25 ipv6=2001:db8::/48 notafter=%s\n",
	    na, na), 0);
	assert_int_equal(rep.shrunk, 1);
	ef_list(&f, a, &m);
	ef_cert_parse(&f, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &c1);
	ef_assert_res(&c1.res, "64496", "192.0.2.0/26", "");
	ud_msg_free(&m);
	assert_true(ef_crl_has(&f, c0.serial));
	assert_int_equal(ef_check_publication(&f), 2);
	referees(&f, "shrunk");
	/* Restart with the token: keys found again by label, publication rebuilt. */
	ef_close_engine(&f);
	ef_open(&f, &o);
	assert_int_equal(ef_check_publication(&f), 2);
	referees(&f, "restart");
	ef_cert_free(&c0);
	ef_cert_free(&c1);
	ef_fini(&f);
}

static void
test_hsm_mft_in_token(void **state)
{
	(void)state;
	run("hsm", false);
}

static void
test_hsm_mft_in_software(void **state)
{
	(void)state;
	run("hsm-sw", true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hsm_mft_in_token),
		cmocka_unit_test(test_hsm_mft_in_software),
	};
	int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);

	ef_pool_free();
	return rc;
}
