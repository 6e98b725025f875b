/*
 * Command-line values both Linux boards (posix and qemu) parse the same
 * way: decimal numbers, IPv4 addresses with an optional prefix length,
 * MAC addresses, log levels. Each board keeps its own option table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/err.h"
#include "linux_hal.h"

/* See linux_hal.h. */
int
board_linux_parse_uint(const char *s, unsigned long max, unsigned long *out)
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

/* See linux_hal.h. */
int
board_linux_parse_ipv4(const char *s, unsigned char out[4], int *prefix)
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
		if (prefix == NULL || board_linux_parse_uint(slash + 1, 32, &v) != 0)
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
		if (strlen(p) > 3 || (p[0] == '0' && p[1] != '\0') ||
		    board_linux_parse_uint(p, 255, &v) != 0)
			return HAL_ERR_ARG;
		out[i] = (unsigned char)v;
		p = dot != NULL ? dot + 1 : p;
	}
	return 0;
}

/* See linux_hal.h. */
int
board_linux_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int v[6];
	char tail;
	int i;

	if (s == NULL || strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	    &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1)  /* multicast bit */
		return -1;
	return 0;
}

/* See linux_hal.h. */
void
board_linux_prefix_to_mask(int prefix, uint8_t mask[4])
{
	uint32_t m = prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : 0xffffffffu << (32 - prefix);

	mask[0] = (uint8_t)(m >> 24);
	mask[1] = (uint8_t)(m >> 16);
	mask[2] = (uint8_t)(m >> 8);
	mask[3] = (uint8_t)m;
}

/* See linux_hal.h. */
int
board_linux_parse_log_level(const char *s, enum hal_log_level *level)
{
	static const struct { const char *name; enum hal_log_level level; } names[] = {
		{ "err", HAL_LOG_ERR }, { "warn", HAL_LOG_WARN }, { "info", HAL_LOG_INFO },
		{ "debug", HAL_LOG_DEBUG },
	};
	size_t i;

	for (i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*level = names[i].level;
			return 0;
		}
	return -1;
}
