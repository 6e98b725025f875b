/*
 * firmware/store: the state store (UD-35, UD-36, UD-54, UD-64, UD-65,
 * UD-103, UD-112, UD-114, UD-115, UD-130, UD-131, UD-154, UD-155, UD-160,
 * UD-162, UD-163).
 *
 * Each test works on a fresh store in its own temporary directory. Damage
 * is done behind the store's back with the raw sqlite3 API (or by writing
 * bytes into the file) and the store must refuse to open, naming the file
 * and the fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "firmware/test_store_util.c"

struct fx {
	char *dir;
	char path[1024];
	struct store *s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *msg = NULL;

	assert_non_null(f);
	assert_non_null(f->dir = tsu_tmpdir());
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, STORE_DB_NAME);
	if (tsu_open(f->dir, 42, 0, &f->s, &msg) != 0)
		fail_msg("store_open: %s", msg ? msg : "?");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	tsu_rmdir(f->dir);
	free(f);
	return 0;
}

/* Reopen f->s (close + open without STORE_CREATE); assert success. */
static void
reopen(struct fx *f, unsigned flags)
{
	char *msg = NULL;
	int rc;

	store_close(f->s);
	f->s = NULL;
	rc = store_open(f->dir, flags, NULL, &f->s, &msg);
	if (rc != 0)
		fail_msg("reopen: %s (%s)", store_strerror(rc), msg ? msg : "?");
	assert_null(msg);
}

/* Close f->s and expect the reopen to fail with rc and a message holding every needle. */
static void
expect_refused(struct fx *f, int want, const char *needle1, const char *needle2)
{
	struct store *s = NULL;
	char *msg = NULL;
	int rc;

	store_close(f->s);
	f->s = NULL;
	rc = store_open(f->dir, 0, NULL, &s, &msg);
	assert_null(s);
	assert_non_null(msg);
	if (rc != want)
		fail_msg("expected %s, got %s: %s", store_strerror(want), store_strerror(rc), msg);
	if (strstr(msg, f->path) == NULL)
		fail_msg("message does not name the file: %s", msg);
	if (needle1 != NULL && strstr(msg, needle1) == NULL)
		fail_msg("message lacks \"%s\": %s", needle1, msg);
	if (needle2 != NULL && strstr(msg, needle2) == NULL)
		fail_msg("message lacks \"%s\": %s", needle2, msg);
	free(msg);
}

static void
add_class(struct fx *f, const char *name)
{
	struct store_class c;
	uint8_t cert[40];

	memset(cert, 0x30, sizeof(cert));
	tsu_class(&c, (char *)name, cert, sizeof(cert), 1);
	assert_int_equal(store_class_put(f->s, &c, T0), 0);
}

static void
add_child(struct fx *f, const char *handle)
{
	assert_int_equal(store_child_put(f->s, handle, tsu_ta, sizeof(tsu_ta), T0), 0);
}

/* Begin, add class "c1" and children a, b; commit. */
static void
populate(struct fx *f)
{
	assert_int_equal(store_begin(f->s), 0);
	add_class(f, "c1");
	add_class(f, "c2");
	add_child(f, "alice");
	add_child(f, "bob");
	assert_int_equal(store_commit(f->s), 0);
}

/* Reserve a serial and insert a certificate of child/class/key with it. */
static uint64_t
issue(struct fx *f, const char *child, const char *cls, uint64_t key)
{
	struct store_cert c;
	uint64_t serial;
	uint8_t *der;

	assert_int_equal(store_reserve_serial(f->s, &serial), 0);
	assert_non_null(der = tsu_blob(serial, 300));
	tsu_cert(&c, serial, (char *)child, (char *)cls, key, der, 300);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_cert_insert(f->s, &c, T0 + 10), 0);
	assert_int_equal(store_commit(f->s), 0);
	free(der);
	return serial;
}

/* ---- open, create, checks ---- */

/* UD-162: WAL, synchronous=FULL, foreign keys, schema version, init record. */
static void
test_create_reopen(void **state)
{
	struct fx *f = *state;
	struct store_info a, b;
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(store_info(f->s, &a), 0);
	assert_int_equal(a.schema_version, STORE_SCHEMA_VERSION);
	assert_string_equal(a.journal_mode, "wal");
	assert_int_equal(a.synchronous, 2);
	assert_true(a.foreign_keys);
	assert_int_equal(a.created, T0);
	assert_int_equal(strlen(a.store_id), 32);
	assert_true(a.serial_start >= (UINT64_C(1) << 40));
	assert_true(a.serial_start < (UINT64_C(1) << 40) + (UINT64_C(1) << 60));
	assert_int_equal(a.serial_last, a.serial_start - 1);
	assert_int_equal(a.alloc_version, 0);
	assert_int_equal(a.audit_seq, 1);       /* the "init" record */
	assert_false(store_in_txn(f->s));
	assert_non_null(strstr(store_path(f->s), STORE_DB_NAME));

	reopen(f, 0);
	assert_int_equal(store_info(f->s, &b), 0);
	assert_string_equal(a.store_id, b.store_id);
	assert_int_equal(a.serial_start, b.serial_start);
	assert_memory_equal(a.audit_hash, b.audit_hash, AUDIT_HASH_LEN);

	/* The mode is persistent in the file; the application id marks our stores. */
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), 0x55504457);
	sqlite3_finalize(st);
	sqlite3_close(db);

	/* The database path works as well as the directory. */
	{
		char *msg = NULL;

		assert_int_equal(store_open(f->path, 0, NULL, &f->s, &msg), 0);
		assert_string_equal(store_path(f->s), f->path);
	}
}

/* Two stores from different RNG output start their serials far apart. */
static void
test_serial_start_random(void **state)
{
	struct fx *f = *state;
	struct store_info a, b;
	struct store *s2 = NULL;
	char *dir2 = tsu_tmpdir(), *msg = NULL;

	assert_non_null(dir2);
	assert_int_equal(tsu_open(dir2, 4242, 0, &s2, &msg), 0);
	assert_int_equal(store_info(f->s, &a), 0);
	assert_int_equal(store_info(s2, &b), 0);
	assert_true(a.serial_start != b.serial_start);
	assert_string_not_equal(a.store_id, b.store_id);
	store_close(s2);
	tsu_rmdir(dir2);
}

static void
test_open_missing(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	char path[1100], *msg = NULL;

	snprintf(path, sizeof(path), "%s/nope.db", f->dir);
	assert_int_equal(store_open(path, 0, NULL, &s, &msg), STORE_ERR_NOT_FOUND);
	assert_null(s);
	assert_non_null(msg);
	assert_non_null(strstr(msg, path));
	free(msg);
	/* Creating needs an RNG. */
	assert_int_equal(store_open(path, STORE_CREATE, NULL, &s, &msg), STORE_ERR_ARG);
	assert_non_null(strstr(msg, "RNG"));
	free(msg);
	assert_int_equal(store_open(NULL, 0, NULL, &s, &msg), STORE_ERR_ARG);
	free(msg);
	assert_int_equal(store_open(path, 0, NULL, NULL, NULL), STORE_ERR_ARG);
}

static void
test_not_a_store(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	char path[1100], *msg = NULL;
	FILE *fp;
	int i;

	/* Garbage. */
	snprintf(path, sizeof(path), "%s/garbage.db", f->dir);
	assert_non_null(fp = fopen(path, "wb"));
	for (i = 0; i < 8192; i++)
		fputc(i * 7, fp);
	fclose(fp);
	assert_int_equal(store_open(path, STORE_CREATE, NULL, &s, &msg), STORE_ERR_NOT_STORE);
	assert_non_null(strstr(msg, path));
	free(msg);

	/* Someone else's SQLite database. */
	snprintf(path, sizeof(path), "%s/other.db", f->dir);
	{
		sqlite3 *db;

		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(store_open(path, STORE_CREATE, NULL, &s, &msg), STORE_ERR_NOT_STORE);
	assert_non_null(strstr(msg, "not an updown store"));
	free(msg);
}

/* A schema newer than this build is refused, not half-understood. */
static void
test_newer_version(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(tsu_sql(f->path, "UPDATE meta SET value = 99 WHERE key = 'schema_version'"), 0);
	expect_refused(f, STORE_ERR_VERSION, "schema version 99", NULL);
}

/* A damaged page: integrity_check refuses the store with a clear message. */
static void
test_corrupt_page(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;
	sqlite3_stmt *st;
	long page = 0, psize = 0;
	uint8_t junk[4096];
	FILE *fp;
	int i;

	populate(f);
	for (i = 0; i < 40; i++)
		issue(f, i % 2 ? "alice" : "bob", "c1", (uint64_t)i);
	store_close(f->s);
	f->s = NULL;

	/* Find a leaf page of the certs table (dbstat) and overwrite it. */
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT pageno FROM dbstat WHERE name = 'certs' "
	    "AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 2", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	page = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	psize = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_true(page > 1);
	assert_true(psize == (long)sizeof(junk));
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	assert_non_null(fp = fopen(f->path, "r+b"));
	assert_int_equal(fseek(fp, (page - 1) * psize + 100, SEEK_SET), 0);
	assert_int_equal(fwrite(junk, 1, 1000, fp), 1000);
	fclose(fp);
	expect_refused(f, STORE_ERR_CORRUPT, "integrity check failed", "damaged store");
}

/* An audit row edited behind the store's back (UD-160, UD-162). */
static void
test_audit_edit_refused(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	char *msg = NULL;

	populate(f);
	store_close(f->s);
	f->s = NULL;
	/* The triggers stop a naive edit ... */
	assert_int_equal(tsu_sql(f->path, "UPDATE audit SET text = 'x' WHERE seq = 2"), -1);
	assert_int_equal(tsu_sql(f->path, "DELETE FROM audit WHERE seq = 2"), -1);
	/* ... but not someone who drops them first. */
	assert_int_equal(tsu_sql(f->path, "DROP TRIGGER audit_no_update; "
	    "UPDATE audit SET child = 'mallory' WHERE seq = 3"), 0);
	/* Head-only checking does not see an edit in the middle (documented) ... */
	assert_int_equal(store_open(f->dir, STORE_AUDIT_HEAD_ONLY, NULL, &s, &msg), 0);
	store_close(s);
	/* ... the default full walk does. */
	expect_refused(f, STORE_ERR_AUDIT, "audit record 3", "edited");
}

/* Head-only checking still catches an edited last record. */
static void
test_audit_head_only(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	char *msg = NULL;

	populate(f);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(tsu_sql(f->path, "DROP TRIGGER audit_no_update; "
	    "UPDATE audit SET time = time + 1 WHERE seq = (SELECT max(seq) FROM audit)"), 0);
	assert_int_equal(store_open(f->dir, STORE_AUDIT_HEAD_ONLY, NULL, &s, &msg),
	    STORE_ERR_AUDIT);
	assert_non_null(strstr(msg, "edited"));
	free(msg);
	expect_refused(f, STORE_ERR_AUDIT, "edited", NULL);
}

static void
test_fk_check(void **state)
{
	struct fx *f = *state;

	populate(f);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(tsu_sql(f->path, "PRAGMA foreign_keys = OFF; INSERT INTO entitlements "
	    "VALUES(999, 1, '', '', '', 0)"), 0);
	expect_refused(f, STORE_ERR_CORRUPT, "foreign key", "entitlements");
}

/* A certificate serial above the counter means serials could be reused. */
static void
test_counter_check(void **state)
{
	struct fx *f = *state;

	populate(f);
	issue(f, "alice", "c1", 1);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(tsu_sql(f->path, "UPDATE counters SET value = value - 1"), 0);
	expect_refused(f, STORE_ERR_CORRUPT, "reused", NULL);
}

static void
test_readonly(void **state)
{
	struct fx *f = *state;
	uint64_t n, serial;
	struct store_child c;

	populate(f);
	reopen(f, STORE_READONLY);
	assert_int_equal(store_child_count(f->s, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_child_get(f->s, "alice", &c), 0);
	store_child_free(&c);
	assert_int_equal(store_begin(f->s), STORE_ERR_READONLY);
	assert_int_equal(store_reserve_serial(f->s, &serial), STORE_ERR_READONLY);
	assert_int_equal(store_exchange_log(f->s, T0, NULL, "list", "400", NULL, 0, NULL, 0),
	    STORE_ERR_READONLY);
}

/* ---- transactions ---- */

static void
test_txn_rules(void **state)
{
	struct fx *f = *state;
	struct store_child c;
	uint64_t seq0, seq1, serial;
	uint8_t h0[AUDIT_HASH_LEN], h1[AUDIT_HASH_LEN];

	/* Every mutation needs a transaction. */
	assert_int_equal(store_child_put(f->s, "alice", tsu_ta, sizeof(tsu_ta), T0),
	    STORE_ERR_NO_TXN);
	assert_non_null(strstr(store_errmsg(f->s), "store_begin"));
	assert_int_equal(store_commit(f->s), STORE_ERR_NO_TXN);
	assert_int_equal(store_rollback(f->s), 0);

	assert_int_equal(store_audit_head(f->s, &seq0, h0), 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_true(store_in_txn(f->s));
	assert_int_equal(store_begin(f->s), STORE_ERR_IN_TXN);
	/* Reservations commit on their own: not inside a request's transaction. */
	assert_int_equal(store_reserve_serial(f->s, &serial), STORE_ERR_IN_TXN);
	add_child(f, "alice");
	assert_int_equal(store_audit_head(f->s, &seq1, h1), 0);
	assert_int_equal(seq1, seq0 + 1);
	/* Rollback removes the change and its audit record together. */
	assert_int_equal(store_rollback(f->s), 0);
	assert_false(store_in_txn(f->s));
	assert_int_equal(store_child_get(f->s, "alice", &c), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_audit_head(f->s, &seq1, h1), 0);
	assert_int_equal(seq1, seq0);
	assert_memory_equal(h0, h1, AUDIT_HASH_LEN);

	/* Commit keeps both, across a reopen. */
	assert_int_equal(store_begin(f->s), 0);
	add_child(f, "alice");
	assert_int_equal(store_commit(f->s), 0);
	reopen(f, 0);
	assert_int_equal(store_child_get(f->s, "alice", &c), 0);
	store_child_free(&c);
	assert_int_equal(store_audit_head(f->s, &seq1, h1), 0);
	assert_int_equal(seq1, seq0 + 1);
}

/*
 * store_read_begin/end: the reads between them see one snapshot (a child
 * another connection adds meanwhile appears only after the end); no write
 * transaction can open inside one; ending without one is a no-op.
 */
static void
test_read_txn(void **state)
{
	struct fx *f = *state;
	struct store *other = NULL;
	struct store_child c;
	char *msg = NULL;
	uint64_t n = 0;

	populate(f);
	assert_int_equal(store_read_end(f->s), 0);
	assert_int_equal(store_read_begin(f->s), 0);
	assert_true(store_in_txn(f->s));
	assert_int_equal(store_read_begin(f->s), STORE_ERR_IN_TXN);
	assert_int_equal(store_begin(f->s), STORE_ERR_IN_TXN);
	assert_int_equal(store_child_count(f->s, &n), 0);
	assert_int_equal(n, 2);
	/* Another connection (as the host tool would be) adds carol meanwhile. */
	if (store_open(f->dir, 0, NULL, &other, &msg) != 0)
		fail_msg("second connection: %s", msg ? msg : "?");
	assert_int_equal(store_begin(other), 0);
	assert_int_equal(store_child_put(other, "carol", tsu_ta, sizeof(tsu_ta), T0), 0);
	assert_int_equal(store_commit(other), 0);
	store_close(other);
	assert_int_equal(store_child_get(f->s, "carol", &c), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_child_count(f->s, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_read_end(f->s), 0);
	assert_false(store_in_txn(f->s));
	assert_int_equal(store_child_get(f->s, "carol", &c), 0);
	store_child_free(&c);
	assert_int_equal(store_read_begin(NULL), STORE_ERR_ARG);
	assert_int_equal(store_read_end(NULL), STORE_ERR_ARG);
}

/* ---- counters ---- */

/* UD-80/UD-162: serials strictly increase, survive reopen, are burnt on rollback. */
static void
test_serials(void **state)
{
	struct fx *f = *state;
	struct store_info info;
	struct store_cert c;
	uint64_t a, b, d, e;
	uint8_t *der;

	populate(f);
	assert_int_equal(store_info(f->s, &info), 0);
	assert_int_equal(store_reserve_serial(f->s, &a), 0);
	assert_int_equal(a, info.serial_start);
	assert_int_equal(store_reserve_serial(f->s, &b), 0);
	assert_int_equal(b, a + 1);
	reopen(f, 0);
	assert_int_equal(store_reserve_serial(f->s, &d), 0);
	assert_int_equal(d, b + 1);

	/* d is used in a transaction that rolls back: d stays burnt. */
	assert_non_null(der = tsu_blob(d, 200));
	tsu_cert(&c, d, "alice", "c1", 1, der, 200);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_cert_insert(f->s, &c, T0), 0);
	assert_int_equal(store_rollback(f->s), 0);
	reopen(f, 0);
	assert_int_equal(store_reserve_serial(f->s, &e), 0);
	assert_int_equal(e, d + 1);

	/* A serial that was never reserved cannot be recorded. */
	c.serial = e + 1;
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_cert_insert(f->s, &c, T0), STORE_ERR_NOT_RESERVED);
	/* Nor can one be used twice. */
	c.serial = e;
	assert_int_equal(store_cert_insert(f->s, &c, T0), 0);
	assert_int_equal(store_cert_insert(f->s, &c, T0), STORE_ERR_EXISTS);
	c.serial = 0;
	assert_int_equal(store_cert_insert(f->s, &c, T0), STORE_ERR_RANGE);
	assert_int_equal(store_commit(f->s), 0);
	free(der);
}

/* Operator recovery after a restore: raise, never lower; exhaustion is an error. */
static void
test_counter_raise(void **state)
{
	struct fx *f = *state;
	uint64_t a, b;
	uint8_t ski[STORE_SKI_LEN];

	assert_int_equal(store_reserve_serial(f->s, &a), 0);
	assert_int_equal(store_counter_raise(f->s, STORE_COUNTER_SERIAL, NULL, a + 1000, T0), 0);
	assert_int_equal(store_reserve_serial(f->s, &b), 0);
	assert_int_equal(b, a + 1001);
	assert_int_equal(store_counter_raise(f->s, STORE_COUNTER_SERIAL, NULL, 5, T0), 0);
	assert_int_equal(store_reserve_serial(f->s, &b), 0);
	assert_int_equal(b, a + 1002);              /* not lowered */

	assert_int_equal(store_counter_raise(f->s, STORE_COUNTER_SERIAL, NULL,
	    (uint64_t)INT64_MAX, T0), STORE_ERR_RANGE);
	assert_int_equal(store_counter_raise(f->s, STORE_COUNTER_SERIAL, NULL,
	    (uint64_t)INT64_MAX - 2, T0), 0);
	assert_int_equal(store_reserve_serial(f->s, &b), 0);
	assert_int_equal(b, (uint64_t)INT64_MAX - 1);
	assert_int_equal(store_reserve_serial(f->s, &b), 0);
	assert_int_equal(b, (uint64_t)INT64_MAX);   /* 2^63 - 1: 8 content octets */
	assert_int_equal(store_reserve_serial(f->s, &b), STORE_ERR_RANGE);
	assert_int_equal(store_reserve_serial(f->s, &b), STORE_ERR_RANGE);

	tsu_ski(ski, 1, 7);
	assert_int_equal(store_counter_raise(f->s, STORE_COUNTER_CRL, ski, 41, T0), 0);
	assert_int_equal(store_reserve_crl_number(f->s, ski, &b), 0);
	assert_int_equal(b, 42);
	assert_int_equal(store_reserve_mft_number(f->s, ski, &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(store_counter_raise(f->s, STORE_COUNTER_MFT, NULL, 41, T0), STORE_ERR_ARG);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_counter_raise(f->s, STORE_COUNTER_SERIAL, NULL, 1, T0),
	    STORE_ERR_IN_TXN);
	assert_int_equal(store_rollback(f->s), 0);
}

/* UD-130, UD-131: CRL and manifest numbers per issuing key, strictly increasing. */
static void
test_crl_mft_numbers(void **state)
{
	struct fx *f = *state;
	uint8_t k1[STORE_SKI_LEN], k2[STORE_SKI_LEN], der[50];
	struct store_issuer is;
	uint64_t n1, n2, n3, m1;

	memset(der, 0x30, sizeof(der));
	tsu_ski(k1, 1, 1);
	tsu_ski(k2, 1, 2);
	assert_int_equal(store_issuer_get(f->s, k1, &is), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_reserve_crl_number(f->s, k1, &n1), 0);
	assert_int_equal(n1, 1);
	assert_int_equal(store_reserve_crl_number(f->s, k1, &n2), 0);
	assert_int_equal(n2, 2);
	assert_int_equal(store_reserve_crl_number(f->s, k2, &n3), 0);
	assert_int_equal(n3, 1);                    /* per key */
	assert_int_equal(store_reserve_mft_number(f->s, k1, &m1), 0);
	assert_int_equal(m1, 1);                    /* independent of CRL numbers */

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_crl_record(f->s, k1, "c1", 3, T0, T0 + 3600, der, sizeof(der), T0),
	    STORE_ERR_NOT_RESERVED);
	assert_int_equal(store_crl_record(f->s, k1, "c1", 2, T0, T0 + 3600, der, sizeof(der), T0),
	    0);
	/* n1 was burnt (reserved, never used); going back to it is refused. */
	assert_int_equal(store_crl_record(f->s, k1, "c1", 1, T0, T0 + 3600, der, sizeof(der), T0),
	    STORE_ERR_STALE);
	assert_int_equal(store_mft_record(f->s, k1, "c1", 1, T0, T0 + 3600, der, sizeof(der), T0),
	    0);
	assert_int_equal(store_mft_record(f->s, k1, "c1", 1, T0, T0 + 3600, der, sizeof(der), T0),
	    STORE_ERR_STALE);
	assert_int_equal(store_commit(f->s), 0);

	reopen(f, 0);
	assert_int_equal(store_issuer_get(f->s, k1, &is), 0);
	assert_int_equal(is.crl_reserved, 2);
	assert_int_equal(is.crl_last, 2);
	assert_int_equal(is.crl_this_update, T0);
	assert_int_equal(is.crl_next_update, T0 + 3600);
	assert_int_equal(is.mft_reserved, 1);
	assert_int_equal(is.mft_last, 1);
	assert_int_equal(store_reserve_crl_number(f->s, k1, &n1), 0);
	assert_int_equal(n1, 3);
}

/* ---- children ---- */

/* UD-154 handles; UD-155 a new TA replaces the old one. */
static void
test_children(void **state)
{
	struct fx *f = *state;
	static const uint8_t ta2[] = { 0x30, 0x03, 0x02, 0x01, 0x02 };
	static const char *const bad[] = { "", "has space", "a.b", "ü", "a\nb", NULL };
	struct store_child c;
	char longh[300];
	uint64_t n;
	int i;

	assert_int_equal(store_begin(f->s), 0);
	add_child(f, "A91872ED0000");
	add_child(f, "org/child-1_x");
	for (i = 0; bad[i] != NULL; i++)
		assert_int_equal(store_child_put(f->s, bad[i], tsu_ta, sizeof(tsu_ta), T0),
		    STORE_ERR_INVALID);
	memset(longh, 'a', sizeof(longh));
	longh[STORE_MAX_HANDLE] = '\0';
	add_child(f, longh);
	longh[STORE_MAX_HANDLE] = 'a';
	longh[STORE_MAX_HANDLE + 1] = '\0';
	assert_int_equal(store_child_put(f->s, longh, tsu_ta, sizeof(tsu_ta), T0),
	    STORE_ERR_INVALID);
	assert_int_equal(store_child_put(f->s, "x", NULL, 0, T0), STORE_ERR_INVALID);
	assert_int_equal(store_child_replay_update(f->s, "A91872ED0000", T0 + 5), 0);
	assert_int_equal(store_child_put(f->s, "A91872ED0000", ta2, sizeof(ta2), T0 + 9), 0);
	assert_int_equal(store_commit(f->s), 0);

	assert_int_equal(store_child_count(f->s, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_child_get(f->s, "A91872ED0000", &c), 0);
	assert_int_equal(c.bpki_ta_len, sizeof(ta2));
	assert_memory_equal(c.bpki_ta, ta2, sizeof(ta2));
	assert_int_equal(c.created, T0);
	assert_int_equal(c.updated, T0 + 9);
	assert_true(c.has_signing_time);            /* kept across the TA change */
	assert_int_equal(c.last_signing_time, T0 + 5);
	store_child_free(&c);
	store_child_free(&c);                       /* idempotent */
	store_child_free(NULL);
	assert_int_equal(store_child_get(f->s, "nobody", &c), STORE_ERR_NOT_FOUND);
	assert_non_null(strstr(store_errmsg(f->s), "nobody"));
}

static int
count_child(void *arg, const struct store_child *c)
{
	(*(int *)arg)++;
	assert_non_null(c->handle);
	return strcmp(c->handle, "stop") == 0 ? 7 : 0;
}

static void
test_child_foreach(void **state)
{
	struct fx *f = *state;
	int n = 0;

	assert_int_equal(store_begin(f->s), 0);
	add_child(f, "a");
	add_child(f, "stop");
	add_child(f, "z");
	assert_int_equal(store_commit(f->s), 0);
	/* Sorted by handle; a non-zero return stops and is returned. */
	assert_int_equal(store_child_foreach(f->s, count_child, &n), 7);
	assert_int_equal(n, 2);
}

/* UD-35: only forward (equal accepted); UD-36: operator reset, audited. */
static int
find_reset(void *arg, const struct audit_record *r)
{
	if (r->kind == AUDIT_REPLAY_RESET) {
		assert_string_equal(r->child, "alice");
		assert_non_null(strstr(r->text, "1704067300"));
		assert_non_null(strstr(r->text, "clock"));
		(*(int *)arg)++;
	}
	return 0;
}

static void
test_replay(void **state)
{
	struct fx *f = *state;
	struct store_child c;
	int found = 0;

	populate(f);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_child_replay_update(f->s, "alice", T0 + 100), 0);
	assert_int_equal(store_child_replay_update(f->s, "alice", T0 + 100), 0); /* equal: ok */
	assert_int_equal(store_child_replay_update(f->s, "alice", T0 + 99), STORE_ERR_STALE);
	assert_non_null(strstr(store_errmsg(f->s), "UD-35"));
	assert_int_equal(store_child_replay_update(f->s, "nobody", T0), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_commit(f->s), 0);
	reopen(f, 0);
	assert_int_equal(store_child_get(f->s, "alice", &c), 0);
	assert_true(c.has_signing_time);
	assert_int_equal(c.last_signing_time, T0 + 100);
	assert_false(c.was_reset);
	store_child_free(&c);

	/* A child whose clock ran ahead is locked out until the operator resets it. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_child_replay_update(f->s, "alice", T0 + 50), STORE_ERR_STALE);
	assert_int_equal(store_child_replay_reset(f->s, "alice", T0 + 200, "child clock ran ahead"),
	    0);
	assert_int_equal(store_child_replay_reset(f->s, "nobody", T0 + 200, "x"),
	    STORE_ERR_NOT_FOUND);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_child_get(f->s, "alice", &c), 0);
	assert_false(c.has_signing_time);
	assert_true(c.was_reset);
	assert_int_equal(c.replay_reset_at, T0 + 200);
	store_child_free(&c);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_child_replay_update(f->s, "alice", T0 + 50), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_audit_foreach(f->s, 1, find_reset, &found), 0);
	assert_int_equal(found, 1);
}

/* ---- entitlements ---- */

static int
collect_ent(void *arg, const struct store_entitlement *e)
{
	char *buf = arg;

	strcat(buf, e->class_name);
	strcat(buf, ":");
	strcat(buf, e->v4);
	strcat(buf, ";");
	return 0;
}

/* Allocation table: version increases, wholesale replacement (UD-105), canonical text (UD-58). */
static void
test_alloc(void **state)
{
	struct fx *f = *state;
	struct store_entitlement ents[3], e;
	uint8_t digest[AUDIT_HASH_LEN];
	char buf[256] = "";
	uint64_t v;

	populate(f);
	memset(ents, 0, sizeof(ents));
	ents[0] = (struct store_entitlement){ "alice", "c1", "64496", "192.0.2.0/24", "", T0 + 1000 };
	ents[1] = (struct store_entitlement){ "alice", "c2", "", "198.51.100.0/24", "2001:db8::/32",
	    T0 + 1000 };
	ents[2] = (struct store_entitlement){ "bob", "c1", "64497-64510", "", "", T0 + 2000 };
	memset(digest, 0xAB, sizeof(digest));
	assert_int_equal(store_alloc_version(f->s, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_alloc_apply(f->s, 0, ents, 3, digest, T0), STORE_ERR_RANGE);
	assert_int_equal(store_alloc_apply(f->s, 5, ents, 3, digest, T0), 0);
	assert_int_equal(store_commit(f->s), 0);

	assert_int_equal(store_entitlement_get(f->s, "bob", "c1", &e), 0);
	assert_string_equal(e.as, "64497-64510");
	assert_string_equal(e.v4, "");
	assert_int_equal(e.not_after, T0 + 2000);
	store_entitlement_free(&e);
	assert_int_equal(store_entitlement_get(f->s, "bob", "c2", &e), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_entitlement_foreach_child(f->s, "alice", collect_ent, buf), 0);
	assert_string_equal(buf, "c1:192.0.2.0/24;c2:198.51.100.0/24;");

	assert_int_equal(store_begin(f->s), 0);
	/* Not increasing. */
	assert_int_equal(store_alloc_apply(f->s, 5, ents, 3, NULL, T0), STORE_ERR_STALE);
	assert_int_equal(store_alloc_apply(f->s, 4, ents, 3, NULL, T0), STORE_ERR_STALE);
	/* Non-canonical resource text. */
	ents[0].v4 = (char *)"192.0.2.0/25,192.0.2.128/25";
	assert_int_equal(store_alloc_apply(f->s, 6, ents, 3, NULL, T0), STORE_ERR_INVALID);
	ents[0].v4 = (char *)"192.0.2.0/24";
	ents[0].as = (char *)"AS64496";
	assert_int_equal(store_alloc_apply(f->s, 6, ents, 3, NULL, T0), STORE_ERR_INVALID);
	ents[0].as = (char *)"64496";
	/* Unknown child, duplicate entry. */
	ents[2].child = (char *)"carol";
	assert_int_equal(store_alloc_apply(f->s, 6, ents, 3, NULL, T0), STORE_ERR_NOT_FOUND);
	assert_non_null(strstr(store_errmsg(f->s), "carol"));
	ents[2].child = (char *)"alice";
	ents[2].class_name = (char *)"c1";
	assert_int_equal(store_alloc_apply(f->s, 6, ents, 3, NULL, T0), STORE_ERR_EXISTS);
	assert_int_equal(store_rollback(f->s), 0);
	/* The failed attempts left table 5 in place. */
	assert_int_equal(store_alloc_version(f->s, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(store_entitlement_get(f->s, "bob", "c1", &e), 0);
	store_entitlement_free(&e);

	/* Table 6 drops bob: his entitlement goes (UD-105). */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_alloc_apply(f->s, 6, ents, 2, NULL, T0), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_entitlement_get(f->s, "bob", "c1", &e), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_entitlement_get(f->s, "alice", "c2", &e), 0);
	store_entitlement_free(&e);
	reopen(f, 0);
	assert_int_equal(store_alloc_version(f->s, &v), 0);
	assert_int_equal(v, 6);
}

/* ---- certificates ---- */

struct certlist {
	uint64_t serial[16];
	int n;
};

static int
collect_cert(void *arg, const struct store_cert *c)
{
	struct certlist *l = arg;

	assert_true(l->n < 16);
	l->serial[l->n++] = c->serial;
	return 0;
}

/* UD-54, UD-65: requested sets are kept per issue: absent (NULL) differs from "". */
static void
test_cert_roundtrip(void **state)
{
	struct fx *f = *state;
	struct store_cert c, g;
	uint64_t serial;
	uint8_t *der;

	populate(f);
	assert_int_equal(store_reserve_serial(f->s, &serial), 0);
	assert_non_null(der = tsu_blob(serial, 1500));
	tsu_cert(&c, serial, "alice", "c1", 9, der, 1500);
	c.req_as = NULL;
	c.req_v4 = (char *)"";
	c.req_v6 = (char *)"2001:db8::/48";
	c.sia_notify = (char *)"https://child.example.org/notification.xml";
	assert_int_equal(store_begin(f->s), 0);
	/* Requested sets must be canonical too. */
	c.req_v6 = (char *)"2001:DB8::/48";
	assert_int_equal(store_cert_insert(f->s, &c, T0 + 1), STORE_ERR_INVALID);
	c.req_v6 = (char *)"2001:db8::/48";
	assert_int_equal(store_cert_insert(f->s, &c, T0 + 1), 0);
	assert_int_equal(store_commit(f->s), 0);
	reopen(f, 0);

	assert_int_equal(store_cert_get(f->s, serial, &g), 0);
	assert_int_equal(g.serial, serial);
	assert_string_equal(g.child, "alice");
	assert_string_equal(g.class_name, "c1");
	assert_memory_equal(g.ski, c.ski, STORE_SKI_LEN);
	assert_memory_equal(g.issuer_ski, c.issuer_ski, STORE_SKI_LEN);
	assert_int_equal(g.spki_len, c.spki_len);
	assert_memory_equal(g.spki, c.spki, c.spki_len);
	assert_string_equal(g.sia_repo, c.sia_repo);
	assert_string_equal(g.sia_mft, c.sia_mft);
	assert_string_equal(g.sia_notify, c.sia_notify);
	assert_null(g.req_as);                      /* absent */
	assert_non_null(g.req_v4);
	assert_string_equal(g.req_v4, "");          /* present and empty */
	assert_string_equal(g.req_v6, "2001:db8::/48");
	assert_string_equal(g.as, c.as);
	assert_string_equal(g.v4, c.v4);
	assert_string_equal(g.v6, c.v6);
	assert_int_equal(g.not_before, c.not_before);
	assert_int_equal(g.not_after, c.not_after);
	assert_int_equal(g.der_len, 1500);
	assert_memory_equal(g.der, der, 1500);
	assert_string_equal(g.cert_uri, c.cert_uri);
	assert_int_equal(g.state, STORE_CERT_CURRENT);
	assert_int_equal(g.issued_at, T0 + 1);
	assert_false(g.has_revoke_after);
	store_cert_free(&g);
	assert_int_equal(store_cert_get(f->s, serial + 1, &g), STORE_ERR_NOT_FOUND);
	free(der);
}

/* UD-54/UD-140 current per key newest first; UD-64/UD-115 key lookups; UD-112/UD-114 revoke. */
static void
test_cert_queries(void **state)
{
	struct fx *f = *state;
	uint8_t key1[STORE_SKI_LEN], issuer[STORE_SKI_LEN];
	struct certlist l;
	uint64_t a1, a2, a3, b1, a4;
	unsigned count;

	populate(f);
	a1 = issue(f, "alice", "c1", 1);
	a2 = issue(f, "alice", "c1", 1);            /* reissue, same key */
	a3 = issue(f, "alice", "c1", 2);            /* roll: second key (UD-140) */
	b1 = issue(f, "bob", "c1", 1);              /* another child, same key (UD-64) */
	a4 = issue(f, "alice", "c2", 3);
	tsu_ski(key1, 2, 1);
	tsu_ski(issuer, 1, 1);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_current(f->s, "alice", "c1", collect_cert, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.serial[0], a3);          /* newest first */
	assert_int_equal(l.serial[1], a2);
	assert_int_equal(l.serial[2], a1);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_by_key(f->s, "c1", key1, collect_cert, &l), 0);
	assert_int_equal(l.n, 3);                   /* alice x2 and bob */
	assert_int_equal(l.serial[2], b1);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_by_key(f->s, "c2", key1, collect_cert, &l), 0);
	assert_int_equal(l.n, 0);

	/* UD-112: revoke alice's key 1 in c1: both of hers, not bob's. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_cert_revoke_key(f->s, "alice", "c1", key1, T0 + 50, "revoke request",
	    &count), 0);
	assert_int_equal(count, 2);
	/* UD-114: again: nothing left to revoke, not an error. */
	assert_int_equal(store_cert_revoke_key(f->s, "alice", "c1", key1, T0 + 51, NULL, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_commit(f->s), 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_current(f->s, "alice", "c1", collect_cert, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.serial[0], a3);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_current(f->s, "bob", "c1", collect_cert, &l), 0);
	assert_int_equal(l.n, 1);

	/* UD-115: the revoked key still shows up as used. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_by_key(f->s, NULL, key1, collect_cert, &l), 0);
	assert_int_equal(l.n, 3);

	/* UD-130: the CRL lists the revoked ones, until they expired before keep_after. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_for_crl(f->s, issuer, T0, collect_cert, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.serial[0], a1);
	assert_int_equal(l.serial[1], a2);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_for_crl(f->s, issuer, T0 + 366 * 86400, collect_cert, &l), 0);
	assert_int_equal(l.n, 0);

	/* UD-131: the manifest's child objects; reconciliation sees all current. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_current_for_issuer(f->s, issuer, collect_cert, &l), 0);
	assert_int_equal(l.n, 3);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_current_all(f->s, collect_cert, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.serial[0], a3);
	assert_int_equal(l.serial[1], b1);
	assert_int_equal(l.serial[2], a4);

	/* Single revoke; twice is a no-op. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_cert_revoke(f->s, a4, T0 + 60, "shrink"), 0);
	assert_int_equal(store_cert_revoke(f->s, a4, T0 + 61, "shrink"), 0);
	assert_int_equal(store_cert_revoke(f->s, a4 + 100, T0, NULL), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_commit(f->s), 0);
	{
		struct store_cert g;

		assert_int_equal(store_cert_get(f->s, a4, &g), 0);
		assert_int_equal(g.state, STORE_CERT_REVOKED);
		assert_int_equal(g.revoked_at, T0 + 60);
		store_cert_free(&g);
	}
}

/* UD-103: scheduled revocation after a grace period. */
static void
test_cert_schedule(void **state)
{
	struct fx *f = *state;
	struct certlist l;
	struct store_cert g;
	uint64_t a, b;

	populate(f);
	a = issue(f, "alice", "c1", 1);
	b = issue(f, "bob", "c1", 2);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_cert_schedule_revoke(f->s, a, T0 + 7200, T0, "shrink grace"), 0);
	assert_int_equal(store_cert_schedule_revoke(f->s, b, T0 + 3600, T0, "shrink grace"), 0);
	assert_int_equal(store_commit(f->s), 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_due(f->s, T0 + 3599, collect_cert, &l), 0);
	assert_int_equal(l.n, 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_due(f->s, T0 + 7200, collect_cert, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.serial[0], b);           /* earliest due first */
	assert_int_equal(store_cert_get(f->s, a, &g), 0);
	assert_true(g.has_revoke_after);
	assert_int_equal(g.revoke_after, T0 + 7200);
	store_cert_free(&g);
	/* Once revoked it is no longer due, and cannot be rescheduled. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_cert_revoke(f->s, b, T0 + 3600, "grace over"), 0);
	assert_int_equal(store_cert_schedule_revoke(f->s, b, T0, T0, NULL), STORE_ERR_STALE);
	assert_int_equal(store_commit(f->s), 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_due(f->s, T0 + 7200, collect_cert, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.serial[0], a);
}

/* Every signature is in the chain: issue digest = SHA-256(DER), revoke, CRL, manifest. */
struct kinds {
	int n[AUDIT_KIND_MAX + 1];
	uint8_t issue_digest[AUDIT_HASH_LEN];
	uint64_t issue_serial;
	char issue_res[128];
};

static int
count_kinds(void *arg, const struct audit_record *r)
{
	struct kinds *k = arg;

	assert_true(r->kind >= 1 && r->kind <= AUDIT_KIND_MAX);
	k->n[r->kind]++;
	if (r->kind == AUDIT_ISSUE) {
		assert_true(r->has_digest);
		memcpy(k->issue_digest, r->digest, AUDIT_HASH_LEN);
		k->issue_serial = r->serial;
		snprintf(k->issue_res, sizeof(k->issue_res), "%s", r->resources);
		assert_string_equal(r->child, "alice");
		assert_string_equal(r->class_name, "c1");
		assert_int_equal(strlen(r->ski), 40);
	}
	return 0;
}

static void
test_audit_records(void **state)
{
	struct fx *f = *state;
	uint8_t issuer[STORE_SKI_LEN], d[AUDIT_HASH_LEN], crl[60];
	struct audit_report rep;
	struct audit_record r;
	struct kinds k;
	uint64_t serial, n;
	uint8_t *der;

	populate(f);
	serial = issue(f, "alice", "c1", 1);
	tsu_ski(issuer, 1, 1);
	memset(crl, 0x30, sizeof(crl));
	assert_int_equal(store_reserve_crl_number(f->s, issuer, &n), 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_cert_revoke(f->s, serial, T0 + 20, "test"), 0);
	assert_int_equal(store_crl_record(f->s, issuer, "c1", n, T0, T0 + 86400, crl, sizeof(crl),
	    T0 + 20), 0);
	memset(&r, 0, sizeof(r));
	r.time = T0 + 21;
	r.kind = AUDIT_BPKI;
	r.text = "BPKI EE for replies";
	r.has_digest = true;
	memset(r.digest, 7, sizeof(r.digest));
	assert_int_equal(store_audit_append(f->s, &r), 0);
	r.kind = AUDIT_INIT;                        /* only the store writes init */
	assert_int_equal(store_audit_append(f->s, &r), STORE_ERR_INVALID);
	r.kind = (enum audit_kind)99;
	assert_int_equal(store_audit_append(f->s, &r), STORE_ERR_INVALID);
	assert_int_equal(store_commit(f->s), 0);

	memset(&k, 0, sizeof(k));
	assert_int_equal(store_audit_foreach(f->s, 1, count_kinds, &k), 0);
	assert_int_equal(k.n[AUDIT_INIT], 1);
	assert_int_equal(k.n[AUDIT_CLASS], 2);
	assert_int_equal(k.n[AUDIT_CHILD], 2);
	assert_int_equal(k.n[AUDIT_ISSUE], 1);
	assert_int_equal(k.n[AUDIT_REVOKE], 1);
	assert_int_equal(k.n[AUDIT_CRL], 1);
	assert_int_equal(k.n[AUDIT_BPKI], 1);
	assert_int_equal(k.issue_serial, serial);
	assert_string_equal(k.issue_res, "as=64496-64511;ipv4=192.0.2.0/24;ipv6=2001:db8::/32");
	assert_non_null(der = tsu_blob(serial, 300));
	tsu_sha256(der, 300, d);
	assert_memory_equal(k.issue_digest, d, AUDIT_HASH_LEN);
	free(der);
	assert_int_equal(store_audit_verify(f->s, &rep), 0);
	assert_int_equal(rep.fault, AUDIT_OK);
	assert_int_equal(rep.records, 9);
}

/*
 * UD-162 (krill#530): a write that fails half-way (file size limit, as on a
 * full disk) fails the commit, rolls back, and leaves a store that opens.
 */
static void
test_disk_full(void **state)
{
	struct fx *f = *state;
	struct store_info info;
	struct certlist l;
	uint64_t serial;
	int status;
	pid_t pid;

	populate(f);
	store_close(f->s);
	f->s = NULL;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *s = NULL;
		struct store_cert c;
		struct rlimit rl;
		char *msg = NULL, wal[1100];
		uint8_t *der;
		int rc1, rc2;

		if (store_open(f->dir, 0, NULL, &s, &msg) != 0 || store_reserve_serial(s, &serial) != 0)
			_exit(10);
		snprintf(wal, sizeof(wal), "%s-wal", f->path);
		signal(SIGXFSZ, SIG_IGN);
		rl.rlim_cur = rl.rlim_max = (rlim_t)(tsu_fsize(f->path) > tsu_fsize(wal) ?
		    tsu_fsize(f->path) : tsu_fsize(wal)) + 16384;
		if ((der = tsu_blob(serial, 3u << 20)) == NULL || setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(11);
		tsu_cert(&c, serial, "alice", "c1", 1, der, 3u << 20);
		if (store_begin(s) != 0)
			_exit(12);
		rc1 = store_cert_insert(s, &c, T0);
		rc2 = rc1 == 0 ? store_commit(s) : store_rollback(s);
		if (rc1 == 0 && rc2 == 0)
			_exit(13);              /* the write should have failed */
		if (rc1 != 0 && rc1 != STORE_ERR_FULL && rc1 != STORE_ERR_IO)
			_exit(14);
		if (rc1 == 0 && rc2 != STORE_ERR_FULL && rc2 != STORE_ERR_IO)
			_exit(15);
		if (store_in_txn(s))
			_exit(16);              /* rolled back */
		store_close(s);
		free(der);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* All checks pass; no certificate; the reserved serial stays burnt. */
	reopen(f, 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_certs_current_all(f->s, collect_cert, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_info(f->s, &info), 0);
	assert_int_equal(store_reserve_serial(f->s, &serial), 0);
	assert_int_equal(serial, info.serial_start + 1);
}

/* ---- key map (UD-163) ---- */

static void
test_keymap(void **state)
{
	struct fx *f = *state;
	uint8_t k1[STORE_SKI_LEN], k2[STORE_SKI_LEN], got[STORE_SKI_LEN];
	char *label = NULL;

	tsu_ski(k1, 1, 1);
	tsu_ski(k2, 1, 2);
	assert_int_equal(store_key_label(f->s, k1, &label), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_key_put(f->s, k1, "ca-2024-1", "ca", T0), 0);
	assert_int_equal(store_key_put(f->s, k1, "ca-2024-1", "ca", T0), 0);    /* same pair */
	assert_int_equal(store_key_put(f->s, k1, "other", "ca", T0), STORE_ERR_EXISTS);
	assert_int_equal(store_key_put(f->s, k2, "ca-2024-1", "ca", T0), STORE_ERR_EXISTS);
	assert_int_equal(store_key_put(f->s, k2, "", "ca", T0), STORE_ERR_INVALID);
	assert_int_equal(store_key_put(f->s, k2, "bpki", "bpki ta", T0), STORE_ERR_INVALID);
	assert_int_equal(store_key_put(f->s, k2, "pkcs11:object=bpki-ta;id=%01", "bpki-ta", T0), 0);
	assert_int_equal(store_commit(f->s), 0);
	reopen(f, 0);
	assert_int_equal(store_key_label(f->s, k1, &label), 0);
	assert_string_equal(label, "ca-2024-1");
	free(label);
	assert_int_equal(store_key_by_label(f->s, "pkcs11:object=bpki-ta;id=%01", got), 0);
	assert_memory_equal(got, k2, STORE_SKI_LEN);
	assert_int_equal(store_key_by_label(f->s, "none", got), STORE_ERR_NOT_FOUND);
}

/* ---- classes ---- */

static int
collect_class(void *arg, const struct store_class *c)
{
	strcat(arg, c->name);
	strcat(arg, ",");
	return 0;
}

static void
test_classes(void **state)
{
	struct fx *f = *state;
	struct store_class c, g;
	uint8_t cert[100];
	char buf[64] = "";

	memset(cert, 0x30, sizeof(cert));
	tsu_class(&c, "RIR-1", cert, sizeof(cert), 4);
	c.notify_uri = (char *)"https://rrdp.example.net/notification.xml";
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_class_put(f->s, &c, T0), 0);
	c.name = (char *)"has space";
	assert_int_equal(store_class_put(f->s, &c, T0), STORE_ERR_INVALID);
	c.name = (char *)"RIR-1";
	c.cert_len = 0;
	assert_int_equal(store_class_put(f->s, &c, T0), STORE_ERR_INVALID);
	c.cert_len = sizeof(cert);
	add_class(f, "A");
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_class_get(f->s, "RIR-1", &g), 0);
	assert_string_equal(g.name, "RIR-1");
	assert_int_equal(g.cert_len, sizeof(cert));
	assert_memory_equal(g.key_ski, c.key_ski, STORE_SKI_LEN);
	assert_string_equal(g.key_label, c.key_label);
	assert_string_equal(g.cert_uris, c.cert_uris);
	assert_string_equal(g.repo_uri, c.repo_uri);
	assert_string_equal(g.crl_uri, c.crl_uri);
	assert_string_equal(g.mft_uri, c.mft_uri);
	assert_string_equal(g.notify_uri, c.notify_uri);
	store_class_free(&g);
	/* Update in place (e.g. our new certificate from the parent). */
	c.key_label = (char *)"ca-key-2";
	c.notify_uri = NULL;
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_class_put(f->s, &c, T0 + 1), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_class_get(f->s, "RIR-1", &g), 0);
	assert_string_equal(g.key_label, "ca-key-2");
	assert_null(g.notify_uri);
	assert_int_equal(g.updated, T0 + 1);
	store_class_free(&g);
	assert_int_equal(store_class_get(f->s, "nope", &g), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_class_foreach(f->s, collect_class, buf), 0);
	assert_string_equal(buf, "A,RIR-1,");
}

/* ---- exchange log (UD-160) ---- */

static void
test_exchanges(void **state)
{
	struct fx *f = *state;
	static const uint8_t req[] = { 0x30, 0x80, 1, 2, 3 }, resp[] = { 0x30, 0x01, 0 };
	uint64_t n, del;

	/* Outside a transaction: commits on its own (a 400 has no transaction). */
	assert_int_equal(store_exchange_log(f->s, T0, NULL, NULL, "400", req, sizeof(req), NULL, 0),
	    0);
	/* Inside: goes with the request's transaction. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_exchange_log(f->s, T0 + 10, "alice", "issue", "ok", req, sizeof(req),
	    resp, sizeof(resp)), 0);
	assert_int_equal(store_rollback(f->s), 0);
	assert_int_equal(store_exchange_count(f->s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_exchange_log(f->s, T0 + 10, "alice", "issue", "ok", req, sizeof(req),
	    resp, sizeof(resp)), 0);
	assert_int_equal(store_exchange_prune(f->s, T0, &del), STORE_ERR_IN_TXN);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_exchange_count(f->s, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_exchange_log(f->s, T0, "bad handle\n", "list", "ok", NULL, 0, NULL, 0),
	    STORE_ERR_INVALID);
	assert_int_equal(store_exchange_prune(f->s, T0 + 5, &del), 0);
	assert_int_equal(del, 1);
	assert_int_equal(store_exchange_count(f->s, &n), 0);
	assert_int_equal(n, 1);
}

/* Group commit of exchanges (UD-160) with signing-times (UD-35). */
static void
test_exchange_batch(void **state)
{
	struct fx *f = *state;
	static const uint8_t req[] = { 0x30, 0x03, 1, 2, 3 }, resp[] = { 0x30, 0x01, 0 };
	struct store_exchange x[4];
	struct store_child c;
	struct store_info info;
	uint64_t n;
	size_t i;

	populate(f);
	memset(x, 0, sizeof(x));
	for (i = 0; i < 4; i++)
		x[i] = (struct store_exchange){ .now = T0 + (time_t)i, .child = "alice",
		    .type = "list", .outcome = "ok", .req = req, .req_len = sizeof(req),
		    .resp = resp, .resp_len = sizeof(resp), .rc = -1 };
	/* Lax batch (no signing-time): all four, one transaction. */
	assert_int_equal(store_exchange_batch(f->s, x, 4), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(x[i].rc, 0);
	assert_int_equal(store_exchange_count(f->s, &n), 0);
	assert_int_equal(n, 4);
	/* Durable batch: bob's and alice's signing-times recorded with their rows. */
	x[1].child = "bob";
	x[1].set_replay = true;
	x[1].replay_time = T0 + 500;
	x[3].set_replay = true;
	x[3].replay_time = T0 + 300;
	assert_int_equal(store_exchange_batch(f->s, x, 4), 0);
	assert_int_equal(store_exchange_count(f->s, &n), 0);
	assert_int_equal(n, 8);
	reopen(f, 0);
	assert_int_equal(store_child_get(f->s, "bob", &c), 0);
	assert_true(c.has_signing_time);
	assert_int_equal(c.last_signing_time, T0 + 500);
	store_child_free(&c);
	/* One stale signing-time and one malformed row cost only themselves. */
	x[1].replay_time = T0 + 100;                 /* bob: earlier than 500 */
	x[2].child = "bad handle\n";
	assert_int_equal(store_exchange_batch(f->s, x, 4), STORE_ERR_STALE);
	assert_int_equal(x[0].rc, 0);
	assert_int_equal(x[1].rc, STORE_ERR_STALE);
	assert_int_equal(x[2].rc, STORE_ERR_INVALID);
	assert_int_equal(x[3].rc, 0);
	assert_int_equal(store_exchange_count(f->s, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(store_child_get(f->s, "bob", &c), 0);
	assert_int_equal(c.last_signing_time, T0 + 500);  /* not moved back */
	store_child_free(&c);
	/* After a lax batch the next transaction is durable again. */
	x[1].child = "alice";
	x[1].set_replay = false;
	x[2].child = "alice";
	x[3].set_replay = false;
	assert_int_equal(store_exchange_batch(f->s, x, 4), 0);
	assert_int_equal(store_info(f->s, &info), 0);
	assert_int_equal(info.synchronous, 2);           /* FULL */
	/* Signing-times alone (rows logged elsewhere): no rows added, bob moves on. */
	x[1].child = "bob";
	x[1].set_replay = true;
	x[1].replay_time = T0 + 600;
	x[2].child = "nobody";                           /* not a child: costs only itself */
	x[2].set_replay = true;
	x[2].replay_time = T0 + 600;
	x[3].rc = -1;
	assert_int_equal(store_replay_batch(f->s, x, 4), STORE_ERR_NOT_FOUND);
	assert_int_equal(x[0].rc, 0);
	assert_int_equal(x[1].rc, 0);
	assert_int_equal(x[2].rc, STORE_ERR_NOT_FOUND);
	assert_int_equal(x[3].rc, 0);
	assert_int_equal(store_child_get(f->s, "bob", &c), 0);
	assert_int_equal(c.last_signing_time, T0 + 600);
	store_child_free(&c);
	assert_int_equal(store_exchange_count(f->s, &n), 0);
	assert_int_equal(n, 14);
	x[1].set_replay = x[2].set_replay = false;
	assert_int_equal(store_replay_batch(f->s, x, 4), 0);    /* nothing to record */
	/* Arguments and transactions. */
	assert_int_equal(store_exchange_batch(f->s, NULL, 0), 0);
	assert_int_equal(store_exchange_batch(f->s, NULL, 1), STORE_ERR_ARG);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_exchange_batch(f->s, x, 2), STORE_ERR_IN_TXN);
	assert_int_equal(store_rollback(f->s), 0);
	assert_int_equal(store_exchange_count(f->s, &n), 0);
	assert_int_equal(n, 14);
}

/* ---- per-request queries use indexes ---- */

static void
test_explain(void **state)
{
	struct fx *f = *state;
	char *plan = NULL, *line;
	int q;

	populate(f);
	for (q = 0; q < STORE_Q_COUNT_; q++) {
		assert_int_equal(store_explain(f->s, (enum store_query)q, &plan), 0);
		assert_non_null(strstr(plan, "USING"));
		for (line = plan; line != NULL && *line; line = strchr(line, '\n') ?
		    strchr(line, '\n') + 1 : NULL)
			if (strncmp(line, "SCAN", 4) == 0)
				fail_msg("query %d scans a table:\n%s", q, plan);
		free(plan);
	}
	assert_int_equal(store_explain(f->s, STORE_Q_COUNT_, &plan), STORE_ERR_ARG);
}

/* ---- the fault hook fires where the crash harness needs it ---- */

struct trace {
	char s[64];
};

static void
trace_hook(void *arg, enum store_fault_point p)
{
	struct trace *t = arg;
	size_t n = strlen(t->s);

	if (n + 1 < sizeof(t->s)) {
		t->s[n] = (char)('0' + p);
		t->s[n + 1] = '\0';
	}
}

static void
test_fault_hook(void **state)
{
	struct fx *f = *state;
	struct trace t = { "" };
	uint64_t serial;

	store_set_fault_hook(f->s, trace_hook, &t);
	assert_int_equal(store_reserve_serial(f->s, &serial), 0);
	assert_string_equal(t.s, "56");
	t.s[0] = '\0';
	assert_int_equal(store_begin(f->s), 0);
	add_child(f, "alice");
	assert_int_equal(store_commit(f->s), 0);
	assert_string_equal(t.s, "1234");
	store_set_fault_hook(f->s, NULL, NULL);
	t.s[0] = '\0';
	assert_int_equal(store_reserve_serial(f->s, &serial), 0);
	assert_string_equal(t.s, "");
}

static void
test_strerror(void **state)
{
	int e;

	(void)state;
	for (e = -0x0901; e >= -0x0913; e--)
		assert_string_not_equal(store_strerror(e), "unknown error");
	assert_string_equal(store_strerror(-0x0999), "unknown error");
	store_close(NULL);
	store_class_free(NULL);
	store_cert_free(NULL);
	store_entitlement_free(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_reopen),
		T(test_serial_start_random),
		T(test_open_missing),
		T(test_not_a_store),
		T(test_newer_version),
		T(test_corrupt_page),
		T(test_audit_edit_refused),
		T(test_audit_head_only),
		T(test_fk_check),
		T(test_counter_check),
		T(test_readonly),
		T(test_txn_rules),
		T(test_read_txn),
		T(test_serials),
		T(test_counter_raise),
		T(test_crl_mft_numbers),
		T(test_children),
		T(test_child_foreach),
		T(test_replay),
		T(test_alloc),
		T(test_cert_roundtrip),
		T(test_cert_queries),
		T(test_cert_schedule),
		T(test_audit_records),
		T(test_disk_full),
		T(test_keymap),
		T(test_classes),
		T(test_exchanges),
		T(test_exchange_batch),
		T(test_explain),
		T(test_fault_hook),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
