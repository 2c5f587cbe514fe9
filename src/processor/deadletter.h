/* deadletter.h - republishing rejected messages to the dead-letter exchange.
 * Publisher confirms make each dead letter durable before the original is acked. */
#ifndef WEIR_DEADLETTER_H
#define WEIR_DEADLETTER_H

#include <stdint.h>

#include <amqp.h>

#include "amqp/confirm.h"
#include "base/config.h"

struct weir_deadletter {
	struct weir_confirm	pub;
	const struct weir_config *cfg;
};

int	weir_deadletter_open(struct weir_deadletter *, const struct weir_config *,
	    const char *name, char *err, size_t errlen);
void	weir_deadletter_close(struct weir_deadletter *);
/* Publishes body and properties unchanged plus x-weir-error and
 * x-weir-detail headers. Returns 0 or -1 (connection unusable). */
int	weir_deadletter_publish(struct weir_deadletter *, amqp_bytes_t routing_key,
	    const amqp_basic_properties_t *props, amqp_bytes_t body,
	    const char *reason, const char *detail);
/* Waits until every publish is confirmed; -1 on nack, error or timeout. */
int	weir_deadletter_wait(struct weir_deadletter *, int timeout_ms);

#endif
