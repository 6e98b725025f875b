/*
 * The lwIP port (firmware/lwip), in-process, no network: lwIP starts once,
 * seeded from the HAL entropy source (and refuses to start when that
 * fails); LWIP_RAND draws from it; TCP initial sequence numbers follow
 * RFC 6528 (keyed per 4-tuple, advancing with a 4 us clock); the options
 * are the appliance's (no forwarding, no UDP, ...); a raw-API call without
 * the core lock fails lwIP's assertion, which logs and aborts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/opt.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"

#include "fw_lwip.h"
#include "fw_lwip_hooks.h"

static unsigned long entropy_calls, entropy_bytes;
static int entropy_broken;
static uint64_t xs = 0x9e3779b97f4a7c15ull;

/* A deterministic "entropy" source that counts its use (test only). */
static int
fake_fill(void *state, unsigned char *buf, size_t len)
{
	(void)state;
	if (entropy_broken)
		return HAL_ERR_IO;
	entropy_calls++;
	entropy_bytes += len;
	while (len-- > 0) {
		xs ^= xs << 13;
		xs ^= xs >> 7;
		xs ^= xs << 17;
		*buf++ = (unsigned char)xs;
	}
	return 0;
}

static const struct hal_entropy_ops fake_ops = { .fill = fake_fill };
static const struct hal_entropy fake_entropy = { &fake_ops, NULL };

static void
test_start(void **state)
{
	struct fw_lwip_stats st;

	(void)state;
	/* Not started: zero stats. A failing source: refused, and start may be retried. */
	fw_lwip_get_stats(&st);
	assert_int_equal(st.static_bytes, 0);
	assert_int_equal(fw_lwip_start(NULL, NULL), FW_LWIP_ERR_ARG);
	entropy_broken = 1;
	assert_int_equal(fw_lwip_start(&fake_entropy, NULL), FW_LWIP_ERR_ENTROPY);
	entropy_broken = 0;
	assert_int_equal(fw_lwip_start(&fake_entropy, NULL), 0);
	/* The 256-bit ISN key, then LWIP_RAND for the first local port (tcp_init). */
	assert_int_equal(entropy_bytes, 32 + 4);
	assert_int_equal(fw_lwip_start(&fake_entropy, NULL), FW_LWIP_ERR_STATE);
	fw_lwip_get_stats(&st);
	assert_true(st.static_bytes >= MEM_SIZE);
	assert_int_equal(st.tcp_pcb.avail, MEMP_NUM_TCP_PCB);
	assert_int_equal(st.pbuf_pool.avail, PBUF_POOL_SIZE);
}

static void
test_options(void **state)
{
	(void)state;
	/* The appliance's feature set (lwipopts.h). */
	assert_int_equal(LWIP_VERSION_MAJOR * 10000 + LWIP_VERSION_MINOR * 100 + LWIP_VERSION_REVISION, 20103);
	assert_int_equal(IP_FORWARD, 0);
	assert_int_equal(LWIP_UDP, 0);
	assert_int_equal(LWIP_DHCP, 0);
	assert_int_equal(LWIP_IPV6, 0);
	assert_int_equal(LWIP_SOCKET, 0);
	assert_int_equal(LWIP_COMPAT_SOCKETS, 0);
	assert_int_equal(LWIP_POSIX_SOCKETS_IO_NAMES, 0);
	assert_int_equal(LWIP_TCPIP_CORE_LOCKING, 1);
	assert_true(MEMP_NUM_TCP_PCB >= 64 + 64);
	assert_true(TCP_WND >= 4 * TCP_MSS && TCP_SND_BUF >= 4 * TCP_MSS);
	assert_true(PBUF_POOL_BUFSIZE >= 1514);
#ifdef LWIP_NOASSERT
	fail_msg("LWIP_NOASSERT is defined");
#endif
}

/* RFC 6528: F keyed per 4-tuple, plus M ticking every 4 us. */
static void
test_isn_rfc6528(void **state)
{
	ip_addr_t a, b;
	u32_t i1, i2, j;
	int differ = 0, k;

	(void)state;
	IP_ADDR4(&a, 10, 77, 0, 2);
	IP_ADDR4(&b, 10, 77, 0, 1);
	i1 = fw_lwip_tcp_isn(&a, 80, &b, 40000);
	usleep(20000);
	i2 = fw_lwip_tcp_isn(&a, 80, &b, 40000);
	/* Same tuple: only M moved, by about 20 ms / 4 us = 5000 (allow scheduling slack). */
	assert_true(i2 - i1 >= 4000 && i2 - i1 < 4000000);
	/* Other tuples: F differs (a 32-bit hash; 16 tries never all collide). */
	for (k = 0; k < 16; k++) {
		j = fw_lwip_tcp_isn(&a, 80, &b, (u16_t)(40001 + k));
		if ((u32_t)(j - i2) > 4000000u)
			differ++;
	}
	assert_true(differ >= 15);
	/* LWIP_RAND comes from the entropy source. */
	unsigned long before = entropy_calls;
	(void)fw_lwip_rand();
	assert_int_equal(entropy_calls, before + 1);
}

/* A raw-API call without the core lock: lwIP asserts, we log and abort. */
static void
test_core_lock_assert(void **state)
{
	int st;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* No lock held: LWIP_ASSERT_CORE_LOCKED fires inside tcp_new(). */
		(void)tcp_new();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
	/* With the lock it works. */
	LOCK_TCPIP_CORE();
	struct tcp_pcb *p = tcp_new();
	assert_non_null(p);
	assert_int_equal(tcp_close(p), ERR_OK);
	UNLOCK_TCPIP_CORE();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_isn_rfc6528),
		cmocka_unit_test(test_core_lock_assert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
