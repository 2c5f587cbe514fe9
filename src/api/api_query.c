/* api_query.c - answers of /v1/events and /v1/aggregates from the store's
 * reads, bounded in size (rows, bytes); the cursor is the last (ts, _id). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "api/api_query.h"
#include "api/api_render.h"
#include "api/problem.h"
#include "base/textbuf.h"
#include "base/timestamp.h"
#include "store/store_docs.h"

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

	snprintf(detail, sizeof(detail), "%s: %.200s",
	    e->code == WEIR_STORE_TIMED_OUT ?
	    "the query exceeded its time limit; narrow the filter" :
	    "MongoDB did not answer", e->message);
	weir_api_reply_problem(r, 503, detail, NULL, NULL);
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
	int			limit;
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
page_add(struct page *p, const bson_t *doc)
{
	if (p->n == p->limit || p->text.len > WEIR_API_RESPONSE_MAX) {
		p->more = 1;
		return (-1);
	}
	if (p->n > 0)
		weir_textbuf_append(&p->text, ",", 1);
	weir_event_doc_render(&p->text, doc);
	p->n++;
	page_keep_key(p, doc);
	return (0);
}

static int
page_add_fn(const bson_t *doc, void *arg)
{
	return (page_add(arg, doc));
}

static void
events_filter(const struct weir_api_query *q, struct weir_events_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->source = q->has_source ? q->source : NULL;
	f->type = q->has_type ? q->type : NULL;
	f->has_from = q->has_from;
	f->from_ms = q->from_ms;
	f->has_to = q->has_to;
	f->to_ms = q->to_ms;
	f->has_cursor = q->has_cursor;
	f->cursor_ts_ms = q->cursor_ts_ms;
	f->cursor_id = q->cursor_id;
}

static void
page_finish(struct page *p, struct weir_api_reply *r)
{
	char	cursor[WEIR_CURSOR_MAX];

	if (p->more && p->have_key && weir_cursor_encode(p->last_ts,
	    p->last_id, cursor, sizeof(cursor)) > 0)
		weir_textbuf_printf(&p->text, "],\"next_cursor\":\"%s\"",
		    cursor);
	else
		weir_textbuf_printf(&p->text, "],\"next_cursor\":null");
	weir_textbuf_printf(&p->text, ",\"limit\":%d,\"count\":%d}",
	    p->limit, p->n);
	r->status = 200;
	r->type = "application/json";
	r->body = p->text.data;
	r->len = p->text.len;
	p->text.data = NULL;
}

void
weir_api_events_list(const struct weir_api_env *env,
    const struct weir_api_query *q, struct weir_api_reply *r)
{
	struct weir_events_filter	f;
	bson_error_t			e;
	struct page			p;

	memset(&p, 0, sizeof(p));
	p.limit = q->limit;
	events_filter(q, &f);
	weir_textbuf_printf(&p.text, "{\"items\":[");
	if (weir_store_find_events(&env->read, &f, q->limit + 1, page_add_fn,
	    &p, &e) == -1)
		db_unavailable(r, &e);
	else if (p.text.oom)
		weir_api_reply_problem(r, 503, "out of memory", NULL, NULL);
	else
		page_finish(&p, r);
	weir_textbuf_free(&p.text);
}

static int
reply_event_fn(const bson_t *doc, void *arg)
{
	struct weir_api_reply	*r = arg;
	struct weir_textbuf	b = { 0 };

	weir_event_doc_render(&b, doc);
	if (b.oom || b.data == NULL) {
		weir_textbuf_free(&b);
		weir_api_reply_problem(r, 503, "out of memory rendering the "
		    "answer", NULL, NULL);
		return (0);
	}
	r->status = 200;
	r->type = "application/json";
	r->body = b.data;
	r->len = b.len;
	return (0);
}

void
weir_api_event_get(const struct weir_api_env *env, const char *id,
    struct weir_api_reply *r)
{
	bson_error_t	e;

	r->status = 0;
	if (weir_store_find_event(&env->read, id, reply_event_fn, r, &e) == -1)
		db_unavailable(r, &e);
	else if (r->status == 0)
		weir_api_reply_problem(r, 404, "no event with this id", "id",
		    "must be the id of a stored event");
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

struct rollup_scan {
	struct weir_rollup	ru;
	long			scanned;
	int			too_many;
};

/* Rolls one 1-minute window document up; stops past the bounds. */
static int
rollup_fn(const bson_t *doc, void *arg)
{
	struct rollup_scan	*sc = arg;
	const char		*source, *type;
	struct weir_agg		a;
	int64_t			start = 0;

	if (++sc->scanned > WEIR_API_SCAN_MAX)
		return (sc->too_many = 1);
	if (weir_window_doc_read(doc, &source, &type, &start, &a) == -1)
		return (0);
	if (weir_rollup_add(&sc->ru, source, type, start, &a) == -1)
		return (sc->too_many = 1);
	return (0);
}

void
weir_api_aggregates(const struct weir_api_env *env,
    const struct weir_api_query *q, struct weir_api_reply *r)
{
	struct rollup_scan	sc;
	bson_error_t		e;
	int64_t			to, from;
	json_t			*rows = NULL;
	int			rc;

	to = q->has_to ? q->to_ms : env->now_ms + 60000;
	from = q->has_from ? q->from_ms : to - 86400000LL;
	from = weir_window_start(from < 0 ? 0 : from, q->window_ms);
	memset(&sc, 0, sizeof(sc));
	weir_rollup_init(&sc.ru, q->window_ms, WEIR_API_ROWS_MAX);
	rc = weir_store_find_windows(&env->read, q->has_source ? q->source :
	    NULL, q->has_type ? q->type : NULL, from, to, rollup_fn, &sc, &e);
	if (rc == -1 && !sc.too_many)
		db_unavailable(r, &e);
	else if (sc.too_many || (rows = weir_rollup_finish(&sc.ru)) == NULL)
		weir_api_reply_problem(r, 400, "the range holds too many windows",
		    "from", "from..to must hold at most 10000 windows; narrow "
		    "it, filter by source/type or use a coarser window");
	else
		weir_api_reply_json(r, 200, aggregates_doc(q, from, to, rows));
	weir_rollup_free(&sc.ru);
}
