/*
 * board/posix without the network (no root needed): its options (address
 * parsing with hostile inputs), and the HAL backends: clock, entropy,
 * storage root, HSM settings and the PIN file, the log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board/posix.h"

static void
test_parse_ipv4(void **state)
{
	static const struct { const char *s; int ok; unsigned char a[4]; int prefix; } cases[] = {
		{ "10.77.0.2", 1, { 10, 77, 0, 2 }, 32 },
		{ "10.77.0.2/24", 1, { 10, 77, 0, 2 }, 24 },
		{ "0.0.0.0/0", 1, { 0, 0, 0, 0 }, 0 },
		{ "255.255.255.255/32", 1, { 255, 255, 255, 255 }, 32 },
		{ "10.77.0.2/33", 0, { 0 }, 0 },
		{ "10.77.0.2/", 0, { 0 }, 0 },
		{ "10.77.0.2/-1", 0, { 0 }, 0 },
		{ "10.77.0", 0, { 0 }, 0 },
		{ "10.77.0.2.1", 0, { 0 }, 0 },
		{ "10.77.0.256", 0, { 0 }, 0 },
		{ "010.77.0.2", 0, { 0 }, 0 },
		{ "10.77..2", 0, { 0 }, 0 },
		{ " 10.77.0.2", 0, { 0 }, 0 },
		{ "10.77.0.2 ", 0, { 0 }, 0 },
		{ "+1.2.3.4", 0, { 0 }, 0 },
		{ "1.2.3.4/2x", 0, { 0 }, 0 },
		{ "", 0, { 0 }, 0 },
		{ "1111.2.3.4", 0, { 0 }, 0 },
		{ "1.2.3.4/24/24", 0, { 0 }, 0 },
		{ "1.2.3.4444444444444444444444444444444", 0, { 0 }, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char a[4];
		int prefix = -1;
		int rc = board_posix_parse_ipv4(cases[i].s, a, &prefix);

		if ((rc == 0) != cases[i].ok)
			fail_msg("\"%s\": rc %d", cases[i].s, rc);
		if (rc == 0) {
			assert_memory_equal(a, cases[i].a, 4);
			assert_int_equal(prefix, cases[i].prefix);
		}
	}
	/* Without a prefix pointer a "/n" is refused. */
	unsigned char a[4];
	assert_int_not_equal(board_posix_parse_ipv4("1.2.3.4/8", a, NULL), 0);
	assert_int_not_equal(board_posix_parse_ipv4(NULL, a, NULL), 0);
}

static int
parse(struct board_posix_config *cfg, const char *opt, const char *val)
{
	char *argv[] = { (char *)"prog", (char *)opt, (char *)val, NULL };
	int argc = val != NULL ? 3 : 2, i = 1;
	int rc = board_posix_parse_arg(cfg, argc, argv, &i);

	if (rc == 1)
		assert_int_equal(i, 3);
	else
		assert_int_equal(i, 1);
	return rc;
}

static void
test_parse_args(void **state)
{
	struct board_posix_config cfg;
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };

	(void)state;
	board_posix_config_init(&cfg);
	assert_string_equal(cfg.tap, "tap0");
	assert_int_equal(cfg.log_level, HAL_LOG_INFO);
	assert_int_equal(parse(&cfg, "--tap", "tapx"), 1);
	assert_string_equal(cfg.tap, "tapx");
	assert_int_equal(parse(&cfg, "--addr", "10.77.0.2/24"), 1);
	assert_memory_equal(cfg.net.addr, ((uint8_t[]){ 10, 77, 0, 2 }), 4);
	assert_memory_equal(cfg.net.netmask, ((uint8_t[]){ 255, 255, 255, 0 }), 4);
	assert_int_equal(parse(&cfg, "--addr", "10.0.0.1/31"), 1);
	assert_memory_equal(cfg.net.netmask, ((uint8_t[]){ 255, 255, 255, 254 }), 4);
	assert_int_equal(parse(&cfg, "--addr", "10.0.0.1/0"), HAL_ERR_ARG);
	assert_int_equal(parse(&cfg, "--gw", "10.77.0.1"), 1);
	assert_memory_equal(cfg.net.gw, ((uint8_t[]){ 10, 77, 0, 1 }), 4);
	assert_int_equal(parse(&cfg, "--gw", "10.77.0.1/24"), HAL_ERR_ARG);
	assert_int_equal(parse(&cfg, "--mac", "02:00:5e:10:20:30"), 1);
	assert_memory_equal(cfg.net.mac, mac, 6);
	assert_int_equal(parse(&cfg, "--mac", "03:00:5e:10:20:30"), HAL_ERR_ARG); /* multicast */
	assert_int_equal(parse(&cfg, "--mac", "02:00:5e:10:20"), HAL_ERR_ARG);
	assert_int_equal(parse(&cfg, "--mac", "02:00:5e:10:20:30:40"), HAL_ERR_ARG);
	assert_int_equal(parse(&cfg, "--mac", "02:00:5e:10:20:3g"), HAL_ERR_ARG);
	assert_int_equal(parse(&cfg, "--mtu", "1400"), 1);
	assert_int_equal(cfg.net.mtu, 1400);
	assert_int_equal(parse(&cfg, "--mtu", "1501"), HAL_ERR_ARG);
	assert_int_equal(parse(&cfg, "--mtu", "575"), HAL_ERR_ARG);
	assert_int_equal(parse(&cfg, "--log-level", "debug"), 1);
	assert_int_equal(cfg.log_level, HAL_LOG_DEBUG);
	assert_int_equal(parse(&cfg, "--log-level", "loud"), HAL_ERR_ARG);
	assert_int_equal(parse(&cfg, "--storage", "/tmp"), 1);
	assert_int_equal(parse(&cfg, "--pkcs11-module", "/m.so"), 1);
	assert_int_equal(parse(&cfg, "--token", "pkcs11:token=t"), 1);
	assert_int_equal(parse(&cfg, "--pin-file", "/p"), 1);
	assert_string_equal(cfg.pin_file, "/p");
	/* Not a board option; an option without its value. */
	assert_int_equal(parse(&cfg, "--port", "80"), 0);
	assert_int_equal(parse(&cfg, "--tap", NULL), HAL_ERR_ARG);
	assert_non_null(strstr(board_posix_usage(), "--pin-file"));
}

static void
test_hal_backends(void **state)
{
	char dir[] = "/tmp/updown-board-XXXXXX", pin_path[256], pin[64];
	struct board_posix_config cfg;
	struct board_posix *b = NULL;
	const struct hal *hal;
	unsigned char r1[32], r2[32];
	struct timespec ts;
	time_t now = 0;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	board_posix_config_init(&cfg);
	/* Storage that is not a directory is refused. */
	cfg.storage_dir = "/nonexistent/updown";
	assert_int_equal(board_posix_open(&cfg, &b), HAL_ERR_ARG);
	cfg.tap = "a-name-longer-than-ifnamsiz";
	cfg.storage_dir = dir;
	assert_int_equal(board_posix_open(&cfg, &b), HAL_ERR_ARG);
	cfg.tap = "tap0";
	snprintf(pin_path, sizeof(pin_path), "%s/pin", dir);
	cfg.pin_file = pin_path;
	cfg.pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so";
	cfg.token_uri = "pkcs11:token=appliance";
	cfg.log_level = HAL_LOG_WARN;
	assert_int_equal(board_posix_open(&cfg, &b), 0);
	hal = board_posix_hal(b);

	/* The board copied the strings. */
	assert_string_equal(hal->storage.ops->root(hal->storage.state), dir);
	assert_ptr_not_equal(hal->storage.ops->root(hal->storage.state), dir);
	assert_string_equal(hal->hsm.ops->module(hal->hsm.state), "/usr/lib/softhsm/libsofthsm2.so");
	assert_string_equal(hal->hsm.ops->token(hal->hsm.state), "pkcs11:token=appliance");

	assert_int_equal(hal_clock_now(&hal->clock, &now), 0);
	assert_true(labs((long)(now - time(NULL))) <= 1);
	assert_int_equal(hal->clock.ops->monotonic(hal->clock.state, &ts), 0);

	assert_int_equal(hal_entropy_rng((void *)&hal->entropy, r1, sizeof(r1)), 0);
	assert_int_equal(hal_entropy_rng((void *)&hal->entropy, r2, sizeof(r2)), 0);
	assert_memory_not_equal(r1, r2, sizeof(r1));
	assert_int_equal(hal_entropy_rng((void *)&hal->entropy, r1, 0), 0);

	/* PIN file: missing, then with a trailing newline, then too long. */
	assert_int_equal(hal->hsm.ops->pin(hal->hsm.state, pin, sizeof(pin), &len), HAL_ERR_IO);
	assert_non_null(f = fopen(pin_path, "w"));
	fputs("1234\r\n", f);
	fclose(f);
	chmod(pin_path, 0600);
	assert_int_equal(hal->hsm.ops->pin(hal->hsm.state, pin, sizeof(pin), &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(pin, "1234", 4);
	assert_int_equal(hal->hsm.ops->pin(hal->hsm.state, pin, 3, &len), HAL_ERR_TOOBIG);
	assert_non_null(f = fopen(pin_path, "w"));
	for (int i = 0; i < 300; i++)
		fputc('9', f);
	fclose(f);
	assert_int_equal(hal->hsm.ops->pin(hal->hsm.state, pin, sizeof(pin), &len), HAL_ERR_TOOBIG);

	/* The log honours its level; hal_logf(NULL, ...) is a no-op. */
	assert_true(hal->log.ops->enabled(hal->log.state, HAL_LOG_ERR));
	assert_false(hal->log.ops->enabled(hal->log.state, HAL_LOG_INFO));
	hal_logf(&hal->log, HAL_LOG_WARN, "board test: %s", "a warning line on stderr");
	hal_logf(NULL, HAL_LOG_ERR, "nothing");

	/* The network is down until up(): addr() reports the configuration. */
	struct hal_net_addr na;
	assert_int_equal(hal->net.ops->addr(hal->net.state, &na), 0);
	hal->net.ops->down(hal->net.state);  /* down while down: fine */

	board_posix_close(b);
	board_posix_close(NULL);
	unlink(pin_path);
	rmdir(dir);
}

/* Without a PIN file configured: HAL_ERR_NOTFOUND; storage NULL. */
static void
test_hal_unconfigured(void **state)
{
	struct board_posix_config cfg;
	struct board_posix *b = NULL;
	const struct hal *hal;
	char pin[8];
	size_t len;

	(void)state;
	board_posix_config_init(&cfg);
	assert_int_equal(board_posix_open(&cfg, &b), 0);
	hal = board_posix_hal(b);
	assert_null(hal->storage.ops->root(hal->storage.state));
	assert_null(hal->hsm.ops->module(hal->hsm.state));
	assert_int_equal(hal->hsm.ops->pin(hal->hsm.state, pin, sizeof(pin), &len), HAL_ERR_NOTFOUND);
	board_posix_close(b);
	assert_int_equal(board_posix_open(NULL, &b), HAL_ERR_ARG);
	assert_null(board_posix_hal(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_args),
		cmocka_unit_test(test_hal_backends),
		cmocka_unit_test(test_hal_unconfigured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
