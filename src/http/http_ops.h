/* http_ops.h - shared response path for weir's HTTP handlers.
 * Every response goes through it so route metrics stay complete. */
#ifndef WEIR_HTTP_OPS_H
#define WEIR_HTTP_OPS_H

#include <stddef.h>

#include "base/metrics.h"
#include "processor/worker_ctx.h"

struct http_request;

void	weir_http_respond(struct http_request *, enum weir_http_route,
	    double started, int code, const char *type, const void *body,
	    size_t len);
/* Counts a response already sent (route metrics), for handlers that set
 * their own headers. */
void	weir_http_count(struct http_request *, enum weir_http_route,
	    double started, int code);
/* The worker's context, for its configuration; before any request. */
void	weir_http_ops_init(const struct weir_worker_ctx *);
/* The one 405: Allow lists `allow`, the problem names the method rule.
 * Returns KORE_RESULT_OK. */
int	weir_http_method_not_allowed(struct http_request *,
	    enum weir_http_route, double started, const char *allow);
/* Returns 1 for GET and HEAD; otherwise answers 405 with Allow, returns 0. */
int	weir_http_only_get(struct http_request *, enum weir_http_route,
	    double started);

#endif
