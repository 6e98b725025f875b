/*
 * The appliance: the wiring of configuration, HSM, store, issuer engine,
 * HTTP servers and the provisioning endpoint (issue 5). Board-neutral: a
 * board's main (firmware/main_posix.c) reads the configuration file, brings
 * up its HAL and lwIP, and hands both to appliance_open(); the same code is
 * then testable without main.
 *
 * What it serves (firmware/include/firmware/appliance.h):
 *   - RFC 6492 on conf.net.http_port: each child's service URI path
 *     (service_uri_base's path + handle) and the shared path (that path
 *     without its final '/'), POST application/rpki-updown, answered by
 *     engine_handle() on the HTTP server's worker threads;
 *   - the provisioning endpoint on its own port (default http_port + 1),
 *     path conf.prov.path, POST application/x-updown-bundle: an M-of-N
 *     signed allocation table bundle (proto/bundle.h) whose version must be
 *     above the last applied one. Answers (text/plain, one line):
 *       200 applied (the engine's report)
 *       400 not a bundle (bundle_decode refused it)
 *       403 not signed by enough registered operators, or a registered
 *           operator's signature is bad (tampering)
 *       409 version not above the last applied one (replay)
 *       422 the table was refused: does not parse, invalid, a child's BPKI
 *           TA refused, or the safety brake (UD-104) without force
 *       500 our fault (store, signer); 405/413/415 from the HTTP server
 *     Anything but 200 changes nothing (see appliance_provision()).
 *   - a reconciliation job (engine_reconcile, UD-106) at start and every
 *     reconcile_interval seconds.
 *
 * Threads: appliance_provision() and the reconciliation job are serialised
 * by the appliance's provisioning lock; engine_handle() runs concurrently.
 */
#ifndef UPDOWN_FIRMWARE_APPLIANCE_H
#define UPDOWN_FIRMWARE_APPLIANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hal/hal.h"
#include "proto/conf.h"

/* Error codes: the APPLIANCE range -0x2300..-0x23FF. */
#define APPLIANCE_ERR_ARG      -0x2301 /* NULL or unusable argument */
#define APPLIANCE_ERR_NOMEM    -0x2302
#define APPLIANCE_ERR_CONFIG   -0x2303 /* a file the configuration names is missing or bad */
#define APPLIANCE_ERR_HSM      -0x2304 /* the PKCS#11 token cannot be opened */
#define APPLIANCE_ERR_STORE    -0x2305 /* the state store cannot be opened */
#define APPLIANCE_ERR_ENGINE   -0x2306 /* engine_open refused */
#define APPLIANCE_ERR_HTTP     -0x2307 /* an HTTP server could not start */
#define APPLIANCE_ERR_BUNDLE   -0x2308 /* a provisioning bundle was refused */

/* Exit codes of updown-appliance (firmware/include/firmware/appliance.h). */
#define APPLIANCE_EXIT_OK      0  /* clean shutdown after SIGTERM/SIGINT */
#define APPLIANCE_EXIT_RUNTIME 1  /* board, lwIP, network or HTTP failure */
#define APPLIANCE_EXIT_USAGE   2  /* bad command line */
#define APPLIANCE_EXIT_CONFIG  3  /* configuration file or a file it names */
#define APPLIANCE_EXIT_HSM     4
#define APPLIANCE_EXIT_STORE   5
#define APPLIANCE_EXIT_ENGINE  6
#define APPLIANCE_EXIT_BUNDLE  7  /* --load-bundle refused */

#define APPLIANCE_BUNDLE_TYPE       "application/x-updown-bundle"
#define APPLIANCE_DEFAULT_RECONCILE 600u     /* s */
#define APPLIANCE_MAX_BUNDLE        (64u << 20) /* bytes accepted at the endpoint */
#define APPLIANCE_MSG_SIZE          512u

struct appliance_options {
	const char *confdir;        /* directory of updown.conf (relative paths) */
	unsigned provision_port;    /* 0: conf http_port + 1 */
	unsigned reconcile_interval;/* s; 0: APPLIANCE_DEFAULT_RECONCILE */
	unsigned http_queue;        /* 0: the HTTP server's default */
};

/* The outcome of a provisioning attempt. */
struct appliance_prov_result {
	int http_status;            /* as listed above */
	uint64_t version;           /* the bundle's table version (0 if undecodable) */
	size_t children_added;      /* new children registered */
	char msg[APPLIANCE_MSG_SIZE];
};

struct appliance;

/*
 * appliance_open: open the HSM (signer_p11_open with conf->hsm; the PIN
 * comes from the token URI's pin-source, or else from hal->hsm.pin(), never
 * from a command line), the state store (conf state_dir, created on first
 * use), and the engine (classes, BPKI, policy from conf), and load the set
 * of known children. conf and hal are borrowed and must outlive the
 * appliance. Nothing is served yet. On failure *out is NULL, the code says
 * which part failed and msg (APPLIANCE_MSG_SIZE bytes, may be NULL) says why.
 */
int appliance_open(const struct conf *conf, const struct hal *hal,
    const struct appliance_options *opt, struct appliance **out, char *msg);

/*
 * appliance_provision: verify and apply len bytes of DER bundle (from the
 * endpoint or removable media) at time now: bundle_decode, bundle_verify
 * with the registered operators, the threshold and the last applied
 * version, then apply the table (engine_apply_table, force only when the
 * bundle says so), which registers the children it carries a BPKI TA for
 * in the same transaction: a refused table changes nothing. Returns 0
 * (applied) or APPLIANCE_ERR_BUNDLE / _NOMEM / _ARG; res says more.
 */
int appliance_provision(struct appliance *a, const unsigned char *der, size_t len,
    time_t now, struct appliance_prov_result *res);

/* appliance_reconcile: one reconciliation run now (also what the timer does). */
int appliance_reconcile(struct appliance *a, time_t now, char *msg);

/*
 * appliance_serve: start the HTTP servers (lwIP must be running and the
 * network up) and the reconciliation thread (which reconciles at once).
 */
int appliance_serve(struct appliance *a, char *msg);

/*
 * appliance_summary: the one-line start summary: address, handle, CA
 * classes with their resources, children, HSM token, endpoints.
 */
void appliance_summary(struct appliance *a, char *buf, size_t cap);

/*
 * appliance_stop: stop the reconciliation thread and the HTTP servers
 * (in-flight requests finish); the engine stays open. Idempotent.
 */
void appliance_stop(struct appliance *a);

/* appliance_close: stop, then close engine, store and HSM, free. NULL is ok. */
void appliance_close(struct appliance *a);

/* Static English text for an APPLIANCE_ERR_* code. */
const char *appliance_strerror(int err);

#endif /* UPDOWN_FIRMWARE_APPLIANCE_H */
