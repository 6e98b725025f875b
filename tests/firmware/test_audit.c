/*
 * firmware/store: the audit chain (UD-160, UD-162).
 *
 * The canonical encoding is pinned byte for byte; then a store with a chain
 * of records is copied and each copy is tampered with through the raw
 * sqlite3 API (editing, deleting, renumbering, reordering, truncating,
 * appending, retyping). audit_verify_path (the host tool's offline check)
 * must report the right fault at the first bad record, and store_open
 * must refuse the copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/test_store_util.c"

/* ---- encoding ---- */

static void
test_encode_pinned(void **state)
{
	static const uint8_t want[] = {
		0x01,                                           /* version */
		1, 0, 0, 0, 8, 0, 0, 0, 0, 0x65, 0x92, 0x00, 0x80, /* time T0 */
		2, 0, 0, 0, 5, 'i', 's', 's', 'u', 'e',         /* kind */
		3, 0, 0, 0, 1, 'a',                             /* child */
		4, 0, 0, 0, 0,                                  /* class "" (present, empty) */
		5, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2,          /* serial 258 */
		8, 0, 0, 0, 32,                                 /* digest */
		9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
		9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
	};
	struct audit_record r;
	uint8_t buf[256], prev[AUDIT_HASH_LEN], h1[AUDIT_HASH_LEN], h2[AUDIT_HASH_LEN];
	uint8_t cat[AUDIT_HASH_LEN + sizeof(want)];
	size_t len;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.time = T0;
	r.kind = AUDIT_ISSUE;
	r.child = "a";
	r.class_name = "";
	r.has_serial = true;
	r.serial = 258;
	r.has_digest = true;
	memset(r.digest, 9, sizeof(r.digest));
	r.seq = 77;                 /* not encoded */
	assert_int_equal(audit_encode(&r, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* Sizing call. */
	assert_int_equal(audit_encode(&r, NULL, 0, &len), STORE_ERR_RANGE);
	assert_int_equal(len, sizeof(want));
	assert_int_equal(audit_encode(&r, buf, 10, &len), STORE_ERR_RANGE);
	assert_int_equal(len, sizeof(want));

	/* hash = SHA-256(prev || encoding). */
	memset(prev, 0x5A, sizeof(prev));
	memcpy(cat, prev, sizeof(prev));
	memcpy(cat + sizeof(prev), want, sizeof(want));
	tsu_sha256(cat, sizeof(cat), h1);
	assert_int_equal(audit_hash(prev, &r, h2), 0);
	assert_memory_equal(h1, h2, AUDIT_HASH_LEN);
}

/* Every field counts; absent differs from empty; seq does not count. */
static void
test_encode_fields(void **state)
{
	struct audit_record base, r;
	uint8_t prev[AUDIT_HASH_LEN] = { 0 }, h0[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN];
	int i;

	(void)state;
	memset(&base, 0, sizeof(base));
	base.time = T0;
	base.kind = AUDIT_REVOKE;
	base.child = "c";
	base.class_name = "k";
	base.ski = "00ff";
	base.resources = "as=;ipv4=;ipv6=";
	base.text = "t";
	assert_int_equal(audit_hash(prev, &base, h0), 0);
	for (i = 0; i < 12; i++) {
		r = base;
		switch (i) {
		case 0: r.time++; break;
		case 1: r.kind = AUDIT_ISSUE; break;
		case 2: r.child = ""; break;
		case 3: r.child = NULL; break;
		case 4: r.class_name = NULL; break;
		case 5: r.has_serial = true; break;
		case 6: r.ski = "00fe"; break;
		case 7: r.resources = NULL; break;
		case 8: r.has_digest = true; break;
		case 9: r.text = ""; break;
		case 10: r.text = NULL; break;
		case 11: prev[0] = 1; break;
		}
		assert_int_equal(audit_hash(prev, &r, h), 0);
		if (memcmp(h, h0, sizeof(h)) == 0)
			fail_msg("change %d does not change the hash", i);
		prev[0] = 0;
	}
	/* Moving a value between fields changes the hash (tags separate them). */
	r = base;
	r.child = "ck";
	r.class_name = "";
	assert_int_equal(audit_hash(prev, &r, h), 0);
	assert_memory_not_equal(h, h0, sizeof(h));
	r = base;
	r.seq = 1234;
	assert_int_equal(audit_hash(prev, &r, h), 0);
	assert_memory_equal(h, h0, sizeof(h));
	r.kind = 0;
	assert_int_equal(audit_hash(prev, &r, h), STORE_ERR_INVALID);
	assert_null(audit_kind_name(0));
	assert_null(audit_kind_name(AUDIT_KIND_MAX + 1));
	for (i = 1; i <= AUDIT_KIND_MAX; i++)
		assert_int_equal(audit_kind_parse(audit_kind_name(i)), i);
	assert_int_equal(audit_kind_parse("bogus"), 0);
	assert_int_equal(audit_kind_parse(NULL), 0);
	for (i = AUDIT_OK; i <= AUDIT_BAD_EMPTY; i++)
		assert_string_not_equal(audit_fault_name(i), "unknown fault");
}

/* ---- tampering ---- */

#define NREC 12  /* records in the fixture's chain */

struct fx {
	char *dir;
	char orig[1024];
	char copy[1024];
	uint8_t head[AUDIT_HASH_LEN];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store *s = NULL;
	struct audit_record r;
	char *msg = NULL, text[32];
	uint64_t seq;
	int i;

	assert_non_null(f);
	assert_non_null(f->dir = tsu_tmpdir());
	snprintf(f->orig, sizeof(f->orig), "%s/%s", f->dir, STORE_DB_NAME);
	snprintf(f->copy, sizeof(f->copy), "%s/copy.db", f->dir);
	if (tsu_open(f->dir, 7, 0, &s, &msg) != 0)
		fail_msg("%s", msg);
	/* init + 11 records */
	assert_int_equal(store_begin(s), 0);
	for (i = 2; i <= NREC; i++) {
		memset(&r, 0, sizeof(r));
		r.time = T0 + i;
		r.kind = i % 2 ? AUDIT_EE : AUDIT_TA;
		snprintf(text, sizeof(text), "record %d", i);
		r.text = text;
		r.has_serial = true;
		r.serial = (uint64_t)i * 1000;
		assert_int_equal(store_audit_append(s, &r), 0);
	}
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_audit_head(s, &seq, f->head), 0);
	assert_int_equal(seq, NREC);
	store_close(s);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tsu_rmdir(f->dir);
	free(f);
	return 0;
}

/*
 * Copy the store, run sql on the copy (triggers dropped first, as a
 * tamperer would), and expect verify to report fault at bad_seq and
 * store_open to refuse it.
 */
static void
tamper(struct fx *f, const char *sql, enum audit_fault fault, uint64_t bad_seq,
       const char *needle)
{
	struct audit_report rep;
	struct store *s = NULL;
	char *msg = NULL, sqlbuf[2048];
	int rc;

	unlink(f->copy);
	assert_int_equal(tsu_copy(f->orig, f->copy), 0);
	snprintf(sqlbuf, sizeof(sqlbuf), "DROP TRIGGER audit_no_update; "
	    "DROP TRIGGER audit_no_delete; %s", sql);
	assert_int_equal(tsu_sql(f->copy, sqlbuf), 0);
	rc = audit_verify_path(f->copy, &rep);
	if (rep.fault != fault || rep.bad_seq != bad_seq)
		fail_msg("%s: got %s at %llu (%s), want %s at %llu", sql,
		    audit_fault_name(rep.fault), (unsigned long long)rep.bad_seq, rep.what,
		    audit_fault_name(fault), (unsigned long long)bad_seq);
	assert_int_equal(rc, STORE_ERR_AUDIT);
	if (needle != NULL && strstr(rep.what, needle) == NULL)
		fail_msg("report lacks \"%s\": %s", needle, rep.what);
	rc = store_open(f->copy, 0, NULL, &s, &msg);
	assert_int_equal(rc, STORE_ERR_AUDIT);
	assert_null(s);
	assert_non_null(strstr(msg, f->copy));
	assert_non_null(strstr(msg, rep.what));
	free(msg);
}

static void
test_intact(void **state)
{
	struct fx *f = *state;
	struct audit_report rep;

	assert_int_equal(tsu_copy(f->orig, f->copy), 0);
	assert_int_equal(audit_verify_path(f->copy, &rep), 0);
	assert_int_equal(rep.fault, AUDIT_OK);
	assert_int_equal(rep.records, NREC);
	assert_int_equal(rep.head_seq, NREC);
	assert_memory_equal(rep.head_hash, f->head, AUDIT_HASH_LEN);
	assert_int_equal(rep.bad_seq, 0);
	assert_string_equal(rep.what, "");
	/* Verification wrote nothing. */
	assert_int_equal(tsu_fsize(f->copy), tsu_fsize(f->orig));
	/* The directory form works too. */
	assert_int_equal(audit_verify_path(f->dir, &rep), 0);
	assert_int_equal(audit_verify_path(NULL, &rep), STORE_ERR_ARG);
	assert_int_equal(audit_verify_path("/nonexistent/x.db", &rep), STORE_ERR_NOT_FOUND);
	assert_non_null(strstr(rep.what, "/nonexistent/x.db"));
}

static void
test_edit_field(void **state)
{
	struct fx *f = *state;

	tamper(f, "UPDATE audit SET text = 'record 5 (edited)' WHERE seq = 5",
	    AUDIT_BAD_HASH, 5, "record 5");
	tamper(f, "UPDATE audit SET time = time + 1 WHERE seq = 2", AUDIT_BAD_HASH, 2, "edited");
	tamper(f, "UPDATE audit SET serial = NULL WHERE seq = 9", AUDIT_BAD_HASH, 9, NULL);
	tamper(f, "UPDATE audit SET kind = 'ee' WHERE seq = 4", AUDIT_BAD_HASH, 4, NULL);
	tamper(f, "UPDATE audit SET text = 'x' WHERE seq = 1", AUDIT_BAD_HASH, 1, NULL);
	/* Last record: its hash is also the head. */
	tamper(f, "UPDATE audit SET serial = 1 WHERE seq = 12", AUDIT_BAD_HASH, 12, NULL);
}

/* An edit whose author also recomputed that record's hash breaks the next link. */
static void
test_edit_rehashed(void **state)
{
	struct fx *f = *state;
	struct audit_record r;
	uint8_t prev[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN];
	char sql[512], hex[65];
	sqlite3 *db;
	sqlite3_stmt *st;
	int i;

	assert_int_equal(sqlite3_open_v2(f->orig, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT prev, time, serial FROM audit WHERE seq = 6",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	memcpy(prev, sqlite3_column_blob(st, 0), AUDIT_HASH_LEN);
	memset(&r, 0, sizeof(r));
	r.time = sqlite3_column_int64(st, 1);
	r.has_serial = true;
	r.serial = (uint64_t)sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	sqlite3_close(db);
	r.kind = AUDIT_TA;
	r.text = "forged";
	assert_int_equal(audit_hash(prev, &r, h), 0);
	for (i = 0; i < AUDIT_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	snprintf(sql, sizeof(sql), "UPDATE audit SET kind = 'ta', text = 'forged', "
	    "hash = x'%s' WHERE seq = 6", hex);
	tamper(f, sql, AUDIT_BAD_LINK, 7, "does not follow record 6");
}

static void
test_delete(void **state)
{
	struct fx *f = *state;

	/* A gap in seq. */
	tamper(f, "DELETE FROM audit WHERE seq = 5", AUDIT_BAD_SEQ, 5, "5..5 are missing");
	tamper(f, "DELETE FROM audit WHERE seq IN (3, 4, 5)", AUDIT_BAD_SEQ, 3, "3..5");
	tamper(f, "DELETE FROM audit WHERE seq = 1", AUDIT_BAD_SEQ, 1, NULL);
	/* Deleted, then the rest renumbered to hide the gap: the link breaks. */
	tamper(f, "DELETE FROM audit WHERE seq = 5; UPDATE audit SET seq = seq - 1 WHERE seq > 5",
	    AUDIT_BAD_LINK, 5, "deleted");
	/* Everything. */
	tamper(f, "DELETE FROM audit", AUDIT_BAD_EMPTY, 1, "empty");
}

static void
test_reorder(void **state)
{
	struct fx *f = *state;

	/* Swap records 4 and 5. */
	tamper(f, "UPDATE audit SET seq = -4 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 5; "
	    "UPDATE audit SET seq = 5 WHERE seq = -4", AUDIT_BAD_LINK, 4, "reordered");
	/* Move the first record to the end. */
	tamper(f, "UPDATE audit SET seq = 13 WHERE seq = 1; UPDATE audit SET seq = seq - 1",
	    AUDIT_BAD_LINK, 1, NULL);
}

static void
test_truncate_append(void **state)
{
	struct fx *f = *state;

	/* Tail cut: the head in meta still says 12. */
	tamper(f, "DELETE FROM audit WHERE seq > 10", AUDIT_BAD_HEAD, 11, "tail truncated");
	/* A record appended without moving the head. */
	tamper(f, "INSERT INTO audit(seq, time, kind, prev, hash) SELECT 13, time, kind, hash, hash "
	    "FROM audit WHERE seq = 12", AUDIT_BAD_HASH, 13, NULL);
	/* The head itself edited. */
	tamper(f, "UPDATE meta SET value = zeroblob(32) WHERE key = 'audit_head_hash'",
	    AUDIT_BAD_HEAD, 12, "head hash");
	tamper(f, "UPDATE meta SET value = 11 WHERE key = 'audit_head_seq'", AUDIT_BAD_HEAD, 12,
	    "appended");
	tamper(f, "DELETE FROM meta WHERE key = 'audit_head_seq'", AUDIT_BAD_HEAD, 13, "missing");
}

static void
test_bad_types(void **state)
{
	struct fx *f = *state;

	tamper(f, "UPDATE audit SET serial = 'abc' WHERE seq = 3", AUDIT_BAD_FIELD, 3, "serial");
	tamper(f, "UPDATE audit SET hash = x'00' WHERE seq = 8", AUDIT_BAD_FIELD, 8, "hash");
	tamper(f, "UPDATE audit SET kind = 'sign-anything' WHERE seq = 2", AUDIT_BAD_FIELD, 2,
	    "kind");
	tamper(f, "UPDATE audit SET text = CAST(x'410042' AS TEXT) WHERE seq = 2", AUDIT_BAD_FIELD,
	    2, "text");
	tamper(f, "UPDATE audit SET time = 1.5 WHERE seq = 2", AUDIT_BAD_FIELD, 2, "time");
	tamper(f, "UPDATE audit SET digest = x'0102' WHERE seq = 2", AUDIT_BAD_FIELD, 2, "digest");
}

/* A large chain verifies quickly enough to run at every open. */
static void
test_long_chain(void **state)
{
	struct fx *f = *state;
	struct audit_report rep;
	struct audit_record r;
	struct store *s = NULL;
	char *msg = NULL;
	int i;

	assert_int_equal(store_open(f->orig, 0, NULL, &s, &msg), 0);
	assert_int_equal(store_begin(s), 0);
	for (i = 0; i < 20000; i++) {
		memset(&r, 0, sizeof(r));
		r.time = T0 + i;
		r.kind = AUDIT_EE;
		r.child = "child";
		r.has_serial = true;
		r.serial = (uint64_t)i;
		r.resources = "as=64496;ipv4=192.0.2.0/24;ipv6=2001:db8::/32";
		r.has_digest = true;
		memset(r.digest, i & 0xff, sizeof(r.digest));
		assert_int_equal(store_audit_append(s, &r), 0);
	}
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_audit_verify(s, &rep), 0);
	assert_int_equal(rep.records, NREC + 20000);
	store_close(s);
	assert_int_equal(audit_verify_path(f->orig, &rep), 0);
	assert_int_equal(rep.records, NREC + 20000);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_pinned),
		cmocka_unit_test(test_encode_fields),
		T(test_intact),
		T(test_edit_field),
		T(test_edit_rehashed),
		T(test_delete),
		T(test_reorder),
		T(test_truncate_append),
		T(test_bad_types),
		T(test_long_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
