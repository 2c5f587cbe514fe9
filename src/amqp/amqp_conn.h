/* amqp_conn.h - one AMQP connection: open, log in, declare, close.
 * rabbitmq-c connections are not thread-safe: one per thread. */
#ifndef WEIR_AMQP_CONN_H
#define WEIR_AMQP_CONN_H

#include <stddef.h>

#include <amqp.h>

#include "base/config.h"

struct weir_amqp {
	amqp_connection_state_t	conn;
	int			open;
};

int	weir_amqp_open(struct weir_amqp *, const struct weir_config *,
	    const char *name, char *err, size_t errlen);
void	weir_amqp_close(struct weir_amqp *);
/* Declares exchanges, queues and bindings; safe to repeat. */
int	weir_amqp_declare_topology(struct weir_amqp *,
	    const struct weir_config *, char *err, size_t errlen);
/* 0 when `r` is a normal reply, else -1 with a readable reason. */
int	weir_amqp_reply_ok(amqp_rpc_reply_t r, const char *what, char *err,
	    size_t errlen);
int	weir_amqp_send_heartbeat(struct weir_amqp *);

#endif
