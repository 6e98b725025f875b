/*
 * crypto/csr: real requests and unit tables.
 *
 * - Interop (UD-70, UD-71, UD-72, UD-84): rpkid's CA PKCS#10
 *   (rpki-rs/test-data/ca/drl-csr.der) and the PKCS#10 inside the rpkid
 *   issue messages of the ISC interop set (pdu.172, pdu.184, pdu.200,
 *   decoded with proto/updown). All four use sha256WithRSAEncryption, an
 *   RSA-2048 key with e = 65537, critical BC cA, critical KU
 *   keyCertSign+cRLSign, SIA caRepository + rpkiManifest, and must pass;
 *   pdu.200's request is byte for byte drl-csr.der. rpkid names the
 *   subject after the hex SKI and the manifest after the base64url SKI, so
 *   both give an independent check of our SKI. The manifest names end in
 *   ".mnf" (rpkid 2011), which is why no suffix is required.
 * - The BGPsec router CSRs (EC P-256, ecdsa-with-SHA256) are refused with
 *   CSR_ERR_KEY_ALG (UD-71).
 * - Every truncation of drl-csr.der from an exactly sized buffer, every
 *   one-bit flip, trailing bytes, random garbage, hostile DER.
 * - URI hygiene table (UD-72, UD-76), strerror texts, API edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/csr.h"
#include "crypto/csr/csr_test.h"
#include "proto/updown.h"

#define DRL "rpki-rs/test-data/ca/drl-csr.der"

/* A fresh exactly sized copy of b (ASan sees overreads). */
static unsigned char *
exact(const unsigned char *p, size_t len)
{
	unsigned char *q = malloc(len ? len : 1);

	assert_non_null(q);
	if (len > 0)
		memcpy(q, p, len);
	return q;
}

static int
check_exact(const unsigned char *p, size_t len, const struct csr_policy *pol,
    struct csr_info *out)
{
	unsigned char *q = exact(p, len);
	int rc = csr_check(q, len, pol, out);

	free(q);
	return rc;
}

static const unsigned char *
find(const unsigned char *h, size_t hl, const void *n, size_t nl)
{
	for (size_t i = 0; nl <= hl && i <= hl - nl; i++)
		if (memcmp(h + i, n, nl) == 0)
			return h + i;
	return NULL;
}

static void
hex20(const unsigned char *b, char out[41])
{
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02X", b[i]);
}

/* The CN of rpkid's subject Name: the 40 hex digits at its end. */
static const char *
cn_of(const struct tbuf *der, char out[41])
{
	/* rpkid: SEQUENCE { SET { SEQUENCE { CN, PrintableString(40) } } } at offset 11 of the CRI */
	const unsigned char *p = find(der->p, der->len, "\x06\x03\x55\x04\x03\x13\x28", 7);

	assert_non_null(p);
	memcpy(out, p + 7, 40);
	out[40] = '\0';
	return out;
}

/* An rpkid request: accepted with the URIs given; SKI = CN; gSKI in the manifest name. */
static void
check_rpkid(const struct tbuf *der, const char *repo, const char *mft)
{
	struct csr_info info;
	char ski[41], cn[41], gski[UD_SKI_SIZE];
	const unsigned char *spki;

	assert_int_equal(check_exact(der->p, der->len, NULL, &info), 0);
	assert_string_equal(info.ca_repository, repo);
	assert_string_equal(info.rpki_manifest, mft);
	assert_null(info.rpki_notify);
	assert_true(info.bc_present && info.bc_ca);
	assert_true(info.ku_present);
	assert_int_equal(info.ku_bits, CSR_KU_KEY_CERT_SIGN | CSR_KU_CRL_SIGN);
	assert_false(info.eku_present);
	/* UD-84: the SPKI is the request's own bytes (at offset 64 in rpkid's layout). */
	assert_int_equal(info.spki_len, 294);
	spki = find(der->p, der->len, info.spki, info.spki_len);
	assert_non_null(spki);
	hex20(info.ski, ski);
	assert_string_equal(ski, cn_of(der, cn));
	assert_int_equal(ud_ski_from_key(info.spki + 24, info.spki_len - 24, gski), 0);
	assert_non_null(strstr(mft, gski));
	/* The policy knobs do not change the verdict on these. */
	{
		struct csr_policy pol = { .mft_in_repo = true, .host_names_only = true };

		assert_int_equal(check_exact(der->p, der->len, &pol, NULL), 0);
	}
	csr_info_free(&info);
}

/* UD-70, UD-71, UD-72, UD-84: rpkid's drl-csr.der. */
static void
test_interop_drl(void **state)
{
	struct tbuf d = tb_read_testdata("interop/" DRL);

	(void)state;
	check_rpkid(&d, "rsync://localhost:4404/rpki/Alice/Bob/Carol/3/",
	    "rsync://localhost:4404/rpki/Alice/Bob/Carol/3/IozwkwjtGls63XR8W2lo1wc7UoU.mnf");
	tb_free(&d);
}

static struct tbuf
csr_of_pdu(const char *rel)
{
	struct tbuf x = tb_read_testdata(rel), c;
	struct ud_msg m;
	struct ud_error err;

	assert_int_equal(ud_decode((const char *)x.p, x.len, &m, &err), 0);
	assert_int_equal(m.type, UD_ISSUE);
	c = tb_dup(m.issue.csr, m.issue.csr_len);
	ud_msg_free(&m);
	tb_free(&x);
	return c;
}

#define PDU(n) "interop/derived/payloads/rpki-commons_src_test_resources_isc-interop-updown_pdu." \
	n ".der.xml"

/* UD-70..UD-72: the three rpkid issue requests of the interop set (2011). */
static void
test_interop_pdus(void **state)
{
	struct tbuf c, d;

	(void)state;
	c = csr_of_pdu(PDU("172"));
	check_rpkid(&c, "rsync://localhost:4404/rpki/Alice/1/",
	    "rsync://localhost:4404/rpki/Alice/1/kXjT3ezgqKwLheSoL6aXZojbdOE.mnf");
	tb_free(&c);
	c = csr_of_pdu(PDU("184"));
	check_rpkid(&c, "rsync://localhost:4404/rpki/Alice/Bob/2/",
	    "rsync://localhost:4404/rpki/Alice/Bob/2/_ysw-8SBIjKzPG5uOXHvQ2jvCWE.mnf");
	tb_free(&c);
	c = csr_of_pdu(PDU("200"));
	d = tb_read_testdata("interop/" DRL);
	assert_int_equal(c.len, d.len);
	assert_memory_equal(c.p, d.p, d.len);
	tb_free(&c);
	tb_free(&d);
}

/* UD-71: BGPsec router requests (EC P-256) are not CA requests we can sign. */
static void
test_interop_router(void **state)
{
	static const char *files[] = {
		"interop/rpki-rs/test-data/ca/router-csr.der",
		"interop/krill/test-resources/bgpsec/router-csr.der",
	};
	struct csr_info info;

	(void)state;
	for (size_t i = 0; i < TB_N(files); i++) {
		struct tbuf d = tb_read_testdata(files[i]);

		assert_int_equal(check_exact(d.p, d.len, NULL, &info), CSR_ERR_KEY_ALG);
		assert_null(info.spki);
		tb_free(&d);
	}
}

/* Every truncation from an exactly sized buffer; trailing bytes. */
static void
test_truncations(void **state)
{
	struct tbuf d = tb_read_testdata("interop/" DRL);
	unsigned char *big;

	(void)state;
	assert_int_equal(check_exact(d.p, 0, NULL, NULL), CSR_ERR_SIZE);
	for (size_t l = 1; l < d.len; l++)
		assert_int_equal(check_exact(d.p, l, NULL, NULL), CSR_ERR_DER);
	big = malloc(d.len + 3);
	assert_non_null(big);
	memcpy(big, d.p, d.len);
	for (size_t k = 1; k <= 3; k++) {
		big[d.len + k - 1] = 0;
		assert_int_equal(check_exact(big, d.len + k, NULL, NULL), CSR_ERR_TRAILING);
	}
	/* A second complete request after the first is trailing too. */
	{
		unsigned char *two = malloc(2 * d.len);

		assert_non_null(two);
		memcpy(two, d.p, d.len);
		memcpy(two + d.len, d.p, d.len);
		assert_int_equal(check_exact(two, 2 * d.len, NULL, NULL), CSR_ERR_TRAILING);
		free(two);
	}
	free(big);
	tb_free(&d);
}

/*
 * UD-70: every one-bit change anywhere in the request is refused (the
 * signature covers the CRI, and the rest is fixed by the profile).
 */
static void
test_bit_flips(void **state)
{
	struct tbuf d = tb_read_testdata("interop/" DRL);
	struct csr_info info;

	(void)state;
	for (size_t i = 0; i < d.len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			int rc;

			d.p[i] ^= (unsigned char)(1u << bit);
			rc = check_exact(d.p, d.len, NULL, &info);
			d.p[i] ^= (unsigned char)(1u << bit);
			if (rc == 0)
				fail_msg("flip of bit %d at offset %zu accepted", bit, i);
			assert_true(rc <= -0x0701 && rc >= -0x07FF);
			assert_null(info.spki);
			assert_null(info.ca_repository);
		}
	}
	/* A signature byte alone: proof of possession fails. */
	d.p[d.len - 10] ^= 0x55;
	assert_int_equal(check_exact(d.p, d.len, NULL, NULL), CSR_ERR_SIGNATURE);
	tb_free(&d);
}

/* Random garbage and hostile DER never crash and are refused. */
static void
test_garbage(void **state)
{
	static const struct {
		const char *hex;
		int rc;
	} hostile[] = {
		{ "00", CSR_ERR_DER },
		{ "30", CSR_ERR_DER },
		{ "3080", CSR_ERR_DER },                 /* indefinite length */
		{ "3000", CSR_ERR_DER },
		{ "30840000000000", CSR_ERR_DER },       /* non-minimal length */
		{ "308100", CSR_ERR_DER },               /* non-minimal length */
		{ "3085ffffffffff", CSR_ERR_DER },       /* 5 length octets */
		{ "3084ffffffff", CSR_ERR_DER },         /* length past the end */
		{ "30023000", CSR_ERR_DER },
		{ "3003020100", CSR_ERR_DER },
		{ "3005300302 0101", CSR_ERR_VERSION },
		{ "3005300302 0100", CSR_ERR_DER },      /* no subject */
		{ "30073005020100 3100", CSR_ERR_DER },  /* subject not a SEQUENCE */
		{ "30093007020100 30023100", CSR_ERR_SUBJECT }, /* empty RDN */
		{ "3000 00", CSR_ERR_TRAILING },
		{ "1f00", CSR_ERR_DER },
	};
	unsigned char buf[600];
	uint64_t s = 42;

	(void)state;
	for (size_t i = 0; i < TB_N(hostile); i++) {
		struct tbuf h = tb_hex(hostile[i].hex);

		if (check_exact(h.p, h.len, NULL, NULL) != hostile[i].rc)
			fail_msg("hostile %zu (%s): got %d want %d", i, hostile[i].hex,
			    check_exact(h.p, h.len, NULL, NULL), hostile[i].rc);
		tb_free(&h);
	}
	for (int round = 0; round < 2000; round++) {
		size_t len = 1 + (size_t)(s % sizeof(buf)), j;
		int rc;

		for (j = 0; j < len; j++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			buf[j] = (unsigned char)(s >> 32);
		}
		if (round % 2 == 0)
			buf[0] = 0x30; /* get past the first tag half the time */
		rc = check_exact(buf, len, NULL, NULL);
		assert_true(rc <= -0x0701 && rc >= -0x07FF);
	}
	/* Over the size limit. */
	{
		unsigned char *p = calloc(1, CSR_MAX_DER + 1);

		assert_non_null(p);
		assert_int_equal(csr_check(p, CSR_MAX_DER + 1, NULL, NULL), CSR_ERR_SIZE);
		free(p);
	}
}

/* UD-72, UD-76: URI hygiene, one row per rule. */
static void
test_uri_table(void **state)
{
	static const struct {
		const char *uri;
		enum csr_uri_kind kind;
		int rc;
		bool names_only; /* with policy host_names_only */
	} t[] = {
		{ "rsync://example.net/repo/child/", CSR_URI_REPO, 0, false },
		{ "rsync://example.net/", CSR_URI_REPO, 0, false },
		{ "rsync://example.net:873/repo/", CSR_URI_REPO, 0, false },
		{ "rsync://rpki.example-1.net/a-b_c~d/", CSR_URI_REPO, 0, false },
		{ "rsync://example.net/repo/child/x.mft", CSR_URI_MFT, 0, false },
		{ "rsync://example.net/repo/child/a%41.mft", CSR_URI_MFT, 0, false },
		{ "https://example.net/rrdp/notification.xml", CSR_URI_NOTIFY, 0, false },
		{ "https://example.net/rrdp/notify?x=1", CSR_URI_NOTIFY, 0, false },
		{ "https://example.net/", CSR_URI_NOTIFY, 0, false },
		{ "rsync://192.0.2.1/repo/", CSR_URI_REPO, 0, false },
		{ "rsync://[2001:db8::1]/repo/", CSR_URI_REPO, 0, false },
		{ "rsync://[2001:db8::1]:873/repo/", CSR_URI_REPO, 0, false },
		{ "rsync://192.0.2.1/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, true },
		{ "rsync://[2001:db8::1]/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, true },
		{ "rsync://example.net/repo/", CSR_URI_REPO, 0, true },
		{ "rsync://1example.net/repo/", CSR_URI_REPO, 0, true },
		/* length */
		{ "", CSR_URI_REPO, CSR_ERR_URI_LENGTH, false },
		/* characters */
		{ "rsync://example.net/re po/", CSR_URI_REPO, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/repo/\t", CSR_URI_REPO, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/repo/\x7f/", CSR_URI_REPO, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/r\xc3\xa9po/", CSR_URI_REPO, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/repo\\x/", CSR_URI_REPO, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/\"repo\"/", CSR_URI_REPO, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/repo/%2", CSR_URI_MFT, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/repo/%zz", CSR_URI_MFT, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/repo/%20x", CSR_URI_MFT, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/repo/%00x", CSR_URI_MFT, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/repo/x%0a", CSR_URI_MFT, CSR_ERR_URI_CHARS, false },
		{ "rsync://example.net/repo/[x]/", CSR_URI_REPO, CSR_ERR_URI_CHARS, false },
		{ "https://example.net/n?x=]", CSR_URI_NOTIFY, CSR_ERR_URI_CHARS, false },
		/* scheme */
		{ "http://example.net/repo/", CSR_URI_REPO, CSR_ERR_URI_SCHEME, false },
		{ "https://example.net/repo/", CSR_URI_REPO, CSR_ERR_URI_SCHEME, false },
		{ "RSYNC://example.net/repo/", CSR_URI_REPO, CSR_ERR_URI_SCHEME, false },
		{ "Rsync://example.net/repo/", CSR_URI_REPO, CSR_ERR_URI_SCHEME, false },
		{ "rsync:/example.net/repo/", CSR_URI_REPO, CSR_ERR_URI_SCHEME, false },
		{ "rsync:example.net/repo/", CSR_URI_REPO, CSR_ERR_URI_SCHEME, false },
		{ "/repo/child/", CSR_URI_REPO, CSR_ERR_URI_SCHEME, false },
		{ "example.net/repo/child/", CSR_URI_REPO, CSR_ERR_URI_SCHEME, false },
		{ "rsync", CSR_URI_REPO, CSR_ERR_URI_SCHEME, false },
		{ "http://example.net/notify.xml", CSR_URI_NOTIFY, CSR_ERR_URI_SCHEME, false },
		{ "rsync://example.net/notify.xml", CSR_URI_NOTIFY, CSR_ERR_URI_SCHEME, false },
		{ "https://example.net/x.mft", CSR_URI_MFT, CSR_ERR_URI_SCHEME, false },
		/* host */
		{ "rsync:///repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://:873/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://user@example.net/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://example.net:/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://example.net:0/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://example.net:65536/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://example.net:8a/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://example.net:1234567/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://example..net/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://.example.net/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://example.net./repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://exa_mple.net/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://exa%41mple.net/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://[]/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://[2001:db8::1/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://[2001:db8::g]/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "rsync://[::1]x/repo/", CSR_URI_REPO, CSR_ERR_URI_HOST, false },
		{ "https://[::1]?x", CSR_URI_NOTIFY, CSR_ERR_URI_PATH, false },
		/* path, query, fragment */
		{ "rsync://example.net", CSR_URI_REPO, CSR_ERR_URI_PATH, false },
		{ "https://example.net", CSR_URI_NOTIFY, CSR_ERR_URI_PATH, false },
		{ "https://example.net?x", CSR_URI_NOTIFY, CSR_ERR_URI_PATH, false },
		{ "rsync://example.net/repo/?x", CSR_URI_REPO, CSR_ERR_URI_PATH, false },
		{ "rsync://example.net/repo/#x", CSR_URI_REPO, CSR_ERR_URI_PATH, false },
		{ "https://example.net/n.xml#x", CSR_URI_NOTIFY, CSR_ERR_URI_PATH, false },
		/* normalisation */
		{ "rsync://example.net/repo/../other/", CSR_URI_REPO, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net/repo/./child/", CSR_URI_REPO, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net/repo/..", CSR_URI_MFT, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net/repo/.", CSR_URI_MFT, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net/../", CSR_URI_REPO, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net//repo/", CSR_URI_REPO, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net/repo//", CSR_URI_REPO, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net/repo/%2e%2e/x/", CSR_URI_REPO, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net/repo/%2E/x/", CSR_URI_REPO, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net/repo%2fx/", CSR_URI_REPO, CSR_ERR_URI_NORMAL, false },
		{ "https://example.net/a/../n.xml", CSR_URI_NOTIFY, CSR_ERR_URI_NORMAL, false },
		{ "rsync://example.net/repo/..x/", CSR_URI_REPO, 0, false },
		{ "rsync://example.net/repo/.x.mft", CSR_URI_MFT, 0, false },
		/* trailing slash rules */
		{ "rsync://example.net/repo/child", CSR_URI_REPO, CSR_ERR_REPO_SLASH, false },
		{ "rsync://example.net/repo/child/", CSR_URI_MFT, CSR_ERR_MFT_SLASH, false },
		{ "rsync://example.net/", CSR_URI_MFT, CSR_ERR_MFT_SLASH, false },
	};
	char longuri[CSR_MAX_URI + 2];
	struct csr_policy names = { .host_names_only = true };

	(void)state;
	for (size_t i = 0; i < TB_N(t); i++) {
		size_t len = strlen(t[i].uri);
		char *q = (char *)exact((const unsigned char *)t[i].uri, len);
		int rc = csr_check_uri(q, len, t[i].kind, t[i].names_only ? &names : NULL);

		free(q);
		if (rc != t[i].rc)
			fail_msg("uri %zu \"%s\": got %d want %d", i, t[i].uri, rc, t[i].rc);
	}
	/* Exactly 2048 characters is fine, 2049 is not. */
	memset(longuri, 'a', sizeof(longuri));
	memcpy(longuri, "rsync://example.net/", 20);
	longuri[CSR_MAX_URI - 1] = '/';
	assert_int_equal(csr_check_uri(longuri, CSR_MAX_URI, CSR_URI_REPO, NULL), 0);
	longuri[CSR_MAX_URI - 1] = 'a';
	longuri[CSR_MAX_URI] = '/';
	assert_int_equal(csr_check_uri(longuri, CSR_MAX_URI + 1, CSR_URI_REPO, NULL),
	    CSR_ERR_URI_LENGTH);
	/* An embedded NUL. */
	assert_int_equal(csr_check_uri("rsync://example.net/a\0b/", 24, CSR_URI_REPO, NULL),
	    CSR_ERR_URI_CHARS);
	/* Arguments. */
	assert_int_equal(csr_check_uri(NULL, 3, CSR_URI_REPO, NULL), CSR_ERR_ARG);
	assert_int_equal(csr_check_uri("rsync://x/", 10, (enum csr_uri_kind)0, NULL),
	    CSR_ERR_ARG);
	assert_int_equal(csr_check_uri(NULL, 0, CSR_URI_REPO, NULL), CSR_ERR_URI_LENGTH);
}

/* Every code has its own text; every child-blaming text cites the RFC. */
static void
test_strerror(void **state)
{
	const char *seen[64] = { 0 };
	int code;

	(void)state;
	for (code = -0x0701; code >= -0x0727; code--) {
		const char *s = csr_strerror(code);

		assert_non_null(s);
		assert_null(strstr(s, "unknown"));
		if (code < CSR_ERR_INTERNAL)
			assert_non_null(strstr(s, "RFC"));
		for (int j = 0; j < 64 && seen[j] != NULL; j++)
			assert_string_not_equal(seen[j], s);
		seen[-code - 0x0701] = s;
	}
	assert_non_null(strstr(csr_strerror(CSR_ERR_SIG_ALG), "RFC 7935"));
	assert_non_null(strstr(csr_strerror(CSR_ERR_KEY_SIZE), "RFC 7935"));
	assert_non_null(strstr(csr_strerror(CSR_ERR_BC_PATHLEN), "RFC 6487 6.3"));
	assert_non_null(strstr(csr_strerror(-0x0728), "unknown"));
	assert_non_null(strstr(csr_strerror(-1), "unknown"));
	assert_non_null(csr_strerror(0));
}

/* API edges: NULL input, out NULL, csr_info_free(NULL) and twice. */
static void
test_api(void **state)
{
	struct tbuf d = tb_read_testdata("interop/" DRL);
	struct csr_info info;

	(void)state;
	assert_int_equal(csr_check(NULL, 5, NULL, &info), CSR_ERR_ARG);
	assert_null(info.spki);
	assert_int_equal(csr_check(NULL, 0, NULL, NULL), CSR_ERR_SIZE);
	assert_int_equal(check_exact(d.p, d.len, NULL, NULL), 0);
	assert_int_equal(check_exact(d.p, d.len, NULL, &info), 0);
	csr_info_free(&info);
	assert_null(info.spki);
	csr_info_free(&info);
	csr_info_free(NULL);
	tb_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interop_drl),
		cmocka_unit_test(test_interop_pdus),
		cmocka_unit_test(test_interop_router),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_uri_table),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
