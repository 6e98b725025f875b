/*
 * updown-httpd-test: firmware/http on lwIP on the posix board, with a stub
 * handler: the server the network tests (tests/firmware/test_http_*.c) and
 * bench_http drive. Not the appliance (no engine, no HSM).
 *
 * Run it inside a network namespace holding the TAP device (netns.c):
 *   updown-httpd-test --tap tap0 --addr 10.77.0.2/24 [options]
 * It prints "ready" on stdout once listening, "blocked N" each time a
 * "block" handler starts waiting, and on SIGTERM/SIGINT stops the server
 * cleanly (in-flight requests finish), prints "stats ..." and "lwip ..."
 * lines and exits 0. SIGUSR1 releases every waiting "block" handler (also
 * during the stop, which waits for running handlers).
 *
 * The stub handler reads the request body as a command:
 *   block       wait for SIGUSR1, then 200 "released"
 *   sleep:MS    sleep MS milliseconds, then 200 "slept"
 *   big:N       200 with N bytes, byte i = 'a' + i % 26
 *   status:N    status N, empty body (e.g. a bare 400, UD-8)
 *   type:T      200 "typed" with Content-Type T
 *   busy        503 with Retry-After: 7 (a handler's own overload answer)
 *   fail        return -1 (the server answers 500)
 *   close       200 "closing", asking the server to close
 *   anything else: 200 "child=<handle or ->\n" followed by the body (echo)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board/posix.h"
#include "firmware/http.h"
#include "fw_lwip.h"

static pthread_mutex_t block_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t block_cv = PTHREAD_COND_INITIALIZER;
static unsigned long block_gen;
static unsigned long blocked_total;

static char **children;
static size_t nchildren;

static bool
child_known(void *ctx, const char *child)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < nchildren; i++)
		if (strcmp(children[i], child) == 0)
			return true;
	return false;
}

static bool
has_cmd(const unsigned char *body, size_t len, const char *cmd)
{
	size_t n = strlen(cmd);

	return len >= n && memcmp(body, cmd, n) == 0;
}

static unsigned long
cmd_num(const unsigned char *body, size_t len, size_t skip)
{
	char buf[32];
	size_t n = len - skip < sizeof(buf) - 1 ? len - skip : sizeof(buf) - 1;

	memcpy(buf, body + skip, n);
	buf[n] = '\0';
	return strtoul(buf, NULL, 10);
}

static int
reply_text(struct http_reply *r, int status, const char *text)
{
	r->status = status;
	r->len = strlen(text);
	if ((r->body = malloc(r->len + 1)) == NULL)
		return -1;
	memcpy(r->body, text, r->len + 1);
	return 0;
}

static int
handler(void *ctx, const char *child, const unsigned char *body, size_t len,
    struct http_reply *r)
{
	(void)ctx;
	if (has_cmd(body, len, "block")) {
		pthread_mutex_lock(&block_mu);
		unsigned long gen = block_gen;
		printf("blocked %lu\n", ++blocked_total);
		fflush(stdout);
		while (gen == block_gen)
			pthread_cond_wait(&block_cv, &block_mu);
		pthread_mutex_unlock(&block_mu);
		return reply_text(r, 200, "released");
	}
	if (has_cmd(body, len, "sleep:")) {
		unsigned long ms = cmd_num(body, len, 6);
		struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		return reply_text(r, 200, "slept");
	}
	if (has_cmd(body, len, "big:")) {
		size_t n = cmd_num(body, len, 4), i;
		if ((r->body = malloc(n > 0 ? n : 1)) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			r->body[i] = (unsigned char)('a' + i % 26);
		r->len = n;
		r->status = 200;
		return 0;
	}
	if (has_cmd(body, len, "status:")) {
		r->status = (int)cmd_num(body, len, 7);
		return 0;
	}
	if (has_cmd(body, len, "type:")) {
		static char type[64];
		size_t n = len - 5 < sizeof(type) - 1 ? len - 5 : sizeof(type) - 1;
		memcpy(type, body + 5, n);  /* test-only: one writer at a time */
		type[n] = '\0';
		r->content_type = type;
		return reply_text(r, 200, "typed");
	}
	if (has_cmd(body, len, "busy")) {
		r->retry_after = 7;
		return reply_text(r, 503, "busy");
	}
	if (has_cmd(body, len, "fail"))
		return -1;
	if (has_cmd(body, len, "close")) {
		r->close = true;
		return reply_text(r, 200, "closing");
	}
	const char *who = child != NULL ? child : "-";
	size_t hl = strlen("child=") + strlen(who) + 1;
	if ((r->body = malloc(hl + len + 1)) == NULL)
		return -1;
	snprintf((char *)r->body, hl + 1, "child=%s\n", who);
	if (len > 0)
		memcpy(r->body + hl, body, len);
	r->len = hl + len;
	r->status = 200;
	return 0;
}

/* SIGUSR1 releases "block" handlers, also while the server is stopping. */
static void *
release_thread(void *arg)
{
	sigset_t usr1;
	int sig;

	(void)arg;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	for (;;) {
		if (sigwait(&usr1, &sig) != 0)
			continue;
		pthread_mutex_lock(&block_mu);
		block_gen++;
		pthread_cond_broadcast(&block_cv);
		pthread_mutex_unlock(&block_mu);
	}
	return NULL;
}

static int
split_children(const char *list)
{
	char *dup = strdup(list), *tok, *save = NULL;

	if (dup == NULL)
		return -1;
	for (tok = strtok_r(dup, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char **n = realloc(children, (nchildren + 1) * sizeof(*children));
		if (n == NULL)
			return -1;
		children = n;
		if ((children[nchildren++] = strdup(tok)) == NULL)
			return -1;
	}
	free(dup);
	return 0;
}

static int
num_opt(const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	*out = strtoul(v, &end, 10);
	return *end == '\0' && *out <= max ? 0 : -1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: updown-httpd-test [board options] [http options]\n"
	    "board options:\n%s"
	    "http options:\n"
	    "  --port N --workers N --queue N --max-conns N --max-body N\n"
	    "  --max-header N --max-headers N --idle-ms N --header-ms N --body-ms N\n"
	    "  --send-ms N --stop-ms N --retry-after N\n"
	    "  --types strict|legacy|any --shared PATH --prefix PATH --children a,b,...\n",
	    board_posix_usage());
}

/* Returns 1 consumed, 0 not ours, -1 bad. */
static int
http_arg(struct http_config *h, int argc, char **argv, int *i)
{
	static const char *const opts[] = { "--port", "--workers", "--queue", "--max-conns",
		"--max-body", "--max-header", "--max-headers", "--idle-ms", "--header-ms",
		"--body-ms", "--send-ms", "--stop-ms", "--retry-after", "--types", "--shared",
		"--prefix", "--children" };
	const char *v;
	unsigned long n = 0;
	size_t k;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
		if (strcmp(argv[*i], opts[k]) == 0)
			break;
	if (k == sizeof(opts) / sizeof(opts[0]))
		return 0;
	if (*i + 1 >= argc)
		return -1;
	v = argv[*i + 1];
	*i += 2;
	if (k < 13 && num_opt(v, 1UL << 31, &n) != 0)
		return -1;
	switch (k) {
	case 0: if (n > 65535) return -1; h->port = (uint16_t)n; break;
	case 1: h->workers = (unsigned)n; break;
	case 2: h->queue = (unsigned)n; break;
	case 3: h->max_conns = (unsigned)n; break;
	case 4: h->max_body = n; break;
	case 5: h->max_header = (unsigned)n; break;
	case 6: h->max_headers = (unsigned)n; break;
	case 7: h->idle_timeout_ms = (unsigned)n; break;
	case 8: h->header_timeout_ms = (unsigned)n; break;
	case 9: h->body_timeout_ms = (unsigned)n; break;
	case 10: h->send_timeout_ms = (unsigned)n; break;
	case 11: h->stop_timeout_ms = (unsigned)n; break;
	case 12: h->retry_after = (unsigned)n; break;
	case 13:
		if (strcmp(v, "strict") == 0)
			h->types = HTTP_TYPES_STRICT;
		else if (strcmp(v, "legacy") == 0)
			h->types = HTTP_TYPES_LEGACY;
		else if (strcmp(v, "any") == 0)
			h->types = HTTP_TYPES_ANY;
		else
			return -1;
		break;
	case 14: h->shared_path = v; break;
	case 15: h->child_prefix = v; break;
	case 16:
		if (split_children(v) != 0)
			return -1;
		h->child_known = child_known;
		break;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	struct board_posix_config bc;
	struct board_posix *board = NULL;
	struct http_config hc;
	struct http_server *srv = NULL;
	const struct hal *hal;
	sigset_t set, stop;
	pthread_t rel;
	int i, rc, sig, status = 1;

	board_posix_config_init(&bc);
	http_config_init(&hc);
	hc.handler = handler;
	hc.shared_path = "/updown";
	hc.child_prefix = "/updown/";
	for (i = 1; i < argc;) {
		if ((rc = board_posix_parse_arg(&bc, argc, argv, &i)) < 0)
			return 2;
		if (rc == 1)
			continue;
		if ((rc = http_arg(&hc, argc, argv, &i)) == 1)
			continue;
		fprintf(stderr, "updown-httpd-test: bad or unknown option %s\n", argv[i]);
		usage();
		return 2;
	}

	/* Signals go to sigwait() below; every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (pthread_create(&rel, NULL, release_thread, NULL) != 0 || pthread_detach(rel) != 0)
		return 1;

	if (board_posix_open(&bc, &board) != 0)
		goto out;
	hal = board_posix_hal(board);
	hc.clock = &hal->clock;
	hc.log = &hal->log;
	if ((rc = fw_lwip_start(&hal->entropy, &hal->log)) != 0) {
		fprintf(stderr, "updown-httpd-test: lwIP: %d\n", rc);
		goto out;
	}
	if ((rc = hal->net.ops->up(hal->net.state, NULL)) != 0) {
		fprintf(stderr, "updown-httpd-test: network: %d\n", rc);
		goto out;
	}
	if ((rc = http_server_start(&hc, &srv)) != 0) {
		fprintf(stderr, "updown-httpd-test: http: %d\n", rc);
		goto out;
	}
	printf("ready\n");
	fflush(stdout);

	while (sigwait(&stop, &sig) != 0)
		;
	struct http_stats st;
	struct fw_lwip_stats ls;
	http_server_stop(srv, &st);
	srv = NULL;
	fw_lwip_get_stats(&ls);
	printf("stats accepted=%llu refused_conns=%llu requests=%llu queue_full=%llu "
	    "1xx=%llu 2xx=%llu 3xx=%llu 4xx=%llu 5xx=%llu timeouts=%llu aborted=%llu conns_max=%u\n",
	    (unsigned long long)st.accepted, (unsigned long long)st.refused_conns,
	    (unsigned long long)st.requests, (unsigned long long)st.queue_full,
	    (unsigned long long)st.status[1], (unsigned long long)st.status[2],
	    (unsigned long long)st.status[3], (unsigned long long)st.status[4],
	    (unsigned long long)st.status[5], (unsigned long long)st.timeouts,
	    (unsigned long long)st.aborted, st.conns_max);
	printf("lwip heap_max=%u heap_err=%u pcb_max=%u pcb_err=%u seg_max=%u seg_err=%u "
	    "pool_max=%u pool_err=%u static_bytes=%u link_drop=%u\n",
	    ls.heap.max, ls.heap.err, ls.tcp_pcb.max, ls.tcp_pcb.err, ls.tcp_seg.max,
	    ls.tcp_seg.err, ls.pbuf_pool.max, ls.pbuf_pool.err, ls.static_bytes, ls.link_drop);
	fflush(stdout);
	status = 0;
out:
	http_server_stop(srv, NULL);
	board_posix_close(board);
	for (size_t k = 0; k < nchildren; k++)
		free(children[k]);
	free(children);
	return status;
}
