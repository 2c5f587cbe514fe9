/* store.h - everything weir writes to and reads from MongoDB.
 * One client pool per Kore worker; each thread pops its own client. */
#ifndef WEIR_STORE_H
#define WEIR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <mongoc/mongoc.h>

#include "base/config.h"
#include "event/event.h"
#include "event/window.h"

struct weir_store;

struct weir_store	*weir_store_open(const struct weir_config *, char *err,
			    size_t errlen);
void			weir_store_close(struct weir_store *);
mongoc_client_t		*weir_store_client(struct weir_store *);
void			weir_store_release(struct weir_store *,
			    mongoc_client_t *);

/* Detects a replica set (for write concern) and creates the indexes.
 * Idempotent; returns 0 or -1 with err set (server unreachable). */
int			weir_store_setup(struct weir_store *, mongoc_client_t *,
			    char *err, size_t errlen);
int			weir_store_is_setup(const struct weir_store *);
/* 0 when the server answers a ping, else -1 with the driver's reason. */
int			weir_store_ping(struct weir_store *, mongoc_client_t *,
			    char *err, size_t errlen);

/* What became of each document of one insert. */
struct weir_insert_result {
	size_t		stored;
	size_t		duplicates;
	size_t		rejected;	/* permanent per-document errors */
	uint8_t		*rejected_at;	/* [n]: 1 where the server refused */
	int		refused;	/* -1 only: the server refused the whole
					 * command, and retrying will not help */
	char		first_error[256];
};

/* Inserts unordered with the configured write concern. Returns 0 when
 * every document is accounted for (stored, duplicate or rejected) and
 * durable; -1 on a transient failure: nothing may be acked, retry. */
int			weir_store_insert_events(struct weir_store *,
			    mongoc_client_t *, const bson_t *const *docs,
			    size_t n, struct weir_insert_result *);

struct weir_agg;

/*
 * Window upkeep (store_windows.c; docs/architecture.md has the argument).
 * The normal path adds the sums of freshly inserted events to their window
 * documents ("deltas"), but only to windows never claimed by a rebuild
 * (epoch 0). Whenever a delta cannot be trusted (the insert met duplicates
 * or was retried, the window was rebuilt, the write failed) the windows
 * are marked dirty instead, and the aggregator rebuilds them from `events`
 * once they have been quiet for a while.
 */

/* Applies deltas[i] to windows[i], in order, in bulks, skipping empty
 * deltas. 0: all applied. -1: a bulk failed or met a window claimed by a
 * rebuild; windows before *done were applied, those from *done on are in
 * doubt and must be marked (never resent: a resent delta may count twice). */
int			weir_store_apply_deltas(struct weir_store *,
			    mongoc_client_t *, const struct weir_window_ref *,
			    const struct weir_agg *deltas, size_t n,
			    size_t *done, char *err, size_t errlen);

/* Marks windows dirty (creating them if absent). Always safe. */
int			weir_store_mark_windows(struct weir_store *,
			    mongoc_client_t *, const struct weir_window_ref *,
			    size_t n, char *err, size_t errlen);

/* Rebuilds up to `limit` dirty windows that have not changed for
 * quiet_ms from `events`; returns how many it brought up to date, or -1
 * when the pass failed (err says why). A window whose claim or write
 * failed stays dirty for a later pass; the others still count. Gives up
 * soon after *stop is set. *dirty gets the number of windows still dirty
 * in the store, or -1 when they could not be counted. */
int			weir_store_recompute_dirty(struct weir_store *,
			    mongoc_client_t *, int limit, int64_t quiet_ms,
			    const _Atomic int *stop, int64_t *dirty, char *err,
			    size_t errlen);

#endif
