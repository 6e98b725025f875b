/*
 * The state store (store.h): SQLite schema, open-time checks, transactions,
 * never-reused counters, typed accessors, and the audit chain's append side.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/sha256.h>
#include <sqlite3.h>

#include "firmware/audit.h"
#include "firmware/store.h"
#include "proto/res.h"

/* "UPDW": PRAGMA application_id of every updown store. */
#define STORE_APP_ID 0x55504457

/* Serial counter start: [2^40, 2^40 + 2^60), see store.h. */
#define SERIAL_BASE  (UINT64_C(1) << 40)
#define SERIAL_SPAN  (UINT64_C(1) << 60)
#define COUNTER_MAX  ((uint64_t)INT64_MAX)

/* ---- schema ---- */

/*
 * Version 1. Every later version appends an entry to migrations[] that
 * upgrades from the previous one; store_open runs the missing ones in one
 * transaction, so an interrupted migration leaves the old version intact
 * (UD-162, krill#671).
 */
static const char schema_v1[] =
"CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value NOT NULL) WITHOUT ROWID;"
"CREATE TABLE counters(name TEXT PRIMARY KEY NOT NULL,"
"  value INTEGER NOT NULL CHECK(value >= 0)) WITHOUT ROWID;"
"CREATE TABLE classes(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
"  cert BLOB NOT NULL, key_ski BLOB NOT NULL CHECK(length(key_ski) = 20),"
"  key_label TEXT NOT NULL, cert_uris TEXT NOT NULL, repo_uri TEXT NOT NULL,"
"  crl_uri TEXT NOT NULL, mft_uri TEXT NOT NULL, notify_uri TEXT,"
"  updated INTEGER NOT NULL);"
"CREATE TABLE children(id INTEGER PRIMARY KEY, handle TEXT NOT NULL UNIQUE,"
"  bpki_ta BLOB NOT NULL, last_signing_time INTEGER, replay_reset_at INTEGER,"
"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
"CREATE TABLE entitlements(child_id INTEGER NOT NULL REFERENCES children(id),"
"  class_id INTEGER NOT NULL REFERENCES classes(id),"
"  res_as TEXT NOT NULL, res_v4 TEXT NOT NULL, res_v6 TEXT NOT NULL,"
"  not_after INTEGER NOT NULL, PRIMARY KEY(child_id, class_id)) WITHOUT ROWID;"
"CREATE INDEX entitlements_class ON entitlements(class_id);"
"CREATE TABLE certs(id INTEGER PRIMARY KEY,"
"  serial INTEGER NOT NULL UNIQUE CHECK(serial > 0),"
"  child_id INTEGER NOT NULL REFERENCES children(id),"
"  class_id INTEGER NOT NULL REFERENCES classes(id),"
"  ski BLOB NOT NULL CHECK(length(ski) = 20),"
"  issuer_ski BLOB NOT NULL CHECK(length(issuer_ski) = 20),"
"  spki BLOB NOT NULL, sia_repo TEXT NOT NULL, sia_mft TEXT NOT NULL, sia_notify TEXT,"
"  req_as TEXT, req_v4 TEXT, req_v6 TEXT,"
"  res_as TEXT NOT NULL, res_v4 TEXT NOT NULL, res_v6 TEXT NOT NULL,"
"  not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,"
"  der BLOB NOT NULL, cert_uri TEXT NOT NULL,"
"  state INTEGER NOT NULL CHECK(state IN (0, 1)),"
"  issued_at INTEGER NOT NULL, revoked_at INTEGER, revoke_after INTEGER,"
"  CHECK((state = 1) = (revoked_at IS NOT NULL)));"
"CREATE INDEX certs_child_class ON certs(child_id, class_id, state);"
"CREATE INDEX certs_ski ON certs(ski, class_id);"
"CREATE INDEX certs_issuer ON certs(issuer_ski, state, not_after);"
"CREATE INDEX certs_class ON certs(class_id, state);"
"CREATE INDEX certs_due ON certs(revoke_after) WHERE revoke_after IS NOT NULL;"
"CREATE TABLE issuers(ski BLOB PRIMARY KEY NOT NULL CHECK(length(ski) = 20),"
"  crl_reserved INTEGER NOT NULL DEFAULT 0, crl_last INTEGER NOT NULL DEFAULT 0,"
"  crl_this INTEGER, crl_next INTEGER,"
"  mft_reserved INTEGER NOT NULL DEFAULT 0, mft_last INTEGER NOT NULL DEFAULT 0,"
"  mft_this INTEGER, mft_next INTEGER,"
"  CHECK(crl_last <= crl_reserved AND mft_last <= mft_reserved)) WITHOUT ROWID;"
"CREATE TABLE keys(ski BLOB PRIMARY KEY NOT NULL CHECK(length(ski) = 20),"
"  label TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;"
"CREATE TABLE audit(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, kind TEXT NOT NULL,"
"  child TEXT, class TEXT, serial INTEGER, ski TEXT, resources TEXT, digest BLOB,"
"  text TEXT, prev BLOB NOT NULL, hash BLOB NOT NULL);"
"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
"CREATE TABLE exchanges(id INTEGER PRIMARY KEY, time INTEGER NOT NULL, child TEXT,"
"  type TEXT, outcome TEXT NOT NULL, request BLOB, response BLOB);"
"CREATE INDEX exchanges_time ON exchanges(time);";

static const char *const migrations[STORE_SCHEMA_VERSION + 1] = {
	[1] = schema_v1,
};

/* ---- statements ---- */

#define CERT_COLS "SELECT c.serial, ch.handle, k.name, c.ski, c.issuer_ski, c.spki, " \
	"c.sia_repo, c.sia_mft, c.sia_notify, c.req_as, c.req_v4, c.req_v6, " \
	"c.res_as, c.res_v4, c.res_v6, c.not_before, c.not_after, c.der, c.cert_uri, " \
	"c.state, c.issued_at, c.revoked_at, c.revoke_after FROM certs c " \
	"JOIN children ch ON ch.id = c.child_id JOIN classes k ON k.id = c.class_id "
#define CLASS_COLS "SELECT name, cert, key_ski, key_label, cert_uris, repo_uri, " \
	"crl_uri, mft_uri, notify_uri, updated FROM classes "
#define CHILD_COLS "SELECT handle, bpki_ta, last_signing_time, replay_reset_at, " \
	"created, updated FROM children "
#define ENT_COLS "SELECT ch.handle, k.name, e.res_as, e.res_v4, e.res_v6, e.not_after " \
	"FROM entitlements e JOIN children ch ON ch.id = e.child_id " \
	"JOIN classes k ON k.id = e.class_id "
#define ISSUER_COLS "SELECT ski, crl_reserved, crl_last, crl_this, crl_next, " \
	"mft_reserved, mft_last, mft_this, mft_next FROM issuers "
#define AUDIT_COLS "SELECT seq, time, kind, child, class, serial, ski, resources, " \
	"digest, text, prev, hash FROM audit "

enum stmt_id {
	/* the store_query ones first, in the same order */
	S_CHILD_GET = STORE_Q_CHILD,
	S_CLASS_GET = STORE_Q_CLASS,
	S_ENT_GET = STORE_Q_ENTITLEMENT,
	S_ENT_CHILD = STORE_Q_ENT_CHILD,
	S_CERTS_CURRENT = STORE_Q_CERTS_CURRENT,
	S_CERTS_KEY = STORE_Q_CERTS_BY_KEY,
	S_CERTS_KEY_ANY = STORE_Q_CERTS_BY_KEY_ANY,
	S_CERT_SERIAL = STORE_Q_CERT_BY_SERIAL,
	S_REVOKE_KEY_SEL = STORE_Q_REVOKE_KEY,
	S_CERTS_CRL = STORE_Q_CERTS_CRL,
	S_CERTS_ISSUER = STORE_Q_CERTS_ISSUER,
	S_CERTS_DUE = STORE_Q_CERTS_DUE,
	S_KEY_GET = STORE_Q_KEY_LABEL,
	S_ISSUER_GET = STORE_Q_ISSUER,
	S_META_GET = STORE_Q_COUNT_,
	S_META_SET,
	S_AUDIT_INS,
	S_AUDIT_FROM,
	S_COUNTER_GET,
	S_COUNTER_SET,
	S_ISSUER_ENSURE,
	S_ISSUER_RES_CRL,
	S_ISSUER_RES_MFT,
	S_ISSUER_REC_CRL,
	S_ISSUER_REC_MFT,
	S_ISSUER_RAISE_CRL,
	S_ISSUER_RAISE_MFT,
	S_CLASS_ALL,
	S_CLASS_PUT,
	S_CLASS_ID,
	S_CHILD_ALL,
	S_CHILD_ID,
	S_CHILD_PUT,
	S_CHILD_COUNT,
	S_READ_BEGIN,
	S_READ_END,
	S_CHILD_REPLAY,
	S_CHILD_RESET,
	S_ENT_DEL_ALL,
	S_ENT_INS,
	S_CERT_INS,
	S_CERT_REVOKE,
	S_CERT_SCHEDULE,
	S_CERTS_ALL_CURRENT,
	S_KEY_BY_LABEL,
	S_KEY_INS,
	S_EXCH_INS,
	S_EXCH_PRUNE,
	S_EXCH_COUNT,
	S_COUNT_
};

static const char *const stmt_sql[S_COUNT_] = {
	[S_CHILD_GET] = CHILD_COLS "WHERE handle = ?1",
	[S_CLASS_GET] = CLASS_COLS "WHERE name = ?1",
	[S_ENT_GET] = ENT_COLS "WHERE ch.handle = ?1 AND k.name = ?2",
	[S_ENT_CHILD] = ENT_COLS "WHERE ch.handle = ?1 ORDER BY k.name",
	[S_CERTS_CURRENT] = CERT_COLS
	    "WHERE ch.handle = ?1 AND k.name = ?2 AND c.state = 0 ORDER BY c.serial DESC",
	[S_CERTS_KEY] = CERT_COLS "WHERE c.ski = ?1 AND k.name = ?2 ORDER BY c.serial",
	[S_CERTS_KEY_ANY] = CERT_COLS "WHERE c.ski = ?1 ORDER BY c.serial",
	[S_CERT_SERIAL] = CERT_COLS "WHERE c.serial = ?1",
	[S_REVOKE_KEY_SEL] = "SELECT c.serial FROM certs c "
	    "JOIN children ch ON ch.id = c.child_id JOIN classes k ON k.id = c.class_id "
	    "WHERE ch.handle = ?1 AND k.name = ?2 AND c.ski = ?3 AND c.state = 0 "
	    "ORDER BY c.serial",
	[S_CERTS_CRL] = CERT_COLS
	    "WHERE c.issuer_ski = ?1 AND c.state = 1 AND c.not_after >= ?2 ORDER BY c.serial",
	[S_CERTS_ISSUER] = CERT_COLS "WHERE c.issuer_ski = ?1 AND c.state = 0 ORDER BY c.serial",
	[S_CERTS_DUE] = CERT_COLS "WHERE c.revoke_after IS NOT NULL AND c.revoke_after <= ?1 "
	    "AND c.state = 0 ORDER BY c.revoke_after, c.serial",
	[S_KEY_GET] = "SELECT label FROM keys WHERE ski = ?1",
	[S_ISSUER_GET] = ISSUER_COLS "WHERE ski = ?1",
	[S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[S_META_SET] = "INSERT INTO meta(key, value) VALUES(?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[S_AUDIT_INS] = "INSERT INTO audit(seq, time, kind, child, class, serial, ski, "
	    "resources, digest, text, prev, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12)",
	[S_AUDIT_FROM] = AUDIT_COLS "WHERE seq >= ?1 ORDER BY seq",
	[S_COUNTER_GET] = "SELECT value FROM counters WHERE name = ?1",
	[S_COUNTER_SET] = "UPDATE counters SET value = ?2 WHERE name = ?1",
	[S_ISSUER_ENSURE] = "INSERT INTO issuers(ski) VALUES(?1) ON CONFLICT(ski) DO NOTHING",
	[S_ISSUER_RES_CRL] = "UPDATE issuers SET crl_reserved = ?2 WHERE ski = ?1",
	[S_ISSUER_RES_MFT] = "UPDATE issuers SET mft_reserved = ?2 WHERE ski = ?1",
	[S_ISSUER_REC_CRL] = "UPDATE issuers SET crl_last = ?2, crl_this = ?3, crl_next = ?4 "
	    "WHERE ski = ?1",
	[S_ISSUER_REC_MFT] = "UPDATE issuers SET mft_last = ?2, mft_this = ?3, mft_next = ?4 "
	    "WHERE ski = ?1",
	[S_ISSUER_RAISE_CRL] = "UPDATE issuers SET crl_reserved = max(crl_reserved, ?2) "
	    "WHERE ski = ?1",
	[S_ISSUER_RAISE_MFT] = "UPDATE issuers SET mft_reserved = max(mft_reserved, ?2) "
	    "WHERE ski = ?1",
	[S_CLASS_ALL] = CLASS_COLS "ORDER BY name",
	[S_CLASS_PUT] = "INSERT INTO classes(name, cert, key_ski, key_label, cert_uris, "
	    "repo_uri, crl_uri, mft_uri, notify_uri, updated) VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10) ON CONFLICT(name) DO UPDATE SET cert = excluded.cert, "
	    "key_ski = excluded.key_ski, key_label = excluded.key_label, "
	    "cert_uris = excluded.cert_uris, repo_uri = excluded.repo_uri, "
	    "crl_uri = excluded.crl_uri, mft_uri = excluded.mft_uri, "
	    "notify_uri = excluded.notify_uri, updated = excluded.updated",
	[S_CLASS_ID] = "SELECT id FROM classes WHERE name = ?1",
	[S_CHILD_ALL] = CHILD_COLS "ORDER BY handle",
	[S_CHILD_ID] = "SELECT id FROM children WHERE handle = ?1",
	[S_CHILD_PUT] = "INSERT INTO children(handle, bpki_ta, created, updated) "
	    "VALUES(?1, ?2, ?3, ?3) ON CONFLICT(handle) DO UPDATE SET "
	    "bpki_ta = excluded.bpki_ta, updated = excluded.updated",
	[S_CHILD_COUNT] = "SELECT count(*) FROM children",
	[S_READ_BEGIN] = "BEGIN DEFERRED",
	[S_READ_END] = "COMMIT",
	[S_CHILD_REPLAY] = "UPDATE children SET last_signing_time = ?2 WHERE handle = ?1 "
	    "AND (last_signing_time IS NULL OR last_signing_time <= ?2)",
	[S_CHILD_RESET] = "UPDATE children SET last_signing_time = NULL, "
	    "replay_reset_at = ?2, updated = ?2 WHERE handle = ?1",
	[S_ENT_DEL_ALL] = "DELETE FROM entitlements",
	[S_ENT_INS] = "INSERT INTO entitlements(child_id, class_id, res_as, res_v4, res_v6, "
	    "not_after) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[S_CERT_INS] = "INSERT INTO certs(serial, child_id, class_id, ski, issuer_ski, spki, "
	    "sia_repo, sia_mft, sia_notify, req_as, req_v4, req_v6, res_as, res_v4, res_v6, "
	    "not_before, not_after, der, cert_uri, state, issued_at) VALUES(?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, 0, ?20)",
	[S_CERT_REVOKE] = "UPDATE certs SET state = 1, revoked_at = ?2, revoke_after = NULL "
	    "WHERE serial = ?1 AND state = 0",
	[S_CERT_SCHEDULE] = "UPDATE certs SET revoke_after = ?2 WHERE serial = ?1 AND state = 0",
	[S_CERTS_ALL_CURRENT] = CERT_COLS "WHERE c.state = 0 ORDER BY c.serial",
	[S_KEY_BY_LABEL] = "SELECT ski FROM keys WHERE label = ?1",
	[S_KEY_INS] = "INSERT INTO keys(ski, label, role, created) VALUES(?1, ?2, ?3, ?4)",
	[S_EXCH_INS] = "INSERT INTO exchanges(time, child, type, outcome, request, response) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[S_EXCH_PRUNE] = "DELETE FROM exchanges WHERE time < ?1",
	[S_EXCH_COUNT] = "SELECT count(*) FROM exchanges",
};

struct store {
	sqlite3 *db;
	char *path;
	unsigned flags;
	sqlite3_stmt *stmt[S_COUNT_];
	store_fault_fn fault_fn;
	void *fault_arg;
	char err[512];
	bool sync_lax;            /* synchronous = NORMAL left set by a failed restore */
};

/* ---- errors ---- */

/* Short text for a STORE_ERR_* code. */
const char *
store_strerror(int err)
{
	switch (err) {
	case 0:                    return "success";
	case STORE_ERR_ARG:        return "bad argument";
	case STORE_ERR_NOMEM:      return "out of memory";
	case STORE_ERR_IO:         return "database I/O error";
	case STORE_ERR_CORRUPT:    return "database damaged";
	case STORE_ERR_AUDIT:      return "audit chain broken";
	case STORE_ERR_VERSION:    return "unsupported schema version";
	case STORE_ERR_BUSY:       return "database busy";
	case STORE_ERR_NO_TXN:     return "no transaction open";
	case STORE_ERR_IN_TXN:     return "transaction already open";
	case STORE_ERR_NOT_FOUND:  return "not found";
	case STORE_ERR_EXISTS:     return "already exists";
	case STORE_ERR_STALE:      return "value does not increase";
	case STORE_ERR_RANGE:      return "out of range";
	case STORE_ERR_INVALID:    return "invalid field";
	case STORE_ERR_READONLY:   return "store is read-only";
	case STORE_ERR_FULL:       return "disk full";
	case STORE_ERR_NOT_STORE:  return "not an updown store";
	case STORE_ERR_INTERNAL:   return "internal error";
	case STORE_ERR_NOT_RESERVED: return "number was never reserved";
	}
	return "unknown error";
}

static int
seterr(struct store *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
seterr(struct store *s, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return rc;
}

static int
map_src(int src)
{
	switch (src & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:     return 0;
	case SQLITE_NOMEM:    return STORE_ERR_NOMEM;
	case SQLITE_CORRUPT:  return STORE_ERR_CORRUPT;
	case SQLITE_NOTADB:   return STORE_ERR_NOT_STORE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:   return STORE_ERR_BUSY;
	case SQLITE_FULL:     return STORE_ERR_FULL;
	case SQLITE_READONLY: return STORE_ERR_READONLY;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL: return STORE_ERR_IO;
	case SQLITE_CONSTRAINT:
		return (src == SQLITE_CONSTRAINT_UNIQUE || src == SQLITE_CONSTRAINT_PRIMARYKEY) ?
		    STORE_ERR_EXISTS : STORE_ERR_INVALID;
	default:              return STORE_ERR_INTERNAL;
	}
}

/* Record an SQLite failure: what we were doing plus SQLite's message. */
static int
sqlerr(struct store *s, int src, const char *what)
{
	return seterr(s, map_src(src) ? map_src(src) : STORE_ERR_INTERNAL, "%s: %s (%s)",
	    what, sqlite3_errmsg(s->db), sqlite3_errstr(src));
}

/* ---- small helpers ---- */

static void
tohex(char *out, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	return mbedtls_sha256_ret(p, n, out, 0) == 0 ? 0 : STORE_ERR_INTERNAL;
}

/* A prepared statement, reset and with bindings cleared. */
static int
prep(struct store *s, enum stmt_id id, sqlite3_stmt **out)
{
	int src;

	if (s->stmt[id] == NULL) {
		src = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->stmt[id], NULL);
		if (src != SQLITE_OK)
			return sqlerr(s, src, "preparing a statement");
	} else {
		sqlite3_reset(s->stmt[id]);
		sqlite3_clear_bindings(s->stmt[id]);
	}
	*out = s->stmt[id];
	return 0;
}

static int
bind_text(sqlite3_stmt *st, int i, const char *t)
{
	return t == NULL ? sqlite3_bind_null(st, i) :
	    sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
}

static int
bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	return sqlite3_bind_blob64(st, i, p != NULL ? p : "", n, SQLITE_STATIC);
}

/* Run a statement that returns no rows; reset it. */
static int
run(struct store *s, sqlite3_stmt *st, const char *what)
{
	int src = sqlite3_step(st), rc = 0;

	if (src != SQLITE_DONE)
		rc = sqlerr(s, src, what);
	sqlite3_reset(st);
	return rc;
}

/* Step a one-row query: 0 with a row, STORE_ERR_NOT_FOUND without. */
static int
row(struct store *s, sqlite3_stmt *st, const char *what)
{
	int src = sqlite3_step(st), rc;

	if (src == SQLITE_ROW)
		return 0;
	rc = src == SQLITE_DONE ? STORE_ERR_NOT_FOUND : sqlerr(s, src, what);
	sqlite3_reset(st);
	return rc;
}

static int
exec(struct store *s, const char *sql, const char *what)
{
	int src = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return src == SQLITE_OK ? 0 : sqlerr(s, src, what);
}

/* Every mutation starts here: writable store, transaction open. */
static int
need_txn(struct store *s)
{
	if (s->flags & STORE_READONLY)
		return seterr(s, STORE_ERR_READONLY, "the store was opened read-only");
	if (sqlite3_get_autocommit(s->db))
		return seterr(s, STORE_ERR_NO_TXN, "mutation outside a transaction "
		    "(call store_begin first)");
	return 0;
}

static void
hook(struct store *s, enum store_fault_point p)
{
	if (s->fault_fn != NULL)
		s->fault_fn(s->fault_arg, p);
}

static char *
dup_col_text(sqlite3_stmt *st, int col, int *rc)
{
	const unsigned char *t;
	size_t n;
	char *p;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	t = sqlite3_column_text(st, col);
	n = (size_t)sqlite3_column_bytes(st, col);
	if (t == NULL || (p = malloc(n + 1)) == NULL) {
		*rc = STORE_ERR_NOMEM;
		return NULL;
	}
	memcpy(p, t, n);
	p[n] = '\0';
	return p;
}

static uint8_t *
dup_col_blob(sqlite3_stmt *st, int col, size_t *len, int *rc)
{
	const void *b;
	size_t n;
	uint8_t *p;

	*len = 0;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	b = sqlite3_column_blob(st, col);
	n = (size_t)sqlite3_column_bytes(st, col);
	if ((p = malloc(n ? n : 1)) == NULL) {
		*rc = STORE_ERR_NOMEM;
		return NULL;
	}
	if (n)
		memcpy(p, b, n);
	*len = n;
	return p;
}

/* A 20-octet key identifier column; STORE_ERR_CORRUPT otherwise. */
static void
col_ski(sqlite3_stmt *st, int col, uint8_t out[STORE_SKI_LEN], int *rc)
{
	if (sqlite3_column_bytes(st, col) != STORE_SKI_LEN ||
	    sqlite3_column_blob(st, col) == NULL) {
		memset(out, 0, STORE_SKI_LEN);
		*rc = STORE_ERR_CORRUPT;
		return;
	}
	memcpy(out, sqlite3_column_blob(st, col), STORE_SKI_LEN);
}

/* ---- validation ---- */

/* UD-154: [-_A-Za-z0-9/], 1..255 characters. */
static bool
valid_handle(const char *h)
{
	size_t n;

	if (h == NULL || (n = strnlen(h, STORE_MAX_HANDLE + 1)) == 0 || n > STORE_MAX_HANDLE)
		return false;
	for (; *h; h++)
		if (!((*h >= 'A' && *h <= 'Z') || (*h >= 'a' && *h <= 'z') ||
		    (*h >= '0' && *h <= '9') || *h == '-' || *h == '_' || *h == '/'))
			return false;
	return true;
}

/* Printable ASCII without spaces, 1..max characters. */
static bool
valid_token(const char *t, size_t max)
{
	size_t n;

	if (t == NULL || (n = strnlen(t, max + 1)) == 0 || n > max)
		return false;
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return false;
	return true;
}

/* Free text for the audit log and labels: no control characters, bounded. */
static bool
valid_text(const char *t, size_t max)
{
	if (t == NULL)
		return true;
	if (strnlen(t, max + 1) > max)
		return false;
	for (; *t; t++)
		if ((unsigned char)*t < 0x20 && *t != '\t')
			return false;
	return true;
}

/*
 * text must be the canonical RFC 6492 text of a resource set of family f
 * (what res_set_print writes; UD-58): parse and print it and compare.
 */
static bool
canonical(enum res_family f, const char *text)
{
	struct res_set set;
	char *out = NULL;
	size_t n;
	bool ok = false;

	if (text == NULL || (n = strnlen(text, RES_MAX_TEXT + 1)) > RES_MAX_TEXT)
		return false;
	if (res_set_parse(&set, f, text, n) == 0 && res_set_print(&set, &out) == 0)
		ok = strcmp(out, text) == 0;
	free(out);
	res_set_free(&set);
	return ok;
}

static bool
valid_der(const uint8_t *p, size_t n)
{
	return p != NULL && n > 0 && n <= STORE_MAX_DER;
}

/* "as=..;ipv4=..;ipv6=.." for audit records; malloc'd. */
static char *
res_text(const char *as, const char *v4, const char *v6)
{
	size_t n = strlen(as) + strlen(v4) + strlen(v6) + 20;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "as=%s;ipv4=%s;ipv6=%s", as, v4, v6);
	return p;
}

/* ---- meta ---- */

static int
meta_get_int(struct store *s, const char *key, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, S_META_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, key);
	if ((rc = row(s, st, "reading meta")) != 0) {
		if (rc == STORE_ERR_NOT_FOUND)
			rc = seterr(s, STORE_ERR_CORRUPT, "meta value %s is missing", key);
		return rc;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_INTEGER) {
		sqlite3_reset(st);
		return seterr(s, STORE_ERR_CORRUPT, "meta value %s is not an integer", key);
	}
	*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

static int
meta_set_int(struct store *s, const char *key, int64_t v)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, S_META_SET, &st)) != 0)
		return rc;
	bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, v);
	return run(s, st, "writing meta");
}

static int
meta_set_blob(struct store *s, const char *key, const void *p, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, S_META_SET, &st)) != 0)
		return rc;
	bind_text(st, 1, key);
	bind_blob(st, 2, p, n);
	return run(s, st, "writing meta");
}

static int
meta_get_blob(struct store *s, const char *key, void *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, S_META_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, key);
	if ((rc = row(s, st, "reading meta")) != 0) {
		if (rc == STORE_ERR_NOT_FOUND)
			rc = seterr(s, STORE_ERR_CORRUPT, "meta value %s is missing", key);
		return rc;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_BLOB ||
	    (size_t)sqlite3_column_bytes(st, 0) != n) {
		sqlite3_reset(st);
		return seterr(s, STORE_ERR_CORRUPT, "meta value %s is malformed", key);
	}
	memcpy(out, sqlite3_column_blob(st, 0), n);
	sqlite3_reset(st);
	return 0;
}

/* ---- audit append ---- */

/*
 * Append rec to the chain inside the current transaction: seq = head + 1,
 * prev = head hash, hash = audit_hash(prev, rec); move the head.
 */
static int
audit_add(struct store *s, struct audit_record *rec)
{
	sqlite3_stmt *st = NULL;
	int64_t seq;
	int rc;

	if ((rc = need_txn(s)) != 0)
		return rc;
	if ((rc = meta_get_int(s, "audit_head_seq", &seq)) != 0 ||
	    (rc = meta_get_blob(s, "audit_head_hash", rec->prev, AUDIT_HASH_LEN)) != 0)
		return rc;
	if (seq < 0 || seq == INT64_MAX)
		return seterr(s, STORE_ERR_CORRUPT, "audit head seq %" PRId64 " out of range", seq);
	rec->seq = (uint64_t)seq + 1;
	if ((rc = audit_hash(rec->prev, rec, rec->hash)) != 0)
		return seterr(s, rc, "audit record: a field is over its bound");
	if ((rc = prep(s, S_AUDIT_INS, &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (int64_t)rec->seq);
	sqlite3_bind_int64(st, 2, rec->time);
	bind_text(st, 3, audit_kind_name(rec->kind));
	bind_text(st, 4, rec->child);
	bind_text(st, 5, rec->class_name);
	if (rec->has_serial)
		sqlite3_bind_int64(st, 6, (int64_t)rec->serial);
	bind_text(st, 7, rec->ski);
	bind_text(st, 8, rec->resources);
	if (rec->has_digest)
		bind_blob(st, 9, rec->digest, AUDIT_HASH_LEN);
	bind_text(st, 10, rec->text);
	bind_blob(st, 11, rec->prev, AUDIT_HASH_LEN);
	bind_blob(st, 12, rec->hash, AUDIT_HASH_LEN);
	if ((rc = run(s, st, "appending to the audit log")) != 0 ||
	    (rc = meta_set_int(s, "audit_head_seq", (int64_t)rec->seq)) != 0 ||
	    (rc = meta_set_blob(s, "audit_head_hash", rec->hash, AUDIT_HASH_LEN)) != 0)
		return rc;
	hook(s, STORE_FP_WRITE);
	return 0;
}

/* ---- open ---- */

/* path, or path/STORE_DB_NAME when path is a directory; malloc'd. */
static char *
db_path(const char *path, bool *exists)
{
	struct stat sb;
	size_t n;
	char *p;

	*exists = false;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		n = strlen(path) + sizeof(STORE_DB_NAME) + 1;
		if ((p = malloc(n)) == NULL)
			return NULL;
		snprintf(p, n, "%s/%s", path, STORE_DB_NAME);
		*exists = stat(p, &sb) == 0;
		return p;
	}
	*exists = stat(path, &sb) == 0;
	return strdup(path);
}

static int
pragma_text(struct store *s, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int src;

	out[0] = '\0';
	if ((src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return sqlerr(s, src, sql);
	if ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((t = sqlite3_column_text(st, 0)) != NULL)
			snprintf(out, n, "%s", (const char *)t);
	} else if (src != SQLITE_DONE) {
		sqlite3_finalize(st);
		return sqlerr(s, src, sql);
	}
	sqlite3_finalize(st);
	return 0;
}

static int
pragma_int(struct store *s, const char *sql, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	int src;

	*v = 0;
	if ((src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return sqlerr(s, src, sql);
	if ((src = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return sqlerr(s, src, sql);
	return 0;
}

/* Create the store in the (empty) database: schema, meta, counter, "init" record. */
static int
create(struct store *s, const struct store_open_args *args)
{
	struct audit_record rec;
	uint8_t rnd[24], zero[AUDIT_HASH_LEN] = { 0 };
	char id[33], text[160];
	uint64_t start;
	sqlite3_stmt *st = NULL;
	int rc, v;

	if (args == NULL || args->f_rng == NULL)
		return seterr(s, STORE_ERR_ARG, "creating a store needs an RNG (store_open_args)");
	if (args->f_rng(args->p_rng, rnd, sizeof(rnd)) != 0)
		return seterr(s, STORE_ERR_INTERNAL, "the RNG failed");
	tohex(id, rnd, 16);
	start = 0;
	for (v = 16; v < 24; v++)
		start = start << 8 | rnd[v];
	start = SERIAL_BASE + start % SERIAL_SPAN;

	if ((rc = exec(s, "BEGIN IMMEDIATE", "starting the creation transaction")) != 0)
		return rc;
	for (v = 1; v <= STORE_SCHEMA_VERSION; v++)
		if ((rc = exec(s, migrations[v], "creating the schema")) != 0)
			goto fail;
	if ((rc = exec(s, "PRAGMA application_id = 1431323735", "setting application_id")) != 0 ||
	    (rc = meta_set_int(s, "schema_version", STORE_SCHEMA_VERSION)) != 0 ||
	    (rc = meta_set_int(s, "created", args->now)) != 0 ||
	    (rc = meta_set_int(s, "serial_start", (int64_t)start)) != 0 ||
	    (rc = meta_set_int(s, "alloc_version", 0)) != 0 ||
	    (rc = meta_set_int(s, "audit_head_seq", 0)) != 0 ||
	    (rc = meta_set_blob(s, "audit_head_hash", zero, sizeof(zero))) != 0)
		goto fail;
	if ((rc = prep(s, S_META_SET, &st)) != 0)
		goto fail;
	bind_text(st, 1, "store_id");
	bind_text(st, 2, id);
	if ((rc = run(s, st, "writing meta")) != 0)
		goto fail;
	if ((rc = exec(s, "INSERT INTO counters(name, value) VALUES('serial', 0)",
	    "creating the serial counter")) != 0)
		goto fail;
	if ((rc = prep(s, S_COUNTER_SET, &st)) != 0)
		goto fail;
	bind_text(st, 1, "serial");
	sqlite3_bind_int64(st, 2, (int64_t)(start - 1));
	if ((rc = run(s, st, "setting the serial counter")) != 0)
		goto fail;
	memset(&rec, 0, sizeof(rec));
	rec.time = args->now;
	rec.kind = AUDIT_INIT;
	snprintf(text, sizeof(text), "store %s created, schema %d, first serial %" PRIu64,
	    id, STORE_SCHEMA_VERSION, start);
	rec.text = text;
	if ((rc = audit_add(s, &rec)) != 0)
		goto fail;
	if ((rc = exec(s, "COMMIT", "committing the new store")) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Bring an existing store at version `from` up to STORE_SCHEMA_VERSION. */
static int
migrate(struct store *s, int64_t from)
{
	int64_t v;
	int rc;

	if ((rc = exec(s, "BEGIN IMMEDIATE", "starting the migration")) != 0)
		return rc;
	for (v = from + 1; v <= STORE_SCHEMA_VERSION; v++)
		if ((rc = exec(s, migrations[v], "migrating the schema")) != 0)
			goto fail;
	if ((rc = meta_set_int(s, "schema_version", STORE_SCHEMA_VERSION)) != 0 ||
	    (rc = exec(s, "COMMIT", "committing the migration")) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* PRAGMA integrity_check / quick_check: CORRUPT with the first lines it reports. */
static int
check_integrity(struct store *s)
{
	const char *sql = (s->flags & STORE_QUICK_CHECK) ? "PRAGMA quick_check(5)" :
	    "PRAGMA integrity_check(5)";
	sqlite3_stmt *st = NULL;
	char msg[400] = "";
	const unsigned char *t;
	size_t used = 0;
	bool ok = false;
	int src;

	if ((src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return seterr(s, STORE_ERR_CORRUPT, "integrity check could not run: %s",
		    sqlite3_errmsg(s->db));
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		t = sqlite3_column_text(st, 0);
		if (t != NULL && strcmp((const char *)t, "ok") == 0) {
			ok = true;
			continue;
		}
		if (used < sizeof(msg) - 1)
			used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s%s",
			    used ? "; " : "", t ? (const char *)t : "?");
	}
	sqlite3_finalize(st);
	if (src != SQLITE_DONE)
		return seterr(s, STORE_ERR_CORRUPT, "integrity check failed: %s (%s)",
		    sqlite3_errmsg(s->db), sqlite3_errstr(src));
	if (!ok || used)
		return seterr(s, STORE_ERR_CORRUPT, "integrity check failed: %s", msg);
	return 0;
}

static int
check_foreign_keys(struct store *s)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *tab, *parent;
	int src, rc = 0;

	if ((src = sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st, NULL)) !=
	    SQLITE_OK)
		return seterr(s, STORE_ERR_CORRUPT, "foreign key check could not run: %s",
		    sqlite3_errmsg(s->db));
	if ((src = sqlite3_step(st)) == SQLITE_ROW) {
		tab = sqlite3_column_text(st, 0);
		parent = sqlite3_column_text(st, 2);
		rc = seterr(s, STORE_ERR_CORRUPT, "foreign key check failed: table %s row %"
		    PRId64 " refers to a missing row of %s", tab ? (const char *)tab : "?",
		    (int64_t)sqlite3_column_int64(st, 1), parent ? (const char *)parent : "?");
	} else if (src != SQLITE_DONE) {
		rc = seterr(s, STORE_ERR_CORRUPT, "foreign key check failed: %s",
		    sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return rc;
}

/* No recorded number above its counter: nothing was ever used unreserved. */
static int
check_counters(struct store *s)
{
	int64_t counter = 0, maxser = 0, bad = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, S_COUNTER_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, "serial");
	if ((rc = row(s, st, "reading the serial counter")) != 0)
		return rc == STORE_ERR_NOT_FOUND ?
		    seterr(s, STORE_ERR_CORRUPT, "the serial counter is missing") : rc;
	counter = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((rc = pragma_int(s, "SELECT coalesce(max(serial), 0) FROM certs", &maxser)) != 0 ||
	    (rc = pragma_int(s, "SELECT count(*) FROM issuers WHERE crl_last > crl_reserved "
	    "OR mft_last > mft_reserved", &bad)) != 0)
		return rc;
	if (maxser > counter)
		return seterr(s, STORE_ERR_CORRUPT, "certificate serial %" PRId64 " is above the "
		    "serial counter %" PRId64 ": serials could be reused", maxser, counter);
	if (bad)
		return seterr(s, STORE_ERR_CORRUPT, "a CRL or manifest number is above its "
		    "counter: numbers could be reused");
	return 0;
}

/* Only the head: the last record's hash recomputes and matches meta. */
static int
check_audit_head(struct store *s)
{
	uint8_t head[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN];
	struct audit_record rec;
	sqlite3_stmt *st = NULL;
	int64_t seq;
	char *kind;
	int rc, src;

	if ((rc = meta_get_int(s, "audit_head_seq", &seq)) != 0 ||
	    (rc = meta_get_blob(s, "audit_head_hash", head, sizeof(head))) != 0)
		return rc;
	src = sqlite3_prepare_v2(s->db, AUDIT_COLS "ORDER BY seq DESC LIMIT 1", -1, &st, NULL);
	if (src != SQLITE_OK)
		return sqlerr(s, src, "reading the audit head");
	if ((src = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return seterr(s, STORE_ERR_AUDIT, "the audit chain is empty");
	}
	memset(&rec, 0, sizeof(rec));
	rec.seq = (uint64_t)sqlite3_column_int64(st, 0);
	rec.time = sqlite3_column_int64(st, 1);
	kind = (char *)sqlite3_column_text(st, 2);
	rec.kind = audit_kind_parse(kind);
	rec.child = (const char *)sqlite3_column_text(st, 3);
	rec.class_name = (const char *)sqlite3_column_text(st, 4);
	rec.has_serial = sqlite3_column_type(st, 5) == SQLITE_INTEGER;
	rec.serial = (uint64_t)sqlite3_column_int64(st, 5);
	rec.ski = (const char *)sqlite3_column_text(st, 6);
	rec.resources = (const char *)sqlite3_column_text(st, 7);
	rec.has_digest = sqlite3_column_bytes(st, 8) == AUDIT_HASH_LEN;
	if (rec.has_digest)
		memcpy(rec.digest, sqlite3_column_blob(st, 8), AUDIT_HASH_LEN);
	rec.text = (const char *)sqlite3_column_text(st, 9);
	rc = 0;
	if (sqlite3_column_bytes(st, 10) != AUDIT_HASH_LEN ||
	    sqlite3_column_bytes(st, 11) != AUDIT_HASH_LEN ||
	    audit_hash(sqlite3_column_blob(st, 10), &rec, h) != 0 ||
	    memcmp(h, sqlite3_column_blob(st, 11), AUDIT_HASH_LEN) != 0)
		rc = seterr(s, STORE_ERR_AUDIT, "audit record %" PRIu64 " (the last) was edited",
		    rec.seq);
	else if ((int64_t)rec.seq != seq || memcmp(h, head, AUDIT_HASH_LEN) != 0)
		rc = seterr(s, STORE_ERR_AUDIT, "the audit chain ends at record %" PRIu64
		    " but its head in meta is record %" PRId64, rec.seq, seq);
	sqlite3_finalize(st);
	return rc;
}

static int
check_audit(struct store *s)
{
	struct audit_report rep;
	int rc;

	if (s->flags & STORE_AUDIT_HEAD_ONLY)
		return check_audit_head(s);
	if ((rc = audit_verify_db(s->db, &rep)) != 0)
		return seterr(s, rc, "%s", rep.what);
	return 0;
}

/*
 * Open the SQLite database of s->path, check that it is (or make it) an
 * updown store at the current schema version. Leaves a message in s->err.
 */
static int
open_db(struct store *s, bool exists, const struct store_open_args *args)
{
	int64_t count, version, appid;
	char mode[16];
	int oflags, src, rc;

	if (!exists && !(s->flags & STORE_CREATE))
		return seterr(s, STORE_ERR_NOT_FOUND, "no such file (and STORE_CREATE not given)");
	oflags = (s->flags & STORE_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | ((s->flags & STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	src = sqlite3_open_v2(s->path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK)
		return seterr(s, map_src(src) ? map_src(src) : STORE_ERR_IO, "cannot open: %s",
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(src));
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	if ((rc = exec(s, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; "
	    "PRAGMA fullfsync = ON; PRAGMA checkpoint_fullfsync = ON; "
	    "PRAGMA cell_size_check = ON; PRAGMA trusted_schema = OFF; "
	    "PRAGMA journal_size_limit = 67108864", "setting pragmas")) != 0)
		return rc;
	/* First read of the file: a garbage header shows up here. */
	if ((rc = pragma_int(s, "SELECT count(*) FROM sqlite_schema", &count)) != 0) {
		if (rc == STORE_ERR_NOT_STORE || rc == STORE_ERR_CORRUPT)
			return seterr(s, rc, "not an SQLite database, or its header is damaged "
			    "(%s)", sqlite3_errmsg(s->db));
		return rc;
	}
	if (!(s->flags & STORE_READONLY)) {
		if ((rc = pragma_text(s, "PRAGMA journal_mode = WAL", mode, sizeof(mode))) != 0)
			return rc;
		if (strcmp(mode, "wal") != 0)
			return seterr(s, STORE_ERR_IO, "cannot switch to WAL mode (journal_mode "
			    "is %s)", mode);
	}
	if (count == 0) {
		if (!(s->flags & STORE_CREATE) || (s->flags & STORE_READONLY))
			return seterr(s, STORE_ERR_NOT_STORE, "empty database (not an updown store)");
		return create(s, args);
	}
	if ((rc = pragma_int(s, "PRAGMA application_id", &appid)) != 0)
		return rc;
	if (appid != STORE_APP_ID)
		return seterr(s, STORE_ERR_NOT_STORE, "not an updown store (application_id %"
		    PRId64 ")", appid);
	if ((rc = meta_get_int(s, "schema_version", &version)) != 0)
		return rc == STORE_ERR_CORRUPT ? rc :
		    seterr(s, STORE_ERR_NOT_STORE, "no schema version: not an updown store");
	if (version > STORE_SCHEMA_VERSION || version < 1)
		return seterr(s, STORE_ERR_VERSION, "schema version %" PRId64 " is not supported "
		    "by this build (which knows 1..%d)", version, STORE_SCHEMA_VERSION);
	if (version < STORE_SCHEMA_VERSION) {
		if (s->flags & STORE_READONLY)
			return seterr(s, STORE_ERR_VERSION, "schema version %" PRId64 " needs a "
			    "migration, which a read-only open cannot do", version);
		return migrate(s, version);
	}
	return 0;
}

static int
run_checks(struct store *s)
{
	int rc;

	if (s->flags & STORE_NO_CHECK)
		return 0;
	if ((rc = check_integrity(s)) != 0 || (rc = check_foreign_keys(s)) != 0 ||
	    (rc = check_counters(s)) != 0 || (rc = check_audit(s)) != 0)
		return rc;
	return 0;
}

/* Open or create the store (store.h). */
int
store_open(const char *path, unsigned flags, const struct store_open_args *args,
           struct store **out, char **errmsg)
{
	struct store *s = NULL;
	const char *hint = "", *name = path, *why = "out of memory";
	bool exists;
	size_t n;
	int rc = STORE_ERR_ARG;

	if (errmsg != NULL)
		*errmsg = NULL;
	if (out == NULL)
		return STORE_ERR_ARG;
	*out = NULL;
	if (path == NULL || *path == '\0') {
		if (errmsg != NULL)
			*errmsg = strdup("store: no path given");
		return STORE_ERR_ARG;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		rc = STORE_ERR_NOMEM;
		goto fail;
	}
	s->flags = flags;
	if ((s->path = db_path(path, &exists)) == NULL) {
		rc = seterr(s, STORE_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = open_db(s, exists, args)) != 0 || (rc = run_checks(s)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	if (errmsg != NULL) {
		if (rc == STORE_ERR_CORRUPT || rc == STORE_ERR_AUDIT)
			hint = "; refusing to serve from a damaged store: restore it from a "
			    "backup (then raise the counters, see store_counter_raise)";
		if (s != NULL && s->path != NULL)
			name = s->path;
		if (s != NULL && s->err[0] != '\0')
			why = s->err;
		n = strlen(name) + strlen(why) + strlen(hint) + 16;
		if ((*errmsg = malloc(n)) != NULL)
			snprintf(*errmsg, n, "store %s: %s%s", name, why, hint);
	}
	store_close(s);
	return rc;
}

/* Close the store; accepts NULL. */
void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->db != NULL) {
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		for (i = 0; i < S_COUNT_; i++)
			sqlite3_finalize(s->stmt[i]);
		sqlite3_close(s->db);
	}
	free(s->path);
	free(s);
}

/* The database file path (owned by s). */
const char *
store_path(const struct store *s)
{
	return s ? s->path : NULL;
}

/* Detail of the last failure on s; valid until the next call on s. */
const char *
store_errmsg(const struct store *s)
{
	return s ? s->err : "no store";
}

/* Install (or with fn NULL remove) the test-only fault hook. */
void
store_set_fault_hook(struct store *s, store_fault_fn fn, void *arg)
{
	if (s == NULL)
		return;
	s->fault_fn = fn;
	s->fault_arg = arg;
}

/* Schema version, id, counters, audit head and the pragmas as SQLite reports them. */
int
store_info(struct store *s, struct store_info *info)
{
	sqlite3_stmt *st = NULL;
	int64_t v;
	int rc;

	if (s == NULL || info == NULL)
		return STORE_ERR_ARG;
	memset(info, 0, sizeof(*info));
	if ((rc = meta_get_int(s, "schema_version", &v)) != 0)
		return rc;
	info->schema_version = (int)v;
	if ((rc = meta_get_int(s, "created", &v)) != 0)
		return rc;
	info->created = (time_t)v;
	if ((rc = meta_get_int(s, "serial_start", &v)) != 0)
		return rc;
	info->serial_start = (uint64_t)v;
	if ((rc = meta_get_int(s, "alloc_version", &v)) != 0)
		return rc;
	info->alloc_version = (uint64_t)v;
	if ((rc = meta_get_int(s, "audit_head_seq", &v)) != 0 ||
	    (rc = meta_get_blob(s, "audit_head_hash", info->audit_hash, AUDIT_HASH_LEN)) != 0)
		return rc;
	info->audit_seq = (uint64_t)v;
	if ((rc = prep(s, S_META_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, "store_id");
	if ((rc = row(s, st, "reading meta")) != 0)
		return rc;
	snprintf(info->store_id, sizeof(info->store_id), "%s",
	    sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_reset(st);
	if ((rc = prep(s, S_COUNTER_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, "serial");
	if ((rc = row(s, st, "reading the serial counter")) != 0)
		return rc;
	info->serial_last = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((rc = pragma_text(s, "PRAGMA journal_mode", info->journal_mode,
	    sizeof(info->journal_mode))) != 0 ||
	    (rc = pragma_int(s, "PRAGMA synchronous", &v)) != 0)
		return rc;
	info->synchronous = (int)v;
	if ((rc = pragma_int(s, "PRAGMA foreign_keys", &v)) != 0)
		return rc;
	info->foreign_keys = v != 0;
	return 0;
}

/* ---- transactions ---- */

/*
 * PRAGMA synchronous = FULL (full) or NORMAL (outside a transaction only:
 * SQLite refuses the change inside one). An exchange log row written on
 * its own (UD-160: a record, not state a reply depends on) is committed
 * with NORMAL: in WAL mode that skips the fsync, and the next FULL commit
 * or checkpoint makes it durable with everything before it. Every
 * transaction (store_begin) stays FULL. If FULL cannot be restored,
 * sync_lax stays set and store_begin refuses until it can.
 */
static int
set_sync(struct store *s, bool full)
{
	int rc = exec(s, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
	    "setting synchronous");

	if (full)
		s->sync_lax = rc != 0;
	else if (rc == 0)
		s->sync_lax = true;
	return rc;
}

/* BEGIN IMMEDIATE: takes the write lock now, so commit cannot meet a writer. */
int
store_begin(struct store *s)
{
	int rc;

	if (s == NULL)
		return STORE_ERR_ARG;
	if (s->flags & STORE_READONLY)
		return seterr(s, STORE_ERR_READONLY, "the store was opened read-only");
	if (!sqlite3_get_autocommit(s->db))
		return seterr(s, STORE_ERR_IN_TXN, "a transaction is already open");
	if (s->sync_lax && (rc = set_sync(s, true)) != 0)
		return rc;
	if ((rc = exec(s, "BEGIN IMMEDIATE", "beginning a transaction")) != 0)
		return rc;
	hook(s, STORE_FP_BEGIN);
	return 0;
}

/* COMMIT; on failure roll back so the state is as before store_begin. */
int
store_commit(struct store *s)
{
	int rc;

	if (s == NULL)
		return STORE_ERR_ARG;
	if (sqlite3_get_autocommit(s->db))
		return seterr(s, STORE_ERR_NO_TXN, "commit without a transaction (it may have "
		    "been rolled back by an earlier error)");
	hook(s, STORE_FP_COMMIT_BEFORE);
	if ((rc = exec(s, "COMMIT", "committing")) != 0) {
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	hook(s, STORE_FP_COMMIT_AFTER);
	return 0;
}

/* ROLLBACK; a no-op without a transaction. */
int
store_rollback(struct store *s)
{
	if (s == NULL)
		return STORE_ERR_ARG;
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return exec(s, "ROLLBACK", "rolling back");
}

/* Run prepared statement id once (no rows expected). */
static int
step_once(struct store *s, enum stmt_id id, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc, src;

	if ((rc = prep(s, id, &st)) != 0)
		return rc;
	src = sqlite3_step(st);
	sqlite3_reset(st);
	return src == SQLITE_DONE ? 0 : sqlerr(s, src, what);
}

/* See store.h. */
int
store_read_begin(struct store *s)
{
	if (s == NULL)
		return STORE_ERR_ARG;
	if (!sqlite3_get_autocommit(s->db))
		return seterr(s, STORE_ERR_IN_TXN, "a transaction is already open");
	return step_once(s, S_READ_BEGIN, "beginning a read transaction");
}

/* See store.h. */
int
store_read_end(struct store *s)
{
	if (s == NULL)
		return STORE_ERR_ARG;
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return step_once(s, S_READ_END, "ending a read transaction");
}

/* Whether a transaction is open on s. */
bool
store_in_txn(const struct store *s)
{
	return s != NULL && s->db != NULL && !sqlite3_get_autocommit(s->db);
}

/* ---- counters ---- */

static int
reserve_begin(struct store *s)
{
	if (s->flags & STORE_READONLY)
		return seterr(s, STORE_ERR_READONLY, "the store was opened read-only");
	if (!sqlite3_get_autocommit(s->db))
		return seterr(s, STORE_ERR_IN_TXN, "numbers are reserved in their own "
		    "transaction, before the request's transaction begins");
	return exec(s, "BEGIN IMMEDIATE", "beginning a reservation");
}

static int
reserve_commit(struct store *s)
{
	int rc;

	hook(s, STORE_FP_RESERVE_BEFORE);
	if ((rc = exec(s, "COMMIT", "committing a reservation")) != 0) {
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	hook(s, STORE_FP_RESERVE_AFTER);
	return 0;
}

/* Reserve the next serial, durably, before anything is signed with it. */
int
store_reserve_serial(struct store *s, uint64_t *serial)
{
	sqlite3_stmt *st = NULL;
	int64_t v;
	int rc;

	if (s == NULL || serial == NULL)
		return STORE_ERR_ARG;
	*serial = 0;
	if ((rc = reserve_begin(s)) != 0)
		return rc;
	if ((rc = prep(s, S_COUNTER_GET, &st)) != 0)
		goto fail;
	bind_text(st, 1, "serial");
	if ((rc = row(s, st, "reading the serial counter")) != 0)
		goto fail;
	v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (v < 0 || (uint64_t)v >= COUNTER_MAX) {
		rc = seterr(s, STORE_ERR_RANGE, "the serial counter is exhausted");
		goto fail;
	}
	if ((rc = prep(s, S_COUNTER_SET, &st)) != 0)
		goto fail;
	bind_text(st, 1, "serial");
	sqlite3_bind_int64(st, 2, v + 1);
	if ((rc = run(s, st, "advancing the serial counter")) != 0 ||
	    (rc = reserve_commit(s)) != 0)
		goto fail;
	*serial = (uint64_t)v + 1;
	return 0;
fail:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int
issuer_ensure(struct store *s, const uint8_t ski[STORE_SKI_LEN])
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, S_ISSUER_ENSURE, &st)) != 0)
		return rc;
	bind_blob(st, 1, ski, STORE_SKI_LEN);
	return run(s, st, "adding an issuer");
}

static int
reserve_number(struct store *s, const uint8_t ski[STORE_SKI_LEN], bool crl, uint64_t *number)
{
	sqlite3_stmt *st = NULL;
	int64_t v;
	int rc;

	if (s == NULL || ski == NULL || number == NULL)
		return STORE_ERR_ARG;
	*number = 0;
	if ((rc = reserve_begin(s)) != 0)
		return rc;
	if ((rc = issuer_ensure(s, ski)) != 0 || (rc = prep(s, S_ISSUER_GET, &st)) != 0)
		goto fail;
	bind_blob(st, 1, ski, STORE_SKI_LEN);
	if ((rc = row(s, st, "reading the issuer")) != 0)
		goto fail;
	v = sqlite3_column_int64(st, crl ? 1 : 5);
	sqlite3_reset(st);
	if (v < 0 || (uint64_t)v >= COUNTER_MAX) {
		rc = seterr(s, STORE_ERR_RANGE, "the %s number counter is exhausted",
		    crl ? "CRL" : "manifest");
		goto fail;
	}
	if ((rc = prep(s, crl ? S_ISSUER_RES_CRL : S_ISSUER_RES_MFT, &st)) != 0)
		goto fail;
	bind_blob(st, 1, ski, STORE_SKI_LEN);
	sqlite3_bind_int64(st, 2, v + 1);
	if ((rc = run(s, st, "advancing a number counter")) != 0 ||
	    (rc = reserve_commit(s)) != 0)
		goto fail;
	*number = (uint64_t)v + 1;
	return 0;
fail:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Reserve the next CRL number of issuing key ski (UD-130). */
int
store_reserve_crl_number(struct store *s, const uint8_t ski[STORE_SKI_LEN], uint64_t *number)
{
	return reserve_number(s, ski, true, number);
}

/* Reserve the next manifest number of issuing key ski (UD-131). */
int
store_reserve_mft_number(struct store *s, const uint8_t ski[STORE_SKI_LEN], uint64_t *number)
{
	return reserve_number(s, ski, false, number);
}

/* Raise a counter past floor after a restore; own transaction + audit record. */
int
store_counter_raise(struct store *s, enum store_counter c, const uint8_t ski[STORE_SKI_LEN],
                    uint64_t floor, time_t now)
{
	struct audit_record rec;
	char hex[2 * STORE_SKI_LEN + 1], text[128];
	sqlite3_stmt *st = NULL;
	int64_t v;
	int rc;

	if (s == NULL || (c != STORE_COUNTER_SERIAL && ski == NULL) ||
	    (c != STORE_COUNTER_SERIAL && c != STORE_COUNTER_CRL && c != STORE_COUNTER_MFT))
		return STORE_ERR_ARG;
	if (floor >= COUNTER_MAX)
		return seterr(s, STORE_ERR_RANGE, "floor %" PRIu64 " is out of range", floor);
	if ((rc = reserve_begin(s)) != 0)
		return rc;
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_COUNTER;
	rec.has_serial = true;
	rec.serial = floor;
	if (c == STORE_COUNTER_SERIAL) {
		if ((rc = prep(s, S_COUNTER_GET, &st)) != 0)
			goto fail;
		bind_text(st, 1, "serial");
		if ((rc = row(s, st, "reading the serial counter")) != 0)
			goto fail;
		v = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if ((uint64_t)v < floor) {
			if ((rc = prep(s, S_COUNTER_SET, &st)) != 0)
				goto fail;
			bind_text(st, 1, "serial");
			sqlite3_bind_int64(st, 2, (int64_t)floor);
			if ((rc = run(s, st, "raising the serial counter")) != 0)
				goto fail;
		}
		rec.text = "serial counter raised to at least this value";
	} else {
		if ((rc = issuer_ensure(s, ski)) != 0 ||
		    (rc = prep(s, c == STORE_COUNTER_CRL ? S_ISSUER_RAISE_CRL :
		    S_ISSUER_RAISE_MFT, &st)) != 0)
			goto fail;
		bind_blob(st, 1, ski, STORE_SKI_LEN);
		sqlite3_bind_int64(st, 2, (int64_t)floor);
		if ((rc = run(s, st, "raising a number counter")) != 0)
			goto fail;
		tohex(hex, ski, STORE_SKI_LEN);
		rec.ski = hex;
		snprintf(text, sizeof(text), "%s number counter raised to at least this value",
		    c == STORE_COUNTER_CRL ? "CRL" : "manifest");
		rec.text = text;
	}
	if ((rc = audit_add(s, &rec)) != 0 || (rc = reserve_commit(s)) != 0)
		goto fail;
	return 0;
fail:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* ---- classes ---- */

/* Free what a store_class owns and zero it; accepts NULL. */
void
store_class_free(struct store_class *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->cert);
	free(c->key_label);
	free(c->cert_uris);
	free(c->repo_uri);
	free(c->crl_uri);
	free(c->mft_uri);
	free(c->notify_uri);
	memset(c, 0, sizeof(*c));
}

static int
fill_class(sqlite3_stmt *st, struct store_class *c)
{
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->name = dup_col_text(st, 0, &rc);
	c->cert = dup_col_blob(st, 1, &c->cert_len, &rc);
	col_ski(st, 2, c->key_ski, &rc);
	c->key_label = dup_col_text(st, 3, &rc);
	c->cert_uris = dup_col_text(st, 4, &rc);
	c->repo_uri = dup_col_text(st, 5, &rc);
	c->crl_uri = dup_col_text(st, 6, &rc);
	c->mft_uri = dup_col_text(st, 7, &rc);
	c->notify_uri = dup_col_text(st, 8, &rc);
	c->updated = (time_t)sqlite3_column_int64(st, 9);
	if (rc != 0)
		store_class_free(c);
	return rc;
}

/* Insert or update a resource class (in a transaction; "class" audit record). */
int
store_class_put(struct store *s, const struct store_class *c, time_t now)
{
	struct audit_record rec;
	char hex[2 * STORE_SKI_LEN + 1];
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || c == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (!valid_token(c->name, STORE_MAX_CLASS) || !valid_der(c->cert, c->cert_len) ||
	    !valid_token(c->key_label, STORE_MAX_LABEL) ||
	    !valid_token(c->cert_uris, STORE_MAX_URIS) ||
	    !valid_token(c->repo_uri, STORE_MAX_URI) || !valid_token(c->crl_uri, STORE_MAX_URI) ||
	    !valid_token(c->mft_uri, STORE_MAX_URI) ||
	    (c->notify_uri != NULL && !valid_token(c->notify_uri, STORE_MAX_URI)))
		return seterr(s, STORE_ERR_INVALID, "class %s: a field is missing, too long or "
		    "has spaces or control characters", c->name ? c->name : "(null)");
	if ((rc = prep(s, S_CLASS_PUT, &st)) != 0)
		return rc;
	bind_text(st, 1, c->name);
	bind_blob(st, 2, c->cert, c->cert_len);
	bind_blob(st, 3, c->key_ski, STORE_SKI_LEN);
	bind_text(st, 4, c->key_label);
	bind_text(st, 5, c->cert_uris);
	bind_text(st, 6, c->repo_uri);
	bind_text(st, 7, c->crl_uri);
	bind_text(st, 8, c->mft_uri);
	bind_text(st, 9, c->notify_uri);
	sqlite3_bind_int64(st, 10, now);
	if ((rc = run(s, st, "writing a class")) != 0)
		return rc;
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_CLASS;
	rec.class_name = c->name;
	tohex(hex, c->key_ski, STORE_SKI_LEN);
	rec.ski = hex;
	rec.has_digest = true;
	if ((rc = sha256(c->cert, c->cert_len, rec.digest)) != 0)
		return rc;
	rec.text = c->key_label;
	return audit_add(s, &rec);
}

/* The class called name; STORE_ERR_NOT_FOUND. out is freed with store_class_free. */
int
store_class_get(struct store *s, const char *name, struct store_class *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || name == NULL || out == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CLASS_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, name);
	if ((rc = row(s, st, "reading a class")) != 0)
		return rc == STORE_ERR_NOT_FOUND ?
		    seterr(s, rc, "no class %s", name) : rc;
	rc = fill_class(st, out);
	sqlite3_reset(st);
	return rc;
}

/*
 * Generic iteration: fill a value struct from every row of st and hand it
 * to fn; the struct is freed after the call.
 */
#define ITERATE(s, st, type, fill, freefn, fn, arg, what) do {                 \
	struct type v_;                                                         \
	int src_, r_ = 0;                                                       \
	while ((src_ = sqlite3_step(st)) == SQLITE_ROW) {                       \
		if ((r_ = fill(st, &v_)) != 0)                                  \
			break;                                                  \
		r_ = fn(arg, &v_);                                              \
		freefn(&v_);                                                    \
		if (r_ != 0)                                                    \
			break;                                                  \
	}                                                                       \
	sqlite3_reset(st);                                                      \
	if (r_ != 0)                                                            \
		return r_;                                                      \
	if (src_ != SQLITE_DONE)                                                \
		return sqlerr(s, src_, what);                                   \
	return 0;                                                               \
} while (0)

/* Every class, by name. */
int
store_class_foreach(struct store *s, store_class_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CLASS_ALL, &st)) != 0)
		return rc;
	ITERATE(s, st, store_class, fill_class, store_class_free, fn, arg, "listing classes");
}

/* ---- children ---- */

/* Free what a store_child owns and zero it; accepts NULL. */
void
store_child_free(struct store_child *c)
{
	if (c == NULL)
		return;
	free(c->handle);
	free(c->bpki_ta);
	memset(c, 0, sizeof(*c));
}

static int
fill_child(sqlite3_stmt *st, struct store_child *c)
{
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->handle = dup_col_text(st, 0, &rc);
	c->bpki_ta = dup_col_blob(st, 1, &c->bpki_ta_len, &rc);
	if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		c->has_signing_time = true;
		c->last_signing_time = (time_t)sqlite3_column_int64(st, 2);
	}
	if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		c->was_reset = true;
		c->replay_reset_at = (time_t)sqlite3_column_int64(st, 3);
	}
	c->created = (time_t)sqlite3_column_int64(st, 4);
	c->updated = (time_t)sqlite3_column_int64(st, 5);
	if (rc != 0)
		store_child_free(c);
	return rc;
}

/* Row id of a child or class by name; STORE_ERR_NOT_FOUND with a message. */
static int
lookup_id(struct store *s, enum stmt_id id, const char *name, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, id, &st)) != 0)
		return rc;
	bind_text(st, 1, name);
	if ((rc = row(s, st, "looking up an id")) != 0)
		return rc == STORE_ERR_NOT_FOUND ? seterr(s, rc, "no %s %s",
		    id == S_CHILD_ID ? "child" : "class", name) : rc;
	*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* Add a child or replace its BPKI TA (UD-155); "child" audit record. */
int
store_child_put(struct store *s, const char *handle, const uint8_t *ta, size_t ta_len,
                time_t now)
{
	struct audit_record rec;
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (!valid_handle(handle))
		return seterr(s, STORE_ERR_INVALID, "child handle is not 1..255 characters of "
		    "[-_A-Za-z0-9/] (UD-154)");
	if (!valid_der(ta, ta_len))
		return seterr(s, STORE_ERR_INVALID, "child %s: BPKI TA missing or too large",
		    handle);
	if ((rc = prep(s, S_CHILD_PUT, &st)) != 0)
		return rc;
	bind_text(st, 1, handle);
	bind_blob(st, 2, ta, ta_len);
	sqlite3_bind_int64(st, 3, now);
	if ((rc = run(s, st, "writing a child")) != 0)
		return rc;
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_CHILD;
	rec.child = handle;
	rec.has_digest = true;
	if ((rc = sha256(ta, ta_len, rec.digest)) != 0)
		return rc;
	rec.text = "BPKI trust anchor set";
	return audit_add(s, &rec);
}

/* The child called handle; free out with store_child_free. */
int
store_child_get(struct store *s, const char *handle, struct store_child *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || handle == NULL || out == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CHILD_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, handle);
	if ((rc = row(s, st, "reading a child")) != 0)
		return rc == STORE_ERR_NOT_FOUND ? seterr(s, rc, "no child %s", handle) : rc;
	rc = fill_child(st, out);
	sqlite3_reset(st);
	return rc;
}

/* Number of children (an index count, no table scan). */
int
store_child_count(struct store *s, uint64_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || n == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CHILD_COUNT, &st)) != 0)
		return rc;
	if ((rc = row(s, st, "counting children")) != 0)
		return rc;
	*n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* Every child, by handle. */
int
store_child_foreach(struct store *s, store_child_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CHILD_ALL, &st)) != 0)
		return rc;
	ITERATE(s, st, store_child, fill_child, store_child_free, fn, arg, "listing children");
}

/* UD-35: store the signing-time of a fully checked message; never backwards. */
int
store_child_replay_update(struct store *s, const char *handle, time_t signing_time)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int rc;

	if (s == NULL || handle == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if ((rc = prep(s, S_CHILD_REPLAY, &st)) != 0)
		return rc;
	bind_text(st, 1, handle);
	sqlite3_bind_int64(st, 2, signing_time);
	if ((rc = run(s, st, "updating the replay state")) != 0)
		return rc;
	if (sqlite3_changes(s->db) == 1) {
		hook(s, STORE_FP_WRITE);
		return 0;
	}
	if ((rc = lookup_id(s, S_CHILD_ID, handle, &id)) != 0)
		return rc;
	return seterr(s, STORE_ERR_STALE, "child %s: signing-time %" PRId64 " is earlier than "
	    "the last accepted one (RFC 6492 3.1.2, UD-35)", handle, (int64_t)signing_time);
}

/* UD-36: operator reset of a child's replay state; "replay-reset" audit record. */
int
store_child_replay_reset(struct store *s, const char *handle, time_t now, const char *why)
{
	struct store_child c;
	struct audit_record rec;
	sqlite3_stmt *st = NULL;
	char text[AUDIT_MAX_TEXT];
	int rc;

	if (s == NULL || handle == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (!valid_text(why, 1024))
		return seterr(s, STORE_ERR_INVALID, "reason too long or with control characters");
	if ((rc = store_child_get(s, handle, &c)) != 0)
		return rc;
	if (c.has_signing_time)
		snprintf(text, sizeof(text), "signing-time %" PRId64 " forgotten: %s",
		    (int64_t)c.last_signing_time, why ? why : "");
	else
		snprintf(text, sizeof(text), "no signing-time stored: %s", why ? why : "");
	store_child_free(&c);
	if ((rc = prep(s, S_CHILD_RESET, &st)) != 0)
		return rc;
	bind_text(st, 1, handle);
	sqlite3_bind_int64(st, 2, now);
	if ((rc = run(s, st, "resetting the replay state")) != 0)
		return rc;
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_REPLAY_RESET;
	rec.child = handle;
	rec.text = text;
	return audit_add(s, &rec);
}

/* ---- entitlements ---- */

/* Free what a store_entitlement owns and zero it; accepts NULL. */
void
store_entitlement_free(struct store_entitlement *e)
{
	if (e == NULL)
		return;
	free(e->child);
	free(e->class_name);
	free(e->as);
	free(e->v4);
	free(e->v6);
	memset(e, 0, sizeof(*e));
}

static int
fill_ent(sqlite3_stmt *st, struct store_entitlement *e)
{
	int rc = 0;

	memset(e, 0, sizeof(*e));
	e->child = dup_col_text(st, 0, &rc);
	e->class_name = dup_col_text(st, 1, &rc);
	e->as = dup_col_text(st, 2, &rc);
	e->v4 = dup_col_text(st, 3, &rc);
	e->v6 = dup_col_text(st, 4, &rc);
	e->not_after = (time_t)sqlite3_column_int64(st, 5);
	if (rc != 0)
		store_entitlement_free(e);
	return rc;
}

/*
 * Apply an allocation table: version must increase; all entitlements are
 * replaced by ents; "table-applied" audit record.
 */
int
store_alloc_apply(struct store *s, uint64_t version, const struct store_entitlement *ents,
                  size_t n, const uint8_t digest[AUDIT_HASH_LEN], time_t now)
{
	struct audit_record rec;
	int64_t cur, child_id, class_id;
	sqlite3_stmt *st = NULL;
	char text[96];
	size_t i;
	int rc;

	if (s == NULL || (ents == NULL && n > 0))
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (version == 0 || version >= COUNTER_MAX)
		return seterr(s, STORE_ERR_RANGE, "allocation table version out of range");
	if ((rc = meta_get_int(s, "alloc_version", &cur)) != 0)
		return rc;
	if (version <= (uint64_t)cur)
		return seterr(s, STORE_ERR_STALE, "allocation table version %" PRIu64 " is not "
		    "above the applied version %" PRId64, version, cur);
	if ((rc = prep(s, S_ENT_DEL_ALL, &st)) != 0 ||
	    (rc = run(s, st, "clearing entitlements")) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		const struct store_entitlement *e = &ents[i];

		if (e->child == NULL || e->class_name == NULL)
			return seterr(s, STORE_ERR_INVALID, "entitlement %zu: no child or class", i);
		if (!canonical(RES_AS, e->as) || !canonical(RES_IPV4, e->v4) ||
		    !canonical(RES_IPV6, e->v6))
			return seterr(s, STORE_ERR_INVALID, "entitlement of child %s in class %s: "
			    "resources are not canonical RFC 6492 text (UD-58)", e->child,
			    e->class_name);
		if ((rc = lookup_id(s, S_CHILD_ID, e->child, &child_id)) != 0 ||
		    (rc = lookup_id(s, S_CLASS_ID, e->class_name, &class_id)) != 0)
			return rc;              /* the message names the child or class */
		if ((rc = prep(s, S_ENT_INS, &st)) != 0)
			return rc;
		sqlite3_bind_int64(st, 1, child_id);
		sqlite3_bind_int64(st, 2, class_id);
		bind_text(st, 3, e->as);
		bind_text(st, 4, e->v4);
		bind_text(st, 5, e->v6);
		sqlite3_bind_int64(st, 6, e->not_after);
		if ((rc = run(s, st, "writing an entitlement")) != 0)
			return rc == STORE_ERR_EXISTS ? seterr(s, rc, "allocation table lists "
			    "child %s in class %s twice", e->child, e->class_name) : rc;
	}
	if ((rc = meta_set_int(s, "alloc_version", (int64_t)version)) != 0)
		return rc;
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_TABLE;
	rec.has_serial = true;
	rec.serial = version;
	if (digest != NULL) {
		rec.has_digest = true;
		memcpy(rec.digest, digest, AUDIT_HASH_LEN);
	}
	snprintf(text, sizeof(text), "%zu entitlements", n);
	rec.text = text;
	return audit_add(s, &rec);
}

/* Version of the applied allocation table (0 before the first). */
int
store_alloc_version(struct store *s, uint64_t *version)
{
	int64_t v;
	int rc;

	if (s == NULL || version == NULL)
		return STORE_ERR_ARG;
	if ((rc = meta_get_int(s, "alloc_version", &v)) != 0)
		return rc;
	*version = (uint64_t)v;
	return 0;
}

/* The child's entitlement in the class; free out with store_entitlement_free. */
int
store_entitlement_get(struct store *s, const char *child, const char *class_name,
                      struct store_entitlement *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || child == NULL || class_name == NULL || out == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_ENT_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, child);
	bind_text(st, 2, class_name);
	if ((rc = row(s, st, "reading an entitlement")) != 0)
		return rc == STORE_ERR_NOT_FOUND ? seterr(s, rc, "child %s has no entitlement "
		    "in class %s", child, class_name) : rc;
	rc = fill_ent(st, out);
	sqlite3_reset(st);
	return rc;
}

/* The child's entitlements, by class name. */
int
store_entitlement_foreach_child(struct store *s, const char *child, store_entitlement_fn fn,
                                void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || child == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_ENT_CHILD, &st)) != 0)
		return rc;
	bind_text(st, 1, child);
	ITERATE(s, st, store_entitlement, fill_ent, store_entitlement_free, fn, arg,
	    "listing entitlements");
}

/* ---- certificates ---- */

/* Free what a store_cert owns and zero it; accepts NULL. */
void
store_cert_free(struct store_cert *c)
{
	if (c == NULL)
		return;
	free(c->child);
	free(c->class_name);
	free(c->spki);
	free(c->sia_repo);
	free(c->sia_mft);
	free(c->sia_notify);
	free(c->req_as);
	free(c->req_v4);
	free(c->req_v6);
	free(c->as);
	free(c->v4);
	free(c->v6);
	free(c->der);
	free(c->cert_uri);
	memset(c, 0, sizeof(*c));
}

static int
fill_cert(sqlite3_stmt *st, struct store_cert *c)
{
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->serial = (uint64_t)sqlite3_column_int64(st, 0);
	c->child = dup_col_text(st, 1, &rc);
	c->class_name = dup_col_text(st, 2, &rc);
	col_ski(st, 3, c->ski, &rc);
	col_ski(st, 4, c->issuer_ski, &rc);
	c->spki = dup_col_blob(st, 5, &c->spki_len, &rc);
	c->sia_repo = dup_col_text(st, 6, &rc);
	c->sia_mft = dup_col_text(st, 7, &rc);
	c->sia_notify = dup_col_text(st, 8, &rc);
	c->req_as = dup_col_text(st, 9, &rc);
	c->req_v4 = dup_col_text(st, 10, &rc);
	c->req_v6 = dup_col_text(st, 11, &rc);
	c->as = dup_col_text(st, 12, &rc);
	c->v4 = dup_col_text(st, 13, &rc);
	c->v6 = dup_col_text(st, 14, &rc);
	c->not_before = (time_t)sqlite3_column_int64(st, 15);
	c->not_after = (time_t)sqlite3_column_int64(st, 16);
	c->der = dup_col_blob(st, 17, &c->der_len, &rc);
	c->cert_uri = dup_col_text(st, 18, &rc);
	c->state = sqlite3_column_int(st, 19) == 1 ? STORE_CERT_REVOKED : STORE_CERT_CURRENT;
	c->issued_at = (time_t)sqlite3_column_int64(st, 20);
	c->revoked_at = (time_t)sqlite3_column_int64(st, 21);
	if (sqlite3_column_type(st, 22) != SQLITE_NULL) {
		c->has_revoke_after = true;
		c->revoke_after = (time_t)sqlite3_column_int64(st, 22);
	}
	if (rc != 0)
		store_cert_free(c);
	return rc;
}

static bool
valid_req(enum res_family f, const char *t)
{
	return t == NULL || canonical(f, t);
}

/* Record a certificate just signed; "issue" audit record. */
int
store_cert_insert(struct store *s, const struct store_cert *c, time_t now)
{
	struct audit_record rec;
	char hex[2 * STORE_SKI_LEN + 1];
	int64_t child_id, class_id, counter;
	sqlite3_stmt *st = NULL;
	char *res = NULL;
	int rc;

	if (s == NULL || c == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (c->serial == 0 || c->serial > COUNTER_MAX)
		return seterr(s, STORE_ERR_RANGE, "serial %" PRIu64 " out of range", c->serial);
	if (c->state != STORE_CERT_CURRENT || !valid_der(c->der, c->der_len) ||
	    !valid_der(c->spki, c->spki_len) || !valid_token(c->sia_repo, STORE_MAX_URI) ||
	    !valid_token(c->sia_mft, STORE_MAX_URI) ||
	    (c->sia_notify != NULL && !valid_token(c->sia_notify, STORE_MAX_URI)) ||
	    !valid_token(c->cert_uri, STORE_MAX_URI) || c->not_after < c->not_before)
		return seterr(s, STORE_ERR_INVALID, "certificate %" PRIu64 ": a field is missing "
		    "or malformed", c->serial);
	if (!canonical(RES_AS, c->as) || !canonical(RES_IPV4, c->v4) ||
	    !canonical(RES_IPV6, c->v6) || !valid_req(RES_AS, c->req_as) ||
	    !valid_req(RES_IPV4, c->req_v4) || !valid_req(RES_IPV6, c->req_v6))
		return seterr(s, STORE_ERR_INVALID, "certificate %" PRIu64 ": resources are not "
		    "canonical RFC 6492 text (UD-58)", c->serial);
	if ((rc = prep(s, S_COUNTER_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, "serial");
	if ((rc = row(s, st, "reading the serial counter")) != 0)
		return rc;
	counter = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (c->serial > (uint64_t)counter)
		return seterr(s, STORE_ERR_NOT_RESERVED, "serial %" PRIu64 " was never reserved "
		    "(counter at %" PRId64 ")", c->serial, counter);
	if ((rc = lookup_id(s, S_CHILD_ID, c->child, &child_id)) != 0 ||
	    (rc = lookup_id(s, S_CLASS_ID, c->class_name, &class_id)) != 0)
		return rc;
	if ((rc = prep(s, S_CERT_INS, &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (int64_t)c->serial);
	sqlite3_bind_int64(st, 2, child_id);
	sqlite3_bind_int64(st, 3, class_id);
	bind_blob(st, 4, c->ski, STORE_SKI_LEN);
	bind_blob(st, 5, c->issuer_ski, STORE_SKI_LEN);
	bind_blob(st, 6, c->spki, c->spki_len);
	bind_text(st, 7, c->sia_repo);
	bind_text(st, 8, c->sia_mft);
	bind_text(st, 9, c->sia_notify);
	bind_text(st, 10, c->req_as);
	bind_text(st, 11, c->req_v4);
	bind_text(st, 12, c->req_v6);
	bind_text(st, 13, c->as);
	bind_text(st, 14, c->v4);
	bind_text(st, 15, c->v6);
	sqlite3_bind_int64(st, 16, c->not_before);
	sqlite3_bind_int64(st, 17, c->not_after);
	bind_blob(st, 18, c->der, c->der_len);
	bind_text(st, 19, c->cert_uri);
	sqlite3_bind_int64(st, 20, now);
	if ((rc = run(s, st, "writing a certificate")) != 0)
		return rc == STORE_ERR_EXISTS ? seterr(s, rc, "serial %" PRIu64 " is already "
		    "used", c->serial) : rc;
	if ((res = res_text(c->as, c->v4, c->v6)) == NULL)
		return seterr(s, STORE_ERR_NOMEM, "out of memory");
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_ISSUE;
	rec.child = c->child;
	rec.class_name = c->class_name;
	rec.has_serial = true;
	rec.serial = c->serial;
	tohex(hex, c->ski, STORE_SKI_LEN);
	rec.ski = hex;
	rec.resources = res;
	rec.has_digest = true;
	if ((rc = sha256(c->der, c->der_len, rec.digest)) == 0)
		rc = audit_add(s, &rec);
	free(res);
	return rc;
}

/* The certificate with this serial; free out with store_cert_free. */
int
store_cert_get(struct store *s, uint64_t serial, struct store_cert *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || out == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CERT_SERIAL, &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (int64_t)serial);
	if ((rc = row(s, st, "reading a certificate")) != 0)
		return rc == STORE_ERR_NOT_FOUND ? seterr(s, rc, "no certificate with serial %"
		    PRIu64, serial) : rc;
	rc = fill_cert(st, out);
	sqlite3_reset(st);
	return rc;
}

static int
cert_iterate(struct store *s, sqlite3_stmt *st, store_cert_fn fn, void *arg)
{
	ITERATE(s, st, store_cert, fill_cert, store_cert_free, fn, arg, "listing certificates");
}

/* Current certificates of (child, class), newest first (UD-54). */
int
store_certs_current(struct store *s, const char *child, const char *class_name,
                    store_cert_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || child == NULL || class_name == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CERTS_CURRENT, &st)) != 0)
		return rc;
	bind_text(st, 1, child);
	bind_text(st, 2, class_name);
	return cert_iterate(s, st, fn, arg);
}

/* Every certificate for key ski, any child, any state (UD-64, UD-115). */
int
store_certs_by_key(struct store *s, const char *class_name, const uint8_t ski[STORE_SKI_LEN],
                   store_cert_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || ski == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, class_name ? S_CERTS_KEY : S_CERTS_KEY_ANY, &st)) != 0)
		return rc;
	bind_blob(st, 1, ski, STORE_SKI_LEN);
	if (class_name != NULL)
		bind_text(st, 2, class_name);
	return cert_iterate(s, st, fn, arg);
}

/* Revoke one certificate if current; *did says whether it was. */
static int
revoke_one(struct store *s, uint64_t serial, time_t now, const char *why, bool *did)
{
	struct store_cert c;
	struct audit_record rec;
	char hex[2 * STORE_SKI_LEN + 1];
	sqlite3_stmt *st = NULL;
	char *res = NULL;
	int rc;

	*did = false;
	if ((rc = store_cert_get(s, serial, &c)) != 0)
		return rc;
	if (c.state == STORE_CERT_REVOKED) {
		store_cert_free(&c);
		return 0;
	}
	if ((rc = prep(s, S_CERT_REVOKE, &st)) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, (int64_t)serial);
	sqlite3_bind_int64(st, 2, now);
	if ((rc = run(s, st, "revoking a certificate")) != 0)
		goto out;
	if ((res = res_text(c.as, c.v4, c.v6)) == NULL) {
		rc = seterr(s, STORE_ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_REVOKE;
	rec.child = c.child;
	rec.class_name = c.class_name;
	rec.has_serial = true;
	rec.serial = serial;
	tohex(hex, c.ski, STORE_SKI_LEN);
	rec.ski = hex;
	rec.resources = res;
	rec.text = why;
	if ((rc = audit_add(s, &rec)) == 0)
		*did = true;
out:
	free(res);
	store_cert_free(&c);
	return rc;
}

/* UD-112: revoke every current certificate of child for key ski in class. */
int
store_cert_revoke_key(struct store *s, const char *child, const char *class_name,
                      const uint8_t ski[STORE_SKI_LEN], time_t now, const char *why,
                      unsigned *count)
{
	uint64_t serials[64];
	sqlite3_stmt *st = NULL;
	unsigned total = 0;
	size_t n, i;
	bool did, more;
	int rc, src;

	if (count != NULL)
		*count = 0;
	if (s == NULL || child == NULL || class_name == NULL || ski == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (!valid_text(why, 1024))
		return seterr(s, STORE_ERR_INVALID, "reason too long or with control characters");
	/* Collect serials in batches (never update the table under a running SELECT). */
	do {
		if ((rc = prep(s, S_REVOKE_KEY_SEL, &st)) != 0)
			return rc;
		bind_text(st, 1, child);
		bind_text(st, 2, class_name);
		bind_blob(st, 3, ski, STORE_SKI_LEN);
		n = 0;
		more = false;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			if (n == sizeof(serials) / sizeof(serials[0])) {
				more = true;
				break;
			}
			serials[n++] = (uint64_t)sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
		if (src != SQLITE_ROW && src != SQLITE_DONE)
			return sqlerr(s, src, "finding certificates to revoke");
		for (i = 0; i < n; i++) {
			if ((rc = revoke_one(s, serials[i], now, why, &did)) != 0)
				return rc;
			total += did;
		}
	} while (more);
	if (count != NULL)
		*count = total;
	return 0;
}

/* Revoke one certificate (a no-op if it is already revoked). */
int
store_cert_revoke(struct store *s, uint64_t serial, time_t now, const char *why)
{
	bool did;
	int rc;

	if (s == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (!valid_text(why, 1024))
		return seterr(s, STORE_ERR_INVALID, "reason too long or with control characters");
	return revoke_one(s, serial, now, why, &did);
}

/* UD-103: revoke the current certificate `serial` at `when`. */
int
store_cert_schedule_revoke(struct store *s, uint64_t serial, time_t when, time_t now,
                           const char *why)
{
	struct store_cert c;
	struct audit_record rec;
	char text[AUDIT_MAX_TEXT];
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (!valid_text(why, 1024))
		return seterr(s, STORE_ERR_INVALID, "reason too long or with control characters");
	if ((rc = store_cert_get(s, serial, &c)) != 0)
		return rc;
	if (c.state != STORE_CERT_CURRENT) {
		store_cert_free(&c);
		return seterr(s, STORE_ERR_STALE, "certificate %" PRIu64 " is already revoked",
		    serial);
	}
	if ((rc = prep(s, S_CERT_SCHEDULE, &st)) != 0) {
		store_cert_free(&c);
		return rc;
	}
	sqlite3_bind_int64(st, 1, (int64_t)serial);
	sqlite3_bind_int64(st, 2, when);
	if ((rc = run(s, st, "scheduling a revocation")) != 0) {
		store_cert_free(&c);
		return rc;
	}
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_SCHEDULE;
	rec.child = c.child;
	rec.class_name = c.class_name;
	rec.has_serial = true;
	rec.serial = serial;
	snprintf(text, sizeof(text), "revoke at %" PRId64 ": %s", (int64_t)when, why ? why : "");
	rec.text = text;
	rc = audit_add(s, &rec);
	store_cert_free(&c);
	return rc;
}

/* Current certificates whose scheduled revocation is due. */
int
store_certs_due(struct store *s, time_t now, store_cert_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CERTS_DUE, &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	return cert_iterate(s, st, fn, arg);
}

/* UD-130: revoked, not expired before keep_after, signed by issuer_ski. */
int
store_certs_for_crl(struct store *s, const uint8_t issuer_ski[STORE_SKI_LEN], time_t keep_after,
                    store_cert_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || issuer_ski == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CERTS_CRL, &st)) != 0)
		return rc;
	bind_blob(st, 1, issuer_ski, STORE_SKI_LEN);
	sqlite3_bind_int64(st, 2, keep_after);
	return cert_iterate(s, st, fn, arg);
}

/* Current certificates signed by issuer_ski. */
int
store_certs_current_for_issuer(struct store *s, const uint8_t issuer_ski[STORE_SKI_LEN],
                               store_cert_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || issuer_ski == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CERTS_ISSUER, &st)) != 0)
		return rc;
	bind_blob(st, 1, issuer_ski, STORE_SKI_LEN);
	return cert_iterate(s, st, fn, arg);
}

/* Every current certificate, by serial. */
int
store_certs_current_all(struct store *s, store_cert_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_CERTS_ALL_CURRENT, &st)) != 0)
		return rc;
	return cert_iterate(s, st, fn, arg);
}

/* ---- CRL / manifest ---- */

static int
record_number(struct store *s, const uint8_t ski[STORE_SKI_LEN], const char *class_name,
              bool crl, uint64_t number, time_t this_update, time_t next_update,
              const uint8_t *der, size_t der_len, time_t now)
{
	struct store_issuer is;
	struct audit_record rec;
	char hex[2 * STORE_SKI_LEN + 1];
	sqlite3_stmt *st = NULL;
	uint64_t reserved, last;
	int rc;

	if (s == NULL || ski == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (!valid_der(der, der_len) || next_update < this_update ||
	    (class_name != NULL && !valid_token(class_name, STORE_MAX_CLASS)))
		return seterr(s, STORE_ERR_INVALID, "%s %" PRIu64 ": malformed arguments",
		    crl ? "CRL" : "manifest", number);
	if ((rc = store_issuer_get(s, ski, &is)) != 0)
		return rc == STORE_ERR_NOT_FOUND ? seterr(s, STORE_ERR_NOT_RESERVED, "%s %" PRIu64
		    ": no number was ever reserved for this key", crl ? "CRL" : "manifest",
		    number) : rc;
	reserved = crl ? is.crl_reserved : is.mft_reserved;
	last = crl ? is.crl_last : is.mft_last;
	if (number == 0 || number > reserved)
		return seterr(s, STORE_ERR_NOT_RESERVED, "%s number %" PRIu64 " was never "
		    "reserved (counter at %" PRIu64 ")", crl ? "CRL" : "manifest", number,
		    reserved);
	if (number <= last)
		return seterr(s, STORE_ERR_STALE, "%s number %" PRIu64 " is not above the last "
		    "one recorded (%" PRIu64 ")", crl ? "CRL" : "manifest", number, last);
	if ((rc = prep(s, crl ? S_ISSUER_REC_CRL : S_ISSUER_REC_MFT, &st)) != 0)
		return rc;
	bind_blob(st, 1, ski, STORE_SKI_LEN);
	sqlite3_bind_int64(st, 2, (int64_t)number);
	sqlite3_bind_int64(st, 3, this_update);
	sqlite3_bind_int64(st, 4, next_update);
	if ((rc = run(s, st, "recording a CRL or manifest")) != 0)
		return rc;
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = crl ? AUDIT_CRL : AUDIT_MANIFEST;
	rec.class_name = class_name;
	rec.has_serial = true;
	rec.serial = number;
	tohex(hex, ski, STORE_SKI_LEN);
	rec.ski = hex;
	rec.has_digest = true;
	if ((rc = sha256(der, der_len, rec.digest)) != 0)
		return rc;
	return audit_add(s, &rec);
}

/* Record the CRL just signed (UD-130); "crl" audit record. */
int
store_crl_record(struct store *s, const uint8_t ski[STORE_SKI_LEN], const char *class_name,
                 uint64_t number, time_t this_update, time_t next_update,
                 const uint8_t *der, size_t der_len, time_t now)
{
	return record_number(s, ski, class_name, true, number, this_update, next_update, der,
	    der_len, now);
}

/* Record the manifest just signed (UD-131); "manifest" audit record. */
int
store_mft_record(struct store *s, const uint8_t ski[STORE_SKI_LEN], const char *class_name,
                 uint64_t number, time_t this_update, time_t next_update,
                 const uint8_t *der, size_t der_len, time_t now)
{
	return record_number(s, ski, class_name, false, number, this_update, next_update, der,
	    der_len, now);
}

/* CRL and manifest state of issuing key ski. */
int
store_issuer_get(struct store *s, const uint8_t ski[STORE_SKI_LEN], struct store_issuer *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || ski == NULL || out == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_ISSUER_GET, &st)) != 0)
		return rc;
	bind_blob(st, 1, ski, STORE_SKI_LEN);
	if ((rc = row(s, st, "reading an issuer")) != 0)
		return rc == STORE_ERR_NOT_FOUND ? seterr(s, rc, "no CRL or manifest state for "
		    "this key") : rc;
	memcpy(out->ski, ski, STORE_SKI_LEN);
	out->crl_reserved = (uint64_t)sqlite3_column_int64(st, 1);
	out->crl_last = (uint64_t)sqlite3_column_int64(st, 2);
	out->crl_this_update = (time_t)sqlite3_column_int64(st, 3);
	out->crl_next_update = (time_t)sqlite3_column_int64(st, 4);
	out->mft_reserved = (uint64_t)sqlite3_column_int64(st, 5);
	out->mft_last = (uint64_t)sqlite3_column_int64(st, 6);
	out->mft_this_update = (time_t)sqlite3_column_int64(st, 7);
	out->mft_next_update = (time_t)sqlite3_column_int64(st, 8);
	sqlite3_reset(st);
	return 0;
}

/* ---- our BPKI EE certificate, renewed by the engine ---- */

/* Keep der as the BPKI EE certificate in use; "bpki" audit record. In a transaction. */
int
store_bpki_ee_put(struct store *s, const uint8_t *der, size_t len, uint64_t serial,
                  time_t now)
{
	struct audit_record rec;
	int rc;

	if (s == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (!valid_der(der, len))
		return seterr(s, STORE_ERR_INVALID, "BPKI EE certificate missing or too large");
	if ((rc = meta_set_blob(s, "bpki_ee", der, len)) != 0)
		return rc;
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_BPKI;
	rec.has_serial = true;
	rec.serial = serial;
	rec.has_digest = true;
	if ((rc = sha256(der, len, rec.digest)) != 0)
		return rc;
	rec.text = "BPKI EE certificate renewed";
	return audit_add(s, &rec);
}

/* The BPKI EE certificate store_bpki_ee_put kept (malloc'd), or STORE_ERR_NOT_FOUND. */
int
store_bpki_ee_get(struct store *s, uint8_t **der, size_t *len)
{
	sqlite3_stmt *st = NULL;
	size_t n;
	int rc;

	if (s == NULL || der == NULL || len == NULL)
		return STORE_ERR_ARG;
	*der = NULL;
	*len = 0;
	if ((rc = prep(s, S_META_GET, &st)) != 0)
		return rc;
	bind_text(st, 1, "bpki_ee");
	if ((rc = row(s, st, "reading the BPKI EE certificate")) != 0)
		return rc;
	n = (size_t)sqlite3_column_bytes(st, 0);
	if (sqlite3_column_type(st, 0) != SQLITE_BLOB || !valid_der(sqlite3_column_blob(st, 0), n)) {
		sqlite3_reset(st);
		return seterr(s, STORE_ERR_CORRUPT, "the stored BPKI EE certificate is malformed");
	}
	if ((*der = malloc(n)) == NULL) {
		sqlite3_reset(st);
		return seterr(s, STORE_ERR_NOMEM, "out of memory");
	}
	memcpy(*der, sqlite3_column_blob(st, 0), n);
	*len = n;
	sqlite3_reset(st);
	return 0;
}

/* ---- key map (UD-163) ---- */

/* Record SKI -> HSM label; "key" audit record. Same pair again: no-op. */
int
store_key_put(struct store *s, const uint8_t ski[STORE_SKI_LEN], const char *label,
              const char *role, time_t now)
{
	struct audit_record rec;
	char hex[2 * STORE_SKI_LEN + 1];
	char *old = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || ski == NULL)
		return STORE_ERR_ARG;
	if ((rc = need_txn(s)) != 0)
		return rc;
	if (!valid_text(label, STORE_MAX_LABEL) || label == NULL || *label == '\0' ||
	    !valid_token(role, 64))
		return seterr(s, STORE_ERR_INVALID, "key label or role missing or malformed");
	rc = store_key_label(s, ski, &old);
	if (rc == 0) {
		rc = strcmp(old, label) == 0 ? 0 : seterr(s, STORE_ERR_EXISTS, "key is already "
		    "mapped to label %s", old);
		free(old);
		return rc;
	}
	if (rc != STORE_ERR_NOT_FOUND)
		return rc;
	if ((rc = prep(s, S_KEY_INS, &st)) != 0)
		return rc;
	bind_blob(st, 1, ski, STORE_SKI_LEN);
	bind_text(st, 2, label);
	bind_text(st, 3, role);
	sqlite3_bind_int64(st, 4, now);
	if ((rc = run(s, st, "recording a key")) != 0)
		return rc == STORE_ERR_EXISTS ? seterr(s, rc, "label %s already names another "
		    "key", label) : rc;
	memset(&rec, 0, sizeof(rec));
	rec.time = now;
	rec.kind = AUDIT_KEY;
	tohex(hex, ski, STORE_SKI_LEN);
	rec.ski = hex;
	rec.text = label;
	return audit_add(s, &rec);
}

/* The HSM label of key ski; *label malloc'd. */
int
store_key_label(struct store *s, const uint8_t ski[STORE_SKI_LEN], char **label)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (label != NULL)
		*label = NULL;
	if (s == NULL || ski == NULL || label == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_KEY_GET, &st)) != 0)
		return rc;
	bind_blob(st, 1, ski, STORE_SKI_LEN);
	if ((rc = row(s, st, "reading the key map")) != 0)
		return rc == STORE_ERR_NOT_FOUND ? seterr(s, rc, "no HSM label for this key") : rc;
	*label = dup_col_text(st, 0, &rc);
	sqlite3_reset(st);
	return rc;
}

/* The SKI of the key labelled label. */
int
store_key_by_label(struct store *s, const char *label, uint8_t ski[STORE_SKI_LEN])
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (s == NULL || label == NULL || ski == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_KEY_BY_LABEL, &st)) != 0)
		return rc;
	bind_text(st, 1, label);
	if ((rc = row(s, st, "reading the key map")) != 0)
		return rc == STORE_ERR_NOT_FOUND ? seterr(s, rc, "no key labelled %s", label) : rc;
	col_ski(st, 0, ski, &rc);
	sqlite3_reset(st);
	return rc;
}

/* ---- audit ---- */

/* Append a caller-made record (TA, BPKI, EE, ...). */
int
store_audit_append(struct store *s, const struct audit_record *rec)
{
	struct audit_record r;

	if (s == NULL || rec == NULL)
		return STORE_ERR_ARG;
	if (audit_kind_name(rec->kind) == NULL || rec->kind == AUDIT_INIT)
		return seterr(s, STORE_ERR_INVALID, "audit record of unknown kind");
	if (!valid_text(rec->child, AUDIT_MAX_TEXT) || !valid_text(rec->class_name,
	    AUDIT_MAX_TEXT) || !valid_text(rec->ski, AUDIT_MAX_TEXT) ||
	    !valid_text(rec->text, AUDIT_MAX_TEXT) || !valid_text(rec->resources, AUDIT_MAX_RES))
		return seterr(s, STORE_ERR_INVALID, "audit record field too long or with "
		    "control characters");
	r = *rec;
	return audit_add(s, &r);
}

/* seq and hash of the last audit record (the head kept in meta). */
int
store_audit_head(struct store *s, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN])
{
	int64_t v;
	int rc;

	if (s == NULL || seq == NULL || hash == NULL)
		return STORE_ERR_ARG;
	if ((rc = meta_get_int(s, "audit_head_seq", &v)) != 0 ||
	    (rc = meta_get_blob(s, "audit_head_hash", hash, AUDIT_HASH_LEN)) != 0)
		return rc;
	*seq = (uint64_t)v;
	return 0;
}

/* Records from seq `from` on; the record's pointers are valid during fn only. */
int
store_audit_foreach(struct store *s, uint64_t from, store_audit_fn fn, void *arg)
{
	struct audit_record r;
	sqlite3_stmt *st = NULL;
	int rc, src, ret = 0;

	if (s == NULL || fn == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_AUDIT_FROM, &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, from > COUNTER_MAX ? INT64_MAX : (int64_t)from);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.seq = (uint64_t)sqlite3_column_int64(st, 0);
		r.time = sqlite3_column_int64(st, 1);
		r.kind = audit_kind_parse((const char *)sqlite3_column_text(st, 2));
		r.child = (const char *)sqlite3_column_text(st, 3);
		r.class_name = (const char *)sqlite3_column_text(st, 4);
		r.has_serial = sqlite3_column_type(st, 5) == SQLITE_INTEGER;
		r.serial = (uint64_t)sqlite3_column_int64(st, 5);
		r.ski = (const char *)sqlite3_column_text(st, 6);
		r.resources = (const char *)sqlite3_column_text(st, 7);
		if (sqlite3_column_bytes(st, 8) == AUDIT_HASH_LEN) {
			r.has_digest = true;
			memcpy(r.digest, sqlite3_column_blob(st, 8), AUDIT_HASH_LEN);
		}
		r.text = (const char *)sqlite3_column_text(st, 9);
		if (sqlite3_column_bytes(st, 10) == AUDIT_HASH_LEN)
			memcpy(r.prev, sqlite3_column_blob(st, 10), AUDIT_HASH_LEN);
		if (sqlite3_column_bytes(st, 11) == AUDIT_HASH_LEN)
			memcpy(r.hash, sqlite3_column_blob(st, 11), AUDIT_HASH_LEN);
		if ((ret = fn(arg, &r)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (ret != 0)
		return ret;
	return src == SQLITE_DONE ? 0 : sqlerr(s, src, "reading the audit log");
}

/* Walk the store's chain. */
int
store_audit_verify(struct store *s, struct audit_report *rep)
{
	int rc;

	if (s == NULL || rep == NULL)
		return STORE_ERR_ARG;
	if ((rc = audit_verify_db(s->db, rep)) != 0)
		seterr(s, rc, "%s", rep->what);
	return rc;
}

/* Offline verification of the store at path (host tool). */
int
audit_verify_path(const char *path, struct audit_report *rep)
{
	struct store *s = NULL;
	char *msg = NULL;
	int rc;

	if (rep == NULL)
		return STORE_ERR_ARG;
	memset(rep, 0, sizeof(*rep));
	if (path == NULL)
		return STORE_ERR_ARG;
	rc = store_open(path, STORE_READONLY | STORE_NO_CHECK, NULL, &s, &msg);
	if (rc != 0) {
		snprintf(rep->what, sizeof(rep->what), "%s", msg ? msg : store_strerror(rc));
		free(msg);
		return rc;
	}
	rc = audit_verify_db(s->db, rep);
	store_close(s);
	return rc;
}

/* ---- exchanges (UD-160) ---- */

/* Log a raw request/response pair. */
int
store_exchange_log(struct store *s, time_t now, const char *child, const char *type,
                   const char *outcome, const uint8_t *req, size_t req_len,
                   const uint8_t *resp, size_t resp_len)
{
	sqlite3_stmt *st = NULL;
	bool lax = false;
	int rc, rrc;

	if (s == NULL || outcome == NULL)
		return STORE_ERR_ARG;
	if (s->flags & STORE_READONLY)
		return seterr(s, STORE_ERR_READONLY, "the store was opened read-only");
	if (!valid_text(child, STORE_MAX_HANDLE) || !valid_text(type, 64) ||
	    !valid_text(outcome, 64) || (req != NULL && req_len > STORE_MAX_CMS) ||
	    (resp != NULL && resp_len > STORE_MAX_CMS))
		return seterr(s, STORE_ERR_INVALID, "exchange log entry malformed or too large");
	if ((rc = prep(s, S_EXCH_INS, &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	bind_text(st, 2, child);
	bind_text(st, 3, type);
	bind_text(st, 4, outcome);
	if (req != NULL)
		bind_blob(st, 5, req, req_len);
	if (resp != NULL)
		bind_blob(st, 6, resp, resp_len);
	/* On its own (autocommit): no fsync for a log row either (see set_sync). */
	if (sqlite3_get_autocommit(s->db)) {
		if (s->sync_lax && (rc = set_sync(s, true)) != 0) {
			sqlite3_reset(st);
			return rc;
		}
		lax = set_sync(s, false) == 0;
	}
	rc = run(s, st, "logging an exchange");
	if (lax && (rrc = set_sync(s, true)) != 0 && rc == 0)
		rc = rrc;
	if (rc != 0)
		return rc;
	if (!sqlite3_get_autocommit(s->db))
		hook(s, STORE_FP_WRITE);
	return 0;
}

/*
 * One entry on its own: its signing-time (and row) in a durable
 * transaction, or a lone row without an fsync.
 */
static int
exchange_one(struct store *s, const struct store_exchange *x, bool row)
{
	int rc;

	if (!x->set_replay)
		return !row ? 0 : store_exchange_log(s, x->now, x->child, x->type, x->outcome,
		    x->req, x->req_len, x->resp, x->resp_len);
	if ((rc = store_begin(s)) == 0 &&
	    (rc = store_child_replay_update(s, x->child, x->replay_time)) == 0 && row)
		rc = store_exchange_log(s, x->now, x->child, x->type, x->outcome, x->req,
		    x->req_len, x->resp, x->resp_len);
	if (rc == 0)
		rc = store_commit(s);
	if (rc != 0)
		store_rollback(s);
	return rc;
}

/* store_exchange_batch (rows) and store_replay_batch (!rows). */
static int
exchange_batch(struct store *s, struct store_exchange *x, size_t n, bool rows)
{
	bool durable = false, lax = false;
	size_t i;
	int rc, first = 0;

	if (s == NULL || (x == NULL && n > 0))
		return STORE_ERR_ARG;
	for (i = 0; i < n; i++) {
		x[i].rc = 0;
		durable |= x[i].set_replay;
	}
	if (n == 0 || (!rows && !durable))
		return 0;
	if (s->flags & STORE_READONLY)
		return seterr(s, STORE_ERR_READONLY, "the store was opened read-only");
	if (!sqlite3_get_autocommit(s->db))
		return seterr(s, STORE_ERR_IN_TXN, "a batch of exchanges is its own transaction");
	if (n == 1)
		return x[0].rc = exchange_one(s, &x[0], rows);
	if (durable) {
		rc = store_begin(s);
	} else if ((rc = set_sync(s, false)) == 0) {
		/* Not store_begin: it would restore FULL (sync_lax). */
		lax = true;
		if ((rc = exec(s, "BEGIN IMMEDIATE", "beginning a transaction")) == 0)
			hook(s, STORE_FP_BEGIN);
	}
	for (i = 0; rc == 0 && i < n; i++) {
		if (x[i].set_replay)
			rc = store_child_replay_update(s, x[i].child, x[i].replay_time);
		if (rc == 0 && rows)
			rc = store_exchange_log(s, x[i].now, x[i].child, x[i].type, x[i].outcome,
			    x[i].req, x[i].req_len, x[i].resp, x[i].resp_len);
	}
	if (rc == 0)
		rc = store_commit(s);
	else
		store_rollback(s);
	/* If FULL cannot be restored here, sync_lax makes the next store_begin do it. */
	if (lax)
		(void)set_sync(s, true);
	if (rc == 0)
		return 0;
	/* One entry (or the batch) failed: each on its own, so the others are kept. */
	for (i = 0; i < n; i++)
		if ((x[i].rc = exchange_one(s, &x[i], rows)) != 0 && first == 0)
			first = x[i].rc;
	return first;
}

/* Log n exchanges in one transaction (see store.h). */
int
store_exchange_batch(struct store *s, struct store_exchange *x, size_t n)
{
	return exchange_batch(s, x, n, true);
}

/* The signing-times of n exchanges in one durable transaction, no rows (see store.h). */
int
store_replay_batch(struct store *s, struct store_exchange *x, size_t n)
{
	return exchange_batch(s, x, n, false);
}

/* Delete exchanges older than before. */
int
store_exchange_prune(struct store *s, time_t before, uint64_t *deleted)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (deleted != NULL)
		*deleted = 0;
	if (s == NULL)
		return STORE_ERR_ARG;
	if (s->flags & STORE_READONLY)
		return seterr(s, STORE_ERR_READONLY, "the store was opened read-only");
	if (!sqlite3_get_autocommit(s->db))
		return seterr(s, STORE_ERR_IN_TXN, "pruning runs in its own transaction");
	if ((rc = prep(s, S_EXCH_PRUNE, &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, before);
	if ((rc = run(s, st, "pruning the exchange log")) != 0)
		return rc;
	if (deleted != NULL)
		*deleted = (uint64_t)sqlite3_changes64(s->db);
	return 0;
}

/* Number of logged exchanges. */
int
store_exchange_count(struct store *s, uint64_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || n == NULL)
		return STORE_ERR_ARG;
	if ((rc = prep(s, S_EXCH_COUNT, &st)) != 0)
		return rc;
	if ((rc = row(s, st, "counting exchanges")) != 0)
		return rc;
	*n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* ---- diagnostics ---- */

/* EXPLAIN QUERY PLAN of a hot query; *plan malloc'd, one line per step. */
int
store_explain(struct store *s, enum store_query q, char **plan)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *d;
	char *sql = NULL, *buf = NULL, *nb;
	size_t len = 0, n;
	int src, rc = STORE_ERR_NOMEM;

	if (plan != NULL)
		*plan = NULL;
	if (s == NULL || plan == NULL || (int)q < 0 || q >= STORE_Q_COUNT_)
		return STORE_ERR_ARG;
	n = strlen(stmt_sql[q]) + 32;
	if ((sql = malloc(n)) == NULL)
		goto out;
	snprintf(sql, n, "EXPLAIN QUERY PLAN %s", stmt_sql[q]);
	if ((src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) != SQLITE_OK) {
		rc = sqlerr(s, src, "explaining a query");
		goto out;
	}
	if ((buf = strdup("")) == NULL)
		goto out;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		d = sqlite3_column_text(st, 3);
		n = d ? strlen((const char *)d) : 0;
		if ((nb = realloc(buf, len + n + 2)) == NULL)
			goto out;
		buf = nb;
		if (n)
			memcpy(buf + len, d, n);
		len += n;
		buf[len++] = '\n';
		buf[len] = '\0';
	}
	if (src != SQLITE_DONE) {
		rc = sqlerr(s, src, "explaining a query");
		goto out;
	}
	*plan = buf;
	buf = NULL;
	rc = 0;
out:
	sqlite3_finalize(st);
	free(sql);
	free(buf);
	return rc;
}
