/*
 * crypto/cert writer tests: child CA certificates (UD-80..UD-97, UD-100,
 * UD-69), manifest EE certificates, the trust anchor and its TAL, checked
 * with mbed TLS, cms_cert_parse and the openssl CLI (text, verify), and
 * compared with real parent-issued certificates from the interop corpus.
 * Software signer; test_cert_hsm.c repeats the essentials with SoftHSM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>
#include <mbedtls/oid.h>
#include <mbedtls/sha1.h>
#include <mbedtls/x509_crt.h>

#include "crypto/cert.h"
#include "proto/cms.h"
#include "proto/updown.h"
#include "test_cert_util.h"

#define NOW       ((time_t)1700000000)     /* 2023-11-14T22:13:20Z */
#define DAY       ((time_t)86400)
#define TA_END    ((time_t)2840140800)     /* 2060-01-01T00:00:00Z */
#define Y2049_END ((time_t)2524607999)     /* 2049-12-31T23:59:59Z */
#define Y2050     ((time_t)2524608000)     /* 2050-01-01T00:00:00Z */

#define TA_AS  "64496-64511,65000"
#define TA_V4  "10.0.0.0/8,192.0.2.0/24,198.51.100.0/24"
#define TA_V6  "2001:db8::/32"
#define TA_CER "rsync://rpki.example.net/ta/ta.cer"
#define TA_CRL "rsync://rpki.example.net/repo/ta/ta.crl"
#define CH_REPO "rsync://child.example.net/repo/"
#define CH_MFT "rsync://child.example.net/repo/child.mft"
#define CH_NOTIFY "https://child.example.net/rrdp/notification.xml"

static struct {
	struct signer *s;
	struct signer_key *ta_key, *ca_key, *ca2_key, *ee_key;
	unsigned char *ta_der;
	size_t ta_len;
	struct res_bundle ta_res;
	struct cert_issuer ta;
	const char *ta_pem;
} g;

static int
group_setup(void **state)
{
	struct cert_ta_params tp;
	unsigned char serial[9];

	(void)state;
	g.s = tc_signer();
	g.ta_key = tc_key(g.s, "ta");
	g.ca_key = tc_key(g.s, "ca");
	g.ca2_key = tc_key(g.s, "ca2");
	g.ee_key = tc_key(g.s, "ee");
	tc_res(&g.ta_res, TA_AS, TA_V4, TA_V6);
	memset(&tp, 0, sizeof(tp));
	tp.serial = serial;
	tp.serial_len = tc_serial(1, serial);
	tp.not_before = NOW - DAY;
	tp.not_after = TA_END;
	tp.subject_cn = "updown-test-ta";
	tp.sia_ca_repository = "rsync://rpki.example.net/repo/ta/";
	tp.sia_rpki_manifest = "rsync://rpki.example.net/repo/ta/ta.mft";
	tp.res = &g.ta_res;
	assert_int_equal(cert_make_ta(g.s, g.ta_key, &tp, &g.ta_der, &g.ta_len), 0);
	assert_int_equal(cert_issuer_load(&g.ta, g.s, g.ta_key, g.ta_der, g.ta_len), 0);
	g.ta_pem = strdup(tc_pem("ta.cer", g.ta_der, g.ta_len));
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	cert_issuer_free(&g.ta);
	res_bundle_free(&g.ta_res);
	free(g.ta_der);
	free((void *)g.ta_pem);
	signer_close(g.s);
	return 0;
}

/* Default parameters of a child CA certificate for key k's spki. */
static void
ca_params(struct cert_ca_params *p, const unsigned char *spki, size_t spki_len,
          const unsigned char *serial, size_t serial_len, const struct res_bundle *res)
{
	memset(p, 0, sizeof(*p));
	p->spki = spki;
	p->spki_len = spki_len;
	p->serial = serial;
	p->serial_len = serial_len;
	p->not_before = NOW;
	p->not_after = NOW + 365 * DAY;
	p->crldp_uri = TA_CRL;
	p->aia_uri = TA_CER;
	p->sia_ca_repository = CH_REPO;
	p->sia_rpki_manifest = CH_MFT;
	p->sia_rpki_notify = CH_NOTIFY;
	p->res = res;
}

/* Issue a child certificate for ca_key with res; returns its DER. */
static unsigned char *
issue_child(const struct res_bundle *res, uint64_t serial_no, size_t *len)
{
	struct cert_ca_params p;
	unsigned char serial[9], *spki, *der = NULL;
	size_t spki_len;

	spki = tc_spki(g.s, g.ca_key, &spki_len);
	ca_params(&p, spki, spki_len, serial, tc_serial(serial_no, serial), res);
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, len), 0);
	free(spki);
	return der;
}

/* Append s to a growing string. */
static void
cat(char **buf, const char *s)
{
	size_t n = *buf ? strlen(*buf) : 0;

	*buf = realloc(*buf, n + strlen(s) + 1);
	assert_non_null(*buf);
	memcpy(*buf + n, s, strlen(s) + 1);
}

/* The canonical text of set, one item per line. */
static void
cat_items(char **buf, const struct res_set *set)
{
	char *text = NULL, *item, *save = NULL;

	assert_int_equal(res_set_print(set, &text), 0);
	for (item = strtok_r(text, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		cat(buf, item);
		cat(buf, "\n");
	}
	free(text);
}

/*
 * UD-95, UD-96: `openssl x509 -text` shows the RFC 3779 extensions
 * exactly as the resource sets say: built here from the sets' canonical
 * text (the sets were chosen where openssl's address printing and RFC
 * 5952 agree), each family only if non-empty, each extension only if it
 * has a family.
 */
static void
test_ca_rfc3779_text(void **state)
{
	static const struct {
		const char *as, *v4, *v6;
	} cases[] = {
		{ TA_AS, "192.0.2.0/24,198.51.100.0/24", TA_V6 },
		{ "64500", NULL, NULL },
		{ NULL, "10.0.0.0/8", NULL },
		{ NULL, NULL, "2001:db8:0:1::/64" },
		{ NULL, "192.0.2.0-192.0.2.130", NULL },   /* a range that is no prefix */
		{ "64496,64498-64500", "10.1.0.0/16,10.3.0.0/16,192.0.2.128/25", "2001:db8:1::/48,2001:db8:3::/48" },
		{ "0-64495", NULL, NULL },                  /* outside the TA: refused below */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct res_bundle r;
		unsigned char *der;
		size_t len;
		char *text, *ip = NULL, *as = NULL;

		tc_res(&r, cases[i].as, cases[i].v4, cases[i].v6);
		if (i == sizeof(cases) / sizeof(cases[0]) - 1) {
			struct cert_ca_params p;
			unsigned char serial[9], *spki;
			size_t spki_len;

			spki = tc_spki(g.s, g.ca_key, &spki_len);
			ca_params(&p, spki, spki_len, serial, tc_serial(9, serial), &r);
			der = (unsigned char *)"x";
			assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_OVERCLAIM);
			assert_null(der);
			free(spki);
			res_bundle_free(&r);
			continue;
		}
		der = issue_child(&r, 100 + i, &len);
		text = tc_text(der, len);
		if (!res_set_is_empty(&r.v4) || !res_set_is_empty(&r.v6)) {
			cat(&ip, "sbgp-ipAddrBlock: critical\n");
			if (!res_set_is_empty(&r.v4)) {
				cat(&ip, "IPv4:\n");
				cat_items(&ip, &r.v4);
			}
			if (!res_set_is_empty(&r.v6)) {
				cat(&ip, "IPv6:\n");
				cat_items(&ip, &r.v6);
			}
			tc_assert_block(text, ip);
			assert_int_equal(tc_count(text, "sbgp-ipAddrBlock: critical"), 1);
			assert_int_equal(tc_count(text, "IPv4:"), !res_set_is_empty(&r.v4));
			assert_int_equal(tc_count(text, "IPv6:"), !res_set_is_empty(&r.v6));
		} else {
			assert_int_equal(tc_count(text, "sbgp-ipAddrBlock"), 0);
		}
		if (!res_set_is_empty(&r.as)) {
			cat(&as, "sbgp-autonomousSysNum: critical\nAutonomous System Numbers:\n");
			cat_items(&as, &r.as);
			tc_assert_block(text, as);
		} else {
			assert_int_equal(tc_count(text, "sbgp-autonomousSysNum"), 0);
		}
		assert_int_equal(tc_count(text, "inherit"), 0);
		free(ip);
		free(as);
		free(text);
		free(der);
		res_bundle_free(&r);
	}
}

/* The hex line that follows an openssl header line ("X509v3 Subject Key Identifier:"). */
static char *
line_after(const char *text, const char *header)
{
	const char *p = strstr(text, header), *e;
	char *out;

	assert_non_null(p);
	p = strchr(p, '\n');
	assert_non_null(p);
	p++;
	while (*p == ' ')
		p++;
	e = strchr(p, '\n');
	assert_non_null(e);
	out = strndup(p, (size_t)(e - p));
	assert_non_null(out);
	return out;
}

/* Hex with colons, as openssl prints key identifiers. */
static void
colon_hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%s", b[i], i + 1 < n ? ":" : "");
}

/*
 * The extension headers of an openssl text dump: the lines indented by 12
 * under "X509v3 extensions:", with trailing blanks removed, joined by '|'.
 */
static char *
ext_headers(const char *text, bool sorted)
{
	const char *p = strstr(text, "X509v3 extensions:");
	char *lines[32], *out = NULL;
	size_t n = 0, i, j;

	assert_non_null(p);
	for (p = strchr(p, '\n') + 1; *p != '\0' && strncmp(p, "    Signature", 13) != 0;
	    p = strchr(p, '\n') + 1) {
		const char *e = strchr(p, '\n');
		size_t len;

		assert_non_null(e);
		if (strncmp(p, "            ", 12) == 0 && p[12] != ' ') {
			len = (size_t)(e - p - 12);
			while (len > 0 && p[12 + len - 1] == ' ')
				len--;
			assert_true(n < 32);
			lines[n++] = strndup(p + 12, len);
		}
	}
	if (sorted)
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (strcmp(lines[j], lines[i]) < 0) {
					char *t = lines[i];

					lines[i] = lines[j];
					lines[j] = t;
				}
	for (i = 0; i < n; i++) {
		cat(&out, lines[i]);
		if (i + 1 < n)
			cat(&out, "|");
		free(lines[i]);
	}
	return out;
}

/*
 * UD-80..UD-94, UD-97: every field and extension of a child certificate,
 * as openssl shows it and as mbed TLS parses it: v3, serial, algorithm,
 * issuer bytes = our subject, CN = hex SHA-1 of the key, SPKI copied,
 * exactly the RFC 6487 extensions with their criticality, no unique IDs.
 */
static void
test_ca_fields(void **state)
{
	struct res_bundle r;
	unsigned char *der, *spki, ski[20];
	size_t len, spki_len;
	char *text, *hdr, *got, want[128], cn[64];
	mbedtls_x509_crt crt;
	struct cms_cert_info info;
	unsigned i;

	(void)state;
	tc_res(&r, "64496-64500", "192.0.2.0/25", NULL);
	der = issue_child(&r, 200, &len);
	spki = tc_spki(g.s, g.ca_key, &spki_len);
	assert_int_equal(cert_ski(spki, spki_len, ski), 0);

	/* mbed TLS / cms_cert_parse view. */
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(cms_cert_parse(&crt, der, len, &info), 0);
	assert_int_equal(crt.version, 3);                                  /* UD-80 */
	assert_int_equal(crt.serial.len, 2);                               /* 200 = 00 C8 */
	assert_memory_equal(crt.serial.p, "\x00\xc8", 2);
	assert_true(MBEDTLS_OID_CMP(MBEDTLS_OID_PKCS1_SHA256, &crt.sig_oid) == 0); /* UD-81 */
	assert_int_equal(crt.issuer_raw.len, g.ta.subject_len);            /* UD-82 */
	assert_memory_equal(crt.issuer_raw.p, g.ta.subject_der, g.ta.subject_len);
	assert_int_equal(crt.pk_raw.len, spki_len);                        /* UD-84 */
	assert_memory_equal(crt.pk_raw.p, spki, spki_len);
	assert_null(crt.issuer_id.p);                                      /* UD-85 */
	assert_null(crt.subject_id.p);
	assert_int_equal(info.ski_len, 20);                                /* UD-87 */
	assert_memory_equal(info.ski, ski, 20);
	assert_true(info.has_aki);
	assert_true(info.has_rfc3779);
	assert_int_equal(crt.ca_istrue, 1);                                /* UD-86 */
	assert_int_equal(crt.max_pathlen, 0);
	assert_int_equal(crt.key_usage, MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN);
	assert_int_equal(crt.ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE, 0); /* UD-90 */
	mbedtls_x509_crt_free(&crt);

	/* openssl view. */
	text = tc_text(der, len);
	tc_assert_block(text, "Version: 3 (0x2)\nSerial Number: 200 (0xc8)\n"
	    "Signature Algorithm: sha256WithRSAEncryption\nIssuer: CN = updown-test-ta");
	for (i = 0; i < 20; i++)
		sprintf(cn + 2 * i, "%02X", ski[i]);
	snprintf(want, sizeof(want), "Subject: CN = %s", cn);               /* UD-82 */
	tc_assert_block(text, want);
	hdr = ext_headers(text, false);
	assert_string_equal(hdr,                                           /* UD-97 */
	    "X509v3 Basic Constraints: critical|X509v3 Subject Key Identifier:|"
	    "X509v3 Authority Key Identifier:|X509v3 Key Usage: critical|"
	    "X509v3 CRL Distribution Points:|Authority Information Access:|"
	    "Subject Information Access:|X509v3 Certificate Policies: critical|"
	    "sbgp-ipAddrBlock: critical|sbgp-autonomousSysNum: critical");
	free(hdr);
	tc_assert_block(text, "X509v3 Basic Constraints: critical\nCA:TRUE");      /* UD-86 */
	tc_assert_block(text, "X509v3 Key Usage: critical\nCertificate Sign, CRL Sign"); /* UD-89 */
	tc_assert_block(text, "X509v3 CRL Distribution Points:\nFull Name:\nURI:" TA_CRL); /* UD-91 */
	tc_assert_block(text, "Authority Information Access:\nCA Issuers - URI:" TA_CER); /* UD-92 */
	tc_assert_block(text, "Subject Information Access:\nCA Repository - URI:" CH_REPO
	    "\nRPKI Manifest - URI:" CH_MFT "\nRPKI Notify - URI:" CH_NOTIFY);  /* UD-93 */
	tc_assert_block(text, "X509v3 Certificate Policies: critical\nPolicy: ipAddr-asNumber\n"
	    "sbgp-ipAddrBlock: critical");                                  /* UD-94 */
	assert_int_equal(tc_count(text, "CPS"), 0);
	assert_int_equal(tc_count(text, "pathlen"), 0);
	assert_int_equal(tc_count(text, "Extended Key Usage"), 0);           /* UD-90 */
	/* UD-87, UD-88: SKI = SHA-1 of the key, AKI = the TA's SKI. */
	got = line_after(text, "X509v3 Subject Key Identifier:");
	colon_hex(ski, 20, want);
	assert_string_equal(got, want);
	free(got);
	got = line_after(text, "X509v3 Authority Key Identifier:");
	colon_hex(g.ta.ski, 20, want);
	assert_string_equal(got, want);                                    /* keyIdentifier only */
	free(got);
	free(text);
	free(spki);
	free(der);
	res_bundle_free(&r);
}

/*
 * The same extension set and criticality as real parent-issued CA
 * certificates (APNIC, AFRINIC, LACNIC, rpkid, APNIC 2011): the sorted
 * header lines of `openssl x509 -text` are equal. Differences that remain
 * (not visible in the headers): the order of the extensions differs from
 * parent to parent (ours: BC, SKI, AKI, KU, CRLDP, AIA, SIA, CP, IP, AS);
 * APNIC adds a CPS qualifier to the policy (RFC 7318), we do not; APNIC
 * and AFRINIC name children "CN=handle, serialNumber=SKI", we use CN = hex
 * SKI as rpkid and Krill do; rpkid's child holds no AS numbers, so it has
 * no sbgp-autonomousSysNum (we omit it the same way, UD-95).
 */
static void
test_ca_like_interop(void **state)
{
	static const char *certs[] = { "apnic-child-0.cer", "afrinic-child-0.cer",
	    "lacnic-child-0.cer", "rpkid-child-0.cer", "apnic2011-child-0.cer" };
	struct res_bundle both, ip_only;
	unsigned char *ours_both, *ours_ip;
	size_t len_both, len_ip, i;
	char *t_both, *t_ip, *h_both, *h_ip;

	(void)state;
	tc_res(&both, "64500", "192.0.2.0/24", NULL);
	tc_res(&ip_only, NULL, "192.0.2.0/24", "2001:db8::/48");
	ours_both = issue_child(&both, 300, &len_both);
	ours_ip = issue_child(&ip_only, 301, &len_ip);
	t_both = tc_text(ours_both, len_both);
	t_ip = tc_text(ours_ip, len_ip);
	h_both = ext_headers(t_both, true);
	h_ip = ext_headers(t_ip, true);
	for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		char rel[128], *text, *theirs;
		unsigned char *der;
		size_t len;

		snprintf(rel, sizeof(rel), "interop/derived/child-certs/%s", certs[i]);
		der = tc_testdata(rel, &len);
		text = tc_text(der, len);
		theirs = ext_headers(text, true);
		if (strstr(text, "sbgp-autonomousSysNum") != NULL)
			assert_string_equal(theirs, h_both);
		else
			assert_string_equal(theirs, h_ip);
		free(theirs);
		free(text);
		free(der);
	}
	free(h_both);
	free(h_ip);
	free(t_both);
	free(t_ip);
	free(ours_both);
	free(ours_ip);
	res_bundle_free(&both);
	res_bundle_free(&ip_only);
}

/*
 * openssl verifies the chain TA -> child (and the TA itself), with and
 * without -x509_strict; openssl 3 checks RFC 3779 containment on the path,
 * so a certificate whose resources exceed the issuer's (forced here by
 * shrinking the issuer's view of its own resources) fails to verify.
 */
static void
test_openssl_verify(void **state)
{
	struct res_bundle r;
	struct cert_issuer shrunk;
	unsigned char *der, *bad = NULL, *spki, serial[9];
	size_t len, bad_len, spki_len;
	struct cert_ca_params p;
	const char *pem;
	char *out = NULL;

	(void)state;
	tc_res(&r, "64496-64511", "192.0.2.0/24", "2001:db8::/32");
	der = issue_child(&r, 400, &len);
	pem = tc_pem("child.cer", der, len);
	assert_int_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' '%s'",
	    (long long)NOW + 3600, g.ta_pem, g.ta_pem), 0);
	free(out);
	assert_int_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' '%s'",
	    (long long)NOW + 3600, g.ta_pem, pem), 0);
	assert_non_null(strstr(out, ": OK"));
	free(out);
	assert_int_equal(tc_openssl(&out, "verify -x509_strict -attime %lld -CAfile '%s' '%s'",
	    (long long)NOW + 3600, g.ta_pem, pem), 0);
	free(out);
	/* Not yet valid / expired according to openssl as well. */
	assert_int_not_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' '%s'",
	    (long long)NOW - 3600, g.ta_pem, pem), 0);
	free(out);

	/*
	 * Over-claim, bypassing the API's check by widening the issuer's view
	 * of its own resources: the API then issues AS 1-10, which the TA does
	 * not hold, and openssl refuses the chain.
	 */
	assert_int_equal(cert_issuer_load(&shrunk, g.s, g.ta_key, g.ta_der, g.ta_len), 0);
	res_bundle_free(&shrunk.res);
	tc_res(&shrunk.res, "0-4294967295", "0.0.0.0/0", "::/0");
	res_bundle_free(&r);
	tc_res(&r, "1-10", "192.0.2.0/24", NULL);
	spki = tc_spki(g.s, g.ca_key, &spki_len);
	ca_params(&p, spki, spki_len, serial, tc_serial(402, serial), &r);
	assert_int_equal(cert_issue_ca(&g.ta, &p, &bad, &bad_len), CERT_ERR_OVERCLAIM);
	assert_int_equal(cert_issue_ca(&shrunk, &p, &bad, &bad_len), 0);
	pem = tc_pem("overclaim.cer", bad, bad_len);
	assert_int_not_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' '%s'",
	    (long long)NOW + 3600, g.ta_pem, pem), 0);
	assert_non_null(strstr(out, "RFC 3779"));
	free(out);
	free(bad);
	free(spki);
	cert_issuer_free(&shrunk);
	free(der);
	res_bundle_free(&r);
}

/* Issue with res for ca_key; returns the code. */
static int
try_issue(const struct cert_issuer *iss, const struct res_bundle *res)
{
	struct cert_ca_params p;
	unsigned char serial[9], *spki, *der = NULL;
	size_t spki_len, len = 0;
	int rc;

	spki = tc_spki(g.s, g.ca_key, &spki_len);
	ca_params(&p, spki, spki_len, serial, tc_serial(500, serial), res);
	rc = cert_issue_ca(iss, &p, &der, &len);
	if (rc != 0) {
		assert_null(der);
		assert_int_equal(len, 0);
	}
	free(der);
	free(spki);
	return rc;
}

/*
 * UD-100: resources outside the issuer's are refused, per family and at
 * the edges; UD-69: an empty set is refused; UD-95: inherit is refused in
 * a CA certificate, and an issuer holding inherit cannot issue.
 */
static void
test_overclaim_empty_inherit(void **state)
{
	static const struct {
		const char *as, *v4, *v6;
		int rc;
	} cases[] = {
		{ "64496-64511", NULL, NULL, 0 },                   /* exactly the TA's block */
		{ "64496-64512", NULL, NULL, CERT_ERR_OVERCLAIM },  /* one past the end */
		{ "64495", NULL, NULL, CERT_ERR_OVERCLAIM },
		{ "65000", NULL, NULL, 0 },
		{ "65001", NULL, NULL, CERT_ERR_OVERCLAIM },
		{ NULL, "192.0.2.0/24", NULL, 0 },
		{ NULL, "192.0.2.0/23", NULL, CERT_ERR_OVERCLAIM },
		{ NULL, "198.51.100.0-198.51.101.0", NULL, CERT_ERR_OVERCLAIM },
		{ NULL, "11.0.0.0/8", NULL, CERT_ERR_OVERCLAIM },
		{ NULL, NULL, "2001:db8::/31", CERT_ERR_OVERCLAIM },
		{ NULL, NULL, "2001:db9::/48", CERT_ERR_OVERCLAIM },
		{ "64500", "192.0.2.0/24", "2001:db9::/48", CERT_ERR_OVERCLAIM }, /* one bad family */
		{ NULL, NULL, NULL, CERT_ERR_EMPTY },                               /* UD-69 */
	};
	struct cert_issuer inh;
	struct res_bundle r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tc_res(&r, cases[i].as, cases[i].v4, cases[i].v6);
		if (try_issue(&g.ta, &r) != cases[i].rc)
			fail_msg("case %zu: expected %d", i, cases[i].rc);
		res_bundle_free(&r);
	}
	/* inherit in the request. */
	tc_res(&r, "64500", NULL, NULL);
	r.v4.inherit = true;
	assert_int_equal(try_issue(&g.ta, &r), CERT_ERR_INHERIT);
	res_bundle_free(&r);
	/* An issuer whose certificate says inherit (LACNIC's does) cannot issue. */
	assert_int_equal(cert_issuer_load(&inh, g.s, g.ta_key, g.ta_der, g.ta_len), 0);
	res_set_clear(&inh.res.v6);
	inh.res.v6.inherit = true;
	tc_res(&r, "64500", NULL, NULL);
	assert_int_equal(try_issue(&inh, &r), CERT_ERR_OVERCLAIM);
	res_bundle_free(&r);
	/* An issuer without resources (a BPKI certificate) cannot issue RPKI. */
	res_bundle_free(&inh.res);
	inh.has_resources = false;
	tc_res(&r, "64500", NULL, NULL);
	assert_int_equal(try_issue(&inh, &r), CERT_ERR_CANNOT_ISSUE);
	res_bundle_free(&r);
	cert_issuer_free(&inh);
}

/* notAfter and notBefore of a certificate as time_t (UTC). */
static time_t
x509_time(const mbedtls_x509_time *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = t->year - 1900;
	tm.tm_mon = t->mon - 1;
	tm.tm_mday = t->day;
	tm.tm_hour = t->hour;
	tm.tm_min = t->min;
	tm.tm_sec = t->sec;
	return timegm(&tm);
}

/*
 * UD-83: notAfter is the requested time, clipped to our own notAfter;
 * notBefore as given; notBefore >= notAfter is refused.
 */
static void
test_validity(void **state)
{
	struct res_bundle r;
	struct cert_ca_params p;
	unsigned char serial[9], *spki, *der = NULL;
	size_t spki_len, len;
	mbedtls_x509_crt crt;

	(void)state;
	tc_res(&r, "64500", NULL, NULL);
	spki = tc_spki(g.s, g.ca_key, &spki_len);
	ca_params(&p, spki, spki_len, serial, tc_serial(600, serial), &r);
	p.not_after = TA_END + 100 * DAY;
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), 0);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(cms_cert_parse(&crt, der, len, NULL), 0);
	assert_int_equal(x509_time(&crt.valid_to), TA_END);
	assert_int_equal(x509_time(&crt.valid_from), NOW);
	mbedtls_x509_crt_free(&crt);
	free(der);

	p.not_after = NOW + 7 * DAY;
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), 0);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(cms_cert_parse(&crt, der, len, NULL), 0);
	assert_int_equal(x509_time(&crt.valid_to), NOW + 7 * DAY);
	mbedtls_x509_crt_free(&crt);
	free(der);

	p.not_after = NOW;
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_VALIDITY);
	p.not_before = TA_END;
	p.not_after = TA_END + DAY;  /* clipped to TA_END = notBefore */
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_VALIDITY);
	assert_null(der);
	free(spki);
	res_bundle_free(&r);
}

/*
 * UD-83: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280
 * 4.1.2.5), in a certificate (openssl asn1parse) and from the writer.
 */
static void
test_time_encoding(void **state)
{
	static const struct {
		time_t t;
		const char *der;  /* tag, length, text */
		int rc;
	} cases[] = {
		{ -631152000, "\x17\x0d" "500101000000Z", 15 },          /* 1950-01-01 */
		{ -631152001, NULL, CERT_ERR_VALIDITY },                   /* 1949 */
		{ NOW, "\x17\x0d" "231114221320Z", 15 },
		{ Y2049_END, "\x17\x0d" "491231235959Z", 15 },
		{ Y2050, "\x18\x0f" "20500101000000Z", 17 },
		{ (time_t)253402300799LL, "\x18\x0f" "99991231235959Z", 17 }, /* 9999 */
		{ (time_t)253402300800LL, NULL, CERT_ERR_VALIDITY },          /* 10000 */
	};
	unsigned char buf[32], *p;
	struct res_bundle r;
	struct cert_ca_params prm;
	unsigned char serial[9], *spki, *der;
	size_t spki_len, len, i;
	char *out = NULL;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = buf + sizeof(buf);
		rc = cert_asn1_write_time(&p, buf, cases[i].t);
		assert_int_equal(rc, cases[i].rc);
		if (rc > 0)
			assert_memory_equal(p, cases[i].der, (size_t)rc);
	}
	/* GeneralizedTime always, for manifests. */
	p = buf + sizeof(buf);
	assert_int_equal(cert_asn1_write_gentime(&p, buf, NOW), 17);
	assert_memory_equal(p, "\x18\x0f" "20231114221320Z", 17);
	p = buf + 4;
	assert_int_equal(cert_asn1_write_gentime(&p, buf, NOW), CERT_ERR_NOMEM);

	tc_res(&r, "64500", NULL, NULL);
	spki = tc_spki(g.s, g.ca_key, &spki_len);
	ca_params(&prm, spki, spki_len, serial, tc_serial(700, serial), &r);
	prm.not_before = Y2049_END;
	prm.not_after = Y2050;
	assert_int_equal(cert_issue_ca(&g.ta, &prm, &der, &len), 0);
	tc_write(tc_path("y2050.der"), der, len);
	assert_int_equal(tc_openssl(&out, "asn1parse -inform DER -in '%s'", tc_path("y2050.der")), 0);
	assert_non_null(strstr(out, ":491231235959Z"));
	assert_non_null(strstr(out, "GENERALIZEDTIME   :20500101000000Z"));
	free(out);
	free(der);
	free(spki);
	res_bundle_free(&r);
}

/*
 * UD-80: serials are positive, non-zero, minimal and at most 20 octets;
 * the certificate carries exactly the octets given.
 */
static void
test_serial(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		int rc;
	} cases[] = {
		{ "\x01", 1, 0 },
		{ "\x00\x80", 2, 0 },
		{ "\x7f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 20, 0 },
		{ "\x00", 1, CERT_ERR_SERIAL },                     /* zero */
		{ "\x00\x00", 2, CERT_ERR_SERIAL },                 /* zero, non-minimal */
		{ "\x80", 1, CERT_ERR_SERIAL },                     /* negative */
		{ "\xff\x01", 2, CERT_ERR_SERIAL },
		{ "\x00\x7f", 2, CERT_ERR_SERIAL },                 /* non-minimal */
		{ "\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 20, 0 },
		{ "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 21, CERT_ERR_SERIAL },
		{ "", 0, CERT_ERR_SERIAL },
	};
	static const struct {
		uint64_t v;
		const char *s;
		size_t n;
	} u64[] = {
		{ 1, "\x01", 1 }, { 127, "\x7f", 1 }, { 128, "\x00\x80", 2 },
		{ 0x1234, "\x12\x34", 2 },
		{ UINT64_MAX, "\x00\xff\xff\xff\xff\xff\xff\xff\xff", 9 },
	};
	struct res_bundle r;
	struct cert_ca_params p;
	unsigned char out[9], *spki, *der;
	size_t spki_len, len, i, n;
	mbedtls_x509_crt crt;

	(void)state;
	for (i = 0; i < sizeof(u64) / sizeof(u64[0]); i++) {
		assert_int_equal(cert_serial_from_u64(u64[i].v, out, &n), 0);
		assert_int_equal(n, u64[i].n);
		assert_memory_equal(out, u64[i].s, n);
	}
	assert_int_equal(cert_serial_from_u64(0, out, &n), CERT_ERR_SERIAL);

	tc_res(&r, "64500", NULL, NULL);
	spki = tc_spki(g.s, g.ca_key, &spki_len);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ca_params(&p, spki, spki_len, (const unsigned char *)cases[i].s, cases[i].n, &r);
		der = NULL;
		if (cert_issue_ca(&g.ta, &p, &der, &len) != cases[i].rc)
			fail_msg("serial case %zu: expected %d", i, cases[i].rc);
		if (cases[i].rc == 0) {
			mbedtls_x509_crt_init(&crt);
			assert_int_equal(cms_cert_parse(&crt, der, len, NULL), 0);
			assert_int_equal(crt.serial.len, cases[i].n);
			assert_memory_equal(crt.serial.p, cases[i].s, cases[i].n);
			mbedtls_x509_crt_free(&crt);
		}
		free(der);
	}
	free(spki);
	res_bundle_free(&r);
}

/* URIs: scheme, length, characters (UD-76, UD-91..UD-93); a bad key. */
static void
test_bad_arguments(void **state)
{
	static const char *bad[] = { NULL, "", "rsync://", "http://x/y.crl", "RSYNC://x/y",
	    "rsync://x/a b", "rsync://x/\x7f", "rsync://x/\xc3\xa9" };
	char *longuri;
	struct res_bundle r;
	struct cert_ca_params p;
	unsigned char serial[9], *spki, *der;
	size_t spki_len, len, i;

	(void)state;
	tc_res(&r, "64500", NULL, NULL);
	spki = tc_spki(g.s, g.ca_key, &spki_len);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ca_params(&p, spki, spki_len, serial, tc_serial(800, serial), &r);
		p.crldp_uri = bad[i];
		assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_URI);
		ca_params(&p, spki, spki_len, serial, tc_serial(800, serial), &r);
		p.sia_rpki_manifest = bad[i];
		assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_URI);
	}
	/* rpkiNotify must be https; the others rsync. */
	ca_params(&p, spki, spki_len, serial, tc_serial(800, serial), &r);
	p.sia_rpki_notify = "rsync://child.example.net/notify.xml";
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_URI);
	ca_params(&p, spki, spki_len, serial, tc_serial(800, serial), &r);
	p.aia_uri = "https://rpki.example.net/ta.cer";
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_URI);
	/* Length limit (UD-76). */
	longuri = malloc(CERT_MAX_URI + 2);
	assert_non_null(longuri);
	memcpy(longuri, "rsync://x/", 10);
	memset(longuri + 10, 'a', CERT_MAX_URI + 1 - 10);
	longuri[CERT_MAX_URI + 1] = '\0';
	ca_params(&p, spki, spki_len, serial, tc_serial(800, serial), &r);
	p.sia_ca_repository = longuri;
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_URI);
	longuri[CERT_MAX_URI - 1] = '/';
	longuri[CERT_MAX_URI] = '\0';
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), 0);
	free(der);
	free(longuri);
	/* Without rpkiNotify: no such access description. */
	ca_params(&p, spki, spki_len, serial, tc_serial(801, serial), &r);
	p.sia_rpki_notify = NULL;
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), 0);
	{
		char *text = tc_text(der, len);

		assert_int_equal(tc_count(text, "RPKI Notify"), 0);
		free(text);
	}
	free(der);
	/* A subject key that is not a SubjectPublicKeyInfo. */
	ca_params(&p, spki, spki_len - 1, serial, tc_serial(802, serial), &r);
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_SPKI);
	ca_params(&p, (const unsigned char *)"\x30\x00", 2, serial, tc_serial(802, serial), &r);
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_SPKI);
	/* NULL arguments. */
	ca_params(&p, spki, spki_len, serial, tc_serial(803, serial), &r);
	assert_int_equal(cert_issue_ca(NULL, &p, &der, &len), CERT_ERR_ARG);
	assert_int_equal(cert_issue_ca(&g.ta, NULL, &der, &len), CERT_ERR_ARG);
	assert_int_equal(cert_issue_ca(&g.ta, &p, NULL, &len), CERT_ERR_ARG);
	p.res = NULL;
	assert_int_equal(cert_issue_ca(&g.ta, &p, &der, &len), CERT_ERR_ARG);
	free(spki);
	res_bundle_free(&r);
}

/* Issue a manifest-style EE certificate under a child CA. */
static void
test_ee_certificate(void **state)
{
	struct res_bundle r;
	struct cert_issuer ca;
	struct cert_ee_params e;
	unsigned char *ca_der, *spki, *der, serial[9];
	size_t ca_len, spki_len, len;
	char *text, *hdr, *out = NULL;
	const char *ca_pem, *ee_pem;

	(void)state;
	tc_res(&r, "64496-64500", "192.0.2.0/24", "2001:db8::/48");
	ca_der = issue_child(&r, 900, &ca_len);
	assert_int_equal(cert_issuer_load(&ca, g.s, g.ca_key, ca_der, ca_len), 0);
	spki = tc_spki(g.s, g.ee_key, &spki_len);
	memset(&e, 0, sizeof(e));
	e.spki = spki;
	e.spki_len = spki_len;
	e.serial = serial;
	e.serial_len = tc_serial(1, serial);
	e.not_before = NOW;
	e.not_after = NOW + DAY;
	e.crldp_uri = "rsync://child.example.net/repo/child.crl";
	e.aia_uri = "rsync://rpki.example.net/repo/ta/child.cer";
	e.signed_object_uri = CH_MFT;
	e.inherit = true;
	assert_int_equal(cert_issue_ee(&ca, &e, &der, &len), 0);
	text = tc_text(der, len);
	hdr = ext_headers(text, false);
	assert_string_equal(hdr,
	    "X509v3 Subject Key Identifier:|X509v3 Authority Key Identifier:|"
	    "X509v3 Key Usage: critical|X509v3 CRL Distribution Points:|"
	    "Authority Information Access:|Subject Information Access:|"
	    "X509v3 Certificate Policies: critical|sbgp-ipAddrBlock: critical|"
	    "sbgp-autonomousSysNum: critical");
	free(hdr);
	tc_assert_block(text, "X509v3 Key Usage: critical\nDigital Signature");
	tc_assert_block(text, "Subject Information Access:\nSigned Object - URI:" CH_MFT);
	tc_assert_block(text, "sbgp-ipAddrBlock: critical\nIPv4: inherit\nIPv6: inherit");
	tc_assert_block(text, "sbgp-autonomousSysNum: critical\nAutonomous System Numbers:\ninherit");
	assert_int_equal(tc_count(text, "Basic Constraints"), 0);
	free(text);
	ca_pem = tc_pem("ee-ca.cer", ca_der, ca_len);
	ee_pem = tc_pem("ee.cer", der, len);
	assert_int_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' -untrusted '%s' '%s'",
	    (long long)NOW + 3600, g.ta_pem, ca_pem, ee_pem), 0);
	free(out);
	free(der);

	/* Explicit resources: within the CA's, else refused. */
	e.inherit = false;
	e.res = &r;
	assert_int_equal(cert_issue_ee(&ca, &e, &der, &len), 0);
	text = tc_text(der, len);
	tc_assert_block(text, "sbgp-autonomousSysNum: critical\nAutonomous System Numbers:\n64496-64500");
	free(text);
	free(der);
	res_bundle_free(&r);
	tc_res(&r, "64496-64501", NULL, NULL);
	e.res = &r;
	assert_int_equal(cert_issue_ee(&ca, &e, &der, &len), CERT_ERR_OVERCLAIM);
	e.signed_object_uri = NULL;
	e.inherit = true;
	assert_int_equal(cert_issue_ee(&ca, &e, &der, &len), CERT_ERR_URI);
	/* notAfter clipped to the CA's (one year). */
	e.signed_object_uri = CH_MFT;
	e.not_after = TA_END;
	assert_int_equal(cert_issue_ee(&ca, &e, &der, &len), 0);
	{
		mbedtls_x509_crt crt;

		mbedtls_x509_crt_init(&crt);
		assert_int_equal(cms_cert_parse(&crt, der, len, NULL), 0);
		assert_int_equal(x509_time(&crt.valid_to), ca.not_after);
		mbedtls_x509_crt_free(&crt);
	}
	free(der);
	free(spki);
	cert_issuer_free(&ca);
	free(ca_der);
	res_bundle_free(&r);
}

/*
 * Trust anchor: self-signed, verifies against itself, no AKI/CRLDP/AIA,
 * explicit resources only.
 */
static void
test_ta(void **state)
{
	struct cert_ta_params tp;
	struct res_bundle r;
	unsigned char serial[9], *der, ski[20], *spki;
	size_t len, spki_len;
	char *text, *hdr, *out = NULL, want[80];
	unsigned i;

	(void)state;
	text = tc_text(g.ta_der, g.ta_len);
	hdr = ext_headers(text, false);
	assert_string_equal(hdr,
	    "X509v3 Basic Constraints: critical|X509v3 Subject Key Identifier:|"
	    "X509v3 Key Usage: critical|Subject Information Access:|"
	    "X509v3 Certificate Policies: critical|sbgp-ipAddrBlock: critical|"
	    "sbgp-autonomousSysNum: critical");
	free(hdr);
	tc_assert_block(text, "Issuer: CN = updown-test-ta");
	tc_assert_block(text, "Subject: CN = updown-test-ta");
	free(text);
	assert_true(g.ta.self_signed);
	assert_true(g.ta.has_resources);
	assert_true(res_set_equal(&g.ta.res.v4, &g.ta_res.v4));
	assert_int_equal(g.ta.not_after, TA_END);
	assert_int_equal(tc_openssl(&out, "verify -attime %lld -CAfile '%s' '%s'",
	    (long long)NOW, g.ta_pem, g.ta_pem), 0);
	free(out);
	/* It is an RFC 6487 CA certificate by the import checks too. */
	{
		struct cert_issuer chk;

		assert_int_equal(cert_import_ca(&chk, g.s, g.ta_key, g.ta_der, g.ta_len), 0);
		cert_issuer_free(&chk);
	}

	memset(&tp, 0, sizeof(tp));
	tp.serial = serial;
	tp.serial_len = tc_serial(2, serial);
	tp.not_before = NOW;
	tp.not_after = TA_END;
	tp.sia_ca_repository = "rsync://rpki.example.net/repo/ta/";
	tp.sia_rpki_manifest = "rsync://rpki.example.net/repo/ta/ta.mft";
	tp.sia_rpki_notify = "https://rpki.example.net/rrdp/notification.xml";
	tc_res(&r, NULL, NULL, NULL);
	tp.res = &r;
	assert_int_equal(cert_make_ta(g.s, g.ca2_key, &tp, &der, &len), CERT_ERR_EMPTY);
	r.as.inherit = true;
	assert_int_equal(cert_make_ta(g.s, g.ca2_key, &tp, &der, &len), CERT_ERR_INHERIT);
	res_bundle_free(&r);
	tc_res(&r, "0-4294967295", "0.0.0.0/0", "::/0");
	tp.subject_cn = "not printable_";
	assert_int_equal(cert_make_ta(g.s, g.ca2_key, &tp, &der, &len), CERT_ERR_NAME);
	tp.subject_cn = NULL;  /* CN = hex SKI */
	tp.not_after = NOW;
	assert_int_equal(cert_make_ta(g.s, g.ca2_key, &tp, &der, &len), CERT_ERR_VALIDITY);
	tp.not_after = TA_END;
	assert_int_equal(cert_make_ta(g.s, g.ca2_key, &tp, &der, &len), 0);
	spki = tc_spki(g.s, g.ca2_key, &spki_len);
	assert_int_equal(cert_ski(spki, spki_len, ski), 0);
	text = tc_text(der, len);
	strcpy(want, "Subject: CN = ");
	for (i = 0; i < 20; i++)
		sprintf(want + 14 + 2 * i, "%02X", ski[i]);
	tc_assert_block(text, want);
	tc_assert_block(text, "RPKI Notify - URI:https://rpki.example.net/rrdp/notification.xml");
	tc_assert_block(text, "IPv4:\n0.0.0.0/0\nIPv6:\n::/0");
	tc_assert_block(text, "Autonomous System Numbers:\n0-4294967295");
	free(text);
	free(spki);
	free(der);
	res_bundle_free(&r);
}

/*
 * TAL (RFC 8630 2.2): URIs, an empty line, the base64 SPKI in 64-column
 * lines; the SPKI decodes to the TA's key.
 */
static void
test_tal(void **state)
{
	const char *uris[] = { TA_CER, "https://rpki.example.net/ta/ta.cer" };
	const char *bad[] = { "http://x/ta.cer", "rsync://", "rsync://x/a b", NULL };
	char *tal = NULL, *line, *save = NULL, *copy;
	unsigned char b64[1024], key[1024];
	size_t len, b64_len = 0, key_len, nlines = 0, i;
	int last_short = 0;
	mbedtls_x509_crt crt;

	(void)state;
	assert_int_equal(cert_write_tal(uris, 1, g.ta_der, g.ta_len, &tal, &len), 0);
	assert_int_equal(strlen(tal), len);
	assert_int_equal(strncmp(tal, TA_CER "\n\n", strlen(TA_CER) + 2), 0);
	assert_int_equal(tal[len - 1], '\n');
	copy = strdup(tal + strlen(TA_CER) + 2);
	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);

		/* Every line but the last is exactly 64 characters. */
		assert_true(n > 0 && n <= 64);
		assert_true(last_short == 0);
		if (n < 64)
			last_short = 1;
		memcpy(b64 + b64_len, line, n);
		b64_len += n;
		nlines++;
	}
	assert_true(nlines >= 5);
	free(copy);
	assert_int_equal(mbedtls_base64_decode(key, sizeof(key), &key_len, b64, b64_len), 0);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(cms_cert_parse(&crt, g.ta_der, g.ta_len, NULL), 0);
	assert_int_equal(key_len, crt.pk_raw.len);
	assert_memory_equal(key, crt.pk_raw.p, key_len);
	mbedtls_x509_crt_free(&crt);
	tc_write(tc_path("ta.tal"), tal, len);
	free(tal);

	/* Two URIs: rsync then https, each on its own line. */
	assert_int_equal(cert_write_tal(uris, 2, g.ta_der, g.ta_len, &tal, &len), 0);
	assert_int_equal(strncmp(tal, TA_CER "\nhttps://rpki.example.net/ta/ta.cer\n\nMIIB", 
	    strlen(TA_CER) + 36 + 5), 0);
	free(tal);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tal = (char *)"x";
		assert_int_equal(cert_write_tal(&bad[i], 1, g.ta_der, g.ta_len, &tal, &len),
		    CERT_ERR_URI);
		assert_null(tal);
	}
	assert_int_equal(cert_write_tal(uris, 0, g.ta_der, g.ta_len, &tal, &len), CERT_ERR_ARG);
	assert_int_equal(cert_write_tal(uris, 1, g.ta_der, g.ta_len - 1, &tal, &len), CERT_ERR_PARSE);
}

/*
 * UD-98: a large resource set (LACNIC's child certificate is 69 KB): the
 * writer grows its buffer (the IPv6 ranges take 40 octets each, more than
 * its first guess); the result parses and keeps every entry.
 */
static void
test_large(void **state)
{
	char *v4 = NULL, *v6 = NULL, item[64], *out;
	struct res_bundle r;
	unsigned char *der;
	size_t len, i;
	mbedtls_x509_crt crt;

	(void)state;
	for (i = 0; i < 6000; i++) {
		snprintf(item, sizeof(item), "%s10.%zu.%zu.0/24", i ? "," : "", i / 128, 2 * (i % 128));
		cat(&v4, item);
	}
	for (i = 0; i < 4000; i++) {
		snprintf(item, sizeof(item), "%s2001:db8:%zx::1-2001:db8:%zx::2", i ? "," : "", i, i);
		cat(&v6, item);
	}
	tc_res(&r, NULL, v4, v6);
	assert_int_equal(r.v4.count, 6000);
	assert_int_equal(r.v6.count, 4000);
	free(v4);
	free(v6);
	der = issue_child(&r, 1000, &len);
	assert_true(len > 100000);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(cms_cert_parse(&crt, der, len, NULL), 0);
	mbedtls_x509_crt_free(&crt);
	out = tc_text(der, len);
	assert_int_equal(tc_count(out, ".0/24"), 6000);
	assert_int_equal(tc_count(out, "-2001:db8:"), 4000);
	free(out);
	{
		struct cert_issuer chk;

		assert_int_equal(cert_parse_rpki_ca(&chk, der, len), 0);
		assert_true(res_set_equal(&chk.res.v4, &r.v4));
		assert_true(res_set_equal(&chk.res.v6, &r.v6));
		cert_issuer_free(&chk);
	}
	free(der);
	res_bundle_free(&r);
}

/*
 * UD-142: the publication name of a child's certificate depends on the
 * key only (gSKI.cer), so a reissue to the same key overwrites it; UD-82:
 * the subject changes with the key.
 */
static void
test_file_name_and_subject(void **state)
{
	unsigned char *spki, *spki2;
	size_t spki_len, spki2_len, key_len;
	char name[CERT_FILE_NAME_SIZE], name2[CERT_FILE_NAME_SIZE], gski[UD_SKI_SIZE];
	unsigned char *p, *end;
	size_t len;

	(void)state;
	spki = tc_spki(g.s, g.ca_key, &spki_len);
	spki2 = tc_spki(g.s, g.ca2_key, &spki2_len);
	assert_int_equal(cert_file_name(spki, spki_len, name), 0);
	assert_int_equal(cert_file_name(spki2, spki2_len, name2), 0);
	assert_int_equal(strlen(name), 31);
	assert_string_equal(name + 27, ".cer");
	assert_string_not_equal(name, name2);
	/* = ud_ski_from_key of the BIT STRING contents (UD-110). */
	p = spki;
	end = spki + spki_len;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, 0x30), 0);
	p += len;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &key_len, MBEDTLS_ASN1_BIT_STRING), 0);
	assert_int_equal(ud_ski_from_key(p + 1, key_len - 1, gski), 0);
	assert_memory_equal(name, gski, 27);
	assert_int_equal(cert_file_name(spki, spki_len - 1, name), CERT_ERR_SPKI);
	free(spki);
	free(spki2);
}

/*
 * A referee: rpki-client 8.2 (when installed) parses and validates the TA
 * and a child CA certificate one by one (`rpki-client -f`), against a
 * cache holding our TA and a CRL from it (UD-80..UD-97). Its RFC 6487
 * parser names any profile violation ("RFC 6487 section ...") on stderr.
 * The complete tree (CRL, manifest, publication) is crypto/pub's referee
 * test.
 */
static void
test_rpki_client(void **state)
{
	const char *rc_exe = "/usr/sbin/rpki-client";
	const char *uris[] = { TA_CER };
	struct res_bundle r;
	unsigned char *child, *crl;
	size_t child_len, crl_len, tal_len;
	char *tal, cmd[2048], *out;
	const char *dir = tc_path("rp");
	unsigned char *log;
	size_t log_len;
	int st;

	(void)state;
	if (access(rc_exe, X_OK) != 0) {
		print_message("rpki-client not installed: skipped\n");
		skip();
	}
	tc_res(&r, "64496-64500", "192.0.2.0/25", "2001:db8::/48");
	{
		struct cert_ca_params p;
		unsigned char serial[9], *spki;
		size_t spki_len;

		/* Valid now, whatever the date of the run. */
		spki = tc_spki(g.s, g.ca_key, &spki_len);
		ca_params(&p, spki, spki_len, serial, tc_serial(1100, serial), &r);
		p.not_after = TA_END;
		assert_int_equal(cert_issue_ca(&g.ta, &p, &child, &child_len), 0);
		free(spki);
	}
	crl = tc_crl(&g.ta, NOW - DAY, NOW + 365 * DAY * 30, &crl_len);
	assert_int_equal(cert_write_tal(uris, 1, g.ta_der, g.ta_len, &tal, &tal_len), 0);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/cache/ta/t' '%s/cache/rpki.example.net/repo/ta' && "
	    "chmod -R a+rwX '%s' && chmod a+x '%s/..'", dir, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/t.tal", dir);
	tc_write(cmd, tal, tal_len);
	snprintf(cmd, sizeof(cmd), "%s/cache/ta/t/ta.cer", dir);
	tc_write(cmd, g.ta_der, g.ta_len);
	snprintf(cmd, sizeof(cmd), "%s/cache/rpki.example.net/repo/ta/ta.crl", dir);
	tc_write(cmd, crl, crl_len);
	snprintf(cmd, sizeof(cmd), "%s/child.cer", dir);
	tc_write(cmd, child, child_len);
	snprintf(cmd, sizeof(cmd), "chmod -R a+rwX '%s' && cd '%s' && %s -d cache -t t.tal "
	    "-f cache/ta/t/ta.cer child.cer >rp.log 2>&1", dir, dir, rc_exe);
	st = system(cmd);
	snprintf(cmd, sizeof(cmd), "%s/rp.log", dir);
	log = tc_read(cmd, &log_len);
	assert_non_null(log);
	out = (char *)log;
	if (st != 0 || tc_count(out, "Validation: OK") != 2 || strstr(out, "RFC") != NULL)
	{
		fprintf(stderr, "rpki-client -f:\n%s\n", out);
		fail_msg("rpki-client did not accept our certificates");
	}
	free(log);
	free(tal);
	free(crl);
	free(child);
	res_bundle_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca_rfc3779_text),
		cmocka_unit_test(test_ca_fields),
		cmocka_unit_test(test_ca_like_interop),
		cmocka_unit_test(test_openssl_verify),
		cmocka_unit_test(test_overclaim_empty_inherit),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_time_encoding),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_ee_certificate),
		cmocka_unit_test(test_ta),
		cmocka_unit_test(test_tal),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_file_name_and_subject),
		cmocka_unit_test(test_rpki_client),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
