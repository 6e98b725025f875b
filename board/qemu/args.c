/*
 * board/qemu: command-line options of the qemu board. Every default is
 * the image's layout (board/qemu.h); the options serve tests and other
 * layouts. The words come from /etc/updown/args (build-image --arg).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/qemu.h"
#include "linux_hal.h"

static const char usage[] =
	"  --ifname NAME         the VM's NIC lwIP takes over (default eth0)\n"
	"  --addr A.B.C.D/N      lwIP's IPv4 address and prefix (default 10.0.2.15/24)\n"
	"  --gw A.B.C.D          default gateway (default 10.0.2.2)\n"
	"  --mtu N               MTU, 576..the NIC's (default: the NIC's)\n"
	"  --storage DIR         persistent storage directory (default /data/state)\n"
	"  --pkcs11-module PATH  PKCS#11 module (default: SoftHSM)\n"
	"  --token URI           PKCS#11 token URI, RFC 7512 (default pkcs11:token=appliance)\n"
	"  --pin-fwcfg NAME      fw_cfg item with the user PIN (default opt/org.updown/pin)\n"
	"  --log-level LEVEL     err, warn, info (default) or debug\n";

/* board_qemu_usage: see board/qemu.h. */
const char *
board_qemu_usage(void)
{
	return usage;
}

/* board_qemu_parse_ipv4: see board/qemu.h. */
int
board_qemu_parse_ipv4(const char *s, unsigned char out[4], int *prefix)
{
	return board_linux_parse_ipv4(s, out, prefix);
}

/* board_qemu_parse_arg: see board/qemu.h. */
int
board_qemu_parse_arg(struct board_qemu_config *cfg, int argc, char **argv, int *i)
{
	static const char *const opts[] = { "--ifname", "--addr", "--gw", "--mtu",
		"--storage", "--pkcs11-module", "--token", "--pin-fwcfg", "--log-level" };
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
		if (val[0] == '\0' || strlen(val) >= 16 /* IFNAMSIZ */)
			goto bad;
		cfg->ifname = val;
		break;
	case 1:
		if (board_qemu_parse_ipv4(val, cfg->net.addr, &prefix) != 0 || prefix == 0)
			goto bad;
		board_linux_prefix_to_mask(prefix, cfg->net.netmask);
		break;
	case 2:
		if (board_qemu_parse_ipv4(val, cfg->net.gw, NULL) != 0)
			goto bad;
		break;
	case 3:
		if (board_linux_parse_uint(val, 1500, &v) != 0 || v < 576)
			goto bad;
		cfg->net.mtu = (uint16_t)v;
		break;
	case 4:
		cfg->storage_dir = val;
		break;
	case 5:
		cfg->pkcs11_module = val;
		break;
	case 6:
		cfg->token_uri = val;
		break;
	case 7:
		cfg->pin_fwcfg = val;
		break;
	case 8:
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
