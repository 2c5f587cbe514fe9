/* event_bson.h - the stored form of an event (MongoDB document).
 * Field layout is the `events` contract in docs/design.md. */
#ifndef WEIR_EVENT_BSON_H
#define WEIR_EVENT_BSON_H

#include <bson/bson.h>

#include "event/event.h"

/* Appends the event's document to `doc` (which the caller initialised).
 * Returns 0, or -1 if the document would exceed BSON's limits. */
int	weir_event_to_bson(const struct weir_event *, bson_t *doc);

/* Appends one JSON value under `key`; used for free-form fields. */
int	weir_json_to_bson(bson_t *doc, const char *key, size_t key_len,
	    const json_t *value);

#endif
