/* metrics.h - the one shared metrics block: counters, gauges, histograms.
 * Mapped shared before Kore forks its workers; every update is atomic. */
#ifndef WEIR_METRICS_H
#define WEIR_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/reason.h"

#define WEIR_HIST_BUCKETS	14
#define WEIR_WORKERS_MAX	16
#define WEIR_STAGES_MAX		8

enum weir_hist_kind {
	WEIR_HIST_SECONDS,	/* 0.5 ms .. 10 s */
	WEIR_HIST_LAG,		/* 1 ms .. 1 h */
	WEIR_HIST_COUNT		/* batch sizes 1 .. 10000 */
};

struct weir_histogram {
	_Atomic uint64_t	buckets[WEIR_HIST_BUCKETS];	/* not cumulative */
	_Atomic uint64_t	count;
	_Atomic uint64_t	sum_micro;	/* sum x 1e6 (micro-units) */
};

enum weir_http_route {
	WEIR_ROUTE_HEALTHZ,
	WEIR_ROUTE_READYZ,
	WEIR_ROUTE_METRICS,
	WEIR_ROUTE_HEALTH,		/* the earlier design's aliases */
	WEIR_ROUTE_DATA,
	WEIR_ROUTE_EVENTS,
	WEIR_ROUTE_EVENT,
	WEIR_ROUTE_AGGREGATES,
	WEIR_ROUTE_STATS,
	WEIR_ROUTE_OPENAPI,
	WEIR_ROUTE_DOCS,	/* "/docs": Swagger UI */
	WEIR_ROUTE_INDEX,	/* "/": the live status page */
	WEIR_ROUTE_ASSET,	/* "/{asset}": the pages' scripts, styles, icons */
	WEIR_ROUTE_OTHER,
	WEIR_ROUTE_COUNT
};

enum weir_http_method {
	WEIR_METHOD_GET,
	WEIR_METHOD_HEAD,
	WEIR_METHOD_POST,
	WEIR_METHOD_OTHER,
	WEIR_METHOD_COUNT
};

#define WEIR_HTTP_CODES	12

/* What one worker process reports about itself. */
struct weir_worker_slot {
	_Atomic int		pid;
	_Atomic int		amqp_connected;		/* consumer connections up */
	_Atomic int		consumers_wanted;
	_Atomic int		mongodb_connected;	/* 1 when the last ping worked */
	_Atomic int		probe_amqp_ok;
	_Atomic int64_t		queue_depth;
	_Atomic int64_t		queue_consumers;
	_Atomic int64_t		dirty_windows;
};

struct weir_metrics {
	_Atomic uint64_t	messages_received;
	_Atomic uint64_t	events_stored;
	_Atomic uint64_t	duplicates_skipped;
	_Atomic uint64_t	dead_letters[WEIR_REASON_COUNT];
	_Atomic uint64_t	store_errors;
	_Atomic uint64_t	amqp_reconnects;
	_Atomic uint64_t	batches;
	_Atomic uint64_t	windows_recomputed;
	_Atomic uint64_t	windows_marked;
	_Atomic uint64_t	window_delta_conflicts;
	_Atomic uint64_t	http_requests[WEIR_ROUTE_COUNT][WEIR_METHOD_COUNT]
				    [WEIR_HTTP_CODES];
	struct weir_histogram	batch_size;
	struct weir_histogram	batch_duration;
	struct weir_histogram	stage_duration[WEIR_STAGES_MAX];
	struct weir_histogram	event_lag;
	struct weir_histogram	http_duration[WEIR_ROUTE_COUNT];
	struct weir_worker_slot	workers[WEIR_WORKERS_MAX];
	_Atomic int		parent_pid;
	int64_t			start_time_ms;
};

/* The block; NULL until weir_metrics_init() ran in the parent. */
extern struct weir_metrics	*weir_metrics;

int	weir_metrics_init(void);
void	weir_hist_observe(struct weir_histogram *, enum weir_hist_kind,
	    double value);
double	weir_hist_bound(enum weir_hist_kind, int bucket);
int	weir_http_code_index(int code);
int	weir_http_code_at(int index);

#define WEIR_INC(field, n)	\
	atomic_fetch_add_explicit(&(field), (n), memory_order_relaxed)
#define WEIR_SET(field, v)	\
	atomic_store_explicit(&(field), (v), memory_order_relaxed)
#define WEIR_GET(field)		\
	atomic_load_explicit(&(field), memory_order_relaxed)

#endif
