/* http_api.h - hooks weir.c calls to set up the HTTP API.
 * Tokens are read in the parent; each worker gets its own publisher. */
#ifndef WEIR_HTTP_API_H
#define WEIR_HTTP_API_H

#include <stddef.h>

#include "base/config.h"
#include "processor/worker_ctx.h"

/* Loads WEIR_API_TOKENS_FILE; -1 with err naming the variable. */
int	weir_api_load_tokens(const struct weir_config *, char *err,
	    size_t errlen);
void	weir_api_worker_init(struct weir_worker_ctx *);
void	weir_api_worker_teardown(void);

#endif
