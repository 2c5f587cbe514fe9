/* store_rebuild.c - rebuilds dirty windows of `aggregates` from `events`.
 * A claim bumps the epoch; the result is written only if epoch and seq held. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timestamp.h"
#include "event/window.h"
#include "store/store.h"
#include "store/store_docs.h"
#include "store/store_priv.h"

/* Events one cursor batch of a rebuild reads: on FerretDB each batch is
 * read from an unfiltered scan, so this bounds one round trip (about 1 s
 * for 1 000 events on a busy 2-core machine) well inside the socket
 * timeout, and the stop flag is looked at between batches. */
#define RECOMPUTE_BATCH		1000
/* How many dirty windows one pass looks at (and counts, for the gauge). */
#define DIRTY_SCAN_MAX		4096

struct dirty_window {
	char		id[WEIR_WINDOW_ID_MAX];
	char		source[WEIR_SOURCE_BUF];
	char		type[WEIR_TYPE_BUF];
	int64_t		start_ms;
	int64_t		updated_ms;
	int64_t		epoch;
	int64_t		seq;
};

static void
copy_utf8(char *dst, size_t size, const char *s)
{
	if (s != NULL)
		snprintf(dst, size, "%s", s);
}

/* The window's key through weir_window_doc_read, plus the fields only a
 * rebuild needs: its id, last change, epoch and seq. */
static int
read_dirty(const bson_t *doc, struct dirty_window *w)
{
	bson_iter_t	it;
	struct weir_agg	unused;
	const char	*source, *type;

	memset(w, 0, sizeof(*w));
	(void)weir_window_doc_read(doc, &source, &type, &w->start_ms, &unused);
	copy_utf8(w->source, sizeof(w->source), source);
	copy_utf8(w->type, sizeof(w->type), type);
	if (!bson_iter_init(&it, doc))
		return (-1);
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if (strcmp(k, "_id") == 0 && BSON_ITER_HOLDS_UTF8(&it))
			copy_utf8(w->id, sizeof(w->id),
			    bson_iter_utf8(&it, NULL));
		else if (strcmp(k, "updated_at") == 0 &&
		    BSON_ITER_HOLDS_DATE_TIME(&it))
			w->updated_ms = bson_iter_date_time(&it);
		else if (strcmp(k, "epoch") == 0)
			w->epoch = bson_iter_as_int64(&it);
		else if (strcmp(k, "seq") == 0)
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

/* The events a rebuild reads. MongoDB answers the time span of the
 * windows from the {ts, _id} index. FerretDB 1.24 on SQLite pushes no
 * range down (explain: SCAN) and evaluates the filter itself, which made
 * one round trip of a sparse query last as long as the whole scan (far
 * beyond the socket timeout) and the whole query 2.4 times slower than
 * reading every event: there it reads everything, unfiltered, and
 * fold_event keeps what belongs to the windows. */
static void
rebuild_filter(const struct weir_store *s, bson_t *filter,
    const struct dirty_window *list, int n)
{
	bson_t	range;
	int64_t	lo = INT64_MAX, hi = INT64_MIN;

	if (s->unindexed_ranges)
		return;
	for (int i = 0; i < n; i++) {
		if (list[i].start_ms < lo)
			lo = list[i].start_ms;
		if (list[i].start_ms > hi)
			hi = list[i].start_ms;
	}
	bson_append_document_begin(filter, "ts", -1, &range);
	BSON_APPEND_DATE_TIME(&range, "$gte", lo);
	BSON_APPEND_DATE_TIME(&range, "$lt", hi + WEIR_WINDOW_MS);
	bson_append_document_end(filter, &range);
}

/* One scan for all windows being rebuilt, so one pass costs one scan.
 * Gives up between two events once *stop is set: the claimed windows
 * stay dirty and a later pass (or process) rebuilds them. */
static int
compute_windows(struct weir_store *s, mongoc_client_t *c,
    struct dirty_window *list, int n, struct weir_agg *aggs,
    const _Atomic int *stop, char *err, size_t len)
{
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_t			filter = BSON_INITIALIZER, opts = BSON_INITIALIZER,
				proj;
	bson_error_t		berr;
	int			rc = 0;

	for (int i = 0; i < n; i++)
		weir_agg_init(&aggs[i]);
	rebuild_filter(s, &filter, list, n);
	bson_append_document_begin(&opts, "projection", -1, &proj);
	BSON_APPEND_INT32(&proj, "_id", 0);
	BSON_APPEND_INT32(&proj, "source", 1);
	BSON_APPEND_INT32(&proj, "type", 1);
	BSON_APPEND_INT32(&proj, "ts", 1);
	BSON_APPEND_INT32(&proj, "value", 1);
	bson_append_document_end(&opts, &proj);
	BSON_APPEND_INT32(&opts, "batchSize", RECOMPUTE_BATCH);
	coll = weir_store_coll(s, c, WEIR_COLL_EVENTS);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
		fold_event(doc, list, n, aggs);
		if (atomic_load(stop)) {
			snprintf(err, len, "stopped (shutdown)");
			rc = -1;
		}
	}
	if (rc == 0 && mongoc_cursor_error(cur, &berr)) {
		snprintf(err, len, "read events: %s (domain %u code %u)",
		    berr.message, berr.domain, berr.code);
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return (rc);
}

/*
 * Takes a dirty window for rebuilding by bumping its epoch: from then on
 * no delta applies to it (deltas need epoch 0), so the window changes only
 * by marks, which bump seq. Reads the epoch and seq the result write is
 * guarded on. 1: claimed, 0: no longer dirty, -1: error.
 */
static int
claim_window(struct weir_store *s, mongoc_client_t *c, struct dirty_window *w,
    char *err, size_t errlen)
{
	mongoc_collection_t		*coll;
	mongoc_find_and_modify_opts_t	*fam;
	bson_t				sel = BSON_INITIALIZER,
					upd = BSON_INITIALIZER, inc, reply, value;
	bson_error_t			berr;
	bson_iter_t			it;
	int				rc = 0;

	BSON_APPEND_UTF8(&sel, "_id", w->id);
	BSON_APPEND_BOOL(&sel, "dirty", true);
	bson_append_document_begin(&upd, "$inc", -1, &inc);
	BSON_APPEND_INT64(&inc, "epoch", 1);
	bson_append_document_end(&upd, &inc);
	fam = mongoc_find_and_modify_opts_new();
	mongoc_find_and_modify_opts_set_update(fam, &upd);
	mongoc_find_and_modify_opts_set_flags(fam,
	    MONGOC_FIND_AND_MODIFY_RETURN_NEW);
	coll = weir_store_coll(s, c, WEIR_COLL_WINDOWS);
	pthread_mutex_lock(&s->write_lock);
	if (!mongoc_collection_find_and_modify_with_opts(coll, &sel, fam,
	    &reply, &berr)) {
		snprintf(err, errlen, "claim window %s: %s", w->id,
		    berr.message);
		rc = -1;
	}
	pthread_mutex_unlock(&s->write_lock);
	if (rc == 0 && bson_iter_init_find(&it, &reply, "value") &&
	    BSON_ITER_HOLDS_DOCUMENT(&it)) {
		const uint8_t	*data;
		uint32_t	len;

		bson_iter_document(&it, &len, &data);
		if (bson_init_static(&value, data, len) &&
		    read_dirty(&value, w) == 0)
			rc = 1;
	}
	bson_destroy(&reply);
	mongoc_collection_destroy(coll);
	mongoc_find_and_modify_opts_destroy(fam);
	bson_destroy(&sel);
	bson_destroy(&upd);
	return (rc);
}

static void
append_result(bson_t *upd, const struct weir_agg *a)
{
	bson_t	set, unset;

	bson_append_document_begin(upd, "$set", -1, &set);
	BSON_APPEND_INT64(&set, "count", (int64_t)a->count);
	BSON_APPEND_INT64(&set, "values", (int64_t)a->values);
	BSON_APPEND_DOUBLE(&set, "sum", a->sum);
	if (a->values > 0) {
		BSON_APPEND_DOUBLE(&set, "min", a->min);
		BSON_APPEND_DOUBLE(&set, "max", a->max);
	}
	if (a->count > 0) {
		BSON_APPEND_DATE_TIME(&set, "first_ts", a->first_ts_ms);
		BSON_APPEND_DATE_TIME(&set, "last_ts", a->last_ts_ms);
	}
	BSON_APPEND_BOOL(&set, "dirty", false);
	BSON_APPEND_DATE_TIME(&set, "updated_at", weir_now_ms());
	bson_append_document_end(upd, &set);
	if (a->values > 0 && a->count > 0)
		return;
	/* $min/$max treat a present null as the smallest value: absent it is. */
	bson_append_document_begin(upd, "$unset", -1, &unset);
	if (a->values == 0) {
		BSON_APPEND_UTF8(&unset, "min", "");
		BSON_APPEND_UTF8(&unset, "max", "");
	}
	if (a->count == 0) {
		BSON_APPEND_UTF8(&unset, "first_ts", "");
		BSON_APPEND_UTF8(&unset, "last_ts", "");
	}
	bson_append_document_end(upd, &unset);
}

/* Writes the result only if no mark reached the window and no other
 * rebuild claimed it since our claim; otherwise it stays dirty for a later
 * pass. Returns 1 when the window is now clean, 0 when it stays dirty, -1
 * on error. */
static int
write_window(struct weir_store *s, mongoc_client_t *c,
    const struct dirty_window *w, const struct weir_agg *a, char *err,
    size_t len)
{
	mongoc_collection_t	*coll;
	bson_t			sel = BSON_INITIALIZER, upd = BSON_INITIALIZER,
				opts = BSON_INITIALIZER, reply;
	bson_error_t		berr;
	bson_iter_t		it;
	int			ok, matched = 0;

	BSON_APPEND_UTF8(&sel, "_id", w->id);
	BSON_APPEND_INT64(&sel, "epoch", w->epoch);
	BSON_APPEND_INT64(&sel, "seq", w->seq);
	append_result(&upd, a);
	mongoc_write_concern_append(s->wc, &opts);
	coll = weir_store_coll(s, c, WEIR_COLL_WINDOWS);
	pthread_mutex_lock(&s->write_lock);
	ok = mongoc_collection_update_one(coll, &sel, &upd, &opts, &reply,
	    &berr);
	pthread_mutex_unlock(&s->write_lock);
	if (!ok)
		snprintf(err, len, "write window %s: %s", w->id, berr.message);
	if (ok && bson_iter_init_find(&it, &reply, "matchedCount"))
		matched = bson_iter_as_int64(&it) > 0;
	bson_destroy(&reply);
	mongoc_collection_destroy(coll);
	bson_destroy(&sel);
	bson_destroy(&upd);
	bson_destroy(&opts);
	return (ok ? matched : -1);
}

/* Reads the dirty windows; keeps the quiet ones, up to limit. Returns how
 * many it kept, or -1; *dirty gets how many it saw (-1 on error). */
static int
find_quiet(struct weir_store *s, mongoc_client_t *c, struct dirty_window *list,
    int limit, int64_t quiet_ms, int64_t *dirty, char *err, size_t len)
{
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_t			filter = BSON_INITIALIZER, opts = BSON_INITIALIZER;
	bson_error_t		berr;
	int64_t			cutoff = weir_now_ms() - quiet_ms;
	int			n = 0;

	*dirty = 0;
	BSON_APPEND_BOOL(&filter, "dirty", true);
	BSON_APPEND_INT64(&opts, "limit", DIRTY_SCAN_MAX);
	coll = weir_store_coll(s, c, WEIR_COLL_WINDOWS);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		(*dirty)++;
		if (n < limit && read_dirty(doc, &list[n]) == 0 &&
		    list[n].updated_ms <= cutoff)
			n++;
	}
	if (mongoc_cursor_error(cur, &berr)) {
		snprintf(err, len, "find dirty windows: %s", berr.message);
		n = -1;
		*dirty = -1;
	}
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return (n);
}

/* Claims the listed windows, dropping those no longer dirty and those
 * whose claim failed (they stay dirty). -1 only when none could be
 * claimed for an error. */
static int
claim_all(struct weir_store *s, mongoc_client_t *c, struct dirty_window *list,
    int n, const _Atomic int *stop, char *err, size_t len)
{
	int	kept = 0, failed = 0, rc;

	for (int i = 0; i < n && !atomic_load(stop); i++) {
		if ((rc = claim_window(s, c, &list[i], err, len)) == -1)
			failed++;
		if (rc == 1)
			list[kept++] = list[i];
	}
	return (kept == 0 && failed > 0 ? -1 : kept);
}

/* Writes each result; one window that fails stays dirty, the others are
 * written. Returns the windows now clean, or -1 when none could be. */
static int
write_all(struct weir_store *s, mongoc_client_t *c,
    const struct dirty_window *list, const struct weir_agg *aggs, int n,
    char *err, size_t len)
{
	int	done = 0, failed = 0, rc;

	for (int i = 0; i < n; i++) {
		if ((rc = write_window(s, c, &list[i], &aggs[i], err, len)) < 0)
			failed++;
		else
			done += rc;
	}
	return (done == 0 && failed > 0 ? -1 : done);
}

int
weir_store_recompute_dirty(struct weir_store *s, mongoc_client_t *c,
    int limit, int64_t quiet_ms, const _Atomic int *stop, int64_t *dirty,
    char *err, size_t len)
{
	struct dirty_window	*list;
	struct weir_agg		*aggs;
	int			n, done = 0;

	*dirty = -1;
	list = calloc((size_t)limit, sizeof(*list));
	aggs = calloc((size_t)limit, sizeof(*aggs));
	if (list == NULL || aggs == NULL) {
		snprintf(err, len, "out of memory");
		goto fail;
	}
	if ((n = find_quiet(s, c, list, limit, quiet_ms, dirty, err, len)) > 0)
		n = claim_all(s, c, list, n, stop, err, len);
	if (n > 0) {
		qsort(list, (size_t)n, sizeof(*list), cmp_window);
		if (compute_windows(s, c, list, n, aggs, stop, err, len) == -1)
			goto fail;
		done = write_all(s, c, list, aggs, n, err, len);
	}
	if (n < 0 || done < 0)
		goto fail;
	*dirty -= done;
	free(list);
	free(aggs);
	return (done);
fail:
	free(list);
	free(aggs);
	return (-1);
}
