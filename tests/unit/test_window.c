/* test_window.c - window starts, unambiguous ids, aggregates and the
 * per-batch set of touched windows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/window.h"
#include "unit.h"

START_TEST(test_window_start_positive)
{
	ck_assert_int_eq(weir_window_start(0, WEIR_WINDOW_MS), 0);
	ck_assert_int_eq(weir_window_start(1, WEIR_WINDOW_MS), 0);
	ck_assert_int_eq(weir_window_start(59999, WEIR_WINDOW_MS), 0);
	ck_assert_int_eq(weir_window_start(60000, WEIR_WINDOW_MS), 60000);
	ck_assert_int_eq(weir_window_start(119999, WEIR_WINDOW_MS), 60000);
	ck_assert_int_eq(weir_window_start(1700000000123LL, WEIR_WINDOW_MS),
	    1699999980000LL);
	ck_assert_int_eq(weir_window_start(1700000000123LL, 300000),
	    1699999800000LL);
	ck_assert_int_eq(weir_window_start(1700000000123LL, 3600000),
	    1699999200000LL);
}
END_TEST

START_TEST(test_window_start_negative)
{
	/* Floor, not truncation toward zero. */
	ck_assert_int_eq(weir_window_start(-1, WEIR_WINDOW_MS), -60000);
	ck_assert_int_eq(weir_window_start(-59999, WEIR_WINDOW_MS), -60000);
	ck_assert_int_eq(weir_window_start(-60000, WEIR_WINDOW_MS), -60000);
	ck_assert_int_eq(weir_window_start(-60001, WEIR_WINDOW_MS), -120000);
	ck_assert_int_eq(weir_window_start(-3600001, 3600000), -7200000);
}
END_TEST

static size_t
wid(char *buf, size_t size, int64_t start, const char *src, const char *type)
{
	return (weir_window_id(buf, size, start, src, strlen(src), type,
	    strlen(type)));
}

START_TEST(test_window_id_format)
{
	char	buf[WEIR_WINDOW_ID_MAX];
	size_t	n;

	n = wid(buf, sizeof(buf), 1699999980000LL, "sensor-17", "temperature");
	ck_assert_str_eq(buf, "1699999980000:9:sensor-17:temperature");
	ck_assert_uint_eq(n, strlen(buf));
	n = wid(buf, sizeof(buf), -60000, "s", "t");
	ck_assert_str_eq(buf, "-60000:1:s:t");
	ck_assert_uint_eq(n, 12);
}
END_TEST

START_TEST(test_window_id_colons_unambiguous)
{
	char	a[WEIR_WINDOW_ID_MAX], b[WEIR_WINDOW_ID_MAX];
	char	c[WEIR_WINDOW_ID_MAX], d[WEIR_WINDOW_ID_MAX];

	wid(a, sizeof(a), 0, "a:b", "c");
	wid(b, sizeof(b), 0, "a", "b:c");
	ck_assert_str_ne(a, b);
	ck_assert_str_eq(a, "0:3:a:b:c");
	ck_assert_str_eq(b, "0:1:a:b:c");
	/* A source that looks like a length prefix. */
	wid(c, sizeof(c), 0, "1:a", "b");
	wid(d, sizeof(d), 0, "1", "a:b");
	ck_assert_str_ne(c, d);
	ck_assert_str_ne(a, c);
}
END_TEST

START_TEST(test_window_id_respects_lengths)
{
	char	buf[WEIR_WINDOW_ID_MAX];
	size_t	n;

	/* Source and type are not NUL-terminated at their lengths. */
	n = weir_window_id(buf, sizeof(buf), 60000, "abcdef", 3, "xyz!", 2);
	ck_assert_str_eq(buf, "60000:3:abc:xy");
	ck_assert_uint_eq(n, 14);
}
END_TEST

START_TEST(test_window_id_max_fits)
{
	char	buf[WEIR_WINDOW_ID_MAX];
	char	*src = unit_repeat("\xf0\x9f\x98\x80", 128);	/* 512 bytes */
	char	*type = unit_repeat("\xf0\x9f\x98\x80", 64);	/* 256 bytes */
	size_t	n;

	n = weir_window_id(buf, sizeof(buf), INT64_MIN, src, 512, type, 256);
	ck_assert_uint_eq(n, 20 + 1 + 3 + 1 + 512 + 1 + 256);
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_int_eq(memcmp(buf, "-9223372036854775808:512:", 25), 0);
	ck_assert_int_eq(memcmp(buf + n - 256, type, 256), 0);
	free(src);
	free(type);
}
END_TEST

START_TEST(test_window_id_truncates)
{
	char	buf[8];
	size_t	n;

	n = wid(buf, sizeof(buf), 1699999980000LL, "s", "t");
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(buf, "1699999");
}
END_TEST

/* ---- aggregates --------------------------------------------------- */

struct sample {
	int64_t	ts;
	int	has;
	double	v;
};

/* Values are binary fractions so every order of summation is exact. */
static const struct sample samples[] = {
	{ 60500, 1, 3.5 }, { 60100, 1, -2.25 }, { 61000, 0, 0 },
	{ 119999, 1, 10.0 }, { 60000, 1, 0.125 }, { 90000, 0, 0 },
	{ 75000, 1, -8.0 }, { 60001, 1, 7.75 }, { 100000, 1, 1.0 },
};
#define NSAMPLES	(sizeof(samples) / sizeof(samples[0]))

static void
add_range(struct weir_agg *a, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		weir_agg_add(a, samples[i].ts, samples[i].has, samples[i].v);
}

static void
agg_eq(const struct weir_agg *a, const struct weir_agg *b)
{
	ck_assert_uint_eq(a->count, b->count);
	ck_assert_uint_eq(a->values, b->values);
	ck_assert_double_eq(a->sum, b->sum);
	ck_assert_double_eq(a->min, b->min);
	ck_assert_double_eq(a->max, b->max);
	ck_assert_int_eq(a->first_ts_ms, b->first_ts_ms);
	ck_assert_int_eq(a->last_ts_ms, b->last_ts_ms);
}

START_TEST(test_agg_add)
{
	struct weir_agg	a;

	weir_agg_init(&a);
	ck_assert_uint_eq(a.count, 0);
	ck_assert_uint_eq(a.values, 0);
	add_range(&a, 0, NSAMPLES);
	ck_assert_uint_eq(a.count, 9);
	ck_assert_uint_eq(a.values, 7);
	ck_assert_double_eq(a.sum, 12.125);
	ck_assert_double_eq(a.min, -8.0);
	ck_assert_double_eq(a.max, 10.0);
	ck_assert_int_eq(a.first_ts_ms, 60000);
	ck_assert_int_eq(a.last_ts_ms, 119999);
}
END_TEST

START_TEST(test_agg_add_without_values)
{
	struct weir_agg	a;

	weir_agg_init(&a);
	weir_agg_add(&a, 5000, 0, 99.0);
	weir_agg_add(&a, 4000, 0, 99.0);
	ck_assert_uint_eq(a.count, 2);
	ck_assert_uint_eq(a.values, 0);
	ck_assert_double_eq(a.sum, 0);
	ck_assert_int_eq(a.first_ts_ms, 4000);
	ck_assert_int_eq(a.last_ts_ms, 5000);
	/* The first value after value-less events sets min and max. */
	weir_agg_add(&a, 4500, 1, 42.0);
	ck_assert_double_eq(a.min, 42.0);
	ck_assert_double_eq(a.max, 42.0);
	weir_agg_add(&a, 4600, 1, -1.0);
	ck_assert_double_eq(a.min, -1.0);
	ck_assert_double_eq(a.max, 42.0);
}
END_TEST

START_TEST(test_agg_merge_equals_add)
{
	struct weir_agg	all, merged, part;

	weir_agg_init(&all);
	add_range(&all, 0, NSAMPLES);
	/* Every split point, and a three-way split, in both orders. */
	for (size_t cut = 0; cut <= NSAMPLES; cut++) {
		weir_agg_init(&merged);
		add_range(&merged, 0, cut);
		weir_agg_init(&part);
		add_range(&part, cut, NSAMPLES);
		weir_agg_merge(&merged, &part);
		agg_eq(&merged, &all);

		weir_agg_init(&merged);
		add_range(&merged, cut, NSAMPLES);
		weir_agg_init(&part);
		add_range(&part, 0, cut);
		weir_agg_merge(&merged, &part);
		agg_eq(&merged, &all);
	}
	weir_agg_init(&merged);
	for (size_t from = 0; from < NSAMPLES; from += 3) {
		weir_agg_init(&part);
		add_range(&part, from, from + 3);
		weir_agg_merge(&merged, &part);
	}
	agg_eq(&merged, &all);
}
END_TEST

START_TEST(test_agg_merge_value_less_parts)
{
	struct weir_agg	a, b, all;

	/* a has only value-less events, b has values: min/max come from b. */
	weir_agg_init(&a);
	weir_agg_init(&b);
	weir_agg_init(&all);
	weir_agg_add(&a, 10, 0, 0);
	weir_agg_add(&b, 20, 1, 5.0);
	weir_agg_add(&b, 5, 1, 6.0);
	weir_agg_add(&all, 10, 0, 0);
	weir_agg_add(&all, 20, 1, 5.0);
	weir_agg_add(&all, 5, 1, 6.0);
	weir_agg_merge(&a, &b);
	agg_eq(&a, &all);
	ck_assert_int_eq(a.first_ts_ms, 5);
	ck_assert_double_eq(a.min, 5.0);
	ck_assert_double_eq(a.max, 6.0);
}
END_TEST

START_TEST(test_agg_merge_empty)
{
	struct weir_agg	a, empty, copy;

	weir_agg_init(&a);
	weir_agg_init(&empty);
	add_range(&a, 0, NSAMPLES);
	copy = a;
	weir_agg_merge(&a, &empty);
	agg_eq(&a, &copy);

	weir_agg_init(&empty);
	weir_agg_merge(&empty, &a);
	agg_eq(&empty, &a);

	weir_agg_init(&a);
	weir_agg_init(&empty);
	weir_agg_merge(&a, &empty);
	ck_assert_uint_eq(a.count, 0);
	ck_assert_uint_eq(a.values, 0);
	ck_assert_double_eq(a.sum, 0);
}
END_TEST

/* ---- the per-batch window set ------------------------------------- */

START_TEST(test_window_set_dedupe)
{
	struct weir_window_set	s;
	size_t			idx = 99;
	char			copy[] = "0:1:a:t";

	ck_assert_int_eq(weir_window_set_init(&s, 4), 0);
	ck_assert_int_eq(weir_window_set_add(&s, "0:1:a:t", 7, &idx), 1);
	ck_assert_int_eq(weir_window_set_add(&s, "0:1:a:t", 7, &idx), 0);
	/* Same bytes at another address. */
	ck_assert_int_eq(weir_window_set_add(&s, copy, 7, &idx), 0);
	ck_assert_uint_eq(idx, 0);
	ck_assert_int_eq(weir_window_set_add(&s, "0:1:b:t", 7, &idx), 1);
	ck_assert_uint_eq(idx, 1);
	ck_assert_int_eq(weir_window_set_add(&s, "0:1:a:t", 7, &idx), 0);
	ck_assert_uint_eq(idx, 0);
	/* A prefix is a different id. */
	ck_assert_int_eq(weir_window_set_add(&s, "0:1:a:t", 6, &idx), 1);
	ck_assert_int_eq(weir_window_set_add(&s, "0:1:a:tt", 8, &idx), 1);
	ck_assert_uint_eq(s.n, 4);
	weir_window_set_free(&s);
	ck_assert_ptr_null(s.ids);
	ck_assert_ptr_null(s.hashes);
	ck_assert_ptr_null(s.lens);
}
END_TEST

START_TEST(test_window_set_full)
{
	struct weir_window_set	s;
	size_t			idx = 99;
	char			ids[256][16];
	size_t			added = 0;
	int			rc = 1;

	ck_assert_int_eq(weir_window_set_init(&s, 4), 0);
	ck_assert_uint_ge(s.cap, 8);
	for (size_t i = 0; i < 256 && rc == 1; i++) {
		snprintf(ids[i], sizeof(ids[i]), "w%zu", i);
		rc = weir_window_set_add(&s, ids[i], strlen(ids[i]), &idx);
		if (rc == 1)
			added++;
	}
	ck_assert_int_eq(rc, -1);
	/* At least the requested number fit; the table never fills up
	 * completely (probing needs an empty slot). */
	ck_assert_uint_ge(added, 4);
	ck_assert_uint_eq(added, s.cap - 1);
	ck_assert_uint_eq(s.n, added);
	/* Known ids are still found when full; new ones keep failing. */
	for (size_t i = 0; i < added; i++)
		ck_assert_int_eq(weir_window_set_add(&s, ids[i],
		    strlen(ids[i]), &idx), 0);
	ck_assert_int_eq(weir_window_set_add(&s, "new", 3, &idx), -1);
	ck_assert_uint_eq(s.n, added);
	weir_window_set_free(&s);
}
END_TEST

START_TEST(test_window_set_capacity_scales)
{
	struct weir_window_set	s;
	size_t			idx = 99;
	char			(*ids)[16] = calloc(500, 16);

	ck_assert_ptr_nonnull(ids);
	ck_assert_int_eq(weir_window_set_init(&s, 500), 0);
	for (size_t i = 0; i < 500; i++) {
		snprintf(ids[i], 16, "%zu:1:s:t", i * 60000);
		ck_assert_int_eq(weir_window_set_add(&s, ids[i],
		    strlen(ids[i]), &idx), 1);
		ck_assert_uint_eq(idx, i);
	}
	for (size_t i = 0; i < 500; i++)
		ck_assert_int_eq(weir_window_set_add(&s, ids[i],
		    strlen(ids[i]), &idx), 0);
	ck_assert_uint_eq(s.n, 500);
	weir_window_set_free(&s);
	free(ids);
}
END_TEST

START_TEST(test_window_set_reset)
{
	struct weir_window_set	s;
	size_t			idx = 99;

	ck_assert_int_eq(weir_window_set_init(&s, 2), 0);
	ck_assert_int_eq(weir_window_set_add(&s, "a", 1, &idx), 1);
	ck_assert_int_eq(weir_window_set_add(&s, "b", 1, &idx), 1);
	weir_window_set_reset(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(weir_window_set_add(&s, "a", 1, &idx), 1);
	ck_assert_int_eq(weir_window_set_add(&s, "b", 1, &idx), 1);
	ck_assert_int_eq(weir_window_set_add(&s, "a", 1, &idx), 0);
	ck_assert_uint_eq(idx, 0);
	ck_assert_uint_eq(s.n, 2);
	/* Resetting an empty set is fine too. */
	weir_window_set_reset(&s);
	weir_window_set_reset(&s);
	ck_assert_uint_eq(s.n, 0);
	weir_window_set_free(&s);
}
END_TEST

Suite *
window_suite(void)
{
	Suite	*s = suite_create("window");
	TCase	*tc;

	tc = tcase_create("ids");
	tcase_add_test(tc, test_window_start_positive);
	tcase_add_test(tc, test_window_start_negative);
	tcase_add_test(tc, test_window_id_format);
	tcase_add_test(tc, test_window_id_colons_unambiguous);
	tcase_add_test(tc, test_window_id_respects_lengths);
	tcase_add_test(tc, test_window_id_max_fits);
	tcase_add_test(tc, test_window_id_truncates);
	suite_add_tcase(s, tc);

	tc = tcase_create("aggregates");
	tcase_add_test(tc, test_agg_add);
	tcase_add_test(tc, test_agg_add_without_values);
	tcase_add_test(tc, test_agg_merge_equals_add);
	tcase_add_test(tc, test_agg_merge_value_less_parts);
	tcase_add_test(tc, test_agg_merge_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("set");
	tcase_add_test(tc, test_window_set_dedupe);
	tcase_add_test(tc, test_window_set_full);
	tcase_add_test(tc, test_window_set_capacity_scales);
	tcase_add_test(tc, test_window_set_reset);
	suite_add_tcase(s, tc);
	return (s);
}
