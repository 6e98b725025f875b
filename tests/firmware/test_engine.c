/*
 * The issuer engine: list, issue and revoke semantics and every error code
 * after authentication, checked on the signed replies and on the real
 * certificates, CRL and publication point (RFC 6492 3.3..3.6).
 *
 * UD items: UD-43, UD-51, UD-52, UD-54, UD-55, UD-56, UD-57, UD-61, UD-62,
 * UD-63, UD-64, UD-65, UD-66, UD-67, UD-68, UD-69, UD-83, UD-100, UD-111,
 * UD-112, UD-113, UD-114, UD-115, UD-121, UD-122, UD-133, UD-140, UD-142,
 * UD-41, UD-42, UD-44 (1102/1103 after authentication).
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

#include "fixture.h"
#include "proto/cms.h"

/* The entitlements' notafter: 200 days ahead, inside our certificate's year. */
static char NOTAFTER_S[UD_TIME_SIZE];
#define NOTAFTER NOTAFTER_S

/* CA holdings for every test here. */
#define CA_AS "64496-64511"
#define CA_V4 "192.0.2.0/24,198.51.100.0/24"
#define CA_V6 "2001:db8::/32"

static struct ef F;

static int
setup(void **state)
{
	(void)state;
	ef_init(&F, NULL, "sem", time(NULL), CA_AS, CA_V4, CA_V6);
	assert_int_equal(ud_time_format(F.now + 200 * EF_DAY, NOTAFTER_S), 0);
	ef_open(&F, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ef_fini(&F);
	return 0;
}

/* Two children: a with AS + v4 + v6, b with v4 only; "nobody" has nothing. */
static void
two_children(struct ef_child **a, struct ef_child **b)
{
	*a = ef_child_add(&F, "child-a");
	*b = ef_child_add(&F, "child-b");
	ef_child_add(&F, "nobody");
	assert_int_equal(ef_table(&F, false, NULL,
	    "version 1\nclass " EF_CLASS "\nchild child-a\nchild child-b\nchild nobody\n"
	    "grant child-a " EF_CLASS " as=64496-64500 ipv4=192.0.2.0/25 "
	    "ipv6=2001:db8::/48 notafter=%s\n"
	    "grant child-b " EF_CLASS " ipv4=198.51.100.0/24,203.0.113.0/24 "
	    "notafter=%s\n", NOTAFTER, NOTAFTER), 0);
}

static time_t
notafter(void)
{
	time_t t = 0;

	assert_int_equal(ud_time_parse(NOTAFTER, strlen(NOTAFTER), &t), 0);
	return t;
}

/* UD-51, UD-52, UD-55, UD-56, UD-57: classes, sets, notafter, issuer. */
static void
test_list_entitlement(void **state)
{
	struct ef_child *a, *b, *nobody;
	struct ud_msg m;
	char *t = NULL;

	(void)state;
	two_children(&a, &b);
	nobody = &F.child[2];
	ef_list(&F, a, &m);
	assert_int_equal(m.nclasses, 1);
	assert_string_equal(m.classes[0].class_name, EF_CLASS);
	assert_string_equal(m.classes[0].cert_url, EF_TA_URI);         /* UD-52, UD-133 */
	assert_int_equal(res_set_print(&m.classes[0].resource_set_as, &t), 0);
	assert_string_equal(t, "64496-64500");
	free(t);
	assert_int_equal(m.classes[0].resource_set_notafter, notafter()); /* UD-56 */
	assert_int_equal(m.classes[0].issuer_len, F.ca_len);             /* UD-55 */
	assert_memory_equal(m.classes[0].issuer, F.ca, F.ca_len);
	assert_int_equal(m.classes[0].ncerts, 0);
	ud_msg_free(&m);

	/* UD-57: 203.0.113.0/24 is not ours: entitlement ∩ holdings. */
	ef_list(&F, b, &m);
	assert_int_equal(m.nclasses, 1);
	assert_int_equal(res_set_print(&m.classes[0].resource_set_ipv4, &t), 0);
	assert_string_equal(t, "198.51.100.0/24");
	free(t);
	assert_true(res_set_is_empty(&m.classes[0].resource_set_as));
	assert_true(res_set_is_empty(&m.classes[0].resource_set_ipv6));
	ud_msg_free(&m);

	/* UD-51: no resources, no class; an empty list_response is legal. */
	ef_list(&F, nobody, &m);
	assert_int_equal(m.nclasses, 0);
	ud_msg_free(&m);

	/* UD-56: the same notafter on every poll. */
	F.now += 10;
	ef_list(&F, a, &m);
	assert_int_equal(m.classes[0].resource_set_notafter, notafter());
	ud_msg_free(&m);
}

/* UD-60, UD-65, UD-67, UD-68, UD-83, UD-142: a full issue, checked on the certificate. */
static void
test_issue_basic(void **state)
{
	struct ef_child *a, *b;
	struct ef_key *k = ef_key(32);
	struct ud_msg m;
	struct ef_cert ec;
	unsigned char *pub;
	size_t len = 0;
	char file[64], uri[200], repo[200];

	(void)state;
	two_children(&a, &b);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, k, NULL, NULL, NULL, &m), 0);
	/* UD-67: the class with exactly one certificate, plus issuer and notafter. */
	assert_int_equal(m.nclasses, 1);
	assert_int_equal(m.classes[0].ncerts, 1);
	assert_string_equal(m.classes[0].class_name, EF_CLASS);
	assert_int_equal(m.classes[0].resource_set_notafter, notafter());
	assert_memory_equal(m.classes[0].issuer, F.ca, F.ca_len);
	snprintf(file, sizeof(file), "%s.cer", k->gski);
	snprintf(uri, sizeof(uri), "%s%s", EF_TA_REPO, file);
	assert_string_equal(m.classes[0].certs[0].cert_url, uri);   /* UD-133, UD-142 */
	assert_false(m.classes[0].certs[0].req.as.present);
	ef_cert_parse(&F, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &ec);
	assert_true(ec.sig_ok);
	/* UD-65: no limits: everything entitled (∩ holdings). */
	ef_assert_res(&ec.res, "64496-64500", "192.0.2.0/25", "2001:db8::/48");
	assert_int_equal(ec.not_after, notafter());                 /* UD-83 */
	assert_true(ec.not_before <= F.now);
	assert_memory_equal(ec.ski, k->ski, 20);
	snprintf(repo, sizeof(repo), "%s%s-%d/", EF_HOST, a->handle, k->index);
	assert_string_equal(ec.sia_repo, repo);                     /* UD-93 */
	/* UD-68: published before the answer, byte for byte. */
	pub = ef_published(&F, file, &len);
	assert_non_null(pub);
	assert_int_equal(len, m.classes[0].certs[0].der_len);
	assert_memory_equal(pub, m.classes[0].certs[0].der, len);
	free(pub);
	ef_cert_free(&ec);
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&F), 1);

	/* The next list shows it (UD-54). */
	ef_list(&F, a, &m);
	assert_int_equal(m.classes[0].ncerts, 1);
	assert_string_equal(m.classes[0].certs[0].cert_url, uri);
	ud_msg_free(&m);
}

/* The audit chain holds one record per signature with the CA key (UD-162). */
struct audit_seen {
	uint64_t serial;
	bool issue, crl, manifest, ee;
};

static int
audit_cb(void *arg, const struct audit_record *r)
{
	struct audit_seen *a = arg;

	if (r->kind == AUDIT_ISSUE && r->has_serial && r->serial == a->serial && r->has_digest &&
	    r->child != NULL && strcmp(r->child, "child-a") == 0 && r->resources != NULL)
		a->issue = true;
	a->crl |= r->kind == AUDIT_CRL && r->class_name != NULL;
	a->manifest |= r->kind == AUDIT_MANIFEST;
	a->ee |= r->kind == AUDIT_EE && r->has_serial;
	return 0;
}

static void
test_issue_audit(void **state)
{
	struct ef_child *a, *b;
	struct ud_msg m;
	struct ef_cert ec;
	struct audit_seen seen;
	struct audit_report ar;

	(void)state;
	two_children(&a, &b);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	ef_cert_parse(&F, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &ec);
	ud_msg_free(&m);
	memset(&seen, 0, sizeof(seen));
	seen.serial = ec.serial;
	assert_int_equal(store_audit_foreach(F.store, 1, audit_cb, &seen), 0);
	assert_true(seen.issue);
	assert_true(seen.crl);
	assert_true(seen.manifest);
	assert_true(seen.ee);
	assert_int_equal(store_audit_verify(F.store, &ar), 0);
	ef_cert_free(&ec);
}

/* UD-65, UD-54: request limits narrow the grant and are echoed exactly. */
static void
test_issue_limits(void **state)
{
	struct ef_child *a, *b;
	struct ud_msg m;
	struct ef_cert ec;
	char *t = NULL;

	(void)state;
	two_children(&a, &b);
	/* as absent (= all), ipv4 a subset plus foreign space, ipv6 "" (= none). */
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL,
	    "192.0.2.0/26,10.0.0.0/8", "", &m), 0);
	ef_cert_parse(&F, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &ec);
	ef_assert_res(&ec.res, "64496-64500", "192.0.2.0/26", "");
	ef_cert_free(&ec);
	ud_msg_free(&m);
	ef_list(&F, a, &m);
	assert_int_equal(m.classes[0].ncerts, 1);
	assert_false(m.classes[0].certs[0].req.as.present);           /* UD-54: absent stays absent */
	assert_true(m.classes[0].certs[0].req.ipv4.present);
	assert_int_equal(res_set_print(&m.classes[0].certs[0].req.ipv4.set, &t), 0);
	assert_string_equal(t, "10.0.0.0/8,192.0.2.0/26");            /* as requested */
	free(t);
	assert_true(m.classes[0].certs[0].req.ipv6.present);
	assert_true(res_set_is_empty(&m.classes[0].certs[0].req.ipv6.set));
	ud_msg_free(&m);

	/* UD-62 practice: a request that overlaps nothing is 1202; UD-69 no empty certificate. */
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(33), "", "10.0.0.0/8", "", &m),
	    UD_STATUS_NO_RESOURCES);
	ud_msg_free(&m);
}

/* UD-61, UD-62, UD-63, UD-64, UD-115: 1201, 1202, 1203, 1204. */
static void
test_issue_errors(void **state)
{
	struct ef_child *a, *b, *nobody;
	struct engine_response resp;
	struct ud_msg m;
	unsigned char *csr, *cms;
	size_t csr_len = 0, len = 0;
	char *xml;

	(void)state;
	two_children(&a, &b);
	nobody = &F.child[2];
	assert_int_equal(ef_issue(&F, a, "NO-SUCH-CLASS", ef_key(32), NULL, NULL, NULL, &m),
	    UD_STATUS_NO_CLASS);                                       /* UD-61 */
	assert_int_equal(m.error.ndesc, 1);
	assert_string_equal(m.error.desc[0].lang, "en-US");           /* UD-120 */
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&F, nobody, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m),
	    UD_STATUS_NO_RESOURCES);                                   /* UD-62 */
	ud_msg_free(&m);

	/* UD-63: a request whose signature does not verify gets 1203 with the reason. */
	csr = ef_csr(a, ef_key(32), &csr_len);
	csr[csr_len - 5] ^= 0x40;
	xml = ef_xml_issue(a->handle, EF_CLASS, csr, csr_len, NULL, NULL, NULL);
	cms = ef_cms(a, xml, strlen(xml), F.now, &len);
	ef_send(&F, cms, len, &resp);
	ud_msg_init(&m);
	ef_reply(&F, a, &resp, &m);
	assert_int_equal(m.type, UD_ERROR_RESPONSE);
	assert_int_equal(m.error.status, UD_STATUS_BAD_CSR);
	assert_non_null(strstr(m.error.desc[0].text, "6487"));
	ud_msg_free(&m);
	engine_response_free(&resp);
	free(cms);
	free(xml);
	free(csr);

	/* UD-64: key of another child; key in another class is covered in test_engine_alloc. */
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&F, b, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m),
	    UD_STATUS_KEY_REUSED);
	ud_msg_free(&m);
	/* UD-64 practice: one of our own keys (the CA key, the BPKI EE key). */
	{
		struct ef_key own;

		memset(&own, 0, sizeof(own));
		own = *ef_key(0);
		assert_int_equal(ef_issue(&F, a, EF_CLASS, &own, NULL, NULL, NULL, &m),
		    UD_STATUS_KEY_REUSED);
		ud_msg_free(&m);
		own = *ef_key(2);
		assert_int_equal(ef_issue(&F, a, EF_CLASS, &own, NULL, NULL, NULL, &m),
		    UD_STATUS_KEY_REUSED);
		ud_msg_free(&m);
	}
	/* UD-115: a key the child revoked is used. */
	assert_int_equal(ef_revoke(&F, a, EF_CLASS, ef_key(32)->gski, &m), 0);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m),
	    UD_STATUS_KEY_REUSED);
	ud_msg_free(&m);
	/* The store holds exactly the one certificate, now revoked. */
	assert_int_equal(ef_check_publication(&F), 0);
}

/* UD-66, UD-140: same key again replaces (same name, old revoked); a new key adds one. */
static void
test_issue_replace_and_roll(void **state)
{
	struct ef_child *a, *b;
	struct ud_msg m;
	struct ef_cert c1, c2, c3;

	(void)state;
	two_children(&a, &b);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	ef_cert_parse(&F, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &c1);
	ud_msg_free(&m);
	F.now += 1;
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), "64496", NULL, NULL, &m), 0);
	ef_cert_parse(&F, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &c2);
	ud_msg_free(&m);
	assert_true(c2.serial != c1.serial);                           /* UD-80 fresh serial */
	ef_assert_res(&c2.res, "64496", "192.0.2.0/25", "2001:db8::/48");
	assert_true(ef_crl_has(&F, c1.serial));                         /* UD-66: claimed more */
	assert_false(ef_crl_has(&F, c2.serial));
	/* UD-140: a second key in the same class while the first is current. */
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(33), NULL, NULL, NULL, &m), 0);
	ef_cert_parse(&F, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &c3);
	ud_msg_free(&m);
	ef_list(&F, a, &m);
	assert_int_equal(m.classes[0].ncerts, 2);                      /* one per key (UD-54) */
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&F), 2);
	ef_cert_free(&c1);
	ef_cert_free(&c2);
	ef_cert_free(&c3);
}

/* UD-110..UD-114: revoke semantics and codes. */
static void
test_revoke(void **state)
{
	struct ef_child *a, *b;
	struct ud_msg m;
	struct ef_cert c1;
	char padded[UD_SKI_SIZE + 1], file[64];
	unsigned char *pub;
	size_t len;

	(void)state;
	two_children(&a, &b);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	ef_cert_parse(&F, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &c1);
	ud_msg_free(&m);
	/* UD-111: unknown class 1301; a key never issued to this child 1302. */
	assert_int_equal(ef_revoke(&F, a, "NOPE", ef_key(32)->gski, &m),
	    UD_STATUS_REVOKE_NO_CLASS);
	ud_msg_free(&m);
	assert_int_equal(ef_revoke(&F, a, EF_CLASS, ef_key(33)->gski, &m),
	    UD_STATUS_REVOKE_NO_KEY);
	ud_msg_free(&m);
	/* UD-112: another child cannot revoke a's key. */
	assert_int_equal(ef_revoke(&F, b, EF_CLASS, ef_key(32)->gski, &m),
	    UD_STATUS_REVOKE_NO_KEY);
	ud_msg_free(&m);
	assert_false(ef_crl_has(&F, c1.serial));
	/* UD-110: a padded ski is the same key; UD-113: echoed as sent. */
	snprintf(padded, sizeof(padded), "%s=", ef_key(32)->gski);
	assert_int_equal(ef_revoke(&F, a, EF_CLASS, padded, &m), 0);
	assert_string_equal(m.key.class_name, EF_CLASS);
	assert_string_equal(m.key.ski, padded);
	ud_msg_free(&m);
	assert_true(ef_crl_has(&F, c1.serial));                          /* UD-112: on the CRL */
	snprintf(file, sizeof(file), "%s.cer", ef_key(32)->gski);
	pub = ef_published(&F, file, &len);
	assert_null(pub);                                                /* withdrawn */
	ef_list(&F, a, &m);
	assert_int_equal(m.classes[0].ncerts, 0);                        /* UD-54: none current */
	ud_msg_free(&m);
	/* UD-114: again: revoke_response, not 1302. */
	assert_int_equal(ef_revoke(&F, a, EF_CLASS, ef_key(32)->gski, &m), 0);
	assert_string_equal(m.key.ski, ef_key(32)->gski);
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&F), 0);
	ef_cert_free(&c1);
}

/* UD-41, UD-42 (after authentication): 1102 and 1103, signed. */
static void
test_version_and_type(void **state)
{
	struct ef_child *a, *b;
	struct engine_response resp;
	struct ud_msg m;
	unsigned char *cms;
	size_t len = 0;
	const char *v2 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"2\" "
	    "sender=\"child-a\" recipient=\"" EF_HANDLE "\" type=\"list\"/>\n";
	const char *bad_type = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\" version=\"1\" "
	    "sender=\"child-a\" recipient=\"" EF_HANDLE "\" type=\"list_response\"/>\n";

	(void)state;
	two_children(&a, &b);
	cms = ef_cms(a, v2, strlen(v2), F.now, &len);
	ef_send(&F, cms, len, &resp);
	ud_msg_init(&m);
	ef_reply(&F, a, &resp, &m);
	assert_int_equal(m.type, UD_ERROR_RESPONSE);
	assert_int_equal(m.error.status, UD_STATUS_VERSION);
	ud_msg_free(&m);
	engine_response_free(&resp);
	free(cms);
	cms = ef_cms(a, bad_type, strlen(bad_type), F.now, &len);
	ef_send(&F, cms, len, &resp);
	ud_msg_init(&m);
	ef_reply(&F, a, &resp, &m);
	assert_int_equal(m.type, UD_ERROR_RESPONSE);
	assert_int_equal(m.error.status, UD_STATUS_BAD_TYPE);
	ud_msg_free(&m);
	engine_response_free(&resp);
	free(cms);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_entitlement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_replace_and_roll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_and_type, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	ef_pool_free();
	return rc;
}
