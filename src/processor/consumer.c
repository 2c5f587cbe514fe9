/* consumer.c - one consumer thread: consume, run the pipeline, hand batches
 * to consumer_flush.c; reconnects with backoff when the broker goes away. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "base/log.h"
#include "base/timestamp.h"
#include "processor/consumer_priv.h"

#define IDLE_WAIT_MS		250

static void
disconnect(struct weir_consumer *c)
{
	if (c->consuming) {
		WEIR_INC(c->ctx->slot->amqp_connected, -1);
		c->consuming = 0;
	}
	weir_amqp_close(&c->amqp);
	weir_deadletter_close(&c->dead);
}

static int
connect_once(struct weir_consumer *c, char *err, size_t len)
{
	char			dname[WEIR_NAME_MAX + 48];

	if (weir_amqp_open(&c->amqp, c->cfg, c->name, err, len) == -1)
		return (-1);
	snprintf(dname, sizeof(dname), "%s-deadletter", c->name);
	if (weir_amqp_declare_topology(&c->amqp, c->cfg, err, len) == -1 ||
	    weir_deadletter_open(&c->dead, c->cfg, dname, err, len) == -1)
		return (-1);
	amqp_basic_qos(c->amqp.conn, 1, 0, (uint16_t)c->cfg->prefetch, 0);
	if (weir_amqp_reply_ok(amqp_get_rpc_reply(c->amqp.conn), "basic.qos",
	    err, len) == -1)
		return (-1);
	amqp_basic_consume(c->amqp.conn, 1,
	    amqp_cstring_bytes(c->cfg->queue), amqp_cstring_bytes(c->name), 0,
	    0, 0, amqp_empty_table);
	if (weir_amqp_reply_ok(amqp_get_rpc_reply(c->amqp.conn),
	    "basic.consume", err, len) == -1)
		return (-1);
	/* Ready only once the topology exists and we consume from it. */
	c->consuming = 1;
	WEIR_INC(c->ctx->slot->amqp_connected, 1);
	return (0);
}

/* Connects with capped, jittered backoff until it works or we stop. */
static int
connect_loop(struct weir_consumer *c)
{
	char	err[256];

	for (;;) {
		if (atomic_load(&c->ctx->stop))
			return (-1);
		if (connect_once(c, err, sizeof(err)) == 0) {
			if (c->backoff.attempt > 0)
				WEIR_INC(weir_metrics->amqp_reconnects, 1);
			weir_backoff_reset(&c->backoff);
			weir_log(WEIR_LOG_INFO, "consumer connected", "consumer",
			    c->name, "queue", c->cfg->queue, NULL);
			return (0);
		}
		disconnect(c);
		weir_log(WEIR_LOG_WARN, "amqp connect failed", "consumer",
		    c->name, "error", err, NULL);
		if (weir_ctx_sleep(c->ctx, weir_backoff_next(&c->backoff)))
			return (-1);
	}
}

/* Keeps the broker from dropping us while we wait for MongoDB. */
void
weir_consumer_keep_alive(struct weir_consumer *c)
{
	int64_t	now = weir_now_ms();

	if (c->cfg->amqp_heartbeat_s == 0 || c->amqp.conn == NULL)
		return;
	if (now - c->last_heartbeat_ms < c->cfg->amqp_heartbeat_s * 500)
		return;
	c->last_heartbeat_ms = now;
	(void)weir_amqp_send_heartbeat(&c->amqp);
	(void)weir_amqp_send_heartbeat(&c->dead.pub.amqp);
}

static int
dead_letter(struct weir_consumer *c, const amqp_envelope_t *env,
    enum weir_reason r, const char *detail)
{
	if (weir_deadletter_publish(&c->dead, env->routing_key,
	    &env->message.properties, env->message.body, weir_reason_code(r),
	    detail) == -1)
		return (-1);
	WEIR_INC(weir_metrics->dead_letters[r], 1);
	c->batch.dead_tags[c->batch.dead_n++] = env->delivery_tag;
	return (0);
}

static int
on_delivery(struct weir_consumer *c, const amqp_envelope_t *env)
{
	const amqp_basic_properties_t	*p = &env->message.properties;
	struct weir_input		in;
	struct weir_event		ev;
	char				detail[WEIR_DETAIL_MAX];
	enum weir_reason		r;
	int				rc;

	memset(&in, 0, sizeof(in));
	in.body = env->message.body.bytes;
	in.len = env->message.body.len;
	if (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) {
		in.message_id = p->message_id.bytes;
		in.message_id_len = p->message_id.len;
	}
	if (p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG) {
		in.content_type = p->content_type.bytes;
		in.content_type_len = p->content_type.len;
	}
	c->stage_ctx.now_ms = in.received_at_ms = weir_now_ms();
	if (c->batch.deliveries == 0)
		c->batch.started_ms = in.received_at_ms;
	c->batch.deliveries++;
	WEIR_INC(weir_metrics->messages_received, 1);
	if ((c->batch.deliveries - 1) % WEIR_STAGE_SAMPLE == 0)
		c->batch.timed++;
	r = weir_pipeline_run(&in, &ev, &c->stage_ctx, detail,
	    (c->batch.deliveries - 1) % WEIR_STAGE_SAMPLE == 0 ?
	    c->batch.stage_ns : NULL);
	if (r != WEIR_OK) {
		weir_event_clear(&ev);
		return (dead_letter(c, env, r, detail));
	}
	rc = weir_batch_add(&c->batch, &ev, in.body, in.len,
	    env->routing_key.bytes, env->routing_key.len, in.message_id,
	    in.message_id_len);
	if (rc == -2)
		return (dead_letter(c, env, WEIR_ERR_STORE_REJECTED,
		    "event exceeds the BSON document limits"));
	if (rc == 0)
		c->batch.last_valid_tag = env->delivery_tag;
	return (rc);
}

/* Reads a non-delivery frame; -1 when it means the channel is gone. */
static int
on_other_frame(struct weir_consumer *c)
{
	amqp_frame_t	f;
	struct timeval	tv = { 0, 0 };

	if (amqp_simple_wait_frame_noblock(c->amqp.conn, &f, &tv) !=
	    AMQP_STATUS_OK)
		return (-1);
	if (f.frame_type != AMQP_FRAME_METHOD)
		return (0);
	switch (f.payload.method.id) {
	case AMQP_CHANNEL_CLOSE_METHOD:
	case AMQP_CONNECTION_CLOSE_METHOD:
	case AMQP_BASIC_CANCEL_METHOD:
		weir_log(WEIR_LOG_WARN, "broker closed the consumer", "consumer",
		    c->name, NULL);
		return (-1);
	default:
		return (0);
	}
}

static int
wait_ms(const struct weir_consumer *c)
{
	int64_t	left;

	if (c->batch.deliveries == 0)
		return (c->pending_n > 0 ? c->cfg->batch_timeout_ms :
		    IDLE_WAIT_MS);
	left = c->batch.started_ms + c->cfg->batch_timeout_ms - weir_now_ms();
	return (left > 0 ? (int)left : 0);
}

/* One step of the consume loop; -1 asks for a reconnect. */
static int
consume_step(struct weir_consumer *c)
{
	amqp_envelope_t		env;
	amqp_rpc_reply_t	r;
	int			ms = wait_ms(c), rc;
	struct timeval		tv = { ms / 1000, (ms % 1000) * 1000 };

	amqp_maybe_release_buffers(c->amqp.conn);
	r = amqp_consume_message(c->amqp.conn, &env, &tv, 0);
	if (r.reply_type == AMQP_RESPONSE_NORMAL) {
		rc = on_delivery(c, &env);
		amqp_destroy_envelope(&env);
		if (rc == -1)
			return (-1);
		if (c->batch.deliveries >= c->batch.cap)
			return (weir_consumer_flush(c, 0));
		return (0);
	}
	/* Nothing more came within the batch timeout: store and ack. */
	if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
	    r.library_error == AMQP_STATUS_TIMEOUT)
		return (c->batch.deliveries == 0 || wait_ms(c) == 0 ?
		    weir_consumer_flush(c, 1) : 0);
	if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
	    r.library_error == AMQP_STATUS_UNEXPECTED_STATE)
		return (on_other_frame(c));
	return (-1);
}

static void
drop_connection(struct weir_consumer *c)
{
	if (c->batch.deliveries > 0 || c->pending_n > 0)
		weir_log(WEIR_LOG_WARN, "dropping unacked deliveries; the broker "
		    "redelivers them", "consumer", c->name, NULL);
	weir_batch_reset(&c->batch);
	weir_window_acc_reset(&c->acc);
	c->pending_tag = 0;
	c->pending_n = 0;
	disconnect(c);
}

static void *
consumer_main(void *arg)
{
	struct weir_consumer	*c = arg;

	while (!atomic_load(&c->ctx->stop)) {
		if (c->amqp.conn == NULL && connect_loop(c) == -1)
			break;
		if (consume_step(c) == -1) {
			drop_connection(c);
			weir_ctx_sleep(c->ctx, weir_backoff_next(&c->backoff));
		}
	}
	/* SIGTERM: finish and ack the batch in flight, then leave. */
	if (c->amqp.conn != NULL && weir_consumer_flush(c, 1) == -1)
		weir_log(WEIR_LOG_WARN, "could not finish the batch in flight",
		    "consumer", c->name, NULL);
	drop_connection(c);
	weir_store_release(c->ctx->store, c->mongo);
	c->mongo = NULL;
	return (NULL);
}

struct weir_consumer *
weir_consumer_start(struct weir_worker_ctx *ctx, int index)
{
	struct weir_consumer	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->ctx = ctx;
	c->cfg = ctx->cfg;
	c->index = index;
	snprintf(c->name, sizeof(c->name), "weir-%s-w%d-c%d",
	    ctx->cfg->processor_name, ctx->worker_id, index);
	weir_stage_ctx_init(&c->stage_ctx, ctx->cfg);
	weir_backoff_init(&c->backoff, 100, 10000, weir_ctx_seed());
	weir_claimed_set_init(&c->claimed);
	/* Both free what they never allocated (c is zeroed), so one label
	 * undoes any prefix of the set-up. */
	if (weir_batch_init(&c->batch, (size_t)ctx->cfg->batch_size) == -1 ||
	    weir_window_acc_init(&c->acc, (size_t)ctx->cfg->batch_size) == -1 ||
	    weir_scan_buf_init(&c->scan) == -1)
		goto fail;
	c->stage_ctx.scan = &c->scan;
	if (weir_thread_start(&c->thread, consumer_main, c) == -1)
		goto fail;
	return (c);
fail:
	weir_scan_buf_free(&c->scan);
	weir_window_acc_free(&c->acc);
	weir_batch_free(&c->batch);
	free(c);
	return (NULL);
}

void
weir_consumer_join(struct weir_consumer *c)
{
	pthread_join(c->thread, NULL);
	weir_scan_buf_free(&c->scan);
	weir_window_acc_free(&c->acc);
	weir_batch_free(&c->batch);
	free(c);
}
