/* consumer_priv.h - one consumer's state, shared by consumer.c (the AMQP
 * side) and consumer_flush.c (making a batch durable, then acking it). */
#ifndef WEIR_CONSUMER_PRIV_H
#define WEIR_CONSUMER_PRIV_H

#include <pthread.h>

#include "amqp/amqp_conn.h"
#include "base/backoff.h"
#include "processor/batch.h"
#include "processor/claimed_set.h"
#include "processor/consumer.h"
#include "processor/deadletter.h"
#include "processor/window_acc.h"

struct weir_consumer {
	struct weir_worker_ctx	*ctx;
	const struct weir_config *cfg;
	int			index;
	char			name[WEIR_NAME_MAX + 32];
	pthread_t		thread;
	struct weir_amqp	amqp;
	struct weir_deadletter	dead;
	mongoc_client_t		*mongo;
	struct weir_batch	batch;
	struct weir_backoff	backoff;
	struct weir_stage_ctx	stage_ctx;
	struct weir_scan_buf	scan;		/* stage_ctx.scan */
	struct weir_claimed_set	claimed;
	struct weir_window_acc	acc;		/* windows of unacked events */
	uint64_t		pending_tag;	/* stored, not acked yet */
	size_t			pending_n;
	int			store_failing;
	int			consuming;	/* counted in amqp_connected */
	int64_t			last_heartbeat_ms;
};

/* Makes the batch durable and acks when due (ack_now: idle, stopping).
 * -1: drop the connection; the broker redelivers what was not acked. */
int	weir_consumer_flush(struct weir_consumer *, int ack_now);
/* Heartbeats both connections while a store write is being retried. */
void	weir_consumer_keep_alive(struct weir_consumer *);

#endif
