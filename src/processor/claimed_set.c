/* claimed_set.c - an open-addressing set of window hashes.
 * Forgetting an entry is always safe: the next delta is refused and the window marked. */
#include <string.h>

#include "event/window.h"
#include "processor/claimed_set.h"

#define SLOT_MASK	(WEIR_CLAIMED_SET_SLOTS - 1)
#define FULL_AT		(WEIR_CLAIMED_SET_SLOTS * 3 / 4)

static uint64_t
key(const char *id, size_t len)
{
	uint64_t	h = weir_window_hash(id, len);

	return (h == 0 ? 1 : h);
}

/* The slot holding h, or the empty slot where it would go. */
static size_t
find(const struct weir_claimed_set *s, uint64_t h)
{
	size_t	i = (size_t)h & SLOT_MASK;

	while (s->hash[i] != 0 && s->hash[i] != h)
		i = (i + 1) & SLOT_MASK;
	return (i);
}

void
weir_claimed_set_init(struct weir_claimed_set *s)
{
	memset(s, 0, sizeof(*s));
}

int
weir_claimed_set_has(const struct weir_claimed_set *s, const char *id,
    size_t len)
{
	return (s->hash[find(s, key(id, len))] != 0);
}

void
weir_claimed_set_add(struct weir_claimed_set *s, const char *id, size_t len)
{
	uint64_t	h = key(id, len);
	size_t		i = find(s, h);

	if (s->hash[i] != 0)
		return;
	if (s->n + 1 >= FULL_AT) {
		weir_claimed_set_init(s);
		i = find(s, h);
	}
	s->hash[i] = h;
	s->n++;
}
