/*
 * board/posix: the firmware as a Linux process.
 *
 * Implements hal/ with Linux calls: clock_gettime (UTC and monotonic),
 * getrandom(2) (entropy), a storage directory from the configuration, the
 * PKCS#11 module, token URI and a PIN file from the configuration, the log
 * on stderr, and the network interface: lwIP on a TAP device (IFF_TAP |
 * IFF_NO_PI, /dev/net/tun) through a netif driver written against lwIP's
 * netif API (netif_tap.c). Run it inside a network namespace that holds the
 * TAP device (tests/firmware/http/netns.c, the demo), so nothing outside the
 * namespace is touched: lwIP owns its own address on the TAP link, the
 * kernel side of the TAP device has another.
 *
 * Use:
 *   struct board_posix_config cfg;
 *   board_posix_config_init(&cfg);
 *   ... board_posix_parse_arg() for each argv word, or fill cfg ...
 *   board_posix_open(&cfg, &b);
 *   const struct hal *hal = board_posix_hal(b);
 *   fw_lwip_start(&hal->entropy, &hal->log);     (firmware/lwip/fw_lwip.h)
 *   hal->net.ops->up(hal->net.state, NULL);
 *   ...
 *   board_posix_close(b);                        (takes the netif down)
 */
#ifndef UPDOWN_BOARD_POSIX_H
#define UPDOWN_BOARD_POSIX_H

#include "hal/hal.h"

struct board_posix_config {
	const char *tap;            /* TAP device name; default "tap0" */
	struct hal_net_addr net;    /* lwIP's address/netmask/gateway, MAC, MTU */
	const char *storage_dir;    /* NULL: no persistent storage */
	const char *pkcs11_module;  /* PKCS#11 module path, or NULL */
	const char *token_uri;      /* RFC 7512 token URI, or NULL */
	const char *pin_file;       /* file holding the user PIN, or NULL */
	enum hal_log_level log_level; /* default HAL_LOG_INFO */
};

struct board_posix;

/* board_posix_config_init: defaults (tap0, no address, INFO). */
void board_posix_config_init(struct board_posix_config *cfg);

/*
 * board_posix_parse_arg: if argv[*i] is a board option, store it (and its
 * value, argv[*i + 1]) into cfg, advance *i past what it used and return 1;
 * return 0 if it is not a board option (*i unchanged), HAL_ERR_ARG with a
 * message on stderr if it is one with a missing or bad value. The strings
 * stored point into argv. Options: see board_posix_usage().
 */
int board_posix_parse_arg(struct board_posix_config *cfg, int argc, char **argv, int *i);

/* board_posix_usage: the board options, one per line, for --help texts. */
const char *board_posix_usage(void);

/*
 * board_posix_open: check and copy cfg (strings are copied) and set up the
 * HAL; the network stays down until hal->net.ops->up(). Fails (HAL_ERR_ARG)
 * if storage_dir is given but is not a directory. *out is owned by the
 * caller: release it with board_posix_close().
 * Returns 0 or HAL_ERR_*.
 */
int board_posix_open(const struct board_posix_config *cfg, struct board_posix **out);

/* board_posix_hal: the HAL; valid until board_posix_close(). */
const struct hal *board_posix_hal(struct board_posix *b);

/* board_posix_close: take the interface down, free everything. NULL is ok. */
void board_posix_close(struct board_posix *b);

/*
 * board_posix_parse_ipv4: "a.b.c.d" into four octets; with prefix != NULL
 * an optional "/n" (0..32) is accepted and stored (32 when absent).
 * Returns 0 or HAL_ERR_ARG.
 */
int board_posix_parse_ipv4(const char *s, unsigned char out[4], int *prefix);

#endif
