/*
 * Fuzz target "cert": the parser of an RFC 6487 CA certificate from an
 * upstream parent (crypto/cert_parse.c) on arbitrary bytes: the strict
 * parser alone (cert_parse_rpki_ca), and cert_import_ca() /
 * cert_issuer_load() with a fixed dummy software key, so that the inputs
 * only ever exercise parsing (the key match fails last). Checks the
 * parser's output invariants.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>

#include "crypto/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct signer *signer;
static struct signer_key *dummy;

/* Deterministic entropy: the dummy key is the same in every run. */
static int
fixed_entropy(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
	return 0;
}

static void
init(void)
{
	static mbedtls_ctr_drbg_context drbg;

	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, NULL, NULL, 0) != 0 ||
	    signer_sw_open(mbedtls_ctr_drbg_random, &drbg, &signer) != 0 ||
	    signer_key_generate(signer, "dummy", 0, &dummy) != 0)
		abort();
}

/* A URI the parser kept: the scheme and visible ASCII only. */
static void
check_uri(const char *uri, const char *scheme)
{
	size_t i, n;

	if (uri == NULL)
		return;
	n = strlen(uri);
	if (n <= strlen(scheme) || n > CERT_MAX_URI || strncmp(uri, scheme, strlen(scheme)) != 0)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)uri[i] <= 0x20 || (unsigned char)uri[i] >= 0x7f)
			abort();
}

/* What a successful parse guarantees. */
static void
check_issuer(const struct cert_issuer *iss, const uint8_t *data, size_t size, bool strict)
{
	unsigned char ski[CERT_SKI_LEN];
	char name[CERT_FILE_NAME_SIZE], *text;

	if (iss->cert_len != size || memcmp(iss->cert_der, data, size) != 0 ||
	    iss->subject_der == NULL || iss->subject_len == 0 || iss->subject_der[0] != 0x30 ||
	    iss->spki_der == NULL || cert_ski(iss->spki_der, iss->spki_len, ski) != 0 ||
	    cert_file_name(iss->spki_der, iss->spki_len, name) != 0)
		abort();
	check_uri(iss->sia_ca_repository, "rsync://");
	check_uri(iss->sia_rpki_manifest, "rsync://");
	check_uri(iss->sia_rpki_notify, "https://");
	if (strict && (memcmp(ski, iss->ski, CERT_SKI_LEN) != 0 || !iss->has_resources ||
	    iss->sia_ca_repository == NULL || iss->sia_rpki_manifest == NULL))
		abort();
	if (!iss->res.as.inherit) {
		if (res_set_print(&iss->res.as, &text) != 0)
			abort();
		free(text);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_issuer iss;

	if (signer == NULL)
		init();

	if (cert_parse_rpki_ca(&iss, data, size) == 0)
		check_issuer(&iss, data, size, true);
	else if (iss.cert_der != NULL || iss.sia_ca_repository != NULL)
		abort();        /* a failed parse leaves the issuer empty */
	cert_issuer_free(&iss);

	/* The dummy key matches no input: these fail, after all the parsing. */
	if (cert_import_ca(&iss, signer, dummy, data, size) == 0)
		check_issuer(&iss, data, size, true);
	else if (iss.cert_der != NULL)
		abort();
	cert_issuer_free(&iss);
	if (cert_issuer_load(&iss, signer, dummy, data, size) == 0)
		check_issuer(&iss, data, size, false);
	else if (iss.cert_der != NULL)
		abort();
	cert_issuer_free(&iss);
	return 0;
}
