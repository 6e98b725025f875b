/*
 * hal/clock: time.
 *
 * utc() is the wall clock (UTC; the CA's notion of "now": certificate
 * validity, signing-time, HTTP Date). monotonic() never jumps and measures
 * intervals. Both return 0 or HAL_ERR_IO; a board without a trustworthy
 * wall clock returns HAL_ERR_NOTSUP from utc() rather than guess.
 */
#ifndef UPDOWN_HAL_CLOCK_H
#define UPDOWN_HAL_CLOCK_H

#include <time.h>

#include "hal/err.h"

struct hal_clock_ops {
	int (*utc)(void *state, struct timespec *now);
	int (*monotonic)(void *state, struct timespec *now);
};

struct hal_clock {
	const struct hal_clock_ops *ops;
	void *state;
};

/*
 * hal_clock_now: UTC seconds into *now. 0 or a HAL_ERR_* code (clock NULL:
 * HAL_ERR_ARG).
 */
static inline int
hal_clock_now(const struct hal_clock *clock, time_t *now)
{
	struct timespec ts;
	int rc;

	if (clock == NULL || clock->ops == NULL || clock->ops->utc == NULL || now == NULL)
		return HAL_ERR_ARG;
	if ((rc = clock->ops->utc(clock->state, &ts)) != 0)
		return rc;
	*now = ts.tv_sec;
	return 0;
}

#endif
