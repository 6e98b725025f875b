/*
 * bench_http: the HTTP + lwIP + TAP ceiling for the appliance.
 *
 * Runs the test server (tests/firmware/http/updown-httpd-test: firmware/http
 * on lwIP on board/posix, with a trivial echo handler) in a network
 * namespace it creates (updown-test-<pid>, deleted at exit), and drives it
 * with N concurrent clients (1, 4, 16, 64), each a kernel TCP socket inside
 * the namespace on a kept-alive connection, POSTing a 2 KB body (about an
 * RFC 6492 list or issue request) as fast as answers come back. Prints per
 * N: requests/s and latency p50/p99/max; then the same with a new connection
 * for every request, and 256 KiB responses (a large list_response, UD-4);
 * then the server's resident memory (VmRSS, VmHWM) and lwIP's pool
 * high-water marks. Every request's answer is checked.
 *
 * The handler does no signing: these are upper bounds. The appliance's
 * list/issue rates are bounded by the HSM (bench_signer).
 *
 * Usage: bench_http [seconds per run, default 3]   (as root: namespaces, TAP)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/harness.h"

#define BODY_LEN 2048
#define MAX_CLIENTS 64

struct worker {
	pthread_t t;
	int id;
	int mode;             /* 0 keep-alive echo, 1 new connection each, 2 256 KiB reply */
	long long until;
	unsigned n, errors;
	double *lat;          /* ms */
	unsigned cap;
	struct cli c;
};

static unsigned char body[BODY_LEN];

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	char path[32];
	struct resp r;

	snprintf(path, sizeof(path), "/updown/child%d", w->id);
	if (w->mode != 1 && cli_open(&w->c, 80, 5000) != 0) {
		w->errors++;
		return NULL;
	}
	while (now_ms() < w->until) {
		struct timespec a, b;
		const void *req = body;
		size_t len = BODY_LEN;

		if (w->mode == 2) {
			req = "big:262144";
			len = 10;
		}
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (w->mode == 1 && cli_open(&w->c, 80, 5000) != 0) {
			w->errors++;
			continue;
		}
		if (cli_post(&w->c, path, req, len, &r, 10000) != 0 || r.status != 200 ||
		    (w->mode == 2 ? r.len != 262144 : r.len != BODY_LEN + strlen(path) - 1)) {
			w->errors++;
			resp_free(&r);
			cli_close(&w->c);
			if (cli_open(&w->c, 80, 5000) != 0)
				break;
			continue;
		}
		resp_free(&r);
		if (w->mode == 1)
			cli_close(&w->c);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (w->n == w->cap) {
			unsigned ncap = w->cap ? w->cap * 2 : 4096;
			double *nl = realloc(w->lat, ncap * sizeof(double));
			if (nl == NULL)
				break;
			w->lat = nl;
			w->cap = ncap;
		}
		w->lat[w->n++] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	}
	cli_close(&w->c);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
run(int nclients, int mode, int seconds, const char *label)
{
	static struct worker w[MAX_CLIENTS];
	unsigned total = 0, errors = 0, k = 0;
	double *all;
	long long t0, t1;
	int i;

	memset(w, 0, sizeof(w));
	t0 = now_ms();
	for (i = 0; i < nclients; i++) {
		w[i].id = i;
		w[i].mode = mode;
		w[i].until = t0 + seconds * 1000LL;
		pthread_create(&w[i].t, NULL, worker_main, &w[i]);
	}
	for (i = 0; i < nclients; i++) {
		pthread_join(w[i].t, NULL);
		total += w[i].n;
		errors += w[i].errors;
	}
	t1 = now_ms();
	all = malloc((total ? total : 1) * sizeof(double));
	for (i = 0; i < nclients; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof(double));
		k += w[i].n;
		free(w[i].lat);
	}
	qsort(all, total, sizeof(double), cmp_double);
	double secs = (double)(t1 - t0) / 1e3;
	printf("  %-22s N=%-3d %9.0f req/s   p50 %7.3f ms   p99 %7.3f ms   max %7.2f ms   errors %u\n",
	    label, nclients, total / secs, total ? all[total / 2] : 0.0,
	    total ? all[(size_t)(total * 0.99)] : 0.0, total ? all[total - 1] : 0.0, errors);
	free(all);
}

static long
proc_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

static void
sysctl_set(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(val, f);
		fclose(f);
	}
}

int
main(int argc, char **argv)
{
	static const char *const args[] = { "--queue", "256", "--log-level", "err", NULL };
	static const int ns[] = { 1, 4, 16, 64 };
	int seconds = argc > 1 ? atoi(argv[1]) : 3;
	char why[256];
	struct srv s;
	size_t i;

	if (seconds <= 0)
		seconds = 3;
	switch (ns_enter(why, sizeof(why))) {
	case 0:
		break;
	case 1:
		printf("bench_http: %s\nRun it as root on Linux with /dev/net/tun and iproute2:\n"
		    "  sudo %s [seconds]\n", why, argv[0]);
		return 0;
	default:
		fprintf(stderr, "bench_http: %s\n", why);
		return 1;
	}
	/*
	 * Inside the namespace only: keep the kernel clients' TIME_WAIT sockets
	 * from filling the port range (lwIP has no TCP timestamps, so
	 * tcp_tw_reuse cannot help); otherwise connect() itself slows down
	 * after a few seconds of one connection per request.
	 */
	sysctl_set("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535");
	sysctl_set("/proc/sys/net/ipv4/tcp_max_tw_buckets", "256");
	for (i = 0; i < BODY_LEN; i++)
		body[i] = (unsigned char)('A' + i % 23);
	if (srv_start(&s, args) != 0) {
		fprintf(stderr, "bench_http: the test server did not start\n");
		return 1;
	}
	printf("bench_http: firmware/http on lwIP 2.1.3 over a TAP device, %d s per run, "
	    "2 workers, echo handler, %d-byte requests\n", seconds, BODY_LEN);
	printf("server resident at start: VmRSS %ld KiB\n", proc_kb(s.pid, "VmRSS:"));
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		run(ns[i], 0, seconds, "keep-alive, 2 KB");
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		run(ns[i], 1, seconds, "connection per request");
	run(1, 2, seconds, "256 KiB responses");
	run(16, 2, seconds, "256 KiB responses");
	printf("server resident after the runs: VmRSS %ld KiB, peak VmHWM %ld KiB\n",
	    proc_kb(s.pid, "VmRSS:"), proc_kb(s.pid, "VmHWM:"));
	int st = srv_stop(&s, 30000);
	printf("server: %s\n        %s\n", s.stats, s.lwip);
	return st == 0 ? 0 : 1;
}
