/* grow.c - doubling growth of the heap buffers reused batch after batch.
 * Doubling keeps the number of reallocations logarithmic in the size. */
#include <stdint.h>
#include <stdlib.h>

#include "base/grow.h"

void *
weir_grow(void *p, size_t *cap, size_t need, size_t first)
{
	size_t	size = *cap > 0 ? *cap : first;
	void	*q;

	if (*cap > 0 && need <= *cap)
		return (p);
	while (size < need) {
		if (size > SIZE_MAX / 2)
			return (NULL);
		size *= 2;
	}
	if ((q = realloc(p, size)) == NULL)
		return (NULL);
	*cap = size;
	return (q);
}
