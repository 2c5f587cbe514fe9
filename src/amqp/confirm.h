/* confirm.h - the one confirm-mode publisher: dead letters and POST /v1/events.
 * Its own connection, so waiting for confirms never swallows deliveries. */
#ifndef WEIR_CONFIRM_H
#define WEIR_CONFIRM_H

#include <stddef.h>
#include <stdint.h>

#include <amqp.h>

#include "amqp/amqp_conn.h"
#include "base/config.h"

struct weir_confirm {
	struct weir_amqp	amqp;
	uint64_t		published;	/* delivery tags handed out */
	uint64_t		confirmed;	/* highest tag acked by the broker */
	int			returned;	/* a mandatory publish was unroutable */
	int			failed;		/* a nack or a broken connection */
};

/* What weir_confirm_wait found besides success (0). */
#define WEIR_CONFIRM_FAILED	(-1)	/* nack, closed, timeout: reconnect */
#define WEIR_CONFIRM_RETURNED	(-2)	/* all confirmed, some unroutable */

/* Opens the connection, declares the topology when `declare` is set, and
 * puts channel 1 in confirm mode. 0 or -1 with err set (closed again). */
int	weir_confirm_open(struct weir_confirm *, const struct weir_config *,
	    const char *name, int declare, char *err, size_t errlen);
void	weir_confirm_close(struct weir_confirm *);
/* 1 when open and no publish or confirm has failed since. */
int	weir_confirm_usable(const struct weir_confirm *);
/* Publishes on channel 1; 0, or -1 when the connection is unusable. */
int	weir_confirm_publish(struct weir_confirm *, const char *exchange,
	    amqp_bytes_t routing_key, int mandatory,
	    const amqp_basic_properties_t *, amqp_bytes_t body);
/* Waits (timeout_ms per frame) until every publish is confirmed. Returns
 * 0, WEIR_CONFIRM_RETURNED or WEIR_CONFIRM_FAILED with err set. */
int	weir_confirm_wait(struct weir_confirm *, int timeout_ms, char *err,
	    size_t errlen);

#endif
