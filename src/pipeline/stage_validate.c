/* stage_validate.c - the message rules of docs/design.md, one check per field.
 * Timestamps are only type-checked here; stage_normalise parses them. */
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "event/event_id.h"
#include "pipeline/pipeline.h"

static const char *const reserved_fields[] = {
	"_id", "received_at", "processed_at", "processor", NULL
};

static enum weir_reason
check_label(json_t *root, const char *name, size_t max, const char **out,
    size_t *out_len, enum weir_reason missing, enum weir_reason invalid,
    char *detail)
{
	json_t	*v = json_object_get(root, name);
	size_t	n;

	if (v == NULL) {
		snprintf(detail, WEIR_DETAIL_MAX, "field '%s' is required", name);
		return (missing);
	}
	if (!json_is_string(v)) {
		snprintf(detail, WEIR_DETAIL_MAX, "field '%s' must be a string",
		    name);
		return (invalid);
	}
	/* jansson has already checked the encoding. */
	n = weir_utf8_length(json_string_value(v), json_string_length(v));
	if (n < 1 || n > max) {
		snprintf(detail, WEIR_DETAIL_MAX,
		    "field '%s' must be 1..%zu characters, got %zu", name, max, n);
		return (invalid);
	}
	*out = json_string_value(v);
	*out_len = json_string_length(v);
	return (WEIR_OK);
}

/* Keys must be storable in MongoDB: not empty, no leading '$'. */
static enum weir_reason
check_tree(json_t *v, int depth, int max_depth, char *detail)
{
	const char	*key;
	json_t		*child;
	size_t		i;
	enum weir_reason r;

	if ((json_is_object(v) || json_is_array(v)) && depth > max_depth) {
		snprintf(detail, WEIR_DETAIL_MAX, "nesting deeper than %d",
		    max_depth);
		return (WEIR_ERR_TOO_DEEP);
	}
	if (json_is_object(v)) {
		json_object_foreach(v, key, child) {
			if (key[0] == '\0' || key[0] == '$') {
				snprintf(detail, WEIR_DETAIL_MAX,
				    "key '%.64s' is empty or starts with '$'", key);
				return (WEIR_ERR_INVALID_KEY);
			}
			if ((r = check_tree(child, depth + 1, max_depth,
			    detail)) != WEIR_OK)
				return (r);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			if ((r = check_tree(child, depth + 1, max_depth,
			    detail)) != WEIR_OK)
				return (r);
		}
	}
	return (WEIR_OK);
}

static enum weir_reason
check_reserved(json_t *root, char *detail)
{
	for (size_t i = 0; reserved_fields[i] != NULL; i++) {
		if (json_object_get(root, reserved_fields[i]) != NULL) {
			snprintf(detail, WEIR_DETAIL_MAX,
			    "field '%s' is set by weir", reserved_fields[i]);
			return (WEIR_ERR_RESERVED_FIELD);
		}
	}
	return (WEIR_OK);
}

static enum weir_reason
check_optional(json_t *root, struct weir_event *ev, char *detail)
{
	json_t	*value = json_object_get(root, "value");
	json_t	*data = json_object_get(root, "data");

	if (value != NULL) {
		if (!json_is_number(value)) {
			snprintf(detail, WEIR_DETAIL_MAX,
			    "field 'value' must be a number");
			return (WEIR_ERR_INVALID_VALUE);
		}
		ev->has_value = 1;
		ev->value = json_number_value(value);
	}
	if (data != NULL && !json_is_object(data)) {
		snprintf(detail, WEIR_DETAIL_MAX, "field 'data' must be an object");
		return (WEIR_ERR_INVALID_DATA);
	}
	return (WEIR_OK);
}

enum weir_reason
weir_stage_validate(const struct weir_input *in, struct weir_event *ev,
    const struct weir_stage_ctx *ctx, char *detail)
{
	json_t		*root = ev->root;
	enum weir_reason r;

	(void)ctx;
	if (weir_id_derive(json_object_get(root, "id"), in, ev->id) == -1) {
		snprintf(detail, WEIR_DETAIL_MAX,
		    "field 'id' must be 1..%d printable ASCII characters",
		    WEIR_ID_MAX);
		return (WEIR_ERR_INVALID_ID);
	}
	if ((r = check_label(root, "source", WEIR_SOURCE_MAX, &ev->source,
	    &ev->source_len, WEIR_ERR_MISSING_SOURCE, WEIR_ERR_INVALID_SOURCE,
	    detail)) != WEIR_OK)
		return (r);
	if ((r = check_label(root, "type", WEIR_TYPE_MAX, &ev->type,
	    &ev->type_len, WEIR_ERR_MISSING_TYPE, WEIR_ERR_INVALID_TYPE,
	    detail)) != WEIR_OK)
		return (r);
	if (json_object_get(root, "ts") == NULL) {
		snprintf(detail, WEIR_DETAIL_MAX, "field 'ts' is required");
		return (WEIR_ERR_MISSING_TS);
	}
	if ((r = check_reserved(root, detail)) != WEIR_OK)
		return (r);
	if ((r = check_optional(root, ev, detail)) != WEIR_OK)
		return (r);
	/* The top level is container 0, `data` container 1: 32 levels. */
	return (check_tree(root, 0, WEIR_DATA_DEPTH_MAX, detail));
}
