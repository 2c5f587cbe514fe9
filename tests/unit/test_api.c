/* test_api.c - the API's pure parts: query parameters, cursors, tokens,
 * POST bodies, rollups and problem documents. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api_auth.h"
#include "api/api_ingest.h"
#include "api/api_json.h"
#include "api/api_params.h"
#include "api/problem.h"
#include "unit.h"

static int
parse(enum weir_api_op op, const char *qs, struct weir_api_query *q,
    struct weir_api_error *e)
{
	return (weir_api_parse_query(op, qs, q, e));
}

START_TEST(test_query_defaults)
{
	struct weir_api_query	q;
	struct weir_api_error	e;

	ck_assert_int_eq(parse(WEIR_API_OP_EVENTS, NULL, &q, &e), 0);
	ck_assert_int_eq(q.limit, 100);
	ck_assert(!q.has_source && !q.has_type && !q.has_from && !q.has_to);
	ck_assert_int_eq(parse(WEIR_API_OP_AGGREGATES, "", &q, &e), 0);
	ck_assert_str_eq(q.window, "1m");
	ck_assert_int_eq(q.window_ms, 60000);
}
END_TEST

START_TEST(test_query_filters)
{
	struct weir_api_query	q;
	struct weir_api_error	e;

	ck_assert_int_eq(parse(WEIR_API_OP_EVENTS, "source=sensor%2D1&type="
	    "temp+c&from=2023-11-14T22:13:20Z&to=1700000060000&limit=1000",
	    &q, &e), 0);
	ck_assert_str_eq(q.source, "sensor-1");
	ck_assert_str_eq(q.type, "temp c");
	ck_assert_int_eq(q.from_ms, 1700000000000LL);
	ck_assert_int_eq(q.to_ms, 1700000060000LL);
	ck_assert_int_eq(q.limit, 1000);
	ck_assert_int_eq(parse(WEIR_API_OP_AGGREGATES, "window=1d&source=%C3%A9",
	    &q, &e), 0);
	ck_assert_int_eq(q.window_ms, 86400000LL);
	ck_assert_str_eq(q.source, "\xc3\xa9");
}
END_TEST

static void
expect_error(enum weir_api_op op, const char *qs, const char *field)
{
	struct weir_api_query	q;
	struct weir_api_error	e;

	ck_assert_msg(parse(op, qs, &q, &e) == -1, "'%s' was accepted", qs);
	ck_assert_msg(strcmp(e.field, field) == 0, "'%s': field '%s', want "
	    "'%s'", qs, e.field, field);
	ck_assert_msg(e.rule[0] != '\0', "'%s': no rule", qs);
}

START_TEST(test_query_errors)
{
	char	*a129 = unit_repeat("a", 129);
	char	*long_source = unit_strf("source=%s", a129);

	expect_error(WEIR_API_OP_EVENTS, "limit=0", "limit");
	expect_error(WEIR_API_OP_EVENTS, "limit=1001", "limit");
	expect_error(WEIR_API_OP_EVENTS, "limit=-1", "limit");
	expect_error(WEIR_API_OP_EVENTS, "limit=1e2", "limit");
	expect_error(WEIR_API_OP_EVENTS, "limit=", "limit");
	expect_error(WEIR_API_OP_EVENTS, "limit=5&limit=6", "limit");
	expect_error(WEIR_API_OP_EVENTS, "source=", "source");
	expect_error(WEIR_API_OP_EVENTS, long_source, "source");
	expect_error(WEIR_API_OP_EVENTS, "source=%00", "source");
	expect_error(WEIR_API_OP_EVENTS, "source=%ff", "source");
	expect_error(WEIR_API_OP_EVENTS, "source=%0a", "source");
	expect_error(WEIR_API_OP_EVENTS, "source=%zz", "source");
	expect_error(WEIR_API_OP_EVENTS, "source=%4", "source");
	expect_error(WEIR_API_OP_EVENTS, "from=yesterday", "from");
	expect_error(WEIR_API_OP_EVENTS, "from=2023-11-14T22:13:20", "from");
	expect_error(WEIR_API_OP_EVENTS, "to=9999999999999999", "to");
	expect_error(WEIR_API_OP_EVENTS, "from=2000&to=1000", "from");
	expect_error(WEIR_API_OP_EVENTS, "from=1000&to=1000", "from");
	expect_error(WEIR_API_OP_EVENTS, "cursor=!!", "cursor");
	expect_error(WEIR_API_OP_EVENTS, "window=5m", "window");
	expect_error(WEIR_API_OP_EVENTS, "bogus=1", "bogus");
	expect_error(WEIR_API_OP_AGGREGATES, "window=2m", "window");
	expect_error(WEIR_API_OP_AGGREGATES, "limit=5", "limit");
	expect_error(WEIR_API_OP_NONE, "x", "x");
	free(long_source);
	free(a129);
}
END_TEST

START_TEST(test_url_decode)
{
	char	out[16];
	size_t	n;

	ck_assert_int_eq(weir_api_url_decode("a+b%2B%2f", 9, 1, out,
	    sizeof(out), &n), 0);
	ck_assert_str_eq(out, "a b+/");
	ck_assert_int_eq(weir_api_url_decode("a+b", 3, 0, out, sizeof(out),
	    &n), 0);
	ck_assert_str_eq(out, "a+b");
	ck_assert_int_eq(weir_api_url_decode("%", 1, 0, out, sizeof(out), &n),
	    -1);
	ck_assert_int_eq(weir_api_url_decode("%0", 2, 0, out, sizeof(out), &n),
	    -1);
	ck_assert_int_eq(weir_api_url_decode("a%00", 4, 0, out, sizeof(out),
	    &n), -1);
	ck_assert_int_eq(weir_api_url_decode("0123456789abcdef", 16, 0, out,
	    sizeof(out), &n), -1);
	ck_assert_int_eq(weir_api_url_decode("0123456789abcde", 15, 0, out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 15);
}
END_TEST

START_TEST(test_cursor_roundtrip)
{
	const char	*ids[] = { "a", "ab", "abc", "order 17/\"x\"~:%",
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    NULL };
	char		*id128 = unit_repeat("~", 128), buf[WEIR_CURSOR_MAX];
	char		id[WEIR_ID_MAX + 1];
	int64_t		ts;

	for (int i = 0; ids[i] != NULL; i++) {
		ck_assert_uint_gt(weir_cursor_encode(1700000000123LL, ids[i], buf,
		    sizeof(buf)), 0);
		ck_assert_uint_eq(strspn(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
		    "ghijklmnopqrstuvwxyz0123456789-_"), strlen(buf));
		ck_assert_int_eq(weir_cursor_decode(buf, strlen(buf), &ts, id), 0);
		ck_assert_int_eq(ts, 1700000000123LL);
		ck_assert_str_eq(id, ids[i]);
	}
	ck_assert_uint_gt(weir_cursor_encode(0, id128, buf, sizeof(buf)), 0);
	ck_assert_uint_lt(strlen(buf), 201);
	ck_assert_int_eq(weir_cursor_decode(buf, strlen(buf), &ts, id), 0);
	ck_assert_int_eq(ts, 0);
	ck_assert_str_eq(id, id128);
	free(id128);
}
END_TEST

START_TEST(test_cursor_rejects)
{
	char	id[WEIR_ID_MAX + 1];
	int64_t	ts;

	/* "12:" (no id), "x:a", ":a", "012:a", "12a" and a bad padding bit. */
	ck_assert_int_eq(weir_cursor_decode("MTI6", 4, &ts, id), -1);
	ck_assert_int_eq(weir_cursor_decode("eDph", 4, &ts, id), -1);
	ck_assert_int_eq(weir_cursor_decode("OmE", 3, &ts, id), -1);
	ck_assert_int_eq(weir_cursor_decode("MDEyOmE", 7, &ts, id), -1);
	ck_assert_int_eq(weir_cursor_decode("MTJh", 4, &ts, id), -1);
	ck_assert_int_eq(weir_cursor_decode("MTI6YR", 6, &ts, id), -1);
	ck_assert_int_eq(weir_cursor_decode("MTI6YQ", 6, &ts, id), 0);
	ck_assert_str_eq(id, "a");
	ck_assert_int_eq(weir_cursor_decode("", 0, &ts, id), -1);
	ck_assert_int_eq(weir_cursor_decode("M", 1, &ts, id), -1);
	ck_assert_int_eq(weir_cursor_decode("MTI6YQ==", 8, &ts, id), -1);
}
END_TEST

START_TEST(test_tokens)
{
	const char		text[] = "# comment\n\nabcdefghijklmnop\r\n"
	    "0123456789abcdef0123\n";
	struct weir_tokens	t;
	char			err[256];

	ck_assert_int_eq(weir_tokens_parse(&t, text, sizeof(text) - 1, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(weir_tokens_check(&t, "Bearer abcdefghijklmnop"), 1);
	ck_assert_int_eq(weir_tokens_check(&t, "bearer 0123456789abcdef0123"),
	    1);
	ck_assert_int_eq(weir_tokens_check(&t, "Bearer abcdefghijklmno"), 0);
	ck_assert_int_eq(weir_tokens_check(&t, "Bearer abcdefghijklmnopq"), 0);
	ck_assert_int_eq(weir_tokens_check(&t, "Basic abcdefghijklmnop"), 0);
	ck_assert_int_eq(weir_tokens_check(&t, "Bearer "), 0);
	ck_assert_int_eq(weir_tokens_check(&t, NULL), 0);
	ck_assert_int_eq(weir_tokens_parse(&t, "short\n", 6, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "line 1"));
	ck_assert_int_eq(weir_tokens_parse(&t, "# x\nabcdefghijklmnop q\n", 23,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "line 2"));
	ck_assert_int_eq(weir_tokens_parse(&t, "#only\n", 6, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(weir_token_equal("abc", 3, "abc", 3), 1);
	ck_assert_int_eq(weir_token_equal("abc", 3, "abd", 3), 0);
	ck_assert_int_eq(weir_token_equal("abc", 3, "abc", 2), 0);
}
END_TEST

static enum weir_ingest_result
ingest(const char *body, struct weir_ingest *in, struct weir_api_error *e)
{
	struct weir_stage_ctx	ctx = unit_ctx();

	return (weir_ingest_parse(body, strlen(body), &ctx, in, e));
}

START_TEST(test_ingest_one_and_batch)
{
	struct weir_ingest	in;
	struct weir_api_error	e;

	ck_assert_int_eq(ingest("{\"id\":\"x1\",\"source\":\"s\",\"type\":\"t\","
	    "\"ts\":1700000000000,\"value\":1.5}", &in, &e), WEIR_INGEST_OK);
	ck_assert_uint_eq(in.n, 1);
	ck_assert_str_eq(in.items[0].id, "x1");
	ck_assert_str_eq(in.items[0].routing_key, "t");
	weir_ingest_free(&in);
	ck_assert_int_eq(ingest("[{\"source\":\"s\",\"type\":\"t\",\"ts\":1},"
	    "{\"source\":\"s\",\"type\":\"u\",\"ts\":\"2023-11-14T22:13:20Z\"}]",
	    &in, &e), WEIR_INGEST_OK);
	ck_assert_uint_eq(in.n, 2);
	/* Without an id: the SHA-256 of exactly the bytes published. */
	ck_assert_uint_eq(strlen(in.items[0].id), 64);
	ck_assert_str_eq(in.items[0].body,
	    "{\"source\":\"s\",\"type\":\"t\",\"ts\":1}");
	weir_ingest_free(&in);
}
END_TEST

START_TEST(test_ingest_rejects)
{
	struct weir_ingest	in;
	struct weir_api_error	e;
	json_t			*r;

	ck_assert_int_eq(ingest("[{\"source\":\"s\",\"type\":\"t\",\"ts\":1},"
	    "{\"type\":\"t\",\"ts\":1},{\"source\":\"s\",\"type\":\"t\","
	    "\"ts\":\"soon\"}]", &in, &e), WEIR_INGEST_REJECTED);
	ck_assert_uint_eq(in.n_rejected, 2);
	r = json_array_get(in.rejected, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "index")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "reason")),
	    "missing_field:source");
	ck_assert_str_eq(json_string_value(json_object_get(r, "field")),
	    "source");
	r = json_array_get(in.rejected, 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "field")), "ts");
	weir_ingest_free(&in);
	ck_assert_int_eq(ingest("{", &in, &e), WEIR_INGEST_BAD_BODY);
	ck_assert_str_eq(e.field, "body");
	weir_ingest_free(&in);
	ck_assert_int_eq(ingest("[]", &in, &e), WEIR_INGEST_BAD_BODY);
	weir_ingest_free(&in);
	ck_assert_int_eq(ingest("\"x\"", &in, &e), WEIR_INGEST_BAD_BODY);
	weir_ingest_free(&in);
	ck_assert_int_eq(ingest("{\"a\":1,\"a\":2}", &in, &e),
	    WEIR_INGEST_BAD_BODY);
	weir_ingest_free(&in);
	ck_assert_int_eq(ingest("[1]", &in, &e), WEIR_INGEST_REJECTED);
	weir_ingest_free(&in);
}
END_TEST

START_TEST(test_ingest_limits)
{
	struct weir_ingest	in;
	struct weir_api_error	e;
	char			*body, *items;
	size_t			n;

	items = unit_repeat("{},", 1001);
	n = strlen(items);
	items[n - 1] = ']';
	body = unit_strf("[%s", items);
	free(items);
	ck_assert_int_eq(ingest(body, &in, &e), WEIR_INGEST_TOO_LARGE);
	ck_assert_str_eq(e.field, "body");
	weir_ingest_free(&in);
	free(body);
	body = unit_repeat(" ", WEIR_INGEST_MAX_BYTES + 1);
	ck_assert_int_eq(ingest(body, &in, &e), WEIR_INGEST_TOO_LARGE);
	weir_ingest_free(&in);
	free(body);
}
END_TEST

static struct weir_agg
agg(uint64_t count, double sum, double min, double max, int64_t first)
{
	struct weir_agg	a;

	weir_agg_init(&a);
	a.count = count;
	a.values = count;
	a.sum = sum;
	a.min = min;
	a.max = max;
	a.first_ts_ms = first;
	a.last_ts_ms = first + 59000;
	return (a);
}

START_TEST(test_rollup)
{
	struct weir_rollup	r;
	struct weir_agg		a = agg(2, 3, 1, 2, 0), b = agg(1, 10, 10, 10,
				    60000), c = agg(4, -4, -3, 1, 300000);
	json_t			*rows, *row;

	ck_assert_int_eq(weir_rollup_init(&r, 300000, 10), 0);
	ck_assert_int_eq(weir_rollup_add(&r, "s", "t", 0, &a), 0);
	ck_assert_int_eq(weir_rollup_add(&r, "s", "t", 60000, &b), 0);
	ck_assert_int_eq(weir_rollup_add(&r, "s", "t", 300000, &c), 0);
	ck_assert_int_eq(weir_rollup_add(&r, "s", "u", 60000, &b), 0);
	rows = weir_rollup_finish(&r);
	ck_assert_uint_eq(json_array_size(rows), 3);
	row = json_array_get(rows, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "count")), 3);
	ck_assert(fabs(json_real_value(json_object_get(row, "sum")) - 13) <
	    1e-9);
	ck_assert(fabs(json_real_value(json_object_get(row, "min")) - 1) < 1e-9);
	ck_assert(fabs(json_real_value(json_object_get(row, "max")) - 10) <
	    1e-9);
	ck_assert(fabs(json_real_value(json_object_get(row, "avg")) - 13.0 / 3) <
	    1e-9);
	ck_assert_str_eq(json_string_value(json_object_get(row,
	    "window_start")), "1970-01-01T00:00:00.000Z");
	ck_assert_str_eq(json_string_value(json_object_get(row,
	    "window_end")), "1970-01-01T00:05:00.000Z");
	row = json_array_get(rows, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "count")), 4);
	row = json_array_get(rows, 2);
	ck_assert_str_eq(json_string_value(json_object_get(row, "type")), "u");
	json_decref(rows);
	weir_rollup_free(&r);
}
END_TEST

START_TEST(test_rollup_no_values_and_cap)
{
	struct weir_rollup	r;
	struct weir_agg		a;
	json_t			*rows, *row;

	weir_agg_init(&a);
	a.count = 2;
	ck_assert_int_eq(weir_rollup_init(&r, 60000, 1), 0);
	ck_assert_int_eq(weir_rollup_add(&r, "s", "t", 0, &a), 0);
	rows = weir_rollup_finish(&r);
	row = json_array_get(rows, 0);
	ck_assert(json_is_null(json_object_get(row, "min")));
	ck_assert(json_is_null(json_object_get(row, "avg")));
	json_decref(rows);
	weir_rollup_free(&r);
	ck_assert_int_eq(weir_rollup_init(&r, 60000, 1), 0);
	ck_assert_int_eq(weir_rollup_add(&r, "s", "t", 0, &a), 0);
	ck_assert_int_eq(weir_rollup_add(&r, "s", "t", 60000, &a), 0);
	ck_assert_int_eq(weir_rollup_add(&r, "s", "u", 60000, &a), -1);
	ck_assert_ptr_null(weir_rollup_finish(&r));
	weir_rollup_free(&r);
}
END_TEST

START_TEST(test_problem)
{
	size_t	len;
	char	*s = weir_problem_render(400, "bad", "limit", "cut \xe2\x82",
	    NULL, &len);
	json_t	*o;

	ck_assert_ptr_nonnull(s);
	o = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "status")), 400);
	ck_assert_str_eq(json_string_value(json_object_get(o, "title")),
	    "Bad Request");
	ck_assert_str_eq(json_string_value(json_object_get(o, "field")),
	    "limit");
	ck_assert_str_eq(json_string_value(json_object_get(o, "rule")),
	    "cut ??");
	json_decref(o);
	free(s);
}
END_TEST

START_TEST(test_event_doc_json)
{
	bson_t	doc = BSON_INITIALIZER, sub;
	json_t	*o;

	BSON_APPEND_UTF8(&doc, "_id", "e1");
	BSON_APPEND_DATE_TIME(&doc, "ts", 1700000000123LL);
	BSON_APPEND_INT64(&doc, "big", 1099511627776LL);
	BSON_APPEND_DOCUMENT_BEGIN(&doc, "data", &sub);
	BSON_APPEND_BOOL(&sub, "ok", true);
	bson_append_document_end(&doc, &sub);
	o = weir_event_doc_json(&doc);
	ck_assert_str_eq(json_string_value(json_object_get(o, "id")), "e1");
	ck_assert_ptr_null(json_object_get(o, "_id"));
	ck_assert_str_eq(json_string_value(json_object_get(o, "ts")),
	    "2023-11-14T22:13:20.123Z");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "big")),
	    1099511627776LL);
	ck_assert(json_is_true(json_object_get(json_object_get(o, "data"),
	    "ok")));
	json_decref(o);
	bson_destroy(&doc);
}
END_TEST

/* Reads back what weir_json_double wrote; the bits must be equal. */
static void
assert_round_trip(double v, const char *want)
{
	char	buf[WEIR_JSON_DOUBLE_MAX];
	size_t	n = weir_json_double(v, buf);
	double	back = strtod(buf, NULL);

	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_msg(memcmp(&back, &v, sizeof(v)) == 0,
	    "%.17g printed as %s reads back as %.17g", v, buf, back);
	if (want != NULL)
		ck_assert_str_eq(buf, want);
}

START_TEST(test_json_double_shortest)
{
	double	x = 1.0;

	assert_round_trip(0.58, "0.58");
	assert_round_trip(21.37, "21.37");
	assert_round_trip(0.1 + 0.2, "0.30000000000000004");
	assert_round_trip(1e300, "1e+300");
	assert_round_trip(-1e-300, "-1e-300");
	assert_round_trip(1.7976931348623157e308, "1.7976931348623157e+308");
	assert_round_trip(2.2250738585072014e-308, "2.2250738585072014e-308");
	/* Subnormals: the smallest, the largest, one in between. */
	assert_round_trip(4.9406564584124654e-324, "5e-324");
	assert_round_trip(2.2250738585072009e-308, "2.225073858507201e-308");
	assert_round_trip(1.5e-320, "1.5e-320");
	/* Zeros and integers stay reals; the sign of -0.0 survives. */
	assert_round_trip(0.0, "0.0");
	assert_round_trip(-0.0, "-0.0");
	assert_round_trip(42.0, "42.0");
	/* Integers above 2^53: exact, never rounded to a neighbour. */
	assert_round_trip(9007199254740992.0, "9007199254740992.0");
	assert_round_trip(9007199254740994.0, "9007199254740994.0");
	assert_round_trip(18014398509481988.0, "18014398509481988.0");
	assert_round_trip(1e16, "1e+16");
	assert_round_trip(123456789012345680.0, "1.2345678901234568e+17");
	/* Every power of two the type holds, and their neighbours. */
	for (int i = 0; i < 2098; i++, x /= 2) {
		assert_round_trip(x, NULL);
		assert_round_trip(nextafter(x, 0), NULL);
		assert_round_trip(-nextafter(x, 2 * x + 1), NULL);
	}
	x = 1.0;
	for (int i = 0; i < 1024; i++, x *= 2)
		assert_round_trip(nextafter(x, 0), NULL);
}
END_TEST

START_TEST(test_json_dumps)
{
	json_t	*o = json_pack("{s:f,s:f,s:I,s:s,s:[b,n,f],s:{}}", "value",
	    0.58, "big", 1e300, "n", (json_int_t)-9007199254740993LL,
	    "s", "a\"b\\c\n\x01\x1f/\xc3\xa9", "arr", 1, -0.0, "o");
	char	*s = weir_json_dumps(o);
	json_t	*back;

	ck_assert_str_eq(s, "{\"value\":0.58,\"big\":1e+300,"
	    "\"n\":-9007199254740993,\"s\":\"a\\\"b\\\\c\\n\\u0001\\u001F/\xc3\xa9\","
	    "\"arr\":[true,null,-0.0],\"o\":{}}");
	/* jansson reads it back to the same tree. */
	back = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert(json_equal(o, back));
	free(s);
	json_decref(back);
	json_decref(o);
}
END_TEST

Suite *
api_suite(void)
{
	Suite	*s = suite_create("api");
	TCase	*tc = tcase_create("params");

	tcase_add_test(tc, test_query_defaults);
	tcase_add_test(tc, test_query_filters);
	tcase_add_test(tc, test_query_errors);
	tcase_add_test(tc, test_url_decode);
	tcase_add_test(tc, test_cursor_roundtrip);
	tcase_add_test(tc, test_cursor_rejects);
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_ingest_one_and_batch);
	tcase_add_test(tc, test_ingest_rejects);
	tcase_add_test(tc, test_ingest_limits);
	tcase_add_test(tc, test_rollup);
	tcase_add_test(tc, test_rollup_no_values_and_cap);
	tcase_add_test(tc, test_problem);
	tcase_add_test(tc, test_event_doc_json);
	tcase_add_test(tc, test_json_double_shortest);
	tcase_add_test(tc, test_json_dumps);
	suite_add_tcase(s, tc);
	return (s);
}
