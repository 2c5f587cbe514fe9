/* metrics_render.c - writes the Prometheus text format (version 0.0.4).
 * Names follow Prometheus conventions: base units, _total, _seconds. */
#include <inttypes.h>
#include <stdio.h>

#include "http/metrics_render.h"

static const char *const route_names[WEIR_ROUTE_COUNT] = {
	"/healthz", "/readyz", "/metrics", "/health", "/data", "/v1/events",
	"/v1/events/{id}", "/v1/aggregates", "/v1/stats", "/openapi.json",
	"/docs", "/", "/{asset}", "other"
};
static const char *const method_names[WEIR_METHOD_COUNT] = {
	"GET", "HEAD", "POST", "OTHER"
};

static void
header(struct weir_textbuf *b, const char *name, const char *type,
    const char *help)
{
	weir_textbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
counter(struct weir_textbuf *b, const char *name, const char *help,
    uint64_t v)
{
	header(b, name, "counter", help);
	weir_textbuf_printf(b, "%s %" PRIu64 "\n", name, v);
}

static void
gauge(struct weir_textbuf *b, const char *name, const char *help, double v)
{
	header(b, name, "gauge", help);
	weir_textbuf_printf(b, "%s %.17g\n", name, v);
}

/* One histogram series; `label` is "" or `key="value"`. */
static void
histogram(struct weir_textbuf *b, const char *name, const char *label,
    const struct weir_histogram *h, enum weir_hist_kind kind)
{
	const char	*sep = label[0] != '\0' ? "," : "";
	uint64_t	cum = 0;
	double		bound;

	for (int i = 0; i < WEIR_HIST_BUCKETS; i++) {
		cum += WEIR_GET(h->buckets[i]);
		bound = weir_hist_bound(kind, i);
		if (bound < 0)
			weir_textbuf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %"
			    PRIu64 "\n", name, label, sep, cum);
		else
			weir_textbuf_printf(b, "%s_bucket{%s%sle=\"%g\"} %" PRIu64
			    "\n", name, label, sep, bound, cum);
	}
	weir_textbuf_printf(b, "%s_sum{%s} %.6f\n%s_count{%s} %" PRIu64 "\n",
	    name, label, (double)WEIR_GET(h->sum_micro) / 1e6, name, label,
	    WEIR_GET(h->count));
}

static void
render_pipeline(struct weir_textbuf *b, const struct weir_metrics *m,
    const char *const *stage_names)
{
	char	labels[64];

	counter(b, "weir_messages_received_total",
	    "AMQP deliveries received by the consumers.",
	    WEIR_GET(m->messages_received));
	counter(b, "weir_events_stored_total",
	    "Events newly written to MongoDB.", WEIR_GET(m->events_stored));
	counter(b, "weir_duplicates_skipped_total",
	    "Events already stored (redeliveries, republished ids).",
	    WEIR_GET(m->duplicates_skipped));
	header(b, "weir_dead_letters_total", "counter",
	    "Messages dead-lettered, by reason code.");
	for (int r = 1; r < WEIR_REASON_COUNT; r++)
		weir_textbuf_printf(b, "weir_dead_letters_total{reason=\"%s\"} %"
		    PRIu64 "\n", weir_reason_code((enum weir_reason)r),
		    WEIR_GET(m->dead_letters[r]));
	counter(b, "weir_store_errors_total",
	    "Failed MongoDB batch writes (the batch is retried).",
	    WEIR_GET(m->store_errors));
	counter(b, "weir_amqp_reconnects_total",
	    "AMQP consumer connections re-established.",
	    WEIR_GET(m->amqp_reconnects));
	counter(b, "weir_aggregate_windows_recomputed_total",
	    "1-minute windows recomputed from stored events.",
	    WEIR_GET(m->windows_recomputed));
	counter(b, "weir_aggregate_windows_marked_total",
	    "Windows marked for a rebuild: their batch met duplicates, was "
	    "retried or its deltas conflicted.", WEIR_GET(m->windows_marked));
	counter(b, "weir_aggregate_delta_conflicts_total",
	    "Acks whose window deltas were not all applied (a window claimed "
	    "by a rebuild, or a failure); those windows were marked instead.",
	    WEIR_GET(m->window_delta_conflicts));
	header(b, "weir_batch_size", "histogram", "Messages per batch.");
	histogram(b, "weir_batch_size", "", &m->batch_size, WEIR_HIST_COUNT);
	header(b, "weir_batch_duration_seconds", "histogram",
	    "Time from a batch's flush to its ack.");
	histogram(b, "weir_batch_duration_seconds", "", &m->batch_duration,
	    WEIR_HIST_SECONDS);
	header(b, "weir_stage_duration_seconds", "histogram",
	    "Time one batch spent in each pipeline stage.");
	for (int i = 0; i < WEIR_STAGES_MAX && stage_names[i] != NULL; i++) {
		snprintf(labels, sizeof(labels), "stage=\"%s\"", stage_names[i]);
		histogram(b, "weir_stage_duration_seconds", labels,
		    &m->stage_duration[i], WEIR_HIST_SECONDS);
	}
	header(b, "weir_event_lag_seconds", "histogram",
	    "Store time minus event time.");
	histogram(b, "weir_event_lag_seconds", "", &m->event_lag, WEIR_HIST_LAG);
}

static void
render_http(struct weir_textbuf *b, const struct weir_metrics *m)
{
	char		labels[64];
	uint64_t	v;

	header(b, "weir_http_requests_total", "counter",
	    "HTTP requests by route template, method and status code.");
	for (int r = 0; r < WEIR_ROUTE_COUNT; r++) {
		for (int me = 0; me < WEIR_METHOD_COUNT; me++) {
			for (int c = 0; c < WEIR_HTTP_CODES; c++) {
				if ((v = WEIR_GET(m->http_requests[r][me][c])) == 0)
					continue;
				weir_textbuf_printf(b, "weir_http_requests_total{"
				    "route=\"%s\",method=\"%s\",code=\"%d\"} %"
				    PRIu64 "\n", route_names[r], method_names[me],
				    weir_http_code_at(c), v);
			}
		}
	}
	header(b, "weir_http_request_duration_seconds", "histogram",
	    "HTTP request latency by route template.");
	for (int r = 0; r < WEIR_ROUTE_COUNT; r++) {
		snprintf(labels, sizeof(labels), "route=\"%s\"", route_names[r]);
		histogram(b, "weir_http_request_duration_seconds", labels,
		    &m->http_duration[r], WEIR_HIST_SECONDS);
	}
}

static void
render_gauges(struct weir_textbuf *b, const struct weir_metrics *m,
    int workers)
{
	int64_t	depth = -1, consumers = 0, dirty = -1;
	int	amqp = 0, wanted = 0, mongo = 1;

	for (int i = 0; i < workers && i < WEIR_WORKERS_MAX; i++) {
		const struct weir_worker_slot *w = &m->workers[i];

		amqp += WEIR_GET(w->amqp_connected);
		wanted += WEIR_GET(w->consumers_wanted);
		mongo &= WEIR_GET(w->mongodb_connected) != 0;
		if (WEIR_GET(w->queue_depth) > depth)
			depth = WEIR_GET(w->queue_depth);
		if (WEIR_GET(w->queue_consumers) > consumers)
			consumers = WEIR_GET(w->queue_consumers);
		/* Each worker's aggregator counts the same collection; -1
		 * (not counted) only when no worker could count. */
		if (WEIR_GET(w->dirty_windows) > dirty)
			dirty = WEIR_GET(w->dirty_windows);
	}
	gauge(b, "weir_amqp_connected", "1 when every wanted AMQP connection "
	    "is up.", wanted == 0 ? WEIR_GET(m->workers[0].probe_amqp_ok) :
	    amqp >= wanted);
	gauge(b, "weir_amqp_consumer_connections",
	    "Consumer connections currently open.", amqp);
	gauge(b, "weir_mongodb_connected", "1 when MongoDB answered the last "
	    "ping.", mongo);
	gauge(b, "weir_queue_depth", "Ready messages in the input queue, as "
	    "last seen (-1 unknown).", (double)depth);
	gauge(b, "weir_queue_consumers", "Consumers on the input queue, as "
	    "last seen.", (double)consumers);
	gauge(b, "weir_aggregate_windows_dirty",
	    "Dirty windows in the store, as the aggregator last counted "
	    "them (-1 unknown).", (double)dirty);
}

static void
render_process(struct weir_textbuf *b, const struct weir_process_stats *p)
{
	header(b, "process_cpu_seconds_total", "counter", "User and system CPU "
	    "time of all weir processes, in seconds.");
	weir_textbuf_printf(b, "process_cpu_seconds_total %.2f\n",
	    p->cpu_seconds);
	gauge(b, "process_resident_memory_bytes",
	    "Resident memory of all weir processes.", p->resident_bytes);
	gauge(b, "process_virtual_memory_bytes",
	    "Virtual memory of all weir processes.", p->virtual_bytes);
	gauge(b, "process_open_fds", "Open file descriptors of all weir "
	    "processes.", p->open_fds);
	gauge(b, "process_max_fds", "Per-process file descriptor limit.",
	    p->max_fds);
	gauge(b, "process_start_time_seconds", "Start time since the epoch.",
	    p->start_time_seconds);
}

void
weir_metrics_render(struct weir_textbuf *b, const struct weir_metrics *m,
    int workers, const struct weir_process_stats *p,
    const struct weir_build_info *info, const char *const *stage_names)
{
	render_pipeline(b, m, stage_names);
	render_http(b, m);
	render_gauges(b, m, workers);
	header(b, "weir_build_info", "gauge", "Build of the running weir.");
	weir_textbuf_printf(b, "weir_build_info{version=\"%s\",commit=\"%s\","
	    "role=\"%s\"} 1\n", info->version, info->commit, info->role);
	render_process(b, p);
}
