/*
 * bench_ca: resource certificates issued per second with each signer
 * backend, next to that backend's raw RSA-2048 sign rate measured in the
 * same run (the bound: one certificate needs one signature), and the time
 * to generate a key inside the token.
 *
 * Backends: software (mbed TLS) and PKCS#11 with SoftHSM2 (a token made in
 * a temporary directory, removed afterwards), both PKCS#11 mechanisms.
 * Not a test: it prints figures and exits 0 unless something failed.
 *
 * usage: bench_ca [SECONDS_PER_MEASUREMENT]   (default 2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

#include "crypto/cert.h"
#include "crypto/signer.h"
#include "proto/res.h"

#define SOFTHSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"

static double bench_secs = 2.0;
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Two fresh SoftHSM tokens, bench0 and bench1, in dir; the PIN file path in uri. */
static int
softhsm_token(char *dir, char *uri, size_t urisize)
{
	char path[512], cmd[1024];
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", dir);
	fclose(f);
	setenv("SOFTHSM2_CONF", path, 1);
	snprintf(path, sizeof(path), "%s/pin", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs("1234", f);
	fclose(f);
	/* One token per mechanism measured, so key labels never collide. */
	for (int i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "softhsm2-util --init-token --free --label bench%d "
		    "--so-pin 5678 --pin 1234 >/dev/null", i);
		if (system(cmd) != 0)
			return -1;
	}
	snprintf(uri, urisize, "%s", path);
	return 0;
}

/* The child's public key: one software key, reused for every certificate. */
static int
child_spki(unsigned char **spki, size_t *len)
{
	mbedtls_pk_context pk;
	unsigned char buf[1024];
	int n, rc = -1;

	mbedtls_pk_init(&pk);
	if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0 ||
	    mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, &drbg, 2048, 65537) != 0)
		goto out;
	if ((n = mbedtls_pk_write_pubkey_der(&pk, buf, sizeof(buf))) <= 0)
		goto out;
	if ((*spki = malloc((size_t)n)) == NULL)
		goto out;
	memcpy(*spki, buf + sizeof(buf) - n, (size_t)n);
	*len = (size_t)n;
	rc = 0;
out:
	mbedtls_pk_free(&pk);
	return rc;
}

static int
parse_res(struct res_bundle *b)
{
	res_bundle_init(b);
	return res_set_parse(&b->as, RES_AS, "64496-64511", 11) |
	    res_set_parse(&b->v4, RES_IPV4, "192.0.2.0/24,198.51.100.0/24", 28) |
	    res_set_parse(&b->v6, RES_IPV6, "2001:db8::/32", 13);
}

/* Measure one backend; prints three lines. */
static int
bench_backend(const char *name, struct signer *s, const unsigned char *spki, size_t spki_len)
{
	struct signer_key *ta_key = NULL, *k;
	struct cert_issuer iss;
	struct res_bundle res, child;
	unsigned char *ta = NULL, serial[9], sig[SIGNER_MAX_SIG], data[1024];
	size_t ta_len, serial_len, sig_len;
	struct cert_ta_params tp;
	time_t now = time(NULL);
	double t0, t, sign_rate, keygen = 0;
	long n;
	int rc = -1, kg = 0;

	cert_issuer_init(&iss);
	res_bundle_init(&child);
	if (parse_res(&res) != 0 ||
	    res_set_parse(&child.v4, RES_IPV4, "192.0.2.0/25", 12) != 0)
		goto out;
	/* Key generation in the token: a few, timed. */
	for (int i = 0; i < 3; i++) {
		char label[32];

		snprintf(label, sizeof(label), "bench-keygen-%d", i);
		t0 = now_s();
		if (signer_key_generate(s, label, 0, &k) != 0)
			goto out;
		keygen += now_s() - t0;
		kg++;
		if (i == 0)
			ta_key = k;
	}
	memset(&tp, 0, sizeof(tp));
	cert_serial_from_u64(1, serial, &serial_len);
	tp.serial = serial;
	tp.serial_len = serial_len;
	tp.not_before = now - 60;
	tp.not_after = now + 86400;
	tp.sia_ca_repository = "rsync://bench.example/repo/ta/";
	tp.sia_rpki_manifest = "rsync://bench.example/repo/ta/ta.mft";
	tp.res = &res;
	if (cert_make_ta(s, ta_key, &tp, &ta, &ta_len) != 0 ||
	    cert_issuer_load(&iss, s, ta_key, ta, ta_len) != 0)
		goto out;

	memset(data, 0x5a, sizeof(data));
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < bench_secs; n++)
		if (signer_sign(s, ta_key, data, sizeof(data), sig, sizeof(sig), &sig_len) != 0)
			goto out;
	sign_rate = n / t;

	for (n = 0, t0 = now_s(); (t = now_s() - t0) < bench_secs; n++) {
		struct cert_ca_params p;
		unsigned char *der = NULL;
		size_t der_len;

		memset(&p, 0, sizeof(p));
		cert_serial_from_u64(1000 + (uint64_t)n, serial, &serial_len);
		p.spki = spki;
		p.spki_len = spki_len;
		p.serial = serial;
		p.serial_len = serial_len;
		p.not_before = now - 60;
		p.not_after = now + 3600;
		p.crldp_uri = "rsync://bench.example/repo/ta/ta.crl";
		p.aia_uri = "rsync://bench.example/repo/ta.cer";
		p.sia_ca_repository = "rsync://bench.example/repo/child/";
		p.sia_rpki_manifest = "rsync://bench.example/repo/child/child.mft";
		p.res = &child;
		if (cert_issue_ca(&iss, &p, &der, &der_len) != 0) {
			fprintf(stderr, "bench_ca: %s: issue failed: %s\n", name, signer_last_error());
			goto out;
		}
		free(der);
	}
	printf("%-28s raw sign %8.1f /s   certificates issued %8.1f /s (%5.1f%% of raw sign)\n",
	    name, sign_rate, n / t, 100.0 * (n / t) / sign_rate);
	printf("%-28s key generation in the token: %.0f ms (mean of %d)\n", "",
	    1000.0 * keygen / kg, kg);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "bench_ca: %s failed: %s\n", name, signer_last_error());
	cert_issuer_free(&iss);
	res_bundle_free(&res);
	res_bundle_free(&child);
	free(ta);
	return rc;
}

static void
machine(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "model name", 10) == 0) {
				printf("machine: %s", strchr(line, ':') + 2);
				break;
			}
		fclose(f);
	}
	printf("cores online: %ld; one thread measured; each figure over %.1f s\n\n",
	    sysconf(_SC_NPROCESSORS_ONLN), bench_secs);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/bench_ca.XXXXXX", uri[600], tok[700], cmd[600];
	struct signer *s = NULL;
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	int rc = 1;

	if (argc > 1 && atof(argv[1]) > 0)
		bench_secs = atof(argv[1]);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	    (const unsigned char *)"bench_ca", 8) != 0 || child_spki(&spki, &spki_len) != 0)
		goto out;
	machine();

	if (signer_sw_open(mbedtls_ctr_drbg_random, &drbg, &s) != 0 ||
	    bench_backend("software (mbed TLS)", s, spki, spki_len) != 0)
		goto out;
	signer_close(s);
	s = NULL;

	if (softhsm_token(dir, uri, sizeof(uri)) != 0) {
		fprintf(stderr, "bench_ca: cannot make a SoftHSM token\n");
		goto out;
	}
	for (int mech = 0; mech < 2; mech++) {
		struct signer_p11_config cfg;

		signer_p11_config_init(&cfg);
		cfg.module = SOFTHSM_MODULE;
		snprintf(tok, sizeof(tok), "pkcs11:token=bench%d?pin-source=file:%s", mech, uri);
		cfg.token_uri = tok;
		cfg.mech = mech == 0 ? SIGNER_P11_SHA256_RSA_PKCS : SIGNER_P11_RSA_PKCS_HOST_HASH;
		if (signer_p11_open(&cfg, &s) != 0) {
			fprintf(stderr, "bench_ca: %s\n", signer_last_error());
			goto out;
		}
		if (bench_backend(mech == 0 ? "SoftHSM CKM_SHA256_RSA_PKCS" :
		    "SoftHSM CKM_RSA_PKCS (host hash)", s, spki, spki_len) != 0)
			goto out;
		signer_close(s);
		s = NULL;
	}
	rc = 0;
out:
	signer_close(s);
	if (dir[strlen(dir) - 1] != 'X') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_ca: could not remove %s\n", dir);
	}
	free(spki);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return rc;
}
