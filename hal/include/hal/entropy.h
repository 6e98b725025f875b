/*
 * hal/entropy: cryptographically secure random bytes.
 *
 * fill() writes exactly len bytes or fails; it never returns fewer bytes or
 * predictable ones (a board whose pool is not yet seeded blocks or fails).
 * Users: serial-number starts, the lwIP port (TCP initial sequence numbers
 * and ports, RFC 6528), mbed TLS through hal_entropy_rng().
 */
#ifndef UPDOWN_HAL_ENTROPY_H
#define UPDOWN_HAL_ENTROPY_H

#include <stddef.h>

#include "hal/err.h"

struct hal_entropy_ops {
	int (*fill)(void *state, unsigned char *buf, size_t len);
};

struct hal_entropy {
	const struct hal_entropy_ops *ops;
	void *state;
};

/*
 * hal_entropy_rng: an mbed TLS f_rng (p_rng is a const struct hal_entropy *).
 * Returns 0 or a HAL_ERR_* code.
 */
static inline int
hal_entropy_rng(void *p_rng, unsigned char *buf, size_t len)
{
	const struct hal_entropy *e = p_rng;

	if (e == NULL || e->ops == NULL || e->ops->fill == NULL || (buf == NULL && len > 0))
		return HAL_ERR_ARG;
	return e->ops->fill(e->state, buf, len);
}

#endif
