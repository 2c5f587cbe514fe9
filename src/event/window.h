/* window.h - tumbling-window arithmetic and aggregates.
 * Pure: the store uses it to name windows, the tests to recompute them. */
#ifndef WEIR_WINDOW_H
#define WEIR_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

#define WEIR_WINDOW_MS		60000
/* "<start>:<source length>:<source>:<type>" for the longest source and
 * type (the +1 of each _BUF holds a ':' or the NUL). */
#define WEIR_WINDOW_ID_MAX	(20 + 1 + 3 + 1 + WEIR_SOURCE_BUF + WEIR_TYPE_BUF)

/* A window by its key, as a batch touches it (texts not NUL-terminated). */
struct weir_window_ref {
	const char	*id;
	size_t		id_len;
	const char	*source;
	size_t		source_len;
	const char	*type;
	size_t		type_len;
	int64_t		start_ms;
};

struct weir_agg {
	uint64_t	count;		/* events in the window */
	uint64_t	values;		/* events that carried a value */
	double		sum;
	double		min;
	double		max;
	int64_t		first_ts_ms;
	int64_t		last_ts_ms;
};

/* Start of the window of `width_ms` holding ts (floor, also before 1970). */
int64_t	weir_window_start(int64_t ts_ms, int64_t width_ms);

/* Writes the unambiguous window id; returns its length. */
size_t	weir_window_id(char *buf, size_t size, int64_t start_ms,
	    const char *source, size_t source_len, const char *type,
	    size_t type_len);

/* A 64-bit hash of a window id (FNV-1a). */
uint64_t	weir_window_hash(const char *id, size_t len);

void	weir_agg_init(struct weir_agg *);
void	weir_agg_add(struct weir_agg *, int64_t ts_ms, int has_value,
	    double value);
/* Folds `b` into `a`, as rolling 1-minute windows up into coarser ones. */
void	weir_agg_merge(struct weir_agg *a, const struct weir_agg *b);

/* A small set of distinct window ids seen in one batch. It keeps pointers:
 * the ids must stay valid until the next reset. */
struct weir_window_set {
	size_t		n;
	size_t		cap;
	uint64_t	*hashes;
	const char	**ids;
	size_t		*lens;
	size_t		*order;		/* slot -> insertion index */
};

int	weir_window_set_init(struct weir_window_set *, size_t max_items);
void	weir_window_set_reset(struct weir_window_set *);
void	weir_window_set_free(struct weir_window_set *);
/* 1 when the id is new (and recorded), 0 when present, -1 when full.
 * *index gets the id's insertion index (0, 1, ...) unless full. */
int	weir_window_set_add(struct weir_window_set *, const char *id,
	    size_t len, size_t *index);

#endif
