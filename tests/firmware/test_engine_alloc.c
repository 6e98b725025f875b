/*
 * Allocations drive issuance: the cascade shrink, grow, notafter change,
 * removal, holdings change, each followed by the referees (rpki-client 8.2
 * and FORT 1.5.4 through tests/referees/run-referees) and an over-claim
 * check of every published certificate; the safety brake, the grace
 * period, the periodic reconciliation, table refusals, two classes.
 *
 * UD items: UD-51, UD-54, UD-57, UD-62, UD-64, UD-69, UD-83, UD-100,
 * UD-101, UD-102, UD-103, UD-104, UD-105, UD-106, UD-112, UD-130,
 * UD-131, UD-142, UD-152, UD-155.
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

#define CA_AS "64496-64511"
#define CA_V4 "192.0.2.0/24,198.51.100.0/24"
#define CA_V6 "2001:db8::/32"

static struct ef F;
static char NA1[UD_TIME_SIZE], NA2[UD_TIME_SIZE];

static int
setup(void **state)
{
	(void)state;
	ef_init(&F, NULL, "alloc", time(NULL), CA_AS, CA_V4, CA_V6);
	assert_int_equal(ud_time_format(F.now + 200 * EF_DAY, NA1), 0);
	assert_int_equal(ud_time_format(F.now + 150 * EF_DAY, NA2), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ef_fini(&F);
	return 0;
}

/* The store holds child handle with want's BPKI TA (want NULL: no such child). */
static void
stored_ta_is(const char *handle, const struct ef_child *want)
{
	struct store_child sc;
	int rc;

	memset(&sc, 0, sizeof(sc));
	rc = store_child_get(F.store, handle, &sc);
	if (want == NULL) {
		assert_int_equal(rc, STORE_ERR_NOT_FOUND);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(sc.bpki_ta_len, want->ta_len);
	assert_memory_equal(sc.bpki_ta, want->ta, want->ta_len);
	store_child_free(&sc);
}

/* The certificate the last reply carried, parsed. */
static void
only_cert(const struct ud_msg *m, struct ef_cert *c)
{
	assert_int_equal(m->nclasses, 1);
	assert_int_equal(m->classes[0].ncerts, 1);
	ef_cert_parse(&F, m->classes[0].certs[0].der, m->classes[0].certs[0].der_len, c);
	assert_true(c->sig_ok);
}

/* list for child c: exactly one certificate, returned parsed. */
static void
listed(struct ef_child *c, struct ef_cert *out)
{
	struct ud_msg m;

	ef_list(&F, c, &m);
	only_cert(&m, out);
	ud_msg_free(&m);
}

/* Referees accept everything and the expected certificates (by key). */
static void
referees_ok(const char *step, struct ef_key **keys, size_t n)
{
	char *out = NULL, line[300];
	size_t i;
	int st = ef_referees(&F, step, &out);

	if (st < 0)
		return;                 /* not installed: skipped (printed) */
	assert_int_equal(st, 0);
	assert_int_equal(ef_count(out, ": PASS ("), 2);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "CERT rpki-client OK %s%s.cer\n", EF_TA_REPO,
		    keys[i]->gski);
		assert_non_null(strstr(out, line));
		snprintf(line, sizeof(line), "CERT fort OK %s%s.cer\n", EF_TA_REPO, keys[i]->gski);
		assert_non_null(strstr(out, line));
	}
	free(out);
}

static void
report_is(const struct engine_report *r, size_t reissued, size_t shrunk, size_t revoked,
          size_t scheduled)
{
	if (r->reissued != reissued || r->shrunk != shrunk || r->revoked != revoked ||
	    r->scheduled != scheduled)
		fail_msg("report: %s (want reissued %zu shrunk %zu revoked %zu scheduled %zu)",
		    r->msg, reissued, shrunk, revoked, scheduled);
}

/* The cascade, end to end (UD-100..UD-105), judged by the referees after each step. */
static void
test_cascade(void **state)
{
	struct ef_child *a, *b, *c;
	struct ef_key *ka = ef_key(32), *kb = ef_key(33), *kc = ef_key(34);
	struct ef_key *all[3] = { ka, kb, kc };
	struct engine_report rep;
	struct ud_msg m;
	struct ef_cert c0, c1, cb, cc, cc2;
	struct engine_options o;
	time_t na2 = 0;

	(void)state;
	/*
	 * The referees use the real clock and each step moves F.now on by a
	 * second; date CRLs, manifests and certificates 5 minutes back (UD-83
	 * allows the deviation, Krill does the same).
	 */
	memset(&o, 0, sizeof(o));
	o.backdate = 300;
	ef_open(&F, &o);
	a = ef_child_add(&F, "isp-a");
	b = ef_child_add(&F, "isp-b");
	c = ef_child_add(&F, "isp-c");
	assert_int_equal(ef_table(&F, false, &rep, "version 1\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\nchild isp-c\n"
	    "grant isp-a " EF_CLASS " as=64496-64499 ipv4=192.0.2.0/25 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=198.51.100.0/25 notafter=%s\n"
	    "grant isp-c " EF_CLASS " as=64500 ipv6=2001:db8::/48 notafter=%s\n",
	    NA1, NA1, NA1), 0);
	assert_int_equal(rep.current, 0);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ka, NULL, NULL, NULL, &m), 0);
	only_cert(&m, &c0);
	ef_assert_res(&c0.res, "64496-64499", "192.0.2.0/25", "");
	ud_msg_free(&m);
	/* b limits its request to one /26 of its /25 (UD-65). */
	assert_int_equal(ef_issue(&F, b, EF_CLASS, kb, NULL, "198.51.100.0/26", NULL, &m), 0);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&F, c, EF_CLASS, kc, NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&F), 3);
	referees_ok("0-issued", all, 3);

	/* 1. Shrink (UD-101): a's ipv4 to a /26: re-issued smaller, old one revoked. */
	F.now += 1;
	assert_int_equal(ef_table(&F, false, &rep, "version 2\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\nchild isp-c\n"
	    "grant isp-a " EF_CLASS " as=64496-64499 ipv4=192.0.2.0/26 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=198.51.100.0/25 notafter=%s\n"
	    "grant isp-c " EF_CLASS " as=64500 ipv6=2001:db8::/48 notafter=%s\n",
	    NA1, NA1, NA1), 0);
	report_is(&rep, 0, 1, 0, 0);
	assert_int_equal(rep.unchanged, 2);
	listed(a, &c1);                                   /* the next list shows it */
	ef_assert_res(&c1.res, "64496-64499", "192.0.2.0/26", "");
	assert_true(c1.serial != c0.serial);
	assert_memory_equal(c1.ski, ka->ski, 20);        /* same key ... */
	assert_string_equal(c1.sia_repo, c0.sia_repo);   /* ... same SIA */
	assert_true(ef_crl_has(&F, c0.serial));
	assert_int_equal(ef_check_publication(&F), 3);
	referees_ok("1-shrink", all, 3);
	ef_cert_free(&c0);

	/* 2. Grow (UD-102): a (no limits) grows; b (limited) keeps its /26. */
	F.now += 1;
	assert_int_equal(ef_table(&F, false, &rep, "version 3\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\nchild isp-c\n"
	    "grant isp-a " EF_CLASS " as=64496-64499 ipv4=192.0.2.0/24 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=198.51.100.0/24 notafter=%s\n"
	    "grant isp-c " EF_CLASS " as=64500 ipv6=2001:db8::/48 notafter=%s\n",
	    NA1, NA1, NA1), 0);
	report_is(&rep, 1, 0, 0, 0);
	listed(a, &c0);
	ef_assert_res(&c0.res, "64496-64499", "192.0.2.0/24", "");
	listed(b, &cb);
	ef_assert_res(&cb.res, "", "198.51.100.0/26", "");
	assert_int_equal(ef_check_publication(&F), 3);
	referees_ok("2-grow", all, 3);
	ef_cert_free(&c0);
	ef_cert_free(&c1);
	ef_cert_free(&cb);

	/* 3. notafter moves (UD-83): c re-issued with the new notAfter. */
	F.now += 1;
	listed(c, &cc);
	assert_int_equal(ef_table(&F, false, &rep, "version 4\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\nchild isp-c\n"
	    "grant isp-a " EF_CLASS " as=64496-64499 ipv4=192.0.2.0/24 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=198.51.100.0/24 notafter=%s\n"
	    "grant isp-c " EF_CLASS " as=64500 ipv6=2001:db8::/48 notafter=%s\n",
	    NA1, NA1, NA2), 0);
	report_is(&rep, 1, 0, 0, 0);
	listed(c, &cc2);
	assert_int_equal(ud_time_parse(NA2, strlen(NA2), &na2), 0);
	assert_int_equal(cc2.not_after, na2);
	ef_assert_res(&cc2.res, "64500", "", "2001:db8::/48");
	assert_true(ef_crl_has(&F, cc.serial));
	ef_list(&F, c, &m);
	assert_int_equal(m.classes[0].resource_set_notafter, na2);
	ud_msg_free(&m);
	referees_ok("3-notafter", all, 3);
	ef_cert_free(&cc);

	/* 4. Removal (UD-105): c's entitlement gone: revoked, withdrawn, class dropped, 1202. */
	F.now += 1;
	assert_int_equal(ef_table(&F, false, &rep, "version 5\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\nchild isp-c\n"
	    "grant isp-a " EF_CLASS " as=64496-64499 ipv4=192.0.2.0/24 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=198.51.100.0/24 notafter=%s\n", NA1, NA1), 0);
	report_is(&rep, 0, 0, 1, 0);
	assert_true(ef_crl_has(&F, cc2.serial));
	ef_list(&F, c, &m);
	assert_int_equal(m.nclasses, 0);                 /* UD-51 */
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&F, c, EF_CLASS, ef_key(35), NULL, NULL, NULL, &m),
	    UD_STATUS_NO_RESOURCES);
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&F), 2);
	referees_ok("4-removed", all, 2);
	ef_cert_free(&cc2);

	/* 5. Our holdings change (UD-100): 198.51.100.0/24 and 192.0.2.128/25 leave us. */
	F.now += 1;
	ef_make_ca(&F, CA_AS, "192.0.2.0/25", CA_V6, F.now + 365 * EF_DAY);
	assert_int_equal(engine_class_update(F.e, EF_CLASS, F.ca, F.ca_len, false, F.now, &rep), 0);
	report_is(&rep, 0, 1, 1, 0);                     /* a shrinks, b (all outside) goes */
	listed(a, &c0);
	ef_assert_res(&c0.res, "64496-64499", "192.0.2.0/25", "");
	ef_list(&F, b, &m);
	assert_int_equal(m.nclasses, 0);
	ud_msg_free(&m);
	ef_list(&F, a, &m);                              /* the new issuer certificate (UD-55) */
	assert_int_equal(m.classes[0].issuer_len, F.ca_len);
	assert_memory_equal(m.classes[0].issuer, F.ca, F.ca_len);
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&F), 1);
	referees_ok("5-holdings", all, 1);
	ef_cert_free(&c0);

	/* Restart: everything republished from the store, still consistent. */
	ef_close_engine(&F);
	ef_open(&F, &o);
	assert_int_equal(ef_check_publication(&F), 1);
	referees_ok("6-restart", all, 1);
}

/* UD-104: the brake refuses a mass shrink unless forced; nothing changes. */
static void
test_brake(void **state)
{
	struct ef_child *ch[5], *nw;
	uint64_t nchildren = 0;
	char *ta;
	struct engine_report rep;
	struct engine_options o;
	struct ud_msg m;
	uint64_t version = 0;
	char name[16];
	int i;

	(void)state;
	memset(&o, 0, sizeof(o));
	ef_open(&F, &o);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		ch[i] = ef_child_add(&F, name);
	}
	assert_int_equal(ef_table(&F, false, NULL, "version 1\nclass " EF_CLASS "\n"
	    "child c0\nchild c1\nchild c2\nchild c3\nchild c4\n"
	    "grant c0 " EF_CLASS " as=64496 notafter=%s\ngrant c1 " EF_CLASS " as=64497 notafter=%s\n"
	    "grant c2 " EF_CLASS " as=64498 notafter=%s\ngrant c3 " EF_CLASS " as=64499 notafter=%s\n"
	    "grant c4 " EF_CLASS " as=64500 notafter=%s\n", NA1, NA1, NA1, NA1, NA1), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(ef_issue(&F, ch[i], EF_CLASS, ef_key(40 + i), NULL, NULL, NULL, &m), 0);
		ud_msg_free(&m);
	}
	/* A broken feed drops four of five children: 4 > floor 3 and 80% > 10%. */
	F.now += 1;
	assert_int_equal(ef_table(&F, false, &rep, "version 2\nclass " EF_CLASS "\n"
	    "child c0\nchild c1\nchild c2\nchild c3\nchild c4\n"
	    "grant c0 " EF_CLASS " as=64496 notafter=%s\n", NA1), ENGINE_ERR_BRAKE);
	assert_true(rep.brake);
	assert_int_equal(rep.affected, 4);
	assert_int_equal(rep.current, 5);
	assert_non_null(strstr(engine_errmsg(), "UD-104"));
	/* Nothing changed: the stored table, the certificates, the CRL. */
	assert_int_equal(store_alloc_version(F.store, &version), 0);
	assert_int_equal(version, 1);
	assert_int_equal(ef_check_publication(&F), 5);
	/*
	 * UD-155: the same refusal with a new child and a new TA for c1 in
	 * the table registers nobody and keeps c1's TA.
	 */
	nw = ef_child_new(&F, "isp-new");
	ta = ef_b64(nw->ta, nw->ta_len);
	assert_int_equal(ef_table(&F, false, &rep, "version 2\nclass " EF_CLASS "\n"
	    "child c0\nchild c1 ta=%s\nchild c2\nchild c3\nchild c4\nchild isp-new ta=%s\n"
	    "grant c0 " EF_CLASS " as=64496 notafter=%s\n"
	    "grant isp-new " EF_CLASS " as=64501 notafter=%s\n", ta, ta, NA1, NA1),
	    ENGINE_ERR_BRAKE);
	assert_int_equal(rep.children_added, 0);
	assert_int_equal(rep.children_changed, 0);
	free(ta);
	stored_ta_is("isp-new", NULL);
	stored_ta_is("c1", ch[1]);
	assert_int_equal(store_child_count(F.store, &nchildren), 0);
	assert_int_equal(nchildren, 5);
	assert_int_equal(store_alloc_version(F.store, &version), 0);
	assert_int_equal(version, 1);
	ef_list(&F, ch[3], &m);
	assert_int_equal(m.nclasses, 1);
	assert_int_equal(m.classes[0].ncerts, 1);
	ud_msg_free(&m);
	/* Forced by the operator: applied. */
	assert_int_equal(ef_table(&F, true, &rep, "version 2\nclass " EF_CLASS "\n"
	    "child c0\nchild c1\nchild c2\nchild c3\nchild c4\n"
	    "grant c0 " EF_CLASS " as=64496 notafter=%s\n", NA1), 0);
	report_is(&rep, 0, 0, 4, 0);
	assert_false(rep.brake);
	assert_int_equal(ef_check_publication(&F), 1);

	/* A count limit: at most one certificate may go without force. */
	ef_close_engine(&F);
	o.brake_max_count = 1;
	o.brake_max_share = 1.0;
	ef_open(&F, &o);
	F.now += 1;
	assert_int_equal(ef_table(&F, false, &rep, "version 3\nclass " EF_CLASS "\n"
	    "child c0\nchild c1\nchild c2\nchild c3\nchild c4\n"
	    "grant c1 " EF_CLASS " as=64497 notafter=%s\n", NA1), 0);   /* 1 revoked: fine */
	report_is(&rep, 0, 0, 1, 0);
}

/* UD-103: with a grace period the shrink waits; a holdings shrink does not. */
static void
test_grace(void **state)
{
	struct ef_child *a, *b;
	struct engine_report rep;
	struct engine_options o;
	struct ud_msg m;
	struct ef_cert c0, c1;
	time_t t0;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.shrink_grace = 3600;
	ef_open(&F, &o);
	a = ef_child_add(&F, "isp-a");
	b = ef_child_add(&F, "isp-b");
	assert_int_equal(ef_table(&F, false, NULL, "version 1\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\n"
	    "grant isp-a " EF_CLASS " ipv4=192.0.2.0/24 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=198.51.100.0/24 notafter=%s\n", NA1, NA1), 0);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	only_cert(&m, &c0);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&F, b, EF_CLASS, ef_key(33), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	t0 = F.now;
	assert_int_equal(ef_table(&F, false, &rep, "version 2\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\n"
	    "grant isp-a " EF_CLASS " ipv4=192.0.2.0/25 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=198.51.100.0/24 notafter=%s\n", NA1, NA1), 0);
	report_is(&rep, 0, 0, 0, 1);
	/* During the grace period the old certificate stays; list shows the new entitlement. */
	ef_list(&F, a, &m);
	assert_int_equal(m.classes[0].ncerts, 1);
	{
		struct ef_cert x;
		char *t = NULL;

		ef_cert_parse(&F, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &x);
		assert_int_equal(x.serial, c0.serial);
		assert_int_equal(res_set_print(&m.classes[0].resource_set_ipv4, &t), 0);
		assert_string_equal(t, "192.0.2.0/25");
		free(t);
		ef_cert_free(&x);
	}
	ud_msg_free(&m);
	assert_false(ef_crl_has(&F, c0.serial));
	F.now = t0 + 1800;
	assert_int_equal(engine_reconcile(F.e, false, F.now, &rep), 0);
	assert_int_equal(rep.pending, 1);
	report_is(&rep, 0, 0, 0, 0);
	/* Due: shrunk and the old one revoked. */
	F.now = t0 + 3601;
	assert_int_equal(engine_reconcile(F.e, false, F.now, &rep), 0);
	report_is(&rep, 0, 1, 0, 0);
	listed(a, &c1);
	ef_assert_res(&c1.res, "", "192.0.2.0/25", "");
	assert_true(ef_crl_has(&F, c0.serial));
	assert_int_equal(ef_check_publication(&F), 2);
	ef_cert_free(&c0);
	ef_cert_free(&c1);
	/* Our own holdings shrink: b's certificate is invalid already, so no grace. */
	F.now += 10;
	ef_make_ca(&F, CA_AS, "192.0.2.0/24,198.51.100.0/25", CA_V6, F.now + 365 * EF_DAY);
	assert_int_equal(engine_class_update(F.e, EF_CLASS, F.ca, F.ca_len, false, F.now, &rep), 0);
	report_is(&rep, 0, 1, 0, 0);
	listed(b, &c1);
	ef_assert_res(&c1.res, "", "198.51.100.0/25", "");
	ef_cert_free(&c1);
	assert_int_equal(ef_check_publication(&F), 2);
}

/* UD-106, UD-130, UD-131: the periodic job refreshes the CRL and drops expired certificates. */
static void
test_reconcile_periodic(void **state)
{
	struct ef_child *a, *b;
	struct engine_report rep;
	struct ud_msg m;
	char soon[UD_TIME_SIZE];
	uint64_t n1 = 0, n2 = 0;
	size_t n = 0;

	(void)state;
	ef_open(&F, NULL);
	a = ef_child_add(&F, "isp-a");
	b = ef_child_add(&F, "isp-b");
	assert_int_equal(ud_time_format(F.now + 2 * EF_DAY, soon), 0);
	assert_int_equal(ef_table(&F, false, NULL, "version 1\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\n"
	    "grant isp-a " EF_CLASS " ipv4=192.0.2.0/24 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=198.51.100.0/24 notafter=%s\n", NA1, soon), 0);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&F, b, EF_CLASS, ef_key(33), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	free(ef_crl_serials(&F, &n, &n1));
	/* Nothing to do right away. */
	assert_int_equal(engine_reconcile(F.e, false, F.now, &rep), 0);
	assert_int_equal(rep.published, 0);
	assert_int_equal(rep.unchanged, 2);
	/* 13 h later the CRL (24 h) is past half its life: re-published, same certificates. */
	F.now += 13 * 3600;
	assert_int_equal(engine_reconcile(F.e, false, F.now, &rep), 0);
	assert_int_equal(rep.published, 1);
	free(ef_crl_serials(&F, &n, &n2));
	assert_true(n2 > n1);                          /* strictly increasing (UD-130) */
	assert_int_equal(ef_check_publication(&F), 2);
	/* Three days on, b's certificate has expired: left out of the publication point. */
	F.now += 3 * EF_DAY;
	assert_int_equal(engine_reconcile(F.e, false, F.now, &rep), 0);
	assert_int_equal(rep.expired, 1);
	assert_int_equal(ef_check_publication(&F), 1);
	ef_list(&F, b, &m);                            /* its notafter has passed too */
	assert_int_equal(m.nclasses, 0);
	ud_msg_free(&m);
}

/* Table refusals: stale version, unknown child or class, overlap (UD-100). */
static void
test_table_refused(void **state)
{
	struct engine_report rep;

	(void)state;
	ef_open(&F, NULL);
	ef_child_add(&F, "isp-a");
	ef_child_add(&F, "isp-b");
	assert_int_equal(ef_table(&F, false, NULL, "version 5\nclass " EF_CLASS "\nchild isp-a\n"
	    "grant isp-a " EF_CLASS " ipv4=192.0.2.0/24 notafter=%s\n", NA1), 0);
	assert_int_equal(ef_table(&F, false, &rep, "version 5\nclass " EF_CLASS "\nchild isp-a\n"
	    "grant isp-a " EF_CLASS " ipv4=192.0.2.0/25 notafter=%s\n", NA1), ENGINE_ERR_TABLE);
	assert_int_equal(ef_table(&F, false, &rep, "version 6\nclass " EF_CLASS "\nchild isp-z\n"
	    "grant isp-z " EF_CLASS " ipv4=192.0.2.0/25 notafter=%s\n", NA1), ENGINE_ERR_TABLE);
	assert_int_equal(ef_table(&F, false, &rep, "version 6\nclass OTHER\nchild isp-a\n"
	    "grant isp-a OTHER ipv4=192.0.2.0/25 notafter=%s\n", NA1), ENGINE_ERR_TABLE);
	assert_int_equal(ef_table(&F, false, &rep, "version 6\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b\n"
	    "grant isp-a " EF_CLASS " ipv4=192.0.2.0/24 notafter=%s\n"
	    "grant isp-b " EF_CLASS " ipv4=192.0.2.128/25 notafter=%s\n", NA1, NA1),
	    ENGINE_ERR_TABLE);
	assert_non_null(strstr(engine_errmsg(), "refused"));
}

/*
 * UD-155: a table registers the children it gives a BPKI TA, or replaces
 * their TA, in the transaction of its entitlements; an unchanged TA is
 * left alone; a TA past its validity refuses the table (UD-152).
 */
static void
test_table_children(void **state)
{
	struct ef_child *a, *b, *c;
	struct engine_report rep;
	struct ud_msg m;
	struct ef_cert x;
	char *ta_b, *ta_c, na[UD_TIME_SIZE];
	uint64_t n = 0;
	time_t now;

	(void)state;
	ef_open(&F, NULL);
	a = ef_child_add(&F, "isp-a");            /* registered by child_request */
	b = ef_child_new(&F, "isp-b");            /* known only through the table */
	c = ef_child_new(&F, "isp-c");
	ta_b = ef_b64(b->ta, b->ta_len);
	ta_c = ef_b64(c->ta, c->ta_len);
	/* Without a TA a child with a grant must have been added before. */
	assert_int_equal(ef_table(&F, false, &rep, "version 1\nclass " EF_CLASS "\n"
	    "child isp-b\ngrant isp-b " EF_CLASS " as=64497 notafter=%s\n", NA1),
	    ENGINE_ERR_TABLE);
	assert_non_null(strstr(engine_errmsg(), "has not been added"));
	/* isp-b's TA is past its notAfter at the engine's clock: refused, nobody added. */
	now = F.now;
	F.now += 20 * 365 * EF_DAY;
	assert_int_equal(ud_time_format(F.now + 200 * EF_DAY, na), 0);
	assert_int_equal(ef_table(&F, false, &rep, "version 1\nclass " EF_CLASS "\n"
	    "child isp-b ta=%s\ngrant isp-b " EF_CLASS " as=64497 notafter=%s\n", ta_b, na),
	    ENGINE_ERR_TABLE);
	assert_non_null(strstr(engine_errmsg(), "UD-152"));
	/* A warning found first (isp-c has no grant) is not what the refusal names. */
	assert_int_equal(ef_table(&F, false, &rep, "version 1\nclass " EF_CLASS "\n"
	    "child isp-c\nchild isp-b ta=%s\ngrant isp-b " EF_CLASS " as=64497 notafter=%s\n",
	    ta_b, na), ENGINE_ERR_TABLE);
	assert_non_null(strstr(engine_errmsg(), "1 error, first: test-table:4: child isp-b: "
	    "BPKI TA refused"));
	F.now = now;
	stored_ta_is("isp-b", NULL);
	/* Applied: isp-b registered with its grant, and served. */
	assert_int_equal(ef_table(&F, false, &rep, "version 1\nclass " EF_CLASS "\n"
	    "child isp-a\nchild isp-b ta=%s\n"
	    "grant isp-a " EF_CLASS " as=64496 notafter=%s\n"
	    "grant isp-b " EF_CLASS " as=64497 notafter=%s\n", ta_b, NA1, NA1), 0);
	assert_int_equal(rep.children_added, 1);
	assert_int_equal(rep.children_changed, 0);
	stored_ta_is("isp-b", b);
	assert_int_equal(ef_issue(&F, b, EF_CLASS, ef_key(50), NULL, NULL, NULL, &m), 0);
	only_cert(&m, &x);
	ef_assert_res(&x.res, "64497", "", "");
	ef_cert_free(&x);
	ud_msg_free(&m);
	/* isp-b's TA again: nothing to record; isp-a's TA replaced by isp-c's. */
	F.now += 1;
	assert_int_equal(ef_table(&F, false, &rep, "version 2\nclass " EF_CLASS "\n"
	    "child isp-a ta=%s\nchild isp-b ta=%s\n"
	    "grant isp-a " EF_CLASS " as=64496 notafter=%s\n"
	    "grant isp-b " EF_CLASS " as=64497 notafter=%s\n", ta_c, ta_b, NA1, NA1), 0);
	assert_int_equal(rep.children_added, 0);
	assert_int_equal(rep.children_changed, 1);
	stored_ta_is("isp-a", c);
	stored_ta_is("isp-b", b);
	stored_ta_is("isp-c", NULL);
	assert_int_equal(store_child_count(F.store, &n), 0);
	assert_int_equal(n, 2);
	(void)a;
	free(ta_b);
	free(ta_c);
}

/* Two classes: one class per key (UD-64), list shows both (UD-51), revoke is per class. */
static void
test_two_classes(void **state)
{
	struct ef_child *a;
	struct ud_msg m;
	struct ef_cert x;

	(void)state;
	ef_add_class2(&F, "65000-65010", "10.0.0.0/8", "");
	ef_open(&F, NULL);
	a = ef_child_add(&F, "isp-a");
	assert_int_equal(ef_table(&F, false, NULL, "version 1\nclass " EF_CLASS "\nclass " EF_CLASS2
	    "\nchild isp-a\n"
	    "grant isp-a " EF_CLASS " ipv4=192.0.2.0/24 notafter=%s\n"
	    "grant isp-a " EF_CLASS2 " as=65000 ipv4=10.1.0.0/16 notafter=%s\n", NA1, NA1), 0);
	ef_list(&F, a, &m);
	assert_int_equal(m.nclasses, 2);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	/* The same key in the second class: 1204 (RFC 6492 3.4.1). */
	assert_int_equal(ef_issue(&F, a, EF_CLASS2, ef_key(32), NULL, NULL, NULL, &m),
	    UD_STATUS_KEY_REUSED);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&F, a, EF_CLASS2, ef_key(33), NULL, NULL, NULL, &m), 0);
	assert_string_equal(m.classes[0].class_name, EF_CLASS2);
	assert_string_equal(m.classes[0].cert_url, EF_TA2_URI);
	ef_cert_parse(&F, m.classes[0].certs[0].der, m.classes[0].certs[0].der_len, &x);
	ef_assert_res(&x.res, "65000", "10.1.0.0/16", "");
	assert_false(x.sig_ok);                 /* signed by the second class's key, not F.ca's */
	ef_cert_free(&x);
	ud_msg_free(&m);
	/* Revoking key 32 in the second class: it was never issued there (UD-111). */
	assert_int_equal(ef_revoke(&F, a, EF_CLASS2, ef_key(32)->gski, &m), UD_STATUS_REVOKE_NO_KEY);
	ud_msg_free(&m);
	assert_int_equal(ef_revoke(&F, a, EF_CLASS2, ef_key(33)->gski, &m), 0);
	ud_msg_free(&m);
	ef_list(&F, a, &m);
	assert_int_equal(m.nclasses, 2);
	assert_int_equal(m.classes[0].ncerts + m.classes[1].ncerts, 1);
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&F), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cascade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_periodic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_classes, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	ef_pool_free();
	return rc;
}
