/* window.c - tumbling windows: start times, ids, aggregates, per-batch sets.
 * Aggregates merge associatively so 1m windows roll up into 5m, 1h, 1d. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/window.h"

int64_t
weir_window_start(int64_t ts_ms, int64_t width_ms)
{
	int64_t	r = ts_ms % width_ms;

	if (r < 0)
		r += width_ms;
	return (ts_ms - r);
}

/* Decimal digits of v at t; returns how many. */
static size_t
put_decimal(char *t, uint64_t v)
{
	char	tmp[20];
	size_t	n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		t[i] = tmp[n - 1 - i];
	return (n);
}

/* Appends s[0..n) to buf as far as it fits (snprintf's truncation). */
static void
put_text(char *buf, size_t size, size_t *at, const char *s, size_t n)
{
	if (*at < size - 1)
		memcpy(buf + *at, s, n < size - 1 - *at ? n : size - 1 - *at);
	*at += n;
}

/* Once per event: formatted by hand, snprintf took ~1/5 of the path. */
size_t
weir_window_id(char *buf, size_t size, int64_t start_ms, const char *source,
    size_t source_len, const char *type, size_t type_len)
{
	char	head[48];
	size_t	n = 0, at = 0;

	if (size == 0)
		return (0);
	if (start_ms < 0)
		head[n++] = '-';
	n += put_decimal(head + n, start_ms < 0 ? 0 - (uint64_t)start_ms :
	    (uint64_t)start_ms);
	head[n++] = ':';
	n += put_decimal(head + n, source_len);
	head[n++] = ':';
	put_text(buf, size, &at, head, n);
	put_text(buf, size, &at, source, source_len);
	put_text(buf, size, &at, ":", 1);
	put_text(buf, size, &at, type, type_len);
	buf[at < size ? at : size - 1] = '\0';
	return (at < size ? at : size - 1);
}

void
weir_agg_init(struct weir_agg *a)
{
	memset(a, 0, sizeof(*a));
}

void
weir_agg_add(struct weir_agg *a, int64_t ts_ms, int has_value, double value)
{
	if (a->count == 0 || ts_ms < a->first_ts_ms)
		a->first_ts_ms = ts_ms;
	if (a->count == 0 || ts_ms > a->last_ts_ms)
		a->last_ts_ms = ts_ms;
	a->count++;
	if (!has_value)
		return;
	if (a->values == 0 || value < a->min)
		a->min = value;
	if (a->values == 0 || value > a->max)
		a->max = value;
	a->values++;
	a->sum += value;
}

void
weir_agg_merge(struct weir_agg *a, const struct weir_agg *b)
{
	if (b->count == 0)
		return;
	if (a->count == 0 || b->first_ts_ms < a->first_ts_ms)
		a->first_ts_ms = b->first_ts_ms;
	if (a->count == 0 || b->last_ts_ms > a->last_ts_ms)
		a->last_ts_ms = b->last_ts_ms;
	a->count += b->count;
	if (b->values == 0)
		return;
	if (a->values == 0 || b->min < a->min)
		a->min = b->min;
	if (a->values == 0 || b->max > a->max)
		a->max = b->max;
	a->values += b->values;
	a->sum += b->sum;
}

/* FNV-1a, 64 bit: window ids are short. */
uint64_t
weir_window_hash(const char *id, size_t len)
{
	uint64_t	h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

int
weir_window_set_init(struct weir_window_set *s, size_t max_items)
{
	s->cap = 16;
	while (s->cap < max_items * 2)
		s->cap *= 2;
	s->n = 0;
	s->hashes = calloc(s->cap, sizeof(*s->hashes));
	s->ids = calloc(s->cap, sizeof(*s->ids));
	s->lens = calloc(s->cap, sizeof(*s->lens));
	s->order = calloc(s->cap, sizeof(*s->order));
	if (s->hashes == NULL || s->ids == NULL || s->lens == NULL ||
	    s->order == NULL) {
		weir_window_set_free(s);
		return (-1);
	}
	return (0);
}

void
weir_window_set_reset(struct weir_window_set *s)
{
	if (s->n == 0)
		return;
	memset(s->ids, 0, s->cap * sizeof(*s->ids));
	s->n = 0;
}

void
weir_window_set_free(struct weir_window_set *s)
{
	free(s->hashes);
	free(s->ids);
	free(s->lens);
	free(s->order);
	s->hashes = NULL;
	s->ids = NULL;
	s->lens = NULL;
	s->order = NULL;
}

int
weir_window_set_add(struct weir_window_set *s, const char *id, size_t len,
    size_t *index)
{
	uint64_t	h = weir_window_hash(id, len);
	size_t		i = (size_t)h & (s->cap - 1);

	while (s->ids[i] != NULL) {
		if (s->hashes[i] == h && s->lens[i] == len &&
		    memcmp(s->ids[i], id, len) == 0) {
			*index = s->order[i];
			return (0);
		}
		i = (i + 1) & (s->cap - 1);
	}
	if (s->n + 1 >= s->cap)
		return (-1);
	s->hashes[i] = h;
	s->ids[i] = id;
	s->lens[i] = len;
	s->order[i] = s->n;
	*index = s->n++;
	return (1);
}
