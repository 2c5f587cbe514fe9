/* test_metrics.c - histogram buckets, sums and the HTTP code table.
 * The shared block itself is rendered in test_metrics_render.c. */
#include <stdlib.h>

#include "base/metrics.h"
#include "base/timestamp.h"
#include "unit.h"

/* A plain read, so failure messages show numbers, not atomic builtins. */
static uint64_t
get(const _Atomic uint64_t *p)
{
	return (atomic_load(p));
}

START_TEST(test_hist_bounds)
{
	ck_assert_double_eq(weir_hist_bound(WEIR_HIST_SECONDS, 0), 0.0005);
	ck_assert_double_eq(weir_hist_bound(WEIR_HIST_SECONDS, 12), 10);
	ck_assert_double_eq(weir_hist_bound(WEIR_HIST_LAG, 0), 0.001);
	ck_assert_double_eq(weir_hist_bound(WEIR_HIST_LAG, 12), 3600);
	ck_assert_double_eq(weir_hist_bound(WEIR_HIST_COUNT, 0), 1);
	ck_assert_double_eq(weir_hist_bound(WEIR_HIST_COUNT, 12), 10000);
	for (int k = WEIR_HIST_SECONDS; k <= WEIR_HIST_COUNT; k++) {
		/* The last bucket is +Inf, reported as -1. */
		ck_assert_double_eq(weir_hist_bound(k, WEIR_HIST_BUCKETS - 1),
		    -1);
		for (int b = 1; b < WEIR_HIST_BUCKETS - 1; b++)
			ck_assert_double_gt(weir_hist_bound(k, b),
			    weir_hist_bound(k, b - 1));
	}
}
END_TEST

START_TEST(test_hist_observe_buckets)
{
	struct weir_histogram	*h = calloc(1, sizeof(*h));

	ck_assert_ptr_nonnull(h);
	weir_hist_observe(h, WEIR_HIST_COUNT, 1);	/* le=1 is inclusive */
	weir_hist_observe(h, WEIR_HIST_COUNT, 1.5);	/* le=2 */
	weir_hist_observe(h, WEIR_HIST_COUNT, 10000);	/* le=10000 */
	weir_hist_observe(h, WEIR_HIST_COUNT, 10001);	/* +Inf */
	weir_hist_observe(h, WEIR_HIST_COUNT, 0);	/* le=1 */
	ck_assert_uint_eq(get(&h->buckets[0]), 2);
	ck_assert_uint_eq(get(&h->buckets[1]), 1);
	ck_assert_uint_eq(get(&h->buckets[12]), 1);
	ck_assert_uint_eq(get(&h->buckets[13]), 1);
	for (int b = 2; b < 12; b++)
		ck_assert_uint_eq(get(&h->buckets[b]), 0);
	ck_assert_uint_eq(get(&h->count), 5);
	ck_assert_uint_eq(get(&h->sum_micro), 20003500000ULL);
	free(h);
}
END_TEST

START_TEST(test_hist_observe_sum_micro)
{
	struct weir_histogram	*h = calloc(1, sizeof(*h));

	ck_assert_ptr_nonnull(h);
	weir_hist_observe(h, WEIR_HIST_SECONDS, 0.25);
	weir_hist_observe(h, WEIR_HIST_SECONDS, 0.125);
	/* Negative values are counted but add nothing to the sum. */
	weir_hist_observe(h, WEIR_HIST_SECONDS, -3);
	ck_assert_uint_eq(get(&h->sum_micro), 375000);
	ck_assert_uint_eq(get(&h->count), 3);
	ck_assert_uint_eq(get(&h->buckets[0]), 1);
	ck_assert_uint_eq(get(&h->buckets[8]), 2);
	free(h);
}
END_TEST

START_TEST(test_http_codes)
{
	static const int	codes[WEIR_HTTP_CODES] = { 200, 202, 204, 304,
	    400, 401, 404, 405, 413, 429, 500, 503 };

	for (int i = 0; i < WEIR_HTTP_CODES; i++) {
		ck_assert_int_eq(weir_http_code_index(codes[i]), i);
		ck_assert_int_eq(weir_http_code_at(i), codes[i]);
	}
	/* Unlisted codes fold into 400 or 500. */
	ck_assert_int_eq(weir_http_code_at(weir_http_code_index(418)), 400);
	ck_assert_int_eq(weir_http_code_at(weir_http_code_index(422)), 400);
	ck_assert_int_eq(weir_http_code_at(weir_http_code_index(502)), 500);
	ck_assert_int_eq(weir_http_code_at(weir_http_code_index(504)), 500);
}
END_TEST

START_TEST(test_metrics_init_shared_block)
{
	int64_t	before = weir_now_ms();

	ck_assert_int_eq(weir_metrics_init(), 0);
	ck_assert_ptr_nonnull(weir_metrics);
	ck_assert_int_ge(weir_metrics->start_time_ms, before);
	ck_assert_int_le(weir_metrics->start_time_ms, weir_now_ms());
	ck_assert_uint_eq(get(&weir_metrics->messages_received), 0);
	ck_assert_uint_eq(get(&weir_metrics->dead_letters[1]), 0);
	WEIR_INC(weir_metrics->messages_received, 3);
	ck_assert_uint_eq(get(&weir_metrics->messages_received), 3);
}
END_TEST

Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("histograms");

	tcase_add_test(tc, test_hist_bounds);
	tcase_add_test(tc, test_hist_observe_buckets);
	tcase_add_test(tc, test_hist_observe_sum_micro);
	tcase_add_test(tc, test_http_codes);
	tcase_add_test(tc, test_metrics_init_shared_block);
	suite_add_tcase(s, tc);
	return (s);
}
