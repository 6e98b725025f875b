/*
 * proto/alloc: the allocation table text format (docs/allocation-table.md).
 *
 * Data-driven: accepted texts with their canonical form, refused texts
 * with the exact error code, line and message; round trips
 * parse(print(t)) == t on every accepted sample; the golden sample file;
 * every truncation of a valid table from an exactly sized buffer; hostile
 * input (huge numbers, NUL, invalid UTF-8, control characters, 1 MB line,
 * limits); a 10,000-child table (time printed, not asserted); lookups.
 * The resource text inside grants is RFC 6492's (UD-58).
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

/* ---- helpers ---- */

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

/* Parse from an exactly sized heap copy, so ASan sees any overread. */
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

static char *
print_ok(const struct alloc_table *t)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(alloc_print(t, &out, &len), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

/* parse(print(t)) == t and print is a fixed point. */
static void
check_roundtrip(const struct alloc_table *t)
{
	struct alloc_table t2;
	struct alloc_error err;
	char *p1 = print_ok(t), *p2;

	if (parse_exact(p1, strlen(p1), &t2, &err) != 0)
		fail_msg("canonical text does not parse: %s\n%s", err.msg, p1);
	assert_true(alloc_table_equal(t, &t2));
	p2 = print_ok(&t2);
	assert_string_equal(p1, p2);
	free(p1);
	free(p2);
	alloc_table_free(&t2);
}

static bool
is_alloc_err(int rc)
{
	return rc <= ALLOC_ERR_ARG && rc >= ALLOC_ERR_TA;
}

/* ---- accepted texts -> canonical text ---- */

struct ok_case {
	const char *name;
	const char *in;
	const char *canon;
};

#define NA "notafter=2026-01-01T00:00:00Z"

static const struct ok_case ok_cases[] = {
	{ "minimal", "version 0\n", "version 0\n" },
	{ "no final newline", "version 5", "version 5\n" },
	{ "u64 max", "version 18446744073709551615\n", "version 18446744073709551615\n" },
	{ "blank lines, blanks, tabs, comments",
	  "\n  # comment\n\t version   7 \t# trailing comment\n\n\tclass\tA\t\n",
	  "version 7\n\nclass A\n" },
	{ "CRLF line ends", "version 1\r\nclass A\r\nchild c\r\n",
	  "version 1\n\nclass A\n\nchild c\n" },
	{ "byte order mark", "\xef\xbb\xbfversion 1\n", "version 1\n" },
	{ "'#' inside a token is not a comment", "version 1\nclass A#B\n",
	  "version 1\n\nclass A#B\n" },
	{ "UTF-8 class name", "version 1\nclass R\xc3\xa9seau\n",
	  "version 1\n\nclass R\xc3\xa9seau\n" },
	{ "child without grant", "version 1\nclass A\nchild c\n",
	  "version 1\n\nclass A\n\nchild c\n" },
	{ "sorted output", "version 1\nclass B\nclass A\nchild z\nchild a\n"
	  "grant z B ipv4=10.0.0.0/8 " NA "\ngrant a B as=1 " NA "\n"
	  "grant a A as=2 " NA "\n",
	  "version 1\n\nclass A\nclass B\n\nchild a\nchild z\n\n"
	  "grant a A " NA " as=2\ngrant a B " NA " as=1\n"
	  "grant z B " NA " ipv4=10.0.0.0/8\n" },
	{ "declarations after grants", "version 1\ngrant c A as=1 " NA "\nclass A\nchild c\n",
	  "version 1\n\nclass A\n\nchild c\n\ngrant c A " NA " as=1\n" },
	{ "grants add up, notafter once",
	  "version 1\nclass A\nchild c\ngrant c A as=1\ngrant c A as=2 ipv4=10.0.0.0/9 " NA "\n"
	  "grant c A ipv4=10.128.0.0/9\n",
	  "version 1\n\nclass A\n\nchild c\n\ngrant c A " NA " as=1-2 ipv4=10.0.0.0/8\n" },
	{ "repeated key adds up, same notafter twice",
	  "version 1\nclass A\nchild c\ngrant c A " NA " ipv6=2001:db8::/33 "
	  "ipv6=2001:db8:8000::/33 " NA "\n",
	  "version 1\n\nclass A\n\nchild c\n\ngrant c A " NA " ipv6=2001:db8::/32\n" },
	{ "continuation", "version 1\nclass A\nchild c\ngrant \\\n  c \\\nA\\\n as=1 \\\n\t" NA "\n",
	  "version 1\n\nclass A\n\nchild c\n\ngrant c A " NA " as=1\n" },
	{ "continuation with comment and trailing blanks",
	  "version 1\nclass A\nchild c\ngrant c A as=1 \\  # comment\n  " NA "\n",
	  "version 1\n\nclass A\n\nchild c\n\ngrant c A " NA " as=1\n" },
	{ "non-canonical resources become canonical (UD-58)",
	  "version 1\nclass A\nchild c\ngrant c A as=3,1-2 ipv4=192.0.2.0-192.0.2.255 "
	  "ipv6=2001:0DB8:0:0::/32 " NA "\n",
	  "version 1\n\nclass A\n\nchild c\n\ngrant c A " NA
	  " as=1-3 ipv4=192.0.2.0/24 ipv6=2001:db8::/32\n" },
	{ "explicitly empty family",
	  "version 1\nclass A\nchild c\ngrant c A as= ipv4=10.0.0.0/8 " NA "\n",
	  "version 1\n\nclass A\n\nchild c\n\ngrant c A " NA " ipv4=10.0.0.0/8\n" },
	{ "empty entitlement (validate refuses it) prints as as=",
	  "version 1\nclass A\nchild c\ngrant c A ipv6= " NA "\n",
	  "version 1\n\nclass A\n\nchild c\n\ngrant c A " NA " as=\n" },
	{ "handle with slash", "version 1\nclass A\nchild nir/isp-1_x\n",
	  "version 1\n\nclass A\n\nchild nir/isp-1_x\n" },
	{ "a blank line ends a continued statement",
	  "version 1\nclass A \\\n\nchild c\n", "version 1\n\nclass A\n\nchild c\n" },
};

static void
test_ok_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct alloc_table t;
		struct alloc_error err;
		char *out;
		int rc = parse_exact(c->in, strlen(c->in), &t, &err);

		if (rc != 0)
			fail_msg("%s: %s", c->name, err.msg);
		assert_int_equal(err.code, 0);
		out = print_ok(&t);
		if (strcmp(out, c->canon) != 0)
			fail_msg("%s: got\n%s\nwant\n%s", c->name, out, c->canon);
		free(out);
		check_roundtrip(&t);
		alloc_table_free(&t);
	}
}

/* ---- refused texts: code, line, message ---- */

struct bad_case {
	const char *name;
	const char *in;
	size_t len;          /* 0: strlen(in) */
	int rc;
	unsigned long line;
	const char *msg;     /* exact message, or a substring when it starts with '~' */
};

#define HDR "version 1\nclass A\nchild c\n"

static const struct bad_case bad_cases[] = {
	{ "empty input", "", 0, ALLOC_ERR_VERSION, 0, "alloc.txt: no 'version N' statement" },
	{ "comments only", "# nothing\n\n", 0, ALLOC_ERR_VERSION, 0, "~no 'version N'" },
	{ "version not first", "class A\nversion 1\n", 0, ALLOC_ERR_VERSION, 1,
	  "alloc.txt:1: the first statement must be 'version N'" },
	{ "version twice", "version 1\nversion 2\n", 0, ALLOC_ERR_VERSION, 2,
	  "alloc.txt:2: version given again (first at line 1)" },
	{ "version leading zero", "version 01\n", 0, ALLOC_ERR_VERSION, 1, "~without leading zeros" },
	{ "version 2^64", "version 18446744073709551616\n", 0, ALLOC_ERR_VERSION, 1,
	  "~not an unsigned 64-bit" },
	{ "version huge", "version 99999999999999999999999999999999999999\n", 0,
	  ALLOC_ERR_VERSION, 1, "~not an unsigned 64-bit" },
	{ "version negative", "version -1\n", 0, ALLOC_ERR_VERSION, 1, "~not an unsigned" },
	{ "version hex", "version 0x10\n", 0, ALLOC_ERR_VERSION, 1, "~not an unsigned" },
	{ "version without number", "version\n", 0, ALLOC_ERR_SYNTAX, 1, "~expected 'version N'" },
	{ "version two numbers", "version 1 2\n", 0, ALLOC_ERR_SYNTAX, 1, "~expected 'version N'" },
	{ "keyword case", "VERSION 1\n", 0, ALLOC_ERR_VERSION, 1, "~first statement" },
	{ "unknown statement", "version 1\n\nallow isp-a\n", 0, ALLOC_ERR_SYNTAX, 3,
	  "alloc.txt:3: unknown statement 'allow' (expected version, class, child or grant)" },
	{ "class without name", "version 1\nclass\n", 0, ALLOC_ERR_SYNTAX, 2, "~expected 'class NAME'" },
	{ "class name is a comment", "version 1\nclass #A\n", 0, ALLOC_ERR_SYNTAX, 2,
	  "~expected 'class NAME'" },
	{ "class two names", "version 1\nclass A B\n", 0, ALLOC_ERR_SYNTAX, 2, "~expected 'class NAME'" },
	{ "class NBSP", "version 1\nclass A\xc2\xa0" "B\n", 0, ALLOC_ERR_NAME, 2, "~white space" },
	{ "class zero-width space", "version 1\nclass A\xe2\x80\x8b" "B\n", 0, ALLOC_ERR_NAME, 2,
	  "~invisible" },
	{ "class bidi override", "version 1\nclass A\xe2\x80\xae" "B\n", 0, ALLOC_ERR_NAME, 2,
	  "~invisible" },
	{ "child bad char", "version 1\nchild isp.a\n", 0, ALLOC_ERR_NAME, 2,
	  "alloc.txt:2: child handle 'isp.a' is not [-_A-Za-z0-9/]{1,255} (RFC 8183)" },
	{ "child two handles", "version 1\nchild a b\n", 0, ALLOC_ERR_SYNTAX, 2, "~expected 'child HANDLE [ta=BASE64]'" },
	{ "duplicate class", "version 1\nclass A\nchild c\nclass A\n", 0, ALLOC_ERR_DUPLICATE, 4,
	  "alloc.txt:4: class A declared again (first at line 2)" },
	{ "duplicate child", "version 1\nchild c\n\n\nchild c\n", 0, ALLOC_ERR_DUPLICATE, 5,
	  "alloc.txt:5: child c declared again (first at line 2)" },
	{ "grant to undeclared child", HDR "grant d A as=1 " NA "\n", 0, ALLOC_ERR_UNKNOWN, 4,
	  "alloc.txt:4: grant to undeclared child d" },
	{ "grant in undeclared class", HDR "grant c B as=1 " NA "\n", 0, ALLOC_ERR_UNKNOWN, 4,
	  "alloc.txt:4: grant in undeclared class B" },
	{ "grant short", HDR "grant c\n", 0, ALLOC_ERR_SYNTAX, 4, "~expected 'grant HANDLE CLASS" },
	{ "grant without resources", HDR "grant c A " NA "\n", 0, ALLOC_ERR_SYNTAX, 4,
	  "alloc.txt:4: grant needs at least one of as=, ipv4=, ipv6=" },
	{ "grant bare word", HDR "grant c A as=1 blue\n", 0, ALLOC_ERR_SYNTAX, 4,
	  "alloc.txt:4: expected key=value, got 'blue'" },
	{ "grant unknown key", HDR "grant c A asn=1 " NA "\n", 0, ALLOC_ERR_SYNTAX, 4,
	  "alloc.txt:4: unknown key 'asn' (expected as, ipv4, ipv6 or notafter)" },
	{ "grant key upper case", HDR "grant c A AS=1 " NA "\n", 0, ALLOC_ERR_SYNTAX, 4, "~unknown key 'AS'" },
	{ "grant bad handle", HDR "grant c! A as=1 " NA "\n", 0, ALLOC_ERR_NAME, 4, "~child handle 'c!'" },
	{ "host bits", HDR "grant c A as=1 ipv4=10.0.0.0/8,192.0.2.1/24 " NA "\n", 0,
	  ALLOC_ERR_RESOURCE, 4,
	  "alloc.txt:4: ipv4: host bits set in 192.0.2.1/24 (RFC 6492 section 3.3.2)" },
	{ "AS prefix", HDR "grant c A as=AS64496 " NA "\n", 0, ALLOC_ERR_RESOURCE, 4,
	  "alloc.txt:4: as: not an AS number or range AS64496 (RFC 6492 section 3.3.2)" },
	{ "AS too large", HDR "grant c A as=4294967296 " NA "\n", 0, ALLOC_ERR_RESOURCE, 4,
	  "~as: number out of range or reversed range 4294967296" },
	{ "AS huge", HDR "grant c A as=999999999999999999999999999999 " NA "\n", 0,
	  ALLOC_ERR_RESOURCE, 4, "~as: " },
	{ "reversed range", HDR "grant c A as=5-3 " NA "\n", 0, ALLOC_ERR_RESOURCE, 4,
	  "~number out of range or reversed range 5-3" },
	{ "empty item", HDR "grant c A ipv4=10.0.0.0/8,,10.1.0.0/16 " NA "\n", 0,
	  ALLOC_ERR_RESOURCE, 4, "~ipv4: empty item in '10.0.0.0/8,,10.1.0.0/16'" },
	{ "IPv4 in ipv6=", HDR "grant c A ipv6=192.0.2.0/24 " NA "\n", 0, ALLOC_ERR_RESOURCE, 4,
	  "~ipv6: " },
	{ "prefix length 33", HDR "grant c A ipv4=10.0.0.0/33 " NA "\n", 0, ALLOC_ERR_RESOURCE, 4,
	  "~ipv4: " },
	{ "notafter malformed", HDR "grant c A as=1 notafter=2026-01-01\n", 0, ALLOC_ERR_NOTAFTER, 4,
	  "alloc.txt:4: notafter: '2026-01-01' is not YYYY-MM-DDThh:mm:ssZ (RFC 6492 section 3.3.2)" },
	{ "notafter Feb 30", HDR "grant c A as=1 notafter=2026-02-30T00:00:00Z\n", 0,
	  ALLOC_ERR_NOTAFTER, 4, "~not YYYY-MM-DD" },
	{ "notafter twice on a line", HDR "grant c A as=1 " NA " notafter=2027-01-01T00:00:00Z\n", 0,
	  ALLOC_ERR_NOTAFTER, 4, "alloc.txt:4: notafter given twice with different values" },
	{ "notafter missing", HDR "grant c A as=1\n\ngrant c A as=2\n", 0, ALLOC_ERR_NOTAFTER, 4,
	  "alloc.txt:4: c/A: no notafter= on any of its grant statements "
	  "(required once per child and class)" },
	{ "notafter disagrees", HDR "grant c A as=1 " NA "\ngrant c A as=2 "
	  "notafter=2027-01-01T00:00:00Z\n", 0, ALLOC_ERR_NOTAFTER, 5,
	  "alloc.txt:5: c/A: notafter 2027-01-01T00:00:00Z disagrees with "
	  "2026-01-01T00:00:00Z at line 4" },
	{ "continuation: error names the first line", HDR "grant c A \\\n  as=1 \\\n  ipv4=10.0.0.1/8 \\\n  " NA "\n",
	  0, ALLOC_ERR_RESOURCE, 4, "~host bits set in 10.0.0.1/8" },
	{ "continuation at end of input", HDR "\ngrant c A as=1 " NA " \\\n", 0, ALLOC_ERR_SYNTAX, 5,
	  "alloc.txt:5: '\\' continues the last line past the end of the input" },
	{ "continuation into a comment line", HDR "grant c A as=1 \\\n# x\n  " NA "\n", 0,
	  ALLOC_ERR_SYNTAX, 6, "~unknown statement 'notafter=" },
	{ "NUL byte", "version 1\nclass A\0B\n", 20, ALLOC_ERR_ENCODING, 2,
	  "alloc.txt:2: NUL byte at column 8" },
	{ "NUL in a comment", "version 1\n# a\0b\n", 16, ALLOC_ERR_ENCODING, 2, "~NUL byte" },
	{ "control character", "version 1\nclass A\x01" "B\n", 0, ALLOC_ERR_ENCODING, 2,
	  "alloc.txt:2: control character at column 8" },
	{ "DEL", "version 1\nclass A\x7f\n", 0, ALLOC_ERR_ENCODING, 2, "~control character" },
	{ "C1 control U+0085", "version 1\nclass A\xc2\x85\n", 0, ALLOC_ERR_ENCODING, 2,
	  "~control character" },
	{ "lone CR", "version 1\nclass A\rB\n", 0, ALLOC_ERR_ENCODING, 2, "~control character" },
	{ "overlong UTF-8", "version 1\nclass A\xc0\x80\n", 0, ALLOC_ERR_ENCODING, 2,
	  "alloc.txt:2: invalid UTF-8 at column 8" },
	{ "UTF-8 surrogate", "version 1\nclass A\xed\xa0\x80\n", 0, ALLOC_ERR_ENCODING, 2,
	  "~invalid UTF-8" },
	{ "UTF-8 above U+10FFFF", "version 1\nclass A\xf4\x90\x80\x80\n", 0, ALLOC_ERR_ENCODING, 2,
	  "~invalid UTF-8" },
	{ "UTF-8 truncated sequence", "version 1\nclass A\xe2\x82\n", 0, ALLOC_ERR_ENCODING, 2,
	  "~invalid UTF-8" },
	{ "byte 0xff in a comment", "version 1\n# \xff\n", 0, ALLOC_ERR_ENCODING, 2, "~invalid UTF-8" },
	{ "Latin-1 text", "version 1\nclass R\xe9seau\n", 0, ALLOC_ERR_ENCODING, 2, "~invalid UTF-8" },
	{ "BOM not at the start", "version 1\n\xef\xbb\xbf" "class A\n", 0, ALLOC_ERR_SYNTAX, 2,
	  "~unknown statement" },
};

static void
check_msg(const char *name, const char *got, const char *want)
{
	if (want[0] == '~') {
		if (strstr(got, want + 1) == NULL)
			fail_msg("%s: message '%s' lacks '%s'", name, got, want + 1);
	} else if (strcmp(got, want) != 0) {
		fail_msg("%s: message\n  '%s'\nwant\n  '%s'", name, got, want);
	}
}

static void
test_bad_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->in);
		struct alloc_table t;
		struct alloc_error err;
		int rc = parse_exact(c->in, len, &t, &err);

		if (rc != c->rc)
			fail_msg("%s: rc %d (%s) want %d; %s", c->name, rc, alloc_strerror(rc),
			    c->rc, err.msg);
		assert_int_equal(err.code, c->rc);
		if (err.line != c->line)
			fail_msg("%s: line %lu want %lu (%s)", c->name, err.line, c->line, err.msg);
		check_msg(c->name, err.msg, c->msg);
		/* failure leaves the table empty */
		assert_int_equal(t.nclasses, 0);
		assert_int_equal(t.nchildren, 0);
		assert_null(t.classes);
		assert_null(t.children);
		assert_null(t.source);
		alloc_table_free(&t);
	}
}

/* alloc_parse_all reports every problem, each at its line. */
static void
test_parse_all(void **state)
{
	static const char text[] =
	    "version 1\n"                            /* 1 */
	    "class A\n"                              /* 2 */
	    "child c\n"                              /* 3 */
	    "child c\n"                              /* 4: duplicate */
	    "child bad.handle\n"                     /* 5: name */
	    "grant c A as=1 " NA "\n"                /* 6 */
	    "grant c A ipv4=192.0.2.1/24\n"          /* 7: host bits */
	    "grant x A as=2 " NA "\n"                /* 8: unknown child */
	    "frobnicate\n"                           /* 9: syntax */
	    "class B\xff\n"                          /* 10: encoding */
	    "grant c B as=1\n";                      /* 11: undeclared class */
	static const struct { int code; unsigned long line; } want[] = {
		{ ALLOC_ERR_NAME, 5 }, { ALLOC_ERR_RESOURCE, 7 }, { ALLOC_ERR_SYNTAX, 9 },
		{ ALLOC_ERR_ENCODING, 10 }, { ALLOC_ERR_DUPLICATE, 4 }, { ALLOC_ERR_UNKNOWN, 8 },
		{ ALLOC_ERR_UNKNOWN, 11 },
	};
	struct alloc_table t;
	struct alloc_errs errs;
	size_t i;

	(void)state;
	alloc_errs_init(&errs);
	assert_int_equal(alloc_parse_all(text, sizeof(text) - 1, "x.txt", &t, &errs),
	    ALLOC_ERR_NAME);
	for (i = 0; i < errs.count; i++)
		print_message("  %s\n", errs.msgs[i].text);
	assert_int_equal(errs.count, sizeof(want) / sizeof(want[0]));
	assert_int_equal(errs.nerrors, errs.count);
	for (i = 0; i < errs.count; i++) {
		assert_int_equal(errs.msgs[i].code, want[i].code);
		assert_int_equal(errs.msgs[i].line, want[i].line);
		assert_int_equal(errs.msgs[i].severity, ALLOC_SEV_ERROR);
	}
	assert_string_equal(errs.msgs[4].text, "x.txt:4: child c declared again (first at line 3)");
	assert_int_equal(t.nchildren, 0);
	alloc_table_free(&t);
	alloc_errs_free(&errs);

	/* NULL errs is an argument error */
	assert_int_equal(alloc_parse_all(text, 10, "x", &t, NULL), ALLOC_ERR_ARG);
}

/* The message list keeps ALLOC_MAX_MESSAGES and counts the rest. */
static void
test_parse_all_cap(void **state)
{
	size_t n = ALLOC_MAX_MESSAGES + 500, i, len = 0;
	char *text = malloc(16 + n * 8);
	struct alloc_table t;
	struct alloc_errs errs;

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text, "version 1\n");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "bogus\n");
	alloc_errs_init(&errs);
	assert_int_equal(alloc_parse_all(text, len, "x", &t, &errs), ALLOC_ERR_SYNTAX);
	assert_int_equal(errs.count, ALLOC_MAX_MESSAGES);
	assert_int_equal(errs.nerrors, n);
	assert_int_equal(errs.dropped, 500);
	alloc_errs_free(&errs);
	alloc_table_free(&t);
	free(text);
}

/* ---- the sample file: golden canonical text, lookups ---- */

static void
test_example_file(void **state)
{
	size_t len, clen;
	char *text = slurp("example.txt", &len), *canon = slurp("example.canon.txt", &clen);
	struct alloc_table t;
	struct alloc_error err;
	const struct alloc_child *c;
	const struct alloc_class *cl;
	const struct alloc_ent *e;
	char *out;

	(void)state;
	if (parse_exact(text, len, &t, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(t.version, 42);
	assert_int_equal(t.version_line, 3);
	assert_string_equal(t.source, "alloc.txt");
	assert_int_equal(t.nclasses, 2);
	assert_int_equal(t.nchildren, 4);
	out = print_ok(&t);
	assert_string_equal(out, canon);
	free(out);
	check_roundtrip(&t);

	/* lookups */
	assert_non_null(cl = alloc_find_class(&t, "LEGACY"));
	assert_int_equal(cl->line, 6);
	assert_null(alloc_find_class(&t, "legacy"));
	assert_null(alloc_find_class(&t, "ZZZ"));
	assert_non_null(c = alloc_find_child(&t, "isp-a"));
	assert_int_equal(c->line, 8);
	assert_int_equal(c->nents, 2);
	assert_null(alloc_find_child(&t, "isp-x"));
	assert_non_null(c = alloc_find_child(&t, "dormant"));
	assert_int_equal(c->nents, 0);
	assert_null(alloc_child_ent(c, 0));
	assert_non_null(e = alloc_entitlement(&t, "isp-a", "DEFAULT"));
	assert_int_equal(e->line, 13);
	assert_int_equal(e->nlines, 2);
	assert_int_equal(e->res.v6.count, 1);
	assert_non_null(e = alloc_entitlement(&t, "isp-b", "DEFAULT"));
	assert_int_equal(e->line, 15);       /* first line of a continued statement */
	assert_int_equal(e->res.v4.count, 2);
	assert_null(alloc_entitlement(&t, "isp-b", "LEGACY"));
	assert_null(alloc_entitlement(&t, "nobody", "DEFAULT"));
	assert_non_null(e = alloc_entitlement(&t, "nz/isp-c", "DEFAULT"));
	assert_int_equal(e->line, 19);
	assert_int_equal(e->res.as.count, 6);
	assert_int_equal(e->res.v4.count, 6);
	assert_int_equal(e->res.v6.count, 6);
	assert_int_equal(e->notafter, 1782820800);   /* 2026-06-30T12:00:00Z */

	/* the canonical text parses to an equal table */
	{
		struct alloc_table t2;

		assert_int_equal(parse_exact(canon, clen, &t2, &err), 0);
		assert_true(alloc_table_equal(&t, &t2));
		/* equality looks at everything but lines */
		t2.version++;
		assert_false(alloc_table_equal(&t, &t2));
		t2.version--;
		t2.children[1].ents[0].notafter++;
		assert_false(alloc_table_equal(&t, &t2));
		alloc_table_free(&t2);
	}
	alloc_table_free(&t);
	alloc_table_free(NULL);
	free(text);
	free(canon);
}

/* Every truncation of a valid table, from an exactly sized buffer. */
static void
test_truncations(void **state)
{
	size_t len, k, ok = 0;
	char *text = slurp("example.txt", &len);

	(void)state;
	for (k = 0; k <= len; k++) {
		struct alloc_table t;
		struct alloc_error err;
		int rc = parse_exact(text, k, &t, &err);

		assert_true(rc == 0 || is_alloc_err(rc));
		if (rc == 0) {
			ok++;
			check_roundtrip(&t);
		} else {
			assert_int_equal(err.code, rc);
			assert_true(strncmp(err.msg, "alloc.txt:", 10) == 0);
		}
		alloc_table_free(&t);
	}
	/* cuts at a line end of the grant section parse; a cut inside does not */
	assert_true(ok > 0 && ok < len);
	free(text);

	text = slurp("example.canon.txt", &len);
	for (k = 0; k <= len; k++) {
		struct alloc_table t;
		struct alloc_error err;
		int rc = parse_exact(text, k, &t, &err);

		assert_true(rc == 0 || is_alloc_err(rc));
		alloc_table_free(&t);
	}
	free(text);
}

/* ---- long sets: continued lines of at most ALLOC_PRINT_WIDTH ---- */

static void
test_long_set(void **state)
{
	size_t n = 5000, i, len = 0, cap = 64 + n * 32;
	char *text = malloc(cap), *out, *p;
	struct alloc_table t;
	struct alloc_error err;
	const struct alloc_ent *e;
	size_t lines = 0;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text, cap, HDR "grant c A " NA);
	/* 5000 separate /48s, 110 kB (LACNIC-sized), 1000 per continued line */
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s2001:db8:%zx::/48",
		    i % 1000 == 0 ? " \\\n\tipv6=" : ",", i * 2);
	text[len++] = '\n';
	assert_int_equal(parse_exact(text, len, &t, &err), 0);
	assert_non_null(e = alloc_entitlement(&t, "c", "A"));
	assert_int_equal(e->res.v6.count, n);
	out = print_ok(&t);
	/* every line of the grant fits; every continued line ends in " \" */
	for (p = out; *p != '\0';) {
		char *nl = strchr(p, '\n');
		size_t ll = (size_t)(nl - p);

		assert_non_null(nl);
		assert_true(ll <= ALLOC_PRINT_WIDTH);
		if (p[0] == '\t') {
			lines++;
			assert_true(strncmp(p, "\tipv6=", 6) == 0);
		}
		p = nl + 1;
	}
	assert_true(lines > 1000);
	check_roundtrip(&t);
	alloc_table_free(&t);
	free(out);
	free(text);
}

/* ---- limits and hostile input ---- */

static void
test_limits(void **state)
{
	struct alloc_table t;
	struct alloc_error err;
	size_t len, i;
	char *big;

	(void)state;
	/* whole text over ALLOC_MAX_TEXT: refused before anything is read */
	big = calloc(1, (size_t)ALLOC_MAX_TEXT + 1);
	assert_non_null(big);
	assert_int_equal(alloc_parse(big, (size_t)ALLOC_MAX_TEXT + 1, "alloc.txt", &t, &err),
	    ALLOC_ERR_LIMIT);
	assert_string_equal(err.msg, "alloc.txt: input larger than 67108864 bytes");
	free(big);

	/* a 1 MB line */
	len = 1u << 20;
	big = malloc(len + 32);
	assert_non_null(big);
	memcpy(big, "version 1\n# ", 12);
	memset(big + 12, 'x', len);
	memcpy(big + 12 + len, "\nclass A\n", 9);
	assert_int_equal(parse_exact(big, 12 + len + 9, &t, &err), ALLOC_ERR_LIMIT);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg,
	    "alloc.txt:2: line longer than 65536 bytes (continue it with '\\')");
	free(big);

	/* a line of exactly ALLOC_MAX_LINE bytes is fine */
	big = malloc(ALLOC_MAX_LINE + 32);
	assert_non_null(big);
	memcpy(big, "version 1\n#", 11);
	memset(big + 11, 'x', ALLOC_MAX_LINE - 1);
	big[11 + ALLOC_MAX_LINE - 1] = '\n';
	assert_int_equal(parse_exact(big, 11 + ALLOC_MAX_LINE, &t, &err), 0);
	alloc_table_free(&t);
	free(big);

	/* a statement over ALLOC_MAX_STATEMENT through continuations */
	{
		size_t per = 60000, nl = ALLOC_MAX_STATEMENT / per + 2, k = 0;

		big = malloc(32 + nl * (per + 4));
		assert_non_null(big);
		k += (size_t)sprintf(big, "version 1\ngrant c A ");
		for (i = 0; i < nl; i++) {
			memset(big + k, 'a', per);
			k += per;
			memcpy(big + k, " \\\n", 3);
			k += 3;
		}
		big[k++] = '\n';
		assert_int_equal(parse_exact(big, k, &t, &err), ALLOC_ERR_LIMIT);
		assert_int_equal(err.line, 2);
		assert_non_null(strstr(err.msg, "statement longer than"));
		free(big);
	}

	/* more than ALLOC_MAX_CLASSES classes */
	big = malloc(16 + (ALLOC_MAX_CLASSES + 1) * 16);
	assert_non_null(big);
	len = (size_t)sprintf(big, "version 1\n");
	for (i = 0; i <= ALLOC_MAX_CLASSES; i++)
		len += (size_t)sprintf(big + len, "class C%zu\n", i);
	assert_int_equal(parse_exact(big, len, &t, &err), ALLOC_ERR_LIMIT);
	assert_int_equal(err.line, ALLOC_MAX_CLASSES + 2);
	free(big);

	/* a class name of 1024 characters is fine, 1025 is not; so are 255/256-byte handles */
	{
		char line[2200];
		char hname[300];

		memcpy(line, "version 1\nclass ", 16);
		/* 1024 two-byte characters (U+00E9) */
		for (i = 0; i < 1024; i++)
			memcpy(line + 16 + 2 * i, "\xc3\xa9", 2);
		line[16 + 2048] = '\n';
		assert_int_equal(parse_exact(line, 16 + 2049, &t, &err), 0);
		assert_int_equal(strlen(t.classes[0].name), 2048);
		check_roundtrip(&t);
		alloc_table_free(&t);
		memcpy(line + 16 + 2048, "\xc3\xa9\n", 3);
		assert_int_equal(parse_exact(line, 16 + 2051, &t, &err), ALLOC_ERR_NAME);
		assert_non_null(strstr(err.msg, "longer than 1024 characters"));

		memset(hname, 'h', 255);
		len = (size_t)snprintf(line, sizeof(line), "version 1\nchild %.255s\n", hname);
		assert_int_equal(parse_exact(line, len, &t, &err), 0);
		alloc_table_free(&t);
		memset(hname, 'h', 256);
		len = (size_t)snprintf(line, sizeof(line), "version 1\nchild %.256s\n", hname);
		assert_int_equal(parse_exact(line, len, &t, &err), ALLOC_ERR_NAME);
		/* the message shows a cut name */
		assert_non_null(strstr(err.msg, "...' is not"));
	}

	/* a value longer than a line cannot be written: split it into keys */
	{
		size_t n = 20000, k = 0;

		big = malloc(64 + n * 12);
		assert_non_null(big);
		k += (size_t)sprintf(big, HDR "grant c A " NA " as=");
		for (i = 0; i < n; i++)
			k += (size_t)sprintf(big + k, "%s%zu", i > 0 ? "," : "", 2 * i);
		big[k++] = '\n';
		assert_true(k > ALLOC_MAX_LINE);
		assert_int_equal(parse_exact(big, k, &t, &err), ALLOC_ERR_LIMIT);
		assert_int_equal(err.line, 4);
		/* the same set as several as= keys on continued lines */
		k = (size_t)sprintf(big, HDR "grant c A " NA " \\\n as=");
		for (i = 0; i < n; i++)
			k += (size_t)sprintf(big + k, "%s%zu", i % 1000 == 0 ? (i > 0 ? " \\\n as=" : "") : ",",
			    2 * i);
		big[k++] = '\n';
		assert_int_equal(parse_exact(big, k, &t, &err), 0);
		assert_int_equal(alloc_entitlement(&t, "c", "A")->res.as.count, n);
		check_roundtrip(&t);
		alloc_table_free(&t);
		free(big);
	}

	/* more than ALLOC_MAX_RANGES ranges in the table */
	{
		size_t n = ALLOC_MAX_RANGES + 1000, k;

		big = malloc(64 + n * 10);
		assert_non_null(big);
		k = (size_t)sprintf(big, HDR "grant c A as=1 " NA);
		for (i = 0; i < n; i++)
			k += (size_t)sprintf(big + k, "%s%zu",
			    i % 1000 == 0 ? "\ngrant c A as=" : ",", 2 * i);
		big[k++] = '\n';
		assert_int_equal(parse_exact(big, k, &t, &err), ALLOC_ERR_LIMIT);
		/* 1 range on line 4, then 1000 per line: line 1004 passes the limit */
		assert_int_equal(err.line, 4 + ALLOC_MAX_RANGES / 1000);
		assert_non_null(strstr(err.msg, ": more than 1000000 ranges in the table"));
		free(big);
	}

	/* NULL text of length 0 is the empty text */
	assert_int_equal(alloc_parse(NULL, 0, "x", &t, &err), ALLOC_ERR_VERSION);
	/* NULL text with a length; NULL table */
	assert_int_equal(alloc_parse(NULL, 5, "x", &t, &err), ALLOC_ERR_ARG);
	assert_int_equal(alloc_parse("version 1", 9, "x", NULL, &err), ALLOC_ERR_ARG);
	/* NULL source and NULL err are fine */
	assert_int_equal(alloc_parse("version 1", 9, NULL, &t, NULL), 0);
	assert_string_equal(t.source, "<input>");
	alloc_table_free(&t);
	assert_int_equal(alloc_parse("version", 7, NULL, &t, NULL), ALLOC_ERR_SYNTAX);
}

/* Hostile shapes that must fail cleanly (or parse) without crashing. */
static void
test_hostile(void **state)
{
	struct alloc_table t;
	struct alloc_error err;
	size_t n = 200000, i;
	char *big = malloc(n * 2 + 32);

	(void)state;
	assert_non_null(big);
	/* 200,000 continuation lines: one blank statement */
	memcpy(big, "version 1\n", 10);
	for (i = 0; i < n; i++)
		memcpy(big + 10 + 2 * i, "\\\n", 2);
	memcpy(big + 10 + 2 * n, "class A\n", 8);
	assert_int_equal(parse_exact(big, 10 + 2 * n + 8, &t, &err), 0);
	assert_int_equal(t.nclasses, 1);
	alloc_table_free(&t);
	/* ... except that the last one runs off the end */
	assert_int_equal(parse_exact(big, 10 + 2 * n, &t, &err), ALLOC_ERR_SYNTAX);
	assert_int_equal(err.line, 2);

	/* all NULs, all 0xff, all '#' (short lines), then a long line of '\\' */
	memset(big, 0, 1000);
	assert_int_equal(parse_exact(big, 1000, &t, &err), ALLOC_ERR_ENCODING);
	memset(big, 0xff, 1000);
	assert_int_equal(parse_exact(big, 1000, &t, &err), ALLOC_ERR_ENCODING);
	memset(big, '#', 60000);
	assert_int_equal(parse_exact(big, 60000, &t, &err), ALLOC_ERR_VERSION);
	memset(big, '#', n);
	assert_int_equal(parse_exact(big, n, &t, &err), ALLOC_ERR_LIMIT);
	memset(big, '\\', n);
	assert_int_equal(parse_exact(big, n, &t, &err), ALLOC_ERR_LIMIT);
	/* 200,000 newlines */
	memset(big, '\n', n);
	assert_int_equal(parse_exact(big, n, &t, &err), ALLOC_ERR_VERSION);
	/* many '=' and odd keys */
	{
		static const char s[] = HDR "grant c A ===== " NA "\n";

		assert_int_equal(parse_exact(s, sizeof(s) - 1, &t, &err), ALLOC_ERR_SYNTAX);
	}
	{
		static const char s[] = HDR "grant c A as=1 notafter= \n";

		assert_int_equal(parse_exact(s, sizeof(s) - 1, &t, &err), ALLOC_ERR_NOTAFTER);
	}
	{
		static const char s[] = HDR "grant c A as=1 notafter=9999-12-31T23:59:59Z\n";

		assert_int_equal(parse_exact(s, sizeof(s) - 1, &t, &err), 0);
		check_roundtrip(&t);
		alloc_table_free(&t);
	}
	{
		static const char s[] = HDR "grant c A as=1 notafter=0000-01-01T00:00:00Z\n";

		assert_int_equal(parse_exact(s, sizeof(s) - 1, &t, &err), ALLOC_ERR_NOTAFTER);
	}
	{
		/* the whole address space */
		static const char s[] = HDR "grant c A as=0-4294967295 ipv4=0.0.0.0/0 ipv6=::/0 " NA "\n";

		assert_int_equal(parse_exact(s, sizeof(s) - 1, &t, &err), 0);
		check_roundtrip(&t);
		alloc_table_free(&t);
	}
	free(big);
}

/* ---- 10,000 children: must load fast (time printed, not asserted) ---- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_ten_thousand(void **state)
{
	size_t n = 10000, i, len = 0, cap = 256 + n * 200;
	char *text = malloc(cap), *out;
	struct alloc_table t;
	struct alloc_error err;
	struct alloc_errs errs;
	double t0, t1, t2, t3;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "version 1\nclass DEFAULT\nclass OTHER\n");
	/* declared in reverse order, so the parser has to sort */
	for (i = n; i-- > 0;)
		len += (size_t)snprintf(text + len, cap - len, "child isp-%05zu\n", i);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "grant isp-%05zu DEFAULT as=%zu ipv4=10.%zu.%zu.0/24 "
		    "ipv6=2001:db8:%zx::/48 " NA "\n",
		    i, 64496 + i, i / 256, i % 256, i);
	t0 = now_s();
	assert_int_equal(alloc_parse(text, len, "big.txt", &t, &err), 0);
	t1 = now_s();
	assert_int_equal(t.nchildren, n);
	for (i = 0; i < n; i++) {
		char h[32];
		const struct alloc_ent *e;

		snprintf(h, sizeof(h), "isp-%05zu", i);
		assert_non_null(e = alloc_entitlement(&t, h, "DEFAULT"));
		assert_int_equal(e->res.as.ranges[0].min.lo, 64496 + i);
		assert_null(alloc_entitlement(&t, h, "OTHER"));
	}
	t2 = now_s();
	alloc_errs_init(&errs);
	assert_int_equal(alloc_validate(&t, NULL, 0, 0, &errs), 0);
	assert_int_equal(errs.count, 0);
	alloc_errs_free(&errs);
	t3 = now_s();
	out = print_ok(&t);
	print_message("10,000 children, %zu bytes: parse %.3f s, 20,000 lookups %.3f s, "
	    "validate %.3f s, print %.3f s\n", len, t1 - t0, t2 - t1, t3 - t2, now_s() - t3);
	check_roundtrip(&t);
	free(out);
	alloc_table_free(&t);
	free(text);
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(alloc_class_name_ok("DEFAULT", 7));
	assert_true(alloc_class_name_ok("a#b", 3));
	assert_false(alloc_class_name_ok("#a", 2));
	assert_false(alloc_class_name_ok("a\\", 2));
	assert_false(alloc_class_name_ok("a b", 3));
	assert_false(alloc_class_name_ok("a\tb", 3));
	assert_false(alloc_class_name_ok("", 0));
	assert_false(alloc_class_name_ok(NULL, 0));
	assert_false(alloc_class_name_ok("\xe3\x80\x80", 3));   /* U+3000 */
	assert_false(alloc_class_name_ok("\xef\xbb\xbf" "A", 4)); /* U+FEFF */
	assert_true(alloc_class_name_ok("\xe6\x97\xa5\xe6\x9c\xac", 6));
	assert_true(alloc_handle_ok("isp-a", 5));
	assert_true(alloc_handle_ok("A/b_c-9", 7));
	assert_false(alloc_handle_ok("isp a", 5));
	assert_false(alloc_handle_ok("isp\0a", 5));
	assert_false(alloc_handle_ok("", 0));
	assert_false(alloc_handle_ok("\xc3\xa9", 2));
	for (int c = ALLOC_ERR_TA; c <= ALLOC_ERR_ARG; c++)
		assert_string_not_equal(alloc_strerror(c), "unknown error");
	assert_string_equal(alloc_strerror(-1), "unknown error");
	assert_string_equal(alloc_strerror(0), "success");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_cases),
		cmocka_unit_test(test_bad_cases),
		cmocka_unit_test(test_parse_all),
		cmocka_unit_test(test_parse_all_cap),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_long_set),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_ten_thousand),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
