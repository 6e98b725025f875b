/*
 * What both Linux boards (posix and qemu) take from the kernel the same
 * way, kept in one place: the monotonic clock and getrandom(2) entropy.
 */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "hal/entropy.h"
#include "hal/err.h"
#include "linux_hal.h"

/* See linux_hal.h. */
int
board_linux_monotonic(void *state, struct timespec *now)
{
	(void)state;
	return clock_gettime(CLOCK_MONOTONIC, now) == 0 ? 0 : HAL_ERR_IO;
}

/* getrandom(2), blocking until the kernel pool is seeded; EINTR retried. */
static int
linux_fill(void *state, unsigned char *buf, size_t len)
{
	(void)state;
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return HAL_ERR_IO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* See linux_hal.h. */
const struct hal_entropy_ops board_linux_entropy_ops = {
	.fill = linux_fill,
};
