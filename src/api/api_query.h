/* api_query.h - the answers of the API's GET routes, read through the store.
 * Blocking: called from Kore task threads, never from the event loop. */
#ifndef WEIR_API_QUERY_H
#define WEIR_API_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/api_params.h"
#include "store/store_query.h"

/* Largest body a list answer grows to; the cursor carries on from there. */
#define WEIR_API_RESPONSE_MAX	(4 * 1024 * 1024)
/* Most rows one aggregates answer may hold. */
#define WEIR_API_ROWS_MAX	10000
/* Most 1-minute window documents one aggregates query may read. */
#define WEIR_API_SCAN_MAX	200000

struct weir_api_env {
	struct weir_store_read	read;
	int64_t			now_ms;
};

/* An answer: status, body (malloc'd) and its media type. */
struct weir_api_reply {
	int		status;
	char		*body;
	size_t		len;
	const char	*type;
};

void	weir_api_reply_problem(struct weir_api_reply *, int status,
	    const char *detail, const char *field, const char *rule);
void	weir_api_reply_json(struct weir_api_reply *, int status, json_t *);

void	weir_api_events_list(const struct weir_api_env *,
	    const struct weir_api_query *, struct weir_api_reply *);
void	weir_api_event_get(const struct weir_api_env *, const char *id,
	    struct weir_api_reply *);
void	weir_api_aggregates(const struct weir_api_env *,
	    const struct weir_api_query *, struct weir_api_reply *);
#endif
