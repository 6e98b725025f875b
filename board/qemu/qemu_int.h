/*
 * board/qemu internals shared by its files (not installed).
 */
#ifndef UPDOWN_BOARD_QEMU_INT_H
#define UPDOWN_BOARD_QEMU_INT_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>

#include "hal/hal.h"
#include "lwip/netif.h"

/* Largest frame accepted or sent: 1500-byte MTU + Ethernet header + a VLAN tag. */
#define PACKET_FRAME_MAX 1522

/* The AF_PACKET interface (netif_packet.c); the hal_net backend's state. */
struct packet_if {
	struct netif netif;
	char name[IFNAMSIZ];
	struct hal_net_addr conf;   /* configured addressing (MAC/MTU 0: the NIC's) */
	struct hal_net_addr cur;    /* in use while up */
	const struct hal_log *log;
	int fd;                     /* AF_PACKET socket bound to the NIC, -1 when down */
	int wake[2];                /* pipe: a byte stops the receive thread */
	pthread_t rx;
	struct fw_lwip_txq *txq;    /* frames leave after the core lock is released */
	bool up;
	/* Counters (rx: the receive thread; tx: the txq's one writer at a time). */
	unsigned long rx_frames, rx_drop, rx_big, tx_frames, tx_drop;
};

extern const struct hal_net_ops board_qemu_packet_ops;

/* board_qemu_packet_init: an interface that is down, with the given configuration. */
void board_qemu_packet_init(struct packet_if *p, const char *name, const struct hal_net_addr *conf,
    const struct hal_log *log);

#endif
