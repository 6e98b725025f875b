/* Kernel services shared by the Linux boards (board/linux/linux.c). */
#ifndef UPDOWN_BOARD_LINUX_HAL_H
#define UPDOWN_BOARD_LINUX_HAL_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* CLOCK_MONOTONIC; 0 or HAL_ERR_IO. */
int board_linux_monotonic(struct timespec *now);
/* len bytes from getrandom(2); 0 or HAL_ERR_IO. */
int board_linux_fill(unsigned char *buf, size_t len);

#endif
