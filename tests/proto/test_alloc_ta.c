/*
 * proto/alloc: a child's BPKI trust anchor in the table,
 * "child HANDLE ta=BASE64DER" (docs/allocation-table.md), which carries an
 * RFC 8183 child_request's child_bpki_ta to an air-gapped appliance inside
 * the signed bundle (UD-151, UD-152, UD-155).
 *
 * Real TAs from tests/data/interop (Krill's child "rand" for APNIC, valid
 * 2020-2035; rpkid's Carol, valid 2011-2012): parse, print on one line,
 * round trip, equality; refusals (non-canonical base64, not a certificate,
 * bytes after it, an EE certificate, empty, too large, extra tokens, ta=
 * on a class); alloc_validate at times inside and outside the TA's
 * validity (UD-152); every truncation from an exactly sized buffer.
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

#include "proto/alloc.h"
#include "proto/oob.h"
#include "proto/updown.h"

#define T_2024 1704067200 /* 2024-01-01T00:00:00Z */
#define T_2012 1325376000 /* 2012-01-01T00:00:00Z */
#define NA "notafter=2040-01-01T00:00:00Z"

static unsigned char *
slurp(const char *rel, size_t *len)
{
	const char *d = getenv("UPDOWN_TESTDATA");
	char path[1024];
	FILE *f;
	long n;
	unsigned char *buf;

	assert_non_null(d);
	snprintf(path, sizeof(path), "%s/interop/%s", d, rel);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The child_bpki_ta of an interop child_request, base64 (malloc'd). */
static char *
request_ta_b64(const char *rel, unsigned char **der, size_t *der_len)
{
	unsigned char *xml;
	size_t len, need = 0, got;
	struct oob_msg m;
	char why[256], *b64;

	xml = slurp(rel, &len);
	assert_int_equal(oob_decode((char *)xml, len, &m, why, sizeof(why)), 0);
	assert_int_equal(m.type, OOB_CHILD_REQUEST);
	(void)mbedtls_base64_encode(NULL, 0, &need, m.u.child_request.child_bpki_ta.p,
	    m.u.child_request.child_bpki_ta.len);
	b64 = malloc(need);
	assert_non_null(b64);
	assert_int_equal(mbedtls_base64_encode((unsigned char *)b64, need, &got,
	    m.u.child_request.child_bpki_ta.p, m.u.child_request.child_bpki_ta.len), 0);
	if (der != NULL) {
		*der = malloc(m.u.child_request.child_bpki_ta.len);
		assert_non_null(*der);
		memcpy(*der, m.u.child_request.child_bpki_ta.p, m.u.child_request.child_bpki_ta.len);
		*der_len = m.u.child_request.child_bpki_ta.len;
	}
	oob_msg_free(&m);
	free(xml);
	return b64;
}

static char *
b64_of_file(const char *rel)
{
	unsigned char *der;
	size_t len, need = 0, got;
	char *b64;

	der = slurp(rel, &len);
	(void)mbedtls_base64_encode(NULL, 0, &need, der, len);
	b64 = malloc(need);
	assert_non_null(b64);
	assert_int_equal(mbedtls_base64_encode((unsigned char *)b64, need, &got, der, len), 0);
	free(der);
	return b64;
}

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	assert_true(n >= 0);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

static int
parse_exact(const char *text, size_t len, struct alloc_table *t, struct alloc_error *err)
{
	char *buf = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(buf);
	memcpy(buf, text, len);
	rc = alloc_parse(buf, len, "alloc.txt", t, err);
	free(buf);
	return rc;
}

static const char *const krill_req = "krill/test-resources/oob/apnic/child_request.xml";
static const char *const rpkid_req = "rpki-rs/test-data/ca/rfc8183/rpkid-child-id.xml";

/* UD-151: the TA of a real child_request travels through the table and back. */
static void
test_round_trip(void **state)
{
	unsigned char *der;
	size_t der_len, plen, p2len;
	char *b64, *text, *p, *p2, *line;
	struct alloc_table t, t2;
	struct alloc_error err;
	const struct alloc_child *c;

	(void)state;
	b64 = request_ta_b64(krill_req, &der, &der_len);
	text = fmt("version 3\nclass DEFAULT\nchild rand   ta=%s   # Krill, UD-155\n"
	    "child other\ngrant rand DEFAULT ipv4=192.0.2.0/24 " NA "\n", b64);
	if (parse_exact(text, strlen(text), &t, &err) != 0)
		fail_msg("%s", err.msg);
	c = alloc_find_child(&t, "rand");
	assert_non_null(c);
	assert_int_equal(c->ta_len, der_len);
	assert_memory_equal(c->ta, der, der_len);
	assert_int_equal(c->line, 3);
	c = alloc_find_child(&t, "other");
	assert_null(c->ta);
	assert_int_equal(c->ta_len, 0);

	/* canonical text: the child and its TA on one line, within the line cap */
	assert_int_equal(alloc_print(&t, &p, &plen), 0);
	line = fmt("\nchild rand ta=%s\n", b64);
	assert_non_null(strstr(p, line));
	assert_non_null(strstr(p, "\nchild other\n"));
	assert_true(strlen(line) < ALLOC_MAX_LINE);
	assert_int_equal(parse_exact(p, plen, &t2, &err), 0);
	assert_true(alloc_table_equal(&t, &t2));
	assert_int_equal(alloc_print(&t2, &p2, &p2len), 0);
	assert_int_equal(plen, p2len);
	assert_memory_equal(p, p2, plen);

	/* equality sees the TA: removed, and changed by one byte */
	free(t2.children[0].ta);
	t2.children[0].ta = NULL;
	t2.children[0].ta_len = 0;
	assert_string_equal(t2.children[0].handle, "other");
	assert_true(alloc_table_equal(&t, &t2));
	t2.children[1].ta[t2.children[1].ta_len - 1] ^= 1;
	assert_false(alloc_table_equal(&t, &t2));
	free(t2.children[1].ta);
	t2.children[1].ta = NULL;
	t2.children[1].ta_len = 0;
	assert_false(alloc_table_equal(&t, &t2));

	alloc_table_free(&t2);
	alloc_table_free(&t);
	free(p);
	free(p2);
	free(line);
	free(text);
	free(der);
	free(b64);
}

struct bad {
	const char *name;
	const char *child_line;   /* "%s" is replaced by the real TA's base64 */
	int code;
	const char *msg;
};

static const struct bad bad_cases[] = {
	{ "base64 cut short", NULL, ALLOC_ERR_TA, "ta: not canonical base64" },
	{ "base64 with a bad character", "child a ta=%s!", ALLOC_ERR_TA, "not canonical base64" },
	{ "empty ta", "child a ta=", ALLOC_ERR_TA, "alloc.txt:3: ta: empty value" },
	{ "not base64", "child a ta=%%%%", ALLOC_ERR_TA, "not canonical base64" },
	{ "not a certificate", "child a ta=aGVsbG8gd29ybGQ=", ALLOC_ERR_TA,
	  "ta: not a DER X.509 certificate (RFC 5280 section 4.1)" },
	{ "two tokens", "child a ta=%s b", ALLOC_ERR_SYNTAX, "expected 'child HANDLE [ta=BASE64]'" },
	{ "other key", "child a tb=%s", ALLOC_ERR_SYNTAX, "expected 'child HANDLE [ta=BASE64]'" },
	{ "ta on a class", "class B ta=%s", ALLOC_ERR_SYNTAX, "expected 'class NAME'" },
	{ "bad handle", "child a! ta=%s", ALLOC_ERR_NAME, "child handle 'a!'" },
};

static void
test_refused(void **state)
{
	char *b64 = request_ta_b64(krill_req, NULL, NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char *line, *text;
		struct alloc_table t;
		struct alloc_error err;
		int rc;

		/* the base64 without its last character (padding or data) */
		if (strcmp(bad_cases[i].name, "base64 cut short") == 0) {
			char *cut = strdup(b64);

			assert_non_null(cut);
			cut[strlen(cut) - 1] = '\0';
			line = fmt("child a ta=%s", cut);
			free(cut);
		} else {
			line = fmt(bad_cases[i].child_line, b64);
		}
		text = fmt("version 1\nclass A\n%s\n", line);
		rc = parse_exact(text, strlen(text), &t, &err);
		if (rc != bad_cases[i].code || strstr(err.msg, bad_cases[i].msg) == NULL)
			fail_msg("%s: got %d '%s'", bad_cases[i].name, rc, err.msg);
		assert_int_equal(t.nchildren, 0);
		free(line);
		free(text);
	}
	free(b64);
}

/* A certificate that is not a CA, bytes after it, a huge value, a duplicate child. */
static void
test_refused_certs(void **state)
{
	char *ee = b64_of_file("derived/cms-bpki/krill-list-ee0.cer"), *text, *big;
	unsigned char *der, *tail;
	size_t der_len, need = 0, got;
	char *b64 = request_ta_b64(krill_req, &der, &der_len), *tb64;
	struct alloc_table t;
	struct alloc_error err;
	struct alloc_errs errs;

	(void)state;
	text = fmt("version 1\nchild a ta=%s\n", ee);
	assert_int_equal(parse_exact(text, strlen(text), &t, &err), ALLOC_ERR_TA);
	assert_non_null(strstr(err.msg, "alloc.txt:2: ta: not a CA certificate"));
	assert_non_null(strstr(err.msg, "UD-152"));
	free(text);

	/* the certificate with one byte after it */
	tail = malloc(der_len + 1);
	assert_non_null(tail);
	memcpy(tail, der, der_len);
	tail[der_len] = 0;
	(void)mbedtls_base64_encode(NULL, 0, &need, tail, der_len + 1);
	tb64 = malloc(need);
	assert_non_null(tb64);
	assert_int_equal(mbedtls_base64_encode((unsigned char *)tb64, need, &got, tail,
	    der_len + 1), 0);
	text = fmt("version 1\nchild a ta=%s\n", tb64);
	assert_int_equal(parse_exact(text, strlen(text), &t, &err), ALLOC_ERR_TA);
	assert_non_null(strstr(err.msg, "not a DER X.509 certificate"));
	free(text);
	free(tb64);
	free(tail);

	/* over ALLOC_MAX_TA: refused before decoding */
	big = malloc(ALLOC_MAX_TA / 3 * 4 + 16);
	assert_non_null(big);
	memset(big, 'A', ALLOC_MAX_TA / 3 * 4 + 8);
	big[ALLOC_MAX_TA / 3 * 4 + 8] = '\0';
	text = fmt("version 1\nchild a ta=%s\n", big);
	assert_int_equal(parse_exact(text, strlen(text), &t, &err), ALLOC_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "ta: certificate larger than 32768 bytes"));
	free(text);
	free(big);

	/* UD-155 is onboarding's job: the table itself refuses a child twice */
	text = fmt("version 1\nchild a ta=%s\nchild a ta=%s\n", b64, b64);
	assert_int_equal(parse_exact(text, strlen(text), &t, &err), ALLOC_ERR_DUPLICATE);
	alloc_errs_init(&errs);
	assert_int_equal(alloc_parse_all(text, strlen(text), "alloc.txt", &t, &errs),
	    ALLOC_ERR_DUPLICATE);
	assert_int_equal(errs.nerrors, 1);
	alloc_errs_free(&errs);
	free(text);
	free(der);
	free(b64);
	free(ee);
}

/* UD-152 at validation: the TA must be valid at now (now == 0 skips). */
static void
test_validate(void **state)
{
	char *krill = request_ta_b64(krill_req, NULL, NULL);
	char *rpkid = request_ta_b64(rpkid_req, NULL, NULL), *text;
	struct alloc_table t;
	struct alloc_error err;
	struct alloc_errs errs;

	(void)state;
	text = fmt("version 1\nclass A\nchild rand ta=%s\nchild Carol ta=%s\n"
	    "grant rand A as=1 " NA "\ngrant Carol A as=2 " NA "\n", krill, rpkid);
	assert_int_equal(parse_exact(text, strlen(text), &t, &err), 0);

	alloc_errs_init(&errs);
	assert_int_equal(alloc_validate(&t, NULL, 0, T_2024, &errs), ALLOC_ERR_INVALID);
	assert_int_equal(errs.nerrors, 1);
	assert_int_equal(errs.msgs[0].code, ALLOC_ERR_TA);
	assert_int_equal(errs.msgs[0].line, 4);
	assert_non_null(strstr(errs.msgs[0].text, "alloc.txt:4: child Carol: BPKI TA refused"));
	alloc_errs_free(&errs);

	/* in 2012 rpkid's TA is valid and Krill's not yet (notBefore 2020) */
	alloc_errs_init(&errs);
	assert_int_equal(alloc_validate(&t, NULL, 0, T_2012, &errs), ALLOC_ERR_INVALID);
	assert_int_equal(errs.msgs[0].line, 3);
	assert_non_null(strstr(errs.msgs[0].text, "child rand: BPKI TA refused"));
	alloc_errs_free(&errs);

	alloc_errs_init(&errs);
	assert_int_equal(alloc_validate(&t, NULL, 0, 0, &errs), 0);
	alloc_errs_free(&errs);
	alloc_table_free(&t);
	free(text);
	free(krill);
	free(rpkid);
}

/* Every truncation of a table with a TA, from an exactly sized buffer. */
static void
test_truncations(void **state)
{
	char *b64 = request_ta_b64(rpkid_req, NULL, NULL), *text;
	size_t n, ok = 0;

	(void)state;
	text = fmt("version 1\nclass A\nchild Carol ta=%s\ngrant Carol A as=2 " NA "\n", b64);
	for (n = 0; n <= strlen(text); n++) {
		struct alloc_table t;
		struct alloc_error err;
		int rc = parse_exact(text, n, &t, &err);

		if (rc == 0) {
			ok++;
			alloc_table_free(&t);
			continue;
		}
		assert_true(rc <= ALLOC_ERR_ARG && rc >= ALLOC_ERR_TA);
		assert_int_equal(t.nchildren, 0);
	}
	assert_true(ok >= 2);
	free(text);
	free(b64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refused_certs),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
