/* store.h - everything weir writes to and reads from MongoDB.
 * One client pool per Kore worker; each thread pops its own client. */
#ifndef WEIR_STORE_H
#define WEIR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <mongoc/mongoc.h>

#include "config.h"
#include "event.h"

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
/* 0 when the server answers a ping. */
int			weir_store_ping(struct weir_store *, mongoc_client_t *);

/* What became of each document of one insert. */
struct weir_insert_result {
	size_t		stored;
	size_t		duplicates;
	size_t		rejected;	/* permanent per-document errors */
	uint8_t		*rejected_at;	/* [n]: 1 where the server refused */
	char		first_error[256];
};

/* Inserts unordered with the configured write concern. Returns 0 when
 * every document is accounted for (stored, duplicate or rejected) and
 * durable; -1 on a transient failure: nothing may be acked, retry. */
int			weir_store_insert_events(struct weir_store *,
			    mongoc_client_t *, const bson_t *const *docs,
			    size_t n, struct weir_insert_result *);

/* A window touched by a batch, marked for recomputation. */
struct weir_window_ref {
	const char	*id;
	size_t		id_len;
	const char	*source;
	size_t		source_len;
	const char	*type;
	size_t		type_len;
	int64_t		start_ms;
};

int			weir_store_mark_windows(struct weir_store *,
			    mongoc_client_t *, const struct weir_window_ref *,
			    size_t n, char *err, size_t errlen);

/* Recomputes up to `limit` dirty windows from `events`; returns how many
 * were brought up to date, or -1 on error. *remaining gets the dirty count
 * still seen (0 when all clean). */
int			weir_store_recompute_dirty(struct weir_store *,
			    mongoc_client_t *, int limit, int64_t *remaining);

#endif
