/*
 * The state store: everything the CA must remember, in one SQLite database
 * (Debian's libsqlite3), crash-safe (UD-162).
 *
 * Durability. The database runs in WAL mode with synchronous=FULL (the WAL
 * is fsync'd at every commit; fullfsync/checkpoint_fullfsync are set too,
 * they matter only on macOS), foreign keys on, cell_size_check on, a busy
 * timeout (another process, e.g. the host tool, may read while we run).
 * Every mutation happens inside a transaction (store_begin = BEGIN
 * IMMEDIATE); a mutation outside one is refused (STORE_ERR_NO_TXN). The
 * engine does: begin -> state change (the store writes the audit records
 * itself, audit.h) -> commit -> only then does the response leave. A failed
 * commit leaves the state as it was before begin: answer 2001.
 *
 * Numbers that are never reused. Certificate serials, CRL numbers and
 * manifest numbers are reserved by store_reserve_*(), which commit the new
 * value durably in their own transaction BEFORE the caller signs anything.
 * A crash between reserving and storing burns the number; it is never
 * handed out twice, and the store refuses to record a certificate, CRL or
 * manifest whose number was not reserved first.
 *   - Serials: one monotonic counter for the whole store. At creation it
 *     starts at a random point S in [2^40, 2^40 + 2^60) (from the caller's
 *     RNG), so a store recreated from scratch for the same CA key is very
 *     unlikely to repeat an old serial; at least 2^62 serials remain.
 *     Serials are positive and below 2^63: at most 8 content octets in the
 *     DER INTEGER (RFC 5280 4.1.2.2 allows 20).
 *   - CRL and manifest numbers: one counter each per issuing key (our key's
 *     SKI), starting at 1 for a new key (RFC 5280 5.2.3, RFC 9286 4.2.1,
 *     UD-130, UD-131).
 *   - After restoring a backup (which rewinds every counter), raise the
 *     counters past anything published since with store_counter_raise().
 * At open the store also checks that no recorded certificate, CRL or
 * manifest carries a number above its counter.
 *
 * Integrity at open. store_open runs PRAGMA integrity_check (or
 * quick_check), foreign_key_check, the schema version, the counters check
 * above and a full walk of the audit chain (or only its head), and refuses a
 * damaged store (STORE_ERR_CORRUPT / STORE_ERR_AUDIT) with a message naming
 * the file and what is wrong, rather than serve wrong data.
 *
 * Model (tables; every per-request lookup goes through an index, see
 * store_explain()):
 *   meta          schema version, store id, creation time, allocation
 *                 table version, audit head
 *   counters      the serial counter
 *   classes       our resource classes: our certificate (DER), our key's
 *                 SKI and HSM label, publication URIs
 *   children      handle, BPKI TA (RFC 8183 child_request), replay state
 *                 (last accepted signing-time, UD-35; reset time, UD-36)
 *   entitlements  child x class -> AS/IPv4/IPv6 (canonical RFC 6492 text)
 *                 and notafter; replaced wholesale by store_alloc_apply()
 *   certs         every certificate we issued to a child: serial, child,
 *                 class, subject key (SKI + SPKI), issuing key, SIA, the
 *                 requested sets of that issue (UD-54, UD-65), certified
 *                 resources, validity, DER, publication URI, state
 *                 (current / revoked), revoked_at, revoke_after (UD-103)
 *   issuers       per issuing key: CRL and manifest counters, the last
 *                 CRL/manifest number recorded and its this/nextUpdate
 *   keys          SKI -> HSM key label for our own keys (UD-163)
 *   audit         the audit chain (audit.h)
 *   exchanges     raw request/response CMS log (UD-160), prunable, not
 *                 part of the chain
 *
 * Conventions. Functions return 0 or a negative STORE_ERR_* code;
 * store_errmsg() then says more (which table, which child, SQLite's text).
 * Times are time_t seconds UTC, passed in by the caller (the store never
 * reads the clock). SKIs are 20 octets (SHA-1, RFC 6487 4.8.2). Resource
 * sets are RFC 6492 text and must be canonical (what res_set_print()
 * writes); "" is the empty set. In struct store_cert the req_* fields
 * distinguish absent (NULL) from empty ("") (UD-54, UD-65).
 * Value structs (store_class, store_child, ...) returned by _get functions
 * own their strings and buffers: release them with the matching _free,
 * which accepts NULL and leaves the struct zeroed. A struct handed to an
 * iteration callback belongs to the store and is valid only during the
 * call; a callback returns 0 to go on, anything else stops the iteration
 * and is returned by the iterating function.
 *
 * One struct store is one SQLite connection, for one thread at a time.
 * Besides SQLite's own file I/O the store makes one OS call: stat() in
 * store_open to tell a directory from a database path.
 */
#ifndef UPDOWN_FIRMWARE_STORE_H
#define UPDOWN_FIRMWARE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "firmware/audit.h"

#define STORE_ERR_ARG        -0x0901 /* NULL or unusable argument */
#define STORE_ERR_NOMEM      -0x0902
#define STORE_ERR_IO         -0x0903 /* the database file cannot be opened, read or written */
#define STORE_ERR_CORRUPT    -0x0904 /* integrity or consistency check failed: damaged store */
#define STORE_ERR_AUDIT      -0x0905 /* the audit chain does not verify */
#define STORE_ERR_VERSION    -0x0906 /* schema newer than this build, or unknown */
#define STORE_ERR_BUSY       -0x0907 /* locked by another connection past the busy timeout */
#define STORE_ERR_NO_TXN     -0x0908 /* mutation outside a transaction */
#define STORE_ERR_IN_TXN     -0x0909 /* begin or reserve while a transaction is open */
#define STORE_ERR_NOT_FOUND  -0x090A /* no such child, class, certificate, key, file */
#define STORE_ERR_EXISTS     -0x090B /* duplicate serial, label, SKI */
#define STORE_ERR_STALE      -0x090C /* a value that must increase does not (table version, signing-time, CRL number) */
#define STORE_ERR_RANGE      -0x090D /* counter exhausted; value out of range; buffer too small */
#define STORE_ERR_INVALID    -0x090E /* field fails validation (handle syntax, non-canonical resources, lengths) */
#define STORE_ERR_READONLY   -0x090F /* mutation on a store opened read-only */
#define STORE_ERR_FULL       -0x0910 /* disk full */
#define STORE_ERR_NOT_STORE  -0x0911 /* the file is not an updown store */
#define STORE_ERR_INTERNAL   -0x0912 /* unexpected SQLite result (a bug) */
#define STORE_ERR_NOT_RESERVED -0x0913 /* serial/CRL/manifest number above its counter: never reserved */

/* Bounds, checked before anything is stored. */
#define STORE_DB_NAME        "updown.db" /* file name used when store_open gets a directory */
#define STORE_SKI_LEN        20
#define STORE_MAX_HANDLE     255         /* UD-154 */
#define STORE_MAX_CLASS      255
#define STORE_MAX_URI        2048        /* one URI; cert_uris may list several */
#define STORE_MAX_URIS       8192        /* a comma-separated URI list */
#define STORE_MAX_LABEL      255
#define STORE_MAX_DER        (4u << 20)  /* certificate, TA, SPKI, CRL, manifest */
#define STORE_MAX_CMS        (8u << 20)  /* one logged request or response (UD-160) */
#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_SCHEMA_VERSION 1

/* store_open flags. */
#define STORE_CREATE          0x01u /* create the store if the file does not exist or is empty */
#define STORE_READONLY        0x02u /* no writes at all (host tool); mutations get STORE_ERR_READONLY */
#define STORE_QUICK_CHECK     0x04u /* PRAGMA quick_check instead of integrity_check */
#define STORE_AUDIT_HEAD_ONLY 0x08u /* check only the audit head, not the whole chain */
#define STORE_NO_CHECK        0x10u /* skip every open-time check (benchmarks and tests only) */

struct store;

/* Needed when STORE_CREATE creates a new store; else may be NULL. */
struct store_open_args {
	int (*f_rng)(void *p_rng, unsigned char *buf, size_t len); /* 0 on success */
	void *p_rng;
	time_t now;               /* creation time for the "init" audit record */
};

/*
 * Open (and with STORE_CREATE create) the store at path: a directory
 * (then the database is path/STORE_DB_NAME) or a database file. Sets the
 * pragmas, creates or migrates the schema in one transaction, then runs
 * the open-time checks (see above) unless STORE_NO_CHECK.
 * On success *out is the store (store_close frees it) and *errmsg NULL.
 * On failure *out is NULL and, if errmsg is not NULL, *errmsg is a
 * malloc'd message for the operator naming the file and the fault (caller
 * frees; may be NULL if even that allocation failed). Returns
 * STORE_ERR_NOT_FOUND (no file and no STORE_CREATE), STORE_ERR_CORRUPT,
 * STORE_ERR_AUDIT, STORE_ERR_VERSION, STORE_ERR_NOT_STORE, STORE_ERR_IO, ...
 */
int store_open(const char *path, unsigned flags, const struct store_open_args *args,
               struct store **out, char **errmsg);

/* Roll back any open transaction, finalize, close. Accepts NULL. */
void store_close(struct store *s);

/* The database file's path (owned by the store). */
const char *store_path(const struct store *s);

/* The detail of the last failure on s ("" if none); valid until the next call on s. */
const char *store_errmsg(const struct store *s);

/* A short text for a STORE_ERR_* code. */
const char *store_strerror(int err);

/* What the store knows about itself. */
struct store_info {
	int schema_version;
	char store_id[33];          /* 16 random octets, hex, chosen at creation */
	time_t created;
	uint64_t serial_start;      /* first serial this store handed out */
	uint64_t serial_last;       /* last serial reserved (serial_start - 1 if none) */
	uint64_t alloc_version;     /* 0 before the first allocation table */
	uint64_t audit_seq;         /* audit head */
	uint8_t audit_hash[AUDIT_HASH_LEN];
	char journal_mode[16];      /* "wal" (read back from SQLite) */
	int synchronous;            /* 2 = FULL (read back) */
	bool foreign_keys;          /* read back */
};
int store_info(struct store *s, struct store_info *info);

/* ---- transactions ---- */

/* BEGIN IMMEDIATE. STORE_ERR_IN_TXN if one is open, STORE_ERR_BUSY. */
int store_begin(struct store *s);
/* COMMIT. On failure the transaction is rolled back and the error returned. */
int store_commit(struct store *s);
/* ROLLBACK (no-op without a transaction). */
int store_rollback(struct store *s);
/*
 * A read transaction (BEGIN DEFERRED ... COMMIT) around several reads: they
 * see one snapshot, and the file locks are taken once rather than per
 * statement. No writes inside (STORE_ERR_IN_TXN if one is open).
 */
int store_read_begin(struct store *s);
int store_read_end(struct store *s);
bool store_in_txn(const struct store *s);

/* ---- counters (each commits on its own; STORE_ERR_IN_TXN inside a transaction) ---- */

/* Reserve the next certificate serial (see "Numbers" above). */
int store_reserve_serial(struct store *s, uint64_t *serial);
/* Reserve the next CRL / manifest number of issuing key ski. */
int store_reserve_crl_number(struct store *s, const uint8_t ski[STORE_SKI_LEN], uint64_t *number);
int store_reserve_mft_number(struct store *s, const uint8_t ski[STORE_SKI_LEN], uint64_t *number);

enum store_counter {
	STORE_COUNTER_SERIAL = 1,
	STORE_COUNTER_CRL,
	STORE_COUNTER_MFT,
};
/*
 * Operator recovery after a restore: make the next reserved number of the
 * counter greater than floor (never lowers a counter). ski is the issuing
 * key for CRL/MFT, ignored for serials. Commits on its own with a
 * "counter-raised" audit record. STORE_ERR_RANGE if floor >= 2^63 - 1.
 */
int store_counter_raise(struct store *s, enum store_counter c,
                        const uint8_t ski[STORE_SKI_LEN], uint64_t floor, time_t now);

/* ---- resource classes ---- */

struct store_class {
	char *name;                 /* class_name */
	uint8_t *cert;              /* our CA certificate for the class (DER) */
	size_t cert_len;
	uint8_t key_ski[STORE_SKI_LEN]; /* our key for the class */
	char *key_label;            /* its HSM label */
	char *cert_uris;            /* class cert_url (UD-52): comma-separated, %2C-escaped */
	char *repo_uri;             /* caRepository where child certificates are published (UD-133) */
	char *crl_uri;              /* our CRL (CRLDP of child certificates) */
	char *mft_uri;              /* our manifest */
	char *notify_uri;           /* RRDP notification URI, or NULL */
	time_t updated;
};
void store_class_free(struct store_class *c);

/* Insert or update the class c->name (in a transaction; "class" audit record). */
int store_class_put(struct store *s, const struct store_class *c, time_t now);
/* STORE_ERR_NOT_FOUND if there is no such class. */
int store_class_get(struct store *s, const char *name, struct store_class *out);
typedef int (*store_class_fn)(void *arg, const struct store_class *c);
int store_class_foreach(struct store *s, store_class_fn fn, void *arg);

/* ---- children ---- */

struct store_child {
	char *handle;
	uint8_t *bpki_ta;           /* the child's BPKI trust anchor (DER, UD-33) */
	size_t bpki_ta_len;
	bool has_signing_time;      /* false: none accepted yet, or reset (UD-36) */
	time_t last_signing_time;   /* UD-35 */
	bool was_reset;
	time_t replay_reset_at;     /* last operator reset (UD-36) */
	time_t created;
	time_t updated;
};
void store_child_free(struct store_child *c);

/*
 * Add the child, or replace its BPKI TA (UD-155: a new child_request for
 * the same handle replaces the TA). The handle must match UD-154
 * ([-_A-Za-z0-9/], 1..255). Replacing the TA keeps the replay state. In a
 * transaction; "child" audit record with digest = SHA-256(TA).
 */
int store_child_put(struct store *s, const char *handle, const uint8_t *ta, size_t ta_len,
                    time_t now);
int store_child_get(struct store *s, const char *handle, struct store_child *out);
int store_child_count(struct store *s, uint64_t *n);
typedef int (*store_child_fn)(void *arg, const struct store_child *c);
int store_child_foreach(struct store *s, store_child_fn fn, void *arg);

/*
 * UD-35: record the signing-time of a message that passed every check.
 * Refuses (STORE_ERR_STALE) a time earlier than the stored one; an equal
 * time is accepted. In a transaction (the request's).
 */
int store_child_replay_update(struct store *s, const char *handle, time_t signing_time);
/*
 * UD-36: operator reset: forget the stored signing-time, so the next valid
 * message is accepted whatever its time. In a transaction; "replay-reset"
 * audit record carrying the old value and why.
 */
int store_child_replay_reset(struct store *s, const char *handle, time_t now, const char *why);

/* ---- entitlements (the allocation table) ---- */

struct store_entitlement {
	char *child;
	char *class_name;
	char *as;                   /* canonical RFC 6492 text, "" when empty */
	char *v4;
	char *v6;
	time_t not_after;           /* resource_set_notafter (UD-52, UD-56) */
};
void store_entitlement_free(struct store_entitlement *e);

/*
 * Replace every entitlement with the n entries of ents (the applied
 * allocation table, version `version`, which must be greater than the
 * stored one: STORE_ERR_STALE). Each child and class must exist
 * (STORE_ERR_NOT_FOUND names the first missing one); each (child, class)
 * at most once (STORE_ERR_EXISTS); resources canonical
 * (STORE_ERR_INVALID). digest (may be NULL) is the SHA-256 of the table as
 * received, recorded in the "table-applied" audit record. In a
 * transaction; on error the caller rolls back.
 */
int store_alloc_apply(struct store *s, uint64_t version, const struct store_entitlement *ents,
                      size_t n, const uint8_t digest[AUDIT_HASH_LEN], time_t now);
int store_alloc_version(struct store *s, uint64_t *version);
/* STORE_ERR_NOT_FOUND if the child has no entitlement in the class. */
int store_entitlement_get(struct store *s, const char *child, const char *class_name,
                          struct store_entitlement *out);
typedef int (*store_entitlement_fn)(void *arg, const struct store_entitlement *e);
/* The child's entitlements, by class name (list_response, UD-51). */
int store_entitlement_foreach_child(struct store *s, const char *child,
                                    store_entitlement_fn fn, void *arg);

/* ---- certificates issued to children ---- */

enum store_cert_state {
	STORE_CERT_CURRENT = 0,
	STORE_CERT_REVOKED = 1,
};

struct store_cert {
	uint64_t serial;
	char *child;
	char *class_name;
	uint8_t ski[STORE_SKI_LEN];        /* the child's key */
	uint8_t issuer_ski[STORE_SKI_LEN]; /* our key that signed it */
	uint8_t *spki;                     /* the child's SubjectPublicKeyInfo (DER) */
	size_t spki_len;
	char *sia_repo;                    /* caRepository */
	char *sia_mft;                     /* rpkiManifest */
	char *sia_notify;                  /* rpkiNotify or NULL */
	char *req_as;                      /* requested sets of this issue: NULL = absent, */
	char *req_v4;                      /*   "" = present and empty (UD-54, UD-65) */
	char *req_v6;
	char *as;                          /* certified resources (canonical text) */
	char *v4;
	char *v6;
	time_t not_before;
	time_t not_after;
	uint8_t *der;                      /* the certificate */
	size_t der_len;
	char *cert_uri;                    /* where it is published (UD-133) */
	enum store_cert_state state;
	time_t issued_at;
	time_t revoked_at;                 /* when state == REVOKED */
	bool has_revoke_after;
	time_t revoke_after;               /* scheduled revocation (UD-103) */
};
void store_cert_free(struct store_cert *c);

/*
 * Record a certificate we just signed (state must be CURRENT; revoked_at
 * and revoke_after are ignored). Its serial must have been reserved
 * (STORE_ERR_NOT_RESERVED) and not used (STORE_ERR_EXISTS); child and
 * class must exist. In a transaction; "issue" audit record with
 * digest = SHA-256(DER).
 */
int store_cert_insert(struct store *s, const struct store_cert *c, time_t now);
int store_cert_get(struct store *s, uint64_t serial, struct store_cert *out);
typedef int (*store_cert_fn)(void *arg, const struct store_cert *c);

/* Current certificates of (child, class), newest (highest serial) first (UD-54). */
int store_certs_current(struct store *s, const char *child, const char *class_name,
                        store_cert_fn fn, void *arg);
/*
 * Every certificate, of any child, in any state, whose subject key is ski,
 * in class_name (or in any class if class_name is NULL): UD-64 key reuse
 * across children and classes, UD-115 revoked keys count.
 */
int store_certs_by_key(struct store *s, const char *class_name, const uint8_t ski[STORE_SKI_LEN],
                       store_cert_fn fn, void *arg);
/*
 * UD-112: revoke every current certificate of child with key ski in class
 * (only that child's). *count (may be NULL) = how many were revoked (0 is
 * not an error: UD-114 idempotence is the caller's decision). In a
 * transaction; one "revoke" audit record per certificate.
 */
int store_cert_revoke_key(struct store *s, const char *child, const char *class_name,
                          const uint8_t ski[STORE_SKI_LEN], time_t now, const char *why,
                          unsigned *count);
/* Revoke one certificate (shrink, replacement: UD-66, UD-101). Revoking a revoked one is a no-op. */
int store_cert_revoke(struct store *s, uint64_t serial, time_t now, const char *why);
/*
 * UD-103: schedule the revocation of a current certificate at `when`
 * (grace period after a shrink); store_certs_due lists those due.
 */
int store_cert_schedule_revoke(struct store *s, uint64_t serial, time_t when, time_t now,
                               const char *why);
/* Current certificates whose scheduled revocation time is <= now. */
int store_certs_due(struct store *s, time_t now, store_cert_fn fn, void *arg);
/*
 * UD-130: revoked certificates signed by issuing key issuer_ski whose
 * notAfter >= keep_after, by serial. The caller picks keep_after so an
 * entry stays until one scheduled CRL after the certificate expired.
 */
int store_certs_for_crl(struct store *s, const uint8_t issuer_ski[STORE_SKI_LEN],
                        time_t keep_after, store_cert_fn fn, void *arg);
/* Current certificates signed by issuer_ski (the manifest's child objects, UD-131). */
int store_certs_current_for_issuer(struct store *s, const uint8_t issuer_ski[STORE_SKI_LEN],
                                   store_cert_fn fn, void *arg);
/* Every current certificate (reconciliation: UD-101, UD-105, UD-106). */
int store_certs_current_all(struct store *s, store_cert_fn fn, void *arg);

/* ---- CRL and manifest state per issuing key ---- */

struct store_issuer {
	uint8_t ski[STORE_SKI_LEN];
	uint64_t crl_reserved;      /* last CRL number handed out */
	uint64_t crl_last;          /* last CRL number recorded (0 = none) */
	time_t crl_this_update, crl_next_update;
	uint64_t mft_reserved;
	uint64_t mft_last;
	time_t mft_this_update, mft_next_update;
};

/*
 * Record the CRL (or manifest) just signed with issuing key ski: number
 * must be reserved (STORE_ERR_NOT_RESERVED) and greater than the last
 * recorded one (STORE_ERR_STALE). In a transaction; "crl" / "manifest"
 * audit record with digest = SHA-256(der). class_name is for the record.
 */
int store_crl_record(struct store *s, const uint8_t ski[STORE_SKI_LEN], const char *class_name,
                     uint64_t number, time_t this_update, time_t next_update,
                     const uint8_t *der, size_t der_len, time_t now);
int store_mft_record(struct store *s, const uint8_t ski[STORE_SKI_LEN], const char *class_name,
                     uint64_t number, time_t this_update, time_t next_update,
                     const uint8_t *der, size_t der_len, time_t now);
/* STORE_ERR_NOT_FOUND if nothing was ever reserved for ski. */
int store_issuer_get(struct store *s, const uint8_t ski[STORE_SKI_LEN], struct store_issuer *out);

/* ---- our BPKI EE certificate ---- */

/*
 * Keep der as the BPKI EE certificate that signs our replies, replacing
 * the one kept before: the engine renews it with the BPKI TA key before
 * it expires (the configured file stays the ceremony's). In a
 * transaction; "bpki" audit record with serial and digest.
 */
int store_bpki_ee_put(struct store *s, const uint8_t *der, size_t len, uint64_t serial,
                      time_t now);
/* The certificate kept (*der malloc'd), or STORE_ERR_NOT_FOUND if none was. */
int store_bpki_ee_get(struct store *s, uint8_t **der, size_t *len);

/* ---- our keys: SKI -> HSM label (UD-163) ---- */

/*
 * Record that our key ski lives in the HSM under label (role: free text
 * such as "ca", "bpki-ta", "bpki-ee"). SKI and label are each unique
 * (STORE_ERR_EXISTS); re-recording the same pair is a no-op. In a
 * transaction; "key" audit record.
 */
int store_key_put(struct store *s, const uint8_t ski[STORE_SKI_LEN], const char *label,
                  const char *role, time_t now);
/* *label is malloc'd (caller frees). STORE_ERR_NOT_FOUND. */
int store_key_label(struct store *s, const uint8_t ski[STORE_SKI_LEN], char **label);
int store_key_by_label(struct store *s, const char *label, uint8_t ski[STORE_SKI_LEN]);

/* ---- the audit chain ---- */

/*
 * Append a record for a signature the other store functions do not record
 * (AUDIT_TA, AUDIT_BPKI, AUDIT_EE, AUDIT_OTHER, ...). rec->seq, prev and
 * hash are ignored and assigned. In a transaction.
 */
int store_audit_append(struct store *s, const struct audit_record *rec);
int store_audit_head(struct store *s, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN]);
typedef int (*store_audit_fn)(void *arg, const struct audit_record *r);
/* Records with seq >= from, in order. */
int store_audit_foreach(struct store *s, uint64_t from, store_audit_fn fn, void *arg);
/* Walk the whole chain (audit_verify_db on the store's connection). */
int store_audit_verify(struct store *s, struct audit_report *rep);

/* ---- request/response log (UD-160) ---- */

/*
 * Log one exchange: the raw request CMS, our raw response (either may be
 * NULL), the child (NULL if unknown), the message type and the outcome
 * ("ok", "400", "1202", ...). Inside the request's transaction it commits
 * with it; outside one it commits on its own.
 */
int store_exchange_log(struct store *s, time_t now, const char *child, const char *type,
                       const char *outcome, const uint8_t *req, size_t req_len,
                       const uint8_t *resp, size_t resp_len);
/* One exchange of store_exchange_batch(); rc is set by it. */
struct store_exchange {
	time_t now;
	const char *child, *type, *outcome;
	const uint8_t *req, *resp;
	size_t req_len, resp_len;
	bool set_replay;               /* also store_child_replay_update(child, replay_time) */
	time_t replay_time;
	int rc;                        /* out: 0 when this entry is stored */
};
/*
 * Log n exchanges in one transaction of their own (group commit): durable
 * (synchronous = FULL) when any entry records a signing-time, otherwise
 * without an fsync like a lone store_exchange_log(). If the transaction
 * fails, each entry is retried on its own, so one bad entry (a stale
 * signing-time, a malformed field) costs only itself. Returns 0 when every
 * entry is stored, else the first failure; x[i].rc says which.
 */
int store_exchange_batch(struct store *s, struct store_exchange *x, size_t n);
/*
 * store_exchange_batch() without the rows (they are logged elsewhere):
 * the signing-times of the entries with set_replay, in one durable
 * transaction, each alone if that fails. Entries without one get rc 0.
 */
int store_replay_batch(struct store *s, struct store_exchange *x, size_t n);
/* Delete exchanges older than `before`; *deleted (may be NULL) = how many. Commits on its own. */
int store_exchange_prune(struct store *s, time_t before, uint64_t *deleted);
/* Number of exchanges logged (tests and status). */
int store_exchange_count(struct store *s, uint64_t *n);

/* ---- diagnostics ---- */

/* The per-request queries, for store_explain. */
enum store_query {
	STORE_Q_CHILD = 0,          /* child by handle */
	STORE_Q_CLASS,              /* class by name */
	STORE_Q_ENTITLEMENT,        /* entitlement of (child, class) */
	STORE_Q_ENT_CHILD,          /* entitlements of a child */
	STORE_Q_CERTS_CURRENT,      /* current certificates of (child, class) */
	STORE_Q_CERTS_BY_KEY,       /* certificates by (class, ski) */
	STORE_Q_CERTS_BY_KEY_ANY,   /* certificates by ski, any class */
	STORE_Q_CERT_BY_SERIAL,
	STORE_Q_REVOKE_KEY,         /* revoke by (child, class, ski) */
	STORE_Q_CERTS_CRL,          /* revoked by issuer, not expired */
	STORE_Q_CERTS_ISSUER,       /* current by issuer */
	STORE_Q_CERTS_DUE,          /* scheduled revocations due */
	STORE_Q_KEY_LABEL,          /* key label by SKI */
	STORE_Q_ISSUER,             /* issuer state by SKI */
	STORE_Q_COUNT_
};

/*
 * EXPLAIN QUERY PLAN of query q, one plan line per "\n"-separated line
 * ("SEARCH c USING INDEX ..."). *plan is malloc'd (caller frees). Tests use
 * it to check that hot queries use an index, not a scan.
 */
int store_explain(struct store *s, enum store_query q, char **plan);

/*
 * Test-only fault injection: fn (if set) is called at these points; a
 * crash test lets it _exit() to simulate a crash exactly there. NULL
 * (the default) disables it.
 */
enum store_fault_point {
	STORE_FP_BEGIN = 1,          /* after BEGIN IMMEDIATE */
	STORE_FP_WRITE,              /* after each mutation inside a transaction */
	STORE_FP_COMMIT_BEFORE,      /* just before COMMIT */
	STORE_FP_COMMIT_AFTER,       /* just after COMMIT returned */
	STORE_FP_RESERVE_BEFORE,     /* in store_reserve_*, before its COMMIT */
	STORE_FP_RESERVE_AFTER,      /* in store_reserve_*, after its COMMIT */
};
typedef void (*store_fault_fn)(void *arg, enum store_fault_point p);
void store_set_fault_hook(struct store *s, store_fault_fn fn, void *arg);

#endif /* UPDOWN_FIRMWARE_STORE_H */
