/* store_docs.h - weir's MongoDB layout: the collection names and the reading
 * of a window document. Pure BSON, so the unit tests and the API share it. */
#ifndef WEIR_STORE_DOCS_H
#define WEIR_STORE_DOCS_H

#include <stdint.h>

#include <bson/bson.h>

#include "event/window.h"

/* One document per event, _id = the event id (docs/design.md). */
#define WEIR_COLL_EVENTS	"events"
/* One document per (source, type, 1-minute window). */
#define WEIR_COLL_WINDOWS	"aggregates"

/* Reads a stored 1-minute window's key and figures; -1 if it lacks
 * source, type or window_start (what it found is set all the same). */
int	weir_window_doc_read(const bson_t *doc, const char **source,
	    const char **type, int64_t *start_ms, struct weir_agg *);

#endif
