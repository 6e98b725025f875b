/*
 * What the two appliance programs (main_posix.c, main_qemu.c) do the same
 * way: option numbers, whole-file reads, the configuration's directory,
 * netmasks, exit statuses.
 */
#ifndef UPDOWN_FIRMWARE_MAIN_UTIL_H
#define UPDOWN_FIRMWARE_MAIN_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Decimal 1..max, the whole string; 0 or -1. */
int main_uint(const char *s, unsigned long max, unsigned *out);
/* A whole file of at most max bytes; NULL if unreadable or larger. Caller frees. */
unsigned char *main_slurp(const char *path, size_t max, size_t *len);
/* The directory of a configuration file path ("." for a bare name); malloc'd or NULL. */
char *main_confdir(const char *config);
/* Netmask of a prefix length 0..32. */
void main_netmask(unsigned prefix, uint8_t mask[4]);
/* The exit status (APPLIANCE_EXIT_*) for an appliance_open() error (APPLIANCE_ERR_*). */
int main_exit_status(int err);

#endif
