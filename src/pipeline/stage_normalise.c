/* stage_normalise.c - the event time as UTC milliseconds.
 * Accepts RFC 3339 with any offset or integer epoch milliseconds. */
#include <stdio.h>

#include "base/timestamp.h"
#include "pipeline/pipeline.h"

/* 9999-12-31T23:59:59.999Z: the largest time BSON dates and RFC 3339 share. */
#define TS_MAX_MS	253402300799999LL

static enum weir_reason
parse_ts(const struct weir_json_field *ts, int64_t *ms, char *detail)
{
	if (ts->kind == WEIR_JSON_INTEGER) {
		*ms = ts->i;
		return (WEIR_OK);
	}
	if (ts->kind == WEIR_JSON_STRING &&
	    weir_ts_parse_rfc3339(ts->s, ts->len, ms) == 0)
		return (WEIR_OK);
	snprintf(detail, WEIR_DETAIL_MAX, "field 'ts' must be an RFC 3339 "
	    "date-time with offset or integer epoch milliseconds");
	return (WEIR_ERR_BAD_TIMESTAMP);
}

enum weir_reason
weir_stage_normalise(const struct weir_input *in, struct weir_event *ev,
    const struct weir_stage_ctx *ctx, char *detail)
{
	enum weir_reason	r;
	int64_t			ms;

	(void)in;
	if ((r = parse_ts(&ev->dec.top[WEIR_TOP_TS], &ms, detail)) !=
	    WEIR_OK)
		return (r);
	if (ms < 0 || ms > TS_MAX_MS || ms > ctx->now_ms + ctx->max_future_skew_ms) {
		snprintf(detail, WEIR_DETAIL_MAX, "field 'ts' (%lld ms) is before "
		    "1970 or more than %lld s ahead", (long long)ms,
		    (long long)(ctx->max_future_skew_ms / 1000));
		return (WEIR_ERR_TS_OUT_OF_RANGE);
	}
	ev->ts_ms = ms;
	return (WEIR_OK);
}
