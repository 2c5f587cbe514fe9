/* event_id.h - the idempotency key of an event.
 * Body field `id`, else the AMQP message-id, else the SHA-256 of the body. */
#ifndef WEIR_EVENT_ID_H
#define WEIR_EVENT_ID_H

#include <stddef.h>

#include "event/event.h"

/* 1 if s[0..len) is 1..128 printable ASCII characters. */
int	weir_id_is_valid(const char *s, size_t len);

/* Lower-case hex SHA-256 of the body into out[65]. */
void	weir_id_from_body(const char *body, size_t len, char out[65]);

/* Chooses the id: `field` (may be NULL) wins, then message_id if valid,
 * then the body hash. Returns -1 only when `field` is present but invalid. */
int	weir_id_derive(const json_t *field, const struct weir_input *in,
	    char out[WEIR_ID_MAX + 1]);
/* The same for a decoded top-level field (WEIR_JSON_ABSENT: none). */
int	weir_id_pick(const struct weir_json_field *, const struct weir_input *,
	    char out[WEIR_ID_MAX + 1]);

#endif
