/* stage_window.c - assigns the event to its 1-minute tumbling window.
 * The store marks that window for recomputation when the event is written. */
#include "event/window.h"
#include "pipeline/pipeline.h"

enum weir_reason
weir_stage_window(const struct weir_input *in, struct weir_event *ev,
    const struct weir_stage_ctx *ctx, char *detail)
{
	(void)in;
	(void)ctx;
	(void)detail;
	ev->window_start_ms = weir_window_start(ev->ts_ms, WEIR_WINDOW_MS);
	return (WEIR_OK);
}
