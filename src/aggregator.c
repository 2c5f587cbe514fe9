/* aggregator.c - recomputes dirty 1-minute windows from stored events.
 * Recomputing (not incrementing) is what keeps aggregates exact after crashes. */
#include <stdio.h>

#include "backoff.h"
#include "log.h"
#include "threads.h"

#define WINDOWS_PER_PASS	256

static void
pass(struct weir_worker_ctx *ctx, mongoc_client_t *c, int *failing)
{
	int64_t	remaining = 0;
	int	done;

	do {
		done = weir_store_recompute_dirty(ctx->store, c,
		    WINDOWS_PER_PASS, &remaining);
		if (done < 0) {
			if (!*failing)
				weir_log(WEIR_LOG_WARN, "window recompute failed; "
				    "will retry", NULL);
			*failing = 1;
			return;
		}
		*failing = 0;
		WEIR_INC(weir_metrics->windows_recomputed, (uint64_t)done);
		WEIR_SET(ctx->slot->dirty_windows, remaining);
	} while (done == WINDOWS_PER_PASS && !atomic_load(&ctx->stop));
}

void *
weir_aggregator_main(void *arg)
{
	struct weir_worker_ctx	*ctx = arg;
	mongoc_client_t		*c = weir_store_client(ctx->store);
	char			err[256];
	int			failing = 0;

	while (!weir_ctx_sleep(ctx, (uint32_t)ctx->cfg->aggregate_interval_ms)) {
		if (weir_store_setup(ctx->store, c, err, sizeof(err)) == 0)
			pass(ctx, c, &failing);
	}
	weir_store_release(ctx->store, c);
	return (NULL);
}
