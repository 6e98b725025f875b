/* Helpers of the two appliance programs; see main_util.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/appliance.h"
#include "main_util.h"

/* See main_util.h. */
int
main_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* See main_util.h. */
unsigned char *
main_slurp(const char *path, size_t max, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0;

	*len = 0;
	if (fp == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			unsigned char *b;
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 65536 || (b = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = b;
		}
		size_t r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	if (n > max) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* See main_util.h. */
char *
main_confdir(const char *config)
{
	char *dir = strdup(config), *slash;

	if (dir == NULL)
		return NULL;
	if ((slash = strrchr(dir, '/')) == dir)
		dir[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");       /* "." fits: config is at least one byte */
	return dir;
}

/* See main_util.h. */
void
main_netmask(unsigned prefix, uint8_t mask[4])
{
	unsigned i;

	memset(mask, 0, 4);
	for (i = 0; i < prefix && i < 32; i++)
		mask[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

/* See main_util.h. */
int
main_exit_status(int err)
{
	return err == APPLIANCE_ERR_CONFIG ? APPLIANCE_EXIT_CONFIG :
	    err == APPLIANCE_ERR_HSM ? APPLIANCE_EXIT_HSM :
	    err == APPLIANCE_ERR_STORE ? APPLIANCE_EXIT_STORE :
	    err == APPLIANCE_ERR_ENGINE ? APPLIANCE_EXIT_ENGINE : APPLIANCE_EXIT_RUNTIME;
}
