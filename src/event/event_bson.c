/* event_bson.c - converts a validated event into its MongoDB document.
 * The fixed fields, then the decoder's `rest` (or the jansson tree), then weir's own. */
#include <string.h>

#include "event/bson_write.h"
#include "event/event_bson.h"

static int
append_array(bson_t *doc, const char *key, size_t key_len, const json_t *arr)
{
	bson_t		child;
	const char	*idx_key;
	char		buf[16];
	size_t		i;
	json_t		*item;

	if (!bson_append_array_begin(doc, key, (int)key_len, &child))
		return (-1);
	json_array_foreach(arr, i, item) {
		size_t n = bson_uint32_to_string((uint32_t)i, &idx_key, buf,
		    sizeof(buf));
		if (weir_json_to_bson(&child, idx_key, n, item) == -1)
			return (-1);
	}
	return (bson_append_array_end(doc, &child) ? 0 : -1);
}

static int
append_object(bson_t *doc, const char *key, size_t key_len, const json_t *obj)
{
	bson_t		child;
	const char	*k;
	json_t		*v;

	if (!bson_append_document_begin(doc, key, (int)key_len, &child))
		return (-1);
	json_object_foreach((json_t *)obj, k, v) {
		if (weir_json_to_bson(&child, k, strlen(k), v) == -1)
			return (-1);
	}
	return (bson_append_document_end(doc, &child) ? 0 : -1);
}

int
weir_json_to_bson(bson_t *doc, const char *key, size_t key_len,
    const json_t *v)
{
	json_int_t	i;
	int		ok = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return (append_object(doc, key, key_len, v));
	case JSON_ARRAY:
		return (append_array(doc, key, key_len, v));
	case JSON_STRING:
		ok = bson_append_utf8(doc, key, (int)key_len, json_string_value(v),
		    (int)json_string_length(v));
		break;
	case JSON_INTEGER:
		i = json_integer_value(v);
		if (i >= INT32_MIN && i <= INT32_MAX)
			ok = bson_append_int32(doc, key, (int)key_len, (int32_t)i);
		else
			ok = bson_append_int64(doc, key, (int)key_len, i);
		break;
	case JSON_REAL:
		ok = bson_append_double(doc, key, (int)key_len, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		ok = bson_append_bool(doc, key, (int)key_len, json_is_true(v));
		break;
	case JSON_NULL:
		ok = bson_append_null(doc, key, (int)key_len);
		break;
	}
	return (ok ? 0 : -1);
}

/* The fields stored in the document's fixed part (id, source, ...). */
static int
is_known(const char *key)
{
	int	top = weir_top_field(key, strlen(key));

	return (top >= 0 && top < WEIR_TOP_DATA);
}

/* Where the doc's size cannot wrap: what libbson would refuse too. */
static size_t
fixed_size(const struct weir_event *ev, size_t id_len, size_t proc_len)
{
	return (4 + WEIR_BSON_ELEM(3) + WEIR_BSON_STR(id_len) +
	    WEIR_BSON_ELEM(6) + WEIR_BSON_STR(ev->source_len) +
	    WEIR_BSON_ELEM(4) + WEIR_BSON_STR(ev->type_len) +
	    WEIR_BSON_ELEM(2) + 8 + (ev->has_value ? WEIR_BSON_ELEM(5) + 8 : 0) +
	    WEIR_BSON_ELEM(11) + 8 + WEIR_BSON_ELEM(12) + 8 +
	    WEIR_BSON_ELEM(9) + WEIR_BSON_STR(proc_len) + 1);
}

static uint8_t *
put_date(uint8_t *p, const char *k, size_t klen, int64_t ms)
{
	p = weir_bson_put_key(p, WEIR_BSON_DATE_TIME, k, klen);
	return (weir_bson_put_u64(p, (uint64_t)ms));
}

static uint8_t *
put_utf8(uint8_t *p, const char *k, size_t klen, const char *s, size_t n)
{
	p = weir_bson_put_key(p, WEIR_BSON_UTF8, k, klen);
	return (weir_bson_put_str(p, s, n));
}

/* The whole document in one go into an empty doc: its size is known,
 * so it is written in place, byte for byte what the appends below make. */
static int
write_direct(const struct weir_event *ev, bson_t *doc)
{
	size_t	id_len = strlen(ev->id), proc_len = strlen(ev->processor);
	size_t	rest = ev->dec.rest_len - 5;
	size_t	size = fixed_size(ev, id_len, proc_len) + rest;
	uint8_t	*p;

	if (size > INT32_MAX || (p = bson_reserve_buffer(doc,
	    (uint32_t)size)) == NULL)
		return (-1);
	p = weir_bson_put_u32(p, (uint32_t)size);
	p = put_utf8(p, "_id", 3, ev->id, id_len);
	p = put_utf8(p, "source", 6, ev->source, ev->source_len);
	p = put_utf8(p, "type", 4, ev->type, ev->type_len);
	p = put_date(p, "ts", 2, ev->ts_ms);
	if (ev->has_value) {
		p = weir_bson_put_key(p, WEIR_BSON_DOUBLE, "value", 5);
		p = weir_bson_put_double(p, ev->value);
	}
	memcpy(p, ev->dec.rest + 4, rest);
	p += rest;
	p = put_date(p, "received_at", 11, ev->received_at_ms);
	p = put_date(p, "processed_at", 12, ev->processed_at_ms);
	p = put_utf8(p, "processor", 9, ev->processor, proc_len);
	*p = 0;
	return (0);
}

/* The other fields: from the decoder's `rest`, else from the tree. */
static int
append_rest(const struct weir_event *ev, bson_t *doc)
{
	bson_t		rest;
	const char	*k;
	json_t		*v;

	if (ev->dec.rest != NULL)
		return (bson_init_static(&rest, ev->dec.rest, ev->dec.rest_len) &&
		    bson_concat(doc, &rest) ? 0 : -1);
	json_object_foreach(ev->root, k, v) {
		if (!is_known(k) && weir_json_to_bson(doc, k, strlen(k), v) == -1)
			return (-1);
	}
	return (0);
}

int
weir_event_to_bson(const struct weir_event *ev, bson_t *doc)
{
	int	ok;

	if (ev->dec.rest_failed)
		return (-1);
	if (ev->dec.rest != NULL && bson_empty(doc))
		return (write_direct(ev, doc));
	ok = BSON_APPEND_UTF8(doc, "_id", ev->id) &&
	    bson_append_utf8(doc, "source", 6, ev->source, (int)ev->source_len) &&
	    bson_append_utf8(doc, "type", 4, ev->type, (int)ev->type_len) &&
	    BSON_APPEND_DATE_TIME(doc, "ts", ev->ts_ms);
	if (ok && ev->has_value)
		ok = BSON_APPEND_DOUBLE(doc, "value", ev->value);
	if (!ok || append_rest(ev, doc) == -1)
		return (-1);
	ok = BSON_APPEND_DATE_TIME(doc, "received_at", ev->received_at_ms) &&
	    BSON_APPEND_DATE_TIME(doc, "processed_at", ev->processed_at_ms) &&
	    BSON_APPEND_UTF8(doc, "processor", ev->processor);
	return (ok ? 0 : -1);
}
