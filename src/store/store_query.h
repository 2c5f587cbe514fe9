/* store_query.h - the API's reads: events newest first, one event, window
 * documents in order, event counts. Each bounded by maxTimeMS; blocking. */
#ifndef WEIR_STORE_QUERY_H
#define WEIR_STORE_QUERY_H

#include <stdint.h>

#include <mongoc/mongoc.h>

#include "store/store.h"

/* One read: a client popped from the store, and its time limit. */
struct weir_store_read {
	struct weir_store	*store;
	mongoc_client_t		*client;
	int			max_time_ms;
};

/* What /v1/events filters on; NULL strings and unset ranges mean any. */
struct weir_events_filter {
	const char	*source;
	const char	*type;
	int		has_from, has_to;
	int64_t		from_ms, to_ms;		/* ts in [from, to) */
	int		has_cursor;		/* only after (ts, _id) */
	int64_t		cursor_ts_ms;
	const char	*cursor_id;
};

/* Called for each document in order; non-zero stops the read. */
typedef int	(*weir_store_doc_fn)(const bson_t *doc, void *arg);

/* The server's code for a read that ran past its maxTimeMS. */
#define WEIR_STORE_TIMED_OUT	50

/* Each returns 0 or -1 with e set (e->code WEIR_STORE_TIMED_OUT: the read
 * took too long). */

/* Events matching f, newest first (ts, then _id, descending). */
int	weir_store_find_events(const struct weir_store_read *,
	    const struct weir_events_filter *, int64_t limit,
	    weir_store_doc_fn, void *arg, bson_error_t *e);
/* The event with this id, if any (fn is not called otherwise). */
int	weir_store_find_event(const struct weir_store_read *, const char *id,
	    weir_store_doc_fn, void *arg, bson_error_t *e);
/* 1-minute window documents with window_start in [from, to), sorted by
 * source, type and window_start; source/type NULL for any. */
int	weir_store_find_windows(const struct weir_store_read *,
	    const char *source, const char *type, int64_t from_ms,
	    int64_t to_ms, weir_store_doc_fn, void *arg, bson_error_t *e);
/* All stored events (estimated) and those with ts in the minute before
 * now_ms. -1 when MongoDB did not answer. */
int	weir_store_count_events(const struct weir_store_read *,
	    int64_t now_ms, int64_t *total, int64_t *last_minute);

#endif
