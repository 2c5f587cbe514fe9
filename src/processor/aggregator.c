/* aggregator.c - rebuilds dirty 1-minute windows from stored events.
 * Only windows a batch could not update exactly are dirty; see store.h. */
#include <stdio.h>
#include <time.h>

#include "base/backoff.h"
#include "base/log.h"
#include "base/timestamp.h"
#include "processor/threads.h"

#define WINDOWS_PER_PASS	256
#define MAX_WAIT_MS		30000

/* The gauge is the aggregator's last count of dirty windows in the store,
 * also when the rebuild after it failed; -1 while the store cannot be
 * asked, so a failing rebuild never reads as "all settled". */
static void
report(struct weir_worker_ctx *ctx, int done, int64_t dirty)
{
	if (done > 0)
		WEIR_INC(weir_metrics->windows_recomputed, (uint64_t)done);
	WEIR_SET(ctx->slot->dirty_windows, dirty);
}

/* One pass: rebuilds the dirty windows that have been quiet for one
 * interval (a busy window would void every rebuild), in rounds of
 * WINDOWS_PER_PASS. */
static void
pass(struct weir_worker_ctx *ctx, mongoc_client_t *c, int *failing)
{
	char	err[512];
	int64_t	dirty;
	int	done;

	do {
		err[0] = '\0';
		done = weir_store_recompute_dirty(ctx->store, c,
		    WINDOWS_PER_PASS, ctx->cfg->aggregate_interval_ms,
		    &ctx->stop, &dirty, err, sizeof(err));
		report(ctx, done, dirty);
		if (done < 0) {
			if (!*failing && !atomic_load(&ctx->stop))
				weir_log(WEIR_LOG_WARN, "window rebuild failed; "
				    "will retry", "error", err, NULL);
			*failing = 1;
			return;
		}
		/* Some windows failed, the others were rebuilt. */
		if (err[0] != '\0' && !*failing)
			weir_log(WEIR_LOG_WARN, "some windows not rebuilt; "
			    "will retry", "error", err, NULL);
		*failing = err[0] != '\0';
	} while (done == WINDOWS_PER_PASS && !atomic_load(&ctx->stop));
}

void *
weir_aggregator_main(void *arg)
{
	struct weir_worker_ctx	*ctx = arg;
	mongoc_client_t		*c = weir_store_client(ctx->store);
	char			err[256];
	int			failing = 0;
	uint64_t		took, t0;
	uint32_t		wait;

	WEIR_SET(ctx->slot->dirty_windows, -1);
	/* The first pass runs at once, so the dirty gauge is right from the
	 * start. A rebuild reads events; pacing at twice the last pass keeps
	 * it to a third of the store's time however large windows grow. */
	for (;;) {
		t0 = weir_mono_ns() / 1000000;
		if (weir_store_setup(ctx->store, c, err, sizeof(err)) == 0)
			pass(ctx, c, &failing);
		took = weir_mono_ns() / 1000000 - t0;
		wait = (uint32_t)ctx->cfg->aggregate_interval_ms;
		if (took * 2 > wait)
			wait = took * 2 > MAX_WAIT_MS ? MAX_WAIT_MS :
			    (uint32_t)(took * 2);
		if (weir_ctx_sleep(ctx, wait))
			break;
	}
	weir_store_release(ctx->store, c);
	return (NULL);
}
