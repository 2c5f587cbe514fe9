/* threads.h - the worker's background threads besides the consumers.
 * The aggregator keeps windows up to date; the probe watches dependencies. */
#ifndef WEIR_THREADS_H
#define WEIR_THREADS_H

#include "processor/worker_ctx.h"

/* Each takes the worker's struct weir_worker_ctx; weir_thread_start them. */
void	*weir_aggregator_main(void *ctx);
void	*weir_probe_main(void *ctx);

#endif
