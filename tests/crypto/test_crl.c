/*
 * crypto/crl: the CRL writer (UD-130; RFC 6487 section 5, RFC 5280 5).
 *
 * Each CRL is checked three independent ways: the openssl CLI prints
 * exactly the fields we meant (v2, sha256WithRSAEncryption, issuer, the
 * two times, AKI and CRL Number as the only extensions, the entries in
 * serial order, no entry extensions) and verifies the signature with the
 * issuer's certificate; mbed TLS parses it; and the DER of the extensions
 * is compared with a hand-made encoding. The BPKI CRL is also carried in an
 * RFC 6492 CMS message that cms_verify() accepts, and that it refuses once
 * the CRL lists the EE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/sha256.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/signer.h"
#include "proto/cms.h"
#include "test_cert_util.h"

#define NOW   ((time_t)1736899200)   /* 2025-01-15T00:00:00Z */
#define HOUR  3600
#define DAY   86400

static struct {
	struct signer *s;
	struct signer_key *ta_key, *bpki_key, *ee_key;
	unsigned char *ta, *bpki_ta;
	size_t ta_len, bpki_ta_len;
	struct cert_issuer iss, bpki;
} F;

static int
setup(void **state)
{
	struct res_bundle res;
	struct cert_ta_params tp;
	struct cert_bpki_params bp;
	unsigned char serial[9];

	(void)state;
	assert_int_equal(signer_sw_open(tc_rng, NULL, &F.s), 0);
	assert_int_equal(signer_key_generate(F.s, "ta", 0, &F.ta_key), 0);
	assert_int_equal(signer_key_generate(F.s, "bpki-ta", 0, &F.bpki_key), 0);
	assert_int_equal(signer_key_generate(F.s, "bpki-ee", 0, &F.ee_key), 0);

	tc_res(&res, "64496-64511", "192.0.2.0/24,198.51.100.0/24", "2001:db8::/32");
	memset(&tp, 0, sizeof(tp));
	tp.serial = serial;
	tp.serial_len = tc_serial(1, serial);
	tp.not_before = NOW - 30 * DAY;
	tp.not_after = NOW + 3650 * DAY;
	tp.subject_cn = "updown test TA";
	tp.sia_ca_repository = "rsync://example.test/repo/ta/";
	tp.sia_rpki_manifest = "rsync://example.test/repo/ta/ta.mft";
	tp.res = &res;
	assert_int_equal(cert_make_ta(F.s, F.ta_key, &tp, &F.ta, &F.ta_len), 0);
	res_bundle_free(&res);
	assert_int_equal(cert_issuer_load(&F.iss, F.s, F.ta_key, F.ta, F.ta_len), 0);

	memset(&bp, 0, sizeof(bp));
	bp.serial = serial;
	bp.serial_len = tc_serial(7, serial);
	bp.not_before = NOW - 30 * DAY;
	bp.not_after = NOW + 3650 * DAY;
	bp.subject_cn = "updown-bpki-ta";
	assert_int_equal(cert_bpki_ta(F.s, F.bpki_key, &bp, &F.bpki_ta, &F.bpki_ta_len), 0);
	assert_int_equal(cert_issuer_load(&F.bpki, F.s, F.bpki_key, F.bpki_ta, F.bpki_ta_len), 0);

	tc_write(tc_path("ta.cer"), F.ta, F.ta_len);
	assert_int_equal(tc_sh("'%s' x509 -inform DER -in ta.cer -out ta.pem", tc_openssl_exe()), 0);
	tc_write(tc_path("bpki.cer"), F.bpki_ta, F.bpki_ta_len);
	assert_int_equal(tc_sh("'%s' x509 -inform DER -in bpki.cer -out bpki.pem", tc_openssl_exe()), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cert_issuer_free(&F.iss);
	cert_issuer_free(&F.bpki);
	free(F.ta);
	free(F.bpki_ta);
	signer_close(F.s);
	return 0;
}

/* Write the CRL, run `openssl crl -text` on it, return the text (malloc'd). */
static char *
openssl_text(const unsigned char *der, size_t len, const char *cafile)
{
	char *text;

	tc_write(tc_path("crl.der"), der, len);
	assert_int_equal(tc_sh("'%s' crl -inform DER -in crl.der -noout -text > crl.txt",
	    tc_openssl_exe()), 0);
	if (cafile != NULL)
		assert_int_equal(tc_sh("'%s' crl -inform DER -in crl.der -noout -verify "
		    "-CAfile %s 2>&1 | grep -qx 'verify OK'", tc_openssl_exe(), cafile), 0);
	text = (char *)tc_read(tc_path("crl.txt"), NULL);
	assert_non_null(text);
	return text;
}

/* The hex of the issuer's SKI as openssl prints it ("AB:CD:..."). */
static void
ski_colons(const unsigned char *ski, char out[64])
{
	int i;

	for (i = 0; i < CERT_SKI_LEN; i++)
		sprintf(out + 3 * i, "%02X%s", ski[i], i + 1 < CERT_SKI_LEN ? ":" : "");
}

/*
 * mbed TLS parses it; version 2; issuer = our subject bytes; the signature
 * verifies with the issuer's key; no entry has extensions; the TBS ends
 * with exactly [0] { AKI(keyIdentifier = SKI), cRLNumber(number) }.
 */
static void
check_mbedtls(const struct cert_issuer *iss, const unsigned char *der, size_t len,
              const unsigned char *num, size_t num_len, size_t n_entries)
{
	mbedtls_x509_crl crl;
	mbedtls_x509_crl_entry *e;
	mbedtls_x509_crt ca;
	unsigned char md[32], ext[128];
	size_t n = 0, el;

	mbedtls_x509_crl_init(&crl);
	assert_int_equal(mbedtls_x509_crl_parse_der(&crl, der, len), 0);
	assert_int_equal(crl.raw.len, len);
	assert_int_equal(crl.version, 2);
	assert_int_equal(crl.issuer_raw.len, iss->subject_len);
	assert_memory_equal(crl.issuer_raw.p, iss->subject_der, iss->subject_len);
	assert_int_equal(crl.sig_md, MBEDTLS_MD_SHA256);
	assert_int_equal(crl.sig_pk, MBEDTLS_PK_RSA);
	for (e = &crl.entry; e != NULL && e->raw.len > 0; e = e->next) {
		assert_int_equal(e->entry_ext.len, 0);         /* no CRL-entry extensions */
		n++;
	}
	assert_int_equal(n, n_entries);

	mbedtls_x509_crt_init(&ca);
	assert_int_equal(cms_cert_parse(&ca, iss->cert_der, iss->cert_len, NULL), 0);
	assert_int_equal(mbedtls_sha256_ret(crl.tbs.p, crl.tbs.len, md, 0), 0);
	assert_int_equal(mbedtls_pk_verify(&ca.pk, MBEDTLS_MD_SHA256, md, 32, crl.sig.p,
	    crl.sig.len), 0);
	mbedtls_x509_crt_free(&ca);

	/* a0 L 30 L | 30 1f 06 03 551d23 04 18 30 16 80 14 SKI | 30 L 06 03 551d14 04 L 02 L num */
	el = 0;
	{
		unsigned char aki[] = { 0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d, 0x23, 0x04, 0x18,
		    0x30, 0x16, 0x80, 0x14 };
		unsigned char cn[] = { 0x30, 0, 0x06, 0x03, 0x55, 0x1d, 0x14, 0x04, 0, 0x02, 0 };
		size_t inner = sizeof(aki) + CERT_SKI_LEN + sizeof(cn) + num_len;

		ext[el++] = 0xa0;
		ext[el++] = (unsigned char)(inner + 2);
		ext[el++] = 0x30;
		ext[el++] = (unsigned char)inner;
		memcpy(ext + el, aki, sizeof(aki));
		el += sizeof(aki);
		memcpy(ext + el, iss->ski, CERT_SKI_LEN);
		el += CERT_SKI_LEN;
		cn[1] = (unsigned char)(sizeof(cn) - 2 + num_len);
		cn[8] = (unsigned char)(2 + num_len);
		cn[10] = (unsigned char)num_len;
		memcpy(ext + el, cn, sizeof(cn));
		el += sizeof(cn);
		memcpy(ext + el, num, num_len);
		el += num_len;
	}
	assert_true(crl.tbs.len > el);
	assert_memory_equal(crl.tbs.p + crl.tbs.len - el, ext, el);
	mbedtls_x509_crl_free(&crl);
}

/* UD-130: an empty CRL omits revokedCertificates. */
static void
test_empty(void **state)
{
	struct crl_params p = { NOW - HOUR, NOW + DAY, 1, NULL, 0 };
	unsigned char *der = NULL;
	size_t len = 0;
	char *t, ski[64];

	(void)state;
	assert_int_equal(crl_write(&F.iss, &p, &der, &len), 0);
	t = openssl_text(der, len, "ta.pem");
	assert_non_null(strstr(t, "Version 2 (0x1)"));
	assert_int_equal(tc_count(t, "Signature Algorithm: sha256WithRSAEncryption"), 2);
	assert_non_null(strstr(t, "Issuer: CN = updown test TA"));
	assert_non_null(strstr(t, "Last Update: Jan 14 23:00:00 2025 GMT"));
	assert_non_null(strstr(t, "Next Update: Jan 16 00:00:00 2025 GMT"));
	ski_colons(F.iss.ski, ski);
	assert_non_null(strstr(t, "X509v3 Authority Key Identifier: \n                "));
	assert_non_null(strstr(t, ski));
	assert_non_null(strstr(t, "X509v3 CRL Number: \n                1\n"));
	assert_int_equal(tc_count(t, "X509v3"), 2);      /* nothing else */
	assert_non_null(strstr(t, "No Revoked Certificates."));
	free(t);
	check_mbedtls(&F.iss, der, len, (const unsigned char *)"\x01", 1, 0);
	/* The entries field is absent, not an empty SEQUENCE: DER after nextUpdate is [0]. */
	{
		static const unsigned char next[] = "\x17\x0d" "250116000000Z" "\xa0";
		bool found = false;
		size_t i;
		for (i = 0; !found && i + 16 <= len; i++)
			found = memcmp(der + i, next, 16) == 0;
		assert_true(found);
	}
	free(der);
}

/* UD-130: entries sorted by serial, serial + date only; CRL numbers of every size. */
static void
test_entries_sorted(void **state)
{
	static const unsigned char s1[] = { 0x05 }, s2[] = { 0x00, 0x80 }, s3[] = { 0x01, 0x00 },
	    s4[] = { 0x7f, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	    0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04 },     /* 20 octets */
	    s5[] = { 0x7f };
	struct crl_entry e[] = {
		{ s4, sizeof(s4), NOW - 4 * DAY }, { s3, sizeof(s3), NOW - 3 * DAY },
		{ s5, sizeof(s5), NOW - 5 * DAY }, { s1, sizeof(s1), NOW - 1 * DAY },
		{ s2, sizeof(s2), NOW - 2 * DAY },
	};
	static const struct { uint64_t n; const char *der; size_t len; const char *text; } nums[] = {
		{ 0, "\x00", 1, "0" },
		{ 127, "\x7f", 1, "127" },
		{ 128, "\x00\x80", 2, "128" },
		{ 0x0123456789abcdefULL, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8, "81985529216486895" },
		{ UINT64_MAX, "\x00\xff\xff\xff\xff\xff\xff\xff\xff", 9, "18446744073709551615" },
	};
	unsigned char *der = NULL;
	size_t len = 0, i;
	char *t, *a, *b, *c, *d, *f, want[64];

	(void)state;
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		struct crl_params p = { NOW - HOUR, NOW + DAY, nums[i].n, e, 5 };
		assert_int_equal(crl_write(&F.iss, &p, &der, &len), 0);
		t = openssl_text(der, len, "ta.pem");
		/* Serial order: 05 < 7F < 0080 < 0100 < 7F11... */
		a = strstr(t, "Serial Number: 05\n");
		b = strstr(t, "Serial Number: 7F\n");
		c = strstr(t, "Serial Number: 80\n");
		d = strstr(t, "Serial Number: 0100\n");
		f = strstr(t, "Serial Number: 7F112233445566778899AABBCCDDEEFF01020304\n");
		assert_true(a != NULL && b != NULL && c != NULL && d != NULL && f != NULL);
		assert_true(a < b && b < c && c < d && d < f);
		assert_non_null(strstr(t, "Serial Number: 05\n        Revocation Date: Jan 14 00:00:00 2025 GMT\n"));
		assert_non_null(strstr(t, "Serial Number: 7F\n        Revocation Date: Jan 10 00:00:00 2025 GMT\n"));
		assert_int_equal(tc_count(t, "Revocation Date"), 5);
		assert_null(strstr(t, "CRL entry extensions"));
		snprintf(want, sizeof(want), "X509v3 CRL Number: \n                %s\n",
		    nums[i].text);
		if (nums[i].n > 0xffffffffULL) {
			/* openssl prints large numbers in hex; check the DER instead. */
			assert_non_null(strstr(t, "X509v3 CRL Number: \n"));
		} else
			assert_non_null(strstr(t, want));
		assert_int_equal(tc_count(t, "X509v3"), 2);
		free(t);
		check_mbedtls(&F.iss, der, len, (const unsigned char *)nums[i].der, nums[i].len, 5);
		free(der);
	}
}

/* Times from 2050 are GeneralizedTime (RFC 5280 5.1.2.4). */
static void
test_generalized_time(void **state)
{
	static const unsigned char s[] = { 0x09 };
	struct crl_entry e = { s, 1, (time_t)2556144000 };    /* 2051-01-01 */
	struct crl_params p = { (time_t)2524608000, (time_t)2556144000 + DAY, 9, &e, 1 };
	unsigned char *der = NULL;
	size_t len = 0;
	char *t;

	(void)state;
	assert_int_equal(crl_write(&F.iss, &p, &der, &len), 0);
	t = openssl_text(der, len, NULL);     /* the TA expires first: no -verify */
	assert_non_null(strstr(t, "Last Update: Jan  1 00:00:00 2050 GMT"));
	assert_non_null(strstr(t, "Next Update: Jan  2 00:00:00 2051 GMT"));
	assert_non_null(strstr(t, "Revocation Date: Jan  1 00:00:00 2051 GMT"));
	free(t);
	{
		bool g1 = false, g2 = false;
		size_t i;
		for (i = 0; i + 17 <= len; i++) {
			g1 |= memcmp(der + i, "\x18\x0f" "20500101000000Z", 17) == 0;
			g2 |= memcmp(der + i, "\x18\x0f" "20510102000000Z", 17) == 0;
		}
		assert_true(g1 && g2);
	}
	free(der);
}

/* A larger CRL, given in scrambled order, comes out sorted and parses. */
static void
test_many_entries(void **state)
{
	enum { N = 2000 };
	struct crl_entry *e = calloc(N, sizeof(*e));
	unsigned char (*ser)[9] = calloc(N, 9);
	struct crl_params p;
	mbedtls_x509_crl crl;
	mbedtls_x509_crl_entry *x;
	unsigned char *der = NULL, prev[32];
	size_t len = 0, i, n = 0, prev_len = 0;

	(void)state;
	assert_non_null(e);
	assert_non_null(ser);
	for (i = 0; i < N; i++) {
		uint64_t v = (i * 7919u) % N + 1 + ((uint64_t)(i % 3) << 40);
		e[i].serial = ser[i];
		e[i].serial_len = tc_serial(v, ser[i]);
		e[i].revoked = NOW - (time_t)i;
	}
	p = (struct crl_params){ NOW - HOUR, NOW + DAY, 77, e, N };
	assert_int_equal(crl_write(&F.iss, &p, &der, &len), 0);
	check_mbedtls(&F.iss, der, len, (const unsigned char *)"\x4d", 1, N);
	mbedtls_x509_crl_init(&crl);
	assert_int_equal(mbedtls_x509_crl_parse_der(&crl, der, len), 0);
	for (x = &crl.entry; x != NULL && x->raw.len > 0; x = x->next) {
		if (n > 0) {
			assert_true(x->serial.len >= prev_len);
			if (x->serial.len == prev_len)
				assert_true(memcmp(x->serial.p, prev, prev_len) > 0);
		}
		memcpy(prev, x->serial.p, x->serial.len);
		prev_len = x->serial.len;
		n++;
	}
	assert_int_equal(n, N);
	mbedtls_x509_crl_free(&crl);
	free(der);
	free(e);
	free(ser);
}

static void
test_refusals(void **state)
{
	static const unsigned char zero[] = { 0x00 }, neg[] = { 0x80 }, pad[] = { 0x00, 0x01 },
	    big[21] = { 0x01 }, one[] = { 0x01 }, one_b[] = { 0x01 };
	struct { const unsigned char *s; size_t len; int want; } cases[] = {
		{ zero, 1, CRL_ERR_SERIAL }, { neg, 1, CRL_ERR_SERIAL },
		{ pad, 2, CRL_ERR_SERIAL }, { big, 21, CRL_ERR_SERIAL },
		{ NULL, 1, CRL_ERR_SERIAL }, { one, 0, CRL_ERR_SERIAL },
	};
	struct crl_entry dup[3] = { { one, 1, NOW }, { pad + 1, 1, NOW }, { one_b, 1, NOW - 1 } };
	struct crl_params p = { NOW - HOUR, NOW + DAY, 1, NULL, 0 };
	struct cert_issuer no_key;
	unsigned char *der = (unsigned char *)"x";
	size_t len = 0, i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct crl_entry e = { cases[i].s, cases[i].len, NOW };
		p.entries = &e;
		p.n_entries = 1;
		assert_int_equal(crl_write(&F.iss, &p, &der, &len), cases[i].want);
		assert_null(der);
	}
	p.entries = dup;
	p.n_entries = 3;
	assert_int_equal(crl_write(&F.iss, &p, &der, &len), CRL_ERR_DUPLICATE);
	p.n_entries = 0;
	p.entries = NULL;
	p.n_entries = 1;
	assert_int_equal(crl_write(&F.iss, &p, &der, &len), CRL_ERR_ARG);
	p.n_entries = CRL_MAX_ENTRIES + 1;
	p.entries = dup;
	assert_int_equal(crl_write(&F.iss, &p, &der, &len), CRL_ERR_LIMIT);
	p.n_entries = 0;
	p.next_update = p.this_update;
	assert_int_equal(crl_write(&F.iss, &p, &der, &len), CRL_ERR_TIME);
	p.this_update = (time_t)-631152001;             /* 1949 */
	p.next_update = NOW;
	assert_int_equal(crl_write(&F.iss, &p, &der, &len), CRL_ERR_TIME);
	p.this_update = NOW - HOUR;
	assert_int_equal(crl_write(NULL, &p, &der, &len), CRL_ERR_ARG);
	assert_int_equal(crl_write(&F.iss, NULL, &der, &len), CRL_ERR_ARG);
	memcpy(&no_key, &F.iss, sizeof(no_key));
	no_key.key = NULL;
	assert_int_equal(crl_write(&no_key, &p, &der, &len), CRL_ERR_ARG);
	assert_non_null(crl_strerror(CRL_ERR_SERIAL));
	assert_null(der);
}

/*
 * The BPKI CRL (same writer, BPKI TA as issuer) in an RFC 6492 message:
 * cms_verify() accepts it, and refuses once the CRL lists the EE (UD-33,
 * UD-34 from the signing side).
 */
static void
test_bpki_crl_in_cms(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\"?><message/>";
	struct cert_bpki_params bp;
	struct signer_cms_ctx ctx = { NULL, NULL };
	struct cms_signer cs;
	struct cms_trust tr;
	struct cms_msg m;
	struct crl_entry e;
	struct crl_params p = { NOW - HOUR, NOW + DAY, 3, NULL, 0 };
	unsigned char serial[9], *ee = NULL, *spki = NULL, *crl = NULL, *msg = NULL;
	size_t ee_len = 0, spki_len = 0, crl_len = 0, msg_len = 0;
	char *t;

	(void)state;
	assert_int_equal(signer_key_public(F.s, F.ee_key, &spki, &spki_len), 0);
	memset(&bp, 0, sizeof(bp));
	bp.serial = serial;
	bp.serial_len = tc_serial(1000, serial);
	bp.not_before = NOW - DAY;
	bp.not_after = NOW + 365 * DAY;
	bp.subject_cn = "updown-bpki-ee";
	assert_int_equal(cert_bpki_ee(&F.bpki, spki, spki_len, &bp, &ee, &ee_len), 0);

	assert_int_equal(crl_write(&F.bpki, &p, &crl, &crl_len), 0);
	t = openssl_text(crl, crl_len, "bpki.pem");
	assert_non_null(strstr(t, "Issuer: CN = updown-bpki-ta"));
	free(t);
	check_mbedtls(&F.bpki, crl, crl_len, (const unsigned char *)"\x03", 1, 0);

	ctx.signer = F.s;
	ctx.key = F.ee_key;
	cs = (struct cms_signer){ ee, ee_len, crl, crl_len, signer_cms_sign, &ctx };
	assert_int_equal(cms_sign(&cs, (const unsigned char *)xml, strlen(xml), NOW, &msg,
	    &msg_len), 0);
	tr = (struct cms_trust){ F.bpki_ta, F.bpki_ta_len, NULL, 0 };
	cms_msg_init(&m);
	assert_int_equal(cms_decode(&m, msg, msg_len, NULL), 0);
	assert_int_equal(cms_verify(&m, &tr, NOW), 0);
	assert_int_equal(cms_verify(&m, &tr, NOW + 2 * DAY), CMS_ERR_CRL_STALE);
	cms_msg_free(&m);
	free(msg);
	free(crl);

	/* The same EE, revoked on the next CRL. */
	e = (struct crl_entry){ serial, bp.serial_len, NOW - 60 };
	p.number = 4;
	p.entries = &e;
	p.n_entries = 1;
	assert_int_equal(crl_write(&F.bpki, &p, &crl, &crl_len), 0);
	cs.crl_der = crl;
	cs.crl_len = crl_len;
	assert_int_equal(cms_sign(&cs, (const unsigned char *)xml, strlen(xml), NOW, &msg,
	    &msg_len), 0);
	cms_msg_init(&m);
	assert_int_equal(cms_decode(&m, msg, msg_len, NULL), 0);
	assert_int_equal(cms_verify(&m, &tr, NOW), CMS_ERR_REVOKED);
	cms_msg_free(&m);
	free(msg);
	free(crl);
	free(ee);
	free(spki);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_entries_sorted),
		cmocka_unit_test(test_generalized_time),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_bpki_crl_in_cms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
