/*
 * The exchange log's writer (UD-160). One thread commits queued exchanges
 * in batches (store_exchange_batch: one transaction for many rows), so a
 * request pays for copying its bytes rather than for a transaction of its
 * own. An exchange that also records the child's signing-time (UD-35) is
 * waited for: its reply leaves only once its batch is durable. The others
 * are not waited for: a crash may lose the rows of the last batch, never
 * state a reply depends on. The queue is bounded; a full queue makes the
 * submitter wait (back-pressure), it never drops a row.
 *
 * Without the thread (it could not be started, or the engine is closing)
 * every call writes synchronously, as before the writer existed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"

/* Queue bounds: entries and copied bytes (a lone larger entry still goes in). */
#define XLOG_MAX_ENTRIES 256
#define XLOG_MAX_BYTES   (4u << 20)
#define XLOG_BATCH       64
#define XLOG_GATHER_NS   (5 * 1000 * 1000)  /* longest wait for a batch to fill */

struct xlog_ent {
	struct store_exchange x;
	struct xlog_ent *next;
	uint64_t seq;
	bool wait;                  /* on the submitter's stack; it waits for done */
	bool done;
	size_t bytes;               /* copied bytes (!wait) */
	char child[STORE_MAX_HANDLE + 1], type[32], outcome[16];
	unsigned char data[];       /* request then response (!wait) */
};

/* Count a row not written (q->mu held); why is store_errmsg() taken under store_lock. */
static void
note_failure(struct eng_xlog *q, int rc, const char *why)
{
	q->failed++;
	snprintf(q->last_err, sizeof(q->last_err), "%s: %s", store_strerror(rc), why);
}

/* Write batch[0..n) under store_lock; entries' x.rc are set. */
static void
write_batch(struct engine *e, struct xlog_ent **batch, size_t n)
{
	struct store_exchange xs[XLOG_BATCH];
	struct eng_xlog *q = &e->xlog;
	size_t i;

	for (i = 0; i < n; i++)
		xs[i] = batch[i]->x;
	pthread_mutex_lock(&e->store_lock);
	store_exchange_batch(e->store, xs, n);
	pthread_mutex_lock(&q->mu);
	for (i = 0; i < n; i++) {
		batch[i]->x.rc = xs[i].rc;
		if (xs[i].rc != 0 && !batch[i]->wait)
			note_failure(q, xs[i].rc, store_errmsg(e->store));
	}
	pthread_mutex_unlock(&q->mu);
	pthread_mutex_unlock(&e->store_lock);
}

/*
 * With only rows nobody waits for, let a batch build up for a few
 * milliseconds (q->mu held): one transaction for many rows. A waiting
 * submitter, a full batch or stopping ends the wait at once.
 */
static void
gather(struct eng_xlog *q)
{
	struct timespec until;

	if (q->waiters > 0 || q->entries >= XLOG_BATCH || q->stop)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += XLOG_GATHER_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (q->waiters == 0 && q->entries < XLOG_BATCH && !q->stop)
		if (pthread_cond_timedwait(&q->work, &q->mu, &until) != 0)
			break;
}

static void *
writer_main(void *arg)
{
	struct engine *e = arg;
	struct eng_xlog *q = &e->xlog;
	struct xlog_ent *batch[XLOG_BATCH];
	size_t n, i;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->head == NULL && !q->stop)
			pthread_cond_wait(&q->work, &q->mu);
		if (q->head == NULL)
			break;
		gather(q);
		for (n = 0; n < XLOG_BATCH && q->head != NULL; n++) {
			batch[n] = q->head;
			q->head = q->head->next;
		}
		if (q->head == NULL)
			q->tail = &q->head;
		pthread_mutex_unlock(&q->mu);
		write_batch(e, batch, n);
		pthread_mutex_lock(&q->mu);
		for (i = 0; i < n; i++) {
			q->committed = batch[i]->seq;
			q->entries--;
			if (batch[i]->wait) {
				batch[i]->done = true;       /* the submitter owns it from here */
			} else {
				q->bytes -= batch[i]->bytes;
				free(batch[i]);
			}
		}
		pthread_cond_broadcast(&q->done);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Start the writer; without it the log is written synchronously. */
void
eng_log_start(struct engine *e)
{
	struct eng_xlog *q = &e->xlog;

	pthread_condattr_t ca;

	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->work, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&q->done, NULL);
	q->tail = &q->head;
	q->inited = true;
	q->running = pthread_create(&q->thread, NULL, writer_main, e) == 0;
}

/* Drain the queue, stop the writer. */
void
eng_log_stop(struct engine *e)
{
	struct eng_xlog *q = &e->xlog;

	if (!q->inited)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mu);
	if (q->running)
		pthread_join(q->thread, NULL);
	q->running = false;
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->done);
	pthread_mutex_destroy(&q->mu);
	q->inited = false;
}

/* Append x to the queue (q->mu held); false when the writer is gone. */
static bool
enqueue(struct eng_xlog *q, struct xlog_ent *x)
{
	/* Back-pressure: wait for room, but a lone entry always fits. */
	while (q->running && !q->stop && q->entries > 0 &&
	    (q->entries >= XLOG_MAX_ENTRIES || q->bytes + x->bytes > XLOG_MAX_BYTES))
		pthread_cond_wait(&q->done, &q->mu);
	if (!q->running || q->stop)
		return false;
	x->seq = ++q->submitted;
	x->next = NULL;
	*q->tail = x;
	q->tail = &x->next;
	q->entries++;
	q->bytes += x->bytes;
	/* Wake the writer when it may sleep (first row) or should stop gathering. */
	if (q->entries == 1 || q->entries >= XLOG_BATCH || x->wait)
		pthread_cond_signal(&q->work);
	return true;
}

/* Write x here, under store_lock; why (may be NULL) gets store_errmsg() on failure. */
static int
write_now(struct engine *e, struct store_exchange *x, char *why, size_t size)
{
	int rc;

	pthread_mutex_lock(&e->store_lock);
	rc = store_exchange_batch(e->store, x, 1);
	if (rc != 0 && why != NULL)
		snprintf(why, size, "%s", store_errmsg(e->store));
	pthread_mutex_unlock(&e->store_lock);
	return rc;
}

/* Log an exchange without waiting for it (a copy is queued). */
void
eng_log_async(struct engine *e, const struct store_exchange *x)
{
	struct eng_xlog *q = &e->xlog;
	size_t req_len = x->req != NULL ? x->req_len : 0;
	size_t resp_len = x->resp != NULL ? x->resp_len : 0;
	struct xlog_ent *ent;
	struct store_exchange sx = *x;
	char why[160];
	int rc;

	sx.set_replay = false;
	if (q->inited && q->running && req_len <= STORE_MAX_CMS && resp_len <= STORE_MAX_CMS &&
	    (ent = malloc(sizeof(*ent) + req_len + resp_len)) != NULL) {
		memset(ent, 0, sizeof(*ent));
		ent->x = sx;
		ent->bytes = req_len + resp_len;
		if (x->child != NULL) {
			snprintf(ent->child, sizeof(ent->child), "%s", x->child);
			ent->x.child = ent->child;
		}
		if (x->type != NULL) {
			snprintf(ent->type, sizeof(ent->type), "%s", x->type);
			ent->x.type = ent->type;
		}
		if (x->outcome != NULL) {
			snprintf(ent->outcome, sizeof(ent->outcome), "%s", x->outcome);
			ent->x.outcome = ent->outcome;
		}
		if (req_len > 0)
			memcpy(ent->data, x->req, req_len);
		if (resp_len > 0)
			memcpy(ent->data + req_len, x->resp, resp_len);
		ent->x.req = x->req != NULL ? ent->data : NULL;
		ent->x.resp = x->resp != NULL ? ent->data + req_len : NULL;
		pthread_mutex_lock(&q->mu);
		if (enqueue(q, ent)) {
			pthread_mutex_unlock(&q->mu);
			return;
		}
		pthread_mutex_unlock(&q->mu);
		free(ent);
	}
	/* No writer (or no memory for the copy): write it here. */
	if ((rc = write_now(e, &sx, why, sizeof(why))) != 0 && q->inited) {
		pthread_mutex_lock(&q->mu);
		note_failure(q, rc, why);
		pthread_mutex_unlock(&q->mu);
	}
}

/* Log an exchange (and its signing-time, if x->set_replay) and wait until it is committed. */
int
eng_log_wait(struct engine *e, const struct store_exchange *x)
{
	struct eng_xlog *q = &e->xlog;
	struct xlog_ent ent;

	memset(&ent, 0, sizeof(ent));
	ent.x = *x;
	ent.wait = true;
	if (q->inited) {
		pthread_mutex_lock(&q->mu);
		q->waiters++;
		if (enqueue(q, &ent)) {
			while (!ent.done)
				pthread_cond_wait(&q->done, &q->mu);
			q->waiters--;
			pthread_mutex_unlock(&q->mu);
			return ent.x.rc;
		}
		q->waiters--;
		pthread_mutex_unlock(&q->mu);
	}
	return write_now(e, &ent.x, NULL, 0);
}

/* Append a note about log rows that could not be written since the last note. */
void
eng_log_notice(struct engine *e, char *line, size_t size)
{
	struct eng_xlog *q = &e->xlog;
	size_t n;

	if (!q->inited)
		return;
	pthread_mutex_lock(&q->mu);
	if (q->failed > q->reported) {
		n = strlen(line);
		if (n < size)
			snprintf(line + n, size - n, " [exchange log: %llu row(s) not written: %s]",
			    (unsigned long long)(q->failed - q->reported), q->last_err);
		q->reported = q->failed;
	}
	pthread_mutex_unlock(&q->mu);
}

/* See engine.h. */
void
engine_log_flush(struct engine *e)
{
	struct eng_xlog *q;
	uint64_t upto;

	if (e == NULL || !(q = &e->xlog)->inited)
		return;
	pthread_mutex_lock(&q->mu);
	upto = q->submitted;
	while (q->running && q->committed < upto)
		pthread_cond_wait(&q->done, &q->mu);
	pthread_mutex_unlock(&q->mu);
}
