/* api_publish.h - publishes POSTed events to the `events` exchange with
 * publisher confirms. One connection per worker, shared under a lock. */
#ifndef WEIR_API_PUBLISH_H
#define WEIR_API_PUBLISH_H

#include <stddef.h>

#include "api/api_ingest.h"
#include "base/config.h"

struct weir_publisher;

struct weir_publisher	*weir_publisher_new(const struct weir_config *);
/* Closes the connection; the publisher stays usable (a task thread may
 * still hold it while the worker shuts down). */
void			weir_publisher_close(struct weir_publisher *);
/* Connects (declaring the topology) unless connected; 0 or -1. */
int			weir_publisher_connect(struct weir_publisher *,
			    char *err, size_t errlen);
/* Publishes every item persistent, mandatory, message-id = item id, and
 * waits for the broker's confirms. Returns 0 when all were confirmed, -1
 * (err set) otherwise; blocking, so call it from a task thread. */
int			weir_publisher_send(struct weir_publisher *,
			    const struct weir_ingest_item *, size_t n,
			    char *err, size_t errlen);

#endif
