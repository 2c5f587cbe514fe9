/* api_ingest.c - turns a POSTed body into events ready to publish.
 * All-or-nothing: one invalid event rejects the request, so a client never
 * has to work out which part of its batch was published. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_ingest.h"

const char *
weir_reason_field(enum weir_reason r)
{
	const char	*code = weir_reason_code(r), *colon;

	if ((colon = strchr(code, ':')) != NULL)
		return (colon + 1);
	if (r == WEIR_ERR_BAD_TIMESTAMP || r == WEIR_ERR_TS_OUT_OF_RANGE)
		return ("ts");
	if (r == WEIR_ERR_TOO_DEEP || r == WEIR_ERR_INVALID_KEY)
		return ("data");
	return ("body");
}

static void
set_routing_key(struct weir_ingest_item *it, const struct weir_event *ev)
{
	/* Topic keys are at most 255 bytes; the type nearly always fits. */
	if (ev->type_len < sizeof(it->routing_key))
		snprintf(it->routing_key, sizeof(it->routing_key), "%.*s",
		    (int)ev->type_len, ev->type);
	else
		snprintf(it->routing_key, sizeof(it->routing_key), "event");
}

static int
reject(struct weir_ingest *in, size_t index, enum weir_reason r,
    const char *detail)
{
	json_t	*o = json_object();

	if (o == NULL)
		return (-1);
	json_object_set_new(o, "index", json_integer((json_int_t)index));
	json_object_set_new(o, "reason", json_string(weir_reason_code(r)));
	json_object_set_new(o, "field", json_string(weir_reason_field(r)));
	if (json_object_set_new(o, "detail", json_string(detail)) == -1)
		json_object_set_new(o, "detail", json_string("(not UTF-8)"));
	in->n_rejected++;
	return (json_array_append_new(in->rejected, o));
}

/* Validates one event exactly as the consumer would validate its bytes. */
static int
one(struct weir_ingest *in, size_t index, json_t *elem,
    const struct weir_stage_ctx *ctx)
{
	struct weir_ingest_item	*it = &in->items[index];
	struct weir_input	input;
	struct weir_event	ev;
	enum weir_reason	r;
	char			detail[WEIR_DETAIL_MAX];

	if ((it->body = json_dumps(elem, JSON_COMPACT | JSON_ENCODE_ANY)) ==
	    NULL)
		return (-1);
	it->len = strlen(it->body);
	memset(&input, 0, sizeof(input));
	input.body = it->body;
	input.len = it->len;
	input.received_at_ms = ctx->now_ms;
	r = weir_pipeline_run(&input, &ev, ctx, detail, NULL);
	if (r == WEIR_OK) {
		memcpy(it->id, ev.id, sizeof(it->id));
		set_routing_key(it, &ev);
	}
	weir_event_clear(&ev);
	if (r != WEIR_OK)
		return (reject(in, index, r, detail));
	return (0);
}

static enum weir_ingest_result
bad(struct weir_api_error *err, const char *rule)
{
	snprintf(err->field, sizeof(err->field), "body");
	snprintf(err->rule, sizeof(err->rule), "%s", rule);
	return (WEIR_INGEST_BAD_BODY);
}

enum weir_ingest_result
weir_ingest_parse(const char *body, size_t len,
    const struct weir_stage_ctx *ctx, struct weir_ingest *in,
    struct weir_api_error *err)
{
	json_error_t	jerr;
	json_t		*root;
	size_t		n;
	int		rc = 0;

	memset(in, 0, sizeof(*in));
	memset(err, 0, sizeof(*err));
	snprintf(err->field, sizeof(err->field), "body");
	if (len > WEIR_INGEST_MAX_BYTES) {
		snprintf(err->rule, sizeof(err->rule), "must be at most %d "
		    "bytes", WEIR_INGEST_MAX_BYTES);
		return (WEIR_INGEST_TOO_LARGE);
	}
	if (len == 0)
		return (bad(err, "must be a JSON event object or an array of "
		    "them; the body is empty"));
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (root == NULL) {
		snprintf(err->rule, sizeof(err->rule), "must be valid JSON: %s "
		    "at byte %d", jerr.text, jerr.position);
		return (WEIR_INGEST_BAD_BODY);
	}
	if (!json_is_object(root) && !json_is_array(root)) {
		json_decref(root);
		return (bad(err, "must be a JSON event object or an array of "
		    "them"));
	}
	n = json_is_array(root) ? json_array_size(root) : 1;
	if (n == 0 || n > WEIR_INGEST_MAX_EVENTS) {
		json_decref(root);
		snprintf(err->rule, sizeof(err->rule), "must hold 1..%d events, "
		    "got %zu", WEIR_INGEST_MAX_EVENTS, n);
		return (n == 0 ? WEIR_INGEST_BAD_BODY : WEIR_INGEST_TOO_LARGE);
	}
	in->items = calloc(n, sizeof(*in->items));
	in->rejected = json_array();
	if (in->items == NULL || in->rejected == NULL) {
		json_decref(root);
		return (WEIR_INGEST_NOMEM);
	}
	in->n = n;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = one(in, i, json_is_array(root) ? json_array_get(root, i) :
		    root, ctx);
	json_decref(root);
	if (rc == -1)
		return (WEIR_INGEST_NOMEM);
	return (in->n_rejected > 0 ? WEIR_INGEST_REJECTED : WEIR_INGEST_OK);
}

void
weir_ingest_free(struct weir_ingest *in)
{
	for (size_t i = 0; in->items != NULL && i < in->n; i++)
		free(in->items[i].body);
	free(in->items);
	json_decref(in->rejected);
	memset(in, 0, sizeof(*in));
}
