/* test_timestamp.c - strict RFC 3339 parsing and UTC formatting.
 * Every accepted string is checked against its exact millisecond value. */
#include <string.h>
#include <time.h>

#include "base/timestamp.h"
#include "unit.h"

#define T0	1700000000000LL	/* 2023-11-14T22:13:20Z */

static int64_t
parse_ok(const char *s)
{
	int64_t	ms = INT64_MIN;

	ck_assert_msg(weir_ts_parse_rfc3339(s, strlen(s), &ms) == 0,
	    "'%s' was rejected", s);
	return (ms);
}

static void
parse_bad(const char *s)
{
	int64_t	ms = 12345;

	ck_assert_msg(weir_ts_parse_rfc3339(s, strlen(s), &ms) == -1,
	    "'%s' was accepted", s);
	ck_assert_msg(ms == 12345, "'%s' wrote the output on failure", s);
}

START_TEST(test_ts_utc_z)
{
	ck_assert_int_eq(parse_ok("2023-11-14T22:13:20Z"), 1700000000000LL);
	ck_assert_int_eq(parse_ok("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(parse_ok("2000-03-01T00:00:00Z"), 951868800000LL);
	ck_assert_int_eq(parse_ok("9999-12-31T23:59:59Z"), 253402300799000LL);
}
END_TEST

START_TEST(test_ts_lowercase_and_space)
{
	ck_assert_int_eq(parse_ok("2023-11-14t22:13:20z"), 1700000000000LL);
	ck_assert_int_eq(parse_ok("2023-11-14 22:13:20Z"), 1700000000000LL);
}
END_TEST

START_TEST(test_ts_offsets)
{
	ck_assert_int_eq(parse_ok("2023-11-14T23:13:20+01:00"), T0);
	ck_assert_int_eq(parse_ok("2023-11-14T16:43:20-05:30"), T0);
	ck_assert_int_eq(parse_ok("2023-11-14T22:13:20+00:00"), T0);
	ck_assert_int_eq(parse_ok("2023-11-14T22:13:20-00:00"), T0);
	ck_assert_int_eq(parse_ok("2023-11-15T21:59:20+23:46"), T0);
	/* The offset crosses the epoch backwards. */
	ck_assert_int_eq(parse_ok("1970-01-01T00:00:00+01:00"), -3600000LL);
}
END_TEST

START_TEST(test_ts_fraction)
{
	ck_assert_int_eq(parse_ok("2023-11-14T22:13:20.1Z"), 1700000000100LL);
	ck_assert_int_eq(parse_ok("2023-11-14T22:13:20.12Z"), 1700000000120LL);
	ck_assert_int_eq(parse_ok("2023-11-14T22:13:20.123Z"), 1700000000123LL);
	/* Digits beyond milliseconds are truncated, not rounded. */
	ck_assert_int_eq(parse_ok("2023-11-14T22:13:20.123999Z"),
	    1700000000123LL);
	ck_assert_int_eq(parse_ok("2023-11-14T22:13:20.999999999Z"),
	    1700000000999LL);
	ck_assert_int_eq(parse_ok("2023-11-14T23:13:20.5+01:00"),
	    1700000000500LL);
}
END_TEST

START_TEST(test_ts_before_epoch)
{
	ck_assert_int_eq(parse_ok("1969-12-31T23:59:59Z"), -1000);
	ck_assert_int_eq(parse_ok("1969-12-31T23:59:59.999Z"), -1);
	ck_assert_int_eq(parse_ok("1900-01-01T00:00:00Z"), -2208988800000LL);
}
END_TEST

START_TEST(test_ts_leap_days)
{
	ck_assert_int_eq(parse_ok("2024-02-29T00:00:00Z"), 1709164800000LL);
	ck_assert_int_eq(parse_ok("2000-02-29T00:00:00Z"), 951782400000LL);
	parse_bad("2023-02-29T00:00:00Z");
	parse_bad("1900-02-29T00:00:00Z");
	parse_bad("2024-02-30T00:00:00Z");
	parse_bad("2023-04-31T00:00:00Z");
}
END_TEST

START_TEST(test_ts_leap_second_folds)
{
	ck_assert_int_eq(parse_ok("2016-12-31T23:59:60Z"),
	    parse_ok("2017-01-01T00:00:00Z"));
	parse_bad("2016-12-31T23:59:61Z");
}
END_TEST

START_TEST(test_ts_field_ranges)
{
	parse_bad("2023-00-10T00:00:00Z");
	parse_bad("2023-13-10T00:00:00Z");
	parse_bad("2023-01-00T00:00:00Z");
	parse_bad("2023-01-32T00:00:00Z");
	parse_bad("2023-01-10T24:00:00Z");
	parse_bad("2023-01-10T00:60:00Z");
	parse_bad("2023-01-10T00:00:00+24:00");
	parse_bad("2023-01-10T00:00:00+01:60");
}
END_TEST

START_TEST(test_ts_syntax_rejected)
{
	parse_bad("");
	parse_bad("2023-11-14");
	parse_bad("2023-11-14T22:13:20");		/* no offset */
	parse_bad("2023-11-14T22:13:20.123");		/* no offset */
	parse_bad("2023-11-14T22:13:20+0100");
	parse_bad("2023-11-14T22:13:20+01");
	parse_bad("2023-11-14T22:13:20+01:00:00");
	parse_bad("2023-11-14T22:13:20ZZ");
	parse_bad("2023-11-14T22:13:20Z ");
	parse_bad("2023-11-14T22:13:20.Z");
	parse_bad("2023-11-14T22:13:20.");
	parse_bad("2023-11-14X22:13:20Z");
	parse_bad("2023/11/14T22:13:20Z");
	parse_bad("2023-11-14T22-13-20Z");
	parse_bad("23-11-14T22:13:20Z");
	parse_bad("2023-1-14T22:13:20Z");
	parse_bad("2023-11-14T2:13:20Z");
	parse_bad("+2023-11-14T22:13:20Z");
	parse_bad("2023-11-14T22:13:20 Z");
	parse_bad("2023-11-14T22:13:2aZ");
	parse_bad("1700000000000");
}
END_TEST

START_TEST(test_ts_respects_len)
{
	const char	*s = "2023-11-14T22:13:20Zjunk";
	int64_t		ms = 0;

	ck_assert_int_eq(weir_ts_parse_rfc3339(s, 20, &ms), 0);
	ck_assert_int_eq(ms, 1700000000000LL);
	ck_assert_int_eq(weir_ts_parse_rfc3339(s, strlen(s), &ms), -1);
	/* Cut before the offset: no offset left. */
	ck_assert_int_eq(weir_ts_parse_rfc3339(s, 19, &ms), -1);
	ck_assert_int_eq(weir_ts_parse_rfc3339("2023-11-14T22:13:20.5Zx", 21,
	    &ms), -1);
}
END_TEST

static void
format_is(int64_t ms, const char *want)
{
	char	buf[25];

	memset(buf, 'x', sizeof(buf));
	weir_ts_format(ms, buf);
	ck_assert_str_eq(buf, want);
}

/* Found by tests/fuzz/fuzz_timestamp.c (corpus/timestamp/year0): strftime
 * wrote year 0 as "0", leaving the string short of its 24 characters. */
START_TEST(test_ts_format_four_digit_years)
{
	int64_t	ms;

	format_is(-62162035199500LL, "0000-03-01T00:00:00.500Z");
	ck_assert_int_eq(weir_ts_parse_rfc3339("0999-12-31T23:59:59Z", 20,
	    &ms), 0);
	format_is(ms, "0999-12-31T23:59:59.000Z");
	format_is(-62167219200001LL, "0000-01-01T00:00:00.000Z");
	format_is(INT64_MIN, "0000-01-01T00:00:00.000Z");
	format_is(253402300800000LL, "9999-12-31T23:59:59.999Z");
	format_is(INT64_MAX, "9999-12-31T23:59:59.999Z");
}
END_TEST

START_TEST(test_ts_format)
{
	format_is(0, "1970-01-01T00:00:00.000Z");
	format_is(1700000000123LL, "2023-11-14T22:13:20.123Z");
	format_is(1700000000007LL, "2023-11-14T22:13:20.007Z");
	format_is(1700000000050LL, "2023-11-14T22:13:20.050Z");
	format_is(-1, "1969-12-31T23:59:59.999Z");
	format_is(-1000, "1969-12-31T23:59:59.000Z");
	format_is(-1001, "1969-12-31T23:59:58.999Z");
	format_is(253402300799999LL, "9999-12-31T23:59:59.999Z");
}
END_TEST

START_TEST(test_ts_round_trip)
{
	static const int64_t	v[] = { 0, 1, 999, 1000, 86399999,
	    951782400000LL, 1700000000123LL, 253402300799999LL, -1, -86400001 };
	char			buf[25];
	int64_t			back;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		weir_ts_format(v[i], buf);
		ck_assert_int_eq(weir_ts_parse_rfc3339(buf, strlen(buf), &back),
		    0);
		ck_assert_int_eq(back, v[i]);
	}
}
END_TEST

static int64_t
realtime_ms(void)
{
	struct timespec	ts;

	ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &ts), 0);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

START_TEST(test_ts_now)
{
	int64_t	before = realtime_ms();
	int64_t	now = weir_now_ms();
	int64_t	after = realtime_ms();

	ck_assert_int_ge(now, before);
	ck_assert_int_le(now, after);
	/* Sanity: after 2023-11-14, i.e. milliseconds, not seconds. */
	ck_assert_int_gt(now, 1700000000000LL);
}
END_TEST

Suite *
timestamp_suite(void)
{
	Suite	*s = suite_create("timestamp");
	TCase	*tc = tcase_create("rfc3339");

	tcase_add_test(tc, test_ts_utc_z);
	tcase_add_test(tc, test_ts_lowercase_and_space);
	tcase_add_test(tc, test_ts_offsets);
	tcase_add_test(tc, test_ts_fraction);
	tcase_add_test(tc, test_ts_before_epoch);
	tcase_add_test(tc, test_ts_leap_days);
	tcase_add_test(tc, test_ts_leap_second_folds);
	tcase_add_test(tc, test_ts_field_ranges);
	tcase_add_test(tc, test_ts_syntax_rejected);
	tcase_add_test(tc, test_ts_respects_len);
	tcase_add_test(tc, test_ts_format);
	tcase_add_test(tc, test_ts_format_four_digit_years);
	tcase_add_test(tc, test_ts_round_trip);
	tcase_add_test(tc, test_ts_now);
	suite_add_tcase(s, tc);
	return (s);
}
