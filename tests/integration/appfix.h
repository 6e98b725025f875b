/*
 * Integration fixture for the appliance (tests/integration/test_*.c and, in
 * part, bench/bench_appliance.c): a key ceremony in a fresh SoftHSM token
 * (CA, BPKI TA and EE keys; certificates, BPKI CRL, TAL), operator keys, a
 * configuration directory, children (tests/firmware/engine/fixture.c), an
 * M-of-N provisioning bundle, and updown-appliance started inside this
 * process's private network namespace (tests/firmware/http/harness.c: tap0,
 * kernel side 10.77.0.1, lwIP 10.77.0.2).
 */
#ifndef UPDOWN_TESTS_APPFIX_H
#define UPDOWN_TESTS_APPFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fixture.h"
#include "http/harness.h"
#include "softhsm_fixture.h"

#define APP_PORT       80
#define APP_PROV_PORT  81
#define APP_PROV_PATH  "/provision"
#define APP_BASE_PATH  "/updown/"
#define APP_NCHILDREN  4   /* alice, bob, carol (in the table), mallory (never provisioned) */
#define APP_NOPS       3   /* registered operators; threshold 2 */

struct app {
	struct ef f;
	struct softhsm_fixture hsm;
	struct signer *p11;
	struct ef_child *child[APP_NCHILDREN];
	struct ef_key *op[APP_NOPS + 1];   /* [APP_NOPS]: an unregistered key */
	char conf[600], ta_pem[600], work[300];
	pid_t pid;
	int out;
	char summary[2048];
};

/*
 * app_setup: namespace, token, ceremony, configuration. Returns 0, or 1
 * with why filled when the machine cannot run the test (not root, no
 * SoftHSM); fails the test otherwise.
 */
int app_setup(struct app *a, char *why, size_t cap);
void app_teardown(struct app *a);

/* The allocation table text with the children's TAs (version v; carol has no grant). */
char *app_table(struct app *a, uint64_t version, bool shrink_alice);

/* A bundle of table, signed by the operators whose indices are in ops (n of them). */
unsigned char *app_bundle(struct app *a, const char *table, uint64_t version, const int *ops,
    size_t n, unsigned flags, size_t *len);

/* Start updown-appliance (extra: NULL-terminated arguments); waits for its summary line. */
void app_start(struct app *a, const char *const *extra);
/* SIGTERM and wait; returns the exit status (-1 if it had to be killed). */
int app_stop(struct app *a);
bool app_alive(struct app *a);

/* POST body to path on port with ctype on a new connection; 0 or -1 (r filled). */
int app_post(unsigned port, const char *path, const char *ctype, const void *body, size_t len,
    struct resp *r);

/*
 * Check a 200 response as the child would (cms_decode + cms_verify against
 * the appliance's BPKI TA, ud_decode, envelope) and with `openssl cms
 * -verify -crl_check` against the same TA (same XML out); m is filled.
 */
void app_check_reply(struct app *a, const struct ef_child *c, const struct resp *r,
    struct ud_msg *m);

/*
 * Sign xml as child c (now), POST it to the child's service URI (or the
 * shared path when shared), check the reply; returns 0 for a
 * list/issue/revoke_response of the right type, else the error code.
 */
unsigned app_exchange(struct app *a, struct ef_child *c, const char *xml, bool shared,
    struct ud_msg *m);

/* Run the openssl CLI: printf-style arguments, in a->work; returns its exit status. */
int app_openssl(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write/read a file in a->work. */
void app_write(struct app *a, const char *name, const void *p, size_t len);
unsigned char *app_read(struct app *a, const char *name, size_t *len);

/* Add the child's CRL as SignedData.crls to a DER CMS message (openssl cannot). */
unsigned char *app_splice_crl(const unsigned char *msg, size_t len, const unsigned char *crl,
    size_t crl_len, size_t *out_len);

#endif
