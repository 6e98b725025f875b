/*
 * board/posix: the HAL backends other than the network (netif_tap.c):
 * clock_gettime, getrandom(2), the storage directory, the HSM settings and
 * PIN file, and the log on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "linux_hal.h"
#include "board/posix.h"
#include "posix_int.h"

/* Longest PIN file read (PKCS#11 PINs are short; anything longer is wrong). */
#define PIN_FILE_MAX 256

struct board_posix {
	struct hal hal;
	char *storage_dir;
	char *pkcs11_module;
	char *token_uri;
	char *pin_file;
	enum hal_log_level log_level;
	pthread_mutex_t log_mu;
	struct tap_if tap;
};

/* ---- clock ---- */

static int
posix_utc(void *state, struct timespec *now)
{
	(void)state;
	return clock_gettime(CLOCK_REALTIME, now) == 0 ? 0 : HAL_ERR_IO;
}

static const struct hal_clock_ops posix_clock_ops = {
	.utc = posix_utc,
	.monotonic = board_linux_monotonic,
};

/* ---- storage ---- */

static const char *
posix_root(void *state)
{
	return ((struct board_posix *)state)->storage_dir;
}

static const struct hal_storage_ops posix_storage_ops = {
	.root = posix_root,
};

/* ---- HSM ---- */

static const char *
posix_module(void *state)
{
	return ((struct board_posix *)state)->pkcs11_module;
}

static const char *
posix_token(void *state)
{
	return ((struct board_posix *)state)->token_uri;
}

/* The PIN file's content without a trailing newline (hal/hsm.h). */
static int
posix_pin(void *state, char *buf, size_t cap, size_t *len)
{
	struct board_posix *b = state;
	char tmp[PIN_FILE_MAX + 1];
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd, rc = HAL_ERR_IO;

	if (buf == NULL || len == NULL)
		return HAL_ERR_ARG;
	if (b->pin_file == NULL)
		return HAL_ERR_NOTFOUND;
	if ((fd = open(b->pin_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		hal_logf(&b->hal.log, HAL_LOG_ERR, "hsm: PIN file %s: %s", b->pin_file,
		    strerror(errno));
		return HAL_ERR_IO;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		hal_logf(&b->hal.log, HAL_LOG_WARN,
		    "hsm: PIN file %s is accessible to group or others (mode %03o)",
		    b->pin_file, (unsigned)(st.st_mode & 0777));
	while (n < sizeof(tmp)) {
		r = read(fd, tmp + n, sizeof(tmp) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > 0 && tmp[n - 1] == '\n')
		n--;
	if (n > 0 && tmp[n - 1] == '\r')
		n--;
	if (n > cap || n > PIN_FILE_MAX) {
		rc = HAL_ERR_TOOBIG;
		goto out;
	}
	memcpy(buf, tmp, n);
	*len = n;
	rc = 0;
out:
	explicit_bzero(tmp, sizeof(tmp));
	close(fd);
	return rc;
}

static const struct hal_hsm_ops posix_hsm_ops = {
	.module = posix_module,
	.token = posix_token,
	.pin = posix_pin,
};

/* ---- log: one line per call on stderr, UTC timestamp, level ---- */

static const char *const level_name[] = { "ERR", "WARN", "INFO", "DEBUG" };

static bool
posix_log_enabled(void *state, enum hal_log_level level)
{
	return level <= ((struct board_posix *)state)->log_level;
}

static void
posix_log_write(void *state, enum hal_log_level level, const char *line)
{
	struct board_posix *b = state;
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	if ((unsigned)level > HAL_LOG_DEBUG)
		level = HAL_LOG_DEBUG;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&b->log_mu);
	fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, ts.tv_nsec / 1000000L, level_name[level], line);
	pthread_mutex_unlock(&b->log_mu);
}

static const struct hal_log_ops posix_log_ops = {
	.write = posix_log_write,
	.enabled = posix_log_enabled,
};

/* ---- board ---- */

/* board_posix_config_init: see board/posix.h. */
void
board_posix_config_init(struct board_posix_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->tap = "tap0";
	cfg->log_level = HAL_LOG_INFO;
}

static int
dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	return (*out = strdup(s)) != NULL ? 0 : HAL_ERR_NOMEM;
}

/* board_posix_open: see board/posix.h. */
int
board_posix_open(const struct board_posix_config *cfg, struct board_posix **out)
{
	struct board_posix *b = NULL;
	struct stat st;
	int rc = HAL_ERR_ARG;

	if (cfg == NULL || out == NULL || cfg->tap == NULL || cfg->tap[0] == '\0' ||
	    strlen(cfg->tap) >= IFNAMSIZ)
		goto out;
	if (cfg->storage_dir != NULL &&
	    (stat(cfg->storage_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "board: storage %s is not a directory\n", cfg->storage_dir);
		goto out;
	}
	rc = HAL_ERR_NOMEM;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		goto out;
	if (pthread_mutex_init(&b->log_mu, NULL) != 0) {
		free(b);
		b = NULL;
		goto out;
	}
	if (dup_opt(cfg->storage_dir, &b->storage_dir) != 0 ||
	    dup_opt(cfg->pkcs11_module, &b->pkcs11_module) != 0 ||
	    dup_opt(cfg->token_uri, &b->token_uri) != 0 ||
	    dup_opt(cfg->pin_file, &b->pin_file) != 0)
		goto out;
	b->log_level = cfg->log_level;
	b->hal.clock = (struct hal_clock){ &posix_clock_ops, b };
	b->hal.entropy = (struct hal_entropy){ &board_linux_entropy_ops, b };  /* getrandom(2) */
	b->hal.storage = (struct hal_storage){ &posix_storage_ops, b };
	b->hal.hsm = (struct hal_hsm){ &posix_hsm_ops, b };
	b->hal.log = (struct hal_log){ &posix_log_ops, b };
	board_posix_tap_init(&b->tap, cfg->tap, &cfg->net, &b->hal.entropy, &b->hal.log);
	b->hal.net = (struct hal_net){ &board_posix_tap_ops, &b->tap };
	*out = b;
	b = NULL;
	rc = 0;
out:
	board_posix_close(b);
	return rc;
}

/* board_posix_hal: see board/posix.h. */
const struct hal *
board_posix_hal(struct board_posix *b)
{
	return b != NULL ? &b->hal : NULL;
}

/* board_posix_close: see board/posix.h. */
void
board_posix_close(struct board_posix *b)
{
	if (b == NULL)
		return;
	if (b->hal.net.ops != NULL)
		b->hal.net.ops->down(b->hal.net.state);
	free(b->storage_dir);
	free(b->pkcs11_module);
	free(b->token_uri);
	free(b->pin_file);
	pthread_mutex_destroy(&b->log_mu);
	free(b);
}
