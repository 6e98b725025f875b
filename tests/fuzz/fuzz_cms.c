/*
 * Fuzz target "cms": the RFC 6492 CMS decoder (proto/cms_decode.c) under
 * its three option sets, and, for inputs that decode, the signature check
 * with the enclosed EE key. Checks the decoder's output invariants.
 * No trust anchor: cms_verify() adds mbed TLS path building, fuzzed
 * upstream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cms_opts opts[] = {
		{ .der_only = false },
		{ .der_only = true },
		{ .allow_unknown_attrs = true, .allow_no_crl = true },
	};
	struct cms_msg m;
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		cms_msg_init(&m);
		if (cms_decode(&m, data, size, &opts[i]) == 0) {
			/* A decoded message always has its parts. */
			if (m.xml == NULL || m.xml[m.xml_len] != '\0' || m.ski_len == 0 ||
			    m.ski_len > CMS_MAX_SKI || m.ee.raw.p == NULL ||
			    (!m.has_signing_time && !m.has_binary_signing_time) ||
			    (opts[i].der_only && m.ber) || (!m.has_crl && !opts[i].allow_no_crl))
				abort();
			(void)cms_check_signature(&m);
		} else if (m.xml != NULL || m.sig != NULL || m.signed_attrs != NULL) {
			abort();        /* a failed decode leaves the message empty */
		}
		cms_msg_free(&m);
	}
	return 0;
}
