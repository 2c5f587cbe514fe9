/* test_validate.c - every rule of docs/design.md's "Event message" table.
 * Each test feeds one body through the pipeline and checks the exact
 * reason code (the public string from reason.c) and a non-empty detail. */
#include <stdlib.h>
#include <string.h>

#include "base/reason.h"
#include "unit.h"

#define BASE	"\"source\":\"s\",\"type\":\"t\",\"ts\":1700000000000"

static void
expect_code_ctx(const char *body, size_t len, const struct weir_stage_ctx *ctx,
    const char *code)
{
	struct weir_event	ev;
	char			detail[WEIR_DETAIL_MAX];
	enum weir_reason	r;

	memset(detail, 'x', sizeof(detail));
	r = unit_run_len(body, len, ctx, &ev, detail);
	ck_assert_msg(strcmp(weir_reason_code(r), code) == 0,
	    "reason %s, want %s (detail: %.*s) for body %.120s%s",
	    weir_reason_code(r), code, WEIR_DETAIL_MAX - 1, detail, body,
	    len > 120 ? "..." : "");
	if (strcmp(code, "ok") == 0) {
		ck_assert_str_eq(detail, "");
	} else {
		ck_assert_ptr_nonnull(memchr(detail, '\0', WEIR_DETAIL_MAX));
		ck_assert_msg(detail[0] != '\0', "empty detail for %s", code);
	}
	weir_event_clear(&ev);
}

static void
expect_code(const char *body, const char *code)
{
	struct weir_stage_ctx	ctx = unit_ctx();

	expect_code_ctx(body, strlen(body), &ctx, code);
}

/* The body {BASE,<extra>} with `extra` inserted. */
static void
expect_with(const char *extra, const char *code)
{
	char	*body = unit_strf("{" BASE ",%s}", extra);

	expect_code(body, code);
	free(body);
}

/* {"source":<v>,"type":"t","ts":...} and friends. */
static void
expect_field(const char *field, const char *json_value, const char *code)
{
	char	*body;

	if (strcmp(field, "source") == 0)
		body = unit_strf("{\"source\":%s,\"type\":\"t\","
		    "\"ts\":1700000000000}", json_value);
	else if (strcmp(field, "type") == 0)
		body = unit_strf("{\"source\":\"s\",\"type\":%s,"
		    "\"ts\":1700000000000}", json_value);
	else if (strcmp(field, "ts") == 0)
		body = unit_strf("{\"source\":\"s\",\"type\":\"t\",\"ts\":%s}",
		    json_value);
	else
		body = unit_strf("{" BASE ",\"%s\":%s}", field, json_value);
	expect_code(body, code);
	free(body);
}

/* `n` nested containers, `data` itself being the first: objects
 * {"a":{"a":...{<leaf>}}}; the innermost holds `leaf` (may be ""). */
static char *
nested_objects(int n, const char *leaf)
{
	char	*open = unit_repeat("{\"a\":", (size_t)n - 1);
	char	*close = unit_repeat("}", (size_t)n - 1);
	char	*s = unit_strf("{" BASE ",\"data\":%s{%s}%s}", open, leaf,
	    close);

	free(open);
	free(close);
	return (s);
}

/* data = {"a":[[...[<leaf>]...]]}: one object and n-1 arrays. */
static char *
nested_arrays(int n, const char *leaf)
{
	char	*open = unit_repeat("[", (size_t)n - 1);
	char	*close = unit_repeat("]", (size_t)n - 1);
	char	*s = unit_strf("{" BASE ",\"data\":{\"a\":%s%s%s}}", open, leaf,
	    close);

	free(open);
	free(close);
	return (s);
}

/* A valid body of exactly `len` bytes, padded with a "pad" field. */
static char *
body_of_len(size_t len)
{
	const char	*head = "{" BASE ",\"pad\":\"";
	const char	*tail = "\"}";
	size_t		fixed = strlen(head) + strlen(tail);
	char		*pad, *s;

	ck_assert_uint_ge(len, fixed);
	pad = unit_repeat("p", len - fixed);
	s = unit_strf("%s%s%s", head, pad, tail);
	free(pad);
	ck_assert_uint_eq(strlen(s), len);
	return (s);
}

/* ---- the valid baseline ------------------------------------------- */

START_TEST(test_minimal_valid)
{
	expect_code("{" BASE "}", "ok");
	expect_code("{\"id\":\"e-1\"," BASE ",\"value\":1.5,\"data\":{}}",
	    "ok");
}
END_TEST

/* ---- size and syntax (decode) ------------------------------------- */

START_TEST(test_too_large)
{
	struct weir_stage_ctx	ctx = unit_ctx();
	char			*at = body_of_len(UNIT_MAX_BYTES);
	char			*over = body_of_len(UNIT_MAX_BYTES + 1);

	expect_code_ctx(at, strlen(at), &ctx, "ok");
	expect_code_ctx(over, strlen(over), &ctx, "too_large");
	/* The limit is checked before parsing: garbage over it is too_large. */
	memset(over, '#', strlen(over));
	expect_code_ctx(over, strlen(over), &ctx, "too_large");
	free(at);
	free(over);
}
END_TEST

START_TEST(test_too_large_small_limit)
{
	struct weir_stage_ctx	ctx = unit_ctx();
	char			*b64 = body_of_len(64);
	char			*b65 = body_of_len(65);

	ctx.max_message_bytes = 64;
	expect_code_ctx(b64, 64, &ctx, "ok");
	expect_code_ctx(b65, 65, &ctx, "too_large");
	free(b64);
	free(b65);
}
END_TEST

START_TEST(test_invalid_json_syntax)
{
	expect_code("", "invalid_json");
	expect_code("{", "invalid_json");
	expect_code("{" BASE, "invalid_json");
	expect_code("{" BASE "} trailing", "invalid_json");
	expect_code("{'source':'s'}", "invalid_json");
	expect_code("{" BASE ",}", "invalid_json");
}
END_TEST

START_TEST(test_invalid_utf8)
{
	expect_code("{\"source\":\"\xff\",\"type\":\"t\",\"ts\":0}",
	    "invalid_json");
	expect_code("{\"source\":\"ab\xc3\",\"type\":\"t\",\"ts\":0}",
	    "invalid_json");
	/* Overlong '/' and a UTF-16 surrogate encoded in UTF-8. */
	expect_code("{\"source\":\"\xc0\xaf\",\"type\":\"t\",\"ts\":0}",
	    "invalid_json");
	expect_code("{\"source\":\"\xed\xa0\x80\",\"type\":\"t\",\"ts\":0}",
	    "invalid_json");
	expect_code("{" BASE ",\"k\xff\":1}", "invalid_json");
	/* A lone surrogate escape and an escaped NUL. */
	expect_with("\"note\":\"\\ud800\"", "invalid_json");
	expect_with("\"note\":\"a\\u0000b\"", "invalid_json");
}
END_TEST

START_TEST(test_duplicate_keys)
{
	expect_code("{" BASE ",\"source\":\"other\"}", "invalid_json");
	expect_with("\"data\":{\"k\":1,\"k\":2}", "invalid_json");
}
END_TEST

START_TEST(test_not_object_array)
{
	expect_code("[]", "not_object");
	expect_code("[{" BASE "}]", "not_object");
}
END_TEST

/* ---- id ----------------------------------------------------------- */

START_TEST(test_id_boundaries)
{
	char	*id128 = unit_repeat("i", 128);
	char	*id129 = unit_repeat("i", 129);
	char	*ok = unit_strf("\"id\":\"%s\"", id128);
	char	*bad = unit_strf("\"id\":\"%s\"", id129);

	expect_with(ok, "ok");
	expect_with(bad, "invalid_field:id");
	free(id128);
	free(id129);
	free(ok);
	free(bad);
}
END_TEST

START_TEST(test_id_not_printable)
{
	expect_with("\"id\":\"a\\tb\"", "invalid_field:id");
	expect_with("\"id\":\"a\\u007fb\"", "invalid_field:id");
	expect_with("\"id\":\"caf\xc3\xa9\"", "invalid_field:id");
	expect_with("\"id\":\"line\\n\"", "invalid_field:id");
}
END_TEST

START_TEST(test_id_empty_or_not_string)
{
	expect_with("\"id\":\"\"", "invalid_field:id");
	expect_with("\"id\":5", "invalid_field:id");
	expect_with("\"id\":null", "invalid_field:id");
	expect_with("\"id\":[\"a\"]", "invalid_field:id");
}
END_TEST

/* ---- source ------------------------------------------------------- */

START_TEST(test_source_missing)
{
	expect_code("{\"type\":\"t\",\"ts\":1700000000000}",
	    "missing_field:source");
}
END_TEST

START_TEST(test_source_not_string)
{
	expect_field("source", "17", "invalid_field:source");
	expect_field("source", "null", "invalid_field:source");
	expect_field("source", "{\"a\":1}", "invalid_field:source");
}
END_TEST

START_TEST(test_source_empty)
{
	expect_field("source", "\"\"", "invalid_field:source");
}
END_TEST

START_TEST(test_source_128_ascii)
{
	char	*s128 = unit_repeat("s", 128), *s129 = unit_repeat("s", 129);
	char	*v128 = unit_strf("\"%s\"", s128);
	char	*v129 = unit_strf("\"%s\"", s129);

	expect_field("source", v128, "ok");
	expect_field("source", v129, "invalid_field:source");
	free(s128);
	free(s129);
	free(v128);
	free(v129);
}
END_TEST

START_TEST(test_source_128_multibyte)
{
	/* 128 characters are 256 (é) or 512 (U+1F600) bytes: still valid. */
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80" };

	for (size_t i = 0; i < 3; i++) {
		char	*s128 = unit_repeat(chars[i], 128);
		char	*s129 = unit_repeat(chars[i], 129);
		char	*v128 = unit_strf("\"%s\"", s128);
		char	*v129 = unit_strf("\"%s\"", s129);

		expect_field("source", v128, "ok");
		expect_field("source", v129, "invalid_field:source");
		free(s128);
		free(s129);
		free(v128);
		free(v129);
	}
}
END_TEST

START_TEST(test_source_multibyte_len_kept)
{
	struct weir_event	ev;
	char			detail[WEIR_DETAIL_MAX];
	char			*s = unit_repeat("\xc3\xa9", 128);
	char			*body = unit_strf("{\"source\":\"%s\","
	    "\"type\":\"t\",\"ts\":1700000000000}", s);

	ck_assert_int_eq(unit_run(body, &ev, detail), WEIR_OK);
	ck_assert_uint_eq(ev.source_len, 256);
	ck_assert_int_eq(memcmp(ev.source, s, 256), 0);
	weir_event_clear(&ev);
	free(s);
	free(body);
}
END_TEST

/* ---- type --------------------------------------------------------- */

START_TEST(test_type_missing)
{
	expect_code("{\"source\":\"s\",\"ts\":1700000000000}",
	    "missing_field:type");
}
END_TEST

START_TEST(test_type_not_string)
{
	expect_field("type", "1.5", "invalid_field:type");
	expect_field("type", "false", "invalid_field:type");
	expect_field("type", "[]", "invalid_field:type");
}
END_TEST

START_TEST(test_type_empty)
{
	expect_field("type", "\"\"", "invalid_field:type");
}
END_TEST

START_TEST(test_type_64)
{
	char	*t64 = unit_repeat("t", 64), *t65 = unit_repeat("t", 65);
	char	*m64 = unit_repeat("\xc3\xa9", 64);
	char	*m65 = unit_repeat("\xc3\xa9", 65);
	char	*v;

	expect_field("type", (v = unit_strf("\"%s\"", t64)), "ok");
	free(v);
	expect_field("type", (v = unit_strf("\"%s\"", t65)),
	    "invalid_field:type");
	free(v);
	expect_field("type", (v = unit_strf("\"%s\"", m64)), "ok");
	free(v);
	expect_field("type", (v = unit_strf("\"%s\"", m65)),
	    "invalid_field:type");
	free(v);
	free(t64);
	free(t65);
	free(m64);
	free(m65);
}
END_TEST

/* ---- ts ----------------------------------------------------------- */

START_TEST(test_ts_missing)
{
	expect_code("{\"source\":\"s\",\"type\":\"t\"}", "missing_field:ts");
}
END_TEST

START_TEST(test_ts_rfc3339_forms_accepted)
{
	expect_field("ts", "\"2023-11-14T22:13:20Z\"", "ok");
	expect_field("ts", "\"2023-11-14T23:13:20.5+01:00\"", "ok");
	expect_field("ts", "\"1970-01-01T00:00:00Z\"", "ok");
	expect_field("ts", "0", "ok");
}
END_TEST

START_TEST(test_ts_float)
{
	expect_field("ts", "1700000000000.0", "bad_timestamp");
	expect_field("ts", "1.7e12", "bad_timestamp");
	expect_field("ts", "1700000000000.5", "bad_timestamp");
}
END_TEST

START_TEST(test_ts_rfc3339_without_offset)
{
	expect_field("ts", "\"2023-11-14T22:13:20\"", "bad_timestamp");
	expect_field("ts", "\"2023-11-14T22:13:20.123\"", "bad_timestamp");
}
END_TEST

START_TEST(test_ts_other_types_and_garbage)
{
	expect_field("ts", "\"yesterday\"", "bad_timestamp");
	expect_field("ts", "\"1700000000000\"", "bad_timestamp");
	expect_field("ts", "\"2023-02-29T00:00:00Z\"", "bad_timestamp");
	expect_field("ts", "true", "bad_timestamp");
	expect_field("ts", "null", "bad_timestamp");
	expect_field("ts", "{}", "bad_timestamp");
}
END_TEST

START_TEST(test_ts_before_1970)
{
	expect_field("ts", "-1", "timestamp_out_of_range");
	expect_field("ts", "\"1969-12-31T23:59:59.999Z\"",
	    "timestamp_out_of_range");
	/* Local 1970-01-01 00:30 at +01:00 is 1969 in UTC. */
	expect_field("ts", "\"1970-01-01T00:30:00+01:00\"",
	    "timestamp_out_of_range");
}
END_TEST

START_TEST(test_ts_beyond_skew)
{
	/* now = 2023-11-14T22:13:20Z, skew = 86400 s. */
	expect_field("ts", "1700086400000", "ok");
	expect_field("ts", "1700086400001", "timestamp_out_of_range");
	expect_field("ts", "\"2023-11-15T22:13:20Z\"", "ok");
	expect_field("ts", "\"2023-11-15T22:13:20.001Z\"",
	    "timestamp_out_of_range");
	expect_field("ts", "\"2023-11-15T23:13:20.001+01:00\"",
	    "timestamp_out_of_range");
}
END_TEST

START_TEST(test_ts_beyond_year_9999)
{
	struct weir_stage_ctx	ctx = unit_ctx();
	const char		*ok = "{" "\"source\":\"s\",\"type\":\"t\","
	    "\"ts\":253402300799999}";
	const char		*bad = "{" "\"source\":\"s\",\"type\":\"t\","
	    "\"ts\":253402300800000}";

	ctx.max_future_skew_ms = INT64_C(1) << 52;
	expect_code_ctx(ok, strlen(ok), &ctx, "ok");
	expect_code_ctx(bad, strlen(bad), &ctx, "timestamp_out_of_range");
}
END_TEST

START_TEST(test_ts_integer_overflow)
{
	expect_field("ts", "99999999999999999999", "invalid_json");
}
END_TEST

/* ---- value -------------------------------------------------------- */

START_TEST(test_value_numbers_ok)
{
	struct weir_event	ev;
	char			detail[WEIR_DETAIL_MAX];

	ck_assert_int_eq(unit_run("{" BASE ",\"value\":7}", &ev, detail),
	    WEIR_OK);
	ck_assert_int_eq(ev.has_value, 1);
	ck_assert_double_eq(ev.value, 7.0);
	weir_event_clear(&ev);
	ck_assert_int_eq(unit_run("{" BASE ",\"value\":-2.5e-3}", &ev, detail),
	    WEIR_OK);
	ck_assert_double_eq(ev.value, -2.5e-3);
	weir_event_clear(&ev);
	ck_assert_int_eq(unit_run("{" BASE "}", &ev, detail), WEIR_OK);
	ck_assert_int_eq(ev.has_value, 0);
	weir_event_clear(&ev);
}
END_TEST

START_TEST(test_value_nan_infinity)
{
	/* jansson has no NaN/Infinity literals and rejects overflowing reals,
	 * so a non-finite value can only arrive as invalid JSON. */
	expect_with("\"value\":NaN", "invalid_json");
	expect_with("\"value\":Infinity", "invalid_json");
	expect_with("\"value\":-Infinity", "invalid_json");
	expect_with("\"value\":1e400", "invalid_json");
	expect_with("\"value\":-1e400", "invalid_json");
}
END_TEST

START_TEST(test_value_string)
{
	expect_with("\"value\":\"12\"", "invalid_field:value");
	expect_with("\"value\":\"NaN\"", "invalid_field:value");
}
END_TEST

START_TEST(test_value_other_types)
{
	expect_with("\"value\":true", "invalid_field:value");
	expect_with("\"value\":null", "invalid_field:value");
	expect_with("\"value\":[1]", "invalid_field:value");
	expect_with("\"value\":{\"v\":1}", "invalid_field:value");
}
END_TEST

/* ---- data --------------------------------------------------------- */

START_TEST(test_data_not_object)
{
	expect_with("\"data\":[]", "invalid_field:data");
	expect_with("\"data\":\"x\"", "invalid_field:data");
	expect_with("\"data\":5", "invalid_field:data");
	expect_with("\"data\":null", "invalid_field:data");
}
END_TEST

START_TEST(test_data_depth_32_ok)
{
	char	*b = nested_objects(32, "\"k\":1");

	expect_code(b, "ok");
	free(b);
	b = nested_arrays(32, "1");
	expect_code(b, "ok");
	free(b);
	/* 32 levels whose innermost container is empty. */
	b = nested_objects(32, "");
	expect_code(b, "ok");
	free(b);
	b = nested_arrays(32, "");
	expect_code(b, "ok");
	free(b);
}
END_TEST

START_TEST(test_data_depth_33_too_deep)
{
	char	*b = nested_objects(33, "\"k\":1");

	expect_code(b, "too_deep");
	free(b);
	b = nested_arrays(33, "1");
	expect_code(b, "too_deep");
	free(b);
}
END_TEST

START_TEST(test_other_field_depth_limited)
{
	/* The limit applies to every top-level field, not only `data`. */
	char	*open = unit_repeat("[", 33), *close = unit_repeat("]", 33);
	char	*extra = unit_strf("\"deep\":%s1%s", open, close);

	expect_with(extra, "too_deep");
	free(open);
	free(close);
	free(extra);
}
END_TEST

START_TEST(test_empty_key)
{
	expect_with("\"data\":{\"\":1}", "invalid_key");
	expect_with("\"data\":{\"a\":{\"\":1}}", "invalid_key");
	expect_with("\"\":1", "invalid_key");
}
END_TEST

START_TEST(test_dollar_key)
{
	expect_with("\"data\":{\"$set\":1}", "invalid_key");
	expect_with("\"data\":{\"a\":[{\"$where\":1}]}", "invalid_key");
	expect_with("\"$x\":1", "invalid_key");
	/* Only a leading '$' is forbidden. */
	expect_with("\"data\":{\"a$b\":1,\"price$\":2}", "ok");
}
END_TEST

START_TEST(test_reserved_fields)
{
	expect_with("\"_id\":\"x\"", "reserved_field");
	expect_with("\"processor\":\"p\"", "reserved_field");
	expect_with("\"received_at\":1", "reserved_field");
	expect_with("\"processed_at\":1", "reserved_field");
	/* Inside data the names are free. */
	expect_with("\"data\":{\"_id\":1,\"processor\":2}", "ok");
}
END_TEST

/* ---- SRC BUGS: these fail until src/ is fixed (tag "regression") -------- */

/*
 * SRC BUG, src/pipeline/stage_validate.c check_tree() (line 61, called at line 153):
 * the limit is applied to the depth of *values*, with max_depth = 33, so a
 * scalar at depth 34 is rejected but an empty container at depth 33 is not.
 * data = 33 nested objects ending in {"k":1} -> too_deep (correct), but the
 * same 33 nested objects ending in {} -> ok. Nesting depth is the number of
 * nested containers; both have 33 and must be too_deep.
 */
START_TEST(regression_data_depth_33_empty_innermost)
{
	char	*b = nested_objects(33, "");

	expect_code(b, "too_deep");
	free(b);
	b = nested_arrays(33, "");
	expect_code(b, "too_deep");
	free(b);
}
END_TEST

/*
 * SRC BUG (low severity), src/pipeline/stage_decode.c line 18: json_loadb() is called
 * without JSON_DECODE_ANY, so a body that is valid JSON but a scalar
 * (42, "s", null, true) is reported as invalid_json ("'[' or '{' expected")
 * instead of not_object, the code that exists for exactly this case; only
 * a top-level array reaches not_object today.
 */
START_TEST(regression_top_level_scalar_not_object)
{
	expect_code("42", "not_object");
	expect_code("\"s\"", "not_object");
	expect_code("null", "not_object");
	expect_code("true", "not_object");
}
END_TEST

Suite *
validate_suite(void)
{
	Suite	*s = suite_create("validate");
	TCase	*tc;

	tc = tcase_create("decode");
	tcase_add_test(tc, test_minimal_valid);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_too_large_small_limit);
	tcase_add_test(tc, test_invalid_json_syntax);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_not_object_array);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_test(tc, test_id_boundaries);
	tcase_add_test(tc, test_id_not_printable);
	tcase_add_test(tc, test_id_empty_or_not_string);
	tcase_add_test(tc, test_source_missing);
	tcase_add_test(tc, test_source_not_string);
	tcase_add_test(tc, test_source_empty);
	tcase_add_test(tc, test_source_128_ascii);
	tcase_add_test(tc, test_source_128_multibyte);
	tcase_add_test(tc, test_source_multibyte_len_kept);
	tcase_add_test(tc, test_type_missing);
	tcase_add_test(tc, test_type_not_string);
	tcase_add_test(tc, test_type_empty);
	tcase_add_test(tc, test_type_64);
	tcase_add_test(tc, test_value_numbers_ok);
	tcase_add_test(tc, test_value_nan_infinity);
	tcase_add_test(tc, test_value_string);
	tcase_add_test(tc, test_value_other_types);
	tcase_add_test(tc, test_data_not_object);
	tcase_add_test(tc, test_data_depth_32_ok);
	tcase_add_test(tc, test_data_depth_33_too_deep);
	tcase_add_test(tc, test_other_field_depth_limited);
	tcase_add_test(tc, test_empty_key);
	tcase_add_test(tc, test_dollar_key);
	tcase_add_test(tc, test_reserved_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("ts");
	tcase_add_test(tc, test_ts_missing);
	tcase_add_test(tc, test_ts_rfc3339_forms_accepted);
	tcase_add_test(tc, test_ts_float);
	tcase_add_test(tc, test_ts_rfc3339_without_offset);
	tcase_add_test(tc, test_ts_other_types_and_garbage);
	tcase_add_test(tc, test_ts_before_1970);
	tcase_add_test(tc, test_ts_beyond_skew);
	tcase_add_test(tc, test_ts_beyond_year_9999);
	tcase_add_test(tc, test_ts_integer_overflow);
	suite_add_tcase(s, tc);

	/* Known src/ bugs; CK_EXCLUDE_TAGS=regression leaves them out. */
	tc = tcase_create("regressions");
	tcase_set_tags(tc, "regression");
	tcase_add_test(tc, regression_data_depth_33_empty_innermost);
	tcase_add_test(tc, regression_top_level_scalar_not_object);
	suite_add_tcase(s, tc);
	return (s);
}
