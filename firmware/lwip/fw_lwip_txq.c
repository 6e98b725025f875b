/*
 * Deferred transmission for the boards' netif drivers: see fw_lwip.h.
 *
 * Each queue is a ring of fixed-size frame slots. Producers (linkoutput,
 * core lock held) copy a frame into the slot after the last and count it;
 * one drainer at a time (q->draining) writes slots from the head, in
 * order, without q->mu held during the write. fw_lwip_unlock_core() calls
 * fw_lwip_txq_after_unlock(), which drains every registered queue when any
 * frame is pending (one atomic load otherwise).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/stats.h"

#include "fw_lwip.h"
#include "fw_lwip_hooks.h"

struct fw_lwip_txq {
	fw_lwip_write_fn write;
	void *ctx;
	size_t frame_max;
	unsigned char *slots;        /* FW_LWIP_TXQ_FRAMES x frame_max */
	size_t len[FW_LWIP_TXQ_FRAMES];
	pthread_mutex_t mu;          /* over head, count, draining, users */
	pthread_cond_t moved;        /* a slot was written, or a drain or use ended */
	unsigned head, count;
	bool draining;
	unsigned users;              /* fw_lwip_txq_after_unlock() calls using the queue */
};

/* Registered queues; frames queued in all of them. */
#define TXQ_MAX 4
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct fw_lwip_txq *reg[TXQ_MAX];
static atomic_uint pending;
/* Frames the driver failed to write (lwIP's own counters need the core lock). */
static atomic_uint write_failed;

/*
 * Write out q's frames, oldest first, until none is left. Returns at once
 * if another thread is draining q (it takes the frames queued meanwhile).
 */
static void
drain(struct fw_lwip_txq *q)
{
	pthread_mutex_lock(&q->mu);
	if (q->draining) {
		pthread_mutex_unlock(&q->mu);
		return;
	}
	q->draining = true;
	while (q->count > 0) {
		unsigned h = q->head;

		/* Slot h is the drainer's until head moves past it. */
		pthread_mutex_unlock(&q->mu);
		if (q->write(q->ctx, q->slots + (size_t)h * q->frame_max, q->len[h]) != 0)
			atomic_fetch_add(&write_failed, 1);
		pthread_mutex_lock(&q->mu);
		q->head = (q->head + 1) % FW_LWIP_TXQ_FRAMES;
		q->count--;
		atomic_fetch_sub(&pending, 1);
		pthread_cond_broadcast(&q->moved);
	}
	q->draining = false;
	pthread_cond_broadcast(&q->moved);
	pthread_mutex_unlock(&q->mu);
}

/* See fw_lwip.h. */
int
fw_lwip_txq_new(size_t frame_max, fw_lwip_write_fn write, void *ctx, struct fw_lwip_txq **out)
{
	struct fw_lwip_txq *q;
	int i;

	if (out == NULL)
		return FW_LWIP_ERR_ARG;
	*out = NULL;
	if (write == NULL || frame_max == 0 || frame_max > 0xffff)
		return FW_LWIP_ERR_ARG;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return FW_LWIP_ERR_NOMEM;
	if ((q->slots = malloc(frame_max * FW_LWIP_TXQ_FRAMES)) == NULL) {
		free(q);
		return FW_LWIP_ERR_NOMEM;
	}
	q->write = write;
	q->ctx = ctx;
	q->frame_max = frame_max;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->moved, NULL);
	pthread_mutex_lock(&reg_mu);
	for (i = 0; i < TXQ_MAX && reg[i] != NULL; i++)
		;
	if (i < TXQ_MAX)
		reg[i] = q;
	pthread_mutex_unlock(&reg_mu);
	if (i == TXQ_MAX) {
		pthread_cond_destroy(&q->moved);
		pthread_mutex_destroy(&q->mu);
		free(q->slots);
		free(q);
		return FW_LWIP_ERR_STATE;
	}
	*out = q;
	return 0;
}

/* See fw_lwip.h. */
err_t
fw_lwip_txq_output(struct fw_lwip_txq *q, struct pbuf *p)
{
	unsigned slot;

	if (p->tot_len > q->frame_max) {
		LINK_STATS_INC(link.drop);
		return ERR_BUF;
	}
	pthread_mutex_lock(&q->mu);
	while (q->count == FW_LWIP_TXQ_FRAMES) {
		/* Full: write the queue out here (under the core lock, as without a queue). */
		if (!q->draining) {
			pthread_mutex_unlock(&q->mu);
			drain(q);
			pthread_mutex_lock(&q->mu);
		} else {
			pthread_cond_wait(&q->moved, &q->mu);
		}
	}
	slot = (q->head + q->count) % FW_LWIP_TXQ_FRAMES;
	if (pbuf_copy_partial(p, q->slots + (size_t)slot * q->frame_max, p->tot_len, 0) !=
	    p->tot_len) {
		pthread_mutex_unlock(&q->mu);
		LINK_STATS_INC(link.drop);
		return ERR_BUF;
	}
	q->len[slot] = p->tot_len;
	q->count++;
	atomic_fetch_add(&pending, 1);
	pthread_mutex_unlock(&q->mu);
	LINK_STATS_INC(link.xmit);
	return ERR_OK;
}

/* See fw_lwip_hooks.h. */
void
fw_lwip_txq_after_unlock(void)
{
	struct fw_lwip_txq *use[TXQ_MAX];
	int i, n = 0;

	if (atomic_load(&pending) == 0)
		return;
	pthread_mutex_lock(&reg_mu);
	for (i = 0; i < TXQ_MAX; i++)
		if (reg[i] != NULL) {
			pthread_mutex_lock(&reg[i]->mu);
			reg[i]->users++;
			pthread_mutex_unlock(&reg[i]->mu);
			use[n++] = reg[i];
		}
	pthread_mutex_unlock(&reg_mu);
	for (i = 0; i < n; i++) {
		drain(use[i]);
		pthread_mutex_lock(&use[i]->mu);
		use[i]->users--;
		pthread_cond_broadcast(&use[i]->moved);
		pthread_mutex_unlock(&use[i]->mu);
	}
}

/* See fw_lwip_hooks.h. */
unsigned
fw_lwip_txq_write_failed(void)
{
	return atomic_load(&write_failed);
}

/* See fw_lwip.h. */
void
fw_lwip_txq_free(struct fw_lwip_txq *q)
{
	int i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&reg_mu);
	for (i = 0; i < TXQ_MAX; i++)
		if (reg[i] == q)
			reg[i] = NULL;
	pthread_mutex_unlock(&reg_mu);
	drain(q);
	pthread_mutex_lock(&q->mu);
	while (q->users > 0 || q->draining)
		pthread_cond_wait(&q->moved, &q->mu);
	/* Frames queued after the last drain (none once the netif is down) are dropped. */
	atomic_fetch_sub(&pending, q->count);
	pthread_mutex_unlock(&q->mu);
	pthread_cond_destroy(&q->moved);
	pthread_mutex_destroy(&q->mu);
	free(q->slots);
	free(q);
}
