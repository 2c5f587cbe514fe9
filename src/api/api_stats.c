/* api_stats.c - /v1/stats: totals, rates, queue and consumer figures.
 * Process counters cover this deployment since start; `events.stored`
 * is MongoDB's own count, so it covers every processor. */
#include <pthread.h>
#include <string.h>

#include "api/api_stats.h"

#define SAMPLES		32
#define RATE_SPAN_MS	60000
#define SAMPLE_EVERY_MS	1000

struct sample {
	int64_t		t_ms;
	uint64_t	stored;
	uint64_t	received;
};

static pthread_mutex_t	rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sample	ring[SAMPLES];
static int		ring_n, ring_head;

void
weir_stats_rate(const struct weir_metrics *m, int64_t now_ms,
    struct weir_rate *r)
{
	struct sample	now, *s, *old = NULL;

	now.t_ms = now_ms;
	now.stored = WEIR_GET(m->events_stored);
	now.received = WEIR_GET(m->messages_received);
	memset(r, 0, sizeof(*r));
	pthread_mutex_lock(&rate_lock);
	/* The oldest sample within the span, but at least a second old. */
	for (int i = 0; i < ring_n; i++) {
		s = &ring[(ring_head + SAMPLES - 1 - i) % SAMPLES];
		if (now_ms - s->t_ms > RATE_SPAN_MS)
			break;
		if (now_ms - s->t_ms >= SAMPLE_EVERY_MS)
			old = s;
	}
	if (old != NULL) {
		r->window_s = (double)(now_ms - old->t_ms) / 1000.0;
		r->stored_per_s = (double)(now.stored - old->stored) /
		    r->window_s;
		r->received_per_s = (double)(now.received - old->received) /
		    r->window_s;
	}
	s = ring_n > 0 ? &ring[(ring_head + SAMPLES - 1) % SAMPLES] : NULL;
	if (s == NULL || now_ms - s->t_ms >= SAMPLE_EVERY_MS) {
		ring[ring_head] = now;
		ring_head = (ring_head + 1) % SAMPLES;
		if (ring_n < SAMPLES)
			ring_n++;
	}
	pthread_mutex_unlock(&rate_lock);
}

static json_t *
count_or_null(int64_t v)
{
	return (v < 0 ? json_null() : json_integer((json_int_t)v));
}

static json_t *
totals(const struct weir_metrics *m)
{
	json_t	*o = json_object(), *dl = json_object();
	uint64_t sum = 0, v;

	for (int r = 1; r < WEIR_REASON_COUNT; r++) {
		v = WEIR_GET(m->dead_letters[r]);
		sum += v;
		json_object_set_new(dl, weir_reason_code((enum weir_reason)r),
		    json_integer((json_int_t)v));
	}
	json_object_set_new(o, "messages_received",
	    json_integer((json_int_t)WEIR_GET(m->messages_received)));
	json_object_set_new(o, "events_stored",
	    json_integer((json_int_t)WEIR_GET(m->events_stored)));
	json_object_set_new(o, "duplicates_skipped",
	    json_integer((json_int_t)WEIR_GET(m->duplicates_skipped)));
	json_object_set_new(o, "dead_letters", json_integer((json_int_t)sum));
	json_object_set_new(o, "dead_letters_by_reason", dl);
	json_object_set_new(o, "store_errors",
	    json_integer((json_int_t)WEIR_GET(m->store_errors)));
	return (o);
}

static json_t *
queue(const struct weir_stats_input *in, int *amqp, int *wanted, int *mongo)
{
	int64_t	depth = -1, consumers = -1;
	json_t	*o = json_object();

	*amqp = *wanted = 0;
	*mongo = 1;
	for (int i = 0; i < in->workers && i < WEIR_WORKERS_MAX; i++) {
		const struct weir_worker_slot *w = &in->m->workers[i];

		*amqp += WEIR_GET(w->amqp_connected);
		*wanted += WEIR_GET(w->consumers_wanted);
		*mongo &= WEIR_GET(w->mongodb_connected) != 0;
		if (WEIR_GET(w->queue_depth) > depth)
			depth = WEIR_GET(w->queue_depth);
		if (WEIR_GET(w->queue_consumers) > consumers)
			consumers = WEIR_GET(w->queue_consumers);
	}
	json_object_set_new(o, "name", json_string(in->queue));
	json_object_set_new(o, "depth", count_or_null(depth));
	json_object_set_new(o, "consumers", count_or_null(depth < 0 ? -1 :
	    consumers));
	return (o);
}

json_t *
weir_stats_json(const struct weir_stats_input *in)
{
	struct weir_rate	rate;
	json_t			*o = json_object(), *ev, *rt, *q, *c;
	int			amqp, wanted, mongo;

	weir_stats_rate(in->m, in->now_ms, &rate);
	ev = json_object();
	json_object_set_new(ev, "stored", count_or_null(in->stored));
	json_object_set_new(ev, "last_minute", count_or_null(in->last_minute));
	rt = json_object();
	json_object_set_new(rt, "window_seconds", json_real(rate.window_s));
	json_object_set_new(rt, "events_stored_per_second", rate.window_s > 0 ?
	    json_real(rate.stored_per_s) : json_null());
	json_object_set_new(rt, "messages_received_per_second",
	    rate.window_s > 0 ? json_real(rate.received_per_s) : json_null());
	json_object_set_new(rt, "events_last_minute_per_second",
	    in->last_minute < 0 ? json_null() :
	    json_real((double)in->last_minute / 60.0));
	q = queue(in, &amqp, &wanted, &mongo);
	c = json_object();
	json_object_set_new(c, "connected", json_integer(amqp));
	json_object_set_new(c, "wanted", json_integer(wanted));
	json_object_set_new(o, "version", json_string(in->version));
	json_object_set_new(o, "commit", json_string(in->commit));
	json_object_set_new(o, "role", json_string(in->role));
	json_object_set_new(o, "uptime_seconds", json_real((double)(in->now_ms -
	    in->m->start_time_ms) / 1000.0));
	json_object_set_new(o, "events", ev);
	json_object_set_new(o, "rates", rt);
	json_object_set_new(o, "totals", totals(in->m));
	json_object_set_new(o, "queue", q);
	json_object_set_new(o, "consumers", c);
	json_object_set_new(o, "mongodb_connected", json_boolean(mongo));
	return (o);
}
