/*
 * bench_signer: what the signer costs (UD-164), both backends side by side:
 *
 *   raw RSA-2048 sign rate (PKCS#1 v1.5, SHA-256, a 1 KB TBS) with one and
 *   with two threads sharing one signer and one key; for PKCS#11 with both
 *   mechanisms, CKM_SHA256_RSA_PKCS and host hashing + CKM_RSA_PKCS (UD-98);
 *   key generation time (mean of a few): mbed TLS in memory, and inside the
 *   token (token objects, destroyed afterwards).
 *
 * The PKCS#11 backend runs on a SoftHSM2 token made in a temporary
 * directory (tests/crypto/softhsm_fixture.c, compiled in). Not a test: it
 * prints figures and exits 0 unless something failed.
 *
 * usage: bench_signer [SECONDS_PER_MEASUREMENT [KEYGENS]]   (default 2, 5)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "crypto/signer.h"
#include "softhsm_fixture.h"

#define TBS_LEN 1024

static double bench_secs = 2.0;
static int bench_keygens = 5;
static unsigned char tbs[TBS_LEN];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	printf("cores online: %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
}

struct worker {
	struct signer *s;
	struct signer_key *k;
	double until;
	long n;
	int failed;
};

static void *
worker_main(void *p)
{
	struct worker *w = p;
	unsigned char sig[SIGNER_MAX_SIG];
	size_t sig_len;

	while (now_s() < w->until) {
		if (signer_sign(w->s, w->k, tbs, sizeof(tbs), sig, sizeof(sig), &sig_len) != 0) {
			fprintf(stderr, "bench_signer: %s\n", signer_last_error());
			w->failed = 1;
			break;
		}
		w->n++;
	}
	return NULL;
}

/* Signatures per second with nthreads threads signing for bench_secs. */
static double
sign_rate(struct signer *s, struct signer_key *k, int nthreads)
{
	struct worker w[2];
	pthread_t th[2];
	double t0, t;
	long total = 0;
	int i;

	t0 = now_s();
	for (i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ s, k, t0 + bench_secs, 0, 0 };
		if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0)
			return -1;
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		if (w[i].failed)
			return -1;
		total += w[i].n;
	}
	t = now_s() - t0;
	return (double)total / t;
}

/* Mean milliseconds to generate a key (destroyed again), or -1. */
static double
keygen_ms(struct signer *s, const char *prefix)
{
	struct signer_key *k;
	char label[64];
	double t0, sum = 0;
	int i;

	for (i = 0; i < bench_keygens; i++) {
		snprintf(label, sizeof(label), "%s-%d", prefix, i);
		t0 = now_s();
		if (signer_key_generate(s, label, 0, &k) != 0) {
			fprintf(stderr, "bench_signer: %s\n", signer_last_error());
			return -1;
		}
		sum += now_s() - t0;
		if (signer_key_destroy(s, k) != 0) {
			fprintf(stderr, "bench_signer: %s\n", signer_last_error());
			return -1;
		}
	}
	return 1e3 * sum / bench_keygens;
}

static int
row(const char *backend, const char *mech, struct signer *s, struct signer_key *k,
    double gen_ms)
{
	double r1, r2;

	if ((r1 = sign_rate(s, k, 1)) < 0 || (r2 = sign_rate(s, k, 2)) < 0)
		return -1;
	printf("%-9s %-30s %9.1f /s %9.1f /s  (x%.2f)", backend, mech, r1, r2, r2 / r1);
	if (gen_ms >= 0)
		printf("  %9.1f ms", gen_ms);
	printf("\n");
	return 0;
}

int
main(int argc, char **argv)
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	struct softhsm_fixture fx;
	struct signer_p11_config cfg;
	struct signer *sw = NULL, *p11a = NULL, *p11b = NULL;
	struct signer_key *ksw = NULL, *ka = NULL, *kb = NULL;
	double gen_sw, gen_p11;
	size_t i;
	int rc = 1, have_fx = 0;

	if (argc > 1 && atof(argv[1]) > 0)
		bench_secs = atof(argv[1]);
	if (argc > 2 && atoi(argv[2]) > 0)
		bench_keygens = atoi(argv[2]);
	for (i = 0; i < sizeof(tbs); i++)
		tbs[i] = (unsigned char)(i * 31 + 7);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	    (const unsigned char *)"bench_signer", 12) != 0)
		goto out;

	machine();
	printf("each rate: as many RSA-2048 signatures of a %d-byte TBS as fit in %.1f s; "
	    "key generation: mean of %d\n\n", TBS_LEN, bench_secs, bench_keygens);
	printf("%-9s %-30s %12s %12s %8s  %12s\n", "backend", "mechanism", "1 thread",
	    "2 threads", "", "keygen");

	if (signer_sw_open(mbedtls_ctr_drbg_random, &drbg, &sw) != 0 ||
	    (gen_sw = keygen_ms(sw, "bench-sw")) < 0 ||
	    signer_key_generate(sw, "bench-sw", 0, &ksw) != 0 ||
	    row("software", "mbed TLS (in memory)", sw, ksw, gen_sw) != 0) {
		fprintf(stderr, "bench_signer: software: %s\n", signer_last_error());
		goto out;
	}

	if (softhsm_fixture_setup(&fx, "bench") != 0) {
		fprintf(stderr, "bench_signer: cannot make a SoftHSM token\n");
		goto out;
	}
	have_fx = 1;
	signer_p11_config_init(&cfg);
	cfg.module = fx.module;
	cfg.token_uri = fx.uri;
	if (signer_p11_open(&cfg, &p11a) != 0)
		goto p11fail;
	cfg.mech = SIGNER_P11_RSA_PKCS_HOST_HASH;
	if (signer_p11_open(&cfg, &p11b) != 0)
		goto p11fail;
	if ((gen_p11 = keygen_ms(p11a, "bench-p11")) < 0 ||
	    signer_key_generate(p11a, "bench-p11", 0, &ka) != 0 ||
	    signer_key_find(p11b, "bench-p11", &kb) != 0)
		goto p11fail;
	if (row("pkcs11", "CKM_SHA256_RSA_PKCS", p11a, ka, gen_p11) != 0 ||
	    row("pkcs11", "host SHA-256 + CKM_RSA_PKCS", p11b, kb, -1) != 0)
		goto p11fail;
	printf("\n(pkcs11: SoftHSM2 at %s; keygen inside the token, CKA_TOKEN true)\n",
	    fx.module);
	rc = 0;
	goto out;
p11fail:
	fprintf(stderr, "bench_signer: pkcs11: %s\n", signer_last_error());
out:
	if (ka != NULL)
		signer_key_destroy(p11a, ka);
	signer_close(p11b);
	signer_close(p11a);
	signer_close(sw);
	if (have_fx)
		softhsm_fixture_teardown(&fx);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return rc;
}
