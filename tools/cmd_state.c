/*
 * updownctl state: operator actions on the appliance's state store that
 * RFC 6492 puts outside the protocol.
 *
 *   state reset-replay --state DIR HANDLE [--why TEXT]
 *       Forget the last accepted signing-time of a child (UD-36): one
 *       message signed with a clock far in the future would otherwise lock
 *       the child out until that time (rpki.net#281). Recorded in the audit
 *       chain with the old value and the reason. Safe while the appliance
 *       runs: SQLite serialises the two writers.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/store.h"
#include "updownctl.h"

static int
state_reset_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "why", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *why = "operator reset (updownctl state reset-replay)";
	struct store *st = NULL;
	struct store_child child;
	char *errmsg = NULL;
	time_t now = time(NULL);
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': dir = optarg; break;
		case 'w': why = optarg; break;
		default: return ctl_usage();
		}
	}
	if (dir == NULL || optind != argc - 1)
		return ctl_usage();
	if ((rc = store_open(dir, 0, NULL, &st, &errmsg)) != 0) {
		fprintf(stderr, "updownctl: %s\n", errmsg != NULL ? errmsg : store_strerror(rc));
		free(errmsg);
		return rc == STORE_ERR_NOT_FOUND || rc == STORE_ERR_IO ? EXIT_IO : EXIT_REFUSED;
	}
	memset(&child, 0, sizeof(child));
	if ((rc = store_child_get(st, argv[optind], &child)) != 0) {
		fprintf(stderr, "updownctl: child '%s': %s\n", argv[optind], store_strerror(rc));
		store_close(st);
		return EXIT_REFUSED;
	}
	if ((rc = store_begin(st)) != 0 ||
	    (rc = store_child_replay_reset(st, argv[optind], now, why)) != 0 ||
	    (rc = store_commit(st)) != 0) {
		fprintf(stderr, "updownctl: reset-replay: %s: %s\n", store_strerror(rc),
		    store_errmsg(st));
		store_rollback(st);
		store_child_free(&child);
		store_close(st);
		return EXIT_REFUSED;
	}
	if (child.has_signing_time) {
		char buf[32];
		struct tm tm;

		gmtime_r(&child.last_signing_time, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("child %s: stored signing-time %s forgotten; the next valid message "
		    "sets it again\n", argv[optind], buf);
	} else {
		printf("child %s: no signing-time was stored; reset recorded\n", argv[optind]);
	}
	store_child_free(&child);
	store_close(st);
	return 0;
}

int
cmd_state(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "reset-replay") == 0)
		return state_reset_replay(argc - 1, argv + 1);
	return ctl_usage();
}
