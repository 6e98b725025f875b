/*
 * board/posix: command-line options of the posix board.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/posix.h"
#include "linux_hal.h"

static const char usage[] =
	"  --tap NAME            TAP device lwIP uses (default tap0)\n"
	"  --addr A.B.C.D/N      lwIP's IPv4 address and prefix length\n"
	"  --gw A.B.C.D          default gateway (default: none)\n"
	"  --mac XX:XX:XX:XX:XX:XX  MAC address (default: random, locally administered)\n"
	"  --mtu N               MTU, 576..1500 (default 1500)\n"
	"  --storage DIR         persistent storage directory\n"
	"  --pkcs11-module PATH  PKCS#11 module\n"
	"  --token URI           PKCS#11 token URI (RFC 7512)\n"
	"  --pin-file PATH       file holding the token's user PIN\n"
	"  --log-level LEVEL     err, warn, info (default) or debug\n";

/* board_posix_usage: see board/posix.h. */
const char *
board_posix_usage(void)
{
	return usage;
}

/* board_posix_parse_ipv4: see board/posix.h. */
int
board_posix_parse_ipv4(const char *s, unsigned char out[4], int *prefix)
{
	return board_linux_parse_ipv4(s, out, prefix);
}

/* board_posix_parse_arg: see board/posix.h. */
int
board_posix_parse_arg(struct board_posix_config *cfg, int argc, char **argv, int *i)
{
	static const char *const opts[] = { "--tap", "--addr", "--gw", "--mac", "--mtu",
		"--storage", "--pkcs11-module", "--token", "--pin-file", "--log-level" };
	const char *opt = argv[*i], *val;
	unsigned long v;
	size_t k;
	int prefix;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
		if (strcmp(opt, opts[k]) == 0)
			break;
	if (k == sizeof(opts) / sizeof(opts[0]))
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "board: %s needs a value\n", opt);
		return HAL_ERR_ARG;
	}
	val = argv[*i + 1];
	switch (k) {
	case 0:
		cfg->tap = val;
		break;
	case 1:
		if (board_posix_parse_ipv4(val, cfg->net.addr, &prefix) != 0 || prefix == 0)
			goto bad;
		board_linux_prefix_to_mask(prefix, cfg->net.netmask);
		break;
	case 2:
		if (board_posix_parse_ipv4(val, cfg->net.gw, NULL) != 0)
			goto bad;
		break;
	case 3:
		if (board_linux_parse_mac(val, cfg->net.mac) != 0)
			goto bad;
		break;
	case 4:
		if (board_linux_parse_uint(val, 1500, &v) != 0 || v < 576)
			goto bad;
		cfg->net.mtu = (uint16_t)v;
		break;
	case 5:
		cfg->storage_dir = val;
		break;
	case 6:
		cfg->pkcs11_module = val;
		break;
	case 7:
		cfg->token_uri = val;
		break;
	case 8:
		cfg->pin_file = val;
		break;
	case 9:
		if (board_linux_parse_log_level(val, &cfg->log_level) != 0)
			goto bad;
		break;
	}
	*i += 2;
	return 1;
bad:
	fprintf(stderr, "board: bad value for %s: %s\n", opt, val);
	return HAL_ERR_ARG;
}
