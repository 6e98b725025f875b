/*
 * End-to-end acceptance test of the CA core (UD-130, UD-131, UD-142):
 * a trust anchor, child CA certificates, CRL, manifest and
 * publication point, judged by two real relying parties (rpki-client 8.2
 * and FORT 1.5.4) through tests/referees/run-referees.
 *
 * Run twice: with the CA key in SoftHSM (PKCS#11) and in the software
 * signer. Children's keys come from a second, software signer (mbed TLS);
 * each child publishes its own empty CRL and manifest, signed with its own
 * key, at the directory its SIA names, so that the referees see complete
 * publication points.
 *
 *   1. TA (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32, AS64496-64511)
 *      and TAL; three children; publish. Both referees accept everything.
 *   2. Revoke child 2: on the CRL, withdrawn from the publication point and
 *      the manifest. Both referees accept the rest, child 2 is gone.
 *   3. Variant: child 2's certificate is left in the publication point (and
 *      so on the manifest) while the CRL lists it. Both referees reject it
 *      as revoked and still accept the others.
 *
 * Referee time is the real clock: everything is dated around now.
 * UPDOWN_KEEP_TMP=1 keeps the trees and the referees' work directories.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/x509_crl.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/mft.h"
#include "crypto/pubpoint.h"
#include "crypto/signer.h"
#include "softhsm_fixture.h"
#include "test_cert_util.h"

#ifndef UPDOWN_RUN_REFEREES
#error "UPDOWN_RUN_REFEREES (path of tests/referees/run-referees) must be defined"
#endif

#define HOST_MODULE "rsync://example.test/repo/"
#define TA_URI      HOST_MODULE "ta.cer"
#define TA_REPO     HOST_MODULE "ta/"
#define N_CHILDREN  3
#define HOUR        3600
#define DAY         86400

static const struct {
	const char *as, *v4, *v6;
} child_res[N_CHILDREN] = {
	{ "64496-64500", "192.0.2.0/25", "2001:db8::/48" },
	{ "64501", "198.51.100.0/24", NULL },
	{ "64510-64511", "192.0.2.128/25", "2001:db8:8000::/33" },
};

struct child {
	struct signer_key *key;
	unsigned char *cert;
	size_t cert_len;
	unsigned char serial[9];
	size_t serial_len;
	char file[CERT_FILE_NAME_SIZE];  /* <gSKI>.cer, in the TA's directory (UD-142) */
	char repo[128];                  /* its own caRepository */
};

struct run {
	const char *tag;
	char root[512], tal[512];
	time_t now;
	struct signer *s;                /* the CA (TA) key's signer */
	struct signer *cs;               /* children's keys (software) */
	struct signer_key *ta_key;
	unsigned char *ta;
	size_t ta_len;
	struct cert_issuer iss;
	char crl_name[40], mft_name[40];
	struct pub_point *pp;
	uint64_t next_serial, crl_number, mft_number;
	struct child c[N_CHILDREN];
};

/* "<gSKI>.cer" -> "<gSKI>.ext" */
static void
with_ext(const char *cer, const char *ext, char *out, size_t size)
{
	size_t n = strlen(cer) - 4;

	assert_true(n + strlen(ext) + 1 <= size);
	memcpy(out, cer, n);
	strcpy(out + n, ext);
}

static void
make_ta(struct run *r)
{
	struct res_bundle res;
	struct cert_ta_params tp;
	unsigned char serial[9], *spki = NULL;
	size_t spki_len = 0, tal_len = 0;
	char gski[CERT_FILE_NAME_SIZE], mft_uri[128], *tal = NULL, path[600];
	const char *uris[1] = { TA_URI };

	assert_int_equal(signer_key_generate(r->s, "e2e-ta", 0, &r->ta_key), 0);
	assert_int_equal(signer_key_public(r->s, r->ta_key, &spki, &spki_len), 0);
	assert_int_equal(cert_file_name(spki, spki_len, gski), 0);
	free(spki);
	with_ext(gski, ".crl", r->crl_name, sizeof(r->crl_name));
	with_ext(gski, ".mft", r->mft_name, sizeof(r->mft_name));
	snprintf(mft_uri, sizeof(mft_uri), "%s%s", TA_REPO, r->mft_name);

	tc_res(&res, "64496-64511", "192.0.2.0/24,198.51.100.0/24", "2001:db8::/32");
	memset(&tp, 0, sizeof(tp));
	tp.serial = serial;
	tp.serial_len = tc_serial(1, serial);
	tp.not_before = r->now - HOUR;
	tp.not_after = r->now + 365 * DAY;
	tp.subject_cn = "updown e2e TA";
	tp.sia_ca_repository = TA_REPO;
	tp.sia_rpki_manifest = mft_uri;
	tp.res = &res;
	assert_int_equal(cert_make_ta(r->s, r->ta_key, &tp, &r->ta, &r->ta_len), 0);
	res_bundle_free(&res);
	assert_int_equal(cert_issuer_load(&r->iss, r->s, r->ta_key, r->ta, r->ta_len), 0);

	/* The TA certificate at its TAL URI, the TAL next to the tree. */
	snprintf(path, sizeof(path), "%s/example.test/repo/ta.cer", r->root);
	tc_write(path, r->ta, r->ta_len);
	assert_int_equal(cert_write_tal(uris, 1, r->ta, r->ta_len, &tal, &tal_len), 0);
	tc_write(r->tal, tal, tal_len);
	free(tal);
}

/* Issue child i under the TA; its key lives in the children's signer. */
static void
issue_child(struct run *r, int i)
{
	struct child *c = &r->c[i];
	struct cert_ca_params cp;
	struct res_bundle res;
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	char label[32], crldp[128], mft_name[40], mft_uri[200];

	snprintf(label, sizeof(label), "%s-child%d", r->tag, i);
	assert_int_equal(signer_key_generate(r->cs, label, 0, &c->key), 0);
	assert_int_equal(signer_key_public(r->cs, c->key, &spki, &spki_len), 0);
	assert_int_equal(cert_file_name(spki, spki_len, c->file), 0);
	snprintf(c->repo, sizeof(c->repo), "%schild%d/", HOST_MODULE, i);
	with_ext(c->file, ".mft", mft_name, sizeof(mft_name));
	snprintf(mft_uri, sizeof(mft_uri), "%s%s", c->repo, mft_name);
	snprintf(crldp, sizeof(crldp), "%s%s", TA_REPO, r->crl_name);

	tc_res(&res, child_res[i].as, child_res[i].v4, child_res[i].v6);
	memset(&cp, 0, sizeof(cp));
	cp.spki = spki;
	cp.spki_len = spki_len;
	c->serial_len = tc_serial(r->next_serial++, c->serial);
	cp.serial = c->serial;
	cp.serial_len = c->serial_len;
	cp.not_before = r->now - HOUR;
	cp.not_after = r->now + 180 * DAY;
	cp.crldp_uri = crldp;
	cp.aia_uri = TA_URI;
	cp.sia_ca_repository = c->repo;
	cp.sia_rpki_manifest = mft_uri;
	cp.res = &res;
	assert_int_equal(cert_issue_ca(&r->iss, &cp, &c->cert, &c->cert_len), 0);
	res_bundle_free(&res);
	free(spki);
}

/* The child's own publication point: an empty CRL and a manifest, signed by the child. */
static void
publish_child(struct run *r, int i)
{
	struct child *c = &r->c[i];
	struct cert_issuer ci;
	struct pub_point *pp = NULL;
	struct pub_ca ca;
	unsigned char serial[9];
	char crl_name[40], mft_name[40], aia[160];
	int detail = 0;

	assert_int_equal(cert_issuer_load(&ci, r->cs, c->key, c->cert, c->cert_len), 0);
	with_ext(c->file, ".crl", crl_name, sizeof(crl_name));
	with_ext(c->file, ".mft", mft_name, sizeof(mft_name));
	snprintf(aia, sizeof(aia), "%s%s", TA_REPO, c->file);
	assert_int_equal(pub_open(r->root, c->repo, NULL, &pp), 0);
	memset(&ca, 0, sizeof(ca));
	ca.iss = &ci;
	ca.crl_name = crl_name;
	ca.mft_name = mft_name;
	ca.aia_uri = aia;
	ca.this_update = r->now - HOUR;
	ca.next_update = r->now + DAY;
	ca.crl_number = 1;
	ca.mft_number = 1;
	ca.ee_serial = serial;
	ca.ee_serial_len = tc_serial(1000, serial);
	assert_int_equal(pub_publish(pp, &ca, &detail), 0);
	assert_int_equal(pub_count(pp), 2);
	pub_close(pp);
	cert_issuer_free(&ci);
}

/* The TA's CRL and manifest over what is staged, committed (UD-131). */
static void
publish_ta(struct run *r, const struct crl_entry *revoked, size_t n_revoked)
{
	struct pub_ca ca;
	unsigned char serial[9];
	int detail = 0, rc;

	memset(&ca, 0, sizeof(ca));
	ca.iss = &r->iss;
	ca.crl_name = r->crl_name;
	ca.mft_name = r->mft_name;
	ca.aia_uri = TA_URI;
	ca.this_update = r->now - HOUR;
	ca.next_update = r->now + DAY;
	ca.crl_number = ++r->crl_number;
	ca.mft_number = ++r->mft_number;
	ca.revoked = revoked;
	ca.n_revoked = n_revoked;
	ca.ee_serial = serial;
	ca.ee_serial_len = tc_serial(r->next_serial++, serial);
	rc = pub_publish(r->pp, &ca, &detail);
	if (rc != 0)
		fail_msg("pub_publish: %s (detail %d: %s / %s)", pub_strerror(rc), detail,
		    crl_strerror(detail), mft_strerror(detail));
}

/*
 * Run the referees on the tree; returns their exit status and their
 * output in *out (malloc'd, caller frees).
 */
static int
referees(struct run *r, const char *step, char **out)
{
	char cmd[4096], log[600], keep[700];
	size_t len = 0;
	int st;

	snprintf(log, sizeof(log), "%s/%s-%s.txt", tc_tmpdir(), r->tag, step);
	keep[0] = '\0';
	if (getenv("UPDOWN_KEEP_TMP") != NULL)
		snprintf(keep, sizeof(keep), "-k '%s/%s-%s.work'", tc_tmpdir(), r->tag, step);
	snprintf(cmd, sizeof(cmd), "'%s' %s -T 120 '%s' '%s' >'%s' 2>&1", UPDOWN_RUN_REFEREES,
	    keep, r->tal, r->root, log);
	st = system(cmd);
	*out = (char *)tc_read(log, &len);
	assert_non_null(*out);
	fprintf(stderr, "---- %s, %s: run-referees said:\n%s", r->tag, step, *out);
	assert_true(st != -1 && WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Does the output say that referee `who` accepted certificate `uri`? */
static bool
accepted(const char *out, const char *who, const char *uri)
{
	char line[400];

	snprintf(line, sizeof(line), "CERT %s OK %s\n", who, uri);
	return strstr(out, line) != NULL;
}

static void
child_uri(const struct run *r, int i, char *out, size_t size)
{
	snprintf(out, size, "%s%s", TA_REPO, r->c[i].file);
}

/* The CRL as published lists exactly the given children's serials. */
static void
check_published_crl(struct run *r, const int *revoked, size_t n)
{
	mbedtls_x509_crl crl;
	mbedtls_x509_crl_entry *e;
	unsigned char *der = NULL;
	size_t len = 0, count = 0, i;

	assert_int_equal(pub_get(r->pp, r->crl_name, &der, &len), 0);
	mbedtls_x509_crl_init(&crl);
	assert_int_equal(mbedtls_x509_crl_parse_der(&crl, der, len), 0);
	for (e = &crl.entry; e != NULL && e->raw.len > 0; e = e->next) {
		bool found = false;
		for (i = 0; i < n; i++)
			found |= e->serial.len == r->c[revoked[i]].serial_len &&
			    memcmp(e->serial.p, r->c[revoked[i]].serial, e->serial.len) == 0;
		assert_true(found);
		count++;
	}
	assert_int_equal(count, n);
	mbedtls_x509_crl_free(&crl);
	free(der);
}

static void
run_e2e(struct run *r)
{
	struct crl_entry rev;
	char *out = NULL, uri[200];
	int st, i;
	static const int revoked[] = { 2 };

	r->now = time(NULL);
	r->next_serial = 2;
	snprintf(r->root, sizeof(r->root), "%s/%s-tree", tc_tmpdir(), r->tag);
	snprintf(r->tal, sizeof(r->tal), "%s/%s-ta.tal", tc_tmpdir(), r->tag);
	assert_int_equal(mkdir(r->root, 0755), 0);
	assert_int_equal(signer_sw_open(tc_rng, NULL, &r->cs), 0);
	assert_int_equal(pub_open(r->root, TA_REPO, NULL, &r->pp), 0);
	make_ta(r);

	/* 1. Three children, published (UD-131, UD-142: named by their key). */
	for (i = 0; i < N_CHILDREN; i++) {
		issue_child(r, i);
		publish_child(r, i);
		assert_int_equal(pub_put(r->pp, r->c[i].file, r->c[i].cert, r->c[i].cert_len), 0);
	}
	publish_ta(r, NULL, 0);
	assert_int_equal(pub_count(r->pp), N_CHILDREN + 2);
	st = referees(r, "1-issued", &out);
	assert_int_equal(st, 0);
	assert_int_equal(tc_count(out, ": PASS ("), 2);
	assert_non_null(strstr(out, "certificates 4, 0 invalid; manifests 4, 0 failed, 0 stale; CRLs 4;"));
	for (i = 0; i < N_CHILDREN; i++) {
		child_uri(r, i, uri, sizeof(uri));
		assert_true(accepted(out, "rpki-client", uri));
		assert_true(accepted(out, "fort", uri));
	}
	free(out);

	/* 2. Revoke child 2: CRL entry, withdrawn from directory and manifest (UD-130). */
	assert_int_equal(pub_withdraw(r->pp, r->c[2].file), 0);
	rev.serial = r->c[2].serial;
	rev.serial_len = r->c[2].serial_len;
	rev.revoked = r->now - 60;
	publish_ta(r, &rev, 1);
	assert_int_equal(pub_count(r->pp), N_CHILDREN + 1);
	check_published_crl(r, revoked, 1);
	st = referees(r, "2-revoked", &out);
	assert_int_equal(st, 0);
	assert_int_equal(tc_count(out, ": PASS ("), 2);
	assert_non_null(strstr(out, "certificates 3, 0 invalid; manifests 3, 0 failed, 0 stale; CRLs 3;"));
	child_uri(r, 2, uri, sizeof(uri));
	assert_false(accepted(out, "rpki-client", uri));
	assert_false(accepted(out, "fort", uri));
	for (i = 0; i < 2; i++) {
		child_uri(r, i, uri, sizeof(uri));
		assert_true(accepted(out, "rpki-client", uri));
		assert_true(accepted(out, "fort", uri));
	}
	free(out);

	/* 3. The revoked certificate left in place (and on the manifest): rejected. */
	assert_int_equal(pub_put(r->pp, r->c[2].file, r->c[2].cert, r->c[2].cert_len), 0);
	publish_ta(r, &rev, 1);
	st = referees(r, "3-revoked-left", &out);
	assert_int_equal(st, 1);
	assert_int_equal(tc_count(out, ": FAIL ("), 2);
	child_uri(r, 2, uri, sizeof(uri));
	assert_non_null(strstr(out, "certificates 4, 1 invalid;"));
	{
		char want[300];
		snprintf(want, sizeof(want), "%s: certificate revoked", r->c[2].file);
		assert_non_null(strstr(out, want));                 /* rpki-client's line */
		snprintf(want, sizeof(want), "%s: Certificate validation failed: certificate revoked",
		    uri);
		assert_non_null(strstr(out, want));                 /* FORT's line */
	}
	assert_false(accepted(out, "rpki-client", uri));
	assert_false(accepted(out, "fort", uri));
	for (i = 0; i < 2; i++) {
		child_uri(r, i, uri, sizeof(uri));
		assert_true(accepted(out, "rpki-client", uri));
		assert_true(accepted(out, "fort", uri));
	}
	free(out);

	pub_close(r->pp);
	cert_issuer_free(&r->iss);
	for (i = 0; i < N_CHILDREN; i++)
		free(r->c[i].cert);
	free(r->ta);
	signer_close(r->cs);
}

static int
have_referees(void)
{
	return system("command -v rpki-client >/dev/null 2>&1 && "
	    "command -v fort >/dev/null 2>&1") == 0;
}

static void
test_e2e_software(void **state)
{
	struct run r;

	(void)state;
	if (!have_referees()) {
		fprintf(stderr, "rpki-client or fort not installed: skipped\n");
		skip();
	}
	memset(&r, 0, sizeof(r));
	r.tag = "sw";
	assert_int_equal(signer_sw_open(tc_rng, NULL, &r.s), 0);
	run_e2e(&r);
	signer_close(r.s);
}

static struct softhsm_fixture hsm;

static int
hsm_setup(void **state)
{
	(void)state;
	return softhsm_fixture_setup(&hsm, "updown-e2e");
}

/* Runs even when the test failed: the token directory never stays behind. */
static int
hsm_teardown(void **state)
{
	(void)state;
	softhsm_fixture_teardown(&hsm);
	return 0;
}

static void
test_e2e_softhsm(void **state)
{
	struct signer_p11_config cfg;
	struct run r;

	(void)state;
	if (!have_referees()) {
		fprintf(stderr, "rpki-client or fort not installed: skipped\n");
		skip();
	}
	memset(&r, 0, sizeof(r));
	r.tag = "hsm";
	signer_p11_config_init(&cfg);
	cfg.module = hsm.module;
	cfg.token_uri = hsm.uri;
	assert_int_equal(signer_p11_open(&cfg, &r.s), 0);
	assert_string_equal(signer_backend(r.s), "pkcs11");
	run_e2e(&r);
	signer_close(r.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_e2e_softhsm, hsm_setup, hsm_teardown),
		cmocka_unit_test(test_e2e_software),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
