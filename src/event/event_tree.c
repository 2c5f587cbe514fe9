/* event_tree.c - an event's decoded facts from a jansson tree: the decoder
 * of last resort, for bodies event_scan.c declines (and where no scan buffer is). */
#include <stdio.h>
#include <string.h>

#include "event/event_bson.h"
#include "event/event_tree.h"

static void
field_from(struct weir_json_field *f, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		f->kind = WEIR_JSON_OBJECT;
		break;
	case JSON_ARRAY:
		f->kind = WEIR_JSON_ARRAY;
		break;
	case JSON_STRING:
		f->kind = WEIR_JSON_STRING;
		f->s = json_string_value(v);
		f->len = json_string_length(v);
		break;
	case JSON_INTEGER:
		f->kind = WEIR_JSON_INTEGER;
		f->i = (int64_t)json_integer_value(v);
		f->d = json_number_value(v);
		break;
	case JSON_REAL:
		f->kind = WEIR_JSON_REAL;
		f->d = json_real_value(v);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		f->kind = WEIR_JSON_BOOL;
		f->i = json_is_true(v);
		break;
	case JSON_NULL:
		f->kind = WEIR_JSON_NULL;
		break;
	}
}

/* Keys must be storable in MongoDB: not empty, no leading '$'. The first
 * offence in depth-first order wins. */
static enum weir_reason
check_tree(const json_t *v, int depth, struct weir_decoded *dec)
{
	const char	*key;
	json_t		*child;
	size_t		i;
	enum weir_reason r;

	if ((json_is_object(v) || json_is_array(v)) &&
	    depth > WEIR_DATA_DEPTH_MAX)
		return (WEIR_ERR_TOO_DEEP);
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, child) {
			if (key[0] == '\0' || key[0] == '$') {
				snprintf(dec->bad_key, sizeof(dec->bad_key),
				    "%s", key);
				return (WEIR_ERR_INVALID_KEY);
			}
			if ((r = check_tree(child, depth + 1, dec)) != WEIR_OK)
				return (r);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			if ((r = check_tree(child, depth + 1, dec)) != WEIR_OK)
				return (r);
		}
	}
	return (WEIR_OK);
}

/* A document that failed half-way may hold an open child: start afresh. */
static void
drop_rest(bson_t *rest)
{
	bson_destroy(rest);
	bson_init(rest);
}

void
weir_event_from_tree(struct weir_decoded *dec, const json_t *root,
    bson_t *rest)
{
	const char	*k;
	json_t		*v;
	size_t		len;
	int		top, r;

	memset(dec, 0, sizeof(*dec));
	if (rest != NULL)
		bson_reinit(rest);
	json_object_foreach((json_t *)root, k, v) {
		len = strlen(k);
		top = weir_top_field(k, len);
		if (top >= 0)
			field_from(&dec->top[top], v);
		if ((r = weir_reserved_field(k, len)) >= 0)
			dec->reserved |= 1u << r;
		if (rest != NULL && !dec->rest_failed &&
		    (top < 0 || top == WEIR_TOP_DATA) &&
		    weir_json_to_bson(rest, k, len, v) == -1)
			dec->rest_failed = 1;
	}
	if (dec->rest_failed)
		drop_rest(rest);
	dec->tree_error = check_tree(root, 0, dec);
	if (rest != NULL && !dec->rest_failed) {
		dec->rest = bson_get_data(rest);
		dec->rest_len = rest->len;
	}
}
