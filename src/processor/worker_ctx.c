/* worker_ctx.c - starting, sleeping and stopping the worker's own threads.
 * Slices keep shutdown prompt without busy waiting. */
#include <sys/random.h>

#include <signal.h>
#include <time.h>

#include "base/timestamp.h"
#include "processor/worker_ctx.h"

#define SLICE_MS	50

int
weir_ctx_sleep(struct weir_worker_ctx *ctx, uint32_t ms)
{
	struct timespec	ts;
	uint32_t	step;

	while (ms > 0) {
		if (atomic_load(&ctx->stop))
			return (1);
		step = ms < SLICE_MS ? ms : SLICE_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return (atomic_load(&ctx->stop) != 0);
}

int
weir_ctx_drain_expired(struct weir_worker_ctx *ctx)
{
	return (atomic_load(&ctx->stop) &&
	    weir_now_ms() >= atomic_load(&ctx->drain_deadline_ms));
}

/* Signals stay with Kore's event loop thread: the new thread starts with
 * every signal blocked (it inherits the mask in force at creation). */
int
weir_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t	all, old;
	int		rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return (rc == 0 ? 0 : -1);
}

uint64_t
weir_ctx_seed(void)
{
	uint64_t	seed = 0;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)weir_now_ms();
	return (seed);
}
