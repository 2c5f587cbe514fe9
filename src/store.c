/* store.c - MongoDB access: pool, indexes, event inserts, window upkeep.
 * Blocking calls only; callers are consumer, aggregator and probe threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "timestamp.h"
#include "window.h"

#define WTIMEOUT_MS		10000
#define RECOMPUTE_BATCH		10000
/* FerretDB 1.24 hangs on one update command of 100+ statements that
 * match existing documents (one pooled SQLite connection each). */
#define MARKS_PER_BULK		50

struct weir_store {
	mongoc_client_pool_t	*pool;
	mongoc_uri_t		*uri;
	char			db[WEIR_NAME_MAX];
	enum weir_write_concern	wc_mode;
	int			ttl_s;
	pthread_mutex_t		setup_lock;
	/* FerretDB applies an update as read-modify-write of the whole
	 * document, so a window mark racing the aggregator's result write
	 * can be lost. MongoDB updates are atomic per document; for FerretDB
	 * this lock keeps the two apart within one process. */
	pthread_mutex_t		window_lock;
	_Atomic int		setup_done;
	mongoc_write_concern_t	*wc;		/* valid once setup_done */
	bson_t			insert_opts;	/* idem */
};

static void
set_default_int(mongoc_uri_t *uri, const char *opt, int32_t v)
{
	if (!mongoc_uri_has_option(uri, opt))
		mongoc_uri_set_option_as_int32(uri, opt, v);
}

struct weir_store *
weir_store_open(const struct weir_config *cfg, char *err, size_t len)
{
	struct weir_store	*s;
	bson_error_t		berr;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, len, "out of memory");
		return (NULL);
	}
	if ((s->uri = mongoc_uri_new_with_error(cfg->mongodb_uri, &berr)) ==
	    NULL) {
		snprintf(err, len, "MONGODB_URI: %s", berr.message);
		free(s);
		return (NULL);
	}
	/* Fail fast: threads retry with backoff, HTTP must not hang. */
	set_default_int(s->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 2000);
	set_default_int(s->uri, MONGOC_URI_CONNECTTIMEOUTMS, 2000);
	/* Bounds every blocking call, so SIGTERM drains in time. */
	set_default_int(s->uri, MONGOC_URI_SOCKETTIMEOUTMS, 5000);
	set_default_int(s->uri, MONGOC_URI_HEARTBEATFREQUENCYMS, 2000);
	if (!mongoc_uri_has_option(s->uri, MONGOC_URI_APPNAME))
		mongoc_uri_set_appname(s->uri, "weir");
	s->pool = mongoc_client_pool_new(s->uri);
	mongoc_client_pool_set_error_api(s->pool, MONGOC_ERROR_API_VERSION_2);
	snprintf(s->db, sizeof(s->db), "%s", cfg->mongodb_database);
	s->wc_mode = cfg->write_concern;
	s->ttl_s = cfg->events_ttl_s;
	pthread_mutex_init(&s->setup_lock, NULL);
	pthread_mutex_init(&s->window_lock, NULL);
	bson_init(&s->insert_opts);
	return (s);
}

void
weir_store_close(struct weir_store *s)
{
	if (s == NULL)
		return;
	mongoc_client_pool_destroy(s->pool);
	mongoc_uri_destroy(s->uri);
	if (s->wc != NULL)
		mongoc_write_concern_destroy(s->wc);
	bson_destroy(&s->insert_opts);
	pthread_mutex_destroy(&s->setup_lock);
	pthread_mutex_destroy(&s->window_lock);
	free(s);
}

mongoc_client_t *
weir_store_client(struct weir_store *s)
{
	return (mongoc_client_pool_pop(s->pool));
}

void
weir_store_release(struct weir_store *s, mongoc_client_t *c)
{
	if (c != NULL)
		mongoc_client_pool_push(s->pool, c);
}

int
weir_store_ping(struct weir_store *s, mongoc_client_t *c)
{
	bson_t		cmd = BSON_INITIALIZER;
	bson_error_t	berr;
	int		ok;

	(void)s;
	BSON_APPEND_INT32(&cmd, "ping", 1);
	ok = mongoc_client_command_simple(c, "admin", &cmd, NULL, NULL, &berr);
	bson_destroy(&cmd);
	return (ok ? 0 : -1);
}

static int
is_replica_set(mongoc_client_t *c, int *rs, char *err, size_t len)
{
	bson_t		cmd = BSON_INITIALIZER, reply;
	bson_error_t	berr;
	int		ok;

	BSON_APPEND_INT32(&cmd, "hello", 1);
	ok = mongoc_client_command_simple(c, "admin", &cmd, NULL, &reply, &berr);
	if (ok)
		*rs = bson_has_field(&reply, "setName");
	else
		snprintf(err, len, "hello: %s", berr.message);
	bson_destroy(&reply);
	bson_destroy(&cmd);
	return (ok ? 0 : -1);
}

static void
index_spec(bson_t *arr, int i, const char *name, const char *k1, int d1,
    const char *k2, int d2, const char *k3, int d3)
{
	bson_t	doc, key;
	char	idx[4];

	snprintf(idx, sizeof(idx), "%d", i);
	bson_append_document_begin(arr, idx, -1, &doc);
	bson_append_document_begin(&doc, "key", -1, &key);
	BSON_APPEND_INT32(&key, k1, d1);
	if (k2 != NULL)
		BSON_APPEND_INT32(&key, k2, d2);
	if (k3 != NULL)
		BSON_APPEND_INT32(&key, k3, d3);
	bson_append_document_end(&doc, &key);
	BSON_APPEND_UTF8(&doc, "name", name);
	bson_append_document_end(arr, &doc);
}

/* 1 when every index named in `indexes` already exists. FerretDB 1.24
 * drops the connection on a createIndexes that changes nothing. */
static int
indexes_exist(mongoc_client_t *c, const char *db, const char *coll,
    const bson_t *indexes)
{
	mongoc_collection_t	*col = mongoc_client_get_collection(c, db, coll);
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_iter_t		it, spec;
	int			want = 0, have = 0;

	cur = mongoc_collection_find_indexes_with_opts(col, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "name") ||
		    !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		const char *name = bson_iter_utf8(&it, NULL);
		bson_iter_t arr;

		if (!bson_iter_init(&arr, indexes))
			break;
		while (bson_iter_next(&arr)) {
			if (bson_iter_recurse(&arr, &spec) &&
			    bson_iter_find(&spec, "name") &&
			    strcmp(bson_iter_utf8(&spec, NULL), name) == 0)
				have++;
		}
	}
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(col);
	if (bson_iter_init(&it, indexes)) {
		while (bson_iter_next(&it))
			want++;
	}
	return (have >= want);
}

static int
create_indexes(mongoc_client_t *c, const char *db, const char *coll,
    const bson_t *indexes, char *err, size_t len)
{
	bson_t		cmd = BSON_INITIALIZER;
	bson_error_t	berr;
	mongoc_database_t *d;
	int		ok;

	if (indexes_exist(c, db, coll, indexes)) {
		bson_destroy(&cmd);
		return (0);
	}
	d = mongoc_client_get_database(c, db);
	BSON_APPEND_UTF8(&cmd, "createIndexes", coll);
	BSON_APPEND_ARRAY(&cmd, "indexes", indexes);
	ok = mongoc_database_command_simple(d, &cmd, NULL, NULL, &berr);
	if (!ok)
		snprintf(err, len, "createIndexes %s: %s", coll, berr.message);
	bson_destroy(&cmd);
	mongoc_database_destroy(d);
	return (ok ? 0 : -1);
}

static int
create_all_indexes(struct weir_store *s, mongoc_client_t *c, char *err,
    size_t len)
{
	bson_t	ev = BSON_INITIALIZER, agg = BSON_INITIALIZER;
	int	rc;

	index_spec(&ev, 0, "source_type_ts", "source", 1, "type", 1, "ts", -1);
	index_spec(&ev, 1, "type_ts", "type", 1, "ts", -1, NULL, 0);
	index_spec(&ev, 2, "ts", "ts", -1, "_id", -1, NULL, 0);
	index_spec(&agg, 0, "dirty", "dirty", 1, NULL, 0, NULL, 0);
	index_spec(&agg, 1, "source_type_window", "source", 1, "type", 1,
	    "window_start", 1);
	index_spec(&agg, 2, "window", "window_start", 1, NULL, 0, NULL, 0);
	rc = create_indexes(c, s->db, "events", &ev, err, len);
	if (rc == 0)
		rc = create_indexes(c, s->db, "aggregates", &agg, err, len);
	bson_destroy(&ev);
	bson_destroy(&agg);
	return (rc);
}

static int
create_ttl_index(struct weir_store *s, mongoc_client_t *c, char *err,
    size_t len)
{
	bson_t	arr = BSON_INITIALIZER, doc, key;

	bson_append_document_begin(&arr, "0", 1, &doc);
	bson_append_document_begin(&doc, "key", 3, &key);
	BSON_APPEND_INT32(&key, "received_at", 1);
	bson_append_document_end(&doc, &key);
	BSON_APPEND_UTF8(&doc, "name", "received_at_ttl");
	BSON_APPEND_INT32(&doc, "expireAfterSeconds", s->ttl_s);
	bson_append_document_end(&arr, &doc);
	if (create_indexes(c, s->db, "events", &arr, err, len) == -1) {
		bson_destroy(&arr);
		return (-1);
	}
	bson_destroy(&arr);
	return (0);
}

int
weir_store_setup(struct weir_store *s, mongoc_client_t *c, char *err,
    size_t len)
{
	int	rs = 0, rc = 0;

	if (atomic_load(&s->setup_done))
		return (0);
	pthread_mutex_lock(&s->setup_lock);
	if (!atomic_load(&s->setup_done)) {
		rc = is_replica_set(c, &rs, err, len);
		if (rc == 0)
			rc = create_all_indexes(s, c, err, len);
		if (rc == 0 && s->ttl_s > 0)
			rc = create_ttl_index(s, c, err, len);
		if (rc == 0) {
			s->wc = mongoc_write_concern_new();
			if (s->wc_mode == WEIR_WC_MAJORITY ||
			    (s->wc_mode == WEIR_WC_AUTO && rs))
				mongoc_write_concern_set_w(s->wc,
				    MONGOC_WRITE_CONCERN_W_MAJORITY);
			else
				mongoc_write_concern_set_w(s->wc, 1);
			mongoc_write_concern_set_wtimeout_int64(s->wc,
			    WTIMEOUT_MS);
			BSON_APPEND_BOOL(&s->insert_opts, "ordered", false);
			mongoc_write_concern_append(s->wc, &s->insert_opts);
			atomic_store(&s->setup_done, 1);
		}
	}
	pthread_mutex_unlock(&s->setup_lock);
	return (rc);
}

int
weir_store_is_setup(const struct weir_store *s)
{
	return (atomic_load(&s->setup_done));
}

/* Sorts the write errors of an unordered insert into duplicates and
 * permanent rejections; -1 if the reply does not account for every doc. */
static int
classify_reply(const bson_t *reply, size_t n, struct weir_insert_result *r)
{
	bson_iter_t	it, arr, doc;
	int32_t		index, code;
	const char	*msg;

	if (bson_iter_init_find(&it, reply, "writeConcernErrors"))
		return (-1);
	if (bson_iter_init_find(&it, reply, "insertedCount"))
		r->stored = (size_t)bson_iter_as_int64(&it);
	if (!bson_iter_init_find(&it, reply, "writeErrors") ||
	    !bson_iter_recurse(&it, &arr))
		return (r->stored == n ? 0 : -1);
	while (bson_iter_next(&arr)) {
		if (!bson_iter_recurse(&arr, &doc))
			return (-1);
		index = code = -1;
		msg = "";
		while (bson_iter_next(&doc)) {
			if (strcmp(bson_iter_key(&doc), "index") == 0)
				index = (int32_t)bson_iter_as_int64(&doc);
			else if (strcmp(bson_iter_key(&doc), "code") == 0)
				code = (int32_t)bson_iter_as_int64(&doc);
			else if (BSON_ITER_HOLDS_UTF8(&doc) &&
			    strcmp(bson_iter_key(&doc), "errmsg") == 0)
				msg = bson_iter_utf8(&doc, NULL);
		}
		if (index < 0 || (size_t)index >= n)
			return (-1);
		if (code == 11000) {
			r->duplicates++;
		} else {
			if (r->rejected == 0)
				snprintf(r->first_error, sizeof(r->first_error),
				    "%d: %s", code, msg);
			r->rejected_at[index] = 1;
			r->rejected++;
		}
	}
	return (r->stored + r->duplicates + r->rejected == n ? 0 : -1);
}

int
weir_store_insert_events(struct weir_store *s, mongoc_client_t *c,
    const bson_t *const *docs, size_t n, struct weir_insert_result *r)
{
	mongoc_collection_t	*coll;
	bson_t			reply;
	bson_error_t		berr;
	int			rc;

	r->stored = r->duplicates = r->rejected = 0;
	r->first_error[0] = '\0';
	memset(r->rejected_at, 0, n);
	if (n == 0)
		return (0);
	coll = mongoc_client_get_collection(c, s->db, "events");
	if (mongoc_collection_insert_many(coll, (const bson_t **)docs, n,
	    &s->insert_opts, &reply, &berr)) {
		r->stored = n;
		rc = 0;
	} else {
		rc = classify_reply(&reply, n, r);
		if (rc == -1)
			snprintf(r->first_error, sizeof(r->first_error), "%.200s",
			    berr.message);
	}
	bson_destroy(&reply);
	mongoc_collection_destroy(coll);
	return (rc);
}

static void
append_mark(mongoc_bulk_operation_t *bulk, const struct weir_window_ref *w)
{
	bson_t	sel = BSON_INITIALIZER, upd = BSON_INITIALIZER, opts =
	    BSON_INITIALIZER, inc, set, ins;

	bson_append_utf8(&sel, "_id", 3, w->id, (int)w->id_len);
	bson_append_document_begin(&upd, "$inc", 4, &inc);
	BSON_APPEND_INT64(&inc, "dirty_seq", 1);
	bson_append_document_end(&upd, &inc);
	bson_append_document_begin(&upd, "$set", 4, &set);
	BSON_APPEND_BOOL(&set, "dirty", true);
	bson_append_document_end(&upd, &set);
	bson_append_document_begin(&upd, "$setOnInsert", 12, &ins);
	bson_append_utf8(&ins, "source", 6, w->source, (int)w->source_len);
	bson_append_utf8(&ins, "type", 4, w->type, (int)w->type_len);
	BSON_APPEND_DATE_TIME(&ins, "window_start", w->start_ms);
	BSON_APPEND_DATE_TIME(&ins, "window_end", w->start_ms + WEIR_WINDOW_MS);
	BSON_APPEND_INT64(&ins, "clean_seq", 0);
	BSON_APPEND_INT64(&ins, "count", 0);
	bson_append_document_end(&upd, &ins);
	BSON_APPEND_BOOL(&opts, "upsert", true);
	mongoc_bulk_operation_update_one_with_opts(bulk, &sel, &upd, &opts,
	    NULL);
	bson_destroy(&sel);
	bson_destroy(&upd);
	bson_destroy(&opts);
}

int
weir_store_mark_windows(struct weir_store *s, mongoc_client_t *c,
    const struct weir_window_ref *w, size_t n, char *err, size_t len)
{
	mongoc_collection_t	*coll;
	mongoc_bulk_operation_t	*bulk;
	bson_t			opts = BSON_INITIALIZER, reply;
	bson_error_t		berr;
	int			ok = 1;

	if (n == 0)
		return (0);
	coll = mongoc_client_get_collection(c, s->db, "aggregates");
	/* Two processors may upsert the same new window at once; the loser
	 * gets E11000 and the second attempt finds the document. */
	pthread_mutex_lock(&s->window_lock);
	for (int attempt = 0; attempt < 2; attempt++) {
		ok = 1;
		bson_reinit(&opts);
		BSON_APPEND_BOOL(&opts, "ordered", false);
		mongoc_write_concern_append(s->wc, &opts);
		for (size_t from = 0; ok && from < n; from += MARKS_PER_BULK) {
			bulk = mongoc_collection_create_bulk_operation_with_opts(
			    coll, &opts);
			for (size_t i = from; i < n && i < from + MARKS_PER_BULK;
			    i++)
				append_mark(bulk, &w[i]);
			ok = mongoc_bulk_operation_execute(bulk, &reply,
			    &berr) != 0;
			bson_destroy(&reply);
			mongoc_bulk_operation_destroy(bulk);
		}
		if (ok)
			break;
		snprintf(err, len, "mark windows: %s", berr.message);
	}
	pthread_mutex_unlock(&s->window_lock);
	bson_destroy(&opts);
	mongoc_collection_destroy(coll);
	return (ok ? 0 : -1);
}

struct dirty_window {
	char		id[WEIR_WINDOW_ID_MAX];
	char		source[4 * 128 + 1];
	char		type[4 * 64 + 1];
	int64_t		start_ms;
	int64_t		seq;
};

static int
read_dirty(const bson_t *doc, struct dirty_window *w)
{
	bson_iter_t	it;

	memset(w, 0, sizeof(*w));
	if (!bson_iter_init(&it, doc))
		return (-1);
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if (strcmp(k, "_id") == 0 && BSON_ITER_HOLDS_UTF8(&it))
			snprintf(w->id, sizeof(w->id), "%s",
			    bson_iter_utf8(&it, NULL));
		else if (strcmp(k, "source") == 0 && BSON_ITER_HOLDS_UTF8(&it))
			snprintf(w->source, sizeof(w->source), "%s",
			    bson_iter_utf8(&it, NULL));
		else if (strcmp(k, "type") == 0 && BSON_ITER_HOLDS_UTF8(&it))
			snprintf(w->type, sizeof(w->type), "%s",
			    bson_iter_utf8(&it, NULL));
		else if (strcmp(k, "window_start") == 0 &&
		    BSON_ITER_HOLDS_DATE_TIME(&it))
			w->start_ms = bson_iter_date_time(&it);
		else if (strcmp(k, "dirty_seq") == 0)
			w->seq = bson_iter_as_int64(&it);
	}
	return (w->id[0] != '\0' && w->source[0] != '\0' ? 0 : -1);
}

static int
cmp_window(const void *a, const void *b)
{
	return (strcmp(((const struct dirty_window *)a)->id,
	    ((const struct dirty_window *)b)->id));
}

/* Adds one stored event to its window, if that window is being rebuilt. */
static void
fold_event(const bson_t *doc, struct dirty_window *list, int n,
    struct weir_agg *aggs)
{
	struct dirty_window	key, *hit;
	bson_iter_t		it;
	const char		*source = NULL, *type = NULL;
	uint32_t		slen = 0, tlen = 0;
	int64_t			ts = 0;
	int			has_value = 0;
	double			value = 0;

	if (!bson_iter_init(&it, doc))
		return;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if (strcmp(k, "source") == 0 && BSON_ITER_HOLDS_UTF8(&it))
			source = bson_iter_utf8(&it, &slen);
		else if (strcmp(k, "type") == 0 && BSON_ITER_HOLDS_UTF8(&it))
			type = bson_iter_utf8(&it, &tlen);
		else if (strcmp(k, "ts") == 0 && BSON_ITER_HOLDS_DATE_TIME(&it))
			ts = bson_iter_date_time(&it);
		else if (strcmp(k, "value") == 0 && BSON_ITER_HOLDS_NUMBER(&it)) {
			has_value = 1;
			value = bson_iter_as_double(&it);
		}
	}
	if (source == NULL || type == NULL)
		return;
	weir_window_id(key.id, sizeof(key.id), weir_window_start(ts,
	    WEIR_WINDOW_MS), source, slen, type, tlen);
	hit = bsearch(&key, list, (size_t)n, sizeof(*list), cmp_window);
	if (hit != NULL)
		weir_agg_add(&aggs[hit - list], ts, has_value, value);
}

/* One scan over the time span of all dirty windows: FerretDB answers a
 * range query by scanning, so one query per window would cost n scans. */
static int
compute_windows(struct weir_store *s, mongoc_client_t *c,
    struct dirty_window *list, int n, struct weir_agg *aggs)
{
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_t			filter = BSON_INITIALIZER, opts = BSON_INITIALIZER,
				range, proj;
	bson_error_t		berr;
	int64_t			lo = INT64_MAX, hi = INT64_MIN;
	int			ok;

	for (int i = 0; i < n; i++) {
		weir_agg_init(&aggs[i]);
		if (list[i].start_ms < lo)
			lo = list[i].start_ms;
		if (list[i].start_ms > hi)
			hi = list[i].start_ms;
	}
	bson_append_document_begin(&filter, "ts", 2, &range);
	BSON_APPEND_DATE_TIME(&range, "$gte", lo);
	BSON_APPEND_DATE_TIME(&range, "$lt", hi + WEIR_WINDOW_MS);
	bson_append_document_end(&filter, &range);
	bson_append_document_begin(&opts, "projection", 10, &proj);
	BSON_APPEND_INT32(&proj, "_id", 0);
	BSON_APPEND_INT32(&proj, "source", 1);
	BSON_APPEND_INT32(&proj, "type", 1);
	BSON_APPEND_INT32(&proj, "ts", 1);
	BSON_APPEND_INT32(&proj, "value", 1);
	bson_append_document_end(&opts, &proj);
	BSON_APPEND_INT32(&opts, "batchSize", RECOMPUTE_BATCH);
	coll = mongoc_client_get_collection(c, s->db, "events");
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc))
		fold_event(doc, list, n, aggs);
	ok = !mongoc_cursor_error(cur, &berr);
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return (ok ? 0 : -1);
}

/* Writes the result only if no batch marked the window since we read it;
 * otherwise it stays dirty and the next pass recomputes it. Returns 1
 * when the window is now clean, 0 when it stays dirty, -1 on error. */
static int
write_window(struct weir_store *s, mongoc_client_t *c,
    const struct dirty_window *w, const struct weir_agg *a)
{
	mongoc_collection_t	*coll;
	bson_t			sel = BSON_INITIALIZER, upd = BSON_INITIALIZER,
				set, reply;
	bson_error_t		berr;
	bson_iter_t		it;
	int			ok, matched = 0;

	BSON_APPEND_UTF8(&sel, "_id", w->id);
	BSON_APPEND_INT64(&sel, "dirty_seq", w->seq);
	bson_append_document_begin(&upd, "$set", 4, &set);
	BSON_APPEND_INT64(&set, "count", (int64_t)a->count);
	BSON_APPEND_INT64(&set, "values", (int64_t)a->values);
	BSON_APPEND_DOUBLE(&set, "sum", a->sum);
	if (a->values > 0) {
		BSON_APPEND_DOUBLE(&set, "min", a->min);
		BSON_APPEND_DOUBLE(&set, "max", a->max);
	} else {
		BSON_APPEND_NULL(&set, "min");
		BSON_APPEND_NULL(&set, "max");
	}
	if (a->count > 0) {
		BSON_APPEND_DATE_TIME(&set, "first_ts", a->first_ts_ms);
		BSON_APPEND_DATE_TIME(&set, "last_ts", a->last_ts_ms);
	}
	BSON_APPEND_INT64(&set, "clean_seq", w->seq);
	BSON_APPEND_BOOL(&set, "dirty", false);
	BSON_APPEND_DATE_TIME(&set, "updated_at", weir_now_ms());
	bson_append_document_end(&upd, &set);
	coll = mongoc_client_get_collection(c, s->db, "aggregates");
	pthread_mutex_lock(&s->window_lock);
	ok = mongoc_collection_update_one(coll, &sel, &upd, NULL, &reply, &berr);
	pthread_mutex_unlock(&s->window_lock);
	if (ok && bson_iter_init_find(&it, &reply, "matchedCount"))
		matched = bson_iter_as_int64(&it) > 0;
	bson_destroy(&reply);
	mongoc_collection_destroy(coll);
	bson_destroy(&sel);
	bson_destroy(&upd);
	return (ok ? matched : -1);
}

int
weir_store_recompute_dirty(struct weir_store *s, mongoc_client_t *c,
    int limit, int64_t *remaining)
{
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_t			filter = BSON_INITIALIZER, opts = BSON_INITIALIZER;
	bson_error_t		berr;
	struct dirty_window	*list;
	struct weir_agg		*aggs;
	int			n = 0, done = 0;

	list = calloc((size_t)limit, sizeof(*list));
	aggs = calloc((size_t)limit, sizeof(*aggs));
	if (list == NULL || aggs == NULL) {
		free(list);
		free(aggs);
		return (-1);
	}
	BSON_APPEND_BOOL(&filter, "dirty", true);
	BSON_APPEND_INT64(&opts, "limit", limit);
	coll = mongoc_client_get_collection(c, s->db, "aggregates");
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (n < limit && mongoc_cursor_next(cur, &doc)) {
		if (read_dirty(doc, &list[n]) == 0)
			n++;
	}
	if (mongoc_cursor_error(cur, &berr))
		n = -1;
	mongoc_cursor_destroy(cur);
	if (n > 0) {
		qsort(list, (size_t)n, sizeof(*list), cmp_window);
		if (compute_windows(s, c, list, n, aggs) == -1)
			done = -1;
	}
	for (int i = 0, rc; done >= 0 && i < n; i++) {
		if ((rc = write_window(s, c, &list[i], &aggs[i])) == -1)
			done = -1;
		else
			done += rc;
	}
	/* Windows marked again meanwhile stay dirty; the next pass sees them. */
	*remaining = n < 0 || done < 0 ? 0 : n - done;
	mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	free(list);
	free(aggs);
	return (n < 0 ? -1 : done);
}
