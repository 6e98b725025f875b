/*
 * hal/net: the appliance's one network interface.
 *
 * The board owns the driver: a netif written against lwIP's netif API
 * (posix: a TAP device; qemu: an AF_PACKET socket on the VM's NIC). The
 * firmware starts lwIP first (firmware/lwip/fw_lwip.h: fw_lwip_start), then
 * calls up(), which adds the netif to lwIP with the addressing below, makes
 * it the default, sets it and its link up and starts the receive thread.
 * up() and down() take lwIP's core lock themselves: call them from a thread
 * that does not hold it.
 *
 * Addresses are IPv4 in network byte order as four octets (a.b.c.d is
 * {a, b, c, d}). up(state, NULL) uses the board's configured addressing;
 * a non-NULL want overrides it. A MAC of all zeros means "the board
 * chooses" (posix: a random locally administered unicast address from the
 * entropy source). mtu 0 means the device's.
 *
 * All return 0 or a HAL_ERR_* code; down() may be called when not up.
 */
#ifndef UPDOWN_HAL_NET_H
#define UPDOWN_HAL_NET_H

#include <stdint.h>

#include "hal/err.h"

struct hal_net_addr {
	uint8_t addr[4];
	uint8_t netmask[4];
	uint8_t gw[4];     /* 0.0.0.0: no gateway (on-link peers only) */
	uint8_t mac[6];
	uint16_t mtu;
};

struct hal_net_ops {
	int (*up)(void *state, const struct hal_net_addr *want);
	int (*addr)(void *state, struct hal_net_addr *out);
	void (*down)(void *state);
};

struct hal_net {
	const struct hal_net_ops *ops;
	void *state;
};

#endif
