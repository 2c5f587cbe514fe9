/* api_params.h - the query parameters of the read API, parsed and checked.
 * Pure: a raw query string in, a filter or the offending field and rule out. */
#ifndef WEIR_API_PARAMS_H
#define WEIR_API_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

#define WEIR_API_LIMIT_DEFAULT	100
#define WEIR_API_LIMIT_MAX	1000
/* base64url of "<ts ms>:<id>": 20 digits, a colon and 128 id bytes. */
#define WEIR_CURSOR_MAX		208
#define WEIR_API_FIELD_MAX	32
#define WEIR_API_RULE_MAX	256

/* Which parameters an operation takes. */
enum weir_api_op {
	WEIR_API_OP_EVENTS,
	WEIR_API_OP_AGGREGATES,
	WEIR_API_OP_NONE		/* no parameters at all */
};

struct weir_api_query {
	char		source[WEIR_SOURCE_BUF];
	int		has_source;
	char		type[WEIR_TYPE_BUF];
	int		has_type;
	int64_t		from_ms;
	int		has_from;
	int64_t		to_ms;
	int		has_to;
	int		limit;
	int		has_cursor;
	int64_t		cursor_ts_ms;
	char		cursor_id[WEIR_ID_MAX + 1];
	int64_t		window_ms;
	char		window[4];
};

/* What was wrong: the parameter (or "body") and the rule it broke. */
struct weir_api_error {
	char	field[WEIR_API_FIELD_MAX];
	char	rule[WEIR_API_RULE_MAX];
};

/* Parses `qs` (without '?', may be NULL). Returns 0 or -1 with `err` set. */
int	weir_api_parse_query(enum weir_api_op, const char *qs,
	    struct weir_api_query *, struct weir_api_error *);

/* A time: RFC 3339 with offset, or integer epoch milliseconds. */
int	weir_api_parse_time(const char *s, size_t len, int64_t *out_ms);

/* Percent-decodes s[0..len) into out (NUL-terminated); in a query '+' is
 * a space, in a path (plus_is_space 0) it is itself. -1 on a bad escape,
 * an embedded NUL or when it does not fit. */
int	weir_api_url_decode(const char *s, size_t len, int plus_is_space,
	    char *out, size_t size, size_t *out_len);

/* The opaque page cursor: base64url of "<ts ms>:<id>", without padding. */
size_t	weir_cursor_encode(int64_t ts_ms, const char *id, char *out,
	    size_t size);
int	weir_cursor_decode(const char *s, size_t len, int64_t *ts_ms,
	    char id[WEIR_ID_MAX + 1]);

/* 1 when s[0..len) is valid UTF-8 without control characters. */
int	weir_api_utf8_ok(const char *s, size_t len, size_t *code_points);

#endif
