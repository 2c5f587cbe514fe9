/* test_api_render.c - the BSON-to-text renderer of /v1/events against the
 * jansson tree path it replaced: the same bytes for every document. */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bson/bson.h>

#include "api/api_json.h"
#include "api/api_render.h"
#include "base/textbuf.h"
#include "base/timestamp.h"
#include "unit.h"

/* What the tree path (weir_event_doc_json, then weir_json_dumps) writes. */
static char *
tree_text(const bson_t *doc)
{
	json_t	*o = weir_event_doc_json(doc);
	char	*s = weir_json_dumps(o);

	json_decref(o);
	ck_assert_ptr_nonnull(s);
	return (s);
}

/* Renders doc after some text, as a page does, and checks it against the
 * tree path; returns the rendered text (the caller frees). */
static char *
assert_same(const bson_t *doc)
{
	struct weir_textbuf	b = { 0 };
	char			*want = tree_text(doc), *got;

	weir_textbuf_append(&b, "[x,", 3);
	weir_event_doc_render(&b, doc);
	ck_assert(!b.oom);
	ck_assert_msg(strncmp(b.data, "[x,", 3) == 0 && strcmp(b.data + 3,
	    want) == 0, "rendered %s\n  tree path %s", b.data + 3, want);
	ck_assert_uint_eq(b.len, 3 + strlen(want));
	got = strdup(b.data + 3);
	weir_textbuf_free(&b);
	free(want);
	return (got);
}

static void
assert_renders(const bson_t *doc, const char *want)
{
	char	*got = assert_same(doc);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_render_event)
{
	bson_t	doc = BSON_INITIALIZER, sub, arr;

	BSON_APPEND_UTF8(&doc, "_id", "e-1");
	BSON_APPEND_UTF8(&doc, "source", "sensor-7");
	BSON_APPEND_UTF8(&doc, "type", "temperature");
	BSON_APPEND_DATE_TIME(&doc, "ts", 1700000000123LL);
	BSON_APPEND_DOUBLE(&doc, "value", 20.17);
	BSON_APPEND_DOCUMENT_BEGIN(&doc, "data", &sub);
	BSON_APPEND_UTF8(&sub, "unit", "celsius");
	BSON_APPEND_INT32(&sub, "seq", 17);
	BSON_APPEND_ARRAY_BEGIN(&sub, "tags", &arr);
	BSON_APPEND_UTF8(&arr, "0", "a\"b\\c\n\x01/\xc3\xa9");
	BSON_APPEND_BOOL(&arr, "1", false);
	BSON_APPEND_NULL(&arr, "2");
	bson_append_array_end(&sub, &arr);
	bson_append_document_end(&doc, &sub);
	BSON_APPEND_DATE_TIME(&doc, "received_at", 1700000000200LL);
	BSON_APPEND_DATE_TIME(&doc, "processed_at", 1700000000201LL);
	BSON_APPEND_UTF8(&doc, "processor", "p-1");
	assert_renders(&doc, "{\"id\":\"e-1\",\"source\":\"sensor-7\","
	    "\"type\":\"temperature\",\"ts\":\"2023-11-14T22:13:20.123Z\","
	    "\"value\":20.17,\"data\":{\"unit\":\"celsius\",\"seq\":17,"
	    "\"tags\":[\"a\\\"b\\\\c\\n\\u0001/\xc3\xa9\",false,null]},"
	    "\"received_at\":\"2023-11-14T22:13:20.200Z\","
	    "\"processed_at\":\"2023-11-14T22:13:20.201Z\","
	    "\"processor\":\"p-1\"}");
	bson_destroy(&doc);
}
END_TEST

START_TEST(test_render_numbers)
{
	bson_t	doc = BSON_INITIALIZER;

	BSON_APPEND_INT32(&doc, "i32min", INT32_MIN);
	BSON_APPEND_INT32(&doc, "i32max", INT32_MAX);
	BSON_APPEND_INT32(&doc, "zero", 0);
	BSON_APPEND_INT64(&doc, "i64min", INT64_MIN);
	BSON_APPEND_INT64(&doc, "i64max", INT64_MAX);
	BSON_APPEND_INT64(&doc, "neg", -1);
	BSON_APPEND_DOUBLE(&doc, "nan", NAN);
	BSON_APPEND_DOUBLE(&doc, "inf", INFINITY);
	BSON_APPEND_DOUBLE(&doc, "ninf", -INFINITY);
	BSON_APPEND_DOUBLE(&doc, "nzero", -0.0);
	BSON_APPEND_DOUBLE(&doc, "sub", 4.9406564584124654e-324);
	BSON_APPEND_DOUBLE(&doc, "big", 1e300);
	BSON_APPEND_DOUBLE(&doc, "int", 9007199254740994.0);
	assert_renders(&doc, "{\"i32min\":-2147483648,\"i32max\":2147483647,"
	    "\"zero\":0,\"i64min\":-9223372036854775808,"
	    "\"i64max\":9223372036854775807,\"neg\":-1,\"nan\":null,"
	    "\"inf\":null,\"ninf\":null,\"nzero\":-0.0,\"sub\":5e-324,"
	    "\"big\":1e+300,\"int\":9007199254740994.0}");
	bson_destroy(&doc);
}
END_TEST

/* Strings jansson refuses become null; keys are written as they are. */
START_TEST(test_render_strings)
{
	static const char *const bad[] = {
		"\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xed\xa0\x80",
		"\xf0\x80\x80\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xe2\x82", "ab\xc3", "\xc3\x28", "\xff",
	};
	static const char *const good[] = {
		"", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
		"\xee\x80\x80", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
		"\x7f\x1f\t\r\b\f", "\xe2\x82\xac",
	};
	bson_t	doc = BSON_INITIALIZER;
	char	key[8];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(key, sizeof(key), "b%zu", i);
		BSON_APPEND_UTF8(&doc, key, bad[i]);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(key, sizeof(key), "g%zu", i);
		BSON_APPEND_UTF8(&doc, key, good[i]);
	}
	/* An embedded NUL, and keys needing escapes or not UTF-8 at all. */
	bson_append_utf8(&doc, "nul", 3, "a\0b", 3);
	BSON_APPEND_INT32(&doc, "k\"\\\n", 1);
	BSON_APPEND_INT32(&doc, "\xff", 2);
	BSON_APPEND_INT32(&doc, "", 3);
	free(assert_same(&doc));
	bson_destroy(&doc);
}
END_TEST

/* Plain text is copied eight bytes at a time: a special byte anywhere in
 * or after those blocks must still be seen. */
START_TEST(test_render_special_byte_positions)
{
	static const char	special[] = { '"', '\\', '\n', 0x1f, 0x7f,
	    (char)0x80, (char)0xc3, (char)0xff, ' ', '~' };
	char			text[21];

	for (size_t c = 0; c < sizeof(special); c++) {
		for (size_t at = 0; at < sizeof(text); at++) {
			bson_t	doc = BSON_INITIALIZER;

			memset(text, 'a', sizeof(text));
			text[at] = special[c];
			bson_append_utf8(&doc, "s", 1, text, (int)sizeof(text));
			free(assert_same(&doc));
			bson_destroy(&doc);
		}
	}
}
END_TEST

/* Types the API has no JSON for, OIDs, and dates outside 1000..9999. */
START_TEST(test_render_types_and_dates)
{
	bson_t		doc = BSON_INITIALIZER;
	bson_oid_t	oid;
	uint8_t		bin[3] = { 1, 2, 3 };

	bson_oid_init_from_string(&oid, "0123456789abcdef01234567");
	BSON_APPEND_OID(&doc, "oid", &oid);
	BSON_APPEND_NULL(&doc, "null");
	BSON_APPEND_BINARY(&doc, "bin", BSON_SUBTYPE_BINARY, bin, 3);
	BSON_APPEND_REGEX(&doc, "re", "a.b", "i");
	BSON_APPEND_TIMESTAMP(&doc, "tsx", 1, 2);
	BSON_APPEND_MINKEY(&doc, "min");
	BSON_APPEND_DATE_TIME(&doc, "epoch", 0);
	BSON_APPEND_DATE_TIME(&doc, "before", -1);
	BSON_APPEND_DATE_TIME(&doc, "y1000", -30610224000000LL);
	BSON_APPEND_DATE_TIME(&doc, "y999", -30610224000001LL);
	BSON_APPEND_DATE_TIME(&doc, "y9999", 253402300799999LL);
	BSON_APPEND_DATE_TIME(&doc, "y10000", 253402300800000LL);
	BSON_APPEND_DATE_TIME(&doc, "y20000", 568971820800000LL);
	BSON_APPEND_DATE_TIME(&doc, "leap", 951782400000LL);
	free(assert_same(&doc));
	bson_destroy(&doc);
}
END_TEST

/* Deeper than 64 levels the tree path writes null, and so must we. */
START_TEST(test_render_depth)
{
	bson_t	*docs[72], *arrs[72];
	int	i;

	for (int kind = 0; kind < 2; kind++) {
		bson_t	**v = kind ? arrs : docs;

		v[71] = bson_new();
		BSON_APPEND_INT32(v[71], kind ? "0" : "leaf", 7);
		for (i = 70; i >= 0; i--) {
			v[i] = bson_new();
			if (kind)
				BSON_APPEND_ARRAY(v[i], "0", v[i + 1]);
			else
				BSON_APPEND_DOCUMENT(v[i], "d", v[i + 1]);
		}
		if (kind) {
			bson_t	top = BSON_INITIALIZER;

			BSON_APPEND_ARRAY(&top, "a", v[0]);
			free(assert_same(&top));
			bson_destroy(&top);
		} else {
			free(assert_same(v[0]));
		}
		for (i = 0; i < 72; i++)
			bson_destroy(v[i]);
	}
}
END_TEST

/* jansson keeps a repeated key at its first place with the last value. */
START_TEST(test_render_repeated_keys)
{
	bson_t	doc = BSON_INITIALIZER, sub;

	BSON_APPEND_UTF8(&doc, "_id", "e1");
	BSON_APPEND_INT32(&doc, "a", 1);
	BSON_APPEND_UTF8(&doc, "id", "other");
	assert_renders(&doc, "{\"id\":\"other\",\"a\":1}");
	bson_reinit(&doc);
	BSON_APPEND_UTF8(&doc, "_id", "e1");
	BSON_APPEND_DOCUMENT_BEGIN(&doc, "data", &sub);
	BSON_APPEND_INT32(&sub, "x", 1);
	BSON_APPEND_INT32(&sub, "y", 2);
	BSON_APPEND_INT32(&sub, "x", 3);
	BSON_APPEND_UTF8(&sub, "_id", "nested");
	BSON_APPEND_UTF8(&sub, "id", "kept");
	bson_append_document_end(&doc, &sub);
	assert_renders(&doc, "{\"id\":\"e1\",\"data\":{\"x\":3,\"y\":2,"
	    "\"_id\":\"nested\",\"id\":\"kept\"}}");
	bson_destroy(&doc);
}
END_TEST

/* xorshift64*: the same documents every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ULL);
}

static void	random_fields(bson_t *, uint64_t *, int depth, int array);

static void
random_string(uint64_t *s, char *out, size_t *len)
{
	static const char *const parts[] = {
		"a", "Z9", " ", "\"", "\\", "/", "\n", "\x01", "\x1f", "\x7f",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\xa0\x80",
		"\xc0\xaf", "\x80", "\xf8", "\xe2\x82", "id", "_id",
	};
	size_t	n = rnd(s) % 6;

	*len = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = parts[rnd(s) % (sizeof(parts) / sizeof(parts[0]))];

		memcpy(out + *len, p, strlen(p));
		*len += strlen(p);
	}
	out[*len] = '\0';
}

static void
random_value(bson_t *d, const char *k, uint64_t *s, int depth)
{
	bson_t		child;
	char		str[32];
	size_t		len;
	uint64_t	bits;
	double		dv;

	switch (rnd(s) % (depth < 4 ? 10 : 8)) {
	case 0:
		random_string(s, str, &len);
		bson_append_utf8(d, k, -1, str, (int)len);
		break;
	case 1:
		bson_append_int32(d, k, -1, (int32_t)rnd(s));
		break;
	case 2:
		bson_append_int64(d, k, -1, (int64_t)rnd(s) >> (rnd(s) % 64));
		break;
	case 3:
		bits = rnd(s);
		memcpy(&dv, &bits, sizeof(dv));
		bson_append_double(d, k, -1, rnd(s) % 2 ? dv :
		    (double)(int64_t)(rnd(s) % 100000) / 100);
		break;
	case 4:
		bson_append_bool(d, k, -1, rnd(s) % 2);
		break;
	case 5:
		bson_append_date_time(d, k, -1, (int64_t)(rnd(s) %
		    600000000000000ULL) - 100000000000000LL);
		break;
	case 6:
		bson_append_null(d, k, -1);
		break;
	case 7:
		bson_append_regex(d, k, -1, "x", "");
		break;
	case 8:
		bson_append_document_begin(d, k, -1, &child);
		random_fields(&child, s, depth + 1, 0);
		bson_append_document_end(d, &child);
		break;
	default:
		bson_append_array_begin(d, k, -1, &child);
		random_fields(&child, s, depth + 1, 1);
		bson_append_array_end(d, &child);
		break;
	}
}

static void
random_fields(bson_t *d, uint64_t *s, int depth, int array)
{
	size_t	n = rnd(s) % 7, len;
	char	key[32];

	for (size_t i = 0; i < n; i++) {
		if (array)
			snprintf(key, sizeof(key), "%zu", i);
		else
			random_string(s, key, &len);
		random_value(d, key, s, depth);
	}
}

START_TEST(test_render_random_documents)
{
	uint64_t	seed = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 3000; i++) {
		bson_t	doc = BSON_INITIALIZER;

		if (i % 2)
			BSON_APPEND_UTF8(&doc, "_id", "r");
		random_fields(&doc, &seed, 0, 0);
		free(assert_same(&doc));
		bson_destroy(&doc);
	}
}
END_TEST

START_TEST(test_render_date_matches_ts_format)
{
	uint64_t	seed = 42;
	char		want[25], got[25];
	int64_t		ms;

	for (int i = 0; i < 200000; i++) {
		/* Years 900..10100 and every millisecond form. */
		ms = (int64_t)(rnd(&seed) % 289000000000000ULL) -
		    33800000000000LL;
		weir_ts_format(ms, want);
		ck_assert_uint_eq(weir_render_date(ms, got), strlen(want));
		ck_assert_str_eq(got, want);
	}
}
END_TEST

/* weir_json_double before its decimal shortcut: every precision from 15. */
static size_t
double_reference(double v, char *buf)
{
	int	n = 0;

	for (int p = fpclassify(v) == FP_SUBNORMAL ? 1 : 15; p <= 17; p++) {
		n = snprintf(buf, WEIR_JSON_DOUBLE_MAX, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (isfinite(v) && strpbrk(buf, ".e") == NULL) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	return ((size_t)n);
}

static void
assert_double(double v)
{
	char	want[WEIR_JSON_DOUBLE_MAX], got[WEIR_JSON_DOUBLE_MAX];
	size_t	n = weir_json_double(v, got);

	double_reference(v, want);
	ck_assert_msg(strcmp(got, want) == 0, "%.17g: %s, reference %s", v,
	    got, want);
	ck_assert_uint_eq(n, strlen(want));
}

START_TEST(test_json_double_matches_reference)
{
	static const double	edges[] = { 1e-4, 9.999999999999999e-5,
	    0.00010000000000000002, 1e15, 999999999999999.0, 999999999999999.9,
	    99999999999999.98, 0.1, 0.2, 0.30000000000000004, 20.17, 20.0,
	    -21.37, 1234567.125, 0.000123456789012345, 1.5, 2.5, 1e14, 123e-4 };
	uint64_t		seed = 7, bits;
	double			v;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		assert_double(edges[i]);
		assert_double(-edges[i]);
		assert_double(nextafter(edges[i], 0));
		assert_double(nextafter(edges[i], 1e300));
	}
	for (int i = 0; i < 300000; i++) {
		/* Decimals as people write them, at every scale, and any bits. */
		v = (double)(int64_t)(rnd(&seed) % 2000000001) - 1000000000;
		v /= pow(10, (double)(rnd(&seed) % 20));
		assert_double(v);
		bits = rnd(&seed);
		memcpy(&v, &bits, sizeof(v));
		assert_double(v);
	}
}
END_TEST

Suite *
api_render_suite(void)
{
	Suite	*s = suite_create("api_render");
	TCase	*tc = tcase_create("render");

	tcase_add_test(tc, test_render_event);
	tcase_add_test(tc, test_render_numbers);
	tcase_add_test(tc, test_render_strings);
	tcase_add_test(tc, test_render_special_byte_positions);
	tcase_add_test(tc, test_render_types_and_dates);
	tcase_add_test(tc, test_render_depth);
	tcase_add_test(tc, test_render_repeated_keys);
	tcase_add_test(tc, test_render_random_documents);
	tcase_add_test(tc, test_render_date_matches_ts_format);
	tcase_add_test(tc, test_json_double_matches_reference);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return (s);
}
