/* epoch_cache.h - the windows a consumer knows to be past epoch 0 (claimed by a rebuild).
 * Deltas apply only at epoch 0, so the consumer marks those windows instead (see store.h). */
#ifndef WEIR_EPOCH_CACHE_H
#define WEIR_EPOCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define WEIR_EPOCH_CACHE_SLOTS	1024

struct weir_epoch_cache {
	size_t		n;
	uint64_t	hash[WEIR_EPOCH_CACHE_SLOTS];	/* 0: empty slot */
	int64_t		epoch[WEIR_EPOCH_CACHE_SLOTS];
};

void	weir_epoch_cache_init(struct weir_epoch_cache *);
/* The epoch recorded for the window; 0 when none is. */
int64_t	weir_epoch_cache_get(const struct weir_epoch_cache *, const char *id,
	    size_t len);
/* Records a window's epoch (> 0). A table three quarters full starts
 * over: forgetting costs one refused delta, never a wrong aggregate. */
void	weir_epoch_cache_put(struct weir_epoch_cache *, const char *id,
	    size_t len, int64_t epoch);

#endif
