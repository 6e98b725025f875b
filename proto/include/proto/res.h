/*
 * RFC 3779 resource sets: AS numbers, IPv4 and IPv6 addresses.
 *
 * A struct res_set holds one family as a sorted list of closed intervals
 * that never overlap and never touch (canonical form: a set has exactly one
 * representation, so equality is a comparison of the lists). Every function
 * that builds a set keeps that invariant.
 *
 * Text form (RFC 6492 section 3.3.2): comma-separated items, no white space;
 * AS "64496" or "64496-64511"; IPv4/IPv6 "192.0.2.0/24" or
 * "192.0.2.0-192.0.2.130"; "" is the empty set. Parsing accepts every valid
 * form (any order, overlaps, non-canonical IPv6 spelling, upper case hex);
 * printing writes the one canonical form (sorted, merged, a range that is
 * exactly one prefix printed as the prefix, RFC 5952 IPv6).
 *
 * DER: the extnValue contents of sbgp-ipAddrBlock (IPAddrBlocks, RFC 3779
 * section 2.2.3) and sbgp-autonomousSysNum (ASIdentifiers, section 3.2.3), in
 * the canonical form of sections 2.2.3.6 and 3.2.3.4, including "inherit".
 *
 * Errors are negative RES_ERR_* codes; 0 is success. Functions that fail
 * leave their output set empty (never half-filled).
 */
#ifndef UPDOWN_PROTO_RES_H
#define UPDOWN_PROTO_RES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RES_ERR_SYNTAX    -0x0101 /* text is not a resource set */
#define RES_ERR_HOSTBITS  -0x0102 /* prefix with bits set beyond its length */
#define RES_ERR_RANGE     -0x0103 /* number out of range, or lo > hi */
#define RES_ERR_FAMILY    -0x0104 /* IPv6 item in an IPv4 set or vice versa */
#define RES_ERR_DER       -0x0105 /* malformed DER */
#define RES_ERR_ORDER     -0x0106 /* DER entries unsorted, overlapping or adjacent */
#define RES_ERR_BITSTRING -0x0107 /* non-minimal BIT STRING / wrong unused bits */
#define RES_ERR_NONCANON  -0x0108 /* range that should be a prefix, or similar */
#define RES_ERR_TRAILING  -0x0109 /* bytes after the end of the value */
#define RES_ERR_PROFILE   -0x010A /* SAFI, RDI, duplicate family: not in RPKI */
#define RES_ERR_LIMIT     -0x010B /* more entries or text than RES_MAX_* */
#define RES_ERR_NOMEM     -0x010C
#define RES_ERR_BUFFER    -0x010D /* output buffer too small */
#define RES_ERR_INHERIT   -0x010E /* operation undefined on an inherit set */

/* Bounds on untrusted input. RFC 6492's schema allows 512000 characters. */
#define RES_MAX_TEXT      512000
#define RES_MAX_RANGES    65536

enum res_family {
	RES_AS = 0,
	RES_IPV4 = 1,
	RES_IPV6 = 2,
};

/*
 * A 128-bit unsigned number: an AS number or IPv4 address uses lo only, an
 * IPv6 address is hi:lo in host order.
 */
struct res_num {
	uint64_t hi;
	uint64_t lo;
};

struct res_range {
	struct res_num min;
	struct res_num max;
};

/* Value type: keep on the stack, res_set_init() before use, res_set_free(). */
struct res_set {
	enum res_family family;
	bool inherit;            /* RFC 3779 "inherit"; then count == 0 */
	size_t count;
	size_t alloc;
	struct res_range *ranges; /* sorted, disjoint, non-adjacent */
};

/* All three families, as an RFC 6492 class or a certificate carries them. */
struct res_bundle {
	struct res_set as;
	struct res_set v4;
	struct res_set v6;
};

void res_set_init(struct res_set *set, enum res_family family);
void res_set_free(struct res_set *set);          /* accepts NULL */
void res_set_clear(struct res_set *set);         /* empty, keeps family */
bool res_set_is_empty(const struct res_set *set); /* false for inherit */
int  res_set_copy(struct res_set *dst, const struct res_set *src);

/* Add [min, max], merging as needed. RES_ERR_RANGE if min > max or out of family range. */
int  res_set_add(struct res_set *set, const struct res_num *min, const struct res_num *max);

/* out = a op b. out may not alias a or b. Same family required. */
int  res_set_union(struct res_set *out, const struct res_set *a, const struct res_set *b);
int  res_set_intersect(struct res_set *out, const struct res_set *a, const struct res_set *b);
int  res_set_diff(struct res_set *out, const struct res_set *a, const struct res_set *b);
bool res_set_subset(const struct res_set *a, const struct res_set *b); /* a ⊆ b */
bool res_set_equal(const struct res_set *a, const struct res_set *b);

/* Parse len bytes of text (need not be NUL-terminated) into out (initialised by the call). */
int  res_set_parse(struct res_set *out, enum res_family family, const char *text, size_t len);

/*
 * Print the canonical text. Returns a malloc'd NUL-terminated string in *out
 * (caller frees); "" for the empty set. RES_ERR_INHERIT for an inherit set.
 */
int  res_set_print(const struct res_set *set, char **out);

void res_bundle_init(struct res_bundle *b);
void res_bundle_free(struct res_bundle *b);      /* accepts NULL */
bool res_bundle_is_empty(const struct res_bundle *b);

/*
 * DER of the extension values. The decoders take the extnValue OCTET STRING
 * contents and reject anything not in RFC 3779 canonical form, SAFI and
 * trailing bytes. v4/v6/as are initialised by the call; a family absent
 * from IPAddrBlocks decodes as an empty set.
 */
int  res_der_decode_ip(const uint8_t *der, size_t len, struct res_set *v4, struct res_set *v6);
int  res_der_decode_as(const uint8_t *der, size_t len, struct res_set *as);

/*
 * Encoders write backwards in mbed TLS style: *p starts at the end of the
 * buffer and moves down, never below start. Return the number of bytes
 * written, or a negative error. An empty family is omitted (IPv4 before
 * IPv6); encoding with both families empty is RES_ERR_RANGE (a certificate
 * must not carry an empty extension, RFC 6487 section 2).
 */
int  res_der_write_ip(unsigned char **p, unsigned char *start,
                      const struct res_set *v4, const struct res_set *v6);
int  res_der_write_as(unsigned char **p, unsigned char *start, const struct res_set *as);

/* Static English text for a RES_ERR_* code. */
const char *res_strerror(int err);

/*
 * Additions (appended; the declarations above are unchanged).
 *
 * Conventions the functions above follow:
 * - res_set_copy/union/intersect/diff: dst/out must have been initialised
 *   (res_set_init() or any successful call that fills a set); its old
 *   ranges are freed and replaced. On failure it is left empty, with the
 *   family of src/a.
 * - Inherit sets: res_set_add/union/intersect/diff return RES_ERR_INHERIT;
 *   res_set_equal is true when both are inherit (same family);
 *   res_set_subset(a, b) is true when both are inherit, or when a is empty.
 *   Sets of different families are never equal or subsets.
 * - res_set_parse limits: text over RES_MAX_TEXT bytes or more than
 *   RES_MAX_RANGES items is RES_ERR_LIMIT; the DER decoders allow at most
 *   RES_MAX_RANGES entries per family. Set algebra has no such limit.
 * - Text: a bare address ("192.0.2.1", "2001:db8::1") is accepted as a
 *   single-address prefix; IPv6 is printed in hex only (RFC 5952 section 4,
 *   no mixed IPv4 notation).
 */

/* Compare two numbers: negative, 0 or positive as a <, == or > b. */
int res_num_cmp(const struct res_num *a, const struct res_num *b);

/* Width in bits of a family's numbers: 32 for AS and IPv4, 128 for IPv6. */
unsigned res_family_bits(enum res_family family);

/*
 * True when r is exactly one prefix of the family (an AS range never is);
 * then *len (if not NULL) is its prefix length.
 */
bool res_range_prefix_len(const struct res_range *r, enum res_family family,
                          unsigned *len);

#endif
