/* fuzz_decoders.c - libFuzzer target: the allocation-free event decoder against jansson.
 * Whatever a body is, both decoders must give the same reason, detail, event and document. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event_bson.h"
#include "event/event_scan.h"
#include "pipeline/pipeline.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
same_doc(const struct weir_event *a, const struct weir_event *b)
{
	bson_t	da, db;
	int	ra, rb;

	bson_init(&da);
	bson_init(&db);
	ra = weir_event_to_bson(a, &da);
	rb = weir_event_to_bson(b, &db);
	if (ra != rb || (ra == 0 && (da.len != db.len ||
	    memcmp(bson_get_data(&da), bson_get_data(&db), da.len) != 0)))
		abort();
	bson_destroy(&da);
	bson_destroy(&db);
}

static void
same_event(const struct weir_event *a, const struct weir_event *b)
{
	if (strcmp(a->id, b->id) != 0 || a->source_len != b->source_len ||
	    memcmp(a->source, b->source, a->source_len) != 0 ||
	    a->type_len != b->type_len ||
	    memcmp(a->type, b->type, a->type_len) != 0 ||
	    a->ts_ms != b->ts_ms || a->has_value != b->has_value ||
	    memcmp(&a->value, &b->value, sizeof(a->value)) != 0 ||
	    a->window_start_ms != b->window_start_ms)
		abort();
	same_doc(a, b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct weir_scan_buf	buf;
	struct weir_stage_ctx		tree = { 65536, 86400000LL,
					    1700000000000LL, "fuzz", NULL };
	struct weir_stage_ctx		scan = tree;
	struct weir_input		in = { .body = (const char *)data,
					    .len = size, .message_id = "m-1",
					    .message_id_len = 3,
					    .received_at_ms = 1700000000000LL };
	struct weir_event		a, b;
	char				da[WEIR_DETAIL_MAX], db[WEIR_DETAIL_MAX];
	enum weir_reason		ra, rb;

	if (buf.c_locale == (locale_t)0 && weir_scan_buf_init(&buf) == -1)
		abort();
	scan.scan = &buf;
	ra = weir_pipeline_run(&in, &a, &tree, da, NULL);
	rb = weir_pipeline_run(&in, &b, &scan, db, NULL);
	if (ra != rb || strcmp(da, db) != 0)
		abort();
	if (ra == WEIR_OK)
		same_event(&a, &b);
	weir_event_clear(&a);
	weir_event_clear(&b);
	return (0);
}
