/* stage_decode.c - bytes to a JSON object, as its top-level facts and BSON.
 * Enforces the size limit before parsing so a huge body costs nothing. */
#include <stdio.h>

#include "event/event_tree.h"
#include "pipeline/pipeline.h"

enum weir_reason
weir_stage_decode(const struct weir_input *in, struct weir_event *ev,
    const struct weir_stage_ctx *ctx, char *detail)
{
	json_error_t	err;

	if (in->len > ctx->max_message_bytes) {
		snprintf(detail, WEIR_DETAIL_MAX, "body is %zu bytes, limit %zu",
		    in->len, ctx->max_message_bytes);
		return (WEIR_ERR_TOO_LARGE);
	}
	/* The scanner reads the usual body without allocating; whatever it
	 * declines (bad JSON included) jansson reads, and reports. */
	if (ctx->scan != NULL &&
	    weir_event_scan(in->body, in->len, &ev->dec, ctx->scan) == 0)
		return (WEIR_OK);
	ev->root = json_loadb(in->body, in->len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (ev->root == NULL) {
		snprintf(detail, WEIR_DETAIL_MAX, "%s at byte %d", err.text,
		    err.position);
		return (WEIR_ERR_INVALID_JSON);
	}
	if (!json_is_object(ev->root)) {
		snprintf(detail, WEIR_DETAIL_MAX, "top level is not an object");
		return (WEIR_ERR_NOT_OBJECT);
	}
	weir_event_from_tree(&ev->dec, ev->root,
	    ctx->scan != NULL ? ctx->scan->tree_rest : NULL);
	return (WEIR_OK);
}
