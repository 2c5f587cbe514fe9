/* grow.h - doubling growth of the heap buffers reused batch after batch.
 * One rule for all of them: a first size, then doubled until it fits. */
#ifndef WEIR_GROW_H
#define WEIR_GROW_H

#include <stddef.h>

/* Returns p, or p reallocated to the first size doubled until it holds
 * need bytes (*cap updated); NULL when that fails, p left as it was. A
 * buffer with no capacity yet always gets its first size. */
void	*weir_grow(void *p, size_t *cap, size_t need, size_t first);

#endif
