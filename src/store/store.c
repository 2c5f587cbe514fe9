/* store.c - MongoDB access: pool, setup, indexes and event inserts.
 * Blocking calls only; callers are consumer, aggregator and probe threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timestamp.h"
#include "event/window.h"
#include "store/store.h"
#include "store/store_docs.h"
#include "store/store_errors.h"
#include "store/store_priv.h"

#define WTIMEOUT_MS		10000
/* Server selection, connect and monitoring (unless the URI says): fail
 * fast, since threads retry with backoff and HTTP must not hang. */
#define FAIL_FAST_MS		2000
/* Bounds every blocking call, so SIGTERM drains in time. */
#define SOCKET_TIMEOUT_MS	5000
/* E11000: an event with this _id is stored already (a redelivery). */
#define DUPLICATE_KEY		11000
/* Longest wait for another consumer's insert on FerretDB (serial_writes). */
#define TURN_WAIT_S		5


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
	set_default_int(s->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
	    FAIL_FAST_MS);
	set_default_int(s->uri, MONGOC_URI_CONNECTTIMEOUTMS, FAIL_FAST_MS);
	set_default_int(s->uri, MONGOC_URI_SOCKETTIMEOUTMS, SOCKET_TIMEOUT_MS);
	set_default_int(s->uri, MONGOC_URI_HEARTBEATFREQUENCYMS, FAIL_FAST_MS);
	/* weir decides itself what to do after a failed write: a failed
	 * window delta is never resent, its windows are rebuilt instead. A
	 * driver that resent it by itself would count it twice on a server
	 * without retryable-write deduplication (FerretDB), so no retries. */
	mongoc_uri_set_option_as_bool(s->uri, MONGOC_URI_RETRYWRITES, false);
	if (!mongoc_uri_has_option(s->uri, MONGOC_URI_APPNAME))
		mongoc_uri_set_appname(s->uri, "weir");
	if (weir_store_tls_apply(s->uri, cfg, &s->pem_fd, err, len) == -1) {
		mongoc_uri_destroy(s->uri);
		free(s);
		return (NULL);
	}
	s->pool = mongoc_client_pool_new(s->uri);
	mongoc_client_pool_set_error_api(s->pool, MONGOC_ERROR_API_VERSION_2);
	snprintf(s->db, sizeof(s->db), "%s", cfg->mongodb_database);
	s->wc_mode = cfg->write_concern;
	s->ttl_s = cfg->events_ttl_s;
	pthread_mutex_init(&s->setup_lock, NULL);
	pthread_mutex_init(&s->write_lock, NULL);
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
	if (s->pem_fd != -1)
		close(s->pem_fd);
	if (s->wc != NULL)
		mongoc_write_concern_destroy(s->wc);
	bson_destroy(&s->insert_opts);
	pthread_mutex_destroy(&s->setup_lock);
	pthread_mutex_destroy(&s->write_lock);
	free(s);
}

mongoc_collection_t *
weir_store_coll(const struct weir_store *s, mongoc_client_t *c,
    const char *name)
{
	return (mongoc_client_get_collection(c, s->db, name));
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
weir_store_ping(struct weir_store *s, mongoc_client_t *c, char *err,
    size_t len)
{
	bson_t		cmd = BSON_INITIALIZER;
	bson_error_t	berr;
	int		ok;

	(void)s;
	BSON_APPEND_INT32(&cmd, "ping", 1);
	ok = mongoc_client_command_simple(c, "admin", &cmd, NULL, NULL, &berr);
	bson_destroy(&cmd);
	if (!ok)
		snprintf(err, len, "%s", berr.message);
	return (ok ? 0 : -1);
}

/* Sets *yes when the server's reply to the command has the field: hello's
 * setName marks a replica set, buildInfo's ferretdbVersion FerretDB. */
static int
server_has(mongoc_client_t *c, const char *command, const char *field,
    int *yes, char *err, size_t len)
{
	bson_t		cmd = BSON_INITIALIZER, reply;
	bson_error_t	berr;
	int		ok;

	BSON_APPEND_INT32(&cmd, command, 1);
	ok = mongoc_client_command_simple(c, "admin", &cmd, NULL, &reply, &berr);
	if (ok)
		*yes = bson_has_field(&reply, field);
	else
		snprintf(err, len, "%s: %s", command, berr.message);
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
	rc = create_indexes(c, s->db, WEIR_COLL_EVENTS, &ev, err, len);
	if (rc == 0)
		rc = create_indexes(c, s->db, WEIR_COLL_WINDOWS, &agg, err, len);
	bson_destroy(&ev);
	bson_destroy(&agg);
	return (rc);
}

static int
create_ttl_index(struct weir_store *s, mongoc_client_t *c, char *err,
    size_t len)
{
	bson_t	arr = BSON_INITIALIZER, doc, key;

	bson_append_document_begin(&arr, "0", -1, &doc);
	bson_append_document_begin(&doc, "key", -1, &key);
	BSON_APPEND_INT32(&key, "received_at", 1);
	bson_append_document_end(&doc, &key);
	BSON_APPEND_UTF8(&doc, "name", "received_at_ttl");
	BSON_APPEND_INT32(&doc, "expireAfterSeconds", s->ttl_s);
	bson_append_document_end(&arr, &doc);
	if (create_indexes(c, s->db, WEIR_COLL_EVENTS, &arr, err, len) == -1) {
		bson_destroy(&arr);
		return (-1);
	}
	bson_destroy(&arr);
	return (0);
}

/* Majority on a replica set unless configured otherwise; the insert
 * options carry it. */
static void
set_write_concern(struct weir_store *s, int rs)
{
	int	majority = s->wc_mode == WEIR_WC_MAJORITY ||
		    (s->wc_mode == WEIR_WC_AUTO && rs);

	s->wc = mongoc_write_concern_new();
	if (majority)
		mongoc_write_concern_set_w(s->wc,
		    MONGOC_WRITE_CONCERN_W_MAJORITY);
	else
		mongoc_write_concern_set_w(s->wc, 1);
	mongoc_write_concern_set_wtimeout_int64(s->wc, WTIMEOUT_MS);
	BSON_APPEND_BOOL(&s->insert_opts, "ordered", false);
	/* mongoc 1.23 checks inserts for invalid UTF-8 and empty keys, and
	 * weir's decoders already refused both (invalid_json, invalid_key)
	 * at every depth: the second pass cost 7.6 % of weir's CPU. */
	BSON_APPEND_BOOL(&s->insert_opts, "validate", false);
	mongoc_write_concern_append(s->wc, &s->insert_opts);
	weir_log(WEIR_LOG_INFO, "mongodb setup done", "write_concern",
	    majority ? "majority" : "1", "writes", s->serial_writes ?
	    "serial (FerretDB)" : "concurrent", NULL);
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
		rc = server_has(c, "hello", "setName", &rs, err, len);
		/* A server that will not say is taken for MongoDB. */
		if (rc == 0 && server_has(c, "buildInfo", "ferretdbVersion",
		    &s->serial_writes, err, len) == -1)
			s->serial_writes = 0;
		s->unindexed_ranges = s->serial_writes;
		if (rc == 0)
			rc = create_all_indexes(s, c, err, len);
		if (rc == 0 && s->ttl_s > 0)
			rc = create_ttl_index(s, c, err, len);
		if (rc == 0) {
			set_write_concern(s, rs);
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
		if (code == DUPLICATE_KEY) {
			r->duplicates++;
		} else if (weir_store_server_fault((uint32_t)code, msg)) {
			/* Not about this document: the attempt failed. */
			return (-1);
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

/* A command error from a server that answered, and not its own trouble
 * (store_errors.c): the request itself was refused. */
static int
is_refusal(const bson_error_t *e)
{
	return (e->domain == MONGOC_ERROR_SERVER &&
	    !weir_store_server_fault(e->code, e->message));
}

/* Waits for write_lock, but no longer than one write may take (the socket
 * timeout): a consumer stuck behind a hung write gives up like a failed
 * insert, so SIGTERM's drain deadline still holds. */
static int
take_turn(struct weir_store *s)
{
	struct timespec	until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += TURN_WAIT_S;
	return (pthread_mutex_timedlock(&s->write_lock, &until) == 0 ? 0 : -1);
}

int
weir_store_insert_events(struct weir_store *s, mongoc_client_t *c,
    const bson_t *const *docs, size_t n, struct weir_insert_result *r)
{
	mongoc_collection_t	*coll;
	bson_t			reply;
	bson_error_t		berr;
	int			rc, ok;

	r->stored = r->duplicates = r->rejected = 0;
	r->refused = 0;
	r->first_error[0] = '\0';
	memset(r->rejected_at, 0, n);
	if (n == 0)
		return (0);
	coll = weir_store_coll(s, c, WEIR_COLL_EVENTS);
	if (s->serial_writes && take_turn(s) == -1) {
		snprintf(r->first_error, sizeof(r->first_error), "another "
		    "write of this worker has held the store for %d s",
		    TURN_WAIT_S);
		mongoc_collection_destroy(coll);
		return (-1);
	}
	ok = mongoc_collection_insert_many(coll, (const bson_t **)docs, n,
	    &s->insert_opts, &reply, &berr);
	if (s->serial_writes)
		pthread_mutex_unlock(&s->write_lock);
	if (ok) {
		r->stored = n;
		rc = 0;
	} else {
		rc = classify_reply(&reply, n, r);
		if (rc == -1) {
			snprintf(r->first_error, sizeof(r->first_error), "%.200s",
			    berr.message);
			r->refused = is_refusal(&berr);
		}
	}
	bson_destroy(&reply);
	mongoc_collection_destroy(coll);
	return (rc);
}
