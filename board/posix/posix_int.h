/*
 * board/posix internals shared by its files (not installed).
 */
#ifndef UPDOWN_BOARD_POSIX_INT_H
#define UPDOWN_BOARD_POSIX_INT_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>

#include "hal/hal.h"
#include "lwip/netif.h"

/* The TAP interface (netif_tap.c); the hal_net backend's state. */
struct tap_if {
	struct netif netif;
	char name[IFNAMSIZ];
	struct hal_net_addr conf;   /* configured addressing */
	struct hal_net_addr cur;    /* in use while up */
	const struct hal_entropy *entropy;
	const struct hal_log *log;
	int fd;                     /* /dev/net/tun, -1 when down */
	int wake[2];                /* pipe: a byte stops the receive thread */
	pthread_t rx;
	struct fw_lwip_txq *txq;    /* frames leave after the core lock is released */
	bool up;
	/* Counters (rx: the receive thread; tx: the txq's one writer at a time). */
	unsigned long rx_frames, rx_drop, tx_frames, tx_drop;
};

extern const struct hal_net_ops board_posix_tap_ops;

/* tap_if_init: an interface that is down, with the given configuration. */
void board_posix_tap_init(struct tap_if *t, const char *name, const struct hal_net_addr *conf,
    const struct hal_entropy *entropy, const struct hal_log *log);

#endif
