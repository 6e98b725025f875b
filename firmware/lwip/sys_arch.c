/*
 * lwIP port (updown): sys_arch on POSIX threads.
 *
 * Semaphores and mailboxes are a mutex plus condition variables on
 * CLOCK_MONOTONIC; a mailbox is a fixed ring of `size` pointers. Timed
 * waits return the milliseconds waited or SYS_ARCH_TIMEOUT, as sys.h asks.
 * SYS_ARCH_PROTECT is one process-wide recursive mutex. Threads are
 * detached (lwIP never joins); sys_now() is the monotonic clock in ms.
 *
 * A pthread call that fails where lwIP's API leaves no way to report it
 * (lock, unlock, signal) is a broken invariant: it asserts, which logs and
 * aborts (arch/cc.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/sys.h"

struct sys_sem {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned count;
};

struct sys_mbox {
	pthread_mutex_t mu;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	void **slot;
	int size;
	int head;  /* index of the oldest message */
	int n;     /* messages queued */
};

static pthread_mutex_t prot_mu;
static pthread_once_t prot_once = PTHREAD_ONCE_INIT;

#define CHECK(call) do { if ((call) != 0) \
	LWIP_PLATFORM_ASSERT("sys_arch: " #call " failed"); } while (0)

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts));
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A condition variable whose timed waits use CLOCK_MONOTONIC. */
static int
cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t a;
	int rc;

	if (pthread_condattr_init(&a) != 0)
		return -1;
	rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
	return rc == 0 ? 0 : -1;
}

/* The absolute CLOCK_MONOTONIC time timeout_ms from now. */
static void
deadline_after(struct timespec *dl, u32_t timeout_ms)
{
	CHECK(clock_gettime(CLOCK_MONOTONIC, dl));
	dl->tv_sec += timeout_ms / 1000u;
	dl->tv_nsec += (long)(timeout_ms % 1000u) * 1000000L;
	if (dl->tv_nsec >= 1000000000L) {
		dl->tv_sec++;
		dl->tv_nsec -= 1000000000L;
	}
}

/*
 * One wait on cv (mu held): until signalled, or until *dl when dl is not
 * NULL. Returns 0, or 1 once the deadline has passed.
 */
static int
cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, const struct timespec *dl)
{
	int rc;

	if (dl == NULL) {
		CHECK(pthread_cond_wait(cv, mu));
		return 0;
	}
	rc = pthread_cond_timedwait(cv, mu, dl);
	if (rc == ETIMEDOUT)
		return 1;
	if (rc != 0)
		LWIP_PLATFORM_ASSERT("sys_arch: pthread_cond_timedwait failed");
	return 0;
}

/* Milliseconds since start, kept below SYS_ARCH_TIMEOUT. */
static u32_t
waited_since(uint64_t start)
{
	uint64_t w = mono_ms() - start;

	return w >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : (u32_t)w;
}

/* sys_init: nothing to do (objects initialise themselves). */
void
sys_init(void)
{
}

/* sys_now: milliseconds on the monotonic clock (wraps; lwIP expects it). */
u32_t
sys_now(void)
{
	return (u32_t)mono_ms();
}

/* sys_jiffies: same clock as sys_now. */
u32_t
sys_jiffies(void)
{
	return (u32_t)mono_ms();
}

/* ---- semaphores ---- */

/* sys_sem_new: counting semaphore at count. ERR_MEM if out of memory. */
err_t
sys_sem_new(sys_sem_t *sem, u8_t count)
{
	struct sys_sem *s;

	LWIP_ASSERT("sys_sem_new: sem != NULL", sem != NULL);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_MEM;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return ERR_MEM;
	}
	if (cond_init(&s->cv) != 0) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		return ERR_MEM;
	}
	s->count = count;
	*sem = s;
	return ERR_OK;
}

/* sys_sem_signal: count up and wake one waiter. */
void
sys_sem_signal(sys_sem_t *sem)
{
	struct sys_sem *s = *sem;

	CHECK(pthread_mutex_lock(&s->mu));
	s->count++;
	CHECK(pthread_cond_signal(&s->cv));
	CHECK(pthread_mutex_unlock(&s->mu));
}

/* sys_arch_sem_wait: ms waited, or SYS_ARCH_TIMEOUT (timeout 0: forever). */
u32_t
sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	struct sys_sem *s = *sem;
	uint64_t start = mono_ms();
	struct timespec dl;

	if (timeout != 0)
		deadline_after(&dl, timeout);
	CHECK(pthread_mutex_lock(&s->mu));
	while (s->count == 0) {
		if (cond_wait_until(&s->cv, &s->mu, timeout != 0 ? &dl : NULL) &&
		    s->count == 0) {
			CHECK(pthread_mutex_unlock(&s->mu));
			return SYS_ARCH_TIMEOUT;
		}
	}
	s->count--;
	CHECK(pthread_mutex_unlock(&s->mu));
	return waited_since(start);
}

/* sys_sem_free: nobody may wait on it any more. */
void
sys_sem_free(sys_sem_t *sem)
{
	struct sys_sem *s;

	if (sem == NULL || (s = *sem) == NULL)
		return;
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	*sem = NULL;
}

/* ---- mutexes ---- */

/* sys_mutex_new: a plain (non-recursive) mutex. */
err_t
sys_mutex_new(sys_mutex_t *mutex)
{
	if (pthread_mutex_init(&mutex->mu, NULL) != 0)
		return ERR_MEM;
	mutex->valid = 1;
	return ERR_OK;
}

void
sys_mutex_lock(sys_mutex_t *mutex)
{
	CHECK(pthread_mutex_lock(&mutex->mu));
}

void
sys_mutex_unlock(sys_mutex_t *mutex)
{
	CHECK(pthread_mutex_unlock(&mutex->mu));
}

void
sys_mutex_free(sys_mutex_t *mutex)
{
	if (mutex == NULL || !mutex->valid)
		return;
	pthread_mutex_destroy(&mutex->mu);
	mutex->valid = 0;
}

/* ---- mailboxes ---- */

/* sys_mbox_new: a queue of at most size messages (size > 0). */
err_t
sys_mbox_new(sys_mbox_t *mbox, int size)
{
	struct sys_mbox *m;

	LWIP_ASSERT("sys_mbox_new: size > 0", size > 0);
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ERR_MEM;
	if ((m->slot = calloc((size_t)size, sizeof(void *))) == NULL) {
		free(m);
		return ERR_MEM;
	}
	if (pthread_mutex_init(&m->mu, NULL) != 0)
		goto fail_mu;
	if (cond_init(&m->not_empty) != 0)
		goto fail_ne;
	if (cond_init(&m->not_full) != 0)
		goto fail_nf;
	m->size = size;
	*mbox = m;
	return ERR_OK;
fail_nf:
	pthread_cond_destroy(&m->not_empty);
fail_ne:
	pthread_mutex_destroy(&m->mu);
fail_mu:
	free(m->slot);
	free(m);
	return ERR_MEM;
}

static void
mbox_put(struct sys_mbox *m, void *msg)
{
	m->slot[(m->head + m->n) % m->size] = msg;
	m->n++;
	CHECK(pthread_cond_signal(&m->not_empty));
}

static void *
mbox_get(struct sys_mbox *m)
{
	void *msg = m->slot[m->head];

	m->slot[m->head] = NULL;
	m->head = (m->head + 1) % m->size;
	m->n--;
	CHECK(pthread_cond_signal(&m->not_full));
	return msg;
}

/* sys_mbox_post: queue msg, waiting while the mailbox is full. */
void
sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	struct sys_mbox *m = *mbox;

	CHECK(pthread_mutex_lock(&m->mu));
	while (m->n == m->size)
		CHECK(pthread_cond_wait(&m->not_full, &m->mu));
	mbox_put(m, msg);
	CHECK(pthread_mutex_unlock(&m->mu));
}

/* sys_mbox_trypost: queue msg, or ERR_MEM at once if the mailbox is full. */
err_t
sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	struct sys_mbox *m = *mbox;
	err_t err = ERR_MEM;

	CHECK(pthread_mutex_lock(&m->mu));
	if (m->n < m->size) {
		mbox_put(m, msg);
		err = ERR_OK;
	}
	CHECK(pthread_mutex_unlock(&m->mu));
	return err;
}

/* No interrupts in a Linux process: same as sys_mbox_trypost. */
err_t
sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

/* sys_arch_mbox_fetch: ms waited, or SYS_ARCH_TIMEOUT (timeout 0: forever). */
u32_t
sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
	struct sys_mbox *m = *mbox;
	uint64_t start = mono_ms();
	struct timespec dl;
	void *v;

	if (timeout != 0)
		deadline_after(&dl, timeout);
	CHECK(pthread_mutex_lock(&m->mu));
	while (m->n == 0) {
		if (cond_wait_until(&m->not_empty, &m->mu, timeout != 0 ? &dl : NULL) &&
		    m->n == 0) {
			CHECK(pthread_mutex_unlock(&m->mu));
			if (msg != NULL)
				*msg = NULL;
			return SYS_ARCH_TIMEOUT;
		}
	}
	v = mbox_get(m);
	CHECK(pthread_mutex_unlock(&m->mu));
	if (msg != NULL)
		*msg = v;
	return waited_since(start);
}

/* sys_arch_mbox_tryfetch: 0, or SYS_MBOX_EMPTY at once. */
u32_t
sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	struct sys_mbox *m = *mbox;
	u32_t r = SYS_MBOX_EMPTY;

	CHECK(pthread_mutex_lock(&m->mu));
	if (m->n > 0) {
		void *v = mbox_get(m);
		if (msg != NULL)
			*msg = v;
		r = 0;
	}
	CHECK(pthread_mutex_unlock(&m->mu));
	return r;
}

/* sys_mbox_free: the mailbox must be empty (lwIP asserts that itself). */
void
sys_mbox_free(sys_mbox_t *mbox)
{
	struct sys_mbox *m;

	if (mbox == NULL || (m = *mbox) == NULL)
		return;
	pthread_cond_destroy(&m->not_full);
	pthread_cond_destroy(&m->not_empty);
	pthread_mutex_destroy(&m->mu);
	free(m->slot);
	free(m);
	*mbox = NULL;
}

/* ---- threads ---- */

struct thread_start {
	lwip_thread_fn fn;
	void *arg;
};

static void *
thread_trampoline(void *p)
{
	struct thread_start ts = *(struct thread_start *)p;

	free(p);
	ts.fn(ts.arg);
	return NULL;
}

/*
 * sys_thread_new: a detached thread running thread(arg). stacksize 0 (or
 * below the minimum) means the default; prio is ignored. Asserts if the
 * thread cannot be created (lwIP's API has no failure value).
 */
sys_thread_t
sys_thread_new(const char *name, lwip_thread_fn thread, void *arg, int stacksize, int prio)
{
	struct thread_start *ts;
	pthread_attr_t a;
	pthread_t t;
	int rc;

	(void)name;
	(void)prio;
	if ((ts = malloc(sizeof(*ts))) == NULL)
		LWIP_PLATFORM_ASSERT("sys_thread_new: out of memory");
	ts->fn = thread;
	ts->arg = arg;
	CHECK(pthread_attr_init(&a));
	CHECK(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED));
	if (stacksize >= PTHREAD_STACK_MIN)
		CHECK(pthread_attr_setstacksize(&a, (size_t)stacksize));
	rc = pthread_create(&t, &a, thread_trampoline, ts);
	pthread_attr_destroy(&a);
	if (rc != 0) {
		free(ts);
		LWIP_PLATFORM_ASSERT("sys_thread_new: pthread_create failed");
	}
	return t;
}

/* ---- critical sections ---- */

static void
prot_init(void)
{
	pthread_mutexattr_t a;

	CHECK(pthread_mutexattr_init(&a));
	CHECK(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE));
	CHECK(pthread_mutex_init(&prot_mu, &a));
	pthread_mutexattr_destroy(&a);
}

/* sys_arch_protect: enter the (recursive) critical section. */
sys_prot_t
sys_arch_protect(void)
{
	CHECK(pthread_once(&prot_once, prot_init));
	CHECK(pthread_mutex_lock(&prot_mu));
	return 0;
}

/* sys_arch_unprotect: leave it. */
void
sys_arch_unprotect(sys_prot_t pval)
{
	(void)pval;
	CHECK(pthread_mutex_unlock(&prot_mu));
}
