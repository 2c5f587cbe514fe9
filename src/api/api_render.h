/* api_render.h - stored event documents straight from BSON to the API's JSON
 * text, without a jansson tree: the per-event cost of /v1/events answers. */
#ifndef WEIR_API_RENDER_H
#define WEIR_API_RENDER_H

#include <bson/bson.h>

#include "base/textbuf.h"

/* Appends the event document as weir_json_dumps(weir_event_doc_json(doc))
 * writes it, byte for byte. Out of memory sets b->oom. */
void	weir_event_doc_render(struct weir_textbuf *b, const bson_t *doc);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" as weir_ts_format writes it, without gmtime
 * and strftime for the years 1000..9999; returns its length (24). */
size_t	weir_render_date(int64_t ms, char buf[25]);

#endif
