/*
 * proto/oob: RFC 8183 out-of-band setup codec (UD-150..UD-157).
 *
 * Data-driven: every RFC 8183 file of tests/data/interop (see its README)
 * decodes to the expected message, or is refused with the exact code and
 * a comment saying why; every decoded message re-encodes to an equivalent
 * one; hostile and malformed samples are refused with exact codes; every
 * truncation of every valid file fails cleanly from an exactly sized
 * buffer; and the UD-152 TA check works on the interop BPKI TAs.
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

#include <mbedtls/base64.h>

#include "proto/oob.h"

/* ---- helpers ---- */

/* Read tests/data/<rel> into an exactly sized malloc'd buffer. */
static unsigned char *
slurp(const char *rel, size_t *len)
{
	const char *base = getenv("UPDOWN_TESTDATA");
	char path[1024];
	unsigned char *buf;
	FILE *f;
	long n;

	if (base == NULL)
		fail_msg("UPDOWN_TESTDATA is not set");
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* 00:00:00 UTC of the given date, without the local time zone. */
static time_t
utc(int y, int m, int d)
{
	/* Days from civil (Howard Hinnant's algorithm). */
	int yy = y - (m <= 2);
	int era = (yy >= 0 ? yy : yy - 399) / 400;
	int yoe = yy - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (time_t)(era * 146097 + doe - 719468) * 86400;
}

/* ---- the interop corpus ---- */

#define I "interop/"

struct file_case {
	const char *path;
	int rc;                 /* expected oob_decode() result */
	enum oob_type type;
	unsigned flags;
	const char *handle;     /* child/publisher handle, or child_handle of a parent_response */
	const char *tag;        /* NULL: absent */
	bool offer;
	size_t nreferrals;
	time_t ta_time;         /* a time inside the TA's validity; 0: no TA check */
	int ta_rc;              /* expected oob_check_bpki_ta() */
	bool ta_self;
};

#define T2011 ((time_t)1320000000) /* 2011-10-30: rpkid 2011 test TAs */
#define T2012 ((time_t)1330000000) /* 2012-02-23: rpkid 2011-07-26 TA */
#define T2021 ((time_t)1640000000) /* 2021-12-20 */
#define T2023 ((time_t)1690000000) /* 2023-07-22 */
#define T2025 ((time_t)1735689600) /* 2025-01-01 */

static const struct file_case file_cases[] = {
	/* APNIC and a Krill child "rand": APNIC renamed the child (UD-153). */
	{ I "krill/test-resources/oob/apnic/child_request.xml", 0, OOB_CHILD_REQUEST, 0, "rand", NULL, false, 0, T2021, 0, true },
	{ I "krill/test-resources/oob/apnic/parent.response.xml", 0, OOB_PARENT_RESPONSE, 0, "A91872ED0000", NULL, false, 0, T2021, 0, false },
	{ I "krill/test-resources/oob/apnic/publisher_request.xml", 0, OOB_PUBLISHER_REQUEST, 0, "rand", NULL, false, 0, T2021, 0, true },
	{ I "krill/test-resources/oob/apnic/repository.response.xml", 0, OOB_REPOSITORY_RESPONSE, 0, "A91872ED0000", NULL, false, 0, T2021, 0, false },
	{ I "rpki-rs/test-data/ca/rfc8183/apnic-parent-response.xml", 0, OOB_PARENT_RESPONSE, 0, "A91872ED0000", NULL, false, 0, T2021, 0, false },
	{ I "rpki-rs/test-data/ca/rfc8183/apnic-repository-response.xml", 0, OOB_REPOSITORY_RESPONSE, 0, "A91872ED0000", NULL, false, 0, T2021, 0, false },
	/* The RFC 8183 examples, with tag="A0001". */
	{ I "krill/test-resources/oob/publisher_request.xml", 0, OOB_PUBLISHER_REQUEST, 0, "Bob", "A0001", false, 0, T2011, 0, true },
	{ I "krill/test-resources/oob/repository_response.xml", 0, OOB_REPOSITORY_RESPONSE, 0, "Alice/Bob-42", "A0001", false, 0, T2011, 0, true },
	{ I "rpki-rs/test-data/ca/rfc8183/rpkid-publisher-request.xml", 0, OOB_PUBLISHER_REQUEST, 0, "Bob", "A0001", false, 0, T2011, 0, true },
	/* AFRINIC: the parent_bpki_ta is an intermediate (UD-152 leniency). */
	{ I "rpki-rs/test-data/ca/rfc8183/afrinic-parent-response.xml", 0, OOB_PARENT_RESPONSE, 0, "F3615BDCAF", NULL, true, 0, T2021, 0, false },
	/* Krill 0.9: namespace without the trailing slash (UD-151). */
	{ I "rpki-rs/test-data/ca/rfc8183/krill-0-9-parent-response.xml", 0, OOB_PARENT_RESPONSE, OOB_F_NS_NO_SLASH, "test", NULL, false, 0, T2021, 0, true },
	{ I "rpki-rs/test-data/ca/rfc8183/krill-0-9-repository-response.xml", 0, OOB_REPOSITORY_RESPONSE, OOB_F_NS_NO_SLASH, "test", NULL, false, 0, T2021, 0, true },
	/* rpkid, "ns0:" prefixes; valid_until is accepted and ignored. */
	{ I "rpki-rs/test-data/ca/rfc8183/rpkid-child-id.xml", 0, OOB_CHILD_REQUEST, 0, "Carol", NULL, false, 0, T2011, 0, true },
	{ I "rpki-rs/test-data/ca/rfc8183/rpkid-parent-response-offer.xml", 0, OOB_PARENT_RESPONSE, 0, "Bob", NULL, true, 0, T2011, 0, true },
	{ I "rpki-rs/test-data/ca/rfc8183/rpkid-parent-response-referral.xml", 0, OOB_PARENT_RESPONSE, OOB_F_VALID_UNTIL, "60e445f5-97d1-4fcb-bc95-b8e6ef79319e", NULL, false, 1, T2012, 0, true },
	{ I "krill/test-resources/remote/rpkid-child-id.xml", 0, OOB_CHILD_REQUEST, 0, "Carol", NULL, false, 0, T2011, 0, true },
	{ I "krill/test-resources/remote/rpkid-parent-response-offer.xml", 0, OOB_PARENT_RESPONSE, 0, "Bob", NULL, true, 0, T2011, 0, true },
	{ I "krill/test-resources/remote/rpkid-parent-response-referral.xml", 0, OOB_PARENT_RESPONSE, OOB_F_VALID_UNTIL, "60e445f5-97d1-4fcb-bc95-b8e6ef79319e", NULL, false, 1, T2012, 0, true },
	{ I "krill/test-resources/remote/carol_child_id.xml", 0, OOB_CHILD_REQUEST, 0, "Carol", NULL, false, 0, T2011, 0, true },
	{ I "rpki-commons/src/test/resources/isc-interop-updown/carol-child-id.xml", 0, OOB_CHILD_REQUEST, 0, "Carol", NULL, false, 0, T2011, 0, true },
	/* rpkid's older "identity" element: read as a child_request. */
	{ I "rpki-commons/src/test/resources/isc-interop-updown/bob-child-id.xml", 0, OOB_CHILD_REQUEST, OOB_F_IDENTITY, "Bob", NULL, false, 0, T2011, 0, true },
	{ I "rpki-commons/src/test/resources/isc-interop-updown/issuer-alice-child-bob-parent.xml", 0, OOB_PARENT_RESPONSE, OOB_F_VALID_UNTIL, "Bob", NULL, false, 0, T2011, 0, true },
	{ I "rpki-commons/src/test/resources/isc-interop-updown/rpkid-parent-response.xml", 0, OOB_PARENT_RESPONSE, OOB_F_VALID_UNTIL, "60e445f5-97d1-4fcb-bc95-b8e6ef79319e", NULL, false, 1, T2012, 0, true },
	{ I "rpki-core/src/test/resources/cert/valid-identity.xml", 0, OOB_CHILD_REQUEST, 0, "Bob", NULL, false, 0, T2011, 0, true },
	{ I "rpki-core/src/test/resources/repository-publisher/publisher_request.xml", 0, OOB_PUBLISHER_REQUEST, 0, "the_publisher_handle", NULL, false, 0, T2023, 0, true },
	{ I "rpki-core/src/test/resources/repository-publisher/repository_response.xml", 0, OOB_REPOSITORY_RESPONSE, 0, "krill-testbed-prepdev1645011427044", NULL, false, 0, T2023, 0, true },
	{ I "krill/test-resources/migrations/test-setup/parent-res.xml", 0, OOB_PARENT_RESPONSE, 0, "krill-upgrade-test", NULL, false, 0, T2023 + 86400 * 30, 0, true },
	{ I "krill/test-resources/migrations/test-setup/repo-response.xml", 0, OOB_REPOSITORY_RESPONSE, 0, "krill-upgrade-test", NULL, false, 0, T2023 + 86400 * 30, 0, true },
	/* ARIN's pre-RFC 8183 myrpki <parent/> (UD-157): decoded. */
	{ I "krill/test-resources/remote/arin-pre-rfc8183-parent-response.xml", 0, OOB_PARENT_RESPONSE, OOB_F_MYRPKI | OOB_F_VALID_UNTIL, "Bob", NULL, false, 0, T2011, 0, true },
	/* Krill testbed robustness samples (UD-151, UD-154). */
	{ I "krill/test-resources/testbed/child_request_compact.xml", 0, OOB_CHILD_REQUEST, 0, "child-request-compact", NULL, false, 0, T2025, 0, true },
	{ I "krill/test-resources/testbed/child_request_with_whitespace.xml", 0, OOB_CHILD_REQUEST, 0, "child-request-with-whitespace", NULL, false, 0, T2025, 0, true },
	{ I "krill/test-resources/testbed/publisher_request_compact.xml", 0, OOB_PUBLISHER_REQUEST, 0, "publisher-request-compact", NULL, false, 0, T2021, 0, true },
	{ I "krill/test-resources/testbed/publisher_request_with_whitespace.xml", 0, OOB_PUBLISHER_REQUEST, 0, "publisher-request-with-whitespace", NULL, false, 0, T2021, 0, true },
	/* Characters inserted into the base64: its length is no longer a multiple of 4. */
	{ I "krill/test-resources/testbed/child_request_invalid_base64.xml", OOB_ERR_BASE64, OOB_NONE, 0, NULL, NULL, false, 0, 0, 0, false },
	{ I "krill/test-resources/testbed/publisher_request_invalid_base64.xml", OOB_ERR_BASE64, OOB_NONE, 0, NULL, NULL, false, 0, 0, 0, false },
	/*
	 * U+200B ZERO WIDTH SPACE inside the base64, raw or as &#x200B;: not XML
	 * whitespace, so not base64 (Krill's testbed refuses these too).
	 */
	{ I "krill/test-resources/testbed/child_request_with_unicode_space_char.xml", OOB_ERR_BASE64, OOB_NONE, 0, NULL, NULL, false, 0, 0, 0, false },
	{ I "krill/test-resources/testbed/child_request_with_unicode_space_entity_reference.xml", OOB_ERR_BASE64, OOB_NONE, 0, NULL, NULL, false, 0, 0, 0, false },
	{ I "krill/test-resources/testbed/publisher_request_with_unicode_space_char.xml", OOB_ERR_BASE64, OOB_NONE, 0, NULL, NULL, false, 0, 0, 0, false },
	{ I "krill/test-resources/testbed/publisher_request_with_unicode_space_entity_reference.xml", OOB_ERR_BASE64, OOB_NONE, 0, NULL, NULL, false, 0, 0, 0, false },
	/*
	 * child-breaks.xml: besides the wrapped base64 (which we accept) it has a
	 * U+200B after the final "==", the same case as the testbed file above:
	 * refused, the operator removes the invisible character.
	 */
	{ I "krill/test-resources/remote/child-breaks.xml", OOB_ERR_BASE64, OOB_NONE, 0, NULL, NULL, false, 0, 0, 0, false },
	/* &#x200B; inside the handle (UD-154). */
	{ I "krill/test-resources/testbed/child_request_with_unicode_space_entity_reference_in_handle.xml", OOB_ERR_HANDLE, OOB_NONE, 0, NULL, NULL, false, 0, 0, 0, false },
	{ I "krill/test-resources/testbed/publisher_request_with_unicode_space_entity_reference_in_handle.xml", OOB_ERR_HANDLE, OOB_NONE, 0, NULL, NULL, false, 0, 0, 0, false },
};

#define NFILES (sizeof(file_cases) / sizeof(file_cases[0]))

static const char *
msg_handle(const struct oob_msg *m)
{
	switch (m->type) {
	case OOB_CHILD_REQUEST: return m->u.child_request.child_handle;
	case OOB_PARENT_RESPONSE: return m->u.parent_response.child_handle;
	case OOB_PUBLISHER_REQUEST: return m->u.publisher_request.publisher_handle;
	case OOB_REPOSITORY_RESPONSE: return m->u.repository_response.publisher_handle;
	default: return NULL;
	}
}

static const struct oob_der *
msg_ta(const struct oob_msg *m)
{
	switch (m->type) {
	case OOB_CHILD_REQUEST: return &m->u.child_request.child_bpki_ta;
	case OOB_PARENT_RESPONSE: return &m->u.parent_response.parent_bpki_ta;
	case OOB_PUBLISHER_REQUEST: return &m->u.publisher_request.publisher_bpki_ta;
	case OOB_REPOSITORY_RESPONSE: return &m->u.repository_response.repository_bpki_ta;
	default: return NULL;
	}
}

/*
 * UD-150, UD-151, UD-153, UD-154, UD-157: each interop file decodes as
 * expected, re-encodes to an equivalent message in the correct namespace,
 * and its TA passes the UD-152 check at a time inside its validity.
 */
static void
test_interop_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFILES; i++) {
		const struct file_case *fc = &file_cases[i];
		struct oob_msg m, m2;
		char why[256], *out = NULL, *out2 = NULL;
		size_t len, olen, olen2;
		unsigned char *buf = slurp(fc->path, &len);
		int rc;

		rc = oob_decode((const char *)buf, len, &m, why, sizeof(why));
		if (rc != fc->rc)
			fail_msg("%s: got %d (%s), want %d", fc->path, rc, why, fc->rc);
		free(buf);
		if (rc != 0) {
			assert_int_equal(m.type, OOB_NONE);
			assert_true(why[0] != '\0');
			continue;
		}
		if (m.type != fc->type || m.flags != fc->flags)
			fail_msg("%s: type %d flags %#x", fc->path, m.type, m.flags);
		assert_string_equal(msg_handle(&m), fc->handle);
		if (fc->tag == NULL)
			assert_null(m.tag);
		else
			assert_string_equal(m.tag, fc->tag);
		if (m.type == OOB_PARENT_RESPONSE &&
		    (m.u.parent_response.offer != fc->offer ||
		    m.u.parent_response.nreferrals != fc->nreferrals))
			fail_msg("%s: offer %d, %zu referrals", fc->path,
			    m.u.parent_response.offer, m.u.parent_response.nreferrals);
		/* Re-encoding gives an equivalent message, always in OOB_NS. */
		assert_int_equal(oob_encode(&m, &out, &olen), 0);
		assert_int_equal(strlen(out), olen);
		assert_non_null(strstr(out, "xmlns=\"" OOB_NS "\""));
		assert_non_null(strstr(out, "version=\"1\""));
		rc = oob_decode(out, olen, &m2, why, sizeof(why));
		if (rc != 0)
			fail_msg("%s: re-decoding failed: %s\n%s", fc->path, why, out);
		assert_int_equal(m2.flags, 0);
		assert_true(oob_msg_equal(&m, &m2));
		/* ... and encoding is stable. */
		assert_int_equal(oob_encode(&m2, &out2, &olen2), 0);
		assert_int_equal(olen, olen2);
		assert_memory_equal(out, out2, olen);
		if (fc->ta_time != 0) {
			const struct oob_der *ta = msg_ta(&m);
			bool self = !fc->ta_self;

			rc = oob_check_bpki_ta(ta->p, ta->len, fc->ta_time, &self);
			if (rc != fc->ta_rc)
				fail_msg("%s: TA check %d (%s)", fc->path, rc, oob_strerror(rc));
			assert_int_equal(self, fc->ta_self);
		}
		free(out);
		free(out2);
		oob_msg_free(&m2);
		oob_msg_free(&m);
	}
}

/* UD-153: the rpkid referral's fields come through. */
static void
test_referral_fields(void **state)
{
	size_t len;
	unsigned char *buf = slurp(I "rpki-rs/test-data/ca/rfc8183/rpkid-parent-response-referral.xml", &len);
	struct oob_msg m;
	const struct oob_referral *r;

	(void)state;
	assert_int_equal(oob_decode((const char *)buf, len, &m, NULL, 0), 0);
	assert_string_equal(m.u.parent_response.parent_handle, "ripe-ncc-rpkid-test");
	assert_string_equal(m.u.parent_response.service_uri,
	    "http://localhost:4404/up-down/ripe-ncc-rpkid-test/60e445f5-97d1-4fcb-bc95-b8e6ef79319e");
	r = &m.u.parent_response.referrals[0];
	assert_string_equal(r->referrer, "ripe-ncc-rpkid-test");
	assert_string_equal(r->contact_uri, "http://example.com/info");
	assert_true(r->token.len > 2000);
	assert_int_equal(r->token.p[0], 0x30);
	oob_msg_free(&m);
	free(buf);
}

/* Every truncation of every valid file, from an exactly sized buffer. */
static void
test_truncations(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFILES; i++) {
		size_t len;
		unsigned char *full;

		if (file_cases[i].rc != 0)
			continue;
		full = slurp(file_cases[i].path, &len);
		for (size_t n = 0; n < len; n++) {
			char *buf = malloc(n ? n : 1);
			struct oob_msg m;
			int rc;

			memcpy(buf, full, n);
			rc = oob_decode(buf, n, &m, NULL, 0);
			if (rc == 0) {
				/* Only trailing whitespace may be cut off. */
				for (size_t k = n; k < len; k++)
					if (strchr(" \t\r\n", full[k]) == NULL)
						fail_msg("%s: prefix of %zu bytes accepted",
						    file_cases[i].path, n);
				oob_msg_free(&m);
			} else {
				assert_int_equal(m.type, OOB_NONE);
			}
			free(buf);
		}
		free(full);
	}
}

/* ---- hand-made negative and edge samples ---- */

/* Base64 of the Bob BPKI TA, filled in by setup. */
static char *ta_b64;

struct neg_case {
	const char *xml;   /* %T is replaced by ta_b64 */
	int rc;
	const char *what;
};

#define NS "xmlns=\"" OOB_NS "\""
#define CR(attrs, body) "<child_request " NS " version=\"1\" " attrs ">" body "</child_request>"
#define TA "<child_bpki_ta>%T</child_bpki_ta>"
#define PR(attrs, body) "<parent_response " NS " version=\"1\" service_uri=\"https://p.example/up-down/c\" " \
	"child_handle=\"c\" parent_handle=\"p\" " attrs "><parent_bpki_ta>%T</parent_bpki_ta>" body "</parent_response>"
#define PQ(attrs, body) "<publisher_request " NS " version=\"1\" publisher_handle=\"c\" " attrs \
	"><publisher_bpki_ta>%T</publisher_bpki_ta>" body "</publisher_request>"
#define RR(attrs) "<repository_response " NS " version=\"1\" publisher_handle=\"c\" " attrs \
	"><repository_bpki_ta>%T</repository_bpki_ta></repository_response>"
#define RR_OK "service_uri=\"https://r.example/rfc8181/c/\" sia_base=\"rsync://r.example/repo/c/\""
/* A token: base64 of DER 30 03 02 01 05 (SEQUENCE { INTEGER 5 }). */
#define TOKEN "MAMCAQU="
#define REF "<referral referrer=\"r\">" TOKEN "</referral>"
#define H255 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct neg_case neg_cases[] = {
	/* Baselines that must pass, so the negatives below test one thing. */
	{ CR("child_handle=\"Bob\"", TA), 0, "baseline child_request" },
	{ CR("child_handle=\"" H255 "\"", TA), 0, "UD-154: 255-character handle" },
	{ CR("child_handle=\"a-b_c/D9\" tag=\"\"", TA), 0, "empty tag" },
	{ CR("child_handle=\"a\"", "<!-- c -->\n" TA "\n<!-- c -->"), 0, "comments" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>\n\t %T \r\n</child_bpki_ta>"), 0, "UD-151: whitespace around base64" },
	{ "<oob:child_request xmlns:oob=\"" OOB_NS "\" version=\"1\" child_handle=\"a\"><oob:child_bpki_ta>%T</oob:child_bpki_ta></oob:child_request>", 0, "UD-151: oob: prefix" },
	{ PR("", "<offer/>" REF REF), 0, "UD-153: offer and referrals" },
	{ PR("tag=\"t-1\"", "<offer>  </offer>"), 0, "offer with whitespace" },
	{ PQ("", REF), 0, "publisher_request with referral" },
	{ RR(RR_OK), 0, "repository_response without rrdp" },
	{ "<error " NS " version=\"1\" reason=\"refused\"/>", 0, "UD-156: error" },
	{ "<error " NS " version=\"1\" reason=\"syntax-error\"><x xmlns=\"urn:x\"><y/></x></error>", 0, "UD-156: error with content" },

	/* XML level. */
	{ "", OOB_ERR_SIZE, "empty" },
	{ "<!DOCTYPE child_request [<!ENTITY x \"Bob\">]>" CR("child_handle=\"&x;\"", TA), OOB_ERR_DOCTYPE, "DOCTYPE" },
	{ "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><lolz>&lol2;</lolz>", OOB_ERR_DOCTYPE, "billion laughs" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta><![CDATA[%T]]></child_bpki_ta>"), OOB_ERR_XML, "CDATA" },
	{ CR("child_handle=\"a\"", "<?pi x?>" TA), OOB_ERR_XML, "processing instruction" },
	{ CR("child_handle=\"a\" child_handle=\"b\"", TA), OOB_ERR_XML, "duplicate attribute" },
	{ CR("child_handle=\"a\"", TA) "<x/>", OOB_ERR_XML, "two roots" },
	{ "<child_request " NS " version=\"1\" child_handle=\"a\"><child_bpki_ta>%T</child_bpki_ta>", OOB_ERR_XML, "unclosed" },
	{ "<a><b><c><d><e><f><g><h><i/></h></g></f></e></d></c></b></a>", OOB_ERR_XML, "too deep" },

	/* Namespace and message (UD-150). */
	{ "<child_request version=\"1\" child_handle=\"a\"><child_bpki_ta>%T</child_bpki_ta></child_request>", OOB_ERR_NAMESPACE, "no namespace" },
	{ "<child_request xmlns=\"http://www.hactrn.net/uris/rpki/rpki-setup//\" version=\"1\" child_handle=\"a\"><child_bpki_ta>%T</child_bpki_ta></child_request>", OOB_ERR_NAMESPACE, "wrong namespace" },
	{ "<child_request xmlns=\"http://www.hactrn.net/uris/rpki/up-down/\" version=\"1\" child_handle=\"a\"><child_bpki_ta>%T</child_bpki_ta></child_request>", OOB_ERR_NAMESPACE, "other protocol's namespace" },
	{ "<p:child_request xmlns:q=\"" OOB_NS "\" version=\"1\" child_handle=\"a\"/>", OOB_ERR_NAMESPACE, "undeclared prefix" },
	{ "<child_request " NS " version=\"1\" child_handle=\"a\"><x:child_bpki_ta xmlns:x=\"urn:x\">%T</x:child_bpki_ta></child_request>", OOB_ERR_NAMESPACE, "child in another namespace" },
	{ "<child_request xmlns=\"http://www.hactrn.net/uris/rpki/rpki-setup\" version=\"1\" child_handle=\"a\"><child_bpki_ta xmlns=\"" OOB_NS "\">%T</child_bpki_ta></child_request>", OOB_ERR_NAMESPACE, "mixed slash and no-slash namespaces" },
	{ "<authorization " NS " version=\"1\" authorized_sia_base=\"rsync://x/y/\">%T</authorization>", OOB_ERR_MESSAGE, "authorization is not a message" },
	{ "<child_requests " NS " version=\"1\"/>", OOB_ERR_MESSAGE, "unknown message" },

	/* Version (UD-150). */
	{ "<child_request " NS " version=\"2\" child_handle=\"a\">" TA "</child_request>", OOB_ERR_VERSION, "version 2" },
	{ "<child_request " NS " version=\" 1\" child_handle=\"a\">" TA "</child_request>", OOB_ERR_VERSION, "version with space" },
	{ "<child_request " NS " child_handle=\"a\">" TA "</child_request>", OOB_ERR_MISSING, "no version" },

	/* Attributes. */
	{ CR("child_handle=\"a\" foo=\"1\"", TA), OOB_ERR_ATTR, "unknown attribute" },
	{ CR("child_handle=\"a\" xmlns:x=\"urn:x\" x:child_handle=\"b\"", TA), OOB_ERR_ATTR, "namespaced attribute" },
	{ CR("child_handle=\"a\" valid_until=\"2012-07-25\"", TA), OOB_ERR_ATTR, "malformed valid_until" },
	{ CR("", TA), OOB_ERR_MISSING, "no child_handle" },
	{ CR("child_handle=\"a\" tag=\"" H255 H255 H255 H255 "bbbbb\"", TA), OOB_ERR_TAG, "tag of 1025 bytes" },
	{ CR("child_handle=\"a\" tag=\"x&#10;y\"", TA), OOB_ERR_TAG, "tag with newline" },
	{ "<child_request " NS " version=\"1\" child_handle=\"a\"><child_bpki_ta foo=\"1\">%T</child_bpki_ta></child_request>", OOB_ERR_ATTR, "attribute on TA" },

	/* Handles (UD-154). */
	{ CR("child_handle=\"\"", TA), OOB_ERR_HANDLE, "empty handle" },
	{ CR("child_handle=\"a" H255 "\"", TA), OOB_ERR_HANDLE, "256-character handle" },
	{ CR("child_handle=\"a b\"", TA), OOB_ERR_HANDLE, "space in handle" },
	{ CR("child_handle=\"a.b\"", TA), OOB_ERR_HANDLE, "dot in handle" },
	{ CR("child_handle=\"a\\b\"", TA), OOB_ERR_HANDLE, "backslash in handle" },
	{ CR("child_handle=\"a\xE2\x80\x8B" "b\"", TA), OOB_ERR_HANDLE, "raw U+200B in handle" },
	{ CR("child_handle=\"a&#xA0;b\"", TA), OOB_ERR_HANDLE, "NBSP entity in handle" },
	{ CR("child_handle=\"&lt;a\"", TA), OOB_ERR_HANDLE, "entity for '<' in handle" },
	{ CR("child_handle=\"a&#0;b\"", TA), OOB_ERR_XML, "NUL character reference" },
	{ PR("", "<referral referrer=\"r r\">" TOKEN "</referral>"), OOB_ERR_HANDLE, "bad referrer" },

	/* URIs. */
	{ "<parent_response " NS " version=\"1\" service_uri=\"ftp://p.example/x\" child_handle=\"c\" parent_handle=\"p\"><parent_bpki_ta>%T</parent_bpki_ta></parent_response>", OOB_ERR_URI, "ftp service_uri" },
	{ "<parent_response " NS " version=\"1\" service_uri=\"/up-down/c\" child_handle=\"c\" parent_handle=\"p\"><parent_bpki_ta>%T</parent_bpki_ta></parent_response>", OOB_ERR_URI, "relative service_uri" },
	{ "<parent_response " NS " version=\"1\" service_uri=\"https://\" child_handle=\"c\" parent_handle=\"p\"><parent_bpki_ta>%T</parent_bpki_ta></parent_response>", OOB_ERR_URI, "service_uri without host" },
	{ "<parent_response " NS " version=\"1\" service_uri=\"https://p.example/a b\" child_handle=\"c\" parent_handle=\"p\"><parent_bpki_ta>%T</parent_bpki_ta></parent_response>", OOB_ERR_URI, "space in service_uri" },
	{ "<parent_response " NS " version=\"1\" service_uri=\"https://p.example/%zz\" child_handle=\"c\" parent_handle=\"p\"><parent_bpki_ta>%T</parent_bpki_ta></parent_response>", OOB_ERR_URI, "bad escape in service_uri" },
	{ "<parent_response " NS " version=\"1\" service_uri=\"https:p.example\" child_handle=\"c\" parent_handle=\"p\"><parent_bpki_ta>%T</parent_bpki_ta></parent_response>", OOB_ERR_URI, "service_uri without //" },
	{ "<parent_response " NS " version=\"1\" child_handle=\"c\" parent_handle=\"p\"><parent_bpki_ta>%T</parent_bpki_ta></parent_response>", OOB_ERR_MISSING, "no service_uri" },
	{ PR("", "<referral referrer=\"r\" contact_uri=\"no scheme\">" TOKEN "</referral>"), OOB_ERR_URI, "bad contact_uri" },
	{ RR("service_uri=\"https://r.example/\" sia_base=\"https://r.example/repo/\""), OOB_ERR_URI, "https sia_base" },
	{ RR(RR_OK " rrdp_notification_uri=\"http://r.example/n.xml\""), OOB_ERR_URI, "http rrdp_notification_uri" },
	{ RR("service_uri=\"https://r.example/\""), OOB_ERR_MISSING, "no sia_base" },

	/* Elements (UD-153). */
	{ "<child_request " NS " version=\"1\" child_handle=\"a\"/>", OOB_ERR_MISSING, "missing TA" },
	{ CR("child_handle=\"a\"", TA TA), OOB_ERR_ELEMENT, "TA twice" },
	{ CR("child_handle=\"a\"", "<foo/>" TA), OOB_ERR_ELEMENT, "unknown element first" },
	{ CR("child_handle=\"a\"", TA "<foo/>"), OOB_ERR_ELEMENT, "unknown element after TA" },
	{ CR("child_handle=\"a\"", TA "text"), OOB_ERR_ELEMENT, "stray text" },
	{ CR("child_handle=\"a\"", TA REF), OOB_ERR_ELEMENT, "referral in child_request" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>%T<x/></child_bpki_ta>"), OOB_ERR_ELEMENT, "element inside TA" },
	{ PR("", "<offer/><offer/>"), OOB_ERR_ELEMENT, "two offers" },
	{ PR("", REF "<offer/>"), OOB_ERR_ELEMENT, "offer after referral" },
	{ PR("", "<offer>x</offer>"), OOB_ERR_ELEMENT, "offer with text" },
	{ PR("", "<offer a=\"1\"/>"), OOB_ERR_ATTR, "offer with attribute" },
	{ "<parent_response " NS " version=\"1\" service_uri=\"https://p.example/\" child_handle=\"c\" parent_handle=\"p\"><offer/><parent_bpki_ta>%T</parent_bpki_ta></parent_response>", OOB_ERR_ELEMENT, "offer before TA" },
	{ PQ("", "<offer/>"), OOB_ERR_ELEMENT, "offer in publisher_request" },
	{ PQ("", "<referral referrer=\"r\" contact_uri=\"https://x/\">" TOKEN "</referral>"), OOB_ERR_ATTR, "contact_uri in publisher_request" },
	{ PR("", "<referral>" TOKEN "</referral>"), OOB_ERR_MISSING, "referral without referrer" },
	{ PR("", "<referral referrer=\"r\">aGVsbG8=</referral>"), OOB_ERR_TOKEN, "token not DER" },
	{ PR("", "<referral referrer=\"r\"></referral>"), OOB_ERR_BASE64, "empty token" },
	{ PR("", REF REF REF REF REF REF REF REF REF REF REF REF REF REF REF REF
	    REF REF REF REF REF REF REF REF REF REF REF REF REF REF REF REF REF), OOB_ERR_LIMIT, "33 referrals" },

	/* TA content (UD-151, UD-152). */
	{ CR("child_handle=\"a\"", "<child_bpki_ta></child_bpki_ta>"), OOB_ERR_BASE64, "empty TA" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>aGVsbG8=</child_bpki_ta>"), OOB_ERR_CERT, "TA not DER" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>MAMCAQU=</child_bpki_ta>"), OOB_ERR_CERT, "TA a DER SEQUENCE but no certificate" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>%TAAAA</child_bpki_ta>"), OOB_ERR_CERT, "trailing bytes after the certificate" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>%T=</child_bpki_ta>"), OOB_ERR_BASE64, "extra '=' after base64" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>AB=C</child_bpki_ta>"), OOB_ERR_BASE64, "'=' inside base64" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>A===</child_bpki_ta>"), OOB_ERR_BASE64, "three '='" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>%T&#x200B;</child_bpki_ta>"), OOB_ERR_BASE64, "U+200B after base64" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>%T&#0;</child_bpki_ta>"), OOB_ERR_XML, "NUL reference after base64" },
	{ CR("child_handle=\"a\"", "<child_bpki_ta>-_-_</child_bpki_ta>"), OOB_ERR_BASE64, "base64url alphabet" },

	/* error (UD-156). */
	{ "<error " NS " version=\"1\" reason=\"oops\"/>", OOB_ERR_REASON, "unknown reason" },
	{ "<error " NS " version=\"1\"/>", OOB_ERR_MISSING, "error without reason" },
	{ "<error " NS " version=\"1\" reason=\"refused\"><a/><b/></error>", OOB_ERR_ELEMENT, "error with two elements" },
	{ "<error " NS " version=\"1\" reason=\"refused\">text</error>", OOB_ERR_ELEMENT, "error with text" },

	/* Pre-RFC 8183 myrpki (UD-157). */
	{ "<identity xmlns=\"" OOB_NS_MYRPKI "\" version=\"2\" handle=\"a\"><bpki_ta>%T</bpki_ta></identity>", OOB_ERR_MYRPKI, "myrpki identity" },
	{ "<parent xmlns=\"" OOB_NS_MYRPKI "\" version=\"2\" valid_until=\"2120-02-05T09:01:23Z\" service_uri=\"http://x/\" parent_handle=\"p\" child_handle=\"c\"><bpki_resource_ta>%T</bpki_resource_ta><bpki_child_ta>%T</bpki_child_ta><repository type=\"referral\"/></parent>", OOB_ERR_MYRPKI, "myrpki referral" },
	{ "<parent xmlns=\"" OOB_NS_MYRPKI "\" version=\"2\" valid_until=\"2120-02-05T09:01:23Z\" service_uri=\"http://x/\" parent_handle=\"p\" child_handle=\"c\"><bpki_resource_ta>%T</bpki_resource_ta><bpki_child_ta>%T</bpki_child_ta><repository type=\"offer\"/></parent>", 0, "myrpki offer" },
	{ "<parent xmlns=\"" OOB_NS_MYRPKI "\" version=\"1\" service_uri=\"http://x/\" parent_handle=\"p\" child_handle=\"c\"><bpki_resource_ta>%T</bpki_resource_ta><bpki_child_ta>%T</bpki_child_ta></parent>", OOB_ERR_VERSION, "myrpki version 1" },
	{ "<parent xmlns=\"" OOB_NS_MYRPKI "\" version=\"2\" service_uri=\"http://x/\" parent_handle=\"p\" child_handle=\"c\"><bpki_resource_ta>%T</bpki_resource_ta></parent>", OOB_ERR_MISSING, "myrpki without bpki_child_ta" },
	{ "<parent xmlns=\"" OOB_NS_MYRPKI "\" version=\"2\" parent_handle=\"p\" child_handle=\"c\"><bpki_resource_ta>%T</bpki_resource_ta><bpki_child_ta>%T</bpki_child_ta></parent>", OOB_ERR_MISSING, "myrpki without service_uri" },
	{ "<parent xmlns=\"" OOB_NS_MYRPKI "\" version=\"2\" service_uri=\"http://x/\" parent_handle=\"p\" child_handle=\"c\"><bpki_resource_ta>%T</bpki_resource_ta><bpki_child_ta>%T</bpki_child_ta><repository type=\"none\">x</repository></parent>", OOB_ERR_ELEMENT, "myrpki repository with text" },
};

/* Expand %T in a template. Caller frees. */
static char *
expand(const char *tmpl)
{
	size_t n = strlen(tmpl), tl = strlen(ta_b64), k = 0;
	char *out = malloc(n * (tl + 1) + 1);

	assert_non_null(out);
	for (const char *p = tmpl; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'T') {
			memcpy(out + k, ta_b64, tl);
			k += tl;
			p++;
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
	return out;
}

static int
setup_ta(void **state)
{
	size_t len, olen = 0;
	unsigned char *der = slurp(I "rpki-rs/test-data/ca/id_ta.cer", &len);

	(void)state;
	(void)mbedtls_base64_encode(NULL, 0, &olen, der, len);
	ta_b64 = malloc(olen);
	if (ta_b64 == NULL ||
	    mbedtls_base64_encode((unsigned char *)ta_b64, olen, &olen, der, len) != 0)
		return -1;
	free(der);
	return 0;
}

static int
teardown_ta(void **state)
{
	(void)state;
	free(ta_b64);
	ta_b64 = NULL;
	return 0;
}

/* UD-150..UD-157: hostile and malformed samples, exact codes. */
static void
test_negative_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(neg_cases) / sizeof(neg_cases[0]); i++) {
		char *xml = expand(neg_cases[i].xml), *buf, why[256] = "";
		size_t len = strlen(xml);
		struct oob_msg m;
		int rc;

		buf = malloc(len ? len : 1);
		assert_non_null(buf);
		memcpy(buf, xml, len);
		rc = oob_decode(buf, len, &m, why, sizeof(why));
		if (rc != neg_cases[i].rc)
			fail_msg("case %zu (%s): got %d %s (%s), want %d", i,
			    neg_cases[i].what, rc, oob_strerror(rc), why, neg_cases[i].rc);
		if (rc == 0) {
			char *out;
			size_t olen;
			struct oob_msg m2;

			assert_int_equal(oob_encode(&m, &out, &olen), 0);
			assert_int_equal(oob_decode(out, olen, &m2, why, sizeof(why)), 0);
			assert_true(oob_msg_equal(&m, &m2));
			oob_msg_free(&m2);
			free(out);
		} else {
			assert_int_equal(m.type, OOB_NONE);
			assert_true(why[0] != '\0');
		}
		oob_msg_free(&m);
		free(buf);
		free(xml);
	}
}

/* Documents over the limit are refused before parsing. */
static void
test_size_limit(void **state)
{
	static const char doc[] = "<error " NS " version=\"1\" reason=\"refused\"/>";
	size_t len = OOB_MAX_DOC + 1;
	char *buf = malloc(len);
	struct oob_msg m;

	(void)state;
	assert_non_null(buf);
	memset(buf, ' ', len);
	memcpy(buf, doc, sizeof(doc) - 1);
	assert_int_equal(oob_decode(buf, len, &m, NULL, 0), OOB_ERR_SIZE);
	assert_int_equal(oob_decode(buf, len - 1, &m, NULL, 0), 0);
	assert_int_equal(m.type, OOB_ERROR);
	assert_int_equal(m.u.error.reason, OOB_REASON_REFUSED);
	oob_msg_free(&m);
	free(buf);
}

/* ---- encoding from a model (UD-153) ---- */

static unsigned char *
dup_bytes(const void *p, size_t n)
{
	unsigned char *d = malloc(n);

	assert_non_null(d);
	memcpy(d, p, n);
	return d;
}

/* A parent_response as our engine will build it: tag echoed, offer, referral. */
static void
build_parent_response(struct oob_msg *m)
{
	static const unsigned char token[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	size_t len;
	unsigned char *der = slurp(I "krill/test-resources/oob/id_publisher_ta.cer", &len);
	struct oob_parent_response *pr = &m->u.parent_response;

	oob_msg_init(m);
	m->type = OOB_PARENT_RESPONSE;
	m->tag = strdup("A0001");
	pr->service_uri = strdup("https://ca.example/rfc6492/A91872ED0000");
	pr->child_handle = strdup("A91872ED0000");
	pr->parent_handle = strdup("updown");
	pr->parent_bpki_ta.p = der;
	pr->parent_bpki_ta.len = len;
	pr->offer = true;
	pr->nreferrals = 2;
	pr->referrals = calloc(2, sizeof(*pr->referrals));
	assert_non_null(pr->referrals);
	pr->referrals[0].referrer = strdup("repo-a");
	pr->referrals[0].contact_uri = strdup("mailto:ops@example.net");
	pr->referrals[0].token.p = dup_bytes(token, sizeof(token));
	pr->referrals[0].token.len = sizeof(token);
	pr->referrals[1].referrer = strdup("repo/b");
	pr->referrals[1].token.p = dup_bytes(token, sizeof(token));
	pr->referrals[1].token.len = sizeof(token);
}

static void
test_encode_parent_response(void **state)
{
	struct oob_msg m, m2;
	char *out;
	size_t len;

	(void)state;
	build_parent_response(&m);
	assert_int_equal(oob_encode(&m, &out, &len), 0);
	assert_non_null(strstr(out, "tag=\"A0001\""));
	assert_non_null(strstr(out, "<offer />"));
	assert_int_equal(oob_decode(out, len, &m2, NULL, 0), 0);
	assert_true(oob_msg_equal(&m, &m2));
	assert_string_equal(m2.u.parent_response.referrals[0].contact_uri, "mailto:ops@example.net");
	assert_null(m2.u.parent_response.referrals[1].contact_uri);
	oob_msg_free(&m2);
	free(out);

	/* Without offer and referrals: only the TA element. */
	m.u.parent_response.offer = false;
	m.u.parent_response.nreferrals = 0;
	assert_int_equal(oob_encode(&m, &out, &len), 0);
	assert_null(strstr(out, "offer"));
	assert_null(strstr(out, "referral"));
	free(out);
	m.u.parent_response.nreferrals = 2;
	oob_msg_free(&m);
	oob_msg_free(NULL);
}

/* oob_encode() refuses what oob_decode() would refuse. */
static void
test_encode_rejects(void **state)
{
	struct oob_msg m;
	char *out = (char *)1, *saved;
	size_t len;
	unsigned char b;

	(void)state;
	build_parent_response(&m);

	saved = m.u.parent_response.child_handle;
	m.u.parent_response.child_handle = (char *)"bad handle";
	assert_int_equal(oob_encode(&m, &out, &len), OOB_ERR_HANDLE);
	assert_null(out);
	m.u.parent_response.child_handle = NULL;
	assert_int_equal(oob_encode(&m, &out, &len), OOB_ERR_INVALID);
	m.u.parent_response.child_handle = saved;

	saved = m.u.parent_response.service_uri;
	m.u.parent_response.service_uri = (char *)"rsync://ca.example/x";
	assert_int_equal(oob_encode(&m, &out, &len), OOB_ERR_URI);
	m.u.parent_response.service_uri = saved;

	saved = m.tag;
	m.tag = (char *)"tab\there";
	assert_int_equal(oob_encode(&m, &out, &len), OOB_ERR_TAG);
	m.tag = saved;

	m.u.parent_response.nreferrals = OOB_MAX_REFERRALS + 1;
	assert_int_equal(oob_encode(&m, &out, &len), OOB_ERR_LIMIT);
	m.u.parent_response.nreferrals = 2;

	b = m.u.parent_response.referrals[1].token.p[0];
	m.u.parent_response.referrals[1].token.p[0] = 0x04;
	assert_int_equal(oob_encode(&m, &out, &len), OOB_ERR_TOKEN);
	m.u.parent_response.referrals[1].token.p[0] = b;

	m.u.parent_response.parent_bpki_ta.len--;
	assert_int_equal(oob_encode(&m, &out, &len), OOB_ERR_CERT);
	m.u.parent_response.parent_bpki_ta.len++;

	/* A publisher_request referral has no contact_uri. */
	{
		struct oob_msg q;

		oob_msg_init(&q);
		q.type = OOB_PUBLISHER_REQUEST;
		q.u.publisher_request.publisher_handle = (char *)"p";
		q.u.publisher_request.publisher_bpki_ta = m.u.parent_response.parent_bpki_ta;
		q.u.publisher_request.nreferrals = 1;
		q.u.publisher_request.referrals = m.u.parent_response.referrals;
		assert_int_equal(oob_encode(&q, &out, &len), OOB_ERR_INVALID);
		q.u.publisher_request.referrals = &m.u.parent_response.referrals[1];
		assert_int_equal(oob_encode(&q, &out, &len), 0);
		free(out);
		q.type = OOB_ERROR;
		q.u.error.reason = OOB_REASON_NONE;
		assert_int_equal(oob_encode(&q, &out, &len), OOB_ERR_REASON);
		q.type = (enum oob_type)99;
		assert_int_equal(oob_encode(&q, &out, &len), OOB_ERR_INVALID);
	}

	assert_int_equal(oob_encode(&m, &out, &len), 0);
	free(out);
	oob_msg_free(&m);
}

static void
test_handle_ok(void **state)
{
	(void)state;
	assert_true(oob_handle_ok("Alice/Bob-42"));
	assert_true(oob_handle_ok("a_b"));
	assert_true(oob_handle_ok(H255));
	assert_false(oob_handle_ok("a" H255));
	assert_false(oob_handle_ok(""));
	assert_false(oob_handle_ok(NULL));
	assert_false(oob_handle_ok("a+b"));
	assert_false(oob_handle_ok("\xC3\xA9"));
}

/* ---- UD-152: BPKI TA check ---- */

static void
check_ta_file(const char *rel, time_t now, int want, bool want_self)
{
	size_t len;
	unsigned char *der = slurp(rel, &len);
	bool self = !want_self;
	int rc = oob_check_bpki_ta(der, len, now, &self);

	if (rc != want)
		fail_msg("%s: got %d (%s), want %d", rel, rc, oob_strerror(rc), want);
	if (rc == 0)
		assert_int_equal(self, want_self);
	free(der);
}

static void
test_bpki_ta(void **state)
{
	(void)state;
	/* rpkid "Bob BPKI Resource Trust Anchor", 2011-07-01 .. 2012-06-30. */
	check_ta_file(I "krill/test-resources/oob/id_publisher_ta.cer", utc(2012, 1, 1), 0, true);
	check_ta_file(I "rpki-rs/test-data/ca/id_ta.cer", utc(2011, 7, 2), 0, true);
	check_ta_file(I "rpki-rs/test-data/ca/id_ta.cer", utc(2012, 6, 30), 0, true);
	check_ta_file(I "rpki-rs/test-data/ca/id_ta.cer", utc(2012, 7, 1), OOB_ERR_TA_EXPIRED, false);
	check_ta_file(I "rpki-rs/test-data/ca/id_ta.cer", utc(2011, 7, 1), OOB_ERR_TA_FUTURE, false);
	check_ta_file(I "rpki-rs/test-data/ca/id_ta.cer", utc(2030, 1, 1), OOB_ERR_TA_EXPIRED, false);
	/* AFRINIC's intermediate, 2021-03-01 .. 2031-02-27: not self-signed, accepted. */
	check_ta_file(I "rpki-rs/test-data/ca/id_afrinic.cer", utc(2025, 1, 1), 0, false);
	/* EE certificates (no basicConstraints): not a CA. */
	check_ta_file(I "derived/cms-bpki/krill-list-ee0.cer", utc(2025, 1, 1), OOB_ERR_TA_NOT_CA, false);
	check_ta_file(I "derived/cms-bpki/rpkid-issue-response-ee0.cer", utc(2011, 8, 1), OOB_ERR_TA_NOT_CA, false);
	check_ta_file(I "derived/cms-bpki/apnic-list-response-ee0.cer", utc(2022, 6, 1), OOB_ERR_TA_NOT_CA, false);
}

static void
test_bpki_ta_bad(void **state)
{
	size_t len;
	unsigned char *der = slurp(I "rpki-rs/test-data/ca/id_ta.cer", &len);
	bool self = true;

	(void)state;
	/* A flipped bit in the signature of a self-signed TA. */
	der[len - 10] ^= 0x01;
	assert_int_equal(oob_check_bpki_ta(der, len, utc(2012, 1, 1), &self), OOB_ERR_TA_SIG);
	assert_false(self);
	der[len - 10] ^= 0x01;
	assert_int_equal(oob_check_bpki_ta(der, len, utc(2012, 1, 1), NULL), 0);
	/* Truncated, empty, garbage. */
	for (size_t n = 0; n < len; n += 7) {
		unsigned char *t = malloc(n ? n : 1);

		memcpy(t, der, n);
		assert_int_equal(oob_check_bpki_ta(t, n, utc(2012, 1, 1), NULL), OOB_ERR_TA_PARSE);
		free(t);
	}
	assert_int_equal(oob_check_bpki_ta(NULL, 0, 0, NULL), OOB_ERR_TA_PARSE);
	free(der);
}

static void
test_strerror(void **state)
{
	(void)state;
	for (int e = -0x0401; e >= -0x0424; e--)
		assert_non_null(oob_strerror(e));
	assert_string_equal(oob_strerror(OOB_ERR_HANDLE), "handle is not [-_A-Za-z0-9/]{1,255}");
	assert_string_equal(oob_strerror(-0x04FF), "unknown RFC 8183 error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interop_files),
		cmocka_unit_test(test_referral_fields),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test_setup_teardown(test_negative_table, setup_ta, teardown_ta),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_encode_parent_response),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_handle_ok),
		cmocka_unit_test(test_bpki_ta),
		cmocka_unit_test(test_bpki_ta_bad),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
