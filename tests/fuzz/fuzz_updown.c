/*
 * Fuzz target for the RFC 6492 codec: decode untrusted bytes; whatever
 * decodes must encode, and the encoding must decode to an equal message and
 * re-encode to the same bytes. A failed decode must leave no body behind
 * and name an answer (HTTP 400 or an RFC 6492 section 3.6 code).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/updown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ud_msg m, m2;
	struct ud_error err;
	char *x = NULL, *x2 = NULL;
	size_t len = 0, len2 = 0;

	if (ud_decode((const char *)data, size, &m, &err) != 0) {
		if (m.nclasses != 0 || m.issue.csr != NULL || m.key.ski != NULL ||
		    m.error.ndesc != 0 || err.code == 0 ||
		    (err.status != UD_STATUS_HTTP_400 && !ud_status_known(err.status)))
			abort();
		ud_msg_free(&m);
		return 0;
	}
	if (ud_encode(&m, &x, &len) != 0)
		abort();
	if (ud_decode(x, len, &m2, &err) != 0 || !ud_msg_equal(&m, &m2))
		abort();
	if (ud_encode(&m2, &x2, &len2) != 0 || len != len2 || memcmp(x, x2, len) != 0)
		abort();
	/* The request-only entry point agrees on requests. */
	if (ud_type_is_request(m.type)) {
		ud_msg_free(&m2);
		if (ud_decode_request(x, len, &m2, NULL) != 0 || !ud_msg_equal(&m, &m2))
			abort();
	}
	free(x);
	free(x2);
	ud_msg_free(&m);
	ud_msg_free(&m2);
	return 0;
}
