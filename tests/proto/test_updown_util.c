/*
 * Helpers shared by the proto/updown tests: read a test data file into an
 * exactly sized buffer, and a decode / encode / decode round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/updown.h"

char *tu_read(const char *rel, size_t *len);
void tu_roundtrip(const struct ud_msg *m, const char *what);

/*
 * Read $UPDOWN_TESTDATA/rel into a malloc'd buffer of exactly its size (no
 * NUL terminator, so ASan catches overreads). Fails the test if missing.
 */
char *
tu_read(const char *rel, size_t *len)
{
	const char *base = getenv("UPDOWN_TESTDATA");
	char path[1024];
	FILE *f;
	char *buf;
	long n = 0;

	if (base == NULL)
		fail_msg("UPDOWN_TESTDATA is not set");
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
		fail_msg("cannot size %s", path);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * m must encode; the encoding must decode to a message equal to m, and
 * encoding that again must give the same bytes (the output is canonical).
 */
void
tu_roundtrip(const struct ud_msg *m, const char *what)
{
	struct ud_msg m2, m3;
	struct ud_error err;
	char *x1 = NULL, *x2 = NULL, *buf;
	size_t l1 = 0, l2 = 0;
	int rc;

	if ((rc = ud_encode(m, &x1, &l1)) != 0)
		fail_msg("%s: encode: %s", what, ud_strerror(rc));
	assert_int_equal(strlen(x1), l1);
	/* Decode from an exactly sized copy. */
	buf = malloc(l1);
	assert_non_null(buf);
	memcpy(buf, x1, l1);
	if ((rc = ud_decode(buf, l1, &m2, &err)) != 0)
		fail_msg("%s: re-decode: %s (%s)\n%s", what, ud_strerror(rc), err.reason, x1);
	free(buf);
	if (!ud_msg_equal(m, &m2))
		fail_msg("%s: decode(encode(m)) differs from m\n%s", what, x1);
	assert_int_equal(ud_encode(&m2, &x2, &l2), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(x1, x2, l1);
	assert_int_equal(ud_decode(x2, l2, &m3, NULL), 0);
	assert_true(ud_msg_equal(&m2, &m3));
	ud_msg_free(&m2);
	ud_msg_free(&m3);
	free(x1);
	free(x2);
}
