/*
 * updownctl's pieces in-process: the inspector's decoders on every
 * truncation of real encodings, each from an exactly sized malloc'd buffer
 * (ASan catches any overread), and on hostile samples; the BER-to-DER
 * converter; the JSON writer's escaping; the child's PKCS#10 writer (our
 * own csr_check and openssl accept it, BasicConstraints and KeyUsage
 * critical, UD-70..UD-76 as a requester); the software signer's PEM import
 * and export; key labels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "child.h"
#include "crypto/csr.h"
#include "crypto/signer.h"
#include "inspect.h"
#include "json_out.h"
#include "tt_util.h"

#define REPO "rpki-rs/test-data/repository/"

static int
rng(void *ctx, unsigned char *buf, size_t len)
{
	static mbedtls_entropy_context e;
	static mbedtls_ctr_drbg_context d;
	static int ready;

	(void)ctx;
	if (!ready) {
		mbedtls_entropy_init(&e);
		mbedtls_ctr_drbg_init(&d);
		if (mbedtls_ctr_drbg_seed(&d, mbedtls_entropy_func, &e, NULL, 0) != 0)
			return -1;
		ready = 1;
	}
	return mbedtls_ctr_drbg_random(&d, buf, len);
}

/* Copy into an exactly sized buffer. */
static unsigned char *
exact(const unsigned char *b, size_t n)
{
	unsigned char *p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, b, n);
	return p;
}

/* ---- truncations ---- */

typedef int (*decode_fn)(const unsigned char *der, size_t len, char why[INSP_WHY]);

static int
dec_cert(const unsigned char *d, size_t n, char why[INSP_WHY])
{
	struct insp_cert c;
	int rc = insp_cert_decode(d, n, &c, why);

	insp_cert_free(&c);
	return rc;
}

static int
dec_crl(const unsigned char *d, size_t n, char why[INSP_WHY])
{
	struct insp_crl c;
	int rc = insp_crl_decode(d, n, &c, why);

	insp_crl_free(&c);
	return rc;
}

static int
dec_sobj(const unsigned char *d, size_t n, char why[INSP_WHY])
{
	struct insp_sobj s;
	int rc = insp_sobj_decode(d, n, &s, why);

	insp_sobj_free(&s);
	return rc;
}

static int
dec_mft(const unsigned char *d, size_t n, char why[INSP_WHY])
{
	struct insp_mft m;
	int rc = insp_mft_decode(d, n, &m, why);

	insp_mft_free(&m);
	return rc;
}

static int
dec_tal(const unsigned char *d, size_t n, char why[INSP_WHY])
{
	struct insp_tal t;
	int rc = insp_tal_decode(d, n, &t, why);

	insp_tal_free(&t);
	return rc;
}

static int
dec_ber(const unsigned char *d, size_t n, char why[INSP_WHY])
{
	unsigned char *out = NULL;
	size_t len;
	bool ber;
	int rc = insp_ber_to_der(d, n, &out, &len, &ber);

	(void)why;
	free(out);
	return rc;
}

/* The whole encoding decodes; every proper prefix is refused. */
static void
truncations(const unsigned char *b, size_t n, decode_fn fn, bool prefixes_fail)
{
	char why[INSP_WHY];
	unsigned char *p = exact(b, n);

	assert_int_equal(fn(p, n, why), 0);
	free(p);
	for (size_t cut = 0; cut < n; cut++) {
		p = exact(b, cut);
		if (fn(p, cut, why) == 0 && prefixes_fail)
			fail_msg("a %zu-byte prefix of %zu bytes decoded", cut, n);
		free(p);
	}
}

/* A DER copy of a (possibly BER) file. */
static unsigned char *
der_of(const char *rel, size_t *len)
{
	size_t n;
	unsigned char *b = tt_read(tt_interop(rel), &n), *der = NULL;
	bool ber;

	assert_int_equal(insp_ber_to_der(b, n, &der, len, &ber), 0);
	free(b);
	return der;
}

static void
test_truncations(void **state)
{
	static const struct {
		const char *file;
		decode_fn fn;
	} files[] = {
		{ REPO "ca1.cer", dec_cert },
		{ REPO "ta.cer", dec_cert },
		{ "derived/child-certs/apnic-child-0.cer", dec_cert },
		{ "derived/cms-bpki/krill-list-ee0.cer", dec_cert },
		{ REPO "ca1.crl", dec_crl },
		{ "derived/cms-bpki/apnic-list-response-crl0.crl", dec_crl },
		{ REPO "ca1.mft", dec_sobj },
		{ REPO "example-ripe.roa", dec_sobj },
		{ REPO "ca1.mft", dec_ber },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		unsigned char *b;

		if (files[i].fn == dec_ber)
			b = tt_read(tt_interop(files[i].file), &len);
		else
			b = der_of(files[i].file, &len);
		truncations(b, len, files[i].fn, true);
		free(b);
	}
}

/* The manifest eContent and the TAL, and the 69 KB LACNIC certificate. */
static void
test_truncations_more(void **state)
{
	struct insp_sobj s;
	char why[INSP_WHY];
	size_t len;
	unsigned char *b = der_of(REPO "ca1.mft", &len), *tal;

	(void)state;
	assert_int_equal(insp_sobj_decode(b, len, &s, why), 0);
	truncations(s.econtent, s.econtent_len, dec_mft, true);
	insp_sobj_free(&s);
	free(b);
	/* A TAL cut inside its base64 may still be base64 of something: no "must fail". */
	tal = tt_read(tt_interop(REPO "ripe.tal"), &len);
	truncations(tal, len, dec_tal, false);
	free(tal);
	b = tt_read(tt_interop("derived/child-certs/lacnic-child-0.cer"), &len);
	for (size_t cut = 0; cut < len; cut += 97) {
		unsigned char *p = exact(b, cut);

		assert_int_not_equal(dec_cert(p, cut, why), 0);
		free(p);
	}
	assert_int_equal(dec_cert(b, len, why), 0);
	free(b);
}

/*
 * Every byte of a few encodings changed three ways, each mutant decoded
 * from an exactly sized buffer: no crash, no overread (ASan), no leak.
 */
static void
test_mutations(void **state)
{
	static const struct {
		const char *file;
		decode_fn fn;
	} files[] = {
		{ REPO "ca1.cer", dec_cert },
		{ REPO "ta.crl", dec_crl },
		{ REPO "ta.mft", dec_sobj },
		{ REPO "ta.mft", dec_ber },
		{ REPO "ripe.tal", dec_tal },
	};
	static const unsigned char flips[] = { 0x01, 0x80, 0xff };

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		unsigned char *b;
		char why[INSP_WHY];

		if (files[i].fn == dec_sobj)
			b = der_of(files[i].file, &len);
		else
			b = tt_read(tt_interop(files[i].file), &len);
		for (size_t pos = 0; pos < len; pos++)
			for (size_t f = 0; f < sizeof(flips); f++) {
				unsigned char *m = exact(b, len);

				m[pos] ^= flips[f];
				(void)files[i].fn(m, len, why);
				free(m);
			}
		free(b);
	}
}

/* ---- hostile samples ---- */

static void
test_hostile(void **state)
{
	char why[INSP_WHY];
	unsigned char deep[2 * 40 + 4], *p, huge[] = { 0x30, 0x84, 0xff, 0xff, 0xff, 0xf0, 0x02 };
	unsigned char trailing[4096];
	size_t n, len;
	bool ber;

	(void)state;
	/* Indefinite nesting deeper than the converter's bound. */
	for (n = 0; n < 40; n++) {
		deep[2 * n] = 0x30;
		deep[2 * n + 1] = 0x80;
	}
	p = NULL;
	assert_int_equal(insp_ber_to_der(deep, 2 * 40, &p, &len, &ber), -1);
	assert_null(p);
	/* A length far beyond the input. */
	assert_int_equal(dec_cert(huge, sizeof(huge), why), -1);
	assert_int_equal(dec_crl(huge, sizeof(huge), why), -1);
	assert_int_equal(dec_sobj(huge, sizeof(huge), why), -1);
	assert_int_equal(dec_ber(huge, sizeof(huge), why), -1);
	/* Indefinite length on a primitive; high tag numbers. */
	{
		unsigned char prim[] = { 0x04, 0x80, 0x00, 0x00 }, high[] = { 0x1f, 0x81, 0x01, 0x00 };

		assert_int_equal(dec_ber(prim, sizeof(prim), why), -1);
		assert_int_equal(dec_ber(high, sizeof(high), why), -1);
	}
	/* Bytes after a certificate (RFC 5280: one Certificate). */
	{
		unsigned char *c = tt_read(tt_interop(REPO "ta.cer"), &len);

		assert_true(len + 1 <= sizeof(trailing));
		memcpy(trailing, c, len);
		trailing[len] = 0;
		assert_int_equal(dec_cert(trailing, len + 1, why), -1);
		tt_has(why, "bytes after the certificate");
		free(c);
	}
	/* A TAL without the empty line, with a bad URI, with nothing. */
	assert_int_equal(dec_tal((const unsigned char *)"rsync://a.example/x.cer\nAAAA\n", 29, why),
	    -1);
	assert_int_equal(dec_tal((const unsigned char *)"ftp://a.example/x.cer\n\nAAAA\n", 28, why),
	    -1);
	assert_int_equal(dec_tal((const unsigned char *)"", 0, why), -1);
	assert_false(insp_tal_sniff((const unsigned char *)"# only a comment\n", 17));
}

/* BER becomes the DER that decodes; DER stays as it is. */
static void
test_ber(void **state)
{
	unsigned char *der = NULL, *b;
	size_t len, n;
	bool ber;
	/* SEQUENCE(indef) { OCTET STRING(constructed, indef) { "ab", "c" } } */
	static const unsigned char in[] = { 0x30, 0x80, 0x24, 0x80, 0x04, 0x02, 'a', 'b', 0x04,
		0x01, 'c', 0x00, 0x00, 0x00, 0x00 };
	static const unsigned char want[] = { 0x30, 0x05, 0x04, 0x03, 'a', 'b', 'c' };
	/* A non-minimal length. */
	static const unsigned char nm[] = { 0x04, 0x81, 0x01, 'x' }, nm_want[] = { 0x04, 0x01, 'x' };

	(void)state;
	assert_int_equal(insp_ber_to_der(in, sizeof(in), &der, &len, &ber), 0);
	assert_true(ber);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(der, want, len);
	free(der);
	assert_int_equal(insp_ber_to_der(nm, sizeof(nm), &der, &len, &ber), 0);
	assert_true(ber);
	assert_int_equal(len, sizeof(nm_want));
	assert_memory_equal(der, nm_want, len);
	free(der);
	b = tt_read(tt_interop(REPO "ca1.cer"), &n);
	assert_int_equal(insp_ber_to_der(b, n, &der, &len, &ber), 0);
	assert_false(ber);
	assert_int_equal(len, n);
	assert_memory_equal(der, b, n);
	free(der);
	free(b);
}

/* ---- JSON ---- */

static void
test_json(void **state)
{
	FILE *f = tmpfile();
	struct jo j;
	char buf[4096];
	size_t n;
	static const char nasty[] = "q\"b\\s\n\t\x01\x7f caf\xc3\xa9 \xff\xc3 \xed\xa0\x80 \xf0\x9f\x99\x82";

	(void)state;
	assert_non_null(f);
	jo_init(&j, f);
	jo_obj_begin(&j, NULL);
	jo_str(&j, "s", nasty);
	jo_str(&j, "null", NULL);
	jo_int(&j, "neg", -5);
	jo_uint(&j, "big", 18446744073709551615ull);
	jo_bool(&j, "t", true);
	jo_hex(&j, "hex", (const unsigned char *)"\x00\xff", 2);
	jo_time(&j, "time", 0);
	jo_arr_begin(&j, "empty");
	jo_arr_end(&j);
	jo_obj_begin(&j, "o");
	jo_obj_end(&j);
	jo_obj_end(&j);
	jo_finish(&j);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_true(tt_json_valid(buf));
	tt_has(buf, "\"s\": \"q\\\"b\\\\s\\n\\t\\u0001\\u007f caf\xc3\xa9 \\ufffd\\ufffd "
	    "\\ufffd\\ufffd\\ufffd \xf0\x9f\x99\x82\"");
	tt_has(buf, "\"null\": null");
	tt_has(buf, "\"big\": 18446744073709551615");
	tt_has(buf, "\"hex\": \"00ff\"");
	tt_has(buf, "\"time\": \"1970-01-01T00:00:00Z\"");
	tt_has(buf, "\"empty\": []");
	tt_has(buf, "\"o\": {}");
	assert_false(tt_json_valid("{\"a\": 1,}"));
	assert_false(tt_json_valid("[1] 2"));
	assert_false(tt_json_valid("\"\x01\""));
}

/* ---- the child's PKCS#10 ---- */

static void
test_csr(void **state)
{
	struct signer *s = NULL;
	struct signer_key *k = NULL;
	struct csr_info ci;
	struct csr_policy pol = { true, false };
	unsigned char *der = NULL, *spki = NULL;
	size_t len, spki_len;
	const char *openssl = getenv("OPENSSL");

	(void)state;
	assert_int_equal(signer_sw_open(rng, NULL, &s), 0);
	assert_int_equal(signer_key_generate(s, "csr", 0, &k), 0);
	assert_int_equal(child_csr(s, k, "rsync://example.net/repo/child/",
	    "rsync://example.net/repo/child/x.mft", "https://example.net/rrdp/notify.xml",
	    &der, &len), 0);
	/* UD-70..UD-76: our own parent's checks, with the strictest policy. */
	assert_int_equal(csr_check(der, len, &pol, &ci), 0);
	assert_true(ci.bc_ca);
	assert_true(ci.ku_present);
	assert_int_equal(ci.ku_bits, CSR_KU_KEY_CERT_SIGN | CSR_KU_CRL_SIGN);
	assert_string_equal(ci.ca_repository, "rsync://example.net/repo/child/");
	assert_string_equal(ci.rpki_manifest, "rsync://example.net/repo/child/x.mft");
	assert_string_equal(ci.rpki_notify, "https://example.net/rrdp/notify.xml");
	assert_int_equal(signer_key_public(s, k, &spki, &spki_len), 0);
	assert_int_equal(ci.spki_len, spki_len);
	assert_memory_equal(ci.spki, spki, spki_len);   /* UD-84 */
	csr_info_free(&ci);
	if (openssl != NULL) {
		char cmd[2048], *text;
		size_t n;

		tt_write(tt_path("child.csr"), der, len);
		snprintf(cmd, sizeof(cmd), "'%s' req -inform DER -in '%s' -verify -noout -text "
		    "> '%s' 2>&1", openssl, tt_path("child.csr"), tt_path("csr.txt"));
		assert_int_equal(system(cmd), 0);
		text = (char *)tt_read(tt_path("csr.txt"), &n);
		tt_has(text, "verify OK");
		tt_has(text, "X509v3 Basic Constraints: critical");
		tt_has(text, "CA:TRUE");
		tt_has(text, "X509v3 Key Usage: critical");
		tt_has(text, "Certificate Sign, CRL Sign");
		tt_has(text, "sha256WithRSAEncryption");
		tt_has(text, "Public-Key: (2048 bit)");
		free(text);
	}
	free(der);
	/* Without rpkiNotify. */
	assert_int_equal(child_csr(s, k, "rsync://example.net/repo/child/",
	    "rsync://example.net/repo/child/x.mft", NULL, &der, &len), 0);
	assert_int_equal(csr_check(der, len, &pol, &ci), 0);
	assert_null(ci.rpki_notify);
	csr_info_free(&ci);
	free(der);
	free(spki);
	signer_close(s);
}

/* ---- signer PEM ---- */

static char *
openssl_key(const char *args, const char *name)
{
	const char *openssl = getenv("OPENSSL");
	char cmd[1024];
	size_t n;

	snprintf(cmd, sizeof(cmd), "'%s' %s -out '%s' 2>/dev/null", openssl, args, tt_path("%s", name));
	assert_int_equal(system(cmd), 0);
	return (char *)tt_read(tt_path("%s", name), &n);
}

static void
test_signer_pem(void **state)
{
	struct signer *s = NULL, *t = NULL;
	struct signer_key *k = NULL, *k2 = NULL, *k3 = NULL;
	unsigned char *a = NULL, *b = NULL, sig[SIGNER_MAX_SIG], hash[32];
	size_t alen, blen, sig_len;
	char *pem = NULL, *ext;
	size_t pem_len;
	mbedtls_pk_context pk;

	(void)state;
	assert_int_equal(signer_sw_open(rng, NULL, &s), 0);
	assert_int_equal(signer_sw_open(rng, NULL, &t), 0);
	assert_int_equal(signer_key_generate(s, "orig", 0, &k), 0);
	assert_int_equal(signer_sw_export_pem(s, k, &pem, &pem_len), 0);
	assert_int_equal(strlen(pem), pem_len);
	tt_has(pem, "-----BEGIN RSA PRIVATE KEY-----");
	/* Import in another signer: same public key, and its signatures verify. */
	assert_int_equal(signer_sw_import_pem(t, "copy", (unsigned char *)pem, pem_len, &k2), 0);
	assert_string_equal(signer_key_label(k2), "copy");
	assert_int_equal(signer_key_public(s, k, &a, &alen), 0);
	assert_int_equal(signer_key_public(t, k2, &b, &blen), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_int_equal(signer_sign(t, k2, (const unsigned char *)"data", 4, sig, sizeof(sig),
	    &sig_len), 0);
	mbedtls_pk_init(&pk);
	assert_int_equal(mbedtls_pk_parse_public_key(&pk, a, alen), 0);
	mbedtls_sha256_ret((const unsigned char *)"data", 4, hash, 0);
	assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len), 0);
	mbedtls_pk_free(&pk);
	/* The label is taken; a key of another signer cannot be exported through s. */
	assert_int_equal(signer_sw_import_pem(t, "copy", (unsigned char *)pem, pem_len, &k3),
	    SIGNER_ERR_KEY_EXISTS);
	assert_int_equal(signer_sw_export_pem(s, k2, &ext, &pem_len), SIGNER_ERR_ARG);
	/* Not a key; a truncated key. */
	assert_int_equal(signer_sw_import_pem(t, "junk", (const unsigned char *)"hello", 5, &k3),
	    SIGNER_ERR_ARG);
	assert_int_equal(signer_sw_import_pem(t, "cut", (unsigned char *)pem, pem_len / 2, &k3),
	    SIGNER_ERR_ARG);
	free(pem);
	if (getenv("OPENSSL") != NULL) {
		/* PKCS#8 is fine; RSA-1024 and e = 3 are not RFC 7935 keys. */
		pem = openssl_key("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048", "p8.pem");
		tt_has(pem, "BEGIN PRIVATE KEY");
		assert_int_equal(signer_sw_import_pem(t, "p8", (unsigned char *)pem, strlen(pem),
		    &k3), 0);
		free(pem);
		pem = openssl_key("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024", "small.pem");
		assert_int_equal(signer_sw_import_pem(t, "small", (unsigned char *)pem, strlen(pem),
		    &k3), SIGNER_ERR_KEY_TYPE);
		free(pem);
		pem = openssl_key("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
		    "-pkeyopt rsa_keygen_pubexp:3", "e3.pem");
		assert_int_equal(signer_sw_import_pem(t, "e3", (unsigned char *)pem, strlen(pem),
		    &k3), SIGNER_ERR_KEY_TYPE);
		free(pem);
		pem = openssl_key("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", "ec.pem");
		assert_int_equal(signer_sw_import_pem(t, "ec", (unsigned char *)pem, strlen(pem),
		    &k3), SIGNER_ERR_KEY_TYPE);
		free(pem);
	}
	free(a);
	free(b);
	signer_close(s);
	signer_close(t);
}

/* ---- labels ---- */

static void
test_labels(void **state)
{
	char l[CHILD_MAX_LABEL + 1];

	(void)state;
	assert_true(child_label_ok("DEFAULT"));
	assert_true(child_label_ok("IANA-2127"));
	assert_true(child_label_ok("a.b_c-d"));
	assert_false(child_label_ok(""));
	assert_false(child_label_ok(".hidden"));
	assert_false(child_label_ok("../up"));
	assert_false(child_label_ok("a/b"));
	assert_false(child_label_ok("sp ace"));
	child_class_label("IANA", l);
	assert_string_equal(l, "IANA");
	child_class_label("a/b c", l);
	assert_int_equal(strncmp(l, "class-", 6), 0);
	assert_int_equal(strlen(l), 6 + 16);
	assert_true(child_label_ok(l));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_truncations_more),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_ber),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_csr),
		cmocka_unit_test(test_signer_pem),
		cmocka_unit_test(test_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
