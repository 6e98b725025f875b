/*
 * updownctl inspect: BER to DER, so that signed objects written in BER
 * (RIPE NCC's manifests use indefinite lengths and a constructed OCTET
 * STRING, although RFC 6488 2.1 asks for DER) can still be shown.
 *
 * Handles indefinite lengths (constructed types only), non-minimal
 * lengths and constructed OCTET STRINGs (flattened to one primitive OCTET
 * STRING). Low tag numbers only (every tag in the RPKI profiles is one);
 * SET OF order is kept as found. Depth and size are bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect.h"

#define BER_MAX_DEPTH 32

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static int
put(struct buf *b, const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;
		unsigned char *np;

		while (cap - b->len < n) {
			if (cap > (SIZE_MAX >> 1))
				return -1;
			cap *= 2;
		}
		if ((np = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int
put_header(struct buf *b, unsigned char tag, size_t len)
{
	unsigned char h[10];
	size_t n = 0;

	h[n++] = tag;
	if (len < 0x80)
		h[n++] = (unsigned char)len;
	else {
		size_t bytes = 0, v = len;

		while (v > 0) {
			bytes++;
			v >>= 8;
		}
		h[n++] = (unsigned char)(0x80 | bytes);
		for (size_t i = bytes; i > 0; i--)
			h[n++] = (unsigned char)(len >> (8 * (i - 1)));
	}
	return put(b, h, n);
}

/*
 * Convert the element at *p (not past end) into out; for a constructed
 * OCTET STRING inside a flattened one, only the contents are written
 * (flat). *ber is set when anything was not DER.
 */
static int
convert(const unsigned char **p, const unsigned char *end, struct buf *out, int depth,
        bool flat, bool *ber)
{
	const unsigned char *q = *p, *cend;
	unsigned char tag;
	size_t len = 0;
	bool indefinite = false;

	if (depth > BER_MAX_DEPTH || end - q < 2)
		return -1;
	tag = *q++;
	if ((tag & 0x1f) == 0x1f)
		return -1; /* high tag number form */
	if (*q == 0x80) {
		if (!(tag & 0x20))
			return -1; /* indefinite length of a primitive */
		indefinite = true;
		*ber = true;
		q++;
	} else if (*q & 0x80) {
		size_t n = *q++ & 0x7f;

		if (n == 0 || n > sizeof(size_t) || (size_t)(end - q) < n)
			return -1;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | *q++;
		if (len < 0x80 || (n > 1 && (len >> (8 * (n - 1))) == 0))
			*ber = true; /* non-minimal length */
	} else
		len = *q++;
	if (!indefinite && (size_t)(end - q) < len)
		return -1;
	cend = indefinite ? end : q + len;
	if (!(tag & 0x20)) {
		if (flat) {
			if (tag != 0x04)
				return -1;
			return put(out, q, len) == 0 ? (*p = q + len, 0) : -1;
		}
		if (put_header(out, tag, len) != 0 || put(out, q, len) != 0)
			return -1;
		*p = q + len;
		return 0;
	}
	if (tag == 0x24 || flat) {
		/* Constructed OCTET STRING: the concatenation of its pieces. */
		struct buf inner = { 0 };
		int rc = -1;

		if (flat && tag != 0x24)
			return -1;
		*ber = true;
		for (;;) {
			if (indefinite && cend - q >= 2 && q[0] == 0 && q[1] == 0) {
				q += 2;
				break;
			}
			if (!indefinite && q == cend)
				break;
			if (q >= cend || convert(&q, cend, &inner, depth + 1, true, ber) != 0)
				goto out_flat;
		}
		if (flat)
			rc = put(out, inner.p, inner.len);
		else
			rc = put_header(out, 0x04, inner.len) != 0 ? -1 :
			    put(out, inner.p, inner.len);
		*p = q;
out_flat:
		free(inner.p);
		return rc;
	} else {
		struct buf inner = { 0 };
		int rc = -1;

		for (;;) {
			if (indefinite && cend - q >= 2 && q[0] == 0 && q[1] == 0) {
				q += 2;
				break;
			}
			if (!indefinite && q == cend)
				break;
			if (q >= cend || convert(&q, cend, &inner, depth + 1, false, ber) != 0)
				goto out;
		}
		if (put_header(out, tag, inner.len) == 0 && put(out, inner.p, inner.len) == 0) {
			*p = q;
			rc = 0;
		}
out:
		free(inner.p);
		return rc;
	}
}

/* See inspect.h. */
int
insp_ber_to_der(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len,
                bool *was_ber)
{
	struct buf b = { 0 };
	const unsigned char *p = in;

	*out = NULL;
	*was_ber = false;
	if (convert(&p, in + len, &b, 0, false, was_ber) != 0 || p != in + len) {
		free(b.p);
		return -1;
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}
