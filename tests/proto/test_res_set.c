/*
 * Set algebra on RFC 3779 resource sets, as used for entitlement =
 * allocation ∩ certified resources (UD-57) and for request limits as
 * subsets of the entitlement (UD-65). Random sets on a 256-point universe
 * are cross-checked against a brute-force bitmap, placed at the bottom and
 * top of each family's number space and across the 64-bit carry of IPv6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/res.h"

#define U 256		/* universe size */
#define ROUNDS 400	/* random cases per universe */

struct universe {
	const char *name;
	enum res_family family;
	struct res_num base;
};

static const struct universe universes[] = {
	{ "AS low", RES_AS, { 0, 0 } },
	{ "AS high", RES_AS, { 0, UINT32_MAX - (U - 1) } },
	{ "IPv4 low", RES_IPV4, { 0, 0 } },
	{ "IPv4 high", RES_IPV4, { 0, UINT32_MAX - (U - 1) } },
	{ "IPv4 mid", RES_IPV4, { 0, 0x0a000000 } },
	{ "IPv6 low", RES_IPV6, { 0, 0 } },
	{ "IPv6 carry", RES_IPV6, { 0, UINT64_MAX - U / 2 + 1 } },
	{ "IPv6 high", RES_IPV6, { UINT64_MAX, UINT64_MAX - (U - 1) } },
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static struct res_num
at(const struct universe *u, unsigned off)
{
	struct res_num n = u->base;

	n.lo += off;
	if (n.lo < u->base.lo)
		n.hi++;
	return n;
}

/* Offset of n from the universe base; fails the test if outside. */
static unsigned
offset(const struct universe *u, const struct res_num *n)
{
	uint64_t lo = n->lo - u->base.lo;
	uint64_t hi = n->hi - u->base.hi - (n->lo < u->base.lo);

	if (hi != 0 || lo >= U)
		fail_msg("%s: number outside the universe", u->name);
	return (unsigned)lo;
}

/* Canonical form: ascending, min <= max, a gap between neighbours. */
static void
check_invariant(const struct universe *u, const struct res_set *s)
{
	size_t i;

	assert_int_equal(s->family, u->family);
	assert_false(s->inherit);
	for (i = 0; i < s->count; i++) {
		unsigned a = offset(u, &s->ranges[i].min);
		unsigned b = offset(u, &s->ranges[i].max);

		assert_true(a <= b);
		if (i > 0)
			assert_true(offset(u, &s->ranges[i - 1].max) + 1 < a);
	}
}

static void
to_bitmap(const struct universe *u, const struct res_set *s, uint8_t *bm)
{
	size_t i;
	unsigned k;

	memset(bm, 0, U);
	for (i = 0; i < s->count; i++)
		for (k = offset(u, &s->ranges[i].min);
		    k <= offset(u, &s->ranges[i].max); k++)
			bm[k] = 1;
}

/* A random set built with res_set_add in random order, and its bitmap. */
static void
random_set(const struct universe *u, struct res_set *s, uint8_t *bm)
{
	unsigned n, i, a, b, d, k, t;
	struct res_num lo, hi;

	res_set_init(s, u->family);
	memset(bm, 0, U);
	n = (unsigned)(rng() % 9);
	for (i = 0; i < n; i++) {
		a = (unsigned)(rng() % U);
		b = (unsigned)(rng() % U);
		if (rng() % 3 == 0)
			b = a;			/* single values */
		else if (rng() % 2 == 0) {
			d = (unsigned)(rng() % 8);	/* short ranges */
			b = a + d < U ? a + d : a;
		}
		if (a > b) {
			t = a;
			a = b;
			b = t;
		}
		lo = at(u, a);
		hi = at(u, b);
		assert_int_equal(res_set_add(s, &lo, &hi), 0);
		for (k = a; k <= b; k++)
			bm[k] = 1;
	}
}

static void
assert_bitmap(const struct universe *u, const struct res_set *s,
    const uint8_t *want, const char *op, unsigned round)
{
	uint8_t got[U];

	check_invariant(u, s);
	to_bitmap(u, s, got);
	if (memcmp(got, want, U) != 0)
		fail_msg("%s round %u: %s differs from the bitmap", u->name,
		    round, op);
}

/* UD-57, UD-65: union, intersection, difference, subset and equality. */
static void
test_algebra_vs_bitmap_ud57_ud65(void **state)
{
	size_t ui;
	unsigned r, k;

	(void)state;
	for (ui = 0; ui < sizeof(universes) / sizeof(universes[0]); ui++) {
		const struct universe *u = &universes[ui];

		for (r = 0; r < ROUNDS; r++) {
			struct res_set a, b, o, p;
			uint8_t ba[U], bb[U], want[U];
			bool sub = true, eq = true;
			char *txt;

			random_set(u, &a, ba);
			random_set(u, &b, bb);
			assert_bitmap(u, &a, ba, "add", r);
			assert_bitmap(u, &b, bb, "add", r);
			res_set_init(&o, u->family);

			assert_int_equal(res_set_union(&o, &a, &b), 0);
			for (k = 0; k < U; k++)
				want[k] = ba[k] | bb[k];
			assert_bitmap(u, &o, want, "union", r);

			assert_int_equal(res_set_intersect(&o, &a, &b), 0);
			for (k = 0; k < U; k++)
				want[k] = ba[k] & bb[k];
			assert_bitmap(u, &o, want, "intersect", r);

			assert_int_equal(res_set_diff(&o, &a, &b), 0);
			for (k = 0; k < U; k++)
				want[k] = ba[k] & !bb[k];
			assert_bitmap(u, &o, want, "diff", r);

			for (k = 0; k < U; k++) {
				if (ba[k] && !bb[k])
					sub = false;
				if (ba[k] != bb[k])
					eq = false;
			}
			assert_int_equal(res_set_subset(&a, &b), sub);
			assert_int_equal(res_set_equal(&a, &b), eq);
			assert_true(res_set_subset(&a, &a));
			assert_true(res_set_equal(&a, &a));

			/* a ∩ b ⊆ a ⊆ a ∪ b; (a \ b) ∪ (a ∩ b) == a */
			assert_int_equal(res_set_intersect(&o, &a, &b), 0);
			assert_true(res_set_subset(&o, &a));
			res_set_init(&p, u->family);
			assert_int_equal(res_set_diff(&p, &a, &b), 0);
			{
				struct res_set q;

				res_set_init(&q, u->family);
				assert_int_equal(res_set_union(&q, &p, &o), 0);
				assert_true(res_set_equal(&q, &a));
				assert_int_equal(res_set_union(&q, &a, &b), 0);
				assert_true(res_set_subset(&a, &q));
				res_set_free(&q);
			}

			/* equal sets print the same text; text round-trips */
			assert_int_equal(res_set_print(&a, &txt), 0);
			res_set_free(&p);
			assert_int_equal(res_set_parse(&p, u->family, txt,
			    strlen(txt)), 0);
			assert_true(res_set_equal(&p, &a));
			free(txt);

			res_set_free(&a);
			res_set_free(&b);
			res_set_free(&o);
			res_set_free(&p);
		}
	}
}

static struct res_num
num(uint64_t hi, uint64_t lo)
{
	struct res_num n = { hi, lo };

	return n;
}

/* Add a range given as two 32-bit numbers. */
static int
add32(struct res_set *s, uint64_t a, uint64_t b)
{
	struct res_num x = num(0, a), y = num(0, b);

	return res_set_add(s, &x, &y);
}

static void
expect_text(const struct res_set *s, const char *want)
{
	char *txt;

	assert_int_equal(res_set_print(s, &txt), 0);
	assert_string_equal(txt, want);
	free(txt);
}

/* res_set_add merges left, right, both sides, and keeps gaps. */
static void
test_add(void **state)
{
	struct res_set s;
	struct res_num x, y;

	(void)state;
	res_set_init(&s, RES_AS);
	assert_int_equal(add32(&s, 10, 20), 0);
	assert_int_equal(add32(&s, 30, 40), 0);
	expect_text(&s, "10-20,30-40");
	assert_int_equal(add32(&s, 22, 28), 0);
	expect_text(&s, "10-20,22-28,30-40");
	assert_int_equal(add32(&s, 21, 21), 0);	/* touches both sides */
	expect_text(&s, "10-28,30-40");
	assert_int_equal(add32(&s, 29, 29), 0);
	expect_text(&s, "10-40");
	assert_int_equal(add32(&s, 0, 5), 0);
	assert_int_equal(add32(&s, 50, 60), 0);
	assert_int_equal(add32(&s, 70, 80), 0);
	expect_text(&s, "0-5,10-40,50-60,70-80");
	assert_int_equal(add32(&s, 6, 75), 0);	/* swallows three */
	expect_text(&s, "0-80");
	assert_int_equal(add32(&s, 4294967295u, 4294967295u), 0);
	assert_int_equal(add32(&s, 4294967290u, 4294967294u), 0);
	expect_text(&s, "0-80,4294967290-4294967295");
	assert_int_equal(add32(&s, 81, 4294967289u), 0);
	expect_text(&s, "0-4294967295");

	/* errors leave the set unchanged */
	assert_int_equal(add32(&s, 5, 4), RES_ERR_RANGE);
	assert_int_equal(add32(&s, 0, 4294967296u), RES_ERR_RANGE);
	x = num(1, 0);
	assert_int_equal(res_set_add(&s, &x, &x), RES_ERR_RANGE);
	expect_text(&s, "0-4294967295");
	res_set_free(&s);

	/* IPv6 top of the space: no overflow when touching 2^128 - 1 */
	res_set_init(&s, RES_IPV6);
	x = num(UINT64_MAX, UINT64_MAX);
	assert_int_equal(res_set_add(&s, &x, &x), 0);
	x = num(UINT64_MAX, 0);
	y = num(UINT64_MAX, UINT64_MAX - 1);
	assert_int_equal(res_set_add(&s, &x, &y), 0);
	expect_text(&s, "ffff:ffff:ffff:ffff::/64");
	x = num(0, UINT64_MAX);
	y = num(1, 0);
	assert_int_equal(res_set_add(&s, &x, &y), 0);
	expect_text(&s, "::ffff:ffff:ffff:ffff-0:0:0:1::,"
	    "ffff:ffff:ffff:ffff::/64");
	res_set_free(&s);

	res_set_init(&s, RES_IPV4);
	s.inherit = true;
	assert_int_equal(add32(&s, 1, 2), RES_ERR_INHERIT);
	res_set_free(&s);
}

/* Family mismatch and inherit are errors; the output is then empty. */
static void
test_binop_errors(void **state)
{
	struct res_set a, b, o;

	(void)state;
	assert_int_equal(res_set_parse(&a, RES_IPV4, "10.0.0.0/8", 10), 0);
	assert_int_equal(res_set_parse(&b, RES_IPV6, "::/0", 4), 0);
	assert_int_equal(res_set_parse(&o, RES_IPV4, "1.0.0.0/8", 9), 0);
	assert_int_equal(res_set_union(&o, &a, &b), RES_ERR_FAMILY);
	assert_int_equal(o.count, 0);
	assert_int_equal(res_set_parse(&o, RES_IPV4, "1.0.0.0/8", 9) , 0);
	assert_int_equal(res_set_intersect(&o, &a, &b), RES_ERR_FAMILY);
	assert_int_equal(o.count, 0);
	assert_int_equal(res_set_diff(&o, &a, &b), RES_ERR_FAMILY);
	assert_false(res_set_subset(&a, &b));
	assert_false(res_set_equal(&a, &b));
	res_set_free(&b);

	res_set_init(&b, RES_IPV4);
	b.inherit = true;
	assert_int_equal(res_set_union(&o, &a, &b), RES_ERR_INHERIT);
	assert_int_equal(res_set_intersect(&o, &b, &a), RES_ERR_INHERIT);
	assert_int_equal(res_set_diff(&o, &a, &b), RES_ERR_INHERIT);
	assert_true(res_set_is_empty(&o));
	res_set_free(&a);
	res_set_free(&b);
	res_set_free(&o);
}

/* Inherit rules of subset/equal/is_empty/copy (see proto/res.h). */
static void
test_inherit_rules(void **state)
{
	struct res_set a, b, e, c;

	(void)state;
	res_set_init(&a, RES_AS);
	res_set_init(&b, RES_AS);
	res_set_init(&e, RES_AS);
	a.inherit = b.inherit = true;
	assert_false(res_set_is_empty(&a));
	assert_true(res_set_is_empty(&e));
	assert_true(res_set_equal(&a, &b));
	assert_true(res_set_subset(&a, &b));
	assert_true(res_set_subset(&e, &a));
	assert_false(res_set_subset(&a, &e));
	assert_false(res_set_equal(&a, &e));
	assert_int_equal(add32(&e, 1, 1), 0);
	assert_false(res_set_subset(&e, &a));

	res_set_init(&c, RES_IPV6);
	assert_int_equal(res_set_copy(&c, &a), 0);
	assert_true(c.inherit);
	assert_int_equal(c.family, RES_AS);
	assert_int_equal(res_set_copy(&c, &e), 0);
	assert_false(c.inherit);
	assert_true(res_set_equal(&c, &e));
	assert_true(c.ranges != e.ranges);	/* deep copy */
	assert_int_equal(res_set_copy(&c, &c), 0);
	assert_true(res_set_equal(&c, &e));
	res_set_clear(&c);
	assert_true(res_set_is_empty(&c));
	assert_int_equal(c.family, RES_AS);
	res_set_free(&c);
	res_set_free(&c);	/* twice is fine */
	res_set_free(NULL);
	res_set_free(&a);
	res_set_free(&b);
	res_set_free(&e);
}

static void
test_bundle(void **state)
{
	struct res_bundle b;

	(void)state;
	res_bundle_init(&b);
	assert_int_equal(b.as.family, RES_AS);
	assert_int_equal(b.v4.family, RES_IPV4);
	assert_int_equal(b.v6.family, RES_IPV6);
	assert_true(res_bundle_is_empty(&b));
	b.v6.inherit = true;
	assert_false(res_bundle_is_empty(&b));
	b.v6.inherit = false;
	assert_int_equal(add32(&b.as, 64496, 64511), 0);
	assert_false(res_bundle_is_empty(&b));
	res_bundle_free(&b);
	res_bundle_free(NULL);
}

static void
test_prefix_len_and_cmp(void **state)
{
	struct res_range r;
	unsigned len = 99;

	(void)state;
	r.min = num(0, 0);
	r.max = num(0, UINT32_MAX);
	assert_true(res_range_prefix_len(&r, RES_IPV4, &len));
	assert_int_equal(len, 0);
	assert_false(res_range_prefix_len(&r, RES_AS, &len));
	r.max = num(UINT64_MAX, UINT64_MAX);
	assert_true(res_range_prefix_len(&r, RES_IPV6, &len));
	assert_int_equal(len, 0);
	r.min = r.max;
	assert_true(res_range_prefix_len(&r, RES_IPV6, &len));
	assert_int_equal(len, 128);
	r.min = num(0, 0x0a000000);
	r.max = num(0, 0x0a0000fe);
	assert_false(res_range_prefix_len(&r, RES_IPV4, NULL));
	r.min = num(0, 0x0a000001);
	r.max = num(0, 0x0a000002);
	assert_false(res_range_prefix_len(&r, RES_IPV4, NULL));
	r.min = num(1, 0);
	r.max = num(1, UINT64_MAX);
	assert_true(res_range_prefix_len(&r, RES_IPV6, &len));
	assert_int_equal(len, 64);

	r.min = num(1, 0);
	r.max = num(0, UINT64_MAX);
	assert_true(res_num_cmp(&r.min, &r.max) > 0);
	assert_true(res_num_cmp(&r.max, &r.min) < 0);
	assert_int_equal(res_num_cmp(&r.min, &r.min), 0);
	assert_int_equal(res_family_bits(RES_AS), 32);
	assert_int_equal(res_family_bits(RES_IPV4), 32);
	assert_int_equal(res_family_bits(RES_IPV6), 128);
}

static void
test_strerror(void **state)
{
	int e;

	(void)state;
	for (e = RES_ERR_INHERIT; e <= RES_ERR_SYNTAX; e++) {
		const char *s = res_strerror(e);

		assert_non_null(s);
		assert_true(strcmp(s, res_strerror(-1)) != 0);
	}
	assert_string_equal(res_strerror(0), "success");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_algebra_vs_bitmap_ud57_ud65),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_binop_errors),
		cmocka_unit_test(test_inherit_rules),
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_prefix_len_and_cmp),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
