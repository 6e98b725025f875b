/*
 * Scale (issue 4 acceptance): the state of 10,000 children with one class
 * loads in well under a second (store_open with its integrity check and
 * full audit walk, plus engine_open with its republication), a table
 * entitling all of them applies, and requests from the first and the last
 * child are served with indexed lookups (store_explain: no table scan).
 * bench/bench_engine.c gives the rates.
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

#include "fixture.h"
#include "proto/alloc.h"

#define N 10000

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_ten_thousand(void **state)
{
	struct ef f;
	struct ef_child *c0, last;
	struct alloc_table t;
	struct alloc_error err;
	struct engine_report rep;
	struct ud_msg m;
	char handle[32], na[UD_TIME_SIZE], *text, *plan = NULL;
	size_t cap = (size_t)N * 100 + 256, len = 0, i;
	double t0, load;
	enum store_query q;

	(void)state;
	ef_init(&f, NULL, "scale", time(NULL), "100000-199999", "10.0.0.0/8", "");
	ef_open(&f, NULL);
	c0 = ef_child_add(&f, "c00000");
	/* The other children share c00000's BPKI TA; one transaction. */
	assert_int_equal(store_begin(f.store), 0);
	for (i = 1; i < N; i++) {
		snprintf(handle, sizeof(handle), "c%05zu", i);
		assert_int_equal(store_child_put(f.store, handle, c0->ta, c0->ta_len, f.now), 0);
	}
	assert_int_equal(store_commit(f.store), 0);
	assert_int_equal(ud_time_format(f.now + 100 * EF_DAY, na), 0);
	assert_non_null(text = malloc(cap));
	len = (size_t)snprintf(text, cap, "version 1\nclass " EF_CLASS "\n");
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len, "child c%05zu\n", i);
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len, "grant c%05zu " EF_CLASS
		    " as=%zu ipv4=10.%zu.%zu.0/24 notafter=%s\n", i, 100000 + i, i >> 8, i & 255, na);
	assert_int_equal(alloc_parse(text, len, "scale", &t, &err), 0);
	t0 = mono();
	assert_int_equal(engine_apply_table(f.e, &t, NULL, false, f.now, &rep), 0);
	fprintf(stderr, "table of %d children applied in %.3f s\n", N, mono() - t0);
	alloc_table_free(&t);
	free(text);

	/* Restart: store checks + engine open. */
	ef_close_engine(&f);
	ef_store_close(&f);
	t0 = mono();
	ef_store_open(&f);
	ef_open(&f, NULL);
	load = mono() - t0;
	fprintf(stderr, "%d children loaded in %.3f s (store_open full checks + engine_open)\n",
	    N, load);
#ifndef __SANITIZE_ADDRESS__
	assert_true(load < 1.0);
#endif
	/* The first and the last child are served. */
	ef_list(&f, c0, &m);
	assert_int_equal(m.nclasses, 1);
	ud_msg_free(&m);
	last = *c0;
	snprintf(last.handle, sizeof(last.handle), "c%05d", N - 1);
	ef_list(&f, &last, &m);
	assert_int_equal(m.nclasses, 1);
	ud_msg_free(&m);
	assert_int_equal(ef_issue(&f, &last, EF_CLASS, ef_key(32), NULL, NULL, NULL, &m), 0);
	ud_msg_free(&m);
	/* Every per-request query goes through an index. */
	for (q = STORE_Q_CHILD; q <= STORE_Q_CERTS_BY_KEY_ANY; q++) {
		const char *line;

		assert_int_equal(store_explain(f.store, q, &plan), 0);
		assert_non_null(strstr(plan, "USING"));
		for (line = plan; line != NULL && *line;
		    line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
			if (strncmp(line, "SCAN", 4) == 0)
				fail_msg("query %d scans a table at %d children:\n%s", (int)q, N, plan);
		free(plan);
	}
	ef_fini(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ten_thousand),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	ef_pool_free();
	return rc;
}
