/* window_acc.c - merges per-batch window sums until the consumer acks.
 * Owns copies of the window names: a batch's strings die with the batch. */
#include <stdlib.h>
#include <string.h>

#include "processor/window_acc.h"

#define ACC_TEXT_MAX	(WEIR_WINDOW_ID_MAX + WEIR_SOURCE_BUF + WEIR_TYPE_BUF)

int
weir_window_acc_init(struct weir_window_acc *a, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->cap = cap;
	a->refs = calloc(cap, sizeof(*a->refs));
	a->aggs = calloc(cap, sizeof(*a->aggs));
	a->text = calloc(cap, ACC_TEXT_MAX);
	if (a->refs == NULL || a->aggs == NULL || a->text == NULL ||
	    weir_window_set_init(&a->set, cap) == -1) {
		weir_window_acc_free(a);
		return (-1);
	}
	return (0);
}

void
weir_window_acc_free(struct weir_window_acc *a)
{
	free(a->refs);
	free(a->aggs);
	free(a->text);
	weir_window_set_free(&a->set);
	memset(a, 0, sizeof(*a));
}

void
weir_window_acc_reset(struct weir_window_acc *a)
{
	a->n = 0;
	if (a->set.ids != NULL)
		weir_window_set_reset(&a->set);
}

/* Copies the window's names into slot i's text. */
static void
adopt(struct weir_window_acc *a, size_t i, const struct weir_window_ref *w)
{
	char			*p = a->text + i * ACC_TEXT_MAX;
	struct weir_window_ref	*r = &a->refs[i];

	memcpy(p, w->id, w->id_len);
	r->id = p;
	r->id_len = w->id_len;
	p += w->id_len;
	memcpy(p, w->source, w->source_len);
	r->source = p;
	r->source_len = w->source_len;
	p += w->source_len;
	memcpy(p, w->type, w->type_len);
	r->type = p;
	r->type_len = w->type_len;
	r->start_ms = w->start_ms;
	weir_agg_init(&a->aggs[i]);
}

int
weir_window_acc_add(struct weir_window_acc *a, const struct weir_batch *b)
{
	size_t	i;

	if (a->n + b->n_windows > a->cap)
		return (-1);
	for (size_t w = 0; w < b->n_windows; w++) {
		if (b->window_deltas[w].count == 0)
			continue;
		/* Staged in the next free slot; kept only if the id is new. */
		adopt(a, a->n, &b->windows[w]);
		if (weir_window_set_add(&a->set, a->refs[a->n].id,
		    a->refs[a->n].id_len, &i) == 1)
			a->n++;
		weir_agg_merge(&a->aggs[i], &b->window_deltas[w]);
	}
	return (0);
}
