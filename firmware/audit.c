/*
 * The audit chain: canonical record encoding, record hash, and the walker
 * that verifies a chain in a database (audit.h). The store appends records
 * (store.c); the host tool verifies them offline through audit_verify_path
 * (defined in store.c, which knows how to open a store read-only).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>
#include <sqlite3.h>

#include "firmware/audit.h"
#include "firmware/store.h"

static const char *const kind_names[AUDIT_KIND_MAX + 1] = {
	[AUDIT_INIT] = "init",
	[AUDIT_ISSUE] = "issue",
	[AUDIT_REVOKE] = "revoke",
	[AUDIT_CRL] = "crl",
	[AUDIT_MANIFEST] = "manifest",
	[AUDIT_TA] = "ta",
	[AUDIT_BPKI] = "bpki",
	[AUDIT_EE] = "ee",
	[AUDIT_TABLE] = "table-applied",
	[AUDIT_REPLAY_RESET] = "replay-reset",
	[AUDIT_CHILD] = "child",
	[AUDIT_CLASS] = "class",
	[AUDIT_KEY] = "key",
	[AUDIT_COUNTER] = "counter-raised",
	[AUDIT_SCHEDULE] = "revoke-scheduled",
	[AUDIT_OTHER] = "other",
};

/* The table name of kind, or NULL when out of range. */
const char *
audit_kind_name(enum audit_kind kind)
{
	if ((int)kind < 1 || kind > AUDIT_KIND_MAX)
		return NULL;
	return kind_names[kind];
}

/* The kind called name, 0 when unknown (or name is NULL). */
enum audit_kind
audit_kind_parse(const char *name)
{
	int k;

	if (name == NULL)
		return 0;
	for (k = 1; k <= AUDIT_KIND_MAX; k++)
		if (strcmp(kind_names[k], name) == 0)
			return (enum audit_kind)k;
	return 0;
}

/* Short name of a verifier fault. */
const char *
audit_fault_name(enum audit_fault f)
{
	switch (f) {
	case AUDIT_OK:        return "chain verifies";
	case AUDIT_BAD_FIELD: return "malformed record";
	case AUDIT_BAD_HASH:  return "edited record";
	case AUDIT_BAD_LINK:  return "broken link (record deleted, inserted or reordered)";
	case AUDIT_BAD_SEQ:   return "sequence gap (record deleted)";
	case AUDIT_BAD_HEAD:  return "head mismatch (tail truncated or records appended)";
	case AUDIT_BAD_EMPTY: return "empty chain";
	}
	return "unknown fault";
}

/*
 * The encoding is produced as a stream of pieces handed to emit, so that
 * audit_hash can feed SHA-256 without a buffer and audit_encode can fill
 * one. emit returns 0 or an error that stops the walk.
 */
typedef int (*emit_fn)(void *ctx, const uint8_t *p, size_t n);

static void
be64(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static int
field(emit_fn emit, void *ctx, uint8_t tag, const uint8_t *p, size_t n)
{
	uint8_t hdr[5];
	int rc;

	hdr[0] = tag;
	hdr[1] = (uint8_t)(n >> 24);
	hdr[2] = (uint8_t)(n >> 16);
	hdr[3] = (uint8_t)(n >> 8);
	hdr[4] = (uint8_t)n;
	if ((rc = emit(ctx, hdr, sizeof(hdr))) != 0)
		return rc;
	return n ? emit(ctx, p, n) : 0;
}

static int
text_field(emit_fn emit, void *ctx, uint8_t tag, const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return 0;
	if ((n = strnlen(s, max + 1)) > max)
		return STORE_ERR_INVALID;
	return field(emit, ctx, tag, (const uint8_t *)s, n);
}

static int
walk(const struct audit_record *rec, emit_fn emit, void *ctx)
{
	static const uint8_t version = 0x01;
	const char *kind;
	uint8_t num[8];
	int rc;

	if (rec == NULL || (kind = audit_kind_name(rec->kind)) == NULL)
		return STORE_ERR_INVALID;
	if ((rc = emit(ctx, &version, 1)) != 0)
		return rc;
	be64(num, (uint64_t)rec->time);
	if ((rc = field(emit, ctx, 1, num, 8)) != 0 ||
	    (rc = text_field(emit, ctx, 2, kind, AUDIT_MAX_TEXT)) != 0 ||
	    (rc = text_field(emit, ctx, 3, rec->child, AUDIT_MAX_TEXT)) != 0 ||
	    (rc = text_field(emit, ctx, 4, rec->class_name, AUDIT_MAX_TEXT)) != 0)
		return rc;
	if (rec->has_serial) {
		be64(num, rec->serial);
		if ((rc = field(emit, ctx, 5, num, 8)) != 0)
			return rc;
	}
	if ((rc = text_field(emit, ctx, 6, rec->ski, AUDIT_MAX_TEXT)) != 0 ||
	    (rc = text_field(emit, ctx, 7, rec->resources, AUDIT_MAX_RES)) != 0)
		return rc;
	if (rec->has_digest &&
	    (rc = field(emit, ctx, 8, rec->digest, AUDIT_HASH_LEN)) != 0)
		return rc;
	return text_field(emit, ctx, 9, rec->text, AUDIT_MAX_TEXT);
}

struct bufctx {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

static int
emit_buf(void *ctx, const uint8_t *p, size_t n)
{
	struct bufctx *b = ctx;

	if (b->len <= b->cap && n <= b->cap - b->len)
		memcpy(b->buf + b->len, p, n);
	b->len += n;                  /* keep counting past cap: the size needed */
	return 0;
}

/*
 * Canonical encoding of rec (audit.h). *len is always the full length;
 * STORE_ERR_RANGE when it exceeds cap.
 */
int
audit_encode(const struct audit_record *rec, uint8_t *buf, size_t cap, size_t *len)
{
	struct bufctx b = { buf, buf != NULL ? cap : 0, 0 };
	int rc;

	if (len == NULL)
		return STORE_ERR_ARG;
	*len = 0;
	if ((rc = walk(rec, emit_buf, &b)) != 0)
		return rc;
	*len = b.len;
	return b.len > b.cap ? STORE_ERR_RANGE : 0;
}

static int
emit_sha(void *ctx, const uint8_t *p, size_t n)
{
	return mbedtls_sha256_update_ret(ctx, p, n) == 0 ? 0 : STORE_ERR_INTERNAL;
}

/* out = SHA-256(prev || audit_encode(rec)). */
int
audit_hash(const uint8_t prev[AUDIT_HASH_LEN], const struct audit_record *rec,
           uint8_t out[AUDIT_HASH_LEN])
{
	mbedtls_sha256_context sha;
	int rc = STORE_ERR_INTERNAL;

	if (prev == NULL || rec == NULL || out == NULL)
		return STORE_ERR_ARG;
	mbedtls_sha256_init(&sha);
	if (mbedtls_sha256_starts_ret(&sha, 0) != 0 ||
	    mbedtls_sha256_update_ret(&sha, prev, AUDIT_HASH_LEN) != 0)
		goto out;
	if ((rc = walk(rec, emit_sha, &sha)) != 0)
		goto out;
	rc = mbedtls_sha256_finish_ret(&sha, out) == 0 ? 0 : STORE_ERR_INTERNAL;
out:
	mbedtls_sha256_free(&sha);
	return rc;
}

/* ---- verifier ---- */

static int
map_sqlite(int src)
{
	switch (src & 0xff) {
	case SQLITE_NOMEM:   return STORE_ERR_NOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:  return STORE_ERR_CORRUPT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:  return STORE_ERR_BUSY;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN: return STORE_ERR_IO;
	case SQLITE_ERROR:   return STORE_ERR_NOT_STORE; /* e.g. no such table */
	default:             return STORE_ERR_INTERNAL;
	}
}

static void
hex8(char *out, const uint8_t *h)
{
	snprintf(out, 17, "%02x%02x%02x%02x%02x%02x%02x%02x",
	    h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
}

static int
fault(struct audit_report *rep, enum audit_fault f, uint64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fault(struct audit_report *rep, enum audit_fault f, uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	rep->fault = f;
	rep->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(rep->what, sizeof(rep->what), fmt, ap);
	va_end(ap);
	return STORE_ERR_AUDIT;
}

/*
 * Column col of st as optional text: NULL stays NULL, TEXT must hold no NUL
 * and at most max bytes. Returns false when the column is malformed.
 */
static bool
col_text(sqlite3_stmt *st, int col, size_t max, const char **out)
{
	const unsigned char *t;
	int n;

	*out = NULL;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return true;
	if (sqlite3_column_type(st, col) != SQLITE_TEXT)
		return false;
	t = sqlite3_column_text(st, col);
	n = sqlite3_column_bytes(st, col);
	if (t == NULL || n < 0 || (size_t)n > max || strlen((const char *)t) != (size_t)n)
		return false;
	*out = (const char *)t;
	return true;
}

static bool
col_hash(sqlite3_stmt *st, int col, uint8_t out[AUDIT_HASH_LEN])
{
	if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, col) != AUDIT_HASH_LEN)
		return false;
	memcpy(out, sqlite3_column_blob(st, col), AUDIT_HASH_LEN);
	return true;
}

/*
 * Read one audit row (columns as in the SELECT of audit_verify_db) into
 * rec, pointing into st's memory. Returns a static description of the
 * first malformed column, or NULL when the row is well formed.
 */
static const char *
read_row(sqlite3_stmt *st, struct audit_record *rec)
{
	const char *kind;

	memset(rec, 0, sizeof(*rec));
	if (sqlite3_column_type(st, 0) != SQLITE_INTEGER || sqlite3_column_int64(st, 0) < 1)
		return "seq is not a positive integer";
	rec->seq = (uint64_t)sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 1) != SQLITE_INTEGER)
		return "time is not an integer";
	rec->time = sqlite3_column_int64(st, 1);
	if (!col_text(st, 2, AUDIT_MAX_TEXT, &kind) || kind == NULL ||
	    (rec->kind = audit_kind_parse(kind)) == 0)
		return "kind is not a known kind";
	if (!col_text(st, 3, AUDIT_MAX_TEXT, &rec->child))
		return "child is not text";
	if (!col_text(st, 4, AUDIT_MAX_TEXT, &rec->class_name))
		return "class is not text";
	switch (sqlite3_column_type(st, 5)) {
	case SQLITE_NULL:
		break;
	case SQLITE_INTEGER:
		if (sqlite3_column_int64(st, 5) < 0)
			return "serial is negative";
		rec->has_serial = true;
		rec->serial = (uint64_t)sqlite3_column_int64(st, 5);
		break;
	default:
		return "serial is not an integer";
	}
	if (!col_text(st, 6, AUDIT_MAX_TEXT, &rec->ski))
		return "ski is not text";
	if (!col_text(st, 7, AUDIT_MAX_RES, &rec->resources))
		return "resources is not text";
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		if (!col_hash(st, 8, rec->digest))
			return "digest is not 32 octets";
		rec->has_digest = true;
	}
	if (!col_text(st, 9, AUDIT_MAX_TEXT, &rec->text))
		return "text is not text";
	if (!col_hash(st, 10, rec->prev))
		return "prev is not 32 octets";
	if (!col_hash(st, 11, rec->hash))
		return "hash is not 32 octets";
	return NULL;
}

/* Read the head from meta: *seq = 0 and false if it is missing or malformed. */
static int
read_head(sqlite3 *db, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN], bool *ok)
{
	sqlite3_stmt *st = NULL;
	bool have_seq = false, have_hash = false;
	const char *key;
	int src;

	*ok = false;
	*seq = 0;
	src = sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE key IN "
	    "('audit_head_seq', 'audit_head_hash')", -1, &st, NULL);
	if (src != SQLITE_OK)
		return map_sqlite(src);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(st, 0);
		if (key == NULL)
			continue;
		if (strcmp(key, "audit_head_seq") == 0 &&
		    sqlite3_column_type(st, 1) == SQLITE_INTEGER &&
		    sqlite3_column_int64(st, 1) >= 0) {
			*seq = (uint64_t)sqlite3_column_int64(st, 1);
			have_seq = true;
		} else if (strcmp(key, "audit_head_hash") == 0 && col_hash(st, 1, hash)) {
			have_hash = true;
		}
	}
	sqlite3_finalize(st);
	if (src != SQLITE_DONE)
		return map_sqlite(src);
	*ok = have_seq && have_hash;
	return 0;
}

static int
verify_locked(sqlite3 *db, struct audit_report *rep)
{
	static const uint8_t zero[AUDIT_HASH_LEN];
	uint8_t running[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN], head_hash[AUDIT_HASH_LEN];
	struct audit_record rec;
	sqlite3_stmt *st = NULL;
	uint64_t expect = 1, head_seq;
	const char *bad;
	char a[17], b[17];
	bool head_ok;
	int rc, src;

	memcpy(running, zero, sizeof(running));
	src = sqlite3_prepare_v2(db, "SELECT seq, time, kind, child, class, serial, ski, "
	    "resources, digest, text, prev, hash FROM audit ORDER BY seq", -1, &st, NULL);
	if (src != SQLITE_OK) {
		snprintf(rep->what, sizeof(rep->what), "cannot read the audit table: %s",
		    sqlite3_errmsg(db));
		return map_sqlite(src);
	}
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((bad = read_row(st, &rec)) != NULL) {
			rc = fault(rep, AUDIT_BAD_FIELD, expect, "audit record %" PRIu64
			    ": %s", expect, bad);
			goto out;
		}
		if (rec.seq != expect) {
			rc = fault(rep, AUDIT_BAD_SEQ, expect, "audit records %" PRIu64 "..%"
			    PRIu64 " are missing (deleted or renumbered)", expect, rec.seq - 1);
			goto out;
		}
		if ((rc = audit_hash(rec.prev, &rec, h)) != 0) {
			rc = fault(rep, AUDIT_BAD_FIELD, rec.seq,
			    "audit record %" PRIu64 ": field over its bound", rec.seq);
			goto out;
		}
		if (memcmp(h, rec.hash, AUDIT_HASH_LEN) != 0) {
			hex8(a, rec.hash);
			hex8(b, h);
			rc = fault(rep, AUDIT_BAD_HASH, rec.seq, "audit record %" PRIu64
			    " (%s) was edited: stored hash %s..., content hashes to %s...",
			    rec.seq, audit_kind_name(rec.kind), a, b);
			goto out;
		}
		if (memcmp(rec.prev, running, AUDIT_HASH_LEN) != 0) {
			rc = fault(rep, AUDIT_BAD_LINK, rec.seq, "audit record %" PRIu64
			    " (%s) does not follow record %" PRIu64 ": records deleted, "
			    "inserted or reordered (or record %" PRIu64 " rewritten)",
			    rec.seq, audit_kind_name(rec.kind), rec.seq - 1, rec.seq - 1);
			goto out;
		}
		memcpy(running, rec.hash, AUDIT_HASH_LEN);
		rep->records++;
		rep->head_seq = rec.seq;
		memcpy(rep->head_hash, rec.hash, AUDIT_HASH_LEN);
		expect++;
	}
	if (src != SQLITE_DONE) {
		snprintf(rep->what, sizeof(rep->what), "reading the audit table: %s",
		    sqlite3_errmsg(db));
		rc = map_sqlite(src);
		goto out;
	}
	if (rep->records == 0) {
		rc = fault(rep, AUDIT_BAD_EMPTY, 1, "the audit chain is empty "
		    "(record 1, written at creation, is missing)");
		goto out;
	}
	if ((rc = read_head(db, &head_seq, head_hash, &head_ok)) != 0) {
		snprintf(rep->what, sizeof(rep->what), "cannot read the audit head: %s",
		    sqlite3_errmsg(db));
		goto out;
	}
	if (!head_ok) {
		rc = fault(rep, AUDIT_BAD_HEAD, rep->head_seq + 1,
		    "the audit head in meta is missing or malformed");
	} else if (head_seq > rep->head_seq) {
		rc = fault(rep, AUDIT_BAD_HEAD, rep->head_seq + 1, "the audit chain ends at "
		    "record %" PRIu64 " but its head is record %" PRIu64 ": records %" PRIu64
		    "..%" PRIu64 " were cut off (tail truncated)", rep->head_seq, head_seq,
		    rep->head_seq + 1, head_seq);
	} else if (head_seq < rep->head_seq) {
		rc = fault(rep, AUDIT_BAD_HEAD, head_seq + 1, "audit records %" PRIu64
		    "..%" PRIu64 " follow the head (record %" PRIu64 "): appended behind "
		    "the store's back", head_seq + 1, rep->head_seq, head_seq);
	} else if (memcmp(head_hash, rep->head_hash, AUDIT_HASH_LEN) != 0) {
		rc = fault(rep, AUDIT_BAD_HEAD, head_seq, "audit record %" PRIu64
		    " does not match the head hash in meta (last record replaced)", head_seq);
	} else {
		rc = 0;
	}
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * Walk the chain in db (audit.h). Takes a read transaction unless one is
 * already open on db.
 */
int
audit_verify_db(struct sqlite3 *db, struct audit_report *rep)
{
	bool own;
	int rc;

	if (rep == NULL)
		return STORE_ERR_ARG;
	memset(rep, 0, sizeof(*rep));
	if (db == NULL)
		return STORE_ERR_ARG;
	own = sqlite3_get_autocommit(db) != 0;
	if (own && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(rep->what, sizeof(rep->what), "%s", sqlite3_errmsg(db));
		return STORE_ERR_IO;
	}
	rc = verify_locked(db, rep);
	if (own)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}
