/*
 * board/qemu: the firmware as PID 1's child inside the QEMU appliance VM.
 *
 * Implements hal/ inside the VM image that board/qemu/build-image makes
 * (docs/qemu-board.md): clock_gettime (UTC from the VM's RTC, refused while
 * it reads earlier than BOARD_QEMU_MIN_UTC; monotonic), getrandom(2)
 * (entropy; QEMU's CPU model offers RDRAND, so the pool is ready early),
 * the storage root on the data disk (ext4 on virtio-blk mounted at /data by
 * /init; a directory on the initramfs is refused, so state cannot silently
 * vanish at power-off), SoftHSM as the PKCS#11 module with its token on the
 * same disk, the user PIN from QEMU's fw_cfg (the host passes
 * -fw_cfg name=opt/org.updown/pin,file=...; the PIN never enters the image),
 * the log on the serial console (stderr), and the network interface: lwIP
 * on the VM's NIC through an AF_PACKET socket (netif_packet.c), with the
 * NIC's own MAC and the kernel holding no address on it. QEMU user
 * networking puts the appliance at 10.0.2.15/24, gateway 10.0.2.2.
 *
 * Every default matches the image, so the firmware needs no options; the
 * options (board_qemu_usage()) exist for tests and other layouts.
 *
 * Use (the same shape as board/posix.h):
 *   struct board_qemu_config cfg;
 *   board_qemu_config_init(&cfg);
 *   ... board_qemu_parse_arg() for each argv word, or fill cfg ...
 *   board_qemu_open(&cfg, &b);
 *   const struct hal *hal = board_qemu_hal(b);
 *   fw_lwip_start(&hal->entropy, &hal->log);     (firmware/lwip/fw_lwip.h)
 *   hal->net.ops->up(hal->net.state, NULL);
 *   ...
 *   board_qemu_close(b);                         (takes the netif down)
 */
#ifndef UPDOWN_BOARD_QEMU_H
#define UPDOWN_BOARD_QEMU_H

#include <stdbool.h>

#include "hal/hal.h"

/* The VM's clock is trusted only from this UTC time on (2025-01-01). */
#define BOARD_QEMU_MIN_UTC 1735689600

/* Defaults: the image's layout (board/qemu/build-image, board/qemu/init). */
#define BOARD_QEMU_IFNAME        "eth0"
#define BOARD_QEMU_STORAGE       "/data/state"
#define BOARD_QEMU_PKCS11_MODULE "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"
#define BOARD_QEMU_TOKEN         "pkcs11:token=appliance"
#define BOARD_QEMU_PIN_FWCFG     "opt/org.updown/pin"
#define BOARD_QEMU_FWCFG_DIR     "/sys/firmware/qemu_fw_cfg/by_name"

struct board_qemu_config {
	const char *ifname;         /* the VM's NIC; default "eth0" */
	struct hal_net_addr net;    /* default 10.0.2.15/24 gw 10.0.2.2, NIC's MAC and MTU */
	const char *storage_dir;    /* default /data/state; NULL: no persistent storage */
	bool storage_volatile_ok;   /* accept a storage_dir on tmpfs/ramfs (tests only) */
	const char *pkcs11_module;  /* default: SoftHSM's module */
	const char *token_uri;      /* default "pkcs11:token=appliance" */
	const char *pin_fwcfg;      /* fw_cfg item holding the PIN; default opt/org.updown/pin */
	const char *fwcfg_dir;      /* where the kernel shows fw_cfg items (tests) */
	enum hal_log_level log_level; /* default HAL_LOG_INFO */
};

struct board_qemu;

/* board_qemu_config_init: the defaults above (the image's layout). */
void board_qemu_config_init(struct board_qemu_config *cfg);

/*
 * board_qemu_parse_arg: if argv[*i] is a board option, store it (and its
 * value, argv[*i + 1]) into cfg, advance *i past what it used and return 1;
 * return 0 if it is not a board option (*i unchanged), HAL_ERR_ARG with a
 * message on stderr if it is one with a missing or bad value. The strings
 * stored point into argv. Options: see board_qemu_usage().
 */
int board_qemu_parse_arg(struct board_qemu_config *cfg, int argc, char **argv, int *i);

/* board_qemu_usage: the board options, one per line, for --help texts. */
const char *board_qemu_usage(void);

/*
 * board_qemu_open: check and copy cfg (strings are copied) and set up the
 * HAL; the network stays down until hal->net.ops->up(). Fails with
 * HAL_ERR_ARG (and a line on stderr) if storage_dir is not a directory, or
 * lies on tmpfs/ramfs (the initramfs: /data not mounted) unless
 * storage_volatile_ok. *out is owned by the caller: release it with
 * board_qemu_close(). Returns 0 or HAL_ERR_*.
 */
int board_qemu_open(const struct board_qemu_config *cfg, struct board_qemu **out);

/* board_qemu_hal: the HAL; valid until board_qemu_close(). */
const struct hal *board_qemu_hal(struct board_qemu *b);

/* board_qemu_close: take the interface down, free everything. NULL is ok. */
void board_qemu_close(struct board_qemu *b);

/*
 * board_qemu_parse_ipv4: "a.b.c.d" into four octets; with prefix != NULL
 * an optional "/n" (0..32) is accepted and stored (32 when absent).
 * Returns 0 or HAL_ERR_ARG.
 */
int board_qemu_parse_ipv4(const char *s, unsigned char out[4], int *prefix);

#endif
