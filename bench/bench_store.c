/*
 * bench_store: the state store at 100, 1,000 and 10,000 children (one
 * class, an entitlement and a 1,200-byte certificate each).
 *
 * Prints, per size: build time; open time with every check (integrity_check,
 * foreign_key_check, counters, full audit walk), with quick_check, with the
 * audit head only, and with no checks; per-request lookup times (child,
 * entitlement, current certificates of (child, class), certificates by key,
 * certificate by serial: averages over 2,000 random picks); the durable
 * operations (reserve a serial = one fsync'd commit; issue = begin, insert
 * certificate + audit record, commit); and the database size on disk.
 * The bound it chases: 10,000 children load in well under a second, and
 * lookups do not grow with the number of children.
 *
 * Usage: bench_store [dir]   (default: a temporary directory under $TMPDIR)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/test_store_util.c"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
nop_cert(void *arg, const struct store_cert *c)
{
	(void)c;
	(*(unsigned *)arg)++;
	return 0;
}

static void
die(const char *what, int rc, const char *msg)
{
	fprintf(stderr, "bench_store: %s: %s (%s)\n", what, store_strerror(rc), msg ? msg : "");
	exit(1);
}

static double
time_open(const char *dir, unsigned flags)
{
	struct store *s = NULL;
	char *msg = NULL;
	double t0 = now_s(), t;
	int rc;

	if ((rc = store_open(dir, flags, NULL, &s, &msg)) != 0)
		die("open", rc, msg);
	t = now_s() - t0;
	store_close(s);
	return t;
}

static void
run(const char *base, unsigned n)
{
	enum { ROUNDS = 2000, DURABLE = 50 };
	struct store_entitlement e;
	struct store_child ch;
	struct store_cert c;
	struct store *s = NULL;
	char dir[1024], db[1100], wal[1200], h[24], *msg = NULL;
	double t0, t_build, t_child = 0, t_ent = 0, t_cur = 0, t_key = 0, t_ser = 0, t_res, t_iss;
	uint64_t serial0, serial;
	uint8_t ski[STORE_SKI_LEN], *der;
	struct store_info info;
	unsigned i, k, hits = 0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/n%u", base, n);
	if (mkdir(dir, 0700) != 0) {
		perror(dir);
		exit(1);
	}
	snprintf(db, sizeof(db), "%s/%s", dir, STORE_DB_NAME);
	snprintf(wal, sizeof(wal), "%s-wal", db);

	t0 = now_s();
	if ((rc = tsu_open(dir, n, 0, &s, &msg)) != 0)
		die("create", rc, msg);
	if ((rc = tsu_build(s, n, 1200)) != 0)
		die("build", rc, store_errmsg(s));
	t_build = now_s() - t0;
	store_info(s, &info);
	serial0 = info.serial_last - n + 1;
	store_close(s);

	printf("%6u children: build %.3f s, db %.1f MB (+ wal %.1f MB)\n", n, t_build,
	    tsu_fsize(db) / 1e6, tsu_fsize(wal) / 1e6);
	printf("        open: all checks %.1f ms, quick_check %.1f ms, audit head only %.1f ms, "
	    "no checks %.1f ms\n", time_open(dir, 0) * 1e3, time_open(dir, STORE_QUICK_CHECK) * 1e3,
	    time_open(dir, STORE_AUDIT_HEAD_ONLY) * 1e3, time_open(dir, STORE_NO_CHECK) * 1e3);

	if ((rc = store_open(dir, 0, NULL, &s, &msg)) != 0)
		die("open", rc, msg);
	for (i = 0; i < ROUNDS; i++) {
		k = (i * 7919u + 13) % n;
		snprintf(h, sizeof(h), "child-%06u", k);
		t0 = now_s();
		if (store_child_get(s, h, &ch) != 0)
			die("child", -1, h);
		t_child += now_s() - t0;
		store_child_free(&ch);
		t0 = now_s();
		if (store_entitlement_get(s, h, "RIR", &e) != 0)
			die("entitlement", -1, h);
		t_ent += now_s() - t0;
		store_entitlement_free(&e);
		t0 = now_s();
		store_certs_current(s, h, "RIR", nop_cert, &hits);
		t_cur += now_s() - t0;
		tsu_ski(ski, 2, k);
		t0 = now_s();
		store_certs_by_key(s, NULL, ski, nop_cert, &hits);
		t_key += now_s() - t0;
		t0 = now_s();
		if (store_cert_get(s, serial0 + k, &c) != 0)
			die("serial", -1, h);
		t_ser += now_s() - t0;
		store_cert_free(&c);
	}
	if (hits != 2 * ROUNDS)
		die("lookups", -1, "wrong number of certificates found");
	printf("        lookup (us): child %.1f, entitlement %.1f, current certs %.1f, "
	    "certs by key %.1f, cert by serial %.1f\n", t_child / ROUNDS * 1e6,
	    t_ent / ROUNDS * 1e6, t_cur / ROUNDS * 1e6, t_key / ROUNDS * 1e6,
	    t_ser / ROUNDS * 1e6);

	t0 = now_s();
	for (i = 0; i < DURABLE; i++)
		if ((rc = store_reserve_serial(s, &serial)) != 0)
			die("reserve", rc, store_errmsg(s));
	t_res = (now_s() - t0) / DURABLE;
	if ((der = tsu_blob(1, 1200)) == NULL)
		die("malloc", STORE_ERR_NOMEM, NULL);
	t0 = now_s();
	for (i = 0; i < DURABLE; i++) {
		if ((rc = store_reserve_serial(s, &serial)) != 0)
			die("reserve", rc, store_errmsg(s));
		tsu_cert(&c, serial, (char *)"child-000000", (char *)"RIR", 1000000 + i, der, 1200);
		if ((rc = store_begin(s)) != 0 || (rc = store_cert_insert(s, &c, T0)) != 0 ||
		    (rc = store_commit(s)) != 0)
			die("issue", rc, store_errmsg(s));
	}
	t_iss = (now_s() - t0) / DURABLE;
	free(der);
	store_close(s);
	printf("        durable (ms): reserve serial %.2f, reserve + issue transaction %.2f\n",
	    t_res * 1e3, t_iss * 1e3);
	tsu_rmdir(strdup(dir));
}

int
main(int argc, char **argv)
{
	static const unsigned sizes[] = { 100, 1000, 10000 };
	char *base;
	size_t i;

	base = argc > 1 ? strdup(argv[1]) : tsu_tmpdir();
	if (base == NULL) {
		perror("tmpdir");
		return 1;
	}
	printf("bench_store: SQLite %s, WAL, synchronous=FULL, in %s\n", sqlite3_libversion(), base);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		run(base, sizes[i]);
	if (argc <= 1)
		tsu_rmdir(base);
	else
		free(base);
	return 0;
}
