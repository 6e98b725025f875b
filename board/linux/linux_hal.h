/*
 * What the Linux boards share: kernel services (board/linux/linux.c) and
 * command-line value parsing (board/linux/linux_args.c).
 */
#ifndef UPDOWN_BOARD_LINUX_HAL_H
#define UPDOWN_BOARD_LINUX_HAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "hal/entropy.h"
#include "hal/log.h"

/* hal_clock_ops.monotonic: CLOCK_MONOTONIC; 0 or HAL_ERR_IO (state unused). */
int board_linux_monotonic(void *state, struct timespec *now);
/* The entropy HAL of both boards: getrandom(2) (state unused). */
extern const struct hal_entropy_ops board_linux_entropy_ops;

/* Decimal 0..max, the whole string, no sign; 0 or -1. */
int board_linux_parse_uint(const char *s, unsigned long max, unsigned long *out);
/*
 * "a.b.c.d" into four octets (each 0..255, no leading zeros); with prefix
 * != NULL also "a.b.c.d/N" (N 0..32; *prefix = 32 without one). 0 or
 * HAL_ERR_ARG.
 */
int board_linux_parse_ipv4(const char *s, unsigned char out[4], int *prefix);
/* "xx:xx:xx:xx:xx:xx", a unicast address; 0 or -1. */
int board_linux_parse_mac(const char *s, uint8_t mac[6]);
/* Netmask of a prefix length 0..32. */
void board_linux_prefix_to_mask(int prefix, uint8_t mask[4]);
/* "err", "warn", "info" or "debug"; 0 or -1. */
int board_linux_parse_log_level(const char *s, enum hal_log_level *level);

#endif
