/*
 * bench_proto: how fast the protocol core handles an RFC 6492 list message,
 * next to the bound it chases, all measured in the same run:
 *
 *   raw mbed TLS RSA-2048 sign and verify rates (PKCS#1 v1.5, SHA-256);
 *   list encode+sign: ud_encode + cms_sign, one RSA signature, so the bound
 *     is the raw sign rate;
 *   list decode+verify: cms_decode + cms_verify (message signature, the EE
 *     certificate's signature by the trust anchor, the CRL's signature: three
 *     RSA verifications) + ud_decode_request, so the bound is verify rate / 3;
 *   decode+signature of LACNIC's 240 KB list_response (from tests/data).
 *
 * The BPKI (trust anchor, EE certificate and key, CRL) is made at run time
 * with the openssl CLI in a temporary directory. Not a test: it prints
 * figures and exits 0 unless something failed.
 *
 * usage: bench_proto [SECONDS_PER_MEASUREMENT]   (default 2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "proto/cms.h"
#include "proto/updown.h"

#ifndef BENCH_TESTDATA
#define BENCH_TESTDATA "tests/data"
#endif

static double bench_secs = 2.0;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
slurp(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (*out = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	if (fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*out);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

struct sw {
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

static int
sw_sign(void *ctx, const unsigned char *tbs, size_t tbs_len,
        const unsigned char sha256[32], unsigned char *sig, size_t sig_size, size_t *sig_len)
{
	struct sw *s = ctx;

	(void)tbs;
	(void)tbs_len;
	if (sig_size < mbedtls_pk_get_len(&s->pk))
		return -1;
	return mbedtls_pk_sign(&s->pk, MBEDTLS_MD_SHA256, sha256, 32, sig, sig_len,
	    mbedtls_ctr_drbg_random, &s->drbg);
}

/* Make the BPKI with the openssl CLI in dir. */
static int
make_bpki(const char *dir)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
	    "( set -e; cd '%s'; "
	    "printf '[ca]\\ndefault_ca=b\\n[b]\\ndatabase=index.txt\\ncrlnumber=crlnumber\\n"
	    "default_md=sha256\\ndefault_crl_days=1\\ncertificate=ta.pem\\nprivate_key=ta.key\\n"
	    "crl_extensions=crlx\\n[crlx]\\nauthorityKeyIdentifier=keyid:always\\n"
	    "[ta]\\nbasicConstraints=critical,CA:TRUE\\nsubjectKeyIdentifier=hash\\n"
	    "keyUsage=critical,keyCertSign,cRLSign\\n[ee]\\nbasicConstraints=critical,CA:FALSE\\n"
	    "subjectKeyIdentifier=hash\\nauthorityKeyIdentifier=keyid\\n"
	    "keyUsage=critical,digitalSignature\\n' > c.cnf; "
	    ": > index.txt; echo 01 > crlnumber; "
	    "openssl req -x509 -newkey rsa:2048 -nodes -keyout ta.key -out ta.pem -days 2 "
	    "-subj /CN=bench-ta -config c.cnf -extensions ta; "
	    "openssl req -new -newkey rsa:2048 -nodes -keyout ee.key -out ee.csr -subj /CN=bench-ee; "
	    "openssl x509 -req -in ee.csr -CA ta.pem -CAkey ta.key -CAcreateserial -days 2 "
	    "-extfile c.cnf -extensions ee -out ee.pem; "
	    "openssl ca -config c.cnf -gencrl -out crl.pem; "
	    "openssl x509 -in ta.pem -outform DER -out ta.der; "
	    "openssl x509 -in ee.pem -outform DER -out ee.der; "
	    "openssl crl -in crl.pem -outform DER -out crl.der ) >/dev/null 2>&1",
	    dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
report(const char *what, double rate, const char *bound_what, double bound)
{
	printf("%-40s %9.1f /s", what, rate);
	if (bound > 0)
		printf("   bound %-34s %9.1f /s  (%5.1f%%)", bound_what, bound, 100.0 * rate / bound);
	printf("\n");
}

static void
machine(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "model name", 10) == 0) {
				char *p = strchr(line, ':');
				if (p != NULL)
					printf("machine: %s", p + 2);
				break;
			}
		}
		fclose(f);
	}
	printf("cores online: %ld; one thread measured\n", sysconf(_SC_NPROCESSORS_ONLN));
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/bench_proto.XXXXXX", path[512], cmd[600];
	unsigned char *ta = NULL, *ee = NULL, *crl = NULL, *lacnic = NULL;
	size_t ta_len, ee_len, crl_len, lacnic_len;
	unsigned char hash[32], sig[512];
	size_t sig_len = 0;
	struct sw sw;
	struct cms_signer signer;
	struct cms_trust trust = { 0 };
	unsigned char *msg = NULL;
	size_t msg_len = 0;
	double t0, t, sign_rate, verify_rate;
	long n;
	int rc = 1;

	if (argc > 1)
		bench_secs = atof(argv[1]) > 0 ? atof(argv[1]) : 2.0;
	mbedtls_pk_init(&sw.pk);
	mbedtls_entropy_init(&sw.entropy);
	mbedtls_ctr_drbg_init(&sw.drbg);
	if (mkdtemp(dir) == NULL || make_bpki(dir) != 0) {
		fprintf(stderr, "bench_proto: cannot make the BPKI with openssl in %s\n", dir);
		goto out;
	}
#define LOAD(var, name) do { snprintf(path, sizeof(path), "%s/%s", dir, name); \
	if (slurp(path, &var, &var##_len) != 0) { fprintf(stderr, "cannot read %s\n", path); goto out; } } while (0)
	LOAD(ta, "ta.der");
	LOAD(ee, "ee.der");
	LOAD(crl, "crl.der");
	snprintf(path, sizeof(path), "%s/ee.key", dir);
	if (mbedtls_pk_parse_keyfile(&sw.pk, path, NULL) != 0 ||
	    mbedtls_ctr_drbg_seed(&sw.drbg, mbedtls_entropy_func, &sw.entropy,
	    (const unsigned char *)"bench", 5) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/interop/krill/test-resources/remote/lacnic-valid.ber",
	    getenv("UPDOWN_TESTDATA") != NULL ? getenv("UPDOWN_TESTDATA") : BENCH_TESTDATA);
	if (slurp(path, &lacnic, &lacnic_len) != 0)
		lacnic = NULL;

	machine();
	printf("each figure: as many operations as fit in %.1f s\n\n", bench_secs);
	mbedtls_sha256_ret((const unsigned char *)"x", 1, hash, 0);

	/* Raw RSA-2048 sign and verify with the same key. */
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < bench_secs; n++)
		if (mbedtls_pk_sign(&sw.pk, MBEDTLS_MD_SHA256, hash, 32, sig, &sig_len,
		    mbedtls_ctr_drbg_random, &sw.drbg) != 0)
			goto out;
	sign_rate = n / t;
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < bench_secs; n++)
		if (mbedtls_pk_verify(&sw.pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len) != 0)
			goto out;
	verify_rate = n / t;
	report("raw mbed TLS RSA-2048 sign", sign_rate, "", 0);
	report("raw mbed TLS RSA-2048 verify", verify_rate, "", 0);

	/* Encode and sign a list request. */
	signer.ee_der = ee;
	signer.ee_len = ee_len;
	signer.crl_der = crl;
	signer.crl_len = crl_len;
	signer.sign = sw_sign;
	signer.sign_ctx = &sw;
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < bench_secs; n++) {
		struct ud_msg m;
		char *xml = NULL;
		size_t xml_len;
		int e;

		ud_msg_init(&m);
		m.type = UD_LIST;
		m.sender = strdup("bench-child");
		m.recipient = strdup("bench-parent");
		e = ud_encode(&m, &xml, &xml_len);
		ud_msg_free(&m);
		free(msg);
		msg = NULL;
		if (e != 0 || cms_sign(&signer, (unsigned char *)xml, xml_len, time(NULL),
		    &msg, &msg_len) != 0) {
			free(xml);
			fprintf(stderr, "bench_proto: encode+sign failed\n");
			goto out;
		}
		free(xml);
	}
	report("list encode+sign", n / t, "(raw sign: 1 signature)", sign_rate);

	/* Decode and verify it, as the appliance will. */
	trust.ta_der = ta;
	trust.ta_len = ta_len;
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < bench_secs; n++) {
		struct cms_msg cm;
		struct ud_msg m;
		struct ud_error err;
		int e;

		cms_msg_init(&cm);
		ud_msg_init(&m);
		e = cms_decode(&cm, msg, msg_len, NULL);
		if (e == 0)
			e = cms_verify(&cm, &trust, time(NULL));
		if (e == 0)
			e = ud_decode_request((const char *)cm.xml, cm.xml_len, &m, &err);
		ud_msg_free(&m);
		cms_msg_free(&cm);
		if (e != 0) {
			fprintf(stderr, "bench_proto: decode+verify failed: %d\n", e);
			goto out;
		}
	}
	report("list decode+verify", n / t, "(raw verify / 3: msg, EE, CRL)", verify_rate / 3);

	if (lacnic != NULL) {
		for (n = 0, t0 = now_s(); (t = now_s() - t0) < bench_secs; n++) {
			struct cms_msg cm;
			struct ud_msg m;
			struct ud_error err;
			int e;

			cms_msg_init(&cm);
			ud_msg_init(&m);
			e = cms_decode(&cm, lacnic, lacnic_len, NULL);
			if (e == 0)
				e = cms_check_signature(&cm);
			if (e == 0)
				e = ud_decode((const char *)cm.xml, cm.xml_len, &m, &err);
			ud_msg_free(&m);
			cms_msg_free(&cm);
			if (e != 0) {
				fprintf(stderr, "bench_proto: LACNIC decode failed: %d\n", e);
				goto out;
			}
		}
		report("LACNIC 240 KB list_response decode+sig", n / t, "", 0);
		printf("%-40s %9.1f MB/s of CMS (parsing dominates: 1 RSA verify = %.1f%% of the time)\n",
		    "", n / t * (double)lacnic_len / 1e6, 100.0 * (n / t) / verify_rate);
	} else {
		printf("(LACNIC sample not found; set UPDOWN_TESTDATA=<repo>/tests/data)\n");
	}
	rc = 0;
out:
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_proto: could not remove %s\n", dir);
	mbedtls_pk_free(&sw.pk);
	mbedtls_ctr_drbg_free(&sw.drbg);
	mbedtls_entropy_free(&sw.entropy);
	free(ta);
	free(ee);
	free(crl);
	free(lacnic);
	free(msg);
	return rc;
}
