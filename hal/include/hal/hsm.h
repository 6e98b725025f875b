/*
 * hal/hsm: how to reach the HSM (crypto/signer.h does the talking).
 *
 * module() is the PKCS#11 module's path, token() the token's PKCS#11 URI
 * (RFC 7512, e.g. "pkcs11:token=appliance"); both stay valid for the
 * board's lifetime, NULL when not configured.
 *
 * pin() reads the user PIN from the board's PIN source (posix: a file;
 * qemu: QEMU's fw_cfg) into buf, at most cap bytes, no terminating NUL, a
 * trailing newline removed, and stores its length in *len. The caller owns
 * buf and must zero it (mbedtls_platform_zeroize) as soon as the token is
 * logged in. Returns 0, HAL_ERR_NOTFOUND (no PIN source), HAL_ERR_TOOBIG
 * (longer than cap) or HAL_ERR_IO.
 */
#ifndef UPDOWN_HAL_HSM_H
#define UPDOWN_HAL_HSM_H

#include <stddef.h>

#include "hal/err.h"

struct hal_hsm_ops {
	const char *(*module)(void *state);
	const char *(*token)(void *state);
	int (*pin)(void *state, char *buf, size_t cap, size_t *len);
};

struct hal_hsm {
	const struct hal_hsm_ops *ops;
	void *state;
};

#endif
