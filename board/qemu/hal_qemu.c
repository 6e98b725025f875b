/*
 * board/qemu: the HAL backends other than the network (netif_packet.c):
 * the VM's clocks, getrandom(2), the storage root on the data disk, SoftHSM
 * and the PIN from QEMU's fw_cfg, and the log on the serial console.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "linux_hal.h"
#include "board/qemu.h"
#include "qemu_int.h"

/* Longest PIN read from fw_cfg (PKCS#11 PINs are short; anything longer is wrong). */
#define PIN_FWCFG_MAX 256
/* Longest fw_cfg item name (QEMU's FW_CFG_MAX_FILE_PATH is 56). */
#define FWCFG_NAME_MAX 56

struct board_qemu {
	struct hal hal;
	char *storage_dir;
	char *pkcs11_module;
	char *token_uri;
	char *pin_path;             /* <fwcfg_dir>/<pin_fwcfg>/raw */
	enum hal_log_level log_level;
	pthread_mutex_t log_mu;
	struct packet_if pkt;
};

/* ---- clock ---- */

/*
 * The VM's wall clock comes from QEMU's RTC (the host's time at boot). A
 * reading before BOARD_QEMU_MIN_UTC means no usable RTC: refuse rather than
 * sign with a 1970 date (hal/clock.h).
 */
static int
qemu_utc(void *state, struct timespec *now)
{
	(void)state;
	if (clock_gettime(CLOCK_REALTIME, now) != 0)
		return HAL_ERR_IO;
	if (now->tv_sec < BOARD_QEMU_MIN_UTC)
		return HAL_ERR_NOTSUP;
	return 0;
}

static const struct hal_clock_ops qemu_clock_ops = {
	.utc = qemu_utc,
	.monotonic = board_linux_monotonic,
};

/* ---- storage ---- */

static const char *
qemu_root(void *state)
{
	return ((struct board_qemu *)state)->storage_dir;
}

static const struct hal_storage_ops qemu_storage_ops = {
	.root = qemu_root,
};

/* ---- HSM ---- */

static const char *
qemu_module(void *state)
{
	return ((struct board_qemu *)state)->pkcs11_module;
}

static const char *
qemu_token(void *state)
{
	return ((struct board_qemu *)state)->token_uri;
}

/*
 * The PIN from fw_cfg: the content of <fwcfg_dir>/<name>/raw without a
 * trailing newline (hal/hsm.h). No item (the host passed no -fw_cfg, or
 * the qemu_fw_cfg module is missing): HAL_ERR_NOTFOUND.
 */
static int
qemu_pin(void *state, char *buf, size_t cap, size_t *len)
{
	struct board_qemu *b = state;
	char tmp[PIN_FWCFG_MAX + 1];
	size_t n = 0;
	ssize_t r;
	int fd, rc = HAL_ERR_IO;

	if (buf == NULL || len == NULL)
		return HAL_ERR_ARG;
	if (b->pin_path == NULL)
		return HAL_ERR_NOTFOUND;
	if ((fd = open(b->pin_path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			hal_logf(&b->hal.log, HAL_LOG_ERR, "hsm: no PIN: %s is missing (boot "
			    "with -fw_cfg name=%s,file=PINFILE)", b->pin_path,
			    BOARD_QEMU_PIN_FWCFG);
			return HAL_ERR_NOTFOUND;
		}
		hal_logf(&b->hal.log, HAL_LOG_ERR, "hsm: %s: %s", b->pin_path, strerror(errno));
		return HAL_ERR_IO;
	}
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
	if (n > cap || n > PIN_FWCFG_MAX) {
		rc = HAL_ERR_TOOBIG;
		goto out;
	}
	if (n == 0) {
		hal_logf(&b->hal.log, HAL_LOG_ERR, "hsm: the fw_cfg PIN item is empty");
		rc = HAL_ERR_NOTFOUND;
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

static const struct hal_hsm_ops qemu_hsm_ops = {
	.module = qemu_module,
	.token = qemu_token,
	.pin = qemu_pin,
};

/* ---- log: one line per call on the serial console (stderr) ---- */

static const char *const level_name[] = { "ERR", "WARN", "INFO", "DEBUG" };

static bool
qemu_log_enabled(void *state, enum hal_log_level level)
{
	return level <= ((struct board_qemu *)state)->log_level;
}

/*
 * One write(2) per line, so lines from different threads never interleave
 * even past the mutex (e.g. /init's own messages). The console is a 115200
 * baud UART under emulation: a line takes about a millisecond.
 */
static void
qemu_log_write(void *state, enum hal_log_level level, const char *line)
{
	struct board_qemu *b = state;
	char out[HAL_LOG_LINE_MAX + 64];
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	int n;

	if ((unsigned)level > HAL_LOG_DEBUG)
		level = HAL_LOG_DEBUG;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(out, sizeof(out), "%s.%03ldZ %s %s\n", stamp, ts.tv_nsec / 1000000L,
	    level_name[level], line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out)) {
		n = (int)sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	pthread_mutex_lock(&b->log_mu);
	/* A console that fails cannot be reported anywhere: drop the line. */
	(void)!write(STDERR_FILENO, out, (size_t)n);
	pthread_mutex_unlock(&b->log_mu);
}

static const struct hal_log_ops qemu_log_ops = {
	.write = qemu_log_write,
	.enabled = qemu_log_enabled,
};

/* ---- board ---- */

/* board_qemu_config_init: see board/qemu.h. */
void
board_qemu_config_init(struct board_qemu_config *cfg)
{
	static const struct hal_net_addr slirp = {
		.addr = { 10, 0, 2, 15 },
		.netmask = { 255, 255, 255, 0 },
		.gw = { 10, 0, 2, 2 },
	};

	memset(cfg, 0, sizeof(*cfg));
	cfg->ifname = BOARD_QEMU_IFNAME;
	cfg->net = slirp;
	cfg->storage_dir = BOARD_QEMU_STORAGE;
	cfg->pkcs11_module = BOARD_QEMU_PKCS11_MODULE;
	cfg->token_uri = BOARD_QEMU_TOKEN;
	cfg->pin_fwcfg = BOARD_QEMU_PIN_FWCFG;
	cfg->fwcfg_dir = BOARD_QEMU_FWCFG_DIR;
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

/*
 * The storage root must be a directory on a persistent file system: on the
 * initramfs (tmpfs/ramfs) everything would be lost at power-off.
 */
static int
check_storage(const struct board_qemu_config *cfg)
{
	struct statfs sfs;
	struct stat st;

	if (stat(cfg->storage_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "board: storage %s is not a directory (is the data disk "
		    "mounted at /data?)\n", cfg->storage_dir);
		return HAL_ERR_ARG;
	}
	if (statfs(cfg->storage_dir, &sfs) != 0) {
		fprintf(stderr, "board: storage %s: statfs: %s\n", cfg->storage_dir,
		    strerror(errno));
		return HAL_ERR_ARG;
	}
	if (!cfg->storage_volatile_ok &&
	    (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC)) {
		fprintf(stderr, "board: storage %s is on a RAM file system, not the data "
		    "disk: refusing (state would be lost)\n", cfg->storage_dir);
		return HAL_ERR_ARG;
	}
	return 0;
}

/* board_qemu_open: see board/qemu.h. */
int
board_qemu_open(const struct board_qemu_config *cfg, struct board_qemu **out)
{
	struct board_qemu *b = NULL;
	size_t plen;
	int rc = HAL_ERR_ARG;

	if (cfg == NULL || out == NULL || cfg->ifname == NULL || cfg->ifname[0] == '\0' ||
	    strlen(cfg->ifname) >= IFNAMSIZ)
		goto out;
	if (cfg->pin_fwcfg != NULL && (cfg->pin_fwcfg[0] == '\0' ||
	    strlen(cfg->pin_fwcfg) > FWCFG_NAME_MAX || strstr(cfg->pin_fwcfg, "..") != NULL ||
	    cfg->fwcfg_dir == NULL)) {
		fprintf(stderr, "board: bad fw_cfg PIN item name\n");
		goto out;
	}
	if (cfg->storage_dir != NULL && (rc = check_storage(cfg)) != 0)
		goto out;
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
	    dup_opt(cfg->token_uri, &b->token_uri) != 0)
		goto out;
	if (cfg->pin_fwcfg != NULL) {
		plen = strlen(cfg->fwcfg_dir) + 1 + strlen(cfg->pin_fwcfg) + sizeof("/raw");
		if ((b->pin_path = malloc(plen)) == NULL)
			goto out;
		snprintf(b->pin_path, plen, "%s/%s/raw", cfg->fwcfg_dir, cfg->pin_fwcfg);
	}
	b->log_level = cfg->log_level;
	b->hal.clock = (struct hal_clock){ &qemu_clock_ops, b };
	b->hal.entropy = (struct hal_entropy){ &board_linux_entropy_ops, b };  /* getrandom(2) */
	b->hal.storage = (struct hal_storage){ &qemu_storage_ops, b };
	b->hal.hsm = (struct hal_hsm){ &qemu_hsm_ops, b };
	b->hal.log = (struct hal_log){ &qemu_log_ops, b };
	board_qemu_packet_init(&b->pkt, cfg->ifname, &cfg->net, &b->hal.log);
	b->hal.net = (struct hal_net){ &board_qemu_packet_ops, &b->pkt };
	*out = b;
	b = NULL;
	rc = 0;
out:
	board_qemu_close(b);
	return rc;
}

/* board_qemu_hal: see board/qemu.h. */
const struct hal *
board_qemu_hal(struct board_qemu *b)
{
	return b != NULL ? &b->hal : NULL;
}

/* board_qemu_close: see board/qemu.h. */
void
board_qemu_close(struct board_qemu *b)
{
	if (b == NULL)
		return;
	if (b->hal.net.ops != NULL)
		b->hal.net.ops->down(b->hal.net.state);
	free(b->storage_dir);
	free(b->pkcs11_module);
	free(b->token_uri);
	free(b->pin_path);
	pthread_mutex_destroy(&b->log_mu);
	free(b);
}
