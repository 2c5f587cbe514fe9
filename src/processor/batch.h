/* batch.h - the deliveries a consumer holds between two acks.
 * Allocated once per consumer and reused, so the hot path does not allocate. */
#ifndef WEIR_BATCH_H
#define WEIR_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>

#include "event/event.h"
#include "event/window.h"
#include "pipeline/pipeline.h"

/* What is kept of a valid delivery in case the store refuses its event. */
struct weir_original {
	size_t		body_off;
	size_t		body_len;
	size_t		key_off;
	size_t		key_len;
	size_t		msgid_off;
	size_t		msgid_len;	/* 0: no message-id */
};

/* What the batch needs of an event once its document is written: its
 * window sums and lag, and the tree to free when jansson decoded it. */
struct weir_batch_event {
	json_t		*root;
	int64_t		ts_ms;
	double		value;
	int		has_value;
};

struct weir_batch {
	size_t			cap;
	size_t			n;		/* valid events */
	size_t			deliveries;	/* all deliveries, incl. dead */
	uint64_t		last_valid_tag;	/* acked with multiple=1 */
	int64_t			started_ms;
	uint64_t		*dead_tags;
	size_t			dead_n;
	struct weir_batch_event	*events;
	bson_t			*docs;
	const bson_t		**doc_ptrs;
	struct weir_original	*originals;
	char			*arena;
	size_t			arena_len;
	size_t			arena_cap;
	uint8_t			*rejected_at;
	struct weir_window_set	window_set;
	struct weir_window_ref	*windows;
	char			*window_ids;	/* cap * WEIR_WINDOW_ID_MAX */
	size_t			n_windows;
	size_t			*event_window;	/* [n]: index into windows */
	struct weir_agg		*window_deltas;	/* [n_windows], see below */
	/* Stage times of the timed deliveries (WEIR_STAGE_SAMPLE). */
	uint64_t		stage_ns[WEIR_STAGE_MAX];
	size_t			timed;
};

/* One delivery in this many has its stages timed (the first of a batch
 * always): two clock reads per stage cost ~15 % of the pipeline. */
#define WEIR_STAGE_SAMPLE	16

int	weir_batch_init(struct weir_batch *, size_t cap);
void	weir_batch_free(struct weir_batch *);
/* Forgets the contents; keeps every buffer for the next batch. */
void	weir_batch_reset(struct weir_batch *);
/* Encodes ev as the next document, keeps a copy of the original and
 * records its window; takes ownership of ev's JSON (none of its strings
 * are used after this). Returns 0, -1 when out of memory, -2 when the
 * event cannot be encoded (ev is cleared). */
int	weir_batch_add(struct weir_batch *, struct weir_event *ev,
	    const char *body, size_t body_len, const char *key, size_t key_len,
	    const char *msgid, size_t msgid_len);
const char *weir_batch_text(const struct weir_batch *, size_t off);
/* Sums the events the store kept (rejected_at[i] == 0) per window into
 * window_deltas; returns how many windows got at least one event. */
size_t	weir_batch_sum_windows(struct weir_batch *);

#endif
