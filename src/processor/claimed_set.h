/* claimed_set.h - the windows a consumer knows to be claimed by a rebuild (past epoch 0).
 * Deltas apply only at epoch 0, so the consumer marks those windows instead (see store.h). */
#ifndef WEIR_CLAIMED_SET_H
#define WEIR_CLAIMED_SET_H

#include <stddef.h>
#include <stdint.h>

#define WEIR_CLAIMED_SET_SLOTS	1024

/* Keyed by window hash alone: a collision makes a window look claimed,
 * which costs a mark instead of a delta, never a wrong aggregate. */
struct weir_claimed_set {
	size_t		n;
	uint64_t	hash[WEIR_CLAIMED_SET_SLOTS];	/* 0: empty slot */
};

void	weir_claimed_set_init(struct weir_claimed_set *);
int	weir_claimed_set_has(const struct weir_claimed_set *, const char *id,
	    size_t len);
/* A set three quarters full starts over: forgetting a window costs one
 * refused delta bulk, never a wrong aggregate. */
void	weir_claimed_set_add(struct weir_claimed_set *, const char *id,
	    size_t len);

#endif
