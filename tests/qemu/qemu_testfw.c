/*
 * The QEMU boot test's firmware (tests/qemu): proves the board end to end
 * until the appliance's own main program exists.
 *
 * Inside the VM it opens the qemu board (board/qemu.h), counts the boot in
 * the storage root (persistent: ext4 on the data disk), reads the PIN from
 * fw_cfg through the HAL, logs in to the SoftHSM token on the data disk and
 * signs with a session key, starts lwIP on the NIC (AF_PACKET) and serves
 * the project's HTTP server (firmware/http.h) on port 80. Every POST to
 * /test is answered 200, text/plain:
 *
 *   updown-qemu-testfw ok
 *   body-sha256 <hex of the request body>
 *   body-len <n>
 *   boots <n>
 *   hsm ok | hsm error <message>
 *   utc <seconds> | utc error <code>
 *
 * Options: the board's (board_qemu_usage()), and --no-hsm-check (skip the
 * token login and signature: "hsm skipped"; bench/bench_boot.sh measures
 * boot-to-serving without the test's RSA key generation).
 *
 * SIGTERM (passed on by /init) stops the server and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "board/qemu.h"
#include "crypto/signer.h"
#include "firmware/http.h"
#include "fw_lwip.h"

#define PIN_MAX 128

struct testfw {
	const struct hal *hal;
	unsigned long boots;
	char hsm[256];
};

/* Count this boot in <root>/boot-count (write, fsync, rename). */
static unsigned long
count_boot(const struct hal *hal)
{
	const char *root = hal->storage.ops->root(hal->storage.state);
	char path[512], tmp[512], buf[32];
	unsigned long n = 0;
	FILE *f;
	int fd, len;

	if (root == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/boot-count", root);
	snprintf(tmp, sizeof(tmp), "%s/boot-count.tmp", root);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 0;
		fclose(f);
	}
	n++;
	len = snprintf(buf, sizeof(buf), "%lu\n", n);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, buf, (size_t)len) != len || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		hal_logf(&hal->log, HAL_LOG_ERR, "testfw: cannot write %s: %s", path,
		    strerror(errno));
		return 0;
	}
	return n;
}

/* Log in to the token with the HAL's PIN, make a session key and sign once. */
static void
check_hsm(struct testfw *t)
{
	const struct hal_hsm *h = &t->hal->hsm;
	struct signer_p11_config cfg;
	struct signer *s = NULL;
	struct signer_key *key = NULL;
	char pin[PIN_MAX], uri[1024];
	unsigned char sig[SIGNER_MAX_SIG];
	size_t pinlen = 0, siglen, i, o;
	int rc;

	snprintf(t->hsm, sizeof(t->hsm), "error");
	if ((rc = h->ops->pin(h->state, pin, sizeof(pin), &pinlen)) != 0) {
		snprintf(t->hsm, sizeof(t->hsm), "error no PIN (hal %d)", rc);
		return;
	}
	/* token URI + ";"/"?" pin-value=<percent-encoded PIN> */
	o = (size_t)snprintf(uri, sizeof(uri), "%s%spin-value=", h->ops->token(h->state),
	    strchr(h->ops->token(h->state), '?') != NULL ? "&" : "?");
	for (i = 0; i < pinlen && o + 4 < sizeof(uri); i++)
		o += (size_t)snprintf(uri + o, sizeof(uri) - o, "%%%02X", (unsigned char)pin[i]);
	mbedtls_platform_zeroize(pin, sizeof(pin));
	signer_p11_config_init(&cfg);
	cfg.module = h->ops->module(h->state);
	cfg.token_uri = uri;
	if ((rc = signer_p11_open(&cfg, &s)) != 0 ||
	    (rc = signer_key_generate(s, "qemu-boot-check", SIGNER_KEY_SESSION, &key)) != 0 ||
	    (rc = signer_sign(s, key, (const unsigned char *)"updown", 6, sig, sizeof(sig),
	    &siglen)) != 0)
		snprintf(t->hsm, sizeof(t->hsm), "error %s", signer_last_error());
	else
		snprintf(t->hsm, sizeof(t->hsm), "ok");
	mbedtls_platform_zeroize(uri, sizeof(uri));
	if (key != NULL)
		(void)signer_key_destroy(s, key);
	signer_close(s);
}

static int
handler(void *ctx, const char *child, const unsigned char *body, size_t len,
    struct http_reply *reply)
{
	struct testfw *t = ctx;
	unsigned char md[32];
	char hex[65], out[512];
	time_t now;
	int n, rc;
	size_t i;

	(void)child;
	if (mbedtls_sha256_ret(body, len, md, 0) != 0)
		return -1;
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	rc = hal_clock_now(&t->hal->clock, &now);
	n = snprintf(out, sizeof(out),
	    "updown-qemu-testfw ok\nbody-sha256 %s\nbody-len %zu\nboots %lu\nhsm %s\n", hex, len,
	    t->boots, t->hsm);
	if (rc == 0)
		n += snprintf(out + n, sizeof(out) - (size_t)n, "utc %" PRIdMAX "\n", (intmax_t)now);
	else
		n += snprintf(out + n, sizeof(out) - (size_t)n, "utc error %d\n", rc);
	if ((reply->body = malloc((size_t)n)) == NULL)
		return -1;
	memcpy(reply->body, out, (size_t)n);
	reply->len = (size_t)n;
	reply->status = 200;
	reply->content_type = "text/plain";
	return 0;
}

int
main(int argc, char **argv)
{
	struct board_qemu_config bcfg;
	struct board_qemu *b = NULL;
	struct http_config hcfg;
	struct http_server *srv = NULL;
	struct http_stats st;
	struct testfw t;
	sigset_t sigs;
	int i, r, sig, rc = 1;
	bool hsm_check = true;

	board_qemu_config_init(&bcfg);
	for (i = 1; i < argc;) {
		if (strcmp(argv[i], "--no-hsm-check") == 0) {
			hsm_check = false;
			i++;
			continue;
		}
		if ((r = board_qemu_parse_arg(&bcfg, argc, argv, &i)) < 0)
			return 2;
		if (r == 0) {
			fprintf(stderr, "usage: %s [--no-hsm-check] [board options]\n%s", argv[0],
			    board_qemu_usage());
			return 2;
		}
	}
	/* Block the stop signals in every thread; main waits for them below. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (board_qemu_open(&bcfg, &b) != 0) {
		fprintf(stderr, "testfw: board_qemu_open failed\n");
		return 1;
	}
	memset(&t, 0, sizeof(t));
	t.hal = board_qemu_hal(b);
	hal_logf(&t.hal->log, HAL_LOG_INFO, "testfw: starting");
	t.boots = count_boot(t.hal);
	if (hsm_check)
		check_hsm(&t);
	else
		snprintf(t.hsm, sizeof(t.hsm), "skipped");
	hal_logf(&t.hal->log, HAL_LOG_INFO, "testfw: boot %lu, hsm %s", t.boots, t.hsm);
	if ((r = fw_lwip_start(&t.hal->entropy, &t.hal->log)) != 0) {
		hal_logf(&t.hal->log, HAL_LOG_ERR, "testfw: fw_lwip_start: %d", r);
		goto out;
	}
	if ((r = t.hal->net.ops->up(t.hal->net.state, NULL)) != 0) {
		hal_logf(&t.hal->log, HAL_LOG_ERR, "testfw: net up: %d", r);
		goto out;
	}
	http_config_init(&hcfg);
	hcfg.port = 80;
	hcfg.shared_path = "/test";
	hcfg.types = HTTP_TYPES_ANY;
	hcfg.handler = handler;
	hcfg.ctx = &t;
	hcfg.clock = &t.hal->clock;
	hcfg.log = &t.hal->log;
	if ((r = http_server_start(&hcfg, &srv)) != 0) {
		hal_logf(&t.hal->log, HAL_LOG_ERR, "testfw: http_server_start: %d", r);
		goto out;
	}
	hal_logf(&t.hal->log, HAL_LOG_INFO, "testfw: serving HTTP on port 80");
	do
		r = sigwait(&sigs, &sig);
	while (r != 0);
	hal_logf(&t.hal->log, HAL_LOG_INFO, "testfw: signal %d, stopping", sig);
	rc = 0;
out:
	if (srv != NULL) {
		http_server_stop(srv, &st);
		hal_logf(&t.hal->log, HAL_LOG_INFO, "testfw: stopped after %" PRIu64
		    " connections, %" PRIu64 " requests", st.accepted, st.requests);
	}
	board_qemu_close(b);
	return rc;
}
