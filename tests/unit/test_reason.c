/* test_reason.c - the reason-code table is a public contract.
 * Codes appear in x-weir-error headers and metric labels. */
#include <string.h>

#include "base/reason.h"
#include "unit.h"

START_TEST(test_reason_codes_exact)
{
	static const struct {
		enum weir_reason	r;
		const char		*code;
	} want[] = {
		{ WEIR_OK, "ok" },
		{ WEIR_ERR_TOO_LARGE, "too_large" },
		{ WEIR_ERR_INVALID_JSON, "invalid_json" },
		{ WEIR_ERR_NOT_OBJECT, "not_object" },
		{ WEIR_ERR_INVALID_ID, "invalid_field:id" },
		{ WEIR_ERR_MISSING_SOURCE, "missing_field:source" },
		{ WEIR_ERR_INVALID_SOURCE, "invalid_field:source" },
		{ WEIR_ERR_MISSING_TYPE, "missing_field:type" },
		{ WEIR_ERR_INVALID_TYPE, "invalid_field:type" },
		{ WEIR_ERR_MISSING_TS, "missing_field:ts" },
		{ WEIR_ERR_BAD_TIMESTAMP, "bad_timestamp" },
		{ WEIR_ERR_TS_OUT_OF_RANGE, "timestamp_out_of_range" },
		{ WEIR_ERR_INVALID_VALUE, "invalid_field:value" },
		{ WEIR_ERR_INVALID_DATA, "invalid_field:data" },
		{ WEIR_ERR_TOO_DEEP, "too_deep" },
		{ WEIR_ERR_INVALID_KEY, "invalid_key" },
		{ WEIR_ERR_RESERVED_FIELD, "reserved_field" },
		{ WEIR_ERR_STORE_REJECTED, "store_rejected" },
		{ WEIR_ERR_CONTENT_TYPE, "unsupported_content_type" },
	};

	ck_assert_int_eq(sizeof(want) / sizeof(want[0]), WEIR_REASON_COUNT);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_str_eq(weir_reason_code(want[i].r), want[i].code);
}
END_TEST

START_TEST(test_reason_codes_unique)
{
	for (int i = 0; i < WEIR_REASON_COUNT; i++) {
		for (int j = i + 1; j < WEIR_REASON_COUNT; j++)
			ck_assert_str_ne(weir_reason_code((enum weir_reason)i),
			    weir_reason_code((enum weir_reason)j));
	}
}
END_TEST

START_TEST(test_reason_out_of_range)
{
	ck_assert_str_eq(weir_reason_code(WEIR_REASON_COUNT), "unknown");
	ck_assert_str_eq(weir_reason_code((enum weir_reason)-1), "unknown");
	ck_assert_str_eq(weir_reason_code((enum weir_reason)1000), "unknown");
}
END_TEST

Suite *
reason_suite(void)
{
	Suite	*s = suite_create("reason");
	TCase	*tc = tcase_create("codes");

	tcase_add_test(tc, test_reason_codes_exact);
	tcase_add_test(tc, test_reason_codes_unique);
	tcase_add_test(tc, test_reason_out_of_range);
	suite_add_tcase(s, tc);
	return (s);
}
