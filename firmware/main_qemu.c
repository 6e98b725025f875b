/*
 * updown-appliance-qemu: the appliance on the qemu board, /firmware inside
 * the VM image that board/qemu/build-image makes (docs/qemu-board.md).
 *
 *   /firmware [--config FILE] [--load-bundle FILE] [--repo DIR]
 *       [--provision-port N] [--reconcile-interval SECONDS] [board options]
 *
 * The same wiring as the posix board's updown-appliance (main_posix.c),
 * with the image's layout as defaults, so the image needs no arguments:
 *   - configuration: --config, else the path held by the fw_cfg item
 *     opt/org.updown/config (board/qemu/boot --config PATH), else
 *     /data/conf/updown.conf (build-image --config CONFDIR puts it there);
 *   - state: a relative state_dir in updown.conf means the board's storage
 *     root (/data/state, the data disk) rather than CONFDIR/state, and a
 *     relative class pub_root means --repo (default /data/repo). Absolute
 *     paths in the file are used as they are;
 *   - PIN: through the HAL (fw_cfg item opt/org.updown/pin). A pin-source
 *     in the token URI (the host's ceremony needs one) is dropped, with a
 *     log line: a PIN file inside the image is what fw_cfg avoids;
 *   - bundle: --load-bundle FILE, else /data/bundle if it exists, applied
 *     before serving. Unlike the posix board, a refused bundle is logged
 *     and the appliance serves on with its current table: the file stays
 *     on the disk, so every later boot offers it again and the version
 *     rule refuses it (409) as a no-op;
 *   - clean shutdown on SIGTERM (/init sends it on the ACPI power button).
 * Exit codes: APPLIANCE_EXIT_* (firmware/include/firmware/appliance.h);
 * /init logs them on the console and powers the VM off.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/qemu.h"
#include "firmware/appliance.h"
#include "fw_lwip.h"
#include "main_util.h"

#define QEMU_CONF_DEFAULT   "/data/conf/updown.conf"
#define QEMU_CONF_FWCFG     "opt/org.updown/config"
#define QEMU_BUNDLE_DEFAULT "/data/bundle"
#define QEMU_REPO_DEFAULT   "/data/repo"
#define QEMU_MAX_PATH       1024u

static void
usage(void)
{
	fprintf(stderr,
	    "usage: updown-appliance-qemu [options] [board options]\n"
	    "options:\n"
	    "  --config FILE             the configuration (default: fw_cfg item "
	    QEMU_CONF_FWCFG ", else " QEMU_CONF_DEFAULT ")\n"
	    "  --load-bundle FILE        bundle applied before serving (default "
	    QEMU_BUNDLE_DEFAULT " if present)\n"
	    "  --repo DIR                publication root for relative pub_root (default "
	    QEMU_REPO_DEFAULT ")\n"
	    "  --provision-port N        port of the provisioning endpoint (default http_port+1)\n"
	    "  --reconcile-interval S    seconds between reconciliations (default %u)\n"
	    "board options:\n%s", APPLIANCE_DEFAULT_RECONCILE, board_qemu_usage());
}

/*
 * The configuration path from the fw_cfg item (one absolute path, a
 * trailing newline allowed), into out (QEMU_MAX_PATH bytes). 0, or -1 if
 * the item is absent or not an absolute path (a line on stderr then).
 */
static int
fwcfg_config(const char *fwcfg_dir, char *out)
{
	char path[QEMU_MAX_PATH];
	unsigned char *text;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s/raw", fwcfg_dir, QEMU_CONF_FWCFG);
	if ((text = main_slurp(path, QEMU_MAX_PATH - 1, &len)) == NULL)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len == 0 || text[0] != '/' || memchr(text, '\0', len) != NULL) {
		fprintf(stderr, "updown-appliance: fw_cfg %s: not an absolute path: ignored\n",
		    QEMU_CONF_FWCFG);
		free(text);
		return -1;
	}
	memcpy(out, text, len);
	out[len] = '\0';
	free(text);
	return 0;
}

/*
 * Drop the pin-source attribute from the query of a PKCS#11 URI, in place
 * (RFC 7512 section 2.3: attributes separated by '&'). Returns 1 if one
 * was removed, 0 if there was none.
 */
static int
strip_pin_source(char *uri)
{
	char *q = strchr(uri, '?'), *p, *amp, *w;
	int removed = 0;

	if (q == NULL)
		return 0;
	w = q + 1;
	for (p = q + 1; *p != '\0'; p = amp != NULL ? amp + 1 : p + strlen(p)) {
		size_t n;

		amp = strchr(p, '&');
		n = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (strncmp(p, "pin-source=", 11) == 0) {
			removed = 1;
			continue;
		}
		if (w != q + 1)
			*w++ = '&';
		memmove(w, p, n);
		w += n;
		if (amp == NULL)
			break;
	}
	*w = '\0';
	if (w == q + 1)
		*q = '\0';
	return removed;
}

/* Replace *field by a copy of value. 0 or -1 (out of memory). */
static int
replace(char **field, const char *value)
{
	char *s = strdup(value);

	if (s == NULL)
		return -1;
	free(*field);
	*field = s;
	return 0;
}

/* The board's network settings from [network] (as main_posix.c). */
static void
net_from_conf(struct board_qemu_config *bc, const struct conf *c)
{
	if (c->net.has_address) {
		memcpy(bc->net.addr, c->net.address, 4);
		main_netmask(c->net.prefix, bc->net.netmask);
	}
	if (c->net.has_gateway)
		memcpy(bc->net.gw, c->net.gateway, 4);
	if (c->net.mtu != 0 && bc->net.mtu == 0)
		bc->net.mtu = (uint16_t)c->net.mtu;
}

int
main(int argc, char **argv)
{
	struct board_qemu_config bc;
	struct board_qemu *board = NULL;
	struct appliance_options ao;
	struct appliance *app = NULL;
	struct conf conf;
	struct conf_error ce;
	const struct hal *hal = NULL;
	const char *config = NULL, *bundle = NULL, *repo = QEMU_REPO_DEFAULT;
	char cfgpath[QEMU_MAX_PATH], *confdir = NULL, msg[APPLIANCE_MSG_SIZE];
	char line[2048];
	unsigned char *text = NULL;
	size_t len = 0, k;
	struct stat st;
	sigset_t set;
	int i, rc, sig, status = APPLIANCE_EXIT_RUNTIME, pin_dropped;
	time_t now;

	conf_init(&conf);
	board_qemu_config_init(&bc);
	memset(&ao, 0, sizeof(ao));
	for (i = 1; i < argc;) {
		if ((rc = board_qemu_parse_arg(&bc, argc, argv, &i)) < 0)
			return APPLIANCE_EXIT_USAGE;
		if (rc == 1)
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		}
		if (i + 1 >= argc)
			goto bad;
		if (strcmp(argv[i], "--config") == 0)
			config = argv[i + 1];
		else if (strcmp(argv[i], "--load-bundle") == 0)
			bundle = argv[i + 1];
		else if (strcmp(argv[i], "--repo") == 0)
			repo = argv[i + 1];
		else if (strcmp(argv[i], "--provision-port") == 0) {
			if (main_uint(argv[i + 1], 65535, &ao.provision_port) != 0)
				goto bad;
		} else if (strcmp(argv[i], "--reconcile-interval") == 0) {
			if (main_uint(argv[i + 1], 31536000, &ao.reconcile_interval) != 0)
				goto bad;
		} else {
bad:
			fprintf(stderr, "updown-appliance: bad or unknown option %s\n", argv[i]);
			usage();
			return APPLIANCE_EXIT_USAGE;
		}
		i += 2;
	}
	if (config == NULL) {
		if (fwcfg_config(bc.fwcfg_dir != NULL ? bc.fwcfg_dir : BOARD_QEMU_FWCFG_DIR,
		    cfgpath) == 0)
			config = cfgpath;
		else
			config = QEMU_CONF_DEFAULT;
	}
	if (bundle == NULL && stat(QEMU_BUNDLE_DEFAULT, &st) == 0)
		bundle = QEMU_BUNDLE_DEFAULT;

	/* Signals go to sigwait() below; every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The configuration. */
	if ((text = main_slurp(config, CONF_MAX_TEXT, &len)) == NULL) {
		fprintf(stderr, "updown-appliance: %s: cannot read (or larger than %u bytes)%s\n",
		    config, CONF_MAX_TEXT, strcmp(config, QEMU_CONF_DEFAULT) == 0 ?
		    ": build the image with build-image --config CONFDIR" : "");
		status = APPLIANCE_EXIT_CONFIG;
		goto out;
	}
	if (conf_parse((const char *)text, len, config, &conf, &ce) != 0 ||
	    conf_ready(&conf, &ce) != 0) {
		fprintf(stderr, "updown-appliance: %s\n", ce.msg);
		status = APPLIANCE_EXIT_CONFIG;
		goto out;
	}
	if ((confdir = main_confdir(config)) == NULL)
		goto out;
	ao.confdir = confdir;

	/* The image's layout: state and publication on the data disk, PIN from fw_cfg. */
	if (conf.state_dir[0] != '/' && bc.storage_dir != NULL &&
	    replace(&conf.state_dir, bc.storage_dir) != 0)
		goto out;
	for (k = 0; k < conf.nclasses; k++)
		if (conf.classes[k].pub_root[0] != '/' &&
		    replace(&conf.classes[k].pub_root, repo) != 0)
			goto out;
	if (mkdir(repo, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "updown-appliance: mkdir %s: %s\n", repo, strerror(errno));
		goto out;
	}
	pin_dropped = strip_pin_source(conf.hsm.token_uri);

	/* The board. */
	net_from_conf(&bc, &conf);
	if ((rc = board_qemu_open(&bc, &board)) != 0) {
		fprintf(stderr, "updown-appliance: board: error %d\n", rc);
		goto out;
	}
	hal = board_qemu_hal(board);
	hal_logf(&hal->log, HAL_LOG_INFO, "updown-appliance: configuration %s, state %s, "
	    "publication %s", config, conf.state_dir, conf.nclasses ? conf.classes[0].pub_root :
	    "-");
	if (pin_dropped)
		hal_logf(&hal->log, HAL_LOG_INFO, "updown-appliance: token URI pin-source "
		    "ignored: the PIN comes from fw_cfg %s", BOARD_QEMU_PIN_FWCFG);

	/* HSM, store, engine. */
	if ((rc = appliance_open(&conf, hal, &ao, &app, msg)) != 0) {
		hal_logf(&hal->log, HAL_LOG_ERR, "updown-appliance: %s", msg);
		status = main_exit_status(rc);
		goto out;
	}
	if (bundle != NULL) {
		struct appliance_prov_result pr;
		unsigned char *der;

		memset(&pr, 0, sizeof(pr));
		if ((der = main_slurp(bundle, APPLIANCE_MAX_BUNDLE, &len)) == NULL) {
			hal_logf(&hal->log, HAL_LOG_WARN, "updown-appliance: bundle %s: cannot "
			    "read: serving the current table", bundle);
		} else {
			rc = hal_clock_now(&hal->clock, &now);
			if (rc == 0)
				rc = appliance_provision(app, der, len, now, &pr);
			free(der);
			if (rc == 0)
				hal_logf(&hal->log, HAL_LOG_INFO, "updown-appliance: bundle %s: "
				    "%d %s", bundle, pr.http_status, pr.msg);
			else if (pr.http_status == 409)
				hal_logf(&hal->log, HAL_LOG_INFO, "updown-appliance: bundle %s: "
				    "already applied (%s)", bundle, pr.msg);
			else
				hal_logf(&hal->log, HAL_LOG_WARN, "updown-appliance: bundle %s "
				    "refused (%d %s): serving the current table", bundle,
				    pr.http_status, rc == 0 || pr.msg[0] ? pr.msg :
				    "no UTC clock");
		}
	}

	/* The network, then serve. */
	if ((rc = fw_lwip_start(&hal->entropy, &hal->log)) != 0) {
		hal_logf(&hal->log, HAL_LOG_ERR, "updown-appliance: lwIP: error %d", rc);
		goto out;
	}
	if ((rc = hal->net.ops->up(hal->net.state, NULL)) != 0) {
		hal_logf(&hal->log, HAL_LOG_ERR, "updown-appliance: network: error %d", rc);
		goto out;
	}
	if ((rc = appliance_serve(app, msg)) != 0) {
		hal_logf(&hal->log, HAL_LOG_ERR, "updown-appliance: %s", msg);
		goto out;
	}
	appliance_summary(app, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);

	while (sigwait(&set, &sig) != 0)
		;
	hal_logf(&hal->log, HAL_LOG_INFO, "updown-appliance: signal %d, stopping", sig);
	appliance_stop(app);
	printf("updown-appliance: stopped\n");
	fflush(stdout);
	status = APPLIANCE_EXIT_OK;
out:
	appliance_close(app);
	board_qemu_close(board);
	conf_free(&conf);
	free(confdir);
	free(text);
	return status;
}
