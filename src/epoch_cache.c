/* epoch_cache.c - an open-addressing table of window hash -> epoch.
 * Forgetting an entry is always safe: the next delta is refused and the window marked. */
#include <string.h>

#include "epoch_cache.h"
#include "window.h"

#define SLOT_MASK	(WEIR_EPOCH_CACHE_SLOTS - 1)
#define FULL_AT		(WEIR_EPOCH_CACHE_SLOTS * 3 / 4)

static uint64_t
key(const char *id, size_t len)
{
	uint64_t	h = weir_window_hash(id, len);

	return (h == 0 ? 1 : h);
}

/* The slot holding h, or the empty slot where it would go. */
static size_t
find(const struct weir_epoch_cache *c, uint64_t h)
{
	size_t	i = (size_t)h & SLOT_MASK;

	while (c->hash[i] != 0 && c->hash[i] != h)
		i = (i + 1) & SLOT_MASK;
	return (i);
}

void
weir_epoch_cache_init(struct weir_epoch_cache *c)
{
	memset(c, 0, sizeof(*c));
}

int64_t
weir_epoch_cache_get(const struct weir_epoch_cache *c, const char *id,
    size_t len)
{
	size_t	i = find(c, key(id, len));

	return (c->hash[i] != 0 ? c->epoch[i] : 0);
}

void
weir_epoch_cache_put(struct weir_epoch_cache *c, const char *id, size_t len,
    int64_t epoch)
{
	uint64_t	h = key(id, len);
	size_t		i = find(c, h);

	if (c->hash[i] == 0) {
		if (c->n + 1 >= FULL_AT) {
			weir_epoch_cache_init(c);
			i = find(c, h);
		}
		c->hash[i] = h;
		c->n++;
	}
	c->epoch[i] = epoch;
}
