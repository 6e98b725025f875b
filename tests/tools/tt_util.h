/*
 * Helpers for the updownctl tests (tests/tools): run the updownctl binary
 * (UPDOWNCTL_PATH, set by CMake) with captured stdout/stderr and exit
 * code, snapshot a directory (names, modes, SHA-256 of contents) to prove
 * that a failed command wrote nothing, temporary directories, test data.
 */
#ifndef UPDOWN_TESTS_TOOLS_TT_UTIL_H
#define UPDOWN_TESTS_TOOLS_TT_UTIL_H

#include <stdbool.h>
#include <stddef.h>

struct tt_out {
	int status;               /* exit code; -1 if killed by a signal */
	char *out;                /* stdout, NUL-terminated (malloc'd) */
	char *err;                /* stderr */
};

/*
 * Run updownctl with the NULL-terminated arguments (after argv[0]).
 * Fills o (free with tt_out_free). The child runs with http_proxy and
 * friends unset, so loopback requests never go through a proxy.
 */
void tt_ctl(struct tt_out *o, const char *arg, ...) __attribute__((sentinel));
/* The same with an argument vector (NULL-terminated). */
void tt_ctlv(struct tt_out *o, const char *const *argv);
void tt_out_free(struct tt_out *o);

/* Fail the test unless o->status == want, printing the outputs. */
void tt_expect(const struct tt_out *o, int want);
/* Fail unless s contains needle. */
void tt_has(const char *s, const char *needle);
void tt_hasnt(const char *s, const char *needle);

/* True when s is one well-formed JSON value (RFC 8259) and nothing else but white space. */
bool tt_json_valid(const char *s);

/* "path mode sha256\n" for every entry under dir, sorted (malloc'd). */
char *tt_snapshot(const char *dir);

/* A fresh temporary directory (removed at exit) and a path inside it. */
const char *tt_tmpdir(void);
const char *tt_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path of rel under $UPDOWN_TESTDATA/interop (static buffer, rotated). */
const char *tt_interop(const char *rel);

/* Read / write whole files. */
unsigned char *tt_read(const char *path, size_t *len);
void tt_write(const char *path, const void *buf, size_t len);

#endif
