/*
 * updownctl inspect on real files: the interop certificates, CRLs,
 * manifests, TALs, CSRs and RFC 6492 messages in tests/data/interop, PEM
 * wrappings, an audit log made here with the firmware store (whole, then
 * tampered with), and the error paths (exit codes 1, 2, 3). Each case
 * names lines the output must hold; every --json output must be valid
 * JSON (tt_json_valid).
 *
 * Checklist items: UD-130 (CRL fields shown), UD-131 (manifest fields
 * shown and its signature checked), UD-160/UD-162 (audit chain verdict),
 * UD-160 (exchange log files: records, a truncated last record, a
 * malformed one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "firmware/audit.h"
#include "firmware/store.h"
#include "tt_util.h"

#define REPO "rpki-rs/test-data/repository/"

/* One file, its exit code, and lines its text output must hold. */
struct icase {
	const char *file;
	int status;
	const char *lines[8];
};

static const struct icase cases[] = {
	{ REPO "ta.cer", 0, {
		"certificate: RPKI trust anchor, X.509 v3",
		"subject: CN=ripe-ncc-ta",
		"notAfter: 2117-11-28T14:39:55Z",
		"SKI: e8552b1fd6d1a4f7e404c6d8e5680d1ebc163fc3",
		"SIA rpkiManifest: rsync://rpki.ripe.net/repository/ripe-ncc-ta.mft",
		"resources as: \"0-4294967295\"",
		"resources ipv6: \"::/0\"",
		"self-signed: signature valid" } },
	{ REPO "ca1.cer", 0, {
		"certificate: RPKI CA, X.509 v3",
		"serial: 214",
		"AKI: e8552b1fd6d1a4f7e404c6d8e5680d1ebc163fc3",
		"AIA caIssuers: rsync://rpki.ripe.net/ta/ripe-ncc-ta.cer",
		"CRLDP: rsync://rpki.ripe.net/repository/ripe-ncc-ta.crl",
		"keyUsage: keyCertSign cRLSign (critical)",
		"basicConstraints: cA TRUE, critical",
		"policy: ipAddr-asNumber (RFC 6484)" } },
	{ "derived/child-certs/apnic-child-0.cer", 0, {
		"issuer: CN=A90DC5BE, serialNumber=0E65A4F5FD36B5BD68EB3C923408978C907AA79F",
		"resources as: \"139686,139693,139912,139921,140098\"",
		"resources ipv4: \"103.144.176.0/23\"",
		"resources ipv6: \"2001:df1:ee80::/48\"",
		"SIA rpkiNotify: https://rpki.admin.freerangecloud.com/rrdp/notification.xml",
		"gSKI XTWTlVcRDMQ0Ka4wH3zvDliJlCs" } },
	{ "derived/child-certs/lacnic-child-0.cer", 0, {
		"certificate: RPKI CA",
		"resources ipv6: \"2001:1280::/32,2001:1284::/32,",
		"resources as: \"1251,1916,2715-2716,4230," } },
	{ "derived/child-certs/rpkid-child-0.cer", 0, { "certificate: RPKI CA" } },
	{ "derived/child-certs/afrinic-child-0.cer", 0, { "certificate: RPKI CA" } },
	{ "rpki-rs/test-data/compat/res_incorrect.cer", 0, {
		"resources ipv4: \"(undecodable: BIT STRING not minimal" } },
	{ REPO "router.cer", 0, { "certificate: RPKI router (BGPsec)", "extendedKeyUsage present" } },
	{ "krill/test-resources/remote/ncc-id.pem", 0, {
		"(PEM \"CERTIFICATE\")", "BPKI trust anchor", "self-signed: signature valid" } },
	{ "derived/cms-bpki/apnic-list-response-ee0.cer", 0, {
		"BPKI EE", "keyUsage: digitalSignature" } },
	{ REPO "ta.crl", 0, {
		"CRL: v2, 6 revoked",
		"issuer: CN=ripe-ncc-ta",
		"cRLNumber: 50",
		"thisUpdate: 2019-02-26T13:14:44Z",
		"nextUpdate: 2019-05-26T13:14:44Z",
		"AKI: e8552b1fd6d1a4f7e404c6d8e5680d1ebc163fc3",
		"revoked: 204 at 2018-05-01T13:33:16Z",
		"revoked: 213 at 2019-02-26T13:14:44Z" } },
	{ REPO "ca1.crl", 0, { "CRL: v2, 163 revoked", "cRLNumber: 1702" } },
	{ "derived/cms-bpki/apnic-list-response-crl0.crl", 0, { "CRL: v2" } },
	{ REPO "ca1.mft", 0, {
		"eContentType rpkiManifest",
		"encoding: BER, not DER (RFC 6488 2.1 requires DER)",
		"message-digest matches eContent: yes",
		"signature: valid",
		"manifest (RFC 9286): version 0, number 1705, 3 files",
		"nextUpdate: 2019-04-07T09:35:49Z",
		"file: Kn3R14fXk-TIr1bhl9Tu2Sr2uhM.crl "
		    "74a64c6b3e1f4bc66dff067f8e5fd753d57a322cd4033f30efba06504a8441a1",
		"resources ipv4: \"inherit\"" } },
	{ REPO "ta.mft", 0, {
		"number 50, 2 files",
		"file: ripe-ncc-ta.crl 44f9a3496125be36a26f19723c8ad81b2ca869247d49d7c1479d27995166de6f",
		"SIA signedObject: rsync://rpki.ripe.net/repository/ripe-ncc-ta.mft" } },
	{ REPO "ta.mft.bad-filename", 1, {
		"message-digest matches eContent: NO",
		"(name not of the RFC 9286 4.2.2 form)" } },
	{ REPO "signature-alg-mismatch.mft", 0, {
		"signature algorithm sha256WithRSAEncryption",
		"number 0x010d0c9f4328576d51cc73c042cfc173e35f2b2d, 4 files" } },
	{ REPO "example-ripe.roa", 0, { "eContentType routeOriginAuthz", "signature: valid" } },
	{ REPO "aspa-bm.asa", 0, { "eContentType rpkiASPA" } },
	{ REPO "ripe.tal", 0, {
		"TAL (RFC 8630): 1 URI(s)",
		"uri: rsync://rpki.ripe.net/ta/ripe-ncc-ta.cer",
		"key: 2048 bits, SKI e8552b1fd6d1a4f7e404c6d8e5680d1ebc163fc3, "
		    "gSKI 6FUrH9bRpPfkBMbY5WgNHrwWP8M" } },
	{ "krill/test-resources/test.tal", 0, {
		"TAL (RFC 8630): 2 URI(s)", "uri: https://localhost/ta.cer",
		"uri: rsync://localhost/ta/ta.cer" } },
	{ "rpki-rs/test-data/ca/drl-csr.der", 0, {
		"PKCS#10 request: RFC 6487 section 6 profile ok",
		"SIA caRepository: rsync://localhost:4404/rpki/Alice/Bob/Carol/3/" } },
	{ "rpki-rs/test-data/ca/router-csr.der", 1, { "REFUSED: PKCS#10" } },
	{ "rpki-rs/test-data/ca/rfc6492/apnic-response.der", 0, {
		"type list_response, sender \"APNIC-AP\", recipient \"A912C8360000\"",
		"signature: valid",
		"certified ipv4: \"103.144.176.0/23\"",
		"certified ipv6: \"2001:200::/23,2001:c00::/22,2001:4400::/23,2001:8000::/18,2400::/12\"" } },
	{ "krill/test-resources/remote/lacnic-valid.ber", 0, {
		"CMS: DER, 238451 bytes of XML", "type list_response" } },
	{ "rpki-commons/src/test/resources/isc-interop-updown/pdu.172.der", 0, {
		"type issue", "PKCS#10:", "RFC 6487 section 6 profile: ok" } },
	{ "rpki-commons/src/test/resources/isc-interop-updown/dtag-inbound-2.der", 0, {
		"(base64 text)", "CMS: BER (not DER)", "status: 2001" } },
	{ "rpki-commons/src/test/resources/apnic-interop/A971C.1", 1, {
		"PROFILE VIOLATION: no CRL" } },
	{ "krill/test-resources/remote/lacnic-invalid-response.ber", 1, { "REFUSED: RFC 6492" } },
	{ "krill/test-resources/oob/apnic/parent.response.xml", 0, {
		"RFC 8183 parent_response", "child_handle: A91872ED0000" } },
	{ "rpki.net/ca/tests/up-down-protocol-samples/revoke.xml", 0, { "type revoke" } },
	{ "rpki-rs/test-data/ca/rfc8181/list.xml", 1, { "REFUSED: neither RFC 6492 nor RFC 8183" } },
	{ "README.md", 1, { "REFUSED: neither XML, DER, PEM, a TAL, nor base64 of DER" } },
	{ REPO "aspa-content.der", 1, { "REFUSED: a DER structure of no kind" } },
};

static void
test_interop_text(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct icase *c = &cases[i];
		struct tt_out o;

		tt_ctl(&o, "inspect", tt_interop(c->file), NULL);
		if (o.status != c->status)
			fail_msg("%s: exit %d, want %d\n%s\n%s", c->file, o.status, c->status,
			    o.out, o.err);
		for (size_t k = 0; k < 8 && c->lines[k] != NULL; k++)
			tt_has(o.out, c->lines[k]);
		tt_out_free(&o);
	}
}

static void
test_interop_json(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct icase *c = &cases[i];
		struct tt_out o;

		tt_ctl(&o, "inspect", "--json", tt_interop(c->file), NULL);
		if (o.status != c->status)
			fail_msg("%s: exit %d, want %d", c->file, o.status, c->status);
		if (!tt_json_valid(o.out))
			fail_msg("%s: --json is not valid JSON:\n%s", c->file, o.out);
		tt_has(o.out, "\"kind\": ");
		tt_out_free(&o);
	}
}

static void
test_json_fields(void **state)
{
	struct tt_out o;

	(void)state;
	/* Two files: one array, one object each. */
	tt_ctl(&o, "inspect", "--json", tt_interop(REPO "ca1.cer"), tt_interop(REPO "ca1.mft"),
	    tt_interop(REPO "ta.crl"), tt_interop(REPO "ripe.tal"), NULL);
	tt_expect(&o, 0);
	assert_true(tt_json_valid(o.out));
	assert_true(o.out[0] == '[');
	tt_has(o.out, "\"kind\": \"certificate\"");
	tt_has(o.out, "\"ipv4\": \"0.0.0.0/0\"");
	tt_has(o.out, "\"crldp\": [\n");
	tt_has(o.out, "\"not_after\": \"2020-07-01T00:00:00Z\"");
	tt_has(o.out, "\"kind\": \"manifest\"");
	tt_has(o.out, "\"number\": \"1705\"");
	tt_has(o.out, "\"name\": \"Kn3R14fXk-TIr1bhl9Tu2Sr2uhM.crl\"");
	tt_has(o.out, "\"encoding\": \"BER\"");
	tt_has(o.out, "\"kind\": \"crl\"");
	tt_has(o.out, "\"serial\": \"204\"");
	tt_has(o.out, "\"kind\": \"tal\"");
	tt_has(o.out, "\"gski\": \"6FUrH9bRpPfkBMbY5WgNHrwWP8M\"");
	tt_out_free(&o);
	/* An RFC 6492 message: the documented message schema, certificates decoded. */
	tt_ctl(&o, "inspect", "--json", tt_interop("rpki-rs/test-data/ca/rfc6492/apnic-response.der"),
	    NULL);
	tt_expect(&o, 0);
	assert_true(tt_json_valid(o.out));
	tt_has(o.out, "\"kind\": \"updown-cms\"");
	tt_has(o.out, "\"type\": \"list_response\"");
	tt_has(o.out, "\"resource_set_notafter\": \"2023-01-31T00:00:00Z\"");
	tt_has(o.out, "\"req_resource_set_as\": null");
	tt_has(o.out, "\"ipv4\": \"103.144.176.0/23\"");
	tt_has(o.out, "\"error\": null");
	tt_out_free(&o);
}

/* Resources as the inspector prints them agree with openssl's reading. */
static void
test_openssl_agrees(void **state)
{
	const char *openssl = getenv("OPENSSL");
	char cmd[2048], *out;
	size_t len;

	(void)state;
	if (openssl == NULL)
		skip();
	snprintf(cmd, sizeof(cmd), "'%s' x509 -inform DER -noout -text -in '%s' > '%s'", openssl,
	    tt_interop("derived/child-certs/apnic-child-0.cer"), tt_path("openssl.txt"));
	assert_int_equal(system(cmd), 0);
	out = (char *)tt_read(tt_path("openssl.txt"), &len);
	tt_has(out, "103.144.176.0/23");
	tt_has(out, "2001:df1:ee80::/48");
	tt_has(out, "139686");
	tt_has(out, "rsync://rpki.admin.freerangecloud.com/repo/FRC-CA/2/");
	free(out);
}

static void
test_issuer_check(void **state)
{
	struct tt_out o;

	(void)state;
	/* --ta as the issuer of a certificate and of a CRL. */
	tt_ctl(&o, "inspect", "--ta", tt_interop(REPO "ta.cer"), tt_interop(REPO "ca1.cer"),
	    tt_interop(REPO "ta.crl"), NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "signature (issuer from --ta): valid");
	tt_hasnt(o.out, "INVALID");
	tt_out_free(&o);
	/* The wrong issuer: refused. */
	tt_ctl(&o, "inspect", "--ta", tt_interop("derived/child-certs/apnic-issuer-0.cer"),
	    tt_interop(REPO "ca1.cer"), NULL);
	tt_expect(&o, 1);
	tt_has(o.out, "signature (issuer from --ta): INVALID");
	tt_out_free(&o);
	tt_ctl(&o, "inspect", "--json", "--ta", tt_interop("derived/child-certs/apnic-issuer-0.cer"),
	    tt_interop(REPO "ta.crl"), NULL);
	tt_expect(&o, 1);
	assert_true(tt_json_valid(o.out));
	tt_has(o.out, "\"signature\": \"invalid\"");
	tt_out_free(&o);
}

static void
test_pem_and_comments(void **state)
{
	const char *openssl = getenv("OPENSSL");
	struct tt_out o;
	char cmd[2048], *tal, *with;
	size_t len;

	(void)state;
	/* A CRL in PEM. */
	if (openssl != NULL) {
		snprintf(cmd, sizeof(cmd), "'%s' crl -inform DER -outform PEM -in '%s' -out '%s'",
		    openssl, tt_interop(REPO "ta.crl"), tt_path("ta.crl.pem"));
		assert_int_equal(system(cmd), 0);
		tt_ctl(&o, "inspect", tt_path("ta.crl.pem"), NULL);
		tt_expect(&o, 0);
		tt_has(o.out, "(PEM \"X509 CRL\")");
		tt_has(o.out, "cRLNumber: 50");
		tt_out_free(&o);
	}
	/* A TAL with RFC 8630 comments and CRLF line ends. */
	tal = (char *)tt_read(tt_interop(REPO "ripe.tal"), &len);
	with = malloc(2 * len + 64);
	assert_non_null(with);
	strcpy(with, "# RIPE NCC\r\n# test\r\n");
	for (size_t i = 0; i < len; i++) {
		if (tal[i] == '\n')
			strcat(with, "\r");
		strncat(with, tal + i, 1);
	}
	tt_write(tt_path("comments.tal"), with, strlen(with));
	free(tal);
	free(with);
	tt_ctl(&o, "inspect", tt_path("comments.tal"), NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "1 URI(s), with comments");
	tt_has(o.out, "gSKI 6FUrH9bRpPfkBMbY5WgNHrwWP8M");
	tt_out_free(&o);
	/* A TAL whose key is not base64 / not a key. */
	tt_write(tt_path("bad.tal"), "rsync://x.example/ta.cer\n\nnot*base64\n", 38);
	tt_ctl(&o, "inspect", tt_path("bad.tal"), NULL);
	tt_expect(&o, 1);
	tt_has(o.out, "REFUSED: TAL: the key is not base64 (RFC 8630 2.2)");
	tt_out_free(&o);
	tt_write(tt_path("nokey.tal"), "rsync://x.example/ta.cer\n\nAAAA\n", 31);
	tt_ctl(&o, "inspect", tt_path("nokey.tal"), NULL);
	tt_expect(&o, 1);
	tt_has(o.out, "not a DER SubjectPublicKeyInfo");
	tt_out_free(&o);
}

/* Every truncation of a certificate, CRL and manifest is refused cleanly. */
static void
test_truncated_files(void **state)
{
	static const char *const files[] = { REPO "ca1.cer", REPO "ta.crl", REPO "ta.mft" };

	(void)state;
	for (size_t f = 0; f < 3; f++) {
		size_t len;
		unsigned char *b = tt_read(tt_interop(files[f]), &len);

		/* A spread of cut points (the unit test walks every one in-process). */
		for (size_t cut = 1; cut < len; cut += len / 7 + 1) {
			struct tt_out o;

			tt_write(tt_path("cut"), b, cut);
			tt_ctl(&o, "inspect", tt_path("cut"), NULL);
			if (o.status != 1)
				fail_msg("%s cut at %zu: exit %d\n%s%s", files[f], cut, o.status,
				    o.out, o.err);
			tt_has(o.out, "REFUSED");
			tt_out_free(&o);
		}
		free(b);
	}
}

static void
test_errors(void **state)
{
	struct tt_out o;

	(void)state;
	tt_ctl(&o, "inspect", NULL);
	tt_expect(&o, 2);
	tt_has(o.err, "usage");
	tt_out_free(&o);
	tt_ctl(&o, "inspect", "--bogus", tt_interop(REPO "ta.cer"), NULL);
	tt_expect(&o, 2);
	tt_out_free(&o);
	tt_ctl(&o, "inspect", tt_path("does-not-exist"), NULL);
	tt_expect(&o, 3);
	tt_out_free(&o);
	/* The worst exit code wins over several files. */
	tt_ctl(&o, "inspect", tt_interop(REPO "ta.cer"), tt_path("does-not-exist"),
	    tt_interop("README.md"), NULL);
	tt_expect(&o, 3);
	tt_out_free(&o);
	tt_write(tt_path("empty"), "", 0);
	tt_ctl(&o, "inspect", "--json", tt_path("empty"), NULL);
	tt_expect(&o, 1);
	assert_true(tt_json_valid(o.out));
	tt_has(o.out, "\"error\": ");
	tt_out_free(&o);
	/* --help documents the exit codes. */
	tt_ctl(&o, "--help", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "exit codes: 0 success; 1 input refused");
	tt_has(o.out, "2 usage error; 3 file not readable");
	tt_has(o.out, "child init --dir DIR --handle HANDLE");
	tt_has(o.out, "inspect [--json]");
	tt_out_free(&o);
}

/* ---- the audit log ---- */

static int
rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	return 0;
}

static void
make_store(const char *dir)
{
	struct store_open_args args = { rng, NULL, 1700000000 };
	struct store *s = NULL;
	char *msg = NULL;

	assert_int_equal(mkdir(dir, 0700), 0);
	if (store_open(dir, STORE_CREATE, &args, &s, &msg) != 0)
		fail_msg("store_open: %s", msg);
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < 3; i++) {
		struct audit_record r = { 0 };
		char text[64];

		snprintf(text, sizeof(text), "operator note %d", i);
		r.time = 1700000100 + i;
		r.kind = AUDIT_OTHER;
		r.child = "child-a";
		r.text = text;
		r.has_serial = true;
		r.serial = 1000 + (uint64_t)i;
		r.resources = "as=64496;ipv4=192.0.2.0/24;ipv6=";
		assert_int_equal(store_audit_append(s, &r), 0);
	}
	assert_int_equal(store_commit(s), 0);
	store_close(s);
}

static void
test_audit(void **state)
{
	const char *dir = tt_path("store");
	char db[1024], *before, *after;
	struct tt_out o;
	sqlite3 *h;

	(void)state;
	make_store(dir);
	before = tt_snapshot(dir);
	tt_ctl(&o, "inspect", dir, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "audit log (store ");
	tt_has(o.out, "#1 2023-11-14T22:13:20Z init");
	tt_has(o.out, "#3 2023-11-14T22:15:01Z other child=child-a serial=1001");
	tt_has(o.out, "text: operator note 2");
	tt_has(o.out, "resources: as=64496;ipv4=192.0.2.0/24;ipv6=");
	tt_has(o.out, "chain: VALID, 4 records, head #4");
	tt_out_free(&o);
	/* The database file itself, as JSON. */
	snprintf(db, sizeof(db), "%s/updown.db", dir);
	tt_ctl(&o, "inspect", "--json", db, NULL);
	tt_expect(&o, 0);
	assert_true(tt_json_valid(o.out));
	tt_has(o.out, "\"kind\": \"audit\"");
	tt_has(o.out, "\"ok\": true");
	tt_has(o.out, "\"text\": \"operator note 1\"");
	tt_out_free(&o);
	/* Reading wrote nothing. */
	after = tt_snapshot(dir);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* Edit record 3 behind the store's back: the chain breaks there. */
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "DROP TRIGGER audit_no_update; "
	    "UPDATE audit SET text = 'forged' WHERE seq = 3", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	tt_ctl(&o, "inspect", dir, NULL);
	tt_expect(&o, 1);
	tt_has(o.out, "text: forged");
	tt_has(o.out, "chain: BROKEN");
	tt_has(o.out, "at record #3");
	tt_has(o.out, "last good record: #2");
	tt_out_free(&o);
	tt_ctl(&o, "inspect", "--json", dir, NULL);
	tt_expect(&o, 1);
	assert_true(tt_json_valid(o.out));
	tt_has(o.out, "\"ok\": false");
	tt_has(o.out, "\"first_bad_seq\": 3");
	tt_out_free(&o);
	/* An SQLite file that is no store. */
	snprintf(db, sizeof(db), "%s", tt_path("other.db"));
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	tt_ctl(&o, "inspect", db, NULL);
	tt_expect(&o, 1);
	tt_has(o.out, "not a readable updown store");
	tt_out_free(&o);
}

/* ---- exchange log files (UD-160, proto/xlog.h) ---- */

static const char xlog_rec1[] =
    "updown-exchange 1 1700000000 child-a list ok 5 6\nREQ01RESP01\n";
static const char xlog_rec2[] = "updown-exchange 1 1700000061 * - 400 3 0\na\nb\n";

/* Write rec1, then tail, as a file; its path. */
static const char *
write_xlog(const char *name, const char *tail, size_t tail_len)
{
	size_t n1 = strlen(xlog_rec1);
	char *b = malloc(n1 + tail_len);

	assert_non_null(b);
	memcpy(b, xlog_rec1, n1);
	memcpy(b + n1, tail, tail_len);
	tt_write(tt_path("%s", name), b, n1 + tail_len);
	free(b);
	return tt_path("%s", name);
}

/*
 * UD-160: an exchange log with two records; the same with its last record
 * cut (a crashed writer: a warning, exit 0); with a malformed or oversized
 * second record (refused, exit 1). Text and --json.
 */
static void
test_exchange_log(void **state)
{
	struct tt_out o;
	char at[64], path[1024];

	(void)state;
	snprintf(at, sizeof(at), "at byte %zu: ", strlen(xlog_rec1));
	snprintf(path, sizeof(path), "%s", write_xlog("ok.xlog", xlog_rec2, strlen(xlog_rec2)));
	tt_ctl(&o, "inspect", path, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "exchange log (UD-160)");
	tt_has(o.out, "#1 2023-11-14T22:13:20Z child-a list ok, request 5 bytes, response 6 bytes\n");
	tt_has(o.out, "#2 2023-11-14T22:14:21Z * - 400, request 3 bytes, response 0 bytes\n");
	tt_has(o.out, "  2 record(s)\n");
	tt_hasnt(o.out, "WARNING");
	tt_hasnt(o.out, "REFUSED");
	tt_out_free(&o);
	tt_ctl(&o, "inspect", "--json", path, NULL);
	tt_expect(&o, 0);
	assert_true(tt_json_valid(o.out));
	tt_has(o.out, "\"kind\": \"exchange-log\"");
	tt_has(o.out, "\"records\": [");
	tt_has(o.out, "\"time\": \"2023-11-14T22:13:20Z\"");
	tt_has(o.out, "\"child\": \"child-a\"");
	tt_has(o.out, "\"type\": \"list\"");
	tt_has(o.out, "\"outcome\": \"ok\"");
	tt_has(o.out, "\"request_bytes\": 5");
	tt_has(o.out, "\"response_bytes\": 6");
	tt_has(o.out, "\"offset\": 0");
	tt_has(o.out, "\"time\": \"2023-11-14T22:14:21Z\"");
	tt_has(o.out, "\"child\": null");
	tt_has(o.out, "\"outcome\": \"400\"");
	{
		char off[64];

		snprintf(off, sizeof(off), "\"offset\": %zu", strlen(xlog_rec1));
		tt_has(o.out, off);
	}
	tt_has(o.out, "\"count\": 2");
	tt_has(o.out, "\"truncated\": false");
	tt_has(o.out, "\"error\": null");
	tt_out_free(&o);

	/* The writer stopped inside the second record: a warning, exit 0. */
	snprintf(path, sizeof(path), "%s", write_xlog("cut.xlog", xlog_rec2,
	    strlen(xlog_rec2) - 2));
	tt_ctl(&o, "inspect", path, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "#1 2023-11-14T22:13:20Z child-a list ok");
	tt_has(o.out, "  1 record(s)\n");
	tt_has(o.out, "WARNING: truncated final record ");
	tt_has(o.out, at);
	tt_has(o.out, "truncated exchange log record (request: data ends inside it");
	tt_hasnt(o.out, "#2 ");
	tt_out_free(&o);
	tt_ctl(&o, "inspect", "--json", path, NULL);
	tt_expect(&o, 0);
	assert_true(tt_json_valid(o.out));
	tt_has(o.out, "\"count\": 1");
	tt_has(o.out, "\"truncated\": true");
	tt_has(o.out, "\"warning\": \"truncated final record ");
	tt_has(o.out, "\"error\": null");
	tt_out_free(&o);

	/* A malformed second record (leading zero in the time): refused, exit 1. */
	{
		static const char bad[] = "updown-exchange 1 01700000061 - - 400 3 0\na\nb\n";

		snprintf(path, sizeof(path), "%s", write_xlog("bad.xlog", bad, strlen(bad)));
	}
	tt_ctl(&o, "inspect", path, NULL);
	tt_expect(&o, 1);
	tt_has(o.out, "#1 2023-11-14T22:13:20Z child-a list ok");
	tt_has(o.out, "  1 record(s)\n");
	tt_has(o.out, "REFUSED: malformed record ");
	tt_has(o.out, at);
	tt_has(o.out, "malformed exchange log record (time: leading zero)");
	tt_out_free(&o);
	tt_ctl(&o, "inspect", "--json", path, NULL);
	tt_expect(&o, 1);
	assert_true(tt_json_valid(o.out));
	tt_has(o.out, "\"kind\": \"exchange-log\"");
	tt_has(o.out, "\"count\": 1");
	tt_has(o.out, "\"truncated\": false");
	tt_has(o.out, "\"error\": \"malformed record ");
	tt_out_free(&o);

	/* A length above XLOG_MAX_BODY: refused, even though the data ends there. */
	{
		static const char big[] = "updown-exchange 1 1700000061 - - 400 8388609 0\n";

		snprintf(path, sizeof(path), "%s", write_xlog("big.xlog", big, strlen(big)));
	}
	tt_ctl(&o, "inspect", path, NULL);
	tt_expect(&o, 1);
	tt_has(o.out, "REFUSED: malformed record ");
	tt_has(o.out, "above the size limit (req-len: above 8388608)");
	tt_out_free(&o);

	/* The final LF replaced by another byte: refused. */
	{
		char *b = strdup(xlog_rec2);

		assert_non_null(b);
		b[strlen(b) - 1] = 'X';
		snprintf(path, sizeof(path), "%s", write_xlog("nolf.xlog", b, strlen(b)));
		free(b);
	}
	tt_ctl(&o, "inspect", path, NULL);
	tt_expect(&o, 1);
	tt_has(o.out, "(record end: byte 0x58 after the response, not LF)");
	tt_out_free(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interop_text),
		cmocka_unit_test(test_interop_json),
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_openssl_agrees),
		cmocka_unit_test(test_issuer_check),
		cmocka_unit_test(test_pem_and_comments),
		cmocka_unit_test(test_truncated_files),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_exchange_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
