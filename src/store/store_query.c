/* store_query.c - finds for the API's GET routes; pagination is keyset on
 * (ts, _id), so a page costs the same however deep it is. */
#include "store/store_docs.h"
#include "store/store_priv.h"
#include "store/store_query.h"

static void
time_range(bson_t *filter, const char *field, int has_from, int64_t from,
    int has_to, int64_t to)
{
	bson_t	range;

	if (!has_from && !has_to)
		return;
	bson_append_document_begin(filter, field, -1, &range);
	if (has_from)
		BSON_APPEND_DATE_TIME(&range, "$gte", from);
	if (has_to)
		BSON_APPEND_DATE_TIME(&range, "$lt", to);
	bson_append_document_end(filter, &range);
}

static void
key_filter(bson_t *f, const char *source, const char *type)
{
	if (source != NULL)
		BSON_APPEND_UTF8(f, "source", source);
	if (type != NULL)
		BSON_APPEND_UTF8(f, "type", type);
}

/* Newest first: after the cursor (ts, id) come older ts, or the same ts
 * with a smaller id. */
static void
events_filter(const struct weir_events_filter *q, bson_t *f)
{
	bson_t	or, a, b, lt;

	key_filter(f, q->source, q->type);
	time_range(f, "ts", q->has_from, q->from_ms, q->has_to, q->to_ms);
	if (!q->has_cursor)
		return;
	bson_append_array_begin(f, "$or", -1, &or);
	bson_append_document_begin(&or, "0", -1, &a);
	bson_append_document_begin(&a, "ts", -1, &lt);
	BSON_APPEND_DATE_TIME(&lt, "$lt", q->cursor_ts_ms);
	bson_append_document_end(&a, &lt);
	bson_append_document_end(&or, &a);
	bson_append_document_begin(&or, "1", -1, &b);
	BSON_APPEND_DATE_TIME(&b, "ts", q->cursor_ts_ms);
	bson_append_document_begin(&b, "_id", -1, &lt);
	BSON_APPEND_UTF8(&lt, "$lt", q->cursor_id);
	bson_append_document_end(&b, &lt);
	bson_append_document_end(&or, &b);
	bson_append_array_end(f, &or);
}

/* Runs one find and hands every document to fn until it says stop. */
static int
find(const struct weir_store_read *rd, const char *coll, const bson_t *filter,
    const bson_t *sort, int64_t limit, weir_store_doc_fn fn, void *arg,
    bson_error_t *e)
{
	mongoc_collection_t	*c;
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_t			opts = BSON_INITIALIZER;
	int			rc;

	if (sort != NULL)
		BSON_APPEND_DOCUMENT(&opts, "sort", sort);
	/* A batch one larger than the limit lets the server see the end and
	 * close the cursor with the first answer; else mongoc's destroy sends
	 * a killCursors round trip (FerretDB keeps a cursor open that
	 * returned exactly batchSize documents). */
	if (limit > 0) {
		BSON_APPEND_INT64(&opts, "limit", limit);
		BSON_APPEND_INT64(&opts, "batchSize", limit + 1);
	}
	BSON_APPEND_INT64(&opts, "maxTimeMS", rd->max_time_ms);
	c = weir_store_coll(rd->store, rd->client, coll);
	cur = mongoc_collection_find_with_opts(c, filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		if (fn(doc, arg) != 0)
			break;
	}
	rc = mongoc_cursor_error(cur, e) ? -1 : 0;
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(c);
	bson_destroy(&opts);
	return (rc);
}

int
weir_store_find_events(const struct weir_store_read *rd,
    const struct weir_events_filter *q, int64_t limit, weir_store_doc_fn fn,
    void *arg, bson_error_t *e)
{
	bson_t	filter = BSON_INITIALIZER, sort = BSON_INITIALIZER;
	int	rc;

	events_filter(q, &filter);
	BSON_APPEND_INT32(&sort, "ts", -1);
	BSON_APPEND_INT32(&sort, "_id", -1);
	rc = find(rd, WEIR_COLL_EVENTS, &filter, &sort, limit, fn, arg, e);
	bson_destroy(&filter);
	bson_destroy(&sort);
	return (rc);
}

int
weir_store_find_event(const struct weir_store_read *rd, const char *id,
    weir_store_doc_fn fn, void *arg, bson_error_t *e)
{
	bson_t	filter = BSON_INITIALIZER;
	int	rc;

	BSON_APPEND_UTF8(&filter, "_id", id);
	rc = find(rd, WEIR_COLL_EVENTS, &filter, NULL, 1, fn, arg, e);
	bson_destroy(&filter);
	return (rc);
}

int
weir_store_find_windows(const struct weir_store_read *rd, const char *source,
    const char *type, int64_t from, int64_t to, weir_store_doc_fn fn,
    void *arg, bson_error_t *e)
{
	bson_t	filter = BSON_INITIALIZER, sort = BSON_INITIALIZER;
	int	rc;

	key_filter(&filter, source, type);
	time_range(&filter, "window_start", 1, from, 1, to);
	BSON_APPEND_INT32(&sort, "source", 1);
	BSON_APPEND_INT32(&sort, "type", 1);
	BSON_APPEND_INT32(&sort, "window_start", 1);
	rc = find(rd, WEIR_COLL_WINDOWS, &filter, &sort, 0, fn, arg, e);
	bson_destroy(&filter);
	bson_destroy(&sort);
	return (rc);
}

int
weir_store_count_events(const struct weir_store_read *rd, int64_t now_ms,
    int64_t *total, int64_t *last_minute)
{
	mongoc_collection_t	*c;
	bson_t			filter = BSON_INITIALIZER, opts = BSON_INITIALIZER;
	bson_error_t		e;

	c = weir_store_coll(rd->store, rd->client, WEIR_COLL_EVENTS);
	BSON_APPEND_INT64(&opts, "maxTimeMS", rd->max_time_ms);
	*total = mongoc_collection_estimated_document_count(c, &opts, NULL,
	    NULL, &e);
	time_range(&filter, "ts", 1, now_ms - 60000, 1, now_ms);
	*last_minute = *total < 0 ? -1 : mongoc_collection_count_documents(c,
	    &filter, &opts, NULL, NULL, &e);
	mongoc_collection_destroy(c);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return (*total < 0 || *last_minute < 0 ? -1 : 0);
}
