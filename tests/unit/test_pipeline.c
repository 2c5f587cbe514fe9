/* test_pipeline.c - the stage runner: order, first failure, timings, and a
 * valid event carried from bytes to a fully enriched struct. */
#include <stdlib.h>
#include <string.h>

#include "base/reason.h"
#include "event/event_id.h"
#include "event/window.h"
#include "unit.h"

static const char *const want_stages[] = {
	"decode", "validate", "normalise", "enrich", "window"
};
#define NSTAGES	(sizeof(want_stages) / sizeof(want_stages[0]))

START_TEST(test_stage_order)
{
	ck_assert_uint_eq(weir_pipeline_stage_count(), NSTAGES);
	ck_assert_uint_le(weir_pipeline_stage_count(), WEIR_STAGE_MAX);
	for (size_t i = 0; i < NSTAGES; i++)
		ck_assert_str_eq(weir_pipeline_stages[i].name, want_stages[i]);
	ck_assert_ptr_null(weir_pipeline_stages[NSTAGES].name);
	ck_assert_ptr_null(weir_pipeline_stages[NSTAGES].run);
	ck_assert_ptr_eq(weir_pipeline_stages[0].run, weir_stage_decode);
	ck_assert_ptr_eq(weir_pipeline_stages[1].run, weir_stage_validate);
	ck_assert_ptr_eq(weir_pipeline_stages[2].run, weir_stage_normalise);
	ck_assert_ptr_eq(weir_pipeline_stages[3].run, weir_stage_enrich);
	ck_assert_ptr_eq(weir_pipeline_stages[4].run, weir_stage_window);
}
END_TEST

static enum weir_reason
run_timed(const char *body, struct weir_event *ev, uint64_t *ns)
{
	struct weir_stage_ctx	ctx = unit_ctx();
	struct weir_input	in = { .body = body, .len = strlen(body),
	    .received_at_ms = UNIT_NOW_MS - 5 };
	char			detail[WEIR_DETAIL_MAX];

	return (weir_pipeline_run(&in, ev, &ctx, detail, ns));
}

/* Sentinels far from 0 show which slots the runner touched. */
#define SENTINEL	UINT64_C(1000000000000)

START_TEST(test_stops_at_decode_failure)
{
	struct weir_event	ev;
	uint64_t		ns[WEIR_STAGE_MAX];

	for (size_t i = 0; i < WEIR_STAGE_MAX; i++)
		ns[i] = SENTINEL;
	ck_assert_int_eq(run_timed("{nope", &ev, ns), WEIR_ERR_INVALID_JSON);
	ck_assert_ptr_null(ev.root);
	ck_assert_uint_ge(ns[0], SENTINEL);
	for (size_t i = 1; i < WEIR_STAGE_MAX; i++)
		ck_assert_msg(ns[i] == SENTINEL, "stage %zu was timed", i);
	ck_assert_str_eq(ev.id, "");
	weir_event_clear(&ev);
}
END_TEST

START_TEST(test_stops_at_validate_failure)
{
	struct weir_event	ev;
	uint64_t		ns[WEIR_STAGE_MAX];

	for (size_t i = 0; i < WEIR_STAGE_MAX; i++)
		ns[i] = SENTINEL;
	/* `ts` would parse to a window; enrich would set processor. */
	ck_assert_int_eq(run_timed("{\"type\":\"t\",\"ts\":1700000000000}", &ev,
	    ns), WEIR_ERR_MISSING_SOURCE);
	ck_assert_uint_ge(ns[0], SENTINEL);
	ck_assert_uint_ge(ns[1], SENTINEL);
	for (size_t i = 2; i < WEIR_STAGE_MAX; i++)
		ck_assert_msg(ns[i] == SENTINEL, "stage %zu was timed", i);
	ck_assert_int_eq(ev.ts_ms, 0);
	ck_assert_ptr_null(ev.processor);
	ck_assert_int_eq(ev.received_at_ms, 0);
	ck_assert_int_eq(ev.window_start_ms, 0);
	weir_event_clear(&ev);
}
END_TEST

START_TEST(test_stops_at_normalise_failure)
{
	struct weir_event	ev;
	uint64_t		ns[WEIR_STAGE_MAX];

	for (size_t i = 0; i < WEIR_STAGE_MAX; i++)
		ns[i] = SENTINEL;
	ck_assert_int_eq(run_timed("{\"source\":\"s\",\"type\":\"t\","
	    "\"ts\":-5}", &ev, ns), WEIR_ERR_TS_OUT_OF_RANGE);
	for (size_t i = 0; i < 3; i++)
		ck_assert_uint_ge(ns[i], SENTINEL);
	for (size_t i = 3; i < WEIR_STAGE_MAX; i++)
		ck_assert_msg(ns[i] == SENTINEL, "stage %zu was timed", i);
	ck_assert_ptr_null(ev.processor);
	weir_event_clear(&ev);
}
END_TEST

START_TEST(test_stage_ns_accumulates)
{
	const char		*body = "{\"source\":\"s\",\"type\":\"t\","
	    "\"ts\":1700000000000,\"data\":{\"a\":[1,2,3]}}";
	struct weir_event	ev;
	uint64_t		ns[WEIR_STAGE_MAX] = { 0 };
	uint64_t		first[WEIR_STAGE_MAX];
	uint64_t		total1 = 0, total2 = 0;

	ck_assert_int_eq(run_timed(body, &ev, ns), WEIR_OK);
	weir_event_clear(&ev);
	memcpy(first, ns, sizeof(ns));
	for (size_t i = 0; i < NSTAGES; i++)
		total1 += ns[i];
	/* Decoding JSON takes measurable time on any clock. */
	ck_assert_uint_gt(total1, 0);
	for (int k = 0; k < 50; k++) {
		ck_assert_int_eq(run_timed(body, &ev, ns), WEIR_OK);
		weir_event_clear(&ev);
	}
	for (size_t i = 0; i < NSTAGES; i++) {
		ck_assert_uint_ge(ns[i], first[i]);
		total2 += ns[i];
	}
	ck_assert_uint_gt(total2, total1);
	for (size_t i = NSTAGES; i < WEIR_STAGE_MAX; i++)
		ck_assert_uint_eq(ns[i], 0);
	/* Adds, never assigns: a preset value survives. */
	ns[0] = SENTINEL;
	ck_assert_int_eq(run_timed(body, &ev, ns), WEIR_OK);
	weir_event_clear(&ev);
	ck_assert_uint_ge(ns[0], SENTINEL);
}
END_TEST

START_TEST(test_stage_ns_null_ok)
{
	struct weir_event	ev;

	ck_assert_int_eq(run_timed("{\"source\":\"s\",\"type\":\"t\",\"ts\":0}",
	    &ev, NULL), WEIR_OK);
	weir_event_clear(&ev);
}
END_TEST

START_TEST(test_valid_end_to_end)
{
	const char		*body = "{\"id\":\"evt-42\","
	    "\"source\":\"sensor-17\","
	    "\"type\":\"temperature\",\"ts\":\"2023-11-14T23:13:20.123+01:00\","
	    "\"value\":21.5,\"data\":{\"unit\":\"C\"},\"site\":\"north\"}";
	struct weir_stage_ctx	ctx = unit_ctx();
	struct weir_input	in = { .body = body, .len = strlen(body),
	    .message_id = "amqp-9", .message_id_len = 6,
	    .received_at_ms = UNIT_NOW_MS - 250 };
	struct weir_event	ev;
	char			detail[WEIR_DETAIL_MAX];

	memset(&ev, 0xa5, sizeof(ev));	/* the runner must reset it */
	memset(detail, 'x', sizeof(detail));
	ck_assert_int_eq(weir_pipeline_run(&in, &ev, &ctx, detail, NULL),
	    WEIR_OK);
	ck_assert_str_eq(detail, "");
	ck_assert(json_is_object(ev.root));
	ck_assert_str_eq(ev.id, "evt-42");
	ck_assert_uint_eq(ev.source_len, 9);
	ck_assert_int_eq(memcmp(ev.source, "sensor-17", 9), 0);
	ck_assert_uint_eq(ev.type_len, 11);
	ck_assert_int_eq(memcmp(ev.type, "temperature", 11), 0);
	ck_assert_int_eq(ev.ts_ms, 1700000000123LL);
	ck_assert_int_eq(ev.has_value, 1);
	ck_assert_double_eq(ev.value, 21.5);
	ck_assert_int_eq(ev.received_at_ms, UNIT_NOW_MS - 250);
	ck_assert_int_eq(ev.processed_at_ms, UNIT_NOW_MS);
	ck_assert_str_eq(ev.processor, UNIT_PROCESSOR);
	ck_assert_int_eq(ev.window_start_ms, 1699999980000LL);
	weir_event_clear(&ev);
	ck_assert_ptr_null(ev.root);
}
END_TEST

START_TEST(test_ids_from_transport)
{
	const char		*body = "{\"source\":\"s\",\"type\":\"t\","
	    "\"ts\":60000}";
	struct weir_stage_ctx	ctx = unit_ctx();
	struct weir_input	in = { .body = body, .len = strlen(body),
	    .message_id = "amqp-9", .message_id_len = 6 };
	struct weir_event	ev;
	char			detail[WEIR_DETAIL_MAX], hash[65];

	ck_assert_int_eq(weir_pipeline_run(&in, &ev, &ctx, detail, NULL),
	    WEIR_OK);
	ck_assert_str_eq(ev.id, "amqp-9");
	/* No transport time: received_at falls back to the batch clock. */
	ck_assert_int_eq(ev.received_at_ms, UNIT_NOW_MS);
	ck_assert_int_eq(ev.window_start_ms, 60000);
	weir_event_clear(&ev);

	in.message_id = NULL;
	in.message_id_len = 0;
	ck_assert_int_eq(weir_pipeline_run(&in, &ev, &ctx, detail, NULL),
	    WEIR_OK);
	weir_id_from_body(body, strlen(body), hash);
	ck_assert_str_eq(ev.id, hash);
	ck_assert_uint_eq(strlen(ev.id), 64);
	weir_event_clear(&ev);
}
END_TEST

/* tests/integration/test_hostile.py found weir storing bodies whose
 * producer said they were text/plain or protobuf. */
START_TEST(test_content_type)
{
	static const struct {
		const char	*type;
		int		json;
	} cases[] = {
		{ "", 1 }, { "application/json", 1 }, { "APPLICATION/JSON", 1 },
		{ "application/json; charset=utf-8", 1 },
		{ "application/json;charset=UTF-8", 1 },
		{ "application/cloudevents+json", 1 },
		{ "application/vnd.acme.event+JSON; v=2", 1 },
		{ "text/plain", 0 }, { "text/json", 0 },
		{ "application/octet-stream", 0 }, { "application/x-protobuf", 0 },
		{ "application/jsonx", 0 }, { "application/json5", 0 },
		{ "application/+json", 0 }, { "application/a/b+json", 0 },
		{ "json", 0 }, { " application/json", 0 }, { ";", 0 },
	};
	const char		*body = "{\"source\":\"s\",\"type\":\"t\","
	    "\"ts\":60000}";
	struct weir_stage_ctx	ctx = unit_ctx();
	struct weir_input	in = { .body = body, .len = strlen(body) };
	struct weir_event	ev;
	char			detail[WEIR_DETAIL_MAX];

	ck_assert_int_eq(weir_content_type_is_json(NULL, 0), 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in.content_type = cases[i].type;
		in.content_type_len = strlen(cases[i].type);
		ck_assert_msg(weir_pipeline_run(&in, &ev, &ctx, detail, NULL) ==
		    (cases[i].json ? WEIR_OK : WEIR_ERR_CONTENT_TYPE),
		    "content type '%s'", cases[i].type);
		if (!cases[i].json) {
			char *want = unit_strf("content type '%s' is not JSON",
			    cases[i].type);
			ck_assert_str_eq(detail, want);
			free(want);
		}
		weir_event_clear(&ev);
	}
}
END_TEST

/* tests/integration/test_hostile.py found jansson taking a NUL after a
 * number for nothing: "ts":60000<NUL>, was stored. */
START_TEST(test_nul_byte_refused)
{
	static const char	good[] = "{\"source\":\"s\",\"type\":\"t\","
	    "\"ts\":60000,\"value\":1.5}";
	struct weir_stage_ctx	ctx = unit_ctx();
	struct weir_event	ev;
	char			body[sizeof(good) + 1], detail[WEIR_DETAIL_MAX];
	struct weir_input	in = { .body = body, .len = sizeof(good) };

	for (size_t i = 0; i < sizeof(good); i++) {
		memcpy(body, good, i);
		body[i] = '\0';
		memcpy(body + i + 1, good + i, sizeof(good) - 1 - i);
		ck_assert_msg(weir_pipeline_run(&in, &ev, &ctx, detail, NULL) ==
		    WEIR_ERR_INVALID_JSON, "NUL at %zu accepted", i);
		weir_event_clear(&ev);
	}
	ck_assert_str_eq(detail, "NUL byte at byte 48");
}
END_TEST

START_TEST(test_reuse_event_after_clear)
{
	struct weir_event	ev;
	char			detail[WEIR_DETAIL_MAX];

	ck_assert_int_eq(unit_run("{\"source\":\"a\",\"type\":\"t\",\"ts\":1,"
	    "\"value\":3}", &ev, detail), WEIR_OK);
	ck_assert_int_eq(ev.has_value, 1);
	weir_event_clear(&ev);
	ck_assert_int_eq(unit_run("{\"source\":\"b\",\"type\":\"t\",\"ts\":2}",
	    &ev, detail), WEIR_OK);
	ck_assert_int_eq(ev.has_value, 0);
	ck_assert_int_eq(ev.ts_ms, 2);
	ck_assert_int_eq(memcmp(ev.source, "b", 1), 0);
	weir_event_clear(&ev);
	/* Clearing twice is harmless. */
	weir_event_clear(&ev);
}
END_TEST

Suite *
pipeline_suite(void)
{
	Suite	*s = suite_create("pipeline");
	TCase	*tc = tcase_create("runner");

	tcase_add_test(tc, test_stage_order);
	tcase_add_test(tc, test_stops_at_decode_failure);
	tcase_add_test(tc, test_stops_at_validate_failure);
	tcase_add_test(tc, test_stops_at_normalise_failure);
	tcase_add_test(tc, test_stage_ns_accumulates);
	tcase_add_test(tc, test_stage_ns_null_ok);
	tcase_add_test(tc, test_valid_end_to_end);
	tcase_add_test(tc, test_ids_from_transport);
	tcase_add_test(tc, test_reuse_event_after_clear);
	tcase_add_test(tc, test_content_type);
	tcase_add_test(tc, test_nul_byte_refused);
	suite_add_tcase(s, tc);
	return (s);
}
