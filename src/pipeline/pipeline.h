/* pipeline.h - the processing stages and the runner that chains them.
 * Stages are pure: an input and a context in, an event or a reason out. */
#ifndef WEIR_PIPELINE_H
#define WEIR_PIPELINE_H

#include <stdint.h>

#include "base/reason.h"
#include "event/event.h"
#include "event/event_scan.h"

/* Everything a stage may know about the world, fixed for one batch. */
struct weir_stage_ctx {
	size_t		max_message_bytes;
	int64_t		max_future_skew_ms;
	int64_t		now_ms;
	const char	*processor;
	/* The calling thread's reused decode buffers. NULL: decode every
	 * body with jansson and keep its tree in the event (the API's
	 * ingest, which needs no BSON). */
	struct weir_scan_buf *scan;
};

struct weir_config;

/* The stage settings from the configuration, the same for the consumer and
 * the API's ingest; now_ms is left 0 for the caller to set per batch. */
void	weir_stage_ctx_init(struct weir_stage_ctx *,
	    const struct weir_config *);

/* A stage fills or checks `ev`; on failure it returns a reason and writes
 * a human-readable detail (at most WEIR_DETAIL_MAX bytes) into `detail`. */
typedef enum weir_reason (*weir_stage_fn)(const struct weir_input *,
    struct weir_event *, const struct weir_stage_ctx *, char *detail);

struct weir_stage {
	const char	*name;
	weir_stage_fn	run;
};

enum weir_reason	weir_stage_decode(const struct weir_input *,
			    struct weir_event *, const struct weir_stage_ctx *,
			    char *);
enum weir_reason	weir_stage_validate(const struct weir_input *,
			    struct weir_event *, const struct weir_stage_ctx *,
			    char *);
enum weir_reason	weir_stage_normalise(const struct weir_input *,
			    struct weir_event *, const struct weir_stage_ctx *,
			    char *);
enum weir_reason	weir_stage_enrich(const struct weir_input *,
			    struct weir_event *, const struct weir_stage_ctx *,
			    char *);
enum weir_reason	weir_stage_window(const struct weir_input *,
			    struct weir_event *, const struct weir_stage_ctx *,
			    char *);

/* 1 when an AMQP content-type (NULL: none) says the body is JSON. */
int	weir_content_type_is_json(const char *, size_t);

/* The stages in the order they run; NULL-terminated. */
extern const struct weir_stage	weir_pipeline_stages[];
#define WEIR_STAGE_MAX		16

/* Runs every stage; stops at the first failure. When `stage_ns` is not
 * NULL, adds each stage's run time to stage_ns[i]. */
enum weir_reason	weir_pipeline_run(const struct weir_input *,
			    struct weir_event *, const struct weir_stage_ctx *,
			    char *detail, uint64_t *stage_ns);
size_t			weir_pipeline_stage_count(void);

#endif
