/* worker_ctx.h - what the threads of one Kore worker process share.
 * Owned by weir.c; threads read it and sleep on it until `stop`. */
#ifndef WEIR_WORKER_CTX_H
#define WEIR_WORKER_CTX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "base/config.h"
#include "base/metrics.h"
#include "store/store.h"

struct weir_worker_ctx {
	const struct weir_config	*cfg;
	struct weir_store		*store;
	struct weir_worker_slot		*slot;
	int				worker_id;
	_Atomic int			stop;		/* weir_ctx_stop */
	_Atomic int64_t			drain_deadline_ms;
	/* Sleepers wait on `wake`, which weir_ctx_stop broadcasts: no
	 * wake-ups while idle, and stop is seen at once. */
	pthread_mutex_t			lock;
	pthread_cond_t			wake;
};

/* Before any thread starts; -1 if the condition cannot be made. */
int	weir_ctx_init(struct weir_worker_ctx *);
/* Sets stop and wakes every sleeper. */
void	weir_ctx_stop(struct weir_worker_ctx *);

/* Starts fn(arg) on a thread with every signal blocked; 0 or -1. Every
 * thread of the worker starts here. */
int	weir_thread_start(pthread_t *, void *(*fn)(void *), void *arg);
/* CLOCK_MONOTONIC now + ms, for pthread_cond_timedwait on a condition
 * made with that clock. */
void	weir_deadline_in(struct timespec *, uint32_t ms);
/* Sleeps up to ms; returns early (1) once stop is set. */
int	weir_ctx_sleep(struct weir_worker_ctx *, uint32_t ms);
/* 1 when stopping and the drain time is used up. */
int	weir_ctx_drain_expired(struct weir_worker_ctx *);
/* Seed for a thread's backoff jitter. */
uint64_t weir_ctx_seed(void);

#endif
