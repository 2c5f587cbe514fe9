/* bench/lib/sink.c - the MongoDB sink ceiling for bench/e2e: unordered
 * insert_many batches of weir-shaped event documents into a fresh database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mongoc/mongoc.h>

#define BENCH_MONGOC
#include "bench.h"

static const char *usage_text =
"usage: sink --uri URI --database DB [-n N] [--batch B] [--size BYTES]\n"
"       sink --uri URI --database DB --window-query START_MS\n"
"       sink --uri URI --database DB --indexes-only\n"
"  --with-deltas every 11 batches (and after the last) also add their\n"
"                per-window sums to `aggregates` as weir's consumer does\n"
"                with its defaults (one bulk of update_one upserts, one per\n"
"                source/type/minute; weir's three aggregates indexes are\n"
"                created too)\n"
"\n"
"Creates weir's three `events` indexes in DB (which should be new), builds N\n"
"documents shaped like the ones weir stores (_id string, source, type,\n"
"ts date, value double, data subdocument padded so the JSON event would be\n"
"--size bytes, received_at, processed_at, processor), then inserts them\n"
"with unordered insert_many batches of B (default 500) and the write\n"
"concern weir uses (majority when the server reports a replica set, else 1).\n"
"Only the inserts are timed. Prints key=value lines: inserted, seconds,\n"
"rate, write_concern, docs_ts0 (ts of the first document, epoch ms).\n"
"\n"
"--window-query START_MS runs, once, the find one aggregator pass of weir\n"
"runs (ts range, here the minute from START_MS; projection source, type,\n"
"ts, value) and times it: window_query_docs, window_query_seconds.\n"
"--indexes-only creates weir's three `events` indexes in DB and stops.\n";

static void
die(const char *what, const bson_error_t *e)
{
	fprintf(stderr, "sink: %s: %s\n", what, e != NULL ? e->message : "");
	exit(1);
}

static void
index_spec(bson_t *arr, const char *idx, const char *name, const char *k1,
    int d1, const char *k2, int d2, const char *k3, int d3)
{
	bson_t	doc, key;

	bson_append_document_begin(arr, idx, -1, &doc);
	bson_append_document_begin(&doc, "key", 3, &key);
	BSON_APPEND_INT32(&key, k1, d1);
	if (k2 != NULL)
		BSON_APPEND_INT32(&key, k2, d2);
	if (k3 != NULL)
		BSON_APPEND_INT32(&key, k3, d3);
	bson_append_document_end(&doc, &key);
	BSON_APPEND_UTF8(&doc, "name", name);
	bson_append_document_end(arr, &doc);
}

static void
create_indexes(mongoc_client_t *c, const char *db, int aggregates)
{
	bson_t		cmd = BSON_INITIALIZER, arr;
	bson_error_t	err;

	BSON_APPEND_UTF8(&cmd, "createIndexes", "events");
	bson_append_array_begin(&cmd, "indexes", 7, &arr);
	index_spec(&arr, "0", "source_type_ts", "source", 1, "type", 1, "ts",
	    -1);
	index_spec(&arr, "1", "type_ts", "type", 1, "ts", -1, NULL, 0);
	index_spec(&arr, "2", "ts", "ts", -1, "_id", -1, NULL, 0);
	bson_append_array_end(&cmd, &arr);
	if (!mongoc_client_command_simple(c, db, &cmd, NULL, NULL, &err))
		die("createIndexes events", &err);
	bson_destroy(&cmd);
	if (!aggregates)
		return;
	bson_init(&cmd);
	BSON_APPEND_UTF8(&cmd, "createIndexes", "aggregates");
	bson_append_array_begin(&cmd, "indexes", 7, &arr);
	index_spec(&arr, "0", "dirty", "dirty", 1, NULL, 0, NULL, 0);
	index_spec(&arr, "1", "source_type_window", "source", 1, "type", 1,
	    "window_start", 1);
	index_spec(&arr, "2", "window", "window_start", 1, NULL, 0, NULL, 0);
	bson_append_array_end(&cmd, &arr);
	if (!mongoc_client_command_simple(c, db, &cmd, NULL, NULL, &err))
		die("createIndexes aggregates", &err);
	bson_destroy(&cmd);
}

/* One window's sums over a batch, as weir's batch.c computes them. */
struct window_sum {
	char	id[96];
	char	source[64];
	int64_t	start, first, last;
	long	count;
	double	sum, min, max;
};

static void
sum_windows(bson_t *const *docs, size_t k, struct window_sum *w, size_t *nw)
{
	for (size_t i = 0; i < k; i++) {
		bson_iter_t	 it;
		const char	*src = "";
		int64_t		 ts = 0, start;
		double		 v = 0;
		char		 id[96];
		size_t		 j;

		if (bson_iter_init_find(&it, docs[i], "source"))
			src = bson_iter_utf8(&it, NULL);
		if (bson_iter_init_find(&it, docs[i], "ts"))
			ts = bson_iter_date_time(&it);
		if (bson_iter_init_find(&it, docs[i], "value"))
			v = bson_iter_as_double(&it);
		start = ts - ts % 60000;
		snprintf(id, sizeof(id), "%lld:%zu:%s:temperature",
		    (long long)start, strlen(src), src);
		for (j = 0; j < *nw && strcmp(w[j].id, id) != 0; j++)
			;
		if (j == *nw) {
			if (*nw == 64)
				continue;
			memset(&w[j], 0, sizeof(w[j]));
			snprintf(w[j].id, sizeof(w[j].id), "%s", id);
			snprintf(w[j].source, sizeof(w[j].source), "%s", src);
			w[j].start = start;
			w[j].first = w[j].last = ts;
			w[j].min = w[j].max = v;
			(*nw)++;
		}
		w[j].count++;
		w[j].sum += v;
		w[j].min = v < w[j].min ? v : w[j].min;
		w[j].max = v > w[j].max ? v : w[j].max;
		w[j].first = ts < w[j].first ? ts : w[j].first;
		w[j].last = ts > w[j].last ? ts : w[j].last;
	}
}

/* store_windows.c's weir_store_apply_deltas for docs[0..k): one upsert
 * per distinct (source, type, 1-minute window), guarded by epoch 0, in one
 * unordered bulk. */
static void
apply_deltas(mongoc_collection_t *agg, const bson_t *opts,
    bson_t *const *docs, size_t k)
{
	mongoc_bulk_operation_t	*bulk;
	bson_t			 reply;
	bson_error_t		 err;
	struct window_sum	 w[64];
	size_t			 nw = 0;

	sum_windows(docs, k, w, &nw);
	bulk = mongoc_collection_create_bulk_operation_with_opts(agg, opts);
	for (size_t j = 0; j < nw; j++) {
		bson_t sel = BSON_INITIALIZER, upd = BSON_INITIALIZER,
		    uopts = BSON_INITIALIZER, inc, min, max, set, ins;

		BSON_APPEND_UTF8(&sel, "_id", w[j].id);
		BSON_APPEND_INT64(&sel, "epoch", 0);
		BSON_APPEND_DOCUMENT_BEGIN(&upd, "$inc", &inc);
		BSON_APPEND_INT64(&inc, "count", w[j].count);
		BSON_APPEND_INT64(&inc, "values", w[j].count);
		BSON_APPEND_DOUBLE(&inc, "sum", w[j].sum);
		BSON_APPEND_INT64(&inc, "seq", 1);
		bson_append_document_end(&upd, &inc);
		BSON_APPEND_DOCUMENT_BEGIN(&upd, "$min", &min);
		BSON_APPEND_DATE_TIME(&min, "first_ts", w[j].first);
		BSON_APPEND_DOUBLE(&min, "min", w[j].min);
		bson_append_document_end(&upd, &min);
		BSON_APPEND_DOCUMENT_BEGIN(&upd, "$max", &max);
		BSON_APPEND_DATE_TIME(&max, "last_ts", w[j].last);
		BSON_APPEND_DOUBLE(&max, "max", w[j].max);
		bson_append_document_end(&upd, &max);
		BSON_APPEND_DOCUMENT_BEGIN(&upd, "$set", &set);
		BSON_APPEND_DATE_TIME(&set, "updated_at", (int64_t)now_ms());
		bson_append_document_end(&upd, &set);
		BSON_APPEND_DOCUMENT_BEGIN(&upd, "$setOnInsert", &ins);
		BSON_APPEND_UTF8(&ins, "source", w[j].source);
		BSON_APPEND_UTF8(&ins, "type", "temperature");
		BSON_APPEND_DATE_TIME(&ins, "window_start", w[j].start);
		BSON_APPEND_DATE_TIME(&ins, "window_end", w[j].start + 60000);
		BSON_APPEND_BOOL(&ins, "dirty", false);
		bson_append_document_end(&upd, &ins);
		BSON_APPEND_BOOL(&uopts, "upsert", true);
		mongoc_bulk_operation_update_one_with_opts(bulk, &sel, &upd,
		    &uopts, NULL);
		bson_destroy(&sel);
		bson_destroy(&upd);
		bson_destroy(&uopts);
	}
	if (!mongoc_bulk_operation_execute(bulk, &reply, &err))
		die("window deltas", &err);
	bson_destroy(&reply);
	mongoc_bulk_operation_destroy(bulk);
}

static bson_t *
make_doc(long i, int size, const char *pad, int64_t now, const char *host)
{
	bson_t	*d = bson_new(), data;
	char	 id[64], src[32], head[256];
	int	 pad_len;

	snprintf(id, sizeof(id), "sink-%ld-%ld", (long)getpid(), i);
	snprintf(src, sizeof(src), "sensor-%ld", i % 10);
	/* The JSON event publish.c would send for it: the same padding. */
	pad_len = size - 3 - snprintf(head, sizeof(head), "{\"id\":\"%s\","
	    "\"source\":\"%s\",\"type\":\"temperature\",\"ts\":%lld,"
	    "\"value\":%.2f,\"data\":{\"unit\":\"celsius\",\"seq\":%ld,"
	    "\"pad\":\"", id, src, (long long)now,
	    20.0 + (double)(i % 1000) / 100.0, i);
	if (pad_len < 0)
		pad_len = 0;
	BSON_APPEND_UTF8(d, "_id", id);
	BSON_APPEND_UTF8(d, "source", src);
	BSON_APPEND_UTF8(d, "type", "temperature");
	BSON_APPEND_DATE_TIME(d, "ts", now);
	BSON_APPEND_DOUBLE(d, "value", 20.0 + (double)(i % 1000) / 100.0);
	BSON_APPEND_DOCUMENT_BEGIN(d, "data", &data);
	BSON_APPEND_UTF8(&data, "unit", "celsius");
	BSON_APPEND_INT32(&data, "seq", (int32_t)i);
	bson_append_utf8(&data, "pad", 3, pad, pad_len);
	bson_append_document_end(d, &data);
	BSON_APPEND_DATE_TIME(d, "received_at", now);
	BSON_APPEND_DATE_TIME(d, "processed_at", now);
	BSON_APPEND_UTF8(d, "processor", host);
	return (d);
}

/* What store.c's compute_windows asks in one aggregator pass: every event
 * in the time span of the dirty windows (here one minute from `start`),
 * projected to the fields the windows fold. Documents are only counted. */
static void
window_query(mongoc_collection_t *coll, int64_t start)
{
	bson_t			 filter = BSON_INITIALIZER, opts = BSON_INITIALIZER,
				 range, proj;
	const bson_t		*doc;
	mongoc_cursor_t		*cur;
	bson_error_t		 err;
	double			 t0, t1;
	long			 docs = 0;

	BSON_APPEND_DOCUMENT_BEGIN(&filter, "ts", &range);
	BSON_APPEND_DATE_TIME(&range, "$gte", start);
	BSON_APPEND_DATE_TIME(&range, "$lt", start + 60000);
	bson_append_document_end(&filter, &range);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
	BSON_APPEND_INT32(&proj, "_id", 0);
	BSON_APPEND_INT32(&proj, "source", 1);
	BSON_APPEND_INT32(&proj, "type", 1);
	BSON_APPEND_INT32(&proj, "ts", 1);
	BSON_APPEND_INT32(&proj, "value", 1);
	bson_append_document_end(&opts, &proj);
	BSON_APPEND_INT32(&opts, "batchSize", 10000);
	t0 = now_ms();
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc))
		docs++;
	if (mongoc_cursor_error(cur, &err))
		die("window query", &err);
	t1 = now_ms();
	mongoc_cursor_destroy(cur);
	bson_destroy(&filter);
	bson_destroy(&opts);
	printf("window_query_docs=%ld\nwindow_query_seconds=%.3f\n", docs,
	    (t1 - t0) / 1e3);
}

int
main(int argc, char **argv)
{
	static struct option	 longopts[] = {
		{ "uri", required_argument, NULL, 'u' },
		{ "database", required_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "size", required_argument, NULL, 's' },
		{ "window-query", required_argument, NULL, 'q' },
		{ "with-deltas", no_argument, NULL, 'm' },
		{ "indexes-only", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*uri_s = NULL, *db = NULL;
	long			 n = 1000, batch = 500, inserted = 0;
	long long		 query_start = -1;
	int			 deltas = 0, indexes_only = 0;
	mongoc_collection_t	*agg = NULL;
	int			 size = 256, ch;
	char			 host[256], pad[65536];
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	int			 majority;
	bson_t			 opts = BSON_INITIALIZER, reply;
	bson_t			**docs;
	bson_error_t		 err;
	double			 t0, t1;
	int64_t			 now;

	while ((ch = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': uri_s = optarg; break;
		case 'd': db = optarg; break;
		case 'b': batch = atol(optarg); break;
		case 's': size = atoi(optarg); break;
		case 'q': query_start = atoll(optarg); break;
		case 'm': deltas = 1; break;
		case 'i': indexes_only = 1; break;
		case 'n': n = atol(optarg); break;
		case 'h': fputs(usage_text, stdout); return (0);
		default: fputs(usage_text, stderr); return (2);
		}
	}
	if (uri_s == NULL || db == NULL || n < 1 || batch < 1 || size < 64 ||
	    size > 65000) {
		fputs(usage_text, stderr);
		return (2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(pad, 'x', sizeof(pad));
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "bench");

	mongoc_init();
	if ((c = mongoc_client_new(uri_s)) == NULL)
		die("bad --uri", NULL);
	mongoc_client_set_error_api(c, MONGOC_ERROR_API_VERSION_2);
	mongoc_client_set_appname(c, "weir-bench-sink");
	if ((majority = bench_insert_opts(c, &opts)) == -1)
		die("hello", NULL);
	coll = mongoc_client_get_collection(c, db, "events");
	if (query_start >= 0) {
		window_query(coll, (int64_t)query_start);
		goto done;
	}
	create_indexes(c, db, deltas);
	if (indexes_only)
		goto done;
	if (deltas)
		agg = mongoc_client_get_collection(c, db, "aggregates");

	if ((docs = calloc((size_t)n, sizeof(*docs))) == NULL)
		die("out of memory", NULL);
	now = (int64_t)now_ms();
	for (long i = 0; i < n; i++)
		docs[i] = make_doc(i, size, pad, now + i, host);

	t0 = now_ms();
	for (long i = 0; i < n; i += batch) {
		size_t k = (size_t)(n - i < batch ? n - i : batch);

		if (!mongoc_collection_insert_many(coll,
		    (const bson_t **)(docs + i), k, &opts, &reply, &err)) {
			char *s = bson_as_canonical_extended_json(&reply, NULL);
			fprintf(stderr, "sink: reply %.400s\n", s);
			bson_free(s);
			die("insert_many", &err);
		}
		bson_destroy(&reply);
		inserted += (long)k;
		/* weir adds the sums once per ack: every 11 batches by default
		 * (prefetch 6000, batch 500), and after the last. */
		if (agg != NULL && (inserted % (11 * batch) == 0 ||
		    inserted == n))
			apply_deltas(agg, &opts, docs + inserted - (inserted -
			    1) % (11 * batch) - 1, (size_t)((inserted - 1) %
			    (11 * batch) + 1));
	}
	t1 = now_ms();
	printf("inserted=%ld\nstart_ms=%.3f\nend_ms=%.3f\nseconds=%.3f\n"
	    "rate=%.0f\nwrite_concern=%s\ndocs_ts0=%lld\n", inserted, t0, t1,
	    (t1 - t0) / 1e3, (double)inserted / ((t1 - t0) / 1e3),
	    majority ? "majority" : "1",
	    (long long)now);
	for (long i = 0; i < n; i++)
		bson_destroy(docs[i]);
	free(docs);

done:
	/* FerretDB has no endSessions; mongoc warns about it on destroy. */
	mongoc_log_set_handler(bench_quiet_log, NULL);
	bson_destroy(&opts);
	if (agg != NULL)
		mongoc_collection_destroy(agg);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
	mongoc_cleanup();
	return (0);
}
