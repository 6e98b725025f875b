/*
 * updown-appliance: the appliance on the posix board (a Linux process with
 * lwIP on a TAP device inside a network namespace the caller made).
 *
 *   updown-appliance --config CONFDIR/updown.conf [--load-bundle FILE]
 *       [--provision-port N] [--reconcile-interval SECONDS] [board options]
 *
 * Reads the configuration (proto/conf), opens the board's HAL (address from
 * [network] unless --addr is given), starts lwIP and brings the interface
 * up, opens HSM, store and engine (firmware/appliance.h), applies
 * --load-bundle FILE (removable media) if given, serves, prints the one-line
 * summary on stdout, and stops cleanly on SIGTERM/SIGINT. Exit codes:
 * APPLIANCE_EXIT_* in firmware/appliance.h (firmware/include/firmware/appliance.h).
 * The PIN never comes from the command line: the token URI's pin-source, or
 * the board's --pin-file.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/posix.h"
#include "firmware/appliance.h"
#include "fw_lwip.h"
#include "main_util.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: updown-appliance --config CONFDIR/updown.conf [options] [board options]\n"
	    "options:\n"
	    "  --config FILE             the appliance configuration (docs/configuration.md)\n"
	    "  --load-bundle FILE        apply a provisioning bundle before serving\n"
	    "  --provision-port N        port of the provisioning endpoint (default http_port+1)\n"
	    "  --reconcile-interval S    seconds between reconciliations (default %u)\n"
	    "board options:\n%s", APPLIANCE_DEFAULT_RECONCILE, board_posix_usage());
}

/* The board's network settings from [network], unless the command line set them. */
static void
net_from_conf(struct board_posix_config *bc, const struct conf *c)
{
	static const uint8_t zero[4];

	if (memcmp(bc->net.addr, zero, 4) == 0 && c->net.has_address) {
		memcpy(bc->net.addr, c->net.address, 4);
		main_netmask(c->net.prefix, bc->net.netmask);
	}
	if (memcmp(bc->net.gw, zero, 4) == 0 && c->net.has_gateway)
		memcpy(bc->net.gw, c->net.gateway, 4);
	if (c->net.has_mac) {
		static const uint8_t zmac[6];
		if (memcmp(bc->net.mac, zmac, 6) == 0)
			memcpy(bc->net.mac, c->net.mac, 6);
	}
	if (bc->net.mtu == 0 && c->net.mtu != 0)
		bc->net.mtu = (uint16_t)c->net.mtu;
}

int
main(int argc, char **argv)
{
	struct board_posix_config bc;
	struct board_posix *board = NULL;
	struct appliance_options ao;
	struct appliance *app = NULL;
	struct conf conf;
	struct conf_error ce;
	const struct hal *hal;
	const char *config = NULL, *bundle = NULL;
	char *confdir = NULL, msg[APPLIANCE_MSG_SIZE], line[2048];
	unsigned char *text = NULL;
	size_t len = 0;
	sigset_t set;
	int i, rc, sig, status = APPLIANCE_EXIT_RUNTIME;
	time_t now;

	conf_init(&conf);
	board_posix_config_init(&bc);
	memset(&ao, 0, sizeof(ao));
	for (i = 1; i < argc;) {
		if ((rc = board_posix_parse_arg(&bc, argc, argv, &i)) < 0)
			return APPLIANCE_EXIT_USAGE;
		if (rc == 1)
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "updown-appliance: bad or unknown option %s\n", argv[i]);
			usage();
			return APPLIANCE_EXIT_USAGE;
		}
		if (strcmp(argv[i], "--config") == 0)
			config = argv[i + 1];
		else if (strcmp(argv[i], "--load-bundle") == 0)
			bundle = argv[i + 1];
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
		usage();
		return APPLIANCE_EXIT_USAGE;
	}

	/* Signals go to sigwait() below; every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The configuration. */
	if ((text = main_slurp(config, CONF_MAX_TEXT, &len)) == NULL) {
		fprintf(stderr, "updown-appliance: %s: cannot read (or larger than %u bytes)\n",
		    config, CONF_MAX_TEXT);
		status = APPLIANCE_EXIT_CONFIG;
		goto out;
	}
	if ((rc = conf_parse((const char *)text, len, config, &conf, &ce)) != 0) {
		fprintf(stderr, "updown-appliance: %s\n", ce.msg);
		status = APPLIANCE_EXIT_CONFIG;
		goto out;
	}
	if (conf_ready(&conf, &ce) != 0) {
		fprintf(stderr, "updown-appliance: %s\n", ce.msg);
		status = APPLIANCE_EXIT_CONFIG;
		goto out;
	}
	if ((confdir = main_confdir(config)) == NULL)
		goto out;
	ao.confdir = confdir;

	/* The board. */
	net_from_conf(&bc, &conf);
	if ((rc = board_posix_open(&bc, &board)) != 0) {
		fprintf(stderr, "updown-appliance: board: error %d\n", rc);
		goto out;
	}
	hal = board_posix_hal(board);

	/* HSM, store, engine. */
	if ((rc = appliance_open(&conf, hal, &ao, &app, msg)) != 0) {
		fprintf(stderr, "updown-appliance: %s\n", msg);
		status = main_exit_status(rc);
		goto out;
	}
	if (bundle != NULL) {
		struct appliance_prov_result pr;

		memset(&pr, 0, sizeof(pr));
		unsigned char *der = main_slurp(bundle, APPLIANCE_MAX_BUNDLE, &len);

		if (der == NULL) {
			fprintf(stderr, "updown-appliance: %s: cannot read\n", bundle);
			status = APPLIANCE_EXIT_BUNDLE;
			goto out;
		}
		rc = hal_clock_now(&hal->clock, &now);
		if (rc == 0)
			rc = appliance_provision(app, der, len, now, &pr);
		free(der);
		fprintf(stderr, "updown-appliance: %s: %d %s\n", bundle, pr.http_status, pr.msg);
		if (rc != 0) {
			status = APPLIANCE_EXIT_BUNDLE;
			goto out;
		}
	}

	/* The network, then serve. */
	if ((rc = fw_lwip_start(&hal->entropy, &hal->log)) != 0) {
		fprintf(stderr, "updown-appliance: lwIP: error %d\n", rc);
		goto out;
	}
	if ((rc = hal->net.ops->up(hal->net.state, NULL)) != 0) {
		fprintf(stderr, "updown-appliance: network: error %d\n", rc);
		goto out;
	}
	if ((rc = appliance_serve(app, msg)) != 0) {
		fprintf(stderr, "updown-appliance: %s\n", msg);
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
	board_posix_close(board);
	conf_free(&conf);
	free(confdir);
	free(text);
	return status;
}
