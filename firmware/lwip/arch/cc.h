/*
 * lwIP port (updown): compiler and platform glue for gcc/clang on Linux
 * (both boards run the firmware as a Linux process).
 *
 * Assertions: LWIP_PLATFORM_ASSERT logs through the HAL log handed to
 * fw_lwip_start() (stderr before that) and aborts; LWIP_NOASSERT is never
 * defined. LWIP_RAND draws from the HAL entropy source (fw_lwip.c).
 */
#ifndef UPDOWN_LWIP_ARCH_CC_H
#define UPDOWN_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>   /* the overflow checks (FW_LWIP_DEBUG_CHECKS) print with snprintf */
#include <stdlib.h>

#define LWIP_ERRNO_STDINCLUDE 1

void fw_lwip_assert_fail(const char *msg, const char *file, int line)
    __attribute__((noreturn));
void fw_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint32_t fw_lwip_rand(void);

#define LWIP_PLATFORM_ASSERT(x) fw_lwip_assert_fail((x), __FILE__, __LINE__)
#define LWIP_PLATFORM_DIAG(x)   do { fw_lwip_diag x; } while (0)
#define LWIP_RAND()             ((u32_t)fw_lwip_rand())

#endif
