/* consumer.h - an AMQP consumer thread: deliveries in, durable events out.
 * amqp -> pipeline -> store -> ack, one batch at a time. */
#ifndef WEIR_CONSUMER_H
#define WEIR_CONSUMER_H

#include "processor/worker_ctx.h"

struct weir_consumer;

struct weir_consumer	*weir_consumer_start(struct weir_worker_ctx *,
			    int index);
/* Waits for the thread (which stops once ctx->stop is set) and frees it. */
void			weir_consumer_join(struct weir_consumer *);

#endif
