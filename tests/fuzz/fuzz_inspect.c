/*
 * Fuzz target: updownctl inspect's decoders (tools/inspect_*.c) on the same
 * bytes: certificate, CRL, RFC 6488 signed object, RFC 9286 manifest, TAL,
 * and the BER-to-DER converter. Whatever they accept must be freed cleanly,
 * and the converter's output, when it says it changed something, must be
 * accepted by the converter again as already DER.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[INSP_WHY];
	unsigned char *der = NULL, *again = NULL;
	size_t der_len = 0, again_len = 0;
	bool was_ber = false, was_ber2 = false;

	{
		struct insp_cert c;
		insp_cert_decode(data, size, &c, why);
		insp_cert_free(&c);
	}
	{
		struct insp_crl c;
		insp_crl_decode(data, size, &c, why);
		insp_crl_free(&c);
	}
	{
		struct insp_sobj s;
		insp_sobj_decode(data, size, &s, why);
		insp_sobj_free(&s);
	}
	{
		struct insp_mft m;
		insp_mft_decode(data, size, &m, why);
		insp_mft_free(&m);
	}
	{
		struct insp_tal t;
		insp_tal_decode(data, size, &t, why);
		insp_tal_free(&t);
	}
	if (insp_ber_to_der(data, size, &der, &der_len, &was_ber) == 0) {
		/* DER is a fixed point of the conversion. */
		if (insp_ber_to_der(der, der_len, &again, &again_len, &was_ber2) != 0 ||
		    was_ber2 || again_len != der_len || memcmp(again, der, der_len) != 0)
			abort();
	}
	free(der);
	free(again);
	return 0;
}
