/*
 * updownctl state reset-replay (UD-36): an operator forgets a child's
 * stored signing-time in a real state store; the next message is accepted
 * whatever its time, the reset is in the audit chain, and the refusals
 * (unknown child, missing store, usage) change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "firmware/store.h"
#include "tt_util.h"

static int
rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 13 + 1);
	return 0;
}

static const unsigned char fake_ta[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

/* A store holding child "isp-a" whose last accepted signing-time is t. */
static const char *
make_store(time_t t)
{
	const char *dir = tt_path("state");
	struct store_open_args args = { rng, NULL, t };
	struct store *st = NULL;
	char *err = NULL, cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	if (store_open(dir, STORE_CREATE, &args, &st, &err) != 0)
		fail_msg("store_open: %s", err ? err : "?");
	assert_int_equal(store_begin(st), 0);
	if (store_child_put(st, "isp-a", fake_ta, sizeof(fake_ta), t) != 0)
		fail_msg("store_child_put: %s", store_errmsg(st));
	assert_int_equal(store_child_replay_update(st, "isp-a", t), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	return dir;
}

static void
child_state(const char *dir, bool *has, time_t *t, uint64_t *audit_seq)
{
	struct store *st = NULL;
	struct store_child c;
	struct store_info info;
	char *err = NULL;

	if (store_open(dir, 0, NULL, &st, &err) != 0)
		fail_msg("store_open: %s", err ? err : "?");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_child_get(st, "isp-a", &c), 0);
	*has = c.has_signing_time;
	*t = c.last_signing_time;
	assert_int_equal(store_info(st, &info), 0);
	*audit_seq = info.audit_seq;
	store_child_free(&c);
	store_close(st);
}

static void
test_reset(void **state)
{
	time_t future = time(NULL) + 10 * 365 * 86400; /* a child's broken clock */
	const char *dir;
	struct tt_out o;
	bool has;
	time_t t;
	uint64_t seq0, seq1;
	char *snap;

	(void)state;
	dir = make_store(future);
	child_state(dir, &has, &t, &seq0);
	assert_true(has);
	assert_int_equal(t, future);

	/* Refusals first: each leaves the store as it was. */
	snap = tt_snapshot(dir);
	tt_ctl(&o, "state", "reset-replay", "--state", dir, "no-such-child", NULL);
	tt_expect(&o, 1);
	tt_has(o.err, "no-such-child");
	tt_out_free(&o);
	tt_ctl(&o, "state", "reset-replay", "--state", tt_path("missing"), "isp-a", NULL);
	tt_expect(&o, 3);
	tt_out_free(&o);
	tt_ctl(&o, "state", "reset-replay", "isp-a", NULL);
	tt_expect(&o, 2);
	tt_out_free(&o);
	{
		char *snap2 = tt_snapshot(dir);
		assert_string_equal(snap, snap2);
		free(snap2);
	}
	free(snap);

	tt_ctl(&o, "state", "reset-replay", "--state", dir, "--why", "ticket 4711", "isp-a", NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "forgotten");
	tt_out_free(&o);
	child_state(dir, &has, &t, &seq1);
	assert_false(has);
	assert_true(seq1 > seq0); /* the reset is an audit record */

	/* The audit chain still verifies, and names the reset. */
	tt_ctl(&o, "inspect", dir, NULL);
	tt_expect(&o, 0);
	tt_has(o.out, "replay-reset");
	tt_out_free(&o);

	/* An earlier message is accepted again (the store no longer refuses it). */
	{
		struct store *st = NULL;
		char *err = NULL;

		assert_int_equal(store_open(dir, 0, NULL, &st, &err), 0);
		assert_int_equal(store_begin(st), 0);
		assert_int_equal(store_child_replay_update(st, "isp-a", time(NULL)), 0);
		assert_int_equal(store_commit(st), 0);
		store_close(st);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
