/*
 * hal/log: the operator's console/log.
 *
 * Our own faults and operational events go here (STYLE "Errors": keep
 * "the peer sent junk" apart from "we are broken"; peer errors become HTTP
 * statuses or RFC 6492 error_responses, and at most a DEBUG line here).
 *
 * A backend is a const ops table plus a state pointer. write() receives one
 * complete line without a trailing newline; it must be thread-safe (workers,
 * the lwIP thread and the receive thread all log) and must not block for
 * long: a backend may drop lines rather than stall the network. enabled()
 * may be NULL (every level is written).
 */
#ifndef UPDOWN_HAL_LOG_H
#define UPDOWN_HAL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum hal_log_level {
	HAL_LOG_ERR = 0,   /* we are broken: the operator must act */
	HAL_LOG_WARN = 1,  /* degraded or refused work (overload, timeouts) */
	HAL_LOG_INFO = 2,  /* start, stop, configuration */
	HAL_LOG_DEBUG = 3, /* per-request detail, peer errors */
};

struct hal_log_ops {
	void (*write)(void *state, enum hal_log_level level, const char *line);
	bool (*enabled)(void *state, enum hal_log_level level);
};

struct hal_log {
	const struct hal_log_ops *ops;
	void *state;
};

/* Longest line hal_logf() formats; longer ones are truncated. */
#define HAL_LOG_LINE_MAX 512

/*
 * hal_logf: format one line and hand it to log's backend. log may be NULL
 * (nothing is written), so optional loggers need no checks at call sites.
 */
static inline void hal_logf(const struct hal_log *log, enum hal_log_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void
hal_logf(const struct hal_log *log, enum hal_log_level level, const char *fmt, ...)
{
	char line[HAL_LOG_LINE_MAX];
	va_list ap;

	if (log == NULL || log->ops == NULL || log->ops->write == NULL)
		return;
	if (log->ops->enabled != NULL && !log->ops->enabled(log->state, level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log->ops->write(log->state, level, line);
}

#endif
