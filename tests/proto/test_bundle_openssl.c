/*
 * Provisioning bundles against an independent CMS implementation: the
 * openssl CLI (environment variable OPENSSL, set by ctest).
 *
 * - Two operators (keys and self-signed operator certificates made by
 *   openssl, as at a key ceremony) sign with our encoder; `openssl cms
 *   -verify -noverify -binary` accepts the bundle and returns the eContent
 *   exactly, `openssl cms -cmsout -print` shows two SignerInfos, and a
 *   changed table fails both openssl and us.
 * - Without certificates openssl cannot find the signers; given them with
 *   -certfile it matches each sid (our SHA-1 SKI) to its certificate.
 * - Bundles signed by `openssl cms -sign -keyid` and extended with
 *   `openssl cms -resign` pass our strict decoder and the 2-of-2 check, also
 *   mixed with our own signatures: signatures really are independent.
 *
 * Everything happens in a mkdtemp directory removed at the end.
 */
#include <stdarg.h>
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

#include "proto/bundle.h"
#include "proto/bundle/bundle_test.h"

#define T0 ((time_t)1717243200)  /* 2024-06-01T12:00:00Z */

static const char CONFIG[] =
    "[req]\n"
    "distinguished_name = dn\n"
    "prompt = no\n"
    "[dn]\n"
    "CN = unused\n"
    "[op_ext]\n"
    "basicConstraints = critical,CA:FALSE\n"
    "keyUsage = critical,digitalSignature\n"
    "subjectKeyIdentifier = hash\n";

static char dir[64];
static const char *openssl;
static mbedtls_pk_context key[2];
static struct tb cert[2], spki[2];

/* Run an openssl command line in dir; returns its exit status. Output goes to dir/log. */
static int
run(const char *fmt, ...)
{
	char args[2048], cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s >>log 2>&1", dir, openssl, args);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static const char *
in_dir(const char *name)
{
	static char path[2][256];
	static int k;

	k ^= 1;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	return path[k];
}

static int
setup(void **state)
{
	size_t i;

	(void)state;
	openssl = getenv("OPENSSL");
	if (openssl == NULL || *openssl == '\0')
		fail_msg("OPENSSL is not set (run through ctest)");
	bt_mkdir(dir, sizeof(dir), "updown-bundle");
	bt_write(in_dir("cfg"), CONFIG, strlen(CONFIG));
	/* The key ceremony: each operator's key and self-signed certificate (with SKI). */
	for (i = 0; i < 2; i++) {
		char name[32];
		assert_int_equal(run("req -x509 -new -newkey rsa:2048 -nodes -keyout op%zu.key "
		    "-out op%zu.pem -subj /CN=operator-%zu -days 3650 -config cfg "
		    "-extensions op_ext", i, i, i), 0);
		assert_int_equal(run("x509 -in op%zu.pem -outform DER -out op%zu.der", i, i), 0);
		assert_int_equal(run("pkey -in op%zu.key -pubout -outform DER -out op%zu.spki",
		    i, i), 0);
		snprintf(name, sizeof(name), "op%zu.der", i);
		cert[i] = bt_read(in_dir(name));
		snprintf(name, sizeof(name), "op%zu.spki", i);
		spki[i] = bt_read(in_dir(name));
		snprintf(name, sizeof(name), "op%zu.key", i);
		mbedtls_pk_init(&key[i]);
		assert_int_equal(mbedtls_pk_parse_keyfile(&key[i], in_dir(name), NULL), 0);
	}
	{
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "cat '%s/op0.pem' '%s/op1.pem' > '%s/ops.pem'", dir, dir,
		    dir);
		assert_int_equal(system(cmd), 0);
	}
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		mbedtls_pk_free(&key[i]);
		tb_free(&cert[i]);
		tb_free(&spki[i]);
	}
	bt_rmdir(dir);
	return 0;
}

/* An unsigned bundle, and the same signed by both operators (with or without certificates). */
static struct tb
make(bool signed_, bool with_certs)
{
	const char *t = bt_table(21);
	struct tb cur = { 0 }, next = { 0 };
	size_t i;

	assert_int_equal(bundle_create(t, strlen(t), 21, T0, "interop", 0, &cur.p, &cur.len,
	    NULL), 0);
	for (i = 0; signed_ && i < 2; i++) {
		struct bundle_signer s = { spki[i].p, spki[i].len,
		    with_certs ? cert[i].p : NULL, with_certs ? cert[i].len : 0, bt_sign, &key[i] };
		assert_int_equal(bundle_add_signature(cur.p, cur.len, &s, T0 + 60 * (time_t)i,
		    &next.p, &next.len), 0);
		tb_free(&cur);
		cur = next;
	}
	return cur;
}

/* Decode and verify 2 of the 2 operators. */
static int
ours(const struct tb *der, unsigned m)
{
	struct bundle_operator ops[2] = { { spki[0].p, spki[0].len }, { spki[1].p, spki[1].len } };
	struct bundle_result r;
	struct bundle b;
	int rc;

	bundle_init(&b);
	bundle_result_init(&r);
	rc = bundle_decode(&b, der->p, der->len);
	if (rc == 0)
		rc = bundle_verify(&b, ops, 2, m, NULL, &r);
	bundle_result_free(&r);
	bundle_free(&b);
	return rc;
}

/* The eContent (DER BundleContent) of a bundle. */
static struct tb
econtent_of(const struct tb *der)
{
	struct bundle b;
	struct tb e;

	bundle_init(&b);
	assert_int_equal(bundle_decode(&b, der->p, der->len), 0);
	e = tb_dup(b.econtent.p, b.econtent.len);
	bundle_free(&b);
	return e;
}

static void
test_openssl_verifies_ours(void **state)
{
	struct tb der = make(true, true), e = econtent_of(&der), out;

	(void)state;
	bt_write(in_dir("b.der"), der.p, der.len);
	unlink(in_dir("content.bin"));
	assert_int_equal(run("cms -verify -noverify -inform DER -binary -in b.der "
	    "-out content.bin"), 0);
	out = bt_read(in_dir("content.bin"));
	assert_int_equal(out.len, e.len);
	assert_memory_equal(out.p, e.p, e.len);
	assert_int_equal(ours(&der, 2), 0);
	tb_free(&out);
	tb_free(&e);
	tb_free(&der);
}

static void
test_openssl_prints_two_signers(void **state)
{
	struct tb der = make(true, true), txt;
	const char *p, *sis;
	size_t n = 0;

	(void)state;
	bt_write(in_dir("p.der"), der.p, der.len);
	assert_int_equal(run("cms -cmsout -print -inform DER -in p.der -out p.txt"), 0);
	txt = bt_read(in_dir("p.txt"));
	txt.p[txt.len] = '\0';            /* bt_read leaves room for it */
	assert_non_null(strstr((char *)txt.p, "eContentType: undefined (" BUNDLE_OID_CT_TEXT ")"));
	sis = strstr((char *)txt.p, "signerInfos:");
	assert_non_null(sis);
	for (p = sis; (p = strstr(p, "d.subjectKeyIdentifier:")) != NULL; p++)
		n++;
	assert_int_equal(n, 2);
	for (n = 0, p = sis; (p = strstr(p, "signatureAlgorithm:")) != NULL; p++)
		n++;
	assert_int_equal(n, 2);
	for (n = 0, p = (char *)txt.p; (p = strstr(p, "d.certificate:")) != NULL; p++)
		n++;
	assert_int_equal(n, 2);
	tb_free(&txt);
	tb_free(&der);
}

static void
test_openssl_without_certs(void **state)
{
	struct tb der = make(true, false);

	(void)state;
	bt_write(in_dir("nc.der"), der.p, der.len);
	/* openssl finds no signer certificate in the bundle ... */
	assert_int_not_equal(run("cms -verify -noverify -inform DER -binary -in nc.der "
	    "-out nc.bin"), 0);
	/* ... but matches each sid to the operator certificates given apart. */
	assert_int_equal(run("cms -verify -noverify -inform DER -binary -in nc.der "
	    "-certfile ops.pem -out nc.bin"), 0);
	assert_int_equal(ours(&der, 2), 0);
	tb_free(&der);
}

static void
test_openssl_refuses_tampered(void **state)
{
	struct tb der = make(true, true);
	struct bundle b;
	size_t off;

	(void)state;
	bundle_init(&b);
	assert_int_equal(bundle_decode(&b, der.p, der.len), 0);
	off = (size_t)(b.table.p - b.der) + b.table.len / 2;
	bundle_free(&b);
	der.p[off] ^= 0x01;
	bt_write(in_dir("t.der"), der.p, der.len);
	assert_int_not_equal(run("cms -verify -noverify -inform DER -binary -in t.der "
	    "-out t.bin"), 0);
	assert_int_equal(ours(&der, 1), BUNDLE_ERR_DIGEST_MISMATCH);
	tb_free(&der);
}

/* openssl signs (-sign -keyid, then -resign): our decoder and verifier accept it. */
static void
test_openssl_made_bundle(void **state)
{
	struct tb u = make(false, false), e = econtent_of(&u), os1, os2, mixed = { 0 },
	    mixed2, back;
	struct bundle_signer s = { spki[1].p, spki[1].len, cert[1].p, cert[1].len, bt_sign, &key[1] };
	struct bundle b;

	(void)state;
	bt_write(in_dir("content.der"), e.p, e.len);
	assert_int_equal(run("cms -sign -binary -nodetach -keyid -nosmimecap -md sha256 "
	    "-econtent_type %s -signer op0.pem -inkey op0.key -in content.der -outform DER "
	    "-out os1.der", BUNDLE_OID_CT_TEXT), 0);
	assert_int_equal(run("cms -resign -inform DER -in os1.der -binary -keyid -nosmimecap "
	    "-md sha256 -signer op1.pem -inkey op1.key -outform DER -out os2.der"), 0);
	os1 = bt_read(in_dir("os1.der"));
	os2 = bt_read(in_dir("os2.der"));
	/* Same content as ours: the eContent is what we made. */
	back = econtent_of(&os2);
	assert_int_equal(back.len, e.len);
	assert_memory_equal(back.p, e.p, e.len);
	bundle_init(&b);
	assert_int_equal(bundle_decode(&b, os2.p, os2.len), 0);
	assert_int_equal(b.nsigners, 2);
	assert_int_equal(b.ncerts, 2);
	bundle_free(&b);
	assert_int_equal(ours(&os1, 2), BUNDLE_ERR_THRESHOLD);
	assert_int_equal(ours(&os1, 1), 0);
	assert_int_equal(ours(&os2, 2), 0);
	/* openssl's first signature plus ours. */
	assert_int_equal(bundle_add_signature(os1.p, os1.len, &s, T0, &mixed.p, &mixed.len), 0);
	assert_int_equal(ours(&mixed, 2), 0);
	/* Ours first, then openssl -resign. */
	{
		struct tb one = { 0 };
		struct bundle_signer s0 = { spki[0].p, spki[0].len, cert[0].p, cert[0].len,
		    bt_sign, &key[0] };
		assert_int_equal(bundle_add_signature(u.p, u.len, &s0, T0, &one.p, &one.len), 0);
		bt_write(in_dir("ours1.der"), one.p, one.len);
		assert_int_equal(run("cms -resign -inform DER -in ours1.der -binary -keyid "
		    "-nosmimecap -md sha256 -signer op1.pem -inkey op1.key -outform DER "
		    "-out mixed2.der"), 0);
		mixed2 = bt_read(in_dir("mixed2.der"));
		assert_int_equal(ours(&mixed2, 2), 0);
		tb_free(&one);
	}
	/* Without -keyid openssl names the signer by issuer and serial (SignerInfo v1): refused. */
	assert_int_equal(run("cms -sign -binary -nodetach -nosmimecap -md sha256 "
	    "-econtent_type %s -signer op0.pem -inkey op0.key -in content.der -outform DER "
	    "-out ias.der", BUNDLE_OID_CT_TEXT), 0);
	{
		struct tb ias = bt_read(in_dir("ias.der"));
		assert_int_equal(ours(&ias, 1), BUNDLE_ERR_SI_VERSION);
		tb_free(&ias);
	}
	/* Without -nosmimecap it adds an S/MIME capabilities attribute: refused. */
	assert_int_equal(run("cms -sign -binary -nodetach -keyid -md sha256 "
	    "-econtent_type %s -signer op0.pem -inkey op0.key -in content.der -outform DER "
	    "-out smime.der", BUNDLE_OID_CT_TEXT), 0);
	{
		struct tb sm = bt_read(in_dir("smime.der"));
		assert_int_equal(ours(&sm, 1), BUNDLE_ERR_SIGNED_ATTRS);
		tb_free(&sm);
	}
	tb_free(&u);
	tb_free(&e);
	tb_free(&os1);
	tb_free(&os2);
	tb_free(&back);
	tb_free(&mixed);
	tb_free(&mixed2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl_verifies_ours),
		cmocka_unit_test(test_openssl_prints_two_signers),
		cmocka_unit_test(test_openssl_without_certs),
		cmocka_unit_test(test_openssl_refuses_tampered),
		cmocka_unit_test(test_openssl_made_bundle),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
