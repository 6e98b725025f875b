/*
 * The issuer engine: RFC 6492 requests and allocation changes in,
 * certificates, CRLs, manifests and signed replies out (issue 4).
 *
 * It wires proto/ (CMS, up-down XML, allocation tables), crypto/ (signer,
 * CSR checks, certificates, CRL, manifest, publication point) and the state
 * store together. Callers:
 *   - the HTTP server (next issue) calls engine_handle() from worker
 *     threads; the engine signs there, never on the network thread;
 *   - the host tool and the operator interface call engine_add_child(),
 *     engine_apply_table(), engine_class_update(), engine_reset_replay();
 *   - a periodic job calls engine_reconcile() (UD-106).
 *
 * Request handling (RFC 6492 section 3.2, in this order):
 *   1. CMS profile (cms_decode), 2. XML envelope (ud_decode_request),
 *   3. sender = a known child (and = the child named by the URL, if any,
 *      UD-5), recipient = our handle (UD-39), 4./5. signature, path to the
 *      child's BPKI TA, CRL (cms_verify at `now`, UD-33, UD-34),
 *   6. replay: signing-time >= the last accepted one (equal is fine, UD-35)
 *      and <= now + max_skew (rpki.net#281).
 *   Any failure so far: HTTP 400 and no up-down message (UD-8).
 *   Then 1101 if the child has a request in flight (UD-6), then version
 *   (1102), type (1103) and body errors (1203/2001) as signed
 *   error_responses (UD-41..UD-44, UD-121), then list / issue / revoke.
 *   The stored signing-time moves only for messages that passed 1..6, in
 *   the transaction of the request's state change; a 1101 leaves it alone.
 *
 * Certificates (issue, UD-60..UD-69, UD-83): granted = entitlement ∩ our
 * holdings ∩ request (an absent req_resource_set_* family = all, "" =
 * none); notAfter = the entitlement's notafter clipped to our certificate's;
 * the certificate is published at <gSKI>.cer in the class's repository, so
 * a re-issue to the same key overwrites the previous one (UD-142), and the
 * replaced certificate is revoked (always: it claimed at least as much, or
 * more, UD-66; this keeps one current certificate per key).
 *
 * Allocation changes (UD-100..UD-106): engine_apply_table(),
 * engine_class_update() and engine_reconcile() compare every current
 * certificate with its target = entitlement ∩ holdings (∩ the request's
 * limits) and its notAfter with the advertised one:
 *   shrink      re-issue for the same key (stored SPKI, same SIA, same
 *               request limits) with the smaller set, revoke the old one;
 *               with a grace period (UD-103) the whole step is scheduled
 *               grace seconds later (the old certificate stays published
 *               meanwhile), except when the old certificate exceeds our own
 *               holdings, which makes it invalid anyway: then at once;
 *   grow        re-issue only for a child whose request set no limits
 *               (UD-102);
 *   gone        revoke (UD-105), grace as for shrink;
 *   notafter    re-issue.
 * The brake (UD-104) refuses a change that would shrink or revoke more than
 * brake_max_count certificates, or more than brake_max_share of them once
 * more than brake_floor are affected, unless forced.
 *
 * Nothing half-applied (UD-162): serials, CRL and manifest numbers are
 * reserved durably (store_reserve_*) before anything is signed; then the
 * certificates, the CRL and the manifest are signed and staged in the
 * publication point; then one store transaction records the state change,
 * the audit records (one per signature with a CA key) and the child's
 * signing-time; then the publication point is committed; then the reply
 * is signed and returned. A crash anywhere burns numbers at worst;
 * engine_open() re-publishes every class from the store, so a crash
 * between the commit and the publication heals. After authentication
 * every failure is a signed 2001 with a short description (UD-122); a
 * signer (HSM) failure is a 2001 too, never a software fallback (UD-163).
 *
 * Replies are CMS signed with the BPKI EE key (signer_cms_sign), carrying
 * the current BPKI CRL, which the engine re-signs with the BPKI TA key
 * before it goes stale; with verify_replies the engine checks each reply
 * with cms_decode + cms_verify against our BPKI TA before returning it.
 *
 * Threads: engine_handle() may run concurrently from any number of
 * threads. Requests from different children run in parallel up to the
 * point where they change state: state changes (issue, revoke, tables,
 * reconciliation, publication) are serialised by one engine lock, signing
 * included; list requests never wait for another request's signing. The
 * store connection is used under its own lock. One request per child at a
 * time: an overlapping request from the same child gets a signed 1101.
 *
 * Time is an argument (now), as everywhere in proto/ and crypto/.
 * Errors are negative ENGINE_ERR_* codes; engine_strerror() names them.
 * Protocol outcomes (400, 1101..2001) are not errors: engine_handle()
 * returns 0 and describes them in struct engine_response.
 */
#ifndef UPDOWN_FIRMWARE_ENGINE_H
#define UPDOWN_FIRMWARE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/csr.h"
#include "crypto/signer.h"
#include "firmware/store.h"
#include "proto/alloc.h"

/* Error codes: the ENGINE range -0x0E00..-0x0EFF (docs/error-codes.md). */
#define ENGINE_ERR_ARG        -0x0E01 /* NULL or unusable argument */
#define ENGINE_ERR_NOMEM      -0x0E02
#define ENGINE_ERR_CONFIG     -0x0E03 /* configuration refused (engine_errmsg says why) */
#define ENGINE_ERR_STORE      -0x0E04 /* the state store failed */
#define ENGINE_ERR_SIGNER     -0x0E05 /* the signer (HSM) failed: key missing, signing failed */
#define ENGINE_ERR_PUBLISH    -0x0E06 /* the publication point could not be written */
#define ENGINE_ERR_BRAKE      -0x0E07 /* the safety brake refused the change (UD-104) */
#define ENGINE_ERR_TABLE      -0x0E08 /* allocation table refused: invalid, stale, unknown child/class */
#define ENGINE_ERR_NOT_FOUND  -0x0E09 /* no such child or class */
#define ENGINE_ERR_TA         -0x0E0A /* a child's BPKI TA was refused (UD-152) */
#define ENGINE_ERR_HANDLE     -0x0E0B /* a handle is not [-_A-Za-z0-9/]{1,255} (UD-154) */
#define ENGINE_ERR_KEY_ROLL   -0x0E0C /* a class certificate for another key: key roll unsupported (UD-141) */
#define ENGINE_ERR_CERT       -0x0E0D /* a certificate, CRL or manifest could not be made */
#define ENGINE_ERR_INTERNAL   -0x0E0E /* a bug: an inconsistency the engine cannot explain */

/* Bounds. */
#define ENGINE_MAX_CLASSES    64
#define ENGINE_LOG_SIZE       320      /* one operator log line, NUL included */
#define ENGINE_MSG_SIZE       512      /* engine_errmsg() / report text */

/* Defaults of struct engine_options (a zero field means the default). */
#define ENGINE_DEFAULT_SKEW           300           /* s: signing-time ahead of now (rpki.net#281) */
#define ENGINE_DEFAULT_CRL_VALIDITY   (24 * 3600)   /* s: CRL / manifest thisUpdate..nextUpdate */
#define ENGINE_DEFAULT_BPKI_VALIDITY  (7 * 86400)   /* s: BPKI CRL thisUpdate..nextUpdate */
#define ENGINE_DEFAULT_BRAKE_COUNT    100           /* certificates shrunk or revoked */
#define ENGINE_DEFAULT_BRAKE_SHARE    0.10          /* share of current certificates */
#define ENGINE_DEFAULT_BRAKE_FLOOR    3             /* share check only above this count */

/* Test hooks: points a fault-injection or timing test can act at. */
enum engine_hook_point {
	ENGINE_HOOK_AUTHENTICATED = 1, /* a request passed checks 1..6 and holds its child's slot */
	ENGINE_HOOK_RESERVED,          /* numbers reserved, nothing signed yet */
	ENGINE_HOOK_SIGNED,            /* certificates, CRL, manifest signed and staged */
	ENGINE_HOOK_COMMITTED,         /* the store transaction committed, not yet published */
	ENGINE_HOOK_PUBLISHED,         /* the publication point committed */
	ENGINE_HOOK_REPLY,             /* the reply is signed, about to be returned */
	ENGINE_HOOK_LOG_BATCH,         /* the exchange log's writer thread is about to write a batch */
};

/*
 * The exchange log's queue (UD-160): at most this many rows, or bytes of
 * copied requests and responses, wait for the writer; beyond either, a
 * request waits for room before its reply leaves (no row is dropped).
 */
#define ENGINE_LOG_QUEUE_ROWS  256
#define ENGINE_LOG_QUEUE_BYTES (4u << 20)
/* Called with the point reached; must not call back into the engine. */
typedef void (*engine_hook_fn)(void *arg, enum engine_hook_point point);

struct engine_options {
	unsigned max_skew;            /* s; default ENGINE_DEFAULT_SKEW */
	unsigned shrink_grace;        /* s; 0 (default): shrink and revoke at once (UD-103) */
	size_t brake_max_count;       /* default ENGINE_DEFAULT_BRAKE_COUNT; SIZE_MAX: off */
	double brake_max_share;       /* default ENGINE_DEFAULT_BRAKE_SHARE; >= 1: off */
	size_t brake_floor;           /* default ENGINE_DEFAULT_BRAKE_FLOOR */
	unsigned crl_validity;        /* s; default ENGINE_DEFAULT_CRL_VALIDITY */
	unsigned crl_refresh;         /* s; republish when less remains; default crl_validity / 2 */
	unsigned bpki_crl_validity;   /* s; default ENGINE_DEFAULT_BPKI_VALIDITY */
	unsigned backdate;            /* s subtracted from notBefore / thisUpdate; default 0 (UD-83) */
	bool verify_replies;          /* check every reply with cms_verify before returning it
	                                 (always on in builds without NDEBUG) */
	bool cms_der_only;            /* refuse BER requests (UD-24); default false: accept BER */
	struct csr_policy csr;        /* csr_check() policy (UD-76) */
};

/*
 * One resource class: our CA certificate for it and where we publish.
 * The repository (caRepository) and the manifest URI are read from the
 * certificate's SIA; the CRL is "<gSKI>.crl" next to the manifest unless
 * crl_name says otherwise.
 */
struct engine_class_config {
	const char *name;              /* class_name (printable ASCII, no spaces) */
	const unsigned char *cert;     /* our CA certificate for the class (DER) */
	size_t cert_len;
	const char *key_label;         /* its key in engine_config.signer */
	/*
	 * Where our CA certificate is published: the class cert_url (UD-52,
	 * UD-133) and the AIA of what we issue (UD-92). rsync URI.
	 */
	const char *cert_uri;
	const char *pub_root;          /* publication root directory (pubpoint.h) */
	const char *crl_name;          /* NULL: "<gSKI>.crl" */
};

struct engine_config {
	struct store *store;           /* borrowed; the engine serialises its use */
	struct signer *signer;         /* CA and BPKI keys (the HSM) */
	/*
	 * Where manifests' one-time EE keys are generated (RFC 9286 5.1);
	 * NULL: signer. A separate software signer avoids an HSM key
	 * generation per manifest (krill keeps one-time keys out of the HSM;
	 * bench_engine measures the cost). The EE certificate is always signed
	 * by the CA key in signer.
	 */
	struct signer *mft_signer;
	const char *handle;            /* our parent handle: the recipient children use */
	const struct engine_class_config *classes;
	size_t nclasses;
	/* BPKI (RFC 6492 3.1): our TA (children trust it) and the EE that signs replies. */
	const unsigned char *bpki_ta;
	size_t bpki_ta_len;
	const char *bpki_ta_key;       /* label; NULL: bpki_crl is used as is, never refreshed */
	const unsigned char *bpki_ee;
	size_t bpki_ee_len;
	const char *bpki_ee_key;       /* label */
	/* Current BPKI CRL (optional with bpki_ta_key: its entries are carried over). */
	const unsigned char *bpki_crl;
	size_t bpki_crl_len;
	/*
	 * Exchange log (UD-160): a directory for append-only files of records
	 * (proto/xlog.h; created if missing), or NULL to log into the store's
	 * exchanges table.
	 */
	const char *exchange_dir;
	struct engine_options opts;
	engine_hook_fn hook;           /* tests only; NULL */
	void *hook_arg;
};

struct engine;

/*
 * Open the engine at time now: check the configuration (each class
 * certificate against its key, its SIA, our holdings; the BPKI EE
 * against the BPKI TA), record classes and keys in the store (a changed
 * class certificate for the same key is recorded; run engine_reconcile()
 * or use engine_class_update() to bring certificates in line), make a
 * fresh BPKI CRL when bpki_ta_key is set, open each publication point and
 * re-publish it from the store (certificates, CRL, manifest), so a crash
 * between a commit and its publication heals. The config's pointers are
 * copied. On failure *out is NULL and, if errmsg is not NULL, *errmsg is a
 * malloc'd message for the operator (caller frees).
 */
int engine_open(const struct engine_config *cfg, time_t now, struct engine **out,
                char **errmsg);

/* Close publication points and free. The store and signers stay the caller's. Accepts NULL. */
void engine_close(struct engine *e);

/* The detail of the last failure of an engine_* call in this thread ("" if none). */
const char *engine_errmsg(void);

/* Static English text for an ENGINE_ERR_* code. */
const char *engine_strerror(int err);

/* What to send back for one request. */
struct engine_response {
	int http_status;               /* 200 with body, 400 without (UD-8), 500 if nothing could be signed */
	unsigned char *body;           /* signed CMS reply (malloc'd), NULL for 400/500 */
	size_t body_len;
	/* What happened, for the operator and tests. */
	unsigned status;               /* 0: list/issue/revoke_response; else the error_response code */
	int type;                      /* enum ud_type of the request, 0 if unknown */
	char child[256];               /* authenticated child ("" before authentication) */
	char log[ENGINE_LOG_SIZE];     /* one operator log line */
};
void engine_response_free(struct engine_response *r); /* accepts NULL; zeroes r */

/*
 * Handle one request (len bytes of CMS) at time now. url_child is the
 * child handle named by the request URL, or NULL when the service URI is
 * shared (UD-5). Always fills *resp (free with engine_response_free());
 * returns 0, or ENGINE_ERR_ARG / ENGINE_ERR_NOMEM when not even a 400
 * could be described. Every exchange is logged (UD-160), to the files in
 * engine_config.exchange_dir or else to the store, by the engine's log
 * writer in batches: one that records the child's signing-time (UD-35)
 * returns only when that signing-time is committed and its row written;
 * the others are queued (engine_log_flush() waits for them). A crash may
 * lose the last batch's rows, never state.
 */
int engine_handle(struct engine *e, const char *url_child, const unsigned char *req,
                  size_t len, time_t now, struct engine_response *resp);

/* Wait until every exchange queued before this call is in the store. Accepts NULL. */
void engine_log_flush(struct engine *e);

/* What a table, class update or reconciliation did (or would have done). */
struct engine_report {
	size_t current;                /* current certificates considered */
	size_t unchanged;
	size_t reissued;               /* grown, notafter moved, or a due schedule with no shrink */
	size_t shrunk;                 /* re-issued smaller, old one revoked */
	size_t revoked;                /* revoked: entitlement gone or empty */
	size_t scheduled;              /* shrink/revoke scheduled for after the grace period */
	size_t pending;                /* scheduled earlier, not yet due */
	size_t expired;                /* current in the store but past notAfter: left out */
	size_t affected;               /* what the brake counts: shrink + revoke + scheduled */
	bool brake;                    /* the brake refused (ENGINE_ERR_BRAKE) */
	size_t published;              /* publication points re-published */
	size_t children_added;         /* engine_apply_table: children the table registered */
	size_t children_changed;       /* engine_apply_table: BPKI TAs the table replaced */
	char msg[ENGINE_MSG_SIZE];     /* a line for the operator */
};

/*
 * Replace the entitlements with table t (version must increase; every
 * class configured; alloc_validate() errors such as overlaps refuse the
 * table) and bring every affected certificate in line (see above). A
 * child the table gives a BPKI TA ("child H ta=...", UD-155) is added, or
 * its TA replaced, in the same transaction as the entitlements, after the
 * checks engine_add_child makes; every other child with a grant must have
 * been added before. digest (may be NULL) is the SHA-256 of the table as
 * received, for the audit record. Unless force, the brake may refuse
 * (ENGINE_ERR_BRAKE, rep says how many). A refused table changes nothing:
 * no child, TA, entitlement or certificate (serial numbers reserved for
 * it stay burnt). rep may be NULL.
 */
int engine_apply_table(struct engine *e, const struct alloc_table *t, const uint8_t digest[32],
                       bool force, time_t now, struct engine_report *rep);

/*
 * Replace class class_name's CA certificate (same key; a different key is
 * ENGINE_ERR_KEY_ROLL) and bring every certificate in line with the new
 * holdings (holdings change), under the brake unless force.
 */
int engine_class_update(struct engine *e, const char *class_name, const unsigned char *cert,
                        size_t cert_len, bool force, time_t now, struct engine_report *rep);

/*
 * Periodic job (UD-106): the same reconciliation against the stored
 * entitlements and current holdings, due scheduled shrinks (UD-103),
 * re-publication of CRLs and manifests that come near their nextUpdate,
 * and a fresh BPKI CRL when it does. Under the brake unless force.
 */
int engine_reconcile(struct engine *e, bool force, time_t now, struct engine_report *rep);

/*
 * Add a child, or replace its BPKI TA (UD-155), from an RFC 8183
 * child_request: handle syntax (UD-154), TA checks (oob_check_bpki_ta at
 * now, UD-152). The child gets certificates once a table entitles it.
 */
int engine_add_child(struct engine *e, const char *handle, const unsigned char *bpki_ta,
                     size_t ta_len, time_t now);

/* Operator reset of a child's stored signing-time (UD-36); why goes to the audit record. */
int engine_reset_replay(struct engine *e, const char *handle, const char *why, time_t now);

/*
 * notAfter of the BPKI EE certificate our replies are signed with now (the
 * configured one, or the renewal the store kept), and when it will be
 * renewed ((time_t)INT64_MAX: never, without the TA key or past its end).
 */
void engine_bpki_ee_times(struct engine *e, time_t *not_after, time_t *renew_at);

/*
 * The engine's store, for callers that read it while the engine runs
 * (tests, status pages): call only between engine calls, or hold the
 * engine's store lock with engine_store_lock()/engine_store_unlock().
 */
struct store *engine_store(struct engine *e);
void engine_store_lock(struct engine *e);
void engine_store_unlock(struct engine *e);

#endif /* UPDOWN_FIRMWARE_ENGINE_H */
