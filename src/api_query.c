/* api_query.c - finds for /v1/events and /v1/aggregates, bounded in time
 * (maxTimeMS) and in size (rows, bytes); pagination is keyset on (ts, _id). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_json.h"
#include "api_query.h"
#include "problem.h"
#include "textbuf.h"
#include "timestamp.h"

void
weir_api_reply_problem(struct weir_api_reply *r, int status,
    const char *detail, const char *field, const char *rule)
{
	r->status = status;
	r->type = WEIR_PROBLEM_TYPE;
	r->body = weir_problem_render(status, detail, field, rule, NULL,
	    &r->len);
	if (r->body == NULL)
		r->len = 0;
}

void
weir_api_reply_json(struct weir_api_reply *r, int status, json_t *o)
{
	r->body = o != NULL ? weir_json_dumps(o) : NULL;
	json_decref(o);
	if (r->body == NULL) {
		weir_api_reply_problem(r, 503, "out of memory rendering the "
		    "answer", NULL, NULL);
		return;
	}
	r->status = status;
	r->type = "application/json";
	r->len = strlen(r->body);
}

static void
db_unavailable(struct weir_api_reply *r, const bson_error_t *e)
{
	char	detail[300];

	/* 50 is MaxTimeMSExpired: the query itself took too long. */
	snprintf(detail, sizeof(detail), "%s: %.200s", e->code == 50 ?
	    "the query exceeded its time limit; narrow the filter" :
	    "MongoDB did not answer", e->message);
	weir_api_reply_problem(r, 503, detail, NULL, NULL);
}

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

/* Newest first: after the cursor (ts, id) come older ts, or the same ts
 * with a smaller id. */
static void
events_filter(const struct weir_api_query *q, bson_t *f)
{
	bson_t	or, a, b, lt;

	if (q->has_source)
		BSON_APPEND_UTF8(f, "source", q->source);
	if (q->has_type)
		BSON_APPEND_UTF8(f, "type", q->type);
	time_range(f, "ts", q->has_from, q->from_ms, q->has_to, q->to_ms);
	if (!q->has_cursor)
		return;
	bson_append_array_begin(f, "$or", 3, &or);
	bson_append_document_begin(&or, "0", 1, &a);
	bson_append_document_begin(&a, "ts", 2, &lt);
	BSON_APPEND_DATE_TIME(&lt, "$lt", q->cursor_ts_ms);
	bson_append_document_end(&a, &lt);
	bson_append_document_end(&or, &a);
	bson_append_document_begin(&or, "1", 1, &b);
	BSON_APPEND_DATE_TIME(&b, "ts", q->cursor_ts_ms);
	bson_append_document_begin(&b, "_id", 3, &lt);
	BSON_APPEND_UTF8(&lt, "$lt", q->cursor_id);
	bson_append_document_end(&b, &lt);
	bson_append_document_end(&or, &b);
	bson_append_array_end(f, &or);
}

static mongoc_cursor_t *
find(const struct weir_api_env *env, const char *coll, const bson_t *filter,
    const bson_t *sort, int64_t limit)
{
	mongoc_collection_t	*c;
	mongoc_cursor_t		*cur;
	bson_t			opts = BSON_INITIALIZER;

	if (sort != NULL)
		BSON_APPEND_DOCUMENT(&opts, "sort", sort);
	if (limit > 0)
		BSON_APPEND_INT64(&opts, "limit", limit);
	BSON_APPEND_INT64(&opts, "maxTimeMS", env->max_time_ms);
	c = mongoc_client_get_collection(env->client, env->db, coll);
	cur = mongoc_collection_find_with_opts(c, filter, &opts, NULL);
	mongoc_collection_destroy(c);
	bson_destroy(&opts);
	return (cur);
}

/* Reads the (ts, _id) of an event for its cursor; 0 when both are usable. */
static int
doc_key(const bson_t *doc, int64_t *ts, const char **id)
{
	bson_iter_t	it;

	*id = NULL;
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_UTF8(&it))
		*id = bson_iter_utf8(&it, NULL);
	if (!bson_iter_init_find(&it, doc, "ts") ||
	    !BSON_ITER_HOLDS_DATE_TIME(&it) || *id == NULL)
		return (-1);
	*ts = bson_iter_date_time(&it);
	return (0);
}

struct page {
	struct weir_textbuf	text;
	int			n;
	int			more;
	int			have_key;	/* of the last event added */
	int64_t			last_ts;
	char			last_id[WEIR_ID_MAX + 1];
};

/* Remembers the last event's key; the cursor is encoded once, at the end. */
static void
page_keep_key(struct page *p, const bson_t *doc)
{
	int64_t		ts;
	const char	*id;
	size_t		len;

	p->have_key = doc_key(doc, &ts, &id) == 0 &&
	    (len = strlen(id)) <= WEIR_ID_MAX;
	if (p->have_key) {
		p->last_ts = ts;
		memcpy(p->last_id, id, len + 1);
	}
}

/* Appends one event unless the page is full (by count or bytes). */
static int
page_add(struct page *p, const struct weir_api_query *q, const bson_t *doc)
{
	json_t		*o;
	char		*s;

	if (p->n == q->limit || p->text.len > WEIR_API_RESPONSE_MAX) {
		p->more = 1;
		return (-1);
	}
	if ((o = weir_event_doc_json(doc)) == NULL ||
	    (s = weir_json_dumps(o)) == NULL) {
		json_decref(o);
		return (0);
	}
	json_decref(o);
	if (p->n > 0)
		weir_textbuf_append(&p->text, ",", 1);
	weir_textbuf_append(&p->text, s, strlen(s));
	free(s);
	p->n++;
	page_keep_key(p, doc);
	return (0);
}

void
weir_api_events_list(const struct weir_api_env *env,
    const struct weir_api_query *q, struct weir_api_reply *r)
{
	bson_t		filter = BSON_INITIALIZER, sort = BSON_INITIALIZER;
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_error_t	e;
	struct page	p;
	char		cursor[WEIR_CURSOR_MAX];

	memset(&p, 0, sizeof(p));
	events_filter(q, &filter);
	BSON_APPEND_INT32(&sort, "ts", -1);
	BSON_APPEND_INT32(&sort, "_id", -1);
	weir_textbuf_printf(&p.text, "{\"items\":[");
	cur = find(env, "events", &filter, &sort, q->limit + 1);
	while (mongoc_cursor_next(cur, &doc)) {
		if (page_add(&p, q, doc) == -1)
			break;
	}
	if (mongoc_cursor_error(cur, &e)) {
		db_unavailable(r, &e);
	} else if (p.text.oom) {
		weir_api_reply_problem(r, 503, "out of memory", NULL, NULL);
	} else {
		if (p.more && p.have_key && weir_cursor_encode(p.last_ts,
		    p.last_id, cursor, sizeof(cursor)) > 0)
			weir_textbuf_printf(&p.text, "],\"next_cursor\":\"%s\"",
			    cursor);
		else
			weir_textbuf_printf(&p.text, "],\"next_cursor\":null");
		weir_textbuf_printf(&p.text, ",\"limit\":%d,\"count\":%d}",
		    q->limit, p.n);
		r->status = 200;
		r->type = "application/json";
		r->body = p.text.data;
		r->len = p.text.len;
		p.text.data = NULL;
	}
	weir_textbuf_free(&p.text);
	mongoc_cursor_destroy(cur);
	bson_destroy(&filter);
	bson_destroy(&sort);
}

void
weir_api_event_get(const struct weir_api_env *env, const char *id,
    struct weir_api_reply *r)
{
	bson_t		filter = BSON_INITIALIZER;
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_error_t	e;
	int		found = 0;

	BSON_APPEND_UTF8(&filter, "_id", id);
	cur = find(env, "events", &filter, NULL, 1);
	if (mongoc_cursor_next(cur, &doc)) {
		found = 1;
		weir_api_reply_json(r, 200, weir_event_doc_json(doc));
	}
	if (mongoc_cursor_error(cur, &e))
		db_unavailable(r, &e);
	else if (!found)
		weir_api_reply_problem(r, 404, "no event with this id", "id",
		    "must be the id of a stored event");
	mongoc_cursor_destroy(cur);
	bson_destroy(&filter);
}

static json_t *
aggregates_doc(const struct weir_api_query *q, int64_t from, int64_t to,
    json_t *rows)
{
	json_t	*o = json_object();
	char	f[25], t[25];

	weir_ts_format(from, f);
	weir_ts_format(to, t);
	json_object_set_new(o, "window", json_string(q->window));
	json_object_set_new(o, "from", json_string(f));
	json_object_set_new(o, "to", json_string(t));
	json_object_set_new(o, "items", rows);
	return (o);
}

/* Reads the windows in order and rolls them up; returns the HTTP status
 * (200, 400 for too many rows) or -1 for a database error in `e`. */
static int
rollup_all(mongoc_cursor_t *cur, struct weir_rollup *ru, bson_error_t *e)
{
	const bson_t	*doc;
	const char	*source, *type;
	struct weir_agg	a;
	int64_t		start = 0;
	long		scanned = 0;

	while (mongoc_cursor_next(cur, &doc)) {
		if (++scanned > WEIR_API_SCAN_MAX)
			return (400);
		if (weir_window_doc_read(doc, &source, &type, &start, &a) == -1)
			continue;
		if (weir_rollup_add(ru, source, type, start, &a) == -1)
			return (400);
	}
	return (mongoc_cursor_error(cur, e) ? -1 : 200);
}

void
weir_api_aggregates(const struct weir_api_env *env,
    const struct weir_api_query *q, struct weir_api_reply *r)
{
	bson_t			filter = BSON_INITIALIZER, sort = BSON_INITIALIZER;
	struct weir_rollup	ru;
	mongoc_cursor_t		*cur;
	bson_error_t		e;
	int64_t			to, from;
	json_t			*rows;
	int			st;

	to = q->has_to ? q->to_ms : env->now_ms + 60000;
	from = q->has_from ? q->from_ms : to - 86400000LL;
	from = weir_window_start(from < 0 ? 0 : from, q->window_ms);
	if (q->has_source)
		BSON_APPEND_UTF8(&filter, "source", q->source);
	if (q->has_type)
		BSON_APPEND_UTF8(&filter, "type", q->type);
	time_range(&filter, "window_start", 1, from, 1, to);
	BSON_APPEND_INT32(&sort, "source", 1);
	BSON_APPEND_INT32(&sort, "type", 1);
	BSON_APPEND_INT32(&sort, "window_start", 1);
	weir_rollup_init(&ru, q->window_ms, WEIR_API_ROWS_MAX);
	cur = find(env, "aggregates", &filter, &sort, 0);
	st = rollup_all(cur, &ru, &e);
	if (st == -1)
		db_unavailable(r, &e);
	else if (st == 400 || (rows = weir_rollup_finish(&ru)) == NULL)
		weir_api_reply_problem(r, 400, "the range holds too many windows",
		    "from", "from..to must hold at most 10000 windows; narrow "
		    "it, filter by source/type or use a coarser window");
	else
		weir_api_reply_json(r, 200, aggregates_doc(q, from, to, rows));
	weir_rollup_free(&ru);
	mongoc_cursor_destroy(cur);
	bson_destroy(&filter);
	bson_destroy(&sort);
}

int
weir_api_event_counts(const struct weir_api_env *env, int64_t *total,
    int64_t *last_minute)
{
	mongoc_collection_t	*c;
	bson_t			filter = BSON_INITIALIZER, opts = BSON_INITIALIZER;
	bson_error_t		e;

	c = mongoc_client_get_collection(env->client, env->db, "events");
	BSON_APPEND_INT64(&opts, "maxTimeMS", env->max_time_ms);
	*total = mongoc_collection_estimated_document_count(c, &opts, NULL,
	    NULL, &e);
	time_range(&filter, "ts", 1, env->now_ms - 60000, 1, env->now_ms);
	*last_minute = *total < 0 ? -1 : mongoc_collection_count_documents(c,
	    &filter, &opts, NULL, NULL, &e);
	mongoc_collection_destroy(c);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return (*total < 0 || *last_minute < 0 ? -1 : 0);
}
