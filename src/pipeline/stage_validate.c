/* stage_validate.c - the message rules of docs/design.md, one check per field.
 * Judges what decoding found (ev->dec); timestamps are only parsed by stage_normalise. */
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "event/event_id.h"
#include "pipeline/pipeline.h"

static enum weir_reason
check_label(const struct weir_json_field *f, const char *name, size_t max,
    const char **out, size_t *out_len, enum weir_reason missing,
    enum weir_reason invalid, char *detail)
{
	size_t	n;

	if (f->kind == WEIR_JSON_ABSENT) {
		snprintf(detail, WEIR_DETAIL_MAX, "field '%s' is required", name);
		return (missing);
	}
	if (f->kind != WEIR_JSON_STRING) {
		snprintf(detail, WEIR_DETAIL_MAX, "field '%s' must be a string",
		    name);
		return (invalid);
	}
	/* The decoder has already checked the encoding. */
	n = weir_utf8_length(f->s, f->len);
	if (n < 1 || n > max) {
		snprintf(detail, WEIR_DETAIL_MAX,
		    "field '%s' must be 1..%zu characters, got %zu", name, max, n);
		return (invalid);
	}
	*out = f->s;
	*out_len = f->len;
	return (WEIR_OK);
}

static enum weir_reason
check_reserved(unsigned reserved, char *detail)
{
	for (size_t i = 0; weir_reserved_fields[i] != NULL; i++) {
		if (reserved & 1u << i) {
			snprintf(detail, WEIR_DETAIL_MAX,
			    "field '%s' is set by weir", weir_reserved_fields[i]);
			return (WEIR_ERR_RESERVED_FIELD);
		}
	}
	return (WEIR_OK);
}

static enum weir_reason
check_optional(const struct weir_decoded *dec, struct weir_event *ev,
    char *detail)
{
	const struct weir_json_field	*value = &dec->top[WEIR_TOP_VALUE];
	enum weir_json_kind		data = dec->top[WEIR_TOP_DATA].kind;

	if (value->kind != WEIR_JSON_ABSENT) {
		if (value->kind != WEIR_JSON_INTEGER &&
		    value->kind != WEIR_JSON_REAL) {
			snprintf(detail, WEIR_DETAIL_MAX,
			    "field 'value' must be a number");
			return (WEIR_ERR_INVALID_VALUE);
		}
		ev->has_value = 1;
		ev->value = value->d;
	}
	if (data != WEIR_JSON_ABSENT && data != WEIR_JSON_OBJECT) {
		snprintf(detail, WEIR_DETAIL_MAX, "field 'data' must be an object");
		return (WEIR_ERR_INVALID_DATA);
	}
	return (WEIR_OK);
}

/* Found by the decoder; reported only once every field check passed. */
static enum weir_reason
check_tree(const struct weir_decoded *dec, char *detail)
{
	if (dec->tree_error == WEIR_ERR_TOO_DEEP)
		snprintf(detail, WEIR_DETAIL_MAX, "nesting deeper than %d",
		    WEIR_DATA_DEPTH_MAX);
	else if (dec->tree_error == WEIR_ERR_INVALID_KEY)
		snprintf(detail, WEIR_DETAIL_MAX,
		    "key '%.64s' is empty or starts with '$'", dec->bad_key);
	return (dec->tree_error);
}

enum weir_reason
weir_stage_validate(const struct weir_input *in, struct weir_event *ev,
    const struct weir_stage_ctx *ctx, char *detail)
{
	const struct weir_decoded	*dec = &ev->dec;
	enum weir_reason		r;

	(void)ctx;
	if (weir_id_pick(&dec->top[WEIR_TOP_ID], in, ev->id) == -1) {
		snprintf(detail, WEIR_DETAIL_MAX,
		    "field 'id' must be 1..%d printable ASCII characters",
		    WEIR_ID_MAX);
		return (WEIR_ERR_INVALID_ID);
	}
	if ((r = check_label(&dec->top[WEIR_TOP_SOURCE], "source",
	    WEIR_SOURCE_MAX, &ev->source, &ev->source_len,
	    WEIR_ERR_MISSING_SOURCE, WEIR_ERR_INVALID_SOURCE, detail)) !=
	    WEIR_OK)
		return (r);
	if ((r = check_label(&dec->top[WEIR_TOP_TYPE], "type", WEIR_TYPE_MAX,
	    &ev->type, &ev->type_len, WEIR_ERR_MISSING_TYPE,
	    WEIR_ERR_INVALID_TYPE, detail)) != WEIR_OK)
		return (r);
	if (dec->top[WEIR_TOP_TS].kind == WEIR_JSON_ABSENT) {
		snprintf(detail, WEIR_DETAIL_MAX, "field 'ts' is required");
		return (WEIR_ERR_MISSING_TS);
	}
	if ((r = check_reserved(dec->reserved, detail)) != WEIR_OK)
		return (r);
	if ((r = check_optional(dec, ev, detail)) != WEIR_OK)
		return (r);
	/* The top level is container 0, `data` container 1: 32 levels. */
	return (check_tree(dec, detail));
}
