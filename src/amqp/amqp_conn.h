/* amqp_conn.h - one AMQP connection: open, log in, declare, close.
 * rabbitmq-c connections are not thread-safe: one per thread. */
#ifndef WEIR_AMQP_CONN_H
#define WEIR_AMQP_CONN_H

#include <stddef.h>

#include <amqp.h>

#include "amqp/amqp_tls.h"
#include "base/config.h"

struct weir_amqp {
	amqp_connection_state_t	conn;
	int			open;
	char			tls_why[WEIR_TLS_WHY_MAX];	/* handshake */
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
/* Words for a channel.close or connection.close the broker sent during
 * `what`; an ACCESS_REFUSED names the permission, object and user. */
void	weir_amqp_describe_close(unsigned code, amqp_bytes_t text,
	    const char *what, char *err, size_t errlen);
int	weir_amqp_send_heartbeat(struct weir_amqp *);

#endif
