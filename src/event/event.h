/* event.h - one event as it moves through the pipeline stages.
 * Strings point into `root` (jansson) and live as long as the event. */
#ifndef WEIR_EVENT_H
#define WEIR_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define WEIR_ID_MAX		128
#define WEIR_SOURCE_MAX		128
#define WEIR_TYPE_MAX		64
/* The limits count code points; one takes up to 4 bytes of UTF-8. */
#define WEIR_UTF8_CHAR_MAX	4
#define WEIR_SOURCE_BUF		(WEIR_UTF8_CHAR_MAX * WEIR_SOURCE_MAX + 1)
#define WEIR_TYPE_BUF		(WEIR_UTF8_CHAR_MAX * WEIR_TYPE_MAX + 1)
#define WEIR_DATA_DEPTH_MAX	32
#define WEIR_DETAIL_MAX		256

/* What the transport (AMQP delivery or HTTP POST) hands to the pipeline. */
struct weir_input {
	const char	*body;
	size_t		len;
	const char	*message_id;	/* AMQP message-id property, or NULL */
	size_t		message_id_len;
	const char	*content_type;	/* AMQP content-type, or NULL */
	size_t		content_type_len;
	int64_t		received_at_ms;
};

struct weir_event {
	json_t		*root;
	char		id[WEIR_ID_MAX + 1];
	const char	*source;
	size_t		source_len;
	const char	*type;
	size_t		type_len;
	int64_t		ts_ms;
	int		has_value;
	double		value;
	int64_t		received_at_ms;
	int64_t		processed_at_ms;
	const char	*processor;
	int64_t		window_start_ms;
};

/* Drops the decoded document; the event may be reused afterwards. */
void	weir_event_clear(struct weir_event *);

#endif
