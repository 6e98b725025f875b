/*
 * RFC 6492 section 3.3.2 text form of resource sets (UD-58): parse every
 * valid spelling, print one canonical form, reject bad text with a typed
 * error. Also the real resource_set_* attributes of the interop messages
 * (LACNIC's 100 kB IPv6 attribute among them) and the size limits.
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

#include "proto/res.h"

struct canon_case {
	enum res_family family;
	const char *in;
	const char *out;
};

/* UD-58: any valid input -> the one canonical output. */
static const struct canon_case canon_cases[] = {
	{ RES_AS, "", "" },
	{ RES_AS, "0", "0" },
	{ RES_AS, "65000", "65000" },
	{ RES_AS, "4294967295", "4294967295" },
	{ RES_AS, "0-4294967295", "0-4294967295" },
	{ RES_AS, "64496-64511,65000", "64496-64511,65000" },
	{ RES_AS, "65000,64496-64511", "64496-64511,65000" },
	{ RES_AS, "5-5", "5" },			/* lo == hi prints one number */
	{ RES_AS, "1-5,3-10", "1-10" },		/* overlap */
	{ RES_AS, "1-5,6-10", "1-10" },		/* adjacent */
	{ RES_AS, "3,2,1", "1-3" },
	{ RES_AS, "1,3", "1,3" },
	{ RES_AS, "10,1-9,10", "1-10" },
	{ RES_AS, "7,7,7", "7" },
	{ RES_AS, "4294967295,0", "0,4294967295" },
	{ RES_AS, "4294967294-4294967295,0-4294967293", "0-4294967295" },
	{ RES_AS, "23706,24046,38567,45219,55438",
	    "23706,24046,38567,45219,55438" },

	{ RES_IPV4, "", "" },
	{ RES_IPV4, "192.0.2.0/24", "192.0.2.0/24" },
	{ RES_IPV4, "192.0.2.0-192.0.2.255", "192.0.2.0/24" },
	{ RES_IPV4, "192.0.2.0-192.0.2.130", "192.0.2.0-192.0.2.130" },
	{ RES_IPV4, "0.0.0.0/0", "0.0.0.0/0" },
	{ RES_IPV4, "0.0.0.0-255.255.255.255", "0.0.0.0/0" },
	{ RES_IPV4, "0.0.0.0-10.255.255.255", "0.0.0.0-10.255.255.255" },
	{ RES_IPV4, "128.0.0.1-255.255.255.255", "128.0.0.1-255.255.255.255" },
	{ RES_IPV4, "255.255.255.255/32", "255.255.255.255/32" },
	{ RES_IPV4, "10.0.0.1", "10.0.0.1/32" },
	{ RES_IPV4, "10.0.0.1-10.0.0.1", "10.0.0.1/32" },
	{ RES_IPV4, "10.0.0.0/9,10.128.0.0/9", "10.0.0.0/8" },
	{ RES_IPV4, "10.0.0.0/8,10.1.0.0/16", "10.0.0.0/8" },
	{ RES_IPV4, "10.0.0.0/24,10.0.1.0/24,10.0.2.0/24",
	    "10.0.0.0-10.0.2.255" },		/* not split into prefixes */
	{ RES_IPV4, "192.0.2.128/26,192.0.2.0/25", "192.0.2.0-192.0.2.191" },
	{ RES_IPV4, "10.3.0.0/16,10.0.32.0/20,10.2.48.0-10.2.64.255,"
	    "10.1.0.0/16,10.0.64.0/24",
	    "10.0.32.0/20,10.0.64.0/24,10.1.0.0/16,10.2.48.0-10.2.64.255,"
	    "10.3.0.0/16" },
	{ RES_IPV4, "202.41.140.0-202.41.146.255,203.119.16.0-203.119.20.255",
	    "202.41.140.0-202.41.146.255,203.119.16.0-203.119.20.255" },

	{ RES_IPV6, "", "" },
	{ RES_IPV6, "::/0", "::/0" },
	{ RES_IPV6, "2001:db8::/32", "2001:db8::/32" },
	{ RES_IPV6, "2001:DB8::/32", "2001:db8::/32" },
	{ RES_IPV6, "2001:0db8:0000:0000:0000:0000:0000:0000/32",
	    "2001:db8::/32" },
	/* as seen in real rpkid messages: "::" standing for one group */
	{ RES_IPV6, "2001:db8:0:0:0:0:a00::/120", "2001:db8::a00:0/120" },
	{ RES_IPV6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128" },
	{ RES_IPV6, "2001:0:0:1:0:0:0:1", "2001:0:0:1::1/128" },
	{ RES_IPV6, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1/128" },
	{ RES_IPV6, "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0/128" },
	{ RES_IPV6, "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8/128" },
	{ RES_IPV6, "::1", "::1/128" },
	{ RES_IPV6, "1::", "1::/128" },
	{ RES_IPV6, "::ffff:192.0.2.0/120", "::ffff:c000:200/120" },
	{ RES_IPV6, "::FFFF:C000:200/120", "::ffff:c000:200/120" },
	{ RES_IPV6, "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304/128" },
	{ RES_IPV6, "2001:db8::-2001:db8::ff", "2001:db8::/120" },
	{ RES_IPV6, "2001:db8::-2001:db8::2", "2001:db8::-2001:db8::2" },
	{ RES_IPV6, "2001:dd8:13::-2001:dd8:1e:ffff:ffff:ffff:ffff:ffff",
	    "2001:dd8:13::-2001:dd8:1e:ffff:ffff:ffff:ffff:ffff" },
	{ RES_IPV6, "fc00::/7", "fc00::/7" },
	{ RES_IPV6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
	{ RES_IPV6, "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
	    "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe" },
	{ RES_IPV6, "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0" },
	{ RES_IPV6, "8000::/1,::/1", "::/0" },
	{ RES_IPV6, "2001:db8:1::/48,2001:db8::/48", "2001:db8::/47" },
	{ RES_IPV6, "2001:db8::/64,2001:db8::/32", "2001:db8::/32" },
	{ RES_IPV6, "0:0:0:0:0:0:0:0/0", "::/0" },
	{ RES_IPV6, "1:0:0:2:0:0:0:0/128", "1:0:0:2::/128" },
	{ RES_IPV6, "1:0:0:2:0:0:3:0/128", "1::2:0:0:3:0/128" },
	{ RES_IPV6, "2001:dd8:2::/48,2001:dd8:5::/48",
	    "2001:dd8:2::/48,2001:dd8:5::/48" },
};

static void
test_canonical_ud58(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(canon_cases) / sizeof(canon_cases[0]); i++) {
		const struct canon_case *c = &canon_cases[i];
		struct res_set s, s2;
		char *txt = NULL, *txt2 = NULL;
		int rc;

		rc = res_set_parse(&s, c->family, c->in, strlen(c->in));
		if (rc != 0)
			fail_msg("case %zu \"%s\": parse rc %d (%s)", i, c->in,
			    rc, res_strerror(rc));
		assert_int_equal(res_set_print(&s, &txt), 0);
		if (strcmp(txt, c->out) != 0)
			fail_msg("case %zu \"%s\": printed \"%s\" want \"%s\"", i,
			    c->in, txt, c->out);
		/* print(parse(print(x))) == print(x), and the sets are equal */
		assert_int_equal(res_set_parse(&s2, c->family, txt, strlen(txt)), 0);
		assert_true(res_set_equal(&s, &s2));
		assert_int_equal(res_set_print(&s2, &txt2), 0);
		assert_string_equal(txt, txt2);
		free(txt);
		free(txt2);
		res_set_free(&s);
		res_set_free(&s2);
	}
}

struct err_case {
	enum res_family family;
	const char *in;
	int err;
};

/* UD-58: malformed text gives a typed error. */
static const struct err_case err_cases[] = {
	{ RES_AS, "AS65000", RES_ERR_SYNTAX },
	{ RES_AS, "as65000", RES_ERR_SYNTAX },
	{ RES_AS, " 1", RES_ERR_SYNTAX },
	{ RES_AS, "1 ", RES_ERR_SYNTAX },
	{ RES_AS, "1, 2", RES_ERR_SYNTAX },
	{ RES_AS, "1,\t2", RES_ERR_SYNTAX },
	{ RES_AS, "1,\n2", RES_ERR_SYNTAX },
	{ RES_AS, "1,,2", RES_ERR_SYNTAX },
	{ RES_AS, "1,", RES_ERR_SYNTAX },
	{ RES_AS, ",1", RES_ERR_SYNTAX },
	{ RES_AS, ",", RES_ERR_SYNTAX },
	{ RES_AS, "01", RES_ERR_SYNTAX },
	{ RES_AS, "00", RES_ERR_SYNTAX },
	{ RES_AS, "1-02", RES_ERR_SYNTAX },
	{ RES_AS, "-1", RES_ERR_SYNTAX },
	{ RES_AS, "+1", RES_ERR_SYNTAX },
	{ RES_AS, "1-", RES_ERR_SYNTAX },
	{ RES_AS, "1-2-3", RES_ERR_SYNTAX },
	{ RES_AS, "1/2", RES_ERR_SYNTAX },
	{ RES_AS, "0x10", RES_ERR_SYNTAX },
	{ RES_AS, "1.5", RES_ERR_SYNTAX },
	{ RES_AS, "192.0.2.0/24", RES_ERR_SYNTAX },
	{ RES_AS, "\xef\xbc\x91", RES_ERR_SYNTAX },	/* fullwidth digit */
	{ RES_AS, "4294967296", RES_ERR_RANGE },
	{ RES_AS, "99999999999999999999999999", RES_ERR_RANGE },
	{ RES_AS, "0-4294967296", RES_ERR_RANGE },
	{ RES_AS, "5-4", RES_ERR_RANGE },

	{ RES_IPV4, "192.0.2.1/24", RES_ERR_HOSTBITS },
	{ RES_IPV4, "11.0.0.0/7", RES_ERR_HOSTBITS },
	{ RES_IPV4, "0.0.0.1/0", RES_ERR_HOSTBITS },
	{ RES_IPV4, "192.0.2.0/33", RES_ERR_RANGE },
	{ RES_IPV4, "192.0.2.0/4294967296", RES_ERR_RANGE },
	{ RES_IPV4, "256.0.0.0/8", RES_ERR_RANGE },
	{ RES_IPV4, "1.2.3.1000", RES_ERR_RANGE },
	{ RES_IPV4, "192.0.2.2-192.0.2.1", RES_ERR_RANGE },
	{ RES_IPV4, "192.0.2.0/024", RES_ERR_SYNTAX },
	{ RES_IPV4, "192.0.2.0/", RES_ERR_SYNTAX },
	{ RES_IPV4, "192.0.2.01/32", RES_ERR_SYNTAX },
	{ RES_IPV4, "192.0.02.0/24", RES_ERR_SYNTAX },
	{ RES_IPV4, "192.0.2/24", RES_ERR_SYNTAX },
	{ RES_IPV4, "192.0.2.0.0/24", RES_ERR_SYNTAX },
	{ RES_IPV4, "192.0.2.0 /24", RES_ERR_SYNTAX },
	{ RES_IPV4, "192.0.2.0/24 ", RES_ERR_SYNTAX },
	{ RES_IPV4, "10.0.0.0/8,\t10.1.0.0/16", RES_ERR_SYNTAX },
	{ RES_IPV4, "10.0.0.0/8,", RES_ERR_SYNTAX },
	{ RES_IPV4, "10.0.0.0/8,,11.0.0.0/8", RES_ERR_SYNTAX },
	{ RES_IPV4, "1.2.3.4/-1", RES_ERR_SYNTAX },
	{ RES_IPV4, "1.2.3.4/24/24", RES_ERR_SYNTAX },
	{ RES_IPV4, "1.2.3.4-1.2.3.5-1.2.3.6", RES_ERR_SYNTAX },
	{ RES_IPV4, "65000", RES_ERR_SYNTAX },
	{ RES_IPV4, "1.2.3.", RES_ERR_SYNTAX },
	{ RES_IPV4, ".1.2.3", RES_ERR_SYNTAX },
	{ RES_IPV4, "a.b.c.d", RES_ERR_SYNTAX },
	{ RES_IPV4, "2001:db8::/32", RES_ERR_FAMILY },
	{ RES_IPV4, "::/0", RES_ERR_FAMILY },
	{ RES_IPV4, "::ffff:192.0.2.0/120", RES_ERR_FAMILY },
	{ RES_IPV4, "192.0.2.0-2001:db8::", RES_ERR_FAMILY },
	{ RES_IPV4, "10.0.0.0/8,2001:db8::/32", RES_ERR_FAMILY },

	{ RES_IPV6, "2001:db8::1/32", RES_ERR_HOSTBITS },
	{ RES_IPV6, "::1/0", RES_ERR_HOSTBITS },
	{ RES_IPV6, "2001:db8:0:0:0:0:a00:1/120", RES_ERR_HOSTBITS },
	{ RES_IPV6, "2001:db8::/129", RES_ERR_RANGE },
	{ RES_IPV6, "2001:db8::-2001:db7::", RES_ERR_RANGE },
	{ RES_IPV6, "192.0.2.0/24", RES_ERR_FAMILY },
	{ RES_IPV6, "2001:db8::/32,10.0.0.0/8", RES_ERR_FAMILY },
	{ RES_IPV6, "::-10.0.0.1", RES_ERR_FAMILY },
	{ RES_IPV6, "2001:db8:::/32", RES_ERR_SYNTAX },
	{ RES_IPV6, ":::/0", RES_ERR_SYNTAX },
	{ RES_IPV6, "2001::db8::/32", RES_ERR_SYNTAX },
	{ RES_IPV6, "12345::/16", RES_ERR_SYNTAX },
	{ RES_IPV6, "1:2:3:4:5:6:7:8:9/128", RES_ERR_SYNTAX },
	{ RES_IPV6, "1:2:3:4:5:6:7/128", RES_ERR_SYNTAX },
	{ RES_IPV6, "1:2:3:4:5:6:7:8::/128", RES_ERR_SYNTAX },
	{ RES_IPV6, "::1:2:3:4:5:6:7:8/128", RES_ERR_SYNTAX },
	{ RES_IPV6, ":1::/128", RES_ERR_SYNTAX },
	{ RES_IPV6, "1::2:/128", RES_ERR_SYNTAX },
	{ RES_IPV6, "1:/128", RES_ERR_SYNTAX },
	{ RES_IPV6, ":", RES_ERR_SYNTAX },
	{ RES_IPV6, "fe80::1%eth0", RES_ERR_SYNTAX },
	{ RES_IPV6, "g::/16", RES_ERR_SYNTAX },
	{ RES_IPV6, "::ffff:1.2.3.256", RES_ERR_SYNTAX },
	{ RES_IPV6, "::ffff:1.2.3", RES_ERR_SYNTAX },
	{ RES_IPV6, "::ffff:1.2.3.04", RES_ERR_SYNTAX },
	{ RES_IPV6, "1.2.3.4::", RES_ERR_SYNTAX },
	{ RES_IPV6, "1:2:3:4:5:6:7:1.2.3.4", RES_ERR_SYNTAX },
	{ RES_IPV6, "2001:db8::/32 ", RES_ERR_SYNTAX },
	{ RES_IPV6, "[2001:db8::]/32", RES_ERR_SYNTAX },
	{ RES_IPV6, "2001:db8::/032", RES_ERR_SYNTAX },
	{ RES_IPV6, "2001:db8::/", RES_ERR_SYNTAX },
	{ RES_IPV6, "2001:db8::/32,", RES_ERR_SYNTAX },
	{ RES_IPV6, "65000", RES_ERR_SYNTAX },
};

static void
test_errors_ud58(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct res_set s;
		int rc;

		/* garbage in s: the parser must initialise it */
		memset(&s, 0xa5, sizeof(s));
		rc = res_set_parse(&s, c->family, c->in, strlen(c->in));
		if (rc != c->err)
			fail_msg("case %zu \"%s\": rc %d (%s) want %d (%s)", i,
			    c->in, rc, res_strerror(rc), c->err,
			    res_strerror(c->err));
		/* a failed parse leaves an empty set */
		assert_int_equal(s.count, 0);
		assert_false(s.inherit);
		assert_int_equal(s.family, c->family);
		res_set_free(&s);
	}
}

/* Text need not be NUL-terminated; an embedded NUL is a syntax error. */
static void
test_not_terminated(void **state)
{
	struct res_set s;
	char *buf, *txt;

	(void)state;
	buf = malloc(12);
	assert_non_null(buf);
	memcpy(buf, "192.0.2.0/24", 12);	/* exactly sized, no NUL */
	assert_int_equal(res_set_parse(&s, RES_IPV4, buf, 12), 0);
	assert_int_equal(res_set_print(&s, &txt), 0);
	assert_string_equal(txt, "192.0.2.0/24");
	free(txt);
	res_set_free(&s);
	/* every prefix of the buffer: parses or fails, never overreads */
	for (size_t n = 0; n < 12; n++) {
		int rc = res_set_parse(&s, RES_IPV4, buf, n);

		assert_true(rc == 0 || rc == RES_ERR_SYNTAX ||
		    rc == RES_ERR_HOSTBITS);
		res_set_free(&s);
	}
	free(buf);
	assert_int_equal(res_set_parse(&s, RES_AS, "1\0002", 3), RES_ERR_SYNTAX);
	res_set_free(&s);
	assert_int_equal(res_set_parse(&s, RES_AS, NULL, 0), 0);
	res_set_free(&s);
	assert_int_equal(res_set_parse(&s, (enum res_family)7, "1", 1),
	    RES_ERR_FAMILY);
	res_set_free(&s);
}

/* RES_MAX_TEXT and RES_MAX_RANGES bound the input (RES_ERR_LIMIT). */
static void
test_limits(void **state)
{
	struct res_set s;
	size_t n, i;
	char *buf;

	(void)state;
	n = RES_MAX_TEXT + 1;
	buf = malloc(n);
	assert_non_null(buf);
	memset(buf, '1', n);
	assert_int_equal(res_set_parse(&s, RES_AS, buf, n), RES_ERR_LIMIT);
	res_set_free(&s);
	/* RES_MAX_RANGES + 1 items of "1," in far less than RES_MAX_TEXT */
	for (i = 0; i < 2 * (RES_MAX_RANGES + 1); i += 2) {
		buf[i] = '1';
		buf[i + 1] = ',';
	}
	assert_int_equal(res_set_parse(&s, RES_AS, buf,
	    2 * (RES_MAX_RANGES + 1) - 1), RES_ERR_LIMIT);
	res_set_free(&s);
	/* exactly RES_MAX_RANGES items is fine (and merges to one) */
	assert_int_equal(res_set_parse(&s, RES_AS, buf,
	    2 * RES_MAX_RANGES - 1), 0);
	assert_int_equal(s.count, 1);
	res_set_free(&s);
	free(buf);
}

/*
 * Many items in descending order, each its own range: parse must stay
 * O(n log n) (a quadratic merge would run into the ctest timeout).
 */
static void
check_large(enum res_family family, size_t n)
{
	struct res_set s, s2;
	char *buf, *txt;
	size_t len = 0, i, k;
	clock_t t0;
	double secs;

	buf = malloc(RES_MAX_TEXT + 64);
	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		k = n - i;
		if (family == RES_AS)
			len += (size_t)sprintf(buf + len, "%s%zu", i ? "," : "",
			    2 * k);
		else
			len += (size_t)sprintf(buf + len, "%s2001:db8:%zx:%zx::/64",
			    i ? "," : "", k >> 8, (k & 0xff) * 2);
		assert_true(len <= RES_MAX_TEXT);
	}
	t0 = clock();
	assert_int_equal(res_set_parse(&s, family, buf, len), 0);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("parsed %zu items (%zu bytes) in %.3f s\n", n, len, secs);
	assert_int_equal(s.count, n);
	assert_int_equal(res_set_print(&s, &txt), 0);
	assert_int_equal(res_set_parse(&s2, family, txt, strlen(txt)), 0);
	assert_true(res_set_equal(&s, &s2));
	free(txt);
	free(buf);
	res_set_free(&s);
	res_set_free(&s2);
}

static void
test_large_descending(void **state)
{
	(void)state;
	check_large(RES_AS, RES_MAX_RANGES);
	check_large(RES_IPV6, 20000);
}

static void
test_print_inherit(void **state)
{
	struct res_set s;
	char *txt = (char *)1;

	(void)state;
	res_set_init(&s, RES_IPV4);
	s.inherit = true;
	assert_int_equal(res_set_print(&s, &txt), RES_ERR_INHERIT);
	assert_null(txt);
	res_set_free(&s);
}

/* Read a whole file; NULL if it cannot be read. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[len] = '\0';
			*lenp = (size_t)len;
		}
	}
	fclose(f);
	return buf;
}

static const char *const payloads[] = {
	"rpki-rs_test-data_ca_rfc6492_list-response.ber.xml",	/* LACNIC */
	"rpki-commons_src_test_resources_apnic-interop_A971C.3.xml",
	"rpki-commons_src_test_resources_isc-interop-updown_pdu.171.der.xml",
	"rpki-commons_src_test_resources_isc-interop-updown_pdu.205.der.xml",
	"rpki-rs_test-data_ca_rfc6492_afrinic-response.der.xml",
	"rpki-rs_test-data_ca_rfc6492_apnic-response.der.xml",
	"rpki-rs_test-data_ca_rfc6492_apnic-testbed-response.der.xml",
	"krill_test-resources_remote_apnic-list-response.der.xml",
};

/*
 * UD-58 on real messages: every resource_set_* attribute of the interop
 * payloads parses, and our canonical print of it re-parses to the same set.
 * These producers already write canonical text, so print == input too.
 */
static void
test_interop_attributes_ud58(void **state)
{
	static const struct {
		const char *attr;
		enum res_family family;
	} attrs[] = {
		{ "resource_set_as=\"", RES_AS },
		{ "resource_set_ipv4=\"", RES_IPV4 },
		{ "resource_set_ipv6=\"", RES_IPV6 },
	};
	const char *dir = getenv("UPDOWN_TESTDATA");
	size_t f, a, len, seen = 0, big = 0;

	(void)state;
	if (dir == NULL)
		skip();
	for (f = 0; f < sizeof(payloads) / sizeof(payloads[0]); f++) {
		char path[1024];
		char *xml;

		snprintf(path, sizeof(path), "%s/interop/derived/payloads/%s",
		    dir, payloads[f]);
		xml = slurp(path, &len);
		if (xml == NULL)
			fail_msg("cannot read %s", path);
		for (a = 0; a < 3; a++) {
			const char *p = xml, *v, *q;

			while ((p = strstr(p, attrs[a].attr)) != NULL) {
				struct res_set s, s2;
				char *txt;
				int rc;

				v = p + strlen(attrs[a].attr);
				q = strchr(v, '"');
				assert_non_null(q);
				rc = res_set_parse(&s, attrs[a].family, v,
				    (size_t)(q - v));
				if (rc != 0)
					fail_msg("%s %s: rc %d", payloads[f],
					    attrs[a].attr, rc);
				assert_int_equal(res_set_print(&s, &txt), 0);
				if (strlen(txt) != (size_t)(q - v) ||
				    memcmp(txt, v, (size_t)(q - v)) != 0)
					fail_msg("%s %s: not reprinted verbatim",
					    payloads[f], attrs[a].attr);
				assert_int_equal(res_set_parse(&s2,
				    attrs[a].family, txt, strlen(txt)), 0);
				assert_true(res_set_equal(&s, &s2));
				if (q - v > 50000)
					big++;
				seen++;
				free(txt);
				res_set_free(&s);
				res_set_free(&s2);
				p = q;
			}
		}
		free(xml);
	}
	assert_true(seen >= 24);
	assert_true(big >= 1);	/* LACNIC's 100 kB IPv6 attribute */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_ud58),
		cmocka_unit_test(test_errors_ud58),
		cmocka_unit_test(test_not_terminated),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_large_descending),
		cmocka_unit_test(test_print_inherit),
		cmocka_unit_test(test_interop_attributes_ud58),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
