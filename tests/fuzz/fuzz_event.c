/* fuzz_event.c - libFuzzer target over one AMQP message as the consumer sees it:
 * the pipeline's public entry point (decode, validate, ...) and the stored BSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bson/bson.h>

#include "base/reason.h"
#include "base/utf8.h"
#include "event/event_bson.h"
#include "event/window.h"
#include "pipeline/pipeline.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NOW_MS		1700000000000LL
#define SKEW_MS		86400000LL

/* What docs/design.md promises of every event the pipeline lets through. */
static void
check_event(const struct weir_event *ev)
{
	bson_t	doc;

	if (ev->id[0] == '\0' || strlen(ev->id) > WEIR_ID_MAX)
		abort();
	if (ev->source_len == 0 || ev->type_len == 0 ||
	    weir_utf8_length(ev->source, ev->source_len) > WEIR_SOURCE_MAX ||
	    weir_utf8_length(ev->type, ev->type_len) > WEIR_TYPE_MAX)
		abort();
	if (ev->ts_ms < 0 || ev->ts_ms > NOW_MS + SKEW_MS)
		abort();
	if (ev->window_start_ms > ev->ts_ms ||
	    ev->ts_ms - ev->window_start_ms >= WEIR_WINDOW_MS)
		abort();
	bson_init(&doc);
	/* -1 is an honest answer (store_rejected); a bad document is not. */
	if (weir_event_to_bson(ev, &doc) == 0 &&
	    !bson_validate(&doc, BSON_VALIDATE_UTF8, NULL))
		abort();
	bson_destroy(&doc);
}

/* Byte 0 picks the message's shape: bit 0 an AMQP message-id of byte 1
 * % 160 bytes taken from the front, bit 1 a 64-byte size limit. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weir_stage_ctx	ctx = { 65536, SKEW_MS, NOW_MS, "fuzz" };
	struct weir_input	in;
	struct weir_event	ev;
	char			detail[WEIR_DETAIL_MAX];
	enum weir_reason	r;
	size_t			idlen = 0;

	if (size < 2)
		return (0);
	memset(&in, 0, sizeof(in));
	if (data[0] & 1) {
		idlen = data[1] % 160;
		if (idlen > size - 2)
			idlen = size - 2;
		in.message_id = (const char *)data + 2;
		in.message_id_len = idlen;
	}
	if (data[0] & 2)
		ctx.max_message_bytes = 64;
	in.body = (const char *)data + 2 + idlen;
	in.len = size - 2 - idlen;
	in.received_at_ms = NOW_MS;
	r = weir_pipeline_run(&in, &ev, &ctx, detail, NULL);
	if (r == WEIR_OK && memchr(in.body, '\0', in.len) != NULL)
		abort();	/* JSON text has no raw NUL */
	if (r == WEIR_OK)
		check_event(&ev);
	else if (detail[0] == '\0' || strlen(detail) >= WEIR_DETAIL_MAX ||
	    strcmp(weir_reason_code(r), "unknown") == 0)
		abort();
	weir_event_clear(&ev);
	return (0);
}
