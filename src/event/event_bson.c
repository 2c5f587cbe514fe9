/* event_bson.c - converts a validated event into its MongoDB document.
 * Writes straight into the caller's bson_t: no intermediate tree. */
#include <string.h>

#include "event/event_bson.h"

static const char *const known_fields[] = {
	"id", "source", "type", "ts", "value", NULL
};

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

static int
is_known(const char *key)
{
	for (size_t i = 0; known_fields[i] != NULL; i++) {
		if (strcmp(key, known_fields[i]) == 0)
			return (1);
	}
	return (0);
}

int
weir_event_to_bson(const struct weir_event *ev, bson_t *doc)
{
	const char	*k;
	json_t		*v;
	int		ok;

	ok = BSON_APPEND_UTF8(doc, "_id", ev->id) &&
	    bson_append_utf8(doc, "source", 6, ev->source, (int)ev->source_len) &&
	    bson_append_utf8(doc, "type", 4, ev->type, (int)ev->type_len) &&
	    BSON_APPEND_DATE_TIME(doc, "ts", ev->ts_ms);
	if (ok && ev->has_value)
		ok = BSON_APPEND_DOUBLE(doc, "value", ev->value);
	if (!ok)
		return (-1);
	json_object_foreach(ev->root, k, v) {
		if (!is_known(k) && weir_json_to_bson(doc, k, strlen(k), v) == -1)
			return (-1);
	}
	ok = BSON_APPEND_DATE_TIME(doc, "received_at", ev->received_at_ms) &&
	    BSON_APPEND_DATE_TIME(doc, "processed_at", ev->processed_at_ms) &&
	    BSON_APPEND_UTF8(doc, "processor", ev->processor);
	return (ok ? 0 : -1);
}
