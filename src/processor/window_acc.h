/* window_acc.h - window sums of the batches a consumer stored but has not acked yet.
 * Applying them once per ack, not once per batch, saves the store most of its updates. */
#ifndef WEIR_WINDOW_ACC_H
#define WEIR_WINDOW_ACC_H

#include <stddef.h>
#include <stdint.h>

#include "event/window.h"
#include "processor/batch.h"

struct weir_window_acc {
	size_t			n;
	size_t			cap;
	struct weir_window_set	set;
	struct weir_window_ref	*refs;
	struct weir_agg		*aggs;
	char			*text;		/* cap * ACC_TEXT_MAX: id, source, type */
};

int	weir_window_acc_init(struct weir_window_acc *, size_t cap);
void	weir_window_acc_free(struct weir_window_acc *);
void	weir_window_acc_reset(struct weir_window_acc *);
/* Folds the batch's window_deltas (weir_batch_sum_windows) in. Returns 0,
 * or -1 without adding anything when they might not fit. */
int	weir_window_acc_add(struct weir_window_acc *, const struct weir_batch *);

#endif
