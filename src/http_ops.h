/* http_ops.h - shared response path for weir's HTTP handlers.
 * Every response goes through it so route metrics stay complete. */
#ifndef WEIR_HTTP_OPS_H
#define WEIR_HTTP_OPS_H

#include <stddef.h>

#include "metrics.h"

struct http_request;

void	weir_http_respond(struct http_request *, enum weir_http_route,
	    double started, int code, const char *type, const void *body,
	    size_t len);

#endif
