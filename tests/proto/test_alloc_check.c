/*
 * proto/alloc: validation of a parsed table (UD-100 overlaps and holdings,
 * UD-56 notafter, empty entitlements), the UD-57 entitlement ∩ holdings,
 * the bundle version rule, the diff (UD-101/UD-102 inputs) and the safety
 * brake's share (UD-104). Data-driven.
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

#define NA "notafter=2026-01-01T00:00:00Z"
#define T_2026 1767225600   /* 2026-01-01T00:00:00Z */
#define DAY 86400

static void
parse_ok(const char *text, struct alloc_table *t)
{
	struct alloc_error err;

	if (alloc_parse(text, strlen(text), "alloc.txt", t, &err) != 0)
		fail_msg("%s\n%s", err.msg, text);
}

static void
bundle(struct res_bundle *b, const char *as, const char *v4, const char *v6)
{
	res_bundle_init(b);
	assert_int_equal(res_set_parse(&b->as, RES_AS, as, strlen(as)), 0);
	assert_int_equal(res_set_parse(&b->v4, RES_IPV4, v4, strlen(v4)), 0);
	assert_int_equal(res_set_parse(&b->v6, RES_IPV6, v6, strlen(v6)), 0);
}

static char *
set_text(const struct res_set *s)
{
	char *out = NULL;

	assert_int_equal(res_set_print(s, &out), 0);
	return out;
}

static void
assert_set(const struct res_set *s, const char *want)
{
	char *got = set_text(s);

	if (strcmp(got, want) != 0)
		fail_msg("set '%s' want '%s'", got, want);
	free(got);
}

/* ---- validation ---- */

struct want_msg {
	int code;
	enum alloc_severity sev;
	unsigned long line;
	const char *text;   /* exact, or a substring after '~' */
};

struct val_case {
	const char *name;
	const char *text;
	bool holdings;      /* use the standard holdings below */
	time_t now;
	int rc;
	struct want_msg msgs[4];
};

/*
 * Standard holdings: class A holds AS64496-64511, 192.0.2.0/24,
 * 198.51.100.0/24, 10.0.0.0/8, 2001:db8::/32; class B holds 203.0.113.0/24.
 */
static const struct val_case val_cases[] = {
	{ "clean", "version 1\nclass A\nchild a\nchild b\n"
	  "grant a A as=64496 ipv4=192.0.2.0/25 " NA "\n"
	  "grant b A ipv4=192.0.2.128/25 ipv6=2001:db8::/32 " NA "\n",
	  true, T_2026 - 365 * DAY, 0, { { 0, 0, 0, NULL } } },
	{ "UD-100 overlap, both lines named",
	  "version 1\nclass A\nchild a\nchild b\n"
	  "grant a A ipv4=192.0.2.0/24 " NA "\n"
	  "grant b A ipv4=192.0.2.128/25,198.51.100.0/24 " NA "\n",
	  false, 0, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_OVERLAP, ALLOC_SEV_ERROR, 6,
	      "alloc.txt:6: class A: ipv4 192.0.2.128/25 granted to both a (line 5) "
	      "and b (line 6) (UD-100)" } } },
	{ "UD-100 the same resource in two classes is fine",
	  "version 1\nclass A\nclass B\nchild a\nchild b\n"
	  "grant a A ipv4=192.0.2.0/24 " NA "\ngrant b B ipv4=192.0.2.0/24 " NA "\n",
	  false, 0, 0, { { 0, 0, 0, NULL } } },
	{ "UD-100 AS ranges overlapping in part",
	  "version 1\nclass A\nchild a\nchild b\n"
	  "grant b A as=64499-64510 " NA "\ngrant a A as=64496-64500 " NA "\n",
	  false, 0, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_OVERLAP, ALLOC_SEV_ERROR, 6,
	      "alloc.txt:6: class A: as 64499-64500 granted to both a (line 6) "
	      "and b (line 5) (UD-100)" } } },
	{ "UD-100 three children, one message per pair",
	  "version 1\nclass A\nchild a\nchild b\nchild c\n"
	  "grant a A ipv6=2001:db8::/32 " NA "\n"
	  "grant b A ipv6=2001:db8:1::/48 " NA "\n"
	  "grant c A ipv6=2001:db8:2::/48 " NA "\n",
	  false, 0, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_OVERLAP, ALLOC_SEV_ERROR, 7,
	      "~ipv6 2001:db8:1::/48 granted to both a (line 6) and b (line 7)" },
	    { ALLOC_ERR_OVERLAP, ALLOC_SEV_ERROR, 8,
	      "~ipv6 2001:db8:2::/48 granted to both a (line 6) and c (line 8)" } } },
	{ "UD-100 several overlapping pieces, one message",
	  "version 1\nclass A\nchild a\nchild b\n"
	  "grant a A ipv4=10.0.0.0/8 " NA "\n"
	  "grant b A ipv4=10.1.0.0/16,10.3.0.0/16,192.0.2.0/24 " NA "\n",
	  false, 0, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_OVERLAP, ALLOC_SEV_ERROR, 6, "~ipv4 10.1.0.0/16,10.3.0.0/16 granted" } } },
	{ "a child overlapping itself is just a union",
	  "version 1\nclass A\nchild a\n"
	  "grant a A ipv4=10.0.0.0/8 " NA "\ngrant a A ipv4=10.1.0.0/16\n",
	  false, 0, 0, { { 0, 0, 0, NULL } } },
	{ "adjacent is not overlapping",
	  "version 1\nclass A\nchild a\nchild b\n"
	  "grant a A as=1-10 ipv4=10.0.0.0/9 " NA "\ngrant b A as=11 ipv4=10.128.0.0/9 " NA "\n",
	  false, 0, 0, { { 0, 0, 0, NULL } } },
	{ "empty entitlement",
	  "version 1\nclass A\nchild a\ngrant a A ipv4= " NA "\n",
	  false, 0, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_EMPTY, ALLOC_SEV_ERROR, 4,
	      "alloc.txt:4: a/A: no resources (a certificate must not be empty, "
	      "RFC 6487 section 2; UD-105)" } } },
	{ "UD-100 outside the holdings",
	  "version 1\nclass A\nchild a\n"
	  "grant a A as=64496-64520 ipv4=192.0.2.0/24,203.0.113.0/25 " NA "\n",
	  true, 0, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_HOLDINGS, ALLOC_SEV_ERROR, 4,
	      "alloc.txt:4: a/A: as 64512-64520 outside the CA's holdings in class A "
	      "(UD-100, RFC 6487 section 7.2)" },
	    { ALLOC_ERR_HOLDINGS, ALLOC_SEV_ERROR, 4, "~a/A: ipv4 203.0.113.0/25 outside" } } },
	{ "holdings are per class",
	  "version 1\nclass A\nclass B\nchild a\n"
	  "grant a B ipv4=192.0.2.0/24 " NA "\n",
	  true, 0, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_HOLDINGS, ALLOC_SEV_ERROR, 5, "~a/B: ipv4 192.0.2.0/24 outside" } } },
	{ "without holdings nothing is outside",
	  "version 1\nclass A\nclass X\nchild a\ngrant a X ipv4=0.0.0.0/0 " NA "\n",
	  false, 0, 0, { { 0, 0, 0, NULL } } },
	{ "class that is not one of the CA's",
	  "version 1\nclass A\nclass X\n", true, 0, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_CLASS, ALLOC_SEV_ERROR, 3,
	      "alloc.txt:3: class X is not a resource class of this CA" } } },
	{ "UD-56 notafter in the past",
	  "version 1\nclass A\nchild a\ngrant a A as=1 " NA "\n",
	  false, T_2026 + 1, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_EXPIRED, ALLOC_SEV_ERROR, 4,
	      "alloc.txt:4: a/A: notafter 2026-01-01T00:00:00Z is not in the future "
	      "(never advertise a past time, UD-56)" } } },
	{ "UD-56 notafter equal to now",
	  "version 1\nclass A\nchild a\ngrant a A as=1 " NA "\n",
	  false, T_2026, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_EXPIRED, ALLOC_SEV_ERROR, 4, "~is not in the future" } } },
	{ "UD-56 notafter soon: warning only",
	  "version 1\nclass A\nchild a\ngrant a A as=1 " NA "\n",
	  false, T_2026 - 10 * DAY, 0,
	  { { ALLOC_ERR_EXPIRED, ALLOC_SEV_WARNING, 4,
	      "alloc.txt:4: a/A: notafter 2026-01-01T00:00:00Z is less than 30 days away" } } },
	{ "now == 0 skips the time checks",
	  "version 1\nclass A\nchild a\ngrant a A as=1 notafter=1999-01-01T00:00:00Z\n",
	  false, 0, 0, { { 0, 0, 0, NULL } } },
	{ "child without grant: warning",
	  "version 1\nclass A\nchild a\n", false, 0, 0,
	  { { ALLOC_ERR_EMPTY, ALLOC_SEV_WARNING, 3, "alloc.txt:3: child a has no grant" } } },
	{ "everything at once",
	  "version 1\nclass A\nclass X\nchild a\nchild b\n"
	  "grant a A ipv4=10.0.0.0/8 " NA "\ngrant b A ipv4=10.0.0.0/24 ipv6= "
	  "notafter=2020-01-01T00:00:00Z\n",
	  true, T_2026 - 100 * DAY, ALLOC_ERR_INVALID,
	  { { ALLOC_ERR_CLASS, ALLOC_SEV_ERROR, 3, "~class X" },
	    { ALLOC_ERR_EXPIRED, ALLOC_SEV_ERROR, 7, "~b/A: notafter 2020" },
	    { ALLOC_ERR_OVERLAP, ALLOC_SEV_ERROR, 7, "~10.0.0.0/24 granted to both a (line 6)" } } },
};

static void
std_holdings(struct res_bundle *a, struct res_bundle *b, struct alloc_holding h[2])
{
	bundle(a, "64496-64511", "192.0.2.0/24,198.51.100.0/24,10.0.0.0/8", "2001:db8::/32");
	bundle(b, "", "203.0.113.0/24", "");
	h[0].class_name = "A";
	h[0].res = a;
	h[1].class_name = "B";
	h[1].res = b;
}

static void
test_validate_cases(void **state)
{
	struct res_bundle ha, hb;
	struct alloc_holding h[2];

	(void)state;
	std_holdings(&ha, &hb, h);
	for (size_t i = 0; i < sizeof(val_cases) / sizeof(val_cases[0]); i++) {
		const struct val_case *c = &val_cases[i];
		struct alloc_table t;
		struct alloc_errs errs;
		size_t nwant = 0, k;
		int rc;

		parse_ok(c->text, &t);
		alloc_errs_init(&errs);
		rc = alloc_validate(&t, c->holdings ? h : NULL, c->holdings ? 2 : 0, c->now, &errs);
		for (k = 0; k < errs.count; k++)
			print_message("  %s: %s\n", c->name, errs.msgs[k].text);
		if (rc != c->rc)
			fail_msg("%s: rc %d want %d", c->name, rc, c->rc);
		while (nwant < 4 && c->msgs[nwant].text != NULL)
			nwant++;
		if (errs.count != nwant)
			fail_msg("%s: %zu messages, want %zu", c->name, errs.count, nwant);
		for (k = 0; k < nwant; k++) {
			const struct want_msg *w = &c->msgs[k];
			const struct alloc_msg *m = &errs.msgs[k];

			assert_int_equal(m->code, w->code);
			assert_int_equal(m->severity, w->sev);
			assert_int_equal(m->line, w->line);
			if (w->text[0] == '~' ? strstr(m->text, w->text + 1) == NULL :
			    strcmp(m->text, w->text) != 0)
				fail_msg("%s: message '%s' want '%s'", c->name, m->text, w->text);
		}
		alloc_errs_free(&errs);
		alloc_table_free(&t);
	}
	res_bundle_free(&ha);
	res_bundle_free(&hb);
}

/* The sample file is clean against holdings that cover it. */
static void
test_validate_example(void **state)
{
	static const char text[] =
	    "version 42\nclass DEFAULT\nclass LEGACY\nchild isp-a\nchild dormant\n"
	    "grant isp-a DEFAULT as=64496-64499 ipv4=192.0.2.0/25 " NA "\n"
	    "grant isp-a LEGACY ipv4=203.0.113.0/24 notafter=2025-12-31T23:59:59Z\n";
	struct res_bundle hd, hl;
	struct alloc_holding h[2] = { { "LEGACY", &hl }, { "DEFAULT", &hd } };
	struct alloc_table t;
	struct alloc_errs errs;

	(void)state;
	bundle(&hd, "64496-64511", "192.0.2.0/24", "2001:db8::/32");
	bundle(&hl, "", "203.0.113.0/24", "");
	parse_ok(text, &t);
	alloc_errs_init(&errs);
	assert_int_equal(alloc_validate(&t, h, 2, T_2026 - 200 * DAY, &errs), 0);
	assert_int_equal(errs.nerrors, 0);
	assert_int_equal(errs.nwarnings, 1);
	assert_string_equal(errs.msgs[0].text, "alloc.txt:5: child dormant has no grant");
	alloc_errs_free(&errs);

	/* inherit holdings cannot be checked: argument error */
	hl.v4.inherit = true;
	assert_int_equal(alloc_validate(&t, h, 2, 0, &errs), ALLOC_ERR_ARG);
	hl.v4.inherit = false;
	assert_int_equal(alloc_validate(NULL, h, 2, 0, &errs), ALLOC_ERR_ARG);
	assert_int_equal(alloc_validate(&t, NULL, 2, 0, &errs), ALLOC_ERR_ARG);
	assert_int_equal(alloc_validate(&t, h, 2, 0, NULL), ALLOC_ERR_ARG);
	alloc_errs_free(&errs);
	alloc_table_free(&t);
	res_bundle_free(&hd);
	res_bundle_free(&hl);
}

/* UD-57: entitlement = registry allocation ∩ our own holdings for the class. */
static void
test_effective_ud57(void **state)
{
	struct alloc_table t;
	struct res_bundle hold, eff;
	const struct alloc_ent *e;

	(void)state;
	parse_ok("version 1\nclass A\nchild a\ngrant a A as=64496-64511 "
	    "ipv4=192.0.2.0/24,198.51.100.0/24 ipv6=2001:db8::/32 " NA "\n", &t);
	bundle(&hold, "64500-65000", "192.0.2.0/25,203.0.113.0/24", "");
	assert_non_null(e = alloc_entitlement(&t, "a", "A"));
	assert_int_equal(alloc_effective(e, &hold, &eff), 0);
	assert_set(&eff.as, "64500-64511");
	assert_set(&eff.v4, "192.0.2.0/25");
	assert_set(&eff.v6, "");
	res_bundle_free(&eff);
	/* when our own certificate has nothing left, the child has nothing (UD-105) */
	res_bundle_free(&hold);
	bundle(&hold, "", "", "");
	assert_int_equal(alloc_effective(e, &hold, &eff), 0);
	assert_true(res_bundle_is_empty(&eff));
	res_bundle_free(&eff);
	/* inherit holdings are refused */
	hold.v6.inherit = true;
	assert_int_equal(alloc_effective(e, &hold, &eff), ALLOC_ERR_ARG);
	assert_true(res_bundle_is_empty(&eff));
	assert_int_equal(alloc_effective(NULL, &hold, &eff), ALLOC_ERR_ARG);
	res_bundle_free(&hold);
	alloc_table_free(&t);
}

static void
test_version_check(void **state)
{
	struct alloc_table a, b;

	(void)state;
	parse_ok("version 41\n", &a);
	parse_ok("version 42\n", &b);
	assert_int_equal(alloc_version_check(&a, &b), 0);
	assert_int_equal(alloc_version_check(&b, &a), ALLOC_ERR_STALE);
	assert_int_equal(alloc_version_check(&a, &a), ALLOC_ERR_STALE);
	assert_int_equal(alloc_version_check(NULL, &a), ALLOC_ERR_ARG);
	alloc_table_free(&a);
	alloc_table_free(&b);
}

/* ---- diff ---- */

#define OLD_HEAD "version 41\nclass DEFAULT\nchild isp-a\nchild isp-b\nchild isp-z\n"
#define OLD_A "grant isp-a DEFAULT ipv4=192.0.2.0/24 " NA "\n"
#define OLD_B "grant isp-b DEFAULT as=64496 ipv4=198.51.100.0/25 notafter=2025-06-30T00:00:00Z\n"
#define OLD_Z "grant isp-z DEFAULT ipv6=2001:db8:f000::/36 " NA "\n"
#define OLD OLD_HEAD OLD_A OLD_B OLD_Z
#define NEW_HEAD "version 42\nclass DEFAULT\nchild isp-a\nchild isp-b\nchild isp-z\n"

struct diff_case {
	const char *name;
	const char *old;
	const char *new_;
	const char *text;             /* alloc_diff_print */
	size_t shrinking, total;
	enum alloc_change_kind kinds[6];
	size_t nkinds;
};

static const struct diff_case diff_cases[] = {
	{ "nothing changed", OLD, NEW_HEAD OLD_A OLD_B OLD_Z,
	  "version 41 -> 42\nshrinking or removed: 0 of 3 entitlements (0.0%)\n", 0, 3, { 0 }, 0 },
	{ "the documentation's example", OLD,
	  "version 42\nclass DEFAULT\nchild isp-a\nchild isp-b\nchild isp-c\n"
	  "grant isp-a DEFAULT ipv4=192.0.2.0/25,203.0.113.0/24 " NA "\n"
	  "grant isp-b DEFAULT as=64496 ipv4=198.51.100.0/25 notafter=2026-06-30T00:00:00Z\n"
	  "grant isp-c DEFAULT as=64500 ipv4=192.0.2.128/25 " NA "\n",
	  "version 41 -> 42\n"
	  "+ child isp-c\n"
	  "- child isp-z\n"
	  "isp-a/DEFAULT: ipv4 -192.0.2.128/25 +203.0.113.0/24\n"
	  "isp-b/DEFAULT: notafter 2025-06-30T00:00:00Z -> 2026-06-30T00:00:00Z\n"
	  "isp-c/DEFAULT: added as +64500 ipv4 +192.0.2.128/25 notafter 2026-01-01T00:00:00Z\n"
	  "isp-z/DEFAULT: removed ipv6 -2001:db8:f000::/36\n"
	  "shrinking or removed: 2 of 3 entitlements (66.7%)\n", 2, 3,
	  { ALLOC_CH_CHANGED, ALLOC_CH_NOTAFTER, ALLOC_CH_ADDED, ALLOC_CH_REMOVED }, 4 },
	{ "grown", OLD,
	  NEW_HEAD "grant isp-a DEFAULT ipv4=192.0.2.0/24,203.0.113.0/24 ipv6=2001:db8::/48 " NA "\n"
	  OLD_B OLD_Z,
	  "version 41 -> 42\nisp-a/DEFAULT: ipv4 +203.0.113.0/24 ipv6 +2001:db8::/48\n"
	  "shrinking or removed: 0 of 3 entitlements (0.0%)\n", 0, 3, { ALLOC_CH_GROWN }, 1 },
	{ "shrunk, with a new notafter", OLD,
	  NEW_HEAD OLD_A "grant isp-b DEFAULT ipv4=198.51.100.0/25 notafter=2026-06-30T00:00:00Z\n"
	  OLD_Z,
	  "version 41 -> 42\n"
	  "isp-b/DEFAULT: as -64496 notafter 2025-06-30T00:00:00Z -> 2026-06-30T00:00:00Z\n"
	  "shrinking or removed: 1 of 3 entitlements (33.3%)\n", 1, 3, { ALLOC_CH_SHRUNK }, 1 },
	{ "grant removed, child kept", OLD, NEW_HEAD OLD_A OLD_Z,
	  "version 41 -> 42\nisp-b/DEFAULT: removed as -64496 ipv4 -198.51.100.0/25\n"
	  "shrinking or removed: 1 of 3 entitlements (33.3%)\n", 1, 3, { ALLOC_CH_REMOVED }, 1 },
	{ "classes added and removed",
	  "version 1\nclass OLD\nclass DEFAULT\nchild a\n"
	  "grant a OLD as=1 " NA "\ngrant a DEFAULT as=2 " NA "\n",
	  "version 2\nclass DEFAULT\nclass NEW\nchild a\n"
	  "grant a NEW ipv4=10.0.0.0/8 " NA "\ngrant a DEFAULT as=2 " NA "\n",
	  "version 1 -> 2\n+ class NEW\n- class OLD\n"
	  "a/NEW: added ipv4 +10.0.0.0/8 notafter 2026-01-01T00:00:00Z\n"
	  "a/OLD: removed as -1\n"
	  "shrinking or removed: 1 of 2 entitlements (50.0%)\n", 1, 2,
	  { ALLOC_CH_ADDED, ALLOC_CH_REMOVED }, 2 },
	{ "from an empty table", "version 0\n", OLD,
	  "version 0 -> 41\n+ class DEFAULT\n+ child isp-a\n+ child isp-b\n+ child isp-z\n"
	  "isp-a/DEFAULT: added ipv4 +192.0.2.0/24 notafter 2026-01-01T00:00:00Z\n"
	  "isp-b/DEFAULT: added as +64496 ipv4 +198.51.100.0/25 notafter 2025-06-30T00:00:00Z\n"
	  "isp-z/DEFAULT: added ipv6 +2001:db8:f000::/36 notafter 2026-01-01T00:00:00Z\n"
	  "shrinking or removed: 0 of 0 entitlements (0.0%)\n", 0, 0,
	  { ALLOC_CH_ADDED, ALLOC_CH_ADDED, ALLOC_CH_ADDED }, 3 },
};

static void
test_diff_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(diff_cases) / sizeof(diff_cases[0]); i++) {
		const struct diff_case *c = &diff_cases[i];
		struct alloc_table a, b;
		struct alloc_diff d;
		struct alloc_share sh;
		char *out = NULL;
		size_t len;

		parse_ok(c->old, &a);
		parse_ok(c->new_, &b);
		assert_int_equal(alloc_diff(&a, &b, &d), 0);
		assert_int_equal(alloc_diff_print(&d, &out, &len), 0);
		assert_int_equal(strlen(out), len);
		if (strcmp(out, c->text) != 0)
			fail_msg("%s: got\n%s\nwant\n%s", c->name, out, c->text);
		assert_int_equal(d.nchanges, c->nkinds);
		for (size_t k = 0; k < c->nkinds; k++)
			assert_int_equal(d.changes[k].kind, c->kinds[k]);
		alloc_diff_share(&d, &sh);
		assert_int_equal(sh.shrinking, c->shrinking);
		assert_int_equal(sh.total, c->total);
		free(out);
		alloc_diff_free(&d);
		/* a table against itself: no change */
		assert_int_equal(alloc_diff(&b, &b, &d), 0);
		assert_int_equal(d.nchanges + d.nchildren_added + d.nchildren_removed +
		    d.nclasses_added + d.nclasses_removed, 0);
		alloc_diff_free(&d);
		alloc_table_free(&a);
		alloc_table_free(&b);
	}
}

/* What the engine reads from a change: who, which class, what to take away (UD-101). */
static void
test_diff_fields(void **state)
{
	struct alloc_table a, b;
	struct alloc_diff d;
	const struct alloc_change *c;

	(void)state;
	parse_ok(OLD, &a);
	parse_ok(NEW_HEAD "grant isp-a DEFAULT ipv4=192.0.2.0/25,203.0.113.0/24 " NA "\n"
	    OLD_B OLD_Z, &b);
	assert_int_equal(alloc_diff(&a, &b, &d), 0);
	assert_int_equal(d.old_version, 41);
	assert_int_equal(d.new_version, 42);
	assert_int_equal(d.old_ents, 3);
	assert_int_equal(d.new_ents, 3);
	assert_int_equal(d.nchanges, 1);
	c = &d.changes[0];
	assert_string_equal(c->handle, "isp-a");
	assert_string_equal(c->class_name, "DEFAULT");
	assert_int_equal(c->kind, ALLOC_CH_CHANGED);
	assert_false(c->notafter_changed);
	assert_int_equal(c->old_notafter, T_2026);
	assert_int_equal(c->new_notafter, T_2026);
	assert_set(&c->minus.v4, "192.0.2.128/25");
	assert_set(&c->plus.v4, "203.0.113.0/24");
	assert_true(res_set_is_empty(&c->minus.as) && res_set_is_empty(&c->plus.v6));
	alloc_diff_free(&d);
	alloc_diff_free(&d);   /* idempotent */
	alloc_diff_free(NULL);
	assert_int_equal(alloc_diff(NULL, &b, &d), ALLOC_ERR_ARG);
	assert_int_equal(alloc_diff(&a, &b, NULL), ALLOC_ERR_ARG);
	alloc_table_free(&a);
	alloc_table_free(&b);
}

/*
 * UD-104: the safety brake's measure on a 1000-child table: 10 children
 * removed, 5 shrunk, 20 grown -> 15 of 1000 shrink or vanish (1.5%).
 */
static void
test_share_ud104(void **state)
{
	size_t n = 1000, i, cap = 64 + n * 128, la = 0, lb = 0;
	char *ta = malloc(cap), *tb = malloc(cap);
	struct alloc_table a, b;
	struct alloc_diff d;
	struct alloc_share sh;

	(void)state;
	assert_non_null(ta);
	assert_non_null(tb);
	la += (size_t)snprintf(ta, cap, "version 1\nclass DEFAULT\n");
	lb += (size_t)snprintf(tb, cap, "version 2\nclass DEFAULT\n");
	for (i = 0; i < n; i++) {
		la += (size_t)snprintf(ta + la, cap - la, "child c%zu\n"
		    "grant c%zu DEFAULT ipv4=10.%zu.%zu.0/24 " NA "\n", i, i, i / 256, i % 256);
		if (i < 10)
			continue;	/* removed */
		lb += (size_t)snprintf(tb + lb, cap - lb, "child c%zu\n"
		    "grant c%zu DEFAULT ipv4=10.%zu.%zu.0/%d ipv6=%s " NA "\n", i, i, i / 256,
		    i % 256, i < 15 ? 25 : 24, i >= 15 && i < 35 ? "2001:db8::/32" : "");
	}
	parse_ok(ta, &a);
	parse_ok(tb, &b);
	assert_int_equal(alloc_diff(&a, &b, &d), 0);
	alloc_diff_share(&d, &sh);
	assert_int_equal(sh.shrinking, 15);
	assert_int_equal(sh.total, 1000);
	assert_true(sh.fraction > 0.0149 && sh.fraction < 0.0151);
	assert_int_equal(d.nchildren_removed, 10);
	assert_int_equal(d.nchanges, 35);
	alloc_diff_share(NULL, &sh);
	assert_int_equal(sh.total, 0);
	alloc_diff_free(&d);
	alloc_table_free(&a);
	alloc_table_free(&b);
	free(ta);
	free(tb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_cases),
		cmocka_unit_test(test_validate_example),
		cmocka_unit_test(test_effective_ud57),
		cmocka_unit_test(test_version_check),
		cmocka_unit_test(test_diff_cases),
		cmocka_unit_test(test_diff_fields),
		cmocka_unit_test(test_share_ud104),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
