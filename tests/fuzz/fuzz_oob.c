/*
 * Fuzz target for proto/oob (RFC 8183 setup messages). Decodes the input;
 * when that succeeds, encodes the message, decodes the encoding and
 * requires the same message back, and requires encoding to be stable.
 * Any mismatch is a bug in the codec: abort() so that the fuzzer stops.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/oob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oob_msg m, m2;
	char why[256], *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;

	if (oob_decode((const char *)data, size, &m, why, sizeof(why)) != 0) {
		if (m.type != OOB_NONE)
			abort();
		return 0;
	}
	if (oob_encode(&m, &out, &len) != 0)
		abort();
	if (oob_decode(out, len, &m2, why, sizeof(why)) != 0)
		abort();
	if (!oob_msg_equal(&m, &m2) || m2.flags != 0)
		abort();
	if (oob_encode(&m2, &out2, &len2) != 0 || len != len2 ||
	    memcmp(out, out2, len) != 0)
		abort();
	free(out);
	free(out2);
	oob_msg_free(&m2);
	oob_msg_free(&m);
	return 0;
}
