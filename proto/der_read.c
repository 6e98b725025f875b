/*
 * DER (and, when allowed, BER) reading for the CMS and bundle decoders;
 * see proto/der.h.
 */
#include <stddef.h>

#include "proto/der.h"

#define TAG_SEQUENCE   0x30
#define TAG_OID        0x06
#define TAG_NULL       0x05

/* See der.h. */
int
der_ber_only(struct der_reader *rd)
{
	if (rd->der_only)
		return DER_ERR_NOT_DER;
	rd->ber_seen = true;
	return 0;
}

static int
get(struct der_reader *rd, const unsigned char *p, const unsigned char *end, int depth,
    struct der_tlv *t)
{
	size_t len, n, i;
	int rc;

	if (p > end || end - p < 2)
		return DER_ERR_ASN1;
	t->start = p;
	t->tag = *p++;
	if ((t->tag & 0x1f) == 0x1f)
		return DER_ERR_ASN1;                /* high tag numbers: none in our profiles */
	if (*p < 0x80) {
		len = *p++;
	} else if (*p == 0x80) {
		/* Indefinite length: constructed only (X.690 8.1.3.2), BER only (10.1). */
		if ((t->tag & 0x20) == 0)
			return DER_ERR_ASN1;
		if ((rc = der_ber_only(rd)) != 0)
			return rc;
		if (depth >= DER_MAX_DEPTH)
			return DER_ERR_ASN1;
		t->val = ++p;
		for (;;) {
			struct der_tlv c;

			if (end - p < 2)
				return DER_ERR_ASN1;
			if (p[0] == 0 && p[1] == 0)
				break;
			if ((rc = get(rd, p, end, depth + 1, &c)) != 0)
				return rc;
			p = c.next;
		}
		t->len = (size_t)(p - t->val);
		t->next = p + 2;
		return 0;
	} else {
		n = *p++ & 0x7f;
		if (n > 4 || n > (size_t)(end - p))
			return DER_ERR_ASN1;
		if ((p[0] == 0 || (n == 1 && p[0] < 0x80)) && (rc = der_ber_only(rd)) != 0)
			return rc;                  /* a non-minimal length (X.690 10.1) */
		for (len = 0, i = 0; i < n; i++)
			len = (len << 8) | *p++;
	}
	if (len > (size_t)(end - p))
		return DER_ERR_ASN1;
	t->val = p;
	t->len = len;
	t->next = p + len;
	return 0;
}

/* See der.h. */
int
der_get(struct der_reader *rd, const unsigned char *p, const unsigned char *end,
        struct der_tlv *t)
{
	return get(rd, p, end, 0, t);
}

/* See der.h. */
int
der_expect(struct der_reader *rd, const unsigned char **p, const unsigned char *end,
           unsigned char tag, struct der_tlv *t)
{
	int rc;

	if (*p >= end)
		return DER_ERR_SHAPE;
	if ((rc = get(rd, *p, end, 0, t)) != 0)
		return rc;
	if (t->tag != tag)
		return DER_ERR_SHAPE;
	*p = t->next;
	return 0;
}

/* See der.h. */
int
der_get_alg(struct der_reader *rd, const unsigned char **p, const unsigned char *end,
            struct der_tlv *oid, bool *null_params)
{
	const unsigned char *q, *qend;
	struct der_tlv seq, par;
	int rc;

	if (null_params != NULL)
		*null_params = false;
	if ((rc = der_expect(rd, p, end, TAG_SEQUENCE, &seq)) != 0)
		return rc;
	q = seq.val;
	qend = seq.val + seq.len;
	if ((rc = der_expect(rd, &q, qend, TAG_OID, oid)) != 0)
		return rc;
	if (q == qend)
		return 0;
	if ((rc = der_expect(rd, &q, qend, TAG_NULL, &par)) != 0)
		return rc;
	if (null_params != NULL)
		*null_params = true;
	return par.len == 0 && q == qend ? 0 : DER_ERR_SHAPE;
}
