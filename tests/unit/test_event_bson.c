/* test_event_bson.c - the stored document of an event, checked with
 * bson_iter: fixed fields, free-form fields and their BSON types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event_bson.h"
#include "event/event_id.h"
#include "unit.h"

static const char *full_body = "{"
    "\"id\":\"evt-1\",\"source\":\"sensor-17\",\"type\":\"temperature\","
    "\"ts\":\"2023-11-14T22:13:20.123Z\",\"value\":2,"
    "\"data\":{\"unit\":\"C\",\"list\":[1,\"x\"],\"nested\":{\"ok\":true}},"
    "\"i32\":2147483647,\"i32min\":-2147483648,\"i64\":2147483648,"
    "\"neg64\":-2147483649,\"dbl\":1.5,\"flag\":true,\"off\":false,"
    "\"nil\":null,\"arr\":[1,2.5,\"s\",null,{\"k\":\"v\"},[3]],"
    "\"text\":\"h\xc3\xa9\"}";

/* Runs the pipeline over `body` and converts the event. */
static void
to_bson(const char *body, bson_t *doc)
{
	struct weir_event	ev;
	char			detail[WEIR_DETAIL_MAX];

	ck_assert_msg(unit_run(body, &ev, detail) == WEIR_OK, "%s", detail);
	bson_init(doc);
	ck_assert_int_eq(weir_event_to_bson(&ev, doc), 0);
	weir_event_clear(&ev);
}

static int
key_count(const bson_t *doc, const char *key)
{
	bson_iter_t	it;
	int		n = 0;

	ck_assert(bson_iter_init(&it, doc));
	while (bson_iter_next(&it))
		n += strcmp(bson_iter_key(&it), key) == 0;
	return (n);
}

static void
find(const bson_t *doc, const char *dotted, bson_iter_t *it, bson_type_t type)
{
	bson_iter_t	top;

	ck_assert(bson_iter_init(&top, doc));
	ck_assert_msg(bson_iter_find_descendant(&top, dotted, it),
	    "no field '%s'", dotted);
	ck_assert_msg(bson_iter_type(it) == type, "'%s' has type 0x%02x, "
	    "want 0x%02x", dotted, bson_iter_type(it), type);
}

static void
utf8_is(const bson_t *doc, const char *key, const char *want)
{
	bson_iter_t	it;
	uint32_t	len;
	const char	*s;

	find(doc, key, &it, BSON_TYPE_UTF8);
	s = bson_iter_utf8(&it, &len);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_str_eq(s, want);
}

START_TEST(test_bson_fixed_fields)
{
	bson_t		doc;
	bson_iter_t	it;

	to_bson(full_body, &doc);
	ck_assert(bson_iter_init(&it, &doc));
	ck_assert(bson_iter_next(&it));
	ck_assert_str_eq(bson_iter_key(&it), "_id");	/* first */
	utf8_is(&doc, "_id", "evt-1");
	utf8_is(&doc, "source", "sensor-17");
	utf8_is(&doc, "type", "temperature");
	find(&doc, "ts", &it, BSON_TYPE_DATE_TIME);
	ck_assert_int_eq(bson_iter_date_time(&it), 1700000000123LL);
	/* An integer `value` is stored as a double. */
	find(&doc, "value", &it, BSON_TYPE_DOUBLE);
	ck_assert_double_eq(bson_iter_double(&it), 2.0);
	find(&doc, "received_at", &it, BSON_TYPE_DATE_TIME);
	ck_assert_int_eq(bson_iter_date_time(&it), UNIT_NOW_MS - 5);
	find(&doc, "processed_at", &it, BSON_TYPE_DATE_TIME);
	ck_assert_int_eq(bson_iter_date_time(&it), UNIT_NOW_MS);
	utf8_is(&doc, "processor", UNIT_PROCESSOR);
	bson_destroy(&doc);
}
END_TEST

START_TEST(test_bson_no_duplicate_keys)
{
	static const char *const keys[] = { "_id", "source", "type", "ts",
	    "value", "data", "i32", "i32min", "i64", "neg64", "dbl", "flag",
	    "off", "nil", "arr", "text", "received_at", "processed_at",
	    "processor" };
	bson_t		doc;

	to_bson(full_body, &doc);
	ck_assert_int_eq(key_count(&doc, "id"), 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(key_count(&doc, keys[i]) == 1, "key '%s' x%d",
		    keys[i], key_count(&doc, keys[i]));
	ck_assert_uint_eq(bson_count_keys(&doc),
	    sizeof(keys) / sizeof(keys[0]));
	bson_destroy(&doc);
}
END_TEST

START_TEST(test_bson_data_subdocument)
{
	bson_t		doc;
	bson_iter_t	it;

	to_bson(full_body, &doc);
	find(&doc, "data", &it, BSON_TYPE_DOCUMENT);
	utf8_is(&doc, "data.unit", "C");
	find(&doc, "data.list", &it, BSON_TYPE_ARRAY);
	find(&doc, "data.list.0", &it, BSON_TYPE_INT32);
	ck_assert_int_eq(bson_iter_int32(&it), 1);
	utf8_is(&doc, "data.list.1", "x");
	find(&doc, "data.nested", &it, BSON_TYPE_DOCUMENT);
	find(&doc, "data.nested.ok", &it, BSON_TYPE_BOOL);
	ck_assert(bson_iter_bool(&it));
	bson_destroy(&doc);
}
END_TEST

START_TEST(test_bson_extra_field_types)
{
	bson_t		doc;
	bson_iter_t	it;

	to_bson(full_body, &doc);
	find(&doc, "i32", &it, BSON_TYPE_INT32);
	ck_assert_int_eq(bson_iter_int32(&it), INT32_MAX);
	find(&doc, "i32min", &it, BSON_TYPE_INT32);
	ck_assert_int_eq(bson_iter_int32(&it), INT32_MIN);
	find(&doc, "i64", &it, BSON_TYPE_INT64);
	ck_assert_int_eq(bson_iter_int64(&it), 2147483648LL);
	find(&doc, "neg64", &it, BSON_TYPE_INT64);
	ck_assert_int_eq(bson_iter_int64(&it), -2147483649LL);
	find(&doc, "dbl", &it, BSON_TYPE_DOUBLE);
	ck_assert_double_eq(bson_iter_double(&it), 1.5);
	find(&doc, "flag", &it, BSON_TYPE_BOOL);
	ck_assert(bson_iter_bool(&it));
	find(&doc, "off", &it, BSON_TYPE_BOOL);
	ck_assert(!bson_iter_bool(&it));
	find(&doc, "nil", &it, BSON_TYPE_NULL);
	utf8_is(&doc, "text", "h\xc3\xa9");
	bson_destroy(&doc);
}
END_TEST

START_TEST(test_bson_array_elements)
{
	bson_t		doc;
	bson_iter_t	it;

	to_bson(full_body, &doc);
	find(&doc, "arr", &it, BSON_TYPE_ARRAY);
	find(&doc, "arr.0", &it, BSON_TYPE_INT32);
	ck_assert_int_eq(bson_iter_int32(&it), 1);
	find(&doc, "arr.1", &it, BSON_TYPE_DOUBLE);
	ck_assert_double_eq(bson_iter_double(&it), 2.5);
	utf8_is(&doc, "arr.2", "s");
	find(&doc, "arr.3", &it, BSON_TYPE_NULL);
	find(&doc, "arr.4", &it, BSON_TYPE_DOCUMENT);
	utf8_is(&doc, "arr.4.k", "v");
	find(&doc, "arr.5", &it, BSON_TYPE_ARRAY);
	find(&doc, "arr.5.0", &it, BSON_TYPE_INT32);
	ck_assert_int_eq(bson_iter_int32(&it), 3);
	bson_destroy(&doc);
}
END_TEST

START_TEST(test_bson_without_value_or_id)
{
	bson_t		doc;
	bson_iter_t	it;
	char		hash[65];
	const char	*body = "{\"source\":\"s\",\"type\":\"t\",\"ts\":0}";

	to_bson(body, &doc);
	ck_assert_int_eq(key_count(&doc, "value"), 0);
	ck_assert_int_eq(key_count(&doc, "data"), 0);
	ck_assert_uint_eq(bson_count_keys(&doc), 7);
	weir_id_from_body(body, strlen(body), hash);
	utf8_is(&doc, "_id", hash);
	find(&doc, "ts", &it, BSON_TYPE_DATE_TIME);
	ck_assert_int_eq(bson_iter_date_time(&it), 0);
	bson_destroy(&doc);
}
END_TEST

START_TEST(test_bson_valid_document)
{
	bson_t		doc;
	size_t		off = 0;

	to_bson(full_body, &doc);
	ck_assert_msg(bson_validate(&doc, BSON_VALIDATE_UTF8 |
	    BSON_VALIDATE_DOLLAR_KEYS | BSON_VALIDATE_EMPTY_KEYS, &off),
	    "invalid BSON at offset %zu", off);
	bson_destroy(&doc);
}
END_TEST

START_TEST(test_json_to_bson_scalars)
{
	bson_t		doc = BSON_INITIALIZER;
	bson_iter_t	it;
	json_t		*v[] = { json_integer(-7), json_integer(INT64_MAX),
	    json_real(-0.5), json_string("s"), json_true(), json_null(),
	    json_array(), json_object() };
	static const bson_type_t want[] = { BSON_TYPE_INT32, BSON_TYPE_INT64,
	    BSON_TYPE_DOUBLE, BSON_TYPE_UTF8, BSON_TYPE_BOOL, BSON_TYPE_NULL,
	    BSON_TYPE_ARRAY, BSON_TYPE_DOCUMENT };
	char		key[8];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		ck_assert_int_eq(weir_json_to_bson(&doc, key, strlen(key),
		    v[i]), 0);
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		find(&doc, key, &it, want[i]);
		json_decref(v[i]);
	}
	find(&doc, "k1", &it, BSON_TYPE_INT64);
	ck_assert_int_eq(bson_iter_int64(&it), INT64_MAX);
	/* The key length is honoured (not NUL-terminated). */
	v[0] = json_integer(1);
	ck_assert_int_eq(weir_json_to_bson(&doc, "abcdef", 3, v[0]), 0);
	json_decref(v[0]);
	find(&doc, "abc", &it, BSON_TYPE_INT32);
	bson_destroy(&doc);
}
END_TEST

Suite *
event_bson_suite(void)
{
	Suite	*s = suite_create("event_bson");
	TCase	*tc = tcase_create("document");

	tcase_add_test(tc, test_bson_fixed_fields);
	tcase_add_test(tc, test_bson_no_duplicate_keys);
	tcase_add_test(tc, test_bson_data_subdocument);
	tcase_add_test(tc, test_bson_extra_field_types);
	tcase_add_test(tc, test_bson_array_elements);
	tcase_add_test(tc, test_bson_without_value_or_id);
	tcase_add_test(tc, test_bson_valid_document);
	tcase_add_test(tc, test_json_to_bson_scalars);
	suite_add_tcase(s, tc);
	return (s);
}
