/* probe.c - a thread that pings MongoDB and looks at the input queue.
 * Its findings feed /readyz and the queue-depth gauge; it never blocks HTTP. */
#include <stdio.h>

#include "amqp/amqp_conn.h"
#include "base/backoff.h"
#include "base/log.h"
#include "processor/threads.h"

#define PROBE_INTERVAL_MS	1000

/* *last: what the previous probe logged (-1 at start), so a link that is
 * down from the start is reported once too, with its reason. */
static void
probe_mongodb(struct weir_worker_ctx *ctx, mongoc_client_t *c, int *last)
{
	char	err[512] = "";
	int	up = weir_store_ping(ctx->store, c, err, sizeof(err)) == 0;

	if (up && weir_store_setup(ctx->store, c, err, sizeof(err)) == -1) {
		weir_log(WEIR_LOG_WARN, "mongodb setup failed", "error", err,
		    NULL);
		up = 0;
	}
	if (up != *last)
		weir_log(up ? WEIR_LOG_INFO : WEIR_LOG_WARN, up ?
		    "mongodb reachable" : "mongodb unreachable", up ? NULL :
		    "error", err, NULL);
	*last = up;
	WEIR_SET(ctx->slot->mongodb_connected, up);
}

/* A passive declare reports depth and consumers without side effects. */
static int
probe_queue(struct weir_worker_ctx *ctx, struct weir_amqp *a)
{
	amqp_queue_declare_ok_t	*ok;
	char			err[256];

	if (a->conn == NULL && weir_amqp_open(a, ctx->cfg, "weir-probe", err,
	    sizeof(err)) == -1)
		return (-1);
	ok = amqp_queue_declare(a->conn, 1, amqp_cstring_bytes(ctx->cfg->queue),
	    1, 0, 0, 0, amqp_empty_table);
	if (ok == NULL) {
		/* A missing queue closes the channel: reopen next time. */
		weir_amqp_close(a);
		WEIR_SET(ctx->slot->queue_depth, -1);
		return (-1);
	}
	WEIR_SET(ctx->slot->queue_depth, (int64_t)ok->message_count);
	WEIR_SET(ctx->slot->queue_consumers, (int64_t)ok->consumer_count);
	amqp_maybe_release_buffers(a->conn);
	return (0);
}

void *
weir_probe_main(void *arg)
{
	struct weir_worker_ctx	*ctx = arg;
	mongoc_client_t		*c = weir_store_client(ctx->store);
	struct weir_amqp	a = { NULL, 0 };
	int			ok, mongo_last = -1;

	WEIR_SET(ctx->slot->queue_depth, -1);
	do {
		probe_mongodb(ctx, c, &mongo_last);
		ok = probe_queue(ctx, &a) == 0;
		if (!ok && a.conn != NULL)
			weir_amqp_close(&a);
		WEIR_SET(ctx->slot->probe_amqp_ok, ok);
	} while (!weir_ctx_sleep(ctx, PROBE_INTERVAL_MS));
	weir_amqp_close(&a);
	weir_store_release(ctx->store, c);
	return (NULL);
}
