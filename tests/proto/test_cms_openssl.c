/*
 * RFC 6492 CMS codec against an independent implementation: the openssl
 * CLI (environment variable OPENSSL, set by ctest).
 *
 * (a) A BPKI made by openssl (req/x509/ca: TA, EE with SKI/AKI and not a
 *     CA, CRL); our encoder signs with the EE key; `openssl cms -verify`
 *     with -crl_check accepts it and returns the same XML, and refuses it
 *     when the CRL lists the EE, as we do.
 * (b) Messages made by `openssl cms -sign`: with -keyid -nosmimecap and a
 *     CRL spliced in (openssl 3.0 cms cannot add one) they fit the profile
 *     and we accept them; each flag that breaks a rule is rejected with the
 *     rule's code.
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

#include "proto/cms.h"
#include "proto/cms/cms_test.h"

static const char XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
    "sender=\"child\" recipient=\"parent\" type=\"list\"/>\n";

static const char CONFIG[] =
    "[req]\n"
    "distinguished_name = dn\n"
    "prompt = no\n"
    "[dn]\n"
    "CN = unused\n"
    "[ta_ext]\n"
    "basicConstraints = critical,CA:TRUE\n"
    "keyUsage = critical,keyCertSign,cRLSign\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid:always\n"
    "[ee_ext]\n"
    "basicConstraints = critical,CA:FALSE\n"
    "keyUsage = critical,digitalSignature\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid:always\n"
    "[ca]\n"
    "default_ca = bpki\n"
    "[bpki]\n"
    "database = index.txt\n"
    "crlnumber = crlnumber\n"
    "default_md = sha256\n"
    "default_crl_days = 30\n"
    "crl_extensions = crl_ext\n"
    "[crl_ext]\n"
    "authorityKeyIdentifier = keyid:always\n";

static char dir[64];
static const char *openssl;
static mbedtls_pk_context ee_key;
static struct tbuf ta, ee, crl, crl_revoked;

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

static struct tbuf
read_in_dir(const char *name)
{
	return read_file(in_dir(name));
}

static void
write_in_dir(const char *name, const void *p, size_t len)
{
	struct tbuf b = { (unsigned char *)p, len };

	write_file(in_dir(name), &b);
}

static int
setup(void **state)
{
	(void)state;
	openssl = getenv("OPENSSL");
	if (openssl == NULL || *openssl == '\0')
		fail_msg("OPENSSL is not set (run through ctest)");
	strcpy(dir, "/tmp/updown-cms-XXXXXX");
	assert_non_null(mkdtemp(dir));
	write_in_dir("cfg", CONFIG, strlen(CONFIG));
	write_in_dir("index.txt", "", 0);
	write_in_dir("crlnumber", "01\n", 3);
	write_in_dir("msg.xml", XML, strlen(XML));

	/* BPKI TA, EE (serial 2, SKI+AKI, not a CA), CRL; then a CRL revoking the EE. */
	assert_int_equal(run("req -x509 -new -newkey rsa:2048 -nodes -keyout ta.key -out ta.pem "
	    "-subj /CN=Test-BPKI-TA -days 3650 -config cfg -extensions ta_ext"), 0);
	assert_int_equal(run("req -new -newkey rsa:2048 -nodes -keyout ee.key -out ee.csr "
	    "-subj /CN=Test-EE -config cfg"), 0);
	assert_int_equal(run("x509 -req -in ee.csr -CA ta.pem -CAkey ta.key -set_serial 2 "
	    "-days 365 -extfile cfg -extensions ee_ext -out ee.pem"), 0);
	assert_int_equal(run("ca -config cfg -gencrl -keyfile ta.key -cert ta.pem -out crl.pem"), 0);
	assert_int_equal(run("ca -config cfg -revoke ee.pem -keyfile ta.key -cert ta.pem"), 0);
	assert_int_equal(run("ca -config cfg -gencrl -keyfile ta.key -cert ta.pem "
	    "-out crl-revoked.pem"), 0);
	assert_int_equal(run("x509 -in ta.pem -outform DER -out ta.der"), 0);
	assert_int_equal(run("x509 -in ee.pem -outform DER -out ee.der"), 0);
	assert_int_equal(run("crl -in crl.pem -outform DER -out crl.der"), 0);
	assert_int_equal(run("crl -in crl-revoked.pem -outform DER -out crl-revoked.der"), 0);
	ta = read_in_dir("ta.der");
	ee = read_in_dir("ee.der");
	crl = read_in_dir("crl.der");
	crl_revoked = read_in_dir("crl-revoked.der");
	mbedtls_pk_init(&ee_key);
	assert_int_equal(mbedtls_pk_parse_keyfile(&ee_key, in_dir("ee.key"), NULL), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	mbedtls_pk_free(&ee_key);
	tbuf_free(&ta);
	tbuf_free(&ee);
	tbuf_free(&crl);
	tbuf_free(&crl_revoked);
	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* Decode with opts and cms_verify() against the openssl TA now. */
static void
check_ours(const struct tbuf *msg, const struct cms_opts *opts, int decode_rc, int verify_rc)
{
	struct cms_trust t = { ta.p, ta.len, NULL, 0 };
	struct cms_msg m;
	int rc;

	cms_msg_init(&m);
	rc = cms_decode(&m, msg->p, msg->len, opts);
	if (rc != decode_rc)
		fail_msg("decode: %d (%s), want %d (%s)", rc, cms_strerror(rc), decode_rc,
		    cms_strerror(decode_rc));
	if (rc == 0) {
		assert_int_equal(m.xml_len, strlen(XML));
		assert_memory_equal(m.xml, XML, m.xml_len);
		rc = cms_verify(&m, &t, time(NULL));
		if (rc != verify_rc)
			fail_msg("verify: %d (%s), want %d (%s)", rc, cms_strerror(rc), verify_rc,
			    cms_strerror(verify_rc));
	}
	cms_msg_free(&m);
}

/* openssl cms -verify with the CRL check; returns its exit status, out.xml holds the content. */
static int
openssl_verify(const char *file)
{
	unlink(in_dir("out.xml"));
	return run("cms -verify -inform DER -in %s -CAfile ta.pem -binary -purpose any "
	    "-crl_check -out out.xml", file);
}

static void
assert_out_xml(void)
{
	struct tbuf out = read_in_dir("out.xml");

	assert_int_equal(out.len, strlen(XML));
	assert_memory_equal(out.p, XML, out.len);
	tbuf_free(&out);
}

/* (a) UD-10..UD-23: openssl accepts what we sign, CRL check included (UD-15, UD-34). */
static void
test_openssl_verifies_ours(void **state)
{
	struct cms_signer s = { ee.p, ee.len, crl.p, crl.len, sw_sign, &ee_key };
	unsigned char *out = NULL;
	size_t out_len = 0;
	struct tbuf msg;

	(void)state;
	assert_int_equal(cms_sign(&s, (const unsigned char *)XML, strlen(XML), time(NULL),
	    &out, &out_len), 0);
	write_in_dir("ours.der", out, out_len);
	assert_int_equal(openssl_verify("ours.der"), 0);
	assert_out_xml();
	msg.p = out;
	msg.len = out_len;
	check_ours(&msg, &(struct cms_opts){ .der_only = true }, 0, 0);
	free(out);

	/* With a CRL revoking the EE both sides refuse (UD-34). */
	s.crl_der = crl_revoked.p;
	s.crl_len = crl_revoked.len;
	out = NULL;
	assert_int_equal(cms_sign(&s, (const unsigned char *)XML, strlen(XML), time(NULL),
	    &out, &out_len), 0);
	write_in_dir("ours-revoked.der", out, out_len);
	assert_int_not_equal(openssl_verify("ours-revoked.der"), 0);
	msg.p = out;
	msg.len = out_len;
	check_ours(&msg, NULL, 0, CMS_ERR_REVOKED);
	free(out);
}

struct ossl_case {
	const char *name;
	const char *flags;       /* after the common -sign flags */
	bool splice;             /* add the CRL */
	struct cms_opts opts;
	int decode_rc;
	int verify_rc;
};

#define ECT "-econtent_type 1.2.840.113549.1.9.16.1.28 "

/* (b) openssl cms -sign output, conformant and broken one rule at a time. */
static void
test_openssl_messages(void **state)
{
	static const struct ossl_case cases[] = {
		/* The profile exactly: SKI sid, no S/MIME capabilities, CRL spliced in. */
		{ "profile", ECT "-keyid -md sha256 -nosmimecap", true, { 0 }, 0, 0 },
		{ "profile, DER only", ECT "-keyid -md sha256 -nosmimecap", true,
		  { .der_only = true }, 0, 0 },
		/* UD-24: -stream writes indefinite lengths (BER). */
		{ "stream (BER)", ECT "-keyid -md sha256 -nosmimecap -stream", true, { 0 }, 0, 0 },
		{ "stream (BER), DER only", ECT "-keyid -md sha256 -nosmimecap -stream", true,
		  { .der_only = true }, CMS_ERR_NOT_DER, 0 },
		/* UD-15: openssl adds no CRL by itself. */
		{ "no CRL", ECT "-keyid -md sha256 -nosmimecap", false, { 0 }, CMS_ERR_NO_CRL, 0 },
		/*
		 * UD-17: without -keyid the sid is issuerAndSerialNumber, and
		 * RFC 5652 then makes the SignerInfo version 1, which is the first
		 * rule it breaks (3.1.1.6.1 comes before 3.1.1.6.2).
		 */
		{ "issuerAndSerialNumber", ECT "-md sha256 -nosmimecap", true, { 0 },
		  CMS_ERR_SI_VERSION, 0 },
		/* UD-21: openssl's default S/MIME-Capabilities attribute; UD-30 setting. */
		{ "smimecap", ECT "-keyid -md sha256", true, { 0 }, CMS_ERR_ATTR_UNKNOWN, 0 },
		{ "smimecap allowed", ECT "-keyid -md sha256", true, { .allow_unknown_attrs = true },
		  0, 0 },
		/* UD-21: CAdES signingCertificateV2. */
		{ "cades", ECT "-keyid -md sha256 -nosmimecap -cades", true, { 0 },
		  CMS_ERR_ATTR_UNKNOWN, 0 },
		/* UD-19 */
		{ "noattr", ECT "-keyid -md sha256 -noattr", true, { 0 }, CMS_ERR_NO_SIGNED_ATTRS, 0 },
		/* UD-12 */
		{ "sha1", ECT "-keyid -md sha1 -nosmimecap", true, { 0 }, CMS_ERR_DIGEST_ALGS, 0 },
		{ "sha512", ECT "-keyid -md sha512 -nosmimecap", true, { 0 }, CMS_ERR_DIGEST_ALGS, 0 },
		/* UD-13: default eContentType id-data */
		{ "id-data", "-keyid -md sha256 -nosmimecap", true, { 0 }, CMS_ERR_ECONTENT_TYPE, 0 },
		/* UD-14 */
		{ "nocerts", ECT "-keyid -md sha256 -nosmimecap -nocerts", true, { 0 },
		  CMS_ERR_NO_CERTS, 0 },
		{ "extra certificate", ECT "-keyid -md sha256 -nosmimecap -certfile ta.pem", true,
		  { 0 }, CMS_ERR_CERT_COUNT, 0 },
		/* UD-22: RSASSA-PSS is not in the RPKI algorithm profile. */
		{ "pss", ECT "-keyid -md sha256 -nosmimecap -keyopt rsa_padding_mode:pss", true,
		  { 0 }, CMS_ERR_SIG_ALG, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ossl_case *c = &cases[i];
		struct tbuf raw, msg;

		print_message("%s\n", c->name);
		assert_int_equal(run("cms -sign -binary -nodetach -outform DER -signer ee.pem "
		    "-inkey ee.key -in msg.xml -out o.der %s", c->flags), 0);
		raw = read_in_dir("o.der");
		if (c->splice) {
			msg = splice_crl(&raw, &crl);
			assert_non_null(msg.p);
			tbuf_free(&raw);
		} else {
			msg = raw;
		}
		check_ours(&msg, &c->opts, c->decode_rc, c->verify_rc);
		if (i == 0) {
			/* The splice keeps openssl's signature intact and its CRL usable. */
			write_in_dir("spliced.der", msg.p, msg.len);
			assert_int_equal(openssl_verify("spliced.der"), 0);
			assert_out_xml();
		}
		tbuf_free(&msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl_verifies_ours),
		cmocka_unit_test(test_openssl_messages),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
