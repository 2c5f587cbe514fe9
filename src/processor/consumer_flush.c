/* consumer_flush.c - a consumer's batch made durable: insert the events,
 * settle their windows, dead-letter what the store refused, then ack. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/timestamp.h"
#include "processor/consumer_priv.h"

#define CONFIRM_TIMEOUT_MS	10000

/* Once stopping, a failed store write is followed by no other: each may
 * block for the socket timeout, which would take the exit past the drain
 * deadline, and the unacked deliveries go back to the broker anyway
 * (their windows are marked when they return as duplicates). */
static int
give_up_writing(const struct weir_consumer *c)
{
	return (atomic_load(&c->ctx->stop));
}

/* Waits before retrying a store write; -1 when we must give up. */
static int
store_retry_wait(struct weir_consumer *c, const char *what, const char *err)
{
	uint32_t	delay;

	WEIR_INC(weir_metrics->store_errors, 1);
	WEIR_SET(c->ctx->slot->mongodb_connected, 0);
	if (!c->store_failing)
		weir_log(WEIR_LOG_WARN, "store write failed; holding the batch",
		    "consumer", c->name, "step", what, "error", err, NULL);
	c->store_failing = 1;
	if (give_up_writing(c))
		return (-1);
	delay = weir_backoff_next(&c->backoff);
	while (delay > 0) {
		uint32_t step = delay < 500 ? delay : 500;

		weir_consumer_keep_alive(c);
		if (weir_ctx_sleep(c->ctx, step) && weir_ctx_drain_expired(c->ctx))
			return (-1);
		delay -= step;
	}
	return (weir_ctx_drain_expired(c->ctx) ? -1 : 0);
}

static int
store_ready(struct weir_consumer *c, char *err, size_t len)
{
	if (c->mongo == NULL)
		c->mongo = weir_store_client(c->ctx->store);
	return (weir_store_setup(c->ctx->store, c->mongo, err, len));
}

/* Refusals of the same documents in a row before they are rejected even
 * though no other document of the batch got through. */
#define REFUSALS_TO_REJECT	3

/*
 * The server refused the whole insert (FerretDB does so for one document
 * it cannot store, e.g. a key ending in a backslash). Inserts the batch
 * one document at a time: the ones refused alone are rejected, provided
 * the server took others (or refused them `force`-many times running).
 * 0: every document is accounted for; -1: hold the batch and retry.
 */
static int
isolate_refused(struct weir_consumer *c, struct weir_insert_result *res,
    int force)
{
	struct weir_batch		*b = &c->batch;
	struct weir_insert_result	one;
	uint8_t				flag;
	size_t				refused = 0;

	res->stored = res->duplicates = res->rejected = 0;
	memset(b->rejected_at, 0, b->n);
	for (size_t i = 0; i < b->n; i++) {
		memset(&one, 0, sizeof(one));
		one.rejected_at = &flag;
		if (weir_store_insert_events(c->ctx->store, c->mongo,
		    &b->doc_ptrs[i], 1, &one) == 0) {
			res->stored += one.stored;
			res->duplicates += one.duplicates;
			b->rejected_at[i] = flag;
		} else if (one.refused) {
			b->rejected_at[i] = 1;
		} else {
			snprintf(res->first_error, sizeof(res->first_error),
			    "%s", one.first_error);
			return (-1);
		}
		if (b->rejected_at[i] && refused++ == 0)
			snprintf(res->first_error, sizeof(res->first_error),
			    "%s", one.first_error);
	}
	if (refused > 0 && res->stored + res->duplicates == 0 && !force)
		return (-1);
	res->rejected = refused;
	return (0);
}

/* *retried is set when an attempt failed: the failed attempt may have
 * stored part of the batch, so its windows cannot take deltas. */
static int
write_events(struct weir_consumer *c, struct weir_insert_result *res,
    int *retried)
{
	char	err[256];
	int	refusals = 0;

	*retried = 0;
	for (;;) {
		if (store_ready(c, err, sizeof(err)) == 0) {
			if (weir_store_insert_events(c->ctx->store, c->mongo,
			    c->batch.doc_ptrs, c->batch.n, res) == 0)
				return (0);
			if (res->refused) {
				*retried = 1;
				if (isolate_refused(c, res, ++refusals >=
				    REFUSALS_TO_REJECT) == 0)
					return (0);
			}
			snprintf(err, sizeof(err), "%s", res->first_error);
		}
		*retried = 1;
		if (store_retry_wait(c, "insert", err) == -1)
			return (-1);
	}
}

/* Marks windows dirty; the aggregator rebuilds them. Always exact. Each
 * will be claimed by a rebuild, so this consumer marks rather than tries
 * deltas on it from now on. */
static int
mark_windows(struct weir_consumer *c, const struct weir_window_ref *w,
    size_t n)
{
	char	err[256];

	for (;;) {
		if (weir_store_mark_windows(c->ctx->store, c->mongo, w, n, err,
		    sizeof(err)) == 0)
			break;
		if (store_retry_wait(c, "mark windows", err) == -1)
			return (-1);
	}
	WEIR_INC(weir_metrics->windows_marked, n);
	for (size_t i = 0; i < n; i++)
		weir_claimed_set_add(&c->claimed, w[i].id, w[i].id_len);
	return (0);
}

/* Moves accumulated window i behind the first *k (the ones for deltas). */
static void
set_aside(struct weir_window_acc *a, size_t i, size_t *k)
{
	struct weir_window_ref	r = a->refs[i];
	struct weir_agg		g = a->aggs[i];

	(*k)--;
	a->refs[i] = a->refs[*k];
	a->aggs[i] = a->aggs[*k];
	a->refs[*k] = r;
	a->aggs[*k] = g;
}

/* Applies the accumulated window sums. Windows known to be claimed by a
 * rebuild, refused ones and ones left in doubt by a failure are marked
 * dirty instead. Empties the accumulator. */
static int
settle_windows(struct weir_consumer *c)
{
	struct weir_window_acc	*a = &c->acc;
	size_t			k = a->n, done;
	char			err[256];

	for (size_t i = 0; i < k;) {
		if (weir_claimed_set_has(&c->claimed, a->refs[i].id,
		    a->refs[i].id_len))
			set_aside(a, i, &k);
		else
			i++;
	}
	if (k > 0 && weir_store_apply_deltas(c->ctx->store, c->mongo, a->refs,
	    a->aggs, k, &done, err, sizeof(err)) == -1) {
		WEIR_INC(weir_metrics->window_delta_conflicts, 1);
		weir_log(WEIR_LOG_INFO, "window deltas in doubt; marking them for "
		    "a rebuild", "consumer", c->name, "error", err, NULL);
		k = done;
		if (give_up_writing(c))
			return (-1);
	}
	if (k < a->n && mark_windows(c, a->refs + k, a->n - k) == -1)
		return (-1);
	weir_window_acc_reset(a);
	return (0);
}

/* Acks (multiple) every event stored since the last ack, once their
 * windows are durable too. */
static int
commit(struct weir_consumer *c)
{
	if (settle_windows(c) == -1)
		return (-1);
	if (c->pending_tag == 0)
		return (0);
	if (amqp_basic_ack(c->amqp.conn, 1, c->pending_tag, 1) !=
	    AMQP_STATUS_OK)
		return (-1);
	c->pending_tag = 0;
	c->pending_n = 0;
	return (0);
}

/* Books the stored batch into its windows: into the accumulator when its
 * sums can be trusted (a first, clean insert), otherwise by marking the
 * windows dirty at once. *exact says which. */
static int
book_windows(struct weir_consumer *c, const struct weir_insert_result *res,
    int retried, int *exact)
{
	struct weir_batch	*b = &c->batch;

	*exact = !retried && res->duplicates == 0;
	if (!*exact) {
		if (settle_windows(c) == -1)
			return (-1);
		return (mark_windows(c, b->windows, b->n_windows));
	}
	weir_batch_sum_windows(b);
	if (weir_window_acc_add(&c->acc, b) == 0)
		return (0);
	/* Full: settle and ack what came before; an empty accumulator holds
	 * any batch (its capacity is the batch size). */
	if (commit(c) == -1)
		return (-1);
	return (weir_window_acc_add(&c->acc, b));
}

static int
dead_letter_rejected(struct weir_consumer *c, const char *detail)
{
	const struct weir_batch		*b = &c->batch;
	const struct weir_original	*o;
	amqp_basic_properties_t		props;
	amqp_bytes_t			key, body;

	for (size_t i = 0; i < b->n; i++) {
		if (!b->rejected_at[i])
			continue;
		o = &b->originals[i];
		memset(&props, 0, sizeof(props));
		if (o->msgid_len > 0) {
			props._flags = AMQP_BASIC_MESSAGE_ID_FLAG;
			props.message_id.bytes = (void *)weir_batch_text(b,
			    o->msgid_off);
			props.message_id.len = o->msgid_len;
		}
		key.bytes = (void *)weir_batch_text(b, o->key_off);
		key.len = o->key_len;
		body.bytes = (void *)weir_batch_text(b, o->body_off);
		body.len = o->body_len;
		if (weir_deadletter_publish(&c->dead, key, &props, body,
		    weir_reason_code(WEIR_ERR_STORE_REJECTED), detail) == -1)
			return (-1);
		WEIR_INC(weir_metrics->dead_letters[WEIR_ERR_STORE_REJECTED], 1);
	}
	return (weir_deadletter_wait(&c->dead, CONFIRM_TIMEOUT_MS));
}

static int
ack_dead_letters(struct weir_consumer *c)
{
	if (c->batch.dead_n == 0)
		return (0);
	if (weir_deadletter_wait(&c->dead, CONFIRM_TIMEOUT_MS) == -1)
		return (-1);
	for (size_t i = 0; i < c->batch.dead_n; i++) {
		if (amqp_basic_ack(c->amqp.conn, 1, c->batch.dead_tags[i], 0) !=
		    AMQP_STATUS_OK)
			return (-1);
	}
	return (0);
}

static void
observe_batch(struct weir_consumer *c, const struct weir_insert_result *res,
    uint64_t started_ns)
{
	const struct weir_batch	*b = &c->batch;
	int64_t			now = weir_now_ms();
	double			scale;

	WEIR_INC(weir_metrics->events_stored, res->stored);
	WEIR_INC(weir_metrics->duplicates_skipped, res->duplicates);
	WEIR_INC(weir_metrics->batches, 1);
	weir_hist_observe(&weir_metrics->batch_size, WEIR_HIST_COUNT,
	    (double)b->deliveries);
	weir_hist_observe(&weir_metrics->batch_duration, WEIR_HIST_SECONDS,
	    (double)(weir_mono_ns() - started_ns) / 1e9);
	/* The timed deliveries stand for all of the batch's. */
	scale = b->timed > 0 ? (double)b->deliveries / (double)b->timed : 0;
	for (size_t i = 0; i < weir_pipeline_stage_count() &&
	    i < WEIR_STAGES_MAX; i++)
		weir_hist_observe(&weir_metrics->stage_duration[i],
		    WEIR_HIST_SECONDS, (double)b->stage_ns[i] * scale / 1e9);
	for (size_t i = 0; i < b->n; i++)
		weir_hist_observe(&weir_metrics->event_lag, WEIR_HIST_LAG,
		    (double)(now - b->events[i].ts_ms) / 1000.0);
}

/* Makes the batch durable; acks when due: when asked (idle, stopping),
 * after a batch that was not exact, or before the unacked events would
 * use up the prefetch window. -1: the connection must be dropped
 * (unacked messages return to the queue; nothing is lost). */
int
weir_consumer_flush(struct weir_consumer *c, int ack_now)
{
	struct weir_batch		*b = &c->batch;
	struct weir_insert_result	res;
	uint64_t			started = weir_mono_ns();
	int				retried = 0, exact = 1;

	if (b->deliveries == 0)
		return (ack_now ? commit(c) : 0);
	if (ack_dead_letters(c) == -1)
		return (-1);
	memset(&res, 0, sizeof(res));
	res.rejected_at = b->rejected_at;
	if (b->n > 0) {
		if (write_events(c, &res, &retried) == -1)
			return (-1);
		if (res.rejected > 0 &&
		    dead_letter_rejected(c, res.first_error) == -1)
			return (-1);
		if (book_windows(c, &res, retried, &exact) == -1)
			return (-1);
		/* Dead letters were acked one by one; acking one of their
		 * tags again would make the broker close the channel. */
		c->pending_tag = b->last_valid_tag;
		c->pending_n += b->n;
	}
	if (c->store_failing) {
		weir_log(WEIR_LOG_INFO, "store writes recovered", "consumer",
		    c->name, NULL);
		c->store_failing = 0;
		WEIR_SET(c->ctx->slot->mongodb_connected, 1);
	}
	weir_backoff_reset(&c->backoff);
	if ((ack_now || !exact || c->pending_n + 2 * b->cap >
	    (size_t)c->cfg->prefetch) && commit(c) == -1)
		return (-1);
	observe_batch(c, &res, started);
	weir_batch_reset(b);
	return (0);
}
