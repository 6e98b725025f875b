/*
 * lwIP port (updown): start-up, entropy (LWIP_RAND, RFC 6528 TCP initial
 * sequence numbers), assertions and diagnostics through the HAL log, and
 * core-lock bookkeeping for LWIP_ASSERT_CORE_LOCKED.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/priv/memp_priv.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#include "fw_lwip.h"
#include "fw_lwip_hooks.h"

static const struct hal_entropy *port_entropy;
static const struct hal_log *port_log;
static atomic_int port_started;
/* Set once the tcpip thread runs; lwip_init() itself runs unlocked. */
static atomic_int tcpip_running;
/* Does this thread hold lock_tcpip_core? */
static _Thread_local int core_held;
/* RFC 6528 secret key for F(); fixed for the life of the process. */
static unsigned char isn_key[32];

/*
 * fw_lwip_assert_fail: LWIP_PLATFORM_ASSERT. Logs at ERR (stderr if no log
 * yet) and aborts: a broken lwIP invariant must not be served through.
 */
void
fw_lwip_assert_fail(const char *msg, const char *file, int line)
{
	if (port_log != NULL)
		hal_logf(port_log, HAL_LOG_ERR, "lwip: assertion \"%s\" failed at %s:%d",
		    msg, file, line);
	else
		fprintf(stderr, "lwip: assertion \"%s\" failed at %s:%d\n", msg, file, line);
	abort();
}

/* fw_lwip_diag: LWIP_PLATFORM_DIAG (only with LWIP_DEBUG), at DEBUG. */
void
fw_lwip_diag(const char *fmt, ...)
{
	char line[HAL_LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	line[strcspn(line, "\n")] = '\0';
	hal_logf(port_log, HAL_LOG_DEBUG, "lwip: %s", line);
}

/*
 * fw_lwip_rand: LWIP_RAND, four bytes from the HAL entropy source. lwIP
 * has no way to fail here, so a failing source aborts (fail closed).
 */
uint32_t
fw_lwip_rand(void)
{
	unsigned char b[4];

	if (port_entropy == NULL || hal_entropy_rng((void *)port_entropy, b, sizeof(b)) != 0)
		fw_lwip_assert_fail("entropy source failed", __FILE__, __LINE__);
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * fw_lwip_tcp_isn: LWIP_HOOK_TCP_ISN, RFC 6528 section 3:
 * ISN = M + F(localip, localport, remoteip, remoteport, secretkey), with M
 * a 4-microsecond timer and F the first 32 bits of
 * SHA-256(key || localip || localport || remoteip || remoteport).
 * Called by lwIP with the core lock held.
 */
u32_t
fw_lwip_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
    const ip_addr_t *remote_ip, u16_t remote_port)
{
	unsigned char in[sizeof(isn_key) + 12], h[32];
	struct timespec ts;
	uint32_t la, ra, m, f;

	la = ip4_addr_get_u32(ip_2_ip4(local_ip));
	ra = ip4_addr_get_u32(ip_2_ip4(remote_ip));
	memcpy(in, isn_key, sizeof(isn_key));
	memcpy(in + 32, &la, 4);
	in[36] = (unsigned char)(local_port >> 8);
	in[37] = (unsigned char)local_port;
	memcpy(in + 38, &ra, 4);
	in[42] = (unsigned char)(remote_port >> 8);
	in[43] = (unsigned char)remote_port;
	if (mbedtls_sha256_ret(in, sizeof(in), h, 0) != 0)
		fw_lwip_assert_fail("SHA-256 failed", __FILE__, __LINE__);
	mbedtls_platform_zeroize(in, sizeof(in));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	m = (uint32_t)((uint64_t)ts.tv_sec * 250000u + (uint64_t)ts.tv_nsec / 4000u);
	f = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	return m + f;
}

/* LOCK_TCPIP_CORE(): take lwIP's core lock and note it for this thread. */
void
fw_lwip_lock_core(void)
{
	sys_mutex_lock(&lock_tcpip_core);
	core_held = 1;
}

/* UNLOCK_TCPIP_CORE(); then the frames queued meanwhile leave (fw_lwip_txq_output). */
void
fw_lwip_unlock_core(void)
{
	core_held = 0;
	sys_mutex_unlock(&lock_tcpip_core);
	fw_lwip_txq_after_unlock();
}

/* LWIP_ASSERT_CORE_LOCKED(): once the stack runs, the caller holds the lock. */
void
fw_lwip_assert_core_locked(void)
{
	if (atomic_load(&tcpip_running) && !core_held)
		fw_lwip_assert_fail("function called without the core lock", __FILE__, __LINE__);
}

/* LWIP_MARK_TCPIP_THREAD(): the tcpip thread has started. */
void
fw_lwip_mark_tcpip_thread(void)
{
	atomic_store(&tcpip_running, 1);
}

static void
tcpip_ready(void *arg)
{
	sys_sem_signal((sys_sem_t *)arg);
}

/* fw_lwip_start: see fw_lwip.h. */
int
fw_lwip_start(const struct hal_entropy *entropy, const struct hal_log *log)
{
	sys_sem_t ready;
	int expected = 0;

	if (entropy == NULL)
		return FW_LWIP_ERR_ARG;
	if (!atomic_compare_exchange_strong(&port_started, &expected, 1))
		return FW_LWIP_ERR_STATE;
	port_entropy = entropy;
	port_log = log;
	if (hal_entropy_rng((void *)entropy, isn_key, sizeof(isn_key)) != 0) {
		atomic_store(&port_started, 0);
		return FW_LWIP_ERR_ENTROPY;
	}
	if (sys_sem_new(&ready, 0) != ERR_OK) {
		atomic_store(&port_started, 0);
		return FW_LWIP_ERR_NOMEM;
	}
	tcpip_init(tcpip_ready, &ready);
	sys_sem_wait(&ready);
	sys_sem_free(&ready);
	hal_logf(log, HAL_LOG_INFO, "lwip: %s started (heap %u KiB, %u TCP pcbs, %u pool pbufs)",
	    LWIP_VERSION_STRING, (unsigned)(MEM_SIZE / 1024), (unsigned)MEMP_NUM_TCP_PCB,
	    (unsigned)PBUF_POOL_SIZE);
	return 0;
}

static void
use_from(struct fw_lwip_use *u, const struct stats_mem *m)
{
	u->used = m->used;
	u->max = m->max;
	u->avail = m->avail;
	u->err = m->err;
}

/* fw_lwip_get_stats: see fw_lwip.h. */
void
fw_lwip_get_stats(struct fw_lwip_stats *out)
{
	uint32_t bytes = MEM_SIZE;
	int i;

	memset(out, 0, sizeof(*out));
	if (!atomic_load(&port_started))
		return;
	for (i = 0; i < MEMP_MAX; i++)
		bytes += (uint32_t)memp_pools[i]->size * memp_pools[i]->num;
	LOCK_TCPIP_CORE();
	use_from(&out->heap, &lwip_stats.mem);
	use_from(&out->tcp_pcb, lwip_stats.memp[MEMP_TCP_PCB]);
	use_from(&out->tcp_seg, lwip_stats.memp[MEMP_TCP_SEG]);
	use_from(&out->pbuf_pool, lwip_stats.memp[MEMP_PBUF_POOL]);
	out->link_rx = lwip_stats.link.recv;
	out->link_tx = lwip_stats.link.xmit;
	out->link_drop = lwip_stats.link.drop + fw_lwip_txq_write_failed();
	out->tcp_rx = lwip_stats.tcp.recv;
	out->tcp_tx = lwip_stats.tcp.xmit;
	out->tcp_drop = lwip_stats.tcp.drop;
	out->tcp_memerr = lwip_stats.tcp.memerr;
	UNLOCK_TCPIP_CORE();
	out->static_bytes = bytes;
}
