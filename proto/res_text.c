/*
 * RFC 6492 section 3.3.2 text form of resource sets (UD-58).
 *
 * Parsing is lenient about order, overlaps and IPv6 spelling (RFC 4291
 * section 2.2, any case) and strict about everything else: no white space,
 * no empty items, no leading zeros in decimal numbers, no "AS" prefix, no
 * host bits beyond a prefix length. Items are parsed into an array, sorted
 * with qsort and merged in one pass, so a set of n items costs O(n log n).
 *
 * Printing writes the one canonical form: sorted and merged, a range that is
 * exactly one prefix as "addr/len", any other range as "lo-hi", an AS range
 * of one number as the number, IPv6 per RFC 5952 section 4.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/res.h"

/* Longest printed item plus its comma: two full IPv6 addresses and '-'. */
#define RES_ITEM_MAX 80

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parse a decimal number filling all of [s, e): RFC 6492 section 3.3.2
 * wants no leading zeros (RES_ERR_SYNTAX); above max is RES_ERR_RANGE.
 */
static int
parse_dec(const char *s, const char *e, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s == e)
		return RES_ERR_SYNTAX;
	for (p = s; p < e; p++)
		if (!is_digit(*p))
			return RES_ERR_SYNTAX;
	if (*s == '0' && e - s > 1)
		return RES_ERR_SYNTAX;
	for (p = s; p < e; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return RES_ERR_RANGE;
	}
	*out = v;
	return 0;
}

/* Dotted quad filling [s, e), no leading zeros, into the low 32 bits. */
static int
parse_v4(const char *s, const char *e, uint32_t *out)
{
	const char *p = s, *q;
	uint64_t octet;
	uint32_t v = 0;
	int i, rc;

	for (i = 0; i < 4; i++) {
		for (q = p; q < e && *q != '.'; q++)
			;
		if ((i < 3 && q == e) || (i == 3 && q != e))
			return RES_ERR_SYNTAX;
		if ((rc = parse_dec(p, q, 255, &octet)) != 0)
			return rc;
		v = (v << 8) | (uint32_t)octet;
		p = q + 1;
	}
	*out = v;
	return 0;
}

/*
 * RFC 4291 section 2.2 text filling [s, e): up to eight groups of one to
 * four hex digits, at most one "::" standing for one or more zero groups,
 * optionally a dotted quad as the last 32 bits. Any case.
 */
static int
parse_v6(const char *s, const char *e, struct res_num *out)
{
	uint16_t g[8];
	const char *p = s, *q;
	int n = 0, dbl = -1, d, i;
	uint32_t v4;
	unsigned v;

	if (p < e && *p == ':') {
		if (e - p < 2 || p[1] != ':')
			return RES_ERR_SYNTAX;
		dbl = 0;
		p += 2;
	}
	while (p < e) {
		for (q = p, v = 0; q < e && (d = hex_value(*q)) >= 0; q++) {
			if (q - p == 4)
				return RES_ERR_SYNTAX;
			v = (v << 4) | (unsigned)d;
		}
		if (q < e && *q == '.') {
			/* Embedded IPv4 in the last 32 bits. */
			if (n > 6 || parse_v4(p, e, &v4) != 0)
				return RES_ERR_SYNTAX;
			g[n++] = (uint16_t)(v4 >> 16);
			g[n++] = (uint16_t)v4;
			p = e;
			break;
		}
		if (q == p || n == 8)
			return RES_ERR_SYNTAX;
		g[n++] = (uint16_t)v;
		p = q;
		if (p == e)
			break;
		if (*p != ':' || ++p == e)
			return RES_ERR_SYNTAX;
		if (*p == ':') {
			if (dbl >= 0)
				return RES_ERR_SYNTAX;
			dbl = n;
			p++;
		}
	}
	if (dbl < 0 ? n != 8 : n > 7)
		return RES_ERR_SYNTAX;
	if (dbl >= 0) {
		memmove(&g[8 - (n - dbl)], &g[dbl], (size_t)(n - dbl) * sizeof(g[0]));
		for (i = dbl; i < 8 - (n - dbl); i++)
			g[i] = 0;
	}
	out->hi = out->lo = 0;
	for (i = 0; i < 4; i++) {
		out->hi = (out->hi << 16) | g[i];
		out->lo = (out->lo << 16) | g[i + 4];
	}
	return 0;
}

/*
 * One address of the family filling [s, e). If it does not parse but is
 * a valid address of the other IP family, RES_ERR_FAMILY.
 */
static int
parse_addr(enum res_family family, const char *s, const char *e,
    struct res_num *out)
{
	struct res_num v6;
	uint32_t v4;
	int rc;

	if (family == RES_IPV4) {
		if ((rc = parse_v4(s, e, &v4)) == 0) {
			out->hi = 0;
			out->lo = v4;
			return 0;
		}
		return parse_v6(s, e, &v6) == 0 ? RES_ERR_FAMILY : rc;
	}
	if ((rc = parse_v6(s, e, out)) == 0)
		return 0;
	return parse_v4(s, e, &v4) == 0 ? RES_ERR_FAMILY : rc;
}

/* Mask of the low k bits, k in 0..128. */
static struct res_num
low_ones(unsigned k)
{
	struct res_num m = { 0, 0 };

	if (k >= 128) {
		m.hi = m.lo = UINT64_MAX;
	} else if (k >= 64) {
		m.lo = UINT64_MAX;
		m.hi = k == 64 ? 0 : (UINT64_MAX >> (128 - k));
	} else if (k > 0) {
		m.lo = UINT64_MAX >> (64 - k);
	}
	return m;
}

/* One item of [s, e): "n" or "n-m" for AS; prefix, range or address for IP. */
static int
parse_item(enum res_family family, const char *s, const char *e,
    struct res_range *r)
{
	const char *sep;
	struct res_num host;
	uint64_t v, len;
	unsigned bits;
	int rc;

	for (sep = s; sep < e && *sep != '-' && *sep != '/'; sep++)
		;
	if (family == RES_AS) {
		if (sep < e && *sep == '/')
			return RES_ERR_SYNTAX;
		if ((rc = parse_dec(s, sep, UINT32_MAX, &v)) != 0)
			return rc;
		r->min.hi = r->max.hi = 0;
		r->min.lo = r->max.lo = v;
		if (sep < e) {
			if ((rc = parse_dec(sep + 1, e, UINT32_MAX, &v)) != 0)
				return rc;
			r->max.lo = v;
		}
		return res_num_cmp(&r->min, &r->max) > 0 ? RES_ERR_RANGE : 0;
	}

	bits = res_family_bits(family);
	if ((rc = parse_addr(family, s, sep, &r->min)) != 0)
		return rc;
	if (sep == e) {
		/* A bare address: the prefix of full length. */
		r->max = r->min;
		return 0;
	}
	if (*sep == '-') {
		if ((rc = parse_addr(family, sep + 1, e, &r->max)) != 0)
			return rc;
		return res_num_cmp(&r->min, &r->max) > 0 ? RES_ERR_RANGE : 0;
	}
	if ((rc = parse_dec(sep + 1, e, UINT32_MAX, &len)) != 0)
		return rc;
	if (len > bits)
		return RES_ERR_RANGE;
	host = low_ones(bits - (unsigned)len);
	if ((r->min.hi & host.hi) != 0 || (r->min.lo & host.lo) != 0)
		return RES_ERR_HOSTBITS;
	r->max.hi = r->min.hi | host.hi;
	r->max.lo = r->min.lo | host.lo;
	return 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct res_range *x = a, *y = b;
	int c;

	if ((c = res_num_cmp(&x->min, &y->min)) != 0)
		return c;
	return res_num_cmp(&x->max, &y->max);
}

/* True when a range starting at b_min overlaps or touches one ending at a_max. */
static bool
joins(const struct res_num *a_max, const struct res_num *b_min)
{
	struct res_num n = *a_max;

	if (++n.lo == 0 && ++n.hi == 0)
		return true; /* a_max is the largest number */
	return res_num_cmp(b_min, &n) <= 0;
}

/*
 * Parse RFC 6492 text into out (initialised here). Returns 0, or a
 * RES_ERR_* code with out left empty. out is freed by res_set_free().
 */
int
res_set_parse(struct res_set *out, enum res_family family, const char *text,
    size_t len)
{
	struct res_range *r = NULL;
	const char *p, *e, *q;
	size_t items = 1, n = 0, k, i;
	int rc = RES_ERR_FAMILY;

	res_set_init(out, family);
	if (res_family_bits(family) == 0)
		goto out;
	rc = RES_ERR_LIMIT;
	if (len > RES_MAX_TEXT)
		goto out;
	rc = 0;
	if (len == 0)
		goto out;
	rc = RES_ERR_SYNTAX;
	if (text == NULL)
		goto out;
	e = text + len;
	for (p = text; p < e; p++)
		if (*p == ',')
			items++;
	rc = RES_ERR_LIMIT;
	if (items > RES_MAX_RANGES)
		goto out;
	rc = RES_ERR_NOMEM;
	if ((r = malloc(items * sizeof(*r))) == NULL)
		goto out;

	for (p = text; ; p = q + 1) {
		for (q = p; q < e && *q != ','; q++)
			;
		rc = RES_ERR_SYNTAX;
		if (q == p)
			goto out; /* empty item, "1,,2" or trailing comma */
		if ((rc = parse_item(family, p, q, &r[n])) != 0)
			goto out;
		n++;
		if (q == e)
			break;
	}

	qsort(r, n, sizeof(*r), range_cmp);
	for (i = 1, k = 0; i < n; i++) {
		if (joins(&r[k].max, &r[i].min)) {
			if (res_num_cmp(&r[i].max, &r[k].max) > 0)
				r[k].max = r[i].max;
		} else {
			r[++k] = r[i];
		}
	}
	out->ranges = r;
	out->alloc = items;
	out->count = k + 1;
	r = NULL;
	rc = 0;
out:
	free(r);
	return rc;
}

/* Write an IPv4 address; returns the number of characters. */
static int
print_v4(char *buf, uint64_t a)
{
	return sprintf(buf, "%u.%u.%u.%u", (unsigned)(a >> 24) & 0xff,
	    (unsigned)(a >> 16) & 0xff, (unsigned)(a >> 8) & 0xff,
	    (unsigned)a & 0xff);
}

/*
 * RFC 5952 section 4: lower case, no leading zeros, "::" for the longest
 * run of two or more zero groups (the first one on a tie).
 */
static int
print_v6(char *buf, const struct res_num *a)
{
	unsigned g[8];
	int i, best = -1, bestlen = 1, run, len = 0;

	for (i = 0; i < 4; i++) {
		g[i] = (unsigned)(a->hi >> (48 - 16 * i)) & 0xffff;
		g[i + 4] = (unsigned)(a->lo >> (48 - 16 * i)) & 0xffff;
	}
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && g[i + run] == 0; run++)
			;
		if (run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			len += sprintf(buf + len, "::");
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			buf[len++] = ':';
		len += sprintf(buf + len, "%x", g[i]);
	}
	buf[len] = '\0';
	return len;
}

static int
print_addr(char *buf, enum res_family family, const struct res_num *a)
{
	if (family == RES_IPV6)
		return print_v6(buf, a);
	return print_v4(buf, a->lo);
}

/*
 * Print the canonical text into a malloc'd string (caller frees) in *out.
 * RES_ERR_INHERIT for an inherit set (no text form), RES_ERR_NOMEM.
 */
int
res_set_print(const struct res_set *set, char **out)
{
	char *buf = NULL;
	size_t i, len = 0;
	unsigned plen;
	int rc = RES_ERR_INHERIT;

	*out = NULL;
	if (set->inherit)
		goto out;
	rc = RES_ERR_FAMILY;
	if (res_family_bits(set->family) == 0)
		goto out;
	rc = RES_ERR_NOMEM;
	if (set->count > (SIZE_MAX - 1) / RES_ITEM_MAX)
		goto out;
	if ((buf = malloc(set->count * RES_ITEM_MAX + 1)) == NULL)
		goto out;
	buf[0] = '\0';
	for (i = 0; i < set->count; i++) {
		const struct res_range *r = &set->ranges[i];

		if (i > 0)
			buf[len++] = ',';
		if (set->family == RES_AS) {
			len += (size_t)sprintf(buf + len, "%llu",
			    (unsigned long long)r->min.lo);
			if (r->max.lo != r->min.lo)
				len += (size_t)sprintf(buf + len, "-%llu",
				    (unsigned long long)r->max.lo);
		} else if (res_range_prefix_len(r, set->family, &plen)) {
			len += (size_t)print_addr(buf + len, set->family, &r->min);
			len += (size_t)sprintf(buf + len, "/%u", plen);
		} else {
			len += (size_t)print_addr(buf + len, set->family, &r->min);
			buf[len++] = '-';
			len += (size_t)print_addr(buf + len, set->family, &r->max);
		}
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	return rc;
}
