/*
 * DER of the RFC 3779 extension values, canonical form only (UD-95, UD-96).
 *
 *   IPAddrBlocks ::= SEQUENCE OF IPAddressFamily            (section 2.2.3)
 *   IPAddressFamily ::= SEQUENCE { addressFamily OCTET STRING (SIZE (2..3)),
 *                                  ipAddressChoice IPAddressChoice }
 *   IPAddressChoice ::= CHOICE { inherit NULL,
 *                                addressesOrRanges SEQUENCE OF IPAddressOrRange }
 *   IPAddressOrRange ::= CHOICE { addressPrefix IPAddress,
 *                                 addressRange IPAddressRange }
 *   IPAddressRange ::= SEQUENCE { min IPAddress, max IPAddress }
 *   IPAddress ::= BIT STRING
 *
 *   ASIdentifiers ::= SEQUENCE { asnum [0] EXPLICIT ASIdentifierChoice OPTIONAL,
 *                                rdi   [1] EXPLICIT ASIdentifierChoice OPTIONAL }
 *   ASIdentifierChoice ::= CHOICE { inherit NULL,
 *                                   asIdsOrRanges SEQUENCE OF ASIdOrRange }
 *   ASIdOrRange ::= CHOICE { id ASId, range ASRange }
 *   ASRange ::= SEQUENCE { min ASId, max ASId }          (section 3.2.3)
 *
 * The decoders accept exactly what the encoders write, so decode then
 * encode reproduces the input bytes: every rule of the canonical form is
 * checked (minimal lengths, minimal BIT STRINGs with zero padding,
 * prefix-vs-range choice, order, id-vs-range choice). Profile rules from
 * RFC 6487 sections 4.8.10 and 4.8.11: AFI 1 or 2 without SAFI, no RDI, no
 * empty extension or empty family.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>

#include "proto/res.h"

#define TAG_SEQ  (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_ASNUM (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)
#define TAG_RDI  (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 1)

#define AFI_IPV4 1
#define AFI_IPV6 2

/*
 * Read a tag and a DER length (X.690 section 10.1: shortest form) with
 * mbedtls_asn1_get_tag, which checks the length against end.
 */
static int
der_hdr(unsigned char **p, const unsigned char *end, int tag, size_t *len)
{
	unsigned char *start = *p;
	size_t hdr, want;

	if (mbedtls_asn1_get_tag(p, end, len, tag) != 0)
		return RES_ERR_DER;
	hdr = (size_t)(*p - start);
	if (*len < 0x80)
		want = 2;
	else if (*len <= 0xff)
		want = 3;
	else if (*len <= 0xffff)
		want = 4;
	else if (*len <= 0xffffff)
		want = 5;
	else
		want = 6;
	return hdr == want ? 0 : RES_ERR_DER;
}

/* Big-endian bytes of the family's width (4 or 16) to a number. */
static void
num_from_bytes(struct res_num *n, const unsigned char *b, unsigned nbytes)
{
	unsigned i;

	n->hi = n->lo = 0;
	if (nbytes == 4) {
		for (i = 0; i < 4; i++)
			n->lo = (n->lo << 8) | b[i];
		return;
	}
	for (i = 0; i < 8; i++) {
		n->hi = (n->hi << 8) | b[i];
		n->lo = (n->lo << 8) | b[i + 8];
	}
}

static void
num_to_bytes(unsigned char *b, const struct res_num *n, unsigned nbytes)
{
	unsigned i;

	if (nbytes == 4) {
		for (i = 0; i < 4; i++)
			b[i] = (unsigned char)(n->lo >> (24 - 8 * i));
		return;
	}
	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(n->hi >> (56 - 8 * i));
		b[i + 8] = (unsigned char)(n->lo >> (56 - 8 * i));
	}
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

/* Number of trailing bits equal to bit (0 or 1) of n, within width bits. */
static unsigned
trailing(const struct res_num *n, unsigned width, int bit)
{
	unsigned k = 0;
	uint64_t w;
	int half;

	for (half = 0; half < 2 && k < width; half++) {
		w = half == 0 ? n->lo : n->hi;
		if (bit)
			w = ~w;
		if (w == 0) {
			k += 64;
			continue;
		}
		while ((w & 1) == 0) {
			w >>= 1;
			k++;
		}
		break;
	}
	return k > width ? width : k;
}

/*
 * An IPAddress BIT STRING (RFC 3779 section 2.1.1): at most the family's
 * width, unused-bits count 0..7 (0 when empty), padding bits zero (X.690
 * section 11.2.1). Returns the address with the missing bits set to fill
 * (0 for a prefix or min, 1 for max), and the number of bits.
 */
static int
get_address(unsigned char **p, const unsigned char *end, unsigned width,
    int fill, struct res_num *addr, unsigned *nbits)
{
	unsigned char b[16];
	struct res_num host;
	size_t len;
	unsigned unused;
	int rc;

	if ((rc = der_hdr(p, end, MBEDTLS_ASN1_BIT_STRING, &len)) != 0)
		return rc;
	if (len < 1)
		return RES_ERR_DER; /* X.690 8.6.2: initial octet required */
	unused = (*p)[0];
	if (unused > 7 || (len == 1 && unused != 0))
		return RES_ERR_BITSTRING;
	if (len - 1 > width / 8)
		return RES_ERR_BITSTRING; /* longer than an address */
	if (len > 1 && ((*p)[len - 1] & ((1u << unused) - 1)) != 0)
		return RES_ERR_BITSTRING;
	memset(b, 0, sizeof(b));
	memcpy(b, *p + 1, len - 1);
	*p += len;
	*nbits = (unsigned)(len - 1) * 8 - unused;
	num_from_bytes(addr, b, width / 8);
	if (fill) {
		host = low_ones(width - *nbits);
		addr->hi |= host.hi;
		addr->lo |= host.lo;
	}
	return 0;
}

/* Value of bit i (0 = most significant) of a width-bit number. */
static int
bit_at(const struct res_num *n, unsigned width, unsigned i)
{
	unsigned shift = width - 1 - i;

	if (shift >= 64)
		return (int)((n->hi >> (shift - 64)) & 1);
	return (int)((n->lo >> shift) & 1);
}

/*
 * Append r to set, which must stay strictly ascending with gaps
 * (RFC 3779 sections 2.2.3.6 and 3.2.3.4: sorted, and adjacent or
 * overlapping entries must have been merged).
 */
static int
append_ordered(struct res_set *set, const struct res_range *r)
{
	struct res_range *nr;
	struct res_num next;
	size_t want;

	if (set->count > 0) {
		next = set->ranges[set->count - 1].max;
		if (++next.lo == 0 && ++next.hi == 0)
			return RES_ERR_ORDER;
		if (res_num_cmp(&r->min, &next) <= 0)
			return RES_ERR_ORDER;
	}
	if (set->count >= RES_MAX_RANGES)
		return RES_ERR_LIMIT;
	if (set->count == set->alloc) {
		want = set->alloc < 8 ? 8 : set->alloc * 2;
		if ((nr = realloc(set->ranges, want * sizeof(*nr))) == NULL)
			return RES_ERR_NOMEM;
		set->ranges = nr;
		set->alloc = want;
	}
	set->ranges[set->count++] = *r;
	return 0;
}

/* addressesOrRanges contents [p, end) into set. */
static int
get_ip_entries(unsigned char *p, const unsigned char *end, struct res_set *set)
{
	struct res_range r;
	unsigned width = res_family_bits(set->family), n;
	unsigned char *rend, *q;
	size_t len;
	int rc;

	if (p == end)
		return RES_ERR_PROFILE; /* empty family: omit it instead */
	while (p < end) {
		if (*p == MBEDTLS_ASN1_BIT_STRING) {
			/* addressPrefix: min and max from the same bits */
			q = p;
			if ((rc = get_address(&p, end, width, 0, &r.min, &n)) != 0)
				return rc;
			(void)get_address(&q, end, width, 1, &r.max, &n);
		} else if (*p == TAG_SEQ) {
			if ((rc = der_hdr(&p, end, TAG_SEQ, &len)) != 0)
				return rc;
			rend = p + len;
			if ((rc = get_address(&p, rend, width, 0, &r.min, &n)) != 0)
				return rc;
			/* section 2.1.2: min drops its trailing zero bits */
			if (n > 0 && bit_at(&r.min, width, n - 1) == 0)
				return RES_ERR_BITSTRING;
			if ((rc = get_address(&p, rend, width, 1, &r.max, &n)) != 0)
				return rc;
			/* ... and max its trailing one bits */
			if (n > 0 && bit_at(&r.max, width, n - 1) == 1)
				return RES_ERR_BITSTRING;
			if (p != rend)
				return RES_ERR_DER;
			if (res_num_cmp(&r.min, &r.max) > 0)
				return RES_ERR_RANGE;
			/* section 2.2.3.7: a range that is one prefix is a prefix */
			if (res_range_prefix_len(&r, set->family, NULL))
				return RES_ERR_NONCANON;
		} else {
			return RES_ERR_DER;
		}
		if ((rc = append_ordered(set, &r)) != 0)
			return rc;
	}
	return 0;
}

/* inherit (NULL) or SEQUENCE OF entries; the choice fills [*p, end). */
static int
get_choice(unsigned char **p, const unsigned char *end, struct res_set *set,
    int (*entries)(unsigned char *, const unsigned char *, struct res_set *))
{
	size_t len;
	int rc;

	if (*p >= end)
		return RES_ERR_DER;
	if (**p == MBEDTLS_ASN1_NULL) {
		if ((rc = der_hdr(p, end, MBEDTLS_ASN1_NULL, &len)) != 0)
			return rc;
		if (len != 0)
			return RES_ERR_DER;
		set->inherit = true;
	} else {
		if ((rc = der_hdr(p, end, TAG_SEQ, &len)) != 0)
			return rc;
		if ((rc = entries(*p, *p + len, set)) != 0)
			return rc;
		*p += len;
	}
	return *p == end ? 0 : RES_ERR_DER;
}

/*
 * Decode an sbgp-ipAddrBlock extnValue (the OCTET STRING contents) into v4
 * and v6, both initialised here and freed by the caller with
 * res_set_free() (also after failure, when they are empty).
 */
int
res_der_decode_ip(const uint8_t *der, size_t len, struct res_set *v4,
    struct res_set *v6)
{
	unsigned char *p = (unsigned char *)(uintptr_t)der, *end, *fend;
	struct res_set *set;
	size_t l;
	unsigned afi, prev = 0;
	int rc;

	res_set_init(v4, RES_IPV4);
	res_set_init(v6, RES_IPV6);
	rc = RES_ERR_DER;
	if (der == NULL || len == 0)
		goto out;
	if ((rc = der_hdr(&p, der + len, TAG_SEQ, &l)) != 0)
		goto out;
	end = p + l;
	rc = RES_ERR_TRAILING;
	if (end != der + len)
		goto out;
	rc = RES_ERR_PROFILE; /* RFC 6487 section 4.8.10: not empty */
	if (p == end)
		goto out;
	while (p < end) {
		if ((rc = der_hdr(&p, end, TAG_SEQ, &l)) != 0)
			goto out;
		fend = p + l;
		if ((rc = der_hdr(&p, fend, MBEDTLS_ASN1_OCTET_STRING, &l)) != 0)
			goto out;
		rc = RES_ERR_DER; /* section 2.2.3.3: SIZE (2..3) */
		if (l < 2 || l > 3)
			goto out;
		rc = RES_ERR_PROFILE; /* RFC 6487 section 4.8.10: no SAFI */
		if (l == 3)
			goto out;
		afi = (unsigned)p[0] << 8 | p[1];
		p += l;
		if (afi != AFI_IPV4 && afi != AFI_IPV6)
			goto out;
		if (afi == prev)
			goto out; /* duplicate family */
		rc = RES_ERR_ORDER; /* section 2.2.3.3: ascending AFI */
		if (afi < prev)
			goto out;
		prev = afi;
		set = afi == AFI_IPV4 ? v4 : v6;
		if ((rc = get_choice(&p, fend, set, get_ip_entries)) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		res_set_free(v4);
		res_set_free(v6);
	}
	return rc;
}

/*
 * An ASId INTEGER (RFC 3779 section 3.2.3.7): DER minimal, non-negative,
 * at most 2^32 - 1.
 */
static int
get_asid(unsigned char **p, const unsigned char *end, struct res_num *n)
{
	size_t len, i;
	int rc;

	if ((rc = der_hdr(p, end, MBEDTLS_ASN1_INTEGER, &len)) != 0)
		return rc;
	if (len == 0)
		return RES_ERR_DER;
	if (len > 1 && (((*p)[0] == 0 && ((*p)[1] & 0x80) == 0) ||
	    ((*p)[0] == 0xff && ((*p)[1] & 0x80) != 0)))
		return RES_ERR_DER; /* X.690 8.3.2: not minimal */
	if ((*p)[0] & 0x80)
		return RES_ERR_RANGE;
	if (len > 5 || (len == 5 && (*p)[0] != 0))
		return RES_ERR_RANGE;
	n->hi = n->lo = 0;
	for (i = 0; i < len; i++)
		n->lo = (n->lo << 8) | (*p)[i];
	*p += len;
	return 0;
}

/* asIdsOrRanges contents [p, end) into set. */
static int
get_as_entries(unsigned char *p, const unsigned char *end, struct res_set *set)
{
	struct res_range r;
	unsigned char *rend;
	size_t len;
	int rc;

	if (p == end)
		return RES_ERR_PROFILE; /* empty: omit asnum instead */
	while (p < end) {
		if (*p == MBEDTLS_ASN1_INTEGER) {
			if ((rc = get_asid(&p, end, &r.min)) != 0)
				return rc;
			r.max = r.min;
		} else if (*p == TAG_SEQ) {
			if ((rc = der_hdr(&p, end, TAG_SEQ, &len)) != 0)
				return rc;
			rend = p + len;
			if ((rc = get_asid(&p, rend, &r.min)) != 0 ||
			    (rc = get_asid(&p, rend, &r.max)) != 0)
				return rc;
			if (p != rend)
				return RES_ERR_DER;
			if (res_num_cmp(&r.min, &r.max) > 0)
				return RES_ERR_RANGE;
			if (res_num_cmp(&r.min, &r.max) == 0)
				return RES_ERR_NONCANON; /* a single id is an id */
		} else {
			return RES_ERR_DER;
		}
		if ((rc = append_ordered(set, &r)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Decode an sbgp-autonomousSysNum extnValue into as (initialised here,
 * freed by the caller with res_set_free()). rdi is RES_ERR_PROFILE
 * (RFC 6487 section 4.8.11).
 */
int
res_der_decode_as(const uint8_t *der, size_t len, struct res_set *as)
{
	unsigned char *p = (unsigned char *)(uintptr_t)der, *end, *cend;
	size_t l;
	int rc;

	res_set_init(as, RES_AS);
	rc = RES_ERR_DER;
	if (der == NULL || len == 0)
		goto out;
	if ((rc = der_hdr(&p, der + len, TAG_SEQ, &l)) != 0)
		goto out;
	end = p + l;
	rc = RES_ERR_TRAILING;
	if (end != der + len)
		goto out;
	rc = RES_ERR_PROFILE; /* no asnum: empty, or rdi only */
	if (p == end || *p == TAG_RDI)
		goto out;
	if ((rc = der_hdr(&p, end, TAG_ASNUM, &l)) != 0)
		goto out;
	cend = p + l;
	if ((rc = get_choice(&p, cend, as, get_as_entries)) != 0)
		goto out;
	rc = 0;
	if (p == end)
		goto out;
	rc = *p == TAG_RDI ? RES_ERR_PROFILE : RES_ERR_DER;
out:
	if (rc != 0)
		res_set_free(as);
	return rc;
}

/*
 * Map an mbed TLS writer error (-0x60..-0x6C; it only fails for lack of
 * room) to ours; lengths and RES_ERR_* codes pass through.
 */
static int
wr(int ret)
{
	if (ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL)
		return RES_ERR_BUFFER;
	if (ret < 0 && ret > -0x100)
		return RES_ERR_DER;
	return ret;
}

#define CHK_ADD(total, call) do {					\
	int ret_ = wr(call);						\
	if (ret_ < 0)							\
		return ret_;						\
	if ((size_t)ret_ > (size_t)INT_MAX - (total))			\
		return RES_ERR_LIMIT;					\
	(total) += (size_t)ret_;					\
} while (0)

/* Write a BIT STRING of the top nbits of a width-bit number. */
static int
put_address(unsigned char **p, unsigned char *start, const struct res_num *n,
    unsigned width, unsigned nbits)
{
	unsigned char b[16];

	num_to_bytes(b, n, width / 8);
	return wr(mbedtls_asn1_write_bitstring(p, start, b, nbits));
}

/* One IPAddressOrRange: a prefix if r is one, else a minimal range. */
static int
put_ip_entry(unsigned char **p, unsigned char *start,
    const struct res_range *r, enum res_family family)
{
	unsigned width = res_family_bits(family), plen;
	size_t len = 0;

	if (res_range_prefix_len(r, family, &plen))
		return put_address(p, start, &r->min, width, plen);
	/* RFC 3779 section 2.1.2: drop max's trailing ones, min's zeros. */
	CHK_ADD(len, put_address(p, start, &r->max, width,
	    width - trailing(&r->max, width, 1)));
	CHK_ADD(len, put_address(p, start, &r->min, width,
	    width - trailing(&r->min, width, 0)));
	CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_SEQ));
	return (int)len;
}

/* An ASId INTEGER, minimal two's complement (a leading 0 above 2^31 - 1). */
static int
put_asid(unsigned char **p, unsigned char *start, uint64_t v)
{
	unsigned char b[5];
	size_t n = 0, len = 0;
	int i;

	for (i = 3; i >= 0; i--) {
		unsigned char c = (unsigned char)(v >> (8 * i));

		if (n == 0 && c == 0 && i > 0)
			continue;
		if (n == 0 && (c & 0x80))
			b[n++] = 0;
		b[n++] = c;
	}
	CHK_ADD(len, mbedtls_asn1_write_raw_buffer(p, start, b, n));
	CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	CHK_ADD(len, mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_INTEGER));
	return (int)len;
}

static int
put_as_entry(unsigned char **p, unsigned char *start,
    const struct res_range *r, enum res_family family)
{
	size_t len = 0;

	(void)family;
	if (r->min.lo == r->max.lo)
		return put_asid(p, start, r->min.lo);
	CHK_ADD(len, put_asid(p, start, r->max.lo));
	CHK_ADD(len, put_asid(p, start, r->min.lo));
	CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_SEQ));
	return (int)len;
}

/* inherit NULL, or SEQUENCE OF entries written last to first. */
static int
put_choice(unsigned char **p, unsigned char *start, const struct res_set *set,
    int (*entry)(unsigned char **, unsigned char *, const struct res_range *,
    enum res_family))
{
	size_t len = 0, i;

	if (set->inherit)
		return wr(mbedtls_asn1_write_null(p, start));
	for (i = set->count; i > 0; i--)
		CHK_ADD(len, entry(p, start, &set->ranges[i - 1], set->family));
	CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_SEQ));
	return (int)len;
}

/* One IPAddressFamily: AFI without SAFI, then the choice. */
static int
put_family(unsigned char **p, unsigned char *start, const struct res_set *set,
    unsigned afi)
{
	unsigned char a[2] = { 0, (unsigned char)afi };
	size_t len = 0;

	CHK_ADD(len, put_choice(p, start, set, put_ip_entry));
	CHK_ADD(len, mbedtls_asn1_write_octet_string(p, start, a, sizeof(a)));
	CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_SEQ));
	return (int)len;
}

/*
 * Write IPAddrBlocks (canonical, RFC 3779 section 2.2.3) backwards ending
 * at *p. Empty families are omitted; both empty is RES_ERR_RANGE. Returns
 * the length written or RES_ERR_FAMILY / RES_ERR_BUFFER / RES_ERR_LIMIT.
 */
int
res_der_write_ip(unsigned char **p, unsigned char *start,
    const struct res_set *v4, const struct res_set *v6)
{
	size_t len = 0;

	if (v4->family != RES_IPV4 || v6->family != RES_IPV6)
		return RES_ERR_FAMILY;
	if (res_set_is_empty(v4) && res_set_is_empty(v6))
		return RES_ERR_RANGE;
	if (!res_set_is_empty(v6))
		CHK_ADD(len, put_family(p, start, v6, AFI_IPV6));
	if (!res_set_is_empty(v4))
		CHK_ADD(len, put_family(p, start, v4, AFI_IPV4));
	CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_SEQ));
	return (int)len;
}

/*
 * Write ASIdentifiers with asnum only (RFC 3779 section 3.2.3, no rdi per
 * RFC 6487 section 4.8.11) backwards ending at *p. An empty set is
 * RES_ERR_RANGE. Returns the length written or a RES_ERR_* code.
 */
int
res_der_write_as(unsigned char **p, unsigned char *start,
    const struct res_set *as)
{
	size_t len = 0;

	if (as->family != RES_AS)
		return RES_ERR_FAMILY;
	if (res_set_is_empty(as))
		return RES_ERR_RANGE;
	CHK_ADD(len, put_choice(p, start, as, put_as_entry));
	CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_ASNUM));
	CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_SEQ));
	return (int)len;
}
