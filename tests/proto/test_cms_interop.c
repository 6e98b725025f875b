/*
 * RFC 6492 CMS decoder against every CMS message in tests/data/interop
 * (rpkid, Krill, RIPE NCC, APNIC, AFRINIC, LACNIC), see its README.
 *
 * For each message: it decodes (or fails with the documented code), the
 * eContent equals derived/payloads/<name>.xml, the signature verifies with
 * the enclosed EE key, every truncation fails cleanly, and where the BPKI
 * trust anchor is in the data set, the full path and CRL check pass at the
 * signing time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto/cms.h"
#include "proto/cms/cms_test.h"

#define ISC "interop/rpki-commons/src/test/resources/isc-interop-updown/"
#define PL  "interop/derived/payloads/"
#define PLI PL "rpki-commons_src_test_resources_isc-interop-updown_"
#define BPKI "interop/derived/cms-bpki/"

struct sample {
	const char *path;
	const char *payload;
	bool base64;            /* file is base64 text of the CMS */
	int rc;                 /* cms_decode() with default options */
	int rc_der;             /* cms_decode() with der_only */
	const char *ee;         /* derived EE certificate that must match, or NULL */
	const char *crl;        /* derived CRL that must match, or NULL */
};

static const struct sample samples[] = {
	/* rpkid 2011 test run (UD-10..UD-23 all as the profile says). */
	{ ISC "pdu.170.der", PLI "pdu.170.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.171.der", PLI "pdu.171.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.172.der", PLI "pdu.172.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.173.der", PLI "pdu.173.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.180.der", PLI "pdu.180.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.183.der", PLI "pdu.183.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.184.der", PLI "pdu.184.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.189.der", PLI "pdu.189.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.196.der", PLI "pdu.196.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.199.der", PLI "pdu.199.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.200.der", PLI "pdu.200.der.xml", false, 0, 0, NULL, NULL },
	{ ISC "pdu.205.der", PLI "pdu.205.der.xml", false, 0, 0,
	  BPKI "rpkid-issue-response-ee0.cer", BPKI "rpkid-issue-response-crl0.crl" },
	{ "interop/krill/test-resources/remote/rpkid-rfc6492-list.der", PLI "pdu.170.der.xml",
	  false, 0, 0, NULL, NULL },
	{ "interop/krill/test-resources/remote/rpkid-rfc6492-list_response.der",
	  PLI "pdu.171.der.xml", false, 0, 0, NULL, NULL },
	{ "interop/krill/test-resources/remote/rpkid-rfc6492-issue.der", PLI "pdu.172.der.xml",
	  false, 0, 0, NULL, NULL },
	{ "interop/krill/test-resources/remote/rpkid-rfc6492-issue_response.der",
	  PLI "pdu.173.der.xml", false, 0, 0, NULL, NULL },
	{ "interop/krill/test-resources/remote/pdu_200.der", PLI "pdu.200.der.xml", false, 0, 0,
	  NULL, NULL },
	{ "interop/rpki-rs/test-data/ca/sigmsg/pdu_200.der", PLI "pdu.200.der.xml", false, 0, 0,
	  NULL, NULL },
	{ "interop/rpki-rs/test-data/ca/rfc6492/list.der", PLI "pdu.170.der.xml", false, 0, 0,
	  NULL, NULL },
	{ "interop/rpki-rs/test-data/ca/rfc6492/issue.der", PLI "pdu.172.der.xml", false, 0, 0,
	  NULL, NULL },
	{ "interop/rpki-rs/test-data/ca/rfc6492/issue-response.der", PLI "pdu.173.der.xml",
	  false, 0, 0, NULL, NULL },
	/* rpkid run by DT (2012), base64 text of DER. */
	{ ISC "dtag-outbound-1.der", PLI "dtag-outbound-1.der.xml", true, 0, 0, NULL, NULL },
	{ ISC "dtag-outbound-9.der", PLI "dtag-outbound-1.der.xml", true, 0, 0, NULL, NULL },
	/*
	 * RIPE NCC 2012: BER with indefinite lengths and a constructed eContent
	 * OCTET STRING. Accepted by default (UD-24 deviation), NOT_DER with
	 * der_only (RFC 6492 3.1.2 check 1.l).
	 */
	{ ISC "dtag-inbound-2.der", PLI "dtag-inbound-2.der.xml", true, 0, CMS_ERR_NOT_DER,
	  BPKI "ripencc-error-response-ee0.cer", BPKI "ripencc-error-response-crl0.crl" },
	{ ISC "dtag-inbound-10.der", PLI "dtag-inbound-2.der.xml", true, 0, CMS_ERR_NOT_DER,
	  NULL, NULL },
	/* RIPE NCC 2019, LACNIC 2019: named .ber but DER in fact. */
	{ "interop/krill/test-resources/remote/ncc-response.ber",
	  PL "krill_test-resources_remote_ncc-response.ber.xml", false, 0, 0,
	  BPKI "ripencc-revoke-response-ee0.cer", BPKI "ripencc-revoke-response-crl0.crl" },
	{ "interop/krill/test-resources/remote/lacnic-valid.ber",
	  PL "rpki-rs_test-data_ca_rfc6492_list-response.ber.xml", false, 0, 0,
	  BPKI "lacnic-list-response-ee0.cer", BPKI "lacnic-list-response-crl0.crl" },
	{ "interop/rpki-rs/test-data/ca/rfc6492/list-response.ber",
	  PL "rpki-rs_test-data_ca_rfc6492_list-response.ber.xml", false, 0, 0, NULL, NULL },
	/* The XML lacks sender/recipient; the CMS layer is fine. */
	{ "interop/krill/test-resources/remote/lacnic-invalid-response.ber",
	  PL "krill_test-resources_remote_lacnic-invalid-response.ber.xml", false, 0, 0,
	  NULL, NULL },
	/* APNIC 2019 and 2022, AFRINIC 2022 (CRL-entry reason codes, UD-34). */
	{ "interop/krill/test-resources/remote/apnic-list-response.der",
	  PL "krill_test-resources_remote_apnic-list-response.der.xml", false, 0, 0, NULL, NULL },
	{ "interop/rpki-rs/test-data/ca/rfc6492/apnic-response.der",
	  PL "rpki-rs_test-data_ca_rfc6492_apnic-response.der.xml", false, 0, 0,
	  BPKI "apnic-list-response-ee0.cer", BPKI "apnic-list-response-crl0.crl" },
	{ "interop/rpki-rs/test-data/ca/rfc6492/apnic-testbed-response.der",
	  PL "rpki-rs_test-data_ca_rfc6492_apnic-testbed-response.der.xml", false, 0, 0,
	  NULL, NULL },
	{ "interop/rpki-rs/test-data/ca/rfc6492/afrinic-response.der",
	  PL "rpki-rs_test-data_ca_rfc6492_afrinic-response.der.xml", false, 0, 0,
	  BPKI "afrinic-list-response-ee0.cer", BPKI "afrinic-list-response-crl0.crl" },
	/* Krill 2022. */
	{ "interop/rpki-commons/src/test/resources/interop/up-down/krill-ca1-list-pdu.der",
	  PL "rpki-commons_src_test_resources_interop_up-down_krill-ca1-list-pdu.der.xml",
	  false, 0, 0, BPKI "krill-list-ee0.cer", BPKI "krill-list-crl0.crl" },
	/*
	 * APNIC 2011 interop parent: no CRL in the CMS (RFC 6492 3.1.1.5, UD-15)
	 * and an S/MIME-Capabilities signed attribute (3.1.1.6.4, UD-21). Strict
	 * decoding stops at the missing CRL; see test_apnic2011 for the rest.
	 */
	{ "interop/rpki-commons/src/test/resources/apnic-interop/A971C.1",
	  PL "rpki-commons_src_test_resources_apnic-interop_A971C.1.xml", false,
	  CMS_ERR_NO_CRL, CMS_ERR_NO_CRL, BPKI "apnic2011-list-response-ee0.cer", NULL },
	{ "interop/rpki-commons/src/test/resources/apnic-interop/A971C.3",
	  PL "rpki-commons_src_test_resources_apnic-interop_A971C.3.xml", false,
	  CMS_ERR_NO_CRL, CMS_ERR_NO_CRL, NULL, NULL },
};

static struct tbuf
load_sample(const struct sample *s)
{
	struct tbuf raw = read_testdata(s->path), bin;

	if (!s->base64)
		return raw;
	bin = unbase64(raw.p, raw.len);
	tbuf_free(&raw);
	return bin;
}

static void
assert_same_file(const unsigned char *p, size_t len, const char *rel)
{
	struct tbuf want = read_testdata(rel);

	assert_int_equal(len, want.len);
	assert_memory_equal(p, want.p, len);
	tbuf_free(&want);
}

/* UD-10..UD-24, UD-30..UD-32, UD-38: every interop message decodes and its signature verifies. */
static void
test_corpus(void **state)
{
	static const struct cms_opts der_only = { .der_only = true };
	static const struct cms_opts lenient = { .allow_no_crl = true, .allow_unknown_attrs = true };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];
		struct tbuf msg = load_sample(s);
		struct cms_msg m;

		print_message("%s\n", s->path);
		cms_msg_init(&m);
		assert_int_equal(cms_decode(&m, msg.p, msg.len, NULL), s->rc);
		if (s->rc != 0) {
			/* Failure leaves the struct empty. */
			assert_null(m.xml);
			assert_int_equal(cms_decode(&m, msg.p, msg.len, &lenient), 0);
		}
		/* The eContent is exactly the payload extracted by openssl. */
		assert_same_file(m.xml, m.xml_len, s->payload);
		assert_int_equal(m.xml[m.xml_len], '\0');
		/* UD-31: message-digest and signature with the enclosed EE key. */
		assert_int_equal(cms_check_signature(&m), 0);
		assert_true(m.has_signing_time);
		assert_true(m.signing_time > 1262304000);  /* after 2010 */
		assert_true(m.ski_len == 20);
		assert_int_equal(m.ber, s->rc_der == CMS_ERR_NOT_DER);
		if (s->ee != NULL)
			assert_same_file(m.ee.raw.p, m.ee.raw.len, s->ee);
		if (s->crl != NULL)
			assert_same_file(m.crl.raw.p, m.crl.raw.len, s->crl);
		cms_msg_free(&m);

		/* UD-24: DER-only mode. */
		assert_int_equal(cms_decode(&m, msg.p, msg.len, &der_only), s->rc_der);
		cms_msg_free(&m);
		tbuf_free(&msg);
	}
}

/*
 * APNIC 2011 (A971C.1/.3): strict decoding fails with NO_CRL (UD-15); with
 * the CRL requirement lifted (tooling) the S/MIME-Capabilities attribute
 * fails with ATTR_UNKNOWN (UD-21, UD-30); with both lifted the message
 * decodes, the signature verifies, and cms_verify() still refuses it for
 * lack of a CRL (UD-34).
 */
static void
test_apnic2011(void **state)
{
	static const struct cms_opts no_crl = { .allow_no_crl = true };
	static const struct cms_opts both = { .allow_no_crl = true, .allow_unknown_attrs = true };
	const char *files[] = {
		"interop/rpki-commons/src/test/resources/apnic-interop/A971C.1",
		"interop/rpki-commons/src/test/resources/apnic-interop/A971C.3",
	};
	struct tbuf ta = read_testdata("interop/rpki-rs/test-data/ca/sigmsg/cms_ta.cer");
	struct cms_trust trust = { ta.p, ta.len, NULL, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct tbuf msg = read_testdata(files[i]);
		struct cms_msg m;

		cms_msg_init(&m);
		assert_int_equal(cms_decode(&m, msg.p, msg.len, NULL), CMS_ERR_NO_CRL);
		assert_int_equal(cms_decode(&m, msg.p, msg.len, &no_crl), CMS_ERR_ATTR_UNKNOWN);
		assert_int_equal(cms_decode(&m, msg.p, msg.len, &both), 0);
		assert_false(m.has_crl);
		assert_true(m.unknown_attrs);
		assert_int_equal(cms_check_signature(&m), 0);
		assert_int_equal(cms_verify(&m, &trust, m.signing_time), CMS_ERR_NO_CRL);
		cms_msg_free(&m);
		tbuf_free(&msg);
	}
	tbuf_free(&ta);
}

/* Every truncation of every sample, from an exactly sized heap buffer, fails cleanly. */
static void
test_truncations(void **state)
{
	static const struct cms_opts lenient = { .allow_no_crl = true, .allow_unknown_attrs = true };
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct tbuf msg = load_sample(&samples[i]);

		/* The 240 KB LACNIC message: every 97th length is plenty. */
		size_t step = msg.len > 20000 ? 97 : 1;
		for (n = 0; n < msg.len; n += step) {
			unsigned char *cut = malloc(n > 0 ? n : 1);
			struct cms_msg m;
			assert_non_null(cut);
			memcpy(cut, msg.p, n);
			cms_msg_init(&m);
			assert_int_not_equal(cms_decode(&m, cut, n, &lenient), 0);
			assert_null(m.xml);
			free(cut);
		}
		tbuf_free(&msg);
	}
}

/* parent_bpki_ta of an RFC 8183 parent_response in the data set. */
static struct tbuf
xml_ta(const char *rel)
{
	struct tbuf xml = read_testdata(rel), der;
	const char *tag = "parent_bpki_ta>";
	unsigned char *a, *b;

	for (a = xml.p; a + strlen(tag) <= xml.p + xml.len; a++)
		if (memcmp(a, tag, strlen(tag)) == 0)
			break;
	assert_true(a + strlen(tag) <= xml.p + xml.len);
	a += strlen(tag);
	b = memchr(a, '<', xml.len - (size_t)(a - xml.p));
	assert_non_null(b);
	der = unbase64(a, (size_t)(b - a));
	tbuf_free(&xml);
	return der;
}

struct chain_case {
	const char *msg;
	const char *ta;         /* DER file, or an RFC 8183 XML with parent_bpki_ta */
	long offset;            /* now = signing time + offset, unless `at` */
	time_t at;
	int rc;
};

/* UD-33, UD-34: the path to the peer's BPKI TA and the CRL, at the signing time. */
static void
test_chains(void **state)
{
	static const struct chain_case cases[] = {
		/* rpkid "Carol" -> its TA; the CRL check included. */
		{ "interop/rpki-rs/test-data/ca/sigmsg/pdu_200.der",
		  "interop/rpki-rs/test-data/ca/sigmsg/cms_ta.cer", 0, 0, 0 },
		{ ISC "pdu.200.der", "interop/krill/test-resources/remote/cms_ta.cer", 0, 0, 0 },
		/* A year later the EE (and the TA) had expired. */
		{ ISC "pdu.200.der", "interop/rpki-rs/test-data/ca/sigmsg/cms_ta.cer",
		  366 * 86400L, 0, CMS_ERR_EE_EXPIRED },
		/* Wrong trust anchor: Bob's TA for Carol's message. */
		{ ISC "pdu.200.der", "interop/rpki-rs/test-data/ca/id_ta.cer", 0, 0, CMS_ERR_CHAIN },
		/* rpkid "Bob" messages -> Bob's TA. */
		{ ISC "pdu.180.der", "interop/rpki-rs/test-data/ca/id_ta.cer", 0, 0, 0 },
		{ ISC "pdu.184.der", "interop/rpki-rs/test-data/ca/id_ta.cer", 0, 0, 0 },
		{ ISC "pdu.199.der", "interop/rpki-rs/test-data/ca/id_ta.cer", 0, 0, 0 },
		{ ISC "pdu.205.der", "interop/rpki-rs/test-data/ca/id_ta.cer", 0, 0, 0 },
		/* "Alice" signed pdu.170; Bob's TA does not cover it. */
		{ ISC "pdu.170.der", "interop/rpki-rs/test-data/ca/id_ta.cer", 0, 0, CMS_ERR_CHAIN },
		/* RIPE NCC 2019 -> its id certificate. */
		{ "interop/krill/test-resources/remote/ncc-response.ber",
		  "interop/krill/test-resources/remote/ncc-id.der", 0, 0, 0 },
		/* Krill -> its id certificate. */
		{ "interop/rpki-commons/src/test/resources/interop/up-down/krill-ca1-list-pdu.der",
		  "interop/rpki-commons/src/test/resources/interop/up-down/krill-ca1-id-cert.der",
		  0, 0, 0 },
		/* APNIC 2019 test parent. */
		{ "interop/krill/test-resources/remote/apnic-list-response.der",
		  "interop/krill/test-resources/remote/apnic-id.der", 0, 0, 0 },
		/*
		 * APNIC 2022: the TA APNIC hands out (parent_bpki_ta) is "APNIC Server
		 * CA", itself not self-signed (UD-152); its CRL has CRL-entry reason
		 * codes (UD-34, krill#933).
		 */
		{ "interop/rpki-rs/test-data/ca/rfc6492/apnic-response.der",
		  "interop/rpki-rs/test-data/ca/rfc8183/apnic-parent-response.xml", 0, 0, 0 },
		/*
		 * AFRINIC 2022: the CRL in the message had expired on 2021-03-31, a
		 * real defect, so the message fails the 3.1.2 CRL check at its
		 * signing time. In March 2021 the CRL was current but the EE did not
		 * exist yet.
		 */
		{ "interop/rpki-rs/test-data/ca/rfc6492/afrinic-response.der",
		  "interop/rpki-rs/test-data/ca/id_afrinic.cer", 0, 0, CMS_ERR_CRL_STALE },
		{ "interop/rpki-rs/test-data/ca/rfc6492/afrinic-response.der",
		  "interop/rpki-rs/test-data/ca/rfc8183/afrinic-parent-response.xml", 0, 0,
		  CMS_ERR_CRL_STALE },
		{ "interop/rpki-rs/test-data/ca/rfc6492/afrinic-response.der",
		  "interop/rpki-rs/test-data/ca/id_afrinic.cer", 0, 1615766400,
		  CMS_ERR_EE_NOT_YET_VALID },
		/*
		 * LACNIC 2019: the EE's issuer is "CN=bpki-lacnic" but the id
		 * certificate in the data set is "CN=bpki O=lacnic" (same key
		 * identifier): names do not chain, so no path.
		 */
		{ "interop/krill/test-resources/remote/lacnic-valid.ber",
		  "interop/krill/test-resources/remote/lacnic-id.der", 0, 0, CMS_ERR_CHAIN },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct chain_case *c = &cases[i];
		struct tbuf msg = read_testdata(c->msg), ta;
		struct cms_trust trust;
		struct cms_msg m;

		print_message("%s / %s\n", c->msg, c->ta);
		if (strstr(c->ta, ".xml") != NULL)
			ta = xml_ta(c->ta);
		else
			ta = read_testdata(c->ta);
		memset(&trust, 0, sizeof(trust));
		trust.ta_der = ta.p;
		trust.ta_len = ta.len;
		cms_msg_init(&m);
		assert_int_equal(cms_decode(&m, msg.p, msg.len, NULL), 0);
		assert_int_equal(cms_verify(&m, &trust, c->at ? c->at : m.signing_time + c->offset),
		    c->rc);
		cms_msg_free(&m);
		tbuf_free(&ta);
		tbuf_free(&msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_apnic2011),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
