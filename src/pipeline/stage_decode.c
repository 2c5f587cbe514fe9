/* stage_decode.c - bytes to a JSON object, as its top-level facts and BSON.
 * Enforces the size limit before parsing so a huge body costs nothing. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "event/event_tree.h"
#include "pipeline/pipeline.h"

/* No content type, application/json or application/<anything>+json, in
 * any case, parameters (charset=...) aside: a producer that says its
 * bytes are something else is taken at its word. */
int
weir_content_type_is_json(const char *s, size_t len)
{
	size_t	n = 0;

	if (s == NULL)
		return (1);
	while (n < len && s[n] != ';' && s[n] != ' ' && s[n] != '\t')
		n++;
	if (n == 0 && len == 0)
		return (1);
	if (n == 16 && strncasecmp(s, "application/json", 16) == 0)
		return (1);
	return (n > 17 && strncasecmp(s, "application/", 12) == 0 &&
	    strncasecmp(s + n - 5, "+json", 5) == 0 &&
	    memchr(s + 12, '/', n - 12) == NULL);
}

enum weir_reason
weir_stage_decode(const struct weir_input *in, struct weir_event *ev,
    const struct weir_stage_ctx *ctx, char *detail)
{
	json_error_t	err;
	const char	*nul;

	if (!weir_content_type_is_json(in->content_type, in->content_type_len)) {
		snprintf(detail, WEIR_DETAIL_MAX, "content type '%.*s' is not "
		    "JSON", (int)(in->content_type_len > 64 ? 64 :
		    in->content_type_len), in->content_type);
		return (WEIR_ERR_CONTENT_TYPE);
	}
	if (in->len > ctx->max_message_bytes) {
		snprintf(detail, WEIR_DETAIL_MAX, "body is %zu bytes, limit %zu",
		    in->len, ctx->max_message_bytes);
		return (WEIR_ERR_TOO_LARGE);
	}
	/* The scanner reads the usual body without allocating; whatever it
	 * declines (bad JSON included) jansson reads, and reports. */
	if (ctx->scan != NULL &&
	    weir_event_scan(in->body, in->len, &ev->dec, ctx->scan) == 0)
		return (WEIR_OK);
	/* JSON has no raw NUL, and jansson 2.14 skips one after a number
	 * ("ts":1\0,...) as if it were not there. The scanner declines
	 * any NUL (fuzz_decoders holds it to that), so only this path looks. */
	if ((nul = memchr(in->body, '\0', in->len)) != NULL) {
		snprintf(detail, WEIR_DETAIL_MAX, "NUL byte at byte %zu",
		    (size_t)(nul - in->body));
		return (WEIR_ERR_INVALID_JSON);
	}
	ev->root = json_loadb(in->body, in->len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (ev->root == NULL) {
		snprintf(detail, WEIR_DETAIL_MAX, "%s at byte %d", err.text,
		    err.position);
		return (WEIR_ERR_INVALID_JSON);
	}
	if (!json_is_object(ev->root)) {
		snprintf(detail, WEIR_DETAIL_MAX, "top level is not an object");
		return (WEIR_ERR_NOT_OBJECT);
	}
	weir_event_from_tree(&ev->dec, ev->root,
	    ctx->scan != NULL ? ctx->scan->tree_rest : NULL);
	return (WEIR_OK);
}
