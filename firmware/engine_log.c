/*
 * The exchange log's writer (UD-160). One thread writes queued exchanges
 * in batches, so a request pays for copying its bytes rather than for a
 * transaction of its own. Where the rows go:
 *   - with engine_config.exchange_dir, to append-only files of records
 *     (proto/xlog.h) in that directory, one writev per batch; a new file
 *     per UTC day, per XLOG_FILE_MAX bytes and per engine start
 *     ("exchanges-YYYYMMDDTHHMMSSZ.log", never appended to after a
 *     restart, so a crash leaves at most one truncated final record);
 *   - otherwise to the store's exchanges table, one transaction per batch
 *     (store_exchange_batch).
 * An exchange that also records the child's signing-time (UD-35) is
 * waited for: its reply leaves only once the signing-time is committed
 * (one durable store transaction for the batch: group commit) and its row
 * is written (to the store in that transaction; to a file, without an
 * fsync: files are synced when the engine closes and by the kernel). The
 * others are not waited for. Either way a crash may lose the rows of the
 * last batch, never state a reply depends on. The queue is bounded; a full
 * queue makes the submitter wait (back-pressure), it never drops a row.
 *
 * Without the thread (it could not be started, or the engine is closing)
 * every call writes synchronously.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "engine_int.h"
#include "proto/xlog.h"

/* Queue bounds: entries and copied bytes (a lone larger entry still goes in). */
#define XLOG_MAX_ENTRIES ENGINE_LOG_QUEUE_ROWS
#define XLOG_MAX_BYTES   ENGINE_LOG_QUEUE_BYTES
#define XLOG_BATCH       64
#define XLOG_GATHER_NS   (5 * 1000 * 1000)  /* longest wait for a batch to fill */
#define XLOG_FILE_MAX    (32u << 20)        /* start a new file beyond this size (updownctl inspect reads up to 64 MiB) */
#define XLOG_IOV         256                /* iovecs per writev (Linux allows 1024) */

struct xlog_ent {
	struct store_exchange x;
	struct xlog_ent *next;
	uint64_t seq;
	bool wait;                  /* on the submitter's stack; it waits for done */
	bool done;
	size_t bytes;               /* copied bytes (!wait) */
	char child[STORE_MAX_HANDLE + 1], type[XLOG_MAX_TYPE + 1], outcome[XLOG_MAX_OUTCOME + 1];
	unsigned char data[];       /* request then response (!wait) */
};

/* Count rows not written (q->mu held); why is store_errmsg() taken under store_lock. */
static void
note_failure(struct eng_xlog *q, size_t rows, int rc, const char *why)
{
	q->failed += rows;
	snprintf(q->last_err, sizeof(q->last_err), "%s: %.150s", store_strerror(rc), why);
}

/*
 * fn (store_exchange_batch or store_replay_batch) over the batch under
 * store_lock; each entry's rc is set, and rows nobody waits for that
 * failed are noted.
 */
static void
batch_store(struct engine *e, struct xlog_ent **batch, size_t n,
            int (*fn)(struct store *, struct store_exchange *, size_t))
{
	struct store_exchange xs[XLOG_BATCH];
	struct eng_xlog *q = &e->xlog;
	size_t i;

	for (i = 0; i < n; i++)
		xs[i] = batch[i]->x;
	pthread_mutex_lock(&e->store_lock);
	fn(e->store, xs, n);
	pthread_mutex_lock(&q->mu);
	for (i = 0; i < n; i++) {
		batch[i]->x.rc = xs[i].rc;
		if (xs[i].rc != 0 && !batch[i]->wait)
			note_failure(q, 1, xs[i].rc, store_errmsg(e->store));
	}
	pthread_mutex_unlock(&q->mu);
	pthread_mutex_unlock(&e->store_lock);
}

/* The file for a record at time t: the current one, or a new one (fmu held). 0 or errno. */
static int
log_file(struct eng_xlog *q, int64_t t)
{
	char name[64], path[4200];
	time_t tt = (time_t)t;
	struct tm tm;
	int i;

	if (q->fd >= 0 && t / 86400 == q->file_day && q->file_bytes < XLOG_FILE_MAX)
		return 0;
	if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
	if (gmtime_r(&tt, &tm) == NULL)
		return EINVAL;
	strftime(name, sizeof(name), "exchanges-%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < 1000 && q->fd < 0; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s/%s.log", q->dir, name);
		else
			snprintf(path, sizeof(path), "%s/%s-%d.log", q->dir, name, i);
		q->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
		if (q->fd < 0 && errno != EEXIST)
			return errno;
	}
	if (q->fd < 0)
		return EEXIST;
	q->file_day = t / 86400;
	q->file_bytes = 0;
	return 0;
}

/* writev all of iov[0..n), resuming after short writes. 0 or errno. */
static int
write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n > XLOG_IOV ? XLOG_IOV : n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Rows into the current file: signing-times first (a record describes the
 * reply that leaves; when a signing-time cannot be stored the reply
 * changes and finish() logs the replacement), then one writev. No fsync:
 * the rows are a record, the state is in the store (measured: an
 * fdatasync per batch here cost ~0.04 ms of CPU per request).
 */
static void
batch_to_file(struct engine *e, struct xlog_ent **batch, size_t n)
{
	static const char lf[] = "\n";
	struct eng_xlog *q = &e->xlog;
	struct iovec iov[4 * XLOG_BATCH];
	char hdr[XLOG_BATCH][XLOG_MAX_HEADER];
	bool replay = false;
	size_t i, bytes = 0, rows = 0;
	int k = 0, rc, hl;

	for (i = 0; i < n; i++) {
		batch[i]->x.rc = 0;
		replay |= batch[i]->x.set_replay;
	}
	if (replay)
		batch_store(e, batch, n, store_replay_batch);
	for (i = 0; i < n; i++) {
		struct store_exchange *x = &batch[i]->x;
		size_t rq = x->req != NULL ? x->req_len : 0, rs = x->resp != NULL ? x->resp_len : 0;

		if (x->rc != 0)
			continue;
		hl = xlog_header(hdr[i], sizeof(hdr[i]), (int64_t)x->now, x->child, x->type,
		    x->outcome, rq, rs);
		if (hl < 0) {
			/* A field the format cannot hold: the row is lost, the reply is not. */
			pthread_mutex_lock(&q->mu);
			note_failure(q, 1, STORE_ERR_INVALID, xlog_strerror(hl));
			pthread_mutex_unlock(&q->mu);
			continue;
		}
		iov[k].iov_base = hdr[i];
		iov[k++].iov_len = (size_t)hl;
		if (rq > 0) {
			iov[k].iov_base = (void *)x->req;
			iov[k++].iov_len = rq;
		}
		if (rs > 0) {
			iov[k].iov_base = (void *)x->resp;
			iov[k++].iov_len = rs;
		}
		iov[k].iov_base = (void *)lf;
		iov[k++].iov_len = 1;
		bytes += (size_t)hl + rq + rs + 1;
		rows++;
	}
	if (rows == 0)
		return;
	pthread_mutex_lock(&q->fmu);
	if ((rc = log_file(q, (int64_t)batch[0]->x.now)) == 0 &&
	    (rc = write_all(q->fd, iov, k)) == 0)
		q->file_bytes += bytes;
	if (rc != 0 && q->fd >= 0) {
		/* A file that may end in a torn record is left as is; the next batch starts another. */
		close(q->fd);
		q->fd = -1;
	}
	pthread_mutex_unlock(&q->fmu);
	if (rc != 0) {
		char why[300];

		snprintf(why, sizeof(why), "%.200s: %s", q->dir, strerror(rc));
		pthread_mutex_lock(&q->mu);
		note_failure(q, rows, STORE_ERR_IO, why);
		pthread_mutex_unlock(&q->mu);
	}
}

/* Write batch[0..n); entries' x.rc are set (a store code for a signing-time not stored). */
static void
write_batch(struct engine *e, struct xlog_ent **batch, size_t n)
{
	if (e->xlog.dir != NULL)
		batch_to_file(e, batch, n);
	else
		batch_store(e, batch, n, store_exchange_batch);
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
		eng_hook(e, ENGINE_HOOK_LOG_BATCH);
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

/* Start the writer (rows to files in dir, or to the store if NULL); see engine_int.h. */
int
eng_log_start(struct engine *e, const char *dir)
{
	struct eng_xlog *q = &e->xlog;
	pthread_condattr_t ca;

	q->fd = -1;
	if (dir != NULL) {
		if (strlen(dir) > 4000)
			return eng_err(ENGINE_ERR_CONFIG, "exchange log directory name too long");
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return eng_err(ENGINE_ERR_CONFIG, "exchange log directory %s: %s", dir,
			    strerror(errno));
		if (access(dir, W_OK | X_OK) != 0)
			return eng_err(ENGINE_ERR_CONFIG, "exchange log directory %s: %s", dir,
			    strerror(errno));
		if ((q->dir = strdup(dir)) == NULL)
			return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&q->fmu, NULL);
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->work, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&q->done, NULL);
	q->tail = &q->head;
	q->inited = true;
	q->running = pthread_create(&q->thread, NULL, writer_main, e) == 0;
	return 0;
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
	pthread_mutex_destroy(&q->fmu);
	if (q->fd >= 0) {
		(void)fdatasync(q->fd);    /* best effort: nobody to tell at close */
		close(q->fd);
	}
	q->fd = -1;
	free(q->dir);
	q->dir = NULL;
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

/* Write one entry here, without the writer thread; returns its rc. */
static int
write_now(struct engine *e, struct xlog_ent *ent)
{
	write_batch(e, &ent, 1);
	return ent->x.rc;
}

/* Log an exchange without waiting for it (a copy is queued). */
void
eng_log_async(struct engine *e, const struct store_exchange *x)
{
	struct eng_xlog *q = &e->xlog;
	size_t req_len = x->req != NULL ? x->req_len : 0;
	size_t resp_len = x->resp != NULL ? x->resp_len : 0;
	struct xlog_ent *ent, one;
	struct store_exchange sx = *x;

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
	/* No writer (or no memory for the copy): write it here; failures are noted. */
	memset(&one, 0, sizeof(one));
	one.x = sx;
	if (q->inited)
		(void)write_now(e, &one);
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
	return write_now(e, &ent);
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
