/* batch.c - fills and empties a consumer's batch.
 * Documents are re-initialised in place, keeping their heap buffers. */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "event/event_bson.h"
#include "processor/batch.h"

int
weir_batch_init(struct weir_batch *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
	b->dead_tags = calloc(cap, sizeof(*b->dead_tags));
	b->events = calloc(cap, sizeof(*b->events));
	b->docs = calloc(cap, sizeof(*b->docs));
	b->doc_ptrs = calloc(cap, sizeof(*b->doc_ptrs));
	b->originals = calloc(cap, sizeof(*b->originals));
	b->rejected_at = calloc(cap, 1);
	b->windows = calloc(cap, sizeof(*b->windows));
	b->window_ids = calloc(cap, WEIR_WINDOW_ID_MAX);
	b->event_window = calloc(cap, sizeof(*b->event_window));
	b->window_deltas = calloc(cap, sizeof(*b->window_deltas));
	if (b->event_window == NULL || b->window_deltas == NULL ||
	    b->dead_tags == NULL || b->events == NULL || b->docs == NULL ||
	    b->doc_ptrs == NULL || b->originals == NULL ||
	    b->rejected_at == NULL || b->windows == NULL ||
	    b->window_ids == NULL || weir_window_set_init(&b->window_set,
	    cap) == -1) {
		weir_batch_free(b);
		return (-1);
	}
	for (size_t i = 0; i < cap; i++) {
		bson_init(&b->docs[i]);
		b->doc_ptrs[i] = &b->docs[i];
	}
	return (0);
}

void
weir_batch_free(struct weir_batch *b)
{
	weir_batch_reset(b);
	for (size_t i = 0; b->docs != NULL && i < b->cap; i++)
		bson_destroy(&b->docs[i]);
	free(b->dead_tags);
	free(b->events);
	free(b->docs);
	free(b->doc_ptrs);
	free(b->originals);
	free(b->rejected_at);
	free(b->windows);
	free(b->window_ids);
	free(b->event_window);
	free(b->window_deltas);
	free(b->arena);
	weir_window_set_free(&b->window_set);
	memset(b, 0, sizeof(*b));
}

void
weir_batch_reset(struct weir_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->events[i].root != NULL)
			json_decref(b->events[i].root);
	}
	b->n = b->deliveries = b->dead_n = b->n_windows = 0;
	b->arena_len = 0;
	b->last_valid_tag = 0;
	b->started_ms = 0;
	memset(b->stage_ns, 0, sizeof(b->stage_ns));
	b->timed = 0;
	if (b->window_set.ids != NULL)
		weir_window_set_reset(&b->window_set);
}

static int
keep(struct weir_batch *b, const char *s, size_t len, size_t *off)
{
	char	*p;

	if ((p = weir_grow(b->arena, &b->arena_cap, b->arena_len + len,
	    65536)) == NULL)
		return (-1);
	b->arena = p;
	if (len > 0)
		memcpy(b->arena + b->arena_len, s, len);
	*off = b->arena_len;
	b->arena_len += len;
	return (0);
}

const char *
weir_batch_text(const struct weir_batch *b, size_t off)
{
	return (b->arena + off);
}

/* The set holds at most cap ids and a batch holds at most cap events,
 * so every event finds its window. */
static void
record_window(struct weir_batch *b, const struct weir_event *ev)
{
	char			*id = b->window_ids + b->n_windows *
				    WEIR_WINDOW_ID_MAX;
	struct weir_window_ref	*w = &b->windows[b->n_windows];
	size_t			len;

	len = weir_window_id(id, WEIR_WINDOW_ID_MAX, ev->window_start_ms,
	    ev->source, ev->source_len, ev->type, ev->type_len);
	if (weir_window_set_add(&b->window_set, id, len,
	    &b->event_window[b->n]) != 1)
		return;
	/* The id ends in "<source>:<type>": the names live as long as the
	 * batch there, while the event's own strings die with its body. */
	w->id = id;
	w->id_len = len;
	w->type = id + len - ev->type_len;
	w->type_len = ev->type_len;
	w->source = w->type - 1 - ev->source_len;
	w->source_len = ev->source_len;
	w->start_ms = ev->window_start_ms;
	b->n_windows++;
}

int
weir_batch_add(struct weir_batch *b, struct weir_event *ev, const char *body,
    size_t body_len, const char *key, size_t key_len, const char *msgid,
    size_t msgid_len)
{
	struct weir_original	*o = &b->originals[b->n];
	bson_t			*doc = &b->docs[b->n];

	bson_reinit(doc);
	if (weir_event_to_bson(ev, doc) == -1) {
		weir_event_clear(ev);
		return (-2);
	}
	if (keep(b, body, body_len, &o->body_off) == -1 ||
	    keep(b, key, key_len, &o->key_off) == -1 ||
	    keep(b, msgid, msgid_len, &o->msgid_off) == -1) {
		weir_event_clear(ev);
		return (-1);
	}
	o->body_len = body_len;
	o->key_len = key_len;
	o->msgid_len = msgid_len;
	b->events[b->n].root = ev->root;
	b->events[b->n].ts_ms = ev->ts_ms;
	b->events[b->n].value = ev->value;
	b->events[b->n].has_value = ev->has_value;
	ev->root = NULL;
	record_window(b, ev);
	b->n++;
	return (0);
}

size_t
weir_batch_sum_windows(struct weir_batch *b)
{
	const struct weir_batch_event	*ev;
	struct weir_agg			*a;
	size_t				touched = 0;

	for (size_t w = 0; w < b->n_windows; w++)
		weir_agg_init(&b->window_deltas[w]);
	for (size_t i = 0; i < b->n; i++) {
		if (b->rejected_at[i])
			continue;
		ev = &b->events[i];
		a = &b->window_deltas[b->event_window[i]];
		if (a->count == 0)
			touched++;
		weir_agg_add(a, ev->ts_ms, ev->has_value, ev->value);
	}
	return (touched);
}
