/* threads.h - the worker's background threads besides the consumers.
 * The aggregator keeps windows up to date; the probe watches dependencies. */
#ifndef WEIR_THREADS_H
#define WEIR_THREADS_H

#include <pthread.h>

#include "processor/worker_ctx.h"

/* Starts fn(ctx) on a thread with every signal blocked. */
int	weir_thread_start(pthread_t *, void *(*fn)(void *),
	    struct weir_worker_ctx *);

void	*weir_aggregator_main(void *ctx);
void	*weir_probe_main(void *ctx);

#endif
