/*
 * Deferred transmission (firmware/lwip/fw_lwip_txq.c), in-process: frames
 * a netif sends under the core lock leave only once it is released, in
 * order and byte for byte; a full queue is written out at once (nothing
 * lost, order kept); frames from many threads keep each thread's order and
 * all arrive, also while a slow write makes threads meet the drainer; a
 * failed write counts as a link drop; nothing is written after free.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lwip/pbuf.h"
#include "lwip/tcpip.h"

#include "fw_lwip.h"

#define FRAME 64
#define MAXREC 20000

/* What the "device" received: frames in arrival order. */
static pthread_mutex_t rec_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char rec[MAXREC][FRAME];
static size_t rec_len[MAXREC];
static size_t nrec;
static int fail_tag = -1;      /* write fails for frames whose byte 0 is this */
static int slow;               /* microseconds per write */

static int
dev_write(void *ctx, const unsigned char *frame, size_t len)
{
	(void)ctx;
	if (slow > 0)
		usleep((useconds_t)slow);
	if (fail_tag >= 0 && frame[0] == (unsigned char)fail_tag)
		return -1;
	pthread_mutex_lock(&rec_mu);
	assert_true(nrec < MAXREC && len <= FRAME);
	memcpy(rec[nrec], frame, len);
	rec_len[nrec++] = len;
	pthread_mutex_unlock(&rec_mu);
	return 0;
}

static size_t
recorded(void)
{
	size_t n;

	pthread_mutex_lock(&rec_mu);
	n = nrec;
	pthread_mutex_unlock(&rec_mu);
	return n;
}

static void
reset(void)
{
	pthread_mutex_lock(&rec_mu);
	nrec = 0;
	pthread_mutex_unlock(&rec_mu);
	fail_tag = -1;
	slow = 0;
}

/* A frame of len bytes: tag, a 32-bit sequence number, then a pattern. */
static struct pbuf *
frame(unsigned char tag, uint32_t seq, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
	unsigned char b[FRAME + 16];
	size_t i;

	assert_non_null(p);
	b[0] = tag;
	b[1] = (unsigned char)(seq >> 24);
	b[2] = (unsigned char)(seq >> 16);
	b[3] = (unsigned char)(seq >> 8);
	b[4] = (unsigned char)seq;
	for (i = 5; i < len; i++)
		b[i] = (unsigned char)(seq * 31 + i);
	assert_int_equal(pbuf_take(p, b, (u16_t)len), ERR_OK);
	return p;
}

static uint32_t
seq_of(size_t i)
{
	return (uint32_t)rec[i][1] << 24 | (uint32_t)rec[i][2] << 16 |
	    (uint32_t)rec[i][3] << 8 | rec[i][4];
}

static err_t
send_one(struct fw_lwip_txq *q, unsigned char tag, uint32_t seq, size_t len)
{
	struct pbuf *p = frame(tag, seq, len);
	err_t err = fw_lwip_txq_output(q, p);

	pbuf_free(p);
	return err;
}

static void
entropy_fill(unsigned char *buf, size_t len)
{
	while (len-- > 0)
		*buf++ = (unsigned char)rand();
}

static int
fill(void *state, unsigned char *buf, size_t len)
{
	(void)state;
	entropy_fill(buf, len);
	return 0;
}

static const struct hal_entropy_ops ent_ops = { .fill = fill };
static const struct hal_entropy ent = { &ent_ops, NULL };

static int
setup(void **state)
{
	(void)state;
	return fw_lwip_start(&ent, NULL);
}

/* Frames queued under the lock leave at the unlock, in order, intact. */
static void
test_deferred(void **state)
{
	struct fw_lwip_txq *q = NULL;
	uint32_t i;

	(void)state;
	reset();
	assert_int_equal(fw_lwip_txq_new(FRAME, dev_write, NULL, &q), 0);
	LOCK_TCPIP_CORE();
	for (i = 0; i < 3; i++)
		assert_int_equal(send_one(q, 1, i, 20 + i), ERR_OK);
	assert_int_equal(recorded(), 0);          /* nothing written while the lock is held */
	UNLOCK_TCPIP_CORE();
	assert_int_equal(recorded(), 3);
	for (i = 0; i < 3; i++) {
		unsigned char want[FRAME];
		struct pbuf *p;

		LOCK_TCPIP_CORE();
		p = frame(1, i, 20 + i);
		assert_int_equal(pbuf_copy_partial(p, want, p->tot_len, 0), p->tot_len);
		pbuf_free(p);
		UNLOCK_TCPIP_CORE();
		assert_int_equal(rec_len[i], 20 + i);
		assert_memory_equal(rec[i], want, rec_len[i]);
	}
	/* Too large for the queue's frames: refused, nothing queued. */
	LOCK_TCPIP_CORE();
	{
		struct pbuf *p = pbuf_alloc(PBUF_RAW, FRAME + 1, PBUF_RAM);

		assert_non_null(p);
		assert_int_equal(fw_lwip_txq_output(q, p), ERR_BUF);
		pbuf_free(p);
	}
	UNLOCK_TCPIP_CORE();
	assert_int_equal(recorded(), 3);
	fw_lwip_txq_free(q);
	fw_lwip_txq_free(NULL);
}

/* More than the queue holds under one lock: written out when full, none lost. */
static void
test_full(void **state)
{
	struct fw_lwip_txq *q = NULL;
	uint32_t i, n = FW_LWIP_TXQ_FRAMES + 5;

	(void)state;
	reset();
	assert_int_equal(fw_lwip_txq_new(FRAME, dev_write, NULL, &q), 0);
	LOCK_TCPIP_CORE();
	for (i = 0; i < n; i++)
		assert_int_equal(send_one(q, 2, i, FRAME), ERR_OK);
	assert_int_equal(recorded(), FW_LWIP_TXQ_FRAMES);
	UNLOCK_TCPIP_CORE();
	assert_int_equal(recorded(), n);
	for (i = 0; i < n; i++)
		assert_int_equal(seq_of(i), i);
	fw_lwip_txq_free(q);
}

/* Many threads: each one's frames in its order, all of them, with a slow device too. */
struct prod {
	struct fw_lwip_txq *q;
	unsigned char tag;
	uint32_t n;
};

static void *
prod_main(void *arg)
{
	struct prod *p = arg;
	uint32_t i;

	for (i = 0; i < p->n; i++) {
		LOCK_TCPIP_CORE();
		assert_int_equal(send_one(p->q, p->tag, i, 32), ERR_OK);
		if (i % 7 == 0 && i + 1 < p->n)
			assert_int_equal(send_one(p->q, p->tag, ++i, 32), ERR_OK);
		UNLOCK_TCPIP_CORE();
	}
	return NULL;
}

static void
run_threads(int slow_us, uint32_t per)
{
	struct fw_lwip_txq *q = NULL;
	struct prod p[4];
	pthread_t t[4];
	uint32_t next[4] = { 0 };
	size_t i;
	int k;

	reset();
	slow = slow_us;
	assert_int_equal(fw_lwip_txq_new(FRAME, dev_write, NULL, &q), 0);
	for (k = 0; k < 4; k++) {
		p[k] = (struct prod){ q, (unsigned char)(10 + k), per };
		assert_int_equal(pthread_create(&t[k], NULL, prod_main, &p[k]), 0);
	}
	for (k = 0; k < 4; k++)
		assert_int_equal(pthread_join(t[k], NULL), 0);
	/* Every producer released the lock after its last frame: all are out. */
	assert_int_equal(recorded(), 4 * (size_t)per);
	for (i = 0; i < nrec; i++) {
		k = rec[i][0] - 10;
		assert_true(k >= 0 && k < 4);
		assert_int_equal(seq_of(i), next[k]);
		next[k]++;
	}
	fw_lwip_txq_free(q);
}

static void
test_threads(void **state)
{
	(void)state;
	run_threads(0, 3000);
	run_threads(50, 300);
}

/* A frame the device refuses is a link drop; the next ones still leave. */
static void
test_write_failure(void **state)
{
	struct fw_lwip_txq *q = NULL;
	struct fw_lwip_stats before, after;

	(void)state;
	reset();
	assert_int_equal(fw_lwip_txq_new(FRAME, dev_write, NULL, &q), 0);
	fw_lwip_get_stats(&before);
	fail_tag = 9;
	LOCK_TCPIP_CORE();
	assert_int_equal(send_one(q, 9, 0, 30), ERR_OK);
	assert_int_equal(send_one(q, 3, 1, 30), ERR_OK);
	UNLOCK_TCPIP_CORE();
	fw_lwip_get_stats(&after);
	assert_int_equal(after.link_drop, before.link_drop + 1);
	assert_int_equal(after.link_tx, before.link_tx + 2);
	assert_int_equal(recorded(), 1);
	assert_int_equal(rec[0][0], 3);
	fw_lwip_txq_free(q);
}

/* After free nothing is written; arguments are checked. */
static void
test_free_and_args(void **state)
{
	struct fw_lwip_txq *q = NULL;

	(void)state;
	reset();
	assert_int_equal(fw_lwip_txq_new(FRAME, NULL, NULL, &q), FW_LWIP_ERR_ARG);
	assert_int_equal(fw_lwip_txq_new(0, dev_write, NULL, &q), FW_LWIP_ERR_ARG);
	assert_int_equal(fw_lwip_txq_new(FRAME, dev_write, NULL, NULL), FW_LWIP_ERR_ARG);
	assert_null(q);
	assert_int_equal(fw_lwip_txq_new(FRAME, dev_write, NULL, &q), 0);
	LOCK_TCPIP_CORE();
	assert_int_equal(send_one(q, 4, 0, 30), ERR_OK);
	/* Freed with a frame queued (the lock still held): free writes it out. */
	fw_lwip_txq_free(q);
	assert_int_equal(recorded(), 1);
	UNLOCK_TCPIP_CORE();
	assert_int_equal(recorded(), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_write_failure),
		cmocka_unit_test(test_free_and_args),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
