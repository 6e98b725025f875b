/*
 * updownctl sign: wrap an up-down XML message in the RFC 6492 CMS profile
 * with a software key. Development and demos only: the appliance signs
 * with HSM keys.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

#include "proto/cms.h"
#include "proto/updown.h"
#include "updownctl.h"

/* Software signing callback: PKCS#1 v1.5 over the SHA-256 digest. */
struct sw_signer {
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

static int
sw_sign(void *ctx, const unsigned char *tbs, size_t tbs_len,
        const unsigned char sha256[32], unsigned char *sig, size_t sig_size,
        size_t *sig_len)
{
	struct sw_signer *s = ctx;

	(void)tbs;
	(void)tbs_len;
	if (sig_size < mbedtls_pk_get_len(&s->pk))
		return -1;
	return mbedtls_pk_sign(&s->pk, MBEDTLS_MD_SHA256, sha256, 32, sig, sig_len,
	    mbedtls_ctr_drbg_random, &s->drbg);
}

int
cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ee", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "crl", required_argument, NULL, 'c' },
		{ "time", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ee = NULL, *key = NULL, *crl = NULL, *at = NULL, *out = NULL;
	unsigned char *ee_der = NULL, *crl_der = NULL, *xml = NULL, *cms = NULL;
	size_t ee_len, crl_len, xml_len, cms_len;
	struct sw_signer sw;
	struct cms_signer signer;
	struct ud_msg m;
	struct ud_error err;
	time_t when = time(NULL);
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': ee = optarg; break;
		case 'k': key = optarg; break;
		case 'c': crl = optarg; break;
		case 't': at = optarg; break;
		case 'o': out = optarg; break;
		default: return ctl_usage();
		}
	}
	if (ee == NULL || key == NULL || crl == NULL || out == NULL || optind != argc - 1)
		return ctl_usage();
	if (at != NULL && ud_time_parse(at, strlen(at), &when) != 0) {
		fprintf(stderr, "updownctl: --time: want YYYY-MM-DDThh:mm:ssZ\n");
		return EXIT_USAGE;
	}
	mbedtls_pk_init(&sw.pk);
	mbedtls_entropy_init(&sw.entropy);
	mbedtls_ctr_drbg_init(&sw.drbg);
	ud_msg_init(&m);
	if ((rc = ctl_read_file(argv[optind], &xml, &xml_len)) != 0 ||
	    (rc = ctl_read_der(ee, "CERTIFICATE", &ee_der, &ee_len)) != 0 ||
	    (rc = ctl_read_der(crl, "X509 CRL", &crl_der, &crl_len)) != 0)
		goto out;
	/* Only a valid up-down message is worth signing. */
	if (ud_decode((const char *)xml, xml_len, &m, &err) != 0) {
		fprintf(stderr, "updownctl: %s: not a valid RFC 6492 message: %s\n",
		    argv[optind], err.reason);
		rc = EXIT_REFUSED;
		goto out;
	}
	rc = EXIT_REFUSED;
	if (mbedtls_pk_parse_keyfile(&sw.pk, key, NULL) != 0) {
		fprintf(stderr, "updownctl: %s: not a private key\n", key);
		goto out;
	}
	if (mbedtls_ctr_drbg_seed(&sw.drbg, mbedtls_entropy_func, &sw.entropy,
	    (const unsigned char *)"updownctl sign", 14) != 0)
		goto out;
	signer.ee_der = ee_der;
	signer.ee_len = ee_len;
	signer.crl_der = crl_der;
	signer.crl_len = crl_len;
	signer.sign = sw_sign;
	signer.sign_ctx = &sw;
	if ((c = cms_sign(&signer, xml, xml_len, when, &cms, &cms_len)) != 0) {
		fprintf(stderr, "updownctl: sign: %s\n", cms_strerror(c));
		goto out;
	}
	rc = ctl_write_file(out, cms, cms_len);
out:
	ud_msg_free(&m);
	mbedtls_pk_free(&sw.pk);
	mbedtls_ctr_drbg_free(&sw.drbg);
	mbedtls_entropy_free(&sw.entropy);
	free(ee_der);
	free(crl_der);
	free(xml);
	free(cms);
	return rc;
}

