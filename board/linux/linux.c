/*
 * What both Linux boards (posix and qemu) take from the kernel the same
 * way, kept in one place: the monotonic clock and getrandom(2) entropy.
 */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "hal/err.h"
#include "linux_hal.h"

int
board_linux_monotonic(struct timespec *now)
{
	return clock_gettime(CLOCK_MONOTONIC, now) == 0 ? 0 : HAL_ERR_IO;
}

/* getrandom(2), blocking until the kernel pool is seeded; EINTR retried. */
int
board_linux_fill(unsigned char *buf, size_t len)
{
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
