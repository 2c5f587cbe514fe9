/* backoff.c - reconnect delays that grow, stop growing, and spread out.
 * "Equal jitter" keeps a floor so a flapping server is never hammered. */
#include "base/backoff.h"

void
weir_backoff_init(struct weir_backoff *b, uint32_t base_ms, uint32_t cap_ms,
    uint64_t seed)
{
	b->base_ms = base_ms;
	b->cap_ms = cap_ms;
	b->attempt = 0;
	b->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t	x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return (x);
}

uint32_t
weir_backoff_next(struct weir_backoff *b)
{
	uint64_t	ceiling = b->base_ms;
	uint32_t	half;

	for (uint32_t i = 0; i < b->attempt && ceiling < b->cap_ms; i++)
		ceiling *= 2;
	if (ceiling > b->cap_ms)
		ceiling = b->cap_ms;
	if (b->attempt < 32)
		b->attempt++;
	half = (uint32_t)(ceiling / 2);
	return (half + (uint32_t)(xorshift(&b->rng) % (ceiling - half + 1)));
}

void
weir_backoff_reset(struct weir_backoff *b)
{
	b->attempt = 0;
}
