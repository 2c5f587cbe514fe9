/* stage_enrich.c - what weir adds to every event.
 * received_at comes from the transport, processed_at from the batch clock. */
#include "pipeline/pipeline.h"

enum weir_reason
weir_stage_enrich(const struct weir_input *in, struct weir_event *ev,
    const struct weir_stage_ctx *ctx, char *detail)
{
	(void)detail;
	ev->received_at_ms = in->received_at_ms > 0 ? in->received_at_ms :
	    ctx->now_ms;
	ev->processed_at_ms = ctx->now_ms;
	ev->processor = ctx->processor;
	return (WEIR_OK);
}
