/* api_post.h - POST /v1/events without Kore: body in, reply out.
 * Blocking (it waits for the broker's confirms): call it from a task thread. */
#ifndef WEIR_API_POST_H
#define WEIR_API_POST_H

#include <stddef.h>

#include "api/api_publish.h"
#include "api/api_query.h"
#include "base/config.h"

/* 202 with the ids when every event was valid and confirmed; 400 naming
 * the first invalid event (nothing published), 413, or 503. */
void	weir_api_post_events(struct weir_publisher *,
	    const struct weir_config *, const char *body, size_t len,
	    struct weir_api_reply *);

#endif
