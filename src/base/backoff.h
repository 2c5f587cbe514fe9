/* backoff.h - capped exponential backoff with full jitter.
 * Pure: the caller supplies the random source. */
#ifndef WEIR_BACKOFF_H
#define WEIR_BACKOFF_H

#include <stdint.h>

struct weir_backoff {
	uint32_t	base_ms;
	uint32_t	cap_ms;
	uint32_t	attempt;
	uint64_t	rng;		/* xorshift64 state, never 0 */
};

void		weir_backoff_init(struct weir_backoff *, uint32_t base_ms,
		    uint32_t cap_ms, uint64_t seed);
/* The next delay: uniform in [ceiling/2, ceiling], ceiling doubling. */
uint32_t	weir_backoff_next(struct weir_backoff *);
void		weir_backoff_reset(struct weir_backoff *);

#endif
