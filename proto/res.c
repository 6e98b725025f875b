/*
 * RFC 3779 resource sets: storage and set algebra.
 *
 * A set is a sorted array of closed intervals that neither overlap nor
 * touch (see proto/res.h). Every builder below goes through set_push(),
 * which appends a range that starts at or after the last one and merges it
 * with the last one when they overlap or touch, so the invariant holds by
 * construction. Binary operations are linear merges of the two arrays.
 *
 * Text form: res_text.c. DER: res_der.c.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/res.h"

static const struct res_num num_all_ones = { UINT64_MAX, UINT64_MAX };

/* Compare two 128-bit numbers. */
int
res_num_cmp(const struct res_num *a, const struct res_num *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/* Bits per number of a family (32 or 128); 0 for an unknown family. */
unsigned
res_family_bits(enum res_family family)
{
	switch (family) {
	case RES_AS:
	case RES_IPV4:
		return 32;
	case RES_IPV6:
		return 128;
	}
	return 0;
}

/* Largest number of the family. */
static struct res_num
family_max(enum res_family family)
{
	struct res_num m = { 0, UINT32_MAX };

	if (family == RES_IPV6)
		m = num_all_ones;
	return m;
}

static bool
family_valid(enum res_family family)
{
	return family == RES_AS || family == RES_IPV4 || family == RES_IPV6;
}

/* True when x is 2^k - 1 for some k in 0..128 (only low-order ones). */
static bool
num_is_low_ones(const struct res_num *x)
{
	if (x->hi == 0)
		return (x->lo & (x->lo + 1)) == 0;
	return x->lo == UINT64_MAX && (x->hi & (x->hi + 1)) == 0;
}

static unsigned
popcount64(uint64_t v)
{
	unsigned n = 0;

	while (v != 0) {
		v &= v - 1;
		n++;
	}
	return n;
}

/*
 * A range is one prefix when lo ^ hi is a run of low-order ones that lo has
 * all clear (RFC 3779 section 2.1.2: then the range is encoded as a prefix).
 * Returns false for AS sets, which have no prefixes.
 */
bool
res_range_prefix_len(const struct res_range *r, enum res_family family,
    unsigned *len)
{
	struct res_num x;
	unsigned bits;

	if (family != RES_IPV4 && family != RES_IPV6)
		return false;
	bits = res_family_bits(family);
	x.hi = r->min.hi ^ r->max.hi;
	x.lo = r->min.lo ^ r->max.lo;
	if (!num_is_low_ones(&x))
		return false;
	if ((r->min.hi & x.hi) != 0 || (r->min.lo & x.lo) != 0)
		return false;
	if (len != NULL)
		*len = bits - (popcount64(x.hi) + popcount64(x.lo));
	return true;
}

/* Initialise an empty set of the given family. Nothing to free yet. */
void
res_set_init(struct res_set *set, enum res_family family)
{
	memset(set, 0, sizeof(*set));
	set->family = family;
}

/* Free the ranges; the set is left empty and may be reused. Accepts NULL. */
void
res_set_free(struct res_set *set)
{
	if (set == NULL)
		return;
	free(set->ranges);
	set->ranges = NULL;
	set->count = 0;
	set->alloc = 0;
	set->inherit = false;
}

/* Make the set empty (and not inherit), keeping family and storage. */
void
res_set_clear(struct res_set *set)
{
	set->count = 0;
	set->inherit = false;
}

/* True for a set with no resources; an inherit set is not empty. */
bool
res_set_is_empty(const struct res_set *set)
{
	return !set->inherit && set->count == 0;
}

/* Make room for at least n ranges. RES_ERR_NOMEM on failure. */
static int
set_reserve(struct res_set *set, size_t n)
{
	struct res_range *r;
	size_t want;

	if (n <= set->alloc)
		return 0;
	want = set->alloc < 8 ? 8 : set->alloc;
	while (want < n) {
		if (want > SIZE_MAX / 2)
			return RES_ERR_NOMEM;
		want *= 2;
	}
	if (want > SIZE_MAX / sizeof(*r))
		return RES_ERR_NOMEM;
	if ((r = realloc(set->ranges, want * sizeof(*r))) == NULL)
		return RES_ERR_NOMEM;
	set->ranges = r;
	set->alloc = want;
	return 0;
}

/* True when [.., a_max] and [b_min, ..] with a_max < b_min leave no gap. */
static bool
touches(const struct res_num *a_max, const struct res_num *b_min)
{
	struct res_num n = *a_max;

	if (res_num_cmp(&n, &num_all_ones) == 0)
		return true;
	if (++n.lo == 0)
		n.hi++;
	return res_num_cmp(b_min, &n) <= 0;
}

/*
 * Append [min, max] to a set whose last range starts at or before min,
 * merging with the last range when they overlap or touch. Used by every
 * builder so that sets stay canonical.
 */
static int
set_push(struct res_set *set, const struct res_num *min,
    const struct res_num *max)
{
	struct res_range *last;
	int rc;

	if (set->count > 0) {
		last = &set->ranges[set->count - 1];
		if (touches(&last->max, min)) {
			if (res_num_cmp(max, &last->max) > 0)
				last->max = *max;
			return 0;
		}
	}
	if ((rc = set_reserve(set, set->count + 1)) != 0)
		return rc;
	set->ranges[set->count].min = *min;
	set->ranges[set->count].max = *max;
	set->count++;
	return 0;
}

/* Take over tmp's ranges into out (freeing out's old ones). */
static void
set_move(struct res_set *out, struct res_set *tmp)
{
	free(out->ranges);
	*out = *tmp;
	res_set_init(tmp, tmp->family);
}

/* Leave out empty with the given family after a failure. */
static void
set_fail(struct res_set *out, enum res_family family)
{
	res_set_free(out);
	res_set_init(out, family);
}

/*
 * Copy src into dst (initialised; old contents freed). Returns 0 or
 * RES_ERR_NOMEM (then dst is empty).
 */
int
res_set_copy(struct res_set *dst, const struct res_set *src)
{
	struct res_set tmp;
	int rc = RES_ERR_NOMEM;

	if (dst == src)
		return 0;
	res_set_init(&tmp, src->family);
	tmp.inherit = src->inherit;
	if (src->count > 0) {
		if ((rc = set_reserve(&tmp, src->count)) != 0)
			goto out;
		memcpy(tmp.ranges, src->ranges, src->count * sizeof(*src->ranges));
		tmp.count = src->count;
	}
	set_move(dst, &tmp);
	rc = 0;
out:
	if (rc != 0)
		set_fail(dst, src->family);
	res_set_free(&tmp);
	return rc;
}

/* First index whose range ends at or after v - 1 (could touch v). */
static size_t
first_touching(const struct res_set *set, const struct res_num *v)
{
	size_t lo = 0, hi = set->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (res_num_cmp(&set->ranges[mid].max, v) < 0 &&
		    !touches(&set->ranges[mid].max, v))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Add [min, max] to the set, merging with the ranges it overlaps or
 * touches. O(log n) search plus one memmove. RES_ERR_RANGE if min > max or
 * max is beyond the family, RES_ERR_INHERIT on an inherit set,
 * RES_ERR_NOMEM (set unchanged).
 */
int
res_set_add(struct res_set *set, const struct res_num *min,
    const struct res_num *max)
{
	struct res_num fmax, nmin = *min, nmax = *max;
	size_t i, j;
	int rc;

	if (!family_valid(set->family))
		return RES_ERR_FAMILY;
	if (set->inherit)
		return RES_ERR_INHERIT;
	fmax = family_max(set->family);
	if (res_num_cmp(min, max) > 0 || res_num_cmp(max, &fmax) > 0)
		return RES_ERR_RANGE;

	/* Ranges [i, j) overlap or touch [min, max]. */
	i = first_touching(set, min);
	j = i;
	while (j < set->count && (res_num_cmp(&set->ranges[j].min, max) <= 0 ||
	    touches(max, &set->ranges[j].min)))
		j++;
	if (i == j) {
		if ((rc = set_reserve(set, set->count + 1)) != 0)
			return rc;
		memmove(&set->ranges[i + 1], &set->ranges[i],
		    (set->count - i) * sizeof(*set->ranges));
		set->count++;
	} else {
		if (res_num_cmp(&set->ranges[i].min, &nmin) < 0)
			nmin = set->ranges[i].min;
		if (res_num_cmp(&set->ranges[j - 1].max, &nmax) > 0)
			nmax = set->ranges[j - 1].max;
		memmove(&set->ranges[i + 1], &set->ranges[j],
		    (set->count - j) * sizeof(*set->ranges));
		set->count -= j - i - 1;
	}
	set->ranges[i].min = nmin;
	set->ranges[i].max = nmax;
	return 0;
}

/* Common checks for the binary operations. */
static int
binop_check(const struct res_set *a, const struct res_set *b)
{
	if (a->family != b->family || !family_valid(a->family))
		return RES_ERR_FAMILY;
	if (a->inherit || b->inherit)
		return RES_ERR_INHERIT;
	return 0;
}

/* out = a ∪ b, a linear merge. See the header for out's lifetime. */
int
res_set_union(struct res_set *out, const struct res_set *a,
    const struct res_set *b)
{
	struct res_set tmp;
	const struct res_range *r;
	size_t i = 0, j = 0;
	int rc;

	res_set_init(&tmp, a->family);
	if ((rc = binop_check(a, b)) != 0)
		goto out;
	if ((rc = set_reserve(&tmp, a->count + b->count)) != 0)
		goto out;
	while (i < a->count || j < b->count) {
		if (j == b->count || (i < a->count &&
		    res_num_cmp(&a->ranges[i].min, &b->ranges[j].min) <= 0))
			r = &a->ranges[i++];
		else
			r = &b->ranges[j++];
		if ((rc = set_push(&tmp, &r->min, &r->max)) != 0)
			goto out;
	}
	set_move(out, &tmp);
	rc = 0;
out:
	if (rc != 0)
		set_fail(out, a->family);
	res_set_free(&tmp);
	return rc;
}

/* out = a ∩ b: walk both lists, emitting the overlap of the current pair. */
int
res_set_intersect(struct res_set *out, const struct res_set *a,
    const struct res_set *b)
{
	struct res_set tmp;
	const struct res_num *lo, *hi;
	size_t i = 0, j = 0;
	int rc;

	res_set_init(&tmp, a->family);
	if ((rc = binop_check(a, b)) != 0)
		goto out;
	while (i < a->count && j < b->count) {
		const struct res_range *x = &a->ranges[i], *y = &b->ranges[j];

		lo = res_num_cmp(&x->min, &y->min) >= 0 ? &x->min : &y->min;
		hi = res_num_cmp(&x->max, &y->max) <= 0 ? &x->max : &y->max;
		if (res_num_cmp(lo, hi) <= 0 &&
		    (rc = set_push(&tmp, lo, hi)) != 0)
			goto out;
		if (res_num_cmp(&x->max, &y->max) < 0)
			i++;
		else
			j++;
	}
	set_move(out, &tmp);
	rc = 0;
out:
	if (rc != 0)
		set_fail(out, a->family);
	res_set_free(&tmp);
	return rc;
}

/* out = a \ b: cut every range of a by the ranges of b that overlap it. */
int
res_set_diff(struct res_set *out, const struct res_set *a,
    const struct res_set *b)
{
	struct res_set tmp;
	struct res_num cur, end;
	size_t i, j = 0;
	bool done;
	int rc;

	res_set_init(&tmp, a->family);
	if ((rc = binop_check(a, b)) != 0)
		goto out;
	for (i = 0; i < a->count; i++) {
		cur = a->ranges[i].min;
		done = false;
		/* Skip b ranges wholly below cur. */
		while (j < b->count && res_num_cmp(&b->ranges[j].max, &cur) < 0)
			j++;
		while (!done && j < b->count &&
		    res_num_cmp(&b->ranges[j].min, &a->ranges[i].max) <= 0) {
			const struct res_range *y = &b->ranges[j];

			if (res_num_cmp(&y->min, &cur) > 0) {
				end = y->min;
				if (end.lo-- == 0)
					end.hi--;
				if ((rc = set_push(&tmp, &cur, &end)) != 0)
					goto out;
			}
			if (res_num_cmp(&y->max, &a->ranges[i].max) >= 0) {
				/* y covers the rest of this range of a. */
				done = true;
				break;
			}
			cur = y->max;
			if (++cur.lo == 0)
				cur.hi++;
			j++;
		}
		if (!done && (rc = set_push(&tmp, &cur, &a->ranges[i].max)) != 0)
			goto out;
	}
	set_move(out, &tmp);
	rc = 0;
out:
	if (rc != 0)
		set_fail(out, a->family);
	res_set_free(&tmp);
	return rc;
}

/* a ⊆ b (inherit rules in the header). Linear in both sizes. */
bool
res_set_subset(const struct res_set *a, const struct res_set *b)
{
	size_t i, j = 0;

	if (a->family != b->family)
		return false;
	if (a->inherit || b->inherit)
		return (a->inherit && b->inherit) || (!a->inherit && a->count == 0);
	for (i = 0; i < a->count; i++) {
		while (j < b->count &&
		    res_num_cmp(&b->ranges[j].max, &a->ranges[i].min) < 0)
			j++;
		if (j == b->count ||
		    res_num_cmp(&b->ranges[j].min, &a->ranges[i].min) > 0 ||
		    res_num_cmp(&b->ranges[j].max, &a->ranges[i].max) < 0)
			return false;
	}
	return true;
}

/* Equality: canonical sets are equal exactly when their arrays are. */
bool
res_set_equal(const struct res_set *a, const struct res_set *b)
{
	size_t i;

	if (a->family != b->family || a->inherit != b->inherit ||
	    a->count != b->count)
		return false;
	for (i = 0; i < a->count; i++)
		if (res_num_cmp(&a->ranges[i].min, &b->ranges[i].min) != 0 ||
		    res_num_cmp(&a->ranges[i].max, &b->ranges[i].max) != 0)
			return false;
	return true;
}

/* Initialise the three empty sets of a bundle. */
void
res_bundle_init(struct res_bundle *b)
{
	res_set_init(&b->as, RES_AS);
	res_set_init(&b->v4, RES_IPV4);
	res_set_init(&b->v6, RES_IPV6);
}

/* Free the three sets. Accepts NULL. */
void
res_bundle_free(struct res_bundle *b)
{
	if (b == NULL)
		return;
	res_set_free(&b->as);
	res_set_free(&b->v4);
	res_set_free(&b->v6);
}

/* True when no family holds resources (an inherit family counts as some). */
bool
res_bundle_is_empty(const struct res_bundle *b)
{
	return res_set_is_empty(&b->as) && res_set_is_empty(&b->v4) &&
	    res_set_is_empty(&b->v6);
}

/* Static English text for an error code of this module. */
const char *
res_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case RES_ERR_SYNTAX:
		return "resource set text syntax error (RFC 6492 section 3.3.2)";
	case RES_ERR_HOSTBITS:
		return "prefix has bits set beyond its length";
	case RES_ERR_RANGE:
		return "number out of range, or range with lo > hi";
	case RES_ERR_FAMILY:
		return "address of the wrong family";
	case RES_ERR_DER:
		return "malformed DER";
	case RES_ERR_ORDER:
		return "entries unsorted, overlapping or adjacent "
		    "(RFC 3779 sections 2.2.3.6, 3.2.3.4)";
	case RES_ERR_BITSTRING:
		return "BIT STRING not minimal or malformed "
		    "(RFC 3779 section 2.1.2)";
	case RES_ERR_NONCANON:
		return "not in RFC 3779 canonical form";
	case RES_ERR_TRAILING:
		return "trailing bytes after the value";
	case RES_ERR_PROFILE:
		return "not allowed by the RPKI profile "
		    "(RFC 6487 sections 4.8.10, 4.8.11)";
	case RES_ERR_LIMIT:
		return "resource set too large";
	case RES_ERR_NOMEM:
		return "out of memory";
	case RES_ERR_BUFFER:
		return "output buffer too small";
	case RES_ERR_INHERIT:
		return "operation undefined on an inherit set";
	}
	return "unknown resource set error";
}
