/* test_claimed_set.c - the consumer's set of windows claimed by a rebuild.
 * Unknown windows are not in it; forgetting must never invent a member. */
#include <stdio.h>
#include <string.h>

#include "processor/claimed_set.h"
#include "unit.h"

START_TEST(test_claimed_unknown_is_absent)
{
	struct weir_claimed_set	s;

	weir_claimed_set_init(&s);
	ck_assert_int_eq(weir_claimed_set_has(&s, "0:1:a:t", 7), 0);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(test_claimed_add_has)
{
	struct weir_claimed_set	s;

	weir_claimed_set_init(&s);
	weir_claimed_set_add(&s, "0:1:a:t", 7);
	weir_claimed_set_add(&s, "0:1:b:t", 7);
	ck_assert_int_eq(weir_claimed_set_has(&s, "0:1:a:t", 7), 1);
	ck_assert_int_eq(weir_claimed_set_has(&s, "0:1:b:t", 7), 1);
	/* A prefix is another window. */
	ck_assert_int_eq(weir_claimed_set_has(&s, "0:1:a:", 6), 0);
	/* Adding a member again changes nothing. */
	weir_claimed_set_add(&s, "0:1:a:t", 7);
	ck_assert_int_eq(weir_claimed_set_has(&s, "0:1:a:t", 7), 1);
	ck_assert_uint_eq(s.n, 2);
}
END_TEST

/* A full set starts over rather than fail; whatever it still holds was
 * added, whatever it forgot reads absent. */
START_TEST(test_claimed_full_starts_over)
{
	struct weir_claimed_set	s;
	char			id[32];
	size_t			kept = 0;

	weir_claimed_set_init(&s);
	for (size_t i = 0; i < WEIR_CLAIMED_SET_SLOTS; i++) {
		snprintf(id, sizeof(id), "w-%zu", i);
		weir_claimed_set_add(&s, id, strlen(id));
		ck_assert_int_eq(weir_claimed_set_has(&s, id, strlen(id)), 1);
	}
	ck_assert_uint_lt(s.n, WEIR_CLAIMED_SET_SLOTS * 3 / 4);
	for (size_t i = 0; i < WEIR_CLAIMED_SET_SLOTS; i++) {
		snprintf(id, sizeof(id), "w-%zu", i);
		kept += (size_t)weir_claimed_set_has(&s, id, strlen(id));
	}
	ck_assert_uint_eq(kept, s.n);
	/* The most recent entries survive the restart. */
	snprintf(id, sizeof(id), "w-%d", WEIR_CLAIMED_SET_SLOTS - 1);
	ck_assert_int_eq(weir_claimed_set_has(&s, id, strlen(id)), 1);
	/* Never a member that was not added. */
	ck_assert_int_eq(weir_claimed_set_has(&s, "never-added", 11), 0);
}
END_TEST

Suite *
claimed_set_suite(void)
{
	Suite	*s = suite_create("claimed_set");
	TCase	*tc = tcase_create("claimed");

	tcase_add_test(tc, test_claimed_unknown_is_absent);
	tcase_add_test(tc, test_claimed_add_has);
	tcase_add_test(tc, test_claimed_full_starts_over);
	suite_add_tcase(s, tc);
	return (s);
}
