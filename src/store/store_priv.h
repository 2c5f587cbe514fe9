/* store_priv.h - the store handle, shared by the files of store/.
 * Nothing outside store/ may look inside it. */
#ifndef WEIR_STORE_PRIV_H
#define WEIR_STORE_PRIV_H

#include <pthread.h>

#include "store/store.h"

struct weir_store {
	mongoc_client_pool_t	*pool;
	mongoc_uri_t		*uri;
	char			db[WEIR_NAME_MAX];
	enum weir_write_concern	wc_mode;
	int			ttl_s;
	pthread_mutex_t		setup_lock;
	/* Held for every window write: FerretDB applies an update as
	 * read-modify-write of the whole document, so two updates of one
	 * window (delta, mark, claim, rebuild) racing each other can lose
	 * one; MongoDB updates are atomic per document. On FerretDB it is
	 * held for event inserts too (serial_writes): SQLite has one writer,
	 * and a second one waits in sleeping retries that leave the store
	 * idle, while a mutex hands the turn over at once. */
	pthread_mutex_t		write_lock;
	int			serial_writes;	/* valid once setup_done */
	/* FerretDB: range filters are evaluated by scanning (store_rebuild.c).
	 * Valid once setup_done. */
	int			unindexed_ranges;
	_Atomic int		setup_done;
	int			pem_fd;		/* joined client cert + key */
	mongoc_write_concern_t	*wc;		/* valid once setup_done */
	bson_t			insert_opts;	/* idem */
};

/* A collection of the store's database; the caller destroys it. */
mongoc_collection_t	*weir_store_coll(const struct weir_store *,
			    mongoc_client_t *, const char *name);

/* Puts cfg's MongoDB TLS settings into the URI (store_tls.c); *pem_fd
 * gets a descriptor to close with the store, or -1. */
int			weir_store_tls_apply(mongoc_uri_t *,
			    const struct weir_config *, int *pem_fd, char *err,
			    size_t errlen);

#endif
