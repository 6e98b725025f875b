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

/*
 * The appliance commands: ceremony, onboard, table, bundle (cmd_*.c), and
 * their shared helpers (ctl_conf.c).
 */
#include <stdbool.h>
#include <time.h>

#include "crypto/signer.h"
#include "proto/alloc.h"
#include "proto/conf.h"

#define CTL_CONF_FILE "updown.conf"   /* in the configuration directory */

int cmd_ceremony(int argc, char **argv);
int cmd_onboard(int argc, char **argv);
int cmd_table(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_state(int argc, char **argv);

/* Hex of len bytes / SHA-256 of len bytes, NUL-terminated. */
void ctl_hex(const unsigned char *p, size_t len, char *out);
void ctl_sha256_hex(const unsigned char *p, size_t len, char out[65]);
/* "now" or YYYY-MM-DDThh:mm:ssZ for option opt; 0 or EXIT_USAGE. */
int ctl_parse_time(const char *opt, const char *s, time_t *t);
/* dir/rel, or rel when absolute (malloc'd; NULL when out of memory). */
char *ctl_conf_path(const char *dir, const char *rel);
/* Parse DIR/updown.conf into c (caller conf_free()s); 0, EXIT_IO or EXIT_REFUSED. */
int ctl_conf_load(const char *dir, struct conf *c);
/* The [hsm] section as a signer configuration; the token it names. */
void ctl_conf_p11(const struct conf *c, struct signer_p11_config *p);
int ctl_conf_signer(const struct conf *c, struct signer **s);

/* Our holdings per class, from the class certificates (UD-100). */
struct ctl_holdings {
	size_t n;
	struct alloc_holding *list;   /* class_name borrowed from the conf */
	struct res_bundle *res;
};
int ctl_conf_holdings(const char *dir, const struct conf *c, struct ctl_holdings *h);
void ctl_holdings_free(struct ctl_holdings *h);

/*
 * A set of files written into a staging directory next to their final
 * place, then moved there at once (ctl_stage_commit), or dropped
 * (ctl_stage_abort): a command that fails leaves nothing behind.
 */
struct ctl_stage {
	char dir[4096];               /* the staging directory; "" when none */
	char final[4096];
};
int ctl_stage_open(struct ctl_stage *st, const char *final);
const char *ctl_stage_path(const struct ctl_stage *st, const char *rel);
int ctl_stage_write(struct ctl_stage *st, const char *rel, const void *buf, size_t len,
                    bool private_);
int ctl_stage_mkdir(struct ctl_stage *st, const char *rel);
int ctl_stage_commit(struct ctl_stage *st);
void ctl_stage_abort(struct ctl_stage *st);

#endif
