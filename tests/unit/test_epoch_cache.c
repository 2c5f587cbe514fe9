/* test_epoch_cache.c - the consumer's table of window rebuild epochs.
 * Unknown windows read as epoch 0; forgetting must never invent an epoch. */
#include <stdio.h>
#include <string.h>

#include "epoch_cache.h"
#include "unit.h"

START_TEST(test_epoch_unknown_is_zero)
{
	struct weir_epoch_cache	c;

	weir_epoch_cache_init(&c);
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:a:t", 7), 0);
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(test_epoch_put_get_update_forget)
{
	struct weir_epoch_cache	c;

	weir_epoch_cache_init(&c);
	weir_epoch_cache_put(&c, "0:1:a:t", 7, 0, 2);
	weir_epoch_cache_put(&c, "0:1:b:t", 7, 0, 4);
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:a:t", 7), 2);
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:b:t", 7), 4);
	/* A prefix is another window. */
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:a:", 6), 0);
	weir_epoch_cache_put(&c, "0:1:a:t", 7, 0, 6);
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:a:t", 7), 6);
	ck_assert_uint_eq(c.n, 2);
	/* Epoch 0 forgets, and the other entry survives the rehash. */
	weir_epoch_cache_put(&c, "0:1:a:t", 7, 0, 0);
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:a:t", 7), 0);
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:b:t", 7), 4);
	ck_assert_uint_eq(c.n, 1);
	/* Learning epoch 0 for an unknown window stores nothing. */
	weir_epoch_cache_put(&c, "0:1:c:t", 7, 0, 0);
	ck_assert_uint_eq(c.n, 1);
}
END_TEST

/* Filling the table forgets windows an hour older than the newest first,
 * and keeps every entry it does not forget exact. */
START_TEST(test_epoch_full_forgets_old_windows)
{
	struct weir_epoch_cache	c;
	char			id[32];
	int64_t			hour = 60 * 60 * 1000;
	size_t			i, old = WEIR_EPOCH_CACHE_SLOTS / 2;

	weir_epoch_cache_init(&c);
	for (i = 0; i < old; i++) {
		snprintf(id, sizeof(id), "old-%zu", i);
		weir_epoch_cache_put(&c, id, strlen(id), 0, 3);
	}
	for (i = 0; i < WEIR_EPOCH_CACHE_SLOTS / 2; i++) {
		snprintf(id, sizeof(id), "new-%zu", i);
		weir_epoch_cache_put(&c, id, strlen(id), 2 * hour, 5);
	}
	ck_assert_uint_lt(c.n, WEIR_EPOCH_CACHE_SLOTS * 3 / 4);
	for (i = 0; i < WEIR_EPOCH_CACHE_SLOTS / 2; i++) {
		snprintf(id, sizeof(id), "new-%zu", i);
		ck_assert_int_eq(weir_epoch_cache_get(&c, id, strlen(id)), 5);
	}
	for (i = 0; i < old; i++) {
		snprintf(id, sizeof(id), "old-%zu", i);
		ck_assert_int_eq(weir_epoch_cache_get(&c, id, strlen(id)), 0);
	}
}
END_TEST

/* When every entry is recent, a full table starts over rather than fail. */
START_TEST(test_epoch_full_of_recent_starts_over)
{
	struct weir_epoch_cache	c;
	char			id[32];
	size_t			kept = 0;

	weir_epoch_cache_init(&c);
	for (size_t i = 0; i < WEIR_EPOCH_CACHE_SLOTS; i++) {
		snprintf(id, sizeof(id), "w-%zu", i);
		weir_epoch_cache_put(&c, id, strlen(id), 1000, 7);
		ck_assert_int_eq(weir_epoch_cache_get(&c, id, strlen(id)), 7);
	}
	ck_assert_uint_lt(c.n, WEIR_EPOCH_CACHE_SLOTS * 3 / 4);
	for (size_t i = 0; i < WEIR_EPOCH_CACHE_SLOTS; i++) {
		int64_t e;

		snprintf(id, sizeof(id), "w-%zu", i);
		e = weir_epoch_cache_get(&c, id, strlen(id));
		ck_assert(e == 0 || e == 7);
		kept += e == 7;
	}
	ck_assert_uint_eq(kept, c.n);
}
END_TEST

Suite *
epoch_cache_suite(void)
{
	Suite	*s = suite_create("epoch_cache");
	TCase	*tc = tcase_create("epochs");

	tcase_add_test(tc, test_epoch_unknown_is_zero);
	tcase_add_test(tc, test_epoch_put_get_update_forget);
	tcase_add_test(tc, test_epoch_full_forgets_old_windows);
	tcase_add_test(tc, test_epoch_full_of_recent_starts_over);
	suite_add_tcase(s, tc);
	return (s);
}
