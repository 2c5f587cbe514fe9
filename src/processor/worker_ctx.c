/* worker_ctx.c - starting, sleeping and stopping the worker's own threads.
 * Sleepers wait on a condition that stop broadcasts: prompt, and no idle wake-ups. */
#include <sys/random.h>

#include <errno.h>
#include <signal.h>
#include <time.h>

#include "base/timestamp.h"
#include "processor/worker_ctx.h"

int
weir_ctx_init(struct weir_worker_ctx *ctx)
{
	pthread_condattr_t	attr;
	int			rc;

	if (pthread_condattr_init(&attr) != 0)
		return (-1);
	/* Timed waits on the monotonic clock: a clock step is no wake-up. */
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&ctx->wake, &attr) == 0 &&
	    pthread_mutex_init(&ctx->lock, NULL) == 0 ? 0 : -1;
	pthread_condattr_destroy(&attr);
	return (rc);
}

void
weir_ctx_stop(struct weir_worker_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	atomic_store(&ctx->stop, 1);
	pthread_cond_broadcast(&ctx->wake);
	pthread_mutex_unlock(&ctx->lock);
}

void
weir_deadline_in(struct timespec *until, uint32_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, until);
	until->tv_sec += ms / 1000;
	until->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until->tv_nsec >= 1000000000L) {
		until->tv_sec++;
		until->tv_nsec -= 1000000000L;
	}
}

int
weir_ctx_sleep(struct weir_worker_ctx *ctx, uint32_t ms)
{
	struct timespec	until;
	int		rc = 0;

	weir_deadline_in(&until, ms);
	pthread_mutex_lock(&ctx->lock);
	while (!atomic_load(&ctx->stop) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&ctx->wake, &ctx->lock, &until);
	pthread_mutex_unlock(&ctx->lock);
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
