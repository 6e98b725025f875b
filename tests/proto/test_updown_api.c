/*
 * proto/updown encoder and helpers: the exact output form (UD-45, UD-54,
 * UD-58, UD-60), refusal of invalid models (UD-52, UD-55, UD-67, UD-120),
 * the reply builders (UD-43, UD-113, UD-121), the ski helper against a
 * real certificate (UD-110) and the notafter format (UD-52).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/asn1.h>

#include "proto/updown.h"

char *tu_read(const char *rel, size_t *len);
void tu_roundtrip(const struct ud_msg *m, const char *what);

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static uint8_t *
bytes(size_t n, uint8_t fill)
{
	uint8_t *b = malloc(n);

	assert_non_null(b);
	memset(b, fill, n);
	return b;
}

static void
parse_set(struct res_set *s, enum res_family f, const char *text)
{
	res_set_free(s);
	assert_int_equal(res_set_parse(s, f, text, strlen(text)), 0);
}

/* A list_response with one class and one certificate, built by hand. */
static void
build_list_response(struct ud_msg *m)
{
	struct ud_class *c;
	struct ud_cert *ce;

	ud_msg_init(m);
	m->sender = xstrdup("parent");
	m->recipient = xstrdup("child");
	m->type = UD_LIST_RESPONSE;
	assert_int_equal(ud_msg_add_class(m, &c), 0);
	c->class_name = xstrdup("DEFAULT");
	c->cert_url = xstrdup("rsync://p.example/repo/ca.cer");
	/* Non-canonical on purpose: the encoder prints canonically (UD-58). */
	parse_set(&c->resource_set_as, RES_AS, "64497,64496,64498-64511");
	parse_set(&c->resource_set_ipv4, RES_IPV4, "192.0.2.0-192.0.2.255");
	parse_set(&c->resource_set_ipv6, RES_IPV6, "2001:DB8:0:0:0:0:0:0/32");
	assert_int_equal(ud_time_parse("2030-01-01T00:00:00Z", 20, &c->resource_set_notafter), 0);
	assert_int_equal(ud_class_add_cert(c, &ce), 0);
	ce->cert_url = xstrdup("rsync://p.example/repo/child.cer");
	ce->req.ipv4.present = true; /* "" = none of the family (UD-65) */
	ce->der = bytes(49, 0xAB);
	ce->der_len = 49;
	c->issuer = bytes(4, 0x30);
	c->issuer_len = 4;
}

/* The exact RFC form (UD-45, UD-54, UD-58, UD-60). */
static void
test_encode_golden(void **state)
{
	static const char want[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
	    "sender=\"parent\" recipient=\"child\" type=\"list_response\">\n"
	    "<class class_name=\"DEFAULT\" cert_url=\"rsync://p.example/repo/ca.cer\" "
	    "resource_set_as=\"64496-64511\" resource_set_ipv4=\"192.0.2.0/24\" "
	    "resource_set_ipv6=\"2001:db8::/32\" resource_set_notafter=\"2030-01-01T00:00:00Z\">\n"
	    "<certificate cert_url=\"rsync://p.example/repo/child.cer\" req_resource_set_ipv4=\"\">\n"
	    "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6ur\n"
	    "qw==\n"
	    "</certificate>\n"
	    "<issuer>\nMDAwMA==\n</issuer>\n"
	    "</class>\n"
	    "</message>\n";
	struct ud_msg m;
	char *x = NULL;
	size_t len = 0;

	(void)state;
	build_list_response(&m);
	assert_int_equal(ud_encode(&m, &x, &len), 0);
	assert_string_equal(x, want);
	assert_int_equal(len, strlen(want));
	free(x);
	tu_roundtrip(&m, "hand-built list_response");
	ud_msg_free(&m);
}

/* Each mutation makes the model invalid: ud_check and ud_encode refuse it. */
static void
test_encode_refuses(void **state)
{
	(void)state;
	for (int k = 0; k < 22; k++) {
		struct ud_msg m;
		struct ud_class *c;
		struct ud_error err;
		char *x = (char *)"unchanged";
		size_t len = 1;
		int want = UD_ERR_INVALID, rc;

		build_list_response(&m);
		c = &m.classes[0];
		switch (k) {
		case 0: free(c->issuer); c->issuer = NULL; c->issuer_len = 0;
			want = UD_ERR_ELEMENT; break;                     /* UD-55 */
		case 1: c->class_name[0] = '\0'; want = UD_ERR_VALUE; break;
		case 2: free(c->class_name); c->class_name = xstrdup(" DEFAULT");
			want = UD_ERR_VALUE; break;                       /* not a token */
		case 3: free(c->cert_url); c->cert_url = xstrdup("https://p.example/ca.cer");
			want = UD_ERR_URI; break;                         /* UD-52 */
		case 4: free(m.sender); m.sender = NULL; want = UD_ERR_PEER; break;   /* UD-45 */
		case 5: m.recipient[0] = '\0'; want = UD_ERR_PEER; break;
		case 6: m.type = UD_ISSUE_RESPONSE; c->ncerts = 1;
			assert_int_equal(ud_class_add_cert(c, &(struct ud_cert *){ NULL }), 0);
			want = UD_ERR_ELEMENT; break;                     /* UD-67: 2 certs */
		case 7: m.type = UD_TYPE_NONE; want = UD_ERR_TYPE; break;
		case 8: c->resource_set_notafter = (time_t)253402300800LL; /* year 10000 */
			want = UD_ERR_TIME; break;
		case 9: c->resource_set_ipv4.family = RES_IPV6; want = UD_ERR_RESOURCES; break;
		case 10: c->resource_set_as.inherit = true; want = UD_ERR_RESOURCES; break;
		case 11: c->certs[0].der_len = 3; want = UD_ERR_BASE64; break;
		case 12: c->issuer_len = UD_MAX_BASE64 + 1; want = UD_ERR_BASE64; break;
		case 13: c->suggested_sia_head = xstrdup("https://p.example/"); want = UD_ERR_URI; break;
		case 14: ud_msg_free(&m); m.sender = xstrdup("p"); m.recipient = xstrdup("c");
			m.type = UD_ERROR_RESPONSE; m.error.status = 10000;
			want = UD_ERR_STATUS; break;
		case 15: ud_msg_free(&m); m.sender = xstrdup("p"); m.recipient = xstrdup("c");
			m.type = UD_ERROR_RESPONSE; m.error.status = 2001;
			assert_int_equal(ud_msg_add_description(&m, "fr", "erreur"), 0);
			want = UD_ERR_VALUE; break;                       /* UD-120 */
		case 16: ud_msg_free(&m); m.sender = xstrdup("p"); m.recipient = xstrdup("c");
			m.type = UD_REVOKE_RESPONSE; m.key.class_name = xstrdup("A");
			m.key.ski = xstrdup("not-a-ski");
			want = UD_ERR_SKI; break;                         /* UD-110 */
		case 17: ud_msg_free(&m); m.sender = xstrdup("p"); m.recipient = xstrdup("c");
			m.type = UD_ISSUE; m.issue.class_name = xstrdup("A");
			want = UD_ERR_BASE64; break;                      /* no CSR */
		case 18: free(m.sender); m.sender = xstrdup("a\x01"); want = UD_ERR_PEER; break;
		case 19: free(m.sender); m.sender = xstrdup("\xff"); want = UD_ERR_PEER; break;
		case 20: ud_msg_free(&m); m.sender = xstrdup("p"); m.recipient = xstrdup("c");
			m.type = UD_ERROR_RESPONSE; m.error.status = 2001;
			assert_int_equal(ud_msg_add_description(&m, "en-US", "bad \x02"), 0);
			want = UD_ERR_VALUE; break;
		case 21: c->certs[0].req.as.present = true;
			c->certs[0].req.as.set.family = RES_IPV4;
			want = UD_ERR_RESOURCES; break;
		}
		rc = ud_check(&m, &err);
		if (rc != want)
			fail_msg("mutation %d: ud_check gave %d (%s), want %d", k, rc, err.reason, want);
		assert_int_equal(ud_encode(&m, &x, &len), want);
		assert_null(x);
		assert_int_equal(len, 0);
		ud_msg_free(&m);
	}
}

/* Every message type builds, encodes and decodes back (UD-43, UD-50). */
static void
test_build_all_types(void **state)
{
	struct ud_msg m;

	(void)state;
	ud_msg_init(&m);
	m.sender = xstrdup("child");
	m.recipient = xstrdup("parent");
	m.type = UD_LIST;
	tu_roundtrip(&m, "list");
	ud_msg_free(&m);

	ud_msg_init(&m);
	m.sender = xstrdup("parent");
	m.recipient = xstrdup("child");
	m.type = UD_LIST_RESPONSE; /* no classes (UD-51) */
	tu_roundtrip(&m, "empty list_response");
	ud_msg_free(&m);

	ud_msg_init(&m);
	m.sender = xstrdup("child");
	m.recipient = xstrdup("parent");
	m.type = UD_ISSUE;
	m.issue.class_name = xstrdup("DEFAULT");
	m.issue.req.as.present = true; /* "" : no AS numbers (UD-65) */
	m.issue.req.ipv6.present = true;
	parse_set(&m.issue.req.ipv6.set, RES_IPV6, "2001:db8::/48");
	m.issue.csr = bytes(1000, 0x5A);
	m.issue.csr_len = 1000;
	{
		char *x = NULL;
		size_t len = 0;

		assert_int_equal(ud_encode(&m, &x, &len), 0);
		/* Present sets only (UD-54, UD-65). */
		assert_non_null(strstr(x, "req_resource_set_as=\"\""));
		assert_null(strstr(x, "req_resource_set_ipv4"));
		assert_non_null(strstr(x, "req_resource_set_ipv6=\"2001:db8::/48\""));
		free(x);
	}
	tu_roundtrip(&m, "issue");
	ud_msg_free(&m);

	build_list_response(&m);
	m.type = UD_ISSUE_RESPONSE;
	tu_roundtrip(&m, "issue_response");
	ud_msg_free(&m);

	ud_msg_init(&m);
	m.sender = xstrdup("child");
	m.recipient = xstrdup("parent");
	m.type = UD_REVOKE;
	m.key.class_name = xstrdup("DEFAULT");
	m.key.ski = xstrdup("CfAUC3n7C_-o71S57D65i9DLnOw");
	tu_roundtrip(&m, "revoke");
	ud_msg_free(&m);

	ud_msg_init(&m);
	m.sender = xstrdup("parent");
	m.recipient = xstrdup("child");
	m.type = UD_ERROR_RESPONSE;
	m.error.status = 1201;
	assert_int_equal(ud_msg_add_description(&m, "en-US", "no such class: <x> & \"y\""), 0);
	assert_int_equal(ud_msg_add_description(&m, "de", "keine solche Klasse \xc3\xa4"), 0);
	tu_roundtrip(&m, "error_response");
	ud_msg_free(&m);
}

/* UD-43, UD-113, UD-121: replies swap the parties and pick the type. */
static void
test_replies(void **state)
{
	static const struct { enum ud_type req, resp; } pairs[] = {
		{ UD_LIST, UD_LIST_RESPONSE },
		{ UD_ISSUE, UD_ISSUE_RESPONSE },
		{ UD_REVOKE, UD_REVOKE_RESPONSE },
	};
	struct ud_msg req, rep;
	char *x = NULL;
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		ud_msg_init(&req);
		req.sender = xstrdup("child");
		req.recipient = xstrdup("parent");
		req.type = pairs[i].req;
		req.key.class_name = xstrdup("A");
		req.key.ski = xstrdup("IEANpSE1IUSDJq2v6dXpRW_iphY=");
		assert_int_equal(ud_type_response(pairs[i].req), pairs[i].resp);
		assert_int_equal(ud_reply_init(&rep, &req), 0);
		assert_int_equal(rep.type, pairs[i].resp);
		assert_string_equal(rep.sender, "parent");
		assert_string_equal(rep.recipient, "child");
		if (pairs[i].req == UD_REVOKE) {
			assert_string_equal(rep.key.class_name, "A");
			assert_string_equal(rep.key.ski, "IEANpSE1IUSDJq2v6dXpRW_iphY=");
			tu_roundtrip(&rep, "revoke_response");
		} else {
			assert_null(rep.key.ski);
		}
		ud_msg_free(&rep);
		ud_msg_free(&req);
	}
	/* A response is not a request. */
	ud_msg_init(&req);
	req.sender = xstrdup("child");
	req.recipient = xstrdup("parent");
	req.type = UD_LIST_RESPONSE;
	assert_int_equal(ud_reply_init(&rep, &req), UD_ERR_TYPE);
	ud_msg_free(&rep);
	assert_int_equal(ud_type_response(UD_LIST_RESPONSE), UD_TYPE_NONE);

	/* error_response even when the request's type was never known. */
	req.type = UD_TYPE_NONE;
	assert_int_equal(ud_error_reply(&rep, &req, UD_STATUS_BAD_TYPE,
	    ud_status_text(UD_STATUS_BAD_TYPE)), 0);
	assert_int_equal(rep.type, UD_ERROR_RESPONSE);
	assert_string_equal(rep.sender, "parent");
	assert_int_equal(rep.error.status, 1103);
	assert_int_equal(rep.error.ndesc, 1);
	assert_string_equal(rep.error.desc[0].lang, "en-US");
	assert_int_equal(ud_encode(&rep, &x, &len), 0);
	assert_non_null(strstr(x, "<status>1103</status>"));
	assert_non_null(strstr(x, "<description xml:lang=\"en-US\">unrecognized request type</description>"));
	free(x);
	ud_msg_free(&rep);
	/* Without description, and with bad arguments. */
	assert_int_equal(ud_error_reply(&rep, &req, 2001, NULL), 0);
	assert_int_equal(rep.error.ndesc, 0);
	tu_roundtrip(&rep, "bare error_response");
	ud_msg_free(&rep);
	assert_int_equal(ud_error_reply(&rep, &req, 0, NULL), UD_ERR_INVALID);
	ud_msg_free(&rep);
	free(req.sender);
	req.sender = NULL;
	assert_int_equal(ud_error_reply(&rep, &req, 2001, NULL), UD_ERR_PEER);
	ud_msg_free(&rep);
	ud_msg_free(&req);
}

#define SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)

/* UD-110: SHA-1 of the subjectPublicKey of the rpki.net ISP5a certificate. */
static void
test_ski_from_certificate(void **state)
{
	struct ud_error err;
	struct ud_msg m;
	mbedtls_asn1_buf alg, params;
	unsigned char *p, *end;
	char ski[UD_SKI_SIZE];
	uint8_t raw[UD_SKI_BYTES];
	size_t len, blen;
	char *buf = tu_read("interop/rpki.net/ca/tests/up-down-protocol-samples/list_response.xml",
	    &len);

	(void)state;
	assert_int_equal(ud_decode(buf, len, &m, &err), 0);
	/*
	 * Walk to subjectPublicKeyInfo by hand (RFC 5280 section 4.1): mbed
	 * TLS 2.28's X.509 parser refuses the critical RFC 3779 extensions.
	 */
	p = m.classes[0].certs[0].der;
	end = p + m.classes[0].certs[0].der_len;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &blen, SEQ), 0);     /* Certificate */
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &blen, SEQ), 0);     /* TBSCertificate */
	end = p + blen;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &blen,
	    MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED), 0); /* [0] version */
	p += blen;
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &blen, MBEDTLS_ASN1_INTEGER), 0);
	p += blen;
	for (int i = 0; i < 4; i++) { /* signature, issuer, validity, subject */
		assert_int_equal(mbedtls_asn1_get_tag(&p, end, &blen, SEQ), 0);
		p += blen;
	}
	assert_int_equal(mbedtls_asn1_get_tag(&p, end, &blen, SEQ), 0);     /* SPKI */
	end = p + blen;
	assert_int_equal(mbedtls_asn1_get_alg(&p, end, &alg, &params), 0);
	assert_int_equal(mbedtls_asn1_get_bitstring_null(&p, end, &blen), 0);
	assert_int_equal(ud_ski_from_key(p, blen, ski), 0);
	/* The ski rpki.net's revoke.xml sends for this key. */
	assert_string_equal(ski, "CfAUC3n7C_-o71S57D65i9DLnOw");
	assert_int_equal(strlen(ski), UD_SKI_SIZE - 1);
	assert_int_equal(ud_ski_decode(ski, raw), 0);
	assert_int_equal(raw[0], 0x09);
	assert_int_equal(raw[19], 0xEC);
	assert_int_equal(ud_ski_from_key(NULL, 0, ski), UD_ERR_INVALID);
	ud_msg_free(&m);
	free(buf);
}

static void
test_ski_decode(void **state)
{
	static const char *const bad[] = {
		"", "CfAUC3n7C_-o71S57D65i9DLnO", "CfAUC3n7C_-o71S57D65i9DLnOw==",
		"CfAUC3n7C_-o71S57D65i9DLnOwA", "CfAUC3n7C+/o71S57D65i9DLnOw",
		"CfAUC3n7C_-o71S57D65i9DLnOx", "CfAUC3n7C_-o71S57D65i9DLn w",
		"CfAUC3n7C_-o71S57D65i9DLnOwx",
	};
	uint8_t a[UD_SKI_BYTES], b[UD_SKI_BYTES];

	(void)state;
	assert_int_equal(ud_ski_decode("CfAUC3n7C_-o71S57D65i9DLnOw", a), 0);
	assert_int_equal(ud_ski_decode("CfAUC3n7C_-o71S57D65i9DLnOw=", b), 0);
	assert_memory_equal(a, b, sizeof(a));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ud_ski_decode(bad[i], a) != UD_ERR_SKI)
			fail_msg("ski \"%s\" accepted", bad[i]);
	assert_int_equal(ud_ski_decode(NULL, a), UD_ERR_SKI);
}

/* UD-52: resource_set_notafter is exactly YYYY-MM-DDThh:mm:ssZ. */
static void
test_time(void **state)
{
	static const struct { const char *text; long long t; } good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2011-04-01T12:34:56Z", 1301661296LL },
		{ "2024-02-29T23:59:59Z", 1709251199LL },
		{ "2000-02-29T00:00:00Z", 951782400LL },
		{ "1969-12-31T23:59:59Z", -1 },
		{ "0001-01-01T00:00:00Z", -62135596800LL },
		{ "9999-12-31T23:59:59Z", 253402300799LL },
		{ "2038-01-19T03:14:08Z", 2147483648LL },
	};
	static const char *const bad[] = {
		"2011-04-01T12:34:56", "2011-04-01T12:34:56z", "2011-04-01t12:34:56Z",
		"2011-4-01T12:34:56Z", "2011-04-01T12:34:60Z", "2011-04-01T24:00:00Z",
		"2011-13-01T00:00:00Z", "2011-00-01T00:00:00Z", "2011-04-00T00:00:00Z",
		"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "0000-01-01T00:00:00Z",
		"2011-04-31T00:00:00Z", "+011-04-01T12:34:56Z", "2011-04-01T12:34:5 Z",
		"2011-04-01T12:34:56.0Z", "",
	};
	char out[UD_TIME_SIZE];
	time_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (ud_time_parse(good[i].text, strlen(good[i].text), &t) != 0)
			fail_msg("%s refused", good[i].text);
		assert_int_equal((long long)t, good[i].t);
		assert_int_equal(ud_time_format(t, out), 0);
		assert_string_equal(out, good[i].text);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ud_time_parse(bad[i], strlen(bad[i]), &t) != UD_ERR_TIME)
			fail_msg("%s accepted", bad[i]);
	assert_int_equal(ud_time_format((time_t)-62135596801LL, out), UD_ERR_TIME);
	assert_int_equal(ud_time_format((time_t)253402300800LL, out), UD_ERR_TIME);
	/* Every day boundary of a leap year round-trips. */
	for (long long d = 0; d < 366 * 3; d++) {
		assert_int_equal(ud_time_format((time_t)(1704067200LL + d * 86400 + 3661), out), 0);
		assert_int_equal(ud_time_parse(out, 20, &t), 0);
		assert_int_equal((long long)t, 1704067200LL + d * 86400 + 3661);
	}
}

/* Builders stop at the limits; names and texts for every code. */
static void
test_builders_and_names(void **state)
{
	static const int codes[] = {
		UD_ERR_XML, UD_ERR_ROOT, UD_ERR_PEER, UD_ERR_VERSION, UD_ERR_TYPE,
		UD_ERR_ELEMENT, UD_ERR_ATTR, UD_ERR_VALUE, UD_ERR_BASE64, UD_ERR_RESOURCES,
		UD_ERR_TIME, UD_ERR_URI, UD_ERR_SKI, UD_ERR_STATUS, UD_ERR_LIMIT,
		UD_ERR_NOMEM, UD_ERR_INVALID,
	};
	static const unsigned known[] = {
		1101, 1102, 1103, 1104, 1201, 1202, 1203, 1204, 1301, 1302, 2001,
	};
	struct ud_msg m;

	(void)state;
	ud_msg_init(&m);
	for (int i = 0; i < UD_MAX_DESCRIPTIONS; i++)
		assert_int_equal(ud_msg_add_description(&m, "en-US", "x"), 0);
	assert_int_equal(ud_msg_add_description(&m, "en-US", "x"), UD_ERR_LIMIT);
	assert_int_equal(ud_msg_add_description(&m, NULL, "x"), UD_ERR_INVALID);
	for (int i = 0; i < UD_MAX_CLASSES; i++) {
		struct ud_class *c;
		assert_int_equal(ud_msg_add_class(&m, &c), 0);
	}
	{
		struct ud_class *c;
		struct ud_cert *ce;
		assert_int_equal(ud_msg_add_class(&m, &c), UD_ERR_LIMIT);
		assert_null(c);
		for (int i = 0; i < UD_MAX_CERTS; i++)
			assert_int_equal(ud_class_add_cert(&m.classes[0], &ce), 0);
		assert_int_equal(ud_class_add_cert(&m.classes[0], &ce), UD_ERR_LIMIT);
	}
	ud_msg_free(&m);
	ud_msg_free(NULL);
	assert_null(m.classes);
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_true(codes[i] <= -0x0300 && codes[i] >= -0x03FF);
		assert_string_not_equal(ud_strerror(codes[i]), ud_strerror(-1));
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_true(ud_status_known(known[i]));
		assert_non_null(ud_status_text(known[i]));
	}
	assert_false(ud_status_known(0));
	assert_false(ud_status_known(1105));
	assert_false(ud_status_known(9999));
	assert_string_equal(ud_type_name(UD_ISSUE_RESPONSE), "issue_response");
	assert_null(ud_type_name(UD_TYPE_NONE));
	assert_null(ud_type_name((enum ud_type)99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_golden),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_build_all_types),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_ski_from_certificate),
		cmocka_unit_test(test_ski_decode),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_builders_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
