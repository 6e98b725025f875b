/*
 * crypto/csr against requests made at run time.
 *
 * (a) The openssl CLI (environment variable OPENSSL, set by ctest) makes a
 *     profile request (RSA-2048, SHA-256, critical BC cA, critical KU
 *     keyCertSign+cRLSign, SIA caRepository + rpkiManifest): accepted, with
 *     the SPKI equal to `openssl pkey -pubout` (UD-84) and the SKI equal to
 *     the one openssl computes. Then one request per rule it can break,
 *     each refused with that rule's code (UD-70..UD-76).
 * (b) An independent PKCS#10 builder (csr/csr_test.h) signing with the same
 *     key makes what openssl cannot: version 1, two extensionRequest
 *     attributes, non-DER encodings, other GeneralName forms, someone
 *     else's key, hostile URIs inside a correctly signed request.
 *
 * Everything happens in a mkdtemp directory removed at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/pk.h>

#include "crypto/csr.h"
#include "crypto/csr/csr_test.h"

static const char CONFIG[] =
    "[req]\n"
    "distinguished_name = dn\n"
    "prompt = no\n"
    "[dn]\n"
    "CN = child\n";

/* The same with a challengePassword attribute (PKCS#9). */
static const char CONFIG_PW[] =
    "[req]\n"
    "distinguished_name = dn\n"
    "attributes = attrs\n"
    "prompt = no\n"
    "[dn]\n"
    "CN = child\n"
    "[attrs]\n"
    "challengePassword = secret123\n";

static char dir[64];
static const char *openssl;
static mbedtls_pk_context key, key_b;

static int
run(const char *fmt, ...)
{
	char args[4096], cmd[8192];
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
check(const struct tbuf *b, const struct csr_policy *pol, struct csr_info *out)
{
	unsigned char *q = malloc(b->len ? b->len : 1);
	int rc;

	assert_non_null(q);
	memcpy(q, b->p, b->len);
	rc = csr_check(q, b->len, pol, out);
	free(q);
	return rc;
}

static int
setup(void **state)
{
	struct tbuf c;

	(void)state;
	openssl = getenv("OPENSSL");
	if (openssl == NULL || *openssl == '\0')
		fail_msg("OPENSSL is not set (run through ctest)");
	strcpy(dir, "/tmp/updown-csr-XXXXXX");
	assert_non_null(mkdtemp(dir));
	c = tb_dup(CONFIG, strlen(CONFIG));
	tb_write(in_dir("cfg"), &c);
	tb_free(&c);
	c = tb_dup(CONFIG_PW, strlen(CONFIG_PW));
	tb_write(in_dir("cfg-pw"), &c);
	tb_free(&c);

	assert_int_equal(run("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k2048.pem"), 0);
	assert_int_equal(run("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out kb.pem"), 0);
	assert_int_equal(run("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out k1024.pem"), 0);
	assert_int_equal(run("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out k4096.pem"), 0);
	assert_int_equal(run("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
	    "-pkeyopt rsa_keygen_pubexp:3 -out ke3.pem"), 0);
	assert_int_equal(run("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out kec.pem"), 0);
	assert_int_equal(run("pkey -in k2048.pem -pubout -outform DER -out k2048.spki"), 0);

	mbedtls_pk_init(&key);
	mbedtls_pk_init(&key_b);
	assert_int_equal(mbedtls_pk_parse_keyfile(&key, in_dir("k2048.pem"), NULL), 0);
	assert_int_equal(mbedtls_pk_parse_keyfile(&key_b, in_dir("kb.pem"), NULL), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	mbedtls_pk_free(&key);
	mbedtls_pk_free(&key_b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define BC      " -addext 'basicConstraints=critical,CA:TRUE'"
#define KU      " -addext 'keyUsage=critical,keyCertSign,cRLSign'"
#define SIA(x)  " -addext 'subjectInfoAccess=" x "'"
#define REPO    "caRepository;URI:rsync://example.net/repo/child/"
#define MFT     "rpkiManifest;URI:rsync://example.net/repo/child/child.mft"
#define GOOD    BC KU SIA(REPO "," MFT)

/* openssl req cases: key file, config, digest and extensions, expected code. */
static const struct ocase {
	const char *name;   /* also the output file */
	const char *key;
	const char *cfg;
	const char *args;
	int rc;
} ocases[] = {
	/* Accepted. */
	{ "good", "k2048", "cfg", "-sha256" GOOD, 0 },
	{ "good-notify", "k2048", "cfg", "-sha256" BC KU
	    SIA(REPO "," MFT ",rpkiNotify;URI:https://example.net/rrdp/notification.xml"), 0 },
	{ "good-eku", "k2048", "cfg", "-sha256" GOOD " -addext extendedKeyUsage=serverAuth", 0 },
	{ "good-no-ku", "k2048", "cfg", "-sha256" BC SIA(REPO "," MFT), 0 },
	{ "good-bc-noncritical", "k2048", "cfg",
	    "-sha256 -addext basicConstraints=CA:TRUE" KU SIA(REPO "," MFT), 0 },
	{ "good-sia-order", "k2048", "cfg", "-sha256" BC KU SIA(MFT "," REPO), 0 },
	/* UD-71: keys. */
	{ "rsa1024", "k1024", "cfg", "-sha256" GOOD, CSR_ERR_KEY_SIZE },
	{ "rsa4096", "k4096", "cfg", "-sha256" GOOD, CSR_ERR_KEY_SIZE },
	{ "exponent3", "ke3", "cfg", "-sha256" GOOD, CSR_ERR_KEY_EXPONENT },
	{ "ec-p256", "kec", "cfg", "-sha256" GOOD, CSR_ERR_KEY_ALG },
	/* UD-71: signature algorithms. */
	{ "sha1", "k2048", "cfg", "-sha1" GOOD, CSR_ERR_SIG_ALG },
	{ "md5", "k2048", "cfg", "-md5" GOOD, CSR_ERR_SIG_ALG },
	{ "sha384", "k2048", "cfg", "-sha384" GOOD, CSR_ERR_SIG_ALG },
	{ "sha512", "k2048", "cfg", "-sha512" GOOD, CSR_ERR_SIG_ALG },
	{ "pss", "k2048", "cfg", "-sha256 -sigopt rsa_padding_mode:pss" GOOD, CSR_ERR_SIG_ALG },
	/* UD-72: SIA. */
	{ "no-sia", "k2048", "cfg", "-sha256" BC KU, CSR_ERR_SIA_MISSING },
	{ "sia-no-mft", "k2048", "cfg", "-sha256" BC KU SIA(REPO), CSR_ERR_SIA_NO_MFT },
	{ "sia-no-repo", "k2048", "cfg", "-sha256" BC KU SIA(MFT), CSR_ERR_SIA_NO_REPO },
	{ "repo-http", "k2048", "cfg", "-sha256" BC KU
	    SIA("caRepository;URI:http://example.net/repo/child/," MFT), CSR_ERR_URI_SCHEME },
	{ "repo-no-slash", "k2048", "cfg", "-sha256" BC KU
	    SIA("caRepository;URI:rsync://example.net/repo/child," MFT), CSR_ERR_REPO_SLASH },
	{ "mft-slash", "k2048", "cfg", "-sha256" BC KU
	    SIA(REPO ",rpkiManifest;URI:rsync://example.net/repo/child/"), CSR_ERR_MFT_SLASH },
	{ "signed-object", "k2048", "cfg", "-sha256" BC KU
	    SIA(REPO "," MFT ",signedObject;URI:rsync://example.net/repo/child/x.roa"),
	    CSR_ERR_SIA_SIGNED_OBJ },
	{ "ca-issuers", "k2048", "cfg", "-sha256" BC KU
	    SIA(REPO "," MFT ",caIssuers;URI:rsync://example.net/repo/parent.cer"),
	    CSR_ERR_SIA_METHOD },
	{ "two-repos", "k2048", "cfg", "-sha256" BC KU
	    SIA(REPO ",caRepository;URI:rsync://example.net/repo/other/," MFT), CSR_ERR_SIA_DUP },
	{ "notify-http", "k2048", "cfg", "-sha256" BC KU
	    SIA(REPO "," MFT ",rpkiNotify;URI:http://example.net/notification.xml"),
	    CSR_ERR_URI_SCHEME },
	{ "repo-dotdot", "k2048", "cfg", "-sha256" BC KU
	    SIA("caRepository;URI:rsync://example.net/repo/../child/," MFT), CSR_ERR_URI_NORMAL },
	{ "repo-no-host", "k2048", "cfg", "-sha256" BC KU
	    SIA("caRepository;URI:rsync:///repo/child/," MFT), CSR_ERR_URI_HOST },
	/* UD-73: BasicConstraints and KeyUsage. */
	{ "ca-false", "k2048", "cfg", "-sha256 -addext 'basicConstraints=critical,CA:FALSE'" KU
	    SIA(REPO "," MFT), CSR_ERR_BC_NOT_CA },
	{ "no-bc", "k2048", "cfg", "-sha256" KU SIA(REPO "," MFT), CSR_ERR_BC_MISSING },
	{ "pathlen", "k2048", "cfg", "-sha256 -addext 'basicConstraints=critical,CA:TRUE,pathlen:0'"
	    KU SIA(REPO "," MFT), CSR_ERR_BC_PATHLEN },
	{ "ku-ee", "k2048", "cfg", "-sha256" BC " -addext 'keyUsage=critical,digitalSignature'"
	    SIA(REPO "," MFT), CSR_ERR_KU },
	{ "ku-certsign-only", "k2048", "cfg", "-sha256" BC " -addext 'keyUsage=critical,keyCertSign'"
	    SIA(REPO "," MFT), CSR_ERR_KU },
	{ "ku-extra", "k2048", "cfg", "-sha256" BC
	    " -addext 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'"
	    SIA(REPO "," MFT), CSR_ERR_KU },
	/* UD-74: extensions and attributes. */
	{ "san", "k2048", "cfg", "-sha256" GOOD " -addext subjectAltName=DNS:example.net",
	    CSR_ERR_EXT_UNKNOWN },
	{ "ski", "k2048", "cfg", "-sha256" GOOD " -addext subjectKeyIdentifier=hash",
	    CSR_ERR_EXT_UNKNOWN },
	{ "challenge-password", "k2048", "cfg-pw", "-sha256" GOOD, CSR_ERR_ATTR_UNKNOWN },
	{ "no-extensions", "k2048", "cfg", "-sha256", CSR_ERR_BC_MISSING },
};

/* UD-70..UD-74: each openssl request gets its rule's code. */
static void
test_openssl_cases(void **state)
{
	struct csr_info info;

	(void)state;
	for (size_t i = 0; i < TB_N(ocases); i++) {
		const struct ocase *c = &ocases[i];
		char file[128];
		struct tbuf d;
		int rc;

		snprintf(file, sizeof(file), "%s.der", c->name);
		if (run("req -new -key %s.pem -config %s %s -outform DER -out %s", c->key,
		    c->cfg, c->args, file) != 0)
			fail_msg("openssl req failed for %s (see %s/log)", c->name, dir);
		d = tb_read(in_dir(file));
		rc = check(&d, NULL, &info);
		if (rc != c->rc)
			fail_msg("%s: got %d (%s), want %d (%s)", c->name, rc, csr_strerror(rc),
			    c->rc, csr_strerror(c->rc));
		if (rc != 0) {
			assert_null(info.spki);
			assert_null(info.ca_repository);
		}
		csr_info_free(&info);
		tb_free(&d);
	}
}

/*
 * UD-84, UD-93 (the request side: what crypto/cert copies into the issued
 * certificate): what the good request asks for, checked against openssl.
 */
static void
test_openssl_info(void **state)
{
	struct tbuf d, spki, skitxt;
	struct csr_info info;
	char hex[2 * CSR_SKI_LEN + 1];

	(void)state;
	assert_int_equal(run("req -new -key k2048.pem -config cfg -sha256 %s -outform DER -out info.der",
	    GOOD), 0);
	d = tb_read(in_dir("info.der"));
	assert_int_equal(check(&d, NULL, &info), 0);
	spki = tb_read(in_dir("k2048.spki"));
	assert_int_equal(info.spki_len, spki.len);
	assert_memory_equal(info.spki, spki.p, spki.len);
	assert_string_equal(info.ca_repository, "rsync://example.net/repo/child/");
	assert_string_equal(info.rpki_manifest, "rsync://example.net/repo/child/child.mft");
	assert_null(info.rpki_notify);
	assert_true(info.bc_present && info.bc_ca && info.ku_present);
	assert_int_equal(info.ku_bits, CSR_KU_KEY_CERT_SIGN | CSR_KU_CRL_SIGN);
	assert_false(info.eku_present);

	/* openssl's own SKI (RFC 5280 4.2.1.2 method 1) for the same key. */
	{
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' req -new -key k2048.pem -config cfg "
		    "-addext subjectKeyIdentifier=hash -noout -text | "
		    "grep -A1 'Subject Key Identifier' | tail -1 | tr -d ' :\\n' > ski.txt",
		    dir, openssl);
		assert_int_equal(system(cmd), 0);
	}
	skitxt = tb_read(in_dir("ski.txt"));
	assert_int_equal(skitxt.len, 2 * CSR_SKI_LEN);
	for (int i = 0; i < CSR_SKI_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02X", info.ski[i]);
	assert_memory_equal(hex, skitxt.p, skitxt.len);
	csr_info_free(&info);
	tb_free(&skitxt);
	tb_free(&spki);

	/* rpkiNotify and EKU are reported. */
	tb_free(&d);
	d = tb_read(in_dir("good-notify.der"));
	assert_int_equal(check(&d, NULL, &info), 0);
	assert_string_equal(info.rpki_notify, "https://example.net/rrdp/notification.xml");
	csr_info_free(&info);
	tb_free(&d);
	d = tb_read(in_dir("good-eku.der"));
	assert_int_equal(check(&d, NULL, &info), 0);
	assert_true(info.eku_present);
	csr_info_free(&info);
	tb_free(&d);
	d = tb_read(in_dir("good-no-ku.der"));
	assert_int_equal(check(&d, NULL, &info), 0);
	assert_false(info.ku_present);
	assert_int_equal(info.ku_bits, 0);
	csr_info_free(&info);
	tb_free(&d);
}

/* UD-70: a flipped signature byte; trailing bytes; every truncation. */
static void
test_openssl_mutations(void **state)
{
	struct tbuf d, t;

	(void)state;
	d = tb_read(in_dir("good.der"));
	assert_int_equal(check(&d, NULL, NULL), 0);
	d.p[d.len - 100] ^= 0x01;
	assert_int_equal(check(&d, NULL, NULL), CSR_ERR_SIGNATURE);
	d.p[d.len - 100] ^= 0x01;
	/* The last byte of the signature, and its first. */
	d.p[d.len - 1] ^= 0x80;
	assert_int_equal(check(&d, NULL, NULL), CSR_ERR_SIGNATURE);
	d.p[d.len - 1] ^= 0x80;
	d.p[d.len - 256] ^= 0x80;
	assert_int_equal(check(&d, NULL, NULL), CSR_ERR_SIGNATURE);
	d.p[d.len - 256] ^= 0x80;

	t = tb_dup(d.p, d.len + 0);
	{
		struct tbuf parts[2] = { t, tb_str("garbage") };

		t = tb_cat(parts, 2);
	}
	assert_int_equal(check(&t, NULL, NULL), CSR_ERR_TRAILING);
	tb_free(&t);

	for (size_t l = 1; l < d.len; l++) {
		struct tbuf p = { d.p, l };

		assert_int_equal(check(&p, NULL, NULL), CSR_ERR_DER);
	}
	tb_free(&d);
}

/* UD-76: the policy knobs on openssl requests. */
static void
test_openssl_policy(void **state)
{
	static const struct {
		const char *sia;
		int rc_default;
		int rc_policy;
	} t[] = {
		{ REPO "," MFT, 0, 0 },
		{ REPO ",rpkiManifest;URI:rsync://example.net/repo/other/child.mft", 0,
		    CSR_ERR_MFT_OUTSIDE },
		{ REPO ",rpkiManifest;URI:rsync://example.net/repo/child/sub/child.mft", 0,
		    CSR_ERR_MFT_OUTSIDE },
		{ REPO ",rpkiManifest;URI:rsync://example.net/repo/child.mft", 0,
		    CSR_ERR_MFT_OUTSIDE },
		{ REPO ",rpkiManifest;URI:rsync://other.example.net/repo/child/child.mft", 0,
		    CSR_ERR_MFT_OUTSIDE },
		{ "caRepository;URI:rsync://192.0.2.1/repo/child/,"
		    "rpkiManifest;URI:rsync://192.0.2.1/repo/child/child.mft", 0, CSR_ERR_URI_HOST },
		{ "caRepository;URI:rsync://example.net/repo/child/,"
		    "rpkiManifest;URI:rsync://example.net/repo/child/child.mft,"
		    "rpkiNotify;URI:https://[2001:db8::1]/notification.xml", 0, CSR_ERR_URI_HOST },
	};
	struct csr_policy pol = { .mft_in_repo = true, .host_names_only = true };

	(void)state;
	for (size_t i = 0; i < TB_N(t); i++) {
		struct tbuf d;
		int rc;

		assert_int_equal(run("req -new -key k2048.pem -config cfg -sha256 %s "
		    "-addext 'subjectInfoAccess=%s' -outform DER -out pol.der", BC KU, t[i].sia), 0);
		d = tb_read(in_dir("pol.der"));
		if ((rc = check(&d, NULL, NULL)) != t[i].rc_default)
			fail_msg("policy row %zu default: got %d (%s)", i, rc, csr_strerror(rc));
		if ((rc = check(&d, &pol, NULL)) != t[i].rc_policy)
			fail_msg("policy row %zu: got %d (%s)", i, rc, csr_strerror(rc));
		tb_free(&d);
	}
}

/* Builder helpers: a request with the good BC and KU and this SIA extension. */
static struct tbuf
with_exts(struct tbuf *exts, size_t n)
{
	struct treq r = { 0 };

	r.attrs = tattr_extreq(exts, n);
	return treq_build(&r, &key);
}

static struct tbuf
with_sia(struct tbuf sia)
{
	struct tbuf e[3] = { text_bc(1, -1), text_ku("0106"), sia };

	return with_exts(e, 3);
}

static struct tbuf
with_uris(const char *repo, const char *mft)
{
	struct tad ads[2] = { { 5, repo, 0 }, { 10, mft, 0 } };

	return with_sia(text_sia(ads, 2));
}

/* Cases only the builder can make. Each returns the DER. */
static struct tbuf
b_good(void)
{
	return treq_good(&key);
}

static struct tbuf
b_sha256_noparam(void)
{
	struct treq r = { .sig = TSIG_SHA256_NOPARAM };

	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

static struct tbuf
b_sha1(void)
{
	struct treq r = { .sig = TSIG_SHA1 };

	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

static struct tbuf
b_md5(void)
{
	struct treq r = { .sig = TSIG_MD5 };

	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

static struct tbuf
b_version1(void)
{
	struct treq r = { .version = 1 };

	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

static struct tbuf
b_version2(void)
{
	struct treq r = { .version = 2 };

	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

static struct tbuf
b_empty_subject(void)
{
	struct treq r = { 0 };

	r.subject = tb_hex("3000");
	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

static struct tbuf
b_bad_subject(void)
{
	struct treq r = { 0 };

	r.subject = tb_hex("30053103020100"); /* RDN holding an INTEGER, not an AVA */
	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

/* Someone else's key in the request, signed with ours: no proof of possession. */
static struct tbuf
b_other_key(void)
{
	struct treq r = { 0 };
	unsigned char buf[1024];
	int n = mbedtls_pk_write_pubkey_der(&key_b, buf, sizeof(buf));

	assert_true(n > 0);
	r.spki = tb_dup(buf + sizeof(buf) - (size_t)n, (size_t)n);
	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

/* rsaEncryption without its NULL parameters. */
static struct tbuf
b_key_noparam(void)
{
	struct treq r = { 0 };
	unsigned char buf[1024];
	int n = mbedtls_pk_write_pubkey_der(&key, buf, sizeof(buf));
	const unsigned char *p = buf + sizeof(buf) - (size_t)n;
	struct tbuf parts[2];

	/* 30 82 01 22 | 30 0d 06 09 <rsa> 05 00 | 03 82 01 0f ... */
	assert_int_equal(n, 294);
	parts[0] = tb_hex("300b06092a864886f70d010101");
	parts[1] = tb_dup(p + 19, (size_t)n - 19);
	r.spki = tb_tlv(0x30, parts, 2);
	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

/* An RSAPublicKey whose modulus is negative (no leading zero octet). */
static struct tbuf
fake_key(const char *first_octets, unsigned char fill, size_t nlen)
{
	struct tbuf parts[2], rsa[2], bits[2];
	unsigned char n[300];
	struct tbuf f = tb_hex(first_octets);

	assert_true(nlen <= sizeof(n) && f.len <= nlen);
	memset(n, fill, nlen);
	memcpy(n, f.p, f.len);
	tb_free(&f);
	rsa[0] = tb_dup(n, nlen);
	rsa[0] = tb_tlv(0x02, &rsa[0], 1);
	rsa[1] = tb_hex("0203010001");
	bits[0] = tb_hex("00");
	bits[1] = tb_tlv(0x30, rsa, 2);
	parts[0] = tb_hex("300d06092a864886f70d0101010500");
	parts[1] = tb_tlv(0x03, bits, 2);
	return tb_tlv(0x30, parts, 2);
}

static struct tbuf
b_key_negative(void)
{
	struct treq r = { 0 };

	r.spki = fake_key("c0", 0x55, 256);
	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

/* 00 + 256 octets, top bit set but even: mbed TLS refuses it as an RSA key. */
static struct tbuf
b_key_even(void)
{
	struct treq r = { 0 };

	r.spki = fake_key("00c0", 0x54, 257);
	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

/* 2047 bits: 00 + 256 octets would be 2048; 256 octets with the top bit clear. */
static struct tbuf
b_key_2047(void)
{
	struct treq r = { 0 };

	r.spki = fake_key("40", 0x55, 256);
	r.attrs = tattr_good();
	return treq_build(&r, &key);
}

static struct tbuf
b_no_attrs_field(void)
{
	struct treq r = { .no_attrs = true };

	return treq_build(&r, &key);
}

static struct tbuf
b_empty_attrs(void)
{
	struct treq r = { 0 };

	return treq_build(&r, &key);
}

static struct tbuf
b_two_ext_req(void)
{
	struct treq r = { 0 };
	struct tbuf a[2] = { tattr_good(), tattr_good() };

	r.attrs = tb_cat(a, 2);
	return treq_build(&r, &key);
}

static struct tbuf
b_ext_req_two_values(void)
{
	struct treq r = { 0 };
	struct tbuf e1[3] = { text_bc(1, -1), text_ku("0106"), text_sia_good() };
	struct tbuf e2[3] = { text_bc(1, -1), text_ku("0106"), text_sia_good() };
	struct tbuf v[2];

	v[0] = tb_tlv(0x30, e1, 3);
	v[1] = tb_tlv(0x30, e2, 3);
	r.attrs = tattr("2a864886f70d01090e", v, 2);
	return treq_build(&r, &key);
}

static struct tbuf
b_password_and_ext_req(void)
{
	struct treq r = { 0 };
	struct tbuf pw = tb_hex("0c09736563726574313233"), a[2]; /* UTF8String "secret123" */

	a[0] = tattr_good();
	a[1] = tattr("2a864886f70d010907", &pw, 1); /* challengePassword */
	r.attrs = tb_cat(a, 2);
	return treq_build(&r, &key);
}

static struct tbuf
b_two_bc(void)
{
	struct tbuf e[4] = { text_bc(1, -1), text_bc(1, -1), text_ku("0106"), text_sia_good() };

	return with_exts(e, 4);
}

static struct tbuf
b_two_sia(void)
{
	struct tbuf e[4] = { text_bc(1, -1), text_ku("0106"), text_sia_good(), text_sia_good() };

	return with_exts(e, 4);
}

static struct tbuf
b_bc_explicit_false(void)
{
	struct tbuf e[3] = { text_bc(0, -1), text_ku("0106"), text_sia_good() };

	return with_exts(e, 3);
}

static struct tbuf
b_bc_pathlen_no_ca(void)
{
	struct tbuf e[3] = { text_bc(-1, 0), text_ku("0106"), text_sia_good() };

	return with_exts(e, 3);
}

static struct tbuf
b_bc_pathlen(void)
{
	struct tbuf e[3] = { text_bc(1, 3), text_ku("0106"), text_sia_good() };

	return with_exts(e, 3);
}

/* DEFAULT FALSE encoded: not DER (X.690 11.5). */
static struct tbuf
b_crit_false(void)
{
	struct tbuf v = tb_hex("30030101ff");
	struct tbuf e[3] = { text("551d13", 0, v), text_ku("0106"), text_sia_good() };

	return with_exts(e, 3);
}

/* The right KeyUsage bits in a non-DER BIT STRING (trailing zero bit kept). */
static struct tbuf
b_ku_not_der(void)
{
	struct tbuf e[3] = { text_bc(1, -1), text_ku("0006"), text_sia_good() };

	return with_exts(e, 3);
}

static struct tbuf
b_ku_decipher_only(void)
{
	struct tbuf e[3] = { text_bc(1, -1), text_ku("070680"), text_sia_good() };

	return with_exts(e, 3);
}

static struct tbuf
b_ku_empty(void)
{
	struct tbuf e[3] = { text_bc(1, -1), text_ku("00"), text_sia_good() };

	return with_exts(e, 3);
}

static struct tbuf
b_eku_empty(void)
{
	struct tbuf v = tb_hex("3000");
	struct tbuf e[4] = { text_bc(1, -1), text_ku("0106"), text_sia_good(),
		text("551d25", -1, v) };

	return with_exts(e, 4);
}

static struct tbuf
b_aki(void)
{
	struct tbuf v = tb_hex("3016801401020304050607080910111213141516171819");
	struct tbuf e[4] = { text_bc(1, -1), text_ku("0106"), text_sia_good(),
		text("551d23", -1, v) };

	return with_exts(e, 4);
}

static struct tbuf
b_sia_empty(void)
{
	return with_sia(text_sia(NULL, 0));
}

static struct tbuf
b_sia_dns_name(void)
{
	struct tad ads[2] = {
		{ 5, "rsync://example.net/repo/child/", 0x82 },
		{ 10, "rsync://example.net/repo/child/child.mft", 0 },
	};

	return with_sia(text_sia(ads, 2));
}

static struct tbuf
b_uri_space(void)
{
	return with_uris("rsync://example.net/repo/ch ild/", "rsync://example.net/repo/x.mft");
}

static struct tbuf
b_uri_upper(void)
{
	return with_uris("RSYNC://example.net/repo/child/", "rsync://example.net/repo/x.mft");
}

static struct tbuf
b_uri_nul(void)
{
	struct tbuf sia, d;
	unsigned char *nul;

	/* '~' patched to NUL after encoding: IA5String may hold it, a URI may not. */
	sia = text_sia((struct tad[]){ { 5, "rsync://example.net/repo/~/", 0 },
	    { 10, "rsync://example.net/repo/x.mft", 0 } }, 2);
	nul = memchr(sia.p, '~', sia.len);
	assert_non_null(nul);
	*nul = '\0';
	d = with_sia(sia);
	return d;
}

static struct tbuf
b_uri_long(void)
{
	static char repo[CSR_MAX_URI + 2];
	struct tbuf d;

	memset(repo, 'a', CSR_MAX_URI);
	memcpy(repo, "rsync://example.net/", 20);
	repo[CSR_MAX_URI] = '/';
	repo[CSR_MAX_URI + 1] = '\0';
	d = with_uris(repo, "rsync://example.net/repo/x.mft");
	return d;
}

static struct tbuf
b_uri_max(void)
{
	static char repo[CSR_MAX_URI + 1];

	memset(repo, 'a', CSR_MAX_URI);
	memcpy(repo, "rsync://example.net/", 20);
	repo[CSR_MAX_URI - 1] = '/';
	repo[CSR_MAX_URI] = '\0';
	return with_uris(repo, "rsync://example.net/repo/x.mft");
}

static struct tbuf
b_notify_twice(void)
{
	struct tad ads[4] = {
		{ 5, "rsync://example.net/repo/child/", 0 },
		{ 10, "rsync://example.net/repo/child/child.mft", 0 },
		{ 13, "https://example.net/a.xml", 0 },
		{ 13, "https://example.net/b.xml", 0 },
	};

	return with_sia(text_sia(ads, 4));
}

static struct tbuf
b_ca_issuers_arc2(void)
{
	struct tad ads[3] = {
		{ 5, "rsync://example.net/repo/child/", 0 },
		{ 10, "rsync://example.net/repo/child/child.mft", 0 },
		{ 2, "rsync://example.net/repo/parent.cer", 0 },
	};

	return with_sia(text_sia(ads, 3));
}

static const struct bcase {
	const char *name;
	struct tbuf (*build)(void);
	int rc;
} bcases[] = {
	{ "builder good", b_good, 0 },
	{ "sha256 params absent (RFC 4055 5)", b_sha256_noparam, 0 },
	{ "empty subject (RFC 6487 6.1.1 SHOULD)", b_empty_subject, 0 },
	{ "URI of exactly 2048 characters", b_uri_max, 0 },
	/* UD-70 */
	{ "version 1", b_version1, CSR_ERR_VERSION },
	{ "version 2", b_version2, CSR_ERR_VERSION },
	{ "someone else's key", b_other_key, CSR_ERR_SIGNATURE },
	/* UD-71 */
	{ "sha1", b_sha1, CSR_ERR_SIG_ALG },
	{ "md5", b_md5, CSR_ERR_SIG_ALG },
	{ "rsaEncryption without NULL", b_key_noparam, CSR_ERR_KEY_ALG },
	{ "negative modulus", b_key_negative, CSR_ERR_KEY },
	{ "even modulus", b_key_even, CSR_ERR_KEY },
	{ "2047-bit modulus", b_key_2047, CSR_ERR_KEY_SIZE },
	/* UD-75 */
	{ "malformed subject", b_bad_subject, CSR_ERR_SUBJECT },
	/* UD-74 */
	{ "no attributes field", b_no_attrs_field, CSR_ERR_DER },
	{ "empty attributes", b_empty_attrs, CSR_ERR_BC_MISSING },
	{ "two extensionRequest attributes", b_two_ext_req, CSR_ERR_ATTR_DUP },
	{ "extensionRequest with two values", b_ext_req_two_values, CSR_ERR_ATTR_DUP },
	{ "challengePassword after extensionRequest", b_password_and_ext_req,
	    CSR_ERR_ATTR_UNKNOWN },
	{ "BasicConstraints twice", b_two_bc, CSR_ERR_EXT_DUP },
	{ "SIA twice", b_two_sia, CSR_ERR_EXT_DUP },
	{ "critical FALSE encoded", b_crit_false, CSR_ERR_DER },
	{ "authorityKeyIdentifier", b_aki, CSR_ERR_EXT_UNKNOWN },
	{ "empty EKU", b_eku_empty, CSR_ERR_EXT_VALUE },
	/* UD-73 */
	{ "BC cA explicit FALSE", b_bc_explicit_false, CSR_ERR_BC_NOT_CA },
	{ "BC pathLen without cA", b_bc_pathlen_no_ca, CSR_ERR_BC_NOT_CA },
	{ "BC pathLen 3", b_bc_pathlen, CSR_ERR_BC_PATHLEN },
	{ "KU right bits, not DER", b_ku_not_der, CSR_ERR_EXT_VALUE },
	{ "KU with decipherOnly", b_ku_decipher_only, CSR_ERR_KU },
	{ "KU empty", b_ku_empty, CSR_ERR_KU },
	/* UD-72, UD-76 */
	{ "SIA empty", b_sia_empty, CSR_ERR_EXT_VALUE },
	{ "SIA dNSName location", b_sia_dns_name, CSR_ERR_SIA_LOCATION },
	{ "SIA rpkiNotify twice", b_notify_twice, CSR_ERR_SIA_DUP },
	{ "SIA caIssuers", b_ca_issuers_arc2, CSR_ERR_SIA_METHOD },
	{ "URI with a space", b_uri_space, CSR_ERR_URI_CHARS },
	{ "URI with NUL", b_uri_nul, CSR_ERR_URI_CHARS },
	{ "URI upper-case scheme", b_uri_upper, CSR_ERR_URI_SCHEME },
	{ "URI of 2049 characters", b_uri_long, CSR_ERR_URI_LENGTH },
};

/* UD-70..UD-76: requests only the builder can make. */
static void
test_builder_cases(void **state)
{
	struct csr_info info;

	(void)state;
	for (size_t i = 0; i < TB_N(bcases); i++) {
		struct tbuf d = bcases[i].build();
		int rc = check(&d, NULL, &info);

		if (rc != bcases[i].rc)
			fail_msg("%s: got %d (%s), want %d (%s)", bcases[i].name, rc,
			    csr_strerror(rc), bcases[i].rc, csr_strerror(bcases[i].rc));
		csr_info_free(&info);
		tb_free(&d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl_cases),
		cmocka_unit_test(test_openssl_info),
		cmocka_unit_test(test_openssl_mutations),
		cmocka_unit_test(test_openssl_policy),
		cmocka_unit_test(test_builder_cases),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
