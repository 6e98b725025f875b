/*
 * crypto/mft: the manifest writer (UD-131; RFC 9286 4.2, 5.1; RFC 6488),
 * and pub_publish(), which writes CRL and manifest over a publication
 * point's file set.
 *
 * The eContent is compared with a hand-made DER encoding (version omitted,
 * GeneralizedTime, id-sha256, files sorted) and read back by an
 * independent walk with mbed TLS's ASN.1 reader; the signed object is
 * verified by the openssl CLI, its EE certificate checked (validity =
 * thisUpdate..nextUpdate, SIA signedObject, signed by the issuer) and the
 * one-time key is gone from the signer afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/asn1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/mft.h"
#include "crypto/pubpoint.h"
#include "crypto/signer.h"
#include "proto/cms.h"
#include "test_cert_util.h"

#define NOW   ((time_t)1736899200)   /* 2025-01-15T00:00:00Z */
#define HOUR  3600
#define DAY   86400
#define REPO  "rsync://example.test/repo/ta/"

static struct {
	struct signer *s;
	struct signer_key *key;
	unsigned char *ta;
	size_t ta_len;
	struct cert_issuer iss;
} F;

static int
setup(void **state)
{
	struct res_bundle res;
	struct cert_ta_params tp;
	unsigned char serial[9];

	(void)state;
	assert_int_equal(signer_sw_open(tc_rng, NULL, &F.s), 0);
	assert_int_equal(signer_key_generate(F.s, "ta", 0, &F.key), 0);
	tc_res(&res, "64496-64511", "192.0.2.0/24", "2001:db8::/32");
	memset(&tp, 0, sizeof(tp));
	tp.serial = serial;
	tp.serial_len = tc_serial(1, serial);
	tp.not_before = NOW - 30 * DAY;
	tp.not_after = NOW + 365 * DAY;
	tp.subject_cn = "updown mft test";
	tp.sia_ca_repository = REPO;
	tp.sia_rpki_manifest = REPO "ta.mft";
	tp.res = &res;
	assert_int_equal(cert_make_ta(F.s, F.key, &tp, &F.ta, &F.ta_len), 0);
	res_bundle_free(&res);
	assert_int_equal(cert_issuer_load(&F.iss, F.s, F.key, F.ta, F.ta_len), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cert_issuer_free(&F.iss);
	free(F.ta);
	signer_close(F.s);
	return 0;
}

static void
sha(const char *s, unsigned char md[32])
{
	assert_int_equal(mbedtls_sha256_ret((const unsigned char *)s, strlen(s), md, 0), 0);
}

/* UD-131: the exact DER of a small manifest, written independently. */
static void
test_econtent_der(void **state)
{
	unsigned char h1[32], h2[32], want[256], *der = NULL;
	struct mft_file files[2];
	struct mft_params p;
	size_t len = 0, n = 0;

	/* 30 81 L { 02 01 05, 18 0f thisUpdate, 18 0f nextUpdate, 06 09 id-sha256,
	 *           30 L { 30 L { 16 L name, 03 21 00 hash } ... } }: no [0] version. */

	(void)state;
	sha("crl", h1);
	sha("cer", h2);
	files[0] = (struct mft_file){ "zz.crl", h1 };       /* given unsorted */
	files[1] = (struct mft_file){ "Ab-_9.cer", h2 };
	p = (struct mft_params){ 5, NOW - HOUR, NOW + DAY, files, 2 };
	assert_int_equal(mft_econtent_write(&p, &der, &len), 0);

	{
		unsigned char body[200];
		size_t b = 0;
		const char *t1 = "20250114230000Z", *t2 = "20250116000000Z";

		body[b++] = 0x02; body[b++] = 0x01; body[b++] = 0x05;
		body[b++] = 0x18; body[b++] = 0x0f; memcpy(body + b, t1, 15); b += 15;
		body[b++] = 0x18; body[b++] = 0x0f; memcpy(body + b, t2, 15); b += 15;
		memcpy(body + b, "\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01", 11); b += 11;
		body[b++] = 0x30; body[b++] = 2 + 11 + 2 + 33 + 2 + 8 + 2 + 33;   /* 93 */
		/* "Ab-_9.cer" sorts before "zz.crl" (strcmp). */
		body[b++] = 0x30; body[b++] = 11 + 35;
		body[b++] = 0x16; body[b++] = 9; memcpy(body + b, "Ab-_9.cer", 9); b += 9;
		body[b++] = 0x03; body[b++] = 0x21; body[b++] = 0x00; memcpy(body + b, h2, 32); b += 32;
		body[b++] = 0x30; body[b++] = 8 + 35;
		body[b++] = 0x16; body[b++] = 6; memcpy(body + b, "zz.crl", 6); b += 6;
		body[b++] = 0x03; body[b++] = 0x21; body[b++] = 0x00; memcpy(body + b, h1, 32); b += 32;
		want[n++] = 0x30;
		want[n++] = 0x81;
		want[n++] = (unsigned char)b;
		memcpy(want + n, body, b);
		n += b;
	}
	assert_int_equal(len, n);
	assert_memory_equal(der, want, n);
	free(der);

	/* openssl parses it as DER and sees what we wrote. */
	{
		char *txt;
		assert_int_equal(mft_econtent_write(&p, &der, &len), 0);
		tc_write(tc_path("econtent.der"), der, len);
		assert_int_equal(tc_sh("'%s' asn1parse -inform DER -in econtent.der > asn1.txt",
		    tc_openssl_exe()), 0);
		txt = (char *)tc_read(tc_path("asn1.txt"), NULL);
		assert_non_null(strstr(txt, "GENERALIZEDTIME   :20250114230000Z"));
		assert_non_null(strstr(txt, ":sha256"));
		assert_non_null(strstr(txt, "IA5STRING         :Ab-_9.cer"));
		assert_null(strstr(txt, "cont [ 0 ]"));            /* version omitted */
		free(txt);
		free(der);
	}
}

/* manifestNumber: minimal INTEGER, 0 .. 2^64-1 (RFC 9286 4.2.1: up to 20 octets). */
static void
test_numbers(void **state)
{
	static const struct { uint64_t v; const char *der; size_t len; } cases[] = {
		{ 0, "\x02\x01\x00", 3 },
		{ 127, "\x02\x01\x7f", 3 },
		{ 128, "\x02\x02\x00\x80", 4 },
		{ 65535, "\x02\x03\x00\xff\xff", 5 },
		{ UINT64_MAX, "\x02\x09\x00\xff\xff\xff\xff\xff\xff\xff\xff", 11 },
	};
	struct mft_params p = { 0, NOW, NOW + DAY, NULL, 0 };
	unsigned char *der = NULL;
	size_t len = 0, i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p.number = cases[i].v;
		assert_int_equal(mft_econtent_write(&p, &der, &len), 0);
		assert_memory_equal(der + 2, cases[i].der, cases[i].len);
		/* an empty fileList is the last thing: 30 00 */
		assert_memory_equal(der + len - 2, "\x30\x00", 2);
		free(der);
	}
}

static void
test_refusals(void **state)
{
	static const char *bad[] = {
		"a/b.cer", "x.CER", "a.b.cer", ".cer", "abc.ce", "abc.cerx", "abc", "a b.cer",
		"abc.c3r", "../x.cer", "",
	};
	unsigned char h[32] = { 0 }, *der = (unsigned char *)"x";
	struct mft_file f[2];
	struct mft_params p = { 1, NOW, NOW + DAY, f, 1 };
	char longname[MFT_MAX_NAME + 2];
	size_t len = 0, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f[0] = (struct mft_file){ bad[i], h };
		assert_int_equal(mft_econtent_write(&p, &der, &len), MFT_ERR_NAME);
		assert_null(der);
		assert_false(mft_name_valid(bad[i]));
	}
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + sizeof(longname) - 5, ".cer", 5);
	f[0] = (struct mft_file){ longname, h };
	assert_int_equal(mft_econtent_write(&p, &der, &len), MFT_ERR_NAME);
	assert_true(mft_name_valid(longname + 2));              /* 255 bytes */
	f[0] = (struct mft_file){ "a.cer", h };
	f[1] = (struct mft_file){ "a.cer", h };
	p.n_files = 2;
	assert_int_equal(mft_econtent_write(&p, &der, &len), MFT_ERR_DUPLICATE);
	f[1] = (struct mft_file){ "b.cer", NULL };
	assert_int_equal(mft_econtent_write(&p, &der, &len), MFT_ERR_ARG);
	p.n_files = MFT_MAX_FILES + 1;
	assert_int_equal(mft_econtent_write(&p, &der, &len), MFT_ERR_LIMIT);
	p.n_files = 0;
	p.next_update = p.this_update;
	assert_int_equal(mft_econtent_write(&p, &der, &len), MFT_ERR_TIME);
	p.this_update = (time_t)-62198755201LL;                 /* year -1 */
	p.next_update = NOW;
	assert_int_equal(mft_econtent_write(&p, &der, &len), MFT_ERR_TIME);
	assert_int_equal(mft_econtent_write(NULL, &der, &len), MFT_ERR_ARG);
	assert_non_null(mft_strerror(MFT_ERR_NAME));
}

/* Walk an eContent with mbed TLS's reader; return the number of files, check fields. */
static size_t
walk_econtent(const unsigned char *der, size_t len, uint64_t number, time_t tu, time_t nu,
              const char *must_list, const char *must_not_list)
{
	unsigned char *p = (unsigned char *)der, *end = p + len, *lend;
	size_t n, count = 0;
	char t1[16], t2[16];
	struct tm tm;
	bool listed = false, unlisted = true;
	int v = 0;

	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n,
	    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE), 0);
	assert_true(p + n == end);
	assert_int_not_equal(*p, 0xa0);                        /* no version */
	assert_int_equal(mbedtls_asn1_get_int(&p, end, &v), 0);
	assert_int_equal((uint64_t)v, number);
	gmtime_r(&tu, &tm);
	strftime(t1, sizeof(t1), "%Y%m%d%H%M%S", &tm);
	gmtime_r(&nu, &tm);
	strftime(t2, sizeof(t2), "%Y%m%d%H%M%S", &tm);
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_GENERALIZED_TIME), 0);
	assert_int_equal(n, 15);
	assert_memory_equal(p, t1, 14);
	p += n;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_GENERALIZED_TIME), 0);
	assert_memory_equal(p, t2, 14);
	p += n;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_OID), 0);
	assert_int_equal(n, 9);
	assert_memory_equal(p, "\x60\x86\x48\x01\x65\x03\x04\x02\x01", 9);
	p += n;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &n,
	    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE), 0);
	lend = p + n;
	assert_true(lend == end);
	while (p < lend) {
		mbedtls_asn1_bitstring bs;
		unsigned char *eend;
		size_t nl;
		assert_int_equal(mbedtls_asn1_get_tag(&p, lend, &n,
		    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE), 0);
		eend = p + n;
		assert_int_equal(mbedtls_asn1_get_tag(&p, eend, &nl, MBEDTLS_ASN1_IA5_STRING), 0);
		if (must_list != NULL && nl == strlen(must_list) && memcmp(p, must_list, nl) == 0)
			listed = true;
		if (must_not_list != NULL && nl == strlen(must_not_list) &&
		    memcmp(p, must_not_list, nl) == 0)
			unlisted = false;
		p += nl;
		assert_int_equal(mbedtls_asn1_get_bitstring(&p, eend, &bs), 0);
		assert_int_equal(bs.len, 32);
		assert_int_equal(bs.unused_bits, 0);
		count++;
	}
	assert_true(must_list == NULL || listed);
	assert_true(unlisted);
	return count;
}

/* Extract the eContent of a signed object with openssl (signature checked, chain not). */
static unsigned char *
openssl_econtent(const unsigned char *obj, size_t obj_len, size_t *len)
{
	unsigned char *c;

	tc_write(tc_path("obj.der"), obj, obj_len);
	assert_int_equal(tc_sh("'%s' cms -verify -inform DER -in obj.der -noverify -binary "
	    "-out econtent.bin", tc_openssl_exe()), 0);
	c = tc_read(tc_path("econtent.bin"), len);
	assert_non_null(c);
	return c;
}

/* UD-131: one-time EE key, EE validity = thisUpdate..nextUpdate, SIA, CMS. */
static void
test_sign(void **state)
{
	unsigned char h[32], serial[9], *obj = NULL, *ec, *ec2 = NULL;
	size_t obj_len = 0, ec_len = 0, ec2_len = 0;
	struct mft_file files[1] = { { "x.crl", h } };
	struct mft_params p = { 42, NOW - HOUR, NOW + DAY, files, 1 };
	struct mft_sign_params sp;
	struct signer_key *k = NULL;
	struct cms_cert_info info;
	mbedtls_x509_crt ee, ta;
	unsigned char md[32];
	int detail = 0;

	(void)state;
	sha("x", h);
	memset(&sp, 0, sizeof(sp));
	sp.mft = &p;
	sp.ee_serial = serial;
	sp.ee_serial_len = tc_serial(77, serial);
	sp.crldp_uri = REPO "x.crl";
	sp.aia_uri = "rsync://example.test/repo/ta.cer";
	sp.mft_uri = REPO "ta.mft";
	sp.key_label = "test-mft";
	/* Occupy the first label the one-time key would take: it must move on. */
	assert_int_equal(signer_key_generate(F.s, "test-mft-42-1736895600-0", 0, &k), 0);
	assert_int_equal(mft_sign(&F.iss, &sp, &obj, &obj_len, &detail), 0);
	assert_int_equal(detail, 0);

	/* The eContent inside is exactly mft_econtent_write()'s. */
	ec = openssl_econtent(obj, obj_len, &ec_len);
	assert_int_equal(mft_econtent_write(&p, &ec2, &ec2_len), 0);
	assert_int_equal(ec_len, ec2_len);
	assert_memory_equal(ec, ec2, ec_len);
	assert_int_equal(walk_econtent(ec, ec_len, 42, NOW - HOUR, NOW + DAY, "x.crl", NULL), 1);
	free(ec);
	free(ec2);

	/* The EE certificate: openssl prints it from the CMS. */
	assert_int_equal(tc_sh("'%s' cms -cmsout -inform DER -in obj.der -print > cms.txt && "
	    "'%s' cms -verify -inform DER -in obj.der -noverify -signer ee.pem -out /dev/null",
	    tc_openssl_exe(), tc_openssl_exe()), 0);
	assert_int_equal(tc_sh("'%s' x509 -in ee.pem -noout -text > ee.txt", tc_openssl_exe()), 0);
	{
		char *t = (char *)tc_read(tc_path("ee.txt"), NULL), *c;
		assert_non_null(t);
		assert_non_null(strstr(t, "Not Before: Jan 14 23:00:00 2025 GMT"));
		assert_non_null(strstr(t, "Not After : Jan 16 00:00:00 2025 GMT"));
		assert_non_null(strstr(t, "Serial Number: 77 (0x4d)"));
		assert_non_null(strstr(t, "URI:rsync://example.test/repo/ta/ta.mft"));
		assert_non_null(strstr(t, "URI:rsync://example.test/repo/ta/x.crl"));
		assert_non_null(strstr(t, "Issuer: CN = updown mft test"));
		free(t);
		c = (char *)tc_read(tc_path("cms.txt"), NULL);
		assert_non_null(c);
		assert_non_null(strstr(c, "eContentType: id-ct-rpkiManifest (1.2.840.113549.1.9.16.1.26)"));
		assert_non_null(strstr(c, "crls:\n      <ABSENT>"));   /* RFC 6488 2.1.5 */
		/* RFC 5754 2: both SHA-256 AlgorithmIdentifiers without parameters. */
		{
			const char *q = c, *nl;
			int k = 0;
			while ((q = strstr(q, "algorithm: sha256 (2.16.840.1.101.3.4.2.1)\n")) != NULL) {
				q = strchr(q, '\n') + 1;
				nl = strchr(q, '\n');
				assert_non_null(nl);
				assert_non_null(strstr(q, "parameter: <ABSENT>"));
				assert_true(strstr(q, "parameter: <ABSENT>") < nl);
				k++;
			}
			assert_int_equal(k, 2);
		}
		assert_non_null(strstr(c, "signatureAlgorithm: \n"
		    "          algorithm: rsaEncryption (1.2.840.113549.1.1.1)"));
		free(c);
	}

	/* Signed by the issuer; the EE's key is one we no longer have. */
	{
		unsigned char *pem;
		size_t pl;
		mbedtls_x509_crt_init(&ee);
		mbedtls_x509_crt_init(&ta);
		pem = tc_read(tc_path("ee.pem"), &pl);
		assert_non_null(pem);
		assert_int_equal(tc_sh("'%s' x509 -in ee.pem -outform DER -out ee.der", tc_openssl_exe()), 0);
		free(pem);
		pem = tc_read(tc_path("ee.der"), &pl);
		assert_int_equal(cms_cert_parse(&ee, pem, pl, &info), 0);
		free(pem);
		assert_true(info.has_rfc3779);
		assert_false(ee.ca_istrue);
		assert_int_equal(cms_cert_parse(&ta, F.ta, F.ta_len, NULL), 0);
		assert_int_equal(mbedtls_sha256_ret(ee.tbs.p, ee.tbs.len, md, 0), 0);
		assert_int_equal(mbedtls_pk_verify(&ta.pk, MBEDTLS_MD_SHA256, md, 32, ee.sig.p,
		    ee.sig.len), 0);
		mbedtls_x509_crt_free(&ee);
		mbedtls_x509_crt_free(&ta);
	}
	/* RFC 9286 5.1: the one-time key (the next label) was destroyed; ours stays. */
	assert_int_equal(signer_key_find(F.s, "test-mft-42-1736895600-1", &k), SIGNER_ERR_NO_KEY);
	assert_int_equal(signer_key_find(F.s, "test-mft-42-1736895600-0", &k), 0);
	assert_int_equal(signer_key_destroy(F.s, k), 0);
	free(obj);

	/* A second manifest with the same number and time gets a fresh key too. */
	assert_int_equal(mft_sign(&F.iss, &sp, &obj, &obj_len, &detail), 0);
	free(obj);
}

static void
test_sign_refusals(void **state)
{
	unsigned char serial[9], *obj = (unsigned char *)"x";
	size_t obj_len = 0;
	struct mft_params p = { 1, NOW - HOUR, NOW + 400 * DAY, NULL, 0 };  /* after the TA */
	struct mft_sign_params sp;
	int detail = 0;

	(void)state;
	memset(&sp, 0, sizeof(sp));
	sp.mft = &p;
	sp.ee_serial = serial;
	sp.ee_serial_len = tc_serial(78, serial);
	sp.crldp_uri = REPO "x.crl";
	sp.aia_uri = "rsync://example.test/repo/ta.cer";
	sp.mft_uri = REPO "ta.mft";
	assert_int_equal(mft_sign(&F.iss, &sp, &obj, &obj_len, &detail), MFT_ERR_TIME);
	assert_null(obj);
	p.next_update = NOW + DAY;
	sp.mft_uri = "http://example.test/x.mft";           /* refused by cert_issue_ee */
	assert_int_equal(mft_sign(&F.iss, &sp, &obj, &obj_len, &detail), MFT_ERR_CERT);
	assert_int_equal(detail, CERT_ERR_URI);
	sp.mft_uri = NULL;
	assert_int_equal(mft_sign(&F.iss, &sp, &obj, &obj_len, &detail), MFT_ERR_ARG);
	/* Even after failures, no one-time key stays behind. */
	{
		struct signer_key *k = NULL;
		assert_int_equal(signer_key_find(F.s, "updown-mft-1-1736895600-0", &k),
		    SIGNER_ERR_NO_KEY);
	}
}

/* pub_publish(): CRL + manifest over the final set, committed; failures publish nothing. */
static void
test_publish(void **state)
{
	char root[600], path[700];
	struct pub_point *pp = NULL;
	struct pub_ca ca;
	unsigned char serial[9], *mft = NULL, *ec, *crl = NULL;
	size_t mft_len = 0, ec_len = 0, crl_len = 0;
	int detail = 0;
	static const unsigned char rev_serial[] = { 0x09 };
	struct crl_entry rev = { rev_serial, 1, NOW - HOUR };

	(void)state;
	snprintf(root, sizeof(root), "%s/publish", tc_tmpdir());
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(pub_open(root, REPO, NULL, &pp), 0);
	assert_int_equal(pub_put(pp, "child-one.cer", (const unsigned char *)"c1", 2), 0);
	assert_int_equal(pub_put(pp, "child-two.cer", (const unsigned char *)"c2", 2), 0);
	memset(&ca, 0, sizeof(ca));
	ca.iss = &F.iss;
	ca.crl_name = "ta.crl";
	ca.mft_name = "ta.mft";
	ca.aia_uri = "rsync://example.test/repo/ta.cer";
	ca.this_update = NOW - HOUR;
	ca.next_update = NOW + DAY;
	ca.crl_number = 1;
	ca.mft_number = 1;
	ca.ee_serial = serial;
	ca.ee_serial_len = tc_serial(100, serial);
	assert_int_equal(pub_publish(pp, &ca, &detail), 0);
	assert_int_equal(pub_count(pp), 4);
	assert_int_equal(pub_get(pp, "ta.mft", &mft, &mft_len), 0);
	ec = openssl_econtent(mft, mft_len, &ec_len);
	assert_int_equal(walk_econtent(ec, ec_len, 1, NOW - HOUR, NOW + DAY, "ta.crl", "ta.mft"), 3);
	free(ec);
	free(mft);

	/* Withdraw one, revoke it: the next manifest no longer lists it (UD-130, UD-131). */
	assert_int_equal(pub_withdraw(pp, "child-two.cer"), 0);
	ca.crl_number = 2;
	ca.mft_number = 2;
	ca.revoked = &rev;
	ca.n_revoked = 1;
	ca.ee_serial_len = tc_serial(101, serial);
	assert_int_equal(pub_publish(pp, &ca, &detail), 0);
	assert_int_equal(pub_count(pp), 3);
	assert_int_equal(pub_get(pp, "ta.mft", &mft, &mft_len), 0);
	ec = openssl_econtent(mft, mft_len, &ec_len);
	assert_int_equal(walk_econtent(ec, ec_len, 2, NOW - HOUR, NOW + DAY, "child-one.cer",
	    "child-two.cer"), 2);
	free(ec);
	free(mft);
	assert_int_equal(pub_get(pp, "ta.crl", &crl, &crl_len), 0);
	tc_write(tc_path("pub.crl"), crl, crl_len);
	assert_int_equal(tc_sh("'%s' crl -inform DER -in pub.crl -noout -text | "
	    "grep -q 'Serial Number: 09'", tc_openssl_exe()), 0);
	free(crl);
	snprintf(path, sizeof(path), "%s/example.test/repo/ta/child-two.cer", root);
	assert_int_equal(access(path, F_OK), -1);

	/* A staged name the manifest cannot carry: nothing is published, stage dropped. */
	assert_int_equal(pub_put(pp, "bad.name.cer", (const unsigned char *)"x", 1), 0);
	ca.crl_number = 3;
	ca.mft_number = 3;
	assert_int_equal(pub_publish(pp, &ca, &detail), PUB_ERR_NAME);
	assert_int_equal(detail, MFT_ERR_NAME);
	assert_int_equal(pub_staged_count(pp), 3);
	snprintf(path, sizeof(path), "%s/example.test/repo/ta/bad.name.cer", root);
	assert_int_equal(access(path, F_OK), -1);
	/* Our SIA names ta.mft: another manifest name is refused. */
	ca.mft_name = "other.mft";
	assert_int_equal(pub_publish(pp, &ca, &detail), PUB_ERR_URI);
	ca.mft_name = "ta.crl";
	assert_int_equal(pub_publish(pp, &ca, &detail), PUB_ERR_NAME);
	ca.mft_name = "ta.mft";
	ca.this_update = NOW + DAY;                            /* after nextUpdate */
	assert_int_equal(pub_publish(pp, &ca, &detail), PUB_ERR_CRL);
	assert_int_equal(detail, CRL_ERR_TIME);
	assert_int_equal(pub_count(pp), 3);
	pub_close(pp);

	/* A publication point at another URI than our SIA's caRepository. */
	assert_int_equal(pub_open(root, "rsync://example.test/repo/elsewhere/", NULL, &pp), 0);
	ca.this_update = NOW - HOUR;
	assert_int_equal(pub_publish(pp, &ca, &detail), PUB_ERR_URI);
	assert_int_equal(pub_count(pp), 0);
	pub_close(pp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_econtent_der),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_sign_refusals),
		cmocka_unit_test(test_publish),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
