/*
 * proto/alloc: import of RIR extended delegation statistics
 * (registry|cc|type|start|value|date|status|opaque-id) with an opaque-id ->
 * handle map. The hand-made sample in tests/proto/alloc/ (documentation and
 * private-use numbers only) imports to a golden table; data-driven cases
 * cover non-power-of-two IPv4 counts, IPv6 prefix lengths, AS counts,
 * header and summary lines, unmapped opaque-ids, the truncation check
 * (UD-104: a broken feed must not silently shrink everyone) and every
 * truncation of the sample from an exactly sized buffer.
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

#include "proto/alloc.h"

#ifndef ALLOC_SAMPLES
#error "ALLOC_SAMPLES (the tests/proto/alloc directory) must be defined"
#endif

#define T_2026 1767225600   /* 2026-01-01T00:00:00Z */

static char *
slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	long n;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", ALLOC_SAMPLES, name);
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

static const struct alloc_rir_opts std_opts = {
	.class_name = "DEFAULT",
	.notafter = T_2026,
	.version = 7,
	.flags = 0,
	.source = "delegated.txt",
	.map_source = "map.txt",
};

/* Import from exactly sized copies of both texts. */
static int
import_exact(const char *stats, size_t slen, const char *map, size_t mlen,
    const struct alloc_rir_opts *o, struct alloc_table *t, struct alloc_rir_stats *st,
    struct alloc_error *err)
{
	char *s = malloc(slen > 0 ? slen : 1), *m = malloc(mlen > 0 ? mlen : 1);
	int rc;

	assert_non_null(s);
	assert_non_null(m);
	memcpy(s, stats, slen);
	memcpy(m, map, mlen);
	rc = alloc_import_rir(s, slen, m, mlen, o, t, st, err);
	free(s);
	free(m);
	return rc;
}

static char *
print_ok(const struct alloc_table *t)
{
	char *out = NULL;

	assert_int_equal(alloc_print(t, &out, NULL), 0);
	return out;
}

/* The sample imports to the golden table, which parses back to the same table. */
static void
test_sample(void **state)
{
	size_t sl, ml, gl;
	char *s = slurp("delegated-example-extended.txt", &sl);
	char *m = slurp("delegated-example-map.txt", &ml);
	char *golden = slurp("delegated-example.canon.txt", &gl);
	struct alloc_table t, t2;
	struct alloc_rir_stats st;
	struct alloc_error err;
	struct alloc_errs errs;
	char *out;

	(void)state;
	if (import_exact(s, sl, m, ml, &std_opts, &t, &st, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(st.records, 14);
	assert_int_equal(st.imported, 9);
	assert_int_equal(st.skipped, 4);
	assert_int_equal(st.unmapped, 1);
	assert_int_equal(st.first_unmapped_line, 16);
	assert_int_equal(t.version, 7);
	assert_string_equal(t.source, "delegated.txt");
	out = print_ok(&t);
	if (strcmp(out, golden) != 0)
		fail_msg("got\n%s\nwant\n%s", out, golden);
	assert_int_equal(alloc_parse(out, strlen(out), "x", &t2, &err), 0);
	assert_true(alloc_table_equal(&t, &t2));
	alloc_table_free(&t2);
	free(out);

	/* the import validates clean (isp-d holds nothing: a warning) */
	alloc_errs_init(&errs);
	assert_int_equal(alloc_validate(&t, NULL, 0, T_2026 - 365 * 86400, &errs), 0);
	assert_int_equal(errs.nwarnings, 1);
	assert_string_equal(errs.msgs[0].text, "delegated.txt: child isp-d has no grant");
	alloc_errs_free(&errs);
	alloc_table_free(&t);

	/* strict: the unmapped record is an error, at its line */
	{
		struct alloc_rir_opts o = std_opts;

		o.flags = ALLOC_RIR_UNMAPPED_ERROR;
		assert_int_equal(import_exact(s, sl, m, ml, &o, &t, &st, &err), ALLOC_ERR_UNMAPPED);
		assert_string_equal(err.msg, "delegated.txt:16: opaque-id A9UNKNOWN is not in the map");
		assert_int_equal(t.nchildren, 0);
		assert_null(t.source);
	}
	free(s);
	free(m);
	free(golden);
}

/* Every truncation of the sample: fails cleanly (the counts catch it) or imports. */
static void
test_truncations(void **state)
{
	size_t sl, ml, k, ok = 0;
	char *s = slurp("delegated-example-extended.txt", &sl);
	char *m = slurp("delegated-example-map.txt", &ml);

	(void)state;
	for (k = 0; k <= sl; k++) {
		struct alloc_table t;
		struct alloc_error err;
		int rc = import_exact(s, k, m, ml, &std_opts, &t, NULL, &err);

		assert_true(rc == 0 || (rc <= ALLOC_ERR_ARG && rc >= ALLOC_ERR_TA));
		if (rc == 0)
			ok++;
		else
			assert_int_equal(err.code, rc);
		alloc_table_free(&t);
	}
	/*
	 * Only the whole file passes the count check: with its last newline,
	 * without it, and without the last record's empty opaque-id field
	 * (a reserved record needs none).
	 */
	assert_int_equal(ok, 3);
	for (k = 0; k <= ml; k++) {
		struct alloc_table t;
		int rc = import_exact(s, sl, m, k, &std_opts, &t, NULL, NULL);

		assert_true(rc == 0 || (rc <= ALLOC_ERR_ARG && rc >= ALLOC_ERR_TA));
		alloc_table_free(&t);
	}
	free(s);
	free(m);
}

struct rir_case {
	const char *name;
	const char *stats;
	unsigned flags;
	int rc;
	const char *want;   /* the grant line(s) of the result, or the error message */
};

#define MAP "X1 a\nX2 b\n"
#define H(n) "2|apnic|20240101|" #n "|19830613|20231231|+1000\n"
#define GRANT_A "grant a DEFAULT notafter=2026-01-01T00:00:00Z "

static const struct rir_case rir_cases[] = {
	{ "ipv4 count not a power of two", H(1) "apnic|AU|ipv4|192.0.2.0|3|20110811|allocated|X1\n",
	  0, 0, GRANT_A "ipv4=192.0.2.0-192.0.2.2\n" },
	{ "ipv4 count 768 = /23 + /24", H(1) "apnic|AU|ipv4|10.0.0.0|768|20110811|allocated|X1\n",
	  0, 0, GRANT_A "ipv4=10.0.0.0-10.0.2.255\n" },
	{ "ipv4 count 1 and adjacent records merge",
	  H(2) "apnic|AU|ipv4|192.0.2.0|1|20110811|allocated|X1\n"
	  "apnic|AU|ipv4|192.0.2.1|255|20110811|assigned|X1\n", 0, 0, GRANT_A "ipv4=192.0.2.0/24\n" },
	{ "ipv4 the last address", H(1) "apnic|AU|ipv4|255.255.255.255|1||allocated|X1\n",
	  0, 0, GRANT_A "ipv4=255.255.255.255/32\n" },
	{ "ipv4 the whole space", H(1) "apnic|AU|ipv4|0.0.0.0|4294967296||allocated|X1\n",
	  0, 0, GRANT_A "ipv4=0.0.0.0/0\n" },
	{ "ipv4 past the end", H(1) "apnic|AU|ipv4|255.255.255.0|257||allocated|X1\n", 0,
	  ALLOC_ERR_RIR, "delegated.txt:2: ipv4 count must be 1 or more and stay within 255.255.255.255" },
	{ "ipv4 count 0", H(1) "apnic|AU|ipv4|192.0.2.0|0||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "~ipv4 count must be 1 or more" },
	{ "ipv4 count huge", H(1) "apnic|AU|ipv4|192.0.2.0|99999999999999999999999||allocated|X1\n",
	  0, ALLOC_ERR_RIR, "~ipv4 count" },
	{ "ipv4 bad start", H(1) "apnic|AU|ipv4|192.0.2|256||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "~ipv4 start is not a dotted-quad address" },
	{ "ipv4 leading zero", H(1) "apnic|AU|ipv4|192.0.02.0|256||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "~dotted-quad" },
	{ "ipv6 prefix lengths", H(3) "apnic|JP|ipv6|2001:db8::|48|20080415|allocated|X1\n"
	  "apnic|JP|ipv6|2001:DB8:1::|48|20080415|allocated|X1\n"
	  "apnic|JP|ipv6|::|128|20080415|allocated|X1\n",
	  0, 0, GRANT_A "ipv6=::/128,2001:db8::/47\n" },
	{ "ipv6 /0", H(1) "apnic|JP|ipv6|::|0||allocated|X1\n", 0, 0, GRANT_A "ipv6=::/0\n" },
	{ "ipv6 host bits", H(1) "apnic|JP|ipv6|2001:db8::1|32||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "delegated.txt:2: ipv6 2001:db8::1/32: host bits set beyond the prefix length" },
	{ "ipv6 length 129", H(1) "apnic|JP|ipv6|2001:db8::|129||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "~prefix length 0..128" },
	{ "ipv6 IPv4 start", H(1) "apnic|JP|ipv6|192.0.2.0|32||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "~not an IPv6 address" },
	{ "ipv6 range instead of address", H(1) "apnic|JP|ipv6|2001:db8::/32|32||allocated|X1\n", 0,
	  ALLOC_ERR_RIR, "~not an IPv6 address" },
	{ "asn counts", H(2) "apnic|AU|asn|64496|16|20110811|allocated|X1\n"
	  "apnic|AU|asn|4294967295|1|20110811|allocated|X1\n",
	  0, 0, GRANT_A "as=64496-64511,4294967295\n" },
	{ "asn past the end", H(1) "apnic|AU|asn|4294967295|2||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "~asn count must be 1 or more" },
	{ "asn start too large", H(1) "apnic|AU|asn|4294967296|1||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "~asn start" },
	{ "two children, summary and comment lines",
	  "# comment\n" H(2) "apnic|*|asn|*|1|summary\napnic|*|ipv4|*|1|summary\n"
	  "# another\n\napnic|AU|asn|64496|1||allocated|X2\n"
	  "apnic|AU|ipv4|198.51.100.0|256||assigned|X1\n",
	  0, 0, GRANT_A "ipv4=198.51.100.0/24\n"
	  "grant b DEFAULT notafter=2026-01-01T00:00:00Z as=64496\n" },
	{ "CRLF and extension fields", H(1) "apnic|AU|asn|64496|1|20110811|allocated|X1|e-stats|x\r\n",
	  0, 0, GRANT_A "as=64496\n" },
	{ "available and reserved, with or without opaque-id",
	  H(3) "apnic||ipv4|192.0.2.0|256||available\napnic|ZZ|ipv4|198.51.100.0|256|00000000|reserved|\n"
	  "apnic|AU|asn|1|1||allocated|X1\n", 0, 0, GRANT_A "as=1\n" },
	{ "unknown status", H(1) "apnic|AU|asn|64496|1||delegated|X1\n", 0, ALLOC_ERR_RIR,
	  "delegated.txt:2: status 'delegated' is not allocated, assigned, available or reserved" },
	{ "allocated without opaque-id (not the extended format)",
	  H(1) "apnic|AU|asn|64496|1|20110811|allocated\n", 0, ALLOC_ERR_RIR,
	  "delegated.txt:2: allocated record without an opaque-id (not the extended format?)" },
	{ "unknown type", H(1) "apnic|AU|ipv5|1|1||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "~type 'ipv5' is not asn, ipv4 or ipv6" },
	{ "short record", H(1) "apnic|AU|asn|64496|1\n", 0, ALLOC_ERR_RIR,
	  "~expected 'registry|cc|type" },
	{ "no version line", "apnic|AU|asn|64496|1||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "~expected the version line" },
	{ "version 1", "1|apnic|20240101|1|19830613|20231231|+1000\n", 0, ALLOC_ERR_RIR,
	  "~expected the version line" },
	{ "empty file", "", 0, ALLOC_ERR_RIR, "delegated.txt: no version line" },
	{ "truncated: fewer records than the version line says (UD-104)",
	  H(3) "apnic|AU|asn|64496|1||allocated|X1\n", 0, ALLOC_ERR_RIR,
	  "delegated.txt:1: version line says 3 records, the file has 1 (truncated or damaged?)" },
	{ "truncated: count check off", H(3) "apnic|AU|asn|64496|1||allocated|X1\n",
	  ALLOC_RIR_NO_COUNT_CHECK, 0, GRANT_A "as=64496\n" },
	{ "summary disagrees", H(1) "apnic|*|asn|*|2|summary\napnic|AU|asn|64496|1||allocated|X1\n",
	  0, ALLOC_ERR_RIR, "~summary says 2 asn records, the file has 1" },
	{ "summary twice", H(0) "apnic|*|asn|*|0|summary\napnic|*|asn|*|0|summary\n", 0,
	  ALLOC_ERR_RIR, "~second summary line for asn" },
	{ "bad summary", H(0) "apnic|x|asn|*|0|summary\n", 0, ALLOC_ERR_RIR, "~expected 'registry|*|" },
	{ "unmapped, counted", H(1) "apnic|AU|asn|64496|1||allocated|NOPE\n", 0, 0, "" },
	{ "unmapped, strict", H(1) "apnic|AU|asn|64496|1||allocated|NOPE\n",
	  ALLOC_RIR_UNMAPPED_ERROR, ALLOC_ERR_UNMAPPED,
	  "delegated.txt:2: opaque-id NOPE is not in the map" },
	{ "NUL", H(1) "apnic|AU|asn|64496|1||allocated|X1\0\n", 0, ALLOC_ERR_ENCODING,
	  "delegated.txt:2: NUL or control character" },
	{ "too many fields", H(1) "a|b|asn|1|1||allocated|X1|||||||||||||||||||||||||||||\n", 0,
	  ALLOC_ERR_RIR, "~more than 32 fields" },
};

static void
test_rir_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rir_cases) / sizeof(rir_cases[0]); i++) {
		const struct rir_case *c = &rir_cases[i];
		struct alloc_rir_opts o = std_opts;
		struct alloc_table t;
		struct alloc_error err;
		/* the NUL case: length up to the final newline */
		size_t len = strlen(c->stats);
		int rc;

		if (strcmp(c->name, "NUL") == 0)
			len += 2;
		o.flags = c->flags;
		rc = import_exact(c->stats, len, MAP, strlen(MAP), &o, &t, NULL, &err);
		if (rc != c->rc)
			fail_msg("%s: rc %d want %d: %s", c->name, rc, c->rc, err.msg);
		if (rc == 0) {
			char *out = print_ok(&t), *g = strstr(out, "grant ");
			const char *got = g != NULL ? g : "";

			if (strcmp(got, c->want) != 0)
				fail_msg("%s: got\n%s\nwant\n%s", c->name, got, c->want);
			assert_int_equal(t.nchildren, 2);
			assert_int_equal(t.nclasses, 1);
			free(out);
		} else if (c->want[0] == '~' ? strstr(err.msg, c->want + 1) == NULL :
		    strcmp(err.msg, c->want) != 0) {
			fail_msg("%s: message '%s' want '%s'", c->name, err.msg, c->want);
		}
		alloc_table_free(&t);
	}
}

struct map_case {
	const char *name;
	const char *map;
	int rc;
	const char *want;
};

static const struct map_case map_cases[] = {
	{ "comments, blanks, tabs", "# m\n\n  X1\ta   # c\nX2 b\r\n", 0, NULL },
	{ "empty map", "", 0, NULL },
	{ "duplicate id", "X1 a\nX1 b\n", ALLOC_ERR_MAP,
	  "map.txt:2: opaque-id X1 mapped again (first at line 1)" },
	{ "two ids one handle", "X1 a\nX2 a\n", 0, NULL },
	{ "three tokens", "X1 a b\n", ALLOC_ERR_MAP, "map.txt:1: expected 'opaque-id handle'" },
	{ "one token", "X1\n", ALLOC_ERR_MAP, "~expected 'opaque-id handle'" },
	{ "bad handle", "X1 a.b\n", ALLOC_ERR_NAME, "~child handle is not" },
	{ "id with '|'", "X|1 a\n", ALLOC_ERR_MAP, "~opaque-id is not" },
	{ "id non-ASCII", "X\xc3\xa9 a\n", ALLOC_ERR_MAP, "~opaque-id is not" },
	{ "control char", "X1 a\x01\n", ALLOC_ERR_ENCODING, "map.txt:1: NUL or control character" },
};

static void
test_map_cases(void **state)
{
	static const char stats[] = H(1) "apnic|AU|asn|64496|1||allocated|X1\n";

	(void)state;
	for (size_t i = 0; i < sizeof(map_cases) / sizeof(map_cases[0]); i++) {
		const struct map_case *c = &map_cases[i];
		struct alloc_table t;
		struct alloc_rir_stats st;
		struct alloc_error err;
		int rc = import_exact(stats, sizeof(stats) - 1, c->map, strlen(c->map), &std_opts,
		    &t, &st, &err);

		if (rc != c->rc)
			fail_msg("%s: rc %d want %d: %s", c->name, rc, c->rc, err.msg);
		if (c->want != NULL && (c->want[0] == '~' ? strstr(err.msg, c->want + 1) == NULL :
		    strcmp(err.msg, c->want) != 0))
			fail_msg("%s: message '%s' want '%s'", c->name, err.msg, c->want);
		if (rc == 0)
			assert_int_equal(st.imported + st.unmapped, 1);
		alloc_table_free(&t);
	}
}

/* Overlapping holders in a registry file are caught by validation (UD-100). */
static void
test_overlap_after_import(void **state)
{
	static const char stats[] = H(2)
	    "apnic|AU|ipv4|192.0.2.0|256||allocated|X1\n"
	    "apnic|AU|ipv4|192.0.2.128|128||allocated|X2\n";
	struct alloc_table t;
	struct alloc_errs errs;

	(void)state;
	assert_int_equal(import_exact(stats, sizeof(stats) - 1, MAP, strlen(MAP), &std_opts, &t,
	    NULL, NULL), 0);
	alloc_errs_init(&errs);
	assert_int_equal(alloc_validate(&t, NULL, 0, 0, &errs), ALLOC_ERR_INVALID);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0].text, "delegated.txt: class DEFAULT: ipv4 "
	    "192.0.2.128/25 granted to both a and b (UD-100)");
	alloc_errs_free(&errs);
	alloc_table_free(&t);
}

static void
test_args(void **state)
{
	struct alloc_rir_opts o = std_opts;
	struct alloc_table t;
	struct alloc_error err;
	char *big;

	(void)state;
	assert_int_equal(alloc_import_rir("", 0, "", 0, &std_opts, NULL, NULL, NULL), ALLOC_ERR_ARG);
	assert_int_equal(alloc_import_rir("", 0, "", 0, NULL, &t, NULL, &err), ALLOC_ERR_ARG);
	o.class_name = "bad name";
	assert_int_equal(alloc_import_rir("", 0, "", 0, &o, &t, NULL, &err), ALLOC_ERR_ARG);
	o.class_name = NULL;
	assert_int_equal(alloc_import_rir("", 0, "", 0, &o, &t, NULL, &err), ALLOC_ERR_ARG);
	assert_int_equal(alloc_import_rir(NULL, 3, "", 0, &std_opts, &t, NULL, &err),
	    ALLOC_ERR_ARG);
	/* NULL with length 0 is an empty text: no version line */
	assert_int_equal(alloc_import_rir(NULL, 0, NULL, 0, &std_opts, &t, NULL, &err),
	    ALLOC_ERR_RIR);
	big = calloc(1, (size_t)ALLOC_MAX_TEXT + 1);
	assert_non_null(big);
	assert_int_equal(alloc_import_rir(big, (size_t)ALLOC_MAX_TEXT + 1, "", 0, &std_opts, &t,
	    NULL, &err), ALLOC_ERR_LIMIT);
	free(big);
	/* a 1 MB line */
	big = malloc((1u << 20) + 1);
	assert_non_null(big);
	memset(big, 'a', 1u << 20);
	big[1u << 20] = '\n';
	assert_int_equal(import_exact(big, (1u << 20) + 1, "", 0, &std_opts, &t, NULL, &err),
	    ALLOC_ERR_LIMIT);
	assert_int_equal(import_exact("2|x|1|0|1|1|+0\n", 15, big, (1u << 20) + 1, &std_opts, &t,
	    NULL, &err), ALLOC_ERR_LIMIT);
	free(big);
	alloc_table_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_rir_cases),
		cmocka_unit_test(test_map_cases),
		cmocka_unit_test(test_overlap_after_import),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
