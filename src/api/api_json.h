/* api_json.h - stored documents as API JSON, and the rollup of windows.
 * Pure: BSON and aggregates in, jansson values out. */
#ifndef WEIR_API_JSON_H
#define WEIR_API_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>
#include <jansson.h>

#include "base/textbuf.h"
#include "event/event.h"
#include "event/window.h"

/* An event document as the API shows it: `_id` becomes `id`, dates are
 * RFC 3339 strings in UTC. NULL when out of memory. */
json_t	*weir_event_doc_json(const bson_t *doc);

/* `v` in the shortest form that reads back as the same double ("0.58",
 * "1e+300", "-0.0"; ".0" added when it would read as an integer). `buf`
 * must hold WEIR_JSON_DOUBLE_MAX bytes; returns the length. */
#define WEIR_JSON_DOUBLE_MAX	32
size_t	weir_json_double(double v, char *buf);

/* Appends s[0..len) as a JSON string: quotes, escapes for '"', '\\' and
 * control characters (\u00XX upper case), everything else as it is. */
void	weir_json_string(struct weir_textbuf *, const char *s, size_t len);

/* A compact JSON text of `o` as json_dumps(o, JSON_COMPACT) writes it, but
 * with reals in weir_json_double's form. NULL when out of memory; free(). */
char	*weir_json_dumps(const json_t *o);

/* Rolls sorted 1-minute windows (by source, type, start) up into windows
 * of `width_ms`, emitting one JSON row per (source, type, window). */
struct weir_rollup {
	int64_t		width_ms;
	size_t		max_rows;
	json_t		*rows;
	int		have;
	char		source[WEIR_SOURCE_BUF];
	char		type[WEIR_TYPE_BUF];
	int64_t		start_ms;
	struct weir_agg	agg;
};

int	weir_rollup_init(struct weir_rollup *, int64_t width_ms,
	    size_t max_rows);
/* Adds one 1-minute window; -1 when max_rows would be exceeded. */
int	weir_rollup_add(struct weir_rollup *, const char *source,
	    const char *type, int64_t start_ms, const struct weir_agg *);
/* Returns the rows (the caller owns them); -1 rows overflow -> NULL. */
json_t	*weir_rollup_finish(struct weir_rollup *);
void	weir_rollup_free(struct weir_rollup *);

/* One row: source, type, window_start/end, count, sum, min, max, avg. */
json_t	*weir_agg_row(const char *source, const char *type, int64_t start_ms,
	    int64_t width_ms, const struct weir_agg *);

#endif
