/*
 * Fuzz the RFC 3779 DER codec (UD-95, UD-96). The input is decoded both as
 * IPAddrBlocks and as ASIdentifiers. The decoders accept only the
 * canonical form, so whatever decodes must re-encode to the same bytes
 * (into an exactly sized buffer; one byte less must be RES_ERR_BUFFER),
 * and its text must round-trip. A failed decode must leave empty sets.
 * abort() on any mismatch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/res.h"

static void
check_empty(const struct res_set *s)
{
	if (s->count != 0 || s->inherit || s->ranges != NULL)
		abort();
}

static void
check_text(const struct res_set *s)
{
	struct res_set s2;
	char *t;

	if (s->inherit)
		return;
	if (res_set_print(s, &t) != 0)
		abort();
	if (res_set_parse(&s2, s->family, t, strlen(t)) != 0 ||
	    !res_set_equal(s, &s2))
		abort();
	free(t);
	res_set_free(&s2);
}

/* Re-encode with write(), exactly sized and one byte short. */
static void
check_encode(const uint8_t *data, size_t size, int (*write)(unsigned char **,
    unsigned char *, const struct res_set *, const struct res_set *),
    const struct res_set *a, const struct res_set *b)
{
	unsigned char *buf, *p;
	int rc;

	if ((buf = malloc(size)) == NULL)
		abort();
	p = buf + size;
	rc = write(&p, buf, a, b);
	if (rc < 0 || (size_t)rc != size || p != buf ||
	    memcmp(buf, data, size) != 0)
		abort();
	p = buf + size - 1;
	if (write(&p, buf, a, b) != RES_ERR_BUFFER)
		abort();
	free(buf);
}

static int
write_ip(unsigned char **p, unsigned char *start, const struct res_set *v4,
    const struct res_set *v6)
{
	return res_der_write_ip(p, start, v4, v6);
}

static int
write_as(unsigned char **p, unsigned char *start, const struct res_set *as,
    const struct res_set *unused)
{
	(void)unused;
	return res_der_write_as(p, start, as);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct res_set v4, v6, as;
	int rc;

	rc = res_der_decode_ip(data, size, &v4, &v6);
	if (rc == 0) {
		if (v4.family != RES_IPV4 || v6.family != RES_IPV6)
			abort();
		check_encode(data, size, write_ip, &v4, &v6);
		check_text(&v4);
		check_text(&v6);
	} else {
		check_empty(&v4);
		check_empty(&v6);
	}
	res_set_free(&v4);
	res_set_free(&v6);

	rc = res_der_decode_as(data, size, &as);
	if (rc == 0) {
		if (as.family != RES_AS)
			abort();
		check_encode(data, size, write_as, &as, NULL);
		check_text(&as);
	} else {
		check_empty(&as);
	}
	res_set_free(&as);
	return 0;
}
