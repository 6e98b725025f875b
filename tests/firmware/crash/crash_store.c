/*
 * Crash harness for firmware/store (UD-162; UD-80 serials never reused,
 * UD-130/UD-131 CRL numbers strictly increasing, UD-35 replay state).
 *
 * A forked child drives a stream of store operations shaped like the
 * engine's: reserve a serial (own commit) -> report "R serial" on a pipe ->
 * "sign" (make a fake certificate blob from the serial) -> [every 4th: reserve
 * a CRL number, report "N number"] -> begin -> replay update + certificate
 * + [revoke an older certificate + CRL record] + exchange log (and their
 * audit records) -> commit -> report "S serial" ("the response was sent").
 *
 * The parent kills the child at many different points, three ways:
 *   - the store's fault hook SIGKILLs the child at its Nth hook call (every
 *     BEGIN, mutation, before/after COMMIT, before/after a reservation's
 *     COMMIT), for N drawn at random;
 *   - the parent SIGKILLs it after a random delay;
 *   - the parent SIGKILLs a child that is creating a new store.
 * After each kill the parent reopens the store (every open-time check runs:
 * integrity_check, foreign_key_check, counters, the whole audit chain) and
 * checks: every serial reported sent is stored with its exact bytes; every
 * reserved serial (and CRL number) is greater than every one reported
 * before, across restarts; every stored certificate's serial was reserved;
 * each stored certificate has exactly one "issue" audit record and each
 * revoked one a "revoke" record (state change and audit commit together).
 *
 * SIGKILL leaves in the file exactly what the process had written, as a
 * crash of the process would; it does not model a power cut (writes lost
 * from the OS cache), for which synchronous=FULL is the defence.
 * CRASH_SEED=n in the environment changes the random kill points.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <signal.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "firmware/test_store_util.c"

#define NCHILDREN   8
#define HOOK_RUNS   45   /* killed by the fault hook */
#define TIMED_RUNS  40   /* killed after a random delay */
#define CREATE_RUNS 10   /* killed while creating a store */
#define MAX_OPS     400  /* a child that is never killed stops here */
#define MAX_SERIALS 100000

static uint64_t rng_state;

static uint64_t
rnd(uint64_t n)
{
	uint64_t v;

	tsu_rng(&rng_state, (unsigned char *)&v, sizeof(v));
	return n ? v % n : 0;
}

/* ---- the child ---- */

static long hook_countdown;

static void
crash_hook(void *arg, enum store_fault_point p)
{
	(void)arg;
	(void)p;
	if (--hook_countdown == 0)
		kill(getpid(), SIGKILL);
}

static void
report(int fd, char tag, uint64_t v)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%c %llu\n", tag, (unsigned long long)v);

	/* One write of < PIPE_BUF bytes: never split. */
	if (write(fd, line, (size_t)n) != n)
		_exit(4);
}

static void
child_fail(struct store *s, const char *what, int rc)
{
	fprintf(stderr, "crash child: %s: %s (%s)\n", what, store_strerror(rc),
	    s ? store_errmsg(s) : "");
	_exit(2);
}

struct oldest {
	uint64_t skip;
	uint64_t serial;
};

static int
find_oldest(void *arg, const struct store_cert *c)
{
	struct oldest *o = arg;

	if (c->serial != o->skip && (o->serial == 0 || c->serial < o->serial))
		o->serial = c->serial;
	return 0;
}

static void
child_main(const char *dir, int fd, long hook_at)
{
	struct store *s = NULL;
	struct store_info info;
	struct store_cert c;
	struct oldest o;
	uint8_t issuer[STORE_SKI_LEN], *der;
	char *msg = NULL, handle[16];
	uint64_t serial, crl;
	int rc, op;

	if ((rc = store_open(dir, 0, NULL, &s, &msg)) != 0) {
		fprintf(stderr, "crash child: %s\n", msg ? msg : "?");
		_exit(3);
	}
	if (store_info(s, &info) != 0)
		child_fail(s, "info", -1);
	if (hook_at > 0) {
		hook_countdown = hook_at;
		store_set_fault_hook(s, crash_hook, NULL);
	}
	tsu_ski(issuer, 1, 1);
	for (op = 0; op < MAX_OPS; op++) {
		if ((rc = store_reserve_serial(s, &serial)) != 0)
			child_fail(s, "reserve", rc);
		report(fd, 'R', serial);
		crl = 0;
		if (serial % 4 == 0) {
			if ((rc = store_reserve_crl_number(s, issuer, &crl)) != 0)
				child_fail(s, "reserve crl", rc);
			report(fd, 'N', crl);
		}
		if ((der = tsu_blob(serial, 600)) == NULL)
			child_fail(s, "malloc", STORE_ERR_NOMEM);
		snprintf(handle, sizeof(handle), "c%u", (unsigned)(serial % NCHILDREN));
		tsu_cert(&c, serial, handle, (char *)"RIR", serial, der, 600);
		if ((rc = store_begin(s)) != 0)
			child_fail(s, "begin", rc);
		/* Signing times only move forward: derived from the serial. */
		if ((rc = store_child_replay_update(s, handle,
		    T0 + (time_t)(serial - info.serial_start))) != 0)
			child_fail(s, "replay", rc);
		if ((rc = store_cert_insert(s, &c, T0)) != 0)
			child_fail(s, "insert", rc);
		if (crl != 0) {
			o.skip = serial;
			o.serial = 0;
			if ((rc = store_certs_current(s, handle, "RIR", find_oldest, &o)) != 0)
				child_fail(s, "current", rc);
			if (o.serial != 0 &&
			    (rc = store_cert_revoke(s, o.serial, T0 + 1, "crash test")) != 0)
				child_fail(s, "revoke", rc);
			if ((rc = store_crl_record(s, issuer, "RIR", crl, T0, T0 + 3600, der, 600,
			    T0 + 1)) != 0)
				child_fail(s, "crl", rc);
		}
		if ((rc = store_exchange_log(s, T0, handle, "issue", "ok", der, 100, der, 50)) != 0)
			child_fail(s, "exchange", rc);
		if ((rc = store_commit(s)) != 0)
			child_fail(s, "commit", rc);
		free(der);
		report(fd, 'S', serial);
	}
	store_close(s);
	_exit(0);
}

/* ---- the parent ---- */

struct ledger {
	uint64_t *reserved;      /* every R reported, ascending */
	size_t nreserved;
	uint64_t *sent;          /* every S reported */
	size_t nsent;
	uint64_t max_crl;        /* highest N reported */
	unsigned kills;
	unsigned clean_exits;
};

static void
push(uint64_t **v, size_t *n, uint64_t x)
{
	assert_true(*n < MAX_SERIALS);
	if (*v == NULL)
		assert_non_null(*v = malloc(MAX_SERIALS * sizeof(**v)));
	(*v)[(*n)++] = x;
}

static bool
was_reserved(const struct ledger *l, uint64_t serial)
{
	size_t lo = 0, hi = l->nreserved;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->reserved[mid] == serial)
			return true;
		if (l->reserved[mid] < serial)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Read the child's reports until EOF; check the never-reused property as they come. */
static void
read_reports(int fd, struct ledger *l)
{
	char buf[8192], *p, *nl;
	size_t have = 0;
	ssize_t n;
	uint64_t v;
	char tag;

	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		p = buf;
		while ((nl = strchr(p, '\n')) != NULL) {
			*nl = '\0';
			assert_int_equal(sscanf(p, "%c %" SCNu64, &tag, &v), 2);
			switch (tag) {
			case 'R':
				/* Strictly above everything reserved before, in any run. */
				if (l->nreserved > 0 && v <= l->reserved[l->nreserved - 1])
					fail_msg("serial %" PRIu64 " reserved after %" PRIu64
					    ": reused or going back", v,
					    l->reserved[l->nreserved - 1]);
				push(&l->reserved, &l->nreserved, v);
				break;
			case 'N':
				if (v <= l->max_crl)
					fail_msg("CRL number %" PRIu64 " after %" PRIu64, v,
					    l->max_crl);
				l->max_crl = v;
				break;
			case 'S':
				push(&l->sent, &l->nsent, v);
				break;
			default:
				fail_msg("bad report %s", p);
			}
			p = nl + 1;
		}
		have = strlen(p);
		memmove(buf, p, have);
	}
	assert_int_equal(have, 0);
}

static int64_t
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* After a kill: the store opens (all checks) and holds what was promised. */
static void
check_store(const char *dir, const struct ledger *l)
{
	struct store *s = NULL;
	struct store_info info;
	struct store_issuer is;
	struct store_cert c;
	struct audit_report rep;
	uint8_t issuer[STORE_SKI_LEN], *der;
	char *msg = NULL, path[1100];
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if ((rc = store_open(dir, 0, NULL, &s, &msg)) != 0)
		fail_msg("reopen after kill: %s", msg ? msg : store_strerror(rc));
	assert_int_equal(store_audit_verify(s, &rep), 0);
	assert_int_equal(store_info(s, &info), 0);
	if (l->nreserved > 0)
		assert_true(info.serial_last >= l->reserved[l->nreserved - 1]);
	tsu_ski(issuer, 1, 1);
	if (store_issuer_get(s, issuer, &is) == 0) {
		assert_true(is.crl_reserved >= l->max_crl);
		assert_true(is.crl_last <= is.crl_reserved);
	}
	/* Every response sent is durable, byte for byte. */
	for (i = 0; i < l->nsent; i++) {
		if ((rc = store_cert_get(s, l->sent[i], &c)) != 0)
			fail_msg("serial %" PRIu64 " was reported sent but is not stored",
			    l->sent[i]);
		assert_non_null(der = tsu_blob(l->sent[i], 600));
		assert_int_equal(c.der_len, 600);
		assert_memory_equal(c.der, der, 600);
		free(der);
		store_cert_free(&c);
	}
	store_close(s);

	/* Raw checks: no unreserved serial, state and audit committed together. */
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT serial FROM certs", -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (!was_reserved(l, (uint64_t)sqlite3_column_int64(st, 0)))
			fail_msg("stored serial %lld was never reported reserved",
			    (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	assert_int_equal(count(db, "SELECT count(*) FROM certs"),
	    count(db, "SELECT count(*) FROM audit WHERE kind = 'issue'"));
	assert_int_equal(count(db, "SELECT count(*) FROM certs WHERE state = 1"),
	    count(db, "SELECT count(*) FROM audit WHERE kind = 'revoke'"));
	assert_int_equal(count(db, "SELECT count(*) FROM certs"),
	    count(db, "SELECT count(*) FROM exchanges"));
	assert_int_equal(count(db, "SELECT count(*) FROM audit WHERE kind = 'crl'"),
	    count(db, "SELECT count(*) FROM certs WHERE serial % 4 = 0"));
	sqlite3_close(db);
}

/* Fork a child running child_main; kill it by hook (hook_at > 0) or after delay_us. */
static void
one_run(const char *dir, struct ledger *l, long hook_at, long delay_us)
{
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child_main(dir, fds[1], hook_at);
		_exit(5);
	}
	close(fds[1]);
	if (hook_at <= 0) {
		usleep((useconds_t)delay_us);
		kill(pid, SIGKILL);
	}
	read_reports(fds[0], l);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		l->kills++;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		l->clean_exits++;
	else
		fail_msg("crash child failed on its own (status %d)", status);
	check_store(dir, l);
}

static void
test_kill_points(void **state)
{
	struct store *s = NULL;
	struct store_class cls;
	struct ledger l;
	char *dir = tsu_tmpdir(), *msg = NULL, h[16];
	uint8_t cert[300];
	const char *seed = getenv("CRASH_SEED");
	int i;

	(void)state;
	memset(&l, 0, sizeof(l));
	rng_state = seed ? strtoull(seed, NULL, 10) : 20240101;
	print_message("crash harness: seed %llu\n", (unsigned long long)rng_state);
	assert_non_null(dir);
	if (tsu_open(dir, 99, 0, &s, &msg) != 0)
		fail_msg("%s", msg);
	memset(cert, 0x30, sizeof(cert));
	tsu_class(&cls, (char *)"RIR", cert, sizeof(cert), 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_class_put(s, &cls, T0), 0);
	for (i = 0; i < NCHILDREN; i++) {
		snprintf(h, sizeof(h), "c%d", i);
		assert_int_equal(store_child_put(s, h, tsu_ta, sizeof(tsu_ta), T0), 0);
	}
	assert_int_equal(store_commit(s), 0);
	store_close(s);

	/* Hook kills: N spread over the first ~80 hook calls (about 12 operations). */
	for (i = 0; i < HOOK_RUNS; i++)
		one_run(dir, &l, 1 + (long)(i < 20 ? i : (int)rnd(80)), 0);
	/* Timed kills: anywhere, including inside SQLite's own writes. */
	for (i = 0; i < TIMED_RUNS; i++)
		one_run(dir, &l, 0, (long)rnd(40000));
	print_message("crash harness: %u kills, %u clean exits, %zu serials reserved, "
	    "%zu responses sent\n", l.kills, l.clean_exits, l.nreserved, l.nsent);
	assert_true(l.kills >= HOOK_RUNS + TIMED_RUNS - 2);
	assert_true(l.nsent > 50);
	free(l.reserved);
	free(l.sent);
	tsu_rmdir(dir);
}

/* Kill a child while it creates a store: the next open creates it or finds it whole. */
static void
test_kill_during_create(void **state)
{
	struct store *s = NULL;
	struct store_info info;
	char *msg = NULL;
	int i, status, created = 0;
	pid_t pid;

	(void)state;
	for (i = 0; i < CREATE_RUNS; i++) {
		char *dir = tsu_tmpdir();

		assert_non_null(dir);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (tsu_open(dir, 5, 0, &s, &msg) != 0)
				_exit(2);
			store_close(s);
			_exit(0);
		}
		usleep((useconds_t)rnd(15000));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_false(WIFEXITED(status) && WEXITSTATUS(status) != 0);
		if (WIFEXITED(status))
			created++;
		if (tsu_open(dir, 6, 0, &s, &msg) != 0)
			fail_msg("open after a killed creation: %s", msg ? msg : "?");
		assert_int_equal(store_info(s, &info), 0);
		assert_int_equal(info.schema_version, STORE_SCHEMA_VERSION);
		assert_true(info.audit_seq >= 1);
		store_close(s);
		tsu_rmdir(dir);
	}
	print_message("creation kills: %d of %d finished before the kill\n", created, CREATE_RUNS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_points),
		cmocka_unit_test(test_kill_during_create),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
