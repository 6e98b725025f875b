/*
 * lwIP port (updown): the OS abstraction types on POSIX threads
 * (sys_arch.c). Semaphores and mailboxes are heap objects reached through a
 * pointer (NULL = invalid); a mutex is a pthread mutex plus a valid flag.
 */
#ifndef UPDOWN_LWIP_ARCH_SYS_ARCH_H
#define UPDOWN_LWIP_ARCH_SYS_ARCH_H

#include <pthread.h>

struct sys_sem;
struct sys_mbox;

typedef struct sys_sem *sys_sem_t;
typedef struct sys_mbox *sys_mbox_t;
typedef struct {
	pthread_mutex_t mu;
	int valid;
} sys_mutex_t;
typedef pthread_t sys_thread_t;
typedef int sys_prot_t;

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL  NULL

#define sys_sem_valid(s)          ((s) != NULL && *(s) != NULL)
#define sys_sem_set_invalid(s)    do { if ((s) != NULL) *(s) = NULL; } while (0)
#define sys_mbox_valid(m)         ((m) != NULL && *(m) != NULL)
#define sys_mbox_set_invalid(m)   do { if ((m) != NULL) *(m) = NULL; } while (0)
#define sys_mutex_valid(m)        ((m) != NULL && (m)->valid)
#define sys_mutex_set_invalid(m)  do { if ((m) != NULL) (m)->valid = 0; } while (0)

#endif
