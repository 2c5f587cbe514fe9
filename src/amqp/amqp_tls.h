/* amqp_tls.h - the TLS socket of an AMQP connection: CA, client certificate,
 * peer and host name checks, and why a handshake failed, in words. */
#ifndef WEIR_AMQP_TLS_H
#define WEIR_AMQP_TLS_H

#include <stddef.h>

#include <amqp.h>

#include "base/config.h"

#define WEIR_TLS_WHY_MAX	256

/* A TLS socket for `conn` set up from cfg's RABBITMQ_* TLS settings, or
 * NULL with err set. A failed certificate check during the handshake is
 * written to why[WEIR_TLS_WHY_MAX], which must live as long as `conn`. */
amqp_socket_t	*weir_amqp_tls_socket(amqp_connection_state_t conn,
		    const struct weir_config *, char *why, char *err,
		    size_t errlen);

#endif
