/* epoch_cache.h - the rebuild epochs a consumer has learnt for windows.
 * A window it has not learnt is at epoch 0: never rebuilt (see store.c). */
#ifndef WEIR_EPOCH_CACHE_H
#define WEIR_EPOCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define WEIR_EPOCH_CACHE_SLOTS	1024

struct weir_epoch_cache {
	size_t		n;
	uint64_t	hash[WEIR_EPOCH_CACHE_SLOTS];	/* 0: empty slot */
	int64_t		epoch[WEIR_EPOCH_CACHE_SLOTS];
	int64_t		start_ms[WEIR_EPOCH_CACHE_SLOTS];
};

void	weir_epoch_cache_init(struct weir_epoch_cache *);
int64_t	weir_epoch_cache_get(const struct weir_epoch_cache *, const char *id,
	    size_t len);
/* Records a window's epoch; epoch 0 forgets it. When the table gets full,
 * windows older than an hour before `start_ms` are forgotten first. */
void	weir_epoch_cache_put(struct weir_epoch_cache *, const char *id,
	    size_t len, int64_t start_ms, int64_t epoch);

#endif
