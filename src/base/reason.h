/* reason.h - stable reason codes for rejected events.
 * These strings are a public contract: dead-letter headers and metric labels. */
#ifndef WEIR_REASON_H
#define WEIR_REASON_H

enum weir_reason {
	WEIR_OK = 0,
	WEIR_ERR_TOO_LARGE,
	WEIR_ERR_INVALID_JSON,
	WEIR_ERR_NOT_OBJECT,
	WEIR_ERR_INVALID_ID,
	WEIR_ERR_MISSING_SOURCE,
	WEIR_ERR_INVALID_SOURCE,
	WEIR_ERR_MISSING_TYPE,
	WEIR_ERR_INVALID_TYPE,
	WEIR_ERR_MISSING_TS,
	WEIR_ERR_BAD_TIMESTAMP,
	WEIR_ERR_TS_OUT_OF_RANGE,
	WEIR_ERR_INVALID_VALUE,
	WEIR_ERR_INVALID_DATA,
	WEIR_ERR_TOO_DEEP,
	WEIR_ERR_INVALID_KEY,
	WEIR_ERR_RESERVED_FIELD,
	WEIR_ERR_STORE_REJECTED,
	WEIR_ERR_CONTENT_TYPE,
	WEIR_REASON_COUNT
};

/* The code as it appears in x-weir-error and in metric labels. */
const char	*weir_reason_code(enum weir_reason);

#endif
