/* event_tree.h - an event's decoded facts from a jansson tree.
 * The reference decoder: event_scan.c must agree with it wherever it vouches. */
#ifndef WEIR_EVENT_TREE_H
#define WEIR_EVENT_TREE_H

#include <bson/bson.h>
#include <jansson.h>

#include "event/event.h"

/* Fills dec from the top-level object `root` (whose strings it points
 * into) and, if rest is not NULL, appends every field outside the
 * document's fixed part to it (reinitialised first). */
void	weir_event_from_tree(struct weir_decoded *dec, const json_t *root,
	    bson_t *rest);

#endif
