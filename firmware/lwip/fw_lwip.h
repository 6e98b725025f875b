/*
 * The firmware's lwIP: start the stack, read its counters.
 *
 * lwIP 2.1.3 is compiled from third_party/lwip with lwipopts.h in this
 * directory (library fw_lwip, firmware/lwip.cmake). This header is the
 * port's face towards the firmware and the boards; lwIP's own headers
 * (lwip/tcp.h, lwip/tcpip.h, lwip/netif.h, ...) come with the same target.
 *
 * Threading: after fw_lwip_start() the tcpip thread runs lwIP's timers.
 * Every raw-API call must be made with the core lock held:
 * LOCK_TCPIP_CORE() / UNLOCK_TCPIP_CORE() from lwip/tcpip.h (callbacks
 * that lwIP invokes already hold it). Breaking that rule fails an
 * assertion, which logs and aborts.
 */
#ifndef UPDOWN_FW_LWIP_H
#define UPDOWN_FW_LWIP_H

#include <stddef.h>
#include <stdint.h>

#include "hal/entropy.h"
#include "hal/log.h"
#include "lwip/err.h"
#include "lwip/pbuf.h"

#define FW_LWIP_ERR_ARG     -0x2201 /* NULL entropy source */
#define FW_LWIP_ERR_STATE   -0x2202 /* already started (once per process) */
#define FW_LWIP_ERR_ENTROPY -0x2203 /* the entropy source failed */
#define FW_LWIP_ERR_NOMEM   -0x2204

/*
 * fw_lwip_start: seed the port from entropy (a fresh 256-bit key for the
 * RFC 6528 sequence-number function, then LWIP_RAND draws from it
 * directly), remember log for assertions and diagnostics, initialise lwIP
 * and start its tcpip thread; returns when the stack is ready. Once per
 * process (lwIP cannot be torn down). entropy and log (log may be NULL:
 * stderr) must stay valid for the life of the process.
 * Returns 0 or FW_LWIP_ERR_*.
 */
int fw_lwip_start(const struct hal_entropy *entropy, const struct hal_log *log);

/*
 * Deferred transmission, for the boards' netif drivers. linkoutput runs
 * with the core lock held; a driver that writes the frame to its device
 * there keeps every other thread that needs lwIP (the receive thread,
 * workers sending replies) waiting through the system call, and on a TAP
 * device through the peer's TCP receive path too, which the kernel runs
 * inside that write. Instead, linkoutput hands the frame to
 * fw_lwip_txq_output(), which copies it into the queue; whichever thread
 * next releases the core lock writes the queued frames with the driver's
 * write function just after releasing it: in order, one thread at a time
 * per queue. A full queue (FW_LWIP_TXQ_FRAMES) is written out at once,
 * under the lock, as without a queue. write returns 0, or nonzero for a
 * frame it dropped (counted in link_drop; TCP retransmits); it runs
 * without the core lock, so it must not call lwIP.
 */
#define FW_LWIP_TXQ_FRAMES 64

typedef int (*fw_lwip_write_fn)(void *ctx, const unsigned char *frame, size_t len);
struct fw_lwip_txq;

/* A queue of frames up to frame_max bytes for write(ctx, ...). *out: fw_lwip_txq_free. */
int fw_lwip_txq_new(size_t frame_max, fw_lwip_write_fn write, void *ctx,
                    struct fw_lwip_txq **out);

/* netif->linkoutput's work (core lock held): queue a copy of p. */
err_t fw_lwip_txq_output(struct fw_lwip_txq *q, struct pbuf *p);

/*
 * Write out what q holds and free it; write is not called after. The netif
 * must be removed first (nothing may queue to q any more). Accepts NULL.
 */
void fw_lwip_txq_free(struct fw_lwip_txq *q);

/* A pool's use: now, the high-water mark, and failed allocations. */
struct fw_lwip_use {
	uint32_t used;
	uint32_t max;
	uint32_t avail;
	uint32_t err;
};

struct fw_lwip_stats {
	struct fw_lwip_use heap;       /* MEM_SIZE heap, bytes */
	struct fw_lwip_use tcp_pcb;    /* MEMP_NUM_TCP_PCB */
	struct fw_lwip_use tcp_seg;    /* MEMP_NUM_TCP_SEG */
	struct fw_lwip_use pbuf_pool;  /* PBUF_POOL_SIZE */
	uint32_t link_rx, link_tx, link_drop;
	uint32_t tcp_rx, tcp_tx, tcp_drop, tcp_memerr;
	uint32_t static_bytes;         /* lwIP's heap + pools, as sized at build */
};

/*
 * fw_lwip_get_stats: lwIP's counters, read under the core lock (call from
 * a thread that does not hold it). Zeroes *out if lwIP is not started.
 */
void fw_lwip_get_stats(struct fw_lwip_stats *out);

#endif
