/*
 * board/qemu: command-line options of the qemu board. Every default is
 * the image's layout (board/qemu.h); the options serve tests and other
 * layouts. The words come from /etc/updown/args (build-image --arg).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/qemu.h"

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

/* Parse decimal 0..max, the whole string. */
static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* board_qemu_parse_ipv4: see board/qemu.h. */
int
board_qemu_parse_ipv4(const char *s, unsigned char out[4], int *prefix)
{
	char buf[32];
	char *p, *slash, *dot;
	unsigned long v;
	int i;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return HAL_ERR_ARG;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		if (prefix == NULL || parse_uint(slash + 1, 32, &v) != 0)
			return HAL_ERR_ARG;
		*slash = '\0';
		*prefix = (int)v;
	} else if (prefix != NULL) {
		*prefix = 32;
	}
	p = buf;
	for (i = 0; i < 4; i++) {
		dot = strchr(p, '.');
		if ((i < 3) != (dot != NULL))
			return HAL_ERR_ARG;
		if (dot != NULL)
			*dot = '\0';
		/* No leading zeros (no octal ambiguity), at most 3 digits. */
		if (strlen(p) > 3 || (p[0] == '0' && p[1] != '\0') || parse_uint(p, 255, &v) != 0)
			return HAL_ERR_ARG;
		out[i] = (unsigned char)v;
		p = dot != NULL ? dot + 1 : p;
	}
	return 0;
}

static void
prefix_to_mask(int prefix, uint8_t mask[4])
{
	uint32_t m = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);

	mask[0] = (uint8_t)(m >> 24);
	mask[1] = (uint8_t)(m >> 16);
	mask[2] = (uint8_t)(m >> 8);
	mask[3] = (uint8_t)m;
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
		prefix_to_mask(prefix, cfg->net.netmask);
		break;
	case 2:
		if (board_qemu_parse_ipv4(val, cfg->net.gw, NULL) != 0)
			goto bad;
		break;
	case 3:
		if (parse_uint(val, 1500, &v) != 0 || v < 576)
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
		if (strcmp(val, "err") == 0)
			cfg->log_level = HAL_LOG_ERR;
		else if (strcmp(val, "warn") == 0)
			cfg->log_level = HAL_LOG_WARN;
		else if (strcmp(val, "info") == 0)
			cfg->log_level = HAL_LOG_INFO;
		else if (strcmp(val, "debug") == 0)
			cfg->log_level = HAL_LOG_DEBUG;
		else
			goto bad;
		break;
	}
	*i += 2;
	return 1;
bad:
	fprintf(stderr, "board: bad value for %s: %s\n", opt, val);
	return HAL_ERR_ARG;
}
