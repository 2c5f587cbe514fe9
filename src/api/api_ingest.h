/* api_ingest.h - POST /v1/events bodies: split, validate, prepare to publish.
 * Each event runs through the same pipeline stages as a consumed message. */
#ifndef WEIR_API_INGEST_H
#define WEIR_API_INGEST_H

#include <stddef.h>

#include <jansson.h>

#include "api/api_params.h"
#include "pipeline/pipeline.h"

#define WEIR_INGEST_MAX_EVENTS	1000
#define WEIR_INGEST_MAX_BYTES	(1024 * 1024)

/* One accepted event: the exact bytes to publish and the id the
 * consumer will derive from them (sent as the AMQP message-id). */
struct weir_ingest_item {
	char	id[WEIR_ID_MAX + 1];
	char	*body;			/* malloc'd, compact JSON */
	size_t	len;
	char	routing_key[256];
};

struct weir_ingest {
	struct weir_ingest_item	*items;
	size_t			n;		/* events in the body */
	json_t			*rejected;	/* array of {index, reason, ...} */
	size_t			n_rejected;
};

enum weir_ingest_result {
	WEIR_INGEST_OK,		/* every event valid: publish items */
	WEIR_INGEST_REJECTED,	/* some events invalid: 400 with `rejected` */
	WEIR_INGEST_BAD_BODY,	/* not JSON, not an object or array: 400 */
	WEIR_INGEST_TOO_LARGE,	/* over the size or count limit: 413 */
	WEIR_INGEST_NOMEM
};

/* Parses and validates `body`. On BAD_BODY and TOO_LARGE `err` says why.
 * Always call weir_ingest_free afterwards. */
enum weir_ingest_result	weir_ingest_parse(const char *body, size_t len,
			    const struct weir_stage_ctx *, struct weir_ingest *,
			    struct weir_api_error *err);
void			weir_ingest_free(struct weir_ingest *);

/* The field a reason code is about ("missing_field:source" -> "source"),
 * or "body" for reasons about the whole event. */
const char		*weir_reason_field(enum weir_reason);

#endif
