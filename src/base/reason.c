/* reason.c - the table of reason codes.
 * Codes never change once released; add new ones at the end of the enum. */
#include "base/reason.h"

static const char *const reason_codes[WEIR_REASON_COUNT] = {
	[WEIR_OK] = "ok",
	[WEIR_ERR_TOO_LARGE] = "too_large",
	[WEIR_ERR_INVALID_JSON] = "invalid_json",
	[WEIR_ERR_NOT_OBJECT] = "not_object",
	[WEIR_ERR_INVALID_ID] = "invalid_field:id",
	[WEIR_ERR_MISSING_SOURCE] = "missing_field:source",
	[WEIR_ERR_INVALID_SOURCE] = "invalid_field:source",
	[WEIR_ERR_MISSING_TYPE] = "missing_field:type",
	[WEIR_ERR_INVALID_TYPE] = "invalid_field:type",
	[WEIR_ERR_MISSING_TS] = "missing_field:ts",
	[WEIR_ERR_BAD_TIMESTAMP] = "bad_timestamp",
	[WEIR_ERR_TS_OUT_OF_RANGE] = "timestamp_out_of_range",
	[WEIR_ERR_INVALID_VALUE] = "invalid_field:value",
	[WEIR_ERR_INVALID_DATA] = "invalid_field:data",
	[WEIR_ERR_TOO_DEEP] = "too_deep",
	[WEIR_ERR_INVALID_KEY] = "invalid_key",
	[WEIR_ERR_RESERVED_FIELD] = "reserved_field",
	[WEIR_ERR_STORE_REJECTED] = "store_rejected",
	[WEIR_ERR_CONTENT_TYPE] = "unsupported_content_type",
};

const char *
weir_reason_code(enum weir_reason r)
{
	if ((unsigned)r >= WEIR_REASON_COUNT)
		return ("unknown");
	return (reason_codes[r]);
}
