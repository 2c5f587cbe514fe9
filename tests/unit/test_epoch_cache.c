/* test_epoch_cache.c - the consumer's table of windows past epoch 0.
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

START_TEST(test_epoch_put_get_update)
{
	struct weir_epoch_cache	c;

	weir_epoch_cache_init(&c);
	weir_epoch_cache_put(&c, "0:1:a:t", 7, 2);
	weir_epoch_cache_put(&c, "0:1:b:t", 7, 4);
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:a:t", 7), 2);
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:b:t", 7), 4);
	/* A prefix is another window. */
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:a:", 6), 0);
	weir_epoch_cache_put(&c, "0:1:a:t", 7, 6);
	ck_assert_int_eq(weir_epoch_cache_get(&c, "0:1:a:t", 7), 6);
	ck_assert_uint_eq(c.n, 2);
}
END_TEST

/* A full table starts over rather than fail; whatever it still knows is
 * exact, whatever it forgot reads 0. */
START_TEST(test_epoch_full_starts_over)
{
	struct weir_epoch_cache	c;
	char			id[32];
	size_t			kept = 0;

	weir_epoch_cache_init(&c);
	for (size_t i = 0; i < WEIR_EPOCH_CACHE_SLOTS; i++) {
		snprintf(id, sizeof(id), "w-%zu", i);
		weir_epoch_cache_put(&c, id, strlen(id), 7);
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
	/* The most recent entries survive the restart. */
	snprintf(id, sizeof(id), "w-%d", WEIR_EPOCH_CACHE_SLOTS - 1);
	ck_assert_int_eq(weir_epoch_cache_get(&c, id, strlen(id)), 7);
}
END_TEST

Suite *
epoch_cache_suite(void)
{
	Suite	*s = suite_create("epoch_cache");
	TCase	*tc = tcase_create("epochs");

	tcase_add_test(tc, test_epoch_unknown_is_zero);
	tcase_add_test(tc, test_epoch_put_get_update);
	tcase_add_test(tc, test_epoch_full_starts_over);
	suite_add_tcase(s, tc);
	return (s);
}
