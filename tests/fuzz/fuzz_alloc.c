/*
 * Fuzz the allocation table codec (docs/allocation-table.md). Parse; on
 * success print, parse the canonical text again, compare the tables and
 * check that print is a fixed point; validate the table and diff it with
 * its copy (no change). On failure check the error is a typed ALLOC_ERR_*
 * with a message and the table is empty. alloc_parse_all must agree with
 * alloc_parse. The same bytes are also fed to the RIR statistics import.
 * abort() on any mismatch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/alloc.h"

static const char fuzz_map[] = "A91A7381 isp-a\nA92E1062 isp-b\nX1 a\nX2 b\n";

static bool
typed(int rc)
{
	return rc <= ALLOC_ERR_ARG && rc >= ALLOC_ERR_TA;
}

static void
check_empty(const struct alloc_table *t)
{
	if (t->nclasses != 0 || t->nchildren != 0 || t->classes != NULL ||
	    t->children != NULL || t->source != NULL)
		abort();
}

static void
roundtrip(const struct alloc_table *t)
{
	struct alloc_table t2;
	struct alloc_error err;
	struct alloc_errs errs;
	struct alloc_diff d;
	char *p1 = NULL, *p2 = NULL;
	size_t l1, l2;
	int rc;

	if (alloc_print(t, &p1, &l1) != 0)
		abort();
	if (alloc_parse(p1, l1, "canonical", &t2, &err) != 0)
		abort();
	if (!alloc_table_equal(t, &t2))
		abort();
	if (alloc_print(&t2, &p2, &l2) != 0 || l1 != l2 || memcmp(p1, p2, l1) != 0)
		abort();
	alloc_errs_init(&errs);
	rc = alloc_validate(t, NULL, 0, 1700000000, &errs);
	if (rc != 0 && rc != ALLOC_ERR_INVALID)
		abort();
	if ((rc == 0) != (errs.nerrors == 0))
		abort();
	alloc_errs_free(&errs);
	if (alloc_diff(t, &t2, &d) != 0 || d.nchanges != 0 || d.nchildren_added != 0 ||
	    d.nchildren_removed != 0 || d.nclasses_added != 0 || d.nclasses_removed != 0)
		abort();
	alloc_diff_free(&d);
	free(p1);
	free(p2);
	alloc_table_free(&t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct alloc_table t;
	struct alloc_error err;
	struct alloc_errs errs;
	struct alloc_rir_opts o;
	struct alloc_rir_stats st;
	int rc, rc2;

	rc = alloc_parse(text, size, "fuzz", &t, &err);
	if (rc == 0) {
		if (err.code != 0)
			abort();
		roundtrip(&t);
	} else {
		if (!typed(rc) || err.code != rc || err.msg[0] == '\0')
			abort();
		check_empty(&t);
	}
	alloc_table_free(&t);

	/* collecting every error: same outcome, first error first */
	alloc_errs_init(&errs);
	rc2 = alloc_parse_all(text, size, "fuzz", &t, &errs);
	if (rc2 != rc || (rc != 0 && (errs.count == 0 || errs.msgs[0].code != rc ||
	    strcmp(errs.msgs[0].text, err.msg) != 0)) || (rc == 0 && errs.count != 0))
		abort();
	alloc_errs_free(&errs);
	alloc_table_free(&t);

	/* the RIR statistics import */
	memset(&o, 0, sizeof(o));
	o.class_name = "DEFAULT";
	o.notafter = 1767225600;
	o.version = 1;
	o.source = "stats";
	rc = alloc_import_rir(text, size, fuzz_map, sizeof(fuzz_map) - 1, &o, &t, &st, &err);
	if (rc == 0) {
		if (st.imported + st.skipped + st.unmapped != st.records)
			abort();
		roundtrip(&t);
	} else if (!typed(rc) || err.code != rc) {
		abort();
	} else {
		check_empty(&t);
	}
	alloc_table_free(&t);
	return 0;
}
