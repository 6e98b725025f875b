/*
 * Fuzz target for crypto/csr: check untrusted bytes as a PKCS#10 request
 * under the default and the strict policy, and as a URI of each kind.
 * Every outcome is 0 or a CSR_ERR_* code; a refusal leaves the info
 * zeroed; an accepted request's URIs pass csr_check_uri() on their own, its
 * SPKI lies inside the input, and the strict policy never accepts what the
 * default refuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/csr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
in_range(int rc)
{
	if (rc != 0 && (rc > -0x0701 || rc < -0x07FF))
		abort();
	if (rc == CSR_ERR_ARG || rc == CSR_ERR_NOMEM || rc == CSR_ERR_INTERNAL)
		abort(); /* never the input's fault */
}

static void
uri_ok(const char *u, enum csr_uri_kind kind, const struct csr_policy *pol)
{
	if (u == NULL || csr_check_uri(u, strlen(u), kind, pol) != 0)
		abort();
}

static int
one(const uint8_t *data, size_t size, const struct csr_policy *pol)
{
	struct csr_info info;
	int rc = csr_check(data, size, pol, &info);

	in_range(rc);
	if (rc != 0) {
		if (info.spki != NULL || info.ca_repository != NULL ||
		    info.rpki_manifest != NULL || info.rpki_notify != NULL)
			abort();
		return rc;
	}
	if (info.spki == NULL || info.spki_len == 0 || info.spki_len > size)
		abort();
	{
		size_t i;
		int found = 0;

		for (i = 0; i + info.spki_len <= size && !found; i++)
			found = memcmp(data + i, info.spki, info.spki_len) == 0;
		if (!found)
			abort();
	}
	uri_ok(info.ca_repository, CSR_URI_REPO, pol);
	uri_ok(info.rpki_manifest, CSR_URI_MFT, pol);
	if (info.rpki_notify != NULL)
		uri_ok(info.rpki_notify, CSR_URI_NOTIFY, pol);
	if (!info.bc_present || !info.bc_ca)
		abort();
	csr_info_free(&info);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct csr_policy strict = { .mft_in_repo = true, .host_names_only = true };
	int rc_default, rc_strict;

	rc_default = one(data, size, NULL);
	rc_strict = one(data, size, &strict);
	if (rc_default != 0 && rc_strict == 0)
		abort();
	in_range(csr_check(data, size, NULL, NULL));
	if (size <= CSR_MAX_URI + 1) {
		in_range(csr_check_uri((const char *)data, size, CSR_URI_REPO, NULL));
		in_range(csr_check_uri((const char *)data, size, CSR_URI_MFT, &strict));
		in_range(csr_check_uri((const char *)data, size, CSR_URI_NOTIFY, NULL));
	}
	return 0;
}
