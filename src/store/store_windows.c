/* store_windows.c - the `aggregates` collection: deltas and dirty marks
 * (store_rebuild.c rebuilds); docs/architecture.md argues the exactness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timestamp.h"
#include "event/window.h"
#include "store/store.h"
#include "store/store_docs.h"
#include "store/store_priv.h"

/* FerretDB 1.24 hangs on one update command of 100+ statements that
 * match existing documents (one pooled SQLite connection each). */
#define UPDATES_PER_BULK	50


static void
append_window_fields(bson_t *doc, const struct weir_window_ref *w)
{
	bson_append_utf8(doc, "source", -1, w->source, (int)w->source_len);
	bson_append_utf8(doc, "type", -1, w->type, (int)w->type_len);
	BSON_APPEND_DATE_TIME(doc, "window_start", w->start_ms);
	BSON_APPEND_DATE_TIME(doc, "window_end", w->start_ms + WEIR_WINDOW_MS);
}

static void
add_upsert(mongoc_bulk_operation_t *bulk, bson_t *sel, bson_t *upd)
{
	bson_t	opts = BSON_INITIALIZER;

	BSON_APPEND_BOOL(&opts, "upsert", true);
	mongoc_bulk_operation_update_one_with_opts(bulk, sel, upd, &opts, NULL);
	bson_destroy(&opts);
	bson_destroy(sel);
	bson_destroy(upd);
}

/* A mark bumps seq, which voids any rebuild in progress, and sets dirty. */
static void
append_mark(mongoc_bulk_operation_t *bulk, const struct weir_window_ref *w,
    int64_t now_ms)
{
	bson_t	sel = BSON_INITIALIZER, upd = BSON_INITIALIZER, inc, set, ins;

	bson_append_utf8(&sel, "_id", -1, w->id, (int)w->id_len);
	bson_append_document_begin(&upd, "$inc", -1, &inc);
	BSON_APPEND_INT64(&inc, "seq", 1);
	bson_append_document_end(&upd, &inc);
	bson_append_document_begin(&upd, "$set", -1, &set);
	BSON_APPEND_BOOL(&set, "dirty", true);
	BSON_APPEND_DATE_TIME(&set, "updated_at", now_ms);
	bson_append_document_end(&upd, &set);
	bson_append_document_begin(&upd, "$setOnInsert", -1, &ins);
	append_window_fields(&ins, w);
	BSON_APPEND_INT64(&ins, "epoch", 0);
	BSON_APPEND_INT64(&ins, "count", 0);
	BSON_APPEND_INT64(&ins, "values", 0);
	BSON_APPEND_DOUBLE(&ins, "sum", 0);
	bson_append_document_end(&upd, &ins);
	add_upsert(bulk, &sel, &upd);
}

/* A delta applies only to a window never claimed for a rebuild (epoch 0);
 * against any other the upsert fails with a duplicate key. */
static void
append_delta(mongoc_bulk_operation_t *bulk, const struct weir_window_ref *w,
    const struct weir_agg *a, int64_t now_ms)
{
	bson_t	sel = BSON_INITIALIZER, upd = BSON_INITIALIZER, inc, min, max,
		set, ins;

	bson_append_utf8(&sel, "_id", -1, w->id, (int)w->id_len);
	BSON_APPEND_INT64(&sel, "epoch", 0);
	bson_append_document_begin(&upd, "$inc", -1, &inc);
	BSON_APPEND_INT64(&inc, "count", (int64_t)a->count);
	BSON_APPEND_INT64(&inc, "values", (int64_t)a->values);
	BSON_APPEND_DOUBLE(&inc, "sum", a->sum);
	BSON_APPEND_INT64(&inc, "seq", 1);
	bson_append_document_end(&upd, &inc);
	bson_append_document_begin(&upd, "$min", -1, &min);
	BSON_APPEND_DATE_TIME(&min, "first_ts", a->first_ts_ms);
	if (a->values > 0)
		BSON_APPEND_DOUBLE(&min, "min", a->min);
	bson_append_document_end(&upd, &min);
	bson_append_document_begin(&upd, "$max", -1, &max);
	BSON_APPEND_DATE_TIME(&max, "last_ts", a->last_ts_ms);
	if (a->values > 0)
		BSON_APPEND_DOUBLE(&max, "max", a->max);
	bson_append_document_end(&upd, &max);
	bson_append_document_begin(&upd, "$set", -1, &set);
	BSON_APPEND_DATE_TIME(&set, "updated_at", now_ms);
	bson_append_document_end(&upd, &set);
	bson_append_document_begin(&upd, "$setOnInsert", -1, &ins);
	append_window_fields(&ins, w);
	BSON_APPEND_BOOL(&ins, "dirty", false);
	bson_append_document_end(&upd, &ins);
	add_upsert(bulk, &sel, &upd);
}

/* Every statement is an upsert, so each must have matched or inserted. */
static int
all_applied(const bson_t *reply, size_t n)
{
	bson_iter_t	it;
	int64_t		done = 0;

	if (bson_iter_init_find(&it, reply, "nMatched"))
		done += bson_iter_as_int64(&it);
	if (bson_iter_init_find(&it, reply, "nUpserted"))
		done += bson_iter_as_int64(&it);
	return (done == (int64_t)n);
}

static mongoc_bulk_operation_t *
new_bulk(struct weir_store *s, mongoc_collection_t *coll, int ordered)
{
	mongoc_bulk_operation_t	*bulk;
	bson_t			opts = BSON_INITIALIZER;

	BSON_APPEND_BOOL(&opts, "ordered", ordered);
	mongoc_write_concern_append(s->wc, &opts);
	bulk = mongoc_collection_create_bulk_operation_with_opts(coll, &opts);
	bson_destroy(&opts);
	return (bulk);
}

/* Runs one ordered bulk of deltas for w[from..to); see the header. */
static int
delta_bulk(struct weir_store *s, mongoc_collection_t *coll,
    const struct weir_window_ref *w, const struct weir_agg *a, size_t from,
    size_t to, size_t *done, char *err, size_t len)
{
	mongoc_bulk_operation_t	*bulk = new_bulk(s, coll, 1);
	bson_t			reply;
	bson_error_t		berr;
	size_t			added = 0;
	int64_t			now = weir_now_ms();
	int			rc = 0;

	for (size_t i = from; i < to; i++) {
		if (a[i].count > 0) {
			append_delta(bulk, &w[i], &a[i], now);
			added++;
		}
	}
	*done = to;
	/* A write error leaves the whole bulk in doubt: FerretDB 1.24 reports
	 * the failing statement of an ordered bulk as index 0 whatever it was,
	 * so which statements ran cannot be told from the reply. */
	if (added > 0 && !mongoc_bulk_operation_execute(bulk, &reply, &berr)) {
		snprintf(err, len, "%s", berr.message);
		rc = -1;
		*done = from;
	} else if (added > 0 && !all_applied(&reply, added)) {
		snprintf(err, len, "%zu deltas, not all applied", added);
		rc = -1;
		*done = from;
	}
	if (added > 0)
		bson_destroy(&reply);
	mongoc_bulk_operation_destroy(bulk);
	return (rc);
}

int
weir_store_apply_deltas(struct weir_store *s, mongoc_client_t *c,
    const struct weir_window_ref *w, const struct weir_agg *deltas, size_t n,
    size_t *done, char *err, size_t len)
{
	mongoc_collection_t	*coll;
	int			rc = 0;

	*done = 0;
	coll = weir_store_coll(s, c, WEIR_COLL_WINDOWS);
	pthread_mutex_lock(&s->write_lock);
	for (size_t from = 0; rc == 0 && from < n; from += UPDATES_PER_BULK)
		rc = delta_bulk(s, coll, w, deltas, from, from +
		    UPDATES_PER_BULK < n ? from + UPDATES_PER_BULK : n, done,
		    err, len);
	pthread_mutex_unlock(&s->write_lock);
	mongoc_collection_destroy(coll);
	return (rc);
}

/* One unordered bulk of marks per UPDATES_PER_BULK windows. */
static int
mark_bulks(struct weir_store *s, mongoc_collection_t *coll,
    const struct weir_window_ref *w, size_t n, char *err, size_t len)
{
	mongoc_bulk_operation_t	*bulk;
	bson_t			reply;
	bson_error_t		berr;
	int64_t			now = weir_now_ms();
	size_t			k;
	int			ok = 1;

	for (size_t from = 0; ok && from < n; from += UPDATES_PER_BULK) {
		bulk = new_bulk(s, coll, 0);
		k = n - from < UPDATES_PER_BULK ? n - from : UPDATES_PER_BULK;
		for (size_t i = from; i < from + k; i++)
			append_mark(bulk, &w[i], now);
		ok = mongoc_bulk_operation_execute(bulk, &reply, &berr) != 0;
		if (!ok)
			snprintf(err, len, "mark windows: %s", berr.message);
		else if (!(ok = all_applied(&reply, k)))
			snprintf(err, len, "mark windows: not all applied");
		bson_destroy(&reply);
		mongoc_bulk_operation_destroy(bulk);
	}
	return (ok ? 0 : -1);
}

int
weir_store_mark_windows(struct weir_store *s, mongoc_client_t *c,
    const struct weir_window_ref *w, size_t n, char *err, size_t len)
{
	mongoc_collection_t	*coll;
	int			rc;

	coll = weir_store_coll(s, c, WEIR_COLL_WINDOWS);
	pthread_mutex_lock(&s->write_lock);
	/* Two processors may upsert the same new window at once; the loser
	 * gets E11000 and the second attempt finds the document. */
	if ((rc = mark_bulks(s, coll, w, n, err, len)) == -1)
		rc = mark_bulks(s, coll, w, n, err, len);
	pthread_mutex_unlock(&s->write_lock);
	mongoc_collection_destroy(coll);
	return (rc);
}

/* ---- rebuilds ------------------------------------------------------ */
