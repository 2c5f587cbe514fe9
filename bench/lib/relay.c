/* bench/lib/relay.c - the least a consumer can do, for bench/e2e's analysis:
 * consume, insert each event as a document in batches, ack after the insert. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <mongoc/mongoc.h>

#define BENCH_AMQP
#define BENCH_MONGOC
#include "bench.h"

static const char *usage_text =
"usage: relay --queue Q --uri URI --database DB -n N [options]\n"
"\n"
"  --host H --port P --user U --password W   broker (127.0.0.1:5672 guest)\n"
"  --prefetch K   consumer prefetch (default 6000, weir's)\n"
"  --batch B      events per insert_many (default 500, weir's)\n"
"\n"
"One thread, one AMQP connection and one MongoDB client. Reads B deliveries\n"
"(or what came within 50 ms of the first), parses each body with libbson's\n"
"JSON parser,\n"
"stores {_id: id, source, type, ts (date), value, data, received_at,\n"
"processed_at, processor} with an unordered insert_many (weir's write\n"
"concern: majority on a replica set), then acks them all (multiple).\n"
"No validation, no dead letters, no windows, no retries (a body that is\n"
"not JSON or a failed insert ends it): a measuring stick for weir, not a\n"
"consumer to run. Stops after N events; prints\n"
"key=value lines stored, end_ms (epoch ms when the last insert returned),\n"
"seconds (from the start, so including the wait for the first event).\n";

static struct {
	const char	*host, *user, *password, *queue, *uri, *db;
	int		 port, prefetch, batch;
	long		 n;
} opt = {
	"127.0.0.1", "guest", "guest", NULL, NULL, NULL, 5672, 6000, 500, 0
};

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "relay: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	exit(1);
}

static amqp_connection_state_t
connect_consumer(void)
{
	amqp_connection_state_t	 c;
	const char		*err;

	err = bench_amqp_open(&c, opt.host, opt.port, opt.user, opt.password,
	    131072);
	if (err != NULL)
		die(err, NULL);
	amqp_basic_qos(c, 1, 0, (uint16_t)opt.prefetch, 0);
	if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
		die("basic.qos failed", NULL);
	amqp_basic_consume(c, 1, amqp_cstring_bytes(opt.queue),
	    amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
	if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
		die("basic.consume failed", opt.queue);
	return (c);
}

/* The stored document for one body (bson_new), or NULL when it is not JSON. */
static bson_t *
to_doc(const amqp_bytes_t *body, int64_t now, const char *host)
{
	bson_t		 ev, *out;
	bson_iter_t	 it;
	bson_error_t	 err;

	if (!bson_init_from_json(&ev, body->bytes, (ssize_t)body->len, &err))
		return (NULL);
	out = bson_new();
	if (bson_iter_init_find(&it, &ev, "id") && BSON_ITER_HOLDS_UTF8(&it))
		bson_append_iter(out, "_id", 3, &it);
	if (bson_iter_init_find(&it, &ev, "source"))
		bson_append_iter(out, "source", 6, &it);
	if (bson_iter_init_find(&it, &ev, "type"))
		bson_append_iter(out, "type", 4, &it);
	if (bson_iter_init_find(&it, &ev, "ts") && BSON_ITER_HOLDS_NUMBER(&it))
		BSON_APPEND_DATE_TIME(out, "ts", bson_iter_as_int64(&it));
	if (bson_iter_init_find(&it, &ev, "value") &&
	    BSON_ITER_HOLDS_NUMBER(&it))
		BSON_APPEND_DOUBLE(out, "value", bson_iter_as_double(&it));
	if (bson_iter_init_find(&it, &ev, "data"))
		bson_append_iter(out, "data", 4, &it);
	BSON_APPEND_DATE_TIME(out, "received_at", now);
	BSON_APPEND_DATE_TIME(out, "processed_at", now);
	BSON_APPEND_UTF8(out, "processor", host);
	bson_destroy(&ev);
	return (out);
}

/* Reads up to `want` deliveries into docs: the first one waits as long as
 * it takes, the batch is then closed 50 ms after it began. Returns how many
 * (at least 1). */
static size_t
fill(amqp_connection_state_t c, bson_t **docs, size_t want,
    uint64_t *last_tag, const char *host)
{
	amqp_envelope_t		 env;
	amqp_rpc_reply_t	 r;
	struct timeval		 left;
	double			 close_at = 0, ms;
	size_t			 k = 0;

	while (k < want) {
		amqp_maybe_release_buffers(c);
		if (k > 0) {
			if ((ms = close_at - now_ms()) <= 0)
				break;
			left.tv_sec = (time_t)(ms / 1e3);
			left.tv_usec = (suseconds_t)((ms - left.tv_sec * 1e3) *
			    1e3);
		}
		r = amqp_consume_message(c, &env, k == 0 ? NULL : &left, 0);
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
		    r.library_error == AMQP_STATUS_TIMEOUT)
			break;
		if (r.reply_type != AMQP_RESPONSE_NORMAL)
			die("consume failed", r.reply_type ==
			    AMQP_RESPONSE_LIBRARY_EXCEPTION ?
			    amqp_error_string2(r.library_error) :
			    "the broker closed the channel");
		if (k == 0)
			close_at = now_ms() + 50;
		*last_tag = env.delivery_tag;
		if ((docs[k] = to_doc(&env.message.body, (int64_t)now_ms(),
		    host)) == NULL)
			die("a message body is not JSON", NULL);
		k++;
		amqp_destroy_envelope(&env);
	}
	return (k);
}

static void
relay(amqp_connection_state_t c, mongoc_collection_t *coll,
    const bson_t *opts)
{
	bson_t		**docs = calloc((size_t)opt.batch, sizeof(*docs));
	char		 host[256];
	bson_error_t	 err;
	uint64_t	 tag = 0;
	long		 stored = 0;
	double		 t0 = now_ms(), t1 = t0;

	if (docs == NULL)
		die("out of memory", NULL);
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "relay");
	while (stored < opt.n) {
		size_t want = (size_t)(opt.n - stored < opt.batch ?
		    opt.n - stored : opt.batch);
		size_t k = fill(c, docs, want, &tag, host);

		if (!mongoc_collection_insert_many(coll,
		    (const bson_t **)docs, k, opts, NULL, &err))
			die("insert_many", err.message);
		t1 = now_ms();
		if (amqp_basic_ack(c, 1, tag, 1) != AMQP_STATUS_OK)
			die("basic.ack failed", NULL);
		for (size_t i = 0; i < k; i++)
			bson_destroy(docs[i]);
		stored += (long)k;
	}
	printf("stored=%ld\nend_ms=%.3f\nseconds=%.3f\n", stored, t1,
	    (t1 - t0) / 1e3);
	free(docs);
}

int
main(int argc, char **argv)
{
	static struct option	 longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'P' },
		{ "user", required_argument, NULL, 'U' },
		{ "password", required_argument, NULL, 'W' },
		{ "queue", required_argument, NULL, 'q' },
		{ "uri", required_argument, NULL, 'u' },
		{ "database", required_argument, NULL, 'd' },
		{ "prefetch", required_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	bson_t			 opts = BSON_INITIALIZER;
	amqp_connection_state_t	 c;
	int			 ch;

	while ((ch = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H': opt.host = optarg; break;
		case 'P': opt.port = atoi(optarg); break;
		case 'U': opt.user = optarg; break;
		case 'W': opt.password = optarg; break;
		case 'q': opt.queue = optarg; break;
		case 'u': opt.uri = optarg; break;
		case 'd': opt.db = optarg; break;
		case 'p': opt.prefetch = atoi(optarg); break;
		case 'b': opt.batch = atoi(optarg); break;
		case 'n': opt.n = atol(optarg); break;
		case 'h': fputs(usage_text, stdout); return (0);
		default: fputs(usage_text, stderr); return (2);
		}
	}
	if (opt.queue == NULL || opt.uri == NULL || opt.db == NULL ||
	    opt.n < 1 || opt.batch < 1 || opt.prefetch < opt.batch ||
	    opt.prefetch > 65535) {
		fputs(usage_text, stderr);
		return (2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mongoc_init();
	if ((client = mongoc_client_new(opt.uri)) == NULL)
		die("bad --uri", opt.uri);
	mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
	if (bench_insert_opts(client, &opts) == -1)
		die("hello failed", NULL);
	coll = mongoc_client_get_collection(client, opt.db, "events");
	c = connect_consumer();
	relay(c, coll, &opts);
	mongoc_log_set_handler(bench_quiet_log, NULL);
	amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
	amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(c);
	bson_destroy(&opts);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
	mongoc_cleanup();
	return (0);
}
