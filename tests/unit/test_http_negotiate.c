/* test_http_negotiate.c - Accept-Encoding and If-None-Match parsing for
 * the embedded web files (src/http/http_negotiate.c). */
#include "http/http_negotiate.h"
#include "unit.h"

START_TEST(test_gzip_accepted)
{
	ck_assert_int_eq(weir_accepts_gzip("gzip"), 1);
	ck_assert_int_eq(weir_accepts_gzip("gzip, deflate, br, zstd"), 1);
	ck_assert_int_eq(weir_accepts_gzip("br,GZIP"), 1);
	ck_assert_int_eq(weir_accepts_gzip("deflate, gzip;q=0.5"), 1);
	ck_assert_int_eq(weir_accepts_gzip(" gzip ; q=1.0 "), 1);
	ck_assert_int_eq(weir_accepts_gzip("x-gzip"), 1);
	ck_assert_int_eq(weir_accepts_gzip("*"), 1);
	ck_assert_int_eq(weir_accepts_gzip("br, *;q=0.1"), 1);
}
END_TEST

START_TEST(test_gzip_refused)
{
	ck_assert_int_eq(weir_accepts_gzip(NULL), 0);
	ck_assert_int_eq(weir_accepts_gzip(""), 0);
	ck_assert_int_eq(weir_accepts_gzip("identity"), 0);
	ck_assert_int_eq(weir_accepts_gzip("br, deflate"), 0);
	ck_assert_int_eq(weir_accepts_gzip("gzip;q=0"), 0);
	ck_assert_int_eq(weir_accepts_gzip("gzip;q=0.000, br"), 0);
	/* The explicit refusal wins over the wildcard. */
	ck_assert_int_eq(weir_accepts_gzip("*, gzip;q=0"), 0);
	ck_assert_int_eq(weir_accepts_gzip("*;q=0"), 0);
	ck_assert_int_eq(weir_accepts_gzip("gzipx, xgzip"), 0);
	ck_assert_int_eq(weir_accepts_gzip("gzip;q="), 0);
	ck_assert_int_eq(weir_accepts_gzip(",,,"), 0);
}
END_TEST

START_TEST(test_etag_match)
{
	const char	*tag = "\"abc\"";

	ck_assert_int_eq(weir_etag_matches("\"abc\"", tag), 1);
	ck_assert_int_eq(weir_etag_matches("\"x\", \"abc\"", tag), 1);
	ck_assert_int_eq(weir_etag_matches("W/\"abc\"", tag), 1);
	ck_assert_int_eq(weir_etag_matches(" \"abc\" ", tag), 1);
	ck_assert_int_eq(weir_etag_matches("*", tag), 1);
	ck_assert_int_eq(weir_etag_matches("\"x\",*", tag), 1);
}
END_TEST

START_TEST(test_etag_mismatch)
{
	const char	*tag = "\"abc\"";

	ck_assert_int_eq(weir_etag_matches(NULL, tag), 0);
	ck_assert_int_eq(weir_etag_matches("", tag), 0);
	ck_assert_int_eq(weir_etag_matches("abc", tag), 0);
	ck_assert_int_eq(weir_etag_matches("\"abcd\"", tag), 0);
	ck_assert_int_eq(weir_etag_matches("\"ab\"", tag), 0);
	ck_assert_int_eq(weir_etag_matches("W/", tag), 0);
	ck_assert_int_eq(weir_etag_matches("\"x\", \"y\"", tag), 0);
	ck_assert_int_eq(weir_etag_matches(",", tag), 0);
	ck_assert_int_eq(weir_etag_matches("\"abc\"", NULL), 0);
}
END_TEST

Suite *
http_negotiate_suite(void)
{
	Suite	*s = suite_create("http_negotiate");
	TCase	*tc = tcase_create("headers");

	tcase_add_test(tc, test_gzip_accepted);
	tcase_add_test(tc, test_gzip_refused);
	tcase_add_test(tc, test_etag_match);
	tcase_add_test(tc, test_etag_mismatch);
	suite_add_tcase(s, tc);
	return (s);
}
