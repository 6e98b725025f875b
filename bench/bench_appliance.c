/*
 * bench_appliance: end-to-end load against updown-appliance on the posix
 * board with SoftHSM, in a network namespace it creates (needs root).
 * For N concurrent children (1, 4, 16, 64; one keep-alive connection each):
 * list and issue requests per second and latency p50/p99, next to the raw
 * SoftHSM C_Sign rate of the BPKI EE key measured in the same run (the
 * bound: a list reply needs one signature; an issue reply more: the
 * certificate, CRL, manifest EE + manifest, and the reply). Then the
 * appliance's resident memory with 10,000 provisioned children after a
 * load run, and the firmware binary's size.
 *
 * Targets: list throughput at 16 children >= 70% of the signing bound;
 * p99 list latency <= 20 ms at 16 children (both judged on the medians of
 * three rounds of bound + list@16 after the table); RSS <= 32 MiB at
 * 10,000 children. Run: bench_appliance [seconds per point, default 4].
 * (Built on the integration fixture, tests/integration/appfix.c, inside a
 * cmocka runner so that fixture failures are reported, not crashed on.)
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "appfix.h"
#include "crypto/crl.h"
#include "proto/bundle.h"

#define NMAX 64
#define BIG  10000

static struct app A;
static char why[256];
static int secs = 4;

/* Bench children: one shared BPKI key pair (keygen once), own TA/EE/CRL each. */
struct bchild {
	struct ef_child c;
	unsigned char *list, *issue;
	size_t list_len, issue_len;
};
static struct bchild kids[NMAX];

static void
make_child(struct bchild *b, int i)
{
	struct ef_child *c = &b->c;

	memset(b, 0, sizeof(*b));
	snprintf(c->handle, sizeof(c->handle), "bench-%04d", i);
	c->ta_key = ef_key(70);
	c->ee_key = ef_key(71);
	ef_child_bpki(&A.f, c, false);
}

/* A table with nbig extra children (TA of kids[0]) besides the NMAX bench children. */
static char *
table(uint64_t version, int nbig)
{
	size_t cap = 64 + (size_t)(NMAX + nbig) * 2048, o = 0;
	char *t = malloc(cap), na[32];
	time_t when = A.f.now + 180 * EF_DAY;
	struct tm tm;
	char *ta0 = NULL;
	int i;

	assert_non_null(t);
	gmtime_r(&when, &tm);
	strftime(na, sizeof(na), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o += (size_t)snprintf(t + o, cap - o, "version %llu\nclass " EF_CLASS "\n",
	    (unsigned long long)version);
	for (i = 0; i < NMAX; i++) {
		char *ta = ef_b64(kids[i].c.ta, kids[i].c.ta_len);
		o += (size_t)snprintf(t + o, cap - o, "child %s ta=%s\n", kids[i].c.handle, ta);
		if (i == 0)
			ta0 = ta;
		else
			free(ta);
	}
	for (i = 0; i < nbig; i++)
		o += (size_t)snprintf(t + o, cap - o, "child big-%05d ta=%s\n", i, ta0);
	for (i = 0; i < NMAX; i++)
		o += (size_t)snprintf(t + o, cap - o, "grant %s " EF_CLASS " ipv4=10.%d.%d.0/24 "
		    "notafter=%s\n", kids[i].c.handle, 1 + i / 200, i % 200, na);
	free(ta0);
	assert_true(o < cap);
	return t;
}

static void
provision(uint64_t version, int nbig)
{
	static const int ops[] = { 0, 1 };
	char *t = table(version, nbig);
	size_t len = 0;
	unsigned char *der = app_bundle(&A, t, version, ops, 2, 0, &len);
	struct resp r;

	assert_int_equal(app_post(APP_PROV_PORT, APP_PROV_PATH, "application/x-updown-bundle",
	    der, len, &r), 0);
	if (r.status != 200)
		fail_msg("provisioning: %d %s", r.status, r.body);
	resp_free(&r);
	free(der);
	free(t);
}

/* ---- load ---- */

struct worker {
	struct bchild *b;
	bool issue;
	long long stop_ms;
	/* With seq: send these requests once each, in order (then stop), not one request again. */
	unsigned char **seq;
	size_t *seq_len, nseq;
	double *lat;
	size_t n, cap, errors;
};

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* CPU seconds (user + system) of the appliance process, from /proc. */
static double
proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* Fields after "(comm)": state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of this process (the load generator), all threads. */
static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU milliseconds per request of the last load(): appliance, load generator. */
static double app_ms, gen_ms;

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct cli c;
	char path[300];

	snprintf(path, sizeof(path), APP_BASE_PATH "%s", w->b->c.handle);
	if (cli_open(&c, APP_PORT, 2000) != 0) {
		w->errors++;
		return NULL;
	}
	for (size_t k = 0; w->seq != NULL ? k < w->nseq : now_ms() < w->stop_ms; k++) {
		struct timespec t0, t1;
		struct resp r;
		const unsigned char *body = w->seq != NULL ? w->seq[k] :
		    w->issue ? w->b->issue : w->b->list;
		size_t blen = w->seq != NULL ? w->seq_len[k] :
		    w->issue ? w->b->issue_len : w->b->list_len;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (cli_post(&c, path, body, blen, &r, 30000) != 0) {
			w->errors++;
			cli_close(&c);
			if (cli_open(&c, APP_PORT, 2000) != 0)
				return NULL;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (r.status != 200)
			w->errors++;
		resp_free(&r);
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 1024;
			w->lat = realloc(w->lat, w->cap * sizeof(double));
			assert_non_null(w->lat);
		}
		w->lat[w->n++] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	}
	cli_close(&c);
	return NULL;
}

/* The signing-time of the pre-signed requests (the latest, if they straddle a second). */
static time_t presign_t;

/* Per child, requests signed with increasing signing-times (the "list*" row). */
static unsigned char **newseq[NMAX];
static size_t *newseq_len[NMAX], newseq_n;

static double
load(int n, bool issue, double *p50, double *p99, size_t *errors)
{
	struct worker w[NMAX];
	pthread_t t[NMAX];
	long long t0 = now_ms(), stop = t0 + secs * 1000LL;
	size_t total = 0, k = 0;
	double *all, a0 = proc_cpu(A.pid), g0 = self_cpu();
	int i;

	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		w[i].b = &kids[i];
		w[i].issue = issue;
		w[i].stop_ms = stop;
		if (newseq_n > 0) {
			w[i].seq = newseq[i];
			w[i].seq_len = newseq_len[i];
			w[i].nseq = newseq_n;
		}
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	*errors = 0;
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		total += w[i].n;
		*errors += w[i].errors;
	}
	all = malloc((total + 1) * sizeof(double));
	assert_non_null(all);
	for (i = 0; i < n; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof(double));
		k += w[i].n;
		free(w[i].lat);
	}
	app_ms = total ? (proc_cpu(A.pid) - a0) * 1e3 / (double)total : 0;
	gen_ms = total ? (self_cpu() - g0) * 1e3 / (double)total : 0;
	qsort(all, total, sizeof(double), cmpd);
	*p50 = total ? all[total / 2] : 0;
	*p99 = total ? all[total * 99 / 100] : 0;
	free(all);
	return (double)total * 1000.0 / (double)(now_ms() - t0);
}

/* Raw C_Sign rate of the BPKI EE key with `threads` threads, in this process. */
struct signarg {
	struct signer *s;
	struct signer_key *k;
	long long stop;
	size_t n;
};

static void *
sign_main(void *arg)
{
	struct signarg *g = arg;
	unsigned char data[600] = { 1 }, sig[SIGNER_MAX_SIG];
	size_t sl;

	while (now_ms() < g->stop)
		if (signer_sign(g->s, g->k, data, sizeof(data), sig, sizeof(sig), &sl) == 0)
			g->n++;
	return NULL;
}

static double
sign_rate(int threads)
{
	struct signer_p11_config pc;
	struct signer *s = NULL;
	struct signer_key *k = NULL;
	struct signarg g[4];
	pthread_t t[4];
	long long t0;
	size_t total = 0;
	int i;

	signer_p11_config_init(&pc);
	pc.module = A.hsm.module;
	pc.token_uri = A.hsm.uri;
	assert_int_equal(signer_p11_open(&pc, &s), 0);
	assert_int_equal(signer_key_find(s, "app-bpki-ee", &k), 0);
	t0 = now_ms();
	for (i = 0; i < threads; i++) {
		g[i] = (struct signarg){ s, k, t0 + 2000, 0 };
		pthread_create(&t[i], NULL, sign_main, &g[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += g[i].n;
	}
	signer_close(s);
	return (double)total * 1000.0 / (double)(now_ms() - t0);
}

static long
rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

static void
bench(void **state)
{
	static const int ns[] = { 1, 4, 16, 64 };
	double sign1, sign2, bound, l16 = 0, p99_16 = 0, a16 = 0, g16 = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct stat st;
	size_t i;
	long rss;

	(void)state;
	if (app_setup(&A, why, sizeof(why)) != 0) {
		printf("bench_appliance: skipped: %s\n", why);
		skip();
	}
	for (i = 0; i < NMAX; i++)
		make_child(&kids[i], (int)i);
	{
		const char *extra[] = { "--reconcile-interval", "86400", NULL };
		app_start(&A, extra);
	}
	provision(1, 0);
	/* Requests signed once; the same signing-time again is accepted (UD-35). */
	for (i = 0; i < NMAX; i++) {
		char *xml = ef_xml_list(kids[i].c.handle, EF_HANDLE), *ix;
		size_t csr_len = 0;
		unsigned char *csr = ef_csr(&kids[i].c, ef_key(72), &csr_len);
		time_t now = time(NULL);

		presign_t = now > presign_t ? now : presign_t;
		kids[i].list = ef_cms(&kids[i].c, xml, strlen(xml), now, &kids[i].list_len);
		ix = ef_xml_issue(kids[i].c.handle, EF_CLASS, csr, csr_len, NULL, NULL, NULL);
		kids[i].issue = ef_cms(&kids[i].c, ix, strlen(ix), now, &kids[i].issue_len);
		free(xml);
		free(ix);
		free(csr);
	}
	printf("load generator: each child's list and issue requests are signed once before the "
	    "run and resent with the same signing-time (accepted, UD-35), so the figures "
	    "measure the appliance, not the client's signing; the appliance then records no "
	    "new signing-time per request\n");
	sign1 = sign_rate(1);
	sign2 = sign_rate(2);
	bound = sign2 > sign1 ? sign2 : sign1;
	printf("SoftHSM C_Sign (RSA-2048, BPKI EE key): %.0f/s with 1 thread, %.0f/s with 2\n",
	    sign1, sign2);
	printf("%-6s %-5s %10s %10s %10s %8s %-18s %s\n", "kind", "N", "req/s", "p50 ms",
	    "p99 ms", "errors", "vs bound", "CPU ms/req: appliance + load generator");
	for (int kind = 0; kind < 2; kind++) {
		for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			double p50, p99, rate;
			size_t errs;

			rate = load(ns[i], kind == 1, &p50, &p99, &errs);
			/* list: one signature per reply; issue: cert + CRL + mft EE + mft + reply = 5. */
			printf("%-6s %-5d %10.1f %10.2f %10.2f %8zu %5.0f%% of %5.0f/s   %.3f + %.3f\n",
			    kind ? "issue" : "list", ns[i], rate, p50, p99, errs,
			    100.0 * rate / (kind ? bound / 5 : bound), kind ? bound / 5 : bound,
			    app_ms, gen_ms);
			fflush(stdout);
			if (kind == 0 && ns[i] == 16) {
				l16 = rate;
				p99_16 = p99;
				a16 = app_ms;
				g16 = gen_ms;
			}
		}
	}
	/*
	 * The targets from three samples rather than one: on a shared 2-core
	 * machine one run's ratio moves by several points. Each round measures
	 * the bound (2 threads, the rate the table's rows are set against) and
	 * then list@16; the medians of the ratios and of p99 are the result.
	 */
	{
		double ratio[3], p99s[3], rate, p50, p99, b;
		size_t errs;
		int k;

		for (k = 0; k < 3; k++) {
			b = sign_rate(2);
			rate = load(16, false, &p50, &p99, &errs);
			ratio[k] = b > 0 ? rate / b : 0;
			p99s[k] = p99;
			printf("target round %d: bound %.0f/s, list@16 %.1f req/s = %.0f%%, p99 %.2f ms, "
			    "errors %zu, CPU ms/req %.3f + %.3f\n", k + 1, b, rate, 100 * ratio[k], p99,
			    errs, app_ms, gen_ms);
		}
		qsort(ratio, 3, sizeof(double), cmpd);
		qsort(p99s, 3, sizeof(double), cmpd);
		printf("target list@16 >= 70%% of bound: %.0f%% (median of 3 rounds; this table's "
		    "row %.0f%%) %s\n", 100 * ratio[1], 100 * l16 / bound,
		    ratio[1] >= 0.7 ? "MET" : "NOT MET");
		printf("target p99 list@16 <= 20 ms: %.2f ms (median of 3 rounds; this table's row "
		    "%.2f ms) %s\n", p99s[1], p99_16, p99s[1] <= 20 ? "MET" : "NOT MET");
	}
	/*
	 * The signing bound uses every core for C_Sign alone; here the appliance's
	 * other work and the load generator share those cores. With c ms of CPU
	 * per list (appliance + generator), ncpu cores cannot exceed ncpu*1000/c.
	 */
	if (a16 + g16 > 0)
		printf("list@16 CPU: %.3f ms/req in the appliance (one C_Sign alone: %.3f ms) + "
		    "%.3f ms in the load generator; %ld cores cap the rate at %.0f/s = %.0f%% of "
		    "the signing bound\n", a16, 1e3 / sign1, g16, ncpu,
		    (double)ncpu * 1e3 / (a16 + g16), 100.0 * (double)ncpu * 1e3 / (a16 + g16) / bound);

	/* 10,000 provisioned children, then a load run, then RSS. */
	{
		long long t0 = now_ms();
		provision(2, BIG);
		printf("provisioned %d more children in %.1f s\n", BIG,
		    (double)(now_ms() - t0) / 1000.0);
	}
	{
		double p50 = 0, p99 = 0, rate;
		size_t errs = 0;
		rate = load(16, false, &p50, &p99, &errs);
		printf("list@16 with %d children: %.1f req/s p50 %.2f ms p99 %.2f ms errors %zu\n",
		    BIG + NMAX, rate, p50, p99, errs);
	}
	rss = rss_kib(A.pid);
	/*
	 * Last, as it moves the bench children's stored signing-times past
	 * the pre-signed requests above. Real children sign each request anew: every list then records a new
	 * signing-time (UD-35), durable before the reply (one store commit and
	 * one fdatasync per batch of them: group commit). Requests pre-signed
	 * one second apart after the last accepted one, each sent once; at
	 * most 290 per child, so the last stays within the appliance's 300 s
	 * of allowed clock skew.
	 */
	{
		double p50, p99, rate;
		size_t errs, j, k;
		time_t t0 = presign_t + 1;

		newseq_n = 290;
		for (j = 0; j < 16; j++) {
			char *xml = ef_xml_list(kids[j].c.handle, EF_HANDLE);

			newseq[j] = calloc(newseq_n, sizeof(*newseq[j]));
			newseq_len[j] = calloc(newseq_n, sizeof(*newseq_len[j]));
			assert_true(newseq[j] != NULL && newseq_len[j] != NULL);
			for (k = 0; k < newseq_n; k++)
				newseq[j][k] = ef_cms(&kids[j].c, xml, strlen(xml), t0 + (time_t)k,
				    &newseq_len[j][k]);
			free(xml);
		}
		rate = load(16, false, &p50, &p99, &errs);
		printf("list@16, each request with a new signing-time (as real children send; "
		    "%zu per child, durable before the reply): %.1f req/s = %.0f%% of %.0f/s, "
		    "p50 %.2f ms p99 %.2f ms, errors %zu, CPU ms/req %.3f + %.3f\n", newseq_n,
		    rate, 100.0 * rate / bound, bound, p50, p99, errs, app_ms, gen_ms);
		for (j = 0; j < 16; j++) {
			for (k = 0; k < newseq_n; k++)
				free(newseq[j][k]);
			free(newseq[j]);
			free(newseq_len[j]);
		}
		newseq_n = 0;
	}

	printf("appliance RSS with %d children after load: %.1f MiB (target <= 32 MiB: %s)\n",
	    BIG + NMAX, (double)rss / 1024.0, rss >= 0 && rss <= 32 * 1024 ? "MET" : "NOT MET");
	if (stat(UPDOWN_APPLIANCE, &st) == 0)
		printf("firmware binary %s: %lld bytes\n", UPDOWN_APPLIANCE, (long long)st.st_size);
	{
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "size '%s'", UPDOWN_APPLIANCE);
		if (system(cmd) != 0)
			printf("(size(1) not available)\n");
	}
	for (i = 0; i < NMAX; i++) {
		free(kids[i].list);
		free(kids[i].issue);
		free(kids[i].c.ta);
		free(kids[i].c.ee);
		free(kids[i].c.crl);
	}
	printf("appliance exit status %d\n", app_stop(&A));
	app_teardown(&A);
	ef_pool_free();
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(bench) };

	if (argc > 1)
		secs = atoi(argv[1]) > 0 ? atoi(argv[1]) : secs;
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
