/* bson_write.c - the growing buffer behind bson_write.h.
 * Documents larger than BSON allows (2 GiB) fail rather than wrap. */
#include <stdlib.h>

#include "base/grow.h"
#include "event/bson_write.h"

#define BSONW_MAX	((size_t)INT32_MAX)

void
weir_bsonw_free(struct weir_bsonw *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

uint8_t *
weir_bsonw_room(struct weir_bsonw *w, size_t n)
{
	uint8_t	*p;

	if (w->failed)
		return (NULL);
	if (n <= w->cap - w->len)
		return (w->p + w->len);
	if (n > BSONW_MAX - w->len) {
		w->failed = 1;
		return (NULL);
	}
	if ((p = weir_grow(w->p, &w->cap, w->len + n, 1024)) == NULL) {
		w->failed = 1;
		return (NULL);
	}
	w->p = p;
	return (w->p + w->len);
}

size_t
weir_bsonw_open(struct weir_bsonw *w)
{
	size_t	at = w->len;

	if (weir_bsonw_room(w, 4) != NULL)
		w->len += 4;
	return (at);
}

void
weir_bsonw_close(struct weir_bsonw *w, size_t at)
{
	uint8_t	*p;

	if ((p = weir_bsonw_room(w, 1)) == NULL)
		return;
	*p = 0;
	w->len++;
	weir_bson_put_u32(w->p + at, (uint32_t)(w->len - at));
}

void
weir_bsonw_key(struct weir_bsonw *w, uint8_t type, const char *k,
    size_t klen)
{
	uint8_t	*p;

	if ((p = weir_bsonw_room(w, WEIR_BSON_ELEM(klen))) != NULL)
		w->len += (size_t)(weir_bson_put_key(p, type, k, klen) - p);
}
