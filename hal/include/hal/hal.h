/*
 * hal/: the hardware abstraction the firmware runs on. Interfaces only;
 * board/posix and board/qemu implement them (STYLE "Layout").
 *
 * The firmware never calls the OS directly: it gets time, randomness, its
 * storage directory, its network interface, the HSM's whereabouts and the
 * log from a struct hal that the board fills in. Threads, locks and
 * millisecond timers come from lwIP's port (firmware/lwip, sys_arch).
 *
 * Each member is a backend: a const ops table plus a state pointer (STYLE
 * "Interfaces"). The board owns the struct and everything it points to; it
 * stays valid until the board is closed.
 */
#ifndef UPDOWN_HAL_HAL_H
#define UPDOWN_HAL_HAL_H

#include "hal/clock.h"
#include "hal/entropy.h"
#include "hal/err.h"
#include "hal/hsm.h"
#include "hal/log.h"
#include "hal/net.h"
#include "hal/storage.h"

struct hal {
	struct hal_clock clock;
	struct hal_entropy entropy;
	struct hal_storage storage;
	struct hal_net net;
	struct hal_hsm hsm;
	struct hal_log log;
};

#endif
