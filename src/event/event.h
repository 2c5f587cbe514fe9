/* event.h - one event as it moves through the pipeline stages.
 * Strings point into the body, the scan buffer or `root`: see weir_event. */
#ifndef WEIR_EVENT_H
#define WEIR_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/reason.h"

#define WEIR_ID_MAX		128
#define WEIR_SOURCE_MAX		128
#define WEIR_TYPE_MAX		64
/* The limits count code points; one takes up to 4 bytes of UTF-8. */
#define WEIR_UTF8_CHAR_MAX	4
#define WEIR_SOURCE_BUF		(WEIR_UTF8_CHAR_MAX * WEIR_SOURCE_MAX + 1)
#define WEIR_TYPE_BUF		(WEIR_UTF8_CHAR_MAX * WEIR_TYPE_MAX + 1)
#define WEIR_DATA_DEPTH_MAX	32
#define WEIR_DETAIL_MAX		256
/* How much of an offending key a dead letter's detail quotes. */
#define WEIR_KEY_QUOTE_MAX	64

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

/* The JSON type of a top-level field as decoded. */
enum weir_json_kind {
	WEIR_JSON_ABSENT = 0,
	WEIR_JSON_NULL,
	WEIR_JSON_BOOL,
	WEIR_JSON_INTEGER,
	WEIR_JSON_REAL,
	WEIR_JSON_STRING,
	WEIR_JSON_ARRAY,
	WEIR_JSON_OBJECT
};

/* One top-level field the stages look at, and its scalar value. */
struct weir_json_field {
	enum weir_json_kind	kind;
	const char		*s;	/* STRING: decoded UTF-8, no NUL */
	size_t			len;
	int64_t			i;	/* INTEGER */
	double			d;	/* INTEGER or REAL, as a number */
};

/* The top-level fields the stages check, in weir_decoded.top. */
enum weir_top_field {
	WEIR_TOP_ID,
	WEIR_TOP_SOURCE,
	WEIR_TOP_TYPE,
	WEIR_TOP_TS,
	WEIR_TOP_VALUE,
	WEIR_TOP_DATA,
	WEIR_TOP_COUNT
};

/*
 * What decoding found, whichever decoder ran (event_scan.c or jansson via
 * event_tree.c): everything stage_validate and stage_normalise judge. Every
 * other top-level field is already BSON in `rest`, in the body's order.
 */
struct weir_decoded {
	struct weir_json_field	top[WEIR_TOP_COUNT];
	unsigned		reserved;	/* bit i: weir_reserved_fields[i] */
	enum weir_reason	tree_error;	/* first of check_tree's order */
	char			bad_key[WEIR_KEY_QUOTE_MAX + 1];
	/* A BSON document of them (length first); NULL: walk `root`. */
	const uint8_t		*rest;
	size_t			rest_len;
	int			rest_failed;	/* exceeds BSON's limits */
};

/*
 * Strings (source, type) point into the input body, the consumer's scan
 * buffer or `root`: they are valid until the next event is decoded on the
 * same context, or until weir_event_clear for `root`. A batch keeps copies
 * of what it needs later.
 */
struct weir_event {
	json_t		*root;		/* only when jansson decoded it */
	struct weir_decoded dec;
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

/* Top-level names weir writes itself, in the order they are checked. */
extern const char *const	weir_reserved_fields[];
/* The weir_top_field named key[0..len), or -1. Those before WEIR_TOP_DATA
 * are stored in the document's fixed part, not in `rest`. */
int	weir_top_field(const char *key, size_t len);
/* The index of key[0..len) in weir_reserved_fields, or -1. */
int	weir_reserved_field(const char *key, size_t len);

/* Drops the decoded document; the event may be reused afterwards. */
void	weir_event_clear(struct weir_event *);

#endif
