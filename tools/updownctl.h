/*
 * updownctl internals shared by its commands: one file per command group,
 * each registered in the table in updownctl.c.
 *
 * Exit codes (documented in `updownctl --help` and README.md):
 *   0 success; 1 the input was refused (malformed, profile violation, bad
 *   signature, failed verification, validation errors); 2 usage error;
 *   3 a file could not be read or written, or a peer could not be reached.
 * A command that fails writes nothing (outputs go through ctl_write_file,
 * which renames a complete temporary file into place).
 */
#ifndef UPDOWN_TOOLS_UPDOWNCTL_H
#define UPDOWN_TOOLS_UPDOWNCTL_H

#include <stddef.h>

#define EXIT_REFUSED 1
#define EXIT_USAGE   2
#define EXIT_IO      3

/* Files we read: messages (LACNIC's are 240 KB), certificates, keys, tables. */
#define CTL_MAX_FILE (64u << 20)

/* Print the usage text to stderr; returns EXIT_USAGE. */
int ctl_usage(void);

/* Read a whole file (at most CTL_MAX_FILE), NUL-terminated. Caller frees *out. */
int ctl_read_file(const char *path, unsigned char **out, size_t *len);

/* Write len bytes to path via a temporary file and rename: never a partial file. */
int ctl_write_file(const char *path, const unsigned char *buf, size_t len);

/* Load a certificate or CRL, DER or PEM (label "CERTIFICATE" or "X509 CRL"), as DER. */
int ctl_read_der(const char *path, const char *label, unsigned char **der, size_t *len);

/* Commands: argv[0] is the command name. */
int cmd_inspect(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_child(int argc, char **argv);

#endif
