/*
 * The issuer engine's front door: every RFC 6492 section 3.2 check that
 * ends in a bare HTTP 400 (UD-8), the replay rule and its reset, a clock
 * too far ahead, one request per child (1101, with two threads), the
 * exchange log, and internal failures as signed 2001s.
 *
 * UD items: UD-5, UD-6, UD-8, UD-33, UD-34, UD-35, UD-36, UD-37, UD-39,
 * UD-121, UD-122, UD-160, UD-163, UD-68 and UD-132 (publication failure),
 * UD-152, UD-154, UD-155 (adding children, replacing a child's TA).
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "proto/cms.h"
#include "proto/xlog.h"

static struct ef F;
static char NOTAFTER[UD_TIME_SIZE];

static int
setup(void **state)
{
	(void)state;
	ef_init(&F, NULL, "auth", time(NULL), "64496-64511", "192.0.2.0/24", "2001:db8::/32");
	ef_open(&F, NULL);
	assert_int_equal(ud_time_format(F.now + 100 * EF_DAY, NOTAFTER), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ef_fini(&F);
	return 0;
}

static void
table(void)
{
	assert_int_equal(ef_table(&F, false, NULL, "version 1\nclass " EF_CLASS "\n"
	    "child child-a\nchild child-b\n"
	    "grant child-a " EF_CLASS " as=64496 ipv4=192.0.2.0/25 notafter=%s\n"
	    "grant child-b " EF_CLASS " ipv4=192.0.2.128/25 notafter=%s\n", NOTAFTER, NOTAFTER), 0);
}

static uint64_t
exchanges(void)
{
	uint64_t n = 0;

	assert_int_equal(store_exchange_count(F.store, &n), 0);
	return n;
}

/* Send cms at F.now; assert a bare 400 (UD-8) and return. */
static void
expect_400(const unsigned char *cms, size_t len, const char *url_child, const char *why)
{
	struct engine_response resp;
	uint64_t before = exchanges();

	assert_int_equal(engine_handle(F.e, url_child, cms, len, F.now, &resp), 0);
	engine_log_flush(F.e);
	if (resp.http_status != 400)
		fail_msg("%s: HTTP %d, want 400 (%s)", why, resp.http_status, resp.log);
	assert_null(resp.body);                     /* no up-down message (UD-8) */
	assert_int_equal(resp.body_len, 0);
	assert_int_equal(resp.status, 0);
	assert_string_equal(resp.child, "");
	assert_int_equal(exchanges(), before + 1);  /* logged too (UD-160) */
	engine_response_free(&resp);
}

/* Open the engine again (with F.cfg as the test set it), child-a and child-b, table(). */
static struct ef_child *
reopen_two(void)
{
	struct ef_child *a;

	ef_close_engine(&F);
	ef_open(&F, NULL);
	a = ef_child_add(&F, "child-a");
	ef_child_add(&F, "child-b");
	table();
	return a;
}

static int64_t
stored_time(const char *handle, bool *has)
{
	struct store_child c;
	int64_t t;

	assert_int_equal(store_child_get(F.store, handle, &c), 0);
	*has = c.has_signing_time;
	t = c.last_signing_time;
	store_child_free(&c);
	return t;
}

static unsigned char *
list_cms(const struct ef_child *c, const char *sender, const char *recipient, time_t t,
         size_t *len)
{
	char *xml = ef_xml_list(sender, recipient);
	unsigned char *cms = ef_cms(c, xml, strlen(xml), t, len);

	free(xml);
	return cms;
}

/* UD-8, UD-33, UD-34, UD-39, UD-5: every check 1..5 failure is a bare 400. */
static void
test_400_cases(void **state)
{
	struct ef_child *a, *b;
	struct engine_response resp;
	struct ud_msg m;
	unsigned char *cms, junk[64];
	size_t len = 0, i;
	bool has;
	const char *bad_xml = "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down/\"";

	(void)state;
	a = ef_child_add(&F, "child-a");
	b = ef_child_add(&F, "child-b");
	table();

	/* 1. Not CMS at all; a truncated CMS. */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	expect_400(junk, sizeof(junk), NULL, "junk");
	cms = list_cms(a, a->handle, EF_HANDLE, F.now, &len);
	expect_400(cms, len - 1, NULL, "truncated CMS");
	/* 4. Signature does not verify (last octet of the signature flipped). */
	cms[len - 1] ^= 0x01;
	expect_400(cms, len, NULL, "bad signature");
	free(cms);
	/* 2. XML not well-formed inside a good CMS. */
	cms = ef_cms(a, bad_xml, strlen(bad_xml), F.now, &len);
	expect_400(cms, len, NULL, "bad XML");
	free(cms);
	/* 3. Unknown sender; wrong recipient (UD-39). */
	cms = list_cms(a, "stranger", EF_HANDLE, F.now, &len);
	expect_400(cms, len, NULL, "unknown sender");
	free(cms);
	cms = list_cms(a, a->handle, "someone-else", F.now, &len);
	expect_400(cms, len, NULL, "wrong recipient");
	free(cms);
	/* 5. Signed by b's EE but claims to be a: no path to a's TA (UD-33). */
	cms = list_cms(b, a->handle, EF_HANDLE, F.now, &len);
	expect_400(cms, len, NULL, "wrong TA");
	free(cms);
	/* UD-5: the URL names another child; the right one works. */
	cms = list_cms(a, a->handle, EF_HANDLE, F.now, &len);
	expect_400(cms, len, "child-b", "URL names b");
	assert_int_equal(engine_handle(F.e, "child-a", cms, len, F.now, &resp), 0);
	engine_log_flush(F.e);
	assert_int_equal(resp.http_status, 200);
	assert_string_equal(resp.child, "child-a");
	ud_msg_init(&m);
	ef_reply(&F, a, &resp, &m);
	assert_int_equal(m.type, UD_LIST_RESPONSE);
	ud_msg_free(&m);
	engine_response_free(&resp);
	free(cms);
	/* 5. The child's CRL lists its EE (UD-34). */
	ef_child_bpki(&F, a, true);
	cms = list_cms(a, a->handle, EF_HANDLE, F.now, &len);
	expect_400(cms, len, NULL, "revoked EE");
	free(cms);
	ef_child_bpki(&F, a, false);
	/* A 400 never moves the stored signing-time (UD-35): it is still F.now. */
	cms = list_cms(a, "stranger", EF_HANDLE, F.now + 60, &len);
	expect_400(cms, len, NULL, "later but unknown");
	free(cms);
	assert_int_equal(stored_time("child-a", &has), F.now);
	assert_true(has);
}

/*
 * UD-160, UD-35: the exchange log's writer. A request that moves the
 * child's signing-time is durable when engine_handle() returns (seen
 * through a connection of our own, without engine_log_flush()); rows with
 * nothing to record are queued and engine_close() writes every one.
 */
static void
test_log_writer(void **state)
{
	struct ef_child *a;
	struct engine_response resp;
	struct store_child c;
	struct store *ro = NULL;
	unsigned char *cms;
	char *msg = NULL;
	size_t len = 0;
	uint64_t n0, n;
	int i;

	(void)state;
	a = ef_child_add(&F, "child-a");
	ef_child_add(&F, "child-b");
	table();
	n0 = exchanges();
	cms = list_cms(a, a->handle, EF_HANDLE, F.now + 1, &len);
	assert_int_equal(engine_handle(F.e, NULL, cms, len, F.now + 1, &resp), 0);
	assert_int_equal(resp.http_status, 200);
	engine_response_free(&resp);
	if (store_open(F.store_dir, STORE_READONLY, NULL, &ro, &msg) != 0)
		fail_msg("store_open: %s", msg ? msg : "?");
	assert_int_equal(store_child_get(ro, "child-a", &c), 0);
	assert_true(c.has_signing_time);
	assert_int_equal(c.last_signing_time, F.now + 1);
	store_child_free(&c);
	for (i = 0; i < 300; i++) {
		assert_int_equal(engine_handle(F.e, NULL, cms, len, F.now + 1, &resp), 0);
		assert_int_equal(resp.http_status, 200);
		engine_response_free(&resp);
	}
	ef_close_engine(&F);
	assert_int_equal(store_exchange_count(ro, &n), 0);
	assert_int_equal(n, n0 + 301);
	store_close(ro);
	free(cms);
	ef_open(&F, NULL);
}

/* ---- UD-160: the exchange log's queue is bounded; a full one makes requests wait ---- */

static pthread_mutex_t w_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t w_cond = PTHREAD_COND_INITIALIZER;
static bool w_hold, w_held;
static int w_done;

/* Hold the log writer before its next batch while w_hold. */
static void
writer_hook(void *arg, enum engine_hook_point p)
{
	(void)arg;
	if (p != ENGINE_HOOK_LOG_BATCH)
		return;
	pthread_mutex_lock(&w_lock);
	while (w_hold) {
		w_held = true;
		pthread_cond_broadcast(&w_cond);
		pthread_cond_wait(&w_cond, &w_lock);
	}
	pthread_mutex_unlock(&w_lock);
}

struct burst {
	const unsigned char *cms;
	size_t len;
	int n, bad;
	int status;                  /* the answer each request must get */
};

/* n requests, counting the answered ones in w_done. */
static void *
burst_main(void *arg)
{
	struct burst *b = arg;
	struct engine_response resp;
	int i;

	for (i = 0; i < b->n; i++) {
		if (engine_handle(F.e, NULL, b->cms, b->len, F.now + 1, &resp) != 0 ||
		    resp.http_status != b->status)
			b->bad++;
		engine_response_free(&resp);
		pthread_mutex_lock(&w_lock);
		w_done++;
		pthread_cond_broadcast(&w_cond);
		pthread_mutex_unlock(&w_lock);
	}
	return NULL;
}

/*
 * With the writer held, n requests of body (each answered with status) go
 * on until room runs out after fit of them; the next one waits for room
 * instead of dropping its row. Released, all are answered and every row
 * is written. The engine is reopened with the writer hook first.
 */
static void
backpressure(const unsigned char *body, size_t len, int status, int fit, int n)
{
	static struct burst b;          /* outlives a failed assertion in the wait below */
	struct ef_child *a;
	struct engine_response resp;
	struct timespec until;
	pthread_t th;
	unsigned char *cms;
	size_t clen = 0;
	uint64_t n0, written;
	bool held;
	int done;

	F.cfg.hook = writer_hook;
	a = reopen_two();
	n0 = exchanges();
	/* Its signing-time first: the burst's requests then wait for no commit. */
	cms = list_cms(a, a->handle, EF_HANDLE, F.now + 1, &clen);
	assert_int_equal(engine_handle(F.e, NULL, cms, clen, F.now + 1, &resp), 0);
	assert_int_equal(resp.http_status, 200);
	engine_response_free(&resp);
	engine_log_flush(F.e);
	assert_int_equal(exchanges(), n0 + 1);

	pthread_mutex_lock(&w_lock);
	w_hold = true;
	w_held = false;
	w_done = 0;
	pthread_mutex_unlock(&w_lock);
	memset(&b, 0, sizeof(b));
	b.cms = body != NULL ? body : cms;
	b.len = body != NULL ? len : clen;
	b.status = status;
	b.n = n;
	assert_int_equal(pthread_create(&th, NULL, burst_main, &b), 0);
	/* The queue fills: fit requests are answered (60 s at most). */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&w_lock);
	while (w_done < fit && pthread_cond_timedwait(&w_cond, &w_lock, &until) == 0)
		;
	pthread_mutex_unlock(&w_lock);
	/* ... and no more: the next one waits for room (given 300 ms to go wrong). */
	usleep(300 * 1000);
	pthread_mutex_lock(&w_lock);
	done = w_done;
	held = w_held;
	pthread_mutex_unlock(&w_lock);
	written = exchanges();                       /* the writer is still held */
	/* Released, and the burst joined, before anything is asserted. */
	pthread_mutex_lock(&w_lock);
	w_hold = false;
	pthread_cond_broadcast(&w_cond);
	pthread_mutex_unlock(&w_lock);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(held);
	assert_int_equal(done, fit);
	assert_int_equal(written, n0 + 1);               /* nothing written while held */
	assert_int_equal(b.bad, 0);
	assert_int_equal(w_done, b.n);
	engine_log_flush(F.e);
	assert_int_equal(exchanges(), n0 + 1 + (uint64_t)b.n);
	free(cms);
	ef_close_engine(&F);
	F.cfg.hook = NULL;
	ef_open(&F, NULL);
}

/* The row bound: ENGINE_LOG_QUEUE_ROWS small exchanges wait, the next one waits for room. */
static void
test_log_backpressure(void **state)
{
	(void)state;
	backpressure(NULL, 0, 200, ENGINE_LOG_QUEUE_ROWS, ENGINE_LOG_QUEUE_ROWS + 44);
}

/*
 * The byte bound: rows of 60,000 bytes (a junk body, answered 400 with
 * no response, UD-8) stop at ENGINE_LOG_QUEUE_BYTES, long before the row
 * bound.
 */
static void
test_log_backpressure_bytes(void **state)
{
	enum { ROW = 60000 };
	static unsigned char junk[ROW];
	int fit = (int)(ENGINE_LOG_QUEUE_BYTES / ROW);

	(void)state;
	assert_true(fit < ENGINE_LOG_QUEUE_ROWS);
	memset(junk, 0x5a, sizeof(junk));
	backpressure(junk, sizeof(junk), 400, fit, fit + 20);
}

/* Every record of the exchange log files in dir (proto/xlog.h), in file-name order. */
struct xrecs {
	struct xlog_rec r[256];
	unsigned char *buf[16];
	size_t n, nfiles;
};

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
read_xlog(const char *dir, struct xrecs *x)
{
	char *names[16], path[600];
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i, nn = 0;

	memset(x, 0, sizeof(*x));
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			assert_true(nn < 16);
			assert_int_equal(strncmp(de->d_name, "exchanges-", 10), 0);
			names[nn++] = strdup(de->d_name);
		}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmpstr);
	for (i = 0; i < nn; i++) {
		struct stat st;
		size_t off = 0;
		FILE *fp;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0077, 0);              /* operator-only */
		x->buf[i] = malloc((size_t)st.st_size + 1);
		assert_non_null(x->buf[i]);
		assert_non_null(fp = fopen(path, "rb"));
		assert_int_equal(fread(x->buf[i], 1, (size_t)st.st_size, fp), (size_t)st.st_size);
		fclose(fp);
		while ((rc = xlog_next(x->buf[i], (size_t)st.st_size, &off, &x->r[x->n], NULL, 0)) == 0) {
			assert_true(x->n < 255);
			x->n++;
		}
		assert_int_equal(rc, XLOG_END);
		free(names[i]);
	}
	x->nfiles = nn;
}

static void
xrecs_free(struct xrecs *x)
{
	size_t i;

	for (i = 0; i < 16; i++)
		free(x->buf[i]);
}

/*
 * UD-160: the exchange log in files (engine_config.exchange_dir). A request
 * that records a new signing-time has its record written when
 * engine_handle() returns; queued ones are all there after engine_close();
 * a restart starts a new file; nothing goes to the store's table; a
 * directory that cannot be created refuses engine_open.
 */
static void
test_log_files(void **state)
{
	struct ef_child *a;
	struct engine_response resp;
	struct engine *e2 = NULL;
	struct xrecs x;
	unsigned char *cms, junk[40];
	char dir[400], bad[400], *msg = NULL;
	size_t len = 0, i;
	uint64_t n0;
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/xlog", F.dir);
	F.cfg.exchange_dir = dir;
	a = reopen_two();
	n0 = exchanges();

	cms = list_cms(a, a->handle, EF_HANDLE, F.now + 1, &len);
	assert_int_equal(engine_handle(F.e, NULL, cms, len, F.now + 1, &resp), 0);
	assert_int_equal(resp.http_status, 200);
	read_xlog(dir, &x);                          /* no flush: written before the reply */
	assert_int_equal(x.n, 1);
	assert_int_equal(x.r[0].time, F.now + 1);
	assert_string_equal(x.r[0].child, "child-a");
	assert_string_equal(x.r[0].type, "list");
	assert_string_equal(x.r[0].outcome, "ok");
	assert_int_equal(x.r[0].req_len, len);
	assert_memory_equal(x.r[0].req, cms, len);
	assert_int_equal(x.r[0].resp_len, resp.body_len);
	assert_memory_equal(x.r[0].resp, resp.body, resp.body_len);
	xrecs_free(&x);
	engine_response_free(&resp);

	for (i = 0; i < 100; i++) {
		assert_int_equal(engine_handle(F.e, NULL, cms, len, F.now + 1, &resp), 0);
		engine_response_free(&resp);
	}
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7 + 3);
	assert_int_equal(engine_handle(F.e, NULL, junk, sizeof(junk), F.now + 1, &resp), 0);
	assert_int_equal(resp.http_status, 400);
	engine_response_free(&resp);
	ef_close_engine(&F);                         /* writes what is queued */
	read_xlog(dir, &x);
	assert_int_equal(x.nfiles, 1);
	assert_int_equal(x.n, 102);
	assert_string_equal(x.r[101].child, "");     /* "*": not authenticated */
	assert_string_equal(x.r[101].outcome, "400");
	assert_int_equal(x.r[101].req_len, sizeof(junk));
	assert_memory_equal(x.r[101].req, junk, sizeof(junk));
	assert_null(x.r[101].resp);
	xrecs_free(&x);

	/* A restart writes a new file; the old one is never appended to. */
	ef_open(&F, NULL);
	assert_int_equal(engine_handle(F.e, NULL, cms, len, F.now + 1, &resp), 0);
	engine_response_free(&resp);
	ef_close_engine(&F);
	read_xlog(dir, &x);
	assert_int_equal(x.nfiles, 2);
	assert_int_equal(x.n, 103);
	xrecs_free(&x);
	assert_int_equal(exchanges(), n0);           /* none in the store's table */

	/* A directory that cannot be made: engine_open refuses, naming it. */
	snprintf(bad, sizeof(bad), "%s/plain-file", F.dir);
	assert_non_null(fp = fopen(bad, "w"));
	fclose(fp);
	snprintf(bad, sizeof(bad), "%s/plain-file/xlog", F.dir);
	F.cfg.exchange_dir = bad;
	assert_int_equal(engine_open(&F.cfg, F.now, &e2, &msg), ENGINE_ERR_CONFIG);
	assert_null(e2);
	assert_non_null(strstr(msg, "plain-file/xlog"));
	free(msg);
	F.cfg.exchange_dir = NULL;
	free(cms);
	ef_open(&F, NULL);
}

/* UD-35, UD-36, rpki.net#281: replay, equal time, future clock, reset. */
static void
test_replay(void **state)
{
	struct ef_child *a;
	struct engine_response resp;
	struct ud_msg m;
	unsigned char *cms;
	size_t len = 0;
	bool has;
	time_t t0 = F.now;

	(void)state;
	a = ef_child_add(&F, "child-a");
	ef_child_add(&F, "child-b");
	table();
	assert_int_equal(stored_time("child-a", &has), 0);
	assert_false(has);
	ef_list(&F, a, &m);
	ud_msg_free(&m);
	assert_int_equal(stored_time("child-a", &has), t0);
	/* Equal is accepted (RFC 6492 3.1.2). */
	ef_list(&F, a, &m);
	ud_msg_free(&m);
	/* Older: 400, and the stored time stays. */
	cms = list_cms(a, a->handle, EF_HANDLE, t0 - 1, &len);
	expect_400(cms, len, NULL, "replayed");
	free(cms);
	/* More than max_skew (300 s) ahead: 400, so one bad clock cannot lock the child out. */
	cms = list_cms(a, a->handle, EF_HANDLE, t0 + 301, &len);
	expect_400(cms, len, NULL, "future");
	free(cms);
	assert_int_equal(stored_time("child-a", &has), t0);
	/* Within the skew: accepted and stored ... */
	cms = list_cms(a, a->handle, EF_HANDLE, t0 + 200, &len);
	ef_send(&F, cms, len, &resp);
	assert_int_equal(resp.http_status, 200);
	engine_response_free(&resp);
	free(cms);
	assert_int_equal(stored_time("child-a", &has), t0 + 200);
	/* ... so a message at t0 is now a replay ... */
	cms = list_cms(a, a->handle, EF_HANDLE, t0, &len);
	expect_400(cms, len, NULL, "after a future one");
	/* ... until the operator resets the child (UD-36). */
	assert_int_equal(engine_reset_replay(F.e, "child-a", "test: clock was ahead", F.now), 0);
	assert_int_equal(stored_time("child-a", &has), 0);
	assert_false(has);
	ef_send(&F, cms, len, &resp);
	assert_int_equal(resp.http_status, 200);
	engine_response_free(&resp);
	free(cms);
	assert_int_equal(engine_reset_replay(F.e, "nobody", NULL, F.now), ENGINE_ERR_NOT_FOUND);
	/* The stored time survives a restart (UD-35). */
	ef_close_engine(&F);
	ef_open(&F, NULL);
	cms = list_cms(a, a->handle, EF_HANDLE, t0 - 1, &len);
	expect_400(cms, len, NULL, "replayed after restart");
	free(cms);
}

/* UD-37: a signing-time outside the EE's validity is no reason to refuse. */
static void
test_signing_time_outside_ee(void **state)
{
	struct ef_child *a;
	struct engine_response resp;
	unsigned char *cms;
	size_t len = 0;
	bool has;

	(void)state;
	a = ef_child_add(&F, "child-a");
	ef_child_add(&F, "child-b");
	table();
	/* The EE is valid from F.now - 1 day; sign two days back. */
	cms = list_cms(a, a->handle, EF_HANDLE, F.now - 2 * EF_DAY, &len);
	ef_send(&F, cms, len, &resp);
	assert_int_equal(resp.http_status, 200);
	assert_int_equal(resp.status, 0);
	engine_response_free(&resp);
	free(cms);
	assert_int_equal(stored_time("child-a", &has), F.now - 2 * EF_DAY);
}

/* ---- UD-6: 1101 with two threads ---- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_blocked, g_release;

/* Block the first authenticated request until released. */
static void
block_hook(void *arg, enum engine_hook_point p)
{
	(void)arg;
	if (p != ENGINE_HOOK_AUTHENTICATED)
		return;
	pthread_mutex_lock(&g_lock);
	if (g_blocked == 0) {
		g_blocked = 1;
		pthread_cond_broadcast(&g_cond);
		while (!g_release)
			pthread_cond_wait(&g_cond, &g_lock);
	}
	pthread_mutex_unlock(&g_lock);
}

struct thr {
	const unsigned char *cms;
	size_t len;
	struct engine_response resp;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;

	engine_handle(F.e, NULL, t->cms, t->len, F.now, &t->resp);
	engine_log_flush(F.e);
	return NULL;
}

static void
test_1101_two_threads(void **state)
{
	struct ef_child *a, *b;
	struct engine_response resp;
	struct ud_msg m;
	struct thr t;
	pthread_t th;
	unsigned char *cms, *cms2, *cms3;
	size_t len2 = 0, len3 = 0;
	bool has;

	(void)state;
	ef_close_engine(&F);
	F.cfg.hook = block_hook;
	ef_open(&F, NULL);
	a = ef_child_add(&F, "child-a");
	b = ef_child_add(&F, "child-b");
	table();
	memset(&t, 0, sizeof(t));
	cms = list_cms(a, a->handle, EF_HANDLE, F.now, &t.len);
	t.cms = cms;
	g_blocked = g_release = 0;
	assert_int_equal(pthread_create(&th, NULL, thr_main, &t), 0);
	pthread_mutex_lock(&g_lock);
	while (!g_blocked)
		pthread_cond_wait(&g_cond, &g_lock);
	pthread_mutex_unlock(&g_lock);
	/* a's first request is in flight: a second one gets a signed 1101. */
	cms2 = list_cms(a, a->handle, EF_HANDLE, F.now + 1, &len2);
	ef_send(&F, cms2, len2, &resp);
	ud_msg_init(&m);
	ef_reply(&F, a, &resp, &m);
	assert_int_equal(m.type, UD_ERROR_RESPONSE);
	assert_int_equal(m.error.status, UD_STATUS_ALREADY_PROCESSING);
	assert_int_equal(resp.status, UD_STATUS_ALREADY_PROCESSING);
	ud_msg_free(&m);
	engine_response_free(&resp);
	/* ... and it did not move the stored signing-time. */
	stored_time("child-a", &has);
	assert_false(has);
	/* Another child is served meanwhile. */
	cms3 = list_cms(b, b->handle, EF_HANDLE, F.now, &len3);
	ef_send(&F, cms3, len3, &resp);
	assert_int_equal(resp.http_status, 200);
	assert_int_equal(resp.status, 0);
	engine_response_free(&resp);
	/* Release: the first one completes normally. */
	pthread_mutex_lock(&g_lock);
	g_release = 1;
	pthread_cond_broadcast(&g_cond);
	pthread_mutex_unlock(&g_lock);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.resp.http_status, 200);
	assert_int_equal(t.resp.status, 0);
	ud_msg_init(&m);
	ef_reply(&F, a, &t.resp, &m);
	assert_int_equal(m.type, UD_LIST_RESPONSE);
	ud_msg_free(&m);
	engine_response_free(&t.resp);
	/* Now the slot is free again. */
	ef_send(&F, cms2, len2, &resp);
	assert_int_equal(resp.http_status, 200);
	assert_int_equal(resp.status, 0);
	engine_response_free(&resp);
	free(cms);
	free(cms2);
	free(cms3);
}

/* ---- UD-122, UD-163: internal failures are a signed 2001, nothing half-applied ---- */

static volatile int g_rng_broken;

static int
flaky_rng(void *ctx, unsigned char *buf, size_t len)
{
	if (g_rng_broken)
		return -1;
	return ef_rng(ctx, buf, len);
}

static int
cert_count(void *arg, const struct store_cert *c)
{
	(void)c;
	(*(int *)arg)++;
	return 0;
}

static void
test_2001_signer_failure(void **state)
{
	struct signer *ms = NULL;
	struct ef_child *a;
	struct ud_msg m;
	int n = 0;
	bool has;

	(void)state;
	/* The manifests' one-time keys come from a signer that will fail (the "HSM"). */
	ef_close_engine(&F);
	assert_int_equal(signer_sw_open(flaky_rng, NULL, &ms), 0);
	F.cfg.mft_signer = ms;
	ef_open(&F, NULL);
	a = ef_child_add(&F, "child-a");
	ef_child_add(&F, "child-b");
	table();
	g_rng_broken = 1;
	F.now += 5;
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m),
	    UD_STATUS_INTERNAL);
	assert_int_equal(m.error.ndesc, 1);
	/* Short, no internals (UD-122). */
	assert_string_equal(m.error.desc[0].text, "internal error: request not performed");
	ud_msg_free(&m);
	/* Nothing half-applied: no certificate in the store, none published. */
	assert_int_equal(store_certs_current_all(F.store, cert_count, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ef_check_publication(&F), 0);
	/* The message itself passed every check: its time counts (UD-35). */
	assert_int_equal(stored_time("child-a", &has), F.now);
	/* Back: the same request now works. */
	g_rng_broken = 0;
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&F), 1);
	ef_close_engine(&F);
	signer_close(ms);
	F.cfg.mft_signer = NULL;
}

/* UD-68, UD-132: a publication failure is a failed issue (2001); the state heals at the next change. */
static void
test_2001_publication_failure(void **state)
{
	struct ef_child *a;
	struct ud_msg m;
	char link[700], target[256], blocker[1024];
	ssize_t n;
	unsigned long gen;
	FILE *fp;

	(void)state;
	a = ef_child_add(&F, "child-a");
	ef_child_add(&F, "child-b");
	table();
	/* Occupy the name of the next snapshot (crypto/pubpoint.c: ".ta.GEN"). */
	snprintf(link, sizeof(link), "%s/example.test/repo/ta", F.pub_root);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_int_equal(sscanf(target, ".ta.%lu", &gen), 1);
	snprintf(blocker, sizeof(blocker), "%s/example.test/repo/.ta.%lu", F.pub_root, gen + 1);
	assert_non_null(fp = fopen(blocker, "w"));
	fclose(fp);
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m),
	    UD_STATUS_INTERNAL);
	ud_msg_free(&m);
	unlink(blocker);
	/* The state was committed; the next batch publishes it (dirty class). */
	F.now += 1;
	assert_int_equal(ef_issue(&F, a, EF_CLASS, ef_key(33), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	assert_int_equal(ef_check_publication(&F), 2);
}

/* UD-15: our BPKI CRL is re-signed before it goes stale (7 days by default). */
static void
test_bpki_crl_fresh(void **state)
{
	struct ef_child *a;
	struct ud_msg m;

	(void)state;
	a = ef_child_add(&F, "child-a");
	ef_child_add(&F, "child-b");
	table();
	F.now += 8 * EF_DAY;           /* past the first BPKI CRL's nextUpdate */
	ef_list(&F, a, &m);            /* ef_reply: cms_verify at F.now checks the CRL */
	assert_int_equal(m.nclasses, 1);
	ud_msg_free(&m);
	F.now += 8 * EF_DAY;
	ef_list(&F, a, &m);
	ud_msg_free(&m);
}

/* ---- our BPKI EE certificate: renewed before it expires, kept across restarts ---- */

/* A list exchange of c at F.now, verified as c would (ef_reply); the reply's EE. */
static void
list_ee(struct ef_child *c, uint64_t *serial, time_t *not_after, char *log, size_t logsz)
{
	struct engine_response resp;
	struct cms_msg cm;
	struct ud_msg m;
	unsigned char *cms;
	size_t len = 0, i;

	cms = list_cms(c, c->handle, EF_HANDLE, F.now, &len);
	assert_int_equal(engine_handle(F.e, NULL, cms, len, F.now, &resp), 0);
	ud_msg_init(&m);
	ef_reply(&F, c, &resp, &m);                  /* cms_verify at F.now against our TA */
	ud_msg_free(&m);
	cms_msg_init(&cm);
	assert_int_equal(cms_decode(&cm, resp.body, resp.body_len, NULL), 0);
	*serial = 0;
	for (i = 0; i < cm.ee.serial.len; i++)
		*serial = *serial << 8 | cm.ee.serial.p[i];
	*not_after = (time_t)cms_x509_seconds(&cm.ee.valid_to);
	/* The same key as the configured EE: the same SubjectPublicKeyInfo. */
	{
		mbedtls_x509_crt cfg;

		mbedtls_x509_crt_init(&cfg);
		assert_int_equal(mbedtls_x509_crt_parse_der(&cfg, F.bpki_ee, F.bpki_ee_len), 0);
		assert_int_equal(cm.ee.pk_raw.len, cfg.pk_raw.len);
		assert_memory_equal(cm.ee.pk_raw.p, cfg.pk_raw.p, cfg.pk_raw.len);
		mbedtls_x509_crt_free(&cfg);
	}
	snprintf(log, logsz, "%s", resp.log);
	cms_msg_free(&cm);
	engine_response_free(&resp);
	free(cms);
}

/* The child's BPKI made again at F.now (its CRL goes stale in a week) and registered. */
static void
child_now(struct ef_child *c)
{
	ef_child_bpki(&F, c, false);
	assert_int_equal(engine_add_child(F.e, c->handle, c->ta, c->ta_len, F.now), 0);
}

struct bpki_seen {
	size_t renewed;
	uint64_t serial;
};

static int
bpki_cb(void *arg, const struct audit_record *r)
{
	struct bpki_seen *b = arg;

	if (r->kind == AUDIT_BPKI && r->text != NULL && strstr(r->text, "renewed") != NULL) {
		b->renewed++;
		b->serial = r->serial;
	}
	return 0;
}

/*
 * UD-25: the EE certificate that signs our replies stays valid. The
 * configured EE (serial 2) is valid for a year from a day ago. With a
 * third of its lifetime left the engine signs a new one for the same key
 * with the BPKI TA key, keeps it in the store (audit record) and uses it;
 * a restart takes it from the store, so after the configured one has
 * expired the engine still opens (its self-test signs with the renewed
 * EE) and children still verify its replies.
 */
static void
test_bpki_ee_renewal(void **state)
{
	struct ef_child *a;
	struct bpki_seen seen;
	struct audit_report rep;
	char log[ENGINE_LOG_SIZE];
	uint64_t serial, renewed;
	time_t na, start = F.now;

	(void)state;
	a = ef_child_add(&F, "child-a");
	ef_child_add(&F, "child-b");
	table();
	list_ee(a, &serial, &na, log, sizeof(log));
	assert_int_equal(serial, 2);                 /* the configured one */
	assert_int_equal(na, start + 365 * EF_DAY);
	assert_null(strstr(log, "BPKI EE"));

	/* 240 days on: more than a third left, no renewal yet. */
	F.now = start + 240 * EF_DAY;
	child_now(a);
	list_ee(a, &serial, &na, log, sizeof(log));
	assert_int_equal(serial, 2);
	/* 250 days on: renewed, as long-lived as before (366 days). */
	F.now = start + 250 * EF_DAY;
	child_now(a);
	list_ee(a, &renewed, &na, log, sizeof(log));
	print_message("%s\n", log);
	assert_true(renewed > 2);
	assert_int_equal(na, F.now + 366 * EF_DAY);
	assert_non_null(strstr(log, "[BPKI EE certificate renewed: valid until"));
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_foreach(F.store, 1, bpki_cb, &seen), 0);
	assert_int_equal(seen.renewed, 1);
	assert_int_equal(seen.serial, renewed);
	/* Used from then on, and said once. */
	F.now += 1;
	list_ee(a, &serial, &na, log, sizeof(log));
	assert_int_equal(serial, renewed);
	assert_null(strstr(log, "BPKI EE"));

	/*
	 * 400 days on the configured EE has expired: a restart opens with the
	 * kept one (our RPKI CA certificate, a year long, made anew too).
	 */
	ef_close_engine(&F);
	F.now = start + 400 * EF_DAY;
	{
		/* First with the expired CA certificate: refused, with a readable reason. */
		struct engine *e2 = NULL;
		char *msg = NULL;

		assert_int_equal(engine_open(&F.cfg, F.now, &e2, &msg), ENGINE_ERR_CONFIG);
		assert_non_null(msg);
		assert_string_equal(msg, "re-publishing from the store: class " EF_CLASS
		    ": our certificate has expired");
		free(msg);
	}
	ef_make_ca(&F, "64496-64511", "192.0.2.0/24", "2001:db8::/32", F.now + 365 * EF_DAY);
	ef_open(&F, NULL);
	child_now(a);
	list_ee(a, &serial, &na, log, sizeof(log));
	assert_int_equal(serial, renewed);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_foreach(F.store, 1, bpki_cb, &seen), 0);
	assert_int_equal(seen.renewed, 1);           /* not renewed again */
	/* Renewals stop at the BPKI TA's notAfter (two years): clipped to it, then no more. */
	F.now = start + 500 * EF_DAY;
	child_now(a);
	list_ee(a, &serial, &na, log, sizeof(log));
	assert_true(serial > renewed);
	assert_int_equal(na, start + 2 * 365 * EF_DAY);
	renewed = serial;
	F.now = start + 660 * EF_DAY;
	child_now(a);
	list_ee(a, &serial, &na, log, sizeof(log));
	print_message("%s\n", log);
	assert_int_equal(serial, renewed);
	assert_non_null(strstr(log, "[BPKI EE renewal failed: the BPKI EE certificate cannot be "
	    "renewed past the BPKI TA's notAfter]"));
	F.now += 1;
	list_ee(a, &serial, &na, log, sizeof(log));
	assert_null(strstr(log, "BPKI EE"));         /* said once, not tried again */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_audit_foreach(F.store, 1, bpki_cb, &seen), 0);
	assert_int_equal(seen.renewed, 2);
	assert_int_equal(store_audit_verify(F.store, &rep), 0);
	assert_int_equal(rep.fault, AUDIT_OK);
}

/* UD-152, UD-154, UD-155: adding children; a new child_request replaces the TA. */
static void
test_child_ta(void **state)
{
	struct ef_child *a, *b;
	struct engine_response resp;
	unsigned char *cms;
	size_t len = 0;

	(void)state;
	a = ef_child_add(&F, "child-a");
	b = ef_child_add(&F, "child-b");
	table();
	/* UD-154: handle syntax; UD-152: a TA must be a CA certificate. */
	assert_int_equal(engine_add_child(F.e, "bad handle", a->ta, a->ta_len, F.now),
	    ENGINE_ERR_HANDLE);
	assert_int_equal(engine_add_child(F.e, "child-x", a->ee, a->ee_len, F.now),
	    ENGINE_ERR_TA);
	/* UD-155: a's new child_request carries b's TA: a's old EE no longer works ... */
	assert_int_equal(engine_add_child(F.e, "child-a", b->ta, b->ta_len, F.now), 0);
	cms = list_cms(a, a->handle, EF_HANDLE, F.now, &len);
	expect_400(cms, len, NULL, "old TA");
	free(cms);
	/* ... and messages under the new TA (b's EE, sender child-a) do. */
	cms = list_cms(b, a->handle, EF_HANDLE, F.now, &len);
	assert_int_equal(engine_handle(F.e, NULL, cms, len, F.now, &resp), 0);
	engine_log_flush(F.e);
	assert_int_equal(resp.http_status, 200);
	assert_string_equal(resp.child, "child-a");
	engine_response_free(&resp);
	free(cms);
	/* Back to its own TA. */
	assert_int_equal(engine_add_child(F.e, "child-a", a->ta, a->ta_len, F.now), 0);
	cms = list_cms(a, a->handle, EF_HANDLE, F.now, &len);
	assert_int_equal(engine_handle(F.e, NULL, cms, len, F.now, &resp), 0);
	engine_log_flush(F.e);
	assert_int_equal(resp.http_status, 200);
	engine_response_free(&resp);
	free(cms);
}

/*
 * Send a list request of child c (sender c->handle) signed at t, at engine
 * time now; want HTTP 200, or a 400 whose log names why (a cms_strerror).
 */
static void
list_at(const struct ef_child *c, time_t t, time_t now, const char *why)
{
	struct engine_response resp;
	unsigned char *cms;
	size_t len = 0;

	cms = list_cms(c, c->handle, EF_HANDLE, t, &len);
	assert_int_equal(engine_handle(F.e, NULL, cms, len, now, &resp), 0);
	engine_log_flush(F.e);
	if (why == NULL) {
		if (resp.http_status != 200)
			fail_msg("HTTP %d, want 200 (%s)", resp.http_status, resp.log);
	} else {
		if (resp.http_status != 400 || strstr(resp.log, why) == NULL)
			fail_msg("HTTP %d (%s), want 400 for '%s'", resp.http_status, resp.log, why);
	}
	engine_response_free(&resp);
	free(cms);
}

/*
 * UD-33, UD-34: the engine remembers a passed EE path + CRL per child (the
 * path half of cms_verify) but never the signature; a newer CRL that lists
 * the EE, a replaced TA and the end of the CRL's validity all end it.
 */
static void
test_auth_cache(void **state)
{
	struct ef_child *a, *b;
	struct engine_response resp;
	unsigned char *cms;
	size_t len = 0;
	time_t t = F.now;

	(void)state;
	a = ef_child_add(&F, "child-a");
	b = ef_child_add(&F, "child-b");
	table();
	list_at(a, t, F.now, NULL);                       /* path checked and remembered */
	list_at(a, t, F.now, NULL);                       /* ... and taken from memory */
	/* A bad signature under the remembered EE + CRL: still refused (3.1.2). */
	cms = list_cms(a, a->handle, EF_HANDLE, t, &len);
	cms[len - 1] ^= 0x01;
	assert_int_equal(engine_handle(F.e, NULL, cms, len, F.now, &resp), 0);
	engine_log_flush(F.e);
	assert_int_equal(resp.http_status, 400);
	assert_non_null(strstr(resp.log, cms_strerror(CMS_ERR_SIGNATURE)));
	engine_response_free(&resp);
	free(cms);
	/* b's EE claiming to be a, after a's path was remembered (UD-33). */
	cms = list_cms(b, a->handle, EF_HANDLE, t, &len);
	expect_400(cms, len, NULL, "b's EE as a");
	free(cms);
	list_at(b, t, F.now, NULL);
	/* The same EE, revoked on a newer CRL (UD-34) ... */
	ef_child_bpki(&F, a, true);
	list_at(a, t, F.now, cms_strerror(CMS_ERR_REVOKED));
	/* ... and a newer CRL that does not list it. */
	ef_child_bpki(&F, a, false);
	list_at(a, t, F.now, NULL);
	list_at(a, t, F.now, NULL);
	/* The child's TA replaced (UD-155): the remembered path no longer stands. */
	assert_int_equal(engine_add_child(F.e, "child-a", b->ta, b->ta_len, F.now), 0);
	list_at(a, t, F.now, cms_strerror(CMS_ERR_CHAIN));
	assert_int_equal(engine_add_child(F.e, "child-a", a->ta, a->ta_len, F.now), 0);
	list_at(a, t, F.now, NULL);
	list_at(a, t, F.now, NULL);
	/* The CRL's nextUpdate (F.now + 30 days) passes: refused though remembered. */
	t = F.now + 31 * EF_DAY;
	list_at(a, t, t, cms_strerror(CMS_ERR_CRL_STALE));
	/* One second before it, still accepted. */
	list_at(a, F.now + 30 * EF_DAY - 1, F.now + 30 * EF_DAY - 1, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_400_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_backpressure_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signing_time_outside_ee, setup, teardown),
		cmocka_unit_test_setup_teardown(test_1101_two_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_2001_signer_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_2001_publication_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_ta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bpki_crl_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bpki_ee_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_cache, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	ef_pool_free();
	return rc;
}
