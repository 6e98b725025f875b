/*
 * proto/der.h, the DER writing helpers every encoder shares: exact bytes
 * for INTEGERs at the sign-bit edges, the SHA-256 AlgorithmIdentifier, the
 * time forms at their year edges (RFC 5280 4.1.2.5 / RFC 5652 11.3:
 * UTCTime through 2049; GeneralizedTime), and a buffer too small for each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <mbedtls/asn1.h>

#include "proto/der.h"

/* call writes at the end of buf (through p); its bytes must be want (hex pairs). */
#define CHECK(call, want) do { \
	int r_; \
	p = buf + sizeof(buf); \
	r_ = (call); \
	check_bytes(#call, buf, sizeof(buf), r_, p, want); \
} while (0)

static void
check_bytes(const char *what, unsigned char *buf, size_t size, int ret, unsigned char *p,
            const char *want)
{
	unsigned char exp[64];
	size_t n = 0;

	while (*want != '\0') {
		unsigned hi, lo;

		if (want[0] == ' ') {
			want++;
			continue;
		}
		hi = (unsigned)(want[0] <= '9' ? want[0] - '0' : want[0] - 'a' + 10);
		lo = (unsigned)(want[1] <= '9' ? want[1] - '0' : want[1] - 'a' + 10);
		exp[n++] = (unsigned char)(hi << 4 | lo);
		want += 2;
	}
	if (ret != (int)n || p != buf + size - n || memcmp(p, exp, n) != 0)
		fail_msg("%s: returned %d, want %zu bytes", what, ret, n);
}

static void
test_u64(void **state)
{
	unsigned char buf[64], *p;

	(void)state;
	CHECK(der_write_u64(&p, buf, 0), "02 01 00");
	CHECK(der_write_u64(&p, buf, 127), "02 01 7f");
	CHECK(der_write_u64(&p, buf, 128), "02 02 00 80");
	CHECK(der_write_u64(&p, buf, 256), "02 02 01 00");
	CHECK(der_write_u64(&p, buf, UINT64_MAX), "02 09 00 ff ff ff ff ff ff ff ff");
	p = buf + 2;
	assert_int_equal(der_write_u64(&p, buf, 128), MBEDTLS_ERR_ASN1_BUF_TOO_SMALL);
}

static void
test_wrap_alg(void **state)
{
	unsigned char buf[64], *p;

	(void)state;
	p = buf + sizeof(buf);
	*--p = 0x05;                       /* one content byte, then its header */
	assert_int_equal(der_wrap(&p, buf, 1, 0x04), 2);
	assert_memory_equal(p, "\x04\x01\x05", 3);
	CHECK(der_write_sha256_alg(&p, buf), "30 0b 06 09 60 86 48 01 65 03 04 02 01");
	p = buf + 5;
	assert_int_equal(der_write_sha256_alg(&p, buf), MBEDTLS_ERR_ASN1_BUF_TOO_SMALL);
}

static void
test_time(void **state)
{
	unsigned char buf[64], *p;

	(void)state;
	/* 1950-01-01T00:00:00Z, 2049-12-31T23:59:59Z, 2050-01-01T00:00:00Z, 9999-12-31T23:59:59Z */
	CHECK(der_write_time(&p, buf, (time_t)-631152000, DER_TIME_UTC_UNTIL_2049),
	    "17 0d 35 30 30 31 30 31 30 30 30 30 30 30 5a");
	CHECK(der_write_time(&p, buf, (time_t)2524607999LL, DER_TIME_UTC_UNTIL_2049),
	    "17 0d 34 39 31 32 33 31 32 33 35 39 35 39 5a");
	CHECK(der_write_time(&p, buf, (time_t)2524608000LL, DER_TIME_UTC_UNTIL_2049),
	    "18 0f 32 30 35 30 30 31 30 31 30 30 30 30 30 30 5a");
	CHECK(der_write_time(&p, buf, (time_t)253402300799LL, DER_TIME_UTC_UNTIL_2049),
	    "18 0f 39 39 39 39 31 32 33 31 32 33 35 39 35 39 5a");
	CHECK(der_write_time(&p, buf, (time_t)0, DER_TIME_GENERALIZED),
	    "18 0f 31 39 37 30 30 31 30 31 30 30 30 30 30 30 5a");
	/* Outside the form. */
	p = buf + sizeof(buf);
	assert_int_equal(der_write_time(&p, buf, (time_t)-631152001, DER_TIME_UTC_UNTIL_2049),
	    MBEDTLS_ERR_ASN1_INVALID_DATA);
	assert_int_equal(der_write_time(&p, buf, (time_t)253402300800LL, DER_TIME_GENERALIZED),
	    MBEDTLS_ERR_ASN1_INVALID_DATA);
	assert_ptr_equal(p, buf + sizeof(buf));
	p = buf + 10;
	assert_int_equal(der_write_time(&p, buf, (time_t)0, DER_TIME_UTC_UNTIL_2049),
	    MBEDTLS_ERR_ASN1_BUF_TOO_SMALL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_wrap_alg),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
