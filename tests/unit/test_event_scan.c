/* test_event_scan.c - the allocation-free decoder against jansson: what it vouches
 * for it must read exactly as jansson does, and what jansson refuses it must decline. */
#include <stdlib.h>
#include <string.h>

#include "event/event_scan.h"
#include "event/event_tree.h"
#include "unit.h"

static void
same_field(const struct weir_json_field *a, const struct weir_json_field *b,
    int i)
{
	ck_assert_msg(a->kind == b->kind, "top field %d: kind %d, jansson %d",
	    i, a->kind, b->kind);
	if (a->kind == WEIR_JSON_STRING) {
		ck_assert_uint_eq(a->len, b->len);
		ck_assert_int_eq(memcmp(a->s, b->s, a->len), 0);
	}
	if (a->kind == WEIR_JSON_INTEGER || a->kind == WEIR_JSON_BOOL)
		ck_assert_int_eq(a->i, b->i);
	if (a->kind == WEIR_JSON_INTEGER || a->kind == WEIR_JSON_REAL)
		ck_assert_msg(memcmp(&a->d, &b->d, sizeof(a->d)) == 0,
		    "top field %d: %.17g, jansson %.17g", i, a->d, b->d);
}

/* Scans `body`, which the scanner must vouch for, and compares every
 * fact and the BSON of the other fields with jansson's. */
static void
vouches_as_jansson(const char *body, size_t len)
{
	struct weir_scan_buf	buf;
	struct weir_decoded	got, want;
	bson_t			rest = BSON_INITIALIZER;
	json_t			*root;

	ck_assert_int_eq(weir_scan_buf_init(&buf), 0);
	ck_assert_msg(weir_event_scan(body, len, &got, &buf) == 0,
	    "declined: %.*s", (int)len, body);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	ck_assert_msg(root != NULL, "jansson refuses: %.*s", (int)len, body);
	weir_event_from_tree(&want, root, &rest);
	for (int i = 0; i < WEIR_TOP_COUNT; i++)
		same_field(&got.top[i], &want.top[i], i);
	ck_assert_uint_eq(got.reserved, want.reserved);
	ck_assert_int_eq(got.tree_error, want.tree_error);
	ck_assert_str_eq(got.bad_key, want.bad_key);
	ck_assert_int_eq(got.rest_failed, 0);
	ck_assert_uint_eq(got.rest_len, rest.len);
	ck_assert_msg(memcmp(got.rest, bson_get_data(&rest), rest.len) == 0,
	    "rest differs: %.*s", (int)len, body);
	json_decref(root);
	bson_destroy(&rest);
	weir_scan_buf_free(&buf);
}

static void
vouches(const char *body)
{
	vouches_as_jansson(body, strlen(body));
}

static void
declines_len(const char *body, size_t len)
{
	struct weir_scan_buf	buf;
	struct weir_decoded	dec;

	ck_assert_int_eq(weir_scan_buf_init(&buf), 0);
	ck_assert_msg(weir_event_scan(body, len, &dec, &buf) == -1,
	    "vouched for: %.*s", (int)len, body);
	weir_scan_buf_free(&buf);
}

static void
declines(const char *body)
{
	declines_len(body, strlen(body));
}

#define EV	"\"source\":\"s\",\"type\":\"t\",\"ts\":1"

START_TEST(test_scan_bench_body)
{
	vouches("{\"id\":\"e2e-17\",\"source\":\"sensor-7\",\"type\":"
	    "\"temperature\",\"ts\":1700000000000,\"value\":20.17,\"data\":"
	    "{\"unit\":\"celsius\",\"seq\":17,\"pad\":\"xxxxxxxxxxxxxxxx\"}}");
	vouches(" \t\r\n{ \"a\" : [ 1 , { } , [ ] ] , " EV " } \n");
	vouches("{}");
}
END_TEST

START_TEST(test_scan_strings)
{
	vouches("{" EV ",\"e\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"}");
	vouches("{" EV ",\"u\":\"\\u00e9\\u20AC\\ud83d\\ude00 caf\xc3\xa9\"}");
	vouches("{" EV ",\"k\\u00e9y\":1,\"\\u0041\":2,\"A2\":3}");
	vouches("{\"source\":\"\\u0073\",\"type\":\"t\\n\",\"ts\":\"2023-11-14"
	    "T22:13:20Z\",\"id\":\"i\\u0064\"}");
	vouches("{" EV ",\"max\":\"\xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80\"}");
	vouches("{" EV ",\"\":1,\"$a\":{\"$b\":2}}");
	vouches("{" EV ",\"d\":{\"x\":[{\"\":1}]}}");
}
END_TEST

START_TEST(test_scan_numbers)
{
	vouches("{" EV ",\"a\":0,\"b\":-0,\"c\":-0.0,\"d\":0e5,\"e\":-0E-5}");
	vouches("{" EV ",\"i\":9223372036854775807,"
	    "\"j\":-9223372036854775808,\"k\":2147483648,\"l\":-2147483649}");
	vouches("{" EV ",\"a\":1.5,\"b\":1e2,\"c\":1E+2,\"d\":1e-2,"
	    "\"e\":0.30000000000000004,\"f\":1.7976931348623157e308}");
	vouches("{" EV ",\"a\":4.9e-324,\"b\":1e-400,\"c\":9007199254740993.0,"
	    "\"d\":123456789012345678901234567890.5,\"e\":1e22,\"f\":1e23}");
	vouches("{" EV ",\"a\":0.000000000000000000000000000001,"
	    "\"b\":12345678901234567890e-10,\"c\":2.2250738585072011e-308}");
	vouches("{\"source\":\"s\",\"type\":\"t\",\"ts\":1.5,\"value\":7}");
	vouches("{\"source\":\"s\",\"type\":\"t\",\"ts\":{},\"value\":\"7\"}");
}
END_TEST

START_TEST(test_scan_fields)
{
	vouches("{\"_id\":1,\"received_at\":2,\"processed_at\":3,"
	    "\"processor\":4," EV "}");
	vouches("{\"id\":5,\"source\":[],\"type\":null,\"ts\":true,"
	    "\"value\":false,\"data\":[1]}");
	vouches("{\"ts\":1,\"data\":{\"id\":\"x\",\"source\":\"y\"},"
	    "\"idx\":1,\"sources\":2,\"t\":3}");
}
END_TEST

/* `data` is container 1: n nested objects from it around `inner`. */
static char *
nested_data(int n, const char *inner)
{
	char	*open = unit_repeat("{\"k\":", (size_t)n);
	char	*close = unit_repeat("}", (size_t)n);
	char	*b = unit_strf("{" EV ",\"data\":%s%s%s}", open, inner, close);

	free(open);
	free(close);
	return (b);
}

START_TEST(test_scan_depth)
{
	char	*b;

	b = nested_data(32, "1");	/* containers 1..32 */
	vouches(b);
	free(b);
	b = nested_data(31, "[]");
	vouches(b);
	free(b);
	b = nested_data(32, "{}");	/* container 33: too_deep */
	declines(b);
	free(b);
	b = nested_data(33, "1");
	declines(b);
	free(b);
}
END_TEST

START_TEST(test_scan_declines_what_jansson_refuses)
{
	static const char *const bad[] = {
		"", " ", "[]", "1", "\"s\"", "null", "{", "{\"a\"}", "{\"a\":}",
		"{\"a\":1,}", "{,}", "{\"a\":1}x", "{\"a\":1}}", "{'a':1}",
		"{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":01}", "{\"a\":-}",
		"{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":1e+}",
		"{\"a\":+1}", "{\"a\":0x1}", "{\"a\":tru}", "{\"a\":truex}",
		"{\"a\":nul}", "{\"a\":NaN}", "{\"a\":Infinity}",
		"{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}",
		"{\"d\":{\"x\":1,\"x\":1}}", "{\"a\":\"\\u0000\"}",
		"{\"\\u0000\":1}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\\ud800x\"}",
		"{\"a\":\"\\u12\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\'\"}",
		"{\"a\":\"tab\there\"}", "{\"a\":\"nl\nhere\"}",
		"{\"a\":9223372036854775808}", "{\"a\":-9223372036854775809}",
		"{\"a\":99999999999999999999}", "{\"a\":1e400}",
		"{\"a\":-1e400}", "{\"a\":\"\xc0\x80\"}", "{\"a\":\"\xc1\xbf\"}",
		"{\"a\":\"\xe0\x80\x80\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xf5\x80\x80\x80\"}",
		"{\"a\":\"\x80\"}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xe2\x82\"}",
		"{\"\xff\":1}", "\xef\xbb\xbf{}", "{\"a\":1 /* c */}",
	};

	json_t	*root;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		declines(bad[i]);
		root = json_loadb(bad[i], strlen(bad[i]),
		    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
		ck_assert_msg(root == NULL || !json_is_object(root),
		    "jansson reads #%zu as an object", i);
		json_decref(root);
	}
	declines_len("{\"a\":\"x\0y\"}", 11);
	declines_len("{\"a\":1}\0", 8);
}
END_TEST

/* Within jansson's rules, but past what the scanner holds: it declines
 * and jansson decides. */
START_TEST(test_scan_declines_beyond_its_limits)
{
	char	*b, *zeros = unit_repeat("0", 100);

	b = malloc(16 * (WEIR_SCAN_KEYS_MAX + 1) + 64);
	ck_assert_ptr_nonnull(b);
	strcpy(b, "{" EV);
	for (int i = 0; i < WEIR_SCAN_KEYS_MAX; i++)
		sprintf(b + strlen(b), ",\"k%d\":%d", i, i);
	strcat(b, "}");
	declines(b);
	free(b);
	/* A real longer than the scanner copies for strtod. */
	b = unit_strf("{\"a\":1.%s1}", zeros);
	declines(b);
	free(b);
	free(zeros);
}
END_TEST

/* A buffer serves body after body: strings of one never leak into the
 * next, and a decline leaves it usable. */
START_TEST(test_scan_buffer_reuse)
{
	struct weir_scan_buf	buf;
	struct weir_decoded	dec;
	const char		*a = "{\"source\":\"a\\u0062c\",\"x\":[1,{\"y\":2}]}";
	const char		*bad = "{\"x\":[1,{\"y\":2,\"y\":3}]}";

	ck_assert_int_eq(weir_scan_buf_init(&buf), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(weir_event_scan(a, strlen(a), &dec, &buf), 0);
		ck_assert_uint_eq(dec.top[WEIR_TOP_SOURCE].len, 3);
		ck_assert_int_eq(memcmp(dec.top[WEIR_TOP_SOURCE].s, "abc", 3),
		    0);
		/* {"x":[1,{"y":2}]}: 4 + (1+2) + 27 + 1 bytes. */
		ck_assert_uint_eq(dec.rest_len, 35);
		ck_assert_int_eq(weir_event_scan(bad, strlen(bad), &dec, &buf),
		    -1);
	}
	weir_scan_buf_free(&buf);
	/* Freeing twice, or a buffer never initialised, is harmless. */
	weir_scan_buf_free(&buf);
}
END_TEST

Suite *
event_scan_suite(void)
{
	Suite	*s = suite_create("event_scan");
	TCase	*tc = tcase_create("scan");

	tcase_add_test(tc, test_scan_bench_body);
	tcase_add_test(tc, test_scan_strings);
	tcase_add_test(tc, test_scan_numbers);
	tcase_add_test(tc, test_scan_fields);
	tcase_add_test(tc, test_scan_depth);
	tcase_add_test(tc, test_scan_declines_what_jansson_refuses);
	tcase_add_test(tc, test_scan_declines_beyond_its_limits);
	tcase_add_test(tc, test_scan_buffer_reuse);
	suite_add_tcase(s, tc);
	return (s);
}
